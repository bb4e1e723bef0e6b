use predicates::prelude::*;

use crate::herald;

#[test]
fn init_writes_a_project_that_checks_clean() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("example-icb");
    herald()
        .arg("init")
        .arg(&project)
        .assert()
        .success()
        .stdout(predicate::str::contains("herald check"));
    assert!(project.join("herald.toml").is_file());
    assert!(project.join("content/replies.toml").is_file());
    assert!(project.join(".gitignore").is_file());
    herald()
        .current_dir(&project)
        .args(["check", "--at", "2026-11-01T12:00:00Z"])
        .assert()
        .code(0)
        .stdout(predicate::str::ends_with("checked 9 files: no problems found\n"));
}

#[test]
fn init_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("herald.toml"), "# mine\n").unwrap();
    herald()
        .arg("init")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("never overwrites"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("herald.toml")).unwrap(),
        "# mine\n"
    );
}

#[test]
fn the_repository_example_checks_clean() {
    herald()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("check")
        .assert()
        .code(0);
}
