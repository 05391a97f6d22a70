//! Approximate search with HNSW (Malkov & Yashunin, "Efficient and robust approximate nearest
//! neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4), 2020),
//! on fairmatch's own graph (`index::graph`).
//!
//! The graph was first built with the `hnsw_rs` 0.3.5 crate; its insertion (a `HashMap`
//! visited set and `Arc` candidates in every layer search) made builds 2.5x slower than
//! hnswlib, its dumps cannot be verified before loading (its loader calls `process::exit` on a
//! corrupt file) and it keeps a second copy of every vector. The graph is now built here, with
//! hnswlib's algorithm and storage shape (benches/README.md "Index" has the numbers; the bench
//! harness still times hnsw_rs alone).
//!
//! What the index adds to the graph:
//! - every parameter is validated;
//! - the walk steers with the fast distance kernel (`−q·x` for cosine, `‖q − x‖²` for L2), and
//!   result scores are recomputed exactly, so a hit's score equals the flat index's score for
//!   the same row;
//! - allow-lists and tombstones are applied *inside* the graph walk;
//! - very selective allow-lists switch to exact search over the allowed ids
//!   ([`HnswConfig::exact_fallback_share`]), and, when int8 codes are kept
//!   ([`HnswConfig::int8_filter_share`]), mid-selectivity ones to an int8 scan over the allowed
//!   ids with exact re-ranking (the [`crate::index::QuantizedIndex`] scheme);
//! - updates: HNSW has no delete, so a replaced or removed row leaves a stale graph node that
//!   the search filter denies; past [`HnswConfig::rebuild_tombstone_share`] stale nodes the graph
//!   is rebuilt from the live vectors;
//! - persistence stores the configuration, the int8 scales (when on), the vectors, the
//!   insertion order and the graph, every link checked on load; an index saved with stale
//!   nodes stores no graph and is rebuilt (compacted) on load.

use std::fmt;

use std::sync::atomic::{AtomicUsize, Ordering};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::index::codec::{Reader, Writer, serde_via_bytes};
use crate::index::distance::{
    Metric, block, has_avx512, has_fma, prefetch_lines, raw_pair_fast, score_pair,
};
#[cfg(target_arch = "x86_64")]
use crate::index::distance::{avx, avx512};
use crate::index::filter::AllowList;
use crate::index::flat::{check_k, exact_one, prepare_many, prepare_one};
use crate::index::graph::{Graph, GraphParams, WalkDist};
use crate::index::quant::{DEFAULT_RERANK_CANDIDATES, Int8Codes, check_scales};
use crate::index::store::{Hit, Query, VectorStore};
use crate::util::{BitSet, IdMap, cmp_score_desc_id_asc};

const MAGIC: &[u8; 4] = b"FMHN";
/// 2 adds `int8_filter_share` and the int8 scales, 3 the seed and the graph; versions 1 and 2
/// still load (graph rebuilt, seed [`DEFAULT_SEED`]).
const VERSION: u32 = 3;
/// Default [`HnswConfig::seed`].
pub const DEFAULT_SEED: u64 = 0x5EED;
const NO_SLOT: u32 = u32::MAX;
/// Largest accepted `ef_construction` / `ef_search`.
pub const MAX_EF: usize = 1 << 15;

/// HNSW parameters. Build with [`HnswBuilder`]; every field is validated by
/// [`HnswBuilder::build`] and on load.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HnswConfig {
    /// Max neighbours per node on upper layers (layer 0 keeps `2·m`). Default 16; `2..=255`.
    pub m: usize,
    /// Candidate list size while building. Default 200; `1..=MAX_EF`.
    pub ef_construction: usize,
    /// Default candidate list size while searching (used when a search passes `ef = None`,
    /// raised to `k` if smaller). Default 64; `1..=MAX_EF`.
    pub ef_search: usize,
    /// Number of layers (node levels are cut at `max_layer − 1`). Default 16; `1..=16`.
    pub max_layer: usize,
    /// Rebuild the graph once stale nodes exceed this share of all graph nodes. Default 0.25;
    /// in `(0, 1]`.
    pub rebuild_tombstone_share: f32,
    /// Use exact search over the allowed ids when an allow-list names at most this share of
    /// the live rows. Default 0.05, chosen by measurement (benches/README.md "Index",
    /// crossover rows): at 100k × 384 exact search over a 5% allow-list (3.1k q/s, recall 1)
    /// still beats the filtered graph walk at ef = 64 (2.2k q/s, recall 0.99), while at 10%
    /// the walk wins (1,732 vs 792 q/s). In `[0, 1]`; 0 disables the fallback.
    pub exact_fallback_share: f32,
    /// Keep int8 codes of the rows (≈ +25% of the f32 vectors) and answer allow-lists naming
    /// more than `exact_fallback_share` but at most this share of the live rows with an int8
    /// scan over the allowed rows + exact re-ranking of the best `max(64, 4k)` (the
    /// [`crate::index::QuantizedIndex`] scheme). Default 0 (off, no codes kept). Measured at
    /// 100k × 384 (benches/README.md "Index", crossover rows): the scan beats the filtered
    /// graph walk up to about 20% allowed (a tie at 20%), at recall 1.0; 0.2–0.25 are good
    /// values for filtered workloads. In `[0, 1]`.
    #[serde(default)]
    pub int8_filter_share: f32,
    /// Insert in parallel (rayon) when building or rebuilding. Default true. Parallel builds are
    /// not bit-reproducible (thread races); set false for a deterministic graph.
    pub parallel_build: bool,
    /// Seed of the node levels (a node's level is a function of the seed and its insertion
    /// slot, whatever thread inserts it). Default [`DEFAULT_SEED`].
    #[serde(default = "default_seed")]
    pub seed: u64,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}

