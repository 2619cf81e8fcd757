//! What the facade puts on the wire: mode, headers, User-Agent and the path encoding of
//! account ids, as received by the emulator.

mod common;

use percent_encoding::percent_decode_str;
use sailpoint_v2025::{ClassificationMode, Error, MAX_ACCOUNT_ID_BYTES};
use sailpoint_v2025_testkit::{EmulatedAccount, demo};

fn expected_user_agent() -> String {
    format!(
        "SailPoint-SDK-Rust/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

#[tokio::test]
async fn no_mode_sends_classification_mode_default() {
    let emu = common::emulator().await;
    let client = common::client(&emu);

    let result = client
        .send_classify_machine_account(demo::MANUAL_HUMAN_ID)
        .await
        .expect("classify");
    // `default` keeps the manual human classification.
    assert!(!result.is_machine);

    let requests = emu.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
    assert_eq!(requests[0].classification_mode.as_deref(), Some("default"));
    assert_eq!(
        requests[0].query.as_deref(),
        Some("classificationMode=default")
    );

    // `.send()` is the same as awaiting the request directly.
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .send()
        .await
        .expect("classify");
    assert!(result.is_machine);
    assert_eq!(
        emu.requests()[1].classification_mode.as_deref(),
        Some("default")
    );
}

#[tokio::test]
async fn each_explicit_mode_is_sent_and_applied() {
    let emu = common::emulator().await;
    let client = common::client(&emu);

    let cases = [
        // (mode, wire value, account, expected answer on a fresh emulator)
        (
            ClassificationMode::Default,
            "default",
            demo::MANUAL_MACHINE_ID,
            true,
        ),
        (
            ClassificationMode::IgnoreManual,
            "ignoreManual",
            demo::MANUAL_HUMAN_ID,
            true,
        ),
        (
            ClassificationMode::ForceMachine,
            "forceMachine",
            demo::HUMAN_ID,
            true,
        ),
        (
            ClassificationMode::ForceHuman,
            "forceHuman",
            demo::MACHINE_ID,
            false,
        ),
    ];
    for (i, (mode, wire, account, expected)) in cases.into_iter().enumerate() {
        let result = client
            .send_classify_machine_account(account)
            .classification_mode(mode)
            .await
            .unwrap_or_else(|e| panic!("{wire}: {e}"));
        assert_eq!(result.is_machine, expected, "{wire}");
        let requests = emu.requests();
        assert_eq!(requests.len(), i + 1);
        let last = &requests[i];
        assert_eq!(last.classification_mode.as_deref(), Some(wire));
        assert_eq!(
            last.query.as_deref(),
            Some(format!("classificationMode={wire}").as_str())
        );
        assert_eq!(last.account_id, account);
        assert_eq!(last.status, Some(200));
    }
    // The forced classifications were stored by the emulator.
    assert_eq!(
        emu.account(demo::HUMAN_ID).and_then(|a| a.is_machine),
        Some(true)
    );
    assert_eq!(
        emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine),
        Some(false)
    );
}

#[tokio::test]
async fn headers_experimental_accept_user_agent_and_authorization() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classify");

    let requests = emu.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.experimental.as_deref(), Some("true"));
    assert_eq!(request.accept.as_deref(), Some("application/json"));
    assert_eq!(
        request.user_agent.as_deref(),
        Some(expected_user_agent().as_str())
    );
    assert!(request.has_authorization);
    assert_eq!(request.client_id.as_deref(), Some(demo::CLIENT_ID));
    assert_eq!(
        request
            .header_names
            .iter()
            .filter(|h| *h == "x-sailpoint-experimental")
            .count(),
        1,
        "exactly one experimental header: {:?}",
        request.header_names
    );

    // The token request carries the same User-Agent and a form body.
    let tokens = emu.token_requests();
    assert_eq!(tokens.len(), 1);
    assert_eq!(tokens[0].grant_type.as_deref(), Some("client_credentials"));
    assert_eq!(tokens[0].client_id.as_deref(), Some(demo::CLIENT_ID));
    assert_eq!(tokens[0].credentials_in, "form");
    assert_eq!(
        tokens[0].user_agent.as_deref(),
        Some(expected_user_agent().as_str())
    );
    assert_eq!(
        tokens[0].content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
}

#[tokio::test]
async fn user_agent_suffix_is_appended() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .user_agent_suffix("my-sync-job/1.2")
        .build()
        .expect("client");
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classify");
    let expected = format!("{} my-sync-job/1.2", expected_user_agent());
    assert_eq!(emu.requests()[0].user_agent.as_deref(), Some(&*expected));
    assert_eq!(
        emu.token_requests()[0].user_agent.as_deref(),
        Some(&*expected)
    );
}

