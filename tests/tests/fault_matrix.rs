//! The fault matrix of the runtime core: one test per promised behaviour, each against a real
//! HTTP server on 127.0.0.1 (the emulator, or the raw hostile server in `common::hostile`).
//!
//! Timing assertions are lower bounds ("waited at least the Retry-After") or generous upper
//! bounds far from the behaviour they rule out ("20 callers did not take turns of 1 s each"),
//! so the suite holds on a loaded 2-core machine.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use sailpoint_v2025::{Error, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{EmulatedAccount, Emulator, Fault, demo};

use common::hostile::{
    GENEROUS, Hostile, Reply, api_server, classified, classify, hostile_builder, reply, token,
};

// -------------------------------------------------------------------------------------------
// 1. Token acquisition runs detached, one at a time, outcome to every waiter.
// -------------------------------------------------------------------------------------------

/// The bulk deadlock: the stream's first item is fetching the token (slowly) when the stream
/// yields another item; a call made in the loop body must complete as soon as the token
/// arrives, although the stream is not polled while the body awaits it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_a_bulk_loop_body_completes_while_another_item_fetches_the_token() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject_token_fault(Fault::Delay(Duration::from_millis(800)));
    // The first id needs the (slow) token; the second fails at once without one, so the stream
    // yields it while the first is still waiting for the token.
    let mut results = client
        .classify_accounts([demo::MACHINE_ID, ""])
        .concurrency(2);
    let (id, first) = results.next().await.expect("an item");
    assert_eq!(id, "");
    assert!(
        matches!(first, Err(Error::InvalidInput { .. })),
        "{first:?}"
    );
    // The stream is not polled while this call runs.
    let in_body = tokio::time::timeout(
        GENEROUS,
        client.send_classify_machine_account(demo::HUMAN_ID),
    )
    .await
    .expect("the call in the loop body does not wait for the stream to be polled")
    .expect("classified");
    assert!(!in_body.is_machine);
    let rest: Vec<_> = results.collect().await;
    assert_eq!(rest.len(), 1);
    assert!(rest[0].1.is_ok(), "{rest:?}");
    assert_eq!(emu.counters().token_requests, 1, "one token for everyone");
}

/// Dropping every caller mid-fetch neither aborts nor wedges the token request: the next
/// caller gets the token it fetched.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_callers_never_abort_or_wedge_the_token_fetch() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject_token_fault(Fault::Delay(Duration::from_secs(2)));
    for _ in 0..3 {
        let dropped = tokio::time::timeout(
            Duration::from_millis(50),
            client.send_classify_machine_account(demo::MACHINE_ID),
        )
        .await;
        assert!(dropped.is_err(), "the token is still being fetched");
    }
    tokio::time::timeout(GENEROUS, common::warm_up(&client, "classified"))
        .await
        .expect("not wedged");
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(client.tokens_fetched(), 1);
}

/// A hung token endpoint: 20 callers share one token request and all get its timeout at
/// once (before, they took turns of one full timeout each: 20 s here).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hung_token_endpoint_fails_every_waiting_caller_at_once() {
    let server = Hostile::start(|_, _| Reply::Stall).await;
    let client = hostile_builder(&server)
        .timeout(Duration::from_secs(1))
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let started = Instant::now();
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(async move { classify(&client).await })
    });
    let results = futures::future::join_all(calls).await;
    let elapsed = started.elapsed();
    for result in results {
        let err = result.expect("task").expect_err("no token");
        assert!(matches!(err, Error::Auth { status: None, .. }), "{err:?}");
        assert!(err.is_retryable(), "a timeout is transient");
    }
    assert_eq!(server.token_requests(), 1, "one shared token request");
    assert!(elapsed < Duration::from_secs(10), "took {elapsed:?}");
}

