//! `herald reply-preview`: exactly what would be sent and why; and `herald check` on the reply
//! templates, at their place in replies.toml.

use predicates::prelude::*;

use crate::herald;

/// A project in a temporary folder with these accounts and the example replies.toml.
fn project(accounts: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("herald.toml"), accounts).unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("content/replies.toml"),
        include_str!("../../content/replies.toml"),
    )
    .unwrap();
    dir
}

const X: &str = "[[accounts]]\nname = \"x\"\nplatform = \"x\"\ntoken_env = \"T\"\n";

#[test]
fn a_saturday_medical_question_gets_the_medical_route_and_monday_0900() {
    let dir = project("[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n");
    herald()
        .current_dir(dir.path())
        .args([
            "reply-preview",
            "--at",
            "2026-12-05T10:00",
            "Can I get a GP appointment? My number is 07700 900123 {next_open}",
        ])
        .assert()
        .code(0)
        .stdout(
            "At 10:00 on Saturday 5 December 2026 the team is away until 09:00 on Monday 7 December 2026.\n\
             Decision: reply (closed), by the rule `closed`: the team is away: one automatic reply per sender while it is closed; it shares a phone number in public\n\
             Personal details: a phone number (the reply advises against sharing them in public, and never repeats them)\n\
             Routes: medical (matched \"appointment\", \"GP\")\n\
             \n\
             outbox (no length limit)\n\
             \x20   Thanks for your message. This is an automatic reply: our team is away until 09:00 on Monday 7 December 2026.\n\
             \n\
             \x20   Please don't share personal details, like phone or NHS numbers, in public posts.\n\
             \n\
             \x20   We can't give medical advice on social media. Contact your GP practice, or NHS 111 (call 111 or go to 111.nhs.uk). In an emergency, call 999.\n\
             \n\
             \x20   Example ICB communications team\n",
        );
}

#[test]
fn json_says_why_and_how_long_on_each_platform() {
    let dir = project(X);
    let output = herald()
        .current_dir(dir.path())
        .args([
            "reply-preview",
            "--at",
            "2026-12-05T10:00:00Z",
            "--format",
            "json",
            "I'm a journalist with a complaint",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["open"], false);
    assert_eq!(json["next_open"], "2026-12-07T09:00:00+00:00");
    assert_eq!(json["next_open_text"], "09:00 on Monday 7 December 2026");
    assert_eq!(json["decision"]["action"], "reply");
    assert_eq!(json["decision"]["purpose"], "closed");
    assert_eq!(json["decision"]["rule"], "closed");
    let routes: Vec<&str> = json["classification"]["routes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(routes, ["complaints", "media"]);
    let reply = &json["replies"][0];
    assert_eq!(reply["platform"], "x");
    assert_eq!(reply["length"][0]["limit"], 280);
    assert!(reply["length"][0]["count"].as_u64().unwrap() <= 280);
    assert_eq!(reply["fits"], true);
    assert!(!reply["text"].as_str().unwrap().contains("journalist"));
}

#[test]
fn crisis_in_office_hours_and_abuse_at_any_hour() {
    let dir = project(X);
    herald()
        .current_dir(dir.path())
        .args([
            "reply-preview",
            "--at",
            "2026-12-07T10:30",
            "I want to end my life",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Decision: reply (crisis), by the rule `crisis`",
        ))
        .stdout(predicate::str::contains("Samaritans"))
        .stdout(predicate::str::contains("Alert: the team is alerted at once"));
    herald()
        .current_dir(dir.path())
        .args([
            "reply-preview",
            "--at",
            "2026-12-05T10:00",
            "You are all fucking useless",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Decision: no reply; flagged for the team, by the rule `abusive`",
        ))
        .stdout(predicate::str::contains("x (").not());
    herald()
        .current_dir(dir.path())
        .args([
            "reply-preview",
            "--at",
            "2026-12-07T10:30",
            "Can I get a GP appointment?",
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::contains(
            "Decision: no reply, by the rule `open`: office hours: no automatic reply; listed for the team",
        ));
}

#[test]
fn a_broken_replies_file_is_reported_not_replaced_by_the_defaults() {
    let dir = project(X);
    std::fs::write(dir.path().join("content/replies.toml"), "[reply]\nclosed = \n").unwrap();
    herald()
        .current_dir(dir.path())
        .args(["reply-preview", "hello"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("content/replies.toml:2"))
        .stderr(predicate::str::contains(
            "doesn't load, so herald would not answer anyone",
        ));
}

#[test]
fn check_reports_templates_too_long_for_an_inbox_platform_at_their_place() {
    let dir = project(X);
    let replies = include_str!("../../content/replies.toml").replace(
        "text = \"For anything else, email comms@example-icb.nhs.uk\"",
        &format!(
            "text = \"For anything else, {}email comms@example-icb.nhs.uk\"",
            "please ".repeat(40)
        ),
    );
    std::fs::write(dir.path().join("content/replies.toml"), &replies).unwrap();
    let line = replies.lines().position(|l| l.contains("please please")).unwrap() + 1;
    let output = herald()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--at", "2026-11-01T12:00:00Z"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let found: Vec<(String, u64, String)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "too-long")
        .map(|f| {
            (
                f["file"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let general = found
        .iter()
        .find(|(_, l, _)| *l == line as u64)
        .unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(general.0, "content/replies.toml");
    assert!(
        general
            .2
            .starts_with("on x, the automatic reply for a message that matches general"),
        "{}",
        general.2
    );
}
