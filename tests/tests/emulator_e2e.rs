//! End-to-end tests of the `sailpoint_v2025` facade against the emulator: classification modes
//! and manual-classification rules, token expiry during long runs, the server's rate limit, and
//! every injected fault surfacing as its typed error (and recovering when it is transient).

mod common;

use std::time::{Duration, Instant};

use futures::StreamExt;
use sailpoint_v2025::{ClassificationMode, Client, Error, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, Fault, demo};

/// A client for the emulator with the demo credentials, independent of the process
/// environment and of any `./config.json`.
fn client(emu: &Emulator, retry: RetryConfig, limit: RateLimit) -> Client {
    client_with_timeout(emu, retry, limit, Duration::from_secs(30))
}

fn client_with_timeout(
    emu: &Emulator,
    retry: RetryConfig,
    limit: RateLimit,
    timeout: Duration,
) -> Client {
    common::builder(emu)
        .retry(retry)
        .rate_limit(limit)
        .timeout(timeout)
        .build()
        .expect("client builds")
}

/// Retries with short waits, so failing attempts do not slow the tests down.
fn fast_retry(attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .max_attempts(attempts)
        .initial_backoff(Duration::from_millis(10))
        .max_backoff(Duration::from_millis(50))
}

/// The stored state of an emulator account: `(is_machine, manually_classified)`.
fn state(emu: &Emulator, id: &str) -> (Option<bool>, bool) {
    let account = emu.account(id).expect("account exists");
    (account.is_machine, account.manually_classified)
}

