//! Due times: when each post falls due, as UTC instants.
//!
//! A one-off post is due at its `publish_at`; a campaign's recurring post at each wall-clock time
//! its cron expression matches, in the configured zone, on the campaign's dates. Every local time
//! becomes an instant through the office-hours module ([`OfficeHours::resolve`]), asked afresh
//! for each occurrence, so a weekly 10:00 post is at 10:00 in London before and after a clock
//! change.
//!
//! Cron expressions are parsed by tokio-cron-scheduler (six fields, seconds first, as its jobs
//! take them), but its jobs are not used to decide when to publish: a `_tz` job fixes its UTC
//! offset when it is created (so it fires an hour out after the clocks change), and its jobs run
//! on the system clock, not herald's (simulated) one. Instead the parsed expression is walked in
//! wall-clock time, and each match is resolved in the zone on its own date.

mod scheduler;

pub use scheduler::Scheduler;

use chrono::{DateTime, Duration, NaiveDateTime, NaiveTime, Timelike, Utc};

use crate::content::{Campaign, Post, PublishAt, When};
use crate::hours::{LocalTime, OfficeHours};

/// How many occurrences one walk looks at, at most (a guard against `* * * * * *`).
const MAX_STEPS: usize = 100_000;

/// Why a post's due time can't be worked out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ScheduleError {
    /// The cron expression doesn't parse.
    #[error("`{expr}` is not a cron expression herald can read{hint}")]
    Cron {
        /// As written.
        expr: String,
        /// What may be wrong, starting with `: `, or empty.
        hint: String,
    },
    /// `publish_at` is a local time that happens twice (the clocks go back).
    #[error("{local} happens twice in {zone} because the clocks go back; herald won't guess which")]
    Ambiguous {
        /// The local time.
        local: String,
        /// The zone.
        zone: String,
    },
    /// `publish_at` is a local time that never happens (the clocks go forward).
    #[error("{local} doesn't exist in {zone} because the clocks go forward")]
    Nonexistent {
        /// The local time.
        local: String,
        /// The zone.
        zone: String,
    },
}

/// A parsed cron expression: `sec min hour day-of-month month day-of-week`.
#[derive(Debug, Clone)]
pub struct CronSchedule {
    cron: croner::Cron,
}

impl CronSchedule {
    /// Parses an expression the way tokio-cron-scheduler's jobs do.
    pub fn parse(expr: &str) -> Result<CronSchedule, ScheduleError> {
        let error = || {
            let fields = expr.split_whitespace().count();
            let hint = match fields {
                0 => ": it is empty; write e.g. `0 0 10 * * Wed` for 10:00 every Wednesday".to_owned(),
                5 => format!(
                    ": it has 5 fields, and herald's start with seconds; write `0 {}`",
                    expr.trim()
                ),
                6 | 7 => String::new(),
                n => format!(
                    ": it has {n} fields; write six: second minute hour day-of-month month day-of-week"
                ),
            };
            ScheduleError::Cron {
                expr: expr.to_owned(),
                hint,
            }
        };
        let mut job = tokio_cron_scheduler::Job::new(expr, |_, _| {}).map_err(|_| error())?;
        let cron = job
            .job_data()
            .ok()
            .and_then(|data| data.schedule())
            .ok_or_else(error)?;
        Ok(CronSchedule { cron })
    }

    /// The first wall-clock time the expression matches strictly after `after`.
    pub fn next_local(&self, after: NaiveDateTime) -> Option<NaiveDateTime> {
        // Wall-clock times are walked as if on a calendar without clock changes (UTC has none);
        // the zone is applied afterwards, per occurrence, by the office-hours module.
        // Cron matches whole seconds; the walk keeps any fraction of `after`, so drop it.
        let after = after.with_nanosecond(0).unwrap_or(after);
        self.cron
            .find_next_occurrence(&after.and_utc(), false)
            .ok()
            .map(|t| t.naive_utc())
            .and_then(|t| t.with_nanosecond(0))
    }
}

