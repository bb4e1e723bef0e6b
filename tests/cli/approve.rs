use std::path::Path;

use predicates::prelude::*;
use proptest::prelude::*;

use crate::{copy_dir, fixture, herald};

const POST: &str = "+++\n# When: the clinic opens on Monday.\npublish_at = 2026-12-07T10:00:00   # London time\nchannels = [\"outbox\"]\n\n[[images]]\npath = \"media/poster.png\"\nalt = \"Poster in white text on NHS blue: Book your flu jab.\"\n+++\nOur flu clinics are open this week.\n\nNo appointment needed.\n";

fn project_with(post: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("broken"), dir.path());
    std::fs::remove_dir_all(dir.path().join("content/posts")).unwrap();
    std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
    std::fs::write(dir.path().join("content/posts/clinic.md"), post).unwrap();
    dir
}

fn without_approval(text: &str) -> String {
    text.lines()
        .filter(|l| !l.starts_with("approved_"))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn approve_changes_only_the_approval_keys() {
    let dir = project_with(POST);
    herald()
        .current_dir(dir.path())
        .args([
            "approve",
            "content/posts/clinic.md",
            "--by",
            "Head of Communications",
        ])
        .assert()
        .success()
        .stdout("approved content/posts/clinic.md by Head of Communications\n");
    let after = std::fs::read_to_string(dir.path().join("content/posts/clinic.md")).unwrap();
    assert_eq!(
        without_approval(&after),
        POST,
        "comments, order and text are kept"
    );
    let lines: Vec<&str> = after.lines().collect();
    assert_eq!(lines[4], "approved_by = \"Head of Communications\"");
    assert!(lines[5].starts_with("approved_hash = \"sha256:"), "{}", lines[5]);
    assert!(lines[6].starts_with("approved_parts = \"text:"), "{}", lines[6]);
    assert_eq!(lines[7], "", "the keys go before [[images]]");
    herald().current_dir(dir.path()).arg("check").assert().code(0);

    // Approving again replaces the values in place.
    herald()
        .current_dir(dir.path())
        .args(["approve", "content/posts/clinic.md", "--by", "Deputy Head"])
        .assert()
        .success();
    let again = std::fs::read_to_string(dir.path().join("content/posts/clinic.md")).unwrap();
    assert_eq!(again.matches("approved_by").count(), 1);
    assert!(again.contains("approved_by = \"Deputy Head\""));
}

#[test]
fn editing_the_alt_text_makes_the_approval_stale_and_says_so() {
    let dir = project_with(POST);
    herald()
        .current_dir(dir.path())
        .args([
            "approve",
            "content/posts/clinic.md",
            "--by",
            "Head of Communications",
        ])
        .assert()
        .success();
    let path = dir.path().join("content/posts/clinic.md");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("Book your flu jab.", "Book now.");
    std::fs::write(&path, text).unwrap();
    herald().current_dir(dir.path()).arg("check").assert().code(1).stdout(predicate::str::contains(
        "error[approval-stale]: this post changed after Head of Communications approved it (changed: image 1's alt text)",
    ));
}

#[test]
fn a_post_with_a_missing_image_is_not_approved_and_others_still_are() {
    let dir = project_with(&POST.replace("media/poster.png", "media/missing.png"));
    std::fs::write(
        dir.path().join("content/posts/other.md"),
        "+++\npublish_at = 2026-12-08T10:00:00\nchannels = [\"outbox\"]\n+++\nHello.\n",
    )
    .unwrap();
    herald()
        .current_dir(dir.path())
        .args([
            "approve",
            "content/posts/clinic.md",
            "content/posts/other.md",
            "--by",
            "Head",
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "approved content/posts/other.md by Head",
        ))
        .stdout(predicate::str::contains(
            "error[media-missing]: can't approve `clinic`",
        ));
    assert!(
        !std::fs::read_to_string(dir.path().join("content/posts/clinic.md"))
            .unwrap()
            .contains("approved_by")
    );
}

#[test]
fn approve_needs_a_name() {
    herald().args(["approve", "x.md", "--by", "  "]).assert().code(2);
    herald().args(["approve", "x.md"]).assert().code(2);
}

#[test]
fn campaign_files_approve_each_recurring_post() {
    let dir = tempfile::tempdir().unwrap();
    herald().arg("init").arg(dir.path()).assert().success();
    let path = dir.path().join("content/campaigns/winter-vaccines.toml");
    let text = std::fs::read_to_string(&path)
        .unwrap()
        .replace("at a pharmacy.", "at a local pharmacy.");
    std::fs::write(&path, &text).unwrap();
    herald()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("approval-stale"));
    herald()
        .current_dir(dir.path())
        .args([
            "approve",
            "content/campaigns/winter-vaccines.toml",
            "--by",
            "Head",
        ])
        .assert()
        .success();
    herald().current_dir(dir.path()).arg("check").assert().code(0);
}

/// TOML for a string, with whatever escaping it needs.
fn toml_string(s: &str) -> String {
    toml::Value::String(s.to_owned()).to_string()
}

fn check_project(dir: &Path) -> Vec<String> {
    let mut project = herald::project::Project::load(&dir.join("herald.toml"), None).unwrap();
    project.check(chrono::Utc::now());
    project
        .report
        .findings()
        .iter()
        .map(|f| f.code.as_str().to_owned())
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Whatever a post says, approving it and then checking it finds it approved.
    #[test]
    fn approving_then_checking_any_post_finds_it_approved(
        text in "[^\u{0}]{0,400}",
        alt in proptest::option::of("[^\u{0}]{0,200}"),
        link in proptest::option::of("https://[a-z]{1,12}\\.example/[a-z0-9/]{0,20}"),
        day in 1u32..28,
        hour in 0u32..24,
        two_channels in any::<bool>(),
        image_bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let dir = project_with("");
        std::fs::remove_file(dir.path().join("content/posts/clinic.md")).unwrap();
        std::fs::write(dir.path().join("content/media/generated.png"), &image_bytes).unwrap();
        let channels = if two_channels { "[\"mastodon\", \"outbox\"]" } else { "[\"outbox\"]" };
        let mut front = format!("publish_at = 2027-01-{day:02}T{hour:02}:30:00\nchannels = {channels}\n");
        if let Some(link) = &link {
            front.push_str(&format!("link = {}\n", toml_string(link)));
        }
        front.push_str("[[images]]\npath = \"media/generated.png\"\n");
        if let Some(alt) = &alt {
            front.push_str(&format!("alt = {}\n", toml_string(alt)));
        }
        let post = dir.path().join("content/posts/generated.md");
        std::fs::write(&post, format!("+++\n{front}+++\n{text}\n")).unwrap();
        let content = dir.path().join("content");
        herald::approval::record(&post, &content, "Head of Communications").unwrap();
        let codes = check_project(dir.path());
        prop_assert!(!codes.iter().any(|c| c == "not-approved" || c == "approval-stale"), "{codes:?}");
    }
}
