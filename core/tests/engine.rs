//! Engine behaviour through the public API: vetoes, explanations, bad input, history and
//! outcomes, cold start, snapshots, concurrency.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::Duration;
use common::{freelancer, job, now};
use fairmatch::{
    Engine, EntityKind, Error, History, Impressions, Location, LocationPolicy, MustHavePolicy,
    Outcome, OutcomeKind, RecommendOptions, TimezoneRequirement,
};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(10)
    }
}

fn field_of(e: Error) -> String {
    match e {
        Error::InvalidInput { field, .. } => field,
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}

#[test]
fn ranks_by_skill_fit_and_explains_paths() {
    let e = Engine::default();
    e.upsert_freelancers(vec![
        freelancer("exact", &[("React", 4.0), ("TypeScript", 4.0)], 50.0),
        freelancer("implied", &[("Next.js", 4.0)], 50.0),
        freelancer("none", &[("Bookkeeping", 5.0)], 50.0),
    ])
    .unwrap();
    e.upsert_job(job("j", &[("React", 3.0)], &["TypeScript"]))
        .unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    let ids: Vec<&str> = r.matches.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["exact", "implied", "none"]);
    assert_eq!(r.candidates, 3);
    let x = r.matches[1]
        .explanation
        .as_ref()
        .unwrap()
        .skills
        .as_ref()
        .unwrap();
    assert_eq!(x.implied[0].path, vec!["Next.js", "React"]);
    assert_eq!(x.implied[0].kind, "implied");
    assert_eq!(x.missing[0].required, "TypeScript");
    for m in &r.matches {
        assert!((0.0..=1.0).contains(&m.score));
        let sum: f64 = m.factors.iter().map(|f| f.contribution).sum();
        assert!((sum - m.score).abs() < 1e-9, "factors add up to the total");
    }
    // explain off: no explanation, same scores.
    let no = e
        .recommend_freelancers(
            "j",
            &RecommendOptions {
                explain: false,
                ..opts()
            },
        )
        .unwrap();
    assert!(no.matches.iter().all(|m| m.explanation.is_none()));
    assert_eq!(no.matches[0].score, r.matches[0].score);
}

