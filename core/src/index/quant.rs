//! Scalar int8 quantised flat index with exact f32 re-ranking.
//!
//! # Scheme
//! Per-**dimension** symmetric scales, trained on the rows present at build time:
//! `s_d = max_i |x_id| / 127`, code `c_id = round(x_id / s_d)` clamped to `[-127, 127]` (the
//! per-dimension range training of faiss's `ScalarQuantizer` `QT_8bit`, made symmetric so that
//! the dot product needs no offset terms). Rows added later reuse the same scales (components
//! beyond the trained range are clamped; re-ranking corrects the order).
//!
//! A query is folded into the scales, `q'_d = q_d · s_d`, then quantised with one scale
//! `t = max_d |q'_d| / 127`: `e_d = round(q'_d / t)`. Then `q · x ≈ t · Σ_d e_d c_d`, an
//! exact integer dot product (i8 × i8 → i32) that the compiler vectorises. Squared L2 uses
//! `‖q − x‖² = ‖q‖² − 2 q·x + ‖x‖²` with the exact `‖x‖²` kept per row.
//!
//! The scan reads `dim` bytes per row instead of `4·dim` (≈ 0.25× the memory traffic). The
//! best `max(rerank_candidates, 4k)` candidates of the scan are re-scored exactly with the f32
//! rows (the [`VectorStore`] kept beside the codes) and the top `k` returned: the scores are
//! the exact ones, and recall is that of the candidate set.

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::index::codec::{Reader, Writer, serde_via_bytes};
use crate::index::distance::{dot_i8_portable, has_fma, norm_f64, prefetch_lines, score_pair};
use crate::index::filter::AllowList;
use crate::index::flat::check_k;
use crate::index::store::{Hit, Query, VectorStore};
use crate::util::{TopK, cmp_score_desc_id_asc};

use rayon::prelude::*;

const MAGIC: &[u8; 4] = b"FMQ8";
const VERSION: u32 = 1;

/// A flat index over int8 codes with exact f32 re-ranking (see the module docs for the scheme).
#[derive(Debug, Clone, PartialEq)]
pub struct QuantizedIndex {
    store: VectorStore,
    codes: Int8Codes,
    rerank_candidates: usize,
}

/// Default number of scan candidates re-ranked exactly (at least `4·k` are always re-ranked).
pub const DEFAULT_RERANK_CANDIDATES: usize = 64;

fn quantise(v: f32, inv_scale: f32) -> i8 {
    (v * inv_scale).round().clamp(-127.0, 127.0) as i8
}

/// The int8 codes of a store's rows under per-dimension scales, and the scan + exact re-rank
/// over them (module docs). One home for [`QuantizedIndex`] and the filtered-search fallback
/// of [`crate::index::HnswIndex`]; the f32 rows stay in the owner's [`VectorStore`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Int8Codes {
    scales: Vec<f32>,
    codes: Vec<i8>,
    /// ‖x‖² per slot (used under squared L2).
    norms2: Vec<f32>,
    /// Live rows when the scales were trained.
    trained_rows: usize,
}

impl Int8Codes {
    /// Trains per-dimension scales on the live rows of `store` and encodes them.
    pub(crate) fn train(store: &VectorStore) -> Self {
        let dim = store.dim();
        let mut maxabs = vec![0f32; dim];
        for slot in store.live().iter() {
            for (m, x) in maxabs.iter_mut().zip(store.row_at(slot)) {
                *m = m.max(x.abs());
            }
        }
        let scales = maxabs
            .iter()
            .map(|&m| if m > 0.0 { m / 127.0 } else { 1.0 / 127.0 })
            .collect();
        Self::with_scales(store, scales, store.len())
    }

    /// Encodes the live rows of `store` with given scales (validated by the caller).
    pub(crate) fn with_scales(store: &VectorStore, scales: Vec<f32>, trained_rows: usize) -> Self {
        let mut c = Int8Codes {
            codes: vec![0; store.slots() * store.dim()],
            norms2: vec![0.0; store.slots()],
            scales,
            trained_rows,
        };
        for slot in store.live().iter() {
            c.encode_slot(store, slot);
        }
        c
    }

