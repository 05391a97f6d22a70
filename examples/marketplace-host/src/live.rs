//! Live matches: `GET /freelancers/me/matches/stream` keeps a server-sent-event stream open
//! per freelancer and pushes each newly opened job whose score puts it into that freelancer's
//! top k.
//!
//! The decision is made from the job's side. Each stream caches its freelancer's current top
//! k jobs (one `recommend_jobs` at connect). When a job opens, the hub ranks freelancers for
//! that job once (`recommend_freelancers` with `min_score` = the lowest cached k-th score,
//! explanations off) and compares each connected freelancer's score for the job with their
//! cached k-th best: ahead of it in the engine's order — a higher score, or the same score
//! and the smaller external id (the engine's tie-break) — or fewer than k cached means the
//! job enters the top k. A freelancer's score for a (job, freelancer) pair is the same from
//! either side — the engine computes both with the same factors — so no freelancer's jobs are
//! ranked again. The engine returns at most 10,000 results per call; a longer ranking is read
//! in pages (each excluding the ids already read), so no connected freelancer is missed.
//!
//! Each push is a served list of one job: it is logged as a `live_match` request with an
//! impression, and its `request_id` links a later view or proposal to it. A cached list
//! holding a job that closes, changes or is hired for, and the list of a freelancer whose
//! profile or record changed, are recomputed.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use utoipa::ToSchema;

use fairmatch::{Engine, RecommendOptions};

use crate::clock::{Clock, to_datetime};
use crate::db::Pool;
use crate::engine_sync::Notice;
use crate::error::{ApiError, ApiResult};
use crate::ids::Kind;
use crate::metrics::Metrics;
use crate::service::recommendations::{Impression, log_impressions};

/// One job of a cached top-k list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TopEntry {
    /// The job.
    pub job_id: String,
    /// The freelancer's score for it.
    pub score: f64,
}

/// The first event of a stream: the freelancer's current top k.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LiveSnapshot {
    /// The list size the stream watches.
    pub k: usize,
    /// The current top k, best first.
    pub top: Vec<TopEntry>,
}

/// A newly opened job that entered the freelancer's top k.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LiveMatch {
    /// The job.
    pub job_id: String,
    /// Its title.
    pub title: String,
    /// The freelancer's score for it.
    pub score: f64,
    /// Its rank in the freelancer's top k (1 = best).
    pub rank: usize,
    /// The list size.
    pub k: usize,
    /// The id of this push (send it with a view or proposal).
    pub request_id: String,
}

/// An event on a stream.
#[derive(Debug, Clone)]
pub enum LiveEvent {
    /// `event: snapshot`.
    Snapshot(LiveSnapshot),
    /// `event: match`.
    Match(LiveMatch),
}

impl LiveEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            LiveEvent::Snapshot(_) => "snapshot",
            LiveEvent::Match(_) => "match",
        }
    }

    /// The JSON data.
    pub fn data(&self) -> String {
        match self {
            LiveEvent::Snapshot(s) => serde_json::to_string(s),
            LiveEvent::Match(m) => serde_json::to_string(m),
        }
        .unwrap_or_default()
    }
}

/// Events a stream buffers before it is dropped as too slow (it can reconnect and gets a
/// fresh snapshot).
const BUFFER: usize = 256;

#[derive(Debug)]
struct Sub {
    freelancer: i64,
    user_id: i64,
    k: usize,
    /// (score, job row id), best first, at most k.
    top: Vec<(f64, i64)>,
    tx: mpsc::Sender<LiveEvent>,
}

impl Sub {
    /// The cached k-th best score (`None` while fewer than k jobs are cached).
    fn threshold(&self) -> Option<f64> {
        self.kth().map(|(score, _)| score)
    }

    /// The cached k-th best (score, job).
    fn kth(&self) -> Option<(f64, i64)> {
        (self.top.len() >= self.k).then(|| self.top[self.k - 1])
    }
}

/// Whether job `a` ranks ahead of job `b` in the engine's order: the higher score, then the
/// smaller external id.
fn ahead(a: (f64, i64), b: (f64, i64)) -> bool {
    a.0 > b.0 || (a.0 == b.0 && Kind::Job.id(a.1) < Kind::Job.id(b.1))
}

