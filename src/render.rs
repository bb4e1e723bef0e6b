//! What a post looks like when published on a platform: the campaign's hashtags added, and the
//! link tagged with tracking parameters. `herald preview`, the length checks and the publisher all
//! use this one function, so what is checked is what is sent.

use url::Url;

use crate::config::Platform;
use crate::content::{Campaign, Kind, PostSpec};

/// A post as it will be published on one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The text exactly as sent (for a reshare: usually empty).
    pub text: String,
    /// The link as sent (with tracking parameters), or for a reshare the post to boost.
    pub link: Option<String>,
}

/// Renders a post for a platform.
///
/// - Campaign hashtags the text doesn't already have (ignoring case) are added on a last line.
/// - When the campaign has a `utm_campaign`, the link gets `utm_source` (the platform),
///   `utm_medium=social` and `utm_campaign`, unless it already has its own `utm_*` parameters.
/// - The link is added at the end of the text unless the text already contains it, in which case
///   it is tagged where it stands. A reshare's link is the post to boost and is left alone.
pub fn render(spec: &PostSpec, campaign: Option<&Campaign>, platform: Platform) -> Rendered {
    if spec.kind == Kind::Reshare {
        return Rendered {
            text: spec.text.clone(),
            link: spec.link.clone(),
        };
    }
    let mut text = spec.text.clone();
    let link = spec
        .link
        .as_deref()
        .map(|link| tag_link(link, campaign, platform));
    if let (Some(original), Some(tagged)) = (spec.link.as_deref(), link.as_deref()) {
        if text.contains(original) {
            text = text.replace(original, tagged);
        } else {
            push_block(&mut text, tagged);
        }
    }
    if let Some(campaign) = campaign {
        let lower = text.to_lowercase();
        let missing: Vec<&str> = campaign
            .hashtags
            .iter()
            .map(String::as_str)
            .filter(|tag| !contains_hashtag(&lower, &tag.to_lowercase()))
            .collect();
        if !missing.is_empty() {
            push_block(&mut text, &missing.join(" "));
        }
    }
    Rendered { text, link }
}

fn push_block(text: &mut String, block: &str) {
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(block);
}

/// Whether `text` has the hashtag as a whole tag (not as the start of a longer one).
fn contains_hashtag(text: &str, tag: &str) -> bool {
    text.match_indices(tag).any(|(i, _)| {
        let after = text[i + tag.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
    })
}

/// Adds tracking parameters to a link for a platform, when the campaign asks for them.
pub fn tag_link(link: &str, campaign: Option<&Campaign>, platform: Platform) -> String {
    let Some(name) = campaign.and_then(|c| c.utm_campaign.as_deref()) else {
        return link.to_owned();
    };
    let Ok(mut url) = Url::parse(link) else {
        return link.to_owned();
    };
    if url.query_pairs().any(|(k, _)| k.starts_with("utm_")) {
        return link.to_owned();
    }
    url.query_pairs_mut()
        .append_pair("utm_source", platform.as_str())
        .append_pair("utm_medium", "social")
        .append_pair("utm_campaign", name);
    url.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{PublishAt, When};

    fn spec(text: &str, link: Option<&str>) -> PostSpec {
        PostSpec {
            when: When::At(PublishAt::Local(chrono::NaiveDateTime::default())),
            channels: vec![],
            kind: Kind::News,
            campaign: Some("winter".into()),
            link: link.map(str::to_owned),
            text: text.to_owned(),
            images: vec![],
            videos: vec![],
            approved_by: None,
            approved_hash: None,
            approved_parts: None,
        }
    }

    fn campaign() -> Campaign {
        let text = "name = \"W\"\nstarts = 2026-10-01\nends = 2027-03-31\nhashtags = [\"WinterVaccines\", \"NHS\"]\nutm_campaign = \"winter-2026\"\n";
        Campaign::load(crate::diag::SourceFile::new(
            "content/campaigns/winter.toml",
            text,
        ))
        .0
        .unwrap()
    }

    #[test]
    fn adds_missing_hashtags_and_a_tagged_link() {
        let c = campaign();
        let r = render(
            &spec("Book your #nhs flu jab.", Some("https://www.nhs.uk/flu/")),
            Some(&c),
            Platform::Mastodon,
        );
        assert_eq!(
            r.text,
            "Book your #nhs flu jab.\n\nhttps://www.nhs.uk/flu/?utm_source=mastodon&utm_medium=social&utm_campaign=winter-2026\n\n#WinterVaccines"
        );
    }

    #[test]
    fn tags_a_link_already_in_the_text_and_respects_existing_tags() {
        let c = campaign();
        let r = render(
            &spec(
                "See https://www.nhs.uk/flu/ now #WinterVaccines #NHS",
                Some("https://www.nhs.uk/flu/"),
            ),
            Some(&c),
            Platform::X,
        );
        assert_eq!(
            r.text,
            "See https://www.nhs.uk/flu/?utm_source=x&utm_medium=social&utm_campaign=winter-2026 now #WinterVaccines #NHS"
        );
        let own = "https://www.nhs.uk/flu/?utm_source=poster";
        assert_eq!(tag_link(own, Some(&c), Platform::X), own);
    }

    #[test]
    fn a_longer_tag_does_not_count_as_the_campaign_tag() {
        assert!(!contains_hashtag("#nhsengland", "#nhs"));
        assert!(contains_hashtag("#nhs, today", "#nhs"));
    }

    #[test]
    fn no_campaign_no_changes() {
        let r = render(&spec("Hello", None), None, Platform::Bluesky);
        assert_eq!(r.text, "Hello");
    }
}
