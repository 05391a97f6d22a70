//! `/admin/*`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, Role};
use crate::engine_sync::VerifyReport;
use crate::error::{ApiJson, ApiResult, ErrorBody};
use crate::host::Host;
use crate::schema;
use crate::service::admin::{self, AuditQuery, PolicyBody};

/// The engine's audit of one freelancer attribute over a window: exposure vs population
/// share, the funnel with parity and disparate impact, rating gaps with Benjamini–Hochberg
/// adjusted p-values, Gini of exposure. Undefined ratios are `null`.
#[utoipa::path(get, path = "/admin/audit", tag = "admin", security(("bearer" = [])), params(AuditQuery),
    responses((status = 200, body = schema::AuditReport), (status = 403, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn audit(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Query(q): Query<AuditQuery>,
) -> ApiResult<Response> {
    let report = admin::audit(&host, &caller, q).await?;
    Ok(Json(report).into_response())
}

/// The marketplace's fairness policy.
#[utoipa::path(get, path = "/admin/fairness-policy", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = PolicyBody), (status = 403, body = ErrorBody)))]
pub async fn get_policy(
    State(host): State<Arc<Host>>,
    caller: Caller,
) -> ApiResult<Json<PolicyBody>> {
    Ok(Json(admin::get_policy(&host, &caller)?))
}

/// Set the policy every freelancer recommendation runs unless the request names its own
/// (`{"policy": null}` switches it off).
#[utoipa::path(put, path = "/admin/fairness-policy", tag = "admin", security(("bearer" = [])),
    request_body = PolicyBody,
    responses((status = 200, body = PolicyBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_policy(
    State(host): State<Arc<Host>>,
    caller: Caller,
    ApiJson(body): ApiJson<PolicyBody>,
) -> ApiResult<Json<PolicyBody>> {
    caller.require(Role::Admin)?;
    Ok(Json(admin::put_policy(&host, &caller, body).await?))
}

/// Rebuild a fresh engine from the database (writes pause meanwhile) and compare it with the
/// running one: snapshot bytes and every job's and freelancer's top 20.
#[utoipa::path(post, path = "/admin/verify", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = VerifyReport), (status = 403, body = ErrorBody)))]
pub async fn verify(
    State(host): State<Arc<Host>>,
    caller: Caller,
) -> ApiResult<Json<VerifyReport>> {
    Ok(Json(admin::verify(&host, &caller).await?))
}
