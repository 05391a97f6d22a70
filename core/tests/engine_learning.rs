//! Learning from outcomes through the engine (issue 18): logged exploration in
//! `recommend_freelancers`, the impression log kept by `record_impressions` /
//! `record_outcome`, `learn`, the `learned` preset, `evaluate_offline`, and snapshots of it all.
//! The simulated clients click by hidden weights over the `default` factors the engine
//! reports and a known position curve; the learn room's own recovery tests (learn_recovery.rs)
//! check the fit's accuracy on logs of known truth, this file checks the engine's plumbing
//! end to end.

mod common;

use std::collections::BTreeMap;

use common::{freelancer, job, now};
use fairmatch::engine::{ExplorationPolicy, OfflineCandidate};
use fairmatch::learn::{Estimator, FitConfig, OpeConfig, Target};
use fairmatch::{
    Engine, EngineConfig, Error, History, Impressions, Outcome, OutcomeKind, Preset,
    RecommendOptions, builtin,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const SKILLS: [&str; 8] = [
    "Python",
    "SQL",
    "JavaScript",
    "React",
    "Django",
    "Docker",
    "Rust",
    "Java",
];
const ZONES: [&str; 4] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Tokyo",
    "Europe/London",
];

/// The simulated clients' hidden weights over the default factors (skills, rate, experience,
/// availability, reputation, recency, timezone, language, semantic).
const TRUTH: [f64; 9] = [0.15, 0.35, 0.0, 0.0, 0.1, 0.3, 0.1, 0.0, 0.0];

fn engine(share: Option<f64>) -> Engine {
    let mut cfg = EngineConfig::default();
    cfg.learning.exploration = share.map(|share| ExplorationPolicy {
        share,
        top_m: 8,
        temperature: 0.05,
        seed: 7,
    });
    let e = Engine::with_config(builtin(), cfg).unwrap();
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let fs: Vec<_> = (0..300)
        .map(|i| {
            let n = rng.random_range(2..5);
            let skills: Vec<(&str, f64)> = (0..n)
                .map(|_| {
                    (
                        SKILLS[rng.random_range(0..SKILLS.len())],
                        rng.random_range(1..6) as f64,
                    )
                })
                .collect();
            let mut f = freelancer(&format!("f{i:03}"), &skills, rng.random_range(15.0..140.0));
            f.timezone = Some(ZONES[rng.random_range(0..ZONES.len())].into());
            let group = if i % 4 == 0 { "p" } else { "q" };
            f.attributes.insert("group".into(), group.into());
            f.last_active = Some(now() - chrono::Duration::days(rng.random_range(0..200)));
            let total = rng.random_range(0..40);
            f.history = Some(History {
                contracts_total: total,
                contracts_completed: total * 9 / 10,
                ratings_count: total / 2,
                ratings_sum: (total / 2) as f64 * rng.random_range(3.0..5.0),
                ..History::default()
            });
            f
        })
        .collect();
    e.upsert_freelancers(fs).unwrap();
    let js: Vec<_> = (0..30)
        .map(|i| {
            let mut j = job(
                &format!("j{i:02}"),
                &[(SKILLS[i % SKILLS.len()], 2.0)],
                &[SKILLS[(i * 3 + 1) % SKILLS.len()]],
            );
            j.attributes
                .insert("client_id".into(), format!("c{}", i % 3));
            j
        })
        .collect();
    e.upsert_jobs(js).unwrap();
    e
}

fn opts(request_id: Option<String>) -> RecommendOptions {
    RecommendOptions {
        k: 10,
        now: Some(now()),
        request_id,
        ..RecommendOptions::default()
    }
}

