//! The faults a long job still meets (issue 14, runtime): token refreshes that must not delay
//! calls, token requests that stall, error bodies past the body cap, connect timeouts, shared
//! pauses longer than a call may wait, and a retry budget that stops retries multiplying the
//! load on a failing server. Each test runs against a raw HTTP server on 127.0.0.1
//! (`common::hostile`) and asserts what a user sees: results, typed errors, request counts.
//!
//! Timing assertions are only generous upper bounds far from what the bug would take, or lower
//! bounds ("waited at least the Retry-After"), so the suite holds on a loaded 2-core machine.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use sailpoint_v2025::{Error, RetryBudget, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use common::hostile::{
    GENEROUS, Hostile, Reply, api_server, classified, classify, hostile_builder, reply, token,
};

// -------------------------------------------------------------------------------------------
// Tokens
// -------------------------------------------------------------------------------------------

/// A refresh falls due while the cached token is still valid, and the token endpoint then
/// stalls: calls go on with the valid token at once, and one refresh runs in the background
/// (before, every call waited for the refresh until the HTTP timeout).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_due_refresh_never_delays_a_call_while_the_token_is_valid() {
    // 12 s lifetime: the refresh is due after 9 s (a quarter before expiry).
    let server = Hostile::start(|request, n| match (request.is_token(), n) {
        (true, 0) => token("token-0", "12"),
        (true, _) => Reply::Stall,
        (false, _) => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .timeout(Duration::from_secs(60))
        .token_timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    assert!(classify(&client).await.expect("first call"));
    tokio::time::sleep(Duration::from_millis(9_300)).await;
    let calls = (0..5).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { tokio::time::timeout(GENEROUS, classify(&client)).await })
    });
    for result in futures::future::join_all(calls).await {
        let answer = result
            .expect("task")
            .expect("no call waits for the refresh");
        assert!(answer.expect("classified with the still-valid token"));
    }
    let api = server.api_requests();
    assert_eq!(api.len(), 6);
    for request in &api {
        assert_eq!(request.header("authorization"), Some("Bearer token-0"));
    }
    assert_eq!(server.token_requests(), 2, "one background refresh, shared");
}

/// A user's HTTP client without any timeout, and a token request that stalls: the request is
/// abandoned at the token timeout (every waiting call gets the typed failure) and the next call
/// starts a fresh one (before: every call hung on the first request for ever).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_token_request_is_abandoned_at_its_timeout_even_with_a_users_http_client() {
    let server = Hostile::start(|request, n| match (request.is_token(), n) {
        (true, 0) => Reply::Stall,
        (true, _) => token("fresh", "749"),
        (false, _) => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .http_client(reqwest::Client::new())
        .token_timeout(Duration::from_millis(500))
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let waiting = (0..4).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { tokio::time::timeout(GENEROUS, classify(&client)).await })
    });
    for result in futures::future::join_all(waiting).await {
        let err = result
            .expect("task")
            .expect("abandoned at the token timeout")
            .expect_err("no token");
        assert!(matches!(err, Error::Auth { status: None, .. }), "{err:?}");
        assert!(err.to_string().contains("token_timeout"), "{err}");
        assert!(err.is_retryable());
    }
    assert_eq!(
        server.token_requests(),
        1,
        "one request shared by the four calls"
    );
    let next = tokio::time::timeout(GENEROUS, classify(&client))
        .await
        .expect("not stuck behind the stalled request");
    assert!(next.expect("a fresh token request"));
    assert_eq!(server.token_requests(), 2);
    assert_eq!(
        server.api_requests()[0].header("authorization"),
        Some("Bearer fresh")
    );
}

/// With retries, the abandoned token request is followed by a fresh one within the same call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_retries_past_a_stalled_token_request() {
    let server = Hostile::start(|request, n| match (request.is_token(), n) {
        (true, 0) => Reply::Stall,
        (true, _) => token("fresh", "749"),
        (false, _) => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .http_client(reqwest::Client::new())
        .token_timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let answer = tokio::time::timeout(GENEROUS, classify(&client))
        .await
        .expect("not stuck");
    assert!(answer.expect("the retry fetched a fresh token"));
    assert_eq!(server.token_requests(), 2);
}

/// A caller never waits past its own deadline for a token, however long the token request may
/// take.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_caller_waits_past_its_deadline_for_a_token() {
    let server = Hostile::start(|_, _| Reply::Stall).await;
    let client = hostile_builder(&server)
        .http_client(reqwest::Client::new())
        .token_timeout(Duration::from_secs(600))
        .retry(common::fast_retry(5).deadline(Duration::from_secs(1)))
        .build()
        .expect("client");
    let err = tokio::time::timeout(GENEROUS, classify(&client))
        .await
        .expect("the deadline ends the wait")
        .expect_err("no token");
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert_eq!(server.token_requests(), 1);
}

