//! The reply templates in content/replies.toml, checked like posts:
//!
//! - the text rules (`fancy-text`, `emoji-overuse`, `ampersand`, `long-sentence`, `reading-age`)
//!   and `link-invalid` on each template, at its place in the file;
//! - `too-long`: on each platform with an inbox account, every reply that can occur — each
//!   combination of routes a message can match (or `general`), with and without the advice about
//!   personal details, the crisis reply, and the acknowledgement when it is switched on — with
//!   the longest reopening time and (on Mastodon) the longest mention in front. A reply that has
//!   to be shortened by linking to `contact_page` is fine; one that has to leave routes out
//!   without a link is a warning; one that can't fit at all is an error.

use std::collections::BTreeMap;
use std::ops::Range;

use super::Context;
use super::settings::{apply_severities, settings};
use super::text::problems;
use crate::config::Platform;
use crate::content::Replies;
use crate::diag::{Code, Finding, Severity, SourceFile};
use crate::inbox::compose::{Composed, Fit, LONGEST_REOPENING, Request, Target, compose};
use crate::inbox::decide::Purpose;
use crate::limits::url_spans;
use crate::tomldoc::SpanIndex;

/// Up to this many keyword routes, every combination is checked; beyond, each route alone and
/// all of them together (the longest).
const MAX_ROUTES_FOR_ALL_COMBINATIONS: usize = 10;

/// Checks the team's replies.toml (nothing to point at for herald's built-in defaults).
pub fn check(ctx: &Context<'_>) -> Vec<Finding> {
    let replies = &ctx.calendar.replies;
    let Some((source, spans)) = &replies.origin else {
        return Vec::new();
    };
    let mut findings = text_findings(ctx, replies, source, spans);
    findings.extend(length_findings(ctx, replies, source, spans));
    apply_severities(ctx, findings).collect()
}

/// Each template, by its key in the file.
fn templates(replies: &Replies) -> Vec<(String, &str)> {
    let mut out = vec![("reply.closed".to_owned(), replies.reply.closed.as_str())];
    for (key, text) in [
        ("reply.open", &replies.reply.open),
        ("reply.personal", &replies.reply.personal),
        ("reply.signature", &replies.reply.signature),
    ] {
        if let Some(text) = text {
            out.push((key.to_owned(), text.as_str()));
        }
    }
    for (i, route) in replies.routes.iter().enumerate() {
        out.push((format!("routes[{i}].text"), route.text.as_str()));
    }
    if let Some(crisis) = &replies.crisis {
        out.push(("crisis.text".to_owned(), crisis.text.as_str()));
    }
    out
}

/// The file span of part of a string value: exact when the string is written without escapes,
/// otherwise the whole value.
fn span_in(
    source: &SourceFile,
    spans: &SpanIndex,
    key: &str,
    value: &str,
    part: Range<usize>,
) -> Range<usize> {
    let span = spans.value(key).unwrap_or(0..0);
    let raw = source.text.get(span.clone()).unwrap_or("");
    let inner = raw.get(1..raw.len().saturating_sub(1));
    if inner == Some(value) && part.end <= value.len() {
        span.start + 1 + part.start..span.start + 1 + part.end
    } else {
        span
    }
}

fn text_findings(
    ctx: &Context<'_>,
    replies: &Replies,
    source: &SourceFile,
    spans: &SpanIndex,
) -> Vec<Finding> {
    let mut findings = Vec::new();
    let reading_age = settings(ctx).reading_age();
    for (key, text) in templates(replies) {
        if key == "reply.signature" {
            continue;
        }
        for p in problems(text, reading_age, "reply text") {
            findings.push(
                Finding::at(
                    source,
                    span_in(source, spans, &key, text, p.range),
                    p.code,
                    p.message,
                )
                .help(p.help),
            );
        }
        for url in url_spans(text) {
            if let Some((problem, help)) = super::links::problem(&text[url.clone()]) {
                findings.push(
                    Finding::at(
                        source,
                        span_in(source, spans, &key, text, url),
                        Code::LinkInvalid,
                        problem,
                    )
                    .help(help),
                );
            }
        }
    }
    findings
}

/// The combinations of keyword routes a message can match (each in file order), and `general`
/// alone.
fn combinations(replies: &Replies) -> Vec<Vec<String>> {
    let keyed: Vec<String> = replies
        .routes
        .iter()
        .filter(|r| !r.keywords.is_empty())
        .map(|r| r.id.clone())
        .collect();
    let mut out = Vec::new();
    if keyed.len() <= MAX_ROUTES_FOR_ALL_COMBINATIONS {
        for mask in 1u32..(1 << keyed.len()) {
            out.push(
                keyed
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| mask & (1 << i) != 0)
                    .map(|(_, id)| id.clone())
                    .collect(),
            );
        }
    } else {
        out.extend(keyed.iter().map(|id| vec![id.clone()]));
        out.push(keyed.clone());
    }
    if replies.route("general").is_some() {
        out.push(vec!["general".to_owned()]);
    }
    if out.is_empty() {
        out.push(Vec::new());
    }
    out
}

