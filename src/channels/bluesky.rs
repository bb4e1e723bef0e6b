//! Bluesky, through the AT Protocol's XRPC endpoints on the account's PDS. Hand-written serde
//! for the few lexicons used (a full lexicon crate would cost more to compile than the adapter).
//!
//! - session: `com.atproto.server.createSession` with the handle and an app password;
//!   `com.atproto.server.refreshSession` when the access token expires (`ExpiredToken`)
//! - verify: `com.atproto.server.getSession`
//! - media: `com.atproto.repo.uploadBlob`, then an `app.bsky.embed.images` embed with alt text,
//!   or `app.bsky.embed.video` with its captions (`text/vtt` blobs)
//! - publish: `com.atproto.repo.createRecord` of an `app.bsky.feed.post` with rich-text facets
//!   (links, hashtags, mentions; UTF-8 byte offsets) and, for a link post, an
//!   `app.bsky.embed.external` card; the record key is a TID derived from the publication's key,
//!   so the same publication can only ever be one record
//! - reshare: an `app.bsky.feed.repost` record (same key scheme)
//! - reconcile: `com.atproto.repo.getRecord` on the derived key
//! - inbox: `app.bsky.notification.listNotifications` (mentions and replies) and the chat
//!   service's `chat.bsky.convo.listConvos`/`getMessages` (proxied by the PDS)
//! - reply: a post with `reply.root`/`reply.parent`, or `chat.bsky.convo.sendMessage`

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use super::common::{self, Media};
use super::http::{Effect, Http, UPLOAD_TIMEOUT};
use super::secret::Secret;
use super::{
    Author, Channel, ChannelError, Identity, InboundMessage, InboxPage, MessageKind, Publication, Published,
    Reconciled,
};
use crate::config::Platform;

/// The service an account signs in to unless `base_url` says otherwise.
pub const DEFAULT_SERVICE: &str = "https://bsky.social";
/// The chat service the PDS proxies `chat.bsky.*` to.
const CHAT_PROXY: &str = "did:web:api.bsky.chat#bsky_chat";
const POST: &str = "app.bsky.feed.post";
const REPOST: &str = "app.bsky.feed.repost";

