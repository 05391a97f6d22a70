//! The engine: the only room that composes the others, and the only one holding mutable
//! state (the catalog and the event log), behind one read–write lock. Queries take the read
//! side and always see a consistent state; writes validate everything first, then change
//! the state in one step under the write side, so a rejected call changes nothing.
//!
//! **History and outcomes.** A freelancer's track record (`History`) is supplied on upsert
//! when your database is the source of truth; [`Engine::record_outcome`] then increments it
//! (applied → proposals sent, hired → contracts and acceptances, completed → completions,
//! reviewed → ratings). An upsert that carries a `history` *replaces* the engine's counts
//! with yours (which must already include every outcome you recorded); an upsert without one
//! keeps the engine's counts. So an outcome is never counted twice as long as the history you
//! send is your own full count.

mod assemble;
mod audit;
mod catalog;
mod config;
mod driver;
mod events;
mod explain;
mod options;
mod request;
mod rerank;
mod skill_vectors;
mod snapshot;

use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;

pub use audit::{AuditOptions, AuditReport, GroupAudit, RatingGap};
pub use config::{EngineConfig, LedgerConfig, RetrievalConfig, ScoringConfig};
pub use events::{Counters, EventConfig, EventLog, RawEvent, Series};
pub use options::{
    FairnessOptions, Filters, LabelReport, Match, PairScore, RecommendOptions, Recommendations,
    UpsertReport,
};

use catalog::{Catalog, FreelancerEntry, JobEntry};
use driver::Anchor;
use request::RequestCtx;

use crate::domain::{
    Direction, Freelancer, History, Impressions, Job, Outcome, OutcomeKind, SkillVectorTable,
};
use crate::error::{EntityKind, Error, Result};
use crate::index::{HnswBuilder, HnswIndex, Metric, VectorStore};
use crate::rerank::ExposureLedger;
use crate::score::Scorer;
use crate::skills::{Taxonomy, builtin};

pub(crate) struct State {
    pub config: EngineConfig,
    pub catalog: Catalog,
    pub events: EventLog,
    pub ledger: ExposureLedger,
    /// Freelancer embeddings (model and dimension fixed by the first one stored).
    pub vectors: Option<HnswIndex>,
    /// The skill-vector table, if one was set.
    pub skill_vectors: Option<skill_vectors::SkillVectors>,
}

/// An embedded matching engine. Cheap to clone (a handle); safe to share across threads.
#[derive(Clone)]
pub struct Engine {
    state: Arc<RwLock<State>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.state.read();
        f.debug_struct("Engine")
            .field("taxonomy", &s.catalog.taxonomy.name())
            .field("freelancers", &s.catalog.live_freelancers)
            .field("jobs", &s.catalog.live_jobs)
            .finish()
    }
}

impl Default for Engine {
    fn default() -> Self {
        Self::new(builtin())
    }
}

impl Engine {
    /// An empty engine over `taxonomy` with the default configuration.
    pub fn new(taxonomy: Arc<Taxonomy>) -> Self {
        Self::with_parts(taxonomy, EngineConfig::default())
    }

    /// An empty engine with a configuration; rejects an invalid one.
    pub fn with_config(taxonomy: Arc<Taxonomy>, config: EngineConfig) -> Result<Self> {
        config.validate()?;
        Ok(Self::with_parts(taxonomy, config))
    }

    fn with_parts(taxonomy: Arc<Taxonomy>, config: EngineConfig) -> Self {
        let events = EventLog::new(config.events.clone());
        let catalog = Catalog::new(taxonomy, config.scoring.resolution.clone());
        let ledger = config.ledger.new_ledger().unwrap_or_else(|_| {
            LedgerConfig::default()
                .new_ledger()
                .expect("the default ledger config is valid")
        });
        Self {
            state: Arc::new(RwLock::new(State {
                config,
                catalog,
                events,
                ledger,
                vectors: None,
                skill_vectors: None,
            })),
        }
    }

    /// The taxonomy in use.
    pub fn taxonomy(&self) -> Arc<Taxonomy> {
        self.state.read().catalog.taxonomy.clone()
    }

    /// The configuration in use.
    pub fn config(&self) -> EngineConfig {
        self.state.read().config.clone()
    }

    /// Number of freelancers.
    pub fn freelancer_count(&self) -> usize {
        self.state.read().catalog.live_freelancers
    }

    /// Number of jobs.
    pub fn job_count(&self) -> usize {
        self.state.read().catalog.live_jobs
    }

