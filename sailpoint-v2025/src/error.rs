//! The one error type of the SDK.

use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::{ErrorResponseDto, ListAccessProfiles401Response, ListAccessProfiles429Response};

/// Everything that can go wrong when calling SailPoint through this SDK.
///
/// Each documented status of the operation has its own variant carrying SailPoint's typed body;
/// anything else keeps the status and the raw body, so nothing the server said is lost.
/// Use [`Error::status`], [`Error::tracking_id`] and [`Error::retry_after`] to inspect an error
/// without matching on variants. No variant ever contains a client secret or an access token.
///
/// ```
/// # fn handle(err: sailpoint_v2025::Error) {
/// match &err {
///     sailpoint_v2025::Error::Forbidden { body } => {
///         eprintln!("missing scope idn:account:update? {:?}", body.detail_code);
///     }
///     other => eprintln!("{other} (status {:?}, trackingId {:?})", other.status(), other.tracking_id()),
/// }
/// # }
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// 400 Bad Request: the request was invalid (SailPoint's `ErrorResponseDto`).
    #[error("400 Bad Request{}", describe(body))]
    BadRequest {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
    },
    /// 401 Unauthorized: no or an expired token. The SDK has already refreshed the token and
    /// retried once when it manages the token itself. Every 401 is this variant, whatever its
    /// body.
    #[error("401 Unauthorized{}", body.as_ref().and_then(|b| b.error.as_ref()).map(|e| format!(": {}", json_text(e))).unwrap_or_default())]
    Unauthorized {
        /// The decoded error body (`{"error": "JWT validation failed: ..."}`), or `None` when
        /// the body was not that JSON (e.g. an HTML page from a proxy).
        body: Option<ListAccessProfiles401Response>,
    },
    /// 403 Forbidden: the identity lacks the authority or scope (`idn:account:update`).
    #[error("403 Forbidden{}", describe(body))]
    Forbidden {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
    },
    /// 429 Too Many Requests after the configured retries (or a `Retry-After` longer than
    /// [`RetryConfig::max_retry_after`](crate::RetryConfig::max_retry_after)). Every 429 is this
    /// variant, whatever its body. It is also returned without sending a request when the
    /// client is paused by an earlier 429 for longer than `max_retry_after`; `retry_after` is
    /// then the rest of that pause.
    #[error("429 Too Many Requests{}{}",
        body.as_ref().and_then(|b| b.message.as_ref()).map(|m| format!(": {}", json_text(m).trim())).unwrap_or_default(),
        retry_after.map(|d| format!(" (retry after {}s)", d.as_secs_f64())).unwrap_or_default())]
    TooManyRequests {
        /// The decoded error body (`{"message": " Rate Limit Exceeded "}`), or `None` when the
        /// body was not that JSON (a proxy's text or HTML page, an empty body) or no request
        /// was sent.
        body: Option<ListAccessProfiles429Response>,
        /// The server's `Retry-After`, if it sent a valid one.
        retry_after: Option<Duration>,
    },
    /// 500 Internal Server Error (SailPoint's `ErrorResponseDto`).
    #[error("500 Internal Server Error{}", describe(body))]
    InternalServerError {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
    },
    /// A status the operation does not document (404, 502, 503, ...), with the raw body.
    ///
    /// When the body is an `ErrorResponseDto` (SailPoint's usual error shape) it is decoded
    /// into `detail` as well.
    #[error("{status}{}", match detail { Some(d) => describe(d), None => raw_snippet(body) })]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The raw body, lossily decoded as UTF-8.
        body: String,
        /// The body decoded as SailPoint's `ErrorResponseDto`, when it is one.
        detail: Option<Box<ErrorResponseDto>>,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
    },
    /// A response whose body could not be decoded as the documented type (e.g. truncated
    /// JSON, or HTML from a proxy on a documented status).
    #[error(
        "{status}: response body is not the documented JSON ({source}){}",
        raw_snippet(body)
    )]
    InvalidBody {
        /// The HTTP status.
        status: StatusCode,
        /// The raw body, lossily decoded as UTF-8.
        body: String,
        /// Why decoding failed.
        #[source]
        source: serde_json::Error,
    },
    /// The request timed out (connect or whole-request timeout).
    #[error("request timed out")]
    Timeout {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// The request could not be sent or the response not read (connection refused or reset,
    /// TLS, DNS, ...).
    #[error("transport error: {source}")]
    Transport {
        /// The underlying error.
        #[source]
        source: reqwest::Error,
    },
    /// A configuration setting is missing or malformed.
    #[error("configuration error: {setting}: {problem} (looked at: {looked_at})")]
    Config {
        /// The setting, e.g. `base URL` or `client secret`.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
        /// The places that were consulted, in precedence order.
        looked_at: String,
    },
    /// The call did not finish within the total deadline of
    /// [`RetryConfig::deadline`](crate::RetryConfig::deadline) (attempts, retries, `Retry-After`
    /// pauses and rate-limit waits together).
    #[error("deadline of {}s exceeded", deadline.as_secs_f64())]
    DeadlineExceeded {
        /// The deadline that was exceeded.
        deadline: Duration,
        /// The last attempt's error, if an attempt had failed before the deadline.
        #[source]
        last_error: Option<Box<Error>>,
    },
    /// A redirect (3xx) response. The SDK never follows redirects: ISC does not send them, and
    /// following one could send credentials to another origin or over plain HTTP.
    #[error("{status}: redirect not followed{}", location.as_ref().map(|l| format!(" (Location: {l})")).unwrap_or_default())]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308, ...).
        status: StatusCode,
        /// The `Location` header, if the response had a readable one.
        location: Option<String>,
    },
    /// The OAuth2 token request failed. Never contains the client secret.
    #[error("authentication failed{}: {message}", status.map(|s| format!(" ({s})")).unwrap_or_default())]
    Auth {
        /// The token endpoint's status, when it answered.
        status: Option<StatusCode>,
        /// What went wrong, including the token endpoint's body when it sent one.
        message: String,
        /// The transport error, when there was one. Shared: one token request's failure is
        /// handed to every call that was waiting for it.
        #[source]
        source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
    },
    /// An argument was rejected before any request was sent.
    #[error("invalid {what}: {problem}")]
    InvalidInput {
        /// The argument, e.g. `account id`.
        what: &'static str,
        /// Why it was rejected.
        problem: String,
    },
}

