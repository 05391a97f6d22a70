//! Plain input data and its validation: freelancers, jobs, events.
//!
//! These are the shapes callers send (and the bindings accept as dicts/objects). Every type
//! has a `validate()` that names the first bad field; the engine validates before it changes
//! anything.

/// The deepest nesting any input may have (dicts/lists inside each other), checked by the
/// bindings while they convert caller objects, so a self-referential or absurdly deep input
/// is a typed error naming the key instead of a stack overflow. The deepest valid input (a
/// policy chain's step inside the fairness options of a request) nests 6 levels.
pub const MAX_NESTING: usize = 64;

mod common;
mod event;
mod freelancer;
mod job;
mod skill_vectors;

pub use common::{Embedding, Location, WorkingHours, normalize_language};
pub use event::{Impressions, Outcome, OutcomeKind};
pub use freelancer::{Freelancer, History, SkillClaim};
pub use job::{
    Budget, BudgetKind, ExperienceLevel, Importance, Job, LocationPolicy, MustHavePolicy,
    SkillRequirement, TimezoneRequirement,
};
pub use skill_vectors::{SkillVector, SkillVectorTable};
