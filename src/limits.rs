//! What each platform takes, and how it counts a post's length: the one table that `herald
//! preview`, the checks and the channel adapters share, so that what is checked is what is sent.
//!
//! | platform  | text                                   | alt text | images | other                  |
//! |-----------|----------------------------------------|----------|--------|------------------------|
//! | x         | 280, twitter-text weighted (v3)        | 1000     | 4      |                        |
//! | mastodon  | 500 graphemes, URLs 23, `@u@d` as `@u` | 1500     | 4      |                        |
//! | bluesky   | 300 graphemes and 3000 bytes           | 2000     | 4      | images ≤ 2,000,000 B   |
//! | linkedin  | 3000 characters                        | 4086     | 20     |                        |
//! | facebook  | 63,206 characters                      | –        | –      |                        |
//! | instagram | 2,200 characters                       | –        | 10     | needs an image or video|
//!
//! "Characters" are Unicode scalar values; "graphemes" are extended grapheme clusters (what a
//! reader sees as one character: a flag or a family emoji is one).

use std::fmt;

use unicode_segmentation::UnicodeSegmentation;

use crate::config::Platform;

/// How a platform measures text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// X's weighted count (twitter-text v3): most Latin text 1, CJK and emoji 2, any URL 23,
    /// after NFC normalisation.
    Weighted,
    /// Extended grapheme clusters.
    Graphemes,
    /// Mastodon's count: graphemes, with each URL counted as 23 and `@user@domain` as `@user`.
    MastodonGraphemes,
    /// UTF-8 bytes.
    Bytes,
    /// Unicode scalar values.
    Characters,
}

impl Unit {
    /// The word for the unit in messages.
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Weighted | Unit::Characters | Unit::MastodonGraphemes => "characters",
            Unit::Graphemes => "graphemes",
            Unit::Bytes => "bytes",
        }
    }

    /// Counts `text` in this unit.
    pub fn count(self, text: &str) -> usize {
        match self {
            Unit::Weighted => x_weighted_length(text),
            Unit::Graphemes => text.graphemes(true).count(),
            Unit::MastodonGraphemes => mastodon_length(text),
            Unit::Bytes => text.len(),
            Unit::Characters => text.chars().count(),
        }
    }

    /// How the platform counts, for a help line.
    pub fn explain(self) -> &'static str {
        match self {
            Unit::Weighted => "X counts every link as 23, and emoji and CJK characters as 2",
            Unit::MastodonGraphemes => "Mastodon counts every link as 23 and @user@server as @user",
            Unit::Graphemes => "an emoji or a flag counts as one",
            Unit::Bytes => "accented letters and emoji take 2 to 4 bytes each",
            Unit::Characters => "every letter, space and emoji counts",
        }
    }
}

/// One limit on a post's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextLimit {
    /// The most the platform takes.
    pub max: usize,
    /// How it counts.
    pub unit: Unit,
}

/// What a platform takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Limits on the text (Bluesky has two); empty when the platform has none.
    pub text: &'static [TextLimit],
    /// Longest alt text, in characters.
    pub alt_text: Option<usize>,
    /// Most images in one post.
    pub images: Option<usize>,
    /// Largest image file, in bytes.
    pub image_bytes: Option<u64>,
    /// Whether a post must have an image or a video.
    pub needs_media: bool,
}

const NONE: Limits = Limits {
    text: &[],
    alt_text: None,
    images: None,
    image_bytes: None,
    needs_media: false,
};

/// What a platform takes.
pub fn limits(platform: Platform) -> &'static Limits {
    const X: Limits = Limits {
        text: &[TextLimit {
            max: 280,
            unit: Unit::Weighted,
        }],
        alt_text: Some(1000),
        images: Some(4),
        ..NONE
    };
    const MASTODON: Limits = Limits {
        text: &[TextLimit {
            max: 500,
            unit: Unit::MastodonGraphemes,
        }],
        alt_text: Some(1500),
        images: Some(4),
        ..NONE
    };
    const BLUESKY: Limits = Limits {
        text: &[
            TextLimit {
                max: 300,
                unit: Unit::Graphemes,
            },
            TextLimit {
                max: 3000,
                unit: Unit::Bytes,
            },
        ],
        alt_text: Some(2000),
        images: Some(4),
        image_bytes: Some(2_000_000),
        needs_media: false,
    };
    const LINKEDIN: Limits = Limits {
        text: &[TextLimit {
            max: 3000,
            unit: Unit::Characters,
        }],
        alt_text: Some(4086),
        images: Some(20),
        ..NONE
    };
    const FACEBOOK: Limits = Limits {
        text: &[TextLimit {
            max: 63_206,
            unit: Unit::Characters,
        }],
        ..NONE
    };
    const INSTAGRAM: Limits = Limits {
        text: &[TextLimit {
            max: 2200,
            unit: Unit::Characters,
        }],
        images: Some(10),
        needs_media: true,
        ..NONE
    };
    match platform {
        Platform::X => &X,
        Platform::Mastodon => &MASTODON,
        Platform::Bluesky => &BLUESKY,
        Platform::Linkedin => &LINKEDIN,
        Platform::Facebook => &FACEBOOK,
        Platform::Instagram => &INSTAGRAM,
        Platform::Webhook | Platform::Outbox => &NONE,
    }
}

