//! Strict TOML loading that reports every problem in a document, each at its own `line:col`.
//!
//! serde stops at the first error. herald's users fix files in one go, so this module parses the
//! document once (keeping every key's and value's span), then deserialises it; when serde refuses
//! a key or a value, the problem is recorded, that entry is set aside, and deserialisation is tried
//! again, until it succeeds or nothing more can be set aside. Unknown keys become `unknown-key`
//! findings with the nearest known key as a hint; everything else becomes `parse`.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use serde::de::DeserializeOwned;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::diag::{Code, Finding, SourceFile, did_you_mean};

/// Where each key and value of a document is, by dotted path (`images[0].alt`), in file offsets.
#[derive(Debug, Clone, Default)]
pub struct SpanIndex {
    entries: BTreeMap<String, KeySpan>,
}

/// The spans of one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySpan {
    /// The key (for array elements, the element itself).
    pub key: Range<usize>,
    /// The value.
    pub value: Range<usize>,
}

impl SpanIndex {
    /// The span of a key, e.g. `images[0].alt`.
    pub fn key(&self, path: &str) -> Option<Range<usize>> {
        self.entries.get(path).map(|s| s.key.clone())
    }

    /// The span of a value, e.g. `images[0].alt`.
    pub fn value(&self, path: &str) -> Option<Range<usize>> {
        self.entries.get(path).map(|s| s.value.clone())
    }

    /// Every path in the index, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    fn build(table: &DeTable<'_>, offset: usize) -> Self {
        let mut index = SpanIndex::default();
        index.walk_table(table, "", offset);
        index
    }

    fn walk_table(&mut self, table: &DeTable<'_>, prefix: &str, offset: usize) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.insert(&path, key.span(), value.span(), offset);
            self.walk_value(value.get_ref(), &path, offset);
        }
    }

    fn walk_value(&mut self, value: &DeValue<'_>, path: &str, offset: usize) {
        match value {
            DeValue::Table(t) => self.walk_table(t, path, offset),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    self.insert(&item_path, item.span(), item.span(), offset);
                    self.walk_value(item.get_ref(), &item_path, offset);
                }
            }
            _ => {}
        }
    }

    fn insert(&mut self, path: &str, key: Range<usize>, value: Range<usize>, offset: usize) {
        self.entries.insert(
            path.to_owned(),
            KeySpan {
                key: key.start + offset..key.end + offset,
                value: value.start + offset..value.end + offset,
            },
        );
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}.{key}")
    }
}

/// The outcome of loading one TOML document.
#[derive(Debug)]
pub struct Loaded<T> {
    /// The value, when the document was readable enough to give one. Unknown keys don't prevent
    /// a value (they are ignored after being reported); syntax and type errors do.
    pub value: Option<T>,
    /// Spans of every key and value, in file offsets.
    pub spans: SpanIndex,
    /// Everything wrong with the document.
    pub findings: Vec<Finding>,
}

/// How many problems one document may produce before herald stops looking for more.
const MAX_PROBLEMS: usize = 100;

/// Loads `source.text[range]` as TOML into `T`. `what` names the document in messages
/// ("front matter", "herald.toml").
pub fn load<T: DeserializeOwned>(source: &SourceFile, range: Range<usize>, what: &str) -> Loaded<T> {
    let offset = range.start;
    let text = &source.text[range];
    let (parsed, errors) = DeTable::parse_recoverable(text);
    let mut table = parsed.into_inner();
    let spans = SpanIndex::build(&table, offset);
    if !errors.is_empty() {
        let findings = errors
            .iter()
            .take(MAX_PROBLEMS)
            .map(|e| syntax_finding(source, offset, text, e, what))
            .collect();
        return Loaded {
            value: None,
            spans,
            findings,
        };
    }

    let mut findings = Vec::new();
    let mut set_aside: BTreeSet<String> = BTreeSet::new();
    // Keys suggested for unknown ones: if `chanels` was reported with "did you mean `channels`?",
    // a missing `channels` is the same mistake and is not reported again.
    let mut suggested: BTreeSet<String> = BTreeSet::new();
    let mut only_unknown_keys = true;
    for _ in 0..MAX_PROBLEMS {
        let whole = 0..text.len();
        let attempt = T::deserialize(toml::de::Deserializer::from(Spanned::new(
            whole.clone(),
            table.clone(),
        )));
        let err = match attempt {
            Ok(value) => {
                return Loaded {
                    value: only_unknown_keys.then_some(value),
                    spans,
                    findings,
                };
            }
            Err(err) => err,
        };
        let message = err.message().trim().to_owned();
        let span = err.span().unwrap_or(whole);
        if let Some((name, expected)) = parse_unknown_field(&message) {
            let removed = remove_entry_at(&mut table, &span, "");
            let path = removed.clone().unwrap_or_else(|| name.clone());
            if let Some(best) = did_you_mean(&name, expected.iter().map(String::as_str)) {
                suggested.insert(best.to_owned());
            }
            findings.push(unknown_key_finding(
                source, offset, &span, &path, &name, &expected, what,
            ));
            if removed.is_none() {
                return Loaded {
                    value: None,
                    spans,
                    findings,
                };
            }
            continue;
        }
        only_unknown_keys = false;
        if let Some(field) = message
            .strip_prefix("missing field `")
            .and_then(|m| m.strip_suffix('`'))
        {
            if suggested.contains(field)
                || set_aside
                    .iter()
                    .any(|p| p == field || p.ends_with(&format!(".{field}")))
            {
                // Already reported as a bad value; don't report it again as missing.
                break;
            }
            findings.push(missing_field_finding(source, offset, &span, field, what));
            break;
        }
        match remove_entry_at(&mut table, &span, "") {
            Some(path) => {
                findings.push(value_finding(source, offset, &span, &path, &message));
                set_aside.insert(path);
            }
            None => {
                findings.push(
                    Finding::at(
                        source,
                        span.start + offset..span.end + offset,
                        Code::Parse,
                        polish(&message),
                    )
                    .help(format!("fix the {what} and run `herald check` again")),
                );
                break;
            }
        }
    }
    Loaded {
        value: None,
        spans,
        findings,
    }
}

