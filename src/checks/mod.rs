//! The checks `herald check` runs on every publication: one file per family of rules.
//!
//! A rule looks at one [`Post`] in its [`Context`] and returns findings; it never stops the run.
//! Rules are listed in [`RULES`]; the reply templates in content/replies.toml are checked once
//! per run (`replies`).

mod alt;
mod approval;
pub mod captions;
mod channels;
pub mod hashtags;
mod length;
pub mod links;
pub mod media;
mod personal;
mod platform;
mod recurring;
mod replies;
pub(crate) mod scan;
mod schedule;
mod settings;
pub mod text;

use chrono::{DateTime, Utc};

pub use settings::{ChecksConfig, DEFAULT_READING_AGE, Level, adjustable};

use crate::config::{LoadedConfig, Platform};
use crate::content::{Calendar, Post};
use crate::diag::{Finding, Report};

/// What a rule may look at besides the post.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// herald.toml.
    pub config: &'a LoadedConfig,
    /// The whole calendar.
    pub calendar: &'a Calendar,
    /// The instant the check runs at.
    pub now: DateTime<Utc>,
}

/// A rule: findings about one post.
pub type Rule = fn(&Post, &Context<'_>) -> Vec<Finding>;

/// Every rule, in the order they run.
pub const RULES: &[Rule] = &[
    channels::check,
    schedule::check,
    recurring::check,
    media::check,
    approval::check,
    length::check,
    hashtags::check,
    alt::check,
    captions::check,
    platform::check,
    text::check,
    personal::check,
    links::check,
    settings::check_allow,
];

/// The post's channels that name accounts in herald.toml, with their platforms (unknown channels
/// are `unknown-channel`'s to report).
pub fn channel_platforms(post: &Post, ctx: &Context<'_>) -> Vec<(String, Platform)> {
    post.spec
        .channels
        .iter()
        .filter_map(|name| ctx.config.account(name).map(|a| (name.clone(), a.platform)))
        .collect()
}

/// Runs every rule on one post, with the configured severities and the post's allowed
/// exceptions applied: what `herald check` reports about it.
pub fn check_post(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let findings: Vec<Finding> = RULES.iter().flat_map(|rule| rule(post, ctx)).collect();
    cap(post, settings::apply(post, ctx, findings).collect())
}

/// The most findings of one code shown for one post; the rest are counted in one more finding.
pub const MAX_FINDINGS_PER_CODE: usize = 10;

/// Keeps the first [`MAX_FINDINGS_PER_CODE`] findings of each code and says how many more
/// there were, so a post with thousands of hashtags or links gives a readable report.
fn cap(post: &Post, findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen: std::collections::BTreeMap<crate::diag::Code, (usize, Option<Finding>)> =
        std::collections::BTreeMap::new();
    let mut kept = Vec::with_capacity(findings.len().min(64));
    for finding in findings {
        let entry = seen.entry(finding.code).or_insert((0, None));
        entry.0 += 1;
        if entry.0 <= MAX_FINDINGS_PER_CODE {
            kept.push(finding);
        } else if entry.1.is_none() {
            entry.1 = Some(finding);
        }
    }
    for (code, (count, first_left_out)) in seen {
        let Some(first) = first_left_out else { continue };
        let more = count - MAX_FINDINGS_PER_CODE;
        let mut summary = post.finding(
            code,
            format!(
                "{more} more `{}` finding{} in this post (showing the first {MAX_FINDINGS_PER_CODE})",
                code.as_str(),
                if more == 1 { "" } else { "s" }
            ),
        );
        summary.severity = first.severity;
        kept.push(summary.help(format!(
            "the next one is at line {}, column {}: {}",
            first.line, first.column, first.message
        )));
    }
    kept
}

/// Runs every rule on every post of the calendar.
pub fn run(ctx: &Context<'_>, report: &mut Report) {
    report.extend(settings::validate(ctx));
    report.extend(replies::check(ctx));
    // Posts are independent: check them on every core, in chunks, keeping the calendar's order.
    let posts = &ctx.calendar.posts;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .clamp(1, 8);
    let chunk = posts.len().div_ceil(threads).max(64);
    let check_posts =
        |posts: &[Post]| -> Vec<Finding> { posts.iter().flat_map(|post| check_post(post, ctx)).collect() };
    if posts.len() <= chunk {
        report.extend(check_posts(posts));
        return;
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = posts
            .chunks(chunk)
            .map(|part| scope.spawn(move || check_posts(part)))
            .collect();
        for handle in handles {
            match handle.join() {
                Ok(findings) => report.extend(findings),
                // A rule that panics is a bug: let it show as it would without threads.
                Err(payload) => std::panic::resume_unwind(payload),
            }
        }
    });
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests: a config and calendar from strings.

    use std::path::Path;

    use super::*;
    use crate::diag::SourceFile;

    /// herald.toml accounts with everything each platform requires, for rule tests that only
    /// care about names and platforms.
    pub fn accounts(list: &[(&str, &str)]) -> String {
        let mut out = String::new();
        for (name, platform) in list {
            out.push_str(&format!(
                "[[accounts]]\nname = \"{name}\"\nplatform = \"{platform}\"\n"
            ));
            let extra = match *platform {
                "outbox" => format!("path = \"outbox-{name}\"\n"),
                "mastodon" => "base_url = \"https://mastodon.example\"\ntoken_env = \"T\"\n".to_owned(),
                "bluesky" => "handle = \"example.bsky.social\"\ntoken_env = \"T\"\n".to_owned(),
                "facebook" => "page_id = \"1\"\ntoken_env = \"T\"\n".to_owned(),
                "instagram" => {
                    "ig_user_id = \"1\"\nmedia_url = \"https://media.example/\"\ntoken_env = \"T\"\n"
                        .to_owned()
                }
                "linkedin" => "author_urn = \"urn:li:organization:1\"\ntoken_env = \"T\"\n".to_owned(),
                _ => "token_env = \"T\"\n".to_owned(),
            };
            out.push_str(&extra);
        }
        out
    }

    /// A config from text.
    pub fn config(text: &str) -> LoadedConfig {
        let (loaded, findings) = LoadedConfig::from_text(Path::new("herald.toml"), text.to_owned());
        assert!(findings.is_empty(), "{findings:?}");
        loaded
    }

    /// A post from its front matter and text.
    pub fn post(front: &str, text: &str) -> Post {
        let file = format!("+++\n{front}\n+++\n{text}\n");
        let (post, findings) = Post::load_file("p".into(), SourceFile::new("content/posts/p.md", file));
        assert!(findings.is_empty(), "{findings:?}");
        post.expect("post loads")
    }

    /// Runs one rule on a post with a calendar rooted at `dir`.
    pub fn run_rule(rule: Rule, config: &LoadedConfig, dir: &Path, post: &Post) -> Vec<Finding> {
        let calendar = Calendar {
            dir: dir.to_owned(),
            ..Calendar::default()
        };
        run_rule_in(rule, config, &calendar, post)
    }

    /// Runs one rule on a post in a calendar.
    pub fn run_rule_in(rule: Rule, config: &LoadedConfig, calendar: &Calendar, post: &Post) -> Vec<Finding> {
        let ctx = Context {
            config,
            calendar,
            now: Utc::now(),
        };
        rule(post, &ctx)
    }
}
