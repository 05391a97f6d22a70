//! Exact (brute-force) search: the oracle every approximate index is measured against.

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::ids::DocId;
use crate::index::codec::serde_via_bytes;
use crate::index::distance::{Metric, block, has_fma, prefetch_lines, to_score};
use crate::index::filter::AllowList;
use crate::index::store::{Hit, Query, VectorStore};
use crate::util::{IdMap, NO_SLOT, TopK};

/// Rows per cache block of the scan: 32 rows × 384 f32 = 48 KiB, which stays in L1/L2 while
/// a chunk of queries passes over it.
const ROW_BLOCK: usize = 32;
/// Most queries per rayon task in a batch. Every row is read from memory once per chunk, so
/// large chunks turn a DRAM-bound batch into a compute-bound one (measured at 100k × 384, one
/// thread: 16 → 0.43x of faiss's BLAS batch, 64 → 0.6x, 256 → 0.8–1.0x); 256 queries × 1.5 KiB
/// stay in L2.
const QUERY_CHUNK: usize = 256;
/// How many rows ahead the single-query scan prefetches.
const PREFETCH_ROWS: usize = 8;

/// Rejects `k = 0` (field `k`).
pub(crate) fn check_k(k: usize) -> Result<()> {
    if k == 0 {
        return Err(Error::invalid("k", "must be at least 1"));
    }
    Ok(())
}

/// A top-k collector that skips rows which cannot enter. Rows arrive in slot order, not id
/// order, so a row scoring exactly the current worst still goes to the [`TopK`], whose order
/// (score, then lower id) settles the tie.
struct Collector {
    top: TopK<f32>,
    k: usize,
    worst: f32,
    full: bool,
}

impl Collector {
    fn new(k: usize) -> Self {
        Collector {
            top: TopK::new(k),
            k,
            worst: f32::NEG_INFINITY,
            full: false,
        }
    }
    /// Offers a row; its id is looked up only if the row can enter.
    #[inline(always)]
    fn offer(&mut self, score: f32, id: impl FnOnce() -> DocId) {
        if !self.full || score >= self.worst {
            self.top.push(score, id());
            if self.top.len() == self.k {
                self.full = true;
                self.worst = self.top.threshold().unwrap_or(f32::NEG_INFINITY);
            }
        }
    }
    fn hits(self) -> Vec<Hit> {
        self.top
            .into_sorted_vec()
            .into_iter()
            .map(|(score, id)| Hit { id, score })
            .collect()
    }
}

