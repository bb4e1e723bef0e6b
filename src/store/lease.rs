//! Leases: what lets several replicas share one database without doing each other's work.
//!
//! - A claimed publication or reply carries `lease_until`. The replica sending it renews the lease
//!   while the request is in flight; a claim whose lease has run out belongs to a replica that
//!   stopped mid-send, and any replica turns it *unknown* (the request may have left): a
//!   publication is then reconciled with its platform, a reply is never sent again.
//! - Work one replica at a time must do (reading an account's inbox, sending team alerts) is a
//!   row in `leases`, held until an instant and renewed by its holder; when the holder stops
//!   renewing, another replica takes it over.
//! - Each replica beats in `replicas`, so the status page can show who is running.
//!
//! Every lease is measured on the database's clock (milliseconds since 1970): not on a replica's
//! own clock, which may be simulated or drift, so replicas always agree on who holds what.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::inbox::ReplyRecord;
use super::journal::Entry;
use chrono::{DateTime, Utc};

/// The lease length when `[database] lease_seconds` isn't set.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(30);

/// A lease's length in milliseconds, as bound into SQL.
pub fn millis(lease: Duration) -> i64 {
    i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 4)
}

/// A replica's beat in the `replicas` table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Replica {
    /// Its id: unique per run (host, process id, start).
    pub id: String,
    /// The machine.
    pub host: String,
    /// The process id on that machine.
    pub pid: i64,
    /// herald's version.
    pub version: String,
    /// When it started, on the database's clock (ms since 1970).
    pub started_ms: i64,
    /// When it last beat, on the database's clock (ms since 1970).
    pub seen_ms: i64,
}

impl Replica {
    /// When it started.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.started_ms)
    }

    /// When it last beat.
    pub fn seen_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.seen_ms)
    }
}

/// A row of `leases`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Lease {
    /// `inbox:<account>` or `alerts`.
    pub name: String,
    /// The replica holding it.
    pub owner: String,
    /// Until when, on the database's clock (ms since 1970).
    pub until_ms: i64,
}

/// The name of the lease on an account's inbox.
pub fn inbox_lease(account: &str) -> String {
    format!("inbox:{account}")
}

/// The name of the lease on sending team alerts.
pub const ALERTS_LEASE: &str = "alerts";

/// Leases and replicas: the part of the store that keeps replicas out of each other's way.
#[async_trait::async_trait]
pub trait LeaseStore: Send + Sync {
    /// The database's clock, in milliseconds since 1970.
    async fn db_now_ms(&self) -> Result<i64, StoreError>;

    /// Takes or renews the lease `name` for `owner` for `lease` from now (on the database's
    /// clock). Returns whether `owner` holds it: false while another owner's lease runs.
    async fn acquire_lease(&self, name: &str, owner: &str, lease: Duration) -> Result<bool, StoreError>;

    /// Forgets every lease and replica: for a single instance at start (SQLite, locked), when
    /// whatever they hold was left by an earlier run that was killed.
    async fn reset_leases(&self) -> Result<(), StoreError>;

    /// Gives up a lease `owner` holds (on a clean stop), so another replica needn't wait.
    async fn release_lease(&self, name: &str, owner: &str) -> Result<(), StoreError>;

    /// The leases that haven't run out.
    async fn live_leases(&self) -> Result<Vec<Lease>, StoreError>;

    /// Renews `owner`'s claim on a publication. False when it no longer holds it.
    async fn renew_claim(&self, key: &str, owner: &str, lease: Duration) -> Result<bool, StoreError>;

