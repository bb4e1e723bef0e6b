//! `link-invalid`: every link must be a well-formed `https://` address; with `herald check
//! --online`, it must also answer.
//!
//! The online check asks each distinct link once, a few at a time: `HEAD`, then `GET` when a
//! server refuses `HEAD`; redirects are followed; a `429` or `5xx` answer is retried after a pause
//! (the server's `Retry-After`, within reason), nothing else is; every request has a time-out.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::Context;
use super::settings;
use crate::content::Post;
use crate::diag::{Code, Finding};
use crate::limits::url_spans;

/// Where a link is in a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkAt {
    /// The `link` key of the front matter.
    Key,
    /// A range of the post's text.
    Text(Range<usize>),
}

/// Every link in a post: its `link` and the `http(s)://` links in its text.
pub fn links(post: &Post) -> Vec<(String, LinkAt)> {
    let mut links = Vec::new();
    if let Some(link) = &post.spec.link {
        links.push((link.trim().to_owned(), LinkAt::Key));
    }
    let text = &post.spec.text;
    for range in url_spans(text) {
        links.push((text[range.clone()].to_owned(), LinkAt::Text(range)));
    }
    links
}

/// What is wrong with a link as written, if anything.
pub fn problem(link: &str) -> Option<(String, &'static str)> {
    let url = match Url::parse(link) {
        Ok(url) => url,
        Err(e) => {
            return Some((
                format!("`{link}` is not a valid link ({e})"),
                "write the full address, starting https://, e.g. https://www.nhs.uk/",
            ));
        }
    };
    if url.scheme() == "http" {
        return Some((
            format!("`{link}` is not secure (http://)"),
            "use the https:// address: platforms and browsers warn people about http:// links",
        ));
    }
    if url.scheme() != "https" {
        return Some((
            format!("`{link}` is not a web link"),
            "posts link to web pages: write an https:// address",
        ));
    }
    let host = url.host_str().unwrap_or("");
    let named = matches!(url.host(), Some(url::Host::Domain(_)));
    if !named || !host.contains('.') || host.ends_with('.') || host.starts_with('.') {
        return Some((
            format!("`{link}` has no proper domain name (`{host}`)"),
            "check the address: it should look like https://www.example.nhs.uk/page",
        ));
    }
    None
}

fn finding_for(post: &Post, at: &LinkAt, message: String) -> Finding {
    match at {
        LinkAt::Key => post.finding_at("link", Code::LinkInvalid, message),
        LinkAt::Text(range) => Finding::at(
            &post.source,
            post.text_span(range.clone()),
            Code::LinkInvalid,
            message,
        ),
    }
}

/// Checks each link's form (no network).
pub fn check(post: &Post, _ctx: &Context<'_>) -> Vec<Finding> {
    links(post)
        .into_iter()
        .filter_map(|(link, at)| {
            let (message, help) = problem(&link)?;
            Some(finding_for(post, &at, message).help(help))
        })
        .collect()
}

/// How the online check behaves.
#[derive(Debug, Clone)]
pub struct OnlineOptions {
    /// Time-out for each request.
    pub timeout: Duration,
    /// Links checked at once.
    pub concurrency: usize,
    /// Further tries after a `429` or `5xx` answer.
    pub retries: u32,
    /// The first pause before a retry (doubled each time), when the server doesn't say.
    pub backoff: Duration,
    /// The longest pause herald accepts from `Retry-After`.
    pub max_wait: Duration,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

impl Default for OnlineOptions {
    fn default() -> Self {
        OnlineOptions {
            timeout: Duration::from_secs(10),
            concurrency: 8,
            retries: 2,
            backoff: Duration::from_millis(500),
            max_wait: Duration::from_secs(10),
            progress: std::io::stderr().is_terminal(),
        }
    }
}

/// Why a link didn't answer well.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Unreachable {
    /// It answered with an error status.
    #[error("answered {0}")]
    Status(u16),
    /// No answer in time.
    #[error("didn't answer within {0} seconds")]
    Timeout(u64),
    /// No connection.
    #[error("couldn't be reached ({0})")]
    Failed(String),
}

/// Builds the HTTP client for link checks.
pub fn client(options: &OnlineOptions) -> Result<reqwest::Client, reqwest::Error> {
    crate::http::client()
        .timeout(options.timeout)
        .connect_timeout(options.timeout)
        .redirect(reqwest::redirect::Policy::limited(10))
        .user_agent(concat!("herald/", env!("CARGO_PKG_VERSION"), " (link check)"))
        .build()
}

fn retryable(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS || status.is_server_error()
}

fn fine(status: StatusCode) -> bool {
    status.is_success() || status.is_redirection()
}

