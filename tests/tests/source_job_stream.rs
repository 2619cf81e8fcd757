//! The source classification workflow against a raw server that answers what a test needs: a
//! cancel before the first poll starts no job, polling keeps its interval after a cancel, any
//! status other than `STARTED`/`COLLECTED` ends the stream, counts decode over the whole
//! non-negative range, and operations without a body accept any 2xx.

mod common;

use std::time::Duration;

use common::hostile::{Hostile, Reply, Seen, reply, token};
use futures::StreamExt;
use sailpoint_v2025::{
    Client, Error, MachineClassificationConfig, SourceClassificationStatus,
    SourceClassificationStatusExt, SourceJobStatus,
};

const SOURCE: &str = "2c9180835d2e5168015d32f890ca1581";

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

/// A server for one source: the token, `POST` answers 3 accounts submitted, `GET` answers
/// `status(n)` (`n`: the earlier requests to the path, the `POST` included), `DELETE` 204.
async fn job_server(status: impl Fn(usize) -> String + Send + Sync + 'static) -> Hostile {
    Hostile::start(move |seen: &Seen, n| -> Reply {
        if seen.is_token() {
            return token("tok", "749");
        }
        match seen.method.as_str() {
            "POST" => reply(200, JSON, r#"{"Accounts submitted for processing":3}"#),
            "GET" => reply(200, JSON, &status(n)),
            "DELETE" => reply(204, &[], ""),
            _ => reply(405, &[], ""),
        }
    })
    .await
}

fn snapshot(status: &str) -> String {
    format!(
        r#"{{"status":"{status}","started":"2026-12-06T05:00:00Z","counts":{{"EXPECTED":3,"RECEIVED":1,"COMPLETED":0}}}}"#
    )
}

fn client(server: &Hostile) -> Client {
    common::isolated_builder()
        .base_url(server.base_url())
        .client_credentials("id", "secret")
        .build()
        .expect("client")
}

fn requests(server: &Hostile, method: &str) -> usize {
    server
        .api_requests()
        .iter()
        .filter(|s| s.method == method)
        .count()
}

/// Every item of the stream, failing the test if it does not end within `limit`.
async fn drain(
    stream: sailpoint_v2025::ClassifySource,
    limit: Duration,
) -> Vec<Result<SourceClassificationStatus, Error>> {
    tokio::time::timeout(limit, stream.collect::<Vec<_>>())
        .await
        .expect("the stream ends")
}

#[tokio::test]
async fn a_cancel_before_the_first_poll_starts_no_job() {
    let server = job_server(|_| snapshot("CANCELLED")).await;
    let client = client(&server);
    let job = client.classify_source(SOURCE);
    job.cancel_handle().cancel().await.expect("DELETE");
    let items = drain(job, Duration::from_secs(30)).await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(requests(&server, "DELETE"), 1);
    assert_eq!(requests(&server, "POST"), 0, "no job was started");
    assert_eq!(requests(&server, "GET"), 0);
}

#[tokio::test]
async fn a_failed_cancel_before_the_first_poll_still_starts_no_job() {
    let server = Hostile::start(|seen: &Seen, _| {
        if seen.is_token() {
            token("tok", "749")
        } else {
            reply(
                403,
                JSON,
                r#"{"detailCode":"403 Forbidden","trackingId":"t"}"#,
            )
        }
    })
    .await;
    let client = client(&server);
    let job = client.classify_source(SOURCE);
    let err = job.cancel_handle().cancel().await.expect_err("403");
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    let items = drain(job, Duration::from_secs(30)).await;
    assert!(items.is_empty(), "{items:?}");
    assert_eq!(requests(&server, "POST"), 0);
}

#[tokio::test]
async fn after_a_cancel_polling_keeps_its_interval() {
    // The job never shows CANCELLED: the stream must keep polling at its interval, not as
    // fast as the (unlimited) rate limit allows.
    let server = job_server(|_| snapshot("STARTED")).await;
    let client = client(&server);
    let interval = Duration::from_millis(250);
    let mut job = client.classify_source(SOURCE).poll_interval(interval);
    let cancel = job.cancel_handle();
    let first = job.next().await.expect("a snapshot").expect("STARTED");
    assert_eq!(first.job_status(), Some(SourceJobStatus::Started));
    cancel.cancel().await.expect("DELETE");
    let gets_at_cancel = requests(&server, "GET");
    // Poll for two seconds: at most one immediate poll plus one per interval (8), whatever
    // the machine's load (a loaded machine polls less, never more).
    let window = Duration::from_secs(2);
    let polled = tokio::time::timeout(window, async {
        while let Some(item) = job.next().await {
            item.expect("STARTED");
        }
    })
    .await;
    assert!(
        polled.is_err(),
        "the job never ends, so the stream does not either"
    );
    let gets = requests(&server, "GET") - gets_at_cancel;
    assert!(gets >= 2, "it keeps polling: {gets}");
    assert!(
        gets <= 1 + 8 + 1,
        "{gets} polls in {window:?} at a {interval:?} interval"
    );
}

#[tokio::test]
async fn any_status_but_started_or_collected_ends_the_stream() {
    for last in ["PAUSED", "FAILED", "completed", ""] {
        // Request 0 to the path is the POST.
        let server = job_server(move |n| match n {
            1 => snapshot("STARTED"),
            2 => snapshot("COLLECTED"),
            _ => snapshot(last),
        })
        .await;
        let client = client(&server);
        let items = drain(
            client
                .classify_source(SOURCE)
                .poll_interval(Duration::from_millis(10)),
            Duration::from_secs(30),
        )
        .await;
        let statuses: Vec<_> = items
            .iter()
            .map(|item| item.as_ref().expect("a snapshot").job_status())
            .collect();
        assert_eq!(
            statuses,
            vec![
                Some(SourceJobStatus::Started),
                Some(SourceJobStatus::Collected),
                Some(SourceJobStatus::from(last)),
            ],
            "{last}"
        );
        assert_eq!(requests(&server, "GET"), 3, "{last}");
    }
    // No status at all ends it too (nothing says the job is running).
    let server =
        job_server(|_| r#"{"counts":{"EXPECTED":1,"RECEIVED":1,"COMPLETED":1}}"#.into()).await;
    let items = drain(
        client(&server).classify_source(SOURCE),
        Duration::from_secs(30),
    )
    .await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].as_ref().expect("a snapshot").job_status(), None);
}

