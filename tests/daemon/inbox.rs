//! Out-of-hours automatic replies, end to end: the real `herald run` on a simulated clock reads a
//! fake Mastodon (wiremock serving notifications, conversations and statuses shaped as Mastodon
//! documents them, honouring `min_id` and `Idempotency-Key`) and alerts through a webhook.
//!
//! Saturday: a medical question gets one reply naming Monday 09:00 and the medical route; the
//! same person's second mention that weekend gets none; a direct message gets a direct reply; a
//! bot, the team's other account, an abusive message, an automatic reply and the backlog get none.
//! A kill -9 and a restart send no duplicates and skip nothing. Monday in office hours: a crisis
//! message gets the crisis reply and the team is alerted; an ordinary one is listed for the team.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::*;

pub(super) const TEAM_TOKEN: &str = "team-token-1a2b";
const TRUST_TOKEN: &str = "trust-token-3c4d";

pub(super) fn account(id: &str, acct: &str, bot: bool) -> Value {
    json!({
        "id": id, "username": acct.split('@').next().unwrap(), "acct": acct,
        "display_name": acct, "locked": false, "bot": bot, "discoverable": true, "group": false,
        "created_at": "2023-01-01T00:00:00.000Z", "note": "",
        "url": format!("https://mastodon.example/@{acct}"), "avatar": "", "header": "",
        "followers_count": 1, "following_count": 1, "statuses_count": 1, "emojis": [], "fields": []
    })
}

fn status(id: &str, text: &str, visibility: &str, author: &Value, created_at: &str) -> Value {
    json!({
        "id": id, "created_at": created_at, "in_reply_to_id": null, "in_reply_to_account_id": null,
        "sensitive": false, "spoiler_text": "", "visibility": visibility, "language": "en",
        "uri": format!("https://mastodon.example/users/x/statuses/{id}"),
        "url": format!("https://mastodon.example/@x/{id}"),
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
        "content": format!("<p><span class=\"h-card\"><a href=\"https://mastodon.example/@example_icb\" class=\"u-url mention\">@<span>example_icb</span></a></span> {text}</p>"),
        "reblog": null, "account": author, "media_attachments": [], "mentions": [], "tags": [],
        "emojis": [], "card": null, "poll": null
    })
}

/// The fake server's state: what the team account's notifications and conversations hold.
#[derive(Default)]
struct Inbox {
    notifications: Vec<Value>,
    conversations: Vec<Value>,
}

#[derive(Clone, Default)]
pub(super) struct Fake(Arc<Mutex<Inbox>>);

fn id_of(v: &Value) -> u64 {
    v["id"].as_str().unwrap().parse().unwrap()
}

fn min_id(request: &Request) -> u64 {
    request
        .url
        .query_pairs()
        .find(|(k, _)| k == "min_id")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0)
}

fn is_team(request: &Request) -> bool {
    request
        .headers
        .get("authorization")
        .is_some_and(|v| v.to_str().unwrap_or("") == format!("Bearer {TEAM_TOKEN}"))
}

/// `GET /api/v1/notifications`: the 40 right after `min_id`, newest first (as Mastodon pages).
struct Notifications(Fake);

impl Respond for Notifications {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !is_team(request) {
            return ResponseTemplate::new(200).set_body_json(json!([]));
        }
        let after = min_id(request);
        let inbox = self.0.0.lock().unwrap();
        let mut page: Vec<Value> = inbox
            .notifications
            .iter()
            .filter(|n| id_of(n) > after)
            .cloned()
            .collect();
        page.sort_by_key(id_of);
        page.truncate(40);
        page.reverse();
        ResponseTemplate::new(200).set_body_json(Value::Array(page))
    }
}

/// `GET /api/v1/conversations`: those whose last status is after `min_id`.
struct Conversations(Fake);

impl Respond for Conversations {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if !is_team(request) {
            return ResponseTemplate::new(200).set_body_json(json!([]));
        }
        let after = min_id(request);
        let inbox = self.0.0.lock().unwrap();
        let page: Vec<Value> = inbox
            .conversations
            .iter()
            .filter(|c| id_of(&c["last_status"]) > after)
            .cloned()
            .collect();
        ResponseTemplate::new(200).set_body_json(Value::Array(page))
    }
}

/// `GET /api/v1/accounts/verify_credentials`: who each token is.
struct Me;

