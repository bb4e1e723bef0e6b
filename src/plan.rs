//! What `herald plan` shows: every publication due in a window, per channel, with what will
//! happen to it as things stand: ready, held (not approved, changed since approval), outside the
//! channel's office hours, failing checks, or already in the journal (sent, failed, missed …).
//!
//! Due times come from [`crate::schedule`] (one-off and recurring), office hours and local times
//! from [`crate::hours`], findings from [`crate::checks`], and the journal from the store, so
//! the plan says what `herald check` and `herald run` will say about the same calendar.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::approval::{self, Status};
use crate::checks::{self, Context};
use crate::config::{LoadedConfig, Platform};
use crate::content::{Calendar, Post, PublishAt, When};
use crate::diag::{Code, Severity};
use crate::hours::{self, LocalTime, OfficeHours};
use crate::store::{Entry, Planned, State};

/// How many occurrences of one recurring post a plan lists, at most.
const MAX_PER_POST: usize = 1_000;

/// What will happen to a publication, as things stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Approved, in office hours: herald will publish it at its time.
    Ready,
    /// No approval recorded: a draft, never published as it stands.
    NotApproved,
    /// Changed after it was approved: held until approved again.
    ChangedSinceApproval,
    /// Outside the channel's office hours: herald never publishes then.
    OutsideHours,
    /// The channel is not an account in herald.toml.
    UnknownChannel,
    /// A one-off post the journal shows already published (or being published) on this channel
    /// at another time: herald never publishes it twice.
    AlreadySent,
    /// In the journal: due, waiting to be sent (or retried).
    Planned,
    /// In the journal: being sent now.
    Sending,
    /// In the journal: published.
    Sent,
    /// In the journal: refused, or retries gave up.
    Failed,
    /// In the journal: not sent (too late, outside hours, or held at its time).
    Missed,
    /// In the journal: sent, but the outcome is not confirmed.
    Unknown,
}

impl Verdict {
    /// The name in JSON and in the summary.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotApproved => "not-approved",
            Verdict::ChangedSinceApproval => "changed-since-approval",
            Verdict::OutsideHours => "outside-hours",
            Verdict::UnknownChannel => "unknown-channel",
            Verdict::AlreadySent => "already-sent",
            Verdict::Planned => "planned",
            Verdict::Sending => "sending",
            Verdict::Sent => "sent",
            Verdict::Failed => "failed",
            Verdict::Missed => "missed",
            Verdict::Unknown => "unknown",
        }
    }

    /// How the terminal table shows it: upper case for what won't go out as it stands.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Ready => "ready",
            Verdict::NotApproved => "NOT APPROVED",
            Verdict::ChangedSinceApproval => "CHANGED SINCE APPROVAL",
            Verdict::OutsideHours => "OUTSIDE HOURS",
            Verdict::UnknownChannel => "UNKNOWN CHANNEL",
            Verdict::AlreadySent => "already sent",
            Verdict::Planned => "due",
            Verdict::Sending => "sending",
            Verdict::Sent => "sent",
            Verdict::Failed => "FAILED",
            Verdict::Missed => "MISSED",
            Verdict::Unknown => "OUTCOME UNKNOWN",
        }
    }

    /// Whether this publication will not go out (or did not) without someone acting.
    pub fn needs_attention(self) -> bool {
        !matches!(
            self,
            Verdict::Ready | Verdict::Planned | Verdict::Sending | Verdict::Sent | Verdict::AlreadySent
        )
    }

    fn from_state(state: State) -> Verdict {
        match state {
            State::Planned => Verdict::Planned,
            State::Claimed => Verdict::Sending,
            State::Sent => Verdict::Sent,
            State::Failed => Verdict::Failed,
            State::Missed => Verdict::Missed,
            State::Unknown => Verdict::Unknown,
        }
    }
}

/// A check finding on a post, as the plan lists it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct CheckCode {
    /// The finding's code (PRODUCT.md section 3).
    pub code: &'static str,
    /// `error` or `warning`.
    pub severity: Severity,
}

