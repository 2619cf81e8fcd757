//! Selection and review against the emulator: `list_accounts` / `list_machine_accounts` as one
//! page and as a lazy stream over 1,234 accounts (every account once, the fewest page requests,
//! the filter sent verbatim on every page, the total asked once, nothing fetched after the
//! stream is dropped), rejected filters and limits as typed errors, retried pages, and the
//! classify -> review -> declassify loop.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use futures::{StreamExt, TryStreamExt};
use sailpoint_v2025::{Client, Error, ListAccountsDetailLevel};
use sailpoint_v2025_testkit::{Emulator, Fault, ReceivedRequest, Source, demo};

const BIG_SOURCE_ID: &str = "2c9180835d2e5168015d32f890cabig1";
const BIG_SOURCE: &str = "Big LDAP";
const BIG: usize = 1234;

/// An emulator holding the demo accounts, 1,234 accounts on `Big LDAP` and 100 on another
/// source (which the filter must leave out).
async fn big_emulator() -> Emulator {
    let emu = common::emulator().await;
    emu.insert_source(Source::new(BIG_SOURCE_ID, BIG_SOURCE));
    emu.insert_source(Source::new("other-source", "Other"));
    emu.insert_accounts(demo::source_accounts(BIG_SOURCE, BIG));
    emu.insert_accounts(demo::source_accounts("Other", 100));
    emu
}

fn big_filter() -> String {
    format!(r#"sourceId eq "{BIG_SOURCE_ID}""#)
}

/// The decoded query parameters of a logged request.
fn query(request: &ReceivedRequest) -> Vec<(String, String)> {
    serde_urlencoded::from_str(request.query.as_deref().unwrap_or_default()).expect("query")
}

fn param(request: &ReceivedRequest, name: &str) -> Option<String> {
    query(request)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

fn requests_of(emu: &Emulator, operation: &str) -> Vec<ReceivedRequest> {
    emu.requests()
        .into_iter()
        .filter(|r| r.operation == operation)
        .collect()
}

#[tokio::test]
async fn a_stream_yields_every_account_once_in_the_fewest_pages() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let mut stream = client.list_accounts().filters(big_filter()).stream();
    assert_eq!(stream.total(), None, "nothing is requested before polling");
    let mut ids = Vec::new();
    while let Some(account) = stream.try_next().await.expect("page") {
        assert_eq!(stream.total(), Some(BIG as u64));
        assert_eq!(account.source_id, BIG_SOURCE_ID);
        ids.push(account.id.expect("id"));
    }
    let unique: BTreeSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), BIG, "every account exactly once");
    assert_eq!(unique.len(), BIG);
    let expected: BTreeSet<String> = demo::source_accounts(BIG_SOURCE, BIG)
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(
        unique.into_iter().cloned().collect::<BTreeSet<_>>(),
        expected
    );
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted, "without sorters the pages come sorted by id");

    // ceil(1234 / 250) = 5 pages, no empty sixth one.
    let pages = requests_of(&emu, "listAccounts");
    assert_eq!(pages.len(), 5);
    for (n, page) in pages.iter().enumerate() {
        assert_eq!(param(page, "filters"), Some(big_filter()), "page {n}");
        assert_eq!(param(page, "sorters").as_deref(), Some("id"), "page {n}");
        assert_eq!(param(page, "limit").as_deref(), Some("250"), "page {n}");
        assert_eq!(
            param(page, "offset"),
            Some((n * 250).to_string()),
            "page {n}"
        );
        let count = param(page, "count");
        if n == 0 {
            assert_eq!(count.as_deref(), Some("true"));
        } else {
            assert_eq!(count, None, "the total is asked once, not on page {n}");
        }
        assert_eq!(page.status, Some(200));
        assert!(page.has_authorization);
    }
}

#[tokio::test]
async fn a_full_last_page_that_reaches_the_total_ends_the_stream() {
    let emu = common::emulator().await;
    emu.insert_source(Source::new(BIG_SOURCE_ID, BIG_SOURCE));
    emu.insert_accounts(demo::source_accounts(BIG_SOURCE, 1000));
    let client = common::client(&emu);
    let accounts: Vec<_> = client
        .list_accounts()
        .filters(big_filter())
        .stream()
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(accounts.len(), 1000);
    assert_eq!(requests_of(&emu, "listAccounts").len(), 4);
}

