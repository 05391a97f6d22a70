//! OpenAPI descriptions of the engine's own types, which the REST bodies use unchanged
//! (fairmatch does not depend on utoipa). These structs are never built: handlers take and
//! return the engine's types, and each field here says `value_type = …` of its schema. A test
//! (`mirrors_match_the_engine`) serialises a value of every engine type and checks that its
//! JSON keys are exactly these properties, so the document cannot drift from the engine.

#![allow(dead_code)]

use std::collections::BTreeMap;

use utoipa::ToSchema;

/// A skill a freelancer holds (`fairmatch::SkillClaim`).
#[derive(Debug, ToSchema)]
pub struct SkillClaim {
    /// Skill label, resolved through the taxonomy (`reactjs` → React).
    skill: String,
    /// Proficiency 1–5 (fractions allowed); null = unstated.
    level: Option<f64>,
    /// Years of practice (≥ 0).
    years: Option<f64>,
    /// Whether the marketplace verified it (default false).
    verified: Option<bool>,
}

/// Local working hours, 0–24, start before end (`fairmatch::WorkingHours`).
#[derive(Debug, ToSchema)]
pub struct WorkingHours {
    /// Start hour.
    start: f64,
    /// End hour.
    end: f64,
}

/// Where someone is (`fairmatch::Location`).
#[derive(Debug, ToSchema)]
pub struct Location {
    /// Country code (ISO 3166-1 alpha-2 recommended).
    country: Option<String>,
    /// Region label (`eu`, `latam`, …).
    region: Option<String>,
}

/// Must-have or nice-to-have.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Importance {
    /// Required.
    Must,
    /// Preferred.
    Nice,
}

/// A skill a job needs (`fairmatch::SkillRequirement`).
#[derive(Debug, ToSchema)]
pub struct SkillRequirement {
    /// Skill label.
    skill: String,
    /// Needed proficiency 1–5.
    min_level: Option<f64>,
    /// Relative weight (> 0, default 1).
    weight: Option<f64>,
    /// `must` (default) or `nice`.
    importance: Option<Importance>,
}

/// Whether must-haves are hard filters (`fairmatch::MustHavePolicy`).
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum MustHavePolicy {
    /// Scored, never vetoed (default).
    Soft,
    /// Vetoed when exact coverage fails the gate.
    Hard,
    /// As hard, implied matches count.
    HardAllowImplied,
    /// The hard gate without emptying the list: candidates that pass come first, the best
    /// of the others fill a short list flagged `below_gate` (also read as `relax_when_empty`).
    RelaxWhenShort,
}

/// Hourly or fixed price.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum BudgetKind {
    /// A range of hourly rates.
    Hourly,
    /// A total price range.
    Fixed,
}

/// What the client will pay (`fairmatch::Budget`).
#[derive(Debug, ToSchema)]
pub struct Budget {
    /// `hourly` or `fixed`.
    kind: BudgetKind,
    /// Lower bound (≥ 0).
    min: Option<f64>,
    /// Upper bound (≥ min).
    max: Option<f64>,
    /// ISO 4217 code (informational).
    currency: Option<String>,
    /// Estimated hours of a fixed-price job.
    estimated_hours: Option<f64>,
}

/// Seniority asked for.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum ExperienceLevel {
    /// Entry level.
    Entry,
    /// Intermediate.
    Intermediate,
    /// Expert.
    Expert,
}

/// Working-time overlap the client needs (`fairmatch::TimezoneRequirement`).
#[derive(Debug, ToSchema)]
pub struct TimezoneRequirement {
    /// The client's IANA time zone.
    zone: String,
    /// The client's working hours (default 09:00–17:00).
    working_hours: Option<WorkingHours>,
    /// Minimum daily overlap in hours; below it the freelancer is vetoed.
    min_overlap_hours: Option<f64>,
}

/// Where the freelancer may be (`fairmatch::LocationPolicy`): anywhere when both are empty.
#[derive(Debug, ToSchema)]
pub struct LocationPolicy {
    /// Allowed countries.
    countries: Option<Vec<String>>,
    /// Allowed regions.
    regions: Option<Vec<String>>,
}

/// A fairness or diversity re-ranking policy (`fairmatch::FairnessOptions`).
#[derive(Debug, ToSchema)]
pub struct FairnessOptions {
    /// The policy, `{"type": "fair" | "det_greedy" | "det_cons" | "det_relaxed" |
    /// "det_const_sort" | "fair_co" | "mmr" | "round_robin" | "exploration" | "chain", …}`
    /// (see `fairmatch::rerank::RerankerConfig`).
    #[schema(value_type = Object)]
    policy: serde_json::Value,
    /// The candidate attribute that defines the groups (e.g. `tenure`).
    attribute: Option<String>,
    /// Attribute values in group-id order (group `i` is `groups[i]`, anything else is
    /// `groups.len()`).
    groups: Option<Vec<String>>,
    /// How many of the best candidates the policy sees (≥ k).
    pool: Option<usize>,
}

