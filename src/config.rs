//! `herald.toml`: the operator's configuration.
//!
//! Loaded strictly (unknown keys are findings with a hint) through [`crate::tomldoc`], then
//! validated: values that parse as TOML but make no sense (a zone that doesn't exist, hours that
//! close before they open, two accounts with one name) are findings at the value's position.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono_tz::Tz;
use serde::Deserialize;

use crate::diag::{Code, Finding, SourceFile};
use crate::hours::{self, OfficeHours, Weekly};
use crate::tomldoc::{self, SpanIndex};

/// The file name herald looks for.
pub const CONFIG_FILE: &str = "herald.toml";
/// The default content folder, next to the config.
pub const CONTENT_DIR: &str = "content";
/// The default database.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://herald.db";
/// The default status server address (loopback).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The whole of herald.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// IANA zone for office hours and content times.
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Bundled bank-holiday calendar: `england-and-wales`, `scotland` or `northern-ireland`.
    #[serde(default)]
    pub holidays: Option<String>,
    /// A GOV.UK-format bank-holidays.json file, relative to herald.toml.
    #[serde(default)]
    pub holidays_file: Option<PathBuf>,
    /// Default office hours.
    #[serde(default)]
    pub hours: Option<HoursConfig>,
    /// The accounts herald publishes to and reads from.
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    /// Where herald keeps its journal.
    #[serde(default)]
    pub database: DatabaseConfig,
    /// The status web server.
    #[serde(default)]
    pub server: ServerConfig,
    /// How the checks are tuned: severities, reading age, official contacts.
    #[serde(default)]
    pub checks: crate::checks::ChecksConfig,
}

fn default_timezone() -> String {
    hours::DEFAULT_ZONE.name().to_owned()
}

/// Office hours as written: one entry per weekday plus extra closed periods.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct HoursConfig {
    /// Monday.
    pub mon: Option<String>,
    /// Tuesday.
    pub tue: Option<String>,
    /// Wednesday.
    pub wed: Option<String>,
    /// Thursday.
    pub thu: Option<String>,
    /// Friday.
    pub fri: Option<String>,
    /// Saturday.
    pub sat: Option<String>,
    /// Sunday.
    pub sun: Option<String>,
    /// Extra closed periods, `start/end` in local time: `2026-12-24T13:00/2026-12-24T17:00`.
    #[serde(default)]
    pub closures: Vec<String>,
}

impl HoursConfig {
    /// The weekday keys in order, Monday first.
    pub const DAYS: [&'static str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

    fn days(&self) -> [&Option<String>; 7] {
        [
            &self.mon, &self.tue, &self.wed, &self.thu, &self.fri, &self.sat, &self.sun,
        ]
    }
}

/// A platform herald can talk to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Mastodon (and compatible servers).
    Mastodon,
    /// Bluesky (AT Protocol).
    Bluesky,
    /// X (formerly Twitter), API v2.
    X,
    /// A Facebook Page.
    Facebook,
    /// An Instagram professional account.
    Instagram,
    /// A LinkedIn organisation page or member.
    Linkedin,
    /// A JSON POST to a URL, for alerts and bridges.
    Webhook,
    /// Files in a local folder: no network, no credentials.
    Outbox,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 8] = [
        Platform::Mastodon,
        Platform::Bluesky,
        Platform::X,
        Platform::Facebook,
        Platform::Instagram,
        Platform::Linkedin,
        Platform::Webhook,
        Platform::Outbox,
    ];

    /// The lower-case name used in config and output.
    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Mastodon => "mastodon",
            Platform::Bluesky => "bluesky",
            Platform::X => "x",
            Platform::Facebook => "facebook",
            Platform::Instagram => "instagram",
            Platform::Linkedin => "linkedin",
            Platform::Webhook => "webhook",
            Platform::Outbox => "outbox",
        }
    }

    /// The platform with this name.
    pub fn from_name(name: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str() == name)
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One account.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The name posts use in `channels`.
    pub name: String,
    /// Which platform it is on.
    pub platform: Platform,
    /// The server or API base, e.g. `https://mastodon.example`.
    #[serde(default)]
    pub base_url: Option<String>,
    /// The environment variable holding the access token.
    #[serde(default)]
    pub token_env: Option<String>,
    /// A file holding the access token (relative to herald.toml).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
    /// The account's own handle or identifier on the platform (e.g. `example-icb.bsky.social`).
    #[serde(default)]
    pub handle: Option<String>,
    /// For `outbox`: the folder publications are written to (relative to herald.toml).
    #[serde(default)]
    pub path: Option<PathBuf>,
    /// Office hours for this account, replacing the defaults.
    #[serde(default)]
    pub hours: Option<HoursConfig>,
}

impl fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Names of variables and files are not secret, but keep Debug short and obviously safe.
        f.debug_struct("AccountConfig")
            .field("name", &self.name)
            .field("platform", &self.platform)
            .field("base_url", &self.base_url)
            .field("handle", &self.handle)
            .finish_non_exhaustive()
    }
}

