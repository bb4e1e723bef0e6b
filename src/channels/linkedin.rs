//! LinkedIn, through the versioned REST API (`Linkedin-Version: YYYYMM`,
//! `X-Restli-Protocol-Version: 2.0.0`) with a member's access token.
//!
//! - verify: `GET /rest/organizations/{id}` for a page (the token's member must administer it),
//!   `GET /v2/userinfo` for a member
//! - images: `POST /rest/images?action=initializeUpload`, then `PUT` the bytes to the
//!   `uploadUrl`; the post carries each image's `altText`
//! - video: `POST /rest/videos?action=initializeUpload` (with `uploadCaptions`), `PUT` each part,
//!   `POST /rest/videos?action=finalizeUpload` with the parts' ETags, and the captions `PUT` to
//!   `captionsUploadUrl`
//! - publish: `POST /rest/posts` (`content.media`, `content.multiImage` or `content.article`);
//!   the new post's URN comes back in `x-restli-id`. `commentary` is LinkedIn's "little" text:
//!   reserved characters are escaped and hashtags written as `{hashtag|\#|Tag}`.
//! - reshare: a post with `reshareContext.parent`
//! - reconcile: `GET /rest/posts?q=author`
//!
//! LinkedIn offers no API for mentions or messages to ordinary apps, so there is no inbox.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::common::{self, Media};
use super::http::{Effect, Http, UPLOAD_TIMEOUT};
use super::secret::Secret;
use super::{Channel, ChannelError, Identity, InboundMessage, InboxPage, Publication, Published, Reconciled};
use crate::config::Platform;

/// LinkedIn's API.
pub const DEFAULT_BASE: &str = "https://api.linkedin.com";
/// The API version herald speaks unless `api_version` says otherwise (LinkedIn supports each
/// monthly version for a year).
pub const API_VERSION: &str = "202509";

/// A LinkedIn page or member.
#[derive(Debug)]
pub struct Linkedin {
    name: String,
    base: String,
    version: String,
    author: String,
    token: Secret,
    http: Http,
}

