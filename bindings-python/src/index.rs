//! Vector collections: `fairmatch.FlatIndex`, `fairmatch.HnswIndex`, `fairmatch.QuantizedIndex`
//! over `fairmatch::index` (one Python class per Rust index).
//!
//! Vectors are float32: a numpy `float32` array is read in place (1-d for one vector, 2-d for
//! a batch; strided and Fortran-order arrays too), anything else is converted. Each class holds
//! its index behind a `RwLock`, so one object may be searched from many threads at once; every
//! call that builds or searches releases the GIL. Ids are the core's `DocId` (0..2^32). Hits
//! are `{"id": int, "score": float}` dicts, best first, ties by ascending id.

use std::borrow::Cow;
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use fairmatch::index::{
    AllowList, DEFAULT_RERANK_CANDIDATES, FlatIndex, Hit, HnswBuilder, HnswConfig, HnswIndex,
    Metric, QuantizedIndex, Query, VectorIndex, VectorStore,
};
use numpy::{PyReadonlyArray2, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyTuple};

use crate::convert::{arr, int, numpy_loaded, opt_int, text, to_py};
use crate::error::{IntoPy, invalid};

/// Rows of a 2-d float32 input: a numpy view, or converted rows.
enum Mat<'py> {
    View(PyReadonlyArray2<'py, f32>),
    Rows(Vec<Vec<f32>>),
}

impl Mat<'_> {
    /// One slice per row (borrowed from contiguous numpy rows, copied from strided ones).
    fn rows(&self) -> Vec<Cow<'_, [f32]>> {
        match self {
            Mat::View(a) => a
                .as_array()
                .into_outer_iter()
                .map(|r| match r.to_slice() {
                    Some(s) => Cow::Borrowed(s),
                    None => Cow::Owned(r.to_vec()),
                })
                .collect(),
            Mat::Rows(r) => r.iter().map(|v| Cow::Borrowed(v.as_slice())).collect(),
        }
    }
}

/// Reads a 2-d batch of vectors (zero-copy for a numpy float32 array).
fn mat<'py>(obj: &Bound<'py, PyAny>, field: &str) -> PyResult<Mat<'py>> {
    if numpy_loaded(obj.py()) {
        if let Ok(a) = obj.extract::<PyReadonlyArray2<'py, f32>>() {
            return Ok(Mat::View(a));
        }
        if let Ok(a) = obj.cast::<PyUntypedArray>() {
            if a.ndim() != 2 {
                return Err(invalid(
                    field,
                    format!(
                        "must be 2-d (one row per vector), got {} dimensions",
                        a.ndim()
                    ),
                ));
            }
            let conv = obj
                .call_method1("astype", ("float32",))
                .map_err(|e| invalid(field, e.to_string()))?;
            return Ok(Mat::View(conv.extract()?));
        }
    }
    let it = obj
        .try_iter()
        .map_err(|_| invalid(field, "must be a 2-d array or a sequence of vectors"))?;
    let mut rows = Vec::new();
    for (i, r) in it.enumerate() {
        rows.push(
            arr::<f32>(&r?, &format!("{field}[{i}]"))?
                .slice()
                .into_owned(),
        );
    }
    Ok(Mat::Rows(rows))
}

/// A row id (`DocId`, 0..2^32).
fn doc_id(v: &Bound<'_, PyAny>, field: &str) -> PyResult<u32> {
    int::<u32>(v, field)
}

/// An optional model id argument.
fn model_arg(m: Option<&Bound<'_, PyAny>>) -> PyResult<Option<String>> {
    m.filter(|m| !m.is_none())
        .map(|m| text(m, "model_id"))
        .transpose()
}

/// Allowed ids in any order (duplicates allowed): sorted and deduplicated for the core.
fn allow_ids(obj: Option<&Bound<'_, PyAny>>) -> PyResult<Option<Vec<u32>>> {
    match obj {
        Some(o) if !o.is_none() => {
            let mut ids = arr::<u32>(o, "allow")?.slice().into_owned();
            ids.sort_unstable();
            ids.dedup();
            Ok(Some(ids))
        }
        _ => Ok(None),
    }
}

/// `k`, `ef` and the allow-list of a search, checked and converted.
type SearchArgs = (usize, Option<usize>, Option<Vec<u32>>);

fn search_args(
    k: &Bound<'_, PyAny>,
    ef: Option<&Bound<'_, PyAny>>,
    allow: Option<&Bound<'_, PyAny>>,
) -> PyResult<SearchArgs> {
    Ok((int(k, "k")?, opt_int(ef, "ef")?, allow_ids(allow)?))
}

