//! `captions-missing`: every video needs a caption file (.srt or .vtt) that parses, with cues in
//! time order and text in each. A problem inside the caption file is reported at its line there.

use std::path::Path;

use super::Context;
use crate::approval::media_path;
use crate::content::Post;
use crate::diag::{Code, Finding, SourceFile};

/// One caption cue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, in milliseconds.
    pub start: u64,
    /// End, in milliseconds.
    pub end: u64,
    /// The text, lines joined with `\n`.
    pub text: String,
    /// The 1-based line of its timing line.
    pub line: usize,
}

/// Why a caption file doesn't parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct CaptionError {
    /// The 1-based line the problem is on.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

fn error(line: usize, message: impl Into<String>) -> CaptionError {
    CaptionError {
        line,
        message: message.into(),
    }
}

/// The caption formats herald reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// SubRip.
    Srt,
    /// WebVTT.
    Vtt,
}

impl Format {
    /// The format a file name says, if any.
    pub fn of(path: &str) -> Option<Format> {
        let ext = Path::new(path).extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "srt" => Some(Format::Srt),
            "vtt" => Some(Format::Vtt),
            _ => None,
        }
    }
}

/// Parses a caption file and checks its cues: at least one, each with text, ending after it
/// starts, in time order.
pub fn parse(text: &str, format: Format) -> Result<Vec<Cue>, CaptionError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut i = 0;
    if format == Format::Vtt {
        let first = lines.first().copied().unwrap_or("");
        let valid = first
            .strip_prefix("WEBVTT")
            .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']));
        if !valid {
            return Err(error(1, "a WebVTT file must start with `WEBVTT`"));
        }
        // The header runs to the first blank line.
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
    }
    let mut cues: Vec<Cue> = Vec::new();
    while i < lines.len() {
        if lines[i].trim().is_empty() {
            i += 1;
            continue;
        }
        // A block: lines up to the next blank line.
        let start = i;
        while i < lines.len() && !lines[i].trim().is_empty() {
            i += 1;
        }
        let block = &lines[start..i];
        if format == Format::Vtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|k| is_keyword_block(block[0], k))
        {
            continue;
        }
        // The timing line is the first or (after an identifier or SRT's number) the second line.
        let timing_at = if block[0].contains("-->") { 0 } else { 1 };
        if format == Format::Srt && timing_at == 1 && block[0].trim().parse::<u64>().is_err() {
            return Err(error(
                start + 1,
                format!("expected a cue number, found `{}`", block[0].trim()),
            ));
        }
        let Some(timing) = block.get(timing_at).filter(|l| l.contains("-->")) else {
            // A block of one line has no second line to point at: point at the one it has.
            return Err(error(
                start + timing_at.min(block.len() - 1) + 1,
                "expected a timing line like `00:00:01,000 --> 00:00:04,000`",
            ));
        };
        let line = start + timing_at + 1;
        let (from, to) = parse_timing(timing, format).ok_or_else(|| {
            error(
                line,
                format!(
                    "`{}` is not a timing line like `00:00:01,000 --> 00:00:04,000`",
                    timing.trim()
                ),
            )
        })?;
        let text = block[timing_at + 1..].join("\n");
        if text.trim().is_empty() {
            return Err(error(line, "this cue has no text"));
        }
        if to <= from {
            return Err(error(line, "this cue ends before it starts"));
        }
        if let Some(prev) = cues.last()
            && from < prev.start
        {
            return Err(error(
                line,
                format!(
                    "this cue starts before the one on line {} (cues must be in time order)",
                    prev.line
                ),
            ));
        }
        cues.push(Cue {
            start: from,
            end: to,
            text,
            line,
        });
    }
    if cues.is_empty() {
        return Err(error(lines.len().max(1), "the caption file has no cues"));
    }
    Ok(cues)
}

