//! kill -9 at random moments, then a restart: nothing is lost and nothing is published twice.
//!
//! The simulated clock carries on across restarts (each start is given the instant the timeline
//! has reached), as the system clock would. The outbox can be asked what it published, so every
//! interrupted send to it is settled; a webhook can't, so an interrupted send to it is parked for
//! a person: never resent.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::publish::ACCOUNTS;
use super::*;

/// A small deterministic generator (the seed is printed so a failure can be replayed).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn millis(&mut self, lo: u64, hi: u64) -> Duration {
        Duration::from_millis(lo + self.next() % (hi - lo))
    }
}

#[tokio::test]
async fn kill_9_and_restart_loses_nothing_and_duplicates_nothing() {
    let site = MockServer::start().await;
    // A little latency widens the window in which a kill lands mid-request.
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(40)))
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
    let count = 24;
    let start = utc("2026-12-01T10:00:00Z");
    let files: Vec<PathBuf> = (0..count)
        .map(|i| {
            let at = (start + chrono::Duration::milliseconds(2000 + 500 * i)).format("%Y-%m-%dT%H:%M:%S%.3f");
            project.post(
                &format!("p{i:02}"),
                &format!("{at}+00:00"),
                &["outbox", "site"],
                &format!("Post {i}."),
            )
        })
        .collect();
    project.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    let last_due = start + chrono::Duration::milliseconds(2000 + 500 * (count - 1));

    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    println!("seed {seed}");
    let mut random = Lcg(seed);
    let speed = 2.0;
    let real_start = Instant::now();
    let timeline = || start + chrono::Duration::from_std(real_start.elapsed().mul_f64(speed)).unwrap();
    let mut kills = 0;
    while timeline() < last_due + chrono::Duration::seconds(1) {
        let mut daemon = project.start(timeline(), speed);
        daemon.ready().await;
        tokio::time::sleep(random.millis(150, 1500)).await;
        daemon.kill();
        kills += 1;
        tokio::time::sleep(random.millis(0, 300)).await;
    }
    // A last run settles what the kills interrupted.
    let mut daemon = project.start(timeline(), speed);
    daemon.ready().await;
    let settled = eventually(Duration::from_secs(30), || {
        let rows = project.rows();
        rows.len() == 2 * count as usize
            && rows
                .iter()
                .all(|r| r["state"] == "sent" || (r["state"] == "unknown" && r["parked"] == true))
    })
    .await;
    let rows = project.rows();
    assert!(settled, "seed {seed}: {rows:#?}");
    daemon.stop();
    assert!(kills >= 3, "only {kills} kills");

    // Nothing lost: every post on both channels is sent, or (webhook only) parked for a person.
    let mut by_channel: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for row in &rows {
        by_channel
            .entry(row["channel"].as_str().unwrap())
            .or_default()
            .push(row);
    }
    assert!(
        by_channel["outbox"].iter().all(|r| r["state"] == "sent"),
        "seed {seed}: {rows:#?}"
    );
    assert_eq!(project.outbox("outbox").len(), count as usize);
    // Nothing twice: the webhook saw each key at most once, and exactly once if recorded as sent.
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for request in site.received_requests().await.unwrap() {
        let key = request
            .headers
            .get("idempotency-key")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        *seen.entry(key).or_default() += 1;
    }
    assert!(seen.values().all(|n| *n == 1), "seed {seed}: duplicates {seen:?}");
    let mut parked = 0;
    for row in &by_channel["site"] {
        let key = format!(
            "{}#site@{}",
            row["post_id"].as_str().unwrap(),
            instant(&row["due_at"]).to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
        );
        if row["state"] == "sent" {
            assert_eq!(
                seen.get(&key),
                Some(&1),
                "seed {seed}: {key} sent but not received"
            );
        } else {
            parked += 1;
        }
    }
    println!(
        "{kills} kills; {parked} webhook sends parked as unknown; {} received",
        seen.len()
    );
}
