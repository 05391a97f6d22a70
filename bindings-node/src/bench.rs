//! The Rust side of `benches/compare/node_overhead.mjs`: the same core calls timed inside the
//! addon (no napi, no JSON) on the same engine and arrays, so one run compares both
//! interleaved; and the hooks the test suite uses to drive the rayon → libuv fallback of
//! `task.rs`. Not part of the public `index.js` surface.

use fairmatch::RecommendOptions;
use fairmatch::metrics::{self as m, FairnessOptions, GroupConfusion};
use napi::bindgen_prelude::{Uint8Array, Uint32Array};
use napi_derive::napi;

use crate::convert::parse_or_default;
use crate::engine::NativeEngine;
use crate::error::IntoNapi;

/// Mean nanoseconds per call of `f` over `iterations` calls (stops at the first error).
fn mean_ns(iterations: u32, mut f: impl FnMut() -> napi::Result<()>) -> napi::Result<f64> {
    let t = std::time::Instant::now();
    for _ in 0..iterations {
        f()?;
    }
    Ok(t.elapsed().as_nanos() as f64 / f64::from(iterations.max(1)))
}

/// Mean nanoseconds per `recommend_freelancers(job_id, options)` over `iterations` calls
/// (the Recommendations value built and dropped, as a Rust caller gets it; with `to_json`
/// also serialised to the camelCase JSON the addon sends to JavaScript, to split the Node
/// overhead into its parts). With `gap_us`, the calling thread busy-waits that long between
/// calls, outside the timed span (the idle time a Node caller's decoding leaves the pool).
#[napi(catch_unwind)]
pub fn bench_core_recommend(
    engine: &NativeEngine,
    job_id: String,
    options: Option<String>,
    iterations: u32,
    to_json: Option<bool>,
    gap_us: Option<u32>,
) -> napi::Result<f64> {
    let o: RecommendOptions = parse_or_default(options.as_deref(), "options").napi()?;
    let e = engine.core();
    let to_json = to_json.unwrap_or(false);
    let gap = std::time::Duration::from_micros(u64::from(gap_us.unwrap_or(0)));
    let mut timed = std::time::Duration::ZERO;
    for _ in 0..iterations {
        if !gap.is_zero() {
            let until = std::time::Instant::now() + gap;
            while std::time::Instant::now() < until {
                std::hint::spin_loop();
            }
        }
        let t = std::time::Instant::now();
        let r = e.recommend_freelancers(&job_id, &o).napi()?;
        if to_json {
            std::hint::black_box(crate::convert::json(&r).napi()?);
        }
        std::hint::black_box(r);
        timed += t.elapsed();
    }
    Ok(timed.as_nanos() as f64 / f64::from(iterations.max(1)))
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
    mean_ns(iterations, || {
        let c = GroupConfusion::from_arrays_par(g_, t_, p_, None).napi()?;
        std::hint::black_box(m::demographic_parity_difference(&c, &o).napi()?);
        Ok(())
    })
}

/// A Promise that does nothing on the libuv pool: the round trip of the calls queued there
/// (main thread → pool thread → main thread; writes, index work, snapshots).
#[napi(catch_unwind)]
pub fn bench_async_noop() -> napi::bindgen_prelude::AsyncTask<crate::task::Work<()>> {
    crate::task::run(|| Ok(()))
}

/// One computed recommendation and its camelCase JSON, for timing each way of handing it to
/// JavaScript separately (`benches/compare/node_breakdown.mjs`) and for checking that the
/// tape decodes to what `JSON.parse` makes of the JSON (`test/tape.test.js`). Not part of the
/// public `index.js` surface.
#[napi]
#[derive(Debug)]
pub struct BenchRecommendation {
    r: fairmatch::Recommendations,
    json: String,
}

#[napi]
impl BenchRecommendation {
    /// Computes `recommend_freelancers(id, options)` once (`recommend_jobs` with `jobs`).
    #[napi(factory, catch_unwind)]
    pub fn compute(
        engine: &NativeEngine,
        id: String,
        options: Option<String>,
        jobs: Option<bool>,
    ) -> napi::Result<Self> {
        let o: RecommendOptions = parse_or_default(options.as_deref(), "options").napi()?;
        let e = engine.core();
        let r = if jobs.unwrap_or(false) {
            e.recommend_jobs(&id, &o)
        } else {
            e.recommend_freelancers(&id, &o)
        }
        .napi()?;
        let json = crate::convert::json(&r).napi()?;
        Ok(Self { r, json })
    }