/// The database.
#[derive(Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `sqlite://herald.db` (relative to herald.toml) or `postgres://…`.
    #[serde(default = "default_database_url")]
    pub url: String,
    /// An environment variable holding the URL instead (keeps a password out of the file).
    #[serde(default)]
    pub url_env: Option<String>,
}

fn default_database_url() -> String {
    DEFAULT_DATABASE_URL.to_owned()
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: default_database_url(),
            url_env: None,
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("url_env", &self.url_env)
            .finish()
    }
}

/// A URL with any password replaced by `***`, for logs and errors.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // set_password only fails for URLs that can't have one, which this one does.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        Ok(_) => url.to_owned(),
        Err(_) => "(unparseable URL)".to_owned(),
    }
}

/// The status server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    #[serde(default = "default_listen")]
    pub listen: String,
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_owned()
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
        }
    }
}

/// A loaded configuration with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedConfig {
    /// The parsed file, when it parsed.
    pub config: Option<Config>,
    /// The file.
    pub source: Arc<SourceFile>,
    /// Spans of every key.
    pub spans: SpanIndex,
    /// The folder herald.toml is in; relative paths in it are relative to this.
    pub dir: PathBuf,
}

/// Why herald couldn't run at all (exit 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// No config where it was expected.
    #[error(
        "no {} at {path}: run `herald init` to create one, or pass --config",
        CONFIG_FILE
    )]
    Missing {
        /// Where herald looked.
        path: String,
    },
    /// The file exists but couldn't be read.
    #[error("can't read {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

impl LoadedConfig {
    /// Reads and checks herald.toml. Problems in its contents are returned as findings; only a
    /// missing or unreadable file is an error.
    pub fn load(path: &Path) -> Result<(LoadedConfig, Vec<Finding>), ConfigError> {
        let text = match crate::content::read_text(path) {
            Ok(text) => text,
            Err(crate::content::ReadError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConfigError::Missing {
                    path: crate::diag::display_path(path),
                });
            }
            Err(crate::content::ReadError::Io(source)) => {
                return Err(ConfigError::Unreadable {
                    path: crate::diag::display_path(path),
                    source,
                });
            }
            Err(other) => {
                let source = SourceFile::new(path, String::new());
                let finding = other.finding(&source);
                let dir = parent_dir(path);
                return Ok((
                    LoadedConfig {
                        config: None,
                        source,
                        spans: SpanIndex::default(),
                        dir,
                    },
                    vec![finding],
                ));
            }
        };
        Ok(Self::from_text(path, text))
    }

    /// Parses and checks config text (the file need not exist).
    pub fn from_text(path: &Path, text: String) -> (LoadedConfig, Vec<Finding>) {
        let source = SourceFile::new(path, text);
        let loaded = tomldoc::load::<Config>(&source, 0..source.text.len(), CONFIG_FILE);
        let mut findings = loaded.findings;
        let config = loaded.value;
        let loaded = LoadedConfig {
            config,
            source,
            spans: loaded.spans,
            dir: parent_dir(path),
        };
        if let Some(config) = &loaded.config {
            findings.extend(validate(config, &loaded));
        }
        (loaded, findings)
    }

    /// The account with this name.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.config.as_ref()?.accounts.iter().find(|a| a.name == name)
    }

    /// A path from the config, resolved against the config's folder.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        if path.is_absolute() {
            path.to_owned()
        } else {
            self.dir.join(path)
        }
    }

    fn finding_at(&self, key: &str, code: Code, message: impl Into<String>) -> Finding {
        let span = self.spans.value(key).unwrap_or(0..0);
        Finding::at(&self.source, span, code, message)
    }

    /// The zone, when the config names a valid one (the default otherwise).
    pub fn zone(&self) -> Tz {
        self.config
            .as_ref()
            .and_then(|c| c.timezone.parse().ok())
            .unwrap_or(hours::DEFAULT_ZONE)
    }

    /// The office hours for an account (its own, or the defaults), in the configured zone.
    /// Invalid entries were reported by validation and are treated as closed here.
    pub fn office_hours(&self, account: Option<&str>) -> OfficeHours {
        let defaults = self.config.as_ref().and_then(|c| c.hours.as_ref());
        let own = account
            .and_then(|name| self.account(name))
            .and_then(|a| a.hours.as_ref());
        let weekly = match own.or(defaults) {
            Some(h) => weekly_from(h).unwrap_or_else(|_| Weekly::nine_to_five()),
            None => Weekly::nine_to_five(),
        };
        OfficeHours::new(self.zone(), weekly)
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    path.parent().map(Path::to_owned).unwrap_or_default()
}

