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
use crate::hours::{self, Division, Holidays, OfficeHours, Weekly};
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
    /// How the daemon publishes.
    #[serde(default)]
    pub publish: PublishConfig,
    /// How the checks are tuned: severities, reading age, official contacts.
    #[serde(default)]
    pub checks: crate::checks::ChecksConfig,
    /// How the daemon reads and answers messages from the public.
    #[serde(default)]
    pub inbox: InboxConfig,
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
    /// Extra closed periods, `start/end` in local time: `2026-12-24T13:00/2026-12-24T17:00`, or
    /// whole days `2026-12-29/2026-12-31`. The defaults' closures apply to every account (the
    /// team is away); an account's own add to them.
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

    /// Whether herald can read messages on it and answer them (LinkedIn's API has no inbox for
    /// pages; a webhook only sends).
    pub fn has_inbox(self) -> bool {
        !matches!(self, Platform::Linkedin | Platform::Webhook)
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
    /// X: the OAuth 2.0 client id of the developer app (not secret), used to refresh the token.
    #[serde(default)]
    pub client_id: Option<String>,
    /// X: the environment variable holding the OAuth 2.0 client secret (confidential apps only).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// X: a file holding the OAuth 2.0 client secret (confidential apps only).
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// X: a file holding the OAuth 2.0 refresh token; herald rewrites it (atomically) each time
    /// X rotates the token.
    #[serde(default)]
    pub refresh_token_file: Option<PathBuf>,
    /// Facebook: the Page's id.
    #[serde(default)]
    pub page_id: Option<String>,
    /// Instagram: the Instagram professional account's id.
    #[serde(default)]
    pub ig_user_id: Option<String>,
    /// LinkedIn: who posts, `urn:li:organization:…` (a page) or `urn:li:person:…` (a member).
    #[serde(default)]
    pub author_urn: Option<String>,
    /// Instagram: the public https URL at which the content folder is served (Instagram fetches
    /// images and videos from a URL; it takes no uploads).
    #[serde(default)]
    pub media_url: Option<String>,
    /// The platform's API version where it has one (Meta Graph `v25.0`, LinkedIn `202509`).
    #[serde(default)]
    pub api_version: Option<String>,
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
            .field("page_id", &self.page_id)
            .field("ig_user_id", &self.ig_user_id)
            .field("author_urn", &self.author_urn)
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
    /// How long a replica's claim on a send, an inbox or the alerts holds without being renewed
    /// (it is renewed every third of that): how soon another replica takes over from one that
    /// stopped.
    #[serde(default = "default_lease_seconds")]
    pub lease_seconds: u32,
}

fn default_lease_seconds() -> u32 {
    30
}

impl DatabaseConfig {
    /// The lease length.
    pub fn lease(&self) -> std::time::Duration {
        std::time::Duration::from_secs(u64::from(self.lease_seconds.max(1)))
    }
}

fn default_database_url() -> String {
    DEFAULT_DATABASE_URL.to_owned()
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: default_database_url(),
            url_env: None,
            lease_seconds: default_lease_seconds(),
        }
    }
}

impl fmt::Debug for DatabaseConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseConfig")
            .field("url", &redact_url(&self.url))
            .field("url_env", &self.url_env)
            .field("lease_seconds", &self.lease_seconds)
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
    /// The environment variable holding the bearer token the status page, `/status`,
    /// `/metrics` and `/calendar.ics` require (required when `listen` is not loopback).
    #[serde(default)]
    pub token_env: Option<String>,
    /// A file holding that token instead (relative to herald.toml; e.g. a systemd credential).
    #[serde(default)]
    pub token_file: Option<PathBuf>,
}

impl ServerConfig {
    /// Whether the server can be reached from other machines (`listen` is not a loopback
    /// address). An address that doesn't parse counts as reachable.
    pub fn is_public(&self) -> bool {
        self.listen
            .parse::<std::net::SocketAddr>()
            .map_or(true, |a| !a.ip().is_loopback())
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.token_env.is_some() || self.token_file.is_some()
    }
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_owned()
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            token_env: None,
            token_file: None,
        }
    }
}

/// How the daemon publishes (`[publish]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PublishConfig {
    /// A post missed (herald was down) by no more than this many minutes still goes out, if it
    /// is still office hours; later than that it is reported as missed.
    #[serde(default = "default_grace_minutes")]
    pub grace_minutes: u32,
    /// How long to wait for a platform to answer a publish before treating the outcome as
    /// unknown (and reconciling rather than resending).
    #[serde(default = "default_request_timeout")]
    pub request_timeout_seconds: u32,
    /// Webhook accounts told about failed, missed and unknown publications. Default: every
    /// `webhook` account.
    #[serde(default)]
    pub alerts: Option<Vec<String>>,
}

