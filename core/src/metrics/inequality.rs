//! Inequality indices: generalized entropy index (GEI) for any α, Theil, coefficient of
//! variation, between-group GEI, and the Gini coefficient (of exposure or anything else).
//!
//! GEI: Speicher et al., "A Unified Approach to Quantifying Algorithmic Unfairness", KDD 2018;
//! AIF360 0.6.1 `ClassificationMetric.generalized_entropy_index` (research/fairness.md §2.2).
//! Gini: research/fairness.md §2.3 (holisticai `gini_index` is the normalised form).
//!
//! **Deviation from AIF360:** AIF360 ignores instance weights in GEI/Theil. fairmatch weights
//! every term: GE(α) = 1/(W·α(α−1)) Σ w_i [(b_i/μ)^α − 1] with W = Σ w and μ = Σ w b / W.
//! With unit weights this equals AIF360 exactly. AIF360 also computes GE(0) with an extra
//! division by μ (−(1/n) Σ ln(b_i/μ)/μ, a quirk); [`GeiConvention::Aif360`] reproduces it,
//! the default [`GeiConvention::Speicher`] uses the documented −(1/n) Σ ln(b_i/μ).

use serde::{Deserialize, Serialize};

use super::group::{Confusion, GroupConfusion};
use super::policy::{ZeroDivision, check_len, check_weights, overflow_scale, scaled};
use crate::error::{Error, Result};

/// Which GE(0) formula to use (they differ only at α = 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeiConvention {
    /// GE(0) = −(1/W) Σ w ln(b/μ) (Speicher et al.; AIF360's docstring).
    #[default]
    Speicher,
    /// GE(0) = −(1/W) Σ w ln(b/μ) / μ (what AIF360 0.6.1 computes).
    Aif360,
}

/// GE(α) over (benefit, weight) pairs. Benefits and weights are each multiplied by a power of
/// two first when their sums could overflow ([`overflow_scale`]); GE does not depend on either
/// scale (AIF360's GE(0), which divides by μ, is divided by the unscaled μ).
fn gei_terms(
    pairs: impl Iterator<Item = (f64, f64)> + Clone,
    alpha: f64,
    conv: GeiConvention,
    zd: ZeroDivision,
) -> Result<f64> {
    let (mut n, mut max_b, mut max_w) = (0usize, 0f64, 0f64);
    for (b, w) in pairs.clone() {
        n += 1;
        max_b = max_b.max(b.abs());
        max_w = max_w.max(w.abs());
    }
    let (sb_scale, sw_scale) = (overflow_scale(max_b, n), overflow_scale(max_w, n));
    let pairs = pairs.map(move |(b, w)| (b * sb_scale, w * sw_scale));
    let (mut total, mut sb) = (0.0, 0.0);
    for (b, w) in pairs.clone() {
        total += w;
        sb += w * b;
    }
    if total == 0.0 {
        return zd.resolve(
            "generalized_entropy_index",
            "empty input or zero total weight",
        );
    }
    let mu = sb / total;
    if mu == 0.0 {
        return zd.resolve("generalized_entropy_index", "mean benefit is 0");
    }
    let mut s = 0.0;
    if alpha == 1.0 {
        for (b, w) in pairs {
            if w > 0.0 && b > 0.0 {
                let r = b / mu;
                s += w * r * r.ln();
            }
        }
        Ok(s / total)
    } else if alpha == 0.0 {
        for (b, w) in pairs {
            if w > 0.0 {
                s += w * (b / mu).ln();
            }
        }
        let v = -s / total;
        Ok(match conv {
            GeiConvention::Speicher => v,
            GeiConvention::Aif360 => v / (mu / sb_scale),
        })
    } else {
        for (b, w) in pairs {
            if w > 0.0 {
                s += w * ((b / mu).powf(alpha) - 1.0);
            }
        }
        Ok(s / (total * alpha * (alpha - 1.0)))
    }
}

