//! Fleet mode: the rate limit and the 429 pause shared through a real `redis-server` by
//! clients that share nothing else (as separate processes would), against an emulator that
//! enforces the limit and counts 429s.
//!
//! Redis comes from `SAILPOINT_TEST_REDIS_URL` (set by `cargo xtask test`), else a
//! `redis-server` started here; without either the tests print why and skip, unless
//! `SAILPOINT_REQUIRE_REDIS=1` (set by `cargo xtask test`), which makes them fail.

mod common;

use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::StreamExt;
use sailpoint_v2025::{
    Client, ClientBuilder, ENV_REDIS_URL, Error, RateLimit, RetryConfig, SharedRateLimit,
};
use sailpoint_v2025_testkit::{EmulatedAccount, Emulator, Fault, RedisServer, TestRedis, demo};

/// A key prefix no other test (or earlier run against the same Redis) uses.
fn unique_prefix(label: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "fleet-test:{label}:{}:{}:{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed),
        Utc::now().timestamp_micros()
    )
}

fn account_id(i: usize) -> String {
    format!("fleet-{i:04}")
}

async fn emulator_with(
    accounts: usize,
    limit: Option<sailpoint_v2025_testkit::ServerRateLimit>,
) -> Emulator {
    Emulator::builder()
        .rate_limit(limit)
        .accounts(
            (0..accounts).map(|i| EmulatedAccount::new(account_id(i), format!("svc-fleet-{i}"))),
        )
        .start()
        .await
        .expect("emulator starts")
}

/// A client of `emu` in fleet mode: its own HTTP pool, token and local limiter, sharing only
/// the Redis key with the others (what separate processes share).
fn fleet_client(emu: &Emulator, shared: SharedRateLimit, limit: RateLimit) -> Client {
    common::builder(emu)
        .rate_limit(limit)
        .retry(RetryConfig::default().max_attempts(5))
        .shared_rate_limit(shared)
        .build()
        .expect("fleet client builds")
}

/// The most requests the emulator received in any window of `period` (sliding, by arrival).
fn max_in_any_window(emu: &Emulator, period: Duration) -> usize {
    let mut times: Vec<DateTime<Utc>> = emu.requests().iter().map(|r| r.received_at).collect();
    times.sort();
    let period = chrono::Duration::from_std(period).expect("period fits");
    let mut best = 0;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= period {
            start += 1;
        }
        best = best.max(end - start + 1);
    }
    best
}

/// Runs `per_client` calls on each client at once; every result.
async fn hammer(clients: &[Client], per_client: usize) -> Vec<Result<(), Error>> {
    let mut tasks = Vec::new();
    for (c, client) in clients.iter().enumerate() {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            let ids = (0..per_client).map(move |i| account_id(c * per_client + i));
            client
                .classify_accounts(ids)
                .concurrency(8)
                .map(|(_, result)| result.map(drop))
                .collect::<Vec<_>>()
                .await
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.expect("task"));
    }
    all
}

/// Four clients that share only Redis stay within one limit together: zero 429s at a server
/// enforcing that limit, every call answered, and never more than the limit in any window.
/// The same four without fleet mode overrun it (the control that shows the test can fail).
///
/// The period is long (2 s, one request per 222 ms) because arrivals are measured at the
/// server: on a loaded machine scheduling delays of tens of milliseconds bunch requests up,
/// and the promise allows one interval of such delay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_sharing_redis_stay_within_one_limit() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    const REQUESTS: u32 = 10;
    let period = Duration::from_secs(2);
    let server_limit = sailpoint_v2025_testkit::ServerRateLimit::new(REQUESTS, period);
    let emu = emulator_with(40, Some(server_limit)).await;
    let prefix = unique_prefix("share");
    let clients: Vec<Client> = (0..4)
        .map(|_| {
            fleet_client(
                &emu,
                SharedRateLimit::redis(redis.url()).key_prefix(&prefix),
                RateLimit::new(REQUESTS, period),
            )
        })
        .collect();
    let results = hammer(&clients, 10).await;
    assert_eq!(results.len(), 40);
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "failed calls: {failed:?}");
    let counters = emu.counters();
    assert_eq!(counters.rate_limited, 0, "429s at the server: {counters:?}");
    assert_eq!(counters.classify_requests, 40);
    let most = max_in_any_window(&emu, period);
    assert!(
        most <= REQUESTS as usize,
        "{most} requests arrived within one {period:?} window (limit {REQUESTS})"
    );

    // Control: the same clients pacing alone send four times the limit.
    let control = emulator_with(40, Some(server_limit)).await;
    let alone: Vec<Client> = (0..4)
        .map(|_| {
            common::builder(&control)
                .rate_limit(RateLimit::new(REQUESTS, period))
                .retry(RetryConfig::disabled())
                .build()
                .expect("client")
        })
        .collect();
    let _ = hammer(&alone, 10).await;
    assert!(
        control.counters().rate_limited > 0,
        "without fleet mode four clients should overrun the limit"
    );
}

