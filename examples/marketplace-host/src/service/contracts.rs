//! Contracts and reviews.
//!
//! A contract runs from an accepted proposal: the freelancer delivers, the client accepts or
//! asks for changes; a delivery nobody answers is accepted automatically after 14 days
//! ([`auto_accept`]). Reviews are double-blind (Sharetribe's pattern, research marketplace.md
//! §4.2): each party writes one within 7 days of completion; nobody sees the other's until
//! both are in or the 7 days pass ([`close_reviews`]), and then both publish at once. A
//! published client review is the freelancer's rating (an engine outcome and part of the
//! history the engine scores reputation from).

use fairmatch::OutcomeKind;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::auth::{Caller, Role};
use crate::clock::{Ts, to_datetime};
use crate::db::{Conn, Pool};
use crate::engine_sync::Write;
use crate::error::{ApiError, ApiResult};
use crate::flow::{ContractAction, ContractStatus, JobAction};
use crate::host::{Host, Rules};
use crate::ids::Kind;
use crate::model::{ContractEventView, ContractView, ReviewView, check_text};
use crate::service::proposals::ProposalRow;
use crate::service::{Step, freelancers, jobs, opt_time, record_outcome};

/// `POST /contracts/{id}/{deliver,request-changes}`: an optional note (required when asking
/// for changes).
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// What was delivered, or what to change (≤ 5,000 characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// `POST /contracts/{id}/reviews`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// 1–5 stars.
    pub rating: i64,
    /// The review (≤ 5,000 characters).
    #[serde(default)]
    pub text: String,
}

/// A contract row.
#[derive(Debug, Clone)]
pub struct ContractRow {
    /// Row id.
    pub id: i64,
    /// The job.
    pub job_id: i64,
    /// The accepted proposal.
    pub proposal_id: i64,
    /// The client's account.
    pub client_id: i64,
    /// The freelancer.
    pub freelancer_id: i64,
    /// Where it is.
    pub status: ContractStatus,
    /// Started.
    pub created_at: Ts,
    /// Last change.
    pub updated_at: Ts,
    /// Last delivery.
    pub delivered_at: Option<Ts>,
    /// Completed.
    pub completed_at: Option<Ts>,
    /// Completed by the timer.
    pub auto_accepted: bool,
    /// Reviews published.
    pub reviews_closed_at: Option<Ts>,
}

type Row = (
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
    i64,
    Option<i64>,
    Option<i64>,
    i64,
    Option<i64>,
);

fn parse_row(r: Row) -> ApiResult<ContractRow> {
    let (
        id,
        job_id,
        proposal_id,
        client_id,
        freelancer_id,
        status,
        created_at,
        updated_at,
        delivered_at,
        completed_at,
        auto,
        closed,
    ) = r;
    Ok(ContractRow {
        id,
        job_id,
        proposal_id,
        client_id,
        freelancer_id,
        status: ContractStatus::parse(&status)
            .ok_or_else(|| ApiError::internal(format!("contract {id} has status `{status}`")))?,
        created_at,
        updated_at,
        delivered_at,
        completed_at,
        auto_accepted: auto != 0,
        reviews_closed_at: closed,
    })
}

