//! Every approved post goes out once at its time; unapproved, edited and out-of-hours ones never.

use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

pub const ACCOUNTS: &str = r#"[hours]
tue = "09:00-17:00"

[[accounts]]
name = "outbox"
platform = "outbox"
path = "outbox"

[[accounts]]
name = "site"
platform = "webhook"
token_env = "HERALD_TEST_SITE_URL"

[[accounts]]
name = "alerts"
platform = "webhook"
token_env = "HERALD_TEST_ALERTS_URL"

[[accounts]]
name = "morning"
platform = "outbox"
path = "morning"
hours = { tue = "09:00-10:00" }

[publish]
alerts = ["alerts"]
request_timeout_seconds = 2
"#;

#[tokio::test]
async fn approved_posts_go_out_once_on_time_and_nothing_else_does() {
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({"id": "s1"})))
        .mount(&site)
        .await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&alerts)
        .await;

    let mut project = Project::new(ACCOUNTS);
    project.env.push((
        "HERALD_TEST_SITE_URL".into(),
        format!("{}/hook/secret-token", site.uri()),
    ));
    project.env.push((
        "HERALD_TEST_ALERTS_URL".into(),
        format!("{}/alerts", alerts.uri()),
    ));
    // Tuesday 1 December 2026: London is on GMT, so local times equal UTC here.
    let on_time = project.post(
        "on-time",
        "2026-12-01T10:00:04",
        &["outbox", "site"],
        "Book your flu jab.",
    );
    project.post(
        "draft",
        "2026-12-01T10:00:05",
        &["outbox", "site"],
        "Not approved yet.",
    );
    let edited = project.post("edited", "2026-12-01T10:00:05", &["outbox"], "Approved text.");
    let evening = project.post(
        "after-hours",
        "2026-12-01T10:00:06",
        &["morning"],
        "Too late for this account.",
    );
    let late = project.post(
        "slightly-late",
        "2026-12-01T09:50:00",
        &["outbox"],
        "Ten minutes late is fine.",
    );
    let broken = project.write("content/posts/broken.md", "+++\npublish_at = \n+++\nNo time.\n");
    project.approve(&[&on_time, &edited, &evening, &late]);
    // Edited after approval: held, never published.
    let text = std::fs::read_to_string(&edited)
        .unwrap()
        .replace("Approved text.", "Edited text.");
    std::fs::write(&edited, text).unwrap();

    let speed = 2.0;
    let mut daemon = project.start(utc("2026-12-01T09:59:58Z"), speed);
    daemon.ready().await;

    // A post added while herald runs is picked up.
    let added = project.post(
        "added",
        "2026-12-01T10:00:09",
        &["outbox"],
        "Added while running.",
    );
    project.approve(&[&added]);

    let done = eventually(Duration::from_secs(30), || {
        project.rows().iter().filter(|r| r["state"] == "sent").count() >= 4
    })
    .await;
    assert!(done, "{:#}\n{}", project.status(), daemon.logs());
    // Past every due time, and then some.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let status = project.status();
    assert_eq!(status["daemon"]["healthy"], true, "{status:#}");
    let rows = project.rows();
    let mut sent: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r["state"] == "sent")
        .map(|r| {
            (
                r["post_id"].as_str().unwrap().to_owned(),
                r["channel"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        [
            ("added", "outbox"),
            ("on-time", "outbox"),
            ("on-time", "site"),
            ("slightly-late", "outbox")
        ]
        .map(|(p, c)| (p.to_owned(), c.to_owned()))
    );
    // On time: never early, and within a second of the due time.
    for row in rows
        .iter()
        .filter(|r| r["state"] == "sent" && r["post_id"] != "slightly-late")
    {
        let late = instant(&row["sent_at"]) - instant(&row["due_at"]);
        assert!(late >= chrono::Duration::zero(), "{row:#}");
        assert!(late < chrono::Duration::seconds(1), "{row:#}");
    }
    // What the platforms saw: each approved post once, with its idempotency key.
    let outbox = project.outbox("outbox");
    let mut posts: Vec<&str> = outbox.iter().map(|f| f["post_id"].as_str().unwrap()).collect();
    posts.sort_unstable();
    assert_eq!(posts, ["added", "on-time", "slightly-late"]);
    assert!(project.outbox("morning").is_empty());
    let site_requests = site.received_requests().await.unwrap();
    assert_eq!(site_requests.len(), 1);
    assert_eq!(
        site_requests[0].headers.get("idempotency-key").unwrap(),
        "on-time#site@2026-12-01T10:00:04Z"
    );
    let body: Value = serde_json::from_slice(&site_requests[0].body).unwrap();
    assert_eq!(body["text"], "Book your flu jab.");

    // Out of hours: missed and announced, never sent.
    let missed: Vec<&Value> = rows.iter().filter(|r| r["state"] == "missed").collect();
    assert_eq!(missed.len(), 1, "{rows:#?}");
    assert_eq!(missed[0]["post_id"], "after-hours");
    assert!(
        missed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("outside the office hours of `morning`")
    );
    let mut announced = 0;
    for _ in 0..100 {
        announced = requests_with(&alerts, "post_id", "after-hours").await;
        if announced > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(announced, 1, "the missed post is announced once");
    // Drafts never reach the journal; a post edited after approval waits, held, and is reported
    // as missed if it is still held when its grace period ends; broken files are reported.
    assert!(!rows.iter().any(|r| r["post_id"] == "draft"));
    let edited_rows: Vec<&Value> = rows.iter().filter(|r| r["post_id"] == "edited").collect();
    assert_eq!(edited_rows.len(), 1);
    assert_eq!(edited_rows[0]["state"], "planned");
    let held: Vec<String> = status["held"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["reason"].to_string())
        .collect();
    assert!(
        held.iter()
            .any(|h| h.contains("changed after it was approved (the text)")),
        "{held:?}"
    );
    assert!(held.iter().any(|h| h.contains("broken.md:2")), "{held:?}");
    assert!(held.iter().any(|h| h.contains("not approved")), "{held:?}");
    assert!(
        !daemon.logs().contains("secret-token"),
        "a webhook URL reached the logs"
    );
    let _ = broken;
    daemon.stop();

    // With the daemon stopped, status reads the journal itself.
    let offline = project.status();
    assert!(offline["daemon"].is_null());
    assert_eq!(offline["published"].as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn after_downtime_only_posts_within_the_grace_period_and_office_hours_go_out() {
    let project = Project::new("[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n");
    let files = [
        project.post(
            "long-ago",
            "2026-12-01T10:00:02",
            &["outbox"],
            "Missed by half an hour.",
        ),
        project.post(
            "recent",
            "2026-12-01T10:20:00",
            &["outbox"],
            "Missed by ten minutes.",
        ),
        project.post(
            "before-close",
            "2026-12-01T16:55:00",
            &["outbox"],
            "Due just before closing.",
        ),
    ];
    project.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    // herald runs until 10:00:00, then is down until 10:30.
    let mut first = project.start(utc("2026-12-01T09:59:58Z"), 1.0);
    first.ready().await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    first.kill();
    let mut second = project.start(utc("2026-12-01T10:30:00Z"), 1.0);
    second.ready().await;
    // Wait for both rows to be settled, not merely planned: a planned row is written just before
    // the send, and stopping the daemon in between would leave the post for the next run.
    let finished = |n: usize| {
        let rows = project.rows();
        rows.len() == n && rows.iter().all(|r| !r["finished_at"].is_null())
    };
    let settled = eventually(Duration::from_secs(20), || finished(2)).await;
    assert!(settled, "{:#}", project.status());
    second.kill();
    // Down again from 16:50 to 17:05: the 16:55 post is not sent after closing time.
    let mut third = project.start(utc("2026-12-01T17:05:00Z"), 1.0);
    third.ready().await;
    let settled = eventually(Duration::from_secs(20), || finished(3)).await;
    assert!(settled, "{:#}", project.status());
    third.stop();
    let rows = project.rows();
    let row = |id: &str| rows.iter().find(|r| r["post_id"] == id).unwrap().clone();
    assert_eq!(row("recent")["state"], "sent", "{rows:#?}");
    let long_ago = row("long-ago");
    assert_eq!(long_ago["state"], "missed");
    assert!(
        long_ago["reason"]
            .as_str()
            .unwrap()
            .contains("more than the grace period of 15 minutes"),
        "{long_ago:#}"
    );
    let closing = row("before-close");
    assert_eq!(closing["state"], "missed");
    assert!(
        closing["reason"].as_str().unwrap().contains("office hours ended"),
        "{closing:#}"
    );
    let mut sent: Vec<String> = project
        .outbox("outbox")
        .iter()
        .map(|f| f["post_id"].to_string())
        .collect();
    sent.sort();
    assert_eq!(sent, ["\"recent\""]);
}
