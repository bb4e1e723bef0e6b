//! The publisher component: sends each planned publication exactly once, on time, in hours.
//!
//! For each publication that is due it decides ([`decide`]) whether to send it now, hold it (the
//! post is not approved as it stands, or its file doesn't load) or close it (too late, outside
//! office hours). To send, it claims the journal row (one conditional update), records the text,
//! calls the platform with the row's key as the idempotency key, and records the result. A
//! retryable error (5xx, 408, 429, no connection) puts the row back as planned with a time to try
//! again, honouring the platform's `Retry-After`; any other error fails it at once with the
//! platform's message; a time-out after the request left makes it *unknown*.
//!
//! Unknown outcomes, and claims left by a process that stopped mid-send, are reconciled with the
//! platform ([`crate::channels::Channel::reconcile`]): published → sent; confirmed not published
//! → planned again (still subject to the grace period); the platform can't tell → parked for a
//! person and announced. They are never resent blindly.

pub mod alerts;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::approval::media_path;
use crate::channels::{Channel, ChannelError, ImageFile, Publication, Reconciled, VideoFile};
use crate::content::Kind;
use crate::daemon::metrics::PublicationResult;
use crate::daemon::{Component, ComponentError, Handle, Signal, Snapshot, Wake};
use crate::hours::OfficeHours;
use crate::store::{Entry, Outcome, Settled, State};

/// Attempts before a retryable error is given up on.
pub const MAX_ATTEMPTS: i64 = 8;
/// Publications sent at the same time, at most.
const CONCURRENCY: usize = 8;
/// The longest back-off between attempts (real time), unless the platform asks for longer.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// What to do with a due publication now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Send it.
    Send(Publication),
    /// Not now: the reason it is held, and the instant after which it is too late.
    Hold(String, DateTime<Utc>),
    /// It won't be sent: missed or failed, and why.
    Close(State, String),
}

/// "10:00 on Tuesday 1 December 2026", in the office's zone.
pub fn local_words(hours: &OfficeHours, t: DateTime<Utc>) -> String {
    hours.local(t).format("%H:%M:%S on %A %-d %B %Y").to_string()
}

fn minutes(d: chrono::Duration) -> String {
    let m = d.num_minutes();
    if m < 1 {
        format!("{} seconds", d.num_seconds())
    } else if m == 1 {
        "1 minute".to_owned()
    } else {
        format!("{m} minutes")
    }
}

/// Decides what to do with a due (planned) publication at `now`.
pub fn decide(
    entry: &Entry,
    snapshot: &Snapshot,
    channel: Option<&Arc<dyn Channel>>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
) -> Decision {
    let Some(channel) = channel else {
        return Decision::Close(
            State::Failed,
            format!("herald.toml no longer has an account called `{}`", entry.channel),
        );
    };
    let hours = snapshot.config.office_hours(Some(&entry.channel));
    let due_words = local_words(&hours, entry.due_at);
    if !hours.is_open(entry.due_at) {
        return Decision::Close(
            State::Missed,
            format!(
                "due at {due_words}, outside the office hours of `{}`: herald never publishes then",
                entry.channel
            ),
        );
    }
    let held = held_reason(entry, snapshot, &hours);
    let deadline = entry.due_at + grace;
    let too_late = now > deadline || !hours.is_open(now);
    if too_late {
        let why = if now > deadline {
            format!(
                "it is {} late, more than the grace period of {}",
                minutes(now - entry.due_at),
                minutes(grace)
            )
        } else {
            "office hours ended before it could be sent".to_owned()
        };
        return match (held, entry.attempts) {
            (Some(reason), _) => {
                Decision::Close(State::Missed, format!("held at its time ({reason}); {why}"))
            }
            (None, 0) => Decision::Close(
                State::Missed,
                format!("not sent at {due_words} (was herald stopped?); {why}"),
            ),
            (None, n) => Decision::Close(
                State::Failed,
                format!(
                    "gave up after {n} attempt{}: {}; {why}",
                    if n == 1 { "" } else { "s" },
                    entry.reason.as_deref().unwrap_or("no answer")
                ),
            ),
        };
    }
    if let Some(reason) = held {
        let until = hours
            .next_close(now)
            .map_or(deadline, |close| close.min(deadline));
        return Decision::Hold(reason, until);
    }
    match publication(entry, snapshot, channel.as_ref()) {
        Ok(p) => Decision::Send(p),
        Err(reason) => Decision::Close(State::Failed, reason),
    }
}

