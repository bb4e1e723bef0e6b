//! Bluesky: XRPC shapes from the lexicons (com.atproto.server.createSession/refreshSession/
//! getSession, com.atproto.repo.uploadBlob/createRecord/getRecord, app.bsky.feed.post,
//! app.bsky.notification.listNotifications, chat.bsky.convo.*; errors `{"error", "message"}`).

use herald::channels::bluesky::{Bluesky, record_key};
use herald::channels::secret::Secret;
use herald::channels::{Channel, ChannelError, MessageKind, Reconciled};
use serde_json::{Value, json};
use wiremock::matchers::{body_partial_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::{ALT_ONE, ALT_TWO, Content, json_body, minutes_ago, publication, requests_to};

const DID: &str = "did:plc:exampleicb7x2k";
const HANDLE: &str = "example-icb.bsky.social";
const APP_PASSWORD: &str = "abcd-efgh-ijkl-mnop";

fn session(access: &str, refresh: &str) -> Value {
    json!({
        "did": DID, "handle": HANDLE, "email": "comms@example-icb.nhs.uk", "emailConfirmed": true,
        "accessJwt": access, "refreshJwt": refresh, "active": true,
        "didDoc": {"id": DID, "service": [{"id": "#atproto_pds", "type": "AtprotoPersonalDataServer", "serviceEndpoint": "https://pds.example"}]}
    })
}

fn blob(link: &str, mime: &str) -> Value {
    json!({"$type": "blob", "ref": {"$link": link}, "mimeType": mime, "size": 67})
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .and(body_partial_json(
            json!({"identifier": HANDLE, "password": APP_PASSWORD}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(session("access-1", "refresh-1")))
        .mount(&server)
        .await;
    server
}

fn channel(server: &MockServer) -> Bluesky {
    Bluesky::new("bluesky", &server.uri(), HANDLE, Secret::new(APP_PASSWORD)).unwrap()
}

fn created(collection: &str, rkey: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "uri": format!("at://{DID}/{collection}/{rkey}"),
        "cid": "bafyreib2rxk3rh6kzwq",
        "commit": {"cid": "bafyreicommit", "rev": "3lcommitrev22"},
        "validationStatus": "valid"
    }))
}

#[tokio::test]
async fn publishes_two_images_with_alt_text_and_rich_text_facets_under_a_derived_record_key() {
    let server = server().await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.uploadBlob"))
        .and(header("content-type", "image/png"))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"blob": blob("bafkreipng", "image/png")})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.uploadBlob"))
        .and(header("content-type", "image/jpeg"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"blob": blob("bafkreijpg", "image/jpeg")})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.identity.resolveHandle"))
        .and(query_param("handle", "nhsengland.bsky.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"did": "did:plc:nhsengland"})))
        .mount(&server)
        .await;
    let key = "2026-12/flu#bluesky@2026-12-01T10:00:00Z";
    let rkey = record_key(key);
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(created("app.bsky.feed.post", &rkey))
        .expect(1)
        .mount(&server)
        .await;

    let text =
        "Flu can be serious → book now #WinterVaccines https://www.nhs.uk/flu with @nhsengland.bsky.social";
    let mut p = publication(key, text);
    p.images = content.two_images();
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, format!("at://{DID}/app.bsky.feed.post/{rkey}"));
    assert_eq!(
        published.url.as_deref(),
        Some(format!("https://bsky.app/profile/{HANDLE}/post/{rkey}").as_str())
    );

    let body = json_body(&requests_to(&server, "POST", "/xrpc/com.atproto.repo.createRecord").await[0]);
    assert_eq!(body["repo"], DID);
    assert_eq!(body["collection"], "app.bsky.feed.post");
    assert_eq!(body["rkey"], rkey.as_str());
    let record = &body["record"];
    assert_eq!(record["$type"], "app.bsky.feed.post");
    assert_eq!(record["text"], text);
    assert!(record["createdAt"].as_str().unwrap().ends_with('Z'));
    // Facets index UTF-8 bytes: "→" is three bytes.
    let start = text.find("#WinterVaccines").unwrap();
    assert_eq!(start, "Flu can be serious → book now ".len());
    assert_eq!(
        record["facets"],
        json!([
            {"index": {"byteStart": start, "byteEnd": start + 15},
             "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": "WinterVaccines"}]},
            {"index": {"byteStart": text.find("https").unwrap(), "byteEnd": text.find(" with").unwrap()},
             "features": [{"$type": "app.bsky.richtext.facet#link", "uri": "https://www.nhs.uk/flu"}]},
            {"index": {"byteStart": text.find('@').unwrap(), "byteEnd": text.len()},
             "features": [{"$type": "app.bsky.richtext.facet#mention", "did": "did:plc:nhsengland"}]},
        ])
    );
    assert_eq!(
        record["embed"],
        json!({"$type": "app.bsky.embed.images", "images": [
            {"alt": ALT_ONE, "image": blob("bafkreipng", "image/png")},
            {"alt": ALT_TWO, "image": blob("bafkreijpg", "image/jpeg")},
        ]})
    );
}

