//! `herald holidays update`: downloads GOV.UK's bank holidays into the `holidays_file`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context as _, bail};

use super::{Cli, ExitStatus, print};
use crate::config::{ConfigError, LoadedConfig};
use crate::diag::display_path;
use crate::hours::holidays::GOVUK_URL;
use crate::hours::{Division, HolidaySource, Holidays};

/// The file written when herald.toml names none.
pub const DEFAULT_FILE: &str = "bank-holidays.json";

/// `herald holidays` commands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `herald holidays` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Download GOV.UK's bank holidays (all three divisions) into holidays_file.
    Update(UpdateArgs),
}

/// `herald holidays update` options.
#[derive(Debug, clap::Args)]
pub struct UpdateArgs {
    /// Where to download from.
    #[arg(long, default_value = GOVUK_URL, value_name = "URL")]
    pub url: String,
    /// The file to write [default: holidays_file from herald.toml, or bank-holidays.json beside it].
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Runs a `herald holidays` command.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Command::Update(update) => self::update(cli, update),
    }
}

/// What herald.toml says about holidays (defaults when there is no herald.toml yet).
struct Setting {
    division: Division,
    file: Option<PathBuf>,
    dir: PathBuf,
}

fn setting(cli: &Cli) -> anyhow::Result<Setting> {
    match LoadedConfig::load(&cli.config) {
        Ok((loaded, _)) => {
            let config = loaded.config.as_ref();
            Ok(Setting {
                division: loaded.holidays().division(),
                file: config
                    .and_then(|c| c.holidays_file.as_ref())
                    .map(|f| loaded.resolve(f)),
                dir: loaded.dir.clone(),
            })
        }
        Err(ConfigError::Missing { .. }) => Ok(Setting {
            division: Division::EnglandAndWales,
            file: None,
            dir: cli.config.parent().map(Path::to_owned).unwrap_or_default(),
        }),
        Err(e) => Err(e.into()),
    }
}

fn update(cli: &Cli, args: &UpdateArgs) -> anyhow::Result<ExitStatus> {
    let setting = setting(cli)?;
    let configured = setting.file.is_some();
    let path = match (&args.output, &setting.file) {
        (Some(output), _) => output.clone(),
        (None, Some(file)) => file.clone(),
        (None, None) => setting.dir.join(DEFAULT_FILE),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("can't start the network runtime")?;
    let body = match runtime.block_on(download(&args.url)) {
        Ok(body) => body,
        Err(problem) => {
            let keep = if path.is_file() {
                format!("{} is unchanged", display_path(&path))
            } else {
                "herald keeps using its bundled list".to_owned()
            };
            eprintln!(
                "error: can't download {}: {problem}. Nothing was changed: {keep}.",
                args.url
            );
            return Ok(ExitStatus::Problems);
        }
    };
    let mut parsed = Vec::new();
    for division in Division::ALL {
        match Holidays::from_govuk_json(&body, division, HolidaySource::File(path.clone())) {
            Ok(holidays) => parsed.push(holidays),
            Err(e) => {
                eprintln!(
                    "error: {} didn't send a usable bank-holidays list: {e}. Nothing was changed.",
                    args.url
                );
                return Ok(ExitStatus::Problems);
            }
        }
    }
    let before = std::fs::read_to_string(&path)
        .ok()
        .and_then(|text| Holidays::from_govuk_json(&text, setting.division, HolidaySource::Bundled).ok());
    write_atomically(&path, &body)?;

    let ours = parsed
        .iter()
        .find(|h| h.division() == setting.division)
        .context("the configured division is missing")?;
    let mut out = format!("Saved GOV.UK's bank holidays to {}.\n", display_path(&path));
    for holidays in &parsed {
        if let Some((first, last)) = holidays.confirmed_years() {
            out.push_str(&format!(
                "  {:<18} {first}–{last}, {} dates\n",
                holidays.division().title(),
                holidays.listed().len()
            ));
        }
    }
    if let Some(before) = before {
        let added: Vec<String> = ours
            .listed()
            .iter()
            .filter(|h| !before.listed().iter().any(|b| b.date == h.date))
            .map(|h| format!("{} {h}", h.date))
            .collect();
        let removed: Vec<String> = before
            .listed()
            .iter()
            .filter(|b| !ours.listed().iter().any(|h| h.date == b.date))
            .map(|h| format!("{} {h}", h.date))
            .collect();
        if added.is_empty() && removed.is_empty() {
            out.push_str(&format!("No change to {}'s dates.\n", setting.division.title()));
        }
        for line in added {
            out.push_str(&format!("  new: {line}\n"));
        }
        for line in removed {
            out.push_str(&format!("  gone: {line}\n"));
        }
    }
    if !configured && args.output.is_none() {
        out.push_str(&format!(
            "To use it, add holidays_file = \"{DEFAULT_FILE}\" to {}.\n",
            display_path(&cli.config)
        ));
    }
    print(&out);
    Ok(ExitStatus::Success)
}

/// Fetches the list. Retry policy: up to three attempts, 1 s then 2 s apart, for time-outs,
/// 429 and 5xx; a refused connection or another status fails at once.
async fn download(url: &str) -> Result<String, String> {
    let client = crate::http::client()
        .build()
        .map_err(|e| format!("can't set up HTTP: {e}"))?;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let retry = match client.get(url).header("Accept", "application/json").send().await {
            Ok(response) if response.status().is_success() => {
                return response
                    .text()
                    .await
                    .map_err(|e| format!("the answer broke off ({e})"));
            }
            Ok(response) => {
                let status = response.status();
                let message = format!("the server answered {status}");
                if status.is_server_error() || status.as_u16() == 429 {
                    message
                } else {
                    return Err(message);
                }
            }
            Err(e) if e.is_connect() => {
                return Err(format!(
                    "couldn't connect (are you offline, or is a proxy in the way?): {}",
                    root_cause(&e)
                ));
            }
            Err(e) if e.is_timeout() => "it timed out".to_owned(),
            Err(e) => return Err(root_cause(&e)),
        };
        if attempt >= 3 {
            return Err(format!("{retry}, three times"));
        }
        tokio::time::sleep(Duration::from_secs(attempt)).await;
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    cause.to_string()
}

fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    std::fs::write(&tmp, text).with_context(|| format!("can't write {}", display_path(&tmp)))?;
    if let Err(e) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        bail!("can't replace {}: {e}", display_path(path));
    }
    Ok(())
}
