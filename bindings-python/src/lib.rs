//! Python binding of fairmatch (`fairmatch._native`, re-exported by the `fairmatch` package).
//!
//! Thin by design: each method converts (in [`convert`]), releases the GIL, calls one core
//! function and maps the error (in [`error`]). No algorithm lives here.

mod accum;
mod convert;
mod engine;
mod error;
mod index;
mod metrics;
mod pyser;
mod rerank;
mod taxonomy;

use pyo3::prelude::*;

/// The native module: `Engine`, `Taxonomy`, the vector indexes, the exception classes and the `metrics` and
/// `rerank` submodules.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    error::register(m)?;
    m.add_class::<engine::PyEngine>()?;
    m.add_class::<taxonomy::PyTaxonomy>()?;
    index::register(m)?;
    metrics::register(m)?;
    rerank::register(m)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_NESTING", fairmatch::MAX_NESTING)?;
    m.add("MAX_INPUT_NODES", fairmatch::MAX_INPUT_NODES)?;
    Ok(())
}