    /// Adds or replaces one freelancer. Rejects invalid input (see `Freelancer::validate`; an
    /// embedding must also match the engine's model and dimension, fixed by the first vector
    /// stored on either side); errors name `freelancer.<field>`. Nothing changes on error.
    pub fn upsert_freelancer(&self, f: Freelancer) -> Result<()> {
        self.put_freelancers(vec![f], Naming::single("freelancer"))
            .map(|_| ())
    }

    /// Adds or replaces freelancers, all or nothing: the first invalid one (or an id given
    /// twice) rejects the batch and nothing changes; errors name `freelancers[i].<field>`.
    pub fn upsert_freelancers(&self, batch: Vec<Freelancer>) -> Result<()> {
        self.put_freelancers(batch, Naming::batch("freelancer", "freelancers"))
            .map(|_| ())
    }

    /// [`Engine::upsert_freelancers`], answering how every skill label resolved (skill, kind,
    /// similarity, the known form it matched), in batch order.
    pub fn upsert_freelancers_with_report(&self, batch: Vec<Freelancer>) -> Result<UpsertReport> {
        self.put_freelancers(batch, Naming::batch("freelancer", "freelancers"))
    }

    /// Validates everything, compiles everything, then applies: a rejected write changes
    /// nothing, not even the label interners that reach the snapshot.
    fn put_freelancers(&self, batch: Vec<Freelancer>, at: Naming) -> Result<UpsertReport> {
        let mut seen = std::collections::HashSet::new();
        for (i, f) in batch.iter().enumerate() {
            f.validate().map_err(|e| at.name(i, e))?;
            if !seen.insert(f.id.as_str()) {
                return Err(at.name(
                    i,
                    Error::invalid(
                        "freelancer.id",
                        format!("`{}` appears twice in the batch", f.id),
                    ),
                ));
            }
        }
        let mut s = self.state.write();
        check_embeddings(
            s.vectors.as_ref(),
            "freelancer",
            batch.iter().map(|f| f.embedding.as_ref()),
        )
        .map_err(|(i, e)| at.name(i, e))?;
        let mark = s.catalog.mark();
        let mut compiled: Vec<FreelancerEntry> = Vec::with_capacity(batch.len());
        for (i, f) in batch.into_iter().enumerate() {
            let history = match &f.history {
                Some(h) => h.clone(),
                None => s
                    .catalog
                    .freelancer_doc(&f.id)
                    .ok()
                    .and_then(|d| s.catalog.freelancers[d as usize].as_ref())
                    .map(|e| e.history.clone())
                    .unwrap_or_default(),
            };
            match s.catalog.compile_freelancer(f, history) {
                Ok(e) => compiled.push(e),
                Err(e) => {
                    s.catalog.rollback(mark);
                    return Err(at.name(i, e));
                }
            }
        }
        let mut report = UpsertReport::default();
        for e in &compiled {
            let labels: Vec<&str> = e.input.skills.iter().map(|c| c.skill.as_str()).collect();
            report.add(s.catalog.label_reports(&e.input.id, &labels));
        }
        // Everything is valid: storing cannot fail from here on (the vectors were prepared
        // by `check_embeddings` with the index's own rules).
        for e in compiled {
            let embedding = e.input.embedding.clone();
            let doc = s.catalog.put_freelancer(e)?;
            sync_vector(&mut s.vectors, doc, embedding.as_ref())?;
        }
        Ok(report)
    }

    /// Adds or replaces one job. Rejects invalid input (errors name `job.<field>`); nothing
    /// changes on error. A job's embedding must match the engine's model and dimension (fixed
    /// by the first vector stored on either side; a job's fixes it too).
    pub fn upsert_job(&self, j: Job) -> Result<()> {
        self.put_jobs(vec![j], Naming::single("job")).map(|_| ())
    }

    /// Adds or replaces jobs, all or nothing; errors name `jobs[i].<field>`.
    pub fn upsert_jobs(&self, batch: Vec<Job>) -> Result<()> {
        self.put_jobs(batch, Naming::batch("job", "jobs"))
            .map(|_| ())
    }

    /// [`Engine::upsert_jobs`], answering how every skill label resolved.
    pub fn upsert_jobs_with_report(&self, batch: Vec<Job>) -> Result<UpsertReport> {
        self.put_jobs(batch, Naming::batch("job", "jobs"))
    }

