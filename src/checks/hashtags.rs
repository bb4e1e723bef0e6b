//! `hashtag-camelcase`: a hashtag of several words must capitalise each word (`#MentalHealthWeek`),
//! or screen readers read it as one long made-up word.
//!
//! A tag is split into "humps" at case changes and digits (`NHSApp2026` → `NHS`, `App`, `2026`).
//! A hump in lower case (or all in capitals) that is one word — a dictionary word or one of the
//! team's words in content/words.txt — is fine. One that splits into several known words is a
//! finding, with the CamelCase form as the fix. One that can't be read as known words at all (a
//! name, a brand) is left alone: few false alarms matter as much as catching the real ones.
//!
//! Words come from `data/words-en.txt` (derived from wordfreq, CC BY-SA 4.0; see data/README.md),
//! loaded once per process, and are split with instant-segment.

use std::collections::HashMap;
use std::sync::LazyLock;

use instant_segment::{Search, Segmenter};

use super::Context;
use super::scan::Markup;
use crate::content::{Post, Words};
use crate::diag::{Code, Finding};

/// The English word list, derived from wordfreq (CC BY-SA 4.0).
pub const WORDS_EN: &str = include_str!("../../data/words-en.txt");

/// Zipf frequency (in hundredths) a team word is scored at: that of a common word.
const TEAM_WORD_ZIPF: u16 = 400;

/// The English words and a segmenter over them.
pub struct Dictionary {
    zipf: HashMap<&'static str, u16>,
    segmenter: Segmenter,
    total_log10: f64,
}

impl std::fmt::Debug for Dictionary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Dictionary")
            .field("words", &self.zipf.len())
            .finish_non_exhaustive()
    }
}

static DICTIONARY: LazyLock<Dictionary> = LazyLock::new(|| Dictionary::parse(WORDS_EN));

/// The dictionary, loaded on first use.
pub fn dictionary() -> &'static Dictionary {
    &DICTIONARY
}

impl Dictionary {
    /// Parses the word list format: `ZIPF<TAB>word word …` lines, `#` comments.
    pub fn parse(text: &'static str) -> Dictionary {
        let mut zipf = HashMap::new();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let Some((score, words)) = line.split_once('\t') else {
                continue;
            };
            let Ok(score) = score.parse::<u16>() else {
                continue;
            };
            for word in words.split(' ').filter(|w| !w.is_empty()) {
                zipf.insert(word, score);
            }
        }
        // Counts per 10^15 words rather than per 10^9 (Zipf): the same relative frequencies, but
        // instant-segment's penalty for an unknown piece grows with the log of the total, and at
        // 10^9 it splits readily into unknown fragments. Single letters other than "a" and "i"
        // are known to the segmenter (not to `contains`) at the lowest frequency, so that a real
        // word beats a run of letters.
        let scale = |zipf: f64| 10f64.powf(zipf + 6.0);
        let letters = ('b'..='z')
            .filter(|c| !"ai".contains(*c))
            .map(|c| (c.to_string(), scale(0.0)));
        let unigrams: Vec<(String, f64)> = zipf
            .iter()
            .map(|(w, z)| ((*w).to_owned(), scale(f64::from(*z) / 100.0)))
            .chain(letters)
            .collect();
        let total: f64 = unigrams.iter().map(|(_, c)| c).sum();
        let segmenter = Segmenter::new(
            unigrams.into_iter().map(|(w, c)| (w.into(), c)),
            std::iter::empty::<((_, _), f64)>(),
        );
        Dictionary {
            zipf,
            segmenter,
            total_log10: total.max(1.0).log10(),
        }
    }

    /// How many words it has.
    pub fn len(&self) -> usize {
        self.zipf.len()
    }

    /// Whether it has none.
    pub fn is_empty(&self) -> bool {
        self.zipf.is_empty()
    }

    /// Whether a lower-case word is in it.
    pub fn contains(&self, word: &str) -> bool {
        self.zipf.contains_key(word)
    }

    /// Splits lower-case ASCII letters into words, trying the team's words too. Returns the
    /// words (team words as the team writes them) and whether every one is a known word.
    pub fn split(&self, lower: &str, team: &Words) -> (Vec<String>, bool) {
        let n = lower.len();
        if n == 0 || !lower.bytes().all(|b| b.is_ascii_lowercase()) {
            return (vec![lower.to_owned()], false);
        }
        // Where team words start and end: the only places a split may use a team word.
        let mut bounds = vec![0, n];
        let mut team_spans = Vec::new();
        for word in team.iter() {
            let w = word.to_ascii_lowercase();
            if w.is_empty() || !w.bytes().all(|b| b.is_ascii_lowercase()) {
                continue;
            }
            for (i, _) in lower.match_indices(&w) {
                team_spans.push((i, i + w.len(), word.to_owned()));
                bounds.extend([i, i + w.len()]);
            }
        }
        bounds.sort_unstable();
        bounds.dedup();
        let team_score = f64::from(TEAM_WORD_ZIPF) / 100.0 + 6.0 - self.total_log10;
        let mut search = Search::default();
        // best[k]: the best reading of lower[..bounds[k]].
        let mut best: Vec<Option<(f64, Vec<String>)>> = vec![None; bounds.len()];
        best[0] = Some((0.0, Vec::new()));
        for j in 1..bounds.len() {
            for i in 0..j {
                let Some((score, words)) = best[i].clone() else {
                    continue;
                };
                let (from, to) = (bounds[i], bounds[j]);
                let piece = &lower[from..to];
                let (piece_score, piece_words) =
                    match team_spans.iter().find(|(s, e, _)| *s == from && *e == to) {
                        Some((_, _, word)) => (team_score, vec![word.clone()]),
                        None => match self.segmenter.segment(piece, &mut search) {
                            Ok(segments) => {
                                let score = segments.score();
                                (score, segments.map(str::to_owned).collect())
                            }
                            Err(_) => continue,
                        },
                    };
                let candidate = score + piece_score;
                if best[j].as_ref().is_none_or(|(s, _)| candidate > *s) {
                    let mut words = words;
                    words.extend(piece_words);
                    best[j] = Some((candidate, words));
                }
            }
        }
        let words = best
            .pop()
            .flatten()
            .map(|(_, words)| words)
            .unwrap_or_else(|| vec![lower.to_owned()]);
        let known = words.iter().all(|w| team.get(w).is_some() || self.contains(w));
        (words, known)
    }
}

