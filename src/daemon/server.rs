//! The status server, on `server.listen`; it stops with the daemon.
//!
//! | path | what | token |
//! | --- | --- | --- |
//! | `/` | the status page for people ([`super::page`]) | yes |
//! | `/status` | the JSON `herald status` prints | yes |
//! | `/metrics` | Prometheus text format ([`super::metrics`]) | yes |
//! | `/calendar.ics` | the content calendar as iCalendar ([`crate::ics`]) | yes |
//! | `/healthz` | liveness: the process is up and its components are running | no |
//! | `/readyz` | readiness: the database answers, the content is loaded, no claim is stalled | no (details only with it) |
//!
//! When a token is configured (`[server] token_env` or `token_file`; required when `listen` is
//! not loopback), the routes marked "yes" need `Authorization: Bearer TOKEN`, or HTTP Basic
//! with the token as the password (so a browser can ask for it). Tokens are compared in constant
//! time, by their SHA-256 digests, and never logged.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::status::{DaemonInfo, StatusReport};
use super::{Component, ComponentError, Handle, STALL_AFTER};
use crate::channels::secret::Secret;
use crate::store::State as JournalState;

/// Who may read the protected routes.
#[derive(Clone)]
pub struct Auth {
    /// The token's SHA-256 digest; `None`: no token configured (loopback only).
    digest: Option<[u8; 32]>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.digest.map(|_| "***"))
            .finish()
    }
}

impl Auth {
    /// No token: anyone who can reach the server may read it (loopback).
    pub fn open() -> Auth {
        Auth { digest: None }
    }

    /// Requests must carry this token.
    pub fn token(token: &Secret) -> Auth {
        Auth {
            digest: Some(Sha256::digest(token.expose().as_bytes()).into()),
        }
    }

    /// Whether a token is required.
    pub fn required(&self) -> bool {
        self.digest.is_some()
    }

    /// Whether the request's `Authorization` header carries the token (always true when none is
    /// required).
    pub fn allows(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.digest else {
            return true;
        };
        let Some(given) = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(presented_token)
        else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        bool::from(given.ct_eq(expected))
    }
}

/// The token in an `Authorization` header: `Bearer TOKEN`, or `Basic base64(user:TOKEN)`.
fn presented_token(value: &str) -> Option<String> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD.decode(rest).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (_, password) = text.split_once(':')?;
        return Some(password.to_owned());
    }
    None
}

/// The router's state.
#[derive(Clone)]
struct App {
    handle: Handle,
    auth: Arc<Auth>,
}

/// The status server component, over a listener bound before the daemon starts (so a port that
/// is taken is reported at once).
#[derive(Debug)]
pub struct StatusServer {
    listener: tokio::net::TcpListener,
    auth: Auth,
}

impl StatusServer {
    /// A server on a bound listener, requiring `auth`'s token if it has one.
    pub fn new(listener: tokio::net::TcpListener, auth: Auth) -> Self {
        StatusServer { listener, auth }
    }
}

/// What makes the process not alive: a component that stopped beating.
pub fn liveness(handle: &Handle) -> Vec<String> {
    handle
        .beats()
        .into_iter()
        .filter(|(_, since)| *since > STALL_AFTER)
        .map(|(name, since)| format!("the {name} has not run for {}s", since.as_secs()))
        .collect()
}

