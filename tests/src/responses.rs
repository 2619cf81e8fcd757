//! The JSON bodies ISC answers errors with.

use std::time::Duration;

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::rate_limit::{retry_after_millis, retry_after_secs};

/// Name of the non-standard header with the precise remaining rate-limit
/// window in milliseconds, sent with every 429 from the rate limiter.
pub const RETRY_AFTER_MS_HEADER: &str = "x-emulator-retry-after-ms";

/// A fresh random tracking id: 32 lowercase hex digits.
pub(crate) fn tracking_id() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// The `detailCode` ISC uses for a status.
pub(crate) fn detail_code(status: StatusCode) -> String {
    match status.as_u16() {
        400 => "400.1 Bad Request Content".to_owned(),
        403 => "403 Forbidden".to_owned(),
        404 => "404 Not found".to_owned(),
        500 => "500.0 Internal Fault".to_owned(),
        code => format!("{code} {}", status.canonical_reason().unwrap_or("Error")),
    }
}

/// An `ErrorResponseDto` response with a fresh tracking id.
pub(crate) fn error_dto(status: StatusCode, text: &str) -> Response {
    let body = json!({
        "detailCode": detail_code(status),
        "trackingId": tracking_id(),
        "messages": [{"locale": "en-US", "localeOrigin": "DEFAULT", "text": text}],
        "causes": [],
    });
    (status, Json(body)).into_response()
}

/// A 401 `{"error": "JWT validation failed: <reason>"}`.
pub(crate) fn jwt_error(reason: &str) -> Response {
    let body = json!({ "error": format!("JWT validation failed: {reason}") });
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// A 429 with the ISC body, the given raw `Retry-After` (if any) and, when
/// `remaining` is known, `X-Emulator-Retry-After-Ms`.
pub(crate) fn rate_limited(retry_after: Option<&str>, remaining: Option<Duration>) -> Response {
    let mut response = (
        StatusCode::TOO_MANY_REQUESTS,
        Json(json!({ "message": " Rate Limit Exceeded " })),
    )
        .into_response();
    let headers = response.headers_mut();
    if let Some(value) = retry_after.and_then(|v| HeaderValue::from_str(v).ok()) {
        headers.insert(header::RETRY_AFTER, value);
    }
    if let Some(remaining) = remaining {
        headers.insert(
            HeaderName::from_static(RETRY_AFTER_MS_HEADER),
            HeaderValue::from(retry_after_millis(remaining)),
        );
    }
    response
}

/// A 429 from the rate limiter, `remaining` being the rest of the window.
pub(crate) fn rate_limit_exceeded(remaining: Duration) -> Response {
    let secs = retry_after_secs(remaining).to_string();
    rate_limited(Some(&secs), Some(remaining))
}

/// An OAuth 2 error body (RFC 6749 section 5.2).
pub(crate) fn oauth_error(status: StatusCode, error: &str, description: &str) -> Response {
    no_store(
        (
            status,
            Json(json!({ "error": error, "error_description": description })),
        )
            .into_response(),
    )
}

/// `response` with the token endpoint's `Cache-Control: no-store` and `Pragma: no-cache`.
pub(crate) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::PRAGMA, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_ids_are_32_hex_and_fresh() {
        let a = tracking_id();
        let b = tracking_id();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn detail_codes() {
        assert_eq!(
            detail_code(StatusCode::BAD_REQUEST),
            "400.1 Bad Request Content"
        );
        assert_eq!(
            detail_code(StatusCode::SERVICE_UNAVAILABLE),
            "503 Service Unavailable"
        );
    }
}
