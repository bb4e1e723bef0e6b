//! Plain, readable text: `fancy-text`, `emoji-overuse`, `ampersand`, `long-sentence` and
//! `reading-age`. Screen readers garble "fancy" Unicode letters, read every emoji's name aloud
//! and often skip "&"; long sentences and long words lose readers (NHS content aims for a
//! reading age of 9 to 11).

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

use super::Context;
use super::scan::{Markup, Word, inside, sentences, words};
use super::settings::settings;
use crate::content::Post;
use crate::diag::{Code, Finding};

/// The most words a sentence may have.
pub const MAX_SENTENCE_WORDS: usize = 25;
/// The most emoji a post may have.
pub const MAX_EMOJI: usize = 2;
/// Below this many words the Flesch–Kincaid formula says little, so reading age isn't judged.
pub const MIN_WORDS_FOR_READING_AGE: usize = 20;

/// Runs the text checks on the post's own text.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    problems(&post.spec.text, settings(ctx).reading_age(), "post")
        .into_iter()
        .map(|p| Finding::at(&post.source, post.text_span(p.range), p.code, p.message).help(p.help))
        .collect()
}

/// A text rule's finding about part of a text (a post's, or a reply template's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where, in the text.
    pub range: Range<usize>,
    /// Which rule.
    pub code: Code,
    /// What is wrong.
    pub message: String,
    /// What to do.
    pub help: String,
}

/// The text rules on any text, with `reading_age` as the target; `noun` says what the text is
/// ("post", "reply").
pub fn problems(text: &str, reading_age: f64, noun: &str) -> Vec<Problem> {
    let markup = Markup::of(text);
    let mut findings = Vec::new();
    let mut at = |range: Range<usize>, code: Code, message: String, help: String| {
        findings.push(Problem {
            range,
            code,
            message,
            help,
        });
    };

    for run in fancy_runs(text) {
        let plain = plain_text(&text[run.clone()]);
        at(
            run,
            Code::FancyText,
            "\"fancy\" letters: screen readers read them as symbols, or not at all".to_owned(),
            format!("write it as plain text: \"{plain}\" (use emphasis sparingly, in words)"),
        );
    }

    if let Some((range, message)) = emoji_problem(text) {
        at(
            range,
            Code::EmojiOveruse,
            message,
            "screen readers read out each emoji's name: keep to one or two, at the end of a sentence"
                .to_owned(),
        );
    }

    for range in ampersands(text, &markup) {
        at(
            range,
            Code::Ampersand,
            "\"&\" in a sentence: screen readers often skip it".to_owned(),
            "write \"and\"".to_owned(),
        );
    }

    let all_words = words(text, &markup);
    let sentence_ranges: Vec<Range<usize>> = sentences(text)
        .into_iter()
        .filter(|s| all_words.iter().any(|w| s.contains(&w.range.start)))
        .collect();
    for sentence in &sentence_ranges {
        let count = all_words
            .iter()
            .filter(|w| sentence.contains(&w.range.start))
            .count();
        if count > MAX_SENTENCE_WORDS {
            at(
                sentence.clone(),
                Code::LongSentence,
                format!("this sentence has {count} words"),
                format!(
                    "split it in two: sentences of 15 to 20 words are easiest to read ({MAX_SENTENCE_WORDS} at most)"
                ),
            );
        }
    }

    let target = reading_age;
    if let Some(grade) = flesch_kincaid_grade(&all_words, sentence_ranges.len())
        && all_words.len() >= MIN_WORDS_FOR_READING_AGE
    {
        let age = grade + 5.0;
        if age > target + 0.5 {
            let first = all_words.first().map_or(0..0, |w| w.range.clone());
            at(
                first,
                Code::ReadingAge,
                format!("this {noun} needs a reading age of about {age:.0}; the target is {target:.0}"),
                "use shorter sentences and everyday words (the Flesch–Kincaid grade is the reading age minus 5)"
                    .to_owned(),
            );
        }
    }
    findings
}

// ---- fancy text ----

/// Small capital letters (which have no compatibility decomposition) and their plain forms.
const SMALL_CAPS: &[(char, char)] = &[
    ('ᴀ', 'A'),
    ('ʙ', 'B'),
    ('ᴄ', 'C'),
    ('ᴅ', 'D'),
    ('ᴇ', 'E'),
    ('ꜰ', 'F'),
    ('ɢ', 'G'),
    ('ʜ', 'H'),
    ('ɪ', 'I'),
    ('ᴊ', 'J'),
    ('ᴋ', 'K'),
    ('ʟ', 'L'),
    ('ᴍ', 'M'),
    ('ɴ', 'N'),
    ('ᴏ', 'O'),
    ('ᴘ', 'P'),
    ('ꞯ', 'Q'),
    ('ʀ', 'R'),
    ('ꜱ', 'S'),
    ('ᴛ', 'T'),
    ('ᴜ', 'U'),
    ('ᴠ', 'V'),
    ('ᴡ', 'W'),
    ('ʏ', 'Y'),
    ('ᴢ', 'Z'),
];