#[test]
fn vetoes_are_named_and_counted() {
    let e = Engine::default();
    let mut unavailable = freelancer("unavailable", &[("Python", 4.0)], 40.0);
    unavailable.available = false;
    let expensive = freelancer("expensive", &[("Python", 4.0)], 400.0);
    let mut french = freelancer("french", &[("Python", 4.0)], 40.0);
    french.languages = vec!["fr".into()];
    let mut far = freelancer("far", &[("Python", 4.0)], 40.0);
    far.timezone = Some("Pacific/Auckland".into());
    let mut elsewhere = freelancer("elsewhere", &[("Python", 4.0)], 40.0);
    elsewhere.location = Some(Location {
        country: Some("US".into()),
        region: None,
    });
    let mut implied_only = freelancer("implied-only", &[("Django", 5.0)], 40.0);
    implied_only.location = Some(Location {
        country: Some("de".into()),
        region: None,
    });
    let mut ok = freelancer("ok", &[("python", 4.0)], 40.0);
    ok.location = Some(Location {
        country: Some("DE".into()),
        region: None,
    });
    e.upsert_freelancers(vec![
        unavailable,
        expensive,
        french,
        far,
        elsewhere,
        implied_only,
        ok,
    ])
    .unwrap();

    let mut j = job("j", &[("Python", 3.0)], &[]);
    j.languages = vec!["EN".into()];
    j.location = LocationPolicy {
        countries: vec!["de".into(), "at".into()],
        regions: vec![],
    };
    j.timezone = Some(TimezoneRequirement {
        zone: "Europe/Berlin".into(),
        working_hours: None,
        min_overlap_hours: Some(3.0),
    });
    j.must_haves = MustHavePolicy::Hard;
    e.upsert_job(j).unwrap();
    let o = RecommendOptions {
        filters: fairmatch::Filters {
            max_hourly_rate: Some(100.0),
            ..Default::default()
        },
        ..opts()
    };
    let r = e.recommend_freelancers("j", &o).unwrap();
    assert_eq!(
        r.matches.iter().map(|m| m.id.as_str()).collect::<Vec<_>>(),
        vec!["ok"]
    );
    let expected: BTreeMap<String, u32> = [
        ("availability", 1),
        ("rate", 1),
        ("language", 1),
        ("location", 2),
        ("must_have_skills", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    // `far` has no location, so the location policy removes it before the time-zone check.
    assert_eq!(r.vetoed, expected);

    // Opting in to implied matches lets the Django developer through the hard gate
    // (Django → Python, 0.8 ≥ τ).
    let mut j2 = e.job("j").unwrap();
    j2.must_haves = MustHavePolicy::HardAllowImplied;
    e.upsert_job(j2).unwrap();
    let r = e.recommend_freelancers("j", &o).unwrap();
    assert_eq!(r.matches.len(), 2);
    let s = e.score("j", "far", &o).unwrap();
    assert_eq!(s.vetoes, vec!["location"]);
}

#[test]
fn timezone_overlap_veto() {
    let e = Engine::default();
    let mut far = freelancer("far", &[("Python", 4.0)], 40.0);
    far.timezone = Some("Pacific/Auckland".into());
    e.upsert_freelancers(vec![far, freelancer("near", &[("Python", 4.0)], 40.0)])
        .unwrap();
    let mut j = job("j", &[("Python", 3.0)], &[]);
    j.timezone = Some(TimezoneRequirement {
        zone: "Europe/Paris".into(),
        working_hours: None,
        min_overlap_hours: Some(3.0),
    });
    e.upsert_job(j).unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches.len(), 1);
    assert_eq!(r.vetoed.get("timezone"), Some(&1));
}

#[test]
fn bad_input_is_rejected_naming_the_field_and_changes_nothing() {
    let e = Engine::default();
    e.upsert_freelancer(freelancer("a", &[("Rust", 4.0)], 50.0))
        .unwrap();
    let before = e.freelancer("a").unwrap();

    let mut f = freelancer("", &[("Go", 3.0)], 1.0);
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.id"
    );
    f.id = "b".into();
    f.hourly_rate = Some(f64::NAN);
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.hourly_rate"
    );
    f.hourly_rate = Some(-3.0);
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.hourly_rate"
    );
    f.hourly_rate = Some(f64::INFINITY);
    assert!(e.upsert_freelancer(f.clone()).is_err());
    f.hourly_rate = Some(10.0);
    f.skills[0].level = Some(6.0);
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.skills[0].level"
    );
    f.skills[0].level = Some(3.0);
    f.timezone = Some("Mars/Olympus".into());
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.timezone"
    );
    f.timezone = None;
    f.history = Some(History {
        contracts_completed: 3,
        contracts_total: 1,
        ..Default::default()
    });
    assert_eq!(
        field_of(e.upsert_freelancer(f.clone()).unwrap_err()),
        "freelancer.history.contracts_completed"
    );

    // A batch with one bad entry changes nothing, not even the good ones.
    let good = freelancer("good", &[("Go", 3.0)], 10.0);
    let err = e
        .upsert_freelancers(vec![good.clone(), f.clone()])
        .unwrap_err();
    assert_eq!(field_of(err), "freelancers[1].history.contracts_completed");
    assert_eq!(e.freelancer_count(), 1);
    assert!(
        e.upsert_freelancers(vec![good.clone(), good]).is_err(),
        "duplicate ids in a batch"
    );

    let mut j = job("j", &[("Rust", 3.0)], &[]);
    j.budget.as_mut().unwrap().min = Some(100.0);
    j.budget.as_mut().unwrap().max = Some(10.0);
    assert_eq!(
        field_of(e.upsert_job(j.clone()).unwrap_err()),
        "job.budget.min"
    );
    j.budget = None;
    j.skills[0].min_level = Some(0.0);
    assert_eq!(
        field_of(e.upsert_job(j.clone()).unwrap_err()),
        "job.skills[0].min_level"
    );
    j.skills[0].min_level = None;
    j.timezone = Some(TimezoneRequirement {
        zone: "Nowhere/City".into(),
        working_hours: None,
        min_overlap_hours: None,
    });
    assert_eq!(
        field_of(e.upsert_job(j.clone()).unwrap_err()),
        "job.timezone.zone"
    );
    j.timezone = None;
    e.upsert_job(j).unwrap();

    // Options.
    let bad_k = RecommendOptions { k: 0, ..opts() };
    assert_eq!(
        field_of(e.recommend_freelancers("j", &bad_k).unwrap_err()),
        "options.k"
    );
    let mut w = BTreeMap::new();
    w.insert("skills".to_owned(), -1.0);
    let neg = RecommendOptions {
        weights: Some(w),
        ..opts()
    };
    assert_eq!(
        field_of(e.recommend_freelancers("j", &neg).unwrap_err()),
        "options.weights.skills"
    );
    let zero: BTreeMap<String, f64> = fairmatch::score::DEFAULT_FACTORS
        .iter()
        .map(|(n, _)| (n.to_string(), 0.0))
        .collect();
    let zero = RecommendOptions {
        weights: Some(zero),
        ..opts()
    };
    assert_eq!(
        field_of(e.recommend_freelancers("j", &zero).unwrap_err()),
        "options.weights"
    );

    // Unknown ids.
    match e.recommend_freelancers("nope", &opts()).unwrap_err() {
        Error::UnknownId {
            kind: EntityKind::Job,
            id,
        } => assert_eq!(id, "nope"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        e.recommend_jobs("nope", &opts()),
        Err(Error::UnknownId {
            kind: EntityKind::Freelancer,
            ..
        })
    ));
    assert!(matches!(
        e.remove_freelancer("nope"),
        Err(Error::UnknownId { .. })
    ));

    // The failed calls left the stored freelancer untouched.
    assert_eq!(e.freelancer("a").unwrap(), before);
    assert_eq!(e.freelancer_count(), 1);
}

