//! Request options and results of the engine.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result, check_non_negative};
use crate::explain::{Explanation, FactorScore, LabelResolution};
use crate::rerank::RerankerConfig;
use crate::score::Preset;

/// Request-level hard filters (each a named veto, `rate`, `availability` or
/// `request_filter`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Filters {
    /// Freelancers with a higher hourly rate are vetoed (`rate`); unknown rates pass.
    pub max_hourly_rate: Option<f64>,
    /// Freelancers with fewer weekly hours are vetoed (`availability`); unknown hours pass.
    pub min_weekly_hours: Option<f64>,
    /// Attribute name → allowed values: candidates (freelancers, or jobs for
    /// `recommend_jobs`) lacking an allowed value are vetoed (`request_filter`).
    pub attributes: BTreeMap<String, Vec<String>>,
    /// External ids never to return (`request_filter`).
    pub exclude_ids: Vec<String>,
}

/// Options of `recommend_freelancers`, `recommend_jobs` and `score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecommendOptions {
    /// How many results (≥ 1; default 10; at most 10,000).
    pub k: usize,
    /// Results with a lower total are dropped (0–1; default 0).
    pub min_score: f64,
    /// Scoring preset (default `default`).
    pub preset: Preset,
    /// Factor name → weight overrides for the preset (≥ 0, not all zero).
    pub weights: Option<BTreeMap<String, f64>>,
    /// Hard filters.
    pub filters: Filters,
    /// Whether to build explanations for the k results (default true).
    pub explain: bool,
    /// The reference time for recency, expiry and time-zone offsets (default: now). Pass it
    /// for reproducible results.
    pub now: Option<DateTime<Utc>>,
    /// The megilance_v1 price-tier diversity step for freelancers-for-a-job (default: on
    /// under `megilance_v1`, as in the seed; ignored by the default preset).
    pub diversity: Option<bool>,
    /// A fairness / diversity re-ranking policy over the best candidates (none by default).
    pub fairness: Option<FairnessOptions>,
    /// The caller's id of this request: it decides whether the engine's logged exploration
    /// (`EngineConfig::learning.exploration`) applies and seeds its draw, so the same id gives
    /// the same ranking. Without one, exploration never applies.
    pub request_id: Option<String>,
}

/// Which re-ranking policy (or chain) runs over the top of a ranking, and how candidates map
/// to the policy's groups.
///
/// Group ids are positions in `groups`: a candidate whose `attribute` value is `groups[i]`
/// is in group `i`; any other value, or no value, is group `groups.len()`. So with
/// `attribute = "tenure"`, `groups = ["newcomer"]`, a FA*IR policy protecting group `0`
/// protects newcomers. The policy sees the best `pool` candidates (default
/// `max(5·k, 100)`) in score order and returns k.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FairnessOptions {
    /// The policy (see `rerank::RerankerConfig`; `{"type": "chain", "steps": [...]}` chains).
    pub policy: RerankerConfig,
    /// Attribute of the candidates that defines the groups (freelancer attributes for
    /// `recommend_freelancers`, job attributes for `recommend_jobs`).
    #[serde(default)]
    pub attribute: Option<String>,
    /// Attribute values in group-id order.
    #[serde(default)]
    pub groups: Vec<String>,
    /// How many of the best candidates the policy sees (≥ k, ≤ 10,000).
    #[serde(default)]
    pub pool: Option<usize>,
}

impl FairnessOptions {
    /// The pool size for `k`.
    pub fn pool_for(&self, k: usize) -> usize {
        self.pool.unwrap_or((5 * k).max(100)).max(k)
    }

    /// Group id of a candidate with these attributes.
    pub fn group_of(&self, attrs: &BTreeMap<String, String>) -> u32 {
        let n = self.groups.len() as u32;
        match self.attribute.as_ref().and_then(|a| attrs.get(a)) {
            Some(v) => self
                .groups
                .iter()
                .position(|g| g == v)
                .map_or(n, |i| i as u32),
            None => n,
        }
    }
}

impl Default for RecommendOptions {
    fn default() -> Self {
        Self {
            k: 10,
            min_score: 0.0,
            preset: Preset::Default,
            weights: None,
            filters: Filters::default(),
            explain: true,
            now: None,
            diversity: None,
            fairness: None,
            request_id: None,
        }
    }
}

impl RecommendOptions {
    /// Options asking for `k` results.
    pub fn top(k: usize) -> Self {
        Self {
            k,
            ..Self::default()
        }
    }

    /// Rejects k = 0 or > 10,000, a min score outside 0–1, bad weights, bad filters.
    /// Returns the preset's weights in factor order.
    pub fn validate(&self) -> Result<Vec<f64>> {
        self.validate_request()?;
        self.preset.weights(self.weights.as_ref())
    }

