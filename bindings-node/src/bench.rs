//! The Rust side of `benches/compare/node_overhead.mjs`: the same core calls timed inside the
//! addon (no napi, no JSON) on the same engine and arrays, so one run compares both
//! interleaved. Not part of the public `index.js` surface.

use fairmatch::RecommendOptions;
use fairmatch::metrics::{self as m, FairnessOptions, GroupConfusion};
use napi::bindgen_prelude::{Uint8Array, Uint32Array};
use napi_derive::napi;

use crate::convert::parse_or_default;
use crate::engine::NativeEngine;
use crate::error::IntoNapi;

/// Mean nanoseconds per `recommend_freelancers(job_id, options)` over `iterations` calls
/// (the Recommendations value built and dropped, as a Rust caller gets it; with `to_json`
/// also serialised to the camelCase JSON the addon sends to JavaScript, to split the Node
/// overhead into its parts).
#[napi(catch_unwind)]
pub fn bench_core_recommend(
    engine: &NativeEngine,
    job_id: String,
    options: Option<String>,
    iterations: u32,
    to_json: Option<bool>,
) -> napi::Result<f64> {
    let o: RecommendOptions = parse_or_default(options.as_deref(), "options").napi()?;
    let e = engine.core();
    let to_json = to_json.unwrap_or(false);
    let t = std::time::Instant::now();
    for _ in 0..iterations {
        let r = e.recommend_freelancers(&job_id, &o).napi()?;
        if to_json {
            std::hint::black_box(crate::convert::json(&r).napi()?);
        }
        std::hint::black_box(r);
    }
    Ok(t.elapsed().as_nanos() as f64 / f64::from(iterations.max(1)))
}

/// Mean nanoseconds per demographic parity difference over the arrays (the same core path as
/// `metrics.demographicParityDifference` without `nGroups`: `from_arrays_par`).
#[napi(catch_unwind)]
pub fn bench_core_dpd(
    y_true: Uint8Array,
    y_pred: Uint8Array,
    groups: Uint32Array,
    iterations: u32,
) -> napi::Result<f64> {
    let o = FairnessOptions::default();
    let (t_, p_, g_): (&[u8], &[u8], &[u32]) = (&y_true, &y_pred, &groups);
    let t = std::time::Instant::now();
    for _ in 0..iterations {
        let c = GroupConfusion::from_arrays_par(g_, t_, p_, None).napi()?;
        std::hint::black_box(m::demographic_parity_difference(&c, &o).napi()?);
    }
    Ok(t.elapsed().as_nanos() as f64 / f64::from(iterations.max(1)))
}

/// A Promise that does nothing on the libuv pool: the round trip every async call pays
/// (main thread → pool thread → main thread), measured by the benchmark as the floor of the
/// Node overhead.
#[napi(catch_unwind)]
pub fn bench_async_noop() -> napi::bindgen_prelude::AsyncTask<crate::task::Work<()>> {
    crate::task::run(|| Ok(()))
}