#[test]
fn duplicate_and_unknown_skills_are_merged_and_kept() {
    let e = Engine::default();
    let mut f = freelancer(
        "a",
        &[
            ("React", 2.0),
            ("reactjs", 4.0),
            ("Quantum basket weaving", 5.0),
        ],
        30.0,
    );
    f.skills.push(fairmatch::SkillClaim {
        skill: "react.js".into(),
        level: Some(3.0),
        years: None,
        verified: true,
    });
    e.upsert_freelancer(f).unwrap();
    e.upsert_job(job(
        "j",
        &[("React", 4.0), ("quantum  BASKET weaving", 5.0)],
        &[],
    ))
    .unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    let x = r.matches[0]
        .explanation
        .as_ref()
        .unwrap()
        .skills
        .as_ref()
        .unwrap();
    // The three React spellings merged at the highest level (4): full credit for L4.
    assert_eq!(x.matched.len(), 2, "{x:?}");
    assert_eq!(x.matched[0].level_held, Some(4.0));
    assert_eq!(x.matched[0].value, 1.0);
    assert_eq!(
        x.matched[1].held, "Quantum basket weaving",
        "ad-hoc skill matched exactly"
    );
    assert!(x.missing.is_empty());
}

#[test]
fn newcomer_ranks_close_to_an_average_veteran_under_default() {
    let e = Engine::default();
    let skills = [("Python", 4.0), ("Django", 4.0), ("PostgreSQL", 3.0)];
    // A catalogue whose average rating is 4.5 and success rate 0.9 (the veteran is average).
    let mut vet = freelancer("veteran", &skills, 45.0);
    vet.history = Some(History {
        ratings_sum: 4.5 * 20.0,
        ratings_count: 20,
        contracts_completed: 18,
        contracts_total: 20,
        proposals_sent: 30,
        proposals_accepted: 20,
        ..Default::default()
    });
    vet.experience_years = Some(6.0);
    let mut new = freelancer("newcomer", &skills, 45.0);
    new.experience_years = Some(6.0);
    e.upsert_freelancers(vec![vet, new]).unwrap();
    e.upsert_job(job(
        "j",
        &[("Python", 3.0), ("Django", 3.0)],
        &["PostgreSQL"],
    ))
    .unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    let score = |id: &str| r.matches.iter().find(|m| m.id == id).unwrap().score;
    let gap = (score("veteran") - score("newcomer")).abs();
    assert!(gap <= 0.05, "gap {gap}");
    let rep = |id: &str| {
        r.matches
            .iter()
            .find(|m| m.id == id)
            .unwrap()
            .factors
            .iter()
            .find(|f| f.name == "reputation")
            .unwrap()
            .value
    };
    assert!(
        rep("newcomer") > 0.7,
        "no cold-start zero: {}",
        rep("newcomer")
    );
}

