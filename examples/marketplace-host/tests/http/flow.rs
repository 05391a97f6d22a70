//! The whole marketplace flow over HTTP, from registration to published reviews, with every
//! funnel step recorded in the engine.

use serde_json::json;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_to_published_reviews() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (fl, fid) = t.freelancer(react_dev("Ana")).await;
    let (other, other_id) = t.freelancer(accountant("Ravi")).await;

    // The client posts a job; a draft is invisible to others until it is opened.
    let r = t
        .post("/jobs", &client, Some(&js_job("React dashboard")))
        .await;
    assert_eq!(r.status, 201);
    let job = r.json()["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["status"], "draft");
    assert_eq!(t.get(&format!("/jobs/{job}"), Some(&fl)).await.status, 404);
    let r = t.post(&format!("/jobs/{job}/open"), &client, None).await;
    assert_eq!(r.json()["status"], "open");
    let listed = t.get("/jobs?status=open", None).await.json();
    assert_eq!(listed["items"][0]["id"], job.as_str());

    // Recommendations for the job: Ana first, with an explanation and a request id.
    let r = t
        .get(&format!("/jobs/{job}/recommendations?k=1"), Some(&client))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let recs = r.json();
    let rid = recs["request_id"].as_str().unwrap().to_owned();
    assert_eq!(recs["matches"][0]["id"], fid.as_str());
    assert!(
        recs["matches"][0]["explanation"]["skills"]["implied"]
            .as_array()
            .is_some()
    );
    assert_eq!(recs["fairness"]["source"], "none");

    // The client opens Ana's profile from that list: a view (counted once).
    for _ in 0..2 {
        let r = t
            .get(
                &format!("/freelancers/{fid}?request_id={rid}"),
                Some(&client),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        assert!(
            r.json()["attributes"].as_object().unwrap().is_empty(),
            "attributes are private"
        );
    }
    // A request id that did not show this freelancer is refused.
    let r = t
        .get(
            &format!("/freelancers/{other_id}?request_id={rid}"),
            Some(&client),
        )
        .await;
    assert_eq!((r.status, r.field().as_deref()), (422, Some("request_id")));

    // Ana is recommended the job, views it and proposes from that list.
    let r = t
        .get("/freelancers/me/recommendations?k=3", Some(&fl))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let frid = r.json()["request_id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["matches"][0]["id"], job.as_str());
    assert_eq!(
        t.get(&format!("/jobs/{job}?request_id={frid}"), Some(&fl))
            .await
            .status,
        200
    );
    let p1 = t.propose(&fl, &job, Some(&frid)).await;
    let p2 = t.propose(&other, &job, None).await;

    // The client sees both proposals, best engine score first.
    let r = t
        .get(&format!("/jobs/{job}/proposals"), Some(&client))
        .await;
    let props = r.json();
    assert_eq!(props[0]["id"], p1.as_str());
    assert!(props[0]["score"].as_f64().unwrap() > props[1]["score"].as_f64().unwrap());

    // Shortlist, accept: a contract, the job in progress, the other proposal declined.
    assert_eq!(
        t.post(&format!("/proposals/{p1}/shortlist"), &client, None)
            .await
            .json()["proposal"]["status"],
        "shortlisted"
    );
    let r = t
        .post(&format!("/proposals/{p1}/accept"), &client, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let contract = r.json()["contract"]["id"].as_str().unwrap().to_owned();
    assert_eq!(r.json()["contract"]["status"], "active");
    assert_eq!(
        t.get(&format!("/jobs/{job}"), None).await.json()["status"],
        "in_progress"
    );
    let mine = t.get("/proposals", Some(&other)).await.json();
    assert_eq!(mine[0]["id"], p2.as_str());
    assert_eq!(mine[0]["status"], "declined");

    // Deliver, changes requested, deliver again, accepted.
    let c = format!("/contracts/{contract}");
    let r = t
        .post(
            &format!("{c}/deliver"),
            &fl,
            Some(&json!({"note": "first version"})),
        )
        .await;
    assert_eq!(r.json()["status"], "delivered");
    assert!(r.json()["auto_accept_at"].is_string());
    let r = t
        .post(
            &format!("{c}/request-changes"),
            &client,
            Some(&json!({"note": "bigger charts"})),
        )
        .await;
    assert_eq!(r.json()["status"], "changes_requested");
    t.clock.advance(DAY);
    assert_eq!(
        t.post(&format!("{c}/deliver"), &fl, None).await.json()["status"],
        "delivered"
    );
    let r = t.post(&format!("{c}/accept"), &client, None).await;
    assert_eq!(r.json()["status"], "completed");
    assert_eq!(r.json()["auto_accepted"], false);
    assert_eq!(
        t.get(&format!("/jobs/{job}"), None).await.json()["status"],
        "completed"
    );
    let kinds: Vec<String> = r.json()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "created",
            "delivered",
            "changes_requested",
            "delivered",
            "accepted"
        ]
    );

    // Double-blind reviews: the first stays hidden from the other party.
    let r = t
        .post(
            &format!("{c}/reviews"),
            &client,
            Some(&json!({"rating": 5, "text": "Great work"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    assert!(r.json()["published_at"].is_null());
    let seen = t.get(&c, Some(&fl)).await.json();
    assert!(
        seen["reviews"].as_array().unwrap().is_empty(),
        "blind: {seen}"
    );
    assert_eq!(
        t.get(&c, Some(&client)).await.json()["reviews"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let r = t
        .post(
            &format!("{c}/reviews"),
            &fl,
            Some(&json!({"rating": 4, "text": "Clear brief"})),
        )
        .await;
    assert!(
        r.json()["published_at"].is_string(),
        "the second review publishes both"
    );
    assert_eq!(
        t.get(&c, Some(&fl)).await.json()["reviews"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The public profile shows the review and the reputation the engine scores.
    let p = t.get(&format!("/freelancers/{fid}"), None).await.json();
    assert_eq!(p["reviews"][0]["rating"], 5);
    assert_eq!(p["reputation"]["rating"], 5.0);
    assert_eq!(p["reputation"]["contracts_completed"], 1);
    assert_eq!(p["reputation"]["proposals_accepted"], 1);
    let engine = t.host().engine.freelancer(&fid).unwrap().history.unwrap();
    assert_eq!(
        (
            engine.ratings_count,
            engine.contracts_completed,
            engine.active_contracts
        ),
        (1, 1, 0)
    );

    // The funnel reached the engine: the audit counts each step for Ana's group.
    let admin = t.admin().await;
    let r = t
        .get("/admin/audit?attribute=tenure&window=all", Some(&admin))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let groups = r.json()["groups"].as_array().unwrap().clone();
    let newcomer = groups.iter().find(|g| g["group"] == "newcomer").unwrap();
    let f = &newcomer["funnel"];
    assert_eq!(
        (
            f["impressions"].as_u64(),
            f["viewed"].as_u64(),
            f["applied"].as_u64(),
            f["shortlisted"].as_u64(),
            f["hired"].as_u64(),
            f["completed"].as_u64(),
            f["reviews"].as_u64()
        ),
        (
            Some(1),
            Some(2),
            Some(1),
            Some(1),
            Some(1),
            Some(1),
            Some(1)
        ),
        "{newcomer}"
    );

    // Metrics count the served lists and the funnel; the engine matches a fresh rebuild.
    let m = t.get("/metrics", None).await.text();
    assert!(
        m.contains(
            "fairmatch_host_recommendations_served_total{direction=\"freelancers_for_job\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("fairmatch_host_outcomes_recorded_total{kind=\"hired\"} 1"));
    let v = t.post("/admin/verify", &admin, None).await.json();
    assert_eq!(v["mismatches"], json!([]), "{v}");
    assert_eq!(v["snapshot_identical"], true);

    // Logout ends the token.
    assert_eq!(t.post("/auth/logout", &fl, None).await.status, 204);
    assert_eq!(t.get("/freelancers/me", Some(&fl)).await.status, 401);
    t.run.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fairness_policy_applies_per_request_and_per_marketplace() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    for i in 0..6 {
        let mut p = react_dev(&format!("dev {i}"));
        p["attributes"]["tenure"] = json!(if i < 5 { "established" } else { "newcomer" });
        p["skills"][0]["level"] = json!(5 - (i % 5) as i64);
        t.freelancer(p).await;
    }
    let job = t.open_job(&client, &js_job("React app")).await;
    let policy = json!({"policy": {"type": "det_greedy", "targets": [{"group": 0, "proportion": 0.5}]}, "attribute": "tenure", "groups": ["newcomer"]});
    let plain = t
        .get(&format!("/jobs/{job}/recommendations?k=2"), Some(&client))
        .await
        .json();
    let q = url_encode(&policy.to_string());
    let r = t
        .get(
            &format!("/jobs/{job}/recommendations?k=2&fairness={q}"),
            Some(&client),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let fair = r.json();
    assert_eq!(fair["fairness"]["source"], "request");
    let newcomer_in = |v: &serde_json::Value| {
        v["matches"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == "f6")
    };
    assert!(!newcomer_in(&plain), "{plain}");
    assert!(
        newcomer_in(&fair),
        "DetGreedy with a 50% target puts the newcomer into the top 2: {fair}"
    );

    // The admin makes it the marketplace's policy; requests get it unless they say `none`.
    let admin = t.admin().await;
    let r =
        t.c.put(
            "/admin/fairness-policy",
            Some(&admin),
            &json!({"policy": policy}),
        )
        .await
        .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = t
        .get(&format!("/jobs/{job}/recommendations?k=2"), Some(&client))
        .await
        .json();
    assert_eq!(r["fairness"]["source"], "marketplace");
    assert!(newcomer_in(&r));
    let r = t
        .get(
            &format!("/jobs/{job}/recommendations?k=2&fairness=none"),
            Some(&client),
        )
        .await
        .json();
    assert!(!newcomer_in(&r));
    // A bad policy is refused with the field named.
    let bad = json!({"policy": {"type": "fair", "p": 1.5, "alpha": 0.1, "protected_groups": [0]}, "attribute": "tenure", "groups": ["newcomer"]});
    let r =
        t.c.put(
            "/admin/fairness-policy",
            Some(&admin),
            &json!({"policy": bad}),
        )
        .await
        .unwrap();
    assert_eq!(
        (r.status, r.field().as_deref()),
        (422, Some("policy.policy.p"))
    );
    t.run.shutdown().await.unwrap();
}

pub fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
