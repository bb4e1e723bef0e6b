//! UK bank holidays: GOV.UK's published dates (bundled, or a `bank-holidays.json` file in GOV.UK's
//! format) and the rules that extend them to years GOV.UK hasn't published yet.
//!
//! The bundled list (`bank-holidays.json` beside this file) is written from GOV.UK's published dates
//! for 2017–2027, with every one-off (8 May 2020 replacing 4 May; 2 and 3 June 2022 replacing 30 May;
//! 19 September 2022; 8 May 2023) and every substitute day. Years outside the list follow the
//! rules; such years are "known only by rule" ([`Holidays::is_confirmed`] is false), because a
//! one-off can still be proclaimed.

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::Deserialize;

/// GOV.UK's published bank holidays for 2017–2027, in GOV.UK's own JSON format.
const BUNDLED_JSON: &str = include_str!("bank-holidays.json");

/// Where `herald holidays update` downloads the current list.
pub const GOVUK_URL: &str = "https://www.gov.uk/bank-holidays.json";

/// The first and last years for which every holiday is precomputed into a day set (rules
/// outside the published years); dates outside are computed on demand.
const TABLE_YEARS: (i32, i32) = (1950, 2199);

/// The three bank-holiday calendars of the UK (GOV.UK's "divisions").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Division {
    /// England and Wales.
    EnglandAndWales,
    /// Scotland.
    Scotland,
    /// Northern Ireland.
    NorthernIreland,
}

impl Division {
    /// Every division.
    pub const ALL: [Division; 3] = [
        Division::EnglandAndWales,
        Division::Scotland,
        Division::NorthernIreland,
    ];

    /// The name used in herald.toml and in GOV.UK's JSON: `england-and-wales`.
    pub fn as_str(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "england-and-wales",
            Division::Scotland => "scotland",
            Division::NorthernIreland => "northern-ireland",
        }
    }

    /// The name as people write it: "England and Wales".
    pub fn title(self) -> &'static str {
        match self {
            Division::EnglandAndWales => "England and Wales",
            Division::Scotland => "Scotland",
            Division::NorthernIreland => "Northern Ireland",
        }
    }

    /// The division with this config name.
    pub fn from_name(name: &str) -> Option<Division> {
        Division::ALL.into_iter().find(|d| d.as_str() == name)
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One bank holiday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holiday {
    /// The day off.
    pub date: NaiveDate,
    /// GOV.UK's title: "Boxing Day", "Early May bank holiday (VE day)".
    pub title: String,
    /// Whether it replaces a holiday that fell at a weekend.
    pub substitute: bool,
    /// Whether it comes from a published list (false: computed by rule).
    pub confirmed: bool,
}

impl fmt::Display for Holiday {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.title)?;
        if self.substitute {
            f.write_str(" (substitute day)")?;
        }
        Ok(())
    }
}

/// Where a calendar's published dates came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HolidaySource {
    /// The list bundled with herald.
    Bundled,
    /// A GOV.UK-format file.
    File(PathBuf),
}

/// Why a GOV.UK bank-holidays file couldn't be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HolidaysError {
    /// Not JSON of GOV.UK's shape.
    #[error("this is not GOV.UK's bank-holidays format: {0}")]
    Format(String),
    /// The division isn't in the file.
    #[error("it has no `{0}` list")]
    MissingDivision(Division),
    /// A date that isn't one.
    #[error("`{0}` is not a date (GOV.UK writes dates like 2026-12-25)")]
    BadDate(String),
    /// The division's list is empty.
    #[error("its `{0}` list has no dates")]
    Empty(Division),
}

#[derive(Debug, Deserialize)]
struct GovUkDivision {
    division: Option<String>,
    events: Vec<GovUkEvent>,
}

#[derive(Debug, Deserialize)]
struct GovUkEvent {
    title: String,
    date: String,
    #[serde(default)]
    notes: String,
}

/// A set of days (as days from the common era), stored as a bitmap: O(1) and allocation-free to
/// query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct DaySet {
    first: i32,
    bits: Vec<u64>,
}