fn syntax_finding(
    source: &SourceFile,
    offset: usize,
    text: &str,
    err: &toml::de::Error,
    what: &str,
) -> Finding {
    let span = err.span().unwrap_or(0..0);
    let span = span.start.min(text.len())..span.end.min(text.len());
    let message = err.message().trim();
    let first_line = message.lines().next().unwrap_or("invalid TOML");
    Finding::at(
        source,
        span.start + offset..span.end + offset,
        Code::Parse,
        format!("the {what} is not valid TOML: {first_line}"),
    )
    .help(syntax_help(first_line))
}

fn syntax_help(message: &str) -> String {
    if message.contains("string") {
        "put text in double quotes, e.g. `alt = \"A nurse gives a flu jab\"`".to_owned()
    } else if message.contains("recurs") {
        "herald's settings are never nested this deep: look for brackets or braces that are \
         opened and never closed, or a dotted key with hundreds of parts"
            .to_owned()
    } else if message.contains("duplicate key") {
        "each key may appear once; remove or rename the second one".to_owned()
    } else {
        "TOML lines look like `key = value`; text goes in double quotes and lists in [ ]".to_owned()
    }
}

/// Splits serde's "unknown field `x`, expected one of `a`, `b`" into the name and the known keys.
fn parse_unknown_field(message: &str) -> Option<(String, Vec<String>)> {
    let rest = message.strip_prefix("unknown field `")?;
    let end = rest.find('`')?;
    let name = rest[..end].to_owned();
    let tail = &rest[end + 1..];
    let expected = tail.split('`').skip(1).step_by(2).map(str::to_owned).collect();
    Some((name, expected))
}

