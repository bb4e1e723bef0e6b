//! `content/replies.toml`: contact routes and automatic-reply templates, owned by the comms team.

use std::sync::Arc;

use serde::Deserialize;

use crate::diag::{Code, Finding, SourceFile};
use crate::tomldoc::{self, SpanIndex};

/// herald's default replies for an NHS body: the example content's replies.toml.
const DEFAULT_REPLIES: &str = include_str!("../../content/replies.toml");

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["next_open"];

/// The whole file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replies {
    /// The reply's frame.
    pub reply: ReplyTemplate,
    /// Contact routes, chosen by keywords.
    #[serde(default)]
    pub routes: Vec<Route>,
    /// The reply to a message in crisis, sent at any hour.
    #[serde(default)]
    pub crisis: Option<Crisis>,
    /// Where it was loaded from, for findings (absent for the built-in defaults).
    #[serde(skip)]
    pub origin: Option<(Arc<SourceFile>, SpanIndex)>,
}

/// The frame of every automatic reply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplyTemplate {
    /// The opening when the team is closed; `{next_open}` becomes the reopening time in words.
    pub closed: String,
    /// The acknowledgement sent during office hours when `[inbox] acknowledge_when_open` is on
    /// (default [`DEFAULT_OPEN`]).
    #[serde(default)]
    pub open: Option<String>,
    /// The advice added when someone shares personal details in public (default
    /// [`DEFAULT_PERSONAL`]). The reply never repeats the details.
    #[serde(default)]
    pub personal: Option<String>,
    /// A page listing every way to contact the team: a reply too long for a platform links to it
    /// instead of listing every route.
    #[serde(default)]
    pub contact_page: Option<String>,
    /// Who the reply is from.
    #[serde(default)]
    pub signature: Option<String>,
}

/// The acknowledgement during office hours, when the team's file has none.
pub const DEFAULT_OPEN: &str =
    "Thanks for your message. This is an automatic reply: we aim to reply within 48 hours.";

/// The advice to someone who shared personal details in public, when the team's file has none.
pub const DEFAULT_PERSONAL: &str =
    "Please don't share personal details, like phone or NHS numbers, in public posts.";

impl ReplyTemplate {
    /// The acknowledgement during office hours.
    pub fn open_text(&self) -> &str {
        self.open.as_deref().unwrap_or(DEFAULT_OPEN)
    }

    /// The advice about personal details.
    pub fn personal_text(&self) -> &str {
        self.personal.as_deref().unwrap_or(DEFAULT_PERSONAL)
    }
}

/// One contact route.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Stable id (`medical`, `complaints`, `general` …).
    pub id: String,
    /// What the reply says for this route.
    pub text: String,
    /// Words or phrases that select it (case-insensitive). `general` needs none.
    #[serde(default)]
    pub keywords: Vec<String>,
}

/// The crisis reply.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Crisis {
    /// Words or phrases that mark a message as a crisis.
    pub keywords: Vec<String>,
    /// The reply.
    pub text: String,
}

impl Default for Replies {
    fn default() -> Self {
        Replies::defaults()
    }
}

impl Replies {
    /// herald's built-in replies.
    pub fn defaults() -> Replies {
        match toml::from_str::<Replies>(DEFAULT_REPLIES) {
            Ok(replies) => replies,
            // The defaults are the example file, which a test parses; this is unreachable in a
            // built binary, but stay safe rather than panic.
            Err(_) => Replies {
                reply: ReplyTemplate {
                    closed: "This is an automatic reply: our team is away until {next_open}.".to_owned(),
                    open: None,
                    personal: None,
                    contact_page: None,
                    signature: None,
                },
                routes: Vec::new(),
                crisis: None,
                origin: None,
            },
        }
    }

