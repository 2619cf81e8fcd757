//! The store-backed limiter of fleet mode: the Lua GCRA in Redis, the shared 429 pause, and
//! the local fallback while the store does not answer.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError, Weak};
use std::time::Duration;

use governor::DefaultDirectRateLimiter;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use secrecy::{ExposeSecret, SecretString};
use tokio::time::Instant;

use super::{SharedRateLimit, fallback_limit, shown_url};
use crate::runtime::auth::Credentials;
use crate::runtime::pause::SharedPause;
use crate::{Error, RateLimit};

/// The GCRA and pause script (see the file for its protocol).
const GCRA_SCRIPT: &str = include_str!("gcra.lua");

/// The API version the limit belongs to (ISC limits per `client_id` per API version).
const API_VERSION: &str = "v2025";

/// While the store is unreachable, how often one caller asks it again.
const PROBE_INTERVAL: Duration = Duration::from_secs(1);

/// The longest reservation asked for when a call has no deadline.
const MAX_RESERVATION: Duration = Duration::from_secs(3600);

/// The longest pause published (the local limiter caps a 429's pause the same way).
const MAX_PAUSE: Duration = Duration::from_secs(3600);

/// The script's answers (the first element of its reply).
const PAUSED: i64 = 0;
const RESERVED: i64 = 1;
const TOO_FAR: i64 = 2;

/// The fleet-mode part of a client's `Limiter`; clones share everything.
#[derive(Clone)]
pub(crate) struct SharedLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    /// Created on first use, inside the runtime (the manager spawns its connection tasks
    /// there); building a client does no I/O and needs no runtime. Made again on the runtime
    /// of a later call once the runtime it was made on has shut down (its tasks with it).
    manager: Mutex<Option<LiveManager>>,
    script: redis::Script,
    tat_key: String,
    pause_key: String,
    /// GCRA in microseconds: the interval `T` (0: unpaced) and the burst tolerance `b * T`.
    interval_us: u64,
    tolerance_us: u64,
    store_timeout: Duration,
    fallback: Option<DefaultDirectRateLimiter>,
    fallback_processes: u32,
    health: Health,
    /// For logs: the URL without its password.
    shown_url: String,
    /// To scrub from any error text a dependency might produce.
    password: Option<SecretString>,
}

impl fmt::Debug for SharedLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedLimiter")
            .field("store", &self.inner.shown_url)
            .field("key", &self.inner.tat_key)
            .field(
                "store_reachable",
                &!self.inner.health.down.load(Ordering::Relaxed),
            )
            .finish_non_exhaustive()
    }
}

/// What one script call said.
enum Verdict {
    /// Send after this wait (the slot is reserved).
    Go(Duration),
    /// Every process is paused for this long.
    Paused(Duration),
    /// The next slot is further away than the caller may wait; nothing was reserved.
    TooFar(Duration),
}

impl SharedLimiter {
    pub(crate) fn new(
        shared: &SharedRateLimit,
        limit: &RateLimit,
        host: &str,
        credentials: &Credentials,
        looked_at: &'static str,
    ) -> Result<Self, Error> {
        let raw = shared.url.expose_secret().trim();
        let shown = shown_url(raw);
        let invalid = |problem: String| Error::config("shared rate limit", problem, looked_at);
        let url = reqwest::Url::parse(raw).map_err(|e| {
            invalid(format!(
                "`{shown}` is not a Redis URL ({e}); expected redis://host:port[/db], \
                 redis://:password@host:port[/db] or rediss://..."
            ))
        })?;
        match url.scheme() {
            "redis" | "rediss" => {}
            other => {
                return Err(invalid(format!(
                    "unsupported scheme `{other}` in `{shown}`; use redis:// or rediss://"
                )));
            }
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(invalid(format!("`{shown}` has no host")));
        }
        let db = url.path().trim_matches('/');
        if !db.is_empty() && db.parse::<u32>().is_err() {
            return Err(invalid(format!(
                "`{shown}`: the path must be a database number, e.g. /0"
            )));
        }
        if url.scheme() == "rediss" && !cfg!(feature = "redis-tls") {
            return Err(invalid(format!(
                "`{shown}` uses TLS (rediss://): enable the crate feature `redis-tls`"
            )));
        }
        let client = redis::Client::open(raw).map_err(|e| {
            invalid(format!(
                "`{shown}` is not accepted by the Redis client ({:?})",
                e.kind()
            ))
        })?;
        if shared.key_prefix.trim().is_empty() {
            return Err(invalid("the key prefix must not be empty".to_string()));
        }
        if shared.store_timeout.is_zero() {
            return Err(invalid("the store timeout must be above zero".to_string()));
        }
        if shared.fallback_processes == 0 {
            return Err(invalid("fallback_processes must be at least 1".to_string()));
        }

        let (interval_us, tolerance_us) = match limit.gcra()? {
            None => (0, 0),
            Some((interval, burst)) => {
                // Rounded up: a longer interval only keeps the promise with more room.
                let interval_us = u64::try_from(interval.as_nanos().div_ceil(1000))
                    .unwrap_or(u64::MAX)
                    .max(1);
                (interval_us, interval_us.saturating_mul(u64::from(burst)))
            }
        };
        let fallback = fallback_limit(limit, shared.fallback_processes)
            .quota()?
            .map(governor::RateLimiter::direct);

        let identity = match credentials {
            Credentials::ClientCredentials { client_id, .. } => client_id.as_str(),
            // A bearer token's client id is unknown here, and the token is a secret.
            Credentials::AccessToken(_) => "access-token",
        };
        let mut hash = sha1_smol::Sha1::new();
        for part in [host, identity, API_VERSION] {
            hash.update(part.as_bytes());
            hash.update(b"\n");
        }
        // `{...}`: a Redis Cluster hash tag, so both keys live in one slot and one script may
        // touch both.
        let base = format!("{}:{{{}}}", shared.key_prefix.trim(), hash.digest());
        let password = url
            .password()
            .filter(|p| !p.is_empty())
            .map(|p| SecretString::from(p.to_string()));

        Ok(Self {
            inner: Arc::new(Inner {
                client,
                manager: Mutex::new(None),
                script: redis::Script::new(GCRA_SCRIPT),
                tat_key: format!("{base}:tat"),
                pause_key: format!("{base}:pause"),
                interval_us,
                tolerance_us,
                store_timeout: shared.store_timeout,
                fallback,
                fallback_processes: shared.fallback_processes,
                health: Health::default(),
                shown_url: shown,
                password,
            }),
        })
    }

