//! The policy: what to do with one message. A pure function of the message (as classified), what
//! herald knows about its sender, and the office hours at this instant, so that every branch can
//! be tested without a platform, a database or a clock.
//!
//! In order, the first rule that applies decides:
//!
//! | rule | when | action |
//! |---|---|---|
//! | `own-account` | the sender is one of the team's accounts | skip |
//! | `bot` | the platform says the sender is automated | skip |
//! | `automatic` | it is an automatic reply (loop prevention) | skip |
//! | `backlog` | sent before herald first read this inbox | skip |
//! | `crisis` | crisis words | the crisis reply at any hour, never de-duplicated, and an alert |
//! | `abusive` | swearing, threats, hate (house rules) | flag for the team, no reply |
//! | `spam` | the sender's same text again and again | flag for the team, no reply |
//! | `reply-window` | past the platform's reply window (Meta: 24 hours) | skip, listed for the team |
//! | `too-old` | older than `[inbox] max_age_hours` | skip, listed for the team |
//! | `answered-in-period` / `recently-answered` | this sender already had an automatic reply this period, or within `once_per_sender_days` (RFC 3834) | skip |
//! | `open` | office hours | listed for the team; or `acknowledge` when switched on |
//! | `closed` | otherwise | the closed reply with the routes that fit |
//!
//! Personal details shared in public don't change the action; the reply advises against it and
//! the message is listed for the team (who may want to hide it).

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::classify::Classification;
use crate::channels::{Author, InboundMessage, MessageKind};
use crate::config::{InboxConfig, Platform};
use crate::hours::OfficeHours;
use crate::store::SenderHistory;

/// Why a reply is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Purpose {
    /// Outside office hours: when the team is back, and the routes.
    Closed,
    /// Crisis words: the crisis reply, at any hour.
    Crisis,
    /// During office hours, when switched on: "we aim to reply within 48 hours".
    Acknowledge,
}

impl Purpose {
    /// The name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Closed => "closed",
            Purpose::Crisis => "crisis",
            Purpose::Acknowledge => "acknowledge",
        }
    }

    /// The purpose with this name.
    pub fn from_name(name: &str) -> Option<Purpose> {
        [Purpose::Closed, Purpose::Crisis, Purpose::Acknowledge]
            .into_iter()
            .find(|p| p.as_str() == name)
    }
}

/// What to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "action")]
pub enum Action {
    /// Send an automatic reply.
    Reply {
        /// Which.
        purpose: Purpose,
    },
    /// Nothing to send.
    Skip,
    /// Nothing to send, and the team should look (house rules broken).
    Flag,
}

impl Action {
    /// `reply`, `skip` or `flag`.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Reply { .. } => "reply",
            Action::Skip => "skip",
            Action::Flag => "flag",
        }
    }
}

/// Which rule decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Rule {
    /// From one of the team's own accounts.
    OwnAccount,
    /// From an automated account.
    Bot,
    /// An automatic reply.
    Automatic,
    /// There before herald first read the inbox.
    Backlog,
    /// Crisis words.
    Crisis,
    /// Breaks the house rules.
    Abusive,
    /// The same text again and again.
    Spam,
    /// Past the platform's reply window.
    ReplyWindow,
    /// Older than `max_age_hours`.
    TooOld,
    /// The sender already had an automatic reply in this period.
    AnsweredInPeriod,
    /// The sender had an automatic reply within `once_per_sender_days`.
    RecentlyAnswered,
    /// Office hours: for the team.
    Open,
    /// Office hours, acknowledged.
    Acknowledge,
    /// Outside office hours: the closed reply.
    Closed,
}

impl Rule {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::OwnAccount => "own-account",
            Rule::Bot => "bot",
            Rule::Automatic => "automatic",
            Rule::Backlog => "backlog",
            Rule::Crisis => "crisis",
            Rule::Abusive => "abusive",
            Rule::Spam => "spam",
            Rule::ReplyWindow => "reply-window",
            Rule::TooOld => "too-old",
            Rule::AnsweredInPeriod => "answered-in-period",
            Rule::RecentlyAnswered => "recently-answered",
            Rule::Open => "open",
            Rule::Acknowledge => "acknowledge",
            Rule::Closed => "closed",
        }
    }
}

