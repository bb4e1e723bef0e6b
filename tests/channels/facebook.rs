//! Facebook Pages: Graph API shapes (Page feed/photos/videos/conversations/messages, comments;
//! errors `{"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}`; usage in
//! `X-App-Usage` and `X-Business-Use-Case-Usage`).

use herald::channels::facebook::Facebook;
use herald::channels::secret::Secret;
use herald::channels::{Channel, ChannelError, MessageKind, Reconciled};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{
    ALT_ONE, ALT_TWO, Content, body_has, form_body, form_field, json_body, multipart_field, publication,
    requests_to,
};

const PAGE: &str = "111222333444";
const TOKEN: &str = "EAAGpagetoken0123456789";

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v23.0/me"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header(
                    "X-App-Usage",
                    r#"{"call_count":12,"total_cputime":3,"total_time":4}"#,
                )
                .set_body_json(json!({"id": PAGE, "name": "Example ICB", "username": "ExampleICB"})),
        )
        .mount(&server)
        .await;
    server
}

fn channel(server: &MockServer) -> Facebook {
    Facebook::new("facebook", &server.uri(), "v23.0", PAGE, Secret::new(TOKEN)).unwrap()
}

#[tokio::test]
async fn verify_checks_the_token_is_the_pages() {
    let server = server().await;
    let identity = channel(&server).verify().await.unwrap();
    assert_eq!(
        (identity.id.as_str(), identity.handle.as_str()),
        (PAGE, "ExampleICB")
    );
    let other = Facebook::new("facebook", &server.uri(), "v23.0", "999", Secret::new(TOKEN)).unwrap();
    let e = other.verify().await.unwrap_err();
    assert!(matches!(e, ChannelError::Unauthorized { .. }));
    assert!(e.to_string().contains("not the Page 999"), "{e}");
}

#[tokio::test]
async fn publishes_two_unpublished_photos_with_alt_text_attached_to_one_post() {
    let server = server().await;
    let content = Content::new();
    for (id, alt) in [("9001", ALT_ONE), ("9002", ALT_TWO)] {
        Mock::given(method("POST"))
            .and(path(format!("/v23.0/{PAGE}/photos")))
            .and(body_has(alt))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": id})))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": format!("{PAGE}_5555")})))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "Book your flu jab");
    p.images = content.two_images();
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, format!("{PAGE}_5555"));
    assert_eq!(
        published.url.as_deref(),
        Some(format!("https://www.facebook.com/{PAGE}/posts/5555").as_str())
    );
    let photos = requests_to(&server, "POST", &format!("/v23.0/{PAGE}/photos")).await;
    assert_eq!(multipart_field(&photos[0], "published").as_deref(), Some("false"));
    assert_eq!(
        multipart_field(&photos[0], "alt_text_custom").as_deref(),
        Some(ALT_ONE)
    );
    assert_eq!(
        multipart_field(&photos[1], "alt_text_custom").as_deref(),
        Some(ALT_TWO)
    );
    let feed = &requests_to(&server, "POST", &format!("/v23.0/{PAGE}/feed")).await[0];
    assert_eq!(
        form_body(feed),
        vec![
            ("message".to_owned(), "Book your flu jab".to_owned()),
            (
                "attached_media[0]".to_owned(),
                r#"{"media_fbid":"9001"}"#.to_owned()
            ),
            (
                "attached_media[1]".to_owned(),
                r#"{"media_fbid":"9002"}"#.to_owned()
            ),
        ]
    );
}

#[tokio::test]
async fn a_link_post_and_a_reshare_go_to_the_feed_with_the_link() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": format!("{PAGE}_1")})))
        .expect(2)
        .mount(&server)
        .await;
    let facebook = channel(&server);
    let mut link = publication("k", "Who can get the flu vaccine");
    link.link = Some("https://www.nhs.uk/vaccinations/flu-vaccine/".to_owned());
    facebook.publish(&link).await.unwrap();
    let mut reshare = publication("k", "");
    reshare.reshare = Some("https://www.facebook.com/NHSEngland/posts/pfbid0abc".to_owned());
    facebook.publish(&reshare).await.unwrap();
    let feed = requests_to(&server, "POST", &format!("/v23.0/{PAGE}/feed")).await;
    assert_eq!(
        form_field(&feed[0], "link").as_deref(),
        Some("https://www.nhs.uk/vaccinations/flu-vaccine/")
    );
    assert_eq!(
        form_body(&feed[1]),
        vec![(
            "link".to_owned(),
            "https://www.facebook.com/NHSEngland/posts/pfbid0abc".to_owned()
        )]
    );
}

#[tokio::test]
async fn a_video_gets_its_captions_as_subrip() {
    let server = server().await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/videos")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "7007"})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v23.0/7007/captions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"success": true})))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "A tour of the clinic");
    p.videos = content.video();
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, "7007");
    let video = &requests_to(&server, "POST", &format!("/v23.0/{PAGE}/videos")).await[0];
    assert_eq!(
        multipart_field(video, "description").as_deref(),
        Some("A tour of the clinic")
    );
    let captions = &requests_to(&server, "POST", "/v23.0/7007/captions").await[0];
    let body = String::from_utf8_lossy(&captions.body);
    assert!(body.contains("filename=\"captions.en_GB.srt\""), "{body}");
    assert!(
        body.contains("1\n00:00:00,000 --> 00:00:02,000\nWelcome to the clinic.\n"),
        "{body}"
    );
    assert_eq!(
        multipart_field(captions, "default_locale").as_deref(),
        Some("en_GB")
    );
}

