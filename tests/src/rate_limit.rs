//! The per-client fixed-window rate limiter.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::config::ServerRateLimit;

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Counts requests per client id in fixed windows.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    limit: Option<ServerRateLimit>,
    windows: HashMap<String, Window>,
}

impl RateLimiter {
    pub(crate) fn new(limit: Option<ServerRateLimit>) -> Self {
        Self {
            limit,
            windows: HashMap::new(),
        }
    }

    pub(crate) fn set_limit(&mut self, limit: Option<ServerRateLimit>) {
        self.limit = limit;
        self.windows.clear();
    }

    pub(crate) fn limit(&self) -> Option<ServerRateLimit> {
        self.limit
    }

    pub(crate) fn reset(&mut self) {
        self.windows.clear();
    }

    /// Counts a request of `client_id` at `now`. `Err(remaining)` when the
    /// client is over the limit; rejected requests are not counted.
    pub(crate) fn check(&mut self, client_id: &str, now: Instant) -> Result<(), Duration> {
        let Some(limit) = self.limit else {
            return Ok(());
        };
        let window = self.windows.entry(client_id.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        let elapsed = now.saturating_duration_since(window.started);
        if elapsed >= limit.window {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= limit.requests {
            let remaining = limit
                .window
                .saturating_sub(now.saturating_duration_since(window.started));
            return Err(remaining);
        }
        window.count += 1;
        Ok(())
    }
}

/// `Retry-After` value: whole seconds, rounded up, at least 1.
pub(crate) fn retry_after_secs(remaining: Duration) -> u64 {
    let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
    secs.max(1)
}

/// `X-Emulator-Retry-After-Ms` value: milliseconds, rounded up, at least 1.
pub(crate) fn retry_after_millis(remaining: Duration) -> u64 {
    let ms =
        remaining.as_millis() + u128::from(!remaining.subsec_nanos().is_multiple_of(1_000_000));
    u64::try_from(ms).unwrap_or(u64::MAX).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_window() {
        let mut rl = RateLimiter::new(Some(ServerRateLimit::new(2, Duration::from_secs(10))));
        let t0 = Instant::now();
        assert!(rl.check("a", t0).is_ok());
        assert!(rl.check("a", t0 + Duration::from_secs(1)).is_ok());
        assert_eq!(
            rl.check("a", t0 + Duration::from_secs(2)),
            Err(Duration::from_secs(8))
        );
        // Other clients have their own window.
        assert!(rl.check("b", t0 + Duration::from_secs(2)).is_ok());
        // A new window after the old one ends.
        assert!(rl.check("a", t0 + Duration::from_secs(10)).is_ok());
        rl.set_limit(None);
        for _ in 0..10 {
            assert!(rl.check("a", t0).is_ok());
        }
    }

    #[test]
    fn retry_after_rounding() {
        assert_eq!(retry_after_secs(Duration::ZERO), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(150)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(1001)), 2);
        assert_eq!(retry_after_secs(Duration::from_secs(10)), 10);
        assert_eq!(retry_after_millis(Duration::ZERO), 1);
        assert_eq!(retry_after_millis(Duration::from_micros(1500)), 2);
        assert_eq!(retry_after_millis(Duration::from_millis(150)), 150);
    }
}
