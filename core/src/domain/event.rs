//! Events callers record: impressions (who was shown where) and outcomes (what happened next).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_finite};
use crate::ids::validate_external_id;
use crate::util::spelling::spelled_enum;

/// One ranked list shown to a client (freelancers for a job) or to a freelancer (jobs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Impressions {
    /// The caller's id of the request that produced the list.
    pub request_id: String,
    /// The job the list was for, if it was a list of freelancers.
    #[serde(default)]
    pub job_id: Option<String>,
    /// Freelancer ids in the order shown.
    pub freelancer_ids: Vec<String>,
    /// 1-based positions of each id (default: 1, 2, 3, …).
    #[serde(default)]
    pub positions: Option<Vec<u32>>,
    /// The relevance (merit) of each shown freelancer, e.g. the scores the engine returned;
    /// recorded in the exposure ledger so FairCo can compare exposure with merit.
    #[serde(default)]
    pub scores: Option<Vec<f64>>,
    /// The probability of each shown freelancer's position under the policy that ranked
    /// the list (`Match::propensity` of a recommend call under logged exploration; 1 for a
    /// deterministic ranking). `Engine::learn` and `Engine::evaluate_offline` need them; a
    /// list without them is logged as deterministic.
    #[serde(default)]
    pub propensities: Option<Vec<f64>>,
    /// When the list was shown.
    pub at: DateTime<Utc>,
}

impl Impressions {
    /// Rejects an empty request id, an empty list, duplicate ids, and positions that are 0 or
    /// do not match the ids one to one.
    pub fn validate(&self) -> Result<()> {
        validate_external_id("impressions.request_id", &self.request_id)?;
        if let Some(j) = &self.job_id {
            validate_external_id("impressions.job_id", j)?;
        }
        if self.freelancer_ids.is_empty() {
            return Err(Error::invalid(
                "impressions.freelancer_ids",
                "must not be empty",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (i, id) in self.freelancer_ids.iter().enumerate() {
            validate_external_id(&format!("impressions.freelancer_ids[{i}]"), id)?;
            if !seen.insert(id.as_str()) {
                return Err(Error::invalid(
                    format!("impressions.freelancer_ids[{i}]"),
                    format!("`{id}` appears twice in one list"),
                ));
            }
        }
        if let Some(p) = &self.positions {
            if p.len() != self.freelancer_ids.len() {
                return Err(Error::invalid(
                    "impressions.positions",
                    format!(
                        "{} positions for {} ids",
                        p.len(),
                        self.freelancer_ids.len()
                    ),
                ));
            }
            if let Some(i) = p.iter().position(|&x| x == 0) {
                return Err(Error::invalid(
                    format!("impressions.positions[{i}]"),
                    "positions are 1-based",
                ));
            }
        }
        if let Some(sc) = &self.scores {
            if sc.len() != self.freelancer_ids.len() {
                return Err(Error::invalid(
                    "impressions.scores",
                    format!("{} scores for {} ids", sc.len(), self.freelancer_ids.len()),
                ));
            }
            if let Some(i) = sc.iter().position(|x| !x.is_finite() || *x < 0.0) {
                return Err(Error::invalid(
                    format!("impressions.scores[{i}]"),
                    "must be finite and ≥ 0",
                ));
            }
        }
        if let Some(pr) = &self.propensities {
            if pr.len() != self.freelancer_ids.len() {
                return Err(Error::invalid(
                    "impressions.propensities",
                    format!(
                        "{} propensities for {} ids",
                        pr.len(),
                        self.freelancer_ids.len()
                    ),
                ));
            }
            if let Some(i) = pr.iter().position(|x| !(*x > 0.0 && *x <= 1.0)) {
                return Err(Error::invalid(
                    format!("impressions.propensities[{i}]"),
                    "must be in (0, 1]",
                ));
            }
        }
        Ok(())
    }

    /// The 1-based position of the i-th id.
    pub fn position(&self, i: usize) -> u32 {
        self.positions.as_ref().map_or(i as u32 + 1, |p| p[i])
    }
}

/// What happened after an impression. Read case-insensitively (`-` or a space for `_`); the
/// verb forms are accepted too (`view`, `apply`, `shortlist`, `hire`, `complete`, `review`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    /// The client opened the profile (or the freelancer the job).
    Viewed,
    /// The freelancer applied (a proposal was sent).
    Applied,
    /// The client shortlisted the freelancer.
    Shortlisted,
    /// A contract started.
    Hired,
    /// A contract was completed.
    Completed,
    /// A review was left (needs `rating`).
    Reviewed,
}

spelled_enum!(
    OutcomeKind,
    "outcome kind",
    [
        Viewed = "viewed",
        Applied = "applied",
        Shortlisted = "shortlisted",
        Hired = "hired",
        Completed = "completed",
        Reviewed = "reviewed",
    ],
    [
        "view" => Viewed,
        "apply" => Applied,
        "shortlist" => Shortlisted,
        "hire" => Hired,
        "complete" => Completed,
        "review" => Reviewed,
    ]
);

/// One outcome for a freelancer (and usually a job).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// The freelancer concerned.
    pub freelancer_id: String,
    /// The job concerned, if any.
    #[serde(default)]
    pub job_id: Option<String>,
    /// What happened.
    pub kind: OutcomeKind,
    /// Review rating, 1–5 stars; required for `reviewed`, rejected otherwise.
    #[serde(default)]
    pub rating: Option<f64>,
    /// When it happened.
    pub at: DateTime<Utc>,
}

impl Outcome {
    /// Rejects empty ids, a rating on anything but a review, and a review without a rating
    /// in 1–5.
    pub fn validate(&self) -> Result<()> {
        validate_external_id("outcome.freelancer_id", &self.freelancer_id)?;
        if let Some(j) = &self.job_id {
            validate_external_id("outcome.job_id", j)?;
        }
        match (self.kind, self.rating) {
            (OutcomeKind::Reviewed, Some(r)) => {
                check_finite("outcome.rating", r)?;
                if !(1.0..=5.0).contains(&r) {
                    return Err(Error::invalid(
                        "outcome.rating",
                        format!("must be 1–5 stars, got {r}"),
                    ));
                }
                Ok(())
            }
            (OutcomeKind::Reviewed, None) => {
                Err(Error::invalid("outcome.rating", "a review needs a rating"))
            }
            (_, Some(_)) => Err(Error::invalid(
                "outcome.rating",
                "only a `reviewed` outcome carries a rating",
            )),
            (_, None) => Ok(()),
        }
    }
}