/// Whether a character is a "fancy" letter or digit, and (unless it is followed by an emoji
/// variation selector, as in 🅿️) not meant as an emoji.
fn is_fancy(c: char) -> bool {
    if c.is_ascii() {
        return false;
    }
    let u = u32::from(c);
    matches!(u,
        0x1D400..=0x1D7FF          // mathematical alphanumerics: bold, italic, script, double-struck…
        | 0x249C..=0x24E9          // parenthesised and circled Latin letters
        | 0x1F130..=0x1F189        // squared, negative circled and negative squared Latin letters
        | 0xFF21..=0xFF3A | 0xFF41..=0xFF5A // fullwidth Latin letters
    ) || SMALL_CAPS.iter().any(|(s, _)| *s == c)
}

/// Runs of fancy letters, joined across the spaces and punctuation between them.
fn fancy_runs(text: &str) -> Vec<Range<usize>> {
    let mut runs: Vec<Range<usize>> = Vec::new();
    if text.is_ascii() {
        return runs;
    }
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let emoji = chars.peek().is_some_and(|&(_, n)| n == '\u{FE0F}');
        if !is_fancy(c) || emoji {
            continue;
        }
        let end = i + c.len_utf8();
        match runs.last_mut() {
            Some(run)
                if text[run.end..i]
                    .chars()
                    .all(|g| !g.is_alphanumeric() && g != '\n') =>
            {
                run.end = end
            }
            _ => runs.push(i..end),
        }
    }
    runs
}

/// The plain-text form of fancy letters: NFKC, plus small capitals and the negative letters
/// that NFKC leaves alone.
pub fn plain_text(text: &str) -> String {
    text.chars()
        .map(|c| {
            let u = u32::from(c);
            if let Some((_, plain)) = SMALL_CAPS.iter().find(|(s, _)| *s == c) {
                return plain.to_string();
            }
            for base in [0x1F150, 0x1F170] {
                if (base..base + 26).contains(&u) {
                    return char::from_u32(u32::from('A') + u - base).unwrap_or(c).to_string();
                }
            }
            if is_fancy(c) {
                c.nfkc().collect()
            } else {
                c.to_string()
            }
        })
        .collect()
}

// ---- emoji ----

/// Whether a grapheme cluster is shown as an emoji: a known emoji sequence that is either
/// written with its emoji presentation (U+FE0F, a ZWJ sequence, a flag, a keycap, a skin tone) or
/// is an emoji by default (🎉, ☕). Text-style symbols such as © or ™ are not counted.
pub fn is_emoji(grapheme: &str) -> bool {
    // A lone ASCII character is never shown as an emoji (a keycap needs U+20E3 after it).
    if grapheme.len() == 1 {
        return false;
    }
    let Some(emoji) = emojis::get(grapheme) else {
        return false;
    };
    let mut chars = grapheme.chars();
    let single = chars.next().is_some() && chars.next().is_none();
    !single || emoji.as_str() == grapheme
}

/// The emoji in text, one per grapheme cluster (a flag or a family is one).
pub fn emoji_spans(text: &str) -> Vec<(Range<usize>, &str)> {
    text.grapheme_indices(true)
        .filter(|(_, g)| is_emoji(g))
        .map(|(i, g)| (i..i + g.len(), g))
        .collect()
}

/// The worst emoji problem in the text, if any: emoji as bullets, then a repeated run, then too
/// many.
fn emoji_problem(text: &str) -> Option<(Range<usize>, String)> {
    if text.is_ascii() {
        return None;
    }
    let emoji = emoji_spans(text);
    if emoji.is_empty() {
        return None;
    }
    let bullets: Vec<Range<usize>> = text
        .split_inclusive('\n')
        .scan(0, |offset, line| {
            let start = *offset;
            *offset += line.len();
            Some((start, line))
        })
        .filter_map(|(start, line)| {
            let indent = line.len() - line.trim_start().len();
            let first = line.trim_start().graphemes(true).next()?;
            is_emoji(first).then(|| start + indent..start + indent + first.len())
        })
        .collect();
    if bullets.len() >= 2 {
        return Some((
            bullets[0].clone(),
            format!("{} lines start with an emoji, used as bullets", bullets.len()),
        ));
    }
    for pair in emoji.windows(2) {
        let ((a, ga), (b, gb)) = (&pair[0], &pair[1]);
        if a.end == b.start && ga == gb {
            let mut run = a.start..b.end;
            while let Some((next, g)) = emoji.iter().find(|(r, _)| r.start == run.end)
                && g == ga
            {
                run.end = next.end;
            }
            return Some((run, format!("a run of the same emoji ({ga})")));
        }
    }
    if emoji.len() > MAX_EMOJI {
        return Some((
            emoji[MAX_EMOJI].0.clone(),
            format!("this post has {} emoji", emoji.len()),
        ));
    }
    None
}