    /// [`Self::validate`] without the weights (a request scored by a caller's scorer).
    pub(crate) fn validate_request(&self) -> Result<()> {
        if self.k == 0 {
            return Err(Error::invalid("options.k", "must be ≥ 1"));
        }
        if self.k > 10_000 {
            return Err(Error::invalid("options.k", "must be ≤ 10000"));
        }
        if !(0.0..=1.0).contains(&self.min_score) {
            return Err(Error::invalid(
                "options.min_score",
                format!("must be in 0–1, got {}", self.min_score),
            ));
        }
        if let Some(r) = self.filters.max_hourly_rate {
            check_non_negative("options.filters.max_hourly_rate", r)?;
        }
        if let Some(h) = self.filters.min_weekly_hours {
            check_non_negative("options.filters.min_weekly_hours", h)?;
        }
        for (k, v) in &self.filters.attributes {
            if v.is_empty() {
                return Err(Error::invalid(
                    format!("options.filters.attributes.{k}"),
                    "needs at least one allowed value",
                ));
            }
        }
        if let Some(r) = &self.request_id {
            crate::ids::validate_external_id("options.request_id", r)?;
        }
        if let Some(f) = &self.fairness {
            f.policy.validate()?;
            if let Some(p) = f.pool
                && (p < self.k || p > 10_000)
            {
                return Err(Error::invalid(
                    "options.fairness.pool",
                    format!("must be in k–10000, got {p}"),
                ));
            }
            if !f.groups.is_empty() && f.attribute.is_none() {
                return Err(Error::invalid(
                    "options.fairness.attribute",
                    "groups need an attribute",
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.now.unwrap_or_else(Utc::now)
    }
}

/// One ranked result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// External id of the freelancer (or job).
    pub id: String,
    /// 1-based rank.
    pub rank: usize,
    /// Total score in [0, 1] (megilance_v1: rounded to 3 dp, as the seed reports it).
    pub score: f64,
    /// Per-factor values and weights.
    pub factors: Vec<FactorScore>,
    /// Quality label (megilance_v1 only: excellent/strong/good/fair/weak).
    pub label: Option<String>,
    /// `why_good_fit` text (megilance_v1, jobs for a freelancer only).
    pub reasons: Option<String>,
    /// The explanation (when `explain` is on).
    pub explanation: Option<Explanation>,
    /// Whether the candidate failed the job's must-have gate and is shown only because
    /// fewer than k passed it (policy `relax_when_short`).
    #[serde(default)]
    pub below_gate: bool,
    /// Under logged exploration: the probability that this result is at this rank under the
    /// exploration policy (1 for a request that was not explored, and for ranks past the
    /// explored top). Pass these back in `Impressions::propensities`. `None` when the engine
    /// explores nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub propensity: Option<f64>,
}

/// The answer to a recommend call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendations {
    /// Ranked results, best first.
    pub matches: Vec<Match>,
    /// Candidates considered (live entities of the other side, minus the query itself).
    pub candidates: u32,
    /// Candidates that passed every veto and were scored.
    pub scored: u32,
    /// Scored candidates dropped by `min_score`.
    pub below_min_score: u32,
    /// Candidates removed by each veto (name → count; only non-zero counts).
    pub vetoed: BTreeMap<String, u32>,
    /// Candidates whose must-haves failed the job's gate (always present): vetoed as
    /// `must_have_skills` under `hard` and `hard_allow_implied`, ranked after every candidate
    /// that passed under `relax_when_short` (and returned, flagged, only to fill the list);
    /// 0 under `soft`.
    #[serde(default)]
    pub below_gate: u32,
    /// The preset used.
    pub preset: Preset,
    /// With the retrieval stage (large catalogues): how many candidates it retrieved; the
    /// counts above are then over those candidates. `None` = every candidate was scanned.
    pub retrieved: Option<u32>,
    /// Whether logged exploration re-ordered the top of this ranking (see
    /// `EngineConfig::learning.exploration`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub explored: bool,
}

/// The answer to `score(job, freelancer)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairScore {
    /// The match, as it would appear in a ranking (rank 1).
    #[serde(flatten)]
    pub result: Match,
    /// Vetoes that would remove this freelancer from the job's ranking (names).
    pub vetoes: Vec<String>,
}

/// How one skill label of an upserted entity resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelReport {
    /// The entity's external id (empty for [`crate::Engine::resolve_label`]).
    pub id: String,
    /// Position of the label in the entity's `skills`.
    pub index: usize,
    /// The label as supplied.
    pub label: String,
    /// The skill it names: the taxonomy skill's label, or for an unknown label the ad-hoc
    /// skill (its normalised label).
    pub skill: String,
    /// The taxonomy skill's external id (an ESCO URI), if any.
    pub uri: Option<String>,
    /// How it resolved.
    pub resolution: LabelResolution,
    /// Other ad-hoc skills whose labels look like this one (unknown labels only): their
    /// labels and similarities.
    pub alike: Vec<(String, f64)>,
}

/// What an upsert did with the skill labels it was given.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UpsertReport {
    /// One entry per skill label, in batch order.
    pub labels: Vec<LabelReport>,
    /// How many labels resolved each way (`exact`, `alias`, `contained`, `acronym`,
    /// `fuzzy`, `unknown`).
    pub by_kind: BTreeMap<String, usize>,
}

impl UpsertReport {
    pub(crate) fn add(&mut self, labels: Vec<LabelReport>) {
        for l in labels {
            *self.by_kind.entry(l.resolution.kind.clone()).or_default() += 1;
            self.labels.push(l);
        }
    }
}
