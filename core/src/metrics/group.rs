//! Group classification metrics (fairlearn 0.15 and AIF360 0.6.1 semantics) built on a
//! one-pass, mergeable, weighted confusion-count accumulator per group.
//!
//! research/fairness.md §2.1 (fairlearn `_fairness_metrics.py`, `_metric_frame.py`), §2.2
//! (AIF360 `classification_metric.py`), §2.4 (edge cases → [`ZeroDivision`]).

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::policy::{
    BinaryLabel, ZeroDivision, check_len, check_n_groups, check_weights, infer_n_groups, scaled,
};
use crate::error::{EntityKind, Error, Result};

/// Weighted confusion counts of one group (sums of sample weights; 1 per row when
/// unweighted) plus the exact number of rows. Mergeable by addition. Deserialising validates
/// like [`Confusion::from_counts`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ConfusionState")]
pub struct Confusion {
    /// Σ w over rows with y = 1, ŷ = 1.
    pub tp: f64,
    /// Σ w over rows with y = 0, ŷ = 1.
    pub fp: f64,
    /// Σ w over rows with y = 0, ŷ = 0.
    pub tn: f64,
    /// Σ w over rows with y = 1, ŷ = 0.
    pub fn_: f64,
    /// Number of rows (exact, independent of weights).
    pub rows: u64,
}

/// The serde form of [`Confusion`] before validation.
#[derive(Deserialize)]
struct ConfusionState {
    tp: f64,
    fp: f64,
    tn: f64,
    fn_: f64,
    rows: u64,
}

impl TryFrom<ConfusionState> for Confusion {
    type Error = Error;
    fn try_from(c: ConfusionState) -> Result<Self> {
        Confusion::from_counts(c.tp, c.fp, c.tn, c.fn_, c.rows)
    }
}

impl Confusion {
    /// Builds a group's counts directly (e.g. from an engine ledger). Rejects negative or
    /// non-finite sums.
    pub fn from_counts(tp: f64, fp: f64, tn: f64, fn_: f64, rows: u64) -> Result<Self> {
        for (f, x) in [("tp", tp), ("fp", fp), ("tn", tn), ("fn", fn_)] {
            if !x.is_finite() || x < 0.0 {
                return Err(Error::invalid(
                    format!("confusion.{f}"),
                    format!("must be finite and ≥ 0, got {x}"),
                ));
            }
        }
        Ok(Confusion {
            tp,
            fp,
            tn,
            fn_,
            rows,
        })
    }

    /// Total weight Σ w.
    pub fn weight(&self) -> f64 {
        self.tp + self.fp + self.tn + self.fn_
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Confusion) {
        self.tp += other.tp;
        self.fp += other.fp;
        self.tn += other.tn;
        self.fn_ += other.fn_;
        self.rows += other.rows;
    }

    /// (numerator, denominator) of `rate`.
    pub fn fraction(&self, rate: Rate) -> (f64, f64) {
        match rate {
            Rate::Selection => (self.tp + self.fp, self.weight()),
            Rate::BaseRate => (self.tp + self.fn_, self.weight()),
            Rate::Tpr => (self.tp, self.tp + self.fn_),
            Rate::Fnr => (self.fn_, self.tp + self.fn_),
            Rate::Fpr => (self.fp, self.fp + self.tn),
            Rate::Tnr => (self.tn, self.fp + self.tn),
            Rate::Accuracy => (self.tp + self.tn, self.weight()),
        }
    }

    /// `rate` of this group; an empty denominator follows `zero_division`
    /// (AIF360 classic = `Nan`; fairlearn TPR/FPR zero-fill = `Zero`).
    pub fn rate(&self, rate: Rate, zero_division: ZeroDivision) -> Result<f64> {
        let (n, d) = self.fraction(rate);
        zero_division.divide(n, d, rate.name())
    }
}

/// A per-group rate computed from [`Confusion`] counts (fairlearn base metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rate {
    /// Σ w·1[ŷ=1] / Σ w (fairlearn `selection_rate`; AIF360 `selection_rate`).
    Selection,
    /// Σ w·1[y=1] / Σ w (AIF360 `base_rate`).
    BaseRate,
    /// TP / (TP + FN) (`true_positive_rate`, recall).
    Tpr,
    /// FP / (FP + TN) (`false_positive_rate`).
    Fpr,
    /// TN / (FP + TN) (`true_negative_rate`).
    Tnr,
    /// FN / (TP + FN) (`false_negative_rate`).
    Fnr,
    /// (TP + TN) / Σ w.
    Accuracy,
}

impl Rate {
    /// Whether the rate is a row-normalised confusion-matrix cell (TPR, FPR, TNR, FNR: what
    /// fairlearn computes with scikit-learn's `confusion_matrix(normalize="true")`).
    pub fn from_confusion_matrix(self) -> bool {
        matches!(self, Rate::Tpr | Rate::Fpr | Rate::Tnr | Rate::Fnr)
    }

    /// Stable snake_case name (used in error messages and reports).
    pub fn name(self) -> &'static str {
        match self {
            Rate::Selection => "selection_rate",
            Rate::BaseRate => "base_rate",
            Rate::Tpr => "true_positive_rate",
            Rate::Fpr => "false_positive_rate",
            Rate::Tnr => "true_negative_rate",
            Rate::Fnr => "false_negative_rate",
            Rate::Accuracy => "accuracy",
        }
    }
}

/// Mergeable one-pass accumulator: one [`Confusion`] per group code `0..n_groups`.
/// O(groups) memory; `merge` adds exactly (row counts as integers, weights as f64 sums), so
/// partial results from threads or distributed workers combine into the one-pass result.
/// Deserialising validates every group's counts and the number of groups.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "GroupConfusionState")]
pub struct GroupConfusion {
    groups: Vec<Confusion>,
}

/// The serde form of [`GroupConfusion`] before validation (each [`Confusion`] validates
/// itself).
#[derive(Deserialize)]
struct GroupConfusionState {
    groups: Vec<Confusion>,
}

impl TryFrom<GroupConfusionState> for GroupConfusion {
    type Error = Error;
    fn try_from(s: GroupConfusionState) -> Result<Self> {
        check_n_groups("groups", s.groups.len())?;
        Ok(GroupConfusion { groups: s.groups })
    }
}

/// Above this many groups [`GroupConfusion::count`] adds rows directly instead of through
/// interleaved histograms (which cost 128–256 bytes per group).
const HISTOGRAM_MAX_GROUPS: usize = 1 << 12;

fn weight_overflow() -> Error {
    Error::invalid(
        "sample_weight",
        "the weighted counts would overflow f64; scale the weights down (rates depend only \
         on their ratios)",
    )
}

#[inline(always)]
fn label_err(field: &str, i: usize) -> Error {
    Error::invalid(
        crate::error::indexed(field, i),
        "must be a binary label (0/1 or bool)",
    )
}

impl GroupConfusion {
    /// An empty accumulator for group codes `0..n_groups` (allocates `n_groups` counts: for
    /// a size that comes from input, use [`Self::with_groups`]).
    pub fn new(n_groups: usize) -> Self {
        GroupConfusion {
            groups: vec![Confusion::default(); n_groups],
        }
    }

    /// [`Self::new`] for a caller-supplied size: rejects more than [`super::MAX_GROUPS`]
    /// groups (field `n_groups`).
    pub fn with_groups(n_groups: usize) -> Result<Self> {
        check_n_groups("n_groups", n_groups).map(Self::new)
    }

    /// Builds from per-group counts (index = group code).
    pub fn from_groups(groups: Vec<Confusion>) -> Self {
        GroupConfusion { groups }
    }

    /// Number of group codes.
    pub fn n_groups(&self) -> usize {
        self.groups.len()
    }

    /// Whether no row was counted in any group.
    pub fn has_no_rows(&self) -> bool {
        self.groups.iter().all(|c| c.rows == 0 && c.weight() == 0.0)
    }

    /// Counts of group `code`, or [`Error::UnknownId`] (kind group).
    pub fn group(&self, code: u32) -> Result<&Confusion> {
        self.groups
            .get(code as usize)
            .ok_or_else(|| Error::unknown(EntityKind::Group, code.to_string()))
    }

