//! HTTP shared by the platform adapters: one client per adapter, time-outs, an explicit retry
//! policy, and the mapping of status codes, error bodies and rate-limit headers into
//! [`ChannelError`].
//!
//! What a failure means depends on what the request does ([`Effect`]):
//! - a connection that failed before the request left is always safe to retry;
//! - a read, or a write the platform de-duplicates (Mastodon's `Idempotency-Key`, a Bluesky
//!   record with a fixed key, a media upload that is useless until attached), is retried on
//!   time-outs and 5xx;
//! - any other write that timed out, or got a 500/502/504 (the gateway may have passed it on),
//!   has an unknown outcome: the publisher reconciles instead of resending.

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::header::HeaderMap;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use super::ChannelError;
use super::secret::Secret;
use crate::config::Platform;

/// How long to wait for a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long an API call may take, start to finish.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a media upload may take.
pub const UPLOAD_TIMEOUT: Duration = Duration::from_secs(300);
/// The most of an error body kept for the message.
const MAX_ERROR_BODY: usize = 16 * 1024;

/// What a request does, which decides what a failure means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Reads only.
    Read,
    /// Changes something, but repeating it is harmless (the platform de-duplicates it, or the
    /// result is useless until used).
    IdempotentWrite,
    /// Changes something visible, and repeating it would do it twice.
    Write,
}

/// When to try again inside one call. Only retryable failures of reads and idempotent writes are
/// retried here, and only when the platform's wait is short; anything longer goes back to the
/// publisher, which has its own schedule.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Attempts in all (1 = no retry).
    pub attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub base_delay: Duration,
    /// A platform's requested wait longer than this is not waited out here.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            base_delay: Duration::from_millis(250),
            max_wait: Duration::from_secs(5),
        }
    }
}

/// One adapter's HTTP client.
#[derive(Debug)]
pub struct Http {
    client: reqwest::Client,
    platform: Platform,
    policy: RetryPolicy,
    /// Every credential this adapter has used: scrubbed from any message built from a
    /// platform's answer, in case a platform echoes one back.
    secrets: Mutex<Vec<Secret>>,
    /// How long an ordinary request may take (`[publish] request_timeout_seconds`); uploads set
    /// their own.
    request_timeout: Duration,
}

