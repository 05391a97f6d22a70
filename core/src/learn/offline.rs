//! Off-policy evaluation of a candidate ranking from the logged explored slates: the expected
//! number of target outcomes in the top k per request had the candidate ranked instead.
//!
//! Estimators (per explored slate `s`, logged item `i` at position `l_i` with propensity `p_i`,
//! candidate position `c_i`, outcome `r_i ∈ {0, 1}`, only `l_i < k` count):
//! - **IPS**, item-position model (Li et al. KDD'18 "Offline evaluation of ranking policies with
//!   click models" §4; obp 0.5.7 `SlateIndependentIPS`): `V̂ = (1/n) Σ_s Σ_i r_i · 1[c_i = l_i] / p_i`.
//! - **SNIPS**, self-normalised per position (obp 0.5.7 `SelfNormalizedSlateIndependentIPS`,
//!   `BaseSlateSelfNormalizedInverseProbabilityWeighting._estimate_round_rewards`): each weight
//!   `w_i = 1[c_i = l_i]/p_i` is divided by the mean weight of all logged rows at the same
//!   position `l_i` (a position whose mean weight is 0 contributes 0; obp gives NaN there).
//! - **DR**, PBM doubly robust (Dudík et al. ICML'11 applied per item-position; reward model
//!   `q̂(i, k) = θ_k σ(b + wᵀx_i)` from a [`LearnedModel`]):
//!   `V̂ = (1/n) Σ_s [Σ_{i: c_i<k} q̂(i, c_i) + Σ_{i: l_i<k} 1[c_i = l_i]/p_i · (r_i − q̂(i, l_i))]`.
//!
//! Intervals: percentile bootstrap over slates (seeded), recomputing the SNIPS normalisers in
//! every resample.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::log::{ImpressionLog, SlateView};
use super::train::{LearnedModel, Target, percentile};
use crate::error::{Error, Result};

/// An off-policy estimator (see the module documentation for the formulas).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Estimator {
    /// Item-position inverse propensity scoring.
    Ips,
    /// Self-normalised item-position IPS (per position).
    Snips,
    /// PBM-based doubly robust.
    DoublyRobust,
}

/// Settings of [`evaluate_offline`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OpeConfig {
    /// Count outcomes in the top `k` positions (≥ 1; default 5, within the engine's default
    /// explored depth of 8).
    pub k: usize,
    /// The outcome counted.
    pub target: Target,
    /// Bootstrap resamples of slates for the interval (≥ 1).
    pub bootstrap_rounds: usize,
    /// Seed of the bootstrap.
    pub seed: u64,
    /// Interval coverage in (0, 1), e.g. 0.95.
    pub confidence: f64,
}

impl Default for OpeConfig {
    fn default() -> Self {
        OpeConfig {
            k: 5,
            target: Target::Viewed,
            bootstrap_rounds: 200,
            seed: 0,
            confidence: 0.95,
        }
    }
}

/// One estimate of the candidate's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OffPolicyEstimate {
    /// Which estimator.
    pub estimator: Estimator,
    /// Expected target outcomes in the top k per request under the candidate.
    pub value: f64,
    /// Lower end of the bootstrap percentile interval.
    pub lo: f64,
    /// Upper end.
    pub hi: f64,
    /// Explored slates used.
    pub n_slates: usize,
    /// The logging policy's own average target outcomes in the top k on those slates.
    pub logged_value: f64,
}

/// Per-slate sums at each position `< k`: IPS numerator, importance weight, and the DR sum.
struct SlateTerms {
    /// `r_i · w_i` by logged position.
    num: Vec<f64>,
    /// `w_i` by logged position (0 where no item was logged there).
    weight: Vec<f64>,
    /// Whether a row was logged at that position (the SNIPS mean is over rows).
    present: Vec<bool>,
    dr: f64,
    logged: f64,
}

