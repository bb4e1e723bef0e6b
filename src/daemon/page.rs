//! The status page `herald run` serves at `/`: office hours now and next, what is coming up, what
//! was published (linking to the live posts), what failed, was missed or has an unknown outcome,
//! and what is held.
//!
//! Plain, accessible HTML with no JavaScript: one `h1`, an `h2` per section, tables with a
//! caption and `<th scope>` headers, times in `<time datetime>`, colours with WCAG AA contrast,
//! and a layout that fits a 360-pixel phone without scrolling sideways. Everything that comes
//! from content, platforms or the public is escaped ([`escape`]); links are made only of http(s)
//! URLs.
//!
//! The page is a list of [`Section`]s built from the [`StatusReport`] by [`sections`]; a new kind
//! of information (the inbox's replies, skips and flagged messages) is a new function returning a
//! `Section`, added to that list.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::status::{Row, StatusReport};
use crate::config::LoadedConfig;
use crate::hours::{self, OfficeHours};

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A URL that may be a link: http or https only (never `javascript:` or `data:`).
pub fn safe_href(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

/// One table cell.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text.
    Text(String),
    /// An instant, shown in the office's zone.
    Time(DateTime<Utc>),
    /// A link (shown as text when the URL is not http(s)).
    Link {
        /// Where to.
        href: String,
        /// What the link says.
        text: String,
    },
}

/// A table with a caption and column headers; the first cell of each row is its row header.
#[derive(Debug, Clone)]
pub struct Table {
    caption: String,
    columns: Vec<String>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with a caption and column headings.
    pub fn new(caption: impl Into<String>, columns: &[&str]) -> Table {
        Table {
            caption: caption.into(),
            columns: columns.iter().map(|c| (*c).to_owned()).collect(),
            rows: Vec::new(),
        }
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<Cell>) {
        self.rows.push(cells);
    }

