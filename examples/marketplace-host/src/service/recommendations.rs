//! Recommendations both ways. Every served list gets a `request_id`, is logged with one
//! impression row per shown item, and — for freelancers shown for a job — is recorded in the
//! engine (`record_impressions` with positions and scores), which feeds the exposure ledger
//! FairCo reads and the audit. A later view or proposal that carries the `request_id` is
//! checked against the log and recorded as an outcome.
//!
//! Job lists shown to freelancers are logged here but not given to the engine: its
//! impressions are freelancer-side (who was shown to a client, at which position).

use std::str::FromStr;

use serde::Deserialize;
use utoipa::IntoParams;

use fairmatch::{
    FairnessOptions, Impressions, OutcomeKind, Preset, RecommendOptions, Recommendations,
};

use crate::auth::Caller;
use crate::clock::{Ts, to_datetime};
use crate::db::Pool;
use crate::engine_sync::EngineInput;
use crate::error::{ApiError, ApiResult};
use crate::flow::JobStatus;
use crate::host::Host;
use crate::ids::Kind;
use crate::live::new_request_id;
use crate::model::{FairnessUsed, RecommendationsView};
use crate::service::{Step, jobs, record_outcome};

/// Query parameters of both recommendation endpoints.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RecQuery {
    /// How many results (1–100, default 10).
    pub k: Option<String>,
    /// `default` or `megilance_v1`.
    pub preset: Option<String>,
    /// `marketplace` (default: the admin's policy for freelancer lists, none for job lists),
    /// `none`, or a JSON `FairnessOptions` object, e.g.
    /// `{"policy":{"type":"fair","p":0.3,"alpha":0.1,"protected_groups":[0]},"attribute":"tenure","groups":["newcomer"]}`.
    pub fairness: Option<String>,
}

/// Which policy a request asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum FairnessChoice {
    /// The marketplace's policy.
    Marketplace,
    /// No re-ranking.
    None,
    /// The request's own policy.
    Request(FairnessOptions),
}

/// A parsed recommendation request.
#[derive(Debug, Clone)]
pub struct RecRequest {
    /// Results wanted.
    pub k: usize,
    /// The preset.
    pub preset: Preset,
    /// The policy.
    pub fairness: FairnessChoice,
}

impl RecQuery {
    /// Checks every parameter, naming the bad one.
    pub fn parse(&self, max_k: usize) -> ApiResult<RecRequest> {
        let k = match &self.k {
            None => 10,
            Some(s) => s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|k| (1..=max_k).contains(k))
                .ok_or_else(|| {
                    ApiError::invalid(
                        "k",
                        format!("must be a whole number in 1–{max_k}, got `{s}`"),
                    )
                })?,
        };
        let preset = match &self.preset {
            None => Preset::Default,
            Some(s) => Preset::from_str(s).map_err(|_| {
                ApiError::invalid(
                    "preset",
                    format!("`{s}` is not `default` or `megilance_v1`"),
                )
            })?,
        };
        let fairness = match self.fairness.as_deref().map(str::trim) {
            None | Some("") | Some("marketplace") => FairnessChoice::Marketplace,
            Some("none") => FairnessChoice::None,
            Some(json) if json.starts_with('{') => {
                let f: FairnessOptions =
                    crate::error::parse_json(json.as_bytes()).map_err(|e| {
                        let field = match e.field.as_deref() {
                            None | Some("body") => "fairness".to_owned(),
                            Some(f) => format!("fairness.{f}"),
                        };
                        ApiError::invalid(field, e.message)
                    })?;
                FairnessChoice::Request(f)
            }
            Some(other) => {
                return Err(ApiError::invalid(
                    "fairness",
                    format!("`{other}` is not `marketplace`, `none` or a JSON object"),
                ));
            }
        };
        Ok(RecRequest {
            k,
            preset,
            fairness,
        })
    }
}

/// Validates `opts` with the engine; errors name the request's field: `options.k` → `k`,
/// `options.fairness.pool` → `{fairness}.pool`, a policy's `fair.p` → `{fairness}.policy.p`.
pub fn check_options(opts: &RecommendOptions, fairness: &str) -> ApiResult<()> {
    opts.validate().map(|_| ()).map_err(|e| match e {
        fairmatch::Error::InvalidInput { field, reason } => {
            let field = if let Some(f) = field.strip_prefix("options.fairness.") {
                format!("{fairness}.{f}")
            } else if let Some(f) = field.strip_prefix("options.") {
                f.to_owned()
            } else {
                let rest = field.split_once('.').map_or(field.as_str(), |(_, f)| f);
                format!("{fairness}.policy.{rest}")
            };
            ApiError::invalid(field, reason)
        }
        e => ApiError::internal(e),
    })
}

/// The engine's options for a request at `now`, checked by the engine.
fn options(
    req: &RecRequest,
    policy: Option<FairnessOptions>,
    now: Ts,
) -> ApiResult<RecommendOptions> {
    let opts = RecommendOptions {
        k: req.k,
        preset: req.preset,
        fairness: policy,
        now: Some(to_datetime(now)),
        ..RecommendOptions::default()
    };
    check_options(&opts, "fairness")?;
    Ok(opts)
}

