//! Office hours: the only place in herald where wall-clock rules and time zones live.
//!
//! Everything else works in UTC instants (`DateTime<Utc>`) and asks this module whether the team is
//! open, when it opens or closes next, and what instant a local time written in content means.
//! Offsets are never cached: every conversion asks the zone database for that instant.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

/// The zone herald uses unless `timezone` says otherwise.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::London;

/// How far ahead herald looks for an opening before concluding there is none.
const SEARCH_DAYS: i64 = 400;

/// One open range within a day, in local wall-clock time. `end` of `None` means midnight at the
/// end of the day ("24:00").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Range {
    /// Opening time.
    pub start: NaiveTime,
    /// Closing time; `None` is the end of the day.
    pub end: Option<NaiveTime>,
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.end {
            Some(end) => write!(f, "{}-{}", self.start.format("%H:%M"), end.format("%H:%M")),
            None => write!(f, "{}-24:00", self.start.format("%H:%M")),
        }
    }
}

/// Why a day's hours couldn't be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct HoursSyntaxError(pub String);

/// Parses a day's hours: `"09:00-17:00"`, `"09:00-12:30,13:30-17:00"`, or `"closed"` / `""`.
pub fn parse_day(text: &str) -> Result<Vec<Range>, HoursSyntaxError> {
    let trimmed = text.trim();
    if trimmed.is_empty() || trimmed.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut ranges = Vec::new();
    for part in trimmed.split(',') {
        let part = part.trim();
        let (start, end) = part.split_once('-').ok_or_else(|| {
            HoursSyntaxError(format!("`{part}` is not a range: write it like `09:00-17:00`"))
        })?;
        let start = parse_clock(start.trim())?;
        let end = match end.trim() {
            "24:00" => None,
            other => Some(parse_clock(other)?),
        };
        if let Some(end) = end
            && end <= start
        {
            return Err(HoursSyntaxError(format!(
                "`{part}` closes before it opens: ranges can't cross midnight, so split it at 24:00"
            )));
        }
        ranges.push(Range { start, end });
    }
    ranges.sort();
    for pair in ranges.windows(2) {
        let end = pair[0].end.unwrap_or(NaiveTime::MIN);
        if pair[0].end.is_none() || end > pair[1].start {
            return Err(HoursSyntaxError(format!(
                "`{}` and `{}` overlap",
                pair[0], pair[1]
            )));
        }
    }
    Ok(ranges)
}

fn parse_clock(text: &str) -> Result<NaiveTime, HoursSyntaxError> {
    NaiveTime::parse_from_str(text, "%H:%M").map_err(|_| {
        HoursSyntaxError(format!(
            "`{text}` is not a time: use 24-hour `HH:MM`, like `09:00`"
        ))
    })
}

/// Opening hours for each day of the week (Monday first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Weekly {
    days: [Vec<Range>; 7],
}

impl Weekly {
    /// Hours from a list per weekday, Monday first.
    pub fn new(days: [Vec<Range>; 7]) -> Self {
        Weekly { days }
    }

    /// 09:00–17:00 Monday to Friday: herald's default.
    pub fn nine_to_five() -> Self {
        let day = vec![Range {
            start: NaiveTime::from_hms_opt(9, 0, 0).unwrap_or(NaiveTime::MIN),
            end: NaiveTime::from_hms_opt(17, 0, 0),
        }];
        Weekly {
            days: [
                day.clone(),
                day.clone(),
                day.clone(),
                day.clone(),
                day,
                Vec::new(),
                Vec::new(),
            ],
        }
    }

    /// The ranges for a weekday.
    pub fn day(&self, weekday: Weekday) -> &[Range] {
        &self.days[weekday.num_days_from_monday() as usize]
    }
}

/// What a local wall-clock time in content means as an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    /// Exactly one instant.
    Unique(DateTime<Utc>),
    /// The clocks went back, so the time happened twice.
    Ambiguous {
        /// The first occurrence (summer time).
        earlier: DateTime<Utc>,
        /// The second occurrence (winter time).
        later: DateTime<Utc>,
    },
    /// The clocks went forward over it, so it never happened.
    Nonexistent {
        /// The first instant after the gap.
        next_valid: DateTime<Utc>,
    },
}

/// A team's office hours in one zone: the weekly pattern, the days off, and extra closures.
#[derive(Debug, Clone)]
pub struct OfficeHours {
    zone: Tz,
    weekly: Weekly,
    closed_days: BTreeSet<NaiveDate>,
    closures: Vec<(DateTime<Utc>, DateTime<Utc>)>,
}