    /// (Re-)encodes the row in `slot` of `store` with the current scales (codes are kept by
    /// the store's row slots).
    pub(crate) fn encode_slot(&mut self, store: &VectorStore, slot: u32) {
        let dim = store.dim();
        let need = (slot as usize + 1) * dim;
        if self.codes.len() < need {
            self.codes.resize(need, 0);
            self.norms2.resize(slot as usize + 1, 0.0);
        }
        let row = store.row_at(slot);
        let out = &mut self.codes[slot as usize * dim..(slot as usize + 1) * dim];
        for ((c, &x), &s) in out.iter_mut().zip(row).zip(&self.scales) {
            *c = quantise(x, 1.0 / s);
        }
        self.norms2[slot as usize] = (norm_f64(row).powi(2)) as f32;
    }

    /// The per-dimension scales.
    pub(crate) fn scales(&self) -> &[f32] {
        &self.scales
    }

    /// Live rows when the scales were trained.
    pub(crate) fn trained_rows(&self) -> usize {
        self.trained_rows
    }

    /// Codes, norms and scales in bytes.
    pub(crate) fn scan_bytes(&self) -> usize {
        self.codes.len() + self.norms2.len() * 4 + self.scales.len() * 4
    }

    fn encode_query(&self, q: &[f32]) -> (Vec<i8>, f32) {
        let folded: Vec<f32> = q.iter().zip(&self.scales).map(|(a, s)| a * s).collect();
        let m = folded.iter().fold(0f32, |m, x| m.max(x.abs()));
        let t = if m > 0.0 { m / 127.0 } else { 1.0 };
        (folded.iter().map(|&x| quantise(x, 1.0 / t)).collect(), t)
    }

    /// Top-`k` of the live (and allowed) rows of `store` for a prepared query: int8 scan for
    /// the best `cand` (≥ k) candidates, then exact f32 re-scoring. Order score desc, id asc.
    pub(crate) fn search(
        &self,
        store: &VectorStore,
        q: &[f32],
        k: usize,
        cand: usize,
        allow: Option<&AllowList<'_>>,
    ) -> Vec<Hit> {
        let (e, t) = self.encode_query(q);
        let scan = Scan {
            c: self,
            store,
            e: &e,
            t,
            l2: store.metric().is_l2(),
            cand: cand.max(k),
            allow,
        };
        #[cfg(target_arch = "x86_64")]
        let top = if has_fma() {
            // SAFETY: avx2 + fma detected.
            unsafe { scan_avx(&scan) }
        } else {
            scan_impl::<false>(&scan)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let top = scan_impl::<false>(&scan);
        let metric = store.metric();
        let mut exact: Vec<(f32, DocId)> = top
            .into_sorted_vec()
            .into_iter()
            .filter_map(|(_, id)| Some((score_pair(metric, q, store.get(id)?), id)))
            .collect();
        exact.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
        exact.truncate(k);
        exact
            .into_iter()
            .map(|(score, id)| Hit { id, score })
            .collect()
    }
}

impl QuantizedIndex {
    /// Trains per-dimension scales on the live rows of `store` and encodes them.
    /// `rerank_candidates` (≥ 1, field `rerank_candidates`) is how many scan candidates are
    /// re-ranked exactly; [`DEFAULT_RERANK_CANDIDATES`] gives recall@10 ≥ 0.99 on MiniLM
    /// embeddings (benches/README.md "Index").
    pub fn build(store: VectorStore, rerank_candidates: usize) -> Result<Self> {
        if rerank_candidates == 0 {
            return Err(Error::invalid("rerank_candidates", "must be at least 1"));
        }
        Ok(QuantizedIndex {
            codes: Int8Codes::train(&store),
            store,
            rerank_candidates,
        })
    }

    /// The f32 rows used for re-ranking.
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
    /// The per-dimension scales `s_d`.
    pub fn scales(&self) -> &[f32] {
        self.codes.scales()
    }
    /// How many scan candidates are re-ranked exactly (at least `4·k` per search).
    pub fn rerank_candidates(&self) -> usize {
        self.rerank_candidates
    }
    /// Bytes the scan reads: codes (1 byte per component), per-row norms and the scales. The
    /// f32 rows used for re-ranking are counted by [`VectorStore::memory_bytes`].
    pub fn scan_bytes(&self) -> usize {
        self.codes.scan_bytes()
    }