#[test]
fn recommend_jobs_skips_closed_and_expired() {
    let e = Engine::default();
    e.upsert_freelancer(freelancer("f", &[("Figma", 4.0), ("UI design", 4.0)], 60.0))
        .unwrap();
    let open = job("open", &[("Figma", 3.0)], &[]);
    let mut closed = job("closed", &[("Figma", 3.0)], &[]);
    closed.open = false;
    let mut expired = job("expired", &[("Figma", 3.0)], &[]);
    expired.expires_at = Some(now() - Duration::days(1));
    let other = job("other", &[("Bookkeeping", 3.0)], &[]);
    e.upsert_jobs(vec![open, closed, expired, other]).unwrap();
    let r = e.recommend_jobs("f", &opts()).unwrap();
    let ids: Vec<&str> = r.matches.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, vec!["open", "other"]);
    assert_eq!(r.vetoed.get("job_closed"), Some(&2));
    // Both directions give the same number for the same pair.
    let fwd = e.recommend_freelancers("open", &opts()).unwrap();
    assert_eq!(fwd.matches[0].score, r.matches[0].score);
}

#[test]
fn outcomes_update_history_and_events_without_double_counting() {
    let e = Engine::default();
    let mut f = freelancer("f", &[("SEO", 4.0)], 30.0);
    f.attributes.insert("tenure".into(), "newcomer".into());
    e.upsert_freelancer(f.clone()).unwrap();
    e.upsert_job(job("j", &[("SEO", 3.0)], &[])).unwrap();
    e.record_impressions(&Impressions {
        request_id: "r1".into(),
        job_id: Some("j".into()),
        freelancer_ids: vec!["f".into()],
        positions: None,
        scores: None,
        propensities: None,
        at: now(),
    })
    .unwrap();
    for kind in [
        OutcomeKind::Applied,
        OutcomeKind::Hired,
        OutcomeKind::Completed,
    ] {
        e.record_outcome(&Outcome {
            freelancer_id: "f".into(),
            job_id: Some("j".into()),
            kind,
            rating: None,
            at: now(),
        })
        .unwrap();
    }
    e.record_outcome(&Outcome {
        freelancer_id: "f".into(),
        job_id: Some("j".into()),
        kind: OutcomeKind::Reviewed,
        rating: Some(5.0),
        at: now(),
    })
    .unwrap();
    let h = e.freelancer("f").unwrap().history.unwrap();
    assert_eq!(
        (
            h.proposals_sent,
            h.proposals_accepted,
            h.contracts_total,
            h.contracts_completed,
            h.active_contracts
        ),
        (1, 1, 1, 1, 0)
    );
    assert_eq!((h.ratings_count, h.ratings_sum), (1, 5.0));
    assert_eq!(h.last_contract_at, Some(now()));
    let log = e.events();
    assert_eq!(log.events, 5);
    let g = log.groups["tenure"]["newcomer"].total(None, None);
    assert_eq!(
        (g.impressions, g.applied, g.hired, g.completed, g.reviews),
        (1, 1, 1, 1, 1)
    );

    // A profile edit without history keeps the recorded counts…
    let mut edit = f.clone();
    edit.history = None;
    edit.hourly_rate = Some(35.0);
    e.upsert_freelancer(edit).unwrap();
    assert_eq!(
        e.freelancer("f")
            .unwrap()
            .history
            .unwrap()
            .contracts_completed,
        1
    );
    // …and a history from the caller's database replaces them (it already counts them).
    let mut db = f;
    db.history = Some(History {
        contracts_completed: 1,
        contracts_total: 1,
        ratings_sum: 5.0,
        ratings_count: 1,
        ..Default::default()
    });
    e.upsert_freelancer(db).unwrap();
    assert_eq!(
        e.freelancer("f")
            .unwrap()
            .history
            .unwrap()
            .contracts_completed,
        1
    );

    // Bad events.
    let bad = Outcome {
        freelancer_id: "f".into(),
        job_id: None,
        kind: OutcomeKind::Reviewed,
        rating: Some(7.0),
        at: now(),
    };
    assert_eq!(
        field_of(e.record_outcome(&bad).unwrap_err()),
        "outcome.rating"
    );
    let unknown = Impressions {
        request_id: "r".into(),
        job_id: None,
        freelancer_ids: vec!["f".into(), "ghost".into()],
        positions: None,
        scores: None,
        propensities: None,
        at: now(),
    };
    assert!(matches!(
        e.record_impressions(&unknown),
        Err(Error::UnknownId { .. })
    ));
    assert_eq!(e.events().events, 5, "nothing recorded on error");
}

