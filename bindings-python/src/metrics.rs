//! `fairmatch.metrics`: the bias metrics of `fairmatch::metrics` on numpy arrays or sequences.
//!
//! Arrays are read in place (zero-copy for contiguous arrays of the native dtype: bool or
//! integer labels, uint32 group codes, float64 values); the GIL is released while the core
//! computes. Enum arguments (`method`, `agg`, `zero_division`, `alternative`, `combiner`, …)
//! take the core's snake_case spellings and are parsed by the core. Dict results are the
//! core's serde output (undefined values appear as `None` in dicts, NaN in plain floats).

use fairmatch::PositionModel;
use fairmatch::metrics::{
    self as m, Agg, BinaryLabel, FairnessOptions, GeiConvention, GroupConfusion, LabelledConfusion,
    Method, PrivilegedComparison, ZeroDivision,
};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::convert::{
    Arr, Groups, Labels, arr, arrs, from_py, from_py_or_default, groups, int, labels, opt_arr,
    opt_enum, opt_enum_or, opt_int, opt_text, opt_vec_of, parse_enum, text, to_py, vec_of,
};
use crate::error::{IntoPy, to_py as err};

/// The `zero_division` argument (default `nan`).
pub(crate) fn zd(obj: Option<&Bound<'_, PyAny>>) -> PyResult<ZeroDivision> {
    match opt_text(obj, "zero_division")? {
        Some(s) => ZeroDivision::parse(&s).map_err(err),
        None => Ok(ZeroDivision::default()),
    }
}

