//! 5xx and 429 are retried (429 after its Retry-After), a refusal fails at once with the
//! platform's message, and a time-out after the request left is never resent: it is reconciled
//! (a webhook can't be asked, so it is parked for a person) and announced.

use std::time::Duration;

use wiremock::matchers::{body_partial_json, method};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::publish::ACCOUNTS;
use super::*;

fn for_post(id: &str) -> wiremock::MockBuilder {
    Mock::given(method("POST")).and(body_partial_json(serde_json::json!({ "post_id": id })))
}

#[tokio::test]
async fn errors_are_retried_failed_or_parked_as_they_deserve() {
    let site = MockServer::start().await;
    for_post("flaky")
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream unavailable"))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&site)
        .await;
    for_post("limited")
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3")
                .set_body_json(serde_json::json!({"error": "Too many requests"})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&site)
        .await;
    for_post("refused")
        .respond_with(ResponseTemplate::new(422).set_body_json(
            serde_json::json!({"error": "Validation failed: Text character limit of 500 exceeded"}),
        ))
        .with_priority(1)
        .mount(&site)
        .await;
    for_post("slow")
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(6)))
        .with_priority(1)
        .mount(&site)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(5)
        .mount(&site)
        .await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&alerts)
        .await;

    let mut project = Project::new(ACCOUNTS);
    project
        .env
        .push(("HERALD_TEST_SITE_URL".into(), format!("{}/hook", site.uri())));
    project.env.push((
        "HERALD_TEST_ALERTS_URL".into(),
        format!("{}/alerts", alerts.uri()),
    ));
    let files: Vec<PathBuf> = ["flaky", "limited", "refused", "slow"]
        .iter()
        .map(|id| project.post(id, "2026-12-01T10:00:02", &["site"], &format!("Post {id}.")))
        .collect();
    project.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());

    let mut daemon = project.start(utc("2026-12-01T10:00:00Z"), 1.0);
    daemon.ready().await;
    let settled = eventually(Duration::from_secs(40), || {
        let rows = project.rows();
        rows.len() == 4
            && rows
                .iter()
                .all(|r| r["state"] != "planned" && r["state"] != "claimed")
            && rows.iter().any(|r| r["parked"] == true)
    })
    .await;
    let rows = project.rows();
    assert!(settled, "{rows:#?}\n{}", daemon.logs());
    let row = |id: &str| rows.iter().find(|r| r["post_id"] == id).unwrap().clone();

    // 503, 503, then 200: sent on the third attempt, with the same idempotency key each time.
    let flaky = row("flaky");
    assert_eq!(
        (flaky["state"].as_str(), flaky["attempts"].as_i64()),
        (Some("sent"), Some(3))
    );
    assert_eq!(requests_with(&site, "post_id", "flaky").await, 3);
    let keys: std::collections::BTreeSet<String> = site
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["post_id"] == "flaky")
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 1);

    // 429 with Retry-After: 3, then 200: the second attempt waited at least 3 seconds.
    let limited = row("limited");
    assert_eq!(
        (limited["state"].as_str(), limited["attempts"].as_i64()),
        (Some("sent"), Some(2))
    );
    let waited = instant(&limited["sent_at"]) - instant(&limited["due_at"]);
    assert!(waited >= chrono::Duration::seconds(3), "{limited:#}");

    // 422: failed at once, with what the platform said.
    let refused = row("refused");
    assert_eq!(
        (refused["state"].as_str(), refused["attempts"].as_i64()),
        (Some("failed"), Some(1))
    );
    assert_eq!(
        refused["reason"],
        "the webhook `site` answered 422 Unprocessable Entity: Validation failed: Text character limit of 500 exceeded"
    );
    assert_eq!(requests_with(&site, "post_id", "refused").await, 1);

    // No answer within the time-out: unknown, asked once, never resent, parked for a person.
    let slow = row("slow");
    assert_eq!(
        (slow["state"].as_str(), slow["parked"].as_bool()),
        (Some("unknown"), Some(true))
    );
    assert!(
        slow["reason"].as_str().unwrap().contains("didn't answer in time"),
        "{slow:#}"
    );
    assert_eq!(requests_with(&site, "post_id", "slow").await, 1);

    // The team hears about the failure and the parked outcome, once each.
    let mut told = (0, 0);
    for _ in 0..100 {
        told = (
            requests_with(&alerts, "post_id", "refused").await,
            requests_with(&alerts, "post_id", "slow").await,
        );
        if told == (1, 1) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(told, (1, 1));
    assert_eq!(alerts.received_requests().await.unwrap().len(), 2);
    daemon.stop();
    // Still never resent after a restart.
    let mut again = project.start(utc("2026-12-01T10:01:00Z"), 1.0);
    again.ready().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(requests_with(&site, "post_id", "slow").await, 1);
    assert_eq!(requests_with(&site, "post_id", "refused").await, 1);
    again.stop();
}
