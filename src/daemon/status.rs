//! What `herald status` shows: recent publications with their links, what is pending, and what
//! failed, was missed, has an unknown outcome, or is held. Built from the journal and the
//! content, by the daemon (served at `/status`) or by `herald status` itself when no daemon
//! answers.

use std::collections::HashSet;
use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{Held, Snapshot};
use crate::hours::OfficeHours;
use crate::inbox::InboxReport;
use crate::store::{Entry, State, Store, StoreError};

/// How many rows of each kind are shown.
const LIMIT: i64 = 50;
/// How far ahead pending publications are listed.
const PENDING_DAYS: i64 = 14;

/// The daemon's own state, when it answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DaemonInfo {
    /// Whether every component is alive and the publisher is keeping up.
    pub healthy: bool,
    /// Problems, when not healthy.
    pub problems: Vec<String>,
    /// When it started, on its clock.
    pub started_at: DateTime<Utc>,
    /// Simulated seconds per real second (1: the system clock).
    pub clock_speed: f64,
    /// This replica's id (the owner recorded on its claims and leases).
    #[serde(default)]
    pub replica: String,
    /// The replicas that beat within three leases, this one included.
    #[serde(default)]
    pub replicas: Vec<crate::store::Replica>,
    /// Who reads which inbox and sends the alerts.
    #[serde(default)]
    pub leases: Vec<crate::store::Lease>,
}

/// One journal row, for people and scripts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// The post.
    pub post_id: String,
    /// The account.
    pub channel: String,
    /// Where it stands.
    pub state: String,
    /// When it was due.
    pub due_at: DateTime<Utc>,
    /// When it was last sent (claimed: the request left just after), if it was.
    pub sent_at: Option<DateTime<Utc>>,
    /// When it reached sent, failed or missed.
    pub finished_at: Option<DateTime<Utc>>,
    /// A link to it.
    pub url: Option<String>,
    /// The platform's id.
    pub platform_id: Option<String>,
    /// Why (failed, missed, unknown; or the last error before a retry).
    pub reason: Option<String>,
    /// Attempts so far.
    pub attempts: i64,
    /// An unknown outcome waiting for a person.
    pub parked: bool,
}

impl From<Entry> for Row {
    fn from(e: Entry) -> Self {
        Row {
            post_id: e.post_id,
            channel: e.channel,
            state: e.state.as_str().to_owned(),
            due_at: e.due_at,
            sent_at: e.claimed_at,
            finished_at: e.finished_at,
            url: e.url,
            platform_id: e.platform_id,
            reason: e.reason,
            attempts: e.attempts,
            parked: e.parked,
        }
    }
}

/// Everything `herald status` shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// The instant the report is for.
    pub now: DateTime<Utc>,
    /// The running daemon, when it answered.
    pub daemon: Option<DaemonInfo>,
    /// Recently published, latest first.
    pub published: Vec<Row>,
    /// Due soon or waiting to be retried, soonest first.
    pub pending: Vec<Row>,
    /// Refused by the platform, or retries gave up.
    pub failed: Vec<Row>,
    /// Not sent: too late, outside office hours, or held at their time.
    pub missed: Vec<Row>,
    /// Sent but unconfirmed: being reconciled, or parked for a person.
    pub unknown: Vec<Row>,
    /// Files and posts that won't be published as they stand.
    pub held: Vec<Held>,
    /// The inbox: recent automatic replies, messages not answered (with the reason), and
    /// messages for the team (see [`crate::inbox::report`]).
    #[serde(default)]
    pub inbox: InboxReport,
}

