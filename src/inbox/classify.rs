//! What a message from the public is: in crisis, abusive, an automatic reply, sharing personal
//! details, and which contact routes fit it. Pure functions of the text and the team's
//! replies.toml; [`super::decide`] turns this into a decision.

use std::sync::LazyLock;

use serde::Serialize;

use super::words::{Phrase, Word, fold, words};
use crate::content::Replies;
use crate::personal;

/// The house-rules word list (see `data/README.md`).
const HOUSE_RULES: &str = include_str!("../../data/house-rules-en.txt");

/// Wording that marks a message as an automatic reply (loop prevention: herald never answers an
/// automatic reply, another organisation's or its own).
pub const AUTOMATIC_WORDING: &[&str] = &[
    "automatic reply",
    "automatic response",
    "automated reply",
    "automated response",
    "automated message",
    "auto reply",
    "autoreply",
    "auto response",
    "out of office",
    "this mailbox is not monitored",
    "this inbox is not monitored",
    "this account is not monitored",
    "do not reply to this message",
];

/// Which house rule a message breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Abuse {
    /// Swearing.
    Swearing,
    /// A threat.
    Threat,
    /// Hate speech.
    Hate,
}

impl Abuse {
    /// The category's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Abuse::Swearing => "swearing",
            Abuse::Threat => "a threat",
            Abuse::Hate => "hate speech",
        }
    }
}

struct Rule {
    category: Abuse,
    phrase: Phrase,
}

static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
    HOUSE_RULES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .filter_map(|l| {
            let (category, phrase) = l.split_once('\t')?;
            let category = match category {
                "swearing" => Abuse::Swearing,
                "threat" => Abuse::Threat,
                "hate" => Abuse::Hate,
                _ => return None,
            };
            Some(Rule {
                category,
                phrase: Phrase::new(phrase.trim())?,
            })
        })
        .collect()
});

static AUTOMATIC: LazyLock<Vec<Phrase>> =
    LazyLock::new(|| AUTOMATIC_WORDING.iter().filter_map(|p| Phrase::new(p)).collect());

/// A house rule a message breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AbuseMatch {
    /// Which rule.
    pub category: Abuse,
    /// The word or phrase found, as listed.
    pub word: String,
}

/// A contact route that fits a message, with the keywords that chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteMatch {
    /// The route's id.
    pub id: String,
    /// The keywords found, as written in replies.toml (none for `general`).
    pub matched: Vec<String>,
}

/// What a message is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Classification {
    /// Crisis keywords found, as written in replies.toml.
    pub crisis: Vec<String>,
    /// The first house rule broken, with the word or phrase (as listed).
    pub abuse: Option<AbuseMatch>,
    /// Why it looks like an automatic reply.
    pub automatic: Option<String>,
    /// The kinds of personal details in it (phone, email, NHS number, address), each once.
    pub personal: Vec<personal::Kind>,
    /// The routes that fit, in the order of replies.toml; `general` when no other does.
    pub routes: Vec<RouteMatch>,
}

impl Classification {
    /// The routes' ids.
    pub fn route_ids(&self) -> Vec<String> {
        self.routes.iter().map(|r| r.id.clone()).collect()
    }
}

fn found(phrases: &[String], text: &[Word]) -> Vec<String> {
    phrases
        .iter()
        .filter(|k| Phrase::new(k).is_some_and(|p| p.find(text).is_some()))
        .cloned()
        .collect()
}

/// Classifies a message's text against the team's replies.toml.
pub fn classify(text: &str, replies: &Replies) -> Classification {
    let folded = fold(text);
    let text_words = words(&folded);
    let crisis = replies
        .crisis
        .as_ref()
        .map(|c| found(&c.keywords, &text_words))
        .unwrap_or_default();
    let abuse = RULES
        .iter()
        .find(|r| r.phrase.find(&text_words).is_some())
        .map(|r| AbuseMatch {
            category: r.category,
            word: r.phrase.written.clone(),
        });
    let mut personal = Vec::new();
    for f in personal::find_all(&folded) {
        if !personal.contains(&f.kind) {
            personal.push(f.kind);
        }
    }
    let mut routes: Vec<RouteMatch> = replies
        .routes
        .iter()
        .filter(|r| !r.keywords.is_empty())
        .filter_map(|r| {
            let matched = found(&r.keywords, &text_words);
            (!matched.is_empty()).then(|| RouteMatch {
                id: r.id.clone(),
                matched,
            })
        })
        .collect();
    if routes.is_empty() && replies.route("general").is_some() {
        routes.push(RouteMatch {
            id: "general".to_owned(),
            matched: Vec::new(),
        });
    }
    Classification {
        crisis,
        abuse,
        automatic: automatic(&folded, &text_words, replies),
        personal,
        routes,
    }
}