#[tokio::test]
async fn a_stream_dropped_early_fetches_no_more_pages() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let stream = client
        .list_accounts()
        .filters(big_filter())
        .limit(100)
        .stream();
    let first: Vec<_> = stream.take(150).try_collect().await.expect("two pages");
    assert_eq!(first.len(), 150);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(requests_of(&emu, "listAccounts").len(), 2);

    // A consumer that stops polling holds up the next page, too.
    let mut stream = client
        .list_accounts()
        .filters(big_filter())
        .limit(100)
        .stream();
    for _ in 0..100 {
        stream.try_next().await.expect("item").expect("some");
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(requests_of(&emu, "listAccounts").len(), 3);
    drop(stream);
}

#[tokio::test]
async fn one_page_with_limit_offset_sorters_and_detail_level() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let page = client
        .list_accounts()
        .filters(format!(r#"{} and name sw "svc-""#, big_filter()))
        .sorters("-name")
        .limit(10)
        .offset(5)
        .detail_level(ListAccountsDetailLevel::Slim)
        .await
        .expect("page");
    assert_eq!(page.len(), 10);
    let names: Vec<String> = page.iter().map(|a| a.name.clone().expect("name")).collect();
    let mut all: Vec<String> = demo::source_accounts(BIG_SOURCE, BIG)
        .into_iter()
        .map(|a| a.name)
        .filter(|n| n.starts_with("svc-"))
        .collect();
    all.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, all[5..15]);
    assert!(page.iter().all(|a| a.attributes.is_none()), "SLIM");
    let sent = requests_of(&emu, "listAccounts");
    assert_eq!(sent.len(), 1);
    assert_eq!(param(&sent[0], "sorters").as_deref(), Some("-name"));
    assert_eq!(param(&sent[0], "detailLevel").as_deref(), Some("SLIM"));
    assert_eq!(
        param(&sent[0], "count"),
        None,
        "one page does not ask for the total"
    );
}

#[tokio::test]
async fn filters_the_server_cannot_parse_are_typed_errors_naming_them() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    for filters in [
        "",
        r#"name zz "x""#,
        r#"sourceId eq "unterminated"#,
        r#"owner eq "x""#,
    ] {
        let err = client
            .list_accounts()
            .filters(filters)
            .await
            .expect_err(filters);
        match &err {
            Error::FilterRejected {
                filters: sent,
                sorters,
                rejection,
                ..
            } => {
                assert_eq!(sent, filters);
                assert_eq!(sorters.as_deref(), Some("id"));
                assert!(
                    matches!(**rejection, Error::BadRequest { .. }),
                    "{rejection:?}"
                );
            }
            other => panic!("{filters:?}: expected FilterRejected, got {other:?}"),
        }
        assert_eq!(err.kind(), "filter_rejected");
        assert_eq!(err.status().map(|s| s.as_u16()), Some(400));
        assert!(
            err.tracking_id().is_some(),
            "the server's trackingId is kept"
        );
        assert!(!err.is_retryable());
    }
    // Four rejected requests, none retried.
    assert_eq!(requests_of(&emu, "listAccounts").len(), 4);

    // In a stream the rejection is the only item, and the stream ends.
    let items: Vec<_> = client
        .list_accounts()
        .filters("name eq")
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 1);
    assert!(matches!(items[0], Err(Error::FilterRejected { .. })));
    assert_eq!(requests_of(&emu, "listAccounts").len(), 5);
    let err = client.list_accounts().filters("name eq").await.unwrap_err();
    assert!(err.to_string().contains("`name eq`"), "{err}");
}

#[tokio::test]
async fn a_limit_outside_1_to_250_is_refused_before_sending() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    for limit in [0, 251, 10_000] {
        let err = client
            .list_accounts()
            .limit(limit)
            .await
            .expect_err("limit");
        assert!(
            matches!(err, Error::InvalidInput { what: "limit", .. }),
            "{err:?}"
        );
        let items: Vec<_> = client
            .list_machine_accounts()
            .limit(limit)
            .stream()
            .collect()
            .await;
        assert!(matches!(
            items.as_slice(),
            [Err(Error::InvalidInput { what: "limit", .. })]
        ));
    }
    assert_eq!(emu.counters().account_read_requests, 0);
    assert_eq!(emu.counters().token_requests, 0);
}