/// A text's length against one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Measure {
    /// The length, counted as the platform counts.
    pub count: usize,
    /// The most the platform takes.
    pub limit: usize,
    /// The unit's name (`characters`, `graphemes`, `bytes`).
    pub unit: &'static str,
    /// How the count was made.
    #[serde(skip)]
    pub how: Unit,
}

impl Measure {
    /// Whether the text is over the limit.
    pub fn over(&self) -> bool {
        self.count > self.limit
    }
}

impl fmt::Display for Measure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.count, self.limit)?;
        if self.how == Unit::Bytes || self.how == Unit::Graphemes {
            write!(f, " {}", self.unit)?;
        }
        Ok(())
    }
}

/// The text's length against each of the platform's limits (none for outbox and webhook).
pub fn measure(platform: Platform, text: &str) -> Vec<Measure> {
    limits(platform)
        .text
        .iter()
        .map(|limit| Measure {
            count: limit.unit.count(text),
            limit: limit.max,
            unit: limit.unit.as_str(),
            how: limit.unit,
        })
        .collect()
}

/// The limits on a reply. A public reply is a post, with the platform's post limits; a direct
/// message has the platform's message limits: X 10,000 characters, a Bluesky chat message 1,000
/// graphemes (and 10,000 bytes), a Facebook Messenger message 2,000 characters. A Mastodon
/// direct message is a post.
pub fn reply_limits(platform: Platform, direct: bool) -> &'static [TextLimit] {
    const X_DM: &[TextLimit] = &[TextLimit {
        max: 10_000,
        unit: Unit::Characters,
    }];
    const BLUESKY_CHAT: &[TextLimit] = &[
        TextLimit {
            max: 1000,
            unit: Unit::Graphemes,
        },
        TextLimit {
            max: 10_000,
            unit: Unit::Bytes,
        },
    ];
    const MESSENGER: &[TextLimit] = &[TextLimit {
        max: 2000,
        unit: Unit::Characters,
    }];
    match (platform, direct) {
        (Platform::X, true) => X_DM,
        (Platform::Bluesky, true) => BLUESKY_CHAT,
        (Platform::Facebook, true) => MESSENGER,
        _ => limits(platform).text,
    }
}

/// A reply's length against each of its limits (see [`reply_limits`]).
pub fn measure_reply(platform: Platform, direct: bool, text: &str) -> Vec<Measure> {
    reply_limits(platform, direct)
        .iter()
        .map(|limit| Measure {
            count: limit.unit.count(text),
            limit: limit.max,
            unit: limit.unit.as_str(),
            how: limit.unit,
        })
        .collect()
}

/// X's weighted length, by twitter-text's v3 configuration (the one X uses), with URLs counted
/// as 23 whatever their length.
pub fn x_weighted_length(text: &str) -> usize {
    if text.is_empty() {
        return 0;
    }
    let parsed = twitter_text::parse(text, twitter_text_config::config_v3(), true);
    usize::try_from(parsed.weighted_length).unwrap_or(0)
}

/// What Mastodon counts every link as.
pub const MASTODON_URL_LENGTH: usize = 23;

/// Mastodon's length: grapheme clusters, every `http(s)://` link as 23, and a mention of a user
/// on another server (`@user@domain`) as `@user`.
pub fn mastodon_length(text: &str) -> usize {
    let mut total = 0;
    let mut rest = text;
    for url in url_spans(text).into_iter().rev() {
        // Count the tail after this URL, then the URL itself.
        total += mentions_as_local(&rest[url.end..]).graphemes(true).count() + MASTODON_URL_LENGTH;
        rest = &rest[..url.start];
    }
    total + mentions_as_local(rest).graphemes(true).count()
}

