//! `herald run`: the daemon.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::{DateTime, NaiveDateTime, Utc};

use super::{Cli, ExitStatus};
use crate::channels::Channel;
use crate::channels::secret::Secret;
use crate::channels::webhook::Webhook;
use crate::clock::{SharedClock, SimulatedClock, SystemClock};
use crate::config::{CONTENT_DIR, Config, LoadedConfig, Platform, ServerConfig};
use crate::daemon::content::Loader;
use crate::daemon::replica::Membership;
use crate::daemon::server::{Auth, StatusServer};
use crate::daemon::{Component, Handle, Settings, Snapshot};
use crate::diag::{Report, Severity};
use crate::hours::{LocalTime, resolve_in};
use crate::inbox::Inbox;
use crate::publish::Publisher;
use crate::publish::alerts::Notifier;
use crate::schedule::Scheduler;

/// Log format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// One line per event, for people.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// `herald run` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Run on a simulated clock starting at this instant (RFC 3339, or a local time such as
    /// 2026-12-01T09:55:00 in the configured zone), to rehearse a day.
    #[arg(long, value_name = "INSTANT")]
    pub clock_start: Option<String>,
    /// Simulated seconds per real second (with or without --clock-start).
    #[arg(long, value_name = "N")]
    pub clock_speed: Option<f64>,
    /// Log format (logs go to standard error; RUST_LOG filters them).
    #[arg(long, value_enum, default_value = "text")]
    pub log_format: LogFormat,
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    use std::io::IsTerminal;
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color);
    // A second initialisation (tests running commands in one process) is harmless.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// An instant from the command line: RFC 3339, or a local time in `zone`.
pub(crate) fn parse_instant(text: &str, zone: chrono_tz::Tz) -> anyhow::Result<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.to_utc());
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .with_context(|| {
            format!("`{text}` is not an instant: write it like 2026-12-01T09:55:00Z or 2026-12-01T09:55:00")
        })?;
    match resolve_in(zone, local) {
        LocalTime::Unique(t) => Ok(t),
        LocalTime::Ambiguous { .. } => {
            anyhow::bail!("{text} happens twice in {zone} (the clocks go back): give an offset, e.g. +01:00")
        }
        LocalTime::Nonexistent { .. } => {
            anyhow::bail!("{text} doesn't exist in {zone} (the clocks go forward)")
        }
    }
}

/// The database URL: `url_env` when set, else `url`.
pub(crate) fn database_url(config: &Config) -> anyhow::Result<String> {
    match &config.database.url_env {
        Some(var) => std::env::var(var)
            .with_context(|| format!("the database URL is to come from ${var}, which is not set")),
        None => Ok(config.database.url.clone()),
    }
}

/// The config, refusing to run on one with errors.
pub(crate) fn load_config(path: &Path) -> anyhow::Result<Result<LoadedConfig, String>> {
    let (loaded, findings) = LoadedConfig::load(path)?;
    if findings.iter().any(|f| f.severity == Severity::Error) || loaded.config.is_none() {
        let mut report = Report::new();
        report.add_source(&loaded.source);
        report.extend(findings);
        return Ok(Err(report.render_text(false)));
    }
    Ok(Ok(loaded))
}

/// The outbox and webhook channels the config describes.
///
/// A stand-in for the shared channel registry (`channels::build`) being written alongside the
/// other platform adapters: herald refuses to start with an account it can't publish to yet,
/// rather than failing its posts one by one.
fn build_channels(
    loaded: &LoadedConfig,
    content_dir: &Path,
) -> anyhow::Result<BTreeMap<String, Arc<dyn Channel>>> {
    match crate::channels::build_in(loaded, content_dir) {
        Ok(channels) => Ok(channels
            .into_iter()
            .map(|channel| (channel.name().to_owned(), channel))
            .collect()),
        Err(errors) => {
            let reasons: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            anyhow::bail!(
                "can't set up the accounts (run `herald accounts verify` for details):\n{}",
                reasons.join("\n")
            )
        }
    }
}

/// The status server's token, from `[server] token_env` or `token_file`. Refuses to start a
/// server other machines can reach without one (the config check reports that too).
pub(crate) fn server_token(server: &ServerConfig, dir: &Path) -> anyhow::Result<Option<Secret>> {
    let token = crate::channels::secret::read(server.token_env.as_deref(), server.token_file.as_deref(), dir)
        .context("can't read the status server's token ([server] token_env / token_file)")?;
    if token.is_none() && server.is_public() {
        anyhow::bail!(
            "server.listen = \"{}\" can be reached from other machines, so the status server needs a token: \
             set [server] token_env (or listen on 127.0.0.1)",
            server.listen
        );
    }
    Ok(token)
}

