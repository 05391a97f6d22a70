//! The vector store: one collection's vectors, addressed by the engine's dense ids.

use crate::error::{EntityKind, Error, Result};
use crate::ids::DocId;
use crate::index::codec::{Reader, Writer, serde_via_bytes};
use crate::index::distance::{Metric, norm_f64};
use crate::index::mem;
use crate::util::TrimSpace;
use crate::util::{BitSet, IdMap};

/// Largest accepted dimension.
pub const MAX_DIM: usize = 1 << 16;
/// Longest accepted model id, in bytes.
pub const MAX_MODEL_ID_LEN: usize = 256;

const MAGIC: &[u8; 4] = b"FMVS";
const VERSION: u32 = 1;

/// A query vector together with the embedding model that produced it.
///
/// Every search checks `model_id` against the collection's model id (a mismatch is
/// [`Error::UnknownId`] with kind [`EntityKind::Model`]) and the vector's length against the
/// collection's dimension ([`Error::DimensionMismatch`]), so a 1536-d OpenAI query can never be
/// compared with 384-d MiniLM rows.
#[derive(Debug, Clone, Copy)]
pub struct Query<'a> {
    /// Model id the query was embedded with; must equal the collection's.
    pub model_id: &'a str,
    /// The query vector (not yet normalised; cosine collections normalise it).
    pub vector: &'a [f32],
}

impl<'a> Query<'a> {
    /// A query for `model_id` with `vector`.
    pub fn new(model_id: &'a str, vector: &'a [f32]) -> Self {
        Query { model_id, vector }
    }
}

/// One search result: the row id and its score (higher is better; see
/// [`Metric`] for what the score means under each metric).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Hit {
    /// The row's id (the engine's [`DocId`]).
    pub id: DocId,
    /// Score under the collection's metric; higher is better.
    pub score: f32,
}

/// A collection of vectors from one embedding model, one dimension and one metric, addressed by
/// the engine's dense [`DocId`]s (or any `u32` ids a caller picks).
///
/// Rows are stored packed, one *row slot* each, in the order they were first written (a
/// removed row's slot is reused by the next new id); an [`IdMap`] finds the slot of an id.
/// Memory is proportional to the rows stored, whatever the ids: one row with id 2^28 costs one
/// row, not 2^28. [`VectorStore::upsert`] replaces a row in place, [`VectorStore::remove`]
/// frees it; removed and never-written ids are not *live* and are never returned. Under
/// [`Metric::Cosine`] rows are stored L2-normalised. Every rejected call leaves the store
/// unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorStore {
    model_id: String,
    dim: usize,
    metric: Metric,
    /// Rows by slot, `dim` f32 each.
    data: Vec<f32>,
    /// Id of each slot (meaningful for live slots).
    slot_ids: Vec<DocId>,
    /// Live slots.
    live: BitSet,
    /// Id → slot of the live rows.
    index: IdMap,
    /// Free slots (removed rows), reused last-freed first.
    free: Vec<u32>,
}

/// Checks a vector: length, finite components, non-zero under cosine. Returns the prepared
/// copy (normalised under cosine).
pub(crate) fn prepare(field: &str, metric: Metric, dim: usize, v: &[f32]) -> Result<Vec<f32>> {
    if v.len() != dim {
        return Err(Error::DimensionMismatch {
            field: field.to_owned(),
            expected: dim,
            got: v.len(),
        });
    }
    if let Some(i) = v.iter().position(|x| !x.is_finite()) {
        return Err(Error::invalid(
            crate::error::indexed(field, i),
            format!("vector components must be finite, got {}", v[i]),
        ));
    }
    let mut out = v.to_vec();
    if metric == Metric::Cosine {
        let n = norm_f64(v);
        if n == 0.0 || !n.is_finite() {
            return Err(Error::invalid(
                field,
                "a zero vector has no direction: it cannot be used under the cosine metric",
            ));
        }
        let inv = 1.0 / n;
        for x in &mut out {
            *x = (f64::from(*x) * inv) as f32;
        }
    } else if norm_f64(v) > f64::from(f32::MAX).sqrt() {
        return Err(Error::invalid(
            field,
            "vector is too large: its squared norm overflows f32",
        ));
    }
    Ok(out)
}

