//! Contract tests: each platform adapter against a local fake (wiremock) that answers with the
//! request and response bodies each platform documents, including its errors and rate limits;
//! and `herald accounts verify` run as the real binary against those fakes.
#![allow(clippy::unwrap_used, missing_docs)] // test code: a failed unwrap is a failed test

mod bluesky;
mod facebook;
mod instagram;
mod linkedin;
mod mastodon;
mod secrets;
mod verify;
mod x;

use std::path::{Path, PathBuf};

use herald::channels::{ImageFile, Publication, VideoFile};
use serde_json::Value;
use wiremock::Request;

/// Bytes of a 1×1 PNG.
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00,
    0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00,
    0x00, 0x00, 0x0a, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0x00, 0x01, 0x00, 0x00, 0x05, 0x00, 0x01,
    0x0d, 0x0a, 0x2d, 0xb4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

/// The alt text of the two test images.
pub const ALT_ONE: &str = "A pharmacist gives an older man a flu jab in his upper arm";
pub const ALT_TWO: &str = "Poster in white text on NHS blue: Book your flu jab";

/// A content folder with two images, a video and its captions.
pub struct Content {
    pub dir: tempfile::TempDir,
}

impl Default for Content {
    fn default() -> Self {
        Content::new()
    }
}

impl Content {
    pub fn new() -> Content {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("content/media");
        std::fs::create_dir_all(&media).unwrap();
        std::fs::write(media.join("flu-jab.png"), PNG).unwrap();
        std::fs::write(media.join("poster.jpg"), b"\xff\xd8\xff\xe0 fake jpeg bytes").unwrap();
        std::fs::write(media.join("clinic.mp4"), b"\x00\x00\x00\x18ftypmp42 fake video").unwrap();
        std::fs::write(
            media.join("clinic.vtt"),
            "WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nWelcome to the clinic.\n",
        )
        .unwrap();
        Content { dir }
    }

    pub fn content_dir(&self) -> PathBuf {
        self.dir.path().join("content")
    }

    pub fn media(&self, name: &str) -> PathBuf {
        self.content_dir().join("media").join(name)
    }

    /// Two images with alt text.
    pub fn two_images(&self) -> Vec<ImageFile> {
        vec![
            ImageFile {
                path: self.media("flu-jab.png"),
                alt: Some(ALT_ONE.to_owned()),
            },
            ImageFile {
                path: self.media("poster.jpg"),
                alt: Some(ALT_TWO.to_owned()),
            },
        ]
    }

    pub fn video(&self) -> Vec<VideoFile> {
        vec![VideoFile {
            path: self.media("clinic.mp4"),
            captions: Some(self.media("clinic.vtt")),
        }]
    }
}

/// A text publication.
pub fn publication(key: &str, text: &str) -> Publication {
    Publication {
        key: key.to_owned(),
        post_id: "2026-12/flu".to_owned(),
        text: text.to_owned(),
        link: None,
        images: vec![],
        videos: vec![],
        reshare: None,
    }
}

/// A request's JSON body.
pub fn json_body(request: &Request) -> Value {
    serde_json::from_slice(&request.body).unwrap_or_else(|e| {
        panic!(
            "{} {} body isn't JSON ({e}): {}",
            request.method,
            request.url,
            String::from_utf8_lossy(&request.body)
        )
    })
}

/// A request's form-encoded body as pairs.
pub fn form_body(request: &Request) -> Vec<(String, String)> {
    url::form_urlencoded::parse(&request.body).into_owned().collect()
}

/// A form field's value.
pub fn form_field(request: &Request, name: &str) -> Option<String> {
    form_body(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// A multipart body's text field (`Content-Disposition: form-data; name="…"`).
pub fn multipart_field(request: &Request, name: &str) -> Option<String> {
    let body = String::from_utf8_lossy(&request.body);
    let marker = format!("name=\"{name}\"");
    let at = body.find(&marker)?;
    let rest = &body[at..];
    let start = rest.find("\r\n\r\n")? + 4;
    let end = rest[start..].find("\r\n--")? + start;
    Some(rest[start..end].to_owned())
}

/// The requests the fake received for a method and path.
pub async fn requests_to(server: &wiremock::MockServer, method: &str, path: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.method.as_str() == method && r.url.path() == path)
        .collect()
}

/// A UTC time `minutes` ago, as platforms write it.
pub fn minutes_ago(minutes: i64) -> String {
    (chrono::Utc::now() - chrono::Duration::minutes(minutes))
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The herald binary with a clean environment for herald's own variables.
pub fn herald(dir: &Path) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("herald").unwrap();
    cmd.current_dir(dir)
        .env_remove("HERALD_CONFIG")
        .env_remove("HERALD_CONTENT")
        .env("NO_COLOR", "1");
    cmd
}

/// Matches a request whose body (binary or not) contains `needle`.
pub fn body_has(needle: &str) -> impl Fn(&Request) -> bool + Send + Sync + 'static {
    let needle = needle.to_owned();
    move |request: &Request| String::from_utf8_lossy(&request.body).contains(&needle)
}
