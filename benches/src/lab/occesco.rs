//! `occupation_esco`: the **engine's occupation evidence alone** (skills/occupation.rs, the
//! taxonomy's [`fairmatch::skills::OccupationProfiles`]), as a ranker of its own. It never
//! reads `truth_*.jsonl`: the only inputs are the skill labels as written in `jobs.jsonl` /
//! `freelancers.jsonl` and the ESCO folder the marketplace's manifest names (the same
//! `fairmatch::import_esco_dir` import the generator and the engine use).
//!
//! It began as the prototype that showed occupation profiles could beat the lexical baselines
//! (then the engine took the formula over; one home for it now):
//!
//! - **Occupation profiles**: for *every* occupation of the ESCO import that has at least one
//!   skill (about 3,000; the ranker does not know which ones a lab generator drew from),
//!   `P(s | o) = (w(o, s) + α) / (W(o) + α·V)`, `w` = 2 essential, 1 optional; α = 0.05;
//!   uniform prior over occupations.
//! - **Labels → ESCO skills** with the engine's own resolver (`Taxonomy::resolve_with` under
//!   the default [`ResolutionConfig`]); unresolved labels are ignored ([`OccEsco::job_labels`],
//!   [`OccEsco::freelancer_labels`] count them).
//! - **Posteriors** by naive Bayes over the item's distinct resolved skills, truncated to the
//!   20 most probable occupations and renormalised (`OccupationProfiles::posterior`).
//! - **Score** `Σ_o P(o | job) · P(o | f)`: the probability that both sides are the same
//!   occupation. No ISCO grading (that is the truth's rule). The engine's factor divides this
//!   by `max_o P(o | job)`, which does not change a job's ranking.
//!
//! Caveat: the lab's generator draws every persona's and job's skills from these same ESCO
//! relations, so on lab data this signal is close to the generative model; on real profiles
//! the gain would be smaller.

use std::collections::HashMap;
use std::path::Path;

use fairmatch::skills::{OccupationPosterior, ResolutionConfig, normalize_label};
use rayon::prelude::*;

use super::LabError;
use super::market::Marketplace;
use super::oracle::MatchCount;
use super::source::{TaxonomySource, require_dir};

/// `λ` of `occupation_esco_bm25` (BM25 / max + λ · occupation / max, per job), chosen on the
/// tuning marketplace (seed 2, 5,000 × 500) from {0.25, 0.5, 1, 2}.
pub const BM25_LAMBDA: f64 = 2.0;

/// The occupation profiles and the truncated posteriors of every job and freelancer.
#[derive(Debug)]
pub struct OccEsco {
    /// Occupations with at least one skill (profiles built).
    pub occupations: usize,
    /// Skills of the taxonomy (`V`).
    pub vocabulary: usize,
    jobs: Vec<OccupationPosterior>,
    freelancers: Vec<OccupationPosterior>,
    /// Job labels (as written) the resolver mapped to an ESCO skill.
    pub job_labels: MatchCount,
    /// Freelancer labels (as written) the resolver mapped to an ESCO skill.
    pub freelancer_labels: MatchCount,
}

impl OccEsco {
    /// Builds the profiles from the ESCO folder `m`'s manifest names and the posteriors of
    /// `m`'s jobs and freelancers (labels as written). An error for a marketplace built on
    /// the built-in taxonomy (no ESCO occupations) or a missing folder.
    pub fn new(m: &Marketplace) -> Result<Self, LabError> {
        let TaxonomySource::Esco { dir } = &m.manifest.taxonomy else {
            return Err(LabError::Config(
                "occupation_esco needs a marketplace generated from ESCO".into(),
            ));
        };
        Self::from_esco_dir(m, dir)
    }

    /// [`OccEsco::new`] with the ESCO folder given.
    pub fn from_esco_dir(m: &Marketplace, dir: &Path) -> Result<Self, LabError> {
        require_dir(dir, "ESCO CSV folder")?;
        let imp = fairmatch::import_esco_dir(dir)?;
        let t = &imp.taxonomy;
        let v = t.len();
        let profiles = t.occupations().ok_or_else(|| {
            LabError::Config(format!(
                "{}: the ESCO import has no occupations",
                dir.display()
            ))
        })?;
        // every distinct label, resolved once with the engine's default rules
        let cfg = ResolutionConfig::default();
        let mut labels: Vec<String> = m
            .jobs
            .iter()
            .flat_map(|j| j.skills.iter().map(|s| normalize_label(&s.skill)))
            .chain(
                m.freelancers
                    .iter()
                    .flat_map(|f| f.skills.iter().map(|s| normalize_label(&s.skill))),
            )
            .collect();
        labels.sort_unstable();
        labels.dedup();
        let resolved: HashMap<String, u32> = labels
            .into_par_iter()
            .filter_map(|l| {
                let r = t.resolve_with(&l, &cfg).skill?;
                ((r as usize) < v).then_some((l, r))
            })
            .collect();
        let ids = |labels: &mut dyn Iterator<Item = &str>, count: &mut MatchCount| {
            let mut ids = Vec::new();
            for l in labels {
                count.total += 1;
                if let Some(&id) = resolved.get(&normalize_label(l)) {
                    count.matched += 1;
                    ids.push(id);
                }
            }
            ids
        };
        let mut job_labels = MatchCount::default();
        let job_ids: Vec<Vec<u32>> = m
            .jobs
            .iter()
            .map(|j| {
                ids(
                    &mut j.skills.iter().map(|s| s.skill.as_str()),
                    &mut job_labels,
                )
            })
            .collect();
        let mut freelancer_labels = MatchCount::default();
        let freelancer_ids: Vec<Vec<u32>> = m
            .freelancers
            .iter()
            .map(|f| {
                ids(
                    &mut f.skills.iter().map(|s| s.skill.as_str()),
                    &mut freelancer_labels,
                )
            })
            .collect();
        let post = |s: &Vec<u32>| profiles.posterior(s.iter().copied());
        let jobs = job_ids.par_iter().map(post).collect();
        let freelancers = freelancer_ids.par_iter().map(post).collect();
        Ok(Self {
            occupations: profiles.len(),
            vocabulary: v,
            jobs,
            freelancers,
            job_labels,
            freelancer_labels,
        })
    }

    /// Job `j`'s posterior as a dense vector over the occupations.
    pub fn job_dense(&self, j: usize) -> Vec<f64> {
        let mut d = vec![0f64; self.occupations];
        for &(o, p) in self.jobs[j].iter() {
            d[o as usize] = f64::from(p);
        }
        d
    }

    /// `Σ_o P(o | job) · P(o | f)` given the job's [`OccEsco::job_dense`].
    pub fn score(&self, job_dense: &[f64], f: usize) -> f64 {
        self.freelancers[f]
            .iter()
            .map(|&(o, q)| f64::from(q) * job_dense[o as usize])
            .sum()
    }

    /// The truncated posterior of job `j` (profile, probability), ascending by profile.
    pub fn job_posterior(&self, j: usize) -> &[(u32, f32)] {
        &self.jobs[j]
    }

    /// The truncated posterior of freelancer `f`.
    pub fn freelancer_posterior(&self, f: usize) -> &[(u32, f32)] {
        &self.freelancers[f]
    }
}