/// Scans every live row for each query in `qs`, in row blocks, four queries by two rows at a
/// time (register blocking), then single queries by four rows.
#[inline(always)]
#[allow(clippy::needless_range_loop)] // index loops over fixed-size register blocks
fn scan_all_impl<const FMA: bool, const L2: bool>(
    store: &VectorStore,
    qs: &[&[f32]],
    cols: &mut [Collector],
) {
    let dim = store.dim();
    let data = store.raw();
    let live = store.live();
    let slots = store.slots();
    let row = |i: usize| &data[i * dim..(i + 1) * dim];
    let mut b0 = 0;
    while b0 < slots {
        let b1 = (b0 + ROW_BLOCK).min(slots);
        let mut j = 0;
        // four queries by two rows: 8 accumulators, each row chunk loaded once for 4 queries
        while j + 4 <= qs.len() {
            let qv = [qs[j], qs[j + 1], qs[j + 2], qs[j + 3]];
            let mut r = b0;
            while r + 2 <= b1 {
                let s = block::<FMA, L2, 4, 2>(qv, [row(r), row(r + 1)]);
                for t in 0..2 {
                    let slot = (r + t) as u32;
                    if live.contains(slot) {
                        for u in 0..4 {
                            cols[j + u].offer(to_score(L2, s[u][t]), || store.id_at(slot));
                        }
                    }
                }
                r += 2;
            }
            if r < b1 {
                let slot = r as u32;
                if live.contains(slot) {
                    let s = block::<FMA, L2, 4, 1>(qv, [row(r)]);
                    for u in 0..4 {
                        cols[j + u].offer(to_score(L2, s[u][0]), || store.id_at(slot));
                    }
                }
            }
            j += 4;
        }
        // A lone query streams the rows in order, one row at a time: one sequential stream is
        // what the hardware prefetcher follows best. Measured at 100k × 384 against faiss
        // IndexFlatIP on an idle machine: 1.01–1.10x, where four interleaved rows with
        // software prefetch gave 0.82–1.00x and without it 0.70x (benches/README.md "Index").
        if qs.len() == 1 {
            for r in b0..b1 {
                let slot = r as u32;
                if live.contains(slot) {
                    let s = block::<FMA, L2, 1, 1>([qs[0]], [row(r)]);
                    cols[0].offer(to_score(L2, s[0][0]), || store.id_at(slot));
                }
            }
            b0 = b1;
            continue;
        }
        // remaining queries of a batch one at a time, four rows per step (the block's rows are
        // in cache by now; rows ahead are prefetched for the first query of the block)
        while j < qs.len() {
            let mut r = b0;
            while r + 4 <= b1 {
                if FMA {
                    let ahead = (r + PREFETCH_ROWS) * dim;
                    let end = (ahead + 4 * dim).min(data.len());
                    if let Some(rows) = data.get(ahead..end) {
                        prefetch_lines(rows);
                    }
                }
                let xs = [row(r), row(r + 1), row(r + 2), row(r + 3)];
                let s = block::<FMA, L2, 1, 4>([qs[j]], xs);
                for t in 0..4 {
                    let slot = (r + t) as u32;
                    if live.contains(slot) {
                        cols[j].offer(to_score(L2, s[0][t]), || store.id_at(slot));
                    }
                }
                r += 4;
            }
            while r < b1 {
                let slot = r as u32;
                if live.contains(slot) {
                    let s = block::<FMA, L2, 1, 1>([qs[j]], [row(r)]);
                    cols[j].offer(to_score(L2, s[0][0]), || store.id_at(slot));
                }
                r += 1;
            }
            j += 1;
        }
        b0 = b1;
    }
}

/// Scores the allowed live rows for one query, four rows at a time.
#[inline(always)]
fn scan_ids_impl<const FMA: bool, const L2: bool>(
    store: &VectorStore,
    q: &[f32],
    allow: &AllowList<'_>,
    col: &mut Collector,
) {
    // one loop per form of the id map, so the lookup is not dispatched per id
    match store.id_index() {
        IdMap::Dense { slots, .. } => scan_ids_by::<FMA, L2>(store, q, allow, col, |id| {
            slots.get(id as usize).copied().filter(|&s| s != NO_SLOT)
        }),
        IdMap::Hashed(m) => scan_ids_by::<FMA, L2>(store, q, allow, col, |id| m.get(&id).copied()),
    }
}

