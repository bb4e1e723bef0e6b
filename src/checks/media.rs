//! `media-missing`: every image, video and caption file a post names must be there, and an image
//! must really be an image and a video a video: herald reads the first bytes of each file
//! (JPEG, PNG, GIF, WebP, HEIC/AVIF; MP4/MOV, WebM/Matroska, AVI) rather than trusting its name.

use std::io::Read;
use std::path::Path;

use super::Context;
use crate::approval::{MediaError, media_path};
use crate::content::Post;
use crate::diag::{Code, Finding};

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    /// An image format platforms take.
    Image(&'static str),
    /// A video format platforms take.
    Video(&'static str),
    /// Nothing herald recognises.
    Unknown,
    /// No bytes at all.
    Empty,
}

/// Reads the start of a file and says what it is.
pub fn sniff_file(path: &Path) -> std::io::Result<Sniffed> {
    let mut head = [0u8; 32];
    let mut file = std::fs::File::open(path)?;
    let mut n = 0;
    while n < head.len() {
        match file.read(&mut head[n..])? {
            0 => break,
            read => n += read,
        }
    }
    Ok(sniff(&head[..n]))
}

/// What the first bytes of a file say it is.
pub fn sniff(head: &[u8]) -> Sniffed {
    if head.is_empty() {
        return Sniffed::Empty;
    }
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, &[0xFF, 0xD8, 0xFF]) {
        return Sniffed::Image("JPEG");
    }
    if at(0, b"\x89PNG\r\n\x1a\n") {
        return Sniffed::Image("PNG");
    }
    if at(0, b"GIF87a") || at(0, b"GIF89a") {
        return Sniffed::Image("GIF");
    }
    if at(0, b"RIFF") && at(8, b"WEBP") {
        return Sniffed::Image("WebP");
    }
    if at(0, b"RIFF") && at(8, b"AVI ") {
        return Sniffed::Video("AVI");
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Sniffed::Video("WebM");
    }
    if at(4, b"ftyp") {
        let brand = head.get(8..12).unwrap_or_default();
        return match brand {
            b"heic" | b"heix" | b"hevc" | b"heim" | b"heis" | b"mif1" | b"msf1" => Sniffed::Image("HEIC"),
            b"avif" | b"avis" => Sniffed::Image("AVIF"),
            b"qt  " => Sniffed::Video("QuickTime"),
            _ => Sniffed::Video("MP4"),
        };
    }
    Sniffed::Unknown
}

/// What kind of file a key should name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Image,
    Video,
    Captions,
}

