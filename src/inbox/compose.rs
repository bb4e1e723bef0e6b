//! Writing an automatic reply from the team's templates (content/replies.toml).
//!
//! A reply is built only from the team's texts: the opening (`[reply] closed`, with
//! `{next_open}` as the reopening time in words; or `open` for an acknowledgement; or the crisis
//! text), the advice about personal details when they were shared in public, the contact routes
//! that fit, and the signature. Nothing from the message is ever copied into it: not its words,
//! links, mentions or `{…}`. Every reply says it is automatic (herald adds "This is an automatic
//! reply." when the team's opening doesn't).
//!
//! When the whole reply is too long for the platform, it is shortened rather than cut: first the
//! signature goes, then the later routes are replaced by a link to `[reply] contact_page`, then
//! the advice about personal details goes (the routes are the help the person needs); only when
//! even that doesn't fit are routes left out without a link (which `herald check` reports).

use serde::Serialize;

use super::decide::Purpose;
use crate::channels::{InboundMessage, MessageKind};
use crate::config::Platform;
use crate::content::Replies;
use crate::limits::{Measure, measure_reply};

/// Said by every reply whose opening doesn't already say it is automatic.
pub const AUTOMATIC_NOTE: &str = "This is an automatic reply.";

/// The reopening time used when the team never reopens (hours with no open day).
pub const NO_REOPENING: &str = "further notice";

/// The longest reopening time in words (for checking lengths without knowing the date).
pub const LONGEST_REOPENING: &str = "09:00 on Wednesday 30 September 2026";

/// Mastodon usernames are at most 30 characters; a reply starts with `@username@server `, which
/// Mastodon counts as `@username `.
const LONGEST_MASTODON_MENTION: &str = "@abcdefghijklmnopqrstuvwxyz0123@mastodon.example ";

/// Where a reply goes, as far as its length is concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The platform.
    pub platform: Platform,
    /// A direct message (which has its own limits on some platforms).
    pub direct: bool,
    /// What the platform's adapter puts before the text (Mastodon: the sender's `@handle `).
    pub prefix: String,
}

impl Target {
    /// The target for an answer to a message on a platform.
    pub fn for_message(platform: Platform, message: &InboundMessage) -> Target {
        Target {
            platform,
            direct: message.kind == MessageKind::Direct,
            prefix: if platform == Platform::Mastodon {
                format!("{} ", message.author.handle)
            } else {
                String::new()
            },
        }
    }

    /// The longest case on a platform, for checks and previews that don't know the sender.
    pub fn worst_case(platform: Platform, direct: bool) -> Target {
        Target {
            platform,
            direct,
            prefix: if platform == Platform::Mastodon {
                LONGEST_MASTODON_MENTION.to_owned()
            } else {
                String::new()
            },
        }
    }
}

/// What a reply says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request<'a> {
    /// Why it is sent.
    pub purpose: Purpose,
    /// The routes that fit the message, most relevant first.
    pub routes: &'a [String],
    /// Add the advice about personal details.
    pub personal: bool,
    /// The reopening time in words (`None`: the team never reopens).
    pub reopening: Option<&'a str>,
}

/// How the reply fits the platform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Fit {
    /// Everything, as written.
    Full,
    /// Everything but the signature.
    WithoutSignature,
    /// Later routes replaced by the link to the contact page (or all of them).
    Linked,
    /// Routes (or the advice, or the signature) left out with no link to make up for them.
    Cut,
    /// Even the opening alone is too long: the platform would refuse it.
    TooLong,
}

/// A reply, ready to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Composed {
    /// The text handed to the platform's adapter.
    pub text: String,
    /// How it fits.
    pub fit: Fit,
    /// The routes it lists.
    pub routes: Vec<String>,
    /// The routes it had to leave out (covered by the link when `fit` is `linked`).
    pub left_out: Vec<String>,
    /// Whether it advises against sharing personal details.
    pub personal: bool,
    /// Its length against the platform's limits (counting the adapter's prefix).
    #[serde(rename = "length")]
    pub measures: Vec<Measure>,
}