#[tokio::test]
async fn counts_decode_over_the_whole_non_negative_range() {
    for n in [0u64, 1 << 31, 1 << 40, i64::MAX as u64 + 1, u64::MAX] {
        let server = Hostile::start(move |seen: &Seen, _| {
            if seen.is_token() {
                return token("tok", "749");
            }
            match seen.method.as_str() {
                "POST" => reply(
                    200,
                    JSON,
                    &format!(r#"{{"Accounts submitted for processing":{n}}}"#),
                ),
                _ => reply(
                    200,
                    JSON,
                    &format!(
                        r#"{{"status":"COMPLETED","counts":{{"EXPECTED":{n},"RECEIVED":{n},"COMPLETED":{n}}}}}"#
                    ),
                ),
            }
        })
        .await;
        let client = client(&server);
        let started = client
            .send_classify_machine_account_from_source(SOURCE)
            .await
            .expect("decodes");
        assert_eq!(started.accounts_submitted_for_processing, Some(n));
        let status = client
            .get_classify_machine_account_from_source_status(SOURCE)
            .await
            .expect("decodes");
        let counts = status.counts.expect("counts");
        assert_eq!(
            (counts.expected, counts.received, counts.completed),
            (n, n, n)
        );
    }
}

#[tokio::test]
async fn operations_without_a_body_accept_any_2xx() {
    for (status, body) in [(200, "{}"), (200, ""), (202, ""), (204, "")] {
        let server = Hostile::start(move |seen: &Seen, _| {
            if seen.is_token() {
                token("tok", "749")
            } else {
                reply(status, JSON, body)
            }
        })
        .await;
        let client = client(&server);
        client
            .delete_classify_machine_account_from_source(SOURCE)
            .await
            .unwrap_or_else(|e| panic!("DELETE job, {status} {body:?}: {e:?}"));
        client
            .delete_machine_classification_config(SOURCE)
            .await
            .unwrap_or_else(|e| panic!("DELETE config, {status} {body:?}: {e:?}"));
        assert_eq!(requests(&server, "DELETE"), 2, "no retry: {status}");
    }
    // A 2xx on an operation with a body still needs the body.
    let server = Hostile::start(|seen: &Seen, _| {
        if seen.is_token() {
            token("tok", "749")
        } else {
            reply(202, JSON, "")
        }
    })
    .await;
    let err = client(&server)
        .set_machine_classification_config(SOURCE, MachineClassificationConfig::default())
        .await
        .expect_err("no config in the answer");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(202), "{err:?}");
}
