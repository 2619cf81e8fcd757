//! Retries: which failures are retried, how often, and how `Retry-After` is honoured.

mod common;

use std::time::{Duration, Instant};

use sailpoint_v2025::Error;
use sailpoint_v2025_testkit::{Emulator, Fault, ServerRateLimit, demo};

/// Generous upper bound for "returned without waiting long" on a loaded machine.
const GENEROUS: Duration = Duration::from_secs(10);

fn rate_limited(retry_after: &str) -> Fault {
    Fault::RateLimited {
        retry_after: Some(retry_after.to_owned()),
    }
}

#[tokio::test]
async fn a_429_waits_out_retry_after_then_succeeds() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(rate_limited("1"));

    let start = Instant::now();
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("succeeds after the wait");
    let elapsed = start.elapsed();
    assert!(result.is_machine);
    assert!(
        elapsed >= Duration::from_millis(900),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");

    let requests = emu.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].status, Some(429));
    assert_eq!(requests[1].status, Some(200));
    let gap = (requests[1].received_at - requests[0].received_at)
        .to_std()
        .expect("ordered");
    assert!(gap >= Duration::from_millis(900), "retried after {gap:?}");
}

#[tokio::test]
async fn a_429_from_the_servers_rate_limit_is_waited_out() {
    let emu = Emulator::builder()
        .rate_limit(Some(ServerRateLimit::new(2, Duration::from_millis(500))))
        .start()
        .await
        .expect("emulator");
    let client = common::client(&emu);
    for _ in 0..3 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("retried after the window");
    }
    let counters = emu.counters();
    assert_eq!(counters.classify_status(200), 3);
    assert_eq!(counters.classify_status(429), 1);
    assert_eq!(counters.classify_requests, 4);
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    // IMF-fixdate, e.g. `Sun, 06 Nov 1994 08:49:37 GMT` (whole seconds, so the wait is 2-3 s).
    emu.inject(rate_limited(
        &at.format("%a, %d %b %Y %H:%M:%S GMT").to_string(),
    ));

    let start = Instant::now();
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("succeeds after the date");
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(1_500),
        "waited only {elapsed:?}"
    );
    assert!(elapsed < GENEROUS, "waited {elapsed:?}");
    assert_eq!(emu.counters().classify_requests, 2);
}

#[tokio::test]
async fn retry_after_in_the_past_retries_at_once() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(rate_limited("Wed, 21 Oct 2015 07:28:00 GMT"));
    let start = Instant::now();
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("retried");
    assert!(start.elapsed() < GENEROUS);
    assert_eq!(emu.counters().classify_requests, 2);
}

#[tokio::test]
async fn a_429_without_retry_after_backs_off_and_retries() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(Fault::RateLimited { retry_after: None });
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("retried");
    assert_eq!(emu.counters().classify_requests, 2);
}

