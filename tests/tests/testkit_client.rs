//! The testkit's SDK client in one call (`Emulator::client`, `Emulator::client_builder`): pointed
//! at the emulator with working credentials, and no client-side pacing unless asked.

use std::future::IntoFuture;
use std::time::Duration;

use futures::future::join_all;
use sailpoint_v2025::{Error, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, demo};

/// The calls of the pacing test; at the SDK's default pace (99 per 10 s sent) they need about
/// 16 s, far past the per-call deadline below.
const CALLS: usize = 160;

/// Each call's total deadline: a call whose rate-limit wait would end past it fails at once
/// with `DeadlineExceeded` (no timing in the assertions: the limiter computes the wait).
const DEADLINE: Duration = Duration::from_secs(8);

#[tokio::test]
async fn one_call_gives_a_working_client() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let machine = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classified");
    let human = client
        .send_classify_machine_account(demo::HUMAN_ID)
        .await
        .expect("classified");
    assert!(machine.is_machine);
    assert!(!human.is_machine);
    assert_eq!(client.api_base_url(), emulator.api_url());
    assert_eq!(emulator.counters().classify_requests, 2);
}

#[tokio::test]
async fn the_only_registered_client_is_used_without_the_demo_client() {
    let emulator = Emulator::builder()
        .without_demo_client()
        .client("ci-client", "ci-secret")
        .start()
        .await
        .expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classified with the registered client");
    assert!(result.is_machine);
    let tokens = emulator.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].client_id.as_deref(), Some("ci-client"));
}

/// 160 calls started at once all succeed within an 8 s deadline: nothing paces them on the
/// client. The same calls with the SDK's default limit asked for are paced, so the later ones
/// cannot start within their deadline; that half shows the first half can fail.
#[tokio::test]
async fn no_client_side_rate_limit_unless_asked() {
    let emulator = Emulator::builder()
        .without_rate_limit()
        .start()
        .await
        .expect("emulator starts");
    let retry = RetryConfig::default().deadline(DEADLINE);

    let unpaced = emulator
        .client_builder()
        .retry(retry.clone())
        .build()
        .expect("client builds");
    let results = join_all((0..CALLS).map(|_| {
        unpaced
            .send_classify_machine_account(demo::MACHINE_ID)
            .into_future()
    }))
    .await;
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(
        ok,
        CALLS,
        "every call succeeds: {:?}",
        results.iter().find(|r| r.is_err())
    );
    assert_eq!(emulator.counters().classify_requests, CALLS as u64);

    emulator.reset_counters();
    let paced = emulator
        .client_builder()
        .rate_limit(RateLimit::default())
        .retry(retry)
        .build()
        .expect("client builds");
    let results = join_all((0..CALLS).map(|_| {
        paced
            .send_classify_machine_account(demo::MACHINE_ID)
            .into_future()
    }))
    .await;
    let deadline_exceeded = results
        .iter()
        .filter(|r| matches!(r, Err(Error::DeadlineExceeded { .. })))
        .count();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert!(
        deadline_exceeded > 0,
        "the default limit paces the calls past their deadline"
    );
    assert_eq!(
        ok + deadline_exceeded,
        CALLS,
        "paced calls succeed or run out of time"
    );
    assert!(
        emulator.counters().classify_requests < CALLS as u64,
        "calls that could not start in time were never sent"
    );
}
