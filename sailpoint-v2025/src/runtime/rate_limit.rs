//! Client-side rate limiting, shared by every clone of a [`Client`](crate::Client).
//!
//! ISC allows 100 requests per `client_id` per API version per 10 seconds and escalates the wait
//! (to minutes) after repeated violations, so pacing requests is faster than flooding the API and
//! waiting out 429s. The pacing itself is [`governor`]'s GCRA; this module adds the shared pause
//! after a 429.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use governor::{DefaultDirectRateLimiter, Quota};
use tokio::time::Instant;

use crate::Error;

/// A client-side rate limit: at most `requests` per `period`, spread evenly.
///
/// The default is ISC's documented limit, 100 requests per 10 seconds.
///
/// ```
/// use std::time::Duration;
/// use sailpoint_v2025::RateLimit;
///
/// let isc = RateLimit::default();
/// assert_eq!(isc, RateLimit::new(100, Duration::from_secs(10)));
/// let none = RateLimit::unlimited();
/// assert!(none.is_unlimited());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    limit: Option<(u32, Duration)>,
}

impl Default for RateLimit {
    fn default() -> Self {
        Self::new(100, Duration::from_secs(10))
    }
}

impl RateLimit {
    /// At most `requests` calls per `period` for all clones of a client together.
    ///
    /// The promise, exactly: in any window of length `period` the client sends at most
    /// `requests - 1` requests, so that a request delayed on its way by up to one pacing
    /// interval still leaves the server seeing at most `requests` in any such window. Requests
    /// are paced evenly after a burst of about 2% of `requests` (at least 1); the sustained rate
    /// is about 98% of the limit. Retries and token requests are not counted (the token
    /// endpoint is not rate limited by ISC).
    ///
    /// A zero `requests` or `period`, or a `period` over a year, is reported by [`ClientBuilder::build`](crate::ClientBuilder::build) as
    /// [`Error::Config`](crate::Error::Config).
    pub fn new(requests: u32, period: Duration) -> Self {
        Self {
            limit: Some((requests, period)),
        }
    }

    /// No client-side limit (429s from the server still pause all callers).
    pub fn unlimited() -> Self {
        Self { limit: None }
    }

    /// Whether this is [`RateLimit::unlimited`].
    pub fn is_unlimited(&self) -> bool {
        self.limit.is_none()
    }

    /// `(requests, period)`, or `None` when unlimited (fleet mode's fallback share).
    #[cfg(feature = "redis")]
    pub(crate) fn requests_per_period(&self) -> Option<(u32, Duration)> {
        self.limit
    }

    /// The GCRA quota: burst `b`, then one request every `T = period / (requests - b)`, rounded
    /// up to the nanosecond. GCRA lets `n` requests through only `(n - b) × T` apart or more, so
    /// `n` requests inside a half-open window of `period` need `(n - b) × T < period`, i.e.
    /// `n < b + period / T <= requests`: at most `requests - 1`.
    pub(crate) fn quota(&self) -> Result<Option<Quota>, Error> {
        let Some((interval, burst)) = self.gcra()? else {
            return Ok(None);
        };
        let invalid = || self.invalid();
        let quota = Quota::with_period(interval).ok_or_else(invalid)?;
        let burst = NonZeroU32::new(burst).ok_or_else(invalid)?;
        Ok(Some(quota.allow_burst(burst)))
    }

    /// The GCRA parameters `(T, b)` of [`quota`](Self::quota) (fleet mode evaluates the same
    /// schedule in Redis).
    pub(crate) fn gcra(&self) -> Result<Option<(Duration, u32)>, Error> {
        let Some((requests, period)) = self.limit else {
            return Ok(None);
        };
        // Beyond a year governor's nanosecond arithmetic can overflow (it panics past 584 years,
        // and its schedule adds intervals up); no real limit needs such a window.
        if requests == 0 || period.is_zero() || period > MAX_PERIOD {
            return Err(self.invalid());
        }
        let burst = (requests / 50).max(1);
        let sustained = requests.saturating_sub(burst).max(1);
        let interval_nanos = period.as_nanos().div_ceil(u128::from(sustained));
        let interval =
            Duration::from_nanos(u64::try_from(interval_nanos).map_err(|_| self.invalid())?);
        Ok(Some((interval, burst)))
    }

    fn invalid(&self) -> Error {
        let (requests, period) = self.limit.unwrap_or_default();
        Error::config(
            "rate limit",
            format!("{requests} requests per {period:?} is not a usable limit"),
            "builder .rate_limit()",
        )
    }
}

/// The longest window a [`RateLimit`] may have.
const MAX_PERIOD: Duration = Duration::from_secs(366 * 24 * 3600);

/// The longest shared pause a 429 can impose.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// The shared limiter state of one client and its clones.
pub(crate) struct Limiter {
    pacing: Option<DefaultDirectRateLimiter>,
    /// When the shared pause ends, in nanoseconds after `epoch`; 0 when there never was one.
    /// An atomic, not a lock: every call reads it, and without a pause that is one load.
    paused_until: AtomicU64,
    epoch: Instant,
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
            paused_until: AtomicU64::new(0),
            epoch: Instant::now(),
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
            return shared.acquire(self, longest_wait, deadline).await;
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

    /// When the shared pause ends, if it is still on.
    pub(crate) fn pause_remaining(&self) -> Option<Instant> {
        let nanos = self.paused_until.load(Ordering::Acquire);
        if nanos == 0 {
            return None;
        }
        let until = self.epoch.checked_add(Duration::from_nanos(nanos))?;
        (until > Instant::now()).then_some(until)
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