#[tokio::test]
async fn user_agent_suffix_with_a_newline_is_a_config_error() {
    let emu = common::emulator().await;
    let err = common::builder(&emu)
        .user_agent_suffix("job\r\nX-Evil: 1")
        .build()
        .expect_err("header injection refused");
    assert!(
        matches!(
            err,
            Error::Config {
                setting: "User-Agent suffix",
                ..
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn hostile_ids_travel_as_one_encoded_segment() {
    let emu = common::emulator().await;
    let client = common::one_shot(&emu);

    // As long as accepted (MAX_ACCOUNT_ID_BYTES), and about three times that encoded.
    let long_id: String = "ab/c?d#e%f ".repeat(MAX_ACCOUNT_ID_BYTES / 11);
    assert!(long_id.len() > MAX_ACCOUNT_ID_BYTES - 11);
    let ids: Vec<String> = [
        "a/b",
        "a?b",
        "a#b",
        "50%",
        "a b",
        "ünï",
        "%2e%2e",
        "%2F",
        "a/../b",
        "...",
        "a+b=c&d;e",
        "..;",
        "a;b:c@d!e$f'g(h)i*j,k",
        "a|b[c]^d{e}`f\"g<h>",
        "?classificationMode=forceMachine",
        "日本語",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain([long_id])
    .collect();

    for (i, id) in ids.iter().enumerate() {
        // A machine-looking name, so the answer proves the account was found.
        emu.insert_account(EmulatedAccount::new(id.clone(), "svc-hostile"));
        let result = client
            .send_classify_machine_account(id.clone())
            .await
            .unwrap_or_else(|e| panic!("{id:?}: {e}"));
        assert!(result.is_machine, "{id:?}");

        let requests = emu.requests();
        assert_eq!(requests.len(), i + 1, "{id:?}: exactly one request");
        let request = &requests[i];
        assert_eq!(&request.account_id, id, "decoded id");
        assert_eq!(request.status, Some(200));
        assert_eq!(
            request.classification_mode.as_deref(),
            Some("default"),
            "{id:?}: the id must not leak into the query"
        );
        let segment = request
            .path
            .strip_prefix("/v2025/accounts/")
            .and_then(|rest| rest.strip_suffix("/classify"))
            .unwrap_or_else(|| panic!("{id:?}: unexpected path {}", request.path));
        assert!(
            !segment.contains('/') && !segment.contains('?') && !segment.contains('#'),
            "{id:?}: not one segment: {segment}"
        );
        assert!(
            segment
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)),
            "{id:?}: only RFC 3986 unreserved characters travel raw: {segment}"
        );
        assert_eq!(
            percent_decode_str(segment).decode_utf8().expect("utf-8"),
            id.as_str()
        );
        assert_eq!(emu.counters().account_calls(id), 1);
    }
    let counters = emu.counters();
    assert_eq!(counters.unmatched_requests, 0);
    assert_eq!(counters.classify_requests, ids.len() as u64);
}

#[tokio::test]
async fn ids_that_cannot_be_a_segment_are_rejected_before_any_request() {
    let emu = common::emulator().await;
    let client = common::client(&emu);

    for id in [
        "", " ", "   ", "\t", "\n", ".", "..", "a\\b", "\\", "..\\..", "a\nb", "a\u{0}b",
    ]
    .into_iter()
    .map(str::to_owned)
    .chain(["x".repeat(MAX_ACCOUNT_ID_BYTES + 1), "é".repeat(60_000)])
    {
        let id = id.as_str();
        let err = client
            .send_classify_machine_account(id)
            .await
            .expect_err(id);
        match &err {
            Error::InvalidInput { what, .. } => assert_eq!(*what, "account id"),
            other => panic!("{id:?}: expected InvalidInput, got {other:?}"),
        }
        assert_eq!(err.status(), None);
        assert_eq!(err.kind(), "invalid_input");
    }
    let counters = emu.counters();
    assert_eq!(counters.classify_requests, 0, "nothing reached the server");
    assert_eq!(counters.unmatched_requests, 0);
    assert_eq!(counters.token_requests, 0, "not even a token request");
    assert_eq!(client.tokens_fetched(), 0);
}

#[tokio::test]
async fn api_base_url_and_account_id_accessors() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    assert_eq!(client.api_base_url(), format!("{}/v2025", emu.base_url()));
    let request = client.send_classify_machine_account("abc");
    assert_eq!(request.account_id(), "abc");
    // Building a request sends nothing.
    drop(request);
    assert_eq!(emu.counters().classify_requests, 0);
}

/// The same wire, checked by an independent server (plain `httpmock`: the typed mocks of
/// `sailpoint-v2025-httpmock` match `^/accounts/...$`, i.e. a base URL that already ends in
/// `/v2025`, while the facade always requests `{host}/v2025/accounts/...`).
#[tokio::test]
async fn an_independent_server_sees_the_documented_wire() {
    use httpmock::Method::POST;
    use sailpoint_v2025::SendClassifyMachineAccount200Response;
    use sailpoint_v2025_httpmock::operations::SendClassifyMachineAccountThen;

    let server = httpmock::MockServer::start_async().await;
    let token = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/oauth/token")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .header("user-agent", expected_user_agent())
                .form_urlencoded_tuple("grant_type", "client_credentials")
                .form_urlencoded_tuple("client_id", "mock-id")
                .form_urlencoded_tuple("client_secret", "mock-secret");
            then.status(200).json_body(serde_json::json!({
                "access_token": "mock-token-1",
                "token_type": "bearer",
                "expires_in": 749,
            }));
        })
        .await;
    let classify = server
        .mock_async(|when, then| {
            when.method(POST)
                .path("/v2025/accounts/acct-1/classify")
                .query_param("classificationMode", "ignoreManual")
                .header("x-sailpoint-experimental", "true")
                .header("accept", "application/json")
                .header("authorization", "Bearer mock-token-1")
                .header("user-agent", expected_user_agent());
            SendClassifyMachineAccountThen::new(then)
                .ok(&SendClassifyMachineAccount200Response { is_machine: true });
        })
        .await;

    let client = common::isolated_builder()
        .base_url(server.base_url())
        .client_credentials("mock-id", "mock-secret")
        .build()
        .expect("client");
    let result = client
        .send_classify_machine_account("acct-1")
        .classification_mode(ClassificationMode::IgnoreManual)
        .await
        .expect("classify");
    assert!(result.is_machine);
    assert_eq!(token.calls_async().await, 1);
    assert_eq!(classify.calls_async().await, 1);
}