/// What makes the daemon not ready: a database that doesn't answer, no content loaded, a claim
/// held far longer than a request may take, or publications left overdue past the grace period.
pub async fn readiness(handle: &Handle) -> Vec<String> {
    let mut problems = Vec::new();
    let content = handle.content();
    if !content.calendar.dir.is_dir() {
        problems.push(format!(
            "the content folder {} can't be read",
            crate::diag::display_path(&content.calendar.dir)
        ));
    }
    let store = handle.store();
    match tokio::time::timeout(Duration::from_secs(3), store.ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            problems.push(format!("the database doesn't answer: {e}"));
            return problems;
        }
        Err(_) => {
            problems.push("the database doesn't answer within 3s".to_owned());
            return problems;
        }
    }
    let now = handle.now();
    // A claim is stalled when it is older than a request may take (in clock time) plus a minute.
    let speed = handle.clock().speed().max(1.0);
    let limit = chrono::Duration::from_std(handle.settings().request_timeout.mul_f64(speed))
        .unwrap_or(chrono::Duration::MAX)
        + chrono::Duration::seconds(60);
    if let Ok(claims) = store.journal(&[JournalState::Claimed], 50).await
        && let Some(stalled) = claims
            .iter()
            .find(|c| c.claimed_at.is_some_and(|at| now - at > limit))
    {
        problems.push(format!(
            "a send is stalled: `{}` was claimed at {} and has no result",
            stalled.key,
            stalled.claimed_at.map(|t| t.to_rfc3339()).unwrap_or_default()
        ));
    }
    let overdue = now - handle.settings().grace - chrono::Duration::minutes(1);
    if let Ok(rows) = store.due(overdue, 1).await
        && let Some(row) = rows.first()
    {
        problems.push(format!(
            "the publisher is behind: `{}` was due at {} and is still waiting",
            row.key,
            row.due_at.to_rfc3339()
        ));
    }
    problems
}

/// Everything wrong, for `/status`: liveness then readiness.
pub async fn problems(handle: &Handle) -> Vec<String> {
    let mut problems = liveness(handle);
    problems.extend(readiness(handle).await);
    problems
}

fn health(problems: Vec<String>, ok: &str, details: bool) -> Response {
    let code = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let status = if problems.is_empty() { ok } else { "unhealthy" };
    let body = if details {
        serde_json::json!({ "status": status, "problems": problems })
    } else {
        serde_json::json!({ "status": status })
    };
    (code, Json(body)).into_response()
}

async fn healthz(State(app): State<App>, headers: HeaderMap) -> Response {
    health(liveness(&app.handle), "ok", app.auth.allows(&headers))
}

async fn readyz(State(app): State<App>, headers: HeaderMap) -> Response {
    health(readiness(&app.handle).await, "ready", app.auth.allows(&headers))
}

async fn report(handle: &Handle) -> Result<StatusReport, crate::store::StoreError> {
    let problems = problems(handle).await;
    let store = handle.store();
    let settings = handle.settings();
    let daemon = DaemonInfo {
        healthy: problems.is_empty(),
        problems,
        started_at: settings.started_at,
        clock_speed: handle.clock().speed(),
        replica: settings.owner.clone(),
        replicas: store.live_replicas(settings.lease * 3).await.unwrap_or_default(),
        leases: store.live_leases().await.unwrap_or_default(),
    };
    let snapshot = handle.content();
    StatusReport::build(handle.store().as_ref(), &snapshot, handle.now(), Some(daemon)).await
}

async fn status(State(app): State<App>) -> Response {
    match report(&app.handle).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

async fn page(State(app): State<App>) -> Response {
    match report(&app.handle).await {
        Ok(report) => {
            let snapshot = app.handle.content();
            let html = super::page::render(&report, &snapshot.config);
            (
                [
                    (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                    (header::CACHE_CONTROL, "no-store"),
                ],
                html,
            )
                .into_response()
        }
        Err(e) => {
            let html = format!(
                "<!DOCTYPE html>\n<html lang=\"en-GB\"><head><meta charset=\"utf-8\"><title>herald status</title></head>\
                 <body><h1>herald status</h1><p>The journal can't be read: {}</p></body></html>\n",
                super::page::escape(&e.to_string())
            );
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response()
        }
    }
}

async fn metrics(State(app): State<App>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        app.handle.metrics().render(),
    )
        .into_response()
}

async fn calendar(State(app): State<App>) -> Response {
    let snapshot = app.handle.content();
    let name = crate::ics::default_name(&snapshot.calendar);
    let export = crate::ics::export(&snapshot.config, &snapshot.calendar, &name, app.handle.now());
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CONTENT_DISPOSITION, "inline; filename=\"herald.ics\""),
        ],
        export.text,
    )
        .into_response()
}

