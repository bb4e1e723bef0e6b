//! Mastodon (and compatible servers), through its REST API.
//!
//! - verify: `GET /api/v1/accounts/verify_credentials`
//! - media: `POST /api/v2/media` (multipart `file`, `description`), answered 200 when processed
//!   or 202 while processing; then `GET /api/v1/media/:id` until it answers 200 (206 meanwhile)
//! - publish: `POST /api/v1/statuses` with `media_ids[]` and an `Idempotency-Key` header (the
//!   publication's key: Mastodon returns the first status for a repeated key)
//! - reshare: `GET /api/v2/search?resolve=true&type=statuses` for the URL, then
//!   `POST /api/v1/statuses/:id/reblog` (reblogging twice returns the same reblog)
//! - inbox: `GET /api/v1/notifications?types[]=mention` (mentions, replies and direct messages)
//!   and `GET /api/v1/conversations` (direct conversations), each paged with `min_id`
//! - reply: a status `in_reply_to_id` the message, with its visibility, mentioning its author
//!
//! Mastodon takes no caption tracks for videos; the captions' text goes into the video's
//! description (a transcript), which screen readers read.

use std::collections::{BTreeMap, HashSet};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::OnceCell;

use super::common::{self, Media};
use super::http::{Effect, Http, UPLOAD_TIMEOUT};
use super::secret::Secret;
use super::{
    Author, Channel, ChannelError, Identity, InboundMessage, InboxPage, MessageKind, Publication, Published,
    Reconciled,
};
use crate::config::Platform;

/// Mastodon's limit on a media description.
const DESCRIPTION_LIMIT: usize = 1500;
/// How often to ask whether an upload has been processed.
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// How many times to ask before giving up (videos take a while).
const POLL_ATTEMPTS: u32 = 300;

/// A Mastodon account.
#[derive(Debug)]
pub struct Mastodon {
    name: String,
    base: String,
    token: Secret,
    http: Http,
    me: OnceCell<Account>,
}

#[derive(Debug, Clone, Deserialize)]
struct Account {
    id: String,
    username: String,
    acct: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    bot: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Status {
    id: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default)]
    uri: Option<String>,
    created_at: DateTime<Utc>,
    #[serde(default)]
    content: String,
    #[serde(default)]
    visibility: Option<String>,
    account: Account,
    #[serde(default)]
    in_reply_to_account_id: Option<String>,
    #[serde(default)]
    reblogged: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct Notification {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    status: Option<Status>,
}

#[derive(Debug, Deserialize)]
struct Conversation {
    id: String,
    #[serde(default)]
    last_status: Option<Status>,
}

#[derive(Debug, Deserialize)]
struct Attachment {
    id: String,
}

#[derive(Debug, Deserialize)]
struct SearchResults {
    #[serde(default)]
    statuses: Vec<Status>,
}

impl Mastodon {
    /// An account on the server at `base` (e.g. `https://mastodon.example`).
    pub fn new(name: impl Into<String>, base: &str, token: Secret) -> Result<Mastodon, ChannelError> {
        let http = Http::new(Platform::Mastodon)?;
        http.register_secret(&token);
        Ok(Mastodon {
            name: name.into(),
            base: base.trim_end_matches('/').to_owned(),
            token,
            http,
            me: OnceCell::new(),
        })
    }

    /// Waits at most `timeout` for each ordinary request (`[publish] request_timeout_seconds`);
    /// uploads keep their own, longer time-out.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http.set_request_timeout(timeout);
        self
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn get(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .get(self.url(path))
            .bearer_auth(self.token.expose())
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .post(self.url(path))
            .bearer_auth(self.token.expose())
    }