async fn classify(client: &Client, id: &str, mode: ClassificationMode) -> bool {
    client
        .send_classify_machine_account(id)
        .classification_mode(mode)
        .await
        .unwrap_or_else(|e| panic!("classify {id} {mode}: {e}"))
        .is_machine
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn all_modes_and_manual_classification_rules_on_demo_accounts() {
    let emu = common::emulator().await;
    let client = client(&emu, RetryConfig::disabled(), RateLimit::unlimited());

    // Before anything: the seeded states.
    assert_eq!(state(&emu, demo::MACHINE_ID), (None, false));
    assert_eq!(state(&emu, demo::MANUAL_HUMAN_ID), (Some(false), true));
    assert_eq!(state(&emu, demo::MANUAL_MACHINE_ID), (Some(true), true));

    // `default` (also what a request without a mode sends): criteria for ordinary accounts,
    // stored not-manual; manually classified accounts keep their stored value and mark.
    let expected_default = [
        (demo::MACHINE_ID, true),
        (demo::HUMAN_ID, false),
        (demo::MANUAL_HUMAN_ID, false),
        (demo::MANUAL_MACHINE_ID, true),
        (demo::CORRELATED_SERVICE_ID, false),
        (demo::COMPUTER_ID, true),
        (demo::ORPHAN_HUMAN_ID, false),
    ];
    for (id, expected) in expected_default {
        let answer = client
            .send_classify_machine_account(id)
            .await
            .expect("default classify")
            .is_machine;
        assert_eq!(answer, expected, "default on {id}");
        let manual = id == demo::MANUAL_HUMAN_ID || id == demo::MANUAL_MACHINE_ID;
        assert_eq!(state(&emu, id), (Some(expected), manual), "state of {id}");
    }

    // `ignoreManual` re-evaluates manually classified accounts by the criteria and clears the
    // manual mark.
    assert!(
        classify(
            &client,
            demo::MANUAL_HUMAN_ID,
            ClassificationMode::IgnoreManual
        )
        .await
    );
    assert_eq!(state(&emu, demo::MANUAL_HUMAN_ID), (Some(true), false));
    assert!(
        !classify(
            &client,
            demo::MANUAL_MACHINE_ID,
            ClassificationMode::IgnoreManual
        )
        .await
    );
    assert_eq!(state(&emu, demo::MANUAL_MACHINE_ID), (Some(false), false));
    // ... so `default` now follows the criteria for them too.
    assert!(classify(&client, demo::MANUAL_HUMAN_ID, ClassificationMode::Default).await);
    assert!(
        !classify(
            &client,
            demo::MANUAL_MACHINE_ID,
            ClassificationMode::Default
        )
        .await
    );
    // On an ordinary account, ignoreManual is the criteria.
    assert!(classify(&client, demo::COMPUTER_ID, ClassificationMode::IgnoreManual).await);
    assert_eq!(state(&emu, demo::COMPUTER_ID), (Some(true), false));

    // `forceMachine` / `forceHuman` set the value against the criteria and mark it manual ...
    assert!(classify(&client, demo::HUMAN_ID, ClassificationMode::ForceMachine).await);
    assert_eq!(state(&emu, demo::HUMAN_ID), (Some(true), true));
    assert!(!classify(&client, demo::MACHINE_ID, ClassificationMode::ForceHuman).await);
    assert_eq!(state(&emu, demo::MACHINE_ID), (Some(false), true));
    // ... which `default` then keeps ...
    assert!(classify(&client, demo::HUMAN_ID, ClassificationMode::Default).await);
    assert_eq!(state(&emu, demo::HUMAN_ID), (Some(true), true));
    assert!(!classify(&client, demo::MACHINE_ID, ClassificationMode::Default).await);
    assert_eq!(state(&emu, demo::MACHINE_ID), (Some(false), true));
    // ... and `ignoreManual` undoes.
    assert!(!classify(&client, demo::HUMAN_ID, ClassificationMode::IgnoreManual).await);
    assert_eq!(state(&emu, demo::HUMAN_ID), (Some(false), false));
    assert!(classify(&client, demo::MACHINE_ID, ClassificationMode::IgnoreManual).await);
    assert_eq!(state(&emu, demo::MACHINE_ID), (Some(true), false));
    // Forcing the value an account already has still marks it manual.
    assert!(classify(&client, demo::COMPUTER_ID, ClassificationMode::ForceMachine).await);
    assert_eq!(state(&emu, demo::COMPUTER_ID), (Some(true), true));
    assert!(
        !classify(
            &client,
            demo::ORPHAN_HUMAN_ID,
            ClassificationMode::ForceHuman
        )
        .await
    );
    assert_eq!(state(&emu, demo::ORPHAN_HUMAN_ID), (Some(false), true));

    // On the wire: every mode spelled as the spec spells it, the experimental opt-in, a bearer.
    let requests = emu.requests();
    let modes: Vec<&str> = requests
        .iter()
        .map(|r| r.classification_mode.as_deref().unwrap_or("<absent>"))
        .collect();
    for wire in ["default", "ignoreManual", "forceMachine", "forceHuman"] {
        assert!(modes.contains(&wire), "{wire} never sent: {modes:?}");
    }
    assert_eq!(
        &modes[..7],
        &["default"; 7],
        "no mode means `default`, sent explicitly"
    );
    for r in &requests {
        assert_eq!(r.method, "POST");
        assert_eq!(r.experimental.as_deref(), Some("true"));
        assert!(r.has_authorization);
        assert_eq!(r.client_id.as_deref(), Some(demo::CLIENT_ID));
        assert_eq!(r.status, Some(200));
    }
    let counters = emu.counters();
    assert_eq!(counters.classify_requests, requests.len() as u64);
    assert_eq!(counters.classify_status(200), requests.len() as u64);
    assert_eq!(counters.tokens_issued, 1, "one token for the whole session");
    assert_eq!(client.tokens_fetched(), 1);
}

/// 500 calls with concurrency 4; the emulator expires every token after each 100 calls. Every
/// expiry costs exactly one token fetch however many in-flight calls see the 401, so exactly 5
/// tokens are fetched (the first plus one per expiry), and every call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_expiring_every_100_calls_cost_exactly_one_refresh_each() {
    let emu = common::emulator().await;
    // No retries: a 401 must be handled by the token refresh alone.
    let client = client(&emu, RetryConfig::disabled(), RateLimit::unlimited());
    let ids = [demo::MACHINE_ID, demo::HUMAN_ID];

    let mut ok = 0;
    for round in 0..5 {
        if round > 0 {
            emu.expire_all_tokens();
        }
        let chunk = (0..100).map(move |i| ids[i % ids.len()].to_owned());
        let results: Vec<_> = client
            .classify_accounts(chunk)
            .concurrency(4)
            .collect()
            .await;
        assert_eq!(results.len(), 100);
        for (id, result) in results {
            let r = result.unwrap_or_else(|e| panic!("round {round}, {id}: {e}"));
            assert_eq!(r.is_machine, id == demo::MACHINE_ID, "{id}");
            ok += 1;
        }
        assert_eq!(
            client.tokens_fetched(),
            round + 1,
            "one fetch per expiry (round {round})"
        );
    }
    assert_eq!(ok, 500);

    let counters = emu.counters();
    assert_eq!(counters.tokens_issued, 5, "tokens issued at the emulator");
    assert_eq!(client.tokens_fetched(), 5, "tokens fetched by the client");
    assert_eq!(counters.token_requests, 5);
    assert_eq!(counters.classify_status(200), 500);
    let unauthorized = counters.classify_status(401);
    // Each expiry is seen by at least the first call after it, and at most by the 4 calls in
    // flight with the old token.
    assert!(
        (4..=16).contains(&unauthorized),
        "401s: {unauthorized} ({counters:?})"
    );
    assert_eq!(
        counters.classify_requests,
        500 + unauthorized,
        "each 401 is followed by exactly one retry"
    );
}

