//! The JSON the API takes and returns. Profile and job bodies carry the engine's own field
//! names and types (`fairmatch::SkillClaim`, `fairmatch::Budget`, …) plus the marketplace's
//! own (`name`, `title`, `description`); converting a body into the engine's `Freelancer` or
//! `Job` is a field-by-field copy, and validation is the engine's `validate()` with the field
//! path re-rooted at the body — one set of rules, stated once in fairmatch.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use fairmatch::{
    Budget, ExperienceLevel, Freelancer, History, Job, Location, LocationPolicy, MustHavePolicy,
    SkillClaim, SkillRequirement, Taxonomy, TimezoneRequirement, WorkingHours,
};

use crate::clock::{Ts, to_datetime};
use crate::error::{ApiError, ApiResult};
use crate::flow::{ContractStatus, JobStatus, ProposalStatus};
use crate::schema;

fn yes() -> bool {
    true
}

/// Checks a required text field: non-blank, at most `max` characters.
pub fn check_text(field: &str, s: &str, max: usize, required: bool) -> ApiResult<()> {
    if required && s.trim().is_empty() {
        return Err(ApiError::invalid(field, "must not be empty"));
    }
    if s.chars().count() > max {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

fn check_len<T>(field: &str, v: &[T], max: usize) -> ApiResult<()> {
    if v.len() > max {
        return Err(ApiError::invalid(
            field,
            format!("at most {max} entries, got {}", v.len()),
        ));
    }
    Ok(())
}

fn check_attributes(attrs: &BTreeMap<String, String>) -> ApiResult<()> {
    if attrs.len() > 20 {
        return Err(ApiError::invalid("attributes", "at most 20 attributes"));
    }
    for (k, v) in attrs {
        if k.len() > 64 || v.len() > 128 {
            return Err(ApiError::invalid(
                format!("attributes.{k}"),
                "names are at most 64 bytes, values at most 128",
            ));
        }
    }
    Ok(())
}

/// Rejects a skill label the taxonomy does not know (the engine itself would keep it as an
/// ad-hoc skill matched only by its exact text; a marketplace with a skill list wants the
/// typo reported instead).
fn check_known_skill(taxonomy: &Taxonomy, field: String, label: &str) -> ApiResult<()> {
    if label.trim().is_empty() || taxonomy.resolve(label).is_some() {
        return Ok(());
    }
    Err(ApiError::invalid(
        field,
        format!(
            "unknown skill `{label}` (the taxonomy `{}` has no such skill or alias)",
            taxonomy.name()
        ),
    ))
}

/// A freelancer's profile as they send it (`PUT /freelancers/me`): the engine's fields plus
/// a name and a headline. `attributes` are the group attributes the freelancer chooses to
/// disclose (e.g. `region`, `tenure`); they feed fairness policies and audits and are shown
/// to the freelancer and admins only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfileBody {
    /// Display name (1–120 characters).
    pub name: String,
    /// One line about the freelancer (≤ 200 characters).
    #[serde(default)]
    pub headline: String,
    /// Skills with levels (≤ 100; each must be known to the taxonomy).
    #[serde(default)]
    #[schema(value_type = Vec<schema::SkillClaim>)]
    pub skills: Vec<SkillClaim>,
    /// Hourly rate (≥ 0).
    #[serde(default)]
    pub hourly_rate: Option<f64>,
    /// ISO 4217 currency of the rate.
    #[serde(default)]
    pub currency: Option<String>,
    /// IANA time zone (`Europe/Berlin`).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Local working hours (default 09:00–17:00).
    #[serde(default)]
    #[schema(value_type = Option<schema::WorkingHours>)]
    pub working_hours: Option<WorkingHours>,
    /// Hours per week available (0–168).
    #[serde(default)]
    pub weekly_hours: Option<f64>,
    /// Whether the freelancer takes work now (default true).
    #[serde(default = "yes")]
    pub available: bool,
    /// Languages spoken (≤ 20).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Where the freelancer is.
    #[serde(default)]
    #[schema(value_type = Option<schema::Location>)]
    pub location: Option<Location>,
    /// Years of professional experience.
    #[serde(default)]
    pub experience_years: Option<f64>,
    /// Disclosed group attributes (≤ 20).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl ProfileBody {
    /// The engine's freelancer for profile `id` with the history from the database.
    pub fn to_engine(
        &self,
        id: String,
        history: History,
        joined: Ts,
        last_active: Ts,
    ) -> Freelancer {
        Freelancer {
            id,
            skills: self.skills.clone(),
            hourly_rate: self.hourly_rate,
            currency: self.currency.clone(),
            timezone: self.timezone.clone(),
            working_hours: self.working_hours,
            weekly_hours: self.weekly_hours,
            available: self.available,
            languages: self.languages.clone(),
            location: self.location.clone(),
            experience_years: self.experience_years,
            history: Some(history),
            last_active: Some(to_datetime(last_active)),
            joined: Some(to_datetime(joined)),
            attributes: self.attributes.clone(),
            embedding: None,
        }
    }

    /// Checks the host's limits, then the engine's rules (field paths as in this body), and
    /// that every skill is in `taxonomy`.
    pub fn validate(&self, taxonomy: &Taxonomy) -> ApiResult<()> {
        check_text("name", &self.name, 120, true)?;
        check_text("headline", &self.headline, 200, false)?;
        check_len("skills", &self.skills, 100)?;
        check_len("languages", &self.languages, 20)?;
        check_attributes(&self.attributes)?;
        self.to_engine("f0".into(), History::default(), 0, 0)
            .validate()
            .map_err(|e| ApiError::from_engine(e, "freelancer.", ""))?;
        for (i, s) in self.skills.iter().enumerate() {
            check_known_skill(taxonomy, format!("skills[{i}].skill"), &s.skill)?;
        }
        Ok(())
    }
}

/// A job as the client sends it (`POST /jobs`; `PATCH` merges a partial one): the engine's
/// fields plus a title and a description.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct JobBody {
    /// Title (1–200 characters).
    pub title: String,
    /// Description (≤ 20,000 characters).
    #[serde(default)]
    pub description: String,
    /// Skills needed (1–50; each must be known to the taxonomy).
    #[schema(value_type = Vec<schema::SkillRequirement>)]
    pub skills: Vec<SkillRequirement>,
    /// Whether must-haves are hard filters (default `soft`).
    #[serde(default)]
    #[schema(value_type = Option<schema::MustHavePolicy>)]
    pub must_haves: MustHavePolicy,
    /// The budget.
    #[serde(default)]
    #[schema(value_type = Option<schema::Budget>)]
    pub budget: Option<Budget>,
    /// Seniority asked for.
    #[serde(default)]
    #[schema(value_type = Option<schema::ExperienceLevel>)]
    pub experience_level: Option<ExperienceLevel>,
    /// Workload in hours per week (0–168).
    #[serde(default)]
    pub hours_per_week: Option<f64>,
    /// Working-time overlap needed.
    #[serde(default)]
    #[schema(value_type = Option<schema::TimezoneRequirement>)]
    pub timezone: Option<TimezoneRequirement>,
    /// Languages the freelancer must speak.
    #[serde(default)]
    pub languages: Vec<String>,
    /// Languages that count but are not required.
    #[serde(default)]
    pub preferred_languages: Vec<String>,
    /// Where the freelancer may be (default anywhere).
    #[serde(default)]
    #[schema(value_type = Option<schema::LocationPolicy>)]
    pub location: LocationPolicy,
    /// When the job stops taking proposals.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Job attributes (category, …; ≤ 20).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

impl JobBody {
    /// The engine's job for job `id`: open only in the `open` state, posted when first opened.
    pub fn to_engine(&self, id: String, status: JobStatus, posted_at: Option<Ts>) -> Job {
        Job {
            id,
            skills: self.skills.clone(),
            must_haves: self.must_haves,
            budget: self.budget.clone(),
            experience_level: self.experience_level,
            hours_per_week: self.hours_per_week,
            timezone: self.timezone.clone(),
            languages: self.languages.clone(),
            preferred_languages: self.preferred_languages.clone(),
            location: self.location.clone(),
            open: status.is_open(),
            posted_at: posted_at.map(to_datetime),
            expires_at: self.expires_at,
            attributes: self.attributes.clone(),
            embedding: None,
        }
    }

    /// Checks the host's limits, then the engine's rules, and that every skill is known.
    pub fn validate(&self, taxonomy: &Taxonomy) -> ApiResult<()> {
        check_text("title", &self.title, 200, true)?;
        check_text("description", &self.description, 20_000, false)?;
        if self.skills.is_empty() {
            return Err(ApiError::invalid(
                "skills",
                "a job needs at least one skill",
            ));
        }
        check_len("skills", &self.skills, 50)?;
        check_len("languages", &self.languages, 20)?;
        check_len("preferred_languages", &self.preferred_languages, 20)?;
        check_attributes(&self.attributes)?;
        self.to_engine("j0".into(), JobStatus::Draft, None)
            .validate()
            .map_err(|e| ApiError::from_engine(e, "job.", ""))?;
        for (i, s) in self.skills.iter().enumerate() {
            check_known_skill(taxonomy, format!("skills[{i}].skill"), &s.skill)?;
        }
        Ok(())
    }
}

/// A freelancer's track record as the marketplace counts it (also the history the engine
/// scores reputation from).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Reputation {
    /// Mean published client rating (null before the first).
    pub rating: Option<f64>,
    /// Published client ratings.
    pub ratings: u32,
    /// Contracts completed.
    pub contracts_completed: u32,
    /// Contracts ever started.
    pub contracts_total: u32,
    /// Contracts running now.
    pub active_contracts: u32,
    /// Proposals sent.
    pub proposals_sent: u32,
    /// Proposals accepted.
    pub proposals_accepted: u32,
}

