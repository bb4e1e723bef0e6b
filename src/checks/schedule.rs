//! When a one-off post goes out: `nonexistent-time` and `ambiguous-time` (a wall time a clock
//! change skips or repeats), `in-past`, `outside-hours` (each channel's own account hours) and
//! `holidays-unconfirmed` (a year whose bank holidays GOV.UK hasn't published yet).
//!
//! Every time question is answered by [`crate::hours`]; this file only words the findings.

use chrono::{DateTime, Datelike, Utc};

use super::Context;
use crate::content::{Post, PublishAt, When};
use crate::diag::{Code, Finding};
use crate::hours::{self, HolidaySource, LocalTime};

/// Checks a one-off post's `publish_at` (recurring posts are checked with their campaign).
pub fn check(post: &Post, ctx: &Context<'_>) -> Vec<Finding> {
    let When::At(at) = &post.spec.when else {
        return Vec::new();
    };
    let zone = ctx.config.zone();
    let instant = match hours::resolve_publish_at(zone, at) {
        LocalTime::Unique(t) => t,
        LocalTime::Ambiguous { earlier, later } => return vec![ambiguous(post, at, zone, earlier, later)],
        LocalTime::Nonexistent { next_valid } => return vec![nonexistent(post, at, zone, next_valid)],
    };
    if instant < ctx.now {
        return vec![
            post.finding_at(
                "publish_at",
                Code::InPast,
                format!(
                    "publish_at {at} ({}) has passed: herald never publishes late, so this post won't go out",
                    hours::date_time_in_words(zone, instant)
                ),
            )
            .help("if it still needs to go out, give it a new publish_at; if it went out another way, remove it"),
        ];
    }
    let mut findings = outside_hours(post, ctx, at, instant);
    let holidays = ctx.config.holidays();
    let year = hours::local_in(zone, instant).year();
    if !holidays.is_confirmed(year) {
        let known = match holidays.confirmed_years() {
            Some((_, last)) => format!(" (the list herald uses ends in {last})"),
            None => String::new(),
        };
        let help = match holidays.source() {
            HolidaySource::Bundled => format!(
                "when GOV.UK publishes {year}'s dates, run `herald holidays update` and set holidays_file = \"bank-holidays.json\" in herald.toml"
            ),
            HolidaySource::File(_) => {
                format!("when GOV.UK publishes {year}'s dates, run `herald holidays update`")
            }
        };
        findings.push(
            post.finding_at(
                "publish_at",
                Code::HolidaysUnconfirmed,
                format!(
                    "{year}'s bank holidays are known only by rule{known}: a one-off bank holiday could still be announced for that year"
                ),
            )
            .help(help),
        );
    }
    findings
}

fn ambiguous(
    post: &Post,
    at: &PublishAt,
    zone: chrono_tz::Tz,
    earlier: DateTime<Utc>,
    later: DateTime<Utc>,
) -> Finding {
    let change = hours::clock_change(zone, later)
        .map(|c| format!(": {}", c.describe()))
        .unwrap_or_default();
    post.finding_at(
        "publish_at",
        Code::AmbiguousTime,
        format!("publish_at {at} happens twice in {}{change}", zone.name()),
    )
    .help(format!(
        "give an explicit offset: publish_at = {at}{} for the first time, or {at}{} for the second",
        hours::words::offset_text(zone, earlier),
        hours::words::offset_text(zone, later),
    ))
}

fn nonexistent(post: &Post, at: &PublishAt, zone: chrono_tz::Tz, next_valid: DateTime<Utc>) -> Finding {
    let change = hours::clock_change(zone, next_valid)
        .map(|c| format!(": {}", c.describe()))
        .unwrap_or_default();
    let before = next_valid - chrono::Duration::seconds(1);
    post.finding_at(
        "publish_at",
        Code::NonexistentTime,
        format!("publish_at {at} never happens in {}{change}", zone.name()),
    )
    .help(format!(
        "write publish_at = {} (just after the change), or give an explicit offset like {at}{}",
        hours::local_in(zone, next_valid).format("%Y-%m-%dT%H:%M:%S"),
        hours::words::offset_text(zone, before),
    ))
}

