//! The generated crates work together: the typed httpmock mocks of
//! `sailpoint-v2025-httpmock` serve the generated `sailpoint-v2025-client`, pointed at the mock
//! server's base URL (the spec's paths carry no `/v2025`; the facade adds it and is tested
//! against the emulator instead).

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

#[test]
fn typed_mocks_match_the_generated_operation_and_decode_its_answer() {
    let server = MockServer::start();
    let mock = server.send_classify_machine_account(|when, then| {
        when.id("acct-1")
            .classification_mode(ClassificationMode::ForceMachine)
            .x_sail_point_experimental("true");
        then.ok(&SendClassifyMachineAccount200Response { is_machine: true });
    });
    let client = sailpoint_v2025::generated::Client::new(&server.base_url(), Default::default());
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
    let client = sailpoint_v2025::generated::Client::new(&server.base_url(), Default::default());
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
