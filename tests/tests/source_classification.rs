//! The machine-account classification family through the facade, against the emulator: the six
//! source operations, their retry rules, and the `classify_source` workflow.

mod common;

use std::future::IntoFuture;
use std::time::Duration;

use futures::StreamExt;
use sailpoint_v2025::{
    Error, MachineClassificationConfig, MachineClassificationConfigClassificationMethod,
    MachineClassificationCriteriaLevel1, MachineClassificationCriteriaOperation, RateLimit,
    SourceClassificationStatus,
};
use sailpoint_v2025_testkit::{
    ClassificationPace, Emulator, Fault, ServerRateLimit as EmuLimit, Source, demo,
};

const BIG: &str = "big-source";

async fn source_emulator(accounts: usize, pace: ClassificationPace) -> Emulator {
    Emulator::builder()
        .without_rate_limit()
        .source(Source::new(BIG, "Big LDAP"))
        .accounts(demo::source_accounts("Big LDAP", accounts))
        .classification_pace(pace)
        .start()
        .await
        .expect("emulator starts")
}

async fn all(
    mut stream: sailpoint_v2025::ClassifySource,
) -> Vec<Result<SourceClassificationStatus, Error>> {
    let mut items = Vec::new();
    while let Some(item) = stream.next().await {
        items.push(item);
    }
    items
}

fn status(item: &Result<SourceClassificationStatus, Error>) -> String {
    match item {
        Ok(s) => s.status.clone().unwrap_or_default(),
        Err(e) => format!("error: {e}"),
    }
}

/// The done-when test: 100,000 accounts classified server-side through `classify_source`, with
/// one POST and a few status polls (one call per account would take 2.8 hours at ISC's limit).
#[tokio::test]
async fn classify_source_classifies_a_100k_account_source_in_seconds() {
    let emu = Emulator::builder()
        .rate_limit(Some(EmuLimit::ISC))
        .source(Source::new(BIG, "Big LDAP"))
        .accounts(demo::source_accounts("Big LDAP", 100_000))
        .classification_pace(ClassificationPace::uniform(200_000))
        .start()
        .await
        .expect("emulator starts");
    // ISC's client-side limit too: polling stays inside it.
    let client = common::builder(&emu)
        .rate_limit(RateLimit::new(100, Duration::from_secs(10)))
        .build()
        .expect("client");
    let snapshots = all(client
        .classify_source(BIG)
        .poll_interval(Duration::from_millis(100)))
    .await;
    assert!(
        snapshots.iter().all(Result::is_ok),
        "{:?}",
        snapshots.iter().map(status).collect::<Vec<_>>()
    );
    let counts: Vec<(u64, u64, u64)> = snapshots
        .iter()
        .filter_map(|s| s.as_ref().ok()?.counts.as_ref())
        .map(|c| (c.expected, c.received, c.completed))
        .collect();
    assert!(
        counts.windows(2).all(|w| w[0].2 <= w[1].2),
        "COMPLETED never goes back: {counts:?}"
    );
    assert_eq!(counts.last(), Some(&(100_000, 100_000, 100_000)));
    assert_eq!(snapshots.last().map(status).as_deref(), Some("COMPLETED"));
    let machines = emu
        .accounts()
        .iter()
        .filter(|a| a.source_name == "Big LDAP" && a.is_machine == Some(true))
        .count();
    assert_eq!(machines, 20_000);
    let counters = emu.counters();
    assert_eq!(
        counters.operation_calls("sendClassifyMachineAccountFromSource"),
        1
    );
    let polls = counters.operation_calls("getClassifyMachineAccountFromSourceStatus");
    assert_eq!(polls as usize, snapshots.len());
    assert!(polls < 100, "{polls} polls: within the rate limit, no 429");
    assert_eq!(counters.rate_limited, 0);
    assert_eq!(counters.classify_requests, 0, "no per-account calls");
}

#[tokio::test]
async fn cancelling_ends_the_stream_with_cancelled_and_keeps_the_work_done() {
    let emu = source_emulator(10_000, ClassificationPace::uniform(1_000)).await;
    let client = common::client(&emu);
    let mut stream = client
        .classify_source(BIG)
        .poll_interval(Duration::from_secs(30));
    let cancel = stream.cancel_handle();
    let first = stream.next().await.expect("a first snapshot").expect("ok");
    assert_eq!(first.status.as_deref(), Some("STARTED"));
    cancel.cancel().await.expect("cancel");
    // The long poll interval is cut short by the cancel.
    let rest = tokio::time::timeout(Duration::from_secs(20), all(stream))
        .await
        .expect("the stream ends soon after the cancel");
    assert_eq!(rest.iter().map(status).collect::<Vec<_>>(), ["CANCELLED"]);
    assert_eq!(
        emu.counters()
            .operation_calls("deleteClassifyMachineAccountFromSource"),
        1
    );
    let classified = emu
        .accounts()
        .iter()
        .filter(|a| a.source_name == "Big LDAP" && a.is_machine.is_some())
        .count();
    assert!(
        classified < 10_000,
        "the job stopped early ({classified} classified)"
    );
}