fn check_alpha(alpha: f64) -> Result<()> {
    if alpha.is_finite() {
        Ok(())
    } else {
        Err(Error::invalid(
            "alpha",
            format!("must be finite, got {alpha}"),
        ))
    }
}

fn check_benefits(b: &[f64]) -> Result<()> {
    if b.is_empty() {
        return Err(Error::invalid("benefits", "empty input"));
    }
    for (i, x) in b.iter().enumerate() {
        if !x.is_finite() || *x < 0.0 {
            return Err(Error::invalid(
                format!("benefits[{i}]"),
                format!("must be finite and ≥ 0, got {x}"),
            ));
        }
    }
    Ok(())
}

/// Generalized entropy index GE(α) of non-negative benefits `b` (optionally weighted).
/// α = 1 is Theil (0·ln 0 = 0); α = 0 is the mean log deviation (+inf when some b = 0);
/// α = 2 is half the squared coefficient of variation. Rejects empty input, negative or
/// non-finite benefits/weights and a length mismatch; μ = 0 or W = 0 follows `zero_division`.
pub fn generalized_entropy_index(
    b: &[f64],
    weights: Option<&[f64]>,
    alpha: f64,
    convention: GeiConvention,
    zero_division: ZeroDivision,
) -> Result<f64> {
    check_alpha(alpha)?;
    check_benefits(b)?;
    check_weights(weights, b.len())?;
    match weights {
        Some(w) => gei_terms(
            b.iter().copied().zip(w.iter().copied()),
            alpha,
            convention,
            zero_division,
        ),
        None => gei_terms(
            b.iter().map(|&x| (x, 1.0)),
            alpha,
            convention,
            zero_division,
        ),
    }
}

/// Between-group GE(α): every b_i replaced by its group's weighted mean (AIF360
/// `between_group_generalized_entropy_index`; empty groups skipped). `groups[i]` is a code.
pub fn between_group_generalized_entropy_index(
    b: &[f64],
    groups: &[u32],
    weights: Option<&[f64]>,
    alpha: f64,
    convention: GeiConvention,
    zero_division: ZeroDivision,
) -> Result<f64> {
    check_alpha(alpha)?;
    check_benefits(b)?;
    check_len("groups", groups.len(), b.len())?;
    check_weights(weights, b.len())?;
    let k = super::policy::infer_n_groups("groups", groups)?;
    // per-group sums of scaled benefits and weights (GE does not depend on the scales)
    let (b, bs) = scaled(b);
    let weights = weights.map(|w| scaled(w).0);
    let weights = weights.as_deref();
    let mut sw = vec![0.0; k];
    let mut sb = vec![0.0; k];
    for i in 0..b.len() {
        let w = weights.map_or(1.0, |w| w[i]);
        sw[groups[i] as usize] += w;
        sb[groups[i] as usize] += w * b[i];
    }
    let pairs: Vec<(f64, f64)> = sw
        .iter()
        .zip(&sb)
        .filter(|(w, _)| **w > 0.0)
        .map(|(w, s)| (s / w / bs, *w))
        .collect();
    gei_terms(pairs.iter().copied(), alpha, convention, zero_division)
}

/// The (benefit, weight) pairs of a confusion: b = ŷ − y + 1 → FN: 0, TP/TN: 1, FP: 2.
fn confusion_pairs(c: &Confusion) -> [(f64, f64); 3] {
    [(0.0, c.fn_), (1.0, c.tp + c.tn), (2.0, c.fp)]
}

impl GroupConfusion {
    /// GE(α) of the classification benefits b = ŷ − y + 1 (AIF360
    /// `generalized_entropy_index`), computed exactly from the counts, weighted (see the module
    /// docs for the deviation from AIF360, which ignores weights).
    pub fn generalized_entropy_index(
        &self,
        alpha: f64,
        convention: GeiConvention,
        zero_division: ZeroDivision,
    ) -> Result<f64> {
        check_alpha(alpha)?;
        let o = self.overall();
        gei_terms(
            confusion_pairs(&o).into_iter(),
            alpha,
            convention,
            zero_division,
        )
    }