    /// Whether it has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The table's HTML, times shown in `hours`' zone. On a narrow screen each row is shown as
    /// a card, its cells labelled with their column's heading; the ARIA roles keep it a table
    /// for screen readers when CSS changes how it is displayed.
    pub fn html(&self, hours: &OfficeHours) -> String {
        let mut out = String::new();
        let _ = write!(
            out,
            "<div class=\"table\"><table role=\"table\">\n<caption>{}</caption>\n<thead role=\"rowgroup\"><tr role=\"row\">",
            escape(&self.caption)
        );
        for c in &self.columns {
            let _ = write!(out, "<th scope=\"col\" role=\"columnheader\">{}</th>", escape(c));
        }
        out.push_str("</tr></thead>\n<tbody role=\"rowgroup\">\n");
        for row in &self.rows {
            out.push_str("<tr role=\"row\">");
            for (i, cell) in row.iter().enumerate() {
                let label = escape(self.columns.get(i).map_or("", String::as_str));
                if i == 0 {
                    let _ = write!(
                        out,
                        "<th scope=\"row\" role=\"rowheader\">{}</th>",
                        cell_html(cell, hours)
                    );
                } else {
                    let _ = write!(
                        out,
                        "<td role=\"cell\" data-label=\"{label}\">{}</td>",
                        cell_html(cell, hours)
                    );
                }
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table></div>\n");
        out
    }
}

fn cell_html(cell: &Cell, hours: &OfficeHours) -> String {
    match cell {
        Cell::Text(text) => escape(text),
        Cell::Time(t) => time_html(hours, *t),
        Cell::Link { href, text } => match safe_href(href) {
            Some(href) => format!("<a href=\"{}\">{}</a>", escape(&href), escape(text)),
            None => format!("<span class=\"url\">{}</span>", escape(href)),
        },
    }
}

/// `<time datetime="…">Tue 1 Dec 2026, 10:00</time>` in the office's zone.
pub fn time_html(hours: &OfficeHours, t: DateTime<Utc>) -> String {
    let zone = hours.zone();
    let local = hours.local(t);
    format!(
        "<time datetime=\"{}\">{}, {}</time>",
        escape(&hours::rfc3339_in(zone, t)),
        local.format("%a %-d %b %Y"),
        escape(&hours::clock_in_words(zone, t))
    )
}

/// One section of the page: an `h2` and its content.
#[derive(Debug, Clone)]
pub struct Section {
    /// The fragment id (`#upcoming`).
    pub id: &'static str,
    /// The heading.
    pub title: String,
    /// The content, as HTML (already escaped).
    pub body: String,
}

impl Section {
    /// A section with a table, or a sentence when the table is empty.
    pub fn table(id: &'static str, title: &str, table: &Table, empty: &str, hours: &OfficeHours) -> Section {
        let body = if table.is_empty() {
            format!("<p>{}</p>\n", escape(empty))
        } else {
            table.html(hours)
        };
        Section {
            id,
            title: title.to_owned(),
            body,
        }
    }
}

/// The office hours section: the team's hours now and next, then each account's.
pub fn office_hours(config: &LoadedConfig, now: DateTime<Utc>) -> Section {
    let team = config.office_hours(None);
    let mut body = format!("<p>{}</p>\n", escape(&hours_sentence(&team, now)));
    let mut table = Table::new(
        "Office hours by account (posts go out only when open)",
        &["Account", "Now", "Next change"],
    );
    for account in config.config.iter().flat_map(|c| c.accounts.iter()) {
        let hours = config.office_hours(Some(&account.name));
        let open = hours.is_open(now);
        let next = if open {
            hours
                .next_close(now)
                .map(|t| format!("closes at {}", hours::when_in_words(hours.zone(), t, now)))
        } else {
            hours
                .next_open(now)
                .map(|t| format!("opens at {}", hours::when_in_words(hours.zone(), t, now)))
        };
        table.row(vec![
            Cell::Text(account.name.clone()),
            Cell::Text(if open { "Open" } else { "Closed" }.to_owned()),
            Cell::Text(next.unwrap_or_else(|| "not within a year".to_owned())),
        ]);
    }
    if !table.is_empty() {
        body.push_str(&table.html(&team));
    }
    Section {
        id: "hours",
        title: "Office hours".to_owned(),
        body,
    }
}

/// "Open now, until 17:00 today." / "Closed now: it is closed on Saturdays. Opens at 09:00 on …".
pub fn hours_sentence(hours: &OfficeHours, now: DateTime<Utc>) -> String {
    let zone = hours.zone();
    if hours.is_open(now) {
        match hours.next_close(now) {
            Some(close) => format!(
                "The team is open now, until {}. Reopens at {}.",
                hours::when_in_words(zone, close, now),
                hours
                    .reopening_in_words(now)
                    .unwrap_or_else(|| "a time not within a year".to_owned())
            ),
            None => "The team is open now.".to_owned(),
        }
    } else {
        let why = hours.closed_in_words(now).unwrap_or_default();
        match hours.next_open(now) {
            Some(open) => format!(
                "The team is closed now: {why}. Opens at {}.",
                hours::when_in_words(zone, open, now)
            ),
            None => format!("The team is closed now: {why}. No opening within a year."),
        }
    }
}

fn state_words(row: &Row) -> String {
    match row.state.as_str() {
        "scheduled" => "scheduled".to_owned(),
        "planned" if row.attempts > 0 => format!("retrying (attempt {})", row.attempts + 1),
        "planned" => "due".to_owned(),
        "claimed" => "sending now".to_owned(),
        "unknown" if row.parked => "unknown: a person must check".to_owned(),
        "unknown" => "unknown: checking with the platform".to_owned(),
        other => other.to_owned(),
    }
}

/// Upcoming publications.
pub fn upcoming(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Publications due soon, soonest first",
        &["When", "Channel", "Post", "State"],
    );
    for r in &report.pending {
        table.row(vec![
            Cell::Time(r.due_at),
            Cell::Text(r.channel.clone()),
            Cell::Text(r.post_id.clone()),
            Cell::Text(state_words(r)),
        ]);
    }
    Section::table(
        "upcoming",
        "Upcoming publications",
        &table,
        "Nothing is due in the next two weeks.",
        hours,
    )
}

/// Recent publications, linking to the live posts.
pub fn published(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Recently published, latest first",
        &["When", "Channel", "Post", "Live post"],
    );
    for r in &report.published {
        let link = match &r.url {
            Some(url) => Cell::Link {
                href: url.clone(),
                text: format!("{} on {}", r.post_id, r.channel),
            },
            None => Cell::Text(
                r.platform_id
                    .as_deref()
                    .map_or_else(|| "no link".to_owned(), |id| format!("id {id}")),
            ),
        };
        table.row(vec![
            Cell::Time(r.finished_at.unwrap_or(r.due_at)),
            Cell::Text(r.channel.clone()),
            Cell::Text(r.post_id.clone()),
            link,
        ]);
    }
    Section::table(
        "published",
        "Recently published",
        &table,
        "Nothing has been published yet.",
        hours,
    )
}

