//! The inbox component of `herald run`: reads each account's inbox every `[inbox] poll_seconds`,
//! decides about every new message ([`super::decide`]), records the message and its decision,
//! sends the replies decided (recorded before and after each is sent), and alerts the team about
//! crisis messages through the webhook alert accounts (`[publish] alerts`).
//!
//! A restart neither re-reads nor skips: each account's cursor is stored after the messages it
//! covers are recorded, and a message already recorded (a re-read, or one message in two lists)
//! is never decided twice. A reply whose send was interrupted is *unknown* and never resent; a
//! reply planned but not yet sent when herald stopped is sent after the restart if it is still
//! right to send it (the team hasn't reopened, the platform's reply window is still open), and
//! its text is written then, so "09:00 tomorrow" is true when it is read.
//!
//! With several replicas, each account's inbox is read by the holder of its `inbox:<account>`
//! lease only (renewed every third of the lease; another replica takes it over when it runs out),
//! which also sends its replies and crisis alerts. A reply claim carries a lease too: one left by
//! a replica that stopped mid-send becomes unknown once it runs out, and is never resent.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration as StdDuration;

use async_trait::async_trait;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::classify::classify;
use super::compose::{Request, Target, compose};
use super::decide::{self, Action, Facts, Policy, Purpose, SPAM_WINDOW, Team, reply_window};
use super::words::normalised;
use crate::channels::{Channel, ChannelError, InboundMessage};
use crate::config::{LoadedConfig, Platform};
use crate::daemon::{Component, ComponentError, Handle, Signal, Wake};
use crate::store::{MessageRecord, NewReply, Recorded, ReplyOutcome, ReplyRecord, StoreError, inbox_lease};

/// Attempts before a reply that keeps meeting retryable errors is given up.
pub const MAX_REPLY_ATTEMPTS: i64 = 5;
/// Pages read from one inbox in one poll, at most (the rest waits for the next poll).
const MAX_PAGES: usize = 10;
/// How long an excerpt of a message is kept, in characters.
const EXCERPT_CHARS: usize = 140;
/// How often (on the clock) unverified accounts are asked again who they are.
const VERIFY_AGAIN: Duration = Duration::minutes(10);

/// The inbox component.
#[derive(Debug)]
pub struct Inbox {
    accounts: Vec<(String, Platform)>,
    policy: Policy,
    interval: Duration,
    team_handles: Vec<String>,
}

impl Inbox {
    /// The inbox for the accounts the config says have one.
    pub fn new(config: &LoadedConfig) -> Inbox {
        let inbox = config
            .config
            .as_ref()
            .map(|c| c.inbox.clone())
            .unwrap_or_default();
        Inbox {
            accounts: config
                .inbox_accounts()
                .into_iter()
                .map(|a| (a.name.clone(), a.platform))
                .collect(),
            policy: Policy::from(&inbox),
            interval: Duration::seconds(i64::from(inbox.poll_seconds.max(1))),
            team_handles: inbox.team_handles,
        }
    }

    /// Whether there is anything to read.
    pub fn is_empty(&self) -> bool {
        self.accounts.is_empty()
    }
}

/// The key of the reply to a message: stable, and passed to the platform as the reply's
/// idempotency key where it takes one.
pub fn reply_key(account: &str, message_id: &str) -> String {
    format!("reply:{account}:{message_id}")
}

/// A short hash of a message's normalised text (repeats of one text are spam).
pub fn text_hash(text: &str) -> String {
    hex::encode(&Sha256::digest(normalised(text).as_bytes())[..12])
}