/// 500 calls spread over about 4 s with 2-second tokens: the client refreshes proactively (at
/// 3/4 of the lifetime) or after a 401, never otherwise, and every call succeeds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn short_lived_tokens_during_a_run_of_500_calls() {
    let lifetime = Duration::from_secs(2);
    let emu = Emulator::builder()
        .token_lifetime(lifetime)
        .without_rate_limit()
        .start()
        .await
        .expect("emulator");
    let client = client(&emu, RetryConfig::disabled(), RateLimit::unlimited());

    let ids = futures::stream::iter(0..500).then(|i| async move {
        tokio::time::sleep(Duration::from_millis(8)).await;
        if i % 2 == 0 {
            demo::MACHINE_ID
        } else {
            demo::HUMAN_ID
        }
    });
    let started = Instant::now();
    let results: Vec<_> = client
        .classify_account_stream(ids)
        .concurrency(4)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert_eq!(results.len(), 500);
    for (id, result) in &results {
        let r = result.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(r.is_machine, *id == demo::MACHINE_ID);
    }
    assert!(
        elapsed >= Duration::from_secs(4),
        "the run spans {elapsed:?}"
    );

    let counters = emu.counters();
    let fetched = client.tokens_fetched();
    assert_eq!(counters.tokens_issued, fetched, "emulator vs client count");
    assert_eq!(counters.token_failures, 0);
    assert_eq!(counters.classify_status(200), 500);
    let unauthorized = counters.classify_status(401);
    assert_eq!(counters.classify_requests, 500 + unauthorized);

    // At least enough tokens to cover the span of successful calls (each is valid for 2 s) ...
    let requests = emu.requests();
    let first = requests.first().expect("requests").received_at;
    let last = requests.last().expect("requests").received_at;
    let span = (last - first).to_std().expect("ordered log");
    let needed = span.as_millis().div_ceil(lifetime.as_millis()) as u64;
    assert!(
        fetched >= needed.max(2),
        "{fetched} tokens cannot cover {span:?} of 2-second tokens"
    );
    // ... and no more than that: a token is replaced early (before 3/4 of its lifetime,
    // with a little slack for clocks) only after a 401.
    let issued: Vec<_> = emu
        .token_requests()
        .iter()
        .filter(|t| t.status == Some(200))
        .map(|t| t.received_at)
        .collect();
    assert_eq!(issued.len() as u64, fetched);
    let early = issued
        .windows(2)
        .filter(|w| (w[1] - w[0]).to_std().unwrap_or_default() < Duration::from_millis(1400))
        .count() as u64;
    assert!(
        early <= unauthorized,
        "{early} early refreshes but only {unauthorized} 401s; token times {issued:?}"
    );
}

