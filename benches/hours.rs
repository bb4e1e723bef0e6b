//! Office-hours queries: what the publisher and the auto-replier ask for every post and message.
//! `cargo bench --bench hours`; figures in docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used)]

use chrono::{DateTime, Utc};
use divan::black_box;
use herald::hours::{Division, Holidays, OfficeHours, Weekly, parse_day};

fn main() {
    divan::main();
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// The default: 09:00–17:00 Monday to Friday, England and Wales bank holidays, a Christmas Eve
/// closure.
fn default_hours() -> OfficeHours {
    OfficeHours::new(herald::hours::DEFAULT_ZONE, Weekly::nine_to_five())
        .with_holidays(Holidays::bundled(Division::EnglandAndWales))
        .with_closures([(utc("2026-12-24T13:00:00Z"), utc("2026-12-24T17:00:00Z"))])
}

/// Split days and a Saturday morning.
fn split_hours() -> OfficeHours {
    let day = parse_day("09:00-12:30,13:30-17:00").unwrap();
    let week = [
        day.clone(),
        day.clone(),
        day.clone(),
        day.clone(),
        day,
        parse_day("10:00-12:00").unwrap(),
        Vec::new(),
    ];
    OfficeHours::new(herald::hours::DEFAULT_ZONE, Weekly::new(week))
        .with_holidays(Holidays::bundled(Division::EnglandAndWales))
}

const INSTANTS: &[(&str, &str)] = &[
    ("open weekday", "2026-07-01T10:00:00Z"),
    ("weekday evening", "2026-07-01T18:00:00Z"),
    ("friday evening", "2026-10-23T18:00:00Z"),
    ("christmas eve closure", "2026-12-24T14:00:00Z"),
    ("christmas day", "2026-12-25T10:00:00Z"),
    ("rule-only year", "2031-12-25T10:00:00Z"),
];

#[divan::bench(args = INSTANTS)]
fn is_open(bencher: divan::Bencher, at: &(&str, &str)) {
    let hours = default_hours();
    let t = utc(at.1);
    bencher.bench(|| black_box(&hours).is_open(black_box(t)));
}

#[divan::bench(args = INSTANTS)]
fn next_open(bencher: divan::Bencher, at: &(&str, &str)) {
    let hours = default_hours();
    let t = utc(at.1);
    bencher.bench(|| black_box(&hours).next_open(black_box(t)));
}

#[divan::bench(args = INSTANTS)]
fn next_close(bencher: divan::Bencher, at: &(&str, &str)) {
    let hours = default_hours();
    let t = utc(at.1);
    bencher.bench(|| black_box(&hours).next_close(black_box(t)));
}

#[divan::bench(args = INSTANTS)]
fn split_day_next_open(bencher: divan::Bencher, at: &(&str, &str)) {
    let hours = split_hours();
    let t = utc(at.1);
    bencher.bench(|| black_box(&hours).next_open(black_box(t)));
}

/// The auto-reply's "back at 09:00 on Tuesday 29 December 2026" (formats a string).
#[divan::bench]
fn reopening_in_words(bencher: divan::Bencher) {
    let hours = default_hours();
    let t = utc("2026-12-24T14:00:00Z");
    bencher.bench(|| black_box(&hours).reopening_in_words(black_box(t)));
}