/// The shared state of every index class.
#[derive(Debug)]
struct Shared<T> {
    lock: RwLock<T>,
}

impl<T: VectorIndex> Shared<T> {
    fn new(ix: T) -> Self {
        Self {
            lock: RwLock::new(ix),
        }
    }

    fn read(&self) -> RwLockReadGuard<'_, T> {
        // A panic cannot leave an index half-written (every core call validates first), so a
        // poisoned lock still guards a consistent index.
        self.lock.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.lock.write().unwrap_or_else(|e| e.into_inner())
    }

    fn upsert(
        &self,
        py: Python<'_>,
        id: &Bound<'_, PyAny>,
        vector: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let id = doc_id(id, "id")?;
        let v = arr::<f32>(vector, "vector")?;
        let v = v.slice();
        py.detach(|| self.write().upsert(id, &v)).py_err()
    }

    /// All rows or none, with the core's bulk-build rule ([`VectorIndex::upsert_many`]).
    fn upsert_many(
        &self,
        py: Python<'_>,
        ids: &Bound<'_, PyAny>,
        vectors: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let ids = arr::<u32>(ids, "ids")?;
        let ids = ids.slice();
        let m = mat(vectors, "vectors")?;
        let rows = m.rows();
        py.detach(|| self.write().upsert_many(&ids, &rows)).py_err()
    }

    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        Ok(Self::new(py.detach(|| T::from_bytes(data)).py_err()?))
    }

    fn remove(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<bool> {
        let id = doc_id(id, "id")?;
        Ok(py.detach(|| self.write().remove(id)))
    }

    fn contains(&self, id: &Bound<'_, PyAny>) -> bool {
        doc_id(id, "id").is_ok_and(|id| self.read().store().contains(id))
    }

    fn search<'py>(
        &self,
        py: Python<'py>,
        query: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        ef: Option<&Bound<'py, PyAny>>,
        allow: Option<&Bound<'py, PyAny>>,
        model_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (k, ef, allow) = search_args(k, ef, allow)?;
        let model_id = model_arg(model_id)?;
        let q = arr::<f32>(query, "query")?;
        let q = q.slice();
        let hits = py
            .detach(|| {
                let ix = self.read();
                let model = model_id.as_deref().unwrap_or(ix.store().model_id());
                let a = allow.as_deref().map(AllowList::Sorted);
                ix.search(&Query::new(model, &q), k, ef, a)
            })
            .py_err()?;
        hits_to_py(py, &hits)
    }

    fn search_batch<'py>(
        &self,
        py: Python<'py>,
        queries: &Bound<'py, PyAny>,
        k: &Bound<'py, PyAny>,
        ef: Option<&Bound<'py, PyAny>>,
        allow: Option<&Bound<'py, PyAny>>,
        model_id: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let (k, ef, allow) = search_args(k, ef, allow)?;
        let model_id = model_arg(model_id)?;
        let m = mat(queries, "queries")?;
        let rows = m.rows();
        let all = py
            .detach(|| {
                let ix = self.read();
                let model = model_id.as_deref().unwrap_or(ix.store().model_id());
                let qs: Vec<Query<'_>> = rows.iter().map(|r| Query::new(model, r)).collect();
                let a = allow.as_deref().map(AllowList::Sorted);
                ix.search_batch(&qs, k, ef, a)
            })
            .py_err()?;
        let out = PyList::empty(py);
        for hits in &all {
            out.append(hits_to_py(py, hits)?)?;
        }
        Ok(out)
    }

    fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        let b = py.detach(|| self.read().to_bytes());
        PyBytes::new(py, &b)
    }

    fn repr(&self, class: &str) -> String {
        let ix = self.read();
        let s = ix.store();
        format!(
            "{class}(model_id={:?}, dim={}, metric={:?}, len={})",
            s.model_id(),
            s.dim(),
            s.metric().as_str(),
            s.len()
        )
    }
}

fn hits_to_py<'py>(py: Python<'py>, hits: &[Hit]) -> PyResult<Bound<'py, PyList>> {
    let out = PyList::empty(py);
    for h in hits {
        let d = PyDict::new(py);
        d.set_item("id", h.id)?;
        d.set_item("score", f64::from(h.score))?;
        out.append(d)?;
    }
    Ok(out)
}

