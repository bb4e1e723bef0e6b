//! The checks `herald check` runs on every publication: one file per family of rules.
//!
//! A rule looks at one [`Post`] in its [`Context`] and returns findings; it never stops the run.
//! Rules are listed in [`RULES`].

mod approval;
mod channels;
pub mod hashtags;
mod media;
pub(crate) mod scan;

use chrono::{DateTime, Utc};

use crate::config::LoadedConfig;
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
pub const RULES: &[Rule] = &[channels::check, media::check, approval::check, hashtags::check];

/// Runs every rule on every post of the calendar.
pub fn run(ctx: &Context<'_>, report: &mut Report) {
    for post in &ctx.calendar.posts {
        for rule in RULES {
            report.extend(rule(post, ctx));
        }
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Helpers for rule tests: a config and calendar from strings.

    use std::path::Path;

    use super::*;
    use crate::diag::SourceFile;

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
        let ctx = Context {
            config,
            calendar: &calendar,
            now: Utc::now(),
        };
        rule(post, &ctx)
    }
}
