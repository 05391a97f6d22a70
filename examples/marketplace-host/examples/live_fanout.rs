//! Measures live-match fan-out: the time from a job being opened to the last server-sent event
//! it causes, with a seeded marketplace of `--freelancers` freelancers, every one of them
//! watching its top k (`--http` of them over real SSE connections on 127.0.0.1, the rest
//! subscribed in process, which runs the same code minus the socket).
//!
//! ```sh
//! cargo run --release -p fairmatch-host --example live_fanout -- --freelancers 20000
//! ```

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use parking_lot::Mutex;
use serde_json::json;

use fairmatch_host::client::Client;
use fairmatch_host::demo::DemoConfig;
use fairmatch_host::{Config, SystemClock, start};

#[derive(Debug, Parser)]
struct Args {
    /// Freelancers in the marketplace (all subscribed).
    #[arg(long, default_value_t = 20_000)]
    freelancers: usize,
    /// Of which over HTTP (the rest in process).
    #[arg(long, default_value_t = 500)]
    http: usize,
    /// Jobs opened and measured.
    #[arg(long, default_value_t = 12)]
    jobs: usize,
    /// The top-k list each freelancer watches.
    #[arg(long, default_value_t = 10)]
    k: usize,
}

const SKILL_SETS: &[&[&str]] = &[
    &["React", "TypeScript"],
    &["Python", "Django", "PostgreSQL"],
    &["Bookkeeping", "Accounting"],
    &["Search engine optimization", "Content marketing"],
    &["Figma", "UI design"],
    &["Docker", "Kubernetes", "AWS"],
];

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A session token for account `user`, minted directly in the database (the demo's members
/// have no passwords).
async fn token_for(host: &fairmatch_host::Host, user: i64) -> String {
    let (token, hash) = fairmatch_host::auth::new_token();
    sqlx::query("INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(hash)
        .bind(user)
        .bind(host.now())
        .bind(host.now() + 86_400)
        .execute(&host.db)
        .await
        .unwrap();
    token
}

#[tokio::main]
async fn main() {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .init();
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(
        dir.path()
            .join("live.sqlite")
            .to_string_lossy()
            .into_owned(),
        0,
    );
    config.demo = Some(DemoConfig {
        freelancers: args.freelancers,
        jobs: 300,
        clients: 60,
        days: 60,
        ..DemoConfig::default()
    });
    let started = Instant::now();
    let run = start(config, Arc::new(SystemClock)).await.unwrap();
    let host = run.host.clone();
    println!(
        "seeded {} freelancers, {} jobs in {:.1} s; load {}",
        host.engine.freelancer_count(),
        host.engine.job_count(),
        started.elapsed().as_secs_f64(),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let members: Vec<(i64, i64)> =
        sqlx::query_as("SELECT id, user_id FROM freelancers ORDER BY id")
            .fetch_all(&host.db)
            .await
            .unwrap();
    let c = Client::new(run.url());

    // HTTP subscribers: each reader notes when each job's event arrives.
    let arrivals: Arc<Mutex<HashMap<String, Vec<Instant>>>> = Arc::default();
    let t = Instant::now();
    let http = args.http.min(members.len());
    for (_, user) in &members[..http] {
        let token = token_for(&host, *user).await;
        let mut stream = c
            .events(
                &format!("/freelancers/me/matches/stream?k={}", args.k),
                Some(&token),
            )
            .await
            .unwrap();
        let arrivals = arrivals.clone();
        tokio::spawn(async move {
            while let Some(ev) = stream.next(Duration::from_secs(3_600)).await {
                if ev.event == "match" {
                    let v: serde_json::Value = serde_json::from_str(&ev.data).unwrap();
                    let job = v["job_id"].as_str().unwrap_or_default().to_owned();
                    arrivals.lock().entry(job).or_default().push(Instant::now());
                }
            }
        });
    }
    // In-process subscribers for everyone else.
    let mut subs = Vec::new();
    for (fid, user) in &members[http..] {
        subs.push(host.live.subscribe(*fid, *user, args.k).await.unwrap());
    }
    while host.live.subscribers() < members.len() {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "{} streams connected ({} over HTTP) in {:.1} s",
        host.live.subscribers(),
        http,
        t.elapsed().as_secs_f64()
    );

    let client_user: i64 =
        sqlx::query_scalar("SELECT id FROM users WHERE email = 'client@demo.fairmatch.test'")
            .fetch_one(&host.db)
            .await
            .unwrap();
    let client = token_for(&host, client_user).await;
    println!(
        "| job | skills | events | HTTP events | server: commit → last event queued (ms) | HTTP: POST open → last SSE event received (ms) |"
    );
    println!("|---|---|---:|---:|---:|---:|");
    let (mut server, mut e2e) = (Vec::new(), Vec::new());
    for i in 0..args.jobs {
        let skills = SKILL_SETS[i % SKILL_SETS.len()];
        let body = json!({
            "title": format!("Live job {i}"),
            "skills": skills.iter().map(|s| json!({"skill": s, "min_level": 3})).collect::<Vec<_>>(),
            "budget": {"kind": "hourly", "min": 20, "max": 90},
            "languages": ["en"],
        });
        let r = c.post("/jobs", Some(&client), Some(&body)).await.unwrap();
        assert_eq!(r.status, 201, "{}", r.text());
        let id = r.json()["id"].as_str().unwrap().to_owned();
        let row = fairmatch_host::ids::Kind::Job.parse(&id).unwrap();
        let t0 = Instant::now();
        let r = c
            .post(&format!("/jobs/{id}/open"), Some(&client), None)
            .await
            .unwrap();
        assert_eq!(r.status, 200);
        let fanout = loop {
            if let Some(f) = host.live.fanout_of(row) {
                break f;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        // Let the last HTTP events arrive.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let got = arrivals.lock().get(&id).cloned().unwrap_or_default();
        let last = got.iter().max().map(|t| (*t - t0).as_secs_f64() * 1e3);
        for s in &mut subs {
            while s.events.try_recv().is_ok() {}
        }
        server.push(fanout.seconds * 1e3);
        if let Some(l) = last {
            e2e.push(l);
        }
        println!(
            "| {id} | {} | {} | {} | {:.1} | {} |",
            skills.join(", "),
            fanout.events,
            got.len(),
            fanout.seconds * 1e3,
            last.map_or("–".to_owned(), |l| format!("{l:.1}"))
        );
    }
    println!(
        "median over {} jobs: server {:.1} ms, HTTP end to end {:.1} ms ({} freelancers, all subscribed, k = {})",
        args.jobs,
        median(server),
        median(e2e),
        members.len(),
        args.k
    );
    drop(subs);
    run.shutdown().await.unwrap();
}
