//! `/contracts/*`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;

use crate::auth::Caller;
use crate::error::{ApiJson, ApiResult, ErrorBody, OptionalJson};
use crate::flow::ContractAction;
use crate::host::Host;
use crate::ids::Kind;
use crate::model::{ContractView, ReviewView};
use crate::service::contracts::{self, NoteBody, ReviewBody};

/// The caller's contracts, newest first.
#[utoipa::path(get, path = "/contracts", tag = "contracts", security(("bearer" = [])),
    responses((status = 200, body = Vec<ContractView>), (status = 403, body = ErrorBody)))]
pub async fn my_contracts(
    State(host): State<Arc<Host>>,
    caller: Caller,
) -> ApiResult<Json<Vec<ContractView>>> {
    Ok(Json(contracts::list_mine(&host, &caller).await?))
}

/// A contract (its parties and admins): status, timers, history, and the reviews the caller
/// may see (published ones and their own).
#[utoipa::path(get, path = "/contracts/{id}", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "contract id (`c4`)")),
    responses((status = 200, body = ContractView), (status = 404, body = ErrorBody)))]
pub async fn get_contract(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<ContractView>> {
    let id = Kind::Contract.parse(&id)?;
    Ok(Json(contracts::get(&host, &caller, id).await?))
}

async fn act(
    host: &Host,
    caller: &Caller,
    id: &str,
    action: ContractAction,
    note: NoteBody,
) -> ApiResult<Json<ContractView>> {
    let id = Kind::Contract.parse(id)?;
    Ok(Json(contracts::act(host, caller, id, action, note).await?))
}

/// Deliver (freelancer), optionally with `{"note": …}`.
#[utoipa::path(post, path = "/contracts/{id}/deliver", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "contract id")), request_body(content = Option<NoteBody>),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn deliver(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(note): OptionalJson<NoteBody>,
) -> ApiResult<Json<ContractView>> {
    act(&host, &caller, &id, ContractAction::Deliver, note).await
}

/// Ask for changes to a delivery (client), with `{"note": …}`.
#[utoipa::path(post, path = "/contracts/{id}/request-changes", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "contract id")), request_body = NoteBody,
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn request_changes(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(note): OptionalJson<NoteBody>,
) -> ApiResult<Json<ContractView>> {
    act(&host, &caller, &id, ContractAction::RequestChanges, note).await
}

/// Accept the delivery (client): the contract and its job are completed.
#[utoipa::path(post, path = "/contracts/{id}/accept", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "contract id")),
    responses((status = 200, body = ContractView), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn accept(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    OptionalJson(note): OptionalJson<NoteBody>,
) -> ApiResult<Json<ContractView>> {
    act(&host, &caller, &id, ContractAction::Accept, note).await
}

/// Review the other party of a completed contract (once, within 7 days). Reviews are
/// double-blind: published when both are in or when the 7 days end.
#[utoipa::path(post, path = "/contracts/{id}/reviews", tag = "contracts", security(("bearer" = [])),
    params(("id" = String, Path, description = "contract id")), request_body = ReviewBody,
    responses((status = 201, body = ReviewView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> ApiResult<(StatusCode, Json<ReviewView>)> {
    let id = Kind::Contract.parse(&id)?;
    Ok((
        StatusCode::CREATED,
        Json(contracts::review(&host, &caller, id, body).await?),
    ))
}