/// Estimates, from the explored slates of `log`, the value of the candidate ranking that
/// `candidate` gives each slate: its positions for the slate's items (same order as the
/// slate's items; a permutation of `0..len`). The candidate re-ranks what was shown; for the
/// estimates to be unbiased it must not depend on the logged order of the explored items.
///
/// Support: under Plackett–Luce exploration of the top m (see [`SlateView::explored_depth`]) an
/// item shown at a position < m may be placed anywhere < m; any other item only at its logged
/// position. Returns IPS and SNIPS, plus DR when `model` is given.
///
/// Errors: `InvalidInput` for a bad config (`ope.…`) or a candidate answer that is not a
/// permutation of the slate's positions or places an item at a position < k where the logger
/// could not have shown it (`candidate`, naming the slate); [`Error::InsufficientLogs`] when
/// the log has no explored slate with a propensity < 1; `DimensionMismatch` when `model` has
/// another factor count than the log.
pub fn evaluate_offline<F>(
    log: &ImpressionLog,
    candidate: F,
    model: Option<&LearnedModel>,
    cfg: &OpeConfig,
) -> Result<Vec<OffPolicyEstimate>>
where
    F: Fn(SlateView<'_>) -> Vec<u16> + Sync,
{
    if cfg.k == 0 {
        return Err(Error::invalid("ope.k", "must be ≥ 1"));
    }
    if cfg.bootstrap_rounds == 0 {
        return Err(Error::invalid("ope.bootstrap_rounds", "must be ≥ 1"));
    }
    if !(cfg.confidence.is_finite() && cfg.confidence > 0.0 && cfg.confidence < 1.0) {
        return Err(Error::invalid(
            "ope.confidence",
            format!("must be in (0, 1), got {}", cfg.confidence),
        ));
    }
    if let Some(m) = model
        && m.coefficients.len() != log.factor_names().len()
    {
        return Err(Error::DimensionMismatch {
            field: "model.coefficients".into(),
            expected: log.factor_names().len(),
            got: m.coefficients.len(),
        });
    }
    let explored: Vec<usize> = log
        .slates()
        .filter(|s| s.meta().explored && s.explored_depth() > 0)
        .map(|s| s.index())
        .collect();
    if explored.is_empty() {
        return Err(Error::insufficient_logs(
            "no explored slates with propensities < 1: the logs cannot evaluate another ranking",
        ));
    }
    let k = cfg.k;
    let terms: Vec<SlateTerms> = explored
        .par_iter()
        .map(|&s| {
            slate_terms(
                log.slate(s).expect("explored index"),
                &candidate,
                model,
                cfg,
            )
        })
        .collect::<Result<_>>()?;
    let n = terms.len();
    let all = vec![1.0; n];
    let point = estimates(&terms, &all, k, model.is_some());
    let rounds: Vec<[f64; 3]> = (0..cfg.bootstrap_rounds)
        .into_par_iter()
        .map(|r| {
            let mut rng = ChaCha8Rng::seed_from_u64(
                cfg.seed ^ (r as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03),
            );
            let mut counts = vec![0.0; n];
            for _ in 0..n {
                counts[rng.random_range(0..n)] += 1.0;
            }
            estimates(&terms, &counts, k, model.is_some())
        })
        .collect();
    let alpha = 1.0 - cfg.confidence;
    let logged_value = terms.iter().map(|t| t.logged).sum::<f64>() / n as f64;
    let kinds = [Estimator::Ips, Estimator::Snips, Estimator::DoublyRobust];
    let used = if model.is_some() { 3 } else { 2 };
    Ok((0..used)
        .map(|e| {
            let mut xs: Vec<f64> = rounds.iter().map(|r| r[e]).collect();
            xs.sort_by(f64::total_cmp);
            OffPolicyEstimate {
                estimator: kinds[e],
                value: point[e],
                lo: percentile(&xs, alpha / 2.0),
                hi: percentile(&xs, 1.0 - alpha / 2.0),
                n_slates: n,
                logged_value,
            }
        })
        .collect())
}

fn slate_terms<F>(
    v: SlateView<'_>,
    candidate: &F,
    model: Option<&LearnedModel>,
    cfg: &OpeConfig,
) -> Result<SlateTerms>
where
    F: Fn(SlateView<'_>) -> Vec<u16>,
{
    let k = cfg.k;
    let len = v.len();
    let bad =
        |reason: String| Error::invalid("candidate", format!("slate {}: {reason}", v.index()));
    let cand = candidate(v);
    if cand.len() != len {
        return Err(bad(format!(
            "returned {} positions for {len} items",
            cand.len()
        )));
    }
    let mut seen = vec![false; len];
    for &c in &cand {
        let c = c as usize;
        if c >= len || seen[c] {
            return Err(bad(format!(
                "positions must be a permutation of 0..{len}, got {cand:?}"
            )));
        }
        seen[c] = true;
    }
    let depth = v.explored_depth();
    let mut t = SlateTerms {
        num: vec![0.0; k],
        weight: vec![0.0; k],
        present: vec![false; k],
        dr: 0.0,
        logged: 0.0,
    };
    for (i, &c) in cand.iter().enumerate() {
        let (l, c, p) = (v.position(i) as usize, c as usize, v.propensity(i) as f64);
        let explored_item = p < 1.0 && l < depth;
        if c < k && c != l && !(explored_item && c < depth) {
            return Err(bad(format!(
                "item {i} (logged at position {l}) is placed at position {c}, where the logging \
                 policy never showed it (propensity 0 or unknown)"
            )));
        }
        let r = cfg.target.hit(v.outcome(i)) as u8 as f64;
        let rel = model.map(|m| m.relevance(v.factors(i)));
        if c < k
            && let (Some(m), Some(rel)) = (model, rel)
        {
            t.dr += m.examination(c) * rel;
        }
        if l < k {
            t.logged += r;
            t.present[l] = true;
            let w = if c == l { 1.0 / p } else { 0.0 };
            t.num[l] += r * w;
            t.weight[l] += w;
            if let (Some(m), Some(rel)) = (model, rel) {
                t.dr += w * (r - m.examination(l) * rel);
            }
        }
    }
    Ok(t)
}

/// IPS, SNIPS and DR with slate multiplicities `counts`.
fn estimates(terms: &[SlateTerms], counts: &[f64], k: usize, dr: bool) -> [f64; 3] {
    let n: f64 = counts.iter().sum();
    let mut num = vec![0.0; k];
    let mut wsum = vec![0.0; k];
    let mut rows = vec![0.0; k];
    let mut dr_sum = 0.0;
    for (t, &c) in terms.iter().zip(counts) {
        if c == 0.0 {
            continue;
        }
        for l in 0..k {
            if t.present[l] {
                num[l] += c * t.num[l];
                wsum[l] += c * t.weight[l];
                rows[l] += c;
            }
        }
        dr_sum += c * t.dr;
    }
    let ips = num.iter().sum::<f64>() / n;
    // per position: Σ r w / mean(w) / n  =  Σ r w · rows / Σ w / n
    let snips = (0..k)
        .map(|l| {
            if wsum[l] > 0.0 {
                num[l] * rows[l] / wsum[l]
            } else {
                0.0
            }
        })
        .sum::<f64>()
        / n;
    [ips, snips, if dr { dr_sum / n } else { f64::NAN }]
}
