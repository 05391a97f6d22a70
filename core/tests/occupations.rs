//! Occupation evidence in the engine (skills/occupation.rs): a taxonomy with occupation
//! profiles ranks a freelancer of the job's occupation above one of another occupation even
//! when neither shares a listed skill, says so in the explanation, answers the same in both
//! directions and after a snapshot round trip (byte-identical), and is inert without
//! profiles or with `fit.occupation = 0`. The last test runs the ESCO ICT slice (needs
//! ../shared/data; fails with a clear message when it is missing).

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{freelancer, job, now, skills_of};
use fairmatch::skills::EscoOccupation;
use fairmatch::{Engine, EngineConfig, RecommendOptions, Taxonomy, TaxonomyBuilder};

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        ..RecommendOptions::top(20)
    }
}

const DEV: [&str; 6] = ["Rust", "Go", "Kubernetes", "SQL", "Linux", "Git"];
const NURSE: [&str; 6] = [
    "Wound care",
    "Triage",
    "Phlebotomy",
    "Patient records",
    "Medication",
    "Infection control",
];

fn occupation(label: &str, essential: &[u32], optional: &[u32]) -> EscoOccupation {
    EscoOccupation {
        uri: format!("urn:occ:{label}"),
        label: label.into(),
        isco_group: "0000".into(),
        essential: essential.to_vec(),
        optional: optional.to_vec(),
    }
}

/// The taxonomy's skill labels by id: developer skills 0–5, nursing skills 6–11,
/// "Communication" 12 (in both).
fn label(id: usize) -> &'static str {
    DEV.iter()
        .chain(&NURSE)
        .chain(&["Communication"])
        .nth(id)
        .expect("a skill id of the test taxonomy")
}

/// The test taxonomy (see [`label`]).
fn taxonomy(with_occupations: bool) -> Taxonomy {
    let mut b = TaxonomyBuilder::new("test");
    for l in (0..13).map(label) {
        b.add_skill(l, None, &[]).unwrap();
    }
    let t = b.build().unwrap();
    if !with_occupations {
        return t;
    }
    t.with_occupations(vec![
        occupation("software developer", &[0, 1, 2], &[3, 4, 5, 12]),
        occupation("nurse", &[6, 7, 8], &[9, 10, 11, 12]),
    ])
    .unwrap()
}

/// The job asks for Rust, Go and Kubernetes; `dev` holds other developer skills (SQL, Linux,
/// Git), `nurse` nursing skills; both share Communication and neither holds a requirement.
fn market(t: Taxonomy, config: EngineConfig) -> Engine {
    let e = Engine::with_config(Arc::new(t), config).unwrap();
    e.upsert_freelancers(vec![
        freelancer(
            "dev",
            &[
                ("SQL", 3.0),
                ("Linux", 3.0),
                ("Git", 3.0),
                ("Communication", 3.0),
            ],
            40.0,
        ),
        freelancer(
            "nurse",
            &[("Triage", 3.0), ("Medication", 3.0), ("Communication", 3.0)],
            40.0,
        ),
    ])
    .unwrap();
    e.upsert_job(job(
        "j",
        &[],
        &["Rust", "Go", "Kubernetes", "Communication"],
    ))
    .unwrap();
    e
}

fn skill_value(e: &Engine, f: &str) -> f64 {
    let s = e.score("j", f, &opts()).unwrap();
    s.result
        .factors
        .iter()
        .find(|x| x.name == "skills")
        .unwrap()
        .value
}

#[test]
fn same_occupation_outranks_another_without_shared_requirements() {
    let e = market(taxonomy(true), EngineConfig::default());
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "dev");
    let (dev, nurse) = (skill_value(&e, "dev"), skill_value(&e, "nurse"));
    assert!(dev > nurse + 0.3, "dev {dev} nurse {nurse}");
    let sx = skills_of(&r.matches[0]);
    let o = sx.occupation.as_ref().expect("occupation evidence");
    assert_eq!(o.likeliest.as_deref(), Some("software developer"));
    assert_eq!(o.uri.as_deref(), Some("urn:occ:software developer"));
    assert_eq!(o.weight, 0.5);
    assert!(o.similarity > 0.95 && o.job_probability > 0.95, "{o:?}");
    let notes = &r.matches[0].explanation.as_ref().unwrap().notes;
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("occupation 1.00 (weight 0.50 of skills)")
                && n.contains("both most likely software developer")),
        "{notes:?}"
    );
    // the skill factor is (1 − β)·(coverage and focus) + β·occ, as documented
    let off = market(taxonomy(true), {
        let mut c = EngineConfig::default();
        c.scoring.fit.occupation = 0.0;
        c
    });
    let plain = skill_value(&off, "dev");
    assert!((dev - (0.5 * plain + 0.5 * o.similarity)).abs() < 1e-9);
    // one pair, one score, whichever side asks
    let jobs = e.recommend_jobs("dev", &opts()).unwrap();
    assert_eq!(jobs.matches[0].score, r.matches[0].score);
}