    /// Claims whose lease has run out (their replica stopped mid-send) become unknown: the
    /// request may have left. Returns them.
    async fn take_over_expired_claims(
        &self,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Entry>, StoreError>;

    /// Renews `owner`'s claim on a reply. False when it no longer holds it.
    async fn renew_reply_claim(&self, key: &str, owner: &str, lease: Duration) -> Result<bool, StoreError>;

    /// Reply claims whose lease has run out become unknown (never resent). Returns them.
    async fn take_over_expired_reply_claims(
        &self,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ReplyRecord>, StoreError>;

    /// Records that a replica is alive (creating its row on the first beat).
    async fn beat(&self, id: &str, host: &str, pid: i64, version: &str) -> Result<(), StoreError>;

    /// Replicas that beat within `within`, oldest first.
    async fn live_replicas(&self, within: Duration) -> Result<Vec<Replica>, StoreError>;

    /// Removes a replica's row (on a clean stop) and any of its rows long gone.
    async fn forget_replica(&self, id: &str) -> Result<(), StoreError>;
}

/// Implements [`LeaseStore`] for a backend struct with a `pool` field and, in scope, `NOW_MS`
/// (SQL for the database's clock in ms) and `SKIP_LOCKED` (`FOR UPDATE SKIP LOCKED` where the
/// backend has row locks, empty where a write locks the whole database).
macro_rules! lease_impl {
    ($store:ty) => {
        impl $store {
            /// Extends the lease of a claimed row of `table` (a name written here, never input)
            /// if `owner` still holds the claim.
            async fn renew_row(
                &self,
                table: &'static str,
                key: &str,
                owner: &str,
                lease: std::time::Duration,
            ) -> Result<bool, $crate::store::StoreError> {
                let sql = format!(
                    "UPDATE {table} SET lease_until = {NOW_MS} + $3 \
                     WHERE key = $1 AND state = 'claimed' AND claimed_by = $2"
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(key)
                    .bind(owner)
                    .bind($crate::store::lease::millis(lease))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }
        }

        #[async_trait::async_trait]
        impl $crate::store::lease::LeaseStore for $store {
            async fn db_now_ms(&self) -> Result<i64, $crate::store::StoreError> {
                let row: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!("SELECT {NOW_MS}")))
                    .fetch_one(&self.pool)
                    .await?;
                Ok(row.0)
            }

            async fn acquire_lease(
                &self,
                name: &str,
                owner: &str,
                lease: std::time::Duration,
            ) -> Result<bool, $crate::store::StoreError> {
                let sql = format!(
                    "INSERT INTO leases (name, owner, until_ms, acquired_ms) VALUES ($1, $2, {NOW_MS} + $3, {NOW_MS}) \
                     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms, \
                     acquired_ms = CASE WHEN leases.owner = excluded.owner THEN leases.acquired_ms \
                     ELSE excluded.acquired_ms END \
                     WHERE leases.owner = excluded.owner OR leases.until_ms < excluded.acquired_ms"
                );
                let done = sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(name)
                    .bind(owner)
                    .bind($crate::store::lease::millis(lease))
                    .execute(&self.pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn reset_leases(&self) -> Result<(), $crate::store::StoreError> {
                let mut tx = self.pool.begin().await?;
                sqlx::query("DELETE FROM leases").execute(&mut *tx).await?;
                sqlx::query("DELETE FROM replicas").execute(&mut *tx).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn release_lease(&self, name: &str, owner: &str) -> Result<(), $crate::store::StoreError> {
                sqlx::query("DELETE FROM leases WHERE name = $1 AND owner = $2")
                    .bind(name)
                    .bind(owner)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn live_leases(&self) -> Result<Vec<$crate::store::lease::Lease>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT name, owner, until_ms FROM leases WHERE until_ms >= {NOW_MS} ORDER BY name"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(&self.pool).await?)
            }

            async fn renew_claim(
                &self,
                key: &str,
                owner: &str,
                lease: std::time::Duration,
            ) -> Result<bool, $crate::store::StoreError> {
                self.renew_row("publications", key, owner, lease).await
            }

            async fn take_over_expired_claims(
                &self,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::journal::Entry>, $crate::store::StoreError> {
                // A claim from before leases existed has none: it is as good as expired.
                let sql = format!(
                    "UPDATE publications SET state = 'unknown', reason = $1, updated_at = $2, lease_until = NULL \
                     WHERE key IN (SELECT key FROM publications WHERE state = 'claimed' \
                       AND (lease_until IS NULL OR lease_until < {NOW_MS}){SKIP_LOCKED}) \
                     AND state = 'claimed' AND (lease_until IS NULL OR lease_until < {NOW_MS}) RETURNING {}",
                    $crate::store::journal::COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(reason)
                    .bind($crate::store::journal::precise(now))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn renew_reply_claim(
                &self,
                key: &str,
                owner: &str,
                lease: std::time::Duration,
            ) -> Result<bool, $crate::store::StoreError> {
                self.renew_row("inbox_replies", key, owner, lease).await
            }

            async fn take_over_expired_reply_claims(
                &self,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "UPDATE inbox_replies SET state = 'unknown', reason = $1, updated_at = $2, lease_until = NULL \
                     WHERE key IN (SELECT key FROM inbox_replies WHERE state = 'claimed' \
                       AND (lease_until IS NULL OR lease_until < {NOW_MS}){SKIP_LOCKED}) \
                     AND state = 'claimed' AND (lease_until IS NULL OR lease_until < {NOW_MS}) RETURNING {}",
                    $crate::store::inbox::REPLY_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(reason)
                    .bind($crate::store::journal::precise(now))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn beat(
                &self,
                id: &str,
                host: &str,
                pid: i64,
                version: &str,
            ) -> Result<(), $crate::store::StoreError> {
                let sql = format!(
                    "INSERT INTO replicas (id, host, pid, version, started_ms, seen_ms) \
                     VALUES ($1, $2, $3, $4, {NOW_MS}, {NOW_MS}) \
                     ON CONFLICT (id) DO UPDATE SET seen_ms = excluded.seen_ms"
                );
                sqlx::query(sqlx::AssertSqlSafe(sql))
                    .bind(id)
                    .bind(host)
                    .bind(pid)
                    .bind(version)
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }

            async fn live_replicas(
                &self,
                within: std::time::Duration,
            ) -> Result<Vec<$crate::store::lease::Replica>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT id, host, pid, version, started_ms, seen_ms FROM replicas \
                     WHERE seen_ms >= {NOW_MS} - $1 ORDER BY started_ms, id"
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind($crate::store::lease::millis(within))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn forget_replica(&self, id: &str) -> Result<(), $crate::store::StoreError> {
                // Rows of replicas not seen for a day are forgotten too.
                let sql = format!("DELETE FROM replicas WHERE id = $1 OR seen_ms < {NOW_MS} - 86400000");
                sqlx::query(sqlx::AssertSqlSafe(sql)).bind(id).execute(&self.pool).await?;
                Ok(())
            }
        }
    };
}

pub(crate) use lease_impl;

#[cfg(test)]
mod tests {
    //! The replica story, run against every backend: claims contended by two replicas are each
    //! won once; a claim whose lease runs out becomes unknown, a live or renewed one doesn't; an
    //! inbox lease fails over when its holder stops renewing it.

    use std::collections::HashMap;
    use std::sync::Arc;

    use super::*;
    use crate::store::inbox::{MessageRecord, NewReply, ReplyState};
    use crate::store::journal::{Outcome, Planned, State};
    use crate::store::testing;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const LONG: Duration = Duration::from_secs(60);
    const SHORT: Duration = Duration::from_millis(150);

    async fn expire() {
        tokio::time::sleep(SHORT + Duration::from_millis(150)).await;
    }

    #[tokio::test]
    async fn two_replicas_contending_claim_each_publication_once() {
        for (store, _guard) in testing::all().await {
            let due = at("2026-12-01T10:00:00Z");
            let mut keys = Vec::new();
            for i in 0..40 {
                let p = Planned::new(&format!("p{i:02}"), "site", due, true);
                store.plan(&p, due).await.unwrap();
                keys.push(p.key);
            }
            let mut tasks = Vec::new();
            for owner in ["replica-a", "replica-b"] {
                let store = Arc::clone(&store);
                let mut keys = keys.clone();
                if owner == "replica-b" {
                    keys.reverse();
                }
                tasks.push(tokio::spawn(async move {
                    let mut won = Vec::new();
                    for entry in store.due(due, 100).await.unwrap() {
                        assert_eq!(entry.state, State::Planned);
                    }
                    for key in keys {
                        if store.claim(&key, owner, "Hi", due, LONG).await.unwrap().is_some() {
                            won.push(key);
                        }
                    }
                    (owner, won)
                }));
            }
            let mut winners: HashMap<String, Vec<&str>> = HashMap::new();
            for task in tasks {
                let (owner, won) = task.await.unwrap();
                for key in won {
                    winners.entry(key).or_default().push(owner);
                }
            }
            assert_eq!(winners.len(), keys.len(), "{:?}", store.backend());
            for (key, owners) in &winners {
                assert_eq!(
                    owners.len(),
                    1,
                    "{key} won by {owners:?} on {:?}",
                    store.backend()
                );
                let entry = store.entry(key).await.unwrap().unwrap();
                assert_eq!(entry.claimed_by.as_deref(), Some(owners[0]));
            }
            assert!(store.due(due, 100).await.unwrap().is_empty());
        }
    }

    #[tokio::test]
    async fn an_expired_claim_becomes_unknown_and_a_live_or_renewed_one_is_left_alone() {
        for (store, _guard) in testing::all().await {
            let backend = store.backend();
            let due = at("2026-12-01T10:00:00Z");
            let [dead, live, renewed] =
                ["dead", "live", "renewed"].map(|id| Planned::new(id, "site", due, true));
            for p in [&dead, &live, &renewed] {
                store.plan(p, due).await.unwrap();
            }
            store
                .claim(&dead.key, "gone", "Hi", due, SHORT)
                .await
                .unwrap()
                .unwrap();
            store
                .claim(&live.key, "alive", "Hi", due, LONG)
                .await
                .unwrap()
                .unwrap();
            store
                .claim(&renewed.key, "alive", "Hi", due, SHORT)
                .await
                .unwrap()
                .unwrap();
            assert!(
                store
                    .take_over_expired_claims("stopped", due)
                    .await
                    .unwrap()
                    .is_empty(),
                "nothing has run out yet on {backend:?}"
            );
            // The live replica renews its short claim while the dead one doesn't.
            for _ in 0..6 {
                tokio::time::sleep(SHORT / 3).await;
                assert!(store.renew_claim(&renewed.key, "alive", SHORT).await.unwrap());
            }
            assert!(
                !store.renew_claim(&renewed.key, "gone", SHORT).await.unwrap(),
                "only the owner renews"
            );
            let taken = store.take_over_expired_claims("stopped", due).await.unwrap();
            assert_eq!(
                taken.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
                [dead.key.as_str()],
                "{backend:?}"
            );
            assert_eq!(taken[0].state, State::Unknown);
            assert_eq!(taken[0].reason.as_deref(), Some("stopped"));
            // Unknown: reconciled, never resent; the dead owner can't record a result, nor renew.
            assert_eq!(store.unsettled().await.unwrap().len(), 1);
            let sent = Outcome::Sent {
                id: "1".into(),
                url: None,
            };
            assert!(!store.finish(&dead.key, "gone", &sent, due).await.unwrap());
            assert!(!store.renew_claim(&dead.key, "gone", LONG).await.unwrap());
            // The live ones are still theirs.
            assert!(store.finish(&live.key, "alive", &sent, due).await.unwrap());
            assert!(store.finish(&renewed.key, "alive", &sent, due).await.unwrap());
            assert!(
                store
                    .take_over_expired_claims("stopped", due)
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn an_expired_reply_claim_becomes_unknown_and_is_never_resent() {
        for (store, _guard) in testing::all().await {
            let now = at("2026-12-05T10:00:00Z");
            let mut keys = Vec::new();
            for id in ["1", "2"] {
                let message = MessageRecord {
                    account: "mastodon".into(),
                    message_id: id.into(),
                    platform: "mastodon".into(),
                    kind: "mention".into(),
                    author_id: format!("author-{id}"),
                    author_handle: "@pat".into(),
                    sent_at: now,
                    seen_at: now,
                    excerpt: "Hello".into(),
                    text_hash: "h".into(),
                    action: "reply".into(),
                    rule: "closed".into(),
                    reason: "closed".into(),
                    routes: String::new(),
                    details: String::new(),
                    for_team: false,
                    alert: false,
                    alerted_at: None,
                    reply_key: Some(format!("reply:mastodon:{id}")),
                };
                let reply = NewReply {
                    key: format!("reply:mastodon:{id}"),
                    purpose: "closed".into(),
                    period: Some("2026-12-07T09:00:00Z".into()),
                    once_key: Some(format!("mastodon|author-{id}|2026-12-07T09:00:00Z")),
                    routes: String::new(),
                    personal: false,
                    message: "{}".into(),
                };
                store.record_message(&message, Some(&reply), now).await.unwrap();
                keys.push(reply.key);
            }
            store
                .claim_reply(&keys[0], "gone", "Thanks", now, SHORT)
                .await
                .unwrap()
                .unwrap();
            store
                .claim_reply(&keys[1], "alive", "Thanks", now, LONG)
                .await
                .unwrap()
                .unwrap();
            expire().await;
            let taken = store
                .take_over_expired_reply_claims("stopped", now)
                .await
                .unwrap();
            assert_eq!(taken.len(), 1, "{:?}", store.backend());
            assert_eq!(taken[0].key, keys[0]);
            let reply = store.reply(&keys[0]).await.unwrap().unwrap();
            assert_eq!(reply.state, ReplyState::Unknown);
            assert!(
                store.due_replies(now, 10).await.unwrap().is_empty(),
                "never resent"
            );
            assert!(store.renew_reply_claim(&keys[1], "alive", LONG).await.unwrap());
            assert!(!store.renew_reply_claim(&keys[0], "gone", LONG).await.unwrap());
            assert_eq!(
                store.reply(&keys[1]).await.unwrap().unwrap().state,
                ReplyState::Claimed
            );
        }
    }

    #[tokio::test]
    async fn an_inbox_lease_has_one_holder_and_fails_over_when_it_stops_renewing() {
        for (store, _guard) in testing::all().await {
            let backend = store.backend();
            let inbox = inbox_lease("mastodon");
            assert!(store.acquire_lease(&inbox, "r1", SHORT).await.unwrap());
            assert!(
                !store.acquire_lease(&inbox, "r2", SHORT).await.unwrap(),
                "{backend:?}"
            );
            // Renewed by its holder, it holds past its first length.
            for _ in 0..4 {
                tokio::time::sleep(SHORT / 3).await;
                assert!(store.acquire_lease(&inbox, "r1", SHORT).await.unwrap());
                assert!(!store.acquire_lease(&inbox, "r2", SHORT).await.unwrap());
            }
            // Other leases are separate.
            assert!(store.acquire_lease(ALERTS_LEASE, "r2", LONG).await.unwrap());
            let live = store.live_leases().await.unwrap();
            assert_eq!(
                live.iter()
                    .map(|l| (l.name.as_str(), l.owner.as_str()))
                    .collect::<Vec<_>>(),
                [(ALERTS_LEASE, "r2"), (inbox.as_str(), "r1")]
            );
            // r1 stops renewing: r2 takes over, and r1 can't take it back while r2 renews.
            expire().await;
            assert!(
                store.acquire_lease(&inbox, "r2", SHORT).await.unwrap(),
                "{backend:?}"
            );
            assert!(!store.acquire_lease(&inbox, "r1", SHORT).await.unwrap());
            store.release_lease(&inbox, "r1").await.unwrap();
            assert!(
                !store.acquire_lease(&inbox, "r1", SHORT).await.unwrap(),
                "not r1's to release"
            );
            // A clean stop gives it up at once.
            store.release_lease(&inbox, "r2").await.unwrap();
            assert!(store.acquire_lease(&inbox, "r3", SHORT).await.unwrap());
            // A single instance starting after a kill forgets what the killed run held.
            store.beat("r3", "host", 3, "0.1.0").await.unwrap();
            store.reset_leases().await.unwrap();
            assert!(store.live_leases().await.unwrap().is_empty());
            assert!(store.live_replicas(LONG).await.unwrap().is_empty());
            assert!(store.acquire_lease(&inbox, "r4", SHORT).await.unwrap());
        }
    }

    #[tokio::test]
    async fn concurrent_lease_takers_have_one_winner() {
        for (store, _guard) in testing::all().await {
            let mut tasks = Vec::new();
            for i in 0..8 {
                let store = Arc::clone(&store);
                tasks.push(tokio::spawn(async move {
                    store
                        .acquire_lease("inbox:x", &format!("r{i}"), LONG)
                        .await
                        .unwrap()
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
    async fn replicas_beat_on_the_database_clock_and_are_forgotten_on_a_clean_stop() {
        for (store, _guard) in testing::all().await {
            let system = Utc::now().timestamp_millis();
            let db = store.db_now_ms().await.unwrap();
            assert!((db - system).abs() < 60_000, "{db} vs {system}");
            store.beat("host-1-a", "host", 1, "0.1.0").await.unwrap();
            store.beat("host-2-b", "host", 2, "0.1.0").await.unwrap();
            let first = store.live_replicas(LONG).await.unwrap();
            assert_eq!(first.len(), 2);
            tokio::time::sleep(Duration::from_millis(20)).await;
            store.beat("host-1-a", "host", 1, "0.1.0").await.unwrap();
            let again = store.live_replicas(LONG).await.unwrap();
            let a = again.iter().find(|r| r.id == "host-1-a").unwrap();
            assert_eq!(
                a.started_ms,
                first.iter().find(|r| r.id == "host-1-a").unwrap().started_ms
            );
            assert!(a.seen_ms > a.started_ms, "{a:?}");
            assert!(a.started_at().is_some());
            store.forget_replica("host-2-b").await.unwrap();
            let ids: Vec<String> = store
                .live_replicas(LONG)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.id)
                .collect();
            assert_eq!(ids, ["host-1-a"]);
            // Seen longer ago than `within`: not live.
            tokio::time::sleep(Duration::from_millis(120)).await;
            assert!(
                store
                    .live_replicas(Duration::from_millis(50))
                    .await
                    .unwrap()
                    .is_empty()
            );
        }
    }

    #[tokio::test]
    async fn a_second_instance_on_one_sqlite_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = crate::store::lock_single_instance("sqlite://herald.db", dir.path())
            .unwrap()
            .expect("a file to lock");
        let err = crate::store::lock_single_instance("sqlite://herald.db", dir.path()).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("another `herald run` is using"), "{text}");
        assert!(text.contains("PostgreSQL"), "{text}");
        // Another file is another database.
        assert!(
            crate::store::lock_single_instance("sqlite://other.db", dir.path())
                .unwrap()
                .is_some()
        );
        drop(first);
        assert!(
            crate::store::lock_single_instance("sqlite://herald.db", dir.path())
                .unwrap()
                .is_some()
        );
        // PostgreSQL is shared through leases: nothing to lock.
        assert!(
            crate::store::lock_single_instance("postgres://db/herald", dir.path())
                .unwrap()
                .is_none()
        );
    }
}
