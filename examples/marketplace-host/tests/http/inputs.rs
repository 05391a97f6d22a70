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

/// A contract of a new job of `client`, hired from `fl`'s proposal: (job, proposal, contract).
async fn hired(t: &TestHost, client: &str, fl: &str, title: &str) -> (String, String, String) {
    let job = t.open_job(client, &js_job(title)).await;
    let p = t.propose(fl, &job, None).await;
    let k = t.accept(client, &p).await;
    (job, p, k)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_invalid_transition_is_409_and_changes_nothing() {
    use fairmatch_host::flow::{
        ContractAction, ContractStatus, JobAction, JobStatus, ProposalAction, ProposalStatus,
    };
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (f1, _) = t.freelancer(react_dev("Ana")).await;
    let (f2, _) = t.freelancer(react_dev("Bea")).await;
    let bare = t.user("freelancer").await;
    let post = |path: String, token: &str| {
        let (c, token) = (t.c.clone(), token.to_owned());
        async move {
            c.post(&path, Some(&token), Some(&json!({"note": "n"})))
                .await
                .unwrap()
        }
    };

    // A job, a proposal and a contract in every state.
    let draft = t
        .post("/jobs", &client, Some(&js_job("draft")))
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let open = t.open_job(&client, &js_job("open")).await;
    let submitted = t.propose(&f1, &open, None).await;
    let shortlisted = t.propose(&f2, &open, None).await;
    post(format!("/proposals/{shortlisted}/shortlist"), &client).await;
    let closed = t.open_job(&client, &js_job("closed")).await;
    let declined = t.propose(&f2, &closed, None).await;
    post(format!("/proposals/{declined}/decline"), &client).await;
    post(format!("/jobs/{closed}/close"), &client).await;
    let (in_progress, _, active) = hired(&t, &client, &f2, "in progress").await;
    let done = t.open_job(&client, &js_job("done")).await;
    let withdrawn = t.propose(&f2, &done, None).await;
    post(format!("/proposals/{withdrawn}/withdraw"), &f2).await;
    let accepted = t.propose(&f1, &done, None).await;
    let completed = t.accept(&client, &accepted).await;
    post(format!("/contracts/{completed}/deliver"), &f1).await;
    post(format!("/contracts/{completed}/accept"), &client).await;
    t.post(
        &format!("/contracts/{completed}/reviews"),
        &client,
        Some(&json!({"rating": 4, "text": "fine"})),
    )
    .await;
    let (cancelled_job, _, cancelled) = hired(&t, &client, &f1, "cancelled").await;
    post(format!("/jobs/{cancelled_job}/cancel"), &client).await;
    let (_, _, delivered) = hired(&t, &client, &f1, "delivered").await;
    post(format!("/contracts/{delivered}/deliver"), &f1).await;
    let (_, _, changes) = hired(&t, &client, &f1, "changes").await;
    post(format!("/contracts/{changes}/deliver"), &f1).await;
    post(format!("/contracts/{changes}/request-changes"), &client).await;

    let jobs = [
        (JobStatus::Draft, &draft),
        (JobStatus::Open, &open),
        (JobStatus::Closed, &closed),
        (JobStatus::InProgress, &in_progress),
        (JobStatus::Completed, &done),
        (JobStatus::Cancelled, &cancelled_job),
    ];
    let proposals = [
        (ProposalStatus::Submitted, &submitted, &f1),
        (ProposalStatus::Shortlisted, &shortlisted, &f2),
        (ProposalStatus::Withdrawn, &withdrawn, &f2),
        (ProposalStatus::Declined, &declined, &f2),
        (ProposalStatus::Accepted, &accepted, &f1),
    ];
    let contracts = [
        (ContractStatus::Active, &active, &f2),
        (ContractStatus::Delivered, &delivered, &f1),
        (ContractStatus::ChangesRequested, &changes, &f1),
        (ContractStatus::Completed, &completed, &f1),
        (ContractStatus::Cancelled, &cancelled, &f1),
    ];
    // The fixtures are where the test believes them to be.
    for (state, id) in &jobs {
        assert_eq!(
            t.get(&format!("/jobs/{id}"), Some(&client)).await.json()["status"],
            state.as_str()
        );
    }
    for (state, id, _) in &contracts {
        assert_eq!(
            t.get(&format!("/contracts/{id}"), Some(&client))
                .await
                .json()["status"],
            state.as_str()
        );
    }

    let before = t.fingerprint().await;
    let mut refused = Vec::new();
    for (state, id) in &jobs {
        for (action, name) in [
            (JobAction::Open, "open"),
            (JobAction::Close, "close"),
            (JobAction::Cancel, "cancel"),
            (JobAction::Edit, "edit"),
        ] {
            if action.next(*state).is_some() {
                continue;
            }
            let r = if action == JobAction::Edit {
                t.c.patch(
                    &format!("/jobs/{id}"),
                    Some(&client),
                    &json!({"title": "new"}),
                )
                .await
                .unwrap()
            } else {
                post(format!("/jobs/{id}/{name}"), &client).await
            };
            refused.push((format!("{name} a {} job", state.as_str()), r));
        }
    }
    for (state, id, owner) in &proposals {
        for (action, name) in [
            (ProposalAction::Withdraw, "withdraw"),
            (ProposalAction::Shortlist, "shortlist"),
            (ProposalAction::Decline, "decline"),
            (ProposalAction::Accept, "accept"),
        ] {
            if action.next(*state).is_some() {
                continue;
            }
            let who: &str = if action == ProposalAction::Withdraw {
                owner
            } else {
                &client
            };
            refused.push((
                format!("{name} a {} proposal", state.as_str()),
                post(format!("/proposals/{id}/{name}"), who).await,
            ));
        }
    }
    for (state, id, party) in &contracts {
        for (action, name) in [
            (ContractAction::Deliver, "deliver"),
            (ContractAction::RequestChanges, "request-changes"),
            (ContractAction::Accept, "accept"),
        ] {
            if action.next(*state).is_some() {
                continue;
            }
            let who: &str = if action == ContractAction::Deliver {
                party
            } else {
                &client
            };
            refused.push((
                format!("{name} a {} contract", state.as_str()),
                post(format!("/contracts/{id}/{name}"), who).await,
            ));
        }
    }
    for (what, r) in &refused {
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, "invalid_transition"),
            "{what}: {}",
            r.text()
        );
    }
    assert_eq!(
        refused.len(),
        38,
        "every invalid (state, action) pair of the three machines"
    );

    // Reviews, proposals and recommendations that a state forbids.
    let review = |k: &str, who: &str| {
        let (c, path, who) = (
            t.c.clone(),
            format!("/contracts/{k}/reviews"),
            who.to_owned(),
        );
        async move {
            c.post(&path, Some(&who), Some(&json!({"rating": 5, "text": "x"})))
                .await
                .unwrap()
        }
    };
    let other: Vec<(&str, fairmatch_host::client::Reply, &str)> = vec![
        (
            "review twice",
            review(&completed, &client).await,
            "already_reviewed",
        ),
        (
            "review a cancelled contract",
            review(&cancelled, &client).await,
            "invalid_transition",
        ),
        (
            "review an active contract",
            review(&active, &f2).await,
            "invalid_transition",
        ),
        (
            "propose to a closed job",
            t.c.post(
                &format!("/jobs/{closed}/proposals"),
                Some(&f1),
                Some(&json!({"cover_letter": "late"})),
            )
            .await
            .unwrap(),
            "invalid_transition",
        ),
        (
            "propose twice",
            t.c.post(
                &format!("/jobs/{open}/proposals"),
                Some(&f1),
                Some(&json!({"cover_letter": "twice"})),
            )
            .await
            .unwrap(),
            "already_proposed",
        ),
        (
            "propose without a profile",
            t.c.post(
                &format!("/jobs/{open}/proposals"),
                Some(&bare),
                Some(&json!({"cover_letter": "hi"})),
            )
            .await
            .unwrap(),
            "profile_required",
        ),
        (
            "recommend for a completed job",
            t.get(&format!("/jobs/{done}/recommendations"), Some(&client))
                .await,
            "invalid_transition",
        ),
    ];
    for (what, r, code) in &other {
        assert_eq!(
            (r.status, r.code().as_str()),
            (409, *code),
            "{what}: {}",
            r.text()
        );
    }
    let r = t
        .post(
            &format!("/jobs/{draft}/proposals"),
            &f1,
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
    let r = review(&completed, &f1).await;
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
