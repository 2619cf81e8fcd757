//! Fleet mode across processes, with processes of the classify example and `SAIL_REDIS_URL`
//! in their environment: four on one client_id against one emulator enforcing ISC's limit
//! (100 requests per 10 s per client_id) answer every id with zero 429s at the server; one
//! process's 429 pauses another; and `rediss://` works with a trusted certificate and falls
//! back, saying why, with an untrusted one.
//!
//! The example must be built with the facade's `redis` (and `redis-tls`) feature: `cargo xtask test` (and any
//! `cargo test --workspace`) builds it so, because the testkit's tests enable the feature. A
//! build without it makes the processes refuse `SAIL_REDIS_URL` (exit 2, naming the feature):
//! the test then says so and skips, unless `SAILPOINT_REQUIRE_REDIS=1` (as under
//! `cargo xtask test`), where it fails.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use std::time::Duration;

use sailpoint_v2025::ENV_REDIS_URL;
use sailpoint_v2025_testkit::{
    EmulatedAccount, Emulator, Fault, ServerRateLimit as RateLimit, TestRedis, demo,
};

const PROCESSES: usize = 4;
const IDS_PER_PROCESS: usize = 30;

/// The example binary cargo built next to this test's binary.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("examples").join("classify");
    assert!(binary.exists(), "{} is missing", binary.display());
    binary
}

fn account_id(i: usize) -> String {
    format!("fleet-proc-{i:04}")
}