    /// All per-group counts (index = group code).
    pub fn groups(&self) -> &[Confusion] {
        &self.groups
    }

    /// Counts over all groups.
    pub fn overall(&self) -> Confusion {
        let mut c = Confusion::default();
        for g in &self.groups {
            c.merge(g);
        }
        c
    }

    /// Counts over a set of groups (AIF360's privileged/unprivileged lists). Rejects unknown
    /// and repeated codes.
    pub fn pooled(&self, codes: &[u32]) -> Result<Confusion> {
        let mut c = Confusion::default();
        for (i, &g) in codes.iter().enumerate() {
            if codes[..i].contains(&g) {
                return Err(Error::invalid("groups", format!("group {g} listed twice")));
            }
            c.merge(self.group(g)?);
        }
        Ok(c)
    }

    /// Adds one row. Rejects unknown groups and negative or non-finite weights.
    pub fn add(&mut self, group: u32, y_true: bool, y_pred: bool, weight: f64) -> Result<()> {
        if !weight.is_finite() || weight < 0.0 {
            return Err(Error::invalid(
                "sample_weight",
                format!("must be finite and ≥ 0, got {weight}"),
            ));
        }
        let n = self.groups.len();
        let c = self
            .groups
            .get_mut(group as usize)
            .ok_or_else(|| Error::unknown(EntityKind::Group, format!("{group} (of {n})")))?;
        let cell = match (y_true, y_pred) {
            (true, true) => &mut c.tp,
            (false, true) => &mut c.fp,
            (false, false) => &mut c.tn,
            (true, false) => &mut c.fn_,
        };
        if !(*cell + weight).is_finite() {
            return Err(weight_overflow());
        }
        *cell += weight;
        c.rows += 1;
        Ok(())
    }

    /// Adds many rows in one pass. `groups[i]` must be `< n_groups` (else
    /// [`Error::UnknownId`]); labels must be binary; `weights` (optional) must have the same
    /// length, each finite and ≥ 0. On error nothing is added.
    pub fn extend<L: BinaryLabel>(
        &mut self,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<()> {
        let part = Self::count(self.groups.len(), groups, y_true, y_pred, weights)?;
        self.merge(&part)
    }

    /// One-pass accumulator over arrays; `n_groups` = max code + 1 (codes not present become
    /// empty groups, reported as excluded). Rejects empty input and codes of
    /// [`super::MAX_GROUPS`] or more. When the weighted sums could overflow (weights near
    /// `f64::MAX`), every weight is first multiplied by the same power of two: rates, ratios
    /// and differences are exact and unchanged, the weighted counts are in those units.
    pub fn from_arrays<L: BinaryLabel>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if groups.is_empty() {
            return Err(Error::invalid("groups", "empty input"));
        }
        let weights = weights.map(scaled);
        Self::count_inferred(groups, y_true, y_pred, weights.as_ref().map(|w| &w.0[..]))
    }

