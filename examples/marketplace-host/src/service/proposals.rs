//! Proposals: a freelancer proposes to an open job; the client shortlists, declines or
//! accepts; the freelancer may withdraw. Accepting creates the contract, moves the job to
//! `in_progress` and declines every other pending proposal, in one transaction.

use fairmatch::{OutcomeKind, RecommendOptions};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::clock::{Ts, to_datetime};
use crate::db::Conn;
use crate::engine_sync::Write;
use crate::error::{ApiError, ApiResult};
use crate::flow::{JobAction, JobStatus, ProposalAction, ProposalStatus};
use crate::host::Host;
use crate::ids::Kind;
use crate::model::{ContractView, ProposalView, ScoredProposal, check_text};
use crate::service::recommendations::{Shown, shown};
use crate::service::{Step, contracts, freelancers, jobs, record_outcome};

/// `POST /jobs/{id}/proposals`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposalBody {
    /// Why you (1–5,000 characters).
    pub cover_letter: String,
    /// Your hourly rate or price for this job (≥ 0).
    #[serde(default)]
    pub rate: Option<f64>,
    /// The served list that showed you this job (a recommendation or a live push), if any.
    #[serde(default)]
    pub request_id: Option<String>,
}

/// The answer to a proposal action; `contract` is set by `accept`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProposalOutcome {
    /// The proposal after the action.
    pub proposal: ProposalView,
    /// The contract an acceptance created.
    pub contract: Option<ContractView>,
}

/// A proposal row.
#[derive(Debug, Clone)]
pub struct ProposalRow {
    /// Row id.
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// The freelancer.
    pub freelancer_id: i64,
    /// The cover letter.
    pub cover_letter: String,
    /// The proposed rate.
    pub rate: Option<f64>,
    /// The served list it came from.
    pub request_id: Option<String>,
    /// Where it is.
    pub status: ProposalStatus,
    /// Sent.
    pub created_at: Ts,
    /// Last change.
    pub updated_at: Ts,
}

type Row = (
    i64,
    i64,
    i64,
    String,
    Option<f64>,
    Option<String>,
    String,
    i64,
    i64,
);

fn parse_row(
    (id, job_id, freelancer_id, cover_letter, rate, request_id, status, created_at, updated_at): Row,
) -> ApiResult<ProposalRow> {
    Ok(ProposalRow {
        id,
        job_id,
        freelancer_id,
        cover_letter,
        rate,
        request_id,
        status: ProposalStatus::parse(&status)
            .ok_or_else(|| ApiError::internal(format!("proposal {id} has status `{status}`")))?,
        created_at,
        updated_at,
    })
}

impl ProposalRow {
    /// The API shape.
    pub fn view(&self) -> ProposalView {
        ProposalView {
            id: Kind::Proposal.id(self.id),
            job_id: Kind::Job.id(self.job_id),
            freelancer_id: Kind::Freelancer.id(self.freelancer_id),
            cover_letter: self.cover_letter.clone(),
            rate: self.rate,
            request_id: self.request_id.clone(),
            status: self.status,
            created_at: to_datetime(self.created_at),
            updated_at: to_datetime(self.updated_at),
        }
    }
}

/// Loads proposal `id`.
pub async fn load(conn: &mut Conn, id: i64) -> ApiResult<Option<ProposalRow>> {
    sqlx::query_as::<_, Row>(
        "SELECT id, job_id, freelancer_id, cover_letter, rate, request_id, status, created_at, updated_at
         FROM proposals WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(parse_row)
    .transpose()
}

/// Sends a proposal from freelancer `fid` to job `job_id` (the write behind
/// `POST /jobs/{id}/proposals`, after the body was checked).
pub async fn submit_proposal(
    w: &mut Write,
    fid: i64,
    job_id: i64,
    body: &ProposalBody,
    now: Ts,
) -> ApiResult<ProposalRow> {
    let job = jobs::load(w.conn(), job_id)
        .await?
        .filter(|j| j.status != JobStatus::Draft)
        .ok_or_else(|| Kind::Job.missing(job_id))?;
    if job.status != JobStatus::Open {
        return Err(ApiError::transition(format!(
            "cannot propose to job {}: it is {}",
            Kind::Job.id(job_id),
            job.status.as_str().replace('_', " ")
        )));
    }
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO proposals (job_id, freelancer_id, cover_letter, rate, request_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'submitted', $6, $6)
         ON CONFLICT (job_id, freelancer_id) DO NOTHING RETURNING id",
    )
    .bind(job_id)
    .bind(fid)
    .bind(&body.cover_letter)
    .bind(body.rate)
    .bind(&body.request_id)
    .bind(now)
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| {
        ApiError::conflict(
            "already_proposed",
            format!("you already sent a proposal to job {}", Kind::Job.id(job_id)),
        )
    })?;
    record_outcome(
        w,
        Step {
            freelancer: fid,
            job: job_id,
            kind: OutcomeKind::Applied,
            rating: None,
            request_id: body.request_id.clone(),
            viewer: None,
            at: now,
        },
    )
    .await?;
    freelancers::touch(w, fid, now).await?;
    freelancers::sync(w, fid).await?;
    load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Proposal.missing(id))
}

/// `POST /jobs/{id}/proposals`.
pub async fn submit(
    host: &Host,
    caller: &Caller,
    job_id: i64,
    body: ProposalBody,
) -> ApiResult<ProposalView> {
    let fid = caller.freelancer()?;
    check_text("cover_letter", &body.cover_letter, 5_000, true)?;
    if let Some(r) = body.rate
        && (!r.is_finite() || r < 0.0)
    {
        return Err(ApiError::invalid("rate", "must be a finite number ≥ 0"));
    }
    if let Some(rid) = &body.request_id {
        shown(&host.db, rid, caller.user_id, Shown::Job(job_id)).await?;
    }
    let mut w = host.begin_write().await?;
    let p = submit_proposal(&mut w, fid, job_id, &body, host.now()).await?;
    w.commit().await?;
    Ok(p.view())
}

