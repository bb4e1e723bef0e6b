//! The publishing journal: every (post, channel, occurrence) herald has to publish, and where it
//! stands.
//!
//! ```text
//! planned ──claim──▶ claimed ──▶ sent (platform id, URL)
//!    ▲                  │    ├──▶ failed (the platform's reason)
//!    └──── retry later ─┘    └──▶ unknown ──reconcile──▶ sent | planned | parked for a person
//! planned ──▶ missed (too late, out of hours, or held at its time)
//! ```
//!
//! A claim is one conditional `UPDATE … WHERE state = 'planned'`, so two workers can never both
//! hold it, and every result is written only by the claim's owner. The SQL is the same for both
//! backends (`$n` parameters work in SQLite too), so it lives here once.

use std::fmt;

use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;

/// Where a publication stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Due (or waiting for a retry), not yet being sent.
    Planned,
    /// Being sent: the request may be in flight.
    Claimed,
    /// Published.
    Sent,
    /// The platform refused it, or retries ran out.
    Failed,
    /// Herald can't tell whether it was published (a time-out after the request left, or a
    /// stop while it was in flight).
    Unknown,
    /// Not sent: too late, outside office hours, or held (not approved) at its time.
    Missed,
}

impl State {
    /// Every state.
    pub const ALL: [State; 6] = [
        State::Planned,
        State::Claimed,
        State::Sent,
        State::Failed,
        State::Unknown,
        State::Missed,
    ];

    /// The name stored in the database and shown in output.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Planned => "planned",
            State::Claimed => "claimed",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::Missed => "missed",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for State {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        State::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| format!("unknown publication state `{value}`"))
    }
}

/// A publication the scheduler found due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// `post#channel@occurrence`: unique, and the idempotency key sent to the platform.
    pub key: String,
    /// The post's id.
    pub post_id: String,
    /// The account name.
    pub channel: String,
    /// Which occurrence (the due instant in RFC 3339 UTC).
    pub occurrence: String,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// A one-off post: not planned again on a channel where it was already sent, is being sent
    /// or has an unknown outcome (moving an approved post to a new time never re-publishes it).
    pub once: bool,
}

impl Planned {
    /// The publication of `post_id` on `channel` due at `due_at`.
    pub fn new(post_id: &str, channel: &str, due_at: DateTime<Utc>, once: bool) -> Planned {
        let due_at = precise(due_at);
        let occurrence = due_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
        Planned {
            key: format!("{post_id}#{channel}@{occurrence}"),
            post_id: post_id.to_owned(),
            channel: channel.to_owned(),
            occurrence,
            due_at,
            once,
        }
    }
}

/// One row of the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Entry {
    /// `post#channel@occurrence`.
    pub key: String,
    /// The post's id.
    pub post_id: String,
    /// The account name.
    pub channel: String,
    /// Which occurrence.
    pub occurrence: String,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub state: State,
    /// How many times it was claimed.
    pub attempts: i64,
    /// A retry waits until then.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The process that holds or last held the claim.
    pub claimed_by: Option<String>,
    /// When the latest attempt was claimed (the request left just after).
    pub claimed_at: Option<DateTime<Utc>>,
    /// The text sent, as rendered for the platform.
    pub text: Option<String>,
    /// The platform's id for the publication.
    pub platform_id: Option<String>,
    /// A link to it.
    pub url: Option<String>,
    /// Why it failed, was missed or is unknown; or the last error before a retry.
    pub reason: Option<String>,
    /// An unknown outcome the platform couldn't settle: a person must check.
    pub parked: bool,
    /// When the team was told.
    pub announced_at: Option<DateTime<Utc>>,
    /// When it was planned.
    pub planned_at: DateTime<Utc>,
    /// When the row last changed.
    pub updated_at: DateTime<Utc>,
    /// When it reached sent, failed or missed.
    pub finished_at: Option<DateTime<Utc>>,
}

