//! Times building the built-in taxonomy before and after ESCO's digital skills joined it
//! (issue 14), interleaved in one process: "before" parses the team's file alone (what
//! `builtin()` did), "after" is `build_builtin()` (the team's file with the ESCO extract
//! merged in). Also times the first resolution that needs the resolver's lookup structures
//! (built lazily on first use). Prints the medians over the rounds and their ratio.
//!
//! Then, when `../shared/data/onet/Technology Skills.txt` is there, how many of O*NET's
//! distinct technology names (real tool names as job ads write them: "Oracle Java", "Adobe
//! Acrobat", …) each taxonomy resolves to some skill, by kind — coverage only: whether the
//! skill is the right one is measured on labelled samples by `tests/resolution.rs`.
//!
//! `cargo run --release -p fairmatch-bench --example builtin_load [ROUNDS]`

use std::time::{Duration, Instant};

use std::collections::{BTreeMap, BTreeSet};

use fairmatch::Taxonomy;
use fairmatch::skills::{ResolutionConfig, ResolutionKind, build_builtin, parse_tsv};

const TEAM_TSV: &str = include_str!("../../core/src/skills/data/builtin_taxonomy.tsv");

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(21);
    let cfg = ResolutionConfig::default();
    let (mut load_before, mut load_after) = (Vec::new(), Vec::new());
    let (mut index_before, mut index_after) = (Vec::new(), Vec::new());
    let mut sizes = ((0, 0), (0, 0));
    for _ in 0..rounds {
        let t0 = Instant::now();
        let before = parse_tsv("builtin", TEAM_TSV).expect("team taxonomy");
        load_before.push(t0.elapsed());
        let t0 = Instant::now();
        std::hint::black_box(before.resolve_with("Oracle Java", &cfg));
        index_before.push(t0.elapsed());

        let t0 = Instant::now();
        let after = build_builtin().expect("built-in taxonomy");
        load_after.push(t0.elapsed());
        let t0 = Instant::now();
        std::hint::black_box(after.resolve_with("Oracle Java", &cfg));
        index_after.push(t0.elapsed());

        let count = |t: &Taxonomy| {
            (
                t.len(),
                t.skills().iter().map(|n| n.aliases.len()).sum::<usize>(),
            )
        };
        sizes = (count(&before), count(&after));
    }
    let (lb, la) = (median(load_before), median(load_after));
    let (ib, ia) = (median(index_before), median(index_after));
    println!(
        "before: {} skills, {} aliases; after: {} skills, {} aliases ({rounds} rounds, interleaved)",
        sizes.0.0, sizes.0.1, sizes.1.0, sizes.1.1
    );
    println!(
        "load (build the taxonomy): before {lb:.2?}, after {la:.2?}, ratio {:.2}",
        la.as_secs_f64() / lb.as_secs_f64()
    );
    println!(
        "first resolution with every rule (resolver index build): before {ib:.2?}, after {ia:.2?}, ratio {:.2}",
        ia.as_secs_f64() / ib.as_secs_f64()
    );
    let onet = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/data/onet/Technology Skills.txt");
    let Ok(text) = std::fs::read_to_string(&onet) else {
        println!("({} not found: no coverage measured)", onet.display());
        return;
    };
    let names: BTreeSet<&str> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').nth(1))
        .collect();
    let team = parse_tsv("builtin", TEAM_TSV).expect("team taxonomy");
    let full = build_builtin().expect("built-in taxonomy");
    for (name, t) in [
        ("before (team file)", &team),
        ("after (with ESCO digital)", &full),
    ] {
        let mut by_kind: BTreeMap<String, usize> = BTreeMap::new();
        for n in &names {
            let r = t.resolve_with(n, &cfg);
            *by_kind.entry(format!("{:?}", r.kind)).or_default() += 1;
        }
        let unknown = by_kind
            .get(&format!("{:?}", ResolutionKind::Unknown))
            .copied()
            .unwrap_or(0);
        println!(
            "O*NET technology names resolved to a skill, {name}: {} of {} ({:.1} %); by kind {by_kind:?}",
            names.len() - unknown,
            names.len(),
            100.0 * (names.len() - unknown) as f64 / names.len() as f64
        );
    }
}
