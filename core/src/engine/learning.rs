//! Learning from outcomes (issue 18), the engine's side of the [`crate::learn`] room: what
//! `record_impressions` and `record_outcome` keep for a later fit (the `default` factor values
//! of every shown (job, freelancer) pair at the time it was shown, its position and the
//! probability of that position under the logging policy, and the outcomes that followed),
//! [`Engine::learn`] (the position-based click model fit, kept as the `learned` preset),
//! [`Engine::evaluate_offline`] (off-policy estimates of candidate rankings from the same logs)
//! and the `learned` preset's scorer, per client once a client has enough outcomes.
//!
//! Clients are read from the job attribute [`CLIENT_ATTRIBUTE`] (`client_id`); a job without
//! it is logged without a client (global weights only).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::catalog::JobEntry;
use super::request::RequestCtx;
use super::{Engine, RecommendOptions, State, driver};
use crate::domain::{Direction, Impressions, OutcomeKind};
use crate::error::{Error, Result};
use crate::ids::{DocId, Interner};
use crate::learn::{self, FitConfig, ImpressionLog, LearnedModel, LoggedItem, Outcome, SlateMeta};
use crate::score::{DEFAULT_FACTORS, Preset, Scorer};

/// The job attribute that names a job's client (per-client learned weights).
pub const CLIENT_ATTRIBUTE: &str = "client_id";

/// The engine's learning state: the impression log with the ids it refers to, and the latest
/// learned model.
#[derive(Debug, Clone)]
pub(crate) struct LearningState {
    pub log: ImpressionLog,
    /// Per logged item: the shown freelancer's internal id.
    pub freelancers: Vec<DocId>,
    /// Per logged slate: the job's internal id and the slate's first item.
    pub slates: Vec<(DocId, u32)>,
    /// Client ids (job attribute `client_id`) by the number the log stores.
    pub clients: Interner,
    /// The latest logged item of each (job, freelancer) pair: where an outcome lands
    /// (derived; rebuilt on load).
    pub latest: HashMap<(DocId, DocId), usize>,
    /// The model of the last [`Engine::learn`].
    pub model: Option<LearnedModel>,
}

impl Default for LearningState {
    fn default() -> Self {
        Self {
            log: ImpressionLog::new(factor_names()),
            freelancers: Vec::new(),
            slates: Vec::new(),
            clients: Interner::new(),
            latest: HashMap::new(),
            model: None,
        }
    }
}

fn factor_names() -> Vec<String> {
    DEFAULT_FACTORS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect()
}

/// The snapshot form of [`LearningState`] (section `learning`).
#[derive(Serialize, Deserialize)]
pub(crate) struct LearningData {
    log: ImpressionLog,
    freelancers: Vec<DocId>,
    slates: Vec<(DocId, u32)>,
    clients: Interner,
    model: Option<LearnedModel>,
}

impl LearningState {
    /// The snapshot form.
    pub fn to_data(&self) -> LearningData {
        LearningData {
            log: self.log.clone(),
            freelancers: self.freelancers.clone(),
            slates: self.slates.clone(),
            clients: self.clients.clone(),
            model: self.model.clone(),
        }
    }

    /// Rebuilds the state from its snapshot form, checking it against the catalogue's id
    /// counts (every id in range, one id per logged item, slates in order and in range, a
    /// model over the `default` factors).
    pub fn from_data(mut d: LearningData, freelancer_ids: usize, job_ids: usize) -> Result<Self> {
        let bad = |m: String| Error::corrupt(format!("learning: {m}"));
        if d.log.factor_names() != factor_names().as_slice() {
            return Err(bad("the log's factors are not the default factors".into()));
        }
        if d.freelancers.len() != d.log.n_items() || d.slates.len() != d.log.n_slates() {
            return Err(bad("ids do not match the log's items and slates".into()));
        }
        if let Some(f) = d
            .freelancers
            .iter()
            .find(|&&f| f as usize >= freelancer_ids)
        {
            return Err(bad(format!("item freelancer {f} is not a freelancer id")));
        }
        let mut prev = None;
        for (i, &(job, first)) in d.slates.iter().enumerate() {
            if job as usize >= job_ids {
                return Err(bad(format!("slate {i}: job {job} is not a job id")));
            }
            if first as usize >= d.log.n_items() || prev.is_some_and(|p| first <= p) {
                return Err(bad(format!("slate {i}: first item {first} out of order")));
            }
            prev = Some(first);
        }
        d.clients.rebuild_index()?;
        if let Some(m) = &d.model {
            validate_model(m, d.clients.len()).map_err(|e| bad(e.to_string()))?;
        }
        let mut s = Self {
            log: d.log,
            freelancers: d.freelancers,
            slates: d.slates,
            clients: d.clients,
            latest: HashMap::new(),
            model: d.model,
        };
        s.rebuild_latest();
        Ok(s)
    }

