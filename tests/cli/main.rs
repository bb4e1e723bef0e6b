//! The real `herald` binary on fixtures: what a user sees, exactly.
#![allow(clippy::unwrap_used, missing_docs)] // test code: a failed unwrap is a failed test

mod approve;
mod check;
mod defects;
mod holidays;
mod hostile;
mod hours;
mod init;
mod packaging;
mod plan;
mod reply_preview;

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The herald binary, with a clean environment for herald's own variables.
pub fn herald() -> Command {
    let mut cmd = Command::cargo_bin("herald").expect("herald binary");
    cmd.env_remove("HERALD_CONFIG")
        .env_remove("HERALD_CONTENT")
        .env("NO_COLOR", "1");
    cmd
}

/// A fixture folder under tests/fixtures.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// Copies a folder recursively (fixtures are copied before a test changes them).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
