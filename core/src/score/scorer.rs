//! One [`Scorer`] per preset: it owns its factor list, its weights (by name), the total it
//! ranks by, the upper bound the request driver prunes with, and the per-factor report.
//! The engine computes the factor values of a pair (the [`FactorSet`] the scorer asks for)
//! and never reads a weight itself, so a new preset is one new `Scorer`: the learned preset
//! (per-client weights over the default factors) plugs in as
//! `Engine::recommend_freelancers_with(job, options, &scorer)`.

use std::collections::BTreeMap;

use super::megilance::{MEGILANCE_FACTORS, py_round};
use super::preset::DEFAULT_FACTORS;
use crate::error::{Error, Result};
use crate::explain::FactorScore;

/// Which factor values the engine computes for each (job, freelancer) pair: the input of a
/// [`Scorer`], in the order of the set's factor list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FactorSet {
    /// The `default` preset's nine factors ([`DEFAULT_FACTORS`]): skills, rate, experience,
    /// availability, reputation, recency, timezone, language, semantic (`None` when the
    /// pair has no embeddings of one model). The skill factor comes first; explanations
    /// show the skill tree.
    Default,
    /// The seed's eight factors ([`MEGILANCE_FACTORS`], unrounded; skill rounded to 4 dp as
    /// the seed does); explanations show the seed's labels, reasons and skill details.
    Megilance,
}

impl FactorSet {
    /// Factor names with their default weights, report order.
    pub fn factors(self) -> &'static [(&'static str, f64)] {
        match self {
            FactorSet::Default => &DEFAULT_FACTORS,
            FactorSet::Megilance => &MEGILANCE_FACTORS,
        }
    }

    /// How many values a pair has.
    pub fn len(self) -> usize {
        self.factors().len()
    }

    /// Always false (every set has factors); for clippy's `len_without_is_empty`.
    pub fn is_empty(self) -> bool {
        false
    }
}

/// How candidates with equal scores are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ties {
    /// By external id (fairmatch's rule: the same result whatever the upsert order).
    ExternalId,
    /// By catalogue (first upsert) order, as the megilance_v1 seed ordered its table.
    CatalogueOrder,
}

/// Factor weights by name: a factor list's defaults with overrides by name.
#[derive(Debug, Clone, PartialEq)]
pub struct Weights {
    factors: &'static [(&'static str, f64)],
    values: Vec<f64>,
}

impl Weights {
    /// `factors`' default weights with `overrides` replacing named factors.
    ///
    /// Rejects (`options.weights.<name>`) an unknown factor name and a negative or
    /// non-finite weight, and (`options.weights`) weights that are all zero.
    pub fn new(
        factors: &'static [(&'static str, f64)],
        overrides: Option<&BTreeMap<String, f64>>,
    ) -> Result<Self> {
        let mut values: Vec<f64> = factors.iter().map(|(_, w)| *w).collect();
        for (name, &v) in overrides.into_iter().flatten() {
            let field = format!("options.weights.{name}");
            let i = factors.iter().position(|(n, _)| n == name).ok_or_else(|| {
                let names: Vec<&str> = factors.iter().map(|(n, _)| *n).collect();
                Error::invalid(
                    &field,
                    format!("unknown factor (expected one of {})", names.join(", ")),
                )
            })?;
            if !v.is_finite() || v < 0.0 {
                return Err(Error::invalid(
                    &field,
                    format!("must be finite and ≥ 0, got {v}"),
                ));
            }
            values[i] = v;
        }
        if values.iter().all(|x| *x == 0.0) {
            return Err(Error::invalid(
                "options.weights",
                "weights must not all be zero",
            ));
        }
        Ok(Self { factors, values })
    }

    /// The weight of factor `name` (`None` for a name the list does not have).
    pub fn get(&self, name: &str) -> Option<f64> {
        self.factors
            .iter()
            .position(|(n, _)| *n == name)
            .map(|i| self.values[i])
    }

    /// `(name, weight)` in factor order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        self.factors
            .iter()
            .zip(&self.values)
            .map(|((n, _), w)| (*n, *w))
    }

    /// The weights in factor order (aligned with a pair's factor values).
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The weight of `name`, which the factor list must have (a preset's own names).
    fn named(&self, name: &str) -> f64 {
        self.get(name)
            .unwrap_or_else(|| unreachable!("factor `{name}` is in the preset's list"))
    }
}

