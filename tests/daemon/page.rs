//! The status page as a person sees it: `herald run` on a simulated clock, the page loaded in
//! headless Chromium (Debian's `chromium`), and what it shows checked: headings, tables, links,
//! escaping, and that it fits a 360-pixel phone screen without scrolling sideways.
//!
//! CI sets `HERALD_REQUIRE_CHROMIUM=1` (and .ci/run installs Chromium), so this can't skip
//! there; elsewhere it skips with a message when Chromium is missing.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::*;

/// The Chromium binary, or `None` (after saying why) when the test may skip.
pub fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| {
            std::env::var_os("PATH")
                .iter()
                .flat_map(std::env::split_paths)
                .map(move |dir| dir.join(name))
                .collect::<Vec<_>>()
        })
        .find(|p| p.is_file());
    match found {
        Some(path) => Some(path),
        None if std::env::var("HERALD_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") => {
            panic!("HERALD_REQUIRE_CHROMIUM=1 but Chromium is not installed (apt-get install chromium)")
        }
        None => {
            eprintln!("skipped: Chromium is not installed (apt-get install chromium to run this test)");
            None
        }
    }
}

/// Runs headless Chromium with `args` and the URL, killing it after a minute; returns stdout.
pub fn headless(chromium: &Path, args: &[&str], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--no-first-run",
            "--no-default-browser-check",
            "--hide-scrollbars",
            "--mute-audio",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Chromium didn't finish within a minute");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The text of every match of `open…close` in `html`, tags removed and entities decoded.
pub fn texts(html: &str, open: &str, close: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(open) {
        let after = &rest[i..];
        let Some(start) = after.find('>') else { break };
        let Some(end) = after.find(close) else { break };
        out.push(plain(&after[start + 1..end]));
        rest = &after[end + close.len()..];
    }
    out
}

/// Markup removed, entities decoded, spaces collapsed.
pub fn plain(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    let text = text
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The rows of the table whose caption starts with `caption`, each as its cells' text.
pub fn table_rows(html: &str, caption: &str) -> Vec<Vec<String>> {
    let Some(i) = html.find(&format!("<caption>{caption}")) else {
        panic!("no table captioned {caption:?} in\n{html}");
    };
    let table = &html[i..html[i..].find("</table>").map_or(html.len(), |e| i + e)];
    let body = &table[table.find("<tbody").unwrap_or(0)..];
    texts(body, "<tr", "</tr>")
        .into_iter()
        .zip(body.split("<tr").skip(1))
        .map(|(_, row)| {
            let row = &row[..row.find("</tr>").unwrap_or(row.len())];
            let mut cells = texts(row, "<th", "</th>");
            cells.extend(texts(row, "<td", "</td>"));
            cells
        })
        .collect()
}

#[tokio::test]
async fn a_person_sees_what_happened_and_what_is_next() {
    let Some(chromium) = chromium() else { return };
    let site = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "s1", "url": "https://social.example/@team/s1?ref=herald&x=<1>"
        })))
        .mount(&site)
        .await;
    Mock::given(method("POST"))
        .and(path("/refuse"))
        .respond_with(ResponseTemplate::new(422).set_body_string("<script>alert('text too long')</script>"))
        .mount(&site)
        .await;
    let mut project = Project::new(
        "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"outbox\"\n\n\
         [[accounts]]\nname = \"site\"\nplatform = \"webhook\"\ntoken_env = \"HERALD_TEST_SITE\"\n\n\
         [[accounts]]\nname = \"refuse\"\nplatform = \"webhook\"\ntoken_env = \"HERALD_TEST_REFUSE\"\n\n\
         [[accounts]]\nname = \"mornings\"\nplatform = \"outbox\"\npath = \"mornings\"\nhours = { tue = \"09:00-10:00\" }\n\n\
         [publish]\nalerts = []\n",
    );
    project
        .env
        .push(("HERALD_TEST_SITE".into(), format!("{}/hook", site.uri())));
    project
        .env
        .push(("HERALD_TEST_REFUSE".into(), format!("{}/refuse", site.uri())));
    // Tuesday 1 December 2026 (GMT, so local times equal UTC).
    let on_time = project.post(
        "tea&cake",
        "2026-12-01T10:00:00",
        &["outbox", "site"],
        "Tea and cake at the clinic.",
    );
    let refused = project.post("refused", "2026-12-01T10:00:01", &["refuse"], "Too long.");
    let missed = project.post(
        "missed",
        "2026-12-01T10:00:02",
        &["mornings"],
        "Too late for mornings.",
    );
    let later = project.post(
        "pharmacy",
        "2026-12-03T14:30:00",
        &["outbox"],
        "Ask your pharmacist.",
    );
    project.post("draft", "2026-12-02T11:00:00", &["outbox"], "Not approved yet.");
    project.approve(&[&on_time, &refused, &missed, &later]);

    let mut daemon = project.start(utc("2026-12-01T09:59:58Z"), 1.0);
    daemon.ready().await;
    let settled = eventually(Duration::from_secs(30), || {
        let rows = project.rows();
        let count = |s: &str| rows.iter().filter(|r| r["state"] == s).count();
        count("sent") == 2 && count("failed") == 1 && count("missed") == 1
    })
    .await;
    assert!(settled, "{:#}\n{}", project.status(), daemon.logs());

    let url = format!("http://127.0.0.1:{}/", project.port);
    let dom = headless(&chromium, &["--dump-dom"], &url);
    assert!(dom.contains("<h1>herald status</h1>"), "{dom}");
    assert!(
        !dom.contains("<script"),
        "the page has no script, and nothing injected runs"
    );
    assert_eq!(
        texts(&dom, "<h2", "</h2>"),
        [
            "Office hours",
            "Messages for the team",
            "Upcoming publications",
            "Recently published",
            "Failed, missed and unknown",
            "Held",
            "Automatic replies",
            "Not answered automatically"
        ]
    );
    assert!(
        plain(&dom).contains("The team is open now, until 17:00 today. Reopens at 09:00 tomorrow."),
        "{dom}"
    );
    assert!(plain(&dom).contains("Running and healthy."), "{dom}");

    let mut published = table_rows(&dom, "Recently published");
    published.sort();
    assert_eq!(published.len(), 2, "{published:?}");
    assert_eq!(published[0][1..3], ["outbox", "tea&cake"]);
    assert_eq!(published[1][1..], ["site", "tea&cake", "tea&cake on site"]);
    assert!(
        published[1][0].starts_with("Tue 1 Dec 2026, 10:00"),
        "{published:?}"
    );
    // The live post's link, exactly as the platform gave it (escaped in the markup).
    assert!(
        dom.contains(
            "<a href=\"https://social.example/@team/s1?ref=herald&amp;x=%3C1%3E\">tea&amp;cake on site</a>"
        ),
        "{dom}"
    );

    let problems = table_rows(&dom, "Publications that failed");
    assert_eq!(problems.len(), 2, "{problems:?}");
    let failed = problems.iter().find(|r| r[2] == "refused").unwrap();
    assert_eq!(failed[3], "failed");
    assert!(
        failed[4].contains("answered 422 Unprocessable Entity") && failed[4].contains("<script>alert("),
        "the platform's words, shown as text: {failed:?}"
    );
    let missed = problems.iter().find(|r| r[2] == "missed").unwrap();
    assert_eq!(missed[3], "missed");
    assert!(
        missed[4].contains("outside the office hours of `mornings`"),
        "{missed:?}"
    );

    let upcoming = table_rows(&dom, "Publications due soon");
    assert_eq!(
        upcoming,
        [vec![
            "Thu 3 Dec 2026, 14:30".to_owned(),
            "outbox".to_owned(),
            "pharmacy".to_owned(),
            "scheduled".to_owned()
        ]]
    );
    let held = table_rows(&dom, "Files and posts that won");
    assert_eq!(held, [vec!["draft".to_owned(), "not approved".to_owned()]]);

    // On a phone: the page is no wider than the screen. Headless Chromium won't make a window
    // narrower than 500 pixels, so the page is laid out in a 360-pixel frame (same origin via
    // srcdoc) and a script in the outer page records how wide the framed document is.
    let client = herald::http::client().build().unwrap();
    let html = client.get(&url).send().await.unwrap().text().await.unwrap();
    let srcdoc = html
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let dir = tempfile::tempdir().unwrap();
    let harness = dir.path().join("phone.html");
    std::fs::write(
        &harness,
        format!(
            "<!DOCTYPE html><html><body style=\"margin:0\">\
             <iframe id=\"phone\" style=\"width:360px;height:800px;border:0\" srcdoc=\"{srcdoc}\"></iframe>\
             <script>window.addEventListener('load', () => {{\
               const d = document.getElementById('phone').contentDocument;\
               document.body.setAttribute('data-width', d.documentElement.scrollWidth);\
               document.body.setAttribute('data-viewport', d.documentElement.clientWidth);\
             }});</script></body></html>"
        ),
    )
    .unwrap();
    let phone = headless(
        &chromium,
        &["--dump-dom", "--virtual-time-budget=5000"],
        &format!("file://{}", harness.display()),
    );
    let attribute = |name: &str| -> u32 {
        phone
            .split(&format!("{name}=\""))
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no {name} recorded: {phone}"))
    };
    assert_eq!(attribute("data-viewport"), 360);
    let width = attribute("data-width");
    assert!(
        width <= 360,
        "the page is {width} pixels wide on a 360-pixel screen"
    );

    // A picture at phone width, for people to look at (target/status-page-phone.png).
    let shot = Path::new(env!("CARGO_TARGET_TMPDIR")).join("status-page-phone.png");
    headless(
        &chromium,
        &[
            &format!("--screenshot={}", shot.display()),
            "--window-size=360,2400",
        ],
        &url,
    );
    assert!(shot.is_file(), "Chromium wrote no screenshot");
    daemon.stop();
}