    fn put_jobs(&self, batch: Vec<Job>, at: Naming) -> Result<UpsertReport> {
        let mut seen = std::collections::HashSet::new();
        for (i, j) in batch.iter().enumerate() {
            j.validate().map_err(|e| at.name(i, e))?;
            if !seen.insert(j.id.as_str()) {
                return Err(at.name(
                    i,
                    Error::invalid("job.id", format!("`{}` appears twice in the batch", j.id)),
                ));
            }
        }
        let mut s = self.state.write();
        check_embeddings(
            s.vectors.as_ref(),
            "job",
            batch.iter().map(|j| j.embedding.as_ref()),
        )
        .map_err(|(i, e)| at.name(i, e))?;
        let mark = s.catalog.mark();
        let mut compiled: Vec<JobEntry> = Vec::with_capacity(batch.len());
        for (i, j) in batch.into_iter().enumerate() {
            match s.catalog.compile_job(j) {
                Ok(e) => compiled.push(e),
                Err(e) => {
                    s.catalog.rollback(mark);
                    return Err(at.name(i, e));
                }
            }
        }
        if s.vectors.is_none()
            && let Some(e) = compiled.iter().find_map(|c| c.input.embedding.as_ref())
        {
            // The first vector on either side fixes the engine's model and dimension.
            s.vectors = Some(new_vector_index(e)?);
        }
        let mut report = UpsertReport::default();
        for e in &compiled {
            let labels: Vec<&str> = e.input.skills.iter().map(|c| c.skill.as_str()).collect();
            report.add(s.catalog.label_reports(&e.input.id, &labels));
        }
        for e in compiled {
            s.catalog.put_job(e)?;
        }
        Ok(report)
    }

    /// Sets the skill-vector table: skills whose vectors have a cosine of at least
    /// `scoring.similarity.embedding_threshold` imply each other with similarity
    /// `embedding × cos` (kind `embedding` in explanations). Replaces the previous table,
    /// which must come from the same model (`UnknownId`, kind model, otherwise: call
    /// [`Engine::clear_skill_vectors`] first to change models). Rejects an invalid table
    /// naming the entry (see `SkillVectorTable::validate`), a skill the taxonomy does not know
    /// and a skill given twice; nothing changes on error.
    pub fn set_skill_vectors(&self, table: &SkillVectorTable) -> Result<()> {
        let mut s = self.state.write();
        if let Some(old) = &s.skill_vectors {
            old.check_replacement(table)?;
        }
        let built = skill_vectors::SkillVectors::build(table, &s.catalog.taxonomy)?;
        s.skill_vectors = Some(built);
        Ok(())
    }

    /// Removes the skill-vector table (no embedding matches afterwards).
    pub fn clear_skill_vectors(&self) {
        self.state.write().skill_vectors = None;
    }

    /// The model id and number of vectors of the skill-vector table, if one is set.
    pub fn skill_vectors(&self) -> Option<(String, usize)> {
        self.state
            .read()
            .skill_vectors
            .as_ref()
            .map(|v| (v.store.model_id().to_owned(), v.store.len()))
    }

    /// How `label` would resolve under this engine's rules, without storing anything: the
    /// taxonomy skill (or, for an unknown label, the ad-hoc skill it would be), the kind of
    /// match, its similarity and the known form it matched.
    pub fn resolve_label(&self, label: &str) -> LabelReport {
        let s = self.state.read();
        let c = &s.catalog;
        let r = c.taxonomy.resolve_with(label, &c.resolution);
        c.label_report(String::new(), 0, label, &r)
    }

    /// Removes a freelancer; `UnknownId` if absent. Recorded events stay in the log.
    pub fn remove_freelancer(&self, id: &str) -> Result<()> {
        let mut s = self.state.write();
        let doc = s.catalog.freelancer_doc(id)?;
        s.catalog.remove_freelancer(id)?;
        if let Some(v) = s.vectors.as_mut() {
            v.remove(doc);
        }
        Ok(())
    }

    /// Removes a job; `UnknownId` if absent.
    pub fn remove_job(&self, id: &str) -> Result<()> {
        self.state.write().catalog.remove_job(id)
    }

    /// A freelancer as stored, with its effective history.
    pub fn freelancer(&self, id: &str) -> Result<Freelancer> {
        let s = self.state.read();
        let d = s.catalog.freelancer_doc(id)?;
        s.catalog.freelancers[d as usize]
            .as_ref()
            .map(|e| e.input.clone())
            .ok_or_else(|| Error::unknown(EntityKind::Freelancer, id))
    }