impl Composed {
    /// Whether the platform takes it.
    pub fn fits(&self) -> bool {
        self.fit != Fit::TooLong
    }
}

/// `{next_open}` in a team template becomes the reopening time. Nothing else is interpreted.
fn fill(template: &str, reopening: Option<&str>) -> String {
    template.replace("{next_open}", reopening.unwrap_or(NO_REOPENING))
}

fn says_automatic(text: &str) -> bool {
    text.to_lowercase().contains("automatic")
}

struct Parts {
    opening: Vec<String>,
    personal: Option<String>,
    routes: Vec<(String, String)>,
    link: Option<String>,
    signature: Option<String>,
}

fn parts(replies: &Replies, req: &Request<'_>) -> Parts {
    let reply = &replies.reply;
    let signature = reply
        .signature
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let crisis = replies.crisis.as_ref().filter(|_| req.purpose == Purpose::Crisis);
    if let Some(crisis) = crisis {
        let text = fill(&crisis.text, req.reopening);
        let mut opening = vec![text.clone()];
        if !says_automatic(&text) {
            opening.push(AUTOMATIC_NOTE.to_owned());
        }
        return Parts {
            opening,
            personal: None,
            routes: Vec::new(),
            link: None,
            signature,
        };
    }
    let frame = match req.purpose {
        Purpose::Acknowledge => fill(reply.open_text(), req.reopening),
        Purpose::Closed | Purpose::Crisis => fill(&reply.closed, req.reopening),
    };
    let frame = if says_automatic(&frame) {
        frame
    } else {
        format!("{AUTOMATIC_NOTE} {frame}")
    };
    let routes = req
        .routes
        .iter()
        .filter_map(|id| {
            replies
                .route(id)
                .map(|r| (id.clone(), fill(&r.text, req.reopening)))
        })
        .collect();
    Parts {
        opening: vec![frame],
        personal: req.personal.then(|| fill(reply.personal_text(), req.reopening)),
        routes,
        link: reply.contact_page.clone(),
        signature,
    }
}

/// The link line: for the routes left out, or for every route.
fn link_line(page: &str, all: bool) -> String {
    if all {
        format!("To contact us, see {page}")
    } else {
        format!("For other ways to contact us, see {page}")
    }
}