impl Default for HnswConfig {
    fn default() -> Self {
        HnswConfig {
            m: 16,
            ef_construction: 200,
            ef_search: 64,
            max_layer: 16,
            rebuild_tombstone_share: 0.25,
            exact_fallback_share: 0.05,
            int8_filter_share: 0.0,
            parallel_build: true,
            seed: DEFAULT_SEED,
        }
    }
}

impl HnswConfig {
    /// Checks every field; errors name it (`hnsw.m`, ...).
    pub fn validate(&self) -> Result<()> {
        let range = |f: &str, v: usize, lo: usize, hi: usize| {
            if v < lo || v > hi {
                Err(Error::invalid(
                    format!("hnsw.{f}"),
                    format!("must be in {lo}..={hi}, got {v}"),
                ))
            } else {
                Ok(())
            }
        };
        range("m", self.m, 2, 255)?;
        range("ef_construction", self.ef_construction, 1, MAX_EF)?;
        range("ef_search", self.ef_search, 1, MAX_EF)?;
        range("max_layer", self.max_layer, 1, 16)?;
        let r = self.rebuild_tombstone_share;
        if !(r > 0.0 && r <= 1.0) {
            return Err(Error::invalid(
                "hnsw.rebuild_tombstone_share",
                format!("must be in (0, 1], got {r}"),
            ));
        }
        for (f, x) in [
            ("exact_fallback_share", self.exact_fallback_share),
            ("int8_filter_share", self.int8_filter_share),
        ] {
            if !(0.0..=1.0).contains(&x) {
                return Err(Error::invalid(
                    format!("hnsw.{f}"),
                    format!("must be in [0, 1], got {x}"),
                ));
            }
        }
        Ok(())
    }
}

/// Builder for [`HnswIndex`]; defaults are those of [`HnswConfig::default`].
///
/// A serial build (`parallel_build(false)`) is fully deterministic for a given seed, a parallel
/// one is not (insertion races).
#[derive(Debug, Clone, Default)]
pub struct HnswBuilder {
    cfg: HnswConfig,
}

impl HnswBuilder {
    /// A builder with the default configuration.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets [`HnswConfig::m`] (default 16).
    pub fn m(mut self, m: usize) -> Self {
        self.cfg.m = m;
        self
    }
    /// Sets [`HnswConfig::ef_construction`] (default 200).
    pub fn ef_construction(mut self, ef: usize) -> Self {
        self.cfg.ef_construction = ef;
        self
    }
    /// Sets [`HnswConfig::ef_search`] (default 64).
    pub fn ef_search(mut self, ef: usize) -> Self {
        self.cfg.ef_search = ef;
        self
    }
    /// Sets [`HnswConfig::max_layer`] (default 16).
    pub fn max_layer(mut self, l: usize) -> Self {
        self.cfg.max_layer = l;
        self
    }
    /// Sets [`HnswConfig::rebuild_tombstone_share`] (default 0.25).
    pub fn rebuild_tombstone_share(mut self, s: f32) -> Self {
        self.cfg.rebuild_tombstone_share = s;
        self
    }
    /// Sets [`HnswConfig::exact_fallback_share`] (default 0.05).
    pub fn exact_fallback_share(mut self, s: f32) -> Self {
        self.cfg.exact_fallback_share = s;
        self
    }
    /// Sets [`HnswConfig::int8_filter_share`] (default 0: off).
    pub fn int8_filter_share(mut self, s: f32) -> Self {
        self.cfg.int8_filter_share = s;
        self
    }
    /// Sets [`HnswConfig::parallel_build`] (default true).
    pub fn parallel_build(mut self, p: bool) -> Self {
        self.cfg.parallel_build = p;
        self
    }
    /// Sets [`HnswConfig::seed`] (default [`DEFAULT_SEED`]).
    pub fn seed(mut self, seed: u64) -> Self {
        self.cfg.seed = seed;
        self
    }
    /// Uses a whole configuration.
    pub fn config(mut self, cfg: HnswConfig) -> Self {
        self.cfg = cfg;
        self
    }

    /// Builds the graph over the live rows of `store` (ascending id order).
    ///
    /// Rejects an invalid configuration (`hnsw.*`) and [`Metric::InnerProduct`] (field
    /// `metric`: HNSW needs a metric distance, which a raw inner product is not; use [`crate::index::FlatIndex`] or [`crate::index::QuantizedIndex`]).
    pub fn build(self, store: VectorStore) -> Result<HnswIndex> {
        let order: Vec<DocId> = store.ids().collect();
        HnswIndex::assemble(self.cfg, store, &order, None, None)
    }
}

/// Walk kernels a monomorphised walk (search or insertion) uses: the portable ones.
const PORTABLE: u8 = 0;
/// AVX2 + FMA ([`avx`]); only inside functions compiled with those features, reached after
/// `has_fma()`.
const AVX2: u8 = 1;
/// AVX-512 ([`avx512`]); only inside functions compiled with avx512f, reached after
/// `has_avx512()`.
const AVX512: u8 = 2;

/// The best walk kernels this CPU runs.
fn kernel() -> u8 {
    if has_avx512() {
        AVX512
    } else if has_fma() {
        AVX2
    } else {
        PORTABLE
    }
}

