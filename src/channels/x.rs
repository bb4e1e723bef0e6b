//! X (formerly Twitter), API v2, with an OAuth 2.0 user token.
//!
//! - auth: a user access token (`token_env`/`token_file`), and/or a refresh token
//!   (`refresh_token_file` + `client_id`): `POST /2/oauth2/token` with
//!   `grant_type=refresh_token` when the access token expires or is refused. X rotates the
//!   refresh token on every use, so the new one is written back to the file (atomically) before
//!   the new access token is used.
//! - verify: `GET /2/users/me`
//! - images: `POST /2/media/upload` (multipart, `media_category=tweet_image`), then
//!   `POST /2/media/metadata` with `alt_text`
//! - videos: `POST /2/media/upload/initialize`, `…/{id}/append`, `…/{id}/finalize`, then
//!   `GET /2/media/upload?command=STATUS` until processed; captions uploaded as
//!   `media_category=subtitles` and attached with `POST /2/media/subtitles`
//! - publish: `POST /2/tweets`; reshare: `POST /2/users/{id}/retweets`
//! - reconcile: the account's recent posts (`GET /2/users/{id}/tweets`)
//! - inbox: `GET /2/users/{id}/mentions` (`since_id`) and `GET /2/dm_events`
//! - reply: `POST /2/tweets` with `reply.in_reply_to_tweet_id`, or
//!   `POST /2/dm_conversations/{id}/messages`

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::multipart::{Form, Part};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{Mutex, OnceCell};

use super::common::{self, Media};
use super::http::{Effect, Http, UPLOAD_TIMEOUT};
use super::secret::{self, Secret};
use super::{
    Author, Channel, ChannelError, Identity, InboundMessage, InboxPage, MessageKind, Publication, Published,
    Reconciled,
};
use crate::config::Platform;

/// X's API.
pub const DEFAULT_BASE: &str = "https://api.x.com";
/// Bytes per chunk of a video upload.
const CHUNK: usize = 4 * 1024 * 1024;
/// How many times to ask whether a video has been processed.
const POLL_ATTEMPTS: u32 = 120;

/// How to refresh the access token.
#[derive(Debug, Clone)]
pub struct Refresh {
    /// The app's OAuth 2.0 client id.
    pub client_id: String,
    /// The client secret, for confidential apps.
    pub client_secret: Option<Secret>,
    /// The file holding the current refresh token; rewritten on every rotation.
    pub file: PathBuf,
}

#[derive(Debug)]
struct Tokens {
    access: Option<Secret>,
    expires_at: Option<Instant>,
}

/// An X account.
#[derive(Debug)]
pub struct X {
    name: String,
    base: String,
    http: Http,
    refresh: Option<Refresh>,
    tokens: Mutex<Tokens>,
    me: OnceCell<User>,
}

#[derive(Debug, Clone, Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    name: String,
    username: String,
}

#[derive(Debug, Deserialize)]
struct Data<T> {
    data: T,
}

#[derive(Debug, Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
    #[serde(default)]
    refresh_token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MediaData {
    id: String,
    #[serde(default)]
    processing_info: Option<ProcessingInfo>,
}