/// Checks that each referenced file exists inside the content folder, is a readable file, and
/// (for images and videos) really is one.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut check_file = |key: String, written: &str, expect: Expect| {
        let what = match expect {
            Expect::Image => "image",
            Expect::Video => "video",
            Expect::Captions => "caption file",
        };
        let problem = match media_path(&ctx.calendar.dir, written) {
            Err(e @ (MediaError::OutsideContent { .. } | MediaError::LinksOutside { .. })) => {
                Some(e.to_string())
            }
            Err(e @ MediaError::NotAFile { .. }) => Some(format!("{what} {e}")),
            Err(e) => Some(e.to_string()),
            Ok(path) => match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => match (expect, sniff_file(&path)) {
                    (_, Err(e)) => Some(format!("can't read {what} `{written}`: {e}")),
                    (Expect::Captions, Ok(_)) => None,
                    (_, Ok(Sniffed::Empty)) => Some(format!("{what} `{written}` is an empty file")),
                    (Expect::Image, Ok(Sniffed::Image(_))) | (Expect::Video, Ok(Sniffed::Video(_))) => None,
                    (Expect::Image, Ok(Sniffed::Video(kind))) => {
                        Some(format!("image `{written}` is a video ({kind}), not an image"))
                    }
                    (Expect::Video, Ok(Sniffed::Image(kind))) => {
                        Some(format!("video `{written}` is an image ({kind}), not a video"))
                    }
                    (Expect::Image, Ok(Sniffed::Unknown)) => Some(format!(
                        "image `{written}` is not an image: it doesn't start like a JPEG, PNG, GIF, WebP, HEIC or AVIF file"
                    )),
                    (Expect::Video, Ok(Sniffed::Unknown)) => Some(format!(
                        "video `{written}` is not a video: it doesn't start like an MP4, MOV, WebM or AVI file"
                    )),
                },
                Ok(meta) if meta.is_dir() => Some(format!("{what} `{written}` is a folder, not a file")),
                Ok(_) => Some(format!(
                    "{what} `{written}` is not a regular file (it is a pipe, socket or device)"
                )),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some(format!("{what} `{written}` doesn't exist"))
                }
                Err(e) => Some(format!("can't read {what} `{written}`: {e}")),
            },
        };
        if let Some(message) = problem {
            let wrong_kind = message.contains("is not an")
                || message.contains(", not a")
                || message.ends_with("an empty file");
            let help = if message.contains("symbolic link") {
                "copy the file into the content folder rather than linking to one outside it"
            } else if wrong_kind {
                "check that the path names the right file; platforms take JPEG, PNG, GIF or WebP images and MP4 or MOV videos"
            } else {
                "paths are relative to the content folder, e.g. \"media/flu-jab.jpg\" for content/media/flu-jab.jpg"
            };
            findings.push(post.finding_at(&key, Code::MediaMissing, message).help(help));
        }
    };
    for (i, image) in post.spec.images.iter().enumerate() {
        check_file(format!("images[{i}].path"), &image.path, Expect::Image);
    }
    for (i, video) in post.spec.videos.iter().enumerate() {
        check_file(format!("videos[{i}].path"), &video.path, Expect::Video);
        if let Some(captions) = &video.captions {
            check_file(format!("videos[{i}].captions"), captions, Expect::Captions);
        }
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn flags_missing_and_escaping_files() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("media")).unwrap();
        std::fs::write(
            dir.path().join("media/here.png"),
            b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        )
        .unwrap();
        let post = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[[images]]\npath = \"media/here.png\"\n[[images]]\npath = \"media/gone.png\"\n[[images]]\npath = \"../etc/passwd\"\n[[videos]]\npath = \"media\"",
            "Hi",
        );
        let findings = run_rule(check, &config(""), dir.path(), &post);
        let got: Vec<_> = findings.iter().map(|f| (f.line, f.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (7, "image `media/gone.png` doesn't exist"),
                (
                    9,
                    "`../etc/passwd` is outside the content folder: media paths are relative to content/ and can't use `..`"
                ),
                (11, "video `media` is a folder, not a file"),
            ]
        );
    }

    #[test]
    fn reads_the_header_not_the_name() {
        let dir = tempfile::tempdir().unwrap();
        let media = dir.path().join("media");
        std::fs::create_dir(&media).unwrap();
        std::fs::write(media.join("photo.jpg"), b"\xFF\xD8\xFF\xE0\0\x10JFIF").unwrap();
        std::fs::write(media.join("renamed.png"), b"\xFF\xD8\xFF\xE0\0\x10JFIF").unwrap();
        std::fs::write(media.join("notes.png"), b"Book your flu jab").unwrap();
        std::fs::write(media.join("empty.gif"), b"").unwrap();
        std::fs::write(media.join("clip.png"), b"\0\0\0\x18ftypmp42\0\0\0\0").unwrap();
        std::fs::write(media.join("clip.mp4"), b"\0\0\0\x18ftypisom\0\0\0\0").unwrap();
        std::fs::write(media.join("poster.mp4"), b"GIF89a\x01\0").unwrap();
        let post = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\n[[images]]\npath = \"media/photo.jpg\"\n[[images]]\npath = \"media/renamed.png\"\n[[images]]\npath = \"media/notes.png\"\n[[images]]\npath = \"media/empty.gif\"\n[[images]]\npath = \"media/clip.png\"\n[[videos]]\npath = \"media/clip.mp4\"\n[[videos]]\npath = \"media/poster.mp4\"",
            "Hi",
        );
        let findings = run_rule(check, &config(""), dir.path(), &post);
        let got: Vec<_> = findings.iter().map(|f| (f.line, f.message.as_str())).collect();
        assert_eq!(
            got,
            vec![
                (
                    9,
                    "image `media/notes.png` is not an image: it doesn't start like a JPEG, PNG, GIF, WebP, HEIC or AVIF file"
                ),
                (11, "image `media/empty.gif` is an empty file"),
                (13, "image `media/clip.png` is a video (MP4), not an image"),
                (17, "video `media/poster.mp4` is an image (GIF), not a video"),
            ]
        );
    }

    #[test]
    fn sniffs_common_formats() {
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Sniffed::Image("WebP"));
        assert_eq!(sniff(b"\0\0\0\x1cftypheic"), Sniffed::Image("HEIC"));
        assert_eq!(sniff(b"\0\0\0\x14ftypqt  "), Sniffed::Video("QuickTime"));
        assert_eq!(sniff(&[0x1A, 0x45, 0xDF, 0xA3, 1]), Sniffed::Video("WebM"));
        assert_eq!(sniff(b"<svg"), Sniffed::Unknown);
    }
}