    /// Counts rows whose number of groups is not given (max code + 1 of these rows). One
    /// fused pass finds it and counts (few groups, unweighted, valid labels); anything else
    /// finds the largest code first and then counts, naming the offending row on error. The
    /// parallel path calls this per chunk, so the codes are read from memory once (the
    /// second read of a chunk comes from cache).
    fn count_inferred<L: BinaryLabel>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if weights.is_none()
            && y_true.len() == groups.len()
            && y_pred.len() == groups.len()
            && let Some(c) = few_groups::count(groups, y_true, y_pred, few_groups::MAX_GROUPS)
        {
            let n_groups = c.max_code as usize + 1;
            return Ok(c.into_confusion(n_groups));
        }
        let n_groups = infer_n_groups("groups", groups)?;
        Self::count(n_groups, groups, y_true, y_pred, weights)
    }

    /// [`Self::count`] with the weights scaled first when their sums could overflow (see
    /// [`Self::from_arrays`]).
    fn count_scaled<L: BinaryLabel>(
        n_groups: usize,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        let weights = weights.map(scaled);
        let weights = weights.as_ref().map(|w| &w.0[..]);
        Self::count(n_groups, groups, y_true, y_pred, weights)
    }

    /// [`Self::from_arrays`] with a fixed number of groups (codes must be below it; rejects
    /// more than [`super::MAX_GROUPS`], field `n_groups`), in parallel like
    /// [`Self::from_arrays_par`] when `parallel`.
    pub fn from_arrays_in<L: BinaryLabel + Sync>(
        n_groups: usize,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
        parallel: bool,
    ) -> Result<Self> {
        check_n_groups("n_groups", n_groups)?;
        if parallel {
            Self::count_par(Some(n_groups), groups, y_true, y_pred, weights)
        } else {
            Self::count_scaled(n_groups, groups, y_true, y_pred, weights)
        }
    }

    /// Convenience for string group labels (e.g. from a Python/JS list): encodes them with
    /// [`encode_groups`] (codes in order of first appearance) and counts in one pass. Returns
    /// the accumulator and the group names by code. Rejects empty labels like
    /// [`encode_groups`], plus everything [`Self::from_arrays`] rejects.
    pub fn from_labels<S: AsRef<str>, L: BinaryLabel>(
        groups: &[S],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<(Self, Vec<String>)> {
        let (codes, names) = encode_groups(groups)?;
        let acc = Self::count(names.len(), &codes, y_true, y_pred, weights)?;
        Ok((acc, names))
    }

    /// [`Self::from_arrays`] split over the rayon pool (chunks merged; weighted sums may differ
    /// from the sequential ones in the last bits, counts are identical).
    pub fn from_arrays_par<L: BinaryLabel + Sync>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        if groups.is_empty() {
            return Err(Error::invalid("groups", "empty input"));
        }
        Self::count_par(None, groups, y_true, y_pred, weights)
    }

    /// [`Self::count`] over chunks on the rayon pool, with one weight scale for all chunks
    /// (see [`Self::from_arrays`]). Without `n_groups` each chunk infers its own while it
    /// counts ([`Self::count_inferred`]) and the merge grows to the largest.
    fn count_par<L: BinaryLabel + Sync>(
        n_groups: Option<usize>,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        check_len("y_true", y_true.len(), groups.len())?;
        check_len("y_pred", y_pred.len(), groups.len())?;
        if let Some(w) = weights {
            check_len("sample_weight", w.len(), groups.len())?;
        }
        let scaled_weights = weights.map(scaled);
        let weights = scaled_weights.as_ref().map(|w| &w.0[..]);
        const CHUNK: usize = 1 << 16;
        let parts: Result<Vec<GroupConfusion>> = groups
            .par_chunks(CHUNK)
            .enumerate()
            .map(|(ci, g)| {
                let lo = ci * CHUNK;
                let hi = lo + g.len();
                let (t, p, w) = (
                    &y_true[lo..hi],
                    &y_pred[lo..hi],
                    weights.map(|w| &w[lo..hi]),
                );
                match n_groups {
                    Some(k) => Self::count(k, g, t, p, w),
                    None => Self::count_inferred(g, t, p, w),
                }
                .map_err(|e| e.offset_index(lo))
            })
            .collect();
        let mut acc = GroupConfusion::new(n_groups.unwrap_or(0));
        for p in parts? {
            acc.merge(&p)?;
        }
        Ok(acc)
    }

    fn count<L: BinaryLabel>(
        n_groups: usize,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        let n = groups.len();
        check_len("y_true", y_true.len(), n)?;
        check_len("y_pred", y_pred.len(), n)?;
        if let Some(w) = weights {
            // values are validated inside the counting loop (one pass over the weights)
            check_len("sample_weight", w.len(), n)?;
        }
        if weights.is_none()
            && n_groups <= few_groups::MAX_GROUPS
            && let Some(c) = few_groups::count(groups, y_true, y_pred, n_groups)
        {
            return Ok(c.into_confusion(n_groups));
        }
        if n_groups > HISTOGRAM_MAX_GROUPS {
            return Self::count_direct(n_groups, groups, y_true, y_pred, weights);
        }
        // Validate in branch-free (vectorisable) passes; locate the offending row only on error.
        for (field, labels) in [("y_true", y_true), ("y_pred", y_pred)] {
            if labels.iter().fold(false, |bad, x| bad | x.bit().is_none()) {
                let i = labels.iter().position(|x| x.bit().is_none()).unwrap_or(0);
                return Err(label_err(field, i));
            }
        }
        // Four interleaved histograms break the store-to-load chains of repeated keys; the
        // zipped chunk iterators keep the loop free of bounds checks on the inputs.
        const LANES: usize = 4;
        // Unknown group codes are clamped into one overflow group (cells n_groups*4..+4) and
        // reported after the pass, so the hot loop needs no separate validation pass.
        let cells = n_groups * 4 + 4;
        let cap = n_groups.min(u32::MAX as usize) as u32;
        let mut out = GroupConfusion::new(n_groups);
        let key = |g: u32, t: L, p: L| g.min(cap) as usize * 4 + (t.index() << 1 | p.index());
        let unknown = |overflow: bool| -> Result<()> {
            if overflow {
                let i = groups
                    .iter()
                    .position(|&g| g as usize >= n_groups)
                    .unwrap_or(0);
                return Err(Error::unknown(
                    EntityKind::Group,
                    format!("{} at groups[{i}] (of {n_groups})", groups[i]),
                ));
            }
            Ok(())
        };
        let gc = groups.chunks_exact(LANES);
        let tc = y_true.chunks_exact(LANES);
        let pc = y_pred.chunks_exact(LANES);
        let tail = n - gc.remainder().len();
        match weights {
            None => {
                let mut h = vec![[0u64; LANES]; cells];
                for ((g, t), p) in gc.zip(tc).zip(pc) {
                    for l in 0..LANES {
                        h[key(g[l], t[l], p[l])][l] += 1;
                    }
                }
                for i in tail..n {
                    h[key(groups[i], y_true[i], y_pred[i])][0] += 1;
                }
                unknown(h[cells - 4..].iter().flatten().any(|&x| x > 0))?;
                for (g, c) in out.groups.iter_mut().enumerate() {
                    let r = |k: usize| h[g * 4 + k].iter().sum::<u64>();
                    c.tn = r(0) as f64;
                    c.fp = r(1) as f64;
                    c.fn_ = r(2) as f64;
                    c.tp = r(3) as f64;
                    c.rows = (0..4).map(r).sum();
                }
            }
            Some(w) => {
                // keys of the four lanes first, then the scatter-adds (weights and row counts)
                // (weight, rows) pairs: one two-wide f64 add per row (rows exact below 2^53)
                let mut s = vec![[[0f64; 2]; LANES]; cells];
                let wc = w.chunks_exact(LANES);
                // sign bit or all-ones exponent (negative, inf, NaN) of any weight
                let mut flagged = 0u64;
                let flag = |x: f64| {
                    let b = x.to_bits();
                    (b >> 63) | ((((b >> 52) & 0x7ff) + 1) >> 11)
                };
                for (((g, t), p), w) in gc.zip(tc).zip(pc).zip(wc) {
                    flagged |= flag(w[0]) | flag(w[1]) | flag(w[2]) | flag(w[3]);
                    let k = [
                        key(g[0], t[0], p[0]),
                        key(g[1], t[1], p[1]),
                        key(g[2], t[2], p[2]),
                        key(g[3], t[3], p[3]),
                    ];
                    for l in 0..LANES {
                        let c = &mut s[k[l]][l];
                        c[0] += w[l];
                        c[1] += 1.0;
                    }
                }
                for i in tail..n {
                    flagged |= flag(w[i]);
                    let k = key(groups[i], y_true[i], y_pred[i]);
                    s[k][0][0] += w[i];
                    s[k][0][1] += 1.0;
                }
                unknown(s[cells - 4..].iter().flatten().any(|x| x[1] > 0.0))?;
                if flagged != 0 {
                    // exact check (names the row; lets -0.0 through)
                    check_weights(weights, n)?;
                }
                for (g, c) in out.groups.iter_mut().enumerate() {
                    let sw = |k: usize| s[g * 4 + k].iter().map(|x| x[0]).sum::<f64>();
                    let rw = |k: usize| s[g * 4 + k].iter().map(|x| x[1] as u64).sum::<u64>();
                    c.tn = sw(0);
                    c.fp = sw(1);
                    c.fn_ = sw(2);
                    c.tp = sw(3);
                    c.rows = (0..4).map(rw).sum();
                }
            }
        }
        Ok(out)
    }

    /// The counting loop for many groups: rows added one by one into the per-group counts
    /// (O(groups) memory, where the interleaved histograms of [`Self::count`] take ~6× more
    /// per group). Validates every row; names the first bad one.
    fn count_direct<L: BinaryLabel>(
        n_groups: usize,
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        weights: Option<&[f64]>,
    ) -> Result<Self> {
        check_weights(weights, groups.len())?;
        let mut out = GroupConfusion::new(n_groups);
        for (i, ((&g, &t), &p)) in groups.iter().zip(y_true).zip(y_pred).enumerate() {
            let t = t.bit().ok_or_else(|| label_err("y_true", i))?;
            let p = p.bit().ok_or_else(|| label_err("y_pred", i))?;
            if g as usize >= n_groups {
                return Err(Error::unknown(
                    EntityKind::Group,
                    format!("{g} at groups[{i}] (of {n_groups})"),
                ));
            }
            out.add(g, t == 1, p == 1, weights.map_or(1.0, |w| w[i]))?;
        }
        Ok(out)
    }

    /// Adds another accumulator (from another thread, chunk or worker). Grows to the larger
    /// number of groups. Rejects (changing nothing) a merge whose weighted sums would overflow
    /// `f64` (field `sample_weight`).
    pub fn merge(&mut self, other: &GroupConfusion) -> Result<()> {
        let overflows = other.groups.iter().any(|b| !b.weight().is_finite())
            || self.groups.iter().zip(&other.groups).any(|(a, b)| {
                let mut m = *a;
                m.merge(b);
                !m.weight().is_finite()
            });
        if overflows {
            return Err(weight_overflow());
        }
        if other.groups.len() > self.groups.len() {
            self.groups.resize(other.groups.len(), Confusion::default());
        }
        for (a, b) in self.groups.iter_mut().zip(&other.groups) {
            a.merge(b);
        }
        Ok(())
    }

    /// Per-group values of `rate` with the [`ZeroDivision`] policy applied (see
    /// [`GroupRates`]). Groups with no rows or zero total weight are always *excluded*
    /// (fairlearn: NaN, skipped; research/fairness.md §2.4 "empty / zero-weight group").
    pub fn rates(&self, rate: Rate, zero_division: ZeroDivision) -> Result<GroupRates> {
        let mut values = Vec::with_capacity(self.groups.len());
        let mut status = Vec::with_capacity(self.groups.len());
        // fairlearn fills a confusion-matrix rate of a zero-weight group with 0 (its rows are
        // there, the weights are not); every other policy, and a selection rate, skip it
        let zero_weight_counts =
            zero_division == ZeroDivision::Fairlearn && rate.from_confusion_matrix();
        for (g, c) in self.groups.iter().enumerate() {
            if c.rows == 0 || (c.weight() == 0.0 && !zero_weight_counts) {
                values.push(f64::NAN);
                status.push(GroupStatus::Excluded);
                continue;
            }
            let (n, d) = c.fraction(rate);
            if d == 0.0 {
                let v = zero_division.resolve_rate(
                    &format!("{}[group {g}]", rate.name()),
                    "the group has no rows in the rate's denominator",
                )?;
                values.push(v);
                status.push(GroupStatus::Undefined);
            } else {
                values.push(n / d);
                status.push(GroupStatus::Defined);
            }
        }
        let (n, d) = self.overall().fraction(rate);
        let name = format!("{}[overall]", rate.name());
        let overall = if d == 0.0 && rate.from_confusion_matrix() {
            zero_division.resolve_rate(&name, "no row in the rate's denominator")?
        } else {
            zero_division.divide(n, d, &name)?
        };
        Ok(GroupRates {
            rate,
            values,
            status,
            rows: self.groups.iter().map(|c| c.rows).collect(),
            weight: self.groups.iter().map(|c| c.weight()).collect(),
            overall,
            zero_division,
        })
    }

    /// Compares a pooled unprivileged set against a pooled privileged set (AIF360 classic
    /// API). The sets must be disjoint (AIF360 raises `ValueError` too).
    pub fn compare(
        &self,
        unprivileged: &[u32],
        privileged: &[u32],
        zero_division: ZeroDivision,
    ) -> Result<PrivilegedComparison> {
        if let Some(g) = unprivileged.iter().find(|g| privileged.contains(g)) {
            return Err(Error::invalid(
                "privileged",
                format!("group {g} is both privileged and unprivileged"),
            ));
        }
        if unprivileged.is_empty() || privileged.is_empty() {
            return Err(Error::invalid(
                if unprivileged.is_empty() {
                    "unprivileged"
                } else {
                    "privileged"
                },
                "must name at least one group",
            ));
        }
        Ok(PrivilegedComparison {
            unprivileged: self.pooled(unprivileged)?,
            privileged: self.pooled(privileged)?,
            zero_division,
        })
    }

    /// The full fairness report: per-group rows/weights/rates, fairlearn aggregates, and the
    /// excluded/undefined groups with their counts (never a silent "fair").
    pub fn report(&self, options: &FairnessOptions) -> Result<FairnessReport> {
        let z = options.zero_division;
        let sel = self.rates(Rate::Selection, z)?;
        let tpr = self.rates(Rate::Tpr, z)?;
        let fpr = self.rates(Rate::Fpr, z)?;
        let mut groups = Vec::with_capacity(self.groups.len());
        for (g, c) in self.groups.iter().enumerate() {
            groups.push(GroupRow {
                group: g as u32,
                rows: c.rows,
                weight: c.weight(),
                selection_rate: sel.values[g],
                true_positive_rate: tpr.values[g],
                false_positive_rate: fpr.values[g],
                status_selection: sel.status[g],
                status_tpr: tpr.status[g],
                status_fpr: fpr.status[g],
            });
        }
        let defined = sel.included().count();
        Ok(FairnessReport {
            groups,
            overall_selection_rate: sel.overall,
            demographic_parity_difference: sel.difference(options.method)?,
            demographic_parity_ratio: sel.ratio(options.method)?,
            equalized_odds_difference: equalized_odds_difference(self, options)?,
            equalized_odds_ratio: equalized_odds_ratio(self, options)?,
            equal_opportunity_difference: tpr.difference(options.method)?,
            equal_opportunity_ratio: tpr.ratio(options.method)?,
            excluded: sel.listed(GroupStatus::Excluded),
            undefined_tpr: tpr.listed(GroupStatus::Undefined),
            undefined_fpr: fpr.listed(GroupStatus::Undefined),
            single_group: defined <= 1,
            options: *options,
        })
    }
}

