//! Every error the API answers, as one JSON shape — `{"error": {"code", "message",
//! "field"}}` — with the HTTP status that says what kind of failure it is:
//!
//! | status | code | when |
//! |---|---|---|
//! | 400 | `malformed_json` | the body is not JSON (syntax, truncated) |
//! | 401 | `unauthenticated`, `token_expired` | no token, a forged or unknown one, an expired one |
//! | 403 | `forbidden` | the caller's role may not do this |
//! | 404 | `not_found` | no such resource, or it belongs to someone else |
//! | 409 | `invalid_transition`, `conflict`, … | the resource is in a state that forbids the action |
//! | 413 | `payload_too_large` | the body is over the limit |
//! | 415 | `unsupported_media_type` | a body that is not `application/json` |
//! | 422 | `invalid_input` | wrong types, missing or unknown fields, values the engine rejects; `field` names it |
//! | 429 | `rate_limited` | too many failed logins (`Retry-After` says when to retry) |
//! | 500 | `internal` | a bug or a database failure (details go to the log, not the client) |
//!
//! A request that fails changes nothing: handlers validate before they write, and writes run
//! in one transaction that is only committed when every step succeeded.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use utoipa::ToSchema;

/// The result type of handlers and services.
pub type ApiResult<T> = Result<T, ApiError>;

/// The error body: `{"error": {...}}`.
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub error: ErrorDetail,
}

/// What went wrong, for machines (`code`, `field`) and people (`message`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, ToSchema)]
pub struct ErrorDetail {
    /// A stable, machine-readable code (`invalid_input`, `not_found`, …).
    pub code: String,
    /// A sentence saying what is wrong.
    pub message: String,
    /// The offending field as a dotted path into the request (`skills[2].level`), if one is
    /// to blame.
    pub field: Option<String>,
}

/// An error answer (status, code, message, field).
#[derive(Debug, Clone)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// The machine-readable code.
    pub code: &'static str,
    /// The human-readable message.
    pub message: String,
    /// The offending field, if any.
    pub field: Option<String>,
    /// Seconds after which a rate-limited caller may retry.
    pub retry_after: Option<u64>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} {}: {}",
            self.status.as_u16(),
            self.code,
            self.message
        )?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

impl ApiError {
    fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            field: None,
            retry_after: None,
        }
    }

    /// 422 `invalid_input` naming `field`.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.into()),
            ..Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", message)
        }
    }

    /// 400 `malformed_json`.
    pub fn malformed(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "malformed_json", message)
    }

    /// 401 `unauthenticated`.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", message)
    }

    /// 401 `token_expired`.
    pub fn token_expired() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "token_expired",
            "the token has expired; log in again",
        )
    }

    /// 403 `forbidden`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404 `not_found` for `what` (e.g. `job j17`).
    pub fn not_found(what: impl std::fmt::Display) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", format!("no {what}"))
    }

    /// 409 `invalid_transition`: the resource's state forbids the action.
    pub fn transition(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "invalid_transition", message)
    }

    /// 409 with a specific code (`already_exists`, `profile_required`, …).
    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, message)
    }

    /// 413 `payload_too_large`.
    pub fn too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than the limit of {limit} bytes"),
        )
    }

    /// 415 `unsupported_media_type`.
    pub fn media_type() -> Self {
        Self::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "send the body as JSON with `Content-Type: application/json`",
        )
    }

    /// 429 `rate_limited`, retry after `seconds`.
    pub fn rate_limited(seconds: u64) -> Self {
        Self {
            retry_after: Some(seconds.max(1)),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many failed attempts; retry in {} s", seconds.max(1)),
            )
        }
    }

    /// 500 `internal`; `detail` goes to the log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!("internal error: {detail}");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "internal error (see the server log)",
        )
    }

    /// An engine error about a request part: `InvalidInput` becomes 422 with the engine's
    /// field path re-rooted at the request (`strip` is the engine's prefix, such as
    /// `freelancer.`, `prefix` the request's, such as `""` or `fairness.`); anything else is
    /// internal.
    pub fn from_engine(e: fairmatch::Error, strip: &str, prefix: &str) -> Self {
        match e {
            fairmatch::Error::InvalidInput { field, reason } => {
                let rest = field.strip_prefix(strip).unwrap_or(&field);
                Self::invalid(format!("{prefix}{rest}"), reason)
            }
            e => Self::internal(e),
        }
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl From<fairmatch::Error> for ApiError {
    fn from(e: fairmatch::Error) -> Self {
        Self::from_engine(e, "", "")
    }
}

impl From<tokio::task::JoinError> for ApiError {
    fn from(e: tokio::task::JoinError) -> Self {
        Self::internal(format!("task: {e}"))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
                field: self.field,
            },
        };
        let mut res = (self.status, axum::Json(body)).into_response();
        if let Some(s) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        res
    }
}

