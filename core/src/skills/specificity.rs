//! Specificity: a skill nearly everyone holds decides little; a rare one decides a lot.
//!
//! For a catalogue of `n` live freelancers of whom `df` hold skill `s` (exact integer counts
//! the engine keeps on every upsert and removal, so a weight never depends on the order of
//! updates):
//!
//! ```text
//! idf(s)    = ln(1 + (n − df + 0.5) / (df + 0.5))      smoothed inverse document frequency
//! weight(s) = (k + 1) · idf / (k + idf)                  BM25-style saturation, k = saturation
//! ```
//!
//! `idf` is Robertson–Spärck Jones' weight as Lucene's BM25 writes it (always > 0, smooth at
//! `df = 0` and `df = n`); the saturation is BM25's term-frequency curve applied to it, so no
//! skill weighs more than `k + 1` however rare (a one-off label in a large catalogue cannot
//! swamp a job's other requirements) and a skill everyone holds weighs close to 0 (research/
//! marketplace.md §1.1, Job2Skills: skills weighted by salience and market supply). A
//! requirement's weight is the job's weight times its skill's weight; the focus term weighs a
//! freelancer's skills the same way ([`super::FitConfig::focus`]).
//!
//! `k` was chosen on the lab (benches/README.md "Relevance"): on its ESCO marketplaces NDCG
//! rises as saturation loosens up to k ≈ 100 and is flat beyond, so the default is 100. There a
//! skill held by half the catalogue weighs 0.70, by 10 % 2.27, by 5 % 2.94, by 1 % 4.45, by
//! 0.1 % 6.53.

use serde::{Deserialize, Serialize};

use super::taxonomy::SkillId;
use crate::error::{Error, Result};

/// Whether and how requirement weights follow the catalogue's specificity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SpecificityConfig {
    /// Weigh requirements (and the focus term) by specificity. Default true.
    pub enabled: bool,
    /// Saturation `k` (> 0): no weight exceeds `k + 1`. Default 100.
    pub saturation: f64,
}

impl Default for SpecificityConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            saturation: 100.0,
        }
    }
}

impl SpecificityConfig {
    /// Checks `saturation` is finite and in (0, 1000].
    pub fn validate(&self) -> Result<()> {
        if !(self.saturation > 0.0 && self.saturation <= 1000.0) {
            return Err(Error::invalid(
                "specificity.saturation",
                format!("must be in (0, 1000], got {}", self.saturation),
            ));
        }
        Ok(())
    }
}

/// The smoothed inverse document frequency of a skill held by `df` of `n` (module docs).
pub fn idf(df: u64, n: u64) -> f64 {
    let (df, n) = (df as f64, n.max(df) as f64);
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

/// The specificity weight of a skill held by `df` of `n` with saturation `k` (module docs).
pub fn specificity_weight(df: u64, n: u64, k: f64) -> f64 {
    let x = idf(df, n);
    (k + 1.0) * x / (k + x)
}

/// Specificity weights of every skill id for one state of the catalogue (1 for every skill
/// when specificity is off).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Specificity {
    /// Weight per skill id; ids past the end (and every id when empty) weigh `beyond`.
    weights: Vec<f32>,
    beyond: f32,
}

impl Specificity {
    /// Every skill weighs 1.
    pub fn uniform() -> Self {
        Self {
            weights: Vec::new(),
            beyond: 1.0,
        }
    }

    /// Weights from holder counts: `holders[s]` of `n` live freelancers hold skill `s`
    /// (skills past the end of `holders` are held by nobody).
    pub fn from_counts(holders: &[u32], n: u64, cfg: &SpecificityConfig) -> Self {
        if !cfg.enabled {
            return Self::uniform();
        }
        let k = cfg.saturation;
        Self {
            weights: holders
                .iter()
                .map(|&df| specificity_weight(u64::from(df), n, k) as f32)
                .collect(),
            beyond: specificity_weight(0, n, k) as f32,
        }
    }

    /// The weight of skill `s`.
    #[inline]
    pub fn get(&self, s: SkillId) -> f64 {
        f64::from(self.weights.get(s as usize).copied().unwrap_or(self.beyond))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_by_hand() {
        // idf at df = n/2 of 1000: ln(1 + 500.5/500.5) = ln 2
        assert!((idf(500, 1000) - 2f64.ln()).abs() < 1e-12);
        let w = |df| specificity_weight(df, 1000, 2.0);
        assert!((w(500) - 3.0 * 2f64.ln() / (2.0 + 2f64.ln())).abs() < 1e-12);
        assert!(w(0) > w(1) && w(1) > w(10) && w(10) > w(100) && w(100) > w(1000));
        assert!(w(0) < 3.0 && w(1000) > 0.0);
        // the documented values at the default k = 100
        let at = |share: f64| specificity_weight((share * 1e6) as u64, 1_000_000, 100.0);
        for (share, want) in [
            (0.5, 0.70),
            (0.1, 2.27),
            (0.05, 2.94),
            (0.01, 4.45),
            (0.001, 6.53),
        ] {
            assert!((at(share) - want).abs() < 0.01, "{share}: {}", at(share));
        }
        let s = Specificity::from_counts(&[5, 0], 10, &SpecificityConfig::default());
        assert!(s.get(1) > s.get(0));
        assert_eq!(s.get(7), s.get(1), "unknown ids weigh as held by nobody");
        let off = SpecificityConfig {
            enabled: false,
            ..SpecificityConfig::default()
        };
        assert_eq!(Specificity::from_counts(&[5], 10, &off).get(0), 1.0);
        assert_eq!(Specificity::uniform().get(3), 1.0);
        assert!(
            SpecificityConfig {
                saturation: 0.0,
                ..SpecificityConfig::default()
            }
            .validate()
            .is_err()
        );
    }
}
