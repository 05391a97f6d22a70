//! The one mapping from `fairmatch::Error` (and a caught panic) to the error a Node caller
//! sees.
//!
//! The native layer rejects with a plain `Error` whose message is a tagged JSON payload
//! (`\u{1}fairmatch:{"code":…,"field":…,"message":…}`); `index.js` turns it into a
//! `FairmatchError` with `code`, `field` and the other properties (one place for both the
//! synchronous throw and the Promise rejection, which napi cannot give custom properties).
//!
//! Codes (stable): `INVALID_INPUT`, `DIMENSION_MISMATCH`, `UNKNOWN_ID`, `UNDEFINED_METRIC`
//! (core `ZeroDivision`), `SNAPSHOT` (not a snapshot, incompatible version, corrupt), `IO`,
//! `INSUFFICIENT_LOGS` (a refused fit or off-policy estimate; `reason` says why),
//! and `INTERNAL` (a caught panic or a core error variant added later). `coreCode` keeps the
//! core's own finer code (`CORRUPT_SNAPSHOT`, …). Field paths are camelCased like every key
//! the binding shows (`freelancers[3].hourlyRate`).

use serde_json::{Map, Value, json};

use crate::case::camel_path;

/// The tag `index.js` looks for at the start of a native error message.
pub(crate) const TAG: &str = "\u{1}fairmatch:";

/// The Node code of a core error.
fn code(e: &fairmatch::Error) -> &'static str {
    use fairmatch::Error as E;
    match e {
        E::InvalidInput { .. } => "INVALID_INPUT",
        E::DimensionMismatch { .. } => "DIMENSION_MISMATCH",
        E::UnknownId { .. } => "UNKNOWN_ID",
        E::ZeroDivision { .. } => "UNDEFINED_METRIC",
        E::NotASnapshot { .. } | E::IncompatibleSnapshot { .. } | E::CorruptSnapshot { .. } => {
            "SNAPSHOT"
        }
        E::Io { .. } => "IO",
        E::InsufficientLogs { .. } => "INSUFFICIENT_LOGS",
        // a variant added to the core later (the enum is non-exhaustive)
        _ => "INTERNAL",
    }
}

/// Converts a core error into the tagged native error.
pub(crate) fn to_napi(e: fairmatch::Error) -> napi::Error {
    use fairmatch::Error as E;
    let mut p = Map::new();
    p.insert("code".into(), code(&e).into());
    p.insert("coreCode".into(), e.code().into());
    let message = match &e {
        E::InvalidInput { field, reason } => {
            let field = camel_path(field);
            let m = format!("invalid input for `{field}`: {reason}");
            p.insert("field".into(), field.into());
            m
        }
        E::DimensionMismatch {
            field,
            expected,
            got,
        } => {
            let field = camel_path(field);
            let m = format!("dimension mismatch for `{field}`: expected {expected}, got {got}");
            p.insert("field".into(), field.into());
            p.insert("expected".into(), json!(expected));
            p.insert("got".into(), json!(got));
            m
        }
        E::UnknownId { kind, id } => {
            p.insert("kind".into(), kind.to_string().into());
            p.insert("id".into(), id.clone().into());
            e.to_string()
        }
        E::ZeroDivision { metric, .. } => {
            p.insert("metric".into(), metric.clone().into());
            e.to_string()
        }
        E::Io { path, .. } => {
            p.insert("path".into(), path.clone().into());
            e.to_string()
        }
        E::InsufficientLogs { reason } => {
            p.insert("reason".into(), reason.clone().into());
            e.to_string()
        }
        _ => e.to_string(),
    };
    p.insert("message".into(), message.into());
    tagged(Value::Object(p))
}

/// The tagged native error of a payload.
fn tagged(payload: Value) -> napi::Error {
    napi::Error::new(napi::Status::GenericFailure, format!("{TAG}{payload}"))
}

/// A caught panic: an `INTERNAL` error instead of an aborted process.
pub(crate) fn panic(payload: Box<dyn std::any::Any + Send>) -> napi::Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    tagged(json!({
        "code": "INTERNAL",
        "message": format!("internal error in fairmatch (a bug; please report it): {what}"),
    }))
}

/// Shorthand: map a core result into a napi result.
pub(crate) trait IntoNapi<T> {
    /// Maps the error with [`to_napi`].
    fn napi(self) -> napi::Result<T>;
}

impl<T> IntoNapi<T> for fairmatch::Result<T> {
    fn napi(self) -> napi::Result<T> {
        self.map_err(to_napi)
    }
}

/// Runs `f`, turning a panic into an `INTERNAL` error (for work on the libuv pool, where
/// napi's own `catch_unwind` does not reach).
pub(crate) fn guard<T>(f: impl FnOnce() -> fairmatch::Result<T>) -> napi::Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r.napi(),
        Err(p) => Err(panic(p)),
    }
}
