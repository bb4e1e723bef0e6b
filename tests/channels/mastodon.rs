//! Mastodon: shapes from the Mastodon REST API documentation (entities Account, Status,
//! MediaAttachment, Notification, Conversation; errors `{"error": "…"}`).

use herald::channels::mastodon::Mastodon;
use herald::channels::secret::Secret;
use herald::channels::{Channel, ChannelError, InboundMessage, MessageKind, Reconciled};
use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    ALT_ONE, ALT_TWO, Content, body_has, json_body, minutes_ago, multipart_field, publication, requests_to,
};

const TOKEN: &str = "mastodon-token-9f8e7d";

fn account(id: &str, acct: &str, bot: bool) -> Value {
    json!({
        "id": id, "username": acct.split('@').next().unwrap(), "acct": acct,
        "display_name": "Example ICB", "locked": false, "bot": bot, "discoverable": true,
        "group": false, "created_at": "2023-01-01T00:00:00.000Z", "note": "",
        "url": format!("https://mastodon.example/@{acct}"), "avatar": "", "header": "",
        "followers_count": 10, "following_count": 1, "statuses_count": 5, "emojis": [], "fields": []
    })
}

fn status(id: &str, content: &str, visibility: &str, author: Value, created_at: &str) -> Value {
    json!({
        "id": id, "created_at": created_at, "in_reply_to_id": null, "in_reply_to_account_id": null,
        "sensitive": false, "spoiler_text": "", "visibility": visibility, "language": "en",
        "uri": format!("https://mastodon.example/users/example_icb/statuses/{id}"),
        "url": format!("https://mastodon.example/@example_icb/{id}"),
        "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
        "content": content, "reblog": null, "account": author,
        "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "card": null, "poll": null
    })
}

fn me() -> Value {
    account("109", "example_icb", false)
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(me()))
        .mount(&server)
        .await;
    server
}

fn channel(server: &MockServer) -> Mastodon {
    Mastodon::new("mastodon", &server.uri(), Secret::new(TOKEN)).unwrap()
}

#[tokio::test]
async fn verify_says_who_the_account_is() {
    let server = server().await;
    let identity = channel(&server).verify().await.unwrap();
    assert_eq!(identity.id, "109");
    assert_eq!(identity.handle, format!("@example_icb@{}", server.address()));
    assert_eq!(identity.display_name.as_deref(), Some("Example ICB"));
}

