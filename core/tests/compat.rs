//! Snapshot compatibility: the frozen snapshots in fixtures/snapshots/v1 (format 1) and
//! fixtures/snapshots/v3 (format 3, written by the build of commit 950d315 with this file's
//! `build()`) stay loadable forever and answer as they did when they were written.
//!
//! Regenerate only on purpose (a new format version gets a new folder):
//! `cargo test -p fairmatch --test compat -- --ignored write_v1_fixture`.

mod common;

use std::path::PathBuf;

use common::{freelancer, job, now};
use fairmatch::score::Composition;
use fairmatch::{Engine, Impressions, Outcome, OutcomeKind, Preset, RecommendOptions};

fn fixture() -> PathBuf {
    fixture_of(1)
}

fn fixture_of(version: u32) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../fixtures/snapshots/v{version}"))
}

fn build() -> Engine {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("ana", &[("React", 5.0), ("TypeScript", 4.0)], 60.0),
        freelancer(
            "bo",
            &[("Next.js", 4.0), ("Handmade widget craft", 3.0)],
            35.0,
        ),
        freelancer("chen", &[("Python", 5.0), ("Django", 4.0)], 50.0),
    ])
    .unwrap();
    e.upsert_job(job(
        "j",
        &[("React", 4.0)],
        &["TypeScript", "Handmade widget craft"],
    ))
    .unwrap();
    e.record_impressions(&Impressions {
        request_id: "r".into(),
        job_id: Some("j".into()),
        freelancer_ids: vec!["ana".into(), "bo".into()],
        positions: None,
        scores: None,
        propensities: None,
        at: now(),
    })
    .unwrap();
    e.record_outcome(&Outcome {
        freelancer_id: "ana".into(),
        job_id: Some("j".into()),
        kind: OutcomeKind::Hired,
        rating: None,
        at: now(),
    })
    .unwrap();
    e
}

fn answers(e: &Engine) -> String {
    let mut out = String::new();
    for preset in [Preset::Default, Preset::MegilanceV1] {
        let o = RecommendOptions {
            now: Some(now()),
            preset,
            ..RecommendOptions::top(5)
        };
        let r = e.recommend_freelancers("j", &o).unwrap();
        out.push_str(&serde_json::to_string_pretty(&r).unwrap());
        out.push('\n');
    }
    out
}

#[test]
#[ignore]
fn write_v1_fixture() {
    let e = build();
    std::fs::create_dir_all(fixture()).unwrap();
    e.save(fixture().join("engine.fm")).unwrap();
    std::fs::write(fixture().join("answers.json"), answers(&e)).unwrap();
}

/// Whether `expected` is part of `actual`: equal scalars, arrays of the same length whose
/// items are parts, objects whose every key is a part of the same key. Responses may grow
/// fields (issue 14 added label resolutions to explanations); every value the old file holds
/// must still be answered the same.
fn is_part(
    expected: &serde_json::Value,
    actual: &serde_json::Value,
    path: &str,
) -> Result<(), String> {
    use serde_json::Value;
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e.iter().try_for_each(|(k, v)| {
            let p = format!("{path}.{k}");
            a.get(k)
                .ok_or(format!("{p} missing"))
                .and_then(|x| is_part(v, x, &p))
        }),
        (Value::Array(e), Value::Array(a)) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (v, x))| is_part(v, x, &format!("{path}[{i}]"))),
        (e, a) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {a}")),
    }
}

/// Loads `fixtures/snapshots/v{version}` and checks its answers are still given.
fn loads_and_answers_the_same(version: u32) -> Engine {
    let dir = fixture_of(version);
    let e = Engine::load(dir.join("engine.fm"))
        .unwrap_or_else(|err| panic!("fixtures/snapshots/v{version}/engine.fm loads: {err}"));
    let expected = std::fs::read_to_string(dir.join("answers.json")).unwrap();
    let got = answers(&e);
    let parse = |s: &str| -> Vec<serde_json::Value> {
        serde_json::Deserializer::from_str(s)
            .into_iter()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let (want, got) = (parse(&expected), parse(&got));
    assert_eq!(want.len(), got.len());
    for (w, g) in want.iter().zip(&got) {
        is_part(w, g, "").unwrap();
    }
    e
}

#[test]
fn v1_snapshot_still_loads_and_answers_the_same() {
    let e = loads_and_answers_the_same(1);
    assert_eq!(e.events().events, 3);
    assert_eq!(
        e.freelancer("ana")
            .unwrap()
            .history
            .unwrap()
            .contracts_total,
        1
    );
}

#[test]
fn v3_snapshot_loads_with_the_weighted_mean_it_was_written_under() {
    let e = loads_and_answers_the_same(3);
    assert_eq!(e.config().scoring.composition, Composition::WeightedMean);
    assert_eq!(e.events().events, 3);
    // a fresh engine of today totals relevance-gated, and saving the loaded one keeps its rule
    assert_eq!(
        Engine::default().config().scoring.composition,
        Composition::RelevanceGated
    );
    let again = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert_eq!(
        again.config().scoring.composition,
        Composition::WeightedMean
    );
    assert_eq!(answers(&again), answers(&e));
}