#[tokio::test]
async fn a_link_post_gets_an_external_card_from_the_pages_open_graph_tags() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/flu-vaccine/"))
        .respond_with(ResponseTemplate::new(200).insert_header("content-type", "text/html").set_body_string(
            r#"<html><head><title>ignored</title><meta property="og:title" content="Flu vaccine - NHS"><meta property="og:description" content="Find out who can get the flu vaccine"></head></html>"#,
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(created("app.bsky.feed.post", "3abc"))
        .mount(&server)
        .await;
    let link = format!("{}/flu-vaccine/", server.uri());
    let mut p = publication("k", &format!("Book now: {link}"));
    p.link = Some(link.clone());
    channel(&server).publish(&p).await.unwrap();
    let body = json_body(&requests_to(&server, "POST", "/xrpc/com.atproto.repo.createRecord").await[0]);
    assert_eq!(
        body["record"]["embed"],
        json!({"$type": "app.bsky.embed.external", "external": {
            "uri": link, "title": "Flu vaccine - NHS", "description": "Find out who can get the flu vaccine"}})
    );
}

#[tokio::test]
async fn a_video_is_embedded_with_its_captions() {
    let server = server().await;
    let content = Content::new();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.uploadBlob"))
        .and(header("content-type", "video/mp4"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"blob": blob("bafkreivideo", "video/mp4")})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.uploadBlob"))
        .and(header("content-type", "text/vtt"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"blob": blob("bafkreivtt", "text/vtt")})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(created("app.bsky.feed.post", "3abc"))
        .mount(&server)
        .await;
    let mut p = publication("k", "A tour of the clinic");
    p.videos = content.video();
    channel(&server).publish(&p).await.unwrap();
    let body = json_body(&requests_to(&server, "POST", "/xrpc/com.atproto.repo.createRecord").await[0]);
    assert_eq!(
        body["record"]["embed"],
        json!({"$type": "app.bsky.embed.video", "video": blob("bafkreivideo", "video/mp4"),
               "captions": [{"lang": "en", "file": blob("bafkreivtt", "text/vtt")}]})
    );
}

#[tokio::test]
async fn an_expired_access_token_is_refreshed_once() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.server.getSession"))
        .and(header("authorization", "Bearer access-1"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"error": "ExpiredToken", "message": "Token has expired"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.refreshSession"))
        .and(header("authorization", "Bearer refresh-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(session("access-2", "refresh-2")))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.server.getSession"))
        .and(header("authorization", "Bearer access-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"handle": HANDLE, "did": DID, "active": true})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let identity = channel(&server).verify().await.unwrap();
    assert_eq!(identity.id, DID);
    assert_eq!(identity.handle, format!("@{HANDLE}"));
}

#[tokio::test]
async fn reshare_reposts_the_linked_post() {
    let server = server().await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.identity.resolveHandle"))
        .and(query_param("handle", "nhsengland.bsky.social"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"did": "did:plc:nhsengland"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(query_param("uris", "at://did:plc:nhsengland/app.bsky.feed.post/3lwinter22"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": [{
            "uri": "at://did:plc:nhsengland/app.bsky.feed.post/3lwinter22", "cid": "bafyreiwinter",
            "author": {"did": "did:plc:nhsengland", "handle": "nhsengland.bsky.social"},
            "record": {"$type": "app.bsky.feed.post", "text": "Winter advice", "createdAt": "2026-11-30T09:00:00.000Z"},
            "indexedAt": "2026-11-30T09:00:01.000Z"
        }]})))
        .mount(&server)
        .await;
    let rkey = record_key("reshare-key");
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(created("app.bsky.feed.repost", &rkey))
        .expect(1)
        .mount(&server)
        .await;
    let mut p = publication("reshare-key", "");
    p.reshare = Some("https://bsky.app/profile/nhsengland.bsky.social/post/3lwinter22".to_owned());
    let published = channel(&server).publish(&p).await.unwrap();
    assert_eq!(published.id, format!("at://{DID}/app.bsky.feed.repost/{rkey}"));
    let body = json_body(&requests_to(&server, "POST", "/xrpc/com.atproto.repo.createRecord").await[0]);
    assert_eq!(body["collection"], "app.bsky.feed.repost");
    assert_eq!(body["rkey"], rkey.as_str());
    assert_eq!(
        body["record"]["subject"],
        json!({"uri": "at://did:plc:nhsengland/app.bsky.feed.post/3lwinter22", "cid": "bafyreiwinter"})
    );
}

#[tokio::test]
async fn reconciles_with_get_record_on_the_derived_key_and_a_repeat_publish_finds_the_record() {
    let server = server().await;
    let rkey = record_key("sent-key");
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.repo.getRecord"))
        .and(query_param("repo", DID))
        .and(query_param("collection", "app.bsky.feed.post"))
        .and(query_param("rkey", rkey.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "uri": format!("at://{DID}/app.bsky.feed.post/{rkey}"), "cid": "bafyreisent",
            "value": {"$type": "app.bsky.feed.post", "text": "Hi", "createdAt": minutes_ago(1)}
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/com.atproto.repo.getRecord"))
        .and(query_param("rkey", record_key("unsent-key").as_str()))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "RecordNotFound", "message": "Could not locate record"
        })))
        .mount(&server)
        .await;
    // The PDS refuses a second record under the same key.
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "error": "InvalidRequest", "message": "Record already exists"
        })))
        .mount(&server)
        .await;
    let bluesky = channel(&server);
    match bluesky.reconcile(&publication("sent-key", "Hi")).await.unwrap() {
        Reconciled::Published(p) => assert_eq!(p.id, format!("at://{DID}/app.bsky.feed.post/{rkey}")),
        other => panic!("{other:?}"),
    }
    assert_eq!(
        bluesky.reconcile(&publication("unsent-key", "Hi")).await.unwrap(),
        Reconciled::NotPublished
    );
    let again = bluesky.publish(&publication("sent-key", "Hi")).await.unwrap();
    assert_eq!(again.id, format!("at://{DID}/app.bsky.feed.post/{rkey}"));
}

