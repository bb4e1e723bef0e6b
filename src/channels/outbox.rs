//! The `outbox` platform: publications and replies written as JSON files to a local folder, and
//! messages read from one. No network and no credentials, so `herald run` works anywhere, and a
//! campaign day can be rehearsed by dropping messages into `inbox/`.
//!
//! ```text
//! outbox/published/<key>.json   one file per publication
//! outbox/replies/<key>.json     one file per automatic reply
//! outbox/inbox/*.json           messages to answer (an InboundMessage each), read in name order
//! ```

use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::Utc;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{Channel, ChannelError, Identity, InboundMessage, InboxPage, Publication, Published, Reconciled};
use crate::config::Platform;

/// An outbox account.
#[derive(Debug, Clone)]
pub struct Outbox {
    name: String,
    dir: PathBuf,
}

#[derive(Serialize)]
struct PublishedFile<'a> {
    channel: &'a str,
    published_at: String,
    #[serde(flatten)]
    publication: &'a Publication,
}

#[derive(Serialize)]
struct ReplyFile<'a> {
    channel: &'a str,
    key: &'a str,
    sent_at: String,
    in_reply_to: &'a InboundMessage,
    text: &'a str,
}

impl Outbox {
    /// An outbox account writing under `dir`.
    pub fn new(name: impl Into<String>, dir: impl Into<PathBuf>) -> Self {
        Outbox {
            name: name.into(),
            dir: dir.into(),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn file_for(&self, folder: &str, key: &str) -> PathBuf {
        self.dir.join(folder).join(format!("{}.json", file_stem(key)))
    }

    fn published(&self, path: &Path) -> Published {
        Published {
            id: path
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default(),
            url: Some(format!("file://{}", absolute(path).display())),
        }
    }

    fn write(&self, path: &Path, json: &[u8]) -> Result<(), ChannelError> {
        let fail = |e: std::io::Error| ChannelError::Retryable {
            message: format!("can't write {}: {e}", path.display()),
            after: None,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let temp = path.with_extension("json.tmp");
        std::fs::write(&temp, json).map_err(fail)?;
        std::fs::rename(&temp, path).map_err(fail)
    }
}

/// A file name for a key: readable, safe on every file system, and unique (a short hash of the
/// whole key is appended because the readable part drops characters).
fn file_stem(key: &str) -> String {
    let readable: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .take(120)
        .collect();
    let hash = hex::encode(Sha256::digest(key.as_bytes()));
    format!("{readable}-{}", &hash[..10])
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_owned())
}

#[async_trait]
impl Channel for Outbox {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Outbox
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        std::fs::create_dir_all(&self.dir).map_err(|e| ChannelError::Permanent {
            message: format!("can't create the outbox folder {}: {e}", self.dir.display()),
        })?;
        Ok(Identity {
            id: self.name.clone(),
            handle: self.name.clone(),
            display_name: Some(format!("outbox at {}", self.dir.display())),
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        let path = self.file_for("published", &publication.key);
        // Idempotent like a platform with idempotency keys: the same key publishes once.
        if path.exists() {
            return Ok(self.published(&path));
        }
        let file = PublishedFile {
            channel: &self.name,
            published_at: Utc::now().to_rfc3339(),
            publication,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| ChannelError::Permanent {
            message: format!("can't encode the publication: {e}"),
        })?;
        self.write(&path, &json)?;
        Ok(self.published(&path))
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        let path = self.file_for("published", &publication.key);
        Ok(if path.exists() {
            Reconciled::Published(self.published(&path))
        } else {
            Reconciled::NotPublished
        })
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let dir = self.dir.join("inbox");
        let mut names: Vec<String> = match std::fs::read_dir(&dir) {
            Ok(entries) => entries
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".json"))
                .filter(|n| cursor.is_none_or(|c| n.as_str() > c))
                .collect(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(ChannelError::Retryable {
                    message: format!("can't read {}: {e}", dir.display()),
                    after: None,
                });
            }
        };
        names.sort();
        let mut page = InboxPage::default();
        for name in names {
            let path = dir.join(&name);
            let message = std::fs::read(&path).map_err(|e| e.to_string()).and_then(|bytes| {
                serde_json::from_slice::<InboundMessage>(&bytes).map_err(|e| e.to_string())
            });
            match message {
                Ok(message) => page.messages.push(message),
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "skipping an outbox message that doesn't parse")
                }
            }
            page.cursor = Some(name);
        }
        Ok(page)
    }

    async fn reply(&self, to: &InboundMessage, text: &str, key: &str) -> Result<Published, ChannelError> {
        let path = self.file_for("replies", key);
        if path.exists() {
            return Ok(self.published(&path));
        }
        let file = ReplyFile {
            channel: &self.name,
            key,
            sent_at: Utc::now().to_rfc3339(),
            in_reply_to: to,
            text,
        };
        let json = serde_json::to_vec_pretty(&file).map_err(|e| ChannelError::Permanent {
            message: format!("can't encode the reply: {e}"),
        })?;
        self.write(&path, &json)?;
        Ok(self.published(&path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channels::{Author, MessageKind};

    fn publication(key: &str) -> Publication {
        Publication {
            key: key.to_owned(),
            post_id: "2026-12/flu".to_owned(),
            text: "Book your flu jab".to_owned(),
            link: None,
            images: vec![],
            videos: vec![],
            reshare: None,
        }
    }

    #[tokio::test]
    async fn publishes_once_per_key_and_reconciles() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new("outbox", dir.path());
        let p = publication("2026-12/flu#outbox@2026-12-01T10:00:00Z");
        assert_eq!(outbox.reconcile(&p).await.unwrap(), Reconciled::NotPublished);
        let first = outbox.publish(&p).await.unwrap();
        let again = outbox.publish(&p).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(
            std::fs::read_dir(dir.path().join("published")).unwrap().count(),
            1
        );
        assert_eq!(
            outbox.reconcile(&p).await.unwrap(),
            Reconciled::Published(first.clone())
        );
        let written: serde_json::Value =
            serde_json::from_slice(&std::fs::read(first.url.unwrap().trim_start_matches("file://")).unwrap())
                .unwrap();
        assert_eq!(written["text"], "Book your flu jab");
        assert_eq!(written["channel"], "outbox");
    }

    #[tokio::test]
    async fn reads_the_inbox_after_the_cursor_and_replies() {
        let dir = tempfile::tempdir().unwrap();
        let outbox = Outbox::new("outbox", dir.path());
        assert!(outbox.read_inbox(None).await.unwrap().messages.is_empty());
        std::fs::create_dir_all(dir.path().join("inbox")).unwrap();
        let message = InboundMessage {
            id: "m1".into(),
            kind: MessageKind::Mention,
            author: Author {
                id: "u1".into(),
                handle: "@someone".into(),
                is_bot: false,
            },
            text: "Where can I get a flu jab?".into(),
            sent_at: Utc::now(),
            conversation: None,
            visibility: Some("public".into()),
            mentioned: Vec::new(),
        };
        std::fs::write(
            dir.path().join("inbox/001.json"),
            serde_json::to_vec(&message).unwrap(),
        )
        .unwrap();
        let page = outbox.read_inbox(None).await.unwrap();
        assert_eq!(page.messages, vec![message.clone()]);
        assert_eq!(page.cursor.as_deref(), Some("001.json"));
        assert!(
            outbox
                .read_inbox(Some("001.json"))
                .await
                .unwrap()
                .messages
                .is_empty()
        );
        outbox
            .reply(&message, "This is an automatic reply", "reply-m1")
            .await
            .unwrap();
        assert_eq!(std::fs::read_dir(dir.path().join("replies")).unwrap().count(), 1);
    }

    #[test]
    fn file_names_are_safe_and_distinct() {
        assert_ne!(file_stem("a/b"), file_stem("a_b"));
        assert!(file_stem("../../etc/passwd").chars().all(|c| c != '/'));
    }
}
