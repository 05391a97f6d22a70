//! A freelancer profile as callers supply it.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{
    Embedding, Location, WorkingHours, check_level, check_timezone, normalize_language,
};
use crate::error::{Error, Result, check_non_negative};
use crate::ids::validate_external_id;
use crate::util::TrimSpace;

/// A skill a freelancer holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkillClaim {
    /// Free-text skill label (resolved through the taxonomy; unknown labels become ad-hoc
    /// skills matched exactly).
    pub skill: String,
    /// Proficiency on the 1–5 scale (fractions allowed); `None` = unstated (the skill factor
    /// assumes its `default_level`, 3).
    #[serde(default)]
    pub level: Option<f64>,
    /// Years of practice, if stated (≥ 0).
    #[serde(default)]
    pub years: Option<f64>,
    /// Whether the marketplace verified the skill.
    #[serde(default)]
    pub verified: bool,
}

/// Track record counts. Supplied on upsert (your database is the source of truth) and then
/// incremented by recorded outcomes until the next upsert that carries a history; see
/// `Engine::record_outcome` for the combination rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct History {
    /// Sum of review ratings (1–5 stars each).
    pub ratings_sum: f64,
    /// Number of reviews.
    pub ratings_count: u32,
    /// Contracts completed.
    pub contracts_completed: u32,
    /// All contracts ever started (completed, cancelled, disputed, active).
    pub contracts_total: u32,
    /// Contracts currently active or in progress.
    pub active_contracts: u32,
    /// Contracts delivered on time.
    pub on_time: u32,
    /// Contracts that ended in a dispute.
    pub disputes: u32,
    /// Proposals sent.
    pub proposals_sent: u32,
    /// Proposals accepted.
    pub proposals_accepted: u32,
    /// When the latest proposal was sent.
    pub last_proposal_at: Option<DateTime<Utc>>,
    /// When the latest contract started.
    pub last_contract_at: Option<DateTime<Utc>>,
}

impl History {
    /// Checks counts are consistent: finite ratings within 1–5 stars on average, completed ≤
    /// total, active ≤ total, accepted ≤ sent, on-time and disputes ≤ total.
    pub fn validate(&self, field: &str) -> Result<()> {
        check_non_negative(&format!("{field}.ratings_sum"), self.ratings_sum)?;
        if self.ratings_count == 0 && self.ratings_sum != 0.0 {
            return Err(Error::invalid(
                format!("{field}.ratings_sum"),
                "must be 0 when ratings_count is 0",
            ));
        }
        if self.ratings_count > 0 {
            let mean = self.ratings_sum / self.ratings_count as f64;
            if !(1.0 - 1e-9..=5.0 + 1e-9).contains(&mean) {
                return Err(Error::invalid(
                    format!("{field}.ratings_sum"),
                    format!("mean rating {mean} is outside 1–5 stars"),
                ));
            }
        }
        let le = |a: u32, an: &str, b: u32, bn: &str| {
            if a > b {
                Err(Error::invalid(
                    format!("{field}.{an}"),
                    format!("{an} ({a}) must be ≤ {bn} ({b})"),
                ))
            } else {
                Ok(())
            }
        };
        le(
            self.contracts_completed,
            "contracts_completed",
            self.contracts_total,
            "contracts_total",
        )?;
        le(
            self.active_contracts,
            "active_contracts",
            self.contracts_total,
            "contracts_total",
        )?;
        le(
            self.on_time,
            "on_time",
            self.contracts_total,
            "contracts_total",
        )?;
        le(
            self.disputes,
            "disputes",
            self.contracts_total,
            "contracts_total",
        )?;
        le(
            self.proposals_accepted,
            "proposals_accepted",
            self.proposals_sent,
            "proposals_sent",
        )
    }
}