    /// Loads and checks the team's file.
    pub fn load(source: &Arc<SourceFile>) -> (Option<Replies>, Vec<Finding>) {
        let loaded = tomldoc::load::<Replies>(source, 0..source.text.len(), "replies file");
        let mut findings = loaded.findings;
        let Some(mut replies) = loaded.value else {
            return (None, findings);
        };
        let spans = loaded.spans;
        let at = |key: &str| spans.value(key).unwrap_or(0..0);
        let mut templates = vec![("reply.closed".to_owned(), replies.reply.closed.clone())];
        for (key, text) in [
            ("reply.open", &replies.reply.open),
            ("reply.personal", &replies.reply.personal),
        ] {
            if let Some(text) = text {
                templates.push((key.to_owned(), text.clone()));
            }
        }
        templates.extend(
            replies
                .routes
                .iter()
                .enumerate()
                .map(|(i, r)| (format!("routes[{i}].text"), r.text.clone())),
        );
        if let Some(crisis) = &replies.crisis {
            templates.push(("crisis.text".to_owned(), crisis.text.clone()));
        }
        for (key, text) in &templates {
            for name in placeholders(text) {
                if !PLACEHOLDERS.contains(&name) {
                    findings.push(
                        Finding::at(
                            source,
                            at(key),
                            Code::Parse,
                            format!("unknown placeholder `{{{name}}}` in `{key}`"),
                        )
                        .help(format!(
                            "the placeholders are: {}",
                            PLACEHOLDERS
                                .iter()
                                .map(|p| format!("{{{p}}}"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                }
            }
        }
        if !replies.reply.closed.contains("{next_open}") {
            findings.push(
                Finding::at(
                    source,
                    at("reply.closed"),
                    Code::Parse,
                    "the closed reply doesn't say when the team is back",
                )
                .help("include `{next_open}`, which becomes e.g. \"09:00 on Monday 4 January 2027\""),
            );
        }
        if let Some(page) = &replies.reply.contact_page
            && let Some((problem, help)) = crate::checks::links::problem(page)
        {
            findings
                .push(Finding::at(source, at("reply.contact_page"), Code::LinkInvalid, problem).help(help));
        }
        let mut ids = std::collections::BTreeSet::new();
        for (i, route) in replies.routes.iter().enumerate() {
            if !ids.insert(route.id.as_str()) {
                findings.push(
                    Finding::at(
                        source,
                        at(&format!("routes[{i}].id")),
                        Code::Parse,
                        format!("two routes are called `{}`", route.id),
                    )
                    .help("give each route its own id"),
                );
            }
            if route.keywords.is_empty() && route.id != "general" {
                findings.push(
                    Finding::at(
                        source,
                        at(&format!("routes[{i}].id")),
                        Code::Parse,
                        format!("the route `{}` has no keywords, so it is never chosen", route.id),
                    )
                    .help(
                        "add `keywords = [\"…\"]`, or call it `general` to use it when no other route fits",
                    ),
                );
            }
        }
        replies.origin = Some((Arc::clone(source), spans));
        (Some(replies), findings)
    }

    /// The route with this id.
    pub fn route(&self, id: &str) -> Option<&Route> {
        self.routes.iter().find(|r| r.id == id)
    }
}

/// The `{name}` placeholders in a template.
pub fn placeholders(text: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                found.push(&after[..close]);
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_parse_and_have_the_nhs_routes() {
        let source = SourceFile::new("content/replies.toml", DEFAULT_REPLIES);
        let (replies, findings) = Replies::load(&source);
        assert!(findings.is_empty(), "{findings:?}");
        let replies = replies.unwrap();
        for id in ["medical", "complaints", "foi", "media", "general"] {
            assert!(replies.route(id).is_some(), "{id}");
        }
        assert!(replies.crisis.unwrap().text.contains("116 123"));
        assert_eq!(Replies::defaults().routes.len(), 5);
    }

    #[test]
    fn optional_frame_keys_have_defaults_and_are_checked() {
        let defaults = Replies::defaults();
        assert_eq!(defaults.reply.open_text(), DEFAULT_OPEN);
        assert!(
            defaults
                .reply
                .contact_page
                .as_deref()
                .unwrap()
                .starts_with("https://")
        );
        let source = SourceFile::new(
            "r.toml",
            "[reply]\nclosed = \"Away until {next_open}.\"\nopen = \"Back {soon}\"\npersonal = \"Keep it private.\"\ncontact_page = \"http://example.org/contact\"\n",
        );
        let (replies, findings) = Replies::load(&source);
        let got: Vec<(usize, &str)> = findings.iter().map(|f| (f.line, f.code.as_str())).collect();
        assert_eq!(got, [(3, "parse"), (5, "link-invalid")]);
        assert_eq!(replies.unwrap().reply.personal_text(), "Keep it private.");
    }

    #[test]
    fn reports_unknown_placeholders_and_a_missing_reopening_time() {
        let source = SourceFile::new("r.toml", "[reply]\nclosed = \"Away until {when}.\"\n");
        let (_, findings) = Replies::load(&source);
        let messages: Vec<_> = findings.iter().map(|f| f.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "unknown placeholder `{when}` in `reply.closed`",
                "the closed reply doesn't say when the team is back"
            ]
        );
    }
}