/// The problem a reply has, if any, keyed by where to report it.
struct Problem {
    key: String,
    severity: Severity,
    platform: Platform,
    what: String,
    composed: Composed,
    count: usize,
}

fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn length_findings(
    ctx: &Context<'_>,
    replies: &Replies,
    source: &SourceFile,
    spans: &SpanIndex,
) -> Vec<Finding> {
    let mut platforms: Vec<Platform> = ctx.config.inbox_accounts().iter().map(|a| a.platform).collect();
    platforms.sort();
    platforms.dedup();
    let acknowledge = ctx
        .config
        .config
        .as_ref()
        .is_some_and(|c| c.inbox.acknowledge_when_open);
    let route_key = |id: &str| {
        replies
            .routes
            .iter()
            .position(|r| r.id == id)
            .map(|i| format!("routes[{i}].text"))
    };
    let mut problems: BTreeMap<(String, Platform, Severity), Problem> = BTreeMap::new();
    let mut note = |key: String, severity: Severity, platform: Platform, what: String, composed: Composed| {
        problems
            .entry((key.clone(), platform, severity))
            .and_modify(|p| p.count += 1)
            .or_insert(Problem {
                key,
                severity,
                platform,
                what,
                composed,
                count: 1,
            });
    };
    for &platform in &platforms {
        if crate::limits::limits(platform).text.is_empty() {
            continue;
        }
        let target = Target::worst_case(platform, false);
        if replies.crisis.is_some() {
            let c = compose(
                replies,
                &Request {
                    purpose: Purpose::Crisis,
                    routes: &[],
                    personal: false,
                    reopening: Some(LONGEST_REOPENING),
                },
                &target,
            );
            match c.fit {
                Fit::TooLong => note(
                    "crisis.text".into(),
                    Severity::Error,
                    platform,
                    "the crisis reply".into(),
                    c,
                ),
                Fit::Cut => note(
                    "crisis.text".into(),
                    Severity::Warning,
                    platform,
                    "the crisis reply".into(),
                    c,
                ),
                _ => {}
            }
        }
        let mut purposes = vec![(Purpose::Closed, "reply.closed")];
        if acknowledge {
            purposes.push((Purpose::Acknowledge, "reply.open"));
        }
        for (purpose, frame_key) in purposes {
            for routes in combinations(replies) {
                for personal in [false, true] {
                    let c = compose(
                        replies,
                        &Request {
                            purpose,
                            routes: &routes,
                            personal,
                            reopening: Some(LONGEST_REOPENING),
                        },
                        &target,
                    );
                    let what = format!(
                        "the {} for a message that matches {}{}",
                        if purpose == Purpose::Acknowledge {
                            "acknowledgement"
                        } else {
                            "automatic reply"
                        },
                        and_list(&routes),
                        if personal {
                            " and shares personal details"
                        } else {
                            ""
                        }
                    );
                    // A single route that can't be listed: its own text is the one to shorten.
                    let key = match (&routes[..], c.left_out.len()) {
                        ([only], 1) => route_key(only).unwrap_or_else(|| frame_key.to_owned()),
                        _ => frame_key.to_owned(),
                    };
                    let key = if frame_key == "reply.open" && spans.value("reply.open").is_none() {
                        "reply.closed".to_owned()
                    } else {
                        key
                    };
                    let only_link = c.fit == Fit::Linked && c.routes.is_empty() && !routes.is_empty();
                    match c.fit {
                        Fit::TooLong => note(frame_key.to_owned(), Severity::Error, platform, what, c),
                        Fit::Cut => note(key, Severity::Warning, platform, what, c),
                        _ if only_link => note(key, Severity::Warning, platform, what, c),
                        _ => {}
                    }
                }
            }
        }
    }
    let has_page = replies.reply.contact_page.is_some();
    problems
        .into_values()
        .map(|p| {
            let limit = p
                .composed
                .measures
                .iter()
                .find(|m| m.over())
                .or(p.composed.measures.first())
                .copied();
            let limit_words = limit.map_or(String::new(), |m| format!("{} {}", m.limit, m.unit));
            let others = if p.count > 1 {
                format!(" ({} replies like it)", p.count)
            } else {
                String::new()
            };
            let (message, help) = match p.severity {
                Severity::Error => (
                    format!(
                        "on {}, {} is too long even at its shortest: {}{others}",
                        p.platform,
                        p.what,
                        limit.map_or(String::new(), |m| format!("{}/{} {}", m.count, m.limit, m.unit))
                    ),
                    format!(
                        "shorten this text: {} takes {limit_words} ({})",
                        p.platform,
                        limit.map_or("", |m| m.how.explain())
                    ),
                ),
                _ if p.composed.fit == Fit::Linked => (
                    format!(
                        "on {}, {} doesn't fit in {limit_words} with any route's text: it only links to `contact_page`{others}",
                        p.platform, p.what
                    ),
                    "shorten this text so that the reply can list it".to_owned(),
                ),
                _ => {
                    let left: Vec<String> = p.composed.left_out.clone();
                    let dropped = if left.is_empty() {
                        "leaves out part of the reply".to_owned()
                    } else {
                        format!("leaves out {} with no link to make up for it", and_list(&left))
                    };
                    (
                        format!(
                            "on {}, {} doesn't fit in {limit_words} and {dropped}{others}",
                            p.platform, p.what
                        ),
                        if has_page {
                            "shorten the opening or the routes' texts: even with the link to `contact_page` in place of the later routes, they don't fit together".to_owned()
                        } else {
                            "add `contact_page = \"https://…\"` under [reply] (a page with every way to contact the team): a long reply links to it instead of leaving routes out".to_owned()
                        },
                    )
                }
            };
            let span = spans.value(&p.key).unwrap_or(0..0);
            Finding::at(source, span, Code::TooLong, message)
                .help(help)
                .severity(p.severity)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::content::Calendar;

    fn run(config_text: &str, replies_text: &str) -> Vec<Finding> {
        let cfg = config(config_text);
        let source = SourceFile::new("content/replies.toml", replies_text);
        let (replies, findings) = Replies::load(&source);
        assert!(findings.is_empty(), "{findings:?}");
        let calendar = Calendar {
            replies: replies.unwrap(),
            ..Calendar::default()
        };
        let ctx = Context {
            config: &cfg,
            calendar: &calendar,
            now: chrono::Utc::now(),
        };
        check(&ctx)
    }

    const DEFAULTS: &str = include_str!("../../content/replies.toml");

    #[test]
    fn the_defaults_fit_every_platform() {
        let all = accounts(&[
            ("m", "mastodon"),
            ("b", "bluesky"),
            ("x", "x"),
            ("f", "facebook"),
            ("i", "instagram"),
            ("o", "outbox"),
        ]);
        let findings = run(&all, DEFAULTS);
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
        // Only X (280) and Bluesky (300) are too short to list everything: with the medical
        // route and the advice about personal details, the advice is left out (the route is the
        // help the person needs).
        assert!(
            findings
                .iter()
                .all(|f| f.message.starts_with("on x,") || f.message.starts_with("on bluesky,")),
            "{findings:#?}"
        );
        assert_eq!(findings.len(), 2, "{findings:#?}");
        assert!(
            findings
                .iter()
                .all(|f| f.message.contains("matches medical and shares personal details")),
            "{findings:#?}"
        );
    }

    #[test]
    fn routes_left_out_without_a_link_are_reported_at_the_template() {
        let text = DEFAULTS.replace("contact_page = \"https://example-icb.nhs.uk/contact-us\"\n", "");
        let findings = run(&accounts(&[("x", "x")]), &text);
        assert!(!findings.is_empty());
        let f = &findings[0];
        assert_eq!((f.code, f.severity), (Code::TooLong, Severity::Warning));
        assert!(
            f.message
                .starts_with("on x, the automatic reply for a message that matches"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("doesn't fit in 280 characters"),
            "{}",
            f.message
        );
        assert!(f.help.as_deref().unwrap().contains("contact_page"));
        let line = text.lines().position(|l| l.starts_with("closed =")).unwrap() + 1;
        assert_eq!(f.line, line);
    }

    #[test]
    fn an_opening_too_long_for_the_platform_is_an_error_at_its_place() {
        let long = format!(
            "[reply]\nclosed = \"{} Back {{next_open}}.\"\n[[routes]]\nid = \"general\"\ntext = \"Email us.\"\n",
            "We are away. ".repeat(30)
        );
        let findings = run(&accounts(&[("b", "bluesky")]), &long);
        let errors: Vec<_> = findings
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{findings:#?}");
        assert!(
            errors[0].message.starts_with("on bluesky, the automatic reply"),
            "{}",
            errors[0].message
        );
        assert!(
            errors[0].message.contains("/300 graphemes"),
            "{}",
            errors[0].message
        );
        assert_eq!((errors[0].line, errors[0].column), (2, 10));
        // The outbox has no limit.
        assert!(
            run(&accounts(&[("o", "outbox")]), &long)
                .iter()
                .all(|f| f.code != Code::TooLong)
        );
    }

    #[test]
    fn text_rules_point_into_the_template() {
        let text = "[reply]\nclosed = \"Away until {next_open} & back soon. See http://example.org\"\n";
        let findings = run("", text);
        let got: Vec<(usize, usize, &str)> = findings
            .iter()
            .map(|f| (f.line, f.column, f.code.as_str()))
            .collect();
        assert_eq!(got, [(2, 34, "ampersand"), (2, 51, "link-invalid")]);
        // Severities from [checks] apply.
        let findings = run("[checks]\nampersand = \"off\"\n", text);
        assert_eq!(findings.len(), 1);
    }
}