fn preset_name(p: Preset) -> String {
    serde_json::to_value(p)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// One shown item of a served list.
#[derive(Debug, Clone)]
pub struct Impression<'a> {
    /// The list.
    pub request_id: &'a str,
    /// 1-based position.
    pub position: usize,
    /// The job (shown, or shown for).
    pub job: i64,
    /// The freelancer (shown, or shown to).
    pub freelancer: i64,
    /// The engine's score.
    pub score: f64,
}

/// Inserts impression rows, 500 to a statement.
pub async fn log_impressions(conn: &mut crate::db::Conn, rows: &[Impression<'_>]) -> ApiResult<()> {
    const COLUMNS: &[&str] = &["request_id", "position", "job_id", "freelancer_id", "score"];
    for chunk in rows.chunks(500) {
        let mut q = sqlx::query(crate::db::insert_many("impressions", COLUMNS, chunk.len()));
        for r in chunk {
            q = q
                .bind(r.request_id)
                .bind(r.position as i64)
                .bind(r.job)
                .bind(r.freelancer)
                .bind(r.score);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One served list to log.
struct Served<'a> {
    direction: &'static str,
    viewer: i64,
    job: Option<i64>,
    freelancer: Option<i64>,
    req: &'a RecRequest,
    fairness: &'a FairnessUsed,
    at: Ts,
}

/// Logs a served list (request + impressions) and, for freelancer lists, journals the
/// engine's impressions; returns the request id.
async fn record(host: &Host, s: Served<'_>, recs: &Recommendations) -> ApiResult<String> {
    let request_id = new_request_id();
    let fairness = s
        .fairness
        .policy
        .as_ref()
        .map(serde_json::to_string)
        .transpose()
        .map_err(ApiError::internal)?;
    let mut w = host.begin_write().await?;
    sqlx::query(
        "INSERT INTO rec_requests (id, direction, viewer_id, job_id, freelancer_id, preset, fairness, k, at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&request_id)
    .bind(s.direction)
    .bind(s.viewer)
    .bind(s.job)
    .bind(s.freelancer)
    .bind(preset_name(s.req.preset))
    .bind(fairness)
    .bind(s.req.k as i64)
    .bind(s.at)
    .execute(w.conn())
    .await?;
    let mut shown = Vec::with_capacity(recs.matches.len());
    for m in &recs.matches {
        let (job, freelancer) = match (s.job, s.freelancer) {
            (Some(j), _) => (j, Kind::Freelancer.parse(&m.id)?),
            (None, Some(f)) => (Kind::Job.parse(&m.id)?, f),
            (None, None) => {
                return Err(ApiError::internal(
                    "a served list needs a job or a freelancer",
                ));
            }
        };
        shown.push(Impression {
            request_id: &request_id,
            position: m.rank,
            job,
            freelancer,
            score: m.score,
        });
    }
    log_impressions(w.conn(), &shown).await?;
    if let (Some(job), false) = (s.job, recs.matches.is_empty()) {
        w.engine(EngineInput::Impressions(Impressions {
            request_id: request_id.clone(),
            job_id: Some(Kind::Job.id(job)),
            freelancer_ids: recs.matches.iter().map(|m| m.id.clone()).collect(),
            positions: Some(recs.matches.iter().map(|m| m.rank as u32).collect()),
            scores: Some(recs.matches.iter().map(|m| m.score).collect()),
            propensities: None,
            at: to_datetime(s.at),
        }))
        .await?;
    }
    w.commit().await?;
    host.metrics.recommendation(s.direction, recs.matches.len());
    Ok(request_id)
}

/// What a served list ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFor {
    /// Freelancers for this job.
    Job(i64),
    /// Open jobs for this freelancer.
    Freelancer(i64),
}

/// Which policy a list runs for `choice`: freelancer lists default to the marketplace's
/// `policy`, job lists to none.
pub fn fairness_for(
    target: ListFor,
    choice: &FairnessChoice,
    policy: Option<FairnessOptions>,
) -> FairnessUsed {
    let used = |source: &str, policy| FairnessUsed {
        source: source.into(),
        policy,
    };
    match (choice, target) {
        (FairnessChoice::Request(f), _) => used("request", Some(f.clone())),
        (FairnessChoice::Marketplace, ListFor::Job(_)) if policy.is_some() => {
            used("marketplace", policy)
        }
        _ => used("none", None),
    }
}

/// Serves the list `target` to user `viewer` at `now` (engine ranking off the async
/// workers) and records it.
pub async fn serve(
    host: &Host,
    viewer: i64,
    target: ListFor,
    req: &RecRequest,
    now: Ts,
) -> ApiResult<RecommendationsView> {
    let fairness = fairness_for(target, &req.fairness, host.policy());
    let opts = options(req, fairness.policy.clone(), now)?;
    let engine = host.engine.clone();
    let result = tokio::task::spawn_blocking(move || match target {
        ListFor::Job(j) => engine.recommend_freelancers(&Kind::Job.id(j), &opts),
        ListFor::Freelancer(f) => engine.recommend_jobs(&Kind::Freelancer.id(f), &opts),
    })
    .await??;
    let (direction, job, freelancer) = match target {
        ListFor::Job(j) => ("freelancers_for_job", Some(j), None),
        ListFor::Freelancer(f) => ("jobs_for_freelancer", None, Some(f)),
    };
    let served = Served {
        direction,
        viewer,
        job,
        freelancer,
        req,
        fairness: &fairness,
        at: now,
    };
    let request_id = record(host, served, &result).await?;
    Ok(RecommendationsView {
        request_id,
        fairness,
        result,
    })
}

/// `GET /jobs/{id}/recommendations` (the job's client): freelancers for the job.
pub async fn freelancers_for_job(
    host: &Host,
    caller: &Caller,
    job_id: i64,
    query: &RecQuery,
) -> ApiResult<RecommendationsView> {
    let job = jobs::owned(&mut *host.db.acquire().await?, caller, job_id).await?;
    let req = query.parse(host.rules.max_k)?;
    if !matches!(
        job.status,
        JobStatus::Draft | JobStatus::Open | JobStatus::Closed
    ) {
        return Err(ApiError::transition(format!(
            "cannot recommend freelancers for job {}: it is {}",
            Kind::Job.id(job_id),
            job.status.as_str().replace('_', " ")
        )));
    }
    serve(host, caller.user_id, ListFor::Job(job_id), &req, host.now()).await
}

/// `GET /freelancers/me/recommendations` (a freelancer with a profile): open jobs for them.
pub async fn jobs_for_freelancer(
    host: &Host,
    caller: &Caller,
    query: &RecQuery,
) -> ApiResult<RecommendationsView> {
    let fid = caller.freelancer()?;
    let req = query.parse(host.rules.max_k)?;
    serve(
        host,
        caller.user_id,
        ListFor::Freelancer(fid),
        &req,
        host.now(),
    )
    .await
}

/// What a view claims a served list showed.
#[derive(Debug, Clone, Copy)]
pub enum Shown {
    /// A freelancer, in a list for one of the viewer's jobs.
    Freelancer(i64),
    /// A job, in a list (or a live push) for the viewing freelancer.
    Job(i64),
}

/// Checks that served list `request_id` went to `viewer` and showed the item; returns the
/// job of the impression. Anything else is a 422 on `request_id`.
pub async fn shown(db: &Pool, request_id: &str, viewer: i64, what: Shown) -> ApiResult<i64> {
    let job = match what {
        Shown::Freelancer(f) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT i.job_id FROM rec_requests r JOIN impressions i ON i.request_id = r.id
             WHERE r.id = $1 AND r.viewer_id = $2 AND r.direction = 'freelancers_for_job'
               AND i.freelancer_id = $3",
            )
            .bind(request_id)
            .bind(viewer)
            .bind(f)
            .fetch_optional(db)
            .await?
        }
        Shown::Job(j) => {
            sqlx::query_scalar::<_, i64>(
                "SELECT i.job_id FROM rec_requests r JOIN impressions i ON i.request_id = r.id
             WHERE r.id = $1 AND r.viewer_id = $2
               AND r.direction IN ('jobs_for_freelancer', 'live_match') AND i.job_id = $3",
            )
            .bind(request_id)
            .bind(viewer)
            .bind(j)
            .fetch_optional(db)
            .await?
        }
    };
    job.ok_or_else(|| {
        let item = match what {
            Shown::Freelancer(f) => format!("freelancer {}", Kind::Freelancer.id(f)),
            Shown::Job(j) => format!("job {}", Kind::Job.id(j)),
        };
        ApiError::invalid(
            "request_id",
            format!("`{request_id}` is not a list served to you that showed {item}"),
        )
    })
}

/// Records a view carrying `request_id`: `caller` opened `shown` after the served list showed
/// it (a client viewing a freelancer, or a freelancer viewing a job). Counted once per
/// request, viewer and item.
pub async fn record_view(
    host: &Host,
    caller: Option<&Caller>,
    request_id: String,
    what: Shown,
) -> ApiResult<()> {
    let caller = caller.ok_or_else(|| {
        ApiError::unauthenticated("a view with a request_id needs the viewer's token")
    })?;
    let freelancer = match what {
        Shown::Freelancer(f) => f,
        Shown::Job(_) => caller.freelancer()?,
    };
    let job = shown(&host.db, &request_id, caller.user_id, what).await?;
    let mut w = host.begin_write().await?;
    record_outcome(
        &mut w,
        Step {
            freelancer,
            job,
            kind: OutcomeKind::Viewed,
            rating: None,
            request_id: Some(request_id),
            viewer: Some(caller.user_id),
            at: host.now(),
        },
    )
    .await?;
    w.commit().await
}