/// What the journal holds for a publication.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JournalRow {
    /// Its state.
    pub state: &'static str,
    /// The occurrence it is about (differs from the plan's for an already-sent one-off).
    pub due_at: DateTime<Utc>,
    /// When it reached sent, failed or missed.
    pub finished_at: Option<DateTime<Utc>>,
    /// A link to the live post.
    pub url: Option<String>,
    /// Why it failed, was missed or is unknown.
    pub reason: Option<String>,
}

impl From<&Entry> for JournalRow {
    fn from(e: &Entry) -> Self {
        JournalRow {
            state: e.state.as_str(),
            due_at: e.due_at,
            finished_at: e.finished_at,
            url: e.url.clone(),
            reason: e.reason.clone(),
        }
    }
}

/// One publication: a post on one channel at one time.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    /// When it is due (UTC).
    pub due_at: DateTime<Utc>,
    /// The same instant in the configured zone, RFC 3339 with its offset.
    pub local: String,
    /// The account.
    pub channel: String,
    /// The account's platform, when the account exists.
    pub platform: Option<Platform>,
    /// The post.
    pub post_id: String,
    /// The file it is written in.
    pub file: String,
    /// A campaign's recurring post.
    pub recurring: bool,
    /// Its campaign's id.
    pub campaign: Option<String>,
    /// What will happen to it.
    pub status: Verdict,
    /// Whether an approval matching the post as it stands is recorded.
    pub approved: bool,
    /// Who approved it (when approved).
    pub approved_by: Option<String>,
    /// What changed since approval, in words, when it changed.
    pub changed: Option<String>,
    /// Whether the due time is in the channel's office hours.
    pub in_hours: bool,
    /// Why the channel is closed then, in words.
    pub closed: Option<String>,
    /// Every finding `herald check` reports on the post (each code once, most severe first).
    pub checks: Vec<CheckCode>,
    /// What the journal shows for it, when there is a journal.
    pub journal: Option<JournalRow>,
    /// The text as the channel's platform will publish it.
    pub text: String,
    /// The link, tagged as it will be published.
    pub link: Option<String>,
}

/// Codes the status column already says (approval, office hours, the channel).
const IN_STATUS: [&str; 4] = [
    "not-approved",
    "approval-stale",
    "outside-hours",
    "unknown-channel",
];

impl Item {
    /// The codes of error findings, other than those the status already says.
    pub fn errors(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.checks
            .iter()
            .filter(|c| c.severity == Severity::Error && !IN_STATUS.contains(&c.code))
            .map(|c| c.code)
    }
}

/// A post whose due time can't be worked out, so it won't be published.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unscheduled {
    /// The post.
    pub post_id: String,
    /// Its file.
    pub file: String,
    /// Why, in words.
    pub reason: String,
}

/// The plan for a window of time.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// The start of the window (inclusive).
    pub from: DateTime<Utc>,
    /// The end of the window (inclusive).
    pub until: DateTime<Utc>,
    /// The configured zone.
    pub zone: String,
    /// Whether the journal was read (statuses such as `sent` come from it).
    pub journal: bool,
    /// Why the journal wasn't read, when it wasn't.
    pub journal_note: Option<String>,
    /// Every publication in the window, in time order.
    pub publications: Vec<Item>,
    /// Posts whose time can't be worked out.
    pub unscheduled: Vec<Unscheduled>,
    /// How many publications have each status.
    pub summary: BTreeMap<Verdict, usize>,
}

/// What the journal holds, indexed for the plan.
#[derive(Debug, Default)]
pub struct Journal {
    by_key: HashMap<String, Entry>,
    /// For one-off posts: a row per (post, channel) that was sent, is being sent or is unknown.
    once: HashMap<(String, String), Entry>,
}

impl Journal {
    /// Indexes journal rows.
    pub fn new(entries: Vec<Entry>) -> Journal {
        let mut journal = Journal::default();
        for e in entries {
            if matches!(e.state, State::Sent | State::Claimed | State::Unknown) {
                journal
                    .once
                    .entry((e.post_id.clone(), e.channel.clone()))
                    .or_insert_with(|| e.clone());
            }
            journal.by_key.insert(e.key.clone(), e);
        }
        journal
    }
}

