//! Ranking-fairness metrics over one ranking given as the group code of each position
//! (`ranking[j]` = group of the item at 1-based position j+1), plus a mergeable exposure
//! accumulator for many rankings. research/fairness.md §2.3.
//!
//! Exposure uses the shared [`PositionModel`] (never a private discount).

use serde::{Deserialize, Serialize};

use super::policy::{
    Combiner, ZeroDivision, check_all_finite, check_len, check_n_groups, combine, infer_n_groups,
};
use crate::error::{EntityKind, Error, Result};
use crate::position::PositionModel;

/// `x` clamped to the finite range (a sum that overflowed saturates at ±f64::MAX).
fn sat(x: f64) -> f64 {
    x.clamp(f64::MIN, f64::MAX)
}

fn check_ranking(ranking: &[u32], n_groups: usize) -> Result<()> {
    if ranking.is_empty() {
        return Err(Error::invalid("ranking", "empty ranking"));
    }
    for (j, &g) in ranking.iter().enumerate() {
        if g as usize >= n_groups {
            return Err(Error::unknown(
                EntityKind::Group,
                format!("{g} at ranking[{j}] (of {n_groups})"),
            ));
        }
    }
    Ok(())
}

fn check_target(target: &[f64]) -> Result<()> {
    if target.is_empty() {
        return Err(Error::invalid("target", "empty target distribution"));
    }
    for (i, q) in target.iter().enumerate() {
        if !q.is_finite() || *q < 0.0 || *q > 1.0 {
            return Err(Error::invalid(
                format!("target[{i}]"),
                format!("must be a proportion in [0, 1], got {q}"),
            ));
        }
    }
    let s: f64 = target.iter().sum();
    if s > 1.0 + 1e-9 {
        return Err(Error::invalid(
            "target",
            format!("proportions sum to {s} > 1"),
        ));
    }
    Ok(())
}

fn check_k(k: usize, n: usize) -> Result<()> {
    if k == 0 || k > n {
        Err(Error::invalid(
            "k",
            format!("must be in 1..={n} (the ranking length), got {k}"),
        ))
    } else {
        Ok(())
    }
}

/// Skew@k of group `group` (Geyik et al. KDD 2019): ln(p_{τ^k,a} / q_a), with p the share of
/// the group in the top k. Exact: a zero share gives −inf (yuanlonghao `skew` adds ε = 1e-12
/// to both sides instead and gives −26.94 for p = 0, q = 0.5). Rejects q_a = 0, unknown
/// groups and k outside 1..=len.
pub fn skew(ranking: &[u32], target: &[f64], group: u32, k: usize) -> Result<f64> {
    check_target(target)?;
    check_ranking(ranking, target.len())?;
    check_k(k, ranking.len())?;
    let q = *target
        .get(group as usize)
        .ok_or_else(|| Error::unknown(EntityKind::Group, group.to_string()))?;
    if q == 0.0 {
        return Err(Error::invalid(
            format!("target[{group}]"),
            "skew needs a positive target proportion",
        ));
    }
    let c = ranking[..k].iter().filter(|&&g| g == group).count() as f64;
    Ok((c / k as f64 / q).ln())
}

fn all_skews(ranking: &[u32], target: &[f64], k: usize) -> Result<Vec<f64>> {
    check_target(target)?;
    check_ranking(ranking, target.len())?;
    check_k(k, ranking.len())?;
    let mut counts = vec![0usize; target.len()];
    for &g in &ranking[..k] {
        counts[g as usize] += 1;
    }
    Ok(counts
        .iter()
        .zip(target)
        .filter(|(_, q)| **q > 0.0)
        .map(|(&c, q)| (c as f64 / k as f64 / q).ln())
        .collect())
}

/// MinSkew@k = min over groups with q_a > 0 of Skew@k (Geyik et al. 2019).
pub fn min_skew(ranking: &[u32], target: &[f64], k: usize) -> Result<f64> {
    Ok(all_skews(ranking, target, k)?
        .into_iter()
        .fold(f64::INFINITY, f64::min))
}

