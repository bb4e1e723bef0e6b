//! `herald accounts verify`, the real binary, against each platform's fake.

use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::herald;

/// One fake answering each platform's "who am I" the way the platform does.
async fn platforms() -> MockServer {
    let server = MockServer::start().await;
    let mounts = [
        (
            "GET",
            "/api/v1/accounts/verify_credentials",
            "Bearer mastodon-token-123",
            json!({"id": "109", "username": "example_icb", "acct": "example_icb", "display_name": "Example ICB", "bot": false}),
        ),
        (
            "POST",
            "/xrpc/com.atproto.server.createSession",
            "",
            json!({"did": "did:plc:icb", "handle": "example-icb.bsky.social", "accessJwt": "jwt-access-123", "refreshJwt": "jwt-refresh-123", "active": true}),
        ),
        (
            "GET",
            "/xrpc/com.atproto.server.getSession",
            "Bearer jwt-access-123",
            json!({"did": "did:plc:icb", "handle": "example-icb.bsky.social", "active": true}),
        ),
        (
            "GET",
            "/2/users/me",
            "Bearer x-token-12345",
            json!({"data": {"id": "1580000000000000001", "name": "Example ICB", "username": "ExampleICB"}}),
        ),
        (
            "GET",
            "/v25.0/me",
            "Bearer EAAGfacebook123",
            json!({"id": "111222333444", "name": "Example ICB Page"}),
        ),
        (
            "GET",
            "/v25.0/17841400000000001",
            "Bearer EAAGinstagram123",
            json!({"id": "17841400000000001", "username": "exampleicb", "name": "Example ICB"}),
        ),
        (
            "GET",
            "/rest/organizations/2414183",
            "Bearer AQVlinkedin123",
            json!({"id": 2414183, "localizedName": "Example ICB", "vanityName": "example-icb"}),
        ),
    ];
    for (verb, route, authorization, body) in mounts {
        let mut mock = Mock::given(method(verb)).and(path(route));
        if !authorization.is_empty() {
            mock = mock.and(header("authorization", authorization));
        }
        mock.respond_with(ResponseTemplate::new(200).set_body_json(body))
            .mount(&server)
            .await;
    }
    server
}

fn config(base: &str) -> String {
    format!(
        r#"
[[accounts]]
name = "outbox"
platform = "outbox"
path = "outbox"

[[accounts]]
name = "mastodon"
platform = "mastodon"
base_url = "{base}"
token_env = "HERALD_TEST_MASTODON"

[[accounts]]
name = "bluesky"
platform = "bluesky"
base_url = "{base}"
handle = "example-icb.bsky.social"
token_file = "secrets/bluesky-app-password"

[[accounts]]
name = "x"
platform = "x"
base_url = "{base}"
token_env = "HERALD_TEST_X"

[[accounts]]
name = "facebook"
platform = "facebook"
base_url = "{base}"
page_id = "111222333444"
token_env = "HERALD_TEST_FACEBOOK"

[[accounts]]
name = "instagram"
platform = "instagram"
base_url = "{base}"
ig_user_id = "17841400000000001"
media_url = "https://example-icb.nhs.uk/social"
token_env = "HERALD_TEST_INSTAGRAM"

[[accounts]]
name = "linkedin"
platform = "linkedin"
base_url = "{base}"
author_urn = "urn:li:organization:2414183"
api_version = "202509"
token_env = "HERALD_TEST_LINKEDIN"
"#
    )
}

fn project(base: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("herald.toml"), config(base)).unwrap();
    std::fs::create_dir_all(dir.path().join("secrets")).unwrap();
    std::fs::write(
        dir.path().join("secrets/bluesky-app-password"),
        "abcd-efgh-ijkl-mnop\n",
    )
    .unwrap();
    dir
}

fn env(cmd: &mut assert_cmd::Command) {
    cmd.env("HERALD_TEST_MASTODON", "mastodon-token-123")
        .env("HERALD_TEST_X", "x-token-12345")
        .env("HERALD_TEST_FACEBOOK", "EAAGfacebook123")
        .env("HERALD_TEST_INSTAGRAM", "EAAGinstagram123")
        .env("HERALD_TEST_LINKEDIN", "AQVlinkedin123");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_account_verifies_against_its_platform() {
    let server = platforms().await;
    let dir = project(&server.uri());
    let output = tokio::task::spawn_blocking(move || {
        let mut cmd = herald(dir.path());
        env(&mut cmd);
        cmd.args(["accounts", "verify"]).output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let host = server.address().to_string();
    assert_eq!(
        stdout,
        format!(
            "\
outbox     outbox     ok     signed in as outbox (outbox at outbox)
mastodon   mastodon   ok     signed in as @example_icb@{host} (Example ICB)
bluesky    bluesky    ok     signed in as @example-icb.bsky.social
x          x          ok     signed in as @ExampleICB (Example ICB)
facebook   facebook   ok     signed in as 111222333444 (Example ICB Page)
instagram  instagram  ok     signed in as @exampleicb (Example ICB)
linkedin   linkedin   ok     signed in as example-icb (Example ICB)

all 7 accounts verified
"
        )
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn says_what_is_wrong_with_each_failing_account_and_exits_1() {
    let server = platforms().await;
    let refusing = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts/verify_credentials"))
        .respond_with(
            ResponseTemplate::new(401).set_body_json(json!({"error": "The access token is invalid"})),
        )
        .mount(&refusing)
        .await;
    let dir = project(&server.uri());
    let text = config(&server.uri()).replacen(&server.uri(), &refusing.uri(), 1);
    std::fs::write(dir.path().join("herald.toml"), text).unwrap();
    std::fs::remove_file(dir.path().join("secrets/bluesky-app-password")).unwrap();
    let output = tokio::task::spawn_blocking(move || {
        let mut cmd = herald(dir.path());
        env(&mut cmd);
        cmd.env_remove("HERALD_TEST_X")
            .args([
                "accounts",
                "verify",
                "--account",
                "mastodon",
                "--account",
                "bluesky",
                "--account",
                "x",
                "--account",
                "linkedin",
            ])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout,
        "\
mastodon  mastodon   error  mastodon answered 401: The access token is invalid (check the account's token)
bluesky   bluesky    error  can't read the credential file `secrets/bluesky-app-password`: No such file or directory (os error 2)
x         x          error  the environment variable `HERALD_TEST_X` is not set
linkedin  linkedin   ok     signed in as example-icb (Example ICB)

3 of 4 accounts failed
"
    );
}

#[test]
fn an_unknown_account_name_could_not_run() {
    let dir = project("https://mastodon.example");
    herald(dir.path())
        .args(["accounts", "verify", "--account", "mastodn"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "herald.toml has no account named `mastodn`",
        ));
}
