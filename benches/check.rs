//! `cargo bench --bench check`: `herald check`'s in-process parts on a generated calendar of
//! 10,000 posts (loading, every rule), and the one-time cost of loading the hashtag word list.
//! Figures and the whole-process timing are in docs/benchmarks.md.
#![allow(missing_docs, clippy::unwrap_used)]

use std::sync::LazyLock;

use herald::project::Project;

#[path = "support/generate.rs"]
mod generate;

fn main() {
    divan::main();
}

/// The generated project, written once per benchmark run.
static PROJECT: LazyLock<tempfile::TempDir> = LazyLock::new(|| {
    let dir = tempfile::tempdir().unwrap();
    generate::generate(dir.path(), 10_000).unwrap();
    dir
});

fn config() -> std::path::PathBuf {
    PROJECT.path().join("herald.toml")
}

/// Reading and parsing herald.toml and 10,000 post files.
#[divan::bench(sample_count = 10)]
fn load_10k() -> Project {
    Project::load(&config(), None).unwrap()
}

/// Every rule on 10,000 posts (the project loaded beforehand).
#[divan::bench(sample_count = 10)]
fn rules_10k(bencher: divan::Bencher<'_, '_>) {
    // Warm the word list so this measures the rules, not the one-time load.
    herald::checks::hashtags::dictionary();
    let now = chrono::Utc::now();
    bencher
        .with_inputs(|| Project::load(&config(), None).unwrap())
        .bench_local_values(|mut project| {
            project.check(now);
            project
        });
}

/// Loading plus every rule: `herald check` without printing.
#[divan::bench(sample_count = 10)]
fn load_and_check_10k() -> usize {
    let mut project = Project::load(&config(), None).unwrap();
    project.check(chrono::Utc::now());
    project.report.summary().errors
}

/// Parsing the word list and building the segmenter (done once per process).
#[divan::bench(sample_count = 20)]
fn word_list_load() -> usize {
    herald::checks::hashtags::Dictionary::parse(herald::checks::hashtags::WORDS_EN).len()
}
