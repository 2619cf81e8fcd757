//! Client-side rate limiting, shared by every clone of a [`Client`](crate::Client).
//!
//! ISC allows 100 requests per `client_id` per API version per 10 seconds and escalates the wait
//! (to minutes) after repeated violations, so pacing requests is faster than flooding the API and
//! waiting out 429s. The pacing itself is [`governor`]'s GCRA; this module adds the shared pause
//! after a 429.

use std::fmt;
use std::num::NonZeroU32;
use std::sync::Mutex;
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
    /// At most `requests` calls per `period` for all clones of a client together. Requests are
    /// paced evenly (a burst of about 2% of `requests`, at least 1) so that no window of length
    /// `period` ever sees more than `requests - 1` calls; the sustained rate is about 98% of the
    /// limit. A zero `requests` or `period` is reported by
    /// [`ClientBuilder::build`](crate::ClientBuilder::build) as a configuration error.
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

    /// The GCRA quota: burst `b`, then one request every `period / (requests - b)`, so any
    /// window of `period` holds at most `b - 1 + (requests - b)` < `requests` requests.
    fn quota(&self) -> Result<Option<Quota>, Error> {
        let Some((requests, period)) = self.limit else {
            return Ok(None);
        };
        let invalid = || {
            Error::config(
                "rate limit",
                format!("{requests} requests per {period:?} is not a usable limit"),
                "builder .rate_limit()",
            )
        };
        if requests == 0 || period.is_zero() {
            return Err(invalid());
        }
        let burst = (requests / 50).max(1);
        let sustained = requests.saturating_sub(burst).max(1);
        let interval = period / sustained;
        let quota = Quota::with_period(interval).ok_or_else(invalid)?;
        let burst = NonZeroU32::new(burst).ok_or_else(invalid)?;
        Ok(Some(quota.allow_burst(burst)))
    }
}

/// The longest shared pause a 429 can impose.
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// The shared limiter state of one client and its clones.
pub(crate) struct Limiter {
    pacing: Option<DefaultDirectRateLimiter>,
    paused_until: Mutex<Option<Instant>>,
}

impl fmt::Debug for Limiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Limiter")
            .field("paced", &self.pacing.is_some())
            .finish_non_exhaustive()
    }
}

impl Limiter {
    pub(crate) fn new(limit: &RateLimit) -> Result<Self, Error> {
        Ok(Self {
            pacing: limit.quota()?.map(governor::RateLimiter::direct),
            paused_until: Mutex::new(None),
        })
    }

    /// Waits until a request may be sent: past any shared pause, then for a pacing slot.
    pub(crate) async fn acquire(&self) {
        loop {
            self.wait_out_pause().await;
            if let Some(pacing) = &self.pacing {
                pacing.until_ready().await;
            }
            // A 429 may have paused everyone while we waited for a slot.
            if self.pause_remaining().is_none() {
                return;
            }
        }
    }

    /// Makes every caller of this client wait `wait` before its next request (after a 429).
    pub(crate) fn pause(&self, wait: Duration) {
        // A server may ask for anything; never overflow, never freeze the client for more
        // than an hour.
        let now = Instant::now();
        let until = now
            .checked_add(wait.min(MAX_PAUSE))
            .unwrap_or(now + MAX_PAUSE);
        let mut paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        if paused.is_none_or(|current| current < until) {
            *paused = Some(until);
        }
    }

    fn pause_remaining(&self) -> Option<Instant> {
        let paused = self.paused_until.lock().unwrap_or_else(|e| e.into_inner());
        paused.filter(|until| *until > Instant::now())
    }

    async fn wait_out_pause(&self) {
        while let Some(until) = self.pause_remaining() {
            tokio::time::sleep_until(until).await;
        }
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
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_holds_every_caller() {
        let limiter = Limiter::new(&RateLimit::unlimited()).expect("valid");
        limiter.pause(Duration::from_secs(2));
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(2));
        // A shorter pause never shortens a longer one.
        limiter.pause(Duration::from_secs(5));
        limiter.pause(Duration::from_secs(1));
        let start = Instant::now();
        limiter.acquire().await;
        assert!(start.elapsed() >= Duration::from_secs(5));
        // An absurd Retry-After neither overflows nor pauses for more than an hour.
        limiter.pause(Duration::from_secs(u64::MAX));
        let start = Instant::now();
        limiter.acquire().await;
        let paused = start.elapsed();
        assert!(paused >= Duration::from_secs(3599) && paused <= Duration::from_secs(3601));
    }
}
