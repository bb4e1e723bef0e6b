//! The daemon's metrics, served at `/metrics` in the Prometheus text exposition format
//! (version 0.0.4): counters, one histogram and gauges, each family with `# HELP` and `# TYPE`,
//! label values escaped (`\\`, `\"`, `\n`).
//!
//! Families (all prefixed `herald_`):
//! - `publications_total{channel, result}`: results the publisher recorded (`sent`, `failed`,
//!   `missed`, `unknown`, `retry`); call [`Metrics::publication`].
//! - `publication_lateness_seconds`: how long after its due time each publication was sent
//!   (histogram); call [`Metrics::lateness`].
//! - `replies_total{account, reason}`: what the inbox did with each message (`replied`,
//!   `crisis`, `skipped-…`, …); the inbox calls [`Metrics::reply`] once per message it decides on.
//! - `inbox_last_poll_timestamp_seconds{account}`: when each account's inbox was last read
//!   successfully (Unix time on the daemon's clock); the inbox calls [`Metrics::polled`].
//! - `build_info{version}` and `start_timestamp_seconds`.
//!
//! Written by hand rather than with a metrics crate: five families don't justify a dependency, and
//! the format is small and tested here against its specification.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

/// Upper bounds (seconds) of the lateness histogram's buckets.
pub const LATENESS_BUCKETS: [f64; 12] = [
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];

/// What the publisher recorded for a publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum PublicationResult {
    /// Published.
    Sent,
    /// Refused, or retries gave up.
    Failed,
    /// Not sent: too late, outside hours, or held at its time.
    Missed,
    /// Sent, outcome not confirmed.
    Unknown,
    /// A retryable error; it will be tried again.
    Retry,
}

impl PublicationResult {
    /// The label value.
    pub fn as_str(self) -> &'static str {
        match self {
            PublicationResult::Sent => "sent",
            PublicationResult::Failed => "failed",
            PublicationResult::Missed => "missed",
            PublicationResult::Unknown => "unknown",
            PublicationResult::Retry => "retry",
        }
    }
}

#[derive(Debug, Default)]
struct Histogram {
    /// Non-cumulative counts per bucket of [`LATENESS_BUCKETS`], then the overflow.
    counts: [u64; LATENESS_BUCKETS.len() + 1],
    sum: f64,
}

