//! Findings: what `herald check` reports, where, and how it is rendered.
//!
//! Every check in herald produces [`Finding`]s through this module, so they share one stable set of
//! codes ([`Code`]), one location model (a byte span in a [`SourceFile`], shown as `path:line:col`)
//! and one renderer for people (compiler-style, with the source line and a caret) and for machines
//! (the JSON shape fixed in PRODUCT.md).

use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use annotate_snippets::{AnnotationKind, Level, Renderer, Snippet};
use serde::Serialize;

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Blocks publication; `check` exits 1.
    Error,
    /// Worth a look; `check` exits 1 only with `--deny-warnings`.
    Warning,
}

impl Severity {
    /// The lower-case name used in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal, $sev:ident;)*) => {
        /// A finding's stable code (PRODUCT.md section 3). Scripts rely on these names.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Code {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Code {
            /// Every code, in table order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The stable kebab-case name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Code::$variant => $name,)*
                }
            }

            /// The severity a finding with this code has unless configuration overrides it.
            pub fn default_severity(self) -> Severity {
                match self {
                    $(Code::$variant => Severity::$sev,)*
                }
            }

            /// The code with this name, if there is one.
            pub fn from_name(name: &str) -> Option<Code> {
                match name {
                    $($name => Some(Code::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

codes! {
    /// A file that can't be read or parsed.
    Parse = "parse", Error;
    /// A key herald doesn't know.
    UnknownKey = "unknown-key", Error;
    /// A channel not defined in herald.toml.
    UnknownChannel = "unknown-channel", Error;
    /// A campaign with no file in content/campaigns/.
    UnknownCampaign = "unknown-campaign", Error;
    /// No approval recorded.
    NotApproved = "not-approved", Error;
    /// The post changed after approval.
    ApprovalStale = "approval-stale", Error;
    /// publish_at falls outside the channel's office hours.
    OutsideHours = "outside-hours", Error;
    /// A local time skipped by a clock change.
    NonexistentTime = "nonexistent-time", Error;
    /// A local time repeated by a clock change.
    AmbiguousTime = "ambiguous-time", Error;
    /// publish_at is already past and the post was never published.
    InPast = "in-past", Warning;
    /// A post falls in a year whose bank holidays are known only by rule, not yet published.
    HolidaysUnconfirmed = "holidays-unconfirmed", Warning;
    /// Longer than the platform allows.
    TooLong = "too-long", Error;
    /// A multi-word hashtag not in CamelCase.
    HashtagCamelcase = "hashtag-camelcase", Error;
    /// An image without alt text.
    AltMissing = "alt-missing", Error;
    /// Alt text that starts "image of" and the like.
    AltPrefix = "alt-prefix", Error;
    /// Alt text that is a file name.
    AltFilename = "alt-filename", Error;
    /// Alt text over the platform's limit.
    AltTooLong = "alt-too-long", Error;
    /// Alt text of one or two words.
    AltTooShort = "alt-too-short", Warning;
    /// Alt text that repeats the post text.
    AltRepeatsText = "alt-repeats-text", Warning;
    /// A video without a usable caption file.
    CaptionsMissing = "captions-missing", Error;
    /// A referenced file that doesn't exist or isn't a readable image/video.
    MediaMissing = "media-missing", Error;
    /// More images than the platform takes.
    TooManyImages = "too-many-images", Error;
    /// "Fancy" Unicode letters that screen readers garble.
    FancyText = "fancy-text", Error;
    /// Too many emoji, a repeated run, or emoji bullets.
    EmojiOveruse = "emoji-overuse", Warning;
    /// "&" in prose.
    Ampersand = "ampersand", Warning;
    /// A sentence over 25 words.
    LongSentence = "long-sentence", Warning;
    /// Above the configured reading age.
    ReadingAge = "reading-age", Warning;
    /// A malformed, non-https or unreachable link.
    LinkInvalid = "link-invalid", Error;
    /// A phone number, email or NHS number that isn't an official contact.
    PersonalData = "personal-data", Error;
    /// An Instagram post with no image.
    InstagramNeedsImage = "instagram-needs-image", Error;
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A file's text with the positions of its lines, so byte offsets can be shown as `line:col`.
#[derive(Debug)]
pub struct SourceFile {
    /// The path as it is shown to people (relative to where herald was pointed, not canonicalised).
    pub path: PathBuf,
    /// The whole file.
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Wraps a file's text.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>) -> Arc<Self> {
        let text = text.into();
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Arc::new(SourceFile {
            path: path.into(),
            text,
            line_starts,
        })
    }

    /// The 1-based line and column (in characters) of a byte offset. Offsets past the end or
    /// inside a character are clamped to a valid position.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text[start..offset].chars().count() + 1;
        (line, column)
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }

    /// The path as a display string with forward slashes.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }
}

/// A path as herald shows it: forward slashes, no leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// One problem found in one place.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The file, as shown to people.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// How serious it is.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it (`null` in JSON when there is nothing to add).
    pub help: Option<String>,
    /// A short note shown under the caret.
    #[serde(skip)]
    pub label: Option<String>,
    /// The byte span in the file, when the finding points at text.
    #[serde(skip)]
    pub span: Option<Range<usize>>,
}

impl Finding {
    /// A finding at a span of a source file, with the code's default severity.
    pub fn at(source: &SourceFile, span: Range<usize>, code: Code, message: impl Into<String>) -> Self {
        let (line, column) = source.line_col(span.start);
        Finding {
            file: source.display_path(),
            line,
            column,
            severity: code.default_severity(),
            code,
            message: message.into(),
            help: None,
            label: None,
            span: Some(span),
        }
    }

    /// A finding about a whole file (shown at line 1, column 1, without a source excerpt).
    pub fn file(path: &Path, code: Code, message: impl Into<String>) -> Self {
        Finding {
            file: display_path(path),
            line: 1,
            column: 1,
            severity: code.default_severity(),
            code,
            message: message.into(),
            help: None,
            label: None,
            span: None,
        }
    }

    /// Adds the line that says what to do.
    #[must_use]
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a note under the caret.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Overrides the severity.
    #[must_use]
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }

    fn sort_key(&self) -> (&str, usize, usize, Code, &str) {
        (&self.file, self.line, self.column, self.code, &self.message)
    }
}

/// Counts for the end of a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files looked at.
    pub files: usize,
    /// Findings of severity error.
    pub errors: usize,
    /// Findings of severity warning.
    pub warnings: usize,
}

