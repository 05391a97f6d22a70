//! `simulate --learn` (issue 18 item 7): the engine learning from its own logged traffic.
//!
//! Clients (jobs are assigned to `clients` clients round-robin, job attribute `client_id`)
//! propose to a shown freelancer with probability `θ_k · σ(a + b·u)` (the position-based
//! model, Wang et al. WSDM'18), where `θ_k = 1/log2(k + 2)` at 0-based position k and
//! `u = Σ w*_i x_i / Σ_{applicable} w*_i` is the client's hidden utility over the `default`
//! factor values the engine reports for the pair (the weighted mean the `learned` preset ranks
//! by; the oracle ranks by it too, the `default` preset is relevance-gated). The
//! hidden weights `w*` differ from `default`'s and per client (a fixed perturbation of one
//! global truth). The best proposer by utility is hired with probability `σ(a + b·u)`.
//!
//! Every round each job asks for `k` freelancers under the serving preset (`default` until
//! the first fit, then `learned`), with the engine's logged exploration on a share of the
//! request ids; impressions (with propensities) and outcomes are recorded; every
//! `learn_every` rounds the engine fits (`Engine::learn`). Each round also ranks every job,
//! without exploration, under `default`, `learned` and the oracle (the client's true weights)
//! and reports NDCG@k against the true gains `σ(a + b·u)`. At every fit the off-policy
//! estimates (`Engine::evaluate_offline`) of `default`, `learned` and the oracle are compared
//! with the value each candidate would have had on the same logged requests, computed exactly
//! by the simulator from the truth (expected proposals in the top `ope_k`).

use std::collections::BTreeMap;

