//! The retry budget: a token bucket shared by a client and its clones, after aws-sdk's
//! standard retry quota. Retries spend from it, successes put back; when most calls fail the
//! bucket empties and failed calls stop being retried, so a bulk run against a failing server
//! makes about one attempt per call instead of `max_attempts`.

use std::sync::atomic::{AtomicU32, Ordering};

/// How many retries a client (and its clones) may make when calls keep failing.
///
/// A token bucket, as aws-sdk's standard retry quota: it starts full with
/// [`capacity`](Self::capacity) tokens (default 500). Each retry takes
/// [`retry_cost`](Self::retry_cost) tokens (default 5), or
/// [`timeout_retry_cost`](Self::timeout_retry_cost) (default 10) after a timeout; a retry that
/// cannot be paid is not made, and the call returns its error. A call that succeeds at its
/// first attempt puts back [`success_refund`](Self::success_refund) token (default 1); one
/// that succeeds after retries puts back what its last retry cost. The bucket never holds more
/// than its capacity.
///
/// With the defaults a client whose every call fails makes 100 retries in all, then one
/// attempt per call; as calls succeed again, retries come back (5 successes pay for one).
/// A token refresh after a `401` is authentication, not a retry: it is never charged.
///
/// ```
/// use sailpoint_v2025::{RetryBudget, RetryConfig};
///
/// let budget = RetryBudget::default();
/// assert_eq!(
///     (budget.get_capacity(), budget.get_retry_cost(), budget.get_timeout_retry_cost()),
///     (500, 5, 10)
/// );
/// // A smaller bucket: 20 retries before calls stop being retried.
/// let config = RetryConfig::default().retry_budget(RetryBudget::default().capacity(100));
/// assert_eq!(config.get_retry_budget().get_capacity(), 100);
/// // No budget: every retryable failure is retried up to `max_attempts`.
/// let unlimited = RetryConfig::default().retry_budget(RetryBudget::unlimited());
/// assert!(unlimited.get_retry_budget().is_unlimited());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    capacity: u32,
    retry_cost: u32,
    timeout_retry_cost: u32,
    success_refund: u32,
    unlimited: bool,
}

impl Default for RetryBudget {
    /// aws-sdk's standard values: 500 tokens, a retry costs 5 (10 after a timeout), a success
    /// at the first attempt refunds 1.
    fn default() -> Self {
        Self {
            capacity: 500,
            retry_cost: 5,
            timeout_retry_cost: 10,
            success_refund: 1,
            unlimited: false,
        }
    }
}

impl RetryBudget {
    /// No budget: retries are limited only by
    /// [`RetryConfig::max_attempts`](crate::RetryConfig::max_attempts) and the deadline.
    pub fn unlimited() -> Self {
        Self {
            unlimited: true,
            ..Self::default()
        }
    }

    /// The tokens the bucket starts with and holds at most.
    pub fn capacity(mut self, tokens: u32) -> Self {
        self.capacity = tokens;
        self.unlimited = false;
        self
    }

    /// What one retry costs (after any retryable failure but a timeout).
    pub fn retry_cost(mut self, tokens: u32) -> Self {
        self.retry_cost = tokens;
        self
    }

    /// What one retry after a timeout costs (a timeout suggests an overloaded server).
    pub fn timeout_retry_cost(mut self, tokens: u32) -> Self {
        self.timeout_retry_cost = tokens;
        self
    }

    /// What a call that succeeds at its first attempt puts back.
    pub fn success_refund(mut self, tokens: u32) -> Self {
        self.success_refund = tokens;
        self
    }

    /// Whether this is [`RetryBudget::unlimited`].
    pub fn is_unlimited(&self) -> bool {
        self.unlimited
    }

    /// The configured capacity.
    pub fn get_capacity(&self) -> u32 {
        self.capacity
    }

    /// The configured cost of a retry.
    pub fn get_retry_cost(&self) -> u32 {
        self.retry_cost
    }

    /// The configured cost of a retry after a timeout.
    pub fn get_timeout_retry_cost(&self) -> u32 {
        self.timeout_retry_cost
    }

    /// The configured refund of a success at the first attempt.
    pub fn get_success_refund(&self) -> u32 {
        self.success_refund
    }
}

/// The bucket of one client and its clones.
#[derive(Debug)]
pub(crate) struct RetryTokens {
    config: RetryBudget,
    tokens: AtomicU32,
}

impl RetryTokens {
    pub(crate) fn new(config: RetryBudget) -> Self {
        Self {
            tokens: AtomicU32::new(config.capacity),
            config,
        }
    }

    /// Takes the cost of one retry (after a timeout, or after another failure); `None` when the
    /// bucket cannot pay it, else what was taken (to refund if the call then succeeds).
    pub(crate) fn withdraw(&self, after_timeout: bool) -> Option<u32> {
        if self.config.unlimited {
            return Some(0);
        }
        let cost = if after_timeout {
            self.config.timeout_retry_cost
        } else {
            self.config.retry_cost
        };
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                tokens.checked_sub(cost)
            })
            .ok()
            .map(|_| cost)
    }

    /// A call succeeded: `last_retry_cost` is what its last retry took, `None` when it
    /// succeeded at its first attempt.
    pub(crate) fn deposit(&self, last_retry_cost: Option<u32>) {
        let refund = last_retry_cost.unwrap_or(self.config.success_refund);
        let capacity = self.config.capacity;
        // The steady state of a healthy client is a full bucket: one load, no write.
        if refund == 0 || self.tokens.load(Ordering::Relaxed) >= capacity {
            return;
        }
        let _ = self
            .tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |tokens| {
                (tokens < capacity).then(|| tokens.saturating_add(refund).min(capacity))
            });
    }

    #[cfg(test)]
    fn available(&self) -> u32 {
        self.tokens.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_spend_successes_refund_and_the_bucket_stays_bounded() {
        let tokens = RetryTokens::new(RetryBudget::default().capacity(20));
        assert_eq!(tokens.withdraw(false), Some(5));
        assert_eq!(tokens.withdraw(true), Some(10));
        assert_eq!(tokens.withdraw(false), Some(5));
        assert_eq!(tokens.withdraw(false), None, "empty");
        tokens.deposit(None);
        assert_eq!(tokens.available(), 1);
        tokens.deposit(Some(10));
        assert_eq!(tokens.available(), 11);
        for _ in 0..100 {
            tokens.deposit(Some(5));
        }
        assert_eq!(tokens.available(), 20, "never above capacity");
        let unlimited = RetryTokens::new(RetryBudget::unlimited());
        for _ in 0..10_000 {
            assert_eq!(unlimited.withdraw(true), Some(0));
        }
    }
}
