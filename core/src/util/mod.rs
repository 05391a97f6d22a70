//! Crate-private helpers shared by several rooms: a top-k collector with a documented tie rule,
//! a fixed-size bitset and the whitespace rule of labels (Python's `str.strip()`). Nothing here
//! knows what a freelancer or a job is.

mod bitset;
pub(crate) mod spelling;
mod text;
mod topk;

pub use bitset::BitSet;
pub(crate) use text::{TrimSpace, is_space};
pub use topk::{TopK, cmp_score_desc_id_asc};
