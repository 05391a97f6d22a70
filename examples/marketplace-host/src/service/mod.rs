//! The marketplace's operations. Each write is a function over a [`Write`] (an open
//! transaction plus its effects): it loads what it changes, checks ownership (another user's
//! resource is a 404) and the state machine (`flow`), writes the rows, and journals every
//! engine input it causes. The HTTP handlers only authenticate, call one of these between
//! `begin_write` and `commit`, and shape the answer; the demo seeding calls the same functions.
//!
//! Ordering rule for engine inputs inside one write: outcomes first, then the freelancer
//! upsert that carries the history counted from the database — the engine adds each outcome
//! to the history it holds, and the upsert then replaces it with the same count.

pub mod accounts;
pub mod admin;
pub mod contracts;
pub mod freelancers;
pub mod jobs;
pub mod proposals;
pub mod recommendations;

use fairmatch::{Outcome, OutcomeKind};

use crate::clock::{Ts, to_datetime};
use crate::engine_sync::{EngineInput, Write};
use crate::error::ApiResult;
use crate::ids::Kind;

/// The text form of an outcome kind (as stored).
pub fn outcome_name(kind: OutcomeKind) -> &'static str {
    match kind {
        OutcomeKind::Viewed => "viewed",
        OutcomeKind::Applied => "applied",
        OutcomeKind::Shortlisted => "shortlisted",
        OutcomeKind::Hired => "hired",
        OutcomeKind::Completed => "completed",
        OutcomeKind::Reviewed => "reviewed",
    }
}

/// One funnel step to record.
#[derive(Debug, Clone)]
pub struct Step {
    /// The freelancer concerned.
    pub freelancer: i64,
    /// The job concerned.
    pub job: i64,
    /// What happened.
    pub kind: OutcomeKind,
    /// The rating of a published review.
    pub rating: Option<f64>,
    /// The served list that led to it, if any.
    pub request_id: Option<String>,
    /// Who did it (for views: counted once per request, viewer and item).
    pub viewer: Option<i64>,
    /// When.
    pub at: Ts,
}

/// Records a funnel step (row + engine outcome). A view already counted for the same
/// request, viewer and item is not counted again; returns whether it was recorded.
pub async fn record_outcome(w: &mut Write, s: Step) -> ApiResult<bool> {
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO outcomes (freelancer_id, job_id, kind, rating, request_id, viewer_id, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(s.freelancer)
    .bind(s.job)
    .bind(outcome_name(s.kind))
    .bind(s.rating)
    .bind(&s.request_id)
    .bind(s.viewer)
    .bind(s.at)
    .fetch_optional(w.conn())
    .await?;
    if id.is_none() {
        return Ok(false);
    }
    w.engine(EngineInput::Outcome(Outcome {
        freelancer_id: Kind::Freelancer.id(s.freelancer),
        job_id: Some(Kind::Job.id(s.job)),
        kind: s.kind,
        rating: s.rating,
        at: to_datetime(s.at),
    }))
    .await?;
    Ok(true)
}

/// `Some(t)` as a `DateTime`.
pub fn opt_time(t: Option<Ts>) -> Option<chrono::DateTime<chrono::Utc>> {
    t.map(to_datetime)
}

/// Parses a stored JSON body (a corrupt row is an internal error, never a panic).
pub fn stored<T: serde::de::DeserializeOwned>(what: &str, json: &str) -> ApiResult<T> {
    serde_json::from_str(json)
        .map_err(|e| crate::error::ApiError::internal(format!("stored {what} does not parse: {e}")))
}
