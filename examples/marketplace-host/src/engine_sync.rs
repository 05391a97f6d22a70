//! How the engine follows the database.
//!
//! Every write runs in one transaction that also appends each engine input it causes (a
//! freelancer or job upsert, a shown list, an outcome) to the `engine_log` table, in the
//! engine's own JSON. Only after the commit are the inputs applied to the engine, in the same
//! order, under the host's single write lock — so the engine never holds anything the database
//! lost, and commit order is engine order.
//!
//! On start the engine is rebuilt by replaying `engine_log` from the first entry
//! ([`rebuild`]). Replaying rather than re-reading the current rows matters: the engine files
//! each impression and outcome under the group attributes the freelancer had *when it was
//! recorded*, and the internal ids the snapshot stores follow the order of first upsert.
//! [`verify`] checks the result: a fresh rebuild must serialise to the
//! same snapshot bytes and answer the same recommendations as the running engine.

use futures_util::TryStreamExt;
use serde::{Deserialize, Serialize};

use fairmatch::{Engine, Freelancer, Impressions, Job, Outcome, RecommendOptions};

use crate::db::{Conn, Pool, Tx};
use crate::error::{ApiError, ApiResult};

/// One engine input, as journaled.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineInput {
    /// Add or replace a freelancer (with the history computed from the database).
    Freelancer(Box<Freelancer>),
    /// Add or replace a job.
    Job(Box<Job>),
    /// A served list of freelancers for a job.
    Impressions(Impressions),
    /// A funnel step.
    Outcome(Outcome),
}

impl EngineInput {
    fn kind(&self) -> &'static str {
        match self {
            EngineInput::Freelancer(_) => "freelancer",
            EngineInput::Job(_) => "job",
            EngineInput::Impressions(_) => "impressions",
            EngineInput::Outcome(_) => "outcome",
        }
    }

    fn payload(&self) -> serde_json::Result<String> {
        match self {
            EngineInput::Freelancer(f) => serde_json::to_string(f),
            EngineInput::Job(j) => serde_json::to_string(j),
            EngineInput::Impressions(i) => serde_json::to_string(i),
            EngineInput::Outcome(o) => serde_json::to_string(o),
        }
    }

    fn parse(kind: &str, payload: &str) -> Result<Self, String> {
        let bad = |e: serde_json::Error| format!("engine_log {kind} entry: {e}");
        Ok(match kind {
            "freelancer" => EngineInput::Freelancer(serde_json::from_str(payload).map_err(bad)?),
            "job" => EngineInput::Job(serde_json::from_str(payload).map_err(bad)?),
            "impressions" => EngineInput::Impressions(serde_json::from_str(payload).map_err(bad)?),
            "outcome" => EngineInput::Outcome(serde_json::from_str(payload).map_err(bad)?),
            other => return Err(format!("engine_log: unknown kind `{other}`")),
        })
    }

    /// Applies the input to `engine` (the one place the host changes engine state).
    pub fn apply(&self, engine: &Engine) -> fairmatch::Result<()> {
        match self {
            EngineInput::Freelancer(f) => engine.upsert_freelancer((**f).clone()),
            EngineInput::Job(j) => engine.upsert_job((**j).clone()),
            EngineInput::Impressions(i) => engine.record_impressions(i),
            EngineInput::Outcome(o) => engine.record_outcome(o),
        }
    }
}

/// Something other parts of the host react to after a commit (not engine state).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// A job was opened (live matches push it to freelancers whose top-k it enters).
    JobOpened(i64),
    /// A job changed or left the open state (cached top-k lists holding it are refreshed).
    JobChanged(i64),
    /// A freelancer's profile or history changed (their cached top-k is refreshed).
    FreelancerChanged(i64),
}

/// What a committed write must do next, in order.
#[derive(Debug, Default)]
pub struct Effects {
    /// Engine inputs, in journal order.
    pub inputs: Vec<EngineInput>,
    /// Notices for the live-match hub.
    pub notices: Vec<Notice>,
}

/// A write in progress: the transaction and the effects it will have once committed.
#[derive(Debug)]
pub struct Write {
    /// The open transaction.
    pub tx: Tx,
    /// What to do after the commit.
    pub fx: Effects,
}

impl Write {
    /// The transaction's connection.
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.tx
    }

    /// Journals an engine input in this transaction; it is applied after the commit.
    pub async fn engine(&mut self, input: EngineInput) -> ApiResult<()> {
        let payload = input.payload().map_err(ApiError::internal)?;
        sqlx::query("INSERT INTO engine_log (kind, payload) VALUES ($1, $2)")
            .bind(input.kind())
            .bind(payload)
            .execute(&mut *self.tx)
            .await?;
        self.fx.inputs.push(input);
        Ok(())
    }

    /// Queues a notice for after the commit.
    pub fn notify(&mut self, n: Notice) {
        if !self.fx.notices.contains(&n) {
            self.fx.notices.push(n);
        }
    }
}

