//! The content loader: the calendar as last loaded, reloaded when a file under `content/`
//! changes (the folder is polled for sizes and modification times) or on SIGHUP.
//!
//! A file that no longer parses, or a post that is not (or no longer) approved, is *held*: it is
//! reported (logged once when it becomes held, listed by `herald status`) and never published,
//! and everything else carries on.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::{Component, ComponentError, Handle, Signal};
use crate::approval::{self, Status};
use crate::config::LoadedConfig;
use crate::content::{self, Calendar, Post};
use crate::diag::{Report, Severity};

/// How often (real time) the content folder is looked at.
pub const POLL_EVERY: Duration = Duration::from_secs(2);

/// A file or post that won't be published as it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Held {
    /// The file.
    pub file: String,
    /// The post, when the file loaded far enough to have one.
    pub post_id: Option<String>,
    /// Why, for people (with `file:line:col` for a parse error).
    pub reason: String,
}

/// The configuration and content as last loaded.
#[derive(Debug)]
pub struct Snapshot {
    /// herald.toml (loaded once, at start).
    pub config: Arc<LoadedConfig>,
    /// The calendar.
    pub calendar: Calendar,
    /// What is held, and why.
    pub held: Vec<Held>,
    /// Counts loads, starting at 1.
    pub version: u64,
}

impl Snapshot {
    /// Loads the content folder.
    pub fn load(config: Arc<LoadedConfig>, dir: &Path, version: u64) -> Snapshot {
        let mut report = Report::new();
        let calendar = content::load(dir, &mut report);
        let mut held: Vec<Held> = report
            .findings()
            .iter()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| Held {
                file: f.file.clone(),
                post_id: None,
                reason: if f.line > 0 {
                    format!("{}:{}:{}: {}", f.file, f.line, f.column, f.message)
                } else {
                    format!("{}: {}", f.file, f.message)
                },
            })
            .collect();
        for post in &calendar.posts {
            if let Some(reason) = approval_problem(post, &calendar.dir) {
                held.push(Held {
                    file: crate::diag::display_path(post.path()),
                    post_id: Some(post.id.clone()),
                    reason,
                });
            }
        }
        Snapshot {
            config,
            calendar,
            held,
            version,
        }
    }

    /// Why a post is held, if it is.
    pub fn held_reason(&self, post_id: &str) -> Option<&str> {
        self.held
            .iter()
            .find(|h| h.post_id.as_deref() == Some(post_id))
            .map(|h| h.reason.as_str())
    }
}

/// Why a post can't be published as it stands (`None`: it is approved as it is now).
pub fn approval_problem(post: &Post, content_dir: &Path) -> Option<String> {
    let parts = match approval::parts(post, content_dir) {
        Ok(parts) => parts,
        Err(e) => return Some(format!("its media can't be read: {e}")),
    };
    match approval::status(post, &parts) {
        Status::Approved => None,
        Status::NotApproved => Some("not approved".to_owned()),
        Status::Stale { changed } if changed.is_empty() => Some("changed after it was approved".to_owned()),
        Status::Stale { changed } => Some(format!("changed after it was approved ({})", changed.join(", "))),
    }
}

/// Sizes and modification times of every file under a folder: a change in any means reload.
fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.push((entry.path(), meta.len(), meta.modified().ok()));
            }
        }
    }
    out.sort();
    out
}

/// The content loader component.
#[derive(Debug)]
pub struct Loader {
    dir: PathBuf,
}

impl Loader {
    /// A loader for a content folder.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Loader { dir: dir.into() }
    }
}

fn log_changes(old: &[Held], new: &[Held]) {
    for h in new.iter().filter(|h| !old.contains(h)) {
        match &h.post_id {
            Some(id) => {
                tracing::warn!(post = %id, file = %h.file, reason = %h.reason, "held: won't be published")
            }
            None => tracing::warn!(file = %h.file, reason = %h.reason, "held: the file doesn't load"),
        }
    }
    for h in old
        .iter()
        .filter(|h| !new.iter().any(|n| n.file == h.file && n.post_id == h.post_id))
    {
        tracing::info!(file = %h.file, post = h.post_id.as_deref().unwrap_or(""), "no longer held");
    }
}

#[async_trait]
impl Component for Loader {
    fn name(&self) -> &'static str {
        "content loader"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let dir = self.dir.clone();
        let mut seen = {
            let dir = dir.clone();
            tokio::task::spawn_blocking(move || fingerprint(&dir))
                .await
                .unwrap_or_default()
        };
        log_changes(&[], &handle.content().held);
        let signal = Signal {
            reload: true,
            ..Signal::default()
        };
        loop {
            handle.beat(self.name());
            let asked = tokio::select! {
                () = tokio::time::sleep(POLL_EVERY) => false,
                wake = handle.wait(None, signal) => match wake {
                    super::Wake::Stop => return Ok(()),
                    super::Wake::Signal => true,
                    super::Wake::Time => false,
                },
            };
            let now_seen = {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || fingerprint(&dir))
                    .await
                    .unwrap_or_default()
            };
            if !asked && now_seen == seen {
                continue;
            }
            seen = now_seen;
            let old = handle.content();
            let config = Arc::clone(&old.config);
            let version = old.version + 1;
            let dir = dir.clone();
            let loaded = tokio::task::spawn_blocking(move || Snapshot::load(config, &dir, version))
                .await
                .map_err(|e| ComponentError::new("content loader", format!("loading crashed: {e}")))?;
            log_changes(&old.held, &loaded.held);
            tracing::info!(
                version,
                posts = loaded.calendar.posts.len(),
                held = loaded.held.len(),
                reason = if asked { "asked (SIGHUP)" } else { "files changed" },
                "content reloaded"
            );
            handle.set_content(loaded);
        }
    }
}
