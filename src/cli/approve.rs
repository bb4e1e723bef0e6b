//! `herald approve FILE… --by NAME`: records who approved each post and the hash of what they saw.

use std::path::PathBuf;

use super::{Cli, ExitStatus, print, use_color};
use crate::approval::{RecordError, record};
use crate::config::{CONTENT_DIR, LoadedConfig};
use crate::diag::{Code, Finding, Report, display_path};

/// `herald approve` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Post files (content/posts/…/*.md) or campaign files (content/campaigns/*.toml).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// The approver's name or role, as it should be recorded.
    #[arg(long, value_name = "NAME")]
    pub by: String,
}

/// Approves each file; one file's problem doesn't stop the others.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let by = args.by.trim();
    if by.is_empty() || by.contains(['\n', '\r']) {
        anyhow::bail!("--by needs the approver's name on one line, e.g. --by \"Head of Communications\"");
    }
    let content_dir = match &cli.content {
        Some(dir) => dir.clone(),
        None => match LoadedConfig::load(&cli.config) {
            Ok((config, _)) => config.dir.join(CONTENT_DIR),
            // Without a config, the content folder is the conventional one beside the file's
            // `posts/` or `campaigns/` folder.
            Err(_) => PathBuf::from(CONTENT_DIR),
        },
    };
    let mut report = Report::new();
    let mut approved = Vec::new();
    for file in &args.files {
        match record(file, &content_dir, by) {
            Ok(count) => approved.push((file, count)),
            Err(RecordError::Findings { findings, text, .. }) => {
                report.add_source(&text);
                report.extend(findings);
            }
            Err(e) => report.push(Finding::file(file, Code::Parse, e.to_string())),
        }
    }
    let mut out = String::new();
    for (file, count) in &approved {
        let what = if *count == 1 {
            String::new()
        } else {
            format!(" ({count} posts)")
        };
        out.push_str(&format!("approved {}{what} by {by}\n", display_path(file)));
    }
    let failed = report.summary().errors > 0;
    if failed {
        out.push_str(&report.render_text(use_color()));
    }
    print(&out);
    Ok(if failed {
        ExitStatus::Problems
    } else {
        ExitStatus::Success
    })
}
