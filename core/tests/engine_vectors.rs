//! Embeddings in the engine: validation against the collection, the semantic factor, the
//! retrieval stage (skill inverted index ∪ HNSW neighbours) and persistence.

mod common;

use common::{freelancer, job, now};
use fairmatch::engine::RetrievalConfig;
use fairmatch::{Embedding, Engine, EngineConfig, EntityKind, Error, RecommendOptions, builtin};

fn emb(model: &str, v: &[f32]) -> Option<Embedding> {
    Some(Embedding {
        model: model.into(),
        vector: v.to_vec(),
    })
}

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(20)
    }
}

fn engine(min_catalog: usize) -> Engine {
    let config = EngineConfig {
        retrieval: RetrievalConfig {
            min_catalog,
            vector_neighbours: 5,
        },
        ..EngineConfig::default()
    };
    Engine::with_config(builtin(), config).unwrap()
}

#[test]
fn embeddings_are_checked_against_the_collection() {
    let e = engine(usize::MAX);
    let mut a = freelancer("a", &[("Rust", 4.0)], 50.0);
    a.embedding = emb("minilm", &[1.0, 0.0, 0.0]);
    e.upsert_freelancer(a).unwrap();
    let mut b = freelancer("b", &[("Go", 4.0)], 50.0);
    b.embedding = emb("minilm", &[1.0, 0.0]);
    assert!(matches!(
        e.upsert_freelancer(b.clone()),
        Err(Error::DimensionMismatch {
            expected: 3,
            got: 2,
            ..
        })
    ));
    b.embedding = emb("openai-3-small", &[1.0, 0.0, 0.0]);
    assert!(matches!(
        e.upsert_freelancer(b.clone()),
        Err(Error::UnknownId {
            kind: EntityKind::Model,
            ..
        })
    ));
    b.embedding = emb("minilm", &[0.0, 0.0, 0.0]);
    assert!(matches!(
        e.upsert_freelancer(b.clone()),
        Err(Error::InvalidInput { .. })
    ));
    b.embedding = emb("minilm", &[f32::NAN, 0.0, 1.0]);
    assert!(matches!(
        e.upsert_freelancer(b.clone()),
        Err(Error::InvalidInput { .. })
    ));
    assert_eq!(e.freelancer_count(), 1, "nothing stored on error");
    let mut j = job("j", &[("Rust", 3.0)], &[]);
    j.embedding = emb("minilm", &[1.0, 1.0]);
    assert!(matches!(
        e.upsert_job(j.clone()),
        Err(Error::DimensionMismatch { .. })
    ));
    j.embedding = emb("minilm", &[0.8, 0.6, 0.0]);
    e.upsert_job(j).unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    let sem = r.matches[0]
        .factors
        .iter()
        .find(|f| f.name == "semantic")
        .expect("semantic factor applies");
    assert!((sem.value - 0.8).abs() < 1e-6);
}

fn market(e: &Engine, n: usize) {
    let t = builtin();
    // The team's (categorised) skills: the market stays the same whatever else the built-in
    // taxonomy holds (ESCO's digital skills have no category). With other labels fewer
    // freelancers share the job's skills and the retrieved pool leans on the HNSW graph,
    // which a snapshot with tombstones rebuilds in another order.
    let labels: Vec<&str> = t
        .skills()
        .iter()
        .filter(|s| s.category.is_some())
        .map(|s| s.label.as_str())
        .collect();
    let mut batch = Vec::new();
    for i in 0..n {
        let skills: Vec<(&str, f64)> = (0..5)
            .map(|k| {
                (
                    labels[(i * 31 + k * 97) % labels.len()],
                    1.0 + ((i + k) % 5) as f64,
                )
            })
            .collect();
        let mut f = freelancer(&format!("f{i}"), &skills, 20.0 + (i % 80) as f64);
        let x = (i as f32 * 0.37).sin();
        f.embedding = emb("m", &[x, (1.0 - x * x).sqrt(), 0.1]);
        batch.push(f);
    }
    // One freelancer shares no skill with the job but has its exact embedding.
    let mut twin = freelancer("twin", &[("Bookkeeping", 5.0)], 30.0);
    twin.embedding = emb("m", &[0.0, 0.0, 1.0]);
    batch.push(twin);
    e.upsert_freelancers(batch).unwrap();
    let mut j = job(
        "j",
        &[(labels[31], 3.0), (labels[128], 2.0)],
        &[labels[500]],
    );
    j.embedding = emb("m", &[0.0, 0.0, 1.0]);
    e.upsert_job(j).unwrap();
}

#[test]
fn retrieval_scores_exactly_and_loses_little_recall() {
    let (full, retr) = (engine(usize::MAX), engine(0));
    market(&full, 3000);
    market(&retr, 3000);
    let a = full.recommend_freelancers("j", &opts()).unwrap();
    let b = retr.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(a.retrieved, None);
    let retrieved = b.retrieved.expect("retrieval ran");
    assert!(retrieved < 3001 && retrieved > 0, "{retrieved}");
    // Every retrieved result is scored exactly as in the full scan.
    for m in &b.matches {
        if let Some(x) = a.matches.iter().find(|x| x.id == m.id) {
            assert_eq!(x.score, m.score);
        }
    }
    let hits = b
        .matches
        .iter()
        .filter(|m| a.matches.iter().any(|x| x.id == m.id))
        .count();
    let recall = hits as f64 / a.matches.len() as f64;
    assert!(recall >= 0.9, "recall@20 {recall}");
    // The embedding twin is a candidate only through the vector index.
    let twin = retr.score("j", "twin", &opts()).unwrap();
    assert!(
        twin.result
            .factors
            .iter()
            .any(|f| f.name == "semantic" && f.value > 0.99)
    );
}

#[test]
fn vectors_survive_snapshots_and_removal() {
    let e = engine(0);
    market(&e, 500);
    let before = e.recommend_freelancers("j", &opts()).unwrap();
    let back = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert_eq!(back.recommend_freelancers("j", &opts()).unwrap(), before);
    back.remove_freelancer("twin").unwrap();
    let mut f = back.freelancer("f1").unwrap();
    f.embedding = None;
    back.upsert_freelancer(f).unwrap();
    let again = Engine::from_bytes(&back.to_bytes().unwrap()).unwrap();
    assert_eq!(
        again.recommend_freelancers("j", &opts()).unwrap(),
        back.recommend_freelancers("j", &opts()).unwrap()
    );
}
