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