    /// Theil index = GE(1) (AIF360 `theil_index`).
    pub fn theil_index(&self, zero_division: ZeroDivision) -> Result<f64> {
        self.generalized_entropy_index(1.0, GeiConvention::Speicher, zero_division)
    }

    /// Coefficient of variation = sqrt(2·GE(2)) (AIF360 `coefficient_of_variation`).
    pub fn coefficient_of_variation(&self, zero_division: ZeroDivision) -> Result<f64> {
        Ok(
            (2.0 * self.generalized_entropy_index(2.0, GeiConvention::Speicher, zero_division)?)
                .sqrt(),
        )
    }

    /// Between-group GE(α): each row's benefit replaced by its group's mean benefit (AIF360
    /// `between_group_generalized_entropy_index` with one protected attribute; for
    /// AIF360's `between_all_groups_*` pass intersectional codes).
    pub fn between_group_generalized_entropy_index(
        &self,
        alpha: f64,
        convention: GeiConvention,
        zero_division: ZeroDivision,
    ) -> Result<f64> {
        check_alpha(alpha)?;
        let pairs: Vec<(f64, f64)> = self
            .groups()
            .iter()
            .filter(|c| c.weight() > 0.0)
            .map(|c| {
                let w = c.weight();
                ((c.tp + c.tn + 2.0 * c.fp) / w, w)
            })
            .collect();
        gei_terms(pairs.iter().copied(), alpha, convention, zero_division)
    }

    /// Between-group Theil index (AIF360 `between_group_theil_index`).
    pub fn between_group_theil_index(&self, zero_division: ZeroDivision) -> Result<f64> {
        self.between_group_generalized_entropy_index(1.0, GeiConvention::Speicher, zero_division)
    }
}

