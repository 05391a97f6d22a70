//! Approximate search with HNSW (Malkov & Yashunin, "Efficient and robust approximate nearest
//! neighbor search using Hierarchical Navigable Small World graphs", IEEE TPAMI 42(4), 2020),
//! on the `hnsw_rs` 0.3.5 crate.
//!
//! What this wrapper adds to hnsw_rs:
//! - every parameter is validated before hnsw_rs sees it (`Hnsw::new` calls
//!   `process::exit` for `max_nb_connection > 256`);
//! - distances use this room's kernel (`1 − q·x` for cosine, `‖q − x‖²` for L2; both ≥ 0 as
//!   hnsw_rs asserts), and result scores are recomputed exactly, so a hit's score equals the
//!   flat index's score for the same row;
//! - allow-lists and tombstones are applied *inside* the graph walk (hnsw_rs `FilterT`);
//! - very selective allow-lists switch to exact search over the allowed ids
//!   ([`HnswConfig::exact_fallback_share`]), and, when int8 codes are kept
//!   ([`HnswConfig::int8_filter_share`]), mid-selectivity ones to an int8 scan over the allowed
//!   ids with exact re-ranking (the [`crate::index::QuantizedIndex`] scheme);
//! - updates: hnsw_rs has no delete, so a replaced or removed row leaves a stale graph node that
//!   the search filter denies; past [`HnswConfig::rebuild_tombstone_share`] stale nodes the graph
//!   is rebuilt from the live vectors;
//! - persistence stores the configuration, the int8 scales (when on), the vectors and the
//!   insertion order, and **rebuilds
//!   the graph on load**: hnsw_rs dumps cannot be verified before loading and its loader calls
//!   `process::exit` on a corrupt file, which would kill a Python or Node host.

use std::fmt;

use hnsw_rs::prelude::{Distance, FilterT, Hnsw};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::index::codec::{Reader, Writer, serde_via_bytes};
use crate::index::distance::{Metric, raw_pair_fast, score_pair};
#[cfg(target_arch = "x86_64")]
use crate::index::distance::{avx, has_fma};
use crate::index::filter::AllowList;
use crate::index::flat::{check_k, exact_one, prepare_many, prepare_one};
use crate::index::quant::{DEFAULT_RERANK_CANDIDATES, Int8Codes, check_scales};
use crate::index::store::{Hit, Query, VectorStore};
use crate::util::{BitSet, cmp_score_desc_id_asc};

const MAGIC: &[u8; 4] = b"FMHN";
/// 2 adds `int8_filter_share` and the int8 scales; version 1 still loads (int8 off).
const VERSION: u32 = 2;
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
    /// Number of layers. Default 16 (hnsw_rs's maximum); `1..=16`.
    pub max_layer: usize,
    /// Rebuild the graph once stale nodes exceed this share of all graph nodes. Default 0.25;
    /// in `(0, 1]`.
    pub rebuild_tombstone_share: f32,
    /// Use exact search over the allowed ids when an allow-list names at most this share of
    /// the live rows. Default 0.05, chosen by measurement (benches/README.md "Index",
    /// crossover rows): at 100k × 384 exact search over a 5% allow-list (2.4k q/s, recall 1)
    /// still beats the filtered graph walk at ef = 64 (1.1k q/s, recall 0.99), while at 10%
    /// the walk wins (1,045 vs 565 q/s). In `[0, 1]`; 0 disables the fallback.
    pub exact_fallback_share: f32,
    /// Keep int8 codes of the rows (≈ +25% of the f32 vectors) and answer allow-lists naming
    /// more than `exact_fallback_share` but at most this share of the live rows with an int8
    /// scan over the allowed rows + exact re-ranking of the best `max(64, 4k)` (the
    /// [`crate::index::QuantizedIndex`] scheme). Default 0 (off, no codes kept). Measured at
    /// 100k × 384 (benches/README.md "Index", crossover rows): the scan beats the filtered
    /// graph walk up to about 20–25% allowed, at recall 1.0; 0.25 is a good value for filtered
    /// workloads. In `[0, 1]`.
    #[serde(default)]
    pub int8_filter_share: f32,
    /// Insert in parallel (rayon) when building or rebuilding. Default true. Parallel builds are
    /// not bit-reproducible (thread races); set false for a deterministic graph.
    pub parallel_build: bool,
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
/// hnsw_rs draws node levels from its own generator with a fixed seed (397) and exposes no
/// seed setter, so there is no `seed` here: a serial build (`parallel_build(false)`) is fully
/// deterministic, a parallel one is not (insertion races).
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
    /// Uses a whole configuration.
    pub fn config(mut self, cfg: HnswConfig) -> Self {
        self.cfg = cfg;
        self
    }

    /// Builds the graph over the live rows of `store` (ascending id order).
    ///
    /// Rejects an invalid configuration (`hnsw.*`) and [`Metric::InnerProduct`] (field
    /// `metric`: hnsw_rs requires non-negative distances, which a raw inner product does not
    /// give; use [`crate::index::FlatIndex`] or [`crate::index::QuantizedIndex`]).
    pub fn build(self, store: VectorStore) -> Result<HnswIndex> {
        let order: Vec<DocId> = store.ids().collect();
        HnswIndex::assemble(self.cfg, store, &order, None)
    }
}