    fn rebuild_latest(&mut self) {
        self.latest.clear();
        let n = self.freelancers.len();
        for (i, &(job, first)) in self.slates.iter().enumerate() {
            let end = self.slates.get(i + 1).map_or(n, |s| s.1 as usize);
            for item in first as usize..end {
                self.latest.insert((job, self.freelancers[item]), item);
            }
        }
    }

    /// Drops the oldest slates until at most `max_items / 2` items remain (called when the
    /// log is full), keeping ids and the outcome index consistent.
    fn drop_oldest(&mut self, max_items: usize) -> Result<()> {
        let n = self.freelancers.len();
        let keep_from = self
            .slates
            .iter()
            .position(|s| n - s.1 as usize <= max_items / 2)
            .unwrap_or(self.slates.len());
        let cut = self.slates.get(keep_from).map_or(n, |s| s.1 as usize);
        let mut log = ImpressionLog::new(factor_names());
        for v in self.log.slates().skip(keep_from) {
            let items: Vec<LoggedItem> = (0..v.len())
                .map(|i| LoggedItem {
                    factors: v.factors(i).to_vec(),
                    position: v.position(i),
                    propensity: v.propensity(i),
                })
                .collect();
            let first = log.push_slate(*v.meta(), &items)?;
            for i in 0..v.len() {
                for o in [
                    Outcome::Viewed,
                    Outcome::Proposed,
                    Outcome::Shortlisted,
                    Outcome::Hired,
                ] {
                    if v.outcome(i) & o.bit() != 0 {
                        log.set_outcome(first + i, o)?;
                    }
                }
            }
        }
        self.log = log;
        self.freelancers.drain(..cut);
        self.slates.drain(..keep_from);
        for s in &mut self.slates {
            s.1 -= cut as u32;
        }
        self.rebuild_latest();
        Ok(())
    }

    /// The logged 0-based position of item `item`.
    fn position_of(&self, item: usize) -> Option<u16> {
        // the slate holding it: the last whose first item is ≤ item
        let s = self
            .slates
            .partition_point(|&(_, first)| first as usize <= item);
        let v = self.log.slate(s.checked_sub(1)?)?;
        Some(v.position(item - v.first_item()))
    }
}

/// Checks a learned model against what the engine can rank with.
fn validate_model(m: &LearnedModel, clients: usize) -> Result<()> {
    let ok = |w: &[f64]| {
        w.len() == DEFAULT_FACTORS.len()
            && w.iter().all(|x| x.is_finite() && *x >= 0.0)
            && w.iter().any(|x| *x > 0.0)
    };
    if !ok(&m.weights) {
        return Err(Error::invalid(
            "model.weights",
            "not 9 finite non-negative weights",
        ));
    }
    for (c, w) in &m.clients {
        if *c as usize >= clients || !ok(w) {
            return Err(Error::invalid(
                format!("model.clients.{c}"),
                "unknown client or bad weights",
            ));
        }
    }
    Ok(())
}

impl Engine {
    /// Fits the position-based click model to the logged impressions and outcomes
    /// ([`learn::fit`]) and keeps it as the `learned` preset (replacing an earlier one).
    /// `config.baseline_weights` defaults to the `default` preset's weights (the baseline
    /// whose calibrated scores the hold-out report compares with). Refuses with
    /// `InsufficientLogs` when the log has no position variation (no explored lists) or too
    /// few outcomes; nothing changes then.
    pub fn learn(&self, config: &FitConfig) -> Result<LearnedModel> {
        let mut cfg = config.clone();
        if cfg.baseline_weights.is_none() {
            cfg.baseline_weights = Some(DEFAULT_FACTORS.iter().map(|(_, w)| *w).collect());
        }
        // fit under the read lock (queries go on), then store under the write lock
        let model = learn::fit(&self.state.read().learning.log, &cfg)?;
        self.state.write().learning.model = Some(model.clone());
        Ok(model)
    }

