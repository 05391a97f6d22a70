//! Specificity weighting and the focus term in the engine: rare requirements count more and
//! say so, counts follow every upsert and removal exactly, and a focused profile beats a
//! scattered one with the same matches.

mod common;

use common::{freelancer, job, now, skills_of};
use fairmatch::{Engine, RecommendOptions};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(20)
    }
}

/// Twenty freelancers hold Excel, one holds Rust; "rust" and "excel" hold one each.
fn market() -> Engine {
    let e = Engine::default();
    let mut batch: Vec<_> = (0..20)
        .map(|i| freelancer(&format!("x{i:02}"), &[("Excel", 3.0)], 40.0))
        .collect();
    batch.push(freelancer("rust", &[("Rust", 3.0)], 40.0));
    batch.push(freelancer("excel", &[("Excel", 3.0)], 40.0));
    e.upsert_freelancers(batch).unwrap();
    e.upsert_job(job("j", &[("Rust", 3.0), ("Excel", 3.0)], &[]))
        .unwrap();
    e
}

#[test]
fn a_rare_requirement_weighs_more_and_the_explanation_says_so() {
    let e = market();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "rust", "the rare skill decides");
    let sx = skills_of(&r.matches[0]);
    let rust = &sx.matched[0];
    let excel = &sx.missing[0];
    assert!(rust.specificity > 2.0 * excel.specificity, "{sx:?}");
    let notes = &r.matches[0].explanation.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("Rust: rare skill: weight")),
        "{notes:?}"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("Excel: common skill: weight")),
        "{notes:?}"
    );
}

#[test]
fn counts_follow_upserts_and_removals_exactly() {
    let e = market();
    let want = e.recommend_freelancers("j", &opts()).unwrap();
    // Add ten more Rust holders, change one of them, then remove them all again.
    for i in 0..10 {
        e.upsert_freelancer(freelancer(&format!("tmp{i}"), &[("Rust", 2.0)], 30.0))
            .unwrap();
    }
    e.upsert_freelancer(freelancer("tmp3", &[("Python", 2.0)], 30.0))
        .unwrap();
    let during = e.recommend_freelancers("j", &opts()).unwrap();
    let rust_weight = |r: &fairmatch::Recommendations| {
        skills_of(r.matches.iter().find(|m| m.id == "rust").unwrap()).matched[0].specificity
    };
    assert!(rust_weight(&during) < rust_weight(&want));
    for i in 0..10 {
        e.remove_freelancer(&format!("tmp{i}")).unwrap();
    }
    assert_eq!(e.recommend_freelancers("j", &opts()).unwrap(), want);
}

#[test]
fn a_focused_profile_beats_a_scattered_one_with_the_same_match() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("focused", &[("Rust", 4.0)], 40.0),
        freelancer(
            "scattered",
            &[
                ("Rust", 4.0),
                ("Bookkeeping", 4.0),
                ("Copywriting", 4.0),
                ("Figma", 4.0),
            ],
            40.0,
        ),
    ])
    .unwrap();
    e.upsert_job(job("j", &[("Rust", 3.0)], &[])).unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "focused");
    let (a, b) = (skills_of(&r.matches[0]), skills_of(&r.matches[1]));
    assert_eq!(a.coverage, b.coverage, "same coverage");
    assert_eq!(a.focus, 1.0);
    assert!(b.focus > 0.0 && b.focus < 0.5, "{b:?}");
}

fn vectors(model: &str, rows: &[(&str, [f32; 3])]) -> fairmatch::SkillVectorTable {
    fairmatch::SkillVectorTable {
        model: model.into(),
        vectors: rows
            .iter()
            .map(|(s, v)| fairmatch::SkillVector {
                skill: (*s).into(),
                vector: v.to_vec(),
            })
            .collect(),
    }
}