/// What is wrong with a hashtag, and its CamelCase form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `lower case` or `capitals`.
    pub case: &'static str,
    /// The tag in CamelCase, `#` included.
    pub suggestion: String,
}

/// Judges one hashtag (with or without `#`); `None` when it is fine.
pub fn judge(tag: &str, dictionary: &Dictionary, team: &Words) -> Option<Verdict> {
    let body = tag.trim_start_matches(['#', '＃']);
    if !body.is_ascii() {
        // Words in other scripts: no word list to read them with, so no opinion.
        return None;
    }
    let mut flagged_case = None;
    let mut suggestion = String::from("#");
    for hump in humps(body) {
        let first = hump.chars().next().unwrap_or('_');
        if !first.is_ascii_alphabetic() {
            suggestion.push_str(hump);
            continue;
        }
        let lower = hump.to_ascii_lowercase();
        let all_caps = hump.len() > 1 && hump.bytes().all(|b| b.is_ascii_uppercase());
        let lower_case = hump.bytes().skip(1).all(|b| b.is_ascii_lowercase());
        if let Some(word) = team.get(&lower) {
            // The team's own spelling is right by definition; a lower-case `nhs` reads fine too.
            suggestion.push_str(if all_caps || lower_case { word } else { hump });
            continue;
        }
        let single_word = dictionary.contains(&lower);
        let split = if single_word {
            None
        } else {
            let (words, known) = dictionary.split(&lower, team);
            // All capitals of five letters or fewer are most likely an acronym.
            (known && words.len() > 1 && !(all_caps && hump.len() <= 5)).then_some(words)
        };
        match split {
            Some(words) => {
                flagged_case.get_or_insert(if all_caps { "capitals" } else { "lower case" });
                for word in words {
                    suggestion.push_str(&capitalise(&word, team));
                }
            }
            None if lower_case || all_caps => suggestion.push_str(&capitalise(hump, team)),
            None => suggestion.push_str(hump),
        }
    }
    flagged_case.map(|case| Verdict { case, suggestion })
}

/// Splits a tag at case changes and digits: `NHSAppWeek2026` → `NHS`, `App`, `Week`, `2026`.
fn humps(body: &str) -> Vec<&str> {
    let bytes = body.as_bytes();
    let mut humps = Vec::new();
    let mut start = 0;
    for i in 1..bytes.len() {
        let (prev, cur) = (bytes[i - 1], bytes[i]);
        let next = bytes.get(i + 1).copied();
        let split = (prev.is_ascii_digit() != cur.is_ascii_digit())
            || cur == b'_'
            || prev == b'_'
            || (prev.is_ascii_lowercase() && cur.is_ascii_uppercase())
            || (prev.is_ascii_uppercase()
                && cur.is_ascii_uppercase()
                && next.is_some_and(|n| n.is_ascii_lowercase()));
        if split {
            humps.push(&body[start..i]);
            start = i;
        }
    }
    humps.push(&body[start..]);
    humps.retain(|h| *h != "_" && !h.is_empty());
    humps
}

/// `mental` → `Mental`; a team word as the team writes it (`nhs` → `NHS`).
fn capitalise(word: &str, team: &Words) -> String {
    if let Some(own) = team.get(word) {
        return own.to_owned();
    }
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.map(|c| c.to_ascii_lowercase()))
            .collect(),
        None => String::new(),
    }
}

