//! Speed of the learning room (issue 18): `fit` on 1M impressions (50,000 slates of 20 items,
//! 9 factors, 30 % explored by Plackett–Luce over the top 10) and off-policy evaluation of one
//! candidate on the same logs, plus the cost of one Plackett–Luce draw with its exact
//! marginals (the per-request overhead of exploration).
//!
//! Run on one core: `RAYON_NUM_THREADS=1 cargo run --release -p fairmatch-bench --bin
//! learn_bench [ROUNDS]` (default 3 rounds). Prints one JSON line per measurement with the
//! load average read from /proc/loadavg before and after, then a summary line with medians.
//! Targets (issue 18): fit ≤ 30 s, OPE ≤ 5 s.

use std::time::Instant;

use fairmatch::learn::simulate::{SimConfig, SimTruth, order_by, simulate, weighted_mean};
use fairmatch::learn::{
    FitConfig, OpeConfig, SlateView, evaluate_offline, fit, plackett_luce_marginals,
    plackett_luce_sample,
};
use fairmatch::score::DEFAULT_FACTORS;
use serde_json::json;

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// CPU seconds of this process so far (user + system, /proc/self/stat fields 14-15 in clock
/// ticks of 1/100 s): with one thread the fair measure on a shared machine.
fn cpu_secs() -> f64 {
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some((f[11].parse::<f64>().ok()? + f[12].parse::<f64>().ok()?) / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let default_w: Vec<f64> = DEFAULT_FACTORS.iter().map(|f| f.1).collect();
    let sim = SimConfig {
        n_slates: 50_000,
        slate_len: 20,
        factor_names: DEFAULT_FACTORS.iter().map(|f| f.0.to_owned()).collect(),
        logger_weights: default_w.clone(),
        truth: SimTruth {
            weights: vec![1.0, 1.6, 0.2, 0.9, 0.4, 1.2, 0.1, 0.6, 0.5],
            intercept: -3.0,
            theta: SimTruth::log_curve(20),
        },
        explore_share: 0.3,
        explore_top_m: 10,
        temperature: 0.1,
        n_clients: 200,
        hire_given_click: 0.1,
        seed: 1,
    };
    let t0 = Instant::now();
    let (log, _) = simulate(&sim).expect("simulate");
    println!(
        "{}",
        json!({
            "what": "simulate",
            "slates": log.n_slates(),
            "impressions": log.n_items(),
            "log_bytes": log.memory_bytes(),
            "bytes_per_impression": log.memory_bytes() as f64 / log.n_items() as f64,
            "secs": t0.elapsed().as_secs_f64(),
        })
    );
    let threads = rayon::current_num_threads();
    let cfg = FitConfig {
        baseline_weights: Some(default_w.clone()),
        ..FitConfig::default()
    };
    let mut fit_secs = Vec::new();
    let mut ope_secs = Vec::new();
    let mut model = None;
    for round in 0..rounds {
        let before = loadavg();
        let (t, c) = (Instant::now(), cpu_secs());
        let m = fit(&log, &cfg).expect("fit");
        let secs = t.elapsed().as_secs_f64();
        let fit_cpu = cpu_secs() - c;
        fit_secs.push(secs);
        println!(
            "{}",
            json!({
                "what": "fit", "round": round, "secs": secs, "cpu_secs": fit_cpu, "rayon_threads": threads,
                "bootstrap_rounds": cfg.bootstrap_rounds, "clients": m.clients.len(),
                "holdout_log_loss": m.holdout.log_loss, "baseline_log_loss": m.holdout.baseline_log_loss,
                "loadavg_before": before, "loadavg_after": loadavg(),
            })
        );
        let weights = m.weights.clone();
        let candidate = move |v: SlateView<'_>| {
            let depth = v.explored_depth();
            let mut out: Vec<u16> = v.positions().to_vec();
            let top: Vec<usize> = (0..v.len())
                .filter(|&i| (v.position(i) as usize) < depth)
                .collect();
            let s: Vec<f64> = top
                .iter()
                .map(|&i| weighted_mean(&weights, v.factors(i)))
                .collect();
            for (p, &j) in order_by(&s).iter().enumerate() {
                out[top[j]] = p as u16;
            }
            out
        };
        let ope_cfg = OpeConfig::default();
        let before = loadavg();
        let (t, c) = (Instant::now(), cpu_secs());
        let est = evaluate_offline(&log, candidate, Some(&m), &ope_cfg).expect("ope");
        let secs = t.elapsed().as_secs_f64();
        let ope_cpu = cpu_secs() - c;
        ope_secs.push(secs);
        println!(
            "{}",
            json!({
                "what": "evaluate_offline", "round": round, "secs": secs, "cpu_secs": ope_cpu, "rayon_threads": threads,
                "bootstrap_rounds": ope_cfg.bootstrap_rounds, "explored_slates": est[0].n_slates,
                "estimates": est.iter().map(|e| json!({"estimator": e.estimator, "value": e.value, "lo": e.lo, "hi": e.hi})).collect::<Vec<_>>(),
                "loadavg_before": before, "loadavg_after": loadavg(),
            })
        );
        model = Some(m);
    }
    // one exploration draw of the top 10 with exact marginals (what a recommend call adds)
    let scores: Vec<f64> = (0..10).map(|i| 0.8 - 0.01 * i as f64).collect();
    let n = 20_000;
    let (t, c) = (Instant::now(), cpu_secs());
    let mut check = 0.0;
    for seed in 0..n {
        let perm = plackett_luce_sample(&scores, 0.1, seed);
        let marg = plackett_luce_marginals(&scores, 0.1).expect("marginals");
        check += marg[perm[0] * 10];
    }
    let explore_us = t.elapsed().as_secs_f64() / n as f64 * 1e6;
    let explore_cpu_us = (cpu_secs() - c) / n as f64 * 1e6;
    println!(
        "{}",
        json!({"what": "explore_top10", "micros_per_request": explore_us, "cpu_micros_per_request": explore_cpu_us, "checksum": check, "loadavg": loadavg()})
    );
    let m = model.expect("at least one round");
    println!(
        "{}",
        json!({
            "what": "summary", "rounds": rounds, "rayon_threads": threads,
            "fit_median_secs": median(fit_secs), "ope_median_secs": median(ope_secs),
            "explore_top10_micros": explore_us, "weights": m.weights, "theta": m.theta,
            "loadavg": loadavg(),
        })
    );
}
