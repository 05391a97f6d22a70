//! All conversions between Python objects and core types.
//!
//! Inputs go Python → `serde_json::Value` → core type (serde, `deny_unknown_fields` in the
//! core), so the core parses every enum and field and both bindings accept the same
//! spellings. Outputs go core type → plain dicts/lists directly (`pyser`, same shapes as
//! JSON); undefined numbers (NaN) in output dicts become `None`, which is also what a JSON
//! response needs.
//! Metric inputs are numpy arrays read in place (zero-copy when dtype and layout allow) or
//! any sequence.

use std::borrow::Cow;

use numpy::{PyReadonlyArray1, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Number, Value};

use crate::error::invalid;

/// The path of the value being converted, kept on the stack and rendered only for an error
/// (`freelancers[3].skills[0].level`).
#[derive(Clone, Copy)]
enum Path<'a> {
    Root(&'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        match self {
            Path::Root(f) => (*f).to_owned(),
            Path::Key(p, k) => {
                let p = p.render();
                if p.is_empty() {
                    (*k).to_owned()
                } else {
                    format!("{p}.{k}")
                }
            }
            Path::Index(p, i) => format!("{}[{i}]", p.render()),
        }
    }
}

/// Converts any JSON-like Python object to a `serde_json::Value`.
///
/// Accepts dict (str keys), list, tuple, str, int, float, bool, None, numpy scalars and
/// arrays (via `tolist()`), and `datetime` (ISO 8601; a naive datetime is taken as UTC).
/// Rejects, with `InvalidInputError` naming the key: NaN and infinities, text that is not
/// valid Unicode (lone surrogates), containers nested deeper than `fairmatch::MAX_NESTING`,
/// a container that contains itself (a cycle) — never a stack overflow — and an input of
/// more than `fairmatch::MAX_INPUT_NODES` values in all (a list reused inside itself many
/// times expands exponentially), naming the key where the budget ran out.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Value> {
    Conv {
        open: Vec::new(),
        nodes: 0,
    }
    .value(obj, &Path::Root(field))
}

/// One conversion: the containers open on the current path (for cycles and depth) and the
/// number of values converted so far (for the total budget).
struct Conv {
    open: Vec<usize>,
    nodes: usize,
}

