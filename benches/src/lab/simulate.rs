//! The feedback loop (research/fairness.md §1.6 and §3): rounds of arriving jobs, ranked
//! under a fairness policy (the engine's `options.fairness`); clients examine results with
//! position bias, invite by true relevance, freelancers accept while they have capacity, the
//! best applicant by true relevance is hired; contracts complete a few rounds later with a
//! review that carries the configured rater bias against the protected group. Impressions
//! (with positions and scores) and outcomes go through `record_impressions` /
//! `record_outcome`, so reputations, availability and the exposure ledger feed the next
//! round — and they are written as the engine's own event records (`Impressions`,
//! `Outcome`, one JSON document per line) for later learning work.
//!
//! Client model (fixed, documented, not tuned): examination at position j with probability
//! `1/log2(1 + j)` (the engine's log position model); invitation of an examined freelancer
//! of grade g with probability 0.02 / 0.10 / 0.35 / 0.70 (g = 0..3); acceptance 0.9 with no
//! active contract, 0.6 with one, 0.3 with two, none beyond; the applicant with the highest
//! grade is hired (ties: the better position). A contract lasts 2–8 rounds, then completes
//! and is reviewed with probability 0.85 at `stars(quality + 0.6·N(0,1) − 0.4·(3 − g) −
//! bias·protected)`.

use std::io::Write;

use fairmatch::metrics::gini;
use fairmatch::rerank::{
    ExplorationConfig, FairCoConfig, FairCoUnit, FairConfig, GeyikConfig, GroupTarget, MTableMode,
    RerankerConfig,
};
use fairmatch::{
    Engine, FairnessOptions, Impressions, Outcome, OutcomeKind, RecommendOptions, ZeroDivision,
};
use rand::Rng;
use serde::{Deserialize, Serialize};

use super::LabError;
use super::generate::{day, normal, stars, stream};
use super::market::Marketplace;

/// A fairness policy of the comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Policy {
    /// No re-ranking.
    None,
    /// megilance_v1's price-tier diversity step over the default preset's pool.
    MegilanceDiversity,
    /// FA*IR protecting the protected group at its population share (α = 0.1).
    Fair,
    /// Geyik et al.'s DetConstSort with the population shares of the protected attribute.
    DetConstSort,
    /// FairCo over individual freelancers (amortised exposure per merit).
    #[serde(rename = "fairco")]
    FairCo,
    /// Cold-start exploration for freelancers with few impressions.
    Exploration,
}

impl Policy {
    /// Every policy, in report order.
    pub const ALL: [Policy; 6] = [
        Policy::None,
        Policy::MegilanceDiversity,
        Policy::Fair,
        Policy::DetConstSort,
        Policy::FairCo,
        Policy::Exploration,
    ];

    /// The command-line / JSON name.
    pub fn name(self) -> &'static str {
        match self {
            Policy::None => "none",
            Policy::MegilanceDiversity => "megilance_diversity",
            Policy::Fair => "fair",
            Policy::DetConstSort => "det_const_sort",
            Policy::FairCo => "fairco",
            Policy::Exploration => "exploration",
        }
    }

    /// Parses a name (see [`Policy::name`]).
    pub fn parse(s: &str) -> Result<Policy, LabError> {
        Policy::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| {
                LabError::Config(format!(
                    "--policy: unknown `{s}` (one of {})",
                    Policy::ALL.map(Policy::name).join(", ")
                ))
            })
    }
}

/// Simulation settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimConfig {
    /// The policy.
    pub policy: Policy,
    /// Rounds (days).
    pub rounds: usize,
    /// Jobs arriving per round (0 = jobs / rounds, at least 1); jobs cycle when exhausted.
    pub jobs_per_round: usize,
    /// Results shown per job.
    pub k: usize,
    /// FairCo gain λ.
    pub fairco_lambda: f64,
    /// Exploration: largest boost (score units).
    pub exploration_boost: f64,
    /// Exploration: freelancers with fewer impressions are eligible.
    pub exploration_min_impressions: u64,
    /// Seed of the clients' and contracts' random draws.
    pub seed: u64,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            policy: Policy::None,
            rounds: 100,
            jobs_per_round: 0,
            k: 10,
            fairco_lambda: 0.01,
            exploration_boost: 0.05,
            exploration_min_impressions: 10,
            seed: 17,
        }
    }
}