/// The request body limit in bytes (bodies are small JSON documents).
pub const BODY_LIMIT: usize = 64 * 1024;

/// A JSON body whose errors are [`ApiError`]s naming the field: 400 for text that is not
/// JSON, 422 for wrong types, missing or unknown fields (with the path, e.g.
/// `skills[0].level`), 413 over [`BODY_LIMIT`], 415 without a JSON content type.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = read_json_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// A JSON body that may be left out: an empty body is `T::default()`; anything else is read
/// as [`ApiJson`] reads it.
#[derive(Debug)]
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0")
            || (!req.headers().contains_key(header::CONTENT_LENGTH)
                && !req.headers().contains_key(header::TRANSFER_ENCODING));
        if empty {
            return Ok(OptionalJson(T::default()));
        }
        let bytes = read_json_body(req, state).await?;
        parse_json(&bytes).map(OptionalJson)
    }
}

/// The body of a JSON request: 415 without a JSON content type, 413 over [`BODY_LIMIT`].
async fn read_json_body<S: Send + Sync>(req: Request, state: &S) -> ApiResult<Bytes> {
    let json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|m| {
            let m = m.trim();
            m.eq_ignore_ascii_case("application/json")
                || (m.starts_with("application/") && m.ends_with("+json"))
        });
    if !json {
        return Err(ApiError::media_type());
    }
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large(BODY_LIMIT)
        } else {
            ApiError::malformed(e.body_text())
        }
    })
}

/// Parses a JSON document into `T`, with the errors [`ApiJson`] documents.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let path = err.path().to_string();
        let inner = err.into_inner();
        json_error(&path, &inner)
    })?;
    de.end().map_err(|e| json_error(".", &e))?;
    Ok(value)
}

/// Maps a serde_json error at `path` to a 400 (syntax) or a 422 naming the field.
pub fn json_error(path: &str, e: &serde_json::Error) -> ApiError {
    use serde_json::error::Category;
    match e.classify() {
        Category::Syntax | Category::Eof | Category::Io => {
            ApiError::malformed(format!("the body is not valid JSON: {e}"))
        }
        Category::Data => {
            let msg = e.to_string();
            // serde names missing and unknown fields only in the message.
            let named = ["missing field `", "unknown field `"]
                .iter()
                .find_map(|p| msg.strip_prefix(p))
                .and_then(|rest| rest.split('`').next());
            let base = if path == "." { "" } else { path };
            // serde_path_to_error's path already ends in an unknown field's name, not in a
            // missing one's.
            let field = match named {
                Some(n) if base == n || base.ends_with(&format!(".{n}")) => base.to_owned(),
                Some(n) if base.is_empty() => n.to_owned(),
                Some(n) => format!("{base}.{n}"),
                None if base.is_empty() => "body".to_owned(),
                None => base.to_owned(),
            };
            let reason = msg.split(" at line ").next().unwrap_or(&msg).to_owned();
            ApiError::invalid(field, reason)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        title: String,
        skills: Vec<Skill>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Skill {
        skill: String,
        level: Option<f64>,
    }

    fn err(text: &str) -> ApiError {
        parse_json::<Body>(text.as_bytes()).unwrap_err()
    }

    #[test]
    fn json_errors_name_the_field() {
        let e = err(r#"{"title": "x", "skills": [{"skill": "rust", "level": "high"}]}"#);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("skills[0].level"));
        let e = err(r#"{"skills": []}"#);
        assert_eq!(e.field.as_deref(), Some("title"));
        assert!(e.message.contains("missing field"));
        let e = err(r#"{"title": "x", "skills": [{"skill": "a", "colour": 1}]}"#);
        assert_eq!(e.field.as_deref(), Some("skills[0].colour"));
        let e = err(r#"{"title": "x", "#);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        assert_eq!(e.code, "malformed_json");
        let e = err(r#"{"title": "x", "skills": []} trailing"#);
        assert_eq!(e.status, StatusCode::BAD_REQUEST);
        let e = err("[]");
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(e.field.as_deref(), Some("body"));
    }

    #[test]
    fn engine_fields_are_re_rooted() {
        let e = ApiError::from_engine(
            fairmatch::Error::invalid("freelancer.skills[1].level", "level must be in 1–5"),
            "freelancer.",
            "",
        );
        assert_eq!(e.field.as_deref(), Some("skills[1].level"));
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
