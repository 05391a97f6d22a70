//! The state every request shares: the database, the engine, the clock, the write lock, the
//! live-match hub, the login limiter, metrics and the marketplace's fairness policy.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use parking_lot::RwLock;

use fairmatch::{Engine, FairnessOptions};

use crate::auth::LoginLimiter;
use crate::clock::{Clock, DAY, Ts};
use crate::db::Pool;
use crate::engine_sync::{Effects, EngineInput, Write};
use crate::error::ApiResult;
use crate::live::LiveHub;
use crate::metrics::Metrics;

/// Timing and size rules of the marketplace.
#[derive(Debug, Clone)]
pub struct Rules {
    /// How long a login token lives (default 24 h).
    pub token_ttl: Ts,
    /// A delivery nobody answers is accepted after this long (14 days).
    pub auto_accept_after: Ts,
    /// Reviews are written within this long after completion, then published (7 days).
    pub review_window: Ts,
    /// The largest `k` a recommendation request may ask for (100).
    pub max_k: usize,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            token_ttl: DAY,
            auto_accept_after: 14 * DAY,
            review_window: 7 * DAY,
            max_k: 100,
        }
    }
}

/// The shared state (one per running host, behind an `Arc`).
#[derive(Debug)]
pub struct Host {
    /// The database (source of truth).
    pub db: Pool,
    /// The engine, rebuilt from the database at start and updated after each commit.
    pub engine: Engine,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Prometheus metrics.
    pub metrics: Arc<Metrics>,
    /// Connected live-match streams.
    pub live: LiveHub,
    /// Failed-login limits.
    pub limiter: LoginLimiter,
    /// Timing and size rules.
    pub rules: Rules,
    policy: RwLock<Option<FairnessOptions>>,
    write_lock: Arc<tokio::sync::Mutex<()>>,
    dummy_hash: String,
    openapi: OnceLock<String>,
}

impl Host {
    /// Shared state over an opened database and an engine already rebuilt from it.
    pub fn new(
        db: Pool,
        engine: Engine,
        clock: Arc<dyn Clock>,
        rules: Rules,
        policy: Option<FairnessOptions>,
    ) -> Self {
        let metrics = Arc::new(Metrics::new());
        metrics.engine_size(engine.freelancer_count(), engine.job_count());
        let write_lock = Arc::new(tokio::sync::Mutex::new(()));
        let live = LiveHub::new(
            engine.clone(),
            db.clone(),
            clock.clone(),
            metrics.clone(),
            write_lock.clone(),
        );
        Self {
            db,
            engine,
            clock,
            metrics,
            live,
            limiter: LoginLimiter::new(),
            rules,
            policy: RwLock::new(policy),
            write_lock,
            dummy_hash: crate::auth::hash_password("an unguessable dummy password")
                .unwrap_or_default(),
            openapi: OnceLock::new(),
        }
    }

    /// The OpenAPI document (JSON), set once the router is built.
    pub fn openapi(&self) -> &str {
        self.openapi.get().map_or("{}", String::as_str)
    }

    /// Stores the OpenAPI document (the first call wins).
    pub fn set_openapi(&self, json: String) {
        let _ = self.openapi.set(json);
    }

    /// The current time (whole seconds).
    pub fn now(&self) -> Ts {
        self.clock.now()
    }

    /// A password hash that matches nothing, verified for unknown emails so that their
    /// logins cost the same as wrong passwords.
    pub fn dummy_hash(&self) -> &str {
        &self.dummy_hash
    }

    /// The marketplace's fairness policy for freelancer recommendations (none by default).
    pub fn policy(&self) -> Option<FairnessOptions> {
        self.policy.read().clone()
    }

    /// Replaces the cached policy (after the settings row committed).
    pub fn set_policy(&self, p: Option<FairnessOptions>) {
        *self.policy.write() = p;
    }

    /// Starts a write: takes the write lock (one writer at a time, so commit order is engine
    /// order) and opens a transaction. Dropping it without [`WriteTx::commit`] rolls back.
    pub async fn begin_write(&self) -> ApiResult<WriteTx<'_>> {
        let guard = self.write_lock.lock().await;
        let tx = self.db.begin().await?;
        Ok(WriteTx {
            host: self,
            _guard: guard,
            w: Write {
                tx,
                fx: Effects::default(),
            },
        })
    }

    /// Holds the write lock (no write commits meanwhile) while `f` runs.
    pub async fn with_writes_paused<T>(&self, f: impl AsyncFnOnce() -> T) -> T {
        let _guard = self.write_lock.lock().await;
        f().await
    }

    /// Applies committed effects: engine inputs in order, then notices. An engine error here
    /// means the database holds something the engine rejects — a bug, since every input was
    /// validated before the commit — so it is logged and counted, and `/healthz` reports it.
    fn apply(&self, fx: Effects) {
        for input in &fx.inputs {
            if let Err(e) = input.apply(&self.engine) {
                tracing::error!("engine rejected a committed input: {e}; input: {input:?}");
                self.metrics.sync_failure();
            }
            if let EngineInput::Outcome(o) = input {
                self.metrics.outcome(o.kind);
            }
        }
        self.metrics
            .engine_size(self.engine.freelancer_count(), self.engine.job_count());
        for n in fx.notices {
            self.live.notify(n);
        }
    }
}

/// A write under the host's write lock; commit it to apply its effects.
#[derive(Debug)]
pub struct WriteTx<'h> {
    host: &'h Host,
    _guard: tokio::sync::MutexGuard<'h, ()>,
    w: Write,
}

impl WriteTx<'_> {
    /// Commits the transaction, then applies its effects to the engine and the live hub
    /// (still under the write lock).
    pub async fn commit(self) -> ApiResult<()> {
        let WriteTx { host, _guard, w } = self;
        w.tx.commit().await?;
        host.apply(w.fx);
        Ok(())
    }
}

impl Deref for WriteTx<'_> {
    type Target = Write;
    fn deref(&self) -> &Write {
        &self.w
    }
}

impl DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut Write {
        &mut self.w
    }
}
