//! The content calendar: posts, campaigns, reply templates and the team's words, loaded from
//! `content/` with every problem reported as a finding and nothing lost.
//!
//! One unreadable or broken file never hides the others: it is reported and left out of the
//! [`Calendar`], and everything else loads.

mod campaign;
mod frontmatter;
mod post;
mod replies;
mod words;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use campaign::{Campaign, CampaignFile, RecurringFile};
pub use frontmatter::split as split_front_matter;
pub use post::{Image, Kind, Post, PostFile, PostSpec, PublishAt, TextMap, Video, When};
pub use replies::{Crisis, Replies, ReplyTemplate, Route};
pub use words::Words;

use crate::diag::{Code, Finding, Report, SourceFile};

/// Largest text file herald reads (posts, campaigns, config, captions); larger is a finding.
pub const MAX_TEXT_BYTES: u64 = 1024 * 1024;

/// Why a text file couldn't be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The operating system refused.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Bigger than [`MAX_TEXT_BYTES`].
    #[error("the file is {0} bytes; herald reads text files of up to {MAX_TEXT_BYTES} bytes")]
    TooLarge(u64),
    /// A pipe, socket or device: reading it could block forever or never end.
    #[error("it is not a regular file (it is a pipe, socket or device)")]
    NotAFile,
    /// Not UTF-8.
    #[error(
        "the file is not UTF-8 text: the byte at line {line}, column {column} is not part of a UTF-8 character"
    )]
    NotUtf8 {
        /// The byte offset of the first invalid byte.
        offset: usize,
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column, in characters.
        column: usize,
    },
    /// Text with NUL bytes: an image, a document or another binary file saved with a text name.
    #[error("the file is binary, not text: there is a NUL byte at line {line}, column {column}")]
    Binary {
        /// Its 1-based line.
        line: usize,
        /// Its 1-based column, in characters.
        column: usize,
    },
}

impl ReadError {
    /// The finding that reports this error for a file.
    pub fn finding(&self, source: &SourceFile) -> Finding {
        let mut finding = Finding::file(&source.path, Code::Parse, format!("can't read this file: {self}"));
        match self {
            ReadError::NotUtf8 { line, column, .. } | ReadError::Binary { line, column } => {
                finding.line = *line;
                finding.column = *column;
            }
            _ => {}
        }
        match self {
            ReadError::Io(_) => finding.help("check that the file exists and herald may read it"),
            ReadError::TooLarge(_) => {
                finding.help("posts and settings are small text files; is this the right file?")
            }
            ReadError::NotAFile => finding.help("replace it with an ordinary text file"),
            ReadError::NotUtf8 { .. } => finding.help("save the file as UTF-8 text"),
            ReadError::Binary { .. } => {
                finding.help("is this the right file? Posts and settings are UTF-8 text files")
            }
        }
    }
}

/// The 1-based line and column (in characters) of a byte offset into `bytes` (an invalid
/// sequence before it counts as one character).
fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|b| **b == b'\n').count() + 1;
    let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
    (line, column)
}

/// Reads a UTF-8 text file of reasonable size, without a leading byte-order mark. Refuses pipes,
/// sockets and devices (never opening them, so a pipe can't block herald), files over
/// [`MAX_TEXT_BYTES`] (however they grow while being read), invalid UTF-8 and binary files.
pub fn read_text(path: &Path) -> Result<String, ReadError> {
    use std::io::Read as _;
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        if meta.is_dir() {
            return Err(ReadError::Io(std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "it is a folder",
            )));
        }
        return Err(ReadError::NotAFile);
    }
    if meta.len() > MAX_TEXT_BYTES {
        return Err(ReadError::TooLarge(meta.len()));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    std::fs::File::open(path)?
        .take(MAX_TEXT_BYTES + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_TEXT_BYTES {
        return Err(ReadError::TooLarge(bytes.len() as u64));
    }
    // A NUL byte is never in a text file someone wrote; it is how images and documents start.
    if let Some(nul) = bytes.iter().position(|b| *b == 0) {
        let (line, column) = line_col(&bytes, nul);
        return Err(ReadError::Binary { line, column });
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => {
            let offset = e.utf8_error().valid_up_to();
            let (line, column) = line_col(e.as_bytes(), offset);
            return Err(ReadError::NotUtf8 { offset, line, column });
        }
    };
    Ok(match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    })
}