#[tokio::test]
async fn a_failed_page_is_retried_and_the_stream_continues() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let mut stream = client.list_accounts().filters(big_filter()).stream();
    for _ in 0..250 {
        stream.try_next().await.expect("first page");
    }
    emu.inject(Fault::Status(503));
    let rest: Vec<_> = stream.try_collect().await.expect("the rest, after a retry");
    assert_eq!(rest.len(), BIG - 250);
    let pages = requests_of(&emu, "listAccounts");
    assert_eq!(pages.len(), 6, "5 pages + 1 retry");
    assert_eq!(pages[1].status, Some(503));
    assert_eq!(param(&pages[1], "offset"), param(&pages[2], "offset"));
    assert_eq!(param(&pages[2], "filters"), Some(big_filter()));
}

#[tokio::test]
async fn classify_review_and_declassify_a_source() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let machine_ids = |client: Client| async move {
        client
            .list_machine_accounts()
            .stream()
            .map_ok(|m| m.id.expect("id"))
            .try_collect::<BTreeSet<String>>()
            .await
            .expect("machine accounts")
    };
    // The demo's manually classified machine account is one from the start.
    assert_eq!(
        machine_ids(client.clone()).await,
        BTreeSet::from([demo::MANUAL_MACHINE_ID.to_owned()])
    );

    // Select the AD source's accounts and classify them.
    let ad: Vec<String> = client
        .list_accounts()
        .filters(format!(r#"sourceId eq "{}""#, demo::AD_SOURCE_ID))
        .stream()
        .map_ok(|a| a.id.expect("id"))
        .try_collect()
        .await
        .expect("AD accounts");
    assert_eq!(ad.len(), 3);
    for id in &ad {
        client
            .send_classify_machine_account(id)
            .await
            .expect("classify");
    }
    let machines = machine_ids(client.clone()).await;
    assert!(machines.contains(demo::MACHINE_ID) && machines.contains(demo::COMPUTER_ID));
    assert!(!machines.contains(demo::HUMAN_ID));
    let machine = client
        .get_machine_account(demo::MACHINE_ID)
        .await
        .expect("get");
    assert_eq!(machine.name.as_deref(), Some("svc-backup"));
    assert_eq!(machine.classification_method, "CRITERIA");
    assert_eq!(machine.source["id"], demo::AD_SOURCE_ID);
    let by_source: Vec<_> = client
        .list_machine_accounts()
        .filters(format!(r#"source.id eq "{}""#, demo::AD_SOURCE_ID))
        .await
        .expect("filtered");
    assert_eq!(by_source.len(), 2);

    // Undo the source's classification.
    client
        .send_declassify_machine_account_from_source(demo::AD_SOURCE_ID)
        .await
        .expect("declassify");
    assert_eq!(
        machine_ids(client.clone()).await,
        BTreeSet::from([demo::MANUAL_MACHINE_ID.to_owned()])
    );
    let err = client
        .get_machine_account(demo::MACHINE_ID)
        .await
        .expect_err("no longer a machine account");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    assert_eq!(
        emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine),
        None
    );
    let declassify = requests_of(&emu, "sendDeclassifyMachineAccountFromSource");
    assert_eq!(declassify.len(), 1);
    assert_eq!(declassify[0].experimental.as_deref(), Some("true"));
    assert_eq!(declassify[0].status, Some(204));
    assert_eq!(
        declassify[0].path,
        format!("/v2025/sources/{}/declassify", demo::AD_SOURCE_ID)
    );
    let list = requests_of(&emu, "listMachineAccounts");
    assert!(
        list.iter().all(|r| r.experimental.is_none()),
        "reads are not experimental"
    );
}

#[tokio::test]
async fn declassify_is_retried_only_when_nothing_reached_the_server() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    emu.inject(Fault::Status(503));
    let err = client
        .send_declassify_machine_account_from_source(demo::AD_SOURCE_ID)
        .await
        .expect_err("a 503 may have been processed");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(
        requests_of(&emu, "sendDeclassifyMachineAccountFromSource").len(),
        1
    );

    emu.inject(Fault::RateLimited {
        retry_after: Some("0".into()),
    });
    client
        .send_declassify_machine_account_from_source(demo::AD_SOURCE_ID)
        .await
        .expect("a 429 was not processed: retried");
    assert_eq!(
        requests_of(&emu, "sendDeclassifyMachineAccountFromSource").len(),
        3
    );

    let err = client
        .send_declassify_machine_account_from_source("no-such-source")
        .await
        .expect_err("unknown source");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404));
    let err = client
        .send_declassify_machine_account_from_source("..")
        .await
        .expect_err("not a path segment");
    assert!(matches!(err, Error::InvalidInput { .. }));
}

