//! X API v2: shapes from X's OpenAPI document (TweetCreateRequest/Response, MediaUploadResponse,
//! MetadataCreateRequest, Get2UsersIdMentionsResponse, Get2DmEventsResponse,
//! CreateDmEventResponse; errors as Problem `{"title", "detail", "type", "status"}`; rate limits
//! in `x-rate-limit-*`) and the OAuth 2.0 token endpoint.

use herald::channels::secret::Secret;
use herald::channels::x::{Refresh, X};
use herald::channels::{Channel, ChannelError, MessageKind, Reconciled};
use serde_json::json;
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    ALT_ONE, ALT_TWO, Content, body_has, form_field, json_body, minutes_ago, multipart_field, publication,
    requests_to,
};

const ME: &str = "1580000000000000001";

async fn server(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(header("authorization", format!("Bearer {token}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": ME, "name": "Example ICB", "username": "ExampleICB"}
        })))
        .mount(&server)
        .await;
    server
}

fn channel(server: &MockServer, token: &str) -> X {
    X::new("x", &server.uri(), Some(Secret::new(token)), None).unwrap()
}

#[tokio::test]
async fn publishes_two_images_with_alt_text_through_media_metadata() {
    let server = server("user-token").await;
    let content = Content::new();
    for (n, needle) in [("1", "flu-jab.png"), ("2", "poster.jpg")] {
        Mock::given(method("POST"))
            .and(path("/2/media/upload"))
            .and(body_has(needle))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "data": {"id": format!("188000000000000000{n}"), "media_key": format!("3_188000000000000000{n}"),
                         "size": 67, "expires_after_secs": 86400}
            })))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/2/media/metadata"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": {"id": "1880000000000000001", "associated_metadata": {"alt_text": {"text": ALT_ONE}}}
        })))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(header("authorization", "Bearer user-token"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": {"id": "1880000000000000099", "text": "Book your flu jab"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "Book your flu jab");
    p.images = content.two_images();
    let published = channel(&server, "user-token").publish(&p).await.unwrap();
    assert_eq!(published.id, "1880000000000000099");
    assert_eq!(
        published.url.as_deref(),
        Some("https://x.com/ExampleICB/status/1880000000000000099")
    );

    let uploads = requests_to(&server, "POST", "/2/media/upload").await;
    assert_eq!(
        multipart_field(&uploads[0], "media_category").as_deref(),
        Some("tweet_image")
    );
    assert_eq!(
        multipart_field(&uploads[0], "media_type").as_deref(),
        Some("image/png")
    );
    let metadata: Vec<_> = requests_to(&server, "POST", "/2/media/metadata")
        .await
        .iter()
        .map(json_body)
        .collect();
    assert_eq!(
        metadata,
        vec![
            json!({"id": "1880000000000000001", "metadata": {"alt_text": {"text": ALT_ONE}}}),
            json!({"id": "1880000000000000002", "metadata": {"alt_text": {"text": ALT_TWO}}}),
        ]
    );
    let tweet = json_body(&requests_to(&server, "POST", "/2/tweets").await[0]);
    assert_eq!(
        tweet,
        json!({"text": "Book your flu jab", "media": {"media_ids": ["1880000000000000001", "1880000000000000002"]}})
    );
}

#[tokio::test]
async fn a_video_is_uploaded_in_chunks_with_its_subtitles() {
    let server = server("t").await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path("/2/media/upload/initialize"))
        .and(body_partial_json(
            json!({"media_category": "tweet_video", "media_type": "video/mp4"}),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"data": {"id": "77", "media_key": "7_77", "expires_after_secs": 86400}}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/upload/77/append"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": {"expires_at": 1}})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/upload/77/finalize"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "77", "media_key": "7_77",
            "processing_info": {"state": "succeeded", "progress_percent": 100}}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/upload"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"data": {"id": "78", "media_key": "0_78"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/media/subtitles"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"data": {"id": "77", "media_category": "TweetVideo", "associated_subtitles": []}}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"data": {"id": "99", "text": "Tour"}})))
        .mount(&server)
        .await;
    let mut p = publication("k", "Tour");
    p.videos = content.video();
    channel(&server, "t").publish(&p).await.unwrap();
    let subtitles = &requests_to(&server, "POST", "/2/media/upload").await[0];
    assert_eq!(
        multipart_field(subtitles, "media_category").as_deref(),
        Some("subtitles")
    );
    assert_eq!(
        multipart_field(subtitles, "media_type").as_deref(),
        Some("text/vtt")
    );
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/2/media/subtitles").await[0]),
        json!({"id": "77", "media_category": "TweetVideo",
               "subtitles": {"id": "78", "language_code": "EN", "display_name": "English"}})
    );
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/2/tweets").await[0])["media"],
        json!({"media_ids": ["77"]})
    );
}