    /// A job as stored.
    pub fn job(&self, id: &str) -> Result<Job> {
        let s = self.state.read();
        let d = s.catalog.job_doc(id)?;
        s.catalog.jobs[d as usize]
            .as_ref()
            .map(|e| e.input.clone())
            .ok_or_else(|| Error::unknown(EntityKind::Job, id))
    }

    /// The best freelancers for a stored job: hard filters (named vetoes), scoring under the
    /// options' preset, top-k (ties by external id), explanations for the k results.
    /// Rejects an unknown job id and invalid options.
    pub fn recommend_freelancers(
        &self,
        job_id: &str,
        opts: &RecommendOptions,
    ) -> Result<Recommendations> {
        opts.validate()?;
        let scorer = opts.preset.scorer(opts.weights.as_ref())?;
        self.recommend_freelancers_with(job_id, opts, scorer.as_ref())
    }

    /// [`Engine::recommend_freelancers`] scored by `scorer` instead of the options' preset
    /// (a preset of your own over the factors the engine computes, e.g. learned per-client
    /// weights; `options.preset` and `options.weights` are then not read, except that the
    /// answer names `options.preset`). Rejects an unknown job id and invalid options.
    pub fn recommend_freelancers_with(
        &self,
        job_id: &str,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        opts.validate_request()?;
        let s = self.state.read();
        let d = s.catalog.job_doc(job_id)?;
        let job = s.catalog.jobs[d as usize]
            .as_ref()
            .ok_or_else(|| Error::unknown(EntityKind::Job, job_id))?;
        let ctx = RequestCtx::new(&s, opts, scorer, Direction::FreelancersForJob);
        driver::recommend(&ctx, Anchor::Job(job))
    }

    /// The best open jobs for a stored freelancer (closed or expired jobs are vetoed as
    /// `job_closed`). Rejects an unknown freelancer id and invalid options.
    pub fn recommend_jobs(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
    ) -> Result<Recommendations> {
        opts.validate()?;
        let scorer = opts.preset.scorer(opts.weights.as_ref())?;
        self.recommend_jobs_with(freelancer_id, opts, scorer.as_ref())
    }

    /// [`Engine::recommend_jobs`] scored by `scorer` instead of the options' preset (see
    /// [`Engine::recommend_freelancers_with`]).
    pub fn recommend_jobs_with(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        opts.validate_request()?;
        let s = self.state.read();
        let d = s.catalog.freelancer_doc(freelancer_id)?;
        let ctx = RequestCtx::new(&s, opts, scorer, Direction::JobsForFreelancer);
        driver::recommend(&ctx, Anchor::Freelancer(d as usize))
    }

    /// Scores one (job, freelancer) pair with its explanation, and lists the vetoes that
    /// would remove the freelancer from the job's ranking.
    pub fn score(
        &self,
        job_id: &str,
        freelancer_id: &str,
        opts: &RecommendOptions,
    ) -> Result<PairScore> {
        opts.validate()?;
        let scorer = opts.preset.scorer(opts.weights.as_ref())?;
        let s = self.state.read();
        let jd = s.catalog.job_doc(job_id)?;
        let fd = s.catalog.freelancer_doc(freelancer_id)?;
        let Some(j) = s.catalog.jobs[jd as usize].as_ref() else {
            return Err(Error::unknown(EntityKind::Job, job_id));
        };
        let ctx = RequestCtx::new(&s, opts, scorer.as_ref(), Direction::FreelancersForJob);
        Ok(driver::score_pair(&ctx, j, fd as usize))
    }

