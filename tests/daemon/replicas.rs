//! Three `herald run` replicas on one PostgreSQL database, each with its own checkout of the same
//! content, on simulated clocks started at the same instant: many posts due at once to a fake
//! webhook, out-of-hours mentions on a fake Mastodon, and one replica killed (kill -9) mid-run
//! while it holds the inbox and has sends in flight. Every post reaches the fake exactly once,
//! every mention is answered exactly once, and the killed replica's in-flight sends are never
//! resent: their leases run out, they become unknown, and (a webhook can't be asked) they are
//! parked for a person and announced to the team.
//!
//! Needs `HERALD_TEST_POSTGRES_URL` (CI sets it, with `HERALD_REQUIRE_POSTGRES=1`); skipped with
//! a note otherwise. `bench_replicas` (ignored) measures publications per second across three
//! replicas for docs/benchmarks.md.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sqlx::PgPool;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::inbox::{Fake, TEAM_TOKEN, account, mastodon, replies};
use super::*;

/// The fake webhook: records each publication's key as it arrives (before its answer, which
/// comes after `delay`).
#[derive(Clone)]
struct Site {
    received: Arc<Mutex<Vec<(String, Instant)>>>,
    delay: Duration,
}

impl Respond for Site {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let key = body["key"].as_str().unwrap_or_default().to_owned();
        let mut received = self.received.lock().unwrap();
        received.push((key, Instant::now()));
        let id = received.len();
        ResponseTemplate::new(200)
            .set_body_json(json!({ "id": format!("site-{id}") }))
            .set_delay(self.delay)
    }
}

impl Site {
    async fn start(delay: Duration) -> (Site, MockServer) {
        let site = Site {
            received: Arc::default(),
            delay,
        };
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/hook"))
            .respond_with(site.clone())
            .mount(&server)
            .await;
        (site, server)
    }

    fn counts(&self) -> HashMap<String, usize> {
        let mut counts = HashMap::new();
        for (key, _) in self.received.lock().unwrap().iter() {
            *counts.entry(key.clone()).or_default() += 1;
        }
        counts
    }
}

const ACCOUNTS: &str = r#"[hours]
tue = "09:00-17:00"

[[accounts]]
name = "site"
platform = "webhook"
token_env = "HERALD_TEST_SITE_URL"

[[accounts]]
name = "alerts"
platform = "webhook"
token_env = "HERALD_TEST_ALERTS_URL"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "BASE"
token_env = "HERALD_TEST_TEAM_TOKEN"
hours = { tue = "09:00-09:30" }

[publish]
alerts = ["alerts"]
request_timeout_seconds = 5

[inbox]
accounts = ["mastodon"]
poll_seconds = 1
"#;

/// Copies a folder tree.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Three checkouts of one project sharing the database at `url`, with `count` approved posts
/// due at `due` on the webhook.
fn replicas(
    url: &str,
    lease_seconds: u32,
    mastodon_uri: &str,
    env: &[(&str, String)],
    count: usize,
    due: &str,
) -> Vec<Project> {
    let accounts = ACCOUNTS.replace("BASE", mastodon_uri);
    let database = format!("url_env = \"HERALD_TEST_DATABASE_URL\"\nlease_seconds = {lease_seconds}");
    let projects: Vec<Project> = (0..3)
        .map(|_| {
            let mut p = Project::with_database(&database, &accounts);
            p.env.push(("HERALD_TEST_DATABASE_URL".into(), url.to_owned()));
            p.env.push(("HERALD_TEST_TEAM_TOKEN".into(), TEAM_TOKEN.into()));
            for (k, v) in env {
                p.env.push(((*k).to_owned(), v.clone()));
            }
            p
        })
        .collect();
    let first = &projects[0];
    first.write("content/replies.toml", include_str!("../../content/replies.toml"));
    let files: Vec<PathBuf> = (0..count)
        .map(|i| {
            first.post(
                &format!("p{i:03}"),
                due,
                &["site"],
                &format!("Clinic update {i}."),
            )
        })
        .collect();
    first.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    for other in &projects[1..] {
        std::fs::remove_dir_all(other.path().join("content")).unwrap();
        copy_tree(&first.path().join("content"), &other.path().join("content"));
    }
    projects
}

/// (key, state, claimed_by, parked) of every journal row.
async fn journal(pool: &PgPool) -> Vec<(String, String, Option<String>, bool)> {
    sqlx::query_as("SELECT key, state, claimed_by, parked FROM publications ORDER BY key")
        .fetch_all(pool)
        .await
        .unwrap_or_default()
}

/// The process id in a replica's id (`host-pid-start`).
fn pid_of(replica: &str) -> Option<u32> {
    replica.rsplit('-').nth(1)?.parse().ok()
}

/// Replies posted to each mention, by mention id.
async fn answers(server: &MockServer) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for (to, _, _) in replies(server).await {
        *out.entry(to).or_default() += 1;
    }
    out
}

