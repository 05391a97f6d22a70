//! `fairmatch.Engine`: thin wrappers over `fairmatch::Engine`.
//!
//! Every method converts its arguments (`convert.rs`), releases the GIL, calls one core
//! function and maps the error (`error.rs`). The core engine is `Clone + Send + Sync` (an
//! `Arc<RwLock<…>>`), so one `Engine` may be used from many Python threads at once.

use fairmatch::engine::{AuditOptions, OfflineCandidate};
use fairmatch::learn::{FitConfig, OpeConfig};
use fairmatch::{
    EngineConfig, Freelancer, Impressions, Job, Outcome, RecommendOptions, SkillVectorTable,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::convert::{
    from_json, from_py, from_py_or_default, from_value, json_text, text, to_py, to_value,
};
use crate::error::IntoPy;
use crate::taxonomy::PyTaxonomy;

/// The matching engine: catalogue of freelancers and jobs, recommendations both ways with
/// fairness policies, event log, exposure ledger, audits and snapshots.
///
/// Inputs are plain dicts (see the TypedDicts in the stubs; a pydantic model's
/// `.model_dump()` passes straight in); outputs are plain dicts/lists. Thread-safe; the GIL
/// is released while the engine works. Picklable (via `to_bytes`/`from_bytes`).
#[derive(Debug)]
#[pyclass(module = "fairmatch", name = "Engine", frozen)]
pub struct PyEngine {
    inner: fairmatch::Engine,
}

fn opts(o: Option<&Bound<'_, PyAny>>) -> PyResult<RecommendOptions> {
    from_py_or_default(o, "options")
}

/// A write's input, converted to plain values with the GIL held; parsed into core types,
/// validated and applied with it released (`Input::parse` needs no GIL).
enum Input<'a> {
    /// Dicts and lists, converted to a JSON value tree.
    Value(serde_json::Value),
    /// A JSON document (`str` or `bytes`): nothing is converted with the GIL held.
    Json(std::borrow::Cow<'a, [u8]>),
}

impl<'a> Input<'a> {
    /// `obj` as dicts/lists, or as a JSON document when `json_ok` and it is `str`/`bytes`.
    fn read(obj: &'a Bound<'_, PyAny>, field: &str, json_ok: bool) -> PyResult<Self> {
        if json_ok && let Some(j) = json_text(obj, field)? {
            return Ok(Input::Json(j));
        }
        Ok(Input::Value(to_value(obj, field)?))
    }

    /// The core value (no GIL needed); errors name `field` and the key inside it.
    fn parse<T: serde::de::DeserializeOwned>(self, field: &str) -> fairmatch::Result<T> {
        match self {
            Input::Value(v) => from_value(v, field),
            Input::Json(j) => from_json(&j, field),
        }
    }
}

/// A batch write: `obj` read as a list of dicts or a JSON document (`field` names it in
/// errors), parsed and applied by `apply` with the GIL released.
fn write_batch<T, R>(
    py: Python<'_>,
    obj: &Bound<'_, PyAny>,
    field: &str,
    apply: impl FnOnce(Vec<T>) -> fairmatch::Result<R> + Send,
) -> PyResult<R>
where
    T: serde::de::DeserializeOwned,
    R: Send,
{
    let input = Input::read(obj, field, true)?;
    py.detach(|| apply(input.parse(field)?)).py_err()
}

#[pymethods]
impl PyEngine {
    /// `Engine(taxonomy=None, config=None)`: an empty engine over `taxonomy` (default: the
    /// built-in taxonomy) with `config` (an `EngineConfig` dict; default: defaults).
    #[new]
    #[pyo3(signature = (taxonomy=None, config=None))]
    fn new(taxonomy: Option<&PyTaxonomy>, config: Option<&Bound<'_, PyAny>>) -> PyResult<Self> {
        let tax = taxonomy.map_or_else(fairmatch::builtin, |t| t.inner.clone());
        let cfg: EngineConfig = from_py_or_default(config, "config")?;
        let inner = fairmatch::Engine::with_config(tax, cfg).py_err()?;
        Ok(Self { inner })
    }

    /// Inserts or replaces one freelancer (a `Freelancer` dict). Errors name
    /// `freelancer.<key>`; nothing changes on error.
    fn upsert_freelancer(&self, py: Python<'_>, freelancer: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = Input::read(freelancer, "freelancer", false)?;
        py.detach(|| {
            let f: Freelancer = input.parse("freelancer")?;
            self.inner.upsert_freelancer(f)
        })
        .py_err()
    }

    /// Inserts or replaces many freelancers atomically (all or none): a list of `Freelancer`
    /// dicts, or the same list as a JSON document (`str` or `bytes`, the bulk path: parsed
    /// with the GIL released). Errors name `freelancers[i].<key>`.
    fn upsert_freelancers(&self, py: Python<'_>, freelancers: &Bound<'_, PyAny>) -> PyResult<()> {
        write_batch(py, freelancers, "freelancers", |b: Vec<Freelancer>| {
            self.inner.upsert_freelancers(b)
        })
    }

    /// `upsert_freelancers`, answering how every skill label resolved: an `UpsertReport`
    /// dict (`labels`: one `LabelReport` per label in batch order; `by_kind`: counts per
    /// resolution kind). Nothing changes on error.
    fn upsert_freelancers_with_report<'py>(
        &self,
        py: Python<'py>,
        freelancers: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = write_batch(py, freelancers, "freelancers", |b: Vec<Freelancer>| {
            self.inner.upsert_freelancers_with_report(b)
        })?;
        to_py(py, &r)
    }

    /// Inserts or replaces one job (a `Job` dict). Errors name `job.<key>`.
    fn upsert_job(&self, py: Python<'_>, job: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = Input::read(job, "job", false)?;
        py.detach(|| {
            let j: Job = input.parse("job")?;
            self.inner.upsert_job(j)
        })
        .py_err()
    }

    /// Inserts or replaces many jobs atomically (all or none): a list of `Job` dicts or a
    /// JSON document of it (`str`/`bytes`). Errors name `jobs[i].<key>`.
    fn upsert_jobs(&self, py: Python<'_>, jobs: &Bound<'_, PyAny>) -> PyResult<()> {
        write_batch(py, jobs, "jobs", |b: Vec<Job>| self.inner.upsert_jobs(b))
    }

    /// `upsert_jobs`, answering how every skill label resolved (an `UpsertReport` dict).
    fn upsert_jobs_with_report<'py>(
        &self,
        py: Python<'py>,
        jobs: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let r = write_batch(py, jobs, "jobs", |b: Vec<Job>| {
            self.inner.upsert_jobs_with_report(b)
        })?;
        to_py(py, &r)
    }

    /// How `label` would resolve under this engine's rules, storing nothing: a `LabelReport`
    /// dict (the skill or, for an unknown label, the ad-hoc skill it would be; the kind —
    /// `exact`, `alias`, `contained`, `acronym`, `fuzzy`, `unknown` — its similarity and the
    /// known form it matched; look-alike ad-hoc skills). `InvalidInputError` unless a `str`.
    fn resolve_label<'py>(
        &self,
        py: Python<'py>,
        label: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let label = text(label, "label")?;
        let r = py.detach(|| self.inner.resolve_label(&label));
        to_py(py, &r)
    }

    /// Sets the skill-vector table (a `SkillVectorTable` dict: `model` and `vectors`, each
    /// `{"skill": label, alias or URI, "vector": [...]}`): skills whose vectors are close
    /// imply each other (kind `embedding` in explanations). Replacing a table needs the same
    /// model id (`UnknownIdError`, kind `model`; `clear_skill_vectors` first to change
    /// models); a bad entry, an unknown skill or a skill given twice is an
    /// `InvalidInputError` naming it. Nothing changes on error.
    fn set_skill_vectors(&self, py: Python<'_>, table: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = Input::read(table, "skill_vectors", false)?;
        py.detach(|| {
            let t: SkillVectorTable = input.parse("skill_vectors")?;
            self.inner.set_skill_vectors(&t)
        })
        .py_err()
    }

    /// Removes the skill-vector table (no embedding matches afterwards).
    fn clear_skill_vectors(&self, py: Python<'_>) {
        py.detach(|| self.inner.clear_skill_vectors());
    }

    /// `(model id, number of vectors)` of the skill-vector table, or `None`.
    fn skill_vectors(&self) -> Option<(String, usize)> {
        self.inner.skill_vectors()
    }

    /// Removes a freelancer; `UnknownIdError` if absent.
    fn remove_freelancer(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = text(id, "id")?;
        py.detach(|| self.inner.remove_freelancer(&id)).py_err()
    }

    /// Removes a job; `UnknownIdError` if absent.
    fn remove_job(&self, py: Python<'_>, id: &Bound<'_, PyAny>) -> PyResult<()> {
        let id = text(id, "id")?;
        py.detach(|| self.inner.remove_job(&id)).py_err()
    }

    /// The stored freelancer as a dict; `UnknownIdError` if absent.
    fn freelancer<'py>(
        &self,
        py: Python<'py>,
        id: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let f = self.inner.freelancer(&text(id, "id")?).py_err()?;
        to_py(py, &f)
    }

    /// The stored job as a dict; `UnknownIdError` if absent.
    fn job<'py>(&self, py: Python<'py>, id: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let j = self.inner.job(&text(id, "id")?).py_err()?;
        to_py(py, &j)
    }

    /// Number of live freelancers.
    fn freelancer_count(&self) -> usize {
        self.inner.freelancer_count()
    }

    /// Number of live jobs.
    fn job_count(&self) -> usize {
        self.inner.job_count()
    }

    /// The top freelancers for a job (`options`: a `RecommendOptions` dict).
    #[pyo3(signature = (job_id, options=None))]
    fn recommend_freelancers<'py>(
        &self,
        py: Python<'py>,
        job_id: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let job_id = text(job_id, "job_id")?;
        let o = opts(options)?;
        let r = py
            .detach(|| self.inner.recommend_freelancers(&job_id, &o))
            .py_err()?;
        to_py(py, &r)
    }

    /// The top jobs for a freelancer (`options`: a `RecommendOptions` dict).
    #[pyo3(signature = (freelancer_id, options=None))]
    fn recommend_jobs<'py>(
        &self,
        py: Python<'py>,
        freelancer_id: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let freelancer_id = text(freelancer_id, "freelancer_id")?;
        let o = opts(options)?;
        let r = py
            .detach(|| self.inner.recommend_jobs(&freelancer_id, &o))
            .py_err()?;
        to_py(py, &r)
    }

    /// Scores one (job, freelancer) pair, with the vetoes that would exclude it.
    #[pyo3(signature = (job_id, freelancer_id, options=None))]
    fn score<'py>(
        &self,
        py: Python<'py>,
        job_id: &Bound<'py, PyAny>,
        freelancer_id: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let (job_id, freelancer_id) = (
            text(job_id, "job_id")?,
            text(freelancer_id, "freelancer_id")?,
        );
        let o = opts(options)?;
        let r = py
            .detach(|| self.inner.score(&job_id, &freelancer_id, &o))
            .py_err()?;
        to_py(py, &r)
    }

    /// Records that a ranking was shown (an `Impressions` dict).
    fn record_impressions(&self, py: Python<'_>, impressions: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = Input::read(impressions, "impressions", false)?;
        py.detach(|| {
            let imp: Impressions = input.parse("impressions")?;
            self.inner.record_impressions(&imp)
        })
        .py_err()
    }

    /// Records an outcome (viewed, applied, hired, …; an `Outcome` dict).
    fn record_outcome(&self, py: Python<'_>, outcome: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = Input::read(outcome, "outcome", false)?;
        py.detach(|| {
            let o: Outcome = input.parse("outcome")?;
            self.inner.record_outcome(&o)
        })
        .py_err()
    }

    /// Bias audit over the event log: `options` is an attribute name or an `AuditOptions`
    /// dict.
    fn audit<'py>(
        &self,
        py: Python<'py>,
        options: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let o: AuditOptions = if options.is_instance_of::<pyo3::types::PyString>() {
            AuditOptions::new(text(options, "options")?)
        } else {
            from_py(options, "options")?
        };
        let r = py.detach(|| self.inner.audit(&o)).py_err()?;
        to_py(py, &r)
    }

    /// Fits the position-based click model to the logged impressions and outcomes and keeps
    /// it as the `learned` preset (`config`: a `FitConfig` dict, e.g. `{"target":
    /// "proposed"}`); returns the model (weights with bootstrap intervals, position curve,
    /// hold-out log loss, per-client weights). Raises `InsufficientLogsError` when the logs
    /// carry no position variation or too few outcomes.
    #[pyo3(signature = (config=None))]
    fn learn<'py>(
        &self,
        py: Python<'py>,
        config: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c: FitConfig = from_py_or_default(config, "config")?;
        let m = py.detach(|| self.inner.learn(&c)).py_err()?;
        to_py(py, &m)
    }

    /// The weights the `learned` preset uses for jobs of `client` (the job attribute
    /// `client_id`; `None` or a client without enough outcomes: the global weights), in the
    /// order of `learned_model()["factor_names"]`; `None` before the first `learn()`.
    #[pyo3(signature = (client=None))]
    fn learned_weights(&self, client: Option<&str>) -> Option<Vec<f64>> {
        self.inner.learned_weights(client)
    }

    /// The model of the last `learn()` (or `None`).
    fn learned_model<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.learned_model())
    }

    /// Off-policy estimates of candidate rankings from the explored logged lists
    /// (`candidates`: `OfflineCandidate` dicts — preset, weights, fairness; `options`: an
    /// `OpeConfig` dict — k, target, bootstrap_rounds, seed, confidence). Returns one entry
    /// per candidate with IPS, SNIPS and (after `learn()`) doubly robust estimates and their
    /// intervals.
    #[pyo3(signature = (candidates, options=None))]
    fn evaluate_offline<'py>(
        &self,
        py: Python<'py>,
        candidates: &Bound<'py, PyAny>,
        options: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let c: Vec<OfflineCandidate> = from_py(candidates, "candidates")?;
        let o: OpeConfig = from_py_or_default(options, "options")?;
        let r = py.detach(|| self.inner.evaluate_offline(&c, &o)).py_err()?;
        to_py(py, &r)
    }

    /// The event log (aggregated counters) as a dict.
    fn events<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let e = py.detach(|| self.inner.events());
        to_py(py, &e)
    }

    /// The exposure ledger as a dict.
    fn ledger<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let l = py.detach(|| self.inner.ledger());
        to_py(py, &l)
    }

    /// The engine configuration as a dict.
    fn config<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.inner.config())
    }

    /// The engine's taxonomy.
    #[getter]
    fn taxonomy(&self) -> PyTaxonomy {
        PyTaxonomy {
            inner: self.inner.taxonomy(),
        }
    }

    /// Serialises the whole engine to a versioned, checksummed snapshot.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = py.detach(|| self.inner.to_bytes()).py_err()?;
        Ok(PyBytes::new(py, &b))
    }

    /// Restores an engine from `to_bytes()` output; `SnapshotError` if invalid.
    #[staticmethod]
    fn from_bytes(py: Python<'_>, data: &[u8]) -> PyResult<Self> {
        let inner = py.detach(|| fairmatch::Engine::from_bytes(data)).py_err()?;
        Ok(Self { inner })
    }

    /// Saves a snapshot to `path` atomically.
    fn save(&self, py: Python<'_>, path: std::path::PathBuf) -> PyResult<()> {
        py.detach(|| self.inner.save(&path)).py_err()
    }

    /// Loads a snapshot from `path`.
    #[staticmethod]
    fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<Self> {
        let inner = py.detach(|| fairmatch::Engine::load(&path)).py_err()?;
        Ok(Self { inner })
    }

    /// Pickle support: `Engine.from_bytes(engine.to_bytes())`.
    fn __reduce__<'py>(
        slf: &Bound<'py, Self>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyTuple>)> {
        let py = slf.py();
        let ctor = slf.get_type().getattr("from_bytes")?;
        let bytes = slf.get().to_bytes(py)?;
        Ok((ctor, PyTuple::new(py, [bytes])?))
    }

    fn __repr__(&self) -> String {
        format!(
            "Engine(taxonomy={:?}, freelancers={}, jobs={})",
            self.inner.taxonomy().name(),
            self.inner.freelancer_count(),
            self.inner.job_count()
        )
    }
}