impl OfficeHours {
    /// Office hours with a weekly pattern in a zone, no days off and no closures.
    pub fn new(zone: Tz, weekly: Weekly) -> Self {
        OfficeHours {
            zone,
            weekly,
            closed_days: BTreeSet::new(),
            closures: Vec::new(),
        }
    }

    /// Adds whole days on which the team is closed (bank holidays).
    #[must_use]
    pub fn with_closed_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.closed_days.extend(days);
        self
    }

    /// Adds closed periods, as instants (start inclusive, end exclusive).
    #[must_use]
    pub fn with_closures(
        mut self,
        closures: impl IntoIterator<Item = (DateTime<Utc>, DateTime<Utc>)>,
    ) -> Self {
        self.closures.extend(closures);
        self.closures.sort();
        self
    }

    /// The zone the hours are in.
    pub fn zone(&self) -> Tz {
        self.zone
    }

    /// The weekly pattern.
    pub fn weekly(&self) -> &Weekly {
        &self.weekly
    }

    /// An instant in the office's zone.
    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.zone)
    }

    /// What a local wall-clock time means in this zone.
    pub fn resolve(&self, local: NaiveDateTime) -> LocalTime {
        resolve_in(self.zone, local)
    }

    /// Whether the team is open at an instant.
    pub fn is_open(&self, instant: DateTime<Utc>) -> bool {
        self.period_containing(instant).is_some()
    }

    /// The instant the team is next open: `instant` itself if open now. `None` if the hours never
    /// open within the next year or so.
    pub fn next_open(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if self.is_open(instant) {
            return Some(instant);
        }
        self.periods_from(instant).next().map(|(start, _)| start)
    }

    /// The instant the team next closes: the end of the current open period, or of the next one
    /// if closed now.
    pub fn next_close(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.periods_from(instant).next().map(|(_, end)| end)
    }

    /// The open period containing an instant, if any.
    pub fn period_containing(&self, instant: DateTime<Utc>) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.periods_from(instant)
            .next()
            .filter(|(start, end)| *start <= instant && instant < *end)
    }

    /// Open periods (start inclusive, end exclusive) that end after `instant`, in order.
    pub fn periods_from(
        &self,
        instant: DateTime<Utc>,
    ) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> + '_ {
        let first_day = self.local(instant).date_naive() - Duration::days(1);
        (0..SEARCH_DAYS)
            .filter_map(move |n| first_day.checked_add_signed(Duration::days(n)))
            .flat_map(move |date| self.day_periods(date))
            .filter(move |(_, end)| *end > instant)
    }

    /// The open periods of one local date, as instants, after days off and closures.
    pub fn day_periods(&self, date: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.closed_days.contains(&date) {
            return Vec::new();
        }
        let mut periods = Vec::new();
        for range in self.weekly.day(date.weekday()) {
            let start = self.boundary(date.and_time(range.start));
            let end = match range.end {
                Some(end) => self.boundary(date.and_time(end)),
                None => match date.succ_opt() {
                    Some(next) => self.boundary(next.and_time(NaiveTime::MIN)),
                    None => continue,
                },
            };
            if start < end {
                subtract_closures(start, end, &self.closures, &mut periods);
            }
        }
        periods
    }

    /// The instant a range boundary means: the earlier one when the time happens twice, the end
    /// of the gap when it doesn't happen at all.
    fn boundary(&self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.resolve(local) {
            LocalTime::Unique(t) => t,
            LocalTime::Ambiguous { earlier, .. } => earlier,
            LocalTime::Nonexistent { next_valid } => next_valid,
        }
    }
}

/// What a local wall-clock time means in a zone.
pub fn resolve_in(zone: Tz, local: NaiveDateTime) -> LocalTime {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => LocalTime::Unique(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            LocalTime::Ambiguous {
                earlier: a.min(b),
                later: a.max(b),
            }
        }
        LocalResult::None => LocalTime::Nonexistent {
            next_valid: first_instant_at_or_after(zone, local),
        },
    }
}

/// The first instant whose local time is at or after `local` (for a time in a gap: the moment
/// the clocks jumped). Wall-clock time only moves backwards at an overlap, and no zone has a gap
/// and an overlap within a day of each other, so bisection over a day either side is exact.
fn first_instant_at_or_after(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let wall = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| t.with_timezone(&zone).naive_local());
    let day = 26 * 3600;
    let guess = local.and_utc().timestamp();
    let (mut lo, mut hi) = (guess - day, guess + day);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if wall(mid).is_none_or(|w| w >= local) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0).unwrap_or_else(|| local.and_utc())
}

