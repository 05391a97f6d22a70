//! `fairmatch.metrics` accumulators and the rating-bias functions built on them:
//! `ExposureAccumulator`, `RatingStats`, `welch_from_stats`, `rating_gaps` and the seeded
//! permutation tests.
//!
//! Accumulators merge exactly (the core's `merge`), convert to and from plain dicts (the
//! core's serde form, so partial results travel as JSON between workers) and pickle through
//! that dict. `merge` copies the other accumulator first, so `a.merge(a)` works.

use fairmatch::PositionModel;
use fairmatch::metrics::{self as m, Alternative, ExposureAccumulator, RatingStats};
use numpy::PyArray1;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};

use crate::convert::{
    arr, from_py, from_py_or_default, int, numpy_loaded, opt_arr, opt_enum, opt_int, opt_vec_of,
    parse_enum, text, texts, to_py, vec_of,
};
use crate::error::IntoPy;

/// `(from_dict, (to_dict(),))`: the pickle form of every accumulator.
pub(crate) fn reduce_via_dict<'py>(
    slf: &Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
    let ctor = slf.get_type().getattr("from_dict")?;
    let state = slf.call_method0("to_dict")?;
    Ok((ctor, PyTuple::new(slf.py(), [state])?))
}

/// Mergeable exposure accumulator over many rankings (one per request): per group the sum of
/// position weights, the sum of relevance and the number of ranked items.
///
/// `ExposureAccumulator(n_groups, model=None, cutoff=None)` (`model`: a PositionModel dict,
/// default log).
#[derive(Debug)]
#[pyclass(module = "fairmatch.metrics", name = "ExposureAccumulator")]
pub struct PyExposureAccumulator {
    inner: ExposureAccumulator,
}

#[pymethods]
impl PyExposureAccumulator {
    #[new]
    #[pyo3(signature = (n_groups, model=None, cutoff=None))]
    fn new(
        n_groups: &Bound<'_, PyAny>,
        model: Option<&Bound<'_, PyAny>>,
        cutoff: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let n_groups: usize = int(n_groups, "n_groups")?;
        let cutoff: Option<usize> = opt_int(cutoff, "cutoff")?;
        let model: PositionModel = from_py_or_default(model, "model")?;
        let inner = ExposureAccumulator::new(n_groups, model, cutoff).py_err()?;
        Ok(Self { inner })
    }

    /// Adds one ranking (group code per position), with optional relevance per position.
    #[pyo3(signature = (ranking, relevance=None))]
    fn add_ranking(
        &mut self,
        py: Python<'_>,
        ranking: &Bound<'_, PyAny>,
        relevance: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let (r, rel) = (
            arr::<u32>(ranking, "ranking")?,
            opt_arr::<f64>(relevance, "relevance")?,
        );
        let (rs, rels) = (r.slice(), rel.as_ref().map(|x| x.slice()));
        let inner = &mut self.inner;
        py.detach(|| inner.add_ranking(&rs, rels.as_deref()))
            .py_err()
    }

