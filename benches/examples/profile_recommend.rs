//! Runs `recommend_freelancers` over 100k synthetic freelancers in a loop on one thread, for
//! a profiler (`perf record -g target/release/examples/profile_recommend`).

use fairmatch::{Engine, RecommendOptions, builtin};
use fairmatch_bench::synth;

fn main() {
    let t = builtin();
    let e = Engine::new(t.clone());
    e.upsert_freelancers(synth::freelancers(&t, 100_000, 7))
        .unwrap();
    e.upsert_jobs(synth::jobs(&t, 200, 11)).unwrap();
    let o = RecommendOptions {
        k: 20,
        now: Some(synth::now()),
        ..RecommendOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let t0 = std::time::Instant::now();
    let n: usize = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    pool.install(|| {
        for j in 0..n {
            e.recommend_freelancers(&format!("j{}", j % 200), &o)
                .unwrap();
        }
    });
    println!(
        "{:.2} ms per query",
        t0.elapsed().as_secs_f64() * 1e3 / n as f64
    );
}