/// The `method`, `agg` and `zero_division` arguments of the fairlearn-style metrics
/// (defaults `between_groups`, `worst_case`, `nan`).
fn fopts(
    method: Option<&Bound<'_, PyAny>>,
    agg: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<FairnessOptions> {
    Ok(FairnessOptions {
        method: opt_enum::<Method>(method, "method")?,
        agg: opt_enum::<Agg>(agg, "agg")?,
        zero_division: zd(zero_division)?,
    })
}

fn count<L: BinaryLabel + Sync>(
    g: &[u32],
    t: &[L],
    p: &[L],
    w: Option<&[f64]>,
    n: Option<usize>,
) -> fairmatch::Result<GroupConfusion> {
    match n {
        Some(n) => GroupConfusion::from_arrays_in(n, g, t, p, w, true),
        None => GroupConfusion::from_arrays_par(g, t, p, w),
    }
}

/// Counts per-group confusion matrices from arrays, without the GIL.
fn confusion(
    py: Python<'_>,
    t: &Labels<'_>,
    p: &Labels<'_>,
    g: &Groups<'_>,
    w: Option<&Arr<'_, f64>>,
    n: Option<usize>,
) -> PyResult<GroupConfusion> {
    let codes = g.codes();
    let ws = w.map(|w| w.slice());
    let (g, w) = (&codes[..], ws.as_deref());
    macro_rules! same {
        ($($v:ident),*) => {
            match (t, p) {
                $((Labels::$v(a), Labels::$v(b)) => {
                    let (a, b) = (a.slice(), b.slice());
                    py.detach(|| count(g, &a, &b, w, n))
                })*
                _ if t.is_float() || p.is_float() => {
                    let (a, b) = (t.to_f64(), p.to_f64());
                    py.detach(|| count(g, &a, &b, w, n))
                }
                _ => {
                    let (a, b) = (t.to_i64(), p.to_i64());
                    py.detach(|| count(g, &a, &b, w, n))
                }
            }
        };
    }
    same!(Bool, U8, I8, I32, U32, I64, F64).py_err()
}

/// Per-group confusion matrices (weighted), the input of the classification metrics.
///
/// `GroupConfusion(y_true, y_pred, sensitive_features, sample_weight=None, n_groups=None)`:
/// `sensitive_features` are group codes (ints) or string labels (coded in first-seen
/// order, see `labels`); `n_groups` fixes the number of groups (default: max code + 1).
#[derive(Debug)]
#[pyclass(module = "fairmatch.metrics", name = "GroupConfusion")]
pub struct PyGroupConfusion {
    inner: LabelledConfusion,
}

#[pymethods]
impl PyGroupConfusion {
    #[new]
    #[pyo3(signature = (y_true, y_pred, sensitive_features, sample_weight=None, n_groups=None))]
    fn new(
        py: Python<'_>,
        y_true: &Bound<'_, PyAny>,
        y_pred: &Bound<'_, PyAny>,
        sensitive_features: &Bound<'_, PyAny>,
        sample_weight: Option<&Bound<'_, PyAny>>,
        n_groups: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let n_groups: Option<usize> = opt_int(n_groups, "n_groups")?;
        let (t, p) = (labels(y_true, "y_true")?, labels(y_pred, "y_pred")?);
        let g = groups(sensitive_features, "sensitive_features")?;
        let w = opt_arr::<f64>(sample_weight, "sample_weight")?;
        let counts = confusion(py, &t, &p, &g, w.as_ref(), n_groups)?;
        let inner = match g {
            Groups::Labels(_, l) => LabelledConfusion::new(counts, Some(l)).py_err()?,
            Groups::Codes(_) => LabelledConfusion::from_codes(counts),
        };
        Ok(Self { inner })
    }

    /// Number of groups.
    #[getter]
    fn n_groups(&self) -> usize {
        self.inner.counts().n_groups()
    }

    /// The label of each group code when built from string labels, else `None`.
    #[getter]
    fn labels(&self) -> Option<Vec<String>> {
        self.inner.labels().map(<[String]>::to_vec)
    }

    /// Per-group confusion counts (`tp`, `fp`, `tn`, `fn_`, `rows`) as dicts.
    fn groups<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.counts().groups())
    }

    /// Per-group values of `rate` (`selection`, `tpr`, `fpr`, …) with their status.
    #[pyo3(signature = (rate, zero_division=None))]
    fn rates<'py>(
        &self,
        py: Python<'py>,
        rate: &Bound<'_, PyAny>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let rate: &str = &text(rate, "rate")?;
        let r = parse_enum(rate, "rate")?;
        let out = self.inner.counts().rates(r, zd(zero_division)?).py_err()?;
        to_py(py, &out)
    }

    /// The full fairness report (per-group rows and every aggregate) as a dict.
    #[pyo3(signature = (method=None, agg=None, zero_division=None))]
    fn report<'py>(
        &self,
        py: Python<'py>,
        method: Option<&Bound<'_, PyAny>>,
        agg: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let o = fopts(method, agg, zero_division)?;
        to_py(py, &self.inner.counts().report(&o).py_err()?)
    }

    /// AIF360-style comparison of pooled unprivileged vs privileged groups.
    #[pyo3(signature = (unprivileged, privileged, zero_division=None))]
    fn compare(
        &self,
        unprivileged: &Bound<'_, PyAny>,
        privileged: &Bound<'_, PyAny>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyPrivilegedComparison> {
        let unprivileged: Vec<u32> = vec_of::<u32>(unprivileged, "unprivileged")?;
        let privileged: Vec<u32> = vec_of::<u32>(privileged, "privileged")?;
        let inner = self
            .inner
            .counts()
            .compare(&unprivileged, &privileged, zd(zero_division)?)
            .py_err()?;
        Ok(PyPrivilegedComparison { inner })
    }

    /// fairlearn `demographic_parity_difference`.
    #[pyo3(signature = (method=None, zero_division=None))]
    fn demographic_parity_difference(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::demographic_parity_difference(self.inner.counts(), &fopts(method, None, zero_division)?)
            .py_err()
    }

    /// fairlearn `demographic_parity_ratio`.
    #[pyo3(signature = (method=None, zero_division=None))]
    fn demographic_parity_ratio(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::demographic_parity_ratio(self.inner.counts(), &fopts(method, None, zero_division)?)
            .py_err()
    }

    /// fairlearn `equal_opportunity_difference`.
    #[pyo3(signature = (method=None, zero_division=None))]
    fn equal_opportunity_difference(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::equal_opportunity_difference(self.inner.counts(), &fopts(method, None, zero_division)?)
            .py_err()
    }

    /// fairlearn `equal_opportunity_ratio`.
    #[pyo3(signature = (method=None, zero_division=None))]
    fn equal_opportunity_ratio(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::equal_opportunity_ratio(self.inner.counts(), &fopts(method, None, zero_division)?)
            .py_err()
    }

    /// fairlearn `equalized_odds_difference` (`agg`: `worst_case` or `mean`).
    #[pyo3(signature = (method=None, agg=None, zero_division=None))]
    fn equalized_odds_difference(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        agg: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::equalized_odds_difference(self.inner.counts(), &fopts(method, agg, zero_division)?)
            .py_err()
    }

    /// fairlearn `equalized_odds_ratio` (`agg`: `worst_case` or `mean`).
    #[pyo3(signature = (method=None, agg=None, zero_division=None))]
    fn equalized_odds_ratio(
        &self,
        method: Option<&Bound<'_, PyAny>>,
        agg: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        m::equalized_odds_ratio(self.inner.counts(), &fopts(method, agg, zero_division)?).py_err()
    }

    /// Generalized entropy index of the AIF360 benefit `b = ŷ − y + 1` (weighted).
    #[pyo3(signature = (alpha=2.0, convention=None, zero_division=None))]
    fn generalized_entropy_index(
        &self,
        alpha: f64,
        convention: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        let c: GeiConvention = opt_enum(convention, "convention")?;
        self.inner
            .counts()
            .generalized_entropy_index(alpha, c, zd(zero_division)?)
            .py_err()
    }

    /// Between-group generalized entropy index of the benefit.
    #[pyo3(signature = (alpha=2.0, convention=None, zero_division=None))]
    fn between_group_generalized_entropy_index(
        &self,
        alpha: f64,
        convention: Option<&Bound<'_, PyAny>>,
        zero_division: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<f64> {
        let c: GeiConvention = opt_enum(convention, "convention")?;
        self.inner
            .counts()
            .between_group_generalized_entropy_index(alpha, c, zd(zero_division)?)
            .py_err()
    }

    /// Theil index (GEI with α = 1) of the benefit.
    #[pyo3(signature = (zero_division=None))]
    fn theil_index(&self, zero_division: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        self.inner.counts().theil_index(zd(zero_division)?).py_err()
    }

    /// Coefficient of variation of the benefit.
    #[pyo3(signature = (zero_division=None))]
    fn coefficient_of_variation(&self, zero_division: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        self.inner
            .counts()
            .coefficient_of_variation(zd(zero_division)?)
            .py_err()
    }

    /// Between-group Theil index of the benefit.
    #[pyo3(signature = (zero_division=None))]
    fn between_group_theil_index(&self, zero_division: Option<&Bound<'_, PyAny>>) -> PyResult<f64> {
        self.inner
            .counts()
            .between_group_theil_index(zd(zero_division)?)
            .py_err()
    }

    /// An empty accumulator for group codes `0..n_groups` (a starting point for `merge`).
    #[staticmethod]
    #[pyo3(signature = (n_groups=None))]
    fn empty(n_groups: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let n_groups: usize = opt_int(n_groups, "n_groups")?.unwrap_or(0);
        Ok(Self {
            inner: LabelledConfusion::from_codes(GroupConfusion::with_groups(n_groups).py_err()?),
        })
    }

    /// Adds another accumulator by the core's rules (`LabelledConfusion::merge`): codes add
    /// per code, labels per label (new labels appended); codes and labels do not mix unless
    /// one side has no rows (`InvalidInputError` on `other`). A rejected merge changes
    /// nothing.
    fn merge(slf: &Bound<'_, Self>, other: &Bound<'_, Self>) -> PyResult<()> {
        let o = other.borrow().inner.clone();
        slf.borrow_mut().inner.merge(&o).py_err()
    }

    /// The pooled counts of all groups as a dict.
    fn overall<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.counts().overall())
    }

    /// `{"groups": [counts...], "labels": [...] | None}` (the core's serde form).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }

    /// Builds from per-group counts (`{"groups": [{"tp", "fp", "tn", "fn_", "rows"}, ...],
    /// "labels": optional}`, e.g. `to_dict()` output or an engine ledger), validated by the
    /// core (counts finite and ≥ 0, at most one distinct label per group).
    #[staticmethod]
    fn from_dict(state: &Bound<'_, PyAny>) -> PyResult<Self> {
        Ok(Self {
            inner: from_py(state, "state")?,
        })
    }

    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        crate::accum::reduce_via_dict(slf.as_any())
    }

    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Self>().is_ok_and(|o| {
            let o = o.borrow();
            o.inner == self.inner
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "GroupConfusion(n_groups={})",
            self.inner.counts().n_groups()
        )
    }
}