/// `@user@domain` → `@user`, as Mastodon counts mentions.
fn mentions_as_local(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices().peekable();
    let mut prev: Option<char> = None;
    while let Some((i, c)) = chars.next() {
        out.push(c);
        let starts_mention = c == '@' && !prev.is_some_and(|p| p.is_alphanumeric() || "_=/".contains(p));
        prev = Some(c);
        if !starts_mention {
            continue;
        }
        let user_end = text[i + 1..]
            .find(|ch: char| !(ch.is_alphanumeric() || ch == '_' || ch == '.' || ch == '-'))
            .map_or(text.len(), |n| i + 1 + n);
        let user = text[i + 1..user_end].trim_end_matches(['.', '-']);
        let user_end = i + 1 + user.len();
        if user.is_empty() || !text[user_end..].starts_with('@') {
            continue;
        }
        let domain_start = user_end + 1;
        let domain_end = text[domain_start..]
            .find(|ch: char| !(ch.is_alphanumeric() || ch == '.' || ch == '-' || ch == '_'))
            .map_or(text.len(), |n| domain_start + n);
        let domain = text[domain_start..domain_end].trim_end_matches(['.', '-']);
        if domain.is_empty() {
            continue;
        }
        out.push_str(user);
        let skip_to = domain_start + domain.len();
        while chars.peek().is_some_and(|(j, _)| *j < skip_to) {
            if let Some((_, ch)) = chars.next() {
                prev = Some(ch);
            }
        }
    }
    out
}

/// The byte ranges of `http://` and `https://` links in text, without trailing punctuation
/// (a full stop or a closing bracket after a link belongs to the sentence).
pub fn url_spans(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut spans = Vec::new();
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(found) = lower[from..].find("http") {
        let start = from + found;
        let rest = &lower[start..];
        let scheme = if rest.starts_with("https://") {
            8
        } else if rest.starts_with("http://") {
            7
        } else {
            from = start + 4;
            continue;
        };
        let preceded_by_word = text[..start]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric());
        let mut end = text[start..]
            .find(|c: char| c.is_whitespace() || "<>\"".contains(c))
            .map_or(text.len(), |n| start + n);
        // Trailing punctuation, and a closing bracket with no opening one in the link.
        while let Some(last) = text[start..end].chars().next_back() {
            let unbalanced =
                last == ')' && text[start..end].matches('(').count() < text[start..end].matches(')').count();
            if ".,;:!?'’".contains(last) || unbalanced {
                end -= last.len_utf8();
            } else {
                break;
            }
        }
        if !preceded_by_word && end > start + scheme {
            spans.push(start..end);
        }
        from = end.max(start + scheme);
    }
    spans
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x_counts_urls_as_23_emoji_and_cjk_as_2() {
        assert_eq!(x_weighted_length("Hello"), 5);
        assert_eq!(x_weighted_length(""), 0);
        let long_url = format!("See https://www.nhs.uk/{}", "a".repeat(100));
        assert_eq!(x_weighted_length(&long_url), 4 + 23);
        assert_eq!(x_weighted_length("🎉"), 2);
        // A family (ZWJ sequence) and a flag are one emoji each.
        assert_eq!(x_weighted_length("👨‍👩‍👧‍👦"), 2);
        assert_eq!(x_weighted_length("🇬🇧"), 2);
        assert_eq!(x_weighted_length("日本"), 4);
        // NFC: e + combining acute is one character.
        assert_eq!(x_weighted_length("e\u{301}"), 1);
        assert_eq!(x_weighted_length(&"a".repeat(281)), 281);
    }

    #[test]
    fn mastodon_counts_links_as_23_and_remote_mentions_as_local() {
        assert_eq!(mastodon_length("Hi"), 2);
        let text = format!("Read https://example.org/{} now", "x".repeat(200));
        assert_eq!(mastodon_length(&text), 5 + 23 + 4);
        assert_eq!(mastodon_length("@nhs@mastodon.social hi"), "@nhs hi".len());
        assert_eq!(
            mastodon_length("mail comms@example.org"),
            "mail comms@example.org".len()
        );
        assert_eq!(mastodon_length("👨‍👩‍👧‍👦🇬🇧"), 2);
        // A trailing full stop is not part of the link.
        assert_eq!(mastodon_length("See https://example.org/a."), 4 + 23 + 1);
    }

    #[test]
    fn bluesky_has_two_limits() {
        let m = measure(Platform::Bluesky, "héllo 👨‍👩‍👧‍👦");
        assert_eq!(m.len(), 2);
        assert_eq!((m[0].count, m[0].limit, m[0].unit), (7, 300, "graphemes"));
        assert_eq!((m[1].count, m[1].limit, m[1].unit), (32, 3000, "bytes"));
        assert_eq!(m[0].to_string(), "7/300 graphemes");
        assert!(measure(Platform::Outbox, "anything").is_empty());
        assert_eq!(measure(Platform::X, "abc")[0].to_string(), "3/280");
    }

    #[test]
    fn finds_links_without_their_trailing_punctuation() {
        let text = "Go to https://nhs.uk/flu. Or (https://example.org/a_(b)) or http://x.org,";
        let found: Vec<&str> = url_spans(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(
            found,
            ["https://nhs.uk/flu", "https://example.org/a_(b)", "http://x.org"]
        );
        assert!(url_spans("xhttps://a.org and https:// alone").is_empty());
    }
}