/// Builds the plan for `[from, until]`. `journal` is what the database holds (`None`: no
/// database yet).
pub fn build(
    config: &LoadedConfig,
    calendar: &Calendar,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    journal: Option<&Journal>,
) -> Plan {
    let zone_hours = config.office_hours(None);
    let zone = zone_hours.zone();
    let ctx = Context {
        config,
        calendar,
        now: from,
    };
    let mut publications = Vec::new();
    let mut unscheduled = Vec::new();
    for post in &calendar.posts {
        let campaign = post.spec.campaign.as_deref().and_then(|c| calendar.campaign(c));
        let due: Vec<DateTime<Utc>> = match crate::schedule::occurrences(post, campaign, &zone_hours, from) {
            Ok(all) => all.take_while(|t| *t <= until).take(MAX_PER_POST).collect(),
            Err(e) => {
                if unscheduled_in_window(post, &zone_hours, from, until) {
                    unscheduled.push(Unscheduled {
                        post_id: post.id.clone(),
                        file: crate::diag::display_path(post.path()),
                        reason: e.to_string(),
                    });
                }
                continue;
            }
        };
        if post.is_recurring()
            && campaign.is_none()
            && let Some(id) = &post.spec.campaign
        {
            unscheduled.push(Unscheduled {
                post_id: post.id.clone(),
                file: crate::diag::display_path(post.path()),
                reason: format!("its campaign `{id}` has no file in content/campaigns/"),
            });
        }
        if due.is_empty() {
            continue;
        }
        let checks = codes(checks::check_post(post, &ctx));
        let approval = approval::parts(post, &calendar.dir)
            .map(|parts| approval::status(post, &parts))
            .map_err(|e| e.to_string());
        let mut channels = post.spec.channels.clone();
        channels.sort();
        channels.dedup();
        for channel in &channels {
            let account = config.account(channel);
            let hours = config.office_hours(Some(channel));
            let platform = account.map(|a| a.platform);
            let rendered = platform.map(|p| crate::render::render(&post.spec, campaign, p));
            for &t in &due {
                let closed = hours.closed_in_words(t);
                let journal_row = journal.and_then(|j| {
                    let key = Planned::new(&post.id, channel, t, !post.is_recurring()).key;
                    j.by_key.get(&key).or_else(|| {
                        (!post.is_recurring())
                            .then(|| j.once.get(&(post.id.clone(), channel.clone())))
                            .flatten()
                    })
                });
                let status = verdict(account.is_some(), closed.is_some(), &approval, journal_row, t);
                publications.push(Item {
                    due_at: t,
                    local: hours::rfc3339_in(zone, t),
                    channel: channel.clone(),
                    platform,
                    post_id: post.id.clone(),
                    file: crate::diag::display_path(post.path()),
                    recurring: post.is_recurring(),
                    campaign: post.spec.campaign.clone(),
                    status,
                    approved: matches!(approval, Ok(Status::Approved)),
                    approved_by: matches!(approval, Ok(Status::Approved))
                        .then(|| post.spec.approved_by.clone())
                        .flatten(),
                    changed: match &approval {
                        Ok(Status::Stale { changed }) if changed.is_empty() => {
                            Some("something changed".to_owned())
                        }
                        Ok(Status::Stale { changed }) => Some(changed.join(", ")),
                        Err(e) => Some(format!("its media can't be read: {e}")),
                        _ => None,
                    },
                    in_hours: closed.is_none(),
                    closed,
                    checks: checks.clone(),
                    journal: journal_row.map(JournalRow::from),
                    text: rendered
                        .as_ref()
                        .map_or_else(|| post.spec.text.trim().to_owned(), |r| r.text.clone()),
                    link: rendered
                        .as_ref()
                        .map_or_else(|| post.spec.link.clone(), |r| r.link.clone()),
                });
            }
        }
    }
    publications.sort_by(|a, b| (a.due_at, &a.post_id, &a.channel).cmp(&(b.due_at, &b.post_id, &b.channel)));
    unscheduled.sort_by(|a, b| a.post_id.cmp(&b.post_id));
    let mut summary = BTreeMap::new();
    for item in &publications {
        *summary.entry(item.status).or_insert(0) += 1;
    }
    Plan {
        from,
        until,
        zone: zone.name().to_owned(),
        journal: journal.is_some(),
        journal_note: None,
        publications,
        unscheduled,
        summary,
    }
}

