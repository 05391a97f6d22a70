//! `fairmatch-host load`: a bounded load run against a running host with mixed reads and
//! writes, reporting requests per second, latency percentiles and errors.
//!
//! Setup (not measured) registers its own clients and freelancers, fills their profiles and
//! opens jobs. Then `--concurrency` workers send requests for `--seconds`, each picking an
//! operation by weight: reads (open jobs, a job, a profile, recommendations both ways, health)
//! and writes (job edits, profile updates, new jobs, proposals, shortlists). Every write is
//! chosen so that it is valid (a proposal goes to an open job the freelancer has not proposed
//! to, a shortlist to a submitted proposal), so any non-2xx answer is an error.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::client::Client;

/// Options of a load run.
#[derive(Debug, Clone, clap::Args)]
pub struct LoadArgs {
    /// The host to load.
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    pub url: String,
    /// How long to send requests (seconds).
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    /// Client accounts to create.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
    /// Freelancer accounts to create.
    #[arg(long, default_value_t = 12)]
    pub freelancers: usize,
    /// Jobs each client opens during setup.
    #[arg(long, default_value_t = 3)]
    pub jobs_per_client: usize,
    /// Seed of the operation mix.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Latency summary of one operation (milliseconds).
#[derive(Debug, Clone, Serialize)]
pub struct OpStats {
    /// Requests sent.
    pub requests: usize,
    /// Non-2xx answers and transport errors.
    pub errors: usize,
    /// Median latency.
    pub p50_ms: f64,
    /// 99th percentile latency.
    pub p99_ms: f64,
}

/// The result of a load run.
#[derive(Debug, Clone, Serialize)]
pub struct LoadReport {
    /// Seconds measured.
    pub seconds: f64,
    /// Concurrency.
    pub concurrency: usize,
    /// Requests completed.
    pub requests: usize,
    /// Of which writes.
    pub writes: usize,
    /// Requests per second.
    pub requests_per_second: f64,
    /// Median latency (ms).
    pub p50_ms: f64,
    /// 90th percentile (ms).
    pub p90_ms: f64,
    /// 99th percentile (ms).
    pub p99_ms: f64,
    /// Slowest (ms).
    pub max_ms: f64,
    /// Non-2xx answers and transport errors.
    pub errors: usize,
    /// The first few errors, for diagnosis.
    pub error_samples: Vec<String>,
    /// Per operation.
    pub operations: BTreeMap<String, OpStats>,
}

impl LoadReport {
    /// A Markdown table of the report.
    pub fn markdown(&self) -> String {
        let mut s = format!(
            "| requests | writes | seconds | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |\n\
             |---:|---:|---:|---:|---:|---:|---:|---:|---:|\n\
             | {} | {} | {:.1} | {:.0} | {:.2} | {:.2} | {:.2} | {:.1} | {} |\n\n\
             | operation | requests | p50 ms | p99 ms | errors |\n|---|---:|---:|---:|---:|\n",
            self.requests,
            self.writes,
            self.seconds,
            self.requests_per_second,
            self.p50_ms,
            self.p90_ms,
            self.p99_ms,
            self.max_ms,
            self.errors
        );
        for (name, o) in &self.operations {
            s.push_str(&format!(
                "| {name} | {} | {:.2} | {:.2} | {} |\n",
                o.requests, o.p50_ms, o.p99_ms, o.errors
            ));
        }
        s
    }
}

/// An account made during setup.
#[derive(Debug, Clone)]
struct Account {
    token: String,
    freelancer: Option<String>,
}

/// What the workers share.
#[derive(Debug, Default)]
struct World {
    clients: Vec<Account>,
    freelancers: Vec<Account>,
    /// (client index, job id), open jobs only.
    jobs: Vec<(usize, String)>,
    /// (freelancer index, job id) pairs that already have a proposal.
    proposed: HashSet<(usize, String)>,
    /// (client index, proposal id) still submitted.
    submitted: Vec<(usize, String)>,
}

const SKILLS: &[&str] = &[
    "Rust",
    "Python",
    "JavaScript",
    "React",
    "PostgreSQL",
    "Docker",
    "Kubernetes",
    "TypeScript",
    "Go",
    "Django",
    "Node.js",
    "AWS",
];
const REGIONS: &[&str] = &["eu", "na", "asia-south", "latam", "asia-east"];
const ZONES: &[&str] = &[
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "America/Sao_Paulo",
    "Asia/Manila",
];

fn profile(rng: &mut ChaCha8Rng, i: usize) -> Value {
    let skills: Vec<Value> = SKILLS
        .choose_multiple(rng, 4)
        .map(|s| json!({"skill": s, "level": rng.random_range(2..=5)}))
        .collect();
    json!({
        "name": format!("Load freelancer {i}"),
        "skills": skills,
        "hourly_rate": rng.random_range(20..120),
        "timezone": ZONES[i % ZONES.len()],
        "weekly_hours": 30,
        "languages": ["en"],
        "attributes": {"region": REGIONS[i % REGIONS.len()]}
    })
}

fn job_body(rng: &mut ChaCha8Rng, n: usize) -> Value {
    let skills: Vec<Value> = SKILLS
        .choose_multiple(rng, 3)
        .map(|s| json!({"skill": s, "min_level": rng.random_range(2..=4)}))
        .collect();
    json!({
        "title": format!("Load test job {n}"),
        "description": "Created by fairmatch-host load.",
        "skills": skills,
        "budget": {"kind": "hourly", "min": 30, "max": 90}
    })
}

fn must(r: Result<crate::client::Reply, String>, what: &str) -> Result<Value, String> {
    let r = r?;
    if r.ok() {
        Ok(r.json())
    } else {
        Err(format!("setup {what}: {} {}", r.status, r.text()))
    }
}

async fn account(c: &Client, role: &str, tag: &str, i: usize) -> Result<Account, String> {
    let email = format!("load-{tag}-{role}{i}@load.fairmatch.test");
    let password = "load-test-password";
    must(
        c.post(
            "/auth/register",
            None,
            Some(&json!({"email": email, "password": password, "role": role})),
        )
        .await,
        "register",
    )?;
    let t = must(
        c.post(
            "/auth/login",
            None,
            Some(&json!({"email": email, "password": password})),
        )
        .await,
        "login",
    )?;
    Ok(Account {
        token: t["token"].as_str().unwrap_or_default().to_owned(),
        freelancer: None,
    })
}

async fn open_job(c: &Client, token: &str, body: &Value) -> Result<String, String> {
    let j = must(c.post("/jobs", Some(token), Some(body)).await, "create job")?;
    let id = j["id"].as_str().unwrap_or_default().to_owned();
    must(
        c.post(&format!("/jobs/{id}/open"), Some(token), None).await,
        "open job",
    )?;
    Ok(id)
}

async fn setup(c: &Client, args: &LoadArgs, rng: &mut ChaCha8Rng) -> Result<World, String> {
    let tag = format!("{:x}", rand::rng().random::<u64>());
    let mut w = World::default();
    for i in 0..args.clients.max(1) {
        w.clients.push(account(c, "client", &tag, i).await?);
    }
    for i in 0..args.freelancers.max(1) {
        let mut a = account(c, "freelancer", &tag, i).await?;
        let p = must(
            c.put("/freelancers/me", Some(&a.token), &profile(rng, i))
                .await,
            "profile",
        )?;
        a.freelancer = p["id"].as_str().map(str::to_owned);
        w.freelancers.push(a);
    }
    for ci in 0..w.clients.len() {
        for n in 0..args.jobs_per_client {
            let id = open_job(c, &w.clients[ci].token, &job_body(rng, n)).await?;
            w.jobs.push((ci, id));
        }
    }
    Ok(w)
}

/// The operations and their weights (reads, then writes).
const OPS: &[(&str, u32, bool)] = &[
    ("GET /jobs?status=open", 14, false),
    ("GET /jobs/{id}", 14, false),
    ("GET /freelancers/{id}", 10, false),
    ("GET /jobs/{id}/recommendations", 16, false),
    ("GET /freelancers/me/recommendations", 12, false),
    ("GET /healthz", 4, false),
    ("PATCH /jobs/{id}", 8, true),
    ("PUT /freelancers/me", 7, true),
    ("POST /jobs + open", 3, true),
    ("POST /jobs/{id}/proposals", 8, true),
    ("POST /proposals/{id}/shortlist", 4, true),
];

type Sample = (usize, Duration, bool, Option<String>);

async fn one(
    c: &Client,
    world: &Mutex<World>,
    rng: &mut ChaCha8Rng,
    op: usize,
    n: usize,
) -> Sample {
    let pick = |rng: &mut ChaCha8Rng| {
        let w = world.lock();
        let (ci, job) = w.jobs.choose(rng).cloned().unwrap_or_default();
        let fi = rng.random_range(0..w.freelancers.len());
        (
            ci,
            job,
            w.clients[ci].token.clone(),
            fi,
            w.freelancers[fi].clone(),
        )
    };
    let (ci, job, ctoken, fi, fl) = pick(rng);
    let started = Instant::now();
    let r = match op {
        0 => c.get("/jobs?status=open&limit=20", None).await,
        1 => c.get(&format!("/jobs/{job}"), None).await,
        2 => {
            c.get(
                &format!("/freelancers/{}", fl.freelancer.clone().unwrap_or_default()),
                None,
            )
            .await
        }
        3 => {
            c.get(&format!("/jobs/{job}/recommendations?k=10"), Some(&ctoken))
                .await
        }
        4 => {
            c.get("/freelancers/me/recommendations?k=10", Some(&fl.token))
                .await
        }
        5 => c.get("/healthz", None).await,
        6 => {
            c.patch(
                &format!("/jobs/{job}"),
                Some(&ctoken),
                &json!({"description": format!("edit {n}")}),
            )
            .await
        }
        7 => {
            c.put("/freelancers/me", Some(&fl.token), &profile(rng, fi))
                .await
        }
        8 => {
            let body = job_body(rng, n);
            match open_job(c, &ctoken, &body).await {
                Ok(id) => {
                    world.lock().jobs.push((ci, id));
                    Ok(crate::client::Reply {
                        status: 200,
                        headers: Default::default(),
                        body: Default::default(),
                    })
                }
                Err(e) => Err(e),
            }
        }
        9 => {
            let fresh = world.lock().proposed.insert((fi, job.clone()));
            if !fresh {
                // Already proposed: read instead, so every write sent is a valid one.
                return Box::pin(one(c, world, rng, 1, n)).await;
            }
            let r = c
                .post(
                    &format!("/jobs/{job}/proposals"),
                    Some(&fl.token),
                    Some(&json!({"cover_letter": "I can do this.", "rate": 50})),
                )
                .await;
            if let Ok(reply) = &r
                && reply.ok()
                && let Some(pid) = reply.json()["id"].as_str()
            {
                world.lock().submitted.push((ci, pid.to_owned()));
            }
            r
        }
        _ => {
            let next = {
                let mut w = world.lock();
                let i = (!w.submitted.is_empty()).then(|| rng.random_range(0..w.submitted.len()));
                i.map(|i| {
                    let (ci, pid) = w.submitted.swap_remove(i);
                    (w.clients[ci].token.clone(), pid)
                })
            };
            match next {
                Some((token, pid)) => {
                    c.post(&format!("/proposals/{pid}/shortlist"), Some(&token), None)
                        .await
                }
                None => return Box::pin(one(c, world, rng, 0, n)).await,
            }
        }
    };
    let elapsed = started.elapsed();
    match r {
        Ok(reply) if reply.ok() => (op, elapsed, true, None),
        Ok(reply) => (
            op,
            elapsed,
            false,
            Some(format!("{}: {} {}", OPS[op].0, reply.status, reply.text())),
        ),
        Err(e) => (op, elapsed, false, Some(format!("{}: {e}", OPS[op].0))),
    }
}

fn percentile(sorted: &[Duration], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len()) - 1;
    sorted[i].as_secs_f64() * 1_000.0
}

