//! Retry policy: the one place that decides which failures are retried, and how long to wait
//! between attempts.
//!
//! # Idempotent and non-idempotent operations
//!
//! Every operation the [`Client`](crate::Client) runs declares whether it is idempotent.
//!
//! * **Idempotent** operations are retried on every retryable failure ([`is_retryable`]): 429,
//!   5xx except 501, timeouts, connection failures, transient token-endpoint failures. Asking
//!   twice has the same effect as asking once. `POST /accounts/{id}/classify` is one: asking
//!   twice for the same account and mode leaves the account classified the same way and returns
//!   the same answer. That is why this SDK retries this POST, unlike SailPoint's other SDKs.
//! * **Non-idempotent** operations are retried only when the request provably did not reach
//!   the server's processing: a connection that could not be established, a token that could
//!   not be obtained (the API request was never sent), and a 429 (ISC rejects it before
//!   processing). A timeout, a reset connection or a 5xx may have come after the server acted,
//!   so those are returned to the caller.
//!
//! In both cases a 401 gets one token refresh and one more try (the request was rejected before
//! processing), and a request that cannot be built is never retried.

use std::time::{Duration, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

use crate::Error;

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
/// Every call also has a total [`deadline`](Self::deadline) (default 5 minutes) covering its
/// attempts, the waits between them, `Retry-After` pauses and rate-limit waits; past it the
/// call fails with [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded).
/// Idempotent operations (classification is one) are retried on every failure for which
/// [`Error::is_retryable`](crate::Error::is_retryable) is true; non-idempotent ones only when
/// the request provably did not reach the server (a refused connection, no token, a 429).
///
/// ```
/// use std::time::Duration;
/// use sailpoint_v2025::RetryConfig;
///
/// let patient = RetryConfig::default()
///     .max_attempts(8)
///     .initial_backoff(Duration::from_millis(500))
///     .max_backoff(Duration::from_secs(30))
///     .max_retry_after(Duration::from_secs(300))
///     .deadline(Duration::from_secs(900));
/// assert_eq!(patient.get_max_attempts(), 8);
/// assert_eq!(patient.get_deadline(), Duration::from_secs(900));
/// assert_eq!(RetryConfig::default().get_deadline(), sailpoint_v2025::DEFAULT_DEADLINE);
/// assert_eq!(RetryConfig::disabled().get_max_attempts(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryConfig {
    max_attempts: u32,
    initial_backoff: Duration,
    max_backoff: Duration,
    max_retry_after: Duration,
    deadline: Duration,
}

/// The default total deadline of one call.
pub const DEFAULT_DEADLINE: Duration = Duration::from_secs(300);

impl Default for RetryConfig {
    /// 5 attempts, backoff from 200 ms up to 20 s, `Retry-After` waits of up to 120 s (ISC's
    /// rate-limit windows are 10 s; escalated waits of minutes are surfaced instead), and a
    /// total deadline of 5 minutes per call ([`DEFAULT_DEADLINE`]).
    fn default() -> Self {
        Self {
            max_attempts: 5,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(20),
            max_retry_after: Duration::from_secs(120),
            deadline: DEFAULT_DEADLINE,
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

    /// The longest one call may take in total (default [`DEFAULT_DEADLINE`], 5 minutes): every
    /// attempt, the backoff between them, `Retry-After` pauses and rate-limit waits. A call
    /// still running then is stopped and fails with
    /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded), carrying the last
    /// attempt's error. A wait that would end past the deadline fails at once instead of
    /// sleeping in vain. `Duration::MAX` means no deadline. Each attempt is bounded separately
    /// by the client's [`timeout`](crate::ClientBuilder::timeout).
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The configured total deadline of one call.
    pub fn get_deadline(&self) -> Duration {
        self.deadline
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
        half + half.mul_f64(crate::runtime::jitter::fraction())
    }
}

/// Whether a status is worth another attempt: 429, and 5xx except 501.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// Whether another attempt of an idempotent call may succeed (the rule behind
/// [`Error::is_retryable`]).
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error {
        Error::TooManyRequests { .. }
        | Error::InternalServerError { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. } => true,
        Error::UnexpectedStatus { status, .. } | Error::InvalidBody { status, .. } => {
            is_retryable_status(*status)
        }
        // No status: the token endpoint could not be reached or did not answer in time.
        // A status: 429 and 5xx are transient; 400/401 (rejected credentials) and a 200 with an
        // unusable token are not.
        Error::Auth { status, .. } => status.is_none_or(is_retryable_status),
        _ => false,
    }
}

