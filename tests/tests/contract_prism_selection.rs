//! Contract tests for selection and review: `listAccounts`, `listMachineAccounts`,
//! `getMachineAccount` and `sendDeclassifyMachineAccountFromSource`, sent by the facade (one
//! page and streamed, with every collection parameter) to Prism, which validates each request
//! against SailPoint's spec (`tests/contract/sailpoint-v2025.prism.yaml`, written by
//! `cargo xtask generate`). Negative controls prove Prism checks the collection parameters.
//!
//! Like `contract_prism.rs`: `cargo xtask test` starts Prism and sets `SAILPOINT_PRISM_URL`;
//! without it these tests skip themselves loudly, except under `CI`, where they fail.

mod common;

use std::time::Duration;

use futures::TryStreamExt;
use sailpoint_v2025::{Client, ListAccountsDetailLevel, RetryConfig};

const PRISM_URL_VAR: &str = "SAILPOINT_PRISM_URL";
const ACCOUNT_ID: &str = "ef38f94347e94562b5bb8424a56397d8";
const SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca1581";

/// Prism's address, or `None` (after a loud message); panics under `CI` without one.
fn prism_url() -> Option<String> {
    let url = std::env::var(PRISM_URL_VAR).unwrap_or_default();
    let url = url.trim().trim_end_matches('/');
    if !url.is_empty() {
        return Some(url.to_string());
    }
    let ci = std::env::var("CI").unwrap_or_default();
    if !ci.is_empty() && ci != "0" && !ci.eq_ignore_ascii_case("false") {
        panic!("{PRISM_URL_VAR} is not set, but CI={ci}: run `cargo xtask test`.");
    }
    eprintln!("\n*** SKIPPED: Prism contract test. {PRISM_URL_VAR} is not set. ***\n");
    None
}

/// Static token, no retries (a 4xx must surface at once), nothing read from the environment.
fn client(prism: &str) -> Client {
    common::isolated_builder()
        .base_url(prism)
        .access_token("static-token")
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client for Prism builds")
}

#[tokio::test]
async fn the_four_operations_satisfy_the_contract() {
    let Some(prism) = prism_url() else { return };
    let client = client(&prism);
    let mut failures = Vec::new();
    let mut check = |what: &str, result: Result<(), sailpoint_v2025::Error>| {
        if let Err(err) = result {
            failures.push(format!(
                "{what}: status {:?}: {err}\n  {err:?}",
                err.status()
            ));
        }
    };
    check(
        "listAccounts, one page, every parameter",
        client
            .list_accounts()
            .filters(format!(r#"sourceId eq "{SOURCE_ID}" and name sw "svc-""#))
            .sorters("-name,id")
            .limit(50)
            .offset(100)
            .detail_level(ListAccountsDetailLevel::Slim)
            .await
            .map(|page| assert!(page.len() <= 50)),
    );
    check(
        "listAccounts, streamed (count=true on the first page)",
        client
            .list_accounts()
            .filters(format!(r#"sourceId eq "{SOURCE_ID}""#))
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .map(drop),
    );
    check(
        "listMachineAccounts, one page",
        client
            .list_machine_accounts()
            .filters(format!(r#"source.id eq "{SOURCE_ID}""#))
            .sorters("name")
            .limit(250)
            .offset(0)
            .await
            .map(drop),
    );
    check(
        "listMachineAccounts, streamed",
        client
            .list_machine_accounts()
            .stream()
            .try_collect::<Vec<_>>()
            .await
            .map(drop),
    );
    check(
        "getMachineAccount",
        client.get_machine_account(ACCOUNT_ID).await.map(drop),
    );
    check(
        "sendDeclassifyMachineAccountFromSource",
        client
            .send_declassify_machine_account_from_source(SOURCE_ID)
            .await,
    );
    assert!(
        failures.is_empty(),
        "requests that break the contract:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn prism_checks_the_collection_parameters() {
    let Some(prism) = prism_url() else { return };
    let raw = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client");
    let status_of = |query: &'static str| {
        let request = raw
            .get(format!("{prism}/v2025/accounts?{query}"))
            .header("Authorization", "Bearer x");
        async move {
            let response = request.send().await.expect("Prism answers");
            let violations = response
                .headers()
                .get("sl-violations")
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
            (response.status(), violations)
        }
    };
    // Positive control: what the facade sends for a first page.
    let (status, violations) =
        status_of("count=true&filters=id%20eq%20%22a%22&limit=250&offset=0&sorters=id").await;
    assert_eq!(status, reqwest::StatusCode::OK, "{violations:?}");
    // The plain integer and boolean parameters are checked: 251 > maximum, `count=maybe`.
    for query in [
        "limit=251",
        "offset=-1",
        "count=maybe",
        "detailLevel=MEDIUM",
    ] {
        let (status, violations) = status_of(query).await;
        assert!(status.is_client_error(), "{query}: {status}");
        assert!(violations.is_some(), "{query}: no sl-violations");
    }
    // The declassify POST needs the experimental header.
    let (status, _) = {
        let response = raw
            .post(format!("{prism}/v2025/sources/{SOURCE_ID}/declassify"))
            .header("Authorization", "Bearer x")
            .send()
            .await
            .expect("Prism answers");
        (response.status(), ())
    };
    assert!(
        status.is_client_error(),
        "declassify without the header: {status}"
    );
}