impl Conv {
    fn value(&mut self, obj: &Bound<'_, PyAny>, at: &Path<'_>) -> PyResult<Value> {
        self.nodes += 1;
        if self.nodes > fairmatch::MAX_INPUT_NODES {
            return Err(invalid(
                at.render(),
                format!(
                    "the input holds more than {} values in all (a list or dict reused inside \
                     itself expands exponentially); send a large batch in parts or as one \
                     JSON document",
                    fairmatch::MAX_INPUT_NODES
                ),
            ));
        }
        if obj.is_none() {
            Ok(Value::Null)
        } else if obj.is_instance_of::<PyBool>() {
            Ok(Value::Bool(obj.extract()?))
        } else if obj.is_instance_of::<PyInt>() {
            int_value(obj, at)
        } else if obj.is_instance_of::<PyFloat>() {
            float_value(obj.extract()?, at)
        } else if let Ok(s) = obj.cast::<PyString>() {
            Ok(Value::String(str_of(s, at)?))
        } else if let Ok(d) = obj.cast::<PyDict>() {
            self.enter(obj, at)?;
            let mut m = Map::with_capacity(d.len());
            for (k, v) in d.iter() {
                let key = match k.cast::<PyString>() {
                    Ok(k) => str_of(k, at)?,
                    Err(_) => return Err(invalid(at.render(), "dict keys must be strings")),
                };
                let child = self.value(&v, &Path::Key(at, &key))?;
                m.insert(key, child);
            }
            self.open.pop();
            Ok(Value::Object(m))
        } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
            self.enter(obj, at)?;
            let mut out = Vec::with_capacity(obj.len().unwrap_or(0));
            for (i, v) in obj.try_iter()?.enumerate() {
                out.push(self.value(&v?, &Path::Index(at, i))?);
            }
            self.open.pop();
            Ok(Value::Array(out))
        } else {
            self.other(obj, at)
        }
    }

    /// Opens a container on the path: rejects a cycle and nesting past `MAX_NESTING`.
    fn enter(&mut self, obj: &Bound<'_, PyAny>, at: &Path<'_>) -> PyResult<()> {
        let addr = obj.as_ptr() as usize;
        if self.open.contains(&addr) {
            return Err(invalid(
                at.render(),
                "contains itself (a self-referential dict or list)",
            ));
        }
        if self.open.len() >= fairmatch::MAX_NESTING {
            return Err(invalid(
                at.render(),
                format!(
                    "nested deeper than {} levels of dicts and lists",
                    fairmatch::MAX_NESTING
                ),
            ));
        }
        self.open.push(addr);
        Ok(())
    }

    /// numpy scalars/arrays, datetimes, mappings and other sequences.
    fn other(&mut self, obj: &Bound<'_, PyAny>, at: &Path<'_>) -> PyResult<Value> {
        let py = obj.py();
        if obj.hasattr("tolist")? {
            // numpy scalar (tolist() gives the Python scalar) or ndarray (nested lists)
            return self.value(&obj.call_method0("tolist")?, at);
        }
        if obj.hasattr("isoformat")? {
            let naive = obj.hasattr("tzinfo")? && obj.getattr("tzinfo")?.is_none();
            let mut s = str_of(obj.call_method0("isoformat")?.cast::<PyString>()?, at)?;
            if naive && obj.hasattr("hour")? {
                s.push('Z');
            }
            return Ok(Value::String(s));
        }
        let abc = py.import("collections.abc")?;
        if obj.is_instance(&abc.getattr("Mapping")?)? {
            // the mapping itself stays open on the path: a cycle through it is caught
            self.enter(obj, at)?;
            let d = PyDict::from_sequence(&obj.call_method0("items")?)?;
            let v = self.value(d.as_any(), at);
            self.open.pop();
            return v;
        }
        if obj.hasattr("__index__")? {
            return int_value(&obj.call_method0("__index__")?, at);
        }
        if obj.hasattr("__float__")? {
            return float_value(obj.call_method0("__float__")?.extract()?, at);
        }
        if obj.is_instance(&abc.getattr("Sequence")?)? && !obj.is_instance_of::<PyBytes>() {
            self.enter(obj, at)?;
            let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
            let v = self.value(PyList::new(py, items)?.as_any(), at);
            self.open.pop();
            return v;
        }
        Err(invalid(
            at.render(),
            format!("unsupported type `{}`", obj.get_type().name()?),
        ))
    }
}

/// The text of a Python `str`; a lone surrogate (not valid Unicode) is an `InvalidInputError`
/// naming the key instead of a `UnicodeEncodeError`.
fn str_of(s: &Bound<'_, PyString>, at: &Path<'_>) -> PyResult<String> {
    s.to_cow().map(|c| c.into_owned()).map_err(|_| {
        invalid(
            at.render(),
            "is not valid Unicode text (it contains a lone surrogate)",
        )
    })
}

fn int_value(obj: &Bound<'_, PyAny>, at: &Path<'_>) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        Ok(Value::Number(i.into()))
    } else if let Ok(u) = obj.extract::<u64>() {
        Ok(Value::Number(u.into()))
    } else {
        Err(invalid(at.render(), "integer out of range"))
    }
}

fn float_value(x: f64, at: &Path<'_>) -> PyResult<Value> {
    Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| invalid(at.render(), format!("must be a finite number, got {x}")))
}

