//! The alert notifier component: tells the team, through the webhook accounts chosen in
//! `[publish] alerts`, about each publication that failed, was missed, or has an unknown outcome
//! that needs a person. Each is announced once: the journal records when it was. With several
//! replicas, only the holder of the `alerts` lease announces; another takes over when it stops.

use async_trait::async_trait;

use super::local_words;
use crate::channels::ChannelError;
use crate::channels::webhook::Alert;
use crate::daemon::{Component, ComponentError, Handle, Signal, Wake};
use crate::store::{ALERTS_LEASE, Entry, State};

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
        let mut holding = false;
        loop {
            handle.beat(self.name());
            let mut retry = false;
            // One replica at a time tells the team: the holder of the alerts lease.
            let holder = if handle.alerts().is_empty() {
                false
            } else {
                let settings = handle.settings();
                match handle
                    .store()
                    .acquire_lease(ALERTS_LEASE, &settings.owner, settings.lease)
                    .await
                {
                    Ok(held) => {
                        if held != holding {
                            tracing::info!(held, "alerts lease");
                            holding = held;
                        }
                        held
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "can't take the alerts lease");
                        retry = true;
                        false
                    }
                }
            };
            if holder {
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
                handle.after_real(real)
            });
            // The lease is renewed (or, by another replica, taken over) every renewal period.
            let renew =
                (!handle.alerts().is_empty()).then(|| handle.after_real(handle.settings().renew_every()));
            let wait = match (wait, renew) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            if handle.wait(wait, signal).await == Wake::Stop {
                if holding {
                    let _ = handle
                        .store()
                        .release_lease(ALERTS_LEASE, &handle.settings().owner)
                        .await;
                }
                return Ok(());
            }
        }
    }
}
