//! Office hours: the only place in herald where wall-clock rules and time zones live.
//!
//! Everything else works in UTC instants (`DateTime<Utc>`) and asks this module whether the team is
//! open, when it opens or closes next, and what instant a local time written in content means.
//! Offsets are never cached: every conversion asks the zone database for that instant.
//!
//! - [`OfficeHours`]: a weekly pattern in a zone, minus bank holidays ([`Holidays`]), extra closed
//!   days and closures. Queries ([`OfficeHours::is_open`], [`OfficeHours::next_open`],
//!   [`OfficeHours::next_close`]) allocate nothing and jump straight to the next day with hours.
//! - [`holidays`]: GOV.UK's bank holidays, bundled and from a file, and the rules past them.
//! - [`parse_closure`]: `2026-12-24T13:00/2026-12-24T17:00` in the zone, gaps and overlaps reported.
//! - [`words`]: instants as a person in the UK writes them ("09:00 on Tuesday 29 December 2026").
//! - [`observances`]: the zone's standard and summer time over a span, for calendar files.

mod closures;
pub mod holidays;
mod observances;
pub mod words;

use std::fmt;
use std::sync::Arc;

use chrono::{
    DateTime, Datelike, Days, Duration, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime,
    TimeZone, Utc, Weekday,
};
use chrono_tz::Tz;

pub use closures::{ClosureError, parse_closure};
pub use holidays::{Division, Holiday, HolidaySource, Holidays, HolidaysError};
pub use observances::{Observance, calendar_wall_time, days_later, observances};
pub use words::{
    ClockChange, clock_change, clock_in_words, date_in_words, date_time_in_words, when_in_words,
};

use holidays::DaySet;

/// The zone herald uses unless `timezone` says otherwise.
pub const DEFAULT_ZONE: Tz = chrono_tz::Europe::London;

/// How many days with hours herald looks at for an opening before concluding there is none.
const SEARCH_DAYS: u32 = 400;

/// How many touching open pieces (days open until midnight and from midnight) are joined into
/// one period before herald stops joining: a period longer than this is reported in parts, and
/// [`OfficeHours::next_close`] says there is no close in sight.
const MERGE_LIMIT: u32 = 400;

/// An open period: start inclusive, end exclusive.
pub type Period = (DateTime<Utc>, DateTime<Utc>);

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

    /// Whether no day has any hours.
    pub fn is_empty(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
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

impl LocalTime {
    /// The instant, when there is exactly one.
    pub fn unique(self) -> Option<DateTime<Utc>> {
        match self {
            LocalTime::Unique(t) => Some(t),
            _ => None,
        }
    }
}

/// Why the team is closed at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closed {
    /// A bank holiday.
    Holiday(Holiday),
    /// A day added with [`OfficeHours::with_closed_days`].
    ClosedDay(NaiveDate),
    /// Within a closure (start inclusive, end exclusive).
    Closure(Period),
    /// Outside the weekly hours.
    OutsideHours,
}

/// One local date's hours (see [`OfficeHours::days`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHours {
    /// The date.
    pub date: NaiveDate,
    /// The instant the date starts.
    pub start: DateTime<Utc>,
    /// The instant the next date starts.
    pub end: DateTime<Utc>,
    /// Open periods, each range on its own.
    pub periods: Vec<Period>,
    /// The bank holiday, if it is one.
    pub holiday: Option<Holiday>,
    /// Whether it is a day off added with [`OfficeHours::with_closed_days`].
    pub closed_day: bool,
    /// Closures within the date (clipped to it).
    pub closures: Vec<Period>,
    /// The clock change on the date, if any.
    pub clock_change: Option<ClockChange>,
}