#[derive(Debug)]
struct Inner {
    engine: Engine,
    db: Pool,
    clock: Arc<dyn Clock>,
    metrics: Arc<Metrics>,
    subs: Mutex<HashMap<u64, Sub>>,
    next: AtomicU64,
    fanouts: Mutex<Vec<(i64, Fanout)>>,
    /// The host's write lock: logging pushes waits its turn like any write.
    write_lock: Arc<tokio::sync::Mutex<()>>,
}

/// The connected streams and their cached top-k lists.
#[derive(Debug, Clone)]
pub struct LiveHub {
    inner: Arc<Inner>,
}

/// A connected stream: its events, and its registration (dropped with it).
#[derive(Debug)]
pub struct Subscription {
    /// The stream's events.
    pub events: mpsc::Receiver<LiveEvent>,
    _guard: Unsubscribe,
}

#[derive(Debug)]
struct Unsubscribe {
    inner: Arc<Inner>,
    id: u64,
}

impl Drop for Unsubscribe {
    fn drop(&mut self) {
        let mut subs = self.inner.subs.lock();
        subs.remove(&self.id);
        self.inner.metrics.live_subscribers(subs.len());
    }
}

/// One event pushed, as logged.
#[derive(Debug, Clone)]
struct Push {
    request_id: String,
    user: i64,
    freelancer: i64,
    score: f64,
    rank: usize,
    k: usize,
}

/// What one fan-out did.
#[derive(Debug, Clone, Default)]
pub struct Fanout {
    /// Streams compared.
    pub subscribers: usize,
    /// Events pushed.
    pub events: usize,
    /// Seconds from the notice to the last event queued.
    pub seconds: f64,
}

/// Blocking: freelancer `fid`'s top `k` jobs at `now` as (score, job row id).
fn top_jobs(engine: &Engine, fid: i64, k: usize, now: i64) -> ApiResult<Vec<(f64, i64)>> {
    let opts = RecommendOptions {
        k,
        explain: false,
        now: Some(to_datetime(now)),
        ..RecommendOptions::default()
    };
    let recs = engine.recommend_jobs(&Kind::Freelancer.id(fid), &opts)?;
    recs.matches
        .into_iter()
        .map(|m| Ok((m.score, Kind::Job.parse(&m.id)?)))
        .collect()
}

