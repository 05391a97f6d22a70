//! Starting and stopping a host: open (and migrate) the database, rebuild the engine from it,
//! bootstrap the admin, seed the demo if asked, serve on 127.0.0.1, run the timers.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::clock::Clock;
use crate::db::{self, Synchronous};
use crate::demo::{DemoAccounts, DemoConfig};
use crate::host::{Host, Rules};
use crate::service::{accounts, admin};
use crate::{api, demo, engine_sync, timers};

/// How to run a host.
#[derive(Debug, Clone)]
pub struct Config {
    /// A SQLite file path, or a database URL.
    pub db: String,
    /// The port on 127.0.0.1 (0 = any free port).
    pub port: u16,
    /// The admin to bootstrap: (email, password).
    pub admin: Option<(String, String)>,
    /// Timing and size rules.
    pub rules: Rules,
    /// How often the timers run.
    pub timer_interval: Duration,
    /// Database connections.
    pub max_connections: u32,
    /// SQLite commit durability.
    pub synchronous: Synchronous,
    /// Seed a demo marketplace into an empty database.
    pub demo: Option<DemoConfig>,
}

impl Config {
    /// Defaults for database `db` on `port`.
    pub fn new(db: impl Into<String>, port: u16) -> Self {
        Self {
            db: db.into(),
            port,
            admin: None,
            rules: Rules::default(),
            timer_interval: Duration::from_secs(60),
            max_connections: 8,
            synchronous: Synchronous::Normal,
            demo: None,
        }
    }
}

/// A running host.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its shared state (for in-process tests and tools).
    pub host: Arc<Host>,
    /// Journal entries replayed at start.
    pub replayed: u64,
    /// The demo accounts, when the demo was seeded (or found) at start.
    pub demo: Option<DemoAccounts>,
    shutdown: Option<oneshot::Sender<()>>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    timers: tokio::task::JoinHandle<()>,
}

impl Running {
    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops accepting requests, ends live streams, waits for requests in flight.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        self.host.live.close_all();
        self.timers.abort();
        match (&mut self.server).await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Serves until Ctrl-C (SIGINT) or SIGTERM, then shuts down.
    pub async fn serve_until_signal(self) -> std::io::Result<()> {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        ctrl_c.await?;
        self.shutdown().await
    }
}

/// Opens the database, rebuilds the engine, bootstraps the admin, seeds the demo (into an
/// empty database), and starts serving on 127.0.0.1.
pub async fn start(config: Config, clock: Arc<dyn Clock>) -> Result<Running, String> {
    let pool = db::open(&config.db, config.max_connections, config.synchronous)
        .await
        .map_err(|e| format!("database `{}`: {e}", config.db))?;
    let (engine, replayed) = engine_sync::rebuild(&pool).await?;
    let policy = {
        let mut conn = pool.acquire().await.map_err(|e| e.to_string())?;
        admin::load_policy(&mut conn)
            .await
            .map_err(|e| e.to_string())?
    };
    let host = Arc::new(Host::new(pool, engine, clock, config.rules.clone(), policy));
    if let Some((email, password)) = &config.admin {
        accounts::bootstrap_admin(&host, email, password)
            .await
            .map_err(|e| format!("--admin: {e}"))?;
    }
    let demo = match &config.demo {
        Some(d) => Some(
            demo::seed(&host, d)
                .await
                .map_err(|e| format!("demo: {e}"))?,
        ),
        None => None,
    };
    // Timers that fell due while the host was down fire now, at their due times, before the
    // first request is served.
    let caught_up = timers::run_due(&host)
        .await
        .map_err(|e| format!("timers: {e}"))?;
    if caught_up != timers::TimerRun::default() {
        tracing::info!("timers at start: {caught_up:?}");
    }
    let (router, doc) = api::router(host.clone());
    host.set_openapi(doc.to_json().map_err(|e| e.to_string())?);
    let listener = TcpListener::bind(("127.0.0.1", config.port))
        .await
        .map_err(|e| format!("cannot listen on 127.0.0.1:{}: {e}", config.port))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let (tx, rx) = oneshot::channel::<()>();
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let server = tokio::spawn(async move {
        axum::serve(listener, service)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
    });
    let timers = timers::spawn(&host, config.timer_interval);
    Ok(Running {
        addr,
        host,
        replayed,
        demo,
        shutdown: Some(tx),
        server,
        timers,
    })
}
