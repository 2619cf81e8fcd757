//! End-to-end tests of the emulator through a real HTTP client (reqwest).
//!
//! Timing: no test asserts an upper bound on how fast something happens;
//! waits are generous so the suite holds on a loaded 2-core machine.

use std::time::Duration;

use reqwest::{Client, RequestBuilder, Response, StatusCode};
use serde_json::Value;

use crate::{EmulatedAccount, Emulator, Fault, ServerClassificationMode, ServerRateLimit, demo};

fn http() -> Client {
    Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .expect("client")
}

async fn token_response(http: &Client, emu: &Emulator, id: &str, secret: &str) -> Response {
    http.post(emu.token_url())
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", id),
            ("client_secret", secret),
        ])
        .send()
        .await
        .expect("token request")
}

async fn token_for(http: &Client, emu: &Emulator, id: &str, secret: &str) -> String {
    let response = token_response(http, emu, id, secret).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("token json");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_owned()
}

async fn demo_token(http: &Client, emu: &Emulator) -> String {
    token_for(http, emu, demo::CLIENT_ID, demo::CLIENT_SECRET).await
}

/// A well-formed classify request (bearer token, experimental header).
fn classify(
    http: &Client,
    emu: &Emulator,
    token: &str,
    account_id: &str,
    mode: Option<&str>,
) -> RequestBuilder {
    let mut request = http
        .post(emu.classify_url(account_id))
        .bearer_auth(token)
        .header("X-SailPoint-Experimental", "true");
    if let Some(mode) = mode {
        request = request.query(&[("classificationMode", mode)]);
    }
    request
}

/// A default emulator, an HTTP client and a demo token for it.
async fn demo_setup() -> (Emulator, Client, String) {
    let emu = Emulator::start().await.expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    (emu, http, token)
}

/// Sends a well-formed classify request (see [`classify`]).
async fn send_classify(
    http: &Client,
    emu: &Emulator,
    token: &str,
    account_id: &str,
    mode: Option<&str>,
) -> Response {
    classify(http, emu, token, account_id, mode)
        .send()
        .await
        .expect("send")
}

/// A response header as text, if present and visible ASCII.
fn header_str<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.headers().get(name).and_then(|v| v.to_str().ok())
}

async fn is_machine(response: Response) -> bool {
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.expect("json");
    body["isMachine"].as_bool().expect("isMachine")
}