impl StatusReport {
    /// Builds the report from the journal and the content at `now`.
    pub async fn build(
        store: &dyn Store,
        snapshot: &Snapshot,
        now: DateTime<Utc>,
        daemon: Option<DaemonInfo>,
    ) -> Result<StatusReport, StoreError> {
        let rows = |v: Vec<Entry>| v.into_iter().map(Row::from).collect::<Vec<_>>();
        let published = rows(store.journal(&[State::Sent], LIMIT).await?);
        let failed = rows(store.journal(&[State::Failed], LIMIT).await?);
        let missed = rows(store.journal(&[State::Missed], LIMIT).await?);
        let unknown = rows(store.journal(&[State::Unknown], LIMIT).await?);
        let mut pending = rows(store.journal(&[State::Planned, State::Claimed], LIMIT).await?);
        let known: HashSet<(String, String, DateTime<Utc>)> = pending
            .iter()
            .map(|r| (r.post_id.clone(), r.channel.clone(), r.due_at))
            .collect();
        let zone = snapshot.config.office_hours(None);
        let until = now + Duration::days(PENDING_DAYS);
        for post in &snapshot.calendar.posts {
            if snapshot.held_reason(&post.id).is_some() {
                continue;
            }
            let campaign = post
                .spec
                .campaign
                .as_deref()
                .and_then(|c| snapshot.calendar.campaign(c));
            let Ok(due) = crate::schedule::occurrences(post, campaign, &zone, now) else {
                continue;
            };
            for t in due.take_while(|t| *t <= until).take(20) {
                for channel in &post.spec.channels {
                    if known.contains(&(post.id.clone(), channel.clone(), t)) {
                        continue;
                    }
                    let key = crate::store::Planned::new(&post.id, channel, t, false).key;
                    if store.entry(&key).await?.is_some() {
                        continue;
                    }
                    pending.push(Row {
                        post_id: post.id.clone(),
                        channel: channel.clone(),
                        state: "scheduled".to_owned(),
                        due_at: t,
                        sent_at: None,
                        finished_at: None,
                        url: None,
                        platform_id: None,
                        reason: None,
                        attempts: 0,
                        parked: false,
                    });
                }
            }
        }
        pending.sort_by(|a, b| (a.due_at, &a.post_id, &a.channel).cmp(&(b.due_at, &b.post_id, &b.channel)));
        pending.truncate(LIMIT as usize);
        Ok(StatusReport {
            now,
            daemon,
            published,
            pending,
            failed,
            missed,
            unknown,
            held: snapshot.held.clone(),
            inbox: InboxReport::build(store).await?,
        })
    }

    /// The report for people. Times are shown in the office's zone.
    pub fn render_text(&self, hours: &OfficeHours, daemon_note: &str) -> String {
        let when = |t: DateTime<Utc>| hours.local(t).format("%a %-d %b %Y %H:%M:%S").to_string();
        let mut out = String::new();
        match &self.daemon {
            Some(d) => {
                let clock = if (d.clock_speed - 1.0).abs() > f64::EPSILON {
                    format!(", simulated clock at {}x", d.clock_speed)
                } else {
                    String::new()
                };
                let _ = writeln!(
                    out,
                    "herald run: {}{clock}; now {}",
                    if d.healthy {
                        "running, healthy"
                    } else {
                        "running, NOT healthy"
                    },
                    when(self.now)
                );
                for p in &d.problems {
                    let _ = writeln!(out, "  problem: {p}");
                }
                // Several replicas: which answered, and the others running.
                if d.replicas.len() > 1 {
                    let ids: Vec<String> = d
                        .replicas
                        .iter()
                        .map(|r| {
                            if r.id == d.replica {
                                format!("{} (answering)", r.id)
                            } else {
                                r.id.clone()
                            }
                        })
                        .collect();
                    let _ = writeln!(out, "  replicas: {}", ids.join(", "));
                    for lease in &d.leases {
                        let _ = writeln!(out, "  {} held by {}", lease.name, lease.owner);
                    }
                }
            }
            None => {
                let _ = writeln!(out, "herald run: {daemon_note}; now {}", when(self.now));
            }
        }
        let section = |out: &mut String, title: &str, rows: &[Row], detail: &dyn Fn(&Row) -> String| {
            let _ = writeln!(out, "\n{title} ({})", rows.len());
            if rows.is_empty() {
                out.push_str("  none\n");
            }
            for r in rows {
                let _ = writeln!(
                    out,
                    "  {}  {:<12} {}{}",
                    when(r.due_at),
                    r.channel,
                    r.post_id,
                    detail(r)
                );
            }
        };
        let reason = |r: &Row| {
            r.reason
                .as_deref()
                .map(|x| format!("\n      {x}"))
                .unwrap_or_default()
        };
        section(&mut out, "Published", &self.published, &|r| {
            r.url.as_deref().map(|u| format!("  {u}")).unwrap_or_default()
        });
        section(&mut out, "Pending", &self.pending, &|r| match r.state.as_str() {
            "planned" if r.attempts > 0 => format!("  (retrying){}", reason(r)),
            "claimed" => "  (sending now)".to_owned(),
            _ => String::new(),
        });
        section(&mut out, "Failed", &self.failed, &reason);
        section(&mut out, "Missed", &self.missed, &reason);
        section(&mut out, "Unknown outcome", &self.unknown, &|r| {
            let who = if r.parked {
                "  (a person must check)"
            } else {
                "  (reconciling)"
            };
            format!("{who}{}", reason(r))
        });
        let _ = writeln!(out, "\nHeld ({})", self.held.len());
        if self.held.is_empty() {
            out.push_str("  none\n");
        }
        for h in &self.held {
            match &h.post_id {
                Some(id) => {
                    let _ = writeln!(out, "  {id}: {}", h.reason);
                }
                None => {
                    let _ = writeln!(out, "  {}", h.reason);
                }
            }
        }
        out.push_str(&self.inbox.render_text(&when));
        out
    }
}
