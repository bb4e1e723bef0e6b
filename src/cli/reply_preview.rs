//! `herald reply-preview [--at INSTANT] [--platform P] TEXT`: the automatic reply a message with
//! TEXT would get at that instant, exactly as it would be sent, and why: the decision and its
//! rule, the routes matched and by which words, and the length against each platform's limit.
//!
//! The message is taken as a public mention from someone herald has never answered (`--direct`
//! for a direct message); the platforms are `--platform`, or those of the accounts with an inbox.

use anyhow::Context as _;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::check::Format;
use super::{Cli, ExitStatus, print, use_color};
use crate::channels::{Author, InboundMessage, MessageKind};
use crate::config::Platform;
use crate::hours::{OfficeHours, rfc3339_in};
use crate::inbox::classify::{Classification, classify};
use crate::inbox::compose::{Composed, Request, Target, compose};
use crate::inbox::decide::{Action, Decision, Facts, Policy, Team, decide};
use crate::project::Project;
use crate::store::SenderHistory;

/// `herald reply-preview` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The message's text.
    #[arg(value_name = "TEXT")]
    pub text: String,
    /// As if it arrived at this instant [default: now]: RFC 3339 or a wall time in the
    /// configured zone.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// The platform to fit the reply to [default: those of the accounts with an inbox].
    #[arg(long, value_name = "PLATFORM", value_parser = parse_platform)]
    pub platform: Option<Platform>,
    /// Use this account's office hours (and platform) rather than the defaults.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// The message is a direct message rather than a public mention.
    #[arg(long)]
    pub direct: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn parse_platform(text: &str) -> Result<Platform, String> {
    Platform::from_name(text)
        .filter(|p| p.has_inbox())
        .ok_or_else(|| {
            let names: Vec<&str> = Platform::ALL
                .iter()
                .filter(|p| p.has_inbox())
                .map(|p| p.as_str())
                .collect();
            format!("herald answers messages on: {}", names.join(", "))
        })
}

/// The reply on one platform.
#[derive(Debug, Serialize)]
pub struct PlatformReply {
    /// The platform.
    pub platform: Platform,
    /// What the platform's adapter adds in front of the text (Mastodon's `@mention`), assumed at
    /// its longest.
    pub prefix: String,
    /// The reply.
    #[serde(flatten)]
    pub reply: Composed,
    /// Whether the platform takes it.
    pub fits: bool,
}

/// Everything `reply-preview` shows.
#[derive(Debug, Serialize)]
pub struct ReplyPreview {
    /// The instant.
    pub at: String,
    /// Whether the team is open then.
    pub open: bool,
    /// When the team is next back (RFC 3339), when closed.
    pub next_open: Option<String>,
    /// The same in words, as the reply says it.
    pub next_open_text: Option<String>,
    /// The decision.
    pub decision: Decision,
    /// What the message is.
    pub classification: Classification,
    /// The reply on each platform (none when no reply is sent).
    pub replies: Vec<PlatformReply>,
}

/// Builds the preview.
pub fn preview(
    project: &Project,
    hours: &OfficeHours,
    platforms: &[Platform],
    text: &str,
    direct: bool,
    at: DateTime<Utc>,
) -> ReplyPreview {
    let replies = &project.calendar.replies;
    let policy = project
        .config
        .config
        .as_ref()
        .map(|c| Policy::from(&c.inbox))
        .unwrap_or_default();
    let message = InboundMessage {
        id: "preview".to_owned(),
        kind: if direct {
            MessageKind::Direct
        } else {
            MessageKind::Mention
        },
        author: Author {
            id: "someone".to_owned(),
            handle: "@someone".to_owned(),
            is_bot: false,
        },
        text: text.to_owned(),
        sent_at: at,
        conversation: None,
        visibility: Some(if direct { "direct" } else { "public" }.to_owned()),
        mentioned: Vec::new(),
    };
    let class = classify(text, replies);
    let history = SenderHistory::default();
    let team = Team::default();
    let decision = decide(&Facts {
        message: &message,
        class: &class,
        platform: platforms.first().copied().unwrap_or(Platform::Outbox),
        now: at,
        hours,
        first_read_at: DateTime::<Utc>::MIN_UTC,
        history: &history,
        team: &team,
        policy: &policy,
    });
    let reopening = hours.reopening_in_words(at);
    let open = hours.is_open(at);
    let replies_out = match decision.action {
        Action::Reply { purpose } => {
            let routes = class.route_ids();
            platforms
                .iter()
                .map(|&platform| {
                    let target = Target::worst_case(platform, direct);
                    let reply = compose(
                        replies,
                        &Request {
                            purpose,
                            routes: &routes,
                            personal: decision.personal_advice,
                            reopening: reopening.as_deref(),
                        },
                        &target,
                    );
                    PlatformReply {
                        platform,
                        prefix: target.prefix,
                        fits: reply.fits(),
                        reply,
                    }
                })
                .collect()
        }
        Action::Skip | Action::Flag => Vec::new(),
    };
    let next_open = if open { None } else { hours.next_open(at) };
    ReplyPreview {
        at: rfc3339_in(hours.zone(), at),
        open,
        next_open: next_open.map(|t| rfc3339_in(hours.zone(), t)),
        next_open_text: next_open.and(reopening),
        decision,
        classification: class,
        replies: replies_out,
    }
}