/// A preset's scoring: what it reads, how it totals, how it bounds, how it reports.
///
/// `values` are the pair's factor values in [`FactorSet::factors`] order, `None` = the factor
/// does not apply to this pair. The engine calls [`Scorer::upper_bound`] with only some
/// values known (`None` = not computed yet: any value in [0, 1], or not applicable) and
/// skips the rest of a candidate when the bound cannot reach the current top k, so the
/// bound must never be below a total the unknown values could produce.
pub trait Scorer: Send + Sync {
    /// The factor values this scorer reads.
    fn factor_set(&self) -> FactorSet;
    /// The weights of this request, by name.
    fn weights(&self) -> &Weights;
    /// The score a pair ranks by.
    fn total(&self, values: &[Option<f64>]) -> f64;
    /// A bound ≥ every total reachable from `known` (unknown values at their best).
    fn upper_bound(&self, known: &[Option<f64>]) -> f64;
    /// The per-factor report of a result (applicable factors only).
    fn factor_list(&self, values: &[Option<f64>]) -> Vec<FactorScore>;
    /// The relevance the other factors are scaled by, when the scorer gates them by
    /// relevance ([`Composition::RelevanceGated`]); `None` otherwise. For explanations.
    fn relevance(&self, _values: &[Option<f64>]) -> Option<f64> {
        None
    }
    /// How equal totals are ordered.
    fn ties(&self) -> Ties {
        Ties::ExternalId
    }
    /// Whether the preset's shipped ranking ends with the seed's price-tier diversity step
    /// (megilance_v1.md "Ranking") when no fairness policy replaces it.
    fn price_tier_step(&self) -> bool {
        false
    }
}

/// Weighted mean over the applicable factors, clamped to [0, 1] (DESIGN.md §4: weights of
/// inapplicable factors leave the normalisation).
fn weighted_mean(weights: &[f64], values: &[Option<f64>]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (v, w) in values.iter().zip(weights) {
        if let Some(v) = v {
            num += w * v;
            den += w;
        }
    }
    if den > 0.0 {
        (num / den).clamp(0.0, 1.0)
    } else {
        0.0
    }
}

/// How the `default` preset's factors make one score (`ScoringConfig.composition`).
///
/// The `default` factors are of two kinds: **relevance** (`skills`, `semantic`: does this
/// freelancer fit this job's work) and **terms** (`rate`, `experience`, `availability`,
/// `reputation`, `recency`, `timezone`, `language`: how good a deal and how likely to work
/// out). Both compositions use the same weights, normalised over the applicable factors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Composition {
    /// `total = Σ_rel ŵᵢ·vᵢ + R · Σ_terms ŵⱼ·vⱼ`, with ŵ the weights normalised over the
    /// applicable factors and `R` the weighted mean of the applicable relevance factors:
    /// the terms count **in proportion to relevance**, so a freelancer who does not do the
    /// job's work cannot climb on rate, reputation or time zone alone, while among equally
    /// relevant freelancers the terms order exactly as in the weighted mean. Equivalently
    /// `R · (1 − Σ_terms ŵⱼ·(1 − vⱼ))`: each term can take away at most its weight's share
    /// of the relevance. The form is the multiplicative boost of relevance ranking (a
    /// quality prior multiplies the relevance score, e.g. Elasticsearch's `function_score`
    /// with `boost_mode: multiply`); chosen on the lab (benches/README.md, "Relevance"):
    /// on the lab's ESCO marketplaces it ranks far closer to relevance than the plain mean
    /// with the same weights. With no relevance factor weighted (custom weights), the terms'
    /// weighted mean. The default since snapshot format 4.
    #[default]
    RelevanceGated,
    /// `total = Σ ŵᵢ·vᵢ`: the plain weighted mean of every applicable factor (DESIGN.md §4),
    /// the rule before snapshot format 4 (older snapshots load with it) and the form the
    /// `learned` preset is fitted in.
    WeightedMean,
}

/// Whether each `default` factor (in [`DEFAULT_FACTORS`] order) measures relevance.
const RELEVANCE: [bool; 9] = [true, false, false, false, false, false, false, false, true];

/// The parts of a relevance-gated total: (Σ_rel w·v, Σ_rel w, Σ_terms w·v, Σ_terms w) over
/// the applicable factors; `fill` stands in for unknown values (`None` = not applicable).
fn gated_sums(weights: &[f64], values: &[Option<f64>], fill: Option<f64>) -> [f64; 4] {
    let mut s = [0.0; 4];
    for ((v, w), rel) in values.iter().zip(weights).zip(RELEVANCE) {
        if let Some(v) = v.or(fill) {
            let o = if rel { 0 } else { 2 };
            s[o] += w * v;
            s[o + 1] += w;
        }
    }
    s
}

