//! A host on 127.0.0.1 with a temporary SQLite file and a clock the test controls, and the
//! calls every test makes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Value, json};

use fairmatch_host::client::{Client, Reply};
use fairmatch_host::{Config, ManualClock, Running, start};

/// 2026-05-28T22:13:20Z.
pub const T0: i64 = 1_780_006_400;
pub const DAY: i64 = 86_400;
/// Tokens live 60 days in tests, so the timers' 14 + 7 days pass without logging in again.
pub const TOKEN_TTL: i64 = 60 * DAY;
pub const ADMIN: (&str, &str) = ("admin@host.test", "admin-password-1");

static USERS: AtomicUsize = AtomicUsize::new(0);

/// A running test host.
pub struct TestHost {
    pub run: Running,
    pub c: Client,
    pub clock: ManualClock,
    /// Holds the temporary directory until the test ends.
    pub _dir: tempfile::TempDir,
}

impl TestHost {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("host.sqlite");
        Self::start_on(dir, db.to_string_lossy().into_owned()).await
    }

    pub async fn start_on(dir: tempfile::TempDir, db: String) -> Self {
        let clock = ManualClock::new(T0);
        let mut config = Config::new(db, 0);
        config.admin = Some((ADMIN.0.into(), ADMIN.1.into()));
        config.timer_interval = std::time::Duration::from_secs(3_600);
        config.rules.token_ttl = TOKEN_TTL;
        let run = start(config, Arc::new(clock.clone())).await.unwrap();
        let c = Client::new(run.url());
        Self {
            run,
            c,
            clock,
            _dir: dir,
        }
    }

    pub fn clock_now(&self) -> i64 {
        use fairmatch_host::Clock;
        self.clock.now()
    }

    pub fn host(&self) -> &fairmatch_host::Host {
        &self.run.host
    }

    /// Registers and logs in a new account of `role`; returns its token.
    pub async fn user(&self, role: &str) -> String {
        let n = USERS.fetch_add(1, Ordering::Relaxed);
        let email = format!("{role}{n}@host.test");
        register(&self.c, &email, role).await;
        self.login(&email, "password-123").await
    }

    pub async fn attempt_login(&self, email: &str, password: &str) -> Reply {
        self.c
            .post(
                "/auth/login",
                None,
                Some(&json!({"email": email, "password": password})),
            )
            .await
            .unwrap()
    }

    pub async fn login(&self, email: &str, password: &str) -> String {
        let r = self.attempt_login(email, password).await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["token"].as_str().unwrap().to_owned()
    }

    pub async fn admin(&self) -> String {
        self.login(ADMIN.0, ADMIN.1).await
    }

    /// A freelancer with `profile`; returns (token, freelancer id).
    pub async fn freelancer(&self, profile: Value) -> (String, String) {
        let t = self.user("freelancer").await;
        let r = self
            .c
            .put("/freelancers/me", Some(&t), &profile)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        (t, r.json()["id"].as_str().unwrap().to_owned())
    }

    /// Creates and opens a job; returns its id.
    pub async fn open_job(&self, token: &str, body: &Value) -> String {
        let r = self.c.post("/jobs", Some(token), Some(body)).await.unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let r = self
            .c
            .post(&format!("/jobs/{id}/open"), Some(token), None)
            .await
            .unwrap();
        assert_eq!(r.status, 200, "{}", r.text());
        id
    }

    /// Sends a proposal; returns its id.
    pub async fn propose(&self, token: &str, job: &str, request_id: Option<&str>) -> String {
        let r = self
            .c
            .post(&format!("/jobs/{job}/proposals"), Some(token), Some(&json!({"cover_letter": "I can do this well.", "rate": 40, "request_id": request_id})))
            .await
            .unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        r.json()["id"].as_str().unwrap().to_owned()
    }

    /// Accepts a proposal; returns the contract's id.
    pub async fn accept(&self, client: &str, proposal: &str) -> String {
        let r = self
            .post(&format!("/proposals/{proposal}/accept"), client, None)
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        r.json()["contract"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn post(&self, path: &str, token: &str, body: Option<&Value>) -> Reply {
        self.c.post(path, Some(token), body).await.unwrap()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.c.get(path, token).await.unwrap()
    }

    /// Every row of every table (as SQLite quotes them) and the engine's snapshot bytes.
    pub async fn fingerprint(&self) -> (String, Vec<u8>) {
        let pool = &self.host().db;
        let tables: Vec<String> =
            sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut out = String::new();
        for t in tables {
            let cols: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
            )))
            .fetch_all(pool)
            .await
            .unwrap();
            let expr = cols
                .iter()
                .map(|c| format!("quote(\"{c}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT {expr} FROM \"{t}\" ORDER BY rowid"
            )))
            .fetch_all(pool)
            .await
            .unwrap();
            out.push_str(&format!("## {t}\n{}\n", rows.join("\n")));
        }
        (out, self.host().engine.to_bytes().unwrap())
    }
}

/// Registers `email` with the password `password-123`.
pub async fn register(c: &Client, email: &str, role: &str) {
    let body = json!({"email": email, "password": "password-123", "role": role});
    let r = c.post("/auth/register", None, Some(&body)).await.unwrap();
    assert_eq!(r.status, 202, "{}", r.text());
}

pub fn react_dev(name: &str) -> Value {
    json!({
        "name": name,
        "skills": [{"skill": "reactjs", "level": 4}, {"skill": "TypeScript", "level": 4}],
        "hourly_rate": 45,
        "timezone": "Europe/Lisbon",
        "weekly_hours": 30,
        "languages": ["en", "pt"],
        "location": {"country": "PT", "region": "eu"},
        "attributes": {"region": "eu", "tenure": "newcomer"}
    })
}

pub fn accountant(name: &str) -> Value {
    json!({
        "name": name,
        "skills": [{"skill": "Bookkeeping", "level": 5}, {"skill": "Accounting", "level": 4}],
        "hourly_rate": 30,
        "timezone": "Asia/Kolkata",
        "weekly_hours": 40,
        "languages": ["en"],
        "attributes": {"region": "asia-south", "tenure": "established"}
    })
}

pub fn js_job(title: &str) -> Value {
    json!({
        "title": title,
        "description": "A dashboard in React.",
        "skills": [{"skill": "JavaScript", "min_level": 3}, {"skill": "React", "min_level": 3}],
        "budget": {"kind": "hourly", "min": 30, "max": 70},
        "languages": ["en"]
    })
}

pub fn books_job(title: &str) -> Value {
    json!({
        "title": title,
        "skills": [{"skill": "Bookkeeping", "min_level": 3}],
        "budget": {"kind": "hourly", "min": 20, "max": 50}
    })
}