/// Pooled unprivileged vs privileged comparison (AIF360 `ClassificationMetric` names).
#[derive(Debug)]
#[pyclass(module = "fairmatch.metrics", name = "PrivilegedComparison", frozen)]
pub struct PyPrivilegedComparison {
    inner: PrivilegedComparison,
}

#[pymethods]
impl PyPrivilegedComparison {
    /// P(ŷ=1 | unprivileged) − P(ŷ=1 | privileged).
    fn statistical_parity_difference(&self) -> PyResult<f64> {
        self.inner.statistical_parity_difference().py_err()
    }
    /// P(ŷ=1 | unprivileged) / P(ŷ=1 | privileged).
    fn disparate_impact(&self) -> PyResult<f64> {
        self.inner.disparate_impact().py_err()
    }
    /// Mean of the FPR and TPR differences.
    fn average_odds_difference(&self) -> PyResult<f64> {
        self.inner.average_odds_difference().py_err()
    }
    /// Mean of the absolute FPR and TPR differences.
    fn average_abs_odds_difference(&self) -> PyResult<f64> {
        self.inner.average_abs_odds_difference().py_err()
    }
    /// TPR difference.
    fn equal_opportunity_difference(&self) -> PyResult<f64> {
        self.inner.equal_opportunity_difference().py_err()
    }
    /// max(|ΔFPR|, |ΔTPR|) (AIF360 classic).
    fn equalized_odds_difference(&self) -> PyResult<f64> {
        self.inner.equalized_odds_difference().py_err()
    }
    /// `rate(unprivileged) − rate(privileged)` for any rate (`selection`, `base_rate`,
    /// `tpr`, `fpr`, `tnr`, `fnr`, `accuracy`).
    fn difference(&self, rate: &Bound<'_, PyAny>) -> PyResult<f64> {
        let rate: &str = &text(rate, "rate")?;
        self.inner.difference(parse_enum(rate, "rate")?).py_err()
    }
    /// `rate(unprivileged) / rate(privileged)`; x/0 follows the policy.
    fn ratio(&self, rate: &Bound<'_, PyAny>) -> PyResult<f64> {
        let rate: &str = &text(rate, "rate")?;
        self.inner.ratio(parse_enum(rate, "rate")?).py_err()
    }
    /// Pooled counts of the unprivileged groups.
    #[getter]
    fn unprivileged<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.unprivileged)
    }
    /// Pooled counts of the privileged groups.
    #[getter]
    fn privileged<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.privileged)
    }
    /// `{"unprivileged", "privileged", "zero_division"}`.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner)
    }
    fn __repr__(&self) -> String {
        format!(
            "PrivilegedComparison(unprivileged_rows={}, privileged_rows={})",
            self.inner.unprivileged.rows, self.inner.privileged.rows
        )
    }
}