/// (total, R) from [`gated_sums`] (see [`Composition::RelevanceGated`]).
fn gated_total([rel, rel_w, terms, terms_w]: [f64; 4]) -> (f64, f64) {
    let den = rel_w + terms_w;
    if den <= 0.0 {
        return (0.0, 0.0);
    }
    if rel_w <= 0.0 {
        return ((terms / den).clamp(0.0, 1.0), 1.0);
    }
    let r = rel / rel_w;
    (((rel + r * terms) / den).clamp(0.0, 1.0), r)
}

/// The `default` preset (DESIGN.md §4), with the request's weights (custom weights are this
/// scorer with overrides) composed as [`Composition`] says.
#[derive(Debug, Clone, PartialEq)]
pub struct DefaultScorer {
    weights: Weights,
    composition: Composition,
}

impl DefaultScorer {
    /// The default weights with `overrides` by name (see [`Weights::new`] for what is
    /// rejected), composed relevance-gated (the default [`Composition`]).
    pub fn new(overrides: Option<&BTreeMap<String, f64>>) -> Result<Self> {
        Self::with_composition(overrides, Composition::default())
    }

    /// [`DefaultScorer::new`] with the given composition.
    pub fn with_composition(
        overrides: Option<&BTreeMap<String, f64>>,
        composition: Composition,
    ) -> Result<Self> {
        Ok(Self {
            weights: Weights::new(&DEFAULT_FACTORS, overrides)?,
            composition,
        })
    }

    /// The weight of the skill factor.
    pub fn skills_weight(&self) -> f64 {
        self.weights.named("skills")
    }

    /// How this scorer composes its factors.
    pub fn composition(&self) -> Composition {
        self.composition
    }
}

impl Scorer for DefaultScorer {
    fn factor_set(&self) -> FactorSet {
        FactorSet::Default
    }

    fn weights(&self) -> &Weights {
        &self.weights
    }

    fn total(&self, values: &[Option<f64>]) -> f64 {
        match self.composition {
            Composition::WeightedMean => weighted_mean(self.weights.values(), values),
            Composition::RelevanceGated => {
                gated_total(gated_sums(self.weights.values(), values, None)).0
            }
        }
    }

    /// Every unknown factor at 1 and applicable: adding a factor at 1 never lowers a mean of
    /// values ≤ 1, nor a relevance-gated total (it raises R or leaves it, and dilutes what
    /// the terms take away), so this bounds every outcome of the unknown ones; nudged up by
    /// 1e-12 so rounding cannot put it below a reachable total.
    fn upper_bound(&self, known: &[Option<f64>]) -> f64 {
        match self.composition {
            Composition::WeightedMean => {
                let (mut num, mut den) = (0.0, 0.0);
                for (v, w) in known.iter().zip(self.weights.values()) {
                    num += w * v.unwrap_or(1.0);
                    den += w;
                }
                if den > 0.0 { num / den + 1e-12 } else { 1.0 }
            }
            Composition::RelevanceGated => {
                let sums = gated_sums(self.weights.values(), known, Some(1.0));
                if sums[1] + sums[3] > 0.0 {
                    gated_total(sums).0 + 1e-12
                } else {
                    1.0
                }
            }
        }
    }

    fn relevance(&self, values: &[Option<f64>]) -> Option<f64> {
        let sums = gated_sums(self.weights.values(), values, None);
        (self.composition == Composition::RelevanceGated && sums[1] > 0.0 && sums[3] > 0.0)
            .then(|| gated_total(sums).1)
    }

    /// Each applicable factor with its normalised weight and its part of the total; under
    /// [`Composition::RelevanceGated`] a term's contribution is `value · weight · R`, so the
    /// contributions still add up to the total.
    fn factor_list(&self, values: &[Option<f64>]) -> Vec<FactorScore> {
        let w = self.weights.values();
        let den: f64 = values
            .iter()
            .zip(w)
            .filter(|(v, _)| v.is_some())
            .map(|(_, w)| w)
            .sum();
        let r = match self.composition {
            Composition::WeightedMean => 1.0,
            Composition::RelevanceGated => gated_total(gated_sums(w, values, None)).1,
        };
        self.weights
            .iter()
            .zip(values)
            .zip(RELEVANCE)
            .filter_map(|(((name, w), v), rel)| {
                v.map(|v| {
                    let weight = if den > 0.0 { w / den } else { 0.0 };
                    FactorScore {
                        name: name.to_owned(),
                        value: v,
                        weight,
                        contribution: if rel { v * weight } else { v * weight * r },
                    }
                })
            })
            .collect()
    }
}

