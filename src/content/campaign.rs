//! Campaigns: `content/campaigns/<id>.toml` — dates, hashtags, tracking name and recurring posts.

use std::collections::BTreeSet;
use std::sync::Arc;

use chrono::NaiveDate;
use serde::Deserialize;

use super::post::{Image, Kind, Post, PostSpec, TextMap, Video, When, deserialize_date};
use crate::diag::{Code, Finding, SourceFile};
use crate::tomldoc::{self, SpanIndex};

/// A campaign file as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignFile {
    /// The campaign's name, for people.
    pub name: String,
    /// First day (local date).
    #[serde(deserialize_with = "deserialize_date")]
    pub starts: NaiveDate,
    /// Last day (local date, inclusive).
    #[serde(deserialize_with = "deserialize_date")]
    pub ends: NaiveDate,
    /// Hashtags added to each of the campaign's posts (with or without `#`).
    #[serde(default)]
    pub hashtags: Vec<String>,
    /// `utm_campaign` added to the campaign's links.
    #[serde(default)]
    pub utm_campaign: Option<String>,
    /// A note for the team.
    #[serde(default)]
    pub description: Option<String>,
    /// Posts that repeat on a schedule while the campaign runs.
    #[serde(default)]
    pub recurring: Vec<RecurringFile>,
}

/// A recurring post as written in a campaign file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecurringFile {
    /// Unique within the campaign.
    pub id: String,
    /// When it repeats: a cron expression (`sec min hour day-of-month month day-of-week`) in the
    /// configured zone, e.g. `0 0 10 * * Tue` for 10:00 every Tuesday.
    pub cron: String,
    /// Account names.
    pub channels: Vec<String>,
    /// Kind (default `campaign`).
    #[serde(default = "campaign_kind")]
    pub kind: Kind,
    /// The post text.
    pub text: String,
    /// A link.
    #[serde(default)]
    pub link: Option<String>,
    /// Images.
    #[serde(default)]
    pub images: Vec<Image>,
    /// Videos.
    #[serde(default)]
    pub videos: Vec<Video>,
    /// Who approved it.
    #[serde(default)]
    pub approved_by: Option<String>,
    /// The approved hash.
    #[serde(default)]
    pub approved_hash: Option<String>,
    /// The approved parts' fingerprints.
    #[serde(default)]
    pub approved_parts: Option<String>,
    /// Deliberate exceptions to advisory checks: a finding's code and the reason for it.
    #[serde(default)]
    pub allow: std::collections::BTreeMap<String, String>,
}

fn campaign_kind() -> Kind {
    Kind::Campaign
}

/// A loaded campaign.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// The file name without `.toml`; posts refer to the campaign by it.
    pub id: String,
    /// The file.
    pub source: Arc<SourceFile>,
    /// Spans of its keys.
    pub spans: SpanIndex,
    /// Name.
    pub name: String,
    /// First day.
    pub starts: NaiveDate,
    /// Last day (inclusive).
    pub ends: NaiveDate,
    /// Hashtags, each starting with `#`.
    pub hashtags: Vec<String>,
    /// Tracking name for links.
    pub utm_campaign: Option<String>,
    /// Note for the team.
    pub description: Option<String>,
}