impl From<&History> for Reputation {
    fn from(h: &History) -> Self {
        Self {
            rating: (h.ratings_count > 0).then(|| h.ratings_sum / h.ratings_count as f64),
            ratings: h.ratings_count,
            contracts_completed: h.contracts_completed,
            contracts_total: h.contracts_total,
            active_contracts: h.active_contracts,
            proposals_sent: h.proposals_sent,
            proposals_accepted: h.proposals_accepted,
        }
    }
}

/// A freelancer profile as others see it (attributes only for the freelancer and admins).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FreelancerView {
    /// Public id (`f3`).
    pub id: String,
    /// The profile as sent (attributes removed for other viewers).
    #[serde(flatten)]
    pub profile: ProfileBody,
    /// Track record.
    pub reputation: Reputation,
    /// Published reviews of this freelancer, newest first.
    pub reviews: Vec<ReviewView>,
    /// When the profile was created.
    pub joined_at: DateTime<Utc>,
    /// Last activity (profile update, proposal, delivery).
    pub last_active_at: DateTime<Utc>,
}

/// A job as the API returns it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct JobView {
    /// Public id (`j17`).
    pub id: String,
    /// The client's public user id.
    pub client_id: String,
    /// Where the job is.
    pub status: JobStatus,
    /// The body as sent (and patched).
    #[serde(flatten)]
    pub body: JobBody,
    /// Proposals received (all states).
    pub proposals: u32,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// When it was first opened.
    pub opened_at: Option<DateTime<Utc>>,
}