#[test]
fn snapshot_round_trip_gives_identical_results() {
    let e = Engine::default();
    for i in 0..50 {
        let skills: &[(&str, f64)] = match i % 3 {
            0 => &[("React", 4.0), ("Node.js", 3.0)],
            1 => &[("Python", 5.0), ("Machine learning", 4.0)],
            _ => &[("Figma", 4.0), ("Illustration madness", 2.0)],
        };
        let mut f = freelancer(&format!("f{i}"), skills, 20.0 + i as f64);
        f.history = Some(History {
            ratings_sum: 4.0 * (i % 5) as f64,
            ratings_count: (i % 5) as u32,
            ..Default::default()
        });
        e.upsert_freelancer(f).unwrap();
    }
    e.remove_freelancer("f7").unwrap();
    e.upsert_job(job("j", &[("JavaScript", 3.0)], &["Python"]))
        .unwrap();
    e.record_outcome(&Outcome {
        freelancer_id: "f3".into(),
        job_id: None,
        kind: OutcomeKind::Hired,
        rating: None,
        at: now(),
    })
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.fm");
    e.save(&path).unwrap();
    let back = Engine::load(&path).unwrap();
    for o in [
        opts(),
        RecommendOptions {
            preset: fairmatch::Preset::MegilanceV1,
            ..opts()
        },
    ] {
        assert_eq!(
            e.recommend_freelancers("j", &o).unwrap(),
            back.recommend_freelancers("j", &o).unwrap()
        );
        assert_eq!(
            e.recommend_jobs("f4", &o).unwrap(),
            back.recommend_jobs("f4", &o).unwrap()
        );
    }
    assert_eq!(back.freelancer_count(), 49);
    assert_eq!(
        e.to_bytes().unwrap(),
        back.to_bytes().unwrap(),
        "save → load → save is byte-identical"
    );
    assert!(matches!(
        back.freelancer("f7"),
        Err(Error::UnknownId { .. })
    ));
}

