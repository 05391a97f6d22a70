//! Admin operations: the engine's audit, the marketplace's fairness policy, and the
//! consistency check of the engine against a fresh rebuild from the database.

use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use fairmatch::engine::{AuditOptions, AuditReport};
use fairmatch::{FairnessOptions, RecommendOptions};

use crate::auth::{Caller, Role};
use crate::clock::{DAY, Ts, to_datetime};
use crate::db::Conn;
use crate::engine_sync::VerifyReport;
use crate::error::{ApiError, ApiResult};
use crate::host::Host;
use crate::schema;

/// `GET /admin/audit` parameters.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// The freelancer attribute whose values are the groups (e.g. `region`, `tenure`).
    pub attribute: Option<String>,
    /// How far back: `30d`, `12w`, `48h`, or `all` (default `30d`).
    pub window: Option<String>,
}

/// A window length in seconds: `Nh`, `Nd`, `Nw` (up to 10 years), `None` for `all`.
pub fn parse_window(s: Option<&str>) -> ApiResult<Option<Ts>> {
    let s = s.map(str::trim).unwrap_or("30d");
    if s == "all" {
        return Ok(None);
    }
    let bad = || {
        ApiError::invalid(
            "window",
            format!("`{s}` is not `all` or a length like `30d`, `12w`, `48h`"),
        )
    };
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let n: i64 = num.parse().map_err(|_| bad())?;
    let secs = match unit {
        "h" => n.checked_mul(3_600),
        "d" => n.checked_mul(DAY),
        "w" => n.checked_mul(7 * DAY),
        _ => None,
    }
    .filter(|x| (3_600..=3_650 * DAY).contains(x))
    .ok_or_else(bad)?;
    Ok(Some(secs))
}

/// The engine's audit of `attribute` over the last `window` seconds (all time for `None`).
pub fn run_audit(host: &Host, attribute: &str, window: Option<Ts>) -> ApiResult<AuditReport> {
    let mut opts = AuditOptions::new(attribute);
    opts.from = window.map(|w| to_datetime(host.now() - w));
    host.engine
        .audit(&opts)
        .map_err(|e| ApiError::from_engine(e, "audit.", ""))
}

/// `GET /admin/audit`.
pub async fn audit(host: &Host, caller: &Caller, q: AuditQuery) -> ApiResult<AuditReport> {
    caller.require(Role::Admin)?;
    let attribute = q.attribute.unwrap_or_default();
    if attribute.trim().is_empty() {
        return Err(ApiError::invalid(
            "attribute",
            "name the freelancer attribute to audit (e.g. region)",
        ));
    }
    let window = parse_window(q.window.as_deref())?;
    run_audit(host, &attribute, window)
}

/// The marketplace's fairness policy (`GET`/`PUT /admin/fairness-policy`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyBody {
    /// The policy every freelancer recommendation runs unless the request says otherwise
    /// (null = none).
    #[schema(value_type = Option<schema::FairnessOptions>)]
    pub policy: Option<FairnessOptions>,
}

/// The settings key of the policy.
const POLICY_KEY: &str = "fairness_policy";

/// Reads the stored policy (at start).
pub async fn load_policy(conn: &mut Conn) -> ApiResult<Option<FairnessOptions>> {
    let v = sqlx::query_scalar::<_, String>("SELECT value FROM settings WHERE key = $1")
        .bind(POLICY_KEY)
        .fetch_optional(&mut *conn)
        .await?;
    match v {
        Some(v) => crate::service::stored("fairness policy", &v),
        None => Ok(None),
    }
}

/// Checks a policy the way the engine will run it (errors name `policy.…`).
pub fn check_policy(p: &Option<FairnessOptions>) -> ApiResult<()> {
    let opts = RecommendOptions {
        fairness: p.clone(),
        ..RecommendOptions::default()
    };
    crate::service::recommendations::check_options(&opts, "policy")
}

/// Stores the policy (in the caller's write) — used by the endpoint and the demo.
pub async fn store_policy(conn: &mut Conn, p: &Option<FairnessOptions>, now: Ts) -> ApiResult<()> {
    let json = serde_json::to_string(p).map_err(ApiError::internal)?;
    sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
    )
    .bind(POLICY_KEY)
    .bind(json)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// `PUT /admin/fairness-policy`.
pub async fn put_policy(host: &Host, caller: &Caller, body: PolicyBody) -> ApiResult<PolicyBody> {
    caller.require(Role::Admin)?;
    check_policy(&body.policy)?;
    let mut w = host.begin_write().await?;
    store_policy(w.conn(), &body.policy, host.now()).await?;
    w.commit().await?;
    host.set_policy(body.policy.clone());
    Ok(body)
}

/// `GET /admin/fairness-policy`.
pub fn get_policy(host: &Host, caller: &Caller) -> ApiResult<PolicyBody> {
    caller.require(Role::Admin)?;
    Ok(PolicyBody {
        policy: host.policy(),
    })
}

/// `POST /admin/verify`: pauses writes, rebuilds a fresh engine from the database and
/// compares it with the running one (snapshot bytes and every job's and freelancer's top 20).
pub async fn verify(host: &Host, caller: &Caller) -> ApiResult<VerifyReport> {
    caller.require(Role::Admin)?;
    host.with_writes_paused(async || {
        crate::engine_sync::verify(&host.db, &host.engine, to_datetime(host.now()), 20)
            .await
            .map_err(ApiError::internal)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_parse() {
        assert_eq!(parse_window(None).unwrap(), Some(30 * DAY));
        assert_eq!(parse_window(Some("12w")).unwrap(), Some(84 * DAY));
        assert_eq!(parse_window(Some("48h")).unwrap(), Some(48 * 3600));
        assert_eq!(parse_window(Some("all")).unwrap(), None);
        for bad in ["0d", "30", "d", "-3d", "99999d", "3y"] {
            assert_eq!(
                parse_window(Some(bad)).unwrap_err().field.as_deref(),
                Some("window"),
                "{bad}"
            );
        }
    }

    #[test]
    fn policies_are_checked_by_the_engine() {
        let p: FairnessOptions = serde_json::from_value(serde_json::json!({
            "policy": {"type": "fair", "p": 1.5, "alpha": 0.1, "protected_groups": [0]},
            "attribute": "tenure", "groups": ["newcomer"]
        }))
        .unwrap();
        let e = check_policy(&Some(p)).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("policy.policy.p"));
        check_policy(&None).unwrap();
    }
}