/// The store of a new index from the constructor's `model_id`, `dim` and `metric`.
fn store(
    model_id: &Bound<'_, PyAny>,
    dim: &Bound<'_, PyAny>,
    metric: Option<&Bound<'_, PyAny>>,
) -> PyResult<VectorStore> {
    let metric = match metric.filter(|m| !m.is_none()) {
        Some(m) => text(m, "metric")?.parse::<Metric>().py_err()?,
        None => Metric::default(),
    };
    VectorStore::new(&text(model_id, "model_id")?, int(dim, "dim")?, metric).py_err()
}

fn reduce<'py>(
    slf: &Bound<'py, PyAny>,
    bytes: Bound<'py, PyBytes>,
) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
    let ctor = slf.get_type().getattr("from_bytes")?;
    Ok((ctor, PyTuple::new(slf.py(), [bytes])?))
}

/// Methods every index class has. `$extra` adds the class's own methods (constructor,
/// `search` with or without `ef`, settings).
macro_rules! index_class {
    ($rust:ident, $py:literal, $inner:ty, $doc:literal, { $($extra:tt)* }) => {
        #[doc = $doc]
        #[derive(Debug)]
        #[pyclass(module = "fairmatch", name = $py, frozen)]
        pub struct $rust {
            s: Shared<$inner>,
        }

        #[pymethods]
        impl $rust {
            $($extra)*

            /// The embedding model id every vector and query must come from.
            #[getter]
            fn model_id(&self) -> String {
                self.s.read().store().model_id().to_owned()
            }

            /// Number of components per vector.
            #[getter]
            fn dim(&self) -> usize {
                self.s.read().store().dim()
            }

            /// The metric's canonical name (`cosine`, `inner_product`, `squared_l2`).
            #[getter]
            fn metric(&self) -> &'static str {
                self.s.read().store().metric().as_str()
            }

            /// Number of live rows.
            fn __len__(&self) -> usize {
                VectorIndex::len(&*self.s.read())
            }

            /// Whether row `id` is live.
            fn __contains__(&self, id: &Bound<'_, PyAny>) -> bool {
                self.s.contains(id)
            }

            /// Approximate bytes held by the index.
            fn memory_bytes(&self) -> usize {
                VectorIndex::memory_bytes(&*self.s.read())
            }

            /// Inserts or replaces row `id` (validated: dimension, finite components,
            /// non-zero under cosine).
            fn upsert(
                &self,
                py: Python<'_>,
                id: &Bound<'_, PyAny>,
                vector: &Bound<'_, PyAny>,
            ) -> PyResult<()> {
                self.s.upsert(py, id, vector)
            }

            /// Inserts or replaces many rows, all or none: `ids` (n ints) and `vectors`
            /// (n × dim; a float32 numpy array is read without copying). Errors name
            /// `vectors[i]`.
            fn upsert_many(
                &self,
                py: Python<'_>,
                ids: &Bound<'_, PyAny>,
                vectors: &Bound<'_, PyAny>,
            ) -> PyResult<()> {
                self.s.upsert_many(py, ids, vectors)
            }

            /// Removes row `id`; returns whether it was live.
            fn remove(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<bool> {
                self.s.remove(py, id)
            }

            /// The serialised index (the core's validated byte format).
            fn to_bytes<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
                self.s.to_bytes(py)
            }

            /// Pickle support: `from_bytes(to_bytes())`.
            fn __reduce__<'py>(
                slf: &Bound<'py, Self>,
            ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
                let b = slf.get().s.to_bytes(slf.py());
                reduce(slf.as_any(), b)
            }

            fn __repr__(&self) -> String {
                self.s.repr($py)
            }
        }
    };
}

/// An index class whose search takes no `ef` (flat and quantized).
macro_rules! index_class_no_ef {
    ($rust:ident, $py:literal, $inner:ty, $doc:literal, { $($extra:tt)* }) => {
        index_class!($rust, $py, $inner, $doc, {
            /// The top `k` rows for `query` (best first, ties by lower id; exact scores),
            /// restricted to the ids in `allow` when given; `model_id` defaults to the
            /// index's.
            #[pyo3(signature = (query, k, *, allow=None, model_id=None))]
            fn search<'py>(
                &self,
                py: Python<'py>,
                query: &Bound<'py, PyAny>,
                k: &Bound<'py, PyAny>,
                allow: Option<&Bound<'py, PyAny>>,
                model_id: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyList>> {
                self.s.search(py, query, k, None, allow, model_id)
            }

            /// `search` for each row of `queries` (n × dim), in parallel.
            #[pyo3(signature = (queries, k, *, allow=None, model_id=None))]
            fn search_batch<'py>(
                &self,
                py: Python<'py>,
                queries: &Bound<'py, PyAny>,
                k: &Bound<'py, PyAny>,
                allow: Option<&Bound<'py, PyAny>>,
                model_id: Option<&Bound<'py, PyAny>>,
            ) -> PyResult<Bound<'py, PyList>> {
                self.s.search_batch(py, queries, k, None, allow, model_id)
            }

            $($extra)*
        });
    };
}

