//! A job posting as callers supply it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{
    Embedding, WorkingHours, check_currency, check_level, check_timezone, normalize_language,
};
use crate::error::{Error, Result, check_finite, check_non_negative};
use crate::ids::validate_external_id;
use crate::util::TrimSpace;
use crate::util::spelling::spelled_enum;

/// Must-have or nice-to-have. Read case-insensitively (`-` or a space for `_`); accepted:
/// `must` (`must_have`, `required`, `mandatory`), `nice` (`nice_to_have`, `optional`,
/// `preferred`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Importance {
    /// Required (enters Cov_must / Fit_must and the eligibility gate).
    #[default]
    Must,
    /// Preferred (enters Cov_nice).
    Nice,
}

/// A skill the job needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillRequirement {
    /// Free-text skill label.
    pub skill: String,
    /// Needed proficiency on the 1–5 scale, if any.
    #[serde(default)]
    pub min_level: Option<f64>,
    /// Relative weight (> 0, default 1).
    #[serde(default)]
    pub weight: Option<f64>,
    /// Must-have (default) or nice-to-have.
    #[serde(default)]
    pub importance: Importance,
}

/// Whether must-haves are hard filters. Read case-insensitively (`-` or a space for `_`):
/// `soft`, `hard`, `hard_allow_implied`, `relax_when_short` (`relax_when_empty`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MustHavePolicy {
    /// Must-haves are scored, never vetoed (default).
    #[default]
    Soft,
    /// Candidates whose exact must-have coverage fails the gate are vetoed
    /// (`must_have_skills`). Implied matches do not count.
    Hard,
    /// As `Hard`, but implied matches (taxonomy neighbours at m_r ≥ τ) count: the job opts in.
    HardAllowImplied,
    /// The `Hard` gate without emptying the list: candidates that pass it come first; when
    /// fewer than k pass, the best of the others fill the list, each flagged `below_gate`
    /// (also read as `relax_when_empty`).
    RelaxWhenShort,
}

/// Hourly or fixed price. Read case-insensitively (the seeds' `"Hourly"`/`"Fixed"`, `-` or a
/// space for `_`); accepted: `hourly` (`hour`, `per_hour`), `fixed` (`fixed_price`,
/// `fixed_rate`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BudgetKind {
    /// A range of hourly rates.
    Hourly,
    /// A total price range for the whole job.
    Fixed,
}

/// What the client will pay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    /// Hourly or fixed.
    pub kind: BudgetKind,
    /// Lower bound (≥ 0), if any.
    #[serde(default)]
    pub min: Option<f64>,
    /// Upper bound (≥ min), if any.
    #[serde(default)]
    pub max: Option<f64>,
    /// ISO 4217 currency code (informational).
    #[serde(default)]
    pub currency: Option<String>,
    /// Estimated hours of a fixed-price job (lets the engine compare a rate with the budget).
    #[serde(default)]
    pub estimated_hours: Option<f64>,
}

/// Seniority the client asks for. Read case-insensitively (`-` or a space for `_`); accepted:
/// `entry` (`junior`, `beginner`, `entry_level`), `intermediate` (`mid`, `mid_level`,
/// `medior`), `expert` (`senior`, `advanced`, `expert_level`). The seeds stored `entry |
/// intermediate | expert` and one of them also `advanced` above expert (research/seeds.md
/// §4.5); fairmatch has three levels, so `advanced` reads as `expert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExperienceLevel {
    /// Entry level.
    Entry,
    /// Intermediate.
    Intermediate,
    /// Expert.
    Expert,
}

spelled_enum!(
    Importance,
    "importance",
    [Must = "must", Nice = "nice"],
    [
        "must_have" => Must,
        "required" => Must,
        "mandatory" => Must,
        "nice_to_have" => Nice,
        "optional" => Nice,
        "preferred" => Nice,
    ]
);
spelled_enum!(
    MustHavePolicy,
    "must-have policy",
    [
        Soft = "soft",
        Hard = "hard",
        HardAllowImplied = "hard_allow_implied",
        RelaxWhenShort = "relax_when_short"
    ],
    ["relax_when_empty" => RelaxWhenShort,]
);
spelled_enum!(
    BudgetKind,
    "budget kind",
    [Hourly = "hourly", Fixed = "fixed"],
    [
        "hour" => Hourly,
        "per_hour" => Hourly,
        "fixed_price" => Fixed,
        "fixed_rate" => Fixed,
    ]
);
spelled_enum!(
    ExperienceLevel,
    "experience level",
    [Entry = "entry", Intermediate = "intermediate", Expert = "expert"],
    [
        "junior" => Entry,
        "beginner" => Entry,
        "entry_level" => Entry,
        "mid" => Intermediate,
        "mid_level" => Intermediate,
        "medior" => Intermediate,
        "senior" => Expert,
        "advanced" => Expert,
        "expert_level" => Expert,
    ]
);

/// Working-time overlap the client needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimezoneRequirement {
    /// The client's IANA time zone.
    pub zone: String,
    /// The client's local working hours (default 09:00–17:00).
    #[serde(default)]
    pub working_hours: Option<WorkingHours>,
    /// Minimum overlap in hours per day; below it the candidate is vetoed (`timezone`).
    /// `None` = overlap is scored only.
    #[serde(default)]
    pub min_overlap_hours: Option<f64>,
}