/// The default grace period for a late post, in minutes.
pub const DEFAULT_GRACE_MINUTES: u32 = 15;

fn default_grace_minutes() -> u32 {
    DEFAULT_GRACE_MINUTES
}

fn default_request_timeout() -> u32 {
    30
}

impl Default for PublishConfig {
    fn default() -> Self {
        PublishConfig {
            grace_minutes: default_grace_minutes(),
            request_timeout_seconds: default_request_timeout(),
            alerts: None,
        }
    }
}

/// How the daemon reads and answers messages from the public (`[inbox]`).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct InboxConfig {
    /// The accounts whose messages herald reads and answers. Default: every account on a
    /// platform with an inbox (all but `linkedin` and `webhook`); `[]` turns the inbox off.
    #[serde(default)]
    pub accounts: Option<Vec<String>>,
    /// How often each inbox is read, in seconds.
    #[serde(default = "default_poll_seconds")]
    pub poll_seconds: u32,
    /// At most one automatic reply to a sender in this many days (RFC 3834 recommends 7), on top
    /// of one per closed period; 0 keeps only the once-per-closed-period rule.
    #[serde(default = "default_once_per_sender_days")]
    pub once_per_sender_days: u32,
    /// During office hours, acknowledge messages with `[reply] open` from replies.toml ("we aim
    /// to reply within 48 hours"); by default nothing is sent and the message is listed for the
    /// team.
    #[serde(default)]
    pub acknowledge_when_open: bool,
    /// Messages older than this many hours get no automatic reply (they are listed for the team).
    #[serde(default = "default_max_age_hours")]
    pub max_age_hours: u32,
    /// A sender's message whose text they have already sent this many times in a day is spam.
    #[serde(default = "default_spam_repeats")]
    pub spam_repeats: u32,
    /// Handles of the team's other accounts (colleagues' team accounts, partner organisations)
    /// that never get automatic replies, besides the accounts in this file.
    #[serde(default)]
    pub team_handles: Vec<String>,
}

/// The default interval between reads of an inbox, in seconds.
pub const DEFAULT_POLL_SECONDS: u32 = 60;
/// The default RFC 3834 window, in days.
pub const DEFAULT_ONCE_PER_SENDER_DAYS: u32 = 7;

fn default_poll_seconds() -> u32 {
    DEFAULT_POLL_SECONDS
}

fn default_once_per_sender_days() -> u32 {
    DEFAULT_ONCE_PER_SENDER_DAYS
}

fn default_max_age_hours() -> u32 {
    72
}

fn default_spam_repeats() -> u32 {
    3
}