/// A freelancer profile.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Freelancer {
    /// External id (non-empty, ≤ 512 bytes).
    pub id: String,
    /// Skills held. Duplicates (same skill after alias resolution) are merged: highest level,
    /// most years, verified if any copy is.
    #[serde(default)]
    pub skills: Vec<SkillClaim>,
    /// Hourly rate (finite, ≥ 0), in `currency`.
    #[serde(default)]
    pub hourly_rate: Option<f64>,
    /// ISO 4217 currency code of the rate (informational; the engine does not convert).
    #[serde(default)]
    pub currency: Option<String>,
    /// IANA time zone name, e.g. `Europe/Berlin`.
    #[serde(default)]
    pub timezone: Option<String>,
    /// Local working hours (default 09:00–17:00).
    #[serde(default)]
    pub working_hours: Option<WorkingHours>,
    /// Hours per week the freelancer can take on (0–168).
    #[serde(default)]
    pub weekly_hours: Option<f64>,
    /// Whether the freelancer accepts work now (`false` = vetoed as unavailable).
    #[serde(default = "yes")]
    pub available: bool,
    /// Languages spoken (ISO 639-1 codes or names; compared case-insensitively).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Where the freelancer is.
    #[serde(default)]
    pub location: Option<Location>,
    /// Years of professional experience, if stated.
    #[serde(default)]
    pub experience_years: Option<f64>,
    /// Track record. `None` on an update keeps the engine's current history.
    #[serde(default)]
    pub history: Option<History>,
    /// Last activity on the marketplace.
    #[serde(default)]
    pub last_active: Option<DateTime<Utc>>,
    /// When the freelancer joined.
    #[serde(default)]
    pub joined: Option<DateTime<Utc>>,
    /// Group attributes for fairness and audits (e.g. `tenure` → `newcomer`).
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
    /// An embedding of the profile (for the semantic factor), with its model id.
    #[serde(default)]
    pub embedding: Option<Embedding>,
}

fn yes() -> bool {
    true
}

impl Freelancer {
    /// A profile with only an id (everything else empty or default).
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            skills: Vec::new(),
            hourly_rate: None,
            currency: None,
            timezone: None,
            working_hours: None,
            weekly_hours: None,
            available: true,
            languages: Vec::new(),
            location: None,
            experience_years: None,
            history: None,
            last_active: None,
            joined: None,
            attributes: BTreeMap::new(),
            embedding: None,
        }
    }

    /// Checks every field; the error names the first bad one (`freelancer.skills[2].level`…).
    pub fn validate(&self) -> Result<()> {
        validate_external_id("freelancer.id", &self.id)?;
        for (i, s) in self.skills.iter().enumerate() {
            let f = format!("freelancer.skills[{i}]");
            if s.skill.trim_space().is_empty() {
                return Err(Error::invalid(format!("{f}.skill"), "must not be empty"));
            }
            if let Some(l) = s.level {
                check_level(&format!("{f}.level"), l)?;
            }
            if let Some(y) = s.years {
                check_non_negative(&format!("{f}.years"), y)?;
            }
        }
        if let Some(r) = self.hourly_rate {
            check_non_negative("freelancer.hourly_rate", r)?;
        }
        if let Some(tz) = &self.timezone {
            check_timezone("freelancer.timezone", tz)?;
        }
        if let Some(w) = &self.working_hours {
            w.validate("freelancer.working_hours")?;
        }
        if let Some(h) = self.weekly_hours {
            check_non_negative("freelancer.weekly_hours", h)?;
            if h > 168.0 {
                return Err(Error::invalid("freelancer.weekly_hours", "must be ≤ 168"));
            }
        }
        for (i, l) in self.languages.iter().enumerate() {
            if normalize_language(l).is_empty() {
                return Err(Error::invalid(
                    format!("freelancer.languages[{i}]"),
                    "must not be empty",
                ));
            }
        }
        if let Some(y) = self.experience_years {
            check_non_negative("freelancer.experience_years", y)?;
        }
        if let Some(h) = &self.history {
            h.validate("freelancer.history")?;
        }
        for (k, v) in &self.attributes {
            if k.trim_space().is_empty() || v.trim_space().is_empty() {
                return Err(Error::invalid(
                    "freelancer.attributes",
                    "attribute names and values must not be empty",
                ));
            }
        }
        if let Some(e) = &self.embedding {
            e.validate("freelancer.embedding")?;
        }
        if let Some(c) = &self.currency {
            super::common::check_currency("freelancer.currency", c)?;
        }
        Ok(())
    }
}