#[derive(Debug, Default)]
struct Inner {
    publications: BTreeMap<(String, &'static str), u64>,
    replies: BTreeMap<(String, String), u64>,
    lateness: Histogram,
    polls: BTreeMap<String, DateTime<Utc>>,
}

/// The daemon's metrics. Shared through the [`super::Handle`]; every method is cheap.
#[derive(Debug)]
pub struct Metrics {
    started_at: DateTime<Utc>,
    inner: Mutex<Inner>,
}

impl Metrics {
    /// Metrics for a daemon started at `started_at` (on its clock).
    pub fn new(started_at: DateTime<Utc>) -> Metrics {
        Metrics {
            started_at,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        // A poisoned lock means a panic mid-update of a counter: the numbers are still usable.
        let mut guard = self
            .inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    /// Counts a result the publisher recorded for a publication on `channel`.
    pub fn publication(&self, channel: &str, result: PublicationResult) {
        self.with(|m| {
            *m.publications
                .entry((channel.to_owned(), result.as_str()))
                .or_insert(0) += 1;
        });
    }

    /// Records how late (seconds after its due time) a publication was sent.
    pub fn lateness(&self, seconds: f64) {
        let seconds = if seconds.is_finite() {
            seconds.max(0.0)
        } else {
            0.0
        };
        self.with(|m| {
            let i = LATENESS_BUCKETS.partition_point(|le| *le < seconds);
            m.lateness.counts[i] += 1;
            m.lateness.sum += seconds;
        });
    }

    /// Counts what the inbox did with one message on `account`: `reason` is a short stable
    /// label such as `replied`, `crisis`, `skipped-own-account` or `flagged-abusive`.
    pub fn reply(&self, account: &str, reason: &str) {
        self.with(|m| {
            *m.replies
                .entry((account.to_owned(), reason.to_owned()))
                .or_insert(0) += 1;
        });
    }

    /// Records a successful read of `account`'s inbox at `at`.
    pub fn polled(&self, account: &str, at: DateTime<Utc>) {
        self.with(|m| {
            m.polls.insert(account.to_owned(), at);
        });
    }

    /// The last successful inbox read of each account.
    pub fn last_polls(&self) -> BTreeMap<String, DateTime<Utc>> {
        self.with(|m| m.polls.clone())
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self) -> String {
        let mut out = String::new();
        family(
            &mut out,
            "herald_build_info",
            "gauge",
            "The herald version running (always 1).",
        );
        sample(
            &mut out,
            "herald_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))],
            1.0,
        );
        family(
            &mut out,
            "herald_start_timestamp_seconds",
            "gauge",
            "When the daemon started, in Unix seconds on its clock.",
        );
        sample(
            &mut out,
            "herald_start_timestamp_seconds",
            &[],
            unix(self.started_at),
        );
        self.with(|m| {
            family(
                &mut out,
                "herald_publications_total",
                "counter",
                "Results the publisher recorded, by channel and result (sent, failed, missed, unknown, retry).",
            );
            for ((channel, result), n) in &m.publications {
                sample(
                    &mut out,
                    "herald_publications_total",
                    &[("channel", channel), ("result", result)],
                    *n as f64,
                );
            }
            family(
                &mut out,
                "herald_publication_lateness_seconds",
                "histogram",
                "How long after its due time each publication was sent.",
            );
            let mut cumulative = 0u64;
            for (i, le) in LATENESS_BUCKETS.iter().enumerate() {
                cumulative += m.lateness.counts[i];
                sample(
                    &mut out,
                    "herald_publication_lateness_seconds_bucket",
                    &[("le", &number(*le))],
                    cumulative as f64,
                );
            }
            cumulative += m.lateness.counts[LATENESS_BUCKETS.len()];
            sample(
                &mut out,
                "herald_publication_lateness_seconds_bucket",
                &[("le", "+Inf")],
                cumulative as f64,
            );
            sample(
                &mut out,
                "herald_publication_lateness_seconds_sum",
                &[],
                m.lateness.sum,
            );
            sample(
                &mut out,
                "herald_publication_lateness_seconds_count",
                &[],
                cumulative as f64,
            );
            family(
                &mut out,
                "herald_replies_total",
                "counter",
                "Messages the inbox decided on, by account and reason (replied, crisis, skipped-…, flagged-…).",
            );
            for ((account, reason), n) in &m.replies {
                sample(
                    &mut out,
                    "herald_replies_total",
                    &[("account", account), ("reason", reason)],
                    *n as f64,
                );
            }
            family(
                &mut out,
                "herald_inbox_last_poll_timestamp_seconds",
                "gauge",
                "When each account's inbox was last read successfully, in Unix seconds on the daemon's clock.",
            );
            for (account, at) in &m.polls {
                sample(
                    &mut out,
                    "herald_inbox_last_poll_timestamp_seconds",
                    &[("account", account)],
                    unix(*at),
                );
            }
        });
        out
    }
}

fn unix(t: DateTime<Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}

/// `# HELP` and `# TYPE` lines.
fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {}", escape_help(help));
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// One sample line.
fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape_label(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {}", number(value));
}

/// A sample value as the format writes it: `+Inf`, `-Inf`, `NaN`, or a plain decimal.
pub fn number(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.to_owned()
    } else {
        format!("{v}")
    }
}

/// A label value: backslash, double quote and line feed escaped.
pub fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// A help text: backslash and line feed escaped.
pub fn escape_help(v: &str) -> String {
    v.replace('\\', "\\\\").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    #[test]
    fn the_text_format_follows_the_specification() {
        let m = Metrics::new(at("2026-12-01T09:00:00Z"));
        m.publication("outbox", PublicationResult::Sent);
        m.publication("outbox", PublicationResult::Sent);
        m.publication("site", PublicationResult::Failed);
        m.lateness(0.05);
        m.lateness(0.3);
        m.lateness(7200.0);
        m.reply("mastodon", "replied");
        m.polled("mastodon", at("2026-12-01T09:30:00.5Z"));
        let text = m.render();
        assert!(text.ends_with('\n'));
        for line in [
            "# TYPE herald_publications_total counter",
            "herald_publications_total{channel=\"outbox\",result=\"sent\"} 2",
            "herald_publications_total{channel=\"site\",result=\"failed\"} 1",
            "herald_publication_lateness_seconds_bucket{le=\"0.1\"} 1",
            "herald_publication_lateness_seconds_bucket{le=\"0.25\"} 1",
            "herald_publication_lateness_seconds_bucket{le=\"0.5\"} 2",
            "herald_publication_lateness_seconds_bucket{le=\"3600\"} 2",
            "herald_publication_lateness_seconds_bucket{le=\"+Inf\"} 3",
            "herald_publication_lateness_seconds_sum 7200.35",
            "herald_publication_lateness_seconds_count 3",
            "herald_replies_total{account=\"mastodon\",reason=\"replied\"} 1",
            "herald_inbox_last_poll_timestamp_seconds{account=\"mastodon\"} 1796117400.5",
            "herald_start_timestamp_seconds 1796115600",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line:?} in\n{text}");
        }
        // Every family is announced once, before its samples.
        let types: Vec<&str> = text.lines().filter(|l| l.starts_with("# TYPE ")).collect();
        assert_eq!(types.len(), 6);

        // A standard parser reads it.
        let scrape = prometheus_parse::Scrape::parse(text.lines().map(|l| Ok(l.to_owned()))).unwrap();
        let sent = scrape
            .samples
            .iter()
            .find(|s| s.metric == "herald_publications_total" && s.labels.get("result") == Some("sent"))
            .unwrap();
        assert_eq!(sent.value, prometheus_parse::Value::Counter(2.0));
        let lateness = scrape
            .samples
            .iter()
            .find(|s| s.metric == "herald_publication_lateness_seconds")
            .unwrap();
        let prometheus_parse::Value::Histogram(buckets) = &lateness.value else {
            panic!("not a histogram: {lateness:?}");
        };
        assert_eq!(buckets.len(), LATENESS_BUCKETS.len() + 1);
        assert_eq!(buckets.last().unwrap().count, 3.0);
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        assert_eq!(escape_label("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
        assert_eq!(escape_help("a\\b\nc \"d\""), "a\\\\b\\nc \"d\"");
        let m = Metrics::new(at("2026-12-01T09:00:00Z"));
        m.publication("odd\"name\n", PublicationResult::Missed);
        assert!(
            m.render()
                .contains("herald_publications_total{channel=\"odd\\\"name\\n\",result=\"missed\"} 1")
        );
        assert_eq!(number(f64::INFINITY), "+Inf");
        assert_eq!(number(f64::NAN), "NaN");
        assert_eq!(number(0.25), "0.25");
        assert_eq!(number(3.0), "3");
    }
}
