//! The `megilance_v1` preset: an exact reproduction of MegiLance's `MatchingEngine`
//! (`weighted_multi_factor_v1`, backend/app/services/matching_engine.py of
//! ghulam-mujtaba5/MegiLance at commit 235a53bd), as restated in
//! research/megilance_v1.md. Every constant, band and rounding below is the seed's; where
//! the seed's output order was arbitrary (Python set order) fairmatch lists job order.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{BudgetKind, ExperienceLevel};
use crate::util::TrimSpace;

/// canonical → aliases (megilance_v1.md "Data").
const SYNONYMS: &[(&str, &[&str])] = &[
    ("react", &["reactjs", "react.js", "react js"]),
    ("vue", &["vuejs", "vue.js", "vue js"]),
    ("angular", &["angularjs", "angular.js"]),
    ("node", &["nodejs", "node.js", "node js"]),
    ("express", &["expressjs", "express.js"]),
    ("next", &["nextjs", "next.js", "next js"]),
    ("nuxt", &["nuxtjs", "nuxt.js"]),
    ("typescript", &["ts"]),
    ("javascript", &["js", "ecmascript", "es6"]),
    ("python", &["python3", "py"]),
    ("csharp", &["c#", "c sharp"]),
    ("cpp", &["c++", "cplusplus"]),
    ("golang", &["go"]),
    ("postgresql", &["postgres", "psql"]),
    ("mongodb", &["mongo"]),
    ("mysql", &["mariadb"]),
    ("graphql", &["gql"]),
    ("rest", &["restful", "rest api", "restful api"]),
    ("aws", &["amazon web services", "amazon aws"]),
    ("gcp", &["google cloud", "google cloud platform"]),
    ("azure", &["microsoft azure"]),
    ("docker", &["containerization"]),
    ("kubernetes", &["k8s"]),
    ("ci/cd", &["cicd", "ci cd", "continuous integration"]),
    ("machine learning", &["ml"]),
    ("artificial intelligence", &["ai"]),
    ("deep learning", &["dl"]),
    ("natural language processing", &["nlp"]),
    ("html", &["html5"]),
    ("css", &["css3", "cascading style sheets"]),
    ("sass", &["scss"]),
    ("tailwind", &["tailwindcss", "tailwind css"]),
    ("bootstrap", &["bootstrap5"]),
    ("figma", &["figma design"]),
    ("photoshop", &["adobe photoshop", "ps"]),
    ("illustrator", &["adobe illustrator", "ai design"]),
    (
        "ui/ux",
        &[
            "ui ux",
            "ux/ui",
            "ux ui",
            "user experience",
            "user interface",
        ],
    ),
    ("seo", &["search engine optimization"]),
    ("ppc", &["pay per click"]),
    ("google ads", &["adwords", "google adwords"]),
    ("facebook ads", &["meta ads"]),
    ("wordpress", &["wp"]),
    ("shopify", &["shopify development"]),
    ("flutter", &["flutter development"]),
    ("react native", &["rn", "react-native"]),
    ("swift", &["swiftui"]),
    ("kotlin", &["kotlin android"]),
    ("sql", &["structured query language"]),
    ("nosql", &["no sql"]),
    ("redis", &["redis cache"]),
    ("elasticsearch", &["elastic", "es"]),
    ("terraform", &["iac", "infrastructure as code"]),
];

/// Categories in the seed's order; a skill's category is the first that lists it.
const CATEGORIES: &[(&str, &[&str])] = &[
    (
        "frontend",
        &[
            "react",
            "vue",
            "angular",
            "next",
            "nuxt",
            "html",
            "css",
            "sass",
            "tailwind",
            "bootstrap",
            "javascript",
            "typescript",
            "svelte",
        ],
    ),
    (
        "backend",
        &[
            "node", "express", "python", "django", "flask", "fastapi", "golang", "java", "spring",
            "csharp", "ruby", "rails", "php", "laravel",
        ],
    ),
    (
        "mobile",
        &[
            "react native",
            "flutter",
            "swift",
            "kotlin",
            "ios",
            "android",
        ],
    ),
    (
        "database",
        &[
            "postgresql",
            "mysql",
            "mongodb",
            "redis",
            "sqlite",
            "sql",
            "nosql",
            "elasticsearch",
        ],
    ),
    (
        "devops",
        &[
            "docker",
            "kubernetes",
            "aws",
            "gcp",
            "azure",
            "terraform",
            "ci/cd",
            "linux",
            "nginx",
        ],
    ),
    (
        "ai_ml",
        &[
            "machine learning",
            "deep learning",
            "natural language processing",
            "tensorflow",
            "pytorch",
            "scikit-learn",
            "data science",
        ],
    ),
    (
        "design",
        &[
            "figma",
            "photoshop",
            "illustrator",
            "ui/ux",
            "sketch",
            "adobe xd",
            "graphic design",
        ],
    ),
    (
        "marketing",
        &[
            "seo",
            "ppc",
            "google ads",
            "facebook ads",
            "content marketing",
            "email marketing",
            "social media",
        ],
    ),
];