/// The engine request options of a policy on marketplace `m` (protected share from its
/// manifest).
pub fn policy_options(m: &Marketplace, cfg: &SimConfig) -> RecommendOptions {
    let p = m.manifest.protected as f64 / m.manifest.freelancers.max(1) as f64;
    let protected = |policy: RerankerConfig| FairnessOptions {
        policy,
        attribute: Some("protected".into()),
        groups: vec!["yes".into(), "no".into()],
        pool: None,
    };
    let plain = |policy: RerankerConfig| FairnessOptions {
        policy,
        attribute: None,
        groups: Vec::new(),
        pool: None,
    };
    let fairness = match cfg.policy {
        Policy::None => None,
        Policy::MegilanceDiversity => Some(plain(RerankerConfig::PriceTier)),
        Policy::Fair => Some(protected(RerankerConfig::Fair(FairConfig {
            p,
            alpha: 0.1,
            mode: MTableMode::default(),
            protected_groups: vec![0],
        }))),
        Policy::DetConstSort => Some(protected(RerankerConfig::DetConstSort(GeyikConfig {
            targets: vec![
                GroupTarget {
                    group: 0,
                    proportion: p,
                },
                GroupTarget {
                    group: 1,
                    proportion: 1.0 - p,
                },
            ],
        }))),
        Policy::FairCo => Some(plain(RerankerConfig::FairCo(FairCoConfig {
            lambda: cfg.fairco_lambda,
            unit: FairCoUnit::Individual,
        }))),
        Policy::Exploration => Some(plain(RerankerConfig::Exploration(ExplorationConfig {
            max_boost: cfg.exploration_boost,
            min_impressions: cfg.exploration_min_impressions,
            max_promotion: None,
            seed: cfg.seed,
        }))),
    };
    RecommendOptions {
        k: cfg.k,
        explain: false,
        fairness,
        ..RecommendOptions::default()
    }
}

/// One round's numbers (shares and rates are cumulative from round 1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundStats {
    /// 1-based round.
    pub round: usize,
    /// Mean NDCG@k of this round's shown lists (true grades).
    pub ndcg: f64,
    /// Gini of cumulative exposure over all freelancers.
    pub exposure_gini: f64,
    /// Protected group's share of cumulative exposure.
    pub protected_exposure_share: f64,
    /// Newcomers' share of cumulative exposure.
    pub newcomer_exposure_share: f64,
    /// Protected group's share of hires so far.
    pub protected_hire_share: f64,
    /// Newcomers' share of hires so far.
    pub newcomer_hire_share: f64,
    /// Hire rate per impression, protected / unprotected.
    pub protected_disparate_impact: f64,
    /// Hire rate per impression, newcomers / established.
    pub newcomer_disparate_impact: f64,
    /// Newcomers hired at least once so far.
    pub newcomers_hired: usize,
    /// Hires this round.
    pub hires: usize,
}

/// The result of a simulation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimResult {
    /// Settings.
    pub config: SimConfig,
    /// Per round.
    pub rounds: Vec<RoundStats>,
    /// Mean NDCG@k over all shown lists.
    pub mean_ndcg: f64,
    /// The last round's cumulative values.
    pub last: RoundStats,
    /// Protected share of freelancers.
    pub protected_population_share: f64,
    /// Newcomer share of freelancers.
    pub newcomer_population_share: f64,
    /// Newcomers at the start.
    pub newcomers: usize,
    /// Median round of a newcomer's first hire (over those hired; `None` if none).
    pub newcomer_first_hire_median: Option<f64>,
    /// Mean first-hire round counting never-hired newcomers as `rounds + 1` (a restricted
    /// mean: lower is better).
    pub newcomer_first_hire_restricted_mean: f64,
    /// Impressions and outcomes recorded.
    pub events: usize,
}

