//! `herald hours --at` around every England-and-Wales bank holiday and every clock change from
//! 2017 to 2030, against expectations worked out here independently (a plain list of GOV.UK's
//! dates, the UK's summer-time rule, weekends).

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc, Weekday};
use predicates::prelude::*;

use crate::herald;

/// England and Wales bank holidays, 2017–2027 as GOV.UK published them, 2028–2030 by the rules.
const EW: &[&str] = &[
    "2017-01-02",
    "2017-04-14",
    "2017-04-17",
    "2017-05-01",
    "2017-05-29",
    "2017-08-28",
    "2017-12-25",
    "2017-12-26",
    "2018-01-01",
    "2018-03-30",
    "2018-04-02",
    "2018-05-07",
    "2018-05-28",
    "2018-08-27",
    "2018-12-25",
    "2018-12-26",
    "2019-01-01",
    "2019-04-19",
    "2019-04-22",
    "2019-05-06",
    "2019-05-27",
    "2019-08-26",
    "2019-12-25",
    "2019-12-26",
    "2020-01-01",
    "2020-04-10",
    "2020-04-13",
    "2020-05-08",
    "2020-05-25",
    "2020-08-31",
    "2020-12-25",
    "2020-12-28",
    "2021-01-01",
    "2021-04-02",
    "2021-04-05",
    "2021-05-03",
    "2021-05-31",
    "2021-08-30",
    "2021-12-27",
    "2021-12-28",
    "2022-01-03",
    "2022-04-15",
    "2022-04-18",
    "2022-05-02",
    "2022-06-02",
    "2022-06-03",
    "2022-08-29",
    "2022-09-19",
    "2022-12-26",
    "2022-12-27",
    "2023-01-02",
    "2023-04-07",
    "2023-04-10",
    "2023-05-01",
    "2023-05-08",
    "2023-05-29",
    "2023-08-28",
    "2023-12-25",
    "2023-12-26",
    "2024-01-01",
    "2024-03-29",
    "2024-04-01",
    "2024-05-06",
    "2024-05-27",
    "2024-08-26",
    "2024-12-25",
    "2024-12-26",
    "2025-01-01",
    "2025-04-18",
    "2025-04-21",
    "2025-05-05",
    "2025-05-26",
    "2025-08-25",
    "2025-12-25",
    "2025-12-26",
    "2026-01-01",
    "2026-04-03",
    "2026-04-06",
    "2026-05-04",
    "2026-05-25",
    "2026-08-31",
    "2026-12-25",
    "2026-12-28",
    "2027-01-01",
    "2027-03-26",
    "2027-03-29",
    "2027-05-03",
    "2027-05-31",
    "2027-08-30",
    "2027-12-27",
    "2027-12-28",
    "2028-01-03",
    "2028-04-14",
    "2028-04-17",
    "2028-05-01",
    "2028-05-29",
    "2028-08-28",
    "2028-12-25",
    "2028-12-26",
    "2029-01-01",
    "2029-03-30",
    "2029-04-02",
    "2029-05-07",
    "2029-05-28",
    "2029-08-27",
    "2029-12-25",
    "2029-12-26",
    "2030-01-01",
    "2030-04-19",
    "2030-04-22",
    "2030-05-06",
    "2030-05-27",
    "2030-08-26",
    "2030-12-25",
    "2030-12-26",
];

const CONFIG: &str = "timezone = \"Europe/London\"\nholidays = \"england-and-wales\"\n\
[hours]\nmon = \"09:00-17:00\"\ntue = \"09:00-17:00\"\nwed = \"09:00-17:00\"\nthu = \"09:00-17:00\"\nfri = \"09:00-17:00\"\n\
closures = [\"2026-12-24T13:00/2026-12-24T17:00\"]\n\
[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n\
[[accounts]]\nname = \"night\"\nplatform = \"outbox\"\npath = \"night\"\nhours = { sun = \"00:00-03:00\" }\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("herald.toml"), CONFIG).unwrap();
    dir
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn holidays() -> Vec<NaiveDate> {
    EW.iter().map(|s| date(s)).collect()
}

/// The last Sunday of a month.
fn last_sunday(year: i32, month: u32) -> NaiveDate {
    let mut d = NaiveDate::from_ymd_opt(year, month + 1, 1)
        .unwrap()
        .pred_opt()
        .unwrap();
    while d.weekday() != Weekday::Sun {
        d = d.pred_opt().unwrap();
    }
    d
}

