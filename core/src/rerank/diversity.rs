//! Diversity policies: maximal marginal relevance, attribute round-robin and the
//! megilance_v1 price-tier step.

use std::collections::VecDeque;

use super::item::{RerankItem, canonical, ids_of, validate_items};
use crate::error::{Error, Result};
use crate::ids::DocId;

/// Maximal marginal relevance (Carbonell & Goldstein, SIGIR 1998): repeatedly pick
/// `argmax λ·score(d) − (1−λ)·max_{s∈S} sim(d, s)` among the remaining items, S = picked so
/// far. The first pick is the best-scored item. Ties: score descending, then lower id.
/// Returns the ids of the first `min(k, n)` picks. O(k·n) similarity calls.
///
/// `similarity(a, b)` is the caller's similarity of two ids (cosine of embeddings, Jaccard of
/// skill sets — see [`cosine_similarity`] and [`jaccard_similarity`]); a non-finite value is
/// treated as 0.
///
/// Rejects λ outside [0, 1], non-finite scores and duplicate ids.
pub fn mmr(
    items: &[RerankItem],
    k: usize,
    lambda: f64,
    similarity: &dyn Fn(DocId, DocId) -> f64,
) -> Result<Vec<DocId>> {
    validate_items(items)?;
    check_lambda(lambda)?;
    let ranked = canonical(items);
    Ok(ids_of(&ranked, &mmr_idx(&ranked, k, lambda, similarity)))
}

pub(crate) fn check_lambda(lambda: f64) -> Result<()> {
    if !(0.0..=1.0).contains(&lambda) {
        return Err(Error::invalid(
            "lambda",
            format!("must be in [0, 1], got {lambda}"),
        ));
    }
    Ok(())
}

pub(crate) fn mmr_idx(
    items: &[RerankItem],
    k: usize,
    lambda: f64,
    similarity: &dyn Fn(DocId, DocId) -> f64,
) -> Vec<usize> {
    let mut rest: Vec<usize> = (0..items.len()).collect();
    let k = k.min(rest.len());
    let mut max_sim = vec![f64::NEG_INFINITY; items.len()];
    let mut out = Vec::with_capacity(k);
    while out.len() < k {
        let mut best_pos = 0;
        let mut best_val = f64::NEG_INFINITY;
        for (pos, &i) in rest.iter().enumerate() {
            let penalty = if out.is_empty() { 0.0 } else { max_sim[i] };
            let v = lambda * items[i].score - (1.0 - lambda) * penalty;
            // `rest` is in canonical order, so strict `>` keeps the canonical tie order
            if pos == 0 || v > best_val {
                best_val = v;
                best_pos = pos;
            }
        }
        let chosen = rest.remove(best_pos);
        out.push(chosen);
        for &i in &rest {
            let s = similarity(items[i].id, items[chosen].id);
            let s = if s.is_finite() { s } else { 0.0 };
            if s > max_sim[i] {
                max_sim[i] = s;
            }
        }
    }
    out
}

/// Cosine similarity of two vectors (0 when either is all zeros or lengths differ).
pub fn cosine_similarity(a: &[f32], b: &[f32]) -> f64 {
    if a.len() != b.len() {
        return 0.0;
    }
    let (mut dot, mut na, mut nb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        dot += x * y;
        na += x * x;
        nb += y * y;
    }
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na.sqrt() * nb.sqrt())
    }
}

/// Jaccard similarity |A∩B| / |A∪B| of two skill-id sets given as **sorted, deduplicated**
/// slices (1 when both are empty).
pub fn jaccard_similarity(a: &[u32], b: &[u32]) -> f64 {
    let inter = crate::util::sorted_intersection_count(a, b);
    let union = a.len() + b.len() - inter;
    if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    }
}

/// How the round-robin cursor moves after a bucket is emptied and removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CursorRule {
    /// Stay on the index the next bucket slid into (every bucket gets its turn).
    Fair,
    /// megilance_v1: advance by one anyway, so the bucket that slid into the removed one's
    /// place is skipped for one turn.
    SkipAfterRemoval,
}

