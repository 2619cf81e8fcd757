//! Fleet mode: one rate limit for every process on a `client_id`, kept in Redis.
//!
//! ISC counts requests per `client_id` per API version, whichever process sends them, so
//! processes that pace themselves alone overrun the limit together. With a store configured
//! ([`ENV_REDIS_URL`] or [`ClientBuilder::shared_rate_limit`]) the client's [`RateLimit`] is
//! evaluated in Redis instead (GCRA in a Lua script, on Redis's clock), and a 429's
//! `Retry-After` pause is published there for every process. The store's unavailability never
//! fails a call: the process paces locally at a fallback share of the limit until it answers
//! again ([`store`]).
//!
//! Without the `redis` feature only the guard remains: [`ENV_REDIS_URL`] set is a configuration
//! error naming the feature, rather than a silently unshared limit.

#[cfg(feature = "redis")]
use std::fmt;
#[cfg(feature = "redis")]
use std::time::Duration;

#[cfg(feature = "redis")]
use secrecy::{ExposeSecret, SecretString};

#[cfg(feature = "redis")]
use crate::RateLimit;

#[cfg(feature = "redis")]
pub(crate) mod store;

/// Environment variable: the Redis that the processes of one `client_id` share their rate limit
/// through (fleet mode), e.g. `redis://127.0.0.1:6379/0`, `redis://:password@host:6379`,
/// `rediss://user:password@host:6380/2` (TLS: feature `redis-tls`). Read by
/// [`Client::from_env`](crate::Client::from_env) and by the builder for what it leaves unset;
/// needs the crate feature `redis`.
pub const ENV_REDIS_URL: &str = "SAIL_REDIS_URL";

/// The default prefix of the Redis keys fleet mode uses (see [`SharedRateLimit::key_prefix`]).
#[cfg(feature = "redis")]
pub const DEFAULT_KEY_PREFIX: &str = "sailpoint-v2025:rate-limit";

/// The default bound on each Redis call of fleet mode (see [`SharedRateLimit::store_timeout`]).
#[cfg(feature = "redis")]
pub const DEFAULT_STORE_TIMEOUT: Duration = Duration::from_millis(500);

/// The default number of processes assumed to share the limit while the store is unreachable
/// (see [`SharedRateLimit::fallback_processes`]): each then paces at a quarter of the limit.
#[cfg(feature = "redis")]
pub const DEFAULT_FALLBACK_PROCESSES: u32 = 4;

/// Fleet mode: the client's [`RateLimit`] and the 429 pause shared through Redis by every
/// process (and machine) that uses the same tenant, `client_id` and API version.
///
/// * **Pacing**: GCRA evaluated atomically inside Redis by a Lua script (`EVALSHA`), on Redis's
///   clock, so the processes' clocks do not matter. The promise is the local limit's (see
///   [`RateLimit::new`]): at most `requests - 1` requests in any window of `period`, now across
///   the whole fleet. A caller waits the delay the script returns (never past its call's
///   deadline).
/// * **429**: a `Retry-After` pause seen by one process is stored in Redis with that time to
///   live; every process checks it before each request, so one process's 429 pauses all.
/// * **Store unreachable** (down, refusing, slower than [`store_timeout`](Self::store_timeout),
///   wrong host): no call fails because of it. The process paces locally at `1 /`
///   [`fallback_processes`](Self::fallback_processes) of the limit, logs one `WARN` when it
///   falls back and one `INFO` when the store answers again, and then rejoins the shared limit
///   (it asks the store again at most once a second meanwhile). Connections are kept and
///   re-established by redis-rs's connection manager.
///
/// The Redis keys are `{prefix}:{<hash>}:tat` and `{prefix}:{<hash>}:pause`, where `<hash>` is
/// the SHA-1 of the base URL, the `client_id` (or `access-token` for a client built with a
/// ready token) and the API version: never a secret. Redis 5 or newer.
///
/// The URL's password never appears in `Debug`, `Display`, logs or errors.
///
/// ```no_run
/// # fn main() -> Result<(), sailpoint_v2025::Error> {
/// use std::time::Duration;
/// use sailpoint_v2025::{Client, SharedRateLimit};
///
/// let client = Client::builder()
///     .tenant("acme")
///     .client_credentials("client-id", "client-secret")
///     .shared_rate_limit(
///         SharedRateLimit::redis("redis://:password@redis.internal:6379/0")
///             .key_prefix("acme-jobs")
///             .store_timeout(Duration::from_millis(300))
///             .fallback_processes(8),
///     )
///     .build()?;
/// # Ok(()) }
/// ```
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[derive(Clone)]
pub struct SharedRateLimit {
    url: SecretString,
    key_prefix: String,
    store_timeout: Duration,
    fallback_processes: u32,
}

#[cfg(feature = "redis")]
impl fmt::Debug for SharedRateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedRateLimit")
            .field("url", &shown_url(self.url.expose_secret()))
            .field("key_prefix", &self.key_prefix)
            .field("store_timeout", &self.store_timeout)
            .field("fallback_processes", &self.fallback_processes)
            .finish()
    }
}

#[cfg(feature = "redis")]
impl SharedRateLimit {
    /// Shares the limit through the Redis at `url`: `redis://host:port[/db]`,
    /// `redis://[user]:password@host:port[/db]`, or `rediss://...` for TLS (feature
    /// `redis-tls`). The URL is checked by [`ClientBuilder::build`]; no connection is made
    /// before the first call.
    pub fn redis(url: impl Into<String>) -> Self {
        Self {
            url: SecretString::from(url.into()),
            key_prefix: DEFAULT_KEY_PREFIX.to_string(),
            store_timeout: DEFAULT_STORE_TIMEOUT,
            fallback_processes: DEFAULT_FALLBACK_PROCESSES,
        }
    }