/// A text argument (an id, a name): a `str` that is valid Unicode. Anything else is an
/// `InvalidInputError` naming `field`.
pub(crate) fn text(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<String> {
    match obj.cast::<PyString>() {
        Ok(s) => str_of(s, &Path::Root(field)),
        Err(_) => Err(invalid(
            field,
            format!("must be a str, got {}", obj.get_type().name()?),
        )),
    }
}

/// An integer argument in the range of `T` (a count, a code, a seed): an out-of-range or
/// negative value is an `InvalidInputError` naming `field` (not a bare `OverflowError`).
pub(crate) fn int<T>(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<T>
where
    T: TryFrom<i128> + Bounded,
{
    let Ok(i) = obj.extract::<i128>() else {
        return Err(invalid(
            field,
            format!("must be an int, got {}", obj.get_type().name()?),
        ));
    };
    T::try_from(i).map_err(|_| {
        invalid(
            field,
            format!("must be in {}..={}, got {i}", T::MIN, T::MAX),
        )
    })
}

/// [`int`] for an optional argument (`None` = absent).
pub(crate) fn opt_int<T>(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<T>>
where
    T: TryFrom<i128> + Bounded,
{
    match obj {
        Some(o) if !o.is_none() => int(o, field).map(Some),
        _ => Ok(None),
    }
}

/// An optional text argument (`None` = absent).
pub(crate) fn opt_text(obj: Option<&Bound<'_, PyAny>>, field: &str) -> PyResult<Option<String>> {
    match obj {
        Some(o) if !o.is_none() => text(o, field).map(Some),
        _ => Ok(None),
    }
}

/// An optional `{id: value}` dict argument: ids are row ids (0..2^32), values read by `value`;
/// errors name `field[id]`.
pub(crate) fn id_map<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    field: &str,
    value: impl Fn(&Bound<'py, PyAny>, &str) -> PyResult<T>,
) -> PyResult<Option<std::collections::HashMap<u32, T>>> {
    let Some(o) = obj.filter(|o| !o.is_none()) else {
        return Ok(None);
    };
    let d = o
        .cast::<PyDict>()
        .map_err(|_| invalid(field, "must be a dict of id → value"))?;
    let mut out = std::collections::HashMap::with_capacity(d.len());
    for (k, v) in d.iter() {
        let id: u32 = int(&k, &format!("{field} key"))?;
        out.insert(id, value(&v, &format!("{field}[{id}]"))?);
    }
    Ok(Some(out))
}

/// A float argument (`field`); anything else is an `InvalidInputError`.
pub(crate) fn float(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<f64> {
    obj.extract::<f64>()
        .map_err(|_| invalid(field, "must be a number"))
}

/// A list of text arguments (`labels`); errors name `field[i]`.
pub(crate) fn texts(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Vec<String>> {
    let it = obj
        .try_iter()
        .map_err(|_| invalid(field, "must be a sequence of str"))?;
    it.enumerate()
        .map(|(i, x)| text(&x?, &format!("{field}[{i}]")))
        .collect()
}

/// A list of 1-d arrays (`attributes`, `rankings`); errors name `field[i][j]`.
pub(crate) fn arrs<'py, T>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Vec<Vec<T>>>
where
    T: numpy::Element + for<'a> FromPyObject<'a, 'py> + Copy,
{
    let it = obj
        .try_iter()
        .map_err(|_| invalid(field, "must be a sequence of sequences"))?;
    it.enumerate()
        .map(|(i, x)| {
            Ok(arr::<T>(&x?, &format!("{field}[{i}]"))?
                .slice()
                .into_owned())
        })
        .collect()
}

/// The range of an integer argument type, for messages.
pub(crate) trait Bounded {
    /// Smallest value.
    const MIN: i128;
    /// Largest value.
    const MAX: i128;
}

macro_rules! bounded {
    ($($t:ty),*) => {$(
        impl Bounded for $t {
            const MIN: i128 = <$t>::MIN as i128;
            const MAX: i128 = <$t>::MAX as i128;
        }
    )*};
}
bounded!(usize, u32, u64, i64);

/// Converts a Python object to a core type through serde; errors name `field` and the key
/// inside it (`options.k`, `freelancer.skills[0].level`).
pub(crate) fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    from_value(to_value(obj, field)?, field).map_err(crate::error::to_py)
}

/// A converted value as a core type; the error names `field` and the path inside it. Needs
/// no GIL (call it inside `py.detach`). The value is read once without path tracking (which
/// doubles the cost); only a failed read is repeated to find the path of the error.
pub(crate) fn from_value<T: DeserializeOwned>(v: Value, field: &str) -> fairmatch::Result<T> {
    T::deserialize(&v).or_else(|_| {
        serde_path_to_error::deserialize::<_, T>(&v).map_err(|e| path_error(e, field, ""))
    })
}

/// The core error of a serde error at a path: field `field.<path>` (or `field[i]…`).
fn path_error<E: std::fmt::Display>(
    e: serde_path_to_error::Error<E>,
    field: &str,
    what: &str,
) -> fairmatch::Error {
    let path = e.path().to_string();
    let at = if path == "." || path.is_empty() {
        field.to_owned()
    } else if path.starts_with('[') || field.is_empty() {
        format!("{field}{path}")
    } else {
        format!("{field}.{path}")
    };
    fairmatch::Error::invalid(at, format!("{what}{}", e.into_inner()))
}

/// A JSON document (UTF-8 bytes) as a core type; the error names `field` and the path inside
/// it (or the line and column of a syntax error). Needs no GIL. serde_json refuses nesting
/// deeper than 128 levels.
pub(crate) fn from_json<T: DeserializeOwned>(data: &[u8], field: &str) -> fairmatch::Result<T> {
    serde_json::from_slice(data).or_else(|_| {
        // read again with path tracking, for the error's field
        let mut de = serde_json::Deserializer::from_slice(data);
        let v = serde_path_to_error::deserialize(&mut de)
            .map_err(|e| path_error(e, field, "JSON: "))?;
        de.end()
            .map_err(|e| fairmatch::Error::invalid(field, format!("JSON: {e}")))?;
        Ok(v)
    })
}

/// The bytes of a JSON document given as `str` or `bytes`, if `obj` is one (`bytes` borrowed
/// without a copy). A `str` with a lone surrogate is an `InvalidInputError` naming `field`.
pub(crate) fn json_text<'a>(
    obj: &'a Bound<'_, PyAny>,
    field: &str,
) -> PyResult<Option<Cow<'a, [u8]>>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Some(Cow::Borrowed(b.as_bytes())));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let t = str_of(s, &Path::Root(field))?;
        return Ok(Some(Cow::Owned(t.into_bytes())));
    }
    Ok(None)
}

/// Like [`from_py`], with `None` meaning the core's default.
pub(crate) fn from_py_or_default<T: DeserializeOwned + Default>(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<T> {
    match obj {
        Some(o) if !o.is_none() => from_py(o, field),
        _ => Ok(T::default()),
    }
}

/// Parses a core enum from its serde spelling (e.g. `"between_groups"`).
pub(crate) fn parse_enum<T: DeserializeOwned>(s: &str, field: &str) -> PyResult<T> {
    from_value(Value::String(s.to_owned()), field).map_err(crate::error::to_py)
}

/// An optional enum argument (`method`, `agg`, `alternative`, …) in the core's spelling;
/// absent (`None`) takes the core type's `Default`, so the binding decides no default.
pub(crate) fn opt_enum<T: DeserializeOwned + Default>(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
) -> PyResult<T> {
    opt_enum_or(obj, field, T::default())
}

/// An optional enum argument whose default depends on the function (a core constant such
/// as [`fairmatch::metrics::DEFAULT_COMBINER`]); absent (`None`) takes `default`.
pub(crate) fn opt_enum_or<T: DeserializeOwned>(
    obj: Option<&Bound<'_, PyAny>>,
    field: &str,
    default: T,
) -> PyResult<T> {
    match opt_text(obj, field)? {
        Some(s) => parse_enum(&s, field),
        None => Ok(default),
    }
}

/// Converts any serialisable core output to plain Python dicts/lists (directly, without an
/// intermediate JSON tree: [`crate::pyser`]).
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, x: &T) -> PyResult<Bound<'py, PyAny>> {
    crate::pyser::to_py(py, x)
}

