//! Recurring campaign posts: the cron expression must parse (`parse`), and every occurrence must
//! fall inside each channel's office hours (`outside-hours`), because herald never publishes
//! outside them.

use chrono::DateTime;

use super::Context;
use crate::content::{Post, When};
use crate::diag::{Code, Finding};
use crate::schedule::{self, CronSchedule};

/// How many occurrences of a campaign are checked against office hours.
const MAX_OCCURRENCES: usize = 5_000;

/// Checks a recurring post's schedule.
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let When::Cron(expr) = &post.spec.when else {
        return Vec::new();
    };
    if let Err(e) = CronSchedule::parse(expr) {
        return vec![post.finding_at("cron", Code::Parse, e.to_string()).help(
            "write six fields: second minute hour day-of-month month day-of-week, in the configured \
             zone; e.g. `0 0 10 * * Wed` is 10:00 every Wednesday",
        )];
    }
    let campaign = post
        .spec
        .campaign
        .as_deref()
        .and_then(|id| ctx.calendar.campaign(id));
    let Some(campaign) = campaign else {
        return Vec::new();
    };
    let mut findings = Vec::new();
    let mut channels = post.spec.channels.clone();
    channels.dedup();
    for channel in channels {
        if ctx.config.account(&channel).is_none() {
            continue; // reported as unknown-channel
        }
        let hours = ctx.config.office_hours(Some(&channel));
        let Ok(all) = schedule::occurrences(post, Some(campaign), &hours, DateTime::<chrono::Utc>::MIN_UTC)
        else {
            continue;
        };
        let mut total = 0usize;
        let mut outside = Vec::new();
        for t in all.take(MAX_OCCURRENCES) {
            total += 1;
            if !hours.is_open(t) {
                outside.push(t);
            }
        }
        let Some(first) = outside.first() else { continue };
        let when = hours.local(*first).format("%H:%M on %A %-d %B %Y");
        findings.push(
            post.finding_at(
                "cron",
                Code::OutsideHours,
                format!(
                    "{} of {total} occurrences fall outside the office hours of `{channel}`, the first at {when}",
                    outside.len()
                ),
            )
            .help(
                "herald never publishes outside office hours, so these would be missed: limit the days \
                 or times (e.g. `0 0 10 * * Mon-Fri`), or the campaign's dates",
            ),
        );
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::content::{Calendar, Campaign};
    use crate::diag::SourceFile;

    const CONFIG: &str = "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n";

    fn run(cron: &str) -> Vec<Finding> {
        let text = format!(
            "name = \"W\"\nstarts = 2026-11-30\nends = 2026-12-13\n[[recurring]]\nid = \"r\"\ncron = \"{cron}\"\nchannels = [\"outbox\"]\ntext = \"Book\"\n"
        );
        let (campaign, posts, _) = Campaign::load(SourceFile::new("content/campaigns/w.toml", text));
        let calendar = Calendar {
            campaigns: campaign.into_iter().collect(),
            ..Calendar::default()
        };
        let config = config(CONFIG);
        let ctx = Context {
            config: &config,
            calendar: &calendar,
            now: chrono::Utc::now(),
        };
        check(&posts[0], &ctx)
    }

    #[test]
    fn a_bad_cron_is_a_parse_error_at_its_value() {
        let findings = run("0 10 * * Wed");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::Parse);
        assert_eq!((findings[0].line, findings[0].column), (6, 8));
        assert!(
            findings[0].message.contains("write `0 0 10 * * Wed`"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn occurrences_outside_office_hours_are_reported() {
        assert!(run("0 0 10 * * Mon-Fri").is_empty());
        let findings = run("0 0 10 * * *");
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].code, Code::OutsideHours);
        assert_eq!(
            findings[0].message,
            "4 of 14 occurrences fall outside the office hours of `outbox`, the first at 10:00 on Saturday 5 December 2026"
        );
        let evening = run("0 30 17 * * Tue");
        assert_eq!(evening[0].code, Code::OutsideHours);
    }
}
