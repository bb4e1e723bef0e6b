//! Posts: one file each (`content/posts/**/*.md`), or a campaign's recurring entries.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Deserializer};

use super::frontmatter;
use crate::diag::{Finding, SourceFile};
use crate::tomldoc::{self, SpanIndex};

/// The kind of a post (PRODUCT.md: what the team publishes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// News.
    #[default]
    News,
    /// A link to a blog post.
    Blog,
    /// A video.
    Video,
    /// Guidance on using services.
    Guidance,
    /// Part of a campaign.
    Campaign,
    /// A fact, figure or quote.
    Fact,
    /// A question to start a discussion.
    Question,
    /// A boost/repost of someone else's post (`link` is the post).
    Reshare,
}

impl Kind {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::News => "news",
            Kind::Blog => "blog",
            Kind::Video => "video",
            Kind::Guidance => "guidance",
            Kind::Campaign => "campaign",
            Kind::Fact => "fact",
            Kind::Question => "question",
            Kind::Reshare => "reshare",
        }
    }
}

/// When a one-off post goes out, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublishAt {
    /// Wall-clock time in the configured zone (a TOML local date-time).
    Local(NaiveDateTime),
    /// An exact instant (a TOML offset date-time).
    Fixed(DateTime<FixedOffset>),
}

impl fmt::Display for PublishAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PublishAt::Local(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S")),
            PublishAt::Fixed(t) => write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%:z")),
        }
    }
}

impl<'de> Deserialize<'de> for PublishAt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = toml::Value::deserialize(d)?;
        let datetime = match value {
            toml::Value::Datetime(dt) => dt,
            toml::Value::String(s) => s.parse::<toml::value::Datetime>().map_err(|_| {
                D::Error::custom(format!(
                    "`{s}` is not a date and time; write it like 2026-12-01T10:00:00"
                ))
            })?,
            other => {
                return Err(D::Error::custom(format!(
                    "expected a date and time like 2026-12-01T10:00:00, found {}",
                    other.type_str()
                )));
            }
        };
        publish_at_from_toml(&datetime).map_err(D::Error::custom)
    }
}

fn publish_at_from_toml(dt: &toml::value::Datetime) -> Result<PublishAt, String> {
    let (Some(date), Some(time)) = (dt.date, dt.time) else {
        return Err(format!(
            "`{dt}` needs both a date and a time, like 2026-12-01T10:00:00"
        ));
    };
    let naive_date =
        NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
            .ok_or_else(|| format!("`{dt}` is not a real date"))?;
    let naive_time = NaiveTime::from_hms_opt(
        u32::from(time.hour),
        u32::from(time.minute),
        u32::from(time.second.unwrap_or(0)),
    )
    .ok_or_else(|| format!("`{dt}` is not a real time"))?;
    let local = naive_date.and_time(naive_time);
    match dt.offset {
        None => Ok(PublishAt::Local(local)),
        Some(offset) => {
            let minutes = match offset {
                toml::value::Offset::Z => 0,
                toml::value::Offset::Custom { minutes } => i32::from(minutes),
            };
            let offset = FixedOffset::east_opt(minutes * 60)
                .ok_or_else(|| format!("`{dt}` has an impossible offset"))?;
            local
                .and_local_timezone(offset)
                .single()
                .map(PublishAt::Fixed)
                .ok_or_else(|| format!("`{dt}` is not a real instant"))
        }
    }
}

/// A date written as a TOML local date (`2026-12-01`).
pub(crate) fn deserialize_date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    use serde::de::Error;
    let value = toml::Value::deserialize(d)?;
    let parsed = match &value {
        toml::Value::Datetime(dt) if dt.time.is_none() => dt.date,
        toml::Value::String(s) => s.parse::<toml::value::Datetime>().ok().and_then(|dt| dt.date),
        _ => None,
    };
    parsed
        .and_then(|date| {
            NaiveDate::from_ymd_opt(i32::from(date.year), u32::from(date.month), u32::from(date.day))
        })
        .ok_or_else(|| D::Error::custom("expected a date like 2026-12-01"))
}

/// When a publication is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum When {
    /// Once, at a time.
    At(PublishAt),
    /// Repeatedly, on a cron schedule in the configured zone, within the campaign's dates.
    Cron(String),
}

impl fmt::Display for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            When::At(at) => at.fmt(f),
            When::Cron(cron) => write!(f, "cron {cron}"),
        }
    }
}

