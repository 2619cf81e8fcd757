//! Authentication against the emulator: single-flight token fetch, refresh before expiry and
//! after a 401, static tokens, and token endpoint failures.

mod common;

use std::future::IntoFuture;
use std::time::Duration;

use futures::future::join_all;
use sailpoint_v2025::{Error, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, Fault, demo};

const SECRET: &str = "SECRET-abc123-auth";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hundred_concurrent_calls_on_a_cold_client_fetch_one_token() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    assert_eq!(client.tokens_fetched(), 0, "no token before the first call");

    let calls = (0..200).map(|i| {
        let id = if i % 2 == 0 {
            demo::MACHINE_ID
        } else {
            demo::HUMAN_ID
        };
        client.send_classify_machine_account(id).into_future()
    });
    let results = join_all(calls).await;
    for (i, result) in results.into_iter().enumerate() {
        let result = result.unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert_eq!(result.is_machine, i % 2 == 0);
    }

    assert_eq!(client.tokens_fetched(), 1);
    let counters = emu.counters();
    assert_eq!(counters.token_requests, 1);
    assert_eq!(counters.tokens_issued, 1);
    assert_eq!(counters.classify_requests, 200);
    assert_eq!(counters.classify_status(200), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clones_share_the_token_and_its_single_fetch() {
    let emu = common::emulator().await;
    let client = common::client(&emu);

    let tasks: Vec<_> = (0..200)
        .map(|_| {
            let clone = client.clone();
            tokio::spawn(
                async move { clone.send_classify_machine_account(demo::COMPUTER_ID).await },
            )
        })
        .collect();
    for (i, task) in join_all(tasks).await.into_iter().enumerate() {
        let result = task
            .expect("task")
            .unwrap_or_else(|e| panic!("call {i}: {e}"));
        assert!(result.is_machine);
    }
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(emu.counters().classify_requests, 200);
    // The counter is shared by the clones.
    assert_eq!(client.tokens_fetched(), 1);
    assert_eq!(client.clone().tokens_fetched(), 1);
}

#[tokio::test]
async fn the_token_is_cached_between_calls() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    for _ in 0..5 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("classify");
    }
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(client.tokens_fetched(), 1);
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_before_the_server_rejects_it() {
    let emu = Emulator::builder()
        .without_rate_limit()
        .token_lifetime(Duration::from_secs(3))
        .start()
        .await
        .expect("emulator");
    let client = common::client(&emu);

    common::warm_up(&client, "first call").await;
    assert_eq!(client.tokens_fetched(), 1);

    // Past the token's lifetime: the client must fetch a new one by itself.
    tokio::time::sleep(Duration::from_millis(3_300)).await;
    for _ in 0..2 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("call after expiry");
    }
    assert_eq!(client.tokens_fetched(), 2);
    let counters = emu.counters();
    assert_eq!(counters.token_requests, 2);
    assert_eq!(
        counters.classify_status(401),
        0,
        "the server never saw an expired token"
    );
    assert_eq!(counters.classify_requests, 3);
}

#[tokio::test]
async fn a_401_for_an_expired_token_triggers_one_refresh_and_one_retry() {
    let emu = common::emulator().await;
    let client = common::one_shot(&emu);
    common::warm_up(&client, "first call").await;

    // The server now considers the cached token expired; the client still thinks it is fresh.
    emu.expire_all_tokens();
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("refreshed and retried even with retries disabled");
    assert!(result.is_machine);

    assert_eq!(client.tokens_fetched(), 2);
    let counters = emu.counters();
    assert_eq!(counters.token_requests, 2);
    assert_eq!(counters.classify_requests, 3);
    assert_eq!(counters.classify_status(401), 1);
    let statuses: Vec<_> = emu.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Some(200), Some(401), Some(200)]);
}

#[tokio::test]
async fn an_injected_expired_token_401_is_refreshed_once() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(Fault::ExpiredToken);
    let result = client
        .send_classify_machine_account(demo::HUMAN_ID)
        .await
        .expect("refresh and retry");
    assert!(!result.is_machine);
    assert_eq!(client.tokens_fetched(), 2);
    assert_eq!(emu.counters().classify_requests, 2);
    assert_eq!(emu.counters().token_requests, 2);
}

#[tokio::test]
async fn a_second_consecutive_401_surfaces_as_unauthorized() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.fail_next(2, Fault::ExpiredToken);
    let err = common::classify_err(&client, demo::HUMAN_ID, "second 401").await;
    common::assert_unauthorized(&err, "JWT validation failed: JWT is expired");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(
        emu.counters().classify_requests,
        2,
        "one refresh, one retry"
    );
    assert_eq!(emu.counters().token_requests, 2);
    assert_eq!(client.tokens_fetched(), 2);

    // The next call works with the refreshed token (no new fetch needed).
    client
        .send_classify_machine_account(demo::HUMAN_ID)
        .await
        .expect("works again");
    assert_eq!(emu.counters().token_requests, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_401s_for_one_expired_token_cause_one_refresh() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    common::warm_up(&client, "warm up").await;
    emu.expire_all_tokens();

    let calls = (0..50).map(|_| {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .into_future()
    });
    for result in join_all(calls).await {
        result.expect("refreshed");
    }
    assert_eq!(client.tokens_fetched(), 2, "one refresh for all 401s");
    assert_eq!(emu.counters().token_requests, 2);
}