impl Http {
    /// A client for one account on `platform`.
    pub fn new(platform: Platform) -> Result<Http, ChannelError> {
        // No client-wide time-out: each request gets `request_timeout` unless it sets its own.
        let client = crate::http::client()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| ChannelError::Permanent {
                message: format!("can't set up HTTPS for {platform}: {}", e.without_url()),
            })?;
        Ok(Http {
            client,
            platform,
            policy: RetryPolicy::default(),
            secrets: Mutex::new(Vec::new()),
            request_timeout: REQUEST_TIMEOUT,
        })
    }

    /// Waits at most `timeout` for an answer to each request that doesn't set its own (uploads do).
    pub fn set_request_timeout(&mut self, timeout: Duration) {
        self.request_timeout = timeout;
    }

    /// The reqwest client, to build requests with.
    pub fn client(&self) -> &reqwest::Client {
        &self.client
    }

    /// Remembers a credential so that it is scrubbed from error messages. (Values shorter than
    /// eight characters are not credentials any platform issues; scrubbing them would only
    /// garble messages.)
    pub fn register_secret(&self, secret: &Secret) {
        if secret.expose().len() < 8 {
            return;
        }
        let mut secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        if !secrets.contains(secret) {
            secrets.push(secret.clone());
        }
    }

    /// Replaces every known credential in `text` with `***`.
    pub fn scrub(&self, text: &str) -> String {
        let secrets = self.secrets.lock().unwrap_or_else(|e| e.into_inner());
        let mut text = text.to_owned();
        for secret in secrets.iter() {
            if text.contains(secret.expose()) {
                text = text.replace(secret.expose(), "***");
            }
        }
        text
    }

    /// Sends a request built by `build` and checks its status, retrying under the policy.
    /// `build` is called again for each attempt.
    pub async fn send(
        &self,
        effect: Effect,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Response, ChannelError> {
        let mut attempt = 1;
        loop {
            let result = match self.send_raw(effect, build()).await {
                Ok(response) => self.check(response, effect).await,
                Err(e) => Err(e),
            };
            match result {
                Err(ChannelError::Retryable { message, after })
                    if attempt < self.policy.attempts
                        && effect != Effect::Write
                        && after.is_none_or(|a| a <= self.policy.max_wait) =>
                {
                    let backoff = self.policy.base_delay * 2u32.saturating_pow(attempt - 1);
                    let wait = after.unwrap_or(backoff).max(backoff);
                    tracing::debug!(platform = %self.platform, attempt, wait_ms = wait.as_millis() as u64, error = %message, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                other => return other,
            }
        }
    }

    /// Sends a request; only transport failures are errors (any status is returned as it is).
    pub async fn send_raw(&self, effect: Effect, request: RequestBuilder) -> Result<Response, ChannelError> {
        let (client, request) = request.build_split();
        let mut request = request.map_err(|e| self.transport_error(e, effect))?;
        if request.timeout().is_none() {
            *request.timeout_mut() = Some(self.request_timeout);
        }
        match client.execute(request).await {
            Ok(response) => {
                self.watch_usage(response.headers());
                Ok(response)
            }
            Err(e) => Err(self.transport_error(e, effect)),
        }
    }

    fn transport_error(&self, e: reqwest::Error, effect: Effect) -> ChannelError {
        let platform = self.platform;
        let sent = !e.is_connect() && !e.is_builder();
        let e = e.without_url();
        let mut detail = e.to_string();
        let mut source = std::error::Error::source(&e);
        while let Some(s) = source {
            detail.push_str(": ");
            detail.push_str(&s.to_string());
            source = s.source();
        }
        let detail = self.scrub(&detail);
        if e.is_builder() {
            return ChannelError::Permanent {
                message: format!("can't build the request to {platform}: {detail}"),
            };
        }
        if sent && effect == Effect::Write {
            ChannelError::Unknown {
                message: format!("{platform} didn't answer after the request was sent ({detail})"),
            }
        } else {
            ChannelError::Retryable {
                message: format!("can't reach {platform}: {detail}"),
                after: None,
            }
        }
    }

    /// Passes a success through; turns anything else into the error it means.
    pub async fn check(&self, response: Response, effect: Effect) -> Result<Response, ChannelError> {
        if response.status().is_success() {
            return Ok(response);
        }
        let status = response.status();
        let headers = response.headers().clone();
        let body = read_body(response).await;
        Err(self.classify(status, &headers, &body, effect))
    }

    /// Reads a successful response's JSON body. After a write, a body that can't be read means
    /// the write happened but herald doesn't know its id: an unknown outcome, to reconcile.
    pub async fn json<T: DeserializeOwned>(
        &self,
        response: Response,
        effect: Effect,
    ) -> Result<T, ChannelError> {
        let platform = self.platform;
        let fail = |detail: String| {
            let message = format!("{platform}'s answer couldn't be read: {detail}");
            if effect == Effect::Read {
                ChannelError::Retryable { message, after: None }
            } else {
                ChannelError::Unknown { message }
            }
        };
        let bytes = response
            .bytes()
            .await
            .map_err(|e| fail(self.scrub(&e.without_url().to_string())))?;
        serde_json::from_slice(&bytes).map_err(|e| fail(e.to_string()))
    }

    /// Sends, checks and decodes in one go.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        effect: Effect,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, ChannelError> {
        let response = self.send(effect, build).await?;
        self.json(response, effect).await
    }

    /// The error an unsuccessful answer means.
    pub fn classify(
        &self,
        status: StatusCode,
        headers: &HeaderMap,
        body: &[u8],
        effect: Effect,
    ) -> ChannelError {
        let platform = self.platform;
        let said = platform_message(body)
            .map(|m| self.scrub(&m))
            .unwrap_or_else(|| status.canonical_reason().unwrap_or("no reason given").to_owned());
        let message = format!("{platform} answered {}: {said}", status.as_u16());
        let after = rate_limit_after(headers, Utc::now());
        if matches!(platform, Platform::Facebook | Platform::Instagram)
            && let Some(error) = meta_error(body)
        {
            return match error.code {
                // Invalid, expired or revoked token; a session that the user logged out of.
                190 | 102 | 458 | 459 | 460 | 463 | 464 | 467 => ChannelError::Unauthorized {
                    message: format!("{message} (check the Page access token)"),
                },
                // Missing permission.
                10 | 200..=299 => ChannelError::Unauthorized {
                    message: format!("{message} (the token lacks a permission this needs)"),
                },
                // Application, user, Page and business-use-case rate limits.
                4 | 17 | 32 | 613 | 80001..=80014 => ChannelError::Retryable {
                    message,
                    after: after.or(Some(Duration::from_secs(600))),
                },
                // "An unknown error occurred" / "Service temporarily unavailable": transient.
                1 | 2 if error.is_transient || effect != Effect::Write => {
                    ChannelError::Retryable { message, after }
                }
                1 | 2 => ChannelError::Unknown { message },
                _ if error.is_transient && effect != Effect::Write => {
                    ChannelError::Retryable { message, after }
                }
                _ if status.is_server_error() && effect == Effect::Write => ChannelError::Unknown { message },
                _ if status.is_server_error() => ChannelError::Retryable { message, after },
                _ => ChannelError::Permanent { message },
            };
        }
        match status.as_u16() {
            401 => ChannelError::Unauthorized {
                message: format!("{message} (check the account's token)"),
            },
            408 | 425 | 429 => ChannelError::Retryable { message, after },
            503 => ChannelError::Retryable { message, after },
            500..=599 if effect == Effect::Write => ChannelError::Unknown { message },
            500..=599 => ChannelError::Retryable { message, after },
            _ => ChannelError::Permanent { message },
        }
    }

    /// Meta reports how much of its rate limits an app has used on every answer; warn before
    /// the limit bites.
    fn watch_usage(&self, headers: &HeaderMap) {
        if !matches!(self.platform, Platform::Facebook | Platform::Instagram) {
            return;
        }
        if let Some(percent) = meta_usage_percent(headers)
            && percent >= 80
        {
            tracing::warn!(platform = %self.platform, percent, "close to Meta's rate limit");
        }
    }
}

/// Reads up to 16 KiB of a (failed) response's body.
pub async fn read_body(response: Response) -> Vec<u8> {
    let mut body = Vec::new();
    let mut response = response;
    while let Ok(Some(chunk)) = response.chunk().await {
        let room = MAX_ERROR_BODY.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= MAX_ERROR_BODY {
            break;
        }
    }
    body
}

/// What the platform said in an error body, in the shapes the platforms use:
/// Mastodon `{"error": "…", "error_description": "…"}`, Bluesky `{"error": "Name", "message": "…"}`,
/// X `{"title": "…", "detail": "…"}` or `{"errors": [{"message": "…"}]}`, Meta
/// `{"error": {"message": "…", "code": 190}}`, LinkedIn `{"message": "…", "serviceErrorCode": 65600}`.
pub fn platform_message(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = |v: &serde_json::Value| v.as_str().map(str::to_owned).filter(|s| !s.trim().is_empty());
    if let Some(error) = value.get("error").filter(|e| e.is_object()) {
        let message = text(&error["message"])?;
        let mut codes = Vec::new();
        if let Some(code) = error.get("code").and_then(|c| c.as_i64()) {
            codes.push(format!("code {code}"));
        }
        if let Some(sub) = error.get("error_subcode").and_then(|c| c.as_i64()) {
            codes.push(format!("subcode {sub}"));
        }
        if let Some(user_message) = text(&error["error_user_msg"]) {
            return Some(format!("{message}: {user_message} ({})", codes.join(", ")));
        }
        return Some(if codes.is_empty() {
            message
        } else {
            format!("{message} ({})", codes.join(", "))
        });
    }
    if let Some(error) = text(&value["error"]) {
        if let Some(message) = text(&value["message"]) {
            return Some(format!("{error}: {message}"));
        }
        if let Some(description) = text(&value["error_description"]) {
            return Some(format!("{error}: {description}"));
        }
        return Some(error);
    }
    if let Some(detail) = text(&value["detail"]) {
        return Some(match text(&value["title"]) {
            Some(title) if title != detail => format!("{title}: {detail}"),
            _ => detail,
        });
    }
    if let Some(first) = value["errors"].as_array().and_then(|a| a.first()) {
        let message = text(&first["message"]).or_else(|| text(&first["detail"]))?;
        return Some(match first.get("code").and_then(|c| c.as_i64()) {
            Some(code) => format!("{message} (code {code})"),
            None => message,
        });
    }
    if let Some(message) = text(&value["message"]) {
        return Some(match value.get("serviceErrorCode").and_then(|c| c.as_i64()) {
            Some(code) => format!("{message} (code {code})"),
            None => message,
        });
    }
    text(&value["title"])
}

/// A Meta Graph API error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetaError {
    /// `error.code`.
    pub code: i64,
    /// `error.error_subcode`.
    pub subcode: Option<i64>,
    /// `error.is_transient`.
    pub is_transient: bool,
}