/// A scoring preset.
#[derive(Debug, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Preset {
    /// fairmatch's explainable multi-factor score.
    Default,
    /// A reproduction of MegiLance's `weighted_multi_factor_v1`.
    MegilanceV1,
}

/// One factor of a score (`fairmatch::FactorScore`).
#[derive(Debug, ToSchema)]
pub struct FactorScore {
    /// Factor name (`skills`, `rate`, `reputation`, …).
    name: String,
    /// Its value in [0, 1].
    value: f64,
    /// Its weight.
    weight: f64,
    /// Its part of the score: value × weight (× relevance for a term of the relevance-gated
    /// `default` preset); the contributions add up to the score.
    contribution: f64,
}

/// One ranked, explained result (`fairmatch::Match`).
#[derive(Debug, ToSchema)]
pub struct Match {
    /// The freelancer's (or job's) public id.
    id: String,
    /// 1-based rank.
    rank: usize,
    /// Total score in [0, 1].
    score: f64,
    /// Per-factor values and weights.
    factors: Vec<FactorScore>,
    /// Quality label (megilance_v1 only).
    label: Option<String>,
    /// `why_good_fit` text (megilance_v1, jobs for a freelancer).
    reasons: Option<String>,
    /// The explanation: matched, implied (with the taxonomy path) and missing skills,
    /// notes, and the re-ranking moves (`fairmatch::Explanation`).
    #[schema(value_type = Object)]
    explanation: Option<serde_json::Value>,
    /// Whether it failed the job's must-have gate and fills a short list
    /// (policy `relax_when_short`).
    below_gate: bool,
}

/// The engine's answer to a recommendation request (`fairmatch::Recommendations`).
#[derive(Debug, ToSchema)]
pub struct Recommendations {
    /// Ranked results, best first.
    matches: Vec<Match>,
    /// Candidates considered.
    candidates: u32,
    /// Candidates that passed every veto and were scored.
    scored: u32,
    /// Scored candidates below `min_score`.
    below_min_score: u32,
    /// Candidates removed by each veto (name → count).
    vetoed: BTreeMap<String, u32>,
    /// Candidates whose must-haves failed the job's gate (vetoed under `hard`, ranked last
    /// under `relax_when_short`, 0 under `soft`).
    below_gate: u32,
    /// The preset used.
    preset: Preset,
    /// With retrieval (large catalogues): how many candidates it retrieved.
    retrieved: Option<u32>,
}

/// Funnel counts of one group (`fairmatch::engine::Counters`).
#[derive(Debug, ToSchema)]
pub struct Counters {
    /// Times shown.
    impressions: u64,
    /// Position-weighted exposure.
    exposure: f64,
    /// Profile (or job) views.
    viewed: u64,
    /// Proposals.
    applied: u64,
    /// Shortlists.
    shortlisted: u64,
    /// Hires.
    hired: u64,
    /// Completions.
    completed: u64,
    /// Reviews.
    reviews: u64,
    /// Σ review ratings.
    rating_sum: f64,
    /// Σ squared review ratings.
    rating_sq_sum: f64,
    /// Reviews by star, 1–5.
    stars: [u64; 5],
}

/// One group's line of an audit (`fairmatch::engine::GroupAudit`).
#[derive(Debug, ToSchema)]
pub struct GroupAudit {
    /// The attribute value (`""` = freelancers without it).
    group: String,
    /// Live freelancers with this value.
    population: u32,
    /// Their share of all live freelancers.
    population_share: f64,
    /// Impressions in the window.
    impressions: u64,
    /// Position-weighted exposure in the window.
    exposure: f64,
    /// Share of all exposure.
    exposure_share: f64,
    /// exposure_share / population_share (null when undefined).
    exposure_ratio: Option<f64>,
    /// The funnel.
    funnel: Counters,
    /// applications / impressions.
    application_rate: Option<f64>,
    /// hires / impressions.
    hire_rate: Option<f64>,
    /// completions / hires.
    completion_rate: Option<f64>,
    /// Mean review rating (null without reviews).
    mean_rating: Option<f64>,
}

/// A rating comparison of one group against the rest (`fairmatch::engine::RatingGap`).
#[derive(Debug, ToSchema)]
pub struct RatingGap {
    /// The group.
    group: String,
    /// Reviews of the group and of the rest.
    n: (u64, u64),
    /// Mean rating of the group minus the rest.
    mean_gap: f64,
    /// Welch's t p-value (two-sided).
    welch_p: Option<f64>,
    /// Mann–Whitney U p-value (two-sided, tie-corrected).
    mann_whitney_p: Option<f64>,
    /// Rank-biserial correlation (> 0: the group is rated higher).
    rank_biserial: Option<f64>,
    /// Benjamini–Hochberg adjusted `welch_p`.
    welch_p_adjusted: Option<f64>,
    /// Benjamini–Hochberg adjusted `mann_whitney_p`.
    mann_whitney_p_adjusted: Option<f64>,
}

