//! The inbox's records: where herald is in each account's inbox, every message it has seen with
//! what it decided, and its automatic replies.
//!
//! ```text
//! message seen ──▶ recorded once (account, message id) with its decision and reason
//!                    └─ a reply decided: planned ──claim──▶ claimed ──▶ sent
//!                                           ▲                  │    ├──▶ failed
//!                                           └── retry later ───┘    └──▶ unknown (never resent)
//!                                   planned ──▶ dropped (no longer right to send, e.g. reopened)
//! ```
//!
//! A message and its planned reply are written in one transaction, so a message is never recorded
//! as answered without its reply, nor answered without being recorded. A reply that is limited to
//! one per sender per period carries a `once_key` (account, sender, period) that the database
//! keeps unique: two replicas reading the same inbox can't both answer the same person. As in the
//! publishing journal, a claim is one conditional update and only its owner records the result; a
//! claim left by a stopped process becomes *unknown* and is never sent again.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::StoreError;

/// Where a reply stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyState {
    /// Decided, not yet being sent (or waiting for a retry).
    Planned,
    /// Being sent.
    Claimed,
    /// Sent.
    Sent,
    /// Refused by the platform, or retries ran out.
    Failed,
    /// May or may not have been sent: never sent again; a person can look.
    Unknown,
    /// Not sent after all: it would no longer be right (the team reopened, the platform's reply
    /// window closed).
    Dropped,
}

impl ReplyState {
    /// Every state.
    pub const ALL: [ReplyState; 6] = [
        ReplyState::Planned,
        ReplyState::Claimed,
        ReplyState::Sent,
        ReplyState::Failed,
        ReplyState::Unknown,
        ReplyState::Dropped,
    ];

    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyState::Planned => "planned",
            ReplyState::Claimed => "claimed",
            ReplyState::Sent => "sent",
            ReplyState::Failed => "failed",
            ReplyState::Unknown => "unknown",
            ReplyState::Dropped => "dropped",
        }
    }
}

impl fmt::Display for ReplyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for ReplyState {
    type Error = String;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        ReplyState::ALL
            .into_iter()
            .find(|s| s.as_str() == value)
            .ok_or_else(|| format!("unknown reply state `{value}`"))
    }
}

/// One message as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct MessageRecord {
    /// The account it reached.
    pub account: String,
    /// The platform's id for it.
    pub message_id: String,
    /// The account's platform.
    pub platform: String,
    /// `mention`, `reply`, `comment` or `direct`.
    pub kind: String,
    /// The sender's id on the platform.
    pub author_id: String,
    /// The sender's handle.
    pub author_handle: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When herald read it.
    pub seen_at: DateTime<Utc>,
    /// The start of the text, with personal details masked.
    pub excerpt: String,
    /// A hash of the normalised text (repeats of one text are spam).
    pub text_hash: String,
    /// `reply`, `skip` or `flag` (no reply, and the team should look).
    pub action: String,
    /// The rule that decided (`closed`, `crisis`, `open`, `bot`, `abusive`, …).
    pub rule: String,
    /// The decision in words.
    pub reason: String,
    /// The contact routes matched, comma-separated.
    pub routes: String,
    /// The kinds of personal details shared publicly, comma-separated.
    pub details: String,
    /// Listed for the team.
    pub for_team: bool,
    /// The team is to be alerted at once.
    pub alert: bool,
    /// When the alert was delivered.
    pub alerted_at: Option<DateTime<Utc>>,
    /// The reply's key, when one was decided.
    pub reply_key: Option<String>,
}

/// A reply to plan with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewReply {
    /// `reply:<account>:<message id>`.
    pub key: String,
    /// `closed`, `crisis` or `acknowledge`.
    pub purpose: String,
    /// The period it answers for (the instant it ends, RFC 3339).
    pub period: Option<String>,
    /// `account|sender|period` for replies limited to one per sender per period.
    pub once_key: Option<String>,
    /// The contact routes, comma-separated.
    pub routes: String,
    /// Whether to advise not to share personal details.
    pub personal: bool,
    /// What the platform needs to answer the message, as JSON (without its text).
    pub message: String,
}