#[derive(Debug, Deserialize)]
struct Wrapped<T> {
    value: T,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ImageUpload {
    upload_url: String,
    image: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct VideoUpload {
    video: String,
    #[serde(default)]
    upload_token: String,
    upload_instructions: Vec<UploadInstruction>,
    #[serde(default)]
    captions_upload_url: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct UploadInstruction {
    upload_url: String,
    first_byte: u64,
    last_byte: u64,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Organization {
    id: u64,
    #[serde(default)]
    localized_name: Option<String>,
    #[serde(default)]
    vanity_name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct PostElement {
    id: String,
    #[serde(default)]
    commentary: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    reshare_context: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct Elements<T> {
    elements: Vec<T>,
}

impl Linkedin {
    /// Posts as `author` (`urn:li:organization:…` or `urn:li:person:…`).
    pub fn new(
        name: impl Into<String>,
        base: &str,
        version: &str,
        author: &str,
        token: Secret,
    ) -> Result<Linkedin, ChannelError> {
        let http = Http::new(Platform::Linkedin)?;
        http.register_secret(&token);
        Ok(Linkedin {
            name: name.into(),
            base: base.trim_end_matches('/').to_owned(),
            version: version.to_owned(),
            author: author.to_owned(),
            token,
            http,
        })
    }

    /// Waits at most `timeout` for each ordinary request (`[publish] request_timeout_seconds`);
    /// uploads keep their own, longer time-out.
    pub fn with_request_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.http.set_request_timeout(timeout);
        self
    }

    fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .client()
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(self.token.expose())
            .header("Linkedin-Version", &self.version)
            .header("X-Restli-Protocol-Version", "2.0.0")
    }

    async fn upload_image(&self, media: &Media) -> Result<String, ChannelError> {
        let body = json!({"initializeUploadRequest": {"owner": self.author}});
        let upload: Wrapped<ImageUpload> = self
            .http
            .send_json(Effect::IdempotentWrite, || {
                self.request(reqwest::Method::POST, "/rest/images")
                    .query(&[("action", "initializeUpload")])
                    .json(&body)
            })
            .await?;
        self.http
            .send(Effect::IdempotentWrite, || {
                self.http
                    .client()
                    .put(&upload.value.upload_url)
                    .bearer_auth(self.token.expose())
                    .header("Content-Type", media.mime)
                    .body(media.bytes.clone())
                    .timeout(UPLOAD_TIMEOUT)
            })
            .await?;
        Ok(upload.value.image)
    }

    async fn upload_video(&self, media: &Media, captions: Option<&Media>) -> Result<String, ChannelError> {
        let body = json!({"initializeUploadRequest": {
            "owner": self.author,
            "fileSizeBytes": media.bytes.len(),
            "uploadCaptions": captions.is_some(),
            "uploadThumbnail": false,
        }});
        let upload: Wrapped<VideoUpload> = self
            .http
            .send_json(Effect::IdempotentWrite, || {
                self.request(reqwest::Method::POST, "/rest/videos")
                    .query(&[("action", "initializeUpload")])
                    .json(&body)
            })
            .await?;
        let upload = upload.value;
        let mut etags = Vec::new();
        for part in &upload.upload_instructions {
            let (first, last) = (part.first_byte as usize, part.last_byte as usize);
            let chunk = media
                .bytes
                .get(first..=last)
                .ok_or_else(|| ChannelError::Permanent {
                    message: format!(
                        "linkedin asked for bytes {first}-{last} of a {}-byte video",
                        media.bytes.len()
                    ),
                })?;
            let response = self
                .http
                .send(Effect::IdempotentWrite, || {
                    self.http
                        .client()
                        .put(&part.upload_url)
                        .header("Content-Type", "application/octet-stream")
                        .body(chunk.to_vec())
                        .timeout(UPLOAD_TIMEOUT)
                })
                .await?;
            let etag = response
                .headers()
                .get("etag")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| ChannelError::Retryable {
                    message: "linkedin didn't return an ETag for a video part".to_owned(),
                    after: None,
                })?;
            etags.push(etag.to_owned());
        }
        let body = json!({"finalizeUploadRequest": {
            "video": upload.video,
            "uploadToken": upload.upload_token,
            "uploadedPartIds": etags,
        }});
        self.http
            .send(Effect::IdempotentWrite, || {
                self.request(reqwest::Method::POST, "/rest/videos")
                    .query(&[("action", "finalizeUpload")])
                    .json(&body)
            })
            .await?;
        if let (Some(captions), Some(url)) = (captions, &upload.captions_upload_url) {
            let srt = match captions.mime {
                "text/vtt" => super::facebook::vtt_to_srt(&String::from_utf8_lossy(&captions.bytes)),
                _ => String::from_utf8_lossy(&captions.bytes).into_owned(),
            };
            self.http
                .send(Effect::IdempotentWrite, || {
                    self.http
                        .client()
                        .put(url)
                        .bearer_auth(self.token.expose())
                        .header("Content-Type", "application/octet-stream")
                        .body(srt.clone().into_bytes())
                })
                .await?;
        }
        Ok(upload.video)
    }

    async fn create_post(&self, body: Value) -> Result<Published, ChannelError> {
        let response = self
            .http
            .send(Effect::Write, || {
                self.request(reqwest::Method::POST, "/rest/posts").json(&body)
            })
            .await?;
        let urn = response
            .headers()
            .get("x-restli-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .ok_or_else(|| ChannelError::Unknown {
                message: "linkedin created the post but didn't say its id (no x-restli-id)".to_owned(),
            })?;
        Ok(Published {
            url: Some(format!("https://www.linkedin.com/feed/update/{urn}/")),
            id: urn,
        })
    }

    fn post_body(&self, commentary: &str) -> Value {
        json!({
            "author": self.author,
            "commentary": little_text(commentary),
            "visibility": "PUBLIC",
            "distribution": {
                "feedDistribution": "MAIN_FEED",
                "targetEntities": [],
                "thirdPartyDistributionChannels": [],
            },
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
        })
    }
}

/// The characters LinkedIn's "little" text format reserves.
const RESERVED: &[char] = &[
    '\\', '|', '{', '}', '@', '[', ']', '(', ')', '<', '>', '#', '*', '_', '~',
];

/// Post text as LinkedIn's "little" text: every reserved character escaped with a backslash,
/// and each hashtag written with the hashtag template so that it links.
pub fn little_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        let starts_word = i == 0 || chars[i - 1].1.is_whitespace() || chars[i - 1].1 == '(';
        if c == '#' && starts_word {
            let tag: String = text[at + 1..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !tag.is_empty() && !tag.chars().all(|c| c.is_ascii_digit()) {
                out.push_str("{hashtag|\\#|");
                out.push_str(&escape(&tag));
                out.push('}');
                i += 1 + tag.chars().count();
                continue;
            }
        }
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
        i += 1;
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if RESERVED.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// "little" text back to plain text (for comparing with what herald published).
pub fn plain_text(little: &str) -> String {
    let mut out = String::with_capacity(little.len());
    let mut rest = little;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("{hashtag|")
            && let Some(end) = after.find('}')
        {
            let inner = &after[..end];
            let mut fields = inner.splitn(2, '|');
            let sign = fields.next().unwrap_or("#").trim_start_matches('\\');
            out.push_str(sign);
            out.push_str(&unescape(fields.next().unwrap_or_default()));
            rest = &after[end + 1..];
            continue;
        }
        let mut chars = rest.chars();
        match chars.next() {
            Some('\\') => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            }
            Some(c) => out.push(c),
            None => {}
        }
        rest = chars.as_str();
    }
    out
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The post URN in a LinkedIn post link (`…/feed/update/urn:li:share:123/`) or a bare URN.
fn post_urn(link: &str) -> Option<String> {
    let decoded = link.replace("%3A", ":").replace("%3a", ":");
    let start = decoded.find("urn:li:")?;
    let urn: String = decoded[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == ':' || *c == '_')
        .collect();
    (urn.starts_with("urn:li:share:") || urn.starts_with("urn:li:ugcPost:")).then_some(urn)
}

#[async_trait]
impl Channel for Linkedin {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Linkedin
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        if let Some(id) = self.author.strip_prefix("urn:li:organization:") {
            let path = format!("/rest/organizations/{id}");
            let org: Organization = self
                .http
                .send_json(Effect::Read, || self.request(reqwest::Method::GET, &path))
                .await?;
            return Ok(Identity {
                id: format!("urn:li:organization:{}", org.id),
                handle: org.vanity_name.unwrap_or_else(|| self.author.clone()),
                display_name: org.localized_name,
            });
        }
        let me: UserInfo = self
            .http
            .send_json(Effect::Read, || {
                self.request(reqwest::Method::GET, "/v2/userinfo")
            })
            .await?;
        let urn = format!("urn:li:person:{}", me.sub);
        if urn != self.author {
            return Err(ChannelError::Unauthorized {
                message: format!("the token belongs to {urn}, not {}", self.author),
            });
        }
        Ok(Identity {
            id: urn.clone(),
            handle: urn,
            display_name: me.name,
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        let mut body = self.post_body(&publication.text);
        if let Some(link) = &publication.reshare {
            let urn = post_urn(link).ok_or_else(|| ChannelError::Permanent {
                message: format!(
                    "`{link}` is not a LinkedIn post link (https://www.linkedin.com/feed/update/urn:li:share:…)"
                ),
            })?;
            body["reshareContext"] = json!({"parent": urn});
            return self.create_post(body).await;
        }
        if !publication.images.is_empty() {
            let mut images = Vec::new();
            for image in &publication.images {
                let media = common::read_media(&image.path).await?;
                let id = self.upload_image(&media).await?;
                images.push(json!({"id": id, "altText": image.alt.clone().unwrap_or_default()}));
            }
            body["content"] = if images.len() == 1 {
                json!({"media": images.remove(0)})
            } else {
                json!({"multiImage": {"images": images}})
            };
        } else if let Some(video) = publication.videos.first() {
            let media = common::read_media(&video.path).await?;
            let captions = match &video.captions {
                Some(path) => Some(common::read_media(path).await?),
                None => None,
            };
            let id = self.upload_video(&media, captions.as_ref()).await?;
            body["content"] = json!({"media": {"id": id, "title": publication.post_id}});
        } else if let Some(link) = &publication.link {
            let (title, description) = common::link_card(&self.http, link)
                .await
                .unwrap_or_else(|| (link.clone(), String::new()));
            let mut article = json!({"source": link, "title": title});
            if !description.is_empty() {
                article["description"] = json!(description);
            }
            body["content"] = json!({"article": article});
        }
        self.create_post(body).await
    }

    async fn reconcile(&self, publication: &Publication) -> Result<Reconciled, ChannelError> {
        let posts: Elements<PostElement> = self
            .http
            .send_json(Effect::Read, || {
                self.request(reqwest::Method::GET, "/rest/posts").query(&[
                    ("author", self.author.as_str()),
                    ("q", "author"),
                    ("count", "20"),
                    ("sortBy", "LAST_MODIFIED"),
                ])
            })
            .await?;
        let now = Utc::now();
        let reshared = publication.reshare.as_deref().and_then(post_urn);
        Ok(posts
            .elements
            .into_iter()
            .find(|p| {
                let recent = p
                    .created_at
                    .and_then(DateTime::from_timestamp_millis)
                    .is_none_or(|at| common::within_window(at, now));
                let same = match &reshared {
                    Some(parent) => p
                        .reshare_context
                        .as_ref()
                        .is_some_and(|c| c["parent"].as_str() == Some(parent.as_str())),
                    None => p
                        .commentary
                        .as_deref()
                        .is_some_and(|c| common::same_text(&publication.text, &plain_text(c))),
                };
                recent && same
            })
            .map(|p| {
                Reconciled::Published(Published {
                    url: Some(format!("https://www.linkedin.com/feed/update/{}/", p.id)),
                    id: p.id,
                })
            })
            .unwrap_or(Reconciled::NotPublished))
    }

    async fn read_inbox(&self, _cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        Err(common::unsupported(
            Platform::Linkedin,
            "mentions or messages to apps",
        ))
    }

    async fn reply(&self, _to: &InboundMessage, _text: &str, _key: &str) -> Result<Published, ChannelError> {
        Err(common::unsupported(Platform::Linkedin, "replies to messages"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_little_text_and_templates_hashtags() {
        let text = "Flu jabs (free) for over-65s #WinterVaccines: email comms@icb.nhs.uk *today* #1";
        let little = little_text(text);
        assert_eq!(
            little,
            r"Flu jabs \(free\) for over-65s {hashtag|\#|WinterVaccines}: email comms\@icb.nhs.uk \*today\* \#1"
        );
        assert_eq!(plain_text(&little), text);
        assert_eq!(little_text(r"a\b_c~d"), r"a\\b\_c\~d");
    }

    #[test]
    fn finds_post_urns() {
        assert_eq!(
            post_urn("https://www.linkedin.com/feed/update/urn:li:share:7100000000000000000/").as_deref(),
            Some("urn:li:share:7100000000000000000")
        );
        assert_eq!(
            post_urn("https://www.linkedin.com/feed/update/urn%3Ali%3AugcPost%3A123").as_deref(),
            Some("urn:li:ugcPost:123")
        );
        assert_eq!(post_urn("https://www.linkedin.com/company/nhs"), None);
    }
}