    /// Inserts or replaces a row (encoded with the existing scales). Same checks as
    /// [`VectorStore::upsert`]; on error nothing changes.
    pub fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        let v = self.store.prepare("vector", vector)?;
        let slot = self.store.put_prepared(id, &v)?;
        self.codes.encode_slot(&self.store, slot);
        Ok(())
    }

    /// Tombstones a row; returns whether it was live.
    pub fn remove(&mut self, id: DocId) -> bool {
        self.store.remove(id)
    }

    fn search_prepared(&self, q: &[f32], k: usize, allow: Option<&AllowList<'_>>) -> Vec<Hit> {
        let cand = self.rerank_candidates.max(k.saturating_mul(4));
        self.codes.search(&self.store, q, k, cand, allow)
    }

    /// Approximate top-`k`: int8 scan, then exact re-ranking of the best candidates. Scores
    /// are exact; order is score desc, id asc. Errors and empty cases as
    /// [`crate::index::FlatIndex::search`].
    pub fn search(
        &self,
        query: &Query<'_>,
        k: usize,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Hit>> {
        check_k(k)?;
        let q = crate::index::flat::prepare_one(&self.store, query, allow.as_ref())?;
        Ok(self.search_prepared(&q, k, allow.as_ref()))
    }

    /// [`QuantizedIndex::search`] for many queries, in parallel (rayon). Errors name
    /// `queries[i]`; nothing is searched if any query is invalid.
    pub fn search_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Vec<Hit>>> {
        check_k(k)?;
        let qs = crate::index::flat::prepare_many(&self.store, queries, allow.as_ref())?;
        Ok(qs
            .par_iter()
            .map(|q| self.search_prepared(q, k, allow.as_ref()))
            .collect())
    }

    /// Serialises `rerank_candidates`, the scales and the store (magic `FMQ8`); codes are
    /// re-derived on load from the stored scales, so results after load are identical.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        w.u32(self.rerank_candidates.min(u32::MAX as usize) as u32);
        w.u32(self.codes.scales().len() as u32);
        w.f32s(self.codes.scales());
        w.bytes(&self.store.to_bytes());
        w.buf
    }

    /// Loads [`QuantizedIndex::to_bytes`] output; validates scales (finite, > 0, one per
    /// dimension) and the store. Any failure is [`Error::CorruptSnapshot`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (mut r, _v) = Reader::open("quantized index", bytes, MAGIC, VERSION)?;
        let rerank = r.u32()? as usize;
        let n = r.u32()? as usize;
        let scales = r.f32s(n)?;
        let store = VectorStore::from_bytes(r.bytes()?)?;
        r.finish()?;
        if rerank == 0 {
            return Err(Error::corrupt("quantized index: rerank_candidates is 0"));
        }
        check_scales("quantized index", &scales, store.dim())?;
        Ok(QuantizedIndex {
            codes: Int8Codes::with_scales(&store, scales, store.len()),
            store,
            rerank_candidates: rerank,
        })
    }
}

/// Rejects stored scales that are not one finite positive value per dimension.
pub(crate) fn check_scales(what: &str, scales: &[f32], dim: usize) -> Result<()> {
    if scales.len() != dim {
        return Err(Error::corrupt(format!(
            "{what}: {} scales for dimension {dim}",
            scales.len()
        )));
    }
    if scales.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(Error::corrupt(format!(
            "{what}: scale not finite and positive"
        )));
    }
    Ok(())
}

struct Scan<'a> {
    c: &'a Int8Codes,
    store: &'a VectorStore,
    e: &'a [i8],
    t: f32,
    l2: bool,
    cand: usize,
    allow: Option<&'a AllowList<'a>>,
}

/// Rows ahead to prefetch in the scans (each row is `dim` bytes, a few cache lines).
const PREFETCH_ROWS: usize = 8;

#[inline(always)]
fn prefetch_row<const AVX: bool>(codes: &[i8], slot: u32, dim: usize) {
    let at = slot as usize * dim;
    if AVX && let Some(row) = codes.get(at..at + dim) {
        prefetch_lines(row);
    }
}

