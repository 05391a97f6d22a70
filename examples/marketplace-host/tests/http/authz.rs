//! The authorization matrix: every write endpoint (and the owner-only reads) × no token ×
//! wrong role × another owner. No token is 401, a wrong role 403, another user's resource
//! 404 — and none of them changes the database or the engine.

use fairmatch_host::client::Client;
use hyper::Method;
use serde_json::{Value, json};

use crate::common::*;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Who {
    Client,
    Freelancer,
    Admin,
    /// Either party of a contract (clients and freelancers; admins are a wrong role).
    Party,
    /// Anyone signed in.
    Anyone,
}

struct Tokens {
    client: String,
    other_client: String,
    freelancer: String,
    other_freelancer: String,
    admin: String,
}

async fn call(
    c: &Client,
    method: &Method,
    path: &str,
    token: Option<&str>,
    body: &Option<Value>,
) -> (u16, String) {
    let r = c
        .send(method.clone(), path, token, body.as_ref())
        .await
        .unwrap();
    (r.status, r.code())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_endpoint_checks_token_role_and_owner() {
    let t = TestHost::start().await;
    let tk = Tokens {
        client: t.user("client").await,
        other_client: t.user("client").await,
        freelancer: t.freelancer(react_dev("Ana")).await.0,
        other_freelancer: t.freelancer(react_dev("Bea")).await.0,
        admin: t.admin().await,
    };
    let j1 = t.open_job(&tk.client, &js_job("one")).await;
    let p1 = t.propose(&tk.freelancer, &j1, None).await;
    let j2 = t.open_job(&tk.client, &js_job("two")).await;
    let p2 = t.propose(&tk.freelancer, &j2, None).await;
    let r = t
        .post(&format!("/proposals/{p2}/accept"), &tk.client, None)
        .await;
    let k1 = r.json()["contract"]["id"].as_str().unwrap().to_owned();

    let profile = Some(react_dev("Ana again"));
    let cases: Vec<(Method, String, Option<Value>, Who, bool)> = vec![
        (
            Method::PUT,
            "/freelancers/me".into(),
            profile,
            Who::Freelancer,
            false,
        ),
        (
            Method::POST,
            "/jobs".into(),
            Some(js_job("new")),
            Who::Client,
            false,
        ),
        (
            Method::PATCH,
            format!("/jobs/{j1}"),
            Some(json!({"title": "renamed"})),
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/jobs/{j1}/open"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/jobs/{j1}/close"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/jobs/{j1}/cancel"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/jobs/{j1}/proposals"),
            Some(json!({"cover_letter": "me too"})),
            Who::Freelancer,
            false,
        ),
        (
            Method::POST,
            format!("/proposals/{p1}/withdraw"),
            None,
            Who::Freelancer,
            true,
        ),
        (
            Method::POST,
            format!("/proposals/{p1}/shortlist"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/proposals/{p1}/decline"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/proposals/{p1}/accept"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/contracts/{k1}/deliver"),
            None,
            Who::Freelancer,
            true,
        ),
        (
            Method::POST,
            format!("/contracts/{k1}/request-changes"),
            Some(json!({"note": "more"})),
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/contracts/{k1}/accept"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::POST,
            format!("/contracts/{k1}/reviews"),
            Some(json!({"rating": 3, "text": "ok"})),
            Who::Party,
            true,
        ),
        (
            Method::PUT,
            "/admin/fairness-policy".into(),
            Some(json!({"policy": null})),
            Who::Admin,
            false,
        ),
        (
            Method::POST,
            "/admin/verify".into(),
            None,
            Who::Admin,
            false,
        ),
        (
            Method::POST,
            "/auth/logout".into(),
            None,
            Who::Anyone,
            false,
        ),
        // Reads that only the owner (or an admin) may make; they record impressions or show
        // private data, so they are checked the same way.
        (
            Method::GET,
            format!("/jobs/{j1}/recommendations"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::GET,
            format!("/jobs/{j1}/proposals"),
            None,
            Who::Client,
            true,
        ),
        (
            Method::GET,
            format!("/contracts/{k1}"),
            None,
            Who::Party,
            true,
        ),
        (
            Method::GET,
            "/freelancers/me/recommendations".into(),
            None,
            Who::Freelancer,
            false,
        ),
        (
            Method::GET,
            "/freelancers/me/matches/stream".into(),
            None,
            Who::Freelancer,
            false,
        ),
        (
            Method::GET,
            "/admin/audit?attribute=region".into(),
            None,
            Who::Admin,
            false,
        ),
        (
            Method::GET,
            "/admin/fairness-policy".into(),
            None,
            Who::Admin,
            false,
        ),
    ];

    let before = t.fingerprint().await;
    let mut checked = 0;
    for (method, path, body, who, owned) in &cases {
        let what = format!("{method} {path}");
        assert_eq!(
            call(&t.c, method, path, None, body).await,
            (401, "unauthenticated".into()),
            "{what} without a token"
        );
        assert_eq!(
            call(&t.c, method, path, Some("fm_forged"), body).await.0,
            401,
            "{what} with a forged token"
        );
        let wrong: Vec<&str> = match who {
            Who::Client => vec![&tk.freelancer, &tk.admin],
            Who::Freelancer => vec![&tk.client, &tk.admin],
            Who::Admin => vec![&tk.client, &tk.freelancer],
            Who::Party if *method == Method::GET => vec![],
            Who::Party => vec![&tk.admin],
            Who::Anyone => vec![],
        };
        for tok in wrong {
            assert_eq!(
                call(&t.c, method, path, Some(tok), body).await,
                (403, "forbidden".into()),
                "{what} with a wrong role"
            );
            checked += 1;
        }
        if *owned {
            let others: Vec<&str> = match who {
                Who::Client => vec![&tk.other_client],
                Who::Freelancer => vec![&tk.other_freelancer],
                Who::Party => vec![&tk.other_client, &tk.other_freelancer],
                _ => vec![],
            };
            for tok in others {
                assert_eq!(
                    call(&t.c, method, path, Some(tok), body).await,
                    (404, "not_found".into()),
                    "{what} as another owner"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 40, "{checked}");
    assert!(
        before == t.fingerprint().await,
        "a rejected request changed the database or the engine"
    );

    // A freelancer without a profile is told to create one (409), not shown someone else's.
    let bare = t.user("freelancer").await;
    let r = t.get("/freelancers/me/recommendations", Some(&bare)).await;
    assert_eq!((r.status, r.code().as_str()), (409, "profile_required"));
    t.run.shutdown().await.unwrap();
}
