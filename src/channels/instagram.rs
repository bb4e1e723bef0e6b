//! An Instagram professional account, through the Instagram API with Facebook Login (Graph API,
//! the linked Page's access token).
//!
//! Instagram takes no uploads for images: it fetches each one from a public URL. herald builds
//! that URL from `media_url` (where the content folder is served, e.g. the team's website or the
//! repository's raw files) and the file's path under the content folder.
//!
//! - verify: `GET /{ig-user-id}?fields=id,username,name`
//! - one image: `POST /{ig-user-id}/media` with `image_url`, `caption`, `alt_text`
//! - several: a container per image (`is_carousel_item=true`, `alt_text`), then one with
//!   `media_type=CAROUSEL` and `children`
//! - video: a `media_type=REELS` container with `video_url` (Instagram's API takes no caption
//!   files; viewers get Instagram's automatic captions)
//! - then `GET /{container-id}?fields=status_code` until `FINISHED`, and
//!   `POST /{ig-user-id}/media_publish` with `creation_id`
//! - reconcile: `GET /{ig-user-id}/media?fields=id,caption,timestamp,permalink`
//! - inbox: comments on recent media; reply: `POST /{ig-comment-id}/replies`

use std::path::{Path, PathBuf};
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use serde::Deserialize;

use super::facebook::{Graph, List};
use super::http::Effect;
use super::secret::Secret;
use super::{
    Author, Channel, ChannelError, Identity, InboundMessage, InboxPage, MessageKind, Publication, Published,
    Reconciled, common,
};
use crate::config::Platform;

/// How often to ask whether a container is ready.
const POLL_INTERVAL: Duration = Duration::from_secs(2);
/// How many times to ask (videos can take minutes).
const POLL_ATTEMPTS: u32 = 150;

/// Where the content folder is served publicly.
#[derive(Debug, Clone)]
pub struct MediaHost {
    base: String,
    content_dir: PathBuf,
}

impl MediaHost {
    /// Files under `content_dir` are served at `base` + their path under it.
    pub fn new(base: &str, content_dir: impl Into<PathBuf>) -> MediaHost {
        MediaHost {
            base: base.trim_end_matches('/').to_owned(),
            content_dir: content_dir.into(),
        }
    }

    /// The public URL of a content file.
    pub fn url_for(&self, path: &Path) -> Result<String, ChannelError> {
        let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_owned());
        let relative = absolute(path)
            .strip_prefix(absolute(&self.content_dir))
            .map(Path::to_owned)
            .map_err(|_| ChannelError::Permanent {
                message: format!(
                    "{} is outside the content folder {}, so it has no public URL under `media_url`",
                    path.display(),
                    self.content_dir.display()
                ),
            })?;
        let segments: Vec<String> = relative
            .components()
            .map(|c| {
                url::form_urlencoded::byte_serialize(c.as_os_str().to_string_lossy().as_bytes())
                    .collect::<String>()
                    .replace('+', "%20")
            })
            .collect();
        Ok(format!("{}/{}", self.base, segments.join("/")))
    }
}

