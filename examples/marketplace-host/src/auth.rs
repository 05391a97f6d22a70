//! Accounts, sessions and who is calling.
//!
//! * Passwords are hashed with Argon2id (RFC 9106; the crate's defaults m = 19 MiB, t = 2,
//!   p = 1, OWASP's first recommendation) with a random salt per password.
//! * A login issues a random 256-bit token (`fm_` + 64 hex digits). The database stores only
//!   its BLAKE2b-256 hash and an expiry, so a leaked database holds no usable token. The API
//!   takes it as `Authorization: Bearer …`; the HTML pages also accept it as the HttpOnly,
//!   SameSite=Strict cookie `fm_session` — and only the pages, never a write endpoint, so a
//!   cookie cannot be used for cross-site request forgery.
//! * Failed logins are limited per email and per client address ([`LoginLimiter`]); a login
//!   for an unknown email costs the same Argon2 verification as a wrong password and answers
//!   the same 401, and registration answers the same 202 whether or not the email was taken,
//!   so neither endpoint tells who has an account.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use blake2::Digest;
use parking_lot::Mutex;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::clock::Ts;
use crate::error::{ApiError, ApiResult};
use crate::host::Host;
use crate::ids::Kind;

/// The session cookie the HTML pages read.
pub const SESSION_COOKIE: &str = "fm_session";

/// A role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Posts jobs and hires.
    Client,
    /// Keeps a profile and sends proposals.
    Freelancer,
    /// Reads audits and the dashboard, sets the fairness policy.
    Admin,
}

impl Role {
    /// The text form.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Client => "client",
            Role::Freelancer => "freelancer",
            Role::Admin => "admin",
        }
    }

    /// Parses the text form.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client" => Some(Role::Client),
            "freelancer" => Some(Role::Freelancer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Hashes a password (Argon2id, random salt) into a PHC string. CPU-heavy (tens of ms):
/// call it off the async workers.
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    rand::rng().fill_bytes(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Whether `password` matches the PHC string `hash` (false for a malformed hash).
pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A new random token and its stored hash.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = format!("fm_{}", hex(&bytes));
    let hash = token_hash(&token);
    (token, hash)
}

/// The stored form of a token: BLAKE2b-256, hex.
pub fn token_hash(token: &str) -> String {
    let mut h = blake2::Blake2b::<blake2::digest::consts::U32>::new();
    h.update(token.as_bytes());
    hex(&h.finalize())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Trims and lower-cases an email, and checks its shape (one `@`, a dotted domain, no
/// spaces, at most 254 bytes).
pub fn normalize_email(email: &str) -> ApiResult<String> {
    let e = email.trim().to_lowercase();
    let ok = e.len() <= 254
        && !e.chars().any(char::is_whitespace)
        && e.split('@').count() == 2
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(e)
    } else {
        Err(ApiError::invalid("email", "not an email address"))
    }
}

/// Checks a new password: 8 to 1024 bytes.
pub fn check_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < 8 {
        return Err(ApiError::invalid(
            "password",
            "must be at least 8 characters",
        ));
    }
    if password.len() > 1024 {
        return Err(ApiError::invalid("password", "must be at most 1024 bytes"));
    }
    Ok(())
}

/// The authenticated caller of an API request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The account's row id.
    pub user_id: i64,
    /// The account's role.
    pub role: Role,
    /// The freelancer profile's row id, once the freelancer created one.
    pub freelancer_id: Option<i64>,
    /// The session's token hash (for logout).
    pub token_hash: String,
}

impl Caller {
    /// The caller if their role is `role`, else 403.
    pub fn require(&self, role: Role) -> ApiResult<&Self> {
        if self.role == role {
            Ok(self)
        } else {
            Err(ApiError::forbidden(format!(
                "this action is for {}s; you are signed in as {} {}",
                role.as_str(),
                article(self.role),
                self.role.as_str()
            )))
        }
    }

    /// The caller's freelancer profile id: 403 for other roles, 409 `profile_required` before
    /// the profile exists.
    pub fn freelancer(&self) -> ApiResult<i64> {
        self.require(Role::Freelancer)?;
        self.freelancer_id.ok_or_else(|| {
            ApiError::conflict(
                "profile_required",
                "create your profile first (PUT /freelancers/me)",
            )
        })
    }

    /// The caller's public user id.
    pub fn public_id(&self) -> String {
        Kind::User.id(self.user_id)
    }
}

fn article(r: Role) -> &'static str {
    if r == Role::Admin { "an" } else { "a" }
}

/// Looks up the session of `token` at time `now`.
async fn session(host: &Host, token: &str, now: Ts) -> ApiResult<Caller> {
    let hash = token_hash(token);
    let row = sqlx::query_as::<_, (i64, String, i64, Option<i64>)>(
        "SELECT s.user_id, u.role, s.expires_at, f.id
         FROM sessions s JOIN users u ON u.id = s.user_id
         LEFT JOIN freelancers f ON f.user_id = u.id
         WHERE s.token_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&host.db)
    .await?;
    let Some((user_id, role, expires_at, freelancer_id)) = row else {
        return Err(ApiError::unauthenticated("unknown or revoked token"));
    };
    if expires_at <= now {
        return Err(ApiError::token_expired());
    }
    let role = Role::parse(&role).ok_or_else(|| ApiError::internal("unknown role in users"))?;
    Ok(Caller {
        user_id,
        role,
        freelancer_id,
        token_hash: hash,
    })
}

