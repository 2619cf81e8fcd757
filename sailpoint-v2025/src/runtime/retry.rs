//! Retry policy: how long to wait between attempts, and [`decide`], the one function that
//! decides what happens after an attempt that did not return a value.
//!
//! # The decision
//!
//! [`decide`] maps how an attempt ended ([`Outcome`]) and the operation's idempotency to a
//! [`Decision`]: retry after a delay, refresh the token then retry at once, or give up with an
//! error. Its table is in [`decide`]'s documentation (and in [`RetryConfig`]'s, for users).
//!
//! A "retry" still gives up with the error when the attempts ([`RetryConfig::max_attempts`])
//! are used up or the client's [`RetryBudget`] cannot pay for it, and with `DeadlineExceeded`
//! when the wait would end past the call's deadline. Its wait is the server's `Retry-After`
//! (the API's or the token endpoint's) when it sent one, else the exponential backoff.
//!
//! # Idempotent and non-idempotent operations
//!
//! Every operation the [`Client`](crate::Client) runs declares whether it is idempotent.
//! `POST /accounts/{id}/classify` is: asking twice for the same account and mode leaves the
//! account classified the same way and returns the same answer. That is why this SDK retries
//! this POST, unlike SailPoint's other SDKs. Starting a source job is not: it is retried only
//! when the request provably did not reach the server's processing (a connection that was
//! never established, no token, a 429, which ISC answers before processing). A timeout, a reset
//! connection or a 5xx may have come after the server acted, so those are returned.

/// The decision table of [`decide`], shown in this module's and [`RetryConfig`]'s docs (one
/// text, so they cannot drift apart).
macro_rules! decision_table {
    () => {
        "| outcome of the attempt | idempotent operation | non-idempotent operation |\n\
|---|---|---|\n\
| the call's deadline passed during a step (rate-limit wait, token wait, exchange) | give up: `DeadlineExceeded` (with the last retried error) | same |\n\
| the client is paused by an earlier 429 for longer than `max_retry_after` | give up: `TooManyRequests` (`retry_after` = rest of the pause), nothing sent | same |\n\
| the client is paused past the call's deadline | give up: `DeadlineExceeded` (source: that 429), nothing sent | same |\n\
| `401` with a token the client fetches itself, first time in this call | refresh the token, retry at once (no attempt, no budget used) | same |\n\
| `429` with `Retry-After` above `max_retry_after` | give up: the 429 | same |\n\
| `429`; a transient token failure (no token, so nothing was sent); a connection that was never established (refused, connect timeout, DNS, TLS) | retry | retry |\n\
| 5xx except `501`; a timeout or broken connection after the request may have been sent | retry | give up: the error |\n\
| anything else: 400, 401 (again, or a ready token), 403, 404, 501, redirects, rejected credentials, a body too large, a request that cannot be built | give up: the error | same |\n"
    };
}

use std::time::{Duration, SystemTime};

#[cfg(test)]
use reqwest::StatusCode;
use reqwest::header::{DATE, HeaderMap, RETRY_AFTER};

use tokio::time::Instant;