impl Error {
    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::BadRequest { .. } => Some(StatusCode::BAD_REQUEST),
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            Error::TooManyRequests { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::InternalServerError { .. } => Some(StatusCode::INTERNAL_SERVER_ERROR),
            Error::UnexpectedStatus { status, .. } | Error::InvalidBody { status, .. } => {
                Some(*status)
            }
            Error::Auth { status, .. } => *status,
            Error::Redirect { status, .. } => Some(*status),
            Error::DeadlineExceeded { .. } => None,
            Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::Config { .. }
            | Error::InvalidInput { .. } => None,
        }
    }

    /// SailPoint's `trackingId` for this error, if the body carried one. Quote it to SailPoint
    /// support.
    pub fn tracking_id(&self) -> Option<&str> {
        self.error_response()?.tracking_id.as_deref()
    }

    /// SailPoint's `detailCode` for this error (e.g. `400.1 Bad Request Content`), if any.
    pub fn detail_code(&self) -> Option<&str> {
        self.error_response()?.detail_code.as_deref()
    }

    /// The decoded `ErrorResponseDto`, for the statuses that carry one.
    pub fn error_response(&self) -> Option<&ErrorResponseDto> {
        match self {
            Error::BadRequest { body }
            | Error::Forbidden { body }
            | Error::InternalServerError { body } => Some(body),
            Error::UnexpectedStatus { detail, .. } => detail.as_deref(),
            _ => None,
        }
    }

    /// How long the server asked us to wait (`Retry-After`), if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::TooManyRequests { retry_after, .. }
            | Error::UnexpectedStatus { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// Whether another attempt of the same call may succeed: `429`, 5xx except `501`, timeouts,
    /// connection failures and transient token-endpoint failures. The client has already retried
    /// such errors as far as its [`RetryConfig`](crate::RetryConfig) allows; this tells a caller
    /// whether trying again later is worthwhile. See the retry rules in
    /// [`RetryConfig`](crate::RetryConfig).
    ///
    /// ```
    /// # fn handle(err: sailpoint_v2025::Error) {
    /// if err.is_retryable() {
    ///     eprintln!("transient, try again later: {err}");
    /// }
    /// # }
    /// ```
    pub fn is_retryable(&self) -> bool {
        crate::retry::is_retryable(self)
    }

    /// A short, stable name for the kind of error (`bad_request`, `timeout`, ...), handy for
    /// metrics and summaries.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::BadRequest { .. } => "bad_request",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Forbidden { .. } => "forbidden",
            Error::TooManyRequests { .. } => "too_many_requests",
            Error::InternalServerError { .. } => "internal_server_error",
            Error::UnexpectedStatus { .. } => "unexpected_status",
            Error::InvalidBody { .. } => "invalid_body",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::Config { .. } => "config",
            Error::Auth { .. } => "auth",
            Error::InvalidInput { .. } => "invalid_input",
            Error::DeadlineExceeded { .. } => "deadline_exceeded",
            Error::Redirect { .. } => "redirect",
        }
    }

    pub(crate) fn config(
        setting: &'static str,
        problem: impl Into<String>,
        looked_at: impl Into<String>,
    ) -> Self {
        Error::Config {
            setting,
            problem: problem.into(),
            looked_at: looked_at.into(),
        }
    }
}

