use predicates::prelude::*;

use crate::{fixture, herald};

#[test]
fn every_defect_is_reported_with_its_code_at_its_line_in_one_run() {
    let expected = std::fs::read_to_string(fixture("broken.expected.txt")).unwrap();
    let output = herald()
        .current_dir(fixture("broken"))
        .args(["check", "--at", "2026-11-01T12:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(stdout, expected, "\n--- got ---\n{stdout}");
}

#[test]
fn json_output_has_the_documented_shape_and_order() {
    let output = herald()
        .current_dir(fixture("broken"))
        .args(["check", "--format", "json", "--at", "2026-11-01T12:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with(r#"{"findings":[{"file":"content/posts/broken.md","line":3,"column":21,"severity":"error","code":"parse","message":"#),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let codes: Vec<(&str, &str, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        codes,
        vec![
            ("parse", "content/posts/broken.md", 3),
            ("approval-stale", "content/posts/december/edited.md", 6),
            ("media-missing", "content/posts/december/missing-image.md", 6),
            ("unknown-channel", "content/posts/december/unknown-channel.md", 3),
            ("unknown-key", "content/posts/unknown-key.md", 3),
        ]
    );
    assert_eq!(
        json["summary"],
        serde_json::json!({"files": 6, "errors": 5, "warnings": 0})
    );
}

#[test]
fn a_missing_config_means_could_not_run() {
    let dir = tempfile::tempdir().unwrap();
    herald()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no herald.toml at herald.toml: run `herald init`",
        ));
}

#[test]
fn bad_arguments_mean_could_not_run() {
    herald().args(["check", "--format", "yaml"]).assert().code(2);
    herald().arg("frobnicate").assert().code(2);
    herald()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("check"));
}

#[test]
fn a_broken_config_is_a_finding_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("herald.toml"),
        "timezone = \"Europe/London\"\ntimezon = \"x\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("content")).unwrap();
    herald().current_dir(dir.path()).arg("check").assert().code(1).stdout(predicate::str::diff(
        "error[unknown-key]: unknown key `timezon` in the herald.toml\n --> herald.toml:2:1\n  |\n2 | timezon = \"x\"\n  | ^^^^^^^\n  |\n  = help: did you mean `timezone`?\n\nchecked 1 file: 1 error, 0 warnings\n",
    ));
}

#[test]
fn in_past_is_only_for_posts_that_never_went_out() {
    use herald::store::journal::{Outcome, Planned};
    let dir = tempfile::tempdir().unwrap();
    herald().arg("init").arg(dir.path()).assert().success();
    let later = ["check", "--at", "2027-06-01T12:00:00Z", "--format", "json"];
    let in_past = |stdout: &[u8]| -> Vec<String> {
        let json: serde_json::Value = serde_json::from_slice(stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "in-past")
            .map(|f| f["file"].as_str().unwrap().to_owned())
            .collect()
    };
    // Without a database, every past one-off post is reported, and none is created.
    let before = herald().current_dir(dir.path()).args(later).output().unwrap();
    let files = in_past(&before.stdout);
    assert_eq!(files.len(), 5, "{files:?}");
    assert!(!dir.path().join("herald.db").exists());

    // The journal records one of them as sent.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = herald::store::open("sqlite://herald.db", dir.path())
            .await
            .unwrap();
        let due = chrono::DateTime::parse_from_rfc3339("2026-12-03T14:30:00Z")
            .unwrap()
            .to_utc();
        let planned = Planned::new("2026-12/pharmacy-first", "outbox", due, true);
        assert!(store.plan(&planned, due).await.unwrap());
        store
            .claim(&planned.key, "test", "text", due, herald::store::DEFAULT_LEASE)
            .await
            .unwrap()
            .unwrap();
        let sent = Outcome::Sent {
            id: "1".into(),
            url: None,
        };
        assert!(store.finish(&planned.key, "test", &sent, due).await.unwrap());
    });
    let after = herald().current_dir(dir.path()).args(later).output().unwrap();
    let files = in_past(&after.stdout);
    assert_eq!(files.len(), 4, "{files:?}");
    assert!(
        !files.iter().any(|f| f.ends_with("pharmacy-first.md")),
        "{files:?}"
    );
}
