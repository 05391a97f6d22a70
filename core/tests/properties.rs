//! Property tests: bounds, monotonicity of the skill factor, determinism across runs and
//! thread counts, and a snapshot loader that never panics on hostile bytes.

mod common;

use common::{freelancer, job, now};
use fairmatch::{Engine, RecommendOptions, SkillClaim, builtin};
use proptest::prelude::*;

fn skill_names() -> Vec<String> {
    let t = builtin();
    // A mix of taxonomy labels (with hierarchy links) and ad-hoc labels.
    let mut v: Vec<String> = t
        .skills()
        .iter()
        .step_by(9)
        .take(60)
        .map(|s| s.label.clone())
        .collect();
    v.extend([
        "Totally custom skill".to_owned(),
        "React".to_owned(),
        "JavaScript".to_owned(),
    ]);
    v
}

fn opts() -> RecommendOptions {
    RecommendOptions {
        now: Some(now()),
        k: 50,
        ..RecommendOptions::default()
    }
}

fn arb_profile() -> impl Strategy<Value = Vec<(usize, f64)>> {
    proptest::collection::vec((0usize..63, 1.0f64..=5.0), 0..8)
}

fn build(
    profiles: &[Vec<(usize, f64)>],
    rates: &[f64],
    req: &[(usize, f64)],
    nice: &[usize],
) -> Engine {
    let names = skill_names();
    let e = Engine::default();
    for (i, p) in profiles.iter().enumerate() {
        let skills: Vec<(&str, f64)> = p.iter().map(|(s, l)| (names[*s].as_str(), *l)).collect();
        e.upsert_freelancer(freelancer(
            &format!("f{i}"),
            &skills,
            rates[i % rates.len()],
        ))
        .unwrap();
    }
    let must: Vec<(&str, f64)> = req.iter().map(|(s, l)| (names[*s].as_str(), *l)).collect();
    let nice: Vec<&str> = nice.iter().map(|s| names[*s].as_str()).collect();
    e.upsert_job(job("j", &must, &nice)).unwrap();
    e
}

fn skill_factor(e: &Engine, fid: &str) -> f64 {
    let s = e.score("j", fid, &opts()).unwrap();
    s.result
        .factors
        .iter()
        .find(|f| f.name == "skills")
        .unwrap()
        .value
}

/// The coverage part of the skill factor (before the focus term).
fn coverage(e: &Engine, fid: &str) -> f64 {
    common::skills_of(&e.score("j", fid, &opts()).unwrap().result).coverage
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_factor_and_total_is_in_unit_interval(
        profiles in proptest::collection::vec(arb_profile(), 1..12),
        rates in proptest::collection::vec(0.0f64..500.0, 1..4),
        req in proptest::collection::vec((0usize..63, 1.0f64..=5.0), 0..5),
        nice in proptest::collection::vec(0usize..63, 0..3),
    ) {
        let e = build(&profiles, &rates, &req, &nice);
        for o in [opts(), RecommendOptions { preset: fairmatch::Preset::MegilanceV1, ..opts() }] {
            for m in e.recommend_freelancers("j", &o).unwrap().matches {
                prop_assert!((0.0..=1.0).contains(&m.score), "total {}", m.score);
                for f in &m.factors {
                    prop_assert!((0.0..=1.0).contains(&f.value), "{} = {}", f.name, f.value);
                }
            }
        }
    }

    #[test]
    fn adding_a_skill_never_lowers_coverage_and_a_required_one_never_lowers_the_factor(
        profile in arb_profile(),
        extra in (0usize..63, 1.0f64..=5.0),
        req in proptest::collection::vec((0usize..63, 1.0f64..=5.0), 1..5),
        nice in proptest::collection::vec(0usize..63, 0..3),
    ) {
        // Any skill: coverage never drops (the focus term may: an unrelated skill dilutes it).
        let mut bigger = profile.clone();
        bigger.push(extra);
        let e = build(&[profile.clone(), bigger], &[50.0], &req, &nice);
        prop_assert!(coverage(&e, "f1") >= coverage(&e, "f0") - 1e-12);
        // A skill the job requires, at the level it needs: nothing drops.
        let mut matched = profile.clone();
        matched.push((req[0].0, 5.0));
        let e = build(&[profile, matched], &[50.0], &req, &nice);
        prop_assert!(skill_factor(&e, "f1") >= skill_factor(&e, "f0") - 1e-12);
    }

    #[test]
    fn raising_a_level_toward_the_need_never_lowers_it(
        profile in proptest::collection::vec((0usize..63, 1.0f64..=5.0), 1..8),
        which in 0usize..8,
        raise in 0.0f64..4.0,
        req in proptest::collection::vec((0usize..63, 1.0f64..=5.0), 1..5),
    ) {
        let mut higher = profile.clone();
        let i = which % higher.len();
        higher[i].1 = (higher[i].1 + raise).min(5.0);
        let e = build(&[profile, higher], &[50.0], &req, &[]);
        prop_assert!(skill_factor(&e, "f1") >= skill_factor(&e, "f0") - 1e-12);
    }
}