/// Gini coefficient of non-negative values (e.g. exposure per freelancer):
/// G = Σ_i (2i − n − 1)·x_(i) / (n·Σ x) over ascending x (research/fairness.md §2.3), in
/// [0, (n−1)/n]. `normalized` multiplies by n/(n−1) so one holder of everything gives 1
/// (holisticai `gini_index`). All-zero values (0/0) and `normalized` with n = 1 follow
/// `zero_division`. Rejects empty input and negative or non-finite values.
pub fn gini(values: &[f64], normalized: bool, zero_division: ZeroDivision) -> Result<f64> {
    if values.is_empty() {
        return Err(Error::invalid("values", "empty input"));
    }
    for (i, x) in values.iter().enumerate() {
        if !x.is_finite() || *x < 0.0 {
            return Err(Error::invalid(
                format!("values[{i}]"),
                format!("must be finite and ≥ 0, got {x}"),
            ));
        }
    }
    // scaled first when the sums could overflow (the index does not depend on the scale)
    let mut v = scaled(values).0.into_owned();
    v.sort_unstable_by(f64::total_cmp);
    let n = v.len() as f64;
    let total: f64 = v.iter().sum();
    let num: f64 = v
        .iter()
        .enumerate()
        .map(|(i, x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x)
        .sum();
    let g = zero_division.divide(num, n * total, "gini")?;
    if normalized {
        if n == 1.0 {
            return zero_division.resolve("gini (normalized)", "n = 1");
        }
        Ok(g * n / (n - 1.0))
    } else {
        Ok(g)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1e-300), "{a} vs {b}");
    }

    #[test]
    fn aif360_test_vectors() {
        // AIF360 tests/test_classification_metric.py: b = [2,2,1,1,1,1,2,2,1,0]-style inline
        // data. test_generalized_entropy_index: y = [0,0,1,1,1,1,1,1,1,0]... expressed here by
        // benefits: GE(2) = 0.2 and 0.3 cases.
        let b = [1.0, 1.0, 0.0, 1.0, 2.0, 1.0, 1.0, 2.0, 1.0, 0.0];
        // μ = 1: GE(2) = (1/(10·2)) Σ (b² − 1) = (1/20)(0+0-1+0+3+0+0+3+0-1) = 0.2
        close(
            generalized_entropy_index(&b, None, 2.0, GeiConvention::Speicher, ZeroDivision::Nan)
                .unwrap(),
            0.2,
        );
        // Theil = (1/10) Σ b ln b = 2·2ln2/10 = 4 ln2/10
        close(
            generalized_entropy_index(&b, None, 1.0, GeiConvention::Speicher, ZeroDivision::Nan)
                .unwrap(),
            4.0 * 2f64.ln() / 10.0,
        );
        let g0 =
            generalized_entropy_index(&b, None, 0.0, GeiConvention::Speicher, ZeroDivision::Nan)
                .unwrap();
        assert!(g0.is_infinite() && g0 > 0.0);
    }

    #[test]
    fn probe_values_from_confusion() {
        // research/fairness.md §2.2 probe (10 rows, privileged = rows 1-4).
        let yt = [1u8, 0, 1, 1, 0, 1, 0, 0, 1, 0];
        let yp = [1u8, 0, 1, 0, 0, 1, 1, 0, 0, 0];
        let g = [1u32, 1, 1, 1, 0, 0, 0, 0, 0, 0];
        let c = GroupConfusion::from_arrays(&g, &yt, &yp, None).unwrap();
        let z = ZeroDivision::Nan;
        let s = GeiConvention::Speicher;
        let t = |a: f64, b: f64| assert!((a - b).abs() < 5e-8, "{a} vs {b}");
        t(c.theil_index(z).unwrap(), 0.2593932);
        t(c.generalized_entropy_index(2.0, s, z).unwrap(), 0.1790123);
        t(c.coefficient_of_variation(z).unwrap(), 0.5983516);
        t(c.between_group_theil_index(z).unwrap(), 0.0094665);
        t(
            c.between_group_generalized_entropy_index(2.0, s, z)
                .unwrap(),
            0.0092593,
        );
        t(c.generalized_entropy_index(3.0, s, z).unwrap(), 0.1762689);
        assert!(
            c.generalized_entropy_index(0.0, s, z)
                .unwrap()
                .is_infinite()
        );
        // Weighted slice form equals the confusion form.
        let b: Vec<f64> = yt
            .iter()
            .zip(&yp)
            .map(|(t, p)| (*p as f64) - (*t as f64) + 1.0)
            .collect();
        close(
            generalized_entropy_index(&b, None, 3.0, s, z).unwrap(),
            c.generalized_entropy_index(3.0, s, z).unwrap(),
        );
    }

    #[test]
    fn gini_cases() {
        let z = ZeroDivision::Nan;
        assert_eq!(gini(&[3.0, 3.0, 3.0], false, z).unwrap(), 0.0);
        close(gini(&[0.0, 0.0, 0.0, 5.0], false, z).unwrap(), 0.75);
        close(gini(&[0.0, 0.0, 0.0, 5.0], true, z).unwrap(), 1.0);
        assert!(gini(&[0.0, 0.0], false, z).unwrap().is_nan());
        assert_eq!(gini(&[0.0, 0.0], false, ZeroDivision::Zero).unwrap(), 0.0);
        assert!(gini(&[2.0], true, z).unwrap().is_nan());
        assert!(gini(&[], false, z).is_err());
        assert!(gini(&[1.0, -1.0], false, z).is_err());
        // Σ|xi−xj|/(2n²μ) form
        let x = [1.0, 2.0, 7.0, 4.0];
        let mut s = 0.0;
        for a in x {
            for b in x {
                s += f64::abs(a - b);
            }
        }
        close(gini(&x, false, z).unwrap(), s / (2.0 * 16.0 * 3.5));
    }
}
