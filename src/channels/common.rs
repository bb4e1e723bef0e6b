//! Small pieces the platform adapters share: media files, text comparison for reconciling,
//! composite inbox cursors.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::ChannelError;
use crate::config::{AccountConfig, Platform};

/// How far back reconciling looks for a publication among the account's recent posts: long
/// enough to cover an unknown outcome that a restart delayed, short enough not to mistake last
/// week's identical recurring post for this one.
pub const RECONCILE_WINDOW: Duration = Duration::from_secs(48 * 3600);

/// A media file read for upload.
#[derive(Clone)]
pub struct Media {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Its MIME type.
    pub mime: &'static str,
    /// Its file name.
    pub file_name: String,
}

impl std::fmt::Debug for Media {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Media")
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl Media {
    /// Whether it is a video.
    pub fn is_video(&self) -> bool {
        self.mime.starts_with("video/")
    }
}

/// The MIME type of a media file, from its extension.
pub fn mime_for(path: &Path) -> Option<&'static str> {
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    Some(match ext.as_str() {
        "jpg" | "jpeg" => "image/jpeg",
        "png" => "image/png",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "mp4" | "m4v" => "video/mp4",
        "mov" => "video/quicktime",
        "webm" => "video/webm",
        "vtt" => "text/vtt",
        "srt" => "text/srt",
        _ => return None,
    })
}

/// Reads a media file. A file that is missing or of a type herald can't upload is permanent
/// (the checks report it before publishing; this is the last line).
pub async fn read_media(path: &Path) -> Result<Media, ChannelError> {
    let mime = mime_for(path).ok_or_else(|| ChannelError::Permanent {
        message: format!(
            "{} isn't a file type herald can upload (jpeg, png, gif, webp, mp4, mov, webm, vtt, srt)",
            path.display()
        ),
    })?;
    let bytes = tokio::fs::read(path).await.map_err(|e| ChannelError::Permanent {
        message: format!("can't read {}: {e}", path.display()),
    })?;
    Ok(Media {
        bytes,
        mime,
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "media".to_owned()),
    })
}

