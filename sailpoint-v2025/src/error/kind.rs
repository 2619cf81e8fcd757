//! [`ErrorKind`]: the kind of an [`Error`](crate::Error) as a value to match on, next to its
//! stable string ([`Error::kind`](crate::Error::kind)).

use std::fmt;

/// What kind of error an [`Error`](crate::Error) is, from
/// [`Error::error_kind`](crate::Error::error_kind).
///
/// A typo in a match arm does not compile, unlike a match on the string of
/// [`Error::kind`](crate::Error::kind); [`as_str`](Self::as_str) and `Display` give that same
/// string (for metrics and logs). New kinds may be added, so a `match` needs a `_` arm.
///
/// ```
/// use sailpoint_v2025::{Error, ErrorKind};
///
/// fn should_skip(err: &Error) -> bool {
///     match err.error_kind() {
///         ErrorKind::NotFound | ErrorKind::BadRequest => true,
///         _ => false,
///     }
/// }
/// # let _ = should_skip;
/// assert_eq!(ErrorKind::NotFound.as_str(), "not_found");
/// assert_eq!(ErrorKind::TooManyRequests.to_string(), "too_many_requests");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// `bad_request`: 400.
    BadRequest,
    /// `unauthorized`: 401.
    Unauthorized,
    /// `forbidden`: 403.
    Forbidden,
    /// `not_found`: 404 (an unknown account or source id), on every operation.
    NotFound,
    /// `too_many_requests`: 429, or the client's pause after one.
    TooManyRequests,
    /// `internal_server_error`: 500.
    InternalServerError,
    /// `unexpected_status`: any other status.
    UnexpectedStatus,
    /// `invalid_body`: a body that is not the documented JSON.
    InvalidBody,
    /// `body_too_large`: a body over the configured cap.
    BodyTooLarge,
    /// `redirect`: a 3xx, never followed.
    Redirect,
    /// `deadline_exceeded`: the call's total deadline passed.
    DeadlineExceeded,
    /// `timeout`: a request timed out.
    Timeout,
    /// `transport`: connecting, TLS, sending or reading failed.
    Transport,
    /// `config`: a missing or malformed setting.
    Config,
    /// `auth`: the token request failed.
    Auth,
    /// `invalid_input`: an argument was rejected before anything was sent.
    InvalidInput,
    /// `filter_rejected`: the server answered a list request's `filters`/`sorters` with 400.
    FilterRejected,
    /// `page_too_long`: a list page longer than the limit asked for.
    PageTooLong,
    /// `page_repeated`: a server that ignores `offset` sent the same full page again.
    PageRepeated,
}

impl ErrorKind {
    /// The stable string of this kind (the value of [`Error::kind`](crate::Error::kind)).
    pub const fn as_str(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "bad_request",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::TooManyRequests => "too_many_requests",
            ErrorKind::InternalServerError => "internal_server_error",
            ErrorKind::UnexpectedStatus => "unexpected_status",
            ErrorKind::InvalidBody => "invalid_body",
            ErrorKind::BodyTooLarge => "body_too_large",
            ErrorKind::Redirect => "redirect",
            ErrorKind::DeadlineExceeded => "deadline_exceeded",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Transport => "transport",
            ErrorKind::Config => "config",
            ErrorKind::Auth => "auth",
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::FilterRejected => "filter_rejected",
            ErrorKind::PageTooLong => "page_too_long",
            ErrorKind::PageRepeated => "page_repeated",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