#[tokio::test]
async fn publishes_two_images_with_alt_text_under_an_idempotency_key() {
    let server = server().await;
    let content = Content::new();
    // The first image is processed at once (200); the second is still processing (202, url
    // null) and is polled until GET /api/v1/media/:id answers 200.
    Mock::given(method("POST"))
        .and(path("/api/v2/media"))
        .and(body_has(ALT_ONE))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "22", "type": "image", "url": "https://files.example/22.png",
            "preview_url": "https://files.example/22s.png", "description": ALT_ONE, "blurhash": "UFF"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v2/media"))
        .and(body_has(ALT_TWO))
        .respond_with(ResponseTemplate::new(202).set_body_json(json!({
            "id": "23", "type": "image", "url": null, "preview_url": null, "description": ALT_TWO
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/media/23"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "23", "type": "image", "url": "https://files.example/23.jpg", "description": ALT_TWO
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header(
            "Idempotency-Key",
            "2026-12/flu#mastodon@2026-12-01T10:00:00Z",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(status(
            "1101",
            "<p>Book your flu jab</p>",
            "public",
            me(),
            &minutes_ago(0),
        )))
        .expect(1)
        .mount(&server)
        .await;

    let mut p = publication("2026-12/flu#mastodon@2026-12-01T10:00:00Z", "Book your flu jab");
    p.images = content.two_images();
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, "1101");
    assert_eq!(
        published.url.as_deref(),
        Some("https://mastodon.example/@example_icb/1101")
    );

    let uploads = requests_to(&server, "POST", "/api/v2/media").await;
    assert_eq!(uploads.len(), 2);
    assert_eq!(
        multipart_field(&uploads[0], "description").as_deref(),
        Some(ALT_ONE)
    );
    assert!(String::from_utf8_lossy(&uploads[0].body).contains("filename=\"flu-jab.png\""));
    assert!(String::from_utf8_lossy(&uploads[0].body).contains("Content-Type: image/png"));
    let post = &requests_to(&server, "POST", "/api/v1/statuses").await[0];
    assert_eq!(
        json_body(post),
        json!({"status": "Book your flu jab", "media_ids": ["22", "23"], "visibility": "public"})
    );
    assert_eq!(post.headers["authorization"], format!("Bearer {TOKEN}").as_str());
}

#[tokio::test]
async fn a_video_carries_its_captions_as_a_transcript() {
    let server = server().await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path("/api/v2/media"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "31", "type": "video"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status(
            "1",
            "<p>Tour</p>",
            "public",
            me(),
            &minutes_ago(0),
        )))
        .mount(&server)
        .await;
    let mut p = publication("k", "Tour");
    p.videos = content.video();
    channel(&server).publish(&p).await.unwrap();
    let upload = &requests_to(&server, "POST", "/api/v2/media").await[0];
    assert_eq!(
        multipart_field(upload, "description").as_deref(),
        Some("Welcome to the clinic.")
    );
    assert!(String::from_utf8_lossy(&upload.body).contains("Content-Type: video/mp4"));
}

#[tokio::test]
async fn reshare_boosts_the_resolved_status() {
    let server = server().await;
    let original = "https://social.example/@nhsengland/112233";
    Mock::given(method("GET"))
        .and(path("/api/v2/search"))
        .and(query_param("q", original))
        .and(query_param("resolve", "true"))
        .and(query_param("type", "statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "accounts": [], "hashtags": [],
            "statuses": [status("555", "<p>Winter advice</p>", "public", account("7", "nhsengland@social.example", false), &minutes_ago(60))]
        })))
        .mount(&server)
        .await;
    let mut reblog = status("1200", "", "public", me(), &minutes_ago(0));
    reblog["reblog"] = status(
        "555",
        "<p>Winter advice</p>",
        "public",
        account("7", "nhsengland@social.example", false),
        &minutes_ago(60),
    );
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses/555/reblog"))
        .respond_with(ResponseTemplate::new(200).set_body_json(reblog))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "");
    p.reshare = Some(original.to_owned());
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, "1200");
}

#[tokio::test]
async fn reads_mentions_and_direct_messages_after_the_cursor_then_replies_keeping_visibility() {
    let server = server().await;
    let someone = account("200", "someone@other.example", false);
    let mut dm = status(
        "3002",
        "<p><span class=\"h-card\"><a href=\"https://mastodon.example/@example_icb\" class=\"u-url mention\">@<span>example_icb</span></a></span> I need my prescription</p>",
        "direct",
        someone.clone(),
        "2026-12-05T19:00:00.000Z",
    );
    dm["in_reply_to_id"] = Value::Null;
    let mention = status(
        "3001",
        "<p>@example_icb when is the clinic open?</p>",
        "public",
        someone.clone(),
        "2026-12-05T18:00:00.000Z",
    );
    // First read: no cursor. Mastodon answers newest first.
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .and(query_param("types[]", "mention"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "9002", "type": "mention", "created_at": "2026-12-05T19:00:00.000Z", "account": someone, "status": dm},
            {"id": "9001", "type": "mention", "created_at": "2026-12-05T18:00:00.000Z", "account": someone, "status": mention},
        ])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "77", "unread": true, "accounts": [someone], "last_status": dm},
        ])))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    let mastodon = channel(&server);
    let page = mastodon.read_inbox(None).await.unwrap();
    let got: Vec<(&str, MessageKind, Option<&str>, Option<&str>)> = page
        .messages
        .iter()
        .map(|m| {
            (
                m.id.as_str(),
                m.kind,
                m.visibility.as_deref(),
                m.conversation.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("3001", MessageKind::Mention, Some("public"), None),
            ("3002", MessageKind::Direct, Some("direct"), Some("77")),
        ]
    );
    assert_eq!(page.messages[1].text, "@example_icb I need my prescription");
    assert_eq!(page.messages[1].author.handle, "@someone@other.example");
    let cursor = page.cursor.unwrap();

    // Second read: the cursor's ids go back as min_id; nothing new.
    Mock::given(method("GET"))
        .and(path("/api/v1/notifications"))
        .and(query_param("min_id", "9002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/conversations"))
        .and(query_param("min_id", "3002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([])))
        .expect(1)
        .mount(&server)
        .await;
    let again = mastodon.read_inbox(Some(&cursor)).await.unwrap();
    assert!(again.messages.is_empty());
    assert_eq!(again.cursor, None, "an unchanged cursor is not returned");

    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(header("Idempotency-Key", "reply-3002"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status(
            "4000",
            "<p>reply</p>",
            "direct",
            me(),
            &minutes_ago(0),
        )))
        .expect(1)
        .mount(&server)
        .await;
    let message: InboundMessage = page.messages[1].clone();
    let sent = mastodon
        .reply(&message, "This is an automatic reply.", "reply-3002")
        .await
        .unwrap();
    assert_eq!(sent.id, "4000");
    let body = json_body(&requests_to(&server, "POST", "/api/v1/statuses").await[0]);
    assert_eq!(
        body,
        json!({"status": "@someone@other.example This is an automatic reply.", "in_reply_to_id": "3002", "visibility": "direct"})
    );
}

#[tokio::test]
async fn reconciles_by_the_accounts_recent_statuses() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/109/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            status(
                "1500",
                "<p>Book your flu jab today</p>",
                "public",
                me(),
                &minutes_ago(3)
            ),
            status("1400", "<p>Old post</p>", "public", me(), &minutes_ago(60)),
        ])))
        .mount(&server)
        .await;
    let mastodon = channel(&server);
    match mastodon
        .reconcile(&publication("k", "Book your flu jab today"))
        .await
        .unwrap()
    {
        Reconciled::Published(p) => assert_eq!(p.id, "1500"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        mastodon.reconcile(&publication("k", "Never sent")).await.unwrap(),
        Reconciled::NotPublished
    );
}

