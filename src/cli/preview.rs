//! `herald preview FILE [--format json]`: each channel's text exactly as it will be published
//! (campaign hashtags, tagged links) and its length as that platform counts it, e.g. `x  212/280`.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::check::Format;
use super::{Cli, ExitStatus, print, use_color};
use crate::config::Platform;
use crate::content::Post;
use crate::diag::{Report, display_path};
use crate::limits::{Measure, measure};
use crate::project::Project;
use crate::render::render;

/// `herald preview` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A post file (content/posts/…/*.md), or a campaign file for its recurring posts.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// One post's rendering on each of its channels.
#[derive(Debug, Serialize)]
pub struct PostPreview {
    /// The post's id.
    pub id: String,
    /// When it is due, as written.
    pub when: String,
    /// One entry per channel, in the post's order.
    pub channels: Vec<ChannelPreview>,
}

/// A post as one channel will publish it.
#[derive(Debug, Serialize)]
pub struct ChannelPreview {
    /// The account name.
    pub channel: String,
    /// Its platform, or `null` when herald.toml has no such account.
    pub platform: Option<Platform>,
    /// The text exactly as sent.
    pub text: String,
    /// The link as sent (tracking parameters included), if any.
    pub link: Option<String>,
    /// The text's length against each of the platform's limits (none for outbox and webhook).
    pub length: Vec<Measure>,
    /// Whether the text is within every limit.
    pub fits: bool,
}

/// Renders a post for each of its channels.
pub fn preview(project: &Project, post: &Post) -> PostPreview {
    let campaign = post
        .spec
        .campaign
        .as_deref()
        .and_then(|id| project.calendar.campaign(id));
    let channels = post
        .spec
        .channels
        .iter()
        .map(|channel| {
            let platform = project.config.account(channel).map(|a| a.platform);
            // An unknown account is shown as the outbox would publish it: unchanged text.
            let rendered = render(&post.spec, campaign, platform.unwrap_or(Platform::Outbox));
            let length = platform.map(|p| measure(p, &rendered.text)).unwrap_or_default();
            ChannelPreview {
                channel: channel.clone(),
                platform,
                fits: length.iter().all(|m| !m.over()),
                text: rendered.text,
                link: rendered.link,
                length,
            }
        })
        .collect();
    PostPreview {
        id: post.id.clone(),
        when: post.spec.when.to_string(),
        channels,
    }
}

/// The text form: a heading per channel with its count, then the text, indented.
pub fn render_text(previews: &[PostPreview]) -> String {
    let mut out = String::new();
    for (i, post) in previews.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("{} at {}\n", post.id, post.when));
        if post.channels.is_empty() {
            out.push_str("\n(no channels)\n");
        }
        for channel in &post.channels {
            out.push('\n');
            out.push_str(&channel_heading(channel));
            out.push('\n');
            for line in channel.text.lines() {
                if line.is_empty() {
                    out.push('\n');
                } else {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
    }
    out
}

fn channel_heading(channel: &ChannelPreview) -> String {
    let name = match channel.platform {
        Some(p) if p.as_str() != channel.channel => format!("{} ({p})", channel.channel),
        _ => channel.channel.clone(),
    };
    let counts = match channel.platform {
        None => "no account of this name in herald.toml".to_owned(),
        Some(_) if channel.length.is_empty() => {
            format!("{} characters, no limit", channel.text.chars().count())
        }
        Some(_) => channel
            .length
            .iter()
            .map(|m| {
                if m.over() {
                    format!("{m} (over by {})", m.count - m.limit)
                } else {
                    m.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
    };
    format!("{name}  {counts}")
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// Loads the project and shows each post in FILE.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    if !args.file.is_file() {
        anyhow::bail!(
            "{} is not a file: give a post (content/posts/…/*.md) or campaign file",
            display_path(&args.file)
        );
    }
    let project = Project::load(&cli.config, cli.content.as_deref())?;
    let posts: Vec<&Post> = project
        .calendar
        .posts
        .iter()
        .filter(|p| same_file(p.path(), &args.file))
        .collect();
    if posts.is_empty() {
        // The file didn't load as a post: show why, like `check` would.
        let mut problems = Report::new();
        let mut report_all = project.report;
        let shown = display_path(&args.file);
        for finding in report_all.findings() {
            if same_file(Path::new(&finding.file), &args.file) || finding.file == shown {
                problems.push(finding.clone());
            }
        }
        for source in &project.calendar.sources {
            if same_file(&source.path, &args.file) {
                problems.add_source(source);
            }
        }
        if problems.summary().errors == 0 {
            anyhow::bail!(
                "{shown} has no posts to preview: give a post file under {}/posts/ or a campaign file with [[recurring]] posts",
                display_path(&project.calendar.dir)
            );
        }
        print(&problems.render_text(use_color()));
        return Ok(ExitStatus::Problems);
    }
    let previews: Vec<PostPreview> = posts.iter().map(|p| preview(&project, p)).collect();
    match args.format {
        Format::Text => print(&render_text(&previews)),
        Format::Json => {
            #[derive(Serialize)]
            struct Json<'a> {
                file: String,
                posts: &'a [PostPreview],
            }
            let json = Json {
                file: display_path(&args.file),
                posts: &previews,
            };
            print(&format!("{}\n", serde_json::to_string(&json)?));
        }
    }
    Ok(ExitStatus::Success)
}
