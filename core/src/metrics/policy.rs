//! Edge-case policy shared by every metric: what to return when a value is undefined (a
//! division by zero), how binary labels are read, and how group values are combined.
//!
//! Spec: research/fairness.md §2.4. Fairlearn 0.15 returns NaN for 0/0 and zero-fills a TPR
//! without positives; AIF360's classic API returns NaN/±inf; its sklearn API returns 0.0 (or
//! 0/1 on request). fairmatch makes the choice explicit with [`ZeroDivision`].

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// What an undefined value (a division by zero) becomes. research/fairness.md §2.4.
///
/// * `Nan` (default): the value is NaN. A *group* whose rate is undefined is skipped by the
///   aggregates (as fairlearn skips NaN groups) and listed as undefined in reports.
/// * `Zero`: the value is 0.0 (fairlearn's TPR/FPR of a group without positives/negatives;
///   AIF360 sklearn `zero_division=0`). Imputed groups take part in aggregates.
/// * `One`: the value is 1.0 (AIF360 sklearn `zero_division=1`).
/// * `Error`: the call fails with [`Error::ZeroDivision`] naming the metric.
/// * `Fairlearn`: fairlearn 0.15.0's numbers exactly, edge cases included (checked against
///   fairlearn itself on 128 generated cases, fixtures/golden/metrics/fairlearn_parity.json).
///   fairlearn computes a confusion-matrix rate (TPR, FPR, TNR, FNR, per group *and*
///   overall) with scikit-learn's `normalize="true"`, which fills 0/0 with 0
///   ([`ZeroDivision::resolve_rate`] gives 0.0); a selection rate of zero total weight is
///   numpy's 0/0 = NaN (the group is skipped); aggregates divide as IEEE floats (0/0 = NaN,
///   x/0 = inf, so a ratio to an overall of 0 is 1/inf = 0); and `equalized_odds_*` with
///   `agg = worst_case` use Python's builtin `max`/`min` over (TPR part, FPR part), which
///   keep a NaN in the first slot and skip one in the second. Only this policy copies that
///   asymmetry: under every other policy a NaN part is skipped in either slot. Outside the
///   fairlearn-style metrics it behaves as `Nan`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZeroDivision {
    /// Undefined values are NaN (skipped by aggregates).
    #[default]
    Nan,
    /// Undefined values are 0.0.
    Zero,
    /// Undefined values are 1.0.
    One,
    /// Undefined values are an error.
    Error,
    /// fairlearn 0.15.0's numbers, quirks included (see the type's documentation).
    Fairlearn,
}

impl ZeroDivision {
    /// The value an undefined `metric` takes under this policy (or the error).
    pub fn resolve(self, metric: &str, reason: &str) -> Result<f64> {
        match self {
            ZeroDivision::Nan | ZeroDivision::Fairlearn => Ok(f64::NAN),
            ZeroDivision::Zero => Ok(0.0),
            ZeroDivision::One => Ok(1.0),
            ZeroDivision::Error => Err(Error::ZeroDivision {
                metric: metric.to_string(),
                reason: reason.to_string(),
            }),
        }
    }

    /// The value of an undefined confusion-matrix rate (a group's or the overall TPR, FPR,
    /// TNR or FNR with an empty denominator): 0.0 under `Fairlearn` (scikit-learn's
    /// `normalize="true"`), else [`Self::resolve`].
    pub fn resolve_rate(self, metric: &str, reason: &str) -> Result<f64> {
        match self {
            ZeroDivision::Fairlearn => Ok(0.0),
            z => z.resolve(metric, reason),
        }
    }

    /// `num / den`, or the policy value when `den == 0` (both 0/0 and x/0). `Fairlearn`
    /// divides as IEEE floats (0/0 = NaN, x/0 = ±inf), as numpy and pandas do.
    pub fn divide(self, num: f64, den: f64, metric: &str) -> Result<f64> {
        if den != 0.0 || self == ZeroDivision::Fairlearn {
            Ok(num / den)
        } else if num == 0.0 {
            self.resolve(metric, "0/0")
        } else {
            self.resolve(metric, "non-zero divided by zero")
        }
    }

