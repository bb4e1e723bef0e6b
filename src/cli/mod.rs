//! The command line: argument parsing and one function per command. Commands return an
//! [`ExitStatus`]; `main` only maps it to the process exit code.

mod accounts;
mod approve;
mod calendar;
mod check;
mod completions;
mod holidays;
mod hours;
mod init;
mod plan;
mod preview;
mod reply_preview;
mod run;
mod status;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// How a command ended (documented in the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Everything is fine.
    Success = 0,
    /// The command ran and found problems (or a step failed).
    Problems = 1,
    /// The command couldn't run: bad arguments, unreadable config.
    CouldNotRun = 2,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> Self {
        ExitCode::from(status as u8)
    }
}

/// herald checks, schedules and publishes a team's social-media calendar, and answers the public
/// out of hours.
#[derive(Debug, Parser)]
#[command(name = "herald", version, propagate_version = true, max_term_width = 100)]
pub struct Cli {
    /// The configuration file.
    #[arg(
        long,
        global = true,
        env = "HERALD_CONFIG",
        default_value = "herald.toml",
        value_name = "FILE"
    )]
    pub config: PathBuf,
    /// The content folder [default: content/ beside the configuration file]
    #[arg(long, global = true, env = "HERALD_CONTENT", value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a working herald.toml and example content into a folder.
    Init(init::Args),
    /// Check the configuration, every post, campaign and reply template, and report every finding.
    Check(check::Args),
    /// Record an approver and the approved hash in each post's front matter.
    Approve(approve::Args),
    /// Check each account's credentials against its platform.
    Accounts(accounts::Args),
    /// Open or closed at an instant, the next opening and closing; or the coming week.
    Hours(hours::Args),
    /// Bank holidays: `herald holidays update` downloads GOV.UK's list.
    Holidays(holidays::Args),
    /// Run the daemon: publish each approved post once, on time, in office hours.
    Run(run::Args),
    /// Show what was published, what is pending, and what failed, was missed or is unknown.
    Status(status::Args),
    /// Show a post as each of its channels will publish it, with its length as the platform counts it.
    Preview(preview::Args),
    /// Show the automatic reply a message would get at an instant, and why.
    ReplyPreview(reply_preview::Args),
    /// List the publications due in the coming days, in local time, per channel, and what will
    /// happen to each.
    Plan(plan::Args),
    /// Write the content calendar as iCalendar (RFC 5545) for Outlook or Google Calendar.
    Calendar(calendar::Args),
    /// Print a completion script for bash, zsh, fish, elvish or PowerShell.
    Completions(completions::Args),
}

/// Parses the arguments, runs the command and returns the exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::CouldNotRun.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    run(cli).into()
}

/// Runs a parsed command line.
pub fn run(cli: Cli) -> ExitStatus {
    let result = match &cli.command {
        Command::Init(args) => init::run(args),
        Command::Check(args) => check::run(&cli, args),
        Command::Approve(args) => approve::run(&cli, args),
        Command::Accounts(args) => accounts::run(&cli, args),
        Command::Hours(args) => hours::run(&cli, args),
        Command::Holidays(args) => holidays::run(&cli, args),
        Command::Run(args) => run::run(&cli, args),
        Command::Status(args) => status::run(&cli, args),
        Command::Preview(args) => preview::run(&cli, args),
        Command::ReplyPreview(args) => reply_preview::run(&cli, args),
        Command::Plan(args) => plan::run(&cli, args),
        Command::Calendar(args) => calendar::run(&cli, args),
        Command::Completions(args) => completions::run(args),
    };
    match result {
        Ok(status) => status,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitStatus::CouldNotRun
        }
    }
}

/// Whether to colour output for a person.
pub(crate) fn use_color() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes to stdout; a closed pipe (`herald check | head`) is not an error.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush())
        && e.kind() != std::io::ErrorKind::BrokenPipe
    {
        eprintln!("error: can't write output: {e}");
    }
}
