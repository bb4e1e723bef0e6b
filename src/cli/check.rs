//! `herald check`.

use anyhow::Context as _;

use super::{Cli, ExitStatus, print, use_color};
use crate::checks::Context;
use crate::checks::links::{self, OnlineOptions};
use crate::project::Project;

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

/// Loads everything, runs every check, prints every finding.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let mut project = Project::load(&cli.config, cli.content.as_deref())?;
    let now = super::hours::instant_arg(project.config.zone(), args.at.as_deref())?;
    project.check(now);
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
