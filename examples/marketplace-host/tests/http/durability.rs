//! Durability: the host as a separate process, writes under load, `kill -9` mid-load, restart:
//! every write that got a 2xx is there, and the engine answers what a fresh rebuild answers.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use serde_json::{Value, json};

use fairmatch_host::client::Client;

use crate::common::*;

struct Proc {
    child: Child,
    c: Client,
}

/// Starts `fairmatch-host` on `db` and waits for its URL.
fn spawn_host(db: &Path) -> Proc {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fairmatch-host"))
        .args([
            "--port",
            "0",
            "--log",
            "warn",
            "--timer-interval",
            "3600",
            "--admin",
            ADMIN.0,
            "--db",
        ])
        .arg(db)
        .env("FAIRMATCH_ADMIN_PASSWORD", ADMIN.1)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("the host binary starts");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("the host printed its URL").unwrap();
        if let Some(url) = line.strip_prefix("listening on ") {
            break url.to_owned();
        }
    };
    // Keep draining stdout so the host never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    Proc {
        child,
        c: Client::new(url),
    }
}

/// What the server acknowledged (2xx) and what was sent.
#[derive(Debug, Default)]
struct Acks {
    /// Per patched job: (last acknowledged title number, highest number sent).
    titles: Vec<(String, Option<u64>, u64)>,
    /// Jobs created (id, title) and whether their opening was acknowledged.
    created: Vec<(String, String, bool)>,
    /// Per freelancer: (token, last acknowledged headline number, highest sent).
    headlines: Vec<(String, Option<u64>, u64)>,
    /// Proposals acknowledged: (freelancer token, proposal id).
    proposals: Vec<(String, String)>,
    /// Served lists acknowledged: (request id, first freelancer shown).
    lists: Vec<(String, String)>,
}

struct Setup {
    client: String,
    freelancers: Vec<(String, String)>,
}

