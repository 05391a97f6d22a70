//! Presets: named factor sets with default weights, and validated custom weights.

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::Serialize;

use super::megilance::MEGILANCE_FACTORS;
use super::scorer::{Composition, DefaultScorer, MegilanceScorer, Scorer, Weights};
use crate::error::{Error, Result};
use crate::util::spelling::{self, spelled_enum};

/// A scoring preset. Read case-insensitively (`-` or a space for `_`): `default`,
/// `megilance_v1`, `learned`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// fairmatch's explainable multi-factor score (DESIGN.md §4).
    #[default]
    Default,
    /// An exact reproduction of MegiLance's `weighted_multi_factor_v1`
    /// (research/megilance_v1.md), for migration and as a baseline.
    MegilanceV1,
    /// The `default` factors weighed by the weights the engine learned from its logged
    /// impressions and outcomes (`Engine::learn`, issue 18): per client once a client has
    /// enough outcomes, else global. Only an engine with a learned model can rank with it
    /// (`InsufficientLogs` otherwise); `options.weights` override learned weights by name.
    Learned,
}

spelled_enum!(
    Preset,
    "preset",
    [
        Default = "default",
        MegilanceV1 = "megilance_v1",
        Learned = "learned"
    ],
    []
);

impl FromStr for Preset {
    type Err = Error;
    /// Parses `default` or `megilance_v1` (case-insensitive; `-` or a space for `_`).
    fn from_str(s: &str) -> Result<Self> {
        spelling::parse(s).ok_or_else(|| {
            Error::invalid(
                "options.preset",
                format!("unknown preset `{s}` (expected `default`, `megilance_v1` or `learned`)"),
            )
        })
    }
}

/// The `default` preset's factors and weights (sum 1). `semantic` counts only when both
/// sides carry an embedding of the same model; otherwise its weight is left out of the
/// normalisation for that pair.
pub const DEFAULT_FACTORS: [(&str, f64); 9] = [
    ("skills", 0.40),
    ("rate", 0.10),
    ("experience", 0.08),
    ("availability", 0.07),
    ("reputation", 0.15),
    ("recency", 0.05),
    ("timezone", 0.07),
    ("language", 0.03),
    ("semantic", 0.05),
];

impl Preset {
    /// Factor names and default weights of this preset, in report order.
    pub fn factors(self) -> &'static [(&'static str, f64)] {
        match self {
            Preset::Default | Preset::Learned => &DEFAULT_FACTORS,
            Preset::MegilanceV1 => &MEGILANCE_FACTORS,
        }
    }

    /// The weights to use: the preset's, with `overrides` replacing named factors.
    ///
    /// Rejects an unknown factor name, a negative or non-finite weight, and weights that are
    /// all zero.
    pub fn weights(self, overrides: Option<&BTreeMap<String, f64>>) -> Result<Vec<f64>> {
        Ok(Weights::new(self.factors(), overrides)?.values().to_vec())
    }

    /// This preset's [`Scorer`] with `overrides` by name (custom weights); rejects what
    /// [`Preset::weights`] rejects. `learned` is built by the engine from its learned model
    /// ([`Preset::learned_scorer`]); here it is rejected (`options.preset`).
    pub fn scorer(self, overrides: Option<&BTreeMap<String, f64>>) -> Result<Box<dyn Scorer>> {
        self.scorer_composed(overrides, Composition::default())
    }

    /// [`Preset::scorer`] with the `default` preset's factors composed as `composition`
    /// says (the engine passes `ScoringConfig.composition`; `megilance_v1` has its own sum).
    pub fn scorer_composed(
        self,
        overrides: Option<&BTreeMap<String, f64>>,
        composition: Composition,
    ) -> Result<Box<dyn Scorer>> {
        Ok(match self {
            Preset::Default => Box::new(DefaultScorer::with_composition(overrides, composition)?),
            Preset::MegilanceV1 => Box::new(MegilanceScorer::new(overrides)?),
            Preset::Learned => {
                return Err(Error::invalid(
                    "options.preset",
                    "`learned` ranks with an engine's learned model (Engine::learn), not alone",
                ));
            }
        })
    }

    /// The `learned` preset's [`Scorer`]: the `default` factors with `learned` weights (in
    /// [`DEFAULT_FACTORS`] order, as `learn::LearnedModel::weights_for` gives them) and
    /// `overrides` by name on top, as the plain weighted mean the model was fitted in
    /// ([`Composition::WeightedMean`]). Rejects learned weights of the wrong length, negative or
    /// non-finite, or all zero (`options.weights`), and what [`Preset::weights`] rejects.
    pub fn learned_scorer(
        learned: &[f64],
        overrides: Option<&BTreeMap<String, f64>>,
    ) -> Result<Box<dyn Scorer>> {
        if learned.len() != DEFAULT_FACTORS.len() {
            return Err(Error::invalid(
                "options.weights",
                format!(
                    "the learned model has {} weights for {} factors",
                    learned.len(),
                    DEFAULT_FACTORS.len()
                ),
            ));
        }
        let mut all: BTreeMap<String, f64> = DEFAULT_FACTORS
            .iter()
            .zip(learned)
            .map(|((n, _), w)| ((*n).to_owned(), *w))
            .collect();
        all.extend(
            overrides
                .into_iter()
                .flatten()
                .map(|(k, v)| (k.clone(), *v)),
        );
        Ok(Box::new(DefaultScorer::with_composition(
            Some(&all),
            Composition::WeightedMean,
        )?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_validate() {
        assert_eq!(
            Preset::from_str("MegiLance-v1").unwrap(),
            Preset::MegilanceV1
        );
        assert!(Preset::from_str("fancy").is_err());
        let sum: f64 = DEFAULT_FACTORS.iter().map(|x| x.1).sum();
        assert!((sum - 1.0).abs() < 1e-12);
        let mut o = BTreeMap::new();
        o.insert("skills".to_owned(), 2.0);
        assert_eq!(Preset::Default.weights(Some(&o)).unwrap()[0], 2.0);
        o.insert("nope".to_owned(), 1.0);
        assert!(Preset::Default.weights(Some(&o)).is_err());
        let mut neg = BTreeMap::new();
        neg.insert("rate".to_owned(), -1.0);
        assert!(Preset::Default.weights(Some(&neg)).is_err());
        let zero: BTreeMap<String, f64> = DEFAULT_FACTORS
            .iter()
            .map(|(n, _)| (n.to_string(), 0.0))
            .collect();
        assert!(Preset::Default.weights(Some(&zero)).is_err());
    }
}
