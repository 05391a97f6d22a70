//! Shared, seeded data generators and measurement helpers for fairmatch's benchmarks and
//! comparison harnesses. Everything here uses only fairmatch's public API, so benchmarks
//! measure what users call.

use std::path::PathBuf;
use std::time::Duration;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// A seeded, platform-independent random generator for reproducible benchmark data.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// The shared data folder (`../shared/data` beside the repository), or a clear panic naming
/// what is missing: benchmarks that need the data cannot run without it.
pub fn shared_data_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/data");
    assert!(
        root.is_dir(),
        "the shared data folder is missing: expected ESCO/O*NET/embeddings at {} \
         (see ../shared/data/README.md)",
        root.display()
    );
    root
}

/// Recall@k of `found` against the exact `truth` (both id lists; only the first k of each count).
pub fn recall_at_k(found: &[u32], truth: &[u32], k: usize) -> f64 {
    let truth = &truth[..truth.len().min(k)];
    if truth.is_empty() {
        return 1.0;
    }
    let hits = found[..found.len().min(k)]
        .iter()
        .filter(|id| truth.contains(id))
        .count();
    hits as f64 / truth.len() as f64
}

/// The p-th percentile (0..=100, nearest rank) of a set of durations; `None` when empty.
pub fn percentile(samples: &mut [Duration], p: f64) -> Option<Duration> {
    if samples.is_empty() {
        return None;
    }
    samples.sort_unstable();
    let rank = ((p / 100.0) * samples.len() as f64).ceil() as usize;
    Some(samples[rank.clamp(1, samples.len()) - 1])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recall_and_percentile() {
        assert_eq!(recall_at_k(&[1, 2, 3], &[3, 4, 5], 3), 1.0 / 3.0);
        assert_eq!(recall_at_k(&[], &[], 10), 1.0);
        let mut s: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut s, 99.0), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&mut s, 50.0), Some(Duration::from_millis(50)));
    }
}

pub mod lab;

/// Seeded synthetic marketplaces built from the built-in taxonomy.
pub mod synth {
    use chrono::{DateTime, Duration, TimeZone, Utc};
    use fairmatch::{
        Budget, BudgetKind, ExperienceLevel, Freelancer, History, Importance, Job, SkillClaim,
        SkillRequirement, Taxonomy,
    };
    use rand::Rng;
    use rand::seq::IndexedRandom;