use crate::Error;
use crate::runtime::retry_budget::RetryBudget;
use crate::runtime::retry_budget::RetryTokens;

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
/// What follows a failed attempt, in order (the first row that matches decides):
///
#[doc = decision_table!()]
///
/// A "retry" still gives up with the error when [`max_attempts`](Self::max_attempts) are used
/// up or the [`RetryBudget`] cannot pay for it, and fails with `DeadlineExceeded` when its wait
/// would end past the [`deadline`](Self::deadline).
///
/// Retries also draw on a [`RetryBudget`] shared by the client and its clones (aws-sdk's
/// standard retry quota): when most calls fail, calls stop being retried, so a bulk run
/// against a failing server makes about one attempt per id, not `max_attempts`.
///
/// Every call also has a total [`deadline`](Self::deadline) (default 5 minutes) covering its
/// attempts, the waits between them, `Retry-After` pauses and rate-limit waits; past it the
/// call fails with [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded).
/// Idempotent operations (classification is one) are retried on every failure for which
/// [`Error::is_retryable`](crate::Error::is_retryable) is true; non-idempotent ones only when
/// the request provably did not reach the server (a refused connection, a connect timeout, no
/// token, a 429).
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
    retry_budget: RetryBudget,
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
            retry_budget: RetryBudget::default(),
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

    /// The retry budget shared by the client and its clones (default [`RetryBudget::default`]:
    /// when most calls fail, retries stop after about 100, and come back as calls succeed;
    /// [`RetryBudget::unlimited`] for none). See [`RetryBudget`].
    pub fn retry_budget(mut self, budget: RetryBudget) -> Self {
        self.retry_budget = budget;
        self
    }

    /// The configured retry budget.
    pub fn get_retry_budget(&self) -> RetryBudget {
        self.retry_budget
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

// Which errors are transient is the error's own rule (`error/retryable.rs`): the error module
// does not depend on the runtime.
pub(crate) use crate::error::retryable::is_retryable;
#[cfg(test)]
use crate::error::retryable::is_retryable_status;

/// Whether the request provably did not reach the server's processing, so that even a
/// non-idempotent operation may be retried.
fn was_not_processed(error: &Error) -> bool {
    match error {
        // ISC rejects a rate-limited request before processing it.
        Error::TooManyRequests { .. } => true,
        // No token, so the API request was never sent.
        Error::Auth { .. } => true,
        // A connection that was never established (refused, or a connect timeout) carried
        // nothing.
        Error::Transport { source } | Error::Timeout { source } => source.is_connect(),
        _ => false,
    }
}

/// How one attempt ended, when it did not return a value. `B` is the credential the request
/// was sent with (handed back to be refreshed after a `401`).
#[derive(Debug)]
pub(crate) enum Outcome<B> {
    /// The call's deadline passed during one of the attempt's steps.
    DeadlinePassed,
    /// Nothing was sent: the client is paused by an earlier 429 for `remaining`, longer than
    /// this call may wait.
    Paused {
        /// The rest of the pause.
        remaining: Duration,
    },
    /// Nothing was sent: no token could be had.
    NoToken {
        /// The token failure, as the caller sees it.
        error: Error,
        /// The token endpoint's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// The request was sent with `sent_with` and failed with `error`.
    Failed {
        /// The typed error of the response (or of the transport).
        error: Error,
        /// The credential the request carried.
        sent_with: B,
    },
}

/// What the execution path does next.
#[derive(Debug)]
pub(crate) enum Decision<B> {
    /// Wait this long, then make another attempt.
    RetryAfter(Duration),
    /// Forget this rejected credential, fetch a new token, and try again at once.
    RefreshThenRetry(B),
    /// The call fails with this error.
    GiveUp(Error),
}

/// What the decision knows about the call so far.
#[derive(Debug)]
pub(crate) struct CallState {
    /// Whether the operation is idempotent.
    pub(crate) idempotent: bool,
    /// Whether a `401` can be answered by fetching a new token (client credentials).
    pub(crate) can_refresh: bool,
    /// When the call's deadline passes (`None`: too far to represent).
    pub(crate) deadline: Option<Instant>,
    /// Attempts made so far, the one just ended included (a refresh after a 401 is no attempt).
    attempts: u32,
    /// Whether the token was already refreshed after a 401 in this call.
    refreshed: bool,
    /// The error of the last attempt that was retried (the source of a `DeadlineExceeded`).
    last_error: Option<Error>,
    /// What the last retry cost in budget tokens (refunded when the call then succeeds).
    last_retry_cost: Option<u32>,
}

impl CallState {
    pub(crate) fn new(idempotent: bool, can_refresh: bool, deadline: Option<Instant>) -> Self {
        Self {
            idempotent,
            can_refresh,
            deadline,
            attempts: 1,
            refreshed: false,
            last_error: None,
            last_retry_cost: None,
        }
    }

    /// The attempt being made (1 for the first).
    pub(crate) fn attempt(&self) -> u32 {
        self.attempts
    }

    /// What the last retry cost, for the refund when the call succeeds.
    pub(crate) fn last_retry_cost(&self) -> Option<u32> {
        self.last_retry_cost
    }
}

/// The one retry decision of the execution path: what happens after an attempt ended with
/// `outcome`. It updates `call` (attempts, the last error) and draws the retry's cost from
/// `budget`. The first row that matches decides:
///
#[doc = decision_table!()]
///
/// A "retry" still gives up with the error when the attempts are used up or the budget cannot
/// pay for it, and with `DeadlineExceeded` when its wait would end past the call's deadline.
pub(crate) fn decide<B>(
    config: &RetryConfig,
    budget: &RetryTokens,
    call: &mut CallState,
    outcome: Outcome<B>,
) -> Decision<B> {
    let deadline_exceeded = |last_error: Option<Error>| Error::DeadlineExceeded {
        deadline: config.deadline,
        last_error: last_error.map(Box::new),
    };
    let (error, retry_after) = match outcome {
        Outcome::DeadlinePassed => {
            return Decision::GiveUp(deadline_exceeded(call.last_error.take()));
        }
        Outcome::Paused { remaining } => {
            let limited = Error::TooManyRequests {
                body: None,
                retry_after: Some(remaining),
                response: None,
            };
            return Decision::GiveUp(if remaining > config.max_retry_after {
                limited
            } else {
                deadline_exceeded(Some(limited))
            });
        }
        Outcome::Failed {
            error: Error::Unauthorized { .. },
            sent_with,
        } if call.can_refresh && !call.refreshed => {
            call.refreshed = true;
            return Decision::RefreshThenRetry(sent_with);
        }
        Outcome::Failed { error, .. } => {
            let retry_after = error.retry_after();
            (error, retry_after)
        }
        Outcome::NoToken { error, retry_after } => (error, retry_after),
    };
    let retryable = is_retryable(&error) && (call.idempotent || was_not_processed(&error));
    if !retryable || call.attempts >= config.max_attempts {
        return Decision::GiveUp(error);
    }
    let wait = match retry_after {
        Some(wait) if wait > config.max_retry_after => {
            tracing::warn!(
                retry_after_s = wait.as_secs_f64(),
                "Retry-After exceeds the configured maximum; giving up"
            );
            return Decision::GiveUp(error);
        }
        Some(wait) => wait,
        None => config.backoff(call.attempts + 1),
    };
    if let Some(deadline) = call.deadline
        && Instant::now()
            .checked_add(wait)
            .is_none_or(|wakes| wakes >= deadline)
    {
        // Sleeping past the deadline would only delay the same outcome.
        tracing::warn!(
            wait_ms = wait.as_millis() as u64,
            "the next attempt would start past the call's deadline"
        );
        return Decision::GiveUp(deadline_exceeded(Some(error)));
    }
    let Some(cost) = budget.withdraw(matches!(error, Error::Timeout { .. })) else {
        tracing::warn!(error = %error, "retry budget exhausted; not retrying");
        return Decision::GiveUp(error);
    };
    tracing::info!(error = %error, wait_ms = wait.as_millis() as u64, "retrying");
    call.attempts += 1;
    call.last_retry_cost = Some(cost);
    call.last_error = Some(error);
    Decision::RetryAfter(wait)
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

    /// The decision for `error` after a first attempt, with a generous budget and deadline.
    fn decision(error: Error, idempotent: bool) -> Decision<()> {
        let config = RetryConfig::default().initial_backoff(Duration::ZERO);
        let budget = RetryTokens::new(RetryBudget::default());
        let mut call = CallState::new(idempotent, true, None);
        decide(
            &config,
            &budget,
            &mut call,
            Outcome::Failed {
                error,
                sent_with: (),
            },
        )
    }

    fn retried(make: &dyn Fn() -> Error, idempotent: bool) -> bool {
        matches!(decision(make(), idempotent), Decision::RetryAfter(_))
    }

    #[test]
    fn non_idempotent_operations_retry_only_what_never_reached_the_server() {
        let unavailable = || {
            crate::runtime::response::decode_error(
                StatusCode::SERVICE_UNAVAILABLE,
                None,
                b"",
                &crate::error::redact::Redactor::default(),
            )
        };
        let limited = || Error::TooManyRequests {
            body: None,
            retry_after: Some(Duration::from_millis(1)),
            response: None,
        };
        let no_token = || Error::Auth {
            status: None,
            message: "token endpoint unreachable".into(),
            source: None,
        };
        let rejected = || Error::Auth {
            status: Some(StatusCode::UNAUTHORIZED),
            message: "bad credentials".into(),
            source: None,
        };
        let invalid = || Error::InvalidInput {
            what: "request",
            problem: "cannot be built".into(),
        };
        let cases: [(&dyn Fn() -> Error, bool, bool); 5] = [
            (&unavailable, true, false),
            (&limited, true, true),
            (&no_token, true, true),
            (&rejected, false, false),
            (&invalid, false, false),
        ];
        for (make, idempotent, non_idempotent) in cases {
            let error = make();
            assert_eq!(retried(make, true), idempotent, "{error:?}");
            assert_eq!(retried(make, false), non_idempotent, "{error:?}");
            assert_eq!(error.is_retryable(), idempotent, "{error:?}");
        }
    }

    #[test]
    fn a_401_refreshes_once_then_gives_up_and_an_empty_budget_stops_retries() {
        let config = RetryConfig::default().initial_backoff(Duration::ZERO);
        let budget = RetryTokens::new(RetryBudget::default().capacity(5));
        let mut call = CallState::new(false, true, None);
        let unauthorized = || {
            crate::runtime::response::decode_error(
                StatusCode::UNAUTHORIZED,
                None,
                b"",
                &crate::error::redact::Redactor::default(),
            )
        };
        let failed = |error| Outcome::Failed {
            error,
            sent_with: 7u8,
        };
        assert!(matches!(
            decide(&config, &budget, &mut call, failed(unauthorized())),
            Decision::RefreshThenRetry(7)
        ));
        assert!(matches!(
            decide(&config, &budget, &mut call, failed(unauthorized())),
            Decision::GiveUp(Error::Unauthorized { .. })
        ));
        let no_token = || Outcome::<u8>::NoToken {
            error: Error::Auth {
                status: None,
                message: "unreachable".into(),
                source: None,
            },
            retry_after: None,
        };
        assert!(matches!(
            decide(&config, &budget, &mut call, no_token()),
            Decision::RetryAfter(_)
        ));
        assert_eq!(call.last_retry_cost(), Some(5));
        assert!(
            matches!(
                decide(&config, &budget, &mut call, no_token()),
                Decision::GiveUp(Error::Auth { .. })
            ),
            "the budget is spent"
        );
        assert!(matches!(
            decide::<u8>(&config, &budget, &mut call, Outcome::DeadlinePassed),
            Decision::GiveUp(Error::DeadlineExceeded {
                last_error: Some(_),
                ..
            })
        ));
        for (remaining, kind) in [
            (Duration::from_secs(1), "deadline_exceeded"),
            (Duration::from_secs(121), "too_many_requests"),
        ] {
            match decide::<u8>(&config, &budget, &mut call, Outcome::Paused { remaining }) {
                Decision::GiveUp(error) => assert_eq!(error.kind(), kind),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn zero_attempts_means_one() {
        assert_eq!(RetryConfig::default().max_attempts(0).get_max_attempts(), 1);
    }
}