/// The decision about one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Decision {
    /// What to do.
    #[serde(flatten)]
    pub action: Action,
    /// Which rule decided.
    pub rule: Rule,
    /// The decision in words, for the team.
    pub reason: String,
    /// Whether the team should see the message (listed by `herald status`).
    pub for_team: bool,
    /// Whether to alert the team at once (crisis).
    pub alert: bool,
    /// The period the reply answers for: the instant the current closed period ends (or, for an
    /// acknowledgement, the open one). One automatic reply per sender per period.
    pub period: Option<DateTime<Utc>>,
    /// Whether the reply advises not to share personal details (shared in public).
    pub personal_advice: bool,
}

/// The `[inbox]` settings the policy uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// At most one automatic reply per sender within this (RFC 3834); zero: per period only.
    pub once_per_sender: Duration,
    /// Acknowledge messages during office hours.
    pub acknowledge_when_open: bool,
    /// Messages older than this get no automatic reply.
    pub max_age: Duration,
    /// The same text this many times (within a day) is spam.
    pub spam_repeats: u32,
}

impl From<&InboxConfig> for Policy {
    fn from(c: &InboxConfig) -> Self {
        Policy {
            once_per_sender: Duration::days(i64::from(c.once_per_sender_days)),
            acknowledge_when_open: c.acknowledge_when_open,
            max_age: Duration::hours(i64::from(c.max_age_hours)),
            spam_repeats: c.spam_repeats,
        }
    }
}

impl Default for Policy {
    fn default() -> Self {
        Policy::from(&InboxConfig::default())
    }
}

/// How far back repeats of one text count as spam.
pub const SPAM_WINDOW: Duration = Duration::days(1);

/// The team's own accounts: the ids and handles of every account in herald.toml (as the
/// platforms report them) and `[inbox] team_handles`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Team {
    ids: BTreeSet<(Platform, String)>,
    handles: BTreeSet<String>,
}

/// A handle without its `@` and in lower case, for comparing.
fn handle_key(handle: &str) -> String {
    handle.trim().trim_start_matches('@').to_lowercase()
}

impl Team {
    /// Adds an account the team runs on a platform.
    pub fn add(&mut self, platform: Platform, id: &str, handle: &str) {
        if !id.is_empty() {
            self.ids.insert((platform, id.to_owned()));
        }
        self.add_handle(handle);
    }

    /// Adds a handle the team uses (any platform).
    pub fn add_handle(&mut self, handle: &str) {
        let key = handle_key(handle);
        if !key.is_empty() {
            self.handles.insert(key);
        }
    }

    /// Whether a sender is one of the team's accounts.
    pub fn includes(&self, platform: Platform, author: &Author) -> bool {
        self.ids.contains(&(platform, author.id.clone()))
            || self.handles.contains(&handle_key(&author.handle))
    }
}

/// How long after a person's message a platform lets an account reply, if it limits it. Meta's
/// standard messaging window is 24 hours after the person's last message; herald keeps to it for
/// comments too (an automatic answer a day late helps nobody).
pub fn reply_window(platform: Platform, _kind: MessageKind) -> Option<Duration> {
    match platform {
        Platform::Facebook | Platform::Instagram => Some(Duration::hours(24)),
        _ => None,
    }
}

/// The period an automatic reply at `now` answers for: the instant the closed period ends (the
/// team reopens), or the open period ends. `None` if it never does (hours that never open).
pub fn period(hours: &OfficeHours, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if hours.is_open(now) {
        hours.next_close(now)
    } else {
        hours.next_open(now)
    }
}

