//! `Engine`: thin wrappers over `fairmatch::Engine`.
//!
//! The core engine is `Clone + Send + Sync` (an `Arc` around its own locks), so every
//! Promise holds a clone and runs on the libuv pool: concurrent recommendations read in
//! parallel, a write waits for the core's write lock, and readers see the catalogue before
//! or after a write, never half of it. An `Engine` object itself cannot cross
//! `worker_threads` (napi objects belong to one thread); send `toBuffer()` bytes and
//! `Engine.fromBuffer` them in the worker (an independent copy), or keep one engine per
//! worker — see the package README.

use fairmatch::engine::{AuditOptions, OfflineCandidate};
use fairmatch::learn::{FitConfig, OpeConfig};
use fairmatch::{EngineConfig, Freelancer, Impressions, Job, Outcome, RecommendOptions};
use napi::Env;
use napi::bindgen_prelude::{AsyncTask, Buffer, Object};
use napi_derive::napi;

use crate::convert::{json, parse, parse_or_default};
use crate::error::IntoNapi;
use crate::tape::Tape;
use crate::task::{On, Work, run, spawn_staged};
use crate::taxonomy::NativeTaxonomy;

/// The matching engine (the public class `Engine` in `index.js` wraps it).
#[napi]
#[derive(Debug)]
pub struct NativeEngine {
    inner: fairmatch::Engine,
}

fn opts(o: Option<&str>) -> fairmatch::Result<RecommendOptions> {
    parse_or_default(o, "options")
}

/// The engine's read view for a query running `on` a pool: at once or not at all on rayon
/// (`None` while a write holds or awaits the lock), waiting on libuv (see `task.rs`).
fn read(e: &fairmatch::Engine, on: On) -> Option<fairmatch::EngineRead<'_>> {
    match on {
        On::Rayon => e.try_read(),
        On::Libuv => Some(e.read()),
    }
}

/// Results of at most this many matches are settled early (`task::spawn_staged`): their tape
/// takes ≈ 1.6 µs per explained match (≈ 100 µs at 64), which bounds the JavaScript thread's
/// wait for it.
const EARLY_SETTLE_MAX_MATCHES: usize = 64;

/// A Promise of the tape of the recommendations `f` computes (on the rayon pool; on libuv
/// while a write holds the engine; see `task.rs`).
fn recommendation<F>(env: &Env, f: F) -> napi::Result<Object<'_>>
where
    F: FnMut(On) -> Option<fairmatch::Result<fairmatch::Recommendations>> + Send + 'static,
{
    spawn_staged(
        env,
        f,
        |r: &mut fairmatch::Recommendations| Tape::of(r),
        |r| r.matches.len() <= EARLY_SETTLE_MAX_MATCHES,
    )
}

impl NativeEngine {
    /// The core engine (for the benchmark helpers in `bench.rs`).
    pub(crate) fn core(&self) -> &fairmatch::Engine {
        &self.inner
    }
}

#[napi]
impl NativeEngine {
    /// An empty engine over `taxonomy` (default: the built-in one) with `config` (JSON of an
    /// `EngineConfig`; default: defaults).
    #[napi(constructor, catch_unwind)]
    pub fn new(taxonomy: Option<&NativeTaxonomy>, config: Option<String>) -> napi::Result<Self> {
        let tax = taxonomy.map_or_else(fairmatch::builtin, |t| t.inner.clone());
        let cfg: EngineConfig = parse_or_default(config.as_deref(), "config").napi()?;
        let inner = fairmatch::Engine::with_config(tax, cfg).napi()?;
        Ok(Self { inner })
    }

    /// Inserts or replaces one freelancer; nothing changes on error.
    #[napi(catch_unwind)]
    pub fn upsert_freelancer(&self, freelancer: String) -> napi::Result<()> {
        let f: Freelancer = parse(&freelancer, "freelancer").napi()?;
        self.inner.upsert_freelancer(f).napi()
    }

    /// Inserts or replaces many freelancers, all or none (parsed and applied off the event
    /// loop).
    #[napi(catch_unwind)]
    pub fn upsert_freelancers(&self, freelancers: String) -> AsyncTask<Work<()>> {
        let e = self.inner.clone();
        run(move || {
            let batch: Vec<Freelancer> = parse(&freelancers, "freelancers")?;
            e.upsert_freelancers(batch)
        })
    }