macro_rules! fairlearn_fn {
    ($name:ident, $doc:literal) => {
        #[doc = $doc]
        #[pyfunction]
        #[pyo3(signature = (y_true, y_pred, *, sensitive_features, sample_weight=None, method=None, agg=None, zero_division=None, n_groups=None))]
        #[allow(clippy::too_many_arguments)]
        fn $name(
            py: Python<'_>,
            y_true: &Bound<'_, PyAny>,
            y_pred: &Bound<'_, PyAny>,
            sensitive_features: &Bound<'_, PyAny>,
            sample_weight: Option<&Bound<'_, PyAny>>,
            method: Option<&Bound<'_, PyAny>>,
            agg: Option<&Bound<'_, PyAny>>,
            zero_division: Option<&Bound<'_, PyAny>>,
            n_groups: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<f64> {
            let o = fopts(method, agg, zero_division)?;
            let c = PyGroupConfusion::new(py, y_true, y_pred, sensitive_features, sample_weight, n_groups)?;
            py.detach(|| m::$name(c.inner.counts(), &o)).py_err()
        }
    };
}

fairlearn_fn!(
    demographic_parity_difference,
    "fairlearn-compatible demographic parity difference."
);
fairlearn_fn!(
    demographic_parity_ratio,
    "fairlearn-compatible demographic parity ratio."
);
fairlearn_fn!(
    equal_opportunity_difference,
    "fairlearn-compatible equal opportunity difference."
);
fairlearn_fn!(
    equal_opportunity_ratio,
    "fairlearn-compatible equal opportunity ratio."
);
fairlearn_fn!(
    equalized_odds_difference,
    "fairlearn-compatible equalized odds difference (`agg`: worst_case | mean)."
);
fairlearn_fn!(
    equalized_odds_ratio,
    "fairlearn-compatible equalized odds ratio (`agg`: worst_case | mean)."
);

/// Disparate impact from selection counts: (su/tu) / (sp/tp).
#[pyfunction]
#[pyo3(signature = (selected_unprivileged, total_unprivileged, selected_privileged, total_privileged, zero_division=None))]
fn disparate_impact_from_counts(
    selected_unprivileged: f64,
    total_unprivileged: f64,
    selected_privileged: f64,
    total_privileged: f64,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let z = zd(zero_division)?;
    m::disparate_impact_from_counts(
        selected_unprivileged,
        total_unprivileged,
        selected_privileged,
        total_privileged,
        z,
    )
    .py_err()
}

/// Mixed-radix intersection of several group-code columns.
#[pyfunction]
fn intersect_groups(
    py: Python<'_>,
    attributes: &Bound<'_, PyAny>,
    cardinalities: &Bound<'_, PyAny>,
) -> PyResult<Vec<u32>> {
    let attributes: Vec<Vec<u32>> = arrs::<u32>(attributes, "attributes")?;
    let cardinalities: Vec<u32> = vec_of::<u32>(cardinalities, "cardinalities")?;
    let refs: Vec<&[u32]> = attributes.iter().map(|a| a.as_slice()).collect();
    py.detach(|| m::intersect_groups(&refs, &cardinalities))
        .py_err()
}

/// Gini coefficient of non-negative values (`normalized`: divide by (n−1)/n).
#[pyfunction]
#[pyo3(signature = (values, normalized=false, zero_division=None))]
fn gini(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    normalized: bool,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let (v, z) = (arr::<f64>(values, "values")?, zd(zero_division)?);
    let s = v.slice();
    py.detach(|| m::gini(&s, normalized, z)).py_err()
}

/// Generalized entropy index of benefits `b` (optionally weighted).
#[pyfunction]
#[pyo3(signature = (b, weights=None, alpha=2.0, convention=None, zero_division=None))]
fn generalized_entropy_index(
    py: Python<'_>,
    b: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    alpha: f64,
    convention: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let (b, w) = (arr::<f64>(b, "b")?, opt_arr::<f64>(weights, "weights")?);
    let (c, z) = (
        opt_enum::<GeiConvention>(convention, "convention")?,
        zd(zero_division)?,
    );
    let (bs, ws) = (b.slice(), w.as_ref().map(|w| w.slice()));
    py.detach(|| m::generalized_entropy_index(&bs, ws.as_deref(), alpha, c, z))
        .py_err()
}

/// Between-group generalized entropy index of benefits `b` over group codes.
#[pyfunction]
#[pyo3(signature = (b, groups, weights=None, alpha=2.0, convention=None, zero_division=None))]
#[allow(clippy::too_many_arguments)]
fn between_group_generalized_entropy_index(
    py: Python<'_>,
    b: &Bound<'_, PyAny>,
    groups: &Bound<'_, PyAny>,
    weights: Option<&Bound<'_, PyAny>>,
    alpha: f64,
    convention: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let (b, g, w) = (
        arr::<f64>(b, "b")?,
        arr::<u32>(groups, "groups")?,
        opt_arr::<f64>(weights, "weights")?,
    );
    let (c, z) = (
        opt_enum::<GeiConvention>(convention, "convention")?,
        zd(zero_division)?,
    );
    let (bs, gs, ws) = (b.slice(), g.slice(), w.as_ref().map(|w| w.slice()));
    py.detach(|| m::between_group_generalized_entropy_index(&bs, &gs, ws.as_deref(), alpha, c, z))
        .py_err()
}

/// Reads two float samples (fields `a`, `b`) and the alternative, runs `test` without the
/// GIL and returns its result as a dict: the shape of every two-sample rating test.
fn two_sample_test<'py, T: serde::Serialize + Send>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    alternative: Option<&Bound<'_, PyAny>>,
    test: impl FnOnce(&[f64], &[f64], m::Alternative) -> fairmatch::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let (a, b, alt) = (
        arr::<f64>(a, "a")?,
        arr::<f64>(b, "b")?,
        opt_enum(alternative, "alternative")?,
    );
    let (x, y) = (a.slice(), b.slice());
    to_py(py, &py.detach(|| test(&x, &y, alt)).py_err()?)
}

