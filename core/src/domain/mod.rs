//! Plain input data and its validation: freelancers, jobs, events.
//!
//! These are the shapes callers send (and the bindings accept as dicts/objects). Every type
//! has a `validate()` that names the first bad field; the engine validates before it changes
//! anything.

mod common;
mod event;
mod freelancer;
mod job;

pub use common::{Embedding, Location, WorkingHours, normalize_language};
pub use event::{Impressions, Outcome, OutcomeKind};
pub use freelancer::{Freelancer, History, SkillClaim};
pub use job::{
    Budget, BudgetKind, ExperienceLevel, Importance, Job, LocationPolicy, MustHavePolicy,
    SkillRequirement, TimezoneRequirement,
};
