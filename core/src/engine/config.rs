//! Engine configuration (saved in snapshots): scoring, events, the exposure ledger, the
//! retrieval stage.

use super::events::EventConfig;
use crate::error::{Error, Result};
use crate::rerank::ExposureLedger;
use crate::score::Composition;
use crate::skills::{FitConfig, ResolutionConfig, SimilarityConfig, SpecificityConfig};

/// Engine-wide configuration (saved in snapshots).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EngineConfig {
    /// Skill similarity and skill-factor parameters.
    pub scoring: ScoringConfig,
    /// How events are kept.
    pub events: EventConfig,
    /// The exposure ledger FairCo reads (updated by `record_impressions`).
    pub ledger: LedgerConfig,
    /// When and how large catalogues retrieve candidates instead of scanning everything.
    pub retrieval: RetrievalConfig,
    /// Learning from outcomes (issue 18): the impression log and logged exploration.
    pub learning: LearningConfig,
}

/// Learning from outcomes: what `record_impressions` keeps for `Engine::learn` and
/// `Engine::evaluate_offline`, and the logged exploration policy of `recommend_freelancers`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LearningConfig {
    /// Keep the factor values of every shown (job, freelancer) pair with its position and
    /// propensity (default true; about 40 bytes per shown item, see `learn::ImpressionLog`).
    pub log_impressions: bool,
    /// At most this many shown items are kept (default 5,000,000, ≥ 1,000); past it the
    /// oldest half is dropped.
    pub max_logged_items: usize,
    /// Logged exploration (off by default, see [`ExplorationPolicy`]).
    pub exploration: Option<ExplorationPolicy>,
    /// Where FairCo's merit comes from (default `scores`).
    pub fairco_merit: MeritSource,
}

/// The merit FairCo compares exposure with (the exposure ledger's merit column).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeritSource {
    /// The scores recorded with each shown list (`Impressions::scores`): the ranking's own
    /// estimate of relevance.
    #[default]
    Scores,
    /// Propensity-weighted proposals: an `applied` outcome on a logged showing at position k
    /// adds `1/θ_k` to the freelancer's merit, the unbiased relevance estimate
    /// `R̂(d) = Σ_t c_t(d)/p_t(d)` of FairCo (Morik et al. SIGIR'20, §4), with `θ` the learned
    /// model's position curve once `learn` ran (the same propensities the learner uses), else
    /// the ledger's position model. `Impressions::scores` then add no merit.
    PropensityWeightedClicks,
}

impl Default for LearningConfig {
    fn default() -> Self {
        Self {
            log_impressions: true,
            max_logged_items: 5_000_000,
            exploration: None,
            fairco_merit: MeritSource::Scores,
        }
    }
}

/// Logged exploration for `recommend_freelancers` (issue 18 item 1): on a `share` of
/// requests (chosen by a hash of `options.request_id`, so the same request id is always
/// explored or not), the final top `top_m` are re-ordered by Plackett–Luce sampling (Plackett
/// 1975; Luce 1959) at `temperature` over their scores, seeded by `seed` and the request id,
/// so a ranking can be reproduced. Each result then carries the exact probability of its
/// position under this policy (`Match::propensity`), which `record_impressions` takes back and
/// `learn`/`evaluate_offline` need. The set of the top `top_m` never changes (only their order),
/// so a fairness policy's choice of who is shown stays as it was.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExplorationPolicy {
    /// Share of requests explored, in (0, 1].
    pub share: f64,
    /// How many of the top results are re-ordered (2–10; default 8).
    #[serde(default = "default_top_m")]
    pub top_m: usize,
    /// Plackett–Luce temperature in score units (> 0; default 0.05): lower keeps closer to the
    /// ranking, higher shuffles more.
    #[serde(default = "default_temperature")]
    pub temperature: f64,
    /// Seed of the draws.
    #[serde(default)]
    pub seed: u64,
}

fn default_top_m() -> usize {
    8
}

fn default_temperature() -> f64 {
    0.05
}

impl ExplorationPolicy {
    /// Rejects a share outside (0, 1], `top_m` outside 2–[`crate::learn::MAX_EXPLORED`] and a
    /// temperature that is not finite and > 0 (fields `learning.exploration.*`).
    pub fn validate(&self) -> Result<()> {
        if !(self.share > 0.0 && self.share <= 1.0) {
            return Err(Error::invalid(
                "learning.exploration.share",
                format!("must be in (0, 1], got {}", self.share),
            ));
        }
        let max = crate::learn::MAX_EXPLORED;
        if !(2..=max).contains(&self.top_m) {
            return Err(Error::invalid(
                "learning.exploration.top_m",
                format!("must be in 2–{max}, got {}", self.top_m),
            ));
        }
        if !(self.temperature.is_finite() && self.temperature > 0.0) {
            return Err(Error::invalid(
                "learning.exploration.temperature",
                format!("must be finite and > 0, got {}", self.temperature),
            ));
        }
        Ok(())
    }
}