#[inline(always)]
fn scan_impl<const AVX: bool>(s: &Scan<'_>) -> TopK<f32> {
    let c = s.c;
    let dim = s.store.dim();
    let live = s.store.live();
    let mut top = TopK::<f32>::new(s.cand);
    let mut worst = f32::NEG_INFINITY;
    let mut full = false;
    let mut offer = |slot: u32, top: &mut TopK<f32>| {
        let o = slot as usize * dim;
        let codes = &c.codes[o..o + dim];
        #[cfg(target_arch = "x86_64")]
        let d = if AVX {
            // SAFETY: AVX is only true inside `scan_avx`, reached after detecting avx2 + fma.
            unsafe { crate::index::distance::avx::dot_i8(s.e, codes) }
        } else {
            dot_i8_portable(s.e, codes)
        };
        #[cfg(not(target_arch = "x86_64"))]
        let d = dot_i8_portable(s.e, codes);
        let d = s.t * d as f32;
        let sc = if s.l2 {
            2.0 * d - c.norms2[slot as usize]
        } else {
            d
        };
        // rows arrive in slot order: an exact tie with the worst kept goes to the TopK,
        // which keeps the lower id
        if !full || sc >= worst {
            top.push(sc, s.store.id_at(slot));
            if let Some(w) = top.threshold() {
                worst = w;
                full = true;
            }
        }
    };
    match s.allow {
        None => {
            for slot in live.iter() {
                prefetch_row::<AVX>(&c.codes, slot + PREFETCH_ROWS as u32, dim);
                offer(slot, &mut top);
            }
        }
        Some(a) => {
            // allowed live slots first, so rows can be prefetched ahead of the scan
            let mut slots = Vec::with_capacity(a.len().min(s.store.len()));
            a.for_each(|id| {
                if let Some(slot) = s.store.slot_of(id) {
                    slots.push(slot);
                }
            });
            for (i, &slot) in slots.iter().enumerate() {
                if let Some(&ahead) = slots.get(i + PREFETCH_ROWS) {
                    prefetch_row::<AVX>(&c.codes, ahead, dim);
                }
                offer(slot, &mut top);
            }
        }
    }
    top
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scan_avx(s: &Scan<'_>) -> TopK<f32> {
    scan_impl::<true>(s)
}

serde_via_bytes!(QuantizedIndex, "fairmatch quantized index bytes");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::distance::Metric;
    use crate::index::flat::FlatIndex;

    #[test]
    fn reranked_results_match_exact_on_small_data() {
        for metric in [Metric::Cosine, Metric::InnerProduct, Metric::SquaredL2] {
            let mut s = VectorStore::new("m", 16, metric).unwrap();
            for i in 0..300u32 {
                let v: Vec<f32> = (0..16)
                    .map(|d| ((i * 7 + d * 13) as f32 * 0.37).sin())
                    .collect();
                s.upsert(i * 2, &v).unwrap();
            }
            let flat = FlatIndex::new(s.clone());
            let qi = QuantizedIndex::build(s, DEFAULT_RERANK_CANDIDATES).unwrap();
            assert!(qi.scan_bytes() * 3 < flat.memory_bytes());
            let q: Vec<f32> = (0..16).map(|d| (d as f32 * 0.21).cos()).collect();
            let query = Query::new("m", &q);
            assert_eq!(
                qi.search(&query, 10, None).unwrap(),
                flat.search(&query, 10, None).unwrap()
            );
            let back = QuantizedIndex::from_bytes(&qi.to_bytes()).unwrap();
            assert_eq!(
                back.search(&query, 10, None).unwrap(),
                qi.search(&query, 10, None).unwrap()
            );
            assert!(qi.search(&query, 0, None).is_err());
            assert!(QuantizedIndex::from_bytes(&qi.to_bytes()[..40]).is_err());
        }
        let empty = VectorStore::new("m", 3, Metric::Cosine).unwrap();
        let qi = QuantizedIndex::build(empty, 10).unwrap();
        assert!(
            qi.search(&Query::new("m", &[1.0, 0.0, 0.0]), 3, None)
                .unwrap()
                .is_empty()
        );
    }
}