/// Unweighted counting for a few groups without a scatter: per block of rows, group codes and
/// labels are narrowed to bytes, then for each group code `c` one compare-and-add pass over
/// the block counts rows, Σy_true, Σy_pred and Σy_true·y_pred into byte lanes (the compiler
/// turns these into `pcmpeqb`/`paddb`; AVX2 when the CPU has it). The four sums give the
/// confusion cells: tp = Σtp, fn = Σt − Σtp, fp = Σp − Σtp, tn = n − Σt − Σp + Σtp.
/// The scatter histogram of [`GroupConfusion::count`] costs a dependent load-add-store per
/// row; this costs ~8 byte-ops per group per row on 16–32 rows at once.
mod few_groups {
    use super::{Confusion, GroupConfusion};
    use crate::metrics::policy::BinaryLabel;

    /// Largest number of groups counted this way (the cost grows with the group count).
    pub(super) const MAX_GROUPS: usize = 8;
    const LANES: usize = 32;
    /// 255 steps of `LANES` rows: a byte lane is incremented at most once per step.
    const BLOCK: usize = LANES * 255;

    /// Per group code: rows, Σy_true, Σy_pred, Σy_true·y_pred; and the largest code seen.
    pub(super) struct Sums {
        sums: [[u64; 4]; MAX_GROUPS],
        pub(super) max_code: u32,
    }

    impl Sums {
        pub(super) fn into_confusion(self, n_groups: usize) -> GroupConfusion {
            let groups = self.sums[..n_groups]
                .iter()
                .map(|&[n, t, p, tp]| Confusion {
                    tp: tp as f64,
                    fn_: (t - tp) as f64,
                    fp: (p - tp) as f64,
                    tn: (n + tp - t - p) as f64,
                    rows: n,
                })
                .collect();
            GroupConfusion::from_groups(groups)
        }
    }

    /// Counts when every code is `< limit` (≤ [`MAX_GROUPS`]) and every label is 0/1; `None`
    /// otherwise (the caller then takes the general path, which reports the bad row). Slices
    /// must have equal lengths.
    pub(super) fn count<L: BinaryLabel>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        limit: usize,
    ) -> Option<Sums> {
        debug_assert!(limit <= MAX_GROUPS);
        debug_assert!(y_true.len() == groups.len() && y_pred.len() == groups.len());
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: avx2 was detected on this CPU.
            return unsafe { count_avx2(groups, y_true, y_pred, limit) };
        }
        count_body(groups, y_true, y_pred, limit)
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn count_avx2<L: BinaryLabel>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        limit: usize,
    ) -> Option<Sums> {
        count_body(groups, y_true, y_pred, limit)
    }

    #[inline(always)]
    fn count_body<L: BinaryLabel>(
        groups: &[u32],
        y_true: &[L],
        y_pred: &[L],
        limit: usize,
    ) -> Option<Sums> {
        let mut out = Sums {
            sums: [[0; 4]; MAX_GROUPS],
            max_code: 0,
        };
        let mut gb = [0u8; BLOCK];
        let mut tb = [0u8; BLOCK];
        let mut pb = [0u8; BLOCK];
        for start in (0..groups.len()).step_by(BLOCK) {
            let end = (start + BLOCK).min(groups.len());
            let len = end - start;
            let mut max = 0u32;
            for (b, &g) in gb.iter_mut().zip(&groups[start..end]) {
                max = max.max(g);
                *b = g.min(255) as u8;
            }
            if max as usize >= limit {
                return None;
            }
            let mut bad = false;
            for (dst, src) in [
                (&mut tb, &y_true[start..end]),
                (&mut pb, &y_pred[start..end]),
            ] {
                for (b, &x) in dst.iter_mut().zip(src) {
                    bad |= x.bit().is_none();
                    *b = x.index() as u8;
                }
            }
            if bad {
                return None;
            }
            // pad the last block to whole steps with a code that is never counted
            let padded = len.div_ceil(LANES) * LANES;
            gb[len..padded].fill(u8::MAX);
            out.max_code = out.max_code.max(max);
            for (code, sums) in out.sums.iter_mut().enumerate().take(max as usize + 1) {
                let code = code as u8;
                let mut acc = [[0u8; LANES]; 4];
                let steps = gb[..padded]
                    .chunks_exact(LANES)
                    .zip(tb[..padded].chunks_exact(LANES))
                    .zip(pb[..padded].chunks_exact(LANES));
                for ((g, t), p) in steps {
                    for l in 0..LANES {
                        let m = (g[l] == code) as u8;
                        let mt = m & t[l];
                        acc[0][l] += m;
                        acc[1][l] += mt;
                        acc[2][l] += m & p[l];
                        acc[3][l] += mt & p[l];
                    }
                }
                for (s, a) in sums.iter_mut().zip(&acc) {
                    *s += a.iter().map(|&x| u64::from(x)).sum::<u64>();
                }
            }
        }
        Some(out)
    }
}

