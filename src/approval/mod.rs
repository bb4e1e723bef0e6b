//! Approval hashes: what `herald approve` records and what the publisher insists on.
//!
//! A post is published only if `approved_hash` matches the hash of everything that would be
//! published now: the text, the link, the channels, the time (or schedule), each image's bytes
//! and alt text, and each video's bytes and captions. Each of those parts also has a short
//! fingerprint in `approved_parts`, so that when the hash no longer matches herald can say which
//! part changed. The fingerprints only explain; the full hash decides.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::content::{Post, When};

mod record;

pub use record::{RecordError, record};

/// The prefix of every approval hash.
pub const HASH_PREFIX: &str = "sha256:";

/// Hex digits kept of each part's digest in `approved_parts`.
const FINGERPRINT_HEX: usize = 8;

/// One part of a publication and its digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// `text`, `link`, `channels`, `publish_at`, `schedule`, `image1`, `image1.alt`, `video1`,
    /// `video1.captions`.
    pub name: String,
    /// SHA-256 of the part.
    pub digest: [u8; 32],
}

/// Every part of a publication, in a fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts(pub Vec<Part>);

impl Parts {
    /// The approval hash: `sha256:` and the hex SHA-256 of every part's name and digest.
    pub fn hash(&self) -> String {
        let mut hasher = Sha256::new();
        for part in &self.0 {
            hasher.update(part.name.as_bytes());
            hasher.update([0]);
            hasher.update(part.digest);
        }
        format!("{HASH_PREFIX}{}", hex::encode(hasher.finalize()))
    }

    /// The fingerprints line: `text:1a2b3c4d link:… …`.
    pub fn fingerprints(&self) -> String {
        let mut out = String::new();
        for part in &self.0 {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(
                out,
                "{}:{}",
                part.name,
                &hex::encode(part.digest)[..FINGERPRINT_HEX]
            );
        }
        out
    }
}

