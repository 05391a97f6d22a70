//! [`VectorIndex`]: what [`FlatIndex`], [`HnswIndex`] and [`QuantizedIndex`] share, so a
//! binding (or any caller generic over the index type) writes each operation once.
//!
//! The rules that are the same for every index live here: a batch upsert is all-or-none
//! (every row validated before any is applied, errors naming `vectors[i]`), and an empty index
//! of a type that is better built in bulk ([`VectorIndex::rebuilt`]: HNSW's parallel graph
//! build, the quantized index's scale training) is built over the whole batch instead of row
//! by row.

use super::{
    AllowList, FlatIndex, Hit, HnswBuilder, HnswIndex, QuantizedIndex, Query, VectorStore,
};
use crate::{DocId, Error, Result};

/// The operations every vector index offers. Method names match the types' inherent methods;
/// `ef` (the candidate list size of an approximate search) is ignored by exact indexes.
pub trait VectorIndex: Sized + Send + Sync {
    /// The rows, model id, dimension and metric.
    fn store(&self) -> &VectorStore;

    /// Number of live rows.
    fn len(&self) -> usize {
        self.store().len()
    }

    /// Whether no row is live.
    fn is_empty(&self) -> bool {
        self.store().is_empty()
    }

    /// Approximate bytes held (rows, graph links, int8 codes).
    fn memory_bytes(&self) -> usize;

    /// Inserts or replaces row `id`; rejects what [`VectorStore::upsert`] rejects (wrong
    /// dimension, non-finite components, a zero vector under cosine) and changes nothing then.
    fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()>;

    /// Inserts or replaces many rows, **all or none**: row `i` is `(ids[i], vectors[i])`; a
    /// later duplicate id replaces an earlier one. Every row is validated before any is
    /// applied; errors name `vectors[i]` (wrong dimension: [`Error::DimensionMismatch`];
    /// `vectors[i][j]` for a non-finite component) or `vectors` when the lengths differ. An
    /// empty index whose type is better built in bulk ([`VectorIndex::rebuilt`]) is built
    /// over the whole batch.
    fn upsert_many<R: AsRef<[f32]>>(&mut self, ids: &[DocId], vectors: &[R]) -> Result<()> {
        if ids.len() != vectors.len() {
            return Err(Error::invalid(
                "vectors",
                format!(
                    "has {} rows but ids has {} entries",
                    vectors.len(),
                    ids.len()
                ),
            ));
        }
        let s = self.store();
        let at = |i: usize| move |e: Error| e.at_item("vector", "vectors", i);
        if self.is_empty() {
            let mut fresh = VectorStore::new(s.model_id(), s.dim(), s.metric())?;
            for (i, (&id, v)) in ids.iter().zip(vectors).enumerate() {
                fresh.upsert(id, v.as_ref()).map_err(at(i))?;
            }
            // `fresh` holds every row: a bulk build or the row-by-row path below sees only
            // valid rows
            if let Some(built) = self.rebuilt(fresh) {
                *self = built?;
                return Ok(());
            }
        } else {
            for (i, v) in vectors.iter().enumerate() {
                s.prepare("vector", v.as_ref()).map_err(at(i))?;
            }
        }
        for (i, (&id, v)) in ids.iter().zip(vectors).enumerate() {
            self.upsert(id, v.as_ref()).map_err(at(i))?;
        }
        Ok(())
    }

    /// Removes row `id`; returns whether it was live.
    fn remove(&mut self, id: DocId) -> bool;