#[inline(always)]
fn scan_ids_by<const FMA: bool, const L2: bool>(
    store: &VectorStore,
    q: &[f32],
    allow: &AllowList<'_>,
    col: &mut Collector,
    slot_of: impl Fn(DocId) -> Option<u32>,
) {
    // (slot, id) of up to four allowed live rows
    let mut buf = [(0u32, 0 as DocId); 4];
    let mut n = 0;
    let flush = |rows: &[(u32, DocId)], col: &mut Collector| {
        if rows.len() == 4 {
            let xs: [&[f32]; 4] = std::array::from_fn(|t| store.row_at(rows[t].0));
            let s = block::<FMA, L2, 1, 4>([q], xs);
            for t in 0..4 {
                col.offer(to_score(L2, s[0][t]), || rows[t].1);
            }
        } else {
            for &(slot, id) in rows {
                let s = block::<FMA, L2, 1, 1>([q], [store.row_at(slot)]);
                col.offer(to_score(L2, s[0][0]), || id);
            }
        }
    };
    allow.for_each(|id| {
        if let Some(slot) = slot_of(id) {
            buf[n] = (slot, id);
            n += 1;
            if n == 4 {
                flush(&buf, col);
                n = 0;
            }
        }
    });
    flush(&buf[..n], col);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scan_all_fma<const L2: bool>(store: &VectorStore, qs: &[&[f32]], cols: &mut [Collector]) {
    scan_all_impl::<true, L2>(store, qs, cols)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn scan_ids_fma<const L2: bool>(
    store: &VectorStore,
    q: &[f32],
    allow: &AllowList<'_>,
    col: &mut Collector,
) {
    scan_ids_impl::<true, L2>(store, q, allow, col)
}

fn scan_all(store: &VectorStore, qs: &[&[f32]], cols: &mut [Collector]) {
    let l2 = store.metric().is_l2();
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: avx2 and fma are available (checked by has_fma).
        unsafe {
            if l2 {
                scan_all_fma::<true>(store, qs, cols)
            } else {
                scan_all_fma::<false>(store, qs, cols)
            }
        }
        return;
    }
    if l2 {
        scan_all_impl::<false, true>(store, qs, cols)
    } else {
        scan_all_impl::<false, false>(store, qs, cols)
    }
}

fn scan_ids(store: &VectorStore, q: &[f32], allow: &AllowList<'_>, col: &mut Collector) {
    let l2 = store.metric().is_l2();
    #[cfg(target_arch = "x86_64")]
    if has_fma() {
        // SAFETY: avx2 and fma are available (checked by has_fma).
        unsafe {
            if l2 {
                scan_ids_fma::<true>(store, q, allow, col)
            } else {
                scan_ids_fma::<false>(store, q, allow, col)
            }
        }
        return;
    }
    if l2 {
        scan_ids_impl::<false, true>(store, q, allow, col)
    } else {
        scan_ids_impl::<false, false>(store, q, allow, col)
    }
}

/// Exact top-`k` of one prepared query (k ≥ 1 checked by the caller).
pub(crate) fn exact_one(
    store: &VectorStore,
    q: &[f32],
    k: usize,
    allow: Option<&AllowList<'_>>,
) -> Vec<Hit> {
    let mut col = [Collector::new(k)];
    match allow {
        None => scan_all(store, &[q], &mut col),
        Some(a) => scan_ids(store, q, a, &mut col[0]),
    }
    let [c] = col;
    c.hits()
}

/// Exact top-`k` of many prepared queries, in parallel across query chunks.
pub(crate) fn exact_many(
    store: &VectorStore,
    qs: &[Vec<f32>],
    k: usize,
    allow: Option<&AllowList<'_>>,
) -> Vec<Vec<Hit>> {
    match allow {
        Some(a) => qs
            .par_iter()
            .map(|q| exact_one(store, q, k, Some(a)))
            .collect(),
        None => qs
            .par_chunks(
                qs.len()
                    .div_ceil(rayon::current_num_threads())
                    .clamp(4, QUERY_CHUNK),
            )
            .flat_map_iter(|chunk| {
                let refs: Vec<&[f32]> = chunk.iter().map(Vec::as_slice).collect();
                let mut cols: Vec<Collector> =
                    (0..chunk.len()).map(|_| Collector::new(k)).collect();
                scan_all(store, &refs, &mut cols);
                cols.into_iter().map(Collector::hits)
            })
            .collect(),
    }
}

/// Validates and prepares a batch of queries; errors name `queries[i]`.
pub(crate) fn prepare_batch(store: &VectorStore, queries: &[Query<'_>]) -> Result<Vec<Vec<f32>>> {
    queries
        .iter()
        .enumerate()
        .map(|(i, q)| store.prepare_query(&format!("queries[{i}]"), q))
        .collect()
}

/// The query and allow-list checks every index's `search` makes after its own parameter
/// checks (`k`, `ef`), in this order: the query (prepared for the store's metric), then the
/// allow-list.
pub(crate) fn prepare_one(
    store: &VectorStore,
    query: &Query<'_>,
    allow: Option<&AllowList<'_>>,
) -> Result<Vec<f32>> {
    let q = store.prepare_query("query", query)?;
    if let Some(a) = allow {
        a.validate()?;
    }
    Ok(q)
}

/// [`prepare_one`] for `search_batch`: every query (errors name `queries[i]`), then the
/// allow-list.
pub(crate) fn prepare_many(
    store: &VectorStore,
    queries: &[Query<'_>],
    allow: Option<&AllowList<'_>>,
) -> Result<Vec<Vec<f32>>> {
    let qs = prepare_batch(store, queries)?;
    if let Some(a) = allow {
        a.validate()?;
    }
    Ok(qs)
}

/// Exact brute-force index over a [`VectorStore`].
///
/// Scores every live row (or every allowed live row) with the shared kernel (`distance` module
/// docs) and keeps the top `k` with [`crate::TopK`] (no full sort); ties go to the lower id.
/// Results are exactly those of a naive "score all, sort by (score desc, id asc), take k".
#[derive(Debug, Clone, PartialEq)]
pub struct FlatIndex {
    store: VectorStore,
}

impl FlatIndex {
    /// Wraps an existing store (no copy, nothing to build).
    pub fn new(store: VectorStore) -> Self {
        FlatIndex { store }
    }

    /// An empty index; same checks as [`VectorStore::new`].
    pub fn empty(model_id: &str, dim: usize, metric: Metric) -> Result<Self> {
        Ok(FlatIndex::new(VectorStore::new(model_id, dim, metric)?))
    }

    /// The underlying store.
    pub fn store(&self) -> &VectorStore {
        &self.store
    }

    /// Gives the store back.
    pub fn into_store(self) -> VectorStore {
        self.store
    }

    /// Number of live rows.
    pub fn len(&self) -> usize {
        self.store.len()
    }

    /// Whether no row is live.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty()
    }

    /// Bytes scanned per query (the f32 rows).
    pub fn memory_bytes(&self) -> usize {
        self.store.memory_bytes()
    }

    /// Inserts or replaces a row; same checks as [`VectorStore::upsert`].
    pub fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        self.store.upsert(id, vector)
    }

    /// Tombstones a row; returns whether it was live.
    pub fn remove(&mut self, id: DocId) -> bool {
        self.store.remove(id)
    }

    /// The exact top-`k` rows for `query`, best first (ties by ascending id), restricted to
    /// `allow` when given.
    ///
    /// Errors: `k = 0` (`k`); a query from another model ([`Error::UnknownId`], kind model);
    /// wrong length ([`Error::DimensionMismatch`] on `query.vector`); NaN/inf components; a
    /// zero query under cosine; an unsorted [`AllowList::Sorted`]. An empty index or an
    /// allow-list admitting no live row gives `Ok(vec![])`; fewer than `k` live rows give them all.
    pub fn search(
        &self,
        query: &Query<'_>,
        k: usize,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Hit>> {
        check_k(k)?;
        let q = prepare_one(&self.store, query, allow.as_ref())?;
        Ok(exact_one(&self.store, &q, k, allow.as_ref()))
    }

    /// [`FlatIndex::search`] for many queries at once, in parallel across chunks of queries
    /// (rayon); each chunk (up to 256 queries) shares every cached block of rows. Result `i` is exactly
    /// `search(&queries[i], k, allow)`. Errors as `search`, naming `queries[i]`; nothing is
    /// searched if any query is invalid.
    pub fn search_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Vec<Hit>>> {
        check_k(k)?;
        let qs = prepare_many(&self.store, queries, allow.as_ref())?;
        Ok(exact_many(&self.store, &qs, k, allow.as_ref()))
    }

    /// Serialised form: the store's bytes ([`VectorStore::to_bytes`]).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.store.to_bytes()
    }

    /// Loads [`FlatIndex::to_bytes`] output; [`Error::CorruptSnapshot`] on any inconsistency.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Ok(FlatIndex::new(VectorStore::from_bytes(bytes)?))
    }
}

