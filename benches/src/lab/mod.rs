//! The lab (`fairmatch-lab`): synthetic marketplaces from ESCO/O*NET, offline relevance
//! evaluation of fairmatch's presets against the seeds' rankers and lexical baselines, a
//! feedback-loop simulation of fairness policies, and reports with plots.
//!
//! | stage | module | command |
//! |---|---|---|
//! | occupations, skills, vectors from ../shared/data (or the built-in taxonomy) | [`source`] | — |
//! | marketplace generation, label noise | [`generate`], [`noise`], [`market`] | `generate` |
//! | rankers (presets, 8thDegree, BM25, TF-IDF, Jaccard) and metrics with bootstrap CIs | [`rankers`], [`eval`] | `evaluate` |
//! | the occupation oracle (a reference ceiling that reads the answer key) | [`oracle`] | `evaluate --rankers occupation_oracle` |
//! | rounds of recommendations, clicks, hires, reviews, ledger updates | [`simulate`] | `simulate` |
//! | the rater-bias penalty of raw-mean vs shrunk reputation | [`penalty`] | `report` |
//! | JSON, SVG plots, markdown | [`report`], [`plot`] | `report` |
//!
//! Everything uses only fairmatch's public API. Every output is a deterministic function of
//! the marketplace and the flags (same bytes for any thread count); wall-clock times go to
//! stderr only.

pub mod eval;
pub mod generate;
pub mod learning;
pub mod market;
pub mod noise;
pub mod occesco;
pub mod oracle;
pub mod penalty;
pub mod plot;
pub mod rankers;
pub mod report;
pub mod resolution;
pub mod simulate;
pub mod source;

use std::sync::Arc;

use fairmatch::{Engine, EngineConfig, Taxonomy};

/// Errors of the lab, each naming what to fix.
#[derive(Debug)]
pub enum LabError {
    /// The shared data folder (or a file in it) is missing.
    MissingData(String),
    /// A data or marketplace file is malformed.
    Data(String),
    /// A flag is out of range.
    Config(String),
    /// The engine rejected something.
    Engine(fairmatch::Error),
    /// JSON (de)serialisation.
    Json(serde_json::Error),
}

impl std::fmt::Display for LabError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LabError::MissingData(m) => write!(f, "missing data: {m}"),
            LabError::Data(m) => write!(f, "bad data: {m}"),
            LabError::Config(m) => write!(f, "bad option: {m}"),
            LabError::Engine(e) => write!(f, "engine: {e}"),
            LabError::Json(e) => write!(f, "json: {e}"),
        }
    }
}

impl std::error::Error for LabError {}

impl From<fairmatch::Error> for LabError {
    fn from(e: fairmatch::Error) -> Self {
        LabError::Engine(e)
    }
}

impl From<serde_json::Error> for LabError {
    fn from(e: serde_json::Error) -> Self {
        LabError::Json(e)
    }
}

/// An engine holding the marketplace's freelancers and jobs (one batch each).
pub fn build_engine(
    m: &market::Marketplace,
    taxonomy: Arc<Taxonomy>,
    config: EngineConfig,
) -> Result<Engine, LabError> {
    build_engine_with(m, taxonomy, config, None)
}

/// [`build_engine`], with a skill-vector table when given.
pub fn build_engine_with(
    m: &market::Marketplace,
    taxonomy: Arc<Taxonomy>,
    config: EngineConfig,
    skill_vectors: Option<&fairmatch::SkillVectorTable>,
) -> Result<Engine, LabError> {
    let e = Engine::with_config(taxonomy, config)?;
    if let Some(t) = skill_vectors {
        e.set_skill_vectors(t)?;
    }
    e.upsert_freelancers(m.freelancers.clone())?;
    e.upsert_jobs(m.jobs.clone())?;
    Ok(e)
}

/// Builds (once per configuration and table choice) the engines an evaluation asks for: the
/// `engine_for` of [`eval::evaluate`] over marketplace `m`.
#[derive(Debug)]
pub struct EngineCache<'a> {
    m: &'a market::Marketplace,
    taxonomy: Arc<Taxonomy>,
    vectors: Option<fairmatch::SkillVectorTable>,
    built: Vec<((EngineConfig, bool), Engine)>,
}

impl<'a> EngineCache<'a> {
    /// Engines over `m`'s taxonomy; `vectors` is the table rankers with skill vectors get.
    pub fn new(
        m: &'a market::Marketplace,
        taxonomy: Arc<Taxonomy>,
        vectors: Option<fairmatch::SkillVectorTable>,
    ) -> Self {
        Self {
            m,
            taxonomy,
            vectors,
            built: Vec::new(),
        }
    }

    /// Keeps an already built engine for (`config`, no skill vectors).
    pub fn insert(&mut self, config: EngineConfig, e: Engine) {
        self.built.push(((config, false), e));
    }

    /// The engine for `config`, with the skill-vector table when `skill_vectors`; a clear
    /// error when the table is asked for but the marketplace has none.
    pub fn get(&mut self, config: &EngineConfig, skill_vectors: bool) -> Result<Engine, LabError> {
        if let Some((_, e)) = self
            .built
            .iter()
            .find(|((c, v), _)| c == config && *v == skill_vectors)
        {
            return Ok(e.clone());
        }
        let table = if skill_vectors {
            Some(self.vectors.as_ref().ok_or_else(|| {
                LabError::MissingData(
                    "a ranker asks for skill vectors but the marketplace has none".into(),
                )
            })?)
        } else {
            None
        };
        let e = build_engine_with(self.m, self.taxonomy.clone(), config.clone(), table)?;
        self.built
            .push(((config.clone(), skill_vectors), e.clone()));
        Ok(e)
    }
}

/// A progress bar on stderr (hidden when stderr is not a terminal).
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::new(len);
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg:>28} [{bar:30}] {pos}/{len} {elapsed_precise} (eta {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_message(what.to_owned());
    pb
}