/// Groups `order` (already ranked) into buckets by `key`, buckets ordered by first
/// appearance, ranked order inside; then takes up to `slots` items round-robin.
pub(crate) fn round_robin_fill<K: PartialEq + Copy>(
    order: &[usize],
    key: impl Fn(usize) -> K,
    slots: usize,
    rule: CursorRule,
) -> Vec<usize> {
    let mut keys: Vec<K> = Vec::new();
    let mut buckets: Vec<VecDeque<usize>> = Vec::new();
    for &i in order {
        let kk = key(i);
        match keys.iter().position(|&x| x == kk) {
            Some(b) => buckets[b].push_back(i),
            None => {
                keys.push(kk);
                buckets.push(VecDeque::from([i]));
            }
        }
    }
    let mut out = Vec::with_capacity(slots.min(order.len()));
    let mut cursor = 0usize;
    while out.len() < slots && !buckets.is_empty() {
        let b = &mut buckets[cursor];
        out.extend(b.pop_front());
        let removed = b.is_empty();
        if removed {
            buckets.remove(cursor);
        }
        if buckets.is_empty() {
            break;
        }
        match (rule, removed) {
            (CursorRule::Fair, true) => cursor %= buckets.len(),
            _ => cursor = (cursor + 1) % buckets.len(),
        }
    }
    out
}

/// Attribute round-robin: keeps the first `keep_head` items of the canonical order (score
/// descending, then lower id) in place, buckets the rest by `group` (buckets in order of first
/// appearance, score order inside) and fills up to `k` total positions by taking one item from
/// each bucket in turn; an emptied bucket is dropped and its successor takes the next turn.
///
/// Rejects non-finite scores and duplicate ids.
pub fn attribute_round_robin(
    items: &[RerankItem],
    k: usize,
    keep_head: usize,
) -> Result<Vec<DocId>> {
    validate_items(items)?;
    let ranked = canonical(items);
    Ok(ids_of(&ranked, &round_robin_idx(&ranked, k, keep_head)))
}

pub(crate) fn round_robin_idx(items: &[RerankItem], k: usize, keep_head: usize) -> Vec<usize> {
    let order: Vec<usize> = (0..items.len()).collect();
    let k = k.min(order.len());
    let head = keep_head.min(k);
    let mut out = order[..head].to_vec();
    out.extend(round_robin_fill(
        &order[head..],
        |i| items[i].group,
        k - head,
        CursorRule::Fair,
    ));
    out
}

/// Price tier of an hourly rate in megilance_v1 (`None` counts as 0): budget < 30,
/// mid < 80, premium < 150, else expert (NaN compares false everywhere → expert).
pub fn price_tier(hourly_rate: Option<f64>) -> u8 {
    let r = hourly_rate.unwrap_or(0.0);
    if r < 30.0 {
        0
    } else if r < 80.0 {
        1
    } else if r < 150.0 {
        2
    } else {
        3
    }
}

/// The megilance_v1 price-tier diversity step, exactly as in research/megilance_v1.md
/// "Ranking". `ranked` is `(id, score, hourly_rate)` **already in ranked order** (score
/// descending, ties in catalogue order); it is not re-sorted.
///
/// If `ranked.len() <= limit` the first `limit` ids are returned unchanged. Otherwise the first
/// `max(⌊0.6·limit⌋, 1)` stay in place; the rest are bucketed by [`price_tier`] (buckets ordered
/// by first appearance in the tail, ranked order inside) and the remaining slots are filled
/// round-robin: take the head of the current bucket; if that bucket is now empty remove it;
/// then advance the cursor by one modulo the number of buckets left — so after a removal the
/// bucket that slid into the removed one's place is skipped for one turn (the seed's quirk,
/// kept on purpose). `limit = 0` returns nothing. Never fails; scores are not used.
pub fn price_tier_diversity(ranked: &[(DocId, f64, Option<f64>)], limit: usize) -> Vec<DocId> {
    let idx = price_tier_idx(ranked.iter().map(|r| r.2), ranked.len(), limit);
    idx.into_iter().map(|i| ranked[i].0).collect()
}