/// An image and its description.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    /// Path relative to the content folder.
    pub path: String,
    /// Alt text: what the image shows, for people who can't see it.
    #[serde(default)]
    pub alt: Option<String>,
}

/// A video and its captions.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Video {
    /// Path relative to the content folder.
    pub path: String,
    /// Caption file (.srt or .vtt) relative to the content folder.
    #[serde(default)]
    pub captions: Option<String>,
}

/// A post file's front matter as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostFile {
    /// When it goes out.
    pub publish_at: PublishAt,
    /// Account names from herald.toml.
    pub channels: Vec<String>,
    /// What kind of post it is.
    #[serde(default)]
    pub kind: Kind,
    /// The campaign it belongs to (a file in content/campaigns/).
    #[serde(default)]
    pub campaign: Option<String>,
    /// A link to publish with it (for a reshare, the post to boost).
    #[serde(default)]
    pub link: Option<String>,
    /// Who approved it (written by `herald approve`).
    #[serde(default)]
    pub approved_by: Option<String>,
    /// The hash of what was approved (written by `herald approve`).
    #[serde(default)]
    pub approved_hash: Option<String>,
    /// Fingerprints of each approved part, so a stale approval can say what changed.
    #[serde(default)]
    pub approved_parts: Option<String>,
    /// Images.
    #[serde(default)]
    pub images: Vec<Image>,
    /// Videos.
    #[serde(default)]
    pub videos: Vec<Video>,
    /// Deliberate exceptions to advisory checks: a finding's code and the reason for it.
    #[serde(default)]
    pub allow: BTreeMap<String, String>,
}

/// What a publication is, wherever it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostSpec {
    /// When it is due.
    pub when: When,
    /// Account names.
    pub channels: Vec<String>,
    /// Its kind.
    pub kind: Kind,
    /// Its campaign's id.
    pub campaign: Option<String>,
    /// Its link.
    pub link: Option<String>,
    /// The text as written (without campaign hashtags or tracking parameters).
    pub text: String,
    /// Images.
    pub images: Vec<Image>,
    /// Videos.
    pub videos: Vec<Video>,
    /// Who approved it.
    pub approved_by: Option<String>,
    /// The approved hash.
    pub approved_hash: Option<String>,
    /// The approved parts' fingerprints.
    pub approved_parts: Option<String>,
}

/// Maps offsets in a post's text to offsets in its file, for findings that point into the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMap {
    /// Where the text starts in the file, when it appears there verbatim.
    base: Option<usize>,
    /// What to point at when it doesn't (a TOML string with escapes).
    fallback: Range<usize>,
}

impl TextMap {
    /// The text appears verbatim at `base`.
    pub fn verbatim(base: usize) -> Self {
        TextMap {
            base: Some(base),
            fallback: base..base,
        }
    }

    /// The text was written as a TOML string at `value_span` in `file`; findings point into it
    /// when the string has no escapes, otherwise at the whole string.
    pub fn toml_string(file: &str, value_span: Range<usize>, text: &str) -> Self {
        let raw = file.get(value_span.clone()).unwrap_or("");
        let base = raw
            .find(text)
            .filter(|_| !text.is_empty())
            .map(|i| value_span.start + i);
        TextMap {
            base,
            fallback: value_span,
        }
    }

    /// The file span of a range of the text.
    pub fn span(&self, range: Range<usize>) -> Range<usize> {
        match self.base {
            Some(base) => base + range.start..base + range.end,
            None => self.fallback.clone(),
        }
    }
}

/// One publication with where it was written, ready for checks and the publisher.
#[derive(Debug, Clone)]
pub struct Post {
    /// Stable id: the path under content/posts/ without `.md`, or `campaign#id` for recurring.
    pub id: String,
    /// The file it came from.
    pub source: Arc<SourceFile>,
    /// Spans of its keys.
    pub spans: SpanIndex,
    /// Prefix of its keys in `spans` (`recurring[2].` for a campaign's posts).
    pub key_prefix: String,
    /// Where in the file findings about the post as a whole point.
    pub anchor: Range<usize>,
    /// Where its text is in the file.
    pub text_map: TextMap,
    /// What it is.
    pub spec: PostSpec,
    /// Deliberate exceptions to advisory checks: code → reason (`[allow]`).
    pub allow: BTreeMap<String, String>,
}

