//! The `[checks]` table of herald.toml and each post's `[allow]` table: how a team tunes the
//! checks without weakening the ones that keep posts publishable.
//!
//! ```toml
//! [checks]
//! reading-age = "off"                   # a check's severity: "off", "warning" or "error"
//! long-sentence = "error"
//! reading_age = 11                      # the target reading age in years (NHS: 9 to 11)
//! official_contacts = ["0117 000 0000", "comms@example-icb.nhs.uk", "@example-icb.nhs.uk"]
//! ```
//!
//! A post makes a deliberate exception with a reason, which approvers see and approve:
//!
//! ```toml
//! [allow]
//! long-sentence = "quotes the Chief Medical Officer's statement word for word"
//! ```
//!
//! Only advisory checks can be turned down or allowed ([`adjustable`]); the ones that keep a post
//! publishable (too long for the platform, missing files, approval, schedule) can't.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};

use super::Context;
use crate::content::Post;
use crate::diag::{Code, Finding, Severity, did_you_mean};

/// The reading age posts aim for unless `[checks] reading_age` says otherwise.
pub const DEFAULT_READING_AGE: f64 = 11.0;

/// A check's severity as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// Not reported.
    Off,
    /// Reported; fails `check` only with `--deny-warnings`.
    Warning,
    /// Reported; fails `check`.
    Error,
}

/// The `[checks]` table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChecksConfig {
    /// Target reading age in years.
    pub reading_age: Option<f64>,
    /// Phone numbers and email addresses (or `@domain` for a whole domain) that are the
    /// organisation's own, so `personal-data` leaves them alone.
    pub official_contacts: Vec<String>,
    /// Severity per check.
    pub severity: BTreeMap<Code, Level>,
}

impl ChecksConfig {
    /// The target reading age.
    pub fn reading_age(&self) -> f64 {
        self.reading_age.unwrap_or(DEFAULT_READING_AGE)
    }
}

/// Whether a check is advisory: it may be turned off or down in `[checks]` and allowed in a
/// post's `[allow]`. The others keep a post publishable and can't be waived.
pub fn adjustable(code: Code) -> bool {
    matches!(
        code,
        Code::HashtagCamelcase
            | Code::AltMissing
            | Code::AltPrefix
            | Code::AltFilename
            | Code::AltTooShort
            | Code::AltRepeatsText
            | Code::CaptionsMissing
            | Code::FancyText
            | Code::EmojiOveruse
            | Code::Ampersand
            | Code::LongSentence
            | Code::ReadingAge
            | Code::LinkInvalid
            | Code::PersonalData
            | Code::InPast
    )
}

const SETTINGS: [&str; 2] = ["reading_age", "official_contacts"];

/// Every key `[checks]` takes, for "did you mean" hints.
static KEYS: LazyLock<&'static [&'static str]> = LazyLock::new(|| {
    let keys: Vec<&'static str> = SETTINGS
        .into_iter()
        .chain(Code::ALL.iter().filter(|c| adjustable(**c)).map(|c| c.as_str()))
        .collect();
    Box::leak(keys.into_boxed_slice())
});

enum Key {
    ReadingAge,
    OfficialContacts,
    Check(Code),
    /// A code that exists but can't be adjusted: reported by [`validate`], ignored here.
    Fixed,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a check's code or a setting")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                match v {
                    "reading_age" => Ok(Key::ReadingAge),
                    "official_contacts" => Ok(Key::OfficialContacts),
                    _ => match Code::from_name(v) {
                        Some(code) if adjustable(code) => Ok(Key::Check(code)),
                        Some(_) => Ok(Key::Fixed),
                        None => Err(E::unknown_field(v, &KEYS)),
                    },
                }
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl<'de> Deserialize<'de> for ChecksConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ChecksVisitor;
        impl<'de> Visitor<'de> for ChecksVisitor {
            type Value = ChecksConfig;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a table of checks and settings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ChecksConfig, A::Error> {
                let mut out = ChecksConfig::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::ReadingAge => out.reading_age = Some(map.next_value::<ReadingAge>()?.0),
                        Key::OfficialContacts => out.official_contacts = map.next_value()?,
                        Key::Check(code) => {
                            let level: Level = map.next_value()?;
                            out.severity.insert(code, level);
                        }
                        Key::Fixed => {
                            map.next_value::<de::IgnoredAny>()?;
                        }
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_map(ChecksVisitor)
    }
}