/// A team's office hours in one zone: the weekly pattern, bank holidays, other days off, and
/// extra closures.
#[derive(Debug, Clone)]
pub struct OfficeHours {
    zone: Tz,
    weekly: Weekly,
    /// For each weekday (Monday first): days until the next weekday with hours (0: this one), or
    /// `None` when no day has hours.
    skip: [Option<u8>; 7],
    holidays: Option<Arc<Holidays>>,
    closed_days: DaySet,
    /// Sorted, disjoint.
    closures: Vec<Period>,
}

impl OfficeHours {
    /// Office hours with a weekly pattern in a zone, no days off and no closures.
    pub fn new(zone: Tz, weekly: Weekly) -> Self {
        let mut skip = [None; 7];
        for (w, slot) in skip.iter_mut().enumerate() {
            *slot = (0..7u8).find(|k| !weekly.days[(w + usize::from(*k)) % 7].is_empty());
        }
        OfficeHours {
            zone,
            weekly,
            skip,
            holidays: None,
            closed_days: DaySet::default(),
            closures: Vec::new(),
        }
    }

    /// Closes on a division's bank holidays (replacing any set before).
    #[must_use]
    pub fn with_holidays(mut self, holidays: Arc<Holidays>) -> Self {
        self.holidays = Some(holidays);
        self
    }

    /// Adds whole days on which the team is closed.
    #[must_use]
    pub fn with_closed_days(mut self, days: impl IntoIterator<Item = NaiveDate>) -> Self {
        for day in days {
            self.closed_days.insert(day.num_days_from_ce());
        }
        self
    }

