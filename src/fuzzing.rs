//! The properties herald's parsers keep whatever they are given, as functions the fuzz targets
//! (`fuzz/`) and the property tests (`tests/properties/`) share.
//!
//! Each function takes arbitrary bytes, runs one parser the way herald runs it, and panics if a
//! property fails. The properties: nothing panics or hangs; every finding points at a real
//! position in the file it names; and an automatic reply is built only from the team's texts,
//! never from the message it answers.

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::channels::{Author, InboundMessage, MessageKind};
use crate::checks::captions::{self, Format};
use crate::config::{LoadedConfig, Platform};
use crate::content::{Post, Replies};
use crate::diag::{Finding, SourceFile};
use crate::hours::{OfficeHours, Weekly};
use crate::inbox::classify::classify;
use crate::inbox::compose::{self, AUTOMATIC_NOTE, Request, Target};
use crate::inbox::decide::{self, Action, Facts, Policy, Team};
use crate::store::SenderHistory;

/// Bytes as herald would see them: the text of a file that passed `read_text` (UTF-8), or
/// `None` (a file that isn't UTF-8 is refused before any parser sees it).
fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Panics unless every finding about `source` points at a line and column inside it.
fn assert_positions(source: &SourceFile, findings: &[Finding]) {
    let lines = source.text.split('\n').count();
    for f in findings {
        if f.file != source.display_path() {
            continue;
        }
        assert!(
            f.line >= 1 && f.line <= lines,
            "finding at line {} of a {lines}-line file: {f:?}",
            f.line
        );
        let line_text = source.text.split('\n').nth(f.line - 1).unwrap_or("");
        assert!(
            f.column >= 1 && f.column <= line_text.chars().count() + 1,
            "finding at column {} of a line of {} characters: {f:?}",
            f.column,
            line_text.chars().count()
        );
        if let Some(span) = &f.span {
            assert!(
                span.start <= span.end && span.end <= source.text.len(),
                "finding span {span:?} outside a file of {} bytes: {f:?}",
                source.text.len()
            );
        }
        assert!(!f.message.is_empty(), "a finding without a message: {f:?}");
    }
}

/// A post file: front matter split and TOML loading.
pub fn front_matter(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let source = SourceFile::new("content/posts/fuzz.md", text);
    match crate::content::split_front_matter(&source) {
        Ok(parts) => {
            for range in [&parts.front, &parts.body] {
                assert!(range.start <= range.end && range.end <= text.len(), "{parts:?}");
                assert!(
                    text.is_char_boundary(range.start) && text.is_char_boundary(range.end),
                    "{parts:?}"
                );
            }
            assert!(parts.front.end <= parts.body.start, "{parts:?}");
        }
        Err(finding) => assert_positions(&source, &[finding]),
    }
    let (post, findings) = Post::load_file("fuzz".to_owned(), source.clone());
    assert_positions(&source, &findings);
    if let Some(post) = post {
        let body = &post.spec.text;
        assert!(text.contains(body.as_str()), "the text isn't the file's");
        for key in post.spans.paths() {
            let span = post.value_span(key);
            assert!(span.end <= text.len(), "{key} at {span:?}");
        }
    }
}

/// A caption file, as both SubRip and WebVTT.
pub fn captions(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let lines = text.lines().count().max(1);
    for format in [Format::Srt, Format::Vtt] {
        match captions::parse(text, format) {
            Ok(cues) => {
                assert!(!cues.is_empty());
                for pair in cues.windows(2) {
                    assert!(pair[0].start <= pair[1].start, "{cues:?}");
                }
                for cue in &cues {
                    assert!(cue.start < cue.end, "{cue:?}");
                    assert!(cue.line >= 1 && cue.line <= lines, "{cue:?}");
                    assert!(!cue.text.trim().is_empty(), "{cue:?}");
                }
            }
            Err(e) => {
                assert!(
                    e.line >= 1 && e.line <= lines,
                    "error at line {} of {lines}: {e}",
                    e.line
                );
                assert!(!e.message.is_empty());
            }
        }
    }
}

/// herald.toml.
pub fn config(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (loaded, findings) = LoadedConfig::from_text(Path::new("herald.toml"), text.to_owned());
    assert_positions(&loaded.source, &findings);
}

