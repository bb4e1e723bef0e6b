//! `personal-data`: a phone number, an email address or an NHS number in a post, unless it is one
//! of the organisation's own contacts: `[checks] official_contacts` in herald.toml, or a contact
//! route in content/replies.toml.

use std::collections::BTreeSet;
use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use super::Context;
use super::scan::{Markup, inside};
use super::settings::settings;
use crate::content::{Post, Replies};
use crate::diag::{Code, Finding};

/// What kind of personal data was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A UK phone number.
    Phone,
    /// An email address.
    Email,
    /// A 10-digit number that passes the NHS number check.
    NhsNumber,
}

/// One piece of possible personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// What it is.
    pub kind: Kind,
    /// Where it is in the text.
    pub range: Range<usize>,
    /// Its normal form: digits only (phones as `0…`), or a lower-case address.
    pub normal: String,
}

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}").expect("a constant regex")
});

/// Runs of digits with the separators people write numbers with: spaces, hyphens, dots and
/// brackets, optionally after `+`.
static NUMBER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\(?\d[\d \t().-]*\d").expect("a constant regex"));

/// Finds phone numbers, email addresses and NHS numbers in text (links left out).
pub fn find(text: &str) -> Vec<Found> {
    let markup = Markup::of(text);
    let mut found = Vec::new();
    for m in EMAIL.find_iter(text) {
        // `@user@server` is a Mastodon mention, not an email address.
        if text[..m.start()].ends_with('@') || inside(&markup.urls, m.start()) {
            continue;
        }
        found.push(Found {
            kind: Kind::Email,
            range: m.range(),
            normal: m.as_str().to_lowercase(),
        });
    }
    for m in NUMBER.find_iter(text) {
        if inside(&markup.urls, m.start()) || found.iter().any(|f| f.range.contains(&m.start())) {
            continue;
        }
        // A number glued to letters (a reference like AB1234567890) or a longer number is not one.
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        if before.is_some_and(|c| c.is_alphanumeric()) || after.is_some_and(|c| c.is_alphanumeric()) {
            continue;
        }
        let raw = m.as_str().trim_end_matches(['.', '-', ' ', '(']);
        let range = m.start()..m.start() + raw.len();
        let digits: String = raw.chars().filter(char::is_ascii_digit).collect();
        if digits.len() == 10 && !digits.starts_with('0') && nhs_number_valid(&digits) && nhs_grouping(raw) {
            found.push(Found {
                kind: Kind::NhsNumber,
                range,
                normal: digits,
            });
        } else if let Some(normal) = uk_phone(raw, &digits) {
            found.push(Found {
                kind: Kind::Phone,
                range,
                normal,
            });
        }
    }
    found.sort_by_key(|f| f.range.start);
    found
}

/// Whether 10 digits pass the NHS number check (Modulus 11): weights 10 down to 2 on the
/// first nine digits, `11 - (sum mod 11)` (11 becomes 0; 10 is never valid) is the tenth.
pub fn nhs_number_valid(digits: &str) -> bool {
    let d: Vec<u32> = digits.chars().filter_map(|c| c.to_digit(10)).collect();
    if d.len() != 10 || digits.len() != 10 {
        return false;
    }
    let sum: u32 = d[..9]
        .iter()
        .zip((2..=10).rev())
        .map(|(digit, weight)| digit * weight)
        .sum();
    let check = match 11 - sum % 11 {
        11 => 0,
        10 => return false,
        n => n,
    };
    check == d[9]
}

/// NHS numbers are written as ten digits, or 3-3-4 with spaces or hyphens.
fn nhs_grouping(raw: &str) -> bool {
    let groups: Vec<usize> = raw
        .split([' ', '-'])
        .filter(|g| !g.is_empty())
        .map(str::len)
        .collect();
    groups == [10] || groups == [3, 3, 4]
}

/// The number as a UK phone number (`0` and 9 or 10 more digits; `+44` or `0044` for the `0`),
/// in its normal form; `None` if it isn't one.
fn uk_phone(raw: &str, digits: &str) -> Option<String> {
    let international = raw.starts_with('+') || digits.starts_with("00");
    let national = if international {
        let rest = digits
            .strip_prefix("0044")
            .or_else(|| digits.strip_prefix("44"))?;
        // +44 (0)117 …: the (0) is dropped when dialled from abroad.
        let rest = if raw.contains("(0)") {
            rest.strip_prefix('0').unwrap_or(rest)
        } else {
            rest
        };
        format!("0{rest}")
    } else {
        digits.to_owned()
    };
    let len_ok = matches!(national.len(), 10 | 11);
    let prefix_ok = national.starts_with('0')
        && !national.starts_with("00")
        && !national.starts_with("04")
        && !national.starts_with("06");
    (len_ok && prefix_ok).then_some(national)
}

/// The organisation's own contacts: from config, and from the reply routes.
fn official(ctx: &Context<'_>, replies: &Replies) -> BTreeSet<String> {
    let mut official = BTreeSet::new();
    for contact in &settings(ctx).official_contacts {
        let contact = contact.trim();
        if contact.starts_with('@') {
            official.insert(contact.to_lowercase());
            continue;
        }
        let found = find(contact);
        if found.is_empty() {
            official.insert(contact.to_lowercase());
        }
        official.extend(found.into_iter().map(|f| f.normal));
    }
    let texts = replies
        .routes
        .iter()
        .map(|r| r.text.as_str())
        .chain(replies.crisis.iter().map(|c| c.text.as_str()))
        .chain(std::iter::once(replies.reply.closed.as_str()))
        .chain(replies.reply.signature.as_deref());
    for text in texts {
        official.extend(find(text).into_iter().map(|f| f.normal));
    }
    official
}

fn is_official(found: &Found, official: &BTreeSet<String>) -> bool {
    if official.contains(&found.normal) {
        return true;
    }
    found.kind == Kind::Email
        && found
            .normal
            .rsplit_once('@')
            .is_some_and(|(_, domain)| official.contains(&format!("@{domain}")))
}

/// Checks the post's text.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let found = find(&post.spec.text);
    if found.is_empty() {
        return Vec::new();
    }
    let official = official(ctx, &ctx.calendar.replies);
    found
        .into_iter()
        .filter(|f| !is_official(f, &official))
        .map(|f| {
            let (what, help) = match f.kind {
                Kind::NhsNumber => (
                    "an NHS number",
                    "never publish a patient's NHS number; remove it".to_owned(),
                ),
                Kind::Phone => ("a phone number", official_help(&post.spec.text[f.range.clone()])),
                Kind::Email => (
                    "an email address",
                    official_help(&post.spec.text[f.range.clone()]),
                ),
            };
            Finding::at(
                &post.source,
                post.text_span(f.range.clone()),
                Code::PersonalData,
                format!("this looks like {what}, and it isn't one of the organisation's official contacts"),
            )
            .help(help)
        })
        .collect()
}

