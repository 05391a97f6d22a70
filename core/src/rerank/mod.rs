//! Re-ranking: fairness and diversity policies over the top candidates (DESIGN.md §1 stage 4;
//! research/fairness.md §1).
//!
//! Input is a slice of [`RerankItem`] `(id, score, group)`; output is an order over (a top-k
//! selection of) the same ids — membership never changes beyond the top-k cut. Ties follow
//! the canonical order **score descending, then lower id**, except where an algorithm says
//! otherwise (FA*IR: a score tie between the two heads goes to the protected candidate).
//! Nothing here panics on caller input: bad values are [`crate::Error::InvalidInput`] naming
//! the field.
//!
//! | policy | function | source |
//! |---|---|---|
//! | FA*IR (m-tables, adjusted m-tables, fail probability) | [`fair_top_k`], [`adjusted_mtable`], [`mtable`], [`fail_probability`], [`is_fair`] | Zehlike et al. 2017; fairness.md §1.2 |
//! | DetGreedy / DetCons / DetRelaxed / DetConstSort | [`geyik_rerank`] | Geyik et al. 2019; fairness.md §1.3 |
//! | FairCo amortised exposure | [`fairco`] + [`ExposureLedger`] | Morik et al. 2020; fairness.md §1.6 |
//! | MMR, attribute round-robin | [`mmr`], [`attribute_round_robin`] | Carbonell & Goldstein 1998 |
//! | megilance_v1 price tiers | [`price_tier_diversity`] | megilance_v1.md "Ranking" |
//! | cold-start exploration | [`explore`] | — |
//!
//! The engine selects policies by config ([`RerankerConfig`], serde-tagged, chains allowed)
//! and calls [`apply`], which also explains which policy moved each result and by how much.
//! Stateful policies keep their state in caller-owned values ([`ExposureLedger`]); the
//! FA*IR table cache is a process-wide, thread-safe memo of a pure function.
//!
//! ```
//! use fairmatch::rerank::{apply, RerankContext, RerankItem, RerankerConfig};
//!
//! // exploration for newcomers, then FA*IR with group 1 protected
//! let config: RerankerConfig = serde_json::from_str(r#"{"type": "chain", "steps": [
//!     {"type": "exploration", "max_boost": 0.05, "min_impressions": 20, "seed": 7},
//!     {"type": "fair", "p": 0.5, "alpha": 0.1, "protected_groups": [1]}]}"#).unwrap();
//! let items: Vec<RerankItem> = (0..30)
//!     .map(|i| RerankItem::new(i, 1.0 - 0.01 * i as f64, u32::from(i >= 20)))
//!     .collect();
//! let impressions = |id: u32| if id % 4 == 0 { 0 } else { 100 };
//! let ctx = RerankContext { impressions: Some(&impressions), ..Default::default() };
//! let out = apply(&config, &items, 10, &ctx).unwrap();
//! assert_eq!(out.order.len(), 10);
//! for m in &out.moves {
//!     if let Some((policy, places)) = m.moved_by() {
//!         println!("{} moved {places:+} places by {policy:?}", m.id);
//!     }
//! }
//! ```

mod apply;
mod diversity;
mod explore;
mod fair;
mod fairco;
mod geyik;
mod item;

pub use apply::{
    FairConfig, GeyikConfig, ItemMove, MmrConfig, PolicyKind, RerankContext, RerankLookups,
    RerankOutcome, RerankerConfig, RoundRobinConfig, StepMove, apply,
};
pub use diversity::{
    attribute_round_robin, cosine_similarity, jaccard_similarity, mmr, price_tier,
    price_tier_diversity,
};
pub use explore::{ExplorationConfig, exploration_boost, explore};
pub use fair::{
    AdjustedMTable, FAIR_MAX_K, MTableMode, adjusted_mtable, adjusted_mtable_uncached,
    binomial_cdf, fail_probability, fair_top_k, is_fair, mtable,
};
pub use fairco::{ExposureLedger, FairCoConfig, FairCoUnit, MERIT_FLOOR, fairco};
pub use geyik::{GeyikAlgorithm, GroupTarget, geyik_rerank};
pub use item::RerankItem;
