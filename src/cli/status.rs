//! `herald status`: what was published (with links), what is pending, and what failed, was
//! missed, has an unknown outcome or is held. Asks the running daemon (`/status` on
//! `server.listen`); when none answers, reads the journal and the content itself.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use chrono::Utc;

use super::run::{database_url, load_config};
use super::{Cli, ExitStatus, print};
use crate::channels::secret::Secret;
use crate::config::CONTENT_DIR;
use crate::daemon::Snapshot;
use crate::daemon::status::StatusReport;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts: the same report as the daemon's `/status`.
    Json,
}

/// `herald status` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

/// The address to ask: a wildcard listen address is asked on loopback.
fn status_url(listen: &str) -> Option<String> {
    let addr: std::net::SocketAddr = listen.parse().ok()?;
    let ip = if addr.ip().is_unspecified() {
        if addr.is_ipv4() {
            std::net::IpAddr::from([127, 0, 0, 1])
        } else {
            std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST)
        }
    } else {
        addr.ip()
    };
    Some(format!(
        "http://{}/status",
        std::net::SocketAddr::new(ip, addr.port())
    ))
}

async fn ask_daemon(url: &str, token: Option<&Secret>) -> Option<StatusReport> {
    let client = crate::http::client()
        .timeout(Duration::from_secs(5))
        .build()
        .ok()?;
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token.expose());
    }
    let response = request.send().await.ok()?;
    if !response.status().is_success() {
        return None;
    }
    response.json().await.ok()
}

/// Prints the status.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let loaded = match load_config(&cli.config)? {
        Ok(loaded) => loaded,
        Err(report) => {
            eprint!("{report}");
            anyhow::bail!("herald.toml has errors; fix them and try again");
        }
    };
    let config = loaded.config.clone().context("herald.toml didn't load")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("can't start the async runtime")?;
    let hours = loaded.office_hours(None);
    let listen = config.server.listen.clone();
    let (report, note) = runtime.block_on(async {
        // Without the token the daemon can't be asked; the journal still can.
        let token = super::run::server_token(&config.server, &loaded.dir)
            .ok()
            .flatten();
        if let Some(url) = status_url(&listen)
            && let Some(report) = ask_daemon(&url, token.as_ref()).await
        {
            return Ok::<_, anyhow::Error>((report, String::new()));
        }
        let url = database_url(&config)?;
        let store = crate::store::open(&url, &loaded.dir).await?;
        let dir = cli
            .content
            .clone()
            .unwrap_or_else(|| loaded.dir.join(CONTENT_DIR));
        let snapshot = Snapshot::load(Arc::new(loaded.clone()), &dir, 1);
        let report = StatusReport::build(store.as_ref(), &snapshot, Utc::now(), None).await?;
        Ok((
            report,
            format!("not answering on {listen}; this is the journal as it stands"),
        ))
    })?;
    match args.format {
        Format::Text => print(&report.render_text(&hours, &note)),
        Format::Json => print(&format!("{}\n", serde_json::to_string_pretty(&report)?)),
    }
    Ok(ExitStatus::Success)
}
