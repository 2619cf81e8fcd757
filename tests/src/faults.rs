//! Fault injection: queued misbehaviours applied to the next requests.

use std::collections::VecDeque;
use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::responses;
use crate::state::Shared;

/// A misbehaviour the emulator applies to a request instead of (or before)
/// its normal handling. Queue faults with [`Emulator::inject`],
/// [`Emulator::fail_next`] (classify calls) or [`Emulator::fail_next_token`]
/// (token requests).
///
/// A faulted request is still logged and counted (see
/// [`Counters::faults_applied`]), but it does not consume rate-limit budget
/// and does not change any account, except after a [`Fault::Delay`], which
/// only delays normal handling.
///
/// [`Emulator::inject`]: crate::Emulator::inject
/// [`Emulator::fail_next`]: crate::Emulator::fail_next
/// [`Emulator::fail_next_token`]: crate::Emulator::fail_next_token
/// [`Counters::faults_applied`]: crate::Counters::faults_applied
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fault {
    /// Answers with this status and an `ErrorResponseDto` JSON body with a
    /// fresh `trackingId`. Two statuses are special: `401` answers
    /// `{"error": "JWT validation failed: JWT is expired"}` (on the token
    /// endpoint: an OAuth `invalid_client` body), and `429` answers like
    /// [`Fault::RateLimited`] with `Retry-After: 1`. On the token endpoint
    /// `400` answers an OAuth `invalid_request` body. A number that is not a
    /// valid HTTP status becomes 500.
    Status(u16),
    /// Answers 429 with `{"message": " Rate Limit Exceeded "}` and the given
    /// raw `Retry-After` value (e.g. `"2"`, an HTTP-date, or garbage), or no
    /// `Retry-After` header at all for `None`.
    RateLimited {
        /// The raw `Retry-After` header value, if any.
        retry_after: Option<String>,
    },
    /// Answers 401 `{"error": "JWT validation failed: JWT is expired"}`, as
    /// if the caller's token had expired.
    ExpiredToken,
    /// Waits this long, then handles the request normally (for timeout
    /// tests: a client that gives up earlier sees a timeout).
    Delay(Duration),
    /// Answers this status with an HTML body (`content-type: text/html`),
    /// like a proxy or load balancer in front of ISC, e.g. for 502:
    /// `<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1></body></html>`.
    Html(u16),
    /// Answers 200 with `content-type: application/json` and a truncated
    /// JSON body: `{"isMach` on classify, `{"access_token":"` on the token
    /// endpoint.
    TruncatedJson,
    /// Closes the TCP connection without writing any response: the client
    /// sees a connection error (reqwest: an error whose source is hyper's
    /// "connection closed before message completed").
    DropConnection,
    /// Answers exactly this status, content type and body (a status that is
    /// not valid becomes 500).
    Raw {
        /// The status code.
        status: u16,
        /// The `content-type` header value.
        content_type: String,
        /// The body.
        body: String,
    },
}

/// Which endpoint a fault queue serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Classify,
    Token,
}

/// Marker placed in a response's extensions: the connection task closes the
/// connection instead of sending the response.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

#[derive(Debug)]
struct Entry {
    id: u64,
    fault: Fault,
    remaining: usize,
}

/// A FIFO of faults, each applied `remaining` more times.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    entries: VecDeque<Entry>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, id: u64, fault: Fault, times: usize) {
        if times > 0 {
            self.entries.push_back(Entry {
                id,
                fault,
                remaining: times,
            });
        }
    }

    /// Sets the remaining count of entry `id` (0 removes it). Returns false
    /// if the entry is already used up.
    pub(crate) fn set_times(&mut self, id: u64, times: usize) -> bool {
        let Some(pos) = self.entries.iter().position(|e| e.id == id) else {
            return false;
        };
        if times == 0 {
            self.entries.remove(pos);
        } else if let Some(entry) = self.entries.get_mut(pos) {
            entry.remaining = times;
        }
        true
    }

    /// Takes one application of the first queued fault.
    pub(crate) fn pop(&mut self) -> Option<Fault> {
        let entry = self.entries.front_mut()?;
        entry.remaining = entry.remaining.saturating_sub(1);
        let fault = entry.fault.clone();
        if entry.remaining == 0 {
            self.entries.pop_front();
        }
        Some(fault)
    }

    /// Applications left, summed over all entries.
    pub(crate) fn pending(&self) -> usize {
        self.entries.iter().map(|e| e.remaining).sum()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}