    /// Inserts or replaces one job.
    #[napi(catch_unwind)]
    pub fn upsert_job(&self, job: String) -> napi::Result<()> {
        let j: Job = parse(&job, "job").napi()?;
        self.inner.upsert_job(j).napi()
    }

    /// Inserts or replaces many jobs, all or none.
    #[napi(catch_unwind)]
    pub fn upsert_jobs(&self, jobs: String) -> AsyncTask<Work<()>> {
        let e = self.inner.clone();
        run(move || {
            let batch: Vec<Job> = parse(&jobs, "jobs")?;
            e.upsert_jobs(batch)
        })
    }

    /// Removes a freelancer (`UNKNOWN_ID` if absent).
    #[napi(catch_unwind)]
    pub fn remove_freelancer(&self, id: String) -> napi::Result<()> {
        self.inner.remove_freelancer(&id).napi()
    }

    /// Removes a job (`UNKNOWN_ID` if absent).
    #[napi(catch_unwind)]
    pub fn remove_job(&self, id: String) -> napi::Result<()> {
        self.inner.remove_job(&id).napi()
    }

    /// The stored freelancer as JSON.
    #[napi(catch_unwind)]
    pub fn freelancer(&self, id: String) -> napi::Result<String> {
        json(&self.inner.freelancer(&id).napi()?).napi()
    }

    /// The stored job as JSON.
    #[napi(catch_unwind)]
    pub fn job(&self, id: String) -> napi::Result<String> {
        json(&self.inner.job(&id).napi()?).napi()
    }

    /// Number of live freelancers.
    #[napi(catch_unwind)]
    pub fn freelancer_count(&self) -> u32 {
        self.inner.freelancer_count() as u32
    }

    /// Number of live jobs.
    #[napi(catch_unwind)]
    pub fn job_count(&self) -> u32 {
        self.inner.job_count() as u32
    }