/// Walk distance between two rows, smaller is nearer: `‖a − b‖²` or `−a·b` (the fast kernel;
/// never a result score).
#[inline(always)]
fn walk_dist<const K: u8>(l2: bool, a: &[f32], b: &[f32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    let r = match K {
        // SAFETY: K = AVX512 only inside `#[target_feature(enable = "avx512f,avx2,fma")]`
        // callers, reached after `has_avx512()`.
        AVX512 => unsafe {
            if l2 {
                avx512::pair::<true>(a, b)
            } else {
                avx512::pair::<false>(a, b)
            }
        },
        // SAFETY: K = AVX2 only inside `#[target_feature(enable = "avx2,fma")]` callers,
        // reached after `has_fma()`.
        AVX2 => unsafe {
            if l2 {
                avx::pair_fast::<true>(a, b)
            } else {
                avx::pair_fast::<false>(a, b)
            }
        },
        _ => raw_pair_fast(l2, a, b),
    };
    #[cfg(not(target_arch = "x86_64"))]
    let r = raw_pair_fast(l2, a, b);
    if l2 { r } else { -r }
}

/// Graph slot → store row slot. When every graph slot is its own row slot (an index built
/// over a store filled in insertion order, the common case) the walk skips the lookup: one
/// random read less per scored neighbour.
#[derive(Clone, Copy)]
struct SlotRows<'a> {
    map: &'a [u32],
    same: bool,
}

impl<'a> SlotRows<'a> {
    /// `same` must be [`is_identity`]`(map)` (cached by the index, not recomputed per query).
    fn new(map: &'a [u32], same: bool) -> Self {
        debug_assert_eq!(same, is_identity(map));
        SlotRows { map, same }
    }
    #[inline(always)]
    fn row(self, s: u32) -> u32 {
        if self.same { s } else { self.map[s as usize] }
    }
}

/// Whether `map[s] == s` for every slot.
fn is_identity(map: &[u32]) -> bool {
    map.iter().enumerate().all(|(i, &r)| r as usize == i)
}

/// Walk distances from one prepared point `q` to the rows of the graph's slots.
struct RowDist<'a, const K: u8> {
    q: &'a [f32],
    store: &'a VectorStore,
    rows: SlotRows<'a>,
    l2: bool,
}

impl<const K: u8> RowDist<'_, K> {
    #[inline(always)]
    fn row(&self, s: u32) -> &[f32] {
        self.store.row_at(self.rows.row(s))
    }
}

impl<const K: u8> WalkDist for RowDist<'_, K> {
    #[inline(always)]
    fn one(&self, s: u32) -> f32 {
        walk_dist::<K>(self.l2, self.q, self.row(s))
    }
    #[inline(always)]
    fn four(&self, s: [u32; 4]) -> [f32; 4] {
        let rows = s.map(|x| self.row(x));
        #[cfg(target_arch = "x86_64")]
        if K == AVX512 {
            // SAFETY: K = AVX512 only inside avx512f-compiled callers, reached after
            // `has_avx512()`.
            return unsafe {
                if self.l2 {
                    avx512::four::<true>(self.q, rows)
                } else {
                    avx512::four::<false>(self.q, rows).map(|x| -x)
                }
            };
        }
        match (K == AVX2, self.l2) {
            (true, true) => block::<true, true, 1, 4>([self.q], rows)[0],
            (true, false) => block::<true, false, 1, 4>([self.q], rows)[0].map(|x| -x),
            (false, true) => block::<false, true, 1, 4>([self.q], rows)[0],
            (false, false) => block::<false, false, 1, 4>([self.q], rows)[0].map(|x| -x),
        }
    }
    #[inline(always)]
    fn prefetch(&self, s: u32) {
        // the first cache line (16 f32)
        let r = self.row(s);
        prefetch_lines(&r[..r.len().min(16)]);
    }
}

/// Row id → graph slot for the insertion order `order`.
fn doc_slots(order: &[DocId]) -> IdMap {
    let mut doc_slot = IdMap::default();
    for (slot, &id) in order.iter().enumerate() {
        doc_slot.insert(id, slot as u32);
    }
    doc_slot
}

/// Graph slot → store row slot for the insertion order `order` (live ids of `store`).
fn row_slots(store: &VectorStore, order: &[DocId]) -> Result<Vec<u32>> {
    order
        .iter()
        .map(|&id| {
            store
                .slot_of(id)
                .ok_or_else(|| Error::corrupt(format!("hnsw index: row {id} is not live")))
        })
        .collect()
}

fn graph_params(cfg: &HnswConfig) -> GraphParams {
    GraphParams {
        m: cfg.m,
        ef_construction: cfg.ef_construction,
        max_level: cfg.max_layer - 1,
        seed: cfg.seed,
    }
}

/// Links slot `s` (store row `rows.row(s)`) into `g`.
fn insert_slot(g: &Graph, store: &VectorStore, slot_row: SlotRows<'_>, s: u32) {
    match kernel() {
        #[cfg(target_arch = "x86_64")]
        // SAFETY: avx512f + avx2 + fma detected.
        AVX512 => unsafe { insert_slot_avx512(g, store, slot_row, s) },
        #[cfg(target_arch = "x86_64")]
        // SAFETY: avx2 + fma detected.
        AVX2 => unsafe { insert_slot_avx(g, store, slot_row, s) },
        _ => insert_slot_with::<PORTABLE>(g, store, slot_row, s),
    }
}

#[inline(always)]
fn insert_slot_with<const K: u8>(g: &Graph, store: &VectorStore, rows: SlotRows<'_>, s: u32) {
    let l2 = store.metric().is_l2();
    let row = |x: u32| store.row_at(rows.row(x));
    let pair = |a: u32, b: u32| walk_dist::<K>(l2, row(a), row(b));
    let from_s = RowDist::<K> {
        q: row(s),
        store,
        rows,
        l2,
    };
    g.insert(s, &from_s, &pair);
}

