//! Typed errors: each documented status as its variant with SailPoint's body, undocumented and
//! malformed answers with status and raw body kept, timeouts and connection failures.

mod common;

use std::time::Duration;

use sailpoint_v2025::{Client, Error, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, Fault, OAuthClient, ServerRateLimit, demo};

use common::one_shot;

async fn classify_err(client: &Client) -> Error {
    common::classify_err(client, demo::MACHINE_ID, "an error").await
}

/// A fresh emulator whose next classify answers with `fault`, a one-shot client for it, and the
/// error that client gets.
async fn error_for(fault: Fault) -> (Emulator, Client, Error) {
    let emu = common::emulator().await;
    let client = one_shot(&emu);
    emu.inject(fault);
    let err = classify_err(&client).await;
    (emu, client, err)
}

/// A documented error with its ErrorResponseDto: status, trackingId, kind and Display.
fn assert_documented(err: &Error, status: u16, kind: &str, display: &str) {
    assert_eq!(err.status().map(|s| s.as_u16()), Some(status));
    assert!(common::is_tracking_id(
        err.tracking_id().expect("trackingId")
    ));
    assert_eq!(err.kind(), kind);
    assert_display(err, display);
}

/// Display shows status, detailCode, first message and trackingId.
fn assert_display(err: &Error, status: &str) {
    let shown = err.to_string();
    let body = err.error_response().expect("ErrorResponseDto");
    let detail_code = body.detail_code.as_deref().expect("detailCode");
    let text = body
        .messages
        .as_ref()
        .and_then(|m| m.first())
        .and_then(|m| m.text.as_deref())
        .expect("a message");
    let tracking_id = err.tracking_id().expect("trackingId");
    assert!(shown.starts_with(status), "{shown}");
    // A detailCode that only repeats the status line (`403 Forbidden`) is not shown twice.
    let status_line = err.status().expect("a status").to_string();
    if detail_code.eq_ignore_ascii_case(&status_line) {
        assert_eq!(shown.matches(&status_line).count(), 1, "{shown}");
    } else {
        assert!(shown.contains(detail_code), "{shown}");
    }
    assert!(shown.contains(text), "{shown}");
    assert!(
        shown.contains(&format!("trackingId: {tracking_id}")),
        "{shown}"
    );
}