/// The emulator allows 10 calls per 500 ms, the client does not limit: 429s happen, and every
/// one is waited out (`Retry-After: 1`) and retried, so every id ends with its answer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_rate_limit_429s_are_waited_out_and_nothing_is_lost() {
    use sailpoint_v2025_testkit::ServerRateLimit as ServerLimit;
    let emu = Emulator::builder()
        .rate_limit(Some(ServerLimit::new(10, Duration::from_millis(500))))
        .start()
        .await
        .expect("emulator");
    let client = client(
        &emu,
        RetryConfig::default()
            .max_attempts(10)
            .initial_backoff(Duration::from_millis(10)),
        RateLimit::unlimited(),
    );
    let demo_ids: Vec<String> = demo::accounts().into_iter().map(|a| a.id).collect();
    let ids: Vec<String> = (0..30)
        .map(|i| demo_ids[i % demo_ids.len()].clone())
        .collect();

    let started = Instant::now();
    let results: Vec<_> = client
        .classify_accounts(ids.clone())
        .concurrency(8)
        .collect()
        .await;
    let elapsed = started.elapsed();

    assert_eq!(results.len(), 30);
    let mut returned: Vec<String> = Vec::new();
    for (id, result) in results {
        if let Err(e) = &result {
            panic!("{id}: {e} ({})", e.kind());
        }
        returned.push(id);
    }
    returned.sort();
    let mut expected = ids;
    expected.sort();
    assert_eq!(returned, expected, "one result per id");

    let counters = emu.counters();
    assert!(
        counters.rate_limited > 0,
        "the server never limited: {counters:?}"
    );
    assert_eq!(counters.classify_status(429), counters.rate_limited);
    assert_eq!(counters.classify_status(200), 30);
    assert_eq!(counters.classify_requests, 30 + counters.rate_limited);
    assert!(
        elapsed >= Duration::from_millis(950),
        "a Retry-After of 1 s was not waited out: {elapsed:?}"
    );
    // Per id, the calls that got a 200 match the number of times it was given.
    for id in demo_ids {
        let given = expected.iter().filter(|i| **i == id).count() as u64;
        let got_200 = emu
            .requests()
            .iter()
            .filter(|r| r.account_id == id && r.status == Some(200))
            .count() as u64;
        assert_eq!(got_200, given, "{id}");
    }
}