/// Builds the graph over `slot_row` (graph slot → store row slot), in parallel when
/// configured and the rayon pool has more than one thread: each thread takes the next slot
/// from a shared counter (hnswlib's `ParallelFor`), so insertion stays close to slot order.
fn build_graph(cfg: &HnswConfig, store: &VectorStore, slot_row: &[u32]) -> Graph {
    let g = Graph::with_nodes(graph_params(cfg), slot_row.len());
    let slot_row = SlotRows::new(slot_row, is_identity(slot_row));
    let n = g.nodes();
    if cfg.parallel_build && rayon::current_num_threads() > 1 && n > 1 {
        let next = AtomicUsize::new(0);
        rayon::broadcast(|_| {
            loop {
                let s = next.fetch_add(1, Ordering::Relaxed);
                if s >= n {
                    break;
                }
                insert_slot(&g, store, slot_row, s as u32);
            }
        });
    } else {
        for s in 0..n {
            insert_slot(&g, store, slot_row, s as u32);
        }
    }
    g
}

/// An HNSW index over one collection, with filters, updates and exact fallback.
pub struct HnswIndex {
    cfg: HnswConfig,
    store: VectorStore,
    graph: Graph,
    /// graph slot → row id
    slot_doc: Vec<DocId>,
    /// graph slot → store row slot (where the walk reads the vector)
    slot_row: Vec<u32>,
    /// `is_identity(&slot_row)`, kept up to date
    slot_is_row: bool,
    /// live row id → graph slot
    doc_slot: IdMap,
    /// slots whose row was replaced or removed
    stale: BitSet,
    /// int8 codes for filtered searches (present iff `cfg.int8_filter_share > 0`)
    int8: Option<Int8Codes>,
}

impl fmt::Debug for HnswIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HnswIndex")
            .field("cfg", &self.cfg)
            .field("model_id", &self.store.model_id())
            .field("dim", &self.store.dim())
            .field("metric", &self.store.metric())
            .field("live", &self.store.len())
            .field("graph_nodes", &self.slot_doc.len())
            .field("stale", &self.stale.len())
            .finish()
    }
}