/// Everything one run found, with the sources needed to show it.
#[derive(Debug, Default)]
pub struct Report {
    findings: Vec<Finding>,
    sources: BTreeMap<String, Arc<SourceFile>>,
    files: usize,
}

impl Report {
    /// An empty report.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a file as looked at, keeping its text for rendering.
    pub fn add_source(&mut self, source: &Arc<SourceFile>) {
        if self
            .sources
            .insert(source.display_path(), Arc::clone(source))
            .is_none()
        {
            self.files += 1;
        }
    }

    /// Records a file as looked at when its text could not be read.
    pub fn add_unreadable_file(&mut self) {
        self.files += 1;
    }

    /// Adds one finding.
    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// Adds several findings.
    pub fn extend(&mut self, findings: impl IntoIterator<Item = Finding>) {
        self.findings.extend(findings);
    }

    /// The findings sorted by file, line and column (stable for equal positions).
    pub fn findings(&mut self) -> &[Finding] {
        self.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        self.findings.dedup_by(|a, b| a.sort_key() == b.sort_key());
        &self.findings
    }

    /// Applies a function to every finding (used for severity overrides).
    pub fn retain_map(&mut self, mut f: impl FnMut(Finding) -> Option<Finding>) {
        self.findings = std::mem::take(&mut self.findings)
            .into_iter()
            .filter_map(&mut f)
            .collect();
    }

    /// The counts.
    pub fn summary(&self) -> Summary {
        Summary {
            files: self.files,
            errors: self
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Error)
                .count(),
            warnings: self
                .findings
                .iter()
                .filter(|f| f.severity == Severity::Warning)
                .count(),
        }
    }

    /// The JSON document PRODUCT.md fixes: `{"findings":[…],"summary":{…}}`, keys in its order.
    pub fn to_json(&mut self) -> String {
        #[derive(Serialize)]
        struct Json<'a> {
            findings: &'a [Finding],
            summary: Summary,
        }
        let summary = self.summary();
        let json = Json {
            findings: self.findings(),
            summary,
        };
        // Serialising plain structs of strings and numbers can't fail.
        serde_json::to_string(&json).unwrap_or_default()
    }

    /// Renders every finding for a person, then a summary line.
    pub fn render_text(&mut self, color: bool) -> String {
        let renderer = if color {
            Renderer::styled()
        } else {
            Renderer::plain()
        };
        let summary = self.summary();
        self.findings();
        let mut out = String::new();
        for finding in &self.findings {
            out.push_str(&render_finding(
                &renderer,
                finding,
                self.sources.get(&finding.file).map(|s| &**s),
            ));
            out.push_str("\n\n");
        }
        out.push_str(&summary_line(summary));
        out.push('\n');
        out
    }
}