/// Refuses requests without the token, asking a browser for it (Basic) or a script (Bearer).
async fn require_token(State(app): State<App>, request: Request, next: Next) -> Response {
    if app.auth.allows(request.headers()) {
        return next.run(request).await;
    }
    let mut response = (
        StatusCode::UNAUTHORIZED,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "This herald status server needs its token: send `Authorization: Bearer TOKEN`, or sign in \
         with any user name and the token as the password.\n",
    )
        .into_response();
    let headers = response.headers_mut();
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"herald status\", charset=\"UTF-8\""),
    );
    headers.append(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"herald status\""),
    );
    response
}

/// Headers on every answer: no sniffing, no framing, no referrer (links go to public sites), and
/// a policy that allows no script at all.
async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    response
}

/// The routes, for the server and for tests.
pub fn router(handle: Handle, auth: Auth) -> axum::Router {
    let app = App {
        handle,
        auth: Arc::new(auth),
    };
    let protected = axum::Router::new()
        .route("/", get(page))
        .route("/status", get(status))
        .route("/metrics", get(metrics))
        .route("/calendar.ics", get(calendar))
        .route_layer(middleware::from_fn_with_state(app.clone(), require_token));
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .merge(protected)
        .layer(middleware::from_fn(security_headers))
        .with_state(app)
}