    /// Parses `"nan" | "zero" | "one" | "error" | "fairlearn"` (the spelling the bindings
    /// accept).
    pub fn parse(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "nan" => Ok(ZeroDivision::Nan),
            "zero" | "0" => Ok(ZeroDivision::Zero),
            "one" | "1" => Ok(ZeroDivision::One),
            "error" | "raise" => Ok(ZeroDivision::Error),
            "fairlearn" => Ok(ZeroDivision::Fairlearn),
            _ => Err(Error::invalid(
                "zero_division",
                format!("expected nan, zero, one, error or fairlearn, got `{s}`"),
            )),
        }
    }
}

/// The largest number of groups any metric or accumulator takes: group codes are dense
/// integers `0..n_groups` with `n_groups ≤ MAX_GROUPS` (1,048,576). Every function sizes its
/// per-group arrays by the number of groups, so a larger or sparse code (an id, a hash, a
/// code near 2^32) would allocate gigabytes for a handful of rows; such codes are rejected
/// with [`Error::InvalidInput`] naming the field and row. Re-encode them first:
/// [`super::encode_groups`] maps labels (or any codes turned into strings) to dense codes in
/// first-seen order.
pub const MAX_GROUPS: usize = 1 << 20;

/// Checks a number of groups given by the caller (`field`, e.g. `n_groups`) against
/// [`MAX_GROUPS`].
pub fn check_n_groups(field: &str, n: usize) -> Result<usize> {
    if n > MAX_GROUPS {
        return Err(Error::invalid(
            field,
            format!(
                "{n} groups: group codes must be dense, at most {MAX_GROUPS} groups \
                 (re-encode sparse codes with encode_groups)"
            ),
        ));
    }
    Ok(n)
}

/// The number of groups of `codes` (largest code + 1), checked against [`MAX_GROUPS`]; the
/// error names the first code that is too large (`field[i]`). Rejects empty input.
pub(crate) fn infer_n_groups(field: &str, codes: &[u32]) -> Result<usize> {
    let Some(max) = codes.iter().copied().max() else {
        return Err(Error::invalid(field, "empty input"));
    };
    if max as usize >= MAX_GROUPS {
        let i = codes
            .iter()
            .position(|&c| c as usize >= MAX_GROUPS)
            .unwrap_or(0);
        return Err(Error::invalid(
            crate::error::indexed(field, i),
            format!(
                "group code {} is not below {MAX_GROUPS}: group codes must be dense \
                 (re-encode sparse codes with encode_groups)",
                codes[i]
            ),
        ));
    }
    Ok(max as usize + 1)
}

/// A power of two `s` such that `n` values of magnitude at most `max_abs`, times `s`, sum
/// (and multiply pairwise) without overflowing `f64`: `max_abs · n · s ≤ 2^500`. It is 1
/// whenever no scaling is needed, so ordinary inputs give bit-identical results; otherwise
/// results that do not depend on the scale (ratios, shares, inequality indices, test
/// statistics) come out exact instead of `inf/inf = NaN` (e.g. `gini([1e308, 1e308, 0])`).
pub(crate) fn overflow_scale(max_abs: f64, n: usize) -> f64 {
    overflow_scale_to(max_abs, n, 500)
}

/// [`overflow_scale`] with the bound `max_abs · n · s ≤ 2^limit_exp` (computations that raise
/// values to the fourth power, such as Welch–Satterthwaite, need 2^240).
pub(crate) fn overflow_scale_to(max_abs: f64, n: usize, limit_exp: i32) -> f64 {
    if !(max_abs > 0.0 && max_abs.is_finite()) {
        return 1.0;
    }
    let e = max_abs.log2() + (n.max(1) as f64).log2();
    if e <= f64::from(limit_exp) {
        1.0
    } else {
        2f64.powi(limit_exp - e.ceil() as i32)
    }
}

/// `values` times [`overflow_scale`] of their largest magnitude (borrowed when the scale is
/// 1), and the scale.
pub(crate) fn scaled(values: &[f64]) -> (std::borrow::Cow<'_, [f64]>, f64) {
    let max = values.iter().fold(0f64, |m, x| m.max(x.abs()));
    let s = overflow_scale(max, values.len());
    if s == 1.0 {
        (std::borrow::Cow::Borrowed(values), 1.0)
    } else {
        (
            std::borrow::Cow::Owned(values.iter().map(|x| x * s).collect()),
            s,
        )
    }
}