/// Checks the ErrorResponseDto shape and returns the body.
async fn error_dto(response: Response, status: u16) -> Value {
    assert_eq!(response.status().as_u16(), status);
    assert_eq!(
        header_str(&response, "content-type"),
        Some("application/json")
    );
    let body: Value = response.json().await.expect("json");
    assert!(body["detailCode"].is_string(), "{body}");
    let tracking = body["trackingId"].as_str().expect("trackingId");
    assert_eq!(tracking.len(), 32);
    assert!(tracking.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(body["messages"][0]["locale"], "en-US");
    assert_eq!(body["messages"][0]["localeOrigin"], "DEFAULT");
    assert!(body["messages"][0]["text"].is_string());
    assert_eq!(body["causes"], Value::Array(vec![]));
    body
}

// ----- token endpoint -----

#[tokio::test]
async fn token_is_issued_like_isc() {
    let emu = Emulator::start().await.expect("start");
    let http = http();
    let response = token_response(&http, &emu, demo::CLIENT_ID, demo::CLIENT_SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(header_str(&response, "cache-control"), Some("no-store"));
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["access_token"].as_str().map(str::len), Some(64));
    assert_eq!(body["token_type"], "bearer");
    assert_eq!(body["expires_in"], 749);
    assert_eq!(body["scope"], "idn:account:update idn:sources:manage");
    assert_eq!(body["org"], "acme");
    for key in ["tenant_id", "pod", "identity_id", "user_id", "jti"] {
        assert!(body[key].is_string(), "{key}");
    }

    // A second token differs; credentials via HTTP Basic and query string work.
    let second = demo_token(&http, &emu).await;
    assert_ne!(body["access_token"].as_str(), Some(second.as_str()));
    let basic = http
        .post(emu.token_url())
        .basic_auth(demo::CLIENT_ID, Some(demo::CLIENT_SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect("send");
    assert_eq!(basic.status(), StatusCode::OK);
    let query = http
        .post(emu.token_url())
        .query(&[
            ("grant_type", "client_credentials"),
            ("client_id", demo::CLIENT_ID),
            ("client_secret", demo::CLIENT_SECRET),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(query.status(), StatusCode::OK);

    let counters = emu.counters();
    assert_eq!(counters.token_requests, 4);
    assert_eq!(counters.tokens_issued, 4);
    assert_eq!(counters.token_failures, 0);
    let log = emu.token_requests();
    let places: Vec<_> = log.iter().map(|r| r.credentials_in).collect();
    assert_eq!(places, ["form", "form", "basic", "query"]);
    assert_eq!(log[0].client_id.as_deref(), Some(demo::CLIENT_ID));
    assert_eq!(log[0].status, Some(200));
    assert!(!format!("{log:?}").contains(demo::CLIENT_SECRET));
}

#[tokio::test]
async fn token_lifetime_and_scopes_are_configurable() {
    let emu = Emulator::builder()
        .token_lifetime(Duration::from_millis(1500))
        .client_with_scopes("all", "pw", ["sp:scopes:all", "sp:search:read"])
        .start()
        .await
        .expect("start");
    let http = http();
    let body: Value = token_response(&http, &emu, "all", "pw")
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(body["expires_in"], 1);
    assert_eq!(body["scope"], "sp:scopes:all sp:search:read");
}

#[tokio::test]
async fn token_requests_are_rejected_like_oauth() {
    let emu = Emulator::builder()
        .client("mine", "right")
        .start()
        .await
        .expect("start");
    let http = http();

    type Case = (Vec<(&'static str, &'static str)>, u16, &'static str);
    let cases: Vec<Case> = vec![
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "mine"),
                ("client_secret", "wrong"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", "nobody"),
                ("client_secret", "right"),
            ],
            401,
            "invalid_client",
        ),
        (
            vec![("grant_type", "client_credentials")],
            401,
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "password"),
                ("client_id", "mine"),
                ("client_secret", "right"),
            ],
            400,
            "unsupported_grant_type",
        ),
        (
            vec![("client_id", "mine"), ("client_secret", "right")],
            400,
            "invalid_request",
        ),
    ];
    let total = cases.len() as u64;
    for (form, status, error) in cases {
        let response = http
            .post(emu.token_url())
            .form(&form)
            .send()
            .await
            .expect("send");
        assert_eq!(response.status().as_u16(), status, "{form:?}");
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], error, "{form:?}");
        assert!(body["error_description"].is_string());
    }

    // A JSON body instead of a form: no grant_type is found.
    let response = http
        .post(emu.token_url())
        .json(&serde_json::json!({"grant_type": "client_credentials"}))
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_request");
    // An oversized body: 400 (or, if the server closes the socket with part
    // of the body still unread, a reset the client may see first).
    let result = http
        .post(emu.token_url())
        .body(vec![b'a'; 100 * 1024])
        .send()
        .await;
    if let Ok(response) = result {
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    }

    let counters = emu.counters();
    assert_eq!(counters.token_requests, total + 2);
    assert_eq!(counters.token_failures, total + 2);
    assert_eq!(counters.tokens_issued, 0);
}

// ----- classify: modes and rules -----

#[tokio::test]
async fn demo_accounts_answer_as_documented() {
    let http = http();
    let expected = [
        (demo::MACHINE_ID, true, true),
        (demo::HUMAN_ID, false, false),
        (demo::MANUAL_HUMAN_ID, false, true),
        (demo::MANUAL_MACHINE_ID, true, false),
        (demo::CORRELATED_SERVICE_ID, false, false),
        (demo::COMPUTER_ID, true, true),
        (demo::ORPHAN_HUMAN_ID, false, false),
    ];
    assert_eq!(Emulator::demo_accounts().len(), expected.len());
    // `default` (explicit and implicit) on one emulator, `ignoreManual` on a
    // fresh one.
    let emu = Emulator::start().await.expect("start");
    let token = demo_token(&http, &emu).await;
    for (id, default, _) in expected {
        let got = is_machine(send_classify(&http, &emu, &token, id, Some("default")).await).await;
        assert_eq!(got, default, "default {id}");
        let got = is_machine(send_classify(&http, &emu, &token, id, None).await).await;
        assert_eq!(got, default, "no mode {id}");
    }
    let emu = Emulator::start().await.expect("start");
    let token = demo_token(&http, &emu).await;
    for (id, _, ignore) in expected {
        let got =
            is_machine(send_classify(&http, &emu, &token, id, Some("ignoreManual")).await).await;
        assert_eq!(got, ignore, "ignoreManual {id}");
        let account = emu.account(id).expect("account");
        assert_eq!(account.is_machine, Some(ignore));
        assert!(!account.manually_classified);
    }
    // Forced modes answer the forced value for every account.
    for (mode, value) in [("forceMachine", true), ("forceHuman", false)] {
        for (id, _, _) in expected {
            let got = is_machine(send_classify(&http, &emu, &token, id, Some(mode)).await).await;
            assert_eq!(got, value, "{mode} {id}");
        }
    }
}