    /// The model of the last [`Engine::learn`] (kept in snapshots).
    pub fn learned_model(&self) -> Option<LearnedModel> {
        self.state.read().learning.model.clone()
    }

    /// The weights the `learned` preset uses for jobs of `client` (the job attribute
    /// `client_id`; `None` or a client without enough outcomes: the global weights), in
    /// `default` factor order; `None` before the first [`Engine::learn`].
    pub fn learned_weights(&self, client: Option<&str>) -> Option<Vec<f64>> {
        let s = self.state.read();
        let m = s.learning.model.as_ref()?;
        let c = client.and_then(|c| s.learning.clients.get(c));
        Some(m.weights_for(c).to_vec())
    }

    /// How many shown items and lists the impression log holds, and its memory in bytes.
    pub fn impression_log_size(&self) -> (usize, usize, usize) {
        let s = self.state.read();
        let l = &s.learning.log;
        (l.n_items(), l.n_slates(), l.memory_bytes())
    }

    /// The scorer of `opts` for a request about job `job` (the `learned` preset reads the
    /// engine's model, with the job's client's weights when it has them).
    pub(crate) fn scorer_for(
        s: &State,
        opts: &RecommendOptions,
        job: Option<&JobEntry>,
    ) -> Result<Box<dyn Scorer>> {
        if opts.preset != Preset::Learned {
            return opts
                .preset
                .scorer_composed(opts.weights.as_ref(), s.config.scoring.composition);
        }
        let model = learned(s)?;
        let client = job.and_then(|j| client_of(s, j));
        Preset::learned_scorer(model.weights_for(client), opts.weights.as_ref())
    }

    /// Logs one shown list for learning (called by `record_impressions` after validation):
    /// the `default` factor values of each (job, freelancer) pair as they are now, positions
    /// and propensities. Lists without a job, with repeated positions or positions past
    /// 65,535 are not logged (they cannot be learned from); returns what to apply.
    pub(crate) fn log_entry(
        s: &State,
        imp: &Impressions,
        job: Option<DocId>,
        docs: &[DocId],
    ) -> Option<LogEntry> {
        if !s.config.learning.log_impressions {
            return None;
        }
        let jd = job?;
        let j = s.catalog.jobs[jd as usize].as_ref()?;
        let positions: Vec<u32> = (0..docs.len()).map(|i| imp.position(i)).collect();
        let mut sorted = positions.clone();
        sorted.sort_unstable();
        if sorted.windows(2).any(|w| w[0] == w[1]) || sorted.last().is_some_and(|&p| p > 65_535) {
            return None;
        }
        let opts = RecommendOptions {
            now: Some(imp.at),
            explain: false,
            ..RecommendOptions::default()
        };
        let scorer = Preset::Default.scorer(None).ok()?;
        let ctx = RequestCtx::new(s, &opts, scorer.as_ref(), Direction::FreelancersForJob);
        let fdocs: Vec<usize> = docs.iter().map(|&d| d as usize).collect();
        let values = driver::default_values(&ctx, j, &fdocs);
        let props = imp.propensities.as_deref();
        let items = values
            .iter()
            .enumerate()
            .map(|(i, v)| LoggedItem {
                factors: v.iter().map(|x| x.map_or(f32::NAN, |x| x as f32)).collect(),
                position: (positions[i] - 1) as u16,
                propensity: props.map_or(1.0, |p| stored_propensity(p[i])),
            })
            .collect();
        Some(LogEntry {
            job: jd,
            client: j.input.attributes.get(CLIENT_ATTRIBUTE).cloned(),
            at: imp.at.timestamp(),
            explored: props.is_some_and(|p| p.iter().any(|&x| x < 1.0)),
            items,
            freelancers: docs.to_vec(),
        })
    }