/// "dev" and "nurse" share no skill (or expansion of one) with a job asking for Rust, Go and
/// Kubernetes; only "dev"'s likely occupation is the job's.
fn no_shared_skills(config: EngineConfig) -> Engine {
    let e = Engine::with_config(Arc::new(taxonomy(true)), config).unwrap();
    e.upsert_freelancers(vec![
        freelancer("dev", &[("SQL", 3.0), ("Linux", 3.0), ("Git", 3.0)], 40.0),
        freelancer("nurse", &[("Triage", 3.0), ("Medication", 3.0)], 40.0),
    ])
    .unwrap();
    e.upsert_job(job("j", &[], &["Rust", "Go", "Kubernetes"]))
        .unwrap();
    e
}

#[test]
fn retrieval_finds_a_same_occupation_freelancer_without_shared_skills() {
    // min_catalog 0: the retrieval stage always runs
    let mut cfg = EngineConfig::default();
    cfg.retrieval.min_catalog = 0;
    let e = no_shared_skills(cfg);
    let top1 = RecommendOptions { k: 1, ..opts() };
    let r = e.recommend_freelancers("j", &top1).unwrap();
    // no skill of either freelancer is in the job's expansion: occupations retrieve both
    // (with two profiles every posterior lists both, the nurse's with a tiny probability)
    assert_eq!(r.retrieved, Some(2));
    assert_eq!(r.matches[0].id, "dev", "{:?}", r.matches);
    // a k the retrieved candidates cannot fill: the scan runs instead, as without retrieval
    let r2 = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!((r2.retrieved, r2.matches.len()), (None, 2));
    let full = no_shared_skills(EngineConfig::default())
        .recommend_freelancers("j", &top1)
        .unwrap();
    assert_eq!(
        r.matches[0], full.matches[0],
        "retrieval answers as the full scan"
    );
}

#[test]
fn inert_without_profiles_or_with_weight_zero() {
    let none = market(taxonomy(false), EngineConfig::default());
    let mut cfg = EngineConfig::default();
    cfg.scoring.fit.occupation = 0.0;
    let zero = market(taxonomy(true), cfg);
    for e in [&none, &zero] {
        let r = e.recommend_freelancers("j", &opts()).unwrap();
        for m in &r.matches {
            assert!(skills_of(m).occupation.is_none());
            let notes = &m.explanation.as_ref().unwrap().notes;
            assert!(
                !notes.iter().any(|n| n.starts_with("occupation")),
                "{notes:?}"
            );
        }
    }
    for f in ["dev", "nurse"] {
        assert_eq!(skill_value(&none, f), skill_value(&zero, f));
    }
}

#[test]
fn a_job_without_taxonomy_skills_gets_no_occupation_evidence() {
    let e = market(taxonomy(true), EngineConfig::default());
    e.upsert_job(job("odd", &[], &["Underwater basket weaving"]))
        .unwrap();
    let r = e.recommend_freelancers("odd", &opts()).unwrap();
    assert!(r.matches.iter().all(|m| skills_of(m).occupation.is_none()));
}

#[test]
fn snapshot_keeps_the_profiles_byte_identically() {
    let e = market(taxonomy(true), EngineConfig::default());
    let bytes = e.to_bytes().unwrap();
    let back = Engine::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(back.taxonomy().occupations().unwrap().len(), 2);
    let (a, b) = (
        e.recommend_freelancers("j", &opts()).unwrap(),
        back.recommend_freelancers("j", &opts()).unwrap(),
    );
    assert_eq!(a.matches, b.matches);
    // without profiles there is no `occprof` section, and none comes back
    let plain = market(taxonomy(false), EngineConfig::default());
    let back = Engine::from_bytes(&plain.to_bytes().unwrap()).unwrap();
    assert!(back.taxonomy().occupations().is_none());
}