fn bearer(parts: &Parts) -> ApiResult<Option<&str>> {
    let Some(v) = parts.headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let v = v
        .to_str()
        .map_err(|_| ApiError::unauthenticated("the Authorization header is not text"))?;
    let (scheme, token) = v
        .split_once(' ')
        .ok_or_else(|| ApiError::unauthenticated("expected `Authorization: Bearer <token>`"))?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(ApiError::unauthenticated(
            "expected `Authorization: Bearer <token>`",
        ));
    }
    Ok(Some(token.trim()))
}

/// The value of cookie `name`, if sent.
pub fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<Arc<Host>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<Self> {
        let token = bearer(parts)?
            .ok_or_else(|| ApiError::unauthenticated("missing `Authorization: Bearer <token>`"))?;
        session(host, token, host.now()).await
    }
}

/// `Option<Caller>`: `None` without an `Authorization` header; a bad token is still a 401.
impl OptionalFromRequestParts<Arc<Host>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<Option<Self>> {
        match bearer(parts)? {
            None => Ok(None),
            Some(token) => session(host, token, host.now()).await.map(Some),
        }
    }
}

/// The caller of an HTML page: the bearer token or the session cookie.
#[derive(Debug, Clone)]
pub struct PageCaller(pub Option<Caller>);

impl FromRequestParts<Arc<Host>> for PageCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, host: &Arc<Host>) -> ApiResult<Self> {
        let token = match bearer(parts)? {
            Some(t) => Some(t.to_owned()),
            None => cookie(parts, SESSION_COOKIE).map(str::to_owned),
        };
        let Some(token) = token else {
            return Ok(PageCaller(None));
        };
        match session(host, &token, host.now()).await {
            Ok(c) => Ok(PageCaller(Some(c))),
            Err(e) if e.status == axum::http::StatusCode::UNAUTHORIZED => Ok(PageCaller(None)),
            Err(e) => Err(e),
        }
    }
}

/// Failed-login limits: at most `per_email` failures per email and `per_address` per client
/// address within `window` seconds; past either, logins for it answer 429 until the oldest
/// failure leaves the window (without checking the password, so the limit is no oracle).
#[derive(Debug)]
pub struct LoginLimiter {
    failures: Mutex<HashMap<String, VecDeque<Ts>>>,
    per_email: usize,
    per_address: usize,
    window: Ts,
}

impl LoginLimiter {
    /// 5 failures per email and 20 per address in 15 minutes.
    pub fn new() -> Self {
        Self::with_limits(5, 20, 15 * 60)
    }

    /// Custom limits.
    pub fn with_limits(per_email: usize, per_address: usize, window: Ts) -> Self {
        Self {
            failures: Mutex::new(HashMap::new()),
            per_email,
            per_address,
            window,
        }
    }

    fn keys(email: &str, addr: Option<IpAddr>) -> [Option<String>; 2] {
        [Some(format!("e:{email}")), addr.map(|a| format!("a:{a}"))]
    }

    /// 429 with the seconds to wait when `email` or `addr` is over its limit at `now`.
    pub fn check(&self, email: &str, addr: Option<IpAddr>, now: Ts) -> ApiResult<()> {
        let mut map = self.failures.lock();
        for (key, limit) in Self::keys(email, addr)
            .into_iter()
            .zip([self.per_email, self.per_address])
        {
            let Some(key) = key else { continue };
            if let Some(q) = map.get_mut(&key) {
                while q.front().is_some_and(|t| *t <= now - self.window) {
                    q.pop_front();
                }
                if q.len() >= limit {
                    let wait = q.front().map_or(1, |t| t + self.window - now);
                    return Err(ApiError::rate_limited(wait.max(1) as u64));
                }
            }
        }
        Ok(())
    }

    /// Counts a failure.
    pub fn fail(&self, email: &str, addr: Option<IpAddr>, now: Ts) {
        let mut map = self.failures.lock();
        if map.len() > 100_000 {
            let cutoff = now - self.window;
            map.retain(|_, q| q.back().is_some_and(|t| *t > cutoff));
        }
        for key in Self::keys(email, addr).into_iter().flatten() {
            map.entry(key).or_default().push_back(now);
        }
    }

    /// Forgets the failures of `email` after a successful login.
    pub fn succeed(&self, email: &str) {
        self.failures.lock().remove(&format!("e:{email}"));
    }
}

impl Default for LoginLimiter {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_and_tokens_hash() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password(&h, "correct horse"));
        assert!(!verify_password(&h, "correct horsf"));
        assert!(!verify_password("not a hash", "x"));
        let (t, th) = new_token();
        assert_eq!(t.len(), 3 + 64);
        assert_eq!(token_hash(&t), th);
        assert_ne!(new_token().0, t);
    }

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            normalize_email("  Ana@Example.COM ").unwrap(),
            "ana@example.com"
        );
        for bad in ["ana", "ana@", "@x.io", "a@b", "a b@x.io", "a@@x.io", "a@x."] {
            assert!(normalize_email(bad).is_err(), "{bad}");
        }
        assert!(check_password("short").is_err());
        assert!(check_password("long enough").is_ok());
    }

    #[test]
    fn the_limiter_blocks_then_forgets() {
        let l = LoginLimiter::with_limits(3, 10, 60);
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        for t in 0..3 {
            l.check("a@x.io", Some(ip), t).unwrap();
            l.fail("a@x.io", Some(ip), t);
        }
        let e = l.check("a@x.io", Some(ip), 10).unwrap_err();
        assert_eq!(e.status.as_u16(), 429);
        assert_eq!(e.retry_after, Some(50));
        // Another email from the same address is still allowed (address limit is 10).
        l.check("b@x.io", Some(ip), 10).unwrap();
        // The window passes.
        l.check("a@x.io", Some(ip), 61).unwrap();
        l.fail("a@x.io", Some(ip), 61);
        l.succeed("a@x.io");
        l.check("a@x.io", Some(ip), 62).unwrap();
    }
}
