//! The systemd unit and shell completions.

use clap::Parser;
use herald::cli::{Cli, Command};

use crate::herald;

fn unit() -> String {
    std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("packaging/herald.service"))
        .unwrap()
}

fn directive<'a>(unit: &'a str, key: &str) -> Vec<&'a str> {
    unit.lines()
        .filter_map(|l| l.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

#[test]
fn the_unit_starts_herald_run_restarts_it_and_confines_it() {
    let unit = unit();
    let exec = directive(&unit, "ExecStart");
    assert_eq!(exec.len(), 1);
    let args: Vec<&str> = exec[0].split_whitespace().collect();
    let cli = Cli::try_parse_from(args).expect("ExecStart is a valid herald command line");
    assert!(matches!(cli.command, Command::Run(_)));
    for (key, value) in [
        ("Restart", "on-failure"),
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ReadWritePaths", "/var/lib/herald"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
        ("ProtectHome", "yes"),
        ("EnvironmentFile", "-/etc/herald/herald.env"),
        ("ExecReload", "/bin/kill -HUP $MAINPID"),
    ] {
        assert_eq!(directive(&unit, key), [value], "{key}");
    }
    assert!(unit.contains("#LoadCredential="), "documents LoadCredential");
}

/// `systemd-analyze verify` accepts the unit (where systemd is installed), with the ExecStart
/// pointed at the binary under test.
#[test]
fn systemd_accepts_the_unit() {
    let Ok(analyze) = which("systemd-analyze") else {
        eprintln!("skipped: systemd-analyze is not installed");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let bin = assert_cmd::cargo::cargo_bin("herald");
    let path = dir.path().join("herald.service");
    std::fs::write(
        &path,
        unit().replace("/usr/local/bin/herald", &bin.to_string_lossy()),
    )
    .unwrap();
    let output = std::process::Command::new(analyze)
        .arg("verify")
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        !stderr.contains("Unknown key") && !stderr.contains("ignoring"),
        "{stderr}"
    );
}

fn which(program: &str) -> Result<std::path::PathBuf, ()> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(program))
        .find(|p| p.is_file())
        .ok_or(())
}

#[test]
fn completions_know_every_command() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let output = herald().args(["completions", shell]).output().unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for command in ["plan", "calendar", "run", "status", "check", "completions"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    herald().args(["completions", "tcsh"]).assert().code(2);
}