/// A fault just queued by [`Emulator::inject`] or
/// [`Emulator::inject_token_fault`]: it applies once unless
/// [`InjectedFault::times`] changes that.
///
/// [`Emulator::inject`]: crate::Emulator::inject
/// [`Emulator::inject_token_fault`]: crate::Emulator::inject_token_fault
#[derive(Debug)]
pub struct InjectedFault<'a> {
    pub(crate) shared: &'a Shared,
    pub(crate) endpoint: Endpoint,
    pub(crate) id: u64,
}

impl InjectedFault<'_> {
    /// Applies the fault to `n` requests in a row instead of one (`0`
    /// withdraws it). Returns `false` if the fault had already been used up
    /// by the time of this call (then nothing changes).
    pub fn times(self, n: usize) -> bool {
        self.shared
            .with_state(|s| s.faults_mut(self.endpoint).set_times(self.id, n))
    }
}

/// The response a fault produces (`None` for [`Fault::Delay`], which means:
/// handle normally after the delay).
pub(crate) fn render(fault: &Fault, endpoint: Endpoint) -> Option<Response> {
    let response = match fault {
        Fault::Delay(_) => return None,
        Fault::Status(code) => {
            let status = status_or_500(*code);
            match (status.as_u16(), endpoint) {
                (429, _) => responses::rate_limited(Some("1"), None),
                (401, Endpoint::Classify) => responses::jwt_error("JWT is expired"),
                (401, Endpoint::Token) => responses::oauth_error(
                    StatusCode::UNAUTHORIZED,
                    "invalid_client",
                    "Bad credentials",
                ),
                (400, Endpoint::Token) => responses::oauth_error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Injected fault: invalid request",
                ),
                _ => responses::error_dto(
                    status,
                    &format!("Injected fault: status {}", status.as_u16()),
                ),
            }
        }
        Fault::RateLimited { retry_after } => responses::rate_limited(retry_after.as_deref(), None),
        Fault::ExpiredToken => responses::jwt_error("JWT is expired"),
        Fault::Html(code) => {
            let status = status_or_500(*code);
            let reason = status.canonical_reason().unwrap_or("Error");
            let body = format!(
                "<html><head><title>{code} {reason}</title></head><body><h1>{code} {reason}</h1></body></html>",
                code = status.as_u16()
            );
            raw(status, "text/html", body)
        }
        Fault::TruncatedJson => {
            let body = match endpoint {
                Endpoint::Classify => r#"{"isMach"#,
                Endpoint::Token => r#"{"access_token":""#,
            };
            raw(StatusCode::OK, "application/json", body.to_owned())
        }
        Fault::DropConnection => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(DropConnection);
            response
        }
        Fault::Raw {
            status,
            content_type,
            body,
        } => raw(status_or_500(*status), content_type, body.clone()),
    };
    Some(response)
}

fn status_or_500(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn raw(status: StatusCode, content_type: &str, body: String) -> Response {
    let mut response = (status, body).into_response();
    let value = HeaderValue::from_str(content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    response.headers_mut().insert(header::CONTENT_TYPE, value);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_counts() {
        let mut q = FaultQueue::default();
        q.push(1, Fault::Status(500), 2);
        q.push(2, Fault::TruncatedJson, 1);
        q.push(3, Fault::Html(502), 0);
        assert_eq!(q.pending(), 3);
        assert_eq!(q.pop(), Some(Fault::Status(500)));
        assert!(q.set_times(1, 3));
        assert_eq!(q.pending(), 4);
        assert!(q.set_times(1, 0));
        assert!(!q.set_times(1, 1));
        assert_eq!(q.pop(), Some(Fault::TruncatedJson));
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn rendering() {
        let r = render(&Fault::Status(1000), Endpoint::Classify);
        assert_eq!(
            r.map(|r| r.status()),
            Some(StatusCode::INTERNAL_SERVER_ERROR)
        );
        assert!(render(&Fault::Delay(Duration::ZERO), Endpoint::Token).is_none());
        let r = render(&Fault::DropConnection, Endpoint::Classify);
        assert!(r.is_some_and(|r| r.extensions().get::<DropConnection>().is_some()));
        let r = render(
            &Fault::Raw {
                status: 418,
                content_type: "bad\nvalue".into(),
                body: "x".into(),
            },
            Endpoint::Classify,
        );
        assert_eq!(r.map(|r| r.status().as_u16()), Some(418));
    }
}
