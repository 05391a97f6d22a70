//! Vector indexes: `FlatIndex`, `HnswIndex`, `QuantizedIndex` over `fairmatch::index`, one
//! class per core index, every operation written once over the core's `VectorIndex` trait
//! ([`Shared`]).
//!
//! Vectors are `Float32Array`s read in place (a batch is one row-major array of
//! `rows × dim`); ids are `Uint32Array`s (the core's `DocId`). Each object holds its index
//! behind an `Arc<RwLock<…>>`: searches run in parallel on the libuv pool, a write waits for
//! them. Hits are `{id, score}` objects, best first, ties by ascending id.

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use fairmatch::index::{
    AllowList, DEFAULT_RERANK_CANDIDATES, FlatIndex, Hit, HnswBuilder, HnswConfig, HnswIndex,
    Metric, QuantizedIndex, Query, VectorIndex, VectorStore,
};
use napi::bindgen_prelude::{AsyncTask, Buffer, Float32Array, Uint32Array};
use napi_derive::napi;
use serde_json::{Map, Value};

use crate::case::camel;
use crate::convert::json;
use crate::error::IntoNapi;
use crate::task::{Work, run};

/// The shared state of every index class.
struct Shared<T>(Arc<RwLock<T>>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

/// A hit as the caller sees it.
#[derive(serde::Serialize)]
struct HitOut {
    id: u32,
    score: f64,
}

fn hits(h: &[Hit]) -> Vec<HitOut> {
    h.iter()
        .map(|h| HitOut {
            id: h.id,
            score: f64::from(h.score),
        })
        .collect()
}

/// Allowed ids in any order (duplicates allowed): sorted and deduplicated for the core.
fn allow_ids(allow: Option<Uint32Array>) -> Option<Vec<u32>> {
    allow.map(|a| {
        let mut ids = a.to_vec();
        ids.sort_unstable();
        ids.dedup();
        ids
    })
}

/// `rows × dim` values as rows; a length that is not a multiple of `dim` is an
/// `INVALID_INPUT` naming `field`.
fn rows<'a>(flat: &'a [f32], dim: usize, field: &str) -> fairmatch::Result<Vec<&'a [f32]>> {
    if dim == 0 || !flat.len().is_multiple_of(dim) {
        return Err(fairmatch::Error::invalid(
            field,
            format!(
                "has {} values, not a whole number of rows of dim {dim} (pass rows × dim \
                 values, row-major)",
                flat.len()
            ),
        ));
    }
    Ok(flat.chunks_exact(dim).collect())
}

impl<T: VectorIndex + 'static> Shared<T> {
    fn new(ix: T) -> Self {
        Shared(Arc::new(RwLock::new(ix)))
    }

    fn read(&self) -> RwLockReadGuard<'_, T> {
        // every core call validates before it changes anything, so a poisoned lock (a
        // caught panic) still guards a consistent index
        self.0.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(|e| e.into_inner())
    }

    fn upsert_many(&self, ids: Uint32Array, vectors: Float32Array) -> AsyncTask<Work<()>> {
        let s = self.clone();
        run(move || {
            let mut ix = s.write();
            let dim = ix.store().dim();
            let r = rows(&vectors, dim, "vectors")?;
            // one id per row: a length mismatch is the core's error on `vectors`
            ix.upsert_many(&ids, &r)
        })
    }

    /// A search on the libuv pool: `f` gets the read-locked index, the model id of the
    /// queries (the caller's, default the index's) and the allow-list, and returns the JSON.
    fn searching<F>(
        &self,
        allow: Option<Uint32Array>,
        model_id: Option<String>,
        f: F,
    ) -> AsyncTask<Work<String>>
    where
        F: Fn(&T, &str, Option<AllowList<'_>>) -> fairmatch::Result<String> + Send + 'static,
    {
        let s = self.clone();
        let allow = allow_ids(allow);
        run(move || {
            let ix = s.read();
            let model = model_id.as_deref().unwrap_or(ix.store().model_id());
            f(&ix, model, allow.as_deref().map(AllowList::Sorted))
        })
    }

    fn search(
        &self,
        query: Float32Array,
        k: u32,
        ef: Option<u32>,
        allow: Option<Uint32Array>,
        model_id: Option<String>,
    ) -> AsyncTask<Work<String>> {
        self.searching(allow, model_id, move |ix, model, a| {
            let q = Query::new(model, &query);
            json(&hits(&ix.search(
                &q,
                k as usize,
                ef.map(|e| e as usize),
                a,
            )?))
        })
    }

    fn search_batch(
        &self,
        queries: Float32Array,
        k: u32,
        ef: Option<u32>,
        allow: Option<Uint32Array>,
        model_id: Option<String>,
    ) -> AsyncTask<Work<String>> {
        self.searching(allow, model_id, move |ix, model, a| {
            let r = rows(&queries, ix.store().dim(), "queries")?;
            let qs: Vec<Query<'_>> = r.iter().map(|q| Query::new(model, q)).collect();
            let all = ix.search_batch(&qs, k as usize, ef.map(|e| e as usize), a)?;
            json(&all.iter().map(|h| hits(h)).collect::<Vec<_>>())
        })
    }

    fn to_buffer(&self) -> AsyncTask<Work<Buffer>> {
        let s = self.clone();
        run(move || Ok(Buffer::from(s.read().to_bytes())))
    }
}