impl DaySet {
    pub(crate) fn contains(&self, day: i32) -> bool {
        let Ok(i) = usize::try_from(i64::from(day) - i64::from(self.first)) else {
            return false;
        };
        self.bits.get(i / 64).is_some_and(|w| (w >> (i % 64)) & 1 == 1)
    }

    pub(crate) fn insert(&mut self, day: i32) {
        if self.bits.is_empty() {
            self.first = day - day.rem_euclid(64);
        }
        if day < self.first {
            let words = usize::try_from((self.first - day + 63) / 64).unwrap_or(0);
            self.bits.splice(0..0, std::iter::repeat_n(0, words));
            self.first -= i32::try_from(words * 64).unwrap_or(0);
        }
        let i = usize::try_from(day - self.first).unwrap_or(0);
        if i / 64 >= self.bits.len() {
            self.bits.resize(i / 64 + 1, 0);
        }
        self.bits[i / 64] |= 1 << (i % 64);
    }
}

/// A division's bank holidays for every year: published dates where known, rules elsewhere.
#[derive(Debug, Clone)]
pub struct Holidays {
    division: Division,
    source: HolidaySource,
    /// Published holidays, by date.
    listed: Vec<Holiday>,
    /// Years with published dates.
    confirmed: BTreeSet<i32>,
    /// Every holiday day within [`TABLE_YEARS`] and the published years.
    days: DaySet,
}

static BUNDLED: LazyLock<[Arc<Holidays>; 3]> = LazyLock::new(|| {
    Division::ALL.map(|division| {
        // The bundled file is part of the build and tested; an error here is a build defect.
        let holidays = Holidays::from_govuk_json(BUNDLED_JSON, division, HolidaySource::Bundled)
            .unwrap_or_else(|_| Holidays::by_rule_only(division));
        Arc::new(holidays)
    })
});

impl Holidays {
    /// herald's bundled list for a division (shared; cheap to call).
    pub fn bundled(division: Division) -> Arc<Holidays> {
        let index = Division::ALL.iter().position(|d| *d == division).unwrap_or(0);
        Arc::clone(&BUNDLED[index])
    }

    /// A calendar from GOV.UK's `bank-holidays.json` format.
    pub fn from_govuk_json(
        text: &str,
        division: Division,
        source: HolidaySource,
    ) -> Result<Holidays, HolidaysError> {
        let mut file: std::collections::BTreeMap<String, GovUkDivision> =
            serde_json::from_str(text).map_err(|e| HolidaysError::Format(e.to_string()))?;
        let list = file
            .remove(division.as_str())
            .ok_or(HolidaysError::MissingDivision(division))?;
        if list.division.as_deref().is_some_and(|d| d != division.as_str()) {
            return Err(HolidaysError::Format(format!(
                "the `{division}` list says it is for `{}`",
                list.division.unwrap_or_default()
            )));
        }
        let mut listed = Vec::with_capacity(list.events.len());
        for event in list.events {
            let date = NaiveDate::parse_from_str(event.date.trim(), "%Y-%m-%d")
                .map_err(|_| HolidaysError::BadDate(event.date.clone()))?;
            listed.push(Holiday {
                date,
                title: event.title.trim().to_owned(),
                substitute: event.notes.to_ascii_lowercase().contains("substitute"),
                confirmed: true,
            });
        }
        if listed.is_empty() {
            return Err(HolidaysError::Empty(division));
        }
        listed.sort_by_key(|h| h.date);
        listed.dedup_by_key(|h| h.date);
        Ok(Self::build(division, source, listed))
    }

    /// A calendar computed from the rules alone (no published dates).
    pub fn by_rule_only(division: Division) -> Holidays {
        Self::build(division, HolidaySource::Bundled, Vec::new())
    }