impl HnswIndex {
    /// Builds from a validated config, a store and the insertion order (live ids).
    /// `scales`: stored int8 scales and their training row count (on load), else trained here;
    /// `graph`: a loaded graph over `order`, else built here.
    fn assemble(
        cfg: HnswConfig,
        store: VectorStore,
        order: &[DocId],
        scales: Option<(Vec<f32>, usize)>,
        graph: Option<Graph>,
    ) -> Result<Self> {
        cfg.validate()?;
        let mut store = store;
        if store.metric() == Metric::InnerProduct {
            return Err(Error::invalid(
                "metric",
                "HNSW supports cosine and squared_l2 only (an inner product is not a \
                 distance); use FlatIndex or QuantizedIndex for inner_product",
            ));
        }
        store.place_for_random_access();
        let doc_slot = doc_slots(order);
        let slot_row = row_slots(&store, order)?;
        let graph = graph.unwrap_or_else(|| build_graph(&cfg, &store, &slot_row));
        let int8 = (cfg.int8_filter_share > 0.0).then(|| match scales {
            Some((scales, trained_rows)) => Int8Codes::with_scales(&store, scales, trained_rows),
            None => Int8Codes::train(&store),
        });
        Ok(HnswIndex {
            int8,
            cfg,
            slot_doc: order.to_vec(),
            slot_is_row: is_identity(&slot_row),
            slot_row,
            doc_slot,
            stale: BitSet::default(),
            graph,
            store,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HnswConfig {
        &self.cfg
    }

    /// Changes [`HnswConfig::exact_fallback_share`] for later searches (0 disables the
    /// fallback, 1 answers every filtered search exactly). Rejects a value outside `[0, 1]`
    /// (field `hnsw.exact_fallback_share`); the index is unchanged on error.
    pub fn set_exact_fallback_share(&mut self, share: f32) -> Result<()> {
        let cfg = HnswConfig {
            exact_fallback_share: share,
            ..self.cfg.clone()
        };
        cfg.validate()?;
        self.cfg = cfg;
        Ok(())
    }

    /// Changes [`HnswConfig::int8_filter_share`] for later searches: turning it on (> 0)
    /// trains and encodes the int8 codes now (one pass over the rows), 0 drops them. Rejects
    /// a value outside `[0, 1]` (field `hnsw.int8_filter_share`); unchanged on error.
    pub fn set_int8_filter_share(&mut self, share: f32) -> Result<()> {
        let cfg = HnswConfig {
            int8_filter_share: share,
            ..self.cfg.clone()
        };
        cfg.validate()?;
        if share == 0.0 {
            self.int8 = None;
        } else if self.int8.is_none() {
            self.int8 = Some(Int8Codes::train(&self.store));
        }
        self.cfg = cfg;
        Ok(())
    }

    /// Changes the default [`HnswConfig::ef_search`]. Rejects `0` or more than [`MAX_EF`]
    /// (field `hnsw.ef_search`); the index is unchanged on error.
    pub fn set_ef_search(&mut self, ef: usize) -> Result<()> {
        let cfg = HnswConfig {
            ef_search: ef,
            ..self.cfg.clone()
        };
        cfg.validate()?;
        self.cfg = cfg;
        Ok(())
    }
    /// The vectors.
    pub fn store(&self) -> &VectorStore {
        &self.store
    }
    /// Number of live rows.
    pub fn len(&self) -> usize {
        self.store.len()
    }
    /// Whether no row is live.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }
    /// Share of graph nodes that are stale (replaced or removed rows), in `[0, 1]`.
    pub fn tombstone_share(&self) -> f32 {
        if self.slot_doc.is_empty() {
            0.0
        } else {
            self.stale.len() as f32 / self.slot_doc.len() as f32
        }
    }

    /// Bytes held: the store, the graph links and levels, the slot maps and the int8 codes
    /// (when kept).
    pub fn memory_bytes(&self) -> usize {
        let int8 = self.int8.as_ref().map_or(0, Int8Codes::scan_bytes);
        self.store.memory_bytes()
            + self.graph.memory_bytes()
            + (self.slot_doc.len() + self.slot_row.len()) * 4
            + self.doc_slot.memory_bytes()
            + self.stale.len().div_ceil(8)
            + int8
    }

    /// Inserts or replaces row `id` (incremental insert into the graph). Same checks as
    /// [`VectorStore::upsert`]; on error nothing changes. Replacing leaves a stale node, which
    /// may trigger a rebuild (see [`HnswConfig::rebuild_tombstone_share`]).
    pub fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        let v = self.store.prepare("vector", vector)?;
        let slot = u32::try_from(self.slot_doc.len())
            .ok()
            .filter(|s| *s != NO_SLOT)
            .ok_or_else(|| Error::invalid("id", "too many graph nodes; rebuild first"))?;
        let row = self.store.put_prepared(id, &v)?;
        if let Some(old) = self.doc_slot.insert(id, slot) {
            self.stale.insert(old);
        }
        self.slot_doc.push(id);
        self.slot_row.push(row);
        self.slot_is_row &= row == slot;
        let s = self.graph.add_node();
        debug_assert_eq!(s, slot);
        insert_slot(&self.graph, &self.store, self.slot_rows(), slot);
        if let Some(c) = &mut self.int8 {
            // Scales are retrained whenever the live rows have doubled since the last
            // training (amortised O(1) per insert; an index grown from empty gets scales that
            // fit its data), otherwise the row is encoded with the current scales.
            if self.store.len() >= 2 * c.trained_rows().max(32) {
                *c = Int8Codes::train(&self.store);
            } else {
                c.encode_slot(&self.store, row);
            }
        }
        self.maybe_rebuild();
        Ok(())
    }

    /// Removes row `id` (tombstone: its node is denied in every search until the next
    /// rebuild); returns whether it was live. May trigger a rebuild.
    pub fn remove(&mut self, id: DocId) -> bool {
        if !self.store.remove(id) {
            return false;
        }
        if let Some(slot) = self.doc_slot.remove(id) {
            self.stale.insert(slot);
        }
        self.maybe_rebuild();
        true
    }

    fn maybe_rebuild(&mut self) {
        if !self.stale.is_empty()
            && self.stale.len() as f32
                > self.cfg.rebuild_tombstone_share * self.slot_doc.len() as f32
        {
            self.rebuild();
        }
    }

    /// Live ids in graph insertion order.
    fn live_order(&self) -> Vec<DocId> {
        self.slot_doc
            .iter()
            .enumerate()
            .filter(|(slot, _)| !self.stale.contains(*slot as u32))
            .map(|(_, &id)| id)
            .collect()
    }

    /// Rebuilds the graph from the live rows (in their insertion order), dropping stale nodes.
    pub fn rebuild(&mut self) {
        let order = self.live_order();
        let doc_slot = doc_slots(&order);
        let slot_row: Vec<u32> = order
            .iter()
            .filter_map(|&id| self.store.slot_of(id))
            .collect();
        self.graph = build_graph(&self.cfg, &self.store, &slot_row);
        if self.int8.is_some() {
            self.int8 = Some(Int8Codes::train(&self.store));
        }
        self.slot_doc = order;
        self.slot_is_row = is_identity(&slot_row);
        self.slot_row = slot_row;
        self.doc_slot = doc_slot;
        self.stale = BitSet::default();
    }

    fn slot_rows(&self) -> SlotRows<'_> {
        SlotRows::new(&self.slot_row, self.slot_is_row)
    }

    /// Whether a search with `allow` goes to the exact fallback.
    fn use_exact(&self, allow: Option<&AllowList<'_>>) -> bool {
        allow.is_some_and(|a| {
            (a.len() as f64) <= f64::from(self.cfg.exact_fallback_share) * self.store.len() as f64
        })
    }

    fn search_prepared(
        &self,
        q: &[f32],
        k: usize,
        ef: usize,
        allow: Option<&AllowList<'_>>,
    ) -> Vec<Hit> {
        if self.store.is_empty() || allow.is_some_and(|a| a.is_empty()) {
            return Vec::new();
        }
        if self.use_exact(allow) || k >= self.store.len() {
            // (asking for every row is answered exactly: a scan is cheaper than a walk of
            // the whole graph and returns them all)
            return exact_one(&self.store, q, k, allow);
        }
        if let (Some(codes), Some(a)) = (&self.int8, allow)
            && (a.len() as f64) <= f64::from(self.cfg.int8_filter_share) * self.store.len() as f64
        {
            let cand = DEFAULT_RERANK_CANDIDATES.max(k.saturating_mul(4));
            return codes.search(&self.store, q, k, cand, Some(a));
        }
        match kernel() {
            #[cfg(target_arch = "x86_64")]
            // SAFETY: avx512f + avx2 + fma detected.
            AVX512 => unsafe { graph_search_avx512(self, q, k, ef, allow) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: avx2 + fma detected.
            AVX2 => unsafe { graph_search_avx(self, q, k, ef, allow) },
            _ => graph_search::<PORTABLE>(self, q, k, ef, allow),
        }
    }

    /// Rejects `k = 0`; a `k` above the live rows means all of them (as in the flat and int8
    /// indexes: nothing is ever sized by `k` itself).
    fn clamp_k(&self, k: usize) -> Result<usize> {
        check_k(k)?;
        Ok(k.min(self.store.len().max(1)))
    }

    fn resolve_ef(&self, k: usize, ef: Option<usize>) -> Result<usize> {
        match ef {
            None => Ok(self.cfg.ef_search.max(k)),
            Some(e) if e < k => Err(Error::invalid(
                "ef",
                format!("must be at least k ({k}), got {e}"),
            )),
            Some(e) if e > MAX_EF => Err(Error::invalid(
                "ef",
                format!("must be at most {MAX_EF}, got {e}"),
            )),
            Some(e) => Ok(e),
        }
    }

    /// Approximate top-`k` for `query` with candidate list size `ef` (`None` = the configured
    /// `ef_search`, raised to `k`), restricted to `allow` inside the graph walk. Allow-lists
    /// naming at most [`HnswConfig::exact_fallback_share`] of the live rows are answered
    /// exactly, those up to [`HnswConfig::int8_filter_share`] (when on) by the int8 scan +
    /// exact re-rank. Scores are exact (same as [`crate::index::FlatIndex`]); order is score desc,
    /// id asc.
    ///
    /// A `k` at or above the number of live rows returns every (allowed) row, exactly; `k` is
    /// clamped to that number first, so a huge `k` costs nothing extra.
    ///
    /// Errors: `k = 0` (`k`), `ef < k` (after clamping) or `ef > MAX_EF` (`ef`), and every
    /// query check of [`crate::index::FlatIndex::search`]. An empty index or an allow-list
    /// admitting nothing gives `Ok(vec![])`. May return fewer than `k` hits when a filter is
    /// selective.
    pub fn search(
        &self,
        query: &Query<'_>,
        k: usize,
        ef: Option<usize>,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Hit>> {
        let k = self.clamp_k(k)?;
        let ef = self.resolve_ef(k, ef)?;
        let q = prepare_one(&self.store, query, allow.as_ref())?;
        Ok(self.search_prepared(&q, k, ef, allow.as_ref()))
    }

    /// [`HnswIndex::search`] for many queries, in parallel across queries (rayon). Errors as
    /// `search`, naming `queries[i]`; nothing is searched if any query is invalid.
    pub fn search_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        ef: Option<usize>,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Vec<Hit>>> {
        let k = self.clamp_k(k)?;
        let ef = self.resolve_ef(k, ef)?;
        let qs = prepare_many(&self.store, queries, allow.as_ref())?;
        Ok(qs
            .par_iter()
            .map(|q| self.search_prepared(q, k, ef, allow.as_ref()))
            .collect())
    }

    /// Serialises configuration, live insertion order, vectors and the graph (magic `FMHN`,
    /// version 3). With stale nodes (replaced or removed rows not yet rebuilt away) the graph
    /// is not stored and [`HnswIndex::from_bytes`] rebuilds it without them.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        let c = &self.cfg;
        for v in [c.m, c.ef_construction, c.ef_search, c.max_layer] {
            w.u32(v as u32);
        }
        w.f32(c.rebuild_tombstone_share);
        w.f32(c.exact_fallback_share);
        w.u8(u8::from(c.parallel_build));
        // version 3: the seed
        w.u32(c.seed as u32);
        w.u32((c.seed >> 32) as u32);
        // version 2: int8 share, then (when on) the scales and their training row count
        w.f32(c.int8_filter_share);
        if let Some(codes) = &self.int8 {
            w.u32(codes.trained_rows().min(u32::MAX as usize) as u32);
            w.u32(codes.scales().len() as u32);
            w.f32s(codes.scales());
        }
        let order = self.live_order();
        w.u32(order.len() as u32);
        for id in &order {
            w.u32(*id);
        }
        w.bytes(&self.store.to_bytes());
        // version 3: the graph (slots = `order` when nothing is stale)
        if self.stale.is_empty() {
            w.u8(1);
            self.graph.write(&mut w);
        } else {
            w.u8(0);
        }
        w.buf
    }

    /// Loads [`HnswIndex::to_bytes`] output: the stored graph when there is one (every level,
    /// count and link checked), else a graph rebuilt in the stored insertion order (older
    /// versions, or stale nodes at save time). Results equal those before saving whenever the
    /// graph was stored. Validates the configuration, the store and that the order is exactly
    /// the live ids; any failure is [`Error::CorruptSnapshot`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (mut r, version) = Reader::open("hnsw index", bytes, MAGIC, VERSION)?;
        let m = r.u32()? as usize;
        let ef_construction = r.u32()? as usize;
        let ef_search = r.u32()? as usize;
        let max_layer = r.u32()? as usize;
        let rebuild_tombstone_share = r.f32()?;
        let exact_fallback_share = r.f32()?;
        let parallel_build = match r.u8()? {
            0 => false,
            1 => true,
            _ => return Err(r.err("bad flag")),
        };
        let seed = if version >= 3 {
            u64::from(r.u32()?) | u64::from(r.u32()?) << 32
        } else {
            DEFAULT_SEED
        };
        let int8_filter_share = if version >= 2 { r.f32()? } else { 0.0 };
        let scales = if int8_filter_share > 0.0 {
            let trained = r.u32()? as usize;
            let n = r.u32()? as usize;
            Some((r.f32s(n)?, trained))
        } else {
            None
        };
        let cfg = HnswConfig {
            int8_filter_share,
            m,
            ef_construction,
            ef_search,
            max_layer,
            rebuild_tombstone_share,
            exact_fallback_share,
            parallel_build,
            seed,
        };
        cfg.validate().map_err(|e| r.err(e))?;
        let n = r.u32()? as usize;
        let order = r.u32s(n)?;
        let store = VectorStore::from_bytes(r.bytes()?)?;
        let graph = match if version >= 3 { r.u8()? } else { 0 } {
            0 => None,
            1 => Some(Graph::read(graph_params(&cfg), &mut r, order.len())?),
            _ => return Err(r.err("bad graph flag")),
        };
        r.finish()?;
        if order.len() != store.len() {
            return Err(Error::corrupt(
                "hnsw index: insertion order does not list every live row",
            ));
        }
        // by row slot: dense and bounded by the rows read, whatever the ids
        let mut seen = BitSet::with_capacity(store.slots());
        for &id in &order {
            if !store.slot_of(id).is_some_and(|slot| seen.insert(slot)) {
                return Err(Error::corrupt(format!(
                    "hnsw index: insertion order names row {id} twice or a row that is not live"
                )));
            }
        }
        if let Some((sc, _)) = &scales {
            check_scales("hnsw index", sc, store.dim())?;
        }
        Self::assemble(cfg, store, &order, scales, graph)
            .map_err(|e| Error::corrupt(format!("hnsw index: {e}")))
    }
}

/// Graph search for one prepared query; monomorphised with the kernel level `K` so that the
/// whole walk (distance kernel included) is compiled with AVX2 + FMA in `graph_search_avx` and
/// with AVX-512 in `graph_search_avx512`.
#[inline(always)]
fn graph_search<const K: u8>(
    ix: &HnswIndex,
    q: &[f32],
    k: usize,
    ef: usize,
    allow: Option<&AllowList<'_>>,
) -> Vec<Hit> {
    let stale = &ix.stale;
    let slot_doc = &ix.slot_doc;
    let dist = RowDist::<K> {
        q,
        store: &ix.store,
        rows: ix.slot_rows(),
        l2: ix.store.metric().is_l2(),
    };
    let g = &ix.graph;
    let found = match (allow, stale.is_empty()) {
        (None, true) => g.search(ef, false, &dist, &|_| true),
        (None, false) => g.search(ef, false, &dist, &|s| !stale.contains(s)),
        (Some(a), _) => {
            // admitted slots, computed once per query (O(allowed))
            let mut ok = BitSet::with_capacity(slot_doc.len());
            a.for_each(|id| {
                if let Some(slot) = ix.doc_slot.get(id) {
                    ok.insert(slot);
                }
            });
            let two_hop = (ok.len() as f64) < 0.3 * ix.store.len() as f64;
            let found = g.search(ef, two_hop, &dist, &|s| ok.contains(s));
            if found.len() < k.min(ok.len()) {
                // the walk could not reach enough admitted nodes: answer exactly
                return exact_one(&ix.store, q, k, Some(a));
            }
            found
        }
    };
    let metric = ix.store.metric();
    let mut hits: Vec<(f32, DocId)> = found
        .iter()
        .take(k)
        .map(|&(_, slot)| {
            let row = ix.store.row_at(ix.slot_row[slot as usize]);
            (score_pair(metric, q, row), slot_doc[slot as usize])
        })
        .collect();
    hits.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
    hits.into_iter()
        .map(|(score, id)| Hit { id, score })
        .collect()
}

/// Entry points compiled with a kernel level's CPU features, so that the whole monomorphised
/// walk inlines its kernels: `name(args) = inner::<LEVEL>(args)` with `#[target_feature]`.
/// Callers reach them only after detecting the features (`kernel()`).
macro_rules! kernel_entries {
    ($($name:ident = $inner:ident::<$level:ident>, $features:literal;)*) => {
        kernel_entries!(@each $($name $inner $level $features)*);
    };
    (@each) => {};
    (@each $name:ident insert_slot_with $level:ident $features:literal $($rest:tt)*) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        fn $name(g: &Graph, store: &VectorStore, rows: SlotRows<'_>, s: u32) {
            insert_slot_with::<$level>(g, store, rows, s);
        }
        kernel_entries!(@each $($rest)*);
    };
    (@each $name:ident graph_search $level:ident $features:literal $($rest:tt)*) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        fn $name(
            ix: &HnswIndex,
            q: &[f32],
            k: usize,
            ef: usize,
            allow: Option<&AllowList<'_>>,
        ) -> Vec<Hit> {
            graph_search::<$level>(ix, q, k, ef, allow)
        }
        kernel_entries!(@each $($rest)*);
    };
}