// -------------------------------------------------------------------------------------------
// 2. Token failures: shared and remembered, or retried; refresh failures; odd lifetimes.
// -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_for_200_ids_make_a_handful_of_token_requests() {
    let emu = common::emulator().await;
    let client = common::credentials_builder(&emu, demo::CLIENT_ID, "wrong-secret")
        .retry(common::fast_retry(5))
        .build()
        .expect("client");
    let ids: Vec<String> = (0..200).map(|i| format!("acct-{i}")).collect();
    let results: Vec<_> = client
        .classify_accounts(ids)
        .concurrency(16)
        .collect()
        .await;
    assert_eq!(results.len(), 200);
    for (id, result) in &results {
        let err = result.as_ref().expect_err("bad credentials");
        common::assert_auth_error(err, 401, &[]);
        assert!(!err.is_retryable(), "{id}");
    }
    let token_requests = emu.counters().token_requests;
    assert!(token_requests <= 5, "{token_requests} token requests");
    assert_eq!(emu.counters().classify_requests, 0);
}

/// 5xx, a 429 with `Retry-After`, and a response whose body stalls past the timeout are
/// transient: the call retries and gets a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_token_failures_are_retried() {
    let server = Hostile::start(|request, n| {
        if !request.is_token() {
            return classified();
        }
        match n {
            0 => reply(503, &[], "busy"),
            1 => reply(429, &[("retry-after", "1")], ""),
            2 => Reply::StallInBody {
                status: 200,
                length: 100,
                prefix: r#"{"access_tok"#.into(),
            },
            _ => token("good", "749"),
        }
    })
    .await;
    let client = hostile_builder(&server)
        .timeout(Duration::from_secs(1))
        .retry(common::fast_retry(5))
        .build()
        .expect("client");
    let started = Instant::now();
    assert!(classify(&client).await.expect("retried until a token came"));
    assert_eq!(server.token_requests(), 4);
    let seen = server.seen();
    let after_429 = seen[2].at.duration_since(seen[1].at);
    assert!(after_429 >= Duration::from_millis(900), "{after_429:?}");
    assert!(started.elapsed() < GENEROUS);
    assert_eq!(
        server.api_requests()[0].header("authorization"),
        Some("Bearer good")
    );
}

/// The refresh (due a quarter of the lifetime before expiry) fails, but the cached token has
/// not expired: calls keep using it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_refresh_keeps_using_the_still_valid_token() {
    let server = Hostile::start(|request, n| match (request.is_token(), n) {
        (true, 0) => token("first", "8"),
        (true, _) => reply(500, &[], "token service down"),
        (false, _) => classified(),
    })
    .await;
    let client = hostile_builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    classify(&client).await.expect("first call");
    // Refresh is due at 6 s, expiry at 8 s.
    tokio::time::sleep(Duration::from_millis(6_200)).await;
    classify(&client)
        .await
        .expect("the refresh failed but the token is still valid");
    let api = server.api_requests();
    assert_eq!(api.len(), 2);
    assert_eq!(api[1].header("authorization"), Some("Bearer first"));
    // The refresh runs in the background (it never delays a call): wait until it has reached
    // the server, then there is exactly one.
    let waited = Instant::now();
    while server.token_requests() < 2 && waited.elapsed() < GENEROUS {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(server.token_requests(), 2, "one refresh attempt");
}

/// `expires_in` of 0, negative, fractional, enormous or not a number: no panic, and not one
/// token per call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn odd_expires_in_values_never_panic_nor_mean_a_token_per_call() {
    for expires_in in [
        "0",
        "-5",
        "-1.5",
        "0.25",
        "18446744073709551615",
        "1e300",
        "\"soon\"",
        "null",
    ] {
        let raw = expires_in.to_string();
        let server = Hostile::start(move |request, _| {
            if request.is_token() {
                token("t", &raw)
            } else {
                classified()
            }
        })
        .await;
        let client = hostile_builder(&server).build().expect("client");
        for _ in 0..10 {
            classify(&client).await.expect(expires_in);
        }
        let tokens = server.token_requests();
        assert!(
            tokens <= 5,
            "expires_in {expires_in}: {tokens} token requests"
        );
    }
}

// -------------------------------------------------------------------------------------------
// 3. Every 429 and every 401, whatever the body.
// -------------------------------------------------------------------------------------------

