//! The alert notifier component: tells the team, through the webhook accounts chosen in
//! `[publish] alerts`, about each publication that failed, was missed, or has an unknown outcome
//! that needs a person. Each is announced once: the journal records when it was.

use async_trait::async_trait;

use super::local_words;
use crate::channels::ChannelError;
use crate::channels::webhook::Alert;
use crate::daemon::{Component, ComponentError, Handle, Signal, Wake};
use crate::store::{Entry, State};

/// The notifier component.
#[derive(Debug, Default)]
pub struct Notifier;

/// The alert for a journal row.
pub fn alert(entry: &Entry, hours: &crate::hours::OfficeHours) -> Alert {
    let due_local = local_words(hours, entry.due_at);
    let reason = entry.reason.clone().unwrap_or_default();
    let (event, what) = match entry.state {
        State::Failed => ("failed", "failed to publish"),
        State::Missed => ("missed", "did not publish"),
        _ => ("unknown", "can't tell whether it published"),
    };
    Alert {
        text: format!(
            "herald {what} `{}` on `{}` (due {due_local}): {reason}",
            entry.post_id, entry.channel
        ),
        event: event.to_owned(),
        post_id: entry.post_id.clone(),
        channel: entry.channel.clone(),
        due_at: entry.due_at,
        due_local,
        reason,
        key: format!("alert:{}:{event}", entry.key),
    }
}

#[async_trait]
impl Component for Notifier {
    fn name(&self) -> &'static str {
        "notifier"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let signal = Signal {
            finished: true,
            ..Signal::default()
        };
        let mut failures = 0u32;
        loop {
            handle.beat(self.name());
            let mut retry = false;
            if !handle.alerts().is_empty() {
                match handle.store().to_announce(50).await {
                    Ok(entries) => {
                        let hours = handle.content().config.office_hours(None);
                        for entry in entries {
                            let alert = alert(&entry, &hours);
                            let mut delivered = true;
                            for hook in handle.alerts() {
                                match hook.announce(&alert).await {
                                    Ok(_) => {}
                                    Err(
                                        e @ (ChannelError::Retryable { .. } | ChannelError::Unknown { .. }),
                                    ) => {
                                        tracing::warn!(key = %entry.key, error = %e, "can't deliver an alert yet");
                                        delivered = false;
                                    }
                                    Err(e) => {
                                        tracing::error!(key = %entry.key, error = %e, "an alert was refused")
                                    }
                                }
                            }
                            if delivered {
                                if let Err(e) = handle.store().mark_announced(&entry.key, handle.now()).await
                                {
                                    tracing::error!(error = %e, "can't record an alert as sent");
                                }
                            } else {
                                retry = true;
                                break;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "can't read the journal for alerts");
                        retry = true;
                    }
                }
            }
            failures = if retry { failures + 1 } else { 0 };
            let wait = (failures > 0).then(|| {
                let real = std::time::Duration::from_secs(u64::from(failures.min(6)) * 5);
                let simulated = real.mul_f64(handle.clock().speed().max(1.0));
                handle.now() + chrono::Duration::from_std(simulated).unwrap_or(chrono::Duration::MAX)
            });
            if handle.wait(wait, signal).await == Wake::Stop {
                return Ok(());
            }
        }
    }
}