/// A Bluesky account.
#[derive(Debug)]
pub struct Bluesky {
    name: String,
    base: String,
    handle: String,
    password: Secret,
    http: Http,
    session: Mutex<Option<Session>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SessionBody {
    access_jwt: String,
    refresh_jwt: String,
    handle: String,
    did: String,
}

#[derive(Debug, Clone)]
struct Session {
    access: Secret,
    refresh: Secret,
    handle: String,
    did: String,
}

#[derive(Debug, Deserialize)]
struct StrongRef {
    uri: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetSession {
    handle: String,
    did: String,
}

#[derive(Debug, Deserialize)]
struct Profile {
    did: String,
    handle: String,
    #[serde(default)]
    labels: Vec<Label>,
}

#[derive(Debug, Deserialize)]
struct Label {
    val: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Notification {
    uri: String,
    author: Profile,
    reason: String,
    record: Value,
    indexed_at: String,
}

#[derive(Debug, Deserialize)]
struct Notifications {
    notifications: Vec<Notification>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Convo {
    id: String,
    members: Vec<Profile>,
    #[serde(default)]
    last_message: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Convos {
    convos: Vec<Convo>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChatMessage {
    id: String,
    #[serde(default)]
    text: String,
    sender: ChatSender,
    sent_at: String,
}

#[derive(Debug, Deserialize)]
struct ChatSender {
    did: String,
}

#[derive(Debug, Deserialize)]
struct Messages {
    messages: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct PostView {
    uri: String,
    cid: String,
    #[serde(default)]
    record: Value,
}

#[derive(Debug, Deserialize)]
struct Posts {
    posts: Vec<PostView>,
}

#[derive(Debug, Deserialize)]
struct ResolvedHandle {
    did: String,
}

#[derive(Debug, Deserialize)]
struct Blob {
    blob: Value,
}

impl Bluesky {
    /// An account signing in to `base` as `handle` with an app password.
    pub fn new(
        name: impl Into<String>,
        base: &str,
        handle: &str,
        password: Secret,
    ) -> Result<Bluesky, ChannelError> {
        let http = Http::new(Platform::Bluesky)?;
        http.register_secret(&password);
        Ok(Bluesky {
            name: name.into(),
            base: base.trim_end_matches('/').to_owned(),
            handle: handle.trim_start_matches('@').to_owned(),
            password,
            http,
            session: Mutex::new(None),
        })
    }

    /// Waits at most `timeout` for each ordinary request (`[publish] request_timeout_seconds`);
    /// uploads keep their own, longer time-out.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http.set_request_timeout(timeout);
        self
    }

    fn xrpc(&self, nsid: &str) -> String {
        format!("{}/xrpc/{nsid}", self.base)
    }

    fn adopt(&self, body: SessionBody) -> Session {
        let session = Session {
            access: Secret::new(body.access_jwt),
            refresh: Secret::new(body.refresh_jwt),
            handle: body.handle,
            did: body.did,
        };
        self.http.register_secret(&session.access);
        self.http.register_secret(&session.refresh);
        session
    }

    async fn create_session(&self) -> Result<Session, ChannelError> {
        let body: SessionBody = self
            .http
            .send_json(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .post(self.xrpc("com.atproto.server.createSession"))
                    .json(&json!({"identifier": self.handle, "password": self.password.expose()}))
            })
            .await
            .map_err(|e| match e {
                ChannelError::Unauthorized { message } => ChannelError::Unauthorized {
                    message: format!("{message}; check the handle and the app password"),
                },
                other => other,
            })?;
        Ok(self.adopt(body))
    }

    async fn refresh_session(&self, refresh: &Secret) -> Result<Session, ChannelError> {
        let body: SessionBody = self
            .http
            .send_json(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .post(self.xrpc("com.atproto.server.refreshSession"))
                    .bearer_auth(refresh.expose())
            })
            .await?;
        Ok(self.adopt(body))
    }

    async fn session(&self) -> Result<Session, ChannelError> {
        let mut guard = self.session.lock().await;
        if let Some(session) = guard.as_ref() {
            return Ok(session.clone());
        }
        let session = self.create_session().await?;
        *guard = Some(session.clone());
        Ok(session)
    }

    /// After an expired access token: refresh, or sign in again if the refresh token has
    /// expired too.
    async fn renew(&self, stale: &Session) -> Result<Session, ChannelError> {
        let mut guard = self.session.lock().await;
        if let Some(current) = guard.as_ref()
            && current.access != stale.access
        {
            return Ok(current.clone());
        }
        let session = match self.refresh_session(&stale.refresh).await {
            Ok(session) => session,
            Err(ChannelError::Unauthorized { .. } | ChannelError::Permanent { .. }) => {
                self.create_session().await?
            }
            Err(e) => return Err(e),
        };
        *guard = Some(session.clone());
        Ok(session)
    }

    /// Sends an authenticated request, renewing the session once if the token expired.
    async fn call(
        &self,
        effect: Effect,
        build: impl Fn(&Session) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ChannelError> {
        let session = self.session().await?;
        let response = self
            .http
            .send_raw(effect, build(&session).bearer_auth(session.access.expose()))
            .await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = super::http::read_body(response).await;
        if is_expired(status.as_u16(), &body) {
            let session = self.renew(&session).await?;
            return self
                .http
                .send(effect, || build(&session).bearer_auth(session.access.expose()))
                .await;
        }
        match self.http.classify(status, &headers, &body, effect) {
            ChannelError::Retryable { after, .. } if effect != Effect::Write && after.is_none() => {
                // Once more, through the retry policy.
                self.http
                    .send(effect, || build(&session).bearer_auth(session.access.expose()))
                    .await
            }
            error => Err(error),
        }
    }

    async fn call_json<T: serde::de::DeserializeOwned>(
        &self,
        effect: Effect,
        build: impl Fn(&Session) -> reqwest::RequestBuilder,
    ) -> Result<T, ChannelError> {
        let response = self.call(effect, build).await?;
        self.http.json(response, effect).await
    }

    async fn upload_blob(&self, media: &Media) -> Result<Value, ChannelError> {
        let blob: Blob = self
            .call_json(Effect::IdempotentWrite, |_| {
                self.http
                    .client()
                    .post(self.xrpc("com.atproto.repo.uploadBlob"))
                    .header("Content-Type", media.mime)
                    .body(media.bytes.clone())
                    .timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        Ok(blob.blob)
    }

    async fn resolve_handle(&self, handle: &str) -> Result<String, ChannelError> {
        if handle.starts_with("did:") {
            return Ok(handle.to_owned());
        }
        let resolved: ResolvedHandle = self
            .call_json(Effect::Read, |_| {
                self.http
                    .client()
                    .get(self.xrpc("com.atproto.identity.resolveHandle"))
                    .query(&[("handle", handle)])
            })
            .await?;
        Ok(resolved.did)
    }

    async fn get_post(&self, uri: &str) -> Result<PostView, ChannelError> {
        let posts: Posts = self
            .call_json(Effect::Read, |_| {
                self.http
                    .client()
                    .get(self.xrpc("app.bsky.feed.getPosts"))
                    .query(&[("uris", uri)])
            })
            .await?;
        posts
            .posts
            .into_iter()
            .next()
            .ok_or_else(|| ChannelError::Permanent {
                message: format!("bluesky can't find the post {uri}"),
            })
    }

    /// An `at://` URI from a bsky.app link (or an `at://` URI as it is).
    async fn at_uri(&self, link: &str) -> Result<String, ChannelError> {
        if link.starts_with("at://") {
            return Ok(link.to_owned());
        }
        let path = link
            .split_once("/profile/")
            .map(|(_, rest)| rest)
            .ok_or_else(|| ChannelError::Permanent {
                message: format!(
                    "`{link}` is not a Bluesky post link (https://bsky.app/profile/HANDLE/post/ID)"
                ),
            })?;
        let mut parts = path.split('/');
        let (Some(actor), Some("post"), Some(rkey)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(ChannelError::Permanent {
                message: format!(
                    "`{link}` is not a Bluesky post link (https://bsky.app/profile/HANDLE/post/ID)"
                ),
            });
        };
        let did = self.resolve_handle(actor).await?;
        Ok(format!(
            "at://{did}/{POST}/{}",
            rkey.split(['?', '#']).next().unwrap_or(rkey)
        ))
    }

    async fn create_record(
        &self,
        session: &Session,
        collection: &str,
        rkey: &str,
        record: Value,
    ) -> Result<Published, ChannelError> {
        let body = json!({"repo": session.did, "collection": collection, "rkey": rkey, "record": record});
        let created: Result<StrongRef, ChannelError> = self
            .call_json(Effect::IdempotentWrite, |_| {
                self.http
                    .client()
                    .post(self.xrpc("com.atproto.repo.createRecord"))
                    .json(&body)
            })
            .await;
        match created {
            Ok(created) => Ok(self.published(session, &created.uri)),
            // A record with this key already exists: an earlier attempt got through.
            Err(ChannelError::Permanent { message }) => {
                match self.get_record(session, collection, rkey).await? {
                    Some(uri) => Ok(self.published(session, &uri)),
                    None => Err(ChannelError::Permanent { message }),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn get_record(
        &self,
        session: &Session,
        collection: &str,
        rkey: &str,
    ) -> Result<Option<String>, ChannelError> {
        let response = self
            .call(Effect::Read, |_| {
                self.http
                    .client()
                    .get(self.xrpc("com.atproto.repo.getRecord"))
                    .query(&[
                        ("repo", session.did.as_str()),
                        ("collection", collection),
                        ("rkey", rkey),
                    ])
            })
            .await;
        match response {
            Ok(response) => {
                let found: StrongRef = self.http.json(response, Effect::Read).await?;
                Ok(Some(found.uri))
            }
            Err(ChannelError::Permanent { message }) if message.contains("RecordNotFound") => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn published(&self, session: &Session, uri: &str) -> Published {
        let rkey = uri.rsplit('/').next().unwrap_or_default();
        let url = uri
            .contains(&format!("/{POST}/"))
            .then(|| format!("https://bsky.app/profile/{}/post/{rkey}", session.handle));
        Published {
            id: uri.to_owned(),
            url,
        }
    }

    async fn facets(&self, text: &str) -> Vec<Value> {
        let mut facets = Vec::new();
        for facet in detect_facets(text) {
            let feature = match facet.kind {
                FacetKind::Link(uri) => json!({"$type": "app.bsky.richtext.facet#link", "uri": uri}),
                FacetKind::Tag(tag) => json!({"$type": "app.bsky.richtext.facet#tag", "tag": tag}),
                FacetKind::Mention(handle) => match self.resolve_handle(&handle).await {
                    Ok(did) => json!({"$type": "app.bsky.richtext.facet#mention", "did": did}),
                    Err(e) => {
                        tracing::info!(handle = %handle, error = %e, "not linking a mention bluesky can't resolve");
                        continue;
                    }
                },
            };
            facets.push(json!({
                "index": {"byteStart": facet.start, "byteEnd": facet.end},
                "features": [feature],
            }));
        }
        facets
    }

    /// The card for a link post: the page's Open Graph title and description when it can be
    /// fetched, the link itself otherwise.
    async fn external_card(&self, link: &str) -> Value {
        let (title, description) = match common::link_card(&self.http, link).await {
            Some(card) => card,
            None => (link.to_owned(), String::new()),
        };
        json!({
            "$type": "app.bsky.embed.external",
            "external": {"uri": link, "title": title, "description": description},
        })
    }

    async fn chat_messages(
        &self,
        session: &Session,
        since: Option<&str>,
    ) -> Result<(Vec<InboundMessage>, Option<String>), ChannelError> {
        let proxy = |request: reqwest::RequestBuilder| request.header("atproto-proxy", CHAT_PROXY);
        let convos: Convos = self
            .call_json(Effect::Read, |_| {
                proxy(self.http.client().get(self.xrpc("chat.bsky.convo.listConvos")))
                    .query(&[("limit", "50")])
            })
            .await?;
        let mut messages = Vec::new();
        let mut newest: Option<String> = since.map(str::to_owned);
        for convo in convos.convos {
            let last = convo
                .last_message
                .as_ref()
                .and_then(|m| serde_json::from_value::<ChatMessage>(m.clone()).ok());
            let Some(last) = last else { continue };
            if since.is_some_and(|s| later_or_equal(s, &last.sent_at)) || last.sender.did == session.did {
                continue;
            }
            let page: Messages = self
                .call_json(Effect::Read, |_| {
                    proxy(self.http.client().get(self.xrpc("chat.bsky.convo.getMessages")))
                        .query(&[("convoId", convo.id.as_str()), ("limit", "30")])
                })
                .await?;
            let members: HashMap<&str, &Profile> =
                convo.members.iter().map(|m| (m.did.as_str(), m)).collect();
            for value in page.messages {
                // Deleted messages (`#deletedMessageView`) have nothing to answer.
                if value["$type"].as_str() == Some("chat.bsky.convo.defs#deletedMessageView") {
                    continue;
                }
                let Ok(message) = serde_json::from_value::<ChatMessage>(value) else {
                    continue;
                };
                if message.sender.did == session.did
                    || since.is_some_and(|s| later_or_equal(s, &message.sent_at))
                {
                    continue;
                }
                let Some(sent_at) = common::parse_time(&message.sent_at) else {
                    continue;
                };
                if newest
                    .as_deref()
                    .is_none_or(|n| !later_or_equal(n, &message.sent_at))
                {
                    newest = Some(message.sent_at.clone());
                }
                let member = members.get(message.sender.did.as_str());
                messages.push(InboundMessage {
                    id: message.id,
                    kind: MessageKind::Direct,
                    author: Author {
                        id: message.sender.did.clone(),
                        handle: format!(
                            "@{}",
                            member.map(|m| m.handle.as_str()).unwrap_or(&message.sender.did)
                        ),
                        is_bot: member.is_some_and(|m| is_bot(m)),
                    },
                    text: message.text,
                    sent_at,
                    conversation: Some(convo.id.clone()),
                    visibility: Some("direct".to_owned()),
                    mentioned: Vec::new(),
                });
            }
        }
        Ok((messages, newest))
    }
}

/// XRPC answers an expired access token with 400 `{"error":"ExpiredToken"}`; a token the
/// service no longer accepts at all gets 401.
fn is_expired(status: u16, body: &[u8]) -> bool {
    let name = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_owned))
        .unwrap_or_default();
    (status == 400 && name == "ExpiredToken") || (status == 401 && name != "AuthenticationRequired")
}

fn is_bot(profile: &Profile) -> bool {
    profile.labels.iter().any(|l| l.val == "bot")
}

/// Whether time stamp `a` is at or after `b` (both RFC 3339).
fn later_or_equal(a: &str, b: &str) -> bool {
    match (common::parse_time(a), common::parse_time(b)) {
        (Some(a), Some(b)) => a >= b,
        _ => a >= b,
    }
}

/// A record key for a publication: a valid TID (the record key type `app.bsky.feed.post`
/// declares) computed from the publication's key, so that the same publication always maps to
/// the same record. The time part falls in 2023, before any real post of the account's, so it
/// never collides with keys the PDS generates.
pub fn record_key(key: &str) -> String {
    const ALPHABET: &[u8; 32] = b"234567abcdefghijklmnopqrstuvwxyz";
    const START_MICROS: u64 = 1_672_531_200_000_000; // 2023-01-01T00:00:00Z
    const YEAR_MICROS: u64 = 365 * 86_400 * 1_000_000;
    let hash = Sha256::digest(key.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&hash[..8]);
    let micros = START_MICROS + u64::from_be_bytes(first) % YEAR_MICROS;
    let clock = u64::from(u16::from_be_bytes([hash[8], hash[9]])) & 0x3ff;
    let mut n = (micros << 10) | clock;
    let mut out = [0u8; 13];
    for slot in out.iter_mut().rev() {
        *slot = ALPHABET[(n & 31) as usize];
        n >>= 5;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A rich-text facet found in post text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facet {
    /// UTF-8 byte offset where it starts.
    pub start: usize,
    /// UTF-8 byte offset where it ends (exclusive).
    pub end: usize,
    /// What it is.
    pub kind: FacetKind,
}

/// What a facet marks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FacetKind {
    /// A link to this URI.
    Link(String),
    /// A hashtag (without `#`).
    Tag(String),
    /// A mention of this handle (without `@`).
    Mention(String),
}

/// Finds links, hashtags and mentions, with UTF-8 byte offsets as Bluesky's facets require.
pub fn detect_facets(text: &str) -> Vec<Facet> {
    let mut facets = Vec::new();
    let mut word_start = None;
    let bytes = text.char_indices().chain(std::iter::once((text.len(), ' ')));
    for (i, c) in bytes {
        if c.is_whitespace() {
            if let Some(start) = word_start.take() {
                word(text, start, i, &mut facets);
            }
        } else if word_start.is_none() {
            word_start = Some(i);
        }
    }
    facets
}

fn word(text: &str, start: usize, end: usize, facets: &mut Vec<Facet>) {
    let w = &text[start..end];
    // A word may open with punctuation: "(see https://…)".
    let lead = w.len() - w.trim_start_matches(['(', '"', '\'', '[']).len();
    let start = start + lead;
    let w = &text[start..end];
    let trimmed = w.trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '"', '\'', ']']);
    let end = start + trimmed.len();
    if (trimmed.starts_with("https://") || trimmed.starts_with("http://")) && trimmed.len() > 8 {
        facets.push(Facet {
            start,
            end,
            kind: FacetKind::Link(trimmed.to_owned()),
        });
    } else if let Some(tag) = trimmed.strip_prefix('#').or_else(|| trimmed.strip_prefix('＃')) {
        let tag_len = tag
            .char_indices()
            .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
            .map(|(i, _)| i)
            .unwrap_or(tag.len());
        let tag = &tag[..tag_len];
        if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) && tag.chars().count() <= 64 {
            let prefix = trimmed.len() - trimmed.trim_start_matches(['#', '＃']).len();
            facets.push(Facet {
                start,
                end: start + prefix + tag.len(),
                kind: FacetKind::Tag(tag.to_owned()),
            });
        }
    } else if let Some(handle) = trimmed.strip_prefix('@') {
        let handle_len = handle
            .char_indices()
            .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
            .map(|(i, _)| i)
            .unwrap_or(handle.len());
        let handle = handle[..handle_len].trim_end_matches(['.', '-']);
        if handle.contains('.') && !handle.starts_with('.') {
            facets.push(Facet {
                start,
                end: start + 1 + handle.len(),
                kind: FacetKind::Mention(handle.to_owned()),
            });
        }
    }
}

fn now_string() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[async_trait]
impl Channel for Bluesky {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Bluesky
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        let me: GetSession = self
            .call_json(Effect::Read, |_| {
                self.http.client().get(self.xrpc("com.atproto.server.getSession"))
            })
            .await?;
        Ok(Identity {
            id: me.did,
            handle: format!("@{}", me.handle),
            display_name: None,
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        let session = self.session().await?;
        let rkey = record_key(&publication.key);
        if let Some(link) = &publication.reshare {
            let uri = self.at_uri(link).await?;
            let original = self.get_post(&uri).await?;
            let record = json!({
                "$type": REPOST,
                "subject": {"uri": original.uri, "cid": original.cid},
                "createdAt": now_string(),
            });
            return self.create_record(&session, REPOST, &rkey, record).await;
        }
        let mut record = serde_json::Map::new();
        record.insert("$type".into(), json!(POST));
        record.insert("text".into(), json!(publication.text));
        record.insert("createdAt".into(), json!(now_string()));
        record.insert("langs".into(), json!(["en"]));
        let facets = self.facets(&publication.text).await;
        if !facets.is_empty() {
            record.insert("facets".into(), json!(facets));
        }
        if !publication.images.is_empty() {
            let mut images = Vec::new();
            for image in &publication.images {
                let media = common::read_media(&image.path).await?;
                let blob = self.upload_blob(&media).await?;
                images.push(json!({"alt": image.alt.clone().unwrap_or_default(), "image": blob}));
            }
            record.insert(
                "embed".into(),
                json!({"$type": "app.bsky.embed.images", "images": images}),
            );
        } else if let Some(video) = publication.videos.first() {
            let media = common::read_media(&video.path).await?;
            let blob = self.upload_blob(&media).await?;
            let mut embed = json!({"$type": "app.bsky.embed.video", "video": blob});
            if let Some(path) = &video.captions {
                let mut captions = common::read_media(path).await?;
                if captions.mime == "text/srt" {
                    captions.bytes = srt_to_vtt(&String::from_utf8_lossy(&captions.bytes)).into_bytes();
                }
                captions.mime = "text/vtt";
                let file = self.upload_blob(&captions).await?;
                embed["captions"] = json!([{"lang": "en", "file": file}]);
            }
            record.insert("embed".into(), embed);
        } else if let Some(link) = &publication.link {
            record.insert("embed".into(), self.external_card(link).await);
        }
        self.create_record(&session, POST, &rkey, Value::Object(record))
            .await
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        let session = self.session().await?;
        let collection = if publication.reshare.is_some() {
            REPOST
        } else {
            POST
        };
        Ok(
            match self
                .get_record(&session, collection, &record_key(&publication.key))
                .await?
            {
                Some(uri) => Reconciled::Published(self.published(&session, &uri)),
                None => Reconciled::NotPublished,
            },
        )
    }

    async fn read_inbox(&self, cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        let session = self.session().await?;
        let mut parts = common::parse_cursor(cursor);
        let since = parts.get("notifications").cloned();
        let page: Notifications = self
            .call_json(Effect::Read, |_| {
                self.http
                    .client()
                    .get(self.xrpc("app.bsky.notification.listNotifications"))
                    .query(&[("limit", "50"), ("reasons", "mention"), ("reasons", "reply")])
            })
            .await?;
        let mut messages = Vec::new();
        for n in page.notifications {
            if since.as_deref().is_some_and(|s| later_or_equal(s, &n.indexed_at)) {
                continue;
            }
            if parts
                .get("notifications")
                .is_none_or(|s| !later_or_equal(s, &n.indexed_at))
            {
                parts.insert("notifications".to_owned(), n.indexed_at.clone());
            }
            let kind = match n.reason.as_str() {
                "mention" => MessageKind::Mention,
                "reply" => MessageKind::Reply,
                _ => continue,
            };
            if n.author.did == session.did {
                continue;
            }
            let text = n.record["text"].as_str().unwrap_or_default().to_owned();
            let sent_at = n.record["createdAt"]
                .as_str()
                .and_then(common::parse_time)
                .or_else(|| common::parse_time(&n.indexed_at))
                .unwrap_or_else(Utc::now);
            let root = n.record["reply"]["root"]["uri"]
                .as_str()
                .unwrap_or(&n.uri)
                .to_owned();
            messages.push(InboundMessage {
                id: n.uri,
                kind,
                author: Author {
                    id: n.author.did.clone(),
                    handle: format!("@{}", n.author.handle),
                    is_bot: is_bot(&n.author),
                },
                text,
                sent_at,
                conversation: Some(root),
                visibility: Some("public".to_owned()),
                mentioned: Vec::new(),
            });
        }
        match self
            .chat_messages(&session, parts.get("chat").map(String::as_str))
            .await
        {
            Ok((direct, newest)) => {
                messages.extend(direct);
                if let Some(newest) = newest {
                    parts.insert("chat".to_owned(), newest);
                }
            }
            // An app password made without "allow access to direct messages" can't read chats:
            // mentions still work, and the operator is told once per read.
            Err(ChannelError::Unauthorized { message } | ChannelError::Permanent { message }) => {
                tracing::warn!(account = %self.name, error = %message, "can't read bluesky direct messages");
            }
            Err(e) => return Err(e),
        }
        messages.sort_by_key(|m| m.sent_at);
        let next = common::format_cursor(&parts).filter(|c| Some(c.as_str()) != cursor);
        Ok(InboxPage {
            messages,
            cursor: next,
        })
    }

    async fn reply(&self, to: &InboundMessage, text: &str, key: &str) -> Result<Published, ChannelError> {
        let session = self.session().await?;
        if to.kind == MessageKind::Direct {
            let convo = to.conversation.clone().ok_or_else(|| ChannelError::Permanent {
                message: "a bluesky direct message without its conversation can't be answered".to_owned(),
            })?;
            let sent: ChatMessage = self
                .call_json(Effect::Write, |_| {
                    self.http
                        .client()
                        .post(self.xrpc("chat.bsky.convo.sendMessage"))
                        .header("atproto-proxy", CHAT_PROXY)
                        .json(&json!({"convoId": convo, "message": {"text": text}}))
                })
                .await?;
            return Ok(Published {
                id: sent.id,
                url: None,
            });
        }
        let parent = self.get_post(&to.id).await?;
        let root = match parent.record["reply"]["root"].as_object() {
            Some(root) => json!(root),
            None => json!({"uri": parent.uri, "cid": parent.cid}),
        };
        let mut record = json!({
            "$type": POST,
            "text": text,
            "createdAt": now_string(),
            "langs": ["en"],
            "reply": {"root": root, "parent": {"uri": parent.uri, "cid": parent.cid}},
        });
        let facets = self.facets(text).await;
        if !facets.is_empty() {
            record["facets"] = json!(facets);
        }
        self.create_record(&session, POST, &record_key(key), record).await
    }
}

/// SubRip captions as WebVTT (the only caption format Bluesky takes): a header, and `.` for `,`
/// in the cue timings.
fn srt_to_vtt(srt: &str) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for line in srt.lines() {
        if line.contains("-->") {
            out.push_str(&line.replace(',', "."));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn facets_use_utf8_byte_offsets() {
        let text = "Café → #WinterVaccines: see https://www.nhs.uk/flu. Ask @example-icb.bsky.social!";
        let facets = detect_facets(text);
        let spans: Vec<&str> = facets.iter().map(|f| &text[f.start..f.end]).collect();
        assert_eq!(
            spans,
            vec![
                "#WinterVaccines",
                "https://www.nhs.uk/flu",
                "@example-icb.bsky.social"
            ]
        );
        assert_eq!(facets[0].start, "Café → ".len());
        assert_eq!(facets[0].kind, FacetKind::Tag("WinterVaccines".into()));
        assert_eq!(facets[1].kind, FacetKind::Link("https://www.nhs.uk/flu".into()));
        assert_eq!(
            facets[2].kind,
            FacetKind::Mention("example-icb.bsky.social".into())
        );
        assert!(detect_facets("#1 in line, email@x.y, @nodot").is_empty());
    }

    #[test]
    fn record_keys_are_stable_valid_tids() {
        let a = record_key("2026-12/flu#bluesky@2026-12-01T10:00:00Z");
        assert_eq!(a, record_key("2026-12/flu#bluesky@2026-12-01T10:00:00Z"));
        assert_ne!(a, record_key("2026-12/flu#bluesky@2026-12-08T10:00:00Z"));
        assert_eq!(a.len(), 13);
        assert!("234567abcdefghij".contains(&a[..1]), "{a}");
        assert!(a.chars().all(|c| "234567abcdefghijklmnopqrstuvwxyz".contains(c)));
    }

    #[test]
    fn converts_srt() {
        assert_eq!(
            srt_to_vtt("1\n00:00:01,000 --> 00:00:02,500\nHello\n"),
            "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.500\nHello\n"
        );
    }
}