/// Whether a one-off post whose time can't be resolved would fall in the window (either reading
/// of a repeated time, or just after a skipped one); recurring posts with a bad schedule always
/// count, since none of their occurrences will go out.
fn unscheduled_in_window(
    post: &Post,
    hours: &OfficeHours,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> bool {
    let When::At(PublishAt::Local(local)) = &post.spec.when else {
        return true;
    };
    let inside = |t: DateTime<Utc>| from <= t && t <= until;
    match hours.resolve(*local) {
        LocalTime::Unique(t) => inside(t),
        LocalTime::Ambiguous { earlier, later } => inside(earlier) || inside(later),
        LocalTime::Nonexistent { next_valid } => inside(next_valid),
    }
}

fn verdict(
    known_channel: bool,
    closed: bool,
    approval: &Result<Status, String>,
    journal: Option<&Entry>,
    due: DateTime<Utc>,
) -> Verdict {
    if let Some(entry) = journal {
        return if entry.due_at == due {
            Verdict::from_state(entry.state)
        } else {
            Verdict::AlreadySent
        };
    }
    if !known_channel {
        return Verdict::UnknownChannel;
    }
    if closed {
        return Verdict::OutsideHours;
    }
    match approval {
        Ok(Status::Approved) => Verdict::Ready,
        Ok(Status::NotApproved) => Verdict::NotApproved,
        Ok(Status::Stale { .. }) | Err(_) => Verdict::ChangedSinceApproval,
    }
}

/// Each code once, errors first.
fn codes(findings: Vec<crate::diag::Finding>) -> Vec<CheckCode> {
    let mut out: Vec<CheckCode> = Vec::new();
    for f in findings {
        // `in-past` is about a one-off's time having passed, which a plan from now on never
        // lists.
        if matches!(f.code, Code::InPast) {
            continue;
        }
        match out.iter_mut().find(|c| c.code == f.code.as_str()) {
            Some(c) => c.severity = c.severity.min(f.severity),
            None => out.push(CheckCode {
                code: f.code.as_str(),
                severity: f.severity,
            }),
        }
    }
    out.sort();
    out
}

/// ANSI colours for the terminal, or none.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    color: bool,
}

impl Style {
    /// Colours when `color`.
    pub fn new(color: bool) -> Style {
        Style { color }
    }