fn server_auth(server: &ServerConfig, dir: &Path) -> anyhow::Result<Auth> {
    Ok(server_token(server, dir)?.map_or_else(Auth::open, |t| Auth::token(&t)))
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Runs the daemon until SIGTERM or SIGINT.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    init_logging(args.log_format);
    let loaded = match load_config(&cli.config)? {
        Ok(loaded) => loaded,
        Err(report) => {
            eprint!("{report}");
            anyhow::bail!("herald.toml has errors; fix them and start again");
        }
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("can't start the async runtime")?;
    runtime.block_on(daemon(cli, args, loaded))
}

async fn daemon(cli: &Cli, args: &Args, loaded: LoadedConfig) -> anyhow::Result<ExitStatus> {
    let config = loaded.config.clone().context("herald.toml didn't load")?;
    let zone = loaded.zone();
    let clock: SharedClock = match (&args.clock_start, args.clock_speed) {
        (None, None) => Arc::new(SystemClock),
        (start, speed) => {
            let speed = speed.unwrap_or(1.0);
            if !(speed.is_finite() && speed > 0.0) {
                anyhow::bail!("--clock-speed must be a positive number, like 60");
            }
            let start = match start {
                Some(text) => parse_instant(text, zone)?,
                None => Utc::now(),
            };
            tracing::info!(start = %start.to_rfc3339(), speed, "running on a simulated clock");
            Arc::new(SimulatedClock::new(start, speed))
        }
    };
    let timeout = Duration::from_secs(u64::from(config.publish.request_timeout_seconds));
    let alert_names: Vec<String> = match &config.publish.alerts {
        Some(names) => names.clone(),
        None => config
            .accounts
            .iter()
            .filter(|a| a.platform == Platform::Webhook)
            .map(|a| a.name.clone())
            .collect(),
    };
    let mut alerts = Vec::new();
    for name in &alert_names {
        if let Some(account) = loaded.account(name) {
            alerts.push(Arc::new(Webhook::from_account(account, &loaded.dir, timeout)?));
        }
    }
    let auth = server_auth(&config.server, &loaded.dir)?;
    let url = database_url(&config)?;
    // SQLite is for one instance: a second `herald run` on the same file refuses to start. The
    // lock is held until the process ends.
    let single = crate::store::lock_single_instance(&url, &loaded.dir)?;
    let store = crate::store::open(&url, &loaded.dir).await?;
    if url.starts_with("sqlite:") {
        // No other process uses this database: leases still held are from a run that was killed.
        store.reset_leases().await?;
    }
    let listener = tokio::net::TcpListener::bind(&config.server.listen)
        .await
        .with_context(|| format!("can't listen on {} (server.listen)", config.server.listen))?;
    let content_dir = cli
        .content
        .clone()
        .unwrap_or_else(|| loaded.dir.join(CONTENT_DIR));
    let channels = build_channels(&loaded, &content_dir)?;
    let loaded = Arc::new(loaded);
    let snapshot = {
        let loaded = Arc::clone(&loaded);
        let dir = content_dir.clone();
        tokio::task::spawn_blocking(move || Snapshot::load(loaded, &dir, 1)).await?
    };
    let started_at = clock.now();
    let host = crate::daemon::replica::host_name();
    // The replica's id: unique per run, and telling people which machine and process it is.
    let owner = format!(
        "{host}-{}-{:x}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
            % (1 << 40)
    );
    let settings = Settings {
        grace: chrono::Duration::minutes(i64::from(config.publish.grace_minutes)),
        request_timeout: timeout,
        owner,
        listen: config.server.listen.clone(),
        started_at,
        lease: config.database.lease(),
        // SQLite: locked above (or in memory), so no other process uses it.
        exclusive: url.starts_with("sqlite:"),
    };
    tracing::info!(
        channels = ?channels.keys().collect::<Vec<_>>(),
        alerts = ?alert_names,
        posts = snapshot.calendar.posts.len(),
        held = snapshot.held.len(),
        database = %crate::config::redact_url(&url),
        replica = %settings.owner,
        lease_seconds = settings.lease.as_secs(),
        "herald run starting"
    );
    let inbox = Inbox::new(&loaded);
    let handle = Handle::new(clock, store, channels, alerts, settings, snapshot);
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut hup) = signal(SignalKind::hangup()) {
            let h = handle.clone();
            tokio::spawn(async move {
                while hup.recv().await.is_some() {
                    tracing::info!("SIGHUP: reloading content");
                    h.request_reload();
                }
            });
        }
    }
    let mut components: Vec<Box<dyn Component>> = vec![
        Box::new(Loader::new(content_dir)),
        Box::new(Scheduler),
        Box::new(Publisher),
        Box::new(Notifier),
        Box::new(Membership::new(host)),
        Box::new(StatusServer::new(listener, auth)),
    ];
    if !inbox.is_empty() {
        components.push(Box::new(inbox));
    }
    let drain = timeout + Duration::from_secs(15);
    let result = crate::daemon::run(handle, components, shutdown_signal(), drain).await;
    drop(single);
    match result {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(ExitStatus::Success)
        }
        Err(e) => {
            tracing::error!(error = %e, "stopped after a failure");
            Ok(ExitStatus::Problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_rfc3339_or_local() {
        let london = crate::hours::DEFAULT_ZONE;
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert_eq!(
            parse_instant("2026-07-01T09:00:00Z", london).unwrap(),
            utc("2026-07-01T09:00:00Z")
        );
        assert_eq!(
            parse_instant("2026-07-01T10:00:00", london).unwrap(),
            utc("2026-07-01T09:00:00Z")
        );
        assert!(
            parse_instant("2026-10-25T01:30", london)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        assert!(parse_instant("tomorrow", london).is_err());
    }
}
