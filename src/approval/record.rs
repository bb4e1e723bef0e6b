//! Writing approvals into files: only the approval keys change; comments, key order and the post
//! text stay exactly as they were (the TOML is edited with toml_edit, the rest is copied).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use toml_edit::{DocumentMut, Item, Table, value};

use super::{Parts, parts};
use crate::content::{self, Campaign, Post};
use crate::diag::{Code, Finding, SourceFile, display_path};

/// Why a file couldn't be approved.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// The file has problems that must be fixed first (they are the findings).
    #[error("{} can't be approved until its problems are fixed", display_path(.path))]
    Findings {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        findings: Vec<Finding>,
        /// The file's text, for rendering the findings.
        text: Arc<SourceFile>,
    },
    /// Reading or writing the file failed.
    #[error("{0}")]
    Io(String),
}

/// Records `by` and the current hash in a post file or in each recurring post of a campaign
/// file. Returns how many posts were approved.
pub fn record(path: &Path, content_dir: &Path, by: &str) -> Result<usize, RecordError> {
    let text = content::read_text(path)
        .map_err(|e| RecordError::Io(format!("can't read {}: {e}", display_path(path))))?;
    let source = SourceFile::new(path, text);
    let is_campaign = path.extension().is_some_and(|e| e == "toml");
    let result = if is_campaign {
        approve_campaign(&source, content_dir, by)
    } else {
        approve_post(&source, content_dir, by)
    };
    let (new_text, count) = result.map_err(|findings| RecordError::Findings {
        path: path.to_owned(),
        findings,
        text: Arc::clone(&source),
    })?;
    write_atomically(path, &new_text)?;
    Ok(count)
}

fn approve_post(
    source: &Arc<SourceFile>,
    content_dir: &Path,
    by: &str,
) -> Result<(String, usize), Vec<Finding>> {
    let id = content::post_id(&content_dir.join("posts"), &source.path);
    let (post, findings) = Post::load_file(id, Arc::clone(source));
    let Some(post) = post else {
        return Err(findings);
    };
    let parts = hash(&post, content_dir)?;
    let split = content::split_front_matter(source).map_err(|f| vec![f])?;
    let mut doc: DocumentMut = source.text[split.front.clone()]
        .parse()
        .map_err(|_| vec![post.finding(Code::Parse, "the front matter is not valid TOML")])?;
    set_approval(doc.as_table_mut(), by, &parts);
    let mut out = String::with_capacity(source.text.len() + 200);
    out.push_str(&source.text[..split.front.start]);
    out.push_str(&doc.to_string());
    out.push_str(&source.text[split.front.end..]);
    Ok((out, 1))
}

fn approve_campaign(
    source: &Arc<SourceFile>,
    content_dir: &Path,
    by: &str,
) -> Result<(String, usize), Vec<Finding>> {
    let (campaign, posts, findings) = Campaign::load(Arc::clone(source));
    if campaign.is_none() {
        return Err(findings);
    }
    if posts.is_empty() {
        return Err(vec![
            Finding::file(
                &source.path,
                Code::Parse,
                "this campaign has no [[recurring]] posts to approve",
            )
            .help("posts of a campaign are approved in their own files under content/posts/"),
        ]);
    }
    let mut doc: DocumentMut = source.text.parse().map_err(|_| {
        vec![Finding::file(
            &source.path,
            Code::Parse,
            "the campaign file is not valid TOML",
        )]
    })?;
    let mut problems = Vec::new();
    let mut count = 0;
    for post in &posts {
        let parts = match hash(post, content_dir) {
            Ok(parts) => parts,
            Err(findings) => {
                problems.extend(findings);
                continue;
            }
        };
        let table = post
            .key_prefix
            .strip_prefix("recurring[")
            .and_then(|rest| rest.strip_suffix("]."))
            .and_then(|index| index.parse::<usize>().ok())
            .and_then(|index| {
                doc.get_mut("recurring")
                    .and_then(Item::as_array_of_tables_mut)
                    .and_then(|list| list.get_mut(index))
            });
        match table {
            Some(table) => {
                set_approval(table, by, &parts);
                count += 1;
            }
            None => problems.push(post.finding(Code::Parse, "can't find this recurring post in the file")),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok((doc.to_string(), count))
}

fn hash(post: &Post, content_dir: &Path) -> Result<Parts, Vec<Finding>> {
    parts(post, content_dir).map_err(|e| {
        vec![
            post.finding(Code::MediaMissing, format!("can't approve `{}`: {e}", post.id))
                .help("fix the media path (relative to the content folder) and approve again"),
        ]
    })
}

fn set_approval(table: &mut Table, by: &str, parts: &Parts) {
    for (key, new) in [
        ("approved_by", by.to_owned()),
        ("approved_hash", parts.hash()),
        ("approved_parts", parts.fingerprints()),
    ] {
        match table.get_mut(key).and_then(Item::as_value_mut) {
            // Keep the key's position and any comment after the value.
            Some(existing) => {
                let decor = existing.decor().clone();
                *existing = new.into();
                *existing.decor_mut() = decor;
            }
            None => {
                table.insert(key, value(new));
            }
        }
    }
}

/// Replaces a file's contents so that a crash leaves either the old or the new file, never half.
fn write_atomically(path: &Path, text: &str) -> Result<(), RecordError> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.herald-tmp"));
    std::fs::write(&temp, text)
        .map_err(|e| RecordError::Io(format!("can't write {}: {e}", display_path(&temp))))?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&temp, meta.permissions());
    }
    std::fs::rename(&temp, path)
        .map_err(|e| RecordError::Io(format!("can't replace {}: {e}", display_path(path))))
}