// -------------------------------------------------------------------------------------------
// Caps keep meaning
// -------------------------------------------------------------------------------------------

/// A 429 whose body is larger than `max_response_bytes` is still a 429: its `Retry-After` is
/// waited out, the call is retried, and it pauses the other calls of the client (before, it was
/// `BodyTooLarge`: not retried, no pause).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_429_keeps_its_status_retry_after_retry_and_shared_pause() {
    let flood = "x".repeat(64 * 1024);
    let server = api_server(move |_, n| match n {
        0 => reply(429, &[("retry-after", "1")], &flood),
        _ => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .max_response_bytes(1024)
        .build()
        .expect("client");
    assert!(classify(&client).await.expect("retried after the 429"));
    let api = server.api_requests();
    assert_eq!(api.len(), 2);
    let waited = api[1].at.duration_since(api[0].at);
    assert!(waited >= Duration::from_millis(900), "{waited:?}");

    // Without retries: the typed 429 with its Retry-After, and the pause holds the next call.
    let server = api_server(|_, n| match n {
        0 => reply(429, &[("retry-after", "1")], &"y".repeat(64 * 1024)),
        _ => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .max_response_bytes(1024)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = classify(&client).await.expect_err("429");
    assert!(matches!(err, Error::TooManyRequests { .. }), "{err:?}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(1)));
    let response = err.response().expect("what was kept of the body");
    assert!(response.is_body_truncated());
    assert!(response.body().len() <= 1024);
    assert!(classify(&client).await.expect("after the pause"));
    let api = server.api_requests();
    let paused = api[1].at.duration_since(api[0].at);
    assert!(paused >= Duration::from_millis(900), "{paused:?}");
}

/// A 503 with an oversized body is still a 503, retried like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_503_is_retried() {
    let server = api_server(|_, n| match n {
        0 => reply(503, &[("retry-after", "0")], &"z".repeat(32 * 1024)),
        _ => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .max_response_bytes(2048)
        .build()
        .expect("client");
    assert!(classify(&client).await.expect("retried"));
    assert_eq!(server.api_requests().len(), 2);

    let server =
        api_server(|_, _| reply(503, &[("retry-after", "7")], &"z".repeat(32 * 1024))).await;
    let client = hostile_builder(&server)
        .max_response_bytes(2048)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = classify(&client).await.expect_err("503");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503), "{err:?}");
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert!(err.is_retryable());
}

// -------------------------------------------------------------------------------------------
// Retries
// -------------------------------------------------------------------------------------------

/// A listener on 127.0.0.1 whose accept queue is full, so that new connections time out while
/// connecting; `open()` then accepts and answers every request with `answer`.
struct Backlogged {
    addr: std::net::SocketAddr,
    listener: Option<tokio::net::TcpListener>,
    _fillers: Vec<std::net::TcpStream>,
    served: Arc<AtomicUsize>,
}

impl Backlogged {
    fn new() -> Self {
        let socket = tokio::net::TcpSocket::new_v4().expect("socket");
        socket
            .bind("127.0.0.1:0".parse().expect("addr"))
            .expect("bind");
        let listener = socket.listen(0).expect("listen");
        let addr = listener.local_addr().expect("addr");
        let mut fillers = Vec::new();
        // Fill the accept queue until a connection attempt times out.
        while let Ok(stream) =
            std::net::TcpStream::connect_timeout(&addr, Duration::from_millis(300))
        {
            fillers.push(stream);
            assert!(fillers.len() < 64, "the accept queue never filled");
        }
        Self {
            addr,
            listener: Some(listener),
            _fillers: fillers,
            served: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Starts accepting: each connection's requests are answered with `body` (status 200).
    fn open(&mut self, body: &'static str) {
        let listener = self.listener.take().expect("opened once");
        let served = self.served.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let served = served.clone();
                tokio::spawn(async move {
                    let mut buffer = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buffer.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    served.fetch_add(1, Ordering::SeqCst);
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = stream.write_all(answer.as_bytes()).await;
                });
            }
        });
    }
}

/// A connect timeout means the request never reached the server, so even starting a source job
/// (not idempotent) is retried after one (before: returned as a timeout at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connect_timeout_is_retried_for_a_non_idempotent_operation() {
    let mut server = Backlogged::new();
    let client = common::isolated_builder()
        .base_url(server.base_url())
        .access_token("static-token")
        .connect_timeout(Duration::from_millis(300))
        .retry(common::fast_retry(40))
        .build()
        .expect("client");
    let call = tokio::spawn({
        let client = client.clone();
        async move {
            client
                .send_classify_machine_account_from_source("2c9180835d2e5168015d32f890ca1581")
                .await
        }
    });
    // Long enough for the first attempts to time out while connecting.
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    assert!(!call.is_finished(), "the connect timeout was not retried");
    server.open(r#"{"Accounts submitted for processing":3}"#);
    let started = tokio::time::timeout(GENEROUS, call)
        .await
        .expect("done")
        .expect("task")
        .expect("retried until the server accepted");
    assert_eq!(started.accounts_submitted_for_processing, Some(3));
    assert_eq!(server.served.load(Ordering::SeqCst), 1, "started once");
}

/// A shared pause longer than a call's remaining deadline fails the call at once, without a
/// request (before: it slept until its deadline).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shared_pause_longer_than_the_deadline_fails_at_once() {
    let server = api_server(|_, _| reply(429, &[("retry-after", "100")], "")).await;
    let client = hostile_builder(&server)
        .retry(
            common::fast_retry(3)
                .max_retry_after(Duration::from_secs(110))
                .deadline(Duration::from_secs(60)),
        )
        .build()
        .expect("client");
    let first = classify(&client)
        .await
        .expect_err("429 longer than the deadline");
    assert!(matches!(first, Error::DeadlineExceeded { .. }), "{first:?}");
    let second = tokio::time::timeout(GENEROUS, classify(&client))
        .await
        .expect("fails at once instead of sleeping until its deadline")
        .expect_err("paused");
    match &second {
        Error::DeadlineExceeded {
            last_error: Some(last),
            ..
        } => {
            assert!(matches!(**last, Error::TooManyRequests { .. }), "{last:?}");
            let left = last.retry_after().expect("the rest of the pause");
            assert!(left > Duration::from_secs(60), "{left:?}");
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert_eq!(server.api_requests().len(), 1, "nothing sent while paused");
}

/// A bulk run against a server that fails everything: the retry budget stops retries after
/// about 100, so 500 ids make about 600 requests, not 2,500; after successes refill the budget,
/// a failed call is retried again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_retry_budget_stops_retries_multiplying_the_load_and_comes_back() {
    let healthy = Arc::new(AtomicBool::new(false));
    let fail_next = Arc::new(AtomicBool::new(false));
    let server = {
        let (healthy, fail_next) = (healthy.clone(), fail_next.clone());
        api_server(move |_, _| {
            if fail_next.swap(false, Ordering::SeqCst) || !healthy.load(Ordering::SeqCst) {
                reply(503, &[], "down")
            } else {
                classified()
            }
        })
        .await
    };
    let client = hostile_builder(&server)
        .retry(common::fast_retry(5))
        .build()
        .expect("client");
    let ids: Vec<String> = (0..500).map(|i| format!("acct-{i}")).collect();
    let results: Vec<_> = client
        .classify_accounts(ids)
        .concurrency(16)
        .collect()
        .await;
    assert_eq!(results.len(), 500);
    assert!(results.iter().all(|(_, r)| r.is_err()));
    let attempts = server.api_requests().len();
    // 500 first attempts and 100 retries (500 tokens, 5 each): not 5 x 500.
    assert!((500..=610).contains(&attempts), "{attempts} requests");

    // Empty budget: a failure is not retried.
    healthy.store(true, Ordering::SeqCst);
    fail_next.store(true, Ordering::SeqCst);
    let err = classify(&client).await.expect_err("no budget left");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));

    // Successes refill it (1 token each): after 10, a failure is retried again.
    for _ in 0..10 {
        assert!(classify(&client).await.expect("healthy"));
    }
    fail_next.store(true, Ordering::SeqCst);
    let before = server.api_requests().len();
    assert!(classify(&client).await.expect("retried again"));
    assert_eq!(server.api_requests().len() - before, 2);
}

/// `RetryConfig::disabled()` and an unlimited budget are unaffected by the budget.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_retries_make_one_attempt_and_an_unlimited_budget_retries_every_call() {
    let server = api_server(|_, _| reply(503, &[], "down")).await;
    let disabled = hostile_builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let ids: Vec<String> = (0..50).map(|i| format!("acct-{i}")).collect();
    let results: Vec<_> = disabled
        .classify_accounts(ids.clone())
        .concurrency(8)
        .collect()
        .await;
    assert_eq!(results.len(), 50);
    assert_eq!(server.api_requests().len(), 50);

    let server = api_server(|_, _| reply(503, &[], "down")).await;
    let unlimited = hostile_builder(&server)
        .retry(
            common::fast_retry(3)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(2))
                .retry_budget(RetryBudget::unlimited()),
        )
        .build()
        .expect("client");
    let ids: Vec<String> = (0..300).map(|i| format!("acct-{i}")).collect();
    let results: Vec<_> = unlimited
        .classify_accounts(ids)
        .concurrency(16)
        .collect()
        .await;
    assert_eq!(results.len(), 300);
    assert_eq!(server.api_requests().len(), 900);
}
