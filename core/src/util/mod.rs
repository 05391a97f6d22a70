//! Crate-private helpers shared by several rooms: a top-k collector with a documented tie rule,
//! a fixed-size bitset, intersections of sorted sets and the whitespace rule of labels
//! (Python's `str.strip()`). Nothing here
//! knows what a freelancer or a job is.

mod bitset;
mod idmap;
mod sets;
pub(crate) mod spelling;
mod text;
mod topk;

pub use bitset::BitSet;
pub(crate) use idmap::{IdMap, NONE as NO_SLOT};
pub(crate) use sets::sorted_intersection_count;
pub(crate) use text::{TrimSpace, is_space};
pub use topk::{TopK, cmp_score_desc_id_asc};

/// `a + b` for non-negative finite accumulators, saturating at `f64::MAX` instead of reaching
/// infinity (which JSON cannot store and which turns later ratios into NaN). `b` may itself
/// have overflowed to `+inf`.
#[inline]
pub(crate) fn add_saturating(a: f64, b: f64) -> f64 {
    (a + b).min(f64::MAX)
}