#[test]
fn profiles_reject_skills_outside_the_taxonomy_and_bad_weights() {
    let e = taxonomy(false)
        .with_occupations(vec![occupation("x", &[0], &[99])])
        .unwrap_err();
    assert!(e.to_string().contains("occupations[0].optional"), "{e}");
    let mut cfg = EngineConfig::default();
    cfg.scoring.fit.occupation = 1.5;
    let e = Engine::with_config(Arc::new(taxonomy(true)), cfg).unwrap_err();
    assert!(e.to_string().contains("fit.occupation"), "{e}");
}

fn esco_slice() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data/esco-ict-slice");
    assert!(
        p.join("occupationSkillRelations.csv").is_file(),
        "ESCO data missing at {} — this test needs ../shared/data beside the repository (see its README)",
        p.display()
    );
    p
}

#[test]
fn esco_import_carries_profiles_that_find_the_occupation_of_a_template() {
    let imp = fairmatch::import_esco_dir(esco_slice()).unwrap();
    let t = Arc::new(imp.taxonomy);
    let p = t
        .occupations()
        .expect("the ESCO import carries occupation profiles");
    assert_eq!(p.occupations().len(), imp.occupations.len());
    // two occupations with enough skills that no skill of one is essential to the other
    let with_skills: Vec<&EscoOccupation> = imp
        .occupations
        .iter()
        .filter(|o| o.essential.len() >= 6 && o.optional.len() >= 4)
        .collect();
    let (a, b) = with_skills
        .iter()
        .flat_map(|a| with_skills.iter().map(move |b| (*a, *b)))
        .find(|(a, b)| {
            a.uri != b.uri
                && a.essential
                    .iter()
                    .chain(&a.optional)
                    .all(|s| !b.essential.contains(s) && !b.optional.contains(s))
        })
        .expect("two disjoint occupations in the slice");
    let label = |s: &u32| t.get(*s).unwrap().label.clone();
    let e = Engine::new(t.clone());
    // the job lists a's first three essential skills; "same" holds a's optional skills and
    // its other essential ones (none of the job's), "other" holds b's
    let mut j = job("j", &[], &[]);
    j.skills = a.essential[..3]
        .iter()
        .map(|s| fairmatch::SkillRequirement {
            skill: label(s),
            min_level: None,
            weight: None,
            importance: fairmatch::Importance::Nice,
        })
        .collect();
    e.upsert_job(j).unwrap();
    let held = |o: &EscoOccupation, skip: usize| -> Vec<(String, f64)> {
        o.essential[skip..]
            .iter()
            .chain(&o.optional)
            .take(6)
            .map(|s| (label(s), 3.0))
            .collect()
    };
    let same = held(a, 3);
    let other = held(b, 0);
    fn as_refs(v: &[(String, f64)]) -> Vec<(&str, f64)> {
        v.iter().map(|(s, l)| (s.as_str(), *l)).collect()
    }
    e.upsert_freelancers(vec![
        freelancer("same", &as_refs(&same), 40.0),
        freelancer("other", &as_refs(&other), 40.0),
    ])
    .unwrap();
    let r = e.recommend_freelancers("j", &opts()).unwrap();
    assert_eq!(r.matches[0].id, "same", "{:?}", r.matches);
    let o = skills_of(&r.matches[0]).occupation.clone().unwrap();
    assert!(
        o.similarity
            > skills_of(&r.matches[1])
                .occupation
                .clone()
                .unwrap()
                .similarity
    );
    assert!(o.likeliest.is_some(), "{o:?}");
    // and the snapshot round trip keeps it, byte for byte
    let bytes = e.to_bytes().unwrap();
    let back = Engine::from_bytes(&bytes).unwrap();
    assert_eq!(back.to_bytes().unwrap(), bytes);
    assert_eq!(
        back.recommend_freelancers("j", &opts()).unwrap().matches,
        r.matches
    );
}