fn subtract_closures(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    closures: &[(DateTime<Utc>, DateTime<Utc>)],
    out: &mut Vec<(DateTime<Utc>, DateTime<Utc>)>,
) {
    let mut cursor = start;
    for &(c_start, c_end) in closures {
        if c_end <= cursor || c_start >= end {
            continue;
        }
        if c_start > cursor {
            out.push((cursor, c_start));
        }
        cursor = cursor.max(c_end);
        if cursor >= end {
            return;
        }
    }
    if cursor < end {
        out.push((cursor, end));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .unwrap()
    }

    fn local(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn london() -> OfficeHours {
        OfficeHours::new(DEFAULT_ZONE, Weekly::nine_to_five())
    }

    #[test]
    fn parses_day_ranges() {
        let day = parse_day("13:30-17:00, 09:00-12:30").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(day[0].to_string(), "09:00-12:30");
        assert_eq!(parse_day("closed").unwrap(), vec![]);
        assert_eq!(parse_day("22:00-24:00").unwrap()[0].end, None);
        assert!(parse_day("9-5").is_err());
        assert!(
            parse_day("17:00-09:00")
                .unwrap_err()
                .0
                .contains("closes before it opens")
        );
        assert!(
            parse_day("09:00-13:00,12:00-17:00")
                .unwrap_err()
                .0
                .contains("overlap")
        );
    }

    #[test]
    fn open_on_weekdays_in_local_time_on_both_sides_of_the_clock_change() {
        let hours = london();
        // Winter: 09:00 London is 09:00 UTC.
        assert!(hours.is_open(utc("2026-12-01T09:00:00Z")));
        assert!(!hours.is_open(utc("2026-12-01T08:59:59Z")));
        assert!(!hours.is_open(utc("2026-12-01T17:00:00Z")));
        // Summer: 09:00 London is 08:00 UTC.
        assert!(hours.is_open(utc("2026-07-01T08:00:00Z")));
        assert!(!hours.is_open(utc("2026-07-01T16:00:00Z")));
        // Saturday.
        assert!(!hours.is_open(utc("2026-12-05T12:00:00Z")));
    }

    #[test]
    fn next_open_and_close() {
        let hours = london();
        // Friday evening 25 Oct 2026 → Monday 26 Oct, after the clocks went back on Sunday.
        let friday = utc("2026-10-23T18:00:00Z");
        assert_eq!(hours.next_open(friday), Some(utc("2026-10-26T09:00:00Z")));
        assert_eq!(hours.next_close(friday), Some(utc("2026-10-26T17:00:00Z")));
        // Open now: next_open is now, next_close is today's close (BST: 16:00 UTC).
        let now = utc("2026-10-23T10:00:00Z");
        assert_eq!(hours.next_open(now), Some(now));
        assert_eq!(hours.next_close(now), Some(utc("2026-10-23T16:00:00Z")));
    }

    #[test]
    fn closed_days_and_closures() {
        let christmas = NaiveDate::from_ymd_opt(2026, 12, 25).unwrap();
        let hours = london()
            .with_closed_days([christmas])
            .with_closures([(utc("2026-12-24T13:00:00Z"), utc("2026-12-24T17:00:00Z"))]);
        assert!(hours.is_open(utc("2026-12-24T12:59:00Z")));
        assert!(!hours.is_open(utc("2026-12-24T13:00:00Z")));
        assert_eq!(
            hours.next_close(utc("2026-12-24T10:00:00Z")),
            Some(utc("2026-12-24T13:00:00Z"))
        );
        assert!(!hours.is_open(utc("2026-12-25T10:00:00Z")));
    }

    #[test]
    fn resolves_gaps_and_overlaps() {
        let hours = london();
        assert_eq!(
            hours.resolve(local("2026-03-29T01:30")),
            LocalTime::Nonexistent {
                next_valid: utc("2026-03-29T01:00:00Z")
            }
        );
        assert_eq!(
            hours.resolve(local("2026-10-25T01:30")),
            LocalTime::Ambiguous {
                earlier: utc("2026-10-25T00:30:00Z"),
                later: utc("2026-10-25T01:30:00Z"),
            }
        );
        assert_eq!(
            hours.resolve(local("2026-10-25T10:00")),
            LocalTime::Unique(utc("2026-10-25T10:00:00Z"))
        );
    }
}