/// A reading age in years, checked where it is written.
struct ReadingAge(f64);

impl<'de> Deserialize<'de> for ReadingAge {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let age = f64::deserialize(d)?;
        if (5.0..=25.0).contains(&age) {
            Ok(ReadingAge(age))
        } else {
            Err(de::Error::custom(
                "a reading age is in years, between 5 and 25 (NHS content aims for 9 to 11)",
            ))
        }
    }
}

/// Findings about the `[checks]` table that serde can't give: checks that can't be waived.
pub fn validate(ctx: &Context<'_>) -> Vec<Finding> {
    let config = ctx.config;
    let mut findings = Vec::new();
    for path in config.spans.paths() {
        let Some(name) = path.strip_prefix("checks.") else {
            continue;
        };
        if let Some(code) = Code::from_name(name)
            && !adjustable(code)
        {
            let span = config.spans.key(path).unwrap_or(0..0);
            findings.push(
                Finding::at(
                    &config.source,
                    span,
                    Code::Parse,
                    format!("`{name}` can't be turned off or down"),
                )
                .help(fixed_reason(code)),
            );
        }
    }
    findings
}

fn fixed_reason(code: Code) -> &'static str {
    match code {
        Code::TooLong | Code::TooManyImages | Code::InstagramNeedsImage | Code::AltTooLong => {
            "the platform would refuse the post; change the post instead"
        }
        Code::MediaMissing => "a post can't be published without its files; fix the path instead",
        Code::NotApproved | Code::ApprovalStale => "only approved posts are published; run `herald approve`",
        _ => "herald can't publish a post with this problem correctly; fix the post instead",
    }
}

/// `allow` entries that aren't codes, can't be waived, or have no reason.
pub fn check_allow(post: &Post, _ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (name, reason) in &post.allow {
        let key = format!("allow.{name}");
        match Code::from_name(name) {
            None => {
                let finding = Finding::at(
                    &post.source,
                    post.key_span(&key),
                    Code::UnknownKey,
                    format!("`{name}` is not a check herald can allow"),
                );
                let codes = Code::ALL.iter().filter(|c| adjustable(**c)).map(|c| c.as_str());
                findings.push(match did_you_mean(name, codes) {
                    Some(best) => finding.help(format!("did you mean `{best}`?")),
                    None => {
                        finding.help("use a finding's code, e.g. `long-sentence`, as `herald check` shows it")
                    }
                });
            }
            Some(code) if !adjustable(code) => findings.push(
                Finding::at(
                    &post.source,
                    post.key_span(&key),
                    Code::Parse,
                    format!("`{name}` can't be allowed"),
                )
                .help(fixed_reason(code)),
            ),
            Some(_) if reason.trim().is_empty() => findings.push(
                post.finding_at(&key, Code::Parse, format!("allowing `{name}` needs a reason"))
                    .help(
                        "say why this post is a deliberate exception, for the approver and the next reader",
                    ),
            ),
            Some(_) => {}
        }
    }
    findings
}

/// Applies a post's `[allow]` table and the configured severities to the findings of the rules
/// about that post.
pub fn apply(post: &Post, ctx: &Context<'_>, findings: Vec<Finding>) -> impl Iterator<Item = Finding> {
    let severity = ctx.config.config.as_ref().map(|c| &c.checks.severity);
    findings.into_iter().filter_map(move |finding| {
        if !adjustable(finding.code) {
            return Some(finding);
        }
        if post
            .allow
            .get(finding.code.as_str())
            .is_some_and(|reason| !reason.trim().is_empty())
        {
            return None;
        }
        match severity.and_then(|s| s.get(&finding.code)) {
            Some(Level::Off) => None,
            Some(Level::Warning) => Some(finding.severity(Severity::Warning)),
            Some(Level::Error) => Some(finding.severity(Severity::Error)),
            None => Some(finding),
        }
    })
}

/// Applies the configured severities to findings that are not about a post (the reply
/// templates), which have no `[allow]` table.
pub fn apply_severities(ctx: &Context<'_>, findings: Vec<Finding>) -> impl Iterator<Item = Finding> {
    let severity = ctx.config.config.as_ref().map(|c| &c.checks.severity);
    findings.into_iter().filter_map(move |finding| {
        if !adjustable(finding.code) {
            return Some(finding);
        }
        match severity.and_then(|s| s.get(&finding.code)) {
            Some(Level::Off) => None,
            Some(Level::Warning) => Some(finding.severity(Severity::Warning)),
            Some(Level::Error) => Some(finding.severity(Severity::Error)),
            None => Some(finding),
        }
    })
}