fn is_keyword_block(first: &str, keyword: &str) -> bool {
    first
        .strip_prefix(keyword)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

/// `00:00:01,000 --> 00:00:04,000` (SRT) or `00:01.000 --> 00:04.000 align:start` (VTT).
fn parse_timing(line: &str, format: Format) -> Option<(u64, u64)> {
    let (from, rest) = line.split_once("-->")?;
    let to = rest.split_whitespace().next()?;
    Some((parse_time(from.trim(), format)?, parse_time(to, format)?))
}

/// `hh:mm:ss,mmm` (SRT; `.` accepted too) or `[hh:]mm:ss.mmm` (VTT), in milliseconds.
fn parse_time(text: &str, format: Format) -> Option<u64> {
    let (clock, millis) = text.rsplit_once(['.', ','])?;
    if format == Format::Vtt && text.contains(',') {
        return None;
    }
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let numbers: Option<Vec<u64>> = parts
        .iter()
        .map(|p| {
            (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .then(|| p.parse().ok())
                .flatten()
        })
        .collect();
    let numbers = numbers?;
    let (h, m, s) = match (format, numbers.as_slice()) {
        (_, [h, m, s]) => (*h, *m, *s),
        (Format::Vtt, [m, s]) => (0, *m, *s),
        _ => return None,
    };
    if m > 59 || s > 59 {
        return None;
    }
    // Hours are unbounded in both formats; a time too large to count is not a time.
    h.checked_mul(3600)?
        .checked_add(m * 60 + s)?
        .checked_mul(1000)?
        .checked_add(millis.parse::<u64>().ok()?)
}

/// Checks each video's captions.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    for (i, video) in post.spec.videos.iter().enumerate() {
        let n = i + 1;
        let Some(written) = video.captions.as_deref() else {
            findings.push(
                post.finding_at(&format!("videos[{i}].path"), Code::CaptionsMissing, format!("video {n} has no captions"))
                    .help("add `captions = \"media/….vtt\"`: a WebVTT or SubRip file, so people who can't hear it can follow"),
            );
            continue;
        };
        let key = format!("videos[{i}].captions");
        let Some(format) = Format::of(written) else {
            findings.push(
                post.finding_at(
                    &key,
                    Code::CaptionsMissing,
                    format!("`{written}` is not a .srt or .vtt caption file"),
                )
                .help("platforms take captions as WebVTT (.vtt) or SubRip (.srt)"),
            );
            continue;
        };
        // A file that is missing or outside the content folder is media-missing's to report.
        let Ok(path) = media_path(&ctx.calendar.dir, written) else {
            continue;
        };
        if !path.is_file() {
            continue;
        }
        let text = match crate::content::read_text(&path) {
            Ok(text) => text,
            Err(e) => {
                findings.push(
                    post.finding_at(
                        &key,
                        Code::CaptionsMissing,
                        format!("can't read the captions `{written}`: {e}"),
                    )
                    .help("captions are UTF-8 text files in WebVTT (.vtt) or SubRip (.srt) format"),
                );
                continue;
            }
        };
        if let Err(e) = parse(&text, format) {
            let start: usize = text.split_inclusive('\n').take(e.line - 1).map(str::len).sum();
            let source = SourceFile::new(&path, text);
            let end = source.text[start..]
                .find('\n')
                .map_or(source.text.len(), |n| start + n);
            findings.push(
                Finding::at(
                    &source,
                    start..end,
                    Code::CaptionsMissing,
                    format!("the captions for video {n} don't parse: {e}"),
                )
                .help(format!(
                    "fix the caption file, which `{}` points to",
                    crate::diag::display_path(post.path())
                )),
            );
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const VTT: &str = "WEBVTT\n\nNOTE made by hand\n\n1\n00:01.000 --> 00:04.000 align:start\nFlu can be serious.\n\n00:00:04.500 --> 00:00:08.000\nBook your jab today.\n";
    const SRT: &str = "1\n00:00:01,000 --> 00:00:04,000\nFlu can be serious.\n\n2\n00:00:04,500 --> 00:00:08,000\nBook your jab\ntoday.\n";

    /// Inputs the fuzzer (`fuzz/`, target `captions`) found, kept as regressions.
    #[test]
    fn fuzz_regressions() {
        // A one-line block without a timing: the error pointed at line 4 of a 3-line file.
        let crash = "WEBVTT\n\n00:00:052000 -lcome to the clin)c.\n";
        assert_eq!(
            parse(crash, Format::Vtt),
            Err(error(
                3,
                "expected a timing line like `00:00:01,000 --> 00:00:04,000`"
            ))
        );
        assert_eq!(parse("1\n", Format::Srt).unwrap_err().line, 1);
        // Hours so large that the time in milliseconds overflowed (a panic in debug builds).
        let huge = "1\n18446744073709551615:00:00,000 --> 18446744073709551615:00:01,000\nHi\n";
        assert_eq!(
            parse(huge, Format::Srt).unwrap_err().message,
            "`18446744073709551615:00:00,000 --> 18446744073709551615:00:01,000` is not a timing line like `00:00:01,000 --> 00:00:04,000`"
        );
        for input in [crash, huge, "1\n", "WEBVTT\n\nx\n"] {
            crate::fuzzing::captions(input.as_bytes());
        }
    }

    #[test]
    fn parses_good_files() {
        let cues = parse(VTT, Format::Vtt).unwrap();
        assert_eq!(cues.len(), 2);
        assert_eq!((cues[0].start, cues[0].end, cues[0].line), (1000, 4000, 6));
        let cues = parse(SRT, Format::Srt).unwrap();
        assert_eq!(cues[1].text, "Book your jab\ntoday.");
        assert_eq!(cues[1].start, 4500);
        // Windows line ends and a byte-order mark are fine.
        assert!(parse(&format!("\u{feff}{}", SRT.replace('\n', "\r\n")), Format::Srt).is_ok());
    }

    #[test]
    fn reports_the_line_of_each_problem() {
        let line = |text: &str, format| parse(text, format).unwrap_err().line;
        assert_eq!(line("1\n00:00:01,000 --> 00:00:04,000\nHi\n", Format::Vtt), 1);
        assert_eq!(
            line(
                "WEBVTT\n\n00:05.000 --> 00:06.000\nA\n\n00:01.000 --> 00:02.000\nB\n",
                Format::Vtt
            ),
            6
        );
        assert_eq!(line("1\n00:00:01,000 --> 00:00:04,000\n\n", Format::Srt), 2);
        assert_eq!(line("1\n00:00:01,000 --> 00:00:04,000\n   \n", Format::Srt), 2);
        assert_eq!(line("1\n00:00:04,000 --> 00:00:01,000\nHi\n", Format::Srt), 2);
        assert_eq!(line("1\n00:00:01 --> 00:00:04\nHi\n", Format::Srt), 2);
        assert_eq!(line("one\n00:00:01,000 --> 00:00:04,000\nHi\n", Format::Srt), 1);
        assert_eq!(line("WEBVTT\n", Format::Vtt), 1);
        assert_eq!(line("WEBVTTX\n\n", Format::Vtt), 1);
    }

    #[test]
    fn flags_videos_without_usable_captions() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        std::fs::create_dir(&media).unwrap();
        std::fs::write(media.join("good.vtt"), VTT).unwrap();
        std::fs::write(
            media.join("bad.srt"),
            "1\n00:00:01,000 --> 00:00:04,000\nA\n\n2\n00:00:00,500 --> 00:00:02,000\nB\n",
        )
        .unwrap();
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[[videos]]\npath = \"media/a.mp4\"\ncaptions = \"media/good.vtt\"\n[[videos]]\npath = \"media/b.mp4\"\n[[videos]]\npath = \"media/c.mp4\"\ncaptions = \"media/bad.srt\"\n[[videos]]\npath = \"media/d.mp4\"\ncaptions = \"media/d.txt\"\n[[videos]]\npath = \"media/e.mp4\"\ncaptions = \"media/gone.vtt\"",
            "Hi",
        );
        let findings = run_rule(check, &config(""), dir.path(), &p);
        let got: Vec<_> = findings
            .iter()
            .map(|f| {
                (
                    f.file.rsplit('/').next().unwrap().to_owned(),
                    f.line,
                    f.message.as_str(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("p.md".to_owned(), 8, "video 2 has no captions"),
                (
                    "bad.srt".to_owned(),
                    6,
                    "the captions for video 3 don't parse: this cue starts before the one on line 2 (cues must be in time order)"
                ),
                (
                    "p.md".to_owned(),
                    14,
                    "`media/d.txt` is not a .srt or .vtt caption file"
                ),
            ]
        );
    }
}
