//! Cold-start exploration: a bounded, seeded boost for candidates with few impressions.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use serde::{Deserialize, Serialize};

use super::item::{RerankItem, canonical, validate_items};
use crate::error::{Error, Result, check_non_negative};
use crate::ids::DocId;

/// Parameters of [`explore`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExplorationConfig {
    /// Largest score boost any item can get (score units, finite, ≥ 0).
    pub max_boost: f64,
    /// Items with fewer impressions than this are "new" and eligible (≥ 1).
    pub min_impressions: u64,
    /// At most this many places any item moves **up** (`None`: only the boost bounds it).
    #[serde(default)]
    pub max_promotion: Option<usize>,
    /// Seed of the per-item draw; the same seed, items and counts give the same order.
    #[serde(default)]
    pub seed: u64,
}

impl ExplorationConfig {
    /// Rejects a negative or non-finite `max_boost` and `min_impressions = 0`.
    pub fn validate(&self) -> Result<()> {
        check_non_negative("exploration.max_boost", self.max_boost)?;
        if self.min_impressions == 0 {
            return Err(Error::invalid("exploration.min_impressions", "must be ≥ 1"));
        }
        Ok(())
    }
}

use crate::util::splitmix64;

/// The boost of one item: `max_boost · u · (1 − impressions / min_impressions)` for
/// impressions below the threshold (0 otherwise), `u ∈ [0, 1)` drawn from `(seed, key)`,
/// where `key` is the item's id or its [`super::RerankContext::draw_key`]. Always in
/// `[0, max_boost)`.
pub fn exploration_boost(config: &ExplorationConfig, key: impl Into<u64>, impressions: u64) -> f64 {
    if impressions >= config.min_impressions {
        return 0.0;
    }
    let h = splitmix64(config.seed ^ splitmix64(key.into()));
    let u = (h >> 11) as f64 / (1u64 << 53) as f64;
    let fresh = 1.0 - impressions as f64 / config.min_impressions as f64;
    config.max_boost * u * fresh
}

#[derive(PartialEq)]
struct Cand {
    boosted: f64,
    rank: usize,
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    // max-heap: higher boosted score first, then earlier original rank
    fn cmp(&self, o: &Self) -> Ordering {
        self.boosted
            .total_cmp(&o.boosted)
            .then(o.rank.cmp(&self.rank))
    }
}

/// Re-orders `items` by `score + boost` (see [`exploration_boost`]) and returns every id in
/// the new order with its boosted score. Guarantees: no boost reaches `max_boost`; with
/// `max_promotion = Some(P)` no item ends more than P places above its rank in the canonical
/// order (score descending, then lower id); an item is only ever overtaken by items scoring
/// less than `max_boost` below it, so relevance is never buried by more than that margin.
/// Ties: original rank. O(n log n).
///
/// `impressions(id)` is how often the caller has shown the item so far.
///
/// Rejects an invalid config, non-finite scores and duplicate ids.
pub fn explore(
    items: &[RerankItem],
    impressions: &dyn Fn(DocId) -> u64,
    config: &ExplorationConfig,
) -> Result<Vec<(DocId, f64)>> {
    validate_items(items)?;
    config.validate()?;
    let ranked = canonical(items);
    Ok(explore_idx(&ranked, impressions, None, config)
        .into_iter()
        .map(|(i, s)| (ranked[i].id, s))
        .collect())
}

/// [`explore`] over a ranked slice; `draw_key` maps an id to the key of its draw (default:
/// the id).
pub(crate) fn explore_idx(
    items: &[RerankItem],
    impressions: &dyn Fn(DocId) -> u64,
    draw_key: Option<&dyn Fn(DocId) -> u64>,
    config: &ExplorationConfig,
) -> Vec<(usize, f64)> {
    let order: Vec<usize> = (0..items.len()).collect();
    let key = |id: DocId| draw_key.map_or(u64::from(id), |f| f(id));
    let boosted: Vec<f64> = order
        .iter()
        .map(|&i| {
            let id = items[i].id;
            items[i].score + exploration_boost(config, key(id), impressions(id))
        })
        .collect();
    let n = order.len();
    let window = config.max_promotion.unwrap_or(n);
    let mut heap = BinaryHeap::with_capacity(n.min(window + 1));
    let mut next = 0usize;
    let mut out = Vec::with_capacity(n);
    for pos in 0..n {
        // admit every item whose original rank is at most pos + window
        while next < n && next <= pos.saturating_add(window) {
            heap.push(Cand {
                boosted: boosted[next],
                rank: next,
            });
            next += 1;
        }
        if let Some(c) = heap.pop() {
            out.push((order[c.rank], c.boosted));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_deterministic() {
        let items: Vec<RerankItem> = (0..50)
            .map(|i| RerankItem::new(i, 1.0 - 0.01 * i as f64, 0))
            .collect();
        let cfg = ExplorationConfig {
            max_boost: 0.2,
            min_impressions: 10,
            max_promotion: Some(3),
            seed: 7,
        };
        let imps = |id: DocId| if id.is_multiple_of(5) { 0 } else { 100 };
        let a = explore(&items, &imps, &cfg).unwrap();
        let b = explore(&items, &imps, &cfg).unwrap();
        assert_eq!(a, b);
        for (pos, (id, s)) in a.iter().enumerate() {
            let orig = *id as usize;
            assert!(orig <= pos + 3, "item {id} promoted from {orig} to {pos}");
            let base = items[orig].score;
            assert!(*s >= base && *s < base + 0.2);
            if !id.is_multiple_of(5) {
                assert_eq!(*s, base);
            }
        }
        let c = explore(
            &items,
            &imps,
            &ExplorationConfig {
                seed: 8,
                ..cfg.clone()
            },
        )
        .unwrap();
        assert_ne!(a, c);
        assert!(
            explore(
                &items,
                &imps,
                &ExplorationConfig {
                    max_boost: -1.0,
                    ..cfg
                }
            )
            .is_err()
        );
    }
}
