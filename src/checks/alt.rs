//! Alt text: `alt-missing`, `alt-prefix`, `alt-filename`, `alt-too-long`, `alt-too-short` and
//! `alt-repeats-text`. Alt text is what a screen reader says instead of the image, so it should
//! say what the image shows, in the words a person would use.

use super::{Context, channel_platforms};
use crate::content::Post;
use crate::diag::{Code, Finding};
use crate::limits::limits;

/// Openings that tell a screen-reader user what they already know.
const PREFIXES: &[&str] = &[
    "image of",
    "an image of",
    "picture of",
    "a picture of",
    "photo of",
    "a photo of",
    "photograph of",
    "a photograph of",
    "graphic of",
    "a graphic of",
    "image:",
    "photo:",
    "picture:",
];

/// File extensions of images and videos.
const MEDIA_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "gif", "webp", "heic", "heif", "avif", "tif", "tiff", "bmp", "svg", "mp4", "mov",
];

/// Name prefixes cameras and phones give files.
const CAMERA_PREFIXES: &[&str] = &[
    "img", "dsc", "dscn", "dscf", "pxl", "mvimg", "vid", "gopr", "dji", "p",
];

/// Checks each image's alt text.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let platforms = channel_platforms(post, ctx);
    for (i, image) in post.spec.images.iter().enumerate() {
        let n = i + 1;
        let alt = image.alt.as_deref().map(str::trim).unwrap_or("");
        if alt.is_empty() {
            let key = if image.alt.is_some() {
                format!("images[{i}].alt")
            } else {
                format!("images[{i}].path")
            };
            findings.push(
                post.finding_at(&key, Code::AltMissing, format!("image {n} has no alt text"))
                    .help("add `alt = \"…\"` saying what the image shows, for people who can't see it"),
            );
            continue;
        }
        let key = format!("images[{i}].alt");
        let lower = alt.to_lowercase();
        if let Some(prefix) = PREFIXES.iter().find(|p| {
            lower.starts_with(*p)
                && lower[p.len()..].starts_with(|c: char| c.is_whitespace() || p.ends_with(':'))
        }) {
            let rest = alt[prefix.len()..].trim_start();
            findings.push(
                post.finding_at(
                    &key,
                    Code::AltPrefix,
                    format!("image {n}'s alt text starts with \"{}\"", &alt[..prefix.len()]),
                )
                .help(format!(
                    "screen readers already say it is an image; start with what it shows: \"{}\"",
                    capitalise_first(rest)
                )),
            );
        }
        if is_file_name(alt, &image.path) {
            findings.push(
                post.finding_at(
                    &key,
                    Code::AltFilename,
                    format!("image {n}'s alt text is a file name"),
                )
                .help("describe what the image shows, e.g. \"A pharmacist gives a man a flu jab\""),
            );
            continue;
        }
        let chars = alt.chars().count();
        for (channel, platform) in &platforms {
            if let Some(max) = limits(*platform).alt_text
                && chars > max
            {
                findings.push(
                    post.finding_at(
                        &key,
                        Code::AltTooLong,
                        format!(
                            "image {n}'s alt text is {chars} characters; {platform} takes up to {max} (channel `{channel}`)"
                        ),
                    )
                    .help("keep the description to what matters; long text belongs in the post"),
                );
            }
        }
        let words = alt
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count();
        if words <= 2 {
            findings.push(
                post.finding_at(
                    &key,
                    Code::AltTooShort,
                    format!("image {n}'s alt text is only {}", crate::diag::plural(words, "word")),
                )
                .help("say what the image shows and why it is there, e.g. \"A nurse gives a child the nasal flu spray\""),
            );
        } else if repeats(alt, &post.spec.text) {
            findings.push(
                post.finding_at(
                    &key,
                    Code::AltRepeatsText,
                    format!("image {n}'s alt text repeats the post's text"),
                )
                .help("screen-reader users hear the post too: describe what the image shows instead"),
            );
        }
    }
    findings
}

fn capitalise_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Whether alt text is a file name: `IMG_2041.jpg`, `DSC0001`, `poster.png`, or the image's own
/// file name.
fn is_file_name(alt: &str, path: &str) -> bool {
    if alt.contains(char::is_whitespace) {
        return false;
    }
    let lower = alt.to_lowercase();
    let own = std::path::Path::new(path);
    let own_name = own.file_name().map(|s| s.to_string_lossy().to_lowercase());
    let own_stem = own.file_stem().map(|s| s.to_string_lossy().to_lowercase());
    if own_name.as_deref() == Some(lower.as_str()) || own_stem.as_deref() == Some(lower.as_str()) {
        return true;
    }
    if let Some((_, ext)) = lower.rsplit_once('.')
        && MEDIA_EXTENSIONS.contains(&ext)
    {
        return true;
    }
    // IMG_2041, DSC0001, PXL_20261201_101500: a camera prefix, then digits (and separators).
    let letters: String = lower.chars().take_while(char::is_ascii_alphabetic).collect();
    let rest = &lower[letters.len()..];
    CAMERA_PREFIXES.contains(&letters.as_str())
        && rest.chars().filter(char::is_ascii_digit).count() >= 3
        && rest.chars().all(|c| c.is_ascii_digit() || "_-".contains(c))
}