/// A binary label: `bool`, `u8`/`i8`/`u32`/`i32`/`i64` holding 0 or 1, or `f64` holding
/// exactly `0.0` or `1.0` (the float64 arrays pandas and numpy produce). Anything else (2,
/// -1, 0.5, NaN) is rejected by the metric functions with [`Error::InvalidInput`] naming the
/// field and row.
pub trait BinaryLabel: Copy + Send + Sync {
    /// 0 or 1, or `None` when the value is not a binary label.
    fn bit(self) -> Option<u8>;
    /// The label as an index, for values already validated by [`BinaryLabel::bit`].
    fn index(self) -> usize;
}

impl BinaryLabel for bool {
    #[inline(always)]
    fn bit(self) -> Option<u8> {
        Some(self as u8)
    }
    #[inline(always)]
    fn index(self) -> usize {
        self as usize
    }
}

macro_rules! int_label {
    ($($t:ty),*) => {$(
        impl BinaryLabel for $t {
            #[inline(always)]
            fn bit(self) -> Option<u8> {
                if self == 0 { Some(0) } else if self == 1 { Some(1) } else { None }
            }
            #[inline(always)]
            fn index(self) -> usize {
                (self as usize) & 1
            }
        }
    )*};
}
int_label!(u8, i8, u32, i32, i64);

impl BinaryLabel for f64 {
    #[inline(always)]
    fn bit(self) -> Option<u8> {
        if self == 0.0 {
            Some(0)
        } else if self == 1.0 {
            Some(1)
        } else {
            None
        }
    }
    #[inline(always)]
    fn index(self) -> usize {
        usize::from(self == 1.0)
    }
}

/// How a set of per-group values is reduced to one number (FairRankTune `ComboUtil.py`
/// names; research/fairness.md §2.3). Values that are NaN are skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Combiner {
    /// min / max (1 = parity). 0/0 follows the [`ZeroDivision`] policy.
    MinMaxRatio,
    /// max / min (1 = parity). x/0 follows the policy.
    MaxMinRatio,
    /// max − min (0 = parity).
    MaxMinDiff,
    /// max_g |v_g − mean| (FairRankTune `MaxAbsDiff`).
    MaxAbsDiff,
    /// mean_g |v_g − mean| (FairRankTune `MeanAbsDev`).
    MeanAbsDev,
    /// Plain L2 norm sqrt(Σ v_g²), as FairRankTune's code computes (its docs say squared).
    L2,
    /// Population variance (1/G) Σ (v_g − mean)², as FairRankTune's code computes (`np.var`).
    Variance,
}

/// Reduces per-group `values` with `combiner`, skipping NaN entries (groups that are
/// undefined or excluded). No defined value at all is undefined and follows `zero_division`.
pub fn combine(values: &[f64], combiner: Combiner, zero_division: ZeroDivision) -> Result<f64> {
    let v: Vec<f64> = values.iter().copied().filter(|x| !x.is_nan()).collect();
    if v.is_empty() {
        return zero_division.resolve("combine", "no group has a defined value");
    }
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    Ok(match combiner {
        Combiner::MinMaxRatio => zero_division.divide(min, max, "combine.min_max_ratio")?,
        Combiner::MaxMinRatio => zero_division.divide(max, min, "combine.max_min_ratio")?,
        Combiner::MaxMinDiff => max - min,
        Combiner::MaxAbsDiff => v.iter().map(|x| (x - mean).abs()).fold(0.0, f64::max),
        Combiner::MeanAbsDev => v.iter().map(|x| (x - mean).abs()).sum::<f64>() / n,
        Combiner::L2 => v.iter().map(|x| x * x).sum::<f64>().sqrt(),
        Combiner::Variance => v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n,
    })
}

