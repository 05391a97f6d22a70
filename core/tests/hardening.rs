//! Issue 12 ("no input may crash the host process, corrupt a snapshot or half-apply a
//! write"): one test per item whose rule lives in the core. Tests that could abort the
//! process (huge allocations) run in a child process (`in_child`), so an abort fails the
//! test instead of killing the runner.

mod common;

use common::{freelancer, job, now};
use fairmatch::{Engine, ExperienceLevel, Job, RecommendOptions};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(5)
    }
}

/// Item 16: enum spellings of migrating callers parse case-insensitively (with the documented
/// aliases) and labels lose the C0 separators U+001C–U+001F that Python's `strip()` removes.
#[test]
fn item16_seed_spellings_and_c0_separators() {
    let j: Job = serde_json::from_value(serde_json::json!({
        "id": "j",
        "skills": [{"skill": "React\u{1f}", "importance": "Must-Have"}],
        "experience_level": "Expert",
        "budget": {"kind": "Hourly", "max": 90.0},
    }))
    .unwrap();
    assert_eq!(j.experience_level, Some(ExperienceLevel::Expert));
    for (spelling, want) in [
        ("senior", ExperienceLevel::Expert),
        ("JUNIOR", ExperienceLevel::Entry),
        ("Mid Level", ExperienceLevel::Intermediate),
        ("advanced", ExperienceLevel::Expert),
    ] {
        let v: ExperienceLevel = serde_json::from_value(serde_json::json!(spelling)).unwrap();
        assert_eq!(v, want, "{spelling}");
    }
    let e = serde_json::from_value::<ExperienceLevel>(serde_json::json!("guru")).unwrap_err();
    assert!(e.to_string().contains("expert (senior"), "{e}");
    // output is canonical
    let out = serde_json::to_value(&j).unwrap();
    assert_eq!(out["experience_level"], "expert");
    assert_eq!(out["budget"]["kind"], "hourly");

    let e = Engine::default();
    let mut f = freelancer("ana", &[("\u{1c}React\u{1f}", 4.0)], 50.0);
    f.languages = vec!["EN\u{1e}".into()];
    e.upsert_freelancer(f).unwrap();
    let mut j2 = job("j", &[("React", 3.0)], &[]);
    j2.languages = vec!["en".into()];
    e.upsert_job(j2).unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(
        r.matches.len(),
        1,
        "the language veto sees `EN\\u{{1e}}` as `en`"
    );
    let skills = r.matches[0]
        .explanation
        .as_ref()
        .unwrap()
        .skills
        .as_ref()
        .unwrap();
    assert_eq!(
        skills.matched.len(),
        1,
        "`\\u{{1c}}React\\u{{1f}}` is React"
    );
    assert_eq!(skills.matched[0].held, "React");
    // a label that is only separators is empty
    let mut blank = freelancer("bo", &[("\u{1f}\u{1d}", 3.0)], 40.0);
    blank.id = "bo".into();
    let err = e.upsert_freelancer(blank).unwrap_err();
    assert!(err.to_string().contains("skills[0].skill"), "{err}");
}

fn embedded(id: &str, model: &str, v: Vec<f32>) -> fairmatch::Freelancer {
    let mut f = freelancer(id, &[("React", 4.0)], 50.0);
    f.embedding = Some(fairmatch::Embedding {
        model: model.into(),
        vector: v,
    });
    f
}

