//! `personal-data`: a phone number, an email address or an NHS number in a post, unless it is one
//! of the organisation's own contacts: `[checks] official_contacts` in herald.toml, or a contact
//! route in content/replies.toml. The detection itself is [`crate::personal`], shared with the
//! inbox (which also looks for home addresses in messages from the public).

use std::collections::BTreeSet;

pub use crate::personal::{Found, Kind, find};

use super::Context;
use super::settings::settings;
use crate::content::{Post, Replies};
use crate::diag::{Code, Finding};

/// The organisation's own contacts: from config, and from the reply routes.
fn official(ctx: &Context<'_>, replies: &Replies) -> BTreeSet<String> {
    let mut official = BTreeSet::new();
    for contact in &settings(ctx).official_contacts {
        let contact = contact.trim();
        if contact.starts_with('@') {
            official.insert(contact.to_lowercase());
            continue;
        }
        let found = find(contact);
        if found.is_empty() {
            official.insert(contact.to_lowercase());
        }
        official.extend(found.into_iter().map(|f| f.normal));
    }
    let texts = replies
        .routes
        .iter()
        .map(|r| r.text.as_str())
        .chain(replies.crisis.iter().map(|c| c.text.as_str()))
        .chain(std::iter::once(replies.reply.closed.as_str()))
        .chain(replies.reply.signature.as_deref());
    for text in texts {
        official.extend(find(text).into_iter().map(|f| f.normal));
    }
    official
}

fn is_official(found: &Found, official: &BTreeSet<String>) -> bool {
    if official.contains(&found.normal) {
        return true;
    }
    found.kind == Kind::Email
        && found
            .normal
            .rsplit_once('@')
            .is_some_and(|(_, domain)| official.contains(&format!("@{domain}")))
}

/// Checks the post's text.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let found = find(&post.spec.text);
    if found.is_empty() {
        return Vec::new();
    }
    let official = official(ctx, &ctx.calendar.replies);
    found
        .into_iter()
        .filter(|f| !is_official(f, &official))
        .map(|f| {
            let what = f.kind.describe();
            let help = match f.kind {
                Kind::NhsNumber => "never publish a patient's NHS number; remove it".to_owned(),
                Kind::Phone | Kind::Email | Kind::Address => official_help(&post.spec.text[f.range.clone()]),
            };
            Finding::at(
                &post.source,
                post.text_span(f.range.clone()),
                Code::PersonalData,
                format!("this looks like {what}, and it isn't one of the organisation's official contacts"),
            )
            .help(help)
        })
        .collect()
}

fn official_help(contact: &str) -> String {
    format!(
        "remove it if it is someone's own; if it is the organisation's, add it to herald.toml: [checks] official_contacts = [\"{contact}\"]"
    )
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn official_contacts_from_config_and_replies_are_fine() {
        let cfg = config(
            "[checks]\nofficial_contacts = [\"0117 000 0000\", \"press@example-icb.nhs.uk\", \"@example-icb.nhs.uk\"]\n",
        );
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []",
            "Call 01170000000, email press@example-icb.nhs.uk or flu@example-icb.nhs.uk, foi@example-icb.nhs.uk. Not jo@gmail.com or 07700 900123.",
        );
        let dir = std::path::Path::new("content");
        let findings = run_rule(check, &cfg, dir, &p);
        let texts: Vec<&str> = findings
            .iter()
            .map(|f| &p.source.text[f.span.clone().unwrap()])
            .collect();
        assert_eq!(texts, ["jo@gmail.com", "07700 900123"]);
        // Without the config, the reply routes' contacts are still official (foi@, 0117 000 0000).
        let findings = run_rule(check, &config(""), dir, &p);
        let texts: Vec<&str> = findings
            .iter()
            .map(|f| &p.source.text[f.span.clone().unwrap()])
            .collect();
        assert_eq!(
            texts,
            [
                "press@example-icb.nhs.uk",
                "flu@example-icb.nhs.uk",
                "jo@gmail.com",
                "07700 900123"
            ]
        );
    }
}