#[tokio::test]
async fn a_refused_token_is_refreshed_and_the_rotated_refresh_token_saved() {
    let server = server("fresh-access").await;
    Mock::given(method("GET"))
        .and(path("/2/users/me"))
        .and(header("authorization", "Bearer stale-access"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/oauth2/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "token_type": "bearer", "expires_in": 7200, "access_token": "fresh-access",
            "scope": "tweet.read tweet.write users.read dm.read dm.write offline.access",
            "refresh_token": "rotated-refresh"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x-refresh-token");
    std::fs::write(&file, "first-refresh\n").unwrap();
    let x = X::new(
        "x",
        &server.uri(),
        Some(Secret::new("stale-access")),
        Some(Refresh {
            client_id: "client-abc".to_owned(),
            client_secret: Some(Secret::new("client-secret-xyz")),
            file: file.clone(),
        }),
    )
    .unwrap();
    let identity = x.verify().await.unwrap();
    assert_eq!(identity.handle, "@ExampleICB");
    let token = &requests_to(&server, "POST", "/2/oauth2/token").await[0];
    assert_eq!(form_field(token, "grant_type").as_deref(), Some("refresh_token"));
    assert_eq!(
        form_field(token, "refresh_token").as_deref(),
        Some("first-refresh")
    );
    assert_eq!(form_field(token, "client_id").as_deref(), Some("client-abc"));
    assert!(
        token.headers["authorization"]
            .to_str()
            .unwrap()
            .starts_with("Basic ")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "rotated-refresh\n");
}

#[tokio::test]
async fn reshare_retweets() {
    let server = server("t").await;
    Mock::given(method("POST"))
        .and(path(format!("/2/users/{ME}/retweets")))
        .and(body_partial_json(json!({"tweet_id": "1864000000000000001"})))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"retweeted": true, "rest_id": "1890000000000000000"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "");
    p.reshare = Some("https://x.com/NHSEngland/status/1864000000000000001".to_owned());
    let published = channel(&server, "t").publish(&p).await.unwrap();
    assert_eq!(published.id, "1864000000000000001");
}

#[tokio::test]
async fn reads_mentions_with_since_id_and_direct_messages_and_replies_in_kind() {
    let server = server("t").await;
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/mentions")))
        .and(query_param("since_id", "1870000000000000000"))
        .and(query_param("expansions", "author_id"))
        .and(query_param(
            "tweet.fields",
            "created_at,author_id,conversation_id,in_reply_to_user_id,entities",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"id": "1870000000000000005", "text": "@ExampleICB @NHSEngland @someone @BBCNews is the pharmacy open?",
                 "author_id": "42", "created_at": "2026-12-05T19:00:00.000Z", "conversation_id": "1870000000000000005",
                 "entities": {"mentions": [
                     {"start": 0, "end": 11, "username": "ExampleICB", "id": ME},
                     {"start": 12, "end": 23, "username": "NHSEngland", "id": "77"},
                     {"start": 24, "end": 32, "username": "someone", "id": "42"},
                     {"start": 33, "end": 41, "username": "BBCNews", "id": "78"},
                     {"start": 42, "end": 50, "username": "unresolved"}
                 ]}}
            ],
            "includes": {"users": [{"id": "42", "name": "Someone", "username": "someone"}]},
            "meta": {"newest_id": "1870000000000000005", "oldest_id": "1870000000000000005", "result_count": 1}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/2/dm_events"))
        .and(query_param("event_types", "MessageCreate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"id": "1870000000000000300", "event_type": "MessageCreate", "text": "Thanks, bye", "sender_id": ME,
                 "created_at": "2026-12-05T20:05:00.000Z", "dm_conversation_id": "42-1580000000000000001"},
                {"id": "1870000000000000200", "event_type": "MessageCreate", "text": "I need to complain", "sender_id": "42",
                 "created_at": "2026-12-05T20:00:00.000Z", "dm_conversation_id": "42-1580000000000000001"},
                {"id": "1870000000000000100", "event_type": "MessageCreate", "text": "already seen", "sender_id": "42",
                 "created_at": "2026-12-05T18:00:00.000Z", "dm_conversation_id": "42-1580000000000000001"}
            ],
            "includes": {"users": [{"id": "42", "name": "Someone", "username": "someone"}]},
            "meta": {"result_count": 3}
        })))
        .mount(&server)
        .await;
    let x = channel(&server, "t");
    let cursor = r#"{"dm":"1870000000000000100","mentions":"1870000000000000000"}"#;
    let page = x.read_inbox(Some(cursor)).await.unwrap();
    let got: Vec<(&str, MessageKind, &str)> = page
        .messages
        .iter()
        .map(|m| (m.id.as_str(), m.kind, m.author.handle.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("1870000000000000005", MessageKind::Mention, "@someone"),
            ("1870000000000000200", MessageKind::Direct, "@someone"),
        ]
    );
    let next: serde_json::Value = serde_json::from_str(page.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        next,
        json!({"dm": "1870000000000000300", "mentions": "1870000000000000005"})
    );

    Mock::given(method("POST"))
        .and(path("/2/dm_conversations/42-1580000000000000001/messages"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": {"dm_conversation_id": "42-1580000000000000001", "dm_event_id": "1870000000000000400"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"data": {"id": "1870000000000000500", "text": "reply"}})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let dm = x
        .reply(&page.messages[1], "This is an automatic reply.", "r1")
        .await
        .unwrap();
    assert_eq!(dm.id, "1870000000000000400");
    assert_eq!(
        json_body(
            &requests_to(
                &server,
                "POST",
                "/2/dm_conversations/42-1580000000000000001/messages"
            )
            .await[0]
        ),
        json!({"text": "This is an automatic reply."})
    );
    x.reply(&page.messages[0], "This is an automatic reply.", "r2")
        .await
        .unwrap();
    assert_eq!(
        json_body(&requests_to(&server, "POST", "/2/tweets").await[0]),
        json!({"text": "This is an automatic reply.", "reply": {
            "in_reply_to_tweet_id": "1870000000000000005",
            // The others the person tagged aren't pulled into the reply and notified.
            "exclude_reply_user_ids": ["77", "78"]
        }})
    );
}

#[tokio::test]
async fn reconciles_from_recent_posts() {
    let server = server("t").await;
    Mock::given(method("GET"))
        .and(path(format!("/2/users/{ME}/tweets")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [
                {"id": "1", "text": "Book your flu jab https://t.co/abc123", "created_at": minutes_ago(2)},
                {"id": "2", "text": "RT @NHSEngland: Winter advice", "created_at": minutes_ago(5),
                 "referenced_tweets": [{"type": "retweeted", "id": "1864000000000000001"}]}
            ],
            "meta": {"result_count": 2, "newest_id": "1", "oldest_id": "2"}
        })))
        .mount(&server)
        .await;
    let x = channel(&server, "t");
    let found = x
        .reconcile(&publication("k", "Book your flu jab https://www.nhs.uk/flu"))
        .await
        .unwrap();
    assert!(
        matches!(found, Reconciled::Published(ref p) if p.id == "1"),
        "{found:?}"
    );
    let mut reshare = publication("k", "");
    reshare.reshare = Some("https://x.com/NHSEngland/status/1864000000000000001".to_owned());
    assert!(matches!(
        x.reconcile(&reshare).await.unwrap(),
        Reconciled::Published(_)
    ));
    assert_eq!(
        x.reconcile(&publication("k", "Something else")).await.unwrap(),
        Reconciled::NotPublished
    );
}

