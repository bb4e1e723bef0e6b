//! Property tests over 2000–2100 against a plain oracle (is this instant inside a range of its
//! own local date, not a holiday, not in a closure?), and table tests at every clock change of
//! 2025–2028.

use std::sync::Arc;

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use proptest::prelude::*;

use super::*;

const ZONE: Tz = DEFAULT_ZONE;

/// The instant a wall time opens or closes a range, worked out by stepping through a gap a
/// minute at a time (the module bisects): a wall time the clocks skip means the moment they
/// jumped, which is the first valid wall time after it.
fn oracle_boundary(local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    loop {
        match ZONE.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(a, b) => return a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
}

fn oracle_open(hours: &OfficeHours, holidays: &Holidays, closures: &[Period], t: DateTime<Utc>) -> bool {
    if closures.iter().any(|c| c.0 <= t && t < c.1) {
        return false;
    }
    let date = t.with_timezone(&ZONE).date_naive();
    for d in [date.pred_opt().unwrap(), date] {
        if holidays.contains(d) {
            continue;
        }
        for range in hours.weekly().day(d.weekday()) {
            let start = oracle_boundary(d.and_time(range.start));
            let end = match range.end {
                Some(e) => oracle_boundary(d.and_time(e)),
                None => oracle_boundary(d.succ_opt().unwrap().and_time(NaiveTime::MIN)),
            };
            if start <= t && t < end {
                return true;
            }
        }
    }
    false
}

/// A day's ranges: up to two, on half hours, some reaching 24:00, some at 01:00–02:00.
fn day_strategy() -> impl Strategy<Value = Vec<Range>> {
    prop::collection::btree_set(0u32..=48, 0..=4).prop_map(|points| {
        let points: Vec<u32> = points.into_iter().collect();
        points
            .chunks_exact(2)
            .filter_map(|pair| {
                let start = NaiveTime::from_hms_opt(pair[0] / 2, (pair[0] % 2) * 30, 0)?;
                let end = if pair[1] == 48 {
                    None
                } else {
                    Some(NaiveTime::from_hms_opt(pair[1] / 2, (pair[1] % 2) * 30, 0)?)
                };
                Some(Range { start, end })
            })
            .collect()
    })
}

fn instant_strategy() -> impl Strategy<Value = DateTime<Utc>> {
    let from = Utc.with_ymd_and_hms(2000, 1, 1, 0, 0, 0).unwrap().timestamp();
    let to = Utc.with_ymd_and_hms(2100, 12, 31, 0, 0, 0).unwrap().timestamp();
    (from..to).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn closures_strategy() -> impl Strategy<Value = Vec<(i64, i64)>> {
    // Offsets from the instant under test: within a fortnight either side, up to ten days long.
    prop::collection::vec((-14 * 86_400i64..14 * 86_400, 1_800i64..10 * 86_400), 0..3)
}

fn setup(
    days: Vec<Vec<Range>>,
    t: DateTime<Utc>,
    closures: Vec<(i64, i64)>,
) -> (OfficeHours, Arc<Holidays>, Vec<Period>) {
    let mut week: [Vec<Range>; 7] = Default::default();
    for (slot, day) in week.iter_mut().zip(days) {
        *slot = day;
    }
    let holidays = Holidays::bundled(Division::EnglandAndWales);
    let closures: Vec<Period> = closures
        .into_iter()
        .map(|(offset, len)| (t + Duration::seconds(offset), t + Duration::seconds(offset + len)))
        .collect();
    let hours = OfficeHours::new(ZONE, Weekly::new(week))
        .with_holidays(Arc::clone(&holidays))
        .with_closures(closures.clone());
    (hours, holidays, closures)
}

/// Instants between `from` and `to` worth checking: evenly spread ones, every range boundary on
/// the way, and every closure end.
fn samples(
    hours: &OfficeHours,
    closures: &[Period],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    let mut out: Vec<DateTime<Utc>> = (0..16).map(|i| from + (to - from) * i / 16).collect();
    out.push(to - Duration::seconds(1));
    let mut d = from.with_timezone(&ZONE).date_naive().pred_opt().unwrap();
    let last = to.with_timezone(&ZONE).date_naive();
    let mut n = 0;
    while d <= last && n < 60 {
        for range in hours.weekly().day(d.weekday()) {
            let start = oracle_boundary(d.and_time(range.start));
            out.extend([start, start - Duration::seconds(1)]);
            if let Some(end) = range.end {
                let end = oracle_boundary(d.and_time(end));
                out.extend([end, end - Duration::seconds(1)]);
            }
        }
        d = d.succ_opt().unwrap();
        n += 1;
    }
    for c in closures {
        out.extend([c.0, c.1, c.1 - Duration::seconds(1)]);
    }
    out.retain(|s| from <= *s && *s < to);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn is_open_agrees_with_the_oracle(
        days in prop::collection::vec(day_strategy(), 7),
        t in instant_strategy(),
        closures in closures_strategy(),
    ) {
        let (hours, holidays, closures) = setup(days, t, closures);
        prop_assert_eq!(hours.is_open(t), oracle_open(&hours, &holidays, &closures, t));
    }

    #[test]
    fn next_open_is_open_not_earlier_and_nothing_before_it_is_open(
        days in prop::collection::vec(day_strategy(), 7),
        t in instant_strategy(),
        closures in closures_strategy(),
    ) {
        let (hours, holidays, closures) = setup(days, t, closures);
        match hours.next_open(t) {
            Some(open) => {
                prop_assert!(open >= t);
                prop_assert!(hours.is_open(open));
                prop_assert!(oracle_open(&hours, &holidays, &closures, open));
                for s in samples(&hours, &closures, t, open) {
                    prop_assert!(!oracle_open(&hours, &holidays, &closures, s), "open at {} before next_open {}", s, open);
                }
            }
            None => prop_assert!(hours.weekly().is_empty() || closures.iter().any(|c| c.1 - c.0 > Duration::days(300))),
        }
    }

    #[test]
    fn next_close_ends_the_open_period(
        days in prop::collection::vec(day_strategy(), 7),
        t in instant_strategy(),
        closures in closures_strategy(),
    ) {
        let (hours, holidays, closures) = setup(days, t, closures);
        if let Some(close) = hours.next_close(t) {
            prop_assert!(close > t);
            prop_assert!(!hours.is_open(close));
            prop_assert!(!oracle_open(&hours, &holidays, &closures, close));
            let open = hours.next_open(t).unwrap();
            prop_assert!(open < close);
            for s in samples(&hours, &closures, open, close) {
                prop_assert!(oracle_open(&hours, &holidays, &closures, s), "closed at {} before next_close {}", s, close);
            }
        }
    }

    #[test]
    fn periods_never_cross_a_holiday_or_a_closure_and_never_touch(
        days in prop::collection::vec(day_strategy(), 7),
        t in instant_strategy(),
        closures in closures_strategy(),
    ) {
        let (hours, holidays, closures) = setup(days, t, closures);
        let mut previous_end: Option<DateTime<Utc>> = None;
        for (start, end) in hours.periods_from(t).take(6) {
            prop_assert!(start < end);
            prop_assert!(end > t);
            if let Some(prev) = previous_end {
                prop_assert!(prev < start, "periods touch or overlap at {}", start);
            }
            previous_end = Some(end);
            let first = start.with_timezone(&ZONE).date_naive();
            let last = (end - Duration::seconds(1)).with_timezone(&ZONE).date_naive();
            for day in first.iter_days().take_while(|d| *d <= last) {
                prop_assert!(!holidays.contains(day), "period {}..{} crosses the holiday {}", start, end, day);
            }
            for c in &closures {
                prop_assert!(c.1 <= start || c.0 >= end, "period {}..{} crosses a closure", start, end);
            }
            prop_assert_eq!(hours.period_containing(start), Some((start, end)));
        }
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn hours_with(day: Weekday, ranges: &str) -> OfficeHours {
    let mut week: [Vec<Range>; 7] = Default::default();
    week[day.num_days_from_monday() as usize] = parse_day(ranges).unwrap();
    OfficeHours::new(ZONE, Weekly::new(week)).with_holidays(Holidays::bundled(Division::EnglandAndWales))
}

/// Every clock change of 2025–2028 (all at 01:00 UTC on a Sunday): what 01:30 means, a Sunday
/// open all day, a range inside the change, and the next opening from Saturday evening.
#[test]
fn every_clock_change_2025_to_2028() {
    // (date, forward, the Monday-or-later opening from Saturday 18:00 local)
    let table = [
        ("2025-03-30", true, "2025-03-31T08:00:00Z"),
        ("2025-10-26", false, "2025-10-27T09:00:00Z"),
        ("2026-03-29", true, "2026-03-30T08:00:00Z"),
        ("2026-10-25", false, "2026-10-26T09:00:00Z"),
        ("2027-03-28", true, "2027-03-30T08:00:00Z"), // Easter Monday 29 March
        ("2027-10-31", false, "2027-11-01T09:00:00Z"),
        ("2028-03-26", true, "2028-03-27T08:00:00Z"),
        ("2028-10-29", false, "2028-10-30T09:00:00Z"),
    ];
    let default = OfficeHours::new(ZONE, Weekly::nine_to_five())
        .with_holidays(Holidays::bundled(Division::EnglandAndWales));
    for (day, forward, monday) in table {
        let date = NaiveDate::parse_from_str(day, "%Y-%m-%d").unwrap();
        let change = utc(&format!("{day}T01:00:00Z"));
        let at = |h: u32, m: u32| date.and_hms_opt(h, m, 0).unwrap();

        // What 01:30 written in content means.
        let half_past_one = resolve_in(ZONE, at(1, 30));
        if forward {
            assert_eq!(
                half_past_one,
                LocalTime::Nonexistent { next_valid: change },
                "{day}"
            );
        } else {
            assert_eq!(
                half_past_one,
                LocalTime::Ambiguous {
                    earlier: change - Duration::minutes(30),
                    later: change + Duration::minutes(30)
                },
                "{day}"
            );
        }
        assert!(
            matches!(resolve_in(ZONE, at(0, 59)), LocalTime::Unique(_)),
            "{day}"
        );
        assert!(
            matches!(resolve_in(ZONE, at(2, 0)), LocalTime::Unique(_)),
            "{day}"
        );
        assert_eq!(
            clock_change(ZONE, change + Duration::minutes(30)).map(|c| c.at),
            Some(change)
        );

        // Open all Sunday: 23 hours in spring, 25 in autumn, in one period.
        let sunday = hours_with(Weekday::Sun, "00:00-24:00");
        let (start, end) = sunday.period_containing(change).unwrap();
        assert_eq!(
            end - start,
            Duration::hours(if forward { 23 } else { 25 }),
            "{day}"
        );
        assert_eq!(sunday.next_close(change - Duration::hours(1)), Some(end));
        assert!(sunday.is_open(change - Duration::seconds(1)) && sunday.is_open(change));

        // 01:30–02:30 on the wall clock: half an hour in spring (01:30 never happens, so it opens
        // when the clocks jump), two hours in autumn (from the first 01:30 to 02:30 GMT).
        let inside = hours_with(Weekday::Sun, "01:30-02:30");
        let (start, end) = inside.period_containing(change).unwrap();
        if forward {
            assert_eq!((start, end), (change, change + Duration::minutes(30)), "{day}");
        } else {
            assert_eq!(
                (start, end),
                (change - Duration::minutes(30), change + Duration::minutes(90)),
                "{day}"
            );
        }
        assert_eq!(inside.next_open(change - Duration::hours(3)), Some(start));

        // From Saturday 18:00 local the next opening is 09:00 on the next working day, on the new clock.
        let saturday = date.pred_opt().unwrap().and_hms_opt(18, 0, 0).unwrap();
        let saturday = resolve_in(ZONE, saturday).unique().unwrap();
        assert_eq!(default.next_open(saturday), Some(utc(monday)), "{day}");
        assert!(
            !default.is_open(change - Duration::hours(1)) && !default.is_open(change + Duration::hours(1))
        );
    }
}
