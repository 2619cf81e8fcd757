//! The six source operations: `POST`/`GET`/`DELETE /v2025/sources/{sourceId}/classify`
//! and `GET`/`PUT`/`DELETE /v2025/sources/{sourceId}/machine-classification-config`.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::body::to_bytes;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::admission::{Scope, admit};
use crate::counters::ReceivedRequest;
use crate::faults::{self, Endpoint, Fault};
use crate::machine_config;
use crate::responses;
use crate::sources::{Job, Stopped};
use crate::state::{Shared, State as Inner};

/// The classification job route, in axum's syntax.
pub(crate) const CLASSIFY_ROUTE: &str = "/v2025/sources/{sourceId}/classify";
/// The config route, in axum's syntax.
pub(crate) const CONFIG_ROUTE: &str = "/v2025/sources/{sourceId}/machine-classification-config";
/// Largest config body read (larger bodies get 400).
const MAX_BODY_BYTES: usize = 256 * 1024;

/// One of the six operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    StartJob,
    JobStatus,
    CancelJob,
    GetConfig,
    SetConfig,
    DeleteConfig,
}

impl Op {
    fn id(self) -> &'static str {
        match self {
            Op::StartJob => "sendClassifyMachineAccountFromSource",
            Op::JobStatus => "getClassifyMachineAccountFromSourceStatus",
            Op::CancelJob => "deleteClassifyMachineAccountFromSource",
            Op::GetConfig => "getMachineClassificationConfig",
            Op::SetConfig => "setMachineClassificationConfig",
            Op::DeleteConfig => "deleteMachineClassificationConfig",
        }
    }

    fn scope(self) -> Scope {
        match self {
            Op::StartJob | Op::JobStatus | Op::CancelJob => Scope::AccountUpdate,
            Op::GetConfig => Scope::SourcesRead,
            Op::SetConfig | Op::DeleteConfig => Scope::SourcesManage,
        }
    }
}

pub(crate) async fn start_job(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::StartJob).await
}

pub(crate) async fn job_status(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::JobStatus).await
}

pub(crate) async fn cancel_job(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::CancelJob).await
}

pub(crate) async fn get_config(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::GetConfig).await
}

pub(crate) async fn set_config(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::SetConfig).await
}

pub(crate) async fn delete_config(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op::DeleteConfig).await
}

/// Logs and counts the request, applies a queued fault, else answers.
async fn handle(shared: &Shared, request: Request, op: Op) -> Response {
    let (parts, body) = request.into_parts();
    let source_id = source_id(parts.uri.path());
    let (seq, fault) = shared.with_state(|s| {
        let seq = s.next_seq;
        s.next_seq += 1;
        s.counters.source_requests += 1;
        *s.counters
            .per_operation
            .entry(op.id().to_owned())
            .or_insert(0) += 1;
        let fault = s.classify_faults.pop();
        if fault.is_some() {
            s.counters.faults_applied += 1;
        }
        let mut entry = ReceivedRequest::from_parts(seq, &parts, String::new());
        entry.operation = op.id();
        entry.source_id = Some(source_id.clone());
        entry.fault = fault.clone();
        s.log_request(entry);
        (seq, fault)
    });
    if let Some(fault) = &fault {
        if let Some(response) = faults::render(fault, Endpoint::Classify) {
            return finish(shared, seq, response);
        }
        if let Fault::Delay(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
    // The body (only `PUT` has one) is read before the state is locked.
    let body = if op == Op::SetConfig {
        to_bytes(body, MAX_BODY_BYTES).await.ok()
    } else {
        None
    };
    let response = shared.with_state(|s| answer(s, seq, &parts, &source_id, op, body.as_deref()));
    finish(shared, seq, response)
}

fn finish(shared: &Shared, seq: u64, response: Response) -> Response {
    shared.record_response(seq, response, |c| &mut c.source_responses)
}

/// The decoded `{sourceId}` segment.
fn source_id(path: &str) -> String {
    let segment = path
        .strip_prefix("/v2025/sources/")
        .and_then(|rest| rest.split('/').next())
        .unwrap_or_default();
    percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

fn answer(
    s: &mut Inner,
    seq: u64,
    parts: &Parts,
    source_id: &str,
    op: Op,
    body: Option<&[u8]>,
) -> Response {
    if let Err(response) = admit(s, seq, parts, op.scope()) {
        return response;
    }
    let now = Instant::now();
    if !s.sources.contains_key(source_id) {
        return responses::error_dto(
            StatusCode::NOT_FOUND,
            &format!("The source with id '{source_id}' was not found."),
        );
    }
    s.advance_job(source_id, now);
    let pace = s.pace;
    let account_ids = match op {
        Op::StartJob => s
            .sources
            .get(source_id)
            .map(|src| s.source_account_ids(&src.source.name))
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    let Some(source) = s.sources.get_mut(source_id) else {
        return responses::error_dto(StatusCode::NOT_FOUND, "The source disappeared.");
    };
    match op {
        Op::StartJob => {
            if let Some(job) = &source.job
                && job.progress(now).running()
            {
                return responses::error_dto(
                    StatusCode::BAD_REQUEST,
                    &format!(
                        "A classification of source '{source_id}' is already in progress; cancel it first."
                    ),
                );
            }
            let job = Job::start(account_ids, pace, now);
            let submitted = job.expected();
            source.job = Some(job);
            ok(json!({ "Accounts submitted for processing": submitted }))
        }
        Op::JobStatus => match &source.job {
            Some(job) => ok(job.progress(now).to_json()),
            None => responses::error_dto(
                StatusCode::NOT_FOUND,
                &format!("No account classification was started for source '{source_id}'."),
            ),
        },
        Op::CancelJob => {
            if let Some(job) = source.job.as_mut() {
                job.stop(Stopped::Cancelled, now);
            }
            StatusCode::NO_CONTENT.into_response()
        }
        Op::GetConfig => match &source.config {
            Some(config) => ok(config.clone()),
            None => responses::error_dto(
                StatusCode::NOT_FOUND,
                &format!("Source '{source_id}' has no machine classification config."),
            ),
        },
        Op::SetConfig => {
            let parsed: Option<Value> = body.and_then(|b| serde_json::from_slice(b).ok());
            let Some(parsed) = parsed else {
                return responses::error_dto(
                    StatusCode::BAD_REQUEST,
                    "The request body is not a JSON MachineClassificationConfig (or is over 256 KiB).",
                );
            };
            let stamp = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
            match machine_config::validate(&parsed, source.config.as_ref(), &stamp) {
                Ok(stored) => {
                    source.config = Some(stored.clone());
                    ok(stored)
                }
                Err(message) => responses::error_dto(StatusCode::BAD_REQUEST, &message),
            }
        }
        Op::DeleteConfig => {
            source.config = None;
            // The spec declares `200` (with the "no content" description) for this delete.
            StatusCode::OK.into_response()
        }
    }
}

fn ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_are_decoded() {
        assert_eq!(source_id("/v2025/sources/abc/classify"), "abc");
        assert_eq!(
            source_id("/v2025/sources/a%20b/machine-classification-config"),
            "a b"
        );
        assert_eq!(source_id("/other"), "");
    }
}