/// The Lua GCRA under contention: eight clients with eight calls in flight each (64 waiters)
/// hammer one key with a limit of 10 per 2 s on a server without a limit of its own; the
/// arrivals never exceed the limit in any window, and all 48 calls are admitted (none lost to
/// a reservation race).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_lua_gcra_admits_at_most_the_limit_per_window() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    const REQUESTS: u32 = 10;
    let period = Duration::from_secs(2);
    let emu = emulator_with(48, None).await;
    let prefix = unique_prefix("gcra");
    let clients: Vec<Client> = (0..8)
        .map(|_| {
            fleet_client(
                &emu,
                SharedRateLimit::redis(redis.url()).key_prefix(&prefix),
                RateLimit::new(REQUESTS, period),
            )
        })
        .collect();
    let results = hammer(&clients, 6).await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 48);
    assert_eq!(emu.counters().classify_requests, 48);
    let most = max_in_any_window(&emu, period);
    assert!(
        most <= REQUESTS as usize,
        "{most} requests within one {period:?} window (limit {REQUESTS})"
    );
}

/// One client's 429 pauses a client that shares only Redis with it: with a pause longer than
/// the other's `max_retry_after`, the other fails fast without sending anything. A client on
/// another key is not paused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_client_pauses_the_others() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let emu = emulator_with(4, None).await;
    let prefix = unique_prefix("pause");
    let client = |prefix: &str| {
        common::builder(&emu)
            .rate_limit(RateLimit::default())
            .retry(RetryConfig::disabled().max_retry_after(Duration::from_secs(1)))
            .shared_rate_limit(SharedRateLimit::redis(redis.url()).key_prefix(prefix))
            .build()
            .expect("client")
    };
    let (first, second) = (client(&prefix), client(&prefix));
    let elsewhere = client(&unique_prefix("pause-other"));

    emu.inject(Fault::RateLimited {
        retry_after: Some("30".into()),
    });
    let err = first
        .send_classify_machine_account(account_id(0))
        .await
        .expect_err("429");
    assert!(matches!(err, Error::TooManyRequests { .. }), "{err:?}");
    assert_eq!(emu.counters().classify_requests, 1);

    // The pause is published in the background, within the store timeout (500 ms).
    tokio::time::sleep(Duration::from_secs(1)).await;
    match second.send_classify_machine_account(account_id(1)).await {
        Err(Error::TooManyRequests { retry_after, .. }) => {
            let remaining = retry_after.expect("the pause's remaining time");
            assert!(remaining > Duration::from_secs(20), "{remaining:?}");
        }
        other => panic!("the second client was not paused: {other:?}"),
    }
    // Refused locally: the server saw only the first client's request.
    assert_eq!(emu.counters().classify_requests, 1);

    elsewhere
        .send_classify_machine_account(account_id(2))
        .await
        .expect("another key is not paused");
    assert_eq!(emu.counters().classify_requests, 2);
}

/// A `MakeWriter` appending to a shared buffer (the log a test inspects).
#[derive(Clone, Default)]
struct LogBuffer(Arc<Mutex<Vec<u8>>>);

