//! Jobs: create (as a draft), edit (JSON merge patch, RFC 7396), open / close / cancel, read
//! and list. The engine holds every job; only open ones are `open` there.

use serde_json::Value;

use crate::auth::{Caller, Role};
use crate::clock::{Ts, to_datetime};
use crate::db::Conn;
use crate::engine_sync::{EngineInput, Notice, Write};
use crate::error::{ApiError, ApiResult};
use crate::flow::{ContractAction, ContractStatus, JobAction, JobStatus};
use crate::host::Host;
use crate::ids::Kind;
use crate::model::{JobBody, JobView, Page};
use crate::service::{contracts, freelancers, recommendations, stored};

/// A job row.
#[derive(Debug, Clone)]
pub struct JobRow {
    /// Row id.
    pub id: i64,
    /// The client's account.
    pub client_id: i64,
    /// The body as sent and patched.
    pub body: JobBody,
    /// Where it is.
    pub status: JobStatus,
    /// Created.
    pub created_at: Ts,
    /// Last change.
    pub updated_at: Ts,
    /// First opened.
    pub opened_at: Option<Ts>,
}

type Row = (i64, i64, String, String, i64, i64, Option<i64>);

fn parse_row(
    (id, client_id, body, status, created_at, updated_at, opened_at): Row,
) -> ApiResult<JobRow> {
    Ok(JobRow {
        id,
        client_id,
        body: stored("job", &body)?,
        status: JobStatus::parse(&status)
            .ok_or_else(|| ApiError::internal(format!("job {id} has status `{status}`")))?,
        created_at,
        updated_at,
        opened_at,
    })
}

impl JobRow {
    /// The engine's copy of this job.
    pub fn engine_job(&self) -> fairmatch::Job {
        self.body
            .to_engine(Kind::Job.id(self.id), self.status, self.opened_at)
    }
}

/// Loads job `id`.
pub async fn load(conn: &mut Conn, id: i64) -> ApiResult<Option<JobRow>> {
    sqlx::query_as::<_, Row>(
        "SELECT id, client_id, body, status, created_at, updated_at, opened_at FROM jobs WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(parse_row)
    .transpose()
}

/// Loads job `id` of client `caller`: 403 for other roles, 404 when missing or someone else's.
pub async fn owned(conn: &mut Conn, caller: &Caller, id: i64) -> ApiResult<JobRow> {
    caller.require(Role::Client)?;
    match load(conn, id).await? {
        Some(j) if j.client_id == caller.user_id => Ok(j),
        _ => Err(Kind::Job.missing(id)),
    }
}

/// Writes the job's status, body and times, and journals the engine's copy.
async fn save(w: &mut Write, job: &JobRow) -> ApiResult<()> {
    let body = serde_json::to_string(&job.body).map_err(ApiError::internal)?;
    sqlx::query(
        "UPDATE jobs SET body = $1, status = $2, updated_at = $3, opened_at = $4 WHERE id = $5",
    )
    .bind(body)
    .bind(job.status.as_str())
    .bind(job.updated_at)
    .bind(job.opened_at)
    .bind(job.id)
    .execute(w.conn())
    .await?;
    w.engine(EngineInput::Job(Box::new(job.engine_job()))).await
}

/// Creates a draft job for client `client_id`.
pub async fn create_job(
    w: &mut Write,
    client_id: i64,
    body: JobBody,
    now: Ts,
) -> ApiResult<JobRow> {
    let json = serde_json::to_string(&body).map_err(ApiError::internal)?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO jobs (client_id, body, status, created_at, updated_at)
         VALUES ($1, $2, 'draft', $3, $3) RETURNING id",
    )
    .bind(client_id)
    .bind(json)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    let job = JobRow {
        id,
        client_id,
        body,
        status: JobStatus::Draft,
        created_at: now,
        updated_at: now,
        opened_at: None,
    };
    w.engine(EngineInput::Job(Box::new(job.engine_job())))
        .await?;
    Ok(job)
}

/// `POST /jobs`.
pub async fn create(host: &Host, caller: &Caller, body: JobBody) -> ApiResult<JobView> {
    caller.require(Role::Client)?;
    body.validate(&host.engine.taxonomy())?;
    let mut w = host.begin_write().await?;
    let job = create_job(&mut w, caller.user_id, body, host.now()).await?;
    let view = to_view(w.conn(), job).await?;
    w.commit().await?;
    Ok(view)
}

/// Applies an RFC 7396 merge patch to `target`.
pub fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(t), Value::Object(p)) => {
            for (k, v) in p {
                if v.is_null() {
                    t.remove(k);
                } else {
                    merge_patch(t.entry(k.clone()).or_insert(Value::Null), v);
                }
            }
        }
        (t, p) => *t = p.clone(),
    }
}

/// `PATCH /jobs/{id}`: merges `patch` into the job's body (null removes a field), then
/// validates the result as a whole body.
pub async fn patch(host: &Host, caller: &Caller, id: i64, patch: Value) -> ApiResult<JobView> {
    if !patch.is_object() {
        return Err(ApiError::invalid("body", "a merge patch is a JSON object"));
    }
    let mut w = host.begin_write().await?;
    let mut job = owned(w.conn(), caller, id).await?;
    JobAction::check_edit(job.status)?;
    let mut merged = serde_json::to_value(&job.body).map_err(ApiError::internal)?;
    merge_patch(&mut merged, &patch);
    let text = serde_json::to_vec(&merged).map_err(ApiError::internal)?;
    let body: JobBody = crate::error::parse_json(&text)?;
    body.validate(&host.engine.taxonomy())?;
    job.body = body;
    job.updated_at = host.now();
    save(&mut w, &job).await?;
    w.notify(Notice::JobChanged(id));
    let view = to_view(w.conn(), job).await?;
    w.commit().await?;
    Ok(view)
}