#[derive(Debug, Deserialize)]
struct ProcessingInfo {
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    check_after_secs: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct Tweet {
    id: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    author_id: Option<String>,
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    in_reply_to_user_id: Option<String>,
    #[serde(default)]
    referenced_tweets: Vec<Reference>,
    #[serde(default)]
    entities: Option<Entities>,
}

/// A post's entities; herald reads only its mentions.
#[derive(Debug, Default, Deserialize)]
struct Entities {
    #[serde(default)]
    mentions: Vec<Mention>,
}

/// An `@mention` in a post. `id` is the mentioned account's id, when X resolved it.
#[derive(Debug, Deserialize)]
struct Mention {
    #[serde(default)]
    id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Reference {
    #[serde(rename = "type")]
    kind: String,
    id: String,
}

#[derive(Debug, Default, Deserialize)]
struct Includes {
    #[serde(default)]
    users: Vec<User>,
}

#[derive(Debug, Default, Deserialize)]
struct Meta {
    #[serde(default)]
    newest_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    data: Vec<T>,
    #[serde(default)]
    includes: Includes,
    #[serde(default)]
    meta: Meta,
}

#[derive(Debug, Deserialize)]
struct DmEvent {
    id: String,
    event_type: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(default)]
    dm_conversation_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DmSent {
    dm_event_id: String,
}

impl X {
    /// An account at `base` with an access token, a way to refresh it, or both.
    pub fn new(
        name: impl Into<String>,
        base: &str,
        access: Option<Secret>,
        refresh: Option<Refresh>,
    ) -> Result<X, ChannelError> {
        let http = Http::new(Platform::X)?;
        if let Some(access) = &access {
            http.register_secret(access);
        }
        if let Some(secret) = refresh.as_ref().and_then(|r| r.client_secret.as_ref()) {
            http.register_secret(secret);
        }
        Ok(X {
            name: name.into(),
            base: base.trim_end_matches('/').to_owned(),
            http,
            refresh,
            tokens: Mutex::new(Tokens {
                access,
                expires_at: None,
            }),
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

    /// The access token to use: the current one, or a fresh one if it has expired (or
    /// `stale`, the one just refused, is still current).
    async fn access_token(&self, stale: Option<&Secret>) -> Result<Secret, ChannelError> {
        let mut tokens = self.tokens.lock().await;
        let expired = tokens
            .expires_at
            .is_some_and(|at| at <= Instant::now() + Duration::from_secs(60));
        let refused = stale.is_some() && tokens.access.as_ref() == stale;
        match (&tokens.access, &self.refresh) {
            (Some(access), _) if !expired && !refused => return Ok(access.clone()),
            (_, None) => {
                return match &tokens.access {
                    Some(access) if !refused => Ok(access.clone()),
                    _ => Err(ChannelError::Unauthorized {
                        message: "x refused the access token and herald has no refresh token: add \
                                  `refresh_token_file` and `client_id`, or renew the token"
                            .to_owned(),
                    }),
                };
            }
            (_, Some(_)) => {}
        }
        let answer = self.refresh_tokens().await?;
        let access = Secret::new(answer.access_token);
        self.http.register_secret(&access);
        tokens.access = Some(access.clone());
        tokens.expires_at = answer.expires_in.map(|s| Instant::now() + Duration::from_secs(s));
        Ok(access)
    }

    async fn refresh_tokens(&self) -> Result<TokenAnswer, ChannelError> {
        let Some(refresh) = &self.refresh else {
            return Err(ChannelError::Unauthorized {
                message: "no refresh token configured".to_owned(),
            });
        };
        let current = secret::read(None, Some(&refresh.file), std::path::Path::new(""))
            .map_err(|e| ChannelError::Unauthorized {
                message: e.to_string(),
            })?
            .ok_or_else(|| ChannelError::Unauthorized {
                message: "no refresh token".to_owned(),
            })?;
        self.http.register_secret(&current);
        let answer: TokenAnswer = self
            .http
            .send_json(Effect::Write, || {
                let mut request = self.http.client().post(self.url("/2/oauth2/token")).form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", current.expose()),
                    ("client_id", refresh.client_id.as_str()),
                ]);
                if let Some(secret) = &refresh.client_secret {
                    request = request.basic_auth(&refresh.client_id, Some(secret.expose()));
                }
                request
            })
            .await
            .map_err(|e| match e {
                ChannelError::Permanent { message } | ChannelError::Unauthorized { message } => {
                    ChannelError::Unauthorized {
                        message: format!(
                            "{message}; x refused the refresh token in {}: authorise the app again and save the new refresh token there",
                            refresh.file.display()
                        ),
                    }
                }
                other => other,
            })?;
        if let Some(rotated) = &answer.refresh_token {
            let rotated = Secret::new(rotated.clone());
            self.http.register_secret(&rotated);
            secret::write_atomically(&refresh.file, rotated.expose()).map_err(|e| {
                ChannelError::Permanent {
                    message: format!(
                        "x rotated the refresh token but herald can't save it to {}: {e}",
                        refresh.file.display()
                    ),
                }
            })?;
            tracing::info!(account = %self.name, "x refresh token rotated and saved");
        }
        Ok(answer)
    }

    /// Sends with the access token, refreshing and retrying once if X refuses it.
    async fn send(
        &self,
        effect: Effect,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ChannelError> {
        let token = self.access_token(None).await?;
        match self
            .http
            .send(effect, || build().bearer_auth(token.expose()))
            .await
        {
            Err(ChannelError::Unauthorized { .. }) if self.refresh.is_some() => {
                let token = self.access_token(Some(&token)).await?;
                self.http
                    .send(effect, || build().bearer_auth(token.expose()))
                    .await
            }
            other => other,
        }
    }

    async fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        effect: Effect,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<T, ChannelError> {
        let response = self.send(effect, build).await?;
        self.http.json(response, effect).await
    }

    async fn me(&self) -> Result<&User, ChannelError> {
        self.me
            .get_or_try_init(|| async {
                let me: Data<User> = self
                    .send_json(Effect::Read, || self.http.client().get(self.url("/2/users/me")))
                    .await?;
                Ok(me.data)
            })
            .await
    }

    async fn upload_image(&self, media: &Media, alt: Option<&str>) -> Result<String, ChannelError> {
        let uploaded: Data<MediaData> = self
            .send_json(Effect::IdempotentWrite, || {
                let form = Form::new()
                    .part("media", media_part(media))
                    .text("media_category", "tweet_image")
                    .text("media_type", media.mime);
                self.http
                    .client()
                    .post(self.url("/2/media/upload"))
                    .multipart(form)
                    .timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        let id = uploaded.data.id;
        if let Some(alt) = alt.filter(|a| !a.trim().is_empty()) {
            let body = json!({"id": id, "metadata": {"alt_text": {"text": alt}}});
            self.send(Effect::IdempotentWrite, || {
                self.http.client().post(self.url("/2/media/metadata")).json(&body)
            })
            .await?;
        }
        Ok(id)
    }

    async fn upload_video(&self, media: &Media, captions: Option<&Media>) -> Result<String, ChannelError> {
        let init = json!({
            "media_category": "tweet_video",
            "media_type": media.mime,
            "total_bytes": media.bytes.len(),
        });
        let started: Data<MediaData> = self
            .send_json(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .post(self.url("/2/media/upload/initialize"))
                    .json(&init)
            })
            .await?;
        let id = started.data.id;
        for (index, chunk) in media.bytes.chunks(CHUNK).enumerate() {
            let path = format!("/2/media/upload/{id}/append");
            self.send(Effect::IdempotentWrite, || {
                let form = Form::new()
                    .part(
                        "media",
                        Part::bytes(chunk.to_vec()).file_name(media.file_name.clone()),
                    )
                    .text("segment_index", index.to_string());
                self.http
                    .client()
                    .post(self.url(&path))
                    .multipart(form)
                    .timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        }
        let path = format!("/2/media/upload/{id}/finalize");
        let finished: Data<MediaData> = self
            .send_json(Effect::IdempotentWrite, || {
                self.http.client().post(self.url(&path))
            })
            .await?;
        let mut info = finished.data.processing_info;
        let mut polls = 0;
        while let Some(current) = info.take() {
            match current.state.as_deref() {
                Some("succeeded") | None => break,
                Some("failed") => {
                    return Err(ChannelError::Permanent {
                        message: format!("x couldn't process the video {}", media.file_name),
                    });
                }
                _ => {}
            }
            polls += 1;
            if polls > POLL_ATTEMPTS {
                return Err(ChannelError::Retryable {
                    message: format!("x is still processing the video {}", media.file_name),
                    after: None,
                });
            }
            tokio::time::sleep(Duration::from_secs(
                current.check_after_secs.unwrap_or(1).clamp(1, 30),
            ))
            .await;
            let status: Data<MediaData> = self
                .send_json(Effect::Read, || {
                    self.http
                        .client()
                        .get(self.url("/2/media/upload"))
                        .query(&[("media_id", id.as_str()), ("command", "STATUS")])
                })
                .await?;
            info = status.data.processing_info;
        }
        if let Some(captions) = captions {
            let uploaded: Data<MediaData> = self
                .send_json(Effect::IdempotentWrite, || {
                    let form = Form::new()
                        .part("media", media_part(captions))
                        .text("media_category", "subtitles")
                        .text("media_type", captions.mime);
                    self.http
                        .client()
                        .post(self.url("/2/media/upload"))
                        .multipart(form)
                })
                .await?;
            let body = json!({
                "id": id,
                "media_category": "TweetVideo",
                "subtitles": {"id": uploaded.data.id, "language_code": "EN", "display_name": "English"},
            });
            self.send(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .post(self.url("/2/media/subtitles"))
                    .json(&body)
            })
            .await?;
        }
        Ok(id)
    }

    fn tweet_url(&self, username: &str, id: &str) -> String {
        format!("https://x.com/{username}/status/{id}")
    }

    async fn post_tweet(&self, body: serde_json::Value) -> Result<Published, ChannelError> {
        let created: Data<Tweet> = self
            .send_json(Effect::Write, || {
                self.http.client().post(self.url("/2/tweets")).json(&body)
            })
            .await?;
        let me = self.me().await.ok();
        Ok(Published {
            url: me.map(|me| self.tweet_url(&me.username, &created.data.id)),
            id: created.data.id,
        })
    }
}

fn media_part(media: &Media) -> Part {
    Part::bytes(media.bytes.clone())
        .file_name(media.file_name.clone())
        .mime_str(media.mime)
        .unwrap_or_else(|_| Part::bytes(media.bytes.clone()))
}

/// The post id in an x.com / twitter.com status link (or a bare id).
fn tweet_id(link: &str) -> Option<String> {
    if !link.is_empty() && link.chars().all(|c| c.is_ascii_digit()) {
        return Some(link.to_owned());
    }
    let after = link.split("/status/").nth(1)?;
    let id: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!id.is_empty()).then_some(id)
}

fn newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

#[async_trait]
impl Channel for X {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::X
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        let me = self.me().await?;
        Ok(Identity {
            id: me.id.clone(),
            handle: format!("@{}", me.username),
            display_name: Some(me.name.clone()).filter(|n| !n.is_empty()),
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        if let Some(link) = &publication.reshare {
            let id = tweet_id(link).ok_or_else(|| ChannelError::Permanent {
                message: format!("`{link}` is not a link to a post on X (https://x.com/NAME/status/ID)"),
            })?;
            let me = self.me().await?;
            let path = format!("/2/users/{}/retweets", me.id);
            self.send(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .post(self.url(&path))
                    .json(&json!({"tweet_id": id}))
            })
            .await?;
            return Ok(Published {
                id: id.clone(),
                url: Some(link.clone()),
            });
        }
        let mut media_ids = Vec::new();
        for image in &publication.images {
            let media = common::read_media(&image.path).await?;
            media_ids.push(self.upload_image(&media, image.alt.as_deref()).await?);
        }
        for video in &publication.videos {
            let media = common::read_media(&video.path).await?;
            let captions = match &video.captions {
                Some(path) => Some(common::read_media(path).await?),
                None => None,
            };
            media_ids.push(self.upload_video(&media, captions.as_ref()).await?);
        }
        let mut body = json!({"text": publication.text});
        if !media_ids.is_empty() {
            body["media"] = json!({"media_ids": media_ids});
        }
        self.post_tweet(body).await
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        let me = self.me().await?.clone();
        let path = format!("/2/users/{}/tweets", me.id);
        let page: Page<Tweet> = self
            .send_json(Effect::Read, || {
                self.http.client().get(self.url(&path)).query(&[
                    ("max_results", "20"),
                    ("tweet.fields", "created_at,referenced_tweets"),
                ])
            })
            .await?;
        let now = Utc::now();
        let found = match &publication.reshare {
            Some(link) => {
                let Some(id) = tweet_id(link) else {
                    return Ok(Reconciled::CannotTell);
                };
                page.data
                    .iter()
                    .any(|t| {
                        t.referenced_tweets
                            .iter()
                            .any(|r| r.kind == "retweeted" && r.id == id)
                    })
                    .then(|| Published {
                        id: id.clone(),
                        url: Some(link.clone()),
                    })
            }
            None => page
                .data
                .iter()
                .find(|t| {
                    t.created_at.is_none_or(|at| common::within_window(at, now))
                        && common::same_text(&publication.text, &t.text)
                })
                .map(|t| Published {
                    id: t.id.clone(),
                    url: Some(self.tweet_url(&me.username, &t.id)),
                }),
        };
        Ok(found
            .map(Reconciled::Published)
            .unwrap_or(Reconciled::NotPublished))
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let me = self.me().await?.clone();
        let mut parts = common::parse_cursor(cursor);
        let mut messages = Vec::new();

        let path = format!("/2/users/{}/mentions", me.id);
        let mentions: Page<Tweet> = self
            .send_json(Effect::Read, || {
                let mut query = vec![
                    ("max_results", "100".to_owned()),
                    (
                        "tweet.fields",
                        "created_at,author_id,conversation_id,in_reply_to_user_id,entities".to_owned(),
                    ),
                    ("expansions", "author_id".to_owned()),
                    ("user.fields", "username".to_owned()),
                ];
                if let Some(since) = parts.get("mentions") {
                    query.push(("since_id", since.clone()));
                }
                self.http.client().get(self.url(&path)).query(&query)
            })
            .await?;
        let users: HashMap<&str, &User> = mentions
            .includes
            .users
            .iter()
            .map(|u| (u.id.as_str(), u))
            .collect();
        for tweet in &mentions.data {
            let author = tweet.author_id.clone().unwrap_or_default();
            if author == me.id {
                continue;
            }
            // Everyone else it tags: X would copy them into the reply and notify them.
            let mentioned = others_mentioned(tweet, &author, &me.id);
            messages.push(InboundMessage {
                id: tweet.id.clone(),
                kind: if tweet.in_reply_to_user_id.as_deref() == Some(me.id.as_str()) {
                    MessageKind::Reply
                } else {
                    MessageKind::Mention
                },
                author: Author {
                    handle: format!(
                        "@{}",
                        users
                            .get(author.as_str())
                            .map(|u| u.username.as_str())
                            .unwrap_or(&author)
                    ),
                    id: author,
                    is_bot: false,
                },
                text: tweet.text.clone(),
                sent_at: tweet.created_at.unwrap_or_else(Utc::now),
                conversation: tweet.conversation_id.clone(),
                visibility: Some("public".to_owned()),
                mentioned,
            });
        }
        let newest = mentions.meta.newest_id.clone().or_else(|| {
            mentions
                .data
                .iter()
                .map(|t| t.id.clone())
                .max_by(|a, b| (a.len(), a).cmp(&(b.len(), b)))
        });
        if let Some(newest) = newest {
            parts.insert("mentions".to_owned(), newest);
        }

        let events: Page<DmEvent> = self
            .send_json(Effect::Read, || {
                self.http.client().get(self.url("/2/dm_events")).query(&[
                    ("event_types", "MessageCreate"),
                    ("max_results", "100"),
                    (
                        "dm_event.fields",
                        "id,text,created_at,sender_id,dm_conversation_id,event_type",
                    ),
                    ("expansions", "sender_id"),
                    ("user.fields", "username"),
                ])
            })
            .await?;
        let senders: HashMap<&str, &User> =
            events.includes.users.iter().map(|u| (u.id.as_str(), u)).collect();
        let since = parts.get("dm").cloned();
        let mut newest_dm = since.clone();
        for event in &events.data {
            if event.event_type != "MessageCreate" || since.as_deref().is_some_and(|s| !newer(&event.id, s)) {
                continue;
            }
            if newest_dm.as_deref().is_none_or(|n| newer(&event.id, n)) {
                newest_dm = Some(event.id.clone());
            }
            let sender = event.sender_id.clone().unwrap_or_default();
            if sender == me.id {
                continue;
            }
            messages.push(InboundMessage {
                id: event.id.clone(),
                kind: MessageKind::Direct,
                author: Author {
                    handle: format!(
                        "@{}",
                        senders
                            .get(sender.as_str())
                            .map(|u| u.username.as_str())
                            .unwrap_or(&sender)
                    ),
                    id: sender,
                    is_bot: false,
                },
                text: event.text.clone(),
                sent_at: event.created_at.unwrap_or_else(Utc::now),
                conversation: event.dm_conversation_id.clone(),
                visibility: Some("direct".to_owned()),
                mentioned: Vec::new(),
            });
        }
        if let Some(newest) = newest_dm {
            parts.insert("dm".to_owned(), newest);
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
            let path = match &to.conversation {
                Some(conversation) => format!("/2/dm_conversations/{conversation}/messages"),
                None => format!("/2/dm_conversations/with/{}/messages", to.author.id),
            };
            let sent: Data<DmSent> = self
                .send_json(Effect::Write, || {
                    self.http
                        .client()
                        .post(self.url(&path))
                        .json(&json!({"text": text}))
                })
                .await?;
            return Ok(Published {
                id: sent.data.dm_event_id,
                url: None,
            });
        }
        let mut reply = json!({"in_reply_to_tweet_id": to.id});
        if !to.mentioned.is_empty() {
            // Only the person who wrote is answered; the others they tagged aren't notified.
            reply["exclude_reply_user_ids"] = json!(to.mentioned);
        }
        self.post_tweet(json!({"text": text, "reply": reply})).await
    }
}

/// The ids of the accounts a post mentions other than its author and us, each once, in order.
fn others_mentioned(tweet: &Tweet, author: &str, me: &str) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for id in tweet
        .entities
        .iter()
        .flat_map(|e| &e.mentions)
        .filter_map(|m| m.id.as_deref())
    {
        if id != author && id != me && !ids.iter().any(|seen| seen == id) {
            ids.push(id.to_owned());
        }
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_post_ids_in_links() {
        assert_eq!(
            tweet_id("https://x.com/NHSEngland/status/1864000000000000001?s=20").as_deref(),
            Some("1864000000000000001")
        );
        assert_eq!(tweet_id("https://twitter.com/a/status/42").as_deref(), Some("42"));
        assert_eq!(tweet_id("https://x.com/NHSEngland"), None);
    }
}
