//! # fairmatch
//!
//! An embedded, explainable, fairness-aware matching engine for talent marketplaces
//! (freelancers ↔ jobs). One request takes one path (see `DESIGN.md` §1): hard filters as
//! named vetoes → skill fit against a taxonomy plus rate, experience, availability,
//! reputation, recency, time-zone and language factors → weighted total (a preset) → top-k
//! with explanations for the k results.
//!
//! ```
//! use fairmatch::{Engine, Freelancer, Job, RecommendOptions, SkillClaim, SkillRequirement};
//!
//! let engine = Engine::default(); // the built-in taxonomy
//! let mut ana = Freelancer::new("ana");
//! ana.skills = vec![SkillClaim { skill: "reactjs".into(), level: Some(4.0), years: None, verified: false }];
//! ana.hourly_rate = Some(45.0);
//! engine.upsert_freelancer(ana)?;
//!
//! let mut job = Job::new("job-1");
//! job.skills = vec![SkillRequirement {
//!     skill: "JavaScript".into(), min_level: Some(3.0), weight: None, importance: Default::default(),
//! }];
//! engine.upsert_job(job)?;
//!
//! let recs = engine.recommend_freelancers("job-1", &RecommendOptions::top(5))?;
//! let best = &recs.matches[0];
//! assert_eq!(best.id, "ana");
//! // React implies JavaScript through the taxonomy, and the explanation shows the path.
//! let implied = &best.explanation.as_ref().unwrap().skills.as_ref().unwrap().implied[0];
//! assert_eq!(implied.path, vec!["React", "JavaScript"]);
//! # Ok::<(), fairmatch::Error>(())
//! ```

#![warn(missing_docs)]

pub mod domain;
pub mod engine;
pub mod error;
pub mod explain;
pub mod filter;
pub mod ids;
pub mod index;
pub mod learn;
pub mod metrics;
pub mod persist;
pub mod position;
pub mod rerank;
pub mod score;
pub mod skills;
pub(crate) mod util;

pub use domain::{
    Budget, BudgetKind, Embedding, ExperienceLevel, Freelancer, History, Importance, Impressions,
    Job, Location, LocationPolicy, MAX_INPUT_NODES, MAX_NESTING, MustHavePolicy, Outcome,
    OutcomeKind, SkillClaim, SkillRequirement, SkillVector, SkillVectorTable, TimezoneRequirement,
    WorkingHours,
};
pub use engine::{
    Engine, EngineConfig, EngineRead, EventConfig, FairnessOptions, Filters, LabelReport,
    LedgerConfig, Match, PairScore, RecommendOptions, Recommendations, ScoringConfig, UpsertReport,
};
pub use error::{EntityKind, Error, Result};
pub use explain::{Explanation, FactorScore, LabelResolution, OccupationEvidence};
pub use filter::Veto;
pub use ids::{DocId, Interner};
pub use index::Metric;
pub use metrics::ZeroDivision;
pub use position::PositionModel;
pub use score::Preset;
pub use skills::{Taxonomy, TaxonomyBuilder, builtin, import_esco_dir};
pub use util::{BitSet, TopK};
