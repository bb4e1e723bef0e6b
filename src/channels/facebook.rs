//! A Facebook Page, through Meta's Graph API with a Page access token (sent as a bearer token,
//! never in the URL).
//!
//! - verify: `GET /me` (a Page token answers as the Page; it must be the configured Page)
//! - text and link: `POST /{page-id}/feed` with `message` (and `link`)
//! - images: each `POST /{page-id}/photos` with `published=false` and `alt_text_custom`, then
//!   `POST /{page-id}/feed` with `attached_media[i]={"media_fbid":…}`
//! - video: `POST /{page-id}/videos` with `description`, then `POST /{video-id}/captions`
//!   (`captions_file` named `….en_GB.srt`, `default_locale`)
//! - reshare: the Graph API has no "share"; the post's link is published to the feed, which
//!   Facebook shows as a shared post card
//! - reconcile: `GET /{page-id}/published_posts`
//! - inbox: `GET /{page-id}/conversations?platform=messenger` (messages) and the comments on the
//!   Page's recent posts (`GET /{page-id}/feed?fields=comments…`)
//! - reply: `POST /{page-id}/messages` (`messaging_type=RESPONSE`, within Meta's 24-hour window)
//!   or `POST /{comment-id}/comments`
//!
//! Rate limits arrive as error codes (4, 17, 32, 613, 80001…) with `X-App-Usage` and
//! `X-Business-Use-Case-Usage` headers; [`super::http`] turns them into a wait.

use async_trait::async_trait;
use chrono::Utc;
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::json;

use super::common::{self, Media};
use super::http::{Effect, Http, UPLOAD_TIMEOUT};
use super::secret::Secret;
use super::{
    Author, Channel, ChannelError, Identity, InboundMessage, InboxPage, MessageKind, Publication, Published,
    Reconciled,
};
use crate::config::Platform;

/// Meta's Graph API.
pub const DEFAULT_BASE: &str = "https://graph.facebook.com";
/// Meta's host for video uploads (used unless `base_url` points elsewhere).
pub const DEFAULT_VIDEO_BASE: &str = "https://graph-video.facebook.com";
/// The Graph API version herald speaks unless `api_version` says otherwise.
pub const API_VERSION: &str = "v25.0";

/// A Graph API client for one token: shared by the Facebook and Instagram adapters.
#[derive(Debug)]
pub struct Graph {
    pub(crate) http: Http,
    base: String,
    video_base: String,
    version: String,
    token: Secret,
}

impl Graph {
    /// A client for `base` (e.g. `https://graph.facebook.com`) and `version` (e.g. `v23.0`).
    pub fn new(platform: Platform, base: &str, version: &str, token: Secret) -> Result<Graph, ChannelError> {
        let http = Http::new(platform)?;
        http.register_secret(&token);
        let base = base.trim_end_matches('/').to_owned();
        let video_base = if base == DEFAULT_BASE {
            DEFAULT_VIDEO_BASE.to_owned()
        } else {
            base.clone()
        };
        Ok(Graph {
            http,
            base,
            video_base,
            version: version.trim_matches('/').to_owned(),
            token,
        })
    }

    /// The URL of a node or edge.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{}/{}", self.base, self.version, path.trim_start_matches('/'))
    }

    /// A GET with the token.
    pub fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .get(self.url(path))
            .bearer_auth(self.token.expose())
    }

    /// A POST with the token.
    pub fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .post(self.url(path))
            .bearer_auth(self.token.expose())
    }

    fn post_video(&self, path: &str) -> reqwest::RequestBuilder {
        let url = format!(
            "{}/{}/{}",
            self.video_base,
            self.version,
            path.trim_start_matches('/')
        );
        self.http.client().post(url).bearer_auth(self.token.expose())
    }

    /// Sends, checks and decodes.
    pub async fn json<T: serde::de::DeserializeOwned>(
        &self,
        effect: Effect,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ChannelError> {
        self.http.send_json(effect, build).await
    }
}

/// A Facebook Page.
#[derive(Debug)]
pub struct Facebook {
    name: String,
    page_id: String,
    graph: Graph,
}

