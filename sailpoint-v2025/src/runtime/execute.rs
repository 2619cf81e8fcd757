//! The one execution path every operation runs through: the client-side rate limit and the
//! shared 429 pause, authentication (with one token refresh after a 401), retries, the total
//! deadline of a call, and tracing, around one generated call.
//!
//! An operation supplies only what differs: its [`Operation`] description and a closure that
//! makes one attempt with an authenticated generated client. What happens after an attempt
//! that failed is decided in one place, [`decide`] (its table is in [`crate::runtime::retry`]).

use std::future::Future;
use std::task::Poll;

use tokio::time::Instant;
use tracing::Instrument;

use crate::runtime::auth::Bearer;
use crate::runtime::metrics::ThrottleReason;
use crate::runtime::response::GeneratedResult;
use crate::runtime::retry::{CallState, Decision, Outcome, decide};
use crate::{Client, Error};

/// The value of `X-SailPoint-Experimental` that opts in to experimental endpoints (the seven
/// machine-account classification operations and the source declassify are experimental
/// upstream; the account and machine-account reads are not).
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
    /// The loop makes an attempt and, unless it returned a value, hands its [`Outcome`] to
    /// [`decide`], the one retry decision, and does what that says. The whole call is bounded
    /// by [`RetryConfig::deadline`](crate::RetryConfig::deadline): past it the step in flight
    /// (rate-limit wait, token wait, exchange) is dropped and [`Error::DeadlineExceeded`]
    /// returned, carrying the last failed attempt's error.
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
        let inner = &*self.inner;
        // `None`: a deadline too far to represent, i.e. none.
        let deadline = Instant::now().checked_add(inner.retry.get_deadline());
        let mut state = CallState::new(op.idempotent, inner.auth.can_refresh(), deadline);
        // Metrics (no-ops without the `opentelemetry` feature): the call's duration, recorded
        // as `cancelled` if the caller drops it, and each HTTP request it sends.
        let timer = inner.metrics.operation(op.id);
        let metrics = &inner.metrics;
        let mut call = move |client| metrics.http_request(op.id, call(client));
        loop {
            let span = tracing::debug_span!(
                "sailpoint.attempt",
                operation = op.id,
                attempt = state.attempt(),
                status = tracing::field::Empty,
                tracking_id = tracing::field::Empty,
            );
            // Instrumenting costs even when nothing listens, so only when a subscriber does.
            let result = if span.is_disabled() {
                self.attempt(&mut call, &state).await
            } else {
                self.attempt(&mut call, &state)
                    .instrument(span.clone())
                    .await
            };
            let outcome = match result {
                Ok(value) => {
                    inner.retry_tokens.deposit(state.last_retry_cost());
                    let result = Ok(value);
                    timer.finish(&result);
                    return result;
                }
                Err(outcome) => outcome,
            };
            if let Outcome::Failed { error, .. } = &outcome {
                if let Some(status) = error.status() {
                    span.record("status", status.as_u16());
                }
                if let Some(tracking_id) = error.tracking_id() {
                    span.record("tracking_id", tracking_id);
                }
                if let Error::TooManyRequests {
                    retry_after: Some(wait),
                    ..
                } = error
                {
                    // Everyone using this client waits, whether or not this call retries: ISC
                    // limits per client_id and escalates repeated violations.
                    inner.limiter.pause(*wait);
                }
            }
            // What a retry of this attempt counts as in the metrics: the attempt's error kind,
            // and whether its wait is a 429's `Retry-After`.
            let retried = match &outcome {
                Outcome::Failed { error, .. } => Some((
                    error.kind(),
                    ThrottleReason::of_retry(error, error.retry_after()),
                )),
                Outcome::NoToken { error, retry_after } => {
                    Some((error.kind(), ThrottleReason::of_retry(error, *retry_after)))
                }
                Outcome::Paused { .. } => {
                    Some(("too_many_requests", Some(ThrottleReason::RetryAfter)))
                }
                Outcome::DeadlinePassed => None,
            };
            let decision = {
                let _in_attempt = span.enter();
                decide(&inner.retry, &inner.retry_tokens, &mut state, outcome)
            };
            match decision {
                Decision::RetryAfter(wait) => {
                    let throttle = retried.and_then(|(kind, throttle)| {
                        inner.metrics.retry(op.id, kind);
                        throttle
                    });
                    inner
                        .metrics
                        .throttle(|| throttle, tokio::time::sleep(wait))
                        .await;
                }
                Decision::RefreshThenRetry(rejected) => {
                    // The token may have expired or been revoked; the next attempt waits for a
                    // new one (shared with every other call that saw the same 401).
                    tracing::info!(parent: &span, "401 Unauthorized; refreshing the token and retrying once");
                    inner.auth.invalidate(&rejected);
                }
                Decision::GiveUp(error) => {
                    if let Error::DeadlineExceeded { deadline, .. } = &error {
                        tracing::warn!(
                            operation = op.id,
                            deadline_s = deadline.as_secs_f64(),
                            "call deadline exceeded"
                        );
                    }
                    let result = Err(error);
                    timer.finish(&result);
                    return result;
                }
            }
        }
    }

    /// One attempt: a rate-limit slot, a token, the generated call, its typed outcome; each
    /// step bounded by the call's deadline.
    async fn attempt<T, F, Fut>(
        &self,
        call: &mut F,
        state: &CallState,
    ) -> Result<T, Outcome<Bearer>>
    where
        F: FnMut(sailpoint_v2025_client::Client) -> Fut + Send,
        Fut: Future<Output = GeneratedResult<T>> + Send,
        T: Send,
    {
        let inner = &*self.inner;
        let deadline = state.deadline;
        // A shared pause is waited out only if it ends before `max_retry_after` and before the
        // call's deadline; otherwise the call fails at once, without a request.
        let max_retry_after = inner.retry.get_max_retry_after();
        let now = Instant::now();
        let longest_pause = deadline.map_or(max_retry_after, |deadline| {
            deadline.saturating_duration_since(now).min(max_retry_after)
        });
        let limiter = &inner.limiter;
        let acquire = limiter.acquire(longest_pause, deadline);
        let acquire = inner
            .metrics
            .throttle(|| Some(limiter.wait_reason()), acquire);
        let acquired = before_deadline(deadline, acquire)
            .await
            .ok_or(Outcome::DeadlinePassed)?;
        if let Err(remaining) = acquired {
            tracing::debug!(
                remaining_s = remaining.as_secs_f64(),
                "the client is paused by a 429 for longer than this call may wait; failing fast"
            );
            return Err(Outcome::Paused { remaining });
        }
        let bearer = match before_deadline(deadline, inner.auth.bearer()).await {
            None => return Err(Outcome::DeadlinePassed),
            Some(Ok(bearer)) => bearer,
            Some(Err(failure)) => {
                return Err(Outcome::NoToken {
                    error: failure.to_error(),
                    retry_after: failure.retry_after,
                });
            }
        };
        // The SDK's own HTTP client ends every exchange within its whole-request timeout; when
        // that comes before the deadline, no timer of ours is needed (the hot path).
        let bounded_by_timeout = match (deadline, inner.attempt_timeout) {
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
                inner
                    .reader
                    .read(call(self.generated(&bearer)).await, Some(&bearer.header))
                    .await
            })
            .await
            .map_err(|_| Outcome::DeadlinePassed)?,
            _ => {
                inner
                    .reader
                    .read(call(self.generated(&bearer)).await, Some(&bearer.header))
                    .await
            }
        };
        outcome.map_err(|error| Outcome::Failed {
            error,
            sent_with: bearer,
        })
    }
}
