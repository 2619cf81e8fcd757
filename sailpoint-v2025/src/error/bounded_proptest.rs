//! Property test of the bounds on what an error keeps: whatever a server sends with any status
//! (huge ids, huge or many messages, huge free-form `error`/`message` values, any bytes), the
//! error keeps at most a few KiB of its text, and its `Display` and `Debug` stay bounded.

use proptest::prelude::*;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::error::redact::Redactor;
use crate::error::server_text::{MAX_BODY_SNIPPET_BYTES, MAX_ID_BYTES, MAX_TYPED_TEXT_BYTES};
use crate::runtime::response::decode_error;
use crate::{Error, ErrorResponseDto};

const STATUSES: &[u16] = &[400, 401, 403, 404, 429, 500, 502, 503];

/// A string of `len` characters, some of them multi-byte.
fn long_text() -> impl Strategy<Value = String> {
    (0usize..40_000, "[a-zé€]").prop_map(|(len, c)| c.repeat(len))
}

/// An error body with long or many parts, or any bytes.
fn hostile_body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (long_text(), long_text(), long_text(), 0usize..2_000).prop_map(
            |(id, code, text, count)| {
                let message = json!({"locale": "en-US", "localeOrigin": "DEFAULT", "text": text});
                json!({
                    "trackingId": id,
                    "detailCode": code,
                    "messages": vec![message.clone(); count.min(3)],
                    "causes": vec![json!({}); count],
                    "error": text,
                    "message": {"nested": [text, id]},
                })
                .to_string()
                .into_bytes()
            }
        ),
        prop::collection::vec(any::<u8>(), 0..20_000),
    ]
}

/// The bytes of server text an error keeps: the raw snippet, the ids and the typed body's text.
fn kept_text(error: &Error) -> usize {
    let details = error.response().map_or(0, |r| {
        r.body().len() + r.tracking_id().map_or(0, str::len) + r.detail_code().map_or(0, str::len)
    });
    let typed = |dto: &ErrorResponseDto| {
        let ids = [&dto.detail_code, &dto.tracking_id]
            .into_iter()
            .flatten()
            .map(String::len)
            .sum::<usize>();
        let messages = [&dto.messages, &dto.causes]
            .into_iter()
            .flatten()
            .flatten()
            .map(|m| {
                m.text.as_ref().map_or(0, String::len) + m.locale.as_ref().map_or(0, String::len)
            })
            .sum::<usize>();
        ids + messages
    };
    let json_len = |v: &Option<Value>| v.as_ref().map_or(0, |v| v.to_string().len());
    let body = match error {
        Error::Unauthorized { body, .. } => body.as_ref().map_or(0, |b| json_len(&b.error)),
        Error::TooManyRequests { body, .. } => body.as_ref().map_or(0, |b| json_len(&b.message)),
        other => other.error_response().map_or(0, typed),
    };
    details + body
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn every_error_keeps_a_few_kib_and_shows_bounded(
        status in prop::sample::select(STATUSES),
        body in hostile_body(),
    ) {
        let status = StatusCode::from_u16(status).expect("status");
        let error = decode_error(status, None, &body, &Redactor::default());
        prop_assert_eq!(error.status(), Some(status));
        let kept = kept_text(&error);
        prop_assert!(
            kept <= MAX_BODY_SNIPPET_BYTES + 2 * MAX_ID_BYTES + 2 * MAX_TYPED_TEXT_BYTES + 64,
            "{} bytes kept", kept
        );
        let shown = error.to_string().len();
        prop_assert!(shown <= 8 * 1024, "Display {} bytes", shown);
        // `Debug` escapes, so it may be a few times the text it shows, never the body's size.
        let debug = format!("{error:?}").len();
        prop_assert!(debug <= 64 * 1024, "Debug {} bytes", debug);
    }
}
