//! `occupation_oracle`: a **reference ceiling that reads the answer key — not a fairmatch
//! scorer**. It estimates what a ranker that sees only skills could reach at best on a lab
//! marketplace, by inferring occupations from skills with a model fitted on the ground truth.
//!
//! - **Model** (fitted on `truth_freelancers.jsonl`, i.e. [`Marketplace::personas`]): for each
//!   occupation `o`, `P(s | o) = (n(o, s) + α) / (N(o) + α·V)` over the vocabulary of the `V`
//!   distinct canonical skill labels the catalogue's freelancers carry (lower-cased, trimmed),
//!   where `n(o, s)` counts the freelancers of `o` holding `s` and `N(o) = Σ_s n(o, s)`;
//!   additive (Laplace) smoothing with `α` = [`ALPHA`] = 0.1. Prior
//!   `P(o) = (freelancers of o + α) / (freelancers + α·occupations)`.
//! - **Posteriors** by multinomial naive Bayes over the item's distinct skills that are in the
//!   vocabulary (others are ignored), in log space, normalised:
//!   `P(o | x) ∝ P(o) · Π_s P(s | o)`. Jobs: their labels as written in `jobs.jsonl`,
//!   lower-cased and trimmed, matched to the vocabulary exactly ([`Oracle::job_labels`] says how
//!   many matched). Freelancers: their `canonical_skills` from the truth file (the oracle may see
//!   them: it is a ceiling), or — the `occupation_oracle_written` variant — their labels as
//!   written in `freelancers.jsonl`, matched exactly like the jobs'.
//! - Each posterior is **truncated to its [`TOP`] = 20 most probable occupations** (ties by
//!   occupation index) and renormalised, to keep scoring fast.
//! - **Score** of a (job, freelancer) pair: the expected gain
//!   `Σ_o Σ_o' P(o | job) · P(o' | f) · (2^g(o, o') − 1)` with `g` the truth's grade (3 same
//!   occupation, 2 same ISCO unit group, 1 same minor group, 0 otherwise), computed as
//!   `Σ_o' P(o' | f) · G_job(o')` with `G_job(o') = Σ_o P(o | job) · (2^g(o, o') − 1)`.

use std::collections::HashMap;

use serde::Serialize;

use super::eval::gain;
use super::market::{Marketplace, grade};

/// Additive smoothing of the skill distributions and the prior.
pub const ALPHA: f64 = 0.1;

/// Occupations kept per posterior (then renormalised).
pub const TOP: usize = 20;

/// How many labels matched the canonical vocabulary exactly.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct MatchCount {
    /// Labels found in the vocabulary.
    pub matched: usize,
    /// All labels.
    pub total: usize,
}

impl MatchCount {
    /// `matched / total` (0 without labels).
    pub fn share(&self) -> f64 {
        if self.total == 0 {
            0.0
        } else {
            self.matched as f64 / self.total as f64
        }
    }
}

/// The fitted oracle: truncated occupation posteriors of every job and freelancer.
#[derive(Debug)]
pub struct Oracle {
    occupations: usize,
    /// `2^g(o, o') − 1`, row-major `o · occupations + o'`.
    gains: Vec<f64>,
    jobs: Vec<Vec<(u32, f64)>>,
    freelancers: Vec<Vec<(u32, f64)>>,
    /// Job labels (as written) that matched a canonical label.
    pub job_labels: MatchCount,
    /// Freelancer labels used for the freelancer posteriors that matched (all of them for the
    /// canonical variant).
    pub freelancer_labels: MatchCount,
    /// Distinct canonical skill labels (`V`).
    pub vocabulary: usize,
}

fn key(label: &str) -> String {
    label.trim().to_lowercase()
}