/// Asks one link: `HEAD`, then `GET` if `HEAD` is refused; retries `429`/`5xx` only.
pub async fn probe(client: &reqwest::Client, url: &str, options: &OnlineOptions) -> Result<u16, Unreachable> {
    let timeout_secs = options.timeout.as_secs().max(1);
    let failed = |e: reqwest::Error| {
        if e.is_timeout() {
            Unreachable::Timeout(timeout_secs)
        } else {
            Unreachable::Failed(error_chain(&e))
        }
    };
    let mut attempt = 0;
    loop {
        let mut response = client.head(url).send().await.map_err(failed)?;
        if !fine(response.status()) && !retryable(response.status()) {
            // Some servers refuse HEAD (405, 403, 404…): ask properly before judging.
            response = client.get(url).send().await.map_err(failed)?;
        }
        let status = response.status();
        if fine(status) {
            return Ok(status.as_u16());
        }
        if !retryable(status) || attempt >= options.retries {
            return Err(Unreachable::Status(status.as_u16()));
        }
        let asked = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let pause = asked
            .unwrap_or(options.backoff * 2u32.pow(attempt))
            .min(options.max_wait);
        tokio::time::sleep(pause).await;
        attempt += 1;
    }
}

fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// Checks many links at once, each once, at most `options.concurrency` at a time.
pub async fn probe_all(
    urls: Vec<String>,
    options: &OnlineOptions,
) -> Result<BTreeMap<String, Result<u16, Unreachable>>, reqwest::Error> {
    let client = client(options)?;
    let limit = Arc::new(tokio::sync::Semaphore::new(options.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for url in urls {
        let client = client.clone();
        let limit = Arc::clone(&limit);
        let options = options.clone();
        tasks.spawn(async move {
            let _permit = limit.acquire_owned().await;
            let outcome = probe(&client, &url, &options).await;
            (url, outcome)
        });
    }
    let total = tasks.len();
    let mut results = BTreeMap::new();
    let mut progress = Progress::new(total, options.progress);
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((url, outcome)) => {
                results.insert(url, outcome);
            }
            Err(e) => tracing::warn!("a link check stopped unexpectedly: {e}"),
        }
        progress.advance();
    }
    progress.finish();
    Ok(results)
}

/// A one-line progress bar on standard error.
struct Progress {
    done: usize,
    total: usize,
    shown: bool,
}

impl Progress {
    fn new(total: usize, shown: bool) -> Self {
        let progress = Progress {
            done: 0,
            total,
            shown: shown && total > 0,
        };
        progress.draw();
        progress
    }

    fn advance(&mut self) {
        self.done += 1;
        self.draw();
    }

    fn draw(&self) {
        if self.shown {
            let width = 30;
            let filled = (self.done * width).checked_div(self.total).unwrap_or(width);
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\rchecking links [{}{}] {}/{}",
                "#".repeat(filled),
                " ".repeat(width - filled),
                self.done,
                self.total
            );
            let _ = err.flush();
        }
    }

    fn finish(&self) {
        if self.shown {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[2K");
        }
    }
}