/// Whether numpy has been imported. An object can only be a numpy array if it has; without
/// this check the numpy crate would try to import numpy and panic when it is not installed.
pub(crate) fn numpy_loaded(py: Python<'_>) -> bool {
    py.import("sys")
        .and_then(|sys| sys.getattr("modules"))
        .and_then(|m| m.get_item("numpy"))
        .is_ok_and(|np| !np.is_none())
}

/// A 1-d numeric input: borrowed from a numpy array when dtype and layout match, copied
/// otherwise.
pub(crate) enum Arr<'py, T: numpy::Element> {
    /// A numpy array of the right dtype.
    View(PyReadonlyArray1<'py, T>),
    /// A converted copy.
    Owned(Vec<T>),
}

impl<T: numpy::Element + Copy> Arr<'_, T> {
    /// The values (a zero-copy slice for contiguous arrays of the right dtype).
    pub(crate) fn slice(&self) -> Cow<'_, [T]> {
        match self {
            Arr::View(a) => match a.as_slice() {
                Ok(s) => Cow::Borrowed(s),
                Err(_) => Cow::Owned(a.as_array().iter().copied().collect()),
            },
            Arr::Owned(v) => Cow::Borrowed(v),
        }
    }
}

/// Reads a 1-d array of `T` (zero-copy for a matching numpy dtype, otherwise any sequence
/// whose items convert to `T`).
pub(crate) fn arr<'py, T>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Arr<'py, T>>
where
    T: numpy::Element + for<'a> FromPyObject<'a, 'py> + Copy,
{
    let np = numpy_loaded(obj.py());
    if np && let Ok(a) = obj.extract::<PyReadonlyArray1<'py, T>>() {
        return Ok(Arr::View(a));
    }
    let seq = if let Some(a) = np.then(|| obj.cast::<PyUntypedArray>().ok()).flatten() {
        if a.ndim() != 1 {
            return Err(invalid(
                field,
                format!("must be 1-d, got {} dimensions", a.ndim()),
            ));
        }
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    let mut out = Vec::new();
    let items = seq
        .try_iter()
        .map_err(|_| invalid(field, "must be a sequence or a 1-d array"))?;
    for (i, x) in items.enumerate() {
        let x = x?;
        out.push(
            x.extract::<T>()
                .map_err(|_| invalid(format!("{field}[{i}]"), "wrong type or out of range"))?,
        );
    }
    Ok(Arr::Owned(out))
}