/// An Instagram professional account.
#[derive(Debug)]
pub struct Instagram {
    name: String,
    user_id: String,
    graph: Graph,
    media: MediaHost,
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Account {
    id: String,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    status_code: Option<String>,
    #[serde(default)]
    status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MediaNode {
    id: String,
    #[serde(default)]
    caption: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    permalink: Option<String>,
    #[serde(default)]
    comments: Option<List<Comment>>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    from: Option<CommentFrom>,
}

#[derive(Debug, Deserialize)]
struct CommentFrom {
    id: String,
    #[serde(default)]
    username: Option<String>,
}

impl Instagram {
    /// The account `user_id`, reached at `base` with `version` and the linked Page's token.
    pub fn new(
        name: impl Into<String>,
        base: &str,
        version: &str,
        user_id: &str,
        token: Secret,
        media: MediaHost,
    ) -> Result<Instagram, ChannelError> {
        Ok(Instagram {
            name: name.into(),
            user_id: user_id.to_owned(),
            graph: Graph::new(Platform::Instagram, base, version, token)?,
            media,
        })
    }

    /// Waits at most `timeout` for each ordinary request (`[publish] request_timeout_seconds`);
    /// uploads keep their own, longer time-out.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.graph.http.set_request_timeout(timeout);
        self
    }

    async fn container(&self, fields: Vec<(&'static str, String)>) -> Result<String, ChannelError> {
        let path = format!("{}/media", self.user_id);
        let created: Created = self
            .graph
            .json(Effect::IdempotentWrite, || self.graph.post(&path).form(&fields))
            .await?;
        Ok(created.id)
    }

    async fn wait_until_ready(&self, container: &str) -> Result<(), ChannelError> {
        for attempt in 0..POLL_ATTEMPTS {
            let status: Status = self
                .graph
                .json(Effect::Read, || {
                    self.graph
                        .get(container)
                        .query(&[("fields", "status_code,status")])
                })
                .await?;
            match status.status_code.as_deref() {
                Some("FINISHED") | Some("PUBLISHED") => return Ok(()),
                Some("ERROR") | Some("EXPIRED") => {
                    return Err(ChannelError::Permanent {
                        message: format!(
                            "instagram couldn't prepare the media: {} ({})",
                            status.status_code.unwrap_or_default(),
                            status.status.unwrap_or_else(|| "no detail given".to_owned())
                        ),
                    });
                }
                _ => {}
            }
            if attempt + 1 < POLL_ATTEMPTS {
                tokio::time::sleep(POLL_INTERVAL).await;
            }
        }
        Err(ChannelError::Retryable {
            message: "instagram is still preparing the media".to_owned(),
            after: None,
        })
    }

    async fn permalink(&self, id: &str) -> Option<String> {
        let node: MediaNode = self
            .graph
            .json(Effect::Read, || {
                self.graph.get(id).query(&[("fields", "id,permalink")])
            })
            .await
            .ok()?;
        node.permalink
    }
}

#[async_trait]
impl Channel for Instagram {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Instagram
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        let me: Account = self
            .graph
            .json(Effect::Read, || {
                self.graph
                    .get(&self.user_id)
                    .query(&[("fields", "id,username,name")])
            })
            .await?;
        Ok(Identity {
            handle: me
                .username
                .map(|u| format!("@{u}"))
                .unwrap_or_else(|| me.id.clone()),
            id: me.id,
            display_name: me.name,
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        if publication.reshare.is_some() {
            return Err(common::unsupported(
                Platform::Instagram,
                "resharing another account's post",
            ));
        }
        let caption = publication.text.clone();
        let container = if let [image] = publication.images.as_slice() {
            let mut fields = vec![
                ("image_url", self.media.url_for(&image.path)?),
                ("caption", caption),
            ];
            if let Some(alt) = &image.alt {
                fields.push(("alt_text", alt.clone()));
            }
            self.container(fields).await?
        } else if publication.images.len() > 1 {
            let mut children = Vec::new();
            for image in &publication.images {
                let mut fields = vec![
                    ("image_url", self.media.url_for(&image.path)?),
                    ("is_carousel_item", "true".to_owned()),
                ];
                if let Some(alt) = &image.alt {
                    fields.push(("alt_text", alt.clone()));
                }
                let child = self.container(fields).await?;
                self.wait_until_ready(&child).await?;
                children.push(child);
            }
            self.container(vec![
                ("media_type", "CAROUSEL".to_owned()),
                ("children", children.join(",")),
                ("caption", caption),
            ])
            .await?
        } else if let Some(video) = publication.videos.first() {
            if video.captions.is_some() {
                tracing::info!(account = %self.name, "instagram's API takes no caption file; the reel relies on Instagram's automatic captions");
            }
            self.container(vec![
                ("media_type", "REELS".to_owned()),
                ("video_url", self.media.url_for(&video.path)?),
                ("caption", caption),
            ])
            .await?
        } else {
            return Err(ChannelError::Permanent {
                message: "an instagram post needs an image or a video".to_owned(),
            });
        };
        self.wait_until_ready(&container).await?;
        let path = format!("{}/media_publish", self.user_id);
        let published: Created = self
            .graph
            .json(Effect::Write, || {
                self.graph
                    .post(&path)
                    .form(&[("creation_id", container.as_str())])
            })
            .await?;
        let url = self.permalink(&published.id).await;
        Ok(Published {
            id: published.id,
            url,
        })
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        if publication.reshare.is_some() {
            return Ok(Reconciled::NotPublished);
        }
        let path = format!("{}/media", self.user_id);
        let media: List<MediaNode> = self
            .graph
            .json(Effect::Read, || {
                self.graph
                    .get(&path)
                    .query(&[("fields", "id,caption,timestamp,permalink"), ("limit", "25")])
            })
            .await?;
        let now = Utc::now();
        Ok(media
            .data
            .into_iter()
            .find(|m| {
                m.timestamp
                    .as_deref()
                    .and_then(common::parse_time)
                    .is_none_or(|at| common::within_window(at, now))
                    && m.caption
                        .as_deref()
                        .is_some_and(|c| common::same_text(&publication.text, c))
            })
            .map(|m| {
                Reconciled::Published(Published {
                    id: m.id,
                    url: m.permalink,
                })
            })
            .unwrap_or(Reconciled::NotPublished))
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let mut parts = common::parse_cursor(cursor);
        let since = parts.get("comments").and_then(|s| common::parse_time(s));
        let path = format!("{}/media", self.user_id);
        let media: List<MediaNode> = self
            .graph
            .json(Effect::Read, || {
                self.graph.get(&path).query(&[
                    ("fields", "id,comments.limit(25){id,text,timestamp,username,from}"),
                    ("limit", "10"),
                ])
            })
            .await?;
        let mut messages = Vec::new();
        let mut newest = since;
        for item in media.data {
            for comment in item.comments.map(|c| c.data).unwrap_or_default() {
                let Some(at) = comment.timestamp.as_deref().and_then(common::parse_time) else {
                    continue;
                };
                if since.is_some_and(|s| at <= s) {
                    continue;
                }
                if newest.is_none_or(|n| at > n) {
                    newest = Some(at);
                }
                let (id, username) = match comment.from {
                    Some(from) => (from.id, from.username.or(comment.username)),
                    None => (String::new(), comment.username),
                };
                if id == self.user_id {
                    continue;
                }
                let handle = username.map(|u| format!("@{u}")).unwrap_or_else(|| id.clone());
                messages.push(InboundMessage {
                    id: comment.id,
                    kind: MessageKind::Comment,
                    author: Author {
                        id,
                        handle,
                        is_bot: false,
                    },
                    text: comment.text,
                    sent_at: at,
                    conversation: Some(item.id.clone()),
                    visibility: Some("public".to_owned()),
                    mentioned: Vec::new(),
                });
            }
        }
        if let Some(newest) = newest {
            parts.insert("comments".to_owned(), newest.to_rfc3339());
        }
        messages.sort_by_key(|m| m.sent_at);
        let next = common::format_cursor(&parts).filter(|c| Some(c.as_str()) != cursor);
        Ok(InboxPage {
            messages,
            cursor: next,
        })
    }

    async fn reply(&self, to: &InboundMessage, text: &str, _key: &str) -> Result<Published, ChannelError> {
        if to.kind == MessageKind::Direct {
            return Err(common::unsupported(
                Platform::Instagram,
                "direct messages to herald (only comments are read)",
            ));
        }
        let path = format!("{}/replies", to.id);
        let created: Created = self
            .graph
            .json(Effect::Write, || {
                self.graph.post(&path).form(&[("message", text)])
            })
            .await?;
        Ok(Published {
            id: created.id,
            url: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_urls_follow_the_content_folder() {
        let host = MediaHost::new("https://example-icb.nhs.uk/social/", "/srv/herald/content");
        assert_eq!(
            host.url_for(Path::new("/srv/herald/content/media/flu jab.png"))
                .unwrap(),
            "https://example-icb.nhs.uk/social/media/flu%20jab.png"
        );
        assert!(host.url_for(Path::new("/etc/passwd")).is_err());
    }
}
