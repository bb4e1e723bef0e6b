//! The scheduler component: at each due time, records the publications that fell due in the
//! journal (planned) and wakes the publisher.
//!
//! Each pass plans every occurrence between the last pass (kept in the store, so a restart
//! covers the time herald was down) and now; occurrences within the grace period are looked at
//! again, so a post approved a few minutes late still goes out. Planning is idempotent. Posts
//! with no approval recorded are drafts and are not planned; posts changed after approval are
//! planned and held by the publisher, which reports them as missed if they are still held when
//! their time has passed.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::occurrences;
use crate::daemon::{Component, ComponentError, Handle, Signal, Wake};
use crate::store::Planned;

/// Where the last pass got to.
const CHECKED_UNTIL: &str = "scheduler.checked_until";

/// The scheduler component.
#[derive(Debug, Default)]
pub struct Scheduler;

/// One pass: plans what is due by `now`; returns how many were new and the next due instant.
pub async fn plan_due(
    handle: &Handle,
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(usize, Option<DateTime<Utc>>), crate::store::StoreError> {
    let snapshot = handle.content();
    let zone_hours = snapshot.config.office_hours(None);
    let mut new = 0;
    let mut next: Option<DateTime<Utc>> = None;
    for post in &snapshot.calendar.posts {
        if post.spec.approved_hash.is_none() {
            continue;
        }
        let campaign = post
            .spec
            .campaign
            .as_deref()
            .and_then(|c| snapshot.calendar.campaign(c));
        let mut channels = post.spec.channels.clone();
        channels.sort();
        channels.dedup();
        for channel in channels.iter().filter(|c| handle.channels().contains_key(*c)) {
            let Ok(mut due) = occurrences(post, campaign, &zone_hours, from) else {
                // Reported by the loader and by `herald check`.
                continue;
            };
            for t in due.by_ref() {
                if t > now {
                    next = Some(next.map_or(t, |n| n.min(t)));
                    break;
                }
                let planned = Planned::new(&post.id, channel, t, !post.is_recurring());
                if handle.store().plan(&planned, now).await? {
                    new += 1;
                    tracing::info!(post = %post.id, channel = %channel, due = %t.to_rfc3339(), "due: planned");
                }
            }
        }
    }
    handle.store().set_meta(CHECKED_UNTIL, &now.to_rfc3339()).await?;
    Ok((new, next))
}

#[async_trait]
impl Component for Scheduler {
    fn name(&self) -> &'static str {
        "scheduler"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let failed = |e: crate::store::StoreError| ComponentError::new("scheduler", e.to_string());
        let grace = handle.settings().grace;
        let mut checked_until: Option<DateTime<Utc>> = handle
            .store()
            .meta(CHECKED_UNTIL)
            .await
            .map_err(failed)?
            .and_then(|s| DateTime::parse_from_rfc3339(&s).ok())
            .map(|t| t.to_utc());
        let signal = Signal {
            content: true,
            ..Signal::default()
        };
        loop {
            handle.beat(self.name());
            let now = handle.now();
            let recent = now - grace;
            // After a restart, start where the last run stopped (what fell due meanwhile is
            // planned, then missed or sent by the publisher); never later than the grace period.
            let from = checked_until.map_or(recent, |t| t.min(recent));
            let next = match plan_due(&handle, from, now).await {
                Ok((new, next)) => {
                    if new > 0 {
                        handle.notify_planned();
                    }
                    checked_until = Some(now);
                    next
                }
                Err(e) => {
                    // The database may be back soon; the publisher's health shows the stall.
                    tracing::error!(error = %e, "can't record due publications; trying again");
                    Some(now + chrono::Duration::seconds(1))
                }
            };
            if handle.wait(next, signal).await == Wake::Stop {
                return Ok(());
            }
        }
    }
}