/// Where the freelancer may be: anywhere when both lists are empty (the default), otherwise a
/// freelancer passes when their country is in `countries` **or** their region is in
/// `regions` (both compared case-insensitively); an unknown location fails a non-empty policy.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LocationPolicy {
    /// Allowed countries (ISO 3166-1 alpha-2 recommended).
    pub countries: Vec<String>,
    /// Allowed regions (free labels such as `eu`).
    pub regions: Vec<String>,
}

impl LocationPolicy {
    /// Whether the policy allows anyone anywhere.
    pub fn is_anywhere(&self) -> bool {
        self.countries.is_empty() && self.regions.is_empty()
    }
}

/// A job posting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// External id (non-empty, ≤ 512 bytes).
    pub id: String,
    /// Skills needed. Duplicates (same skill after alias resolution) are merged into the
    /// stricter requirement: must if any copy is, the highest level and weight.
    #[serde(default)]
    pub skills: Vec<SkillRequirement>,
    /// Whether must-haves are hard filters.
    #[serde(default)]
    pub must_haves: MustHavePolicy,
    /// Budget, if any.
    #[serde(default)]
    pub budget: Option<Budget>,
    /// Seniority asked for, if any.
    #[serde(default)]
    pub experience_level: Option<ExperienceLevel>,
    /// Hours per week of work (workload), if known (0–168).
    #[serde(default)]
    pub hours_per_week: Option<f64>,
    /// Working-time overlap needed, if any.
    #[serde(default)]
    pub timezone: Option<TimezoneRequirement>,
    /// Languages the freelancer must speak (vetoed as `language` otherwise).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Languages that count in the language factor but are not required.
    #[serde(default)]
    pub preferred_languages: Vec<String>,
    /// Where the freelancer may be.
    #[serde(default)]
    pub location: LocationPolicy,
    /// Whether the job is open (closed jobs are never recommended).
    #[serde(default = "yes")]
    pub open: bool,
    /// When the job was posted.
    #[serde(default)]
    pub posted_at: Option<DateTime<Utc>>,
    /// When the job stops taking applications (past = not recommended).
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Free attributes (category, client id, …).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// An embedding of the job text (for the semantic factor), with its model id.
    #[serde(default)]
    pub embedding: Option<Embedding>,
}

fn yes() -> bool {
    true
}

impl Job {
    /// A job with only an id (everything else empty or default).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            skills: Vec::new(),
            must_haves: MustHavePolicy::Soft,
            budget: None,
            experience_level: None,
            hours_per_week: None,
            timezone: None,
            languages: Vec::new(),
            preferred_languages: Vec::new(),
            location: LocationPolicy::default(),
            open: true,
            posted_at: None,
            expires_at: None,
            attributes: BTreeMap::new(),
            embedding: None,
        }
    }

    /// Checks every field; the error names the first bad one (`job.budget.min`…).
    pub fn validate(&self) -> Result<()> {
        validate_external_id("job.id", &self.id)?;
        for (i, s) in self.skills.iter().enumerate() {
            let f = format!("job.skills[{i}]");
            if s.skill.trim_space().is_empty() {
                return Err(Error::invalid(format!("{f}.skill"), "must not be empty"));
            }
            if let Some(l) = s.min_level {
                check_level(&format!("{f}.min_level"), l)?;
            }
            if let Some(w) = s.weight {
                check_finite(&format!("{f}.weight"), w)?;
                if w <= 0.0 {
                    return Err(Error::invalid(format!("{f}.weight"), "must be > 0"));
                }
            }
        }
        if let Some(b) = &self.budget {
            if let Some(min) = b.min {
                check_non_negative("job.budget.min", min)?;
            }
            if let Some(max) = b.max {
                check_non_negative("job.budget.max", max)?;
            }
            if let (Some(min), Some(max)) = (b.min, b.max)
                && min > max
            {
                return Err(Error::invalid(
                    "job.budget.min",
                    format!("min ({min}) must be ≤ max ({max})"),
                ));
            }
            if let Some(h) = b.estimated_hours {
                check_non_negative("job.budget.estimated_hours", h)?;
            }
            if let Some(c) = &b.currency {
                check_currency("job.budget.currency", c)?;
            }
        }
        if let Some(h) = self.hours_per_week {
            check_non_negative("job.hours_per_week", h)?;
            if h > 168.0 {
                return Err(Error::invalid("job.hours_per_week", "must be ≤ 168"));
            }
        }
        if let Some(tz) = &self.timezone {
            check_timezone("job.timezone.zone", &tz.zone)?;
            if let Some(w) = &tz.working_hours {
                w.validate("job.timezone.working_hours")?;
            }
            if let Some(o) = tz.min_overlap_hours {
                check_non_negative("job.timezone.min_overlap_hours", o)?;
                if o > 24.0 {
                    return Err(Error::invalid(
                        "job.timezone.min_overlap_hours",
                        "must be ≤ 24",
                    ));
                }
            }
        }
        for (name, list) in [
            ("languages", &self.languages),
            ("preferred_languages", &self.preferred_languages),
        ] {
            for (i, l) in list.iter().enumerate() {
                if normalize_language(l).is_empty() {
                    return Err(Error::invalid(
                        format!("job.{name}[{i}]"),
                        "must not be empty",
                    ));
                }
            }
        }
        for (name, list) in [
            ("countries", &self.location.countries),
            ("regions", &self.location.regions),
        ] {
            if let Some(i) = list.iter().position(|x| x.trim_space().is_empty()) {
                return Err(Error::invalid(
                    format!("job.location.{name}[{i}]"),
                    "must not be empty",
                ));
            }
        }
        if let Some(e) = &self.embedding {
            e.validate("job.embedding")?;
        }
        Ok(())
    }
}