/// Why a publication can't go out as the content stands now, if it can't.
fn held_reason(entry: &Entry, snapshot: &Snapshot, hours: &OfficeHours) -> Option<String> {
    let Some(post) = snapshot.calendar.post(&entry.post_id) else {
        let broken = snapshot.held.iter().any(|h| h.post_id.is_none());
        return Some(if broken {
            "the post is not in the calendar: a file doesn't load (see `herald status`)".to_owned()
        } else {
            "the post is no longer in the calendar".to_owned()
        });
    };
    if let Some(reason) = snapshot.held_reason(&post.id) {
        return Some(reason.to_owned());
    }
    if !post.spec.channels.contains(&entry.channel) {
        return Some(format!("the post no longer lists `{}`", entry.channel));
    }
    let campaign = post
        .spec
        .campaign
        .as_deref()
        .and_then(|c| snapshot.calendar.campaign(c));
    let still = crate::schedule::occurrences(post, campaign, hours, entry.due_at)
        .ok()
        .and_then(|mut o| o.next());
    if still != Some(entry.due_at) {
        return Some("the post is no longer due at this time".to_owned());
    }
    // Checked again here, not only when loaded: media may have changed since.
    crate::daemon::content::approval_problem(post, &snapshot.calendar.dir)
}

/// The publication as it goes to the channel: rendered for its platform.
fn publication(entry: &Entry, snapshot: &Snapshot, channel: &dyn Channel) -> Result<Publication, String> {
    let post = snapshot
        .calendar
        .post(&entry.post_id)
        .ok_or_else(|| "the post is no longer in the calendar".to_owned())?;
    let campaign = post
        .spec
        .campaign
        .as_deref()
        .and_then(|c| snapshot.calendar.campaign(c));
    let rendered = crate::render::render(&post.spec, campaign, channel.platform());
    let dir = &snapshot.calendar.dir;
    let images = post
        .spec
        .images
        .iter()
        .map(|i| {
            Ok(ImageFile {
                path: media_path(dir, &i.path).map_err(|e| e.to_string())?,
                alt: i.alt.clone(),
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let videos = post
        .spec
        .videos
        .iter()
        .map(|v| {
            Ok(VideoFile {
                path: media_path(dir, &v.path).map_err(|e| e.to_string())?,
                captions: match &v.captions {
                    Some(c) => Some(media_path(dir, c).map_err(|e| e.to_string())?),
                    None => None,
                },
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    let reshare = post.spec.kind == Kind::Reshare;
    Ok(Publication {
        key: entry.key.clone(),
        post_id: entry.post_id.clone(),
        text: rendered.text,
        link: if reshare { None } else { rendered.link.clone() },
        images,
        videos,
        reshare: if reshare { rendered.link } else { None },
    })
}

/// The wait before attempt `attempts + 1` (real time): the platform's `after` if it gave one,
/// otherwise 1 s, 2 s, 4 s, … up to a minute.
pub fn backoff(attempts: i64, after: Option<Duration>) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 7) - 1).unwrap_or(0);
    let ours = Duration::from_secs(1u64 << exp).min(MAX_BACKOFF);
    after.map_or(ours, |a| a.max(Duration::from_millis(100)))
}

/// What a finished attempt means for the journal.
pub fn outcome(
    result: Result<crate::channels::Published, ChannelError>,
    attempts: i64,
    now: DateTime<Utc>,
    speed: f64,
) -> Outcome {
    match result {
        Ok(p) => Outcome::Sent { id: p.id, url: p.url },
        Err(ChannelError::Retryable { message, after }) => {
            if attempts >= MAX_ATTEMPTS {
                Outcome::Failed(format!("{message}; gave up after {attempts} attempts"))
            } else {
                // Waits are real time; on a simulated clock they take `speed` times as long.
                let wait = backoff(attempts, after).mul_f64(speed.max(1.0));
                let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
                Outcome::RetryAt(now.checked_add_signed(wait).unwrap_or(now), message)
            }
        }
        Err(ChannelError::Unknown { message }) => Outcome::Unknown(message),
        Err(e) => Outcome::Failed(e.to_string()),
    }
}

/// Why a claim left by an earlier run of a single instance is unknown.
const INTERRUPTED: &str =
    "herald stopped while this was being sent, so it may or may not have been published";
/// Why a claim whose lease ran out is unknown.
const INTERRUPTED_REPLICA: &str = "the replica sending this stopped renewing its claim (it stopped or lost the database), so it may or may not have been published";

/// The publisher component.
#[derive(Debug, Default)]
pub struct Publisher;

impl Publisher {
    /// Reconciles unknown outcomes with their platforms.
    async fn reconcile(
        handle: &Handle,
        retry_at: &mut HashMap<String, Instant>,
    ) -> Result<(), crate::store::StoreError> {
        let store = handle.store();
        for entry in store.unsettled().await? {
            if retry_at.get(&entry.key).is_some_and(|at| Instant::now() < *at) {
                continue;
            }
            let Some(channel) = handle.channels().get(&entry.channel) else {
                let why = format!("herald.toml no longer has an account called `{}`", entry.channel);
                store
                    .settle(&entry.key, &Settled::Park(why), handle.now())
                    .await?;
                continue;
            };
            let publication = Publication {
                key: entry.key.clone(),
                post_id: entry.post_id.clone(),
                text: entry.text.clone().unwrap_or_default(),
                link: None,
                images: Vec::new(),
                videos: Vec::new(),
                reshare: None,
            };
            let settled = match channel.reconcile(&publication).await {
                Ok(Reconciled::Published(p)) => Settled::Sent { id: p.id, url: p.url },
                Ok(Reconciled::NotPublished) => Settled::Replan,
                Ok(Reconciled::CannotTell) => Settled::Park(format!(
                    "{} ({} can't be asked whether it arrived): check `{}` and publish it by hand if it isn't there",
                    entry.reason.as_deref().unwrap_or("outcome unknown"),
                    channel.platform(),
                    entry.channel
                )),
                Err(e) if e.is_retryable() => {
                    tracing::warn!(key = %entry.key, error = %e, "can't reconcile yet; trying again later");
                    retry_at.insert(entry.key.clone(), Instant::now() + Duration::from_secs(30));
                    continue;
                }
                Err(e) => Settled::Park(format!("reconciling failed: {e}")),
            };
            match &settled {
                Settled::Sent { url, .. } => {
                    tracing::info!(key = %entry.key, url = url.as_deref().unwrap_or(""), "reconciled: it was published")
                }
                Settled::Replan => {
                    tracing::info!(key = %entry.key, "reconciled: not published; planned again")
                }
                Settled::Park(why) => tracing::warn!(key = %entry.key, reason = %why, "parked for a person"),
            }
            if store.settle(&entry.key, &settled, handle.now()).await?
                && matches!(settled, Settled::Sent { .. })
            {
                handle
                    .metrics()
                    .publication(&entry.channel, PublicationResult::Sent);
            }
            if !matches!(settled, Settled::Park(_)) {
                handle.notify_finished();
            }
        }
        Ok(())
    }

    /// One look at the journal: closes, holds or starts sending what is due. Returns the
    /// earliest instant a held publication must be looked at again.
    async fn pass(
        handle: &Handle,
        inflight: &mut tokio::task::JoinSet<()>,
        sending: &Arc<std::sync::Mutex<HashSet<String>>>,
    ) -> Result<Option<DateTime<Utc>>, crate::store::StoreError> {
        let store = handle.store();
        let now = handle.now();
        let snapshot = handle.content();
        let grace = handle.settings().grace;
        let mut recheck: Option<DateTime<Utc>> = None;
        for entry in store.due(now, 200).await? {
            if sending.lock().map(|s| s.contains(&entry.key)).unwrap_or(true) {
                continue;
            }
            let channel = handle.channels().get(&entry.channel);
            match decide(&entry, &snapshot, channel, now, grace) {
                Decision::Close(state, reason) => {
                    if store.close_planned(&entry.key, state, &reason, now).await? {
                        tracing::warn!(key = %entry.key, state = %state, reason = %reason, "not published");
                        let result = if state == State::Missed {
                            PublicationResult::Missed
                        } else {
                            PublicationResult::Failed
                        };
                        handle.metrics().publication(&entry.channel, result);
                        handle.notify_finished();
                    }
                }
                Decision::Hold(reason, until) => {
                    tracing::debug!(key = %entry.key, reason = %reason, "held");
                    recheck = Some(recheck.map_or(until, |r| r.min(until)));
                }
                Decision::Send(publication) => {
                    if inflight.len() >= CONCURRENCY {
                        // A send finishing wakes the loop (`notify_finished`): looking again now
                        // would only spin on the database until then.
                        break;
                    }
                    let settings = handle.settings();
                    let Some(claimed) = store
                        .claim(
                            &entry.key,
                            &settings.owner,
                            &publication.text,
                            now,
                            settings.lease,
                        )
                        .await?
                    else {
                        continue;
                    };
                    let Some(channel) = channel.cloned() else { continue };
                    if let Ok(mut s) = sending.lock() {
                        s.insert(claimed.key.clone());
                    }
                    let h = handle.clone();
                    let sending = Arc::clone(sending);
                    inflight.spawn(async move {
                        send(&h, &claimed, channel.as_ref(), &publication).await;
                        if let Ok(mut s) = sending.lock() {
                            s.remove(&claimed.key);
                        }
                        h.notify_finished();
                    });
                }
            }
        }
        Ok(recheck)
    }
}

/// How long one media file may take to upload and be processed before the guard around a send
/// gives up: an upload has [`crate::channels::http::UPLOAD_TIMEOUT`] (5 minutes) per request, and
/// a platform may then process a video for many minutes, polled as it asks (X up to 120 times, at
/// most 30 s apart: an hour).
const MEDIA_ALLOWANCE: Duration = Duration::from_secs(70 * 60);

/// How long a whole send may take before its outcome counts as unknown: one request's time-out
/// and a margin, and [`MEDIA_ALLOWANCE`] for each image or video, which the channel uploads (and
/// waits for) before it posts. Every request a channel makes has its own time-out; this guards
/// against one that hangs anyway, without cutting off a long video upload that is progressing.
fn send_limit(request_timeout: Duration, publication: &Publication) -> Duration {
    let media = publication.images.len() + publication.videos.len();
    let uploads = MEDIA_ALLOWANCE
        .checked_mul(u32::try_from(media).unwrap_or(u32::MAX))
        .unwrap_or(Duration::MAX);
    (request_timeout + Duration::from_secs(10)).saturating_add(uploads)
}

/// Sends one claimed publication and records the result.
async fn send(handle: &Handle, claimed: &Entry, channel: &dyn Channel, publication: &Publication) {
    let started = handle.now();
    tracing::info!(
        key = %claimed.key, channel = %claimed.channel, attempt = claimed.attempts,
        due = %claimed.due_at.to_rfc3339(), late_ms = (started - claimed.due_at).num_milliseconds(),
        "publishing"
    );
    // The channel has its own time-outs; this one only guards against a channel that has none.
    let limit = send_limit(handle.settings().request_timeout, publication);
    let settings = handle.settings();
    // The lease is renewed while the request is in flight, so no other replica takes it over.
    let lost = std::sync::atomic::AtomicBool::new(false);
    let result = crate::daemon::renewing(
        tokio::time::timeout(limit, channel.publish(publication)),
        settings.renew_every(),
        || {
            let lost = &lost;
            async move {
                match handle
                    .store()
                    .renew_claim(&claimed.key, &settings.owner, settings.lease)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) if !lost.swap(true, std::sync::atomic::Ordering::Relaxed) => {
                        tracing::error!(key = %claimed.key, "the claim's lease ran out while sending (was this replica paused?); its outcome will be reconciled");
                    }
                    Ok(false) => {}
                    Err(e) => tracing::warn!(key = %claimed.key, error = %e, "can't renew the claim's lease"),
                }
            }
        },
    )
    .await
    .unwrap_or_else(|_| {
        Err(ChannelError::Unknown {
            message: format!("no answer within {}s", limit.as_secs()),
        })
    });
    let now = handle.now();
    let outcome = outcome(result, claimed.attempts, now, handle.clock().speed());
    match &outcome {
        Outcome::Sent { url, .. } => {
            tracing::info!(key = %claimed.key, url = url.as_deref().unwrap_or(""), "published")
        }
        Outcome::RetryAt(at, why) => {
            tracing::warn!(key = %claimed.key, error = %why, retry_at = %at.to_rfc3339(), "will retry")
        }
        Outcome::Failed(why) => tracing::error!(key = %claimed.key, error = %why, "failed"),
        Outcome::Unknown(why) => {
            tracing::warn!(key = %claimed.key, error = %why, "outcome unknown; reconciling")
        }
    }
    let owner = &handle.settings().owner;
    // The result must be written; if the database is briefly away, keep trying. If it never
    // comes back, the claim stays and the next start reconciles it.
    for wait in [0u64, 1, 2, 5, 10, 30] {
        tokio::time::sleep(Duration::from_secs(wait)).await;
        match handle.store().finish(&claimed.key, owner, &outcome, now).await {
            Ok(true) => {
                let metrics = handle.metrics();
                let result = match &outcome {
                    Outcome::Sent { .. } => {
                        let late = started - claimed.due_at;
                        metrics.lateness(late.num_milliseconds() as f64 / 1000.0);
                        PublicationResult::Sent
                    }
                    Outcome::Failed(_) => PublicationResult::Failed,
                    Outcome::Unknown(_) => PublicationResult::Unknown,
                    Outcome::RetryAt(..) => PublicationResult::Retry,
                };
                metrics.publication(&claimed.channel, result);
                return;
            }
            Ok(false) => {
                tracing::error!(key = %claimed.key, "the claim was taken over while sending; result not recorded");
                return;
            }
            Err(e) => tracing::error!(key = %claimed.key, error = %e, "can't record the result yet"),
        }
    }
}

#[async_trait]
impl Component for Publisher {
    fn name(&self) -> &'static str {
        "publisher"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let failed = |e: crate::store::StoreError| ComponentError::new("publisher", e.to_string());
        if handle.settings().exclusive {
            // No other process uses this database: every claim left is from an earlier run.
            let taken = handle
                .store()
                .take_over_claims(&handle.settings().owner, INTERRUPTED, handle.now())
                .await
                .map_err(failed)?;
            for entry in &taken {
                tracing::warn!(key = %entry.key, "found a send interrupted by a stop; reconciling");
            }
        }
        let mut expired_checked: Option<Instant> = None;
        let mut inflight = tokio::task::JoinSet::new();
        let sending = Arc::new(std::sync::Mutex::new(HashSet::new()));
        let mut reconcile_retry = HashMap::new();
        let signal = Signal {
            planned: true,
            content: true,
            ..Signal::default()
        };
        let mut errors = 0u32;
        loop {
            handle.beat(self.name());
            while inflight.try_join_next().is_some() {}
            let step = async {
                // Claims of a replica that stopped mid-send: their leases run out.
                if expired_checked.is_none_or(|at| at.elapsed() >= handle.settings().renew_every()) {
                    for entry in handle
                        .store()
                        .take_over_expired_claims(INTERRUPTED_REPLICA, handle.now())
                        .await?
                    {
                        tracing::warn!(key = %entry.key, owner = entry.claimed_by.as_deref().unwrap_or(""), "a send's lease ran out (its replica stopped); reconciling");
                    }
                    expired_checked = Some(Instant::now());
                }
                Self::reconcile(&handle, &mut reconcile_retry).await?;
                let recheck = Self::pass(&handle, &mut inflight, &sending).await?;
                let next = handle.store().next_planned().await?;
                Ok::<_, crate::store::StoreError>((recheck, next))
            };
            let wake_at = match step.await {
                Ok((recheck, next)) => {
                    errors = 0;
                    let now = handle.now();
                    // A due row that is held or in flight must not make this loop spin.
                    let next = next.filter(|n| *n > now);
                    // Look for expired leases of other replicas at least once a renewal period.
                    let leases = handle.after_real(handle.settings().renew_every());
                    let wake = match (recheck, next) {
                        (Some(a), Some(b)) => a.min(b),
                        (a, b) => a.or(b).unwrap_or(leases),
                    };
                    Some(wake.min(leases).max(now))
                }
                Err(e) => {
                    errors += 1;
                    tracing::error!(error = %e, "database error; trying again");
                    let backoff = chrono::Duration::seconds(i64::from(errors.min(30)));
                    Some(handle.now() + backoff)
                }
            };
            if handle.wait(wake_at, signal).await == Wake::Stop {
                break;
            }
        }
        // Let sends in flight finish and record their results.
        while inflight.join_next().await.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_send_with_media_has_time_to_upload_and_process_it() {
        use crate::channels::{ImageFile, VideoFile};
        let mut publication = Publication {
            key: "k".into(),
            post_id: "p".into(),
            text: "Hello".into(),
            link: None,
            images: Vec::new(),
            videos: Vec::new(),
            reshare: None,
        };
        let request = Duration::from_secs(30);
        assert_eq!(send_limit(request, &publication), Duration::from_secs(40));
        publication.videos.push(VideoFile {
            path: "media/tour.mp4".into(),
            captions: Some("media/tour.vtt".into()),
        });
        publication.images.push(ImageFile {
            path: "media/poster.png".into(),
            alt: Some("Poster".into()),
        });
        let limit = send_limit(request, &publication);
        // For each file, longer than an upload's own time-out and the longest processing X may ask for.
        let each = crate::channels::http::UPLOAD_TIMEOUT + Duration::from_secs(120 * 30);
        assert!(limit > 2 * each, "{limit:?}");
    }

    #[test]
    fn backoff_doubles_and_honours_the_platform() {
        assert_eq!(backoff(1, None), Duration::from_secs(1));
        assert_eq!(backoff(3, None), Duration::from_secs(4));
        assert_eq!(backoff(20, None), MAX_BACKOFF);
        assert_eq!(backoff(1, Some(Duration::from_secs(90))), Duration::from_secs(90));
    }

    #[test]
    fn only_retryable_errors_are_retried() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let retry = outcome(
            Err(ChannelError::Retryable {
                message: "503".into(),
                after: Some(Duration::from_secs(2)),
            }),
            1,
            now,
            10.0,
        );
        assert_eq!(
            retry,
            Outcome::RetryAt(now + chrono::Duration::seconds(20), "503".into())
        );
        let given_up = outcome(
            Err(ChannelError::Retryable {
                message: "503".into(),
                after: None,
            }),
            MAX_ATTEMPTS,
            now,
            1.0,
        );
        assert!(matches!(given_up, Outcome::Failed(m) if m.contains("gave up after 8 attempts")));
        let refused = outcome(
            Err(ChannelError::Permanent {
                message: "422 text too long".into(),
            }),
            1,
            now,
            1.0,
        );
        assert_eq!(refused, Outcome::Failed("422 text too long".into()));
        let unknown = outcome(
            Err(ChannelError::Unknown {
                message: "timed out".into(),
            }),
            1,
            now,
            1.0,
        );
        assert_eq!(unknown, Outcome::Unknown("timed out".into()));
    }
}