    /// The top freelancers for a job (a tape of `Recommendations`, see `tape.rs`), computed
    /// on the rayon pool (on libuv while a write holds the engine; see `task.rs`).
    #[napi(catch_unwind)]
    pub fn recommend_freelancers<'e>(
        &self,
        env: &'e Env,
        job_id: String,
        options: Option<String>,
    ) -> napi::Result<Object<'e>> {
        let e = self.inner.clone();
        recommendation(env, move |on| {
            let view = read(&e, on)?;
            Some(opts(options.as_deref()).and_then(|o| view.recommend_freelancers(&job_id, &o)))
        })
    }

    /// The top jobs for a freelancer (a tape of `Recommendations`), like
    /// [`Self::recommend_freelancers`].
    #[napi(catch_unwind)]
    pub fn recommend_jobs<'e>(
        &self,
        env: &'e Env,
        freelancer_id: String,
        options: Option<String>,
    ) -> napi::Result<Object<'e>> {
        let e = self.inner.clone();
        recommendation(env, move |on| {
            let view = read(&e, on)?;
            Some(opts(options.as_deref()).and_then(|o| view.recommend_jobs(&freelancer_id, &o)))
        })
    }

    /// Scores one pair, with the vetoes that would exclude it (synchronous: one pair).
    #[napi(catch_unwind)]
    pub fn score(
        &self,
        job_id: String,
        freelancer_id: String,
        options: Option<String>,
    ) -> napi::Result<String> {
        let o = opts(options.as_deref()).napi()?;
        json(&self.inner.score(&job_id, &freelancer_id, &o).napi()?).napi()
    }

    /// Scores one job against many freelancers (a JSON array of `PairScore`, in the order
    /// given), off the event loop; the first unknown id rejects the whole call.
    #[napi(catch_unwind)]
    pub fn score_many(
        &self,
        job_id: String,
        freelancer_ids: Vec<String>,
        options: Option<String>,
    ) -> AsyncTask<Work<String>> {
        let e = self.inner.clone();
        run(move || {
            let o = opts(options.as_deref())?;
            let scores = freelancer_ids
                .iter()
                .enumerate()
                .map(|(i, f)| {
                    e.score(&job_id, f, &o)
                        .map_err(|err| err.at_item("freelancer_id", "freelancer_ids", i))
                })
                .collect::<fairmatch::Result<Vec<_>>>()?;
            json(&scores)
        })
    }

    /// Records that a ranking was shown (JSON of `Impressions`).
    #[napi(catch_unwind)]
    pub fn record_impressions(&self, impressions: String) -> napi::Result<()> {
        let imp: Impressions = parse(&impressions, "impressions").napi()?;
        self.inner.record_impressions(&imp).napi()
    }

    /// Records an outcome (JSON of `Outcome`).
    #[napi(catch_unwind)]
    pub fn record_outcome(&self, outcome: String) -> napi::Result<()> {
        let o: Outcome = parse(&outcome, "outcome").napi()?;
        self.inner.record_outcome(&o).napi()
    }

    /// Bias audit over the event log (`options`: JSON of `AuditOptions`).
    #[napi(catch_unwind)]
    pub fn audit(&self, options: String) -> AsyncTask<Work<String>> {
        let e = self.inner.clone();
        run(move || {
            let o: AuditOptions = parse(&options, "options")?;
            json(&e.audit(&o)?)
        })
    }

    /// Fits the position-based click model to the logged impressions and outcomes and keeps
    /// it as the `learned` preset (`config`: JSON of `learn::FitConfig`); JSON of the model.
    /// `INSUFFICIENT_LOGS` without position variation or with too few outcomes.
    #[napi(catch_unwind)]
    pub fn learn(&self, config: Option<String>) -> AsyncTask<Work<String>> {
        let e = self.inner.clone();
        run(move || {
            let c: FitConfig = parse_or_default(config.as_deref(), "config")?;
            json(&e.learn(&c)?)
        })
    }

    /// JSON of the model of the last `learn()` (`null` before).
    #[napi(catch_unwind)]
    pub fn learned_model(&self) -> napi::Result<String> {
        json(&self.inner.learned_model()).napi()
    }

    /// The weights the `learned` preset uses for jobs of `client` (global without one or for
    /// a client without enough outcomes); `null` before the first `learn()`.
    #[napi(catch_unwind)]
    pub fn learned_weights(&self, client: Option<String>) -> Option<Vec<f64>> {
        self.inner.learned_weights(client.as_deref())
    }

    /// Off-policy estimates of candidate rankings from the explored logged lists
    /// (`candidates`: JSON of `OfflineCandidate`s; `options`: JSON of `learn::OpeConfig`).
    #[napi(catch_unwind)]
    pub fn evaluate_offline(
        &self,
        candidates: String,
        options: Option<String>,
    ) -> AsyncTask<Work<String>> {
        let e = self.inner.clone();
        run(move || {
            let c: Vec<OfflineCandidate> = parse(&candidates, "candidates")?;
            let o: OpeConfig = parse_or_default(options.as_deref(), "options")?;
            json(&e.evaluate_offline(&c, &o)?)
        })
    }

    /// The event log (aggregated counters) as JSON.
    #[napi(catch_unwind)]
    pub fn events(&self) -> napi::Result<String> {
        json(&self.inner.events()).napi()
    }

    /// The exposure ledger as JSON.
    #[napi(catch_unwind)]
    pub fn ledger(&self) -> napi::Result<String> {
        json(&self.inner.ledger()).napi()
    }

    /// The engine configuration as JSON.
    #[napi(catch_unwind)]
    pub fn config(&self) -> napi::Result<String> {
        json(&self.inner.config()).napi()
    }

    /// The engine's taxonomy.
    #[napi(catch_unwind)]
    pub fn taxonomy(&self) -> NativeTaxonomy {
        NativeTaxonomy {
            inner: self.inner.taxonomy(),
        }
    }

    /// The whole engine as a versioned, checksummed snapshot.
    #[napi(catch_unwind)]
    pub fn to_buffer(&self) -> AsyncTask<Work<Buffer>> {
        let e = self.inner.clone();
        run(move || Ok(Buffer::from(e.to_bytes()?)))
    }

    /// An engine restored from `toBuffer()` bytes (`SNAPSHOT` if invalid); the bytes are
    /// read in place.
    #[napi(catch_unwind)]
    pub fn from_buffer(data: Buffer) -> AsyncTask<Work<NativeEngine>> {
        run(move || {
            Ok(NativeEngine {
                inner: fairmatch::Engine::from_bytes(&data)?,
            })
        })
    }

    /// Saves a snapshot to `path` atomically.
    #[napi(catch_unwind)]
    pub fn save(&self, path: String) -> AsyncTask<Work<()>> {
        let e = self.inner.clone();
        run(move || e.save(&path))
    }

    /// Loads a snapshot from `path`.
    #[napi(catch_unwind)]
    pub fn load(path: String) -> AsyncTask<Work<NativeEngine>> {
        run(move || {
            Ok(NativeEngine {
                inner: fairmatch::Engine::load(&path)?,
            })
        })
    }
}