/// Welch's t-test (scipy `ttest_ind(equal_var=False)`); returns a dict.
#[pyfunction]
#[pyo3(signature = (a, b, alternative=None))]
fn welch_t_test<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    two_sample_test(py, a, b, alternative, m::welch_t_test)
}

/// Mann-Whitney U (scipy `mannwhitneyu`, asymptotic, tie-corrected); returns a dict.
#[pyfunction]
#[pyo3(signature = (a, b, continuity=true, alternative=None))]
fn mann_whitney_u<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    continuity: bool,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    two_sample_test(py, a, b, alternative, |x, y, alt| {
        m::mann_whitney_u(x, y, continuity, alt)
    })
}

/// Mann-Whitney U from per-value count histograms (e.g. star ratings 1–5).
#[pyfunction]
#[pyo3(signature = (counts_a, counts_b, continuity=true, alternative=None))]
fn mann_whitney_u_counts<'py>(
    py: Python<'py>,
    counts_a: Vec<u64>,
    counts_b: Vec<u64>,
    continuity: bool,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let alt = opt_enum(alternative, "alternative")?;
    to_py(
        py,
        &m::mann_whitney_u_counts(&counts_a, &counts_b, continuity, alt).py_err()?,
    )
}

/// Brunner-Munzel test (scipy `brunnermunzel`, t distribution); returns a dict.
#[pyfunction]
#[pyo3(signature = (a, b, alternative=None))]
fn brunner_munzel<'py>(
    py: Python<'py>,
    a: &Bound<'py, PyAny>,
    b: &Bound<'py, PyAny>,
    alternative: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    two_sample_test(py, a, b, alternative, m::brunner_munzel)
}