fn unknown_key_finding(
    source: &SourceFile,
    offset: usize,
    span: &Range<usize>,
    path: &str,
    name: &str,
    expected: &[String],
    what: &str,
) -> Finding {
    let finding = Finding::at(
        source,
        span.start + offset..span.end + offset,
        Code::UnknownKey,
        format!("unknown key `{path}` in the {what}"),
    );
    match did_you_mean(name, expected.iter().map(String::as_str)) {
        Some(best) => finding.help(format!("did you mean `{best}`?")),
        None if expected.is_empty() => finding.help("remove this key: nothing is expected here"),
        None => finding.help(format!(
            "remove it, or use one of the known keys: {}",
            expected
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn missing_field_finding(
    source: &SourceFile,
    offset: usize,
    span: &Range<usize>,
    field: &str,
    what: &str,
) -> Finding {
    // Point at the start of the table that lacks the key, not at the whole table.
    let start = span.start + offset;
    Finding::at(
        source,
        start..start,
        Code::Parse,
        format!("the {what} needs `{field}`"),
    )
    .help(format!("add a line `{field} = …`"))
}

fn value_finding(
    source: &SourceFile,
    offset: usize,
    span: &Range<usize>,
    path: &str,
    message: &str,
) -> Finding {
    let finding = Finding::at(
        source,
        span.start + offset..span.end + offset,
        Code::Parse,
        format!("invalid value for `{path}`: {}", polish(message)),
    );
    if let Some(variant) = message.strip_prefix("unknown variant `") {
        let (given, rest) = variant.split_once('`').unwrap_or((variant, ""));
        let known: Vec<&str> = rest.split('`').skip(1).step_by(2).collect();
        if let Some(best) = did_you_mean(given, known.iter().copied()) {
            return finding.help(format!("did you mean `{best}`?"));
        }
        return finding.help(format!("use one of: {}", known.join(", ")));
    }
    finding.help(format!("fix `{path}` and run `herald check` again"))
}

/// Rewords serde's type names for people who write TOML.
fn polish(message: &str) -> String {
    message
        .replace("a sequence", "a list")
        .replace("sequence", "list")
        .replace("a map", "a table")
        .replace("invalid type: ", "")
}

/// Removes the innermost key whose key or value span contains `span`; returns its dotted path.
///
/// Parent spans can't be trusted to contain their children (an array of tables' span is only its
/// first `[[header]]`), so the search goes depth first through every entry.
fn remove_entry_at(table: &mut DeTable<'_>, span: &Range<usize>, prefix: &str) -> Option<String> {
    let mut hit = None;
    for (key, value) in table.iter_mut() {
        let path = join(prefix, key.get_ref());
        if let Some(inner) = remove_nested(value.get_mut(), span, &path) {
            return Some(inner);
        }
        if hit.is_none()
            && (key.span() == *span || contains(&key.span(), span) || contains(&value.span(), span))
        {
            hit = Some((key.clone(), path));
        }
    }
    let (key, path) = hit?;
    table.remove(&key);
    Some(path)
}

fn remove_nested(value: &mut DeValue<'_>, span: &Range<usize>, path: &str) -> Option<String> {
    match value {
        DeValue::Table(t) => remove_entry_at(t, span, path),
        DeValue::Array(items) => items
            .iter_mut()
            .enumerate()
            .find_map(|(i, item)| match item.get_mut() {
                DeValue::Table(t) => remove_entry_at(t, span, &format!("{path}[{i}]")),
                _ => None,
            }),
        _ => None,
    }
}

fn contains(outer: &Range<usize>, inner: &Range<usize>) -> bool {
    // An empty outer range contains only empty ranges at its position.
    outer.start <= inner.start && inner.end <= outer.end && (inner.is_empty() || !outer.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Doc {
        name: String,
        #[serde(default)]
        count: u32,
        #[serde(default)]
        items: Vec<Item>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Item {
        path: String,
        #[serde(default)]
        alt: Option<String>,
    }

    fn load_doc(text: &str) -> Loaded<Doc> {
        let src = SourceFile::new("t.toml", text);
        load(&src, 0..text.len(), "test file")
    }

    fn positions(findings: &[Finding]) -> Vec<(usize, usize, &str, &str)> {
        findings
            .iter()
            .map(|f| (f.line, f.column, f.code.as_str(), f.message.as_str()))
            .collect()
    }

    #[test]
    fn clean_document_loads_with_spans() {
        let loaded = load_doc("name = \"a\"\n[[items]]\npath = \"x.jpg\"\nalt = \"A cat\"\n");
        assert!(loaded.findings.is_empty());
        assert_eq!(loaded.value.unwrap().items[0].alt.as_deref(), Some("A cat"));
        assert_eq!(loaded.spans.value("items[0].alt"), Some(42..49));
        assert_eq!(loaded.spans.key("name"), Some(0..4));
    }

    #[test]
    fn reports_every_unknown_key_and_still_gives_a_value() {
        let loaded =
            load_doc("nmae = \"a\"\nname = \"b\"\ncuont = 3\n[[items]]\npath = \"p\"\natl = \"x\"\n");
        let mut findings = loaded.findings.clone();
        findings.sort_by_key(|f| f.line);
        assert_eq!(
            positions(&findings),
            vec![
                (1, 1, "unknown-key", "unknown key `nmae` in the test file"),
                (3, 1, "unknown-key", "unknown key `cuont` in the test file"),
                (6, 1, "unknown-key", "unknown key `items[0].atl` in the test file"),
            ]
        );
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `name`?"));
        assert_eq!(findings[1].help.as_deref(), Some("did you mean `count`?"));
        assert_eq!(findings[2].help.as_deref(), Some("did you mean `alt`?"));
        assert_eq!(loaded.value.unwrap().name, "b");
    }

    #[test]
    fn reports_bad_values_without_a_spurious_missing_field() {
        let loaded = load_doc("name = 5\ncount = \"three\"\n");
        let mut findings = loaded.findings.clone();
        findings.sort_by_key(|f| f.line);
        let found = positions(&findings);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1, found[0].2), (1, 8, "parse"));
        assert!(
            found[0].3.starts_with("invalid value for `name`"),
            "{}",
            found[0].3
        );
        assert_eq!((found[1].0, found[1].1), (2, 9));
        assert!(loaded.value.is_none());
    }

    #[test]
    fn a_misspelt_required_key_is_reported_once() {
        let loaded = load_doc("nmae = \"a\"\n");
        assert_eq!(
            positions(&loaded.findings),
            vec![(1, 1, "unknown-key", "unknown key `nmae` in the test file")]
        );
        assert!(loaded.value.is_none());
    }

    #[test]
    fn reports_missing_required_key() {
        let loaded = load_doc("count = 1\n");
        assert_eq!(
            positions(&loaded.findings),
            vec![(1, 1, "parse", "the test file needs `name`")]
        );
    }

    #[test]
    fn reports_syntax_errors_with_positions() {
        let loaded = load_doc("name = \"a\"\ncount = = 2\n");
        assert!(!loaded.findings.is_empty());
        assert_eq!(loaded.findings[0].line, 2);
        assert!(
            loaded.findings[0]
                .message
                .starts_with("the test file is not valid TOML")
        );
        assert!(loaded.value.is_none());
    }
}
