//! Golden tests of the `megilance_v1` preset, written by hand from the seed's formulas
//! (research/megilance_v1.md). Each expected number is worked out in the comment above it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use fairmatch::score::megilance::{
    MegilanceFreelancer, MegilanceJob, megilance_weights, py_round, quality_label, score,
    skill_score, why_good_fit,
};
use fairmatch::{
    Budget, BudgetKind, Engine, ExperienceLevel, Freelancer, History, Job, Preset,
    RecommendOptions, SkillClaim, SkillRequirement,
};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

fn labels(xs: &[&str]) -> Vec<String> {
    xs.iter().map(|s| s.to_string()).collect()
}

fn job<'a>(skills: &'a [String]) -> MegilanceJob<'a> {
    MegilanceJob {
        skills,
        budget_kind: Some(BudgetKind::Hourly),
        budget_min: Some(30.0),
        budget_max: Some(60.0),
        experience_level: Some(ExperienceLevel::Intermediate),
    }
}

fn newcomer<'a>(skills: &'a [String]) -> MegilanceFreelancer<'a> {
    MegilanceFreelancer {
        skills,
        hourly_rate: Some(50.0),
        contracts_completed: 0,
        contracts_total: 0,
        active_contracts: 0,
        ratings_sum: 0.0,
        ratings_count: 0,
        proposals_sent: 0,
        proposals_accepted: 0,
        last_proposal_at: None,
        last_contract_at: None,
    }
}

// 1. Synonyms and breadth: P = {react, node, postgresql}, F adds docker (devops).
//    E = 3 → base 1.0, coverage 1.0 → +0.15, breadth 1 × 0.02 → min(1.17, 1) = 1.0.
#[test]
fn g01_synonyms_full_coverage_capped_at_one() {
    let (s, d) = skill_score(
        &labels(&["React", "Node.js", "PostgreSQL"]),
        &labels(&["reactjs", "node", "postgres", "Docker"]),
    );
    assert_eq!(s, 1.0);
    assert_eq!(d.exact_matches, labels(&["React", "Node.js", "PostgreSQL"]));
    assert!(d.missing_skills.is_empty());
}