/// Pieces of a message an automatic reply must never repeat: links, mentions, `{…}`
/// placeholders, hashtags, and the message itself.
pub fn untrusted_pieces(message: &str) -> Vec<String> {
    let mut pieces = Vec::new();
    for word in message.split(|c: char| c.is_whitespace()) {
        let word =
            word.trim_matches(|c: char| matches!(c, '.' | ',' | ';' | '!' | '?' | ')' | '(' | '"' | '\''));
        let lower = word.to_lowercase();
        let looks_like_link = lower.contains("://") || lower.starts_with("www.");
        let mention = word.len() > 1 && (word.starts_with('@') || word.starts_with('#'));
        if looks_like_link || mention {
            pieces.push(word.to_owned());
        }
    }
    let mut rest = message;
    while let Some(open) = rest.find('{') {
        let after = &rest[open..];
        match after.find('}') {
            Some(close) => {
                pieces.push(after[..=close].to_owned());
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    let trimmed = message.trim();
    if trimmed.chars().count() >= 12 {
        pieces.push(trimmed.to_owned());
    }
    pieces
}

/// Everything a reply may be built from: the team's texts with their `{next_open}` filled in.
fn team_texts(replies: &Replies, reopening: &str) -> String {
    let r = &replies.reply;
    let mut texts = vec![
        r.closed.clone(),
        r.open_text().to_owned(),
        r.personal_text().to_owned(),
        r.signature.clone().unwrap_or_default(),
        r.contact_page.clone().unwrap_or_default(),
        AUTOMATIC_NOTE.to_owned(),
        compose::NO_REOPENING.to_owned(),
        "To contact us, see For other ways to contact us, see".to_owned(),
    ];
    texts.extend(replies.routes.iter().map(|route| route.text.clone()));
    texts.extend(replies.crisis.iter().map(|c| c.text.clone()));
    texts.join("\n\n").replace("{next_open}", reopening)
}

/// The inbox: a message classified, decided on and answered, as the daemon does, on every
/// platform, in and out of office hours, with herald's default replies.
pub fn inbox(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let replies = Replies::defaults();
    let class = classify(text, &replies);
    let hours = OfficeHours::new(chrono_tz::Europe::London, Weekly::nine_to_five());
    let history = SenderHistory::default();
    let team = Team::default();
    let policy = Policy {
        acknowledge_when_open: true,
        ..Policy::default()
    };
    // A Wednesday in December: 22:00 (closed) and 11:00 (open), London time.
    let instants: [DateTime<Utc>; 2] = [
        DateTime::from_timestamp(1_796_248_800, 0).unwrap_or_default(),
        DateTime::from_timestamp(1_796_209_200, 0).unwrap_or_default(),
    ];
    for (n, now) in instants.into_iter().enumerate() {
        for (platform, kind) in [
            (Platform::Mastodon, MessageKind::Mention),
            (Platform::X, MessageKind::Direct),
            (Platform::Facebook, MessageKind::Comment),
        ] {
            let message = InboundMessage {
                id: format!("m{n}"),
                kind,
                author: Author {
                    id: "1".to_owned(),
                    handle: "@someone".to_owned(),
                    is_bot: false,
                },
                text: text.to_owned(),
                sent_at: now,
                conversation: None,
                visibility: None,
                mentioned: Vec::new(),
            };
            let decision = decide::decide(&Facts {
                message: &message,
                class: &class,
                platform,
                now,
                hours: &hours,
                first_read_at: now - chrono::Duration::days(1),
                history: &history,
                team: &team,
                policy: &policy,
            });
            let Action::Reply { purpose } = decision.action else {
                continue;
            };
            let reopening = hours.reopening_in_words(now);
            let routes = class.route_ids();
            let composed = compose::compose(
                &replies,
                &Request {
                    purpose,
                    routes: &routes,
                    personal: decision.personal_advice,
                    reopening: reopening.as_deref(),
                },
                &Target::for_message(platform, &message),
            );
            assert_reply_is_the_teams(text, &composed.text, &replies, reopening.as_deref());
        }
    }
}

/// Panics if a reply repeats anything from the message that isn't already in the team's texts.
pub fn assert_reply_is_the_teams(message: &str, reply: &str, replies: &Replies, reopening: Option<&str>) {
    let allowed = team_texts(replies, reopening.unwrap_or(compose::NO_REOPENING));
    for piece in untrusted_pieces(message) {
        if !allowed.contains(&piece) {
            assert!(
                !reply.contains(&piece),
                "the reply repeats `{piece}` from the message:\n{reply}"
            );
        }
    }
}
