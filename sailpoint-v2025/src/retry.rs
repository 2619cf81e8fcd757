//! Retry policy: which failures are retried, and how long to wait between attempts.
//!
//! Retrying `POST /accounts/{id}/classify` is safe because the operation is idempotent: asking
//! twice for the same account and mode leaves the account classified the same way and returns
//! the same answer. That is why this SDK retries this POST, unlike SailPoint's other SDKs.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

/// How the client retries failed calls.
///
/// Retried: `429 Too Many Requests` (after the server's `Retry-After`, when it is at most
/// [`max_retry_after`](Self::max_retry_after)); 5xx statuses except `501 Not Implemented`;
/// connection failures and timeouts. Never retried: 400, 403, 404 and other 4xx statuses.
/// A `401` is handled separately: the client refreshes its token once and retries once.
///
/// Between attempts the client waits with capped exponential backoff and jitter:
/// attempt *n* (counting from 1) waits a random duration between half and all of
/// `min(max_backoff, initial_backoff × 2^(n-1))`.
///
/// When the attempts run out, the last attempt's typed error is returned.
///
/// ```
/// use std::time::Duration;
/// use sailpoint_v2025::RetryConfig;
///
/// let patient = RetryConfig::default()
///     .max_attempts(8)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(30))
///     .max_retry_after(Duration::from_secs(300));
/// assert_eq!(patient.get_max_attempts(), 8);
/// assert_eq!(RetryConfig::disabled().get_max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
}

impl Default for RetryConfig {
    /// 5 attempts, backoff from 200 ms up to 20 s, and `Retry-After` waits of up to 120 s
    /// (ISC's rate-limit windows are 10 s; escalated waits of minutes are surfaced instead).
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries: every call makes exactly one attempt (plus the one retry after a token
    /// refresh on `401`, which is part of authentication, not of retrying).
    pub fn disabled() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Maximum number of attempts, including the first (at least 1; 0 is treated as 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// The base wait before the second attempt; it doubles for each further attempt.
    pub fn initial_backoff(mut self, backoff: Duration) -> Self {
        self.initial_backoff = backoff;
        self
    }

    /// The cap of the exponential backoff.
    pub fn max_backoff(mut self, backoff: Duration) -> Self {
        self.max_backoff = backoff;
        self
    }

    /// The longest `Retry-After` the client waits out. A 429 asking for longer is returned to
    /// the caller at once as [`Error::TooManyRequests`](crate::Error::TooManyRequests) with its
    /// `retry_after`, because ISC requires the full wait and escalates repeated violations.
    /// Any 429 with a `Retry-After` also pauses every other call of the client (and its clones)
    /// for that long (at most an hour), so a bulk run does not keep hitting the limit.
    pub fn max_retry_after(mut self, wait: Duration) -> Self {
        self.max_retry_after = wait;
        self
    }

    /// The configured maximum number of attempts.
    pub fn get_max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The configured longest `Retry-After` wait.
    pub fn get_max_retry_after(&self) -> Duration {
        self.max_retry_after
    }

    /// The backoff before attempt `next_attempt` (2 for the first retry), with jitter.
    pub(crate) fn backoff(&self, next_attempt: u32) -> Duration {
        let exponent = next_attempt.saturating_sub(2).min(30);
        let base = self
            .initial_backoff
            .saturating_mul(1u32 << exponent)
            .min(self.max_backoff);
        // "Equal jitter": never less than half the base, so retries still back off, while
        // spreading clients that failed together.
        let half = base / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Whether a status is worth another attempt (429 is handled by the caller with
/// `Retry-After`).
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// Parses `Retry-After`: delay-seconds (`"5"`) or an HTTP-date (`"Wed, 21 Oct 2015 07:28:00
/// GMT"`); a date in the past means "now". Anything else is ignored.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // `try_`: an absurd value such as `1e300` is ignored instead of panicking.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let date = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let at = SystemTime::from(date);
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn headers(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, HeaderValue::from_str(value).expect("header"));
        h
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        assert_eq!(
            parse_retry_after(&headers("7")),
            Some(Duration::from_secs(7))
        );
        assert_eq!(parse_retry_after(&headers(" 0 ")), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after(&headers("Wed, 21 Oct 2015 07:28:00 GMT")),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
        let future = chrono::Utc::now() + chrono::Duration::seconds(90);
        let wait = parse_retry_after(&headers(&future.to_rfc2822())).expect("date parses");
        assert!(wait > Duration::from_secs(80) && wait <= Duration::from_secs(90));
        assert_eq!(parse_retry_after(&headers("soon")), None);
        assert_eq!(parse_retry_after(&headers("-3")), None);
        assert_eq!(parse_retry_after(&headers("1e300")), None);
        assert_eq!(parse_retry_after(&headers("NaN")), None);
        assert_eq!(
            parse_retry_after(&headers("1.5")),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            parse_retry_after(&headers("18446744073709551615")),
            Some(Duration::from_secs(u64::MAX))
        );
        assert_eq!(parse_retry_after(&HeaderMap::new()), None);
    }

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let config = RetryConfig::default()
            .initial_backoff(Duration::from_millis(100))
            .max_backoff(Duration::from_millis(350));
        for _ in 0..100 {
            let first = config.backoff(2);
            assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
            let second = config.backoff(3);
            assert!(second >= Duration::from_millis(100) && second <= Duration::from_millis(200));
            let capped = config.backoff(30);
            assert!(capped >= Duration::from_millis(175) && capped <= Duration::from_millis(350));
        }
    }

    #[test]
    fn retryable_statuses() {
        assert!(is_retryable_status(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_retryable_status(StatusCode::INTERNAL_SERVER_ERROR));
        assert!(is_retryable_status(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_retryable_status(StatusCode::NOT_IMPLEMENTED));
        for status in [400, 401, 403, 404, 409] {
            assert!(!is_retryable_status(
                StatusCode::from_u16(status).expect("status")
            ));
        }
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryConfig::default().max_attempts(0).get_max_attempts(), 1);
    }
}