kernel_entries! {
    insert_slot_avx = insert_slot_with::<AVX2>, "avx2,fma";
    insert_slot_avx512 = insert_slot_with::<AVX512>, "avx512f,avx2,fma";
    graph_search_avx = graph_search::<AVX2>, "avx2,fma";
    graph_search_avx512 = graph_search::<AVX512>, "avx512f,avx2,fma";
}

serde_via_bytes!(HnswIndex, "fairmatch hnsw index bytes");

#[cfg(test)]
mod tests {
    use super::*;

    fn small(parallel: bool) -> HnswIndex {
        let mut s = VectorStore::new("m", 4, Metric::Cosine).unwrap();
        for i in 0..200u32 {
            let f = i as f32;
            s.upsert(i, &[f.sin(), f.cos(), (f * 0.3).sin(), 1.0])
                .unwrap();
        }
        HnswBuilder::new()
            .parallel_build(parallel)
            .build(s)
            .unwrap()
    }

    #[test]
    fn config_is_validated_before_the_graph_is_built() {
        let s = VectorStore::new("m", 4, Metric::Cosine).unwrap();
        for b in [
            HnswBuilder::new().m(257),
            HnswBuilder::new().m(1),
            HnswBuilder::new().ef_construction(0),
            HnswBuilder::new().ef_search(0),
            HnswBuilder::new().max_layer(17),
            HnswBuilder::new().rebuild_tombstone_share(0.0),
            HnswBuilder::new().rebuild_tombstone_share(f32::NAN),
            HnswBuilder::new().exact_fallback_share(1.5),
        ] {
            let e = b.build(s.clone()).unwrap_err();
            assert!(e.to_string().contains("hnsw."), "{e}");
        }
        let ip = VectorStore::new("m", 4, Metric::InnerProduct).unwrap();
        assert!(HnswBuilder::new().build(ip).is_err());
    }