/// The instant a one-off post is due.
pub fn once(at: &PublishAt, hours: &OfficeHours) -> Result<DateTime<Utc>, ScheduleError> {
    match at {
        PublishAt::Fixed(t) => Ok(t.to_utc()),
        PublishAt::Local(local) => match hours.resolve(*local) {
            LocalTime::Unique(t) => Ok(t),
            LocalTime::Ambiguous { .. } => Err(ScheduleError::Ambiguous {
                local: local.format("%Y-%m-%dT%H:%M:%S").to_string(),
                zone: hours.zone().name().to_owned(),
            }),
            LocalTime::Nonexistent { .. } => Err(ScheduleError::Nonexistent {
                local: local.format("%Y-%m-%dT%H:%M:%S").to_string(),
                zone: hours.zone().name().to_owned(),
            }),
        },
    }
}

/// The instants a post is due at or after `from`, in order. `hours` gives the zone (any
/// account's hours will do: the zone is herald's). A recurring post without its campaign has none.
pub fn occurrences<'a>(
    post: &'a Post,
    campaign: Option<&'a Campaign>,
    hours: &'a OfficeHours,
    from: DateTime<Utc>,
) -> Result<Box<dyn Iterator<Item = DateTime<Utc>> + Send + 'a>, ScheduleError> {
    match &post.spec.when {
        When::At(at) => {
            let due = once(at, hours)?;
            Ok(Box::new((due >= from).then_some(due).into_iter()))
        }
        When::Cron(expr) => {
            let cron = CronSchedule::parse(expr)?;
            match campaign {
                Some(campaign) => Ok(Box::new(Recurring::new(cron, campaign, hours, from))),
                None => Ok(Box::new(std::iter::empty())),
            }
        }
    }
}

/// A recurring post's occurrences within its campaign's dates.
struct Recurring<'a> {
    cron: CronSchedule,
    hours: &'a OfficeHours,
    from: DateTime<Utc>,
    cursor: Option<NaiveDateTime>,
    last: NaiveDateTime,
    steps: usize,
}

impl<'a> Recurring<'a> {
    fn new(cron: CronSchedule, campaign: &Campaign, hours: &'a OfficeHours, from: DateTime<Utc>) -> Self {
        let first = campaign.starts.and_time(NaiveTime::MIN);
        // Start a little before `from` in wall-clock time: an hour repeated by a clock change
        // means a local time can be earlier than the local reading of `from`.
        let from_local = if from <= DateTime::<Utc>::MIN_UTC + Duration::days(2) {
            first
        } else {
            hours.local(from).naive_local() - Duration::hours(3)
        };
        let start = from_local.max(first);
        let last = campaign
            .ends
            .succ_opt()
            .map_or(NaiveDateTime::MAX, |d| d.and_time(NaiveTime::MIN));
        Recurring {
            cron,
            hours,
            from,
            // `next_local` is strictly after its argument; step back so `start` itself counts.
            cursor: start.checked_sub_signed(Duration::seconds(1)),
            last,
            steps: 0,
        }
    }
}