impl LogBuffer {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl io::Write for LogBuffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn capture(buffer: &LogBuffer) -> tracing::subscriber::DefaultGuard {
    let writer = buffer.clone();
    tracing::subscriber::set_default(
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish(),
    )
}

const FELL_BACK: &str = "the shared rate-limit store does not answer";
const REJOINED: &str = "the shared rate-limit store answers again";

/// The store killed (SIGKILL) mid-run and restarted on the same port: every id is answered,
/// one warning when the client falls back, one info when it rejoins. Current-thread runtime,
/// so the log capture sees every event.
#[tokio::test]
async fn the_store_killed_and_restarted_mid_run() {
    let required = std::env::var("SAILPOINT_REQUIRE_REDIS").is_ok_and(|v| v == "1");
    let mut redis = match RedisServer::start() {
        Ok(server) => server,
        Err(err) if required => panic!("SAILPOINT_REQUIRE_REDIS=1 but redis-server: {err}"),
        Err(err) => {
            eprintln!("skipped: this test starts its own redis-server ({err})");
            return;
        }
    };
    let buffer = LogBuffer::default();
    let _guard = capture(&buffer);
    const IDS: usize = 80;
    let emu = emulator_with(IDS, None).await;
    let client = fleet_client(
        &emu,
        SharedRateLimit::redis(redis.url())
            .key_prefix(unique_prefix("kill"))
            .store_timeout(Duration::from_millis(300)),
        RateLimit::new(20, Duration::from_secs(1)),
    );
    let port = redis.port();
    let mut run = client
        .classify_accounts((0..IDS).map(account_id))
        .concurrency(4);
    let mut answered = Vec::new();
    while let Some((id, result)) = run.next().await {
        result.unwrap_or_else(|e| panic!("{id}: {e}"));
        answered.push(id);
        match answered.len() {
            15 => redis.kill(),
            30 => redis = RedisServer::start_on(port).expect("redis restarts on its port"),
            _ => {}
        }
    }
    answered.sort();
    let mut expected: Vec<String> = (0..IDS).map(account_id).collect();
    expected.sort();
    assert_eq!(answered, expected, "every id answered once");
    let log = buffer.text();
    assert_eq!(log.matches(FELL_BACK).count(), 1, "one warning:\n{log}");
    assert_eq!(log.matches(REJOINED).count(), 1, "one rejoin:\n{log}");
    assert!(
        log.find(FELL_BACK) < log.find(REJOINED),
        "fell back, then rejoined:\n{log}"
    );
    drop(redis);
}

/// A store that refuses connections (or a wrong host) fails no call: the client paces
/// locally, logs one warning, and the URL's password appears in no log line.
#[tokio::test]
async fn an_unreachable_store_fails_no_call_and_leaks_no_password() {
    const PASSWORD: &str = "fleet-pw-Zq81x";
    let buffer = LogBuffer::default();
    let _guard = capture(&buffer);
    let emu = emulator_with(12, None).await;
    let refused = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    let url = format!("redis://user:{PASSWORD}@127.0.0.1:{refused}/3");
    let client = common::builder(&emu)
        .environment([(ENV_REDIS_URL, url.as_str())])
        .rate_limit(RateLimit::new(40, Duration::from_secs(1)))
        .build()
        .expect("an unreachable store is no build error");
    let debug = format!("{client:?}");
    assert!(!debug.contains(PASSWORD), "{debug}");
    assert!(debug.contains("[REDACTED]"), "{debug}");
    let results: Vec<_> = client
        .classify_accounts((0..12).map(account_id))
        .concurrency(4)
        .collect()
        .await;
    assert_eq!(results.len(), 12);
    for (id, result) in &results {
        assert!(result.is_ok(), "{id}: {result:?}");
    }
    let log = buffer.text();
    assert_eq!(log.matches(FELL_BACK).count(), 1, "{log}");
    assert!(!log.contains(PASSWORD), "{log}");
}

/// An invalid `SAIL_REDIS_URL` is a configuration error at build time that names the variable
/// and never the password.
#[test]
fn an_invalid_redis_url_is_a_config_error_without_the_password() {
    const PASSWORD: &str = "s3cr3t-Redis-pw";
    for url in [
        format!("redis://:{PASSWORD}@127.0.0.1:notaport"),
        format!("http://user:{PASSWORD}@127.0.0.1:6379"),
        format!("redis://:{PASSWORD}@127.0.0.1:6379/notadb"),
        format!("redis://:{PASSWORD}@"),
        PASSWORD.to_string(),
        format!("redis//:{PASSWORD}@host"),
    ] {
        let builder: ClientBuilder = common::isolated_builder()
            .base_url("http://127.0.0.1:9")
            .client_credentials(demo::CLIENT_ID, demo::CLIENT_SECRET)
            .environment([(ENV_REDIS_URL, url.as_str())]);
        let err = builder.build().expect_err(&url);
        assert!(matches!(err, Error::Config { .. }), "{url}: {err:?}");
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(shown.contains(ENV_REDIS_URL), "{url}: {shown}");
            assert!(!shown.contains(PASSWORD), "{url}: {shown}");
        }
    }
    // The builder's own setting is named as such, and its Debug hides the password.
    let shared = SharedRateLimit::redis(format!("redis://:{PASSWORD}@127.0.0.1:1/2"));
    assert!(!format!("{shared:?}").contains(PASSWORD));
    assert_eq!(shared.redacted_url(), "redis://[REDACTED]@127.0.0.1:1/2");
    let err = common::isolated_builder()
        .base_url("http://127.0.0.1:9")
        .client_credentials(demo::CLIENT_ID, demo::CLIENT_SECRET)
        .shared_rate_limit(SharedRateLimit::redis(format!("redis://:{PASSWORD}@h:1/x")))
        .build()
        .expect_err("bad db");
    assert!(err.to_string().contains(".shared_rate_limit()"), "{err}");
    assert!(!err.to_string().contains(PASSWORD), "{err}");
}

/// A client outlives the runtime that first used fleet mode (a program that builds a runtime
/// per batch, a static client shared by tests): later runtimes still share the limit through
/// Redis, with no fallback.
#[test]
fn a_client_outlives_the_runtime_that_first_used_the_store() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    // The emulator on a runtime of its own that lasts the whole test.
    let server_runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("a runtime for the emulator");
    let emu = server_runtime.block_on(emulator_with(3, None));
    let buffer = LogBuffer::default();
    let _guard = capture(&buffer);
    // Built outside any runtime: building does no I/O.
    let client = fleet_client(
        &emu,
        SharedRateLimit::redis(redis.url())
            .key_prefix(unique_prefix("runtimes"))
            .store_timeout(Duration::from_secs(2)),
        RateLimit::new(20, Duration::from_secs(1)),
    );
    for round in 0..3 {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime per round");
        runtime
            .block_on(
                client
                    .send_classify_machine_account(account_id(round))
                    .send(),
            )
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        drop(runtime);
    }
    let log = buffer.text();
    assert_eq!(log.matches(FELL_BACK).count(), 0, "no fallback:\n{log}");
    assert_eq!(emu.counters().classify_requests, 3);
    drop(redis);
}