/// Loads contract `id`.
pub async fn load(conn: &mut Conn, id: i64) -> ApiResult<Option<ContractRow>> {
    sqlx::query_as::<_, Row>(
        "SELECT id, job_id, proposal_id, client_id, freelancer_id, status, created_at, updated_at,
                delivered_at, completed_at, auto_accepted, reviews_closed_at
         FROM contracts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    .map(parse_row)
    .transpose()
}

/// Loads the contract of job `job_id`, if any.
pub async fn load_for_job(conn: &mut Conn, job_id: i64) -> ApiResult<Option<ContractRow>> {
    let id = sqlx::query_scalar::<_, i64>("SELECT id FROM contracts WHERE job_id = $1")
        .bind(job_id)
        .fetch_optional(&mut *conn)
        .await?;
    match id {
        Some(id) => load(conn, id).await,
        None => Ok(None),
    }
}

async fn event(
    w: &mut Write,
    contract: i64,
    kind: &str,
    actor: Option<i64>,
    note: Option<&str>,
    at: Ts,
) -> ApiResult<()> {
    sqlx::query(
        "INSERT INTO contract_events (contract_id, kind, actor_id, note, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(contract)
    .bind(kind)
    .bind(actor)
    .bind(note)
    .bind(at)
    .execute(w.conn())
    .await?;
    Ok(())
}

/// Creates the contract of an accepted proposal.
pub async fn create(w: &mut Write, p: &ProposalRow, now: Ts) -> ApiResult<ContractRow> {
    let client = sqlx::query_scalar::<_, i64>("SELECT client_id FROM jobs WHERE id = $1")
        .bind(p.job_id)
        .fetch_one(w.conn())
        .await?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO contracts (job_id, proposal_id, client_id, freelancer_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING id",
    )
    .bind(p.job_id)
    .bind(p.id)
    .bind(client)
    .bind(p.freelancer_id)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    event(w, id, "created", Some(client), None, now).await?;
    load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Contract.missing(id))
}

/// Moves contract `c` to `to` at `at` (stamping deliveries and completions) and logs the step.
pub async fn set_status(
    w: &mut Write,
    c: &ContractRow,
    to: ContractStatus,
    at: Ts,
    kind: &str,
    actor: Option<i64>,
    note: Option<&str>,
) -> ApiResult<()> {
    sqlx::query(
        "UPDATE contracts SET status = $1, updated_at = $2,
           delivered_at = CASE WHEN $1 = 'delivered' THEN $2 ELSE delivered_at END,
           completed_at = CASE WHEN $1 = 'completed' THEN $2 ELSE completed_at END,
           auto_accepted = $3
         WHERE id = $4",
    )
    .bind(to.as_str())
    .bind(at)
    .bind(i64::from(kind == "auto_accepted"))
    .bind(c.id)
    .execute(w.conn())
    .await?;
    event(w, c.id, kind, actor, note, at).await
}

/// Completes contract `c` at `at` (by the client, or by the timer when `auto`): the job is
/// completed and the freelancer's completion recorded.
pub async fn complete(
    w: &mut Write,
    c: &ContractRow,
    at: Ts,
    actor: Option<i64>,
    auto: bool,
) -> ApiResult<()> {
    ContractAction::Accept.apply(c.status, &format!("contract {}", Kind::Contract.id(c.id)))?;
    let kind = if auto { "auto_accepted" } else { "accepted" };
    set_status(w, c, ContractStatus::Completed, at, kind, actor, None).await?;
    let job = jobs::load(w.conn(), c.job_id)
        .await?
        .ok_or_else(|| Kind::Job.missing(c.job_id))?;
    jobs::transition_job(w, job, JobAction::Complete, at).await?;
    record_outcome(
        w,
        Step {
            freelancer: c.freelancer_id,
            job: c.job_id,
            kind: OutcomeKind::Completed,
            rating: None,
            request_id: None,
            viewer: None,
            at,
        },
    )
    .await?;
    freelancers::sync(w, c.freelancer_id).await
}

/// Which party `caller` is of contract `c`: 403 for admins (they take no part), 404 for
/// anyone else.
fn party(c: &ContractRow, caller: &Caller) -> ApiResult<Role> {
    match caller.role {
        Role::Client if c.client_id == caller.user_id => Ok(Role::Client),
        Role::Freelancer if caller.freelancer_id == Some(c.freelancer_id) => Ok(Role::Freelancer),
        Role::Admin => Err(ApiError::forbidden("admins take no part in contracts")),
        _ => Err(Kind::Contract.missing(c.id)),
    }
}

/// The party an action needs: `role`, checked as 403 (wrong role) then 404 (not a party).
fn require_party(c: &ContractRow, caller: &Caller, role: Role) -> ApiResult<()> {
    caller.require(role)?;
    party(c, caller).map(|_| ())
}

/// Performs `action` on contract `c` at `now` by user `actor` (already checked to be the
/// right party): deliver, request changes, or accept.
pub async fn perform(
    w: &mut Write,
    c: &ContractRow,
    action: ContractAction,
    actor: i64,
    note: Option<&str>,
    now: Ts,
) -> ApiResult<()> {
    let what = format!("contract {}", Kind::Contract.id(c.id));
    match action {
        ContractAction::Deliver => {
            let to = action.apply(c.status, &what)?;
            set_status(w, c, to, now, "delivered", Some(actor), note).await?;
            freelancers::touch(w, c.freelancer_id, now).await?;
            freelancers::sync(w, c.freelancer_id).await
        }
        ContractAction::RequestChanges => {
            let to = action.apply(c.status, &what)?;
            set_status(w, c, to, now, "changes_requested", Some(actor), note).await
        }
        ContractAction::Accept => complete(w, c, now, Some(actor), false).await,
        ContractAction::Cancel => Err(ApiError::internal("contracts are cancelled with their job")),
    }
}

/// `POST /contracts/{id}/{deliver,request-changes,accept}`.
pub async fn act(
    host: &Host,
    caller: &Caller,
    id: i64,
    action: ContractAction,
    note: NoteBody,
) -> ApiResult<ContractView> {
    let role = if action == ContractAction::Deliver {
        Role::Freelancer
    } else {
        Role::Client
    };
    caller.require(role)?;
    if let Some(n) = &note.note {
        check_text("note", n, 5_000, action == ContractAction::RequestChanges)?;
    } else if action == ContractAction::RequestChanges {
        return Err(ApiError::invalid("note", "say what to change"));
    }
    let mut w = host.begin_write().await?;
    let c = load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Contract.missing(id))?;
    require_party(&c, caller, role)?;
    perform(
        &mut w,
        &c,
        action,
        caller.user_id,
        note.note.as_deref(),
        host.now(),
    )
    .await?;
    let c = load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Contract.missing(id))?;
    let v = view(w.conn(), &c, caller.user_id, &host.rules).await?;
    w.commit().await?;
    Ok(v)
}

