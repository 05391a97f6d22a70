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
    category_index(label).map(|i| CATEGORIES[i as usize].0)
}

/// The index in the seed's category list of a (raw) skill label's category.
fn category_index(label: &str) -> Option<u8> {
    let n = megilance_normalize(label);
    CATEGORIES
        .iter()
        .position(|(_, skills)| skills.contains(&n.as_str()))
        .map(|i| i as u8)
}

/// One distinct skill of an entity as the seed's skill factor reads it: the id of its
/// normalised label in a [`SeedVocabulary`] (equal ids = equal normalised labels) and its
/// category (the seed's `get_category` of the normalised label).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SeedLabel {
    id: u32,
    category: Option<u8>,
}

/// An entity's skill labels compiled once per write for the seed's skill factor: its
/// distinct normalised labels as ids (sorted: the factor only counts), the set of their
/// categories and how many have one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSkills {
    labels: Vec<SeedLabel>,
    categories: u16,
    categorised: u32,
}

impl SeedSkills {
    /// The compiled labels (for storing them contiguously with other entities').
    pub fn labels(&self) -> &[SeedLabel] {
        &self.labels
    }

    /// A view of these skills.
    pub fn view(&self) -> SeedSkillsView<'_> {
        SeedSkillsView {
            labels: &self.labels,
            categories: self.categories,
            categorised: self.categorised,
        }
    }

    /// The parts of a view other than the labels: `(categories, categorised)`, to store
    /// next to the labels and rebuild the view with [`SeedSkillsView::new`].
    pub fn summary(&self) -> (u16, u32) {
        (self.categories, self.categorised)
    }
}

/// Compiled seed skills as [`skill_value`] reads them, wherever their labels are stored.
#[derive(Debug, Clone, Copy)]
pub struct SeedSkillsView<'a> {
    labels: &'a [SeedLabel],
    categories: u16,
    categorised: u32,
}

impl<'a> SeedSkillsView<'a> {
    /// The view of `labels` with the `summary` of the [`SeedSkills`] they were copied from.
    pub fn new(labels: &'a [SeedLabel], summary: (u16, u32)) -> Self {
        Self {
            labels,
            categories: summary.0,
            categorised: summary.1,
        }
    }
}

/// Normalised seed labels → ids, so the seed's skill factor compares integers instead of
/// normalising every label of every candidate on every request. Derived state: an engine
/// keeps one, fills it on every upsert (rejected writes and removed entities leave their
/// labels in it; it grows with the vocabulary, not the catalogue) and rebuilds it on load;
/// it is never saved.
#[derive(Debug, Clone, Default)]
pub struct SeedVocabulary {
    ids: HashMap<String, SeedLabel>,
}

impl SeedVocabulary {
    /// `labels` compiled: their distinct normalised forms (the seed's `normalize` and
    /// de-duplication, as [`skill_score`] reads them) with ids and categories. The
    /// vocabulary holds at most `u32::MAX` labels; past that a new label gets no id (`None`;
    /// the engine rejects the write).
    pub fn compile(&mut self, labels: &[String]) -> Option<SeedSkills> {
        let mut out = SeedSkills::default();
        for l in labels {
            let n = megilance_normalize(l);
            let label = match self.ids.get(&n) {
                Some(&x) => x,
                None => {
                    let x = SeedLabel {
                        id: u32::try_from(self.ids.len()).ok()?,
                        // the seed categorises the normalised label (normalising it again)
                        category: category_index(&n),
                    };
                    self.ids.insert(n, x);
                    x
                }
            };
            if let Err(at) = out.labels.binary_search_by_key(&label.id, |x| x.id) {
                out.labels.insert(at, label);
                if let Some(c) = label.category {
                    out.categories |= 1 << c;
                    out.categorised += 1;
                }
            }
        }
        Some(out)
    }
}

/// Rounds [`skill_value`]'s sums as the seed does (`round(x, 4)`), remembering each result:
/// the unrounded value is a function of four small counts, so a request meets few of them.
/// (A small direct-mapped cache: a slot holds the last key that hashed to it.)
#[derive(Debug, Clone)]
pub struct SkillRounding {
    slots: Vec<Option<([u32; 4], f64)>>,
}

impl Default for SkillRounding {
    fn default() -> Self {
        Self {
            slots: vec![None; 256],
        }
    }
}