/// Why a message looks like an automatic reply: automatic-reply wording, or it ends with the
/// team's own signature (an echo of herald's reply).
fn automatic(folded: &str, text_words: &[Word], replies: &Replies) -> Option<String> {
    if let Some(p) = AUTOMATIC.iter().find(|p| p.find(text_words).is_some()) {
        return Some(format!("it says \"{}\"", p.written));
    }
    let signature = replies.reply.signature.as_deref()?;
    let signature_words = words(&fold(signature));
    if signature_words.is_empty() || text_words.len() < signature_words.len() {
        return None;
    }
    let tail = &text_words[text_words.len() - signature_words.len()..];
    let same = tail.iter().zip(&signature_words).all(|(a, b)| a.lower == b.lower);
    // Only words may follow the signature's last word: punctuation, spaces, emoji.
    let after = tail
        .last()
        .map(|w| &folded[w.range.end..])
        .is_none_or(|rest| !rest.chars().any(char::is_alphanumeric));
    (same && after).then(|| "it ends with the team's own signature".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn defaults() -> Replies {
        Replies::defaults()
    }

    fn ids(c: &Classification) -> Vec<&str> {
        c.routes.iter().map(|r| r.id.as_str()).collect()
    }

    #[test]
    fn routes_by_keywords_with_general_when_none_fit() {
        let c = classify("Can I get a GP appointment for my back pain?", &defaults());
        assert_eq!(ids(&c), ["medical"]);
        assert_eq!(c.routes[0].matched, ["appointment", "pain", "GP"]);
        let c = classify(
            "I'm a journalist with a complaint about my prescription",
            &defaults(),
        );
        assert_eq!(ids(&c), ["medical", "complaints", "media"]);
        let c = classify("Love the new website!", &defaults());
        assert_eq!(ids(&c), ["general"]);
        assert_eq!(
            c,
            Classification {
                routes: c.routes.clone(),
                ..Classification::default()
            }
        );
        // False positives the whole-word rule avoids.
        assert_eq!(
            ids(&classify("My blood pressure app and GPS", &defaults())),
            ["general"]
        );
        assert_eq!(ids(&classify("Painting in Spain", &defaults())), ["general"]);
    }

    #[test]
    fn crisis_keywords_match_whole_words_and_variants() {
        let c = classify("I feel suicidal and want to end my life", &defaults());
        assert_eq!(c.crisis, ["suicidal", "end my life"]);
        assert_eq!(
            classify("thoughts of self harm", &defaults()).crisis,
            ["self-harm"]
        );
        assert_eq!(
            classify("SELF-HARMING again", &defaults()).crisis,
            ["self-harming"]
        );
        // True negatives: a suicide prevention campaign is not "suicidal"; "overdue" is not "overdose".
        assert_eq!(
            classify("My prescription is overdue", &defaults()).crisis,
            Vec::<String>::new()
        );
        assert!(
            classify("Kill my self-doubt, said the coach", &defaults())
                .crisis
                .is_empty()
        );
    }

    #[test]
    fn house_rules_catch_swearing_threats_and_hate_without_the_scunthorpe_problem() {
        let abuse = |t: &str| classify(t, &defaults()).abuse.map(|a| (a.category, a.word));
        assert_eq!(
            abuse("You're all f*cking useless, FUCKING useless"),
            Some((Abuse::Swearing, "fucking".into()))
        );
        assert_eq!(
            abuse("I know where you live"),
            Some((Abuse::Threat, "know where you live".into()))
        );
        assert_eq!(abuse("𝐟𝐮𝐜𝐤 this"), Some((Abuse::Swearing, "fuck".into())));
        assert_eq!(abuse("go home paki"), Some((Abuse::Hate, "paki".into())));
        for fine in [
            "I live in Scunthorpe and need an assessment",
            "My therapist in Penistone is great",
            "A finger prick test for my diabetes, and I need to piss a lot",
            "This pain is going to kill me, please help",
            "Flights to Pakistan, and a chink of light",
            "Cocktail party for the hospital charity at Sussex",
        ] {
            assert_eq!(abuse(fine), None, "{fine}");
        }
    }

    #[test]
    fn recognises_automatic_replies_including_our_own() {
        let auto = |t: &str| classify(t, &defaults()).automatic;
        assert!(auto("Out of office: I'm away until Monday").is_some());
        assert!(auto("This is an AUTOMATIC reply").is_some());
        assert_eq!(
            auto("Thanks for your message...\n\nExample ICB communications team").as_deref(),
            Some("it ends with the team's own signature")
        );
        assert_eq!(
            auto("Example ICB communications team, why is my GP closed?"),
            None
        );
        assert_eq!(auto("I'm out of the office-free zone"), None);
        assert_eq!(auto("Can someone reply to me automatically?"), None);
    }

    #[test]
    fn personal_details_by_kind() {
        let c = classify(
            "Call me on 07700 900123 or email jo@example.com, I live at 12 Acacia Avenue BS1 4DJ, NHS number 943 476 5919",
            &defaults(),
        );
        assert_eq!(
            c.personal,
            [
                personal::Kind::Phone,
                personal::Kind::Email,
                personal::Kind::Address,
                personal::Kind::NhsNumber
            ]
        );
        assert!(classify("Call 111 or 999", &defaults()).personal.is_empty());
    }
}