/// The eight factor names, in the seed's order, with their weights.
pub const MEGILANCE_FACTORS: [(&str, f64); 8] = [
    ("skill", 0.30),
    ("success_rate", 0.15),
    ("avg_rating", 0.15),
    ("budget_match", 0.15),
    ("experience_match", 0.10),
    ("availability", 0.05),
    ("response_rate", 0.05),
    ("recency", 0.05),
];

fn synonym_lookup() -> &'static HashMap<&'static str, &'static str> {
    static CELL: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    CELL.get_or_init(|| {
        let mut m = HashMap::new();
        for (canon, aliases) in SYNONYMS {
            for a in *aliases {
                m.insert(*a, *canon);
            }
        }
        m
    })
}

/// The seed's `normalize`: `strip().lower()`, then the synonym table.
pub fn megilance_normalize(label: &str) -> String {
    let lower = label.trim_space().to_lowercase();
    match synonym_lookup().get(lower.as_str()) {
        Some(c) => (*c).to_owned(),
        None => lower,
    }
}

/// The seed's category of a (raw) skill label.
pub fn megilance_category(label: &str) -> Option<&'static str> {
    let n = megilance_normalize(label);
    CATEGORIES
        .iter()
        .find(|(_, skills)| skills.contains(&n.as_str()))
        .map(|(c, _)| *c)
}

/// Python's `round(x, digits)`: half to even on the exact binary value (Rust's formatter
/// rounds the same way).
pub fn py_round(x: f64, digits: usize) -> f64 {
    format!("{x:.digits$}").parse().unwrap_or(x)
}

/// What the seed needs from a job.
#[derive(Debug, Clone, Copy)]
pub struct MegilanceJob<'a> {
    /// Raw skill labels.
    pub skills: &'a [String],
    /// Budget type.
    pub budget_kind: Option<BudgetKind>,
    /// Budget minimum (`None` or 0 = missing).
    pub budget_min: Option<f64>,
    /// Budget maximum (`None` or 0 = missing).
    pub budget_max: Option<f64>,
    /// Experience level.
    pub experience_level: Option<ExperienceLevel>,
}

/// What the seed needs from a freelancer.
#[derive(Debug, Clone, Copy)]
pub struct MegilanceFreelancer<'a> {
    /// Raw skill labels.
    pub skills: &'a [String],
    /// Hourly rate (`None` or 0 = missing).
    pub hourly_rate: Option<f64>,
    /// Completed contracts.
    pub contracts_completed: u32,
    /// All contracts.
    pub contracts_total: u32,
    /// Active or in-progress contracts.
    pub active_contracts: u32,
    /// Sum of review ratings.
    pub ratings_sum: f64,
    /// Number of reviews.
    pub ratings_count: u32,
    /// Proposals sent.
    pub proposals_sent: u32,
    /// Proposals accepted.
    pub proposals_accepted: u32,
    /// Latest proposal.
    pub last_proposal_at: Option<DateTime<Utc>>,
    /// Latest contract.
    pub last_contract_at: Option<DateTime<Utc>>,
}

/// A category match: job skill, the freelancer skill that served it, the category.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryMatch {
    /// Job skill (display name).
    pub job_skill: String,
    /// First freelancer skill (profile order) of the same category.
    pub freelancer_skill: String,
    /// The shared category.
    pub category: String,
}

/// The seed's skill details.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MegilanceSkillDetails {
    /// Exact (or synonym) matches, job order, display names.
    pub exact_matches: Vec<String>,
    /// Category matches, job order.
    pub category_matches: Vec<CategoryMatch>,
    /// Job skills matched neither way, job order.
    pub missing_skills: Vec<String>,
}