    fn build(division: Division, source: HolidaySource, listed: Vec<Holiday>) -> Holidays {
        let confirmed: BTreeSet<i32> = listed.iter().map(|h| h.date.year()).collect();
        let mut days = DaySet::default();
        for holiday in &listed {
            days.insert(holiday.date.num_days_from_ce());
        }
        for year in TABLE_YEARS.0..=TABLE_YEARS.1 {
            if confirmed.contains(&year) {
                continue;
            }
            for (date, _, _) in rules(division, year).iter() {
                days.insert(date.num_days_from_ce());
            }
        }
        Holidays {
            division,
            source,
            listed,
            confirmed,
            days,
        }
    }

    /// The division.
    pub fn division(&self) -> Division {
        self.division
    }

    /// Where the published dates came from.
    pub fn source(&self) -> &HolidaySource {
        &self.source
    }

    /// Whether a date is a bank holiday. Allocation-free; constant time for 1950–2199.
    pub fn contains(&self, date: NaiveDate) -> bool {
        let year = date.year();
        if (TABLE_YEARS.0..=TABLE_YEARS.1).contains(&year) || self.confirmed.contains(&year) {
            return self.days.contains(date.num_days_from_ce());
        }
        rules(self.division, year).iter().any(|(d, _, _)| *d == date)
    }

    /// The holiday on a date, if there is one.
    pub fn get(&self, date: NaiveDate) -> Option<Holiday> {
        if self.confirmed.contains(&date.year()) {
            let i = self.listed.binary_search_by_key(&date, |h| h.date).ok()?;
            return self.listed.get(i).cloned();
        }
        rules(self.division, date.year())
            .iter()
            .find(|(d, _, _)| *d == date)
            .map(|(date, title, substitute)| Holiday {
                date: *date,
                title: (*title).to_owned(),
                substitute: *substitute,
                confirmed: false,
            })
    }

    /// Every holiday from `from` to `to` inclusive, in order.
    pub fn between(&self, from: NaiveDate, to: NaiveDate) -> Vec<Holiday> {
        let mut out = Vec::new();
        for year in from.year()..=to.year() {
            if self.confirmed.contains(&year) {
                out.extend(self.listed.iter().filter(|h| h.date.year() == year).cloned());
            } else {
                out.extend(
                    rules(self.division, year)
                        .iter()
                        .map(|(date, title, substitute)| Holiday {
                            date: *date,
                            title: (*title).to_owned(),
                            substitute: *substitute,
                            confirmed: false,
                        }),
                );
            }
        }
        out.retain(|h| from <= h.date && h.date <= to);
        out
    }

    /// Whether a year's dates are published (false: known only by rule).
    pub fn is_confirmed(&self, year: i32) -> bool {
        self.confirmed.contains(&year)
    }

    /// The first and last published years.
    pub fn confirmed_years(&self) -> Option<(i32, i32)> {
        Some((*self.confirmed.first()?, *self.confirmed.last()?))
    }

    /// The published holidays.
    pub fn listed(&self) -> &[Holiday] {
        &self.listed
    }

    /// A short description: "England and Wales bank holidays (GOV.UK's list to 2027)".
    pub fn describe(&self) -> String {
        let list = match &self.source {
            HolidaySource::Bundled => "herald's bundled list".to_owned(),
            HolidaySource::File(path) => crate::diag::display_path(path),
        };
        match self.confirmed_years() {
            Some((first, last)) => format!(
                "{} bank holidays ({list}, {first}–{last}; rules after)",
                self.division.title()
            ),
            None => format!("{} bank holidays (by rule)", self.division.title()),
        }
    }
}

/// Reads a GOV.UK-format file.
pub fn load_file(path: &Path, division: Division) -> Result<Holidays, LoadError> {
    let text = crate::content::read_text(path).map_err(|e| LoadError::Read(e.to_string()))?;
    Holidays::from_govuk_json(&text, division, HolidaySource::File(path.to_owned()))
        .map_err(LoadError::Invalid)
}

/// Why a holidays file couldn't be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoadError {
    /// The file couldn't be read.
    #[error("can't read it: {0}")]
    Read(String),
    /// It isn't a usable list.
    #[error("{0}")]
    Invalid(HolidaysError),
}