#[tokio::test]
async fn reads_messages_and_comments_after_the_cursor_and_answers_each_in_kind() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{PAGE}/conversations")))
        .and(query_param("platform", "messenger"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": "t_100", "updated_time": "2026-12-05T20:00:00+0000", "messages": {"data": [
                {"id": "m_2", "message": "Our reply", "created_time": "2026-12-05T20:01:00+0000",
                 "from": {"id": PAGE, "name": "Example ICB"}},
                {"id": "m_1", "message": "How do I get a flu jab?", "created_time": "2026-12-05T20:00:00+0000",
                 "from": {"id": "24680", "name": "Sam Person", "email": "24680@facebook.com"}},
                {"id": "m_0", "message": "older", "created_time": "2026-12-01T08:00:00+0000",
                 "from": {"id": "24680", "name": "Sam Person"}}
            ], "paging": {"cursors": {"before": "a", "after": "b"}}}}],
            "paging": {"cursors": {"before": "c", "after": "d"}}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "data": [{"id": format!("{PAGE}_5555"), "comments": {"data": [
                {"id": "5555_777", "message": "Is this for under 65s too?", "created_time": "2026-12-05T21:00:00+0000",
                 "from": {"id": "13579", "name": "Alex Person"}}
            ]}}]
        })))
        .mount(&server)
        .await;
    let facebook = channel(&server);
    let cursor = r#"{"comments":"2026-12-01T00:00:00+00:00","messages":"2026-12-02T00:00:00+00:00"}"#;
    let page = facebook.read_inbox(Some(cursor)).await.unwrap();
    let got: Vec<(&str, MessageKind, &str)> = page
        .messages
        .iter()
        .map(|m| (m.id.as_str(), m.kind, m.author.handle.as_str()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("m_1", MessageKind::Direct, "Sam Person"),
            ("5555_777", MessageKind::Comment, "Alex Person")
        ]
    );
    let next: serde_json::Value = serde_json::from_str(page.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        next,
        json!({"comments": "2026-12-05T21:00:00+0000", "messages": "2026-12-05T20:01:00+0000"})
    );

    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/messages")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"recipient_id": "24680", "message_id": "m_reply"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v23.0/5555_777/comments"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "5555_888"})))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(
        facebook
            .reply(&page.messages[0], "Automatic reply", "r1")
            .await
            .unwrap()
            .id,
        "m_reply"
    );
    assert_eq!(
        json_body(&requests_to(&server, "POST", &format!("/v23.0/{PAGE}/messages")).await[0]),
        json!({"recipient": {"id": "24680"}, "messaging_type": "RESPONSE", "message": {"text": "Automatic reply"}})
    );
    assert_eq!(
        facebook
            .reply(&page.messages[1], "Automatic reply", "r2")
            .await
            .unwrap()
            .id,
        "5555_888"
    );
    assert_eq!(
        form_field(
            &requests_to(&server, "POST", "/v23.0/5555_777/comments").await[0],
            "message"
        )
        .as_deref(),
        Some("Automatic reply")
    );
}

#[tokio::test]
async fn reconciles_from_published_posts() {
    let server = server().await;
    let created = (chrono::Utc::now() - chrono::Duration::minutes(2))
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string();
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{PAGE}/published_posts")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": format!("{PAGE}_42"), "message": "Book your flu jab", "created_time": created,
             "permalink_url": "https://www.facebook.com/ExampleICB/posts/pfbid042"}
        ]})))
        .mount(&server)
        .await;
    let facebook = channel(&server);
    match facebook
        .reconcile(&publication("k", "Book your flu jab"))
        .await
        .unwrap()
    {
        Reconciled::Published(p) => assert_eq!(
            p.url.as_deref(),
            Some("https://www.facebook.com/ExampleICB/posts/pfbid042")
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        facebook.reconcile(&publication("k", "Other")).await.unwrap(),
        Reconciled::NotPublished
    );
}

#[tokio::test]
async fn maps_graph_errors_and_usage_headers() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .and(body_has("throttled"))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header(
                    "X-Business-Use-Case-Usage",
                    format!(r#"{{"{PAGE}":[{{"type":"pages","call_count":100,"total_cputime":30,"total_time":40,"estimated_time_to_regain_access":19}}]}}"#).as_str(),
                )
                .set_body_json(json!({"error": {"message": "(#32) Page request limit reached", "type": "OAuthException",
                                                "code": 32, "fbtrace_id": "AbCdEf"}})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .and(body_has("expired"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "Error validating access token: Session has expired on Friday, 04-Dec-26 09:00:00 PST.",
            "type": "OAuthException", "code": 190, "error_subcode": 463, "fbtrace_id": "Xyz"}})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{PAGE}/feed")))
        .and(body_has("invalid"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({"error": {
            "message": "(#100) Invalid parameter", "type": "OAuthException", "code": 100, "fbtrace_id": "Q"}})))
        .mount(&server)
        .await;
    let facebook = channel(&server);
    match facebook
        .publish(&publication("k", "throttled"))
        .await
        .unwrap_err()
    {
        ChannelError::Retryable { message, after } => {
            assert_eq!(
                message,
                "facebook answered 403: (#32) Page request limit reached (code 32)"
            );
            assert_eq!(after.unwrap().as_secs(), 19 * 60);
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        facebook.publish(&publication("k", "expired")).await.unwrap_err(),
        ChannelError::Unauthorized { .. }
    ));
    assert_eq!(
        facebook.publish(&publication("k", "invalid")).await.unwrap_err(),
        ChannelError::Permanent {
            message: "facebook answered 400: (#100) Invalid parameter (code 100)".to_owned()
        }
    );
}
