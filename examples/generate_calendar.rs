//! `cargo run --release --example generate_calendar -- DIR [POSTS]`: writes a herald project with
//! POSTS generated posts (default 10,000) into DIR, for timing `herald check` (docs/benchmarks.md).
#![allow(missing_docs)]

#[path = "../benches/support/generate.rs"]
mod generate;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: generate_calendar DIR [POSTS]");
        std::process::exit(2);
    };
    let posts = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    std::fs::create_dir_all(&dir)?;
    generate::generate(std::path::Path::new(&dir), posts)?;
    println!("wrote {posts} posts to {dir}");
    Ok(())
}