/// The holidays of one year by rule, without allocating: at most 12.
#[derive(Debug, Clone, Copy)]
pub(crate) struct YearRules {
    items: [(NaiveDate, &'static str, bool); 12],
    len: usize,
}

impl YearRules {
    fn push(&mut self, date: NaiveDate, title: &'static str, substitute: bool) {
        if self.len < self.items.len() {
            self.items[self.len] = (date, title, substitute);
            self.len += 1;
        }
    }

    fn taken(&self, date: NaiveDate) -> bool {
        self.iter().any(|(d, _, _)| *d == date)
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &(NaiveDate, &'static str, bool)> {
        self.items[..self.len].iter()
    }
}

/// Gregorian Easter Sunday (the anonymous algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1)
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_monday();
    last.checked_sub_signed(Duration::days(i64::from(back)))
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// A division's holidays for a year by the rules (Banking and Financial Dealings Act 1971 and
/// the royal proclamations that fix the usual dates), with weekend substitutes:
/// - everywhere: New Year's Day, Good Friday, early May (first Monday), spring (last Monday of May),
///   Christmas Day and Boxing Day;
/// - England, Wales and Northern Ireland: Easter Monday, summer (last Monday of August);
/// - Scotland: 2 January, summer (first Monday of August), St Andrew's Day (30 November);
/// - Northern Ireland: St Patrick's Day (17 March), Battle of the Boyne (12 July).
///
/// A fixed-date holiday at a weekend moves to the next weekday that isn't already a holiday.
/// GOV.UK names a Christmas pair weekday-first (2022: Boxing Day on Monday the 26th, then
/// "Christmas Day (substitute day)" on the 27th) and a New Year pair in order (Scotland 2023).
pub(crate) fn rules(division: Division, year: i32) -> YearRules {
    let mut out = YearRules {
        items: [(NaiveDate::MIN, "", false); 12],
        len: 0,
    };
    let date = |m, d| NaiveDate::from_ymd_opt(year, m, d);
    if let Some(easter) = easter_sunday(year) {
        if let Some(d) = easter.checked_sub_signed(Duration::days(2)) {
            out.push(d, "Good Friday", false);
        }
        if division != Division::Scotland
            && let Some(d) = easter.succ_opt()
        {
            out.push(d, "Easter Monday", false);
        }
    }
    if let Some(d) = first_monday(year, 5) {
        out.push(d, "Early May bank holiday", false);
    }
    if let Some(d) = last_monday(year, 5) {
        out.push(d, "Spring bank holiday", false);
    }
    let summer = match division {
        Division::Scotland => first_monday(year, 8),
        _ => last_monday(year, 8),
    };
    if let Some(d) = summer {
        out.push(d, "Summer bank holiday", false);
    }

    for (members, weekday_first) in fixed_groups(division) {
        let mut order = [(NaiveDate::MIN, ""); 2];
        let mut n = 0;
        for (m, d, title) in members.iter().take(2) {
            if let Some(day) = date(*m, *d) {
                order[n] = (day, *title);
                n += 1;
            }
        }
        if *weekday_first && n == 2 && is_weekend(order[0].0) && !is_weekend(order[1].0) {
            order.swap(0, 1);
        }
        for &(day, title) in &order[..n] {
            if !is_weekend(day) && !out.taken(day) {
                out.push(day, title, false);
                continue;
            }
            let mut substitute = day;
            while let Some(next) = substitute.succ_opt() {
                substitute = next;
                if !is_weekend(substitute) && !out.taken(substitute) {
                    out.push(substitute, title, true);
                    break;
                }
            }
        }
    }
    out.items[..out.len].sort_by_key(|(d, _, _)| *d);
    out
}

type FixedGroup = (&'static [(u32, u32, &'static str)], bool);

/// Fixed-date holidays in groups that share substitute days, and whether GOV.UK names the group
/// weekday-first.
fn fixed_groups(division: Division) -> &'static [FixedGroup] {
    const NEW_YEAR: (u32, u32, &str) = (1, 1, "New Year’s Day");
    const CHRISTMAS: FixedGroup = (&[(12, 25, "Christmas Day"), (12, 26, "Boxing Day")], true);
    match division {
        Division::EnglandAndWales => &[(&[NEW_YEAR], false), CHRISTMAS],
        Division::Scotland => &[
            (&[NEW_YEAR, (1, 2, "2nd January")], false),
            (&[(11, 30, "St Andrew’s Day")], false),
            CHRISTMAS,
        ],
        Division::NorthernIreland => &[
            (&[NEW_YEAR], false),
            (&[(3, 17, "St Patrick’s Day")], false),
            (&[(7, 12, "Battle of the Boyne (Orangemen’s Day)")], false),
            CHRISTMAS,
        ],
    }
}

