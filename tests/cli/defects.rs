//! A calendar seeded with one defect per post (tests/fixtures/defects): `herald check` reports
//! exactly the expected codes at the expected places, and nothing about the clean post.

use predicates::prelude::*;

use crate::{fixture, herald};

#[test]
fn every_seeded_defect_is_found_at_its_place_and_nothing_else() {
    let output = herald()
        .current_dir(fixture("defects"))
        .args(["check", "--at", "2026-11-01T12:00:00Z", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let got: Vec<(&str, &str, &str, u64, u64)> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap(),
                f["severity"].as_str().unwrap(),
                f["file"].as_str().unwrap(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
            )
        })
        .collect();
    // `emoji-overuse` is a warning by default; the fixture's [checks] makes it an error. The
    // allowed long sentence (allowed.md) is not reported; its misspelt allow entry is.
    let expected = [
        ("hashtag-camelcase", "error", "content/campaigns/flu.toml", 4, 13),
        (
            "captions-missing",
            "error",
            "content/media/clinic-tour-bad.vtt",
            6,
            1,
        ),
        ("unknown-key", "error", "content/posts/allowed.md", 9, 1),
        ("alt-filename", "error", "content/posts/alt-filename.md", 9, 7),
        ("alt-missing", "error", "content/posts/alt-missing.md", 8, 8),
        ("alt-prefix", "error", "content/posts/alt-prefix.md", 9, 7),
        (
            "alt-repeats-text",
            "warning",
            "content/posts/alt-repeats-text.md",
            9,
            7,
        ),
        ("alt-too-long", "error", "content/posts/alt-too-long.md", 9, 7),
        ("alt-too-short", "warning", "content/posts/alt-too-short.md", 9, 7),
        ("ampersand", "warning", "content/posts/ampersand.md", 8, 5),
        ("too-long", "error", "content/posts/bluesky-image-size.md", 8, 8),
        (
            "captions-missing",
            "error",
            "content/posts/captions-missing.md",
            8,
            8,
        ),
        ("emoji-overuse", "error", "content/posts/emoji-overuse.md", 8, 21),
        ("fancy-text", "error", "content/posts/fancy-text.md", 8, 1),
        ("hashtag-camelcase", "error", "content/posts/hashtag.md", 9, 44),
        (
            "instagram-needs-image",
            "error",
            "content/posts/instagram-needs-image.md",
            3,
            13,
        ),
        ("link-invalid", "error", "content/posts/link-invalid.md", 4, 8),
        (
            "long-sentence",
            "warning",
            "content/posts/long-sentence.md",
            8,
            21,
        ),
        ("media-missing", "error", "content/posts/not-an-image.md", 8, 8),
        ("personal-data", "error", "content/posts/personal-data.md", 8, 12),
        ("reading-age", "warning", "content/posts/reading-age.md", 8, 1),
        ("too-long", "error", "content/posts/too-long.md", 8, 1),
        (
            "too-many-images",
            "error",
            "content/posts/too-many-images.md",
            20,
            8,
        ),
    ];
    assert_eq!(got, expected);
}

#[test]
fn findings_say_what_to_do() {
    let output = herald()
        .current_dir(fixture("defects"))
        .args(["check", "--at", "2026-11-01T12:00:00Z"])
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    for expected in [
        "help: write it in CamelCase: `#MentalHealthWeek` (if it is one word, add it to content/words.txt)",
        "help: write it in CamelCase: `#FluJab`",
        "help: write it as plain text: \"Book now\"",
        "help: screen readers already say it is an image; start with what it shows: \"A poster saying book your flu jab\"",
        "error[captions-missing]: the captions for video 1 don't parse: this cue starts before the one on line 3 (cues must be in time order)\n--> content/media/clinic-tour-bad.vtt:6:1",
        "help: did you mean `long-sentence`?",
        "checked 26 files: 18 errors, 5 warnings",
    ] {
        assert!(stdout.contains(expected), "missing {expected:?} in\n{stdout}");
    }
}

#[test]
fn preview_shows_each_channel_with_its_count() {
    herald()
        .current_dir(fixture("defects"))
        .args(["preview", "content/posts/too-long.md"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "\nx  285/280 (over by 5)\n    We are open. We are open.",
        ))
        .stdout(predicate::str::contains("\nmastodon  285/500\n"));
    herald()
        .current_dir(fixture("defects"))
        .args(["preview", "content/posts/clean.md"])
        .assert()
        .success()
        .stdout(predicate::str::contains("\nbluesky  "))
        .stdout(predicate::str::contains(" graphemes, "))
        .stdout(predicate::str::contains(" bytes\n"));
}

#[test]
fn preview_json_has_the_rendered_text_and_counts() {
    let output = herald()
        .current_dir(fixture("defects"))
        .args(["preview", "content/posts/hashtag.md", "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let channel = &json["posts"][0]["channels"][0];
    assert_eq!(channel["channel"], "outbox");
    assert_eq!(
        channel["text"],
        "Look after your mental health this winter. #mentalhealthweek #NHS\n\n#flujab"
    );
    assert_eq!(channel["length"], serde_json::json!([]));
    assert_eq!(channel["fits"], true);
}

#[test]
fn preview_of_something_that_is_not_a_post() {
    herald()
        .current_dir(fixture("defects"))
        .args(["preview", "herald.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no posts to preview"));
    herald()
        .current_dir(fixture("defects"))
        .args(["preview", "content/posts/missing.md"])
        .assert()
        .code(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn online_check_reports_links_that_do_not_answer() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    Mock::given(method("HEAD"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("herald.toml"),
        "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n",
    )
    .unwrap();
    std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
    let gone = format!("{}/gone", server.uri());
    std::fs::write(
        dir.path().join("content/posts/p.md"),
        format!("+++\npublish_at = 2027-02-02T10:00:00\nchannels = [\"outbox\"]\nlink = \"{gone}\"\n+++\nRead more.\n"),
    )
    .unwrap();
    let path = dir.path().to_owned();
    let run = move |online: bool| {
        let mut cmd = herald();
        cmd.current_dir(&path)
            .args(["check", "--at", "2026-11-01T12:00:00Z", "--format", "json"]);
        if online {
            cmd.arg("--online");
        }
        let output = cmd.output().unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        json["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["code"] == "link-invalid")
            .map(|f| f["message"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    let (offline, online) = tokio::task::spawn_blocking(move || (run(false), run(true)))
        .await
        .unwrap();
    assert_eq!(offline, [format!("`{gone}` is not secure (http://)")]);
    assert_eq!(
        online,
        [
            format!("`{gone}` answered 404"),
            format!("`{gone}` is not secure (http://)")
        ]
    );
}
