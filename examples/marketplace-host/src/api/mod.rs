//! The HTTP surface: the router (every route registered with its OpenAPI description, so
//! `/openapi.json` is generated from the handlers' own types), the body limit, the JSON 404
//! and 405, request metrics, and panic containment (a panicking handler answers 500 and the
//! server keeps running).

mod accounts;
mod admin;
mod contracts;
mod freelancers;
mod jobs;
mod proposals;
mod system;

pub use accounts::session_cookie;

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::FutureExt;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{ApiError, BODY_LIMIT};
use crate::host::Host;

/// The document's fixed parts; paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "fairmatch marketplace host",
        description = "The reference marketplace around the fairmatch engine: accounts, profiles, \
                       jobs, recommendations both ways (with impressions), proposals, contracts, \
                       double-blind reviews, live matches, audits. Errors are \
                       `{\"error\": {\"code\", \"message\", \"field\"}}`."
    ),
    modifiers(&Security),
    components(schemas(crate::live::LiveSnapshot, crate::live::TopEntry)),
    tags(
        (name = "auth", description = "Accounts and sessions"),
        (name = "freelancers", description = "Profiles, job recommendations, live matches"),
        (name = "jobs", description = "Jobs, freelancer recommendations, proposals"),
        (name = "proposals", description = "Proposal actions"),
        (name = "contracts", description = "Delivery, acceptance, reviews"),
        (name = "admin", description = "Audit, fairness policy, dashboard"),
        (name = "system", description = "Health, metrics, this document"),
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The router and its OpenAPI document.
pub fn router(host: Arc<Host>) -> (axum::Router, utoipa::openapi::OpenApi) {
    let (router, doc) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(accounts::register))
        .routes(routes!(accounts::login))
        .routes(routes!(accounts::logout))
        .routes(routes!(freelancers::put_me, freelancers::get_me))
        .routes(routes!(freelancers::get_freelancer))
        .routes(routes!(freelancers::my_recommendations))
        .routes(routes!(freelancers::match_stream))
        .routes(routes!(jobs::create_job, jobs::list_jobs))
        .routes(routes!(jobs::get_job, jobs::patch_job))
        .routes(routes!(jobs::open_job))
        .routes(routes!(jobs::close_job))
        .routes(routes!(jobs::cancel_job))
        .routes(routes!(jobs::job_recommendations))
        .routes(routes!(jobs::create_proposal, jobs::list_proposals))
        .routes(routes!(proposals::my_proposals))
        .routes(routes!(proposals::withdraw))
        .routes(routes!(proposals::shortlist))
        .routes(routes!(proposals::decline))
        .routes(routes!(proposals::accept))
        .routes(routes!(contracts::my_contracts))
        .routes(routes!(contracts::get_contract))
        .routes(routes!(contracts::deliver))
        .routes(routes!(contracts::request_changes))
        .routes(routes!(contracts::accept))
        .routes(routes!(contracts::review))
        .routes(routes!(admin::audit))
        .routes(routes!(admin::get_policy, admin::put_policy))
        .routes(routes!(admin::verify))
        .routes(routes!(crate::dashboard::dashboard))
        .routes(routes!(
            crate::dashboard::login_page,
            crate::dashboard::login_form
        ))
        .routes(routes!(system::healthz))
        .routes(routes!(system::metrics))
        .routes(routes!(system::openapi))
        .route_layer(middleware::from_fn_with_state(host.clone(), track))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .fallback(not_found)
        .with_state(host)
        .split_for_parts();
    let router = router.method_not_allowed_fallback(method_not_allowed);
    (router, doc)
}

async fn not_found() -> Response {
    ApiError::not_found("such route").into_response()
}

async fn method_not_allowed() -> Response {
    let mut e = ApiError::not_found("such method");
    e.status = StatusCode::METHOD_NOT_ALLOWED;
    e.code = "method_not_allowed";
    e.message = "this route does not take that method".into();
    e.into_response()
}

/// Counts and times every matched request, and turns a handler panic into a 500.
async fn track(State(host): State<Arc<Host>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let res = AssertUnwindSafe(next.run(req))
        .catch_unwind()
        .await
        .unwrap_or_else(|_| {
            ApiError::internal(format!("handler for {method} {route} panicked")).into_response()
        });
    host.metrics.request(
        &method,
        &route,
        res.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    res
}