/// One finding per distinct answer: channels with the same hours share a finding.
fn outside_hours(post: &Post, ctx: &Context<'_>, at: &PublishAt, instant: DateTime<Utc>) -> Vec<Finding> {
    let mut groups: Vec<(String, String, Vec<&str>)> = Vec::new();
    for channel in &post.spec.channels {
        if ctx.config.account(channel).is_none() {
            continue; // unknown-channel says so
        }
        let hours = ctx.config.office_hours(Some(channel));
        let Some(why) = hours.closed_in_words(instant) else {
            continue;
        };
        let help = match hours.next_open(instant) {
            Some(next) => format!(
                "the next opening is {}: write publish_at = {}, or change the hours in herald.toml",
                hours::date_time_in_words(hours.zone(), next),
                hours::local_in(hours.zone(), next).format("%Y-%m-%dT%H:%M:%S")
            ),
            None => "these hours never open: check [hours] in herald.toml".to_owned(),
        };
        match groups.iter_mut().find(|(w, h, _)| *w == why && *h == help) {
            Some((_, _, channels)) => channels.push(channel),
            None => groups.push((why, help, vec![channel])),
        }
    }
    groups
        .into_iter()
        .map(|(why, help, channels)| {
            post.finding_at(
                "publish_at",
                Code::OutsideHours,
                format!(
                    "publish_at {at} is outside office hours for {}: {why}",
                    join_names(&channels)
                ),
            )
            .help(help)
        })
        .collect()
}