/// MaxSkew@k = max over groups with q_a > 0 of Skew@k (Geyik et al. 2019).
pub fn max_skew(ranking: &[u32], target: &[f64], k: usize) -> Result<f64> {
    Ok(all_skews(ranking, target, k)?
        .into_iter()
        .fold(f64::NEG_INFINITY, f64::max))
}

/// NDKL (Geyik et al. 2019): (1/Z) Σ_{i=1}^{N} D_KL(D_{τ^i} ‖ q) / log2(i+1), Z = Σ 1/log2(i+1),
/// natural-log KL with 0·ln 0 = 0. Exact (no ε; yuanlonghao's ε = 1e-12 changes ~1e-12).
/// +inf when some prefix contains a group with q_a = 0. FairRankTune's NDKL uses the list's
/// own distribution as q (pass it as `target` to reproduce that; its ε = 1e-7 is not applied).
pub fn ndkl(ranking: &[u32], target: &[f64]) -> Result<f64> {
    check_target(target)?;
    check_ranking(ranking, target.len())?;
    let mut counts = vec![0usize; target.len()];
    let (mut num, mut z) = (0.0, 0.0);
    for (i, &g) in ranking.iter().enumerate() {
        counts[g as usize] += 1;
        let len = (i + 1) as f64;
        let mut kl = 0.0;
        for (&c, &q) in counts.iter().zip(target) {
            if c > 0 {
                let p = c as f64 / len;
                kl += p * (p / q).ln();
            }
        }
        let w = 1.0 / (len + 1.0).log2();
        num += w * kl;
        z += w;
    }
    Ok(num / z)
}

/// Result of [`infeasible`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Infeasible {
    /// InfeasibleIndex: number of prefixes k with some group below ⌊q_a·k⌋.
    pub index: usize,
    /// InfeasibleCount: number of (k, a) pairs with count_k(a) < ⌊q_a·k⌋.
    pub count: usize,
}

/// InfeasibleIndex and InfeasibleCount (Geyik et al. 2019) over prefixes k = 1..=N.
/// `exclude_last = true` loops k = 1..N−1 as AIF360 `infeasible_index` and yuanlonghao do.
pub fn infeasible(ranking: &[u32], target: &[f64], exclude_last: bool) -> Result<Infeasible> {
    check_target(target)?;
    check_ranking(ranking, target.len())?;
    let last = if exclude_last {
        ranking.len() - 1
    } else {
        ranking.len()
    };
    let mut counts = vec![0usize; target.len()];
    let (mut index, mut count) = (0, 0);
    for (i, &g) in ranking[..last].iter().enumerate() {
        counts[g as usize] += 1;
        let k = (i + 1) as f64;
        let bad = counts
            .iter()
            .zip(target)
            .filter(|(c, q)| (**c as f64) < (*q * k).floor())
            .count();
        count += bad;
        if bad > 0 {
            index += 1;
        }
    }
    Ok(Infeasible { index, count })
}

/// Mergeable exposure accumulator over many rankings (one per request): per group the sum
/// of position weights, the sum of relevance (utility) and the number of ranked items.
/// O(groups) memory; `merge` adds. Singh & Joachims KDD 2018; FairRankTune `EXP.py`.
/// Deserialising validates the state (see [`ExposureAccumulator::from_parts`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ExposureState")]
pub struct ExposureAccumulator {
    model: PositionModel,
    cutoff: Option<usize>,
    exposure: Vec<f64>,
    utility: Vec<f64>,
    items: Vec<u64>,
    rankings: u64,
}

/// The serde form of [`ExposureAccumulator`] before validation.
#[derive(Deserialize)]
struct ExposureState {
    model: PositionModel,
    cutoff: Option<usize>,
    exposure: Vec<f64>,
    utility: Vec<f64>,
    items: Vec<u64>,
    rankings: u64,
}

