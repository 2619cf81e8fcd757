//! Which errors are transient: the rule behind [`Error::is_retryable`](crate::Error::is_retryable),
//! which the runtime's retry decision builds on (the error knows what it is; the runtime decides
//! what to do about it).

use reqwest::StatusCode;

use crate::Error;

/// Whether a status is worth another attempt: 429, and 5xx except 501.
pub(crate) fn is_retryable_status(status: StatusCode) -> bool {
    status == StatusCode::TOO_MANY_REQUESTS
        || (status.is_server_error() && status != StatusCode::NOT_IMPLEMENTED)
}

/// Whether another attempt of an idempotent call may succeed.
pub(crate) fn is_retryable(error: &Error) -> bool {
    match error {
        Error::TooManyRequests { .. }
        | Error::InternalServerError { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. } => true,
        Error::UnexpectedStatus { status, .. } | Error::InvalidBody { status, .. } => {
            is_retryable_status(*status)
        }
        // No status: the token endpoint could not be reached or did not answer in time.
        // A status: 429 and 5xx are transient; 400/401 (rejected credentials) and a 200 with an
        // unusable token are not.
        Error::Auth { status, .. } => status.is_none_or(is_retryable_status),
        _ => false,
    }
}
