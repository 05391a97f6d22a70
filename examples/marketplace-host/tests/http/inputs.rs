//! Bad input and invalid transitions: each answers a JSON error with the right status, code
//! and field, and changes nothing in the database or the engine.

use hyper::Method;
use serde_json::json;

use fairmatch_host::client::Reply;

use crate::common::*;

fn expect(r: &Reply, status: u16, code: &str, field: Option<&str>, what: &str) {
    assert_eq!(r.status, status, "{what}: {}", r.text());
    assert_eq!(r.code(), code, "{what}: {}", r.text());
    assert_eq!(r.field().as_deref(), field, "{what}: {}", r.text());
    let msg = r.json()["error"]["message"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    assert!(!msg.is_empty(), "{what}: no message");
}

/// A request body of a bad-input case.
enum Body {
    None,
    Json(serde_json::Value),
    Raw(&'static [u8]),
    /// Over the 64 KiB limit.
    Big,
    /// Valid JSON sent as `text/plain`.
    Text,
}

/// Method, path, token, body; expected status, code, field; what the case is.
type Case<'a> = (
    Method,
    String,
    Option<&'a str>,
    Body,
    u16,
    &'a str,
    Option<&'a str>,
    &'a str,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_a_json_error_and_changes_nothing() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (fl, fid) = t.freelancer(react_dev("Ana")).await;
    let admin = t.admin().await;
    let job = t.open_job(&client, &js_job("one")).await;
    let before = t.fingerprint().await;

    let (c, f, a) = (
        Some(client.as_str()),
        Some(fl.as_str()),
        Some(admin.as_str()),
    );
    let recs = |q: &str| format!("/jobs/{job}/recommendations?{q}");
    let (post, get, put, patch) = (Method::POST, Method::GET, Method::PUT, Method::PATCH);
    let jobs = "/jobs".to_owned();
    let cases: Vec<Case> = vec![
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Raw(br#"{"title": "x", "skills": [#"#),
            400,
            "malformed_json",
            None,
            "malformed JSON",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Raw(br#"{"title": "x", "skills": [{"skill": "rust", "min_level": "high"}]}"#),
            422,
            "invalid_input",
            Some("skills[0].min_level"),
            "wrong type",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Raw(br#"{"skills": [{"skill": "rust"}]}"#),
            422,
            "invalid_input",
            Some("title"),
            "missing field",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Raw(br#"{"title": "x", "skills": [{"skill": "rust"}], "open": true}"#),
            422,
            "invalid_input",
            Some("open"),
            "unknown field",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Json(json!({"title": "x", "skills": [{"skill": "Quantum basket weaving"}]})),
            422,
            "invalid_input",
            Some("skills[0].skill"),
            "unknown skill",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Json(
                json!({"title": "x", "skills": [{"skill": "Rust"}], "budget": {"kind": "hourly", "min": 90, "max": 10}}),
            ),
            422,
            "invalid_input",
            Some("budget.min"),
            "min above max (the engine's rule)",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Json(json!({"title": " ", "skills": [{"skill": "Rust"}]})),
            422,
            "invalid_input",
            Some("title"),
            "blank title",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Big,
            413,
            "payload_too_large",
            None,
            "oversized body",
        ),
        (
            post.clone(),
            jobs.clone(),
            c,
            Body::Text,
            415,
            "unsupported_media_type",
            None,
            "not JSON",
        ),
        (
            put.clone(),
            "/freelancers/me".into(),
            f,
            Body::Json(json!({"name": "Ana", "skills": [{"skill": "Rust", "level": 7}]})),
            422,
            "invalid_input",
            Some("skills[0].level"),
            "level out of range",
        ),
        (
            put.clone(),
            "/freelancers/me".into(),
            f,
            Body::Json(json!({"name": "Ana", "timezone": "Mars/Olympus"})),
            422,
            "invalid_input",
            Some("timezone"),
            "unknown time zone",
        ),
        (
            patch.clone(),
            format!("/jobs/{job}"),
            c,
            Body::Json(json!([1, 2])),
            422,
            "invalid_input",
            Some("body"),
            "a patch that is not an object",
        ),
        (
            patch.clone(),
            format!("/jobs/{job}"),
            c,
            Body::Json(json!({"skills": null})),
            422,
            "invalid_input",
            Some("skills"),
            "a patch removing a required field",
        ),
        (
            patch,
            format!("/jobs/{job}"),
            c,
            Body::Json(json!({"budget": {"kind": "weekly"}})),
            422,
            "invalid_input",
            Some("budget.kind"),
            "a patch with a bad enum",
        ),
        (
            post.clone(),
            format!("/jobs/{job}/proposals"),
            f,
            Body::Json(json!({"cover_letter": "hi", "rate": -5})),
            422,
            "invalid_input",
            Some("rate"),
            "negative rate",
        ),
        (
            post.clone(),
            format!("/jobs/{job}/proposals"),
            f,
            Body::Json(json!({"cover_letter": "hi", "request_id": "rq_nope"})),
            422,
            "invalid_input",
            Some("request_id"),
            "unknown request id",
        ),
        (
            get.clone(),
            recs("k=0"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("k"),
            "k = 0",
        ),
        (
            get.clone(),
            recs("k=1000"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("k"),
            "k too large",
        ),
        (
            get.clone(),
            recs("preset=magic"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("preset"),
            "unknown preset",
        ),
        (
            get.clone(),
            recs("fairness=%7B%22policy%22%3A%7B%22type%22%3A%22fair%22%7D%7D"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("fairness.policy.p"),
            "a policy missing its fields",
        ),
        (
            get.clone(),
            recs("fairness=sometimes"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("fairness"),
            "fairness neither a name nor JSON",
        ),
        (
            get.clone(),
            "/jobs/xyz".into(),
            None,
            Body::None,
            404,
            "not_found",
            None,
            "a malformed id",
        ),
        (
            get.clone(),
            format!("/freelancers/{fid}?request_id=rq_nope"),
            c,
            Body::None,
            422,
            "invalid_input",
            Some("request_id"),
            "a view with an unknown request id",
        ),
        (
            get.clone(),
            "/admin/audit?attribute=region&window=3y".into(),
            a,
            Body::None,
            422,
            "invalid_input",
            Some("window"),
            "bad audit window",
        ),
        (
            get.clone(),
            "/admin/audit".into(),
            a,
            Body::None,
            422,
            "invalid_input",
            Some("attribute"),
            "audit without an attribute",
        ),
        (
            post.clone(),
            "/contracts/c1/reviews".into(),
            c,
            Body::Json(json!({"rating": 6})),
            422,
            "invalid_input",
            Some("rating"),
            "rating out of range",
        ),
        (
            post.clone(),
            "/auth/register".into(),
            None,
            Body::Json(json!({"email": "x@y.io", "password": "password-1", "role": "admin"})),
            422,
            "invalid_input",
            Some("role"),
            "registering an admin",
        ),
        (
            post.clone(),
            "/auth/register".into(),
            None,
            Body::Json(json!({"email": "nope", "password": "password-1", "role": "client"})),
            422,
            "invalid_input",
            Some("email"),
            "bad email",
        ),
        (
            post.clone(),
            "/auth/register".into(),
            None,
            Body::Json(json!({"email": "a@b.io", "password": "short", "role": "client"})),
            422,
            "invalid_input",
            Some("password"),
            "short password",
        ),
        (
            get,
            "/nowhere".into(),
            None,
            Body::None,
            404,
            "not_found",
            None,
            "unknown route",
        ),
        (
            Method::DELETE,
            jobs,
            c,
            Body::None,
            405,
            "method_not_allowed",
            None,
            "wrong method",
        ),
    ];
    for (method, path, token, body, status, code, field, what) in cases {
        let json_type = [("content-type", "application/json")];
        let (headers, bytes): (&[(&str, &str)], Vec<u8>) = match body {
            Body::None => (&[], vec![]),
            Body::Json(v) => (&json_type, serde_json::to_vec(&v).unwrap()),
            Body::Raw(b) => (&json_type, b.to_vec()),
            Body::Big => (
                &json_type,
                format!(r#"{{"title": "{}", "skills": []}}"#, "x".repeat(70 * 1024)).into_bytes(),
            ),
            Body::Text => (&[("content-type", "text/plain")], b"{}".to_vec()),
        };
        let r = t.c.raw(method, &path, token, headers, bytes).await.unwrap();
        expect(&r, status, code, field, what);
    }
    assert!(
        before == t.fingerprint().await,
        "bad input changed the database or the engine"
    );
    t.run.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_transitions_are_409_and_change_nothing() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (fl, _) = t.freelancer(react_dev("Ana")).await;
    let (fl2, _) = t.freelancer(react_dev("Bea")).await;
    let bare = t.user("freelancer").await;

    // A completed contract (reviewed once), a cancelled one, a withdrawn proposal, a draft.
    let done = t.open_job(&client, &js_job("done")).await;
    let p = t.propose(&fl, &done, None).await;
    let withdrawn = t.propose(&fl2, &done, None).await;
    assert_eq!(
        t.post(&format!("/proposals/{withdrawn}/withdraw"), &fl2, None)
            .await
            .status,
        200
    );
    let k = t.accept(&client, &p).await;
    t.post(&format!("/contracts/{k}/deliver"), &fl, None).await;
    t.post(&format!("/contracts/{k}/accept"), &client, None)
        .await;
    t.post(
        &format!("/contracts/{k}/reviews"),
        &client,
        Some(&json!({"rating": 4, "text": "fine"})),
    )
    .await;
    let cancelled = t.open_job(&client, &js_job("cancelled")).await;
    let pc = t.propose(&fl, &cancelled, None).await;
    let kc = t.accept(&client, &pc).await;
    assert_eq!(
        t.post(&format!("/jobs/{cancelled}/cancel"), &client, None)
            .await
            .json()["status"],
        "cancelled"
    );
    assert_eq!(
        t.get(&format!("/contracts/{kc}"), Some(&fl)).await.json()["status"],
        "cancelled"
    );
    let open = t.open_job(&client, &js_job("open")).await;
    let shortlisted = t.propose(&fl, &open, None).await;
    t.post(
        &format!("/proposals/{shortlisted}/shortlist"),
        &client,
        None,
    )
    .await;
    let active_job = t.open_job(&client, &js_job("active")).await;
    let pa = t.propose(&fl2, &active_job, None).await;
    let active = t.accept(&client, &pa).await;
    let draft = t
        .post("/jobs", &client, Some(&js_job("draft")))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let closed = t.open_job(&client, &js_job("closed")).await;
    t.post(&format!("/jobs/{closed}/close"), &client, None)
        .await;

    let before = t.fingerprint().await;
    let cases: Vec<(String, &str, Option<serde_json::Value>, &str)> = vec![
        (
            format!("/proposals/{withdrawn}/accept"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/proposals/{withdrawn}/shortlist"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/proposals/{p}/decline"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/proposals/{p}/withdraw"),
            &fl,
            None,
            "invalid_transition",
        ),
        (
            format!("/proposals/{shortlisted}/shortlist"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/contracts/{k}/reviews"),
            &client,
            Some(json!({"rating": 5, "text": "again"})),
            "already_reviewed",
        ),
        (
            format!("/contracts/{kc}/deliver"),
            &fl,
            None,
            "invalid_transition",
        ),
        (
            format!("/contracts/{kc}/reviews"),
            &client,
            Some(json!({"rating": 5})),
            "invalid_transition",
        ),
        (
            format!("/contracts/{k}/deliver"),
            &fl,
            None,
            "invalid_transition",
        ),
        (
            format!("/contracts/{active}/accept"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/contracts/{active}/request-changes"),
            &client,
            Some(json!({"note": "more"})),
            "invalid_transition",
        ),
        (
            format!("/contracts/{active}/reviews"),
            &fl2,
            Some(json!({"rating": 5})),
            "invalid_transition",
        ),
        (
            format!("/jobs/{done}/open"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/jobs/{done}/cancel"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/jobs/{cancelled}/open"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/jobs/{draft}/close"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/jobs/{open}/open"),
            &client,
            None,
            "invalid_transition",
        ),
        (
            format!("/jobs/{closed}/proposals"),
            &fl2,
            Some(json!({"cover_letter": "late"})),
            "invalid_transition",
        ),
        (
            format!("/jobs/{open}/proposals"),
            &fl,
            Some(json!({"cover_letter": "twice"})),
            "already_proposed",
        ),
        (
            format!("/jobs/{open}/proposals"),
            &bare,
            Some(json!({"cover_letter": "no profile"})),
            "profile_required",
        ),
        (
            format!("/jobs/{done}/recommendations"),
            &client,
            None,
            "invalid_transition",
        ),
    ];
    for (path, token, body, code) in &cases {
        let method = if path.ends_with("recommendations") {
            Method::GET
        } else {
            Method::POST
        };
        let r =
            t.c.send(method, path, Some(token), body.as_ref())
                .await
                .unwrap();
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, *code),
            "{path}: {}",
            r.text()
        );
    }
    let r =
        t.c.patch(
            &format!("/jobs/{done}"),
            Some(&client),
            &json!({"title": "new"}),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.code().as_str()),
        (409, "invalid_transition"),
        "patch a completed job"
    );
    let r = t
        .post(
            &format!("/jobs/{draft}/proposals"),
            &fl,
            Some(&json!({"cover_letter": "draft"})),
        )
        .await;
    assert_eq!(r.status, 404, "a draft is not visible to freelancers");
    assert!(
        before == t.fingerprint().await,
        "an invalid transition changed something"
    );

    // The review period: after 7 days the second party can no longer write one.
    t.clock.advance(7 * DAY + 1);
    let r = t
        .post(
            &format!("/contracts/{k}/reviews"),
            &fl,
            Some(&json!({"rating": 5, "text": "late"})),
        )
        .await;
    assert_eq!((r.status, r.code().as_str()), (409, "review_period_closed"));
    t.run.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logins_are_limited_expire_and_do_not_tell_who_exists() {
    let t = TestHost::start().await;
    let r =
        t.c.post(
            "/auth/register",
            None,
            Some(&json!({"email": "ana@host.test", "password": "password-123", "role": "client"})),
        )
        .await
        .unwrap();
    let again = t.c.post("/auth/register", None, Some(&json!({"email": "ana@host.test", "password": "other-pass-1", "role": "freelancer"}))).await.unwrap();
    assert_eq!(
        (r.status, r.text()),
        (again.status, again.text()),
        "registration must not reveal a taken email"
    );
    // The first registration stands: the second did not change the password or the role.
    let token = t.login("ana@host.test", "password-123").await;
    assert_eq!(t.get("/contracts", Some(&token)).await.status, 200);

    let wrong = t.attempt_login("ana@host.test", "wrong-pass").await;
    let unknown = t.attempt_login("nobody@host.test", "wrong-pass").await;
    assert_eq!(
        (wrong.status, wrong.text()),
        (unknown.status, unknown.text())
    );
    assert_eq!(wrong.status, 401);
    for _ in 0..4 {
        t.attempt_login("ana@host.test", "wrong-pass").await;
    }
    let limited = t.attempt_login("ana@host.test", "password-123").await;
    assert_eq!(
        (limited.status, limited.code().as_str()),
        (429, "rate_limited"),
        "even the right password waits"
    );
    assert!(limited.headers.get("retry-after").is_some());
    t.clock.advance(15 * 60 + 1);
    let fresh = t.login("ana@host.test", "password-123").await;

    // Tokens expire with the clock; the HTML login sets an HttpOnly cookie.
    t.clock.advance(TOKEN_TTL + 1);
    let r = t.get("/contracts", Some(&fresh)).await;
    assert_eq!((r.status, r.code().as_str()), (401, "token_expired"));
    let r = t.attempt_login("ana@host.test", "password-123").await;
    let cookie = r
        .headers
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    t.run.shutdown().await.unwrap();
}