#[tokio::test]
async fn a_static_access_token_is_used_as_is() {
    let emu = common::emulator().await;
    let token = emu.issue_token(demo::CLIENT_ID).expect("token");
    let client = common::static_token_client(emu.base_url(), token);

    for _ in 0..3 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("classify");
    }
    assert_eq!(emu.counters().token_requests, 0);
    assert_eq!(client.tokens_fetched(), 0);
    assert!(
        emu.requests()
            .iter()
            .all(|r| r.client_id.as_deref() == Some(demo::CLIENT_ID))
    );

    // A 401 cannot be fixed by refreshing: it surfaces at once.
    emu.expire_all_tokens();
    let err = common::classify_err(&client, demo::MACHINE_ID, "expired static token").await;
    assert!(matches!(err, Error::Unauthorized { .. }), "{err:?}");
    assert_eq!(emu.counters().classify_requests, 4, "no retry");
    assert_eq!(emu.counters().token_requests, 0);
}

#[tokio::test]
async fn a_wrong_secret_is_an_auth_error_without_the_secret() {
    let emu = common::emulator().await;
    let client = common::credentials_builder(&emu, demo::CLIENT_ID, SECRET)
        .build()
        .expect("client");

    let err = common::classify_err(&client, demo::MACHINE_ID, "wrong secret").await;
    common::assert_auth_error(&err, 401, &["invalid_client"]);
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.kind(), "auth");
    for shown in [err.to_string(), format!("{err:?}"), format!("{err:#}")] {
        assert!(!shown.contains(SECRET), "secret leaked: {shown}");
        assert!(shown.contains("401"), "{shown}");
    }
    let counters = emu.counters();
    assert_eq!(
        counters.token_requests, 1,
        "a 401 from the token endpoint is not retried"
    );
    assert_eq!(counters.token_failures, 1);
    assert_eq!(counters.classify_requests, 0);
    assert_eq!(client.tokens_fetched(), 0);
}

#[tokio::test]
async fn an_unknown_client_is_an_auth_error() {
    let emu = common::emulator().await;
    let client = common::credentials_builder(&emu, "nobody", SECRET)
        .build()
        .expect("client");
    let err = common::classify_err(&client, demo::MACHINE_ID, "unknown client").await;
    assert!(
        matches!(&err, Error::Auth { status: Some(s), .. } if s.as_u16() == 401),
        "{err:?}"
    );
    assert!(!format!("{err:?} {err}").contains(SECRET));
}

#[tokio::test]
async fn a_token_endpoint_5xx_is_retried_then_succeeds() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.fail_next_token(2, Fault::Status(503));
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("third token request succeeds");
    let counters = emu.counters();
    assert_eq!(counters.token_requests, 3);
    assert_eq!(counters.token_failures, 2);
    assert_eq!(counters.classify_requests, 1);
    assert_eq!(client.tokens_fetched(), 1);
}

#[tokio::test]
async fn a_persistent_token_endpoint_5xx_is_an_auth_error_with_status_and_body() {
    let emu = common::emulator().await;
    let client = common::client(&emu); // 3 attempts
    emu.fail_next_token(10, Fault::Status(500));
    let err = common::classify_err(&client, demo::MACHINE_ID, "token endpoint down").await;
    common::assert_auth_error(&err, 500, &["500.0 Internal Fault"]);
    assert_eq!(
        emu.counters().token_requests,
        3,
        "max_attempts token requests"
    );
    assert_eq!(emu.counters().classify_requests, 0);
}

#[tokio::test]
async fn a_truncated_token_response_is_an_auth_error() {
    let emu = common::emulator().await;
    let client = common::one_shot(&emu);
    emu.inject_token_fault(Fault::TruncatedJson);
    let err = common::classify_err(&client, demo::MACHINE_ID, "truncated token JSON").await;
    assert!(
        matches!(&err, Error::Auth { status: Some(s), .. } if s.as_u16() == 200),
        "{err:?}"
    );
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(emu.counters().classify_requests, 0);
    // Asking again at once would not help: the failure is remembered briefly and the next call
    // gets it without a token request.
    let again = common::classify_err(&client, demo::MACHINE_ID, "remembered failure").await;
    assert!(
        matches!(&again, Error::Auth { status: Some(s), .. } if s.as_u16() == 200),
        "{again:?}"
    );
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(client.tokens_fetched(), 0);
}

#[tokio::test]
async fn an_unreachable_token_endpoint_is_an_auth_error_with_a_source() {
    let client = common::isolated_builder()
        .base_url(common::refused_base_url())
        .client_credentials("id", SECRET)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = common::classify_err(&client, "abc", "nothing listens").await;
    match &err {
        Error::Auth { status, source, .. } => {
            assert_eq!(*status, None);
            assert!(source.is_some());
        }
        other => panic!("expected Auth, got {other:?}"),
    }
    assert!(!format!("{err:?} {err}").contains(SECRET));
}

#[tokio::test]
async fn raw_gives_an_authenticated_generated_client() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let raw = client.raw().await.expect("raw client");
    let response = raw
        .send_classify_machine_account(demo::MACHINE_ID, None, "true")
        .await
        .expect("raw call");
    assert!(response.into_inner().is_machine);
    assert_eq!(emu.counters().token_requests, 1);
    assert_eq!(
        emu.requests()[0].client_id.as_deref(),
        Some(demo::CLIENT_ID)
    );
}