#[tokio::test]
async fn manual_classification_rules() {
    let (emu, http, token) = demo_setup().await;
    let call = |id: &'static str, mode: ServerClassificationMode| {
        classify(&http, &emu, &token, id, Some(mode.as_str())).send()
    };

    // Manually forced human with a service-account name.
    let id = demo::MANUAL_HUMAN_ID;
    assert!(
        !is_machine(
            call(id, ServerClassificationMode::Default)
                .await
                .expect("send")
        )
        .await
    );
    assert!(emu.account(id).expect("account").manually_classified);
    assert!(
        is_machine(
            call(id, ServerClassificationMode::IgnoreManual)
                .await
                .expect("send")
        )
        .await
    );
    // The manual mark is gone: default now follows the criteria.
    assert!(
        is_machine(
            call(id, ServerClassificationMode::Default)
                .await
                .expect("send")
        )
        .await
    );

    // Forcing marks manual; default then keeps the forced value.
    let id = demo::MACHINE_ID;
    assert!(
        !is_machine(
            call(id, ServerClassificationMode::ForceHuman)
                .await
                .expect("send")
        )
        .await
    );
    let account = emu.account(id).expect("account");
    assert_eq!(account.is_machine, Some(false));
    assert!(account.manually_classified);
    assert!(
        !is_machine(
            call(id, ServerClassificationMode::Default)
                .await
                .expect("send")
        )
        .await
    );
    assert!(
        is_machine(
            call(id, ServerClassificationMode::ForceMachine)
                .await
                .expect("send")
        )
        .await
    );
    assert!(
        is_machine(
            call(id, ServerClassificationMode::Default)
                .await
                .expect("send")
        )
        .await
    );

    // Accounts inserted at runtime, with awkward ids.
    let odd = EmulatedAccount::new("a b/c", "api-gateway");
    assert!(emu.insert_account(odd).is_none());
    assert!(
        is_machine(
            call("a b/c", ServerClassificationMode::Default)
                .await
                .expect("send")
        )
        .await
    );
    let log = emu.requests();
    let last = log.last().expect("logged");
    assert_eq!(last.account_id, "a b/c");
    assert_eq!(last.path, "/v2025/accounts/a%20b%2Fc/classify");
}

#[tokio::test]
async fn seeded_store_without_demo_accounts() {
    let emu = Emulator::builder()
        .without_demo_accounts()
        .accounts([
            EmulatedAccount::new("m", "bot-1"),
            EmulatedAccount::new("h", "bot-1").with_identity(true),
        ])
        .start()
        .await
        .expect("start");
    assert_eq!(emu.accounts().len(), 2);
    let http = http();
    let token = demo_token(&http, &emu).await;
    let send = |id| classify(&http, &emu, &token, id, None).send();
    assert!(is_machine(send("m").await.expect("send")).await);
    assert!(!is_machine(send("h").await.expect("send")).await);
    error_dto(send(demo::MACHINE_ID).await.expect("send"), 404).await;
}

// ----- classify: errors -----

#[tokio::test]
async fn unauthenticated_calls_get_401() {
    let emu = Emulator::start().await.expect("start");
    let http = http();
    let url = emu.classify_url(demo::MACHINE_ID);

    let expect_401 = |response: Response, message: &'static str| async move {
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body, serde_json::json!({ "error": message }));
    };

    let missing = http
        .post(&url)
        .header("X-SailPoint-Experimental", "true")
        .send()
        .await
        .expect("send");
    expect_401(missing, "JWT validation failed: JWT is missing").await;
    let unknown = send_classify(&http, &emu, "not-a-token", demo::MACHINE_ID, None).await;
    expect_401(unknown, "JWT validation failed: JWT is invalid").await;
    let basic = http
        .post(&url)
        .basic_auth("x", Some("y"))
        .header("X-SailPoint-Experimental", "true")
        .send()
        .await
        .expect("send");
    expect_401(basic, "JWT validation failed: JWT is malformed").await;

    // expire_all_tokens: the documented expired body; a new token works.
    let token = demo_token(&http, &emu).await;
    emu.expire_all_tokens();
    let expired = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    expect_401(expired, "JWT validation failed: JWT is expired").await;
    let fresh = demo_token(&http, &emu).await;
    assert!(is_machine(send_classify(&http, &emu, &fresh, demo::MACHINE_ID, None).await).await);

    // A zero lifetime issues already-expired tokens.
    emu.set_token_lifetime(Duration::ZERO);
    let dead = demo_token(&http, &emu).await;
    let expired = send_classify(&http, &emu, &dead, demo::MACHINE_ID, None).await;
    expect_401(expired, "JWT validation failed: JWT is expired").await;

    // Revoked tokens are unknown.
    emu.revoke_all_tokens();
    let revoked = send_classify(&http, &emu, &fresh, demo::MACHINE_ID, None).await;
    expect_401(revoked, "JWT validation failed: JWT is invalid").await;

    assert_eq!(emu.counters().classify_status(401), 6);
    // The account was classified exactly once.
    assert_eq!(emu.counters().account_calls(demo::MACHINE_ID), 7);
}