/// A division's holidays for a year by rule, as [`Holiday`]s.
pub fn by_rule(division: Division, year: i32) -> Vec<Holiday> {
    rules(division, year)
        .iter()
        .map(|(date, title, substitute)| Holiday {
            date: *date,
            title: (*title).to_owned(),
            substitute: *substitute,
            confirmed: false,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    /// The published one-offs: (division-independent) dates added, and dates the rules give
    /// that were moved away.
    const ONE_OFFS_ADDED: [(i32, u32, u32); 5] = [
        (2020, 5, 8),
        (2022, 6, 2),
        (2022, 6, 3),
        (2022, 9, 19),
        (2023, 5, 8),
    ];
    const MOVED_AWAY: [(i32, u32, u32); 2] = [(2020, 5, 4), (2022, 5, 30)];

    #[test]
    fn bundled_list_loads_for_every_division_2017_to_2027() {
        for division in Division::ALL {
            let holidays = Holidays::bundled(division);
            assert_eq!(holidays.confirmed_years(), Some((2017, 2027)), "{division}");
            assert_eq!(holidays.division(), division);
        }
    }

    #[test]
    fn bundled_dates_are_the_rules_plus_the_published_one_offs() {
        let added: Vec<NaiveDate> = ONE_OFFS_ADDED.iter().map(|&(y, m, dd)| d(y, m, dd)).collect();
        let moved: Vec<NaiveDate> = MOVED_AWAY.iter().map(|&(y, m, dd)| d(y, m, dd)).collect();
        for division in Division::ALL {
            let holidays = Holidays::bundled(division);
            for year in 2017..=2027 {
                let listed: Vec<(NaiveDate, String, bool)> = holidays
                    .listed()
                    .iter()
                    .filter(|h| h.date.year() == year)
                    .filter(|h| !added.contains(&h.date))
                    .map(|h| (h.date, h.title.clone(), h.substitute))
                    .collect();
                let ruled: Vec<(NaiveDate, String, bool)> = by_rule(division, year)
                    .into_iter()
                    .filter(|h| !moved.contains(&h.date))
                    .map(|h| (h.date, h.title, h.substitute))
                    .collect();
                assert_eq!(listed, ruled, "{division} {year}");
            }
        }
    }

    #[test]
    fn england_and_wales_one_offs_and_substitutes_are_there() {
        let ew = Holidays::bundled(Division::EnglandAndWales);
        for (y, m, day) in [
            (2020, 5, 8),
            (2022, 6, 2),
            (2022, 6, 3),
            (2022, 9, 19),
            (2023, 5, 8),
            (2026, 12, 28),
            (2027, 12, 27),
            (2027, 12, 28),
            (2017, 1, 2),
            (2022, 1, 3),
            (2022, 12, 27),
        ] {
            assert!(ew.contains(d(y, m, day)), "{y}-{m}-{day}");
        }
        for (y, m, day) in [(2020, 5, 4), (2022, 5, 30), (2026, 12, 26), (2027, 12, 25)] {
            assert!(!ew.contains(d(y, m, day)), "{y}-{m}-{day}");
        }
        let boxing = ew.get(d(2026, 12, 28)).unwrap();
        assert_eq!(boxing.to_string(), "Boxing Day (substitute day)");
        assert!(boxing.confirmed);
        assert_eq!(
            ew.get(d(2020, 5, 8)).unwrap().title,
            "Early May bank holiday (VE day)"
        );
    }

    #[test]
    fn rules_extend_past_the_published_years() {
        let ew = Holidays::bundled(Division::EnglandAndWales);
        assert!(!ew.is_confirmed(2028));
        let dates: Vec<NaiveDate> = ew
            .between(d(2028, 1, 1), d(2028, 12, 31))
            .iter()
            .map(|h| h.date)
            .collect();
        assert_eq!(
            dates,
            vec![
                d(2028, 1, 3),
                d(2028, 4, 14),
                d(2028, 4, 17),
                d(2028, 5, 1),
                d(2028, 5, 29),
                d(2028, 8, 28),
                d(2028, 12, 25),
                d(2028, 12, 26),
            ]
        );
        let sub = ew.get(d(2028, 1, 3)).unwrap();
        assert_eq!(sub.to_string(), "New Year’s Day (substitute day)");
        assert!(!sub.confirmed);
        // Far outside the table: computed on demand.
        assert!(ew.contains(d(2300, 12, 25)) == (d(2300, 12, 25).weekday().num_days_from_monday() < 5));
        assert!(ew.contains(d(1900, 12, 25)));
    }

    #[test]
    fn scotland_and_northern_ireland_have_their_own_days() {
        let scotland = Holidays::bundled(Division::Scotland);
        assert!(scotland.contains(d(2026, 1, 2)));
        assert!(scotland.contains(d(2026, 8, 3)));
        assert!(!scotland.contains(d(2026, 8, 31)));
        assert!(!scotland.contains(d(2026, 4, 6)));
        assert!(scotland.contains(d(2025, 12, 1))); // St Andrew's Day substitute
        let ni = Holidays::bundled(Division::NorthernIreland);
        assert!(ni.contains(d(2026, 3, 17)));
        assert!(ni.contains(d(2026, 7, 13)));
        assert!(ni.contains(d(2029, 7, 12)));
    }

    #[test]
    fn easter_is_right() {
        for (y, m, day) in [
            (2017, 4, 16),
            (2024, 3, 31),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(y), Some(d(y, m, day)));
        }
    }

    #[test]
    fn reads_govuk_files_and_reports_bad_ones() {
        let json = r#"{"england-and-wales":{"division":"england-and-wales","events":[
            {"title":"Christmas Day","date":"2029-12-25","notes":"","bunting":true},
            {"title":"Extra bank holiday","date":"2029-06-01","notes":"","bunting":true}]}}"#;
        let h = Holidays::from_govuk_json(json, Division::EnglandAndWales, HolidaySource::Bundled).unwrap();
        assert!(h.is_confirmed(2029));
        assert!(h.contains(d(2029, 6, 1)));
        // 2029 is taken from the file alone: Boxing Day isn't in it.
        assert!(!h.contains(d(2029, 12, 26)));
        assert!(h.contains(d(2030, 12, 26)));
        assert_eq!(
            Holidays::from_govuk_json(json, Division::Scotland, HolidaySource::Bundled).unwrap_err(),
            HolidaysError::MissingDivision(Division::Scotland)
        );
        assert!(matches!(
            Holidays::from_govuk_json("[]", Division::Scotland, HolidaySource::Bundled),
            Err(HolidaysError::Format(_))
        ));
        let bad = r#"{"england-and-wales":{"events":[{"title":"x","date":"2029-02-30"}]}}"#;
        assert_eq!(
            Holidays::from_govuk_json(bad, Division::EnglandAndWales, HolidaySource::Bundled).unwrap_err(),
            HolidaysError::BadDate("2029-02-30".into())
        );
    }

    #[test]
    fn day_set_grows_both_ways() {
        let mut set = DaySet::default();
        assert!(!set.contains(5));
        set.insert(1000);
        set.insert(10);
        set.insert(5000);
        for day in [10, 1000, 5000] {
            assert!(set.contains(day));
        }
        for day in [9, 11, 999, 4999, 5001, -3] {
            assert!(!set.contains(day));
        }
    }
}