#[test]
fn a_snapshot_whose_profiles_name_a_missing_skill_is_rejected_as_corrupt() {
    use fairmatch::persist::{self, Codec};
    let e = market(taxonomy(true), EngineConfig::default());
    let (version, mut sections) = persist::decode(&e.to_bytes().unwrap(), u32::MAX).unwrap();
    let sec = sections
        .iter_mut()
        .find(|s| s.name == "occprof" && s.codec == Codec::Bincode)
        .expect("an occprof section");
    let mut occ: Vec<EscoOccupation> = persist::from_bincode(&sec.bytes, "occprof").unwrap();
    occ[1].optional.push(1_000);
    sec.bytes = persist::to_bincode(&occ).unwrap();
    let bad = persist::encode(version, &sections).unwrap();
    let err = Engine::from_bytes(&bad).unwrap_err().to_string();
    assert!(
        err.contains("occprof") && err.contains("occupations[1].optional"),
        "{err}"
    );
    // an empty list is not a section the engine writes
    let sec = sections.iter_mut().find(|s| s.name == "occprof").unwrap();
    sec.bytes = persist::to_bincode(&Vec::<EscoOccupation>::new()).unwrap();
    let err = Engine::from_bytes(&persist::encode(version, &sections).unwrap()).unwrap_err();
    assert!(err.to_string().contains("occprof"), "{err}");
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn engine(profiles: &[Vec<usize>], job: &[usize], reverse: bool) -> Engine {
        engine_with(profiles, job, reverse, EngineConfig::default())
    }

    fn engine_with(
        profiles: &[Vec<usize>],
        job: &[usize],
        reverse: bool,
        config: EngineConfig,
    ) -> Engine {
        let e = Engine::with_config(Arc::new(taxonomy(true)), config).unwrap();
        let mut batch: Vec<_> = profiles
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let skills: Vec<(&str, f64)> = p.iter().map(|&s| (label(s), 3.0)).collect();
                freelancer(&format!("f{i:02}"), &skills, 40.0)
            })
            .collect();
        if reverse {
            batch.reverse();
        }
        e.upsert_freelancers(batch).unwrap();
        let nice: Vec<&str> = job.iter().map(|&s| label(s)).collect();
        e.upsert_job(common::job("j", &[], &nice)).unwrap();
        e
    }

    /// Cases of the property below in which the retrieval stage ran (checked after it).
    static RETRIEVED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

    #[test]
    fn the_property_exercises_the_retrieval_stage() {
        occupation_evidence_is_bounded_persistent_and_order_free();
        assert!(
            RETRIEVED.load(std::sync::atomic::Ordering::Relaxed) >= 5,
            "too few cases ran the retrieval stage"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        /// With occupation profiles: every factor stays in [0, 1], the snapshot round trip
        /// is byte-identical and answers the same, upsert order does not matter, and the
        /// retrieval stage answers as the full scan.
        #[test]
        fn occupation_evidence_is_bounded_persistent_and_order_free(
            profiles in proptest::collection::vec(proptest::collection::vec(0usize..13, 0..6), 1..12),
            job in proptest::collection::vec(0usize..13, 0..5),
        ) {
            let e = engine(&profiles, &job, false);
            let r = e.recommend_freelancers("j", &opts()).unwrap();
            for m in &r.matches {
                prop_assert!((0.0..=1.0).contains(&m.score));
                for f in &m.factors {
                    prop_assert!((0.0..=1.0).contains(&f.value), "{} = {}", f.name, f.value);
                }
                if let Some(o) = &skills_of(m).occupation {
                    prop_assert!((0.0..=1.0).contains(&o.similarity));
                }
            }
            let bytes = e.to_bytes().unwrap();
            let back = Engine::from_bytes(&bytes).unwrap();
            prop_assert_eq!(back.to_bytes().unwrap(), bytes);
            prop_assert_eq!(&back.recommend_freelancers("j", &opts()).unwrap().matches, &r.matches);
            let rev = engine(&profiles, &job, true);
            prop_assert_eq!(&rev.recommend_freelancers("j", &opts()).unwrap().matches, &r.matches);
            // the retrieval stage (skill postings ∪ occupation postings) answers as the scan
            let mut cfg = EngineConfig::default();
            cfg.retrieval.min_catalog = 0;
            let retrieved = engine_with(&profiles, &job, false, cfg);
            let top3 = RecommendOptions { k: 3, ..opts() };
            let (a, b) = (
                retrieved.recommend_freelancers("j", &top3).unwrap(),
                e.recommend_freelancers("j", &top3).unwrap(),
            );
            prop_assert_eq!(&a.matches, &b.matches);
            if a.retrieved.is_some() {
                RETRIEVED.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    }
}