/// The collection rules of [`VectorStore::new`]: a model id that is not empty and at most
/// [`MAX_MODEL_ID_LEN`] bytes (error on `model_field`), a dimension in `1..=MAX_DIM` (error
/// on `dim_field`). The engine checks embeddings with it before it stores anything.
pub(crate) fn check_collection(
    model_id: &str,
    dim: usize,
    model_field: &str,
    dim_field: &str,
) -> Result<()> {
    if model_id.trim_space().is_empty() {
        return Err(Error::invalid(model_field, "must not be empty"));
    }
    if model_id.len() > MAX_MODEL_ID_LEN {
        return Err(Error::invalid(
            model_field,
            format!("must be at most {MAX_MODEL_ID_LEN} bytes"),
        ));
    }
    if dim == 0 || dim > MAX_DIM {
        return Err(Error::invalid(
            dim_field,
            format!("must be in 1..={MAX_DIM}, got {dim}"),
        ));
    }
    Ok(())
}

impl VectorStore {
    /// An empty store for vectors of `model_id`, `dim` components, compared with `metric`.
    ///
    /// Rejects an empty model id or one longer than [`MAX_MODEL_ID_LEN`] bytes (`model_id`),
    /// and `dim` outside `1..=MAX_DIM` (`dim`).
    pub fn new(model_id: &str, dim: usize, metric: Metric) -> Result<Self> {
        check_collection(model_id, dim, "model_id", "dim")?;
        Ok(VectorStore {
            model_id: model_id.to_owned(),
            dim,
            metric,
            data: Vec::new(),
            slot_ids: Vec::new(),
            live: BitSet::default(),
            index: IdMap::default(),
            free: Vec::new(),
        })
    }

    /// The embedding model id of this collection.
    pub fn model_id(&self) -> &str {
        &self.model_id
    }
    /// Number of components per vector.
    pub fn dim(&self) -> usize {
        self.dim
    }
    /// The metric.
    pub fn metric(&self) -> Metric {
        self.metric
    }
    /// Number of live rows.
    pub fn len(&self) -> usize {
        self.index.len()
    }
    /// Whether no row is live.
    pub fn is_empty(&self) -> bool {
        self.live.is_empty()
    }
    /// Number of row slots: live rows plus freed slots awaiting reuse (at most the largest
    /// number of rows ever live at once).
    pub fn slots(&self) -> usize {
        self.slot_ids.len()
    }
    /// Whether `id` is live.
    pub fn contains(&self, id: DocId) -> bool {
        self.index.get(id).is_some()
    }
    /// The stored (under cosine: normalised) vector of `id`, if live.
    pub fn get(&self, id: DocId) -> Option<&[f32]> {
        self.index.get(id).map(|s| self.row_at(s))
    }
    /// Live ids in ascending order.
    pub fn ids(&self) -> impl Iterator<Item = DocId> + use<> {
        self.index.sorted().into_iter().map(|(id, _)| id)
    }
    /// Bytes held by the rows (every slot), the slot ids, the live set and the id map.
    pub fn memory_bytes(&self) -> usize {
        self.data.len() * 4
            + self.slot_ids.len() * 4
            + self.slots().div_ceil(8)
            + self.index.memory_bytes()
            + self.free.len() * 4
    }

    /// The row in `slot`.
    #[inline]
    pub(crate) fn row_at(&self, slot: u32) -> &[f32] {
        let o = slot as usize * self.dim;
        &self.data[o..o + self.dim]
    }
    /// The id of the row in `slot`.
    #[inline]
    pub(crate) fn id_at(&self, slot: u32) -> DocId {
        self.slot_ids[slot as usize]
    }
    /// The slot of live row `id`.
    #[inline]
    pub(crate) fn slot_of(&self, id: DocId) -> Option<u32> {
        self.index.get(id)
    }
    /// The id → slot map (scans match on its form once, outside their loops).
    pub(crate) fn id_index(&self) -> &IdMap {
        &self.index
    }
    /// All rows by slot (`slots() · dim` f32).
    pub(crate) fn raw(&self) -> &[f32] {
        &self.data
    }
    /// The live slots.
    pub(crate) fn live(&self) -> &BitSet {
        &self.live
    }
    /// Moves the rows into memory backed by huge pages (see `index::mem`), for indexes that
    /// read them at random (the HNSW walk). Contents are unchanged.
    pub(crate) fn place_for_random_access(&mut self) {
        mem::rehome(&mut self.data);
    }

    /// Validates `vector` for this collection without storing it, returning the prepared copy.
    /// `field` names it in errors.
    pub(crate) fn prepare(&self, field: &str, vector: &[f32]) -> Result<Vec<f32>> {
        prepare(field, self.metric, self.dim, vector)
    }

