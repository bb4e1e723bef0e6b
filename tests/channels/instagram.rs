//! Instagram (API with Facebook Login): IG User media containers, container status, media
//! publishing, comments and replies; Graph API errors.

use herald::channels::instagram::{Instagram, MediaHost};
use herald::channels::secret::Secret;
use herald::channels::{Channel, ChannelError, MessageKind, Reconciled};
use serde_json::json;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ALT_ONE, ALT_TWO, Content, body_has, form_body, form_field, publication, requests_to};

const IG: &str = "17841400000000001";
const TOKEN: &str = "EAAGpagetoken0123456789";
const MEDIA_URL: &str = "https://example-icb.nhs.uk/social";

fn channel(server: &MockServer, content: &Content) -> Instagram {
    Instagram::new(
        "instagram",
        &server.uri(),
        "v23.0",
        IG,
        Secret::new(TOKEN),
        MediaHost::new(MEDIA_URL, content.content_dir()),
    )
    .unwrap()
}

async fn ready(server: &MockServer, container: &str) {
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{container}")))
        .and(query_param("fields", "status_code,status"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status_code": "FINISHED", "id": container})),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn verify_reads_the_account() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{IG}")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": IG, "username": "exampleicb", "name": "Example ICB"})),
        )
        .mount(&server)
        .await;
    let identity = channel(&server, &Content::new()).verify().await.unwrap();
    assert_eq!(identity.handle, "@exampleicb");
}

#[tokio::test]
async fn publishes_a_carousel_of_two_images_with_alt_text() {
    let server = MockServer::start().await;
    let content = Content::new();
    for (id, alt) in [("c1", ALT_ONE), ("c2", ALT_TWO)] {
        Mock::given(method("POST"))
            .and(path(format!("/v23.0/{IG}/media")))
            .and(body_has(
                &url::form_urlencoded::byte_serialize(alt.as_bytes()).collect::<String>(),
            ))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": id})))
            .expect(1)
            .mount(&server)
            .await;
        ready(&server, id).await;
    }
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{IG}/media")))
        .and(body_has("CAROUSEL"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "parent"})))
        .expect(1)
        .mount(&server)
        .await;
    // The carousel container is still in progress the first time it is asked about.
    Mock::given(method("GET"))
        .and(path("/v23.0/parent"))
        .and(query_param("fields", "status_code,status"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"status_code": "IN_PROGRESS", "id": "parent"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    ready(&server, "parent").await;
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{IG}/media_publish")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "17900000000000001"})))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v23.0/17900000000000001"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": "17900000000000001", "permalink": "https://www.instagram.com/p/Cabc123/"}),
        ))
        .mount(&server)
        .await;
    let mut p = publication("k", "Book your flu jab #WinterVaccines");
    p.images = content.two_images();
    let published = channel(&server, &content).publish(&p).await.unwrap();
    assert_eq!(published.id, "17900000000000001");
    assert_eq!(
        published.url.as_deref(),
        Some("https://www.instagram.com/p/Cabc123/")
    );

    let containers = requests_to(&server, "POST", &format!("/v23.0/{IG}/media")).await;
    assert_eq!(
        form_body(&containers[0]),
        vec![
            ("image_url".to_owned(), format!("{MEDIA_URL}/media/flu-jab.png")),
            ("is_carousel_item".to_owned(), "true".to_owned()),
            ("alt_text".to_owned(), ALT_ONE.to_owned()),
        ]
    );
    assert_eq!(form_field(&containers[1], "alt_text").as_deref(), Some(ALT_TWO));
    assert_eq!(
        form_body(&containers[2]),
        vec![
            ("media_type".to_owned(), "CAROUSEL".to_owned()),
            ("children".to_owned(), "c1,c2".to_owned()),
            (
                "caption".to_owned(),
                "Book your flu jab #WinterVaccines".to_owned()
            ),
        ]
    );
    let publish = &requests_to(&server, "POST", &format!("/v23.0/{IG}/media_publish")).await[0];
    assert_eq!(form_field(publish, "creation_id").as_deref(), Some("parent"));
}