/// Whether alt text says the same as the post: equal once case and punctuation are set aside,
/// or a run of at least four of the post's words.
fn repeats(alt: &str, text: &str) -> bool {
    let alt = normalise(alt);
    let text = normalise(text);
    if alt.is_empty() {
        return false;
    }
    alt == text || (alt.split(' ').count() >= 4 && format!(" {text} ").contains(&format!(" {alt} ")))
}

fn normalise(text: &str) -> String {
    text.to_lowercase()
        .split(|c: char| !(c.is_alphanumeric() || c == '\''))
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const ACCOUNTS: &[(&str, &str)] = &[("x", "x"), ("mastodon", "mastodon")];

    fn codes_for(alt: Option<&str>, text: &str) -> Vec<Code> {
        let alt = alt
            .map(|a| format!("alt = {}\n", toml::Value::String(a.to_owned())))
            .unwrap_or_default();
        let front = format!(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"x\", \"mastodon\"]\n[[images]]\npath = \"media/flu-clinic.jpg\"\n{alt}"
        );
        let p = post(front.trim_end(), text);
        run_rule(
            check,
            &config(&accounts(ACCOUNTS)),
            std::path::Path::new("content"),
            &p,
        )
        .into_iter()
        .map(|f| f.code)
        .collect()
    }

    #[test]
    fn good_alt_text_passes() {
        for alt in [
            "A pharmacist gives an older man a flu jab in his upper arm",
            "Poster in white text on NHS blue: Book your flu jab.",
            "Photographs of three nurses on a ward, smiling",
            "Imagery of autumn leaves on a path",
            "Chart: flu vaccinations by week, rising to 12,000",
        ] {
            assert_eq!(
                codes_for(Some(alt), "Book your flu jab today at your pharmacy."),
                vec![],
                "{alt}"
            );
        }
    }

    #[test]
    fn missing_and_blank_alt_text() {
        assert_eq!(codes_for(None, "Hi"), vec![Code::AltMissing]);
        assert_eq!(codes_for(Some("  "), "Hi"), vec![Code::AltMissing]);
    }

    #[test]
    fn prefixes_are_caught_with_the_fix() {
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[[images]]\npath = \"a.png\"\nalt = \"Image of a nurse giving a flu jab\"",
            "Hi",
        );
        let findings = run_rule(check, &config(""), std::path::Path::new("content"), &p);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::AltPrefix);
        assert_eq!(findings[0].line, 6);
        assert_eq!(
            findings[0].help.as_deref(),
            Some(
                "screen readers already say it is an image; start with what it shows: \"A nurse giving a flu jab\""
            )
        );
        assert_eq!(
            codes_for(Some("photo: our new clinic building in Bristol"), "Hi"),
            vec![Code::AltPrefix]
        );
    }

    #[test]
    fn file_names_are_caught() {
        for alt in [
            "IMG_2041.jpg",
            "DSC0001",
            "PXL_20261201_101500",
            "poster.png",
            "flu-clinic",
        ] {
            assert_eq!(codes_for(Some(alt), "Hi"), vec![Code::AltFilename], "{alt}");
        }
        assert!(!is_file_name("NHS111", "a.png"));
        assert!(!is_file_name("Covid-19", "a.png"));
    }

    #[test]
    fn too_long_per_platform() {
        let alt = format!("A {}", "very ".repeat(220));
        let p = post(
            &format!(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"x\", \"mastodon\"]\n[[images]]\npath = \"a.png\"\nalt = \"{alt}\""
            ),
            "Hi",
        );
        let findings = run_rule(
            check,
            &config(&accounts(ACCOUNTS)),
            std::path::Path::new("content"),
            &p,
        );
        // 1102 characters: over X's 1000, within Mastodon's 1500.
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::AltTooLong);
        assert!(
            findings[0].message.contains("x takes up to 1000"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn short_and_repeated_alt_text() {
        assert_eq!(codes_for(Some("Nurse"), "Hi"), vec![Code::AltTooShort]);
        assert_eq!(codes_for(Some("A nurse"), "Hi"), vec![Code::AltTooShort]);
        let text = "Book your flu jab today at your local pharmacy.";
        assert_eq!(
            codes_for(Some("Book your flu jab today at your local pharmacy"), text),
            vec![Code::AltRepeatsText]
        );
        assert_eq!(
            codes_for(Some("book your flu jab today"), text),
            vec![Code::AltRepeatsText]
        );
        // Sharing a few words with the post is normal.
        assert_eq!(codes_for(Some("A pharmacist gives a flu jab"), text), vec![]);
    }
}