/// A 1-d numeric input as an owned `Vec` (see [`arr`]); errors name `field[i]`.
pub(crate) fn vec_of<'py, T>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Vec<T>>
where
    T: numpy::Element + for<'a> FromPyObject<'a, 'py> + Copy,
{
    Ok(arr::<T>(obj, field)?.slice().into_owned())
}

/// [`vec_of`] for an optional argument.
pub(crate) fn opt_vec_of<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    field: &str,
) -> PyResult<Option<Vec<T>>>
where
    T: numpy::Element + for<'a> FromPyObject<'a, 'py> + Copy,
{
    Ok(opt_arr::<T>(obj, field)?.map(|a| a.slice().into_owned()))
}

/// Optional array.
pub(crate) fn opt_arr<'py, T>(
    obj: Option<&Bound<'py, PyAny>>,
    field: &str,
) -> PyResult<Option<Arr<'py, T>>>
where
    T: numpy::Element + for<'a> FromPyObject<'a, 'py> + Copy,
{
    match obj {
        Some(o) if !o.is_none() => Ok(Some(arr(o, field)?)),
        _ => Ok(None),
    }
}

/// Binary labels: bool or integer numpy arrays read in place, anything else as `i64`.
pub(crate) enum Labels<'py> {
    /// bool dtype.
    Bool(Arr<'py, bool>),
    /// uint8 dtype.
    U8(Arr<'py, u8>),
    /// int8 dtype.
    I8(Arr<'py, i8>),
    /// int32 dtype.
    I32(Arr<'py, i32>),
    /// uint32 dtype.
    U32(Arr<'py, u32>),
    /// int64 or any other integers.
    I64(Arr<'py, i64>),
    /// float64 (binary when exactly 0.0 or 1.0; the core rejects other values by row).
    F64(Arr<'py, f64>),
}

/// Reads binary labels.
pub(crate) fn labels<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Labels<'py>> {
    if !numpy_loaded(obj.py()) {
        return ints_or_floats(obj, field);
    }
    macro_rules! try_dtype {
        ($t:ty, $v:ident) => {
            if let Ok(a) = obj.extract::<PyReadonlyArray1<'py, $t>>() {
                return Ok(Labels::$v(Arr::View(a)));
            }
        };
    }
    try_dtype!(bool, Bool);
    try_dtype!(u8, U8);
    try_dtype!(i8, I8);
    try_dtype!(i32, I32);
    try_dtype!(u32, U32);
    try_dtype!(f64, F64);
    ints_or_floats(obj, field)
}

/// Labels of another type: integers (and bools) as `i64`, else floats as `f64`.
fn ints_or_floats<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Labels<'py>> {
    match arr::<i64>(obj, field) {
        Ok(a) => Ok(Labels::I64(a)),
        Err(_) => Ok(Labels::F64(arr::<f64>(obj, field)?)),
    }
}

impl Labels<'_> {
    /// Labels as `i64` (used when `y_true` and `y_pred` differ in dtype).
    pub(crate) fn to_i64(&self) -> Vec<i64> {
        match self {
            Labels::Bool(a) => a.slice().iter().map(|&b| i64::from(b)).collect(),
            Labels::U8(a) => a.slice().iter().map(|&b| i64::from(b)).collect(),
            Labels::I8(a) => a.slice().iter().map(|&b| i64::from(b)).collect(),
            Labels::I32(a) => a.slice().iter().map(|&b| i64::from(b)).collect(),
            Labels::U32(a) => a.slice().iter().map(|&b| i64::from(b)).collect(),
            Labels::I64(a) => a.slice().into_owned(),
            // only used when neither side is F64 (see `is_float`)
            Labels::F64(a) => a.slice().iter().map(|&b| b as i64).collect(),
        }
    }

    /// Whether the labels are floats.
    pub(crate) fn is_float(&self) -> bool {
        matches!(self, Labels::F64(_))
    }

    /// Labels as `f64` (used when `y_true` and `y_pred` differ in dtype and one is float:
    /// every value keeps its exact meaning, 0.5 stays non-binary).
    pub(crate) fn to_f64(&self) -> Vec<f64> {
        match self {
            Labels::F64(a) => a.slice().into_owned(),
            other => other.to_i64().into_iter().map(|x| x as f64).collect(),
        }
    }
}

/// Group codes: a uint32 array read in place, other integer arrays/sequences converted, or
/// string labels encoded by the core (`encode_groups`, first-seen order).
pub(crate) enum Groups<'py> {
    /// Integer codes.
    Codes(Arr<'py, u32>),
    /// Encoded labels: codes and the label of each code.
    Labels(Vec<u32>, Vec<String>),
}

/// Reads sensitive features / group codes.
pub(crate) fn groups<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Groups<'py>> {
    let np = numpy_loaded(obj.py());
    if np && let Ok(a) = obj.extract::<PyReadonlyArray1<'py, u32>>() {
        return Ok(Groups::Codes(Arr::View(a)));
    }
    let list = if np && obj.cast::<PyUntypedArray>().is_ok() {
        obj.call_method0("tolist")?
    } else {
        obj.clone()
    };
    let items: Vec<Bound<'py, PyAny>> = list.try_iter()?.collect::<PyResult<_>>()?;
    if items
        .first()
        .is_some_and(|x| x.is_instance_of::<PyString>())
    {
        let mut names = Vec::with_capacity(items.len());
        for (i, x) in items.iter().enumerate() {
            names.push(
                x.extract::<String>()
                    .map_err(|_| invalid(format!("{field}[{i}]"), "mixed labels and codes"))?,
            );
        }
        let (codes, labels) =
            fairmatch::metrics::encode_groups(&names).map_err(crate::error::to_py)?;
        return Ok(Groups::Labels(codes, labels));
    }
    let mut codes = Vec::with_capacity(items.len());
    for (i, x) in items.iter().enumerate() {
        codes.push(x.extract::<u32>().map_err(|_| {
            invalid(
                format!("{field}[{i}]"),
                "must be a group code 0..2^32 or a str label",
            )
        })?);
    }
    Ok(Groups::Codes(Arr::Owned(codes)))
}

impl Groups<'_> {
    /// The codes.
    pub(crate) fn codes(&self) -> Cow<'_, [u32]> {
        match self {
            Groups::Codes(a) => a.slice(),
            Groups::Labels(c, _) => Cow::Borrowed(c),
        }
    }
}
