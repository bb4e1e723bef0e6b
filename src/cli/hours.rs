//! `herald hours [--at INSTANT] [--account NAME] [--format json] [--week]`: open or closed at an
//! instant, the next opening and closing, in words and in RFC 3339; or the coming week.

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{Cli, ExitStatus, print};
use crate::config::LoadedConfig;
use crate::diag::{Report, Severity};
use crate::hours::{self, OfficeHours};

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For people.
    Text,
    /// For scripts: `{"open":…,"at":…,"next_open":…,"next_close":…,"next_open_text":…}`.
    Json,
}

/// `herald hours` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The instant to ask about [default: now]: RFC 3339 (2026-12-28T10:00:00Z, …+01:00) or a
    /// wall time in the configured zone (2026-12-28T10:00).
    #[arg(long, value_name = "INSTANT")]
    pub at: Option<String>,
    /// Use this account's hours instead of the defaults.
    #[arg(long, value_name = "NAME")]
    pub account: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// List the open periods of the seven days from the instant, bank holidays and closures
    /// marked.
    #[arg(long)]
    pub week: bool,
}

/// The JSON answer, keys in PRODUCT.md's order. When open, `next_open` is the opening after
/// the current period closes.
#[derive(Debug, Serialize)]
struct Answer {
    open: bool,
    at: String,
    next_open: Option<String>,
    next_close: Option<String>,
    next_open_text: Option<String>,
}

/// Loads the config, strictly: office hours from a config with errors would be guesses.
pub(crate) fn load_config(cli: &Cli) -> anyhow::Result<LoadedConfig> {
    let (config, findings) = LoadedConfig::load(&cli.config)?;
    if findings.iter().any(|f| f.severity == Severity::Error) {
        let mut report = Report::new();
        report.add_source(&config.source);
        report.extend(findings);
        eprint!("{}", report.render_text(false));
        bail!(
            "{} has errors (above); fix them first",
            crate::diag::display_path(&cli.config)
        );
    }
    Ok(config)
}

/// An instant from the command line, or now.
pub(crate) fn instant_arg(zone: Tz, at: Option<&str>) -> anyhow::Result<DateTime<Utc>> {
    match at {
        None => Ok(Utc::now()),
        Some(text) => {
            hours::parse_instant(zone, text).map_err(|e| anyhow::anyhow!("--at {text}: {e} ({})", e.help))
        }
    }
}

/// Answers for one instant, or lists the week.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    let config = load_config(cli)?;
    if let Some(name) = &args.account
        && config.account(name).is_none()
    {
        let names: Vec<&str> = config
            .config
            .iter()
            .flat_map(|c| c.accounts.iter().map(|a| a.name.as_str()))
            .collect();
        match crate::diag::did_you_mean(name, names.iter().copied()) {
            Some(best) => bail!("no account called `{name}` in herald.toml; did you mean `{best}`?"),
            None => bail!(
                "no account called `{name}` in herald.toml (the accounts are: {})",
                names.join(", ")
            ),
        }
    }
    let office = config.office_hours(args.account.as_deref());
    let at = instant_arg(office.zone(), args.at.as_deref())?;
    if args.week {
        print(&week(&office, at, args.format).context("can't list the week")?);
        return Ok(ExitStatus::Success);
    }
    let zone = office.zone();
    let open = office.is_open(at);
    let (next_open, next_close) = if open {
        let close = office.next_close(at);
        (close.and_then(|c| office.next_open(c)), close)
    } else {
        (office.next_open(at), office.next_close(at))
    };
    let answer = Answer {
        open,
        at: hours::rfc3339_in(zone, at),
        next_open: next_open.map(|t| hours::rfc3339_in(zone, t)),
        next_close: next_close.map(|t| hours::rfc3339_in(zone, t)),
        next_open_text: next_open.map(|t| hours::when_in_words(zone, t, at)),
    };
    match args.format {
        Format::Json => print(&format!("{}\n", serde_json::to_string(&answer)?)),
        Format::Text => print(&text(&office, at, args.account.as_deref(), next_open, next_close)),
    }
    Ok(ExitStatus::Success)
}