/// Item 8: a rejected upsert stores nothing — first embedding with a 300-byte model id or a
/// dimension over 65,536, a bad entity anywhere in a batch, or a label that fails only when
/// compiled.
#[test]
fn item8_rejected_upserts_change_nothing() {
    let e = Engine::default();
    e.upsert_freelancer(freelancer("keep", &[("Python", 3.0)], 40.0))
        .unwrap();
    let before = e.to_bytes().unwrap();
    let long_model = "m".repeat(300);
    let err = e
        .upsert_freelancer(embedded("a", &long_model, vec![1.0, 0.0]))
        .unwrap_err();
    assert!(
        err.to_string().contains("freelancer.embedding.model"),
        "{err}"
    );
    let err = e
        .upsert_freelancer(embedded("a", "m", vec![1.0; 65_537]))
        .unwrap_err();
    assert!(
        err.to_string().contains("freelancer.embedding.vector"),
        "{err}"
    );
    let err = e
        .upsert_freelancer(embedded("a", "m", vec![0.0; 3]))
        .unwrap_err();
    assert!(err.to_string().contains("zero vector"), "{err}");
    // batches: the bad one is last, or fails only in compilation (a 600-byte skill label
    // is not a valid ad-hoc skill key)
    let mut long_label = freelancer("c", &[("Rust", 3.0)], 40.0);
    long_label.skills[0].skill = "x".repeat(600);
    for batch in [
        vec![
            embedded("a", "m", vec![1.0, 0.0]),
            embedded("b", "m", vec![1.0, 0.0, 0.0]),
        ],
        vec![
            freelancer("a", &[("Brand-new skill 1", 3.0)], 40.0),
            long_label.clone(),
        ],
    ] {
        assert!(e.upsert_freelancers(batch).is_err());
        assert_eq!(e.freelancer_count(), 1);
        assert_eq!(e.to_bytes().unwrap(), before, "nothing stored");
    }
    let mut bad_job = job("j2", &[("Brand-new skill 2", 3.0)], &[]);
    bad_job.skills.push(fairmatch::SkillRequirement {
        skill: "y".repeat(600),
        min_level: None,
        weight: None,
        importance: Default::default(),
    });
    assert!(
        e.upsert_jobs(vec![job("j1", &[("Another new skill", 3.0)], &[]), bad_job])
            .is_err()
    );
    assert_eq!(e.job_count(), 0);
    assert_eq!(e.to_bytes().unwrap(), before);
}

/// Item 9: rejected upserts do not intern their new skill or language labels (the ad-hoc
/// skills reach the snapshot): 2,000 rejected upserts leave the snapshot byte-identical.
#[test]
fn item9_rejected_upserts_intern_nothing() {
    let e = Engine::default();
    e.upsert_freelancer(freelancer("keep", &[("Python", 3.0)], 40.0))
        .unwrap();
    let before = e.to_bytes().unwrap();
    for i in 0..2_000 {
        let mut f = freelancer(&format!("x{i}"), &[(&format!("new skill {i}"), 3.0)], 40.0);
        f.languages.push(format!("lang-{i}"));
        f.hourly_rate = Some(-1.0); // rejected after the labels were seen
        assert!(e.upsert_freelancer(f).is_err());
        let mut f = freelancer(
            &format!("y{i}"),
            &[(&format!("other skill {i}"), 3.0)],
            40.0,
        );
        f.skills.push(fairmatch::SkillClaim {
            skill: "z".repeat(600),
            level: None,
            years: None,
            verified: false,
        });
        assert!(e.upsert_freelancer(f).is_err());
    }
    assert_eq!(e.to_bytes().unwrap(), before);
    // an accepted upsert after all those still works and interns its own labels
    e.upsert_freelancer(freelancer("new", &[("new skill 7", 3.0)], 40.0))
        .unwrap();
    assert!(e.to_bytes().unwrap().len() > before.len());
}

/// Item 11: the embedding model and dimension are fixed by the first vector on either side,
/// and the rule survives a snapshot.
#[test]
fn item11_first_vector_either_side_fixes_the_dimension() {
    let e = Engine::default();
    let mut j = job("j", &[("React", 3.0)], &[]);
    j.embedding = Some(fairmatch::Embedding {
        model: "m".into(),
        vector: vec![1.0, 0.0, 0.0, 0.0],
    });
    e.upsert_job(j).unwrap();
    let err = e
        .upsert_freelancer(embedded("a", "m", vec![1.0, 0.0, 0.0]))
        .unwrap_err();
    assert!(
        matches!(&err, fairmatch::Error::DimensionMismatch { field, expected: 4, got: 3 }
            if field == "freelancer.embedding.vector"),
        "{err:?}"
    );
    let mut j2 = job("j2", &[("React", 3.0)], &[]);
    j2.embedding = Some(fairmatch::Embedding {
        model: "m".into(),
        vector: vec![1.0, 0.0],
    });
    let err = e.upsert_jobs(vec![j2.clone()]).unwrap_err();
    assert!(
        matches!(&err, fairmatch::Error::DimensionMismatch { field, .. } if field == "jobs[0].embedding.vector"),
        "{err:?}"
    );
    let loaded = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert!(loaded.upsert_job(j2).is_err(), "the rule survives a reload");
    loaded
        .upsert_freelancer(embedded("a", "m", vec![0.0, 1.0, 0.0, 0.0]))
        .unwrap();
    let r = loaded.recommend_freelancers("j", &opts()).unwrap();
    assert!(r.matches[0].factors.iter().any(|f| f.name == "semantic"));
    // the reverse order: freelancer first, then a job of another dimension
    let e = Engine::default();
    e.upsert_freelancer(embedded("a", "m", vec![1.0, 0.0]))
        .unwrap();
    let mut j3 = job("j3", &[("React", 3.0)], &[]);
    j3.embedding = Some(fairmatch::Embedding {
        model: "m".into(),
        vector: vec![1.0, 0.0, 0.0],
    });
    assert!(matches!(
        e.upsert_job(j3),
        Err(fairmatch::Error::DimensionMismatch { .. })
    ));
}