/// A vector store from the constructor arguments (`metric`: the core's spellings, default
/// the core's default).
fn store(model_id: &str, dim: u32, metric: Option<&str>) -> fairmatch::Result<VectorStore> {
    let metric = match metric {
        Some(m) => m.parse::<Metric>()?,
        None => Metric::default(),
    };
    VectorStore::new(model_id, dim as usize, metric)
}

macro_rules! index_class {
    ($rust:ident, $inner:ty, $doc:literal, { $($extra:tt)* }) => {
        #[doc = $doc]
        #[napi]
        pub struct $rust {
            s: Shared<$inner>,
        }

        impl std::fmt::Debug for $rust {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($rust)).finish_non_exhaustive()
            }
        }

        #[napi]
        impl $rust {
            $($extra)*

            /// The embedding model id every vector must come from.
            #[napi(catch_unwind)]
            pub fn model_id(&self) -> String {
                self.s.read().store().model_id().to_owned()
            }

            /// Vector dimension.
            #[napi(catch_unwind)]
            pub fn dim(&self) -> u32 {
                self.s.read().store().dim() as u32
            }

            /// The metric's name (`cosine`, `inner_product`, `squared_l2`).
            #[napi(catch_unwind)]
            pub fn metric(&self) -> &'static str {
                self.s.read().store().metric().as_str()
            }

            /// Number of live rows.
            #[napi(catch_unwind)]
            pub fn size(&self) -> u32 {
                VectorIndex::len(&*self.s.read()) as u32
            }

            /// Whether row `id` is live.
            #[napi(catch_unwind)]
            pub fn has(&self, id: u32) -> bool {
                self.s.read().store().contains(id)
            }

            /// Approximate bytes held.
            #[napi(catch_unwind)]
            pub fn memory_bytes(&self) -> f64 {
                VectorIndex::memory_bytes(&*self.s.read()) as f64
            }

            /// Inserts or replaces one row (synchronous: one vector).
            #[napi(catch_unwind)]
            pub fn upsert(&self, id: u32, vector: Float32Array) -> napi::Result<()> {
                self.s.write().upsert(id, &vector).napi()
            }

            /// Inserts or replaces many rows, all or none (`vectors`: rows × dim, row-major).
            #[napi(catch_unwind)]
            pub fn upsert_many(&self, ids: Uint32Array, vectors: Float32Array) -> AsyncTask<Work<()>> {
                self.s.upsert_many(ids, vectors)
            }

            /// Removes row `id`; whether it was live.
            #[napi(catch_unwind)]
            pub fn remove(&self, id: u32) -> bool {
                self.s.write().remove(id)
            }

            /// The top `k` rows for `query` (JSON of `{id, score}[]`).
            #[napi(catch_unwind)]
            pub fn search(
                &self,
                query: Float32Array,
                k: u32,
                ef: Option<u32>,
                allow: Option<Uint32Array>,
                model_id: Option<String>,
            ) -> AsyncTask<Work<String>> {
                self.s.search(query, k, ef, allow, model_id)
            }

            /// `search` for each row of `queries` (rows × dim), in parallel.
            #[napi(catch_unwind)]
            pub fn search_batch(
                &self,
                queries: Float32Array,
                k: u32,
                ef: Option<u32>,
                allow: Option<Uint32Array>,
                model_id: Option<String>,
            ) -> AsyncTask<Work<String>> {
                self.s.search_batch(queries, k, ef, allow, model_id)
            }

            /// The serialised index.
            #[napi(catch_unwind)]
            pub fn to_buffer(&self) -> AsyncTask<Work<Buffer>> {
                self.s.to_buffer()
            }

            /// Loads `toBuffer()` bytes (`SNAPSHOT` on any inconsistency).
            #[napi(catch_unwind)]
            pub fn from_buffer(data: Buffer) -> AsyncTask<Work<$rust>> {
                run(move || {
                    Ok($rust {
                        s: Shared::new(<$inner as VectorIndex>::from_bytes(&data)?),
                    })
                })
            }
        }
    };
}

index_class!(
    NativeFlatIndex,
    FlatIndex,
    "Exact vector search (the oracle).",
    {
        /// An empty index.
        #[napi(constructor, catch_unwind)]
        pub fn new(model_id: String, dim: u32, metric: Option<String>) -> napi::Result<Self> {
            let st = store(&model_id, dim, metric.as_deref()).napi()?;
            Ok(Self {
                s: Shared::new(FlatIndex::new(st)),
            })
        }
    }
);