    fn paint(self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// How wide the table may be.
pub const WIDTH: usize = 100;

impl Plan {
    /// The plan as a table for people: one heading per local day, one line per publication
    /// (time, channel, post, status), and indented lines for what needs attention.
    pub fn render_text(&self, hours: &OfficeHours, style: Style) -> String {
        let zone = hours.zone();
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Plan: {} to {}\nTimes are {} time.",
            hours::date_time_in_words(zone, self.from),
            hours::date_time_in_words(zone, self.until),
            self.zone
        );
        if self.publications.is_empty() {
            out.push_str("\nNothing is due.\n");
        }
        let clock = |t| hours::clock_in_words(zone, t);
        let time_w = self
            .publications
            .iter()
            .map(|i| clock(i.due_at).chars().count())
            .max()
            .unwrap_or(5);
        let channel_w = self
            .publications
            .iter()
            .map(|i| i.channel.chars().count())
            .max()
            .unwrap_or(7)
            .max("channel".len());
        // The post column takes what is left after the status, up to the longest id.
        let status_w = self
            .publications
            .iter()
            .map(|i| i.status.label().len())
            .max()
            .unwrap_or(5);
        let fixed = 2 + time_w + 2 + channel_w + 2 + 2 + status_w;
        let post_w = self
            .publications
            .iter()
            .map(|i| i.post_id.chars().count())
            .max()
            .unwrap_or(4)
            .clamp(4, WIDTH.saturating_sub(fixed).max(20));
        let indent = " ".repeat(2 + time_w + 2);
        if !self.publications.is_empty() {
            let header = format!(
                "  {:<time_w$}  {:<channel_w$}  {:<post_w$}  status",
                "time", "channel", "post"
            );
            let _ = writeln!(out, "\n{header}");
        }
        let mut day = None;
        for item in &self.publications {
            let date = hours::local_in(zone, item.due_at).date();
            if day != Some(date) {
                day = Some(date);
                let _ = writeln!(out, "\n{}", hours::date_in_words(date));
            }
            let post = fit(&item.post_id, post_w);
            let label = item.status.label();
            let painted = if item.status.needs_attention() {
                style.paint("1;31", label)
            } else if item.errors().next().is_some() {
                style.paint("33", label)
            } else {
                style.paint("32", label)
            };
            let line = format!(
                "  {:<time_w$}  {:<channel_w$}  {:<post_w$}  {painted}",
                clock(item.due_at),
                item.channel,
                post,
            );
            let _ = writeln!(out, "{}", line.trim_end());
            for note in notes(item) {
                for wrapped in wrap(&note, WIDTH.saturating_sub(indent.len()).max(40)) {
                    let _ = writeln!(out, "{indent}{wrapped}");
                }
            }
        }
        if !self.unscheduled.is_empty() {
            let _ = writeln!(out, "\nCan't be scheduled (won't be published):");
            for u in &self.unscheduled {
                let _ = writeln!(out, "  {} ({})", u.post_id, u.file);
                for wrapped in wrap(&u.reason, WIDTH - 4) {
                    let _ = writeln!(out, "    {wrapped}");
                }
            }
        }
        let counts: Vec<String> = self
            .summary
            .iter()
            .map(|(status, n)| format!("{n} {}", status.as_str().replace('-', " ")))
            .collect();
        if let Some(note) = &self.journal_note {
            let _ = writeln!(out, "\nJournal: {note}.");
        }
        let total = self.publications.len();
        let summary = format!(
            "{total} publication{}{}{}",
            if total == 1 { "" } else { "s" },
            if counts.is_empty() { "" } else { ": " },
            counts.join(", ")
        );
        out.push('\n');
        for line in wrap(&summary, WIDTH) {
            let _ = writeln!(out, "{line}");
        }
        let failing = self
            .publications
            .iter()
            .filter(|i| i.errors().next().is_some())
            .count();
        if failing > 0 {
            let _ = writeln!(
                out,
                "{failing} with check errors: run `herald check` to see them and what to do"
            );
        }
        out
    }
}

/// The lines under a publication: what needs attention, then where it went.
fn notes(item: &Item) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(j) = &item.journal {
        if item.status == Verdict::AlreadySent {
            notes.push(format!(
                "already {} for {} (a one-off is published once per channel)",
                j.state,
                j.due_at.to_rfc3339()
            ));
        }
        if let Some(url) = &j.url {
            notes.push(url.clone());
        }
        if let Some(reason) = &j.reason {
            notes.push(reason.clone());
        }
    }
    if item.status == Verdict::UnknownChannel {
        notes.push(format!("herald.toml has no account called `{}`", item.channel));
    }
    if let Some(why) = &item.closed {
        notes.push(format!("outside office hours: {why}"));
    }
    if !item.approved {
        match &item.changed {
            Some(changed) => notes.push(format!("changed since approval: {changed}")),
            None => notes.push("not approved: run `herald approve FILE --by NAME`".to_owned()),
        }
    }
    let errors: Vec<&str> = item.errors().collect();
    let warnings: Vec<&str> = item
        .checks
        .iter()
        .filter(|c| c.severity == Severity::Warning)
        .map(|c| c.code)
        .collect();
    if !errors.is_empty() {
        notes.push(format!("check errors: {}", errors.join(", ")));
    }
    if !warnings.is_empty() {
        notes.push(format!("check warnings: {}", warnings.join(", ")));
    }
    notes
}