    /// The prefix of the Redis keys (default [`DEFAULT_KEY_PREFIX`]). Processes share a limit
    /// exactly when their prefix, base URL, `client_id` and API version are the same.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long one Redis call (connecting included) may take before the store counts as
    /// unreachable and the process paces locally (default [`DEFAULT_STORE_TIMEOUT`], 500 ms).
    pub fn store_timeout(mut self, timeout: impl Into<Duration>) -> Self {
        self.store_timeout = timeout.into();
        self
    }

    /// While the store is unreachable each process paces at `1 / processes` of the limit
    /// (default [`DEFAULT_FALLBACK_PROCESSES`], 4): set it to the number of processes you run,
    /// so that together they stay within the limit.
    pub fn fallback_processes(mut self, processes: u32) -> Self {
        self.fallback_processes = processes;
        self
    }

    /// The URL as it may be shown: the password replaced by `[REDACTED]`.
    pub fn redacted_url(&self) -> String {
        shown_url(self.url.expose_secret())
    }
}

/// The fallback limit: `1 / processes` of `limit` (at least one request per period).
#[cfg(feature = "redis")]
pub(crate) fn fallback_limit(limit: &RateLimit, processes: u32) -> RateLimit {
    match limit.requests_per_period() {
        None => RateLimit::unlimited(),
        Some((requests, period)) => RateLimit::new((requests / processes.max(1)).max(1), period),
    }
}

/// A Redis URL for messages: `scheme://[REDACTED]@host:port/db` when it carries credentials,
/// only the scheme when it cannot be parsed (the raw text could hold a password anywhere).
#[cfg(feature = "redis")]
pub(crate) fn shown_url(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(parsed) => {
            let credentials = if parsed.username().is_empty() && parsed.password().is_none() {
                ""
            } else {
                "[REDACTED]@"
            };
            let host = parsed.host_str().unwrap_or("");
            let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
            format!(
                "{}://{credentials}{host}{port}{}",
                parsed.scheme(),
                parsed.path()
            )
        }
        Err(_) => match url.split_once("://") {
            Some((scheme, _))
                if scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '+') =>
            {
                format!("{scheme}://[unparsable]")
            }
            _ => "[unparsable]".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientBuilder;

    fn builder_with_redis_env(url: &str) -> ClientBuilder {
        ClientBuilder::default()
            .base_url("http://127.0.0.1:9")
            .access_token("token")
            .environment([(ENV_REDIS_URL, url)])
    }

    /// Without the feature, `SAIL_REDIS_URL` is refused (naming the variable and the feature)
    /// rather than silently leaving the limit unshared.
    #[cfg(not(feature = "redis"))]
    #[test]
    fn without_the_feature_the_variable_is_a_config_error() {
        let err = builder_with_redis_env("redis://:pw-123@127.0.0.1:6379")
            .build()
            .expect_err("refused");
        assert!(matches!(err, crate::Error::Config { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains(ENV_REDIS_URL), "{text}");
        assert!(text.contains("`redis`"), "{text}");
        assert!(!text.contains("pw-123"), "{text}");
        // Unset or blank: no fleet mode, no error.
        assert!(builder_with_redis_env(" ").build().is_ok());
    }

    #[cfg(feature = "redis")]
    #[test]
    fn urls_are_shown_without_passwords() {
        for (url, shown) in [
            ("redis://127.0.0.1:6379", "redis://127.0.0.1:6379"),
            ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/2"),
            ("redis://:pw@h:1/0", "redis://[REDACTED]@h:1/0"),
            ("rediss://user:pw@h:6380", "rediss://[REDACTED]@h:6380"),
            ("redis://user@h", "redis://[REDACTED]@h"),
            ("redis://:p w@h:x", "redis://[unparsable]"),
            ("pw", "[unparsable]"),
        ] {
            assert_eq!(shown_url(url), shown, "{url}");
        }
    }

    #[cfg(feature = "redis")]
    #[test]
    fn the_fallback_is_a_share_of_the_limit() {
        let limit = RateLimit::new(100, Duration::from_secs(10));
        assert_eq!(
            fallback_limit(&limit, 4),
            RateLimit::new(25, Duration::from_secs(10))
        );
        assert_eq!(
            fallback_limit(&limit, 1000),
            RateLimit::new(1, Duration::from_secs(10))
        );
        assert!(fallback_limit(&RateLimit::unlimited(), 4).is_unlimited());
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_valid_url_builds_without_io_and_debug_hides_the_password() {
        let client = builder_with_redis_env("redis://:pw-456@127.0.0.1:1/3")
            .build()
            .expect("no I/O at build time");
        let debug = format!("{client:?}");
        assert!(!debug.contains("pw-456"), "{debug}");
        assert!(
            debug.contains("redis://[REDACTED]@127.0.0.1:1/3"),
            "{debug}"
        );
        let builder = ClientBuilder::default()
            .shared_rate_limit(SharedRateLimit::redis("rediss://u:pw-789@h:6380/1"));
        let debug = format!("{builder:?}");
        assert!(!debug.contains("pw-789"), "{debug}");
        assert!(debug.contains("rediss://[REDACTED]@h:6380/1"), "{debug}");
        // A zero fallback share or timeout is a configuration error.
        let err = ClientBuilder::default()
            .base_url("http://127.0.0.1:9")
            .access_token("token")
            .environment(Vec::<(String, String)>::new())
            .shared_rate_limit(SharedRateLimit::redis("redis://h:1").fallback_processes(0))
            .build()
            .expect_err("zero processes");
        assert!(err.to_string().contains("fallback_processes"), "{err}");
    }
}
