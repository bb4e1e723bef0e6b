//! What `herald status` (and the daemon's `/status`) shows about the inbox: the field `inbox` of
//! the status report.
//!
//! ```json
//! "inbox": {
//!   "replies":  [ReplyRow…],    // recent automatic replies, latest first, in every state
//!   "skipped":  [MessageRow…],  // recent messages that got no reply, latest first, with the reason
//!   "for_team": [MessageRow…]   // messages a person should look at, latest first
//! }
//! ```
//!
//! `for_team` holds crisis messages (also alerted), messages that break the house rules or are
//! spam (`action` = `flag`), messages during office hours, messages too old or past a platform's
//! reply window to answer automatically, and public messages that share personal details.
//! Excerpts are short and have personal details masked (`[phone number]`).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::store::{MessageRecord, ReplyRecord, ReplyState, Store, StoreError};

/// How many rows of each list are shown.
const LIMIT: i64 = 50;

/// One automatic reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyRow {
    /// The account it was sent from.
    pub account: String,
    /// The platform's id of the message it answers.
    pub message_id: String,
    /// `closed`, `crisis` or `acknowledge`.
    pub purpose: String,
    /// `planned`, `claimed` (being sent), `sent`, `failed`, `unknown` (may or may not have been
    /// sent; never resent) or `dropped` (no longer right to send).
    pub state: String,
    /// The contact routes it lists.
    pub routes: Vec<String>,
    /// The text sent (once claimed).
    pub text: Option<String>,
    /// When it was decided.
    pub planned_at: DateTime<Utc>,
    /// When it was last sent (the request left just after).
    pub sent_at: Option<DateTime<Utc>>,
    /// When it was sent, failed or dropped.
    pub finished_at: Option<DateTime<Utc>>,
    /// A link to it, when the platform gives one.
    pub url: Option<String>,
    /// The platform's id for it.
    pub platform_id: Option<String>,
    /// Why it failed, is unknown or was dropped (or the last error before a retry).
    pub reason: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
}

impl From<ReplyRecord> for ReplyRow {
    fn from(r: ReplyRecord) -> Self {
        ReplyRow {
            account: r.account,
            message_id: r.message_id,
            purpose: r.purpose,
            state: r.state.as_str().to_owned(),
            routes: split(&r.routes),
            text: r.text,
            planned_at: r.planned_at,
            sent_at: r.claimed_at,
            finished_at: r.finished_at,
            url: r.url,
            platform_id: r.platform_id,
            reason: r.reason,
            attempts: r.attempts,
        }
    }
}

/// One message from the public and what herald decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRow {
    /// The account it reached.
    pub account: String,
    /// The platform's id for it.
    pub message_id: String,
    /// The platform.
    pub platform: String,
    /// `mention`, `reply`, `comment` or `direct`.
    pub kind: String,
    /// The sender's handle.
    pub from: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When herald read it.
    pub seen_at: DateTime<Utc>,
    /// The start of the text, personal details masked.
    pub excerpt: String,
    /// `reply`, `skip` or `flag`.
    pub action: String,
    /// The rule that decided (`closed`, `crisis`, `open`, `bot`, `own-account`, `automatic`,
    /// `abusive`, `spam`, `answered-in-period`, `recently-answered`, `reply-window`, `too-old`,
    /// `backlog`, `acknowledge`, `answered`).
    pub rule: String,
    /// The decision in words.
    pub reason: String,
    /// The contact routes that fit it.
    pub routes: Vec<String>,
    /// The kinds of personal details it shares in public (`phone`, `email`, `nhs-number`,
    /// `address`).
    pub personal_details: Vec<String>,
    /// Whether the team is alerted at once about it (crisis).
    pub alert: bool,
    /// When the alert was delivered.
    pub alerted_at: Option<DateTime<Utc>>,
}

impl From<MessageRecord> for MessageRow {
    fn from(m: MessageRecord) -> Self {
        MessageRow {
            account: m.account,
            message_id: m.message_id,
            platform: m.platform,
            kind: m.kind,
            from: m.author_handle,
            sent_at: m.sent_at,
            seen_at: m.seen_at,
            excerpt: m.excerpt,
            action: m.action,
            rule: m.rule,
            reason: m.reason,
            routes: split(&m.routes),
            personal_details: split(&m.details),
            alert: m.alert,
            alerted_at: m.alerted_at,
        }
    }
}

fn split(list: &str) -> Vec<String> {
    list.split(',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The inbox's part of the status report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxReport {
    /// Recent automatic replies, latest first.
    pub replies: Vec<ReplyRow>,
    /// Recent messages that got no reply, latest first.
    pub skipped: Vec<MessageRow>,
    /// Messages a person should look at, latest first.
    pub for_team: Vec<MessageRow>,
}

impl InboxReport {
    /// Reads the report from the store.
    pub async fn build(store: &dyn Store) -> Result<InboxReport, StoreError> {
        Ok(InboxReport {
            replies: store
                .recent_replies(&ReplyState::ALL, LIMIT)
                .await?
                .into_iter()
                .map(ReplyRow::from)
                .collect(),
            skipped: store
                .recent_messages("skip", LIMIT)
                .await?
                .into_iter()
                .map(MessageRow::from)
                .collect(),
            for_team: store
                .messages_for_team(LIMIT)
                .await?
                .into_iter()
                .map(MessageRow::from)
                .collect(),
        })
    }

    /// The sections for people, with times written by `when`.
    pub fn render_text(&self, when: &dyn Fn(DateTime<Utc>) -> String) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "\nAutomatic replies ({})", self.replies.len());
        if self.replies.is_empty() {
            out.push_str("  none\n");
        }
        for r in &self.replies {
            let at = r.finished_at.or(r.sent_at).unwrap_or(r.planned_at);
            let _ = writeln!(
                out,
                "  {}  {:<12} {} to {} ({}{})",
                when(at),
                r.account,
                r.state,
                r.message_id,
                r.purpose,
                if r.routes.is_empty() {
                    String::new()
                } else {
                    format!(": {}", r.routes.join(", "))
                }
            );
            if let Some(url) = &r.url {
                let _ = writeln!(out, "      {url}");
            }
            if let Some(reason) = r.reason.as_deref().filter(|_| r.state != "sent") {
                let _ = writeln!(out, "      {reason}");
            }
        }
        let messages = |out: &mut String, title: &str, rows: &[MessageRow]| {
            let _ = writeln!(out, "\n{title} ({})", rows.len());
            if rows.is_empty() {
                out.push_str("  none\n");
            }
            for m in rows {
                let _ = writeln!(
                    out,
                    "  {}  {:<12} {} {} from {}: {}",
                    when(m.seen_at),
                    m.account,
                    m.kind,
                    m.message_id,
                    m.from,
                    m.rule
                );
                let _ = writeln!(out, "      {}", m.reason);
                let _ = writeln!(out, "      \"{}\"", m.excerpt);
            }
        };
        messages(&mut out, "For the team", &self.for_team);
        messages(&mut out, "Not answered automatically", &self.skipped);
        out
    }
}
