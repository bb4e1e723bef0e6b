//! Files written to break herald (tests/fixtures/hostile, plus what git can't hold: links out of
//! the content folder, a pipe, a huge file, a very long line): `herald check` gives each a clear
//! finding naming the file, never reads outside the content folder, never hangs, and still
//! checks the clean post.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command as StdCommand;
use std::time::Duration;

use crate::{copy_dir, fixture, herald};

/// The fixture, copied, with the hostile files git can't hold added.
fn project(outside: &Path) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&fixture("hostile"), dir.path());
    let content = dir.path().join("content");
    let media = content.join("media");
    let posts = content.join("posts");
    let front = "+++\npublish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\"]\n";

    // A secret next to the content folder, and links to it from inside.
    let secret = outside.join("secret.png");
    std::fs::write(&secret, b"\x89PNG\r\n\x1a\nSECRET-BYTES").unwrap();
    std::os::unix::fs::symlink(&secret, media.join("linked.png")).unwrap();
    std::os::unix::fs::symlink(outside, media.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(media.join("nowhere.png"), media.join("dangling.png")).unwrap();
    std::fs::write(
        posts.join("symlinks.md"),
        format!(
            "{front}[[images]]\npath = \"media/linked.png\"\nalt = \"A nurse\"\n[[images]]\npath = \"media/elsewhere/secret.png\"\nalt = \"A nurse\"\n[[images]]\npath = \"media/dangling.png\"\nalt = \"A nurse\"\n+++\nBook your flu vaccine.\n"
        ),
    )
    .unwrap();

    // A named pipe where an image, a caption file and a post are expected: opening one for
    // reading blocks until someone writes, so herald must not open them.
    let status = StdCommand::new("mkfifo")
        .arg(media.join("pipe.png"))
        .arg(media.join("pipe.vtt"))
        .arg(posts.join("pipe.md"))
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::write(
        posts.join("pipes.md"),
        format!(
            "{front}[[images]]\npath = \"media/pipe.png\"\nalt = \"A nurse\"\n[[videos]]\npath = \"media/clip.mp4\"\ncaptions = \"media/pipe.vtt\"\n+++\nBook your flu vaccine.\n"
        ),
    )
    .unwrap();

    // Over the size limit, and one line of 600,000 characters under it.
    std::fs::write(
        posts.join("huge.md"),
        format!("{front}+++\n{}\n", "Flu. ".repeat(300_000)),
    )
    .unwrap();
    let mastodon = front.replace("outbox", "mastodon");
    std::fs::write(
        posts.join("long-line.md"),
        format!("{mastodon}+++\n{}\n", "a".repeat(600_000)),
    )
    .unwrap();

    // The clean post is approved, so it has nothing at all to report.
    let approve = herald()
        .current_dir(dir.path())
        .args(["approve", "content/posts/clean.md", "--by", "Tester"])
        .output()
        .unwrap();
    assert!(
        approve.status.success(),
        "{}",
        String::from_utf8_lossy(&approve.stderr)
    );
    dir
}

#[test]
fn every_hostile_file_gets_a_clear_finding_and_the_rest_are_still_checked() {
    let outside = tempfile::tempdir().unwrap();
    let dir = project(outside.path());
    let output = herald()
        .current_dir(dir.path())
        .args(["check", "--at", "2026-11-01T12:00:00Z", "--format", "json"])
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!stdout.contains("SECRET-BYTES"));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let mut by_file: BTreeMap<String, Vec<(String, u64, u64, String)>> = BTreeMap::new();
    for f in findings {
        by_file
            .entry(f["file"].as_str().unwrap().to_owned())
            .or_default()
            .push((
                f["code"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
                f["column"].as_u64().unwrap(),
                f["message"].as_str().unwrap().to_owned(),
            ));
    }
    let mut missing = Vec::new();
    let mut has = |file: &str, code: &str, line: u64, col: u64, words: &str| {
        let got = by_file.get(file).cloned().unwrap_or_default();
        if !got
            .iter()
            .any(|(c, l, k, m)| c == code && *l == line && *k == col && m.contains(words))
        {
            missing.push(format!("`{code}` at {file}:{line}:{col} saying \"{words}\""));
        }
    };
    let p = "content/posts/";
    has(
        &format!("{p}traversal.md"),
        "media-missing",
        5,
        8,
        "is outside the content folder",
    );
    has(
        &format!("{p}absolute.md"),
        "media-missing",
        5,
        8,
        "is outside the content folder",
    );
    has(
        &format!("{p}symlinks.md"),
        "media-missing",
        5,
        8,
        "leads outside the content folder through a symbolic link",
    );
    has(
        &format!("{p}symlinks.md"),
        "media-missing",
        8,
        8,
        "leads outside the content folder through a symbolic link",
    );
    has(
        &format!("{p}symlinks.md"),
        "media-missing",
        11,
        8,
        "can't read `media/dangling.png`",
    );
    has(
        &format!("{p}pipes.md"),
        "media-missing",
        5,
        8,
        "image `media/pipe.png` is not a regular file",
    );
    has(
        &format!("{p}pipes.md"),
        "media-missing",
        9,
        12,
        "caption file `media/pipe.vtt` is not a regular file",
    );
    has(&format!("{p}pipe.md"), "parse", 1, 1, "not a regular file");
    has(&format!("{p}empty.md"), "parse", 1, 1, "this post is empty");
    has(&format!("{p}invalid-utf8.md"), "parse", 5, 15, "not UTF-8 text");
    has(&format!("{p}binary.md"), "parse", 3, 1, "binary, not text");
    has("content/words.txt", "parse", 2, 1, "binary, not text");
    has(
        &format!("{p}huge.md"),
        "parse",
        1,
        1,
        "herald reads text files of up to 1048576 bytes",
    );
    has(&format!("{p}long-line.md"), "too-long", 5, 1, "600000 characters");
    has(
        &format!("{p}deep-arrays.md"),
        "parse",
        4,
        85,
        "max recursion depth",
    );
    has(
        &format!("{p}deep-tables.md"),
        "parse",
        4,
        405,
        "max recursion depth",
    );
    has(&format!("{p}deep-keys.md"), "parse", 2, 1, "recursion limit");
    has(
        "content/campaigns/deep.toml",
        "parse",
        2,
        92,
        "max recursion depth",
    );
    has(
        "content/media/huge-hours.srt",
        "captions-missing",
        2,
        1,
        "is not a timing line",
    );
    assert!(
        missing.is_empty(),
        "missing:\n{}\n\nfound: {by_file:#?}",
        missing.join("\n")
    );
    // Thousands of hashtags and links: a capped, readable list, with the rest counted.
    for file in ["hashtags.md", "links.md"] {
        let got = &by_file[&format!("{p}{file}")];
        assert!(got.len() < 40, "{file}: {} findings", got.len());
        assert!(
            got.iter()
                .any(|(_, _, _, m)| m.contains("more `") && m.contains("finding")),
            "{file}: {got:#?}"
        );
    }
    // The clean (and approved) post is checked and has nothing to report.
    assert!(
        !by_file.contains_key(&format!("{p}clean.md")),
        "{:#?}",
        by_file.get(&format!("{p}clean.md"))
    );
}
