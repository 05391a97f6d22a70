//! # fairmatch
//!
//! An embedded, explainable, fairness-aware matching engine for talent marketplaces
//! (freelancers ↔ jobs). See `../shared/DESIGN.md` §1 for the pipeline and §2 for the rooms of
//! this crate and what may import what.

#![warn(missing_docs)]

pub mod error;
pub mod ids;
pub mod index;
pub mod position;
pub(crate) mod util;

pub use error::{EntityKind, Error, Result};
pub use ids::{DocId, Interner};
pub use index::Metric;
pub use position::PositionModel;
pub use util::{BitSet, TopK};