/// The start of a message with personal details masked, for records and alerts.
pub fn excerpt(text: &str) -> String {
    let masked = crate::personal::mask(text);
    let flat = masked.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= EXCERPT_CHARS {
        flat
    } else {
        let cut: String = flat.chars().take(EXCERPT_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// What the team's webhook is told about a message in crisis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CrisisAlert {
    /// One paragraph for people.
    pub text: String,
    /// Always `crisis`.
    pub event: &'static str,
    /// The account the message reached.
    pub account: String,
    /// Its platform.
    pub platform: String,
    /// `mention`, `reply`, `comment` or `direct`.
    pub kind: String,
    /// The platform's id of the message.
    pub message_id: String,
    /// The sender's handle.
    pub from: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// The start of the message, personal details masked.
    pub excerpt: String,
    /// What herald did.
    pub reason: String,
    /// The alert's idempotency key.
    pub key: String,
}

impl CrisisAlert {
    /// The alert for a recorded message.
    pub fn for_message(m: &MessageRecord) -> CrisisAlert {
        CrisisAlert {
            text: format!(
                "herald: a {} to `{}` on {} from {} may be from someone in crisis. Please look at it now. {}",
                m.kind, m.account, m.platform, m.author_handle, m.reason
            ),
            event: "crisis",
            account: m.account.clone(),
            platform: m.platform.clone(),
            kind: m.kind.clone(),
            message_id: m.message_id.clone(),
            from: m.author_handle.clone(),
            sent_at: m.sent_at,
            excerpt: m.excerpt.clone(),
            reason: m.reason.clone(),
            key: format!("alert:crisis:{}:{}", m.account, m.message_id),
        }
    }
}

/// What a reply attempt's result means for the record.
pub fn reply_outcome(
    result: Result<crate::channels::Published, ChannelError>,
    attempts: i64,
    now: DateTime<Utc>,
    speed: f64,
) -> ReplyOutcome {
    match result {
        Ok(p) => ReplyOutcome::Sent { id: p.id, url: p.url },
        Err(ChannelError::Retryable { message, after }) if attempts < MAX_REPLY_ATTEMPTS => {
            let wait = crate::publish::backoff(attempts, after).mul_f64(speed.max(1.0));
            let wait = Duration::from_std(wait).unwrap_or(Duration::MAX);
            ReplyOutcome::RetryAt(now.checked_add_signed(wait).unwrap_or(now), message)
        }
        Err(ChannelError::Retryable { message, .. }) => {
            ReplyOutcome::Failed(format!("{message}; gave up after {attempts} attempts"))
        }
        Err(ChannelError::Unknown { message }) => ReplyOutcome::Unknown(format!(
            "{message}: it may or may not have arrived, so it is not sent again"
        )),
        Err(e) => ReplyOutcome::Failed(e.to_string()),
    }
}

struct Account {
    name: String,
    platform: Platform,
    next_poll: DateTime<Utc>,
    failures: u32,
}

/// The team's accounts as their platforms see them, asked once (and again later for those that
/// didn't answer).
struct Identities {
    team: Team,
    unverified: Vec<String>,
    next_try: DateTime<Utc>,
}

impl Identities {
    fn new(handle: &Handle, platforms: &[Platform], team_handles: &[String]) -> Identities {
        let mut team = Team::default();
        for h in team_handles {
            team.add_handle(h);
        }
        let config = handle.content().config.clone();
        let mut unverified = Vec::new();
        for (name, channel) in handle.channels() {
            if !platforms.contains(&channel.platform()) {
                continue;
            }
            // Until the platform answers, the handle in herald.toml stands in.
            if let Some(h) = config.account(name).and_then(|a| a.handle.as_deref()) {
                team.add_handle(h);
            }
            unverified.push(name.clone());
        }
        Identities {
            team,
            unverified,
            next_try: handle.now(),
        }
    }

    async fn verify(&mut self, handle: &Handle) {
        if self.unverified.is_empty() || handle.now() < self.next_try {
            return;
        }
        let mut still = Vec::new();
        for name in std::mem::take(&mut self.unverified) {
            let Some(channel) = handle.channels().get(&name) else {
                continue;
            };
            let limit = handle.settings().request_timeout;
            match tokio::time::timeout(limit, channel.verify()).await {
                Ok(Ok(identity)) => {
                    self.team.add(channel.platform(), &identity.id, &identity.handle);
                }
                Ok(Err(e)) => {
                    tracing::warn!(account = %name, error = %e, "can't ask the platform who this account is; its configured handle stands in");
                    still.push(name);
                }
                Err(_) => {
                    tracing::warn!(account = %name, "the platform didn't say who this account is in time");
                    still.push(name);
                }
            }
        }
        self.unverified = still;
        self.next_try = handle.now() + VERIFY_AGAIN;
    }
}

/// The message as the platform needs it to answer (its text left out: it is not needed, and
/// not kept).
fn addressing(message: &InboundMessage) -> String {
    let mut m = message.clone();
    m.text = String::new();
    serde_json::to_string(&m).unwrap_or_default()
}

impl Inbox {
    /// Reads one page after another from an account's inbox and handles each message. Returns
    /// whether anything failed (to back off).
    async fn poll(
        &self,
        handle: &Handle,
        account: &Account,
        identities: &Identities,
    ) -> Result<(), (String, Option<StdDuration>)> {
        let plain = |e: StoreError| (e.to_string(), None);
        let Some(channel) = handle.channels().get(&account.name).cloned() else {
            return Err((format!("no channel for `{}`", account.name), None));
        };
        let store = handle.store();
        let position = store.inbox_position(&account.name).await.map_err(plain)?;
        let (mut cursor, first_read_at) = match position {
            Some((cursor, first)) => (cursor, first),
            None => (None, handle.settings().started_at.min(handle.now())),
        };
        for _ in 0..MAX_PAGES {
            let limit = handle.settings().request_timeout + StdDuration::from_secs(10);
            let page = match tokio::time::timeout(limit, channel.read_inbox(cursor.as_deref())).await {
                Ok(Ok(page)) => page,
                Ok(Err(e)) => {
                    let after = match &e {
                        ChannelError::Retryable { after, .. } => *after,
                        _ => None,
                    };
                    return Err((e.to_string(), after));
                }
                Err(_) => return Err((format!("no answer within {}s", limit.as_secs()), None)),
            };
            for message in &page.messages {
                self.handle_message(
                    handle,
                    account,
                    channel.as_ref(),
                    message,
                    first_read_at,
                    identities,
                )
                .await
                .map_err(plain)?;
            }
            let advanced = page.cursor.is_some() && page.cursor != cursor;
            // Recorded after the messages it covers: a stop before this re-reads them, and
            // they are recognised as seen.
            store
                .set_inbox_position(&account.name, page.cursor.as_deref(), first_read_at, handle.now())
                .await
                .map_err(plain)?;
            if !advanced || page.messages.is_empty() {
                break;
            }
            cursor = page.cursor;
        }
        handle.metrics().polled(&account.name, handle.now());
        Ok(())
    }

    async fn handle_message(
        &self,
        handle: &Handle,
        account: &Account,
        channel: &dyn Channel,
        message: &InboundMessage,
        first_read_at: DateTime<Utc>,
        identities: &Identities,
    ) -> Result<(), StoreError> {
        let store = handle.store();
        if store.message(&account.name, &message.id).await?.is_some() {
            return Ok(());
        }
        let now = handle.now();
        let snapshot = handle.content();
        let replies = &snapshot.calendar.replies;
        let hours = snapshot.config.office_hours(Some(&account.name));
        let class = classify(&message.text, replies);
        let period = decide::period(&hours, now);
        let period_key = period.map(|p| p.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true));
        let hash = text_hash(&message.text);
        let history = store
            .sender_history(
                &account.name,
                &message.author.id,
                period_key.as_deref(),
                &hash,
                now - SPAM_WINDOW,
            )
            .await?;
        let decision = decide::decide(&Facts {
            message,
            class: &class,
            platform: account.platform,
            now,
            hours: &hours,
            first_read_at,
            history: &history,
            team: &identities.team,
            policy: &self.policy,
        });
        let key = reply_key(&account.name, &message.id);
        let reply = match decision.action {
            Action::Reply { purpose } => Some(NewReply {
                key: key.clone(),
                purpose: purpose.as_str().to_owned(),
                period: period_key.clone().filter(|_| purpose != Purpose::Crisis),
                once_key: (purpose != Purpose::Crisis).then(|| {
                    format!(
                        "{}|{}|{}",
                        account.name,
                        message.author.id,
                        period_key.as_deref().unwrap_or("never")
                    )
                }),
                routes: class.route_ids().join(","),
                personal: decision.personal_advice,
                message: addressing(message),
            }),
            Action::Skip | Action::Flag => None,
        };
        let public = message.kind != crate::channels::MessageKind::Direct;
        let record = MessageRecord {
            account: account.name.clone(),
            message_id: message.id.clone(),
            platform: channel.platform().as_str().to_owned(),
            kind: serde_json::to_value(message.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            author_id: message.author.id.clone(),
            author_handle: message.author.handle.clone(),
            sent_at: message.sent_at,
            seen_at: now,
            excerpt: excerpt(&message.text),
            text_hash: hash,
            action: decision.action.as_str().to_owned(),
            rule: decision.rule.as_str().to_owned(),
            reason: decision.reason.clone(),
            routes: class.route_ids().join(","),
            details: if public {
                class
                    .personal
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                String::new()
            },
            for_team: decision.for_team,
            alert: decision.alert,
            alerted_at: None,
            reply_key: reply.as_ref().map(|r| r.key.clone()),
        };
        let recorded = store.record_message(&record, reply.as_ref(), now).await?;
        match recorded {
            Recorded::AlreadySeen => {}
            Recorded::AlreadyAnswered => {
                tracing::info!(account = %account.name, message = %message.id, "inbox: already answered for this period");
            }
            Recorded::New => {
                handle.metrics().reply(&account.name, decision.rule.as_str());
                tracing::info!(
                    account = %account.name, message = %message.id, action = decision.action.as_str(),
                    rule = decision.rule.as_str(), reason = %decision.reason, "inbox: decided"
                );
            }
        }
        Ok(())
    }

    /// Sends every reply whose time has come, for the accounts whose inbox this replica holds.
    async fn send_replies(&self, handle: &Handle, held: &BTreeSet<String>) -> Result<(), StoreError> {
        let store = handle.store();
        for reply in store.due_replies(handle.now(), 200).await? {
            if handle.is_stopping() {
                break;
            }
            if !held.contains(&reply.account) && self.accounts.iter().any(|(a, _)| *a == reply.account) {
                continue;
            }
            self.send(handle, &reply).await?;
        }
        Ok(())
    }

    async fn send(&self, handle: &Handle, reply: &ReplyRecord) -> Result<(), StoreError> {
        let store = handle.store();
        let now = handle.now();
        let drop = |why: String| async move {
            tracing::warn!(key = %reply.key, reason = %why, "inbox: reply dropped");
            store.drop_reply(&reply.key, &why, now).await.map(|_| ())
        };
        let Some(channel) = handle.channels().get(&reply.account).cloned() else {
            return drop(format!(
                "herald.toml no longer has an account called `{}`",
                reply.account
            ))
            .await;
        };
        let Ok(message) = serde_json::from_str::<InboundMessage>(&reply.message) else {
            return drop("the message it answers can't be read back".to_owned()).await;
        };
        let Some(purpose) = Purpose::from_name(&reply.purpose) else {
            return drop(format!("unknown purpose `{}`", reply.purpose)).await;
        };
        let snapshot = handle.content();
        let hours = snapshot.config.office_hours(Some(&reply.account));
        let platform = channel.platform();
        let open = hours.is_open(now);
        if purpose == Purpose::Closed && open {
            return drop("the team reopened before it could be sent".to_owned()).await;
        }
        if purpose == Purpose::Acknowledge && !open {
            return drop("office hours ended before it could be sent".to_owned()).await;
        }
        if let Some(window) = reply_window(platform, message.kind)
            && now - message.sent_at > window
        {
            return drop(format!(
                "{platform} allows replies only within {} hours of the person's message",
                window.num_hours()
            ))
            .await;
        }
        let routes: Vec<String> = reply
            .routes
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let reopening = hours.reopening_in_words(now);
        let composed = compose(
            &snapshot.calendar.replies,
            &Request {
                purpose,
                routes: &routes,
                personal: reply.personal,
                reopening: reopening.as_deref(),
            },
            &Target::for_message(platform, &message),
        );
        let settings = handle.settings();
        let owner = &settings.owner;
        let Some(claimed) = store
            .claim_reply(&reply.key, owner, &composed.text, now, settings.lease)
            .await?
        else {
            return Ok(());
        };
        let outcome = if composed.fits() {
            tracing::info!(key = %reply.key, account = %reply.account, purpose = purpose.as_str(), fit = ?composed.fit, "inbox: replying");
            let limit = settings.request_timeout + StdDuration::from_secs(10);
            // The claim's lease is renewed while the reply is in flight.
            let (key, lease) = (reply.key.as_str(), settings.lease);
            let result = crate::daemon::renewing(
                tokio::time::timeout(limit, channel.reply(&message, &composed.text, key)),
                settings.renew_every(),
                || async move {
                    match store.renew_reply_claim(key, owner, lease).await {
                        Ok(true) => {}
                        Ok(false) => {
                            tracing::error!(key = %key, "inbox: the reply's lease ran out while sending")
                        }
                        Err(e) => {
                            tracing::warn!(key = %key, error = %e, "inbox: can't renew the reply's lease")
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
            reply_outcome(result, claimed.attempts, handle.now(), handle.clock().speed())
        } else {
            let over: Vec<String> = composed
                .measures
                .iter()
                .filter(|m| m.over())
                .map(|m| format!("{}/{} {}", m.count, m.limit, m.unit))
                .collect();
            ReplyOutcome::Failed(format!(
                "the reply is too long for {platform} even at its shortest ({}): shorten the templates in replies.toml (`herald check` shows them)",
                over.join(", ")
            ))
        };
        match &outcome {
            ReplyOutcome::Sent { url, .. } => {
                tracing::info!(key = %reply.key, url = url.as_deref().unwrap_or(""), "inbox: replied")
            }
            ReplyOutcome::RetryAt(at, why) => {
                tracing::warn!(key = %reply.key, error = %why, retry_at = %at.to_rfc3339(), "inbox: will retry the reply")
            }
            ReplyOutcome::Failed(why) => {
                tracing::error!(key = %reply.key, error = %why, "inbox: reply failed")
            }
            ReplyOutcome::Unknown(why) => {
                tracing::warn!(key = %reply.key, error = %why, "inbox: reply outcome unknown")
            }
        }
        // The result must be written; if the database is briefly away, keep trying. If it never
        // comes back, the claim stays and the next start marks it unknown.
        for wait in [0u64, 1, 2, 5, 10] {
            tokio::time::sleep(StdDuration::from_secs(wait)).await;
            match store
                .finish_reply(&reply.key, owner, &outcome, handle.now())
                .await
            {
                Ok(true) => return Ok(()),
                Ok(false) => {
                    tracing::error!(key = %reply.key, "the reply's claim was taken over while sending");
                    return Ok(());
                }
                Err(e) => {
                    tracing::error!(key = %reply.key, error = %e, "can't record the reply's result yet")
                }
            }
        }
        Ok(())
    }

    /// Takes or renews the lease on each account's inbox: one replica reads an inbox at a time,
    /// and another takes over when its lease runs out.
    async fn hold_leases(&self, handle: &Handle, held: &mut BTreeSet<String>) {
        let settings = handle.settings();
        for (account, _) in &self.accounts {
            let name = inbox_lease(account);
            match handle
                .store()
                .acquire_lease(&name, &settings.owner, settings.lease)
                .await
            {
                Ok(true) => {
                    if held.insert(account.clone()) {
                        tracing::info!(account = %account, "inbox: reading this account (lease taken)");
                    }
                }
                Ok(false) => {
                    if held.remove(account) {
                        tracing::warn!(account = %account, "inbox: another replica reads this account now");
                    }
                }
                Err(e) => {
                    // Without the database the lease can't be known to hold: stop reading.
                    tracing::error!(account = %account, error = %e, "inbox: can't renew the lease");
                    held.remove(account);
                }
            }
        }
    }

    /// Gives up the leases held, on a clean stop, so another replica takes over at once.
    async fn release_leases(&self, handle: &Handle, held: &mut BTreeSet<String>) {
        for account in std::mem::take(held) {
            if let Err(e) = handle
                .store()
                .release_lease(&inbox_lease(&account), &handle.settings().owner)
                .await
            {
                tracing::warn!(account = %account, error = %e, "inbox: can't give up the lease");
            }
        }
    }

    /// Delivers the alerts due about the accounts whose inbox this replica holds. Returns
    /// whether some must be tried again.
    async fn alert(&self, handle: &Handle, held: &BTreeSet<String>) -> Result<bool, StoreError> {
        if handle.alerts().is_empty() || held.is_empty() {
            return Ok(false);
        }
        let store = handle.store();
        for message in store.alerts_due(200).await? {
            if !held.contains(&message.account) {
                continue;
            }
            let alert = CrisisAlert::for_message(&message);
            let mut delivered = true;
            for hook in handle.alerts() {
                match hook.announce_event(&alert.key, &alert).await {
                    Ok(_) => {}
                    Err(e @ (ChannelError::Retryable { .. } | ChannelError::Unknown { .. })) => {
                        tracing::warn!(key = %alert.key, error = %e, "can't deliver a crisis alert yet");
                        delivered = false;
                    }
                    Err(e) => tracing::error!(key = %alert.key, error = %e, "a crisis alert was refused"),
                }
            }
            if !delivered {
                return Ok(true);
            }
            store
                .mark_alerted(&message.account, &message.message_id, handle.now())
                .await?;
            tracing::info!(key = %alert.key, "inbox: the team was alerted");
        }
        Ok(false)
    }
}

#[async_trait]
impl Component for Inbox {
    fn name(&self) -> &'static str {
        "inbox"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let failed = |e: StoreError| ComponentError::new("inbox", e.to_string());
        if handle.settings().exclusive {
            // No other process uses this database: every claim left is from an earlier run.
            let taken = handle
                .store()
                .take_over_reply_claims(
                    &handle.settings().owner,
                    "herald stopped while this reply was being sent, so it may or may not have arrived: it is not sent again",
                    handle.now(),
                )
                .await
                .map_err(failed)?;
            for reply in &taken {
                tracing::warn!(key = %reply.key, "inbox: a reply was interrupted by a stop; its outcome is unknown");
            }
        }
        let mut held: BTreeSet<String> = BTreeSet::new();
        let mut expired_checked: Option<std::time::Instant> = None;
        if handle.alerts().is_empty() && !self.accounts.is_empty() {
            tracing::warn!(
                "inbox: no webhook alert accounts, so crisis messages are answered and listed by `herald status` but nobody is alerted"
            );
        }
        let platforms: Vec<Platform> = self.accounts.iter().map(|(_, p)| *p).collect();
        let mut identities = Identities::new(&handle, &platforms, &self.team_handles);
        let start = handle.now();
        let mut accounts: BTreeMap<String, Account> = self
            .accounts
            .iter()
            .map(|(name, platform)| {
                (
                    name.clone(),
                    Account {
                        name: name.clone(),
                        platform: *platform,
                        next_poll: start,
                        failures: 0,
                    },
                )
            })
            .collect();
        tracing::info!(accounts = ?accounts.keys().collect::<Vec<_>>(), every_seconds = self.interval.num_seconds(), "inbox: reading");
        let mut errors = 0u32;
        let mut paused_for: Option<u64> = None;
        loop {
            handle.beat(self.name());
            identities.verify(&handle).await;
            // A replies.toml that doesn't load would leave herald with its built-in example
            // texts (another organisation's contacts): answer nobody until it is fixed.
            let snapshot = handle.content();
            let broken =
                !snapshot.calendar.replies_from_file && snapshot.calendar.dir.join("replies.toml").exists();
            if broken {
                if paused_for != Some(snapshot.version) {
                    tracing::error!(
                        "inbox: content/replies.toml doesn't load (see `herald check`): not reading or answering messages until it does"
                    );
                    paused_for = Some(snapshot.version);
                }
                let wait = handle.now() + self.interval;
                if handle
                    .wait(
                        Some(wait),
                        Signal {
                            content: true,
                            ..Signal::default()
                        },
                    )
                    .await
                    == Wake::Stop
                {
                    self.release_leases(&handle, &mut held).await;
                    return Ok(());
                }
                continue;
            }
            if paused_for.take().is_some() {
                tracing::info!("inbox: content/replies.toml loads again: reading and answering");
            }
            self.hold_leases(&handle, &mut held).await;
            if expired_checked.is_none_or(|at| at.elapsed() >= handle.settings().renew_every()) {
                match handle
                    .store()
                    .take_over_expired_reply_claims(
                        "the replica sending this reply stopped renewing its claim, so it may or may not have arrived: it is not sent again",
                        handle.now(),
                    )
                    .await
                {
                    Ok(taken) => {
                        for reply in &taken {
                            tracing::warn!(key = %reply.key, "inbox: a reply's lease ran out (its replica stopped); its outcome is unknown");
                        }
                        expired_checked = Some(std::time::Instant::now());
                    }
                    Err(e) => tracing::error!(error = %e, "inbox: can't look for replies left by a stopped replica"),
                }
            }
            for account in accounts.values_mut() {
                if handle.is_stopping() || handle.now() < account.next_poll || !held.contains(&account.name) {
                    continue;
                }
                match self.poll(&handle, account, &identities).await {
                    Ok(()) => {
                        account.failures = 0;
                        account.next_poll = handle.now() + self.interval;
                    }
                    Err((e, after)) => {
                        account.failures += 1;
                        let factor = 1i32 << account.failures.min(5);
                        let ours = (self.interval * factor).min(Duration::minutes(15).max(self.interval));
                        // The platform's Retry-After (or rate-limit reset) is real time.
                        let theirs = after
                            .map(|a| a.mul_f64(handle.clock().speed().max(1.0)))
                            .and_then(|a| Duration::from_std(a).ok())
                            .unwrap_or_else(Duration::zero);
                        let wait = ours.max(theirs);
                        tracing::warn!(account = %account.name, error = %e, retry_in_seconds = wait.num_seconds(), "inbox: can't read the inbox");
                        account.next_poll = handle.now() + wait;
                    }
                }
            }
            let step = async {
                self.send_replies(&handle, &held).await?;
                let retry_alerts = self.alert(&handle, &held).await?;
                let next_reply = handle.store().next_reply_retry().await?;
                Ok::<_, StoreError>((retry_alerts, next_reply))
            };
            let now = handle.now();
            // Leases are renewed (or taken over from a stopped replica) every renewal period.
            let renew = handle.after_real(handle.settings().renew_every());
            let mut wake = accounts
                .values()
                .filter(|a| held.contains(&a.name))
                .map(|a| a.next_poll)
                .min()
                .map_or(Some(renew), |w| Some(w.min(renew)));
            match step.await {
                Ok((retry_alerts, next_reply)) => {
                    errors = 0;
                    if let Some(next) = next_reply.filter(|n| *n > now) {
                        wake = Some(wake.map_or(next, |w| w.min(next)));
                    }
                    if retry_alerts {
                        let soon = now + Duration::seconds(5);
                        wake = Some(wake.map_or(soon, |w| w.min(soon)));
                    }
                }
                Err(e) => {
                    errors += 1;
                    tracing::error!(error = %e, "inbox: database error; trying again");
                    let soon = now + Duration::seconds(i64::from(errors.min(30)));
                    wake = Some(wake.map_or(soon, |w| w.min(soon)));
                }
            }
            if handle.wait(wake.map(|w| w.max(now)), Signal::default()).await == Wake::Stop {
                self.release_leases(&handle, &mut held).await;
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_are_short_and_masked() {
        assert_eq!(
            excerpt("Hi,\n\ncall me on 07700 900123 about my GP"),
            "Hi, call me on [phone number] about my GP"
        );
        let long = excerpt(&"word ".repeat(100));
        assert_eq!(long.chars().count(), EXCERPT_CHARS);
        assert!(long.ends_with('…'));
    }

    #[test]
    fn repeats_hash_alike_whatever_the_case_and_spacing() {
        assert_eq!(
            text_hash("Buy NOW!!  at example"),
            text_hash("buy now at example")
        );
        assert_ne!(text_hash("buy now"), text_hash("buy later"));
    }

    #[test]
    fn only_retryable_errors_are_retried_and_unknown_is_never_resent() {
        let now = Utc::now();
        let retry = reply_outcome(
            Err(ChannelError::Retryable {
                message: "503".into(),
                after: None,
            }),
            1,
            now,
            1.0,
        );
        assert!(matches!(retry, ReplyOutcome::RetryAt(at, _) if at > now));
        let given_up = reply_outcome(
            Err(ChannelError::Retryable {
                message: "503".into(),
                after: None,
            }),
            MAX_REPLY_ATTEMPTS,
            now,
            1.0,
        );
        assert!(matches!(given_up, ReplyOutcome::Failed(m) if m.contains("gave up after 5")));
        let unknown = reply_outcome(
            Err(ChannelError::Unknown {
                message: "timed out".into(),
            }),
            1,
            now,
            1.0,
        );
        assert!(matches!(unknown, ReplyOutcome::Unknown(m) if m.contains("not sent again")));
        assert!(matches!(
            reply_outcome(Err(ChannelError::Unsupported("no DMs".into())), 1, now, 1.0),
            ReplyOutcome::Failed(_)
        ));
    }
}

#[cfg(test)]
mod restart_tests {
    use std::collections::BTreeMap;
    use std::sync::Arc;

    use super::*;
    use crate::channels::outbox::Outbox;
    use crate::channels::{Author, MessageKind};
    use crate::clock::{SharedClock, SimulatedClock};
    use crate::daemon::{Settings, Snapshot};
    use crate::store::ReplyState;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn message(id: &str, sent_at: DateTime<Utc>) -> InboundMessage {
        InboundMessage {
            id: id.into(),
            kind: MessageKind::Mention,
            author: Author {
                id: format!("u-{id}"),
                handle: format!("@{id}"),
                is_bot: false,
            },
            text: "Can I get a GP appointment?".into(),
            sent_at,
            conversation: None,
            visibility: Some("public".into()),
            mentioned: Vec::new(),
        }
    }

    async fn record(handle: &Handle, id: &str, purpose: &str, now: DateTime<Utc>) -> String {
        let m = message(id, now);
        let key = reply_key("outbox", id);
        let record = MessageRecord {
            account: "outbox".into(),
            message_id: id.into(),
            platform: "outbox".into(),
            kind: "mention".into(),
            author_id: m.author.id.clone(),
            author_handle: m.author.handle.clone(),
            sent_at: now,
            seen_at: now,
            excerpt: excerpt(&m.text),
            text_hash: text_hash(&m.text),
            action: "reply".into(),
            rule: purpose.into(),
            reason: "test".into(),
            routes: "medical".into(),
            details: String::new(),
            for_team: false,
            alert: false,
            alerted_at: None,
            reply_key: Some(key.clone()),
        };
        let reply = NewReply {
            key: key.clone(),
            purpose: purpose.into(),
            period: Some("2026-12-07T09:00:00Z".into()),
            once_key: Some(format!("outbox|{}|2026-12-07T09:00:00Z", m.author.id)),
            routes: "medical".into(),
            personal: false,
            message: addressing(&m),
        };
        handle
            .store()
            .record_message(&record, Some(&reply), now)
            .await
            .unwrap();
        key
    }

    #[tokio::test]
    async fn after_a_restart_planned_replies_go_once_interrupted_ones_never_and_stale_ones_are_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _db) = crate::store::testing::sqlite().await;
        let (config, findings) = LoadedConfig::from_text(
            &dir.path().join("herald.toml"),
            "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n[inbox]\npoll_seconds = 1\n"
                .to_owned(),
        );
        assert!(findings.is_empty(), "{findings:?}");
        let config = Arc::new(config);
        let saturday = utc("2026-12-05T10:00:00Z");
        let clock: SharedClock = Arc::new(SimulatedClock::new(saturday, 1.0));
        let outbox = Arc::new(Outbox::new("outbox", dir.path().join("outbox")));
        let mut channels: BTreeMap<String, Arc<dyn Channel>> = BTreeMap::new();
        channels.insert("outbox".into(), outbox);
        let settings = Settings {
            grace: Duration::minutes(15),
            request_timeout: StdDuration::from_secs(5),
            owner: "new".into(),
            listen: "127.0.0.1:0".into(),
            started_at: saturday,
            lease: crate::store::DEFAULT_LEASE,
            exclusive: true,
        };
        let snapshot = Snapshot::load(Arc::clone(&config), &dir.path().join("content"), 1);
        let handle = Handle::new(clock, store, channels, Vec::new(), settings, snapshot);

        // What a process killed mid-way left: one reply decided but not sent, one being sent,
        // and an acknowledgement from office hours that are over.
        let planned = record(&handle, "m1", "closed", saturday).await;
        let interrupted = record(&handle, "m2", "closed", saturday).await;
        handle
            .store()
            .claim_reply(
                &interrupted,
                "old",
                "Thanks",
                saturday,
                crate::store::DEFAULT_LEASE,
            )
            .await
            .unwrap()
            .unwrap();
        let stale = record(&handle, "m3", "acknowledge", saturday).await;
        // And a message waiting in the outbox's inbox folder.
        std::fs::create_dir_all(dir.path().join("outbox/inbox")).unwrap();
        std::fs::write(
            dir.path().join("outbox/inbox/001.json"),
            serde_json::to_vec(&message("m4", saturday + Duration::seconds(1))).unwrap(),
        )
        .unwrap();

        let inbox = Inbox::new(&config);
        let running = tokio::spawn(Box::new(inbox).run(handle.clone()));
        let state = |key: String| {
            let handle = handle.clone();
            async move { handle.store().reply(&key).await.unwrap().map(|r| r.state) }
        };
        let deadline = std::time::Instant::now() + StdDuration::from_secs(20);
        loop {
            let done = state(planned.clone()).await == Some(ReplyState::Sent)
                && state(reply_key("outbox", "m4")).await == Some(ReplyState::Sent)
                && state(stale.clone()).await == Some(ReplyState::Dropped);
            if done {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "not done in time");
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        // A few more passes send nothing else.
        tokio::time::sleep(StdDuration::from_millis(2500)).await;
        handle.shutdown();
        running.await.unwrap().unwrap();

        assert_eq!(state(interrupted.clone()).await, Some(ReplyState::Unknown));
        let sent: Vec<serde_json::Value> = std::fs::read_dir(dir.path().join("outbox/replies"))
            .unwrap()
            .flatten()
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect();
        let mut keys: Vec<&str> = sent.iter().map(|r| r["key"].as_str().unwrap()).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["reply:outbox:m1", "reply:outbox:m4"]);
        for reply in &sent {
            let text = reply["text"].as_str().unwrap();
            assert!(
                text.contains("away until 09:00 on Monday 7 December 2026"),
                "{text}"
            );
            assert!(text.contains("Contact your GP practice"), "{text}");
        }
        let dropped = handle.store().reply(&stale).await.unwrap().unwrap();
        assert_eq!(
            dropped.reason.as_deref(),
            Some("office hours ended before it could be sent")
        );
        // The cursor was stored after the message it covers.
        let (cursor, first) = handle.store().inbox_position("outbox").await.unwrap().unwrap();
        assert_eq!((cursor.as_deref(), first), (Some("001.json"), saturday));
    }
}