/// A full seed score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MegilanceScore {
    /// The eight factors, unrounded (skill already rounded to 4 dp), seed order.
    pub factors: [f64; 8],
    /// Weighted total, unrounded.
    pub total: f64,
    /// Reported score: total rounded to 3 dp.
    pub reported: f64,
    /// Quality label from the unrounded total.
    pub label: &'static str,
    /// Skill details.
    pub skills: MegilanceSkillDetails,
}

/// Distinct normalised labels in first-appearance order, each with its display name (the
/// last input label that normalised to it).
fn distinct(labels: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for l in labels {
        let n = megilance_normalize(l);
        match out.iter_mut().find(|(k, _)| *k == n) {
            Some(e) => e.1 = l.clone(),
            None => out.push((n, l.clone())),
        }
    }
    out
}

/// The seed's skill factor (rounded to 4 dp) and its details.
pub fn skill_score(job: &[String], freelancer: &[String]) -> (f64, MegilanceSkillDetails) {
    let p = distinct(job);
    let f = distinct(freelancer);
    if p.is_empty() || f.is_empty() {
        return (
            0.0,
            MegilanceSkillDetails {
                missing_skills: p.into_iter().map(|(_, d)| d).collect(),
                ..Default::default()
            },
        );
    }
    let f_cat: Vec<Option<&str>> = f.iter().map(|(n, _)| megilance_category(n)).collect();
    let mut d = MegilanceSkillDetails::default();
    let mut exact = 0usize;
    let mut cat = 0usize;
    for (n, display) in &p {
        if f.iter().any(|(fnorm, _)| fnorm == n) {
            exact += 1;
            d.exact_matches.push(display.clone());
        } else if let Some(c) = megilance_category(n)
            && let Some(fi) = f_cat.iter().position(|x| *x == Some(c))
        {
            cat += 1;
            d.category_matches.push(CategoryMatch {
                job_skill: display.clone(),
                freelancer_skill: f[fi].1.clone(),
                category: c.to_owned(),
            });
        } else {
            d.missing_skills.push(display.clone());
        }
    }
    let total = p.len() as f64;
    let base = (exact as f64 + 0.4 * cat as f64) / total;
    let coverage = exact as f64 / total;
    let bonus = if coverage >= 1.0 {
        0.15
    } else if coverage >= 0.8 {
        0.08
    } else {
        0.0
    };
    let breadth_n = f
        .iter()
        .zip(&f_cat)
        .filter(|((n, _), c)| c.is_some() && !p.iter().any(|(pn, _)| pn == n))
        .count();
    let breadth = (0.02 * breadth_n as f64).min(0.10);
    (py_round((base + bonus + breadth).min(1.0), 4), d)
}

/// The seed's quality label of an unrounded total.
pub fn quality_label(total: f64) -> &'static str {
    if total >= 0.85 {
        "excellent"
    } else if total >= 0.70 {
        "strong"
    } else if total >= 0.55 {
        "good"
    } else if total >= 0.40 {
        "fair"
    } else {
        "weak"
    }
}

fn budget_match(job: &MegilanceJob<'_>, rate: Option<f64>) -> f64 {
    let rate = rate.filter(|r| *r != 0.0);
    let max = job.budget_max.filter(|m| *m != 0.0);
    let (Some(rate), Some(max)) = (rate, max) else {
        return 0.5;
    };
    match job.budget_kind {
        Some(BudgetKind::Hourly) => {
            if rate <= max {
                1.0
            } else {
                (1.0 - 0.5 * (rate - max) / max).max(0.0)
            }
        }
        Some(BudgetKind::Fixed) => {
            let est_hours = ((max + job.budget_min.unwrap_or(0.0)) / 2.0) / rate;
            if est_hours >= 10.0 { 1.0 } else { 0.7 }
        }
        None => 0.5,
    }
}

fn experience_match(level: Option<ExperienceLevel>, n: u32) -> f64 {
    let (lo, hi) = match level {
        None => return 1.0,
        Some(ExperienceLevel::Entry) => (0, Some(5)),
        Some(ExperienceLevel::Intermediate) => (5, Some(15)),
        Some(ExperienceLevel::Expert) => (15, None),
    };
    if n < lo {
        0.4
    } else if hi.is_some_and(|h| n > h) {
        0.8
    } else {
        1.0
    }
}

