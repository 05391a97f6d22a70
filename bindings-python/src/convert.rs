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

/// Converts any JSON-like Python object to a `serde_json::Value`.
///
/// Accepts dict (str keys), list, tuple, str, int, float, bool, None, numpy scalars and
/// arrays (via `tolist()`), and `datetime` (ISO 8601; a naive datetime is taken as UTC).
/// NaN and infinities are rejected with `InvalidInputError` naming `field`.
pub(crate) fn to_value(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Value> {
    if obj.is_none() {
        Ok(Value::Null)
    } else if obj.is_instance_of::<PyBool>() {
        Ok(Value::Bool(obj.extract()?))
    } else if obj.is_instance_of::<PyInt>() {
        int_value(obj, field)
    } else if obj.is_instance_of::<PyFloat>() {
        float_value(obj.extract()?, field)
    } else if let Ok(s) = obj.cast::<PyString>() {
        Ok(Value::String(s.to_cow()?.into_owned()))
    } else if let Ok(d) = obj.cast::<PyDict>() {
        let mut m = Map::with_capacity(d.len());
        for (k, v) in d.iter() {
            let key: String = k
                .extract()
                .map_err(|_| invalid(field, "dict keys must be strings"))?;
            let sub = join(field, &key);
            m.insert(key, to_value(&v, &sub)?);
        }
        Ok(Value::Object(m))
    } else if obj.is_instance_of::<PyList>() || obj.is_instance_of::<PyTuple>() {
        let mut out = Vec::new();
        for (i, v) in obj.try_iter()?.enumerate() {
            out.push(to_value(&v?, &format!("{field}[{i}]"))?);
        }
        Ok(Value::Array(out))
    } else {
        other_value(obj, field)
    }
}

fn join(field: &str, key: &str) -> String {
    if field.is_empty() {
        key.to_owned()
    } else {
        format!("{field}.{key}")
    }
}

fn int_value(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Value> {
    if let Ok(i) = obj.extract::<i64>() {
        Ok(Value::Number(i.into()))
    } else if let Ok(u) = obj.extract::<u64>() {
        Ok(Value::Number(u.into()))
    } else {
        Err(invalid(field, "integer out of range"))
    }
}

fn float_value(x: f64, field: &str) -> PyResult<Value> {
    Number::from_f64(x)
        .map(Value::Number)
        .ok_or_else(|| invalid(field, format!("must be a finite number, got {x}")))
}

/// numpy scalars/arrays, datetimes, mappings and other sequences.
fn other_value(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<Value> {
    let py = obj.py();
    if obj.hasattr("tolist")? {
        // numpy scalar (tolist() gives the Python scalar) or ndarray (nested lists)
        return to_value(&obj.call_method0("tolist")?, field);
    }
    if obj.hasattr("isoformat")? {
        let naive = obj.hasattr("tzinfo")? && obj.getattr("tzinfo")?.is_none();
        let mut s: String = obj.call_method0("isoformat")?.extract()?;
        if naive && obj.hasattr("hour")? {
            s.push('Z');
        }
        return Ok(Value::String(s));
    }
    let abc = py.import("collections.abc")?;
    if obj.is_instance(&abc.getattr("Mapping")?)? {
        return to_value(
            PyDict::from_sequence(&obj.call_method0("items")?)?.as_any(),
            field,
        );
    }
    if obj.hasattr("__index__")? {
        return int_value(&obj.call_method0("__index__")?, field);
    }
    if obj.hasattr("__float__")? {
        return float_value(obj.call_method0("__float__")?.extract()?, field);
    }
    if obj.is_instance(&abc.getattr("Sequence")?)? && !obj.is_instance_of::<PyBytes>() {
        let items = obj.try_iter()?.collect::<PyResult<Vec<_>>>()?;
        return to_value(PyList::new(py, items)?.as_any(), field);
    }
    Err(invalid(
        field,
        format!("unsupported type `{}`", obj.get_type().name()?),
    ))
}

/// Converts a Python object to a core type through serde; errors name `field`.
pub(crate) fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, field: &str) -> PyResult<T> {
    let v = to_value(obj, field)?;
    serde_json::from_value(v).map_err(|e| invalid(field, e.to_string()))
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
    serde_json::from_value(Value::String(s.to_owned())).map_err(|e| invalid(field, e.to_string()))
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
    for (i, x) in seq.try_iter()?.enumerate() {
        let x = x?;
        out.push(
            x.extract::<T>()
                .map_err(|_| invalid(format!("{field}[{i}]"), "wrong type or out of range"))?,
        );
    }
    Ok(Arr::Owned(out))
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
    /// int64 or anything else.
    I64(Arr<'py, i64>),
}

/// Reads binary labels.
pub(crate) fn labels<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Labels<'py>> {
    if !numpy_loaded(obj.py()) {
        return Ok(Labels::I64(arr::<i64>(obj, field)?));
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
    Ok(Labels::I64(arr::<i64>(obj, field)?))
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