/// A fresh engine (built-in taxonomy, default configuration) with every journaled input
/// replayed in order. Fails on an entry that does not parse or that the engine rejects —
/// either means the database was changed behind the host's back.
pub async fn rebuild(pool: &Pool) -> Result<(Engine, u64), String> {
    let engine = Engine::default();
    let mut rows =
        sqlx::query_as::<_, (String, String)>("SELECT kind, payload FROM engine_log ORDER BY seq")
            .fetch(pool);
    let mut n = 0u64;
    while let Some((kind, payload)) = rows.try_next().await.map_err(|e| e.to_string())? {
        let input = EngineInput::parse(&kind, &payload)?;
        input
            .apply(&engine)
            .map_err(|e| format!("engine_log entry {} ({kind}): {e}", n + 1))?;
        n += 1;
    }
    Ok((engine, n))
}

/// The result of [`verify`].
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VerifyReport {
    /// Journal entries replayed by the fresh rebuild.
    pub journal_entries: u64,
    /// Whether the running engine and the fresh rebuild serialise to identical bytes.
    pub snapshot_identical: bool,
    /// Jobs whose recommendations were compared.
    pub jobs_compared: usize,
    /// Freelancers whose recommendations were compared.
    pub freelancers_compared: usize,
    /// Every difference found (empty = consistent).
    pub mismatches: Vec<String>,
}

/// Compares `live` with a fresh rebuild from `pool`: snapshot bytes, the entity counts
/// against the database's rows, and the top-`k` recommendations (with explanations) for
/// every job and every freelancer at time `now`. The caller holds the write lock, so nothing
/// changes in between.
pub async fn verify(
    pool: &Pool,
    live: &Engine,
    now: chrono::DateTime<chrono::Utc>,
    k: usize,
) -> Result<VerifyReport, String> {
    let (fresh, journal_entries) = rebuild(pool).await?;
    let ids = |sql: &'static str| async move {
        sqlx::query_scalar::<_, i64>(sql)
            .fetch_all(pool)
            .await
            .map_err(|e| e.to_string())
    };
    let jobs: Vec<String> = ids("SELECT id FROM jobs ORDER BY id")
        .await?
        .into_iter()
        .map(|i| crate::ids::Kind::Job.id(i))
        .collect();
    let freelancers: Vec<String> = ids("SELECT id FROM freelancers ORDER BY id")
        .await?
        .into_iter()
        .map(|i| crate::ids::Kind::Freelancer.id(i))
        .collect();
    let live = live.clone();
    tokio::task::spawn_blocking(move || {
        compare(&live, &fresh, &jobs, &freelancers, now, k, journal_entries)
    })
    .await
    .map_err(|e| e.to_string())?
}

fn compare(
    live: &Engine,
    fresh: &Engine,
    jobs: &[String],
    freelancers: &[String],
    now: chrono::DateTime<chrono::Utc>,
    k: usize,
    journal_entries: u64,
) -> Result<VerifyReport, String> {
    let mut mismatches = Vec::new();
    let live_bytes = live.to_bytes().map_err(|e| e.to_string())?;
    let fresh_bytes = fresh.to_bytes().map_err(|e| e.to_string())?;
    let snapshot_identical = live_bytes == fresh_bytes;
    if !snapshot_identical {
        mismatches.push(format!(
            "snapshot bytes differ ({} live, {} rebuilt)",
            live_bytes.len(),
            fresh_bytes.len()
        ));
    }
    for (what, engine_count, rows) in [
        ("jobs", live.job_count(), jobs.len()),
        ("freelancers", live.freelancer_count(), freelancers.len()),
    ] {
        if engine_count != rows {
            mismatches.push(format!(
                "the engine holds {engine_count} {what}, the database {rows}"
            ));
        }
    }
    let opts = RecommendOptions {
        k,
        now: Some(now),
        ..RecommendOptions::default()
    };
    // Debug text, not `==`: an explanation may hold NaN, which is never equal to itself.
    let same =
        |a: &dyn std::fmt::Debug, b: &dyn std::fmt::Debug| format!("{a:?}") == format!("{b:?}");
    for id in jobs {
        if !same(
            &live.recommend_freelancers(id, &opts),
            &fresh.recommend_freelancers(id, &opts),
        ) {
            mismatches.push(format!("recommendations for job {id} differ"));
        }
    }
    for id in freelancers {
        if !same(
            &live.recommend_jobs(id, &opts),
            &fresh.recommend_jobs(id, &opts),
        ) {
            mismatches.push(format!("recommendations for freelancer {id} differ"));
        }
    }
    Ok(VerifyReport {
        journal_entries,
        snapshot_identical,
        jobs_compared: jobs.len(),
        freelancers_compared: freelancers.len(),
        mismatches,
    })
}
