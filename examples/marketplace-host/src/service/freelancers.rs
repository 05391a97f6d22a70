//! Freelancer profiles: the profile row, the history counted from contracts, proposals and
//! published reviews, and the engine's copy built from both.

use fairmatch::{Freelancer, History};

use crate::auth::{Caller, Role};
use crate::clock::{Ts, to_datetime};
use crate::db::Conn;
use crate::engine_sync::{EngineInput, Notice, Write};
use crate::error::{ApiError, ApiResult};
use crate::host::Host;
use crate::ids::Kind;
use crate::model::{FreelancerView, ProfileBody, Reputation};
use crate::service::{contracts, recommendations, stored};

/// A freelancer row.
#[derive(Debug, Clone)]
pub struct FreelancerRow {
    /// Row id.
    pub id: i64,
    /// The account.
    pub user_id: i64,
    /// The profile as sent.
    pub profile: ProfileBody,
    /// Created.
    pub joined_at: Ts,
    /// Last update of the profile.
    pub updated_at: Ts,
    /// Last activity.
    pub last_active_at: Ts,
}

/// Loads freelancer `id`, if it exists.
pub async fn load(conn: &mut Conn, id: i64) -> ApiResult<Option<FreelancerRow>> {
    let row = sqlx::query_as::<_, (i64, String, i64, i64, i64)>(
        "SELECT user_id, profile, joined_at, updated_at, last_active_at FROM freelancers WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(
        |(user_id, profile, joined_at, updated_at, last_active_at)| {
            Ok(FreelancerRow {
                id,
                user_id,
                profile: stored("profile", &profile)?,
                joined_at,
                updated_at,
                last_active_at,
            })
        },
    )
    .transpose()
}

/// The track record of freelancer `id` as the database counts it: published client ratings,
/// contracts (completed, all, running), proposals (sent, accepted), latest proposal and
/// contract. On-time deliveries and disputes are not tracked by this marketplace (0).
pub async fn history(conn: &mut Conn, id: i64) -> ApiResult<History> {
    let (rating_sum, ratings, completed, total, active, sent, accepted, last_p, last_c) =
        sqlx::query_as::<_, (i64, i64, i64, i64, i64, i64, i64, Option<i64>, Option<i64>)>(
            "SELECT
               (SELECT COALESCE(SUM(r.rating), 0) FROM reviews r JOIN contracts c ON c.id = r.contract_id
                 WHERE c.freelancer_id = $1 AND r.reviewer_role = 'client' AND r.published_at IS NOT NULL),
               (SELECT COUNT(*) FROM reviews r JOIN contracts c ON c.id = r.contract_id
                 WHERE c.freelancer_id = $1 AND r.reviewer_role = 'client' AND r.published_at IS NOT NULL),
               (SELECT COUNT(*) FROM contracts WHERE freelancer_id = $1 AND status = 'completed'),
               (SELECT COUNT(*) FROM contracts WHERE freelancer_id = $1),
               (SELECT COUNT(*) FROM contracts WHERE freelancer_id = $1
                  AND status IN ('active', 'delivered', 'changes_requested')),
               (SELECT COUNT(*) FROM proposals WHERE freelancer_id = $1),
               (SELECT COUNT(*) FROM proposals WHERE freelancer_id = $1 AND status = 'accepted'),
               (SELECT MAX(created_at) FROM proposals WHERE freelancer_id = $1),
               (SELECT MAX(created_at) FROM contracts WHERE freelancer_id = $1)",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    let count = |x: i64| u32::try_from(x).unwrap_or(u32::MAX);
    Ok(History {
        ratings_sum: rating_sum as f64,
        ratings_count: count(ratings),
        contracts_completed: count(completed),
        contracts_total: count(total),
        active_contracts: count(active),
        on_time: 0,
        disputes: 0,
        proposals_sent: count(sent),
        proposals_accepted: count(accepted),
        last_proposal_at: last_p.map(to_datetime),
        last_contract_at: last_c.map(to_datetime),
    })
}

/// The engine's freelancer `id` as the database describes it now.
pub async fn engine_freelancer(conn: &mut Conn, id: i64) -> ApiResult<Freelancer> {
    let row = load(conn, id)
        .await?
        .ok_or_else(|| Kind::Freelancer.missing(id))?;
    let h = history(conn, id).await?;
    Ok(row.profile.to_engine(
        Kind::Freelancer.id(id),
        h,
        row.joined_at,
        row.last_active_at,
    ))
}

/// Journals the engine's copy of freelancer `id` (profile + history from the database) and
/// tells the live hub. Call it after the write's outcomes (see the module docs).
pub async fn sync(w: &mut Write, id: i64) -> ApiResult<()> {
    let f = engine_freelancer(w.conn(), id).await?;
    w.engine(EngineInput::Freelancer(Box::new(f))).await?;
    w.notify(Notice::FreelancerChanged(id));
    Ok(())
}

/// Marks freelancer `id` active at `at` (a proposal, a delivery).
pub async fn touch(w: &mut Write, id: i64, at: Ts) -> ApiResult<()> {
    sqlx::query("UPDATE freelancers SET last_active_at = $1 WHERE id = $2 AND last_active_at < $1")
        .bind(at)
        .bind(id)
        .execute(w.conn())
        .await?;
    Ok(())
}

/// Creates or replaces the profile of freelancer account `user_id`; returns its row id.
pub async fn put_profile(
    w: &mut Write,
    user_id: i64,
    body: &ProfileBody,
    now: Ts,
) -> ApiResult<i64> {
    let json = serde_json::to_string(body).map_err(ApiError::internal)?;
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO freelancers (user_id, profile, joined_at, updated_at, last_active_at)
         VALUES ($1, $2, $3, $3, $3)
         ON CONFLICT (user_id) DO UPDATE SET profile = excluded.profile,
           updated_at = excluded.updated_at, last_active_at = excluded.last_active_at
         RETURNING id",
    )
    .bind(user_id)
    .bind(json)
    .bind(now)
    .fetch_one(w.conn())
    .await?;
    sync(w, id).await?;
    Ok(id)
}