/// Whether the request provably did not reach the server's processing, so that even a
/// non-idempotent operation may be retried.
fn was_not_processed(error: &Error) -> bool {
    match error {
        // ISC rejects a rate-limited request before processing it.
        Error::TooManyRequests { .. } => true,
        // No token, so the API request was never sent.
        Error::Auth { .. } => true,
        Error::Transport { source } => source.is_connect(),
        _ => false,
    }
}

/// The retry decision of the execution path: whether `error` is retried for an operation that
/// is (or is not) idempotent. See the module documentation.
pub(crate) fn should_retry(error: &Error, idempotent: bool) -> bool {
    is_retryable(error) && (idempotent || was_not_processed(error))
}

/// Parses `Retry-After`: delay-seconds (`"5"`) or an HTTP-date in any of the three RFC 9110
/// forms (IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, RFC 850 `Sunday, 06-Nov-94 08:49:37
/// GMT`, asctime `Sun Nov  6 08:49:37 1994`). A date is measured against the response's own
/// `Date` header when it has a valid one, so a skewed local clock does not matter; a date in
/// the past means "now". Anything else is ignored.
pub(crate) fn parse_retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // `try_`: an absurd value such as `1e300` is ignored instead of panicking.
        return Duration::try_from_secs_f64(seconds).ok();
    }
    let at = httpdate::parse_http_date(value).ok()?;
    let now = headers
        .get(DATE)
        .and_then(|date| date.to_str().ok())
        .and_then(|date| httpdate::parse_http_date(date.trim()).ok())
        .unwrap_or_else(SystemTime::now);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
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
        let future = SystemTime::now() + Duration::from_secs(90);
        let wait = parse_retry_after(&headers(&httpdate::fmt_http_date(future))).expect("parses");
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
    fn http_dates_in_all_three_forms_are_measured_against_the_date_header() {
        let mut h = HeaderMap::new();
        h.insert(
            DATE,
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        for later in [
            "Sun, 06 Nov 1994 08:50:07 GMT",
            "Sunday, 06-Nov-94 08:50:07 GMT",
            "Sun Nov  6 08:50:07 1994",
        ] {
            h.insert(RETRY_AFTER, HeaderValue::from_static(later));
            assert_eq!(
                parse_retry_after(&h),
                Some(Duration::from_secs(30)),
                "{later}"
            );
        }
    }

    #[test]
    fn non_idempotent_operations_retry_only_what_never_reached_the_server() {
        let unavailable = crate::runtime::response::decode_error(
            StatusCode::SERVICE_UNAVAILABLE,
            None,
            b"",
            &crate::error::redact::Redactor::default(),
        );
        let limited = Error::TooManyRequests {
            body: None,
            retry_after: Some(Duration::from_secs(1)),
            response: None,
        };
        let no_token = Error::Auth {
            status: None,
            message: "token endpoint unreachable".into(),
            source: None,
        };
        let rejected = Error::Auth {
            status: Some(StatusCode::UNAUTHORIZED),
            message: "bad credentials".into(),
            source: None,
        };
        let invalid = Error::InvalidInput {
            what: "request",
            problem: "cannot be built".into(),
        };
        for (error, idempotent, non_idempotent) in [
            (&unavailable, true, false),
            (&limited, true, true),
            (&no_token, true, true),
            (&rejected, false, false),
            (&invalid, false, false),
        ] {
            assert_eq!(should_retry(error, true), idempotent, "{error:?}");
            assert_eq!(should_retry(error, false), non_idempotent, "{error:?}");
            assert_eq!(error.is_retryable(), idempotent, "{error:?}");
        }
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryConfig::default().max_attempts(0).get_max_attempts(), 1);
    }
}
