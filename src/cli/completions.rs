//! `herald completions SHELL`: a completion script for a shell, on standard output.

use clap::CommandFactory;

use super::{Cli, ExitStatus, print};

/// `herald completions` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The shell: bash, zsh, fish, elvish or powershell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Writes the script.
pub fn run(args: &Args) -> anyhow::Result<ExitStatus> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "herald", &mut script);
    print(&String::from_utf8_lossy(&script));
    Ok(ExitStatus::Success)
}