    /// Validates a query (model id, dimension, finiteness, zero vector under cosine) and returns
    /// the prepared vector. `field` names the query in errors.
    pub(crate) fn prepare_query(&self, field: &str, q: &Query<'_>) -> Result<Vec<f32>> {
        if q.model_id != self.model_id {
            return Err(Error::unknown(EntityKind::Model, q.model_id));
        }
        self.prepare(&format!("{field}.vector"), q.vector)
    }

    /// Inserts or replaces row `id` with `vector`.
    ///
    /// Rejects a wrong length ([`Error::DimensionMismatch`] on `vector`), NaN/inf components
    /// (`vector[i]`), a zero vector under cosine, a vector whose squared norm overflows, and an
    /// id whose slot cannot be allocated. On error nothing changes.
    pub fn upsert(&mut self, id: DocId, vector: &[f32]) -> Result<()> {
        let v = self.prepare("vector", vector)?;
        self.put_prepared(id, &v).map(|_| ())
    }

    /// Stores a prepared row under `id` (in place if live, else in a free or new slot); returns
    /// its slot. Fails only if memory for a new slot cannot be reserved.
    pub(crate) fn put_prepared(&mut self, id: DocId, v: &[f32]) -> Result<u32> {
        let slot = match self.index.get(id) {
            Some(s) => s,
            None => {
                let s = match self.free.pop() {
                    Some(s) => s,
                    None => {
                        let s = u32::try_from(self.slot_ids.len())
                            .ok()
                            .filter(|s| *s != u32::MAX)
                            .ok_or_else(|| Error::invalid("id", "too many rows"))?;
                        let cap = self.data.capacity();
                        self.data.try_reserve(self.dim).map_err(|_| {
                            Error::invalid("id", format!("cannot allocate room for row {id}"))
                        })?;
                        if self.data.capacity() != cap {
                            // grown rows are backed by huge pages from their first touch
                            mem::advise_huge(&self.data);
                        }
                        self.data.resize(self.data.len() + self.dim, 0.0);
                        self.slot_ids.push(id);
                        s
                    }
                };
                self.slot_ids[s as usize] = id;
                self.live.insert(s);
                self.index.insert(id, s);
                s
            }
        };
        let o = slot as usize * self.dim;
        self.data[o..o + self.dim].copy_from_slice(v);
        Ok(slot)
    }

    /// Removes row `id` (its slot is zeroed and reused by a later new id); returns whether it
    /// was live. Never fails.
    pub fn remove(&mut self, id: DocId) -> bool {
        match self.index.remove(id) {
            Some(s) => {
                self.live.remove(s);
                let o = s as usize * self.dim;
                self.data[o..o + self.dim].fill(0.0);
                self.free.push(s);
                true
            }
            None => false,
        }
    }

    /// Serialises to the documented byte format: magic `FMVS`, version u32, metric u8, dim u32,
    /// model id (u32 length + UTF-8), live count u32, live ids (u32, ascending), then each live
    /// row as `dim` little-endian f32. Gaps are not written.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut w = Writer::new(MAGIC, VERSION);
        w.u8(self.metric.code());
        w.u32(self.dim as u32);
        w.bytes(self.model_id.as_bytes());
        let rows = self.index.sorted();
        w.u32(rows.len() as u32);
        for (id, _) in &rows {
            w.u32(*id);
        }
        for (_, slot) in &rows {
            w.f32s(self.row_at(*slot));
        }
        w.buf
    }

    /// Loads bytes written by [`VectorStore::to_bytes`], validating everything (magic,
    /// version, metric, dimension, model id, ascending ids, exact length, finite components,
    /// unit norm under cosine). Any failure is [`Error::CorruptSnapshot`]; never panics.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let (mut r, _v) = Reader::open("vector store", bytes, MAGIC, VERSION)?;
        let metric = Metric::from_code(r.u8()?).ok_or_else(|| r.err("unknown metric code"))?;
        let dim = r.u32()? as usize;
        let model = std::str::from_utf8(r.bytes()?).map_err(|_| r.err("model id not UTF-8"))?;
        let mut s = VectorStore::new(model, dim, metric).map_err(|e| r.err(e))?;
        let n = r.u32()? as usize;
        let ids = r.u32s(n)?;
        if ids.windows(2).any(|w| w[0] >= w[1]) {
            return Err(r.err("row ids are not strictly ascending"));
        }
        let need = n.checked_mul(dim).ok_or_else(|| r.err("length overflow"))?;
        if need.checked_mul(4) != Some(r.remaining()) {
            return Err(r.err(format!(
                "expected {n} rows of {dim} f32, found {} bytes",
                r.remaining()
            )));
        }
        let rows = r.f32s(need)?;
        r.finish()?;
        for (i, (&id, v)) in ids.iter().zip(rows.chunks_exact(dim)).enumerate() {
            if v.iter().any(|x| !x.is_finite()) {
                return Err(Error::corrupt(format!(
                    "vector store: row {id} has a non-finite component"
                )));
            }
            if metric == Metric::Cosine && (norm_f64(v) - 1.0).abs() > 1e-3 {
                return Err(Error::corrupt(format!(
                    "vector store: row {id} is not unit-norm under cosine"
                )));
            }
            s.put_prepared(id, v)
                .map_err(|e| Error::corrupt(format!("vector store: row #{i}: {e}")))?;
        }
        Ok(s)
    }
}