    /// Adds another accumulator (same position model and cut-off).
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let o = other.borrow().inner.clone();
        slf.borrow_mut().inner.merge(&o).py_err()
    }

    /// Number of groups.
    #[getter]
    fn n_groups(&self) -> usize {
        self.inner.total_exposure().len()
    }

    /// Total exposure per group.
    #[getter]
    fn total_exposure(&self) -> Vec<f64> {
        self.inner.total_exposure().to_vec()
    }

    /// Number of ranked items per group (over all rankings).
    #[getter]
    fn items(&self) -> Vec<u64> {
        self.inner.items().to_vec()
    }

    /// Number of rankings added.
    #[getter]
    fn rankings(&self) -> u64 {
        self.inner.rankings()
    }

    /// Each group's share of all exposure.
    #[pyo3(signature = (zero_division=None))]
    fn exposure_share(&self, zero_division: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<f64>> {
        let z = crate::metrics::zd(zero_division)?;
        self.inner.exposure_share(z).py_err()
    }

    /// Exposure per group member (`group_sizes`: pool sizes; default: ranked-item counts).
    #[pyo3(signature = (group_sizes=None))]
    fn group_exposure(&self, group_sizes: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<f64>> {
        let group_sizes: Option<Vec<f64>> = opt_vec_of::<f64>(group_sizes, "group_sizes")?;
        self.inner.group_exposure(group_sizes.as_deref()).py_err()
    }

    /// Exposure per unit of mean relevance (EXPU) per group.
    #[pyo3(signature = (group_sizes=None))]
    fn exposure_per_utility(&self, group_sizes: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<f64>> {
        let group_sizes: Option<Vec<f64>> = opt_vec_of::<f64>(group_sizes, "group_sizes")?;
        self.inner
            .exposure_per_utility(group_sizes.as_deref())
            .py_err()
    }

    /// The state as a plain dict (the core's serde form).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// Restores `to_dict()` output (validated by the core: position model, equal per-group
    /// lengths, finite sums).
    #[staticmethod]
    fn from_dict(state: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self {
            inner: from_py(state, "state")?,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        reduce_via_dict(slf.as_any())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|o| o.borrow().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "ExposureAccumulator(n_groups={}, rankings={})",
            self.inner.total_exposure().len(),
            self.inner.rankings()
        )
    }
}

/// Mergeable one-pass mean/variance of ratings (Chan et al.): `RatingStats()` is empty,
/// `RatingStats.of(values)` summarises an array.
#[derive(Debug)]
#[pyclass(module = "fairmatch.metrics", name = "RatingStats")]
pub struct PyRatingStats {
    pub(crate) inner: RatingStats,
}

#[pymethods]
impl PyRatingStats {
    #[new]
    fn new() -> Self {
        Self {
            inner: RatingStats::default(),
        }
    }

    /// Summarises `values` (rejects non-finite values).
    #[staticmethod]
    fn of(py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<Self> {
        let v = arr::<f64>(values, "ratings")?;
        let s = v.slice();
        let inner = py.detach(|| RatingStats::of(&s)).py_err()?;
        Ok(Self { inner })
    }

    /// Adds one rating (must be finite).
    fn add(&mut self, x: f64) -> PyResult<()> {
        self.inner.add(x).py_err()
    }

    /// Adds another accumulator.
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) {
        let o = other.borrow().inner;
        slf.borrow_mut().inner.merge(&o);
    }

    /// Number of ratings.
    #[getter]
    fn n(&self) -> u64 {
        self.inner.n
    }

    /// Mean.
    #[getter]
    fn mean(&self) -> f64 {
        self.inner.mean
    }

    /// Sum of squared deviations from the mean.
    #[getter]
    fn m2(&self) -> f64 {
        self.inner.m2
    }

    /// Sample variance (ddof = 1); NaN when n < 2.
    #[getter]
    fn variance(&self) -> f64 {
        self.inner.variance()
    }

    /// `{"n", "mean", "m2"}` (an empty accumulator's NaN mean becomes None).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// Restores `to_dict()` output (validated by the core: finite mean and `m2 ≥ 0`).
    #[staticmethod]
    fn from_dict(state: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self {
            inner: from_py(state, "state")?,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        reduce_via_dict(slf.as_any())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other
            .cast::<Self>()
            .is_ok_and(|o| o.borrow().inner == self.inner)
    }

    fn __repr__(&self) -> String {
        format!(
            "RatingStats(n={}, mean={}, variance={})",
            self.inner.n,
            self.inner.mean,
            self.inner.variance()
        )
    }
}

/// Welch's t-test from two `RatingStats` (e.g. merged from workers); returns a dict.
#[pyfunction]
#[pyo3(signature = (a, b, alternative=None))]
fn welch_from_stats<'py>(
    py: Python<'py>,
    a: &PyRatingStats,
    b: &PyRatingStats,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let alt: Alternative = opt_enum(alternative, "alternative")?;
    to_py(py, &m::welch_from_stats(&a.inner, &b.inner, alt).py_err()?)
}

/// Per-group descriptive rating gaps against group `reference`; a list of dicts.
#[pyfunction]
#[pyo3(signature = (ratings, groups, n_groups, reference=None, top=5.0))]
fn rating_gaps<'py>(
    py: Python<'py>,
    ratings: &Bound<'py, PyAny>,
    groups: &Bound<'py, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    reference: Option<&Bound<'_, PyAny>>,
    top: f64,
) -> PyResult<Bound<'py, PyAny>> {
    let n_groups: usize = int(n_groups, "n_groups")?;
    let reference: u32 = opt_int(reference, "reference")?.unwrap_or(0);
    let (r, g) = (
        arr::<f64>(ratings, "ratings")?,
        arr::<u32>(groups, "groups")?,
    );
    let (rs, gs) = (r.slice(), g.slice());
    let out = py
        .detach(|| m::rating_gaps(&rs, &gs, n_groups, reference, top))
        .py_err()?;
    to_py(py, &out)
}

/// A slice as a numpy array when numpy is loaded, else a list (the statistic's argument).
fn seq<'py, T: numpy::Element + IntoPyObject<'py> + Copy>(
    py: Python<'py>,
    x: &[T],
) -> PyResult<Bound<'py, PyAny>> {
    if numpy_loaded(py) {
        Ok(PyArray1::from_slice(py, x).into_any())
    } else {
        Ok(PyList::new(py, x.iter().copied())?.into_any())
    }
}

/// Calls a Python statistic; the first exception is kept (and later re-raised) and NaN
/// returned, so the core's loop ends harmlessly.
fn call_stat<'py>(err: &mut Option<PyErr>, f: impl FnOnce() -> PyResult<Bound<'py, PyAny>>) -> f64 {
    if err.is_some() {
        return f64::NAN;
    }
    match f().and_then(|v| v.extract::<f64>()) {
        Ok(x) => x,
        Err(e) => {
            *err = Some(e);
            f64::NAN
        }
    }
}

