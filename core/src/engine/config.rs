//! Engine configuration (saved in snapshots): scoring, events, the exposure ledger, the
//! retrieval stage.

use super::events::EventConfig;
use crate::error::{Error, Result};
use crate::rerank::ExposureLedger;
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
}

/// The retrieval stage (DESIGN.md §1 stage 2): at or above `min_catalog` live freelancers,
/// `recommend_freelancers` under the default preset scores only the freelancers that hold a
/// skill similar to one the job needs (skill inverted index, identity/hierarchy/related
/// matches) plus the job embedding's `vector_neighbours` nearest freelancer embeddings (HNSW),
/// instead of every freelancer. Vetoes are then counted among those candidates only. The
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
    /// specificity weighting, no focus term. A format-1 snapshot loads with these, so it
    /// answers as it did.
    pub fn into_format_v1(self) -> Self {
        Self {
            resolution: ResolutionConfig::exact_only(),
            specificity: SpecificityConfig {
                enabled: false,
                ..SpecificityConfig::default()
            },
            fit: FitConfig {
                focus: 0.0,
                ..self.fit
            },
            ..self
        }
    }
}
