//! Structure-aware snapshot fuzz: mutations of a VALID snapshot — an engine with events,
//! embeddings and an HNSW graph — past the magic, with the section and file checksums
//! recomputed, so the decoders (not the checksums) meet the damage. Whatever the mutation,
//! `Engine::from_bytes` returns `Ok` or `Err`: zero panics, zero aborts. A mutated snapshot
//! that loads must save, load and save again byte-identically.
//!
//! The test runs in a child process with a 2 GiB address-space limit (an allocation sized by
//! hostile bytes aborts there instead of passing unnoticed). Case count: 300 in the normal
//! suite; the long run is
//!
//! ```text
//! SNAPSHOT_FUZZ_CASES=100000 cargo test --release -p fairmatch --test snapshot_fuzz
//! ```

mod common;

use common::{freelancer, in_child, job, now};
use fairmatch::engine::RetrievalConfig;
use fairmatch::persist::{self, Section};
use fairmatch::{
    Embedding, Engine, EngineConfig, Impressions, Outcome, OutcomeKind, RecommendOptions, builtin,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The snapshot format version the engine writes (read from the valid snapshot).
fn version_of(bytes: &[u8]) -> u32 {
    u32::from_le_bytes(bytes[8..12].try_into().unwrap())
}

/// A valid snapshot of an engine with embeddings (an HNSW graph: the catalogue is above the
/// retrieval threshold), impressions and outcomes (event log, ledger, histories).
fn valid_snapshot() -> Vec<u8> {
    let config = EngineConfig {
        retrieval: RetrievalConfig {
            min_catalog: 8,
            // at least k = 10 candidates, so the retrieval stage runs instead of the scan
            vector_neighbours: 10,
        },
        ..EngineConfig::default()
    };
    let e = Engine::with_config(builtin(), config).unwrap();
    let t = builtin();
    let labels: Vec<&str> = t.skills().iter().map(|s| s.label.as_str()).collect();
    let mut batch = Vec::new();
    for i in 0..40usize {
        let skills: Vec<(&str, f64)> = (0..3)
            .map(|k| {
                (
                    labels[(i * 31 + k * 97) % labels.len()],
                    1.0 + ((i + k) % 5) as f64,
                )
            })
            .collect();
        let mut f = freelancer(&format!("f{i}"), &skills, 20.0 + i as f64);
        let x = (i as f32 * 0.37).sin();
        f.embedding = Some(Embedding {
            model: "m".into(),
            vector: vec![x, (1.0 - x * x).sqrt(), 0.1, 0.5],
        });
        batch.push(f);
    }
    e.upsert_freelancers(batch).unwrap();
    let mut j = job("j", &[(labels[31], 3.0)], &[labels[128]]);
    j.embedding = Some(Embedding {
        model: "m".into(),
        vector: vec![0.0, 0.3, 1.0, 0.2],
    });
    e.upsert_job(j).unwrap();
    let r = e
        .recommend_freelancers(
            "j",
            &RecommendOptions {
                now: Some(now()),
                ..RecommendOptions::top(10)
            },
        )
        .unwrap();
    assert!(r.retrieved.is_some(), "the HNSW retrieval stage must exist");
    e.record_impressions(&Impressions {
        request_id: "r1".into(),
        job_id: Some("j".into()),
        freelancer_ids: r.matches.iter().map(|m| m.id.clone()).collect(),
        positions: None,
        scores: None,
        propensities: None,
        at: now(),
    })
    .unwrap();
    for (i, kind) in [
        OutcomeKind::Applied,
        OutcomeKind::Hired,
        OutcomeKind::Reviewed,
    ]
    .into_iter()
    .enumerate()
    {
        e.record_outcome(&Outcome {
            freelancer_id: r.matches[i].id.clone(),
            job_id: Some("j".into()),
            kind,
            rating: (kind == OutcomeKind::Reviewed).then_some(4.5),
            at: now() + chrono::Duration::seconds(60 * (i as i64 + 1)),
        })
        .unwrap();
    }
    e.to_bytes().unwrap()
}

/// One structure-aware mutation of `bytes` (a valid snapshot), checksums recomputed.
fn mutate(bytes: &[u8], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let version = version_of(bytes);
    let (_, mut sections) = persist::decode(bytes, version).unwrap();
    let s = rng.random_range(0..sections.len());
    let body = &mut sections[s].bytes;
    let rounds = rng.random_range(1..=4);
    for _ in 0..rounds {
        let len = body.len();
        match rng.random_range(0..9) {
            // flip one bit
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                body[i] ^= 1 << rng.random_range(0..8);
            }
            // an interesting byte (length prefixes, varint markers, NaN/inf exponents)
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                body[i] =
                    [0x00, 0x01, 0x7f, 0x80, 0xfb, 0xfc, 0xfd, 0xfe, 0xff][rng.random_range(0..9)];
            }
            // overwrite a run with one value (huge lengths, zeroed counts)
            2 if len > 0 => {
                let i = rng.random_range(0..len);
                let n = rng.random_range(1..=9).min(len - i);
                let v = if rng.random_bool(0.5) { 0xff } else { 0x00 };
                body[i..i + n].fill(v);
            }
            // truncate
            3 => body.truncate(rng.random_range(0..=len)),
            // delete a run
            4 if len > 0 => {
                let i = rng.random_range(0..len);
                let n = rng.random_range(1..=16).min(len - i);
                body.drain(i..i + n);
            }
            // insert random bytes
            5 => {
                let i = rng.random_range(0..=len);
                let n = rng.random_range(1..=16);
                let ins: Vec<u8> = (0..n).map(|_| rng.random()).collect();
                body.splice(i..i, ins);
            }
            // duplicate a run elsewhere (repeated ids, list entries)
            6 if len > 1 => {
                let i = rng.random_range(0..len);
                let n = rng.random_range(1..=32).min(len - i);
                let run = body[i..i + n].to_vec();
                let at = rng.random_range(0..=len);
                body.splice(at..at, run);
            }
            // a random little-endian u32/u64/f32/f64 value at a random place
            7 if len >= 8 => {
                let i = rng.random_range(0..=len - 8);
                let v: [u8; 8] = match rng.random_range(0..4) {
                    0 => u64::MAX.to_le_bytes(),
                    1 => f64::NAN.to_le_bytes(),
                    2 => (f32::INFINITY.to_bits() as u64).to_le_bytes(),
                    _ => rng.random::<u64>().to_le_bytes(),
                };
                body[i..i + 8].copy_from_slice(&v);
            }
            // swap with another section's bytes (a JSON body where bincode is expected, ...)
            _ => {
                let o = rng.random_range(0..sections.len());
                if o != s {
                    let other = sections[o].bytes.clone();
                    sections[s].bytes = other;
                }
                break;
            }
        }
    }
    // sometimes drop or duplicate a whole section
    if rng.random_bool(0.03) {
        let i = rng.random_range(0..sections.len());
        sections.remove(i);
    } else if rng.random_bool(0.03) {
        let i = rng.random_range(0..sections.len());
        let dup = Section {
            name: sections[i].name.clone(),
            codec: sections[i].codec,
            bytes: sections[i].bytes.clone(),
        };
        sections.push(dup);
    }
    persist::encode(version, &sections).unwrap()
}