impl Default for InboxConfig {
    fn default() -> Self {
        InboxConfig {
            accounts: None,
            poll_seconds: default_poll_seconds(),
            once_per_sender_days: default_once_per_sender_days(),
            acknowledge_when_open: false,
            max_age_hours: default_max_age_hours(),
            spam_repeats: default_spam_repeats(),
            team_handles: Vec::new(),
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
    /// The bank holidays (`holidays`, `holidays_file`), loaded once.
    holidays: Arc<Holidays>,
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
                        holidays: Holidays::bundled(Division::EnglandAndWales),
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
        let mut loaded = LoadedConfig {
            config,
            source,
            spans: loaded.spans,
            dir: parent_dir(path),
            holidays: Holidays::bundled(Division::EnglandAndWales),
        };
        if let Some(config) = &loaded.config {
            findings.extend(validate(config, &loaded));
            let (holidays, problem) = load_holidays(config, &loaded);
            loaded.holidays = holidays;
            findings.extend(problem);
        }
        (loaded, findings)
    }

    /// The account with this name.
    pub fn account(&self, name: &str) -> Option<&AccountConfig> {
        self.config.as_ref()?.accounts.iter().find(|a| a.name == name)
    }

    /// The accounts whose messages herald reads and answers (`[inbox] accounts`, or every
    /// account on a platform with an inbox).
    pub fn inbox_accounts(&self) -> Vec<&AccountConfig> {
        let Some(config) = self.config.as_ref() else {
            return Vec::new();
        };
        match &config.inbox.accounts {
            Some(names) => names
                .iter()
                .filter_map(|n| self.account(n))
                .filter(|a| a.platform.has_inbox())
                .collect(),
            None => config
                .accounts
                .iter()
                .filter(|a| a.platform.has_inbox())
                .collect(),
        }
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

    /// The bank holidays herald closes on: the configured division, from `holidays_file` or
    /// herald's bundled list (the bundled list when the file couldn't be used, which validation
    /// reported).
    pub fn holidays(&self) -> &Arc<Holidays> {
        &self.holidays
    }

    /// The office hours for an account (its own weekly hours, or the defaults), in the
    /// configured zone, closed on the bank holidays and during the closures (the defaults' and
    /// the account's own). Invalid entries were reported by validation: an invalid weekly table
    /// falls back to 09:00–17:00 Monday to Friday, and an invalid closure is left out.
    pub fn office_hours(&self, account: Option<&str>) -> OfficeHours {
        let defaults = self.config.as_ref().and_then(|c| c.hours.as_ref());
        let own = account
            .and_then(|name| self.account(name))
            .and_then(|a| a.hours.as_ref());
        let weekly = match own.or(defaults) {
            Some(h) => weekly_from(h).unwrap_or_else(|_| Weekly::nine_to_five()),
            None => Weekly::nine_to_five(),
        };
        let zone = self.zone();
        let closures = defaults
            .into_iter()
            .chain(own)
            .flat_map(|h| h.closures.iter())
            .filter_map(|text| hours::parse_closure(text, zone).ok());
        OfficeHours::new(zone, weekly)
            .with_holidays(Arc::clone(&self.holidays))
            .with_closures(closures)
    }
}

/// The bank holidays a config asks for, and the finding when `holidays_file` can't be used.
fn load_holidays(config: &Config, loaded: &LoadedConfig) -> (Arc<Holidays>, Option<Finding>) {
    let division = config
        .holidays
        .as_deref()
        .and_then(Division::from_name)
        .unwrap_or(Division::EnglandAndWales);
    let Some(file) = &config.holidays_file else {
        return (Holidays::bundled(division), None);
    };
    let path = loaded.resolve(file);
    match hours::holidays::load_file(&path, division) {
        Ok(holidays) => (Arc::new(holidays), None),
        Err(e) => {
            let shown = crate::diag::display_path(file);
            let help = match &e {
                hours::holidays::LoadError::Invalid(hours::HolidaysError::MissingDivision(_)) => {
                    "choose a division the file has with `holidays = \"…\"`, or run `herald holidays update` to download GOV.UK's full list".to_owned()
                }
                _ => "run `herald holidays update` to download GOV.UK's list into it, or remove `holidays_file` to use herald's bundled list".to_owned(),
            };
            let finding = loaded
                .finding_at(
                    "holidays_file",
                    Code::Parse,
                    format!("can't use the bank holidays in {shown}: {e}"),
                )
                .help(help);
            (Holidays::bundled(division), Some(finding))
        }
    }
}

/// A finding about part of a string value (`hours.closures[0]`): `part` is a byte range of the
/// string; when the string is written with escapes, the whole value is pointed at.
fn finding_in_string(
    loaded: &LoadedConfig,
    key: &str,
    value: &str,
    part: std::ops::Range<usize>,
    code: Code,
    message: impl Into<String>,
) -> Finding {
    let span = loaded.spans.value(key).unwrap_or(0..0);
    let raw = loaded.source.text.get(span.clone()).unwrap_or("");
    let inner = raw.get(1..raw.len().saturating_sub(1));
    let span = if inner == Some(value) && part.end <= value.len() {
        span.start + 1 + part.start..span.start + 1 + part.end
    } else {
        span
    };
    Finding::at(&loaded.source, span, code, message)
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
    if let Some(name) = &config.holidays
        && Division::from_name(name).is_none()
    {
        let finding = loaded.finding_at(
            "holidays",
            Code::Parse,
            format!("`{name}` is not a bank-holiday calendar herald knows"),
        );
        let names = Division::ALL.map(Division::as_str);
        findings.push(match crate::diag::did_you_mean(name, names) {
            Some(best) => finding.help(format!("did you mean `{best}`?")),
            None => finding.help("use \"england-and-wales\", \"scotland\" or \"northern-ireland\""),
        });
    }
    let zone = config.timezone.parse::<Tz>().unwrap_or(hours::DEFAULT_ZONE);
    if let Some(hours) = &config.hours {
        validate_hours(hours, "hours", zone, loaded, &mut findings);
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
            validate_hours(hours, &format!("{prefix}.hours"), zone, loaded, &mut findings);
        }
        validate_credentials(account, &prefix, loaded, &mut findings);
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
    if config.publish.request_timeout_seconds == 0 {
        findings.push(
            loaded
                .finding_at(
                    "publish.request_timeout_seconds",
                    Code::Parse,
                    "a time-out of 0 seconds never lets a request finish",
                )
                .help("use a number of seconds such as 30"),
        );
    }
    if config.database.lease_seconds == 0 {
        findings.push(
            loaded
                .finding_at(
                    "database.lease_seconds",
                    Code::Parse,
                    "a lease of 0 seconds runs out before it can be renewed",
                )
                .help("use a number of seconds such as 30 (the default)"),
        );
    }
    for (i, name) in config.publish.alerts.iter().flatten().enumerate() {
        let account = config.accounts.iter().find(|a| &a.name == name);
        if account.is_none_or(|a| a.platform != Platform::Webhook) {
            findings.push(
                loaded
                    .finding_at(
                        &format!("publish.alerts[{i}]"),
                        Code::UnknownChannel,
                        format!("no webhook account called `{name}` in herald.toml"),
                    )
                    .help("alerts go to accounts with platform = \"webhook\""),
            );
        }
    }
    validate_inbox(&config.inbox, config, loaded, &mut findings);
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
    } else if config.server.is_public() && !config.server.has_token() {
        findings.push(
            loaded
                .finding_at(
                    "server.listen",
                    Code::Parse,
                    format!(
                        "`{}` can be reached from other machines, but [server] has no token: anyone who reaches it could read the status page",
                        config.server.listen
                    ),
                )
                .help(
                    "add `token_env = \"HERALD_STATUS_TOKEN\"` to [server] and set that variable to a long random \
                     value, or listen on loopback (`127.0.0.1:8080`) behind a proxy",
                ),
        );
    }
    if config.server.token_env.is_some() && config.server.token_file.is_some() {
        findings.push(
            loaded
                .finding_at(
                    "server.token_file",
                    Code::Parse,
                    "[server] has both `token_env` and `token_file`",
                )
                .help("keep one: herald wouldn't know which token to use"),
        );
    }
    findings
}

fn validate_inbox(inbox: &InboxConfig, config: &Config, loaded: &LoadedConfig, findings: &mut Vec<Finding>) {
    for (i, name) in inbox.accounts.iter().flatten().enumerate() {
        let key = format!("inbox.accounts[{i}]");
        match config.accounts.iter().find(|a| &a.name == name) {
            None => {
                let finding = loaded.finding_at(
                    &key,
                    Code::UnknownChannel,
                    format!("no account called `{name}` in herald.toml"),
                );
                let names = config.accounts.iter().map(|a| a.name.as_str());
                findings.push(match crate::diag::did_you_mean(name, names) {
                    Some(best) => finding.help(format!("did you mean `{best}`?")),
                    None => finding.help("list the names of accounts defined with [[accounts]]"),
                });
            }
            Some(account) if !account.platform.has_inbox() => findings.push(
                loaded
                    .finding_at(
                        &key,
                        Code::Parse,
                        format!(
                            "herald can't read messages on {} (`{name}`)",
                            account.platform
                        ),
                    )
                    .help("remove it: mastodon, bluesky, x, facebook, instagram and outbox accounts have an inbox"),
            ),
            Some(_) => {}
        }
    }
    let minimums: [(&str, u32, u32, &str); 3] = [
        (
            "poll_seconds",
            inbox.poll_seconds,
            1,
            "read each inbox every 60 seconds, say",
        ),
        (
            "max_age_hours",
            inbox.max_age_hours,
            1,
            "72 hours covers a long weekend",
        ),
        (
            "spam_repeats",
            inbox.spam_repeats,
            2,
            "3 treats the third copy of one text as spam",
        ),
    ];
    for (key, value, min, help) in minimums {
        if value < min {
            findings.push(
                loaded
                    .finding_at(
                        &format!("inbox.{key}"),
                        Code::Parse,
                        format!("`{key}` must be at least {min}"),
                    )
                    .help(help.to_owned()),
            );
        }
    }
    for (i, handle) in inbox.team_handles.iter().enumerate() {
        if handle.trim().is_empty() || handle.chars().any(char::is_whitespace) {
            findings.push(
                loaded
                    .finding_at(
                        &format!("inbox.team_handles[{i}]"),
                        Code::Parse,
                        format!("`{handle}` is not a handle"),
                    )
                    .help("write it as the platform shows it, like `@example_trust@mastodon.example`"),
            );
        }
    }
}

/// Which account keys each platform takes beyond `name`, `platform`, `hours` (a key given to a
/// platform that doesn't read it is a mistake worth reporting: it would be silently ignored).
fn platform_keys(platform: Platform) -> &'static [&'static str] {
    match platform {
        Platform::Mastodon => &["base_url", "token_env", "token_file", "handle"],
        Platform::Bluesky => &["base_url", "token_env", "token_file", "handle"],
        Platform::X => &[
            "base_url",
            "token_env",
            "token_file",
            "handle",
            "client_id",
            "client_secret_env",
            "client_secret_file",
            "refresh_token_file",
        ],
        Platform::Facebook => &[
            "base_url",
            "token_env",
            "token_file",
            "handle",
            "page_id",
            "api_version",
        ],
        Platform::Instagram => &[
            "base_url",
            "token_env",
            "token_file",
            "handle",
            "ig_user_id",
            "media_url",
            "api_version",
        ],
        Platform::Linkedin => &[
            "base_url",
            "token_env",
            "token_file",
            "handle",
            "author_urn",
            "api_version",
        ],
        Platform::Webhook => &["base_url", "token_env", "token_file", "handle"],
        Platform::Outbox => &["path", "handle"],
    }
}

