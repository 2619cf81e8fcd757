//! The client-side rate limit a client is configured with ([`RateLimit`]) and its GCRA
//! arithmetic, shared by the local limiter (`limiter.rs`) and fleet mode's store.
//!
//! ISC allows 100 requests per `client_id` per API version per 10 seconds and escalates the wait
//! (to minutes) after repeated violations, so pacing requests is faster than flooding the API and
//! waiting out 429s.

use std::num::NonZeroU32;
use std::time::Duration;

use governor::Quota;

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