async fn login(c: &Client, email: &str) -> String {
    c.post(
        "/auth/login",
        None,
        Some(&json!({"email": email, "password": "password-123"})),
    )
    .await
    .unwrap()
    .json()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn setup(c: &Client, acks: &Mutex<Acks>) -> Setup {
    for (email, role) in [
        ("c@d.test", "client"),
        ("f0@d.test", "freelancer"),
        ("f1@d.test", "freelancer"),
        ("f2@d.test", "freelancer"),
    ] {
        register(c, email, role).await;
    }
    let client = login(c, "c@d.test").await;
    let mut freelancers = Vec::new();
    for i in 0..3 {
        let t = login(c, &format!("f{i}@d.test")).await;
        let r = c
            .put("/freelancers/me", Some(&t), &react_dev(&format!("Dev {i}")))
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        freelancers.push((t, r.json()["id"].as_str().unwrap().to_owned()));
        acks.lock()
            .headlines
            .push((freelancers[i].0.clone(), None, 0));
    }
    for i in 0..3 {
        let r = c
            .post("/jobs", Some(&client), Some(&js_job(&format!("t{i}"))))
            .await
            .unwrap();
        let id = r.json()["id"].as_str().unwrap().to_owned();
        assert_eq!(
            c.post(&format!("/jobs/{id}/open"), Some(&client), None)
                .await
                .unwrap()
                .status,
            200
        );
        acks.lock().titles.push((id, None, 0));
    }
    Setup {
        client,
        freelancers,
    }
}

/// Sends writes from five tasks until `stop` or until the server goes away.
async fn load(
    c: &Client,
    s: &Setup,
    acks: &Arc<Mutex<Acks>>,
    stop: &Arc<AtomicBool>,
    round: u64,
) -> usize {
    let mut tasks = Vec::new();
    // Job edits: each task owns one job, numbers only grow.
    for j in 0..3 {
        let (c, client, acks, stop) = (c.clone(), s.client.clone(), acks.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0;
            let id = acks.lock().titles[j].0.clone();
            while !stop.load(Ordering::Relaxed) {
                let k = round * 1_000_000 + n;
                acks.lock().titles[j].2 = k;
                match c
                    .patch(
                        &format!("/jobs/{id}"),
                        Some(&client),
                        &json!({"title": format!("t{k}")}),
                    )
                    .await
                {
                    Ok(r) if r.ok() => acks.lock().titles[j].1 = Some(k),
                    Ok(r) => panic!("patch answered {}: {}", r.status, r.text()),
                    Err(_) => break,
                }
                n += 1;
            }
            n as usize
        }));
    }
    // New jobs, opened, and a proposal to each from a freelancer.
    {
        let (c, client, acks, stop) = (c.clone(), s.client.clone(), acks.clone(), stop.clone());
        let fl = s.freelancers.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let title = format!("new {round}.{n}");
                let Ok(r) = c.post("/jobs", Some(&client), Some(&js_job(&title))).await else {
                    break;
                };
                assert_eq!(r.status, 201, "{}", r.text());
                let id = r.json()["id"].as_str().unwrap().to_owned();
                acks.lock().created.push((id.clone(), title, false));
                let Ok(r) = c
                    .post(&format!("/jobs/{id}/open"), Some(&client), None)
                    .await
                else {
                    break;
                };
                assert!(r.ok());
                acks.lock().created.last_mut().unwrap().2 = true;
                let (t, _) = &fl[n % fl.len()];
                let Ok(r) = c
                    .post(
                        &format!("/jobs/{id}/proposals"),
                        Some(t),
                        Some(&json!({"cover_letter": "yes"})),
                    )
                    .await
                else {
                    break;
                };
                assert_eq!(r.status, 201, "{}", r.text());
                acks.lock()
                    .proposals
                    .push((t.clone(), r.json()["id"].as_str().unwrap().to_owned()));
                n += 3;
            }
            n
        }));
    }
    // Profile edits.
    {
        let (c, acks, stop) = (c.clone(), acks.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let i = (n % 3) as usize;
                let k = round * 1_000_000 + n;
                let token = {
                    let mut a = acks.lock();
                    a.headlines[i].2 = k;
                    a.headlines[i].0.clone()
                };
                let mut p = react_dev(&format!("Dev {i}"));
                p["headline"] = json!(format!("h{k}"));
                match c.put("/freelancers/me", Some(&token), &p).await {
                    Ok(r) if r.ok() => acks.lock().headlines[i].1 = Some(k),
                    Ok(r) => panic!("profile answered {}", r.status),
                    Err(_) => break,
                }
                n += 1;
            }
            n as usize
        }));
    }
    // Served lists (each records impressions in the database and the engine).
    {
        let (c, client, acks, stop) = (c.clone(), s.client.clone(), acks.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let mut n = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let job = acks.lock().titles[n % 3].0.clone();
                let Ok(r) = c
                    .get(&format!("/jobs/{job}/recommendations?k=3"), Some(&client))
                    .await
                else {
                    break;
                };
                assert!(r.ok(), "{}", r.text());
                let v = r.json();
                if let Some(first) = v["matches"][0]["id"].as_str() {
                    acks.lock().lists.push((
                        v["request_id"].as_str().unwrap().to_owned(),
                        first.to_owned(),
                    ));
                }
                n += 1;
            }
            n
        }));
    }
    let mut sent = 0;
    for t in tasks {
        sent += t.await.unwrap();
    }
    sent
}

