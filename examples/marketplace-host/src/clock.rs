//! The host's one source of time. Every timestamp the host stores, every timer (auto-accept
//! after 14 days, review publication after 7) and every `now` the engine scores with comes
//! from a [`Clock`], so tests move time instead of waiting for it.
//!
//! Times are whole Unix seconds ([`Ts`]): the database stores them as `BIGINT`, and the
//! engine receives the same whole second, so a rebuild from the database sees exactly the
//! times the running host used.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

/// A point in time as whole Unix seconds (the unit of every stored timestamp).
pub type Ts = i64;

/// One day in seconds.
pub const DAY: Ts = 86_400;

/// Where the host reads the time.
pub trait Clock: Send + Sync + std::fmt::Debug + 'static {
    /// The current time, in whole seconds.
    fn now(&self) -> Ts;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Ts {
        Utc::now().timestamp()
    }
}

/// A clock that only moves when told to (tests, reproducible demos).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Ts>>);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Ts) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    /// Moves the clock forward by `seconds` (a negative value moves it back).
    pub fn advance(&self, seconds: Ts) {
        *self.0.lock() += seconds;
    }

    /// Sets the clock.
    pub fn set(&self, t: Ts) {
        *self.0.lock() = t;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Ts {
        *self.0.lock()
    }
}

/// A whole-second time as a `DateTime` (out-of-range values clamp to the epoch).
pub fn to_datetime(t: Ts) -> DateTime<Utc> {
    DateTime::from_timestamp(t, 0).unwrap_or_default()
}

/// RFC 3339 text of a whole-second time (`2026-11-30T12:00:00Z`).
pub fn rfc3339(t: Ts) -> String {
    to_datetime(t).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(1_000);
        assert_eq!(c.now(), 1_000);
        c.advance(DAY);
        assert_eq!(c.now(), 1_000 + DAY);
        c.set(5);
        assert_eq!(c.now(), 5);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