use fairmatch::engine::{ExplorationPolicy, OfflineCandidate};
use fairmatch::learn::{Estimator, FitConfig, OpeConfig, Target};
use fairmatch::score::{Composition, DEFAULT_FACTORS, DefaultScorer, Scorer};
use fairmatch::{
    Engine, EngineConfig, Impressions, Match, Outcome, OutcomeKind, Preset, RecommendOptions,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::LabError;
use super::generate::day;
use super::market::Marketplace;

/// The global hidden weights (skills, rate, experience, availability, reputation, recency,
/// timezone, language, semantic): price- and activity-driven clients, unlike `default`.
pub const TRUTH: [f64; 9] = [0.25, 0.25, 0.05, 0.0, 0.05, 0.25, 0.1, 0.05, 0.0];

/// Parameters of [`simulate_learning`].
#[derive(Debug, Clone, Serialize)]
pub struct LearnSimConfig {
    /// Rounds.
    pub rounds: usize,
    /// Fit every this many rounds.
    pub learn_every: usize,
    /// Share of request ids explored.
    pub explore_share: f64,
    /// Results re-ordered by exploration.
    pub top_m: usize,
    /// Plackett–Luce temperature.
    pub temperature: f64,
    /// Results shown per request.
    pub k: usize,
    /// Top k of the off-policy estimates.
    pub ope_k: usize,
    /// Clients.
    pub clients: usize,
    /// Jobs per round (0 = every job).
    pub jobs_per_round: usize,
    /// Intercept a and slope b of the click model's σ(a + b·u).
    pub a: f64,
    /// See `a`.
    pub b: f64,
    /// Seed of the draws.
    pub seed: u64,
}

impl Default for LearnSimConfig {
    fn default() -> Self {
        Self {
            rounds: 30,
            learn_every: 5,
            explore_share: 0.3,
            top_m: 8,
            temperature: 0.05,
            k: 10,
            ope_k: 5,
            clients: 5,
            jobs_per_round: 0,
            a: -4.0,
            b: 8.0,
            seed: 23,
        }
    }
}

/// One round.
#[derive(Debug, Clone, Serialize)]
pub struct RoundReport {
    /// Round (1-based).
    pub round: usize,
    /// The preset that served the round's traffic.
    pub serving: String,
    /// Mean NDCG@k over the round's jobs against the true gains (no exploration).
    pub ndcg_default: f64,
    /// The same for `learned` (`null` before the first fit).
    pub ndcg_learned: Option<f64>,
    /// The same for the oracle (1 by construction unless ties).
    pub ndcg_oracle: f64,
    /// Proposals and hires of the served traffic.
    pub proposals: usize,
    /// Hires of the served traffic.
    pub hires: usize,
    /// Requests explored.
    pub explored: usize,
}

/// One fit.
#[derive(Debug, Clone, Serialize)]
pub struct FitReport {
    /// After this round.
    pub round: usize,
    /// Learned global weights.
    pub weights: Vec<f64>,
    /// Cosine similarity to the global truth.
    pub cosine: f64,
    /// Learned position curve (θ₀ = 1).
    pub theta: Vec<f64>,
    /// Held-out log loss of the learned model and of the calibrated `default` scores.
    pub log_loss: Option<f64>,
    /// See `log_loss`.
    pub baseline_log_loss: Option<f64>,
    /// Clients with their own weights.
    pub personalised_clients: usize,
}

/// One off-policy estimate against the simulated truth.
#[derive(Debug, Clone, Serialize)]
pub struct OpeCheck {
    /// After this round.
    pub round: usize,
    /// Candidate.
    pub candidate: String,
    /// Estimator.
    pub estimator: String,
    /// Estimate and 95 % interval.
    pub value: f64,
    /// See `value`.
    pub lo: f64,
    /// See `value`.
    pub hi: f64,
    /// The candidate's true expected proposals in the top `ope_k` on the logged requests.
    pub online: f64,
    /// Whether the interval covers `online`.
    pub covered: bool,
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct LearnSimReport {
    /// Configuration.
    pub config: LearnSimConfig,
    /// Hidden weights per client (factor order of `default`).
    pub truth: Vec<Vec<f64>>,
    /// Per round.
    pub rounds: Vec<RoundReport>,
    /// Per fit.
    pub fits: Vec<FitReport>,
    /// Off-policy checks.
    pub ope: Vec<OpeCheck>,
    /// Share of checks whose interval covers the simulated value.
    pub ope_coverage: f64,
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// Examination at 0-based position k.
fn theta(k: usize) -> f64 {
    1.0 / ((k as f64) + 2.0).log2()
}

/// The default factor values of a match (`None` = not applicable), in factor order.
fn values(m: &Match) -> [Option<f64>; 9] {
    let mut v = [None; 9];
    for f in &m.factors {
        if let Some(i) = DEFAULT_FACTORS.iter().position(|(n, _)| *n == f.name) {
            v[i] = Some(f.value);
        }
    }
    v
}

/// The weighted mean over applicable factors (how the `learned` preset totals; the clients'
/// utility).
fn weighted_mean(w: &[f64], x: &[Option<f64>; 9]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for (w, x) in w.iter().zip(x) {
        if let Some(x) = x {
            num += w * x;
            den += w;
        }
    }
    if den > 0.0 { num / den } else { 0.0 }
}

/// DCG of gains in order.
fn dcg(gains: impl Iterator<Item = f64>) -> f64 {
    gains.enumerate().map(|(i, g)| g * theta(i)).sum()
}

/// A logged explored request as the simulator keeps it: per shown item its factor values and
/// external id, and the client.
struct LoggedRequest {
    client: usize,
    items: Vec<(String, [Option<f64>; 9])>,
}

/// The expected proposals in the top `k` if `score` had ordered the items of `r` (score
/// order, ties by external id — the engine's rule), under client `r.client`'s truth.
fn value_of(
    score: &dyn Fn(&[Option<f64>; 9]) -> f64,
    r: &LoggedRequest,
    truth: &[Vec<f64>],
    cfg: &LearnSimConfig,
) -> f64 {
    let mut order: Vec<usize> = (0..r.items.len()).collect();
    let s: Vec<f64> = r.items.iter().map(|(_, x)| score(x)).collect();
    order.sort_by(|&a, &b| {
        s[b].total_cmp(&s[a])
            .then_with(|| r.items[a].0.cmp(&r.items[b].0))
    });
    order
        .iter()
        .take(cfg.ope_k)
        .enumerate()
        .map(|(pos, &i)| {
            theta(pos) * sigmoid(cfg.a + cfg.b * weighted_mean(&truth[r.client], &r.items[i].1))
        })
        .sum()
}

/// Each client's hidden weights: the global truth with a fixed, seeded perturbation (one
/// factor of weight ≥ 0.05 moved by ±0.1 per client), renormalised.
pub fn client_truths(clients: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    (0..clients)
        .map(|_| {
            let mut w = TRUTH.to_vec();
            let i = rng.random_range(0..w.len());
            let j = rng.random_range(0..w.len());
            let d = 0.1f64.min(w[i]);
            w[i] -= d;
            w[j] += d;
            let s: f64 = w.iter().sum();
            w.iter().map(|x| x / s).collect()
        })
        .collect()
}

/// The engine configuration of the run: the default one with logged exploration.
pub fn engine_config(cfg: &LearnSimConfig) -> EngineConfig {
    let mut c = EngineConfig::default();
    c.learning.exploration = Some(ExplorationPolicy {
        share: cfg.explore_share,
        top_m: cfg.top_m,
        temperature: cfg.temperature,
        seed: cfg.seed,
    });
    c
}

/// Assigns the marketplace's jobs to clients (job attribute `client_id`), round-robin.
pub fn assign_clients(m: &mut Marketplace, clients: usize) {
    for (i, j) in m.jobs.iter_mut().enumerate() {
        j.attributes.insert(
            fairmatch::engine::CLIENT_ATTRIBUTE.into(),
            format!("client{}", i % clients),
        );
    }
}

/// Runs the simulation on `engine` (built from `m` after [`assign_clients`], with
/// [`engine_config`]); `tick` is called once per round.
pub fn simulate_learning(
    m: &Marketplace,
    engine: &Engine,
    cfg: &LearnSimConfig,
    tick: &dyn Fn(),
) -> Result<LearnSimReport, LabError> {
    let truth = client_truths(cfg.clients, cfg.seed);
    let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
    let per_round = if cfg.jobs_per_round == 0 {
        m.jobs.len()
    } else {
        cfg.jobs_per_round.min(m.jobs.len())
    };
    let mut rounds = Vec::new();
    let mut fits = Vec::new();
    let mut ope = Vec::new();
    let mut logged: Vec<LoggedRequest> = Vec::new();
    let mut t = 0i64;
    let start = day(0);
    for round in 1..=cfg.rounds {
        let learned = engine.learned_model().is_some();
        let serving = if learned {
            Preset::Learned
        } else {
            Preset::Default
        };
        let (mut proposals, mut hires, mut explored) = (0, 0, 0);
        let (mut nd_default, mut nd_learned, mut nd_oracle) = (0.0, 0.0, 0.0);
        for q in 0..per_round {
            let ji = (round * per_round + q) % m.jobs.len();
            let job = &m.jobs[ji];
            let client = ji % cfg.clients;
            t += 60;
            let at = start + chrono::Duration::seconds(t);
            let rid = format!("learn-{}-{round}-{q}", cfg.seed);
            let opts = |preset: Preset, rid: Option<String>, w: Option<&[f64]>| RecommendOptions {
                k: cfg.k,
                preset,
                weights: w.map(|w| {
                    DEFAULT_FACTORS
                        .iter()
                        .zip(w)
                        .map(|((n, _), x)| ((*n).to_owned(), *x))
                        .collect::<BTreeMap<_, _>>()
                }),
                now: Some(at),
                request_id: rid,
                ..RecommendOptions::default()
            };
            // NDCG@k of each ranking (no exploration) against the true gains
            let gain =
                |mm: &Match| sigmoid(cfg.a + cfg.b * weighted_mean(&truth[client], &values(mm)));
            // the truth is a weighted mean of the factor values: the oracle ranks by exactly
            // that (the shipped `default` preset is relevance-gated, so it would not)
            let oracle_scorer = DefaultScorer::with_composition(
                opts(Preset::Default, None, Some(&truth[client]))
                    .weights
                    .as_ref(),
                Composition::WeightedMean,
            )?;
            let oracle = engine.recommend_freelancers_with(
                &job.id,
                &opts(Preset::Default, None, None),
                &oracle_scorer,
            )?;
            let ideal = dcg(oracle.matches.iter().map(gain));
            let ndcg = |r: &fairmatch::Recommendations| {
                if ideal > 0.0 {
                    dcg(r.matches.iter().map(gain)) / ideal
                } else {
                    1.0
                }
            };
            nd_oracle += ndcg(&oracle);
            nd_default +=
                ndcg(&engine.recommend_freelancers(&job.id, &opts(Preset::Default, None, None))?);
            if learned {
                nd_learned += ndcg(
                    &engine.recommend_freelancers(&job.id, &opts(Preset::Learned, None, None))?,
                );
            }
            // the served request, shown and acted on
            let recs =
                engine.recommend_freelancers(&job.id, &opts(serving, Some(rid.clone()), None))?;
            if recs.matches.is_empty() {
                continue;
            }
            explored += usize::from(recs.explored);
            engine.record_impressions(&Impressions {
                request_id: rid,
                job_id: Some(job.id.clone()),
                freelancer_ids: recs.matches.iter().map(|x| x.id.clone()).collect(),
                positions: None,
                scores: Some(recs.matches.iter().map(|x| x.score).collect()),
                propensities: Some(
                    recs.matches
                        .iter()
                        .map(|x| x.propensity.unwrap_or(1.0))
                        .collect(),
                ),
                at,
            })?;
            if recs.explored {
                logged.push(LoggedRequest {
                    client,
                    items: recs
                        .matches
                        .iter()
                        .map(|x| (x.id.clone(), values(x)))
                        .collect(),
                });
            }
            let mut best: Option<(f64, &str)> = None;
            for (pos, x) in recs.matches.iter().enumerate() {
                let u = weighted_mean(&truth[client], &values(x));
                if rng.random::<f64>() < theta(pos) * sigmoid(cfg.a + cfg.b * u) {
                    proposals += 1;
                    engine.record_outcome(&Outcome {
                        freelancer_id: x.id.clone(),
                        job_id: Some(job.id.clone()),
                        kind: OutcomeKind::Applied,
                        rating: None,
                        at,
                    })?;
                    if best.is_none_or(|b| u > b.0) {
                        best = Some((u, &x.id));
                    }
                }
            }
            if let Some((u, id)) = best
                && rng.random::<f64>() < sigmoid(cfg.a + cfg.b * u)
            {
                hires += 1;
                engine.record_outcome(&Outcome {
                    freelancer_id: id.to_owned(),
                    job_id: Some(job.id.clone()),
                    kind: OutcomeKind::Hired,
                    rating: None,
                    at,
                })?;
            }
        }
        let n = per_round as f64;
        rounds.push(RoundReport {
            round,
            serving: if learned { "learned" } else { "default" }.into(),
            ndcg_default: nd_default / n,
            ndcg_learned: learned.then_some(nd_learned / n),
            ndcg_oracle: nd_oracle / n,
            proposals,
            hires,
            explored,
        });
        if round % cfg.learn_every == 0 {
            let model = engine.learn(&FitConfig {
                target: Target::Proposed,
                seed: cfg.seed,
                ..FitConfig::default()
            })?;
            let dot: f64 = model.weights.iter().zip(TRUTH).map(|(a, b)| a * b).sum();
            let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
            fits.push(FitReport {
                round,
                weights: model.weights.clone(),
                cosine: dot / (norm(&model.weights) * norm(&TRUTH)),
                theta: model.theta.clone(),
                log_loss: model.holdout.log_loss,
                baseline_log_loss: model.holdout.baseline_log_loss,
                personalised_clients: model.clients.len(),
            });
            // off-policy estimates against the simulated value on the same requests; the
            // oracle is evaluated with the global truth (one weight vector for all clients)
            let oracle_w: BTreeMap<String, f64> = DEFAULT_FACTORS
                .iter()
                .zip(TRUTH)
                .map(|((n, _), x)| ((*n).to_owned(), x))
                .collect();
            let cands = [
                ("default", Preset::Default, None),
                ("learned", Preset::Learned, None),
                ("oracle", Preset::Default, Some(oracle_w.clone())),
            ];
            let offline: Vec<OfflineCandidate> = cands
                .iter()
                .map(|(n, p, w)| OfflineCandidate {
                    name: Some((*n).into()),
                    preset: *p,
                    weights: w.clone(),
                    fairness: None,
                })
                .collect();
            let ev = engine.evaluate_offline(
                &offline,
                &OpeConfig {
                    k: cfg.ope_k,
                    target: Target::Proposed,
                    bootstrap_rounds: 200,
                    seed: cfg.seed + round as u64,
                    confidence: 0.95,
                },
            )?;
            for (e, (name, _, _)) in ev.iter().zip(&cands) {
                // the candidate's exact value, ordering by the same total the engine's
                // estimate re-orders by: `default` and the oracle's weights through the
                // `default` preset (relevance-gated), `learned` as the learned preset totals
                // (the weighted mean of the client's learned weights)
                // one scorer per client (the same for all but `learned`)
                let scorers = (0..cfg.clients)
                    .map(|c| match *name {
                        "default" => DefaultScorer::new(None),
                        "learned" => {
                            let w = engine
                                .learned_weights(Some(&format!("client{c}")))
                                .expect("just learned");
                            let w: BTreeMap<String, f64> = DEFAULT_FACTORS
                                .iter()
                                .zip(w)
                                .map(|((n, _), x)| ((*n).to_owned(), x))
                                .collect();
                            DefaultScorer::with_composition(Some(&w), Composition::WeightedMean)
                        }
                        _ => DefaultScorer::new(Some(&oracle_w)),
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                let online = logged
                    .iter()
                    .map(|r| value_of(&|x| scorers[r.client].total(x), r, &truth, cfg))
                    .sum::<f64>()
                    / logged.len().max(1) as f64;
                for x in &e.estimates {
                    ope.push(OpeCheck {
                        round,
                        candidate: (*name).into(),
                        estimator: estimator_name(x.estimator).into(),
                        value: x.value,
                        lo: x.lo,
                        hi: x.hi,
                        online,
                        covered: x.lo <= online && online <= x.hi,
                    });
                }
            }
        }
        tick();
    }
    let ope_coverage = ope.iter().filter(|c| c.covered).count() as f64 / ope.len().max(1) as f64;
    Ok(LearnSimReport {
        config: cfg.clone(),
        truth,
        rounds,
        fits,
        ope,
        ope_coverage,
    })
}

fn estimator_name(e: Estimator) -> &'static str {
    match e {
        Estimator::Ips => "ips",
        Estimator::Snips => "snips",
        Estimator::DoublyRobust => "doubly_robust",
    }
}

/// A markdown summary: the per-round table, the fits and the off-policy checks.
pub fn summary(r: &LearnSimReport) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let c = &r.config;
    let _ = writeln!(
        s,
        "# simulate --learn: {} rounds, fit every {}, exploration on {:.0} % of requests (top {} \
         at temperature {}), {} clients, seed {}\n",
        c.rounds,
        c.learn_every,
        100.0 * c.explore_share,
        c.top_m,
        c.temperature,
        c.clients,
        c.seed
    );
    let _ = writeln!(
        s,
        "| round | serving | NDCG@{k} default | NDCG@{k} learned | NDCG@{k} oracle | proposals | hires | explored |\n|---:|---|---:|---:|---:|---:|---:|---:|",
        k = c.k
    );
    for x in &r.rounds {
        let _ = writeln!(
            s,
            "| {} | {} | {:.4} | {} | {:.4} | {} | {} | {} |",
            x.round,
            x.serving,
            x.ndcg_default,
            x.ndcg_learned.map_or("–".into(), |v| format!("{v:.4}")),
            x.ndcg_oracle,
            x.proposals,
            x.hires,
            x.explored
        );
    }
    let _ = writeln!(
        s,
        "\n| fit after round | cosine to truth | θ₁…θ₅ | log loss learned / default calibrated | clients with own weights |\n|---:|---:|---|---|---:|"
    );
    for f in &r.fits {
        let th: Vec<String> = f.theta.iter().take(5).map(|t| format!("{t:.3}")).collect();
        let _ = writeln!(
            s,
            "| {} | {:.4} | {} | {} / {} | {} |",
            f.round,
            f.cosine,
            th.join(", "),
            f.log_loss.map_or("–".into(), |v| format!("{v:.4}")),
            f.baseline_log_loss
                .map_or("–".into(), |v| format!("{v:.4}")),
            f.personalised_clients
        );
    }
    let _ = writeln!(
        s,
        "\nOff-policy estimates (expected proposals in the top {}) vs the simulated value on the \
         same logged requests: {} of {} 95 % intervals cover it ({:.1} %).\n\n| after round | candidate | estimator | estimate [95 % CI] | simulated | covered |\n|---:|---|---|---|---:|---|",
        c.ope_k,
        r.ope.iter().filter(|x| x.covered).count(),
        r.ope.len(),
        100.0 * r.ope_coverage
    );
    for o in &r.ope {
        let _ = writeln!(
            s,
            "| {} | {} | {} | {:.4} [{:.4}, {:.4}] | {:.4} | {} |",
            o.round,
            o.candidate,
            o.estimator,
            o.value,
            o.lo,
            o.hi,
            o.online,
            if o.covered { "yes" } else { "no" }
        );
    }
    s
}

/// Writes learning.json, learning.md, learning_ndcg.svg, learning_hires.svg and
/// learning_ope.svg to `out`.
pub fn write_report(r: &LearnSimReport, out: &std::path::Path) -> Result<(), LabError> {
    std::fs::create_dir_all(out).map_err(|e| LabError::Data(format!("{}: {e}", out.display())))?;
    let write = |name: &str, bytes: &[u8]| {
        std::fs::write(out.join(name), bytes)
            .map_err(|e| LabError::Data(format!("{}: {e}", out.join(name).display())))
    };
    write("learning.json", serde_json::to_string_pretty(r)?.as_bytes())?;
    write("learning.md", summary(r).as_bytes())?;
    let round = |f: &dyn Fn(&RoundReport) -> Option<f64>| -> Vec<(f64, f64)> {
        r.rounds
            .iter()
            .filter_map(|x| f(x).map(|v| (x.round as f64, v)))
            .collect()
    };
    super::plot::lines(
        &out.join("learning_ndcg.svg"),
        &format!("NDCG@{} against the clients' true utility", r.config.k),
        "round",
        "NDCG",
        &[
            ("default".into(), round(&|x| Some(x.ndcg_default))),
            ("learned".into(), round(&|x| x.ndcg_learned)),
            ("oracle".into(), round(&|x| Some(x.ndcg_oracle))),
        ],
    )?;
    super::plot::lines(
        &out.join("learning_hires.svg"),
        "Hires and proposals per round (served traffic)",
        "round",
        "count",
        &[
            ("hires".into(), round(&|x| Some(x.hires as f64))),
            (
                "proposals / 10".into(),
                round(&|x| Some(x.proposals as f64 / 10.0)),
            ),
        ],
    )?;
    let points: Vec<(String, f64, f64, f64, f64)> = r
        .ope
        .iter()
        .filter(|o| o.estimator == "snips")
        .map(|o| {
            let name = format!("{} r{}", o.candidate, o.round);
            (name, o.online, o.value, o.lo, o.hi)
        })
        .collect();
    super::plot::estimates_vs_truth(
        &out.join("learning_ope.svg"),
        "SNIPS estimate (95 % interval) vs simulated value (expected proposals in the top k)",
        "simulated value",
        "estimate",
        &points,
    )
}