/// A simulation run on a copy of `base` (the engine is changed by the run).
pub fn simulate(
    m: &Marketplace,
    engine: &Engine,
    cfg: &SimConfig,
    mut log: Option<&mut dyn Write>,
    progress: &dyn Fn(),
) -> Result<SimResult, LabError> {
    if cfg.rounds == 0 || cfg.k == 0 {
        return Err(LabError::Config("--rounds and --k must be ≥ 1".into()));
    }
    let n = m.freelancers.len();
    let per_round = if cfg.jobs_per_round == 0 {
        (m.jobs.len() / cfg.rounds).max(1)
    } else {
        cfg.jobs_per_round
    };
    let index_of: std::collections::HashMap<&str, usize> = m
        .freelancers
        .iter()
        .enumerate()
        .map(|(i, f)| (f.id.as_str(), i))
        .collect();
    let opts = policy_options(m, cfg);
    let pools: Vec<[usize; 4]> = {
        let ctx = super::rankers::RankContext::new(m);
        (0..m.jobs.len())
            .map(|j| {
                let mut c = [0usize; 4];
                for f in ctx.pool(j) {
                    c[m.grade(j, f as usize) as usize] += 1;
                }
                c
            })
            .collect()
    };
    let protected: Vec<bool> = m.personas.iter().map(|p| p.protected).collect();
    let newcomer: Vec<bool> = m.personas.iter().map(|p| p.newcomer).collect();
    let mut exposure = vec![0f64; n];
    let mut impressions = vec![0u64; n];
    let mut hires = vec![0u64; n];
    let mut active = vec![0u32; n];
    let mut first_hire: Vec<Option<usize>> = vec![None; n];
    // (due round, freelancer, job, grade)
    let mut pending: Vec<(usize, usize, usize, u8)> = Vec::new();
    let mut rng = stream(cfg.seed, 200, 0);
    let mut rounds = Vec::new();
    let mut events = 0usize;
    let mut ndcg_sum = 0.0;
    let mut lists = 0usize;
    let write = |log: &mut Option<&mut dyn Write>, ev: &Event| -> Result<(), LabError> {
        if let Some(w) = log.as_mut() {
            serde_json::to_writer(&mut **w, ev)?;
            w.write_all(b"\n")
                .map_err(|e| LabError::Data(format!("event log: {e}")))?;
        }
        Ok(())
    };
    let outcome = |f: usize, j: usize, kind: OutcomeKind, rating: Option<f64>, at| Outcome {
        freelancer_id: m.freelancers[f].id.clone(),
        job_id: Some(m.jobs[j].id.clone()),
        kind,
        rating,
        at,
    };
    for round in 1..=cfg.rounds {
        let t0 = day(round as i64);
        // contracts due this round complete first (a review follows)
        let (due, rest): (Vec<_>, Vec<_>) = pending.into_iter().partition(|p| p.0 <= round);
        pending = rest;
        for (i, (_, f, j, g)) in due.into_iter().enumerate() {
            let at = t0 + chrono::Duration::seconds(i as i64);
            let o = outcome(f, j, OutcomeKind::Completed, None, at);
            engine.record_outcome(&o)?;
            write(&mut log, &Event::Outcome(o))?;
            events += 1;
            active[f] = active[f].saturating_sub(1);
            if rng.random_bool(0.85) {
                let p = &m.personas[f];
                let bias = if p.protected {
                    m.manifest.config.rater_bias
                } else {
                    0.0
                };
                let r = stars(p.quality + 0.6 * normal(&mut rng) - 0.4 * f64::from(3 - g) - bias);
                let o = outcome(f, j, OutcomeKind::Reviewed, Some(r), at);
                engine.record_outcome(&o)?;
                write(&mut log, &Event::Outcome(o))?;
                events += 1;
            }
        }
        let mut round_ndcg = 0.0;
        let mut round_hires = 0;
        for q in 0..per_round {
            let j = ((round - 1) * per_round + q) % m.jobs.len();
            let at = t0 + chrono::Duration::seconds(3600 + 60 * q as i64);
            let recs = engine.recommend_freelancers(
                &m.jobs[j].id,
                &RecommendOptions {
                    now: Some(at),
                    ..opts.clone()
                },
            )?;
            let shown: Vec<usize> = recs
                .matches
                .iter()
                .map(|x| index_of[x.id.as_str()])
                .collect();
            let grades: Vec<u8> = shown.iter().map(|&f| m.grade(j, f)).collect();
            let pool = super::eval::PoolGrades { counts: pools[j] };
            let met = super::eval::list_metrics(&grades, &pool, cfg.k, 2);
            round_ndcg += met.ndcg;
            ndcg_sum += met.ndcg;
            lists += 1;
            if shown.is_empty() {
                continue;
            }
            let imp = Impressions {
                request_id: format!("r{round}-{q}"),
                job_id: Some(m.jobs[j].id.clone()),
                freelancer_ids: recs.matches.iter().map(|x| x.id.clone()).collect(),
                positions: Some((1..=shown.len() as u32).collect()),
                scores: Some(recs.matches.iter().map(|x| x.score).collect()),
                propensities: None,
                at,
            };
            engine.record_impressions(&imp)?;
            write(&mut log, &Event::Impressions(imp))?;
            events += 1;
            for (pos, &f) in shown.iter().enumerate() {
                exposure[f] += 1.0 / ((pos + 2) as f64).log2();
                impressions[f] += 1;
            }
            // the client
            let mut applicants: Vec<(u8, usize, usize)> = Vec::new();
            for (pos, (&f, &g)) in shown.iter().zip(&grades).enumerate() {
                if !rng.random_bool(1.0 / ((pos + 2) as f64).log2()) {
                    continue;
                }
                let o = outcome(f, j, OutcomeKind::Viewed, None, at);
                engine.record_outcome(&o)?;
                write(&mut log, &Event::Outcome(o))?;
                events += 1;
                if !rng.random_bool([0.02, 0.10, 0.35, 0.70][g as usize]) {
                    continue;
                }
                let o = outcome(f, j, OutcomeKind::Shortlisted, None, at);
                engine.record_outcome(&o)?;
                write(&mut log, &Event::Outcome(o))?;
                events += 1;
                let accept = [0.9, 0.6, 0.3]
                    .get(active[f] as usize)
                    .copied()
                    .unwrap_or(0.0);
                if rng.random_bool(accept) {
                    let o = outcome(f, j, OutcomeKind::Applied, None, at);
                    engine.record_outcome(&o)?;
                    write(&mut log, &Event::Outcome(o))?;
                    events += 1;
                    applicants.push((g, pos, f));
                }
            }
            if let Some(&(g, _, f)) = applicants
                .iter()
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)))
            {
                let o = outcome(f, j, OutcomeKind::Hired, None, at);
                engine.record_outcome(&o)?;
                write(&mut log, &Event::Outcome(o))?;
                events += 1;
                hires[f] += 1;
                active[f] += 1;
                round_hires += 1;
                first_hire[f].get_or_insert(round);
                pending.push((round + rng.random_range(2..=8usize), f, j, g));
            }
        }
        let share = |v: &[f64], g: &[bool]| {
            let tot: f64 = v.iter().sum();
            if tot > 0.0 {
                v.iter().zip(g).filter(|x| *x.1).map(|x| x.0).sum::<f64>() / tot
            } else {
                f64::NAN
            }
        };
        let hires_f: Vec<f64> = hires.iter().map(|&h| h as f64).collect();
        let rate = |g: &[bool], want: bool| {
            let (mut h, mut i) = (0u64, 0u64);
            for f in 0..n {
                if g[f] == want {
                    h += hires[f];
                    i += impressions[f];
                }
            }
            if i > 0 { h as f64 / i as f64 } else { f64::NAN }
        };
        rounds.push(RoundStats {
            round,
            ndcg: round_ndcg / per_round as f64,
            exposure_gini: gini(&exposure, false, ZeroDivision::Nan)?,
            protected_exposure_share: share(&exposure, &protected),
            newcomer_exposure_share: share(&exposure, &newcomer),
            protected_hire_share: share(&hires_f, &protected),
            newcomer_hire_share: share(&hires_f, &newcomer),
            protected_disparate_impact: rate(&protected, true) / rate(&protected, false),
            newcomer_disparate_impact: rate(&newcomer, true) / rate(&newcomer, false),
            newcomers_hired: (0..n)
                .filter(|&f| newcomer[f] && first_hire[f].is_some())
                .count(),
            hires: round_hires,
        });
        progress();
    }
    let newcomers = newcomer.iter().filter(|x| **x).count();
    let mut firsts: Vec<f64> = (0..n)
        .filter(|&f| newcomer[f])
        .filter_map(|f| first_hire[f].map(|r| r as f64))
        .collect();
    firsts.sort_by(f64::total_cmp);
    let median = (!firsts.is_empty()).then(|| {
        let h = firsts.len() / 2;
        if firsts.len() % 2 == 1 {
            firsts[h]
        } else {
            (firsts[h - 1] + firsts[h]) / 2.0
        }
    });
    let restricted = (firsts.iter().sum::<f64>()
        + (newcomers - firsts.len()) as f64 * (cfg.rounds + 1) as f64)
        / newcomers.max(1) as f64;
    Ok(SimResult {
        config: cfg.clone(),
        last: rounds.last().cloned().expect("rounds ≥ 1"),
        rounds,
        mean_ndcg: ndcg_sum / lists.max(1) as f64,
        protected_population_share: protected.iter().filter(|x| **x).count() as f64
            / n.max(1) as f64,
        newcomer_population_share: newcomers as f64 / n.max(1) as f64,
        newcomers,
        newcomer_first_hire_median: median,
        newcomer_first_hire_restricted_mean: restricted,
        events,
    })
}

/// One line of a simulation's event log: the engine's own records, as its
/// `record_impressions` / `record_outcome` (Rust or Python) take them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// A shown list.
    Impressions(Impressions),
    /// An outcome.
    Outcome(Outcome),
}