    async fn me(&self) -> Result<&Account, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                self.http
                    .send_json::<Account>(Effect::Read, || self.get("/api/v1/accounts/verify_credentials"))
                    .await
            })
            .await
    }

    fn host(&self) -> &str {
        self.base
            .split("://")
            .nth(1)
            .unwrap_or(&self.base)
            .split('/')
            .next()
            .unwrap_or_default()
    }

    async fn upload(&self, media: &Media, description: Option<&str>) -> Result<String, ChannelError> {
        let build = || {
            let mut form = Form::new().part(
                "file",
                Part::bytes(media.bytes.clone())
                    .file_name(media.file_name.clone())
                    .mime_str(media.mime)
                    .unwrap_or_else(|_| Part::bytes(media.bytes.clone())),
            );
            if let Some(description) = description {
                form = form.text("description", description.to_owned());
            }
            self.post("/api/v2/media").multipart(form).timeout(UPLOAD_TIMEOUT)
        };
        let response = self.http.send(Effect::IdempotentWrite, build).await?;
        let processing = response.status().as_u16() == 202;
        let attachment: Attachment = self.http.json(response, Effect::IdempotentWrite).await?;
        if processing {
            self.wait_for_processing(&attachment.id).await?;
        }
        Ok(attachment.id)
    }

    async fn wait_for_processing(&self, id: &str) -> Result<(), ChannelError> {
        let path = format!("/api/v1/media/{id}");
        for _ in 0..POLL_ATTEMPTS {
            tokio::time::sleep(POLL_INTERVAL).await;
            let response = self.http.send(Effect::Read, || self.get(&path)).await?;
            if response.status().as_u16() != 206 {
                return Ok(());
            }
        }
        Err(ChannelError::Retryable {
            message: format!("mastodon is still processing media {id}"),
            after: None,
        })
    }

    async fn find_status(&self, url: &str) -> Result<Status, ChannelError> {
        let results: SearchResults = self
            .http
            .send_json(Effect::Read, || {
                self.get("/api/v2/search").query(&[
                    ("q", url),
                    ("type", "statuses"),
                    ("resolve", "true"),
                    ("limit", "1"),
                ])
            })
            .await?;
        results
            .statuses
            .into_iter()
            .next()
            .ok_or_else(|| ChannelError::Permanent {
                message: format!("mastodon can't find the post to boost: {url}"),
            })
    }

    fn published(status: &Status) -> Published {
        Published {
            id: status.id.clone(),
            url: status.url.clone().or_else(|| status.uri.clone()),
        }
    }

    async fn post_status(&self, body: serde_json::Value, key: &str) -> Result<Status, ChannelError> {
        self.http
            .send_json(Effect::IdempotentWrite, || {
                self.post("/api/v1/statuses")
                    .header("Idempotency-Key", key)
                    .json(&body)
            })
            .await
    }

    fn message(&self, status: Status, me: &Account, conversation: Option<String>) -> InboundMessage {
        let visibility = status.visibility.clone();
        let kind = match visibility.as_deref() {
            Some("direct") => MessageKind::Direct,
            _ if status.in_reply_to_account_id.as_deref() == Some(me.id.as_str()) => MessageKind::Reply,
            _ => MessageKind::Mention,
        };
        let acct = if status.account.acct.contains('@') {
            status.account.acct.clone()
        } else {
            format!("{}@{}", status.account.acct, self.host())
        };
        InboundMessage {
            id: status.id,
            kind,
            author: Author {
                id: status.account.id,
                handle: format!("@{acct}"),
                is_bot: status.account.bot,
            },
            text: common::html_to_text(&status.content),
            sent_at: status.created_at,
            conversation,
            visibility,
            mentioned: Vec::new(),
        }
    }
}

/// A video's description from its captions: the words without the timings (a transcript).
pub(crate) fn transcript(captions: &str, limit: usize) -> String {
    let mut words = Vec::new();
    for line in captions.lines() {
        let line = line.trim();
        if line.is_empty()
            || line == "WEBVTT"
            || line.starts_with("WEBVTT ")
            || line.starts_with("NOTE")
            || line.contains("-->")
            || line.chars().all(|c| c.is_ascii_digit())
        {
            continue;
        }
        words.push(line);
    }
    let mut text = words.join(" ");
    if text.chars().count() > limit {
        text = text.chars().take(limit.saturating_sub(1)).collect::<String>() + "…";
    }
    text
}

/// Compares Mastodon ids (numeric strings of varying length) as numbers.
fn id_key(id: &str) -> (usize, &str) {
    (id.len(), id)
}