/// An HNSW config from the caller's partial JSON object (camelCase or snake_case keys) over
/// the core's defaults; an unknown key is an `INVALID_INPUT` naming it.
fn hnsw_config(partial: Option<&str>) -> fairmatch::Result<HnswConfig> {
    let Some(text) = partial else {
        return Ok(HnswConfig::default());
    };
    let mut base = match serde_json::to_value(HnswConfig::default()) {
        Ok(Value::Object(m)) => m,
        _ => {
            return Err(fairmatch::Error::invalid(
                "config",
                "internal: default config",
            ));
        }
    };
    let given: Map<String, Value> = serde_json::from_str(text)
        .map_err(|e| fairmatch::Error::invalid("config", format!("must be an object: {e}")))?;
    for (k, v) in given {
        let Some(name) = base
            .keys()
            .find(|name| camel(name) == k || **name == k)
            .cloned()
        else {
            return Err(fairmatch::Error::invalid(
                format!("config.{k}"),
                "unknown HNSW setting",
            ));
        };
        base.insert(name, v);
    }
    crate::convert::from_value(&Value::Object(base), "config")
}

index_class!(
    NativeHnswIndex,
    HnswIndex,
    "Approximate vector search on an HNSW graph; allow-lists are applied inside the walk.",
    {
        /// An empty index; `config`: JSON of a partial `HnswConfig` over the core's defaults.
        #[napi(constructor, catch_unwind)]
        pub fn new(
            model_id: String,
            dim: u32,
            metric: Option<String>,
            config: Option<String>,
        ) -> napi::Result<Self> {
            let st = store(&model_id, dim, metric.as_deref()).napi()?;
            let cfg = hnsw_config(config.as_deref()).napi()?;
            let ix = HnswBuilder::new().config(cfg).build(st).napi()?;
            Ok(Self { s: Shared::new(ix) })
        }

        /// The core's default HNSW settings (JSON).
        #[napi(catch_unwind)]
        pub fn default_config() -> napi::Result<String> {
            json(&HnswConfig::default()).napi()
        }

        /// This index's settings (JSON).
        #[napi(catch_unwind)]
        pub fn config(&self) -> napi::Result<String> {
            json(self.s.read().config()).napi()
        }

        /// Share of removed rows still in the graph.
        #[napi(catch_unwind)]
        pub fn tombstone_share(&self) -> f64 {
            f64::from(self.s.read().tombstone_share())
        }

        /// Sets the default `ef` of searches.
        #[napi(catch_unwind)]
        pub fn set_ef_search(&self, ef: u32) -> napi::Result<()> {
            self.s.write().set_ef_search(ef as usize).napi()
        }

        /// Sets the allow-list share below which a search is exact.
        #[napi(catch_unwind)]
        pub fn set_exact_fallback_share(&self, share: f64) -> napi::Result<()> {
            self.s.write().set_exact_fallback_share(share as f32).napi()
        }

        /// Sets the allow-list share below which the int8 filtered scan is used.
        #[napi(catch_unwind)]
        pub fn set_int8_filter_share(&self, share: f64) -> AsyncTask<Work<()>> {
            let s = self.s.clone();
            run(move || s.write().set_int8_filter_share(share as f32))
        }

        /// Rebuilds the graph without tombstones (off the event loop).
        #[napi(catch_unwind)]
        pub fn rebuild(&self) -> AsyncTask<Work<()>> {
            let s = self.s.clone();
            run(move || {
                s.write().rebuild();
                Ok(())
            })
        }
    }
);

index_class!(
    NativeQuantizedIndex,
    QuantizedIndex,
    "int8 scalar-quantised scan with exact re-ranking of the best candidates.",
    {
        /// An empty index (`rerankCandidates`: default the core's).
        #[napi(constructor, catch_unwind)]
        pub fn new(
            model_id: String,
            dim: u32,
            metric: Option<String>,
            rerank_candidates: Option<u32>,
        ) -> napi::Result<Self> {
            let st = store(&model_id, dim, metric.as_deref()).napi()?;
            let rc = rerank_candidates.map_or(DEFAULT_RERANK_CANDIDATES, |r| r as usize);
            Ok(Self {
                s: Shared::new(QuantizedIndex::build(st, rc).napi()?),
            })
        }

        /// Exact candidates re-ranked per query.
        #[napi(catch_unwind)]
        pub fn rerank_candidates(&self) -> u32 {
            self.s.read().rerank_candidates() as u32
        }

        /// Per-dimension quantisation scales.
        #[napi(catch_unwind)]
        pub fn scales(&self) -> Vec<f64> {
            self.s
                .read()
                .scales()
                .iter()
                .map(|&x| f64::from(x))
                .collect()
        }

        /// Bytes scanned per query (the int8 codes).
        #[napi(catch_unwind)]
        pub fn scan_bytes(&self) -> f64 {
            self.s.read().scan_bytes() as f64
        }
    }
);
