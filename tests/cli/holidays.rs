//! `herald holidays update` against a local stand-in for GOV.UK serving its real JSON shape,
//! and offline.

use predicates::prelude::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::herald;

/// GOV.UK's shape, cut down: each division with its events (`title`, `date`, `notes`,
/// `bunting`), titles with typographic apostrophes, substitute days in `notes`.
const GOVUK: &str = r#"{"england-and-wales":{"division":"england-and-wales","events":[{"title":"New Year’s Day","date":"2028-01-03","notes":"Substitute day","bunting":true},{"title":"Good Friday","date":"2028-04-14","notes":"","bunting":false},{"title":"Easter Monday","date":"2028-04-17","notes":"","bunting":true},{"title":"Early May bank holiday","date":"2028-05-01","notes":"","bunting":true},{"title":"Spring bank holiday","date":"2028-05-29","notes":"","bunting":true},{"title":"Extra bank holiday","date":"2028-06-09","notes":"","bunting":true},{"title":"Summer bank holiday","date":"2028-08-28","notes":"","bunting":true},{"title":"Christmas Day","date":"2028-12-25","notes":"","bunting":true},{"title":"Boxing Day","date":"2028-12-26","notes":"","bunting":true}]},"scotland":{"division":"scotland","events":[{"title":"2nd January","date":"2028-01-04","notes":"Substitute day","bunting":true},{"title":"St Andrew’s Day","date":"2028-11-30","notes":"","bunting":true}]},"northern-ireland":{"division":"northern-ireland","events":[{"title":"St Patrick’s Day","date":"2028-03-17","notes":"","bunting":true},{"title":"Battle of the Boyne (Orangemen’s Day)","date":"2028-07-12","notes":"","bunting":false}]}}"#;

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("herald.toml"), config).unwrap();
    dir
}

async fn run(dir: &tempfile::TempDir, args: Vec<String>) -> std::process::Output {
    let cwd = dir.path().to_owned();
    tokio::task::spawn_blocking(move || herald().current_dir(cwd).args(args).output().unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_validates_and_saves_govuk_list() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/bank-holidays.json"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GOVUK, "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let dir = project("");
    let url = format!("{}/bank-holidays.json", server.uri());
    let output = run(
        &dir,
        vec!["holidays".into(), "update".into(), "--url".into(), url],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.starts_with("Saved GOV.UK's bank holidays to "), "{stdout}");
    assert!(
        stdout.contains("England and Wales  2028–2028, 9 dates"),
        "{stdout}"
    );
    assert!(
        stdout.contains("To use it, add holidays_file = \"bank-holidays.json\""),
        "{stdout}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bank-holidays.json")).unwrap(),
        GOVUK
    );

    // Once herald.toml names it, herald closes on the file's one-off.
    std::fs::write(
        dir.path().join("herald.toml"),
        "holidays_file = \"bank-holidays.json\"\n",
    )
    .unwrap();
    let output = run(
        &dir,
        ["hours", "--format", "json", "--at", "2028-06-09T10:00"]
            .map(String::from)
            .to_vec(),
    )
    .await;
    let answer: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(answer["open"], false);
    assert_eq!(answer["next_open"], "2028-06-12T09:00:00+01:00");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn says_what_changed_since_the_last_download() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_raw(GOVUK, "application/json"))
        .mount(&server)
        .await;
    let dir = project("holidays_file = \"data/holidays.json\"\n");
    std::fs::create_dir(dir.path().join("data")).unwrap();
    let old = GOVUK.replace(
        r#"{"title":"Extra bank holiday","date":"2028-06-09","notes":"","bunting":true},"#,
        "",
    );
    std::fs::write(dir.path().join("data/holidays.json"), old).unwrap();
    let output = run(
        &dir,
        vec!["holidays".into(), "update".into(), "--url".into(), server.uri()],
    )
    .await;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout.contains("Saved GOV.UK's bank holidays to "), "{stdout}");
    assert!(stdout.contains("data/holidays.json"), "{stdout}");
    assert!(
        stdout.contains("  new: 2028-06-09 Extra bank holiday\n"),
        "{stdout}"
    );
    assert!(!stdout.contains("To use it"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_error_is_retried_then_reported_and_nothing_changes() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503).set_body_string("<html>Service unavailable</html>"))
        .expect(3)
        .mount(&server)
        .await;
    let dir = project("");
    let output = run(
        &dir,
        vec!["holidays".into(), "update".into(), "--url".into(), server.uri()],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("the server answered 503 Service Unavailable, three times"),
        "{stderr}"
    );
    assert!(stderr.contains("herald keeps using its bundled list"), "{stderr}");
    assert!(!dir.path().join("bank-holidays.json").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_isnt_the_list_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>Sign in to the Wi-Fi</html>"))
        .mount(&server)
        .await;
    let dir = project("");
    std::fs::write(dir.path().join("bank-holidays.json"), GOVUK).unwrap();
    let output = run(
        &dir,
        vec!["holidays".into(), "update".into(), "--url".into(), server.uri()],
    )
    .await;
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("didn't send a usable bank-holidays list"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bank-holidays.json")).unwrap(),
        GOVUK
    );
}

#[test]
fn offline_is_a_clear_failure() {
    // A port nothing listens on: the connection is refused, as when offline.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = project("");
    std::fs::write(dir.path().join("bank-holidays.json"), GOVUK).unwrap();
    herald()
        .current_dir(dir.path())
        .args([
            "holidays",
            "update",
            "--url",
            &format!("http://127.0.0.1:{port}/bank-holidays.json"),
        ])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("couldn't connect (are you offline"))
        .stderr(predicate::str::contains("bank-holidays.json is unchanged"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bank-holidays.json")).unwrap(),
        GOVUK
    );
}
