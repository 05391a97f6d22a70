//! Geyik, Ambler & Kenthapadi, KDD 2019 (arXiv 1905.01989), §3-4: DetGreedy, DetCons,
//! DetRelaxed and DetConstSort for any number of groups with target proportions
//! (research/fairness.md §1.3).
//!
//! Constraints at prefix k (1-based): `count_k(a) ≥ ⌊k·p_a⌋` (minimum) and
//! `count_k(a) ≤ ⌈k·p_a⌉` (maximum). `⌊k·p⌋` is computed in f64 exactly as the reference
//! implementations do (`math.floor(k * p)`).
//!
//! Documented edge behaviour (the paper leaves it open):
//! * **a group runs out**: it leaves the belowMin/belowMax sets (its constraint can no longer
//!   be met) and the choice is made among the other groups;
//! * **targets sum below 1, or every group is at its maximum** (both sets empty): the best
//!   remaining item overall is taken (as yuanlonghao/reranking does; AIF360 crashes);
//! * groups without a target have proportion 0: they only enter through that fallback;
//! * DetConstSort: when every group with a positive target has run out, the remaining slots
//!   are filled with the best remaining items in score order, appended at the end.
//!
//! Ties: "best" always means score descending, then lower id.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::item::{RerankItem, cmp_ranked, ids_of, top_k_per_group, validate_items};
use crate::error::{Error, Result};
use crate::ids::DocId;

/// Which of Geyik et al.'s four algorithms to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GeyikAlgorithm {
    /// Algorithm 1: below a minimum → best such; else best among groups below their maximum.
    DetGreedy,
    /// Algorithm 2: like DetGreedy, but among groups below their maximum take the group whose
    /// minimum binds soonest, `argmin ⌈k·p⌉/p` (ties: better next item). yuanlonghao's
    /// `argmax` is a known bug (fairness.md §1.3, discrepancy 2).
    DetCons,
    /// Algorithm 3: `S = argmin ⌈⌈k·p⌉/p⌉` among groups below their maximum, then the best
    /// next item within S.
    DetRelaxed,
    /// Algorithm 4, the strict version: every item keeps the slot deadline of the prefix whose
    /// minimum it was placed for (0-based max index k−1, as AIF360 "Constrained"; the
    /// yuanlonghao/FairRankTune off-by-one is not reproduced).
    DetConstSort,
}

/// The target proportion of one group.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GroupTarget {
    /// The group label (matches [`RerankItem::group`]).
    pub group: u32,
    /// Desired minimum share of every prefix, in [0, 1].
    pub proportion: f64,
}

/// Checks target proportions: each finite in [0, 1], groups unique, sum ≤ 1 (+1e-6).
pub(crate) fn validate_targets(targets: &[GroupTarget]) -> Result<()> {
    if targets.is_empty() {
        return Err(Error::invalid("targets", "needs at least one group"));
    }
    let mut sum = 0.0;
    for (i, t) in targets.iter().enumerate() {
        if !(0.0..=1.0).contains(&t.proportion) {
            return Err(Error::invalid(
                format!("targets[{i}].proportion"),
                format!("must be in [0, 1], got {}", t.proportion),
            ));
        }
        if targets[..i].iter().any(|u| u.group == t.group) {
            return Err(Error::invalid(
                format!("targets[{i}].group"),
                format!("duplicate group {}", t.group),
            ));
        }
        sum += t.proportion;
    }
    if sum > 1.0 + 1e-6 {
        return Err(Error::invalid(
            "targets",
            format!("proportions sum to {sum}, more than 1"),
        ));
    }
    Ok(())
}

/// Per-group queues in canonical order, with proportions.
struct Groups {
    queues: Vec<Vec<usize>>,
    p: Vec<f64>,
    next: Vec<usize>,
}

impl Groups {
    fn new(items: &[RerankItem], targets: &[GroupTarget]) -> Self {
        let mut dense: HashMap<u32, usize> = HashMap::new();
        let mut p = Vec::new();
        for t in targets {
            dense.insert(t.group, p.len());
            p.push(t.proportion);
        }
        let mut queues: Vec<Vec<usize>> = vec![Vec::new(); p.len()];
        for (i, it) in items.iter().enumerate() {
            let g = *dense.entry(it.group).or_insert_with(|| {
                p.push(0.0);
                queues.push(Vec::new());
                p.len() - 1
            });
            queues[g].push(i);
        }
        let next = vec![0; p.len()];
        Self { queues, p, next }
    }
    fn head(&self, g: usize) -> Option<usize> {
        self.queues[g].get(self.next[g]).copied()
    }
    fn take(&mut self, g: usize) -> usize {
        let i = self.queues[g][self.next[g]];
        self.next[g] += 1;
        i
    }
    /// The group (among `cands`) whose head is best in canonical order.
    fn best_of(&self, items: &[RerankItem], cands: impl Iterator<Item = usize>) -> Option<usize> {
        let mut best: Option<(usize, usize)> = None;
        for g in cands {
            if let Some(h) = self.head(g) {
                match best {
                    Some((_, bh)) if cmp_ranked(items, h, bh).is_ge() => {}
                    _ => best = Some((g, h)),
                }
            }
        }
        best.map(|(g, _)| g)
    }
}