/// Text cut to `width` characters, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(width.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// Words wrapped at `width` characters (a word longer than that stays whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Report;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    const CONFIG: &str = "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n\
        [[accounts]]\nname = \"mornings\"\nplatform = \"outbox\"\npath = \"m\"\nhours = { tue = \"09:00-10:00\" }\n";

    struct Fixture {
        dir: tempfile::TempDir,
        config: LoadedConfig,
    }

    impl Fixture {
        fn new() -> Fixture {
            let dir = tempfile::tempdir().unwrap();
            let (config, findings) =
                LoadedConfig::from_text(&dir.path().join("herald.toml"), CONFIG.to_owned());
            assert!(findings.is_empty(), "{findings:?}");
            std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
            Fixture { dir, config }
        }

        fn write(&self, relative: &str, text: &str) {
            let path = self.dir.path().join("content").join(relative);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        /// Writes a post and records its approval the way `herald approve` does.
        fn approved(&self, id: &str, front: &str, text: &str) {
            self.write(&format!("posts/{id}.md"), &format!("+++\n{front}\n+++\n{text}\n"));
            let path = self.dir.path().join(format!("content/posts/{id}.md"));
            crate::approval::record(&path, &self.dir.path().join("content"), "Tester").unwrap();
        }

        fn calendar(&self) -> Calendar {
            let mut report = Report::new();
            crate::content::load(&self.dir.path().join("content"), &mut report)
        }
    }

    #[test]
    fn each_publication_says_what_will_happen() {
        let f = Fixture::new();
        // Tuesday 1 December 2026 (GMT).
        f.approved(
            "ready",
            "publish_at = 2026-12-01T09:30:00\nchannels = [\"outbox\", \"mornings\"]",
            "Book your flu jab.",
        );
        f.approved(
            "late-morning",
            "publish_at = 2026-12-01T11:00:00\nchannels = [\"mornings\", \"outbox\"]",
            "Too late for mornings.",
        );
        f.write(
            "posts/draft.md",
            "+++\npublish_at = 2026-12-02T10:00:00\nchannels = [\"outbox\", \"nowhere\"]\n+++\nA draft.\n",
        );
        f.approved(
            "edited",
            "publish_at = 2026-12-03T10:00:00\nchannels = [\"outbox\"]",
            "Approved words.",
        );
        let edited = f.dir.path().join("content/posts/edited.md");
        let text = std::fs::read_to_string(&edited)
            .unwrap()
            .replace("Approved", "Edited");
        std::fs::write(&edited, text).unwrap();
        f.write(
            "posts/twice.md",
            "+++\npublish_at = 2026-10-25T01:30:00\nchannels = [\"outbox\"]\n+++\nWhich one?\n",
        );
        f.approved(
            "later",
            "publish_at = 2026-12-20T10:00:00\nchannels = [\"outbox\"]",
            "Outside the window.",
        );

        let calendar = f.calendar();
        let plan = build(
            &f.config,
            &calendar,
            utc("2026-12-01T09:00:00Z"),
            utc("2026-12-08T09:00:00Z"),
            None,
        );
        let rows: Vec<(String, &str, &str)> = plan
            .publications
            .iter()
            .map(|i| (i.local.clone(), i.channel.as_str(), i.status.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("2026-12-01T09:30:00+00:00".to_owned(), "mornings", "ready"),
                ("2026-12-01T09:30:00+00:00".to_owned(), "outbox", "ready"),
                (
                    "2026-12-01T11:00:00+00:00".to_owned(),
                    "mornings",
                    "outside-hours"
                ),
                ("2026-12-01T11:00:00+00:00".to_owned(), "outbox", "ready"),
                (
                    "2026-12-02T10:00:00+00:00".to_owned(),
                    "nowhere",
                    "unknown-channel"
                ),
                ("2026-12-02T10:00:00+00:00".to_owned(), "outbox", "not-approved"),
                (
                    "2026-12-03T10:00:00+00:00".to_owned(),
                    "outbox",
                    "changed-since-approval"
                ),
            ]
        );
        let draft = &plan.publications[5];
        let codes: Vec<&str> = draft.checks.iter().map(|c| c.code).collect();
        assert!(codes.contains(&"not-approved"), "{codes:?}");
        assert!(codes.contains(&"unknown-channel"), "{codes:?}");
        assert_eq!(plan.publications[6].changed.as_deref(), Some("the text"));
        assert_eq!(
            plan.publications[2].closed.as_deref(),
            Some("it is open 09:00-10:00 on Tuesdays")
        );
        assert!(plan.unscheduled.is_empty(), "25 October is outside the window");
        assert_eq!(plan.summary[&Verdict::Ready], 3);

        let text = plan.render_text(&f.config.office_hours(None), Style::new(false));
        for line in text.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
        assert!(
            text.contains("\nTuesday 1 December 2026\n  09:30  mornings  ready"),
            "{text}"
        );
        assert!(text.contains("         outside office hours: it is open 09:00-10:00 on Tuesdays"));
        assert!(text.contains("NOT APPROVED"), "{text}");
        assert!(
            text.contains(
                "7 publications: 3 ready, 1 not approved, 1 changed since approval, 1 outside hours, 1 unknown\nchannel"
            ),
            "{text}"
        );

        // A window over the clock change lists the post that can't be scheduled.
        let october = build(
            &f.config,
            &calendar,
            utc("2026-10-24T00:00:00Z"),
            utc("2026-10-26T00:00:00Z"),
            None,
        );
        assert_eq!(october.unscheduled.len(), 1);
        assert!(
            october.unscheduled[0].reason.contains("happens twice"),
            "{october:?}"
        );
    }

    #[test]
    fn the_journal_says_what_was_sent() {
        let f = Fixture::new();
        f.approved(
            "flu",
            "publish_at = 2026-12-01T10:00:00\nchannels = [\"outbox\", \"mornings\"]",
            "Book your flu jab.",
        );
        f.write(
            "campaigns/w.toml",
            "name = \"W\"\nstarts = 2026-11-01\nends = 2026-12-31\n[[recurring]]\nid = \"weekly\"\ncron = \"0 0 10 * * Wed\"\nchannels = [\"outbox\"]\ntext = \"Weekly\"\n",
        );
        let calendar = f.calendar();
        let due = utc("2026-12-01T10:00:00Z");
        let row = |post: &str, channel: &str, due: DateTime<Utc>, state: State| Entry {
            key: Planned::new(post, channel, due, true).key,
            post_id: post.into(),
            channel: channel.into(),
            occurrence: String::new(),
            due_at: due,
            state,
            attempts: 1,
            next_attempt_at: None,
            claimed_by: None,
            claimed_at: Some(due),
            text: None,
            platform_id: Some("1".into()),
            url: Some("https://social.example/1".into()),
            reason: None,
            parked: false,
            announced_at: None,
            planned_at: due,
            updated_at: due,
            finished_at: Some(due),
        };
        // Sent on outbox at its time; sent on mornings at an earlier time (then moved).
        let journal = Journal::new(vec![
            row("flu", "outbox", due, State::Sent),
            row("flu", "mornings", utc("2026-11-30T10:00:00Z"), State::Sent),
        ]);
        let plan = build(
            &f.config,
            &calendar,
            utc("2026-12-01T09:00:00Z"),
            utc("2026-12-03T09:00:00Z"),
            Some(&journal),
        );
        let rows: Vec<(&str, &str, &str)> = plan
            .publications
            .iter()
            .map(|i| (i.post_id.as_str(), i.channel.as_str(), i.status.as_str()))
            .collect();
        assert_eq!(
            rows,
            [
                ("flu", "mornings", "already-sent"),
                ("flu", "outbox", "sent"),
                ("w#weekly", "outbox", "not-approved"),
            ]
        );
        assert_eq!(
            plan.publications[1].journal.as_ref().unwrap().url.as_deref(),
            Some("https://social.example/1")
        );
        assert!(plan.publications[2].recurring);
        assert_eq!(plan.publications[2].local, "2026-12-02T10:00:00+00:00");
    }
}