/// The `[checks]` settings in force (the defaults without a readable herald.toml).
pub fn settings<'a>(ctx: &Context<'a>) -> &'a ChecksConfig {
    static DEFAULT: LazyLock<ChecksConfig> = LazyLock::new(ChecksConfig::default);
    ctx.config.config.as_ref().map_or(&DEFAULT, |c| &c.checks)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::super::testing::*;
    use super::*;
    use crate::config::LoadedConfig;

    #[test]
    fn reads_severities_and_settings() {
        let loaded = config(
            "[checks]\nreading-age = \"off\"\nlong-sentence = \"error\"\nreading_age = 10\nofficial_contacts = [\"0117 000 0000\"]\n",
        );
        let checks = &loaded.config.as_ref().unwrap().checks;
        assert_eq!(checks.severity.get(&Code::ReadingAge), Some(&Level::Off));
        assert_eq!(checks.severity.get(&Code::LongSentence), Some(&Level::Error));
        assert_eq!(checks.reading_age(), 10.0);
        assert_eq!(checks.official_contacts, ["0117 000 0000"]);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_findings_at_their_place() {
        let text = "[checks]\nreading-ages = \"off\"\nampersand = \"quiet\"\nreading_age = 40\n";
        let (_, findings) = LoadedConfig::from_text(Path::new("herald.toml"), text.to_owned());
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.line, f.code.as_str(), f.help.clone()))
            .collect();
        let mut got = got;
        got.sort();
        assert_eq!(got.len(), 3, "{findings:#?}");
        assert_eq!(
            got[0],
            (2, "unknown-key", Some("did you mean `reading-age`?".to_owned()))
        );
        assert_eq!((got[1].0, got[1].1), (3, "parse"));
        assert_eq!((got[2].0, got[2].1), (4, "parse"));
    }

    #[test]
    fn publishability_checks_cant_be_waived() {
        let loaded = config("[checks]\ntoo-long = \"off\"\nampersand = \"off\"\n");
        let calendar = crate::content::Calendar::default();
        let ctx = Context {
            config: &loaded,
            calendar: &calendar,
            now: chrono::Utc::now(),
        };
        let findings = validate(&ctx);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].message, "`too-long` can't be turned off or down");
        assert_eq!(findings[0].line, 2);
    }

    #[test]
    fn allow_needs_a_known_adjustable_code_and_a_reason() {
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[allow]\nlong-sentence = \"a quotation\"\nlong-sentense = \"typo\"\ntoo-long = \"please\"\nampersand = \" \"",
            "Hi",
        );
        let findings = run_rule(check_allow, &config(""), Path::new("content"), &p);
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.line, f.code.as_str(), f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (8, "parse", "allowing `ampersand` needs a reason"),
                (
                    6,
                    "unknown-key",
                    "`long-sentense` is not a check herald can allow"
                ),
                (7, "parse", "`too-long` can't be allowed"),
            ]
        );
        assert_eq!(findings[1].help.as_deref(), Some("did you mean `long-sentence`?"));
    }

    #[test]
    fn allowed_and_switched_off_findings_are_dropped_and_levels_applied() {
        let loaded = config("[checks]\nampersand = \"off\"\nemoji-overuse = \"error\"\n");
        let calendar = crate::content::Calendar::default();
        let ctx = Context {
            config: &loaded,
            calendar: &calendar,
            now: chrono::Utc::now(),
        };
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[allow]\nlong-sentence = \"a quotation\"",
            "Hi",
        );
        let findings = [
            Code::Ampersand,
            Code::LongSentence,
            Code::EmojiOveruse,
            Code::TooLong,
        ]
        .map(|code| p.finding(code, "x"))
        .to_vec();
        let kept: Vec<_> = apply(&p, &ctx, findings).map(|f| (f.code, f.severity)).collect();
        assert_eq!(
            kept,
            [
                (Code::EmojiOveruse, Severity::Error),
                (Code::TooLong, Severity::Error)
            ]
        );
    }
}
