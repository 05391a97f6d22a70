//! `/healthz`, `/metrics`, `/openapi.json`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::host::Host;

/// Health: the database answers and the engine never rejected a committed write.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Health {
    /// `ok` or `degraded`.
    pub status: String,
    /// Whether a query succeeded.
    pub database: bool,
    /// Committed writes the engine rejected (0 when healthy).
    pub engine_sync_failures: u64,
    /// Freelancers in the engine.
    pub freelancers: usize,
    /// Jobs in the engine.
    pub jobs: usize,
    /// Connected live-match streams.
    pub live_subscribers: usize,
}

/// Liveness and consistency (503 when degraded).
#[utoipa::path(get, path = "/healthz", tag = "system",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
pub async fn healthz(State(host): State<Arc<Host>>) -> Response {
    let database = sqlx::query_scalar::<_, i64>("SELECT 1")
        .fetch_one(&host.db)
        .await
        .is_ok();
    let failures = host.metrics.sync_failures();
    let ok = database && failures == 0;
    let h = Health {
        status: if ok { "ok" } else { "degraded" }.into(),
        database,
        engine_sync_failures: failures,
        freelancers: host.engine.freelancer_count(),
        jobs: host.engine.job_count(),
        live_subscribers: host.live.subscribers(),
    };
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(h)).into_response()
}

/// Prometheus metrics (OpenMetrics text).
#[utoipa::path(get, path = "/metrics", tag = "system",
    responses((status = 200, content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(host): State<Arc<Host>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        host.metrics.render(),
    )
        .into_response()
}

/// This API's OpenAPI document, generated from the handlers and their types.
#[utoipa::path(get, path = "/openapi.json", tag = "system",
    responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn openapi(State(host): State<Arc<Host>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        host.openapi().to_owned(),
    )
        .into_response()
}