/// Checks an optional weight slice: same length as the data, each finite and ≥ 0.
pub(crate) fn check_weights(weights: Option<&[f64]>, n: usize) -> Result<()> {
    if let Some(w) = weights {
        if w.len() != n {
            return Err(Error::invalid(
                "sample_weight",
                format!("length {} does not match the data length {n}", w.len()),
            ));
        }
        // Branch-free integer scan first (vectorises on baseline x86-64): flags the sign bit
        // and an all-ones exponent (inf/NaN). Only then the exact scan, which also lets -0.0
        // through.
        let flagged = w.iter().fold(0u64, |acc, x| {
            let b = x.to_bits();
            acc | (b >> 63) | ((((b >> 52) & 0x7ff) + 1) >> 11)
        });
        if flagged != 0 {
            let bad = |x: f64| !(0.0..f64::INFINITY).contains(&x);
            if let Some(i) = w.iter().position(|&x| bad(x)) {
                return Err(Error::invalid(
                    format!("sample_weight[{i}]"),
                    format!("must be finite and ≥ 0, got {}", w[i]),
                ));
            }
        }
    }
    Ok(())
}

/// Checks that `len` equals `expected`, naming `field`.
pub(crate) fn check_len(field: &str, len: usize, expected: usize) -> Result<()> {
    if len != expected {
        Err(Error::invalid(
            field,
            format!("length {len} does not match the data length {expected}"),
        ))
    } else {
        Ok(())
    }
}

/// Checks that every value is finite (no NaN, no ±inf), naming `field[i]`.
pub(crate) fn check_all_finite(field: &str, values: &[f64]) -> Result<()> {
    // Branch-free (vectorisable) scan of the exponent bits first; the offending index is
    // located only on error.
    const EXP: u64 = 0x7ff0_0000_0000_0000;
    if values
        .iter()
        .fold(false, |bad, x| bad | (x.to_bits() & EXP == EXP))
    {
        return Err(first_non_finite(field, values));
    }
    Ok(())
}

/// The error naming the first non-finite value of `values` (call only when there is one).
pub(crate) fn first_non_finite(field: &str, values: &[f64]) -> Error {
    let (i, x) = values
        .iter()
        .enumerate()
        .find(|(_, x)| !x.is_finite())
        .map_or((0, f64::NAN), |(i, &x)| (i, x));
    Error::invalid(
        crate::error::indexed(field, i),
        format!("must be a finite number, got {x}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_values() {
        assert!(ZeroDivision::Nan.divide(0.0, 0.0, "m").unwrap().is_nan());
        assert_eq!(ZeroDivision::Zero.divide(1.0, 0.0, "m").unwrap(), 0.0);
        assert_eq!(ZeroDivision::One.divide(0.0, 0.0, "m").unwrap(), 1.0);
        assert!(matches!(
            ZeroDivision::Error.divide(1.0, 0.0, "m"),
            Err(Error::ZeroDivision { .. })
        ));
        assert_eq!(ZeroDivision::parse("ONE").unwrap(), ZeroDivision::One);
        assert!(ZeroDivision::parse("x").is_err());
    }

    #[test]
    fn combiners() {
        let v = [0.5, f64::NAN, 1.0, 0.75];
        let z = ZeroDivision::Nan;
        assert_eq!(combine(&v, Combiner::MinMaxRatio, z).unwrap(), 0.5);
        assert_eq!(combine(&v, Combiner::MaxMinRatio, z).unwrap(), 2.0);
        assert_eq!(combine(&v, Combiner::MaxMinDiff, z).unwrap(), 0.5);
        assert!((combine(&v, Combiner::MaxAbsDiff, z).unwrap() - 0.25).abs() < 1e-15);
        assert!((combine(&v, Combiner::MeanAbsDev, z).unwrap() - 1.0 / 6.0).abs() < 1e-15);
        assert!((combine(&v, Combiner::Variance, z).unwrap() - 0.125 / 3.0).abs() < 1e-15);
        assert!(combine(&[f64::NAN], Combiner::L2, z).unwrap().is_nan());
    }

    #[test]
    fn weight_checks() {
        assert!(check_weights(Some(&[0.0, -0.0, 1.5]), 3).is_ok());
        for bad in [-1.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1e-300] {
            let e = check_weights(Some(&[1.0, bad]), 2).unwrap_err();
            assert!(e.to_string().contains("sample_weight[1]"), "{e}");
        }
        assert!(check_weights(Some(&[1.0]), 2).is_err());
    }
}
