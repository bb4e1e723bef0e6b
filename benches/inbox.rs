//! The inbox's work per message, without the network or the database: classifying a message
//! (crisis words, house rules, automatic wording, personal details, routes), deciding, and
//! composing the reply fitted to a platform. `cargo bench --bench inbox`; figures in
//! docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use divan::black_box;
use herald::channels::{Author, InboundMessage, MessageKind};
use herald::config::{LoadedConfig, Platform};
use herald::content::Replies;
use herald::inbox::classify::classify;
use herald::inbox::compose::{Request, Target, compose};
use herald::inbox::decide::{Action, Facts, Policy, Team, decide};
use herald::store::SenderHistory;

fn main() {
    divan::main();
}

const MESSAGES: &[(&str, &str)] = &[
    ("short", "Can I get a GP appointment?"),
    (
        "typical",
        "Hi, I've been trying to get a GP appointment for my back pain for two weeks and nobody answers the phone. My prescription has also run out. Who can I complain to?",
    ),
    (
        "personal",
        "My NHS number is 943 476 5919 and my phone is 07700 900123, I live at 12 Acacia Avenue BS1 4DJ. Why hasn't my referral letter arrived?",
    ),
    ("crisis", "I can't cope any more and I want to end my life"),
];

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

#[divan::bench(args = ["short", "typical", "personal", "crisis"])]
fn classify_message(bencher: divan::Bencher, which: &str) {
    let replies = Replies::defaults();
    let text = MESSAGES.iter().find(|(n, _)| *n == which).unwrap().1;
    bencher.bench(|| classify(black_box(text), &replies));
}

/// Classify, decide and compose for X (280 characters: the reply is shortened).
#[divan::bench(args = ["short", "typical", "personal", "crisis"])]
fn whole_message_for_x(bencher: divan::Bencher, which: &str) {
    let replies = Replies::defaults();
    let (loaded, _) = LoadedConfig::from_text(std::path::Path::new("herald.toml"), String::new());
    let hours = loaded.office_hours(None);
    let text = MESSAGES.iter().find(|(n, _)| *n == which).unwrap().1;
    let now = utc("2026-12-05T10:00:00Z");
    let message = InboundMessage {
        id: "1".into(),
        kind: MessageKind::Mention,
        author: Author {
            id: "2".into(),
            handle: "@pat".into(),
            is_bot: false,
        },
        text: text.into(),
        sent_at: now,
        conversation: None,
        visibility: Some("public".into()),
        mentioned: Vec::new(),
    };
    let history = SenderHistory::default();
    let team = Team::default();
    let policy = Policy::default();
    bencher.bench(|| {
        let class = classify(black_box(&message.text), &replies);
        let decision = decide(&Facts {
            message: &message,
            class: &class,
            platform: Platform::X,
            now,
            hours: &hours,
            first_read_at: now - chrono::Duration::days(1),
            history: &history,
            team: &team,
            policy: &policy,
        });
        let Action::Reply { purpose } = decision.action else {
            return None;
        };
        let routes = class.route_ids();
        let reopening = hours.reopening_in_words(now);
        Some(compose(
            &replies,
            &Request {
                purpose,
                routes: &routes,
                personal: decision.personal_advice,
                reopening: reopening.as_deref(),
            },
            &Target::for_message(Platform::X, &message),
        ))
    });
}