/// The weekly pattern an `[hours]` table describes; the first bad day's key and reason on error.
pub fn weekly_from(hours: &HoursConfig) -> Result<Weekly, (&'static str, hours::HoursSyntaxError)> {
    let mut days: [Vec<hours::Range>; 7] = Default::default();
    for (i, text) in hours.days().into_iter().enumerate() {
        if let Some(text) = text {
            days[i] = hours::parse_day(text).map_err(|e| (HoursConfig::DAYS[i], e))?;
        }
    }
    Ok(Weekly::new(days))
}

fn validate(config: &Config, loaded: &LoadedConfig) -> Vec<Finding> {
    let mut findings = Vec::new();
    if config.timezone.parse::<Tz>().is_err() {
        let finding = loaded.finding_at(
            "timezone",
            Code::Parse,
            format!("`{}` is not a time zone herald knows", config.timezone),
        );
        let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
        findings.push(match crate::diag::did_you_mean(&config.timezone, names) {
            Some(best) => finding.help(format!("did you mean `{best}`?")),
            None => finding.help("use an IANA zone name such as `Europe/London`"),
        });
    }
    if let Some(hours) = &config.hours {
        validate_hours(hours, "hours", loaded, &mut findings);
    }
    let mut seen = std::collections::BTreeSet::new();
    for (i, account) in config.accounts.iter().enumerate() {
        let prefix = format!("accounts[{i}]");
        if !seen.insert(account.name.as_str()) {
            findings.push(
                loaded
                    .finding_at(
                        &format!("{prefix}.name"),
                        Code::Parse,
                        format!("two accounts are named `{}`", account.name),
                    )
                    .help("give each account its own name: posts choose accounts by name"),
            );
        }
        if let Some(hours) = &account.hours {
            validate_hours(hours, &format!("{prefix}.hours"), loaded, &mut findings);
        }
        if account.platform == Platform::Outbox && account.path.is_none() {
            findings.push(
                loaded
                    .finding_at(
                        &format!("{prefix}.platform"),
                        Code::Parse,
                        format!("the outbox account `{}` has no `path`", account.name),
                    )
                    .help("add `path = \"outbox\"`: the folder publications are written to"),
            );
        }
    }
    let url = &config.database.url;
    if !(url.starts_with("sqlite:") || url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        findings.push(
            loaded
                .finding_at(
                    "database.url",
                    Code::Parse,
                    "the database URL must start with `sqlite:` or `postgres://`",
                )
                .help("use `sqlite://herald.db` for one instance, or `postgres://…` for several replicas"),
        );
    }
    if config.server.listen.parse::<std::net::SocketAddr>().is_err() {
        findings.push(
            loaded
                .finding_at(
                    "server.listen",
                    Code::Parse,
                    format!("`{}` is not an address to listen on", config.server.listen),
                )
                .help("write an IP address and port, like `127.0.0.1:8080`"),
        );
    }
    findings
}

fn validate_hours(hours: &HoursConfig, prefix: &str, loaded: &LoadedConfig, findings: &mut Vec<Finding>) {
    for (i, text) in hours.days().into_iter().enumerate() {
        if let Some(text) = text
            && let Err(e) = hours::parse_day(text)
        {
            findings.push(
                loaded
                    .finding_at(
                        &format!("{prefix}.{}", HoursConfig::DAYS[i]),
                        Code::Parse,
                        format!("invalid office hours: {e}"),
                    )
                    .help("write ranges like \"09:00-17:00\" or \"09:00-12:30,13:30-17:00\", or \"closed\""),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> (LoadedConfig, Vec<Finding>) {
        LoadedConfig::from_text(Path::new("herald.toml"), text.to_owned())
    }

    #[test]
    fn defaults_are_london_nine_to_five_on_sqlite() {
        let (loaded, findings) = load("");
        assert!(findings.is_empty());
        let config = loaded.config.as_ref().unwrap();
        assert_eq!(config.timezone, "Europe/London");
        assert_eq!(config.database.url, DEFAULT_DATABASE_URL);
        assert_eq!(loaded.office_hours(None).weekly(), &Weekly::nine_to_five());
    }

    #[test]
    fn reports_bad_values_at_their_position() {
        let (_, findings) = load(
            "timezone = \"Europe/Lodnon\"\n[hours]\nmon = \"17:00-09:00\"\n[[accounts]]\nname = \"a\"\nplatform = \"outbox\"\npath = \"o\"\n[[accounts]]\nname = \"a\"\nplatform = \"outbox\"\npath = \"p\"\n",
        );
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.line, f.column, f.code.as_str()))
            .collect();
        assert_eq!(got, vec![(1, 12, "parse"), (3, 7, "parse"), (9, 8, "parse")]);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `Europe/London`?"));
    }

    #[test]
    fn unknown_platform_gets_a_hint() {
        let (_, findings) = load("[[accounts]]\nname = \"m\"\nplatform = \"mastadon\"\n");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `mastodon`?"));
    }

    #[test]
    fn database_password_never_shows_in_debug() {
        let db = DatabaseConfig {
            url: "postgres://herald:s3cret@db.example/herald".to_owned(),
            url_env: None,
        };
        let shown = format!("{db:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("***"));
    }
}