#[tokio::test]
async fn reads_mentions_replies_and_chats_after_the_cursor_and_answers_each_in_kind() {
    let server = server().await;
    let person = json!({"did": "did:plc:someone", "handle": "someone.bsky.social", "displayName": "Someone", "labels": []});
    let bot = json!({"did": "did:plc:bot", "handle": "bot.bsky.social", "labels": [{"src": "did:plc:bot", "uri": "at://did:plc:bot/app.bsky.actor.profile/self", "val": "bot", "cts": "2024-01-01T00:00:00.000Z"}]});
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.notification.listNotifications"))
        .and(query_param("reasons", "mention"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "notifications": [
                {"uri": "at://did:plc:bot/app.bsky.feed.post/3lbot", "cid": "bafybot", "author": bot,
                 "reason": "mention", "isRead": false, "indexedAt": "2026-12-05T19:30:00.000Z", "labels": [],
                 "record": {"$type": "app.bsky.feed.post", "text": "automated @example-icb.bsky.social", "createdAt": "2026-12-05T19:30:00.000Z"}},
                {"uri": "at://did:plc:someone/app.bsky.feed.post/3lreply", "cid": "bafyreply", "author": person,
                 "reason": "reply", "isRead": false, "indexedAt": "2026-12-05T19:00:01.000Z", "labels": [],
                 "record": {"$type": "app.bsky.feed.post", "text": "Is the walk-in centre open?", "createdAt": "2026-12-05T19:00:00.000Z",
                            "reply": {"root": {"uri": format!("at://{DID}/app.bsky.feed.post/3lroot"), "cid": "bafyroot"},
                                      "parent": {"uri": format!("at://{DID}/app.bsky.feed.post/3lroot"), "cid": "bafyroot"}}}},
                {"uri": "at://did:plc:someone/app.bsky.feed.post/3lold", "cid": "bafyold", "author": person,
                 "reason": "mention", "isRead": true, "indexedAt": "2026-12-01T09:00:00.000Z", "labels": [],
                 "record": {"$type": "app.bsky.feed.post", "text": "old", "createdAt": "2026-12-01T09:00:00.000Z"}}
            ],
            "cursor": "2026-12-01T09:00:00.000Z", "seenAt": "2026-12-01T09:00:00.000Z"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/chat.bsky.convo.listConvos"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"convos": [{
            "id": "3lconvo1", "rev": "22", "muted": false, "unreadCount": 1,
            "members": [{"did": DID, "handle": HANDLE}, person],
            "lastMessage": {"$type": "chat.bsky.convo.defs#messageView", "id": "msg2", "rev": "22",
                            "text": "I need a repeat prescription", "sender": {"did": "did:plc:someone"}, "sentAt": "2026-12-05T20:00:00.000Z"}
        }]})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/xrpc/chat.bsky.convo.getMessages"))
        .and(query_param("convoId", "3lconvo1"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"messages": [
            {"$type": "chat.bsky.convo.defs#messageView", "id": "msg2", "rev": "22", "text": "I need a repeat prescription",
             "sender": {"did": "did:plc:someone"}, "sentAt": "2026-12-05T20:00:00.000Z"},
            {"$type": "chat.bsky.convo.defs#deletedMessageView", "id": "msg1", "rev": "21",
             "sender": {"did": "did:plc:someone"}, "sentAt": "2026-12-05T19:59:00.000Z"}
        ]})))
        .mount(&server)
        .await;
    let bluesky = channel(&server);
    let cursor = r#"{"notifications":"2026-12-01T09:00:00.000Z"}"#;
    let page = bluesky.read_inbox(Some(cursor)).await.unwrap();
    let got: Vec<(&str, MessageKind, bool)> = page
        .messages
        .iter()
        .map(|m| (m.id.as_str(), m.kind, m.author.is_bot))
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "at://did:plc:someone/app.bsky.feed.post/3lreply",
                MessageKind::Reply,
                false
            ),
            (
                "at://did:plc:bot/app.bsky.feed.post/3lbot",
                MessageKind::Mention,
                true
            ),
            ("msg2", MessageKind::Direct, false),
        ]
    );
    assert_eq!(
        page.messages[0].conversation.as_deref(),
        Some(format!("at://{DID}/app.bsky.feed.post/3lroot").as_str())
    );
    let next: Value = serde_json::from_str(page.cursor.as_deref().unwrap()).unwrap();
    assert_eq!(
        next,
        json!({"notifications": "2026-12-05T19:30:00.000Z", "chat": "2026-12-05T20:00:00.000Z"})
    );
    let again = bluesky.read_inbox(page.cursor.as_deref()).await.unwrap();
    assert!(again.messages.is_empty(), "{:?}", again.messages);

    // A public reply threads under the message's root; a direct message is answered in the chat.
    Mock::given(method("GET"))
        .and(path("/xrpc/app.bsky.feed.getPosts"))
        .and(query_param("uris", "at://did:plc:someone/app.bsky.feed.post/3lreply"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"posts": [{
            "uri": "at://did:plc:someone/app.bsky.feed.post/3lreply", "cid": "bafyreply", "author": person,
            "record": {"$type": "app.bsky.feed.post", "text": "Is the walk-in centre open?", "createdAt": "2026-12-05T19:00:00.000Z",
                       "reply": {"root": {"uri": format!("at://{DID}/app.bsky.feed.post/3lroot"), "cid": "bafyroot"},
                                 "parent": {"uri": format!("at://{DID}/app.bsky.feed.post/3lroot"), "cid": "bafyroot"}}},
            "indexedAt": "2026-12-05T19:00:01.000Z"
        }]})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(created("app.bsky.feed.post", &record_key("reply-1")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/xrpc/chat.bsky.convo.sendMessage"))
        .and(header("atproto-proxy", "did:web:api.bsky.chat#bsky_chat"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "$type": "chat.bsky.convo.defs#messageView", "id": "msg3", "rev": "23",
            "text": "This is an automatic reply.", "sender": {"did": DID}, "sentAt": minutes_ago(0)
        })))
        .expect(1)
        .mount(&server)
        .await;
    bluesky
        .reply(&page.messages[0], "This is an automatic reply.", "reply-1")
        .await
        .unwrap();
    let record = json_body(&requests_to(&server, "POST", "/xrpc/com.atproto.repo.createRecord").await[0]);
    assert_eq!(record["rkey"], record_key("reply-1").as_str());
    assert_eq!(
        record["record"]["reply"],
        json!({"root": {"uri": format!("at://{DID}/app.bsky.feed.post/3lroot"), "cid": "bafyroot"},
               "parent": {"uri": "at://did:plc:someone/app.bsky.feed.post/3lreply", "cid": "bafyreply"}})
    );
    let sent = bluesky
        .reply(&page.messages[2], "This is an automatic reply.", "reply-2")
        .await
        .unwrap();
    assert_eq!(sent.id, "msg3");
    let body = json_body(&requests_to(&server, "POST", "/xrpc/chat.bsky.convo.sendMessage").await[0]);
    assert_eq!(
        body,
        json!({"convoId": "3lconvo1", "message": {"text": "This is an automatic reply."}})
    );
}

