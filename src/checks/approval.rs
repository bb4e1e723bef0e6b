//! `not-approved` and `approval-stale`: only what an approver saw may be published.

use super::Context;
use crate::approval::{self, Status};
use crate::content::Post;
use crate::diag::{Code, Finding};

/// Compares the post with its recorded approval.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    // Unreadable media is reported by the media rule; the hash can't be computed without it.
    let Ok(parts) = approval::parts(post, &ctx.calendar.dir) else {
        return Vec::new();
    };
    let approve = format!(
        "herald approve {} --by \"YOUR NAME\"",
        crate::diag::display_path(post.path())
    );
    match approval::status(post, &parts) {
        Status::Approved => Vec::new(),
        Status::NotApproved => vec![
            post.finding(
                Code::NotApproved,
                "this post has not been approved, so it won't be published",
            )
            .help(format!("once it has been reviewed, run `{approve}`")),
        ],
        Status::Stale { changed } => {
            let by = post.spec.approved_by.as_deref().unwrap_or("someone");
            let what = if changed.is_empty() {
                "it changed".to_owned()
            } else {
                format!("changed: {}", join_words(&changed))
            };
            vec![
                post.finding_at(
                    "approved_hash",
                    Code::ApprovalStale,
                    format!("this post changed after {by} approved it ({what})"),
                )
                .help(format!(
                    "ask an approver to review the change, then run `{approve}`"
                )),
            ]
        }
    }
}

/// "a", "a and b", "a, b and c".
fn join_words(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn unapproved_and_stale_posts_are_reported() {
        let dir = tempfile::tempdir().unwrap();
        let front = "publish_at = 2026-12-01T10:00:00\nchannels = []";
        let fresh = post(front, "Hello");
        let findings = run_rule(check, &config(""), dir.path(), &fresh);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::NotApproved);
        assert_eq!((findings[0].line, findings[0].column), (1, 1));

        let parts = approval::parts(&fresh, dir.path()).unwrap();
        let approved = format!(
            "{front}\napproved_by = \"Head of Comms\"\napproved_hash = \"{}\"\napproved_parts = \"{}\"",
            parts.hash(),
            parts.fingerprints()
        );
        assert!(run_rule(check, &config(""), dir.path(), &post(&approved, "Hello")).is_empty());

        let findings = run_rule(check, &config(""), dir.path(), &post(&approved, "Hello, edited"));
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::ApprovalStale);
        assert_eq!(
            findings[0].message,
            "this post changed after Head of Comms approved it (changed: the text)"
        );
        assert_eq!(findings[0].line, 5);
    }

    #[test]
    fn joins_words_like_a_person() {
        let words = |v: &[&str]| join_words(&v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(words(&["a"]), "a");
        assert_eq!(words(&["a", "b"]), "a and b");
        assert_eq!(words(&["a", "b", "c"]), "a, b and c");
    }
}
