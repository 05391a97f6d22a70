//! `/auth/*`.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::auth::{Caller, SESSION_COOKIE};
use crate::error::{ApiJson, ApiResult, ErrorBody};
use crate::host::Host;
use crate::service::accounts::{self, LoginBody, RegisterBody, Registered, TokenView};

/// The `Set-Cookie` value of a session (HttpOnly, SameSite=Strict, for the HTML pages).
pub fn session_cookie(token: &str, max_age: i64) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("fm_session=; Max-Age=0"))
}

/// Register a client or freelancer account. The answer is the same whether or not the email
/// was already registered (no account enumeration).
#[utoipa::path(post, path = "/auth/register", tag = "auth", request_body = RegisterBody,
    responses((status = 202, body = Registered), (status = 422, body = ErrorBody)))]
pub async fn register(
    State(host): State<Arc<Host>>,
    ApiJson(body): ApiJson<RegisterBody>,
) -> ApiResult<(StatusCode, Json<Registered>)> {
    Ok((
        StatusCode::ACCEPTED,
        Json(accounts::register(&host, body).await?),
    ))
}

/// Log in: a bearer token for the API, and the same token as an HttpOnly session cookie for
/// the HTML pages. Failed logins are rate-limited per email and per address.
#[utoipa::path(post, path = "/auth/login", tag = "auth", request_body = LoginBody,
    responses((status = 200, body = TokenView), (status = 401, body = ErrorBody),
              (status = 429, body = ErrorBody)))]
pub async fn login(
    State(host): State<Arc<Host>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiJson(body): ApiJson<LoginBody>,
) -> ApiResult<Response> {
    let t = accounts::login(&host, body, Some(addr.ip())).await?;
    let cookie = session_cookie(&t.token, host.rules.token_ttl);
    let mut res = Json(t).into_response();
    res.headers_mut().insert(header::SET_COOKIE, cookie);
    Ok(res)
}

/// Log out: the token stops working.
#[utoipa::path(post, path = "/auth/logout", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = ErrorBody)))]
pub async fn logout(State(host): State<Arc<Host>>, caller: Caller) -> ApiResult<Response> {
    accounts::logout(&host, &caller).await?;
    let mut res = StatusCode::NO_CONTENT.into_response();
    res.headers_mut()
        .insert(header::SET_COOKIE, session_cookie("", 0));
    Ok(res)
}