fn official_help(contact: &str) -> String {
    format!(
        "remove it if it is someone's own; if it is the organisation's, add it to herald.toml: [checks] official_contacts = [\"{contact}\"]"
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn kinds(text: &str) -> Vec<(Kind, &str)> {
        find(text).into_iter().map(|f| (f.kind, &text[f.range])).collect()
    }

    #[test]
    fn finds_uk_phone_numbers_in_the_usual_formats() {
        assert_eq!(kinds("Call 07700 900123 today"), [(Kind::Phone, "07700 900123")]);
        assert_eq!(kinds("Ring 0117 496 0000."), [(Kind::Phone, "0117 496 0000")]);
        assert_eq!(kinds("Ring (0117) 496-0000"), [(Kind::Phone, "(0117) 496-0000")]);
        assert_eq!(
            kinds("or +44 (0)117 496 0000"),
            [(Kind::Phone, "+44 (0)117 496 0000")]
        );
        assert_eq!(kinds("or +44 7700 900123"), [(Kind::Phone, "+44 7700 900123")]);
        assert_eq!(kinds("020 7946 0000"), [(Kind::Phone, "020 7946 0000")]);
        assert_eq!(kinds("0800 123 4567"), [(Kind::Phone, "0800 123 4567")]);
    }

    #[test]
    fn short_numbers_dates_times_and_references_are_not_phone_numbers() {
        assert!(kinds("Call 111 or 999. Samaritans: 116 123. Text SHOUT to 85258.").is_empty());
        assert!(kinds("On 01/12/2026 from 09:00-17:00, 2026-12-01.").is_empty());
        assert!(kinds("Ref AB01174960000 and 123456789012345").is_empty());
        assert!(kinds("See https://example.org/07700900123").is_empty());
        assert!(kinds("1,234,567 people had 2.5 million jabs").is_empty());
    }

    #[test]
    fn nhs_numbers_pass_modulus_11() {
        assert!(nhs_number_valid("9434765919"));
        assert!(!nhs_number_valid("9434765918"));
        // A check digit of 10 is never valid.
        assert!(!nhs_number_valid("0000000060"));
        assert_eq!(
            kinds("NHS number 943 476 5919"),
            [(Kind::NhsNumber, "943 476 5919")]
        );
        assert_eq!(kinds("NHS number 9434765919"), [(Kind::NhsNumber, "9434765919")]);
        assert!(kinds("Order 9434765918 shipped").is_empty());
        assert!(
            kinds("94 34 76 59 19").is_empty(),
            "not grouped like an NHS number"
        );
    }

    #[test]
    fn emails_but_not_mentions() {
        assert_eq!(
            kinds("Email jo.bloggs@example.com"),
            [(Kind::Email, "jo.bloggs@example.com")]
        );
        assert!(kinds("Follow @nhs@mastodon.social").is_empty());
    }

    #[test]
    fn official_contacts_from_config_and_replies_are_fine() {
        let cfg = config(
            "[checks]\nofficial_contacts = [\"0117 000 0000\", \"press@example-icb.nhs.uk\", \"@example-icb.nhs.uk\"]\n",
        );
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []",
            "Call 01170000000, email press@example-icb.nhs.uk or flu@example-icb.nhs.uk, foi@example-icb.nhs.uk. Not jo@gmail.com or 07700 900123.",
        );
        let dir = std::path::Path::new("content");
        let findings = run_rule(check, &cfg, dir, &p);
        let texts: Vec<&str> = findings
            .iter()
            .map(|f| &p.source.text[f.span.clone().unwrap()])
            .collect();
        assert_eq!(texts, ["jo@gmail.com", "07700 900123"]);
        // Without the config, the reply routes' contacts are still official (foi@, 0117 000 0000).
        let findings = run_rule(check, &config(""), dir, &p);
        let texts: Vec<&str> = findings
            .iter()
            .map(|f| &p.source.text[f.span.clone().unwrap()])
            .collect();
        assert_eq!(
            texts,
            [
                "press@example-icb.nhs.uk",
                "flu@example-icb.nhs.uk",
                "jo@gmail.com",
                "07700 900123"
            ]
        );
    }
}
