//! The `webhook` platform: a JSON POST to a URL, for Teams, Slack or email bridges and for
//! alerting the team.
//!
//! A webhook URL is a credential (whoever has it can post), so it comes from the environment
//! (`token_env`) or a file (`token_file`) and never appears in logs, errors or `Debug`.
//!
//! Publishing posts `{"text": …, "key": …, "post_id": …, "channel": …, "link": …, "images": […],
//! …}`; alerts post `{"text": …, "event": "failed" | "missed" | "unknown", …}`, and the inbox's
//! `{"text": …, "event": "crisis", …}`. All carry an `Idempotency-Key` header. `text` is first so that a Slack incoming webhook shows it as it is.
//!
//! Retries: 5xx, 408 and 429 (honouring `Retry-After`) and connections that failed before the
//! request was sent are retryable; a time-out after the request left is an unknown outcome; any
//! other answer fails at once with what the receiver said. A webhook can't be asked afterwards
//! whether something arrived, so an unknown outcome is parked for a person.

use std::fmt;
use std::path::Path;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde::Serialize;

use super::{Channel, ChannelError, Identity, InboundMessage, InboxPage, Publication, Published, Reconciled};
use crate::config::{AccountConfig, Platform};

/// How long to wait for a connection before trying again later.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of a receiver's error body is quoted.
const MAX_QUOTE: usize = 300;

/// Why a webhook account can't be set up.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookError {
    /// No `token_env` or `token_file`.
    #[error(
        "the webhook account `{0}` has no URL: set `token_env` to the environment variable that holds it (or `token_file` to a file)"
    )]
    NoUrl(String),
    /// The variable isn't set.
    #[error("the webhook account `{name}` reads its URL from ${var}, which is not set")]
    Unset {
        /// The account.
        name: String,
        /// The variable.
        var: String,
    },
    /// The file can't be read.
    #[error("the webhook account `{name}` can't read its URL from {file}: {why}")]
    Unreadable {
        /// The account.
        name: String,
        /// The file.
        file: String,
        /// Why.
        why: String,
    },
    /// Not an http(s) URL. The URL itself is not shown: it is a secret.
    #[error("the webhook account `{0}` has a URL that is not an http:// or https:// URL")]
    BadUrl(String),
}

/// A webhook account.
#[derive(Clone)]
pub struct Webhook {
    name: String,
    url: url::Url,
    client: reqwest::Client,
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("name", &self.name)
            .field("host", &self.url.host_str())
            .finish_non_exhaustive()
    }
}

/// What the team is told about a publication that needs a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    /// One line for people.
    pub text: String,
    /// `failed`, `missed` or `unknown`.
    pub event: String,
    /// The post.
    pub post_id: String,
    /// The account it was for.
    pub channel: String,
    /// When it was due (RFC 3339 UTC).
    pub due_at: DateTime<Utc>,
    /// When it was due in local time, in words.
    pub due_local: String,
    /// Why.
    pub reason: String,
    /// The publication's key.
    pub key: String,
}

#[derive(Serialize)]
struct PublicationBody<'a> {
    text: &'a str,
    channel: &'a str,
    #[serde(flatten)]
    publication: &'a Publication,
}

/// The HTTP client for one webhook, waiting at most `timeout` for an answer.
pub(crate) fn http_client(timeout: Duration) -> Result<reqwest::Client, ChannelError> {
    crate::http::client()
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .build()
        .map_err(|e| ChannelError::Permanent {
            message: format!("can't set up an HTTP client: {}", e.without_url()),
        })
}

impl Webhook {
    /// A webhook posting to `url`, waiting at most `timeout` for an answer.
    pub fn new(name: impl Into<String>, url: &str, timeout: Duration) -> Result<Webhook, WebhookError> {
        let name = name.into();
        let url = url::Url::parse(url.trim())
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .ok_or_else(|| WebhookError::BadUrl(name.clone()))?;
        let client = http_client(timeout).map_err(|_| WebhookError::BadUrl(name.clone()))?;
        Ok(Webhook { name, url, client })
    }