#[tokio::test]
async fn the_stream_and_its_builder_are_send_and_static() {
    fn assert_send_static<T: Send + 'static>(_: &T) {}
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let builder = client.list_accounts().filters(big_filter());
    assert_send_static(&builder);
    let stream = builder.stream();
    assert_send_static(&stream);
    let count =
        tokio::spawn(async move { stream.try_fold(0, |n, _| async move { Ok(n + 1) }).await })
            .await
            .expect("task")
            .expect("stream");
    assert_eq!(count, BIG);
    let machines = tokio::spawn(std::future::IntoFuture::into_future(
        client.list_machine_accounts(),
    ))
    .await
    .expect("task");
    assert!(machines.is_ok());
}

/// The emulator's wire format, seen with a plain HTTP client: `X-Total-Count` with
/// `count=true` only, and a 400 in ISC's `ErrorResponseDto` shape naming the bad filter.
#[tokio::test]
async fn the_emulator_answers_collections_like_isc() {
    let emu = big_emulator().await;
    let token = emu.issue_token(demo::CLIENT_ID).expect("token");
    let http = reqwest::Client::new();
    let get = |query: &str| {
        http.get(format!("{}/v2025/accounts?{query}", emu.base_url()))
            .bearer_auth(&token)
            .send()
    };
    let filter = serde_urlencoded::to_string([("filters", big_filter())]).expect("encode");
    let response = get(&format!("{filter}&count=true&limit=3&offset=1231"))
        .await
        .expect("send");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(
        response
            .headers()
            .get("x-total-count")
            .and_then(|v| v.to_str().ok()),
        Some("1234")
    );
    let page: Vec<serde_json::Value> = response.json().await.expect("array");
    assert_eq!(page.len(), 3);
    assert_eq!(page[0]["id"], format!("{BIG_SOURCE}-001231"));
    assert_eq!(page[0]["sourceId"], BIG_SOURCE_ID);
    let response = get(&format!("{filter}&limit=3")).await.expect("send");
    assert!(response.headers().get("x-total-count").is_none());

    for query in [
        "filters=",
        "filters=name%20eq",
        "filters=name%20co%20%22x%22",
        "sorters=owner",
        "limit=251",
        "offset=-1",
        "count=yes",
    ] {
        let response = get(query).await.expect("send");
        assert_eq!(response.status().as_u16(), 400, "{query}");
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["detailCode"], "400.1 Bad Request Content", "{query}");
        assert_eq!(
            body["trackingId"].as_str().map(str::len),
            Some(32),
            "{query}"
        );
        assert_eq!(body["messages"][0]["locale"], "en-US");
        assert!(body["messages"][0]["text"].is_string(), "{query}");
    }
}

/// Every page goes through the execution path: a token that expires between pages is
/// refreshed once and the page retried; a 429 between pages is waited out.
#[tokio::test]
async fn pages_are_authenticated_and_retried_like_every_call() {
    let emu = big_emulator().await;
    let client = common::client(&emu);
    let mut stream = client.list_accounts().filters(big_filter()).stream();
    for _ in 0..250 {
        stream.try_next().await.expect("first page");
    }
    assert_eq!(emu.counters().tokens_issued, 1);
    emu.expire_all_tokens();
    for _ in 0..250 {
        stream
            .try_next()
            .await
            .expect("second page, after a refresh");
    }
    assert_eq!(emu.counters().tokens_issued, 2, "one refresh");
    emu.inject(Fault::RateLimited {
        retry_after: Some("0".into()),
    });
    let rest: Vec<_> = stream.try_collect().await.expect("the rest");
    assert_eq!(rest.len(), BIG - 500);
    let statuses: Vec<Option<u16>> = requests_of(&emu, "listAccounts")
        .iter()
        .map(|r| r.status)
        .collect();
    assert_eq!(
        statuses,
        [
            Some(200),
            Some(401),
            Some(200),
            Some(429),
            Some(200),
            Some(200),
            Some(200)
        ]
    );
}
