//! The input item shared by every re-ranker, validation and the canonical order.

use std::cmp::Ordering;
use std::collections::HashSet;

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
    let mut seen = HashSet::with_capacity(items.len());
    for (i, it) in items.iter().enumerate() {
        if !it.score.is_finite() {
            return Err(Error::invalid(
                format!("items[{i}].score"),
                format!("must be a finite number, got {}", it.score),
            ));
        }
        if !seen.insert(it.id) {
            return Err(Error::invalid(
                format!("items[{i}].id"),
                format!("duplicate id {}", it.id),
            ));
        }
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
    v.sort_by(cmp_items);
    v
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
