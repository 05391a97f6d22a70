//! The input item shared by every re-ranker, validation and the canonical order.

use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::util::cmp_score_desc_id_asc;

/// One candidate to re-rank: its id, its relevance score and its group label.
///
/// `group` is the fairness attribute value (an opaque small integer chosen by the caller: a
/// demographic group, a price tier, a provider cluster, ...). Scores must be finite; ids must
/// be unique within one call.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RerankItem {
    /// The candidate (freelancer or job) id.
    pub id: DocId,
    /// Relevance score; higher is better. Must be finite.
    pub score: f64,
    /// Group label (fairness attribute value).
    pub group: u32,
}

impl RerankItem {
    /// A new item.
    pub fn new(id: DocId, score: f64, group: u32) -> Self {
        Self { id, score, group }
    }
}

/// Rejects non-finite scores and duplicate ids, naming `items[i].score` / `items[i].id`.
pub(crate) fn validate_items(items: &[RerankItem]) -> Result<()> {
    for (i, it) in items.iter().enumerate() {
        if !it.score.is_finite() {
            return Err(Error::invalid(
                format!("items[{i}].score"),
                format!("must be a finite number, got {}", it.score),
            ));
        }
    }
    // duplicates: sort a copy of the ids (cheaper than hashing for the usual sizes)
    let mut ids: Vec<DocId> = items.iter().map(|it| it.id).collect();
    ids.sort_unstable();
    if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
        let dup = w[0];
        let mut seen = HashSet::new();
        let i = items.iter().position(|it| !seen.insert(it.id)).unwrap_or(0);
        return Err(Error::invalid(
            format!("items[{i}].id"),
            format!("duplicate id {dup}"),
        ));
    }
    Ok(())
}

/// Canonical order: score descending, then lower id first.
pub(crate) fn cmp_items(a: &RerankItem, b: &RerankItem) -> Ordering {
    cmp_score_desc_id_asc((a.score, a.id), (b.score, b.id))
}

/// A copy of `items` in canonical order (the "ranked" input of the internal algorithms).
pub(crate) fn canonical(items: &[RerankItem]) -> Vec<RerankItem> {
    let mut v = items.to_vec();
    // ids are unique (validated), so the order is total and an unstable sort is deterministic
    v.sort_unstable_by(cmp_items);
    v
}

/// The best `k` items of every group (by label), in canonical order. Algorithms that only
/// ever take items from the head of their group's list (FA*IR, the Geyik family) give the
/// same result on this as on the full canonical list, at O(n + g·k log k).
pub(crate) fn top_k_per_group(items: &[RerankItem], k: usize) -> Vec<RerankItem> {
    let mut labels: Vec<u32> = Vec::new();
    let mut index: HashMap<u32, usize> = HashMap::new();
    let mut groups: Vec<Vec<RerankItem>> = Vec::new();
    for it in items {
        // linear search while there are few groups, a map beyond that
        let g = if labels.len() <= 16 {
            match labels.iter().position(|&l| l == it.group) {
                Some(g) => g,
                None => {
                    labels.push(it.group);
                    groups.push(Vec::new());
                    if labels.len() > 16 {
                        index.extend(labels.iter().enumerate().map(|(i, &l)| (l, i)));
                    }
                    labels.len() - 1
                }
            }
        } else {
            *index.entry(it.group).or_insert_with(|| {
                labels.push(it.group);
                groups.push(Vec::new());
                labels.len() - 1
            })
        };
        groups[g].push(*it);
    }
    let mut out = Vec::with_capacity(items.len().min(k.saturating_mul(groups.len())));
    for mut g in groups {
        if k == 0 {
            break;
        }
        if g.len() > k {
            g.select_nth_unstable_by(k - 1, cmp_items);
            g.truncate(k);
        }
        out.extend(g);
    }
    out.sort_unstable_by(cmp_items);
    out
}

/// Order of two positions of a **ranked** slice: higher score first, then the earlier
/// position (for a canonical slice: the lower id).
pub(crate) fn cmp_ranked(items: &[RerankItem], a: usize, b: usize) -> Ordering {
    items[b]
        .score
        .partial_cmp(&items[a].score)
        .unwrap_or(Ordering::Equal)
        .then(a.cmp(&b))
}

/// Maps indices to ids.
pub(crate) fn ids_of(items: &[RerankItem], idx: &[usize]) -> Vec<DocId> {
    idx.iter().map(|&i| items[i].id).collect()
}