/// How a claimed attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Published.
    Sent {
        /// The platform's id.
        id: String,
        /// A link to it.
        url: Option<String>,
    },
    /// Refused: the platform's message.
    Failed(String),
    /// May or may not have been published.
    Unknown(String),
    /// Not acted on; try again at an instant.
    RetryAt(DateTime<Utc>, String),
}

/// What a look-up after an unknown outcome settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// It was published after all.
    Sent {
        /// The platform's id.
        id: String,
        /// A link to it.
        url: Option<String>,
    },
    /// It was not published: plan it again (the publisher decides whether it is still in time).
    Replan,
    /// Nobody can tell automatically: a person must check.
    Park(String),
}

/// Rows in states that end a publication's story, for `herald status`.
pub const FINISHED: [State; 4] = [State::Sent, State::Failed, State::Missed, State::Unknown];

/// Instants are kept to the microsecond, which both backends store exactly.
pub fn precise(t: DateTime<Utc>) -> DateTime<Utc> {
    t.trunc_subsecs(6)
}

pub(crate) const COLUMNS: &str = "key, post_id, channel, occurrence, due_at, state, attempts, \
     next_attempt_at, claimed_by, claimed_at, text, platform_id, url, reason, parked, announced_at, \
     planned_at, updated_at, finished_at";

pub(crate) const PLAN: &str = "INSERT INTO publications \
     (key, post_id, channel, occurrence, due_at, state, planned_at, updated_at) \
     SELECT $1, $2, $3, $4, $5, 'planned', $6, $6 \
     WHERE NOT ($7 AND EXISTS (SELECT 1 FROM publications \
        WHERE post_id = $2 AND channel = $3 AND state IN ('claimed', 'sent', 'unknown'))) \
     ON CONFLICT DO NOTHING";

