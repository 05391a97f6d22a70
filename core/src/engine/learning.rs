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

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::catalog::JobEntry;
use super::request::RequestCtx;
use super::{Engine, FairnessOptions, RecommendOptions, State, driver};
use crate::domain::{Direction, Impressions, OutcomeKind};
use crate::error::{Error, Result};
use crate::ids::{DocId, Interner};
use crate::learn::{
    self, FitConfig, ImpressionLog, LearnedModel, LoggedItem, OffPolicyEstimate, OpeConfig,
    Outcome, SlateMeta,
};
use crate::rerank::{self, RerankContext, RerankItem};
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

/// A ranking policy to evaluate offline: a preset (with custom weights) and an optional
/// fairness policy, applied to the logged items of each explored list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfflineCandidate {
    /// A name for the report (default: the preset's name).
    #[serde(default)]
    pub name: Option<String>,
    /// `default` or `learned` (the factors the log keeps; `megilance_v1` is rejected).
    #[serde(default)]
    pub preset: Preset,
    /// Factor weight overrides by name.
    #[serde(default)]
    pub weights: Option<BTreeMap<String, f64>>,
    /// A fairness policy re-ranking the candidate's order of each list (groups from the
    /// freelancers' current attributes; FairCo, which needs the exposure ledger, is rejected).
    #[serde(default)]
    pub fairness: Option<FairnessOptions>,
}

