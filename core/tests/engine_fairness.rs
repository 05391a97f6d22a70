//! The engine's re-ranking stage: the megilance_v1 price-tier step, fairness policies
//! selected per request, explanations of moves, and FairCo fed by recorded impressions.

mod common;

use common::{freelancer, job, now};
use fairmatch::rerank::{RerankerConfig, price_tier_diversity};
use fairmatch::{Engine, Error, FairnessOptions, Impressions, Preset, RecommendOptions};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(5)
    }
}

fn market() -> Engine {
    let e = Engine::default();
    let mut batch = Vec::new();
    for i in 0..12 {
        // Scores fall with i (fewer matching skills / worse levels); rates spread over tiers.
        let skills: Vec<(&str, f64)> = [
            ("Python", 5.0 - (i % 4) as f64),
            ("Django", 4.0),
            ("PostgreSQL", 3.0),
            ("Docker", 3.0),
        ]
        .into_iter()
        .take(4 - i / 4)
        .collect();
        let mut f = freelancer(&format!("f{i}"), &skills, [20.0, 60.0, 120.0, 200.0][i % 4]);
        f.attributes.insert(
            "tenure".into(),
            if i >= 6 {
                "newcomer".into()
            } else {
                "established".into()
            },
        );
        batch.push(f);
    }
    e.upsert_freelancers(batch).unwrap();
    e.upsert_job(job(
        "j",
        &[("Python", 4.0), ("Django", 3.0)],
        &["PostgreSQL", "Docker"],
    ))
    .unwrap();
    e
}

#[test]
fn megilance_price_tier_step_matches_the_rerank_function() {
    let e = market();
    let plain = RecommendOptions {
        preset: Preset::MegilanceV1,
        diversity: Some(false),
        k: 100,
        ..opts()
    };
    let all = e.recommend_freelancers("j", &plain).unwrap();
    assert!(all.matches.len() > 5);
    let rate = |id: &str| e.freelancer(id).unwrap().hourly_rate;
    let ranked: Vec<(u32, f64, Option<f64>)> = all
        .matches
        .iter()
        .enumerate()
        .map(|(i, m)| (i as u32, m.score, rate(&m.id)))
        .collect();
    let expected: Vec<&str> = price_tier_diversity(&ranked, 5)
        .into_iter()
        .map(|i| all.matches[i as usize].id.as_str())
        .collect();
    let diverse = e
        .recommend_freelancers(
            "j",
            &RecommendOptions {
                preset: Preset::MegilanceV1,
                ..opts()
            },
        )
        .unwrap();
    let got: Vec<&str> = diverse.matches.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(
        got, expected,
        "diversity is on by default under megilance_v1"
    );
    assert_eq!(
        &got[..3],
        &all.matches
            .iter()
            .take(3)
            .map(|m| m.id.as_str())
            .collect::<Vec<_>>()[..],
        "top ⌊0.6·5⌋ by score"
    );
}

#[test]
fn fair_top_k_protects_a_group_and_explains_moves() {
    let e = market();
    let base = e.recommend_freelancers("j", &opts()).unwrap();
    let newcomers_before = base
        .matches
        .iter()
        .filter(|m| m.id[1..].parse::<usize>().unwrap() >= 6)
        .count();
    let policy: RerankerConfig = serde_json::from_str(
        r#"{"type": "fair", "p": 0.6, "alpha": 0.1, "protected_groups": [0]}"#,
    )
    .unwrap();
    let o = RecommendOptions {
        fairness: Some(FairnessOptions {
            policy,
            attribute: Some("tenure".into()),
            groups: vec!["newcomer".into()],
            pool: None,
        }),
        ..opts()
    };
    let fair = e.recommend_freelancers("j", &o).unwrap();
    let newcomers_after = fair
        .matches
        .iter()
        .filter(|m| m.id[1..].parse::<usize>().unwrap() >= 6)
        .count();
    assert!(
        newcomers_after > newcomers_before,
        "{newcomers_before} → {newcomers_after}"
    );
    let moved: Vec<_> = fair
        .matches
        .iter()
        .filter_map(|m| m.explanation.as_ref())
        .filter(|x| !x.moves.is_empty())
        .collect();
    assert!(!moved.is_empty());
    assert!(
        moved
            .iter()
            .all(|x| x.moves.iter().all(|mv| mv.policy == "fair"))
    );
    // Scores stay the relevance scores; only the order changed.
    for m in &fair.matches {
        if let Some(b) = base.matches.iter().find(|b| b.id == m.id) {
            assert_eq!(b.score, m.score);
        }
    }
}