/// `GET /contracts/{id}` (its parties and admins).
pub async fn get(host: &Host, caller: &Caller, id: i64) -> ApiResult<ContractView> {
    let mut conn = host.db.acquire().await?;
    let c = load(&mut conn, id)
        .await?
        .ok_or_else(|| Kind::Contract.missing(id))?;
    if caller.role != Role::Admin {
        party(&c, caller)?;
    }
    view(&mut conn, &c, caller.user_id, &host.rules).await
}

/// The caller's contracts, newest first.
pub async fn list_mine(host: &Host, caller: &Caller) -> ApiResult<Vec<ContractView>> {
    let ids = match caller.role {
        Role::Client => {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM contracts WHERE client_id = $1 ORDER BY id DESC LIMIT 200",
            )
            .bind(caller.user_id)
            .fetch_all(&host.db)
            .await?
        }
        Role::Freelancer => {
            sqlx::query_scalar::<_, i64>(
                "SELECT id FROM contracts WHERE freelancer_id = $1 ORDER BY id DESC LIMIT 200",
            )
            .bind(caller.freelancer_id.unwrap_or(-1))
            .fetch_all(&host.db)
            .await?
        }
        Role::Admin => return Err(ApiError::forbidden("admins have no contracts")),
    };
    let mut conn = host.db.acquire().await?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(c) = load(&mut conn, id).await? {
            out.push(view(&mut conn, &c, caller.user_id, &host.rules).await?);
        }
    }
    Ok(out)
}

type ReviewRow = (i64, i64, String, i64, i64, String, i64, Option<i64>);

fn review_view(
    (id, contract, role, _reviewer, rating, text, created, published): ReviewRow,
) -> ReviewView {
    ReviewView {
        id: Kind::Review.id(id),
        contract_id: Kind::Contract.id(contract),
        reviewer_role: Role::parse(&role).unwrap_or(Role::Client),
        rating,
        text,
        created_at: to_datetime(created),
        published_at: opt_time(published),
    }
}