/// Everything under `content/` that loaded.
#[derive(Debug, Default)]
pub struct Calendar {
    /// The content folder.
    pub dir: PathBuf,
    /// Every publication: one per post file, plus each campaign's recurring posts.
    pub posts: Vec<Post>,
    /// Campaigns by id (the file name without `.toml`).
    pub campaigns: Vec<Campaign>,
    /// Reply templates: the team's own, or herald's defaults when there is no replies.toml.
    pub replies: Replies,
    /// Whether `replies` came from the team's file.
    pub replies_from_file: bool,
    /// The team's own words.
    pub words: Words,
    /// Every file looked at, with its text (for rendering findings).
    pub sources: Vec<Arc<SourceFile>>,
}

impl Calendar {
    /// The campaign with this id.
    pub fn campaign(&self, id: &str) -> Option<&Campaign> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    /// The post with this id.
    pub fn post(&self, id: &str) -> Option<&Post> {
        self.posts.iter().find(|p| p.id == id)
    }
}

/// Loads the content folder. Problems go to `report`; what loaded is returned.
pub fn load(dir: &Path, report: &mut Report) -> Calendar {
    let mut calendar = Calendar {
        dir: dir.to_owned(),
        ..Calendar::default()
    };
    if !dir.is_dir() {
        report.push(
            Finding::file(dir, Code::Parse, "the content folder doesn't exist")
                .help("run `herald init` to create an example, or pass --content"),
        );
        return calendar;
    }

    for path in files_under(&dir.join("posts"), "md", report) {
        let Some(source) = read_source(&path, report) else {
            continue;
        };
        calendar.sources.push(Arc::clone(&source));
        let id = post_id(&dir.join("posts"), &path);
        let (post, findings) = Post::load_file(id, source);
        report.extend(findings);
        calendar.posts.extend(post);
    }

    for path in files_under(&dir.join("campaigns"), "toml", report) {
        let Some(source) = read_source(&path, report) else {
            continue;
        };
        calendar.sources.push(Arc::clone(&source));
        let (campaign, posts, findings) = Campaign::load(source);
        report.extend(findings);
        calendar.posts.extend(posts);
        calendar.campaigns.extend(campaign);
    }

    let replies_path = dir.join("replies.toml");
    if replies_path.exists() {
        if let Some(source) = read_source(&replies_path, report) {
            calendar.sources.push(Arc::clone(&source));
            let (replies, findings) = Replies::load(&source);
            report.extend(findings);
            if let Some(replies) = replies {
                calendar.replies = replies;
                calendar.replies_from_file = true;
            }
        }
    } else {
        calendar.replies = Replies::defaults();
    }

    let words_path = dir.join("words.txt");
    if words_path.exists()
        && let Some(source) = read_source(&words_path, report)
    {
        calendar.sources.push(Arc::clone(&source));
        calendar.words = Words::parse(&source.text);
    }

    for source in &calendar.sources {
        report.add_source(source);
    }
    calendar.posts.sort_by(|a, b| a.id.cmp(&b.id));
    calendar
}

fn read_source(path: &Path, report: &mut Report) -> Option<Arc<SourceFile>> {
    match read_text(path) {
        Ok(text) => Some(SourceFile::new(path, text)),
        Err(e) => {
            report.add_unreadable_file();
            report.push(e.finding(&SourceFile::new(path, String::new())));
            None
        }
    }
}

/// A post's id: its path under `content/posts/` without `.md`, with forward slashes.
pub fn post_id(posts_dir: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(posts_dir).unwrap_or(path).with_extension("");
    crate::diag::display_path(&relative)
}

/// Files with an extension under a folder, recursively, sorted; unreadable folders are findings.
fn files_under(dir: &Path, extension: &str, report: &mut Report) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if dir.is_dir() {
        walk(dir, extension, report, &mut found, 0);
    }
    found.sort();
    found
}

/// How deep herald follows sub-folders of posts.
const MAX_DEPTH: usize = 16;

fn walk(dir: &Path, extension: &str, report: &mut Report, found: &mut Vec<PathBuf>, depth: usize) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            report.push(Finding::file(
                dir,
                Code::Parse,
                format!("can't read this folder: {e}"),
            ));
            return;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let Ok(kind) = entry.file_type() else { continue };
        if kind.is_dir() {
            if depth < MAX_DEPTH {
                walk(&path, extension, report, found, depth + 1);
            }
        } else if path.extension().is_some_and(|e| e == extension) {
            found.push(path);
        }
    }
}
