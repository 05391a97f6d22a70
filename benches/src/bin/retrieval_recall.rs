//! Measures what the retrieval stage costs in recall and saves in time: top-20 of
//! `recommend_freelancers` with a full scan vs with retrieval (skill inverted index), over
//! seeded synthetic marketplaces from the built-in taxonomy, on one thread.
//!
//! `cargo run --release -p fairmatch-bench --bin retrieval_recall [N] [JOBS]`

use std::time::Instant;

use fairmatch::engine::RetrievalConfig;
use fairmatch::{Engine, EngineConfig, RecommendOptions, builtin};
use fairmatch_bench::{percentile, synth};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let n = args.first().copied().unwrap_or(100_000);
    let jobs = args.get(1).copied().unwrap_or(200);
    let t = builtin();
    let build = |min_catalog| {
        let cfg = EngineConfig {
            retrieval: RetrievalConfig {
                min_catalog,
                vector_neighbours: 200,
            },
            ..EngineConfig::default()
        };
        let e = Engine::with_config(t.clone(), cfg).unwrap();
        e.upsert_freelancers(synth::freelancers(&t, n, 7)).unwrap();
        e.upsert_jobs(synth::jobs(&t, jobs, 11)).unwrap();
        e
    };
    let (full, retr) = (build(usize::MAX), build(0));
    let o = RecommendOptions {
        k: 20,
        now: Some(synth::now()),
        ..RecommendOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let (mut tf, mut tr) = (Vec::new(), Vec::new());
    let (mut recall_sum, mut recall_min, mut retrieved_sum) = (0.0, 1.0f64, 0u64);
    pool.install(|| {
        for j in 0..jobs {
            let id = format!("j{j}");
            let t0 = Instant::now();
            let a = full.recommend_freelancers(&id, &o).unwrap();
            tf.push(t0.elapsed());
            let t0 = Instant::now();
            let b = retr.recommend_freelancers(&id, &o).unwrap();
            tr.push(t0.elapsed());
            let hits = b
                .matches
                .iter()
                .filter(|m| a.matches.iter().any(|x| x.id == m.id))
                .count();
            let r = hits as f64 / a.matches.len().max(1) as f64;
            recall_sum += r;
            recall_min = recall_min.min(r);
            retrieved_sum += b.retrieved.unwrap_or(0) as u64;
        }
    });
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    println!("catalogue {n}, {jobs} jobs, top-20, 1 thread");
    println!(
        "recall@20 of retrieval vs full scan: mean {:.4}, min {:.4}",
        recall_sum / jobs as f64,
        recall_min
    );
    println!(
        "candidates retrieved: mean {:.0} of {n}",
        retrieved_sum as f64 / jobs as f64
    );
    println!(
        "full scan  p50 {:.2} ms p99 {:.2} ms; retrieval p50 {:.2} ms p99 {:.2} ms",
        ms(percentile(&mut tf, 50.0).unwrap()),
        ms(percentile(&mut tf, 99.0).unwrap()),
        ms(percentile(&mut tr, 50.0).unwrap()),
        ms(percentile(&mut tr, 99.0).unwrap())
    );
}