/// The `megilance_v1` preset: the seed's weighted sum Σ wᵢ·vᵢ (no normalisation), ranked by
/// the reported score (rounded to 3 dp), ties in catalogue order, then the price-tier step
/// (research/megilance_v1.md "Scoring", "Ranking").
#[derive(Debug, Clone, PartialEq)]
pub struct MegilanceScorer {
    weights: Weights,
}

impl MegilanceScorer {
    /// The seed's weights with `overrides` by name (see [`Weights::new`]).
    pub fn new(overrides: Option<&BTreeMap<String, f64>>) -> Result<Self> {
        Ok(Self {
            weights: Weights::new(&MEGILANCE_FACTORS, overrides)?,
        })
    }

    /// The unrounded weighted sum, as the seed computes it (factor order).
    pub fn unrounded(&self, values: &[Option<f64>]) -> f64 {
        let mut total = 0.0;
        for (w, v) in self.weights.values().iter().zip(values) {
            total += w * v.unwrap_or(0.0);
        }
        total
    }
}

impl Scorer for MegilanceScorer {
    fn factor_set(&self) -> FactorSet {
        FactorSet::Megilance
    }

    fn weights(&self) -> &Weights {
        &self.weights
    }

    fn total(&self, values: &[Option<f64>]) -> f64 {
        py_round(self.unrounded(values), 3)
    }

    /// Every unknown factor at 1 (each seed factor is at most 1), plus the most the reported
    /// rounding to 3 dp can add (0.0005, and 1e-9 for the binary representation): cheaper
    /// than rounding per candidate, and never below the reported score.
    fn upper_bound(&self, known: &[Option<f64>]) -> f64 {
        let mut total = 0.0;
        for (w, v) in self.weights.values().iter().zip(known) {
            total += w * v.unwrap_or(1.0);
        }
        total + 0.0005 + 1e-9
    }

    /// The seed's report: each factor rounded to 3 dp with its raw weight.
    fn factor_list(&self, values: &[Option<f64>]) -> Vec<FactorScore> {
        self.weights
            .iter()
            .zip(values)
            .map(|((name, w), v)| {
                let value = py_round(v.unwrap_or(0.0), 3);
                FactorScore {
                    name: name.to_owned(),
                    value,
                    weight: w,
                    contribution: value * w,
                }
            })
            .collect()
    }

    fn ties(&self) -> Ties {
        Ties::CatalogueOrder
    }

    fn price_tier_step(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BOTH: [Composition; 2] = [Composition::RelevanceGated, Composition::WeightedMean];

    #[test]
    fn default_bound_covers_every_completion() {
        for c in BOTH {
            let s = DefaultScorer::with_composition(None, c).unwrap();
            let known = [Some(0.3), None, None, None, None, None, None, None, None];
            let ub = s.upper_bound(&known);
            for sem in [None, Some(0.0), Some(1.0)] {
                for rest in [0.0, 0.5, 1.0] {
                    let mut v = [Some(rest); 9];
                    v[0] = Some(0.3);
                    v[8] = sem;
                    assert!(s.total(&v) <= ub, "{c:?} {v:?}");
                    // some terms not applicable (no rate, no time zone)
                    v[1] = None;
                    v[6] = None;
                    assert!(s.total(&v) <= ub, "{c:?} {v:?}");
                }
            }
            let all_one = [Some(1.0); 9];
            assert!(s.total(&all_one) <= s.upper_bound(&all_one));
        }
    }

    #[test]
    fn gated_bound_covers_random_completions() {
        let s = DefaultScorer::new(None).unwrap();
        let mut x = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            x = crate::util::splitmix64(x);
            x
        };
        for _ in 0..20_000 {
            let full: Vec<Option<f64>> = (0..9)
                .map(|_| {
                    let r = next();
                    (r % 5 != 0).then(|| (r >> 11) as f64 / (1u64 << 53) as f64)
                })
                .collect();
            let mask = next();
            let known: Vec<Option<f64>> = full
                .iter()
                .enumerate()
                .map(|(i, v)| if mask >> i & 1 == 1 { *v } else { None })
                .collect();
            assert!(
                s.total(&full) <= s.upper_bound(&known),
                "{full:?} {known:?}"
            );
        }
    }

    #[test]
    fn relevance_mask_names_skills_and_semantic() {
        for ((name, _), rel) in DEFAULT_FACTORS.iter().zip(RELEVANCE) {
            assert_eq!(rel, *name == "skills" || *name == "semantic", "{name}");
        }
    }