    /// Adds closed periods, as instants (start inclusive, end exclusive).
    #[must_use]
    pub fn with_closures(mut self, closures: impl IntoIterator<Item = Period>) -> Self {
        self.closures.extend(closures.into_iter().filter(|(s, e)| s < e));
        self.closures.sort();
        let mut merged: Vec<Period> = Vec::with_capacity(self.closures.len());
        for (start, end) in self.closures.drain(..) {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        self.closures = merged;
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

    /// The bank holidays the team closes on, if any.
    pub fn holidays(&self) -> Option<&Arc<Holidays>> {
        self.holidays.as_ref()
    }

    /// The closures (sorted, overlapping ones joined).
    pub fn closures(&self) -> &[Period] {
        &self.closures
    }

    /// An instant in the office's zone.
    pub fn local(&self, instant: DateTime<Utc>) -> DateTime<Tz> {
        instant.with_timezone(&self.zone)
    }

    /// What a local wall-clock time means in this zone.
    pub fn resolve(&self, local: NaiveDateTime) -> LocalTime {
        resolve_in(self.zone, local)
    }

    /// The bank holiday on a local date, if the team closes for one.
    pub fn holiday_on(&self, date: NaiveDate) -> Option<Holiday> {
        self.holidays.as_ref()?.get(date)
    }

    /// Whether the team is closed all day on a local date (a bank holiday or a day off).
    pub fn is_closed_day(&self, date: NaiveDate) -> bool {
        self.holidays.as_ref().is_some_and(|h| h.contains(date))
            || self.closed_days.contains(date.num_days_from_ce())
    }

    /// Whether the team is open at an instant.
    pub fn is_open(&self, instant: DateTime<Utc>) -> bool {
        self.search(instant, true).is_some()
    }

    /// The instant the team is next open: `instant` itself if open now. `None` if the hours never
    /// open within the next year or so.
    pub fn next_open(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.search(instant, false).map(|(start, _)| start.max(instant))
    }

    /// The instant the team next closes: the end of the current open period, or of the next one
    /// if closed now. `None` if it doesn't close (or open) within the next year or so.
    pub fn next_close(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let piece = self.first_piece_ending_after(instant)?;
        let (end, complete) = self.extend_forward(piece.1);
        complete.then_some(end)
    }

    /// Why the team is closed at an instant (`None` when open).
    pub fn closed_because(&self, instant: DateTime<Utc>) -> Option<Closed> {
        if self.is_open(instant) {
            return None;
        }
        let date = self.local(instant).date_naive();
        if let Some(holiday) = self.holiday_on(date) {
            return Some(Closed::Holiday(holiday));
        }
        if self.closed_days.contains(date.num_days_from_ce()) {
            return Some(Closed::ClosedDay(date));
        }
        let i = self.closures.partition_point(|c| c.1 <= instant);
        if let Some(&closure) = self.closures.get(i)
            && closure.0 <= instant
        {
            return Some(Closed::Closure(closure));
        }
        Some(Closed::OutsideHours)
    }

    /// The open period containing an instant, if any (touching days joined).
    pub fn period_containing(&self, instant: DateTime<Utc>) -> Option<Period> {
        let piece = self.search(instant, true)?;
        Some(self.extend(piece).0)
    }

    /// Open periods (start inclusive, end exclusive) that end after `instant`, in order. Days
    /// that touch (open until midnight and from midnight) are joined into one period.
    pub fn periods_from(&self, instant: DateTime<Utc>) -> impl Iterator<Item = Period> + '_ {
        let mut cursor = Some(instant);
        let mut first = true;
        std::iter::from_fn(move || {
            let t = cursor?;
            let piece = self.first_piece_ending_after(t);
            let Some(piece) = piece else {
                cursor = None;
                return None;
            };
            let period = if std::mem::take(&mut first) {
                self.extend(piece).0
            } else {
                (piece.0, self.extend_forward(piece.1).0)
            };
            cursor = Some(period.1);
            Some(period)
        })
    }

    /// The open periods of one local date, as instants, after days off and closures (each range
    /// on its own, not joined to the days either side).
    pub fn day_periods(&self, date: NaiveDate) -> Vec<Period> {
        if self.is_closed_day(date) {
            return Vec::new();
        }
        let mut periods = Vec::new();
        for range in self.weekly.day(date.weekday()) {
            if let Some((start, end)) = self.range_instants(date, range)
                && start < end
            {
                subtract_closures(start, end, &self.closures, &mut periods);
            }
        }
        periods
    }

    /// The reopening time in words, relative to `now`: "09:00 tomorrow", "09:00 on Tuesday 29
    /// December 2026". `None` when the team doesn't open within the next year or so.
    pub fn reopening_in_words(&self, now: DateTime<Utc>) -> Option<String> {
        let at = if self.is_open(now) {
            self.next_close(now).and_then(|close| self.next_open(close))?
        } else {
            self.next_open(now)?
        };
        Some(when_in_words(self.zone, at, now))
    }

    /// Why the team is closed at an instant, in words ("Friday 25 December 2026 is Christmas Day,
    /// a bank holiday"; "it is closed on Saturdays"); `None` when open.
    pub fn closed_in_words(&self, instant: DateTime<Utc>) -> Option<String> {
        let reason = self.closed_because(instant)?;
        let local = local_in(self.zone, instant);
        let day = date_in_words(local.date());
        Some(match reason {
            Closed::Holiday(holiday) => format!("{day} is {holiday}, a bank holiday"),
            Closed::ClosedDay(_) => format!("the team is closed all day on {day}"),
            Closed::Closure((start, end)) => {
                let (from, to) = (local_in(self.zone, start), local_in(self.zone, end));
                if from.date() == to.date() {
                    format!(
                        "the team is away from {} to {} on {}",
                        from.format("%H:%M"),
                        to.format("%H:%M"),
                        date_in_words(from.date())
                    )
                } else {
                    format!(
                        "the team is away from {} to {}",
                        date_time_in_words(self.zone, start),
                        date_time_in_words(self.zone, end)
                    )
                }
            }
            Closed::OutsideHours => {
                let weekday = local.format("%A");
                let ranges = self.weekly.day(local.weekday());
                if ranges.is_empty() {
                    format!("it is closed on {weekday}s")
                } else {
                    let list: Vec<String> = ranges.iter().map(ToString::to_string).collect();
                    format!("it is open {} on {weekday}s", list.join(" and "))
                }
            }
        })
    }

    /// Each local date from `from` for `days` days: its open periods, bank holiday, closures and
    /// clock change (what `herald hours --week` shows).
    pub fn days(&self, from: NaiveDate, days: u32) -> Vec<DayHours> {
        from.iter_days()
            .take(days as usize)
            .map(|date| {
                let start = start_of_day(self.zone, date);
                let end = date
                    .succ_opt()
                    .map_or(start, |next| start_of_day(self.zone, next));
                let first = self.closures.partition_point(|c| c.1 <= start);
                let closures = self.closures[first..]
                    .iter()
                    .take_while(|c| c.0 < end)
                    .map(|c| (c.0.max(start), c.1.min(end)))
                    .collect();
                DayHours {
                    date,
                    start,
                    end,
                    periods: self.day_periods(date),
                    holiday: self.holiday_on(date),
                    closed_day: self.closed_days.contains(date.num_days_from_ce()),
                    closures,
                    clock_change: clock_change(self.zone, end - Duration::seconds(1))
                        .filter(|c| c.at > start),
                }
            })
            .collect()
    }

    /// The first open piece (one range of one day, minus closures) that ends after `t`.
    fn first_piece_ending_after(&self, t: DateTime<Utc>) -> Option<Period> {
        self.search(t, false)
    }

    /// The first open piece (one range of one day, minus closures) that ends after `t`; with
    /// `probe`, only if it contains `t` (and the search stops as soon as it can't).
    /// Allocation-free; days without hours are skipped by table, days off by bitmap, and a
    /// closure longer than a day by jumping to its end.
    fn search(&self, t: DateTime<Utc>, probe: bool) -> Option<Period> {
        let wall = t.with_timezone(&self.zone).naive_local();
        let mut date = wall.date();
        let mut visited = 0;
        while visited < SEARCH_DAYS {
            let skip = self.skip[date.weekday().num_days_from_monday() as usize]?;
            if skip > 0 {
                date = date.checked_add_days(Days::new(u64::from(skip)))?;
            }
            visited += 1;
            if !self.is_closed_day(date) {
                let mut covered_until: Option<DateTime<Utc>> = None;
                for range in self.weekly.day(date.weekday()) {
                    // On t's own date, a range whose closing wall time t's wall clock has
                    // reached is over (the clock passed it, or the gap it is in, at or before
                    // t), without asking the zone.
                    if date == wall.date() && range.end.is_some_and(|end| end <= wall.time()) {
                        continue;
                    }
                    let start = self.boundary(date.and_time(range.start));
                    if probe && start > t {
                        return None;
                    }
                    let Some(end) = self.range_end(date, range) else {
                        continue;
                    };
                    if end <= t || start >= end {
                        continue;
                    }
                    match open_part(start, end, t, &self.closures) {
                        Ok(piece) if probe && piece.0 > t => return None,
                        Ok(piece) => return Some(piece),
                        Err(until) => covered_until = covered_until.max(until),
                    }
                }
                if let Some(until) = covered_until {
                    let resume = until.with_timezone(&self.zone).date_naive();
                    if resume > date {
                        date = resume;
                        continue;
                    }
                }
            }
            date = date.succ_opt()?;
        }
        None
    }

    /// Joins the pieces that touch a piece on either side.
    fn extend(&self, piece: Period) -> (Period, bool) {
        let mut start = piece.0;
        for _ in 0..MERGE_LIMIT {
            let before = start - Duration::nanoseconds(1);
            match self.first_piece_ending_after(before) {
                Some(prev) if prev.1 == start && prev.0 < start => start = prev.0,
                _ => break,
            }
        }
        let (end, complete) = self.extend_forward(piece.1);
        ((start, end), complete)
    }

    /// The end of the run of touching pieces starting with one that ends at `end`; false when
    /// the run is longer than [`MERGE_LIMIT`] pieces.
    fn extend_forward(&self, mut end: DateTime<Utc>) -> (DateTime<Utc>, bool) {
        for _ in 0..MERGE_LIMIT {
            // Pieces never overlap, so a piece containing `end` starts there.
            match self.search(end, true) {
                Some(next) if next.0 == end => end = next.1,
                _ => return (end, true),
            }
        }
        (end, false)
    }

    /// The instants a range of a date opens and closes.
    fn range_instants(&self, date: NaiveDate, range: &Range) -> Option<Period> {
        Some((
            self.boundary(date.and_time(range.start)),
            self.range_end(date, range)?,
        ))
    }

    /// The instant a range of a date closes.
    fn range_end(&self, date: NaiveDate, range: &Range) -> Option<DateTime<Utc>> {
        Some(match range.end {
            Some(end) => self.boundary(date.and_time(end)),
            None => self.boundary(date.succ_opt()?.and_time(NaiveTime::MIN)),
        })
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

/// The part of `[start, end)` outside the closures that ends first after `t`; when there is
/// none, how far a closure covers beyond `end` (if one does).
fn open_part(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    t: DateTime<Utc>,
    closures: &[Period],
) -> Result<Period, Option<DateTime<Utc>>> {
    let mut cursor = start;
    let first = closures.partition_point(|c| c.1 <= start);
    for &(c_start, c_end) in &closures[first..] {
        if c_start >= end {
            break;
        }
        if c_start > cursor && c_start > t {
            return Ok((cursor, c_start));
        }
        cursor = cursor.max(c_end);
        if cursor >= end {
            return Err(Some(cursor));
        }
    }
    if end > t { Ok((cursor, end)) } else { Err(None) }
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

/// The instant a time written with an explicit offset (`2026-12-01T10:00:00+01:00`) means.
pub fn fixed_instant(at: DateTime<FixedOffset>) -> DateTime<Utc> {
    at.with_timezone(&Utc)
}

/// What a post's `publish_at` means in a zone: a wall time is resolved in the zone; a time with
/// an explicit offset is exact (which is how a time in a gap or an overlap is made exact).
pub fn resolve_publish_at(zone: Tz, at: &crate::content::PublishAt) -> LocalTime {
    match at {
        crate::content::PublishAt::Local(local) => resolve_in(zone, *local),
        crate::content::PublishAt::Fixed(fixed) => LocalTime::Unique(fixed_instant(*fixed)),
    }
}

/// An instant as RFC 3339 with the zone's offset at that instant: `2026-10-26T09:00:00+00:00`.
pub fn rfc3339_in(zone: Tz, instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&zone)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

/// The instant a local date starts in a zone (the end of the gap when midnight is skipped).
pub fn start_of_day(zone: Tz, date: NaiveDate) -> DateTime<Utc> {
    match resolve_in(zone, date.and_time(NaiveTime::MIN)) {
        LocalTime::Unique(t) | LocalTime::Ambiguous { earlier: t, .. } => t,
        LocalTime::Nonexistent { next_valid } => next_valid,
    }
}

/// An instant's local date and time in a zone.
pub fn local_in(zone: Tz, instant: DateTime<Utc>) -> NaiveDateTime {
    instant.with_timezone(&zone).naive_local()
}

/// Parses an instant as people type it on the command line: RFC 3339 with an offset or `Z`
/// (`2026-12-28T10:00:00Z`), or a wall time in the zone (`2026-12-28T10:00`, `2026-12-28 10:00`).
pub fn parse_instant(zone: Tz, text: &str) -> Result<DateTime<Utc>, ClosureError> {
    closures::parse_point(zone, text.trim(), closures::Side::Instant)
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

fn subtract_closures(start: DateTime<Utc>, end: DateTime<Utc>, closures: &[Period], out: &mut Vec<Period>) {
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
mod properties;

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
