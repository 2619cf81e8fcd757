//! `POST /v2025/accounts/{id}/classify`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::json;

use crate::accounts::ServerClassificationMode;
use crate::admission::{Scope, admit};
use crate::counters::ReceivedRequest;
use crate::faults::{self, Endpoint, Fault};
use crate::responses;
use crate::state::{Shared, State as Inner};

/// The route, in axum's syntax.
pub(crate) const ROUTE: &str = "/v2025/accounts/{id}/classify";

/// The handler: logs and counts the request, applies a queued fault, else
/// answers as described in the crate docs.
pub(crate) async fn classify_handler(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    // The operation has no request body; it is not read.
    let (parts, _body) = request.into_parts();
    let account_id = account_id(parts.uri.path());
    let mode = mode_param(&parts);

    let (seq, fault) = shared.with_state(|s| {
        let seq = s.next_seq;
        s.next_seq += 1;
        s.counters.classify_requests += 1;
        *s.counters
            .per_account
            .entry(account_id.clone())
            .or_insert(0) += 1;
        let fault = s.classify_faults.pop();
        if fault.is_some() {
            s.counters.faults_applied += 1;
        }
        let mut entry = ReceivedRequest::from_parts(seq, &parts, account_id.clone());
        entry.classification_mode = match &mode {
            Ok(m) => m.clone(),
            Err(()) => None,
        };
        entry.fault = fault.clone();
        s.log_request(entry);
        (seq, fault)
    });

    if let Some(fault) = &fault {
        if let Some(response) = faults::render(fault, Endpoint::Classify) {
            return finish(&shared, seq, response);
        }
        if let Fault::Delay(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }

    let response = shared.with_state(|s| answer(s, seq, &parts, &account_id, mode));
    finish(&shared, seq, response)
}

fn finish(shared: &Shared, seq: u64, response: Response) -> Response {
    shared.record_response(seq, response, |c| &mut c.classify_responses)
}

/// The account id: the decoded path segment between `/v2025/accounts/` and
/// `/classify` (the router guarantees the shape).
fn account_id(path: &str) -> String {
    let segment = path
        .strip_prefix("/v2025/accounts/")
        .and_then(|rest| rest.strip_suffix("/classify"))
        .unwrap_or_default();
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// The raw `classificationMode` value (first occurrence), `Err` for a query
/// string that cannot be parsed.
fn mode_param(parts: &Parts) -> Result<Option<String>, ()> {
    let query = parts.uri.query().unwrap_or("");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|_| ())?;
    Ok(pairs
        .into_iter()
        .find(|(k, _)| k == "classificationMode")
        .map(|(_, v)| v))
}

/// The normal answer, in ISC's order of checks: token (401), rate limit
/// (429), scope (403), experimental header (400), mode (400), account (404).
fn answer(
    s: &mut Inner,
    seq: u64,
    parts: &Parts,
    account_id: &str,
    mode: Result<Option<String>, ()>,
) -> Response {
    if let Err(response) = admit(s, seq, parts, Scope::AccountUpdate) {
        return response;
    }

    // 5. Classification mode.
    let mode = match mode {
        Err(()) => {
            return responses::error_dto(StatusCode::BAD_REQUEST, "Malformed query string.");
        }
        Ok(None) => ServerClassificationMode::Default,
        Ok(Some(raw)) => match raw.parse::<ServerClassificationMode>() {
            Ok(mode) => mode,
            Err(e) => return responses::error_dto(StatusCode::BAD_REQUEST, &e.to_string()),
        },
    };

    // 6. EmulatedAccount.
    let Some(account) = s.accounts.get(account_id) else {
        return responses::error_dto(
            StatusCode::NOT_FOUND,
            &format!("The account with id '{account_id}' was not found."),
        );
    };
    let by_criteria = s.machine_verdict(account);
    let Some(account) = s.accounts.get_mut(account_id) else {
        return responses::error_dto(StatusCode::NOT_FOUND, "The account disappeared.");
    };
    let is_machine = account.apply_with(mode, by_criteria);
    (StatusCode::OK, Json(json!({ "isMachine": is_machine }))).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_decoded() {
        assert_eq!(account_id("/v2025/accounts/abc/classify"), "abc");
        assert_eq!(account_id("/v2025/accounts/a%20b%2Fc/classify"), "a b/c");
        assert_eq!(account_id("/other"), "");
    }
}