#[async_trait]
impl Component for StatusServer {
    fn name(&self) -> &'static str {
        "status server"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let stop = handle.clone();
        let addr = self.listener.local_addr().ok();
        tracing::info!(listen = ?addr, token = self.auth.required(), "status server listening");
        axum::serve(self.listener, router(handle.clone(), self.auth))
            .with_graceful_shutdown(async move { stop.stopped().await })
            .await
            .map_err(|e| ComponentError::new("status server", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::clock::{SharedClock, SimulatedClock};
    use crate::daemon::{Settings, Snapshot};

    struct Running {
        base: String,
        client: reqwest::Client,
        _dir: tempfile::TempDir,
        handle: Handle,
    }

    async fn serve(auth: Auth) -> Running {
        let (store, dir) = crate::store::testing::sqlite().await;
        std::fs::create_dir_all(dir.path().join("content/posts")).unwrap();
        let (config, _) = crate::config::LoadedConfig::from_text(
            &dir.path().join("herald.toml"),
            "[[accounts]]\nname = \"outbox\"\nplatform = \"outbox\"\npath = \"o\"\n".to_owned(),
        );
        let snapshot = Snapshot::load(Arc::new(config), &dir.path().join("content"), 1);
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-01T10:00:00Z")
            .unwrap()
            .to_utc();
        let clock: SharedClock = Arc::new(SimulatedClock::new(start, 1.0));
        let settings = Settings {
            grace: chrono::Duration::minutes(15),
            request_timeout: Duration::from_secs(1),
            owner: "test".into(),
            listen: "127.0.0.1:0".into(),
            started_at: clock.now(),
            lease: crate::store::DEFAULT_LEASE,
            exclusive: true,
        };
        let handle = Handle::new(clock, store, BTreeMap::new(), Vec::new(), settings, snapshot);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let app = router(handle.clone(), auth);
        tokio::spawn(async move { axum::serve(listener, app).await });
        Running {
            base,
            client: crate::http::client().build().unwrap(),
            _dir: dir,
            handle,
        }
    }

    #[tokio::test]
    async fn without_a_token_everything_answers_on_loopback() {
        let r = serve(Auth::open()).await;
        let page = r.client.get(format!("{}/", r.base)).send().await.unwrap();
        assert_eq!(page.status(), 200);
        assert_eq!(page.headers()["content-type"], "text/html; charset=utf-8");
        assert!(
            page.headers()["content-security-policy"]
                .to_str()
                .unwrap()
                .starts_with("default-src 'none'")
        );
        let html = page.text().await.unwrap();
        assert!(html.contains("<h1>herald status</h1>"), "{html}");
        assert!(html.contains("<h2 id=\"upcoming\">Upcoming publications</h2>"));

        let ready = r.client.get(format!("{}/readyz", r.base)).send().await.unwrap();
        assert_eq!(ready.status(), 200);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body, serde_json::json!({"status": "ready", "problems": []}));

        r.handle
            .metrics()
            .publication("outbox", crate::daemon::metrics::PublicationResult::Sent);
        let metrics = r.client.get(format!("{}/metrics", r.base)).send().await.unwrap();
        assert_eq!(
            metrics.headers()["content-type"],
            "text/plain; version=0.0.4; charset=utf-8"
        );
        let text = metrics.text().await.unwrap();
        assert!(text.contains("herald_publications_total{channel=\"outbox\",result=\"sent\"} 1"));

        let ics = r
            .client
            .get(format!("{}/calendar.ics", r.base))
            .send()
            .await
            .unwrap();
        assert_eq!(ics.headers()["content-type"], "text/calendar; charset=utf-8");
        assert!(ics.text().await.unwrap().starts_with("BEGIN:VCALENDAR\r\n"));
    }

    #[tokio::test]
    async fn with_a_token_only_its_holder_reads_the_status() {
        let r = serve(Auth::token(&Secret::new("s3cret-token"))).await;
        for path in ["/", "/status", "/metrics", "/calendar.ics"] {
            let denied = r.client.get(format!("{}{path}", r.base)).send().await.unwrap();
            assert_eq!(denied.status(), 401, "{path}");
            let challenges: Vec<&str> = denied
                .headers()
                .get_all("www-authenticate")
                .iter()
                .map(|v| v.to_str().unwrap())
                .collect();
            assert_eq!(
                challenges,
                [
                    "Basic realm=\"herald status\", charset=\"UTF-8\"",
                    "Bearer realm=\"herald status\""
                ]
            );
            let wrong = r
                .client
                .get(format!("{}{path}", r.base))
                .bearer_auth("s3cret-tokem")
                .send()
                .await
                .unwrap();
            assert_eq!(wrong.status(), 401, "{path}");
            let bearer = r
                .client
                .get(format!("{}{path}", r.base))
                .bearer_auth("s3cret-token")
                .send()
                .await
                .unwrap();
            assert_eq!(bearer.status(), 200, "{path}");
            let basic = r
                .client
                .get(format!("{}{path}", r.base))
                .basic_auth("anyone", Some("s3cret-token"))
                .send()
                .await
                .unwrap();
            assert_eq!(basic.status(), 200, "{path}");
        }
        // Health answers anyone, with details only for the token's holder.
        let health = r.client.get(format!("{}/healthz", r.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        assert_eq!(
            health.json::<serde_json::Value>().await.unwrap(),
            serde_json::json!({"status": "ok"})
        );
        let ready = r
            .client
            .get(format!("{}/readyz", r.base))
            .bearer_auth("s3cret-token")
            .send()
            .await
            .unwrap();
        assert_eq!(
            ready.json::<serde_json::Value>().await.unwrap(),
            serde_json::json!({"status": "ready", "problems": []})
        );
        assert!(!format!("{:?}", Auth::token(&Secret::new("s3cret-token"))).contains("s3cret"));
    }

    #[tokio::test]
    async fn a_stalled_claim_makes_the_daemon_not_ready() {
        let r = serve(Auth::open()).await;
        let store = r.handle.store();
        let long_ago = r.handle.now() - chrono::Duration::minutes(10);
        let p = crate::store::Planned::new("post", "outbox", long_ago, true);
        store.plan(&p, long_ago).await.unwrap();
        store
            .claim(&p.key, "gone", "Hi", long_ago, crate::store::DEFAULT_LEASE)
            .await
            .unwrap()
            .unwrap();
        let ready = r.client.get(format!("{}/readyz", r.base)).send().await.unwrap();
        assert_eq!(ready.status(), 503);
        let body: serde_json::Value = ready.json().await.unwrap();
        assert_eq!(body["status"], "unhealthy");
        assert!(
            body["problems"][0]
                .as_str()
                .unwrap()
                .starts_with("a send is stalled: `post#outbox@"),
            "{body}"
        );
        // Liveness is about the process, not the journal.
        let health = r.client.get(format!("{}/healthz", r.base)).send().await.unwrap();
        assert_eq!(health.status(), 200);
    }
}