/// Reads Meta's `{"error": {"code": …, "error_subcode": …, "is_transient": …}}`.
pub fn meta_error(body: &[u8]) -> Option<MetaError> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let error = value.get("error")?;
    Some(MetaError {
        code: error.get("code")?.as_i64()?,
        subcode: error.get("error_subcode").and_then(|c| c.as_i64()),
        is_transient: error
            .get("is_transient")
            .and_then(|t| t.as_bool())
            .unwrap_or(false),
    })
}

/// How long the platform asks herald to wait, from whichever header it uses:
/// `Retry-After` (seconds or an HTTP date), X's `x-rate-limit-reset` (Unix seconds), Mastodon's
/// `X-RateLimit-Reset` (an ISO 8601 time), `RateLimit-Reset` (seconds to wait per the IETF draft,
/// or Unix seconds as Bluesky sends), and Meta's `X-Business-Use-Case-Usage`
/// (`estimated_time_to_regain_access`, minutes).
pub fn rate_limit_after(headers: &HeaderMap, now: DateTime<Utc>) -> Option<Duration> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
    let until = |at: DateTime<Utc>| Some((at - now).to_std().unwrap_or(Duration::ZERO));
    let epoch_or_delta = |value: &str| -> Option<Duration> {
        let n: f64 = value.parse().ok()?;
        if !n.is_finite() || n < 0.0 {
            return None;
        }
        if n > 1_000_000_000.0 {
            until(DateTime::from_timestamp(n as i64, 0)?)
        } else {
            Some(Duration::from_secs(n.ceil() as u64))
        }
    };
    if let Some(value) = header("retry-after") {
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        if let Ok(at) = DateTime::parse_from_rfc2822(value) {
            return until(at.with_timezone(&Utc));
        }
    }
    if let Some(value) = header("x-rate-limit-reset")
        && let Some(after) = epoch_or_delta(value)
    {
        return Some(after);
    }
    if let Some(value) = header("x-ratelimit-reset") {
        if let Ok(at) = DateTime::parse_from_rfc3339(value) {
            return until(at.with_timezone(&Utc));
        }
        if let Some(after) = epoch_or_delta(value) {
            return Some(after);
        }
    }
    if let Some(value) = header("ratelimit-reset")
        && let Some(after) = epoch_or_delta(value)
    {
        return Some(after);
    }
    if let Some(value) = header("x-business-use-case-usage")
        && let Ok(usage) = serde_json::from_str::<serde_json::Value>(value)
    {
        let minutes = usage
            .as_object()
            .into_iter()
            .flat_map(|o| o.values())
            .filter_map(|v| v.as_array())
            .flatten()
            .filter_map(|e| e.get("estimated_time_to_regain_access").and_then(|m| m.as_u64()))
            .max();
        if let Some(minutes) = minutes.filter(|m| *m > 0) {
            return Some(Duration::from_secs(minutes * 60));
        }
    }
    None
}

