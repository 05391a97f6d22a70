//! `/proposals/*`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};

use crate::auth::Caller;
use crate::error::{ApiResult, ErrorBody};
use crate::flow::ProposalAction;
use crate::host::Host;
use crate::ids::Kind;
use crate::model::ProposalView;
use crate::service::proposals::{self, ProposalOutcome};

/// The caller's own proposals (freelancers), newest first.
#[utoipa::path(get, path = "/proposals", tag = "proposals", security(("bearer" = [])),
    responses((status = 200, body = Vec<ProposalView>), (status = 403, body = ErrorBody)))]
pub async fn my_proposals(
    State(host): State<Arc<Host>>,
    caller: Caller,
) -> ApiResult<Json<Vec<ProposalView>>> {
    Ok(Json(proposals::list_mine(&host, &caller).await?))
}

async fn act(
    host: &Host,
    caller: &Caller,
    id: &str,
    action: ProposalAction,
) -> ApiResult<Json<ProposalOutcome>> {
    let id = Kind::Proposal.parse(id)?;
    Ok(Json(proposals::act(host, caller, id, action).await?))
}

/// Withdraw the caller's proposal (freelancer).
#[utoipa::path(post, path = "/proposals/{id}/withdraw", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id (`p9`)")),
    responses((status = 200, body = ProposalOutcome), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn withdraw(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProposalOutcome>> {
    act(&host, &caller, &id, ProposalAction::Withdraw).await
}

/// Shortlist a proposal to the caller's job (client).
#[utoipa::path(post, path = "/proposals/{id}/shortlist", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, body = ProposalOutcome), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn shortlist(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProposalOutcome>> {
    act(&host, &caller, &id, ProposalAction::Shortlist).await
}

/// Decline a proposal to the caller's job (client).
#[utoipa::path(post, path = "/proposals/{id}/decline", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, body = ProposalOutcome), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn decline(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProposalOutcome>> {
    act(&host, &caller, &id, ProposalAction::Decline).await
}

/// Accept a proposal (client): creates the contract, moves the job to `in_progress` and
/// declines every other pending proposal, in one transaction.
#[utoipa::path(post, path = "/proposals/{id}/accept", tag = "proposals", security(("bearer" = [])),
    params(("id" = String, Path, description = "proposal id")),
    responses((status = 200, body = ProposalOutcome), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ProposalOutcome>> {
    act(&host, &caller, &id, ProposalAction::Accept).await
}
