//! `/freelancers/*`.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::response::IntoResponse;
use axum::response::sse::{Event, KeepAlive, Sse};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Caller;
use crate::error::{ApiError, ApiJson, ApiResult, ErrorBody};
use crate::host::Host;
use crate::ids::Kind;
use crate::live::LiveMatch;
use crate::model::{FreelancerView, ProfileBody, RecommendationsView};
use crate::service::freelancers;
use crate::service::recommendations::{self, RecQuery};

/// A view's link to the served list that showed the item.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ViewQuery {
    /// The `request_id` of the recommendation (or live push) that showed this item: the view
    /// is recorded as an outcome of it (once per request and viewer).
    pub request_id: Option<String>,
}

/// Create or replace the caller's freelancer profile (the engine's field names).
#[utoipa::path(put, path = "/freelancers/me", tag = "freelancers", security(("bearer" = [])),
    request_body = ProfileBody,
    responses((status = 200, body = FreelancerView), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_me(
    State(host): State<Arc<Host>>,
    caller: Caller,
    ApiJson(body): ApiJson<ProfileBody>,
) -> ApiResult<Json<FreelancerView>> {
    Ok(Json(freelancers::put_mine(&host, &caller, body).await?))
}

/// The caller's own profile, with the disclosed attributes.
#[utoipa::path(get, path = "/freelancers/me", tag = "freelancers", security(("bearer" = [])),
    responses((status = 200, body = FreelancerView), (status = 409, body = ErrorBody)))]
pub async fn get_me(
    State(host): State<Arc<Host>>,
    caller: Caller,
) -> ApiResult<Json<FreelancerView>> {
    let fid = caller.freelancer()?;
    let mut conn = host.db.acquire().await?;
    Ok(Json(freelancers::view(&mut conn, fid, true).await?))
}

/// A freelancer's public profile, reputation and published reviews.
#[utoipa::path(get, path = "/freelancers/{id}", tag = "freelancers",
    params(("id" = String, Path, description = "freelancer id (`f3`)"), ViewQuery),
    responses((status = 200, body = FreelancerView), (status = 404, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn get_freelancer(
    State(host): State<Arc<Host>>,
    caller: Option<Caller>,
    Path(id): Path<String>,
    Query(q): Query<ViewQuery>,
) -> ApiResult<Json<FreelancerView>> {
    let id = Kind::Freelancer.parse(&id)?;
    Ok(Json(
        freelancers::get(&host, caller.as_ref(), id, q.request_id).await?,
    ))
}

/// Open jobs for the caller, ranked and explained by the engine; records the served list.
#[utoipa::path(get, path = "/freelancers/me/recommendations", tag = "freelancers",
    security(("bearer" = [])), params(RecQuery),
    responses((status = 200, body = RecommendationsView), (status = 403, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn my_recommendations(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Query(q): Query<RecQuery>,
) -> ApiResult<Json<RecommendationsView>> {
    Ok(Json(
        recommendations::jobs_for_freelancer(&host, &caller, &q).await?,
    ))
}

/// `?k=` of the live-match stream.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamQuery {
    /// The top-k list to watch (1–100, default 10).
    pub k: Option<String>,
}

/// Server-sent events: first `snapshot` (the caller's current top k jobs, `LiveSnapshot`),
/// then a `match` (`LiveMatch`) for every newly opened job that enters it.
#[utoipa::path(get, path = "/freelancers/me/matches/stream", tag = "freelancers",
    security(("bearer" = [])), params(StreamQuery),
    responses((status = 200, content_type = "text/event-stream",
               description = "`event: snapshot` then `event: match` lines with JSON data",
               body = LiveMatch),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn match_stream(
    State(host): State<Arc<Host>>,
    caller: Caller,
    Query(q): Query<StreamQuery>,
) -> ApiResult<impl IntoResponse> {
    let fid = caller.freelancer()?;
    let k = match q.k.as_deref() {
        None => 10,
        Some(s) => s
            .parse::<usize>()
            .ok()
            .filter(|k| (1..=host.rules.max_k).contains(k))
            .ok_or_else(|| {
                ApiError::invalid(
                    "k",
                    format!("must be a whole number in 1–{}", host.rules.max_k),
                )
            })?,
    };
    let sub = host.live.subscribe(fid, caller.user_id, k).await?;
    let stream = futures_util::stream::unfold(sub, |mut sub| async move {
        let ev = sub.events.recv().await?;
        let sse = Event::default().event(ev.name()).data(ev.data());
        Some((Ok::<Event, Infallible>(sse), sub))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