#[tokio::test]
async fn a_terminated_job_ends_the_stream() {
    let emu = source_emulator(10_000, ClassificationPace::uniform(10)).await;
    let client = common::client(&emu);
    let mut stream = client
        .classify_source(BIG)
        .poll_interval(Duration::from_millis(50));
    let first = stream.next().await.expect("first").expect("ok");
    assert_eq!(first.status.as_deref(), Some("STARTED"));
    assert!(emu.terminate_source_classification(BIG));
    let rest = all(stream).await;
    assert_eq!(rest.iter().map(status).collect::<Vec<_>>(), ["TERMINATED"]);
}

#[tokio::test]
async fn an_unknown_source_is_a_404_error_and_the_stream_stops() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let items = all(client.classify_source("no-such-source")).await;
    assert_eq!(items.len(), 1);
    let err = items
        .into_iter()
        .next()
        .and_then(Result::err)
        .expect("an error");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    for err in [
        client
            .get_classify_machine_account_from_source_status("nope")
            .await
            .expect_err("404"),
        client
            .get_machine_classification_config("nope")
            .await
            .expect_err("404"),
        client
            .delete_classify_machine_account_from_source("nope")
            .await
            .expect_err("404"),
    ] {
        assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{err:?}");
    }
    // Not one path segment: refused before any request.
    let before = emu.counters().source_requests;
    let err = client
        .send_classify_machine_account_from_source("..")
        .await
        .expect_err("invalid");
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert_eq!(emu.counters().source_requests, before);
}

#[tokio::test]
async fn the_config_round_trips_and_its_criteria_classify_single_accounts() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let config = MachineClassificationConfig {
        enabled: true,
        classification_method: Some(MachineClassificationConfigClassificationMethod::Criteria),
        criteria: Some(MachineClassificationCriteriaLevel1 {
            operation: Some(MachineClassificationCriteriaOperation::EndsWith),
            attribute: Some("sAMAccountName".into()),
            value: Some(".DOE".into()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let stored = client
        .set_machine_classification_config(demo::AD_SOURCE_ID, config.clone())
        .await
        .expect("set");
    assert_eq!(stored.criteria, config.criteria);
    assert!(stored.created.is_some());
    let read = client
        .get_machine_classification_config(demo::AD_SOURCE_ID)
        .await
        .expect("get");
    assert_eq!(read, stored);
    // john.doe is human by the built-in rules, a machine by this config.
    let r = client
        .send_classify_machine_account(demo::HUMAN_ID)
        .await
        .expect("classify");
    assert!(r.is_machine);
    client
        .delete_machine_classification_config(demo::AD_SOURCE_ID)
        .await
        .expect("delete");
    let err = client
        .get_machine_classification_config(demo::AD_SOURCE_ID)
        .await
        .expect_err("gone");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
}

#[tokio::test]
async fn starting_is_not_retried_after_a_5xx_but_reads_are() {
    let emu = source_emulator(10, ClassificationPace::uniform(1_000)).await;
    let client = common::client(&emu); // three attempts
    emu.inject(Fault::Status(503));
    let err = client
        .send_classify_machine_account_from_source(BIG)
        .await
        .expect_err("the 503 is returned: the job may have started");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        emu.counters()
            .operation_calls("sendClassifyMachineAccountFromSource"),
        1
    );
    // A 429 is rejected before processing: retried even for the start.
    emu.inject(Fault::RateLimited {
        retry_after: Some("0".into()),
    });
    let started = client
        .send_classify_machine_account_from_source(BIG)
        .await
        .expect("retried after the 429");
    assert_eq!(started.accounts_submitted_for_processing, Some(10));
    emu.inject(Fault::Status(503)).times(2);
    let status = client
        .get_classify_machine_account_from_source_status(BIG)
        .await
        .expect("retried past two 503s");
    assert!(status.counts.is_some());
    assert_eq!(
        emu.counters()
            .operation_calls("getClassifyMachineAccountFromSourceStatus"),
        3
    );
}

#[test]
fn requests_and_the_stream_are_send_and_static() {
    fn send_static<T: Send + 'static>(_: &T) {}
    let client = common::static_token_client("http://127.0.0.1:9", "t");
    send_static(
        &client
            .send_classify_machine_account_from_source("s")
            .into_future(),
    );
    send_static(
        &client
            .get_classify_machine_account_from_source_status("s")
            .into_future(),
    );
    send_static(
        &client
            .delete_classify_machine_account_from_source("s")
            .into_future(),
    );
    send_static(&client.get_machine_classification_config("s").into_future());
    send_static(
        &client
            .set_machine_classification_config("s", MachineClassificationConfig::default())
            .into_future(),
    );
    send_static(
        &client
            .delete_machine_classification_config("s")
            .into_future(),
    );
    send_static(&client.classify_source("s"));
}