/// Everything the policy looks at.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    /// The message.
    pub message: &'a InboundMessage,
    /// What it is.
    pub class: &'a Classification,
    /// The account's platform.
    pub platform: Platform,
    /// The instant of the decision.
    pub now: DateTime<Utc>,
    /// The account's office hours.
    pub hours: &'a OfficeHours,
    /// When herald first read this inbox.
    pub first_read_at: DateTime<Utc>,
    /// What herald knows about the sender (see [`period`] and [`SPAM_WINDOW`]).
    pub history: &'a SenderHistory,
    /// The team's accounts.
    pub team: &'a Team,
    /// The settings.
    pub policy: &'a Policy,
}

fn words_list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("\"{i}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Decides what to do with a message.
pub fn decide(f: &Facts<'_>) -> Decision {
    let m = f.message;
    let public = m.kind != MessageKind::Direct;
    let shared = public && !f.class.personal.is_empty();
    let details = f
        .class
        .personal
        .iter()
        .map(|k| k.describe())
        .collect::<Vec<_>>()
        .join(", ");
    let skip = |rule: Rule, reason: String| Decision {
        action: Action::Skip,
        rule,
        reason,
        for_team: false,
        alert: false,
        period: None,
        personal_advice: false,
    };
    if f.team.includes(f.platform, &m.author) {
        return skip(
            Rule::OwnAccount,
            format!("{} is one of the team's own accounts", m.author.handle),
        );
    }
    if m.author.is_bot {
        return skip(Rule::Bot, format!("{} is an automated account", m.author.handle));
    }
    if let Some(why) = &f.class.automatic {
        return skip(
            Rule::Automatic,
            format!("it looks like an automatic reply ({why}): never answer one"),
        );
    }
    if m.sent_at < f.first_read_at {
        return skip(
            Rule::Backlog,
            "it was there before herald first read this inbox".to_owned(),
        );
    }
    let age = f.now - m.sent_at;
    let window = reply_window(f.platform, m.kind);
    let outside_window = window.is_some_and(|w| age > w);
    let with_privacy = |reason: String| {
        if shared {
            format!("{reason}; it shares {details} in public")
        } else {
            reason
        }
    };
    if !f.class.crisis.is_empty() {
        let matched = words_list(&f.class.crisis);
        if outside_window {
            return Decision {
                for_team: true,
                alert: true,
                ..skip(
                    Rule::ReplyWindow,
                    format!(
                        "crisis words ({matched}), but {} allows no reply this late: the team is alerted",
                        f.platform
                    ),
                )
            };
        }
        return Decision {
            action: Action::Reply {
                purpose: Purpose::Crisis,
            },
            rule: Rule::Crisis,
            reason: with_privacy(format!(
                "crisis words ({matched}): the crisis reply at any hour, and the team is alerted"
            )),
            for_team: true,
            alert: true,
            period: None,
            personal_advice: false,
        };
    }
    if let Some(abuse) = &f.class.abuse {
        return Decision {
            action: Action::Flag,
            for_team: true,
            ..skip(
                Rule::Abusive,
                format!(
                    "it breaks the house rules ({}: \"{}\"): no reply; flagged for the team",
                    abuse.category.as_str(),
                    abuse.word
                ),
            )
        };
    }
    let copies = f.history.same_text + 1;
    if copies >= i64::from(f.policy.spam_repeats) {
        return Decision {
            action: Action::Flag,
            for_team: true,
            ..skip(
                Rule::Spam,
                format!(
                    "the same text from this sender {copies} times in a day: spam, no reply; flagged for the team"
                ),
            )
        };
    }
    if outside_window {
        return Decision {
            for_team: true,
            ..skip(
                Rule::ReplyWindow,
                format!(
                    "{} allows replies only within {} hours of the person's message",
                    f.platform,
                    window.map_or(0, |w| w.num_hours())
                ),
            )
        };
    }
    if age > f.policy.max_age {
        return Decision {
            for_team: true,
            ..skip(
                Rule::TooOld,
                format!(
                    "it is {} hours old, too old for an automatic reply (max_age_hours = {})",
                    age.num_hours(),
                    f.policy.max_age.num_hours()
                ),
            )
        };
    }
    let open = f.hours.is_open(f.now);
    let period = period(f.hours, f.now);
    if !open || f.policy.acknowledge_when_open {
        if f.history.answered_in_period {
            return Decision {
                for_team: open || shared,
                ..skip(
                    Rule::AnsweredInPeriod,
                    with_privacy(format!(
                        "this sender already had an automatic reply {}",
                        if open {
                            "during these office hours"
                        } else {
                            "while the team is away"
                        }
                    )),
                )
            };
        }
        if let Some(last) = f.history.last_reply_at
            && f.policy.once_per_sender > Duration::zero()
            && f.now - last < f.policy.once_per_sender
        {
            return Decision {
                for_team: open || shared,
                ..skip(
                    Rule::RecentlyAnswered,
                    with_privacy(format!(
                        "this sender had an automatic reply less than {} days ago (at most one a week, as RFC 3834 recommends)",
                        f.policy.once_per_sender.num_days()
                    )),
                )
            };
        }
    }
    if open && !f.policy.acknowledge_when_open {
        return Decision {
            for_team: true,
            ..skip(
                Rule::Open,
                with_privacy("office hours: no automatic reply; listed for the team".to_owned()),
            )
        };
    }
    let (purpose, rule, reason) = if open {
        (
            Purpose::Acknowledge,
            Rule::Acknowledge,
            "office hours: acknowledged (acknowledge_when_open); listed for the team",
        )
    } else {
        (
            Purpose::Closed,
            Rule::Closed,
            "the team is away: one automatic reply per sender while it is closed",
        )
    };
    Decision {
        action: Action::Reply { purpose },
        rule,
        reason: with_privacy(reason.to_owned()),
        for_team: open || shared,
        alert: false,
        period,
        personal_advice: shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Replies;
    use crate::inbox::classify::classify;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    // Saturday 5 December 2026; the team is back at 09:00 on Monday 7 December.
    const SATURDAY: &str = "2026-12-05T10:00:00Z";
    const MONDAY_OPEN: &str = "2026-12-07T10:00:00Z";

    fn hours() -> OfficeHours {
        let (loaded, _) =
            crate::config::LoadedConfig::from_text(std::path::Path::new("herald.toml"), String::new());
        loaded.office_hours(None)
    }

    fn message(text: &str) -> InboundMessage {
        InboundMessage {
            id: "m1".into(),
            kind: MessageKind::Mention,
            author: Author {
                id: "u1".into(),
                handle: "@pat@mastodon.example".into(),
                is_bot: false,
            },
            text: text.into(),
            sent_at: utc(SATURDAY),
            conversation: None,
            visibility: Some("public".into()),
            mentioned: Vec::new(),
        }
    }

    struct Case {
        message: InboundMessage,
        platform: Platform,
        now: DateTime<Utc>,
        history: SenderHistory,
        team: Team,
        policy: Policy,
        first_read_at: DateTime<Utc>,
    }

    impl Case {
        fn new(text: &str) -> Case {
            Case {
                message: message(text),
                platform: Platform::Mastodon,
                now: utc(SATURDAY) + Duration::minutes(1),
                history: SenderHistory::default(),
                team: Team::default(),
                policy: Policy::default(),
                first_read_at: utc("2026-12-01T00:00:00Z"),
            }
        }

        fn decide(&self) -> Decision {
            let class = classify(&self.message.text, &Replies::defaults());
            decide(&Facts {
                message: &self.message,
                class: &class,
                platform: self.platform,
                now: self.now,
                hours: &hours(),
                first_read_at: self.first_read_at,
                history: &self.history,
                team: &self.team,
                policy: &self.policy,
            })
        }
    }

    fn rule(case: &Case) -> (&'static str, &'static str) {
        let d = case.decide();
        (d.action.as_str(), d.rule.as_str())
    }

    #[test]
    fn closed_gets_one_reply_per_sender_per_period_and_week() {
        let case = Case::new("Can I get a GP appointment?");
        let d = case.decide();
        assert_eq!(
            d.action,
            Action::Reply {
                purpose: Purpose::Closed
            }
        );
        assert_eq!(d.period, Some(utc("2026-12-07T09:00:00Z")));
        assert!(!d.for_team && !d.alert && !d.personal_advice);

        let mut again = Case::new("Still waiting!");
        again.history = SenderHistory {
            last_reply_at: Some(utc(SATURDAY)),
            answered_in_period: true,
            same_text: 0,
        };
        assert_eq!(rule(&again), ("skip", "answered-in-period"));

        // The next closed period (Monday evening), within 7 days of the last reply: RFC 3834.
        let mut evening = Case::new("Hello again");
        evening.now = utc("2026-12-07T18:00:00Z");
        evening.message.sent_at = evening.now;
        evening.history.last_reply_at = Some(utc(SATURDAY));
        assert_eq!(rule(&evening), ("skip", "recently-answered"));
        // ... configurable: 0 days keeps only the per-period rule.
        evening.policy.once_per_sender = Duration::zero();
        assert_eq!(rule(&evening), ("reply", "closed"));
        // A week later the sender is answered again.
        let mut later = Case::new("Hello again");
        later.now = utc("2026-12-12T18:00:00Z");
        later.message.sent_at = later.now;
        later.history.last_reply_at = Some(utc(SATURDAY));
        assert_eq!(rule(&later), ("reply", "closed"));
    }

    #[test]
    fn open_lists_for_the_team_or_acknowledges_when_switched_on() {
        let mut case = Case::new("Can I get a GP appointment?");
        case.now = utc(MONDAY_OPEN);
        case.message.sent_at = case.now;
        let d = case.decide();
        assert_eq!((d.action, d.rule, d.for_team), (Action::Skip, Rule::Open, true));
        case.policy.acknowledge_when_open = true;
        let d = case.decide();
        assert_eq!(
            d.action,
            Action::Reply {
                purpose: Purpose::Acknowledge
            }
        );
        assert_eq!(d.period, Some(utc("2026-12-07T17:00:00Z")));
        assert!(d.for_team);
        case.history.answered_in_period = true;
        let d = case.decide();
        assert_eq!(
            (d.action, d.rule, d.for_team),
            (Action::Skip, Rule::AnsweredInPeriod, true)
        );
    }

    #[test]
    fn crisis_is_answered_at_any_hour_never_deduplicated_and_alerts() {
        for now in [SATURDAY, MONDAY_OPEN] {
            let mut case = Case::new("I want to end my life");
            case.now = utc(now);
            case.message.sent_at = case.now;
            // Even right after another automatic reply, and from a repeat sender.
            case.history = SenderHistory {
                last_reply_at: Some(case.now),
                answered_in_period: true,
                same_text: 5,
            };
            let d = case.decide();
            assert_eq!(
                d.action,
                Action::Reply {
                    purpose: Purpose::Crisis
                },
                "{now}"
            );
            assert!(d.alert && d.for_team);
            assert_eq!(d.period, None);
            assert!(d.reason.contains("\"end my life\""), "{}", d.reason);
        }
        // Crisis outweighs swearing.
        assert_eq!(
            rule(&Case::new("fuck it, I'm going to kill myself")),
            ("reply", "crisis")
        );
        // Past Meta's window no reply can be sent, but the team is still alerted.
        let mut late = Case::new("thinking about suicide");
        late.platform = Platform::Facebook;
        late.now = late.message.sent_at + Duration::hours(25);
        let d = late.decide();
        assert_eq!(
            (d.action, d.rule, d.alert),
            (Action::Skip, Rule::ReplyWindow, true)
        );
        // False positive avoided: "overdue" is not "overdose".
        assert_eq!(
            rule(&Case::new("My repeat prescription is overdue")),
            ("reply", "closed")
        );
    }

    #[test]
    fn abusive_and_spam_are_flagged_without_a_reply() {
        let d = Case::new("You lot are fucking useless").decide();
        assert_eq!(
            (d.action, d.rule, d.for_team),
            (Action::Flag, Rule::Abusive, true)
        );
        assert!(d.reason.contains("swearing"));
        assert_eq!(rule(&Case::new("I know where you live")), ("flag", "abusive"));
        assert_eq!(
            rule(&Case::new("Appointment in Scunthorpe, please")),
            ("reply", "closed")
        );

        let mut spam = Case::new("Buy followers at example.com");
        spam.history.same_text = 2;
        assert_eq!(rule(&spam), ("flag", "spam"));
        spam.history.same_text = 1;
        assert_eq!(rule(&spam), ("reply", "closed"));
    }

    #[test]
    fn never_to_the_team_bots_automatic_replies_or_the_backlog() {
        let mut own = Case::new("Our new clinic opens Monday");
        own.team
            .add(Platform::Mastodon, "u1", "@example_icb@mastodon.example");
        assert_eq!(rule(&own), ("skip", "own-account"));
        // The same id on another platform is someone else.
        let mut other = Case::new("Hello");
        other.team.add(Platform::Bluesky, "u1", "example-icb.bsky.social");
        assert_eq!(rule(&other), ("reply", "closed"));
        // A handle from [inbox] team_handles, written without the @ and in capitals.
        let mut partner = Case::new("Hello");
        partner.team.add_handle("PAT@mastodon.example");
        assert_eq!(rule(&partner), ("skip", "own-account"));

        let mut bot = Case::new("Weather update: rain");
        bot.message.author.is_bot = true;
        assert_eq!(rule(&bot), ("skip", "bot"));
        assert_eq!(
            rule(&Case::new("Out of office until Monday")),
            ("skip", "automatic")
        );
        assert_eq!(
            rule(&Case::new(
                "Thanks. This is an automatic reply: our team is away until Monday."
            )),
            ("skip", "automatic")
        );

        let mut backlog = Case::new("Hello");
        backlog.first_read_at = backlog.now;
        assert_eq!(rule(&backlog), ("skip", "backlog"));
    }

    #[test]
    fn reply_windows_and_old_messages() {
        let mut fb = Case::new("Hello");
        fb.platform = Platform::Facebook;
        fb.now = fb.message.sent_at + Duration::hours(23);
        assert_eq!(rule(&fb), ("reply", "closed"));
        fb.now = fb.message.sent_at + Duration::hours(25);
        let d = fb.decide();
        assert_eq!((d.rule, d.for_team), (Rule::ReplyWindow, true));
        // Mastodon has no window, but an old message gets no automatic reply.
        let mut old = Case::new("Hello");
        old.now = old.message.sent_at + Duration::hours(73);
        assert_eq!(rule(&old), ("skip", "too-old"));
        old.now = old.message.sent_at + Duration::hours(40);
        assert_eq!(rule(&old), ("reply", "closed"));
    }

    #[test]
    fn personal_details_in_public_get_advice_but_not_in_direct_messages() {
        let case = Case::new("My NHS number is 943 476 5919, why is my prescription late?");
        let d = case.decide();
        assert_eq!(
            d.action,
            Action::Reply {
                purpose: Purpose::Closed
            }
        );
        assert!(d.personal_advice && d.for_team);
        assert!(
            d.reason.contains("shares an NHS number in public"),
            "{}",
            d.reason
        );
        let mut direct = Case::new("My NHS number is 943 476 5919, why is my prescription late?");
        direct.message.kind = MessageKind::Direct;
        let d = direct.decide();
        assert!(!d.personal_advice && !d.for_team);
        // No details: no advice.
        assert!(!Case::new("Call 111?").decide().personal_advice);
    }
}