    /// Records one shown list. Every freelancer id must be known (`UnknownId` otherwise; the
    /// job id too when given); nothing is recorded on error.
    pub fn record_impressions(&self, imp: &Impressions) -> Result<()> {
        imp.validate()?;
        let mut s = self.state.write();
        let job = match &imp.job_id {
            Some(j) => Some(s.catalog.job_doc(j)?),
            None => None,
        };
        let docs: Vec<u32> = imp
            .freelancer_ids
            .iter()
            .map(|id| s.catalog.freelancer_doc(id))
            .collect::<Result<_>>()?;
        let State {
            catalog,
            events,
            ledger,
            ..
        } = &mut *s;
        // The ledger's clock never goes back: an impression older than the latest one is
        // recorded at the latest time (its exposure is not decayed further).
        let t = (imp.at.timestamp() as f64).max(ledger.now().unwrap_or(f64::MIN));
        let mut by_position: Vec<(u32, u32)> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| (imp.position(i), *d))
            .collect();
        by_position.sort_unstable();
        let ranking: Vec<u32> = by_position.iter().map(|(_, d)| *d).collect();
        ledger.record(&ranking, t)?;
        if let Some(scores) = &imp.scores {
            let merits: Vec<(u32, f64)> =
                docs.iter().copied().zip(scores.iter().copied()).collect();
            ledger.record_merit(&merits, t)?;
        }
        for (i, d) in docs.iter().enumerate() {
            let attrs = &catalog.freelancers[*d as usize]
                .as_ref()
                .map(|e| &e.input.attributes);
            let empty = Default::default();
            events.impression(*d, job, imp.position(i), imp.at, attrs.unwrap_or(&empty));
        }
        Ok(())
    }

    /// A copy of the exposure ledger (keys are internal freelancer ids).
    pub fn ledger(&self) -> ExposureLedger {
        self.state.read().ledger.clone()
    }

    /// Records one outcome and updates the freelancer's history (see the module docs for how
    /// this combines with histories supplied on upsert). Rejects unknown ids and an outcome
    /// that would push a history count past `u32::MAX`; nothing is recorded on error.
    pub fn record_outcome(&self, o: &Outcome) -> Result<()> {
        o.validate()?;
        let mut s = self.state.write();
        let d = s.catalog.freelancer_doc(&o.freelancer_id)?;
        let job = match &o.job_id {
            Some(j) => Some(s.catalog.job_doc(j)?),
            None => None,
        };
        let State {
            catalog, events, ..
        } = &mut *s;
        let Some(entry) = catalog.freelancers[d as usize].as_ref() else {
            return Err(Error::unknown(EntityKind::Freelancer, &o.freelancer_id));
        };
        let mut h = entry.history.clone();
        apply_outcome(&mut h, o)?;
        events.outcome(d, job, o.kind, o.rating, o.at, &entry.input.attributes);
        catalog.set_history(d, h);
        Ok(())
    }

    /// Audits exposure, the hiring funnel and ratings per value of one freelancer attribute
    /// over a time window (see [`AuditReport`]).
    pub fn audit(&self, opts: &AuditOptions) -> Result<AuditReport> {
        audit::audit(&self.state.read(), opts)
    }

    /// A copy of the event log (aggregates and raw window).
    pub fn events(&self) -> EventLog {
        self.state.read().events.clone()
    }

    /// Serialises the whole engine to snapshot bytes (see `persist`).
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        snapshot::to_bytes(&self.state.read())
    }

    /// Rebuilds an engine from snapshot bytes. A truncated, corrupt, future-version or
    /// foreign input is an error; nothing partial is ever returned.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let state = snapshot::from_bytes(bytes)?;
        Ok(Self {
            state: Arc::new(RwLock::new(state)),
        })
    }

    /// Saves a snapshot atomically (temporary file, fsync, rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let bytes = self.to_bytes()?;
        crate::persist::save_atomic(path.as_ref(), &bytes)
    }

    /// Loads a snapshot file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self> {
        Self::from_bytes(&crate::persist::read_file(path.as_ref())?)
    }
}

/// How a write names the fields of its entity `i`: `freelancer.skills[0].level` for a single
/// upsert, `freelancers[3].skills[0].level` in a batch (the core's validation names the
/// singular form).
#[derive(Debug, Clone, Copy)]
struct Naming {
    single: &'static str,
    plural: Option<&'static str>,
}

impl Naming {
    fn single(single: &'static str) -> Self {
        Naming {
            single,
            plural: None,
        }
    }

    fn batch(single: &'static str, plural: &'static str) -> Self {
        Naming {
            single,
            plural: Some(plural),
        }
    }

    /// `e` with its field named for entity `i` of this write.
    fn name(&self, i: usize, e: Error) -> Error {
        let Some(plural) = self.plural else {
            return e;
        };
        e.at_item(self.single, plural, i)
    }
}

