//! The one mapping from `fairmatch::Error` to Python exceptions.
//!
//! Hierarchy (all importable from `fairmatch`):
//! `FairmatchError(Exception)`; `InvalidInputError(FairmatchError, ValueError)` with `.field`;
//! `DimensionMismatchError(InvalidInputError)`; `UnknownIdError(FairmatchError, KeyError)`
//! with `.kind` and `.id`; `UndefinedMetricError(FairmatchError, ZeroDivisionError)` for the
//! `zero_division="error"` policy; `InsufficientLogsError(FairmatchError)` with `.reason`
//! (a refused fit or off-policy estimate); `SnapshotError(FairmatchError)`;
//! `FairmatchIOError(SnapshotError, OSError)`. Every instance carries `.code` (the core's
//! stable error code).

use pyo3::exceptions::{PyException, PyKeyError, PyOSError, PyValueError, PyZeroDivisionError};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::{PyTypeInfo, create_exception};

create_exception!(
    fairmatch,
    FairmatchError,
    PyException,
    "Base class of every error raised by fairmatch."
);
create_exception!(
    fairmatch,
    InsufficientLogsError,
    FairmatchError,
    "The impression logs cannot support a fit or an off-policy estimate (no position variation, too few outcomes, no explored slates); `.reason` says which."
);
create_exception!(
    fairmatch,
    SnapshotError,
    FairmatchError,
    "A snapshot could not be read or written (not a snapshot, incompatible, corrupt, i/o)."
);

/// Builds `class Name(base1, base2): pass` (create_exception! takes one base only).
fn subclass<'py>(
    py: Python<'py>,
    name: &str,
    doc: &str,
    bases: &[Bound<'py, pyo3::types::PyType>],
) -> PyResult<Bound<'py, PyAny>> {
    let bases = PyTuple::new(py, bases)?;
    let ns = pyo3::types::PyDict::new(py);
    ns.set_item("__doc__", doc)?;
    ns.set_item("__module__", "fairmatch")?;
    py.get_type::<pyo3::types::PyType>()
        .call1((name, bases, ns))
}

/// The multiply-inherited exception classes, created once at module init.
pub(crate) struct Classes {
    invalid: Py<PyAny>,
    dimension: Py<PyAny>,
    unknown: Py<PyAny>,
    zero: Py<PyAny>,
    io: Py<PyAny>,
}

static CLASSES: std::sync::OnceLock<Classes> = std::sync::OnceLock::new();

/// Creates the exception classes and adds all of them to `m`.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = FairmatchError::type_object(py);
    let snap = SnapshotError::type_object(py);
    let invalid = subclass(
        py,
        "InvalidInputError",
        "Bad input; `.field` names the offending field (a dotted path).",
        &[base.clone(), PyValueError::type_object(py)],
    )?;
    let inv_t = invalid.cast::<pyo3::types::PyType>()?.clone();
    let dimension = subclass(
        py,
        "DimensionMismatchError",
        "A vector or array has the wrong length.",
        &[inv_t],
    )?;
    let unknown = subclass(
        py,
        "UnknownIdError",
        "An id (freelancer, job, skill, group, ...) is not known; `.kind`, `.id`.",
        &[base.clone(), PyKeyError::type_object(py)],
    )?;
    let zero = subclass(
        py,
        "UndefinedMetricError",
        "A metric is undefined (x/0) under the zero_division=\"error\" policy.",
        &[base.clone(), PyZeroDivisionError::type_object(py)],
    )?;
    let io = subclass(
        py,
        "FairmatchIOError",
        "Reading or writing a snapshot file failed.",
        &[snap.clone(), PyOSError::type_object(py)],
    )?;
    m.add("FairmatchError", base)?;
    m.add("SnapshotError", snap)?;
    m.add("InvalidInputError", &invalid)?;
    m.add("DimensionMismatchError", &dimension)?;
    m.add("UnknownIdError", &unknown)?;
    m.add("UndefinedMetricError", &zero)?;
    m.add("FairmatchIOError", &io)?;
    m.add(
        "InsufficientLogsError",
        InsufficientLogsError::type_object(py),
    )?;
    let _ = CLASSES.set(Classes {
        invalid: invalid.unbind(),
        dimension: dimension.unbind(),
        unknown: unknown.unbind(),
        zero: zero.unbind(),
        io: io.unbind(),
    });
    Ok(())
}

/// Converts a core error into the matching Python exception, with attributes set.
pub(crate) fn to_py(e: fairmatch::Error) -> PyErr {
    Python::attach(|py| match build(py, &e) {
        Ok(err) => err,
        Err(err) => err,
    })
}

fn build(py: Python<'_>, e: &fairmatch::Error) -> PyResult<PyErr> {
    use fairmatch::Error as E;
    let c = CLASSES
        .get()
        .ok_or_else(|| FairmatchError::new_err("fairmatch._native is not initialised"))?;
    let msg = e.to_string();
    let (cls, attrs): (Bound<'_, PyAny>, Vec<(&str, Py<PyAny>)>) = match e {
        E::InvalidInput { field, .. } => (
            c.invalid.bind(py).clone(),
            vec![("field", field.into_pyobject(py)?.into_any().unbind())],
        ),
        E::DimensionMismatch {
            field,
            expected,
            got,
        } => (
            c.dimension.bind(py).clone(),
            vec![
                ("field", field.into_pyobject(py)?.into_any().unbind()),
                ("expected", expected.into_pyobject(py)?.into_any().unbind()),
                ("got", got.into_pyobject(py)?.into_any().unbind()),
            ],
        ),
        E::UnknownId { kind, id } => (
            c.unknown.bind(py).clone(),
            vec![
                (
                    "kind",
                    kind.to_string().into_pyobject(py)?.into_any().unbind(),
                ),
                ("id", id.into_pyobject(py)?.into_any().unbind()),
            ],
        ),
        E::ZeroDivision { metric, .. } => (
            c.zero.bind(py).clone(),
            vec![("metric", metric.into_pyobject(py)?.into_any().unbind())],
        ),
        E::Io { path, .. } => (
            c.io.bind(py).clone(),
            vec![("path", path.into_pyobject(py)?.into_any().unbind())],
        ),
        E::InsufficientLogs { reason } => (
            InsufficientLogsError::type_object(py).into_any(),
            vec![("reason", reason.into_pyobject(py)?.into_any().unbind())],
        ),
        E::NotASnapshot { .. } | E::IncompatibleSnapshot { .. } | E::CorruptSnapshot { .. } => {
            (SnapshotError::type_object(py).into_any(), vec![])
        }
        // a variant added to the core later (the enum is non-exhaustive) is still a
        // FairmatchError, never mistaken for a snapshot problem
        _ => (FairmatchError::type_object(py).into_any(), vec![]),
    };
    let inst = cls.call1((msg,))?;
    inst.setattr("code", e.code())?;
    for (k, v) in attrs {
        inst.setattr(k, v)?;
    }
    Ok(PyErr::from_value(inst))
}

/// Shorthand: map a core result into a Python result.
pub(crate) trait IntoPy<T> {
    /// Maps the error with [`to_py`].
    fn py_err(self) -> PyResult<T>;
}

impl<T> IntoPy<T> for fairmatch::Result<T> {
    fn py_err(self) -> PyResult<T> {
        self.map_err(to_py)
    }
}

/// An `InvalidInputError` raised by the binding itself (a Python value that cannot be
/// converted), naming the field like the core does.
pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> PyErr {
    to_py(fairmatch::Error::invalid(field, reason))
}