#[tokio::test]
async fn token_expires_after_its_lifetime() {
    let emu = Emulator::builder()
        .token_lifetime(Duration::from_millis(300))
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    tokio::time::sleep(Duration::from_millis(600)).await;
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn missing_scope_gets_403() {
    let emu = Emulator::builder()
        .client_with_scopes("reader", "pw", ["sp:search:read"])
        .start()
        .await
        .expect("start");
    let http = http();
    let token = token_for(&http, &emu, "reader", "pw").await;
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    let body = error_dto(response, 403).await;
    assert_eq!(body["detailCode"], "403 Forbidden");
    assert_eq!(
        emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine),
        None
    );
    let log = emu.requests();
    assert_eq!(log[0].client_id.as_deref(), Some("reader"));
    assert_eq!(log[0].status, Some(403));
}

#[tokio::test]
async fn bad_requests_get_400() {
    let (emu, http, token) = demo_setup().await;

    let no_header = http
        .post(emu.classify_url(demo::MACHINE_ID))
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    let body = error_dto(no_header, 400).await;
    assert_eq!(body["detailCode"], "400.1 Bad Request Content");
    let false_header = http
        .post(emu.classify_url(demo::MACHINE_ID))
        .bearer_auth(&token)
        .header("X-SailPoint-Experimental", "false")
        .send()
        .await
        .expect("send");
    error_dto(false_header, 400).await;

    for mode in ["", "Default", "machine", "forcemachine"] {
        let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, Some(mode)).await;
        let body = error_dto(response, 400).await;
        let text = body["messages"][0]["text"].as_str().unwrap_or_default();
        assert!(text.contains("classificationMode"), "{text}");
    }
    assert_eq!(emu.counters().classify_status(400), 6);
    assert_eq!(
        emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine),
        None
    );
}

#[tokio::test]
async fn tracking_ids_are_fresh() {
    let (emu, http, token) = demo_setup().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..3 {
        let response = send_classify(&http, &emu, &token, "missing", None).await;
        let body = error_dto(response, 404).await;
        assert_eq!(body["detailCode"], "404 Not found");
        assert!(seen.insert(body["trackingId"].as_str().unwrap_or_default().to_owned()));
    }
}

#[tokio::test]
async fn other_paths_get_json_404_and_405() {
    let emu = Emulator::start().await.expect("start");
    let http = http();
    let response = http
        .get(format!("{}/v2025/identities", emu.base_url()))
        .send()
        .await
        .expect("send");
    error_dto(response, 404).await;
    let response = http
        .post(format!("{}/v3/accounts/x/classify", emu.base_url()))
        .send()
        .await
        .expect("send");
    error_dto(response, 404).await;
    let response = http
        .get(emu.classify_url(demo::MACHINE_ID))
        .send()
        .await
        .expect("send");
    error_dto(response, 405).await;
    let counters = emu.counters();
    assert_eq!(counters.unmatched_requests, 3);
    assert_eq!(counters.classify_requests, 0);
}

// ----- rate limit -----