serde_via_bytes!(FlatIndex, "fairmatch flat index bytes");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::distance::score_pair;
    use crate::util::{BitSet, cmp_score_desc_id_asc};
    use proptest::prelude::*;

    /// The naive reference: score every allowed live row, full sort, take k.
    fn naive(s: &VectorStore, q: &[f32], k: usize, allow: Option<&BitSet>) -> Vec<Hit> {
        let qp = s.prepare("q", q).unwrap();
        let mut all: Vec<(f32, u32)> = s
            .ids()
            .filter(|id| allow.is_none_or(|a| a.contains(*id)))
            .map(|id| (score_pair(s.metric(), &qp, s.get(id).unwrap()), id))
            .collect();
        all.sort_by(|a, b| cmp_score_desc_id_asc(*a, *b));
        all.truncate(k);
        all.into_iter()
            .map(|(score, id)| Hit { id, score })
            .collect()
    }

    fn metric_strategy() -> impl Strategy<Value = Metric> {
        prop_oneof![
            Just(Metric::Cosine),
            Just(Metric::InnerProduct),
            Just(Metric::SquaredL2)
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(96))]
        /// Flat search equals the naive reference exactly, ties by id included (small integer
        /// components make many exact ties), for single, batched and filtered search.
        #[test]
        fn flat_equals_naive(
            metric in metric_strategy(),
            dim in 1usize..21,
            rows in proptest::collection::vec((0u32..80, proptest::collection::vec(-2i8..3, 20)), 0..60),
            qs in proptest::collection::vec(proptest::collection::vec(-2i8..3, 20), 1..5),
            k in 1usize..12,
            allow_mask in proptest::collection::vec(any::<bool>(), 80),
        ) {
            let mut s = VectorStore::new("m", dim, metric).unwrap();
            for (id, v) in &rows {
                let v: Vec<f32> = v[..dim].iter().map(|&x| f32::from(x)).collect();
                let _ = s.upsert(*id, &v); // zero vectors under cosine are rejected: fine
            }
            let idx = FlatIndex::new(s.clone());
            let allow = BitSet::from_ids((0..80).filter(|i| allow_mask[*i as usize]));
            let sorted: Vec<u32> = allow.iter().collect();
            let qv: Vec<Vec<f32>> = qs.iter()
                .map(|q| q[..dim].iter().map(|&x| f32::from(x) + 0.5).collect())
                .collect();
            let queries: Vec<Query<'_>> = qv.iter().map(|q| Query::new("m", q)).collect();
            let batch = idx.search_batch(&queries, k, None).unwrap();
            let fbatch = idx.search_batch(&queries, k, Some(AllowList::Bits(&allow))).unwrap();
            for (i, q) in qv.iter().enumerate() {
                let want = naive(&s, q, k, None);
                prop_assert_eq!(&idx.search(&queries[i], k, None).unwrap(), &want);
                prop_assert_eq!(&batch[i], &want);
                let fwant = naive(&s, q, k, Some(&allow));
                prop_assert_eq!(&idx.search(&queries[i], k, Some(AllowList::Bits(&allow))).unwrap(), &fwant);
                prop_assert_eq!(&idx.search(&queries[i], k, Some(AllowList::Sorted(&sorted))).unwrap(), &fwant);
                prop_assert_eq!(&fbatch[i], &fwant);
            }
        }
    }

    #[test]
    fn bad_input_is_typed() {
        let mut idx = FlatIndex::empty("m", 2, Metric::Cosine).unwrap();
        let q = [1.0f32, 0.0];
        assert!(
            idx.search(&Query::new("m", &q), 3, None)
                .unwrap()
                .is_empty()
        );
        idx.upsert(0, &[1.0, 1.0]).unwrap();
        idx.upsert(3, &[1.0, -1.0]).unwrap();
        assert!(idx.search(&Query::new("m", &q), 0, None).is_err());
        assert!(matches!(
            idx.search(&Query::new("other", &q), 1, None),
            Err(Error::UnknownId { .. })
        ));
        assert!(matches!(
            idx.search(&Query::new("m", &[1.0]), 1, None),
            Err(Error::DimensionMismatch { .. })
        ));
        assert!(idx.search(&Query::new("m", &[0.0, 0.0]), 1, None).is_err());
        assert!(
            idx.search(&Query::new("m", &[f32::NAN, 0.0]), 1, None)
                .is_err()
        );
        assert!(
            idx.search(&Query::new("m", &q), 1, Some(AllowList::Sorted(&[3, 0])))
                .is_err()
        );
        let none = BitSet::default();
        assert!(
            idx.search(&Query::new("m", &q), 1, Some(AllowList::Bits(&none)))
                .unwrap()
                .is_empty()
        );
        let e = idx
            .search_batch(&[Query::new("m", &q), Query::new("m", &[1.0])], 1, None)
            .unwrap_err();
        assert!(e.to_string().contains("queries[1]"));
        let hits = idx.search(&Query::new("m", &q), 5, None).unwrap();
        assert_eq!(hits.iter().map(|h| h.id).collect::<Vec<_>>(), vec![0, 3]);
        assert!((hits[0].score - std::f32::consts::FRAC_1_SQRT_2).abs() < 1e-6);
        let back = FlatIndex::from_bytes(&idx.to_bytes()).unwrap();
        assert_eq!(back.search(&Query::new("m", &q), 5, None).unwrap(), hits);
    }
}