/// Opens, closes or cancels a job (the write behind `POST /jobs/{id}/{action}`). Cancelling
/// declines the proposals still pending and cancels a running contract.
pub async fn transition_job(
    w: &mut Write,
    mut job: JobRow,
    action: JobAction,
    now: Ts,
) -> ApiResult<JobRow> {
    job.status = action.apply(job.status, &format!("job {}", Kind::Job.id(job.id)))?;
    job.updated_at = now;
    if action == JobAction::Open {
        job.opened_at.get_or_insert(now);
    }
    if action == JobAction::Cancel {
        sqlx::query(
            "UPDATE proposals SET status = 'declined', updated_at = $1
             WHERE job_id = $2 AND status IN ('submitted', 'shortlisted')",
        )
        .bind(now)
        .bind(job.id)
        .execute(w.conn())
        .await?;
        if let Some(c) = contracts::load_for_job(w.conn(), job.id).await?
            && c.status.is_running()
        {
            let to = ContractAction::Cancel.apply(c.status, "the contract")?;
            debug_assert_eq!(to, ContractStatus::Cancelled);
            contracts::set_status(w, &c, to, now, "cancelled", None, None).await?;
            freelancers::sync(w, c.freelancer_id).await?;
        }
    }
    save(w, &job).await?;
    w.notify(if action == JobAction::Open {
        Notice::JobOpened(job.id)
    } else {
        Notice::JobChanged(job.id)
    });
    Ok(job)
}

/// `POST /jobs/{id}/{open,close,cancel}`.
pub async fn transition(
    host: &Host,
    caller: &Caller,
    id: i64,
    action: JobAction,
) -> ApiResult<JobView> {
    let mut w = host.begin_write().await?;
    let job = owned(w.conn(), caller, id).await?;
    let job = transition_job(&mut w, job, action, host.now()).await?;
    let view = to_view(w.conn(), job).await?;
    w.commit().await?;
    Ok(view)
}

/// The API shape of a job row.
pub async fn to_view(conn: &mut Conn, job: JobRow) -> ApiResult<JobView> {
    let proposals =
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM proposals WHERE job_id = $1")
            .bind(job.id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(view_of(job, proposals))
}

fn view_of(job: JobRow, proposals: i64) -> JobView {
    JobView {
        id: Kind::Job.id(job.id),
        client_id: Kind::User.id(job.client_id),
        status: job.status,
        body: job.body,
        proposals: u32::try_from(proposals).unwrap_or(u32::MAX),
        created_at: to_datetime(job.created_at),
        updated_at: to_datetime(job.updated_at),
        opened_at: job.opened_at.map(to_datetime),
    }
}

/// `GET /jobs/{id}`: drafts only for their client (and admins); a freelancer passing the
/// `request_id` of a list that showed them this job records a view.
pub async fn get(
    host: &Host,
    caller: Option<&Caller>,
    id: i64,
    request_id: Option<String>,
) -> ApiResult<JobView> {
    let mut conn = host.db.acquire().await?;
    let job = load(&mut conn, id)
        .await?
        .ok_or_else(|| Kind::Job.missing(id))?;
    let owner = caller.is_some_and(|c| c.user_id == job.client_id || c.role == Role::Admin);
    if job.status == JobStatus::Draft && !owner {
        return Err(Kind::Job.missing(id));
    }
    let view = to_view(&mut conn, job).await?;
    drop(conn);
    if let Some(rid) = request_id {
        recommendations::record_view(host, caller, rid, recommendations::Shown::Job(id)).await?;
    }
    Ok(view)
}

/// `GET /jobs`: open jobs for everyone; with `mine`, the caller's own jobs (clients) in any
/// or the given status. Newest first, `limit` per page (1–100), `after` = the last id seen.
pub async fn list(
    host: &Host,
    caller: Option<&Caller>,
    status: Option<JobStatus>,
    mine: bool,
    after: Option<i64>,
    limit: usize,
) -> ApiResult<Page<JobView>> {
    let owner = if mine {
        let c = caller.ok_or_else(|| ApiError::unauthenticated("`mine` needs a token"))?;
        c.require(Role::Client)?;
        Some(c.user_id)
    } else {
        None
    };
    let status = match (status, owner) {
        (Some(s), _) => Some(s),
        (None, Some(_)) => None,
        (None, None) => Some(JobStatus::Open),
    };
    if owner.is_none() && status != Some(JobStatus::Open) {
        return Err(ApiError::invalid(
            "status",
            "only open jobs are listed publicly; add mine=true for your own",
        ));
    }
    let rows = sqlx::query_as::<_, (i64, i64, String, String, i64, i64, Option<i64>, i64)>(
        "SELECT j.id, j.client_id, j.body, j.status, j.created_at, j.updated_at, j.opened_at,
                (SELECT COUNT(*) FROM proposals p WHERE p.job_id = j.id)
         FROM jobs j
         WHERE ($1 IS NULL OR j.status = $1) AND ($2 IS NULL OR j.client_id = $2)
           AND ($3 IS NULL OR j.id < $3)
         ORDER BY j.id DESC LIMIT $4",
    )
    .bind(status.map(|s| s.as_str()))
    .bind(owner)
    .bind(after)
    .bind(limit as i64 + 1)
    .fetch_all(&host.db)
    .await?;
    let more = rows.len() > limit;
    let mut items = Vec::with_capacity(limit);
    for (id, client, body, st, created, updated, opened, proposals) in rows.into_iter().take(limit)
    {
        items.push(view_of(
            parse_row((id, client, body, st, created, updated, opened))?,
            proposals,
        ));
    }
    let next = more.then(|| items.last().map(|j| j.id.clone())).flatten();
    Ok(Page { items, next })
}
