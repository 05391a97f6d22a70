//! The Rust side of the Python call-overhead benchmark (`benches/compare/python_binding.py`).
//!
//! `recommend_overhead build DIR [N]` builds exactly the catalogue of the criterion bench
//! `benches/benches/recommend.rs` (`synth::freelancers(&builtin(), N, 7)`, default N = 10,000,
//! and `synth::jobs(&builtin(), 200, 11)`), saves it as `DIR/engine.fm` and writes the job ids
//! and the options (top-20 with explanations, `now` = `synth::now()`) to `DIR/calls.json`.
//!
//! `recommend_overhead serve DIR` loads `DIR/engine.fm` (the same snapshot the Python side
//! loads), runs one warm-up pass over the jobs, then answers every line read on stdin with
//! one JSON line: the mean time per call of one pass over all jobs, called two ways:
//! `criterion_ms` exactly as the criterion bench (inside a one-thread rayon pool via
//! `pool.install`) and `direct_ms` (from this thread, as the Python binding calls it; run
//! with `RAYON_NUM_THREADS=1` so the global pool has one thread, like the Python side), plus
//! `to_value_ms`: the direct call followed by `serde_json::to_value` of the result, the first
//! half of the binding's output conversion (`bindings-python/src/convert.rs::to_py`; the
//! second half builds Python objects from that value), and a checksum of the results. The
//! Python script interleaves these rounds with its own.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use fairmatch::Engine;
use fairmatch_bench::synth::{RECOMMEND_JOBS as JOBS, recommend_engine, recommend_options as opts};

fn job_ids() -> Vec<String> {
    (0..JOBS).map(|j| format!("j{j}")).collect()
}

fn build(dir: &Path, n: usize) {
    let e = recommend_engine(n);
    std::fs::create_dir_all(dir).unwrap();
    e.save(dir.join("engine.fm")).unwrap();
    let calls = serde_json::json!({
        "freelancers": n,
        "job_ids": job_ids(),
        "options": opts(),
    });
    std::fs::write(
        dir.join("calls.json"),
        serde_json::to_string_pretty(&calls).unwrap(),
    )
    .unwrap();
    eprintln!("wrote {} ({n} freelancers, {JOBS} jobs)", dir.display());
}

/// One pass over all jobs; returns the mean seconds per call and a checksum (sum of the
/// top scores, to check both sides computed the same).
fn pass(f: &mut dyn FnMut(&str) -> f64, ids: &[String]) -> (f64, f64) {
    let mut sum = 0.0;
    let t0 = Instant::now();
    for id in ids {
        sum += f(id);
    }
    (t0.elapsed().as_secs_f64() / ids.len() as f64, sum)
}

fn serve(dir: &Path) {
    let e = Engine::load(dir.join("engine.fm")).unwrap();
    let o = opts();
    let ids = job_ids();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut direct = |id: &str| {
        let r = e.recommend_freelancers(id, &o).unwrap();
        assert_eq!(r.matches.len(), 20);
        r.matches[0].score
    };
    let mut criterion = |id: &str| {
        let r = pool.install(|| e.recommend_freelancers(id, &o).unwrap());
        assert_eq!(r.matches.len(), 20);
        r.matches[0].score
    };
    let mut to_value = |id: &str| {
        let r = e.recommend_freelancers(id, &o).unwrap();
        let v = serde_json::to_value(&r).unwrap();
        std::hint::black_box(&v);
        r.matches[0].score
    };
    pass(&mut direct, &ids);
    pass(&mut criterion, &ids);
    pass(&mut to_value, &ids);
    let stdout = std::io::stdout();
    for (round, line) in std::io::stdin().lock().lines().enumerate() {
        if line.unwrap().trim() == "quit" {
            break;
        }
        // the three ways in rotating order, so drift within a round favours none
        let (mut c, mut d, mut v, mut sum) = (0.0, 0.0, 0.0, 0.0);
        for way in 0..3 {
            match (way + round) % 3 {
                0 => (c, sum) = pass(&mut criterion, &ids),
                1 => (d, _) = pass(&mut direct, &ids),
                _ => (v, _) = pass(&mut to_value, &ids),
            }
        }
        let mut out = stdout.lock();
        writeln!(
            out,
            "{}",
            serde_json::json!({"criterion_ms": c * 1e3, "direct_ms": d * 1e3,
                               "to_value_ms": v * 1e3, "checksum": sum,
                               "threads": rayon::current_num_threads()})
        )
        .unwrap();
        out.flush().unwrap();
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("build") if args.len() >= 2 => {
            let n = args.get(2).map_or(10_000, |s| s.parse().expect("N"));
            build(&PathBuf::from(&args[1]), n);
        }
        Some("serve") if args.len() == 2 => serve(&PathBuf::from(&args[1])),
        _ => {
            eprintln!("usage: recommend_overhead build DIR [N] | recommend_overhead serve DIR");
            std::process::exit(2);
        }
    }
}
