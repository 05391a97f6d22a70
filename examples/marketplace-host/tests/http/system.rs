//! The generated OpenAPI document, health, metrics, the dashboard pages, and the demo.

use std::sync::Arc;

use serde_json::{Value, json};

use fairmatch_host::demo::DemoConfig;
use fairmatch_host::{Config, ManualClock, start};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn openapi_health_and_metrics() {
    let t = TestHost::start().await;
    let r = t.get("/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    // The REST contract of the issue, method by method.
    let contract = [
        ("post", "/auth/register"),
        ("post", "/auth/login"),
        ("post", "/auth/logout"),
        ("put", "/freelancers/me"),
        ("get", "/freelancers/{id}"),
        ("post", "/jobs"),
        ("get", "/jobs"),
        ("patch", "/jobs/{id}"),
        ("get", "/jobs/{id}"),
        ("post", "/jobs/{id}/open"),
        ("post", "/jobs/{id}/close"),
        ("post", "/jobs/{id}/cancel"),
        ("get", "/jobs/{id}/recommendations"),
        ("get", "/freelancers/me/recommendations"),
        ("post", "/jobs/{id}/proposals"),
        ("get", "/jobs/{id}/proposals"),
        ("post", "/proposals/{id}/withdraw"),
        ("post", "/proposals/{id}/shortlist"),
        ("post", "/proposals/{id}/decline"),
        ("post", "/proposals/{id}/accept"),
        ("get", "/contracts/{id}"),
        ("post", "/contracts/{id}/deliver"),
        ("post", "/contracts/{id}/request-changes"),
        ("post", "/contracts/{id}/accept"),
        ("post", "/contracts/{id}/reviews"),
        ("get", "/admin/audit"),
        ("get", "/dashboard"),
        ("get", "/healthz"),
        ("get", "/metrics"),
        ("get", "/openapi.json"),
        ("get", "/freelancers/me/matches/stream"),
    ];
    for (method, path) in contract {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is not in /openapi.json"
        );
    }
    // Bodies are the handlers' types, with the engine's field names.
    let schemas = &doc["components"]["schemas"];
    let job_props: Vec<&str> = schemas["JobBody"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for f in [
        "title",
        "description",
        "skills",
        "budget",
        "timezone",
        "languages",
    ] {
        assert!(job_props.contains(&f), "JobBody lacks {f}: {job_props:?}");
    }
    assert!(schemas["SkillRequirement"]["properties"]["min_level"].is_object());
    assert!(schemas["ErrorBody"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());

    let h = t.get("/healthz", None).await;
    assert_eq!((h.status, h.json()["status"].as_str()), (200, Some("ok")));
    let m = t.get("/metrics", None).await;
    assert!(
        m.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert!(
        m.text().contains(
            "fairmatch_host_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{}",
        m.text()
    );
    assert!(
        m.text()
            .contains("fairmatch_host_http_request_duration_seconds_bucket")
    );
    t.run.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_needs_an_admin_session() {
    let t = TestHost::start().await;
    let r = t.get("/dashboard", None).await;
    assert_eq!(r.status, 303);
    assert_eq!(r.headers["location"], "/login?next=/dashboard");
    let login = t.get("/login", None).await;
    assert!(
        login
            .text()
            .contains("<form method=\"post\" action=\"/login\"")
    );
    let client = t.user("client").await;
    assert_eq!(t.get("/dashboard", Some(&client)).await.status, 403);
    // The form login sets the cookie; the cookie opens the page (the API never takes it).
    let form = format!(
        "email={}&password={}&next=%2Fdashboard%3Fattribute%3Dtenure",
        ADMIN.0.replace('@', "%40"),
        ADMIN.1
    );
    let r =
        t.c.raw(
            hyper::Method::POST,
            "/login",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            form.into_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 303, "{}", r.text());
    assert_eq!(r.headers["location"], "/dashboard?attribute=tenure");
    let cookie = r.headers["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page =
        t.c.raw(
            hyper::Method::GET,
            "/dashboard?attribute=tenure",
            None,
            &[("cookie", &cookie)],
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(page.status, 200);
    let html = page.text();
    for part in [
        "<svg",
        "Exposure share vs population share",
        "Funnel by tenure",
        "Rating gaps by tenure",
        "Fairness policy in force",
    ] {
        assert!(html.contains(part), "the page lacks {part}");
    }
    let token = cookie.split('=').nth(1).unwrap();
    let api =
        t.c.raw(
            hyper::Method::GET,
            "/admin/fairness-policy",
            None,
            &[("cookie", &cookie)],
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(api.status, 401, "the API ignores the cookie");
    assert_eq!(
        t.get("/admin/fairness-policy", Some(token)).await.status,
        200
    );
    // A wrong password on the form answers the page again with the error.
    let bad =
        t.c.raw(
            hyper::Method::POST,
            "/login",
            None,
            &[("content-type", "application/x-www-form-urlencoded")],
            b"email=a%40b.io&password=nope".to_vec(),
        )
        .await
        .unwrap();
    assert_eq!(bad.status, 401);
    assert!(bad.text().contains("wrong email or password"));
    t.run.shutdown().await.unwrap();
}

fn small_demo() -> DemoConfig {
    DemoConfig {
        seed: 7,
        freelancers: 300,
        jobs: 60,
        clients: 20,
        days: 60,
    }
}

async fn demo_host(dir: &tempfile::TempDir, name: &str) -> fairmatch_host::Running {
    let mut config = Config::new(dir.path().join(name).to_string_lossy().into_owned(), 0);
    config.demo = Some(small_demo());
    start(config, Arc::new(ManualClock::new(T0))).await.unwrap()
}

async fn marketplace(run: &fairmatch_host::Running) -> Vec<String> {
    let q = [
        "SELECT email || role FROM users ORDER BY id",
        "SELECT user_id || profile || joined_at || last_active_at FROM freelancers ORDER BY id",
        "SELECT client_id || body || status || created_at || COALESCE(opened_at, '') FROM jobs ORDER BY id",
        "SELECT job_id || '/' || freelancer_id || status || created_at || updated_at FROM proposals ORDER BY id",
        "SELECT job_id || status || COALESCE(completed_at, '') || auto_accepted FROM contracts ORDER BY id",
        "SELECT contract_id || reviewer_role || rating || COALESCE(published_at, '') FROM reviews ORDER BY id",
        "SELECT freelancer_id || '/' || job_id || kind || at FROM outcomes ORDER BY id",
        "SELECT position || '/' || job_id || '/' || freelancer_id || '/' || score FROM impressions ORDER BY id",
    ];
    let mut out = Vec::new();
    for sql in q {
        let rows: Vec<String> = sqlx::query_scalar(sql)
            .fetch_all(&run.host.db)
            .await
            .unwrap();
        out.push(rows.join("\n"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_is_deterministic_consistent_and_has_history() {
    let dir = tempfile::tempdir().unwrap();
    let a = demo_host(&dir, "a.sqlite").await;
    let b = demo_host(&dir, "b.sqlite").await;
    let (da, db) = (a.demo.clone().unwrap(), b.demo.clone().unwrap());
    assert!(da.seeded && db.seeded);
    assert_eq!(da.steps, db.steps);
    let (ma, mb) = (marketplace(&a).await, marketplace(&b).await);
    for (x, y) in ma.iter().zip(&mb) {
        assert!(x == y, "the same seed gave different marketplaces");
    }
    assert!(
        a.host.engine.to_bytes().unwrap() == b.host.engine.to_bytes().unwrap(),
        "different engines"
    );
    let count = |sql: &'static str| {
        let db = a.host.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&db)
                .await
                .unwrap()
        }
    };
    assert_eq!(count("SELECT COUNT(*) FROM freelancers").await, 300);
    assert_eq!(count("SELECT COUNT(*) FROM jobs").await, 60);
    assert!(count("SELECT COUNT(*) FROM contracts WHERE status = 'completed'").await >= 20);
    assert!(count("SELECT COUNT(*) FROM reviews WHERE published_at IS NOT NULL").await >= 20);
    assert!(count("SELECT COUNT(*) FROM jobs WHERE status = 'open'").await >= 1);
    assert!(count("SELECT COUNT(*) FROM contracts WHERE auto_accepted = 1").await >= 1);

    // The demo accounts log in; the admin sees a consistent engine and an audit with groups.
    let c = fairmatch_host::client::Client::new(a.url());
    let admin = &da.accounts[0];
    let r = c
        .post(
            "/auth/login",
            None,
            Some(&json!({"email": admin.email, "password": admin.password})),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let token = r.json()["token"].as_str().unwrap().to_owned();
    let v: Value = c
        .post("/admin/verify", Some(&token), None)
        .await
        .unwrap()
        .json();
    assert_eq!(v["mismatches"], json!([]), "{v}");
    let audit = c
        .get("/admin/audit?attribute=cohort&window=all", Some(&token))
        .await
        .unwrap()
        .json();
    let groups: Vec<&str> = audit["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert!(groups.contains(&"a") && groups.contains(&"b"), "{groups:?}");
    let gaps: Vec<&str> = audit["rating_gaps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["group"].as_str().unwrap())
        .collect();
    assert!(
        gaps.contains(&"b"),
        "the audit tests cohort b's ratings: {gaps:?}"
    );
    let page = c
        .get("/dashboard?attribute=cohort&window=all", Some(&token))
        .await
        .unwrap();
    assert_eq!(page.status, 200);

    // A restart finds the demo instead of seeding again, and rebuilds the same engine.
    let bytes = a.host.engine.to_bytes().unwrap();
    a.shutdown().await.unwrap();
    let again = demo_host(&dir, "a.sqlite").await;
    assert!(!again.demo.as_ref().unwrap().seeded);
    assert!(
        again.host.engine.to_bytes().unwrap() == bytes,
        "the rebuild differs from the seeded engine"
    );
    again.shutdown().await.unwrap();
    b.shutdown().await.unwrap();
}