/// Rank-biserial correlation of two samples.
#[pyfunction]
fn rank_biserial(py: Python<'_>, a: &Bound<'_, PyAny>, b: &Bound<'_, PyAny>) -> PyResult<f64> {
    let (a, b) = (arr::<f64>(a, "a")?, arr::<f64>(b, "b")?);
    let (x, y) = (a.slice(), b.slice());
    py.detach(|| m::rank_biserial(&x, &y)).py_err()
}

/// Benjamini-Hochberg adjusted p-values (scipy `false_discovery_control`).
#[pyfunction]
fn benjamini_hochberg(py: Python<'_>, p_values: &Bound<'_, PyAny>) -> PyResult<Vec<f64>> {
    let p = arr::<f64>(p_values, "p_values")?;
    let s = p.slice();
    py.detach(|| m::benjamini_hochberg(&s)).py_err()
}

/// Bayesian (shrunk) average rating: (C·prior_mean + sum) / (C + n).
#[pyfunction]
fn bayesian_average(
    sum: f64,
    n: &Bound<'_, PyAny>,
    prior_mean: f64,
    prior_strength: f64,
) -> PyResult<f64> {
    let n: u64 = int(n, "n")?;
    m::bayesian_average(sum, n, prior_mean, prior_strength).py_err()
}

/// Skew@k of `group` in a ranking of group codes against target shares.
#[pyfunction]
fn skew(
    ranking: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    group: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let target: Vec<f64> = vec_of::<f64>(target, "target")?;
    let group: u32 = int(group, "group")?;
    let k: usize = int(k, "k")?;
    m::skew(&ranking, &target, group, k).py_err()
}

/// MinSkew@k.
#[pyfunction]
fn min_skew(
    ranking: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let target: Vec<f64> = vec_of::<f64>(target, "target")?;
    let k: usize = int(k, "k")?;
    m::min_skew(&ranking, &target, k).py_err()
}

/// MaxSkew@k.
#[pyfunction]
fn max_skew(
    ranking: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    k: &Bound<'_, PyAny>,
) -> PyResult<f64> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let target: Vec<f64> = vec_of::<f64>(target, "target")?;
    let k: usize = int(k, "k")?;
    m::max_skew(&ranking, &target, k).py_err()
}

/// Normalised discounted KL divergence of a ranking of group codes.
#[pyfunction]
fn ndkl(ranking: &Bound<'_, PyAny>, target: &Bound<'_, PyAny>) -> PyResult<f64> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let target: Vec<f64> = vec_of::<f64>(target, "target")?;
    m::ndkl(&ranking, &target).py_err()
}

/// Geyik et al. infeasible index and count (dict).
#[pyfunction]
#[pyo3(signature = (ranking, target, exclude_last=false))]
fn infeasible<'py>(
    py: Python<'py>,
    ranking: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    exclude_last: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let target: Vec<f64> = vec_of::<f64>(target, "target")?;
    to_py(
        py,
        &m::infeasible(&ranking, &target, exclude_last).py_err()?,
    )
}