/// The online check for the whole calendar: each well-formed link asked once; a finding at
/// every place a link that doesn't answer is used (after each post's `[allow]` and the
/// configured severities).
pub async fn check_online(
    ctx: &Context<'_>,
    options: &OnlineOptions,
) -> Result<Vec<Finding>, reqwest::Error> {
    let mut uses: BTreeMap<String, Vec<(usize, LinkAt)>> = BTreeMap::new();
    for (i, post) in ctx.calendar.posts.iter().enumerate() {
        for (link, at) in links(post) {
            // Malformed links were reported offline; an http:// link is asked too, since a dead
            // one needs fixing as well as securing.
            let askable =
                Url::parse(&link).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
            if askable {
                uses.entry(link).or_default().push((i, at));
            }
        }
    }
    let results = probe_all(uses.keys().cloned().collect(), options).await?;
    let mut per_post: BTreeMap<usize, Vec<Finding>> = BTreeMap::new();
    for (link, outcome) in results {
        let Err(why) = outcome else { continue };
        for (i, at) in uses.get(&link).into_iter().flatten() {
            let post = &ctx.calendar.posts[*i];
            let finding = finding_for(post, at, format!("`{link}` {why}"))
                .help("check the address in a browser; if the page moved, link to its new address");
            per_post.entry(*i).or_default().push(finding);
        }
    }
    Ok(per_post
        .into_iter()
        .flat_map(|(i, findings)| settings::apply(&ctx.calendar.posts[i], ctx, findings).collect::<Vec<_>>())
        .collect())
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::super::testing::*;
    use super::*;

    #[test]
    fn form_of_links() {
        assert!(problem("https://www.nhs.uk/vaccinations/flu-vaccine/").is_none());
        assert!(problem("https://111.nhs.uk/").is_none());
        assert!(problem("http://www.nhs.uk/").unwrap().0.contains("not secure"));
        assert!(problem("www.nhs.uk/flu").unwrap().0.contains("not a valid link"));
        assert!(problem("https://nhs").unwrap().0.contains("no proper domain"));
        assert!(
            problem("https://192.168.0.1/")
                .unwrap()
                .0
                .contains("no proper domain")
        );
        assert!(
            problem("mailto:comms@example.org")
                .unwrap()
                .0
                .contains("not a web link")
        );
        assert!(problem("https://exa mple.org").is_some());
    }

    #[test]
    fn points_at_the_link_key_and_text() {
        let p = post(
            "publish_at = 2026-12-01T10:00:00\nchannels = []\nlink = \"http://www.nhs.uk/flu\"",
            "See http://example.org/a, or https://www.nhs.uk/ and 111.nhs.uk.",
        );
        let findings = run_rule(check, &config(""), std::path::Path::new("content"), &p);
        let got: Vec<_> = findings.iter().map(|f| (f.line, f.column)).collect();
        assert_eq!(got, [(4, 8), (6, 5)]);
    }

    fn fast() -> OnlineOptions {
        OnlineOptions {
            timeout: Duration::from_millis(500),
            concurrency: 4,
            retries: 2,
            backoff: Duration::from_millis(10),
            max_wait: Duration::from_millis(50),
            progress: false,
        }
    }

    #[tokio::test]
    async fn head_then_get_retries_only_429_and_5xx_and_times_out() {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .and(path("/ok"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        Mock::given(method("HEAD"))
            .and(path("/moved"))
            .respond_with(
                ResponseTemplate::new(301).insert_header("Location", format!("{}/ok", server.uri())),
            )
            .mount(&server)
            .await;
        // A server that refuses HEAD but serves GET.
        Mock::given(method("HEAD"))
            .and(path("/no-head"))
            .respond_with(ResponseTemplate::new(405))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/no-head"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        // Gone: HEAD and GET both 404, and asked only once each.
        Mock::given(method("HEAD"))
            .and(path("/gone"))
            .respond_with(ResponseTemplate::new(404))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/gone"))
            .respond_with(ResponseTemplate::new(404))
            .expect(1)
            .mount(&server)
            .await;
        // Busy once, then fine.
        Mock::given(method("HEAD"))
            .and(path("/busy"))
            .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "0"))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("HEAD"))
            .and(path("/busy"))
            .respond_with(ResponseTemplate::new(200))
            .mount(&server)
            .await;
        // Always failing: the first try and two retries.
        Mock::given(method("HEAD"))
            .and(path("/down"))
            .respond_with(ResponseTemplate::new(503))
            .expect(3)
            .mount(&server)
            .await;
        Mock::given(method("HEAD"))
            .and(path("/slow"))
            .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(3)))
            .mount(&server)
            .await;

        let url = |p: &str| format!("{}{p}", server.uri());
        let paths = ["/ok", "/moved", "/no-head", "/gone", "/busy", "/down", "/slow"];
        let results = probe_all(paths.iter().map(|p| url(p)).collect(), &fast())
            .await
            .unwrap();
        let outcome = |p: &str| results[&url(p)].clone();
        assert_eq!(outcome("/ok"), Ok(200));
        assert_eq!(outcome("/moved"), Ok(200));
        assert_eq!(outcome("/no-head"), Ok(200));
        assert_eq!(outcome("/gone"), Err(Unreachable::Status(404)));
        assert_eq!(outcome("/busy"), Ok(200));
        assert_eq!(outcome("/down"), Err(Unreachable::Status(503)));
        assert_eq!(outcome("/slow"), Err(Unreachable::Timeout(1)));
    }

    #[tokio::test]
    async fn nothing_listening_is_reported() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        drop(listener);
        let client = client(&fast()).unwrap();
        let outcome = probe(&client, &format!("http://{addr}/"), &fast()).await;
        assert!(matches!(outcome, Err(Unreachable::Failed(_))), "{outcome:?}");
    }

    #[tokio::test]
    async fn online_findings_point_at_each_use() {
        let server = MockServer::start().await;
        Mock::given(method("HEAD"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(404))
            .mount(&server)
            .await;
        let gone = format!("{}/gone", server.uri());
        let p = post(
            &format!("publish_at = 2026-12-01T10:00:00\nchannels = []\nlink = \"{gone}\""),
            &format!("Read {gone} and not-a-link"),
        );
        let calendar = crate::content::Calendar {
            posts: vec![p],
            ..Default::default()
        };
        let loaded = config("");
        let ctx = Context {
            config: &loaded,
            calendar: &calendar,
            now: chrono::Utc::now(),
        };
        let findings = check_online(&ctx, &fast()).await.unwrap();
        let got: Vec<_> = findings
            .iter()
            .map(|f| (f.code, f.line, f.message.clone()))
            .collect();
        let message = format!("`{gone}` answered 404");
        assert_eq!(
            got,
            [
                (Code::LinkInvalid, 4, message.clone()),
                (Code::LinkInvalid, 6, message)
            ]
        );
    }
}