/// Text with runs of white space made one space, for comparing a publication with what a
/// platform shows.
pub fn normalize(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether a platform's copy of a post is the publication's text. Platforms shorten links
/// (X's t.co) and may escape, so links are compared by their presence, not their spelling.
pub fn same_text(published: &str, platform_copy: &str) -> bool {
    let strip_links = |t: &str| {
        normalize(t)
            .split(' ')
            .filter(|w| !(w.starts_with("http://") || w.starts_with("https://")))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let a = strip_links(published);
    !a.is_empty() && a == strip_links(platform_copy)
}

/// Whether `at` is recent enough to be this publication (see [`RECONCILE_WINDOW`]).
pub fn within_window(at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    (now - at).to_std().is_ok_and(|age| age <= RECONCILE_WINDOW) || at > now
}

/// A cursor made of several platforms' cursors (notifications and direct messages), kept as
/// one opaque string.
pub fn parse_cursor(cursor: Option<&str>) -> BTreeMap<String, String> {
    cursor
        .and_then(|c| serde_json::from_str(c).ok())
        .unwrap_or_default()
}

/// The string form of [`parse_cursor`]'s map.
pub fn format_cursor(parts: &BTreeMap<String, String>) -> Option<String> {
    if parts.is_empty() {
        None
    } else {
        serde_json::to_string(parts).ok()
    }
}

/// Parses a platform's time stamp (RFC 3339, or Meta's `2026-12-01T10:00:00+0000`).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .or_else(|_| DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// Plain text from the HTML Mastodon sends: paragraphs and line breaks become new lines, tags
/// are dropped, entities decoded.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        if tag.starts_with("br") {
            out.push('\n');
        } else if tag == "/p" {
            out.push_str("\n\n");
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    decode_entities(out.trim_end())
}

fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let Some(semi) = after.find(';').filter(|s| *s <= 10) else {
            out.push('&');
            rest = &after[1..];
            continue;
        };
        let entity = &after[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The base URL for an account: its `base_url` without a trailing slash, or the platform's.
pub fn base_url(account: &AccountConfig, default: &str) -> String {
    account
        .base_url
        .as_deref()
        .unwrap_or(default)
        .trim_end_matches('/')
        .to_owned()
}

/// A link's title and description for a link card, from the page's Open Graph tags (or its
/// `<title>`), when the page can be fetched within ten seconds.
pub async fn link_card(http: &super::http::Http, link: &str) -> Option<(String, String)> {
    let response = http
        .client()
        .get(link)
        .header("Accept", "text/html")
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    let html = response.text().await.ok()?;
    let mut end = html.len().min(256 * 1024);
    while !html.is_char_boundary(end) {
        end -= 1;
    }
    let head = &html[..end];
    let title = meta_content(head, "og:title").or_else(|| {
        let start = head.find("<title")?;
        let open_end = head[start..].find('>')? + start + 1;
        let close = head[open_end..].find("</title>")? + open_end;
        Some(html_to_text(&head[open_end..close]))
    })?;
    let description = meta_content(head, "og:description")
        .or_else(|| meta_content(head, "description"))
        .unwrap_or_default();
    Some((title.trim().to_owned(), description.trim().to_owned()))
}

fn meta_content(html: &str, name: &str) -> Option<String> {
    for attribute in ["property", "name"] {
        for quote in ['"', '\''] {
            let needle = format!("{attribute}={quote}{name}{quote}");
            let Some(at) = html.find(&needle) else { continue };
            let tag_start = html[..at].rfind('<')?;
            let tag_end = html[at..].find('>')? + at;
            let tag = &html[tag_start..tag_end];
            for q in ['"', '\''] {
                if let Some(c) = tag.find(&format!("content={q}")) {
                    let value = &tag[c + 9..];
                    let end = value.find(q)?;
                    return Some(html_to_text(&value[..end]));
                }
            }
        }
    }
    None
}

/// The error for a thing a platform's API doesn't offer.
pub fn unsupported(platform: Platform, what: &str) -> ChannelError {
    ChannelError::Unsupported(format!("{platform} doesn't offer {what} through its API"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_text() {
        assert_eq!(
            html_to_text(
                r#"<p><span class="h-card"><a href="https://m.example/@icb" class="u-url mention">@<span>icb</span></a></span> Where&#39;s my jab &amp; why?</p><p>Line<br />two</p>"#
            ),
            "@icb Where's my jab & why?\n\nLine\ntwo"
        );
    }

    #[test]
    fn compares_text_ignoring_spacing_and_link_spelling() {
        assert!(same_text(
            "Book now https://nhs.uk/flu",
            "Book  now\nhttps://t.co/abc"
        ));
        assert!(!same_text("Book now", "Book later"));
        assert!(!same_text("", ""));
    }

    #[test]
    fn cursors_round_trip() {
        let mut parts = BTreeMap::new();
        assert_eq!(format_cursor(&parts), None);
        parts.insert("n".to_owned(), "42".to_owned());
        let text = format_cursor(&parts).unwrap();
        assert_eq!(parse_cursor(Some(&text)), parts);
        assert!(parse_cursor(Some("garbage")).is_empty());
    }

    #[test]
    fn reads_open_graph_tags() {
        let html = r#"<head><meta property="og:title" content="Flu vaccine &amp; you"><meta name="description" content='Who can get it'></head>"#;
        assert_eq!(
            meta_content(html, "og:title").as_deref(),
            Some("Flu vaccine & you")
        );
        assert_eq!(
            meta_content(html, "description").as_deref(),
            Some("Who can get it")
        );
    }

    #[test]
    fn parses_meta_times() {
        assert_eq!(
            parse_time("2026-12-01T10:00:00+0000").unwrap().to_rfc3339(),
            "2026-12-01T10:00:00+00:00"
        );
    }
}
