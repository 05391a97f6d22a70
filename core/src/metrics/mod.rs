//! Bias and fairness metrics: pure functions over slices plus mergeable accumulators.
//!
//! Four families (research/fairness.md §2–3):
//!
//! * **Classification / selection** ([`GroupConfusion`]): one pass over `(group code, y_true,
//!   y_pred, weight)` gives weighted confusion counts per group; every fairlearn 0.15 metric
//!   (selection rate, TPR/FPR/TNR/FNR, demographic parity, equalized odds, equal opportunity;
//!   `between_groups` / `to_overall`, `worst_case` / `mean`) and every AIF360 0.6.1 two-group
//!   metric ([`PrivilegedComparison`]: signed SPD, disparate impact, average (abs) odds) is
//!   computed from those counts in O(groups). Any number of groups; intersectional groups via
//!   [`intersect_groups`]; string groups via [`encode_groups`].
//! * **Inequality**: generalized entropy index for any α, Theil, coefficient of variation,
//!   between-group GEI (weighted, unlike AIF360 — see [`generalized_entropy_index`]), Gini.
//! * **Ranking**: skew, min/max skew, NDKL, infeasible index/count, group exposure with the
//!   shared [`crate::PositionModel`] and all [`Combiner`]s, EXPU, AWRF, rND/rKL/rRD with a
//!   deterministic normaliser, expected exposure EE-L/D/R, attribute rank parity, and the
//!   mergeable [`ExposureAccumulator`].
//! * **Rating bias**: descriptive gaps, Welch t, Mann–Whitney U, Brunner–Munzel,
//!   rank-biserial, Benjamini–Hochberg, Bayesian average, seeded permutation tests.
//!
//! Group codes are dense integers `0..n_groups` with at most [`MAX_GROUPS`] groups (every
//! per-group array is sized by it; sparse codes are rejected, re-encode them with
//! [`encode_groups`]). Sums of extreme finite values never overflow to NaN: values are
//! scaled by a power of two before summing where a sum could pass `f64::MAX`.
//!
//! Edge cases are explicit: every undefined value (division by zero) follows a
//! [`ZeroDivision`] policy {Nan (default), Zero, One, Error}, the research/fairness.md §2.4
//! table. Reports list excluded (empty / zero-weight) and undefined (e.g. no positives)
//! groups with their counts instead of silently reading "fair". Invalid input (length
//! mismatch, non-binary labels, NaN, negative weights, empty input, unknown group codes) is a
//! typed [`crate::Error`] naming the field; nothing here panics on caller input.
//!
//! Accumulators ([`GroupConfusion`], [`LabelledConfusion`], [`ExposureAccumulator`],
//! [`RatingStats`]) are O(groups) memory, `merge` exactly (row counts as integers, weights as
//! f64 sums) and serialise with serde, so partial counts from rayon threads or distributed
//! workers combine into the one-pass result. Deserialising validates the state (each type's
//! `try_from` form: counts, lengths, group limits), so restored state cannot fail later; the
//! merge rules for group codes vs string labels live in [`LabelledConfusion`].
//! The `*_par` variants split the big calls over the rayon pool.
//!
//! ```
//! use fairmatch::metrics::{GroupConfusion, FairnessOptions, demographic_parity_difference};
//! let groups = [0u32, 0, 1, 1];
//! let y_true = [1u8, 0, 1, 0];
//! let y_pred = [1u8, 1, 1, 0];
//! let c = GroupConfusion::from_arrays(&groups, &y_true, &y_pred, None)?;
//! let dpd = demographic_parity_difference(&c, &FairnessOptions::default())?;
//! assert!((dpd - 0.5).abs() < 1e-12);
//! # Ok::<(), fairmatch::Error>(())
//! ```
//!
//! This room imports only `error`, `position` (and std/serde/rayon/statrs); it never knows
//! about rerankers, scores or the engine.

mod group;
mod inequality;
mod labelled;
mod policy;
mod ranking;
mod rating;

pub use group::{
    Agg, Confusion, FairnessOptions, FairnessReport, GroupConfusion, GroupCount, GroupRates,
    GroupRow, GroupStatus, Method, PrivilegedComparison, Rate, decode_intersection,
    demographic_parity_difference, demographic_parity_ratio, disparate_impact_from_counts,
    encode_groups, equal_opportunity_difference, equal_opportunity_ratio,
    equalized_odds_difference, equalized_odds_ratio, intersect_groups,
};
pub use inequality::{
    GeiConvention, between_group_generalized_entropy_index, generalized_entropy_index, gini,
};
pub use labelled::LabelledConfusion;
pub use policy::{BinaryLabel, Combiner, MAX_GROUPS, ZeroDivision, check_n_groups, combine};
pub use ranking::{
    ARP_DEFAULT_COMBINER, DEFAULT_COMBINER, ExpectedExposure, ExposureAccumulator, Infeasible,
    YangStoyanovich, YsDiscount, attention_shares, attribute_rank_parity, awrf, awrf_binary,
    expected_exposure, exposure_per_utility, group_exposure, infeasible, max_skew, min_skew, ndkl,
    skew, yang_stoyanovich,
};
pub use rating::{
    Alternative, BrunnerMunzel, DEFAULT_PERMUTATION_SEED, DEFAULT_RESAMPLES, MAX_RATING,
    MannWhitney, PermutationTest, RatingGap, RatingStats, TTest, bayesian_average,
    benjamini_hochberg, brunner_munzel, difference_in_means, mann_whitney_u, mann_whitney_u_counts,
    permutation_test, permutation_test_two_sample, rank_biserial, rating_gaps, welch_from_stats,
    welch_t_test,
};