/// Item 13 (core side): a single upsert names `freelancer.<field>`, a batch
/// `freelancers[i].<field>` — never a bare `[0].` prefix.
#[test]
fn item13_upsert_errors_name_the_key() {
    let e = Engine::default();
    let mut f = freelancer("a", &[("React", 4.0)], 50.0);
    f.skills[0].level = Some(9.0);
    let field = |r: fairmatch::Result<()>| match r.unwrap_err() {
        fairmatch::Error::InvalidInput { field, .. } => field,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        field(e.upsert_freelancer(f.clone())),
        "freelancer.skills[0].level"
    );
    let ok = freelancer("b", &[("React", 4.0)], 50.0);
    assert_eq!(
        field(e.upsert_freelancers(vec![ok.clone(), f])),
        "freelancers[1].skills[0].level"
    );
    assert_eq!(
        field(e.upsert_freelancers(vec![ok.clone(), ok])),
        "freelancers[1].id"
    );
    let mut j = job("j", &[("React", 3.0)], &[]);
    j.skills[0].skill = "q".repeat(600);
    assert_eq!(field(e.upsert_job(j.clone())), "job.skills[0].skill");
    assert_eq!(field(e.upsert_jobs(vec![j])), "jobs[0].skills[0].skill");
}

/// Item 5: history counts never wrap: an outcome that would pass `u32::MAX` is rejected,
/// nothing changes, and the snapshot still loads.
#[test]
fn item5_history_counters_do_not_wrap() {
    use fairmatch::{History, Outcome, OutcomeKind};
    let e = Engine::default();
    let mut f = freelancer("a", &[("React", 4.0)], 50.0);
    f.history = Some(History {
        contracts_total: u32::MAX,
        contracts_completed: u32::MAX - 1,
        ratings_count: u32::MAX,
        ratings_sum: 4.0 * f64::from(u32::MAX),
        proposals_sent: u32::MAX,
        ..History::default()
    });
    e.upsert_freelancer(f).unwrap();
    let before = e.to_bytes().unwrap();
    let outcome = |kind, rating| Outcome {
        freelancer_id: "a".into(),
        job_id: None,
        kind,
        rating,
        at: now(),
    };
    for (kind, rating, count) in [
        (
            OutcomeKind::Hired,
            None,
            "freelancer.history.contracts_total",
        ),
        (
            OutcomeKind::Reviewed,
            Some(5.0),
            "freelancer.history.ratings_count",
        ),
        (
            OutcomeKind::Applied,
            None,
            "freelancer.history.proposals_sent",
        ),
    ] {
        let err = e.record_outcome(&outcome(kind, rating)).unwrap_err();
        assert!(err.to_string().contains(count), "{err}");
        assert_eq!(e.to_bytes().unwrap(), before, "nothing recorded");
    }
    // completed: completed + active may not pass the maximum either
    e.record_outcome(&outcome(OutcomeKind::Completed, None))
        .unwrap();
    assert!(
        e.record_outcome(&outcome(OutcomeKind::Completed, None))
            .is_err()
    );
    let h = e.freelancer("a").unwrap().history.unwrap();
    assert_eq!(h.contracts_completed, u32::MAX);
    h.validate("h").unwrap();
    let back = Engine::from_bytes(&e.to_bytes().unwrap()).unwrap();
    assert_eq!(back.to_bytes().unwrap(), e.to_bytes().unwrap());
}
