//! A project: herald.toml, the content folder it governs, and everything found while loading them.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::checks::{self, Context};
use crate::config::{CONTENT_DIR, ConfigError, LoadedConfig};
use crate::content::{self, Calendar};
use crate::diag::Report;

/// herald.toml and its content, loaded.
#[derive(Debug)]
pub struct Project {
    /// The configuration.
    pub config: LoadedConfig,
    /// The content calendar (what loaded).
    pub calendar: Calendar,
    /// Every problem found while loading.
    pub report: Report,
}

impl Project {
    /// Loads herald.toml and the content folder (`content_dir`, or `content/` beside the config).
    /// Only a missing or unreadable config is an error; everything else is in `report`.
    pub fn load(config_path: &Path, content_dir: Option<&Path>) -> Result<Project, ConfigError> {
        let (config, findings) = LoadedConfig::load(config_path)?;
        let mut report = Report::new();
        report.add_source(&config.source);
        report.extend(findings);
        let dir = content_dir.map_or_else(|| config.dir.join(CONTENT_DIR), Path::to_path_buf);
        let calendar = content::load(&dir, &mut report);
        Ok(Project {
            config,
            calendar,
            report,
        })
    }

    /// Runs every check at an instant, adding findings to the report.
    pub fn check(&mut self, now: DateTime<Utc>) {
        let ctx = Context {
            config: &self.config,
            calendar: &self.calendar,
            now,
        };
        checks::run(&ctx, &mut self.report);
    }

    /// The content folder.
    pub fn content_dir(&self) -> &Path {
        &self.calendar.dir
    }

    /// A path in the config resolved against the config's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.config.resolve(path)
    }
}
