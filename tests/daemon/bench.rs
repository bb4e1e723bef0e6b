//! Figures for docs/benchmarks.md (## Daemon): idle memory and lateness. Ignored by default;
//! run with `cargo test --release --test daemon -- --ignored --nocapture bench_`. They measure
//! and print; they assert nothing about time.

use std::time::Duration;

use wiremock::matchers::method;
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::publish::ACCOUNTS;
use super::*;

fn rss_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::test]
#[ignore = "a benchmark: run explicitly"]
async fn bench_idle_memory() {
    // The example project `herald init` writes: outbox account, SQLite journal.
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new(herald_bin())
        .arg("init")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(status.status.success());
    let port = free_port();
    let config = std::fs::read_to_string(dir.path().join("herald.toml"))
        .unwrap()
        .replace("127.0.0.1:8080", &format!("127.0.0.1:{port}"));
    std::fs::write(dir.path().join("herald.toml"), config).unwrap();
    let mut child = Command::new(herald_bin())
        .current_dir(dir.path())
        .arg("run")
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut daemon_port_open = false;
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            daemon_port_open = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(daemon_port_open);
    tokio::time::sleep(Duration::from_secs(15)).await;
    let pid = child.id();
    println!(
        "idle after 15 s: VmRSS {} KiB, VmHWM {} KiB, threads {}",
        rss_kib(pid, "VmRSS:").unwrap_or(0),
        rss_kib(pid, "VmHWM:").unwrap_or(0),
        rss_kib(pid, "Threads:").unwrap_or(0)
    );
    let _ = child.kill();
    let _ = child.wait();
}

#[tokio::test]
#[ignore = "a benchmark: run explicitly"]
async fn bench_lateness() {
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&site)
        .await;
    let mut project = Project::new(ACCOUNTS);
    project
        .env
        .push(("HERALD_TEST_SITE_URL".into(), format!("{}/hook", site.uri())));
    project
        .env
        .push(("HERALD_TEST_ALERTS_URL".into(), format!("{}/alerts", site.uri())));
    let count = 60;
    let start = utc("2026-12-01T10:00:00Z");
    let files: Vec<PathBuf> = (0..count)
        .map(|i| {
            let at = (start + chrono::Duration::seconds(5 + i)).format("%Y-%m-%dT%H:%M:%S");
            project.post(
                &format!("p{i:02}"),
                &at.to_string(),
                &["outbox", "site"],
                &format!("Post {i}."),
            )
        })
        .collect();
    project.approve(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    // Speed 1: real time, as in production.
    let mut daemon = project.start(start, 1.0);
    daemon.ready().await;
    let db = project.path().join("herald.db");
    let sent = || {
        let conn = format!("sqlite://{}?mode=ro", db.display());
        async move {
            let pool = sqlx::SqlitePool::connect(&conn).await.ok()?;
            let rows: Vec<(String, String, String)> = sqlx::query_as(
                "SELECT due_at, claimed_at, finished_at FROM publications WHERE state = 'sent'",
            )
            .fetch_all(&pool)
            .await
            .ok()?;
            pool.close().await;
            Some(rows)
        }
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(150);
    let rows = loop {
        if let Some(rows) = sent().await
            && rows.len() == 2 * count as usize
        {
            break rows;
        }
        assert!(std::time::Instant::now() < deadline, "{}", daemon.logs());
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    daemon.stop();
    let parse = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
    for (name, pick) in [
        ("request left (claimed_at - due_at)", 1),
        ("recorded as sent (finished_at - due_at)", 2),
    ] {
        let mut late: Vec<i64> = rows
            .iter()
            .map(|r| {
                let at = if pick == 1 { &r.1 } else { &r.2 };
                (parse(at) - parse(&r.0)).num_microseconds().unwrap()
            })
            .collect();
        late.sort_unstable();
        println!(
            "{name}, {} publications: min {} µs, p50 {} µs, p90 {} µs, p99 {} µs, max {} µs; early: {}",
            late.len(),
            late[0],
            percentile(&late, 0.5),
            percentile(&late, 0.9),
            percentile(&late, 0.99),
            late[late.len() - 1],
            late.iter().filter(|l| **l < 0).count()
        );
    }
}
