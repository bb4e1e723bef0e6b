//! `herald plan` and `herald calendar --ics` on the example project.

use predicates::prelude::*;

use crate::herald;

fn example() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    herald().arg("init").arg(dir.path()).assert().success();
    dir
}

#[test]
fn plan_lists_the_coming_week_as_a_table_and_creates_no_database() {
    let dir = example();
    let output = herald()
        .current_dir(dir.path())
        .args(["plan", "--at", "2026-12-01T09:00", "--days", "7"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        text,
        "\
Plan: 09:00 on Tuesday 1 December 2026 to 09:00 on Tuesday 8 December 2026
Times are Europe/London time.

  time   channel  post                             status

Tuesday 1 December 2026
  10:00  outbox   2026-12/flu-vaccine-over-65s     ready

Wednesday 2 December 2026
  10:00  outbox   winter-vaccines#weekly-reminder  ready

Thursday 3 December 2026
  14:30  outbox   2026-12/pharmacy-first           ready

Journal: no database yet: nothing has been published.

3 publications: 3 ready
"
    );
    assert!(
        !dir.path().join("herald.db").exists(),
        "plan never creates a database"
    );
}

#[test]
fn plan_json_marks_what_wont_go_out() {
    let dir = example();
    // Edit an approved post and move another to a Saturday.
    let pharmacy = dir.path().join("content/posts/2026-12/pharmacy-first.md");
    let text = std::fs::read_to_string(&pharmacy).unwrap();
    std::fs::write(&pharmacy, text.replace("Sore throat", "Sore throat or cough")).unwrap();
    let flu = dir.path().join("content/posts/2026-12/flu-vaccine-over-65s.md");
    let text = std::fs::read_to_string(&flu).unwrap();
    std::fs::write(&flu, text.replace("2026-12-01T10:00:00", "2026-12-05T10:00:00")).unwrap();
    let output = herald()
        .current_dir(dir.path())
        .args([
            "plan",
            "--at",
            "2026-12-01T09:00",
            "--days",
            "7",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let rows: Vec<(String, String, String)> = plan["publications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["local"].as_str().unwrap().to_owned(),
                p["post_id"].as_str().unwrap().to_owned(),
                p["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let row = |l: &str, p: &str, s: &str| (l.to_owned(), p.to_owned(), s.to_owned());
    assert_eq!(
        rows,
        [
            row(
                "2026-12-02T10:00:00+00:00",
                "winter-vaccines#weekly-reminder",
                "ready"
            ),
            row(
                "2026-12-03T14:30:00+00:00",
                "2026-12/pharmacy-first",
                "changed-since-approval"
            ),
            row(
                "2026-12-05T10:00:00+00:00",
                "2026-12/flu-vaccine-over-65s",
                "outside-hours"
            ),
        ]
    );
    let flu = &plan["publications"][2];
    assert_eq!(flu["closed"], "it is closed on Saturdays");
    let codes: Vec<&str> = flu["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["approval-stale", "outside-hours"]);
    assert_eq!(plan["publications"][1]["changed"], "the text");
    assert_eq!(plan["summary"]["changed-since-approval"], 1);
    assert_eq!(plan["journal"], false);

    herald()
        .current_dir(dir.path())
        .args(["plan", "--days", "0"])
        .assert()
        .code(2);
}

#[test]
fn calendar_writes_icalendar_to_a_file_or_standard_output() {
    let dir = example();
    herald()
        .current_dir(dir.path())
        .args(["calendar", "--ics", "--output", "calendar.ics"])
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote 22 events to calendar.ics"));
    let file = std::fs::read_to_string(dir.path().join("calendar.ics")).unwrap();
    assert!(file.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert_eq!(file.matches("BEGIN:VEVENT\r\n").count(), 22); // 17 Wednesdays and 5 posts
    assert!(file.contains("X-WR-CALNAME:Example ICB communications team: social media\r\n"));
    assert!(file.contains("DTSTART;TZID=Europe/London:20261201T100000\r\n"));
    let stdout = herald()
        .current_dir(dir.path())
        .args(["calendar", "--ics", "--name", "Comms; winter"])
        .output()
        .unwrap();
    let text = String::from_utf8(stdout.stdout).unwrap();
    assert!(text.contains("X-WR-CALNAME:Comms\\; winter\r\n"));
    herald()
        .current_dir(dir.path())
        .arg("calendar")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--ics"));
}