    /// Mean ns of serialising to camelCase JSON over `iterations`.
    #[napi(catch_unwind)]
    pub fn time_to_json(&self, iterations: u32) -> napi::Result<f64> {
        mean_ns(iterations, || {
            std::hint::black_box(crate::convert::json(&self.r).napi()?);
            Ok(())
        })
    }

    /// The JSON as a JS string (napi_create_string_utf8).
    #[napi(catch_unwind)]
    pub fn utf8(&self) -> String {
        self.json.clone()
    }

    /// The JSON as a JS string made with napi_create_string_latin1 (it is ASCII).
    #[napi(catch_unwind)]
    pub fn latin1<'e>(&self, env: &'e napi::Env) -> napi::Result<napi::JsString<'e>> {
        env.create_string_latin1(self.json.as_bytes())
    }

    /// The JSON as a Buffer (bytes copied once into a Rust Vec, handed over without a copy).
    #[napi(catch_unwind)]
    pub fn buffer(&self) -> napi::bindgen_prelude::Buffer {
        self.json.as_bytes().to_vec().into()
    }

    /// The tape of the result as `recommendFreelancers` sends it (`index.js` decodes it).
    #[napi(catch_unwind)]
    pub fn tape(&self) -> napi::Result<crate::tape::Tape> {
        crate::tape::Tape::of(&self.r).napi()
    }

    /// Mean ns of writing the tape over `iterations`.
    #[napi(catch_unwind)]
    pub fn time_to_tape(&self, iterations: u32) -> napi::Result<f64> {
        mean_ns(iterations, || {
            std::hint::black_box(crate::tape::to_tape(&self.r).napi()?);
            Ok(())
        })
    }

    /// The result built as JS objects directly (napi's serde serializer, camelCase keys).
    #[napi(catch_unwind)]
    pub fn object<'e>(
        &self,
        env: &'e napi::Env,
    ) -> napi::Result<napi::bindgen_prelude::Unknown<'e>> {
        env.to_js_value(&crate::case::Camel(&self.r))
    }
}

/// A Promise that does nothing on the rayon pool: the round trip of the calls spawned there
/// (main thread → rayon thread → main thread; see `task.rs`).
#[napi(catch_unwind)]
pub fn bench_rayon_noop(env: &napi::Env) -> napi::Result<napi::bindgen_prelude::Object<'_>> {
    crate::task::spawn_lockfree(env, || Ok(()))
}

/// Holds the engine's read lock on the libuv pool for `ms` milliseconds (a test hook: a
/// write then waits, and queries spawned on rayon meanwhile must move to libuv).
#[napi(catch_unwind)]
pub fn test_hold_read(
    engine: &NativeEngine,
    ms: u32,
) -> napi::bindgen_prelude::AsyncTask<crate::task::Work<()>> {
    let e = engine.core().clone();
    crate::task::run(move || {
        let _view = e.read();
        std::thread::sleep(std::time::Duration::from_millis(u64::from(ms)));
        Ok(())
    })
}

/// Whether the engine's read lock can be had at once (false while a write holds or awaits
/// it).
#[napi(catch_unwind)]
pub fn test_readable(engine: &NativeEngine) -> bool {
    engine.core().try_read().is_some()
}

/// How many spawned calls have moved from rayon to the libuv pool in this process.
#[napi(catch_unwind)]
pub fn test_libuv_fallbacks() -> f64 {
    crate::task::LIBUV_FALLBACKS.load(std::sync::atomic::Ordering::Relaxed) as f64
}

/// How many staged calls have been settled before their second step ran, in this process.
#[napi(catch_unwind)]
pub fn test_early_settlements() -> f64 {
    crate::task::EARLY_SETTLEMENTS.load(std::sync::atomic::Ordering::Relaxed) as f64
}