impl Respond for Me {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        if is_team(request) {
            ResponseTemplate::new(200).set_body_json(account("109", "example_icb", false))
        } else {
            ResponseTemplate::new(200).set_body_json(account("110", "example_trust", false))
        }
    }
}

/// `POST /api/v1/statuses`: a new status, or the same one again for a repeated
/// `Idempotency-Key` (as Mastodon does).
#[derive(Default)]
struct Post(Mutex<HashMap<String, u64>>);

impl Respond for Post {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap();
        let key = request
            .headers
            .get("idempotency-key")
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let mut keys = self.0.lock().unwrap();
        let next = 9000 + keys.len() as u64;
        let id = *keys.entry(key).or_insert(next);
        let mut s = status(
            &id.to_string(),
            body["status"].as_str().unwrap(),
            body["visibility"].as_str().unwrap_or("public"),
            &account("109", "example_icb", false),
            "2026-12-05T10:00:00.000Z",
        );
        s["in_reply_to_id"] = body["in_reply_to_id"].clone();
        ResponseTemplate::new(200).set_body_json(s)
    }
}

impl Fake {
    pub(super) fn mention(&self, id: u64, from: &Value, text: &str, at: &str) {
        let s = status(&id.to_string(), text, "public", from, at);
        self.0.lock().unwrap().notifications.push(json!({
            "id": id.to_string(), "type": "mention", "created_at": at, "account": from, "status": s
        }));
    }

    /// A direct message: a mention notification and a conversation, as Mastodon shows it.
    fn direct(&self, id: u64, from: &Value, text: &str, at: &str) {
        let s = status(&id.to_string(), text, "direct", from, at);
        let mut inbox = self.0.lock().unwrap();
        inbox.notifications.push(json!({
            "id": id.to_string(), "type": "mention", "created_at": at, "account": from, "status": s
        }));
        inbox.conversations.push(json!({
            "id": format!("c{id}"), "unread": true, "accounts": [from], "last_status": s
        }));
    }
}

pub(super) async fn mastodon(fake: &Fake) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(Me)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .respond_with(Notifications(fake.clone()))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(Conversations(fake.clone()))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(Post::default())
        .mount(&server)
        .await;
    server
}