/// How a group's value was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupStatus {
    /// A real ratio (denominator > 0).
    Defined,
    /// Denominator 0 inside a non-empty group: NaN (skipped) under `ZeroDivision::Nan`, or the
    /// imputed 0/1 under `Zero`/`One` (then it takes part in aggregates).
    Undefined,
    /// No rows or zero total weight: always skipped.
    Excluded,
}

/// A group listed in a report because it was excluded or undefined.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupCount {
    /// Group code.
    pub group: u32,
    /// Rows in the group.
    pub rows: u64,
    /// Total weight of the group.
    pub weight: f64,
}

/// How per-group values are compared (fairlearn `MetricFrame.difference/ratio(method=…)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// difference = max_g − min_g; ratio = min_g / max_g.
    #[default]
    BetweenGroups,
    /// difference = max_g |v_g − overall|; ratio = min_g r_g, r_g = v_g/overall inverted if > 1.
    ToOverall,
}

/// How the TPR and FPR parts of equalized odds are combined (fairlearn `agg=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Agg {
    /// difference: max of the two; ratio: min of the two.
    #[default]
    WorstCase,
    /// The mean of the two.
    Mean,
}

/// Options of the fairlearn-style aggregate metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct FairnessOptions {
    /// `between_groups` (default) or `to_overall`.
    pub method: Method,
    /// `worst_case` (default) or `mean` (equalized odds only).
    pub agg: Agg,
    /// Edge-case policy (default NaN).
    pub zero_division: ZeroDivision,
}

/// Per-group values of one rate, with status and sizes; the aggregates skip NaN values.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRates {
    /// Which rate.
    pub rate: Rate,
    /// Value per group code (NaN when excluded or undefined under `Nan`).
    pub values: Vec<f64>,
    /// Status per group code.
    pub status: Vec<GroupStatus>,
    /// Rows per group.
    pub rows: Vec<u64>,
    /// Total weight per group.
    pub weight: Vec<f64>,
    /// The rate over all rows.
    pub overall: f64,
    /// The policy used.
    pub zero_division: ZeroDivision,
}

impl GroupRates {
    /// Builds from per-group (numerator, denominator) sums, e.g. hires and applications per
    /// group from an engine ledger: selection-rate parity from counts. Groups with
    /// denominator 0 are excluded. Rejects negative/non-finite values and num > den.
    pub fn from_counts(
        numerators: &[f64],
        denominators: &[f64],
        zero_division: ZeroDivision,
    ) -> Result<GroupRates> {
        check_len("numerators", numerators.len(), denominators.len())?;
        let mut values = Vec::new();
        let mut status = Vec::new();
        for (i, (&n, &d)) in numerators.iter().zip(denominators).enumerate() {
            for (f, x) in [("numerators", n), ("denominators", d)] {
                if !x.is_finite() || x < 0.0 {
                    return Err(Error::invalid(
                        crate::error::indexed(f, i),
                        format!("must be finite and ≥ 0, got {x}"),
                    ));
                }
            }
            if n > d {
                return Err(Error::invalid(
                    format!("numerators[{i}]"),
                    format!("{n} exceeds its denominator {d}"),
                ));
            }
            if d == 0.0 {
                values.push(f64::NAN);
                status.push(GroupStatus::Excluded);
            } else {
                values.push(n / d);
                status.push(GroupStatus::Defined);
            }
        }
        let overall = zero_division.divide(
            numerators.iter().sum(),
            denominators.iter().sum(),
            "rate[overall]",
        )?;
        Ok(GroupRates {
            rate: Rate::Selection,
            values,
            status,
            rows: denominators.iter().map(|&d| d.round() as u64).collect(),
            weight: denominators.to_vec(),
            overall,
            zero_division,
        })
    }

    fn included(&self) -> impl Iterator<Item = f64> + '_ {
        self.values.iter().copied().filter(|v| !v.is_nan())
    }

    fn listed(&self, s: GroupStatus) -> Vec<GroupCount> {
        (0..self.values.len())
            .filter(|&g| self.status[g] == s)
            .map(|g| GroupCount {
                group: g as u32,
                rows: self.rows[g],
                weight: self.weight[g],
            })
            .collect()
    }

    /// Groups skipped because they have no rows or zero weight.
    pub fn excluded(&self) -> Vec<GroupCount> {
        self.listed(GroupStatus::Excluded)
    }

    /// Groups whose rate had an empty denominator.
    pub fn undefined(&self) -> Vec<GroupCount> {
        self.listed(GroupStatus::Undefined)
    }

    /// fairlearn `MetricFrame.difference(method)`: `between_groups` = max − min over groups
    /// with a value; `to_overall` = max |v_g − overall|. No group with a value → policy.
    pub fn difference(&self, method: Method) -> Result<f64> {
        let mut any = false;
        let (mut lo, mut hi, mut dev) = (f64::INFINITY, f64::NEG_INFINITY, 0f64);
        for v in self.included() {
            any = true;
            lo = lo.min(v);
            hi = hi.max(v);
            dev = dev.max((v - self.overall).abs());
        }
        if !any {
            return self
                .zero_division
                .resolve(self.rate.name(), "no group has a defined value");
        }
        Ok(match method {
            Method::BetweenGroups => hi - lo,
            Method::ToOverall => {
                if self.overall.is_nan() {
                    f64::NAN
                } else {
                    dev
                }
            }
        })
    }

    /// fairlearn `MetricFrame.ratio(method)`: `between_groups` = min / max (0/0 → policy);
    /// `to_overall` = min_g r_g with r_g = v_g / overall, inverted when > 1.
    pub fn ratio(&self, method: Method) -> Result<f64> {
        let z = self.zero_division;
        let name = self.rate.name();
        let vals: Vec<f64> = self.included().collect();
        if vals.is_empty() {
            return z.resolve(name, "no group has a defined value");
        }
        match method {
            Method::BetweenGroups => {
                let lo = vals.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = vals.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                z.divide(lo, hi, &format!("{name} ratio (min/max)"))
            }
            Method::ToOverall => {
                let mut best = f64::INFINITY;
                let mut any = false;
                for v in vals {
                    let r = z.divide(v, self.overall, &format!("{name} ratio to overall"))?;
                    if r.is_nan() {
                        continue;
                    }
                    let r = if r > 1.0 { 1.0 / r } else { r };
                    any = true;
                    best = best.min(r);
                }
                if any { Ok(best) } else { Ok(f64::NAN) }
            }
        }
    }
}

fn nan_max(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, _) => b,
        (_, true) => a,
        _ => a.max(b),
    }
}
fn nan_min(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, _) => b,
        (_, true) => a,
        _ => a.min(b),
    }
}
/// Python's builtin `max(a, b)` on floats: `b` only if `b > a`, so a NaN `a` is kept and a
/// NaN `b` skipped (what fairlearn's `equalized_odds_difference(agg="worst_case")` does).
fn builtin_max(a: f64, b: f64) -> f64 {
    if b > a { b } else { a }
}
/// Python's builtin `min(a, b)` on floats (see [`builtin_max`]).
fn builtin_min(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}
fn nan_mean(a: f64, b: f64) -> f64 {
    match (a.is_nan(), b.is_nan()) {
        (true, _) => b,
        (_, true) => a,
        _ => (a + b) / 2.0,
    }
}

/// fairlearn `demographic_parity_difference`: selection-rate difference (method per options).
pub fn demographic_parity_difference(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    c.rates(Rate::Selection, o.zero_division)?
        .difference(o.method)
}

/// fairlearn `demographic_parity_ratio`: selection-rate ratio (min/max; 0/0 → policy).
pub fn demographic_parity_ratio(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    c.rates(Rate::Selection, o.zero_division)?.ratio(o.method)
}

/// fairlearn `equalized_odds_difference`: `worst_case` = max(TPR diff, FPR diff), `mean` =
/// their mean (a NaN part is skipped, as pandas does). Under [`ZeroDivision::Fairlearn`]
/// `worst_case` is Python's builtin `max`, which keeps a NaN TPR part (fairlearn's quirk).
pub fn equalized_odds_difference(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    let t = c.rates(Rate::Tpr, o.zero_division)?.difference(o.method)?;
    let f = c.rates(Rate::Fpr, o.zero_division)?.difference(o.method)?;
    Ok(match o.agg {
        Agg::WorstCase if o.zero_division == ZeroDivision::Fairlearn => builtin_max(t, f),
        Agg::WorstCase => nan_max(t, f),
        Agg::Mean => nan_mean(t, f),
    })
}

