//! The one execution path every operation runs through: the client-side rate limit and the
//! shared 429 pause, authentication (with one token refresh after a 401), retries, the total
//! deadline of a call, and tracing, around one generated call.
//!
//! An operation supplies only what differs: its [`Operation`] description and a closure that
//! makes one attempt with an authenticated generated client. Everything that decides *whether*
//! to try again lives in [`crate::runtime::retry`].

use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use tokio::time::Instant;
use tracing::Instrument;

use crate::runtime::auth::Bearer;
use crate::runtime::metrics::ThrottleReason;
use crate::runtime::response::GeneratedResult;
use crate::runtime::retry::should_retry;
use crate::{Client, Error};

/// The value of `X-SailPoint-Experimental` that opts in to experimental endpoints (all seven
/// machine-account classification operations are experimental upstream).
pub(crate) const EXPERIMENTAL_OPT_IN: &str = "true";

/// What the execution path needs to know about one operation.
#[derive(Debug)]
pub(crate) struct Operation {
    /// The operationId, for tracing (e.g. `"sendClassifyMachineAccount"`).
    pub(crate) id: &'static str,
    /// Whether a retry after the request may have reached the server is safe (see
    /// [`crate::runtime::retry`] for what is retried otherwise).
    pub(crate) idempotent: bool,
}

/// Why one attempt failed.
struct Failure {
    error: Error,
    /// The bearer the attempt sent, if it got as far as sending.
    bearer: Option<Bearer>,
    /// How long the server (API or token endpoint) asked us to wait.
    retry_after: Option<Duration>,
    /// The attempt was refused without a request because the client is paused for longer
    /// than the caller may wait: return it as it is.
    fail_fast: bool,
    /// The call's deadline passed during the attempt (`error` is a placeholder then).
    deadline_passed: bool,
}

impl Failure {
    fn new(error: Error, bearer: Option<Bearer>, retry_after: Option<Duration>) -> Self {
        Self {
            error,
            bearer,
            retry_after,
            fail_fast: false,
            deadline_passed: false,
        }
    }

    fn deadline_passed() -> Self {
        Self {
            deadline_passed: true,
            ..Self::new(
                Error::DeadlineExceeded {
                    deadline: Duration::ZERO,
                    last_error: None,
                },
                None,
                None,
            )
        }
    }
}

/// `future`'s output, or `None` when `deadline` passes first. The timer is armed only if the
/// future does not finish on its first poll, so the waits that do not wait (a free rate-limit
/// slot, a cached token) cost no timer.
async fn before_deadline<F: Future>(deadline: Option<Instant>, future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let first = std::future::poll_fn(|cx| Poll::Ready(future.as_mut().poll(cx))).await;
    if let Poll::Ready(output) = first {
        return Some(output);
    }
    match deadline {
        Some(deadline) => tokio::time::timeout_at(deadline, future).await.ok(),
        None => Some(future.await),
    }
}

impl Client {
    /// Rate limit, auth, retries, the shared 429 pause, the deadline and tracing around one
    /// generated call. `call` is invoked once per attempt with an authenticated generated
    /// client; the future it returns owns what it needs (e.g. `async move { c.op(&id).await }`).
    ///
    /// The whole call is bounded by [`RetryConfig::deadline`](crate::RetryConfig::deadline):
    /// past it the step in flight (rate-limit wait, token wait, exchange) is dropped and
    /// [`Error::DeadlineExceeded`] returned, carrying the last failed attempt's error.
    pub(crate) async fn execute<T, F, Fut>(
        &self,
        op: &'static Operation,
        mut call: F,
    ) -> Result<T, Error>
    where
        F: FnMut(sailpoint_v2025_client::Client) -> Fut + Send,
        Fut: Future<Output = GeneratedResult<T>> + Send,
        T: Send,
    {
        let limit = self.inner.retry.get_deadline();
        // `None`: a deadline too far to represent, i.e. none.
        let deadline = Instant::now().checked_add(limit);
        let mut last_error = None;
        let timer = self.inner.metrics.operation(op.id);
        let metrics = &self.inner.metrics;
        let mut call = move |client| metrics.http_request(op.id, call(client));
        let result = self
            .attempts(op, &mut call, limit, deadline, &mut last_error)
            .await;
        timer.finish(&result);
        if matches!(result, Err(Error::DeadlineExceeded { .. })) {
            tracing::warn!(
                operation = op.id,
                deadline_s = limit.as_secs_f64(),
                "call deadline exceeded"
            );
        }
        result
    }