impl Campaign {
    /// Loads a campaign file: the campaign, its recurring posts, and every finding.
    pub fn load(source: Arc<SourceFile>) -> (Option<Campaign>, Vec<Post>, Vec<Finding>) {
        let id = source
            .path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let loaded = tomldoc::load::<CampaignFile>(&source, 0..source.text.len(), "campaign file");
        let mut findings = loaded.findings;
        let Some(file) = loaded.value else {
            return (None, Vec::new(), findings);
        };
        let spans = loaded.spans;
        let at = |key: &str| spans.value(key).unwrap_or(0..0);
        if file.ends < file.starts {
            findings.push(
                Finding::at(
                    &source,
                    at("ends"),
                    Code::Parse,
                    format!(
                        "the campaign ends ({}) before it starts ({})",
                        file.ends, file.starts
                    ),
                )
                .help("`ends` is the last day of the campaign; make it on or after `starts`"),
            );
        }
        let mut hashtags = Vec::new();
        for (i, tag) in file.hashtags.iter().enumerate() {
            let bare = tag.strip_prefix('#').unwrap_or(tag);
            if bare.is_empty() || !bare.chars().all(|c| c.is_alphanumeric() || c == '_') {
                findings.push(
                    Finding::at(
                        &source,
                        at(&format!("hashtags[{i}]")),
                        Code::Parse,
                        format!("`{tag}` is not a hashtag"),
                    )
                    .help("a hashtag is letters, digits and `_` only, like \"WinterVaccines\""),
                );
            } else {
                hashtags.push(format!("#{bare}"));
            }
        }

        let mut posts = Vec::new();
        let mut ids = BTreeSet::new();
        for (i, entry) in file.recurring.into_iter().enumerate() {
            let prefix = format!("recurring[{i}].");
            if !ids.insert(entry.id.clone()) {
                findings.push(
                    Finding::at(
                        &source,
                        at(&format!("{prefix}id")),
                        Code::Parse,
                        format!("two recurring posts are called `{}`", entry.id),
                    )
                    .help("give each recurring post its own `id`: herald records publications by it"),
                );
                continue;
            }
            let text_span = at(&format!("{prefix}text"));
            let text = entry.text.trim().to_owned();
            posts.push(Post {
                id: format!("{id}#{}", entry.id),
                source: Arc::clone(&source),
                spans: spans.clone(),
                key_prefix: prefix.clone(),
                anchor: at(&format!("{prefix}id")),
                text_map: TextMap::toml_string(&source.text, text_span, &text),
                spec: PostSpec {
                    when: When::Cron(entry.cron),
                    channels: entry.channels,
                    kind: entry.kind,
                    campaign: Some(id.clone()),
                    link: entry.link,
                    text,
                    images: entry.images,
                    videos: entry.videos,
                    approved_by: entry.approved_by,
                    approved_hash: entry.approved_hash,
                    approved_parts: entry.approved_parts,
                },
                allow: entry.allow,
            });
        }
        let campaign = Campaign {
            id,
            source,
            spans,
            name: file.name,
            starts: file.starts,
            ends: file.ends,
            hashtags,
            utm_campaign: file.utm_campaign,
            description: file.description,
        };
        (Some(campaign), posts, findings)
    }

    /// Whether a local date falls within the campaign.
    pub fn runs_on(&self, date: NaiveDate) -> bool {
        self.starts <= date && date <= self.ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_recurring_posts_with_their_spans() {
        let text = "name = \"Winter\"\nstarts = 2026-10-01\nends = 2027-03-31\nhashtags = [\"WinterVaccines\", \"#NHS\"]\n\n[[recurring]]\nid = \"weekly\"\ncron = \"0 0 10 * * Tue\"\nchannels = [\"outbox\"]\ntext = \"Book your jab\"\n";
        let (campaign, posts, findings) =
            Campaign::load(SourceFile::new("content/campaigns/winter.toml", text));
        assert!(findings.is_empty(), "{findings:?}");
        let campaign = campaign.unwrap();
        assert_eq!(campaign.hashtags, vec!["#WinterVaccines", "#NHS"]);
        assert_eq!(posts.len(), 1);
        let post = &posts[0];
        assert_eq!(post.id, "winter#weekly");
        assert_eq!(post.spec.kind, Kind::Campaign);
        assert_eq!(post.spec.campaign.as_deref(), Some("winter"));
        let (line, col) = post.source.line_col(post.text_span(5..9).start);
        assert_eq!((line, col), (10, 14));
    }

    #[test]
    fn reports_backwards_dates_and_bad_hashtags() {
        let text = "name = \"W\"\nstarts = 2027-01-01\nends = 2026-01-01\nhashtags = [\"two words\"]\n";
        let (_, _, findings) = Campaign::load(SourceFile::new("c.toml", text));
        let lines: Vec<_> = findings.iter().map(|f| f.line).collect();
        assert_eq!(lines, vec![3, 4]);
    }
}
