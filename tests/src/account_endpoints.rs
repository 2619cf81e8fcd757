//! Selection and review: `GET /v2025/accounts` (listAccounts), `GET /v2025/machine-accounts`
//! (listMachineAccounts), `GET /v2025/machine-accounts/{id}` (getMachineAccount) and
//! `POST /v2025/sources/{sourceId}/declassify` (sendDeclassifyMachineAccountFromSource).

use std::cmp::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

use crate::accounts::EmulatedAccount;
use crate::admission::{Scope, admit, admit_stable};
use crate::collection_filter::{FieldSupport, FieldValue, Filter, Op, parse};
use crate::counters::ReceivedRequest;
use crate::faults::{self, Endpoint, Fault};
use crate::responses;
use crate::state::{Shared, State as Inner};

/// `listAccounts`.
pub(crate) const ACCOUNTS_ROUTE: &str = "/v2025/accounts";
/// `listMachineAccounts`.
pub(crate) const MACHINE_ACCOUNTS_ROUTE: &str = "/v2025/machine-accounts";
/// `getMachineAccount`.
pub(crate) const MACHINE_ACCOUNT_ROUTE: &str = "/v2025/machine-accounts/{id}";
/// `sendDeclassifyMachineAccountFromSource`.
pub(crate) const DECLASSIFY_ROUTE: &str = "/v2025/sources/{sourceId}/declassify";

/// The largest `limit` ISC accepts.
const MAX_LIMIT: u64 = 250;

const STRING_OPS: &[Op] = &[Op::Eq, Op::In, Op::Sw];
const ID_OPS: &[Op] = &[Op::Eq, Op::In];
const BOOL_OPS: &[Op] = &[Op::Eq];

/// The `listAccounts` fields the emulator filters on (ISC documents more).
const ACCOUNT_FILTERS: &[FieldSupport] = &[
    FieldSupport {
        name: "id",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "name",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "nativeIdentity",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "sourceId",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "identityId",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "uncorrelated",
        ops: BOOL_OPS,
    },
    FieldSupport {
        name: "hasEntitlements",
        ops: BOOL_OPS,
    },
    FieldSupport {
        name: "manuallyCorrelated",
        ops: BOOL_OPS,
    },
];
const ACCOUNT_SORTERS: &[&str] = &["id", "name", "nativeIdentity", "sourceId", "identityId"];

/// The `listMachineAccounts` fields the emulator filters on (ISC documents more).
const MACHINE_FILTERS: &[FieldSupport] = &[
    FieldSupport {
        name: "id",
        ops: ID_OPS,
    },
    FieldSupport {
        name: "name",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "nativeIdentity",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "source.id",
        ops: ID_OPS,
    },
    FieldSupport {
        name: "source.name",
        ops: STRING_OPS,
    },
    FieldSupport {
        name: "manuallyCorrelated",
        ops: BOOL_OPS,
    },
    FieldSupport {
        name: "hasEntitlements",
        ops: BOOL_OPS,
    },
];
const MACHINE_SORTERS: &[&str] = &["id", "name", "nativeIdentity", "source.id", "source.name"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op4 {
    ListAccounts,
    ListMachineAccounts,
    GetMachineAccount,
    Declassify,
}

impl Op4 {
    fn id(self) -> &'static str {
        match self {
            Op4::ListAccounts => "listAccounts",
            Op4::ListMachineAccounts => "listMachineAccounts",
            Op4::GetMachineAccount => "getMachineAccount",
            Op4::Declassify => "sendDeclassifyMachineAccountFromSource",
        }
    }
}

pub(crate) async fn list_accounts(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op4::ListAccounts).await
}

pub(crate) async fn list_machine_accounts(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    handle(&shared, request, Op4::ListMachineAccounts).await
}

pub(crate) async fn get_machine_account(
    State(shared): State<Arc<Shared>>,
    request: Request,
) -> Response {
    handle(&shared, request, Op4::GetMachineAccount).await
}