fn learned_opts() -> RecommendOptions {
    RecommendOptions {
        preset: Preset::Learned,
        ..opts(None)
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The simulated probability that a client proposes to the freelancer at 0-based `pos`.
fn click_probability(m: &fairmatch::Match, pos: usize) -> f64 {
    let names = fairmatch::score::DEFAULT_FACTORS;
    let x: f64 = m
        .factors
        .iter()
        .map(|f| {
            let i = names.iter().position(|(n, _)| *n == f.name).unwrap();
            TRUTH[i] * f.value
        })
        .sum();
    let theta = 1.0 / ((pos as f64) + 2.0).log2();
    theta * sigmoid(-4.0 + 8.0 * x)
}

/// Runs `rounds` passes over every job: recommend (explored on the policy's share), show,
/// simulate proposals, record both.
fn simulate(e: &Engine, rounds: usize, seed: u64) {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut t = 0;
    for r in 0..rounds {
        for j in 0..30 {
            t += 1;
            let job_id = format!("j{j:02}");
            let rid = format!("r{seed}-{r}-{j}");
            let recs = e
                .recommend_freelancers(&job_id, &opts(Some(rid.clone())))
                .unwrap();
            let at = now() + chrono::Duration::seconds(t);
            e.record_impressions(&Impressions {
                request_id: rid,
                job_id: Some(job_id.clone()),
                freelancer_ids: recs.matches.iter().map(|m| m.id.clone()).collect(),
                positions: None,
                scores: Some(recs.matches.iter().map(|m| m.score).collect()),
                propensities: Some(
                    recs.matches
                        .iter()
                        .map(|m| m.propensity.unwrap_or(1.0))
                        .collect(),
                ),
                at,
            })
            .unwrap();
            for (pos, m) in recs.matches.iter().enumerate() {
                if rng.random::<f64>() < click_probability(m, pos) {
                    e.record_outcome(&Outcome {
                        freelancer_id: m.id.clone(),
                        job_id: Some(job_id.clone()),
                        kind: OutcomeKind::Applied,
                        rating: None,
                        at,
                    })
                    .unwrap();
                }
            }
        }
    }
}

#[test]
fn exploration_reorders_only_the_top_and_reports_exact_propensities() {
    let plain = engine(None);
    let explored = engine(Some(1.0));
    let base = plain.recommend_freelancers("j01", &opts(None)).unwrap();
    assert!(!base.explored);
    assert!(base.matches.iter().all(|m| m.propensity.is_none()));
    // without a request id nothing is explored, and every propensity is 1
    let no_id = explored.recommend_freelancers("j01", &opts(None)).unwrap();
    assert!(!no_id.explored);
    assert!(no_id.matches.iter().all(|m| m.propensity == Some(1.0)));
    let ids = |r: &fairmatch::Recommendations| -> Vec<String> {
        r.matches.iter().map(|m| m.id.clone()).collect()
    };
    assert_eq!(ids(&no_id), ids(&base));
    let mut orders = std::collections::BTreeSet::new();
    for i in 0..40 {
        let rid = format!("req-{i}");
        let r = explored
            .recommend_freelancers("j01", &opts(Some(rid.clone())))
            .unwrap();
        assert!(r.explored);
        // the same request id gives the same ranking
        let again = explored
            .recommend_freelancers("j01", &opts(Some(rid)))
            .unwrap();
        assert_eq!(ids(&r), ids(&again));
        // the top 8 are the same set, the rest unchanged
        let (mut a, mut b) = (ids(&r)[..8].to_vec(), ids(&base)[..8].to_vec());
        assert_eq!(ids(&r)[8..], ids(&base)[8..]);
        a.sort();
        b.sort();
        assert_eq!(a, b);
        for (pos, m) in r.matches.iter().enumerate() {
            let p = m.propensity.unwrap();
            assert!(p > 0.0 && p <= 1.0);
            if pos >= 8 {
                assert_eq!(p, 1.0);
            }
        }
        orders.insert(ids(&r)[..8].to_vec());
    }
    assert!(
        orders.len() > 5,
        "the draws vary with the request id: {}",
        orders.len()
    );
    // a share of 0.5 explores about half of the request ids
    let half = engine(Some(0.5));
    let n = (0..200)
        .filter(|i| {
            half.recommend_freelancers("j01", &opts(Some(format!("q{i}"))))
                .unwrap()
                .explored
        })
        .count();
    assert!((70..=130).contains(&n), "{n} of 200 explored at share 0.5");
}

#[test]
fn the_position_marginals_match_the_observed_frequencies() {
    // the reported propensity of (freelancer, rank) equals how often the policy puts that
    // freelancer there over many request ids (4,000 draws, 4.5 standard errors)
    let e = engine(Some(1.0));
    let mut seen: BTreeMap<(String, usize), (u32, f64)> = BTreeMap::new();
    let draws = 4000;
    for i in 0..draws {
        let r = e
            .recommend_freelancers("j05", &opts(Some(format!("m{i}"))))
            .unwrap();
        for (pos, m) in r.matches.iter().enumerate().take(8) {
            let s = seen.entry((m.id.clone(), pos)).or_default();
            s.0 += 1;
            s.1 = m.propensity.unwrap();
        }
    }
    for ((id, pos), (count, p)) in &seen {
        let freq = *count as f64 / draws as f64;
        let se = (p * (1.0 - p) / draws as f64).sqrt().max(1e-3);
        assert!(
            (freq - p).abs() < 4.5 * se,
            "{id} at {pos}: frequency {freq}, propensity {p}"
        );
    }
}

#[test]
fn learning_through_the_engine_recovers_the_clients_preferences() {
    let e = engine(Some(0.5));
    // the learned preset needs a model first
    assert!(matches!(
        e.recommend_freelancers("j00", &learned_opts()),
        Err(Error::InsufficientLogs { .. })
    ));
    simulate(&e, 120, 1);
    let (items, slates, bytes) = e.impression_log_size();
    assert_eq!(slates, 120 * 30);
    assert_eq!(items, slates * 10);
    // 43 B per item with 9 factors + 24 B per list of 10 (learn/log.rs), at most doubled by
    // the columns' growth
    let documented = items as f64 * (43.0 + 24.0 / 10.0);
    assert!(
        bytes as f64 <= 2.0 * documented,
        "{bytes} bytes for {items} items"
    );
    let model = e
        .learn(&FitConfig {
            target: Target::Proposed,
            ..FitConfig::default()
        })
        .unwrap();
    let dot: f64 = model.weights.iter().zip(TRUTH).map(|(a, b)| a * b).sum();
    let norm = |v: &[f64]| v.iter().map(|x| x * x).sum::<f64>().sqrt();
    let cosine = dot / (norm(&model.weights) * norm(&TRUTH));
    // the engine's factors are correlated and partly constant on this small market (the
    // learn room's own tests check ≥ 0.95 on independent factors)
    assert!(cosine > 0.85, "cosine {cosine}: {:?}", model.weights);
    for k in 1..8 {
        assert!(
            model.theta[k] < model.theta[k - 1] * 1.1,
            "{:?}",
            model.theta
        );
    }
    assert!(model.holdout.log_loss.unwrap() < model.holdout.baseline_log_loss.unwrap());
    // the learned preset ranks, names itself and reports the weights it used
    let r = e.recommend_freelancers("j00", &learned_opts()).unwrap();
    assert_eq!(r.preset, Preset::Learned);
    let w: f64 = r.matches[0]
        .factors
        .iter()
        .find(|f| f.name == "rate")
        .unwrap()
        .weight;
    assert!(w > 0.2, "the learned rate weight is used: {w}");
    // a fairness policy re-ranks the learned scores as it re-ranks any preset's
    let policy: fairmatch::rerank::RerankerConfig = serde_json::from_str(
        r#"{"type": "fair", "p": 0.5, "alpha": 0.1, "protected_groups": [0]}"#,
    )
    .unwrap();
    let fair = e
        .recommend_freelancers(
            "j00",
            &RecommendOptions {
                fairness: Some(fairmatch::FairnessOptions {
                    policy,
                    attribute: Some("group".into()),
                    groups: vec!["p".into()],
                    pool: None,
                }),
                ..learned_opts()
            },
        )
        .unwrap();
    let protected = |r: &fairmatch::Recommendations| {
        r.matches
            .iter()
            .filter(|m| m.id[1..].parse::<usize>().unwrap() % 4 == 0)
            .count()
    };
    assert_eq!(fair.preset, Preset::Learned);
    assert!(
        protected(&fair) >= protected(&r).max(3),
        "{} vs {}",
        protected(&fair),
        protected(&r)
    );
    // off-policy: the learned ranking is estimated to earn more proposals than the default
    let cands = [
        OfflineCandidate {
            name: Some("default".into()),
            preset: Preset::Default,
            weights: None,
            fairness: None,
        },
        OfflineCandidate {
            name: None,
            preset: Preset::Learned,
            weights: None,
            fairness: None,
        },
    ];
    let cfg = OpeConfig {
        k: 5,
        target: Target::Proposed,
        bootstrap_rounds: 100,
        seed: 3,
        confidence: 0.95,
    };
    let ev = e.evaluate_offline(&cands, &cfg).unwrap();
    assert_eq!(ev[1].name, "learned");
    let snips = |i: usize| {
        ev[i]
            .estimates
            .iter()
            .find(|x| x.estimator == Estimator::Snips)
            .unwrap()
            .clone()
    };
    assert!(snips(0).lo <= snips(0).value && snips(0).value <= snips(0).hi);
    assert!(
        snips(1).value > snips(0).value,
        "learned {:?} vs default {:?}",
        snips(1),
        snips(0)
    );
    assert!(
        ev[1]
            .estimates
            .iter()
            .any(|x| x.estimator == Estimator::DoublyRobust)
    );
    // megilance_v1 cannot be evaluated on the default factors
    let bad = OfflineCandidate {
        name: None,
        preset: Preset::MegilanceV1,
        weights: None,
        fairness: None,
    };
    assert!(matches!(
        e.evaluate_offline(&[bad], &cfg),
        Err(Error::InvalidInput { field, .. }) if field.starts_with("candidates[0]")
    ));
    // the log and the model survive a snapshot byte for byte, and rank the same after it
    let bytes = e.to_bytes().unwrap();
    let back = Engine::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(back.learned_model(), Some(model));
    let again = back.recommend_freelancers("j00", &learned_opts()).unwrap();
    assert_eq!(again, r);
}

#[test]
fn without_exploration_the_learner_refuses_and_nothing_changes() {
    let e = engine(None);
    simulate(&e, 20, 2);
    let err = e.learn(&FitConfig::default()).unwrap_err();
    assert!(matches!(err, Error::InsufficientLogs { .. }), "{err}");
    assert!(err.to_string().contains("position variation"), "{err}");
    assert!(e.learned_model().is_none());
    assert!(matches!(
        e.evaluate_offline(
            &[OfflineCandidate {
                name: None,
                preset: Preset::Default,
                weights: None,
                fairness: None,
            }],
            &OpeConfig {
                k: 5,
                target: Target::Proposed,
                bootstrap_rounds: 10,
                seed: 0,
                confidence: 0.95,
            }
        ),
        Err(Error::InsufficientLogs { .. })
    ));
}

#[test]
fn a_bad_propensity_is_rejected_and_nothing_is_logged() {
    let e = engine(Some(1.0));
    let bad = Impressions {
        request_id: "r".into(),
        job_id: Some("j00".into()),
        freelancer_ids: vec!["f000".into(), "f001".into()],
        positions: None,
        scores: None,
        propensities: Some(vec![0.5, 0.0]),
        at: now(),
    };
    match e.record_impressions(&bad) {
        Err(Error::InvalidInput { field, .. }) => assert_eq!(field, "impressions.propensities[1]"),
        other => panic!("{other:?}"),
    }
    assert_eq!(e.impression_log_size().0, 0);
    assert_eq!(e.ledger().keys().len(), 0);
}

#[test]
fn the_log_keeps_its_bound_by_dropping_the_oldest_lists() {
    let mut cfg = EngineConfig::default();
    cfg.learning.max_logged_items = 1000;
    let e = Engine::with_config(builtin(), cfg).unwrap();
    e.upsert_freelancers(vec![freelancer("a", &[("Python", 3.0)], 50.0)])
        .unwrap();
    e.upsert_jobs(vec![job("j", &[("Python", 2.0)], &[])])
        .unwrap();
    for t in 0..1500 {
        e.record_impressions(&Impressions {
            request_id: format!("r{t}"),
            job_id: Some("j".into()),
            freelancer_ids: vec!["a".into()],
            positions: None,
            scores: None,
            propensities: None,
            at: now() + chrono::Duration::seconds(t),
        })
        .unwrap();
    }
    let (items, slates, _) = e.impression_log_size();
    assert!((500..=1000).contains(&items), "{items}");
    assert_eq!(items, slates);
    // an outcome still lands on the latest showing, and the snapshot still round-trips
    e.record_outcome(&Outcome {
        freelancer_id: "a".into(),
        job_id: Some("j".into()),
        kind: OutcomeKind::Hired,
        rating: None,
        at: now() + chrono::Duration::seconds(2000),
    })
    .unwrap();
    let bytes = e.to_bytes().unwrap();
    assert_eq!(
        Engine::from_bytes(&bytes).unwrap().to_bytes().unwrap(),
        bytes
    );
}

#[test]
fn fairco_merit_can_be_propensity_weighted_proposals() {
    let mut cfg = EngineConfig::default();
    cfg.learning.fairco_merit = fairmatch::engine::MeritSource::PropensityWeightedClicks;
    let e = Engine::with_config(builtin(), cfg).unwrap();
    e.upsert_freelancers(
        ["a", "b", "c"]
            .iter()
            .map(|id| freelancer(id, &[("Python", 3.0)], 50.0))
            .collect(),
    )
    .unwrap();
    e.upsert_jobs(vec![job("j", &[("Python", 2.0)], &[])])
        .unwrap();
    e.record_impressions(&Impressions {
        request_id: "r".into(),
        job_id: Some("j".into()),
        freelancer_ids: vec!["a".into(), "b".into(), "c".into()],
        positions: None,
        scores: Some(vec![0.9, 0.8, 0.7]),
        propensities: None,
        at: now(),
    })
    .unwrap();
    let doc = |id: &str| {
        // internal ids follow upsert order
        ["a", "b", "c"].iter().position(|x| *x == id).unwrap() as u32
    };
    // scores add no merit under this source
    assert_eq!(e.ledger().merit(doc("c")), 0.0);
    e.record_outcome(&Outcome {
        freelancer_id: "c".into(),
        job_id: Some("j".into()),
        kind: OutcomeKind::Applied,
        rating: None,
        at: now(),
    })
    .unwrap();
    // shown third: the log position model's θ₃ = (1/log2 4)/(1/log2 2) = 0.5, merit 1/θ = 2
    let m = e.ledger().merit(doc("c"));
    assert!((m - 2.0).abs() < 1e-9, "{m}");
    // a hire is not a proposal: no more merit; an outcome without a logged showing: none
    e.record_outcome(&Outcome {
        freelancer_id: "c".into(),
        job_id: Some("j".into()),
        kind: OutcomeKind::Hired,
        rating: None,
        at: now(),
    })
    .unwrap();
    e.record_outcome(&Outcome {
        freelancer_id: "a".into(),
        job_id: None,
        kind: OutcomeKind::Applied,
        rating: None,
        at: now(),
    })
    .unwrap();
    assert!((e.ledger().merit(doc("c")) - 2.0).abs() < 1e-9);
    assert_eq!(e.ledger().merit(doc("a")), 0.0);
}