/// Runs one call with `fault` injected and returns its error and how many classify requests
/// reached the emulator for it.
async fn fail_with(emu: &Emulator, client: &Client, fault: Fault) -> (Error, u64) {
    let before = emu.counters().classify_requests;
    emu.inject(fault.clone());
    let err = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect_err(&format!("{fault:?} must fail"));
    assert_eq!(emu.pending_faults(), 0, "{fault:?} was not consumed");
    (err, emu.counters().classify_requests - before)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_surfaces_as_its_typed_error_without_retries() {
    let emu = common::emulator().await;
    let client = client(&emu, RetryConfig::disabled(), RateLimit::unlimited());
    // Warm up the token, so every case below makes exactly one classify request.
    assert!(classify(&client, demo::MACHINE_ID, ClassificationMode::Default).await);

    let (err, sent) = fail_with(&emu, &client, Fault::Status(400)).await;
    assert!(matches!(err, Error::BadRequest { .. }), "{err:?}");
    assert_eq!(err.kind(), "bad_request");
    assert_eq!(err.detail_code(), Some("400.1 Bad Request Content"));
    assert!(err.tracking_id().is_some_and(|t| t.len() == 32), "{err:?}");
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::Status(403)).await;
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert_eq!(err.kind(), "forbidden");
    assert_eq!(err.detail_code(), Some("403 Forbidden"));
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::Status(500)).await;
    assert!(matches!(err, Error::InternalServerError { .. }), "{err:?}");
    assert_eq!(err.kind(), "internal_server_error");
    assert_eq!(err.detail_code(), Some("500.0 Internal Fault"));
    assert!(err.tracking_id().is_some());
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::Status(503)).await;
    match &err {
        Error::UnexpectedStatus { status, detail, .. } => {
            assert_eq!(status.as_u16(), 503);
            let detail = detail.as_ref().expect("503 body is an ErrorResponseDto");
            assert_eq!(
                detail.detail_code.as_deref(),
                Some("503 Service Unavailable")
            );
        }
        other => panic!("503: {other:?}"),
    }
    assert_eq!(err.kind(), "unexpected_status");
    assert_eq!(sent, 1, "retries are disabled");

    let (err, sent) = fail_with(
        &emu,
        &client,
        Fault::RateLimited {
            retry_after: Some("7".into()),
        },
    )
    .await;
    assert!(matches!(err, Error::TooManyRequests { .. }), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::Html(502)).await;
    match &err {
        Error::UnexpectedStatus {
            status,
            detail,
            response,
            ..
        } => {
            let body = response.body();
            assert_eq!(status.as_u16(), 502);
            assert!(body.contains("<h1>502 Bad Gateway</h1>"), "{body}");
            assert!(detail.is_none());
        }
        other => panic!("HTML 502: {other:?}"),
    }
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::TruncatedJson).await;
    match &err {
        Error::InvalidBody {
            status, response, ..
        } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(response.body(), r#"{"isMach"#);
        }
        other => panic!("truncated JSON: {other:?}"),
    }
    assert_eq!(err.kind(), "invalid_body");
    assert_eq!(sent, 1);

    let (err, sent) = fail_with(&emu, &client, Fault::DropConnection).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.kind(), "transport");
    assert_eq!(sent, 1);
    assert_eq!(emu.counters().dropped_connections, 1);

    // A delay longer than the client's timeout is a timeout.
    let impatient = client_with_timeout(
        &emu,
        RetryConfig::disabled(),
        RateLimit::unlimited(),
        Duration::from_millis(500),
    );
    assert!(!classify(&impatient, demo::HUMAN_ID, ClassificationMode::Default).await);
    let started = Instant::now();
    let (err, sent) = fail_with(&emu, &impatient, Fault::Delay(Duration::from_secs(5))).await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert_eq!(err.kind(), "timeout");
    assert!(started.elapsed() < Duration::from_secs(4), "gave up late");
    assert_eq!(sent, 1);

    // Unknown account: a 404 `NotFound` with SailPoint's body; invalid ids never leave.
    let before = emu.counters().classify_requests;
    let err = common::classify_err(&client, "no-such-account", "unknown id").await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.error_kind(), sailpoint_v2025::ErrorKind::NotFound);
    assert_eq!(err.detail_code(), Some("404 Not found"));
    for bad in ["", " ", "..", "."] {
        let err = common::classify_err(&client, bad, "invalid id").await;
        assert!(
            matches!(err, Error::InvalidInput { .. }),
            "{bad:?}: {err:?}"
        );
    }
    assert_eq!(emu.counters().classify_requests - before, 1);

    // An expired token with client credentials: one refresh and one more try, even with
    // retries disabled (that is authentication, not retrying).
    let fetched = client.tokens_fetched();
    emu.inject(Fault::ExpiredToken);
    let before = emu.counters().classify_requests;
    assert!(classify(&client, demo::MACHINE_ID, ClassificationMode::Default).await);
    assert_eq!(client.tokens_fetched(), fetched + 1);
    assert_eq!(emu.counters().classify_requests - before, 2);

    // An expired token with a static token: nothing to refresh, the 401 is the answer.
    let token = emu.issue_token(demo::CLIENT_ID).expect("demo client");
    let fixed = Client::builder()
        .environment(std::iter::empty::<(String, String)>())
        .config_file("/nonexistent/sailpoint-e2e-config.json")
        .base_url(emu.base_url())
        .access_token(token)
        .retry(RetryConfig::default())
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("client builds");
    let (err, sent) = fail_with(&emu, &fixed, Fault::ExpiredToken).await;
    match &err {
        Error::Unauthorized { body, .. } => {
            let text = body
                .as_ref()
                .and_then(|b| b.error.as_ref())
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(text.contains("JWT is expired"), "{text}");
        }
        other => panic!("expired static token: {other:?}"),
    }
    assert_eq!(err.kind(), "unauthorized");
    assert_eq!(
        sent, 1,
        "a static token is not refreshed, a 401 is not retried"
    );
    assert_eq!(fixed.tokens_fetched(), 0);
    // The same with a token the emulator really expired.
    emu.expire_all_tokens();
    let (err, sent) = {
        let before = emu.counters().classify_requests;
        let err = fixed
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect_err("expired static token");
        (err, emu.counters().classify_requests - before)
    };
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(sent, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_faults_recover_with_retries_and_permanent_ones_do_not_retry() {
    let emu = common::emulator().await;
    let client = client(&emu, fast_retry(3), RateLimit::unlimited());
    assert!(classify(&client, demo::MACHINE_ID, ClassificationMode::Default).await);

    let transient = [
        Fault::Status(500),
        Fault::Status(502),
        Fault::Status(503),
        Fault::Status(504),
        Fault::Html(502),
        Fault::Html(503),
        Fault::DropConnection,
        Fault::RateLimited {
            retry_after: Some("1".into()),
        },
        Fault::Status(429),
        Fault::RateLimited { retry_after: None },
    ];
    for fault in transient {
        let before = emu.counters().classify_requests;
        emu.inject(fault.clone());
        let started = Instant::now();
        let r = client
            .send_classify_machine_account(demo::COMPUTER_ID)
            .await
            .unwrap_or_else(|e| panic!("{fault:?} did not recover: {e}"));
        assert!(r.is_machine);
        assert_eq!(
            emu.counters().classify_requests - before,
            2,
            "{fault:?}: one failure, one retry"
        );
        if matches!(
            fault,
            Fault::Status(429)
                | Fault::RateLimited {
                    retry_after: Some(_)
                }
        ) {
            assert!(
                started.elapsed() >= Duration::from_millis(950),
                "{fault:?}: Retry-After: 1 not waited out ({:?})",
                started.elapsed()
            );
        }
    }

    // A delay past the timeout: the attempt times out, the retry answers.
    let impatient = client_with_timeout(
        &emu,
        fast_retry(3),
        RateLimit::unlimited(),
        Duration::from_millis(1000),
    );
    assert!(classify(&impatient, demo::MACHINE_ID, ClassificationMode::Default).await);
    let before = emu.counters().classify_requests;
    emu.inject(Fault::Delay(Duration::from_secs(6)));
    let started = Instant::now();
    assert!(classify(&impatient, demo::COMPUTER_ID, ClassificationMode::Default).await);
    assert!(
        started.elapsed() >= Duration::from_millis(1000),
        "no timeout happened"
    );
    assert_eq!(emu.counters().classify_requests - before, 2);

    // Two failures in a row still recover within 3 attempts; three do not, and the last typed
    // error is returned.
    let before = emu.counters().classify_requests;
    emu.inject(Fault::Status(500)).times(2);
    assert!(classify(&client, demo::COMPUTER_ID, ClassificationMode::Default).await);
    assert_eq!(emu.counters().classify_requests - before, 3);

    let before = emu.counters().classify_requests;
    emu.inject(Fault::Status(500)).times(2);
    emu.inject(Fault::Status(503));
    let err = common::classify_err(&client, demo::COMPUTER_ID, "attempts exhausted").await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(emu.counters().classify_requests - before, 3);

    // Permanent failures are not retried.
    for fault in [Fault::Status(400), Fault::Status(403), Fault::Status(404)] {
        let before = emu.counters().classify_requests;
        emu.inject(fault.clone());
        let err = common::classify_err(&client, demo::COMPUTER_ID, "permanent failure").await;
        assert_eq!(
            err.status().map(|s| u32::from(s.as_u16())),
            match fault {
                Fault::Status(code) => Some(u32::from(code)),
                _ => None,
            }
        );
        assert_eq!(emu.counters().classify_requests - before, 1, "{fault:?}");
    }
    // A 429 asking for longer than the client's maximum wait is returned at once.
    let before = emu.counters().classify_requests;
    emu.inject(Fault::RateLimited {
        retry_after: Some("3600".into()),
    });
    let started = Instant::now();
    let err = common::classify_err(&client, demo::COMPUTER_ID, "Retry-After too long").await;
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(emu.counters().classify_requests - before, 1);
    assert_eq!(emu.pending_faults(), 0);
}
