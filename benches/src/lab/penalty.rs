//! How much of the rater bias reaches the ranking, with the engine's shrunk reputation versus
//! a raw-mean one (research/fairness.md §3 item 5: shrinkage for ranking).
//!
//! Definition. For every job, the default preset ranks its pool; the reputation factor is then
//! re-computed four ways and the totals re-scored exactly (`total + w_rep·(rep' − rep)`, with
//! the normalised weight the engine reports): {shrunk (the engine's Bayesian average, prior
//! strength 5 reviews), raw mean (Σ ratings / n; the prior mean when n = 0, so newcomers are
//! treated alike in both)} × {the generated past ratings (biased), the same draws without the
//! bias (the counterfactual)}. The success-rate part is the engine's in all four. The
//! protected group's exposure in the top k (log position weights, summed over jobs) is
//! compared between the biased and the unbiased world:
//!
//! `penalty = 1 − exposure(protected | biased) / exposure(protected | unbiased)`
//!
//! and shrinkage "halves the penalty" when `penalty(shrunk) ≤ 0.5 · penalty(raw)`. Intervals
//! are paired bootstrap intervals over jobs.
//!
//! Exactness: the engine returns the best `depth` candidates; a candidate below them can
//! enter a variant's top k only if its reputation gain, times the largest reputation weight,
//! exceeds the gap from the depth-th score to the variant's k-th score. Jobs where that bound
//! does not rule it out are counted in [`Penalty::inexact_jobs`].

use fairmatch::score::DEFAULT_FACTORS;
use fairmatch::score::factors::{ReputationPrior, reputation};
use fairmatch::{Engine, RecommendOptions};
use serde::Serialize;

use super::LabError;
use super::eval::{Estimate, ratio_estimate, resamples};
use super::market::Marketplace;
use super::rankers::top_k;

/// One reputation variant's result.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// `shrunk` or `raw_mean`.
    pub reputation: String,
    /// Protected group's share of top-k exposure with the biased ratings.
    pub protected_share_biased: Estimate,
    /// … with the unbiased ratings.
    pub protected_share_unbiased: Estimate,
    /// `1 − exposure(biased)/exposure(unbiased)` of the protected group.
    pub penalty: Estimate,
    /// Mean rank (1-based, within the top k) of protected freelancers shown, biased world.
    pub protected_mean_rank_biased: f64,
    /// … unbiased world.
    pub protected_mean_rank_unbiased: f64,
}

/// The comparison.
#[derive(Debug, Clone, Serialize)]
pub struct Penalty {
    /// Cut-off.
    pub k: usize,
    /// Candidates fetched from the engine per job.
    pub depth: usize,
    /// Jobs.
    pub jobs: usize,
    /// Jobs whose top k could not be proven exact (see the module docs).
    pub inexact_jobs: usize,
    /// Largest |recomputed − engine| reputation of the shrunk, biased variant (checks that
    /// the recomputation is the engine's formula).
    pub max_reputation_mismatch: f64,
    /// Rater bias of the marketplace (stars).
    pub rater_bias: f64,
    /// Shrunk (engine) reputation.
    pub shrunk: Variant,
    /// Raw-mean reputation.
    pub raw_mean: Variant,
    /// `penalty(shrunk) / penalty(raw_mean)` with its paired interval (target ≤ 0.5).
    pub penalty_ratio: Estimate,
}

fn raw_reputation(prior: &ReputationPrior, sum: f64, n: u32, completed: u32, finished: u32) -> f64 {
    let rating = if n > 0 {
        sum / f64::from(n)
    } else {
        prior.mean_rating
    };
    let success = (f64::from(completed) + prior.success_strength * prior.success_rate)
        / (f64::from(finished) + prior.success_strength);
    (0.6 * (rating - 1.0) / 4.0 + 0.4 * success).clamp(0.0, 1.0)
}

