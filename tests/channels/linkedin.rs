//! LinkedIn: versioned REST API shapes (Posts API, Images API initializeUpload, MultiImage,
//! reshareContext; `x-restli-id`; errors `{"message", "status", "serviceErrorCode"}`).

use herald::channels::linkedin::Linkedin;
use herald::channels::secret::Secret;
use herald::channels::{Channel, ChannelError, Reconciled};
use serde_json::json;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ALT_ONE, ALT_TWO, Content, PNG, json_body, publication, requests_to};

const ORG: &str = "urn:li:organization:2414183";
const TOKEN: &str = "AQVlinkedintoken0123456789";

fn channel(server: &MockServer) -> Linkedin {
    Linkedin::new("linkedin", &server.uri(), "202509", ORG, Secret::new(TOKEN)).unwrap()
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/organizations/2414183"))
        .and(header("Linkedin-Version", "202509"))
        .and(header("X-Restli-Protocol-Version", "2.0.0"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": 2414183, "localizedName": "Example ICB", "vanityName": "example-icb",
            "name": {"localized": {"en_US": "Example ICB"}, "preferredLocale": {"country": "US", "language": "en"}}
        })))
        .mount(&server)
        .await;
    server
}

fn post_created(urn: &str) -> ResponseTemplate {
    ResponseTemplate::new(201).insert_header("x-restli-id", urn)
}

#[tokio::test]
async fn verify_reads_the_organisation() {
    let server = server().await;
    let identity = channel(&server).verify().await.unwrap();
    assert_eq!(identity.id, ORG);
    assert_eq!(identity.handle, "example-icb");
    assert_eq!(identity.display_name.as_deref(), Some("Example ICB"));
}

#[tokio::test]
async fn publishes_two_images_with_alt_text_as_a_multi_image_post_in_little_text() {
    let server = server().await;
    let content = Content::new();
    for n in ["1", "2"] {
        Mock::given(method("POST"))
            .and(path("/rest/images"))
            .and(query_param("action", "initializeUpload"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({"value": {
                "uploadUrlExpiresAt": 1_800_000_000_000u64,
                "uploadUrl": format!("{}/upload/image/{n}", server.uri()),
                "image": format!("urn:li:image:C4E10AQ{n}")
            }})))
            .up_to_n_times(1)
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path(format!("/upload/image/{n}")))
            .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
            .respond_with(ResponseTemplate::new(201))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .and(header("Linkedin-Version", "202509"))
        .respond_with(post_created("urn:li:share:7100000000000000001"))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("k", "Flu jabs (free) for over-65s #WinterVaccines");
    p.images = content.two_images();
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, "urn:li:share:7100000000000000001");
    assert_eq!(
        published.url.as_deref(),
        Some("https://www.linkedin.com/feed/update/urn:li:share:7100000000000000001/")
    );
    let init = json_body(&requests_to(&server, "POST", "/rest/images").await[0]);
    assert_eq!(init, json!({"initializeUploadRequest": {"owner": ORG}}));
    assert_eq!(requests_to(&server, "PUT", "/upload/image/1").await[0].body, PNG);
    let post = json_body(&requests_to(&server, "POST", "/rest/posts").await[0]);
    assert_eq!(
        post,
        json!({
            "author": ORG,
            "commentary": r"Flu jabs \(free\) for over-65s {hashtag|\#|WinterVaccines}",
            "visibility": "PUBLIC",
            "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [], "thirdPartyDistributionChannels": []},
            "lifecycleState": "PUBLISHED",
            "isReshareDisabledByAuthor": false,
            "content": {"multiImage": {"images": [
                {"id": "urn:li:image:C4E10AQ1", "altText": ALT_ONE},
                {"id": "urn:li:image:C4E10AQ2", "altText": ALT_TWO},
            ]}}
        })
    );
}

#[tokio::test]
async fn reshares_with_reshare_context_and_reconciles_by_author() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .respond_with(post_created("urn:li:share:7100000000000000002"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/posts"))
        .and(query_param("q", "author"))
        .and(query_param("author", ORG))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "paging": {"start": 0, "count": 20, "links": []},
            "elements": [
                {"id": "urn:li:share:7100000000000000002", "author": ORG, "commentary": "",
                 "createdAt": chrono::Utc::now().timestamp_millis() - 60_000, "lifecycleState": "PUBLISHED",
                 "reshareContext": {"parent": "urn:li:share:7000000000000000009", "root": "urn:li:share:7000000000000000009"}},
                {"id": "urn:li:share:7100000000000000001", "author": ORG,
                 "commentary": r"Flu jabs \(free\) {hashtag|\#|WinterVaccines}",
                 "createdAt": chrono::Utc::now().timestamp_millis() - 120_000, "lifecycleState": "PUBLISHED"}
            ]
        })))
        .mount(&server)
        .await;
    let linkedin = channel(&server);
    let mut reshare = publication("k", "");
    reshare.reshare =
        Some("https://www.linkedin.com/feed/update/urn:li:share:7000000000000000009/".to_owned());
    linkedin.publish(&reshare).await.unwrap();
    let post = json_body(&requests_to(&server, "POST", "/rest/posts").await[0]);
    assert_eq!(
        post["reshareContext"],
        json!({"parent": "urn:li:share:7000000000000000009"})
    );
    assert_eq!(post["commentary"], "");

    assert!(matches!(
        linkedin.reconcile(&reshare).await.unwrap(),
        Reconciled::Published(_)
    ));
    match linkedin
        .reconcile(&publication("k", "Flu jabs (free) #WinterVaccines"))
        .await
        .unwrap()
    {
        Reconciled::Published(p) => assert_eq!(p.id, "urn:li:share:7100000000000000001"),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        linkedin.reconcile(&publication("k", "Other")).await.unwrap(),
        Reconciled::NotPublished
    );
}

#[tokio::test]
async fn has_no_inbox_and_maps_errors() {
    let server = server().await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({
            "status": 403, "serviceErrorCode": 100,
            "code": "ACCESS_DENIED", "message": "Not enough permissions to access: partnerApiPostsExternal.CREATE.20250901"
        })))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/rest/posts"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "3600")
                .set_body_json(json!({"status": 429, "message": "Resource level throttle APPLICATION DAY limit for calls to this resource is reached."})),
        )
        .mount(&server)
        .await;
    let linkedin = channel(&server);
    assert_eq!(
        linkedin.publish(&publication("k", "Hi")).await.unwrap_err(),
        ChannelError::Permanent {
            message: "linkedin answered 403: Not enough permissions to access: partnerApiPostsExternal.CREATE.20250901 (code 100)".to_owned()
        }
    );
    match linkedin.publish(&publication("k", "Hi")).await.unwrap_err() {
        ChannelError::Retryable { after, .. } => assert_eq!(after.unwrap().as_secs(), 3600),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        linkedin.read_inbox(None).await.unwrap_err(),
        ChannelError::Unsupported(_)
    ));
    let message = herald::channels::InboundMessage {
        id: "urn:li:comment:1".into(),
        kind: herald::channels::MessageKind::Comment,
        author: herald::channels::Author {
            id: "p".into(),
            handle: "p".into(),
            is_bot: false,
        },
        text: "hi".into(),
        sent_at: chrono::Utc::now(),
        conversation: None,
        visibility: None,
        mentioned: Vec::new(),
    };
    assert!(matches!(
        linkedin.reply(&message, "reply", "k").await.unwrap_err(),
        ChannelError::Unsupported(_)
    ));
}
