//! The marketplace's timers, driven by the host's clock: a delivery nobody answers is
//! accepted 14 days after it, and a contract's reviews are published 7 days after completion
//! whether or not both parties wrote one; expired sessions are deleted. A background task
//! runs them every `--timer-interval` seconds; each fires at its due time, not at the time
//! the sweep happens to run, so a host that was down catches up with the right timestamps.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ApiResult;
use crate::host::Host;
use crate::service::{accounts, contracts};

/// What one sweep did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TimerRun {
    /// Deliveries accepted automatically.
    pub auto_accepted: usize,
    /// Contracts whose reviews were published by the 7-day timer.
    pub reviews_published: usize,
    /// Expired sessions deleted.
    pub sessions_purged: u64,
}

/// Fires every timer due at the clock's current time.
pub async fn run_due(host: &Host) -> ApiResult<TimerRun> {
    let now = host.now();
    let mut run = TimerRun::default();
    loop {
        let (accept, publish) = contracts::due(&host.db, now, &host.rules, 500).await?;
        let mut fired = 0;
        for id in accept {
            if contracts::auto_accept(host, id, now).await? {
                run.auto_accepted += 1;
                fired += 1;
            }
        }
        for id in publish {
            if contracts::expire_reviews(host, id, now).await? {
                run.reviews_published += 1;
                fired += 1;
            }
        }
        // An auto-accepted contract may be due for publication in the same sweep.
        if fired == 0 {
            break;
        }
    }
    run.sessions_purged = accounts::purge_sessions(host, now).await?;
    Ok(run)
}

/// Runs [`run_due`] every `every` (the first time `every` from now) until the host is
/// dropped. The host runs it once itself before it starts serving.
pub fn spawn(host: &Arc<Host>, every: Duration) -> tokio::task::JoinHandle<()> {
    let weak = Arc::downgrade(host);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let Some(host) = weak.upgrade() else { break };
            match run_due(&host).await {
                Ok(r) if r != TimerRun::default() => tracing::info!("timers: {r:?}"),
                Ok(_) => {}
                Err(e) => tracing::warn!("timers: {e}"),
            }
        }
    })
}
