//! Accounts and sessions: registration, login, logout, and the admin bootstrapped at start.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::auth::{self, Caller, Role};
use crate::clock::{Ts, rfc3339};
use crate::db::Conn;
use crate::error::{ApiError, ApiResult};
use crate::host::Host;

/// `POST /auth/register`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterBody {
    /// The email (the login name).
    pub email: String,
    /// 8–1024 characters.
    pub password: String,
    /// `client` or `freelancer` (admins are bootstrapped with `--admin`).
    pub role: Role,
}

/// `POST /auth/login`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The email.
    pub email: String,
    /// The password.
    pub password: String,
}

/// A login's token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenView {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
    /// The account's public id.
    pub user_id: String,
    /// The account's role.
    pub role: Role,
}

/// The answer to a registration, the same whether or not the email was already taken.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Registered {
    /// What happens next.
    pub message: String,
}

/// Inserts an account (`password_hash` None = cannot log in) and returns its id, or `None`
/// when the email is taken.
pub async fn insert_user(
    conn: &mut Conn,
    email: &str,
    password_hash: Option<&str>,
    role: Role,
    now: Ts,
) -> ApiResult<Option<i64>> {
    let id = sqlx::query_scalar::<_, i64>(
        "INSERT INTO users (email, password_hash, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(now)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(id)
}

/// Registers a client or freelancer. The answer does not say whether the email was new.
pub async fn register(host: &Host, body: RegisterBody) -> ApiResult<Registered> {
    let email = auth::normalize_email(&body.email)?;
    auth::check_password(&body.password)?;
    if body.role == Role::Admin {
        return Err(ApiError::invalid(
            "role",
            "registration creates clients and freelancers only",
        ));
    }
    let password = body.password;
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&password))
        .await?
        .map_err(ApiError::internal)?;
    let mut w = host.begin_write().await?;
    let now = host.now();
    insert_user(w.conn(), &email, Some(&hash), body.role, now).await?;
    w.commit().await?;
    Ok(Registered {
        message: "registration received: if the email was not registered yet, the account \
                  exists now; log in with POST /auth/login"
            .into(),
    })
}

/// Checks credentials and opens a session. Unknown emails and wrong passwords answer the same
/// 401 after the same Argon2 work; past the failure limit, 429 without checking anything.
pub async fn login(host: &Host, body: LoginBody, addr: Option<IpAddr>) -> ApiResult<TokenView> {
    let email = body.email.trim().to_lowercase();
    let now = host.now();
    host.limiter.check(&email, addr, now)?;
    let row = sqlx::query_as::<_, (i64, Option<String>, String)>(
        "SELECT id, password_hash, role FROM users WHERE email = $1",
    )
    .bind(&email)
    .fetch_optional(&host.db)
    .await?;
    let stored = row
        .as_ref()
        .and_then(|(_, h, _)| h.clone())
        .unwrap_or_else(|| host.dummy_hash().to_owned());
    let password = body.password;
    let ok = tokio::task::spawn_blocking(move || auth::verify_password(&stored, &password)).await?;
    let (user_id, role) = match (ok, row) {
        (true, Some((id, Some(_), role))) => (id, role),
        _ => {
            host.limiter.fail(&email, addr, now);
            return Err(ApiError::unauthenticated("wrong email or password"));
        }
    };
    host.limiter.succeed(&email);
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in users"))?;
    let (token, hash) = auth::new_token();
    let expires_at = now + host.rules.token_ttl;
    let mut w = host.begin_write().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&hash)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(w.conn())
    .await?;
    w.commit().await?;
    Ok(TokenView {
        token,
        expires_at: rfc3339(expires_at),
        user_id: crate::ids::Kind::User.id(user_id),
        role,
    })
}

/// Ends the caller's session.
pub async fn logout(host: &Host, caller: &Caller) -> ApiResult<()> {
    let mut w = host.begin_write().await?;
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(&caller.token_hash)
        .execute(w.conn())
        .await?;
    w.commit().await
}

/// Creates the admin `email` with `password` if absent, or resets the password of an
/// existing admin; an existing non-admin account with that email is an error.
pub async fn bootstrap_admin(host: &Host, email: &str, password: &str) -> ApiResult<()> {
    let email = auth::normalize_email(email)?;
    auth::check_password(password)
        .map_err(|e| ApiError::invalid("FAIRMATCH_ADMIN_PASSWORD", e.message))?;
    let pw = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || auth::hash_password(&pw))
        .await?
        .map_err(ApiError::internal)?;
    let mut w = host.begin_write().await?;
    let now = host.now();
    if insert_user(w.conn(), &email, Some(&hash), Role::Admin, now)
        .await?
        .is_none()
    {
        let role = sqlx::query_scalar::<_, String>("SELECT role FROM users WHERE email = $1")
            .bind(&email)
            .fetch_one(w.conn())
            .await?;
        if role != "admin" {
            return Err(ApiError::conflict(
                "conflict",
                format!("`{email}` is a {role} account, not an admin"),
            ));
        }
        sqlx::query("UPDATE users SET password_hash = $1 WHERE email = $2")
            .bind(&hash)
            .bind(&email)
            .execute(w.conn())
            .await?;
    }
    w.commit().await
}

/// Deletes expired sessions; returns how many.
pub async fn purge_sessions(host: &Host, now: Ts) -> ApiResult<u64> {
    let r = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(&host.db)
        .await?;
    Ok(r.rows_affected())
}