impl LearningConfig {
    /// Checks the exploration policy and `max_logged_items ≥ 1000`.
    pub fn validate(&self) -> Result<()> {
        if self.max_logged_items < 1000 {
            return Err(Error::invalid(
                "learning.max_logged_items",
                format!("must be ≥ 1000, got {}", self.max_logged_items),
            ));
        }
        self.exploration
            .as_ref()
            .map_or(Ok(()), ExplorationPolicy::validate)
    }
}

/// The retrieval stage (DESIGN.md §1 stage 2): at or above `min_catalog` live freelancers,
/// `recommend_freelancers` under the default preset scores only the freelancers that hold a
/// skill similar to one the job needs (skill inverted index, identity/hierarchy/related
/// matches), those that share an occupation of the job's occupation posterior (when the
/// taxonomy has occupation profiles), plus the job embedding's `vector_neighbours` nearest
/// freelancer embeddings (HNSW), instead of every freelancer. Vetoes are then counted among those candidates only. The
/// recall this costs is measured in benches/README.md ("Retrieval").
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetrievalConfig {
    /// Catalogue size from which retrieval replaces the full scan (default 50,000; 0 = always,
    /// `usize::MAX` = never).
    pub min_catalog: usize,
    /// Nearest embeddings added to the candidates (default 200; 0 = skills only; ≤ 10,000).
    pub vector_neighbours: usize,
}

impl Default for RetrievalConfig {
    fn default() -> Self {
        Self {
            min_catalog: 50_000,
            vector_neighbours: 200,
        }
    }
}

impl EngineConfig {
    /// Checks every part.
    pub fn validate(&self) -> Result<()> {
        self.scoring.validate()?;
        self.events.validate()?;
        if self.retrieval.vector_neighbours > 10_000 {
            return Err(Error::invalid(
                "retrieval.vector_neighbours",
                "must be ≤ 10000",
            ));
        }
        self.learning.validate()?;
        self.ledger.new_ledger().map(|_| ())
    }
}

/// The engine's exposure ledger: one entry per freelancer (groups are summed from it per
/// request), exposure from recorded impressions, merit from the scores they carry.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LedgerConfig {
    /// Attention per position (default `log`).
    pub position_model: crate::PositionModel,
    /// Positions past this one get no exposure (default none).
    pub cutoff: Option<usize>,
    /// Half-life of exposure and merit in days (default 30; `None` = no decay).
    pub half_life_days: Option<f64>,
}

impl Default for LedgerConfig {
    fn default() -> Self {
        Self {
            position_model: crate::PositionModel::Log,
            cutoff: None,
            half_life_days: Some(30.0),
        }
    }
}

impl LedgerConfig {
    /// An empty ledger with this configuration (times in Unix seconds); rejects bad values.
    pub fn new_ledger(&self) -> Result<ExposureLedger> {
        ExposureLedger::new(
            self.position_model.clone(),
            self.cutoff,
            self.half_life_days.map(|d| d * 86_400.0),
        )
        .map_err(|e| e.within("ledger"))
    }
}

/// Engine-wide scoring parameters (part of the snapshot).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScoringConfig {
    /// Skill similarity.
    pub similarity: SimilarityConfig,
    /// Skill factor.
    pub fit: FitConfig,
    /// How free-text skill labels resolve to taxonomy skills.
    pub resolution: ResolutionConfig,
    /// Requirement weights by the specificity of their skill in the live catalogue.
    pub specificity: SpecificityConfig,
    /// How the `default` preset composes relevance and the other factors (default
    /// relevance-gated; snapshots before format 4 load with the weighted mean).
    pub composition: Composition,
}

impl ScoringConfig {
    /// Checks every part.
    pub fn validate(&self) -> Result<()> {
        self.similarity.validate()?;
        self.fit.validate()?;
        self.resolution.validate()?;
        self.specificity.validate()
    }

    /// `self` under the relevance rules snapshots of format 1 were written under (before
    /// issue 14): labels resolve by exact and alias keys only (aliases at similarity 1), no
    /// specificity weighting, no focus term, no occupation evidence, the plain weighted mean.
    /// A format-1 snapshot loads with these, so it answers as it did.
    pub fn into_format_v1(self) -> Self {
        Self {
            resolution: ResolutionConfig::exact_only(),
            specificity: SpecificityConfig {
                enabled: false,
                ..SpecificityConfig::default()
            },
            fit: FitConfig {
                focus: 0.0,
                occupation: 0.0,
                ..self.fit
            },
            composition: Composition::WeightedMean,
            ..self
        }
    }
}