fn text(
    office: &OfficeHours,
    at: DateTime<Utc>,
    account: Option<&str>,
    next_open: Option<DateTime<Utc>>,
    next_close: Option<DateTime<Utc>>,
) -> String {
    let zone = office.zone();
    let whose = match account {
        Some(name) => format!("`{name}`"),
        None => "the team".to_owned(),
    };
    let mut out = match office.closed_in_words(at) {
        None => format!(
            "Open at {} ({}): {whose} is in office hours.\n",
            hours::date_time_in_words(zone, at),
            zone.name()
        ),
        Some(why) => format!(
            "Closed at {} ({}): {why}.\n",
            hours::date_time_in_words(zone, at),
            zone.name()
        ),
    };
    let line = |label: &str, t: Option<DateTime<Utc>>| match t {
        Some(t) => format!(
            "  {label:<7}{:<40} {}\n",
            hours::when_in_words(zone, t, at),
            hours::rfc3339_in(zone, t)
        ),
        None => format!("  {label:<7}not within the next year\n"),
    };
    if office.is_open(at) {
        out.push_str(&line("closes", next_close));
        out.push_str(&line("opens", next_open));
    } else {
        out.push_str(&line("opens", next_open));
        out.push_str(&line("closes", next_close));
    }
    if let Some(holidays) = office.holidays() {
        let year = chrono::Datelike::year(&hours::local_in(zone, next_open.unwrap_or(at)).date());
        if !holidays.is_confirmed(year) {
            out.push_str(&format!(
                "note: {year}'s bank holidays are known only by rule; run `herald holidays update` once GOV.UK publishes them\n"
            ));
        }
    }
    out
}

#[derive(Debug, Serialize)]
struct WeekJson {
    zone: &'static str,
    holidays: Option<&'static str>,
    days: Vec<DayJson>,
}

#[derive(Debug, Serialize)]
struct DayJson {
    date: String,
    weekday: String,
    open: Vec<PeriodJson>,
    holiday: Option<String>,
    closures: Vec<PeriodJson>,
    clock_change: Option<String>,
}

#[derive(Debug, Serialize)]
struct PeriodJson {
    start: String,
    end: String,
}

fn week(office: &OfficeHours, at: DateTime<Utc>, format: Format) -> anyhow::Result<String> {
    let zone = office.zone();
    let from = hours::local_in(zone, at).date();
    let days = office.days(from, 7);
    if format == Format::Json {
        let json = WeekJson {
            zone: zone.name(),
            holidays: office.holidays().map(|h| h.division().as_str()),
            days: days
                .iter()
                .map(|day| DayJson {
                    date: day.date.to_string(),
                    weekday: day.date.format("%A").to_string(),
                    open: day
                        .periods
                        .iter()
                        .map(|p| PeriodJson {
                            start: hours::rfc3339_in(zone, p.0),
                            end: hours::rfc3339_in(zone, p.1),
                        })
                        .collect(),
                    holiday: day.holiday.as_ref().map(ToString::to_string),
                    closures: day
                        .closures
                        .iter()
                        .map(|p| PeriodJson {
                            start: hours::rfc3339_in(zone, p.0),
                            end: hours::rfc3339_in(zone, p.1),
                        })
                        .collect(),
                    clock_change: day.clock_change.as_ref().map(hours::ClockChange::describe),
                })
                .collect(),
        };
        return Ok(format!("{}\n", serde_json::to_string(&json)?));
    }
    let clock = |day: &hours::DayHours, t: DateTime<Utc>| {
        if t >= day.end {
            "24:00".to_owned()
        } else {
            hours::local_in(zone, t).format("%H:%M").to_string()
        }
    };
    let mut out = format!(
        "Office hours for the 7 days from {} ({}{}):\n",
        hours::date_in_words(from),
        zone.name(),
        office
            .holidays()
            .map(|h| format!(", {} bank holidays", h.division().title()))
            .unwrap_or_default()
    );
    for day in &days {
        let mut line = format!("  {:<17}", day.date.format("%a %-d %b %Y").to_string());
        let ranges: Vec<String> = day
            .periods
            .iter()
            .map(|p| format!("{}-{}", clock(day, p.0), clock(day, p.1)))
            .collect();
        line.push_str(&if ranges.is_empty() {
            "closed".to_owned()
        } else {
            ranges.join(", ")
        });
        let mut notes = Vec::new();
        if let Some(holiday) = &day.holiday {
            notes.push(format!("{holiday} (bank holiday)"));
        } else if day.closed_day {
            notes.push("closed all day".to_owned());
        }
        for closure in &day.closures {
            notes.push(format!(
                "closure {}-{}",
                clock(day, closure.0),
                clock(day, closure.1)
            ));
        }
        if let Some(change) = &day.clock_change {
            notes.push(change.describe());
        }
        if !notes.is_empty() {
            line = format!("{line:<40}  {}", notes.join("; "));
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    Ok(out)
}