impl TryFrom<ExposureState> for ExposureAccumulator {
    type Error = Error;
    fn try_from(s: ExposureState) -> Result<Self> {
        ExposureAccumulator::from_parts(
            s.model, s.cutoff, s.exposure, s.utility, s.items, s.rankings,
        )
    }
}

impl ExposureAccumulator {
    /// An empty accumulator for group codes `0..n_groups`; validates the position model and
    /// rejects more than [`super::MAX_GROUPS`] groups (field `n_groups`).
    pub fn new(n_groups: usize, model: PositionModel, cutoff: Option<usize>) -> Result<Self> {
        check_n_groups("n_groups", n_groups)?;
        model.validate()?;
        Ok(ExposureAccumulator {
            model,
            cutoff,
            exposure: vec![0.0; n_groups],
            utility: vec![0.0; n_groups],
            items: vec![0; n_groups],
            rankings: 0,
        })
    }

    /// An accumulator from stored state (what deserialising calls): per group the exposure
    /// sum, the utility sum and the item count. Rejects an invalid position model, per-group
    /// lists of different lengths (field `utility` / `items`), more than
    /// [`super::MAX_GROUPS`] groups, and non-finite sums (field `exposure[g]` /
    /// `utility[g]`), so a restored accumulator cannot fail later in
    /// [`Self::add_ranking`] or [`Self::merge`].
    pub fn from_parts(
        model: PositionModel,
        cutoff: Option<usize>,
        exposure: Vec<f64>,
        utility: Vec<f64>,
        items: Vec<u64>,
        rankings: u64,
    ) -> Result<Self> {
        model.validate()?;
        check_n_groups("exposure", exposure.len())?;
        check_len("utility", utility.len(), exposure.len())?;
        check_len("items", items.len(), exposure.len())?;
        check_all_finite("exposure", &exposure)?;
        check_all_finite("utility", &utility)?;
        Ok(ExposureAccumulator {
            model,
            cutoff,
            exposure,
            utility,
            items,
            rankings,
        })
    }

    /// Adds one ranking (group code per position) with optional relevance per position
    /// (utility; needed by `Cascade` and EXPU). Rejects unknown groups, a length mismatch and
    /// non-finite relevance.
    pub fn add_ranking(&mut self, ranking: &[u32], relevance: Option<&[f64]>) -> Result<()> {
        check_ranking(ranking, self.exposure.len())?;
        if let Some(r) = relevance {
            check_len("relevance", r.len(), ranking.len())?;
            check_all_finite("relevance", r)?;
        }
        let w = match relevance {
            Some(r) => self.model.weights_with_relevance(r, self.cutoff),
            None => self.model.weights(ranking.len(), self.cutoff),
        };
        // sums saturate at ±f64::MAX (custom weights or relevance near f64::MAX), never inf
        for (j, &g) in ranking.iter().enumerate() {
            let g = g as usize;
            self.exposure[g] = sat(self.exposure[g] + w[j]);
            self.items[g] = self.items[g].saturating_add(1);
            if let Some(r) = relevance {
                self.utility[g] = sat(self.utility[g] + r[j]);
            }
        }
        self.rankings = self.rankings.saturating_add(1);
        Ok(())
    }

    /// Adds another accumulator; rejects a different position model or cut-off.
    pub fn merge(&mut self, other: &ExposureAccumulator) -> Result<()> {
        if self.model != other.model || self.cutoff != other.cutoff {
            return Err(Error::invalid(
                "other",
                "exposure accumulators with different position models cannot be merged",
            ));
        }
        if other.exposure.len() > self.exposure.len() {
            let n = other.exposure.len();
            self.exposure.resize(n, 0.0);
            self.utility.resize(n, 0.0);
            self.items.resize(n, 0);
        }
        for g in 0..other.exposure.len() {
            self.exposure[g] = sat(self.exposure[g] + other.exposure[g]);
            self.utility[g] = sat(self.utility[g] + other.utility[g]);
            self.items[g] = self.items[g].saturating_add(other.items[g]);
        }
        self.rankings = self.rankings.saturating_add(other.rankings);
        Ok(())
    }