/// The UK rule since 1996: summer time from 01:00 UTC on the last Sunday of March to 01:00 UTC
/// on the last Sunday of October.
fn offset_on(day: NaiveDate, hour_utc: u32) -> &'static str {
    let at = day.and_hms_opt(hour_utc, 0, 0).unwrap();
    let start = last_sunday(day.year(), 3).and_hms_opt(1, 0, 0).unwrap();
    let end = last_sunday(day.year(), 10).and_hms_opt(1, 0, 0).unwrap();
    if start <= at && at < end {
        "+01:00"
    } else {
        "+00:00"
    }
}

fn next_working_day(after: NaiveDate, holidays: &[NaiveDate]) -> NaiveDate {
    let mut d = after.succ_opt().unwrap();
    while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || holidays.contains(&d) {
        d = d.succ_opt().unwrap();
    }
    d
}

fn ask(dir: &tempfile::TempDir, at: &str, account: Option<&str>) -> serde_json::Value {
    let mut cmd = herald();
    cmd.current_dir(dir.path())
        .args(["hours", "--format", "json", "--at", at]);
    if let Some(account) = account {
        cmd.args(["--account", account]);
    }
    let output = cmd.output().unwrap();
    assert!(
        output.status.success(),
        "{at}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_bank_holiday_2017_to_2030_is_closed_and_the_next_opening_skips_it() {
    let dir = project();
    let holidays = holidays();
    for &holiday in &holidays {
        let next = next_working_day(holiday, &holidays);
        let expected_open = format!("{next}T09:00:00{}", offset_on(next, 12));
        let expected_close = format!("{next}T17:00:00{}", offset_on(next, 12));
        let answer = ask(&dir, &format!("{holiday}T12:00"), None);
        assert_eq!(answer["open"], false, "{holiday}");
        assert_eq!(answer["next_open"], expected_open.as_str(), "{holiday}");
        assert_eq!(answer["next_close"], expected_close.as_str(), "{holiday}");
        assert_eq!(
            answer["at"],
            format!("{holiday}T12:00:00{}", offset_on(holiday, 12)).as_str()
        );

        // The working day before: open at 16:59, and at 17:00 the next opening skips the holiday.
        let before = holiday.pred_opt().unwrap();
        let christmas_eve_closure = before == date("2026-12-24");
        if !matches!(before.weekday(), Weekday::Sat | Weekday::Sun) && !holidays.contains(&before) {
            let answer = ask(&dir, &format!("{before}T16:59"), None);
            assert_eq!(answer["open"], !christmas_eve_closure, "{before}");
            if !christmas_eve_closure {
                assert_eq!(
                    answer["next_close"],
                    format!("{before}T17:00:00{}", offset_on(before, 12)).as_str()
                );
            }
            let answer = ask(&dir, &format!("{before}T17:00"), None);
            assert_eq!(answer["open"], false, "{before}");
            assert_eq!(answer["next_open"], expected_open.as_str(), "{before}");
        }
    }
}

#[test]
fn the_hour_either_side_of_every_clock_change_2017_to_2030() {
    let dir = project();
    let holidays = holidays();
    for year in 2017..=2030 {
        for (month, forward) in [(3, true), (10, false)] {
            let sunday = last_sunday(year, month);
            let change = Utc.from_utc_datetime(&sunday.and_hms_opt(1, 0, 0).unwrap());
            let monday = next_working_day(sunday, &holidays);
            let new_offset = if forward { "+01:00" } else { "+00:00" };
            for at in [change - Duration::hours(1), change + Duration::hours(1)] {
                let at_text = at.to_rfc3339();
                // Default hours: closed on Sunday; opens at 09:00 on the next working day on the
                // new clock.
                let answer = ask(&dir, &at_text, None);
                assert_eq!(answer["open"], false, "{at_text}");
                assert_eq!(
                    answer["next_open"],
                    format!("{monday}T09:00:00{new_offset}").as_str(),
                    "{at_text}"
                );

                // Open 00:00-03:00 on Sundays by the wall clock.
                let answer = ask(&dir, &at_text, Some("night"));
                let closes = format!("{sunday}T03:00:00{new_offset}");
                if forward && at > change {
                    // 02:00 UTC is 03:00 BST: just closed; next Sunday 00:00 BST.
                    assert_eq!(answer["open"], false, "{at_text}");
                    let next = sunday + Duration::days(7);
                    assert_eq!(answer["next_open"], format!("{next}T00:00:00+01:00").as_str());
                } else {
                    assert_eq!(answer["open"], true, "{at_text}");
                    assert_eq!(answer["next_close"], closes.as_str(), "{at_text}");
                }
            }
        }
    }
}

#[test]
fn text_answers_say_why_and_when() {
    let dir = project();
    herald()
        .current_dir(dir.path())
        .args(["hours", "--at", "2026-12-24T14:00"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "Closed at 14:00 on Thursday 24 December 2026 (Europe/London): the team is away from 13:00 to 17:00 on Thursday 24 December 2026.\n  opens  09:00 on Tuesday 29 December 2026        2026-12-29T09:00:00+00:00\n",
        ));
    herald()
        .current_dir(dir.path())
        .args(["hours", "--at", "2026-12-28T17:30"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "Boxing Day (substitute day), a bank holiday",
        ))
        .stdout(predicate::str::contains("opens  09:00 tomorrow"));
    let answer = ask(&dir, "2027-01-01T18:00", None);
    assert_eq!(
        answer,
        serde_json::json!({"open":false,"at":"2027-01-01T18:00:00+00:00","next_open":"2027-01-04T09:00:00+00:00","next_close":"2027-01-04T17:00:00+00:00","next_open_text":"09:00 on Monday 4 January 2027"})
    );
    // The JSON keys are in the documented order.
    let output = herald()
        .current_dir(dir.path())
        .args(["hours", "--format", "json", "--at", "2026-12-29T10:00Z"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(output.stdout).unwrap(),
        "{\"open\":true,\"at\":\"2026-12-29T10:00:00+00:00\",\"next_open\":\"2026-12-30T09:00:00+00:00\",\"next_close\":\"2026-12-29T17:00:00+00:00\",\"next_open_text\":\"09:00 tomorrow\"}\n"
    );
}

#[test]
fn the_week_marks_holidays_closures_and_clock_changes() {
    let dir = project();
    herald()
        .current_dir(dir.path())
        .args(["hours", "--week", "--at", "2026-12-21T08:00"])
        .assert()
        .success()
        .stdout(
            "Office hours for the 7 days from Monday 21 December 2026 (Europe/London, England and Wales bank holidays):\n  \
             Mon 21 Dec 2026  09:00-17:00\n  Tue 22 Dec 2026  09:00-17:00\n  Wed 23 Dec 2026  09:00-17:00\n  \
             Thu 24 Dec 2026  09:00-13:00            closure 13:00-17:00\n  \
             Fri 25 Dec 2026  closed                 Christmas Day (bank holiday)\n  \
             Sat 26 Dec 2026  closed\n  Sun 27 Dec 2026  closed\n",
        );
    let output = herald()
        .current_dir(dir.path())
        .args([
            "hours",
            "--week",
            "--format",
            "json",
            "--account",
            "night",
            "--at",
            "2027-03-27T12:00Z",
        ])
        .output()
        .unwrap();
    let week: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let sunday = &week["days"][1];
    assert_eq!(sunday["date"], "2027-03-28");
    assert_eq!(
        sunday["open"],
        serde_json::json!([{"start":"2027-03-28T00:00:00+00:00","end":"2027-03-28T03:00:00+01:00"}])
    );
    assert_eq!(
        sunday["clock_change"],
        "the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027"
    );
    assert_eq!(week["days"][2]["holiday"], "Easter Monday");
}

#[test]
fn bad_instants_accounts_and_configs_mean_could_not_run() {
    let dir = project();
    herald()
        .current_dir(dir.path())
        .args(["hours", "--at", "2026-10-25T01:30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("happens twice in Europe/London"))
        .stderr(predicate::str::contains("2026-10-25T01:30+01:00"));
    herald()
        .current_dir(dir.path())
        .args(["hours", "--at", "2027-03-28T01:30"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("never happens"));
    herald()
        .current_dir(dir.path())
        .args(["hours", "--account", "nigth"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("did you mean `night`?"));
    std::fs::write(dir.path().join("herald.toml"), "[hours]\nmon = \"17:00-09:00\"\n").unwrap();
    herald()
        .current_dir(dir.path())
        .args(["hours"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("closes before it opens"));
}

#[test]
fn check_reports_schedule_findings_as_of_its_instant() {
    let dir = project();
    let posts = dir.path().join("content/posts");
    std::fs::create_dir_all(&posts).unwrap();
    std::fs::write(
        posts.join("boxing.md"),
        "+++\npublish_at = 2026-12-28T10:00:00\nchannels = [\"outbox\"]\n+++\nHello\n",
    )
    .unwrap();
    std::fs::write(
        posts.join("gap.md"),
        "+++\npublish_at = 2027-03-28T01:30:00\nchannels = [\"outbox\"]\n+++\nHello\n",
    )
    .unwrap();
    let output = herald()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--at", "2026-11-01T00:00:00Z"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let codes: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .filter(|c| !c.starts_with("not-approved"))
        .collect();
    assert_eq!(codes, vec!["outside-hours", "nonexistent-time"]);
    // A month later the Boxing Day post is in the past.
    let output = herald()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--at", "2027-01-05T00:00:00Z"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["code"] == "in-past")
    );
}