    /// The webhook an account describes: its URL from `token_env` or `token_file` (relative to
    /// `base_dir`, the folder of herald.toml).
    pub fn from_account(
        account: &AccountConfig,
        base_dir: &Path,
        timeout: Duration,
    ) -> Result<Webhook, WebhookError> {
        let name = account.name.clone();
        let url = if let Some(var) = &account.token_env {
            std::env::var(var).map_err(|_| WebhookError::Unset {
                name: name.clone(),
                var: var.clone(),
            })?
        } else if let Some(file) = &account.token_file {
            let path = base_dir.join(file);
            std::fs::read_to_string(&path).map_err(|e| WebhookError::Unreadable {
                name: name.clone(),
                file: crate::diag::display_path(&path),
                why: e.to_string(),
            })?
        } else {
            return Err(WebhookError::NoUrl(name));
        };
        Webhook::new(name, &url, timeout)
    }

    /// Tells the team about a publication that needs a person.
    pub async fn announce(&self, alert: &Alert) -> Result<Published, ChannelError> {
        self.post(&alert.key, alert).await
    }

    /// Tells the team about something else that needs a person at once (the inbox's crisis
    /// alerts): any JSON body with a `text` field first, under an idempotency key.
    pub async fn announce_event(&self, key: &str, body: &impl Serialize) -> Result<Published, ChannelError> {
        self.post(key, body).await
    }

    async fn post(&self, key: &str, body: &impl Serialize) -> Result<Published, ChannelError> {
        let response = self
            .client
            .post(self.url.clone())
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .map_err(|e| self.request_error(&e))?;
        let status = response.status();
        let retry_after = retry_after(response.headers());
        // A body that can't be read after a success still means it arrived.
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            let json: Option<serde_json::Value> = serde_json::from_str(&text).ok();
            let field = |name: &str| {
                json.as_ref().and_then(|j| match &j[name] {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(n) => Some(n.to_string()),
                    _ => None,
                })
            };
            return Ok(Published {
                id: field("id").unwrap_or_else(|| key.to_owned()),
                url: field("url"),
            });
        }
        let said = quote(&self.scrub(&text));
        let message = format!("the webhook `{}` answered {status}{said}", self.name);
        Err(match status {
            StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_MANY_REQUESTS => ChannelError::Retryable {
                message,
                after: retry_after,
            },
            s if s.is_server_error() => ChannelError::Retryable {
                message,
                after: retry_after,
            },
            StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ChannelError::Unauthorized {
                message: format!("{message}; check the URL the account `{}` reads", self.name),
            },
            _ => ChannelError::Permanent { message },
        })
    }

    /// Removes the webhook's URL from text a receiver or a library wrote: the whole URL, and
    /// its path, query and every longer piece of them, which are the secret part (a receiver
    /// quoting the request back usually shows the path, not the host it was reached at).
    fn scrub(&self, text: &str) -> String {
        let mut text = text.replace(self.url.as_str(), "(the webhook URL)");
        let path = self.url.path();
        let query = self.url.query().unwrap_or("");
        let mut pieces: Vec<&str> = vec![path, query];
        pieces.extend(path.split('/'));
        pieces.extend(query.split(['&', '=']));
        if let Some(password) = self.url.password() {
            pieces.push(password);
        }
        if !self.url.username().is_empty() {
            pieces.push(self.url.username());
        }
        // Longest first, so a piece inside a longer one doesn't leave the rest showing.
        pieces.sort_by_key(|p| std::cmp::Reverse(p.len()));
        for piece in pieces {
            if piece.len() >= 6 {
                text = text.replace(piece, "***");
            }
        }
        text
    }

    fn request_error(&self, e: &reqwest::Error) -> ChannelError {
        // Never show the URL: it is the credential.
        let mut why = String::new();
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(e);
        while let Some(s) = source {
            why = s.to_string();
            source = s.source();
        }
        let why = if why.is_empty() {
            "no detail".to_owned()
        } else {
            why
        };
        let redacted = self.scrub(&why);
        if e.is_connect() {
            ChannelError::Retryable {
                message: format!("can't connect to the webhook `{}`: {redacted}", self.name),
                after: None,
            }
        } else if e.is_timeout() {
            ChannelError::Unknown {
                message: format!("the webhook `{}` didn't answer in time", self.name),
            }
        } else if e.is_builder() {
            ChannelError::Permanent {
                message: format!(
                    "can't build the request to the webhook `{}`: {redacted}",
                    self.name
                ),
            }
        } else {
            ChannelError::Unknown {
                message: format!("the request to the webhook `{}` broke off: {redacted}", self.name),
            }
        }
    }
}