#[tokio::test]
async fn rate_limit_answers_429_with_retry_after() {
    let emu = Emulator::builder()
        .rate_limit(Some(ServerRateLimit::new(3, Duration::from_secs(60))))
        .client("other", "pw")
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    // Several tokens of the same client share the budget.
    let token2 = demo_token(&http, &emu).await;
    for t in [&token, &token2, &token] {
        let response = send_classify(&http, &emu, t, demo::HUMAN_ID, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = send_classify(&http, &emu, &token2, demo::HUMAN_ID, None).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = header_str(&response, "retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let retry_ms: u64 = header_str(&response, crate::RETRY_AFTER_MS_HEADER)
        .and_then(|v| v.parse().ok())
        .expect("X-Emulator-Retry-After-Ms");
    assert!((1..=60_000).contains(&retry_ms), "{retry_ms}");
    assert!(retry_after * 1000 >= retry_ms);
    let body: Value = response.json().await.expect("json");
    assert_eq!(
        body,
        serde_json::json!({ "message": " Rate Limit Exceeded " })
    );

    // Another client has its own budget; 401s are not rate limited.
    let other = token_for(&http, &emu, "other", "pw").await;
    let response = send_classify(&http, &emu, &other, demo::HUMAN_ID, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    let response = send_classify(&http, &emu, "bogus", demo::HUMAN_ID, None).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    // Reset and disable at runtime.
    emu.reset_rate_limits();
    let response = send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    emu.set_rate_limit(None);
    assert_eq!(emu.rate_limit(), None);
    for _ in 0..5 {
        let response = send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
        assert_eq!(response.status(), StatusCode::OK);
    }
    let counters = emu.counters();
    assert_eq!(counters.rate_limited, 1);
    assert_eq!(counters.classify_status(429), 1);
}

#[tokio::test]
async fn scaled_rate_limit_window_reopens() {
    let emu = Emulator::builder()
        .rate_limit(Some(ServerRateLimit::new(2, Duration::from_millis(300))))
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    let mut limited = None;
    // Requests of one window may straddle two windows on a slow machine, so
    // send until the limiter answers 429 (bounded).
    for _ in 0..50 {
        let response = send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::OK);
    }
    let response = limited.expect("a 429 within 50 requests");
    assert_eq!(header_str(&response, "retry-after"), Some("1"));
    let wait_ms: u64 = header_str(&response, crate::RETRY_AFTER_MS_HEADER)
        .and_then(|v| v.parse().ok())
        .expect("ms header");
    assert!(wait_ms <= 300, "{wait_ms}");
    tokio::time::sleep(Duration::from_millis(wait_ms + 50)).await;
    let response = send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

// ----- faults -----

#[tokio::test]
async fn status_faults() {
    let (emu, http, token) = demo_setup().await;
    let send = || classify(&http, &emu, &token, demo::MACHINE_ID, None).send();

    assert!(emu.inject(Fault::Status(503)).times(2));
    emu.fail_next(1, Fault::Status(500));
    emu.fail_next(1, Fault::Status(429));
    emu.fail_next(1, Fault::Status(401));
    emu.fail_next(1, Fault::ExpiredToken);
    assert_eq!(emu.pending_faults(), 6);

    let body = error_dto(send().await.expect("send"), 503).await;
    assert_eq!(body["detailCode"], "503 Service Unavailable");
    error_dto(send().await.expect("send"), 503).await;
    let body = error_dto(send().await.expect("send"), 500).await;
    assert_eq!(body["detailCode"], "500.0 Internal Fault");
    let response = send().await.expect("send");
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header_str(&response, "retry-after"), Some("1"));
    for _ in 0..2 {
        let response = send().await.expect("send");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body: Value = response.json().await.expect("json");
        assert_eq!(body["error"], "JWT validation failed: JWT is expired");
    }
    assert_eq!(emu.pending_faults(), 0);
    // Faulted requests changed nothing; the next call is normal.
    assert_eq!(
        emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine),
        None
    );
    assert!(is_machine(send().await.expect("send")).await);

    let counters = emu.counters();
    assert_eq!(counters.faults_applied, 6);
    assert_eq!(counters.classify_requests, 7);
    assert_eq!(counters.classify_status(503), 2);
    assert_eq!(counters.classify_status(200), 1);
    assert_eq!(counters.rate_limited, 1);
    let faults: Vec<_> = emu.requests().into_iter().map(|r| r.fault).collect();
    assert_eq!(faults[0], Some(Fault::Status(503)));
    assert_eq!(faults[6], None);
}

#[tokio::test]
async fn rate_limited_fault_controls_retry_after() {
    let (emu, http, token) = demo_setup().await;
    let date = "Wed, 21 Oct 2015 07:28:00 GMT";
    emu.fail_next(
        1,
        Fault::RateLimited {
            retry_after: Some(date.to_owned()),
        },
    );
    emu.fail_next(1, Fault::RateLimited { retry_after: None });
    let first = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert_eq!(first.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(header_str(&first, "retry-after"), Some(date));
    let second = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().get("retry-after").is_none());
    assert_eq!(
        second.text().await.expect("text"),
        r#"{"message":" Rate Limit Exceeded "}"#
    );
}

#[tokio::test]
async fn html_truncated_and_raw_faults() {
    let (emu, http, token) = demo_setup().await;
    let send = || classify(&http, &emu, &token, demo::MACHINE_ID, None).send();

    emu.inject(Fault::Html(502));
    emu.inject(Fault::TruncatedJson);
    emu.inject(Fault::Raw {
        status: 200,
        content_type: "text/plain".to_owned(),
        body: "hello".to_owned(),
    });

    let response = send().await.expect("send");
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(header_str(&response, "content-type"), Some("text/html"));
    let text = response.text().await.expect("text");
    assert!(
        text.starts_with("<html>") && text.contains("502 Bad Gateway"),
        "{text}"
    );

    let response = send().await.expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        header_str(&response, "content-type"),
        Some("application/json")
    );
    let text = response.text().await.expect("text");
    assert_eq!(text, r#"{"isMach"#);
    assert!(serde_json::from_str::<Value>(&text).is_err());

    let response = send().await.expect("send");
    assert_eq!(response.text().await.expect("text"), "hello");
}

#[tokio::test]
async fn dropped_connection_is_a_client_error() {
    let (emu, http, token) = demo_setup().await;
    emu.inject(Fault::DropConnection);
    let error = classify(&http, &emu, &token, demo::MACHINE_ID, None)
        .send()
        .await
        .expect_err("the connection is dropped");
    // reqwest reports hyper's IncompleteMessage as a request error.
    assert!(error.is_request(), "{error:?}");
    assert!(!error.is_timeout(), "{error:?}");
    assert!(error.status().is_none(), "{error:?}");
    // The emulator keeps serving (on a new connection).
    assert!(is_machine(send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await).await);
    let counters = emu.counters();
    assert_eq!(counters.dropped_connections, 1);
    assert_eq!(counters.classify_requests, 2);
    assert_eq!(counters.classify_responses.values().sum::<u64>(), 1);
    let log = emu.requests();
    assert_eq!(log[0].status, None);
    assert_eq!(log[0].fault, Some(Fault::DropConnection));
    assert_eq!(log[1].status, Some(200));
}

#[tokio::test]
async fn delay_fault_causes_client_timeouts() {
    let (emu, http, token) = demo_setup().await;

    emu.inject(Fault::Delay(Duration::from_secs(5)));
    let error = classify(&http, &emu, &token, demo::MACHINE_ID, None)
        .timeout(Duration::from_millis(200))
        .send()
        .await
        .expect_err("times out");
    assert!(error.is_timeout(), "{error:?}");

    // A short delay, then normal handling.
    emu.inject(Fault::Delay(Duration::from_millis(50)));
    assert!(is_machine(send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await).await);
    let log = emu.requests();
    assert_eq!(log.len(), 2);
    assert_eq!(log[1].status, Some(200));
}

#[tokio::test]
async fn token_faults() {
    let emu = Emulator::start().await.expect("start");
    let http = http();
    emu.fail_next_token(1, Fault::Status(500));
    emu.inject_token_fault(Fault::Status(401)).times(1);
    emu.inject_token_fault(Fault::TruncatedJson);
    emu.inject_token_fault(Fault::DropConnection);
    assert_eq!(emu.pending_token_faults(), 4);

    let response = token_response(&http, &emu, demo::CLIENT_ID, demo::CLIENT_SECRET).await;
    error_dto(response, 500).await;
    let response = token_response(&http, &emu, demo::CLIENT_ID, demo::CLIENT_SECRET).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let body: Value = response.json().await.expect("json");
    assert_eq!(body["error"], "invalid_client");
    let response = token_response(&http, &emu, demo::CLIENT_ID, demo::CLIENT_SECRET).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.json::<Value>().await.is_err());
    let error = http
        .post(emu.token_url())
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .expect_err("dropped");
    assert!(error.status().is_none());

    demo_token(&http, &emu).await;
    let counters = emu.counters();
    assert_eq!(counters.token_requests, 5);
    assert_eq!(counters.tokens_issued, 1);
    assert_eq!(counters.token_failures, 4);
    assert_eq!(counters.faults_applied, 4);
    assert_eq!(counters.dropped_connections, 1);
}

#[tokio::test]
async fn faults_can_be_withdrawn_and_cleared() {
    let emu = Emulator::start().await.expect("start");
    assert!(emu.inject(Fault::Status(500)).times(0));
    assert_eq!(emu.pending_faults(), 0);
    emu.fail_next(3, Fault::Status(500));
    emu.fail_next_token(2, Fault::Status(500));
    emu.clear_faults();
    assert_eq!(emu.pending_faults(), 0);
    assert_eq!(emu.pending_token_faults(), 0);
    let http = http();
    let token = demo_token(&http, &emu).await;
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert_eq!(response.status(), StatusCode::OK);
}

// ----- counters and logs -----

#[tokio::test]
async fn requests_are_logged_without_secrets() {
    let (emu, http, token) = demo_setup().await;
    let response = classify(&http, &emu, &token, demo::HUMAN_ID, Some("forceHuman"))
        .header("user-agent", "SailPoint-SDK-Rust/0.1.0 (test)")
        .header("accept", "application/json")
        .header("api-version", "v2025")
        .send()
        .await
        .expect("send");
    assert_eq!(response.status(), StatusCode::OK);
    let log = emu.requests();
    assert_eq!(log.len(), 1);
    let r = &log[0];
    assert_eq!(r.method, "POST");
    assert_eq!(
        r.path,
        format!("/v2025/accounts/{}/classify", demo::HUMAN_ID)
    );
    assert_eq!(r.query.as_deref(), Some("classificationMode=forceHuman"));
    assert_eq!(r.classification_mode.as_deref(), Some("forceHuman"));
    assert_eq!(r.account_id, demo::HUMAN_ID);
    assert_eq!(
        r.user_agent.as_deref(),
        Some("SailPoint-SDK-Rust/0.1.0 (test)")
    );
    assert_eq!(r.experimental.as_deref(), Some("true"));
    assert_eq!(r.accept.as_deref(), Some("application/json"));
    assert_eq!(r.api_version.as_deref(), Some("v2025"));
    assert!(r.has_authorization);
    assert_eq!(r.client_id.as_deref(), Some(demo::CLIENT_ID));
    assert!(r.header_names.iter().any(|h| h == "authorization"));
    assert_eq!(r.status, Some(200));
    assert!(r.received_at <= chrono::Utc::now());
    assert!(!format!("{log:?}").contains(&token));

    let counters = emu.counters();
    assert_eq!(counters.classify_requests, 1);
    assert_eq!(counters.account_calls(demo::HUMAN_ID), 1);
    assert_eq!(counters.account_calls(demo::MACHINE_ID), 0);
    assert_eq!(counters.tokens_issued, 1);

    emu.reset_counters();
    assert_eq!(emu.counters(), crate::Counters::default());
    assert!(emu.requests().is_empty());
    assert!(emu.token_requests().is_empty());
    // State survives a counter reset.
    assert_eq!(
        emu.account(demo::HUMAN_ID).map(|a| a.manually_classified),
        Some(true)
    );
}

#[tokio::test]
async fn request_log_keeps_the_newest() {
    let emu = Emulator::builder()
        .request_log_capacity(2)
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    for _ in 0..3 {
        send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
    }
    let seqs: Vec<_> = emu.requests().iter().map(|r| r.seq).collect();
    assert_eq!(seqs, [1, 2]);
    assert_eq!(emu.counters().classify_requests, 3);
}

// ----- runtimes and lifecycle -----

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_on_a_multi_thread_runtime() {
    let emu = std::sync::Arc::new(Emulator::start().await.expect("start"));
    let http = http();
    let token = demo_token(&http, &emu).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..40 {
        let (emu, http, token) = (emu.clone(), http.clone(), token.clone());
        tasks.spawn(async move {
            let id = if i % 2 == 0 {
                demo::MACHINE_ID
            } else {
                demo::HUMAN_ID
            };
            let response = send_classify(&http, &emu, &token, id, None).await;
            (id, is_machine(response).await)
        });
    }
    while let Some(result) = tasks.join_next().await {
        let (id, machine) = result.expect("task");
        assert_eq!(machine, id == demo::MACHINE_ID);
    }
    let counters = emu.counters();
    assert_eq!(counters.classify_requests, 40);
    assert_eq!(counters.classify_status(200), 40);
}

#[test]
fn current_thread_runtime_built_by_hand() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let (emu, http, token) = demo_setup().await;
        let response = send_classify(&http, &emu, &token, demo::COMPUTER_ID, None).await;
        assert!(is_machine(response).await);
    });
}

