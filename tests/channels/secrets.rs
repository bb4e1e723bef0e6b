//! Credentials never reach an error's Display or Debug, nor an adapter's Debug: not when a
//! platform echoes the token back, not when the connection fails, not when a file is missing.

use std::sync::Arc;

use herald::channels::bluesky::Bluesky;
use herald::channels::facebook::Facebook;
use herald::channels::instagram::{Instagram, MediaHost};
use herald::channels::linkedin::Linkedin;
use herald::channels::mastodon::Mastodon;
use herald::channels::secret::{self, Secret};
use herald::channels::x::{Refresh, X};
use herald::channels::{Channel, ChannelError};
use serde_json::json;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::{Content, publication};

const TOKEN: &str = "tok-SECRET-4f1d9a7c2b";
const REFRESH: &str = "refresh-SECRET-77aa11";
const CLIENT_SECRET: &str = "client-SECRET-0099ff";

fn channels(base: &str, content: &Content, refresh_file: &std::path::Path) -> Vec<Arc<dyn Channel>> {
    let token = || Secret::new(TOKEN);
    vec![
        Arc::new(Mastodon::new("mastodon", base, token()).unwrap()),
        Arc::new(Bluesky::new("bluesky", base, "icb.bsky.social", token()).unwrap()),
        Arc::new(
            X::new(
                "x",
                base,
                Some(token()),
                Some(Refresh {
                    client_id: "client".into(),
                    client_secret: Some(Secret::new(CLIENT_SECRET)),
                    file: refresh_file.to_owned(),
                }),
            )
            .unwrap(),
        ),
        Arc::new(Facebook::new("facebook", base, "v23.0", "1", token()).unwrap()),
        Arc::new(
            Instagram::new(
                "instagram",
                base,
                "v23.0",
                "1",
                token(),
                MediaHost::new("https://m.example", content.content_dir()),
            )
            .unwrap(),
        ),
        Arc::new(Linkedin::new("linkedin", base, "202509", "urn:li:organization:1", token()).unwrap()),
    ]
}

struct Echo;

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        let decoded = authorization
            .strip_prefix("Basic ")
            .and_then(base64_decode)
            .unwrap_or_default();
        let echo = format!(
            "refused {authorization} ({decoded}) for {}",
            String::from_utf8_lossy(&request.body)
                .chars()
                .take(2000)
                .collect::<String>()
        );
        ResponseTemplate::new(401).set_body_json(json!({
            "error": echo, "message": echo, "detail": echo, "title": echo,
        }))
    }
}

/// Standard base64, enough to read a Basic authorization header.
fn base64_decode(text: &str) -> Option<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes().filter(|c| *c != b'=') {
        let value = ALPHABET.iter().position(|a| *a == c)? as u32;
        bits = (bits << 6) | value;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(out).ok()
}

fn assert_clean(what: &str, text: &str) {
    for secret in [TOKEN, REFRESH, CLIENT_SECRET] {
        assert!(!text.contains(secret), "{what} shows a credential: {text}");
    }
}

async fn exercise(channel: &dyn Channel, content: &Content) -> Vec<ChannelError> {
    let mut p = publication("k", "Hello");
    p.images = content.two_images();
    let mut errors = Vec::new();
    errors.extend(channel.verify().await.err());
    errors.extend(channel.publish(&p).await.err());
    errors.extend(channel.reconcile(&p).await.err());
    errors.extend(channel.read_inbox(None).await.err());
    errors
}

#[tokio::test]
async fn a_platform_echoing_credentials_back_never_gets_them_into_errors() {
    let server = MockServer::start().await;
    // Every answer is a refusal quoting back whatever credentials the request carried (its
    // Authorization header and its body), in every platform's error shape.
    Mock::given(any()).respond_with(Echo).mount(&server).await;
    let content = Content::new();
    let dir = tempfile::tempdir().unwrap();
    let refresh_file = dir.path().join("refresh");
    std::fs::write(&refresh_file, REFRESH).unwrap();
    let mut seen = 0;
    for channel in channels(&server.uri(), &content, &refresh_file) {
        assert_clean("an adapter's Debug", &format!("{channel:?}"));
        for error in exercise(channel.as_ref(), &content).await {
            seen += 1;
            assert_clean("an error's Display", &error.to_string());
            assert_clean("an error's Debug", &format!("{error:?}"));
        }
        assert_clean("an adapter's Debug after use", &format!("{channel:?}"));
    }
    assert!(seen >= 18, "only {seen} errors were produced");
}

#[tokio::test]
async fn connection_failures_never_show_credentials() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let content = Content::new();
    let dir = tempfile::tempdir().unwrap();
    let refresh_file = dir.path().join("refresh");
    std::fs::write(&refresh_file, REFRESH).unwrap();
    for channel in channels(&base, &content, &refresh_file) {
        let error = channel.verify().await.unwrap_err();
        assert!(
            matches!(
                error,
                ChannelError::Retryable { .. } | ChannelError::Unauthorized { .. }
            ),
            "{error:?}"
        );
        assert_clean("a connection error", &format!("{error} {error:?}"));
    }
}

#[test]
fn credential_errors_name_where_herald_looked_not_what_it_found() {
    let dir = tempfile::tempdir().unwrap();
    let missing = secret::read(Some("HERALD_TEST_NOT_SET_ANYWHERE"), None, dir.path()).unwrap_err();
    assert_eq!(
        missing.to_string(),
        "the environment variable `HERALD_TEST_NOT_SET_ANYWHERE` is not set"
    );
    let token = secret::read(None, Some(std::path::Path::new("token")), dir.path());
    assert!(token.is_err());
    std::fs::write(dir.path().join("token"), TOKEN).unwrap();
    let token = secret::read(None, Some(std::path::Path::new("token")), dir.path())
        .unwrap()
        .unwrap();
    assert_eq!(format!("{token:?}"), "Secret(***)");
}