    #[test]
    fn updates_tombstones_and_rebuild() {
        let mut h = small(false);
        let q = [0.1f32, 0.9, 0.2, 1.0];
        let query = Query::new("m", &q);
        let top = h.search(&query, 1, None, None).unwrap()[0].id;
        assert!(h.remove(top));
        assert!(!h.remove(top));
        assert!(
            h.search(&query, 10, None, None)
                .unwrap()
                .iter()
                .all(|x| x.id != top)
        );
        // replace a row with the query itself: it must come first
        h.upsert(7, &q).unwrap();
        assert_eq!(h.search(&query, 1, None, None).unwrap()[0].id, 7);
        assert!(h.tombstone_share() > 0.0);
        for i in 0..80 {
            h.remove(i);
        }
        assert!(h.tombstone_share() <= 0.25, "auto rebuild");
        assert_eq!(h.len(), 200 - 80);
        let hits = h.search(&query, 20, Some(32), None).unwrap();
        assert!(hits.iter().all(|x| x.id >= 80));
        // bad inputs leave the index unchanged
        assert!(h.upsert(3, &[1.0, 2.0]).is_err());
        assert!(h.upsert(3, &[0.0; 4]).is_err());
        assert_eq!(h.len(), 120);
        assert!(h.search(&query, 10, Some(5), None).is_err());
        assert!(h.search(&query, 0, None, None).is_err());
        assert!(h.search(&Query::new("x", &q), 1, None, None).is_err());
    }

