//! Writes a realistic herald project with many posts, for benchmarks: `herald check` on it must
//! stay well under a second at 10,000 posts.
//!
//! Shared by `benches/check.rs` (in-process) and `examples/generate_calendar.rs` (for timing the
//! whole process with hyperfine).

use std::fmt::Write as _;
use std::path::Path;

/// The accounts every generated post may use.
const CONFIG: &str = r#"timezone = "Europe/London"

[hours]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"

[[accounts]]
name = "x"
platform = "x"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "https://mastodon.example"

[[accounts]]
name = "bluesky"
platform = "bluesky"

[[accounts]]
name = "linkedin"
platform = "linkedin"

[[accounts]]
name = "outbox"
platform = "outbox"
path = "outbox"
"#;

const TEXTS: &[&str] = &[
    "Flu can be serious. If you're 65 or over, you can get a free flu vaccine. Book yours today.",
    "Sore throat or earache? Your local pharmacist can help with some common conditions without a GP appointment. #PharmacyFirst",
    "GP practices close on bank holidays over Christmas and New Year. Order repeat prescriptions early. If you need help and it can't wait, use NHS 111 online or call 111.",
    "Children aged 2 and 3 can have the flu vaccine as a quick spray up the nose. There's no needle. Ask your GP practice.",
    "What helps you stay well in winter? Tell us your tips for keeping warm and active when it's cold outside. #StayWell",
    "Our new clinic in the town centre opens on Monday. Find out what it offers and how to book: https://www.nhs.uk/services/",
    "Feeling low this winter? Talking helps. You can refer yourself for free talking therapies on the NHS. #MentalHealth",
    "Book your COVID-19 and flu vaccines together if you can. It saves you a trip. #WinterVaccines #NHS",
];

/// Writes herald.toml and `content/` with `posts` approved posts into `dir`; one in ten has a
/// defect (a lower-case hashtag or an "&") that `herald check` reports.
pub fn generate(dir: &Path, posts: usize) -> std::io::Result<()> {
    std::fs::write(dir.join("herald.toml"), CONFIG)?;
    let content = dir.join("content");
    std::fs::create_dir_all(content.join("media"))?;
    std::fs::create_dir_all(content.join("campaigns"))?;
    std::fs::write(content.join("words.txt"), "NHS\nGP\nNHS111\nCOVID\n")?;
    std::fs::write(
        content.join("campaigns/winter.toml"),
        "name = \"Winter\"\nstarts = 2026-10-01\nends = 2030-03-31\nhashtags = [\"WinterVaccines\"]\nutm_campaign = \"winter\"\n",
    )?;
    // A small real PNG, a JPEG header and an MP4 header with captions.
    std::fs::write(
        content.join("media/poster.png"),
        include_bytes!("../../content/media/flu-vaccine-poster.png"),
    )?;
    std::fs::write(
        content.join("media/photo.jpg"),
        b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    )?;
    std::fs::write(
        content.join("media/tour.mp4"),
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom",
    )?;
    std::fs::write(
        content.join("media/tour.vtt"),
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nWelcome to the clinic.\n\n00:00:04.500 --> 00:00:08.000\nThis is the waiting room.\n",
    )?;
    let channels = [
        "[\"x\", \"mastodon\", \"bluesky\"]",
        "[\"linkedin\", \"outbox\"]",
        "[\"mastodon\"]",
        "[\"x\", \"bluesky\", \"linkedin\", \"outbox\"]",
    ];
    for i in 0..posts {
        let month_dir = content.join(format!("posts/{:04}", i / 500));
        if i % 500 == 0 {
            std::fs::create_dir_all(&month_dir)?;
        }
        // Weekdays at 10:00 from January 2027.
        let n = (i / 5) as u64;
        let day = chrono::NaiveDate::from_ymd_opt(2027, 1, 4).expect("a date")
            + chrono::Days::new(n / 5 * 7 + n % 5);
        let mut front = String::new();
        let _ = writeln!(front, "publish_at = {day}T10:{:02}:00", (i % 5) * 10);
        let _ = writeln!(front, "channels = {}", channels[i % channels.len()]);
        if i % 3 == 0 {
            let _ = writeln!(
                front,
                "campaign = \"winter\"\nlink = \"https://www.nhs.uk/vaccinations/flu-vaccine/\""
            );
        }
        if i % 4 == 1 {
            front.push_str("\n[[images]]\npath = \"media/poster.png\"\nalt = \"Poster in white text on NHS blue: Book your flu jab.\"\n");
        }
        if i % 10 == 7 {
            front.push_str("\n[[videos]]\npath = \"media/tour.mp4\"\ncaptions = \"media/tour.vtt\"\n");
        }
        let mut text = TEXTS[i % TEXTS.len()].to_owned();
        // About one post in 20 has a defect worth reporting.
        match i % 20 {
            3 => text.push_str(" #selfcare"),
            9 => text.push_str(" Flu & COVID-19 jabs are free."),
            _ => {}
        }
        let path = month_dir.join(format!("post-{i:05}.md"));
        std::fs::write(&path, format!("+++\n{front}+++\n{text}\n"))?;
        // Approved, as a real calendar's posts are.
        herald::approval::record(&path, &content, "Head of Communications")
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(())
}
