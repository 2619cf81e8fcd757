//! Contract tests: what the SDK sends is validated by Prism against SailPoint's own spec.
//!
//! `cargo xtask test` installs Prism (`package.json`), starts
//! `prism mock tests/contract/sailpoint-v2025.prism.yaml` on a free loopback port and passes its
//! address in `SAILPOINT_PRISM_URL`. Without that variable these tests skip themselves, loudly,
//! except under `CI`, where they fail: CI must never pass without the contract having been checked.
//!
//! Prism validates every request against the operation (path, query, headers) before it mocks
//! a response. Checked by hand with Prism 5.16.0 on that spec (`curl -i -X POST ...`):
//! * `/v2025/accounts/abc/classify?classificationMode=default` with
//!   `X-SailPoint-Experimental: true` answers 200 `{"isMachine":false}`; so do the other modes
//!   and no `classificationMode` at all (it is optional);
//! * `classificationMode=nope` answers 400 with
//!   `sl-violations: [{"location":["request","query","classificationmode"],"code":"enum",...}]`;
//! * without `X-SailPoint-Experimental` it answers 400 with
//!   `sl-violations: [{"location":["request","header"],"code":"required",...}]`;
//! * `/v2025/accounts/a%2Fb%3Fc%23d/classify` (one encoded segment) routes to the operation
//!   (200), while `/v2025/accounts/a/b/classify` answers 404 `NO_PATH_MATCHED_ERROR`;
//! * without `Authorization` it answers 401 with
//!   `sl-violations: [{"location":["request"],"code":401,"message":"Invalid security scheme used"}]`
//!   (the operation's OAuth2 schemes need a bearer token);
//! * `GET /` answers 404 (`cargo xtask test` uses it to see that Prism is up).
//!
//! So a facade request that broke the contract would come back as a 4xx, which the facade
//! reports as an error, and the negative controls below prove that Prism does reject.

mod common;

use std::time::Duration;

use futures::StreamExt;
use sailpoint_v2025::{
    ClassificationMode, Client, MachineClassificationConfig,
    MachineClassificationConfigClassificationMethod, MachineClassificationCriteriaLevel1,
    MachineClassificationCriteriaLevel2, MachineClassificationCriteriaLevel3,
    MachineClassificationCriteriaOperation, RetryConfig,
};

/// Set by `cargo xtask test` to Prism's address, e.g. `http://127.0.0.1:41234`.
const PRISM_URL_VAR: &str = "SAILPOINT_PRISM_URL";
/// A real-looking account id (32 hex digits, as in SailPoint's docs).
const ACCOUNT_ID: &str = "ef38f94347e94562b5bb8424a56397d8";
/// A real-looking source id.
const SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca1581";

/// Prism's address, or `None` (after a loud message) when the tests should skip.
/// Panics under `CI`: there, a skipped contract test would be a silent pass.
fn prism_url() -> Option<String> {
    let url = std::env::var(PRISM_URL_VAR).unwrap_or_default();
    let url = url.trim().trim_end_matches('/');
    if !url.is_empty() {
        return Some(url.to_string());
    }
    let ci = std::env::var("CI").unwrap_or_default();
    if !ci.is_empty() && ci != "0" && !ci.eq_ignore_ascii_case("false") {
        panic!(
            "{PRISM_URL_VAR} is not set, but CI={ci}: the Prism contract tests must run in CI. \
             Run them through `cargo xtask test`, which starts Prism and sets {PRISM_URL_VAR}."
        );
    }
    eprintln!(
        "\n*** SKIPPED: Prism contract test. {PRISM_URL_VAR} is not set; run `cargo xtask test` \
         (it starts Prism) or point {PRISM_URL_VAR} at `prism mock \
         tests/contract/sailpoint-v2025.prism.yaml`. ***\n"
    );
    None
}

/// A facade client for Prism: static token, no retries (a 4xx must surface at once), no
/// client-side rate limit, and nothing read from the environment or `./config.json`.
fn client(prism: &str) -> Client {
    common::isolated_builder()
        .base_url(prism)
        .access_token("static-token")
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("a client for Prism builds")
}