    #[test]
    fn gated_terms_count_in_proportion_to_relevance() {
        let s = DefaultScorer::new(None).unwrap();
        let mean = DefaultScorer::with_composition(None, Composition::WeightedMean).unwrap();
        // no skill fit, perfect terms: nothing under the gate, 0.6 under the mean
        let mut idle = [Some(1.0); 9];
        idle[0] = Some(0.0);
        idle[8] = None;
        assert_eq!(s.total(&idle), 0.0);
        assert!((mean.total(&idle) - 0.55 / 0.95).abs() < 1e-12);
        // a full skill fit with poor terms outranks a weak fit with perfect terms
        let mut fit = [Some(0.1); 9];
        fit[0] = Some(1.0);
        fit[8] = None;
        let mut weak = [Some(1.0); 9];
        weak[0] = Some(0.4);
        weak[8] = None;
        assert!(s.total(&fit) > s.total(&weak));
        assert!(mean.total(&fit) < mean.total(&weak));
        // total = R · (1 − Σ_terms ŵ·(1 − v)); contributions add up to it
        let v = [
            Some(0.8),
            Some(0.5),
            Some(0.2),
            None,
            Some(0.9),
            Some(0.7),
            Some(0.4),
            Some(1.0),
            Some(0.6),
        ];
        let w: Vec<f64> = DEFAULT_FACTORS.iter().map(|(_, w)| *w).collect();
        let den: f64 = (0..9).filter(|&i| v[i].is_some()).map(|i| w[i]).sum();
        let r = (0.4 * 0.8 + 0.05 * 0.6) / 0.45;
        let lost: f64 = (1..8)
            .filter_map(|i| v[i].map(|x| w[i] / den * (1.0 - x)))
            .sum();
        assert!((s.total(&v) - r * (1.0 - lost)).abs() < 1e-12);
        assert!((s.relevance(&v).unwrap() - r).abs() < 1e-12);
        assert_eq!(mean.relevance(&v), None);
        let sum: f64 = s.factor_list(&v).iter().map(|f| f.contribution).sum();
        assert!((sum - s.total(&v)).abs() < 1e-12);
        let sum: f64 = mean.factor_list(&v).iter().map(|f| f.contribution).sum();
        assert!((sum - mean.total(&v)).abs() < 1e-12);
    }

    #[test]
    fn gated_equals_the_mean_of_terms_without_relevance_weights() {
        let mut o = BTreeMap::new();
        o.insert("skills".to_owned(), 0.0);
        o.insert("semantic".to_owned(), 0.0);
        let s = DefaultScorer::new(Some(&o)).unwrap();
        let mean = DefaultScorer::with_composition(Some(&o), Composition::WeightedMean).unwrap();
        let v = [Some(0.3); 9].map(|x| x.map(|y| y + 0.1));
        assert!((s.total(&v) - mean.total(&v)).abs() < 1e-12);
        // and among equally relevant pairs the order of the terms is the mean's
        let pair = |rate: f64, experience: f64| {
            let mut v = [Some(0.5); 9];
            v[0] = Some(0.7);
            v[1] = Some(rate);
            v[2] = Some(experience);
            v[8] = None;
            v
        };
        let (a, b) = (pair(0.9, 0.1), pair(0.2, 0.6));
        let g = DefaultScorer::new(None).unwrap();
        let m = DefaultScorer::with_composition(None, Composition::WeightedMean).unwrap();
        assert_eq!(g.total(&a) > g.total(&b), m.total(&a) > m.total(&b));
    }

    #[test]
    fn megilance_bound_covers_the_reported_score() {
        let s = MegilanceScorer::new(None).unwrap();
        let mut v = [Some(0.5); 8];
        v[0] = None;
        let ub = s.upper_bound(&v);
        for skill in [0.0, 0.4567, 1.0] {
            v[0] = Some(skill);
            assert!(s.total(&v) <= ub);
        }
        // an unknown factor does not cap the bound below its best value
        assert!(ub >= 0.5 * 0.7 + 0.3 - 1e-9);
    }

    #[test]
    fn weights_by_name() {
        let mut o = BTreeMap::new();
        o.insert("reputation".to_owned(), 0.5);
        let s = DefaultScorer::new(Some(&o)).unwrap();
        assert_eq!(s.weights().get("reputation"), Some(0.5));
        assert_eq!(s.weights().get("skills"), Some(0.40));
        assert_eq!(s.weights().get("nope"), None);
        o.insert("nope".to_owned(), 1.0);
        let e = DefaultScorer::new(Some(&o)).unwrap_err().to_string();
        assert!(e.contains("options.weights.nope"), "{e}");
    }
}