impl Post {
    /// Loads a post file; returns the post if it could be read, and every finding.
    pub fn load_file(id: String, source: Arc<SourceFile>) -> (Option<Post>, Vec<Finding>) {
        let parts = match frontmatter::split(&source) {
            Ok(parts) => parts,
            Err(finding) => return (None, vec![finding]),
        };
        let loaded = tomldoc::load::<PostFile>(&source, parts.front.clone(), "front matter");
        let Some(front) = loaded.value else {
            return (None, loaded.findings);
        };
        let text = source.text[parts.body.clone()].to_owned();
        let anchor = 0..3;
        let post = Post {
            id,
            spans: loaded.spans,
            key_prefix: String::new(),
            anchor,
            text_map: TextMap::verbatim(parts.body.start),
            spec: PostSpec {
                when: When::At(front.publish_at),
                channels: front.channels,
                kind: front.kind,
                campaign: front.campaign,
                link: front.link,
                text,
                images: front.images,
                videos: front.videos,
                approved_by: front.approved_by,
                approved_hash: front.approved_hash,
                approved_parts: front.approved_parts,
            },
            allow: front.allow,
            source,
        };
        (Some(post), loaded.findings)
    }

    /// The file the post is in.
    pub fn path(&self) -> &Path {
        &self.source.path
    }

    /// Whether it came from a campaign's `[[recurring]]` list.
    pub fn is_recurring(&self) -> bool {
        matches!(self.spec.when, When::Cron(_))
    }

    /// The span of a key of this post (`images[0].alt`), or of the post's anchor.
    pub fn key_span(&self, key: &str) -> Range<usize> {
        self.spans
            .key(&format!("{}{key}", self.key_prefix))
            .unwrap_or_else(|| self.anchor.clone())
    }

    /// The span of a value of this post, or of the post's anchor.
    pub fn value_span(&self, key: &str) -> Range<usize> {
        self.spans
            .value(&format!("{}{key}", self.key_prefix))
            .unwrap_or_else(|| self.anchor.clone())
    }

    /// The file span of a range of the post's text.
    pub fn text_span(&self, range: Range<usize>) -> Range<usize> {
        self.text_map.span(range)
    }

    /// A finding at a key's value.
    pub fn finding_at(&self, key: &str, code: crate::diag::Code, message: impl Into<String>) -> Finding {
        Finding::at(&self.source, self.value_span(key), code, message)
    }

    /// A finding about the post as a whole.
    pub fn finding(&self, code: crate::diag::Code, message: impl Into<String>) -> Finding {
        Finding::at(&self.source, self.anchor.clone(), code, message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (Option<Post>, Vec<Finding>) {
        Post::load_file("a".into(), SourceFile::new("content/posts/a.md", text))
    }

    #[test]
    fn loads_a_post() {
        let (post, findings) = load(
            "+++\npublish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\"]\n[[images]]\npath = \"media/a.png\"\nalt = \"A nurse\"\n+++\nBook your flu jab.\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        let post = post.unwrap();
        assert_eq!(post.spec.text, "Book your flu jab.");
        assert_eq!(post.spec.kind, Kind::News);
        assert_eq!(post.spec.when.to_string(), "2026-12-01T10:00:00");
        assert_eq!(post.spec.images[0].alt.as_deref(), Some("A nurse"));
        let (line, col) = post.source.line_col(post.value_span("images[0].alt").start);
        assert_eq!((line, col), (6, 7));
        let (line, col) = post.source.line_col(post.text_span(5..8).start);
        assert_eq!((line, col), (8, 6));
    }

    #[test]
    fn publish_at_accepts_offsets_and_rejects_dates() {
        let (post, _) = load("+++\npublish_at = 2026-12-01T10:00:00+01:00\nchannels = []\n+++\n");
        assert_eq!(post.unwrap().spec.when.to_string(), "2026-12-01T10:00:00+01:00");
        let (post, findings) = load("+++\npublish_at = 2026-12-01\nchannels = []\n+++\n");
        assert!(post.is_none());
        assert!(
            findings[0].message.contains("needs both a date and a time"),
            "{}",
            findings[0].message
        );
        assert_eq!((findings[0].line, findings[0].column), (2, 14));
    }

    #[test]
    fn toml_string_text_maps_into_the_file() {
        let file = "text = \"Hello there\"\n";
        let map = TextMap::toml_string(file, 7..20, "Hello there");
        assert_eq!(map.span(6..11), 14..19);
        let escaped = "text = \"Hi\\nthere\"\n";
        let map = TextMap::toml_string(escaped, 7..18, "Hi\nthere");
        assert_eq!(map.span(3..8), 7..18);
    }
}
