//! Crate-private helpers shared by several rooms: a top-k collector with a documented tie rule
//! and a fixed-size bitset. Nothing here knows what a freelancer or a job is.

mod bitset;
mod sets;
mod topk;

pub use bitset::BitSet;
pub(crate) use sets::sorted_intersection_count;
pub use topk::{TopK, cmp_score_desc_id_asc};