    /// Waits until a request may be sent under the fleet's limit (the contract of
    /// `Limiter::acquire`): past any shared pause, then for a reserved slot; or, while the
    /// store does not answer, for a slot of the local fallback limit.
    pub(crate) async fn acquire(
        &self,
        pause: &SharedPause,
        longest_wait: Duration,
        deadline: Option<Instant>,
    ) -> Result<(), Duration> {
        let inner = &self.inner;
        loop {
            if let Some(until) = pause.remaining() {
                let remaining = until.saturating_duration_since(Instant::now());
                if remaining > longest_wait {
                    return Err(remaining);
                }
                tokio::time::sleep_until(until).await;
                continue;
            }
            if inner.health.use_fallback() {
                if let Some(fallback) = &inner.fallback {
                    fallback.until_ready().await;
                }
                if pause.remaining().is_none() {
                    return Ok(());
                }
                continue;
            }
            let longest = deadline.map_or(MAX_RESERVATION, |deadline| {
                deadline.saturating_duration_since(Instant::now())
            });
            match self.reserve(longest).await {
                Ok(Verdict::Go(wait)) => {
                    if !wait.is_zero() {
                        tokio::time::sleep(wait).await;
                    }
                    // A 429 may have paused everyone while we waited for the slot.
                    if pause.remaining().is_none() {
                        return Ok(());
                    }
                }
                Ok(Verdict::Paused(remaining)) => pause.hold(remaining),
                // Further than the deadline: the execution path drops this wait at the deadline.
                Ok(Verdict::TooFar(wait)) => tokio::time::sleep(wait).await,
                Err(problem) => inner.health.fell_back(inner, &problem),
            }
        }
    }

    /// Publishes a 429's pause to every process (in the background: the caller has its own
    /// copy of the pause already).
    pub(crate) fn publish_pause(&self, wait: Duration) {
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let this = self.clone();
        runtime.spawn(async move {
            let ms = u64::try_from(wait.min(MAX_PAUSE).as_millis())
                .unwrap_or(u64::MAX)
                .max(1);
            let outcome = this.call("pause", &[ms.to_string()]).await;
            match outcome {
                Ok(_) => this.inner.health.answered(&this.inner),
                Err(problem) => this.inner.health.fell_back(&this.inner, &problem),
            }
        });
    }

    /// One `acquire` call of the script.
    async fn reserve(&self, longest: Duration) -> Result<Verdict, String> {
        let inner = &self.inner;
        let longest_us = u64::try_from(longest.as_micros()).unwrap_or(u64::MAX);
        let reply = self
            .call(
                "acquire",
                &[
                    inner.interval_us.to_string(),
                    inner.tolerance_us.to_string(),
                    longest_us.to_string(),
                ],
            )
            .await?;
        inner.health.answered(inner);
        let micros = |value: i64| Duration::from_micros(u64::try_from(value).unwrap_or(0));
        match reply.as_slice() {
            [RESERVED, wait] => Ok(Verdict::Go(micros(*wait))),
            [PAUSED, remaining] => Ok(Verdict::Paused(micros(*remaining))),
            [TOO_FAR, wait] => Ok(Verdict::TooFar(micros(*wait))),
            other => Err(format!(
                "unexpected reply from the rate-limit script: {other:?}"
            )),
        }
    }