#[test]
fn identical_across_runs_and_thread_counts() {
    // Large enough to take the parallel scan path.
    let names = skill_names();
    let e = Engine::default();
    let mut batch = Vec::new();
    for i in 0..12_000usize {
        let skills: Vec<(&str, f64)> = (0..4)
            .map(|k| {
                (
                    names[(i * 7 + k * 13) % names.len()].as_str(),
                    1.0 + ((i + k) % 5) as f64,
                )
            })
            .collect();
        let mut f = freelancer(&format!("f{i}"), &skills, 10.0 + (i % 90) as f64);
        f.skills.push(SkillClaim {
            skill: "React".into(),
            level: Some((i % 5 + 1) as f64),
            years: None,
            verified: false,
        });
        batch.push(f);
    }
    e.upsert_freelancers(batch).unwrap();
    e.upsert_job(job(
        "j",
        &[("JavaScript", 3.0), (names[5].as_str(), 2.0)],
        &[names[11].as_str()],
    ))
    .unwrap();
    let o = RecommendOptions { k: 100, ..opts() };
    let run = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap()
            .install(|| e.recommend_freelancers("j", &o).unwrap())
    };
    let one = run(1);
    assert_eq!(one.matches.len(), 100);
    assert_eq!(one, run(1), "repeated runs");
    assert_eq!(one, run(2), "2 threads");
    assert_eq!(one, run(4), "4 threads");
    // Pruning by the upper bound never changes the top k: compare with a k that never fills.
    let all = e
        .recommend_freelancers(
            "j",
            &RecommendOptions {
                k: 10_000,
                explain: false,
                ..o.clone()
            },
        )
        .unwrap();
    let head: Vec<(&str, f64)> = all
        .matches
        .iter()
        .take(100)
        .map(|m| (m.id.as_str(), m.score))
        .collect();
    let top: Vec<(&str, f64)> = one
        .matches
        .iter()
        .map(|m| (m.id.as_str(), m.score))
        .collect();
    assert_eq!(head, top);
    assert_eq!((all.scored, all.candidates), (one.scored, one.candidates));
    // The documented tie rule (ARCHITECTURE.md): score descending, then external id
    // ascending; the catalogue has many equal scores, so the rule is exercised.
    let (mut ties, mut telling) = (0, 0);
    for w in one.matches.windows(2) {
        assert!(
            w[0].score > w[1].score || (w[0].score == w[1].score && w[0].id < w[1].id),
            "{} ({}) before {} ({})",
            w[0].id,
            w[0].score,
            w[1].id,
            w[1].score
        );
        if w[0].score == w[1].score {
            ties += 1;
            // upsert order (= internal id) is the number in "f{i}": a tie where string and
            // numeric order disagree tells the two rules apart
            let num = |id: &str| id[1..].parse::<usize>().unwrap();
            telling += (num(&w[0].id) > num(&w[1].id)) as usize;
        }
    }
    assert!(
        ties >= 5,
        "only {ties} equal-score neighbours: the tie rule went untested"
    );
    assert!(
        telling >= 1,
        "no tie separates external-id order from upsert order"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn snapshot_loader_never_panics_on_random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
        prop_assert!(Engine::from_bytes(&bytes).is_err());
    }

    #[test]
    fn snapshot_loader_rejects_truncations_and_bit_flips(cut in any::<proptest::sample::Index>(), flip in any::<proptest::sample::Index>(), bit in 0u8..8) {
        let bytes = sample_snapshot();
        let c = cut.index(bytes.len());
        prop_assert!(Engine::from_bytes(&bytes[..c]).is_err());
        let mut flipped = bytes.clone();
        let i = flip.index(flipped.len());
        flipped[i] ^= 1 << bit;
        prop_assert!(Engine::from_bytes(&flipped).is_err());
        // Magic intact but garbage after the header: still an error.
        let mut garbage = bytes[..24.min(bytes.len())].to_vec();
        garbage.extend(std::iter::repeat_n(0xAB, c % 512));
        prop_assert!(Engine::from_bytes(&garbage).is_err());
    }
}

fn sample_snapshot() -> Vec<u8> {
    use std::sync::OnceLock;
    static S: OnceLock<Vec<u8>> = OnceLock::new();
    S.get_or_init(|| {
        let e = Engine::default();
        e.upsert_freelancer(freelancer("a", &[("Rust", 4.0), ("Go", 3.0)], 70.0))
            .unwrap();
        e.upsert_job(job("j", &[("Rust", 3.0)], &["Kubernetes"]))
            .unwrap();
        e.to_bytes().unwrap()
    })
    .clone()
}