#[tokio::test]
async fn a_400_is_bad_request_with_its_body() {
    let (_emu, _client, err) = error_for(Fault::Status(400)).await;
    match &err {
        Error::BadRequest { body, .. } => {
            assert_eq!(
                body.detail_code.as_deref(),
                Some("400.1 Bad Request Content")
            );
            let messages = body.messages.as_ref().expect("messages");
            assert_eq!(messages.len(), 1);
            assert_eq!(messages[0].locale.as_deref(), Some("en-US"));
            assert_eq!(
                messages[0]
                    .locale_origin
                    .as_ref()
                    .and_then(|o| o.0.as_deref()),
                Some("DEFAULT")
            );
            assert_eq!(body.causes.as_deref(), Some(&[][..]));
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    assert_documented(
        &err,
        400,
        "bad_request",
        "400 Bad Request: 400.1 Bad Request Content: ",
    );
}

#[tokio::test]
async fn a_401_with_a_static_token_is_unauthorized() {
    let emu = common::emulator().await;
    let client = common::static_token_client(emu.base_url(), "not-a-token-the-emulator-issued");
    let err = classify_err(&client).await;
    common::assert_unauthorized(&err, "JWT validation failed: JWT is invalid");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(err.tracking_id(), None);
    assert_eq!(err.kind(), "unauthorized");
    assert_eq!(
        err.to_string(),
        "401 Unauthorized: JWT validation failed: JWT is invalid"
    );
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn a_403_is_forbidden_with_its_body() {
    let emu = common::emulator().await;
    emu.register_client(OAuthClient::with_scopes(
        "no-scope",
        "no-scope-secret",
        Vec::<String>::new(),
    ));
    let client = common::credentials_builder(&emu, "no-scope", "no-scope-secret")
        .build()
        .expect("client");
    let err = classify_err(&client).await;
    match &err {
        Error::Forbidden { body, .. } => {
            assert_eq!(body.detail_code.as_deref(), Some("403 Forbidden"));
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(err.detail_code(), Some("403 Forbidden"));
    assert_documented(&err, 403, "forbidden", "403 Forbidden: ");
    assert!(err.to_string().contains("idn:account:update"));
    assert_eq!(emu.counters().classify_requests, 1, "403 is not retried");
}

#[tokio::test]
async fn a_429_with_retries_disabled_is_too_many_requests() {
    let emu = Emulator::builder()
        .rate_limit(Some(ServerRateLimit::new(1, Duration::from_secs(30))))
        .start()
        .await
        .expect("emulator");
    let client = one_shot(&emu);
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("within the limit");
    let err = classify_err(&client).await;
    match &err {
        Error::TooManyRequests {
            body, retry_after, ..
        } => {
            assert_eq!(
                body.as_ref().expect("decoded").message,
                Some(serde_json::json!(" Rate Limit Exceeded "))
            );
            let wait = retry_after.expect("Retry-After");
            assert!(
                wait > Duration::ZERO && wait <= Duration::from_secs(30),
                "{wait:?}"
            );
        }
        other => panic!("expected TooManyRequests, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(429));
    assert!(err.retry_after().is_some());
    assert_eq!(err.kind(), "too_many_requests");
    let shown = err.to_string();
    assert!(
        shown.starts_with("429 Too Many Requests: Rate Limit Exceeded (retry after "),
        "{shown}"
    );
    assert_eq!(emu.counters().classify_requests, 2);
}

#[tokio::test]
async fn a_500_is_internal_server_error_with_its_body() {
    let (_emu, _client, err) = error_for(Fault::Status(500)).await;
    match &err {
        Error::InternalServerError { body, .. } => {
            assert_eq!(body.detail_code.as_deref(), Some("500.0 Internal Fault"));
        }
        other => panic!("expected InternalServerError, got {other:?}"),
    }
    assert_documented(
        &err,
        500,
        "internal_server_error",
        "500 Internal Server Error: 500.0 Internal Fault: ",
    );
}

#[tokio::test]
async fn unknown_locale_origin_and_null_causes_still_decode() {
    let body = r#"{"detailCode":"403 Forbidden","trackingId":"0123456789abcdef0123456789abcdef","messages":[{"locale":"de-DE","localeOrigin":"HEADER","text":"Verboten."},{"locale":null,"localeOrigin":null,"text":"Second."}],"causes":null,"somethingNew":{"x":1}}"#;
    let (emu, client, err) = error_for(Fault::Raw {
        status: 403,
        content_type: "application/json".into(),
        body: body.into(),
    })
    .await;
    match &err {
        Error::Forbidden { body, .. } => {
            let messages = body.messages.as_ref().expect("messages");
            assert_eq!(
                messages[0]
                    .locale_origin
                    .as_ref()
                    .and_then(|o| o.0.as_deref()),
                Some("HEADER")
            );
            assert_eq!(messages[1].locale, None);
            assert!(
                messages[1]
                    .locale_origin
                    .as_ref()
                    .is_none_or(|o| o.0.is_none())
            );
            assert_eq!(body.causes, None);
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(err.tracking_id(), Some("0123456789abcdef0123456789abcdef"));
    assert_eq!(
        err.to_string(),
        "403 Forbidden: Verboten. (trackingId: 0123456789abcdef0123456789abcdef)"
    );

    // The same for 400 and 500, with `messages` null and the text only in `causes`.
    for status in [400u16, 500] {
        emu.inject(Fault::Raw {
            status,
            content_type: "application/json".into(),
            body: r#"{"detailCode":"x.y","trackingId":"t-1","messages":null,"causes":[{"locale":"en-US","localeOrigin":"SOMETHING_ELSE","text":"from causes"}]}"#.into(),
        });
        let err = classify_err(&client).await;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        assert!(
            matches!(
                err,
                Error::BadRequest { .. } | Error::InternalServerError { .. }
            ),
            "{err:?}"
        );
        assert_eq!(err.tracking_id(), Some("t-1"));
        assert!(err.to_string().contains("from causes"), "{err}");
    }
}

#[tokio::test]
async fn an_html_502_is_unexpected_status_with_the_body_kept() {
    let (_emu, _client, err) = error_for(Fault::Html(502)).await;
    match &err {
        Error::UnexpectedStatus {
            status,
            detail,
            retry_after,
            response,
            ..
        } => {
            assert_eq!(status.as_u16(), 502);
            assert_eq!(
                response.body(),
                "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>"
            );
            assert!(detail.is_none());
            assert!(retry_after.is_none());
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
    assert_eq!(err.tracking_id(), None);
    assert_eq!(err.kind(), "unexpected_status");
    let shown = err.to_string();
    assert!(shown.starts_with("502 Bad Gateway: <html>"), "{shown}");
}

#[tokio::test]
async fn html_on_a_documented_status_is_invalid_body() {
    let (_emu, _client, err) = error_for(Fault::Html(403)).await;
    match &err {
        Error::InvalidBody {
            status, response, ..
        } => {
            let body = response.body();
            assert_eq!(status.as_u16(), 403);
            assert!(body.contains("<h1>403 Forbidden</h1>"), "{body}");
        }
        other => panic!("expected InvalidBody, got {other:?}"),
    }
    assert_eq!(err.status().map(|s| s.as_u16()), Some(403));
}

#[tokio::test]
async fn truncated_json_on_200_is_invalid_body() {
    let emu = common::emulator().await;
    // Retries enabled: a malformed 200 is not retried either.
    let client = common::client(&emu);
    emu.inject(Fault::TruncatedJson);
    let err = classify_err(&client).await;
    match &err {
        Error::InvalidBody {
            status,
            response,
            source,
            ..
        } => {
            assert_eq!(status.as_u16(), 200);
            assert_eq!(response.body(), r#"{"isMach"#);
            assert!(source.is_eof(), "{source}");
        }
        other => panic!("expected InvalidBody, got {other:?}"),
    }
    assert_eq!(err.kind(), "invalid_body");
    assert!(std::error::Error::source(&err).is_some());
    assert!(
        err.to_string()
            .starts_with("200 OK: response body is not the documented JSON")
    );
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout() {
    let emu = common::emulator().await;
    let client = common::builder(&emu)
        .retry(RetryConfig::disabled())
        .timeout(Duration::from_secs(1))
        .build()
        .expect("client");
    common::warm_up(&client, "warm up (fetches the token)").await;
    emu.inject(Fault::Delay(Duration::from_secs(5)));
    let start = std::time::Instant::now();
    let err = classify_err(&client).await;
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "gave up before the answer"
    );
    assert_eq!(err.status(), None);
    assert_eq!(err.kind(), "timeout");
    assert_eq!(err.to_string(), "request timed out");
    assert_eq!(emu.counters().classify_requests, 2);
}

#[tokio::test]
async fn a_refused_connection_is_a_transport_error() {
    let client = common::isolated_builder()
        .base_url(common::refused_base_url())
        .access_token("static-token")
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = common::classify_err(&client, "abc", "nothing listens").await;
    match &err {
        Error::Transport { source, .. } => assert!(source.is_connect(), "{source:?}"),
        other => panic!("expected Transport, got {other:?}"),
    }
    assert_eq!(err.status(), None);
    assert_eq!(err.kind(), "transport");
    // Display names the failure; the cause is only in source(), so a chain printer such as
    // anyhow's shows it once.
    assert_eq!(err.to_string(), "transport error");
    let source = std::error::Error::source(&err).expect("a source");
    assert!(
        source.to_string().contains("error sending request"),
        "{source}"
    );
    let chain = error_chain(&err);
    for (i, message) in chain.iter().enumerate() {
        for later in &chain[i + 1..] {
            assert!(
                message.is_empty() || !later.contains(message.as_str()),
                "{message:?} repeated in {later:?}"
            );
        }
        for earlier in &chain[..i] {
            assert!(
                !earlier.contains(message.as_str()),
                "{earlier:?} repeats its source {message:?}"
            );
        }
    }
}

/// Display of the error and of each source below it.
fn error_chain(err: &(dyn std::error::Error + 'static)) -> Vec<String> {
    let mut chain = vec![err.to_string()];
    let mut source = err.source();
    while let Some(s) = source {
        chain.push(s.to_string());
        source = s.source();
    }
    chain
}

#[tokio::test]
async fn a_dropped_connection_is_a_transport_error() {
    let (emu, _client, err) = error_for(Fault::DropConnection).await;
    assert!(matches!(err, Error::Transport { .. }), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(emu.counters().dropped_connections, 1);
    assert_eq!(emu.counters().classify_requests, 1);
}

#[tokio::test]
async fn an_undocumented_status_with_an_error_dto_keeps_detail_and_retry_after() {
    let (emu, client, err) = error_for(Fault::Status(404)).await;
    match &err {
        Error::NotFound { body, .. } => {
            assert_eq!(
                body.as_ref().and_then(|d| d.detail_code.as_deref()),
                Some("404 Not found")
            );
        }
        other => panic!("expected NotFound, got {other:?}"),
    }
    // The detailCode only repeats the status line: said once.
    assert_display(&err, "404 Not Found: ");
    assert!(!err.to_string().contains("404 Not found"), "{err}");

    // A JSON body that is not an ErrorResponseDto is kept raw, without `detail`.
    emu.inject(Fault::Raw {
        status: 418,
        content_type: "application/json".into(),
        body: r#"{"teapot":true}"#.into(),
    });
    let err = classify_err(&client).await;
    match &err {
        Error::UnexpectedStatus {
            status,
            detail,
            response,
            ..
        } => {
            assert_eq!(status.as_u16(), 418);
            assert_eq!(response.body(), r#"{"teapot":true}"#);
            assert!(detail.is_none());
        }
        other => panic!("expected UnexpectedStatus, got {other:?}"),
    }
}
