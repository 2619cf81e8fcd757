//! Property test of the error decoder: random and mutated bodies for every documented status
//! (and a few undocumented ones) never panic, always keep the status, and keep the
//! `trackingId` whenever the body is a JSON object with a top-level string one.

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::Error;
use crate::error::redact::Redactor;
use crate::runtime::response::decode_error;

/// The documented error statuses of `sendClassifyMachineAccount`, and some others.
const STATUSES: &[u16] = &[400, 401, 403, 429, 500, 200, 404, 418, 502, 503];

/// Any JSON value, a few levels deep, with strings that include control characters.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,12}|[\u{0}-\u{1f}\u{1b}\u{202e}a-z]{0,6}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A message entry as SailPoint sends it, or something else in its place.
fn message() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => ("\\PC{0,10}", "[A-Z]{0,8}", "\\PC{0,20}").prop_map(|(locale, origin, text)| json!({
            "locale": locale, "localeOrigin": origin, "text": text
        })),
        1 => any_json(),
    ]
}

/// Bodies shaped like SailPoint's error bodies, with the usual deviations: missing, null or
/// mistyped fields, `causes: [null]`, unknown fields, ids of other types.
fn error_like_body() -> impl Strategy<Value = Value> {
    (
        prop::option::of(prop_oneof![
            4 => "\\PC{0,40}".prop_map(Value::from),
            1 => any_json(),
        ]),
        prop::option::of(prop_oneof![
            4 => "\\PC{0,30}".prop_map(Value::from),
            1 => any_json(),
        ]),
        prop::option::of(prop_oneof![
            prop::collection::vec(message(), 0..3).prop_map(Value::from),
            any_json(),
        ]),
        prop::option::of(prop_oneof![
            Just(json!([null])),
            prop::collection::vec(message(), 0..3).prop_map(Value::from),
            any_json(),
        ]),
        prop::option::of(any_json()),
        prop::option::of(any_json()),
    )
        .prop_map(|(tracking, detail, messages, causes, error, extra)| {
            let mut object = serde_json::Map::new();
            for (key, value) in [
                ("trackingId", tracking),
                ("detailCode", detail),
                ("messages", messages),
                ("causes", causes),
                ("error", error.clone()),
                ("message", error),
                ("somethingNew", extra),
            ] {
                if let Some(value) = value {
                    object.insert(key.into(), value);
                }
            }
            Value::Object(object)
        })
}

/// Byte-level damage: truncation, a flipped byte, an inserted byte, a BOM, trailing bytes.
#[derive(Debug, Clone)]
enum Mutation {
    None,
    Truncate(usize),
    Flip(usize, u8),
    Insert(usize, u8),
    Bom,
    Trailing(Vec<u8>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        3 => Just(Mutation::None),
        1 => any::<usize>().prop_map(Mutation::Truncate),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        1 => Just(Mutation::Bom),
        1 => prop::collection::vec(any::<u8>(), 1..8).prop_map(Mutation::Trailing),
    ]
}

fn apply(mut body: Vec<u8>, mutation: &Mutation) -> Vec<u8> {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % (len + 1) };
    match mutation {
        Mutation::None => {}
        Mutation::Truncate(i) => body.truncate(at(*i, body.len())),
        Mutation::Flip(i, b) => {
            if !body.is_empty() {
                let i = i % body.len();
                body[i] ^= b | 1;
            }
        }
        Mutation::Insert(i, b) => body.insert(at(*i, body.len()), *b),
        Mutation::Bom => {
            body.splice(0..0, *b"\xEF\xBB\xBF");
        }
        Mutation::Trailing(bytes) => body.extend_from_slice(bytes),
    }
    body
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        4 => (error_like_body(), mutation())
            .prop_map(|(value, m)| apply(value.to_string().into_bytes(), &m)),
    ]
}

/// The trackingId a reader of the body would see: a top-level string of a JSON object (a
/// leading BOM allowed, as JSON parsers may skip it).
fn expected_tracking_id(body: &[u8]) -> Option<String> {
    let json = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    match serde_json::from_slice::<Value>(json).ok()? {
        Value::Object(object) => object.get("trackingId")?.as_str().map(str::to_owned),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 512,
        // Tests never write into the repository; a failure prints its minimal input.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn decoding_any_body_keeps_status_and_tracking_id(
        status in prop::sample::select(STATUSES),
        body in any_body(),
    ) {
        let status = StatusCode::from_u16(status).expect("valid status");
        let err = decode_error(status, None, &body, &Redactor::default());
        prop_assert_eq!(err.status(), Some(status));
        prop_assert!(matches!(
            err.kind(),
            "bad_request" | "unauthorized" | "forbidden" | "not_found" | "too_many_requests"
                | "internal_server_error" | "unexpected_status" | "invalid_body"
        ), "{}", err.kind());
        // 401, 404 and 429 are typed whatever the body.
        prop_assert_eq!(status == 404, matches!(err, Error::NotFound { .. }));
        let unauthorized = matches!(err, Error::Unauthorized { .. });
        let too_many = matches!(err, Error::TooManyRequests { .. });
        prop_assert_eq!(status == 401, unauthorized);
        prop_assert_eq!(status == 429, too_many);
        if let Some(expected) = expected_tracking_id(&body) {
            prop_assert_eq!(err.tracking_id(), Some(expected.as_str()));
        }
        let shown = err.to_string();
        prop_assert!(!shown.chars().any(char::is_control), "{:?}", shown);
        prop_assert!(shown.len() < 8 * 1024, "{}", shown.len());
        let response = err.response().expect("HTTP errors keep response details");
        prop_assert_eq!(response.status(), status);
        prop_assert!(response.body().len() <= crate::error::server_text::MAX_BODY_SNIPPET_BYTES);
    }
}
