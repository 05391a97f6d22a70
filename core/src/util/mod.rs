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

/// SplitMix64 finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number
/// generators", OOPSLA 2014): a fixed, platform-independent 64-bit hash, for seeded draws
/// that must not depend on threads or platforms (graph levels, exploration draws).
pub(crate) fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