/// Failed, missed and unknown publications with their reasons.
pub fn problems(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Publications that failed, were missed or have an unknown outcome, latest due first",
        &["Due", "Channel", "Post", "Result", "Reason"],
    );
    let mut rows: Vec<&Row> = report
        .failed
        .iter()
        .chain(&report.missed)
        .chain(&report.unknown)
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.due_at));
    for r in rows {
        table.row(vec![
            Cell::Time(r.due_at),
            Cell::Text(r.channel.clone()),
            Cell::Text(r.post_id.clone()),
            Cell::Text(state_words(r)),
            Cell::Text(r.reason.clone().unwrap_or_default()),
        ]);
    }
    Section::table(
        "problems",
        "Failed, missed and unknown",
        &table,
        "Nothing has failed, been missed or has an unknown outcome.",
        hours,
    )
}

/// Files and posts that won't be published as they stand.
pub fn held(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Files and posts that won't be published as they stand",
        &["Post or file", "Why"],
    );
    for h in &report.held {
        table.row(vec![
            Cell::Text(h.post_id.clone().unwrap_or_else(|| h.file.clone())),
            Cell::Text(h.reason.clone()),
        ]);
    }
    Section::table("held", "Held", &table, "Nothing is held.", hours)
}

/// Messages from the public a person should look at: crises, house-rule breaks, messages in
/// office hours, too old to answer automatically, or sharing personal details in public.
pub fn for_team(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Messages for the team, latest first (personal details masked)",
        &["Sent", "Account", "From", "Message", "Why"],
    );
    for m in &report.inbox.for_team {
        let mut why = m.reason.clone();
        if m.alert {
            why.push_str(match m.alerted_at {
                Some(_) => " (the team was alerted)",
                None => " (alert not yet delivered)",
            });
        }
        table.row(vec![
            Cell::Time(m.sent_at),
            Cell::Text(m.account.clone()),
            Cell::Text(m.from.clone()),
            Cell::Text(m.excerpt.clone()),
            Cell::Text(why),
        ]);
    }
    Section::table(
        "for-team",
        "Messages for the team",
        &table,
        "No messages are waiting for the team.",
        hours,
    )
}

/// Recent automatic replies.
pub fn replies(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Automatic replies, latest first",
        &["Decided", "Account", "Kind", "Routes", "Result"],
    );
    for r in &report.inbox.replies {
        let result = match (&r.url, r.reason.as_deref()) {
            (Some(url), _) if r.state == "sent" => Cell::Link {
                href: url.clone(),
                text: "sent".to_owned(),
            },
            (_, Some(reason)) => Cell::Text(format!("{}: {reason}", r.state)),
            (_, None) => Cell::Text(r.state.clone()),
        };
        table.row(vec![
            Cell::Time(r.planned_at),
            Cell::Text(r.account.clone()),
            Cell::Text(r.purpose.clone()),
            Cell::Text(r.routes.join(", ")),
            result,
        ]);
    }
    Section::table(
        "replies",
        "Automatic replies",
        &table,
        "No automatic replies yet.",
        hours,
    )
}

/// Recent messages that got no reply, with the reason.
pub fn skipped(report: &StatusReport, hours: &OfficeHours) -> Section {
    let mut table = Table::new(
        "Messages not answered automatically, latest first",
        &["Sent", "Account", "From", "Rule", "Why"],
    );
    for m in &report.inbox.skipped {
        table.row(vec![
            Cell::Time(m.sent_at),
            Cell::Text(m.account.clone()),
            Cell::Text(m.from.clone()),
            Cell::Text(m.rule.clone()),
            Cell::Text(m.reason.clone()),
        ]);
    }
    Section::table(
        "skipped",
        "Not answered automatically",
        &table,
        "Every message so far was answered or is for the team.",
        hours,
    )
}

/// Every section, in page order. Add new sections here.
pub fn sections(report: &StatusReport, config: &LoadedConfig) -> Vec<Section> {
    let hours = config.office_hours(None);
    vec![
        office_hours(config, report.now),
        for_team(report, &hours),
        upcoming(report, &hours),
        published(report, &hours),
        problems(report, &hours),
        held(report, &hours),
        replies(report, &hours),
        skipped(report, &hours),
    ]
}