/// `PUT /freelancers/me`.
pub async fn put_mine(
    host: &Host,
    caller: &Caller,
    body: ProfileBody,
) -> ApiResult<FreelancerView> {
    caller.require(Role::Freelancer)?;
    body.validate(&host.engine.taxonomy())?;
    let mut w = host.begin_write().await?;
    let id = put_profile(&mut w, caller.user_id, &body, host.now()).await?;
    w.commit().await?;
    let mut conn = host.db.acquire().await?;
    view(&mut conn, id, true).await
}

/// Freelancer `id` as a viewer sees it (`private`: with the disclosed attributes).
pub async fn view(conn: &mut Conn, id: i64, private: bool) -> ApiResult<FreelancerView> {
    let row = load(conn, id)
        .await?
        .ok_or_else(|| Kind::Freelancer.missing(id))?;
    let h = history(conn, id).await?;
    let mut profile = row.profile;
    if !private {
        profile.attributes.clear();
    }
    let reviews = contracts::published_reviews_of(conn, id).await?;
    Ok(FreelancerView {
        id: Kind::Freelancer.id(id),
        profile,
        reputation: Reputation::from(&h),
        reviews,
        joined_at: to_datetime(row.joined_at),
        last_active_at: to_datetime(row.last_active_at),
    })
}

/// `GET /freelancers/{id}`: public for everyone; a client passing the `request_id` of a
/// recommendation that showed this freelancer records a view.
pub async fn get(
    host: &Host,
    caller: Option<&Caller>,
    id: i64,
    request_id: Option<String>,
) -> ApiResult<FreelancerView> {
    let mut conn = host.db.acquire().await?;
    let private = caller.is_some_and(|c| c.role == Role::Admin || c.freelancer_id == Some(id));
    let v = view(&mut conn, id, private).await?;
    drop(conn);
    if let Some(rid) = request_id {
        recommendations::record_view(host, caller, rid, recommendations::Shown::Freelancer(id))
            .await?;
    }
    Ok(v)
}