#[tokio::test]
async fn maps_errors_and_rate_limits() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(body_string_contains("blank"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_json(json!({"error": "Validation failed: Text can't be blank"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .and(body_string_contains("limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("X-RateLimit-Limit", "300")
                .insert_header("X-RateLimit-Remaining", "0")
                .insert_header(
                    "X-RateLimit-Reset",
                    (chrono::Utc::now() + chrono::Duration::minutes(30))
                        .to_rfc3339()
                        .as_str(),
                )
                .set_body_json(json!({"error": "Too many requests"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mastodon = channel(&server);
    let e = mastodon.publish(&publication("k", "blank")).await.unwrap_err();
    assert_eq!(
        e,
        ChannelError::Permanent {
            message: "mastodon answered 422: Validation failed: Text can't be blank".to_owned()
        }
    );
    match mastodon.publish(&publication("k", "limited")).await.unwrap_err() {
        ChannelError::Retryable { message, after } => {
            assert!(message.contains("429: Too many requests"), "{message}");
            let after = after.unwrap().as_secs();
            assert!((1790..=1800).contains(&after), "{after}");
        }
        other => panic!("{other:?}"),
    }

    let refused = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "The access token is invalid"})),
        )
        .mount(&refused)
        .await;
    let e = channel(&refused).verify().await.unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized { .. }), "{e:?}");
    assert!(e.to_string().contains("The access token is invalid"), "{e}");
}

#[tokio::test]
async fn a_server_error_is_retried_under_the_same_idempotency_key() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status(
            "1",
            "<p>Hi</p>",
            "public",
            me(),
            &minutes_ago(0),
        )))
        .mount(&server)
        .await;
    let published = channel(&server)
        .publish(&publication("same-key", "Hi"))
        .await
        .unwrap();
    assert_eq!(published.id, "1");
    let posts = requests_to(&server, "POST", "/api/v1/statuses").await;
    assert_eq!(posts.len(), 2);
    assert!(posts.iter().all(|p| p.headers["idempotency-key"] == "same-key"));
}

#[tokio::test]
async fn a_post_unanswered_within_the_configured_time_out_is_retried_under_its_key() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/statuses"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(status("1", "<p>Hi</p>", "public", me(), &minutes_ago(0)))
                .set_delay(std::time::Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    // `[publish] request_timeout_seconds` reaches the adapter: the platform's late answer is
    // not waited for. Mastodon's idempotency key makes trying again safe.
    let e = channel(&server)
        .with_request_timeout(std::time::Duration::from_millis(500))
        .publish(&publication("slow", "Hi"))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, ChannelError::Retryable { message, .. } if message.contains("timed out")),
        "{e:?}"
    );
    let posts = requests_to(&server, "POST", "/api/v1/statuses").await;
    assert!(!posts.is_empty());
    assert!(posts.iter().all(|p| p.headers["idempotency-key"] == "slow"));
}