    /// The top `k` rows for `query`, best first, ties by ascending id, restricted to `allow`
    /// when given (errors as the type's own `search`).
    fn search(
        &self,
        query: &Query<'_>,
        k: usize,
        ef: Option<usize>,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Hit>>;

    /// `search` for each query (in parallel); nothing is searched if any query is invalid.
    fn search_batch(
        &self,
        queries: &[Query<'_>],
        k: usize,
        ef: Option<usize>,
        allow: Option<AllowList<'_>>,
    ) -> Result<Vec<Vec<Hit>>>;

    /// The serialised index (explicit little-endian blocks).
    fn to_bytes(&self) -> Vec<u8>;

    /// Loads `to_bytes` output; [`Error::CorruptSnapshot`] on any inconsistency.
    fn from_bytes(bytes: &[u8]) -> Result<Self>;

    /// A fresh index over `store` with this index's settings, when the type is better built
    /// in bulk than by incremental upserts; `None`: upsert row by row (the flat index).
    fn rebuilt(&self, store: VectorStore) -> Option<Result<Self>> {
        let _ = store;
        None
    }
}

/// The methods every index type delegates to its own inherent ones; `ef` is passed through
/// as an expression of the binding `ef` (ignored by exact indexes).
macro_rules! delegate {
    ($t:ty, |$q:ident, $k:ident, $ef:ident, $allow:ident| $search:expr, $batch:expr) => {
        fn store(&self) -> &VectorStore {
            <$t>::store(self)
        }
        fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
            <$t>::upsert(self, id, vector)
        }
        fn remove(&mut self, id: DocId) -> bool {
            <$t>::remove(self, id)
        }
        fn search(
            &self,
            $q: &Query<'_>,
            $k: usize,
            $ef: Option<usize>,
            $allow: Option<AllowList<'_>>,
        ) -> Result<Vec<Hit>> {
            $search(self)
        }
        fn search_batch(
            &self,
            $q: &[Query<'_>],
            $k: usize,
            $ef: Option<usize>,
            $allow: Option<AllowList<'_>>,
        ) -> Result<Vec<Vec<Hit>>> {
            $batch(self)
        }
        fn to_bytes(&self) -> Vec<u8> {
            <$t>::to_bytes(self)
        }
        fn from_bytes(bytes: &[u8]) -> Result<Self> {
            <$t>::from_bytes(bytes)
        }
    };
}

impl VectorIndex for FlatIndex {
    delegate!(
        FlatIndex,
        |q, k, _ef, allow| |ix: &Self| ix.search(q, k, allow),
        |ix: &Self| ix.search_batch(q, k, allow)
    );
    fn memory_bytes(&self) -> usize {
        FlatIndex::memory_bytes(self)
    }
}

impl VectorIndex for HnswIndex {
    delegate!(
        HnswIndex,
        |q, k, ef, allow| |ix: &Self| ix.search(q, k, ef, allow),
        |ix: &Self| ix.search_batch(q, k, ef, allow)
    );
    fn memory_bytes(&self) -> usize {
        HnswIndex::memory_bytes(self)
    }
    /// The graph is built in parallel over the whole batch (same configuration).
    fn rebuilt(&self, store: VectorStore) -> Option<Result<Self>> {
        Some(
            HnswBuilder::new()
                .config(self.config().clone())
                .build(store),
        )
    }
}

impl VectorIndex for QuantizedIndex {
    delegate!(
        QuantizedIndex,
        |q, k, _ef, allow| |ix: &Self| ix.search(q, k, allow),
        |ix: &Self| ix.search_batch(q, k, allow)
    );
    /// The f32 rows plus the int8 scan codes.
    fn memory_bytes(&self) -> usize {
        QuantizedIndex::store(self).memory_bytes() + self.scan_bytes()
    }
    /// The int8 scales are trained on the whole batch.
    fn rebuilt(&self, store: VectorStore) -> Option<Result<Self>> {
        Some(QuantizedIndex::build(store, self.rerank_candidates()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::Metric;

    fn rows() -> Vec<Vec<f32>> {
        (0..40u32)
            .map(|i| vec![1.0 + i as f32, (i % 7) as f32, 0.5, (i % 3) as f32])
            .collect()
    }

    fn bad_batch_changes_nothing<I: VectorIndex>(mut ix: I) {
        let ids: Vec<u32> = (0..40).collect();
        let rs = rows();
        ix.upsert_many(&ids[..20], &rs[..20]).unwrap();
        let before = ix.to_bytes();
        let mut bad = rs[20..].to_vec();
        bad[7][2] = f32::NAN;
        let e = ix.upsert_many(&ids[20..], &bad).unwrap_err();
        assert!(e.to_string().contains("`vectors[7][2]`"), "{e}");
        let mut short = rs[20..].to_vec();
        short[3].pop();
        match ix.upsert_many(&ids[20..], &short).unwrap_err() {
            Error::DimensionMismatch { field, .. } => assert_eq!(field, "vectors[3]"),
            e => panic!("{e}"),
        }
        let e = ix.upsert_many(&ids[20..], &rs[21..]).unwrap_err();
        assert!(e.to_string().contains("`vectors`"), "{e}");
        assert_eq!(ix.to_bytes(), before, "a rejected batch changed the index");
        ix.upsert_many(&ids[20..], &rs[20..]).unwrap();
        assert_eq!(ix.len(), 40);
        let q = Query::new("m", &rs[13]);
        assert_eq!(ix.search(&q, 1, Some(64), None).unwrap()[0].id, 13);
        let again = I::from_bytes(&ix.to_bytes()).unwrap();
        assert_eq!(again.to_bytes(), ix.to_bytes());
    }

    fn empty_store() -> VectorStore {
        VectorStore::new("m", 4, Metric::SquaredL2).unwrap()
    }

    #[test]
    fn batch_upserts_are_all_or_none_for_every_index() {
        bad_batch_changes_nothing(FlatIndex::new(empty_store()));
        bad_batch_changes_nothing(HnswBuilder::new().build(empty_store()).unwrap());
        bad_batch_changes_nothing(QuantizedIndex::build(empty_store(), 8).unwrap());
    }

    #[test]
    fn a_rejected_first_batch_leaves_the_index_empty() {
        let mut ix = QuantizedIndex::build(empty_store(), 8).unwrap();
        let empty = ix.to_bytes();
        let mut rs = rows();
        rs[5] = vec![f32::INFINITY; 4];
        let ids: Vec<u32> = (0..40).collect();
        assert!(ix.upsert_many(&ids, &rs).is_err());
        assert!(ix.is_empty());
        assert_eq!(ix.to_bytes(), empty);
    }

    #[test]
    fn the_first_batch_into_an_empty_index_is_built_in_bulk() {
        let rs = rows();
        let ids: Vec<u32> = (0..40).collect();
        let mut ix = QuantizedIndex::build(empty_store(), 8).unwrap();
        ix.upsert_many(&ids, &rs).unwrap();
        let bulk = QuantizedIndex::build(
            {
                let mut s = empty_store();
                for (&id, r) in ids.iter().zip(&rs) {
                    s.upsert(id, r).unwrap();
                }
                s
            },
            8,
        )
        .unwrap();
        // scales trained on the batch, as a direct bulk build would
        assert_eq!(ix.scales(), bulk.scales());
        assert_eq!(
            VectorIndex::memory_bytes(&ix),
            ix.store().memory_bytes() + ix.scan_bytes()
        );
    }
}