/// Why a publication's parts couldn't be hashed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MediaError {
    /// The path leaves the content folder or is absolute.
    #[error(
        "`{path}` is outside the content folder: media paths are relative to content/ and can't use `..`"
    )]
    OutsideContent {
        /// As written.
        path: String,
    },
    /// The path is inside the content folder, but a symbolic link on the way leads out of it.
    #[error(
        "`{path}` leads outside the content folder through a symbolic link: herald reads media only from inside content/"
    )]
    LinksOutside {
        /// As written.
        path: String,
    },
    /// Something that isn't a file or a folder: a pipe, socket or device, which could block
    /// herald forever or never end.
    #[error("`{path}` is not a regular file (it is a pipe, socket or device)")]
    NotAFile {
        /// As written.
        path: String,
    },
    /// The file couldn't be read.
    #[error("can't read `{path}`: {source}")]
    Unreadable {
        /// As written.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Resolves a media or caption path (relative to the content folder), refusing absolute paths,
/// `..`, symbolic links that lead out of the folder, and pipes, sockets and devices. A path that
/// doesn't exist resolves (saying so is the caller's business); so does a folder.
pub fn media_path(content_dir: &Path, written: &str) -> Result<PathBuf, MediaError> {
    let relative = Path::new(written);
    let safe = !written.is_empty()
        && !written.contains('\0')
        && relative
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if !safe {
        return Err(MediaError::OutsideContent {
            path: written.to_owned(),
        });
    }
    let path = content_dir.join(relative);
    if std::fs::symlink_metadata(&path).is_err() {
        // Nothing there (or a folder on the way can't be read): nothing to read either.
        return Ok(path);
    }
    // Follow every link, of the file and of the folders on the way, and insist on ending up
    // inside the content folder (itself resolved, so a content folder that is a link works).
    let outside = || MediaError::LinksOutside {
        path: written.to_owned(),
    };
    // A link to nowhere (or in a loop) can't be read, and where it leads is unknown.
    let unreadable = |source| MediaError::Unreadable {
        path: written.to_owned(),
        source,
    };
    let real = path.canonicalize().map_err(unreadable)?;
    let root = content_dir.canonicalize().map_err(unreadable)?;
    if !real.starts_with(&root) {
        return Err(outside());
    }
    match std::fs::metadata(&real) {
        Ok(meta) if !meta.is_file() && !meta.is_dir() => Err(MediaError::NotAFile {
            path: written.to_owned(),
        }),
        _ => Ok(path),
    }
}

/// The parts of a publication as it would be published now, reading media from `content_dir`.
pub fn parts(post: &Post, content_dir: &Path) -> Result<Parts, MediaError> {
    let spec = &post.spec;
    let mut parts = vec![
        part("text", spec.text.as_bytes()),
        part("link", spec.link.as_deref().unwrap_or("").as_bytes()),
    ];
    let mut channels = spec.channels.clone();
    channels.sort();
    channels.dedup();
    parts.push(part("channels", channels.join("\n").as_bytes()));
    parts.push(match &spec.when {
        When::At(at) => part("publish_at", at.to_string().as_bytes()),
        When::Cron(cron) => part("schedule", cron.trim().as_bytes()),
    });
    for (i, image) in spec.images.iter().enumerate() {
        let n = i + 1;
        parts.push(Part {
            name: format!("image{n}"),
            digest: file_digest(content_dir, &image.path)?,
        });
        let alt = image
            .alt
            .as_deref()
            .map_or_else(|| "\u{0}none".to_owned(), str::to_owned);
        parts.push(part(&format!("image{n}.alt"), alt.as_bytes()));
    }
    for (i, video) in spec.videos.iter().enumerate() {
        let n = i + 1;
        parts.push(Part {
            name: format!("video{n}"),
            digest: file_digest(content_dir, &video.path)?,
        });
        let captions = match &video.captions {
            Some(path) => file_digest(content_dir, path)?,
            None => Sha256::digest(b"\0none").into(),
        };
        parts.push(Part {
            name: format!("video{n}.captions"),
            digest: captions,
        });
    }
    // Deliberate exceptions to checks are approved too. The part exists only when there are
    // some, so posts without exceptions keep the hashes they were approved with.
    if !post.allow.is_empty() {
        let allow: Vec<String> = post
            .allow
            .iter()
            .map(|(code, reason)| format!("{code}\n{reason}"))
            .collect();
        parts.push(part("allow", allow.join("\n\0").as_bytes()));
    }
    Ok(Parts(parts))
}

fn part(name: &str, bytes: &[u8]) -> Part {
    Part {
        name: name.to_owned(),
        digest: Sha256::digest(bytes).into(),
    }
}

fn file_digest(content_dir: &Path, written: &str) -> Result<[u8; 32], MediaError> {
    let path = media_path(content_dir, written)?;
    let unreadable = |source| MediaError::Unreadable {
        path: written.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(&path).map_err(unreadable)?;
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = file.read(&mut buffer).map_err(unreadable)?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
    }
    Ok(hasher.finalize().into())
}

/// Where a post stands against its recorded approval.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// No approval recorded.
    NotApproved,
    /// Approved, and nothing changed since.
    Approved,
    /// Approved, but something changed since: what, in words, when herald can tell.
    Stale {
        /// The changed parts, described for people (`the text`, `image 2's alt text`).
        changed: Vec<String>,
    },
}

/// Compares a post's current parts with its recorded approval.
pub fn status(post: &Post, current: &Parts) -> Status {
    let Some(recorded) = post.spec.approved_hash.as_deref() else {
        return Status::NotApproved;
    };
    if post
        .spec
        .approved_by
        .as_deref()
        .is_none_or(|by| by.trim().is_empty())
    {
        return Status::NotApproved;
    }
    if recorded.trim() == current.hash() {
        return Status::Approved;
    }
    Status::Stale {
        changed: post
            .spec
            .approved_parts
            .as_deref()
            .map(|recorded| changed_parts(recorded, current))
            .unwrap_or_default(),
    }
}

