//! The content calendar as iCalendar (RFC 5545), to subscribe to from Outlook or Google Calendar:
//! one event per publication (a post at one of its times, on all its channels), with the post's
//! text and channels.
//!
//! - Lines end in CRLF and are folded at 75 octets, never inside a UTF-8 sequence (§3.1).
//! - TEXT values are escaped (`\\`, `\;`, `\,`, `\n`; §3.3.11).
//! - Times are written in the configured zone (`DTSTART;TZID=Europe/London:…`) with a
//!   `VTIMEZONE` listing that zone's observances over the events' span, taken from the zone
//!   database through [`crate::hours`]; a time the clocks repeat, when it is the second one, is
//!   written in UTC, since a wall time there means the first (§3.3.5).
//! - UIDs are stable: a one-off post keeps one UID (moving it moves the event), a recurring
//!   post has one per occurrence.
//! - Events are 15 minutes long and transparent (they don't make anyone look busy); unapproved
//!   ones are `STATUS:TENTATIVE`.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

use crate::approval::{self, Status};
use crate::config::LoadedConfig;
use crate::content::{Calendar, Post};
use crate::hours::{self, Observance};

/// How many occurrences of one recurring post the calendar lists, at most.
const MAX_PER_POST: usize = 1_000;
/// The longest a content line may be, in octets, before it is folded (CRLF not counted).
const LINE_OCTETS: usize = 75;
/// How long each event is shown as lasting.
const EVENT_LENGTH: &str = "PT15M";

/// One publication in the calendar.
#[derive(Debug, Clone)]
struct Event<'a> {
    post: &'a Post,
    at: DateTime<Utc>,
}

/// A post left out of the calendar because its time can't be worked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// The post.
    pub post_id: String,
    /// Why.
    pub reason: String,
}

/// A calendar file and what had to be left out of it.
#[derive(Debug, Clone)]
pub struct Export {
    /// The iCalendar text (CRLF line ends).
    pub text: String,
    /// How many events it has.
    pub events: usize,
    /// Posts whose time can't be worked out.
    pub left_out: Vec<LeftOut>,
}

/// The calendar's name: "TEAM: social media" from the reply signature in content/replies.toml,
/// or "Social media calendar".
pub fn default_name(calendar: &Calendar) -> String {
    calendar
        .replies
        .reply
        .signature
        .as_deref()
        .filter(|s| calendar.replies_from_file && !s.trim().is_empty())
        .map_or_else(
            || "Social media calendar".to_owned(),
            |s| format!("{}: social media", s.trim()),
        )
}

/// The calendar of every publication in `calendar` (past and future), stamped at `stamp`, named
/// `name`.
pub fn export(config: &LoadedConfig, calendar: &Calendar, name: &str, stamp: DateTime<Utc>) -> Export {
    let zone_hours = config.office_hours(None);
    let zone = zone_hours.zone();
    let mut events = Vec::new();
    let mut left_out = Vec::new();
    for post in &calendar.posts {
        let campaign = post.spec.campaign.as_deref().and_then(|c| calendar.campaign(c));
        match crate::schedule::occurrences(post, campaign, &zone_hours, DateTime::<Utc>::MIN_UTC) {
            Ok(all) => events.extend(all.take(MAX_PER_POST).map(|at| Event { post, at })),
            Err(e) => left_out.push(LeftOut {
                post_id: post.id.clone(),
                reason: e.to_string(),
            }),
        }
    }
    events.sort_by(|a, b| (a.at, &a.post.id).cmp(&(b.at, &b.post.id)));

    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line(&format!(
        "PRODID:-//herald//herald {}//EN",
        env!("CARGO_PKG_VERSION")
    ));
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.line(&format!("NAME:{}", text(name)));
    out.line(&format!("X-WR-CALNAME:{}", text(name)));
    out.line(&format!("X-WR-TIMEZONE:{}", text(zone.name())));
    out.line("REFRESH-INTERVAL;VALUE=DURATION:PT1H");
    out.line("X-PUBLISHED-TTL:PT1H");
    if let (Some(first), Some(last)) = (events.first(), events.last()) {
        let span = Duration::days(1);
        vtimezone(
            &mut out,
            zone.name(),
            &hours::observances(zone, first.at - span, last.at + span),
        );
    }
    let stamp = utc_stamp(stamp);
    for event in &events {
        vevent(&mut out, config, calendar, event, zone, &stamp);
    }
    out.line("END:VCALENDAR");
    Export {
        text: out.text,
        events: events.len(),
        left_out,
    }
}