#[tokio::test]
async fn maps_rate_limits_and_refused_passwords() {
    let server = server().await;
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(120))
        .timestamp()
        .to_string();
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.repo.createRecord"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("RateLimit-Limit", "5000")
                .insert_header("RateLimit-Remaining", "0")
                .insert_header("RateLimit-Reset", reset.as_str())
                .insert_header("RateLimit-Policy", "5000;w=3600")
                .set_body_json(json!({"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})),
        )
        .mount(&server)
        .await;
    match channel(&server)
        .publish(&publication("k", "Hi"))
        .await
        .unwrap_err()
    {
        ChannelError::Retryable { message, after } => {
            assert_eq!(
                message,
                "bluesky answered 429: RateLimitExceeded: Rate Limit Exceeded"
            );
            assert!((115..=120).contains(&after.unwrap().as_secs()));
        }
        other => panic!("{other:?}"),
    }

    let refused = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/xrpc/com.atproto.server.createSession"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({
            "error": "AuthenticationRequired", "message": "Invalid identifier or password"
        })))
        .mount(&refused)
        .await;
    let e = channel(&refused).verify().await.unwrap_err();
    assert_eq!(
        e,
        ChannelError::Unauthorized {
            message: "bluesky answered 401: AuthenticationRequired: Invalid identifier or password (check the account's token); check the handle and the app password".to_owned()
        }
    );
}