/// Credentials and platform identifiers: each platform gets what it needs, and only that.
/// Whether an environment variable is actually set is `herald accounts verify`'s business (CI
/// checks content without secrets).
fn validate_credentials(
    account: &AccountConfig,
    prefix: &str,
    loaded: &LoadedConfig,
    findings: &mut Vec<Finding>,
) {
    let platform = account.platform;
    let given: [(&str, bool); 14] = [
        ("base_url", account.base_url.is_some()),
        ("token_env", account.token_env.is_some()),
        ("token_file", account.token_file.is_some()),
        ("handle", account.handle.is_some()),
        ("path", account.path.is_some()),
        ("client_id", account.client_id.is_some()),
        ("client_secret_env", account.client_secret_env.is_some()),
        ("client_secret_file", account.client_secret_file.is_some()),
        ("refresh_token_file", account.refresh_token_file.is_some()),
        ("page_id", account.page_id.is_some()),
        ("ig_user_id", account.ig_user_id.is_some()),
        ("author_urn", account.author_urn.is_some()),
        ("media_url", account.media_url.is_some()),
        ("api_version", account.api_version.is_some()),
    ];
    let allowed = platform_keys(platform);
    for (key, present) in given {
        if present && !allowed.contains(&key) {
            let key_path = format!("{prefix}.{key}");
            let span = loaded.spans.key(&key_path).unwrap_or(0..0);
            findings.push(
                Finding::at(
                    &loaded.source,
                    span,
                    Code::Parse,
                    format!("`{key}` doesn't apply to a {platform} account"),
                )
                .help(format!(
                    "remove it; a {platform} account takes: {}",
                    allowed.join(", ")
                )),
            );
        }
    }
    let at_platform = |message: String, help: &str| {
        loaded
            .finding_at(&format!("{prefix}.platform"), Code::Parse, message)
            .help(help.to_owned())
    };
    let name = &account.name;
    if account.token_env.is_some() && account.token_file.is_some() {
        findings.push(
            loaded
                .finding_at(
                    &format!("{prefix}.token_file"),
                    Code::Parse,
                    format!("the account `{name}` has both `token_env` and `token_file`"),
                )
                .help("keep one: herald wouldn't know which token to use"),
        );
    }
    if account.client_secret_env.is_some() && account.client_secret_file.is_some() {
        findings.push(
            loaded
                .finding_at(
                    &format!("{prefix}.client_secret_file"),
                    Code::Parse,
                    format!("the account `{name}` has both `client_secret_env` and `client_secret_file`"),
                )
                .help("keep one"),
        );
    }
    let has_token = account.token_env.is_some() || account.token_file.is_some();
    let needs_token = matches!(
        platform,
        Platform::Mastodon
            | Platform::Bluesky
            | Platform::Facebook
            | Platform::Instagram
            | Platform::Linkedin
    );
    if needs_token && !has_token {
        let what = match platform {
            Platform::Bluesky => "an app password",
            Platform::Facebook | Platform::Instagram => "a Page access token",
            _ => "an access token",
        };
        findings.push(at_platform(
            format!("the {platform} account `{name}` has no credentials"),
            &format!(
                "add `token_env = \"HERALD_{}_TOKEN\"` (or `token_file`): the variable or file holds {what}",
                name.to_uppercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
            ),
        ));
    }
    if platform == Platform::X {
        if !has_token && account.refresh_token_file.is_none() {
            findings.push(at_platform(
                format!("the x account `{name}` has no credentials"),
                "add `refresh_token_file` and `client_id` (OAuth 2.0 with refresh), or `token_env` for a user access token",
            ));
        }
        if account.refresh_token_file.is_some() && account.client_id.is_none() {
            findings.push(
                loaded
                    .finding_at(
                        &format!("{prefix}.refresh_token_file"),
                        Code::Parse,
                        format!("the x account `{name}` has a refresh token but no `client_id`"),
                    )
                    .help("add `client_id`: X refreshes a token only for the app it was issued to"),
            );
        }
    }
    let required: &[(&str, bool, &str)] = match platform {
        Platform::Mastodon => &[(
            "base_url",
            account.base_url.is_some(),
            "add `base_url = \"https://your.server\"`: the Mastodon server the account is on",
        )],
        Platform::Bluesky => &[(
            "handle",
            account.handle.is_some(),
            "add `handle = \"example-icb.bsky.social\"`: the account that signs in with the app password",
        )],
        Platform::Facebook => &[(
            "page_id",
            account.page_id.is_some(),
            "add `page_id = \"…\"`: the Page's id (Page settings → About)",
        )],
        Platform::Instagram => &[
            (
                "ig_user_id",
                account.ig_user_id.is_some(),
                "add `ig_user_id = \"…\"`: the Instagram professional account's id",
            ),
            (
                "media_url",
                account.media_url.is_some(),
                "add `media_url = \"https://…/content\"`: Instagram fetches images from a public URL",
            ),
        ],
        Platform::Linkedin => &[(
            "author_urn",
            account.author_urn.is_some(),
            "add `author_urn = \"urn:li:organization:…\"`: the page (or member) that posts",
        )],
        Platform::X | Platform::Webhook | Platform::Outbox => &[],
    };
    for (key, present, help) in required {
        if !present {
            findings.push(at_platform(
                format!("the {platform} account `{name}` has no `{key}`"),
                help,
            ));
        }
    }
    for (key, url) in [("base_url", &account.base_url), ("media_url", &account.media_url)] {
        let Some(url) = url else { continue };
        let ok = url::Url::parse(url).is_ok_and(|u| matches!(u.scheme(), "https" | "http") && u.has_host());
        if !ok {
            findings.push(
                loaded
                    .finding_at(
                        &format!("{prefix}.{key}"),
                        Code::Parse,
                        format!("`{url}` is not an http(s) URL"),
                    )
                    .help("write the whole URL, like `https://mastodon.example`"),
            );
        }
    }
    if let Some(urn) = &account.author_urn
        && platform == Platform::Linkedin
        && !(urn.starts_with("urn:li:organization:") || urn.starts_with("urn:li:person:"))
    {
        findings.push(
            loaded
                .finding_at(
                    &format!("{prefix}.author_urn"),
                    Code::Parse,
                    format!("`{urn}` is not a LinkedIn organisation or member URN"),
                )
                .help("write `urn:li:organization:12345` (the number is in the page's admin URL)"),
        );
    }
}