/// Group exposure and its combination (`model`: a PositionModel dict, default log).
#[pyfunction]
#[pyo3(signature = (ranking, n_groups, model=None, cutoff=None, group_sizes=None, combiner=None, zero_division=None))]
#[allow(clippy::too_many_arguments)]
fn group_exposure(
    ranking: &Bound<'_, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    model: Option<&Bound<'_, PyAny>>,
    cutoff: Option<&Bound<'_, PyAny>>,
    group_sizes: Option<&Bound<'_, PyAny>>,
    combiner: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<(f64, Vec<f64>)> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let n_groups: usize = int(n_groups, "n_groups")?;
    let cutoff: Option<usize> = opt_int(cutoff, "cutoff")?;
    let group_sizes: Option<Vec<f64>> = opt_vec_of::<f64>(group_sizes, "group_sizes")?;
    let model: PositionModel = from_py_or_default(model, "model")?;
    let c = opt_enum_or(combiner, "combiner", m::DEFAULT_COMBINER)?;
    m::group_exposure(
        &ranking,
        n_groups,
        &model,
        cutoff,
        group_sizes.as_deref(),
        c,
        zd(zero_division)?,
    )
    .py_err()
}

/// Exposure per unit of relevance, combined across groups.
#[pyfunction]
#[pyo3(signature = (ranking, relevance, n_groups, model=None, cutoff=None, group_sizes=None, combiner=None, zero_division=None))]
#[allow(clippy::too_many_arguments)]
fn exposure_per_utility(
    ranking: &Bound<'_, PyAny>,
    relevance: &Bound<'_, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    model: Option<&Bound<'_, PyAny>>,
    cutoff: Option<&Bound<'_, PyAny>>,
    group_sizes: Option<&Bound<'_, PyAny>>,
    combiner: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<(f64, Vec<f64>)> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let relevance: Vec<f64> = vec_of::<f64>(relevance, "relevance")?;
    let n_groups: usize = int(n_groups, "n_groups")?;
    let cutoff: Option<usize> = opt_int(cutoff, "cutoff")?;
    let group_sizes: Option<Vec<f64>> = opt_vec_of::<f64>(group_sizes, "group_sizes")?;
    let model: PositionModel = from_py_or_default(model, "model")?;
    let c = opt_enum_or(combiner, "combiner", m::DEFAULT_COMBINER)?;
    m::exposure_per_utility(
        &ranking,
        &relevance,
        n_groups,
        &model,
        cutoff,
        group_sizes.as_deref(),
        c,
        zd(zero_division)?,
    )
    .py_err()
}

/// Attention-weighted rank fairness (geometric attention with parameter `p`).
#[pyfunction]
#[pyo3(signature = (ranking, n_groups, p, group_sizes=None, combiner=None, zero_division=None))]
fn awrf(
    ranking: &Bound<'_, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    p: f64,
    group_sizes: Option<&Bound<'_, PyAny>>,
    combiner: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<(f64, Vec<f64>)> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let n_groups: usize = int(n_groups, "n_groups")?;
    let group_sizes: Option<Vec<f64>> = opt_vec_of::<f64>(group_sizes, "group_sizes")?;
    let c = opt_enum_or(combiner, "combiner", m::DEFAULT_COMBINER)?;
    m::awrf(
        &ranking,
        n_groups,
        p,
        group_sizes.as_deref(),
        c,
        zd(zero_division)?,
    )
    .py_err()
}

/// Each group's share of the attention in a ranking.
#[pyfunction]
#[pyo3(signature = (ranking, n_groups, model=None, cutoff=None))]
fn attention_shares(
    ranking: &Bound<'_, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    model: Option<&Bound<'_, PyAny>>,
    cutoff: Option<&Bound<'_, PyAny>>,
) -> PyResult<Vec<f64>> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let n_groups: usize = int(n_groups, "n_groups")?;
    let cutoff: Option<usize> = opt_int(cutoff, "cutoff")?;
    let model: PositionModel = from_py_or_default(model, "model")?;
    m::attention_shares(&ranking, n_groups, &model, cutoff).py_err()
}

/// Binary AWRF (TREC Fair Ranking style) of `minor` vs `major`.
#[pyfunction]
fn awrf_binary(
    ranking: &Bound<'_, PyAny>,
    minor: &Bound<'_, PyAny>,
    major: &Bound<'_, PyAny>,
    model: &Bound<'_, PyAny>,
    target_share: f64,
) -> PyResult<f64> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let minor: u32 = int(minor, "minor")?;
    let major: u32 = int(major, "major")?;
    let model: PositionModel = from_py(model, "model")?;
    m::awrf_binary(&ranking, minor, major, &model, target_share).py_err()
}