/// Normalised probabilities of the `TOP` largest log-scores (ties by lower index).
fn truncate(log: &[f64]) -> Vec<(u32, f64)> {
    let mut v: Vec<(u32, f64)> = log
        .iter()
        .enumerate()
        .map(|(i, &l)| (i as u32, l))
        .collect();
    let cmp = |a: &(u32, f64), b: &(u32, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
    if v.len() > TOP {
        v.select_nth_unstable_by(TOP, cmp);
        v.truncate(TOP);
    }
    v.sort_unstable_by(cmp);
    let max = v.first().map_or(0.0, |x| x.1);
    for x in &mut v {
        x.1 = (x.1 - max).exp();
    }
    let sum: f64 = v.iter().map(|x| x.1).sum();
    for x in &mut v {
        x.1 /= sum;
    }
    v
}

impl Oracle {
    /// Fits the oracle on `m`'s truth; `written`: freelancer posteriors from the labels as
    /// written instead of the canonical ones.
    pub fn new(m: &Marketplace, written: bool) -> Self {
        let occs = m.occupations.len();
        let mut vocab: HashMap<String, u32> = HashMap::new();
        let canonical: Vec<Vec<u32>> = m
            .personas
            .iter()
            .map(|p| {
                let mut ids = Vec::new();
                for s in &p.canonical_skills {
                    let next = vocab.len() as u32;
                    let id = *vocab.entry(key(s)).or_insert(next);
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
                ids
            })
            .collect();
        let v = vocab.len();
        let mut counts = vec![0f64; v * occs];
        let mut totals = vec![0f64; occs];
        let mut members = vec![0f64; occs];
        for (p, ids) in m.personas.iter().zip(&canonical) {
            let o = p.occupation as usize;
            members[o] += 1.0;
            for &s in ids {
                counts[s as usize * occs + o] += 1.0;
                totals[o] += 1.0;
            }
        }
        let denom: Vec<f64> = totals.iter().map(|t| (t + ALPHA * v as f64).ln()).collect();
        let log_p: Vec<f64> = counts
            .iter()
            .enumerate()
            .map(|(i, c)| (c + ALPHA).ln() - denom[i % occs])
            .collect();
        let n = m.personas.len() as f64;
        let log_prior: Vec<f64> = members
            .iter()
            .map(|c| ((c + ALPHA) / (n + ALPHA * occs as f64)).ln())
            .collect();
        let posterior = |ids: &[u32]| {
            let mut lp = log_prior.clone();
            for &s in ids {
                for (a, b) in lp.iter_mut().zip(&log_p[s as usize * occs..][..occs]) {
                    *a += b;
                }
            }
            truncate(&lp)
        };
        let matched = |labels: &mut dyn Iterator<Item = &str>, count: &mut MatchCount| {
            let mut ids = Vec::new();
            for l in labels {
                count.total += 1;
                if let Some(&id) = vocab.get(&key(l)) {
                    count.matched += 1;
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            ids
        };
        let mut job_labels = MatchCount::default();
        let jobs = m
            .jobs
            .iter()
            .map(|j| {
                posterior(&matched(
                    &mut j.skills.iter().map(|s| s.skill.as_str()),
                    &mut job_labels,
                ))
            })
            .collect();
        let mut freelancer_labels = MatchCount::default();
        let freelancers = if written {
            m.freelancers
                .iter()
                .map(|f| {
                    posterior(&matched(
                        &mut f.skills.iter().map(|s| s.skill.as_str()),
                        &mut freelancer_labels,
                    ))
                })
                .collect()
        } else {
            canonical
                .iter()
                .zip(&m.personas)
                .map(|(ids, p)| {
                    freelancer_labels.total += p.canonical_skills.len();
                    freelancer_labels.matched += p.canonical_skills.len();
                    posterior(ids)
                })
                .collect()
        };
        let gains = (0..occs * occs)
            .map(|i| gain(grade(&m.occupations, (i / occs) as u32, (i % occs) as u32)))
            .collect();
        Self {
            occupations: occs,
            gains,
            jobs,
            freelancers,
            job_labels,
            freelancer_labels,
            vocabulary: v,
        }
    }

    /// `G_job(o') = Σ_o P(o | job) · (2^g(o, o') − 1)` for every occupation `o'`.
    pub fn job_gains(&self, j: usize) -> Vec<f64> {
        let mut g = vec![0f64; self.occupations];
        for &(o, p) in &self.jobs[j] {
            let row = &self.gains[o as usize * self.occupations..][..self.occupations];
            for (a, b) in g.iter_mut().zip(row) {
                *a += p * b;
            }
        }
        g
    }

    /// The expected gain of freelancer `f` given the job's [`Oracle::job_gains`].
    pub fn score(&self, job_gains: &[f64], f: usize) -> f64 {
        self.freelancers[f]
            .iter()
            .map(|&(o, q)| q * job_gains[o as usize])
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
