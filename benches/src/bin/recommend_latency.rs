//! Per-query latency of `recommend_freelancers` (top-20 with explanations, one thread) on the
//! catalogue of the criterion bench `benches/benches/recommend.rs`
//! (`synth::recommend_engine(N)`, 200 synthetic jobs), for one preset.
//!
//! `recommend_latency N PRESET PASSES` builds the engine, runs one warm-up pass over the 200
//! jobs, then `PASSES` timed passes, and prints one JSON line: p50, p99 and mean in ms over
//! all timed queries, and a checksum of the results (ids and scores of every match), so two
//! builds compared side by side can show they answer the same. Used by
//! `benches/compare/recommend_before_after.sh`, which interleaves two builds.

use std::hash::{Hash, Hasher};
use std::time::{Duration, Instant};

use fairmatch::Preset;
use fairmatch_bench::percentile;
use fairmatch_bench::synth::{RECOMMEND_JOBS, recommend_engine, recommend_options};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    let preset: Preset = args
        .get(2)
        .map_or(Ok(Preset::Default), |s| s.parse())
        .expect("PRESET: default or megilance_v1");
    let passes: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(2);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let e = recommend_engine(n);
    let mut o = recommend_options();
    o.preset = preset;
    let mut samples: Vec<Duration> = Vec::new();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for pass in 0..=passes {
        for j in 0..RECOMMEND_JOBS {
            let id = format!("j{j}");
            let t0 = Instant::now();
            let r = pool.install(|| e.recommend_freelancers(&id, &o).unwrap());
            let dt = t0.elapsed();
            if pass > 0 {
                samples.push(dt);
            } else {
                for m in &r.matches {
                    m.id.hash(&mut h);
                    m.score.to_bits().hash(&mut h);
                }
            }
        }
    }
    let mean = samples.iter().sum::<Duration>().as_secs_f64() / samples.len() as f64;
    let p50 = percentile(&mut samples, 50.0).unwrap();
    let p99 = percentile(&mut samples, 99.0).unwrap();
    println!(
        "{{\"n\": {n}, \"preset\": \"{}\", \"queries\": {}, \"p50_ms\": {:.3}, \"p99_ms\": {:.3}, \"mean_ms\": {:.3}, \"checksum\": \"{:016x}\"}}",
        args.get(2).map_or("default", String::as_str),
        samples.len(),
        p50.as_secs_f64() * 1e3,
        p99.as_secs_f64() * 1e3,
        mean * 1e3,
        h.finish()
    );
}
