//! The typed httpmock mocks of `sailpoint-v2025-httpmock` match the API's full paths
//! (`/v2025/accounts/{id}/classify`), so they serve the `sailpoint_v2025::Client` facade built
//! with `.base_url(server.base_url())`, as a user's own tests would use them, and the raw
//! generated client pointed at `<server>/v2025`.

mod common;

use httpmock::MockServer;
use sailpoint_v2025::generated::types::{
    ClassificationMode, SendClassifyMachineAccount200Response,
};
use sailpoint_v2025_httpmock::MockServerExt;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// The facade against a typed mock: the mock sees the facade's path, query and experimental
/// header, and the facade decodes the mock's typed answer.
#[test]
fn the_facade_is_served_by_typed_mocks() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-1")
            .classification_mode(ClassificationMode::ForceMachine)
            .x_sail_point_experimental("true");
        then.ok(&SendClassifyMachineAccount200Response { is_machine: true });
    });
    let client = common::isolated_builder()
        .base_url(server.base_url())
        .access_token("test-token")
        .build()
        .expect("client builds");

    let answer = runtime()
        .block_on(async {
            client
                .send_classify_machine_account("acct-1")
                .classification_mode(ClassificationMode::ForceMachine)
                .await
        })
        .expect("the mock answers 200");

    assert!(answer.is_machine);
    mock.assert_calls(1);
}

/// Without a mode the facade sends `classificationMode=default`, which a mock expecting
/// another mode does not match: the typed matchers really constrain the request.
#[test]
fn typed_matchers_reject_the_facade_s_request_when_it_differs() {
    let server = MockServer::start();
    let force_human = server.send_classify_machine_account(|when, then| {
        when.id("acct-3")
            .classification_mode(ClassificationMode::ForceHuman);
        then.ok(&SendClassifyMachineAccount200Response { is_machine: false });
    });
    let default = server.send_classify_machine_account(|when, then| {
        when.id("acct-3")
            .classification_mode(ClassificationMode::Default);
        then.ok(&SendClassifyMachineAccount200Response { is_machine: true });
    });
    let client = common::isolated_builder()
        .base_url(server.base_url())
        .access_token("test-token")
        .build()
        .expect("client builds");

    let answer = runtime()
        .block_on(async { client.send_classify_machine_account("acct-3").await })
        .expect("the default-mode mock answers");

    assert!(answer.is_machine);
    default.assert_calls(1);
    force_human.assert_calls(0);
}

/// A typed error mock reaches the facade as its typed error, with status and trackingId.
#[test]
fn typed_error_mocks_reach_the_facade_as_typed_errors() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-2");
        then.forbidden(serde_json::json!({
            "detailCode": "403 Forbidden",
            "trackingId": "t-403",
            "messages": [{"locale": "en-US", "localeOrigin": "HEADER", "text": "no"}],
            "causes": null
        }));
    });
    let client = common::isolated_builder()
        .base_url(server.base_url())
        .access_token("test-token")
        .build()
        .expect("client builds");

    let err = runtime()
        .block_on(async { client.send_classify_machine_account("acct-2").await })
        .expect_err("the mock answers 403");

    assert_eq!(err.kind(), "forbidden");
    assert_eq!(err.status().map(u16::from), Some(403));
    assert_eq!(err.tracking_id(), Some("t-403"));
    // 403 is never retried.
    mock.assert_calls(1);
}

#[test]
fn typed_mocks_match_the_generated_operation_and_decode_its_answer() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-1")
            .classification_mode(ClassificationMode::ForceMachine)
            .x_sail_point_experimental("true");
        then.ok(&SendClassifyMachineAccount200Response { is_machine: true });
    });
    let base = format!("{}/v2025", server.base_url());
    let client = sailpoint_v2025::generated::Client::new(&base, Default::default());
    let answer = runtime()
        .block_on(client.send_classify_machine_account(
            "acct-1",
            Some(ClassificationMode::ForceMachine),
            "true",
        ))
        .expect("the mock answers 200");
    assert!(answer.into_inner().is_machine);
    mock.assert_calls(1);
}

/// The mocks match the API's paths only: the spec's bare path (without `/v2025`) is not it.
#[test]
fn typed_mocks_do_not_match_paths_without_the_api_version() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-1");
        then.ok(&SendClassifyMachineAccount200Response { is_machine: true });
    });
    let client = sailpoint_v2025::generated::Client::new(&server.base_url(), Default::default());
    let err = runtime()
        .block_on(client.send_classify_machine_account("acct-1", None, "true"))
        .expect_err("httpmock answers 404 to an unmatched request");
    // An undocumented status: progenitor's `UnexpectedResponse`, carrying httpmock's 404.
    assert_eq!(err.status().map(u16::from), Some(404), "{err:?}");
    mock.assert_calls(0);
}

#[test]
fn typed_error_mocks_reach_the_generated_client_as_raw_error_bodies() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-2");
        then.forbidden(serde_json::json!({
            "detailCode": "403 Forbidden",
            "trackingId": "t-403",
            "messages": [{"locale": "en-US", "localeOrigin": "HEADER", "text": "no"}],
            "causes": null
        }));
    });
    let base = format!("{}/v2025", server.base_url());
    let client = sailpoint_v2025::generated::Client::new(&base, Default::default());
    let err = runtime()
        .block_on(client.send_classify_machine_account("acct-2", None, "true"))
        .expect_err("the mock answers 403");
    match err {
        sailpoint_v2025::generated::Error::ErrorResponse(response) => {
            assert_eq!(response.status(), 403);
        }
        other => panic!("expected a raw error response, got {other:?}"),
    }
    mock.assert_calls(1);
}