fn cases() -> usize {
    std::env::var("SNAPSHOT_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(300)
}

#[test]
fn mutated_valid_snapshots_never_panic_or_abort() {
    if !in_child("mutated_valid_snapshots_never_panic_or_abort") {
        return;
    }
    let valid = valid_snapshot();
    let again = Engine::from_bytes(&valid).unwrap().to_bytes().unwrap();
    assert_eq!(again, valid, "the valid snapshot itself must round-trip");
    let seed = std::env::var("SNAPSHOT_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15u64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = cases();
    let (mut loaded, mut rejected) = (0usize, 0usize);
    for case in 0..n {
        let bytes = mutate(&valid, &mut rng);
        let r = std::panic::catch_unwind(|| Engine::from_bytes(&bytes));
        match r {
            Err(_) => panic!("case {case} (seed {seed}) panicked"),
            Ok(Err(_)) => rejected += 1,
            Ok(Ok(e)) => {
                loaded += 1;
                let saved = e.to_bytes().unwrap();
                let reloaded = Engine::from_bytes(&saved).unwrap_or_else(|err| {
                    panic!("case {case}: a loaded snapshot saved unloadable bytes: {err}")
                });
                assert_eq!(
                    reloaded.to_bytes().unwrap(),
                    saved,
                    "case {case}: save/load/save differs"
                );
            }
        }
    }
    println!(
        "snapshot fuzz: {n} cases (seed {seed}): {loaded} loaded, {rejected} rejected, 0 panics"
    );
    assert!(
        rejected > n / 4,
        "too few mutations were rejected: is the mutator reaching the decoders?"
    );
}