/// "a", "a and b", "a, b and c", each in backticks.
fn join_names(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;
    use crate::config::LoadedConfig;
    use crate::content::Calendar;

    const CONFIG: &str = "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n\
        [[accounts]]\nname = \"x\"\nplatform = \"outbox\"\npath = \"x\"\n\
        [[accounts]]\nname = \"weekend\"\nplatform = \"outbox\"\npath = \"w\"\nhours = { sat = \"10:00-16:00\" }\n";

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
            .unwrap()
            .to_utc()
    }

    fn run(config: &LoadedConfig, publish_at: &str, channels: &str) -> Vec<Finding> {
        let post = post(
            &format!("publish_at = {publish_at}\nchannels = [{channels}]"),
            "Hi",
        );
        let calendar = Calendar::default();
        let ctx = Context {
            config,
            calendar: &calendar,
            now: now(),
        };
        check(&post, &ctx)
    }

    fn codes(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.code.as_str()).collect()
    }

    #[test]
    fn open_times_pass_in_winter_and_summer() {
        let config = config(CONFIG);
        for at in [
            "2026-12-01T09:00:00",
            "2026-07-01T16:59:00",
            "2026-07-01T15:00:00Z",
            "2026-12-24T12:00:00",
            "2027-12-29T10:00:00+00:00",
        ] {
            let findings = run(&config, at, "\"outbox\", \"x\"");
            assert!(
                findings.iter().all(|f| f.code == Code::HolidaysUnconfirmed),
                "{at}: {findings:?}"
            );
        }
    }

    #[test]
    fn outside_hours_names_the_reason_and_the_next_opening() {
        let config = config(CONFIG);
        let findings = run(&config, "2026-12-28T10:00:00", "\"outbox\", \"x\"");
        assert_eq!(codes(&findings), vec!["outside-hours"]);
        assert_eq!(
            findings[0].message,
            "publish_at 2026-12-28T10:00:00 is outside office hours for `outbox` and `x`: Monday 28 December 2026 is Boxing Day (substitute day), a bank holiday"
        );
        assert_eq!(
            findings[0].help.as_deref(),
            Some(
                "the next opening is 09:00 on Tuesday 29 December 2026: write publish_at = 2026-12-29T09:00:00, or change the hours in herald.toml"
            )
        );
        assert_eq!((findings[0].line, findings[0].column), (2, 14));

        // 17:00 in summer is 16:00 UTC: closed; written with an offset it is the same instant.
        let findings = run(&config, "2026-07-01T16:00:00Z", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["outside-hours"]);
        assert!(
            findings[0]
                .message
                .ends_with("it is open 09:00-17:00 on Wednesdays")
        );
    }

    #[test]
    fn each_channel_uses_its_own_accounts_hours() {
        let config = config(CONFIG);
        // Saturday: the weekend account is open, the others aren't.
        let findings = run(&config, "2026-12-05T11:00:00", "\"outbox\", \"weekend\"");
        assert_eq!(codes(&findings), vec!["outside-hours"]);
        assert!(
            findings[0]
                .message
                .contains("for `outbox`: it is closed on Saturdays"),
            "{}",
            findings[0].message
        );
        // Monday: the weekend account is closed and says when it opens.
        let findings = run(&config, "2026-12-07T11:00:00", "\"outbox\", \"weekend\"");
        assert_eq!(codes(&findings), vec!["outside-hours"]);
        assert!(findings[0].message.contains("for `weekend`"));
        assert!(
            findings[0]
                .help
                .as_deref()
                .unwrap()
                .contains("10:00 on Saturday 12 December 2026")
        );
        // Unknown channels are left to the channels rule.
        assert!(run(&config, "2026-12-07T11:00:00", "\"nope\"").is_empty());
    }

    #[test]
    fn closures_are_outside_hours() {
        let config = config(&format!(
            "[hours]\nmon = \"09:00-17:00\"\nthu = \"09:00-17:00\"\nclosures = [\"2026-12-24T13:00/2026-12-24T17:00\"]\n{CONFIG}"
        ));
        let findings = run(&config, "2026-12-24T14:00:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["outside-hours"]);
        assert!(
            findings[0]
                .message
                .ends_with("the team is away from 13:00 to 17:00 on Thursday 24 December 2026"),
            "{}",
            findings[0].message
        );
        assert!(run(&config, "2026-12-24T12:00:00", "\"outbox\"").is_empty());
    }

    #[test]
    fn gaps_and_overlaps_are_reported_with_the_fix() {
        let config = config(CONFIG);
        let findings = run(&config, "2027-03-28T01:30:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["nonexistent-time"]);
        assert_eq!(
            findings[0].message,
            "publish_at 2027-03-28T01:30:00 never happens in Europe/London: the clocks go forward from 01:00 to 02:00 on Sunday 28 March 2027"
        );
        assert_eq!(
            findings[0].help.as_deref(),
            Some(
                "write publish_at = 2027-03-28T02:00:00 (just after the change), or give an explicit offset like 2027-03-28T01:30:00+00:00"
            )
        );
        let findings = run(&config, "2026-10-25T01:30:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["ambiguous-time"]);
        assert_eq!(
            findings[0].message,
            "publish_at 2026-10-25T01:30:00 happens twice in Europe/London: the clocks go back from 02:00 to 01:00 on Sunday 25 October 2026"
        );
        assert_eq!(
            findings[0].help.as_deref(),
            Some(
                "give an explicit offset: publish_at = 2026-10-25T01:30:00+01:00 for the first time, or 2026-10-25T01:30:00+00:00 for the second"
            )
        );
        // An explicit offset resolves both (then it is only outside hours: a Sunday night).
        for at in ["2027-03-28T01:30:00+00:00", "2026-10-25T01:30:00+01:00"] {
            assert_eq!(
                codes(&run(&config, at, "\"outbox\"")),
                vec!["outside-hours"],
                "{at}"
            );
        }
        // The hour either side is fine as far as the clocks go.
        for at in [
            "2027-03-28T00:59:00",
            "2027-03-28T02:00:00",
            "2026-10-25T00:59:00",
            "2026-10-25T02:00:00",
        ] {
            assert_eq!(
                codes(&run(&config, at, "\"outbox\"")),
                vec!["outside-hours"],
                "{at}"
            );
        }
    }

    #[test]
    fn past_posts_are_a_warning_and_nothing_else() {
        let config = config(CONFIG);
        let findings = run(&config, "2026-05-29T10:00:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["in-past"]);
        assert_eq!(findings[0].severity, crate::diag::Severity::Warning);
        assert!(findings[0].message.contains("10:00 on Friday 29 May 2026"));
        // Even a past post at night or on a holiday is only in-past.
        assert_eq!(
            codes(&run(&config, "2026-05-25T03:00:00", "\"outbox\"")),
            vec!["in-past"]
        );
        assert!(run(&config, "2026-06-01T12:00:01Z", "\"outbox\"").is_empty());
    }

    #[test]
    fn years_known_only_by_rule_are_a_warning() {
        let config = config(CONFIG);
        let findings = run(&config, "2028-03-01T10:00:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["holidays-unconfirmed"]);
        assert_eq!(findings[0].severity, crate::diag::Severity::Warning);
        assert_eq!(
            findings[0].message,
            "2028's bank holidays are known only by rule (the list herald uses ends in 2027): a one-off bank holiday could still be announced for that year"
        );
        assert!(
            findings[0]
                .help
                .as_deref()
                .unwrap()
                .contains("herald holidays update")
        );
        assert!(run(&config, "2027-03-01T10:00:00", "\"outbox\"").is_empty());
        // A rule-derived holiday is still closed.
        let findings = run(&config, "2028-12-26T10:00:00", "\"outbox\"");
        assert_eq!(codes(&findings), vec!["outside-hours", "holidays-unconfirmed"]);
    }

    #[test]
    fn recurring_posts_are_not_this_rules() {
        let config = config(CONFIG);
        let mut post = post("publish_at = 2027-03-28T01:30:00\nchannels = [\"outbox\"]", "Hi");
        post.spec.when = When::Cron("0 0 10 * * Mon".into());
        let calendar = Calendar::default();
        let ctx = Context {
            config: &config,
            calendar: &calendar,
            now: now(),
        };
        assert!(check(&post, &ctx).is_empty());
    }
}