fn vtimezone(out: &mut Lines, tzid: &str, observances: &[Observance]) {
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", text(tzid)));
    for o in observances {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        out.line(&format!("BEGIN:{kind}"));
        out.line(&format!("DTSTART:{}", o.onset.format("%Y%m%dT%H%M%S")));
        out.line(&format!("TZOFFSETFROM:{}", offset(o.offset_from)));
        out.line(&format!("TZOFFSETTO:{}", offset(o.offset_to)));
        if let Some(name) = &o.name {
            out.line(&format!("TZNAME:{}", text(name)));
        }
        out.line(&format!("END:{kind}"));
    }
    out.line("END:VTIMEZONE");
}

fn vevent(
    out: &mut Lines,
    config: &LoadedConfig,
    calendar: &Calendar,
    event: &Event<'_>,
    zone: chrono_tz::Tz,
    stamp: &str,
) {
    let post = event.post;
    let spec = &post.spec;
    let campaign = spec.campaign.as_deref().and_then(|c| calendar.campaign(c));
    let approval = approval::parts(post, &calendar.dir).map(|parts| approval::status(post, &parts));
    let (status, approval_line) = match &approval {
        Ok(Status::Approved) => (
            "CONFIRMED",
            format!(
                "Approved by {}.",
                spec.approved_by.as_deref().unwrap_or("someone")
            ),
        ),
        Ok(Status::NotApproved) => ("TENTATIVE", "Not approved yet: it won't be published.".to_owned()),
        Ok(Status::Stale { changed }) if !changed.is_empty() => (
            "TENTATIVE",
            format!(
                "Changed since it was approved ({}): it won't be published until approved again.",
                changed.join(", ")
            ),
        ),
        Ok(Status::Stale { .. }) | Err(_) => (
            "TENTATIVE",
            "Changed since it was approved: it won't be published until approved again.".to_owned(),
        ),
    };
    let mut channels = spec.channels.clone();
    channels.sort();
    channels.dedup();
    let closed: Vec<String> = channels
        .iter()
        .filter(|c| config.account(c).is_some())
        .filter_map(|c| {
            config
                .office_hours(Some(c))
                .closed_in_words(event.at)
                .map(|why| format!("Outside the office hours of {c}: {why}; it won't be published there."))
        })
        .collect();

    let mut summary = String::new();
    if status == "TENTATIVE" {
        summary.push_str("[not approved] ");
    }
    let _ = write!(summary, "{}: {}", channels.join(", "), headline(&spec.text, 60));

    let mut description = spec.text.trim().to_owned();
    if let Some(link) = &spec.link {
        let _ = write!(description, "\n\nLink: {link}");
    }
    let _ = write!(description, "\n\nChannels: {}", channels.join(", "));
    if let Some(c) = campaign {
        let _ = write!(description, "\nCampaign: {}", c.name);
    }
    let _ = write!(description, "\n{approval_line}");
    for line in &closed {
        let _ = write!(description, "\n{line}");
    }
    let _ = write!(
        description,
        "\nPost: {} ({})",
        post.id,
        crate::diag::display_path(post.path())
    );

    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:{}", uid(post, event.at)));
    out.line(&format!("DTSTAMP:{stamp}"));
    match hours::calendar_wall_time(zone, event.at) {
        Some(wall) => out.line(&format!(
            "DTSTART;TZID={}:{}",
            param(zone.name()),
            wall.format("%Y%m%dT%H%M%S")
        )),
        None => out.line(&format!("DTSTART:{}", utc_stamp(event.at))),
    }
    out.line(&format!("DURATION:{EVENT_LENGTH}"));
    out.line(&format!("SUMMARY:{}", text(&summary)));
    out.line(&format!("DESCRIPTION:{}", text(&description)));
    if let Some(c) = campaign {
        out.line(&format!("CATEGORIES:{}", text(&c.name)));
    }
    if let Some(link) = spec.link.as_deref().and_then(web_url) {
        out.line(&format!("URL:{link}"));
    }
    out.line(&format!("STATUS:{status}"));
    out.line("TRANSP:TRANSPARENT");
    out.line("END:VEVENT");
}

