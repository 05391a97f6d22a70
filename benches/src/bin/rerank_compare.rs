//! Rust side of `benches/compare/rerank.py`: times one re-ranking case and prints one JSON
//! line `{"case": ..., "median_ns": ..., "iters": ...}`. The Python driver interleaves it with
//! the reference libraries (A B A B ...).
//!
//! Usage: `rerank_compare CASE [BUDGET_MS]` with CASE one of `mtable_k100`, `mtable_k400`,
//! `mtable_k100_fsc`, `mtable_k400_fsc`, `fair_rerank`, `apply_fair`, `det_greedy`,
//! `det_cons`, `det_relaxed`, `det_const_sort`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use fairmatch::rerank::{
    FairConfig, GeyikAlgorithm, GroupTarget, MTableMode, RerankContext, RerankItem, RerankerConfig,
    adjusted_mtable, adjusted_mtable_uncached, apply, fair_top_k, geyik_rerank,
};
use fairmatch_bench::percentile;

/// The shared synthetic data (the Python side computes the same formulas).
fn fair_items(n: u32) -> Vec<RerankItem> {
    (0..n)
        .map(|i| {
            let score =
                f64::from(((u64::from(i) * 2_654_435_761) % 1_000_003) as u32) / 1_000_003.0;
            RerankItem::new(i, score, u32::from((i * 31) % 10 < 4))
        })
        .collect()
}

fn geyik_items(n: u32) -> Vec<RerankItem> {
    // ranked input (score descending by rank), three groups
    (0..n)
        .map(|i| RerankItem::new(i, 1.0 - f64::from(i) / f64::from(n), (i * 17 + i / 7) % 3))
        .collect()
}

/// Runs `f` in batches until `budget` is spent; returns the median time per call.
fn time(budget: Duration, mut f: impl FnMut()) -> (Duration, usize) {
    // calibrate a batch of about 5 ms
    let t = Instant::now();
    f();
    let one = t.elapsed().max(Duration::from_nanos(20));
    let batch = ((Duration::from_millis(5).as_nanos() / one.as_nanos()) as usize).max(1);
    let mut samples = Vec::new();
    let start = Instant::now();
    let mut iters = 0;
    while start.elapsed() < budget || samples.len() < 5 {
        let t = Instant::now();
        for _ in 0..batch {
            f();
        }
        samples.push(t.elapsed() / batch as u32);
        iters += batch;
    }
    (percentile(&mut samples, 50.0).unwrap(), iters)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let case = args.get(1).map(String::as_str).unwrap_or("fair_rerank");
    let budget = Duration::from_millis(args.get(2).and_then(|s| s.parse().ok()).unwrap_or(500));
    let geyik = |alg| {
        let items = geyik_items(1000);
        let targets = [
            GroupTarget {
                group: 0,
                proportion: 0.2,
            },
            GroupTarget {
                group: 1,
                proportion: 0.3,
            },
            GroupTarget {
                group: 2,
                proportion: 0.5,
            },
        ];
        time(budget, move || {
            black_box(geyik_rerank(black_box(&items), &targets, 100, alg).unwrap());
        })
    };
    let (median, iters) = match case {
        "mtable_k100" | "mtable_k400" | "mtable_k100_fsc" | "mtable_k400_fsc" => {
            let (k, p) = if case.contains("k100") {
                (100, 0.5)
            } else {
                (400, 0.3)
            };
            let mode = if case.ends_with("fsc") {
                MTableMode::FscCompat
            } else {
                MTableMode::Exact
            };
            time(budget, || {
                black_box(adjusted_mtable_uncached(black_box(k), p, 0.1, mode).unwrap());
            })
        }
        "fair_rerank" => {
            let items = fair_items(1000);
            let table = adjusted_mtable(100, 0.5, 0.1, MTableMode::FscCompat).unwrap();
            time(budget, || {
                black_box(fair_top_k(black_box(&items), &[1], 100, &table.table).unwrap());
            })
        }
        "apply_fair" => {
            let items = fair_items(1000);
            let cfg = RerankerConfig::Fair(FairConfig {
                p: 0.5,
                alpha: 0.1,
                mode: MTableMode::FscCompat,
                protected_groups: vec![1],
            });
            let ctx = RerankContext::default();
            time(budget, || {
                black_box(apply(&cfg, black_box(&items), 100, &ctx).unwrap());
            })
        }
        "det_greedy" => geyik(GeyikAlgorithm::DetGreedy),
        "det_cons" => geyik(GeyikAlgorithm::DetCons),
        "det_relaxed" => geyik(GeyikAlgorithm::DetRelaxed),
        "det_const_sort" => geyik(GeyikAlgorithm::DetConstSort),
        other => {
            eprintln!("unknown case {other}");
            std::process::exit(2);
        }
    };
    println!(
        "{{\"case\": \"{case}\", \"median_ns\": {}, \"iters\": {iters}}}",
        median.as_nanos()
    );
}