#[test]
fn skill_vectors_imply_close_skills_and_persist() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("rustacean", &[("Rust", 4.0)], 40.0),
        freelancer("designer", &[("Figma", 4.0)], 40.0),
    ])
    .unwrap();
    e.upsert_job(job("j", &[("Go", 3.0)], &[])).unwrap();
    let before = e.recommend_freelancers("j", &opts()).unwrap();
    assert!(skills_of(&before.matches[0]).matched.is_empty());
    let table = vectors(
        "toy-model",
        &[
            ("Rust", [1.0, 0.2, 0.0]),
            ("Go", [0.9, 0.3, 0.0]),
            ("Figma", [0.0, 0.1, 1.0]),
        ],
    );
    e.set_skill_vectors(&table).unwrap();
    assert_eq!(e.skill_vectors(), Some(("toy-model".to_owned(), 3)));
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "rustacean");
    let hit = &skills_of(&r.matches[0]).implied[0];
    assert_eq!(hit.kind, "embedding");
    assert_eq!(hit.path, vec!["Rust", "Go"]);
    let cos = (0.9 + 0.06) / ((1.0f64 + 0.04).sqrt() * (0.81f64 + 0.09).sqrt());
    assert!((hit.similarity - 0.4 * cos).abs() < 1e-5, "{hit:?}");
    // The table is part of the snapshot.
    let bytes = e.to_bytes().unwrap();
    let back = Engine::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(back.recommend_freelancers("j", &opts()).unwrap(), r);
    // Another model is refused until the table is cleared; nothing changes on error.
    assert!(
        e.set_skill_vectors(&vectors("other", &[("Rust", [1.0, 0.0, 0.0])]))
            .is_err()
    );
    assert_eq!(e.recommend_freelancers("j", &opts()).unwrap(), r);
    e.clear_skill_vectors();
    assert_eq!(e.recommend_freelancers("j", &opts()).unwrap(), before);
    e.set_skill_vectors(&vectors("other", &[("Rust", [1.0, 0.0, 0.0])]))
        .unwrap();
}

#[test]
fn relax_when_short_fills_with_flagged_partial_matches_and_counts_the_gate() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("both", &[("Rust", 4.0), ("Go", 4.0)], 40.0),
        freelancer("rust", &[("Rust", 4.0)], 40.0),
        freelancer("go", &[("Go", 4.0)], 40.0),
        freelancer("none", &[("Figma", 4.0)], 40.0),
    ])
    .unwrap();
    let with_policy = |id: &str, policy: &str| {
        let mut j = job(id, &[("Rust", 3.0), ("Go", 3.0)], &[]);
        j.must_haves = serde_json::from_value(serde_json::json!(policy)).unwrap();
        j
    };
    e.upsert_jobs(vec![
        with_policy("hard", "hard"),
        with_policy("relax", "relax_when_short"),
        with_policy("empty", "relax_when_empty"),
        with_policy("soft", "soft"),
    ])
    .unwrap();
    let top3 = RecommendOptions { k: 3, ..opts() };
    let hard = e.recommend_freelancers("hard", &top3).unwrap();
    assert_eq!(hard.matches.len(), 1);
    assert_eq!((hard.below_gate, hard.vetoed["must_have_skills"]), (3, 3));
    let relax = e.recommend_freelancers("relax", &top3).unwrap();
    let flags: Vec<(&str, bool)> = relax
        .matches
        .iter()
        .map(|m| (m.id.as_str(), m.below_gate))
        .collect();
    assert_eq!(flags.len(), 3);
    assert_eq!(flags[0], ("both", false));
    assert!(flags[1..].iter().all(|f| f.1 && f.0 != "none"), "{flags:?}");
    assert_eq!(relax.below_gate, 3);
    assert!(relax.vetoed.is_empty());
    assert_eq!(
        e.recommend_freelancers("empty", &top3).unwrap().matches,
        relax.matches,
        "relax_when_empty is the same policy"
    );
    let soft = e.recommend_freelancers("soft", &top3).unwrap();
    assert_eq!(soft.below_gate, 0);
    assert!(soft.matches.iter().all(|m| !m.below_gate));
    // the pair API and the other direction flag it the same way
    let pair = e.score("relax", "rust", &opts()).unwrap();
    assert!(pair.result.below_gate && pair.vetoes.is_empty());
    let jobs = e.recommend_jobs("rust", &opts()).unwrap();
    let by_id = |id: &str| jobs.matches.iter().find(|m| m.id == id);
    assert!(by_id("hard").is_none());
    assert!(by_id("relax").unwrap().below_gate);
    assert!(!by_id("soft").unwrap().below_gate);
    assert_eq!(
        jobs.below_gate, 3,
        "hard vetoed; relax and empty below the gate"
    );
    assert!(
        jobs.matches.last().unwrap().below_gate,
        "flagged jobs come last"
    );
}
