//! The compact per-freelancer rows the request driver scans: `ScanRow` (the default
//! factors' hot fields and job-independent factor parts) and `SeedRow` (what megilance_v1
//! reads), derived from a compiled entry on every write and rebuilt on load, never saved.

use super::catalog::FreelancerEntry;
use crate::score::factors::{self, ReputationPrior};
use crate::score::megilance::SeedFreelancerFactors;

/// The prior strengths (rating, success) every catalogue prior uses ([`GlobalStats::prior`]
/// only moves the means): the rows' reputation denominators are computed with them.
const REPUTATION_STRENGTHS: (f64, f64) = (
    ReputationPrior::DEFAULT.rating_strength,
    ReputationPrior::DEFAULT.success_strength,
);

/// The hot fields of one freelancer, stored contiguously (one row per internal id) so a scan
/// over the catalogue reads memory in order instead of chasing pointers. Mirrors the entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanRow {
    pub live: bool,
    pub available: bool,
    pub has_attributes: bool,
    pub has_embedding: bool,
    /// Languages as a bitmask of ids < 64; `langs_overflow` = some id ≥ 64 (use the entry).
    pub langs_mask: u64,
    pub langs_overflow: bool,
    pub rate: Option<f64>,
    pub weekly_hours: Option<f64>,
    pub zone: Option<u32>,
    pub country: Option<u32>,
    pub region: Option<u32>,
    pub hours: (f64, f64),
    pub completed: u32,
    pub total: u32,
    pub active: u32,
    pub ratings_count: u32,
    pub ratings_sum: f64,
    /// Unix seconds. (Recency depends on the request time, so the row keeps only this
    /// time-independent part; the request's `RecencyTable` turns it into the factor.)
    pub last_active: Option<i64>,
    /// Job-independent factor parts, derived from the fields above on every write of the row
    /// (upsert, outcome, history change; rebuilt on snapshot load, never saved):
    /// the experience `e` of [`factors::experience`],
    pub experience: f64,
    /// the load divisor of [`factors::availability_load`],
    pub load: f64,
    /// and the reputation denominators `C + ratings_count` and `finished + C₂` of
    /// [`factors::reputation`] (C, C₂ = the prior strengths of [`REPUTATION_STRENGTHS`]; the
    /// prior's means change with the whole catalogue, so the value itself is per request).
    pub rating_den: f64,
    pub success_den: f64,
    /// Claims in `Catalog::arena[claims_start .. claims_start + claims_len]`.
    pub claims_start: u32,
    pub claims_len: u32,
}

impl ScanRow {
    pub(super) const DEAD: ScanRow = ScanRow {
        live: false,
        available: false,
        has_attributes: false,
        has_embedding: false,
        langs_mask: 0,
        langs_overflow: false,
        rate: None,
        weekly_hours: None,
        zone: None,
        country: None,
        region: None,
        hours: (0.0, 0.0),
        completed: 0,
        total: 0,
        active: 0,
        ratings_count: 0,
        ratings_sum: 0.0,
        last_active: None,
        experience: 0.0,
        load: 1.0,
        rating_den: 1.0,
        success_den: 1.0,
        claims_start: 0,
        claims_len: 0,
    };

    /// The reputation factor under `prior` ([`factors::reputation`], the same expression
    /// with the row's cached denominators, so equal to the bit).
    #[inline]
    pub fn reputation(&self, prior: &ReputationPrior) -> f64 {
        if (prior.rating_strength, prior.success_strength) != REPUTATION_STRENGTHS {
            return factors::reputation(
                prior,
                self.ratings_sum,
                self.ratings_count,
                self.completed,
                self.total.saturating_sub(self.active),
            );
        }
        let rating =
            (prior.rating_strength * prior.mean_rating + self.ratings_sum) / self.rating_den;
        let success = (self.completed as f64 + prior.success_strength * prior.success_rate)
            / self.success_den;
        (0.6 * (rating - 1.0) / 4.0 + 0.4 * success).clamp(0.0, 1.0)
    }

    /// Whether every language of `ids` is spoken.
    #[inline]
    pub fn speaks_all(&self, ids: &[u32], entry: impl FnOnce() -> Vec<u32>) -> bool {
        if self.langs_overflow || ids.iter().any(|&l| l >= 64) {
            let spoken = entry();
            return ids.iter().all(|l| spoken.contains(l));
        }
        ids.iter().all(|&l| self.langs_mask >> l & 1 == 1)
    }
}