/// Checks the embeddings of a write (`side` = `freelancer` or `job`) with the vector
/// index's own rules (model id, dimension, finite, non-zero under cosine) and against the
/// engine's model and dimension: those of the index, or, before there is one, of the first
/// embedding of the write. Returns the entity number with the first error.
fn check_embeddings<'a>(
    vectors: Option<&HnswIndex>,
    side: &str,
    embeddings: impl Iterator<Item = Option<&'a crate::Embedding>>,
) -> std::result::Result<(), (usize, Error)> {
    let mut first: Option<(String, usize)> =
        vectors.map(|v| (v.store().model_id().to_owned(), v.store().dim()));
    for (i, e) in embeddings.enumerate() {
        let Some(e) = e else { continue };
        let field = format!("{side}.embedding");
        let vector_field = format!("{field}.vector");
        let check = || -> Result<()> {
            crate::index::check_collection(
                &e.model,
                e.vector.len(),
                &format!("{field}.model"),
                &vector_field,
            )?;
            if let Some((model, dim)) = &first {
                if &e.model != model {
                    return Err(Error::unknown(EntityKind::Model, &e.model));
                }
                if e.vector.len() != *dim {
                    return Err(Error::DimensionMismatch {
                        field: vector_field.clone(),
                        expected: *dim,
                        got: e.vector.len(),
                    });
                }
            }
            crate::index::prepare(&vector_field, Metric::Cosine, e.vector.len(), &e.vector)
                .map(|_| ())
        };
        check().map_err(|err| (i, err))?;
        if first.is_none() {
            first = Some((e.model.clone(), e.vector.len()));
        }
    }
    Ok(())
}

/// An empty index of freelancer embeddings for `e`'s model and dimension.
fn new_vector_index(e: &crate::Embedding) -> Result<HnswIndex> {
    let store = VectorStore::new(&e.model, e.vector.len(), Metric::Cosine)?;
    HnswBuilder::new().parallel_build(false).build(store)
}

/// Stores (or drops) freelancer `doc`'s embedding in the vector index, creating the index on
/// the first embedding.
fn sync_vector(
    vectors: &mut Option<HnswIndex>,
    doc: u32,
    e: Option<&crate::Embedding>,
) -> Result<()> {
    match (vectors.as_mut(), e) {
        (Some(v), Some(e)) => v.upsert(doc, &e.vector),
        (Some(v), None) => {
            v.remove(doc);
            Ok(())
        }
        (None, Some(e)) => {
            let mut idx = new_vector_index(e)?;
            idx.upsert(doc, &e.vector)?;
            *vectors = Some(idx);
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// How an outcome changes a history (counts stay consistent: completed ≤ total, accepted ≤
/// sent, active ≤ total). A count that would pass `u32::MAX` rejects the outcome (field
/// `freelancer.history.<count>`) instead of wrapping, so every history the engine holds
/// passes `History::validate` and its snapshot loads.
fn apply_outcome(h: &mut History, o: &Outcome) -> Result<()> {
    fn inc(x: u32, name: &str) -> Result<u32> {
        x.checked_add(1).ok_or_else(|| {
            Error::invalid(
                format!("freelancer.history.{name}"),
                format!(
                    "is at its maximum ({}); the outcome cannot be counted",
                    u32::MAX
                ),
            )
        })
    }
    let later = |a: Option<chrono::DateTime<chrono::Utc>>| Some(a.map_or(o.at, |x| x.max(o.at)));
    match o.kind {
        OutcomeKind::Viewed | OutcomeKind::Shortlisted => {}
        OutcomeKind::Applied => {
            h.proposals_sent = inc(h.proposals_sent, "proposals_sent")?;
            h.last_proposal_at = later(h.last_proposal_at);
        }
        OutcomeKind::Hired => {
            h.proposals_accepted = inc(h.proposals_accepted, "proposals_accepted")?;
            h.proposals_sent = h.proposals_sent.max(h.proposals_accepted);
            h.contracts_total = inc(h.contracts_total, "contracts_total")?;
            h.active_contracts = inc(h.active_contracts, "active_contracts")?;
            h.last_contract_at = later(h.last_contract_at);
        }
        OutcomeKind::Completed => {
            h.contracts_completed = inc(h.contracts_completed, "contracts_completed")?;
            h.active_contracts = h.active_contracts.saturating_sub(1);
            let total = h
                .contracts_completed
                .checked_add(h.active_contracts)
                .ok_or_else(|| {
                    Error::invalid(
                        "freelancer.history.contracts_total",
                        format!(
                            "completed + active contracts would pass {}; the outcome cannot \
                             be counted",
                            u32::MAX
                        ),
                    )
                })?;
            h.contracts_total = h.contracts_total.max(total);
        }
        OutcomeKind::Reviewed => {
            h.ratings_count = inc(h.ratings_count, "ratings_count")?;
            h.ratings_sum += o.rating.unwrap_or(0.0);
        }
    }
    Ok(())
}