#[test]
fn corrupt_snapshots_are_errors() {
    let e = Engine::default();
    e.upsert_freelancer(freelancer("a", &[("Rust", 4.0)], 50.0))
        .unwrap();
    let bytes = e.to_bytes().unwrap();
    assert!(matches!(
        Engine::from_bytes(b"PK\x03\x04 a zip file"),
        Err(Error::NotASnapshot { .. })
    ));
    assert!(matches!(
        Engine::from_bytes(&bytes[..bytes.len() - 1]),
        Err(Error::CorruptSnapshot { .. })
    ));
    let mut future = bytes.clone();
    future[8..12].copy_from_slice(&99u32.to_le_bytes());
    let crc = crc_of(&future[..16]);
    future[16..20].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        Engine::from_bytes(&future),
        Err(Error::IncompatibleSnapshot {
            found: 99,
            supported: 5
        })
    ));
    let mut flipped = bytes;
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x10;
    assert!(matches!(
        Engine::from_bytes(&flipped),
        Err(Error::CorruptSnapshot { .. })
    ));
    let dir = tempfile::tempdir().unwrap();
    assert!(matches!(
        Engine::load(dir.path().join("missing.fm")),
        Err(Error::Io { .. })
    ));
}

fn crc_of(b: &[u8]) -> u32 {
    // CRC-32 (IEEE), bitwise, so the test does not depend on the implementation under test.
    let mut crc = 0xFFFF_FFFFu32;
    for &x in b {
        crc ^= x as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn queries_run_concurrently_with_updates_and_see_consistent_state() {
    let e = Engine::default();
    for i in 0..200 {
        e.upsert_freelancer(freelancer(
            &format!("f{i}"),
            &[("Python", 3.0 + (i % 3) as f64)],
            40.0,
        ))
        .unwrap();
    }
    e.upsert_job(job("j", &[("Python", 4.0)], &[])).unwrap();
    let e = Arc::new(e);
    std::thread::scope(|s| {
        let writer = {
            let e = e.clone();
            s.spawn(move || {
                for i in 200..400 {
                    e.upsert_freelancer(freelancer(&format!("f{i}"), &[("Python", 5.0)], 40.0))
                        .unwrap();
                }
            })
        };
        for _ in 0..4 {
            let e = e.clone();
            s.spawn(move || {
                for _ in 0..30 {
                    let r = e
                        .recommend_freelancers("j", &RecommendOptions { k: 500, ..opts() })
                        .unwrap();
                    // Every request sees a whole catalogue state: as many matches as candidates.
                    assert_eq!(r.matches.len() as u32, r.candidates);
                    assert!(r.candidates >= 200 && r.candidates <= 400);
                }
            });
        }
        writer.join().unwrap();
    });
    assert_eq!(e.freelancer_count(), 400);
}

/// `try_read` gives the read view at once, or `None` while a writer holds the lock or waits
/// for it (so a rayon thread never blocks behind a writer); the view answers as the engine.
#[test]
fn try_read_steps_aside_for_a_waiting_writer_and_the_view_answers_as_the_engine() {
    let e = Engine::default();
    for i in 0..50 {
        e.upsert_freelancer(freelancer(&format!("f{i}"), &[("Python", 3.0)], 40.0))
            .unwrap();
    }
    e.upsert_job(job("j", &[("Python", 4.0)], &[])).unwrap();
    let o = opts();
    let via_engine = e.recommend_freelancers("j", &o).unwrap();
    let view = e.try_read().expect("no writer: readable at once");
    assert_eq!(view.recommend_freelancers("j", &o).unwrap(), via_engine);
    assert_eq!(
        view.recommend_jobs("f1", &o).unwrap(),
        e.recommend_jobs("f1", &o).unwrap()
    );
    // a second reader on the same thread is fine while no writer waits
    assert!(e.try_read().is_some());
    std::thread::scope(|s| {
        let writer = s.spawn(|| {
            e.upsert_freelancer(freelancer("late", &[("Python", 5.0)], 40.0))
                .unwrap();
        });
        // the writer parks behind `view`: from then on try_read declines
        let t0 = std::time::Instant::now();
        while e.try_read().is_some() {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(30),
                "the writer never waited"
            );
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        drop(view);
        writer.join().unwrap();
    });
    assert_eq!(
        e.try_read()
            .unwrap()
            .recommend_freelancers("j", &o)
            .unwrap()
            .candidates,
        51
    );
}