#[tokio::test]
async fn a_retry_after_over_the_maximum_is_returned_at_once() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .retry(common::fast_retry(5).max_retry_after(Duration::from_secs(5)))
        .build()
        .expect("client");
    emu.inject(rate_limited("30"));

    let start = Instant::now();
    let err = common::classify_err(&client, demo::MACHINE_ID, "30 s is too long").await;
    assert!(start.elapsed() < GENEROUS, "did not wait 30 s");
    match &err {
        Error::TooManyRequests {
            body, retry_after, ..
        } => {
            assert_eq!(*retry_after, Some(Duration::from_secs(30)));
            assert_eq!(
                body.as_ref().expect("decoded").message,
                Some(serde_json::json!(" Rate Limit Exceeded "))
            );
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
    assert_eq!(err.retry_after(), Some(Duration::from_secs(30)));
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn retries_exhausted_on_503_return_the_last_typed_body() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .retry(common::fast_retry(4))
        .build()
        .expect("client");
    emu.fail_next(10, Fault::Status(503));

    let err = common::classify_err(&client, demo::MACHINE_ID, "always 503").await;
    match &err {
        Error::UnexpectedStatus {
            status,
            detail,
            response,
            ..
        } => {
            let body = response.body();
            assert_eq!(status.as_u16(), 503);
            assert!(body.contains("trackingId"), "{body}");
            let detail = detail.as_ref().expect("ErrorResponseDto decoded");
            assert_eq!(
                detail.detail_code.as_deref(),
                Some("503 Service Unavailable")
            );
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    let tracking_id = err.tracking_id().expect("trackingId");
    assert!(common::is_tracking_id(tracking_id), "{tracking_id}");
    assert_eq!(err.detail_code(), Some("503 Service Unavailable"));
    assert_eq!(emu.counters().classify_requests, 4, "max_attempts requests");
    assert_eq!(emu.counters().classify_status(503), 4);
    assert_eq!(emu.pending_faults(), 6);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .retry(common::fast_retry(5))
        .build()
        .expect("client");

    for (status, kind) in [
        (400, "bad_request"),
        (403, "forbidden"),
        (404, "not_found"),
        (409, "unexpected_status"),
        (422, "unexpected_status"),
    ] {
        emu.reset_counters();
        emu.inject(Fault::Status(status));
        let err = common::classify_err(&client, demo::MACHINE_ID, "client error").await;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        assert_eq!(err.kind(), kind, "{status}");
        assert_eq!(
            emu.counters().classify_requests,
            1,
            "{status} must not be retried"
        );
    }

    // A real 404 from the emulator: an unknown account.
    emu.reset_counters();
    let err = common::classify_err(&client, "no-such-account", "404").await;
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(err.detail_code(), Some("404 Not found"));
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn a_500_is_retried() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(Fault::Status(500));
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("second attempt succeeds");
    assert!(result.is_machine);
    let statuses: Vec<_> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(500), Some(200)]);
}

#[tokio::test]
async fn other_5xx_are_retried() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .retry(common::fast_retry(5))
        .build()
        .expect("client");
    emu.inject(Fault::Status(502));
    emu.inject(Fault::Html(503));
    emu.inject(Fault::Status(504));
    emu.inject(Fault::Html(500));
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("fifth attempt succeeds");
    assert_eq!(emu.counters().classify_requests, 5);
    assert_eq!(emu.counters().classify_status(200), 1);
}

#[tokio::test]
async fn a_501_is_not_retried() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.fail_next(3, Fault::Status(501));
    let err = common::classify_err(&client, demo::MACHINE_ID, "501").await;
    assert!(
        matches!(&err, Error::UnexpectedStatus { status, .. } if status.as_u16() == 501),
        "{err:?}"
    );
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn disabled_retries_make_one_request() {
    let emu = common::emulator().await;
    let client = common::one_shot(&emu);

    for fault in [
        Fault::Status(503),
        Fault::Status(500),
        rate_limited("0"),
        Fault::DropConnection,
        Fault::Html(502),
    ] {
        emu.reset_counters();
        emu.fail_next(5, fault.clone());
        let err = common::classify_err(&client, demo::MACHINE_ID, "no retry").await;
        assert_eq!(emu.counters().classify_requests, 1, "{fault:?}: {err:?}");
        emu.clear_faults();
    }
}

#[tokio::test]
async fn a_dropped_connection_is_retried() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(Fault::DropConnection);
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("retried");
    let counters = emu.counters();
    assert_eq!(counters.dropped_connections, 1);
    assert_eq!(counters.classify_requests, 2);
}

#[tokio::test]
async fn a_timeout_is_retried() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .timeout(Duration::from_secs(1))
        .build()
        .expect("client");
    // Warm up the token first: the timeout covers token requests too.
    common::warm_up(&client, "warm up").await;
    emu.inject(Fault::Delay(Duration::from_secs(3)));
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("second attempt succeeds");
    assert_eq!(emu.counters().classify_requests, 3);
}

#[tokio::test]
async fn a_429_pauses_the_whole_client() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    common::warm_up(&client, "warm up").await;
    emu.reset_counters();
    emu.inject(rate_limited("1"));

    // The first call gets the 429; a second call started right after it must not reach the
    // server before the pause is over.
    let first = client.send_classify_machine_account(demo::MACHINE_ID);
    let first = async { first.await.expect("first") };
    let second = async {
        // Wait until the 429 has been answered.
        while emu.counters().classify_status(429) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // ...and give the first call time to read it and pause the client.
        tokio::time::sleep(Duration::from_millis(300)).await;
        client
            .send_classify_machine_account(demo::HUMAN_ID)
            .await
            .expect("second")
    };
    tokio::join!(first, second);

    let requests = emu.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].status, Some(429));
    for later in &requests[1..] {
        let gap = (later.received_at - requests[0].received_at)
            .to_std()
            .expect("later");
        assert!(
            gap >= Duration::from_millis(800),
            "{} arrived {gap:?} after the 429",
            later.account_id
        );
    }
}