/// One reply as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct ReplyRecord {
    /// `reply:<account>:<message id>`: passed to the platform as the reply's key.
    pub key: String,
    /// The account.
    pub account: String,
    /// The message it answers.
    pub message_id: String,
    /// The sender.
    pub author_id: String,
    /// `closed`, `crisis` or `acknowledge`.
    pub purpose: String,
    /// The period it answers for.
    pub period: Option<String>,
    /// The once-per-period key while it counts.
    pub once_key: Option<String>,
    /// Where it stands.
    #[sqlx(try_from = "String")]
    pub state: ReplyState,
    /// Claims so far.
    pub attempts: i64,
    /// A retry waits until then.
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// The contact routes, comma-separated.
    pub routes: String,
    /// Whether it advises not to share personal details.
    pub personal: bool,
    /// What the platform needs to answer the message, as JSON.
    pub message: String,
    /// The text sent (recorded when claimed).
    pub text: Option<String>,
    /// The process that holds or last held the claim.
    pub claimed_by: Option<String>,
    /// When it was last claimed (the request left just after).
    pub claimed_at: Option<DateTime<Utc>>,
    /// The platform's id for the reply.
    pub platform_id: Option<String>,
    /// A link to it.
    pub url: Option<String>,
    /// Why it failed, is unknown or was dropped; or the last error before a retry.
    pub reason: Option<String>,
    /// When it was decided.
    pub planned_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was sent, failed or dropped.
    pub finished_at: Option<DateTime<Utc>>,
}

/// What recording a message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded (with its reply, if one was decided).
    New,
    /// Already recorded: seen before (a re-read, or the same message in two lists).
    AlreadySeen,
    /// Recorded, but its reply was not: the sender was already answered for this period (by
    /// another replica, at the same moment). The message is recorded as skipped.
    AlreadyAnswered,
}

/// What herald knows about a sender when deciding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SenderHistory {
    /// When herald last planned an automatic reply (closed or acknowledgement) to them.
    pub last_reply_at: Option<DateTime<Utc>>,
    /// Whether one already answers for the current period.
    pub answered_in_period: bool,
    /// How many earlier messages from them had the same text, recently.
    pub same_text: i64,
}

/// How a claimed reply attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyOutcome {
    /// Sent.
    Sent {
        /// The platform's id.
        id: String,
        /// A link to it.
        url: Option<String>,
    },
    /// Refused.
    Failed(String),
    /// May or may not have been sent.
    Unknown(String),
    /// Not acted on; try again at an instant.
    RetryAt(DateTime<Utc>, String),
}

/// The inbox's part of the store (see the module documentation). Implemented for every backend.
#[async_trait::async_trait]
pub trait InboxStore: Send + Sync {
    /// The account's cursor and when herald first read it; `None` before the first read.
    async fn inbox_position(
        &self,
        account: &str,
    ) -> Result<Option<(Option<String>, DateTime<Utc>)>, StoreError>;