/// The statuses herald posted, as (in_reply_to_id, status text, visibility).
pub(super) async fn replies(server: &MockServer) -> Vec<(String, String, String)> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/api/v1/statuses")
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            (
                body["in_reply_to_id"].as_str().unwrap_or_default().to_owned(),
                body["status"].as_str().unwrap_or_default().to_owned(),
                body["visibility"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

fn to(replies: &[(String, String, String)], id: &str) -> Vec<(String, String)> {
    replies
        .iter()
        .filter(|(to, _, _)| to == id)
        .map(|(_, text, visibility)| (text.clone(), visibility.clone()))
        .collect()
}

/// The inbox's records in `herald status --format json`, by message id: (action, rule).
fn decisions(project: &Project) -> HashMap<String, (String, String)> {
    let status = project.status();
    let mut out = HashMap::new();
    for list in ["skipped", "for_team"] {
        for m in status["inbox"][list].as_array().cloned().unwrap_or_default() {
            out.insert(
                m["message_id"].as_str().unwrap().to_owned(),
                (
                    m["action"].as_str().unwrap().to_owned(),
                    m["rule"].as_str().unwrap().to_owned(),
                ),
            );
        }
    }
    for r in status["inbox"]["replies"].as_array().cloned().unwrap_or_default() {
        out.entry(r["message_id"].as_str().unwrap().to_owned())
            .or_insert(("reply".to_owned(), r["purpose"].as_str().unwrap().to_owned()));
    }
    out
}

#[tokio::test]
async fn answers_out_of_hours_once_and_never_the_wrong_people_across_restarts() {
    let fake = Fake::default();
    let server = mastodon(&fake).await;
    let alerts = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&alerts)
        .await;
    let accounts = r#"[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "BASE"
token_env = "HERALD_TEST_TEAM_TOKEN"

[[accounts]]
name = "trust"
platform = "mastodon"
base_url = "BASE"
token_env = "HERALD_TEST_TRUST_TOKEN"

[[accounts]]
name = "alerts"
platform = "webhook"
token_env = "HERALD_TEST_ALERTS_URL"

[publish]
alerts = ["alerts"]
request_timeout_seconds = 5

[inbox]
poll_seconds = 1
"#
    .replace("BASE", &server.uri());
    let mut project = Project::new(&accounts);
    project
        .env
        .push(("HERALD_TEST_TEAM_TOKEN".into(), TEAM_TOKEN.into()));
    project
        .env
        .push(("HERALD_TEST_TRUST_TOKEN".into(), TRUST_TOKEN.into()));
    project.env.push((
        "HERALD_TEST_ALERTS_URL".into(),
        format!("{}/alerts", alerts.uri()),
    ));
    project.write("content/replies.toml", include_str!("../../content/replies.toml"));

    let pat = account("201", "pat@people.example", false);
    let robot = account("202", "weather@bots.example", true);
    let trust = account("110", "example_trust", false);
    let angry = account("203", "angry@people.example", false);
    let dm = account("204", "dana@people.example", false);
    let auto = account("205", "away@people.example", false);
    let old = account("206", "old@people.example", false);
    // Already there when herald first reads the inbox.
    fake.mention(100, &old, "Hello from last week", "2026-12-05T09:00:00.000Z");

    // Saturday 5 December 2026, 10:00 (GMT): the team is away until 09:00 on Monday.
    let saturday = utc("2026-12-05T10:00:00Z");
    let mut daemon = project.start(saturday, 1.0);
    daemon.ready().await;
    fake.mention(
        101,
        &pat,
        "Hi, can I get a GP appointment for my back pain?",
        "2026-12-05T10:00:01.000Z",
    );
    fake.mention(
        102,
        &robot,
        "Weather update: rain all day",
        "2026-12-05T10:00:01.000Z",
    );
    fake.mention(
        103,
        &trust,
        "Our new clinic opens on Monday",
        "2026-12-05T10:00:01.000Z",
    );
    fake.mention(
        104,
        &angry,
        "You lot are fucking useless",
        "2026-12-05T10:00:01.000Z",
    );
    fake.direct(
        105,
        &dm,
        "Where do I send a Freedom of Information request?",
        "2026-12-05T10:00:02.000Z",
    );
    fake.mention(
        106,
        &auto,
        "Out of office: I'm away until Monday",
        "2026-12-05T10:00:02.000Z",
    );

    assert!(
        eventually(Duration::from_secs(20), || {
            let d = decisions(&project);
            (100..=106).all(|id| d.contains_key(&id.to_string()))
        })
        .await,
        "{:?}\n{}",
        decisions(&project),
        daemon.logs()
    );
    for _ in 0..100 {
        if replies(&server).await.len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = replies(&server).await;
    assert_eq!(sent.len(), 2, "{sent:#?}");
    let to_pat = to(&sent, "101");
    assert_eq!(to_pat.len(), 1);
    let (text, visibility) = &to_pat[0];
    assert_eq!(visibility, "public");
    assert!(
        text.starts_with("@pat@people.example Thanks for your message. This is an automatic reply"),
        "{text}"
    );
    assert!(
        text.contains("away until 09:00 on Monday 7 December 2026."),
        "{text}"
    );
    assert!(text.contains("Contact your GP practice, or NHS 111"), "{text}");
    assert!(!text.contains("back pain"), "never echoes the message: {text}");
    let to_dana = to(&sent, "105");
    assert_eq!(to_dana.len(), 1, "one reply though it was in both lists");
    assert_eq!(to_dana[0].1, "direct");
    assert!(
        to_dana[0].0.contains("foi@example-icb.nhs.uk"),
        "{}",
        to_dana[0].0
    );

    let d = decisions(&project);
    let rule = |id: u64| d.get(&id.to_string()).cloned().unwrap_or_default();
    assert_eq!(rule(100), ("skip".into(), "backlog".into()));
    assert_eq!(rule(102), ("skip".into(), "bot".into()));
    assert_eq!(rule(103), ("skip".into(), "own-account".into()));
    assert_eq!(rule(104), ("flag".into(), "abusive".into()));
    assert_eq!(rule(106), ("skip".into(), "automatic".into()));

    // The same person again that weekend: no second reply.
    fake.mention(
        107,
        &pat,
        "Any news on my appointment?",
        "2026-12-05T10:00:10.000Z",
    );
    assert!(
        eventually(Duration::from_secs(20), || decisions(&project)
            .contains_key("107"))
        .await,
        "{}",
        daemon.logs()
    );
    assert_eq!(
        decisions(&project)["107"],
        ("skip".to_owned(), "answered-in-period".to_owned())
    );

    // kill -9, a mention while herald is down, and a restart an hour later.
    daemon.kill();
    let sam = account("207", "sam@people.example", false);
    fake.mention(
        108,
        &sam,
        "How do I make a complaint?",
        "2026-12-05T10:30:00.000Z",
    );
    let before_restart = server.received_requests().await.unwrap_or_default().len();
    let mut daemon = project.start(utc("2026-12-05T11:00:00Z"), 1.0);
    daemon.ready().await;
    assert!(
        eventually(Duration::from_secs(20), || decisions(&project)
            .contains_key("108"))
        .await,
        "{}",
        daemon.logs()
    );
    for _ in 0..100 {
        if !to(&replies(&server).await, "108").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // A few more polls: nothing is answered twice.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let sent = replies(&server).await;
    assert_eq!(sent.len(), 3, "{sent:#?}");
    assert!(to(&sent, "108")[0].0.contains("To make a complaint"));
    // The first read after the restart went on from the stored cursor: nothing re-read.
    let requests = server.received_requests().await.unwrap_or_default();
    let first_read = requests[before_restart..]
        .iter()
        .find(|r| r.url.path() == "/api/v1/notifications" && is_team(r))
        .expect("a read after the restart");
    assert_eq!(min_id(first_read), 107, "{}", first_read.url);
    // The metrics count this run's decisions and say when the inbox was last read.
    let metrics = herald::http::client()
        .build()
        .unwrap()
        .get(format!("http://127.0.0.1:{}/metrics", project.port))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("herald_replies_total{account=\"mastodon\",reason=\"closed\"}"),
        "{metrics}"
    );
    assert!(
        metrics.contains("herald_inbox_last_poll_timestamp_seconds{account=\"mastodon\"}"),
        "{metrics}"
    );
    daemon.stop();

    // Monday 7 December, 10:30: office hours.
    let mut daemon = project.start(utc("2026-12-07T10:30:00Z"), 1.0);
    daemon.ready().await;
    let kim = account("208", "kim@people.example", false);
    let lee = account("209", "lee@people.example", false);
    fake.mention(
        109,
        &kim,
        "I can't cope any more, I want to end my life",
        "2026-12-07T10:30:01.000Z",
    );
    fake.mention(
        110,
        &lee,
        "Can I get a GP appointment?",
        "2026-12-07T10:30:01.000Z",
    );
    assert!(
        eventually(Duration::from_secs(20), || {
            let d = decisions(&project);
            d.contains_key("109") && d.contains_key("110")
        })
        .await,
        "{}",
        daemon.logs()
    );
    for _ in 0..100 {
        if !to(&replies(&server).await, "109").is_empty()
            && requests_with(&alerts, "event", "crisis").await > 0
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let sent = replies(&server).await;
    let crisis = to(&sent, "109");
    assert_eq!(crisis.len(), 1, "{sent:#?}");
    assert!(
        crisis[0].0.contains("Samaritans free, day or night, on 116 123"),
        "{}",
        crisis[0].0
    );
    assert!(to(&sent, "110").is_empty(), "office hours: no automatic reply");
    assert_eq!(requests_with(&alerts, "event", "crisis").await, 1);
    assert_eq!(requests_with(&alerts, "message_id", "109").await, 1);

    let status = project.status();
    let for_team: Vec<(String, String)> = status["inbox"]["for_team"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["message_id"].as_str().unwrap().to_owned(),
                m["rule"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        for_team.contains(&("109".into(), "crisis".into())),
        "{for_team:?}"
    );
    assert!(for_team.contains(&("110".into(), "open".into())), "{for_team:?}");
    assert!(
        for_team.contains(&("104".into(), "abusive".into())),
        "{for_team:?}"
    );
    let crisis_row = status["inbox"]["for_team"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["message_id"] == "109")
        .unwrap()
        .clone();
    assert!(crisis_row["alerted_at"].is_string(), "{crisis_row}");
    assert_eq!(
        status["inbox"]["replies"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["state"] == "sent")
            .count(),
        4
    );
    // The text report shows the same.
    let text = project.command().arg("status").output().unwrap();
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Automatic replies (4)"), "{text}");
    assert!(text.contains("For the team"), "{text}");
    assert!(!text.contains(TEAM_TOKEN) && !daemon.logs().contains(TEAM_TOKEN));
    daemon.stop();
}