/// The off-policy estimates of one candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OfflineEvaluation {
    /// The candidate's name.
    pub name: String,
    /// One estimate per estimator (IPS, SNIPS, and doubly robust when a model was learned).
    pub estimates: Vec<OffPolicyEstimate>,
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

    /// Off-policy estimates ([`learn::evaluate_offline`]) of each candidate's expected
    /// outcomes in the top `config.k` per request, from the explored logged lists: each
    /// candidate re-orders the explored top of each list (the items the logger could have put
    /// at any of those positions) by the factor values logged with them (then its fairness
    /// policy, if any); `config.k` must not exceed the explored depth. Doubly robust estimates use the learned model when
    /// there is one. Rejects a `megilance_v1` candidate and FairCo policies
    /// (`candidates[i].…`), `learned` without a model, and logs without explored lists
    /// (`InsufficientLogs`).
    pub fn evaluate_offline(
        &self,
        candidates: &[OfflineCandidate],
        config: &OpeConfig,
    ) -> Result<Vec<OfflineEvaluation>> {
        let s = self.state.read();
        let l = &s.learning;
        candidates
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let at = |e: Error| e.within(&format!("candidates[{i}]"));
                let rank = CandidateRanker::new(&s, c).map_err(at)?;
                // a fairness policy that fails on some list fails the whole evaluation
                let failed = parking_lot::Mutex::new(None);
                let estimates = learn::evaluate_offline(
                    &l.log,
                    |v: learn::SlateView<'_>| {
                        rank.positions(&s, &v).unwrap_or_else(|e| {
                            failed.lock().get_or_insert(e);
                            (0..v.len() as u16).collect()
                        })
                    },
                    l.model.as_ref(),
                    config,
                )?;
                if let Some(e) = failed.into_inner() {
                    return Err(at(e.within("fairness")));
                }
                Ok(OfflineEvaluation {
                    name: c.name.clone().unwrap_or_else(|| preset_name(c.preset)),
                    estimates,
                })
            })
            .collect()
    }

    /// The scorer of `opts` for a request about job `job` (the `learned` preset reads the
    /// engine's model, with the job's client's weights when it has them).
    pub(crate) fn scorer_for(
        s: &State,
        opts: &RecommendOptions,
        job: Option<&JobEntry>,
    ) -> Result<Box<dyn Scorer>> {
        if opts.preset != Preset::Learned {
            return opts.preset.scorer(opts.weights.as_ref());
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

fn learned(s: &State) -> Result<&LearnedModel> {
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

fn preset_name(p: Preset) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// How one offline candidate orders the items of a logged list.
struct CandidateRanker<'c> {
    candidate: &'c OfflineCandidate,
    /// The scorer per client (`None` = global), built once.
    scorers: HashMap<Option<u32>, Box<dyn Scorer>>,
}

impl<'c> CandidateRanker<'c> {
    fn new(s: &State, c: &'c OfflineCandidate) -> Result<Self> {
        if c.preset == Preset::MegilanceV1 {
            return Err(Error::invalid(
                "preset",
                "the log keeps the `default` factors; `megilance_v1` cannot be evaluated offline",
            ));
        }
        if let Some(f) = &c.fairness {
            RecommendOptions {
                fairness: Some(f.clone()),
                ..RecommendOptions::default()
            }
            .validate_request()?;
            if uses_fairco(&f.policy) {
                return Err(Error::invalid(
                    "fairness.policy",
                    "FairCo reads the live exposure ledger; it cannot be evaluated offline",
                ));
            }
        }
        let opts = RecommendOptions {
            preset: c.preset,
            weights: c.weights.clone(),
            ..RecommendOptions::default()
        };
        let mut scorers = HashMap::new();
        scorers.insert(None, Engine::scorer_for(s, &opts, None)?);
        if c.preset == Preset::Learned {
            for &client in learned(s)?.clients.keys() {
                let w = learned(s)?.weights_for(Some(client));
                scorers.insert(Some(client), Preset::learned_scorer(w, c.weights.as_ref())?);
            }
        }
        Ok(Self {
            candidate: c,
            scorers,
        })
    }

    /// The candidate's 0-based position of each item of `v` (in the list's item order).
    fn positions(&self, s: &State, v: &learn::SlateView<'_>) -> Result<Vec<u16>> {
        let scorer = self
            .scorers
            .get(&v.meta().client)
            .or_else(|| self.scorers.get(&None))
            .expect("the global scorer is always built");
        let first = v.first_item();
        let docs = &s.learning.freelancers[first..first + v.len()];
        let scores: Vec<f64> = (0..v.len())
            .map(|i| {
                let x: Vec<Option<f64>> = v
                    .factors(i)
                    .iter()
                    .map(|&f| (!f.is_nan()).then_some(f64::from(f)))
                    .collect();
                scorer.total(&x)
            })
            .collect();
        // the candidate re-orders the explored top (the items the logger could have put at any
        // of its positions); the rest keep their places. Score order, ties by the
        // freelancer's external id (the engine's rule).
        let depth = v.explored_depth();
        let tie = |i: usize| s.catalog.freelancer_tie(docs[i]);
        let mut order: Vec<usize> = (0..v.len())
            .filter(|&i| usize::from(v.position(i)) < depth)
            .collect();
        order.sort_by(|&a, &b| {
            scores[b]
                .total_cmp(&scores[a])
                .then_with(|| tie(a).cmp(&tie(b)))
        });
        if let Some(f) = &self.candidate.fairness {
            let group = |i: usize| {
                s.catalog.freelancers[docs[i] as usize]
                    .as_ref()
                    .map_or(f.groups.len() as u32, |e| f.group_of(&e.input.attributes))
            };
            let items: Vec<RerankItem> = order
                .iter()
                .map(|&i| RerankItem::new(i as DocId, scores[i], group(i)))
                .collect();
            let out = rerank::apply(&f.policy, &items, items.len(), &RerankContext::default())?;
            let mut seen = vec![false; v.len()];
            let mut reordered: Vec<usize> = out.order.iter().map(|&l| l as usize).collect();
            for &i in &reordered {
                seen[i] = true;
            }
            // a policy that returns fewer than all keeps the rest in score order after
            reordered.extend(order.iter().copied().filter(|&i| !seen[i]));
            order = reordered;
        }
        let mut pos: Vec<u16> = v.positions().to_vec();
        for (p, &i) in order.iter().enumerate() {
            pos[i] = p as u16;
        }
        Ok(pos)
    }
}

fn uses_fairco(c: &rerank::RerankerConfig) -> bool {
    match c {
        rerank::RerankerConfig::FairCo(_) => true,
        rerank::RerankerConfig::Chain { steps } => steps.iter().any(uses_fairco),
        _ => false,
    }
}
