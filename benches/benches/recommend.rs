//! `recommend`: top-20 with explanations over 10k and 100k synthetic freelancers generated
//! from the built-in taxonomy (seeded), on one thread. Prints p50/p99 over 200 different
//! jobs first (criterion reports means only), then runs the criterion group.

use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
use fairmatch::Engine;
use fairmatch_bench::percentile;
use fairmatch_bench::synth::{
    RECOMMEND_JOBS, recommend_engine as engine, recommend_options as opts,
};

fn latency_report(e: &Engine, n: usize) {
    let o = opts();
    let mut samples: Vec<Duration> = Vec::new();
    for round in 0..3 {
        for j in 0..RECOMMEND_JOBS {
            let t0 = Instant::now();
            let r = e.recommend_freelancers(&format!("j{j}"), &o).unwrap();
            let dt = t0.elapsed();
            assert_eq!(r.matches.len(), 20);
            if round > 0 {
                samples.push(dt);
            }
        }
    }
    let p50 = percentile(&mut samples, 50.0).unwrap();
    let p99 = percentile(&mut samples, 99.0).unwrap();
    println!(
        "recommend/top20_explain/{n}: p50 {:.2} ms, p99 {:.2} ms (1 thread, {} queries)",
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        samples.len()
    );
}

fn bench(c: &mut Criterion) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    for n in [10_000, 100_000] {
        let e = engine(n);
        pool.install(|| latency_report(&e, n));
        let o = opts();
        let mut j = 0usize;
        c.bench_function(&format!("recommend/top20_explain/{n}"), |b| {
            b.iter(|| {
                j = (j + 1) % RECOMMEND_JOBS;
                pool.install(|| e.recommend_freelancers(&format!("j{j}"), &o).unwrap())
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(Duration::from_secs(5));
    targets = bench
}

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
}