    /// The attempt loop. Each failure that is retried is kept in `last_error`, so that a
    /// deadline that cuts the loop short can report it.
    async fn attempts<T, F, Fut>(
        &self,
        op: &'static Operation,
        call: &mut F,
        limit: Duration,
        deadline: Option<Instant>,
        last_error: &mut Option<Error>,
    ) -> Result<T, Error>
    where
        F: FnMut(sailpoint_v2025_client::Client) -> Fut + Send,
        Fut: Future<Output = GeneratedResult<T>> + Send,
        T: Send,
    {
        let retry = &self.inner.retry;
        let mut attempt: u32 = 0;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "sailpoint.attempt",
                operation = op.id,
                attempt,
                status = tracing::field::Empty,
                tracking_id = tracing::field::Empty,
            );
            // Instrumenting costs even when nothing listens, so only when a subscriber does.
            let result = if span.is_disabled() {
                self.attempt(call, deadline).await
            } else {
                self.attempt(call, deadline).instrument(span.clone()).await
            };
            let failure = match result {
                Ok(value) => return Ok(value),
                Err(failure) => failure,
            };
            let error = &failure.error;
            if let Some(status) = error.status() {
                span.record("status", status.as_u16());
            }
            if let Some(tracking_id) = error.tracking_id() {
                span.record("tracking_id", tracking_id);
            }
            if failure.deadline_passed {
                return Err(Error::DeadlineExceeded {
                    deadline: limit,
                    last_error: last_error.take().map(Box::new),
                });
            }
            if failure.fail_fast {
                return Err(failure.error);
            }
            if let Some(bearer) = &failure.bearer
                && matches!(error, Error::Unauthorized { .. })
                && self.inner.auth.can_refresh()
                && !refreshed_after_401
            {
                // One refresh and one more try: the token may have expired or been revoked.
                // This is authentication, not a retry, so it does not use up an attempt.
                tracing::info!(parent: &span, "401 Unauthorized; refreshing the token and retrying once");
                refreshed_after_401 = true;
                self.inner.auth.invalidate(bearer);
                attempt -= 1;
                *last_error = Some(failure.error);
                continue;
            }
            if let (Error::TooManyRequests { .. }, Some(wait)) = (error, failure.retry_after) {
                // Everyone using this client waits, whether or not this call retries: ISC
                // limits per client_id and escalates repeated violations. A pause longer than
                // `max_retry_after` makes later calls fail fast instead of blocking.
                self.inner.limiter.pause(wait);
            }
            if !should_retry(error, op.idempotent) || attempt >= retry.get_max_attempts() {
                return Err(failure.error);
            }
            let wait = match failure.retry_after {
                Some(wait) if wait > retry.get_max_retry_after() => {
                    tracing::warn!(
                        parent: &span,
                        retry_after_s = wait.as_secs_f64(),
                        "Retry-After exceeds the configured maximum; giving up"
                    );
                    return Err(failure.error);
                }
                Some(wait) => wait,
                None => retry.backoff(attempt + 1),
            };
            let wakes = Instant::now().checked_add(wait);
            if let Some(deadline) = deadline
                && wakes.is_none_or(|wakes| wakes >= deadline)
            {
                // Sleeping past the deadline would only delay the same outcome.
                tracing::warn!(parent: &span, wait_ms = wait.as_millis() as u64, "the next attempt would start past the call's deadline");
                return Err(Error::DeadlineExceeded {
                    deadline: limit,
                    last_error: Some(Box::new(failure.error)),
                });
            }
            tracing::info!(parent: &span, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
            self.inner.metrics.retry(op.id, error);
            let throttle = ThrottleReason::of_retry(error, failure.retry_after);
            *last_error = Some(failure.error);
            let sleep = tokio::time::sleep(wait);
            self.inner.metrics.throttle(|| throttle, sleep).await;
        }
    }

    /// One attempt: a rate-limit slot, a token, the generated call, its typed outcome; each
    /// step bounded by the call's deadline.
    async fn attempt<T, F, Fut>(
        &self,
        call: &mut F,
        deadline: Option<Instant>,
    ) -> Result<T, Failure>
    where
        F: FnMut(sailpoint_v2025_client::Client) -> Fut + Send,
        Fut: Future<Output = GeneratedResult<T>> + Send,
        T: Send,
    {
        let longest_pause = self.inner.retry.get_max_retry_after();
        let limiter = &self.inner.limiter;
        let acquire = limiter.acquire(longest_pause);
        let acquire = self
            .inner
            .metrics
            .throttle(|| Some(limiter.wait_reason()), acquire);
        let acquired = before_deadline(deadline, acquire)
            .await
            .ok_or_else(Failure::deadline_passed)?;
        if let Err(remaining) = acquired {
            tracing::debug!(
                remaining_s = remaining.as_secs_f64(),
                "the client is paused by a 429 for longer than max_retry_after; failing fast"
            );
            return Err(Failure {
                fail_fast: true,
                ..Failure::new(
                    Error::TooManyRequests {
                        body: None,
                        retry_after: Some(remaining),
                        response: None,
                    },
                    None,
                    Some(remaining),
                )
            });
        }
        let bearer = match before_deadline(deadline, self.inner.auth.bearer()).await {
            None => return Err(Failure::deadline_passed()),
            Some(Ok(bearer)) => bearer,
            Some(Err(failure)) => {
                return Err(Failure::new(failure.to_error(), None, failure.retry_after));
            }
        };
        // The SDK's own HTTP client ends every exchange within its whole-request timeout; when
        // that comes before the deadline, no timer of ours is needed (the hot path).
        let bounded_by_timeout = match (deadline, self.inner.attempt_timeout) {
            (None, _) => true,
            (Some(deadline), Some(timeout)) => Instant::now()
                .checked_add(timeout)
                .is_some_and(|end| end < deadline),
            (Some(_), None) => false,
        };
        // The exchange future is made in each branch, not moved from one into the other, so
        // this future stores it once (rust-lang/rust#62958).
        let outcome = match deadline {
            Some(deadline) if !bounded_by_timeout => tokio::time::timeout_at(deadline, async {
                self.inner
                    .reader
                    .read(call(self.generated(&bearer)).await, Some(&bearer.header))
                    .await
            })
            .await
            .map_err(|_| Failure::deadline_passed())?,
            _ => {
                self.inner
                    .reader
                    .read(call(self.generated(&bearer)).await, Some(&bearer.header))
                    .await
            }
        };
        outcome.map_err(|error| {
            let retry_after = error.retry_after();
            Failure::new(error, Some(bearer), retry_after)
        })
    }
}