serde_via_bytes!(VectorStore, "fairmatch vector store bytes");

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> VectorStore {
        VectorStore::new("minilm", 3, Metric::Cosine).unwrap()
    }

    #[test]
    fn rejects_bad_vectors_and_leaves_store_unchanged() {
        let mut s = store();
        s.upsert(2, &[3.0, 0.0, 4.0]).unwrap();
        let before = s.clone();
        assert!(matches!(
            s.upsert(1, &[1.0, 2.0]),
            Err(Error::DimensionMismatch {
                expected: 3,
                got: 2,
                ..
            })
        ));
        let e = s.upsert(1, &[1.0, f32::NAN, 0.0]).unwrap_err();
        assert!(e.to_string().contains("vector[1]"));
        assert!(s.upsert(1, &[f32::INFINITY, 0.0, 0.0]).is_err());
        assert!(s.upsert(1, &[0.0, 0.0, 0.0]).is_err());
        assert_eq!(s, before);
        assert_eq!(s.get(2).unwrap(), &[0.6, 0.0, 0.8]);
        assert!(s.get(0).is_none() && s.get(1).is_none());
        assert!(VectorStore::new("", 3, Metric::Cosine).is_err());
        assert!(VectorStore::new("m", 0, Metric::Cosine).is_err());
        let mut ip = VectorStore::new("m", 2, Metric::InnerProduct).unwrap();
        ip.upsert(0, &[0.0, 0.0]).unwrap(); // zero vector is fine for IP
        assert!(ip.upsert(1, &[f32::MAX, f32::MAX]).is_err());
    }

    #[test]
    fn query_checks_model_and_dim() {
        let s = store();
        let e = s
            .prepare_query("query", &Query::new("openai-3-small", &[1.0, 0.0, 0.0]))
            .unwrap_err();
        assert!(matches!(
            e,
            Error::UnknownId {
                kind: EntityKind::Model,
                ..
            }
        ));
        let e = s
            .prepare_query("query", &Query::new("minilm", &[1.0; 4]))
            .unwrap_err();
        assert!(matches!(e, Error::DimensionMismatch { .. }));
    }

    #[test]
    fn upsert_remove_and_bytes_roundtrip() {
        let mut s = store();
        s.upsert(5, &[1.0, 1.0, 0.0]).unwrap();
        s.upsert(0, &[0.0, 1.0, 0.0]).unwrap();
        s.upsert(5, &[0.0, 0.0, 2.0]).unwrap();
        assert_eq!(s.len(), 2);
        assert!(s.remove(0) && !s.remove(0) && !s.remove(99));
        assert_eq!(s.ids().collect::<Vec<_>>(), vec![5]);
        let b = s.to_bytes();
        let back = VectorStore::from_bytes(&b).unwrap();
        assert_eq!(back.get(5), s.get(5));
        assert_eq!(back.len(), 1);
        for cut in 0..b.len() {
            assert!(matches!(
                VectorStore::from_bytes(&b[..cut]),
                Err(Error::CorruptSnapshot { .. })
            ));
        }
        let mut bad = b.clone();
        let last = bad.len() - 1;
        bad[last] = 0xFF; // NaN in the last component
        assert!(VectorStore::from_bytes(&bad).is_err());
        let mut long = b;
        long.push(0);
        assert!(VectorStore::from_bytes(&long).is_err());
    }
}