/// Positions (into the ranked input) chosen by the price-tier step.
pub(crate) fn price_tier_idx(
    rates: impl Iterator<Item = Option<f64>>,
    n: usize,
    limit: usize,
) -> Vec<usize> {
    if n <= limit {
        return (0..n).collect();
    }
    if limit == 0 {
        return Vec::new();
    }
    let tiers: Vec<u8> = rates.map(price_tier).collect();
    let head = ((0.6 * limit as f64).floor() as usize).max(1);
    let mut out: Vec<usize> = (0..head).collect();
    let tail: Vec<usize> = (head..n).collect();
    out.extend(round_robin_fill(
        &tail,
        |i| tiers[i],
        limit - head,
        CursorRule::SkipAfterRemoval,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hand-worked cursor quirk: limit 5 → head 3, 2 slots... use a larger case.
    #[test]
    fn price_tier_cursor_quirk() {
        // limit 10 → head = 6; tail (ids 6..) tiers in first-appearance order:
        // budget: 6, 9   mid: 7   premium: 8, 10, 11
        // buckets [B=[6,9], M=[7], P=[8,10,11]]
        // turn 1: cursor 0 (B) → 6;            cursor 1
        // turn 2: cursor 1 (M) → 7, M empty → removed, buckets [B, P]; cursor (1+1)%2 = 0
        //         → P slid into index 1 and is skipped this turn (quirk)
        // turn 3: cursor 0 (B) → 9, B empty → removed, buckets [P]; cursor (0+1)%1 = 0
        // turn 4: P → 8
        let rates = [
            100.0, 100.0, 100.0, 100.0, 100.0, 100.0, // head (ids 0..5)
            10.0, 50.0, 120.0, 20.0, 130.0, 140.0,
        ];
        let ranked: Vec<(DocId, f64, Option<f64>)> = rates
            .iter()
            .enumerate()
            .map(|(i, &r)| (i as DocId, 1.0 - i as f64 * 0.01, Some(r)))
            .collect();
        assert_eq!(
            price_tier_diversity(&ranked, 10),
            vec![0, 1, 2, 3, 4, 5, 6, 7, 9, 8]
        );
        // The fair cursor would instead give 6, 7, 8, 9 (P gets its turn right after M).
        let fair = round_robin_fill(
            &[6, 7, 8, 9, 10, 11],
            |i| price_tier(Some(rates[i])),
            4,
            CursorRule::Fair,
        );
        assert_eq!(fair, vec![6, 7, 8, 9]);
    }

    #[test]
    fn price_tier_quirk_on_last_bucket_and_edges() {
        // limit 5 → head 3; tail: P(3), B(4), M(5), M(6) → buckets [P=[3], B=[4], M=[5,6]]
        // turn 1: P → 3, removed → [B, M], cursor (0+1)%2 = 1 → M (B skipped)
        // turn 2: M → 5
        let r = [
            Some(10.0),
            Some(10.0),
            Some(10.0),
            Some(100.0),
            None,
            Some(30.0),
            Some(79.9),
        ];
        let ranked: Vec<(DocId, f64, Option<f64>)> = r
            .iter()
            .enumerate()
            .map(|(i, &x)| (i as DocId, 0.0, x))
            .collect();
        assert_eq!(price_tier_diversity(&ranked, 5), vec![0, 1, 2, 3, 5]);
        // not more candidates than the limit: unchanged
        assert_eq!(price_tier_diversity(&ranked, 7), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(price_tier_diversity(&ranked, 0), Vec::<DocId>::new());
        // limit 1: head = max(0, 1) = 1
        assert_eq!(price_tier_diversity(&ranked, 1), vec![0]);
        assert_eq!(price_tier(None), 0);
        assert_eq!(price_tier(Some(150.0)), 3);
        assert_eq!(price_tier(Some(f64::NAN)), 3);
    }

    #[test]
    fn mmr_and_round_robin() {
        let items: Vec<RerankItem> = (0..4)
            .map(|i| RerankItem::new(i, 1.0 - 0.1 * i as f64, i % 2))
            .collect();
        // similarity 1 within a group, 0 across
        let sim = |a: DocId, b: DocId| if a % 2 == b % 2 { 1.0 } else { 0.0 };
        assert_eq!(mmr(&items, 4, 0.5, &sim).unwrap(), vec![0, 1, 2, 3]);
        assert_eq!(mmr(&items, 4, 1.0, &sim).unwrap(), vec![0, 1, 2, 3]);
        let same = |_: DocId, _: DocId| 0.0;
        assert_eq!(mmr(&items, 2, 0.3, &same).unwrap(), vec![0, 1]);
        assert!(mmr(&items, 2, 1.5, &same).is_err());
        let items: Vec<RerankItem> = [0u32, 0, 0, 1, 1]
            .iter()
            .enumerate()
            .map(|(i, &g)| RerankItem::new(i as u32, 1.0 - 0.1 * i as f64, g))
            .collect();
        assert_eq!(
            attribute_round_robin(&items, 5, 0).unwrap(),
            vec![0, 3, 1, 4, 2]
        );
        assert_eq!(attribute_round_robin(&items, 3, 1).unwrap(), vec![0, 1, 3]);
        assert!((jaccard_similarity(&[1, 2, 3], &[2, 3, 4]) - 0.5).abs() < 1e-15);
        assert!((cosine_similarity(&[1.0, 0.0], &[1.0, 1.0]) - 0.5f64.sqrt()).abs() < 1e-12);
    }
}
