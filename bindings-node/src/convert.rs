//! Conversions between the JSON text `index.js` exchanges with the native layer and core
//! types.
//!
//! Inputs: `index.js` checks the object against the core's budgets (`MAX_NESTING`,
//! `MAX_INPUT_NODES`, finite numbers, no cycles) and sends JSON text; here it is parsed
//! (serde_json refuses nesting past 128 levels) and read into the core type through
//! [`crate::case::Input`] (camelCase field names), so the core parses every enum and field
//! and both bindings accept the same values. Outputs: core type → camelCase JSON text
//! ([`crate::case::to_json`]), parsed by `JSON.parse` in `index.js` (faster than building the
//! objects through napi one property at a time).

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::case::{Input, to_json};

/// The core error of a serde error at a path inside `field` (`field.<path>`, `field[i]…`;
/// the joining rule is the core's `Error::within`).
fn path_error<E: std::fmt::Display>(
    e: serde_path_to_error::Error<E>,
    field: &str,
) -> fairmatch::Error {
    let path = e.path().to_string();
    let path = if path == "." { String::new() } else { path };
    fairmatch::Error::invalid(path, e.into_inner().to_string()).within(field)
}

/// A JSON value as a core type; the error names `field` and the path inside it. The value is
/// read once without path tracking; only a failed read is repeated to find the path.
pub(crate) fn from_value<T: DeserializeOwned>(v: &Value, field: &str) -> fairmatch::Result<T> {
    T::deserialize(Input(v)).or_else(|_| {
        serde_path_to_error::deserialize::<_, T>(Input(v)).map_err(|e| path_error(e, field))
    })
}

/// JSON text as a core type (errors name `field` and the path inside it, or the line and
/// column of a syntax error).
pub(crate) fn parse<T: DeserializeOwned>(json: &str, field: &str) -> fairmatch::Result<T> {
    let v: Value = serde_json::from_str(json)
        .map_err(|e| fairmatch::Error::invalid(field, format!("JSON: {e}")))?;
    from_value(&v, field)
}

/// Optional JSON text as a core type; absent (`None`) or `null` is the core's default.
pub(crate) fn parse_or_default<T: DeserializeOwned + Default>(
    json: Option<&str>,
    field: &str,
) -> fairmatch::Result<T> {
    match json {
        None | Some("null") => Ok(T::default()),
        Some(j) => parse(j, field),
    }
}

/// A core enum from its serde spelling (`"between_groups"`), errors naming `field`.
pub(crate) fn word<T: DeserializeOwned>(s: &str, field: &str) -> fairmatch::Result<T> {
    from_value(&Value::String(s.to_owned()), field)
}

/// [`word`] with a default spelling when absent.
pub(crate) fn word_or<T: DeserializeOwned>(
    s: Option<&str>,
    field: &str,
    default: &str,
) -> fairmatch::Result<T> {
    word(s.unwrap_or(default), field)
}

/// Any core output as camelCase JSON text.
pub(crate) fn json<T: Serialize + ?Sized>(x: &T) -> fairmatch::Result<String> {
    to_json(x).map_err(|e| fairmatch::Error::invalid("output", e.to_string()))
}
