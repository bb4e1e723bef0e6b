//! `cargo run --release --example rule_times -- HERALD_TOML`: how long each rule of `herald check`
//! takes over a whole calendar (e.g. one from `generate_calendar`), to find the slow ones.
#![allow(missing_docs)]

fn main() -> anyhow::Result<()> {
    let config = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "herald.toml".to_owned());
    let started = std::time::Instant::now();
    let project = herald::project::Project::load(std::path::Path::new(&config), None)?;
    println!(
        "load: {:?} ({} posts)",
        started.elapsed(),
        project.calendar.posts.len()
    );
    let started = std::time::Instant::now();
    herald::checks::hashtags::dictionary();
    println!("word list: {:?}", started.elapsed());
    let ctx = herald::checks::Context {
        config: &project.config,
        calendar: &project.calendar,
        now: chrono::Utc::now(),
    };
    for (i, rule) in herald::checks::RULES.iter().enumerate() {
        let started = std::time::Instant::now();
        let findings: usize = project
            .calendar
            .posts
            .iter()
            .map(|post| rule(post, &ctx).len())
            .sum();
        println!("rule {i:2}: {:>10.1?} ({findings} findings)", started.elapsed());
    }
    Ok(())
}