pub(crate) async fn declassify(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    handle(&shared, request, Op4::Declassify).await
}

/// Logs and counts the request, applies a queued fault, else answers.
async fn handle(shared: &Shared, request: Request, op: Op4) -> Response {
    let (parts, _body) = request.into_parts();
    let segment = path_segment(parts.uri.path(), op);
    let (seq, fault) = shared.with_state(|s| {
        let seq = s.next_seq;
        s.next_seq += 1;
        if op == Op4::Declassify {
            s.counters.source_requests += 1;
        } else {
            s.counters.account_read_requests += 1;
        }
        *s.counters
            .per_operation
            .entry(op.id().to_owned())
            .or_insert(0) += 1;
        let fault = s.classify_faults.pop();
        if fault.is_some() {
            s.counters.faults_applied += 1;
        }
        let mut entry = ReceivedRequest::from_parts(
            seq,
            &parts,
            if op == Op4::GetMachineAccount {
                segment.clone()
            } else {
                String::new()
            },
        );
        entry.operation = op.id();
        if op == Op4::Declassify {
            entry.source_id = Some(segment.clone());
        }
        entry.fault = fault.clone();
        s.log_request(entry);
        (seq, fault)
    });
    if let Some(fault) = &fault {
        if let Some(response) = faults::render(fault, Endpoint::Classify) {
            return finish(shared, seq, op, response);
        }
        if let Fault::Delay(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
    let response = shared.with_state(|s| answer(s, seq, &parts, &segment, op));
    finish(shared, seq, op, response)
}

fn finish(shared: &Shared, seq: u64, op: Op4, response: Response) -> Response {
    if op == Op4::Declassify {
        shared.record_response(seq, response, |c| &mut c.source_responses)
    } else {
        shared.record_response(seq, response, |c| &mut c.account_read_responses)
    }
}

/// The decoded `{id}` / `{sourceId}` segment, empty for the list routes.
fn path_segment(path: &str, op: Op4) -> String {
    let segment = match op {
        Op4::GetMachineAccount => path.strip_prefix("/v2025/machine-accounts/"),
        Op4::Declassify => path
            .strip_prefix("/v2025/sources/")
            .and_then(|rest| rest.split('/').next()),
        _ => None,
    };
    percent_decode_str(segment.unwrap_or_default())
        .decode_utf8_lossy()
        .into_owned()
}

fn answer(s: &mut Inner, seq: u64, parts: &Parts, segment: &str, op: Op4) -> Response {
    // Only the declassify POST is experimental upstream; the reads are not.
    let admitted = match op {
        Op4::Declassify => admit(s, seq, parts, Scope::AccountUpdate),
        _ => admit_stable(s, seq, parts, Scope::AccountUpdate),
    };
    if let Err(response) = admitted {
        return response;
    }
    s.advance_jobs(Instant::now());
    match op {
        Op4::ListAccounts | Op4::ListMachineAccounts => list(s, parts, op),
        Op4::GetMachineAccount => match s.accounts.get(segment) {
            Some(account) if account.is_machine == Some(true) => {
                (StatusCode::OK, Json(machine_json(s, account))).into_response()
            }
            _ => responses::error_dto(
                StatusCode::NOT_FOUND,
                &format!("The machine account with id '{segment}' was not found."),
            ),
        },
        Op4::Declassify => {
            let Some(source) = s.sources.get(segment) else {
                return responses::error_dto(
                    StatusCode::NOT_FOUND,
                    &format!("The source with id '{segment}' was not found."),
                );
            };
            let name = source.source.name.clone();
            for account in s.accounts.values_mut().filter(|a| a.source_name == name) {
                account.is_machine = None;
                account.manually_classified = false;
            }
            StatusCode::NO_CONTENT.into_response()
        }
    }
}

/// The collection query parameters, checked as ISC checks them.
struct Collection {
    filter: Option<Filter>,
    sorters: Vec<(String, bool)>,
    limit: usize,
    offset: usize,
    count: bool,
    slim: bool,
}

fn collection(parts: &Parts, op: Op4) -> Result<Collection, String> {
    let pairs: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| serde_urlencoded::from_str(q).unwrap_or_default())
        .unwrap_or_default();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let (fields, sortable) = match op {
        Op4::ListAccounts => (ACCOUNT_FILTERS, ACCOUNT_SORTERS),
        _ => (MACHINE_FILTERS, MACHINE_SORTERS),
    };
    let filter = match get("filters") {
        None => None,
        Some(text) => {
            let filter = parse(text)
                .and_then(|f| f.check(fields).map(|()| f))
                .map_err(|e| format!("Invalid filter '{text}': {e}."))?;
            Some(filter)
        }
    };
    let mut sorters = Vec::new();
    if let Some(text) = get("sorters") {
        for key in text.split(',').map(str::trim) {
            let (field, descending) = match key.strip_prefix('-') {
                Some(field) => (field, true),
                None => (key, false),
            };
            if !sortable.contains(&field) {
                return Err(format!(
                    "Invalid sorters '{text}': cannot sort by '{field}'."
                ));
            }
            sorters.push((field.to_owned(), descending));
        }
    }
    let number = |name: &str, default: u64, max: Option<u64>| -> Result<u64, String> {
        match get(name) {
            None => Ok(default),
            Some(raw) => match raw.parse::<u64>() {
                Ok(n) if max.is_none_or(|max| n <= max) => Ok(n),
                _ => Err(format!(
                    "Invalid value '{raw}' for query parameter {name}{}.",
                    max.map(|m| format!(": must be an integer from 0 to {m}"))
                        .unwrap_or_default()
                )),
            },
        }
    };
    let limit = number("limit", MAX_LIMIT, Some(MAX_LIMIT))?;
    let offset = number("offset", 0, Some(i32::MAX as u64))?;
    let count = match get("count") {
        None | Some("false") => false,
        Some("true") => true,
        Some(raw) => return Err(format!("Invalid value '{raw}' for query parameter count.")),
    };
    let slim = match op {
        Op4::ListAccounts => match get("detailLevel") {
            None | Some("FULL") => false,
            Some("SLIM") => true,
            Some(raw) => {
                return Err(format!(
                    "Invalid value '{raw}' for query parameter detailLevel."
                ));
            }
        },
        _ => false,
    };
    Ok(Collection {
        filter,
        sorters,
        limit: limit as usize,
        offset: offset as usize,
        count,
        slim,
    })
}

/// The source id of an account: the id of the source with its source name, else the name.
fn source_id_of<'a>(s: &'a Inner, account: &'a EmulatedAccount) -> &'a str {
    s.sources
        .values()
        .find(|st| st.source.name == account.source_name)
        .map_or(account.source_name.as_str(), |st| st.source.id.as_str())
}

/// A deterministic identity id for a correlated account.
fn identity_id(account: &EmulatedAccount) -> Option<String> {
    account
        .has_identity
        .then(|| format!("identity-{}", account.id))
}

fn field(s: &Inner, account: &EmulatedAccount, name: &str) -> FieldValue {
    let text = |v: &str| FieldValue::Str(v.to_owned());
    match name {
        "id" => text(&account.id),
        "name" | "nativeIdentity" => text(&account.name),
        "sourceId" | "source.id" => text(source_id_of(s, account)),
        "source.name" => text(&account.source_name),
        "identityId" => identity_id(account).map_or(FieldValue::Null, FieldValue::Str),
        "uncorrelated" => FieldValue::Bool(!account.has_identity),
        "hasEntitlements" | "manuallyCorrelated" => FieldValue::Bool(false),
        _ => FieldValue::Null,
    }
}

fn list(s: &Inner, parts: &Parts, op: Op4) -> Response {
    let query = match collection(parts, op) {
        Ok(query) => query,
        Err(message) => return responses::error_dto(StatusCode::BAD_REQUEST, &message),
    };
    let machine_only = op == Op4::ListMachineAccounts;
    let selected = s.accounts.values().filter(|account| {
        (!machine_only || account.is_machine == Some(true))
            && query
                .filter
                .as_ref()
                .is_none_or(|f| f.matches(&|name| field(s, account, name)))
    });
    let total = query.count.then(|| selected.clone().count());
    // The store is ordered by id: sorting by `id` alone (the SDK's default) needs no sort.
    let page: Vec<&EmulatedAccount> = match query.sorters.as_slice() {
        [] => selected.skip(query.offset).take(query.limit).collect(),
        [(key, false)] if key == "id" => selected.skip(query.offset).take(query.limit).collect(),
        sorters => {
            let mut all: Vec<&EmulatedAccount> = selected.collect();
            all.sort_by(|a, b| {
                for (key, descending) in sorters {
                    let order = compare(&field(s, a, key), &field(s, b, key));
                    let order = if *descending { order.reverse() } else { order };
                    if order != Ordering::Equal {
                        return order;
                    }
                }
                a.id.cmp(&b.id)
            });
            all.into_iter()
                .skip(query.offset)
                .take(query.limit)
                .collect()
        }
    };
    let body: Vec<Value> = page
        .into_iter()
        .map(|account| match op {
            Op4::ListAccounts => account_json(s, account, query.slim),
            _ => machine_json(s, account),
        })
        .collect();
    let mut response = (StatusCode::OK, Json(body)).into_response();
    if let Some(total) = total {
        response
            .headers_mut()
            .insert("x-total-count", HeaderValue::from(total as u64));
    }
    response
}

fn compare(a: &FieldValue, b: &FieldValue) -> Ordering {
    match (a, b) {
        (FieldValue::Str(a), FieldValue::Str(b)) => a.cmp(b),
        (FieldValue::Bool(a), FieldValue::Bool(b)) => a.cmp(b),
        (FieldValue::Null, FieldValue::Null) => Ordering::Equal,
        (FieldValue::Null, _) => Ordering::Less,
        (_, FieldValue::Null) => Ordering::Greater,
        _ => Ordering::Equal,
    }
}

/// An `Account` body as `listAccounts` answers it.
pub(crate) fn account_json(s: &Inner, account: &EmulatedAccount, slim: bool) -> Value {
    json!({
        "id": account.id,
        "name": account.name,
        "nativeIdentity": account.name,
        "sourceId": source_id_of(s, account),
        "sourceName": account.source_name,
        "identityId": identity_id(account),
        "attributes": if slim { Value::Null } else { json!({ "displayName": account.name }) },
        "authoritative": false,
        "systemAccount": false,
        "uncorrelated": !account.has_identity,
        "disabled": false,
        "locked": false,
        "manuallyCorrelated": false,
        "hasEntitlements": false,
        "isMachine": account.is_machine == Some(true),
    })
}

/// A `MachineAccount` body as `listMachineAccounts` / `getMachineAccount` answer it.
pub(crate) fn machine_json(s: &Inner, account: &EmulatedAccount) -> Value {
    json!({
        "id": account.id,
        "name": account.name,
        "nativeIdentity": account.name,
        "description": null,
        "classificationMethod": if account.manually_classified { "MANUAL" } else { "CRITERIA" },
        "attributes": { "displayName": account.name },
        "connectorAttributes": null,
        "enabled": true,
        "locked": false,
        "hasEntitlements": false,
        "manuallyCorrelated": false,
        "manuallyEdited": false,
        "environment": null,
        "subtype": null,
        "uuid": null,
        "created": null,
        "modified": null,
        "source": {
            "id": source_id_of(s, account),
            "name": account.source_name,
            "type": "SOURCE",
        },
    })
}