    /// Total exposure per group.
    pub fn total_exposure(&self) -> &[f64] {
        &self.exposure
    }

    /// Number of ranked items per group (over all rankings).
    pub fn items(&self) -> &[u64] {
        &self.items
    }

    /// Number of rankings added.
    pub fn rankings(&self) -> u64 {
        self.rankings
    }

    /// Share of all exposure per group (engine audit: compare with the population share).
    /// No exposure at all follows `zero_division` for every group.
    pub fn exposure_share(&self, zero_division: ZeroDivision) -> Result<Vec<f64>> {
        let t: f64 = self.exposure.iter().sum();
        self.exposure
            .iter()
            .map(|&e| zero_division.divide(e, t, "exposure_share"))
            .collect()
    }

    /// Exp(g) = total exposure of g / |g| with |g| = `group_sizes[g]` (FairRankTune divides by
    /// the size of the group in the *item pool*); `None` uses the ranked-item counts.
    /// A group of size 0 is NaN (skipped by [`combine`]).
    pub fn group_exposure(&self, group_sizes: Option<&[f64]>) -> Result<Vec<f64>> {
        self.per_member(&self.exposure, group_sizes)
    }

    fn per_member(&self, sums: &[f64], group_sizes: Option<&[f64]>) -> Result<Vec<f64>> {
        if let Some(s) = group_sizes {
            check_len("group_sizes", s.len(), sums.len())?;
            check_all_finite("group_sizes", s)?;
        }
        Ok((0..sums.len())
            .map(|g| {
                let n = group_sizes.map_or(self.items[g] as f64, |s| s[g]);
                if n > 0.0 { sums[g] / n } else { f64::NAN }
            })
            .collect())
    }

    /// EXPU per group: (Exp(g)/|g|) / (U(g)/|g|), exposure per unit of mean relevance (Singh &
    /// Joachims' disparate treatment; FairRankTune `EXPU`). Zero utility → NaN.
    pub fn exposure_per_utility(&self, group_sizes: Option<&[f64]>) -> Result<Vec<f64>> {
        let e = self.per_member(&self.exposure, group_sizes)?;
        let u = self.per_member(&self.utility, group_sizes)?;
        Ok(e.iter()
            .zip(&u)
            .map(|(e, u)| if *u != 0.0 { e / u } else { f64::NAN })
            .collect())
    }
}

/// The combiner [`group_exposure`], [`exposure_per_utility`] and [`awrf`] use when the caller
/// names none: min/max, 1 = parity (FairRankTune `AWRF.py`'s default, `MinMaxRatio`).
pub const DEFAULT_COMBINER: Combiner = Combiner::MinMaxRatio;

/// Group exposure of one ranking: Exp(g) = Σ_{d∈g} v_{rank(d)} / |g| (Singh & Joachims 2018;
/// FairRankTune `EXP` with `group_sizes` = pool sizes), combined with `combiner`.
/// Returns (combined value, per-group values).
pub fn group_exposure(
    ranking: &[u32],
    n_groups: usize,
    model: &PositionModel,
    cutoff: Option<usize>,
    group_sizes: Option<&[f64]>,
    combiner: Combiner,
    zero_division: ZeroDivision,
) -> Result<(f64, Vec<f64>)> {
    let mut acc = ExposureAccumulator::new(n_groups, model.clone(), cutoff)?;
    acc.add_ranking(ranking, None)?;
    let v = acc.group_exposure(group_sizes)?;
    Ok((combine(&v, combiner, zero_division)?, v))
}

/// EXPU of one ranking with relevance per position (FairRankTune `EXPU`), combined.
#[allow(clippy::too_many_arguments)]
pub fn exposure_per_utility(
    ranking: &[u32],
    relevance: &[f64],
    n_groups: usize,
    model: &PositionModel,
    cutoff: Option<usize>,
    group_sizes: Option<&[f64]>,
    combiner: Combiner,
    zero_division: ZeroDivision,
) -> Result<(f64, Vec<f64>)> {
    let mut acc = ExposureAccumulator::new(n_groups, model.clone(), cutoff)?;
    acc.add_ranking(ranking, Some(relevance))?;
    let v = acc.exposure_per_utility(group_sizes)?;
    Ok((combine(&v, combiner, zero_division)?, v))
}