const STYLE: &str = "\
:root{color-scheme:light;--text:#212b32;--muted:#4c6272;--link:#005eb8;--line:#d8dde0;--bad:#a3140c;--ok:#006435;--bg:#f0f4f5}
*{box-sizing:border-box}
body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Arial,sans-serif;color:var(--text);background:#fff}
header,main,footer{max-width:64rem;margin:0 auto;padding:0 1rem}
header{padding-top:1rem}
h1{font-size:1.75rem;margin:.5rem 0}
h2{font-size:1.35rem;margin:2rem 0 .5rem;border-bottom:2px solid var(--line)}
a{color:var(--link)}
a:focus{outline:3px solid #ffb81c;outline-offset:2px;background:#ffeb3b;color:#212b32}
.skip{position:absolute;left:-999rem}
.skip:focus{left:1rem;top:1rem}
.health{font-weight:600}
.health.ok{color:var(--ok)}
.health.bad{color:var(--bad)}
nav ul{list-style:none;padding:0;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.table{max-width:100%}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem}
caption{text-align:left;font-weight:600;padding:.25rem 0;color:var(--muted)}
th,td{text-align:left;vertical-align:top;padding:.4rem .5rem;border-bottom:1px solid var(--line);overflow-wrap:anywhere}
thead th{background:var(--bg);border-bottom:2px solid var(--muted)}
tbody th{font-weight:600}
.url{overflow-wrap:anywhere}
footer{margin-top:2rem;padding-bottom:2rem;color:var(--muted)}
@media (max-width:40rem){
header,main,footer{padding:0 .75rem}
h1{font-size:1.4rem}
table,caption,thead,tbody,tr,th,td{display:block}
thead tr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
tbody tr{border:1px solid var(--line);border-left:4px solid var(--muted);margin:0 0 .75rem;padding:.25rem 0}
tbody th,tbody td{border:0;padding:.15rem .6rem}
td[data-label]::before{content:attr(data-label) \": \";content:attr(data-label) \": \"/\"\";font-weight:600;color:var(--muted)}
}
";

/// The whole page.
pub fn render(report: &StatusReport, config: &LoadedConfig) -> String {
    let hours = config.office_hours(None);
    let zone = hours.zone();
    let sections = sections(report, config);
    let mut out = String::with_capacity(16 * 1024);
    out.push_str("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>herald status</title>\n");
    let _ = write!(out, "<style>\n{STYLE}</style>\n</head>\n<body>\n");
    out.push_str(
        "<a class=\"skip\" href=\"#main\">Skip to the status</a>\n<header>\n<h1>herald status</h1>\n",
    );
    let _ = writeln!(
        out,
        "<p>As of {} ({}).</p>",
        time_html(&hours, report.now),
        escape(zone.name())
    );
    match &report.daemon {
        Some(d) => {
            let clock = if (d.clock_speed - 1.0).abs() > f64::EPSILON {
                format!(" On a simulated clock at {}×.", d.clock_speed)
            } else {
                String::new()
            };
            if d.healthy {
                let _ = writeln!(
                    out,
                    "<p><span class=\"health ok\">Running and healthy.</span> Started {}.{}</p>",
                    time_html(&hours, d.started_at),
                    escape(&clock)
                );
            } else {
                let _ = write!(
                    out,
                    "<p><span class=\"health bad\">Running, not healthy:</span>{}</p>\n<ul>\n",
                    escape(&clock)
                );
                for p in &d.problems {
                    let _ = writeln!(out, "<li>{}</li>", escape(p));
                }
                out.push_str("</ul>\n");
            }
            if !d.replica.is_empty() {
                let others: Vec<String> = d
                    .replicas
                    .iter()
                    .filter(|r| r.id != d.replica)
                    .map(|r| format!("<code>{}</code>", escape(&r.id)))
                    .collect();
                let others = if others.is_empty() {
                    "no other replica is running".to_owned()
                } else {
                    format!("also running: {}", others.join(", "))
                };
                let _ = writeln!(
                    out,
                    "<p>This page is from replica <code>{}</code>; {others}.</p>",
                    escape(&d.replica)
                );
            }
        }
        None => out.push_str("<p>herald run is not answering: this is the journal as it stands.</p>\n"),
    }
    out.push_str("<nav aria-label=\"Sections\"><ul>\n");
    for s in &sections {
        let _ = writeln!(
            out,
            "<li><a href=\"#{}\">{}</a></li>",
            escape(s.id),
            escape(&s.title)
        );
    }
    out.push_str("</ul></nav>\n</header>\n<main id=\"main\">\n");
    for s in &sections {
        let _ = write!(
            out,
            "<section aria-labelledby=\"{id}\">\n<h2 id=\"{id}\">{}</h2>\n{}</section>\n",
            escape(&s.title),
            s.body,
            id = escape(s.id)
        );
    }
    out.push_str(
        "</main>\n<footer>\n<p>Reload the page to see changes. For scripts: \
         <a href=\"status\">status (JSON)</a>, <a href=\"metrics\">metrics</a>, \
         <a href=\"calendar.ics\">calendar (iCalendar)</a>, <a href=\"readyz\">readiness</a>.</p>\n\
         </footer>\n</body>\n</html>\n",
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::daemon::status::DaemonInfo;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn row(post: &str, state: &str, due: &str) -> Row {
        Row {
            post_id: post.to_owned(),
            channel: "outbox".to_owned(),
            state: state.to_owned(),
            due_at: utc(due),
            sent_at: None,
            finished_at: None,
            url: None,
            platform_id: None,
            reason: None,
            attempts: 0,
            parked: false,
        }
    }

    fn config() -> LoadedConfig {
        let (config, findings) = LoadedConfig::from_text(
            std::path::Path::new("herald.toml"),
            "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"o\"\n\
             [[accounts]]\nname = \"mornings\"\nplatform = \"outbox\"\npath = \"m\"\nhours = { tue = \"09:00-10:00\" }\n"
                .to_owned(),
        );
        assert!(findings.is_empty(), "{findings:?}");
        config
    }

    #[test]
    fn everything_from_outside_is_escaped_and_only_web_links_are_links() {
        let mut sent = row("<script>alert(1)</script>", "sent", "2026-12-01T10:00:00Z");
        sent.url = Some("https://social.example/@team/1?a=1&b=\"2\"".to_owned());
        let mut sneaky = row("sneaky", "sent", "2026-12-01T10:00:00Z");
        sneaky.url = Some("javascript:alert(1)".to_owned());
        let mut failed = row("f", "failed", "2026-12-01T10:00:00Z");
        failed.reason = Some("422: <b>text</b> & 'more'".to_owned());
        let report = StatusReport {
            now: utc("2026-12-01T10:00:05Z"),
            daemon: Some(DaemonInfo {
                healthy: false,
                problems: vec!["the <database> doesn't answer".to_owned()],
                started_at: utc("2026-12-01T09:00:00Z"),
                clock_speed: 1.0,
                replica: "host-1-<a>".to_owned(),
                replicas: vec![],
                leases: vec![],
            }),
            published: vec![sent, sneaky],
            pending: vec![],
            failed: vec![failed],
            missed: vec![],
            unknown: vec![],
            held: vec![],
            inbox: Default::default(),
        };
        let html = render(&report, &config());
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(
            html.contains("replica <code>host-1-&lt;a&gt;</code>; no other replica is running"),
            "{html}"
        );
        assert!(
            html.contains("href=\"https://social.example/@team/1?a=1&amp;b=%222%22\""),
            "{html}"
        );
        assert!(!html.contains("href=\"javascript:"));
        assert!(html.contains("<span class=\"url\">javascript:alert(1)</span>"));
        assert!(html.contains("422: &lt;b&gt;text&lt;/b&gt; &amp; &#39;more&#39;"));
        assert!(html.contains("<li>the &lt;database&gt; doesn&#39;t answer</li>"));
        assert_eq!(html.matches("<h1>").count(), 1);
        assert!(html.contains("<th scope=\"col\" role=\"columnheader\">Live post</th>"));
        assert!(html.contains("<caption>Recently published, latest first</caption>"));
        assert!(html.contains("<p>Nothing is held.</p>"));
        assert!(!html.contains("<script"), "no JavaScript at all");
    }

    #[test]
    fn inbox_sections_show_what_the_team_must_see_and_escape_the_public() {
        use crate::inbox::report::{InboxReport, MessageRow, ReplyRow};
        let message = |rule: &str, action: &str, excerpt: &str| MessageRow {
            account: "mastodon".to_owned(),
            message_id: "1".to_owned(),
            platform: "mastodon".to_owned(),
            kind: "mention".to_owned(),
            from: "@someone@social.example".to_owned(),
            sent_at: utc("2026-12-05T12:00:00Z"),
            seen_at: utc("2026-12-05T12:00:30Z"),
            excerpt: excerpt.to_owned(),
            action: action.to_owned(),
            rule: rule.to_owned(),
            reason: format!("the rule {rule}"),
            routes: vec![],
            personal_details: vec![],
            alert: rule == "crisis",
            alerted_at: (rule == "crisis").then(|| utc("2026-12-05T12:00:31Z")),
        };
        let reply = ReplyRow {
            account: "mastodon".to_owned(),
            message_id: "2".to_owned(),
            purpose: "closed".to_owned(),
            state: "sent".to_owned(),
            routes: vec!["medical".to_owned(), "complaints".to_owned()],
            text: Some("Thanks for your message.".to_owned()),
            planned_at: utc("2026-12-05T12:01:00Z"),
            sent_at: Some(utc("2026-12-05T12:01:01Z")),
            finished_at: Some(utc("2026-12-05T12:01:02Z")),
            url: Some("https://social.example/@team/2".to_owned()),
            platform_id: Some("2".to_owned()),
            reason: None,
            attempts: 1,
        };
        let report = StatusReport {
            now: utc("2026-12-05T12:05:00Z"),
            daemon: None,
            published: vec![],
            pending: vec![],
            failed: vec![],
            missed: vec![],
            unknown: vec![],
            held: vec![],
            inbox: InboxReport {
                replies: vec![reply],
                skipped: vec![message("bot", "skip", "beep")],
                for_team: vec![message("crisis", "flag", "<img src=x onerror=alert(1)> help")],
            },
        };
        let html = render(&report, &config());
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;img src=x onerror=alert(1)&gt; help"));
        assert!(html.contains("the rule crisis (the team was alerted)"));
        assert!(html.contains("medical, complaints"));
        assert!(html.contains("href=\"https://social.example/@team/2\""));
        assert!(html.contains("the rule bot"));
        let team = html.find("Messages for the team").unwrap();
        let upcoming = html.find("Upcoming publications").unwrap();
        assert!(team < upcoming, "messages for the team come first");
    }

    #[test]
    fn office_hours_now_and_next() {
        let config = config();
        // Tuesday 1 December 2026, 09:30 GMT: everyone open; mornings closes at 10:00.
        let section = office_hours(&config, utc("2026-12-01T09:30:00Z"));
        assert!(
            section
                .body
                .contains("The team is open now, until 17:00 today. Reopens at 09:00 tomorrow."),
            "{}",
            section.body
        );
        assert!(
            section.body.contains(
                "<tr role=\"row\"><th scope=\"row\" role=\"rowheader\">mornings</th><td role=\"cell\" data-label=\"Now\">Open</td><td role=\"cell\" data-label=\"Next change\">closes at 10:00 today</td></tr>"
            )
        );
        // Saturday.
        let section = office_hours(&config, utc("2026-12-05T12:00:00Z"));
        assert!(
            section.body.contains(
                "The team is closed now: it is closed on Saturdays. Opens at 09:00 on Monday 7 December 2026."
            ),
            "{}",
            section.body
        );
        assert!(section.body.contains(
            "<tr role=\"row\"><th scope=\"row\" role=\"rowheader\">mornings</th><td role=\"cell\" data-label=\"Now\">Closed</td><td role=\"cell\" data-label=\"Next change\">opens at 09:00 on Tuesday 8 December 2026</td></tr>"
        ));
    }
}

#[cfg(test)]
mod contrast {
    //! WCAG 2 contrast of the page's colour pairs, read from its style sheet.

    use super::STYLE;

    fn var(name: &str) -> &'static str {
        let start = STYLE.find(&format!("--{name}:")).expect("the variable") + name.len() + 3;
        &STYLE[start..start + 7]
    }

    fn luminance(hex: &str) -> f64 {
        let channel = |i: usize| {
            let c = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    fn ratio(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn every_text_colour_meets_wcag_aa() {
        let white = "#ffffff";
        for (fg, bg) in [
            (var("text"), white),
            (var("text"), var("bg")),
            (var("muted"), white),
            (var("muted"), var("bg")),
            (var("link"), white),
            (var("ok"), white),
            (var("bad"), white),
            ("#212b32", "#ffeb3b"), // a focused link
        ] {
            let r = ratio(fg, bg);
            assert!(r >= 4.5, "{fg} on {bg}: {r:.2}:1 is below AA's 4.5:1");
        }
        assert!((ratio("#000000", "#ffffff") - 21.0).abs() < 1e-9);
    }
}