/// `: <detailCode>: <first message> (trackingId: <id>)`, skipping the parts that are absent.
fn describe(body: &ErrorResponseDto) -> String {
    let mut out = String::new();
    if let Some(code) = &body.detail_code {
        out.push_str(": ");
        out.push_str(code);
    }
    let first_text = body
        .messages
        .iter()
        .flatten()
        .chain(body.causes.iter().flatten())
        .find_map(|m| m.text.as_deref());
    if let Some(text) = first_text {
        out.push_str(": ");
        out.push_str(text);
    }
    if let Some(id) = &body.tracking_id {
        out.push_str(&format!(" (trackingId: {id})"));
    }
    out
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The first 200 characters of a raw body, for messages.
fn raw_snippet(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return String::new();
    }
    let mut snippet: String = trimmed.chars().take(200).collect();
    if snippet.len() < trimmed.len() {
        snippet.push('…');
    }
    format!(": {snippet}")
}

/// Debug-safe marker for redacted values.
pub(crate) struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dto(json: &str) -> ErrorResponseDto {
        serde_json::from_str(json).expect("valid dto")
    }

    #[test]
    fn display_shows_status_detail_code_first_message_and_tracking_id() {
        let err = Error::Forbidden {
            body: Box::new(dto(
                r#"{"detailCode":"403 Forbidden","trackingId":"b21b","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"No."}]}"#,
            )),
        };
        assert_eq!(
            err.to_string(),
            "403 Forbidden: 403 Forbidden: No. (trackingId: b21b)"
        );
        assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(err.tracking_id(), Some("b21b"));
        assert_eq!(err.kind(), "forbidden");
    }

    #[test]
    fn unexpected_status_keeps_raw_body_and_optional_detail() {
        let err = Error::UnexpectedStatus {
            status: StatusCode::BAD_GATEWAY,
            body: "<html>Bad Gateway</html>".into(),
            detail: None,
            retry_after: None,
        };
        assert_eq!(err.to_string(), "502 Bad Gateway: <html>Bad Gateway</html>");
        assert_eq!(err.tracking_id(), None);
    }

    #[test]
    fn too_many_requests_reports_retry_after() {
        let err = Error::TooManyRequests {
            body: serde_json::from_str(r#"{"message":" Rate Limit Exceeded "}"#).expect("json"),
            retry_after: Some(Duration::from_secs(3)),
        };
        assert_eq!(
            err.to_string(),
            "429 Too Many Requests: Rate Limit Exceeded (retry after 3s)"
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    }
}