// ---- ampersands ----

/// "&" used as a word: not in links, not inside a name such as A&E or M&S, not in an HTML entity.
fn ampersands(text: &str, markup: &Markup) -> Vec<Range<usize>> {
    text.match_indices('&')
        .filter(|(i, _)| !inside(&markup.urls, *i))
        .filter(|(i, _)| {
            let before = text[..*i].chars().next_back();
            let after = text[i + 1..].chars().next();
            let joined =
                before.is_some_and(char::is_alphanumeric) && after.is_some_and(char::is_alphanumeric);
            let entity = text[i + 1..].split_once(';').is_some_and(|(name, _)| {
                !name.is_empty()
                    && name.len() <= 8
                    && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '#')
            });
            !joined && !entity
        })
        .map(|(i, _)| i..i + 1)
        .collect()
}

// ---- reading age ----

/// The Flesch–Kincaid grade level of the words, or `None` without words or sentences.
pub fn flesch_kincaid_grade(words: &[Word<'_>], sentences: usize) -> Option<f64> {
    if words.is_empty() || sentences == 0 {
        return None;
    }
    let syllables: usize = words.iter().map(|w| syllables(w.text)).sum();
    let words_n = words.len() as f64;
    Some(0.39 * (words_n / sentences as f64) + 11.8 * (syllables as f64 / words_n) - 15.59)
}

/// An estimate of a word's syllables: groups of vowels, less a silent final "e"; numbers and
/// acronyms count one per digit group or letter as they are read ("NHS": en-aitch-ess).
pub fn syllables(word: &str) -> usize {
    if word.chars().any(|c| c.is_ascii_digit()) {
        return 1;
    }
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() >= 2 && letters.len() <= 5 && letters.iter().all(|c| c.is_uppercase()) {
        return letters.len();
    }
    let lower: Vec<char> = letters.iter().flat_map(|c| c.to_lowercase()).collect();
    let lower_text: String = lower.iter().collect();
    let vowel = |c: char| "aeiouy".contains(c);
    let mut count = 0;
    let mut prev_vowel = false;
    for (i, &c) in lower.iter().enumerate() {
        let v = vowel(c);
        if v && !prev_vowel {
            count += 1;
        }
        // "io", "ia", "eo", "ua", "uo" are usually two syllables (se-ri-ous, ra-di-o), except
        // after c, g, s or t ("-tion", "-cial", "-gious").
        if i > 0 && v && prev_vowel {
            let pair = (lower[i - 1], c);
            let split_pair = matches!(pair, ('i', 'o' | 'a') | ('e', 'o') | ('u', 'a' | 'o'));
            let soft = i >= 2 && "cgst".contains(lower[i - 2]);
            if split_pair && !soft {
                count += 1;
            }
        }
        prev_vowel = v;
    }
    let n = lower.len();
    let ends = |s: &str| lower_text.ends_with(s);
    let silent_e = n > 2 && ends("e") && !ends("le") && !ends("ee");
    let silent_es_ed =
        n > 3 && (ends("es") || ends("ed")) && !["ted", "ded", "ses", "ces"].iter().any(|s| ends(s));
    if (silent_e || silent_es_ed) && count > 1 {
        count -= 1;
    }
    count.max(1)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn codes(text: &str) -> Vec<(Code, String)> {
        codes_with("", text)
    }

    fn codes_with(config_text: &str, text: &str) -> Vec<(Code, String)> {
        let p = post("publish_at = 2026-12-01T10:00:00\nchannels = []", text);
        run_rule(check, &config(config_text), std::path::Path::new("content"), &p)
            .into_iter()
            .map(|f| {
                let span = f.span.clone().unwrap_or(0..0);
                (f.code, p.source.text[span].to_owned())
            })
            .collect()
    }

    #[test]
    fn fancy_letters_are_found_with_their_plain_form() {
        assert_eq!(
            codes("𝗕𝗼𝗼𝗸 𝗻𝗼𝘄 for your jab"),
            [(Code::FancyText, "𝗕𝗼𝗼𝗸 𝗻𝗼𝘄".to_owned())]
        );
        assert_eq!(plain_text("𝗕𝗼𝗼𝗸 𝗻𝗼𝘄"), "Book now");
        assert_eq!(plain_text("ꜰʀᴇᴇ"), "FREE");
        assert_eq!(plain_text("Ⓕⓛⓤ"), "Flu");
        assert_eq!(plain_text("🅵🅻🆄"), "FLU");
        assert_eq!(plain_text("ＮＨＳ"), "NHS");
        assert_eq!(codes("ꜰʀᴇᴇ flu jabs and 𝘧𝘳𝘦𝘦 parking").len(), 2);
    }

    #[test]
    fn ordinary_text_is_not_fancy() {
        assert!(codes("Café, naïve, Zoë, ½ price, 10°C, ① first. 🅿️ parking").is_empty());
        assert!(codes("Diolch! Dysgwch fwy. Ελληνικά, 日本語").is_empty());
    }

    #[test]
    fn emoji_count_once_per_sequence() {
        let spans = emoji_spans("👨‍👩‍👧‍👦 🇬🇧 👍🏽 1️⃣ © ™ 🎉");
        let found: Vec<&str> = spans.iter().map(|(_, g)| *g).collect();
        assert_eq!(found, ["👨‍👩‍👧‍👦", "🇬🇧", "👍🏽", "1️⃣", "🎉"]);
    }

    #[test]
    fn emoji_overuse_runs_and_bullets() {
        assert!(codes("Book now 💉 stay well ☕").is_empty());
        assert!(
            codes("Our team 👨‍👩‍👧‍👦 in the 🇬🇧").is_empty(),
            "a family and a flag are one emoji each"
        );
        assert_eq!(
            codes("Fun 🎉 times 🎈 ahead 🎁"),
            [(Code::EmojiOveruse, "🎁".to_owned())]
        );
        assert_eq!(
            codes("Hooray 🎉🎉🎉"),
            [(Code::EmojiOveruse, "🎉🎉🎉".to_owned())]
        );
        assert_eq!(
            codes("Bring:\n✅ ID\n✅ letter"),
            [(Code::EmojiOveruse, "✅".to_owned())]
        );
        assert!(codes("© NHS England ™").is_empty());
    }

    #[test]
    fn ampersands_in_prose_only() {
        assert_eq!(codes("Flu & COVID jabs"), [(Code::Ampersand, "&".to_owned())]);
        assert_eq!(codes("Flu &COVID"), [(Code::Ampersand, "&".to_owned())]);
        assert!(codes("Go to A&E or M&S. See https://example.org/?a=1&b=2 &amp; more").is_empty());
    }

    #[test]
    fn long_sentences() {
        let long = "We are asking everyone who is eligible for a flu vaccine this winter to book an appointment at their GP practice or local pharmacy as soon as they can please.";
        assert_eq!(
            codes(long)
                .iter()
                .filter(|(c, _)| *c == Code::LongSentence)
                .count(),
            1
        );
        let fine =
            "Flu can be serious. If you're 65 or over, you can get a free flu vaccine. Book yours today.";
        assert!(codes(fine).is_empty());
        // Links and hashtags are not words of the sentence.
        let with_link = format!(
            "Book your jab now {} #WinterVaccines #NHS #FluJab",
            "https://www.nhs.uk/a ".repeat(30)
        );
        assert!(codes(&with_link).is_empty());
    }

    #[test]
    fn reading_age_against_the_target() {
        let age = |config_text: &str, text: &str| {
            let p = post("publish_at = 2026-12-01T10:00:00\nchannels = []", text);
            run_rule(check, &config(config_text), std::path::Path::new("content"), &p)
                .into_iter()
                .filter(|f| f.code == Code::ReadingAge)
                .map(|f| f.message)
                .collect::<Vec<_>>()
        };
        let medium = "Seasonal influenza can cause serious complications for older people. Everyone aged sixty-five or over is eligible for a free vaccination at their local community pharmacy this winter.";
        assert_eq!(
            age("", medium),
            ["this post needs a reading age of about 20; the target is 11"]
        );
        assert!(age("[checks]\nreading_age = 20\n", medium).is_empty());
        let easy = "Flu can be serious. If you are 65 or over, you can get a free flu jab. Book yours today. It only takes a few minutes and it helps you stay well.";
        assert!(age("", easy).is_empty());
        // Too short to judge.
        assert!(age("", "Immunisation substantially reduces hospitalisation.").is_empty());
    }

    #[test]
    fn counts_syllables_roughly_as_people_do() {
        for (word, n) in [
            ("flu", 1),
            ("vaccine", 2),
            ("serious", 3),
            ("pharmacy", 3),
            ("NHS", 3),
            ("table", 2),
            ("booked", 1),
            ("minutes", 2),
            ("the", 1),
            ("2026", 1),
        ] {
            assert_eq!(syllables(word), n, "{word}");
        }
    }
}
