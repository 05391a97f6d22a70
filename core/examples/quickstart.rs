//! Quickstart: a small marketplace on the built-in taxonomy — freelancers, a job, a ranking
//! with explanations under both presets, recorded impressions and outcomes, and a snapshot
//! round trip. Run with `cargo run --release --example quickstart`.

use chrono::{Duration, Utc};
use fairmatch::{
    Budget, BudgetKind, Engine, ExperienceLevel, Freelancer, History, Importance, Impressions, Job,
    Outcome, OutcomeKind, Preset, RecommendOptions, SkillClaim, SkillRequirement,
    TimezoneRequirement,
};

fn claim(skill: &str, level: f64) -> SkillClaim {
    SkillClaim {
        skill: skill.into(),
        level: Some(level),
        years: None,
        verified: false,
    }
}

fn freelancer(
    id: &str,
    skills: Vec<SkillClaim>,
    rate: f64,
    tz: &str,
    history: History,
) -> Freelancer {
    let mut f = Freelancer::new(id);
    f.skills = skills;
    f.hourly_rate = Some(rate);
    f.timezone = Some(tz.into());
    f.languages = vec!["en".into()];
    f.weekly_hours = Some(30.0);
    f.last_active = Some(Utc::now() - Duration::days(2));
    f.history = Some(history);
    f.attributes.insert(
        "tenure".into(),
        if history_is_empty(f.history.as_ref()) {
            "newcomer"
        } else {
            "established"
        }
        .into(),
    );
    f
}

fn history_is_empty(h: Option<&History>) -> bool {
    h.is_none_or(|h| h.contracts_total == 0 && h.ratings_count == 0)
}

fn main() -> fairmatch::Result<()> {
    let engine = Engine::default();
    let veteran = History {
        ratings_sum: 4.6 * 25.0,
        ratings_count: 25,
        contracts_completed: 27,
        contracts_total: 30,
        active_contracts: 1,
        proposals_sent: 60,
        proposals_accepted: 30,
        last_proposal_at: Some(Utc::now() - Duration::days(4)),
        ..History::default()
    };
    engine.upsert_freelancers(vec![
        freelancer(
            "ana",
            vec![
                claim("reactjs", 5.0),
                claim("TypeScript", 4.0),
                claim("node", 4.0),
            ],
            65.0,
            "Europe/Lisbon",
            veteran.clone(),
        ),
        freelancer(
            "bo",
            vec![claim("Next.js", 4.0), claim("ts", 3.0)],
            40.0,
            "Europe/Warsaw",
            History::default(),
        ),
        freelancer(
            "chen",
            vec![
                claim("Vue", 5.0),
                claim("JavaScript", 5.0),
                claim("GraphQL", 3.0),
            ],
            55.0,
            "Asia/Shanghai",
            veteran,
        ),
        freelancer(
            "dara",
            vec![claim("Figma", 5.0), claim("UX design", 4.0)],
            50.0,
            "America/New_York",
            History::default(),
        ),
    ])?;

    let mut job = Job::new("frontend-lead");
    job.skills = vec![
        SkillRequirement {
            skill: "React".into(),
            min_level: Some(4.0),
            weight: Some(2.0),
            importance: Importance::Must,
        },
        SkillRequirement {
            skill: "TypeScript".into(),
            min_level: Some(3.0),
            weight: None,
            importance: Importance::Must,
        },
        SkillRequirement {
            skill: "Node.js".into(),
            min_level: None,
            weight: None,
            importance: Importance::Nice,
        },
    ];
    job.budget = Some(Budget {
        kind: BudgetKind::Hourly,
        min: Some(40.0),
        max: Some(70.0),
        currency: Some("EUR".into()),
        estimated_hours: None,
    });
    job.experience_level = Some(ExperienceLevel::Intermediate);
    job.timezone = Some(TimezoneRequirement {
        zone: "Europe/Berlin".into(),
        working_hours: None,
        min_overlap_hours: Some(3.0),
    });
    job.languages = vec!["en".into()];
    engine.upsert_job(job)?;

    let opts = RecommendOptions::top(3);
    let recs = engine.recommend_freelancers("frontend-lead", &opts)?;
    println!(
        "== default preset: {} candidates, vetoed {:?}",
        recs.candidates, recs.vetoed
    );
    for m in &recs.matches {
        println!("{}. {} {:.3}", m.rank, m.id, m.score);
        for f in &m.factors {
            println!("     {:<12} {:.3} × {:.3}", f.name, f.value, f.weight);
        }
        if let Some(x) = m.explanation.as_ref().and_then(|e| e.skills.as_ref()) {
            for s in x.matched.iter().chain(&x.implied) {
                println!(
                    "     skill {} ← {} ({}, m = {:.2}) {}",
                    s.required,
                    s.held,
                    s.kind,
                    s.value,
                    s.path.join(" → ")
                );
            }
            for s in &x.missing {
                println!(
                    "     missing {}{}",
                    s.required,
                    if s.must { " (must)" } else { "" }
                );
            }
        }
    }

    let seed = engine.recommend_freelancers(
        "frontend-lead",
        &RecommendOptions {
            preset: Preset::MegilanceV1,
            ..RecommendOptions::top(3)
        },
    )?;
    println!("== megilance_v1 (the seed's formula, for comparison)");
    for m in &seed.matches {
        println!(
            "{}. {} {:.3} {}",
            m.rank,
            m.id,
            m.score,
            m.label.as_deref().unwrap_or("")
        );
    }

    engine.record_impressions(&Impressions {
        request_id: "req-1".into(),
        job_id: Some("frontend-lead".into()),
        freelancer_ids: recs.matches.iter().map(|m| m.id.clone()).collect(),
        positions: None,
        scores: None,
        propensities: None,
        at: Utc::now(),
    })?;
    engine.record_outcome(&Outcome {
        freelancer_id: recs.matches[0].id.clone(),
        job_id: Some("frontend-lead".into()),
        kind: OutcomeKind::Hired,
        rating: None,
        at: Utc::now(),
    })?;

    let path = std::env::temp_dir().join("fairmatch-quickstart.fm");
    engine.save(&path)?;
    let back = Engine::load(&path)?;
    println!(
        "== snapshot: {} bytes, {} freelancers, {} events; same ranking after load: {}",
        std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0),
        back.freelancer_count(),
        back.events().events,
        back.recommend_freelancers(
            "frontend-lead",
            &RecommendOptions {
                now: opts.now,
                ..opts.clone()
            }
        )?
        .matches
        .len()
            == recs.matches.len()
    );
    Ok(())
}