#[tokio::test]
async fn a_container_in_error_is_a_permanent_failure_and_reshares_are_unsupported() {
    let server = MockServer::start().await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path(format!("/v23.0/{IG}/media")))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "bad"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v23.0/bad"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"status_code": "ERROR", "status": "Error: Media download has failed. (2207052)", "id": "bad"})))
        .mount(&server)
        .await;
    let instagram = channel(&server, &content);
    let mut p = publication("k", "One image");
    p.images = content.two_images()[..1].to_vec();
    let e = instagram.publish(&p).await.unwrap_err();
    assert_eq!(
        e,
        ChannelError::Permanent {
            message:
                "instagram couldn't prepare the media: ERROR (Error: Media download has failed. (2207052))"
                    .to_owned()
        }
    );
    let single = &requests_to(&server, "POST", &format!("/v23.0/{IG}/media")).await[0];
    assert_eq!(form_field(single, "alt_text").as_deref(), Some(ALT_ONE));
    assert_eq!(form_field(single, "caption").as_deref(), Some("One image"));
    let mut reshare = publication("k", "");
    reshare.reshare = Some("https://www.instagram.com/p/Cxyz/".to_owned());
    assert!(matches!(
        instagram.publish(&reshare).await.unwrap_err(),
        ChannelError::Unsupported(_)
    ));
}

#[tokio::test]
async fn reads_comments_after_the_cursor_replies_and_reconciles() {
    let server = MockServer::start().await;
    let content = Content::new();
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{IG}/media")))
        .and(query_param("fields", "id,comments.limit(25){id,text,timestamp,username,from}"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "17900000000000001", "comments": {"data": [
                {"id": "18000000000000002", "text": "Where can I get one?", "timestamp": "2026-12-05T21:00:00+0000",
                 "username": "someone", "from": {"id": "17841400000000999", "username": "someone"}},
                {"id": "18000000000000001", "text": "seen before", "timestamp": "2026-12-01T08:00:00+0000", "username": "someone"}
            ]}}
        ]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v23.0/18000000000000002/replies"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "18000000000000003"})))
        .expect(1)
        .mount(&server)
        .await;
    let created = (chrono::Utc::now() - chrono::Duration::minutes(1))
        .format("%Y-%m-%dT%H:%M:%S+0000")
        .to_string();
    Mock::given(method("GET"))
        .and(path(format!("/v23.0/{IG}/media")))
        .and(query_param("fields", "id,caption,timestamp,permalink"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [
            {"id": "17900000000000001", "caption": "Book your flu jab", "timestamp": created, "permalink": "https://www.instagram.com/p/Cabc/"}
        ]})))
        .mount(&server)
        .await;
    let instagram = channel(&server, &content);
    let page = instagram
        .read_inbox(Some(r#"{"comments":"2026-12-02T00:00:00+00:00"}"#))
        .await
        .unwrap();
    assert_eq!(page.messages.len(), 1);
    let message = &page.messages[0];
    assert_eq!(
        (message.id.as_str(), message.kind, message.author.handle.as_str()),
        ("18000000000000002", MessageKind::Comment, "@someone")
    );
    assert_eq!(
        page.cursor.as_deref(),
        Some(r#"{"comments":"2026-12-05T21:00:00+00:00"}"#)
    );
    assert_eq!(
        instagram.reply(message, "Automatic reply", "r").await.unwrap().id,
        "18000000000000003"
    );
    assert_eq!(
        form_field(
            &requests_to(&server, "POST", "/v23.0/18000000000000002/replies").await[0],
            "message"
        )
        .as_deref(),
        Some("Automatic reply")
    );
    assert!(matches!(
        instagram
            .reconcile(&publication("k", "Book your flu jab"))
            .await
            .unwrap(),
        Reconciled::Published(_)
    ));
}