// 2. Category credit only: vue/django/aws each meet a freelancer skill of their category
//    (react, flask, kubernetes); figma (design) and excel (none) are missing.
//    base = (0 + 0.4·3)/5 = 0.24; bonus 0; breadth 3 × 0.02 = 0.06 → 0.3.
#[test]
fn g02_category_matches_and_missing_in_job_order() {
    let (s, d) = skill_score(
        &labels(&["Vue", "Django", "AWS", "Figma", "Excel"]),
        &labels(&["React", "Flask", "Kubernetes"]),
    );
    assert_eq!(s, 0.3);
    let cats: Vec<(&str, &str, &str)> = d
        .category_matches
        .iter()
        .map(|c| {
            (
                c.job_skill.as_str(),
                c.freelancer_skill.as_str(),
                c.category.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cats,
        vec![
            ("Vue", "React", "frontend"),
            ("Django", "Flask", "backend"),
            ("AWS", "Kubernetes", "devops")
        ]
    );
    assert_eq!(d.missing_skills, labels(&["Figma", "Excel"]));
}

// 3. Coverage exactly 0.8 earns the 0.08 bonus: E = 4 of 5 (git has no category).
//    base 0.8 + 0.08 + breadth 0 = 0.88.
#[test]
fn g03_coverage_point_eight_bonus() {
    let (s, _) = skill_score(
        &labels(&["python", "sql", "docker", "git", "linux"]),
        &labels(&["Python", "SQL", "Docker", "Linux"]),
    );
    assert_eq!(s, 0.88);
}

// 4. Either side empty → 0, everything missing.
#[test]
fn g04_empty_sides_score_zero() {
    let (s, d) = skill_score(&labels(&["React"]), &[]);
    assert_eq!((s, d.missing_skills), (0.0, labels(&["React"])));
    assert_eq!(skill_score(&[], &labels(&["React"])).0, 0.0);
}

// 5. An established freelancer: skill 1.0 (css adds breadth, capped), success 10/12, rating
//    36/8/5 = 0.9, hourly 50 ≤ 60 → 1.0, intermediate with 10 completed → 1.0, one active →
//    0.7, response 5/20 = 0.25, proposal 3 days ago → 1.0.
//    total = 0.3 + 0.125 + 0.135 + 0.15 + 0.1 + 0.035 + 0.0125 + 0.05 = 0.9075000000000001
//    → reported 0.908, label excellent.
#[test]
fn g05_established_full_score() {
    let js = labels(&["React", "TypeScript"]);
    let fs = labels(&["React", "TypeScript", "CSS"]);
    let f = MegilanceFreelancer {
        contracts_completed: 10,
        contracts_total: 12,
        active_contracts: 1,
        ratings_sum: 36.0,
        ratings_count: 8,
        proposals_sent: 20,
        proposals_accepted: 5,
        last_proposal_at: Some(now() - Duration::days(3)),
        ..newcomer(&fs)
    };
    let s = score(&job(&js), &f, now(), &megilance_weights());
    assert_eq!(s.factors, [1.0, 10.0 / 12.0, 0.9, 1.0, 1.0, 0.7, 0.25, 1.0]);
    assert_eq!(s.total, 0.9075000000000001);
    assert_eq!(s.reported, 0.908);
    assert_eq!(s.label, "excellent");
    assert_eq!(
        why_good_fit(&s),
        "Strong skill match: React, TypeScript; Top-rated professional; High project completion rate"
    );
}

// 6. The seed's cold-start penalty: no contracts → success 0.5; no reviews → rating 0.0;
//    intermediate with 0 completed → 0.4; no proposals → response 0.5; no activity → 0.3.
//    total = 0.3 + 0.075 + 0 + 0.15 + 0.04 + 0.05 + 0.025 + 0.015 = 0.6550000000000001
//    → 0.655, good.
#[test]
fn g06_newcomer_cold_start_penalty() {
    let js = labels(&["React", "TypeScript"]);
    let s = score(&job(&js), &newcomer(&js), now(), &megilance_weights());
    assert_eq!(s.factors, [1.0, 0.5, 0.0, 1.0, 0.4, 1.0, 0.5, 0.3]);
    assert_eq!(s.total, 0.6550000000000001);
    assert_eq!(s.reported, 0.655);
    assert_eq!(s.label, "good");
    assert_eq!(
        why_good_fit(&s),
        "Strong skill match: React, TypeScript; Rate fits within budget; Immediately available"
    );
}

// 7. Experience bands are inclusive at both ends: 5 is in entry and intermediate, 15 in
//    intermediate and expert; above a band → 0.8, below → 0.4, no level → 1.0.
#[test]
fn g07_experience_band_boundaries() {
    let js = labels(&["React"]);
    let exp = |level: Option<ExperienceLevel>, n: u32| {
        let j = MegilanceJob {
            experience_level: level,
            ..job(&js)
        };
        let f = MegilanceFreelancer {
            contracts_completed: n,
            contracts_total: n,
            ..newcomer(&js)
        };
        score(&j, &f, now(), &megilance_weights()).factors[4]
    };
    use ExperienceLevel::*;
    assert_eq!(exp(Some(Entry), 5), 1.0);
    assert_eq!(exp(Some(Entry), 6), 0.8);
    assert_eq!(exp(Some(Intermediate), 4), 0.4);
    assert_eq!(exp(Some(Intermediate), 5), 1.0);
    assert_eq!(exp(Some(Intermediate), 15), 1.0);
    assert_eq!(exp(Some(Intermediate), 16), 0.8);
    assert_eq!(exp(Some(Expert), 14), 0.4);
    assert_eq!(exp(Some(Expert), 15), 1.0);
    assert_eq!(exp(None, 0), 1.0);
}

// 8. Budget types: hourly over budget 1 − 0.5·(90 − 60)/60 = 0.75, far over → 0; fixed
//    ((1000 + 600)/2)/50 = 16 h ≥ 10 → 1.0, /100 = 8 h → 0.7, no min ((1000 + 0)/2)/40 = 12.5
//    h → 1.0; missing rate, zero rate, zero max, or no budget → 0.5.
#[test]
fn g08_budget_types() {
    let js = labels(&["React"]);
    let b = |kind: Option<BudgetKind>, min: Option<f64>, max: Option<f64>, rate: Option<f64>| {
        let j = MegilanceJob {
            budget_kind: kind,
            budget_min: min,
            budget_max: max,
            ..job(&js)
        };
        let f = MegilanceFreelancer {
            hourly_rate: rate,
            ..newcomer(&js)
        };
        score(&j, &f, now(), &megilance_weights()).factors[3]
    };
    use BudgetKind::*;
    assert_eq!(b(Some(Hourly), None, Some(60.0), Some(60.0)), 1.0);
    assert_eq!(b(Some(Hourly), None, Some(60.0), Some(90.0)), 0.75);
    assert_eq!(b(Some(Hourly), None, Some(60.0), Some(200.0)), 0.0);
    assert_eq!(b(Some(Fixed), Some(600.0), Some(1000.0), Some(50.0)), 1.0);
    assert_eq!(b(Some(Fixed), Some(600.0), Some(1000.0), Some(100.0)), 0.7);
    assert_eq!(b(Some(Fixed), None, Some(1000.0), Some(40.0)), 1.0);
    assert_eq!(b(Some(Hourly), None, Some(60.0), None), 0.5);
    assert_eq!(b(Some(Hourly), None, Some(60.0), Some(0.0)), 0.5);
    assert_eq!(b(Some(Hourly), None, Some(0.0), Some(50.0)), 0.5);
    assert_eq!(b(None, None, None, Some(50.0)), 0.5);
}

// 9. Recency in whole days (floor) from the latest proposal, else the latest contract:
//    ≤ 7 → 1.0, ≤ 30 → 0.8, ≤ 90 → 0.5, else 0.2; none → 0.3.
#[test]
fn g09_recency_boundaries() {
    let js = labels(&["React"]);
    let r = |proposal: Option<Duration>, contract: Option<Duration>| {
        let f = MegilanceFreelancer {
            last_proposal_at: proposal.map(|d| now() - d),
            last_contract_at: contract.map(|d| now() - d),
            ..newcomer(&js)
        };
        score(&job(&js), &f, now(), &megilance_weights()).factors[7]
    };
    assert_eq!(r(Some(Duration::days(7) + Duration::hours(23)), None), 1.0);
    assert_eq!(r(Some(Duration::days(8)), None), 0.8);
    assert_eq!(r(Some(Duration::days(30)), None), 0.8);
    assert_eq!(r(Some(Duration::days(31)), None), 0.5);
    assert_eq!(r(Some(Duration::days(90)), None), 0.5);
    assert_eq!(r(Some(Duration::days(91)), None), 0.2);
    assert_eq!(r(None, Some(Duration::days(2))), 1.0);
    assert_eq!(
        r(Some(Duration::days(100)), Some(Duration::days(1))),
        0.2,
        "proposal wins"
    );
    assert_eq!(r(None, None), 0.3);
}

// 10. Availability by active contracts: 0 → 1.0, 1 → 0.7, 2 → 0.4, 3+ → 0.1; response rate
//     accepted/sent, 0.5 with none.
#[test]
fn g10_availability_and_response() {
    let js = labels(&["React"]);
    let f = |active: u32, sent: u32, acc: u32| {
        let f = MegilanceFreelancer {
            active_contracts: active,
            contracts_total: active,
            proposals_sent: sent,
            proposals_accepted: acc,
            ..newcomer(&js)
        };
        let s = score(&job(&js), &f, now(), &megilance_weights());
        (s.factors[5], s.factors[6])
    };
    assert_eq!(f(0, 0, 0), (1.0, 0.5));
    assert_eq!(f(1, 4, 1), (0.7, 0.25));
    assert_eq!(f(2, 4, 4), (0.4, 1.0));
    assert_eq!(f(3, 0, 0).0, 0.1);
    assert_eq!(f(9, 0, 0).0, 0.1);
}

// 11. Labels from the unrounded total at the thresholds; Python's round (half to even on
//     the binary value): round(0.0625, 3) = 0.062, round(0.9075000000000001, 3) = 0.908.
#[test]
fn g11_labels_and_rounding() {
    assert_eq!(quality_label(0.85), "excellent");
    assert_eq!(quality_label(0.8499999), "strong");
    assert_eq!(quality_label(0.70), "strong");
    assert_eq!(quality_label(0.55), "good");
    assert_eq!(quality_label(0.40), "fair");
    assert_eq!(quality_label(0.3999), "weak");
    assert_eq!(py_round(0.0625, 3), 0.062);
    assert_eq!(py_round(0.125, 2), 0.12);
    assert_eq!(py_round(0.9075000000000001, 3), 0.908);
}

// 12. why_good_fit: skill 0.5–0.8 → "Good skill overlap…"; nothing → the default sentence.
#[test]
fn g12_why_good_fit_fallbacks() {
    // Skill: E = 1 of 2 → base 0.5, bonus 0, breadth 0 → 0.5.
    let js = labels(&["React", "Go"]);
    let fs = labels(&["React"]);
    let f = MegilanceFreelancer {
        hourly_rate: None,
        active_contracts: 1,
        contracts_total: 1,
        ..newcomer(&fs)
    };
    let s = score(&job(&js), &f, now(), &megilance_weights());
    assert_eq!(s.factors[0], 0.5);
    assert_eq!(why_good_fit(&s), "Good skill overlap with requirements");
    let none = labels(&["Cobol"]);
    let s = score(
        &job(&js),
        &MegilanceFreelancer {
            hourly_rate: None,
            active_contracts: 1,
            contracts_total: 1,
            ..newcomer(&none)
        },
        now(),
        &megilance_weights(),
    );
    assert_eq!(why_good_fit(&s), "Relevant background and experience");
}

fn engine_freelancer(id: &str, skills: &[&str], rate: f64, h: History) -> Freelancer {
    let mut f = Freelancer::new(id);
    f.skills = skills
        .iter()
        .map(|s| SkillClaim {
            skill: s.to_string(),
            level: None,
            years: None,
            verified: false,
        })
        .collect();
    f.hourly_rate = Some(rate);
    f.history = Some(h);
    f
}

// 13. Through the engine: ranking by reported score, ties in catalogue order, min_score
//     filtering, and the seed's cold-start penalty reproduced for a newcomer.
#[test]
fn g13_engine_ranking_ties_and_min_score() {
    let e = Engine::default();
    let veteran = History {
        contracts_completed: 10,
        contracts_total: 12,
        active_contracts: 1,
        ratings_sum: 36.0,
        ratings_count: 8,
        proposals_sent: 20,
        proposals_accepted: 5,
        last_proposal_at: Some(now() - Duration::days(3)),
        ..History::default()
    };
    e.upsert_freelancers(vec![
        engine_freelancer(
            "newbie-b",
            &["React", "TypeScript"],
            50.0,
            History::default(),
        ),
        engine_freelancer("vet", &["React", "TypeScript", "CSS"], 50.0, veteran),
        engine_freelancer("newbie-a", &["reactjs", "ts"], 50.0, History::default()),
        engine_freelancer("off-topic", &["Cobol"], 50.0, History::default()),
    ])
    .unwrap();
    let mut j = Job::new("j");
    j.skills = ["React", "TypeScript"]
        .iter()
        .map(|s| SkillRequirement {
            skill: s.to_string(),
            min_level: None,
            weight: None,
            importance: Default::default(),
        })
        .collect();
    j.budget = Some(Budget {
        kind: BudgetKind::Hourly,
        min: Some(30.0),
        max: Some(60.0),
        currency: None,
        estimated_hours: None,
    });
    j.experience_level = Some(ExperienceLevel::Intermediate);
    e.upsert_job(j).unwrap();
    let opts = RecommendOptions {
        preset: Preset::MegilanceV1,
        min_score: 0.5,
        now: Some(now()),
        diversity: Some(false),
        ..RecommendOptions::top(10)
    };
    let r = e.recommend_freelancers("j", &opts).unwrap();
    let got: Vec<(&str, f64)> = r.matches.iter().map(|m| (m.id.as_str(), m.score)).collect();
    // newbie-b and newbie-a tie at 0.655: catalogue (insertion) order decides.
    assert_eq!(
        got,
        vec![("vet", 0.908), ("newbie-b", 0.655), ("newbie-a", 0.655)]
    );
    assert_eq!(
        r.below_min_score, 1,
        "off-topic: skill 0 → total 0.355 < 0.5"
    );
    assert_eq!(r.matches[1].label.as_deref(), Some("good"));
    let f = &r.matches[1].factors;
    assert_eq!((f[2].name.as_str(), f[2].value), ("avg_rating", 0.0));
}