/// The highest percentage of a Meta rate limit used, from `X-App-Usage`
/// (`{"call_count":…,"total_cputime":…,"total_time":…}`) and `X-Business-Use-Case-Usage`.
pub fn meta_usage_percent(headers: &HeaderMap) -> Option<u64> {
    let percents = |v: &serde_json::Value| -> Vec<u64> {
        ["call_count", "total_cputime", "total_time"]
            .iter()
            .filter_map(|k| v.get(k).and_then(|n| n.as_u64()))
            .collect()
    };
    let mut all = Vec::new();
    if let Some(value) = headers.get("x-app-usage").and_then(|v| v.to_str().ok())
        && let Ok(usage) = serde_json::from_str::<serde_json::Value>(value)
    {
        all.extend(percents(&usage));
    }
    if let Some(value) = headers
        .get("x-business-use-case-usage")
        .and_then(|v| v.to_str().ok())
        && let Ok(usage) = serde_json::from_str::<serde_json::Value>(value)
        && let Some(map) = usage.as_object()
    {
        for entries in map.values().filter_map(|v| v.as_array()) {
            for entry in entries {
                all.extend(percents(entry));
            }
        }
    }
    all.into_iter().max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(
                HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn reads_every_platforms_rate_limit_headers() {
        let secs = |pairs: &[(&str, &str)]| rate_limit_after(&headers(pairs), now()).map(|d| d.as_secs());
        assert_eq!(secs(&[("Retry-After", "120")]), Some(120));
        assert_eq!(
            secs(&[("Retry-After", "Tue, 01 Dec 2026 10:01:00 GMT")]),
            Some(60)
        );
        let reset = (now().timestamp() + 900).to_string();
        assert_eq!(secs(&[("x-rate-limit-reset", &reset)]), Some(900));
        assert_eq!(
            secs(&[("X-RateLimit-Reset", "2026-12-01T10:05:00.000Z")]),
            Some(300)
        );
        assert_eq!(secs(&[("RateLimit-Reset", "30")]), Some(30));
        assert_eq!(secs(&[("RateLimit-Reset", &reset)]), Some(900));
        assert_eq!(
            secs(&[(
                "X-Business-Use-Case-Usage",
                r#"{"112233":[{"type":"pages","call_count":100,"total_cputime":25,"total_time":25,"estimated_time_to_regain_access":19}]}"#
            )]),
            Some(19 * 60)
        );
        assert_eq!(secs(&[("X-RateLimit-Reset", "2026-12-01T09:00:00Z")]), Some(0));
        assert_eq!(secs(&[]), None);
    }

    #[test]
    fn reads_meta_usage() {
        let h = headers(&[(
            "X-App-Usage",
            r#"{"call_count":85,"total_time":12,"total_cputime":3}"#,
        )]);
        assert_eq!(meta_usage_percent(&h), Some(85));
    }

    #[test]
    fn reads_every_platforms_error_body() {
        let m = |s: &str| platform_message(s.as_bytes());
        assert_eq!(
            m(r#"{"error":"The access token is invalid"}"#).unwrap(),
            "The access token is invalid"
        );
        assert_eq!(
            m(r#"{"error":"ExpiredToken","message":"Token has expired"}"#).unwrap(),
            "ExpiredToken: Token has expired"
        );
        assert_eq!(
            m(r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#)
                .unwrap(),
            "Unauthorized"
        );
        assert_eq!(
            m(r#"{"errors":[{"message":"You are not allowed to create a Tweet with duplicate content.","code":187}]}"#)
                .unwrap(),
            "You are not allowed to create a Tweet with duplicate content. (code 187)"
        );
        assert_eq!(
            m(r#"{"error":{"message":"Error validating access token","type":"OAuthException","code":190,"error_subcode":463,"fbtrace_id":"A"}}"#).unwrap(),
            "Error validating access token (code 190, subcode 463)"
        );
        assert_eq!(
            m(r#"{"message":"Not enough permissions to access: POST /posts","status":403,"serviceErrorCode":100}"#)
                .unwrap(),
            "Not enough permissions to access: POST /posts (code 100)"
        );
        assert_eq!(m("<html>bad gateway</html>"), None);
    }

    #[test]
    fn classifies_by_effect() {
        let http = Http::new(Platform::Mastodon).unwrap();
        let h = HeaderMap::new();
        let e = |status: u16, effect| http.classify(StatusCode::from_u16(status).unwrap(), &h, b"{}", effect);
        assert!(matches!(e(502, Effect::Write), ChannelError::Unknown { .. }));
        assert!(matches!(
            e(502, Effect::IdempotentWrite),
            ChannelError::Retryable { .. }
        ));
        assert!(matches!(e(503, Effect::Write), ChannelError::Retryable { .. }));
        assert!(matches!(e(401, Effect::Read), ChannelError::Unauthorized { .. }));
        assert!(matches!(e(422, Effect::Write), ChannelError::Permanent { .. }));
        let meta = Http::new(Platform::Facebook).unwrap();
        let throttled = meta.classify(
            StatusCode::BAD_REQUEST,
            &h,
            br#"{"error":{"message":"(#32) Page request limit reached","type":"OAuthException","code":32}}"#,
            Effect::Write,
        );
        assert!(matches!(
            throttled,
            ChannelError::Retryable { after: Some(_), .. }
        ));
    }

    #[test]
    fn scrubs_registered_secrets() {
        let http = Http::new(Platform::X).unwrap();
        http.register_secret(&Secret::new("tok-12345"));
        http.register_secret(&Secret::new("t"));
        assert_eq!(http.scrub("bad token tok-12345!"), "bad token ***!");
        assert_eq!(http.scrub("a t is not a token"), "a t is not a token");
    }
}