index_class_no_ef!(
    PyFlatIndex,
    "FlatIndex",
    FlatIndex,
    "Exact vector search (the oracle): `FlatIndex(model_id, dim, metric=\"cosine\")`.",
    {
        #[new]
        #[pyo3(signature = (model_id, dim, metric=None))]
        fn new(
            model_id: &Bound<'_, PyAny>,
            dim: &Bound<'_, PyAny>,
            metric: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            Ok(Self {
                s: Shared::new(FlatIndex::new(store(model_id, dim, metric)?)),
            })
        }

        /// Loads `to_bytes()` output; `SnapshotError` if invalid.
        #[staticmethod]
        fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
            Ok(Self {
                s: Shared::from_bytes(py, data)?,
            })
        }
    }
);

index_class!(
    PyHnswIndex,
    "HnswIndex",
    HnswIndex,
    "Approximate vector search on an HNSW graph (cosine or squared_l2): \
     `HnswIndex(model_id, dim, metric=\"cosine\", *, m=None, ef_construction=None, ...)`; \
     unset settings take the core's defaults (`HnswIndex.default_config()`). Filtered search \
     walks the graph with the allow-list and falls back to exact search for very selective \
     lists.",
    {
        #[new]
        #[pyo3(signature = (model_id, dim, metric=None, *, m=None, ef_construction=None, ef_search=None, max_layer=None, rebuild_tombstone_share=None, exact_fallback_share=None, int8_filter_share=None, parallel_build=None, seed=None))]
        #[allow(clippy::too_many_arguments)]
        fn new(
            py: Python<'_>,
            model_id: &Bound<'_, PyAny>,
            dim: &Bound<'_, PyAny>,
            metric: Option<&Bound<'_, PyAny>>,
            m: Option<&Bound<'_, PyAny>>,
            ef_construction: Option<&Bound<'_, PyAny>>,
            ef_search: Option<&Bound<'_, PyAny>>,
            max_layer: Option<&Bound<'_, PyAny>>,
            rebuild_tombstone_share: Option<f32>,
            exact_fallback_share: Option<f32>,
            int8_filter_share: Option<f32>,
            parallel_build: Option<bool>,
            seed: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            // unset arguments take the core's defaults
            let d = HnswConfig::default();
            let cfg = HnswConfig {
                m: opt_int(m, "hnsw.m")?.unwrap_or(d.m),
                ef_construction: opt_int(ef_construction, "hnsw.ef_construction")?
                    .unwrap_or(d.ef_construction),
                ef_search: opt_int(ef_search, "hnsw.ef_search")?.unwrap_or(d.ef_search),
                max_layer: opt_int(max_layer, "hnsw.max_layer")?.unwrap_or(d.max_layer),
                rebuild_tombstone_share: rebuild_tombstone_share
                    .unwrap_or(d.rebuild_tombstone_share),
                exact_fallback_share: exact_fallback_share.unwrap_or(d.exact_fallback_share),
                int8_filter_share: int8_filter_share.unwrap_or(d.int8_filter_share),
                parallel_build: parallel_build.unwrap_or(d.parallel_build),
                seed: opt_int(seed, "hnsw.seed")?.unwrap_or(d.seed),
            };
            let st = store(model_id, dim, metric)?;
            let ix = py
                .detach(|| HnswBuilder::new().config(cfg).build(st))
                .py_err()?;
            Ok(Self { s: Shared::new(ix) })
        }

        /// The approximate top `k` rows for `query` with candidate list size `ef`
        /// (default: the configured `ef_search`, at least `k`); `allow` restricts the ids.
        #[pyo3(signature = (query, k, ef=None, *, allow=None, model_id=None))]
        fn search<'py>(
            &self,
            py: Python<'py>,
            query: &Bound<'py, PyAny>,
            k: &Bound<'py, PyAny>,
            ef: Option<&Bound<'py, PyAny>>,
            allow: Option<&Bound<'py, PyAny>>,
            model_id: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyList>> {
            self.s.search(py, query, k, ef, allow, model_id)
        }

        /// `search` for each row of `queries` (n × dim), in parallel.
        #[pyo3(signature = (queries, k, ef=None, *, allow=None, model_id=None))]
        fn search_batch<'py>(
            &self,
            py: Python<'py>,
            queries: &Bound<'py, PyAny>,
            k: &Bound<'py, PyAny>,
            ef: Option<&Bound<'py, PyAny>>,
            allow: Option<&Bound<'py, PyAny>>,
            model_id: Option<&Bound<'py, PyAny>>,
        ) -> PyResult<Bound<'py, PyList>> {
            self.s.search_batch(py, queries, k, ef, allow, model_id)
        }

        /// The core's default configuration as a dict (what unset constructor arguments take).
        #[staticmethod]
        fn default_config(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
            to_py(py, &HnswConfig::default())
        }

        /// The configuration as a dict.
        fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
            let cfg = self.s.read().config().clone();
            to_py(py, &cfg)
        }

        /// Share of graph nodes that are stale (replaced or removed rows).
        fn tombstone_share(&self) -> f32 {
            self.s.read().tombstone_share()
        }

        /// Changes the default `ef` of later searches.
        fn set_ef_search(&self, ef: &Bound<'_, PyAny>) -> PyResult<()> {
            let ef = int(ef, "hnsw.ef_search")?;
            self.s.write().set_ef_search(ef).py_err()
        }

        /// Changes the allow-list share below which searches are exact.
        fn set_exact_fallback_share(&self, share: f32) -> PyResult<()> {
            self.s.write().set_exact_fallback_share(share).py_err()
        }

        /// Sets the share of live rows up to which an allow-list is answered by an int8 scan
        /// over the allowed rows + exact re-ranking (0 = off; turning it on encodes the rows).
        fn set_int8_filter_share(&self, py: Python<'_>, share: f32) -> PyResult<()> {
            let s = &self.s;
            py.detach(|| s.write().set_int8_filter_share(share))
                .py_err()
        }

        /// Rebuilds the graph from the live rows (drops stale nodes).
        fn rebuild(&self, py: Python<'_>) {
            py.detach(|| self.s.write().rebuild())
        }

        /// Loads `to_bytes()` output (the graph is rebuilt); `SnapshotError` if invalid.
        #[staticmethod]
        fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
            Ok(Self {
                s: Shared::from_bytes(py, data)?,
            })
        }
    }
);

