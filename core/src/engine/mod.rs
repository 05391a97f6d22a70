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
mod compile;
mod config;
mod driver;
mod events;
mod explain;
mod learning;
mod offline;
mod options;
mod record;
mod request;
mod rerank;
mod rows;
mod skill_vectors;
mod snapshot;
mod write;

use std::path::Path;
use std::sync::Arc;

use parking_lot::RwLock;

pub use audit::{AuditOptions, AuditReport, GroupAudit, RatingGap};
pub use config::{
    EngineConfig, ExplorationPolicy, LearningConfig, LedgerConfig, MeritSource, RetrievalConfig,
    ScoringConfig,
};
pub use events::{Counters, EventConfig, EventLog, RawEvent, Series};
pub use learning::CLIENT_ATTRIBUTE;
pub use offline::{OfflineCandidate, OfflineEvaluation};
pub use options::{
    FairnessOptions, Filters, LabelReport, Match, PairScore, RecommendOptions, Recommendations,
    UpsertReport,
};

use catalog::Catalog;
use driver::Anchor;
use request::RequestCtx;

use crate::domain::{Direction, Freelancer, Job};
use crate::error::{EntityKind, Error, Result};
use crate::index::HnswIndex;
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
    /// The impression log and the learned model (issue 18).
    pub learning: learning::LearningState,
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
                learning: learning::LearningState::default(),
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
        self.read().recommend_freelancers(job_id, opts)
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
        self.read().recommend_freelancers_with(job_id, opts, scorer)
    }

    /// The best open jobs for a stored freelancer (closed or expired jobs are vetoed as
    /// `job_closed`). Rejects an unknown freelancer id and invalid options.
    pub fn recommend_jobs(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
    ) -> Result<Recommendations> {
        self.read().recommend_jobs(freelancer_id, opts)
    }

    /// [`Engine::recommend_jobs`] scored by `scorer` instead of the options' preset (see
    /// [`Engine::recommend_freelancers_with`]).
    pub fn recommend_jobs_with(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        self.read().recommend_jobs_with(freelancer_id, opts, scorer)
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
        let s = self.state.read();
        let j = job_entry(&s, job_id)?;
        let fd = s.catalog.freelancer_doc(freelancer_id)?;
        let scorer = Self::scorer_for(&s, opts, Some(j))?;
        let ctx = RequestCtx::new(&s, opts, scorer.as_ref(), Direction::FreelancersForJob);
        Ok(driver::score_pair(&ctx, j, fd as usize))
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

impl Engine {
    /// The engine's state held for reading until the view is dropped: the queries on
    /// [`EngineRead`] all see this one state. Waits while a write holds the lock (or waits
    /// for it: writers are not starved). Do not call a writing method on the same thread
    /// while the view lives (it would wait for itself).
    pub fn read(&self) -> EngineRead<'_> {
        EngineRead {
            s: self.state.read(),
        }
    }

    /// [`Engine::read`] only if it can be had at once: `None` while a write holds the lock
    /// or waits for it. For work running on a work-stealing pool (rayon) thread, which must
    /// never block on the lock: a pool thread waiting inside a parallel query may pick up
    /// another query, and if that one blocked behind a waiting writer, the writer would wait
    /// for the first query and the first query for the blocked thread. On `None`, run the
    /// query from a thread outside the pool (with [`Engine::read`] or the `Engine` method).
    pub fn try_read(&self) -> Option<EngineRead<'_>> {
        self.state.try_read().map(|s| EngineRead { s })
    }
}

/// A read view of the engine (see [`Engine::read`] and [`Engine::try_read`]): the read-only
/// queries, answered against the state the view holds.
pub struct EngineRead<'e> {
    s: parking_lot::RwLockReadGuard<'e, State>,
}

impl std::fmt::Debug for EngineRead<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineRead")
            .field("freelancers", &self.s.catalog.live_freelancers)
            .field("jobs", &self.s.catalog.live_jobs)
            .finish()
    }
}

impl EngineRead<'_> {
    /// [`Engine::recommend_freelancers`] on this view's state.
    pub fn recommend_freelancers(
        &self,
        job_id: &str,
        opts: &RecommendOptions,
    ) -> Result<Recommendations> {
        opts.validate()?;
        let job = job_entry(&self.s, job_id)?;
        let scorer = Engine::scorer_for(&self.s, opts, Some(job))?;
        self.rank_for_job(job, opts, scorer.as_ref())
    }

    /// [`Engine::recommend_freelancers_with`] on this view's state.
    pub fn recommend_freelancers_with(
        &self,
        job_id: &str,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        opts.validate_request()?;
        self.rank_for_job(job_entry(&self.s, job_id)?, opts, scorer)
    }

    /// [`Engine::recommend_jobs`] on this view's state.
    pub fn recommend_jobs(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
    ) -> Result<Recommendations> {
        opts.validate()?;
        let d = self.s.catalog.freelancer_doc(freelancer_id)?;
        // one state for the scorer and the ranking, so a `learn` in between cannot swap the
        // model; the learned preset ranks jobs of many clients: its global weights
        let scorer = Engine::scorer_for(&self.s, opts, None)?;
        self.rank_for_freelancer(d, opts, scorer.as_ref())
    }

    /// [`Engine::recommend_jobs_with`] on this view's state.
    pub fn recommend_jobs_with(
        &self,
        freelancer_id: &str,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        opts.validate_request()?;
        let d = self.s.catalog.freelancer_doc(freelancer_id)?;
        self.rank_for_freelancer(d, opts, scorer)
    }

    /// The freelancers for `job`, ranked by `scorer` (options already validated).
    fn rank_for_job(
        &self,
        job: &catalog::JobEntry,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        let ctx = RequestCtx::new(&self.s, opts, scorer, Direction::FreelancersForJob);
        driver::recommend(&ctx, Anchor::Job(job))
    }

    /// The jobs for the freelancer of doc `d`, ranked by `scorer` (options already
    /// validated).
    fn rank_for_freelancer(
        &self,
        d: crate::DocId,
        opts: &RecommendOptions,
        scorer: &dyn Scorer,
    ) -> Result<Recommendations> {
        let ctx = RequestCtx::new(&self.s, opts, scorer, Direction::JobsForFreelancer);
        driver::recommend(&ctx, Anchor::Freelancer(d as usize))
    }
}

/// The stored job `job_id` (`UnknownId` otherwise).
fn job_entry<'s>(s: &'s State, job_id: &str) -> Result<&'s catalog::JobEntry> {
    let d = s.catalog.job_doc(job_id)?;
    s.catalog.jobs[d as usize]
        .as_ref()
        .ok_or_else(|| Error::unknown(EntityKind::Job, job_id))
}