/// AWRF as FairRankTune `AWRF.py` computes it: attention 100·p(1−p)^(j−1) (Sapiezynski et al.
/// WWW'19 geometric attention), averaged per group member (`group_sizes` = pool sizes, or the
/// counts in the ranking), combined. Returns (combined, per group).
pub fn awrf(
    ranking: &[u32],
    n_groups: usize,
    p: f64,
    group_sizes: Option<&[f64]>,
    combiner: Combiner,
    zero_division: ZeroDivision,
) -> Result<(f64, Vec<f64>)> {
    let model = PositionModel::Geometric { p };
    let mut acc = ExposureAccumulator::new(n_groups, model, None)?;
    acc.add_ranking(ranking, None)?;
    let v: Vec<f64> = acc
        .group_exposure(group_sizes)?
        .into_iter()
        .map(|x| 100.0 * x)
        .collect();
    Ok((combine(&v, combiner, zero_division)?, v))
}

/// Attention share of each group, ε̂_g = Σ_j a_j 1[G_j = g] / Σ_j a_j (Sapiezynski et al.).
pub fn attention_shares(
    ranking: &[u32],
    n_groups: usize,
    model: &PositionModel,
    cutoff: Option<usize>,
) -> Result<Vec<f64>> {
    let mut acc = ExposureAccumulator::new(n_groups, model.clone(), cutoff)?;
    acc.add_ranking(ranking, None)?;
    acc.exposure_share(ZeroDivision::Nan)
}

/// Binary AWRF as BoiseState `sapiezynski.py`: |ε̂_minor/(ε̂_minor + ε̂_major) − target_share|.
pub fn awrf_binary(
    ranking: &[u32],
    minor: u32,
    major: u32,
    model: &PositionModel,
    target_share: f64,
) -> Result<f64> {
    let n = minor.max(major) as usize + 1;
    let s = attention_shares(
        ranking,
        n.max(ranking.iter().map(|&g| g as usize + 1).max().unwrap_or(0)),
        model,
        None,
    )?;
    let (a, b) = (s[minor as usize], s[major as usize]);
    Ok((a / (a + b) - target_share).abs())
}

/// Which Yang & Stoyanovich measure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YangStoyanovich {
    /// rND: | |S⁺_{1..i}|/i − |S⁺|/N |.
    Rnd,
    /// rKL: D_KL(P_i ‖ Q), log base 2, 0·log 0 = 0 (the reference code maps 0 and 1 to 0.001).
    Rkl,
    /// rRD: FATML-poster variant |min(R_i, R) − R| with R = |S⁺|/|S⁻|, R_i = 0 when no
    /// non-protected item is in the prefix (as the reference code).
    Rrd,
}

/// Discount of the Yang & Stoyanovich measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YsDiscount {
    /// 1/log2(i+1), as the reference code (FairRank `measures.py`) computes.
    #[default]
    Code,
    /// 1/log2(i), as the paper writes (undefined at i = 1; cut-offs start at `step` ≥ 2).
    Paper,
}