#[test]
fn fairco_reads_the_ledger_that_impressions_fill() {
    let e = market();
    let policy: RerankerConfig =
        serde_json::from_str(r#"{"type": "fair_co", "lambda": 0.5, "unit": "group"}"#).unwrap();
    let o = RecommendOptions {
        fairness: Some(FairnessOptions {
            policy,
            attribute: Some("tenure".into()),
            groups: vec!["newcomer".into()],
            pool: Some(12),
        }),
        ..opts()
    };
    let first = e.recommend_freelancers("j", &o).unwrap();
    // Show the established freelancers many times, with their scores as merit.
    let base = e
        .recommend_freelancers("j", &RecommendOptions { k: 12, ..opts() })
        .unwrap();
    let shown: Vec<&fairmatch::Match> = base.matches.iter().take(5).collect();
    for t in 0..20 {
        e.record_impressions(&Impressions {
            request_id: format!("r{t}"),
            job_id: Some("j".into()),
            freelancer_ids: shown.iter().map(|m| m.id.clone()).collect(),
            positions: None,
            scores: Some(shown.iter().map(|m| m.score).collect()),
            propensities: None,
            at: now() + chrono::Duration::minutes(t),
        })
        .unwrap();
    }
    let later = e.recommend_freelancers("j", &o).unwrap();
    let newcomers = |r: &fairmatch::Recommendations| {
        r.matches
            .iter()
            .filter(|m| m.id[1..].parse::<usize>().unwrap() >= 6)
            .count()
    };
    assert!(
        newcomers(&later) > newcomers(&first),
        "the under-exposed group gains places"
    );
    // The ledger survives a snapshot.
    let back = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert_eq!(back.ledger(), e.ledger());
    assert_eq!(back.recommend_freelancers("j", &o).unwrap(), later);
}

#[test]
fn bad_fairness_options_name_the_field() {
    let e = market();
    let policy: RerankerConfig = serde_json::from_str(
        r#"{"type": "fair", "p": 1.5, "alpha": 0.1, "protected_groups": [0]}"#,
    )
    .unwrap();
    let o = RecommendOptions {
        fairness: Some(FairnessOptions {
            policy,
            attribute: Some("tenure".into()),
            groups: vec!["newcomer".into()],
            pool: None,
        }),
        ..opts()
    };
    match e.recommend_freelancers("j", &o).unwrap_err() {
        Error::InvalidInput { field, .. } => assert!(field.contains('p'), "{field}"),
        other => panic!("{other:?}"),
    }
    let o = RecommendOptions {
        fairness: Some(FairnessOptions {
            policy: RerankerConfig::None,
            attribute: None,
            groups: vec!["x".into()],
            pool: None,
        }),
        ..opts()
    };
    assert!(
        matches!(e.recommend_freelancers("j", &o), Err(Error::InvalidInput { field, .. }) if field == "options.fairness.attribute")
    );
    let o = RecommendOptions {
        fairness: Some(FairnessOptions {
            policy: RerankerConfig::None,
            attribute: None,
            groups: vec![],
            pool: Some(2),
        }),
        ..opts()
    };
    assert!(
        matches!(e.recommend_freelancers("j", &o), Err(Error::InvalidInput { field, .. }) if field == "options.fairness.pool")
    );
}
