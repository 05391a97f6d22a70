//! `/jobs/*`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::IntoParams;

use crate::api::freelancers::ViewQuery;
use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::flow::{JobAction, JobStatus};
use crate::host::Host;
use crate::ids::Kind;
use crate::model::{JobBody, JobView, Page, ProposalView, RecommendationsView, ScoredProposal};
use crate::service::jobs;
use crate::service::proposals::{self, ProposalBody};
use crate::service::recommendations::{self, RecQuery};

/// Create a job (as a draft; open it with `POST /jobs/{id}/open`).
#[utoipa::path(post, path = "/jobs", tag = "jobs", security(("bearer" = [])), request_body = JobBody,
    responses((status = 201, body = JobView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_job(
    State(host): State<Arc<Host>>,
    caller: Caller,
    ApiJson(body): ApiJson<JobBody>,
) -> ApiResult<(StatusCode, Json<JobView>)> {
    Ok((
        StatusCode::CREATED,
        Json(jobs::create(&host, &caller, body).await?),
    ))
}

/// `GET /jobs` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// `open` (the default, public) or, with `mine=true`, any status.
    pub status: Option<String>,
    /// `true`: the caller's own jobs (clients).
    pub mine: Option<String>,
    /// The last id of the previous page.
    pub after: Option<String>,
    /// Page size, 1–100 (default 50).
    pub limit: Option<String>,
}

/// List open jobs (or the caller's own), newest first.
#[utoipa::path(get, path = "/jobs", tag = "jobs", params(ListQuery),
    responses((status = 200, body = Page<JobView>), (status = 422, body = ErrorBody)))]
pub async fn list_jobs(
    State(host): State<Arc<Host>>,
    caller: Option<Caller>,
    Query(q): Query<ListQuery>,
) -> ApiResult<Json<Page<JobView>>> {
    let status = q
        .status
        .as_deref()
        .map(|s| {
            JobStatus::parse(s)
                .ok_or_else(|| ApiError::invalid("status", format!("`{s}` is not a job status")))
        })
        .transpose()?;
    let mine = match q.mine.as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(o) => {
            return Err(ApiError::invalid(
                "mine",
                format!("`{o}` is not true or false"),
            ));
        }
    };
    let after = q
        .after
        .as_deref()
        .map(|a| {
            Kind::Job
                .parse(a)
                .map_err(|_| ApiError::invalid("after", "not a job id"))
        })
        .transpose()?;
    let limit = match q.limit.as_deref() {
        None => 50,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|l| (1..=100).contains(l))
            .ok_or_else(|| ApiError::invalid("limit", "must be a whole number in 1–100"))?,
    };
    Ok(Json(
        jobs::list(&host, caller.as_ref(), status, mine, after, limit).await?,
    ))
}

/// A job (drafts only for their client).
#[utoipa::path(get, path = "/jobs/{id}", tag = "jobs",
    params(("id" = String, Path, description = "job id (`j17`)"), ViewQuery),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn get_job(
    State(host): State<Arc<Host>>,
    caller: Option<Caller>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> ApiResult<Json<JobView>> {
    let id = Kind::Job.parse(&id)?;
    Ok(Json(
        jobs::get(&host, caller.as_ref(), id, q.request_id).await?,
    ))
}

/// Edit a draft, open or closed job with a JSON merge patch (RFC 7396): present fields
/// replace, `null` removes; the result is validated as a whole body.
#[utoipa::path(patch, path = "/jobs/{id}", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    request_body(content = Object, description = "a partial JobBody", content_type = "application/merge-patch+json"),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_job(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(patch): ApiJson<serde_json::Value>,
) -> ApiResult<Json<JobView>> {
    caller.require(crate::auth::Role::Client)?;
    let id = Kind::Job.parse(&id)?;
    Ok(Json(jobs::patch(&host, &caller, id, patch).await?))
}

async fn transition(
    host: &Host,
    caller: &Caller,
    id: &str,
    action: JobAction,
) -> ApiResult<Json<JobView>> {
    caller.require(crate::auth::Role::Client)?;
    let id = Kind::Job.parse(id)?;
    Ok(Json(jobs::transition(host, caller, id, action).await?))
}

/// Open (or reopen) a job: it becomes visible, takes proposals, and is pushed to matching
/// freelancers on the live-match stream.
#[utoipa::path(post, path = "/jobs/{id}/open", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn open_job(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    transition(&host, &caller, &id, JobAction::Open).await
}

/// Close a job: no new proposals (those in can still be accepted).
#[utoipa::path(post, path = "/jobs/{id}/close", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn close_job(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    transition(&host, &caller, &id, JobAction::Close).await
}

/// Cancel a job: pending proposals are declined and a running contract is cancelled.
#[utoipa::path(post, path = "/jobs/{id}/cancel", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = JobView), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_job(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<JobView>> {
    transition(&host, &caller, &id, JobAction::Cancel).await
}

/// Freelancers for the caller's job, ranked and explained by the engine, with the
/// marketplace's (or the request's) fairness policy; the served list is recorded as
/// impressions.
#[utoipa::path(get, path = "/jobs/{id}/recommendations", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id"), RecQuery),
    responses((status = 200, body = RecommendationsView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn job_recommendations(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    Query(q): Query<RecQuery>,
) -> ApiResult<Json<RecommendationsView>> {
    caller.require(crate::auth::Role::Client)?;
    let id = Kind::Job.parse(&id)?;
    Ok(Json(
        recommendations::freelancers_for_job(&host, &caller, id, &q).await?,
    ))
}

/// Send a proposal to an open job (freelancers with a profile; one per job).
#[utoipa::path(post, path = "/jobs/{id}/proposals", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")), request_body = ProposalBody,
    responses((status = 201, body = ProposalView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_proposal(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ProposalBody>,
) -> ApiResult<(StatusCode, Json<ProposalView>)> {
    caller.freelancer()?;
    let id = Kind::Job.parse(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(proposals::submit(&host, &caller, id, body).await?),
    ))
}

/// The proposals of the caller's job, ordered by the engine's pair score.
#[utoipa::path(get, path = "/jobs/{id}/proposals", tag = "jobs", security(("bearer" = [])),
    params(("id" = String, Path, description = "job id")),
    responses((status = 200, body = Vec<ScoredProposal>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_proposals(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<ScoredProposal>>> {
    caller.require(crate::auth::Role::Client)?;
    let id = Kind::Job.parse(&id)?;
    Ok(Json(proposals::list_for_job(&host, &caller, id).await?))
}
