//! Closures written in config (`2026-12-24T13:00/2026-12-24T17:00`) and instants typed on the
//! command line, read in the office's zone with gaps and overlaps reported, never guessed.

use std::ops::Range;

use chrono::{DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::words::{clock_change, offset_text};
use super::{LocalTime, Period, resolve_in};

/// Why a closure or an instant couldn't be read, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ClosureError {
    /// What is wrong.
    pub message: String,
    /// What to write instead.
    pub help: String,
    /// The bytes of the text the problem is in.
    pub span: Range<usize>,
}

/// Which end of a closure a point is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    /// A start: a bare date means the start of that day.
    Start,
    /// An end: a bare date means the end of that day (the whole day is closed).
    End,
    /// One instant: a bare date means its start.
    Instant,
}

/// Reads a closure, `START/END`, each a wall time in the zone (`2026-12-24T13:00`), a time with
/// an explicit offset (`2026-10-25T01:30+01:00`), or a date (`2026-12-24`: from the start of
/// that day, or to its end). Returns the closed period (start inclusive, end exclusive).
pub fn parse_closure(text: &str, zone: Tz) -> Result<Period, ClosureError> {
    let whole = 0..text.len();
    let Some((start_text, end_text)) = text.split_once('/') else {
        return Err(ClosureError {
            message: format!("`{text}` is not a closure: it needs a start and an end"),
            help: "write it like \"2026-12-24T13:00/2026-12-24T17:00\" (local times), or \
                   \"2026-12-24/2026-12-24\" for whole days"
                .to_owned(),
            span: whole,
        });
    };
    let end_offset = start_text.len() + 1;
    let start = parse_point(zone, start_text, Side::Start).map_err(|e| shift(e, 0, start_text))?;
    let end = parse_point(zone, end_text, Side::End).map_err(|e| shift(e, end_offset, end_text))?;
    if end <= start {
        return Err(ClosureError {
            message: format!(
                "the closure `{text}` ends before it starts ({} is not after {})",
                end_text.trim(),
                start_text.trim()
            ),
            help: "write the start first, then `/`, then the end".to_owned(),
            span: whole,
        });
    }
    Ok((start, end))
}

/// Moves an error's span from the part to the whole text.
fn shift(mut e: ClosureError, offset: usize, part: &str) -> ClosureError {
    let lead = part.len() - part.trim_start().len();
    e.span = offset + lead + e.span.start..offset + lead + e.span.end;
    e
}

/// Reads one point in time (see [`parse_closure`]); the span in errors is relative to the
/// trimmed text.
pub(crate) fn parse_point(zone: Tz, text: &str, side: Side) -> Result<DateTime<Utc>, ClosureError> {
    let trimmed = text.trim();
    let span = 0..trimmed.len();
    if let Some(fixed) = parse_fixed(trimmed) {
        return Ok(super::fixed_instant(fixed));
    }
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        && side != Side::Instant
    {
        let day = match side {
            Side::End => date.checked_add_days(Days::new(1)).unwrap_or(date),
            _ => date,
        };
        return Ok(match resolve_in(zone, day.and_time(NaiveTime::MIN)) {
            LocalTime::Unique(t) | LocalTime::Ambiguous { earlier: t, .. } => t,
            LocalTime::Nonexistent { next_valid } => next_valid,
        });
    }
    let Some(local) = parse_local(trimmed) else {
        return Err(ClosureError {
            message: format!("`{trimmed}` is not a date and time"),
            help: match side {
                Side::Instant => {
                    "write it like 2026-12-28T10:00 (local time) or 2026-12-28T10:00:00Z".to_owned()
                }
                _ => "write local times like 2026-12-24T13:00, or a date like 2026-12-24 for a whole day"
                    .to_owned(),
            },
            span,
        });
    };
    match resolve_in(zone, local) {
        LocalTime::Unique(t) => Ok(t),
        LocalTime::Ambiguous { earlier, later } => {
            let written = local.format("%Y-%m-%dT%H:%M");
            let change = clock_change(zone, later)
                .map(|c| format!(": {}", c.describe()))
                .unwrap_or_default();
            Err(ClosureError {
                message: format!("`{trimmed}` happens twice in {}{change}", zone.name()),
                help: format!(
                    "give an explicit offset: {written}{} for the first time, or {written}{} for the second",
                    offset_text(zone, earlier),
                    offset_text(zone, later)
                ),
                span,
            })
        }
        LocalTime::Nonexistent { next_valid } => {
            let written = local.format("%Y-%m-%dT%H:%M");
            let change = clock_change(zone, next_valid);
            let before = next_valid - chrono::Duration::seconds(1);
            Err(ClosureError {
                message: format!(
                    "`{trimmed}` never happens in {}{}",
                    zone.name(),
                    change.map(|c| format!(": {}", c.describe())).unwrap_or_default()
                ),
                help: format!(
                    "write {} (just after the change), or give an explicit offset like {written}{}",
                    super::local_in(zone, next_valid).format("%Y-%m-%dT%H:%M"),
                    offset_text(zone, before)
                ),
                span,
            })
        }
    }
}