fn ys_raw(protected: &[bool], m: YangStoyanovich, step: usize, discount: YsDiscount) -> f64 {
    let n = protected.len();
    let pro_n = protected.iter().filter(|&&p| p).count() as f64;
    let nf = n as f64;
    let mut pro = 0usize;
    let mut s = 0.0;
    for (idx, &p) in protected.iter().enumerate() {
        pro += p as usize;
        let i = idx + 1;
        if i % step != 0 {
            continue;
        }
        let fi = i as f64;
        let pi = pro as f64;
        let v = match m {
            YangStoyanovich::Rnd => (pi / fi - pro_n / nf).abs(),
            YangStoyanovich::Rkl => {
                let p1 = pi / fi;
                let q1 = pro_n / nf;
                let term = |a: f64, b: f64| if a > 0.0 { a * (a / b).log2() } else { 0.0 };
                term(p1, q1) + term(1.0 - p1, 1.0 - q1)
            }
            YangStoyanovich::Rrd => {
                let non_i = fi - pi;
                let non_n = nf - pro_n;
                let r = if non_n > 0.0 { pro_n / non_n } else { 0.0 };
                let ri = if non_i > 0.0 { pi / non_i } else { 0.0 };
                (ri.min(r) - r).abs()
            }
        };
        let w = match discount {
            YsDiscount::Code => 1.0 / (fi + 1.0).log2(),
            YsDiscount::Paper => 1.0 / fi.log2(),
        };
        s += w * v;
    }
    s
}

/// rND / rKL / rRD (Yang & Stoyanovich, SSDBM 2017; FairRank `measures.py`): discounted sum
/// over cut-offs i = step, 2·step, … ≤ N. With `normalize`, divided by a **deterministic**
/// Z = the larger unnormalised value of the two extreme rankings (all protected first / all
/// protected last) — the reference code estimates Z stochastically instead. Z = 0 follows
/// `zero_division`. Rejects an empty ranking, `step` = 0, and `Paper` discount with step 1.
pub fn yang_stoyanovich(
    protected: &[bool],
    measure: YangStoyanovich,
    step: usize,
    discount: YsDiscount,
    normalize: bool,
    zero_division: ZeroDivision,
) -> Result<f64> {
    if protected.is_empty() {
        return Err(Error::invalid("protected", "empty ranking"));
    }
    if step == 0 || (step == 1 && discount == YsDiscount::Paper) {
        return Err(Error::invalid(
            "step",
            "must be ≥ 1 (≥ 2 with the paper discount)",
        ));
    }
    let raw = ys_raw(protected, measure, step, discount);
    if !normalize {
        return Ok(raw);
    }
    let k = protected.iter().filter(|&&p| p).count();
    let n = protected.len();
    let first: Vec<bool> = (0..n).map(|i| i < k).collect();
    let last: Vec<bool> = (0..n).map(|i| i >= n - k).collect();
    let z = ys_raw(&first, measure, step, discount).max(ys_raw(&last, measure, step, discount));
    zero_division.divide(raw, z, "yang_stoyanovich normaliser")
}

/// EE-L / EE-D / EE-R of [`expected_exposure`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExpectedExposure {
    /// ‖ε − ε*‖² (loss; 0 ideal).
    pub ee_l: f64,
    /// ‖ε‖² (disparity).
    pub ee_d: f64,
    /// 2 εᵀε* (relevance).
    pub ee_r: f64,
}

