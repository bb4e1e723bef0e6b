//! Personal details in text: UK phone numbers, email addresses, NHS numbers (which pass the
//! Modulus 11 check) and home addresses (UK postcodes, house numbers with a street).
//!
//! One detector, shared: the `personal-data` check ([`crate::checks`]) looks for the first three
//! in posts before they are published, and the inbox ([`crate::inbox`]) looks for all four in
//! messages from the public, to advise people not to share them publicly and to keep them out
//! of its own records ([`mask`]).

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use crate::checks::scan::{Markup, inside};

/// What kind of personal data was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A UK phone number.
    Phone,
    /// An email address.
    Email,
    /// A 10-digit number that passes the NHS number check.
    NhsNumber,
    /// A home address: a UK postcode, or a house number and a street (only [`find_all`] looks
    /// for these: posts give the addresses of clinics and events).
    Address,
}

impl Kind {
    /// The kind in words, with its article: "a phone number".
    pub fn describe(self) -> &'static str {
        match self {
            Kind::Phone => "a phone number",
            Kind::Email => "an email address",
            Kind::NhsNumber => "an NHS number",
            Kind::Address => "an address",
        }
    }

    /// A short, stable name for records and JSON: `phone`, `email`, `nhs-number`, `address`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Phone => "phone",
            Kind::Email => "email",
            Kind::NhsNumber => "nhs-number",
            Kind::Address => "address",
        }
    }
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

/// A UK postcode (outward code, a space or none, inward code), in either case.
static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:[a-z]{1,2}[0-9][a-z0-9]?) ?[0-9][abd-hjlnp-uw-z]{2}\b").expect("a constant regex")
});

/// A house number and a street: "12 Acacia Avenue", "4a High St".
static STREET: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b[0-9]{1,4}[a-zA-Z]?,? (?:[A-Z][a-z']+ ){1,3}(?:Road|Rd|Street|St|Avenue|Ave|Lane|Ln|Close|Drive|Dr|Way|Crescent|Gardens|Grove|Place|Terrace|Court|Ct|Hill|Square|Walk|Mews|Row|View|Rise)\b",
    )
    .expect("a constant regex")
});

/// Finds home addresses: UK postcodes and house numbers with a street name.
pub fn find_addresses(text: &str) -> Vec<Found> {
    let markup = Markup::of(text);
    let mut found: Vec<Found> = Vec::new();
    for m in STREET.find_iter(text).chain(POSTCODE.find_iter(text)) {
        if inside(&markup.urls, m.start())
            || found
                .iter()
                .any(|f| f.range.start < m.end() && m.start() < f.range.end)
        {
            continue;
        }
        // A postcode needs a digit in its outward code right after the letters (checked by the
        // pattern) and must not be a time like "10 3pm" (the pattern needs a letter first).
        found.push(Found {
            kind: Kind::Address,
            range: m.range(),
            normal: m.as_str().to_lowercase(),
        });
    }
    found.sort_by_key(|f| f.range.start);
    found
}

/// Every personal detail: phone numbers, emails, NHS numbers and addresses, in text order.
pub fn find_all(text: &str) -> Vec<Found> {
    let mut found = find(text);
    for address in find_addresses(text) {
        if !found
            .iter()
            .any(|f| f.range.start < address.range.end && address.range.start < f.range.end)
        {
            found.push(address);
        }
    }
    found.sort_by_key(|f| f.range.start);
    found
}

/// The text with each personal detail replaced by what it is (`[phone number]`), for records
/// and alerts that must not keep or repeat it.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for f in find_all(text) {
        if f.range.start < at {
            continue;
        }
        out.push_str(&text[at..f.range.start]);
        out.push('[');
        out.push_str(f.kind.describe().split_once(' ').map_or("", |(_, rest)| rest));
        out.push(']');
        at = f.range.end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
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
    fn finds_addresses_but_not_times_or_words() {
        let kinds = |text: &str| -> Vec<(Kind, String)> {
            find_all(text)
                .into_iter()
                .map(|f| (f.kind, text[f.range].to_owned()))
                .collect()
        };
        assert_eq!(
            kinds("I live at 12 Acacia Avenue, Bristol BS1 4DJ"),
            [
                (Kind::Address, "12 Acacia Avenue".to_owned()),
                (Kind::Address, "BS1 4DJ".to_owned())
            ]
        );
        assert_eq!(
            kinds("postcode sw1a1aa please"),
            [(Kind::Address, "sw1a1aa".to_owned())]
        );
        assert!(kinds("Come at 3pm, ward 12 3pm, or on the A38 at 10am.").is_empty());
        assert!(kinds("The 2 Week wait; 24 hours a day; 111 online").is_empty());
        // Posts keep their venue addresses: `find` (the posts' check) doesn't look for them.
        assert!(find("Clinic at 1 High Street, BS1 2AB").is_empty());
    }

    #[test]
    fn masks_every_detail_and_keeps_the_rest() {
        assert_eq!(
            mask(
                "Call me on 07700 900123 or jo@example.com, NHS no 943 476 5919, 12 Acacia Avenue BS1 4DJ. Thanks"
            ),
            "Call me on [phone number] or [email address], NHS no [NHS number], [address] [address]. Thanks"
        );
        assert_eq!(mask("Nothing to hide"), "Nothing to hide");
    }
}