#[derive(Debug, Deserialize)]
struct Node {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    username: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
    #[serde(default)]
    post_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct List<T> {
    #[serde(default = "Vec::new")]
    pub(crate) data: Vec<T>,
}

#[derive(Debug, Deserialize)]
struct FeedPost {
    id: String,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    permalink_url: Option<String>,
    #[serde(default)]
    comments: Option<List<Comment>>,
}

#[derive(Debug, Deserialize)]
struct Comment {
    id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    from: Option<From>,
}

#[derive(Debug, Deserialize)]
struct From {
    id: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ConversationNode {
    id: String,
    #[serde(default)]
    messages: Option<List<MessageNode>>,
}

#[derive(Debug, Deserialize)]
struct MessageNode {
    id: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    created_time: Option<String>,
    #[serde(default)]
    from: Option<From>,
}

#[derive(Debug, Deserialize)]
struct Sent {
    message_id: String,
}

impl Facebook {
    /// The Page `page_id`, reached at `base` with `version` and a Page access token.
    pub fn new(
        name: impl Into<String>,
        base: &str,
        version: &str,
        page_id: &str,
        token: Secret,
    ) -> Result<Facebook, ChannelError> {
        Ok(Facebook {
            name: name.into(),
            page_id: page_id.to_owned(),
            graph: Graph::new(Platform::Facebook, base, version, token)?,
        })
    }

    /// Waits at most `timeout` for each ordinary request (`[publish] request_timeout_seconds`);
    /// uploads keep their own, longer time-out.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.graph.http.set_request_timeout(timeout);
        self
    }

