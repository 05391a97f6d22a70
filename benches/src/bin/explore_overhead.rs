//! What logged exploration (issue 18, `EngineConfig::learning.exploration`) adds to a
//! recommend call: `recommend_freelancers` top-20 with explanations, one thread, on the
//! catalogue of `benches/benches/recommend.rs` (`synth`, N freelancers, 200 jobs), by two
//! engines built from the same records, one without exploration and one exploring every
//! request (share 1, top 8 re-ordered by Plackett–Luce with exact position marginals).
//!
//! `explore_overhead N ROUNDS` alternates the two engines pass by pass (each pass: the 200
//! jobs, each with its own request id; the order of the two flips every round), and prints
//! one JSON line per round (mean ms per call of each, their ratio) and a summary line with the
//! median ratio over rounds and the load average. Time is the process's CPU time
//! (`CLOCK_PROCESS_CPUTIME_ID`; the one rayon worker does the work), so other processes on a
//! shared machine do not enter it; wall time is printed beside it.
//!
//! `explore_overhead N PASSES plain|explored` builds one engine and runs PASSES passes, for an
//! instruction count that no load can disturb:
//! `valgrind --tool=callgrind --toggle-collect='*Engine::recommend_freelancers*' …` once per
//! mode (only the recommend calls are counted, not the setup).

use std::time::Instant;

use fairmatch::engine::ExplorationPolicy;
use fairmatch::{Engine, EngineConfig};
use fairmatch_bench::synth::{RECOMMEND_JOBS, freelancers, jobs, recommend_options};

fn engine(n: usize, explore: bool) -> Engine {
    let t = fairmatch::builtin();
    let mut cfg = EngineConfig::default();
    if explore {
        cfg.learning.exploration = Some(ExplorationPolicy {
            share: 1.0,
            top_m: 8,
            temperature: 0.05,
            seed: 1,
        });
    }
    let e = Engine::with_config(t.clone(), cfg).unwrap();
    e.upsert_freelancers(freelancers(&t, n, 7)).unwrap();
    e.upsert_jobs(jobs(&t, RECOMMEND_JOBS, 11)).unwrap();
    e
}

/// CPU time of this process in seconds (all threads).
fn cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(10_000);
    let rounds: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(7);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    if let Some(mode) = args.get(3) {
        let e = engine(n, mode == "explored");
        for pass in 0..rounds {
            for j in 0..RECOMMEND_JOBS {
                let mut o = recommend_options();
                o.request_id = Some(format!("r{pass}-{j}"));
                std::hint::black_box(e.recommend_freelancers(&format!("j{j}"), &o).unwrap());
            }
        }
        println!(
            "{{\"n\": {n}, \"mode\": \"{mode}\", \"calls\": {}}}",
            rounds * RECOMMEND_JOBS
        );
        return;
    }
    let (plain, explored) = (engine(n, false), engine(n, true));
    let pass = |e: &Engine, round: usize| -> (f64, f64) {
        let (t0, c0) = (Instant::now(), cpu_seconds());
        let mut explored = 0;
        for j in 0..RECOMMEND_JOBS {
            let mut o = recommend_options();
            o.request_id = Some(format!("r{round}-{j}"));
            let r = pool.install(|| e.recommend_freelancers(&format!("j{j}"), &o).unwrap());
            explored += usize::from(r.explored);
            std::hint::black_box(r);
        }
        std::hint::black_box(explored);
        let per_call = |s: f64| s * 1e3 / RECOMMEND_JOBS as f64;
        (
            per_call(cpu_seconds() - c0),
            per_call(t0.elapsed().as_secs_f64()),
        )
    };
    // warm-up
    pass(&plain, 0);
    pass(&explored, 0);
    let mut ratios = Vec::new();
    for round in 1..=rounds {
        let ((a, aw), (b, bw)) = if round % 2 == 1 {
            let a = pass(&plain, round);
            (a, pass(&explored, round))
        } else {
            let b = pass(&explored, round);
            (pass(&plain, round), b)
        };
        ratios.push(b / a);
        println!(
            "{{\"round\": {round}, \"plain_cpu_ms\": {a:.4}, \"explored_cpu_ms\": {b:.4}, \"ratio\": {:.4}, \"plain_wall_ms\": {aw:.4}, \"explored_wall_ms\": {bw:.4}}}",
            b / a
        );
    }
    ratios.sort_by(f64::total_cmp);
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "{{\"n\": {n}, \"rounds\": {rounds}, \"median_ratio\": {:.4}, \"load\": \"{}\"}}",
        ratios[ratios.len() / 2],
        load.split_whitespace()
            .take(3)
            .collect::<Vec<_>>()
            .join(" ")
    );
}
