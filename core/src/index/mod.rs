//! # Vector retrieval: "which stored vectors are nearest to this one?"
//!
//! This room stores caller-supplied embeddings and searches them. It knows nothing about
//! freelancers or jobs: rows are addressed by the engine's dense [`crate::DocId`]s.
//!
//! - [`VectorStore`]: one collection — model id, dimension, [`Metric`] — with upsert and
//!   tombstone removal. Every vector is validated (dimension, finite components, non-zero under
//!   cosine) and every query must name the collection's model id, so embeddings of different
//!   models or dimensions can never be mixed.
//! - [`FlatIndex`]: exact search (the oracle), single-query and batched (rayon), with an
//!   optional [`AllowList`].
//! - [`HnswIndex`] (built with [`HnswBuilder`]): approximate search on fairmatch's own HNSW graph
//!   (hnswlib's construction, see `hnsw.rs`) with the allow-list applied inside the graph
//!   walk, incremental inserts, tombstone deletes with
//!   automatic rebuild, exact fallback for very selective allow-lists and (opt-in) an int8
//!   scan + exact re-rank for mid-selectivity ones.
//! - [`QuantizedIndex`]: int8 scan (≈ 0.25× the bytes) with exact f32 re-ranking.
//! - [`VectorIndex`]: the operations the three share (upsert, all-or-none `upsert_many` with
//!   the bulk-build decision, remove, search, search_batch with allow-lists, len, memory,
//!   to/from bytes), for callers generic over the index type (the bindings).
//!
//! Scores are **higher = better** under every metric (squared L2 is negated; see [`Metric`]).
//! Ties break by ascending id. Every index serialises with `to_bytes` / `from_bytes` (explicit
//! little-endian blocks, fully validated, [`crate::Error::CorruptSnapshot`] on any
//! inconsistency) and with serde (the same bytes), so the engine can put it in its snapshot.
//!
//! ```
//! use fairmatch::index::{FlatIndex, Metric, Query, VectorStore};
//! let mut store = VectorStore::new("all-MiniLM-L6-v2", 3, "cosine".parse::<Metric>()?)?;
//! store.upsert(0, &[1.0, 0.0, 0.0])?;
//! store.upsert(7, &[0.6, 0.8, 0.0])?;
//! let flat = FlatIndex::new(store);
//! let hits = flat.search(&Query::new("all-MiniLM-L6-v2", &[1.0, 0.1, 0.0]), 1, None)?;
//! assert_eq!(hits[0].id, 0);
//! # Ok::<(), fairmatch::Error>(())
//! ```

mod codec;
mod distance;
mod filter;
mod flat;
mod graph;
mod hnsw;
mod mem;
mod quant;
mod store;
mod vector_index;

pub use distance::Metric;
pub(crate) use distance::score_pair;
pub use filter::AllowList;
pub use flat::FlatIndex;
pub use hnsw::{DEFAULT_SEED, HnswBuilder, HnswConfig, HnswIndex, MAX_EF};
pub use quant::{DEFAULT_RERANK_CANDIDATES, QuantizedIndex};
pub use store::{Hit, MAX_DIM, MAX_MODEL_ID_LEN, Query, VectorStore};
pub(crate) use store::{check_collection, prepare};
pub use vector_index::VectorIndex;