    async fn upload_photo(&self, media: &Media, alt: Option<&str>) -> Result<String, ChannelError> {
        let path = format!("{}/photos", self.page_id);
        let created: Created = self
            .graph
            .json(Effect::IdempotentWrite, || {
                let mut form = Form::new().part("source", part(media)).text("published", "false");
                if let Some(alt) = alt {
                    form = form.text("alt_text_custom", alt.to_owned());
                }
                self.graph.post(&path).multipart(form).timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        Ok(created.id)
    }

    async fn upload_video(
        &self,
        media: &Media,
        description: &str,
        captions: Option<&Media>,
    ) -> Result<Published, ChannelError> {
        let path = format!("{}/videos", self.page_id);
        let created: Created = self
            .graph
            .json(Effect::Write, || {
                let form = Form::new()
                    .part("source", part(media))
                    .text("description", description.to_owned());
                self.graph
                    .post_video(&path)
                    .multipart(form)
                    .timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        if let Some(captions) = captions {
            let srt = match captions.mime {
                "text/vtt" => vtt_to_srt(&String::from_utf8_lossy(&captions.bytes)),
                _ => String::from_utf8_lossy(&captions.bytes).into_owned(),
            };
            let path = format!("{}/captions", created.id);
            let result = self
                .graph
                .json::<serde_json::Value>(Effect::IdempotentWrite, || {
                    let form = Form::new()
                        .part(
                            "captions_file",
                            Part::bytes(srt.clone().into_bytes())
                                .file_name("captions.en_GB.srt")
                                .mime_str("application/x-subrip")
                                .unwrap_or_else(|_| Part::bytes(srt.clone().into_bytes())),
                        )
                        .text("default_locale", "en_GB");
                    self.graph.post(&path).multipart(form)
                })
                .await;
            if let Err(e) = result {
                // The video is out: failing now would make the publisher think it wasn't.
                tracing::error!(account = %self.name, video = %created.id, error = %e, "facebook video published without its captions");
            }
        }
        Ok(Published {
            url: Some(format!(
                "https://www.facebook.com/{}/videos/{}",
                self.page_id, created.id
            )),
            id: created.id,
        })
    }

    async fn feed_post(&self, fields: Vec<(String, String)>) -> Result<Published, ChannelError> {
        let path = format!("{}/feed", self.page_id);
        let created: Created = self
            .graph
            .json(Effect::Write, || self.graph.post(&path).form(&fields))
            .await?;
        Ok(Published {
            url: Some(post_url(&created.id)),
            id: created.post_id.unwrap_or(created.id),
        })
    }
}

fn part(media: &Media) -> Part {
    Part::bytes(media.bytes.clone())
        .file_name(media.file_name.clone())
        .mime_str(media.mime)
        .unwrap_or_else(|_| Part::bytes(media.bytes.clone()))
}

/// `https://www.facebook.com/{page}/posts/{post}` from a `{page}_{post}` id.
fn post_url(id: &str) -> String {
    match id.split_once('_') {
        Some((page, post)) => format!("https://www.facebook.com/{page}/posts/{post}"),
        None => format!("https://www.facebook.com/{id}"),
    }
}

/// WebVTT captions as SubRip (what Facebook's captions edge takes): numbered cues, `,` in the
/// timings, no header.
pub(crate) fn vtt_to_srt(vtt: &str) -> String {
    let mut out = String::new();
    let mut cue = 0;
    let mut in_cue = false;
    for line in vtt.lines() {
        let trimmed = line.trim();
        if trimmed.contains("-->") {
            cue += 1;
            let timing: Vec<&str> = trimmed.split_whitespace().take(3).collect();
            let fix = |t: &str| {
                let t = t.replace('.', ",");
                if t.matches(':').count() == 1 {
                    format!("00:{t}")
                } else {
                    t
                }
            };
            if timing.len() == 3 {
                out.push_str(&format!("{cue}\n{} --> {}\n", fix(timing[0]), fix(timing[2])));
            }
            in_cue = true;
        } else if trimmed.is_empty() {
            if in_cue {
                out.push('\n');
            }
            in_cue = false;
        } else if in_cue {
            out.push_str(trimmed);
            out.push('\n');
        }
    }
    out
}

#[async_trait]
impl Channel for Facebook {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Facebook
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        let me: Node = self
            .graph
            .json(Effect::Read, || {
                self.graph.get("me").query(&[("fields", "id,name,username")])
            })
            .await?;
        if me.id != self.page_id {
            return Err(ChannelError::Unauthorized {
                message: format!(
                    "the token belongs to {} ({}), not the Page {}: use a Page access token for that Page",
                    me.name.as_deref().unwrap_or("another account"),
                    me.id,
                    self.page_id
                ),
            });
        }
        Ok(Identity {
            handle: me.username.clone().unwrap_or_else(|| me.id.clone()),
            id: me.id,
            display_name: me.name,
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        if let Some(link) = &publication.reshare {
            let mut fields = vec![("link".to_owned(), link.clone())];
            if !publication.text.trim().is_empty() {
                fields.push(("message".to_owned(), publication.text.clone()));
            }
            return self.feed_post(fields).await;
        }
        if let Some(video) = publication.videos.first() {
            let media = common::read_media(&video.path).await?;
            let captions = match &video.captions {
                Some(path) => Some(common::read_media(path).await?),
                None => None,
            };
            return self
                .upload_video(&media, &publication.text, captions.as_ref())
                .await;
        }
        let mut fields = vec![("message".to_owned(), publication.text.clone())];
        if publication.images.is_empty() {
            if let Some(link) = &publication.link {
                fields.push(("link".to_owned(), link.clone()));
            }
        } else {
            for (i, image) in publication.images.iter().enumerate() {
                let media = common::read_media(&image.path).await?;
                let id = self.upload_photo(&media, image.alt.as_deref()).await?;
                fields.push((
                    format!("attached_media[{i}]"),
                    json!({"media_fbid": id}).to_string(),
                ));
            }
        }
        self.feed_post(fields).await
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        let path = format!("{}/published_posts", self.page_id);
        let posts: List<FeedPost> = self
            .graph
            .json(Effect::Read, || {
                self.graph.get(&path).query(&[
                    ("fields", "id,message,created_time,permalink_url"),
                    ("limit", "25"),
                ])
            })
            .await?;
        let now = Utc::now();
        let expected = if publication.reshare.is_some() && publication.text.trim().is_empty() {
            return Ok(Reconciled::CannotTell);
        } else {
            &publication.text
        };
        Ok(posts
            .data
            .into_iter()
            .find(|p| {
                p.created_time
                    .as_deref()
                    .and_then(common::parse_time)
                    .is_none_or(|at| common::within_window(at, now))
                    && p.message
                        .as_deref()
                        .is_some_and(|m| common::same_text(expected, m))
            })
            .map(|p| {
                Reconciled::Published(Published {
                    url: p.permalink_url.clone().or_else(|| Some(post_url(&p.id))),
                    id: p.id,
                })
            })
            .unwrap_or(Reconciled::NotPublished))
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let mut parts = common::parse_cursor(cursor);
        let mut messages = Vec::new();
        let newer = |since: Option<&String>, at: Option<&str>| -> bool {
            match (
                since.and_then(|s| common::parse_time(s)),
                at.and_then(common::parse_time),
            ) {
                (Some(since), Some(at)) => at > since,
                (None, _) => true,
                (Some(_), None) => false,
            }
        };

        let path = format!("{}/conversations", self.page_id);
        let conversations: List<ConversationNode> = self
            .graph
            .json(Effect::Read, || {
                self.graph.get(&path).query(&[
                    ("platform", "messenger"),
                    (
                        "fields",
                        "id,updated_time,messages.limit(10){id,message,created_time,from}",
                    ),
                    ("limit", "25"),
                ])
            })
            .await?;
        let since = parts.get("messages").cloned();
        let mut newest = since.clone();
        for conversation in conversations.data {
            for message in conversation.messages.map(|m| m.data).unwrap_or_default() {
                if !newer(since.as_ref(), message.created_time.as_deref()) {
                    continue;
                }
                let at = message.created_time.clone().unwrap_or_default();
                if newer(newest.as_ref(), Some(&at)) {
                    newest = Some(at);
                }
                let Some(from) = message.from else { continue };
                if from.id == self.page_id {
                    continue;
                }
                messages.push(InboundMessage {
                    id: message.id,
                    kind: MessageKind::Direct,
                    author: Author {
                        handle: from.name.clone().unwrap_or_else(|| from.id.clone()),
                        id: from.id,
                        is_bot: false,
                    },
                    text: message.message,
                    sent_at: message
                        .created_time
                        .as_deref()
                        .and_then(common::parse_time)
                        .unwrap_or_else(Utc::now),
                    conversation: Some(conversation.id.clone()),
                    visibility: Some("direct".to_owned()),
                    mentioned: Vec::new(),
                });
            }
        }
        if let Some(newest) = newest {
            parts.insert("messages".to_owned(), newest);
        }

        let path = format!("{}/feed", self.page_id);
        let feed: List<FeedPost> = self
            .graph
            .json(Effect::Read, || {
                self.graph.get(&path).query(&[
                    (
                        "fields",
                        "id,comments.order(reverse_chronological).limit(25){id,message,created_time,from}",
                    ),
                    ("limit", "10"),
                ])
            })
            .await?;
        let since = parts.get("comments").cloned();
        let mut newest = since.clone();
        for post in feed.data {
            for comment in post.comments.map(|c| c.data).unwrap_or_default() {
                if !newer(since.as_ref(), comment.created_time.as_deref()) {
                    continue;
                }
                let at = comment.created_time.clone().unwrap_or_default();
                if newer(newest.as_ref(), Some(&at)) {
                    newest = Some(at);
                }
                let Some(from) = comment.from else { continue };
                if from.id == self.page_id {
                    continue;
                }
                messages.push(InboundMessage {
                    id: comment.id,
                    kind: MessageKind::Comment,
                    author: Author {
                        handle: from.name.clone().unwrap_or_else(|| from.id.clone()),
                        id: from.id,
                        is_bot: false,
                    },
                    text: comment.message,
                    sent_at: comment
                        .created_time
                        .as_deref()
                        .and_then(common::parse_time)
                        .unwrap_or_else(Utc::now),
                    conversation: Some(post.id.clone()),
                    visibility: Some("public".to_owned()),
                    mentioned: Vec::new(),
                });
            }
        }
        if let Some(newest) = newest {
            parts.insert("comments".to_owned(), newest);
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
            let path = format!("{}/messages", self.page_id);
            let body = json!({
                "recipient": {"id": to.author.id},
                "messaging_type": "RESPONSE",
                "message": {"text": text},
            });
            let sent: Sent = self
                .graph
                .json(Effect::Write, || self.graph.post(&path).json(&body))
                .await?;
            return Ok(Published {
                id: sent.message_id,
                url: None,
            });
        }
        let path = format!("{}/comments", to.id);
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
    fn converts_vtt_to_srt() {
        let vtt = "WEBVTT\n\n00:01.000 --> 00:02.500 align:start\nWelcome.\n\n00:00:03.000 --> 00:00:04.000\nBook online.\n";
        assert_eq!(
            vtt_to_srt(vtt),
            "1\n00:00:01,000 --> 00:00:02,500\nWelcome.\n\n2\n00:00:03,000 --> 00:00:04,000\nBook online.\n"
        );
    }

    #[test]
    fn post_urls() {
        assert_eq!(post_url("111_222"), "https://www.facebook.com/111/posts/222");
    }
}
