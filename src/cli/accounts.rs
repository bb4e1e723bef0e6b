//! `herald accounts verify`: checks each account's credentials against its platform.

use std::sync::Arc;

use anyhow::Context;

use super::{Cli, ExitStatus, print};
use crate::channels::{self, Channel, ChannelError};
use crate::config::LoadedConfig;
use crate::diag::{Report, Severity};

/// `herald accounts` commands.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The `accounts` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Check each account's credentials against its platform and say who it signs in as.
    Verify(VerifyArgs),
}

/// `herald accounts verify` options.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// Only this account (repeat for several) [default: every account]
    #[arg(long = "account", value_name = "NAME")]
    pub accounts: Vec<String>,
}

/// Runs an `accounts` command.
pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitStatus> {
    match &args.command {
        Command::Verify(verify) => run_verify(cli, verify),
    }
}

fn run_verify(cli: &Cli, args: &VerifyArgs) -> anyhow::Result<ExitStatus> {
    let (loaded, findings) = LoadedConfig::load(&cli.config)?;
    let errors: Vec<_> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .cloned()
        .collect();
    if !errors.is_empty() {
        let mut report = Report::new();
        report.add_source(&loaded.source);
        report.extend(errors);
        eprint!("{}", report.render_text(false));
    }
    let Some(config) = loaded.config.as_ref() else {
        return Ok(ExitStatus::CouldNotRun);
    };
    for wanted in &args.accounts {
        if !config.accounts.iter().any(|a| &a.name == wanted) {
            anyhow::bail!("herald.toml has no account named `{wanted}`");
        }
    }
    let accounts: Vec<_> = config
        .accounts
        .iter()
        .filter(|a| args.accounts.is_empty() || args.accounts.contains(&a.name))
        .collect();
    if accounts.is_empty() {
        print("herald.toml has no accounts to verify\n");
        return Ok(ExitStatus::Success);
    }
    let content_dir = cli
        .content
        .clone()
        .unwrap_or_else(|| loaded.dir.join(crate::config::CONTENT_DIR));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("can't start the async runtime")?;
    let outcomes = runtime.block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for (index, account) in accounts.iter().enumerate() {
            match channels::build_account_in(&loaded, account, &content_dir) {
                Ok(channel) => {
                    let channel: Arc<dyn Channel> = channel;
                    tasks.spawn(async move { (index, channel.verify().await.map_err(describe)) });
                }
                Err(e) => {
                    let message = e.to_string();
                    let message = message
                        .strip_prefix(&format!("account `{}`: ", account.name))
                        .unwrap_or(&message)
                        .to_owned();
                    tasks.spawn(async move { (index, Err(message)) });
                }
            }
        }
        let mut outcomes = vec![None; accounts.len()];
        while let Some(done) = tasks.join_next().await {
            if let Ok((index, outcome)) = done {
                outcomes[index] = Some(outcome);
            }
        }
        outcomes
    });
    let width = accounts.iter().map(|a| a.name.len()).max().unwrap_or(0);
    let mut out = String::new();
    let mut failed = 0;
    for (account, outcome) in accounts.iter().zip(outcomes) {
        let outcome = outcome.unwrap_or_else(|| Err("the check stopped unexpectedly".to_owned()));
        let line = match outcome {
            Ok(identity) => {
                let who = match identity.display_name {
                    Some(name) if name != identity.handle => format!("{} ({name})", identity.handle),
                    _ => identity.handle,
                };
                format!("ok     signed in as {who}")
            }
            Err(message) => {
                failed += 1;
                format!("error  {message}")
            }
        };
        out.push_str(&format!(
            "{:width$}  {:9}  {line}\n",
            account.name,
            account.platform.as_str()
        ));
    }
    out.push_str(&match failed {
        0 => format!(
            "\nall {} verified\n",
            crate::diag::plural(accounts.len(), "account")
        ),
        n => format!(
            "\n{n} of {} failed\n",
            crate::diag::plural(accounts.len(), "account")
        ),
    });
    print(&out);
    Ok(if failed == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Problems
    })
}

fn describe(error: ChannelError) -> String {
    match error {
        ChannelError::Retryable { message, .. } => {
            format!("{message} (a temporary problem: try again later)")
        }
        other => other.to_string(),
    }
}