/// The engine's audit of one attribute (`fairmatch::engine::AuditReport`). Undefined ratios
/// are `null`.
#[derive(Debug, ToSchema)]
pub struct AuditReport {
    /// The attribute.
    attribute: String,
    /// Window start.
    from: Option<chrono::DateTime<chrono::Utc>>,
    /// Window end.
    to: Option<chrono::DateTime<chrono::Utc>>,
    /// One line per group.
    groups: Vec<GroupAudit>,
    /// Hire-rate parity: max − min.
    hire_rate_difference: Option<f64>,
    /// Hire-rate parity: min / max.
    hire_rate_ratio: Option<f64>,
    /// The disparate-impact reference group.
    reference_group: Option<String>,
    /// Disparate impact per group.
    disparate_impact: BTreeMap<String, Option<f64>>,
    /// Rating gaps with tests and adjusted p-values.
    rating_gaps: Vec<RatingGap>,
    /// Gini coefficient of exposure over live freelancers.
    exposure_gini: Option<f64>,
    /// Groups whose rates were undefined, and what was undefined.
    undefined: Vec<String>,
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use utoipa::PartialSchema;
    use utoipa::openapi::{RefOr, Schema};

    fn properties<T: PartialSchema>() -> BTreeSet<String> {
        match T::schema() {
            RefOr::T(Schema::Object(o)) => o.properties.keys().cloned().collect(),
            _ => panic!("not an object schema"),
        }
    }

    fn keys(v: impl serde::Serialize) -> BTreeSet<String> {
        match serde_json::to_value(v).unwrap() {
            serde_json::Value::Object(m) => m.keys().cloned().collect(),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn mirrors_match_the_engine() {
        use fairmatch::*;
        let claim = SkillClaim {
            skill: "rust".into(),
            level: Some(3.0),
            years: None,
            verified: false,
        };
        assert_eq!(properties::<super::SkillClaim>(), keys(&claim));
        assert_eq!(
            properties::<super::WorkingHours>(),
            keys(WorkingHours::default())
        );
        assert_eq!(properties::<super::Location>(), keys(Location::default()));
        let req = SkillRequirement {
            skill: "rust".into(),
            min_level: None,
            weight: None,
            importance: Importance::Must,
        };
        assert_eq!(properties::<super::SkillRequirement>(), keys(&req));
        let budget = Budget {
            kind: BudgetKind::Hourly,
            min: None,
            max: None,
            currency: None,
            estimated_hours: None,
        };
        assert_eq!(properties::<super::Budget>(), keys(&budget));
        let tz = TimezoneRequirement {
            zone: "UTC".into(),
            working_hours: None,
            min_overlap_hours: None,
        };
        assert_eq!(properties::<super::TimezoneRequirement>(), keys(&tz));
        assert_eq!(
            properties::<super::LocationPolicy>(),
            keys(LocationPolicy::default())
        );
        let fo = FairnessOptions {
            policy: fairmatch::rerank::RerankerConfig::None,
            attribute: None,
            groups: vec![],
            pool: None,
        };
        assert_eq!(properties::<super::FairnessOptions>(), keys(&fo));

        // Outputs: a real recommendation and a real audit.
        let engine = Engine::default();
        let mut f = Freelancer::new("f1");
        f.skills = vec![claim];
        f.attributes.insert("tenure".into(), "newcomer".into());
        engine.upsert_freelancer(f).unwrap();
        let mut j = Job::new("j1");
        j.skills = vec![req];
        engine.upsert_job(j).unwrap();
        let recs = engine
            .recommend_freelancers("j1", &RecommendOptions::top(1))
            .unwrap();
        assert_eq!(properties::<super::Recommendations>(), keys(&recs));
        assert_eq!(properties::<super::Match>(), keys(&recs.matches[0]));
        assert_eq!(
            properties::<super::FactorScore>(),
            keys(&recs.matches[0].factors[0])
        );
        let audit = engine
            .audit(&fairmatch::engine::AuditOptions::new("tenure"))
            .unwrap();
        assert_eq!(properties::<super::AuditReport>(), keys(&audit));
        assert_eq!(properties::<super::GroupAudit>(), keys(&audit.groups[0]));
        assert_eq!(
            properties::<super::Counters>(),
            keys(audit.groups[0].funnel)
        );
        let gap = fairmatch::engine::RatingGap {
            group: "a".into(),
            n: (1, 1),
            mean_gap: 0.0,
            welch_p: 0.0,
            mann_whitney_p: 0.0,
            rank_biserial: 0.0,
            welch_p_adjusted: 0.0,
            mann_whitney_p_adjusted: 0.0,
        };
        assert_eq!(properties::<super::RatingGap>(), keys(&gap));
    }
}