    /// Records where herald is in the account's inbox (creating the row on the first read, when
    /// `first_read_at` is kept).
    async fn set_inbox_position(
        &self,
        account: &str,
        cursor: Option<&str>,
        first_read_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    /// What herald knows about a sender: its last automatic reply to them, whether one answers for
    /// `period`, and how many of their messages since `since` had this text.
    async fn sender_history(
        &self,
        account: &str,
        author_id: &str,
        period: Option<&str>,
        text_hash: &str,
        since: DateTime<Utc>,
    ) -> Result<SenderHistory, StoreError>;

    /// Records a message with its decision, and its reply when one was decided, in one
    /// transaction (see [`Recorded`]).
    async fn record_message(
        &self,
        message: &MessageRecord,
        reply: Option<&NewReply>,
        now: DateTime<Utc>,
    ) -> Result<Recorded, StoreError>;

    /// Planned replies whose time has come, oldest first.
    async fn due_replies(&self, now: DateTime<Utc>, limit: i64) -> Result<Vec<ReplyRecord>, StoreError>;

    /// The earliest retry of a planned reply.
    async fn next_reply_retry(&self) -> Result<Option<DateTime<Utc>>, StoreError>;

    /// Claims a planned reply for `owner`, recording the text about to be sent, with a lease of
    /// `lease` on the database's clock (see [`super::lease`]).
    async fn claim_reply(
        &self,
        key: &str,
        owner: &str,
        text: &str,
        now: DateTime<Utc>,
        lease: std::time::Duration,
    ) -> Result<Option<ReplyRecord>, StoreError>;

    /// Records how a claimed attempt ended (only the owner can).
    async fn finish_reply(
        &self,
        key: &str,
        owner: &str,
        outcome: &ReplyOutcome,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Drops a planned reply that is no longer right to send.
    async fn drop_reply(&self, key: &str, reason: &str, now: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Claims held by anyone but `owner` become unknown (never resent). Returns them. Only for a
    /// single instance that knows no other runs (SQLite); replicas take over expired leases
    /// ([`super::LeaseStore::take_over_expired_reply_claims`]).
    async fn take_over_reply_claims(
        &self,
        owner: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<ReplyRecord>, StoreError>;

    /// One reply.
    async fn reply(&self, key: &str) -> Result<Option<ReplyRecord>, StoreError>;

    /// Recent replies in any of `states`, latest first.
    async fn recent_replies(&self, states: &[ReplyState], limit: i64)
    -> Result<Vec<ReplyRecord>, StoreError>;

    /// One message.
    async fn message(&self, account: &str, message_id: &str) -> Result<Option<MessageRecord>, StoreError>;

    /// Recent messages with this action (`reply`, `skip`, `flag`), latest first.
    async fn recent_messages(&self, action: &str, limit: i64) -> Result<Vec<MessageRecord>, StoreError>;

    /// Recent messages listed for the team, latest first.
    async fn messages_for_team(&self, limit: i64) -> Result<Vec<MessageRecord>, StoreError>;

    /// Messages whose alert has not been delivered, oldest first.
    async fn alerts_due(&self, limit: i64) -> Result<Vec<MessageRecord>, StoreError>;

    /// Records that a message's alert was delivered.
    async fn mark_alerted(
        &self,
        account: &str,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
}

pub(crate) const MESSAGE_COLUMNS: &str = "account, message_id, platform, kind, author_id, author_handle, \
     sent_at, seen_at, excerpt, text_hash, action, rule, reason, routes, details, for_team, alert, \
     alerted_at, reply_key";

pub(crate) const REPLY_COLUMNS: &str = "key, account, message_id, author_id, purpose, period, once_key, \
     state, attempts, next_attempt_at, routes, personal, message, text, claimed_by, claimed_at, \
     platform_id, url, reason, planned_at, updated_at, finished_at";

/// Implements [`InboxStore`] for a backend struct with a `pool` field. The SQL is shared.
macro_rules! inbox_impl {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl $crate::store::inbox::InboxStore for $store {
            async fn inbox_position(
                &self,
                account: &str,
            ) -> Result<Option<(Option<String>, chrono::DateTime<chrono::Utc>)>, $crate::store::StoreError>
            {
                Ok(sqlx::query_as("SELECT cursor, first_read_at FROM inbox_accounts WHERE account = $1")
                    .bind(account)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn set_inbox_position(
                &self,
                account: &str,
                cursor: Option<&str>,
                first_read_at: chrono::DateTime<chrono::Utc>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                use $crate::store::journal::precise;
                sqlx::query(
                    "INSERT INTO inbox_accounts (account, cursor, first_read_at, updated_at) \
                     VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (account) DO UPDATE SET cursor = COALESCE(excluded.cursor, inbox_accounts.cursor), \
                     updated_at = excluded.updated_at",
                )
                .bind(account)
                .bind(cursor)
                .bind(precise(first_read_at))
                .bind(precise(now))
                .execute(&self.pool)
                .await?;
                Ok(())
            }

            async fn sender_history(
                &self,
                account: &str,
                author_id: &str,
                period: Option<&str>,
                text_hash: &str,
                since: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::store::inbox::SenderHistory, $crate::store::StoreError> {
                const COUNTS: &str = "purpose IN ('closed', 'acknowledge') \
                     AND state IN ('planned', 'claimed', 'sent', 'unknown')";
                let last: (Option<chrono::DateTime<chrono::Utc>>,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT MAX(planned_at) FROM inbox_replies WHERE account = $1 AND author_id = $2 AND {COUNTS}"
                )))
                .bind(account)
                .bind(author_id)
                .fetch_one(&self.pool)
                .await?;
                let in_period: (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT COUNT(*) FROM inbox_replies WHERE account = $1 AND author_id = $2 \
                     AND period = $3 AND {COUNTS}"
                )))
                .bind(account)
                .bind(author_id)
                .bind(period)
                .fetch_one(&self.pool)
                .await?;
                let same: (i64,) = sqlx::query_as(
                    "SELECT COUNT(*) FROM inbox_messages WHERE account = $1 AND author_id = $2 \
                     AND text_hash = $3 AND seen_at >= $4",
                )
                .bind(account)
                .bind(author_id)
                .bind(text_hash)
                .bind($crate::store::journal::precise(since))
                .fetch_one(&self.pool)
                .await?;
                Ok($crate::store::inbox::SenderHistory {
                    last_reply_at: last.0,
                    answered_in_period: period.is_some() && in_period.0 > 0,
                    same_text: same.0,
                })
            }

            async fn record_message(
                &self,
                m: &$crate::store::inbox::MessageRecord,
                reply: Option<&$crate::store::inbox::NewReply>,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<$crate::store::inbox::Recorded, $crate::store::StoreError> {
                use $crate::store::inbox::Recorded;
                use $crate::store::journal::precise;
                let now = precise(now);
                let mut tx = self.pool.begin().await?;
                let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "INSERT INTO inbox_messages ({}) VALUES \
                     ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19) \
                     ON CONFLICT DO NOTHING",
                    $crate::store::inbox::MESSAGE_COLUMNS
                )))
                .bind(&m.account)
                .bind(&m.message_id)
                .bind(&m.platform)
                .bind(&m.kind)
                .bind(&m.author_id)
                .bind(&m.author_handle)
                .bind(precise(m.sent_at))
                .bind(precise(m.seen_at))
                .bind(&m.excerpt)
                .bind(&m.text_hash)
                .bind(&m.action)
                .bind(&m.rule)
                .bind(&m.reason)
                .bind(&m.routes)
                .bind(&m.details)
                .bind(m.for_team)
                .bind(m.alert)
                .bind(m.alerted_at.map(precise))
                .bind(reply.map(|r| r.key.as_str()))
                .execute(&mut *tx)
                .await?;
                if inserted.rows_affected() == 0 {
                    tx.rollback().await?;
                    return Ok(Recorded::AlreadySeen);
                }
                let Some(r) = reply else {
                    tx.commit().await?;
                    return Ok(Recorded::New);
                };
                let planned = sqlx::query(
                    "INSERT INTO inbox_replies (key, account, message_id, author_id, purpose, period, \
                     once_key, state, routes, personal, message, planned_at, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, 'planned', $8, $9, $10, $11, $11) \
                     ON CONFLICT DO NOTHING",
                )
                .bind(&r.key)
                .bind(&m.account)
                .bind(&m.message_id)
                .bind(&m.author_id)
                .bind(&r.purpose)
                .bind(&r.period)
                .bind(&r.once_key)
                .bind(&r.routes)
                .bind(r.personal)
                .bind(&r.message)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                if planned.rows_affected() == 1 {
                    tx.commit().await?;
                    return Ok(Recorded::New);
                }
                sqlx::query(
                    "UPDATE inbox_messages SET action = 'skip', rule = 'answered', reply_key = NULL, \
                     reason = 'this sender was already answered for this period' \
                     WHERE account = $1 AND message_id = $2",
                )
                .bind(&m.account)
                .bind(&m.message_id)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(Recorded::AlreadyAnswered)
            }

            async fn due_replies(
                &self,
                now: chrono::DateTime<chrono::Utc>,
                limit: i64,
            ) -> Result<Vec<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_replies WHERE state = 'planned' \
                     AND (next_attempt_at IS NULL OR next_attempt_at <= $1) ORDER BY planned_at, key LIMIT $2",
                    $crate::store::inbox::REPLY_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind($crate::store::journal::precise(now))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn next_reply_retry(
                &self,
            ) -> Result<Option<chrono::DateTime<chrono::Utc>>, $crate::store::StoreError> {
                let row: (Option<chrono::DateTime<chrono::Utc>>,) = sqlx::query_as(
                    "SELECT MIN(COALESCE(next_attempt_at, planned_at)) FROM inbox_replies WHERE state = 'planned'",
                )
                .fetch_one(&self.pool)
                .await?;
                Ok(row.0)
            }

            async fn claim_reply(
                &self,
                key: &str,
                owner: &str,
                text: &str,
                now: chrono::DateTime<chrono::Utc>,
                lease: std::time::Duration,
            ) -> Result<Option<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "UPDATE inbox_replies SET state = 'claimed', claimed_by = $2, claimed_at = $3, text = $4, \
                     attempts = attempts + 1, next_attempt_at = NULL, updated_at = $3, lease_until = {NOW_MS} + $5 \
                     WHERE key = (SELECT key FROM inbox_replies WHERE key = $1 AND state = 'planned'{SKIP_LOCKED}) \
                     AND state = 'planned' RETURNING {}",
                    $crate::store::inbox::REPLY_COLUMNS
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

            async fn finish_reply(
                &self,
                key: &str,
                owner: &str,
                outcome: &$crate::store::inbox::ReplyOutcome,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                use $crate::store::inbox::ReplyOutcome;
                use $crate::store::journal::precise;
                const WHERE: &str = ", lease_until = NULL WHERE key = $1 AND state = 'claimed' AND claimed_by = $2";
                let now = precise(now);
                let query = match outcome {
                    ReplyOutcome::Sent { id, url } => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE inbox_replies SET state = 'sent', platform_id = $3, url = $4, reason = NULL, \
                         updated_at = $5, finished_at = $5{WHERE}"
                    )))
                    .bind(key)
                    .bind(owner)
                    .bind(id)
                    .bind(url)
                    .bind(now),
                    // A failed reply no longer counts: the sender's next message may be answered.
                    ReplyOutcome::Failed(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE inbox_replies SET state = 'failed', once_key = NULL, reason = $3, \
                         updated_at = $4, finished_at = $4{WHERE}"
                    )))
                    .bind(key)
                    .bind(owner)
                    .bind(reason)
                    .bind(now),
                    ReplyOutcome::Unknown(reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE inbox_replies SET state = 'unknown', reason = $3, updated_at = $4{WHERE}"
                    )))
                    .bind(key)
                    .bind(owner)
                    .bind(reason)
                    .bind(now),
                    ReplyOutcome::RetryAt(at, reason) => sqlx::query(sqlx::AssertSqlSafe(format!(
                        "UPDATE inbox_replies SET state = 'planned', next_attempt_at = $3, reason = $4, \
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

            async fn drop_reply(
                &self,
                key: &str,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<bool, $crate::store::StoreError> {
                let done = sqlx::query(
                    "UPDATE inbox_replies SET state = 'dropped', once_key = NULL, reason = $2, updated_at = $3, \
                     finished_at = $3 WHERE key = $1 AND state = 'planned'",
                )
                .bind(key)
                .bind(reason)
                .bind($crate::store::journal::precise(now))
                .execute(&self.pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            async fn take_over_reply_claims(
                &self,
                owner: &str,
                reason: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<Vec<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "UPDATE inbox_replies SET state = 'unknown', reason = $2, updated_at = $3, lease_until = NULL \
                     WHERE state = 'claimed' AND claimed_by <> $1 RETURNING {}",
                    $crate::store::inbox::REPLY_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(owner)
                    .bind(reason)
                    .bind($crate::store::journal::precise(now))
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn reply(
                &self,
                key: &str,
            ) -> Result<Option<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_replies WHERE key = $1",
                    $crate::store::inbox::REPLY_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(key)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn recent_replies(
                &self,
                states: &[$crate::store::inbox::ReplyState],
                limit: i64,
            ) -> Result<Vec<$crate::store::inbox::ReplyRecord>, $crate::store::StoreError> {
                // The state names are this crate's constants, so they can be written into the SQL.
                let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.as_str())).collect();
                if names.is_empty() {
                    return Ok(Vec::new());
                }
                let sql = format!(
                    "SELECT {} FROM inbox_replies WHERE state IN ({}) ORDER BY updated_at DESC, key LIMIT $1",
                    $crate::store::inbox::REPLY_COLUMNS,
                    names.join(", ")
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn message(
                &self,
                account: &str,
                message_id: &str,
            ) -> Result<Option<$crate::store::inbox::MessageRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_messages WHERE account = $1 AND message_id = $2",
                    $crate::store::inbox::MESSAGE_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(account)
                    .bind(message_id)
                    .fetch_optional(&self.pool)
                    .await?)
            }

            async fn recent_messages(
                &self,
                action: &str,
                limit: i64,
            ) -> Result<Vec<$crate::store::inbox::MessageRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_messages WHERE action = $1 ORDER BY seen_at DESC, message_id LIMIT $2",
                    $crate::store::inbox::MESSAGE_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(action)
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn messages_for_team(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::inbox::MessageRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_messages WHERE for_team ORDER BY seen_at DESC, message_id LIMIT $1",
                    $crate::store::inbox::MESSAGE_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn alerts_due(
                &self,
                limit: i64,
            ) -> Result<Vec<$crate::store::inbox::MessageRecord>, $crate::store::StoreError> {
                let sql = format!(
                    "SELECT {} FROM inbox_messages WHERE alert AND alerted_at IS NULL \
                     ORDER BY seen_at, message_id LIMIT $1",
                    $crate::store::inbox::MESSAGE_COLUMNS
                );
                Ok(sqlx::query_as(sqlx::AssertSqlSafe(sql))
                    .bind(limit)
                    .fetch_all(&self.pool)
                    .await?)
            }

            async fn mark_alerted(
                &self,
                account: &str,
                message_id: &str,
                now: chrono::DateTime<chrono::Utc>,
            ) -> Result<(), $crate::store::StoreError> {
                sqlx::query("UPDATE inbox_messages SET alerted_at = $3 WHERE account = $1 AND message_id = $2")
                    .bind(account)
                    .bind(message_id)
                    .bind($crate::store::journal::precise(now))
                    .execute(&self.pool)
                    .await?;
                Ok(())
            }
        }
    };
}

pub(crate) use inbox_impl;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::testing;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn message(id: &str, author: &str, action: &str, seen: DateTime<Utc>) -> MessageRecord {
        MessageRecord {
            account: "mastodon".into(),
            message_id: id.into(),
            platform: "mastodon".into(),
            kind: "mention".into(),
            author_id: author.into(),
            author_handle: format!("@{author}@mastodon.example"),
            sent_at: seen,
            seen_at: seen,
            excerpt: "Where can I get a flu jab?".into(),
            text_hash: "h1".into(),
            action: action.into(),
            rule: if action == "reply" { "closed" } else { "open" }.into(),
            reason: "the team is closed".into(),
            routes: "general".into(),
            details: String::new(),
            for_team: action != "reply",
            alert: false,
            alerted_at: None,
            reply_key: None,
        }
    }

    fn reply(id: &str, author: &str, period: &str) -> NewReply {
        NewReply {
            key: format!("reply:mastodon:{id}"),
            purpose: "closed".into(),
            period: Some(period.into()),
            once_key: Some(format!("mastodon|{author}|{period}")),
            routes: "general".into(),
            personal: false,
            message: "{}".into(),
        }
    }

    #[tokio::test]
    async fn a_message_is_recorded_once_with_its_reply_and_one_reply_per_sender_per_period() {
        for (store, _guard) in testing::all().await {
            let backend = store.backend();
            let saturday = at("2026-12-05T10:00:00Z");
            let monday = "2026-12-07T09:00:00Z";
            let first = message("1", "pat", "reply", saturday);
            let planned = reply("1", "pat", monday);
            assert_eq!(
                store
                    .record_message(&first, Some(&planned), saturday)
                    .await
                    .unwrap(),
                Recorded::New,
                "{backend:?}"
            );
            // Seen again (a re-read after a restart): nothing changes.
            assert_eq!(
                store
                    .record_message(&first, Some(&planned), saturday)
                    .await
                    .unwrap(),
                Recorded::AlreadySeen
            );
            let history = store
                .sender_history(
                    "mastodon",
                    "pat",
                    Some(monday),
                    "h1",
                    saturday - chrono::Duration::days(1),
                )
                .await
                .unwrap();
            assert_eq!(history.last_reply_at, Some(saturday));
            assert!(history.answered_in_period);
            assert_eq!(history.same_text, 1);
            let other = store
                .sender_history("mastodon", "sam", Some(monday), "h1", saturday)
                .await
                .unwrap();
            assert_eq!(other, SenderHistory::default());

            // Another replica decides to answer the same person in the same period at once: the
            // database keeps one reply, and records the message as skipped.
            let second = message("2", "pat", "reply", saturday);
            assert_eq!(
                store
                    .record_message(&second, Some(&reply("2", "pat", monday)), saturday)
                    .await
                    .unwrap(),
                Recorded::AlreadyAnswered
            );
            let recorded = store.message("mastodon", "2").await.unwrap().unwrap();
            assert_eq!(
                (recorded.action.as_str(), recorded.rule.as_str()),
                ("skip", "answered")
            );
            assert_eq!(recorded.reply_key, None);
            assert!(store.reply("reply:mastodon:2").await.unwrap().is_none());

            // A crisis reply has no once-key: never de-duplicated.
            let crisis = NewReply {
                purpose: "crisis".into(),
                once_key: None,
                period: None,
                ..reply("3", "pat", monday)
            };
            assert_eq!(
                store
                    .record_message(&message("3", "pat", "reply", saturday), Some(&crisis), saturday)
                    .await
                    .unwrap(),
                Recorded::New
            );
            let due = store.due_replies(saturday, 10).await.unwrap();
            assert_eq!(due.len(), 2);
            assert_eq!(due[0].state, ReplyState::Planned);
            let listed = store.messages_for_team(10).await.unwrap();
            assert!(listed.is_empty(), "{listed:?}");
        }
    }

    #[tokio::test]
    async fn replies_are_claimed_once_and_failed_ones_free_the_sender() {
        for (store, _guard) in testing::all().await {
            let now = at("2026-12-05T10:00:00Z");
            let monday = "2026-12-07T09:00:00Z";
            let m = message("1", "pat", "reply", now);
            let r = reply("1", "pat", monday);
            store.record_message(&m, Some(&r), now).await.unwrap();
            let claimed = store
                .claim_reply(&r.key, "a", "Thanks", now, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            assert_eq!((claimed.state, claimed.attempts), (ReplyState::Claimed, 1));
            assert!(
                store
                    .claim_reply(&r.key, "b", "Thanks", now, crate::store::DEFAULT_LEASE)
                    .await
                    .unwrap()
                    .is_none()
            );
            let later = now + chrono::Duration::seconds(30);
            let retry = ReplyOutcome::RetryAt(later, "503".into());
            assert!(!store.finish_reply(&r.key, "b", &retry, now).await.unwrap());
            assert!(store.finish_reply(&r.key, "a", &retry, now).await.unwrap());
            assert!(store.due_replies(now, 10).await.unwrap().is_empty());
            assert_eq!(store.next_reply_retry().await.unwrap(), Some(later));
            assert_eq!(store.due_replies(later, 10).await.unwrap().len(), 1);
            store
                .claim_reply(&r.key, "a", "Thanks", later, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            let refused = ReplyOutcome::Failed("422 blocked".into());
            assert!(store.finish_reply(&r.key, "a", &refused, later).await.unwrap());
            let failed = store.reply(&r.key).await.unwrap().unwrap();
            assert_eq!(failed.state, ReplyState::Failed);
            assert_eq!(failed.once_key, None);
            assert_eq!(failed.text.as_deref(), Some("Thanks"));
            // The failure doesn't count: the sender's next message may be answered.
            let history = store
                .sender_history("mastodon", "pat", Some(monday), "h1", now)
                .await
                .unwrap();
            assert!(!history.answered_in_period);
            let next = reply("2", "pat", monday);
            assert_eq!(
                store
                    .record_message(&message("2", "pat", "reply", later), Some(&next), later)
                    .await
                    .unwrap(),
                Recorded::New
            );
            assert!(
                store
                    .drop_reply(&next.key, "the team reopened", later)
                    .await
                    .unwrap()
            );
            assert!(!store.drop_reply(&next.key, "again", later).await.unwrap());
            assert_eq!(
                store
                    .recent_replies(&[ReplyState::Failed, ReplyState::Dropped], 10)
                    .await
                    .unwrap()
                    .len(),
                2
            );
        }
    }

    #[tokio::test]
    async fn claims_left_by_a_stopped_process_become_unknown_and_are_never_resent() {
        for (store, _guard) in testing::all().await {
            let now = at("2026-12-05T10:00:00Z");
            let r = reply("1", "pat", "2026-12-07T09:00:00Z");
            store
                .record_message(&message("1", "pat", "reply", now), Some(&r), now)
                .await
                .unwrap();
            store
                .claim_reply(&r.key, "old", "Thanks", now, crate::store::DEFAULT_LEASE)
                .await
                .unwrap()
                .unwrap();
            let taken = store
                .take_over_reply_claims("new", "stopped while sending", now)
                .await
                .unwrap();
            assert_eq!(taken.len(), 1);
            assert_eq!(taken[0].state, ReplyState::Unknown);
            assert!(store.due_replies(now, 10).await.unwrap().is_empty());
            assert!(
                store
                    .claim_reply(&r.key, "new", "Thanks", now, crate::store::DEFAULT_LEASE)
                    .await
                    .unwrap()
                    .is_none()
            );
            let sent = ReplyOutcome::Sent {
                id: "9".into(),
                url: None,
            };
            assert!(!store.finish_reply(&r.key, "old", &sent, now).await.unwrap());
            // An unknown reply still counts for the sender.
            let history = store
                .sender_history("mastodon", "pat", Some("2026-12-07T09:00:00Z"), "h1", now)
                .await
                .unwrap();
            assert!(history.answered_in_period);
        }
    }

    #[tokio::test]
    async fn cursors_alerts_and_lists_for_the_team() {
        for (store, _guard) in testing::all().await {
            let now = at("2026-12-05T10:00:00Z");
            assert_eq!(store.inbox_position("mastodon").await.unwrap(), None);
            store
                .set_inbox_position("mastodon", None, now, now)
                .await
                .unwrap();
            assert_eq!(store.inbox_position("mastodon").await.unwrap(), Some((None, now)));
            let later = now + chrono::Duration::minutes(1);
            store
                .set_inbox_position("mastodon", Some("notifications=5"), later, later)
                .await
                .unwrap();
            // The first read is kept; no new cursor keeps the old one.
            store
                .set_inbox_position("mastodon", None, later, later)
                .await
                .unwrap();
            assert_eq!(
                store.inbox_position("mastodon").await.unwrap(),
                Some((Some("notifications=5".to_owned()), now))
            );

            let mut crisis = message("7", "sam", "reply", now);
            crisis.alert = true;
            crisis.for_team = true;
            store.record_message(&crisis, None, now).await.unwrap();
            store
                .record_message(&message("8", "kim", "skip", later), None, later)
                .await
                .unwrap();
            let due = store.alerts_due(10).await.unwrap();
            assert_eq!(due.len(), 1);
            assert_eq!(due[0].message_id, "7");
            store.mark_alerted("mastodon", "7", later).await.unwrap();
            assert!(store.alerts_due(10).await.unwrap().is_empty());
            let listed: Vec<String> = store
                .messages_for_team(10)
                .await
                .unwrap()
                .into_iter()
                .map(|m| m.message_id)
                .collect();
            assert_eq!(listed, ["8", "7"]);
            assert_eq!(store.recent_messages("skip", 10).await.unwrap().len(), 1);
        }
    }
}
