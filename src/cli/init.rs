//! `herald init [DIR]`: a working project for a fictional NHS body, identical to this
//! repository's own herald.toml and content/.

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use super::{ExitStatus, print};
use crate::diag::display_path;

/// `herald init` options.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to create the project in.
    #[arg(default_value = ".", value_name = "DIR")]
    pub dir: PathBuf,
}

macro_rules! example {
    ($($path:literal),* $(,)?) => {
        &[$(($path, include_bytes!(concat!("../../", $path)))),*]
    };
}

/// Every file of the example project, by path relative to the project folder.
pub const EXAMPLE: &[(&str, &[u8])] = example![
    "herald.toml",
    "content/replies.toml",
    "content/words.txt",
    "content/campaigns/winter-vaccines.toml",
    "content/media/flu-vaccine-poster.png",
    "content/media/nasal-spray-poster.png",
    "content/posts/2026-12/christmas-opening-times.md",
    "content/posts/2026-12/flu-vaccine-over-65s.md",
    "content/posts/2026-12/pharmacy-first.md",
    "content/posts/2027-01/nasal-spray-for-children.md",
    "content/posts/2027-01/stay-well-question.md",
];

const GITIGNORE: &str = "# herald's journal and the outbox's publications\nherald.db*\noutbox/\n";

/// Writes the example project, refusing to overwrite anything.
pub fn run(args: &Args) -> anyhow::Result<ExitStatus> {
    let dir = &args.dir;
    let existing: Vec<String> = EXAMPLE
        .iter()
        .map(|(path, _)| dir.join(path))
        .filter(|path| path.exists())
        .map(|path| display_path(&path))
        .collect();
    if !existing.is_empty() {
        anyhow::bail!(
            "{} already has {}; herald init never overwrites files (choose an empty folder)",
            display_path(dir),
            existing.join(", ")
        );
    }
    for (path, bytes) in EXAMPLE {
        write(&dir.join(path), bytes)?;
    }
    let gitignore = dir.join(".gitignore");
    if !gitignore.exists() {
        write(&gitignore, GITIGNORE.as_bytes())?;
    }
    let shown = display_path(dir);
    let cd = if Path::new(&shown) == Path::new(".") {
        String::new()
    } else {
        format!("  cd {shown}\n")
    };
    print(&format!(
        "Created an example herald project in {shown}:\n  herald.toml   office hours, accounts, database, status server\n  content/      posts, a campaign, automatic replies and the team's words\n\nNext:\n{cd}  herald check   check every post\n  herald run     publish each approved post on time, to the outbox/ folder\n"
    ));
    Ok(ExitStatus::Success)
}

fn write(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("can't create {}", display_path(parent)))?;
    }
    std::fs::write(path, bytes).with_context(|| format!("can't write {}", display_path(path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file in the repository's content/ is part of the example, and nothing else is.
    #[test]
    fn example_lists_every_content_file() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut on_disk = Vec::new();
        let mut stack = vec![root.join("content")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    on_disk.push(display_path(path.strip_prefix(root).unwrap()));
                }
            }
        }
        on_disk.push("herald.toml".to_owned());
        on_disk.sort();
        let mut listed: Vec<String> = EXAMPLE.iter().map(|(p, _)| (*p).to_owned()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }
}