/// The distance handed to hnsw_rs: `1 − q·x` (clamped at 0) or `‖q − x‖²`.
#[derive(Debug, Clone, Copy)]
struct GraphDist {
    l2: bool,
}

impl Distance<f32> for GraphDist {
    #[inline]
    fn eval(&self, a: &[f32], b: &[f32]) -> f32 {
        let r = raw_pair_fast(self.l2, a, b);
        if self.l2 {
            r.max(0.0)
        } else {
            (1.0 - r).max(0.0)
        }
    }
}

/// An HNSW index over one collection, with filters, updates and exact fallback.
pub struct HnswIndex {
    cfg: HnswConfig,
    store: VectorStore,
    graph: Hnsw<'static, f32, GraphDist>,
    /// graph data id (slot) → row id
    slot_doc: Vec<DocId>,
    /// row id → slot (NO_SLOT if none)
    doc_slot: Vec<u32>,
    /// slots whose row was replaced or removed
    stale: BitSet,
    /// read-optimised copy of the graph used for searching (None or outdated after inserts)
    frozen: Option<Frozen>,
    /// benchmarking switch: search with hnsw_rs's own walk even when the copy is current
    native_search: bool,
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
    fn new_graph(cfg: &HnswConfig, metric: Metric, n: usize) -> Hnsw<'static, f32, GraphDist> {
        Hnsw::new(
            cfg.m,
            n.max(1),
            cfg.max_layer,
            cfg.ef_construction,
            GraphDist { l2: metric.is_l2() },
        )
    }

    /// Builds from a validated config, a store and the insertion order (live ids).
    /// `scales`: stored int8 scales and their training row count (on load), else trained here.
    fn assemble(
        cfg: HnswConfig,
        store: VectorStore,
        order: &[DocId],
        scales: Option<(Vec<f32>, usize)>,
    ) -> Result<Self> {
        cfg.validate()?;
        if store.metric() == Metric::InnerProduct {
            return Err(Error::invalid(
                "metric",
                "HNSW supports cosine and squared_l2 only (hnsw_rs needs non-negative \
                 distances); use FlatIndex or QuantizedIndex for inner_product",
            ));
        }
        let graph = Self::new_graph(&cfg, store.metric(), order.len());
        let mut doc_slot = vec![NO_SLOT; store.slots()];
        for (slot, &id) in order.iter().enumerate() {
            doc_slot[id as usize] = slot as u32;
        }
        let items: Vec<(&[f32], usize)> = order
            .iter()
            .enumerate()
            .map(|(slot, &id)| (store.row(id), slot))
            .collect();
        if cfg.parallel_build {
            graph.parallel_insert_slice(&items);
        } else {
            for it in &items {
                graph.insert_slice(*it);
            }
        }
        let frozen = Frozen::from_graph(&graph, order.len());
        let int8 = (cfg.int8_filter_share > 0.0).then(|| match scales {
            Some((scales, trained_rows)) => Int8Codes::with_scales(&store, scales, trained_rows),
            None => Int8Codes::train(&store),
        });
        Ok(HnswIndex {
            int8,
            cfg,
            slot_doc: order.to_vec(),
            doc_slot,
            stale: BitSet::default(),
            graph,
            store,
            frozen,
            native_search: false,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &HnswConfig {
        &self.cfg
    }

    /// Benchmarking only: when `on`, searches use hnsw_rs's own graph walk instead of
    /// fairmatch's copy of the graph (same results up to walk differences; slower). Lets the
    /// comparison harness show what hnsw_rs alone achieves.
    #[doc(hidden)]
    pub fn set_native_search(&mut self, on: bool) {
        self.native_search = on;
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

    /// Approximate bytes held: the store, hnsw_rs's own copy of each vector, its graph edges
    /// (16 bytes each: an `Arc` pointer and an f32 distance) plus ~96 bytes per node, and the
    /// search copy of the graph (4 bytes per edge and per node and layer).
    pub fn memory_bytes(&self) -> usize {
        let mut edges = 0usize;
        for p in self.graph.get_point_indexation() {
            edges += p.get_neighborhood_id().iter().map(Vec::len).sum::<usize>();
        }
        let nodes = self.slot_doc.len();
        let frozen: usize = self.frozen.as_ref().map_or(0, |f| {
            f.layers
                .iter()
                .map(|(o, a)| (o.len() + a.len()) * 4)
                .sum::<usize>()
                + f.l0.len() * 4
        });
        let int8 = self.int8.as_ref().map_or(0, Int8Codes::scan_bytes);
        self.store.memory_bytes() + nodes * (self.store.dim() * 4 + 96) + edges * 16 + frozen + int8
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
        self.store.put_prepared(id, &v)?;
        if self.doc_slot.len() <= id as usize {
            self.doc_slot.resize(id as usize + 1, NO_SLOT);
        }
        let old = self.doc_slot[id as usize];
        if old != NO_SLOT {
            self.stale.insert(old);
        }
        self.graph.insert_slice((self.store.row(id), slot as usize));
        if let Some(c) = &mut self.int8 {
            // Scales are retrained whenever the live rows have doubled since the last
            // training (amortised O(1) per insert; an index grown from empty gets scales that
            // fit its data), otherwise the row is encoded with the current scales.
            if self.store.len() >= 2 * c.trained_rows().max(32) {
                *c = Int8Codes::train(&self.store);
            } else {
                c.encode_row(&self.store, id);
            }
        }
        self.slot_doc.push(id);
        self.doc_slot[id as usize] = slot;
        self.maybe_rebuild();
        self.maybe_refreeze();
        Ok(())
    }

    /// Removes row `id` (tombstone: its node is denied in every search until the next
    /// rebuild); returns whether it was live. May trigger a rebuild.
    pub fn remove(&mut self, id: DocId) -> bool {
        if !self.store.remove(id) {
            return false;
        }
        let slot = std::mem::replace(&mut self.doc_slot[id as usize], NO_SLOT);
        self.stale.insert(slot);
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
        let graph = Self::new_graph(&self.cfg, self.store.metric(), order.len());
        let mut doc_slot = vec![NO_SLOT; self.store.slots()];
        let items: Vec<(&[f32], usize)> = order
            .iter()
            .enumerate()
            .map(|(slot, &id)| {
                doc_slot[id as usize] = slot as u32;
                (self.store.row(id), slot)
            })
            .collect();
        if self.cfg.parallel_build {
            graph.parallel_insert_slice(&items);
        } else {
            for it in &items {
                graph.insert_slice(*it);
            }
        }
        self.frozen = Frozen::from_graph(&graph, order.len());
        if self.int8.is_some() {
            self.int8 = Some(Int8Codes::train(&self.store));
        }
        self.graph = graph;
        self.slot_doc = order;
        self.doc_slot = doc_slot;
        self.stale = BitSet::default();
    }

    /// Re-copies the graph for searching once enough nodes were inserted since the last copy
    /// (until then searches use hnsw_rs's own, slower walk, which sees every node).
    fn maybe_refreeze(&mut self) {
        let nodes = self.slot_doc.len();
        let covered = self.frozen.as_ref().map_or(0, |f| f.nodes);
        if nodes - covered >= (nodes / 32).max(64) {
            self.frozen = Frozen::from_graph(&self.graph, nodes);
        }
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
        if self.use_exact(allow) {
            return exact_one(&self.store, q, k, allow);
        }
        if let (Some(codes), Some(a)) = (&self.int8, allow)
            && (a.len() as f64) <= f64::from(self.cfg.int8_filter_share) * self.store.len() as f64
        {
            let cand = DEFAULT_RERANK_CANDIDATES.max(k.saturating_mul(4));
            return codes.search(&self.store, q, k, cand, Some(a));
        }
        let stale = &self.stale;
        let slot_doc = &self.slot_doc;
        if let Some(fz) = self
            .frozen
            .as_ref()
            .filter(|f| f.nodes == slot_doc.len() && !self.native_search)
        {
            #[cfg(target_arch = "x86_64")]
            if has_fma() {
                // SAFETY: avx2 + fma detected.
                return unsafe { frozen_search_avx(self, fz, q, k, ef, allow) };
            }
            return frozen_search::<false>(self, fz, q, k, ef, allow);
        }
        let found = match (allow, stale.is_empty()) {
            (None, true) => self.graph.search_filter(q, k, ef, None),
            (None, false) => {
                let f = |slot: &usize| !stale.contains(*slot as u32);
                self.graph.search_filter(q, k, ef, Some(&f as &dyn FilterT))
            }
            (Some(a), _) => {
                let f = |slot: &usize| {
                    !stale.contains(*slot as u32)
                        && slot_doc.get(*slot).is_some_and(|&id| a.contains(id))
                };
                self.graph.search_filter(q, k, ef, Some(&f as &dyn FilterT))
            }
        };
        let metric = self.store.metric();
        let mut hits: Vec<(f32, DocId)> = found
            .iter()
            .filter_map(|n| {
                let slot = n.get_origin_id();
                if stale.contains(slot as u32) {
                    return None;
                }
                let id = *slot_doc.get(slot)?;
                if allow.is_some_and(|a| !a.contains(id)) {
                    return None;
                }
                Some((score_pair(metric, q, self.store.row(id)), id))
            })
            .collect();
        hits.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
        hits.truncate(k);
        hits.into_iter()
            .map(|(score, id)| Hit { id, score })
            .collect()
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
    /// Errors: `k = 0` (`k`), `ef < k` or `ef > MAX_EF` (`ef`), and every query check of
    /// [`crate::index::FlatIndex::search`]. An empty index or an allow-list admitting nothing
    /// gives `Ok(vec![])`. May return fewer than `k` hits when a filter is selective.
    pub fn search(
        &self,
        query: &Query<'_>,
        k: usize,
        ef: Option<usize>,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Hit>> {
        check_k(k)?;
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
        check_k(k)?;
        let ef = self.resolve_ef(k, ef)?;
        let qs = prepare_many(&self.store, queries, allow.as_ref())?;
        Ok(qs
            .par_iter()
            .map(|q| self.search_prepared(q, k, ef, allow.as_ref()))
            .collect())
    }

    /// Serialises configuration, live insertion order and vectors (magic `FMHN`). The graph is
    /// not stored: [`HnswIndex::from_bytes`] rebuilds it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        let c = &self.cfg;
        for v in [c.m, c.ef_construction, c.ef_search, c.max_layer] {
            w.u32(v as u32);
        }
        w.f32(c.rebuild_tombstone_share);
        w.f32(c.exact_fallback_share);
        w.u8(u8::from(c.parallel_build));
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
        w.buf
    }

    /// Loads [`HnswIndex::to_bytes`] output and rebuilds the graph (same insertion order; with
    /// `parallel_build = false` and no stale nodes at save time the graph, hence every result,
    /// is identical). Validates the configuration, the store and that the order is exactly
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
        };
        cfg.validate().map_err(|e| r.err(e))?;
        let n = r.u32()? as usize;
        let order = r.u32s(n)?;
        let store = VectorStore::from_bytes(r.bytes()?)?;
        r.finish()?;
        if order.len() != store.len() {
            return Err(Error::corrupt(
                "hnsw index: insertion order does not list every live row",
            ));
        }
        let mut seen = BitSet::with_capacity(store.slots());
        for &id in &order {
            if !store.contains(id) || !seen.insert(id) {
                return Err(Error::corrupt(format!(
                    "hnsw index: insertion order names row {id} twice or a row that is not live"
                )));
            }
        }
        if let Some((sc, _)) = &scales {
            check_scales("hnsw index", sc, store.dim())?;
        }
        Self::assemble(cfg, store, &order, scales)
            .map_err(|e| Error::corrupt(format!("hnsw index: {e}")))
    }
}

/// A read-optimised copy of the hnsw_rs graph: per layer, CSR adjacency over slots.
///
/// hnsw_rs's own search keeps visited nodes in a `HashMap` and candidates as `Arc`s, and with a
/// filter it does not stop until the candidate queue is empty (it walks most of the graph). The
/// copy is searched with the standard HNSW layer search (Malkov & Yashunin 2020, Algorithms 2
/// and 5). With a filter only admitted nodes enter the result set and the walk stops when the
/// nearest candidate is farther than the worst of `ef` admitted results (hnswlib's filtered
/// search); selective filters (< 30% admitted) step over filtered-out nodes to their admitted
/// neighbours instead of scoring them (ACORN-1).
struct Frozen {
    nodes: usize,
    entry: u32,
    /// layer → (offsets over slots, neighbour slots); layer 0 is kept in `l0` instead (empty here)
    layers: Vec<(Vec<u32>, Vec<u32>)>,
    /// layer 0 in fixed-size blocks of `l0_stride` u32 per slot: the count, then the neighbours.
    /// The walk spends most of its memory traffic on layer 0; a block's address is computed
    /// from the slot alone (no offsets lookup), so the next expansion's block can be
    /// prefetched while the current one is scored (hnswlib keeps level-0 links the same way).
    l0: Vec<u32>,
    l0_stride: usize,
}

#[derive(Clone, Copy, PartialEq)]
struct Cand {
    d: f32,
    s: u32,
}
impl Eq for Cand {}
impl PartialOrd for Cand {
    fn partial_cmp(&self, o: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Cand {
    fn cmp(&self, o: &Self) -> std::cmp::Ordering {
        self.d.total_cmp(&o.d).then(self.s.cmp(&o.s))
    }
}

thread_local! {
    /// Visited marks: `marks[slot] == epoch` means visited in the current walk.
    static VISITED: std::cell::RefCell<(Vec<u32>, u32)> = const { std::cell::RefCell::new((Vec::new(), 0)) };
}

impl Frozen {
    fn from_graph(graph: &Hnsw<'static, f32, GraphDist>, nodes: usize) -> Option<Frozen> {
        if nodes == 0 {
            return None;
        }
        let top = graph.get_max_level_observed() as usize;
        let mut per: Vec<Vec<Vec<u32>>> = vec![Vec::new(); nodes];
        let mut entry = None;
        for p in graph.get_point_indexation() {
            let slot = p.get_origin_id();
            if slot >= nodes {
                return None;
            }
            per[slot] = p
                .get_neighborhood_id()
                .iter()
                .take(top + 1)
                .map(|l| l.iter().map(|n| n.d_id as u32).collect())
                .collect();
            if entry.is_none() && p.get_point_id().0 as usize == top {
                entry = Some(slot as u32);
            }
        }
        let entry = entry?;
        let level0: Vec<Vec<u32>> = per
            .iter()
            .map(|p| {
                p.first().map_or_else(Vec::new, |ns| {
                    ns.iter()
                        .copied()
                        .filter(|&s| (s as usize) < nodes)
                        .collect()
                })
            })
            .collect();
        let l0_stride = 1 + level0.iter().map(Vec::len).max().unwrap_or(0);
        let mut l0 = vec![0u32; nodes * l0_stride];
        for (slot, ns) in level0.iter().enumerate() {
            let block = &mut l0[slot * l0_stride..(slot + 1) * l0_stride];
            block[0] = ns.len() as u32;
            block[1..=ns.len()].copy_from_slice(ns);
        }
        let layers = (0..=top)
            .map(|l| {
                if l == 0 {
                    return (Vec::new(), Vec::new());
                }
                let mut off = Vec::with_capacity(nodes + 1);
                let mut adj = Vec::new();
                off.push(0u32);
                for p in &per {
                    if let Some(ns) = p.get(l) {
                        adj.extend(ns.iter().copied().filter(|&s| (s as usize) < nodes));
                    }
                    off.push(adj.len() as u32);
                }
                (off, adj)
            })
            .collect();
        Some(Frozen {
            nodes,
            entry,
            layers,
            l0,
            l0_stride,
        })
    }

    #[inline]
    fn neighbours(&self, layer: usize, s: u32) -> &[u32] {
        if layer == 0 {
            let b = s as usize * self.l0_stride;
            let k = self.l0[b] as usize;
            return &self.l0[b + 1..b + 1 + k];
        }
        let (off, adj) = &self.layers[layer];
        &adj[off[s as usize] as usize..off[s as usize + 1] as usize]
    }

    /// Prefetches the layer-0 block of slot `s` (the likely next expansion).
    #[inline(always)]
    fn prefetch_l0(&self, s: u32) {
        #[cfg(target_arch = "x86_64")]
        {
            let b = s as usize * self.l0_stride;
            let end = (b + self.l0_stride).min(self.l0.len());
            for at in (b..end).step_by(16) {
                // SAFETY: at < l0.len(); prefetching has no other effect.
                unsafe {
                    std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                        self.l0.as_ptr().add(at).cast(),
                    )
                };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = s;
    }

    #[inline(always)]
    /// Returns up to `ef` admitted `(distance, slot)` pairs, nearest first. With `two_hop`,
    /// filtered-out nodes are never scored: the walk steps over them to their admitted
    /// neighbours (ACORN-1, Patel et al., "ACORN: Performant and Predicate-Agnostic Search Over
    /// Vector Embeddings and Structured Data", SIGMOD 2024).
    fn walk(
        &self,
        ef: usize,
        two_hop: bool,
        dist: impl Fn(u32) -> f32,
        prefetch: impl Fn(u32),
        admit: impl Fn(u32) -> bool,
    ) -> Vec<(f32, u32)> {
        use std::cmp::Reverse;
        use std::collections::BinaryHeap;
        // greedy descent through the upper layers
        let mut cur = self.entry;
        let mut cur_d = dist(cur);
        for layer in (1..self.layers.len()).rev() {
            loop {
                let mut moved = false;
                for &n in self.neighbours(layer, cur) {
                    let d = dist(n);
                    if d < cur_d {
                        cur_d = d;
                        cur = n;
                        moved = true;
                    }
                }
                if !moved {
                    break;
                }
            }
        }
        VISITED.with(|v| {
            let mut v = v.borrow_mut();
            let (marks, epoch) = &mut *v;
            if marks.len() < self.nodes {
                marks.resize(self.nodes, 0);
            }
            *epoch = epoch.wrapping_add(1);
            if *epoch == 0 {
                marks.fill(0);
                *epoch = 1;
            }
            let epoch = *epoch;
            let mut cands: BinaryHeap<Reverse<Cand>> = BinaryHeap::with_capacity(ef * 4);
            let mut res: BinaryHeap<Cand> = BinaryHeap::with_capacity(ef + 1);
            marks[cur as usize] = epoch;
            cands.push(Reverse(Cand { d: cur_d, s: cur }));
            if admit(cur) {
                res.push(Cand { d: cur_d, s: cur });
            }
            let mut bound = if res.is_empty() { f32::INFINITY } else { cur_d };
            while let Some(Reverse(c)) = cands.pop() {
                if c.d > bound && res.len() >= ef {
                    break;
                }
                if let Some(Reverse(next)) = cands.peek() {
                    self.prefetch_l0(next.s);
                }
                for &n in self.neighbours(0, c.s) {
                    if marks[n as usize] != epoch {
                        prefetch(n);
                    }
                }
                for &n in self.neighbours(0, c.s) {
                    let m = &mut marks[n as usize];
                    if *m == epoch {
                        continue;
                    }
                    *m = epoch;
                    let ok = admit(n);
                    if ok || !two_hop {
                        let d = dist(n);
                        if res.len() < ef || d < bound {
                            cands.push(Reverse(Cand { d, s: n }));
                            if ok {
                                res.push(Cand { d, s: n });
                                if res.len() > ef {
                                    res.pop();
                                }
                                bound = res.peek().map_or(f32::INFINITY, |w| w.d);
                            }
                        }
                    } else {
                        // ACORN-1: step over a filtered-out neighbour to its admitted
                        // neighbours without computing its distance
                        for &n2 in self.neighbours(0, n) {
                            if marks[n2 as usize] == epoch || !admit(n2) {
                                continue;
                            }
                            marks[n2 as usize] = epoch;
                            let d = dist(n2);
                            if res.len() < ef || d < bound {
                                cands.push(Reverse(Cand { d, s: n2 }));
                                res.push(Cand { d, s: n2 });
                                if res.len() > ef {
                                    res.pop();
                                }
                                bound = res.peek().map_or(f32::INFINITY, |w| w.d);
                            }
                        }
                    }
                }
            }
            let mut out: Vec<(f32, u32)> = res.into_iter().map(|c| (c.d, c.s)).collect();
            out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            out
        })
    }
}

/// Search on the frozen graph copy; monomorphised with `AVX` so that the whole walk (distance
/// kernel included) is compiled with AVX2 + FMA in `frozen_search_avx`.
#[inline(always)]
fn frozen_search<const AVX: bool>(
    ix: &HnswIndex,
    fz: &Frozen,
    q: &[f32],
    k: usize,
    ef: usize,
    allow: Option<&AllowList<'_>>,
) -> Vec<Hit> {
    let stale = &ix.stale;
    let slot_doc = &ix.slot_doc;
    let l2 = ix.store.metric().is_l2();
    let dist = |slot: u32| {
        let x = ix.store.row(slot_doc[slot as usize]);
        #[cfg(target_arch = "x86_64")]
        let r = if AVX {
            // SAFETY: AVX is true only inside `frozen_search_avx` (avx2 + fma detected).
            unsafe {
                if l2 {
                    avx::pair_fast::<true>(q, x)
                } else {
                    avx::pair_fast::<false>(q, x)
                }
            }
        } else {
            raw_pair_fast(l2, q, x)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let r = raw_pair_fast(l2, q, x);
        if l2 { r } else { -r }
    };
    let prefetch = |slot: u32| {
        let row = ix.store.row(slot_doc[slot as usize]);
        #[cfg(target_arch = "x86_64")]
        for line in (0..row.len().min(64)).step_by(16) {
            // SAFETY: `line` < row.len(); prefetching has no other effect.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(
                    row.as_ptr().add(line).cast(),
                )
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = row;
    };
    let found = match (allow, stale.is_empty()) {
        (None, true) => fz.walk(ef, false, dist, prefetch, |_| true),
        (None, false) => fz.walk(ef, false, dist, prefetch, |s| !stale.contains(s)),
        (Some(a), _) => {
            // admitted slots, computed once per query (O(allowed))
            let mut ok = BitSet::with_capacity(slot_doc.len());
            a.for_each(|id| {
                if let Some(&slot) = ix.doc_slot.get(id as usize)
                    && slot != NO_SLOT
                {
                    ok.insert(slot);
                }
            });
            let two_hop = (ok.len() as f64) < 0.3 * ix.store.len() as f64;
            let found = fz.walk(ef, two_hop, dist, prefetch, |s| ok.contains(s));
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
            let id = slot_doc[slot as usize];
            (score_pair(metric, q, ix.store.row(id)), id)
        })
        .collect();
    hits.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
    hits.into_iter()
        .map(|(score, id)| Hit { id, score })
        .collect()
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn frozen_search_avx(
    ix: &HnswIndex,
    fz: &Frozen,
    q: &[f32],
    k: usize,
    ef: usize,
    allow: Option<&AllowList<'_>>,
) -> Vec<Hit> {
    frozen_search::<true>(ix, fz, q, k, ef, allow)
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
    fn config_is_validated_before_hnsw_rs() {
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