/// Implements [`super::Store`] for a backend struct with a `pool` field and a `MIGRATOR` static
/// in scope. The SQL is shared; only the pool type differs.
macro_rules! store_impl {
    ($store:ty, $backend:expr) => {
        #[async_trait::async_trait]
        impl $crate::store::Store for $store {
        fn backend(&self) -> $crate::store::Backend {
            $backend
        }

        async fn migrate(&self) -> Result<(), $crate::store::StoreError> {
            MIGRATOR.run(&self.pool).await?;
            Ok(())
        }

        async fn applied_migrations(&self) -> Result<Vec<i64>, $crate::store::StoreError> {
            let rows: Vec<(i64,)> =
                sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                    .fetch_all(&self.pool)
                    .await?;
            Ok(rows.into_iter().map(|(v,)| v).collect())
        }

        async fn ping(&self) -> Result<(), $crate::store::StoreError> {
            sqlx::query("SELECT 1").execute(&self.pool).await?;
            Ok(())
        }

        async fn plan(
            &self,
            planned: &$crate::store::journal::Planned,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<bool, $crate::store::StoreError> {
            use $crate::store::journal::precise;
            let done = sqlx::query($crate::store::journal::PLAN)
                .bind(&planned.key)
                .bind(&planned.post_id)
                .bind(&planned.channel)
                .bind(&planned.occurrence)
                .bind(precise(planned.due_at))
                .bind(precise(now))
                .bind(planned.once)
                .execute(&self.pool)
                .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn due(
            &self,
            now: chrono::DateTime<chrono::Utc>,
            limit: i64,
        ) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
            let sql = format!(
                "SELECT {} FROM publications WHERE state = 'planned' AND due_at <= $1 \
                 AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY due_at, key LIMIT $2",
                $crate::store::journal::COLUMNS
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind($crate::store::journal::precise(now))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
        }

        async fn next_planned(
            &self,
        ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
            let row: (Option<chrono::DateTime<chrono::Utc>>,) = sqlx::query_as(
                "SELECT MIN(COALESCE(next_attempt_at, due_at)) FROM publications WHERE state = 'planned'",
            )
            .fetch_one(&self.pool)
            .await?;
            Ok(row.0)
        }

        async fn claim(
            &self,
            key: &str,
            owner: &str,
            text: &str,
            now: chrono::DateTime<chrono::Utc>,
            lease: std::time::Duration,
        ) -> Result<Option<$crate::store::journal::Entry>, $crate::store::StoreError> {
            // PostgreSQL skips a row another replica is claiming this instant rather than
            // waiting for it; the state check alone keeps a claim single in both backends.
            let sql = format!(
                "UPDATE publications SET state = 'claimed', claimed_by = $2, claimed_at = $3, text = $4, \
                 attempts = attempts + 1, next_attempt_at = NULL, updated_at = $3, lease_until = {NOW_MS} + $5 \
                 WHERE key = (SELECT key FROM publications WHERE key = $1 AND state = 'planned'{SKIP_LOCKED}) \
                 AND state = 'planned' RETURNING {}",
                $crate::store::journal::COLUMNS
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .bind(owner)
                .bind($crate::store::journal::precise(now))
                .bind(text)
                .bind($crate::store::lease::millis(lease))
                .fetch_optional(&self.pool)
                .await?)
        }

        async fn finish(
            &self,
            key: &str,
            owner: &str,
            outcome: &$crate::store::journal::Outcome,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<bool, $crate::store::StoreError> {
            use $crate::store::journal::{Outcome, precise};
            const WHERE: &str = ", lease_until = NULL WHERE key = $1 AND state = 'claimed' AND claimed_by = $2";
            let now = precise(now);
            let query = match outcome {
                Outcome::Sent { id, url } => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'sent', platform_id = $3, url = $4, reason = NULL, \
                     updated_at = $5, finished_at = $5{WHERE}"
                )))
                .bind(key)
                .bind(owner)
                .bind(id)
                .bind(url)
                .bind(now),
                Outcome::Failed(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'failed', reason = $3, updated_at = $4, \
                     finished_at = $4{WHERE}"
                )))
                .bind(key)
                .bind(owner)
                .bind(reason)
                .bind(now),
                Outcome::Unknown(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'unknown', reason = $3, updated_at = $4{WHERE}"
                )))
                .bind(key)
                .bind(owner)
                .bind(reason)
                .bind(now),
                Outcome::RetryAt(at, reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'planned', next_attempt_at = $3, reason = $4, \
                     updated_at = $5{WHERE}"
                )))
                .bind(key)
                .bind(owner)
                .bind(precise(*at))
                .bind(reason)
                .bind(now),
            };
            Ok(query.execute(&self.pool).await?.rows_affected() == 1)
        }

        async fn close_planned(
            &self,
            key: &str,
            state: $crate::store::journal::State,
            reason: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<bool, $crate::store::StoreError> {
            use $crate::store::journal::State;
            if !matches!(state, State::Missed | State::Failed) {
                return Ok(false);
            }
            let done = sqlx::query(
                "UPDATE publications SET state = $2, reason = $3, updated_at = $4, finished_at = $4 \
                 WHERE key = $1 AND state = 'planned'",
            )
            .bind(key)
            .bind(state.as_str())
            .bind(reason)
            .bind($crate::store::journal::precise(now))
            .execute(&self.pool)
            .await?;
            Ok(done.rows_affected() == 1)
        }

        async fn take_over_claims(
            &self,
            owner: &str,
            reason: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
            let sql = format!(
                "UPDATE publications SET state = 'unknown', reason = $2, updated_at = $3, lease_until = NULL \
                 WHERE state = 'claimed' AND claimed_by <> $1 RETURNING {}",
                $crate::store::journal::COLUMNS
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(owner)
                .bind(reason)
                .bind($crate::store::journal::precise(now))
                .fetch_all(&self.pool)
                .await?)
        }

        async fn unsettled(&self) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
            let sql = format!(
                "SELECT {} FROM publications WHERE state = 'unknown' AND NOT parked ORDER BY due_at, key",
                $crate::store::journal::COLUMNS
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?)
        }

        async fn settle(
            &self,
            key: &str,
            settled: &$crate::store::journal::Settled,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<bool, $crate::store::StoreError> {
            use $crate::store::journal::{Settled, precise};
            const WHERE: &str = " WHERE key = $1 AND state = 'unknown' AND NOT parked";
            let now = precise(now);
            let query = match settled {
                Settled::Sent { id, url } => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'sent', platform_id = $2, url = $3, reason = NULL, \
                     updated_at = $4, finished_at = $4{WHERE}"
                )))
                .bind(key)
                .bind(id)
                .bind(url)
                .bind(now),
                Settled::Replan => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET state = 'planned', reason = 'not published: checked with the platform', \
                     updated_at = $2{WHERE}"
                )))
                .bind(key)
                .bind(now),
                Settled::Park(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE publications SET parked = TRUE, reason = $2, updated_at = $3{WHERE}"
                )))
                .bind(key)
                .bind(reason)
                .bind(now),
            };
            Ok(query.execute(&self.pool).await?.rows_affected() == 1)
        }

        async fn to_announce(
            &self,
            limit: i64,
        ) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
            let sql = format!(
                "SELECT {} FROM publications WHERE announced_at IS NULL \
                 AND (state IN ('failed', 'missed') OR (state = 'unknown' AND parked)) \
                 ORDER BY due_at, key LIMIT $1",
                $crate::store::journal::COLUMNS
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
        }

        async fn mark_announced(
            &self,
            key: &str,
            now: chrono::DateTime<chrono::Utc>,
        ) -> Result<(), $crate::store::StoreError> {
            sqlx::query("UPDATE publications SET announced_at = $2 WHERE key = $1")
                .bind(key)
                .bind($crate::store::journal::precise(now))
                .execute(&self.pool)
                .await?;
            Ok(())
        }

        async fn journal(
            &self,
            states: &[$crate::store::journal::State],
            limit: i64,
        ) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
            // The state names are this crate's constants, so they can be written into the SQL.
            let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
            if names.is_empty() {
                return Ok(Vec::new());
            }
            let sql = format!(
                "SELECT {} FROM publications WHERE state IN ({}) ORDER BY due_at DESC, key LIMIT $1",
                $crate::store::journal::COLUMNS,
                names.join(", ")
            );
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(limit)
                .fetch_all(&self.pool)
                .await?)
        }

        async fn entry(&self, key: &str) -> Result<Option<$crate::store::journal::Entry>, $crate::store::StoreError> {
            let sql = format!("SELECT {} FROM publications WHERE key = $1", $crate::store::journal::COLUMNS);
            Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(&self.pool)
                .await?)
        }

        async fn meta(&self, key: &str) -> Result<Option<String>, $crate::store::StoreError> {
            let row: Option<(String,)> = sqlx::query_as("SELECT value FROM herald_meta WHERE key = $1")
                .bind(key)
                .fetch_optional(&self.pool)
                .await?;
            Ok(row.map(|(v,)| v))
        }

        async fn set_meta(&self, key: &str, value: &str) -> Result<(), $crate::store::StoreError> {
            sqlx::query(
                "INSERT INTO herald_meta (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(value)
            .execute(&self.pool)
            .await?;
            Ok(())
        }
        }
    };
}