#[test]
fn start_outside_a_runtime_is_an_error() {
    use std::future::Future;
    use std::task::{Context, Poll, Waker};
    let mut future = std::pin::pin!(Emulator::start());
    let mut cx = Context::from_waker(Waker::noop());
    match future.as_mut().poll(&mut cx) {
        Poll::Ready(result) => assert!(result.is_err()),
        Poll::Pending => panic!("expected an immediate error"),
    }
}

#[tokio::test]
async fn shutdown_and_drop_close_the_listener() {
    let http = http();
    let emu = Emulator::start().await.expect("start");
    let url = emu.token_url();
    emu.shutdown().await;
    assert!(http.post(&url).send().await.is_err());

    let emu = Emulator::start().await.expect("start");
    let url = emu.token_url();
    let token = demo_token(&http, &emu).await;
    drop(emu);
    // Let the runtime process the abort.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let result = http
        .post(url.replace("/oauth/token", "/v2025/accounts/x/classify"))
        .bearer_auth(token)
        .send()
        .await;
    assert!(result.is_err(), "{result:?}");
}

#[tokio::test]
async fn urls() {
    let emu = Emulator::start().await.expect("start");
    let base = emu.base_url().to_owned();
    assert!(base.starts_with("http://127.0.0.1:"));
    assert!(!base.ends_with('/'));
    assert_eq!(emu.api_url(), format!("{base}/v2025"));
    assert_eq!(emu.token_url(), format!("{base}/oauth/token"));
    assert_eq!(
        emu.classify_url("a b"),
        format!("{base}/v2025/accounts/a%20b/classify")
    );
    assert_eq!(emu.local_addr().port(), emu.local_addr().port());
    assert!(emu.issue_token("nobody").is_none());
    let token = emu.issue_token(demo::CLIENT_ID).expect("token");
    let http = http();
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(emu.counters().token_requests, 0);
}