/// A proposal.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalView {
    /// Public id (`p9`).
    pub id: String,
    /// The job.
    pub job_id: String,
    /// The freelancer.
    pub freelancer_id: String,
    /// The cover letter.
    pub cover_letter: String,
    /// The proposed hourly rate or price, if any.
    pub rate: Option<f64>,
    /// The recommendation that led to it, if any.
    pub request_id: Option<String>,
    /// Where it is.
    pub status: ProposalStatus,
    /// When it was sent.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A proposal with the engine's score of its freelancer for the job (`GET
/// /jobs/{id}/proposals`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScoredProposal {
    /// The proposal.
    #[serde(flatten)]
    pub proposal: ProposalView,
    /// The engine's pair score (what the list is ordered by).
    pub score: f64,
    /// The score's factors.
    #[schema(value_type = Vec<schema::FactorScore>)]
    pub factors: Vec<fairmatch::FactorScore>,
    /// Hard filters the freelancer fails for this job (they would not be recommended).
    pub vetoes: Vec<String>,
}

/// A review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReviewView {
    /// Public id (`r4`).
    pub id: String,
    /// The contract.
    pub contract_id: String,
    /// Who wrote it: `client` (about the freelancer) or `freelancer` (about the client).
    pub reviewer_role: crate::auth::Role,
    /// 1–5 stars.
    pub rating: i64,
    /// The text.
    pub text: String,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When it became visible (null while the review is blind).
    pub published_at: Option<DateTime<Utc>>,
}