pub(crate) use store_impl;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[tokio::test]
    async fn a_publication_goes_planned_claimed_sent_once() {
        for (store, _guard) in testing::all().await {
            let backend = store.backend();
            let due = at("2026-12-01T10:00:00Z");
            let p = Planned::new("2026-12/flu", "outbox", due, true);
            assert_eq!(p.key, "2026-12/flu#outbox@2026-12-01T10:00:00Z");
            assert!(store.plan(&p, due).await.unwrap(), "{backend:?}");
            assert!(
                !store.plan(&p, due).await.unwrap(),
                "planned twice on {backend:?}"
            );

            assert!(
                store
                    .due(at("2026-12-01T09:59:59Z"), 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(store.next_planned().await.unwrap(), Some(due));
            let due_now = store.due(due, 10).await.unwrap();
            assert_eq!(due_now.len(), 1);
            assert_eq!(due_now[0].state, State::Planned);

            let claimed = store
                .claim(&p.key, "a", "Hello", due, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((claimed.state, claimed.attempts), (State::Claimed, 1));
            assert_eq!(claimed.text.as_deref(), Some("Hello"));
            // A second claimant loses, whoever it is.
            assert!(
                store
                    .claim(&p.key, "b", "Hello", due, crate::store::DEFAULT_LEASE)
                    .await
                    .unwrap()
                    .is_none()
            );
            assert!(
                store
                    .claim(&p.key, "a", "Hello", due, crate::store::DEFAULT_LEASE)
                    .await
                    .unwrap()
                    .is_none()
            );
            // Only the owner records the result.
            let sent = Outcome::Sent {
                id: "1".into(),
                url: Some("https://example/1".into()),
            };
            assert!(!store.finish(&p.key, "b", &sent, due).await.unwrap());
            assert!(store.finish(&p.key, "a", &sent, due).await.unwrap());
            assert!(
                !store
                    .finish(&p.key, "a", &Outcome::Failed("x".into()), due)
                    .await
                    .unwrap()
            );
            let entry = store.entry(&p.key).await.unwrap().unwrap();
            assert_eq!(entry.state, State::Sent);
            assert_eq!(entry.url.as_deref(), Some("https://example/1"));
            assert_eq!(entry.due_at, due);

            // The same one-off moved to a new time is not published again on that channel...
            let moved = Planned::new("2026-12/flu", "outbox", due + chrono::Duration::days(1), true);
            assert!(!store.plan(&moved, due).await.unwrap(), "{backend:?}");
            // ...but a recurring post's next occurrence is, and so is another channel.
            let next = Planned::new("2026-12/flu", "outbox", due + chrono::Duration::days(7), false);
            assert!(store.plan(&next, due).await.unwrap());
            let other = Planned::new("2026-12/flu", "site", due, true);
            assert!(store.plan(&other, due).await.unwrap());
            assert_eq!(store.journal(&[State::Planned], 10).await.unwrap().len(), 2);
            assert_eq!(store.journal(&FINISHED, 10).await.unwrap().len(), 1);
        }
    }

    #[tokio::test]
    async fn retries_wait_and_misses_are_closed() {
        for (store, _guard) in testing::all().await {
            let due = at("2026-12-01T10:00:00Z");
            let p = Planned::new("p", "site", due, true);
            store.plan(&p, due).await.unwrap();
            store
                .claim(&p.key, "a", "Hi", due, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            let retry_at = due + chrono::Duration::seconds(30);
            let retry = Outcome::RetryAt(retry_at, "503 Service Unavailable".into());
            assert!(store.finish(&p.key, "a", &retry, due).await.unwrap());
            assert!(
                store
                    .due(due + chrono::Duration::seconds(29), 10)
                    .await
                    .unwrap()
                    .is_empty()
            );
            assert_eq!(store.next_planned().await.unwrap(), Some(retry_at));
            let again = store.due(retry_at, 10).await.unwrap();
            assert_eq!(again[0].reason.as_deref(), Some("503 Service Unavailable"));
            let second = store
                .claim(&p.key, "a", "Hi", retry_at, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(second.attempts, 2);
            assert_eq!(second.next_attempt_at, None);

            let late = Planned::new("late", "site", due, true);
            store.plan(&late, due).await.unwrap();
            assert!(
                !store
                    .close_planned(&late.key, State::Sent, "no", due)
                    .await
                    .unwrap()
            );
            assert!(
                store
                    .close_planned(&late.key, State::Missed, "herald was stopped", due)
                    .await
                    .unwrap()
            );
            assert!(
                !store
                    .close_planned(&late.key, State::Missed, "again", due)
                    .await
                    .unwrap()
            );
            let announce = store.to_announce(10).await.unwrap();
            assert_eq!(announce.len(), 1);
            assert_eq!(announce[0].reason.as_deref(), Some("herald was stopped"));
            store.mark_announced(&late.key, due).await.unwrap();
            assert!(store.to_announce(10).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn claims_left_by_a_stopped_process_become_unknown_and_are_settled() {
        for (store, _guard) in testing::all().await {
            let due = at("2026-12-01T10:00:00Z");
            let keys: Vec<String> = ["a", "b", "c", "d"]
                .iter()
                .map(|id| Planned::new(id, "outbox", due, true))
                .map(|p| p.key)
                .collect();
            for id in ["a", "b", "c", "d"] {
                store
                    .plan(&Planned::new(id, "outbox", due, true), due)
                    .await
                    .unwrap();
            }
            for key in &keys[..3] {
                store
                    .claim(key, "old", "Hi", due, crate::store::DEFAULT_LEASE)
                    .await
                    .unwrap()
                    .unwrap();
            }
            store
                .claim(&keys[3], "new", "Hi", due, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            let taken = store
                .take_over_claims("new", "herald stopped while sending", due)
                .await
                .unwrap();
            assert_eq!(taken.len(), 3);
            assert!(taken.iter().all(|e| e.state == State::Unknown));
            // The dead owner can no longer record anything.
            let sent = Outcome::Sent {
                id: "x".into(),
                url: None,
            };
            assert!(!store.finish(&keys[0], "old", &sent, due).await.unwrap());
            assert_eq!(store.unsettled().await.unwrap().len(), 3);
            assert!(store.to_announce(10).await.unwrap().is_empty(), "not parked yet");

            let found = Settled::Sent {
                id: "42".into(),
                url: None,
            };
            assert!(store.settle(&keys[0], &found, due).await.unwrap());
            assert!(store.settle(&keys[1], &Settled::Replan, due).await.unwrap());
            assert!(
                store
                    .settle(&keys[2], &Settled::Park("can't tell".into()), due)
                    .await
                    .unwrap()
            );
            assert!(
                !store.settle(&keys[2], &Settled::Replan, due).await.unwrap(),
                "parked stays"
            );
            assert_eq!(store.entry(&keys[0]).await.unwrap().unwrap().state, State::Sent);
            assert_eq!(
                store.entry(&keys[1]).await.unwrap().unwrap().state,
                State::Planned
            );
            let parked = store.entry(&keys[2]).await.unwrap().unwrap();
            assert!(parked.parked && parked.state == State::Unknown);
            assert!(store.unsettled().await.unwrap().is_empty());
            let announce = store.to_announce(10).await.unwrap();
            assert_eq!(announce.len(), 1);
            assert_eq!(announce[0].key, keys[2]);
        }
    }

    #[tokio::test]
    async fn concurrent_claims_have_one_winner() {
        for (store, _guard) in testing::all().await {
            let due = at("2026-12-01T10:00:00Z");
            let p = Planned::new("race", "outbox", due, true);
            store.plan(&p, due).await.unwrap();
            let mut tasks = Vec::new();
            for i in 0..8 {
                let store = std::sync::Arc::clone(&store);
                let key = p.key.clone();
                tasks.push(tokio::spawn(async move {
                    store
                        .claim(&key, &format!("w{i}"), "Hi", due, crate::store::DEFAULT_LEASE)
                        .await
                        .unwrap()
                        .is_some()
                }));
            }
            let mut winners = 0;
            for task in tasks {
                winners += usize::from(task.await.unwrap());
            }
            assert_eq!(winners, 1, "{:?}", store.backend());
        }
    }

    #[tokio::test]
    async fn meta_values_are_kept() {
        for (store, _guard) in testing::all().await {
            assert_eq!(store.meta("scheduler.checked_until").await.unwrap(), None);
            store.set_meta("scheduler.checked_until", "a").await.unwrap();
            store.set_meta("scheduler.checked_until", "b").await.unwrap();
            assert_eq!(
                store.meta("scheduler.checked_until").await.unwrap().as_deref(),
                Some("b")
            );
        }
    }
}
