//! The serialisable explanation of a match, built by the stages that made the decisions and
//! returned for the k results only. Plain strings and numbers, so the bindings return it as
//! dicts/objects unchanged.

use serde::{Deserialize, Serialize};

/// One factor's part in a total.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorScore {
    /// Factor name (`skills`, `rate`, … or the megilance_v1 names).
    pub name: String,
    /// Value in [0, 1].
    pub value: f64,
    /// Weight as used (normalised so the applicable weights sum to 1).
    pub weight: f64,
    /// Its part of the total: `value · weight`, times the relevance R for a term of the
    /// `default` preset under the relevance-gated composition (contributions add up to the
    /// score).
    pub contribution: f64,
}

/// How a free-text skill label found its skill (`skills::Resolution`, as plain values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelResolution {
    /// `exact`, `alias`, `contained`, `acronym`, `fuzzy`, or `unknown` (an ad-hoc skill known
    /// only by its own label).
    pub kind: String,
    /// How sure, in (0, 1]: 1 for `exact` and `unknown`, below 1 for every other kind. It
    /// multiplies the match value.
    pub similarity: f64,
    /// The known label or alias that matched, as the taxonomy spells it (for `alias`,
    /// `contained`, `acronym` and `fuzzy`).
    pub matched: Option<String>,
}

/// A needed skill that a held skill matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillMatchExplanation {
    /// The job's skill (display label).
    pub required: String,
    /// The freelancer's skill that matched (display label).
    pub held: String,
    /// `exact`, `implied`, `related` or `category`.
    pub kind: String,
    /// Similarity of the two skills, in (0, 1].
    pub similarity: f64,
    /// Needed level, if stated.
    pub level_needed: Option<f64>,
    /// Held level, if stated.
    pub level_held: Option<f64>,
    /// `m_r`: similarity × both labels' resolution similarities × level fit.
    pub value: f64,
    /// Must-have or nice-to-have.
    pub must: bool,
    /// Taxonomy path from the held to the needed skill (labels), for implied/related.
    pub path: Vec<String>,
    /// The requirement's specificity weight (how rare its skill is in the catalogue; 1 when
    /// specificity is off), which multiplies the job's own weight.
    pub specificity: f64,
    /// How the freelancer's label resolved.
    pub held_resolution: LabelResolution,
    /// How the job's label resolved.
    pub required_resolution: LabelResolution,
}

/// A needed skill nothing matched.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MissingSkill {
    /// The job's skill (display label).
    pub required: String,
    /// Must-have or nice-to-have.
    pub must: bool,
    /// The requirement's specificity weight.
    pub specificity: f64,
    /// How the job's label resolved.
    pub resolution: LabelResolution,
}

/// How the skill factor came about.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SkillExplanation {
    /// Exact (or alias) matches.
    pub matched: Vec<SkillMatchExplanation>,
    /// Matches through the taxonomy (with paths) or relations.
    pub implied: Vec<SkillMatchExplanation>,
    /// Needed skills with no match.
    pub missing: Vec<MissingSkill>,
    /// Weighted mean coverage of must-haves.
    pub cov_must: f64,
    /// Weighted geometric mean of must-haves.
    pub fit_must: f64,
    /// Weighted mean coverage of nice-to-haves.
    pub cov_nice: f64,
    /// Share of must-haves at `m_r ≥ τ`.
    pub gate_share: f64,
    /// The coverage part of the skill factor (before the focus term).
    pub coverage: f64,
    /// The focus term: the specificity-weighted share of the freelancer's skills that serve
    /// the job.
    pub focus: f64,
    /// The occupation evidence mixed into the skill factor, when the taxonomy has occupation
    /// profiles and the job names one of its skills (`null` otherwise).
    #[serde(default)]
    pub occupation: Option<OccupationEvidence>,
}

/// How likely a job and a freelancer are to be the same occupation (the taxonomy's
/// occupation profiles; formula in `skills::occupation`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OccupationEvidence {
    /// `occ(j, f)` in [0, 1]: `Σ_o P(o|job)·P(o|freelancer) / max_o P(o|job)`.
    pub similarity: f64,
    /// Its share β of the skill factor (`scoring.fit.occupation`).
    pub weight: f64,
    /// The occupation both most likely share (largest `P(o|job)·P(o|freelancer)`), if their
    /// truncated posteriors share one.
    pub likeliest: Option<String>,
    /// That occupation's URI (ESCO concept), if any.
    pub uri: Option<String>,
    /// `P(likeliest | job)` (0 when there is none).
    pub job_probability: f64,
    /// `P(likeliest | freelancer)` (0 when there is none).
    pub freelancer_probability: f64,
}

/// A re-ranking policy's effect on one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RerankMove {
    /// The policy that moved it (`fair_star`, `det_greedy`, `fairco`, …).
    pub policy: String,
    /// Rank before the policy (1-based).
    pub from: usize,
    /// Rank after the policy (1-based).
    pub to: usize,
}

/// Everything explained about one match.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Explanation {
    /// The skill factor (default preset).
    pub skills: Option<SkillExplanation>,
    /// Short human sentences, most important first.
    pub notes: Vec<String>,
    /// Re-ranking moves, in the order the policies ran.
    pub moves: Vec<RerankMove>,
    /// The megilance_v1 preset's own skill details (exact, category, missing).
    pub megilance: Option<serde_json::Value>,
}