/// `Retry-After` in seconds or as an HTTP date.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = DateTime::parse_from_rfc2822(value).ok()?;
    // The header is about real time, so it is compared with the system clock.
    (at.to_utc() - Utc::now()).to_std().ok()
}

/// The receiver's own message, for errors: a JSON `error`/`message` field, or the start of the body.
fn quote(body: &str) -> String {
    let json: Option<serde_json::Value> = serde_json::from_str(body).ok();
    let message = json
        .as_ref()
        .and_then(|j| {
            ["error", "message", "error_description"]
                .iter()
                .find_map(|k| j[*k].as_str())
        })
        .map(str::to_owned)
        .unwrap_or_else(|| body.split_whitespace().collect::<Vec<_>>().join(" "));
    if message.is_empty() {
        return String::new();
    }
    let mut cut: String = message.chars().take(MAX_QUOTE).collect();
    if cut.len() < message.len() {
        cut.push('…');
    }
    format!(": {cut}")
}

#[async_trait]
impl Channel for Webhook {
    fn name(&self) -> &str {
        &self.name
    }

    fn platform(&self) -> Platform {
        Platform::Webhook
    }

    async fn verify(&self) -> Result<Identity, ChannelError> {
        // A webhook has no "who am I" call, and a test POST would reach people; the URL was
        // checked when the account was set up.
        Ok(Identity {
            id: self.name.clone(),
            handle: self.name.clone(),
            display_name: self.url.host_str().map(|h| format!("JSON POST to {h}")),
        })
    }

    async fn publish(&self, publication: &Publication) -> Result<Published, ChannelError> {
        let body = PublicationBody {
            text: &publication.text,
            channel: &self.name,
            publication,
        };
        self.post(&publication.key, &body).await
    }

    async fn reconcile(&self, _publication: &Publication) -> Result<Reconciled, ChannelError> {
        Ok(Reconciled::CannotTell)
    }

    async fn read_inbox(&self, _cursor: Option<&str>) -> Result<InboxPage, ChannelError> {
        Err(ChannelError::Unsupported("a webhook has no inbox".to_owned()))
    }

    async fn reply(&self, _to: &InboundMessage, _text: &str, _key: &str) -> Result<Published, ChannelError> {
        Err(ChannelError::Unsupported(
            "a webhook can't reply to messages".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{body_partial_json, header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;

    const SECRET_PATH: &str = "/hooks/T000/B000/s3cr3t";

    fn publication() -> Publication {
        Publication {
            key: "2026-12/flu#site@2026-12-01T10:00:00Z".into(),
            post_id: "2026-12/flu".into(),
            text: "Book your flu jab".into(),
            link: Some("https://www.nhs.uk/".into()),
            images: vec![],
            videos: vec![],
            reshare: None,
        }
    }

    async fn hook(server: &MockServer, timeout: Duration) -> Webhook {
        Webhook::new("site", &format!("{}{SECRET_PATH}", server.uri()), timeout).unwrap()
    }

    #[tokio::test]
    async fn a_receiver_quoting_the_url_back_never_gets_it_into_the_error() {
        let server = MockServer::start().await;
        // wiremock's own echo of the request shows the path on another host name, as a proxy
        // or a receiver behind one would.
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(500).set_body_json(serde_json::json!({
                "error": format!("no route for http://localhost{SECRET_PATH}?x=1 (s3cr3t)")
            })))
            .mount(&server)
            .await;
        let error = hook(&server, Duration::from_secs(5))
            .await
            .publish(&publication())
            .await
            .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("answered 500"), "{shown}");
    }

    #[tokio::test]
    async fn posts_json_with_the_idempotency_key() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path(SECRET_PATH))
            .and(header("Idempotency-Key", "2026-12/flu#site@2026-12-01T10:00:00Z"))
            .and(body_partial_json(serde_json::json!({
                "text": "Book your flu jab",
                "channel": "site",
                "post_id": "2026-12/flu",
                "link": "https://www.nhs.uk/",
            })))
            .respond_with(
                ResponseTemplate::new(201)
                    .set_body_json(serde_json::json!({"id": 7, "url": "https://site/7"})),
            )
            .expect(1)
            .mount(&server)
            .await;
        let published = hook(&server, Duration::from_secs(5))
            .await
            .publish(&publication())
            .await
            .unwrap();
        assert_eq!(published.id, "7");
        assert_eq!(published.url.as_deref(), Some("https://site/7"));
    }

