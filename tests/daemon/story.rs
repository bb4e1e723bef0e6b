//! A new user's first run: `herald init`, `herald check`, `herald plan`, `herald calendar`,
//! `herald run` and its status page, on one project at a simulated clock. Each tells the same
//! story about the same calendar: the same publications, at the same local times, in the same
//! state.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::Value;

use super::*;

/// (post, channel, due) of a JSON row.
fn key(v: &Value) -> (String, String, DateTime<Utc>) {
    (
        v["post_id"].as_str().unwrap().to_owned(),
        v["channel"].as_str().unwrap().to_owned(),
        instant(&v["due_at"]),
    )
}

fn run_json(project: &Project, args: &[&str]) -> Value {
    let output = project.command().args(args).output().unwrap();
    assert!(
        output.status.success(),
        "herald {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

#[tokio::test]
async fn init_check_plan_calendar_run_and_the_page_agree() {
    let dir = tempfile::tempdir().unwrap();
    let init = std::process::Command::new(herald_bin())
        .arg("init")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(init.status.success());
    let port = free_port();
    let config = dir.path().join("herald.toml");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("listen = \"127.0.0.1:8080\""));
    std::fs::write(
        &config,
        text.replace("127.0.0.1:8080", &format!("127.0.0.1:{port}")),
    )
    .unwrap();
    let project = Project {
        dir,
        port,
        env: Vec::new(),
    };

    // check: the example is clean at the time we rehearse.
    let check = project
        .command()
        .args(["check", "--at", "2026-12-01T09:59:00Z"])
        .output()
        .unwrap();
    assert!(check.status.success());
    assert!(String::from_utf8_lossy(&check.stdout).ends_with("no problems found\n"));

    // plan, before anything ran: three publications in the coming fortnight's first days, all
    // ready, and no database created.
    let at = "2026-12-01T09:59:00Z";
    let plan = run_json(
        &project,
        &["plan", "--at", at, "--days", "14", "--format", "json"],
    );
    assert_eq!(plan["journal"], false);
    assert!(!project.path().join("herald.db").exists());
    let planned: Vec<&Value> = plan["publications"].as_array().unwrap().iter().collect();
    let locals: Vec<(&str, &str)> = planned
        .iter()
        .map(|p| (p["local"].as_str().unwrap(), p["post_id"].as_str().unwrap()))
        .collect();
    assert_eq!(
        locals,
        [
            ("2026-12-01T10:00:00+00:00", "2026-12/flu-vaccine-over-65s"),
            ("2026-12-02T10:00:00+00:00", "winter-vaccines#weekly-reminder"),
            ("2026-12-03T14:30:00+00:00", "2026-12/pharmacy-first"),
            ("2026-12-09T10:00:00+00:00", "winter-vaccines#weekly-reminder"),
        ]
    );
    assert!(
        planned
            .iter()
            .all(|p| p["status"] == "ready" && p["checks"] == serde_json::json!([]))
    );

    // calendar: the same publications at the same wall times.
    let ics = project.command().args(["calendar", "--ics"]).output().unwrap();
    let ics = String::from_utf8(ics.stdout).unwrap();
    for p in &planned {
        let local = DateTime::parse_from_rfc3339(p["local"].as_str().unwrap()).unwrap();
        let line = format!(
            "DTSTART;TZID=Europe/London:{}\r\n",
            local.naive_local().format("%Y%m%dT%H%M%S")
        );
        assert!(ics.contains(&line), "{line:?} not in the calendar");
    }

    // run: the 10:00 post goes out.
    let mut daemon = project.start(utc("2026-12-01T09:59:57Z"), 1.0);
    daemon.ready().await;
    let sent = eventually(Duration::from_secs(30), || {
        project
            .rows()
            .iter()
            .any(|r| r["state"] == "sent" && r["post_id"] == "2026-12/flu-vaccine-over-65s")
    })
    .await;
    assert!(sent, "{:#}\n{}", project.status(), daemon.logs());

    // status (from the daemon) and plan (from the journal) agree on what was sent and where.
    let status = project.status();
    assert_eq!(status["daemon"]["healthy"], true, "{status:#}");
    let published = &status["published"][0];
    assert_eq!(published["post_id"], "2026-12/flu-vaccine-over-65s");
    let url = published["url"].as_str().unwrap().to_owned();
    assert!(url.starts_with("file://"), "{url}");
    let plan = run_json(
        &project,
        &["plan", "--at", at, "--days", "14", "--format", "json"],
    );
    assert_eq!(plan["journal"], true);
    let flu = &plan["publications"][0];
    assert_eq!(flu["status"], "sent");
    assert_eq!(flu["journal"]["url"], url.as_str());

    // What is still to come: the plan's ready publications after now are the status's pending
    // ones within the plan's window, and vice versa.
    let now = instant(&status["now"]);
    let until = instant(&plan["until"]);
    let from_plan: BTreeSet<_> = plan["publications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["status"] == "ready" && instant(&p["due_at"]) > now)
        .map(key)
        .collect();
    let from_status: BTreeSet<_> = status["pending"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| instant(&r["due_at"]) <= until)
        .map(key)
        .collect();
    assert_eq!(from_plan, from_status);
    assert_eq!(from_plan.len(), 3);

    // The page shows the same: open hours as `herald hours` says, the post just published with
    // its link, and the same upcoming publications at the same local times.
    let client = herald::http::client().build().unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let html = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let hours = run_json(
        &project,
        &["hours", "--at", &now.to_rfc3339(), "--format", "json"],
    );
    assert_eq!(hours["open"], true);
    assert!(
        hours["next_close"]
            .as_str()
            .unwrap()
            .starts_with("2026-12-01T17:00:00")
    );
    assert!(
        html.contains("The team is open now, until 17:00 today."),
        "{html}"
    );
    let escaped_url = url.replace('&', "&amp;");
    assert!(
        html.contains(&format!("<span class=\"url\">{escaped_url}</span>")),
        "the outbox's file link is shown, not linked: {html}"
    );
    for (post, channel, due) in &from_status {
        let local =
            DateTime::parse_from_rfc3339(&herald::hours::rfc3339_in(herald::hours::DEFAULT_ZONE, *due))
                .unwrap();
        let when = format!("{}, {}", local.format("%a %-d %b %Y"), local.format("%H:%M"));
        let row = format!(
            "<td role=\"cell\" data-label=\"Channel\">{channel}</td><td role=\"cell\" data-label=\"Post\">{}</td>",
            post.replace('&', "&amp;")
        );
        assert!(
            html.contains(&when) && html.contains(&row),
            "{when} {row} not on the page"
        );
    }

    // The calendar the daemon serves is the one the command writes (but for its stamp).
    let served = client
        .get(format!("{base}/calendar.ics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let unstamped = |s: &str| {
        s.split("\r\n")
            .filter(|l| !l.starts_with("DTSTAMP:"))
            .collect::<Vec<_>>()
            .join("\r\n")
    };
    assert_eq!(unstamped(&served), unstamped(&ics));

    // The metrics count the one publication, and how late it was.
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("herald_publications_total{channel=\"outbox\",result=\"sent\"} 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("herald_publication_lateness_seconds_count 1\n"),
        "{metrics}"
    );
    let ready = client.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    daemon.stop();
}