/// Expected exposure (Diaz, Mitra, Ekstrand, Biega & Carterette, CIKM 2020; BoiseState
/// `diaz.py`). `rankings` are sampled rankings (item indices `< relevance.len()`, may be
/// top-k) of one request; ε_d = mean over rankings of v_{rank(d)} under `model` (RBP γ in the
/// paper). The target ε*_d gives each relevance grade the average weight of the positions it
/// would occupy in the ideal ranking (ties share equally). With `item_groups`, ε and ε* are
/// summed per group first (group fairness variant). Rejects duplicates within a ranking,
/// unknown items and non-finite relevance.
pub fn expected_exposure(
    rankings: &[&[u32]],
    relevance: &[f64],
    model: &PositionModel,
    item_groups: Option<&[u32]>,
) -> Result<ExpectedExposure> {
    model.validate()?;
    check_all_finite("relevance", relevance)?;
    if rankings.is_empty() {
        return Err(Error::invalid("rankings", "need at least one ranking"));
    }
    let n = relevance.len();
    let mut eps = vec![0.0; n];
    let mut seen = vec![usize::MAX; n];
    for (r, rk) in rankings.iter().enumerate() {
        for (j, &d) in rk.iter().enumerate() {
            let d = d as usize;
            if d >= n {
                return Err(Error::invalid(
                    format!("rankings[{r}][{j}]"),
                    format!("item {d} out of range (of {n})"),
                ));
            }
            if seen[d] == r {
                return Err(Error::invalid(
                    format!("rankings[{r}][{j}]"),
                    format!("item {d} appears twice"),
                ));
            }
            seen[d] = r;
            eps[d] += model.weight(j + 1);
        }
    }
    let m = rankings.len() as f64;
    for e in &mut eps {
        *e /= m;
    }
    // ideal: sort by relevance desc; tie blocks share the mean weight of their positions.
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| relevance[b].total_cmp(&relevance[a]));
    let mut target = vec![0.0; n];
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && relevance[order[j + 1]] == relevance[order[i]] {
            j += 1;
        }
        let mean = (i..=j).map(|p| model.weight(p + 1)).sum::<f64>() / (j - i + 1) as f64;
        for &d in &order[i..=j] {
            target[d] = mean;
        }
        i = j + 1;
    }
    let (eps, target) = match item_groups {
        None => (eps, target),
        Some(g) => {
            check_len("item_groups", g.len(), n)?;
            let k = if n == 0 {
                1
            } else {
                infer_n_groups("item_groups", g)?
            };
            let mut a = vec![0.0; k];
            let mut b = vec![0.0; k];
            for d in 0..n {
                a[g[d] as usize] += eps[d];
                b[g[d] as usize] += target[d];
            }
            (a, b)
        }
    };
    let dot = |x: &[f64], y: &[f64]| x.iter().zip(y).map(|(a, b)| a * b).sum::<f64>();
    let diff: Vec<f64> = eps.iter().zip(&target).map(|(a, b)| a - b).collect();
    Ok(ExpectedExposure {
        ee_l: dot(&diff, &diff),
        ee_d: dot(&eps, &eps),
        ee_r: 2.0 * dot(&eps, &target),
    })
}

/// The combiner [`attribute_rank_parity`] uses when the caller names none (FairRankTune
/// `ARP.py`'s default, `MaxMinDiff`).
pub const ARP_DEFAULT_COMBINER: Combiner = Combiner::MaxMinDiff;

