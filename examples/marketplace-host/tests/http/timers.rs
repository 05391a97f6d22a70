//! The timers with the test clock: a delivery nobody answers is accepted 14 days later, and
//! reviews are published 7 days after completion even if only one party wrote one.

use serde_json::json;

use fairmatch_host::timers::run_due;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_accept_after_14_days_and_review_publication_after_7() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (fl, fid) = t.freelancer(react_dev("Ana")).await;
    let job = t.open_job(&client, &js_job("timers")).await;
    let p = t.propose(&fl, &job, None).await;
    let k = t.accept(&client, &p).await;
    let c = format!("/contracts/{k}");
    let delivered_at = t.clock_now();
    t.post(&format!("{c}/deliver"), &fl, None).await;

    // One second short of 14 days: nothing happens.
    t.clock.advance(14 * DAY - 1);
    assert_eq!(run_due(t.host()).await.unwrap().auto_accepted, 0);
    assert_eq!(t.get(&c, Some(&client)).await.json()["status"], "delivered");
    t.clock.advance(1);
    let run = run_due(t.host()).await.unwrap();
    assert_eq!(run.auto_accepted, 1);
    let v = t.get(&c, Some(&client)).await.json();
    assert_eq!(v["status"], "completed");
    assert_eq!(v["auto_accepted"], true);
    assert_eq!(
        v["completed_at"],
        fairmatch_host::clock::rfc3339(delivered_at + 14 * DAY)
    );
    assert_eq!(
        v["events"].as_array().unwrap().last().unwrap()["kind"],
        "auto_accepted"
    );
    assert_eq!(
        t.get(&format!("/jobs/{job}"), None).await.json()["status"],
        "completed"
    );
    assert_eq!(
        t.host()
            .engine
            .freelancer(&fid)
            .unwrap()
            .history
            .unwrap()
            .contracts_completed,
        1
    );

    // Only the client reviews; it stays blind until the 7 days pass, then it is published
    // (at the deadline) and becomes the freelancer's rating.
    t.clock.advance(DAY);
    let r = t
        .post(
            &format!("{c}/reviews"),
            &client,
            Some(&json!({"rating": 2, "text": "late"})),
        )
        .await;
    assert_eq!(r.status, 201);
    assert!(
        t.get(&format!("/freelancers/{fid}"), None).await.json()["reviews"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    t.clock.advance(5 * DAY);
    assert_eq!(run_due(t.host()).await.unwrap().reviews_published, 0);
    t.clock.advance(DAY);
    assert_eq!(run_due(t.host()).await.unwrap().reviews_published, 1);
    let v = t.get(&c, Some(&fl)).await.json();
    assert_eq!(v["reviews"][0]["rating"], 2, "{v}");
    assert_eq!(
        v["reviews_published_at"],
        fairmatch_host::clock::rfc3339(delivered_at + 21 * DAY)
    );
    let profile = t.get(&format!("/freelancers/{fid}"), None).await.json();
    assert_eq!(profile["reputation"]["rating"], 2.0);
    let h = t.host().engine.freelancer(&fid).unwrap().history.unwrap();
    assert_eq!((h.ratings_count, h.ratings_sum), (1, 2.0));
    // The freelancer's chance to review has passed; a later sweep does nothing more.
    let r = t
        .post(&format!("{c}/reviews"), &fl, Some(&json!({"rating": 5})))
        .await;
    assert_eq!(r.code(), "review_period_closed");
    assert_eq!(run_due(t.host()).await.unwrap(), Default::default());
    t.run.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_was_down_catches_up_in_one_sweep() {
    let t = TestHost::start().await;
    let client = t.user("client").await;
    let (fl, _) = t.freelancer(react_dev("Ana")).await;
    let job = t.open_job(&client, &js_job("catch up")).await;
    let p = t.propose(&fl, &job, None).await;
    let k = t.accept(&client, &p).await;
    let delivered = t.clock_now();
    t.post(&format!("/contracts/{k}/deliver"), &fl, None).await;
    // 30 days pass with no sweep: the delivery is accepted at day 14 and the (empty)
    // review period closes at day 21, both stamped with their due times.
    t.clock.advance(30 * DAY);
    let run = run_due(t.host()).await.unwrap();
    assert_eq!((run.auto_accepted, run.reviews_published), (1, 1));
    let v = t
        .get(&format!("/contracts/{k}"), Some(&client))
        .await
        .json();
    assert_eq!(
        v["reviews_published_at"],
        fairmatch_host::clock::rfc3339(delivered + 21 * DAY)
    );
    t.run.shutdown().await.unwrap();
}