/// Seeded label-shuffling permutation test: `statistic(labels)` is called with the observed
/// labels (a uint32 numpy array, or a list without numpy) and `resamples` shuffles;
/// returns `{"statistic", "p_value", "resamples"}`.
#[pyfunction]
#[pyo3(signature = (labels, statistic, resamples=None, seed=None, alternative=None))]
fn permutation_test<'py>(
    py: Python<'py>,
    labels: &Bound<'py, PyAny>,
    statistic: &Bound<'py, PyAny>,
    resamples: Option<&Bound<'_, PyAny>>,
    seed: Option<&Bound<'_, PyAny>>,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let resamples: usize = opt_int(resamples, "resamples")?.unwrap_or(m::DEFAULT_RESAMPLES);
    let seed: u64 = opt_int(seed, "seed")?.unwrap_or(m::DEFAULT_PERMUTATION_SEED);
    let alt: Alternative = opt_enum(alternative, "alternative")?;
    let l = arr::<u32>(labels, "labels")?;
    let mut e = None;
    let r = m::permutation_test(&l.slice(), resamples, seed, alt, |x| {
        call_stat(&mut e, || statistic.call1((seq(py, x)?,)))
    });
    if let Some(e) = e {
        return Err(e);
    }
    to_py(py, &r.py_err()?)
}

/// Seeded two-sample permutation test of `statistic(a, b)` (default: the core's
/// `difference_in_means`, computed without the GIL); returns `{"statistic", "p_value", "resamples"}`.
#[pyfunction]
#[pyo3(signature = (a, b, statistic=None, resamples=None, seed=None, alternative=None))]
fn permutation_test_two_sample<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    statistic: Option<&Bound<'py, PyAny>>,
    resamples: Option<&Bound<'_, PyAny>>,
    seed: Option<&Bound<'_, PyAny>>,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let resamples: usize = opt_int(resamples, "resamples")?.unwrap_or(m::DEFAULT_RESAMPLES);
    let seed: u64 = opt_int(seed, "seed")?.unwrap_or(m::DEFAULT_PERMUTATION_SEED);
    let alt: Alternative = opt_enum(alternative, "alternative")?;
    let (a, b) = (arr::<f64>(a, "a")?, arr::<f64>(b, "b")?);
    let (xa, xb) = (a.slice(), b.slice());
    let r = match statistic.filter(|s| !s.is_none()) {
        None => py.detach(|| {
            m::permutation_test_two_sample(&xa, &xb, resamples, seed, alt, m::difference_in_means)
        }),
        Some(f) => {
            let mut e = None;
            let r = m::permutation_test_two_sample(&xa, &xb, resamples, seed, alt, |p, q| {
                call_stat(&mut e, || f.call1((seq(py, p)?, seq(py, q)?)))
            });
            if let Some(e) = e {
                return Err(e);
            }
            r
        }
    };
    to_py(py, &r.py_err()?)
}

/// Reduces per-group values with a combiner (NaN entries skipped).
#[pyfunction]
#[pyo3(signature = (values, combiner, zero_division=None))]
fn combine(
    values: &Bound<'_, PyAny>,
    combiner: &Bound<'_, PyAny>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let values: Vec<f64> = vec_of::<f64>(values, "values")?;
    let combiner: &str = &text(combiner, "combiner")?;
    let c = parse_enum(combiner, "combiner")?;
    let z = crate::metrics::zd(zero_division)?;
    m::combine(&values, c, z).py_err()
}

/// String group labels → (codes, labels) with codes in first-seen order.
#[pyfunction]
fn encode_groups(labels: &Bound<'_, PyAny>) -> PyResult<(Vec<u32>, Vec<String>)> {
    let labels: Vec<String> = texts(labels, "labels")?;
    m::encode_groups(&labels).py_err()
}

/// The per-attribute tuple of an intersectional code from `intersect_groups`.
#[pyfunction]
fn decode_intersection(
    code: &Bound<'_, PyAny>,
    cardinalities: &Bound<'_, PyAny>,
) -> PyResult<Vec<u32>> {
    let code: u32 = int(code, "code")?;
    let cardinalities: Vec<u32> = vec_of::<u32>(cardinalities, "cardinalities")?;
    Ok(m::decode_intersection(code, &cardinalities))
}

/// Adds the accumulator classes and functions to the `metrics` submodule.
pub(crate) fn register(sub: &Bound<'_, PyModule>) -> PyResult<()> {
    sub.add_class::<PyExposureAccumulator>()?;
    sub.add_class::<PyRatingStats>()?;
    for f in [
        wrap_pyfunction!(welch_from_stats, sub)?,
        wrap_pyfunction!(rating_gaps, sub)?,
        wrap_pyfunction!(permutation_test, sub)?,
        wrap_pyfunction!(permutation_test_two_sample, sub)?,
        wrap_pyfunction!(combine, sub)?,
        wrap_pyfunction!(encode_groups, sub)?,
        wrap_pyfunction!(decode_intersection, sub)?,
    ] {
        sub.add_function(f)?;
    }
    Ok(())
}
