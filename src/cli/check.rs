//! `herald check`.

use anyhow::Context as _;

use super::{Cli, ExitStatus, print, use_color};
use std::collections::BTreeSet;

use crate::checks::Context;
use crate::checks::links::{self, OnlineOptions};
use crate::diag::Code;
use crate::project::Project;
use crate::store::journal::State;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people: like a compiler's errors.
    Text,
    /// For scripts: `{"findings":[…],"summary":{…}}`.
    Json,
}

/// `herald check` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Exit 1 when there are warnings, not only errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Check as if it were this instant [default: now] (which posts are in the past, for one):
    /// RFC 3339 or a wall time in the configured zone.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// Also check that every link answers (HEAD, then GET; needs the network).
    #[arg(long)]
    pub online: bool,
}

/// `in-past` is for a post that was never published: when the journal (if there is a database;
/// none is created) shows a post as sent, its file's `in-past` finding is dropped.
fn forget_past_posts_that_went_out(project: &mut Project) {
    let past_files: BTreeSet<String> = project
        .report
        .findings()
        .iter()
        .filter(|f| f.code == Code::InPast)
        .map(|f| f.file.clone())
        .collect();
    if past_files.is_empty() {
        return;
    }
    let Some(sent) = sent_posts(&project.config) else {
        return;
    };
    let went_out: BTreeSet<String> = project
        .calendar
        .posts
        .iter()
        .filter(|p| sent.contains(&p.id))
        .map(|p| p.source.display_path())
        .filter(|file| past_files.contains(file))
        .collect();
    project
        .report
        .retain_map(|f| (!(f.code == Code::InPast && went_out.contains(&f.file))).then_some(f));
}

/// The ids of posts the journal shows as sent on some channel, when there is a journal to read.
fn sent_posts(config: &crate::config::LoadedConfig) -> Option<BTreeSet<String>> {
    let url = super::run::database_url(config.config.as_ref()?).ok()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .ok()?;
    runtime.block_on(async {
        let store = crate::store::open_existing(&url, &config.dir).await.ok()??;
        let rows = store.journal(&[State::Sent], i64::MAX).await.ok()?;
        Some(rows.into_iter().map(|r| r.post_id).collect())
    })
}

/// Loads everything, runs every check, prints every finding.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let mut project = Project::load(&cli.config, cli.content.as_deref())?;
    let now = super::hours::instant_arg(project.config.zone(), args.at.as_deref())?;
    project.check(now);
    forget_past_posts_that_went_out(&mut project);
    if args.online {
        let ctx = Context {
            config: &project.config,
            calendar: &project.calendar,
            now,
        };
        let runtime = tokio::runtime::Runtime::new().context("can't start the link checker")?;
        let findings = runtime
            .block_on(links::check_online(&ctx, &OnlineOptions::default()))
            .context("can't check links")?;
        project.report.extend(findings);
    }
    let report = &mut project.report;
    let summary = report.summary();
    match args.format {
        Format::Text => print(&report.render_text(use_color())),
        Format::Json => print(&format!("{}\n", report.to_json())),
    }
    let failed = summary.errors > 0 || (args.deny_warnings && summary.warnings > 0);
    Ok(if failed {
        ExitStatus::Problems
    } else {
        ExitStatus::Success
    })
}