fn parse_fixed(text: &str) -> Option<DateTime<FixedOffset>> {
    let text = text.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&text) {
        return Some(t);
    }
    for format in ["%Y-%m-%dT%H:%M%:z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(t) = DateTime::parse_from_str(&text, format) {
            return Some(t);
        }
    }
    let z = text.strip_suffix('Z').or_else(|| text.strip_suffix('z'))?;
    parse_local(z).map(|local| local.and_utc().fixed_offset())
}

fn parse_local(text: &str) -> Option<NaiveDateTime> {
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::DEFAULT_ZONE;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn reads_local_closures_in_the_zone() {
        assert_eq!(
            parse_closure("2026-12-24T13:00/2026-12-24T17:00", DEFAULT_ZONE).unwrap(),
            (utc("2026-12-24T13:00:00Z"), utc("2026-12-24T17:00:00Z"))
        );
        // Summer time: 13:00 BST is 12:00 UTC.
        assert_eq!(
            parse_closure("2026-07-01T13:00 / 2026-07-01T14:30:00", DEFAULT_ZONE).unwrap(),
            (utc("2026-07-01T12:00:00Z"), utc("2026-07-01T13:30:00Z"))
        );
        // Whole days, inclusive.
        assert_eq!(
            parse_closure("2026-12-29/2026-12-31", DEFAULT_ZONE).unwrap(),
            (utc("2026-12-29T00:00:00Z"), utc("2027-01-01T00:00:00Z"))
        );
        // An explicit offset is exact, even in an overlap.
        assert_eq!(
            parse_closure("2026-10-25T01:30+01:00/2026-10-25T01:30+00:00", DEFAULT_ZONE).unwrap(),
            (utc("2026-10-25T00:30:00Z"), utc("2026-10-25T01:30:00Z"))
        );
    }

    #[test]
    fn reports_each_problem_where_it_is() {
        let e = parse_closure("2026-12-24T17:00/2026-12-24T13:00", DEFAULT_ZONE).unwrap_err();
        assert!(e.message.contains("ends before it starts"), "{}", e.message);
        assert_eq!(e.span, 0..33);

        let text = "2027-03-28T00:30/2027-03-28T01:30";
        let e = parse_closure(text, DEFAULT_ZONE).unwrap_err();
        assert_eq!(&text[e.span.clone()], "2027-03-28T01:30");
        assert_eq!(
            e.message,
            "`2027-03-28T01:30` never happens in Europe/London: the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027"
        );
        assert_eq!(
            e.help,
            "write 2027-03-28T02:00 (just after the change), or give an explicit offset like 2027-03-28T01:30+00:00"
        );

        let text = " 2026-10-25T01:30/2026-10-25T03:00";
        let e = parse_closure(text, DEFAULT_ZONE).unwrap_err();
        assert_eq!(&text[e.span.clone()], "2026-10-25T01:30");
        assert_eq!(
            e.message,
            "`2026-10-25T01:30` happens twice in Europe/London: the clocks go back from 02:00 to 01:00 on Sunday 25 October 2026"
        );
        assert_eq!(
            e.help,
            "give an explicit offset: 2026-10-25T01:30+01:00 for the first time, or 2026-10-25T01:30+00:00 for the second"
        );

        let e = parse_closure("Christmas Eve", DEFAULT_ZONE).unwrap_err();
        assert!(e.message.contains("needs a start and an end"));
        let e = parse_closure("2026-12-24T13:00/soon", DEFAULT_ZONE).unwrap_err();
        assert_eq!(e.span, 17..21);
    }

    #[test]
    fn reads_command_line_instants() {
        let zone = DEFAULT_ZONE;
        let at = |s| parse_point(zone, s, Side::Instant);
        assert_eq!(at("2026-12-28T10:00:00Z").unwrap(), utc("2026-12-28T10:00:00Z"));
        assert_eq!(at("2026-07-01T10:00").unwrap(), utc("2026-07-01T09:00:00Z"));
        assert_eq!(at("2026-07-01 10:00").unwrap(), utc("2026-07-01T09:00:00Z"));
        assert_eq!(at("2026-07-01T10:00+02:00").unwrap(), utc("2026-07-01T08:00:00Z"));
        assert_eq!(at("2026-07-01T10:00Z").unwrap(), utc("2026-07-01T10:00:00Z"));
        assert!(at("2026-10-25T01:30").is_err());
        assert!(at("tomorrow").is_err());
    }
}