/// Attribute rank parity (FairRankTune ARP).
#[pyfunction]
#[pyo3(signature = (ranking, n_groups, combiner=None, zero_division=None))]
fn attribute_rank_parity(
    ranking: &Bound<'_, PyAny>,
    n_groups: &Bound<'_, PyAny>,
    combiner: Option<&Bound<'_, PyAny>>,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<(f64, Vec<f64>)> {
    let ranking: Vec<u32> = vec_of::<u32>(ranking, "ranking")?;
    let n_groups: usize = int(n_groups, "n_groups")?;
    let c = opt_enum_or(combiner, "combiner", m::ARP_DEFAULT_COMBINER)?;
    m::attribute_rank_parity(&ranking, n_groups, c, zd(zero_division)?).py_err()
}

/// Yang & Stoyanovich rND / rKL / rRD of a ranking's protected flags.
#[pyfunction]
#[pyo3(signature = (protected, measure, step=None, discount=None, normalize=true, zero_division=None))]
fn yang_stoyanovich(
    protected: &Bound<'_, PyAny>,
    measure: &Bound<'_, PyAny>,
    step: Option<&Bound<'_, PyAny>>,
    discount: Option<&Bound<'_, PyAny>>,
    normalize: bool,
    zero_division: Option<&Bound<'_, PyAny>>,
) -> PyResult<f64> {
    let protected: Vec<bool> = vec_of::<bool>(protected, "protected")?;
    let measure: &str = &text(measure, "measure")?;
    let step: usize = opt_int(step, "step")?.unwrap_or(10);
    let (ms, d) = (
        parse_enum(measure, "measure")?,
        opt_enum(discount, "discount")?,
    );
    m::yang_stoyanovich(&protected, ms, step, d, normalize, zd(zero_division)?).py_err()
}

/// Expected exposure (Diaz et al.) of stochastic rankings; returns a dict.
#[pyfunction]
#[pyo3(signature = (rankings, relevance, model=None, item_groups=None))]
fn expected_exposure<'py>(
    py: Python<'py>,
    rankings: &Bound<'_, PyAny>,
    relevance: &Bound<'_, PyAny>,
    model: Option<&Bound<'py, PyAny>>,
    item_groups: Option<&Bound<'_, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let rankings: Vec<Vec<u32>> = arrs::<u32>(rankings, "rankings")?;
    let relevance: Vec<f64> = vec_of::<f64>(relevance, "relevance")?;
    let item_groups: Option<Vec<u32>> = opt_vec_of::<u32>(item_groups, "item_groups")?;
    let model: PositionModel = from_py_or_default(model, "model")?;
    let refs: Vec<&[u32]> = rankings.iter().map(|r| r.as_slice()).collect();
    to_py(
        py,
        &m::expected_exposure(&refs, &relevance, &model, item_groups.as_deref()).py_err()?,
    )
}

/// Adds the `fairmatch.metrics` submodule.
pub(crate) fn register(parent: &Bound<'_, PyModule>) -> PyResult<()> {
    let sub = PyModule::new(parent.py(), "metrics")?;
    sub.add_class::<PyGroupConfusion>()?;
    sub.add_class::<PyPrivilegedComparison>()?;
    crate::accum::register(&sub)?;
    macro_rules! add {
        ($($f:ident),* $(,)?) => { $(sub.add_function(wrap_pyfunction!($f, &sub)?)?;)* };
    }
    add!(
        demographic_parity_difference,
        demographic_parity_ratio,
        equal_opportunity_difference,
        equal_opportunity_ratio,
        equalized_odds_difference,
        equalized_odds_ratio,
        disparate_impact_from_counts,
        intersect_groups,
        gini,
        generalized_entropy_index,
        between_group_generalized_entropy_index,
        welch_t_test,
        mann_whitney_u,
        mann_whitney_u_counts,
        brunner_munzel,
        rank_biserial,
        benjamini_hochberg,
        bayesian_average,
        skew,
        min_skew,
        max_skew,
        ndkl,
        infeasible,
        group_exposure,
        exposure_per_utility,
        awrf,
        attention_shares,
        awrf_binary,
        attribute_rank_parity,
        yang_stoyanovich,
        expected_exposure,
    );
    parent.add_submodule(&sub)?;
    Ok(())
}