fn validate_hours(
    hours: &HoursConfig,
    prefix: &str,
    zone: Tz,
    loaded: &LoadedConfig,
    findings: &mut Vec<Finding>,
) {
    for (i, text) in hours.closures.iter().enumerate() {
        if let Err(e) = hours::parse_closure(text, zone) {
            let key = format!("{prefix}.closures[{i}]");
            findings.push(finding_in_string(loaded, &key, text, e.span, Code::Parse, e.message).help(e.help));
        }
    }
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
    fn a_status_server_others_can_reach_needs_a_token() {
        let (_, findings) = load("[server]\nlisten = \"0.0.0.0:8080\"\n");
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!((findings[0].line, findings[0].column), (2, 10));
        assert!(findings[0].message.contains("can be reached from other machines"));
        assert!(findings[0].help.as_deref().unwrap().contains("token_env"));
        let (_, findings) = load("[server]\nlisten = \"[::]:8080\"\ntoken_env = \"HERALD_STATUS_TOKEN\"\n");
        assert!(findings.is_empty(), "{findings:?}");
        for loopback in ["127.0.0.1:8080", "[::1]:8080", "127.0.0.2:9000"] {
            let (_, findings) = load(&format!("[server]\nlisten = \"{loopback}\"\n"));
            assert!(findings.is_empty(), "{loopback}: {findings:?}");
        }
        let (_, findings) = load("[server]\ntoken_env = \"A\"\ntoken_file = \"b\"\n");
        assert_eq!(findings.len(), 1);
    }

    #[test]
    fn unknown_platform_gets_a_hint() {
        let (_, findings) = load("[[accounts]]\nname = \"m\"\nplatform = \"mastadon\"\n");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `mastodon`?"));
    }

    fn utc(s: &str) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn office_hours_close_on_bank_holidays_and_closures() {
        let (loaded, findings) = load(
            "[hours]\nmon = \"09:00-17:00\"\ntue = \"09:00-17:00\"\nwed = \"09:00-17:00\"\nthu = \"09:00-17:00\"\nfri = \"09:00-17:00\"\nclosures = [\"2026-12-24T13:00/2026-12-24T17:00\"]\n[[accounts]]\nname = \"weekend\"\nplatform = \"outbox\"\npath = \"o\"\nhours = { sat = \"10:00-14:00\", closures = [\"2026-12-26/2026-12-26\"] }\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        let team = loaded.office_hours(None);
        assert!(team.is_open(utc("2026-12-24T12:59:00Z")));
        assert!(!team.is_open(utc("2026-12-24T13:00:00Z")));
        assert!(!team.is_open(utc("2026-12-25T10:00:00Z"))); // Christmas Day
        assert!(!team.is_open(utc("2026-12-28T10:00:00Z"))); // Boxing Day (substitute day)
        assert_eq!(
            team.next_open(utc("2026-12-24T13:00:00Z")),
            Some(utc("2026-12-29T09:00:00Z"))
        );
        let weekend = loaded.office_hours(Some("weekend"));
        assert!(!weekend.is_open(utc("2026-12-26T11:00:00Z"))); // its own closure
        assert!(weekend.is_open(utc("2027-01-02T11:00:00Z")));
        assert!(!weekend.is_open(utc("2026-12-24T13:30:00Z"))); // the team's closure applies too
    }

    #[test]
    fn chooses_the_holiday_division_and_reports_bad_ones() {
        let (loaded, findings) = load("holidays = \"scotland\"\n");
        assert!(findings.is_empty());
        assert_eq!(loaded.holidays().division(), Division::Scotland);
        assert!(!loaded.office_hours(None).is_open(utc("2026-01-02T10:00:00Z")));
        let (_, findings) = load("holidays = \"scotlnd\"\n");
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].line, findings[0].column), (1, 12));
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `scotland`?"));
    }

    #[test]
    fn reads_a_holidays_file_beside_the_config() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bank-holidays.json"),
            r#"{"england-and-wales":{"division":"england-and-wales","events":[{"title":"Extra bank holiday","date":"2029-06-01","notes":"","bunting":true}]}}"#,
        )
        .unwrap();
        let path = dir.path().join("herald.toml");
        let (loaded, findings) =
            LoadedConfig::from_text(&path, "holidays_file = \"bank-holidays.json\"\n".to_owned());
        assert!(findings.is_empty(), "{findings:?}");
        assert!(loaded.holidays().is_confirmed(2029));
        assert!(!loaded.office_hours(None).is_open(utc("2029-06-01T10:00:00Z")));

        let (loaded, findings) = LoadedConfig::from_text(
            &path,
            "holidays = \"scotland\"\nholidays_file = \"bank-holidays.json\"\n".to_owned(),
        );
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].line, findings[0].column), (2, 17));
        assert_eq!(
            findings[0].message,
            "can't use the bank holidays in bank-holidays.json: it has no `scotland` list"
        );
        // The bundled list stays in use.
        assert!(loaded.holidays().is_confirmed(2027));

        let (_, findings) = LoadedConfig::from_text(&path, "holidays_file = \"missing.json\"\n".to_owned());
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0]
                .message
                .starts_with("can't use the bank holidays in missing.json: can't read it")
        );
        assert!(
            findings[0]
                .help
                .as_deref()
                .unwrap()
                .contains("herald holidays update")
        );
    }

    #[test]
    fn reports_bad_closures_at_the_part_that_is_wrong() {
        let (_, findings) = load(
            "[hours]\nclosures = [\"2026-12-24T17:00/2026-12-24T13:00\", \"2027-03-28T00:30/2027-03-28T01:30\", \"2026-10-25T01:30/2026-10-25T03:00\"]\n",
        );
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.line, f.column, f.message.as_str()))
            .collect();
        assert_eq!(got.len(), 3, "{got:?}");
        assert_eq!((got[0].0, got[0].1), (2, 14));
        assert!(got[0].2.contains("ends before it starts"));
        assert_eq!((got[1].0, got[1].1), (2, 68));
        assert!(got[1].2.contains("never happens"), "{}", got[1].2);
        assert_eq!((got[2].0, got[2].1), (2, 88));
        assert!(got[2].2.contains("happens twice"));
        assert!(
            findings[2]
                .help
                .as_deref()
                .unwrap()
                .contains("2026-10-25T01:30+01:00")
        );
    }

    #[test]
    fn each_platform_gets_what_it_needs_and_only_that() {
        let (_, findings) = load(
            "[[accounts]]\nname = \"fb\"\nplatform = \"facebook\"\ntoken_env = \"T\"\nmedia_url = \"https://x\"\n\
             [[accounts]]\nname = \"li\"\nplatform = \"linkedin\"\ntoken_file = \"t\"\nauthor_urn = \"company:1\"\n\
             [[accounts]]\nname = \"x\"\nplatform = \"x\"\nrefresh_token_file = \"r\"\n\
             [[accounts]]\nname = \"bs\"\nplatform = \"bluesky\"\nhandle = \"icb.bsky.social\"\ntoken_env = \"A\"\ntoken_file = \"b\"\n",
        );
        let got: Vec<(usize, &str)> = findings.iter().map(|f| (f.line, f.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (5, "`media_url` doesn't apply to a facebook account"),
                (3, "the facebook account `fb` has no `page_id`"),
                (10, "`company:1` is not a LinkedIn organisation or member URN"),
                (14, "the x account `x` has a refresh token but no `client_id`"),
                (20, "the account `bs` has both `token_env` and `token_file`"),
            ]
        );
    }

    #[test]
    fn account_debug_leaves_out_credential_settings() {
        let (loaded, findings) = load(
            "[[accounts]]\nname = \"m\"\nplatform = \"mastodon\"\nbase_url = \"https://m.example\"\ntoken_env = \"HERALD_M\"\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        let shown = format!("{:?}", loaded.account("m").unwrap());
        assert!(!shown.contains("HERALD_M"), "{shown}");
    }

    #[test]
    fn inbox_settings_are_checked_and_default_to_every_account_with_an_inbox() {
        let (loaded, findings) = load(
            "[[accounts]]\nname = \"o\"\nplatform = \"outbox\"\npath = \"o\"\n\
             [[accounts]]\nname = \"hook\"\nplatform = \"webhook\"\ntoken_env = \"H\"\n",
        );
        assert!(findings.is_empty(), "{findings:?}");
        let names: Vec<&str> = loaded.inbox_accounts().iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["o"]);
        assert_eq!(loaded.config.as_ref().unwrap().inbox.once_per_sender_days, 7);

        let (loaded, findings) = load(
            "[[accounts]]\nname = \"o\"\nplatform = \"outbox\"\npath = \"o\"\n\
             [[accounts]]\nname = \"hook\"\nplatform = \"webhook\"\ntoken_env = \"H\"\n\
             [inbox]\naccounts = [\"hook\", \"oo\"]\npoll_seconds = 0\nspam_repeats = 1\nteam_handles = [\"\"]\nacknowledge = true\n",
        );
        let got: Vec<(usize, usize, &str)> = findings
            .iter()
            .map(|f| (f.line, f.column, f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (14, 1, "unknown key `inbox.acknowledge` in the herald.toml"),
                (10, 13, "herald can't read messages on webhook (`hook`)"),
                (10, 21, "no account called `oo` in herald.toml"),
                (11, 16, "`poll_seconds` must be at least 1"),
                (12, 16, "`spam_repeats` must be at least 2"),
                (13, 17, "`` is not a handle"),
            ]
        );
        assert_eq!(
            findings[0].help.as_deref(),
            Some("did you mean `acknowledge_when_open`?")
        );
        assert_eq!(findings[2].help.as_deref(), Some("did you mean `o`?"));
        assert!(loaded.inbox_accounts().is_empty());
    }

    #[test]
    fn the_lease_is_thirty_seconds_unless_set_and_never_zero() {
        let (loaded, findings) = load("[database]\nurl = \"postgres://db/herald\"\n");
        assert!(findings.is_empty(), "{findings:?}");
        let database = &loaded.config.as_ref().unwrap().database;
        assert_eq!(database.lease(), std::time::Duration::from_secs(30));
        let (loaded, findings) = load("[database]\nlease_seconds = 2\n");
        assert!(findings.is_empty(), "{findings:?}");
        assert_eq!(
            loaded.config.as_ref().unwrap().database.lease(),
            std::time::Duration::from_secs(2)
        );
        let (_, findings) = load("[database]\nlease_seconds = 0\n");
        let got: Vec<(usize, usize, &str)> = findings
            .iter()
            .map(|f| (f.line, f.column, f.message.as_str()))
            .collect();
        assert_eq!(
            got,
            [(2, 17, "a lease of 0 seconds runs out before it can be renewed")]
        );
    }

    #[test]
    fn database_password_never_shows_in_debug() {
        let db = DatabaseConfig {
            url: "postgres://herald:s3cret@db.example/herald".to_owned(),
            url_env: None,
            lease_seconds: 30,
        };
        let shown = format!("{db:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("***"));
    }
}