/// What the megilance_v1 preset reads of one freelancer, stored contiguously like
/// [`ScanRow`] (a separate table, so the default scan does not carry it): the seed's
/// job-independent factor parts and the compiled skill labels in `Catalog::seed_arena`.
/// Derived on every write of the freelancer; rebuilt on load, never saved.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SeedRow {
    pub factors: SeedFreelancerFactors,
    /// Labels in `Catalog::seed_arena[labels_start .. labels_start + labels_len]`.
    pub labels_start: u32,
    pub labels_len: u32,
    /// [`SeedSkills::summary`] of the labels.
    pub summary: (u16, u32),
}

pub(super) fn row_of(e: &FreelancerEntry, claims_start: u32) -> ScanRow {
    let f = &e.input;
    let h = &e.history;
    ScanRow {
        live: true,
        available: f.available,
        has_attributes: !f.attributes.is_empty(),
        has_embedding: f.embedding.is_some(),
        langs_mask: e
            .langs
            .iter()
            .filter(|&&l| l < 64)
            .fold(0u64, |m, &l| m | 1 << l),
        langs_overflow: e.langs.iter().any(|&l| l >= 64),
        rate: f.hourly_rate,
        weekly_hours: f.weekly_hours,
        zone: e.zone,
        country: e.country,
        region: e.region,
        hours: e.hours,
        completed: h.contracts_completed,
        total: h.contracts_total,
        active: h.active_contracts,
        ratings_count: h.ratings_count,
        ratings_sum: h.ratings_sum,
        last_active: f.last_active.map(|t| t.timestamp()),
        experience: factors::experience(h.contracts_completed, f.experience_years),
        load: factors::availability_load(h.active_contracts),
        rating_den: REPUTATION_STRENGTHS.0 + h.ratings_count as f64,
        success_den: h.contracts_total.saturating_sub(h.active_contracts) as f64
            + REPUTATION_STRENGTHS.1,
        claims_start,
        claims_len: e.claims.len() as u32,
    }
}

pub(super) fn seed_row_of(e: &FreelancerEntry, labels_start: u32) -> SeedRow {
    SeedRow {
        factors: SeedFreelancerFactors::of(&e.seed_freelancer()),
        labels_start,
        labels_len: e.seed_skills.labels().len() as u32,
        summary: e.seed_skills.summary(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::catalog::Catalog;
    use super::*;
    use crate::domain::SkillClaim;
    use crate::domain::{Freelancer, History};
    use crate::skills::ResolutionConfig;
    use crate::skills::builtin;

    /// The row's cached reputation denominators, experience and load give the factor
    /// functions' values to the bit, under the catalogue's prior and others.
    #[test]
    fn cached_factor_parts_equal_the_factor_functions() {
        let mut cat = Catalog::new(builtin(), ResolutionConfig::default());
        for i in 0..40u32 {
            let mut f = Freelancer::new(format!("f{i}"));
            f.skills = vec![SkillClaim {
                skill: "Python".to_owned(),
                level: None,
                years: None,
                verified: false,
            }];
            f.experience_years = (i % 3 == 0).then_some(i as f64 * 0.7);
            let h = History {
                ratings_sum: 3.7 * (i % 7) as f64,
                ratings_count: i % 7,
                contracts_completed: i % 5,
                contracts_total: i % 5 + i % 3,
                active_contracts: i % 3,
                ..History::default()
            };
            let e = cat.compile_freelancer(f, h).unwrap();
            cat.put_freelancer(e).unwrap();
        }
        let priors = [
            cat.stats.prior(),
            ReputationPrior::default(),
            ReputationPrior {
                mean_rating: 3.3,
                success_rate: 0.61,
                ..ReputationPrior::default()
            },
        ];
        for (row, e) in cat.rows.iter().zip(&cat.freelancers) {
            let e = e.as_ref().unwrap();
            let h = &e.history;
            for p in &priors {
                let want = factors::reputation(
                    p,
                    h.ratings_sum,
                    h.ratings_count,
                    h.contracts_completed,
                    h.contracts_total - h.active_contracts,
                );
                assert_eq!(row.reputation(p).to_bits(), want.to_bits());
            }
            for level in [None, Some(crate::domain::ExperienceLevel::Expert)] {
                assert_eq!(
                    factors::experience_fit_of(level, row.experience).to_bits(),
                    factors::experience_fit(level, h.contracts_completed, e.input.experience_years)
                        .to_bits()
                );
            }
            assert_eq!(
                factors::availability_fit_with_load(Some(20.0), Some(30.0), row.load).to_bits(),
                factors::availability_fit(Some(20.0), Some(30.0), h.active_contracts).to_bits()
            );
        }
    }
}