/// "checked 7 files: 2 errors, 1 warning" — the last line of `herald check`.
pub fn summary_line(summary: Summary) -> String {
    let files = plural(summary.files, "file");
    if summary.errors == 0 && summary.warnings == 0 {
        return format!("checked {files}: no problems found");
    }
    format!(
        "checked {files}: {}, {}",
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning")
    )
}

/// "1 file", "2 files".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Renders one finding like a compiler does: the title with its code, `path:line:col`, the source
/// line with a caret under the span, and the help line.
pub fn render_finding(renderer: &Renderer, finding: &Finding, source: Option<&SourceFile>) -> String {
    let level = match finding.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
    };
    let title = level
        .primary_title(finding.message.as_str())
        .id(finding.code.as_str());
    let mut group = match (source, &finding.span) {
        (Some(source), Some(span)) => {
            let span = clamp_span(&source.text, span.clone());
            let mut annotation = AnnotationKind::Primary.span(span);
            if let Some(label) = &finding.label {
                annotation = annotation.label(label.as_str());
            }
            title.element(
                Snippet::source(source.text.as_str())
                    .path(finding.file.as_str())
                    .fold(true)
                    .annotation(annotation),
            )
        }
        _ => title.element(
            annotate_snippets::Origin::path(finding.file.as_str())
                .line(finding.line)
                .char_column(finding.column),
        ),
    };
    if let Some(help) = &finding.help {
        group = group.element(Level::HELP.message(help.as_str()));
    }
    renderer.render(&[group])
}

/// Keeps a span inside the text and on character boundaries.
fn clamp_span(text: &str, span: Range<usize>) -> Range<usize> {
    let mut start = span.start.min(text.len());
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    while !text.is_char_boundary(end) {
        end += 1;
    }
    start..end
}

/// The closest of `candidates` to `word`, if one is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let lower = word.to_lowercase();
    candidates
        .into_iter()
        .filter_map(|candidate| {
            let other = candidate.to_lowercase();
            let edits = strsim::osa_distance(&lower, &other);
            let similarity = strsim::jaro_winkler(&lower, &other);
            let allowed = (other.chars().count().max(lower.chars().count()) / 3).max(1);
            (edits <= allowed || similarity >= 0.85).then_some((edits, -similarity, candidate))
        })
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)))
        .map(|(_, _, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let src = SourceFile::new("a.md", "ab\nçd\n\nx");
        assert_eq!(src.line_col(0), (1, 1));
        assert_eq!(src.line_col(3), (2, 1));
        assert_eq!(src.line_col(5), (2, 2)); // after the two-byte ç
        assert_eq!(src.line_col(7), (3, 1));
        assert_eq!(src.line_col(8), (4, 1));
        assert_eq!(src.line_col(999), (4, 2));
    }

    #[test]
    fn code_names_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::from_name(code.as_str()), Some(*code));
        }
        assert_eq!(Code::ALL.len(), 30);
    }

    #[test]
    fn renders_like_a_compiler() {
        let src = SourceFile::new("content/posts/a.md", "+++\nchanels = []\n+++\nHello\n");
        let finding = Finding::at(&src, 4..11, Code::UnknownKey, "unknown key `chanels`")
            .help("did you mean `channels`?");
        let text = render_finding(&Renderer::plain(), &finding, Some(&src));
        assert_eq!(
            text,
            "error[unknown-key]: unknown key `chanels`\n --> content/posts/a.md:2:1\n  |\n2 | chanels = []\n  | ^^^^^^^\n  |\n  = help: did you mean `channels`?"
        );
    }

    #[test]
    fn suggestions_need_to_be_close() {
        let keys = ["channels", "campaign", "publish_at"];
        assert_eq!(did_you_mean("chanels", keys), Some("channels"));
        assert_eq!(did_you_mean("publish_time", keys), Some("publish_at"));
        assert_eq!(did_you_mean("zzz", keys), None);
        assert_eq!(did_you_mean("atl", ["path", "alt"]), Some("alt"));
        assert_eq!(did_you_mean("publishat", keys), Some("publish_at"));
    }
}