    #[tokio::test]
    async fn classifies_answers_for_retries() {
        let server = MockServer::start().await;
        let w = hook(&server, Duration::from_secs(5)).await;
        let answer = |status: u16| ResponseTemplate::new(status);
        for (template, check) in [
            (
                answer(503).insert_header("Retry-After", "120"),
                Box::new(
                    |e: &ChannelError| matches!(e, ChannelError::Retryable { after: Some(d), .. } if d.as_secs() == 120),
                ) as Box<dyn Fn(&ChannelError) -> bool>,
            ),
            (
                answer(429).insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
                Box::new(|e: &ChannelError| matches!(e, ChannelError::Retryable { after: None, .. })),
            ),
            (
                answer(408),
                Box::new(|e: &ChannelError| matches!(e, ChannelError::Retryable { .. })),
            ),
            (
                answer(400).set_body_json(serde_json::json!({"error": "text is required"})),
                Box::new(|e: &ChannelError| {
                    e == &ChannelError::Permanent {
                        message: "the webhook `site` answered 400 Bad Request: text is required".into(),
                    }
                }),
            ),
            (
                answer(403).set_body_string("invalid_token"),
                Box::new(|e: &ChannelError| matches!(e, ChannelError::Unauthorized { .. })),
            ),
        ] {
            server.reset().await;
            Mock::given(method("POST"))
                .respond_with(template)
                .mount(&server)
                .await;
            let err = w.publish(&publication()).await.unwrap_err();
            assert!(check(&err), "{err:?}");
            assert!(!format!("{err} {err:?}").contains("s3cr3t"), "{err:?}");
        }
    }

    #[tokio::test]
    async fn a_time_out_is_an_unknown_outcome_and_a_refused_connection_is_retryable() {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;
        let err = hook(&server, Duration::from_millis(300))
            .await
            .publish(&publication())
            .await
            .unwrap_err();
        assert!(matches!(err, ChannelError::Unknown { .. }), "{err:?}");
        assert_eq!(
            hook(&server, Duration::from_millis(300))
                .await
                .reconcile(&publication())
                .await
                .unwrap(),
            Reconciled::CannotTell
        );

        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}{SECRET_PATH}", closed.local_addr().unwrap());
        drop(closed);
        let w = Webhook::new("site", &url, Duration::from_secs(2)).unwrap();
        let err = w.publish(&publication()).await.unwrap_err();
        assert!(err.is_retryable(), "{err:?}");
        assert!(!format!("{err} {err:?} {w:?}").contains("s3cr3t"), "{err:?}");
    }

    #[test]
    fn the_url_comes_from_the_environment_or_a_file_and_is_checked() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hook.url"), "https://hooks.example/s3cr3t\n").unwrap();
        let account = |env: Option<&str>, file: Option<&str>| {
            let mut toml = "name = \"alerts\"\nplatform = \"webhook\"\n".to_owned();
            if let Some(env) = env {
                toml.push_str(&format!("token_env = \"{env}\"\n"));
            }
            if let Some(file) = file {
                toml.push_str(&format!("token_file = \"{file}\"\n"));
            }
            toml::from_str::<AccountConfig>(&toml).unwrap()
        };
        let timeout = Duration::from_secs(1);
        let w = Webhook::from_account(&account(None, Some("hook.url")), dir.path(), timeout).unwrap();
        assert!(!format!("{w:?}").contains("s3cr3t"));
        assert_eq!(
            Webhook::from_account(&account(None, None), dir.path(), timeout).unwrap_err(),
            WebhookError::NoUrl("alerts".into())
        );
        let unset = Webhook::from_account(
            &account(Some("HERALD_TEST_UNSET_HOOK"), None),
            dir.path(),
            timeout,
        );
        assert!(matches!(unset, Err(WebhookError::Unset { .. })));
        assert_eq!(
            Webhook::new("alerts", "ftp://x/s3cr3t", timeout)
                .unwrap_err()
                .to_string(),
            "the webhook account `alerts` has a URL that is not an http:// or https:// URL"
        );
    }
}