impl LiveHub {
    /// An empty hub.
    pub fn new(
        engine: Engine,
        db: Pool,
        clock: Arc<dyn Clock>,
        metrics: Arc<Metrics>,
        write_lock: Arc<tokio::sync::Mutex<()>>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine,
                db,
                clock,
                metrics,
                subs: Mutex::new(HashMap::new()),
                next: AtomicU64::new(1),
                fanouts: Mutex::new(Vec::new()),
                write_lock,
            }),
        }
    }

    /// Connected streams.
    pub fn subscribers(&self) -> usize {
        self.inner.subs.lock().len()
    }

    /// Opens a stream for freelancer `fid` (account `user_id`) watching its top `k`; the first
    /// event is the current list.
    pub async fn subscribe(&self, fid: i64, user_id: i64, k: usize) -> ApiResult<Subscription> {
        let (engine, now) = (self.inner.engine.clone(), self.inner.clock.now());
        let top = tokio::task::spawn_blocking(move || top_jobs(&engine, fid, k, now)).await??;
        let (tx, rx) = mpsc::channel(BUFFER);
        let snapshot = LiveSnapshot {
            k,
            top: top
                .iter()
                .map(|(score, j)| TopEntry {
                    job_id: Kind::Job.id(*j),
                    score: *score,
                })
                .collect(),
        };
        tx.try_send(LiveEvent::Snapshot(snapshot))
            .map_err(|_| ApiError::internal("a new live-match channel is full"))?;
        let id = self.inner.next.fetch_add(1, Ordering::Relaxed);
        let mut subs = self.inner.subs.lock();
        subs.insert(
            id,
            Sub {
                freelancer: fid,
                user_id,
                k,
                top,
                tx,
            },
        );
        self.inner.metrics.live_subscribers(subs.len());
        Ok(Subscription {
            events: rx,
            _guard: Unsubscribe {
                inner: self.inner.clone(),
                id,
            },
        })
    }

    /// The fan-out of job `job`, if it was among the last 64 opened while streams were
    /// connected (for measurements).
    pub fn fanout_of(&self, job: i64) -> Option<Fanout> {
        self.inner
            .fanouts
            .lock()
            .iter()
            .rev()
            .find(|(j, _)| *j == job)
            .map(|(_, f)| f.clone())
    }

    /// Ends every stream (at shutdown).
    pub fn close_all(&self) {
        self.inner.subs.lock().clear();
        self.inner.metrics.live_subscribers(0);
    }

    /// Reacts to a committed change (in a background task; never blocks the writer).
    pub fn notify(&self, n: Notice) {
        if self.subscribers() == 0 {
            return;
        }
        let hub = self.clone();
        let started = Instant::now();
        tokio::spawn(async move {
            let r = match n {
                Notice::JobOpened(job) => hub.job_opened(job, started).await.map(|_| ()),
                Notice::JobChanged(job) => {
                    hub.refresh(|s| s.top.iter().any(|(_, j)| *j == job)).await
                }
                Notice::FreelancerChanged(fid) => hub.refresh(|s| s.freelancer == fid).await,
            };
            if let Err(e) = r {
                tracing::warn!("live matches: {n:?}: {e}");
            }
        });
    }

    /// Recomputes the cached lists of the streams `which` selects.
    async fn refresh(&self, which: impl Fn(&Sub) -> bool) -> ApiResult<()> {
        let targets: Vec<(u64, i64, usize)> = self
            .inner
            .subs
            .lock()
            .iter()
            .filter(|(_, s)| which(s))
            .map(|(id, s)| (*id, s.freelancer, s.k))
            .collect();
        for (id, fid, k) in targets {
            let (engine, now) = (self.inner.engine.clone(), self.inner.clock.now());
            let top = tokio::task::spawn_blocking(move || top_jobs(&engine, fid, k, now)).await??;
            if let Some(s) = self.inner.subs.lock().get_mut(&id) {
                s.top = top;
            }
        }
        Ok(())
    }

    /// Pushes job `job` to every stream whose top k it enters (see the module docs).
    pub async fn job_opened(&self, job: i64, started: Instant) -> ApiResult<Fanout> {
        let snapshot: Vec<(i64, Option<f64>)> = self
            .inner
            .subs
            .lock()
            .values()
            .map(|s| (s.freelancer, s.threshold()))
            .collect();
        if snapshot.is_empty() {
            return Ok(Fanout::default());
        }
        let min_score = snapshot
            .iter()
            .map(|(_, t)| t.unwrap_or(0.0))
            .fold(1.0f64, f64::min)
            .max(0.0);
        let mut connected: Vec<i64> = snapshot.iter().map(|(f, _)| *f).collect();
        connected.sort_unstable();
        connected.dedup();
        tracing::debug!("live: job {job} opened, {} streams", snapshot.len());
        let title = sqlx::query_scalar::<_, String>("SELECT body FROM jobs WHERE id = $1")
            .bind(job)
            .fetch_optional(&self.inner.db)
            .await?
            .and_then(|b| serde_json::from_str::<crate::model::JobBody>(&b).ok())
            .map(|b| b.title)
            .unwrap_or_default();
        let (engine, now) = (self.inner.engine.clone(), self.inner.clock.now());
        tracing::debug!("live: ranking freelancers for job {job} (min score {min_score})");
        let scores = tokio::task::spawn_blocking(move || {
            job_side_scores(&engine, job, &connected, min_score, now)
        })
        .await??;
        tracing::debug!(
            "live: {} connected freelancers scored for job {job}",
            scores.len()
        );

        let mut pushes = Vec::new();
        let mut dropped = Vec::new();
        {
            let mut subs = self.inner.subs.lock();
            for (id, s) in subs.iter_mut() {
                let Some(&score) = scores.get(&s.freelancer) else {
                    continue;
                };
                if s.top.iter().any(|(_, j)| *j == job) {
                    continue;
                }
                if s.kth().is_some_and(|kth| !ahead((score, job), kth)) {
                    continue;
                }
                let rank = s.top.iter().filter(|e| ahead(**e, (score, job))).count() + 1;
                s.top.insert(rank - 1, (score, job));
                s.top.truncate(s.k);
                let request_id = new_request_id();
                let ev = LiveMatch {
                    job_id: Kind::Job.id(job),
                    title: title.clone(),
                    score,
                    rank,
                    k: s.k,
                    request_id: request_id.clone(),
                };
                match s.tx.try_send(LiveEvent::Match(ev)) {
                    Ok(()) => pushes.push(Push {
                        request_id,
                        user: s.user_id,
                        freelancer: s.freelancer,
                        score,
                        rank,
                        k: s.k,
                    }),
                    Err(_) => dropped.push(*id),
                }
            }
            for id in &dropped {
                subs.remove(id);
            }
            self.inner.metrics.live_subscribers(subs.len());
        }
        let fanout = Fanout {
            subscribers: snapshot.len(),
            events: pushes.len(),
            seconds: started.elapsed().as_secs_f64(),
        };
        self.inner
            .metrics
            .live_fanout(fanout.events, fanout.seconds);
        {
            let mut recent = self.inner.fanouts.lock();
            if recent.len() == 64 {
                recent.remove(0);
            }
            recent.push((job, fanout.clone()));
        }
        self.log_pushes(job, now, &pushes).await?;
        Ok(fanout)
    }

    /// Records each push as a served one-job list (request + impression), in multi-row
    /// inserts: a job can reach tens of thousands of streams, and one statement per row would
    /// hold SQLite's write lock for a second.
    async fn log_pushes(&self, job: i64, now: i64, pushes: &[Push]) -> ApiResult<()> {
        const COLUMNS: &[&str] = &[
            "id",
            "direction",
            "viewer_id",
            "job_id",
            "freelancer_id",
            "preset",
            "k",
            "at",
        ];
        if pushes.is_empty() {
            return Ok(());
        }
        // Under the host's write lock: API writes then queue in order instead of meeting
        // SQLite's busy back-off.
        let started = Instant::now();
        let _turn = self.inner.write_lock.lock().await;
        let mut tx = self.inner.db.begin().await?;
        for chunk in pushes.chunks(500) {
            let mut q = sqlx::query(crate::db::insert_many("rec_requests", COLUMNS, chunk.len()));
            for p in chunk {
                q = q
                    .bind(&p.request_id)
                    .bind("live_match")
                    .bind(p.user)
                    .bind(job)
                    .bind(p.freelancer)
                    .bind("default")
                    .bind(p.k as i64)
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
            let shown: Vec<Impression<'_>> = chunk
                .iter()
                .map(|p| Impression {
                    request_id: &p.request_id,
                    position: p.rank,
                    job,
                    freelancer: p.freelancer,
                    score: p.score,
                })
                .collect();
            log_impressions(&mut tx, &shown).await?;
        }
        tx.commit().await?;
        tracing::debug!(
            "live: {} pushes of job {job} logged in {:.0} ms",
            pushes.len(),
            started.elapsed().as_secs_f64() * 1e3
        );
        self.inner
            .metrics
            .recommendation("live_match", pushes.len());
        Ok(())
    }
}

