//! The one error type of the SDK, and the opaque types its variants carry; how server text is
//! bounded and escaped, and how secrets are redacted from it.

#[cfg(test)]
mod bounded_proptest;
pub(crate) mod kind;
pub(crate) mod redact;
#[cfg(test)]
mod redact_proptest;
pub(crate) mod retryable;
pub(crate) mod server_text;

use std::error::Error as StdError;
use std::fmt;
use std::time::Duration;

use reqwest::StatusCode;

use crate::error::kind::ErrorKind;
use crate::error::server_text::{Escaped, Shown};
use crate::{ErrorResponseDto, TooManyRequestsBody, UnauthorizedBody};

/// Everything that can go wrong when calling SailPoint through this SDK.
///
/// Each documented status of the operation has its own variant carrying SailPoint's typed body;
/// anything else keeps the status and a bounded snippet of the body, so what the server said is
/// not lost. Use [`Error::status`], [`Error::tracking_id`], [`Error::retry_after`] and
/// [`Error::kind`] to inspect an error without matching on variants.
///
/// * No variant ever contains a client secret or an access token: server text is redacted
///   (raw, percent-, form-, JSON- and HTML-encoded forms, forms escaped twice, and the base64
///   forms of each secret and of `client_id:secret`) before it is kept, and the strings of a
///   decoded body again after decoding.
/// * Server text is kept bounded ([`ResponseDetails::body`], at most 4 KiB) and `Display`
///   escapes control characters, so an error can be logged as is.
/// * `Display` never repeats the source error: walk [`source()`](StdError::source) (as
///   `anyhow`'s `{:#}` does) for the cause.
/// * Variants and their fields are `#[non_exhaustive]`: match with `..`.
///
/// [`Error::kind`] names each variant with a stable string, and [`Error::error_kind`] with an
/// [`ErrorKind`](crate::ErrorKind) to match on:
///
/// | `kind()` | `error_kind()` / variant | status |
/// |---|---|---|
/// | `bad_request` | [`BadRequest`](Error::BadRequest) | 400 |
/// | `unauthorized` | [`Unauthorized`](Error::Unauthorized) | 401 |
/// | `forbidden` | [`Forbidden`](Error::Forbidden) | 403 |
/// | `not_found` | [`NotFound`](Error::NotFound) | 404, on every operation |
/// | `too_many_requests` | [`TooManyRequests`](Error::TooManyRequests) | 429 |
/// | `internal_server_error` | [`InternalServerError`](Error::InternalServerError) | 500 |
/// | `unexpected_status` | [`UnexpectedStatus`](Error::UnexpectedStatus) | any other |
/// | `invalid_body` | [`InvalidBody`](Error::InvalidBody) | any |
/// | `body_too_large` | [`BodyTooLarge`](Error::BodyTooLarge) | any |
/// | `redirect` | [`Redirect`](Error::Redirect) | 3xx |
/// | `timeout` | [`Timeout`](Error::Timeout) | none |
/// | `deadline_exceeded` | [`DeadlineExceeded`](Error::DeadlineExceeded) | none |
/// | `transport` | [`Transport`](Error::Transport) | none |
/// | `config` | [`Config`](Error::Config) | none |
/// | `auth` | [`Auth`](Error::Auth) | the token endpoint's, if any |
/// | `invalid_input` | [`InvalidInput`](Error::InvalidInput) | none |
/// | `filter_rejected` | [`FilterRejected`](Error::FilterRejected) | 400 |
/// | `page_too_long` | [`PageTooLong`](Error::PageTooLong) | 200 |
/// | `page_repeated` | [`PageRepeated`](Error::PageRepeated) | 200 |
///
/// ```
/// # fn handle(err: sailpoint_v2025::Error) {
/// match &err {
///     sailpoint_v2025::Error::Forbidden { body, .. } => {
///         eprintln!("missing scope idn:account:update? {:?}", body.detail_code);
///     }
///     other => eprintln!(
///         "{other} (kind {}, status {:?}, trackingId {:?})",
///         other.kind(),
///         other.status(),
///         other.tracking_id()
///     ),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// 400 Bad Request: the request was invalid (SailPoint's `ErrorResponseDto`).
    #[non_exhaustive]
    BadRequest {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// 401 Unauthorized: no or an expired token, whatever the body. The SDK has already
    /// refreshed the token and retried once when it manages the token itself.
    #[non_exhaustive]
    Unauthorized {
        /// The decoded error body (`{"error": "JWT validation failed: ..."}`), when it is one.
        body: Option<UnauthorizedBody>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// 403 Forbidden: the identity lacks the authority or scope (`idn:account:update`).
    #[non_exhaustive]
    Forbidden {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// 404 Not Found: the account or source id is unknown (or the operation does not exist on
    /// this tenant), whatever the body and whether or not the operation documents a 404. Never
    /// retried.
    #[non_exhaustive]
    NotFound {
        /// The body decoded as SailPoint's `ErrorResponseDto`, when it is one.
        body: Option<Box<ErrorResponseDto>>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// 429 Too Many Requests (whatever the body) after the configured retries, or with a
    /// `Retry-After` longer than
    /// [`RetryConfig::max_retry_after`](crate::RetryConfig::max_retry_after). It is also
    /// returned without sending a request when the client is paused by an earlier 429 for
    /// longer than `max_retry_after`; `retry_after` is then the rest of that pause.
    #[non_exhaustive]
    TooManyRequests {
        /// The decoded error body (`{"message": " Rate Limit Exceeded "}`), when it is one.
        body: Option<TooManyRequestsBody>,
        /// The server's `Retry-After`, if it sent a valid one.
        retry_after: Option<Duration>,
        /// Status, ids and a snippet of the raw body; `None` when no request was sent.
        response: Option<Box<ResponseDetails>>,
    },
    /// 500 Internal Server Error (SailPoint's `ErrorResponseDto`).
    #[non_exhaustive]
    InternalServerError {
        /// The decoded error body.
        body: Box<ErrorResponseDto>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// A status without a variant of its own (405, 409, 502, 503, ...).
    #[non_exhaustive]
    UnexpectedStatus {
        /// The HTTP status.
        status: StatusCode,
        /// The body decoded as SailPoint's `ErrorResponseDto`, when it is one.
        detail: Option<Box<ErrorResponseDto>>,
        /// The server's `Retry-After`, if any.
        retry_after: Option<Duration>,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
    },
    /// A response whose body is not the documented JSON (e.g. truncated JSON, or HTML from a
    /// proxy on a documented status). `trackingId` and `detailCode` are still recovered when the
    /// body is a JSON object that has them.
    #[non_exhaustive]
    InvalidBody {
        /// The HTTP status.
        status: StatusCode,
        /// Status, ids and a snippet of the raw body.
        response: Box<ResponseDetails>,
        /// Why decoding failed.
        source: DecodeError,
    },
    /// A success response whose body is longer than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes): reading
    /// stopped there, so a flood cannot exhaust memory. (An error status past the cap keeps its
    /// own variant, with its body's text cut.)
    #[non_exhaustive]
    BodyTooLarge {
        /// The HTTP status.
        status: StatusCode,
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// A redirect (3xx) response. The SDK never follows redirects: ISC does not send them, and
    /// following one could send credentials to another origin or over plain HTTP.
    #[non_exhaustive]
    Redirect {
        /// The HTTP status (301, 302, 303, 307, 308, ...).
        status: StatusCode,
        /// The `Location` header, if the response had a readable one (shown escaped).
        location: Option<String>,
    },
    /// The call did not finish within the total deadline of
    /// [`RetryConfig::deadline`](crate::RetryConfig::deadline) (attempts, retries, `Retry-After`
    /// pauses and rate-limit waits together).
    #[non_exhaustive]
    DeadlineExceeded {
        /// The deadline that was exceeded.
        deadline: Duration,
        /// The last attempt's error, if an attempt had failed before the deadline (also the
        /// [`source()`](StdError::source)).
        last_error: Option<Box<Error>>,
    },
    /// The request timed out (connect or whole-request timeout).
    #[non_exhaustive]
    Timeout {
        /// The underlying error.
        source: TransportError,
    },
    /// The request could not be sent or the response not read (connection refused or reset,
    /// TLS, DNS, ...).
    #[non_exhaustive]
    Transport {
        /// The underlying error.
        source: TransportError,
    },
    /// A configuration setting is missing or malformed.
    #[non_exhaustive]
    Config {
        /// The setting, e.g. `base URL`, `tenant` or `client secret`.
        setting: &'static str,
        /// What is wrong with it.
        problem: String,
        /// The places that were consulted, in precedence order.
        looked_at: String,
    },
    /// The OAuth2 token request failed. Never contains the client secret.
    #[non_exhaustive]
    Auth {
        /// The token endpoint's status, when it answered.
        status: Option<StatusCode>,
        /// What went wrong, including a bounded, redacted snippet of the token endpoint's body
        /// when it sent one.
        message: String,
        /// The transport error, when there was one.
        source: Option<TransportError>,
    },
    /// An argument was rejected, or a request could not be built, before anything was sent.
    /// Never retried.
    #[non_exhaustive]
    InvalidInput {
        /// The argument, e.g. `account id`.
        what: &'static str,
        /// Why it was rejected.
        problem: String,
    },
    /// A list request (`listAccounts`, `listMachineAccounts`) carrying `filters` was answered
    /// 400: the server could not parse the filter, or does not support a field or operator in
    /// it. Never retried; the server's own answer is the [`source()`](StdError::source).
    #[non_exhaustive]
    FilterRejected {
        /// The `filters` value exactly as it was sent.
        filters: String,
        /// The `sorters` value sent with it (the SDK sends `id` when none was given).
        sorters: Option<String>,
        /// The server's 400 ([`Error::BadRequest`], or another variant when its body was not an
        /// `ErrorResponseDto`).
        rejection: Box<Error>,
    },
    /// A page of a list operation held more items than the `limit` asked for: the server does
    /// not honour paging, so continuing could loop or skip items. Ends a
    /// [`PagedStream`](crate::PagedStream).
    #[non_exhaustive]
    PageTooLong {
        /// The `offset` of the page.
        offset: u64,
        /// The `limit` that was asked for.
        limit: u32,
        /// How many items the page held.
        received: usize,
    },
    /// A page of a list operation started with the same item as a page before it: the server
    /// ignores `offset` (or cycles through pages), so continuing would request pages forever.
    /// Ends a [`PagedStream`](crate::PagedStream).
    #[non_exhaustive]
    PageRepeated {
        /// The `offset` of the repeated page.
        offset: u64,
        /// The id of the item both pages started with.
        ///
        /// (Pages are told apart by their first item's id; each page's is kept, one per page.)
        id: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadRequest { body, .. }
            | Error::Forbidden { body, .. }
            | Error::InternalServerError { body, .. } => {
                write_status(f, self.status())?;
                describe(f, self.status(), body)
            }
            Error::NotFound { body, response } => {
                write_status(f, self.status())?;
                match body {
                    Some(body) => describe(f, self.status(), body),
                    None => raw_snippet(f, response),
                }
            }
            Error::Unauthorized { body, response } => {
                f.write_str("401 Unauthorized")?;
                match body.as_ref().and_then(|b| b.error.as_ref()) {
                    Some(error) => write!(f, ": {}", Shown(&json_text(error))),
                    None => raw_snippet(f, response),
                }
            }
            Error::TooManyRequests {
                body,
                retry_after,
                response,
            } => {
                f.write_str("429 Too Many Requests")?;
                match (body.as_ref().and_then(|b| b.message.as_ref()), response) {
                    (Some(message), _) => write!(f, ": {}", Shown(&json_text(message)))?,
                    (None, Some(response)) => raw_snippet(f, response)?,
                    (None, None) => {}
                }
                if let Some(wait) = retry_after {
                    write!(f, " (retry after {}s)", wait.as_secs_f64())?;
                }
                Ok(())
            }
            Error::UnexpectedStatus {
                status,
                detail,
                response,
                ..
            } => {
                write_status(f, Some(*status))?;
                match detail {
                    Some(detail) => describe(f, Some(*status), detail),
                    None => raw_snippet(f, response),
                }
            }
            Error::InvalidBody {
                status, response, ..
            } => {
                write_status(f, Some(*status))?;
                f.write_str(": response body is not the documented JSON")?;
                if let Some(id) = response.tracking_id() {
                    write!(f, " (trackingId: {})", Shown(id))?;
                }
                raw_snippet(f, response)
            }
            Error::BodyTooLarge { status, limit } => {
                write_status(f, Some(*status))?;
                write!(
                    f,
                    ": response body exceeds the {limit}-byte limit (ClientBuilder::max_response_bytes)"
                )
            }
            Error::Redirect { status, location } => {
                write_status(f, Some(*status))?;
                f.write_str(": redirect not followed")?;
                if let Some(location) = location {
                    write!(f, " (Location: {})", Shown(location))?;
                }
                Ok(())
            }
            Error::DeadlineExceeded { deadline, .. } => {
                write!(f, "deadline of {}s exceeded", deadline.as_secs_f64())
            }
            Error::Timeout { .. } => f.write_str("request timed out"),
            Error::Transport { .. } => f.write_str("transport error"),
            Error::Config {
                setting,
                problem,
                looked_at,
            } => write!(
                f,
                "configuration error: {setting}: {} (looked at: {})",
                Escaped(problem),
                Escaped(looked_at)
            ),
            Error::Auth {
                status, message, ..
            } => {
                f.write_str("authentication failed")?;
                if let Some(status) = status {
                    write!(f, " ({status})")?;
                }
                write!(f, ": {}", Escaped(message))
            }
            Error::InvalidInput { what, problem } => {
                write!(f, "invalid {what}: {}", Escaped(problem))
            }
            Error::FilterRejected {
                filters, sorters, ..
            } => {
                write_status(f, Some(StatusCode::BAD_REQUEST))?;
                write!(f, ": filters `{}` rejected by the server", Shown(filters))?;
                if let Some(sorters) = sorters {
                    write!(f, " (sorters `{}`)", Shown(sorters))?;
                }
                Ok(())
            }
            Error::PageTooLong {
                offset,
                limit,
                received,
            } => write!(
                f,
                "page at offset {offset} holds {received} items, more than the limit of {limit} asked for"
            ),
            Error::PageRepeated { offset, id } => write!(
                f,
                "page at offset {offset} starts with the same item as an earlier page ({}): the server ignores offset or cycles through pages",
                Shown(id)
            ),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::InvalidBody { source, .. } => Some(source),
            Error::DeadlineExceeded {
                last_error: Some(last),
                ..
            } => Some(last.as_ref()),
            Error::Timeout { source } | Error::Transport { source } => Some(source),
            Error::Auth {
                source: Some(source),
                ..
            } => Some(source),
            Error::FilterRejected { rejection, .. } => Some(rejection.as_ref()),
            _ => None,
        }
    }
}

impl Error {
    /// The HTTP status of the response this error came from, if any.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::BadRequest { .. } => Some(StatusCode::BAD_REQUEST),
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            Error::Forbidden { .. } => Some(StatusCode::FORBIDDEN),
            Error::NotFound { .. } => Some(StatusCode::NOT_FOUND),
            Error::TooManyRequests { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::InternalServerError { .. } => Some(StatusCode::INTERNAL_SERVER_ERROR),
            Error::UnexpectedStatus { status, .. }
            | Error::InvalidBody { status, .. }
            | Error::BodyTooLarge { status, .. }
            | Error::Redirect { status, .. } => Some(*status),
            Error::Auth { status, .. } => *status,
            Error::FilterRejected { rejection, .. } => rejection.status(),
            Error::PageTooLong { .. } | Error::PageRepeated { .. } => Some(StatusCode::OK),
            Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::Config { .. }
            | Error::DeadlineExceeded { .. }
            | Error::InvalidInput { .. } => None,
        }
    }

    /// SailPoint's `trackingId` for this error, if the body carried one (as a top-level string,
    /// even when the rest of the body did not decode). Quote it to SailPoint support.
    pub fn tracking_id(&self) -> Option<&str> {
        self.response()?.tracking_id()
    }

    /// SailPoint's `detailCode` for this error (e.g. `400.1 Bad Request Content`), if the body
    /// carried one (as a top-level string, even when the rest of the body did not decode).
    pub fn detail_code(&self) -> Option<&str> {
        self.response()?.detail_code()
    }

    /// The decoded `ErrorResponseDto`, for the statuses that carry one.
    pub fn error_response(&self) -> Option<&ErrorResponseDto> {
        match self {
            Error::BadRequest { body, .. }
            | Error::Forbidden { body, .. }
            | Error::InternalServerError { body, .. } => Some(body),
            Error::UnexpectedStatus { detail, .. } | Error::NotFound { body: detail, .. } => {
                detail.as_deref()
            }
            Error::FilterRejected { rejection, .. } => rejection.error_response(),
            _ => None,
        }
    }

    /// Status, recovered ids and a bounded snippet of the body, for errors that came from an
    /// HTTP response with a readable body.
    pub fn response(&self) -> Option<&ResponseDetails> {
        match self {
            Error::BadRequest { response, .. }
            | Error::Unauthorized { response, .. }
            | Error::Forbidden { response, .. }
            | Error::NotFound { response, .. }
            | Error::InternalServerError { response, .. }
            | Error::UnexpectedStatus { response, .. }
            | Error::InvalidBody { response, .. } => Some(response),
            Error::TooManyRequests { response, .. } => response.as_deref(),
            Error::FilterRejected { rejection, .. } => rejection.response(),
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
        retryable::is_retryable(self)
    }

    /// A short, stable name for the kind of error, handy for metrics and summaries
    /// ([`ErrorKind::as_str`](crate::ErrorKind::as_str) of [`error_kind`](Self::error_kind)).
    /// The complete list is in the table of [`Error`]'s documentation.
    pub fn kind(&self) -> &'static str {
        self.error_kind().as_str()
    }

    /// The kind of error, as a value to match on (a typo does not compile, unlike a string).
    ///
    /// ```
    /// # fn handle(err: sailpoint_v2025::Error) {
    /// use sailpoint_v2025::ErrorKind;
    ///
    /// match err.error_kind() {
    ///     ErrorKind::NotFound => eprintln!("no such account: skipped"),
    ///     ErrorKind::Forbidden => eprintln!("missing scope idn:account:update?"),
    ///     other => eprintln!("{other}: {err}"),
    /// }
    /// # }
    /// ```
    pub fn error_kind(&self) -> ErrorKind {
        match self {
            Error::BadRequest { .. } => ErrorKind::BadRequest,
            Error::Unauthorized { .. } => ErrorKind::Unauthorized,
            Error::Forbidden { .. } => ErrorKind::Forbidden,
            Error::NotFound { .. } => ErrorKind::NotFound,
            Error::TooManyRequests { .. } => ErrorKind::TooManyRequests,
            Error::InternalServerError { .. } => ErrorKind::InternalServerError,
            Error::UnexpectedStatus { .. } => ErrorKind::UnexpectedStatus,
            Error::InvalidBody { .. } => ErrorKind::InvalidBody,
            Error::BodyTooLarge { .. } => ErrorKind::BodyTooLarge,
            Error::Redirect { .. } => ErrorKind::Redirect,
            Error::DeadlineExceeded { .. } => ErrorKind::DeadlineExceeded,
            Error::Timeout { .. } => ErrorKind::Timeout,
            Error::Transport { .. } => ErrorKind::Transport,
            Error::Config { .. } => ErrorKind::Config,
            Error::Auth { .. } => ErrorKind::Auth,
            Error::InvalidInput { .. } => ErrorKind::InvalidInput,
            Error::FilterRejected { .. } => ErrorKind::FilterRejected,
            Error::PageTooLong { .. } => ErrorKind::PageTooLong,
            Error::PageRepeated { .. } => ErrorKind::PageRepeated,
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

    pub(crate) fn invalid_input(what: &'static str, problem: impl Into<String>) -> Self {
        Error::InvalidInput {
            what,
            problem: problem.into(),
        }
    }
}

/// What an error keeps of the HTTP response it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseDetails {
    pub(crate) status: StatusCode,
    pub(crate) tracking_id: Option<String>,
    pub(crate) detail_code: Option<String>,
    pub(crate) body: String,
    pub(crate) body_truncated: bool,
}

impl ResponseDetails {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The body's top-level `trackingId` string, if it had one.
    pub fn tracking_id(&self) -> Option<&str> {
        self.tracking_id.as_deref()
    }

    /// The body's top-level `detailCode` string, if it had one.
    pub fn detail_code(&self) -> Option<&str> {
        self.detail_code.as_deref()
    }

    /// The start of the body (at most 4 KiB), lossily decoded as UTF-8, with secrets redacted.
    /// Raw server text: escape it before showing it anywhere that interprets control
    /// characters (`Error`'s `Display` does).
    pub fn body(&self) -> &str {
        &self.body
    }

    /// Whether [`body`](Self::body) is only the start of a longer body.
    pub fn is_body_truncated(&self) -> bool {
        self.body_truncated
    }
}

/// A failure below HTTP: connecting, TLS, sending the request or reading the response.
///
/// Opaque, so that the SDK's HTTP stack can change without breaking your code; its
/// [`source()`](StdError::source) chain has the details. Cheap to clone (one token request's
/// failure is handed to every call that waited for it).
#[derive(Clone)]
pub struct TransportError {
    inner: std::sync::Arc<reqwest::Error>,
}

impl TransportError {
    pub(crate) fn new(inner: reqwest::Error) -> Self {
        Self {
            inner: std::sync::Arc::new(inner),
        }
    }

    /// Whether connecting failed (refused, DNS, TLS handshake): the request was not sent.
    pub fn is_connect(&self) -> bool {
        self.inner.is_connect()
    }

    /// Whether a timeout expired.
    pub fn is_timeout(&self) -> bool {
        self.inner.is_timeout()
    }

    /// Whether reading the response body failed.
    pub fn is_body(&self) -> bool {
        self.inner.is_body() || self.inner.is_decode()
    }

    /// The underlying `reqwest` error, for the SDK's own decisions (e.g. retries).
    #[allow(dead_code)]
    pub(crate) fn reqwest(&self) -> &reqwest::Error {
        &self.inner
    }
}

impl fmt::Debug for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.inner, f)
    }
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.inner, f)
    }
}