/// The parts whose fingerprints differ, described for people.
fn changed_parts(recorded: &str, current: &Parts) -> Vec<String> {
    let before: BTreeMap<&str, &str> = recorded
        .split_whitespace()
        .filter_map(|item| item.split_once(':'))
        .collect();
    let now = current.fingerprints();
    let after: BTreeMap<&str, &str> = now
        .split_whitespace()
        .filter_map(|item| item.split_once(':'))
        .collect();
    let mut changed = Vec::new();
    for part in &current.0 {
        let name = part.name.as_str();
        match (before.get(name), after.get(name)) {
            (Some(a), Some(b)) if a == b => {}
            (Some(_), _) => changed.push(describe(name, "changed")),
            (None, _) => changed.push(describe(name, "added")),
        }
    }
    for name in before.keys() {
        if !after.contains_key(name) {
            changed.push(describe(name, "removed"));
        }
    }
    // An added or removed image shows as both its file and its alt text; say it once.
    changed.dedup();
    changed
}

fn describe(name: &str, what: &str) -> String {
    let (base, detail) = name.split_once('.').unwrap_or((name, ""));
    let numbered = |prefix: &str| base.strip_prefix(prefix).map(str::to_owned);
    let subject = match (base, detail) {
        ("text", _) => "the text".to_owned(),
        ("link", _) => "the link".to_owned(),
        ("channels", _) => "the channels".to_owned(),
        ("publish_at", _) => "the publishing time".to_owned(),
        ("schedule", _) => "the schedule".to_owned(),
        ("allow", _) => "the [allow] table".to_owned(),
        _ => {
            if let Some(n) = numbered("image") {
                match (detail, what) {
                    ("alt", "changed") => format!("image {n}'s alt text"),
                    (_, "changed") => format!("image {n}'s file"),
                    _ => format!("image {n}"),
                }
            } else if let Some(n) = numbered("video") {
                match (detail, what) {
                    ("captions", "changed") => format!("video {n}'s captions"),
                    (_, "changed") => format!("video {n}'s file"),
                    _ => format!("video {n}"),
                }
            } else {
                name.to_owned()
            }
        }
    };
    if what == "changed" {
        subject
    } else {
        format!("{subject} was {what}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;

    fn post(front: &str, text: &str) -> Post {
        let file = format!("+++\n{front}\n+++\n{text}\n");
        let (post, findings) = Post::load_file("p".into(), SourceFile::new("content/posts/p.md", file));
        assert!(findings.is_empty(), "{findings:?}");
        post.unwrap()
    }

    const FRONT: &str = "publish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\", \"mastodon\"]";

    #[test]
    fn hash_is_stable_and_order_of_channels_does_not_matter() {
        let dir = tempfile::tempdir().unwrap();
        let a = parts(&post(FRONT, "Hello"), dir.path()).unwrap();
        let b = parts(
            &post(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"mastodon\", \"outbox\"]",
                "Hello\n\n",
            ),
            dir.path(),
        )
        .unwrap();
        assert_eq!(a.hash(), b.hash());
        assert!(a.hash().starts_with("sha256:") && a.hash().len() == 7 + 64);
        assert_eq!(a.fingerprints().split(' ').count(), 4);
    }

    #[test]
    fn says_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(dir.path().join("media/a.png"), b"one").unwrap();
        let image = "\n[[images]]\npath = \"media/a.png\"\nalt = \"A nurse\"";
        let original = post(&format!("{FRONT}{image}"), "Hello");
        let approved = parts(&original, dir.path()).unwrap();
        let with_approval = |front: &str, text: &str| {
            post(
                &format!(
                    "{front}\napproved_by = \"Head\"\napproved_hash = \"{}\"\napproved_parts = \"{}\"{image}",
                    approved.hash(),
                    approved.fingerprints()
                ),
                text,
            )
        };
        let same = with_approval(FRONT, "Hello");
        assert_eq!(
            status(&same, &parts(&same, dir.path()).unwrap()),
            Status::Approved
        );

        let edited = with_approval(FRONT, "Hello again");
        assert_eq!(
            status(&edited, &parts(&edited, dir.path()).unwrap()),
            Status::Stale {
                changed: vec!["the text".to_owned()]
            }
        );

        std::fs::write(dir.path().join("media/a.png"), b"two").unwrap();
        let moved = with_approval(
            "publish_at = 2026-12-02T10:00:00\nchannels = [\"outbox\", \"mastodon\"]",
            "Hello",
        );
        assert_eq!(
            status(&moved, &parts(&moved, dir.path()).unwrap()),
            Status::Stale {
                changed: vec!["the publishing time".to_owned(), "image 1's file".to_owned()]
            }
        );
    }

    #[test]
    fn allowed_exceptions_are_approved_with_the_post() {
        let dir = tempfile::tempdir().unwrap();
        let plain = parts(&post(FRONT, "Hello"), dir.path()).unwrap();
        let allowing = |reason: &str| {
            parts(
                &post(
                    &format!("{FRONT}\n[allow]\nlong-sentence = \"{reason}\""),
                    "Hello",
                ),
                dir.path(),
            )
            .unwrap()
        };
        assert_ne!(plain.hash(), allowing("a quotation").hash());
        assert_ne!(allowing("a quotation").hash(), allowing("another reason").hash());
        assert!(!plain.fingerprints().contains("allow:"));
        assert!(allowing("a quotation").fingerprints().contains(" allow:"));
        assert_eq!(describe("allow", "added"), "the [allow] table was added");
        assert_eq!(describe("allow", "changed"), "the [allow] table");
    }

    #[test]
    fn media_paths_stay_inside_the_content_folder() {
        let dir = Path::new("content");
        assert!(media_path(dir, "media/a.png").is_ok());
        assert!(media_path(dir, "../secret.png").is_err());
        assert!(media_path(dir, "/etc/passwd").is_err());
        assert!(media_path(dir, "media/../../x").is_err());
        assert!(media_path(dir, "").is_err());
    }

    #[test]
    fn media_paths_never_follow_a_link_out_of_the_content_folder() {
        let root = tempfile::tempdir().unwrap();
        let content = root.path().join("content");
        std::fs::create_dir_all(content.join("media")).unwrap();
        std::fs::write(root.path().join("secret.png"), b"secret").unwrap();
        std::fs::write(content.join("media/a.png"), b"a").unwrap();
        std::os::unix::fs::symlink(root.path().join("secret.png"), content.join("media/out.png")).unwrap();
        std::os::unix::fs::symlink(root.path(), content.join("up")).unwrap();
        std::os::unix::fs::symlink(content.join("media/a.png"), content.join("media/in.png")).unwrap();
        assert!(media_path(&content, "media/a.png").is_ok());
        assert!(
            media_path(&content, "media/in.png").is_ok(),
            "a link inside is fine"
        );
        assert!(
            media_path(&content, "media/missing.png").is_ok(),
            "missing is the caller's to say"
        );
        for escaping in ["media/out.png", "up/secret.png"] {
            assert!(
                matches!(
                    media_path(&content, escaping),
                    Err(MediaError::LinksOutside { .. })
                ),
                "{escaping}"
            );
        }
        let status = std::process::Command::new("mkfifo")
            .arg(content.join("media/pipe.png"))
            .status()
            .unwrap();
        assert!(status.success());
        assert!(matches!(
            media_path(&content, "media/pipe.png"),
            Err(MediaError::NotAFile { .. })
        ));
        // Through a content folder that is itself a link.
        std::os::unix::fs::symlink(&content, root.path().join("linked-content")).unwrap();
        assert!(media_path(&root.path().join("linked-content"), "media/a.png").is_ok());
    }
}