/// Contract `c` as user `viewer` sees it: published reviews and the viewer's own.
pub async fn view(
    conn: &mut Conn,
    c: &ContractRow,
    viewer: i64,
    rules: &Rules,
) -> ApiResult<ContractView> {
    let events = sqlx::query_as::<_, (String, Option<i64>, Option<String>, i64)>(
        "SELECT kind, actor_id, note, at FROM contract_events WHERE contract_id = $1 ORDER BY id",
    )
    .bind(c.id)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|(kind, actor, note, at)| ContractEventView {
        kind,
        actor_id: actor.map(|a| Kind::User.id(a)),
        note,
        at: to_datetime(at),
    })
    .collect();
    let reviews = sqlx::query_as::<_, ReviewRow>(
        "SELECT id, contract_id, reviewer_role, reviewer_id, rating, text, created_at, published_at
         FROM reviews WHERE contract_id = $1 AND (published_at IS NOT NULL OR reviewer_id = $2) ORDER BY id",
    )
    .bind(c.id)
    .bind(viewer)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(review_view)
    .collect();
    Ok(ContractView {
        id: Kind::Contract.id(c.id),
        job_id: Kind::Job.id(c.job_id),
        proposal_id: Kind::Proposal.id(c.proposal_id),
        client_id: Kind::User.id(c.client_id),
        freelancer_id: Kind::Freelancer.id(c.freelancer_id),
        status: c.status,
        created_at: to_datetime(c.created_at),
        updated_at: to_datetime(c.updated_at),
        delivered_at: opt_time(c.delivered_at),
        auto_accept_at: (c.status == ContractStatus::Delivered)
            .then(|| {
                c.delivered_at
                    .map(|d| to_datetime(d + rules.auto_accept_after))
            })
            .flatten(),
        completed_at: opt_time(c.completed_at),
        auto_accepted: c.auto_accepted,
        review_deadline: c.completed_at.map(|t| to_datetime(t + rules.review_window)),
        reviews_published_at: opt_time(c.reviews_closed_at),
        events,
        reviews,
    })
}

/// Publishes every review of contract `c` at `at` and closes its review period; a client
/// review becomes the freelancer's rating.
pub async fn close_reviews(w: &mut Write, c: &ContractRow, at: Ts) -> ApiResult<()> {
    let client_rating = sqlx::query_scalar::<_, i64>(
        "SELECT rating FROM reviews WHERE contract_id = $1 AND reviewer_role = 'client' AND published_at IS NULL",
    )
    .bind(c.id)
    .fetch_optional(w.conn())
    .await?;
    sqlx::query(
        "UPDATE reviews SET published_at = $1 WHERE contract_id = $2 AND published_at IS NULL",
    )
    .bind(at)
    .bind(c.id)
    .execute(w.conn())
    .await?;
    sqlx::query("UPDATE contracts SET reviews_closed_at = $1 WHERE id = $2")
        .bind(at)
        .bind(c.id)
        .execute(w.conn())
        .await?;
    event(w, c.id, "reviews_published", None, None, at).await?;
    if let Some(r) = client_rating {
        record_outcome(
            w,
            Step {
                freelancer: c.freelancer_id,
                job: c.job_id,
                kind: OutcomeKind::Reviewed,
                rating: Some(r as f64),
                request_id: None,
                viewer: None,
                at,
            },
        )
        .await?;
        freelancers::sync(w, c.freelancer_id).await?;
    }
    Ok(())
}

/// Writes `caller`'s review of contract `c` at `now`; publishes both when both are in.
pub async fn write_review(
    w: &mut Write,
    c: &ContractRow,
    role: Role,
    reviewer: i64,
    body: &ReviewBody,
    now: Ts,
    rules: &Rules,
) -> ApiResult<ReviewView> {
    let what = format!("contract {}", Kind::Contract.id(c.id));
    let completed = match (c.status, c.completed_at) {
        (ContractStatus::Completed, Some(t)) => t,
        (s, _) => {
            return Err(ApiError::transition(format!(
                "cannot review {what}: it is {}",
                s.as_str().replace('_', " ")
            )));
        }
    };
    if c.reviews_closed_at.is_some() || now >= completed + rules.review_window {
        return Err(ApiError::conflict(
            "review_period_closed",
            format!("the review period of {what} has ended"),
        ));
    }
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO reviews (contract_id, reviewer_role, reviewer_id, rating, text, created_at)
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (contract_id, reviewer_role) DO NOTHING RETURNING id",
    )
    .bind(c.id)
    .bind(role.as_str())
    .bind(reviewer)
    .bind(body.rating)
    .bind(&body.text)
    .bind(now)
    .fetch_optional(w.conn())
    .await?
    .ok_or_else(|| ApiError::conflict("already_reviewed", format!("you already reviewed {what}")))?;
    let both = sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM reviews WHERE contract_id = $1")
        .bind(c.id)
        .fetch_one(w.conn())
        .await?;
    if both == 2 {
        close_reviews(w, c, now).await?;
    }
    let row = sqlx::query_as::<_, ReviewRow>(
        "SELECT id, contract_id, reviewer_role, reviewer_id, rating, text, created_at, published_at
         FROM reviews WHERE id = $1",
    )
    .bind(id)
    .fetch_one(w.conn())
    .await?;
    Ok(review_view(row))
}