/// Checks the hashtags in the post's text and its campaign's hashtags.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let text = &post.spec.text;
    let markup = Markup::of(text);
    let team = &ctx.calendar.words;
    let mut findings = Vec::new();
    for range in &markup.hashtags {
        let tag = &text[range.clone()];
        if let Some(verdict) = judge(tag, dictionary(), team) {
            findings.push(finding(
                Finding::at(
                    &post.source,
                    post.text_span(range.clone()),
                    Code::HashtagCamelcase,
                    "",
                ),
                tag,
                &verdict,
            ));
        }
    }
    if let Some(campaign) = post
        .spec
        .campaign
        .as_deref()
        .and_then(|id| ctx.calendar.campaign(id))
    {
        for (i, tag) in campaign.hashtags.iter().enumerate() {
            if let Some(verdict) = judge(tag, dictionary(), team) {
                let span = campaign.spans.value(&format!("hashtags[{i}]")).unwrap_or(0..0);
                findings.push(finding(
                    Finding::at(&campaign.source, span, Code::HashtagCamelcase, ""),
                    tag,
                    &verdict,
                ));
            }
        }
    }
    findings
}

fn finding(base: Finding, tag: &str, verdict: &Verdict) -> Finding {
    let reads = if verdict.case == "capitals" {
        "screen readers may spell it out letter by letter"
    } else {
        "screen readers read it as one long word"
    };
    let mut finding = base.help(format!(
        "write it in CamelCase: `{}` (if it is one word, add it to content/words.txt)",
        verdict.suggestion
    ));
    finding.message = format!("`{tag}` runs several words together in {}: {reads}", verdict.case);
    finding
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    fn team() -> Words {
        Words::parse("NHS\nICB\nGP\nGPs\nCOVID\nStoptober\nNHS111\n")
    }

    fn suggest(tag: &str) -> Option<String> {
        judge(tag, dictionary(), &team()).map(|v| v.suggestion)
    }

    #[test]
    fn multi_word_lower_case_tags_get_their_camelcase_form() {
        assert_eq!(suggest("#mentalhealthweek").as_deref(), Some("#MentalHealthWeek"));
        assert_eq!(suggest("#selfcare").as_deref(), Some("#SelfCare"));
        assert_eq!(suggest("#stopsmoking").as_deref(), Some("#StopSmoking"));
        assert_eq!(suggest("#flujab").as_deref(), Some("#FluJab"));
        assert_eq!(suggest("#winterwellness").as_deref(), Some("#WinterWellness"));
        assert_eq!(suggest("#Pharmacyfirst").as_deref(), Some("#PharmacyFirst"));
        assert_eq!(suggest("#nhsapp").as_deref(), Some("#NHSApp"));
        assert_eq!(
            suggest("#stoptoberquitsmoking").as_deref(),
            Some("#StoptoberQuitSmoking")
        );
        assert_eq!(suggest("#MENTALHEALTHWEEK").as_deref(), Some("#MentalHealthWeek"));
        assert_eq!(
            suggest("#getvaccinated2026").as_deref(),
            Some("#GetVaccinated2026")
        );
    }

    #[test]
    fn one_word_acronyms_names_and_camelcase_are_fine() {
        for tag in [
            "#vaccines",
            "#Vaccines",
            "#VACCINES",
            "#wellbeing",
            "#healthcare",
            "#NHS",
            "#nhs",
            "#GPs",
            "#NHS111",
            "#Covid19",
            "#COVID19",
            "#Stoptober",
            "#stoptober",
            "#MentalHealthWeek",
            "#WinterVaccines",
            "#NHSApp",
            "#RCN",
            "#BBCNews",
            "#Glastonbury2026",
            "#Glastonbury",
            "#iPhone",
            "#santé",
            "#mental_health",
        ] {
            assert_eq!(suggest(tag), None, "{tag}");
        }
    }

    #[test]
    fn points_at_the_tag_in_the_post() {
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []",
            "Look after yourself. #selfcare #NHS",
        );
        let findings = run_rule(check, &config(""), std::path::Path::new("content"), &p);
        assert_eq!(findings.len(), 1);
        let f = &findings[0];
        assert_eq!(f.code, Code::HashtagCamelcase);
        assert_eq!((f.line, f.column), (5, 22));
        assert_eq!(
            f.message,
            "`#selfcare` runs several words together in lower case: screen readers read it as one long word"
        );
        assert_eq!(
            f.help.as_deref(),
            Some("write it in CamelCase: `#SelfCare` (if it is one word, add it to content/words.txt)")
        );
    }

    #[test]
    fn the_word_list_loads_quickly_enough_to_load_once() {
        let started = std::time::Instant::now();
        let dictionary = Dictionary::parse(WORDS_EN);
        assert!(dictionary.len() > 40_000, "{}", dictionary.len());
        assert!(dictionary.contains("vaccines"));
        eprintln!("word list: {} words in {:?}", dictionary.len(), started.elapsed());
    }
}