/// `GET /jobs/{id}/proposals` (the job's client): every proposal with the engine's pair score
/// for its freelancer, best first (ties: older proposal first).
pub async fn list_for_job(
    host: &Host,
    caller: &Caller,
    job_id: i64,
) -> ApiResult<Vec<ScoredProposal>> {
    let mut conn = host.db.acquire().await?;
    jobs::owned(&mut conn, caller, job_id).await?;
    let rows = sqlx::query_as::<_, Row>(
        "SELECT id, job_id, freelancer_id, cover_letter, rate, request_id, status, created_at, updated_at
         FROM proposals WHERE job_id = $1 ORDER BY id",
    )
    .bind(job_id)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let rows: Vec<ProposalRow> = rows.into_iter().map(parse_row).collect::<ApiResult<_>>()?;
    let engine = host.engine.clone();
    let now = host.now();
    let mut scored = tokio::task::spawn_blocking(move || {
        let opts = RecommendOptions {
            explain: false,
            now: Some(to_datetime(now)),
            ..RecommendOptions::default()
        };
        let job = Kind::Job.id(job_id);
        rows.into_iter()
            .map(|p| {
                let s = engine.score(&job, &Kind::Freelancer.id(p.freelancer_id), &opts)?;
                Ok(ScoredProposal {
                    proposal: p.view(),
                    score: s.result.score,
                    factors: s.result.factors,
                    vetoes: s.vetoes,
                })
            })
            .collect::<ApiResult<Vec<_>>>()
    })
    .await??;
    scored.sort_by(|a, b| b.score.total_cmp(&a.score));
    Ok(scored)
}

/// The freelancer's own proposals, newest first.
pub async fn list_mine(host: &Host, caller: &Caller) -> ApiResult<Vec<ProposalView>> {
    let fid = caller.freelancer()?;
    let rows = sqlx::query_as::<_, Row>(
        "SELECT id, job_id, freelancer_id, cover_letter, rate, request_id, status, created_at, updated_at
         FROM proposals WHERE freelancer_id = $1 ORDER BY id DESC LIMIT 200",
    )
    .bind(fid)
    .fetch_all(&host.db)
    .await?;
    rows.into_iter()
        .map(|r| parse_row(r).map(|p| p.view()))
        .collect()
}

/// Performs `action` on proposal `p` (already checked to be the caller's to act on).
pub async fn act_on(
    w: &mut Write,
    mut p: ProposalRow,
    action: ProposalAction,
    now: Ts,
) -> ApiResult<(ProposalRow, Option<contracts::ContractRow>)> {
    let what = format!("proposal {}", Kind::Proposal.id(p.id));
    p.status = action.apply(p.status, &what)?;
    p.updated_at = now;
    let mut contract = None;
    if action == ProposalAction::Accept {
        let job = jobs::load(w.conn(), p.job_id)
            .await?
            .ok_or_else(|| Kind::Job.missing(p.job_id))?;
        jobs::transition_job(w, job, JobAction::Hire, now).await?;
        sqlx::query(
            "UPDATE proposals SET status = 'declined', updated_at = $1
             WHERE job_id = $2 AND id <> $3 AND status IN ('submitted', 'shortlisted')",
        )
        .bind(now)
        .bind(p.job_id)
        .bind(p.id)
        .execute(w.conn())
        .await?;
    }
    sqlx::query("UPDATE proposals SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(p.status.as_str())
        .bind(now)
        .bind(p.id)
        .execute(w.conn())
        .await?;
    let step = |kind| Step {
        freelancer: p.freelancer_id,
        job: p.job_id,
        kind,
        rating: None,
        request_id: p.request_id.clone(),
        viewer: None,
        at: now,
    };
    match action {
        ProposalAction::Shortlist => {
            record_outcome(w, step(OutcomeKind::Shortlisted)).await?;
        }
        ProposalAction::Accept => {
            contract = Some(contracts::create(w, &p, now).await?);
            record_outcome(w, step(OutcomeKind::Hired)).await?;
            freelancers::sync(w, p.freelancer_id).await?;
        }
        ProposalAction::Withdraw | ProposalAction::Decline => {}
    }
    Ok((p, contract))
}

/// `POST /proposals/{id}/{withdraw,shortlist,decline,accept}`: withdraw is the freelancer's,
/// the others the job's client's.
pub async fn act(
    host: &Host,
    caller: &Caller,
    id: i64,
    action: ProposalAction,
) -> ApiResult<ProposalOutcome> {
    let role = if action == ProposalAction::Withdraw {
        Role::Freelancer
    } else {
        Role::Client
    };
    caller.require(role)?;
    let mut w = host.begin_write().await?;
    let p = load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Proposal.missing(id))?;
    let mine = match role {
        Role::Freelancer => caller.freelancer_id == Some(p.freelancer_id),
        _ => jobs::load(w.conn(), p.job_id)
            .await?
            .is_some_and(|j| j.client_id == caller.user_id),
    };
    if !mine {
        return Err(Kind::Proposal.missing(id));
    }
    let (p, contract) = act_on(&mut w, p, action, host.now()).await?;
    let contract = match contract {
        Some(c) => Some(contracts::view(w.conn(), &c, caller.user_id, &host.rules).await?),
        None => None,
    };
    w.commit().await?;
    Ok(ProposalOutcome {
        proposal: p.view(),
        contract,
    })
}