/// Re-ranks `items` with one of Geyik et al.'s algorithms and returns the ids of the top
/// `min(k, items.len())` in their new order. See the module docs for ties, exhausted groups
/// and targets summing below 1.
///
/// Rejects non-finite scores, duplicate ids, proportions outside [0, 1], duplicate target
/// groups and proportions summing above 1.
pub fn geyik_rerank(
    items: &[RerankItem],
    targets: &[GroupTarget],
    k: usize,
    algorithm: GeyikAlgorithm,
) -> Result<Vec<DocId>> {
    validate_items(items)?;
    validate_targets(targets)?;
    let ranked = top_k_per_group(items, k);
    Ok(ids_of(&ranked, &geyik_idx(&ranked, targets, k, algorithm)))
}

pub(crate) fn geyik_idx(
    items: &[RerankItem],
    targets: &[GroupTarget],
    k: usize,
    algorithm: GeyikAlgorithm,
) -> Vec<usize> {
    let k_max = k.min(items.len());
    let mut g = Groups::new(items, targets);
    match algorithm {
        GeyikAlgorithm::DetConstSort => det_const_sort(items, &mut g, k_max),
        _ => det_greedy_family(items, &mut g, k_max, algorithm),
    }
}

fn det_greedy_family(
    items: &[RerankItem],
    g: &mut Groups,
    k_max: usize,
    algorithm: GeyikAlgorithm,
) -> Vec<usize> {
    let m = g.p.len();
    let mut counts = vec![0usize; m];
    let mut out = Vec::with_capacity(k_max);
    let mut below_min = Vec::with_capacity(m);
    let mut below_max = Vec::with_capacity(m);
    for pos in 1..=k_max {
        let kf = pos as f64;
        below_min.clear();
        below_max.clear();
        for (a, &cnt) in counts.iter().enumerate() {
            if g.head(a).is_none() {
                continue;
            }
            let lo = (kf * g.p[a]).floor() as usize;
            let hi = (kf * g.p[a]).ceil() as usize;
            if cnt < lo {
                below_min.push(a);
            } else if cnt < hi {
                below_max.push(a);
            }
        }
        let chosen = if !below_min.is_empty() {
            g.best_of(items, below_min.iter().copied())
        } else if !below_max.is_empty() {
            match algorithm {
                GeyikAlgorithm::DetCons => {
                    // argmin ⌈k·p⌉/p (Geyik et al. Algorithm 2), ties by better next item
                    let key = |a: usize| (kf * g.p[a]).ceil() / g.p[a];
                    let best = below_max
                        .iter()
                        .map(|&a| key(a))
                        .fold(f64::INFINITY, f64::min);
                    g.best_of(items, below_max.iter().copied().filter(|&a| key(a) == best))
                }
                GeyikAlgorithm::DetRelaxed => {
                    // S = argmin ⌈⌈k·p⌉/p⌉ (Algorithm 3), then the best next item in S
                    let key = |a: usize| ((kf * g.p[a]).ceil() / g.p[a]).ceil();
                    let best = below_max
                        .iter()
                        .map(|&a| key(a))
                        .fold(f64::INFINITY, f64::min);
                    g.best_of(items, below_max.iter().copied().filter(|&a| key(a) == best))
                }
                _ => g.best_of(items, below_max.iter().copied()),
            }
        } else {
            g.best_of(items, 0..m)
        };
        let Some(a) = chosen else { break };
        out.push(g.take(a));
        counts[a] += 1;
    }
    out
}

/// The smallest k' > k with ⌊k'·p⌋ > cur (p > 0), computed without stepping one by one.
fn next_increase(k: usize, p: f64, cur: usize) -> usize {
    let est = ((cur + 1) as f64 / p).floor();
    let mut kk = if est.is_finite() && est < 1e15 {
        (est as usize).saturating_sub(2).max(k + 1)
    } else {
        usize::MAX
    };
    while kk != usize::MAX && ((kk as f64 * p).floor() as usize) <= cur {
        kk += 1;
    }
    kk
}

