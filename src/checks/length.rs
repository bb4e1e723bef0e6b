//! `too-long`: the post as it will be published on each channel (campaign hashtags added, links
//! tagged — [`crate::render::render`]) against that platform's limits, counted the way the
//! platform counts ([`crate::limits`]).

use super::{Context, channel_platforms};
use crate::content::Post;
use crate::diag::{Code, Finding};
use crate::limits::measure;
use crate::render::render;

/// Checks the rendered text's length on each channel.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    let campaign = post
        .spec
        .campaign
        .as_deref()
        .and_then(|id| ctx.calendar.campaign(id));
    for (channel, platform) in channel_platforms(post, ctx) {
        let rendered = render(&post.spec, campaign, platform);
        for m in measure(platform, &rendered.text) {
            if !m.over() {
                continue;
            }
            let added = if rendered.text == post.spec.text {
                ""
            } else {
                " as published (with the campaign's hashtags and tagged link)"
            };
            findings.push(
                Finding::at(
                    &post.source,
                    first_line(post),
                    Code::TooLong,
                    format!(
                        "this post is {} {} long{added} on `{channel}`; {platform} takes up to {}",
                        m.count, m.unit, m.limit
                    ),
                )
                .help(format!(
                    "cut {} {} ({}); `herald preview {}` shows each channel's text and count",
                    m.count - m.limit,
                    m.unit,
                    m.how.explain(),
                    crate::diag::display_path(post.path())
                )),
            );
        }
    }
    findings
}

/// The span of the first line of the post's text, where length findings point.
fn first_line(post: &Post) -> std::ops::Range<usize> {
    let text = &post.spec.text;
    let end = text.find('\n').unwrap_or(text.len());
    post.text_span(0..end)
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::content::Calendar;

    const ACCOUNTS: &[(&str, &str)] = &[("x", "x"), ("bsky", "bluesky"), ("outbox", "outbox")];

    fn findings(text: &str, channels: &str) -> Vec<Finding> {
        let p = post(
            &format!("publish_at = 2026-12-01T10:00:00\nchannels = {channels}"),
            text,
        );
        run_rule(
            check,
            &config(&accounts(ACCOUNTS)),
            std::path::Path::new("content"),
            &p,
        )
    }

    #[test]
    fn counts_as_each_platform_does() {
        let text = "a".repeat(290);
        let f = findings(&text, "[\"x\", \"bsky\", \"outbox\"]");
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].code, Code::TooLong);
        assert_eq!(
            f[0].message,
            "this post is 290 characters long on `x`; x takes up to 280"
        );
        assert_eq!((f[0].line, f[0].column), (5, 1));
        // 150 family emoji: 300 on X, 150 graphemes but 3750 bytes on Bluesky.
        let family = "👨‍👩‍👧‍👦".repeat(150);
        let codes: Vec<_> = findings(&family, "[\"x\", \"bsky\"]")
            .into_iter()
            .map(|f| f.message)
            .collect();
        assert_eq!(
            codes,
            [
                "this post is 300 characters long on `x`; x takes up to 280",
                "this post is 3750 bytes long on `bsky`; bluesky takes up to 3000",
            ]
        );
    }

    #[test]
    fn long_links_count_as_23_on_x_but_in_full_on_bluesky() {
        let text = format!("Read this: https://www.nhs.uk/{}", "a".repeat(280));
        let f = findings(&text, "[\"x\", \"bsky\"]");
        assert_eq!(f.len(), 1);
        assert!(f[0].message.contains("on `bsky`"), "{}", f[0].message);
        assert!(findings(&"a".repeat(280), "[\"x\"]").is_empty());
    }

    #[test]
    fn counts_the_campaign_hashtags_and_tagged_link() {
        let campaign = crate::content::Campaign::load(crate::diag::SourceFile::new(
            "content/campaigns/winter.toml",
            "name = \"W\"\nstarts = 2026-10-01\nends = 2027-03-31\nhashtags = [\"WinterVaccines\"]\nutm_campaign = \"winter\"\n",
        ))
        .0
        .unwrap();
        let calendar = Calendar {
            campaigns: vec![campaign],
            ..Calendar::default()
        };
        // 270 characters of text fit on X alone, but not with "\n\n#WinterVaccines".
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"x\"]\ncampaign = \"winter\"",
            &"a".repeat(270),
        );
        let f = run_rule_in(check, &config(&accounts(ACCOUNTS)), &calendar, &p);
        assert_eq!(f.len(), 1);
        assert_eq!(
            f[0].message,
            "this post is 287 characters long as published (with the campaign's hashtags and tagged link) on `x`; x takes up to 280"
        );
    }
}
