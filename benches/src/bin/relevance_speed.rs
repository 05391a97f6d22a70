//! Speed of the relevance path on fixed input files, so two builds (before and after a
//! change) can be timed on byte-identical data, interleaved.
//!
//! ```sh
//! B=target/release/relevance_speed
//! $B gen --freelancers 100000 --jobs 200 --noise 0.3 --out /tmp/speed-noisy   # synth + lab noise
//! $B run --data /tmp/speed-noisy [--rounds 2]       # one JSON line: upsert s, p50/p99 ms
//! ```
//!
//! `gen` writes the recommend benchmark's catalogue (`synth::freelancers` seed 7,
//! `synth::jobs` seed 11, built-in taxonomy) as JSON lines, with each freelancer skill label
//! respelled with probability `--noise` by the lab's noise rules (`lab::noise`). `run` builds
//! `Engine::default()`, upserts every freelancer in one batch (timed: label resolution is part
//! of it), then the jobs, and times `recommend_freelancers` top-20 with explanations on one
//! rayon thread: one warm-up round over the jobs, then `--rounds` measured rounds.

use std::io::{BufRead, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fairmatch::{Engine, Freelancer, Job};
use fairmatch_bench::lab::noise::noisy_label;
use fairmatch_bench::{percentile, rng, synth};
use rand::Rng;

fn arg<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
}

fn num(args: &[String], name: &str, default: f64) -> f64 {
    arg(args, name).map_or(default, |v| {
        v.parse()
            .unwrap_or_else(|_| panic!("{name}: not a number: {v}"))
    })
}

fn write_lines<T: serde::Serialize>(path: &Path, items: &[T]) {
    let mut w = BufWriter::new(std::fs::File::create(path).expect("create output file"));
    for x in items {
        serde_json::to_writer(&mut w, x).expect("encode");
        w.write_all(b"\n").expect("write");
    }
    w.flush().expect("flush");
}

fn read_lines<T: serde::de::DeserializeOwned>(path: &Path) -> Vec<T> {
    let f = std::fs::File::open(path)
        .unwrap_or_else(|e| panic!("{}: {e} (run `gen` first)", path.display()));
    std::io::BufReader::new(f)
        .lines()
        .map(|l| serde_json::from_str(&l.expect("read")).expect("decode"))
        .collect()
}

fn gen_files(args: &[String]) {
    let n = num(args, "--freelancers", 100_000.0) as usize;
    let jobs = num(args, "--jobs", synth::RECOMMEND_JOBS as f64) as usize;
    let noise = num(args, "--noise", 0.0);
    let out = PathBuf::from(arg(args, "--out").expect("--out DIR"));
    std::fs::create_dir_all(&out).expect("create --out");
    let t = fairmatch::builtin();
    let mut fs = synth::freelancers(&t, n, 7);
    let mut r = rng(99);
    for f in &mut fs {
        for c in &mut f.skills {
            if r.random_bool(noise) {
                c.skill = noisy_label(&c.skill, &mut r);
            }
        }
    }
    write_lines(&out.join("freelancers.jsonl"), &fs);
    write_lines(&out.join("jobs.jsonl"), &synth::jobs(&t, jobs, 11));
    eprintln!("wrote {n} freelancers and {jobs} jobs to {}", out.display());
}

fn run(args: &[String]) {
    let dir = PathBuf::from(arg(args, "--data").expect("--data DIR"));
    let rounds = num(args, "--rounds", 2.0) as usize;
    let fs: Vec<Freelancer> = read_lines(&dir.join("freelancers.jsonl"));
    let js: Vec<Job> = read_lines(&dir.join("jobs.jsonl"));
    let ids: Vec<String> = js.iter().map(|j| j.id.clone()).collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .expect("thread pool");
    pool.install(|| {
        let e = Engine::default();
        let t0 = Instant::now();
        e.upsert_freelancers(fs).expect("upsert freelancers");
        let upsert = t0.elapsed();
        e.upsert_jobs(js).expect("upsert jobs");
        let o = synth::recommend_options();
        let mut samples: Vec<Duration> = Vec::new();
        let mut checksum = 0u64;
        let (mut candidates, mut scored) = (0u64, 0u64);
        for round in 0..=rounds {
            for id in &ids {
                let t0 = Instant::now();
                let r = e.recommend_freelancers(id, &o).expect("recommend");
                let dt = t0.elapsed();
                if round > 0 {
                    samples.push(dt);
                    checksum = checksum.wrapping_mul(31).wrapping_add(r.matches.len() as u64);
                    candidates += u64::from(r.candidates);
                    scored += u64::from(r.scored);
                }
            }
        }
        let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
        println!(
            "{{\"upsert_s\":{:.4},\"p50_ms\":{:.4},\"p99_ms\":{:.4},\"queries\":{},\"results\":{},\"mean_candidates\":{:.1},\"mean_scored\":{:.1}}}",
            upsert.as_secs_f64(),
            ms(percentile(&mut samples, 50.0)),
            ms(percentile(&mut samples, 99.0)),
            samples.len(),
            checksum,
            candidates as f64 / samples.len().max(1) as f64,
            scored as f64 / samples.len().max(1) as f64
        );
    });
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("gen") => gen_files(&args[2..]),
        Some("run") => run(&args[2..]),
        _ => {
            eprintln!(
                "usage: relevance_speed gen --out DIR [--freelancers N] [--jobs N] [--noise P] | run --data DIR [--rounds R]"
            );
            std::process::exit(2);
        }
    }
}
