//! Scoring: turns signals into one number. Weights are configuration, defaults documented.
//!
//! - [`factors`]: the `default` preset's factor functions (rate fit, experience,
//!   availability, reputation with Bayesian shrinkage, recency, time-zone overlap,
//!   languages, semantic similarity); the skill factor itself lives in `skills`.
//! - [`megilance`]: the `megilance_v1` preset, an exact reproduction of the seed.
//! - [`Preset`]: named factor sets and validated custom weights.
//! - [`Scorer`]: one per preset ([`DefaultScorer`], [`MegilanceScorer`]), owning its factor
//!   list, weights by name, total, pruning bound and report.

pub mod factors;
pub mod megilance;
mod preset;
mod scorer;

pub use preset::{DEFAULT_FACTORS, Preset};
pub use scorer::{Composition, DefaultScorer, FactorSet, MegilanceScorer, Scorer, Ties, Weights};