fn quoted(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The text form.
pub fn render_text(p: &ReplyPreview, hours: &OfficeHours, at: DateTime<Utc>) -> String {
    let mut out = String::new();
    let when = crate::hours::words::date_time_in_words(hours.zone(), at);
    match (&p.next_open_text, p.open) {
        (_, true) => out.push_str(&format!("At {when} the team is open.\n")),
        (Some(back), false) => out.push_str(&format!("At {when} the team is away until {back}.\n")),
        (None, false) => out.push_str(&format!("At {when} the team is away and never reopens.\n")),
    }
    let d = &p.decision;
    let what = match d.action {
        Action::Reply { purpose } => format!("reply ({})", purpose.as_str()),
        Action::Skip => "no reply".to_owned(),
        Action::Flag => "no reply; flagged for the team".to_owned(),
    };
    out.push_str(&format!(
        "Decision: {what}, by the rule `{}`: {}\n",
        d.rule.as_str(),
        d.reason
    ));
    let c = &p.classification;
    if !c.crisis.is_empty() {
        out.push_str(&format!("Crisis words: {}\n", quoted(&c.crisis)));
    }
    if let Some(abuse) = &c.abuse {
        out.push_str(&format!(
            "House rules: {} (\"{}\")\n",
            abuse.category.as_str(),
            abuse.word
        ));
    }
    if let Some(why) = &c.automatic {
        out.push_str(&format!("Automatic reply: {why}\n"));
    }
    if !c.personal.is_empty() {
        let kinds: Vec<&str> = c.personal.iter().map(|k| k.describe()).collect();
        out.push_str(&format!(
            "Personal details: {}{}\n",
            kinds.join(", "),
            if d.personal_advice {
                " (the reply advises against sharing them in public, and never repeats them)"
            } else {
                ""
            }
        ));
    }
    let routes: Vec<String> = c
        .routes
        .iter()
        .map(|r| {
            if r.matched.is_empty() {
                format!("{} (no other route fits)", r.id)
            } else {
                format!("{} (matched {})", r.id, quoted(&r.matched))
            }
        })
        .collect();
    if !routes.is_empty() && c.crisis.is_empty() {
        out.push_str(&format!("Routes: {}\n", routes.join("; ")));
    }
    if d.alert {
        out.push_str("Alert: the team is alerted at once through the webhook alert accounts.\n");
    }
    for r in &p.replies {
        out.push('\n');
        let length = if r.reply.measures.is_empty() {
            "no length limit".to_owned()
        } else {
            r.reply
                .measures
                .iter()
                .map(|m| format!("{}/{} {}", m.count, m.limit, m.unit))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let prefix = if r.prefix.is_empty() {
            String::new()
        } else {
            " with the @mention mastodon puts first, for a 30-character username".to_owned()
        };
        let fit = match r.reply.fit {
            crate::inbox::compose::Fit::Full => String::new(),
            crate::inbox::compose::Fit::WithoutSignature => "; shortened: without the signature".to_owned(),
            crate::inbox::compose::Fit::Linked => format!(
                "; shortened: links to the contact page for {}",
                if r.reply.left_out.is_empty() {
                    "the routes".to_owned()
                } else {
                    r.reply.left_out.join(", ")
                }
            ),
            crate::inbox::compose::Fit::Cut => format!(
                "; shortened: leaves out {}",
                if r.reply.left_out.is_empty() {
                    "part of the reply".to_owned()
                } else {
                    r.reply.left_out.join(", ")
                }
            ),
            crate::inbox::compose::Fit::TooLong => "; TOO LONG: the platform would refuse it".to_owned(),
        };
        out.push_str(&format!("{} ({length}{prefix}{fit})\n", r.platform));
        for line in r.reply.text.lines() {
            if line.is_empty() {
                out.push('\n');
            } else {
                out.push_str(&format!("    {line}\n"));
            }
        }
    }
    out
}

/// Shows the reply.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let project = Project::load(&cli.config, cli.content.as_deref())?;
    let replies_file = project.content_dir().join("replies.toml");
    if replies_file.exists() && !project.calendar.replies_from_file {
        let mut report = project.report;
        eprint!("{}", report.render_text(use_color()));
        anyhow::bail!(
            "{} doesn't load, so herald would not answer anyone: fix it first",
            crate::diag::display_path(&replies_file)
        );
    }
    let at = super::hours::instant_arg(project.config.zone(), args.at.as_deref())?;
    let account = match &args.account {
        Some(name) => Some(
            project
                .config
                .account(name)
                .with_context(|| format!("no account called `{name}` in herald.toml"))?,
        ),
        None => None,
    };
    let hours = project.config.office_hours(account.map(|a| a.name.as_str()));
    let mut platforms: Vec<Platform> = match (args.platform, account) {
        (Some(p), _) => vec![p],
        (None, Some(a)) => vec![a.platform],
        (None, None) => project
            .config
            .inbox_accounts()
            .iter()
            .map(|a| a.platform)
            .collect(),
    };
    platforms.sort();
    platforms.dedup();
    if platforms.is_empty() {
        platforms.push(Platform::Outbox);
    }
    let preview = preview(&project, &hours, &platforms, &args.text, args.direct, at);
    match args.format {
        Format::Text => print(&render_text(&preview, &hours, at)),
        Format::Json => print(&format!("{}\n", serde_json::to_string_pretty(&preview)?)),
    }
    Ok(if preview.replies.iter().all(|r| r.fits) {
        ExitStatus::Success
    } else {
        ExitStatus::Problems
    })
}