impl SkillRounding {
    /// The rounded skill factor of the counts `key` (exact, category, job labels, breadth
    /// capped at 6), computed by `value` on a miss.
    #[inline]
    fn get(&mut self, key: [u32; 4], value: impl FnOnce() -> f64) -> f64 {
        let h = key.iter().fold(0u64, |h, &k| {
            (h ^ u64::from(k)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        });
        let slot = &mut self.slots[(h >> 56) as usize];
        match slot {
            Some((k, v)) if *k == key => *v,
            _ => {
                let v = value();
                *slot = Some((key, v));
                v
            }
        }
    }
}

/// The seed's skill factor ([`skill_score`]'s value, rounded to 4 dp) of compiled labels,
/// by integer comparisons: one merge of the two sorted id lists counts the exact matches
/// and the freelancer's categorised labels the job shares; a job label without an exact
/// match is a category match when the freelancer has a label of its category. `job` and
/// `freelancer` must come from one [`SeedVocabulary`].
pub fn skill_value(
    job: SeedSkillsView<'_>,
    freelancer: SeedSkillsView<'_>,
    round: &mut SkillRounding,
) -> f64 {
    let (p, f) = (job.labels, freelancer.labels);
    if p.is_empty() || f.is_empty() {
        return 0.0;
    }
    let has_category = |x: &SeedLabel| {
        x.category
            .is_some_and(|c| freelancer.categories >> c & 1 == 1)
    };
    let (mut exact, mut cat, mut shared_categorised) = (0u32, 0u32, 0u32);
    let (mut i, mut j) = (0, 0);
    while i < p.len() && j < f.len() {
        match p[i].id.cmp(&f[j].id) {
            std::cmp::Ordering::Equal => {
                exact += 1;
                shared_categorised += u32::from(f[j].category.is_some());
                i += 1;
                j += 1;
            }
            std::cmp::Ordering::Less => {
                cat += u32::from(has_category(&p[i]));
                i += 1;
            }
            std::cmp::Ordering::Greater => j += 1,
        }
    }
    cat += p[i..].iter().filter(|x| has_category(x)).count() as u32;
    let breadth_n = freelancer.categorised - shared_categorised;
    // min(0.02·n, 0.10) is 0.10 for every n ≥ 6, so the key keeps n up to 6
    let key = [exact, cat, p.len() as u32, breadth_n.min(6)];
    round.get(key, || {
        skill_sum(exact as usize, cat as usize, p.len(), breadth_n as usize)
    })
}

/// The seed's skill factor from its counts: `base = (exact + 0.4·category)/total`, the
/// coverage bonus (0.15 at full exact coverage, 0.08 from 80 %), breadth `min(0.02·n, 0.10)`
/// over the freelancer's categorised skills the job does not list; capped at 1, rounded to
/// 4 dp (megilance_v1.md "Skill factor").
fn skill_sum(exact: usize, cat: usize, total: usize, breadth_n: usize) -> f64 {
    let total = total as f64;
    let base = (exact as f64 + 0.4 * cat as f64) / total;
    let coverage = exact as f64 / total;
    let bonus = if coverage >= 1.0 {
        0.15
    } else if coverage >= 0.8 {
        0.08
    } else {
        0.0
    };
    let breadth = (0.02 * breadth_n as f64).min(0.10);
    py_round((base + bonus + breadth).min(1.0), 4)
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
    let breadth_n = f
        .iter()
        .zip(&f_cat)
        .filter(|((n, _), c)| c.is_some() && !p.iter().any(|(pn, _)| pn == n))
        .count();
    (skill_sum(exact, cat, p.len(), breadth_n), d)
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

/// The seed's recency of the latest proposal, else the latest contract, at `now`.
fn recency(last_activity: Option<DateTime<Utc>>, now: DateTime<Utc>) -> f64 {
    let Some(t) = last_activity else {
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

/// What the seed's non-skill factors read from a freelancer, compiled once per write: the
/// four factors that depend on neither the job nor the time (success rate, average rating,
/// availability, response rate) as values, and the inputs of the three that do (rate,
/// completed contracts, the latest activity for the time-dependent recency).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SeedFreelancerFactors {
    /// `completed / total` (0.5 without contracts).
    pub success_rate: f64,
    /// `min(1, mean rating / 5)` (0 without reviews).
    pub avg_rating: f64,
    /// 1, 0.7, 0.4, 0.1 for 0, 1, 2, more active contracts.
    pub availability: f64,
    /// `min(1, accepted / sent)` (0.5 without proposals).
    pub response_rate: f64,
    /// Hourly rate (for the budget factor).
    pub hourly_rate: Option<f64>,
    /// Completed contracts (for the experience factor).
    pub contracts_completed: u32,
    /// The latest proposal, else the latest contract (for the recency factor, which depends
    /// on the request time and is computed per request).
    pub last_activity: Option<DateTime<Utc>>,
}

impl SeedFreelancerFactors {
    /// The freelancer's parts of the seed's factors (megilance_v1.md "Scoring").
    pub fn of(f: &MegilanceFreelancer<'_>) -> Self {
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
        Self {
            success_rate,
            avg_rating,
            availability,
            response_rate,
            hourly_rate: f.hourly_rate,
            contracts_completed: f.contracts_completed,
            last_activity: f.last_proposal_at.or(f.last_contract_at),
        }
    }

    /// The seed's seven factors that do not read skills for `job` at `now` (see
    /// [`factors_without_skill`]).
    #[inline]
    pub fn factors(&self, job: &MegilanceJob<'_>, now: DateTime<Utc>) -> [Option<f64>; 8] {
        [
            None,
            Some(self.success_rate),
            Some(self.avg_rating),
            Some(budget_match(job, self.hourly_rate)),
            Some(experience_match(
                job.experience_level,
                self.contracts_completed,
            )),
            Some(self.availability),
            Some(self.response_rate),
            Some(recency(self.last_activity, now)),
        ]
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
    SeedFreelancerFactors::of(f).factors(job, now)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| (*s).to_owned()).collect()
    }

    /// The compiled skill factor equals the seed's string one on label lists that exercise
    /// synonyms, case and spaces, duplicates after normalising, categories, breadth and
    /// empty lists; in either order of compiling (ids differ, the factor does not).
    #[test]
    fn compiled_skill_factor_equals_the_seed() {
        let pool = [
            "React",
            "reactjs",
            " react.js ",
            "Vue",
            "Node.js",
            "node",
            "Python",
            "py",
            "Go",
            "golang",
            "Postgres",
            "MongoDB",
            "Docker",
            "k8s",
            "AWS",
            "ML",
            "Figma",
            "SEO",
            "ppc",
            "Rust",
            "cooking",
            "TypeScript",
            "ts",
            "ES",
            "elasticsearch",
            "AI",
            "ai design",
            "Swift",
            "linux",
            "Sketch",
        ];
        // deterministic pseudo-random lists (xorshift)
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let mut lists: Vec<Vec<String>> = vec![Vec::new(), labels(&["React"]), labels(&["x"])];
        for _ in 0..300 {
            let n = (next() % 9) as usize;
            lists.push(
                (0..n)
                    .map(|_| pool[(next() % pool.len() as u64) as usize].to_owned())
                    .collect(),
            );
        }
        for reverse in [false, true] {
            let mut vocab = SeedVocabulary::default();
            let order: Vec<&Vec<String>> = if reverse {
                lists.iter().rev().collect()
            } else {
                lists.iter().collect()
            };
            let compiled: Vec<SeedSkills> =
                order.iter().map(|l| vocab.compile(l).unwrap()).collect();
            let mut round = SkillRounding::default();
            for (a, ca) in order.iter().zip(&compiled) {
                for (b, cb) in order.iter().zip(&compiled).take(80) {
                    let want = skill_score(a, b).0;
                    let got = skill_value(ca.view(), cb.view(), &mut round);
                    assert_eq!(got.to_bits(), want.to_bits(), "job {a:?} freelancer {b:?}");
                }
            }
        }
    }

    /// The freelancer's compiled factor parts give the seed's factors to the bit.
    #[test]
    fn compiled_factors_equal_the_seed() {
        let now = DateTime::parse_from_rfc3339("2026-06-01T12:00:00.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let skills = labels(&["React"]);
        let job = MegilanceJob {
            skills: &skills,
            budget_kind: Some(BudgetKind::Hourly),
            budget_min: Some(20.0),
            budget_max: Some(60.0),
            experience_level: Some(ExperienceLevel::Intermediate),
        };
        for (i, active) in [0u32, 1, 2, 7].into_iter().enumerate() {
            let f = MegilanceFreelancer {
                skills: &skills,
                hourly_rate: [None, Some(50.0), Some(80.0), Some(0.0)][i],
                contracts_completed: 3 * i as u32,
                contracts_total: 4 * i as u32 + active,
                active_contracts: active,
                ratings_sum: 4.3 * i as f64,
                ratings_count: i as u32,
                proposals_sent: 5 * i as u32,
                proposals_accepted: 2 * i as u32,
                last_proposal_at: (i % 2 == 1).then(|| now - chrono::Duration::days(9 * i as i64)),
                last_contract_at: (i > 1).then(|| now - chrono::Duration::seconds(86_400 * 31)),
            };
            let want = factors_without_skill(&job, &f, now);
            let got = SeedFreelancerFactors::of(&f).factors(&job, now);
            assert_eq!(got, want);
        }
    }
}