/// Runs the load (setup, then `args.seconds` of mixed requests).
pub async fn run(args: &LoadArgs) -> Result<LoadReport, String> {
    let client = Client::new(&args.url);
    let mut rng = ChaCha8Rng::seed_from_u64(args.seed);
    let world = Arc::new(Mutex::new(setup(&client, args, &mut rng).await?));
    let total: u32 = OPS.iter().map(|o| o.1).sum();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for wi in 0..args.concurrency.max(1) {
        let (client, world) = (client.clone(), world.clone());
        let mut rng =
            ChaCha8Rng::seed_from_u64(args.seed.wrapping_mul(1_000).wrapping_add(wi as u64));
        tasks.push(tokio::spawn(async move {
            let mut samples: Vec<Sample> = Vec::new();
            let mut n = 0;
            while Instant::now() < deadline {
                let mut x = rng.random_range(0..total);
                let op = OPS
                    .iter()
                    .position(|o| {
                        if x < o.1 {
                            true
                        } else {
                            x -= o.1;
                            false
                        }
                    })
                    .unwrap_or(0);
                samples.push(one(&client, &world, &mut rng, op, wi * 1_000_000 + n).await);
                n += 1;
            }
            samples
        }));
    }
    let mut samples = Vec::new();
    for t in tasks {
        samples.extend(t.await.map_err(|e| e.to_string())?);
    }
    let seconds = started.elapsed().as_secs_f64();
    let mut all: Vec<Duration> = samples.iter().map(|s| s.1).collect();
    all.sort_unstable();
    let mut operations = BTreeMap::new();
    for (i, (name, _, _)) in OPS.iter().enumerate() {
        let mut d: Vec<Duration> = samples.iter().filter(|s| s.0 == i).map(|s| s.1).collect();
        d.sort_unstable();
        operations.insert(
            (*name).to_owned(),
            OpStats {
                requests: d.len(),
                errors: samples.iter().filter(|s| s.0 == i && !s.2).count(),
                p50_ms: percentile(&d, 0.5),
                p99_ms: percentile(&d, 0.99),
            },
        );
    }
    let errors: Vec<String> = samples.iter().filter_map(|s| s.3.clone()).collect();
    Ok(LoadReport {
        seconds,
        concurrency: args.concurrency,
        requests: samples.len(),
        writes: samples.iter().filter(|s| OPS[s.0].2).count(),
        requests_per_second: samples.len() as f64 / seconds,
        p50_ms: percentile(&all, 0.5),
        p90_ms: percentile(&all, 0.9),
        p99_ms: percentile(&all, 0.99),
        max_ms: all.last().map_or(0.0, |d| d.as_secs_f64() * 1_000.0),
        errors: errors.len(),
        error_samples: errors.into_iter().take(5).collect(),
        operations,
    })
}