/// fairlearn `equalized_odds_ratio`: `worst_case` = min(TPR ratio, FPR ratio), `mean` = mean.
/// Under [`ZeroDivision::Fairlearn`] `worst_case` is Python's builtin `min`, which keeps a NaN
/// TPR part and skips a NaN FPR part (so it can differ from fairlearn-free `Nan`: 0.0 there
/// where fairlearn returns NaN).
pub fn equalized_odds_ratio(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    let t = c.rates(Rate::Tpr, o.zero_division)?.ratio(o.method)?;
    let f = c.rates(Rate::Fpr, o.zero_division)?.ratio(o.method)?;
    Ok(match o.agg {
        Agg::WorstCase if o.zero_division == ZeroDivision::Fairlearn => builtin_min(t, f),
        Agg::WorstCase => nan_min(t, f),
        Agg::Mean => nan_mean(t, f),
    })
}

/// fairlearn `equal_opportunity_difference` (since 0.11): TPR difference.
pub fn equal_opportunity_difference(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    c.rates(Rate::Tpr, o.zero_division)?.difference(o.method)
}

/// fairlearn `equal_opportunity_ratio`: TPR ratio.
pub fn equal_opportunity_ratio(c: &GroupConfusion, o: &FairnessOptions) -> Result<f64> {
    c.rates(Rate::Tpr, o.zero_division)?.ratio(o.method)
}

/// AIF360 classic-API comparison of a pooled unprivileged set (u) against a pooled
/// privileged set (p). Signed: `difference(f) = f(u) − f(p)`, `ratio(f) = f(u)/f(p)`.
/// Rates with an empty denominator follow the policy (AIF360 classic: NaN; its ratios give
/// ±inf for x/0 where `Nan` gives NaN — documented deviation).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PrivilegedComparison {
    /// Pooled counts of the unprivileged groups.
    pub unprivileged: Confusion,
    /// Pooled counts of the privileged groups.
    pub privileged: Confusion,
    /// Edge-case policy.
    pub zero_division: ZeroDivision,
}

impl PrivilegedComparison {
    fn diff(&self, r: Rate) -> Result<f64> {
        Ok(self.unprivileged.rate(r, self.zero_division)?
            - self.privileged.rate(r, self.zero_division)?)
    }

    /// `rate(u) − rate(p)` for any rate.
    pub fn difference(&self, rate: Rate) -> Result<f64> {
        self.diff(rate)
    }

    /// `rate(u) / rate(p)`; x/0 and 0/0 follow the policy.
    pub fn ratio(&self, rate: Rate) -> Result<f64> {
        let u = self.unprivileged.rate(rate, self.zero_division)?;
        let p = self.privileged.rate(rate, self.zero_division)?;
        if u.is_nan() || p.is_nan() {
            return Ok(f64::NAN);
        }
        self.zero_division.divide(
            u,
            p,
            &format!("{} ratio (unprivileged/privileged)", rate.name()),
        )
    }

    /// AIF360 `statistical_parity_difference` = SR_u − SR_p.
    pub fn statistical_parity_difference(&self) -> Result<f64> {
        self.diff(Rate::Selection)
    }

    /// AIF360 `disparate_impact` = SR_u / SR_p.
    pub fn disparate_impact(&self) -> Result<f64> {
        self.ratio(Rate::Selection)
    }

    /// AIF360 `average_odds_difference` = ½[(FPR_u − FPR_p) + (TPR_u − TPR_p)].
    pub fn average_odds_difference(&self) -> Result<f64> {
        Ok(0.5 * (self.diff(Rate::Fpr)? + self.diff(Rate::Tpr)?))
    }

    /// AIF360 `average_abs_odds_difference` = ½[|ΔFPR| + |ΔTPR|].
    pub fn average_abs_odds_difference(&self) -> Result<f64> {
        Ok(0.5 * (self.diff(Rate::Fpr)?.abs() + self.diff(Rate::Tpr)?.abs()))
    }

    /// AIF360 `equal_opportunity_difference` = TPR_u − TPR_p.
    pub fn equal_opportunity_difference(&self) -> Result<f64> {
        self.diff(Rate::Tpr)
    }

    /// AIF360 `equalized_odds_difference` = max(|ΔFPR|, |ΔTPR|) (NaN if either is NaN).
    pub fn equalized_odds_difference(&self) -> Result<f64> {
        let a = self.diff(Rate::Fpr)?.abs();
        let b = self.diff(Rate::Tpr)?.abs();
        Ok(if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            a.max(b)
        })
    }
}

/// One group's line in a [`FairnessReport`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    /// Group code.
    pub group: u32,
    /// Rows.
    pub rows: u64,
    /// Total weight.
    pub weight: f64,
    /// Selection rate (NaN if excluded).
    pub selection_rate: f64,
    /// TPR (NaN if excluded or undefined under `Nan`).
    pub true_positive_rate: f64,
    /// FPR (NaN if excluded or undefined under `Nan`).
    pub false_positive_rate: f64,
    /// Status of the selection rate.
    pub status_selection: GroupStatus,
    /// Status of the TPR.
    pub status_tpr: GroupStatus,
    /// Status of the FPR.
    pub status_fpr: GroupStatus,
}

/// Everything a fairness audit of a binary decision needs, including what was left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FairnessReport {
    /// Per group.
    pub groups: Vec<GroupRow>,
    /// Selection rate over all rows.
    pub overall_selection_rate: f64,
    /// fairlearn DPD.
    pub demographic_parity_difference: f64,
    /// fairlearn DPR.
    pub demographic_parity_ratio: f64,
    /// fairlearn EOD (agg per options).
    pub equalized_odds_difference: f64,
    /// fairlearn EOR (agg per options).
    pub equalized_odds_ratio: f64,
    /// fairlearn EOpp difference.
    pub equal_opportunity_difference: f64,
    /// fairlearn EOpp ratio.
    pub equal_opportunity_ratio: f64,
    /// Groups with no rows / zero weight (skipped everywhere).
    pub excluded: Vec<GroupCount>,
    /// Groups without positives (TPR undefined).
    pub undefined_tpr: Vec<GroupCount>,
    /// Groups without negatives (FPR undefined).
    pub undefined_fpr: Vec<GroupCount>,
    /// At most one group has data: differences read 0 and ratios 1 by construction.
    pub single_group: bool,
    /// Options used.
    pub options: FairnessOptions,
}

/// Maps string group labels to dense codes `0..k` in order of first appearance: the way to
/// turn sparse codes (ids, hashes, codes ≥ [`super::MAX_GROUPS`]) into dense ones (format them
/// as strings first). Rejects empty strings (a missing group label is an error, as in
/// fairlearn) and more than [`super::MAX_GROUPS`] distinct labels.
pub fn encode_groups<S: AsRef<str>>(labels: &[S]) -> Result<(Vec<u32>, Vec<String>)> {
    let mut names: Vec<String> = Vec::new();
    let mut map: std::collections::HashMap<&str, u32> = std::collections::HashMap::new();
    let mut codes = Vec::with_capacity(labels.len());
    for (i, l) in labels.iter().enumerate() {
        let s = l.as_ref();
        if s.is_empty() {
            return Err(Error::invalid(
                format!("groups[{i}]"),
                "missing group label (use an explicit \"unknown\" group)",
            ));
        }
        let code = match map.get(s) {
            Some(&c) => c,
            None => {
                if names.len() == super::MAX_GROUPS {
                    return Err(Error::invalid(
                        format!("groups[{i}]"),
                        format!("more than {} distinct group labels", super::MAX_GROUPS),
                    ));
                }
                let c = names.len() as u32;
                names.push(s.to_string());
                map.insert(s, c);
                c
            }
        };
        codes.push(code);
    }
    Ok((codes, names))
}

