//! Reading a post's text the way the text rules need it: links, hashtags, mentions, words and
//! sentences, each with its byte range in the text so findings can point at it.

use std::ops::Range;

use crate::limits::url_spans;

/// The parts of a post's text that are not prose.
#[derive(Debug, Clone, Default)]
pub struct Markup {
    /// `http(s)://` links.
    pub urls: Vec<Range<usize>>,
    /// Hashtags, `#` included.
    pub hashtags: Vec<Range<usize>>,
    /// Mentions, `@` included (`@user` or `@user@server`).
    pub mentions: Vec<Range<usize>>,
}

impl Markup {
    /// Finds links, hashtags and mentions.
    pub fn of(text: &str) -> Markup {
        let urls = url_spans(text);
        let mut hashtags = Vec::new();
        let mut mentions = Vec::new();
        let mut prev: Option<char> = None;
        for (i, c) in text.char_indices() {
            let after_word = prev.is_some_and(|p| p.is_alphanumeric() || p == '_' || p == '&' || p == '@');
            prev = Some(c);
            if after_word || inside(&urls, i) {
                continue;
            }
            if c == '#' || c == '＃' {
                let end = tag_end(text, i + c.len_utf8(), false);
                let tag = &text[i + c.len_utf8()..end];
                if tag.chars().any(char::is_alphabetic) {
                    hashtags.push(i..end);
                }
            } else if c == '@' {
                let mut end = tag_end(text, i + 1, true);
                if text[end..].starts_with('@') {
                    end = tag_end(text, end + 1, true);
                }
                let end = i + text[i..end].trim_end_matches(['.', '-']).len();
                if end > i + 1 {
                    mentions.push(i..end);
                }
            }
        }
        Markup {
            urls,
            hashtags,
            mentions,
        }
    }

    /// Whether a byte offset is inside a link, hashtag or mention.
    pub fn covers(&self, offset: usize) -> bool {
        inside(&self.urls, offset) || inside(&self.hashtags, offset) || inside(&self.mentions, offset)
    }
}

fn tag_end(text: &str, from: usize, dots: bool) -> usize {
    text[from..]
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || (dots && (c == '.' || c == '-'))))
        .map_or(text.len(), |n| from + n)
}

/// Whether `offset` falls in one of the ranges.
pub fn inside(ranges: &[Range<usize>], offset: usize) -> bool {
    ranges.iter().any(|r| r.contains(&offset))
}

/// A word of prose: letters, digits, apostrophes and inner hyphens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word<'a> {
    /// Where it is in the text.
    pub range: Range<usize>,
    /// The word.
    pub text: &'a str,
}

/// The words of the prose (links, hashtags and mentions left out).
pub fn words<'a>(text: &'a str, markup: &Markup) -> Vec<Word<'a>> {
    let mut words = Vec::new();
    let mut start: Option<usize> = None;
    let is_word_char = |c: char| c.is_alphanumeric() || c == '\'' || c == '’' || c == '-';
    for (i, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        let word_char = is_word_char(c) && !markup.covers(i);
        match (start, word_char) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let word = text[s..i].trim_matches(|c: char| !c.is_alphanumeric());
                if !word.is_empty() {
                    let offset = s + text[s..i].find(word).unwrap_or(0);
                    words.push(Word {
                        range: offset..offset + word.len(),
                        text: word,
                    });
                }
                start = None;
            }
            _ => {}
        }
    }
    words
}

/// The sentences of the text: ended by `.`, `!` or `?` before a space or the end, or by a line
/// break. Each is the range from its first to its last character.
pub fn sentences(text: &str) -> Vec<Range<usize>> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let next = chars.peek().map(|&(_, n)| n);
        let ends = c == '\n'
            || (".!?".contains(c)
                && next.is_none_or(|n| n.is_whitespace() || n == '"' || n == '”' || n == ')'));
        if ends {
            let end = if c == '\n' { i } else { i + c.len_utf8() };
            push_trimmed(text, start..end, &mut sentences);
            start = end;
        }
    }
    push_trimmed(text, start..text.len(), &mut sentences);
    sentences
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let part = &text[range.clone()];
    let trimmed = part.trim();
    if !trimmed.is_empty() {
        let start = range.start + (part.len() - part.trim_start().len());
        out.push(start..start + trimmed.len());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_hashtags_and_mentions_outside_links() {
        let text = "Hi @nhs and @team@example.social. #FluJab, #1 and https://x.org/#frag a#b C#";
        let m = Markup::of(text);
        let tags: Vec<&str> = m.hashtags.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(tags, ["#FluJab"]);
        let mentions: Vec<&str> = m.mentions.iter().map(|r| &text[r.clone()]).collect();
        assert_eq!(mentions, ["@nhs", "@team@example.social"]);
        // An email address is not a mention.
        assert!(Markup::of("mail comms@example.org").mentions.is_empty());
    }

    #[test]
    fn words_leave_out_markup() {
        let text = "Book your flu jab — it's free! #FluJab https://nhs.uk/flu";
        let m = Markup::of(text);
        let w: Vec<&str> = words(text, &m).into_iter().map(|w| w.text).collect();
        assert_eq!(w, ["Book", "your", "flu", "jab", "it's", "free"]);
    }

    #[test]
    fn splits_sentences_at_stops_and_line_breaks_but_not_decimals() {
        let text = "It costs £2.50. Really? Yes!\nA list\n\n  Last one";
        let s: Vec<&str> = sentences(text).into_iter().map(|r| &text[r]).collect();
        assert_eq!(s, ["It costs £2.50.", "Really?", "Yes!", "A list", "Last one"]);
    }
}