/// Measures the penalty on `engine` (built from `m`, untouched by any simulation).
pub fn measure(
    m: &Marketplace,
    engine: &Engine,
    k: usize,
    depth: usize,
    resample_count: usize,
    seed: u64,
    progress: &(dyn Fn() + Sync),
) -> Result<Penalty, LabError> {
    use rayon::prelude::*;
    let n = m.freelancers.len();
    let hist: Vec<fairmatch::History> = m
        .freelancers
        .iter()
        .map(|f| f.history.clone().unwrap_or_default())
        .collect();
    let prior_of = |sums: &dyn Fn(usize) -> f64| {
        let (mut s, mut c, mut comp, mut fin) = (0.0, 0u64, 0u64, 0u64);
        for (i, h) in hist.iter().enumerate() {
            s += sums(i);
            c += u64::from(h.ratings_count);
            comp += u64::from(h.contracts_completed);
            fin += u64::from(h.contracts_total.saturating_sub(h.active_contracts));
        }
        let d = ReputationPrior::default();
        ReputationPrior {
            mean_rating: if c > 0 { s / c as f64 } else { d.mean_rating },
            success_rate: if fin > 0 {
                (comp as f64 / fin as f64).min(1.0)
            } else {
                d.success_rate
            },
            ..d
        }
    };
    let biased = |i: usize| hist[i].ratings_sum;
    let unbiased = |i: usize| m.personas[i].ratings_sum_unbiased;
    let (pb, pu) = (prior_of(&biased), prior_of(&unbiased));
    let rep = |shrunk: bool, prior: &ReputationPrior, sum: f64, h: &fairmatch::History| {
        let fin = h.contracts_total.saturating_sub(h.active_contracts);
        if shrunk {
            reputation(prior, sum, h.ratings_count, h.contracts_completed, fin)
        } else {
            raw_reputation(prior, sum, h.ratings_count, h.contracts_completed, fin)
        }
    };
    // variants: [shrunk biased (= engine), shrunk unbiased, raw biased, raw unbiased]
    let reps: Vec<[f64; 4]> = (0..n)
        .map(|i| {
            let h = &hist[i];
            [
                rep(true, &pb, biased(i), h),
                rep(true, &pu, unbiased(i), h),
                rep(false, &pb, biased(i), h),
                rep(false, &pu, unbiased(i), h),
            ]
        })
        .collect();
    let gain: Vec<f64> = (0..4)
        .map(|v| reps.iter().map(|r| r[v] - r[0]).fold(0.0f64, f64::max))
        .collect();
    // the largest normalised reputation weight any candidate can have (no semantic factor)
    let factor = |n: &str| {
        DEFAULT_FACTORS
            .iter()
            .find(|f| f.0 == n)
            .map_or(0.0, |f| f.1)
    };
    let max_rep_weight = factor("reputation") / (1.0 - factor("semantic"));
    let index_of: std::collections::HashMap<&str, u32> = m
        .freelancers
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i as u32))
        .collect();
    let opts = RecommendOptions {
        k: depth,
        explain: false,
        now: Some(super::generate::reference_time()),
        ..RecommendOptions::default()
    };
    type JobOut = ([f64; 4], [f64; 4], [(f64, u64); 4], bool, f64);
    let per_job: Vec<JobOut> = (0..m.jobs.len())
        .into_par_iter()
        .map(|j| -> Result<JobOut, LabError> {
            let recs = engine.recommend_freelancers(&m.jobs[j].id, &opts)?;
            let mut mismatch = 0.0f64;
            let mut max_w = 0.0f64;
            let rows: Vec<(u32, f64, f64)> = recs
                .matches
                .iter()
                .map(|x| {
                    let d = index_of[x.id.as_str()];
                    let f = x.factors.iter().find(|f| f.name == "reputation");
                    let (v, w) = f.map_or((0.0, 0.0), |f| (f.value, f.weight));
                    mismatch = mismatch.max((v - reps[d as usize][0]).abs());
                    max_w = max_w.max(w);
                    (d, x.score, w)
                })
                .collect();
            let floor = rows.last().map_or(f64::NEG_INFINITY, |r| r.1);
            let full = recs.matches.len() < depth;
            let ids: Vec<u32> = (0..rows.len() as u32).collect();
            let mut exposure = [0.0; 4];
            let mut total = [0.0; 4];
            let mut ranks = [(0.0, 0u64); 4];
            let mut exact = true;
            for v in 0..4 {
                let score = |i: u32| {
                    let (d, s, w) = rows[i as usize];
                    s + w * (reps[d as usize][v] - reps[d as usize][0])
                };
                let top = top_k(&ids, score, k);
                if !full && top.len() == k {
                    let kth = score(top[k - 1]);
                    if floor + max_w.max(max_rep_weight) * gain[v] >= kth {
                        exact = false;
                    }
                }
                for (pos, &i) in top.iter().enumerate() {
                    let w = 1.0 / ((pos + 2) as f64).log2();
                    total[v] += w;
                    if m.personas[rows[i as usize].0 as usize].protected {
                        exposure[v] += w;
                        ranks[v].0 += (pos + 1) as f64;
                        ranks[v].1 += 1;
                    }
                }
            }
            progress();
            Ok((exposure, total, ranks, exact, mismatch))
        })
        .collect::<Result<_, _>>()?;
    let samples = resamples(per_job.len(), resample_count, seed);
    let col = |f: &dyn Fn(&JobOut) -> f64| -> Vec<f64> { per_job.iter().map(f).collect() };
    let variant = |name: &str, b: usize, u: usize| {
        let eb = col(&|x| x.0[b]);
        let eu = col(&|x| x.0[u]);
        let tb = col(&|x| x.1[b]);
        let tu = col(&|x| x.1[u]);
        // penalty = 1 − Σ exposure_b / Σ exposure_u, bootstrapped as a paired ratio
        let r = ratio_estimate(&eb, &eu, &samples);
        let mean_rank = |v: usize| {
            let (s, c) = per_job
                .iter()
                .fold((0.0, 0u64), |a, x| (a.0 + x.2[v].0, a.1 + x.2[v].1));
            s / c.max(1) as f64
        };
        Variant {
            reputation: name.into(),
            protected_share_biased: ratio_estimate(&eb, &tb, &samples),
            protected_share_unbiased: ratio_estimate(&eu, &tu, &samples),
            penalty: Estimate {
                mean: 1.0 - r.mean,
                lo: 1.0 - r.hi,
                hi: 1.0 - r.lo,
            },
            protected_mean_rank_biased: mean_rank(b),
            protected_mean_rank_unbiased: mean_rank(u),
        }
    };
    let shrunk = variant("shrunk", 0, 1);
    let raw = variant("raw_mean", 2, 3);
    // paired ratio of penalties over the same resampled jobs
    let pen = |s: &[u32], b: usize, u: usize| {
        let eb: f64 = s.iter().map(|&i| per_job[i as usize].0[b]).sum();
        let eu: f64 = s.iter().map(|&i| per_job[i as usize].0[u]).sum();
        1.0 - eb / eu
    };
    let all: Vec<u32> = (0..per_job.len() as u32).collect();
    let boots: Vec<f64> = samples
        .iter()
        .map(|s| pen(s, 0, 1) / pen(s, 2, 3))
        .filter(|x| x.is_finite())
        .collect();
    let (lo, hi) = super::eval::percentile_interval(boots);
    Ok(Penalty {
        k,
        depth,
        jobs: per_job.len(),
        inexact_jobs: per_job.iter().filter(|x| !x.3).count(),
        max_reputation_mismatch: per_job.iter().map(|x| x.4).fold(0.0, f64::max),
        rater_bias: m.manifest.config.rater_bias,
        penalty_ratio: Estimate {
            mean: pen(&all, 0, 1) / pen(&all, 2, 3),
            lo,
            hi,
        },
        shrunk,
        raw_mean: raw,
    })
}
