//! `occupation_esco`: a **prototype of an occupation-profile relevance signal using only
//! ESCO's public occupation–skill relations (no truth files)**. Unlike
//! [`super::oracle`] it never reads `truth_*.jsonl`: the only inputs are the skill labels as
//! written in `jobs.jsonl` / `freelancers.jsonl` and the ESCO folder the marketplace's manifest
//! names (the same `fairmatch::import_esco_dir` import the generator and the engine use).
//!
//! - **Occupation profiles**: for *every* occupation of the ESCO import that has at least one
//!   skill (about 3,000; the ranker does not know which ones a lab generator drew from),
//!   `P(s | o) = (w(o, s) + α) / (W(o) + α·V)` with `w` = 2 for an essential skill, 1 for an
//!   optional one, 0 otherwise, `W(o) = Σ_s w(o, s)`, `V` the taxonomy's skill count and
//!   additive smoothing `α` = [`ALPHA`] = 0.05. Uniform prior over occupations.
//! - **Labels → ESCO skills** with the engine's own resolver (`Taxonomy::resolve_with` under
//!   the default [`ResolutionConfig`]: exact and alias keys, contained labels, acronyms,
//!   trigram similarity); unresolved labels are ignored ([`OccEsco::job_labels`],
//!   [`OccEsco::freelancer_labels`] count them).
//! - **Posteriors** `P(o | x) ∝ Π_{s ∈ S(x)} P(s | o)` by naive Bayes in log space over the
//!   item's distinct resolved skills, truncated to the [`TOP`] = 20 most probable occupations
//!   (ties by occupation index) and renormalised; an item with no resolved skill has an empty
//!   posterior (score 0).
//! - **Score** `Σ_o P(o | job) · P(o | f)`: the probability that both sides are the same
//!   occupation. No ISCO grading (that is the truth's rule).
//!
//! Caveat: the lab's generator draws every persona's and job's skills from these same ESCO
//! relations, so on lab data this signal is close to the generative model; on real profiles
//! the gain would be smaller.

use std::collections::HashMap;
use std::path::Path;

use fairmatch::skills::{ResolutionConfig, normalize_label};
use rayon::prelude::*;

use super::LabError;
use super::market::Marketplace;
use super::oracle::{MatchCount, truncate};
use super::source::{TaxonomySource, require_dir};

/// Additive smoothing of `P(s | o)` over the taxonomy's skills.
pub const ALPHA: f64 = 0.05;

/// Weight of an essential skill in an occupation profile (optional skills weigh 1).
pub const ESSENTIAL_WEIGHT: f64 = 2.0;

/// Occupations kept per posterior (then renormalised).
pub const TOP: usize = super::oracle::TOP;

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
    jobs: Vec<Vec<(u32, f64)>>,
    freelancers: Vec<Vec<(u32, f64)>>,
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
        // skill → (occupation, ln((w + α)/α)); per occupation ln(α / (W + α·V))
        let mut postings: Vec<Vec<(u32, f64)>> = vec![Vec::new(); v];
        let mut base: Vec<f64> = Vec::new();
        for o in &imp.occupations {
            let mut w: HashMap<u32, f64> = HashMap::new();
            for &s in &o.optional {
                w.insert(s, 1.0);
            }
            for &s in &o.essential {
                w.insert(s, ESSENTIAL_WEIGHT);
            }
            w.retain(|&s, _| (s as usize) < v);
            if w.is_empty() {
                continue;
            }
            let id = base.len() as u32;
            let total: f64 = w.values().sum();
            base.push(ALPHA.ln() - (total + ALPHA * v as f64).ln());
            let mut w: Vec<(u32, f64)> = w.into_iter().collect();
            w.sort_unstable_by_key(|x| x.0);
            for (s, x) in w {
                postings[s as usize].push((id, ((x + ALPHA) / ALPHA).ln()));
            }
        }
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
        let posterior = |skills: &[u32]| -> Vec<(u32, f64)> {
            if skills.is_empty() {
                return Vec::new();
            }
            let n = skills.len() as f64;
            let mut lp: Vec<f64> = base.iter().map(|b| b * n).collect();
            for &s in skills {
                for &(o, x) in &postings[s as usize] {
                    lp[o as usize] += x;
                }
            }
            truncate(&lp)
        };
        let ids = |labels: &mut dyn Iterator<Item = &str>, count: &mut MatchCount| {
            let mut ids = Vec::new();
            for l in labels {
                count.total += 1;
                if let Some(&id) = resolved.get(&normalize_label(l)) {
                    count.matched += 1;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
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
        let jobs = job_ids.par_iter().map(|s| posterior(s)).collect();
        let freelancers = freelancer_ids.par_iter().map(|s| posterior(s)).collect();
        Ok(Self {
            occupations: base.len(),
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
        for &(o, p) in &self.jobs[j] {
            d[o as usize] = p;
        }
        d
    }

    /// `Σ_o P(o | job) · P(o | f)` given the job's [`OccEsco::job_dense`].
    pub fn score(&self, job_dense: &[f64], f: usize) -> f64 {
        self.freelancers[f]
            .iter()
            .map(|&(o, q)| q * job_dense[o as usize])
            .sum()
    }

    /// The truncated posterior of job `j` (occupation, probability), most probable first.
    pub fn job_posterior(&self, j: usize) -> &[(u32, f64)] {
        &self.jobs[j]
    }

    /// The truncated posterior of freelancer `f`.
    pub fn freelancer_posterior(&self, f: usize) -> &[(u32, f64)] {
        &self.freelancers[f]
    }
}
