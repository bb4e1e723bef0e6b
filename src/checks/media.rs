//! `media-missing`: every image, video and caption file a post names must be there.

use super::Context;
use crate::approval::{MediaError, media_path};
use crate::content::Post;
use crate::diag::{Code, Finding};

/// Checks that each referenced file exists inside the content folder and is a readable file.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let mut check_file = |key: String, written: &str, what: &str| {
        let problem = match media_path(&ctx.calendar.dir, written) {
            Err(e @ MediaError::OutsideContent { .. }) => Some(e.to_string()),
            Err(e) => Some(e.to_string()),
            Ok(path) => match std::fs::metadata(&path) {
                Ok(meta) if meta.is_file() => match std::fs::File::open(&path) {
                    Ok(_) => None,
                    Err(e) => Some(format!("can't read {what} `{written}`: {e}")),
                },
                Ok(_) => Some(format!("{what} `{written}` is a folder, not a file")),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Some(format!("{what} `{written}` doesn't exist"))
                }
                Err(e) => Some(format!("can't read {what} `{written}`: {e}")),
            },
        };
        if let Some(message) = problem {
            findings.push(
                post.finding_at(&key, Code::MediaMissing, message)
                    .help("paths are relative to the content folder, e.g. \"media/flu-jab.jpg\" for content/media/flu-jab.jpg"),
            );
        }
    };
    for (i, image) in post.spec.images.iter().enumerate() {
        check_file(format!("images[{i}].path"), &image.path, "image");
    }
    for (i, video) in post.spec.videos.iter().enumerate() {
        check_file(format!("videos[{i}].path"), &video.path, "video");
        if let Some(captions) = &video.captions {
            check_file(format!("videos[{i}].captions"), captions, "caption file");
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
        std::fs::write(dir.path().join("media/here.png"), b"x").unwrap();
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
}