/// The server answers 429 (`Retry-After: 1`) to every request in the second after the first;
/// a second call started while the client is paused must not be sent before the pause ends,
/// so the server sees exactly one 429 and two 200s, all 200s a second after the 429.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_429_whatever_its_body_pauses_the_client_and_is_retried_after_retry_after() {
    for (content_type, body) in [
        ("text/html", "<html><body>Too Many Requests</body></html>"),
        ("text/plain", "slow down"),
        ("application/json", ""),
        ("application/json", r#"{"message": 42"#),
    ] {
        let first_at = Arc::new(std::sync::OnceLock::<Instant>::new());
        let window = first_at.clone();
        let server = api_server(move |request, _| {
            let first = *window.get_or_init(|| request.at);
            if request.at.duration_since(first) < Duration::from_secs(1) {
                reply(
                    429,
                    &[("content-type", content_type), ("retry-after", "1")],
                    body,
                )
            } else {
                classified()
            }
        })
        .await;
        let client = hostile_builder(&server).build().expect("client");
        let first = tokio::spawn({
            let client = client.clone();
            async move { classify(&client).await }
        });
        // Once the 429 was answered (and, 300 ms later, surely read by the client), another
        // call: the pause holds it too.
        let deadline = Instant::now() + GENEROUS;
        while server.api_requests().is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        classify(&client)
            .await
            .expect("second call after the pause");
        first
            .await
            .expect("task")
            .expect("retried after Retry-After");
        let api = server.api_requests();
        assert_eq!(api.len(), 3, "{body:?}: one 429, then two 200s");
        for later in &api[1..] {
            let waited = later.at.duration_since(api[0].at);
            assert!(
                waited >= Duration::from_millis(900),
                "{body:?}: a request {waited:?} after the 429"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_whatever_its_body_is_too_many_requests_with_retry_after() {
    let server = api_server(|_, _| reply(429, &[("retry-after", "7")], "<html>no</html>")).await;
    let client = hostile_builder(&server)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    match classify(&client).await {
        Err(Error::TooManyRequests {
            body, retry_after, ..
        }) => {
            assert!(body.is_none());
            assert_eq!(retry_after, Some(Duration::from_secs(7)));
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_401_whatever_its_body_gets_one_token_refresh() {
    for body in [
        "",
        "<html>Unauthorized</html>",
        "denied",
        r#"{"error": tru"#,
    ] {
        let server = api_server(move |request, n| {
            // Only the first token is rejected.
            if n == 0 || request.header("authorization") == Some("Bearer token-0") {
                reply(401, &[("content-type", "text/html")], body)
            } else {
                classified()
            }
        })
        .await;
        let client = hostile_builder(&server).build().expect("client");
        classify(&client).await.expect(body);
        assert_eq!(server.token_requests(), 2, "{body:?}: one refresh");
        let api = server.api_requests();
        assert_eq!(api.len(), 2, "{body:?}");
        assert_eq!(api[1].header("authorization"), Some("Bearer token-1"));
    }
}

// -------------------------------------------------------------------------------------------
// 4. Retry-After beyond the cap, and HTTP-dates.
// -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_after_above_the_cap_fails_at_once_and_calls_during_the_pause_fail_fast() {
    let server = api_server(|_, _| reply(429, &[("retry-after", "30")], "")).await;
    let client = hostile_builder(&server)
        .retry(common::fast_retry(5).max_retry_after(Duration::from_secs(1)))
        .build()
        .expect("client");
    let started = Instant::now();
    let first = classify(&client).await.expect_err("30 s is above the cap");
    assert_eq!(first.retry_after(), Some(Duration::from_secs(30)));
    for _ in 0..3 {
        let err = classify(&client).await.expect_err("paused");
        match err {
            Error::TooManyRequests {
                body: None,
                retry_after: Some(remaining),
                response: None,
                ..
            } => assert!(
                remaining > Duration::from_secs(10) && remaining <= Duration::from_secs(30),
                "{remaining:?}"
            ),
            other => panic!("expected a fail-fast 429, got {other:?}"),
        }
    }
    assert!(started.elapsed() < Duration::from_secs(10), "nobody waited");
    assert_eq!(
        server.api_requests().len(),
        1,
        "no request during the pause"
    );
}

/// A server clock far from ours: the `Retry-After` date is one second after the response's
/// `Date`, in each of the three RFC 9110 forms; the client waits about that second.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_http_dates_in_all_three_forms_are_measured_against_the_date_header() {
    for later in [
        "Sun, 06 Nov 1994 08:49:38 GMT",
        "Sunday, 06-Nov-94 08:49:38 GMT",
        "Sun Nov  6 08:49:38 1994",
    ] {
        let server = api_server(move |_, n| match n {
            0 => reply(
                429,
                &[
                    ("date", "Sun, 06 Nov 1994 08:49:37 GMT"),
                    ("retry-after", later),
                ],
                "",
            ),
            _ => classified(),
        })
        .await;
        let client = hostile_builder(&server).build().expect("client");
        classify(&client).await.expect(later);
        let api = server.api_requests();
        let waited = api[1].at.duration_since(api[0].at);
        assert!(
            waited >= Duration::from_millis(900) && waited < GENEROUS,
            "{later}: waited {waited:?}"
        );
    }
}

// -------------------------------------------------------------------------------------------
// 5. The total deadline of a call.
// -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_never_outlives_its_deadline() {
    let deadline = Duration::from_millis(1500);
    let retry = common::fast_retry(100).deadline(deadline);

    // A stalled server (the per-request timeout is 30 s).
    let stalled = api_server(|_, _| Reply::Stall).await;
    let client = hostile_builder(&stalled)
        .retry(retry.clone())
        .build()
        .expect("client");
    let started = Instant::now();
    match classify(&client).await {
        Err(Error::DeadlineExceeded {
            deadline: d,
            last_error,
            ..
        }) => {
            assert_eq!(d, deadline);
            assert!(last_error.is_none(), "no attempt had failed");
        }
        other => panic!("expected DeadlineExceeded, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(10));

    // Retries that would go on for 100 attempts.
    let failing = api_server(|_, _| reply(503, &[("retry-after", "1")], "")).await;
    let client = hostile_builder(&failing)
        .retry(retry.clone())
        .build()
        .expect("client");
    let started = Instant::now();
    let err = classify(&client).await.expect_err("deadline");
    assert!(
        matches!(&err, Error::DeadlineExceeded { last_error: Some(last), .. }
            if last.status().map(|s| s.as_u16()) == Some(503)),
        "{err:?}"
    );
    assert_eq!(err.kind(), "deadline_exceeded");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert!(failing.api_requests().len() <= 3);

    // A rate-limit wait: one call per hour.
    let fine = api_server(|_, _| classified()).await;
    let client = hostile_builder(&fine)
        .retry(retry)
        .rate_limit(RateLimit::new(1, Duration::from_secs(3600)))
        .build()
        .expect("client");
    classify(&client).await.expect("the first call is free");
    let started = Instant::now();
    let err = classify(&client)
        .await
        .expect_err("the second waits an hour");
    assert!(matches!(err, Error::DeadlineExceeded { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(10));
    assert_eq!(fine.api_requests().len(), 1);
}

// -------------------------------------------------------------------------------------------
// 6. Redirects are never followed.
// -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_are_never_followed() {
    let elsewhere = Hostile::start(|_, _| classified()).await;
    let target = format!("{}/stolen", elsewhere.base_url());

    // The API redirects: a typed error, nothing fetched from the other origin.
    let location = target.clone();
    let api = api_server(move |_, _| reply(302, &[("location", &location)], "")).await;
    let client = hostile_builder(&api).build().expect("client");
    match classify(&client).await {
        Err(Error::Redirect {
            status, location, ..
        }) => {
            assert_eq!(status.as_u16(), 302);
            assert_eq!(location.as_deref(), Some(target.as_str()));
        }
        other => panic!("expected Redirect, got {other:?}"),
    }
    assert_eq!(api.api_requests().len(), 1, "a redirect is not retried");

    // The token endpoint redirects: the client secret goes nowhere else.
    let location = target.clone();
    let token_redirect =
        Hostile::start(move |_, _| reply(307, &[("location", &location)], "")).await;
    let client = hostile_builder(&token_redirect).build().expect("client");
    let err = classify(&client).await.expect_err("no token");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(307), "{err:?}");
    assert_eq!(token_redirect.token_requests(), 1);
    assert!(elsewhere.seen().is_empty(), "{:?}", elsewhere.seen());
}

// -------------------------------------------------------------------------------------------
// 7. Requests and bulk streams own their client handle.
// -------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_and_bulk_streams_can_be_spawned() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let sent = tokio::spawn(
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .send(),
    );
    let awaited = tokio::spawn(
        client
            .send_classify_machine_account(demo::HUMAN_ID)
            .into_future(),
    );
    let stream = client.classify_accounts([demo::MACHINE_ID, demo::HUMAN_ID]);
    let bulk = tokio::spawn(stream.collect::<Vec<_>>());
    drop(client);
    assert!(sent.await.expect("task").expect("classified").is_machine);
    assert!(!awaited.await.expect("task").expect("classified").is_machine);
    let items = bulk.await.expect("task");
    assert_eq!(items.len(), 2);
    assert!(items.iter().all(|(_, r)| r.is_ok()), "{items:?}");
}

// -------------------------------------------------------------------------------------------
// 8. Rate limits.
// -------------------------------------------------------------------------------------------

#[test]
fn rate_limits_governor_cannot_represent_are_config_errors() {
    let years = Duration::from_secs(600 * 365 * 24 * 3600);
    for limit in [
        RateLimit::new(2, years),
        RateLimit::new(u32::MAX, Duration::MAX),
        RateLimit::new(0, Duration::from_secs(1)),
        RateLimit::new(1, Duration::ZERO),
    ] {
        let err = common::isolated_builder()
            .base_url("https://acme.api.identitynow.com")
            .client_credentials("id", "secret")
            .rate_limit(limit)
            .build()
            .expect_err("not a usable limit");
        assert!(matches!(err, Error::Config { .. }), "{err:?}");
    }
}

/// The rustdoc promise: at most `requests - 1` sent per window of `period`, so the server
/// sees at most `requests` in any sliding window even with some delay on the way.
///
/// The one request of slack absorbs arrival jitter of up to one pacing interval, so the
/// interval is kept well above what a loaded 2-core machine delays a request (a 30 ms
/// interval once showed 51 of 50 under load): 40 per 4 s paces one request every ~103 ms.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_promise_holds_in_every_sliding_window_at_the_server() {
    let (requests, period) = (40, Duration::from_secs(4));
    let emu = Emulator::builder()
        .without_rate_limit()
        .accounts((0..300).map(|i| EmulatedAccount::new(format!("acct-{i}"), format!("user.{i}"))))
        .start()
        .await
        .expect("emulator");
    let client = common::builder(&emu)
        .rate_limit(RateLimit::new(requests, period))
        .build()
        .expect("client");
    common::warm_up(&client, "token").await;
    emu.reset_counters();
    let results: Vec<_> = client
        .classify_accounts((0..300).map(|i| format!("acct-{i}")))
        .concurrency(64)
        .collect()
        .await;
    assert!(results.iter().all(|(_, r)| r.is_ok()));
    let mut times: Vec<_> = emu.requests().iter().map(|r| r.received_at).collect();
    assert_eq!(times.len(), 300);
    times.sort();
    let window = chrono::Duration::from_std(period).expect("period");
    let mut busiest = 0;
    let mut end = 0;
    for (start, t) in times.iter().enumerate() {
        while end < times.len() && times[end] < *t + window {
            end += 1;
        }
        busiest = busiest.max(end - start);
    }
    assert!(
        busiest <= requests as usize,
        "{busiest} requests within one {period:?} window"
    );
}

/// `Error::is_retryable` is the decision the client itself uses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn is_retryable_matches_what_the_client_retries() {
    let attempts = Arc::new(AtomicUsize::new(0));
    for (status, retried) in [(503u16, true), (500, true), (501, false), (404, false)] {
        attempts.store(0, Ordering::SeqCst);
        let counter = attempts.clone();
        let server = api_server(move |_, _| {
            counter.fetch_add(1, Ordering::SeqCst);
            reply(status, &[], "")
        })
        .await;
        let client = hostile_builder(&server)
            .retry(common::fast_retry(3))
            .build()
            .expect("client");
        let err = classify(&client).await.expect_err("always fails");
        assert_eq!(err.is_retryable(), retried, "{status}");
        let expected = if retried { 3 } else { 1 };
        assert_eq!(attempts.load(Ordering::SeqCst), expected, "{status}");
    }
}