/// A stable UID: per post for a one-off (so moving it moves the event), per occurrence for a
/// recurring post.
fn uid(post: &Post, at: DateTime<Utc>) -> String {
    let digest = Sha256::digest(post.id.as_bytes());
    let id = hex::encode(&digest[..12]);
    if post.is_recurring() {
        format!("{id}-{}@herald", utc_stamp(at))
    } else {
        format!("{id}@herald")
    }
}

/// An http(s) URL fit for a `URL` property (no characters that would need escaping).
fn web_url(link: &str) -> Option<String> {
    let url = url::Url::parse(link.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.to_string())
}

/// The first line of the text, cut at a word within `max` characters.
fn headline(text: &str, max: usize) -> String {
    let first = text.trim().lines().next().unwrap_or("").trim();
    if first.chars().count() <= max {
        return first.to_owned();
    }
    let mut out = String::new();
    for word in first.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > max.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = first.chars().take(max.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

fn utc_stamp(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A UTC offset as iCalendar writes it: `+0100`, `-0330`, `+053045`.
fn offset(o: chrono::FixedOffset) -> String {
    let secs = o.local_minus_utc();
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.unsigned_abs();
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if s == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{s:02}")
    }
}

/// A TEXT value, escaped (RFC 5545 §3.3.11). Carriage returns are dropped; line breaks become
/// `\n`; control characters, which TEXT can't hold, are dropped.
pub fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, quoted when it has characters a bare one can't (`:`, `;`, `,`). Double
/// quotes, which no parameter value may hold, are dropped.
fn param(value: &str) -> String {
    let clean: String = value.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([':', ';', ',']) {
        format!("\"{clean}\"")
    } else {
        clean
    }
}

/// Content lines, folded and ended as RFC 5545 says.
#[derive(Debug, Default)]
struct Lines {
    text: String,
}

impl Lines {
    fn line(&mut self, line: &str) {
        fold_into(&mut self.text, line);
    }
}

/// Appends a content line folded at [`LINE_OCTETS`] octets (never inside a UTF-8 sequence),
/// each physical line ending in CRLF and each continuation starting with a space.
pub fn fold_into(out: &mut String, line: &str) {
    let mut rest = line;
    let mut limit = LINE_OCTETS;
    loop {
        if rest.len() <= limit {
            out.push_str(rest);
            out.push_str("\r\n");
            return;
        }
        let mut cut = limit;
        while !rest.is_char_boundary(cut) {
            cut -= 1;
        }
        out.push_str(&rest[..cut]);
        out.push_str("\r\n ");
        rest = &rest[cut..];
        // A continuation line's leading space counts towards its 75 octets.
        limit = LINE_OCTETS - 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(
            text("Flu; colds, and \\ more\r\nBook now"),
            "Flu\\; colds\\, and \\\\ more\\nBook now"
        );
        assert_eq!(param("Europe/London"), "Europe/London");
        assert_eq!(param("a:b"), "\"a:b\"");
    }

    #[test]
    fn lines_fold_at_75_octets_between_characters() {
        let mut out = String::new();
        let line = format!("SUMMARY:{}", "é".repeat(60));
        fold_into(&mut out, &line);
        let physical: Vec<&str> = out.split_terminator("\r\n").collect();
        assert!(physical.len() > 1);
        for p in &physical {
            assert!(p.len() <= LINE_OCTETS, "{} octets: {p}", p.len());
        }
        assert!(physical[1..].iter().all(|p| p.starts_with(' ')));
        // Unfolding gives the line back.
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("{line}\r\n"));
        // Every byte is accounted for, and each physical line is whole UTF-8 by construction.
        let mut short = String::new();
        fold_into(&mut short, "VERSION:2.0");
        assert_eq!(short, "VERSION:2.0\r\n");
    }

    #[test]
    fn offsets_and_headlines() {
        let east = chrono::FixedOffset::east_opt(3600).unwrap();
        assert_eq!(offset(east), "+0100");
        assert_eq!(
            offset(chrono::FixedOffset::west_opt(3 * 3600 + 1800).unwrap()),
            "-0330"
        );
        assert_eq!(headline("Short one.\nSecond line", 60), "Short one.");
        let long = "Flu can be serious. If you're 65 or over, you can get a free flu vaccine.";
        assert_eq!(headline(long, 40), "Flu can be serious. If you're 65 or…");
    }

    /// A calendar client that knows nothing of IANA zones: it reads the VTIMEZONE and resolves
    /// each event's wall time with it, as Outlook does.
    fn resolve_with_vtimezone(
        tz: &icalendar::parser::Component<'_>,
        wall: chrono::NaiveDateTime,
    ) -> DateTime<Utc> {
        let mut best: Option<(chrono::NaiveDateTime, i32)> = None;
        for o in &tz.components {
            let prop = |name: &str| o.find_prop(name).unwrap().val.as_str().to_owned();
            let onset = chrono::NaiveDateTime::parse_from_str(&prop("DTSTART"), "%Y%m%dT%H%M%S").unwrap();
            let to = prop("TZOFFSETTO");
            let sign = if to.starts_with('-') { -1 } else { 1 };
            let secs =
                sign * (to[1..3].parse::<i32>().unwrap() * 3600 + to[3..5].parse::<i32>().unwrap() * 60);
            if onset <= wall && best.is_none_or(|(b, _)| onset > b) {
                best = Some((onset, secs));
            }
        }
        let (_, secs) = best.expect("an observance covers the event");
        (wall - Duration::seconds(i64::from(secs))).and_utc()
    }

    #[test]
    fn a_subscribed_calendar_sees_the_right_local_times_across_the_clock_change() {
        let dir = tempfile::tempdir().unwrap();
        let content = dir.path().join("content");
        let write = |rel: &str, text: &str| {
            let path = content.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "campaigns/autumn.toml",
            "name = \"Autumn, flu; and colds\"\nstarts = 2026-10-01\nends = 2026-11-10\n\
             [[recurring]]\nid = \"weekly\"\ncron = \"0 0 10 * * Wed\"\nchannels = [\"outbox\"]\n\
             text = \"Weekly reminder\"\n",
        );
        // The second 01:30 on 25 October (GMT), written with its offset.
        write(
            "posts/night.md",
            "+++\npublish_at = 2026-10-25T01:30:00+00:00\nchannels = [\"outbox\"]\n+++\nNight.\n",
        );
        let long = format!(
            "Café opening times, changes; and more.\nSecond line with a backslash \\\\ and {}",
            "é".repeat(80)
        );
        write(
            "posts/long.md",
            &format!(
                "+++\npublish_at = 2026-10-26T10:00:00\nchannels = [\"outbox\", \"second\"]\nlink = \"https://www.nhs.uk/a?b=1&c=2\"\n+++\n{long}\n"
            ),
        );
        let (config, findings) = LoadedConfig::from_text(
            &dir.path().join("herald.toml"),
            "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"o\"\n\
             [[accounts]]\nname = \"second\"\nplatform = \"outbox\"\npath = \"s\"\n"
                .to_owned(),
        );
        assert!(findings.is_empty(), "{findings:?}");
        let calendar = crate::content::load(&content, &mut crate::diag::Report::new());
        let stamp = DateTime::parse_from_rfc3339("2026-09-01T12:00:00Z")
            .unwrap()
            .to_utc();
        let export = export(&config, &calendar, "Team, calendar", stamp);
        assert!(export.left_out.is_empty());

        // RFC 5545 framing: CRLF everywhere, no physical line over 75 octets.
        assert!(export.text.ends_with("END:VCALENDAR\r\n"));
        assert!(!export.text.replace("\r\n", "").contains('\n'), "a bare LF");
        for line in export.text.split_terminator("\r\n") {
            assert!(line.len() <= LINE_OCTETS, "{} octets: {line}", line.len());
        }

        // A standard parser reads it.
        let unfolded = icalendar::parser::unfold(&export.text);
        let parsed = icalendar::parser::read_calendar(&unfolded).expect("parses");
        let prop = |c: &icalendar::parser::Component<'_>, name: &str| {
            // The parser unescapes TEXT properties it knows.
            c.find_prop(name).map(|p| p.val.as_str().to_owned())
        };
        assert_eq!(
            parsed
                .properties
                .iter()
                .find(|p| p.name.as_str() == "X-WR-CALNAME")
                .unwrap()
                .val
                .clone()
                .unescape_text()
                .as_str(),
            "Team, calendar"
        );
        let tz = parsed
            .components
            .iter()
            .find(|c| c.name.as_str() == "VTIMEZONE")
            .expect("a VTIMEZONE");
        assert_eq!(prop(tz, "TZID").as_deref(), Some("Europe/London"));
        let events: Vec<_> = parsed
            .components
            .iter()
            .filter(|c| c.name.as_str() == "VEVENT")
            .collect();
        assert_eq!(events.len(), 7, "5 Wednesdays, the night post, the long post");

        // Every event's time, as a client reads it through the VTIMEZONE, is the instant herald
        // publishes at; and its wall time is London's.
        let zone_hours = config.office_hours(None);
        let mut expected: Vec<DateTime<Utc>> = calendar
            .posts
            .iter()
            .flat_map(|p| {
                let campaign = p.spec.campaign.as_deref().and_then(|c| calendar.campaign(c));
                crate::schedule::occurrences(p, campaign, &zone_hours, DateTime::<Utc>::MIN_UTC)
                    .unwrap()
                    .collect::<Vec<_>>()
            })
            .collect();
        expected.sort();
        let mut seen = Vec::new();
        for e in &events {
            let start = e.find_prop("DTSTART").unwrap();
            let value = start.val.as_str();
            let at = match start.params.iter().find(|p| p.key.as_str() == "TZID") {
                Some(tzid) => {
                    assert_eq!(tzid.val.as_ref().map(|v| v.as_str()), Some("Europe/London"));
                    let wall = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").unwrap();
                    let at = resolve_with_vtimezone(tz, wall);
                    assert_eq!(hours::local_in(zone_hours.zone(), at), wall, "{value}");
                    at
                }
                None => chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ")
                    .unwrap()
                    .and_utc(),
            };
            seen.push(at);
            assert!(prop(e, "UID").unwrap().ends_with("@herald"));
            assert_eq!(prop(e, "DTSTAMP").as_deref(), Some("20260901T120000Z"));
            assert_eq!(prop(e, "TRANSP").as_deref(), Some("TRANSPARENT"));
        }
        seen.sort();
        assert_eq!(seen, expected);
        let utc = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        assert!(seen.contains(&utc("2026-10-21T09:00:00Z")), "10:00 BST");
        assert!(seen.contains(&utc("2026-10-28T10:00:00Z")), "10:00 GMT");
        assert!(
            seen.contains(&utc("2026-10-25T01:30:00Z")),
            "the second 01:30, in UTC"
        );

        // Text comes back exactly, and UIDs are stable and distinct.
        let long_event = events
            .iter()
            .find(|e| prop(e, "DESCRIPTION").unwrap().contains("Café"))
            .unwrap();
        let description = prop(long_event, "DESCRIPTION").unwrap();
        assert!(description.starts_with(&long), "{description:?}\n{long:?}");
        assert!(description.contains("Channels: outbox, second"));
        assert_eq!(
            prop(long_event, "URL").as_deref(),
            Some("https://www.nhs.uk/a?b=1&c=2")
        );
        assert_eq!(prop(long_event, "STATUS").as_deref(), Some("TENTATIVE"));
        assert!(
            prop(long_event, "SUMMARY")
                .unwrap()
                .starts_with("[not approved] outbox, second: Café opening times, changes; and more.")
        );
        let weekly = events.iter().find(|e| prop(e, "CATEGORIES").is_some()).unwrap();
        // CATEGORIES is a list, left escaped by the parser: one item, its comma escaped.
        let categories = weekly
            .find_prop("CATEGORIES")
            .unwrap()
            .val
            .clone()
            .unescape_text();
        assert_eq!(categories.as_str(), "Autumn, flu; and colds");
        let mut uids: Vec<String> = events.iter().map(|e| prop(e, "UID").unwrap()).collect();
        let again = super::export(&config, &calendar, "Team, calendar", stamp);
        assert_eq!(again.text, export.text, "the same content gives the same file");
        uids.sort();
        uids.dedup();
        assert_eq!(uids.len(), 7);
    }
}