    /// The reference time of the synthetic data.
    pub fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
    }

    const ZONES: [&str; 10] = [
        "Europe/Berlin",
        "Europe/London",
        "America/New_York",
        "America/Sao_Paulo",
        "Asia/Kolkata",
        "Asia/Manila",
        "Africa/Lagos",
        "Asia/Karachi",
        "America/Los_Angeles",
        "Europe/Warsaw",
    ];

    /// Skill "families": each taxonomy skill with at least 3 descendants within 2 hops, and
    /// those descendants. Profiles and jobs draw most skills from one family, as real
    /// specialists do.
    ///
    /// Only categorised skills take part (every skill of the team's file; the skills ESCO's
    /// digital collection added to the built-in taxonomy have no category), so the benchmark
    /// catalogues stay what they were before that merge (`tests/synth.rs`).
    pub fn families(t: &Taxonomy) -> Vec<Vec<String>> {
        let mut out = Vec::new();
        let kept = |id: &u32| t.get(*id).is_some_and(|n| n.category.is_some());
        for (i, n) in t.skills().iter().enumerate() {
            if n.category.is_none() {
                continue;
            }
            let mut fam = vec![n.label.clone()];
            for c in t.children(i as u32).iter().filter(|c| kept(c)) {
                fam.push(t.get(*c).unwrap().label.clone());
                for g in t.children(*c).iter().filter(|g| kept(g)) {
                    fam.push(t.get(*g).unwrap().label.clone());
                }
            }
            if fam.len() >= 4 {
                fam.dedup();
                out.push(fam);
            }
        }
        out
    }

    fn pick_skills(
        rng: &mut impl Rng,
        fams: &[Vec<String>],
        all: &[String],
        n: usize,
    ) -> Vec<String> {
        let fam = fams.choose(rng).unwrap();
        let mut v: Vec<String> = Vec::new();
        while v.len() < n {
            let s = if rng.random_bool(0.75) {
                fam.choose(rng).unwrap()
            } else {
                all.choose(rng).unwrap()
            };
            if !v.contains(s) {
                v.push(s.clone());
            }
            if v.len() >= fam.len() + 3 {
                break;
            }
        }
        v
    }

    /// The labels of the categorised skills, in id order (see [`families`]).
    fn labels(t: &Taxonomy) -> Vec<String> {
        t.skills()
            .iter()
            .filter(|s| s.category.is_some())
            .map(|s| s.label.clone())
            .collect()
    }

    /// `n` freelancers (ids `f0…`), seeded.
    pub fn freelancers(t: &Taxonomy, n: usize, seed: u64) -> Vec<Freelancer> {
        let mut rng = crate::rng(seed);
        let fams = families(t);
        let all = labels(t);
        (0..n)
            .map(|i| {
                let mut f = Freelancer::new(format!("f{i}"));
                let k = rng.random_range(4..=12);
                f.skills = pick_skills(&mut rng, &fams, &all, k)
                    .into_iter()
                    .map(|s| SkillClaim {
                        skill: s,
                        level: Some(rng.random_range(1..=5) as f64),
                        years: None,
                        verified: false,
                    })
                    .collect();
                f.hourly_rate = Some(rng.random_range(10.0..150.0f64).round());
                f.timezone = Some(ZONES.choose(&mut rng).unwrap().to_string());
                f.weekly_hours = Some(rng.random_range(5..=40) as f64);
                f.languages = if rng.random_bool(0.9) {
                    vec!["en".into()]
                } else {
                    vec!["es".into()]
                };
                let jobs = if rng.random_bool(0.25) {
                    0
                } else {
                    rng.random_range(1..60u32)
                };
                let completed = (jobs as f64 * rng.random_range(0.6..1.0)).floor() as u32;
                let reviews = completed.min(rng.random_range(0..=completed.max(1)));
                f.history = Some(History {
                    contracts_total: jobs,
                    contracts_completed: completed,
                    active_contracts: rng.random_range(0..=(jobs - completed).min(3)),
                    ratings_count: reviews,
                    ratings_sum: (0..reviews).map(|_| rng.random_range(3..=5) as f64).sum(),
                    ..History::default()
                });
                f.last_active = Some(now() - Duration::days(rng.random_range(0..120)));
                f.attributes.insert(
                    "tenure".into(),
                    if jobs == 0 {
                        "newcomer".into()
                    } else {
                        "established".into()
                    },
                );
                f
            })
            .collect()
    }

    /// Jobs in the recommend benchmark's catalogue (`j0…j199`).
    pub const RECOMMEND_JOBS: usize = 200;

    /// The recommend benchmark's catalogue: `n` freelancers (seed 7) and
    /// [`RECOMMEND_JOBS`] jobs (seed 11) on the built-in taxonomy. Shared by the criterion
    /// bench and the Python-overhead comparison, so both time the same engine.
    pub fn recommend_engine(n: usize) -> fairmatch::Engine {
        let t = fairmatch::builtin();
        let e = fairmatch::Engine::new(t.clone());
        e.upsert_freelancers(freelancers(&t, n, 7)).unwrap();
        e.upsert_jobs(jobs(&t, RECOMMEND_JOBS, 11)).unwrap();
        e
    }

    /// The recommend benchmark's options: top 20 with explanations at [`now`].
    pub fn recommend_options() -> fairmatch::RecommendOptions {
        fairmatch::RecommendOptions {
            k: 20,
            explain: true,
            now: Some(now()),
            ..fairmatch::RecommendOptions::default()
        }
    }

    /// `n` jobs (ids `j0…`), seeded: 3–6 must-haves with levels, 0–3 nice-to-haves.
    pub fn jobs(t: &Taxonomy, n: usize, seed: u64) -> Vec<Job> {
        let mut rng = crate::rng(seed);
        let fams = families(t);
        let all = labels(t);
        (0..n)
            .map(|i| {
                let mut j = Job::new(format!("j{i}"));
                let must = rng.random_range(3..=6);
                let nice = rng.random_range(0..=3);
                let skills = pick_skills(&mut rng, &fams, &all, must + nice);
                j.skills = skills
                    .into_iter()
                    .enumerate()
                    .map(|(k, s)| SkillRequirement {
                        skill: s,
                        min_level: (k < must).then(|| rng.random_range(2..=4) as f64),
                        weight: None,
                        importance: if k < must {
                            Importance::Must
                        } else {
                            Importance::Nice
                        },
                    })
                    .collect();
                let max = rng.random_range(30.0..120.0f64).round();
                j.budget = Some(Budget {
                    kind: BudgetKind::Hourly,
                    min: Some(max / 2.0),
                    max: Some(max),
                    currency: None,
                    estimated_hours: None,
                });
                j.experience_level = [
                    None,
                    Some(ExperienceLevel::Entry),
                    Some(ExperienceLevel::Intermediate),
                    Some(ExperienceLevel::Expert),
                ]
                .choose(&mut rng)
                .copied()
                .flatten();
                j.hours_per_week = Some(rng.random_range(10..=40) as f64);
                j.preferred_languages = vec!["en".into()];
                j
            })
            .collect()
    }
}
