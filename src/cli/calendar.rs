//! `herald calendar --ics [--output FILE] [--name NAME]`: the content calendar as iCalendar.

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use chrono::Utc;

use super::{Cli, ExitStatus, print};
use crate::config::CONTENT_DIR;
use crate::diag::{Report, display_path};

/// `herald calendar` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Write iCalendar (RFC 5545), for Outlook and Google Calendar (the only format so far).
    #[arg(long, required = true)]
    pub ics: bool,
    /// Write to this file (replaced whole, so a web server never serves half a file) instead of
    /// standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// The calendar's name as calendar programs show it [default: from the reply signature in
    /// content/replies.toml, else "Social media calendar"].
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,
}

/// Writes the calendar.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let config = super::hours::load_config(cli)?;
    let dir = cli
        .content
        .clone()
        .unwrap_or_else(|| config.dir.join(CONTENT_DIR));
    if !dir.is_dir() {
        anyhow::bail!(
            "there is no content folder at {}: run `herald init` or pass --content",
            display_path(&dir)
        );
    }
    // Load problems are `herald check`'s to report; what loaded is exported.
    let calendar = crate::content::load(&dir, &mut Report::new());
    let name = args
        .name
        .clone()
        .unwrap_or_else(|| crate::ics::default_name(&calendar));
    let export = crate::ics::export(&config, &calendar, &name, Utc::now());
    for left in &export.left_out {
        eprintln!("warning: {} is left out: {}", left.post_id, left.reason);
    }
    match &args.output {
        Some(path) => {
            write_whole(path, export.text.as_bytes())?;
            eprintln!("wrote {} events to {}", export.events, display_path(path));
        }
        None => print(&export.text),
    }
    Ok(ExitStatus::Success)
}

/// Writes a file through a temporary file beside it, then renames it into place.
fn write_whole(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file name", display_path(path)))?;
    let tmp = dir.join(format!(".{}.tmp", file_name.to_string_lossy()));
    std::fs::write(&tmp, bytes).with_context(|| format!("can't write {}", display_path(&tmp)))?;
    std::fs::rename(&tmp, path).with_context(|| format!("can't replace {}", display_path(path)))
}