#[tokio::test]
async fn three_replicas_publish_each_post_once_and_answer_each_mention_once_when_one_is_killed() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let pool = PgPool::connect(&url).await.unwrap();
    // Answers come 1.5 s after the request arrives, so a replica killed just after its requests
    // left has them in flight; its lease (2 s) runs out soon after.
    let (site, site_server) = Site::start(Duration::from_millis(1500)).await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&alerts)
        .await;
    let fake = Fake::default();
    let social = mastodon(&fake).await;
    let count = 90;
    let env = [
        ("HERALD_TEST_SITE_URL", format!("{}/hook", site_server.uri())),
        ("HERALD_TEST_ALERTS_URL", format!("{}/alerts", alerts.uri())),
    ];
    // Tuesday 1 December 2026 (GMT): the webhook's office is open, the Mastodon account's
    // closed since 09:30, so mentions get the out-of-hours reply.
    let projects = replicas(&url, 2, &social.uri(), &env, count, "2026-12-01T10:00:05");
    let start = utc("2026-12-01T10:00:00Z");
    let mut daemons = Vec::new();
    for p in &projects {
        daemons.push(p.start(start, 1.0));
    }
    for d in &mut daemons {
        d.ready().await;
    }
    let people: Vec<Value> = (0..20)
        .map(|i| {
            account(
                &format!("{}", 300 + i),
                &format!("person{i}@people.example"),
                false,
            )
        })
        .collect();
    let mention = |i: usize| {
        fake.mention(
            101 + i as u64,
            &people[i],
            &format!("Hi, can I get a GP appointment for my back pain? ({i})"),
            "2026-12-01T10:00:01.000Z",
        );
    };
    for i in 0..10 {
        mention(i);
    }

    // Kill the replica reading the inbox once the first mentions are answered and it has as many
    // sends in flight as it makes at once (8), all of whose requests arrived less than a second
    // ago, well before their answers.
    let deadline = Instant::now() + Duration::from_secs(30);
    let (victim, in_flight) = loop {
        assert!(
            Instant::now() < deadline,
            "no moment to kill a replica mid-send: {}",
            daemons
                .iter()
                .map(Daemon::logs)
                .collect::<Vec<_>>()
                .join("\n---\n")
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
        let holder: Option<(String,)> =
            sqlx::query_as("SELECT owner FROM leases WHERE name = 'inbox:mastodon'")
                .fetch_optional(&pool)
                .await
                .unwrap_or(None);
        let Some((holder,)) = holder else { continue };
        if answers(&social).await.len() < 10 {
            continue;
        }
        let claimed: Vec<(String,)> =
            sqlx::query_as("SELECT key FROM publications WHERE state = 'claimed' AND claimed_by = $1")
                .bind(&holder)
                .fetch_all(&pool)
                .await
                .unwrap();
        // With all its 8 concurrent sends claimed it claims nothing more until one is answered.
        if claimed.len() < 8 {
            continue;
        }
        let received: HashMap<String, Instant> = site.received.lock().unwrap().iter().cloned().collect();
        let all_fresh = claimed.iter().all(|(k,)| {
            received
                .get(k)
                .is_some_and(|at| at.elapsed() < Duration::from_secs(1))
        });
        if !all_fresh {
            continue;
        }
        let pid = pid_of(&holder).expect("a replica id ends with its pid");
        let index = daemons
            .iter()
            .position(|d| d.child.id() == pid)
            .expect("the holder is one of ours");
        let victim = daemons.remove(index);
        victim.kill();
        break (holder, claimed.into_iter().map(|(k,)| k).collect::<BTreeSet<_>>());
    };
    eprintln!(
        "killed {victim} with {} sends in flight: {in_flight:?}",
        in_flight.len()
    );
    // More mentions after the kill: the inbox must fail over to read them.
    for i in 10..20 {
        mention(i);
    }

    let deadline = Instant::now() + Duration::from_secs(40);
    loop {
        let rows = journal(&pool).await;
        let settled = rows.len() == count
            && rows
                .iter()
                .all(|(_, state, _, parked)| state == "sent" || (state == "unknown" && *parked));
        let answered = answers(&social).await.len() == 20;
        let mut announced = true;
        for key in &in_flight {
            announced &= requests_with(&alerts, "key", &format!("alert:{key}:unknown")).await == 1;
        }
        if settled && answered && announced {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not settled: {} rows, {:?} answered, victim {victim} had {in_flight:?}\n{}",
            rows.len(),
            answers(&social).await,
            daemons
                .iter()
                .map(Daemon::logs)
                .collect::<Vec<_>>()
                .join("\n---\n")
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Anything sent twice would show by now.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let survivor = projects
        .iter()
        .find(|p| daemons.iter().any(|d| d.port == p.port))
        .unwrap();
    let status: Value = herald::http::client()
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{}/status", survivor.port))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = survivor.command().arg("status").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    for d in daemons {
        d.stop();
    }
    // `herald status` says which replica answered, which others run, and who reads the inbox.
    assert!(
        text.contains(" (answering)") && text.contains("  replicas: "),
        "{text}"
    );
    assert!(text.contains("  inbox:mastodon held by "), "{text}");

    // Every post reached the fake exactly once.
    let counts = site.counts();
    let rows = journal(&pool).await;
    assert_eq!(rows.len(), count);
    for (key, state, claimed_by, parked) in &rows {
        assert_eq!(
            counts.get(key),
            Some(&1),
            "{key} ({state}) reached the fake {:?} times",
            counts.get(key)
        );
        if state == "unknown" {
            // Only the killed replica's sends in flight, never resent, parked for a person.
            assert!(
                in_flight.contains(key),
                "{key} unknown but not in flight at the kill"
            );
            assert_eq!(claimed_by.as_deref(), Some(victim.as_str()));
            assert!(parked);
        } else {
            assert_eq!(state, "sent", "{key}");
        }
    }
    assert_eq!(counts.len(), count, "nothing else was published");
    // Every mention was answered exactly once, including those after the failover.
    let answered = answers(&social).await;
    assert_eq!(answered.len(), 20, "{answered:?}");
    assert!(answered.values().all(|n| *n == 1), "{answered:?}");
    let recorded: Vec<(String, i64)> =
        sqlx::query_as("SELECT state, COUNT(*) FROM inbox_replies GROUP BY state ORDER BY state")
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(recorded, [("sent".to_owned(), 20)]);
    // The status page knows which replica it is and which ran beside it.
    let daemon = &status["daemon"];
    let me = daemon["replica"].as_str().unwrap();
    assert_ne!(me, victim);
    let listed: Vec<&str> = daemon["replicas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&me) && listed.len() >= 2, "{status}");
    pool.close().await;
}

#[tokio::test]
async fn a_second_run_on_one_sqlite_database_refuses_to_start() {
    let project = Project::new("[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n");
    let mut first = project.start(utc("2026-12-01T10:00:00Z"), 1.0);
    first.ready().await;
    let second = project
        .command()
        .args(["run", "--clock-start", "2026-12-01T10:00:00Z"])
        .output()
        .unwrap();
    assert!(!second.status.success());
    let err = String::from_utf8_lossy(&second.stderr);
    assert!(err.contains("another `herald run` is using"), "{err}");
    assert!(err.contains("PostgreSQL"), "{err}");
    first.stop();
}

#[tokio::test]
#[ignore = "a benchmark: run explicitly"]
async fn bench_replicas() {
    bench(3).await;
}

#[tokio::test]
#[ignore = "a benchmark: run explicitly"]
async fn bench_replicas_one_for_comparison() {
    bench(1).await;
}

/// Publications per second with `running` replicas on PostgreSQL to a fake webhook that answers
/// at once.
async fn bench(running: usize) {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let pool = PgPool::connect(&url).await.unwrap();
    let (site, site_server) = Site::start(Duration::ZERO).await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&alerts)
        .await;
    let fake = Fake::default();
    let social = mastodon(&fake).await;
    let count = 600;
    let env = [
        ("HERALD_TEST_SITE_URL", format!("{}/hook", site_server.uri())),
        ("HERALD_TEST_ALERTS_URL", format!("{}/alerts", alerts.uri())),
    ];
    let projects = replicas(&url, 30, &social.uri(), &env, count, "2026-12-01T10:00:10");
    let start = utc("2026-12-01T10:00:00Z");
    let mut daemons: Vec<Daemon> = projects[..running].iter().map(|p| p.start(start, 1.0)).collect();
    for d in &mut daemons {
        d.ready().await;
    }
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let sent: (i64,) = sqlx::query_as("SELECT COUNT(*) FROM publications WHERE state = 'sent'")
            .fetch_one(&pool)
            .await
            .unwrap();
        if sent.0 == count as i64 {
            break;
        }
        assert!(Instant::now() < deadline, "only {} sent", sent.0);
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let by_replica: Vec<(String, i64)> = sqlx::query_as(
        "SELECT claimed_by, COUNT(*) FROM publications GROUP BY claimed_by ORDER BY claimed_by",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let span: (f64,) =
        sqlx::query_as("SELECT EXTRACT(EPOCH FROM MAX(finished_at) - MIN(due_at))::float8 FROM publications")
            .fetch_one(&pool)
            .await
            .unwrap();
    for d in daemons {
        d.stop();
    }
    let received = site.received.lock().unwrap().clone();
    let first = received.iter().map(|(_, at)| *at).min().unwrap();
    let last = received.iter().map(|(_, at)| *at).max().unwrap();
    let counts = site.counts();
    let duplicates = counts.values().filter(|n| **n > 1).count();
    let wall = (last - first).as_secs_f64();
    println!(
        "{count} publications due at once, {running} replica(s), PostgreSQL, local fake webhook: \
         first to last request {wall:.2} s = {:.0} publications/s; due to last recorded {:.2} s = {:.0} publications/s; \
         requests {}, distinct {}, duplicates {duplicates}; per replica {:?}",
        count as f64 / wall,
        span.0,
        count as f64 / span.0,
        received.len(),
        counts.len(),
        by_replica.iter().map(|(_, n)| n).collect::<Vec<_>>()
    );
    assert_eq!(duplicates, 0);
    assert_eq!(counts.len(), count);
    pool.close().await;
}
