//! `herald plan [--days N] [--at INSTANT] [--format json]`: the publications due in the coming
//! days, in local time, per channel, with what will happen to each as things stand.

use std::path::Path;

use anyhow::Context as _;

use super::{Cli, ExitStatus, print, use_color};
use crate::config::{CONTENT_DIR, LoadedConfig};
use crate::diag::Report;
use crate::plan::{self, Journal, Style};
use crate::store::State;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A table for people.
    Text,
    /// For scripts: `{"from":…,"until":…,"zone":…,"journal":…,"publications":[…],…}`.
    Json,
}

/// `herald plan` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many days ahead to look (to the same time of day).
    #[arg(long, value_name = "N", default_value_t = 14, value_parser = clap::value_parser!(u32).range(1..=400))]
    pub days: u32,
    /// Plan from this instant [default: now]: RFC 3339 or a wall time in the configured zone.
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// What the journal could tell.
enum JournalSource {
    Read(Journal),
    None(String),
}

/// Reads the journal if there is a database; creates nothing.
fn read_journal(config: &LoadedConfig) -> JournalSource {
    let Some(cfg) = &config.config else {
        return JournalSource::None("herald.toml didn't load".to_owned());
    };
    let url = match super::run::database_url(cfg) {
        Ok(url) => url,
        Err(e) => return JournalSource::None(format!("{e:#}")),
    };
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return JournalSource::None(format!("can't start the async runtime: {e}")),
    };
    runtime.block_on(async {
        match crate::store::open_existing(&url, &config.dir).await {
            Ok(None) => JournalSource::None("no database yet: nothing has been published".to_owned()),
            Ok(Some(store)) => match store.journal(&State::ALL, i64::MAX).await {
                Ok(rows) => JournalSource::Read(Journal::new(rows)),
                Err(e) => JournalSource::None(format!("the journal can't be read: {e}")),
            },
            Err(e) => JournalSource::None(format!("the journal can't be read: {e}")),
        }
    })
}

/// Prints the plan.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let config = super::hours::load_config(cli)?;
    let zone = config.zone();
    let from = super::hours::instant_arg(zone, args.at.as_deref())?;
    let until = crate::hours::days_later(zone, from, args.days);
    let dir = cli
        .content
        .clone()
        .unwrap_or_else(|| config.dir.join(CONTENT_DIR));
    if !Path::new(&dir).is_dir() {
        anyhow::bail!(
            "there is no content folder at {}: run `herald init` or pass --content",
            crate::diag::display_path(&dir)
        );
    }
    // Load problems are `herald check`'s to report; the plan flags the posts they affect.
    let calendar = crate::content::load(&dir, &mut Report::new());
    let journal = read_journal(&config);
    let (journal_ref, note) = match &journal {
        JournalSource::Read(j) => (Some(j), None),
        JournalSource::None(why) => (None, Some(why.clone())),
    };
    let mut plan = plan::build(&config, &calendar, from, until, journal_ref);
    plan.journal_note = note;
    match args.format {
        Format::Json => print(&format!(
            "{}\n",
            serde_json::to_string_pretty(&plan).context("can't write the plan as JSON")?
        )),
        Format::Text => print(&plan.render_text(&config.office_hours(None), Style::new(use_color()))),
    }
    Ok(ExitStatus::Success)
}