/// A plain HTTP client for the raw control requests.
fn raw() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("reqwest client builds")
}

fn classify_url(prism: &str, encoded_id: &str) -> String {
    format!("{prism}/v2025/accounts/{encoded_id}/classify")
}

/// Sends a raw request and returns its status, its `sl-violations` header and its body.
async fn send_raw(
    request: reqwest::RequestBuilder,
) -> (reqwest::StatusCode, Option<String>, String) {
    let response = request.send().await.expect("Prism answers the raw request");
    let status = response.status();
    let violations = response
        .headers()
        .get("sl-violations")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let body = response.text().await.unwrap_or_default();
    (status, violations, body)
}

#[tokio::test]
async fn every_classification_mode_satisfies_the_contract() {
    let Some(prism) = prism_url() else { return };
    let client = client(&prism);

    let modes = [
        None,
        Some(ClassificationMode::Default),
        Some(ClassificationMode::IgnoreManual),
        Some(ClassificationMode::ForceMachine),
        Some(ClassificationMode::ForceHuman),
    ];
    let mut failures = Vec::new();
    for mode in modes {
        let mut request = client.send_classify_machine_account(ACCOUNT_ID);
        if let Some(mode) = mode {
            request = request.classification_mode(mode);
        }
        match request.send().await {
            // Prism's static mock: the spec's example/default for the 200 body.
            Ok(response) => eprintln!("mode {mode:?}: 200, isMachine = {}", response.is_machine),
            Err(err) => failures.push(format!(
                "mode {mode:?}: Prism rejected the SDK's request (status {:?}): {err}\n  {err:?}",
                err.status()
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "requests that break the contract:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn hostile_account_ids_reach_the_operation_as_one_segment() {
    let Some(prism) = prism_url() else { return };
    let client = client(&prism);

    // Each must be percent-encoded into one path segment; otherwise Prism would find no
    // operation (404) or see a different query.
    let ids = [
        "a/b?c#d",
        "a/b",
        "?classificationMode=nope",
        "#fragment",
        "with space",
        "100%",
        "a%2Fb",
        "...",
        "ünïcødé",
        "a+b&c=d;e",
    ];
    let mut failures = Vec::new();
    for id in ids {
        let result = client
            .send_classify_machine_account(id)
            .classification_mode(ClassificationMode::ForceMachine)
            .send()
            .await;
        if let Err(err) = result {
            failures.push(format!(
                "id {id:?}: status {:?}: {err}\n  {err:?}",
                err.status()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "hostile ids did not arrive as one path segment:\n{}",
        failures.join("\n")
    );

    // Control: the same id left unencoded does not route, so the check above is not vacuous.
    let (status, _, body) = send_raw(
        raw()
            .post(classify_url(&prism, "a/b"))
            .header("X-SailPoint-Experimental", "true"),
    )
    .await;
    assert_eq!(
        status,
        reqwest::StatusCode::NOT_FOUND,
        "an unencoded `/` in the id should not reach the operation: {body}"
    );
}

#[tokio::test]
async fn prism_rejects_requests_that_break_the_contract() {
    let Some(prism) = prism_url() else { return };
    let raw = raw();
    let url = classify_url(&prism, ACCOUNT_ID);

    // Positive control: a correct raw request passes, so the rejections below are about the
    // contract, not about the address.
    let (status, violations, body) = send_raw(
        raw.post(&url)
            .query(&[("classificationMode", "default")])
            .header("X-SailPoint-Experimental", "true")
            .header("Authorization", "Bearer x"),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "valid request: {body}");
    assert_eq!(violations, None, "valid request");

    // The experimental header is required by the spec.
    let (status, violations, body) = send_raw(
        raw.post(&url)
            .query(&[("classificationMode", "default")])
            .header("Authorization", "Bearer x"),
    )
    .await;
    assert!(
        status.is_client_error(),
        "missing X-SailPoint-Experimental should be a 4xx, got {status}: {body}"
    );
    let violations = violations.expect("Prism explains the rejection in sl-violations");
    assert!(
        violations
            .to_ascii_lowercase()
            .contains("x-sailpoint-experimental"),
        "sl-violations names the header: {violations}"
    );

    // The operation's OAuth2 security needs a bearer token.
    let (status, violations, body) = send_raw(
        raw.post(&url)
            .query(&[("classificationMode", "default")])
            .header("X-SailPoint-Experimental", "true"),
    )
    .await;
    assert_eq!(
        status,
        reqwest::StatusCode::UNAUTHORIZED,
        "a request without Authorization breaks the security requirement: {body}"
    );
    let violations = violations.expect("Prism explains the rejection in sl-violations");
    assert!(
        violations.contains("security"),
        "sl-violations names the security requirement: {violations}"
    );

    // `classificationMode` is an enum.
    let (status, violations, body) = send_raw(
        raw.post(&url)
            .query(&[("classificationMode", "bogus")])
            .header("X-SailPoint-Experimental", "true")
            .header("Authorization", "Bearer x"),
    )
    .await;
    assert!(
        status.is_client_error(),
        "classificationMode=bogus should be a 4xx, got {status}: {body}"
    );
    let violations = violations.expect("Prism explains the rejection in sl-violations");
    assert!(
        violations
            .to_ascii_lowercase()
            .contains("classificationmode"),
        "sl-violations names the parameter: {violations}"
    );

    // A base URL whose path is not the tenant's API root never reaches Prism (or ISC): the
    // SDK would append `/v2025` to it, so it refuses it when the client is built, naming the
    // path (statuses from the server are surfaced as typed errors: facade_errors.rs).
    let err = common::isolated_builder()
        .base_url(format!("{prism}/not-sailpoint"))
        .access_token("static-token")
        .build()
        .expect_err("a base URL with a path is refused");
    assert!(
        matches!(err, sailpoint_v2025::Error::Config { .. })
            && err.to_string().contains("/not-sailpoint"),
        "a configuration error naming the path: {err}"
    );
}

// ----- the source operations -----
//
// Checked by hand with Prism 5.16.0: the six operations answer their spec examples (`POST`
// 200 `{"Accounts submitted for processing":100}`, `GET .../classify` 200 with status
// `STARTED` and counts 1000/800/500, `DELETE .../classify` 204, the config `GET`/`PUT` 200 and `DELETE` 200); a `PUT`
// whose `enabled` is a string answers 400 with `sl-violations` naming
// `["request","body","enabled"]`. The Prism copy names the path parameters as their template
// does (`{sourceId}`); upstream's `id` would make Prism reject every request as missing `id`.

/// Every criteria operation, every nesting level and both classification methods.
fn configs() -> Vec<MachineClassificationConfig> {
    use MachineClassificationCriteriaOperation as Op;
    let leaf3 = |op: Op| MachineClassificationCriteriaLevel3 {
        operation: Some(op),
        attribute: Some("sAMAccountName".into()),
        value: Some("SVC".into()),
        case_sensitive: true,
        ..Default::default()
    };
    let level2 = MachineClassificationCriteriaLevel2 {
        operation: Some(Op::And),
        children: Some(vec![
            leaf3(Op::StartsWith),
            leaf3(Op::EndsWith),
            leaf3(Op::Contains),
        ]),
        ..Default::default()
    };
    let level2_leaf = |op: Op| MachineClassificationCriteriaLevel2 {
        operation: Some(op),
        attribute: Some("employeeType".into()),
        value: Some("SERVICE".into()),
        ..Default::default()
    };
    let criteria = MachineClassificationCriteriaLevel1 {
        operation: Some(Op::Or),
        children: Some(vec![
            level2,
            level2_leaf(Op::Equals),
            level2_leaf(Op::NotEquals),
        ]),
        ..Default::default()
    };
    vec![
        MachineClassificationConfig {
            enabled: true,
            classification_method: Some(MachineClassificationConfigClassificationMethod::Criteria),
            criteria: Some(criteria),
            ..Default::default()
        },
        MachineClassificationConfig {
            enabled: false,
            classification_method: Some(MachineClassificationConfigClassificationMethod::Source),
            ..Default::default()
        },
        MachineClassificationConfig::default(),
    ]
}

#[tokio::test]
async fn every_source_operation_satisfies_the_contract() {
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
        "sendClassifyMachineAccountFromSource",
        client
            .send_classify_machine_account_from_source(SOURCE_ID)
            .await
            .map(|r| assert_eq!(r.accounts_submitted_for_processing, Some(100))),
    );
    check(
        "getClassifyMachineAccountFromSourceStatus",
        client
            .get_classify_machine_account_from_source_status(SOURCE_ID)
            .await
            .map(|s| assert!(s.counts.is_some(), "{s:?}")),
    );
    check(
        "deleteClassifyMachineAccountFromSource",
        client
            .delete_classify_machine_account_from_source(SOURCE_ID)
            .await,
    );
    check(
        "getMachineClassificationConfig",
        client
            .get_machine_classification_config(SOURCE_ID)
            .await
            .map(drop),
    );
    for (index, config) in configs().into_iter().enumerate() {
        check(
            &format!("setMachineClassificationConfig #{index}"),
            client
                .set_machine_classification_config(SOURCE_ID, config)
                .await
                .map(drop),
        );
    }
    check(
        "deleteMachineClassificationConfig",
        client.delete_machine_classification_config(SOURCE_ID).await,
    );
    // The workflow: its POST and GETs pass too. Prism's mock status is always `STARTED` (the
    // enum's first value), so the stream would poll forever: take three snapshots.
    let snapshots: Vec<_> = client
        .classify_source(SOURCE_ID)
        .poll_interval(Duration::from_millis(10))
        .take(3)
        .collect()
        .await;
    assert_eq!(snapshots.len(), 3);
    check(
        "classify_source",
        snapshots.into_iter().try_for_each(|s| s.map(drop)),
    );
    assert!(
        failures.is_empty(),
        "requests that break the contract:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn prism_rejects_source_requests_that_break_the_contract() {
    let Some(prism) = prism_url() else { return };
    let raw = raw();
    let config_url = format!("{prism}/v2025/sources/{SOURCE_ID}/machine-classification-config");

    // Positive control.
    let (status, violations, body) = send_raw(
        raw.put(&config_url)
            .header("X-SailPoint-Experimental", "true")
            .header("Authorization", "Bearer x")
            .json(&serde_json::json!({"enabled": true, "classificationMethod": "SOURCE"})),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::OK, "valid config: {body}");
    assert_eq!(violations, None);

    // A body of the wrong shape.
    let (status, violations, body) = send_raw(
        raw.put(&config_url)
            .header("X-SailPoint-Experimental", "true")
            .header("Authorization", "Bearer x")
            .json(&serde_json::json!({"enabled": "yes", "classificationMethod": "MAGIC"})),
    )
    .await;
    assert!(status.is_client_error(), "bad config: {status} {body}");
    let violations = violations.expect("sl-violations");
    assert!(violations.contains("body"), "{violations}");

    // The experimental header is required on the source operations too.
    let (status, violations, body) = send_raw(
        raw.get(format!("{prism}/v2025/sources/{SOURCE_ID}/classify"))
            .header("Authorization", "Bearer x"),
    )
    .await;
    assert!(status.is_client_error(), "no header: {status} {body}");
    assert!(
        violations
            .unwrap_or_default()
            .to_ascii_lowercase()
            .contains("x-sailpoint-experimental")
    );

    // A source id with `/` reaches the operation only when encoded, as the facade does.
    let client = client(&prism);
    client
        .get_classify_machine_account_from_source_status("a/b?c#d")
        .await
        .expect("an encoded hostile id is one path segment");
    let (status, _, body) = send_raw(
        raw.get(format!("{prism}/v2025/sources/a/b/classify"))
            .header("X-SailPoint-Experimental", "true")
            .header("Authorization", "Bearer x"),
    )
    .await;
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND, "{body}");
}