    /// Every walk kernel this CPU runs (portable always; AVX2 and AVX-512 when detected) finds
    /// the same neighbours on one graph, at an odd dimension (37: tails of 5 after AVX2's 8
    /// and of 5 after AVX-512's 16) and at dimension 1.
    #[test]
    fn every_walk_kernel_finds_the_neighbours() {
        for dim in [37usize, 1] {
            let mut s = VectorStore::new("m", dim, Metric::SquaredL2).unwrap();
            for i in 0..1500u32 {
                let v: Vec<f32> = (0..dim)
                    .map(|j| (i as f32 * 0.61 + j as f32 * 1.7).sin() * 3.0)
                    .collect();
                s.upsert(i, &v).unwrap();
            }
            let h = HnswBuilder::new()
                .parallel_build(false)
                .m(8)
                .ef_construction(64)
                .build(s)
                .unwrap();
            let flat = crate::index::FlatIndex::new(h.store().clone());
            let mut levels = vec![PORTABLE];
            if has_fma() {
                levels.push(AVX2);
            }
            if has_avx512() {
                levels.push(AVX512);
            }
            for i in (0..1500u32).step_by(37) {
                let q = h.store().get(i).unwrap().to_vec();
                let want = flat.search(&Query::new("m", &q), 5, None).unwrap();
                for &level in &levels {
                    let got = match level {
                        #[cfg(target_arch = "x86_64")]
                        // SAFETY: avx512f + avx2 + fma detected above.
                        AVX512 => unsafe { graph_search_avx512(&h, &q, 5, 64, None) },
                        #[cfg(target_arch = "x86_64")]
                        // SAFETY: avx2 + fma detected above.
                        AVX2 => unsafe { graph_search_avx(&h, &q, 5, 64, None) },
                        _ => graph_search::<PORTABLE>(&h, &q, 5, 64, None),
                    };
                    // scores are exact whatever kernel steered the walk
                    assert_eq!(got[0].score, want[0].score, "dim {dim} level {level}");
                    assert_eq!(got[0].score, 0.0);
                    let hit = got.iter().filter(|g| want.contains(g)).count();
                    assert!(
                        hit >= 4,
                        "dim {dim} level {level} query {i}: {got:?} vs {want:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn save_load_identical() {
        let h = small(false);
        let b = h.to_bytes();
        let back = HnswIndex::from_bytes(&b).unwrap();
        let q = [0.3f32, -0.2, 0.5, 0.1];
        for ef in [10, 40, 100] {
            assert_eq!(
                h.search(&Query::new("m", &q), 10, Some(ef), None).unwrap(),
                back.search(&Query::new("m", &q), 10, Some(ef), None)
                    .unwrap()
            );
        }
        for cut in [0, 5, 20, b.len() / 2, b.len() - 1] {
            assert!(matches!(
                HnswIndex::from_bytes(&b[..cut]),
                Err(Error::CorruptSnapshot { .. })
            ));
        }
        let mut bad = b.clone();
        bad[8] = 0xFF; // m = 255 + ... → still valid? make it huge
        bad[9] = 0xFF;
        assert!(HnswIndex::from_bytes(&bad).is_err());
    }
}
