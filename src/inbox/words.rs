//! Whole-word matching of keywords and phrases in messages from the public.
//!
//! A message is folded ("fancy" Unicode letters to plain ones, NFKC) and split into words:
//! letters and digits, with apostrophes inside a word kept ("don't") and a possessive `'s`
//! dropped ("GP's" is "GP"). Hyphens, spaces and punctuation all separate words, so the keyword
//! "self-harm" matches "self harm" and "self-harm". A keyword matches whole words only (never
//! "Scunthorpe" for a four-letter word inside it), ignoring case, and also the plural of its last
//! word (+s, +es): "symptom" matches "symptoms". A keyword written in capitals is an acronym, and
//! its plural must be written with a lower-case s: "GP" matches "GPs" but not "GPS".

use std::ops::Range;

use unicode_normalization::UnicodeNormalization;

/// One word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// As written (after folding).
    pub text: String,
    /// Lower case, for comparing.
    pub lower: String,
    /// Where it is in the folded text.
    pub range: Range<usize>,
}

/// A text folded for matching: NFKC (mathematical bold, circled and full-width letters become
/// plain ones) and curly apostrophes made straight.
pub fn fold(text: &str) -> String {
    text.nfkc()
        .map(|c| if c == '’' || c == 'ʼ' { '\'' } else { c })
        .collect()
}

/// The words of a (folded) text.
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for (n, &(i, c)) in chars.iter().enumerate() {
        let inner_apostrophe =
            c == '\'' && start.is_some() && chars.get(n + 1).is_some_and(|(_, next)| next.is_alphanumeric());
        let part = c.is_alphanumeric() || inner_apostrophe;
        match (start, part) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                push_word(text, s..i, &mut out);
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        push_word(text, s..text.len(), &mut out);
    }
    out
}

fn push_word(text: &str, range: Range<usize>, out: &mut Vec<Word>) {
    let mut word = &text[range.clone()];
    if let Some(stem) = word.strip_suffix("'s").or_else(|| word.strip_suffix("'S"))
        && !stem.is_empty()
    {
        word = stem;
    }
    out.push(Word {
        text: word.to_owned(),
        lower: word.to_lowercase(),
        range: range.start..range.start + word.len(),
    });
}

/// A keyword or phrase, ready to match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// As the team wrote it.
    pub written: String,
    words: Vec<Word>,
}

impl Phrase {
    /// A phrase from a keyword as written. `None` when it has no words.
    pub fn new(written: &str) -> Option<Phrase> {
        let words = words(&fold(written));
        (!words.is_empty()).then(|| Phrase {
            written: written.to_owned(),
            words,
        })
    }

    /// Where the phrase first occurs in `text`'s words (a range of word indices).
    pub fn find(&self, text: &[Word]) -> Option<Range<usize>> {
        let n = self.words.len();
        if text.len() < n {
            return None;
        }
        (0..=text.len() - n).find_map(|start| {
            let hit = self.words.iter().enumerate().all(|(k, want)| {
                let last = k + 1 == n;
                word_matches(want, &text[start + k], last)
            });
            hit.then_some(start..start + n)
        })
    }
}

/// Whether a message's word is the keyword's word (or, for the last word of a phrase, its
/// plural).
fn word_matches(want: &Word, got: &Word, allow_plural: bool) -> bool {
    if got.lower == want.lower {
        return true;
    }
    if !allow_plural {
        return false;
    }
    let acronym = want.text.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && want.text.chars().all(|c| !c.is_lowercase());
    ["s", "es"].iter().any(|suffix| {
        got.lower.len() == want.lower.len() + suffix.len()
            && got.lower.starts_with(&want.lower)
            && got.lower.ends_with(suffix)
            && (!acronym || got.text.ends_with(suffix))
    })
}

/// The text normalised for comparing messages with each other: lower-case words, single spaces.
pub fn normalised(text: &str) -> String {
    words(&fold(text))
        .into_iter()
        .map(|w| w.lower)
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(keyword: &str, text: &str) -> bool {
        Phrase::new(keyword).unwrap().find(&words(&fold(text))).is_some()
    }

    #[test]
    fn matches_whole_words_and_phrases_ignoring_case_and_hyphens() {
        assert!(hit("pain", "I'm in PAIN"));
        assert!(hit("pain", "my pains are worse"));
        assert!(!hit("pain", "painting the ward"));
        assert!(!hit("pain", "Spain"));
        assert!(hit("self-harm", "thoughts of self harm"));
        assert!(hit("self harm", "thoughts of self-harm"));
        assert!(hit("kill myself", "I want to kill myself."));
        assert!(!hit("kill myself", "kill my self-doubt"));
        assert!(hit("unhappy with", "I'm really unhappy with the service"));
        assert!(hit("complaint", "two complaints"));
        assert!(hit("press", "a press enquiry"));
        assert!(!hit("press", "my blood pressure"));
        assert!(hit("prescription", "my prescription's late"));
    }

    #[test]
    fn acronyms_take_a_lower_case_plural_and_possessives_are_the_word() {
        assert!(hit("GP", "can't get a GP appointment"));
        assert!(hit("GP", "Why do GPs close?"));
        assert!(hit("GP", "my GP's receptionist"));
        assert!(hit("GP", "my gp said"));
        assert!(!hit("GP", "the GPS in the car park"));
        assert!(hit("FOI", "an FOI request"));
        assert!(!hit("FOI", "foie gras"));
    }

    #[test]
    fn fancy_letters_are_folded() {
        assert!(hit("suicide", "𝘀𝘂𝗶𝗰𝗶𝗱𝗲"));
        assert_eq!(normalised("  Hello,   WORLD!! "), "hello world");
        assert_eq!(normalised("Don’t"), "don't");
    }
}
