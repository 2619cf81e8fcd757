//! The checks every `/v2025` operation makes before its own, in ISC's order:
//! bearer token (401), rate limit (429), scope (403), experimental opt-in (400).

use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::Response;
use std::time::Instant;

use crate::auth::TokenCheck;
use crate::responses;
use crate::state::State;

/// The scope an operation needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scope {
    /// `idn:account:update` (or `sp:scopes:all`).
    AccountUpdate,
    /// `idn:sources:read`, `idn:sources:manage` (or `sp:scopes:all`).
    SourcesRead,
    /// `idn:sources:manage` (or `sp:scopes:all`).
    SourcesManage,
}

impl Scope {
    fn name(self) -> &'static str {
        match self {
            Scope::AccountUpdate => "idn:account:update",
            Scope::SourcesRead => "idn:sources:read",
            Scope::SourcesManage => "idn:sources:manage",
        }
    }
}

/// Runs the checks; `Ok` with the caller's client id, or the error response. Records the
/// client in the request log entry `seq`.
// The error is the response itself, returned once per request: boxing it buys nothing.
#[allow(clippy::result_large_err)]
pub(crate) fn admit(
    s: &mut State,
    seq: u64,
    parts: &Parts,
    scope: Scope,
) -> Result<String, Response> {
    let client_id = admit_stable(s, seq, parts, scope)?;

    // 4. Experimental opt-in.
    let experimental = parts
        .headers
        .get("x-sailpoint-experimental")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"));
    if !experimental {
        return Err(responses::error_dto(
            StatusCode::BAD_REQUEST,
            "This is an experimental endpoint. Set the header X-SailPoint-Experimental: true to use it.",
        ));
    }
    Ok(client_id)
}

/// Checks 1–3 only (token, rate limit, scope): for operations that are not experimental
/// upstream (`listAccounts`, `listMachineAccounts`, `getMachineAccount`).
#[allow(clippy::result_large_err)]
pub(crate) fn admit_stable(
    s: &mut State,
    seq: u64,
    parts: &Parts,
    scope: Scope,
) -> Result<String, Response> {
    let now = Instant::now();

    // 1. Bearer token.
    let Some(authorization) = parts.headers.get(header::AUTHORIZATION) else {
        return Err(responses::jwt_error("JWT is missing"));
    };
    let token = authorization
        .to_str()
        .ok()
        .and_then(|v| v.trim().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim());
    let Some(token) = token else {
        return Err(responses::jwt_error("JWT is malformed"));
    };
    let check = s.tokens.check(token, now);
    let client = match &check {
        TokenCheck::Valid { client_id, .. } | TokenCheck::Expired { client_id } => {
            Some(client_id.clone())
        }
        TokenCheck::Unknown => None,
    };
    s.update_request(seq, |r| r.client_id = client);
    let (client_id, allowed) = match check {
        TokenCheck::Valid {
            client_id,
            may_classify,
            may_read_sources,
            may_manage_sources,
        } => {
            let allowed = match scope {
                Scope::AccountUpdate => may_classify,
                Scope::SourcesRead => may_read_sources,
                Scope::SourcesManage => may_manage_sources,
            };
            (client_id, allowed)
        }
        TokenCheck::Expired { .. } => return Err(responses::jwt_error("JWT is expired")),
        TokenCheck::Unknown => return Err(responses::jwt_error("JWT is invalid")),
    };

    // 2. Rate limit per client.
    if let Err(remaining) = s.limiter.check(&client_id, now) {
        return Err(responses::rate_limit_exceeded(remaining));
    }

    // 3. Scope.
    if !allowed {
        return Err(responses::error_dto(
            StatusCode::FORBIDDEN,
            &format!(
                "The server understood the request but refuses to authorize it: the token lacks the scope {}.",
                scope.name()
            ),
        ));
    }

    Ok(client_id)
}