/// Every acknowledged write is visible through `c`.
async fn check_acks(c: &Client, s: &Setup, acks: &Mutex<Acks>) -> usize {
    let a = std::mem::take(&mut *acks.lock());
    let mut checked = 0;
    for (id, acked, sent) in &a.titles {
        let title = c.get(&format!("/jobs/{id}"), None).await.unwrap().json()["title"]
            .as_str()
            .unwrap()
            .to_owned();
        let k: u64 = title[1..].parse().unwrap();
        assert!(
            acked.is_none_or(|acked| k >= acked) && k <= *sent,
            "job {id}: title t{k}, acknowledged {acked:?}, sent up to {sent}"
        );
        checked += 1;
    }
    for (id, title, opened) in &a.created {
        let j = c
            .get(&format!("/jobs/{id}"), Some(&s.client))
            .await
            .unwrap();
        assert_eq!(j.status, 200, "acknowledged job {id} is gone");
        assert_eq!(j.json()["title"], title.as_str());
        if *opened {
            assert_eq!(j.json()["status"], "open");
        }
        checked += 1;
    }
    for (token, acked, sent) in &a.headlines {
        let h = c.get("/freelancers/me", Some(token)).await.unwrap().json()["headline"]
            .as_str()
            .unwrap()
            .to_owned();
        let k: u64 = h.get(1..).and_then(|x| x.parse().ok()).unwrap_or(0);
        assert!(
            acked.is_none_or(|acked| k >= acked) && k <= *sent,
            "headline h{k}, acknowledged {acked:?}"
        );
        checked += 1;
    }
    for (token, pid) in &a.proposals {
        let mine: Value = c.get("/proposals", Some(token)).await.unwrap().json();
        assert!(
            mine.as_array()
                .unwrap()
                .iter()
                .any(|p| p["id"] == pid.as_str()),
            "acknowledged proposal {pid} is gone"
        );
        checked += 1;
    }
    for (rid, first) in a.lists.iter().rev().take(25) {
        let r = c
            .get(
                &format!("/freelancers/{first}?request_id={rid}"),
                Some(&s.client),
            )
            .await
            .unwrap();
        assert_eq!(
            r.status,
            200,
            "acknowledged list {rid} is gone: {}",
            r.text()
        );
        checked += 1;
    }
    // Keep tracking the same jobs and freelancers in the next round.
    let mut next = acks.lock();
    next.titles = a
        .titles
        .iter()
        .map(|(id, _, _)| (id.clone(), None, 0))
        .collect();
    next.headlines = a
        .headlines
        .iter()
        .map(|(t, _, _)| (t.clone(), None, 0))
        .collect();
    checked
}

async fn verify(c: &Client) -> Value {
    let admin = c
        .post(
            "/auth/login",
            None,
            Some(&json!({"email": ADMIN.0, "password": ADMIN.1})),
        )
        .await
        .unwrap()
        .json()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = c.post("/admin/verify", Some(&admin), None).await.unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()
}

async fn run_for(c: &Client, s: &Setup, acks: &Arc<Mutex<Acks>>, round: u64, ms: u64) -> usize {
    let stop = Arc::new(AtomicBool::new(false));
    let stopper = stop.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(ms)).await;
        stopper.store(true, Ordering::Relaxed);
    });
    load(c, s, acks, &stop, round).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_mid_load_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durable.sqlite");
    let mut p = spawn_host(&db);
    let acks = Arc::new(Mutex::new(Acks::default()));
    let s = setup(&p.c, &acks).await;

    // Round 1 under load, then the running engine against a fresh rebuild of its database.
    let sent = run_for(&p.c, &s, &acks, 1, 1_500).await;
    assert!(sent >= 10, "{sent}");
    let v = verify(&p.c).await;
    assert_eq!(
        (v["mismatches"].clone(), v["snapshot_identical"].clone()),
        (json!([]), json!(true)),
        "{v}"
    );
    check_acks(&p.c, &s, &acks).await;

    // Round 2: kill -9 while five writers are busy.
    let stop = Arc::new(AtomicBool::new(false));
    let writers = {
        let (c, acks, stop) = (p.c.clone(), acks.clone(), stop.clone());
        let s = Setup {
            client: s.client.clone(),
            freelancers: s.freelancers.clone(),
        };
        tokio::spawn(async move { load(&c, &s, &acks, &stop, 2).await })
    };
    tokio::time::sleep(Duration::from_millis(800)).await;
    p.child.kill().unwrap(); // SIGKILL
    p.child.wait().unwrap();
    let sent = writers.await.unwrap();
    assert!(sent >= 5, "{sent}");

    // Restart on the same file: every acknowledged write is there.
    let mut p = spawn_host(&db);
    let checked = check_acks(&p.c, &s, &acks).await;
    assert!(checked >= 6, "{checked}");
    // More writes on the restarted host, then the incremental engine against a rebuild.
    run_for(&p.c, &s, &acks, 3, 700).await;
    let v = verify(&p.c).await;
    assert_eq!(
        (v["mismatches"].clone(), v["snapshot_identical"].clone()),
        (json!([]), json!(true)),
        "{v}"
    );
    assert!(v["jobs_compared"].as_u64().unwrap() > 10);
    check_acks(&p.c, &s, &acks).await;
    p.child.kill().unwrap();
    p.child.wait().unwrap();
}
