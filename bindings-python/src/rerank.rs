//! `fairmatch.rerank`: fairness re-ranking policies and FA*IR m-table helpers.
//!
//! Items are dicts `{"id": int, "score": float, "group": int}`; policy configs are the core's
//! tagged `RerankerConfig` dicts (`{"type": "fair", ...}`, `{"type": "det_greedy", ...}`,
//! `{"type": "chain", "steps": [...]}`), parsed by the core.

use fairmatch::DocId;
use fairmatch::rerank::{
    self as r, GeyikAlgorithm, GroupTarget, MTableMode, RerankItem, RerankLookups, RerankerConfig,
};
use pyo3::prelude::*;

use crate::convert::{float, from_py, id_map, int, opt_enum, parse_enum, text, to_py, vec_of};
use crate::error::IntoPy;

/// Applies a policy (or chain) to scored items and returns `{"order": [...], "moves": [...]}`.
///
/// Optional lookups needed by some policies: `ledger` (an exposure-ledger dict, FairCo),
/// `impressions` (`{id: count}`, exploration), `hourly_rates` (`{id: rate}`, price tier),
/// `vectors` (`{id: [float, ...]}`, cosine similarity for MMR).
#[pyfunction]
#[pyo3(signature = (config, items, k, *, ledger=None, impressions=None, hourly_rates=None, vectors=None))]
#[allow(clippy::too_many_arguments)]
fn apply<'py>(
    py: Python<'py>,
    config: &Bound<'py, PyAny>,
    items: &Bound<'py, PyAny>,
    k: &Bound<'_, PyAny>,
    ledger: Option<&Bound<'py, PyAny>>,
    impressions: Option<&Bound<'py, PyAny>>,
    hourly_rates: Option<&Bound<'py, PyAny>>,
    vectors: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let lookups = RerankLookups {
        ledger: ledger.map(|l| from_py(l, "ledger")).transpose()?,
        impressions: id_map(impressions, "impressions", int)?.unwrap_or_default(),
        hourly_rates: id_map(hourly_rates, "hourly_rates", float)?.unwrap_or_default(),
        vectors: id_map(vectors, "vectors", vec_of::<f32>)?.unwrap_or_default(),
    };
    let k: usize = int(k, "k")?;
    let cfg: RerankerConfig = from_py(config, "config")?;
    let items: Vec<RerankItem> = from_py(items, "items")?;
    let out = py.detach(|| lookups.apply(&cfg, &items, k));
    to_py(py, &out.py_err()?)
}

/// The unadjusted FA*IR m-table: `table[i-1]` = minimum protected count in the top i.
#[pyfunction]
fn mtable(k: &Bound<'_, PyAny>, p: f64, alpha: f64) -> PyResult<Vec<u32>> {
    let k: usize = int(k, "k")?;
    r::mtable(k, p, alpha).py_err()
}

/// The α-adjusted FA*IR m-table (cached); returns a dict with `table`, `adjusted_alpha`,
/// `fail_probability`, …. `mode`: `exact` or `fsc_compat`.
#[pyfunction]
#[pyo3(signature = (k, p, alpha, mode=None))]
fn adjusted_mtable<'py>(
    py: Python<'py>,
    k: &Bound<'_, PyAny>,
    p: f64,
    alpha: f64,
    mode: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let k: usize = int(k, "k")?;
    let mode: MTableMode = opt_enum(mode, "mode")?;
    let t = py
        .detach(|| r::adjusted_mtable(k, p, alpha, mode))
        .py_err()?;
    to_py(py, &*t)
}

/// Probability that a fair ranking fails the m-table.
#[pyfunction]
#[pyo3(signature = (table, p, mode=None))]
fn fail_probability(
    py: Python<'_>,
    table: &Bound<'_, PyAny>,
    p: f64,
    mode: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let table: Vec<u32> = vec_of::<u32>(table, "table")?;
    let mode: MTableMode = opt_enum(mode, "mode")?;
    py.detach(|| r::fail_probability(&table, p, mode)).py_err()
}

/// FA*IR top-k over items (group codes in `protected` are protected); returns ids.
#[pyfunction]
fn fair_top_k(
    items: &Bound<'_, PyAny>,
    protected: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
    mtable: &Bound<'_, PyAny>,
) -> PyResult<Vec<DocId>> {
    let protected: Vec<u32> = vec_of::<u32>(protected, "protected")?;
    let k: usize = int(k, "k")?;
    let mtable: Vec<u32> = vec_of::<u32>(mtable, "mtable")?;
    let items: Vec<RerankItem> = from_py(items, "items")?;
    r::fair_top_k(&items, &protected, k, &mtable).py_err()
}

/// Whether protected flags (best first) satisfy the m-table.
#[pyfunction]
fn is_fair(protected_flags: &Bound<'_, PyAny>, mtable: &Bound<'_, PyAny>) -> PyResult<bool> {
    let protected_flags: Vec<bool> = vec_of::<bool>(protected_flags, "protected_flags")?;
    let mtable: Vec<u32> = vec_of::<u32>(mtable, "mtable")?;
    Ok(r::is_fair(&protected_flags, &mtable))
}

/// Geyik et al. re-ranking (`algorithm`: det_greedy | det_cons | det_relaxed |
/// det_const_sort; `targets`: `[{"group": int, "proportion": float}]`); returns ids.
#[pyfunction]
fn geyik_rerank(
    items: &Bound<'_, PyAny>,
    targets: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
    algorithm: &Bound<'_, PyAny>,
) -> PyResult<Vec<DocId>> {
    let k: usize = int(k, "k")?;
    let algorithm: &str = &text(algorithm, "algorithm")?;
    let items: Vec<RerankItem> = from_py(items, "items")?;
    let targets: Vec<GroupTarget> = from_py(targets, "targets")?;
    let alg: GeyikAlgorithm = parse_enum(algorithm, "algorithm")?;
    r::geyik_rerank(&items, &targets, k, alg).py_err()
}

/// Adds the `fairmatch.rerank` submodule.
pub(crate) fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    let sub = PyModule::new(parent.py(), "rerank")?;
    sub.add_function(wrap_pyfunction!(apply, &sub)?)?;
    sub.add_function(wrap_pyfunction!(mtable, &sub)?)?;
    sub.add_function(wrap_pyfunction!(adjusted_mtable, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fail_probability, &sub)?)?;
    sub.add_function(wrap_pyfunction!(fair_top_k, &sub)?)?;
    sub.add_function(wrap_pyfunction!(is_fair, &sub)?)?;
    sub.add_function(wrap_pyfunction!(geyik_rerank, &sub)?)?;
    parent.add_submodule(&sub)?;
    Ok(())
}
