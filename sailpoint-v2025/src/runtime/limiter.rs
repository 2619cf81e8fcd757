//! The client's limiter, shared by every clone of a [`Client`](crate::Client): pacing to its
//! [`RateLimit`] (governor's GCRA, or fleet mode's store) and the shared pause after a 429.

use std::fmt;
use std::time::Duration;

use governor::DefaultDirectRateLimiter;
use tokio::time::Instant;

use crate::runtime::pause::SharedPause;
use crate::{Error, RateLimit};

/// The shared limiter state of one client and its clones.
pub(crate) struct Limiter {
    pacing: Option<DefaultDirectRateLimiter>,
    /// The pause after a 429, shared by every caller.
    pause: SharedPause,
    /// Fleet mode: the limit and the pause shared through Redis (runtime/shared_limit).
    #[cfg(feature = "redis")]
    shared: Option<crate::runtime::shared_limit::store::SharedLimiter>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut f = f.debug_struct("Limiter");
        f.field("paced", &self.pacing.is_some());
        // Fleet mode: the store (password redacted) and key.
        #[cfg(feature = "redis")]
        f.field("shared", &self.shared);
        f.finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(limit: &RateLimit) -> Result<Self, Error> {
        Ok(Self {
            pacing: limit.quota()?.map(governor::RateLimiter::direct),
            pause: SharedPause::new(),
            #[cfg(feature = "redis")]
            shared: None,
        })
    }

    /// Fleet mode: pacing and pauses go through the shared store from now on.
    #[cfg(feature = "redis")]
    pub(crate) fn with_shared(
        mut self,
        shared: crate::runtime::shared_limit::store::SharedLimiter,
    ) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Waits until a request may be sent: past any shared pause, then for a pacing slot.
    ///
    /// A pause longer than `longest_wait` is not waited out: its remaining time is returned at
    /// once (the caller fails fast with a 429 instead of blocking). `deadline` bounds how far
    /// ahead a slot is reserved in fleet mode (the caller drops this wait at its deadline).
    pub(crate) async fn acquire(
        &self,
        longest_wait: Duration,
        deadline: Option<Instant>,
    ) -> Result<(), Duration> {
        // Fleet mode: the shared store paces (runtime/shared_limit/store.rs).
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            return shared.acquire(&self.pause, longest_wait, deadline).await;
        }
        #[cfg(not(feature = "redis"))]
        let _ = deadline;
        loop {
            if let Some(until) = self.pause_remaining() {
                let remaining = until.saturating_duration_since(Instant::now());
                if remaining > longest_wait {
                    return Err(remaining);
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            if let Some(pacing) = &self.pacing {
                pacing.until_ready().await;
            }
            // A 429 may have paused everyone while we waited for a slot.
            if self.pause_remaining().is_none() {
                return Ok(());
            }
        }
    }

    /// Why a caller that has to wait waits now: the shared 429 pause, or pacing (for metrics).
    pub(crate) fn wait_reason(&self) -> crate::runtime::metrics::ThrottleReason {
        use crate::runtime::metrics::ThrottleReason;
        if self.pause_remaining().is_some() {
            ThrottleReason::RetryAfter
        } else {
            ThrottleReason::RateLimit
        }
    }

    /// Makes every caller of this client wait `wait` before its next request (after a 429),
    /// and in fleet mode every process of the fleet.
    pub(crate) fn pause(&self, wait: Duration) {
        self.pause_locally(wait);
        #[cfg(feature = "redis")]
        if let Some(shared) = &self.shared {
            shared.publish_pause(wait);
        }
    }

    /// Makes every caller of this client wait `wait` before its next request.
    pub(crate) fn pause_locally(&self, wait: Duration) {
        self.pause.hold(wait);
    }

    /// When the shared pause ends, if it is still on.
    pub(crate) fn pause_remaining(&self) -> Option<Instant> {
        self.pause.remaining()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_limits_are_config_errors() {
        assert!(Limiter::new(&RateLimit::new(0, Duration::from_secs(1))).is_err());
        assert!(Limiter::new(&RateLimit::new(5, Duration::ZERO)).is_err());
        assert!(Limiter::new(&RateLimit::new(1, Duration::from_secs(1))).is_ok());
        assert!(Limiter::new(&RateLimit::unlimited()).is_ok());
        // Values governor cannot represent are errors, not panics.
        let years = Duration::from_secs(600 * 365 * 24 * 3600);
        assert!(Limiter::new(&RateLimit::new(2, years)).is_err());
        assert!(Limiter::new(&RateLimit::new(u32::MAX, Duration::MAX)).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_caller() {
        let limiter = Limiter::new(&RateLimit::unlimited()).expect("valid");
        limiter.pause(Duration::from_secs(2));
        let forever = Duration::MAX;
        let start = Instant::now();
        limiter.acquire(forever, None).await.expect("waits");
        assert!(start.elapsed() >= Duration::from_secs(2));
        // A shorter pause never shortens a longer one.
        limiter.pause(Duration::from_secs(5));
        limiter.pause(Duration::from_secs(1));
        let start = Instant::now();
        limiter.acquire(forever, None).await.expect("waits");
        assert!(start.elapsed() >= Duration::from_secs(5));
        // A pause longer than the caller may wait is not waited out.
        limiter.pause(Duration::from_secs(30));
        let remaining = limiter
            .acquire(Duration::from_secs(1), None)
            .await
            .expect_err("fails fast");
        assert_eq!(remaining, Duration::from_secs(30));
        limiter.acquire(forever, None).await.expect("waits");
        // An absurd Retry-After neither overflows nor pauses for more than an hour.
        limiter.pause(Duration::from_secs(u64::MAX));
        let start = Instant::now();
        limiter.acquire(forever, None).await.expect("waits");
        let paused = start.elapsed();
        assert!(paused >= Duration::from_secs(3599) && paused <= Duration::from_secs(3601));
    }
}