/// Blocking: the scores of `connected` freelancers for job `job` at or above `min_score`,
/// from one ranking of freelancers for the job. The engine returns at most 10,000 results
/// per call, so a longer ranking is read in pages (each excluding the ids already read).
fn job_side_scores(
    engine: &Engine,
    job: i64,
    connected: &[i64],
    min_score: f64,
    now: i64,
) -> ApiResult<HashMap<i64, f64>> {
    const PAGE: usize = 10_000;
    let job_id = Kind::Job.id(job);
    let mut opts = RecommendOptions {
        k: PAGE,
        min_score,
        explain: false,
        now: Some(to_datetime(now)),
        ..RecommendOptions::default()
    };
    let mut all: HashMap<i64, f64> = HashMap::new();
    loop {
        let recs = engine.recommend_freelancers(&job_id, &opts)?;
        let full = recs.matches.len() == PAGE;
        for m in recs.matches {
            all.insert(Kind::Freelancer.parse(&m.id)?, m.score);
            if full {
                opts.filters.exclude_ids.push(m.id);
            }
        }
        if !full {
            break;
        }
    }
    Ok(connected
        .iter()
        .filter_map(|f| all.get(f).map(|s| (*f, *s)))
        .collect())
}

/// A new served-list id: `rq_` and 128 random bits in hex.
pub fn new_request_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    format!("rq_{}", crate::auth::hex(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_smaller_external_id() {
        assert!(ahead((0.8, 1), (0.7, 2)));
        assert!(!ahead((0.7, 1), (0.8, 2)));
        // "j10" < "j9" as text: the engine's tie-break is the external id, not the row.
        assert!(ahead((0.5, 10), (0.5, 9)));
        assert!(!ahead((0.5, 9), (0.5, 10)));
        assert!(!ahead((0.5, 9), (0.5, 9)));
    }
}