/// Intersectional codes from several attributes: `attributes[a][i]` is row i's code for
/// attribute a, with `cardinalities[a]` values. The code is the mixed-radix index of the
/// tuple, so every cell of the Cartesian product has a code (empty cells show up as excluded
/// groups, like fairlearn's NaN cells). Use [`decode_intersection`] to get the tuple back.
/// Rejects a product of cardinalities above [`super::MAX_GROUPS`].
pub fn intersect_groups(attributes: &[&[u32]], cardinalities: &[u32]) -> Result<Vec<u32>> {
    check_len("cardinalities", cardinalities.len(), attributes.len())?;
    let Some(first) = attributes.first() else {
        return Err(Error::invalid("attributes", "need at least one attribute"));
    };
    let n = first.len();
    let mut total: u64 = 1;
    for (a, (&card, col)) in cardinalities.iter().zip(attributes).enumerate() {
        check_len(&format!("attributes[{a}]"), col.len(), n)?;
        if card == 0 {
            return Err(Error::invalid(format!("cardinalities[{a}]"), "must be ≥ 1"));
        }
        total = total.saturating_mul(card as u64);
    }
    if total > super::MAX_GROUPS as u64 {
        return Err(Error::invalid(
            "cardinalities",
            format!(
                "{total} intersectional cells, more than {} groups (encode the observed \
                 combinations with encode_groups instead)",
                super::MAX_GROUPS
            ),
        ));
    }
    let mut out = vec![0u32; n];
    for (a, (&card, col)) in cardinalities.iter().zip(attributes).enumerate() {
        for (i, (o, &v)) in out.iter_mut().zip(col.iter()).enumerate() {
            if v >= card {
                return Err(Error::unknown(
                    EntityKind::Group,
                    format!("{v} at attributes[{a}][{i}] (of {card})"),
                ));
            }
            *o = *o * card + v;
        }
    }
    Ok(out)
}

/// The per-attribute tuple of an intersectional code from [`intersect_groups`].
pub fn decode_intersection(code: u32, cardinalities: &[u32]) -> Vec<u32> {
    let mut out = vec![0u32; cardinalities.len()];
    let mut c = code;
    for (o, &card) in out.iter_mut().zip(cardinalities).rev() {
        *o = c % card.max(1);
        c /= card.max(1);
    }
    out
}

