//! Counters and request logs for assertions.

use std::collections::BTreeMap;

use axum::http::HeaderMap;
use axum::http::request::Parts;
use chrono::{DateTime, Utc};

use crate::faults::Fault;

/// A snapshot of the emulator's counters ([`Emulator::counters`]); reset
/// with [`Emulator::reset_counters`].
///
/// [`Emulator::counters`]: crate::Emulator::counters
/// [`Emulator::reset_counters`]: crate::Emulator::reset_counters
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Classify requests received (every `POST /v2025/accounts/{id}/classify`,
    /// whatever the outcome, counted on arrival).
    pub classify_requests: u64,
    /// Classify responses sent, by status code (a dropped connection sends
    /// none; a request whose client went away before the answer is not
    /// counted here).
    pub classify_responses: BTreeMap<u16, u64>,
    /// Classify requests per account id (the decoded path segment), counted
    /// on arrival whatever the outcome.
    pub per_account: BTreeMap<String, u64>,
    /// Requests to the six source operations (`/v2025/sources/{sourceId}/classify`
    /// and `/v2025/sources/{sourceId}/machine-classification-config`), counted
    /// on arrival whatever the outcome.
    pub source_requests: u64,
    /// Source operation responses sent, by status code.
    pub source_responses: BTreeMap<u16, u64>,
    /// Requests to the account read operations (`listAccounts`, `listMachineAccounts`,
    /// `getMachineAccount`), counted on arrival whatever the outcome.
    pub account_read_requests: u64,
    /// EmulatedAccount read responses sent, by status code.
    pub account_read_responses: BTreeMap<u16, u64>,
    /// Requests per operationId (`sendClassifyMachineAccount`,
    /// `getClassifyMachineAccountFromSourceStatus`, …), counted on arrival.
    pub per_operation: BTreeMap<String, u64>,
    /// Requests to `POST /oauth/token`.
    pub token_requests: u64,
    /// Tokens issued by the token endpoint (not by
    /// [`Emulator::issue_token`](crate::Emulator::issue_token)).
    pub tokens_issued: u64,
    /// Token requests that did not issue a token: OAuth errors and every
    /// faulted request (even a 200 with truncated JSON), except
    /// [`Fault::Delay`], which is followed by normal handling.
    pub token_failures: u64,
    /// 429 responses sent on any endpoint, by the rate limiter or by faults.
    pub rate_limited: u64,
    /// Faults applied (each application of a queued fault counts once, on
    /// either endpoint).
    pub faults_applied: u64,
    /// Connections closed without a response by [`Fault::DropConnection`].
    pub dropped_connections: u64,
    /// Requests to any other path or with another method (answered 404/405).
    pub unmatched_requests: u64,
}

impl Counters {
    /// Classify responses sent with this status.
    pub fn classify_status(&self, status: u16) -> u64 {
        self.classify_responses.get(&status).copied().unwrap_or(0)
    }

    /// Requests received for this operationId.
    pub fn operation_calls(&self, operation_id: &str) -> u64 {
        self.per_operation.get(operation_id).copied().unwrap_or(0)
    }

    /// Classify requests received for this account id.
    pub fn account_calls(&self, account_id: &str) -> u64 {
        self.per_account.get(account_id).copied().unwrap_or(0)
    }
}

/// One API request as the emulator received it ([`Emulator::requests`]):
/// single-account classify requests and the six source operations.
///
/// Token values are never recorded: only whether an `Authorization` header
/// was present, and which client the token belonged to.
///
/// [`Emulator::requests`]: crate::Emulator::requests
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedRequest {
    /// Sequence number of the request: 0 for the first classify request the
    /// emulator received, then counting up (not reset by
    /// [`Emulator::reset_counters`](crate::Emulator::reset_counters)).
    pub seq: u64,
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
    /// The operationId the request was routed to.
    pub operation: &'static str,
    /// The HTTP method.
    pub method: String,
    /// The raw path as sent (still percent-encoded), e.g.
    /// `/v2025/accounts/abc/classify`.
    pub path: String,
    /// The raw query string without `?`, if any.
    pub query: Option<String>,
    /// The account id (the decoded path segment); empty for source operations.
    pub account_id: String,
    /// The source id (the decoded path segment) of a source operation.
    pub source_id: Option<String>,
    /// The raw `classificationMode` value, if the parameter was present.
    pub classification_mode: Option<String>,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `X-SailPoint-Experimental` header.
    pub experimental: Option<String>,
    /// The `Accept` header.
    pub accept: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The `api-version` header (progenitor-generated clients send one).
    pub api_version: Option<String>,
    /// Whether an `Authorization` header was present (its value is not kept).
    pub has_authorization: bool,
    /// The client the bearer token was issued to, if the token was known
    /// (expired tokens included).
    pub client_id: Option<String>,
    /// The names of all request headers, lowercase, in arrival order.
    pub header_names: Vec<String>,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
    /// The response status; `None` while the request is in flight, if the
    /// connection was dropped by a fault, or if the client went away first.
    pub status: Option<u16>,
}

impl ReceivedRequest {
    pub(crate) fn from_parts(seq: u64, parts: &Parts, account_id: String) -> Self {
        let headers = &parts.headers;
        Self {
            seq,
            received_at: Utc::now(),
            operation: "sendClassifyMachineAccount",
            method: parts.method.as_str().to_owned(),
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            account_id,
            source_id: None,
            classification_mode: None,
            user_agent: header(headers, "user-agent"),
            experimental: header(headers, "x-sailpoint-experimental"),
            accept: header(headers, "accept"),
            content_type: header(headers, "content-type"),
            api_version: header(headers, "api-version"),
            has_authorization: headers.contains_key("authorization"),
            client_id: None,
            header_names: headers.keys().map(|k| k.as_str().to_owned()).collect(),
            fault: None,
            status: None,
        }
    }
}

/// One token request as the emulator received it
/// ([`Emulator::token_requests`]). Secrets are never recorded.
///
/// [`Emulator::token_requests`]: crate::Emulator::token_requests
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedTokenRequest {
    /// When the request arrived.
    pub received_at: DateTime<Utc>,
    /// The `grant_type` sent, if any.
    pub grant_type: Option<String>,
    /// The `client_id` sent, if any.
    pub client_id: Option<String>,
    /// Where the client credentials came from: `"form"` (body),
    /// `"query"` (query string), `"basic"` (HTTP Basic) or `"none"`.
    pub credentials_in: &'static str,
    /// The `User-Agent` header.
    pub user_agent: Option<String>,
    /// The `Content-Type` header.
    pub content_type: Option<String>,
    /// The fault applied to this request, if any.
    pub fault: Option<Fault>,
    /// The response status (`None` if the connection was dropped).
    pub status: Option<u16>,
}

/// A header value as a string (lossy for non-UTF-8 bytes).
pub(crate) fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}
