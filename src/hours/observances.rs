//! A zone's rules as calendar programs need them: the observances (standard or summer time) in
//! force over a span of instants, for an iCalendar `VTIMEZONE`, and how a wall time is written
//! for an event.

use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};

use super::{LocalTime, local_in, resolve_in};

/// One stretch of a zone's time: from its onset, the clocks read UTC plus `offset_to`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observance {
    /// The wall time the clocks showed (on the old offset) when it began.
    pub onset: NaiveDateTime,
    /// The offset before the onset.
    pub offset_from: FixedOffset,
    /// The offset from the onset on.
    pub offset_to: FixedOffset,
    /// Its abbreviation ("GMT", "BST"), when the zone database has one.
    pub name: Option<String>,
    /// Whether it is summer (daylight-saving) time.
    pub daylight: bool,
}

fn offset_at(zone: Tz, instant: DateTime<Utc>) -> FixedOffset {
    zone.offset_from_utc_datetime(&instant.naive_utc()).fix()
}

fn observance_at(zone: Tz, instant: DateTime<Utc>, onset: NaiveDateTime, from: FixedOffset) -> Observance {
    let offset = zone.offset_from_utc_datetime(&instant.naive_utc());
    Observance {
        onset,
        offset_from: from,
        offset_to: offset.fix(),
        name: offset.abbreviation().map(str::to_owned),
        daylight: !offset.dst_offset().is_zero(),
    }
}

/// The observances that cover `[from, to]`: first the one in force at `from` (its onset given as
/// `from`'s wall time, with no change of offset), then one per clock change up to `to`. Offsets
/// are asked of the zone database at each instant; nothing is assumed about the rules.
pub fn observances(zone: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Observance> {
    let first_offset = offset_at(zone, from);
    let mut out = vec![observance_at(zone, from, local_in(zone, from), first_offset)];
    // Zones change their clocks at most a few times a year and never twice within 12 hours, so
    // comparing offsets 12 hours apart finds every change; the instant is then found by bisection.
    let step = Duration::hours(12);
    let mut t = from;
    let mut offset = first_offset;
    while t < to {
        let next = (t + step).min(to);
        let next_offset = offset_at(zone, next);
        if next_offset != offset {
            let (mut lo, mut hi) = (t.timestamp(), next.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at_mid = DateTime::from_timestamp(mid, 0).map(|m| offset_at(zone, m));
                if at_mid == Some(next_offset) {
                    hi = mid;
                } else {
                    lo = mid;
                }
            }
            if let Some(change) = DateTime::from_timestamp(hi, 0) {
                let onset = change.naive_utc() + Duration::seconds(i64::from(offset.local_minus_utc()));
                out.push(observance_at(zone, change, onset, offset));
            }
            offset = next_offset;
        }
        t = next;
    }
    out
}

/// How a calendar should write an instant as a wall time in `zone`: `Some(wall time)` when that
/// wall time means exactly this instant to a reader (a unique time, or the first of a time the
/// clocks repeat, which is how RFC 5545 reads a repeated time); `None` when only UTC can say it
/// (the second of a repeated time).
pub fn calendar_wall_time(zone: Tz, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
    let wall = local_in(zone, instant);
    match resolve_in(zone, wall) {
        LocalTime::Unique(t) if t == instant => Some(wall),
        LocalTime::Ambiguous { earlier, .. } if earlier == instant => Some(wall),
        _ => None,
    }
}

/// The instant `days` calendar days after `instant` at the same wall time in `zone` (the first
/// of a repeated time; the end of the gap for a skipped one). Across a clock change this is 23
/// or 25 hours per changed day, as a person counts days.
pub fn days_later(zone: Tz, instant: DateTime<Utc>, days: u32) -> DateTime<Utc> {
    let wall = local_in(zone, instant);
    let Some(later) = wall.checked_add_days(chrono::Days::new(u64::from(days))) else {
        return DateTime::<Utc>::MAX_UTC;
    };
    match resolve_in(zone, later) {
        LocalTime::Unique(t) | LocalTime::Ambiguous { earlier: t, .. } => t,
        LocalTime::Nonexistent { next_valid } => next_valid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hours::DEFAULT_ZONE;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn london_observances_over_a_year() {
        let all = observances(
            DEFAULT_ZONE,
            utc("2026-07-01T00:00:00Z"),
            utc("2027-07-01T00:00:00Z"),
        );
        let shown: Vec<String> = all
            .iter()
            .map(|o| {
                format!(
                    "{} {}→{} {} {}",
                    o.onset.format("%Y-%m-%dT%H:%M"),
                    o.offset_from,
                    o.offset_to,
                    o.name.as_deref().unwrap_or("?"),
                    if o.daylight { "daylight" } else { "standard" }
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                "2026-07-01T01:00 +01:00→+01:00 BST daylight",
                "2026-10-25T02:00 +01:00→+00:00 GMT standard",
                "2027-03-28T01:00 +00:00→+01:00 BST daylight",
            ]
        );
    }

    #[test]
    fn a_zone_without_changes_has_one_observance() {
        let all = observances(
            chrono_tz::Asia::Kolkata,
            utc("2026-01-01T00:00:00Z"),
            utc("2027-01-01T00:00:00Z"),
        );
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].offset_to.local_minus_utc(), 5 * 3600 + 1800);
        assert!(!all[0].daylight);
    }

    #[test]
    fn wall_times_for_calendars() {
        let z = DEFAULT_ZONE;
        assert_eq!(
            calendar_wall_time(z, utc("2026-07-01T09:00:00Z")).map(|w| w.to_string()),
            Some("2026-07-01 10:00:00".to_owned())
        );
        // 01:30 on 25 October 2026 happens twice: the first is written as a wall time, the
        // second only in UTC.
        assert!(calendar_wall_time(z, utc("2026-10-25T00:30:00Z")).is_some());
        assert_eq!(calendar_wall_time(z, utc("2026-10-25T01:30:00Z")), None);
    }

    #[test]
    fn days_later_keeps_the_wall_time_across_a_clock_change() {
        let z = DEFAULT_ZONE;
        // Friday 23 October 10:00 BST + 7 days = Friday 30 October 10:00 GMT (169 hours).
        let from = utc("2026-10-23T09:00:00Z");
        assert_eq!(days_later(z, from, 7), utc("2026-10-30T10:00:00Z"));
        assert_eq!(days_later(z, from, 0), from);
    }
}