/// The example with `ids`, pointed at `emu` and at Redis, on the demo client.
fn fleet_process(emu: &Emulator, redis_url: &str, workdir: &Path, ids: &[String]) -> Command {
    let mut command = Command::new(example_binary());
    command
        .args(ids)
        .current_dir(workdir)
        .env("SAIL_BASE_URL", emu.base_url())
        .env("SAIL_CLIENT_ID", demo::CLIENT_ID)
        .env("SAIL_CLIENT_SECRET", demo::CLIENT_SECRET)
        .env_remove("SAIL_ACCESS_TOKEN")
        .env(ENV_REDIS_URL, redis_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

/// Whether the example said it was built without the `redis` feature (then the test skips,
/// unless `SAILPOINT_REQUIRE_REDIS=1`, where it fails).
fn built_without_redis(outputs: &[std::process::Output]) -> bool {
    let without_feature = outputs
        .iter()
        .any(|o| String::from_utf8_lossy(&o.stderr).contains("enable the crate feature `redis`"));
    if without_feature {
        let required = std::env::var("SAILPOINT_REQUIRE_REDIS").is_ok_and(|v| v == "1");
        assert!(
            !required,
            "the classify example was built without the facade's `redis` feature"
        );
        eprintln!(
            "skipped: the classify example was built without the `redis` feature (run \
             `cargo test --workspace` or `cargo xtask test`)"
        );
    }
    without_feature
}

/// The pause across processes: one process gets a 429 with `Retry-After: 8`; a second process
/// started after it (same client_id, same Redis, nothing else shared) sends nothing until the
/// pause is over, and neither gets a second 429. Lower bounds only: a slow machine makes the
/// second process later, never earlier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_seen_by_one_process_pauses_the_others() {
    const RETRY_AFTER_S: i64 = 8;
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let emu = Emulator::builder()
        .without_rate_limit()
        .accounts(["pause-a", "pause-b"].map(|id| EmulatedAccount::new(id, format!("svc-{id}"))))
        .start()
        .await
        .expect("emulator starts");
    let workdir = std::env::temp_dir().join(format!("classify-pause-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("temp dir");
    emu.inject(Fault::RateLimited {
        retry_after: Some(RETRY_AFTER_S.to_string()),
    });

    let first = fleet_process(&emu, &redis.url(), &workdir, &["pause-a".to_owned()])
        .spawn()
        .expect("the first process starts");
    // The first process has its 429 ...
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while emu.counters().rate_limited == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the first process sent nothing within a minute"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // ... and publishes the pause in the background, bounded by its store timeout (500 ms).
    tokio::time::sleep(Duration::from_secs(2)).await;
    let second = fleet_process(&emu, &redis.url(), &workdir, &["pause-b".to_owned()])
        .spawn()
        .expect("the second process starts");
    let outputs = tokio::task::spawn_blocking(move || {
        [first, second].map(|child| child.wait_with_output().expect("the example runs"))
    })
    .await
    .expect("join");
    let _ = std::fs::remove_dir_all(&workdir);
    if built_without_redis(&outputs) {
        return;
    }
    for (p, output) in outputs.iter().enumerate() {
        assert_eq!(
            output.status.code(),
            Some(0),
            "process {p}\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let requests = emu.requests();
    let limited = requests
        .iter()
        .find(|r| r.status == Some(429))
        .expect("the injected 429");
    assert_eq!(limited.account_id, "pause-a");
    let paused_until = limited.received_at.timestamp_millis() + RETRY_AFTER_S * 1000;
    // 1 s of slack for Retry-After's whole seconds and the clocks' reading.
    for id in ["pause-a", "pause-b"] {
        let answered = requests
            .iter()
            .find(|r| r.account_id == id && r.status == Some(200))
            .unwrap_or_else(|| panic!("{id} answered: {requests:#?}"));
        let early_ms = paused_until - answered.received_at.timestamp_millis();
        assert!(
            early_ms < 1000,
            "{id} was sent {early_ms} ms before the shared pause ended"
        );
    }
    assert_eq!(emu.counters().rate_limited, 1);
    drop(redis);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_processes_share_one_limit_through_redis() {
    let Some(redis) = TestRedis::for_test() else {
        return;
    };
    let total = PROCESSES * IDS_PER_PROCESS;
    let emu = Emulator::builder()
        .rate_limit(Some(RateLimit::ISC))
        .accounts((0..total).map(|i| EmulatedAccount::new(account_id(i), format!("svc-proc-{i}"))))
        .start()
        .await
        .expect("emulator starts");
    let workdir = std::env::temp_dir().join(format!("classify-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("temp dir");

    let children: Vec<_> = (0..PROCESSES)
        .map(|p| {
            let ids: Vec<String> = (0..IDS_PER_PROCESS)
                .map(|i| account_id(p * IDS_PER_PROCESS + i))
                .collect();
            fleet_process(&emu, &redis.url(), &workdir, &ids)
                .spawn()
                .expect("the example starts")
        })
        .collect();
    // Waited for on blocking threads: the emulator runs on this runtime.
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| child.wait_with_output().expect("the example runs"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("join");
    let _ = std::fs::remove_dir_all(&workdir);

    if built_without_redis(&outputs) {
        return;
    }
    for (p, output) in outputs.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(0),
            "process {p}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        );
        for i in 0..IDS_PER_PROCESS {
            let id = account_id(p * IDS_PER_PROCESS + i);
            assert!(
                stdout
                    .lines()
                    .any(|l| l.starts_with(&id) && l.contains("machine")),
                "process {p}: no result for {id}\n{stdout}"
            );
        }
    }
    let counters = emu.counters();
    if counters.rate_limited > 0 {
        // The arrivals, to see who overran the limit.
        let requests = emu.requests();
        let first = requests[0].received_at.timestamp_micros();
        for r in &requests {
            let ms = (r.received_at.timestamp_micros() - first) / 1000;
            eprintln!("{ms:>8} ms  {}  {:?}", r.account_id, r.status);
        }
    }
    assert_eq!(counters.rate_limited, 0, "429s at the server: {counters:?}");
    assert_eq!(counters.classify_requests, total as u64);
    // ISC's window, sliding: at most 100 arrivals in any 10 s.
    let mut times: Vec<i64> = emu
        .requests()
        .iter()
        .map(|r| r.received_at.timestamp_micros())
        .collect();
    times.sort();
    let window = 10_000_000;
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= window {
            start += 1;
        }
        assert!(
            end - start < 100,
            "{} requests within 10 s",
            end - start + 1
        );
    }
    drop(redis);
}

/// A CA, and a certificate it signed for `127.0.0.1` and `localhost`, written as PEM files into
/// `dir`: (`ca.pem`, `server.pem`, `server.key`).
fn test_certificates(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("a CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, format!("{name} test CA"));
    let ca_cert = ca_params.self_signed(&ca_key).expect("the CA certificate");
    let server_key = KeyPair::generate().expect("a server key");
    let server_params =
        CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .expect("server params");
    let server_cert = server_params
        .signed_by(&server_key, &Issuer::from_params(&ca_params, &ca_key))
        .expect("the server certificate");
    let paths = (
        dir.join(format!("{name}-ca.pem")),
        dir.join(format!("{name}-server.pem")),
        dir.join(format!("{name}-server.key")),
    );
    std::fs::write(&paths.0, ca_cert.pem()).expect("written");
    std::fs::write(&paths.1, server_cert.pem()).expect("written");
    std::fs::write(&paths.2, server_key.serialize_pem()).expect("written");
    paths
}

/// Fleet mode over TLS (`rediss://`, feature `redis-tls`) against a `redis-server` speaking
/// TLS with a certificate of a test CA: trusted (the CA in `SSL_CERT_FILE`, which
/// rustls-native-certs reads), the process shares the limit through it (its keys appear);
/// not trusted (another CA), no key is written, the process says once that it paces locally,
/// and every id is still answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rediss_is_used_with_a_trusted_certificate_and_refused_with_another() {
    let required = std::env::var("SAILPOINT_REQUIRE_REDIS").is_ok_and(|v| v == "1");
    if !sailpoint_v2025_testkit::RedisServer::available() {
        assert!(!required, "redis-server is not installed");
        eprintln!("skipped: redis-server is not installed");
        return;
    }
    let workdir = std::env::temp_dir().join(format!("classify-rediss-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("temp dir");
    let (ca, cert, key) = test_certificates(&workdir, "trusted");
    let (other_ca, _, _) = test_certificates(&workdir, "other");
    let redis = sailpoint_v2025_testkit::RedisServer::start_tls(&cert, &key)
        .expect("a TLS redis-server starts");
    let url = redis.tls_url().expect("a TLS port");
    let mut outputs = Vec::new();
    for (roots, id) in [(&ca, "tls-a"), (&other_ca, "tls-b")] {
        // An emulator each: another base URL, so another key in Redis (one written through an
        // untrusted connection would show).
        let emu = Emulator::builder()
            .without_rate_limit()
            .account(EmulatedAccount::new(id, format!("svc-{id}")))
            .start()
            .await
            .expect("emulator starts");
        let mut command = fleet_process(&emu, &url, &workdir, &[id.to_owned()]);
        command
            .env("SSL_CERT_FILE", roots)
            .env_remove("SSL_CERT_DIR");
        let output = tokio::task::spawn_blocking(move || command.output().expect("runs"))
            .await
            .expect("join");
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        if stderr.contains("enable the crate feature `redis-tls`") {
            assert!(
                !required,
                "the classify example was built without the facade's `redis-tls` feature"
            );
            eprintln!("skipped: the classify example was built without `redis-tls`");
            let _ = std::fs::remove_dir_all(&workdir);
            return;
        }
        assert_eq!(output.status.code(), Some(0), "{id}: {stderr}");
        assert!(
            String::from_utf8_lossy(&output.stdout).contains(id),
            "{id} answered"
        );
        outputs.push((stderr, redis.key_count().expect("DBSIZE")));
    }
    let _ = std::fs::remove_dir_all(&workdir);

    let (trusted_stderr, keys_after_trusted) = &outputs[0];
    assert!(
        !trusted_stderr.contains("does not answer"),
        "the trusted TLS Redis was not used: {trusted_stderr}"
    );
    assert!(*keys_after_trusted >= 1, "no key written over TLS");
    let (untrusted_stderr, keys_after_untrusted) = &outputs[1];
    assert_eq!(
        untrusted_stderr.matches("does not answer").count(),
        1,
        "one warning when the certificate is not trusted: {untrusted_stderr}"
    );
    assert!(
        untrusted_stderr.contains("UnknownIssuer"),
        "the warning says why: {untrusted_stderr}"
    );
    // (Not equal: the first run's key may expire meanwhile.)
    assert!(
        keys_after_untrusted <= keys_after_trusted,
        "nothing written through an untrusted connection"
    );
}
