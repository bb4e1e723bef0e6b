//! No credential ever shows: the real `herald run` with fake tokens against platforms that
//! refuse them (401, quoting the token back), fail (500, quoting it too), never answer in time,
//! and a token that isn't even a valid header; a webhook whose secret URL fails too. Nothing the
//! team or anyone else can see carries a token: not the logs, `herald status` (text and JSON),
//! `herald accounts verify`, the status page, `/status.json`, `/metrics`, nor the alerts sent to
//! the team.

use std::time::Duration;

use wiremock::matchers::{any, method};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::*;

const REFUSED: &str = "tok-SECRET-refused-5c1e";
const BROKEN: &str = "tok-SECRET-broken-9a7b";
const SLOW: &str = "tok-SECRET-slow-33d0";
const MALFORMED: &str = "tok-SECRET-malformed-e4f2\r\nX-Injected: 1";
const HOOK: &str = "hook-SECRET-path-71aa";

/// The secret parts every assertion looks for (the malformed token's first line is enough).
const SECRETS: &[&str] = &[
    REFUSED,
    BROKEN,
    SLOW,
    "tok-SECRET-malformed-e4f2",
    HOOK,
    // The part they share, so a token cut short is caught too.
    "SECRET",
];

/// Answers every request with `status`, quoting back the credentials it carried (its
/// Authorization header and its path) in every common error shape.
struct Echo(u16);

impl Respond for Echo {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let authorization = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let echo = format!("refused {authorization} at {}", request.url);
        ResponseTemplate::new(self.0)
            .set_body_json(serde_json::json!({"error": echo, "message": echo, "detail": echo}))
    }
}

fn assert_clean(what: &str, text: &str) {
    for secret in SECRETS {
        assert!(
            !text.contains(secret),
            "{what} shows a credential (`{secret}`):\n{text}"
        );
    }
}

async fn get(url: &str) -> String {
    herald::http::client()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn no_token_shows_anywhere_whatever_goes_wrong() {
    let refused = MockServer::start().await;
    Mock::given(any()).respond_with(Echo(401)).mount(&refused).await;
    let broken = MockServer::start().await;
    Mock::given(any()).respond_with(Echo(500)).mount(&broken).await;
    let slow = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(20)))
        .mount(&slow)
        .await;
    let malformed = MockServer::start().await;
    Mock::given(any()).respond_with(Echo(401)).mount(&malformed).await;
    let hook = MockServer::start().await;
    Mock::given(any()).respond_with(Echo(500)).mount(&hook).await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&alerts)
        .await;

    let mastodon = |name: &str, server: &MockServer| {
        format!(
            "[[accounts]]\nname = \"{name}\"\nplatform = \"mastodon\"\nbase_url = \"{}\"\ntoken_env = \"HERALD_TEST_{}_TOKEN\"\n\n",
            server.uri(),
            name.to_uppercase()
        )
    };
    let accounts = format!(
        "[hours]\ntue = \"09:00-17:00\"\n\n{}{}{}{}[[accounts]]\nname = \"site\"\nplatform = \"webhook\"\ntoken_env = \"HERALD_TEST_SITE_URL\"\n\n[[accounts]]\nname = \"alerts\"\nplatform = \"webhook\"\ntoken_env = \"HERALD_TEST_ALERTS_URL\"\n\n[publish]\nalerts = [\"alerts\"]\nrequest_timeout_seconds = 2\n\n[inbox]\npoll_seconds = 5\n",
        mastodon("refused", &refused),
        mastodon("broken", &broken),
        mastodon("slow", &slow),
        mastodon("malformed", &malformed),
    );
    let mut project = Project::new(&accounts);
    for (var, value) in [
        ("HERALD_TEST_REFUSED_TOKEN", REFUSED.to_owned()),
        ("HERALD_TEST_BROKEN_TOKEN", BROKEN.to_owned()),
        ("HERALD_TEST_SLOW_TOKEN", SLOW.to_owned()),
        ("HERALD_TEST_MALFORMED_TOKEN", MALFORMED.to_owned()),
        ("HERALD_TEST_SITE_URL", format!("{}/{HOOK}", hook.uri())),
        ("HERALD_TEST_ALERTS_URL", format!("{}/alerts", alerts.uri())),
    ] {
        project.env.push((var.into(), value));
    }
    let names = ["refused", "broken", "slow", "malformed", "site"];
    let files: Vec<PathBuf> = names
        .iter()
        .map(|name| project.post(name, "2026-12-01T10:00:02", &[name], &format!("Post for {name}.")))
        .collect();
    project.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());

    let mut daemon = project.start(utc("2026-12-01T10:00:00Z"), 1.0);
    daemon.ready().await;
    // Every post has been tried and has an error to show: refused and malformed failed, broken
    // and site wait to retry, slow timed out (retried under its idempotency key, or unknown).
    let settled = eventually(Duration::from_secs(60), || {
        let rows = project.rows();
        rows.len() == names.len()
            && rows.iter().all(|r| {
                r["attempts"].as_i64() >= Some(1) && r["reason"].as_str().is_some_and(|s| !s.is_empty())
            })
            && rows.iter().any(|r| {
                r["channel"] == "slow"
                    && (r["state"] == "unknown"
                        || r["reason"].as_str().is_some_and(|s| s.contains("timed out")))
            })
    })
    .await;
    let rows = project.rows();
    assert!(settled, "{rows:#?}\n{}", daemon.logs());
    assert!(
        rows.iter().all(|r| r["state"] != "sent"),
        "every platform refused, yet: {rows:#?}"
    );

    let base = format!("http://127.0.0.1:{}", project.port);
    let page = get(&format!("{base}/")).await;
    let status_json = get(&format!("{base}/status.json")).await;
    let metrics = get(&format!("{base}/metrics")).await;
    let status_text = project.command().arg("status").output().unwrap();
    let status_json_cli = project
        .command()
        .args(["status", "--format", "json"])
        .output()
        .unwrap();
    let verify = project.command().args(["accounts", "verify"]).output().unwrap();
    let alerts_sent: Vec<String> = alerts
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    daemon.stop();
    let logs = std::fs::read_to_string(project.path().join("run-0.log")).unwrap();

    // The error paths really ran: each refusal, failure and time-out is in the logs and status.
    let everything = format!("{logs}\n{status_json}");
    for expected in ["401", "500", "refused", "broken", "slow", "malformed", "site"] {
        assert!(
            everything.contains(expected),
            "`{expected}` not seen:\n{everything}"
        );
    }
    assert!(page.contains("refused") && page.contains("site"), "{page}");
    assert!(!alerts_sent.is_empty(), "no alert reached the team:\n{logs}");
    assert_eq!(verify.status.code(), Some(1), "verify should fail every account");

    assert_clean("the daemon's logs", &logs);
    assert_clean("the status page", &page);
    assert_clean("/status.json", &status_json);
    assert_clean("/metrics", &metrics);
    for (what, output) in [
        ("`herald status`", &status_text),
        ("`herald status --format json`", &status_json_cli),
        ("`herald accounts verify`", &verify),
    ] {
        assert_clean(what, &String::from_utf8_lossy(&output.stdout));
        assert_clean(what, &String::from_utf8_lossy(&output.stderr));
    }
    for alert in &alerts_sent {
        assert_clean("an alert to the team", alert);
    }
}