    /// Runs the script (EVALSHA, loading it on NOSCRIPT) within the store timeout.
    async fn call(&self, mode: &str, args: &[String]) -> Result<Vec<i64>, String> {
        let inner = &self.inner;
        let mut manager = inner.manager()?;
        let mut invocation = inner.script.prepare_invoke();
        invocation
            .key(&inner.tat_key)
            .key(&inner.pause_key)
            .arg(mode);
        for arg in args {
            invocation.arg(arg);
        }
        match tokio::time::timeout(
            inner.store_timeout,
            invocation.invoke_async::<Vec<i64>>(&mut manager),
        )
        .await
        {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(error)) => Err(inner.scrub(&error.to_string())),
            Err(_) => Err(format!(
                "no answer within {} ms",
                inner.store_timeout.as_millis()
            )),
        }
    }
}

/// A connection manager and whether the runtime it was made on still runs.
struct LiveManager {
    manager: ConnectionManager,
    /// Upgradable while the runtime runs: the only strong count is held by an idle task on
    /// it, dropped with the runtime's tasks when it shuts down.
    runtime_alive: Weak<()>,
}

impl Inner {
    /// The connection manager, made on the current runtime when there is none yet or the
    /// runtime the last one was made on has shut down (a client kept across runtimes: a
    /// runtime per batch, tests sharing a client); otherwise every call would fail with a
    /// broken pipe and the client would pace alone for the rest of its life. Must be called
    /// inside a runtime; the lock is never held across an `.await`.
    fn manager(&self) -> Result<ConnectionManager, String> {
        let mut slot = self.manager.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(live) = slot.as_ref()
            && live.runtime_alive.strong_count() > 0
        {
            return Ok(live.manager.clone());
        }
        // Short, bounded attempts: the caller's own timeout decides when the store counts as
        // unreachable, and the manager reconnects on the next call.
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.store_timeout))
            .set_response_timeout(Some(self.store_timeout))
            .set_number_of_retries(1)
            .set_max_delay(Duration::from_millis(100));
        let manager = ConnectionManager::new_lazy_with_config(self.client.clone(), config)
            .map_err(|e| self.scrub(&e.to_string()))?;
        let alive = Arc::new(());
        let runtime_alive = Arc::downgrade(&alive);
        tokio::spawn(async move {
            let _alive = alive;
            std::future::pending::<()>().await;
        });
        *slot = Some(LiveManager {
            manager: manager.clone(),
            runtime_alive,
        });
        Ok(manager)
    }

    /// `text` without the store's password, whatever produced it.
    fn scrub(&self, text: &str) -> String {
        match &self.password {
            Some(password) => text.replace(password.expose_secret(), "[REDACTED]"),
            None => text.to_string(),
        }
    }
}

/// Whether the store answers, and when to ask it again if not.
#[derive(Default)]
struct Health {
    down: AtomicBool,
    /// While down: when the next probe may start, in nanoseconds after `epoch`.
    next_probe: AtomicU64,
    epoch: OnceLock<Instant>,
}

impl Health {
    fn now_nanos(&self) -> u64 {
        let epoch = *self.epoch.get_or_init(Instant::now);
        u64::try_from(epoch.elapsed().as_nanos()).unwrap_or(u64::MAX)
    }

    /// Whether this caller paces locally: the store is down and another caller probes it (or
    /// a probe ran less than [`PROBE_INTERVAL`] ago).
    fn use_fallback(&self) -> bool {
        if !self.down.load(Ordering::Acquire) {
            return false;
        }
        let now = self.now_nanos();
        let next = self.next_probe.load(Ordering::Acquire);
        if now < next {
            return true;
        }
        let later = now.saturating_add(PROBE_INTERVAL.as_nanos() as u64);
        // Exactly one caller wins the probe; the others pace locally.
        self.next_probe
            .compare_exchange(next, later, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    }

    fn fell_back(&self, inner: &Inner, problem: &str) {
        let later = self
            .now_nanos()
            .saturating_add(PROBE_INTERVAL.as_nanos() as u64);
        self.next_probe.fetch_max(later, Ordering::AcqRel);
        if !self.down.swap(true, Ordering::AcqRel) {
            tracing::warn!(
                store = %inner.shown_url,
                problem,
                fallback_share = format!("1/{}", inner.fallback_processes),
                "the shared rate-limit store does not answer; pacing locally at a fallback share of the limit until it does"
            );
        }
    }

    fn answered(&self, inner: &Inner) {
        if self.down.swap(false, Ordering::AcqRel) {
            tracing::info!(
                store = %inner.shown_url,
                "the shared rate-limit store answers again; rejoining the fleet's limit"
            );
        }
    }
}