/// Attribute Rank Parity (Cachel et al. ICDE 2022; FairRankTune `ARP.py`): per group the
/// favoured-pair representation (pairs where the group's item is ranked above an item of
/// another group) / (|g|·(N − |g|)), combined. Groups absent from the ranking, or making up
/// the whole ranking, are NaN (skipped by the combiner; FairRankTune keeps absent groups at
/// 0 in the combination). O(N). Returns (combined, per group).
pub fn attribute_rank_parity(
    ranking: &[u32],
    n_groups: usize,
    combiner: Combiner,
    zero_division: ZeroDivision,
) -> Result<(f64, Vec<f64>)> {
    check_n_groups("n_groups", n_groups)?;
    check_ranking(ranking, n_groups)?;
    let n = ranking.len();
    let mut size = vec![0usize; n_groups];
    let mut above_sum = vec![0usize; n_groups];
    for (i, &g) in ranking.iter().enumerate() {
        size[g as usize] += 1;
        above_sum[g as usize] += n - 1 - i;
    }
    let v: Vec<f64> = (0..n_groups)
        .map(|g| {
            let s = size[g];
            if s == 0 || s == n {
                return f64::NAN;
            }
            let favoured = above_sum[g] - s * (s - 1) / 2;
            favoured as f64 / (s * (n - s)) as f64
        })
        .collect();
    Ok((combine(&v, combiner, zero_division)?, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    // research/fairness.md §2.3 example: m,m,m,m,f,f,m,f,m,f,m,f with m = 0, f = 1.
    const EX: [u32; 12] = [0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1];

    fn close(a: f64, b: f64, tol: f64) {
        assert!(a == b || (a - b).abs() <= tol, "{a} vs {b}");
    }

    #[test]
    fn ndkl_golden() {
        close(ndkl(&EX, &[0.5, 0.5]).unwrap(), 0.3827100016, 1e-10);
        close(
            ndkl(&EX, &[7.0 / 12.0, 5.0 / 12.0]).unwrap(),
            0.2840339,
            1e-7,
        );
        assert!(ndkl(&EX, &[1.0, 0.0]).unwrap().is_infinite());
    }

    #[test]
    fn exposure_golden() {
        let (r, v) = group_exposure(
            &EX,
            2,
            &PositionModel::Log,
            None,
            None,
            Combiner::MinMaxRatio,
            ZeroDivision::Nan,
        )
        .unwrap();
        close(v[0], 0.4964161, 1e-7);
        close(v[1], 0.3235656, 1e-7);
        close(r, 0.6518032, 1e-7);
        let (r, v) = awrf(&EX, 2, 0.5, None, Combiner::MinMaxRatio, ZeroDivision::Nan).unwrap();
        close(v[1], 1.0400, 5e-5);
        close(v[0], 13.5393, 5e-5);
        close(r, 0.0768, 5e-5);
    }

    #[test]
    fn ys_golden() {
        // protected = f: single cut-off term 0.016667 / log2(11) = 0.0048177 (code discount).
        let prot: Vec<bool> = EX.iter().map(|&g| g == 1).collect();
        let v = yang_stoyanovich(
            &prot,
            YangStoyanovich::Rnd,
            10,
            YsDiscount::Code,
            false,
            ZeroDivision::Nan,
        )
        .unwrap();
        close(v, 0.0048177, 1e-7);
        close(v * 11f64.log2(), 1.0 / 60.0, 1e-12);
        let n = yang_stoyanovich(
            &prot,
            YangStoyanovich::Rnd,
            10,
            YsDiscount::Code,
            true,
            ZeroDivision::Nan,
        )
        .unwrap();
        assert!(n > 0.0 && n <= 1.0);
    }

    #[test]
    fn skew_and_infeasible() {
        close(
            skew(&EX, &[0.5, 0.5], 1, 4).unwrap(),
            f64::NEG_INFINITY,
            0.0,
        );
        close(skew(&EX, &[0.5, 0.5], 0, 4).unwrap(), 2f64.ln(), 1e-15);
        assert!(skew(&EX, &[0.5, 0.0], 1, 4).is_err());
        assert!(skew(&EX, &[0.5, 0.5], 0, 13).is_err());
        close(
            min_skew(&EX, &[0.5, 0.5], 4).unwrap(),
            f64::NEG_INFINITY,
            0.0,
        );
        close(max_skew(&EX, &[0.5, 0.5], 4).unwrap(), 2f64.ln(), 1e-15);
        // f is below floor(k/2) at every prefix k = 2..=12.
        let inf = infeasible(&EX, &[0.5, 0.5], false).unwrap();
        assert_eq!(inf.index, inf.count);
        assert_eq!(inf.index, 11);
        assert_eq!(infeasible(&EX, &[0.5, 0.5], true).unwrap().index, 10);
    }

    #[test]
    fn arp_and_ee() {
        let (_, v) =
            attribute_rank_parity(&[0, 0, 1, 1], 2, Combiner::MaxMinDiff, ZeroDivision::Nan)
                .unwrap();
        assert_eq!(v, vec![1.0, 0.0]);
        let rel = [1.0, 0.0, 1.0];
        let r1: &[u32] = &[0, 2, 1];
        let ee = expected_exposure(&[r1], &rel, &PositionModel::Rbp { gamma: 0.5 }, None).unwrap();
        // ideal: items 0,2 share (1 + 0.5)/2; item 1 gets 0.25. ε = (1, 0.25, 0.5).
        close(ee.ee_d, 1.0 + 0.0625 + 0.25, 1e-15);
        close(ee.ee_r, 2.0 * (0.75 + 0.0625 + 0.375), 1e-15);
        close(ee.ee_l, 0.0625 + 0.0 + 0.0625, 1e-15);
        assert!(expected_exposure(&[&[0, 0]], &rel, &PositionModel::Log, None).is_err());
    }
}
