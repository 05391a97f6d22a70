//! A preset is one `Scorer`: a scorer written outside the crate (as the learned preset of a
//! later issue will be: per-client weights over the per-pair factor values the engine
//! computes) plugs into the one request driver with no change to it, in both directions,
//! and gets the same vetoes, selection, pruning and explanations.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{freelancer, job, now};
use fairmatch::explain::FactorScore;
use fairmatch::score::{Composition, DEFAULT_FACTORS, DefaultScorer, FactorSet, Scorer, Weights};
use fairmatch::{Engine, History, RecommendOptions};

/// Per-client weights over the default factors: the weights of the job's client, chosen
/// when the scorer is built for a request (the learned preset's shape). Counts the totals
/// it computes, so the test sees the driver prune with its bound.
struct PerClient {
    weights: Weights,
    totals: AtomicUsize,
    /// `false`: a bound that never prunes (every candidate is finished).
    bound: bool,
}

impl PerClient {
    fn for_client(client: &str, bound: bool) -> Self {
        let mut w = BTreeMap::new();
        if client == "reputation-first" {
            w.insert("reputation".to_owned(), 5.0);
        }
        Self {
            weights: Weights::new(&DEFAULT_FACTORS, Some(&w)).unwrap(),
            totals: AtomicUsize::new(0),
            bound,
        }
    }

    /// The weighted mean over the applicable factors.
    fn mean(&self, values: &[Option<f64>], unknown: Option<f64>) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for (v, w) in values.iter().zip(self.weights.values()) {
            if let Some(v) = v.or(unknown) {
                num += w * v;
                den += w;
            }
        }
        if den > 0.0 { num / den } else { 0.0 }
    }
}

impl Scorer for PerClient {
    fn factor_set(&self) -> FactorSet {
        FactorSet::Default
    }
    fn weights(&self) -> &Weights {
        &self.weights
    }
    fn total(&self, values: &[Option<f64>]) -> f64 {
        self.totals.fetch_add(1, Ordering::Relaxed);
        self.mean(values, None).clamp(0.0, 1.0)
    }
    fn upper_bound(&self, known: &[Option<f64>]) -> f64 {
        if self.bound {
            self.mean(known, Some(1.0)) + 1e-12
        } else {
            f64::INFINITY
        }
    }
    fn factor_list(&self, values: &[Option<f64>]) -> Vec<FactorScore> {
        self.weights
            .iter()
            .zip(values)
            .filter_map(|((name, w), v)| {
                v.map(|v| FactorScore {
                    name: name.to_owned(),
                    value: v,
                    weight: w,
                    contribution: v * w,
                })
            })
            .collect()
    }
}

fn engine() -> Engine {
    let e = Engine::default();
    let mut batch = Vec::new();
    for i in 0..60u32 {
        let skills: &[(&str, f64)] = match i % 3 {
            0 => &[("Python", 4.0), ("Django", 3.0)],
            1 => &[("Python", 2.0)],
            _ => &[("Rust", 5.0)],
        };
        let mut f = freelancer(&format!("f{i:02}"), skills, 20.0 + f64::from(i));
        f.history = Some(History {
            ratings_sum: f64::from(i % 7) * 5.0,
            ratings_count: i % 7,
            contracts_completed: i % 5,
            contracts_total: i % 5 + i % 2,
            ..History::default()
        });
        batch.push(f);
    }
    e.upsert_freelancers(batch).unwrap();
    e.upsert_job(job("j", &[("Python", 3.0)], &["Django"]))
        .unwrap();
    e.upsert_job(job("k", &[("Rust", 3.0)], &[])).unwrap();
    e
}

fn opts(k: usize) -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(k)
    }
}

fn ranking(r: &fairmatch::Recommendations) -> Vec<(String, u64)> {
    r.matches
        .iter()
        .map(|m| (m.id.clone(), m.score.to_bits()))
        .collect()
}

#[test]
fn a_scorer_of_your_own_ranks_through_the_same_driver() {
    let e = engine();
    let o = opts(10);
    // the default weights as a weighted mean: the same answer as the shipped preset totalled
    // the same way, bit for bit
    let same = PerClient::for_client("anyone", true);
    let as_mean = DefaultScorer::with_composition(None, Composition::WeightedMean).unwrap();
    let shipped_mean = e.recommend_freelancers_with("j", &o, &as_mean).unwrap();
    let mine = e.recommend_freelancers_with("j", &o, &same).unwrap();
    assert_eq!(ranking(&mine), ranking(&shipped_mean));
    assert_eq!(
        (mine.candidates, mine.scored, mine.vetoed.clone()),
        (
            shipped_mean.candidates,
            shipped_mean.scored,
            shipped_mean.vetoed.clone()
        )
    );
    // the shipped preset (relevance-gated) is `DefaultScorer::new`, through the same driver
    let shipped = e.recommend_freelancers("j", &o).unwrap();
    assert!(mine.matches[0].explanation.is_some(), "explained");
    let via_default = DefaultScorer::new(None).unwrap();
    assert_eq!(
        ranking(&e.recommend_freelancers_with("j", &o, &via_default).unwrap()),
        ranking(&shipped)
    );

    // another client's weights change the ranking, and the driver used the bound to skip
    // candidates (fewer totals than scored candidates) without changing the answer
    let tight = PerClient::for_client("reputation-first", true);
    let loose = PerClient::for_client("reputation-first", false);
    let a = e.recommend_freelancers_with("j", &opts(3), &tight).unwrap();
    let b = e.recommend_freelancers_with("j", &opts(3), &loose).unwrap();
    assert_eq!(ranking(&a), ranking(&b));
    assert_ne!(
        ranking(&a),
        ranking(&e.recommend_freelancers("j", &opts(3)).unwrap())
    );
    let (t, l) = (
        tight.totals.load(Ordering::Relaxed),
        loose.totals.load(Ordering::Relaxed),
    );
    assert_eq!(
        l,
        b.scored as usize + 3,
        "no bound: every candidate plus the k explained"
    );
    assert!(t < l, "the bound pruned: {t} totals vs {l}");
    let reputation = |m: &fairmatch::Match| {
        m.factors
            .iter()
            .find(|f| f.name == "reputation")
            .map(|f| f.value)
            .unwrap()
    };
    assert!(reputation(&a.matches[0]) >= reputation(&a.matches[2]));

    // the other direction, same scorer
    let jobs = e
        .recommend_jobs_with("f00", &opts(2), &PerClient::for_client("x", true))
        .unwrap();
    assert_eq!(
        ranking(&jobs),
        ranking(&e.recommend_jobs_with("f00", &opts(2), &as_mean).unwrap())
    );
    assert_eq!(jobs.matches[0].id, "j");
}
