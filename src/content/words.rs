//! `content/words.txt`: the team's own words (acronyms, names, campaign words), one per line.

use std::collections::BTreeMap;

/// The team's words, looked up without regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Words {
    by_lower: BTreeMap<String, String>,
}

impl Words {
    /// Parses the file: one word per line; blank lines and `#` comments are ignored.
    pub fn parse(text: &str) -> Words {
        let by_lower = text
            .lines()
            .map(str::trim)
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .map(|word| (word.to_lowercase(), word.to_owned()))
            .collect();
        Words { by_lower }
    }

    /// The word as the team writes it, if it is one of theirs (`nhs` → `NHS`).
    pub fn get(&self, word: &str) -> Option<&str> {
        self.by_lower.get(&word.to_lowercase()).map(String::as_str)
    }

    /// Every word, as written.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.by_lower.values().map(String::as_str)
    }

    /// How many words there are.
    pub fn len(&self) -> usize {
        self.by_lower.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.by_lower.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ignores_comments_and_case() {
        let words = Words::parse("# acronyms\nNHS\n\n  Stoptober  \n");
        assert_eq!(words.len(), 2);
        assert_eq!(words.get("nhs"), Some("NHS"));
        assert_eq!(words.get("STOPTOBER"), Some("Stoptober"));
        assert_eq!(words.get("flu"), None);
    }
}
