//! Learning from outcomes (issue 18): logged exploration with exact propensities, the impression
//! log (factor values and propensities kept at impression time), the position-based click model
//! fit that yields a `learned` preset, off-policy evaluation of a candidate ranking, and a
//! simulator with a known truth.
//!
//! A pure room (layer 3): it imports only [`crate::error`]; the engine records impressions into
//! an [`ImpressionLog`], calls [`fit`] and [`evaluate_offline`], and ranks with
//! [`LearnedModel::weights_for`]. Sources: research/learning.md; each formula names its paper
//! next to it.

mod explore;
mod log;
mod offline;
pub mod simulate;
mod solver;
mod train;

pub use explore::{MAX_EXPLORED, plackett_luce_marginals, plackett_luce_sample};
pub use log::{
    ImpressionLog, LoggedItem, MAX_LOG_FACTORS, OUTCOME_BITS, Outcome, SlateMeta, SlateView,
};
pub use offline::{Estimator, OffPolicyEstimate, OpeConfig, evaluate_offline};
pub use train::{CalibrationBin, FitConfig, HoldoutReport, LearnedModel, Target, fit};