/// One step of a contract's history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractEventView {
    /// `created`, `delivered`, `changes_requested`, `accepted`, `auto_accepted`,
    /// `cancelled`, `reviews_published`.
    pub kind: String,
    /// Who did it (null for timers).
    pub actor_id: Option<String>,
    /// The note sent with it.
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// A contract.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ContractView {
    /// Public id (`c4`).
    pub id: String,
    /// The job.
    pub job_id: String,
    /// The accepted proposal.
    pub proposal_id: String,
    /// The client's public user id.
    pub client_id: String,
    /// The freelancer.
    pub freelancer_id: String,
    /// Where it is.
    pub status: ContractStatus,
    /// When it started.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// The last delivery.
    pub delivered_at: Option<DateTime<Utc>>,
    /// When a pending delivery is accepted automatically (14 days after it).
    pub auto_accept_at: Option<DateTime<Utc>>,
    /// When it was completed.
    pub completed_at: Option<DateTime<Utc>>,
    /// Whether the completion was automatic.
    pub auto_accepted: bool,
    /// Until when reviews can be written (7 days after completion).
    pub review_deadline: Option<DateTime<Utc>>,
    /// When the reviews were published (both in, or the deadline passed).
    pub reviews_published_at: Option<DateTime<Utc>>,
    /// What happened, in order.
    pub events: Vec<ContractEventView>,
    /// Reviews the caller may see: published ones, and their own.
    pub reviews: Vec<ReviewView>,
}

/// Which fairness policy a recommendation ran.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FairnessUsed {
    /// `marketplace` (the admin's policy), `request` (the `fairness` parameter) or `none`.
    pub source: String,
    /// The policy, if any.
    #[schema(value_type = Option<schema::FairnessOptions>)]
    pub policy: Option<fairmatch::FairnessOptions>,
}

/// Recommendations with the id that links later views and proposals to them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecommendationsView {
    /// The id of this served list; send it back as `request_id` with a view or a proposal.
    pub request_id: String,
    /// The policy applied.
    pub fairness: FairnessUsed,
    /// The engine's ranked, explained results.
    #[serde(flatten)]
    #[schema(value_type = schema::Recommendations)]
    pub result: fairmatch::Recommendations,
}

/// A page of items with the cursor of the next page.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `after` for the next page (null on the last).
    pub next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> ProfileBody {
        serde_json::from_value(serde_json::json!({
            "name": "Ana",
            "skills": [{"skill": "reactjs", "level": 4}],
            "hourly_rate": 45,
            "timezone": "Europe/Lisbon",
        }))
        .unwrap()
    }

    #[test]
    fn bodies_validate_with_body_field_paths() {
        let tax = fairmatch::builtin();
        profile().validate(&tax).unwrap();
        let mut p = profile();
        p.skills[0].level = Some(9.0);
        assert_eq!(
            p.validate(&tax).unwrap_err().field.as_deref(),
            Some("skills[0].level")
        );
        let mut p = profile();
        p.skills.push(SkillClaim {
            skill: "underwater basket weaving".into(),
            level: None,
            years: None,
            verified: false,
        });
        let e = p.validate(&tax).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("skills[1].skill"));
        assert!(e.message.contains("unknown skill"));
        let mut p = profile();
        p.timezone = Some("Mars/Olympus".into());
        assert_eq!(
            p.validate(&tax).unwrap_err().field.as_deref(),
            Some("timezone")
        );

        let job: JobBody = serde_json::from_value(serde_json::json!({
            "title": "Build a dashboard",
            "skills": [{"skill": "JavaScript", "min_level": 3}],
            "budget": {"kind": "hourly", "min": 60, "max": 40},
        }))
        .unwrap();
        assert_eq!(
            job.validate(&tax).unwrap_err().field.as_deref(),
            Some("budget.min")
        );
        let e: ApiResult<JobBody> =
            crate::error::parse_json(br#"{"title": "x", "skills": [], "open": true}"#);
        assert_eq!(e.unwrap_err().field.as_deref(), Some("open"));
    }

    #[test]
    fn only_open_jobs_are_open_in_the_engine() {
        let job: JobBody = serde_json::from_value(serde_json::json!({
            "title": "t", "skills": [{"skill": "rust"}]
        }))
        .unwrap();
        assert!(job.to_engine("j1".into(), JobStatus::Open, Some(5)).open);
        assert!(!job.to_engine("j1".into(), JobStatus::Closed, Some(5)).open);
        assert!(!job.to_engine("j1".into(), JobStatus::Draft, None).open);
    }
}
