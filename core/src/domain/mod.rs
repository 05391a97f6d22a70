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

/// The most values (dict entries, list items, scalars) one input converted from a caller's
/// objects may hold, checked by the bindings while they convert. Without it a DAG — one list
/// placed twice in a list, placed twice in a list, … — passes the depth and cycle checks but
/// expands to 2^depth values (exponential time and memory). 2^24 is about 1.3 million
/// freelancer profiles without embeddings, or 40,000 with 384-dimension embeddings given as
/// lists; larger batches go in parts or as one JSON document (which has no shared parts).
pub const MAX_INPUT_NODES: usize = 1 << 24;

mod common;
mod direction;
mod event;
mod freelancer;
mod job;
mod skill_vectors;

pub use common::{Embedding, Location, WorkingHours, normalize_language};
pub use direction::Direction;
pub use event::{Impressions, Outcome, OutcomeKind};
pub use freelancer::{Freelancer, History, SkillClaim};
pub use job::{
    Budget, BudgetKind, ExperienceLevel, Importance, Job, LocationPolicy, MustHavePolicy,
    SkillRequirement, TimezoneRequirement,
};
pub use skill_vectors::{SkillVector, SkillVectorTable};
