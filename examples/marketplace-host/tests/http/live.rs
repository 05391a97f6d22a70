//! Live matches over server-sent events: a newly opened job reaches the freelancer whose top
//! k it enters, with the same score the freelancer's own recommendations give it, and does
//! not reach a freelancer it does not match.

use std::time::Duration;

use serde_json::Value;

use crate::common::*;

const WAIT: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_job_reaches_matching_freelancers_only() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (ana, _) = t.freelancer(react_dev("Ana")).await; // speaks en + pt
    let (ravi, _) = t.freelancer(accountant("Ravi")).await; // en only

    let mut sa =
        t.c.events("/freelancers/me/matches/stream?k=1", Some(&ana))
            .await
            .unwrap();
    let mut sr =
        t.c.events("/freelancers/me/matches/stream?k=1", Some(&ravi))
            .await
            .unwrap();
    for s in [&mut sa, &mut sr] {
        let ev = s.next(WAIT).await.expect("a snapshot first");
        assert_eq!(ev.event, "snapshot");
        let v: Value = serde_json::from_str(&ev.data).unwrap();
        assert_eq!(
            (v["k"].as_u64(), v["top"].as_array().map(Vec::len)),
            (Some(1), Some(0))
        );
    }
    assert_eq!(t.host().live.subscribers(), 2);

    // A React job that needs Portuguese: Ana's top 1 is empty, so it enters; Ravi fails the
    // language filter.
    let mut body = js_job("React in Lisbon");
    body["languages"] = serde_json::json!(["pt"]);
    let j1 = t.open_job(&client, &body).await;
    let ev = sa.next(WAIT).await.expect("Ana gets the job");
    assert_eq!(ev.event, "match");
    let m: Value = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(m["job_id"], j1.as_str());
    assert_eq!(m["title"], "React in Lisbon");
    assert_eq!((m["rank"].as_u64(), m["k"].as_u64()), (Some(1), Some(1)));
    // The job-side score is the freelancer's own score for the job.
    let own = t
        .get("/freelancers/me/recommendations?k=1", Some(&ana))
        .await
        .json();
    assert_eq!(own["matches"][0]["id"], j1.as_str());
    assert_eq!(own["matches"][0]["score"], m["score"]);

    // A bookkeeping job: Ravi's first event is this one (so he never got the React job);
    // Ana's top 1 already holds a better job for her, so she gets nothing. Both decisions
    // come from the same pass over the streams, so once Ravi has his, Ana's would be queued.
    let j2 = t.open_job(&client, &books_job("Books")).await;
    let ev = sr.next(WAIT).await.expect("Ravi gets the bookkeeping job");
    let m2: Value = serde_json::from_str(&ev.data).unwrap();
    assert_eq!(
        (ev.event.as_str(), m2["job_id"].as_str()),
        ("match", Some(j2.as_str()))
    );
    assert!(
        sa.next(Duration::from_millis(700)).await.is_none(),
        "Ana must not get the bookkeeping job"
    );

    // The push is a served list: a view carrying its request id is recorded.
    let rid = m["request_id"].as_str().unwrap();
    let r = t
        .get(&format!("/jobs/{j1}?request_id={rid}"), Some(&ana))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let m = t.get("/metrics", None).await.text();
    assert!(
        m.contains("fairmatch_host_live_match_events_total 2"),
        "{m}"
    );
    assert!(
        m.contains("fairmatch_host_outcomes_recorded_total{kind=\"viewed\"} 1"),
        "{m}"
    );

    // A dropped subscription unregisters itself.
    let me = t.get("/freelancers/me", Some(&ana)).await.json();
    let fid = fairmatch_host::ids::Kind::Freelancer
        .parse(me["id"].as_str().unwrap())
        .unwrap();
    let sub = t.host().live.subscribe(fid, 0, 3).await.unwrap();
    assert_eq!(t.host().live.subscribers(), 3);
    drop(sub);
    assert_eq!(t.host().live.subscribers(), 2);
    t.run.shutdown().await.unwrap();
}