fn det_const_sort(items: &[RerankItem], g: &mut Groups, k_max: usize) -> Vec<usize> {
    let m = g.p.len();
    let mut min_counts = vec![0usize; m];
    // (item index, 0-based max index)
    let mut ranked: Vec<(usize, usize)> = Vec::with_capacity(k_max + m);
    let mut k = 0usize;
    let mut changed = Vec::with_capacity(m);
    while ranked.len() < k_max {
        // jump to the next prefix length at which a live group's minimum grows
        let next = (0..m)
            .filter(|&a| g.p[a] > 0.0 && g.head(a).is_some())
            .map(|a| next_increase(k, g.p[a], min_counts[a]))
            .min();
        let Some(next) = next.filter(|&n| n != usize::MAX) else {
            break;
        };
        k = next;
        let kf = k as f64;
        changed.clear();
        for (a, mc) in min_counts.iter_mut().enumerate() {
            let t = (kf * g.p[a]).floor() as usize;
            if *mc < t && g.head(a).is_some() {
                changed.push(a);
            }
            *mc = (*mc).max(t);
        }
        let (qs, nx) = (&g.queues, &g.next);
        changed.sort_by(|&a, &b| cmp_ranked(items, qs[a][nx[a]], qs[b][nx[b]]));
        for &a in &changed {
            ranked.push((g.take(a), k - 1));
            let mut start = ranked.len() - 1;
            while start > 0
                && ranked[start - 1].1 >= start
                && cmp_ranked(items, ranked[start - 1].0, ranked[start].0).is_gt()
            {
                ranked.swap(start - 1, start);
                start -= 1;
            }
        }
    }
    ranked.truncate(k_max);
    let mut out: Vec<usize> = ranked.into_iter().map(|(i, _)| i).collect();
    if out.len() < k_max {
        // every group with a positive target ran out: fill in score order
        let mut rest: Vec<usize> = (0..m)
            .flat_map(|a| g.queues[a][g.next[a]..].iter().copied())
            .collect();
        rest.sort_by(|&a, &b| cmp_ranked(items, a, b));
        out.extend(rest.into_iter().take(k_max - out.len()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(scores: &[f64], groups: &[u32]) -> Vec<RerankItem> {
        scores
            .iter()
            .zip(groups)
            .enumerate()
            .map(|(i, (&s, &g))| RerankItem::new(i as u32, s, g))
            .collect()
    }

    fn t(pairs: &[(u32, f64)]) -> Vec<GroupTarget> {
        pairs
            .iter()
            .map(|&(group, proportion)| GroupTarget { group, proportion })
            .collect()
    }

    /// fairness.md §1.3 discrepancy 3: the strict DetConstSort (AIF360 "Constrained").
    #[test]
    fn det_const_sort_strict_example() {
        let scores: Vec<f64> = (0..12).map(|i| 100.0 - 5.0 * i as f64).collect();
        // m,m,m,m,f,f,m,f,m,f,m,f  with m = 0, f = 1
        let groups = [0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 1];
        let it = items(&scores, &groups);
        let out = geyik_rerank(
            &it,
            &t(&[(0, 0.5), (1, 0.5)]),
            8,
            GeyikAlgorithm::DetConstSort,
        )
        .unwrap();
        let got: Vec<f64> = out.iter().map(|&id| it[id as usize].score).collect();
        assert_eq!(got, vec![100.0, 80.0, 95.0, 75.0, 90.0, 65.0, 85.0, 55.0]);
    }

    #[test]
    fn det_cons_uses_argmin() {
        // k=1: both groups below max (ceil(0.3)=1, ceil(0.7)=1); ⌈k·p⌉/p = 3.33 vs 1.43 →
        // argmin picks group 1 (p = 0.7), the majority; yuanlonghao's argmax picks group 0.
        let it = items(&[0.9, 0.8, 0.7, 0.1], &[1, 1, 1, 0]);
        let out = geyik_rerank(&it, &t(&[(0, 0.3), (1, 0.7)]), 4, GeyikAlgorithm::DetCons).unwrap();
        assert_eq!(out[0], 0);
    }

    #[test]
    fn exhausted_group_and_low_targets() {
        let it = items(&[0.9, 0.8, 0.7, 0.6], &[0, 0, 0, 1]);
        for alg in [
            GeyikAlgorithm::DetGreedy,
            GeyikAlgorithm::DetCons,
            GeyikAlgorithm::DetRelaxed,
            GeyikAlgorithm::DetConstSort,
        ] {
            // group 1 wants half but has one item: it is placed early, then group 0 fills
            let out = geyik_rerank(&it, &t(&[(0, 0.5), (1, 0.5)]), 4, alg).unwrap();
            assert_eq!(out.len(), 4, "{alg:?}");
            assert!(out[..2].contains(&3), "{alg:?} {out:?}");
            // targets summing to 0.2: score order apart from the minimum
            let out = geyik_rerank(&it, &t(&[(1, 0.2)]), 4, alg).unwrap();
            assert_eq!(out.len(), 4, "{alg:?}");
        }
        assert!(
            geyik_rerank(&it, &t(&[(0, 0.7), (1, 0.7)]), 4, GeyikAlgorithm::DetGreedy).is_err()
        );
        assert!(geyik_rerank(&it, &t(&[(0, -0.1)]), 4, GeyikAlgorithm::DetGreedy).is_err());
        assert!(
            geyik_rerank(&it, &t(&[(0, 0.1), (0, 0.1)]), 4, GeyikAlgorithm::DetGreedy).is_err()
        );
    }
}
