//! The real `herald run` on a simulated clock, against the outbox and local HTTP fakes (wiremock
//! through the webhook channel): what it publishes, when, and what survives a kill -9.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)] // test code: a failed unwrap is a failed test

mod bench;
mod clock_change;
mod inbox;
mod page;
mod publish;
mod replicas;
mod restart;
mod retries;
mod secrets;
mod story;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::Value;

/// The herald binary.
pub fn herald_bin() -> PathBuf {
    assert_cmd::cargo::cargo_bin("herald")
}

/// A free port on loopback.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// An instant.
pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A project in a temporary folder.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub port: u16,
    pub env: Vec<(String, String)>,
}

impl Project {
    /// A project whose herald.toml has `accounts_and_more` after the standard header.
    pub fn new(accounts_and_more: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = format!(
            "timezone = \"Europe/London\"\n\n[database]\nurl = \"sqlite://herald.db\"\n\n[server]\nlisten = \"127.0.0.1:{port}\"\n\n{accounts_and_more}"
        );
        std::fs::write(dir.path().join("herald.toml"), config).unwrap();
        std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
        Project {
            dir,
            port,
            env: Vec::new(),
        }
    }

    /// A project whose herald.toml has `database` as its `[database]` table (e.g. a PostgreSQL
    /// URL from the environment), then `accounts_and_more`.
    pub fn with_database(database: &str, accounts_and_more: &str) -> Project {
        let project = Project::new(accounts_and_more);
        let config = std::fs::read_to_string(project.path().join("herald.toml"))
            .unwrap()
            .replace(
                "[database]\nurl = \"sqlite://herald.db\"\n",
                &format!("[database]\n{database}\n"),
            );
        std::fs::write(project.path().join("herald.toml"), config).unwrap();
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a post file; returns its path.
    pub fn post(&self, id: &str, publish_at: &str, channels: &[&str], text: &str) -> PathBuf {
        let channels: Vec<String> = channels.iter().map(|c| format!("\"{c}\"")).collect();
        let path = self.path().join(format!("content/posts/{id}.md"));
        std::fs::write(
            &path,
            format!(
                "+++\npublish_at = {publish_at}\nchannels = [{}]\n+++\n{text}\n",
                channels.join(", ")
            ),
        )
        .unwrap();
        path
    }

    /// Writes a file under the project.
    pub fn write(&self, relative: &str, text: &str) -> PathBuf {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, text).unwrap();
        path
    }

    /// `herald approve FILES --by Tester`.
    pub fn approve(&self, files: &[&Path]) {
        let output = self
            .command()
            .arg("approve")
            .args(files)
            .args(["--by", "Tester"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    /// A herald command in the project.
    pub fn command(&self) -> Command {
        let mut cmd = Command::new(herald_bin());
        cmd.current_dir(self.path())
            .env_remove("HERALD_CONFIG")
            .env_remove("HERALD_CONTENT")
            .env("NO_COLOR", "1");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        cmd
    }

    /// Starts `herald run` on a simulated clock; logs go to `run-N.log`.
    pub fn start(&self, clock_start: DateTime<Utc>, speed: f64) -> Daemon {
        let n = std::fs::read_dir(self.path()).unwrap().filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("run-"))
        });
        let log = self.path().join(format!("run-{}.log", n.count()));
        let child = self
            .command()
            .args(["run", "--log-format", "json", "--clock-start"])
            .arg(clock_start.to_rfc3339())
            .arg("--clock-speed")
            .arg(speed.to_string())
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        Daemon {
            child,
            log,
            port: self.port,
        }
    }

    /// `herald status --format json`.
    pub fn status(&self) -> Value {
        let output = self
            .command()
            .args(["status", "--format", "json"])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice(&output.stdout).unwrap()
    }

    /// Every journal row in `herald status` (published, pending, failed, missed, unknown).
    pub fn rows(&self) -> Vec<Value> {
        let status = self.status();
        ["published", "pending", "failed", "missed", "unknown"]
            .iter()
            .flat_map(|k| status[*k].as_array().cloned().unwrap_or_default())
            .filter(|r| r["state"] != "scheduled")
            .collect()
    }

    /// The files the outbox at `folder` published, as JSON.
    pub fn outbox(&self, folder: &str) -> Vec<Value> {
        let dir = self.path().join(folder).join("published");
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect()
    }
}

/// A running `herald run`.
pub struct Daemon {
    pub child: Child,
    pub log: PathBuf,
    pub port: u16,
}

impl Daemon {
    /// Waits until `/healthz` answers.
    pub async fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("herald run exited with {status}: {}", self.logs());
            }
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("herald run didn't start listening: {}", self.logs());
    }

    /// The logs so far.
    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// kill -9.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for a clean exit.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(
                    status.success(),
                    "herald run exited with {status}: {}",
                    self.logs()
                );
                return;
            }
            assert!(
                Instant::now() < deadline,
                "herald run didn't stop: {}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Polls `check` until it holds or `limit` passes; returns whether it held.
pub async fn eventually(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if check() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// An RFC 3339 instant from a JSON value.
pub fn instant(v: &Value) -> DateTime<Utc> {
    utc(v.as_str().unwrap_or_else(|| panic!("not an instant: {v}")))
}

/// The requests a wiremock server received whose JSON body has `field` = `value`.
pub async fn requests_with(server: &wiremock::MockServer, field: &str, value: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| serde_json::from_slice::<Value>(&r.body).is_ok_and(|b| b[field].as_str() == Some(value)))
        .count()
}

/// The URL of a fresh, empty PostgreSQL database on the server `HERALD_TEST_POSTGRES_URL` names,
/// or `None` (with a note) when it isn't set. CI sets it and `HERALD_REQUIRE_POSTGRES=1`, so the
/// tests that need it can't silently skip there.
pub async fn fresh_postgres() -> Option<String> {
    use sqlx::Connection;
    let Ok(admin) = std::env::var("HERALD_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("HERALD_REQUIRE_POSTGRES").is_err(),
            "HERALD_REQUIRE_POSTGRES is set but HERALD_TEST_POSTGRES_URL is not"
        );
        eprintln!("skipped: set HERALD_TEST_POSTGRES_URL to a PostgreSQL server to run this test");
        return None;
    };
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to test postgres");
    let name = format!(
        "herald_daemon_{}_{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    );
    // The name is made here from digits only.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin).expect("postgres url");
    url.set_path(&name);
    Some(url.to_string())
}