#[tokio::test]
async fn maps_rate_limits_refusals_and_unknown_outcomes() {
    let server = server("t").await;
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(900))
        .timestamp()
        .to_string();
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(body_has("limited"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-rate-limit-limit", "100")
                .insert_header("x-rate-limit-remaining", "0")
                .insert_header("x-rate-limit-reset", reset.as_str())
                .set_body_json(json!({"title": "Too Many Requests", "detail": "Too Many Requests", "type": "about:blank", "status": 429})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(body_has("duplicate"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "detail": "You are not allowed to create a Tweet with duplicate content.",
            "type": "about:blank", "title": "Forbidden", "status": 403
        })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/2/tweets"))
        .and(body_has("gateway"))
        .respond_with(ResponseTemplate::new(504))
        .expect(1)
        .mount(&server)
        .await;
    let x = channel(&server, "t");
    match x.publish(&publication("k", "limited")).await.unwrap_err() {
        ChannelError::Retryable { after, message } => {
            assert_eq!(message, "x answered 429: Too Many Requests");
            assert!((895..=900).contains(&after.unwrap().as_secs()));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        x.publish(&publication("k", "duplicate")).await.unwrap_err(),
        ChannelError::Permanent {
            message:
                "x answered 403: Forbidden: You are not allowed to create a Tweet with duplicate content."
                    .to_owned()
        }
    );
    // A post has no idempotency key on X: a gateway time-out after sending is an unknown
    // outcome, sent once and never retried here.
    assert!(matches!(
        x.publish(&publication("k", "gateway")).await.unwrap_err(),
        ChannelError::Unknown { .. }
    ));
}
