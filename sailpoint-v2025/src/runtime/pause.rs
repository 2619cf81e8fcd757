//! The pause after a 429, shared by every caller of a client: one atomic instant that the local
//! limiter and fleet mode's store both read and extend.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::time::Instant;

/// The longest shared pause a 429 can impose.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// When the shared pause ends.
pub(crate) struct SharedPause {
    /// When the pause ends, in nanoseconds after `epoch`; 0 when there never was one. An
    /// atomic, not a lock: every call reads it, and without a pause that is one load.
    paused_until: AtomicU64,
    epoch: Instant,
}

impl SharedPause {
    pub(crate) fn new() -> Self {
        Self {
            paused_until: AtomicU64::new(0),
            epoch: Instant::now(),
        }
    }

    /// Makes every caller wait `wait` before its next request.
    pub(crate) fn hold(&self, wait: Duration) {
        // A server may ask for anything; never overflow, never freeze the client for more
        // than an hour.
        let now = Instant::now();
        let until = now
            .checked_add(wait.min(MAX_PAUSE))
            .unwrap_or(now + MAX_PAUSE);
        let nanos = u64::try_from(until.saturating_duration_since(self.epoch).as_nanos())
            .unwrap_or(u64::MAX)
            .max(1);
        // A shorter pause never shortens a longer one.
        self.paused_until.fetch_max(nanos, Ordering::AcqRel);
    }

    /// When the pause ends, if it is still on.
    pub(crate) fn remaining(&self) -> Option<Instant> {
        let nanos = self.paused_until.load(Ordering::Acquire);
        if nanos == 0 {
            return None;
        }
        let until = self.epoch.checked_add(Duration::from_nanos(nanos))?;
        (until > Instant::now()).then_some(until)
    }
}