/// Disparate impact from counts (engine audit): `(sel_u/tot_u) / (sel_p/tot_p)`
/// (AIF360 `disparate_impact`); empty denominators follow the policy.
pub fn disparate_impact_from_counts(
    selected_unprivileged: f64,
    total_unprivileged: f64,
    selected_privileged: f64,
    total_privileged: f64,
    zero_division: ZeroDivision,
) -> Result<f64> {
    let u = zero_division.divide(selected_unprivileged, total_unprivileged, "sr_unprivileged")?;
    let p = zero_division.divide(selected_privileged, total_privileged, "sr_privileged")?;
    if u.is_nan() || p.is_nan() {
        return Ok(f64::NAN);
    }
    zero_division.divide(u, p, "disparate_impact")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The few-groups kernel (byte lanes, blocks of 8,160 rows) against the scatter histogram
    /// (forced with more than `MAX_GROUPS` declared groups), across block and lane boundaries,
    /// for every group count it handles, plus the fall-back cases.
    #[test]
    fn few_groups_kernel_equals_scatter_histogram() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for &n in &[1usize, 31, 32, 33, 8159, 8160, 8161, 20_000, 70_001] {
            for k in 1..=few_groups::MAX_GROUPS {
                let g: Vec<u32> = (0..n).map(|_| rng.random_range(0..k as u32)).collect();
                let t: Vec<u8> = (0..n).map(|_| rng.random_range(0..2u8)).collect();
                let p: Vec<bool> = (0..n).map(|_| rng.random_bool(0.3)).collect();
                let pu: Vec<u8> = p.iter().map(|&b| b as u8).collect();
                let fast = GroupConfusion::from_arrays(&g, &t, &pu, None).unwrap();
                let mut slow = GroupConfusion::new(few_groups::MAX_GROUPS + 3);
                slow.extend(&g, &t, &pu, None).unwrap();
                let max = *g.iter().max().unwrap() as usize;
                assert_eq!(fast.n_groups(), max + 1, "n={n} k={k}");
                assert_eq!(fast.groups(), &slow.groups()[..max + 1], "n={n} k={k}");
                let mut known = GroupConfusion::new(k);
                known.extend(&g, &t, &pu, None).unwrap();
                assert_eq!(&known.groups()[..max + 1], fast.groups());
                let tb: Vec<bool> = t.iter().map(|&x| x == 1).collect();
                let fb = GroupConfusion::from_arrays(&g, &tb, &p, None).unwrap();
                assert_eq!(fb.groups(), fast.groups());
            }
        }
        // a bad label or an unknown code past the first block still names the row
        let mut t = vec![0u8; 20_000];
        t[17_000] = 2;
        let g = vec![0u32; 20_000];
        let e = GroupConfusion::from_arrays(&g, &t, &vec![0u8; 20_000], None).unwrap_err();
        assert!(e.to_string().contains("y_true[17000]"), "{e}");
        let mut g = vec![1u32; 20_000];
        g[19_999] = 3;
        let mut c = GroupConfusion::new(2);
        let e = c
            .extend(&g, &vec![0u8; 20_000], &vec![1u8; 20_000], None)
            .unwrap_err();
        assert!(e.to_string().contains("groups[19999]"), "{e}");
        assert_eq!(c.overall().rows, 0, "nothing added on error");
        // many groups take the general path
        let g: Vec<u32> = (0..1000).map(|i| i % 40).collect();
        let c = GroupConfusion::from_arrays(&g, &vec![1u8; 1000], &vec![0u8; 1000], None).unwrap();
        assert_eq!(c.n_groups(), 40);
        assert!(c.groups().iter().all(|x| x.rows == 25 && x.fn_ == 25.0));
    }

    // research/fairness.md §2.1 probe: 10 rows.
    const YT: [u8; 10] = [1, 0, 1, 1, 0, 1, 0, 0, 1, 0];
    const YP: [u8; 10] = [1, 0, 1, 0, 0, 1, 1, 0, 0, 0];
    const W: [f64; 10] = [1., 2., 1., 1., 3., 1., 1., 1., 2., 1.];
    const BIN: [u32; 10] = [1, 1, 1, 1, 0, 0, 0, 0, 0, 0];

    fn close(a: f64, b: f64, tol: f64) {
        assert!(
            (a - b).abs() <= tol * b.abs().max(1e-300) || (a - b).abs() < 1e-15,
            "{a} vs {b}"
        );
    }

    #[test]
    fn fairlearn_probe_values() {
        let o = FairnessOptions::default();
        let c = GroupConfusion::from_arrays(&BIN, &YT, &YP, None).unwrap();
        close(
            demographic_parity_difference(&c, &o).unwrap(),
            1.0 / 6.0,
            1e-12,
        );
        close(demographic_parity_ratio(&c, &o).unwrap(), 2.0 / 3.0, 1e-12);
        close(equalized_odds_difference(&c, &o).unwrap(), 0.25, 1e-12);
        let mean = FairnessOptions {
            agg: Agg::Mean,
            ..o
        };
        close(
            equalized_odds_difference(&c, &mean).unwrap(),
            0.2083333333333333,
            1e-12,
        );
        assert_eq!(equalized_odds_ratio(&c, &o).unwrap(), 0.0);
        close(
            equal_opportunity_difference(&c, &o).unwrap(),
            1.0 / 6.0,
            1e-12,
        );
        close(equal_opportunity_ratio(&c, &o).unwrap(), 0.75, 1e-12);
        // weighted
        let c = GroupConfusion::from_arrays(&BIN, &YT, &YP, Some(&W)).unwrap();
        close(
            demographic_parity_difference(&c, &o).unwrap(),
            0.17777777777777778,
            1e-12,
        );
        close(demographic_parity_ratio(&c, &o).unwrap(), 5.0 / 9.0, 1e-12);
        close(equalized_odds_difference(&c, &o).unwrap(), 1.0 / 3.0, 1e-12);
        close(equalized_odds_difference(&c, &mean).unwrap(), 0.25, 1e-12);
        assert_eq!(equalized_odds_ratio(&c, &o).unwrap(), 0.0);
        close(
            equal_opportunity_difference(&c, &o).unwrap(),
            1.0 / 3.0,
            1e-12,
        );
        close(equal_opportunity_ratio(&c, &o).unwrap(), 0.5, 1e-12);
    }

    #[test]
    fn fairlearn_probe_three_groups_and_edges() {
        // a(4) b(5) c(1): rows 1-4 a, 5-9 b, 10 c.
        let g3 = [0, 0, 0, 0, 1, 1, 1, 1, 1, 2];
        let zero = FairnessOptions {
            zero_division: ZeroDivision::Zero,
            ..Default::default()
        };
        let c = GroupConfusion::from_arrays(&g3, &YT, &YP, None).unwrap();
        close(
            demographic_parity_difference(&c, &zero).unwrap(),
            0.5,
            1e-12,
        );
        // fairlearn zero-fills c's TPR (no positives): EOpp diff 2/3, ratio 0.
        close(
            equal_opportunity_difference(&c, &zero).unwrap(),
            2.0 / 3.0,
            1e-12,
        );
        assert_eq!(equal_opportunity_ratio(&c, &zero).unwrap(), 0.0);
        // Our default (NaN) lists c as undefined instead.
        let o = FairnessOptions::default();
        let rep = c.report(&o).unwrap();
        assert_eq!(rep.undefined_tpr.len(), 1);
        assert_eq!(rep.undefined_tpr[0].group, 2);
        // all predictions 0
        let zp = [0u8; 10];
        let c = GroupConfusion::from_arrays(&BIN, &YT, &zp, None).unwrap();
        assert!(demographic_parity_ratio(&c, &o).unwrap().is_nan());
        assert_eq!(demographic_parity_difference(&c, &o).unwrap(), 0.0);
        // single group
        let c = GroupConfusion::from_arrays(&[0u32; 10], &YT, &YP, None).unwrap();
        assert_eq!(demographic_parity_difference(&c, &o).unwrap(), 0.0);
        assert_eq!(demographic_parity_ratio(&c, &o).unwrap(), 1.0);
        assert!(c.report(&o).unwrap().single_group);
        // weighted probe with group c's weight 0 → c skipped: DP diff 0.15
        let mut w = W;
        w[9] = 0.0;
        let c = GroupConfusion::from_arrays(&g3, &YT, &YP, Some(&w)).unwrap();
        close(demographic_parity_difference(&c, &o).unwrap(), 0.15, 1e-12);
        assert_eq!(c.report(&o).unwrap().excluded.len(), 1);
    }

    #[test]
    fn aif360_probe_values() {
        let z = ZeroDivision::Nan;
        let c = GroupConfusion::from_arrays(&BIN, &YT, &YP, None).unwrap();
        let p = c.compare(&[0], &[1], z).unwrap();
        close(
            p.statistical_parity_difference().unwrap(),
            -1.0 / 6.0,
            1e-12,
        );
        close(p.disparate_impact().unwrap(), 2.0 / 3.0, 1e-12);
        close(
            p.average_odds_difference().unwrap(),
            0.041666666666666664,
            1e-12,
        );
        close(
            p.average_abs_odds_difference().unwrap(),
            0.20833333333333334,
            1e-12,
        );
        close(p.equal_opportunity_difference().unwrap(), -1.0 / 6.0, 1e-12);
        close(p.equalized_odds_difference().unwrap(), 0.25, 1e-12);
        let c = GroupConfusion::from_arrays(&BIN, &YT, &YP, Some(&W)).unwrap();
        let p = c.compare(&[0], &[1], z).unwrap();
        close(
            p.statistical_parity_difference().unwrap(),
            -0.17777777777777778,
            1e-12,
        );
        close(p.disparate_impact().unwrap(), 5.0 / 9.0, 1e-12);
        close(p.average_odds_difference().unwrap(), -1.0 / 12.0, 1e-12);
        close(p.average_abs_odds_difference().unwrap(), 0.25, 1e-12);
        close(p.equal_opportunity_difference().unwrap(), -1.0 / 3.0, 1e-12);
        close(p.equalized_odds_difference().unwrap(), 1.0 / 3.0, 1e-12);
        assert!(c.compare(&[0], &[0], z).is_err());
        assert!(c.compare(&[0], &[7], z).is_err());
    }

    #[test]
    fn rejects_bad_input() {
        assert!(GroupConfusion::from_arrays::<u8>(&[], &[], &[], None).is_err());
        let e = GroupConfusion::from_arrays(&[0, 1], &[0u8, 2], &[0, 1], None).unwrap_err();
        assert!(e.to_string().contains("y_true[1]"), "{e}");
        assert!(GroupConfusion::from_arrays(&[0, 1], &[0u8], &[0, 1], None).is_err());
        let e = GroupConfusion::from_arrays(&[0, 1], &[0u8, 1], &[0, 1], Some(&[1.0, -1.0]))
            .unwrap_err();
        assert!(e.to_string().contains("sample_weight[1]"));
        let e = GroupConfusion::from_arrays(&[0, 1], &[0u8, 1], &[0, 1], Some(&[1.0, f64::NAN]))
            .unwrap_err();
        assert!(e.to_string().contains("sample_weight[1]"));
        let mut acc = GroupConfusion::new(2);
        assert!(
            acc.extend(&[0, 5], &[true, false], &[true, true], None)
                .is_err()
        );
        assert_eq!(acc, GroupConfusion::new(2));
        let e = acc
            .extend(
                &[0, u32::MAX],
                &[true, false],
                &[true, true],
                Some(&[1.0, 2.0]),
            )
            .unwrap_err();
        assert!(e.to_string().contains("groups[1]"), "{e}");
        assert_eq!(acc, GroupConfusion::new(2));
        let err = FairnessOptions {
            zero_division: ZeroDivision::Error,
            ..Default::default()
        };
        let c = GroupConfusion::from_arrays(&[0, 1], &[0u8, 0], &[0, 1], None).unwrap();
        assert!(matches!(
            equal_opportunity_difference(&c, &err),
            Err(Error::ZeroDivision { .. })
        ));
        assert!(encode_groups(&["a", ""]).is_err());
    }

    #[test]
    fn string_groups() {
        let g = ["m", "m", "m", "m", "f", "f", "f", "f", "f", "f"];
        let (c, names) = GroupConfusion::from_labels(&g, &YT, &YP, None).unwrap();
        assert_eq!(names, vec!["m", "f"]);
        let o = FairnessOptions::default();
        close(
            demographic_parity_difference(&c, &o).unwrap(),
            1.0 / 6.0,
            1e-12,
        );
    }

    #[test]
    fn encoders() {
        let (codes, names) = encode_groups(&["x", "y", "x", "z"]).unwrap();
        assert_eq!(codes, vec![0, 1, 0, 2]);
        assert_eq!(names, vec!["x", "y", "z"]);
        let a = [0u32, 1, 1, 0];
        let b = [2u32, 0, 1, 2];
        let codes = intersect_groups(&[&a, &b], &[2, 3]).unwrap();
        assert_eq!(codes, vec![2, 3, 4, 2]);
        assert_eq!(decode_intersection(4, &[2, 3]), vec![1, 1]);
        assert!(intersect_groups(&[&a, &b], &[2, 2]).is_err());
    }

    #[test]
    fn parallel_equals_sequential_counts() {
        let n = 300_000;
        let g: Vec<u32> = (0..n).map(|i| (i * 7 % 5) as u32).collect();
        let t: Vec<bool> = (0..n).map(|i| i % 3 == 0).collect();
        let p: Vec<bool> = (0..n).map(|i| i % 4 == 1).collect();
        let a = GroupConfusion::from_arrays(&g, &t, &p, None).unwrap();
        let b = GroupConfusion::from_arrays_par(&g, &t, &p, None).unwrap();
        assert_eq!(a, b);
    }
}