    /// FairCo's propensity-weighted merit of an outcome under
    /// [`super::MeritSource::PropensityWeightedClicks`]: `1/θ_k` for an `applied` outcome on
    /// the latest logged showing of (job, freelancer) at 0-based position k (Morik et al.
    /// SIGIR'20: `R̂(d) = Σ_t c_t(d)/p_t(d)`), `θ` from the learned model when there is one,
    /// else the ledger's position model (`v_{k+1}/v_1`). `None` when the source is `scores`,
    /// the outcome is another kind, or the showing was not logged.
    pub(crate) fn click_merit(
        s: &State,
        job: Option<DocId>,
        fdoc: DocId,
        kind: OutcomeKind,
    ) -> Option<f64> {
        if s.config.learning.fairco_merit != super::MeritSource::PropensityWeightedClicks
            || kind != OutcomeKind::Applied
        {
            return None;
        }
        let item = *s.learning.latest.get(&(job?, fdoc))?;
        let k = usize::from(s.learning.position_of(item)?);
        let theta = match &s.learning.model {
            Some(m) => m.theta.get(k).or(m.theta.last()).copied().unwrap_or(1.0),
            None => {
                let pm = &s.config.ledger.position_model;
                pm.weight(k + 1) / pm.weight(1)
            }
        };
        (theta > 0.0 && theta.is_finite()).then(|| 1.0 / theta)
    }

    /// Notes an outcome on the latest logged showing of (job, freelancer), if any.
    pub(crate) fn log_outcome(s: &mut State, job: Option<DocId>, fdoc: DocId, kind: OutcomeKind) {
        let flag = match kind {
            OutcomeKind::Viewed => Outcome::Viewed,
            OutcomeKind::Applied => Outcome::Proposed,
            OutcomeKind::Shortlisted => Outcome::Shortlisted,
            OutcomeKind::Hired => Outcome::Hired,
            OutcomeKind::Completed | OutcomeKind::Reviewed => return,
        };
        let Some(jd) = job else { return };
        if let Some(&item) = s.learning.latest.get(&(jd, fdoc)) {
            // the index is the log's own: set_outcome cannot fail for it
            let _ = s.learning.log.set_outcome(item, flag);
        }
    }
}

/// A propensity as the log stores it (f32 in (0, 1]): one below f32's range is kept at its
/// smallest, and one below 1 stays below 1 (an explored position that rounds to 1 would read
/// as deterministic).
fn stored_propensity(p: f64) -> f32 {
    if p >= 1.0 {
        1.0
    } else {
        (p as f32).clamp(f32::MIN_POSITIVE, 1.0 - f32::EPSILON / 2.0)
    }
}

/// A shown list ready to be logged (computed before the engine's state changes).
pub(crate) struct LogEntry {
    job: DocId,
    client: Option<String>,
    at: i64,
    explored: bool,
    items: Vec<LoggedItem>,
    freelancers: Vec<DocId>,
}

impl LogEntry {
    /// Appends the list to the log (dropping the oldest half first when it is full).
    pub(crate) fn apply(self, s: &mut State) -> Result<()> {
        let max = s.config.learning.max_logged_items;
        let l = &mut s.learning;
        if l.freelancers.len() + self.items.len() > max {
            l.drop_oldest(max)?;
        }
        // a client id the interner refuses (empty, too long) is logged as no client
        let client = self
            .client
            .as_ref()
            .and_then(|c| l.clients.intern("job.attributes.client_id", c).ok());
        let meta = SlateMeta {
            at: self.at,
            client,
            explored: self.explored,
        };
        let first = l.log.push_slate(meta, &self.items)?;
        l.slates.push((self.job, first as u32));
        for (i, &f) in self.freelancers.iter().enumerate() {
            l.freelancers.push(f);
            l.latest.insert((self.job, f), first + i);
        }
        Ok(())
    }
}

pub(super) fn learned(s: &State) -> Result<&LearnedModel> {
    s.learning
        .model
        .as_ref()
        .ok_or_else(|| Error::InsufficientLogs {
            reason: "the `learned` preset needs a learned model: call learn() first".into(),
        })
}

fn client_of(s: &State, j: &JobEntry) -> Option<u32> {
    j.input
        .attributes
        .get(CLIENT_ATTRIBUTE)
        .and_then(|c| s.learning.clients.get(c))
}
