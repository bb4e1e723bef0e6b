//! What each platform takes besides text: `too-many-images`, image files over a platform's size
//! (Bluesky: 2,000,000 bytes, reported as `too-long`: the post is bigger than the platform
//! allows), and `instagram-needs-image`. The numbers are in [`crate::limits`].

use super::{Context, channel_platforms};
use crate::approval::media_path;
use crate::content::Post;
use crate::diag::{Code, Finding};
use crate::limits::limits;

/// Checks the post's media against each of its channels' platforms.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let images = post.spec.images.len();
    for (channel, platform) in channel_platforms(post, ctx) {
        let limits = limits(platform);
        if let Some(max) = limits.images
            && images > max
        {
            findings.push(
                post.finding_at(
                    &format!("images[{max}].path"),
                    Code::TooManyImages,
                    format!(
                        "this post has {images} images; {platform} takes up to {max} (channel `{channel}`)"
                    ),
                )
                .help(format!(
                    "keep the {max} that matter most, or split the post in two"
                )),
            );
        }
        if let Some(max_bytes) = limits.image_bytes {
            for (i, image) in post.spec.images.iter().enumerate() {
                let Ok(path) = media_path(&ctx.calendar.dir, &image.path) else {
                    continue;
                };
                let Ok(meta) = std::fs::metadata(&path) else {
                    continue;
                };
                if meta.is_file() && meta.len() > max_bytes {
                    findings.push(
                        post.finding_at(
                            &format!("images[{i}].path"),
                            Code::TooLong,
                            format!(
                                "image {} is {} bytes; {platform} takes images of up to {} bytes (channel `{channel}`)",
                                i + 1,
                                thousands(meta.len()),
                                thousands(max_bytes)
                            ),
                        )
                        .help("export it smaller (e.g. 2000 pixels wide, JPEG quality 80)"),
                    );
                }
            }
        }
        if limits.needs_media && post.spec.images.is_empty() && post.spec.videos.is_empty() {
            findings.push(
                post.finding_at(
                    &format!("channels[{}]", channel_index(post, &channel)),
                    Code::InstagramNeedsImage,
                    format!(
                        "`{channel}` is an Instagram account, and Instagram posts need an image or a video"
                    ),
                )
                .help("add an [[images]] entry with alt text, or publish this post elsewhere"),
            );
        }
    }
    findings
}

fn channel_index(post: &Post, channel: &str) -> usize {
    post.spec.channels.iter().position(|c| c == channel).unwrap_or(0)
}

/// `2400000` → `2,400,000`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const ACCOUNTS: &[(&str, &str)] = &[("bsky", "bluesky"), ("insta", "instagram"), ("fb", "facebook")];

    fn images(n: usize) -> String {
        (0..n)
            .map(|i| format!("\n[[images]]\npath = \"media/{i}.png\"\nalt = \"A poster\""))
            .collect()
    }

    #[test]
    fn too_many_images_for_bluesky_but_not_facebook() {
        let dir = tempfile::tempdir().unwrap();
        let p = post(
            &format!(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"bsky\", \"fb\"]{}",
                images(5)
            ),
            "Hi",
        );
        let findings = run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::TooManyImages);
        assert_eq!(findings[0].line, 17, "points at the fifth image");
        let p = post(
            &format!(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"bsky\", \"fb\"]{}",
                images(4)
            ),
            "Hi",
        );
        assert!(run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p).is_empty());
    }

    #[test]
    fn bluesky_image_size() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(dir.path().join("media/0.png"), vec![0u8; 2_000_001]).unwrap();
        std::fs::write(dir.path().join("media/1.png"), vec![0u8; 2_000_000]).unwrap();
        let p = post(
            &format!(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"bsky\", \"fb\"]{}",
                images(2)
            ),
            "Hi",
        );
        let findings = run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::TooLong);
        assert_eq!(
            findings[0].message,
            "image 1 is 2,000,001 bytes; bluesky takes images of up to 2,000,000 bytes (channel `bsky`)"
        );
    }

    #[test]
    fn instagram_needs_an_image_or_video() {
        let dir = tempfile::tempdir().unwrap();
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"fb\", \"insta\"]",
            "Hi",
        );
        let findings = run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::InstagramNeedsImage);
        assert_eq!((findings[0].line, findings[0].column), (3, 19));
        let p = post(
            &format!(
                "publish_at = 2026-12-01T10:00:00\nchannels = [\"insta\"]{}",
                images(1)
            ),
            "Hi",
        );
        assert!(run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p).is_empty());
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"insta\"]\n[[videos]]\npath = \"media/v.mp4\"\ncaptions = \"media/v.vtt\"",
            "Hi",
        );
        assert!(run_rule(check, &config(&accounts(ACCOUNTS)), dir.path(), &p).is_empty());
    }

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(2_000_000), "2,000,000");
        assert_eq!(thousands(63_206), "63,206");
    }
}