fn recency(f: &MegilanceFreelancer<'_>, now: DateTime<Utc>) -> f64 {
    let Some(t) = f.last_proposal_at.or(f.last_contract_at) else {
        return 0.3;
    };
    // Python's timedelta.days floors.
    let days = (now - t).num_seconds().div_euclid(86_400);
    if days <= 7 {
        1.0
    } else if days <= 30 {
        0.8
    } else if days <= 90 {
        0.5
    } else {
        0.2
    }
}

/// The seed's seven factors that do not read skills, in [`MEGILANCE_FACTORS`] order with the
/// skill slot (0) `None`: what [`score`] computes besides [`skill_score`], cheap enough to
/// bound a pair's total before its skills are compared.
pub fn factors_without_skill(
    job: &MegilanceJob<'_>,
    f: &MegilanceFreelancer<'_>,
    now: DateTime<Utc>,
) -> [Option<f64>; 8] {
    let success_rate = if f.contracts_total == 0 {
        0.5
    } else {
        f.contracts_completed as f64 / f.contracts_total as f64
    };
    let avg_rating = if f.ratings_count == 0 {
        0.0
    } else {
        (f.ratings_sum / f.ratings_count as f64 / 5.0).min(1.0)
    };
    let availability = match f.active_contracts {
        0 => 1.0,
        1 => 0.7,
        2 => 0.4,
        _ => 0.1,
    };
    let response_rate = if f.proposals_sent == 0 {
        0.5
    } else {
        (f.proposals_accepted as f64 / f.proposals_sent as f64).min(1.0)
    };
    [
        None,
        Some(success_rate),
        Some(avg_rating),
        Some(budget_match(job, f.hourly_rate)),
        Some(experience_match(
            job.experience_level,
            f.contracts_completed,
        )),
        Some(availability),
        Some(response_rate),
        Some(recency(f, now)),
    ]
}

/// The seed's full score of a (job, freelancer) pair at time `now`, with `weights` in the
/// order of [`MEGILANCE_FACTORS`] (pass the seed's own weights to reproduce it).
pub fn score(
    job: &MegilanceJob<'_>,
    f: &MegilanceFreelancer<'_>,
    now: DateTime<Utc>,
    weights: &[f64; 8],
) -> MegilanceScore {
    let (skill, skills) = skill_score(job.skills, f.skills);
    let mut values = factors_without_skill(job, f, now);
    values[0] = Some(skill);
    let factors = values.map(|v| v.unwrap_or(0.0));
    let mut total = 0.0;
    for (w, v) in weights.iter().zip(&factors) {
        total += w * v;
    }
    MegilanceScore {
        factors,
        total,
        reported: py_round(total, 3),
        label: quality_label(total),
        skills,
    }
}

/// The seed's `why_good_fit` text (jobs for a freelancer), from the rounded factors: at most
/// three reasons joined with `"; "`.
pub fn why_good_fit(s: &MegilanceScore) -> String {
    let r: Vec<f64> = s.factors.iter().map(|v| py_round(*v, 3)).collect();
    let mut out = Vec::new();
    if r[0] >= 0.8 {
        if s.skills.exact_matches.is_empty() {
            out.push("Excellent skill alignment".to_owned());
        } else {
            let top: Vec<&str> = s
                .skills
                .exact_matches
                .iter()
                .take(3)
                .map(String::as_str)
                .collect();
            out.push(format!("Strong skill match: {}", top.join(", ")));
        }
    } else if r[0] >= 0.5 {
        out.push("Good skill overlap with requirements".to_owned());
    }
    if r[2] >= 0.9 {
        out.push("Top-rated professional".to_owned());
    }
    if r[1] >= 0.8 {
        out.push("High project completion rate".to_owned());
    }
    if r[3] >= 0.9 {
        out.push("Rate fits within budget".to_owned());
    }
    if r[5] >= 0.9 {
        out.push("Immediately available".to_owned());
    }
    out.truncate(3);
    if out.is_empty() {
        out.push("Relevant background and experience".to_owned());
    }
    out.join("; ")
}

/// The seed's weights, in [`MEGILANCE_FACTORS`] order.
pub fn megilance_weights() -> [f64; 8] {
    MEGILANCE_FACTORS.map(|(_, w)| w)
}
