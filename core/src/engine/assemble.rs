//! Factor assembly: a pair's factor values for the [`FactorSet`] a scorer reads, from the
//! compiled rows. The factor functions are `score/`'s; weights, totals and bounds are the
//! scorer's. Nothing here reads a weight.

use super::catalog::{FreelancerEntry, JobEntry};
use super::request::PairView;
use crate::score::factors;
use crate::score::megilance::{
    self, MegilanceFreelancer, MegilanceJob, MegilanceScore, SkillRounding,
};
use crate::skills::SkillFit;

impl PairView<'_> {
    /// The `default` factors (`None` = not applicable) in [`crate::score::DEFAULT_FACTORS`]
    /// order, with skill fit `fit`.
    pub fn default_values(&self, fit: &SkillFit) -> [Option<f64>; 9] {
        let mut values = self.cheap_default_values();
        self.complete_default_values(&mut values, fit);
        values
    }

    /// The `default` factors that cost a few operations per candidate: rate, experience,
    /// availability, reputation, recency and language, the job-independent parts read from
    /// the row (cached on every write of it); skills, timezone and semantic (slots 0, 6, 8)
    /// are `None`, to be bounded before [`PairView::complete_default_values`] fills them.
    #[inline]
    pub fn cheap_default_values(&self) -> [Option<f64>; 9] {
        let (j, f) = (self.j, self.f);
        let budget = j.input.budget.as_ref();
        let language = if j.preferred_langs.is_empty() {
            1.0
        } else {
            let hit = j
                .preferred_langs
                .iter()
                .filter(|&&l| self.speaks(&[l]))
                .count();
            hit as f64 / j.preferred_langs.len() as f64
        };
        [
            None,
            Some(factors::rate_fit(
                budget.map(|b| b.kind),
                budget.and_then(|b| b.max),
                budget.and_then(|b| b.estimated_hours),
                f.rate,
            )),
            Some(factors::experience_fit_of(
                j.input.experience_level,
                f.experience,
            )),
            Some(factors::availability_fit_with_load(
                f.weekly_hours,
                j.input.hours_per_week,
                f.load,
            )),
            Some(f.reputation(&self.ctx.prior)),
            Some(self.ctx.recency.get(f.last_active)),
            None,
            Some(language),
            None,
        ]
    }

    /// Fills the skill (`fit`), timezone and semantic factors of `values` (from
    /// [`PairView::cheap_default_values`]).
    pub fn complete_default_values(&self, values: &mut [Option<f64>; 9], fit: &SkillFit) {
        let (j, f) = (self.j, self.f);
        let shorter = (j.hours.1 - j.hours.0).min(f.hours.1 - f.hours.0);
        let tz = match j.zone {
            None => 1.0,
            Some(_) => factors::timezone_fit(
                self.overlap(),
                j.input.timezone.as_ref().and_then(|t| t.min_overlap_hours),
                shorter,
            ),
        };
        values[0] = Some(fit.score);
        values[6] = Some(tz);
        values[8] = if f.has_embedding && j.input.embedding.is_some() {
            semantic(j, self.ctx.entry(self.fdoc))
        } else {
            None
        };
    }

    /// The seed's factors without the skill factor (slot 0 `None`), to bound the pair
    /// before its skills are compared.
    pub fn megilance_without_skill(&self) -> [Option<f64>; 8] {
        self.ctx.cat.seed_rows[self.fdoc]
            .factors
            .factors(&megilance_job(self.j), self.ctx.now)
    }

    /// The seed's full score of the pair (with the scorer's weights).
    pub fn megilance(&self) -> MegilanceScore {
        let f = self.ctx.entry(self.fdoc);
        let w = self.ctx.scorer.weights().values();
        let weights: [f64; 8] = std::array::from_fn(|i| w.get(i).copied().unwrap_or(0.0));
        megilance::score(
            &megilance_job(self.j),
            &f.seed_freelancer(),
            self.ctx.now,
            &weights,
        )
    }

    /// The seed's skill factor of the pair (rounded to 4 dp as the seed does), from the
    /// labels compiled on upsert: integer comparisons, the rounding remembered in `round`.
    pub fn megilance_skill(&self, round: &mut SkillRounding) -> f64 {
        let cat = self.ctx.cat;
        megilance::skill_value(
            self.j.seed_skills.view(),
            cat.seed_skills_of(&cat.seed_rows[self.fdoc]),
            round,
        )
    }
}

fn megilance_job(j: &JobEntry) -> MegilanceJob<'_> {
    let b = j.input.budget.as_ref();
    MegilanceJob {
        skills: &j.raw_labels,
        budget_kind: b.map(|b| b.kind),
        budget_min: b.and_then(|b| b.min),
        budget_max: b.and_then(|b| b.max),
        experience_level: j.input.experience_level,
    }
}

impl FreelancerEntry {
    /// What the megilance_v1 seed reads of this freelancer.
    pub fn seed_freelancer(&self) -> MegilanceFreelancer<'_> {
        let h = &self.history;
        MegilanceFreelancer {
            skills: &self.raw_labels,
            hourly_rate: self.input.hourly_rate,
            contracts_completed: h.contracts_completed,
            contracts_total: h.contracts_total,
            active_contracts: h.active_contracts,
            ratings_sum: h.ratings_sum,
            ratings_count: h.ratings_count,
            proposals_sent: h.proposals_sent,
            proposals_accepted: h.proposals_accepted,
            last_proposal_at: h.last_proposal_at,
            last_contract_at: h.last_contract_at,
        }
    }
}

/// The semantic factor of a pair with embeddings of one model and dimension.
fn semantic(j: &JobEntry, f: &FreelancerEntry) -> Option<f64> {
    let (a, b) = (j.input.embedding.as_ref()?, f.input.embedding.as_ref()?);
    if a.model != b.model || a.vector.len() != b.vector.len() {
        return None;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (x, y) in a.vector.iter().zip(&b.vector) {
        dot += *x as f64 * *y as f64;
        na += *x as f64 * *x as f64;
        nb += *y as f64 * *y as f64;
    }
    if na == 0.0 || nb == 0.0 {
        return None;
    }
    Some(factors::semantic_fit(dot / (na.sqrt() * nb.sqrt())))
}