impl Iterator for Recurring<'_> {
    type Item = DateTime<Utc>;

    fn next(&mut self) -> Option<DateTime<Utc>> {
        loop {
            let cursor = self.cursor?;
            self.steps += 1;
            if self.steps > MAX_STEPS {
                tracing::warn!("a cron expression matches too often; herald stopped looking ahead");
                self.cursor = None;
                return None;
            }
            let local = self.cron.next_local(cursor).filter(|t| *t < self.last);
            self.cursor = local;
            let local = local?;
            let instant = match self.hours.resolve(local) {
                LocalTime::Unique(t) => t,
                // The time happens twice: publish once, at the first.
                LocalTime::Ambiguous { earlier, .. } => earlier,
                // The time never happens that day.
                LocalTime::Nonexistent { .. } => continue,
            };
            if instant >= self.from {
                return Some(instant);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::SourceFile;
    use crate::hours::{DEFAULT_ZONE, Weekly};

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn recurring(cron: &str, starts: &str, ends: &str) -> (Campaign, Post) {
        let text = format!(
            "name = \"W\"\nstarts = {starts}\nends = {ends}\n[[recurring]]\nid = \"weekly\"\ncron = \"{cron}\"\nchannels = [\"outbox\"]\ntext = \"Book\"\n"
        );
        let (campaign, mut posts, findings) =
            Campaign::load(SourceFile::new("content/campaigns/w.toml", text));
        assert!(findings.is_empty(), "{findings:?}");
        (campaign.unwrap(), posts.remove(0))
    }

    fn london() -> OfficeHours {
        OfficeHours::new(DEFAULT_ZONE, Weekly::nine_to_five())
    }

    #[test]
    fn a_weekly_london_post_stays_at_ten_local_across_the_clock_change() {
        // The clocks go back on Sunday 25 October 2026 (BST → GMT).
        let (campaign, post) = recurring("0 0 10 * * Wed", "2026-10-01", "2026-11-30");
        let hours = london();
        let got: Vec<_> = occurrences(&post, Some(&campaign), &hours, utc("2026-10-20T00:00:00Z"))
            .unwrap()
            .take(3)
            .collect();
        assert_eq!(
            got,
            vec![
                utc("2026-10-21T09:00:00Z"), // 10:00 BST
                utc("2026-10-28T10:00:00Z"), // 10:00 GMT
                utc("2026-11-04T10:00:00Z"),
            ]
        );
        for t in got {
            assert_eq!(hours.local(t).format("%H:%M %a").to_string(), "10:00 Wed");
        }
        // And forward in spring (29 March 2026).
        let (spring, post) = recurring("0 0 10 * * Wed", "2026-03-01", "2026-04-30");
        let got: Vec<_> = occurrences(&post, Some(&spring), &hours, utc("2026-03-24T00:00:00Z"))
            .unwrap()
            .take(2)
            .collect();
        assert_eq!(
            got,
            vec![utc("2026-03-25T10:00:00Z"), utc("2026-04-01T09:00:00Z")]
        );
    }

    #[test]
    fn occurrences_stay_within_the_campaign_dates() {
        let (campaign, post) = recurring("0 30 9 * * *", "2026-12-01", "2026-12-03");
        let hours = london();
        let all: Vec<_> = occurrences(&post, Some(&campaign), &hours, DateTime::<Utc>::MIN_UTC)
            .unwrap()
            .collect();
        assert_eq!(
            all,
            vec![
                utc("2026-12-01T09:30:00Z"),
                utc("2026-12-02T09:30:00Z"),
                utc("2026-12-03T09:30:00Z")
            ]
        );
        let later: Vec<_> = occurrences(&post, Some(&campaign), &hours, utc("2026-12-02T09:30:00Z"))
            .unwrap()
            .collect();
        assert_eq!(later.len(), 2, "`from` itself is included");
        let fraction = utc("2026-12-01T08:00:00.941439Z");
        let next = occurrences(&post, Some(&campaign), &hours, fraction)
            .unwrap()
            .next();
        assert_eq!(next, Some(utc("2026-12-01T09:30:00Z")), "whole seconds only");
        assert_eq!(
            occurrences(&post, None, &hours, utc("2026-12-01T00:00:00Z"))
                .unwrap()
                .count(),
            0
        );
    }

    #[test]
    fn a_time_repeated_by_the_clock_change_is_published_once() {
        let (campaign, post) = recurring("0 30 1 * * *", "2026-10-24", "2026-10-26");
        let hours = london();
        let all: Vec<_> = occurrences(&post, Some(&campaign), &hours, DateTime::<Utc>::MIN_UTC)
            .unwrap()
            .collect();
        assert_eq!(
            all,
            vec![
                utc("2026-10-24T00:30:00Z"),
                utc("2026-10-25T00:30:00Z"), // 01:30 BST, the first of the two
                utc("2026-10-26T01:30:00Z"),
            ]
        );
    }

    #[test]
    fn bad_cron_expressions_say_what_to_write() {
        let err = CronSchedule::parse("0 10 * * Wed").unwrap_err();
        assert_eq!(
            err.to_string(),
            "`0 10 * * Wed` is not a cron expression herald can read: it has 5 fields, and herald's start with seconds; write `0 0 10 * * Wed`"
        );
        assert!(CronSchedule::parse("0 0 25 * * Wed").is_err());
        assert!(CronSchedule::parse("0 0 10 * * Wed").is_ok());
    }

    #[test]
    fn one_off_posts_resolve_in_the_zone() {
        let hours = london();
        let local = |s: &str| PublishAt::Local(NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap());
        assert_eq!(
            once(&local("2026-07-01T10:00"), &hours),
            Ok(utc("2026-07-01T09:00:00Z"))
        );
        assert!(matches!(
            once(&local("2026-10-25T01:30"), &hours),
            Err(ScheduleError::Ambiguous { .. })
        ));
        assert!(matches!(
            once(&local("2026-03-29T01:30"), &hours),
            Err(ScheduleError::Nonexistent { .. })
        ));
    }
}
