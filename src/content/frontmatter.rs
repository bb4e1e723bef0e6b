//! Splitting a post file into its TOML front matter (between `+++` lines) and its text.

use std::ops::Range;

use crate::diag::{Code, Finding, SourceFile};

/// Where the parts of a post file are, as byte ranges of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parts {
    /// The TOML between the delimiters.
    pub front: Range<usize>,
    /// The post text: everything after the closing delimiter, without surrounding blank lines
    /// and trailing spaces.
    pub body: Range<usize>,
}

/// Finds the front matter and the text, or says precisely what is wrong.
pub fn split(source: &SourceFile) -> Result<Parts, Finding> {
    let text = source.text.as_str();
    let mut lines = line_ranges(text);
    let Some(first) = lines.next() else {
        return Err(Finding::at(source, 0..0, Code::Parse, "this post is empty")
            .help("start with a line `+++`, the post's settings, another `+++` line, then the text"));
    };
    let first_line = text[first.clone()].trim_end();
    if first_line != "+++" {
        let finding = Finding::at(
            source,
            first.start..first.start + first_line.len(),
            Code::Parse,
            "this post doesn't start with front matter",
        );
        return Err(if first_line == "---" {
            finding.help("herald reads TOML front matter between `+++` lines, not YAML between `---` lines")
        } else {
            finding.help(
                "did you forget the `+++` line? Start with `+++`, the settings, another `+++`, then the text",
            )
        });
    }
    for line in lines {
        if text[line.clone()].trim_end() == "+++" {
            let front = first.end..line.start;
            let after = line.end;
            return Ok(Parts {
                front,
                body: trim_range(text, after..text.len()),
            });
        }
    }
    Err(Finding::at(
        source,
        first.start..first.start + 3,
        Code::Parse,
        "the front matter that starts here is never closed",
    )
    .help("add a line `+++` after the settings, before the post text"))
}

/// Each line's range including its line break.
fn line_ranges(text: &str) -> impl Iterator<Item = Range<usize>> + '_ {
    let mut start = 0;
    std::iter::from_fn(move || {
        if start >= text.len() {
            return None;
        }
        let end = text[start..].find('\n').map_or(text.len(), |i| start + i + 1);
        let range = start..end;
        start = end;
        Some(range)
    })
}

/// Narrows a range to exclude leading blank lines and trailing whitespace.
fn trim_range(text: &str, range: Range<usize>) -> Range<usize> {
    let slice = &text[range.clone()];
    let trimmed_end = slice.trim_end();
    // Drop whole blank lines at the start, but keep indentation on the first text line.
    let mut start = 0;
    for line in trimmed_end.split_inclusive('\n') {
        if line.trim().is_empty() {
            start += line.len();
        } else {
            break;
        }
    }
    let start = start.min(trimmed_end.len());
    range.start + start..range.start + trimmed_end.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(text: &str) -> Result<(String, String), (usize, usize, String)> {
        let src = SourceFile::new("p.md", text);
        split(&src)
            .map(|p| (text[p.front].to_owned(), text[p.body].to_owned()))
            .map_err(|f| (f.line, f.column, f.message))
    }

    #[test]
    fn splits_front_matter_and_text() {
        assert_eq!(
            parts("+++\na = 1\n+++\n\nHello\nworld\n\n"),
            Ok(("a = 1\n".to_owned(), "Hello\nworld".to_owned()))
        );
        assert_eq!(
            parts("+++\r\na = 1\r\n+++\r\nHi\r\n"),
            Ok(("a = 1\r\n".to_owned(), "Hi".to_owned()))
        );
        assert_eq!(parts("+++\n+++\n"), Ok((String::new(), String::new())));
    }

    #[test]
    fn explains_what_is_missing() {
        assert_eq!(parts("").unwrap_err().2, "this post is empty");
        assert_eq!(
            parts("Hello\n").unwrap_err().2,
            "this post doesn't start with front matter"
        );
        assert_eq!(
            parts("+++\na = 1\nHello\n").unwrap_err(),
            (
                1,
                1,
                "the front matter that starts here is never closed".to_owned()
            )
        );
    }
}
