//! `unknown-channel` and `unknown-campaign`: every name a post uses must exist.

use super::Context;
use crate::content::Post;
use crate::diag::{Code, Finding, did_you_mean};

/// Checks a post's channels against herald.toml's accounts and its campaign against the files.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let mut findings = Vec::new();
    if let Some(config) = &ctx.config.config {
        let names: Vec<&str> = config.accounts.iter().map(|a| a.name.as_str()).collect();
        if post.spec.channels.is_empty() {
            findings.push(
                post.finding_at(
                    "channels",
                    Code::UnknownChannel,
                    "this post has no channels, so it would go nowhere",
                )
                .help(format!(
                    "list the accounts to publish to, e.g. channels = [\"{}\"]",
                    names.first().unwrap_or(&"outbox")
                )),
            );
        }
        for (i, channel) in post.spec.channels.iter().enumerate() {
            if names.contains(&channel.as_str()) {
                continue;
            }
            let finding = post.finding_at(
                &format!("channels[{i}]"),
                Code::UnknownChannel,
                format!("no account called `{channel}` in herald.toml"),
            );
            findings.push(match did_you_mean(channel, names.iter().copied()) {
                Some(best) => finding.help(format!("did you mean `{best}`?")),
                None if names.is_empty() => {
                    finding.help("herald.toml has no accounts yet: add an [[accounts]] table")
                }
                None => finding.help(format!("the accounts are: {}", names.join(", "))),
            });
        }
    }
    if let Some(campaign) = &post.spec.campaign
        && !post.is_recurring()
        && ctx.calendar.campaign(campaign).is_none()
    {
        let ids = ctx.calendar.campaigns.iter().map(|c| c.id.as_str());
        let finding = post.finding_at(
            "campaign",
            Code::UnknownCampaign,
            format!("no campaign called `{campaign}` (expected content/campaigns/{campaign}.toml)"),
        );
        findings.push(match did_you_mean(campaign, ids) {
            Some(best) => finding.help(format!("did you mean `{best}`?")),
            None => finding.help(format!(
                "create content/campaigns/{campaign}.toml, or remove `campaign`"
            )),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    const CONFIG: &str = "[[accounts]]\nname = \"mastodon\"\nplatform = \"mastodon\"\nbase_url = \"https://mastodon.example\"\ntoken_env = \"HERALD_MASTODON_TOKEN\"\n[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n";

    #[test]
    fn flags_unknown_channels_with_a_hint() {
        let post = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\", \"mastadon\"]",
            "Hi",
        );
        let findings = run_rule(check, &config(CONFIG), std::path::Path::new("content"), &post);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::UnknownChannel);
        assert_eq!((findings[0].line, findings[0].column), (3, 23));
        assert_eq!(findings[0].help.as_deref(), Some("did you mean `mastodon`?"));
    }

    #[test]
    fn known_channels_pass() {
        let post = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\", \"mastodon\"]",
            "Hi",
        );
        assert!(run_rule(check, &config(CONFIG), std::path::Path::new("content"), &post).is_empty());
    }

    #[test]
    fn flags_unknown_campaigns() {
        let post = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\"]\ncampaign = \"winter\"",
            "Hi",
        );
        let findings = run_rule(check, &config(CONFIG), std::path::Path::new("content"), &post);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::UnknownCampaign);
    }
}
