//! Instants in words, as a person in the UK writes them: "09:00 on Tuesday 29 December 2026",
//! "09:00 tomorrow", and what a clock change does ("the clocks go back from 02:00 to 01:00 on
//! Sunday 25 October 2026").

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::{LocalTime, local_in, resolve_in};

/// A date as people write it: "Tuesday 29 December 2026".
pub fn date_in_words(date: NaiveDate) -> String {
    date.format("%A %-d %B %Y").to_string()
}

/// A time of day: "09:00", or "09:00:30" when it isn't on the minute. When that wall time
/// happens twice (the autumn overlap), the zone's abbreviation says which: "01:30 BST".
pub fn clock_in_words(zone: Tz, instant: DateTime<Utc>) -> String {
    let local = instant.with_timezone(&zone);
    let mut clock = if local.second() == 0 {
        local.format("%H:%M").to_string()
    } else {
        local.format("%H:%M:%S").to_string()
    };
    if matches!(resolve_in(zone, local.naive_local()), LocalTime::Ambiguous { .. }) {
        clock.push(' ');
        clock.push_str(&local.format("%Z").to_string());
    }
    clock
}

/// An instant in words, without reference to today: "09:00 on Tuesday 29 December 2026".
pub fn date_time_in_words(zone: Tz, instant: DateTime<Utc>) -> String {
    let date = local_in(zone, instant).date();
    format!("{} on {}", clock_in_words(zone, instant), date_in_words(date))
}

/// An instant in words as seen from `now`: "13:30 today", "09:00 tomorrow", otherwise
/// "09:00 on Tuesday 29 December 2026". This is how an automatic reply says when the team is
/// back.
pub fn when_in_words(zone: Tz, instant: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let date = local_in(zone, instant).date();
    let today = local_in(zone, now).date();
    if date == today {
        format!("{} today", clock_in_words(zone, instant))
    } else if today.succ_opt() == Some(date) {
        format!("{} tomorrow", clock_in_words(zone, instant))
    } else {
        date_time_in_words(zone, instant)
    }
}

/// The offset in force at an instant, as written after a time: "+01:00".
pub fn offset_text(zone: Tz, instant: DateTime<Utc>) -> String {
    offset_at(zone, instant).to_string()
}

fn offset_at(zone: Tz, instant: DateTime<Utc>) -> FixedOffset {
    zone.offset_from_utc_datetime(&instant.naive_utc()).fix()
}

/// A change of the clocks: the instant it happens and the wall times either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClockChange {
    /// The zone.
    pub zone: Tz,
    /// The first instant on the new clock.
    pub at: DateTime<Utc>,
    /// The wall time the old clock reached ("01:00" in spring in London).
    pub from: NaiveDateTime,
    /// The wall time the new clock shows at that instant ("02:00").
    pub to: NaiveDateTime,
    /// The offset before.
    pub offset_before: FixedOffset,
    /// The offset after.
    pub offset_after: FixedOffset,
}

impl ClockChange {
    /// Whether the clocks went forward (a gap) rather than back (an overlap).
    pub fn forward(&self) -> bool {
        self.to > self.from
    }

    /// "the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027".
    pub fn describe(&self) -> String {
        format!(
            "the clocks go {} from {} to {} on {}",
            if self.forward() { "forward" } else { "back" },
            self.from.format("%H:%M"),
            self.to.format("%H:%M"),
            date_in_words(self.from.date())
        )
    }
}

/// The clock change nearest an instant at or after a gap or within an overlap: pass the
/// `next_valid` of a [`LocalTime::Nonexistent`] or the `later` of a [`LocalTime::Ambiguous`].
/// Looks up to a day back for the instant the offset changed.
pub fn clock_change(zone: Tz, instant: DateTime<Utc>) -> Option<ClockChange> {
    let after = offset_at(zone, instant);
    let at = |secs: i64| DateTime::from_timestamp(secs, 0);
    let mut lo = instant.timestamp() - 26 * 3600;
    if offset_at(zone, at(lo)?) == after {
        return None;
    }
    // The offset is `after` at `hi` and something else at `lo`: find the first second of `after`.
    let mut hi = instant.timestamp();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if offset_at(zone, at(mid)?) == after {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    let (lo, hi) = (at(lo)?, at(hi)?);
    let before = offset_at(zone, lo);
    Some(ClockChange {
        zone,
        at: hi,
        from: (hi.naive_utc() + Duration::seconds(i64::from(before.local_minus_utc()))),
        to: hi.naive_utc() + Duration::seconds(i64::from(after.local_minus_utc())),
        offset_before: before,
        offset_after: after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::DEFAULT_ZONE;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn writes_times_as_people_do() {
        let z = DEFAULT_ZONE;
        let now = utc("2026-12-28T18:00:00Z"); // Monday evening
        assert_eq!(
            when_in_words(z, utc("2026-12-29T09:00:00Z"), now),
            "09:00 tomorrow"
        );
        assert_eq!(when_in_words(z, utc("2026-12-28T19:30:00Z"), now), "19:30 today");
        assert_eq!(
            when_in_words(z, utc("2026-12-29T09:00:00Z"), utc("2026-12-24T17:00:00Z")),
            "09:00 on Tuesday 29 December 2026"
        );
        assert_eq!(
            date_time_in_words(z, utc("2027-01-04T09:00:00Z")),
            "09:00 on Monday 4 January 2027"
        );
        // Summer time is shown as the wall clock shows it.
        assert_eq!(
            date_time_in_words(z, utc("2026-07-01T08:00:00Z")),
            "09:00 on Wednesday 1 July 2026"
        );
        // A time that happens twice says which.
        assert_eq!(
            date_time_in_words(z, utc("2026-10-25T00:30:00Z")),
            "01:30 BST on Sunday 25 October 2026"
        );
        assert_eq!(
            date_time_in_words(z, utc("2026-10-25T01:30:00Z")),
            "01:30 GMT on Sunday 25 October 2026"
        );
        assert_eq!(
            date_time_in_words(z, utc("2026-12-24T13:00:30Z")),
            "13:00:30 on Thursday 24 December 2026"
        );
        // "Today" is the local date: 23:30 UTC on 30 June is already 1 July in London.
        assert_eq!(
            when_in_words(z, utc("2026-07-01T08:00:00Z"), utc("2026-06-30T23:30:00Z")),
            "09:00 today"
        );
    }

    #[test]
    fn describes_clock_changes() {
        let spring = clock_change(DEFAULT_ZONE, utc("2027-03-28T01:00:00Z")).unwrap();
        assert!(spring.forward());
        assert_eq!(spring.at, utc("2027-03-28T01:00:00Z"));
        assert_eq!(
            spring.describe(),
            "the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027"
        );
        let autumn = clock_change(DEFAULT_ZONE, utc("2026-10-25T01:30:00Z")).unwrap();
        assert!(!autumn.forward());
        assert_eq!(autumn.at, utc("2026-10-25T01:00:00Z"));
        assert_eq!(
            autumn.describe(),
            "the clocks go back from 02:00 to 01:00 on Sunday 25 October 2026"
        );
        assert_eq!(clock_change(DEFAULT_ZONE, utc("2026-07-01T00:00:00Z")), None);
        assert_eq!(offset_text(DEFAULT_ZONE, utc("2026-07-01T00:00:00Z")), "+01:00");
    }
}