// ----- sources -----

fn source_url(emu: &Emulator, source_id: &str, what: &str) -> String {
    format!("{}/v2025/sources/{source_id}/{what}", emu.base_url())
}

fn api(request: RequestBuilder, token: &str) -> RequestBuilder {
    request
        .bearer_auth(token)
        .header("X-SailPoint-Experimental", "true")
}

#[tokio::test]
async fn a_source_job_advances_completes_and_classifies_the_accounts() {
    let emu = Emulator::builder()
        .without_rate_limit()
        .source(crate::Source::new("big", "Big LDAP"))
        .accounts(demo::source_accounts("Big LDAP", 2_000))
        .classification_pace(crate::ClassificationPace::uniform(4_000))
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    let url = source_url(&emu, "big", "classify");

    // No job yet: 404.
    let response = api(http.get(&url), &token).send().await.expect("send");
    error_dto(response, 404).await;
    let started = api(http.post(&url), &token).send().await.expect("send");
    assert_eq!(started.status(), StatusCode::OK);
    let body: Value = started.json().await.expect("json");
    assert_eq!(body["Accounts submitted for processing"], 2_000);
    // A second start while running is refused.
    let again = api(http.post(&url), &token).send().await.expect("send");
    error_dto(again, 400).await;

    let mut last_completed = 0;
    let mut seen = Vec::new();
    loop {
        let body: Value = api(http.get(&url), &token)
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        let completed = body["counts"]["COMPLETED"].as_u64().expect("count");
        assert!(completed >= last_completed, "{body}");
        assert!(completed <= body["counts"]["RECEIVED"].as_u64().expect("count"));
        assert_eq!(body["counts"]["EXPECTED"], 2_000);
        last_completed = completed;
        let status = body["status"].as_str().expect("status").to_owned();
        if !seen.contains(&status) {
            seen.push(status.clone());
        }
        if status == "COMPLETED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(seen.last().map(String::as_str), Some("COMPLETED"));
    let machines = emu
        .accounts()
        .iter()
        .filter(|a| a.source_name == "Big LDAP" && a.is_machine == Some(true))
        .count();
    assert_eq!(machines, 400, "every fourth, minus the correlated ones");
    assert_eq!(
        emu.counters()
            .operation_calls("sendClassifyMachineAccountFromSource"),
        2
    );
}

#[tokio::test]
async fn a_cancelled_job_freezes_and_unknown_sources_are_404() {
    let emu = Emulator::builder()
        .without_rate_limit()
        .source(crate::Source::new("slow", "Slow"))
        .accounts(demo::source_accounts("Slow", 1_000))
        .classification_pace(crate::ClassificationPace::uniform(10))
        .start()
        .await
        .expect("start");
    let http = http();
    let token = demo_token(&http, &emu).await;
    let url = source_url(&emu, "slow", "classify");
    api(http.post(&url), &token).send().await.expect("send");
    let cancel = api(http.delete(&url), &token).send().await.expect("send");
    assert_eq!(cancel.status(), StatusCode::NO_CONTENT);
    let body: Value = api(http.get(&url), &token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(body["status"], "CANCELLED");
    for (method, what) in [
        (reqwest::Method::POST, "classify"),
        (reqwest::Method::GET, "classify"),
        (reqwest::Method::DELETE, "classify"),
        (reqwest::Method::GET, "machine-classification-config"),
        (reqwest::Method::DELETE, "machine-classification-config"),
    ] {
        let response = api(
            http.request(method.clone(), source_url(&emu, "nope", what)),
            &token,
        )
        .send()
        .await
        .expect("send");
        error_dto(response, 404).await;
    }
    // Without the experimental header: 400, like every operation.
    let response = http
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .expect("send");
    error_dto(response, 400).await;
}

#[tokio::test]
async fn the_config_criteria_decide_single_account_classification() {
    let (emu, http, token) = demo_setup().await;
    let url = source_url(&emu, demo::AD_SOURCE_ID, "machine-classification-config");
    error_dto(api(http.get(&url), &token).send().await.expect("send"), 404).await;
    let bad = api(http.put(&url), &token)
        .json(&serde_json::json!({"classificationMethod": "MAGIC"}))
        .send()
        .await
        .expect("send");
    error_dto(bad, 400).await;
    // john.doe is human by the built-in rules; by these criteria a machine.
    let config = serde_json::json!({
        "enabled": true,
        "classificationMethod": "CRITERIA",
        "criteria": {"operation": "CONTAINS", "attribute": "name", "value": "DOE"}
    });
    let stored: Value = api(http.put(&url), &token)
        .json(&config)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(stored["criteria"], config["criteria"]);
    assert!(stored["created"].is_string());
    let read: Value = api(http.get(&url), &token)
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(read, stored);
    let response = send_classify(&http, &emu, &token, demo::HUMAN_ID, None).await;
    assert!(
        is_machine(response).await,
        "the criteria make john.doe a machine"
    );
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert!(
        !is_machine(response).await,
        "svc-backup does not contain DOE"
    );
    let deleted = api(http.delete(&url), &token).send().await.expect("send");
    assert_eq!(deleted.status(), StatusCode::OK);
    let response = send_classify(&http, &emu, &token, demo::MACHINE_ID, None).await;
    assert!(is_machine(response).await, "built-in rules again");
    assert_eq!(emu.machine_classification_config(demo::AD_SOURCE_ID), None);
}