/// `POST /contracts/{id}/reviews` (either party, once).
pub async fn review(
    host: &Host,
    caller: &Caller,
    id: i64,
    body: ReviewBody,
) -> ApiResult<ReviewView> {
    if caller.role == Role::Admin {
        return Err(ApiError::forbidden("admins take no part in contracts"));
    }
    if !(1..=5).contains(&body.rating) {
        return Err(ApiError::invalid("rating", "must be 1–5 stars"));
    }
    check_text("text", &body.text, 5_000, false)?;
    let mut w = host.begin_write().await?;
    let c = load(w.conn(), id)
        .await?
        .ok_or_else(|| Kind::Contract.missing(id))?;
    let role = party(&c, caller)?;
    let r = write_review(
        &mut w,
        &c,
        role,
        caller.user_id,
        &body,
        host.now(),
        &host.rules,
    )
    .await?;
    w.commit().await?;
    Ok(r)
}

/// Published client reviews of freelancer `fid`, newest first (at most 50).
pub async fn published_reviews_of(conn: &mut Conn, fid: i64) -> ApiResult<Vec<ReviewView>> {
    Ok(sqlx::query_as::<_, ReviewRow>(
        "SELECT r.id, r.contract_id, r.reviewer_role, r.reviewer_id, r.rating, r.text, r.created_at, r.published_at
         FROM reviews r JOIN contracts c ON c.id = r.contract_id
         WHERE c.freelancer_id = $1 AND r.reviewer_role = 'client' AND r.published_at IS NOT NULL
         ORDER BY r.published_at DESC, r.id DESC LIMIT 50",
    )
    .bind(fid)
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(review_view)
    .collect())
}

/// Contracts whose timers are due at `now`: deliveries unanswered for `rules.auto_accept_after`
/// and completions whose review period ended (ids, oldest first, at most `limit`).
pub async fn due(db: &Pool, now: Ts, rules: &Rules, limit: i64) -> ApiResult<(Vec<i64>, Vec<i64>)> {
    let accept = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM contracts WHERE status = 'delivered' AND delivered_at <= $1 ORDER BY delivered_at, id LIMIT $2",
    )
    .bind(now - rules.auto_accept_after)
    .bind(limit)
    .fetch_all(db)
    .await?;
    let publish = sqlx::query_scalar::<_, i64>(
        "SELECT id FROM contracts WHERE status = 'completed' AND reviews_closed_at IS NULL
           AND completed_at <= $1 ORDER BY completed_at, id LIMIT $2",
    )
    .bind(now - rules.review_window)
    .bind(limit)
    .fetch_all(db)
    .await?;
    Ok((accept, publish))
}

/// The 14-day timer: accepts contract `id`'s delivery at delivery + 14 days, if still due at
/// `now`. Returns whether it fired.
pub async fn auto_accept(host: &Host, id: i64, now: Ts) -> ApiResult<bool> {
    let mut w = host.begin_write().await?;
    let Some(c) = load(w.conn(), id).await? else {
        return Ok(false);
    };
    let due = c.delivered_at.map(|d| d + host.rules.auto_accept_after);
    match (c.status, due) {
        (ContractStatus::Delivered, Some(at)) if at <= now => {
            complete(&mut w, &c, at, None, true).await?;
            w.commit().await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// The 7-day timer: publishes contract `id`'s reviews at completion + 7 days, if still due
/// at `now`. Returns whether it fired.
pub async fn expire_reviews(host: &Host, id: i64, now: Ts) -> ApiResult<bool> {
    let mut w = host.begin_write().await?;
    let Some(c) = load(w.conn(), id).await? else {
        return Ok(false);
    };
    let due = c.completed_at.map(|t| t + host.rules.review_window);
    match (c.status, c.reviews_closed_at, due) {
        (ContractStatus::Completed, None, Some(at)) if at <= now => {
            close_reviews(&mut w, &c, at).await?;
            w.commit().await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
