//! Off-policy evaluation against the simulated online value (issue 18 acceptance): over 10
//! seeds × 4 candidates (default, learned, two custom weight vectors) the 95 % bootstrap
//! interval of each estimator covers the candidate's value measured by simulating it online
//! with the same truth for ≥ 90 % of the pairs. Also the typed errors.

mod common;

use common::learn_sim::sim_config;
use fairmatch::Error;
use fairmatch::learn::simulate::{
    SimConfig, SimTruth, draw_request, expected_clicks, order_by, simulate, weighted_mean,
};
use fairmatch::learn::{Estimator, FitConfig, OpeConfig, SlateView, evaluate_offline, fit};
use fairmatch::score::DEFAULT_FACTORS;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const K: usize = 10;
const TOP_M: usize = 10;

fn config(seed: u64, explore_share: f64) -> SimConfig {
    sim_config(seed, explore_share, 10_000)
}

/// The candidate re-ranks the explored top of a logged slate by its weighted mean; items
/// below the explored depth stay where they were shown.
fn rerank(weights: &[f64]) -> impl Fn(SlateView<'_>) -> Vec<u16> + Sync + '_ {
    move |v: SlateView<'_>| {
        let depth = v.explored_depth();
        let mut out: Vec<u16> = v.positions().to_vec();
        let top: Vec<usize> = (0..v.len())
            .filter(|&i| (v.position(i) as usize) < depth)
            .collect();
        let scores: Vec<f64> = top
            .iter()
            .map(|&i| weighted_mean(weights, v.factors(i)))
            .collect();
        for (p, &j) in order_by(&scores).iter().enumerate() {
            out[top[j]] = p as u16;
        }
        out
    }
}

/// The candidate's value online: fresh requests, the logger's top m re-ranked by the
/// candidate, expected clicks in the top k under the truth.
fn online_value(truth: &SimTruth, logger: &[f64], cand: &[f64], seed: u64) -> f64 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = 20_000;
    let mut total = 0.0;
    for _ in 0..n {
        let req = draw_request(&mut rng, 20, 9);
        let by = |w: &[f64], items: &[usize]| {
            let s: Vec<f64> = items
                .iter()
                .map(|&i| weighted_mean(w, req.item(i)))
                .collect();
            order_by(&s)
                .into_iter()
                .map(|j| items[j])
                .collect::<Vec<_>>()
        };
        let all: Vec<usize> = (0..20).collect();
        let logged = by(logger, &all);
        let mut shown = by(cand, &logged[..TOP_M]);
        shown.extend_from_slice(&logged[TOP_M..]);
        total += expected_clicks(truth, &req, &shown, K);
    }
    total / n as f64
}

#[test]
fn intervals_cover_the_online_value() {
    let default_w: Vec<f64> = DEFAULT_FACTORS.iter().map(|f| f.1).collect();
    let custom_a = vec![1.0; 9];
    let custom_b = vec![0.1, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.5];
    let estimators = [Estimator::Ips, Estimator::Snips, Estimator::DoublyRobust];
    let mut covered = [0usize; 3];
    let mut pairs = 0;
    for seed in 1..=10u64 {
        let sim = config(seed, 0.5);
        let (log, _) = simulate(&sim).unwrap();
        let model = fit(
            &log,
            &FitConfig {
                bootstrap_rounds: 0,
                ..FitConfig::default()
            },
        )
        .unwrap();
        let candidates: [(&str, Vec<f64>); 4] = [
            ("default", default_w.clone()),
            ("learned", model.weights.clone()),
            ("custom_a", custom_a.clone()),
            ("custom_b", custom_b.clone()),
        ];
        for (name, w) in &candidates {
            let cfg = OpeConfig {
                k: K,
                bootstrap_rounds: 400,
                seed,
                ..OpeConfig::default()
            };
            let est = evaluate_offline(&log, rerank(w), Some(&model), &cfg).unwrap();
            let truth = online_value(&sim.truth, &default_w, w, 500 + seed);
            pairs += 1;
            let mut line = format!("seed {seed} {name:9} online {truth:.4}");
            for (e, kind) in estimators.iter().enumerate() {
                let x = est.iter().find(|x| x.estimator == *kind).unwrap();
                let hit = x.lo <= truth && truth <= x.hi;
                covered[e] += hit as usize;
                line += &format!(
                    " | {kind:?} {:.4} [{:.4}, {:.4}]{}",
                    x.value,
                    x.lo,
                    x.hi,
                    if hit { "" } else { " MISS" }
                );
                assert!(x.n_slates > 4000 && x.n_slates < 6000);
            }
            eprintln!("{line} | logged {:.4}", est[0].logged_value);
        }
    }
    for (e, kind) in estimators.iter().enumerate() {
        let rate = covered[e] as f64 / pairs as f64;
        eprintln!(
            "{kind:?}: interval covers the online value for {}/{pairs} = {:.1} %",
            covered[e],
            rate * 100.0
        );
        assert!(rate >= 0.9, "{kind:?} coverage {rate}");
    }
}

#[test]
fn typed_errors() {
    let mut sim = config(3, 0.5);
    sim.n_slates = 300;
    let (log, _) = simulate(&sim).unwrap();
    let cfg = OpeConfig::default();
    // not a permutation
    let err = evaluate_offline(&log, |v| vec![0; v.len()], None, &cfg).unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "candidate"),
        "{err}"
    );
    assert!(err.to_string().contains("permutation"), "{err}");
    // an item the logger only showed at position 15 moved to the top: no support
    let err = evaluate_offline(
        &log,
        |v| {
            v.positions()
                .iter()
                .map(|&p| match p {
                    15 => 0,
                    p if p < 15 => p + 1,
                    p => p,
                })
                .collect()
        },
        None,
        &cfg,
    )
    .unwrap_err();
    assert!(
        matches!(&err, Error::InvalidInput { field, .. } if field == "candidate"),
        "{err}"
    );
    assert!(
        err.to_string().contains("slate ") && err.to_string().contains("never showed"),
        "{err}"
    );
    // moves below the top k are not evaluated, so they need no support: swap 12 and 15
    let swapped = |v: SlateView<'_>| -> Vec<u16> {
        v.positions()
            .iter()
            .map(|&p| match p {
                12 => 15,
                15 => 12,
                p => p,
            })
            .collect()
    };
    assert!(
        evaluate_offline(
            &log,
            swapped,
            None,
            &OpeConfig {
                k: 10,
                ..cfg.clone()
            }
        )
        .is_ok()
    );
    assert!(
        evaluate_offline(
            &log,
            swapped,
            None,
            &OpeConfig {
                k: 14,
                ..cfg.clone()
            }
        )
        .is_err()
    );
    // no exploration: nothing to evaluate with
    let (flat, _) = simulate(&SimConfig {
        n_slates: 50,
        ..config(4, 0.0)
    })
    .unwrap();
    let err = evaluate_offline(&flat, |v| v.positions().to_vec(), None, &cfg).unwrap_err();
    assert!(matches!(err, Error::InsufficientLogs { .. }), "{err}");
    // bad config
    let err = evaluate_offline(
        &log,
        |v| v.positions().to_vec(),
        None,
        &OpeConfig {
            confidence: 1.0,
            ..cfg.clone()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("ope.confidence"), "{err}");
    // the logger's own ranking estimated by IPS equals its logged value in expectation; on
    // the logged data exactly: every weight is 1/p where the candidate matches
    let same = evaluate_offline(&log, |v| v.positions().to_vec(), None, &cfg).unwrap();
    assert!(same[0].value > 0.0 && same[0].lo <= same[0].hi);
}