#[async_trait]
impl Channel for Mastodon {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Mastodon
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        let me = self.me().await?;
        Ok(Identity {
            id: me.id.clone(),
            handle: format!("@{}@{}", me.username, self.host()),
            display_name: Some(me.display_name.clone()).filter(|n| !n.is_empty()),
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        if let Some(url) = &publication.reshare {
            let original = self.find_status(url).await?;
            let path = format!("/api/v1/statuses/{}/reblog", original.id);
            let reblog: Status = self
                .http
                .send_json(Effect::IdempotentWrite, || {
                    self.post(&path).json(&json!({"visibility": "public"}))
                })
                .await?;
            return Ok(Self::published(&reblog));
        }
        let mut media_ids = Vec::new();
        for image in &publication.images {
            let media = common::read_media(&image.path).await?;
            media_ids.push(self.upload(&media, image.alt.as_deref()).await?);
        }
        for video in &publication.videos {
            let media = common::read_media(&video.path).await?;
            let description = match &video.captions {
                Some(path) => Some(transcript(
                    &String::from_utf8_lossy(&common::read_media(path).await?.bytes),
                    DESCRIPTION_LIMIT,
                )),
                None => None,
            };
            media_ids.push(self.upload(&media, description.as_deref()).await?);
        }
        let status = self
            .post_status(
                json!({"status": publication.text, "media_ids": media_ids, "visibility": "public"}),
                &publication.key,
            )
            .await?;
        Ok(Self::published(&status))
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        if let Some(url) = &publication.reshare {
            let original = self.find_status(url).await?;
            return Ok(match original.reblogged {
                Some(true) => Reconciled::Published(Self::published(&original)),
                Some(false) => Reconciled::NotPublished,
                None => Reconciled::CannotTell,
            });
        }
        let me = self.me().await?;
        let path = format!("/api/v1/accounts/{}/statuses", me.id);
        let statuses: Vec<Status> = self
            .http
            .send_json(Effect::Read, || {
                self.get(&path)
                    .query(&[("limit", "40"), ("exclude_reblogs", "true")])
            })
            .await?;
        let now = Utc::now();
        Ok(statuses
            .iter()
            .find(|s| {
                common::within_window(s.created_at, now)
                    && common::same_text(&publication.text, &common::html_to_text(&s.content))
            })
            .map(|s| Reconciled::Published(Self::published(s)))
            .unwrap_or(Reconciled::NotPublished))
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let me = self.me().await?.clone();
        let mut parts = common::parse_cursor(cursor);
        let mut seen = HashSet::new();
        let mut messages = Vec::new();

        let notifications: Vec<Notification> = self
            .http
            .send_json(Effect::Read, || {
                let mut query = vec![("types[]", "mention".to_owned()), ("limit", "40".to_owned())];
                if let Some(min) = parts.get("notifications") {
                    query.push(("min_id", min.clone()));
                }
                self.get("/api/v1/notifications").query(&query)
            })
            .await?;
        if let Some(newest) = notifications
            .iter()
            .map(|n| n.id.as_str())
            .max_by_key(|id| id_key(id))
        {
            parts.insert("notifications".to_owned(), newest.to_owned());
        }
        for notification in notifications {
            if notification.kind != "mention" {
                continue;
            }
            if let Some(status) = notification.status
                && status.account.id != me.id
                && seen.insert(status.id.clone())
            {
                messages.push(self.message(status, &me, None));
            }
        }

        let conversations: Vec<Conversation> = self
            .http
            .send_json(Effect::Read, || {
                let mut query = vec![("limit", "40".to_owned())];
                if let Some(min) = parts.get("conversations") {
                    query.push(("min_id", min.clone()));
                }
                self.get("/api/v1/conversations").query(&query)
            })
            .await?;
        let newest = conversations
            .iter()
            .filter_map(|c| c.last_status.as_ref().map(|s| s.id.clone()))
            .max_by(|a, b| id_key(a).cmp(&id_key(b)));
        let previous = parts.get("conversations").cloned();
        for conversation in conversations {
            let Some(status) = conversation.last_status else {
                continue;
            };
            let is_new = previous.as_deref().is_none_or(|c| id_key(&status.id) > id_key(c));
            if status.account.id != me.id && is_new && seen.insert(status.id.clone()) {
                messages.push(self.message(status, &me, Some(conversation.id)));
            } else if let Some(m) = messages.iter_mut().find(|m| m.id == status.id) {
                m.conversation = Some(conversation.id);
            }
        }
        if let Some(newest) = newest
            && previous.as_deref().is_none_or(|c| id_key(&newest) > id_key(c))
        {
            parts.insert("conversations".to_owned(), newest);
        }
        messages.sort_by(|a, b| {
            a.sent_at
                .cmp(&b.sent_at)
                .then_with(|| id_key(&a.id).cmp(&id_key(&b.id)))
        });
        Ok(InboxPage {
            messages,
            cursor: common::format_cursor(&parts).filter(|c| Some(c.as_str()) != cursor),
        })
    }

    async fn reply(&self, to: &InboundMessage, text: &str, key: &str) -> Result<Published, ChannelError> {
        let mention = to.author.handle.clone();
        let status = if text.starts_with(&mention) {
            text.to_owned()
        } else {
            format!("{mention} {text}")
        };
        let visibility = to.visibility.clone().unwrap_or_else(|| "public".to_owned());
        let mut body = BTreeMap::new();
        body.insert("status", json!(status));
        body.insert("in_reply_to_id", json!(to.id));
        body.insert("visibility", json!(visibility));
        let status = self.post_status(json!(body), key).await?;
        Ok(Self::published(&status))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcript_drops_timings() {
        let vtt = "WEBVTT\n\n1\n00:00:00.000 --> 00:00:02.000\nWelcome to the clinic.\n\n2\n00:00:02.000 --> 00:00:04.000\nBook online.\n";
        assert_eq!(transcript(vtt, 1500), "Welcome to the clinic. Book online.");
        assert_eq!(transcript(vtt, 10), "Welcome t…");
    }

    #[test]
    fn ids_compare_as_numbers() {
        assert!(id_key("110") > id_key("99"));
    }
}
