//! Hostile list pages from a raw TCP server: a page that is not a JSON array, or holds more
//! items than the limit asked for, is a typed error that ends the stream after exactly one
//! request (never a loop), a server ignoring `offset` is noticed at its second page; a
//! malformed `X-Total-Count` is no total, not an error.

mod common;

use common::hostile::{Hostile, Reply, reply, token};
use futures::StreamExt;
use sailpoint_v2025::{Client, Error};

/// A minimal `Account` as ISC sends it (the required fields).
fn account(id: &str) -> String {
    format!(
        r#"{{"id":"{id}","name":"{id}","nativeIdentity":"{id}","sourceId":"s1","sourceName":"S",
        "attributes":null,"authoritative":false,"systemAccount":false,"uncorrelated":true,
        "disabled":false,"locked":false,"manuallyCorrelated":false,"hasEntitlements":false}}"#
    )
}

fn page(ids: &[&str], headers: &[(&str, &str)]) -> Reply {
    let body = format!(
        "[{}]",
        ids.iter()
            .map(|id| account(id))
            .collect::<Vec<_>>()
            .join(",")
    );
    let mut all = vec![("content-type", "application/json")];
    all.extend_from_slice(headers);
    reply(200, &all, &body)
}

/// A server answering tokens and, for `/v2025/accounts`, `accounts(n)` for the n-th request.
async fn server(accounts: impl Fn(usize) -> Reply + Send + Sync + 'static) -> Hostile {
    Hostile::start(move |seen, n| {
        if seen.is_token() {
            token("tok", "749")
        } else {
            accounts(n)
        }
    })
    .await
}

fn client(server: &Hostile) -> Client {
    common::isolated_builder()
        .base_url(server.base_url())
        .client_credentials("id", "secret")
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_page_that_is_not_a_json_array_ends_the_stream() {
    for body in [
        r#"{"items":[]}"#,
        "null",
        "<html>proxy error</html>",
        r#"[{"id":"x"}]"#,
        "[",
    ] {
        let server =
            server(move |_| reply(200, &[("content-type", "application/json")], body)).await;
        let items: Vec<_> = client(&server).list_accounts().stream().collect().await;
        assert_eq!(items.len(), 1, "{body}: {items:?}");
        match &items[0] {
            Err(err @ Error::InvalidBody { .. }) => {
                assert_eq!(err.kind(), "invalid_body");
                assert!(!err.is_retryable());
            }
            other => panic!("{body}: expected InvalidBody, got {other:?}"),
        }
        assert_eq!(
            server.api_requests().len(),
            1,
            "{body}: one request, no loop"
        );
    }
}

#[tokio::test]
async fn a_page_longer_than_the_limit_ends_the_stream() {
    let server = server(|_| page(&["a", "b", "c"], &[("x-total-count", "1000")])).await;
    let client = client(&server);
    let items: Vec<_> = client.list_accounts().limit(2).stream().collect().await;
    assert_eq!(items.len(), 1, "{items:?}");
    match &items[0] {
        Err(err @ Error::PageTooLong { .. }) => {
            assert!(matches!(
                err,
                Error::PageTooLong {
                    offset: 0,
                    limit: 2,
                    received: 3,
                    ..
                }
            ));
            assert_eq!(err.kind(), "page_too_long");
            assert!(
                err.to_string().contains("more than the limit of 2"),
                "{err}"
            );
        }
        other => panic!("expected PageTooLong, got {other:?}"),
    }
    assert_eq!(server.api_requests().len(), 1);

    // The same for one awaited page.
    let err = client.list_accounts().limit(2).await.expect_err("too long");
    assert!(matches!(err, Error::PageTooLong { received: 3, .. }));
}

#[tokio::test]
async fn full_pages_stop_at_the_reported_total() {
    // The n-th request gets ids 2n and 2n+1: every page full; the total ends the run.
    let server = server(|n| {
        let ids = [format!("a{}", 2 * n), format!("a{}", 2 * n + 1)];
        page(&[&ids[0], &ids[1]], &[("x-total-count", "6")])
    })
    .await;
    let items: Vec<_> = client(&server)
        .list_accounts()
        .limit(2)
        .stream()
        .collect()
        .await;
    assert_eq!(items.len(), 6);
    assert!(items.iter().all(Result::is_ok));
    assert_eq!(server.api_requests().len(), 3);
}

#[tokio::test]
async fn a_server_ignoring_offset_cannot_make_the_stream_loop() {
    // The same full page for every offset, with a total it never reaches, and without one.
    for headers in [vec![("x-total-count", "1000000")], vec![]] {
        let server = server(move |_| page(&["a", "b"], &headers)).await;
        let items: Vec<_> = client(&server)
            .list_accounts()
            .limit(2)
            .stream()
            .collect()
            .await;
        assert_eq!(items.len(), 3, "{items:?}");
        assert!(items[..2].iter().all(Result::is_ok));
        match &items[2] {
            Err(err @ Error::PageRepeated { offset: 2, id, .. }) => {
                assert_eq!(id, "a");
                assert_eq!(err.kind(), "page_repeated");
                assert!(err.to_string().contains("ignores offset"), "{err}");
            }
            other => panic!("expected PageRepeated, got {other:?}"),
        }
        assert_eq!(server.api_requests().len(), 2, "two requests, no loop");
    }
}

#[tokio::test]
async fn a_malformed_total_is_no_total() {
    let server = server(|n| match n {
        0 => page(&["a", "b"], &[("x-total-count", "lots")]),
        _ => page(&["c"], &[]),
    })
    .await;
    let mut stream = client(&server).list_accounts().limit(2).stream();
    let mut ids = Vec::new();
    while let Some(item) = stream.next().await {
        ids.push(item.expect("account").id.expect("id"));
    }
    assert_eq!(ids, ["a", "b", "c"]);
    assert_eq!(stream.total(), None);
    assert_eq!(server.api_requests().len(), 2);
}
