//! Position-bias (browsing / attention) models shared by the re-rankers and the metrics.
//!
//! A model gives the weight `v_j` of 1-based position `j`: how much attention (exposure) a
//! result at that position receives. Source: research/fairness.md §1.1 (Singh & Joachims 2018
//! log discount; Diaz et al. 2020 RBP; Sapiezynski et al. 2019 geometric attention; cascade as
//! in BoiseState `position.py`). Exposure numbers are comparable only under the same model and
//! the same cut-off.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// How much attention position `j` (1-based) receives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PositionModel {
    /// `v_j = 1 / log2(1 + j)` (DCG discount; Singh & Joachims 2018, Geyik et al. 2019).
    /// The default.
    Log,
    /// `v_j = 1 / log2(max(j, 2))`: positions 1 and 2 both weigh 1 (LensKit `LogRankWeight`,
    /// BoiseState `logarithmic`).
    ClippedLog,
    /// Rank-biased precision / patience: `v_j = gamma^(j-1)` (Diaz et al. 2020).
    Rbp {
        /// Patience in (0, 1].
        gamma: f64,
    },
    /// Geometric attention: `v_j = p (1-p)^(j-1)` (Sapiezynski et al. 2019, AWRF).
    Geometric {
        /// Stop probability in (0, 1].
        p: f64,
    },
    /// Cascade: `v_j = gamma^(j-1) * prod_{i<j} (1 - stop * rel_i)` (Diaz et al. style); needs
    /// the relevance of the items above (see [`PositionModel::weights_with_relevance`]).
    Cascade {
        /// Patience in (0, 1].
        gamma: f64,
        /// Probability that a relevant item satisfies the user, in [0, 1].
        stop: f64,
    },
    /// Caller-supplied weights for positions 1..=len; positions past the end weigh 0.
    Custom {
        /// `weights[j-1]` is `v_j`; each finite and ≥ 0.
        weights: Vec<f64>,
    },
}

impl Default for PositionModel {
    fn default() -> Self {
        PositionModel::Log
    }
}

impl PositionModel {
    /// Checks the parameters: probabilities in range, custom weights finite and ≥ 0.
    pub fn validate(&self) -> Result<()> {
        let unit = |field: &str, x: f64, zero_ok: bool| {
            let ok = x.is_finite() && x <= 1.0 && if zero_ok { x >= 0.0 } else { x > 0.0 };
            if ok {
                Ok(())
            } else {
                Err(Error::invalid(
                    field,
                    format!(
                        "must be in {}0, 1], got {x}",
                        if zero_ok { "[" } else { "(" }
                    ),
                ))
            }
        };
        match self {
            PositionModel::Log | PositionModel::ClippedLog => Ok(()),
            PositionModel::Rbp { gamma } => unit("position_model.gamma", *gamma, false),
            PositionModel::Geometric { p } => unit("position_model.p", *p, false),
            PositionModel::Cascade { gamma, stop } => {
                unit("position_model.gamma", *gamma, false)?;
                unit("position_model.stop", *stop, true)
            }
            PositionModel::Custom { weights } => {
                for (i, w) in weights.iter().enumerate() {
                    if !w.is_finite() || *w < 0.0 {
                        return Err(Error::invalid(
                            format!("position_model.weights[{i}]"),
                            format!("must be finite and ≥ 0, got {w}"),
                        ));
                    }
                }
                Ok(())
            }
        }
    }

    /// Weight of 1-based position `j` (0 for `j = 0`). For `Cascade` this is the weight with
    /// no relevant item above (i.e. `gamma^(j-1)`); use [`Self::weights_with_relevance`] for
    /// the full model.
    pub fn weight(&self, j: usize) -> f64 {
        if j == 0 {
            return 0.0;
        }
        let jf = j as f64;
        match self {
            PositionModel::Log => 1.0 / (1.0 + jf).log2(),
            PositionModel::ClippedLog => 1.0 / jf.max(2.0).log2(),
            PositionModel::Rbp { gamma } | PositionModel::Cascade { gamma, .. } => {
                gamma.powi((j - 1) as i32)
            }
            PositionModel::Geometric { p } => p * (1.0 - p).powi((j - 1) as i32),
            PositionModel::Custom { weights } => weights.get(j - 1).copied().unwrap_or(0.0),
        }
    }

    /// Weights of positions `1..=n`, with positions past `cutoff` (if any) weighing 0.
    pub fn weights(&self, n: usize, cutoff: Option<usize>) -> Vec<f64> {
        let limit = cutoff.unwrap_or(n).min(n);
        (1..=n)
            .map(|j| if j <= limit { self.weight(j) } else { 0.0 })
            .collect()
    }

    /// Weights of the positions of a ranking whose items have relevance `rel` (in ranked
    /// order, each in [0, 1]). Only `Cascade` uses the relevance; every other model equals
    /// [`Self::weights`].
    pub fn weights_with_relevance(&self, rel: &[f64], cutoff: Option<usize>) -> Vec<f64> {
        match self {
            PositionModel::Cascade { gamma, stop } => {
                let limit = cutoff.unwrap_or(rel.len()).min(rel.len());
                let mut out = Vec::with_capacity(rel.len());
                let mut survive = 1.0;
                let mut g = 1.0;
                for (j, r) in rel.iter().enumerate() {
                    out.push(if j < limit { g * survive } else { 0.0 });
                    survive *= 1.0 - stop * r.clamp(0.0, 1.0);
                    g *= gamma;
                }
                out
            }
            _ => self.weights(rel.len(), cutoff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        let m = PositionModel::Log;
        assert_eq!(m.weight(1), 1.0);
        assert!((m.weight(3) - 0.5).abs() < 1e-15);
        assert_eq!(PositionModel::ClippedLog.weight(2), 1.0);
        assert_eq!(PositionModel::Rbp { gamma: 0.5 }.weight(3), 0.25);
        assert_eq!(PositionModel::Geometric { p: 0.5 }.weight(2), 0.25);
        assert_eq!(
            PositionModel::Log.weights(4, Some(2))[2..],
            [0.0, 0.0],
            "cut-off zeroes later positions"
        );
        let c = PositionModel::Cascade {
            gamma: 1.0,
            stop: 0.5,
        };
        assert_eq!(
            c.weights_with_relevance(&[1.0, 1.0, 0.0], None),
            vec![1.0, 0.5, 0.25]
        );
    }

    #[test]
    fn validation() {
        assert!(PositionModel::Rbp { gamma: 0.0 }.validate().is_err());
        assert!(PositionModel::Geometric { p: 1.5 }.validate().is_err());
        assert!(
            PositionModel::Custom {
                weights: vec![1.0, f64::NAN]
            }
            .validate()
            .is_err()
        );
        assert!(PositionModel::default().validate().is_ok());
    }
}