index_class_no_ef!(
    PyQuantizedIndex,
    "QuantizedIndex",
    QuantizedIndex,
    "int8 scan with exact float32 re-ranking (≈ 0.25× the scanned bytes): \
     `QuantizedIndex(model_id, dim, metric=\"cosine\", *, rerank_candidates=64)`. The int8 \
     scales are trained by the first `upsert_many` into an empty index; later rows reuse them.",
    {
        #[new]
        #[pyo3(signature = (model_id, dim, metric=None, *, rerank_candidates=None))]
        fn new(
            model_id: &Bound<'_, PyAny>,
            dim: &Bound<'_, PyAny>,
            metric: Option<&Bound<'_, PyAny>>,
            rerank_candidates: Option<&Bound<'_, PyAny>>,
        ) -> PyResult<Self> {
            let rc = opt_int(rerank_candidates, "rerank_candidates")?
                .unwrap_or(DEFAULT_RERANK_CANDIDATES);
            let ix = QuantizedIndex::build(store(model_id, dim, metric)?, rc).py_err()?;
            Ok(Self { s: Shared::new(ix) })
        }

        /// How many scan candidates are re-ranked exactly.
        #[getter]
        fn rerank_candidates(&self) -> usize {
            self.s.read().rerank_candidates()
        }

        /// The per-dimension int8 scales.
        fn scales(&self) -> Vec<f32> {
            self.s.read().scales().to_vec()
        }

        /// Bytes the int8 scan reads.
        fn scan_bytes(&self) -> usize {
            self.s.read().scan_bytes()
        }

        /// Loads `to_bytes()` output; `SnapshotError` if invalid.
        #[staticmethod]
        fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
            Ok(Self {
                s: Shared::from_bytes(py, data)?,
            })
        }
    }
);

/// Adds the index classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyFlatIndex>()?;
    m.add_class::<PyHnswIndex>()?;
    m.add_class::<PyQuantizedIndex>()?;
    Ok(())
}
