//! The status server: `/healthz` for supervisors and load balancers, `/status` (JSON) for
//! `herald status`. It listens on `server.listen` and stops with the daemon.

use std::time::Duration;

use async_trait::async_trait;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use super::status::{DaemonInfo, StatusReport};
use super::{Component, ComponentError, Handle, STALL_AFTER};

/// The status server component, over a listener bound before the daemon starts (so a port that
/// is taken is reported at once).
#[derive(Debug)]
pub struct StatusServer {
    listener: tokio::net::TcpListener,
}

impl StatusServer {
    /// A server on a bound listener.
    pub fn new(listener: tokio::net::TcpListener) -> Self {
        StatusServer { listener }
    }
}

/// What is wrong, if anything: a component that stopped beating, a database that doesn't
/// answer, or publications left overdue past the grace period (a stalled publisher).
pub async fn problems(handle: &Handle) -> Vec<String> {
    let mut problems = Vec::new();
    for (name, since) in handle.beats() {
        if since > STALL_AFTER {
            problems.push(format!("the {name} has not run for {}s", since.as_secs()));
        }
    }
    match tokio::time::timeout(Duration::from_secs(3), handle.store().ping()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => problems.push(format!("the database doesn't answer: {e}")),
        Err(_) => problems.push("the database doesn't answer within 3s".to_owned()),
    }
    let overdue = handle.now() - handle.settings().grace - chrono::Duration::minutes(1);
    match handle.store().due(overdue, 1).await {
        Ok(rows) if !rows.is_empty() => problems.push(format!(
            "the publisher is behind: `{}` was due at {} and is still waiting",
            rows[0].key,
            rows[0].due_at.to_rfc3339()
        )),
        _ => {}
    }
    problems
}

async fn healthz(State(handle): State<Handle>) -> Response {
    let problems = problems(&handle).await;
    let body = serde_json::json!({
        "status": if problems.is_empty() { "ok" } else { "unhealthy" },
        "problems": problems,
    });
    let code = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(body)).into_response()
}

async fn status(State(handle): State<Handle>) -> Response {
    let problems = problems(&handle).await;
    let daemon = DaemonInfo {
        healthy: problems.is_empty(),
        problems,
        started_at: handle.settings().started_at,
        clock_speed: handle.clock().speed(),
    };
    let snapshot = handle.content();
    match StatusReport::build(handle.store().as_ref(), &snapshot, handle.now(), Some(daemon)).await {
        Ok(report) => Json(report).into_response(),
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(serde_json::json!({ "error": e.to_string() })),
        )
            .into_response(),
    }
}

/// The routes, for the server and for tests.
pub fn router(handle: Handle) -> axum::Router {
    axum::Router::new()
        .route("/healthz", get(healthz))
        .route("/status", get(status))
        .with_state(handle)
}

#[async_trait]
impl Component for StatusServer {
    fn name(&self) -> &'static str {
        "status server"
    }

    async fn run(self: Box<Self>, handle: Handle) -> Result<(), ComponentError> {
        let stop = handle.clone();
        let addr = self.listener.local_addr().ok();
        tracing::info!(listen = ?addr, "status server listening");
        axum::serve(self.listener, router(handle.clone()))
            .with_graceful_shutdown(async move { stop.stopped().await })
            .await
            .map_err(|e| ComponentError::new("status server", e.to_string()))
    }
}