impl StdError for TransportError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.inner.source()
    }
}

/// Why a body is not the documented JSON: the kind and position of the problem.
///
/// The parser's own message is not kept as is: it can quote the offending value, which may be
/// an echoed secret or control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    message: String,
    line: usize,
    column: usize,
    eof: bool,
}

impl DecodeError {
    pub(crate) fn new(
        error: &serde_json::Error,
        redactor: &crate::error::redact::Redactor,
    ) -> Self {
        let message = error.to_string();
        let message = redactor.redact(&message);
        Self {
            message: Shown(&message).to_string(),
            line: error.line(),
            column: error.column(),
            eof: error.is_eof(),
        }
    }

    /// The line (from 1) where decoding failed.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The column (from 1) where decoding failed.
    pub fn column(&self) -> usize {
        self.column
    }

    /// Whether the body ended early (truncated JSON).
    pub fn is_eof(&self) -> bool {
        self.eof
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for DecodeError {}

fn write_status(f: &mut fmt::Formatter<'_>, status: Option<StatusCode>) -> fmt::Result {
    match status {
        Some(status) => write!(f, "{status}"),
        None => Ok(()),
    }
}

/// `: <detailCode>: <first message> (trackingId: <id>)`, skipping the parts that are absent,
/// and the detailCode when it only repeats the status already shown (`404 Not found`).
fn describe(
    f: &mut fmt::Formatter<'_>,
    status: Option<StatusCode>,
    body: &ErrorResponseDto,
) -> fmt::Result {
    if let Some(code) = &body.detail_code
        && !repeats_status(code, status)
    {
        write!(f, ": {}", Shown(code))?;
    }
    let first_text = body
        .messages
        .iter()
        .flatten()
        .chain(body.causes.iter().flatten())
        .find_map(|m| m.text.as_deref());
    if let Some(text) = first_text {
        write!(f, ": {}", Shown(text))?;
    }
    if let Some(id) = &body.tracking_id {
        write!(f, " (trackingId: {})", Shown(id))?;
    }
    Ok(())
}

/// Whether a detailCode says no more than the status line (`403 Forbidden`, `404 Not found`,
/// in any case); `400.1 Bad Request Content` says more.
fn repeats_status(code: &str, status: Option<StatusCode>) -> bool {
    let Some(status) = status else {
        return false;
    };
    let code = code.trim();
    code.eq_ignore_ascii_case(status.as_str())
        || status.canonical_reason().is_some_and(|reason| {
            code.eq_ignore_ascii_case(&format!("{} {reason}", status.as_u16()))
        })
}

fn json_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `: <the start of the body>`, escaped, when the body is not blank.
fn raw_snippet(f: &mut fmt::Formatter<'_>, response: &ResponseDetails) -> fmt::Result {
    if response.body.trim().is_empty() {
        return Ok(());
    }
    write!(f, ": {}", Shown(&response.body))
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
    use crate::runtime::response::decode_error;

    fn decode(status: u16, body: &str) -> Error {
        decode_error(
            StatusCode::from_u16(status).expect("status"),
            None,
            body.as_bytes(),
            &crate::error::redact::Redactor::default(),
        )
    }

    #[test]
    fn display_shows_status_detail_code_first_message_and_tracking_id() {
        let err = decode(
            403,
            r#"{"detailCode":"403 Forbidden","trackingId":"b21b","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"No."}]}"#,
        );
        assert_eq!(err.to_string(), "403 Forbidden: No. (trackingId: b21b)");
        assert_eq!(err.status(), Some(StatusCode::FORBIDDEN));
        assert_eq!(err.tracking_id(), Some("b21b"));
        assert_eq!(err.kind(), "forbidden");
    }

    #[test]
    fn a_404_is_not_found_and_says_it_once() {
        let err = decode(
            404,
            r#"{"detailCode":"404 Not found","trackingId":"c0ffee","messages":[{"locale":"en-US","text":"The account with id a1 was not found."}]}"#,
        );
        assert!(
            matches!(err, Error::NotFound { body: Some(_), .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "404 Not Found: The account with id a1 was not found. (trackingId: c0ffee)"
        );
        assert_eq!(
            (err.kind(), err.error_kind()),
            ("not_found", ErrorKind::NotFound)
        );
        assert!(!err.is_retryable());
        // A detailCode that says more than the status line is kept.
        let err = decode(400, r#"{"detailCode":"400.1 Bad Request Content"}"#);
        assert_eq!(
            err.to_string(),
            "400 Bad Request: 400.1 Bad Request Content"
        );
        // Any other body: still NotFound, with the body kept raw.
        let err = decode(404, "<html>gone</html>");
        assert!(matches!(err, Error::NotFound { body: None, .. }), "{err:?}");
        assert_eq!(err.to_string(), "404 Not Found: <html>gone</html>");
    }

    #[test]
    fn kind_strings_are_the_error_kinds_strings() {
        for (status, kind) in [
            (400, "bad_request"),
            (401, "unauthorized"),
            (418, "unexpected_status"),
        ] {
            let err = decode(status, "{}");
            assert_eq!(err.kind(), kind);
            assert_eq!(err.error_kind().to_string(), kind);
        }
    }

    #[test]
    fn unexpected_status_keeps_raw_body_and_optional_detail() {
        let err = decode(502, "<html>Bad Gateway</html>");
        assert_eq!(err.to_string(), "502 Bad Gateway: <html>Bad Gateway</html>");
        assert_eq!(err.tracking_id(), None);
    }

    #[test]
    fn too_many_requests_reports_retry_after() {
        let err = decode_error(
            StatusCode::TOO_MANY_REQUESTS,
            Some(Duration::from_secs(3)),
            br#"{"message":" Rate Limit Exceeded "}"#,
            &crate::error::redact::Redactor::default(),
        );
        assert_eq!(
            err.to_string(),
            "429 Too Many Requests: Rate Limit Exceeded (retry after 3s)"
        );
        assert_eq!(err.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn display_escapes_server_text_and_never_repeats_the_source() {
        let err = decode(
            500,
            "{\"trackingId\":\"t\u{1b}[2J\",\"causes\":[null]}\r\nX-Fake: 1",
        );
        let shown = err.to_string();
        assert!(!shown.contains('\u{1b}') && !shown.contains('\r') && !shown.contains('\n'));
        assert!(shown.contains("\\u{1b}[2J"), "{shown}");
        let source = StdError::source(&err).expect("a decode error").to_string();
        assert!(!shown.contains(&source), "{shown} repeats {source}");
    }
}