/// Writes the reply for a request, shortened to fit the target if need be.
pub fn compose(replies: &Replies, req: &Request<'_>, target: &Target) -> Composed {
    let p = parts(replies, req);
    let n = p.routes.len();
    // Candidates in order of preference: (blocks, fit, routes kept).
    let mut candidates: Vec<(Vec<String>, Fit, usize, bool)> = Vec::new();
    let base = |keep: usize, personal: bool| -> Vec<String> {
        let mut blocks = p.opening.clone();
        if personal {
            blocks.extend(p.personal.clone());
        }
        blocks.extend(p.routes[..keep].iter().map(|(_, t)| t.clone()));
        blocks
    };
    let has_personal = p.personal.is_some();
    let mut full = base(n, true);
    full.extend(p.signature.clone());
    candidates.push((full, Fit::Full, n, has_personal));
    if p.signature.is_some() {
        candidates.push((base(n, true), Fit::WithoutSignature, n, has_personal));
    }
    if let Some(page) = &p.link {
        for keep in (1..n).rev() {
            let mut blocks = base(keep, true);
            blocks.push(link_line(page, false));
            candidates.push((blocks, Fit::Linked, keep, has_personal));
        }
    }
    // The routes are the help the person needs (their GP, 111, 999): when they and the advice
    // about personal details can't both fit, the advice goes first.
    if has_personal && n > 0 {
        candidates.push((base(n, false), Fit::Cut, n, false));
        if let Some(page) = &p.link {
            for keep in (1..n).rev() {
                let mut blocks = base(keep, false);
                blocks.push(link_line(page, false));
                candidates.push((blocks, Fit::Cut, keep, false));
            }
        }
    }
    for keep in (1..n).rev() {
        candidates.push((base(keep, true), Fit::Cut, keep, has_personal));
    }
    if let Some(page) = &p.link
        && n > 0
    {
        let mut blocks = base(0, true);
        blocks.push(link_line(page, true));
        candidates.push((blocks, Fit::Linked, 0, has_personal));
    }
    if n > 0 || has_personal {
        candidates.push((base(0, true), Fit::Cut, 0, has_personal));
    }
    if has_personal {
        candidates.push((base(0, false), Fit::Cut, 0, false));
    }
    if p.opening.len() > 1 {
        // A crisis reply keeps its text before the note that it is automatic.
        candidates.push((p.opening[..1].to_vec(), Fit::Cut, 0, false));
    }
    let measured = |blocks: &[String]| {
        let text = blocks.join("\n\n");
        let measures = measure_reply(
            target.platform,
            target.direct,
            &format!("{}{text}", target.prefix),
        );
        (text, measures)
    };
    let make = |text: String, measures: Vec<Measure>, fit: Fit, keep: usize, personal: bool| Composed {
        text,
        fit,
        routes: p.routes[..keep].iter().map(|(id, _)| id.clone()).collect(),
        left_out: p.routes[keep..].iter().map(|(id, _)| id.clone()).collect(),
        personal,
        measures,
    };
    for (blocks, fit, keep, personal) in &candidates {
        let (text, measures) = measured(blocks);
        if measures.iter().all(|m| !m.over()) {
            return make(text, measures, *fit, *keep, *personal);
        }
    }
    let (blocks, _, keep, personal) = candidates
        .last()
        .cloned()
        .unwrap_or_else(|| (p.opening.clone(), Fit::TooLong, 0, false));
    let (text, measures) = measured(&blocks);
    make(text, measures, Fit::TooLong, keep, personal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::Author;

    fn routes(ids: &[&str]) -> Vec<String> {
        ids.iter().map(|s| (*s).to_owned()).collect()
    }

    fn closed<'a>(routes: &'a [String], personal: bool) -> Request<'a> {
        Request {
            purpose: Purpose::Closed,
            routes,
            personal,
            reopening: Some("09:00 on Monday 7 December 2026"),
        }
    }

    fn outbox() -> Target {
        Target::worst_case(Platform::Outbox, false)
    }

    #[test]
    fn a_closed_reply_says_when_the_team_is_back_and_lists_the_routes() {
        let replies = Replies::defaults();
        let ids = routes(&["medical", "complaints"]);
        let c = compose(&replies, &closed(&ids, false), &outbox());
        assert_eq!(c.fit, Fit::Full);
        assert_eq!(
            c.text,
            "Thanks for your message. This is an automatic reply: our team is away until 09:00 on Monday 7 December 2026.\n\n\
             We can't give medical advice on social media. Contact your GP practice, or NHS 111 (call 111 or go to 111.nhs.uk). In an emergency, call 999.\n\n\
             To make a complaint, see example-icb.nhs.uk/complaints\n\n\
             Example ICB communications team"
        );
        assert_eq!(c.routes, ids);
        assert!(c.measures.is_empty(), "the outbox has no limits");
    }

    #[test]
    fn personal_details_get_advice_and_replies_always_say_they_are_automatic() {
        let mut replies = Replies::defaults();
        replies.reply.closed = "We're away until {next_open}.".into();
        let ids = routes(&["general"]);
        let c = compose(&replies, &closed(&ids, true), &outbox());
        assert!(
            c.text
                .starts_with("This is an automatic reply. We're away until 09:00 on Monday"),
            "{}",
            c.text
        );
        assert!(
            c.text.contains("Please don't share personal details"),
            "{}",
            c.text
        );
        assert!(c.personal);
        // The crisis reply, too.
        let crisis = compose(
            &replies,
            &Request {
                purpose: Purpose::Crisis,
                routes: &[],
                personal: true,
                reopening: None,
            },
            &outbox(),
        );
        assert!(
            crisis
                .text
                .starts_with("If you're in immediate danger, call 999.")
        );
        assert!(
            crisis
                .text
                .contains("\n\nThis is an automatic reply.\n\nExample ICB communications team")
        );
        assert!(!crisis.personal, "the crisis reply stays on the crisis");
        // Hours that never open.
        let never = compose(
            &replies,
            &Request {
                reopening: None,
                ..closed(&ids, false)
            },
            &outbox(),
        );
        assert!(
            never.text.contains("away until further notice."),
            "{}",
            never.text
        );
    }

    #[test]
    fn too_long_replies_drop_the_signature_then_link_to_the_contact_page() {
        let replies = Replies::defaults();
        let all = routes(&["medical", "complaints", "foi", "media"]);
        // Mastodon, with the longest mention in front: 500.
        let c = compose(
            &replies,
            &closed(&all, true),
            &Target::worst_case(Platform::Mastodon, false),
        );
        assert_eq!(c.fit, Fit::Linked, "{}", c.text);
        assert!(
            c.text
                .ends_with("For other ways to contact us, see https://example-icb.nhs.uk/contact-us")
        );
        assert!(!c.left_out.is_empty());
        assert!(c.measures[0].count <= 500);
        // X: 280, with 111.nhs.uk counted as a link (23).
        let medical = routes(&["medical"]);
        let c = compose(
            &replies,
            &closed(&medical, false),
            &Target::worst_case(Platform::X, false),
        );
        assert_eq!(c.fit, Fit::WithoutSignature, "{}", c.text);
        let c = compose(
            &replies,
            &closed(&all, false),
            &Target::worst_case(Platform::X, false),
        );
        assert_eq!(
            (c.fit, c.routes.as_slice()),
            (Fit::Cut, &["medical".to_owned()][..]),
            "{}",
            c.text
        );
        // A direct message on X takes 10,000 characters: everything fits.
        let c = compose(
            &replies,
            &closed(&all, true),
            &Target::worst_case(Platform::X, true),
        );
        assert_eq!(c.fit, Fit::Full);
    }

    #[test]
    fn the_medical_route_outranks_the_advice_about_personal_details() {
        let replies = Replies::defaults();
        let c = compose(
            &replies,
            &closed(&routes(&["medical"]), true),
            &Target::worst_case(Platform::X, false),
        );
        assert_eq!(c.routes, routes(&["medical"]), "{}", c.text);
        assert!(c.text.contains("NHS 111") && c.text.contains("999"), "{}", c.text);
        assert!(!c.personal, "{}", c.text);
        assert!(c.measures.iter().all(|m| !m.over()), "{}", c.text);
    }

    #[test]
    fn without_a_contact_page_routes_are_cut_and_a_hopeless_opening_is_too_long() {
        let mut replies = Replies::defaults();
        replies.reply.contact_page = None;
        let all = routes(&["medical", "complaints", "foi", "media"]);
        let c = compose(
            &replies,
            &closed(&all, true),
            &Target::worst_case(Platform::Mastodon, false),
        );
        assert_eq!(c.fit, Fit::Cut);
        replies.reply.closed = format!("{} {{next_open}}", "Away. ".repeat(60));
        let c = compose(
            &replies,
            &closed(&all, false),
            &Target::worst_case(Platform::X, false),
        );
        assert_eq!(c.fit, Fit::TooLong);
        assert!(!c.fits());
    }

    #[test]
    fn mastodon_counts_the_mention_the_adapter_adds() {
        let m = InboundMessage {
            id: "1".into(),
            kind: MessageKind::Direct,
            author: Author {
                id: "2".into(),
                handle: "@pat@other.example".into(),
                is_bot: false,
            },
            text: "hi".into(),
            sent_at: chrono::Utc::now(),
            conversation: None,
            visibility: Some("direct".into()),
            mentioned: Vec::new(),
        };
        let t = Target::for_message(Platform::Mastodon, &m);
        assert_eq!((t.prefix.as_str(), t.direct), ("@pat@other.example ", true));
        let ids = routes(&["general"]);
        let c = compose(&Replies::defaults(), &closed(&ids, false), &t);
        assert_eq!(
            c.measures[0].count,
            crate::limits::mastodon_length(&format!("@pat {}", c.text))
        );
        assert!(Target::for_message(Platform::X, &m).prefix.is_empty());
    }
}
