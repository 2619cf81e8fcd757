//! Turning the generated operation's result into a typed value or a typed [`Error`].
//!
//! The generator declares error bodies raw (the `raw-error-bodies` adjustment), so every error
//! status arrives here with its status, headers and bytes; this module decodes each documented
//! status into SailPoint's model for it. Every body is read through the generated client's
//! length limit (`CallContext::max_response_bytes`), redacted before anything of it is kept, and
//! kept only as a bounded snippet.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures::TryStreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use serde::de::{DeserializeOwned, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::error::redact::Redactor;
use crate::error::server_text::{MAX_ID_BYTES, bound_error_body, bound_json, cut, snippet};
use crate::error::{DecodeError, ResponseDetails, TransportError};
use crate::runtime::retry::parse_retry_after;
use crate::{
    Error, ErrorResponseDto, ListAccessProfiles401Response, ListAccessProfiles429Response,
};

/// The generated operation's result type.
pub(crate) type GeneratedResult<T> = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>;

/// Reads generated results into typed values or typed errors, with this client's secrets and
/// body cap.
#[derive(Debug, Clone)]
pub(crate) struct ResponseReader {
    /// The client's static secrets (client secret, a ready access token).
    pub(crate) redactor: Redactor,
    /// The body cap the generated client applies (for [`Error::BodyTooLarge`]).
    pub(crate) max_response_bytes: usize,
}

impl ResponseReader {
    /// A reader redacting with `redactor` (the client's static secrets), for bodies capped at
    /// `max_response_bytes`.
    pub(crate) fn new(redactor: Redactor, max_response_bytes: usize) -> Self {
        Self {
            redactor,
            max_response_bytes,
        }
    }

    /// The value of a successful call, or the typed error. `bearer` is the `Authorization`
    /// value the attempt sent: a server echoing it gets it redacted like the static secrets.
    pub(crate) async fn read<T>(
        &self,
        result: GeneratedResult<T>,
        bearer: Option<&HeaderValue>,
    ) -> Result<T, Error> {
        match result {
            Ok(value) => Ok(value.into_inner()),
            // Boxed: reading and decoding an error body is the rare path, and its state would
            // otherwise grow every call's future.
            Err(error) => Err(Box::pin(self.read_failure(error, bearer)).await),
        }
    }

    /// The typed error of a failed generated call (reading its body, up to the cap).
    async fn read_failure(
        &self,
        error: progenitor_client::Error<ByteStream>,
        bearer: Option<&HeaderValue>,
    ) -> Error {
        use progenitor_client::Error as Gen;
        match error {
            Gen::ErrorResponse(value) => {
                let status = value.status();
                let retry_after = parse_retry_after(value.headers());
                let body = read_error_body(value.into_inner().into_inner()).await;
                self.decode_read(status, retry_after, body, bearer)
            }
            Gen::UnexpectedResponse(response) if response.status().is_redirection() => {
                // Never followed (the SDK's HTTP client has redirects off): a redirect is not an
                // answer from ISC, and its body is not read.
                Error::Redirect {
                    status: response.status(),
                    location: response
                        .headers()
                        .get(reqwest::header::LOCATION)
                        .and_then(|l| l.to_str().ok())
                        .map(|l| {
                            let mut location = self.redactor_for(bearer).redact(l).into_owned();
                            cut(&mut location, MAX_ID_BYTES);
                            location
                        }),
                }
            }
            Gen::UnexpectedResponse(response) => {
                let status = response.status();
                let retry_after = parse_retry_after(response.headers());
                let body = read_error_body(response.bytes_stream()).await;
                self.decode_read(status, retry_after, body, bearer)
            }
            // Progenitor does not keep the success status here; the documented one is 200.
            Gen::InvalidResponsePayload(body, source) => {
                let redactor = self.redactor_for(bearer);
                let body = redactor.redact_bytes(&body);
                Error::InvalidBody {
                    status: StatusCode::OK,
                    response: Box::new(details(StatusCode::OK, &body)),
                    source: DecodeError::new(&source, &redactor),
                }
            }
            Gen::ResponseBodyError(source) => self.body_error(StatusCode::OK, source),
            Gen::CommunicationError(source) | Gen::InvalidUpgrade(source) => transport(source),
            Gen::InvalidRequest(problem) | Gen::Custom(problem) => {
                Error::invalid_input("request", problem)
            }
        }
    }

    fn redactor_for(&self, bearer: Option<&HeaderValue>) -> Redactor {
        match bearer {
            Some(bearer) => self.redactor.with_bearer(bearer),
            None => self.redactor.clone(),
        }
    }

    /// The typed error of an error status whose body was read as far as it could be. A body
    /// past the cap keeps its status, its `Retry-After` and so its retry and the shared pause:
    /// only the text kept of it is cut.
    fn decode_read(
        &self,
        status: StatusCode,
        retry_after: Option<Duration>,
        body: Result<ErrorBody, reqwest::Error>,
        bearer: Option<&HeaderValue>,
    ) -> Error {
        let redactor = self.redactor_for(bearer);
        match body {
            Ok(ErrorBody::Whole(body)) => decode(status, retry_after, &body, &redactor, false),
            Ok(ErrorBody::Cut(start)) => decode(status, retry_after, &start, &redactor, true),
            Err(source) => self.body_error(status, source),
        }
    }

    fn body_error(&self, status: StatusCode, source: reqwest::Error) -> Error {
        if sailpoint_v2025_client::is_body_too_large(&source) {
            Error::BodyTooLarge {
                status,
                limit: self.max_response_bytes,
            }
        } else {
            transport(source)
        }
    }
}

/// An error status's body, as far as it could be read.
enum ErrorBody {
    /// All of it.
    Whole(Vec<u8>),
    /// Its start: reading stopped at the body cap.
    Cut(Vec<u8>),
}

/// Reads an error body chunk by chunk; the generated client's body cap ends it with an error
/// that [`sailpoint_v2025_client::is_body_too_large`] recognises, and what came before is kept.
async fn read_error_body(
    chunks: impl futures::Stream<Item = Result<Bytes, reqwest::Error>>,
) -> Result<ErrorBody, reqwest::Error> {
    let mut chunks = std::pin::pin!(chunks);
    let mut body = Vec::new();
    loop {
        match chunks.try_next().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            Ok(None) => return Ok(ErrorBody::Whole(body)),
            Err(error) if sailpoint_v2025_client::is_body_too_large(&error) => {
                return Ok(ErrorBody::Cut(body));
            }
            Err(error) => return Err(error),
        }
    }
}

/// The most bytes of a token endpoint's answer that are read (tokens are a few KiB).
pub(crate) const MAX_TOKEN_RESPONSE_BYTES: usize = 64 * 1024;

/// Reads a body that did not come through the generated client (the token endpoint's) up to
/// `limit` bytes; `Ok(None)` when it is longer.
pub(crate) async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Option<Vec<u8>>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// A failure of the HTTP stack as the typed error: a request that cannot be built is
/// [`Error::InvalidInput`] (never retried), a timeout [`Error::Timeout`], anything else
/// [`Error::Transport`].
pub(crate) fn transport(source: reqwest::Error) -> Error {
    if source.is_builder() {
        // The message may quote the URL, which holds the (possibly huge) id: leave it out.
        return Error::invalid_input(
            "request",
            format!("cannot be built: {}", source.without_url()),
        );
    }
    if source.is_timeout() {
        Error::Timeout {
            source: TransportError::new(source),
        }
    } else {
        Error::Transport {
            source: TransportError::new(source),
        }
    }
}

/// Decodes an error body by status. The body is redacted first; an undecodable documented
/// body keeps its status, a snippet and the ids recovered from it.
#[cfg(test)]
pub(crate) fn decode_error(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    redactor: &Redactor,
) -> Error {
    decode(status, retry_after, body, redactor, false)
}

/// [`decode_error`] of a whole body, or of the start of one (`cut`) that was longer than the
/// body cap. Typed bodies are bounded ([`bound_error_body`], [`bound_json`]).
fn decode(
    status: StatusCode,
    retry_after: Option<Duration>,
    body: &[u8],
    redactor: &Redactor,
    cut: bool,
) -> Error {
    let body = redactor.redact_bytes(body);
    let json = strip_bom(&body);
    let mut response = Box::new(details(status, &body));
    response.body_truncated |= cut;
    // The typed bodies are decoded through a JSON value whose strings are redacted once more:
    // what a body's text says after JSON decoding is what `Display` shows.
    let value = serde_json::from_slice::<serde_json::Value>(json).map(|mut value| {
        redactor.redact_json(&mut value);
        value
    });
    let dto = || -> Result<Box<ErrorResponseDto>, serde_json::Error> {
        let mut dto = Box::new(typed_body::<ErrorResponseDto>(&value, json)?);
        bound_error_body(&mut dto);
        Ok(dto)
    };
    let typed = |make: &dyn Fn() -> Result<Error, serde_json::Error>| {
        make().unwrap_or_else(|source| Error::InvalidBody {
            status,
            response: response.clone(),
            source: DecodeError::new(&source, redactor),
        })
    };
    match status.as_u16() {
        400 => typed(&|| {
            Ok(Error::BadRequest {
                body: dto()?,
                response: response.clone(),
            })
        }),
        403 => typed(&|| {
            Ok(Error::Forbidden {
                body: dto()?,
                response: response.clone(),
            })
        }),
        500 => typed(&|| {
            Ok(Error::InternalServerError {
                body: dto()?,
                response: response.clone(),
            })
        }),
        // Whatever the body (HTML from a gateway, empty, another JSON shape): the status is
        // what the caller acts on (refresh the token, wait).
        401 => Error::Unauthorized {
            body: decode_opt(&value).map(|mut body: ListAccessProfiles401Response| {
                bound_json(&mut body.error);
                body
            }),
            response,
        },
        // Whatever the body and whether or not the operation documents it: an unknown id is
        // not an outage.
        404 => Error::NotFound {
            body: error_dto(&value),
            response,
        },
        429 => Error::TooManyRequests {
            body: decode_opt(&value).map(|mut body: ListAccessProfiles429Response| {
                bound_json(&mut body.message);
                body
            }),
            retry_after,
            response: Some(response),
        },
        _ => Error::UnexpectedStatus {
            status,
            detail: error_dto(&value),
            retry_after,
            response,
        },
    }
}

/// A documented body decoded from the redacted value; on failure, the error of decoding the
/// bytes themselves, which fails at the same place and knows its line and column.
fn typed_body<T: DeserializeOwned>(
    value: &Result<serde_json::Value, serde_json::Error>,
    json: &[u8],
) -> Result<T, serde_json::Error> {
    match value {
        Ok(value) => T::deserialize(value).map_err(|from_value| {
            serde_json::from_slice::<T>(json)
                .err()
                .unwrap_or(from_value)
        }),
        Err(_) => serde_json::from_slice::<T>(json),
    }
}

/// The body as an `ErrorResponseDto`, when it is one: every field of that model is optional, so
/// any JSON object would decode; one with neither a `detailCode` nor a `trackingId` is not.
fn error_dto(
    value: &Result<serde_json::Value, serde_json::Error>,
) -> Option<Box<ErrorResponseDto>> {
    decode_opt::<ErrorResponseDto>(value)
        .filter(|d| d.detail_code.is_some() || d.tracking_id.is_some())
        .map(|mut dto| {
            bound_error_body(&mut dto);
            Box::new(dto)
        })
}

fn decode_opt<T: DeserializeOwned>(
    value: &Result<serde_json::Value, serde_json::Error>,
) -> Option<T> {
    T::deserialize(value.as_ref().ok()?).ok()
}

/// The body without a UTF-8 byte order mark (JSON parsers may ignore one; serde_json does not).
fn strip_bom(body: &[u8]) -> &[u8] {
    body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body)
}

/// Status, recovered ids and a bounded snippet of an (already redacted) body.
fn details(status: StatusCode, body: &[u8]) -> ResponseDetails {
    let mut ids = ErrorIds::recover(strip_bom(body));
    for id in [&mut ids.tracking_id, &mut ids.detail_code]
        .into_iter()
        .flatten()
    {
        cut(id, MAX_ID_BYTES);
    }
    let (body, body_truncated) = snippet(body);
    ResponseDetails {
        status,
        tracking_id: ids.tracking_id,
        detail_code: ids.detail_code,
        body,
        body_truncated,
    }
}

/// `trackingId` and `detailCode` as top-level strings of a JSON object, whatever else the
/// object holds: values of other fields are skipped without being decoded, so a `null` in
/// `causes` or a wrong type elsewhere cannot lose them. As with `serde_json::Value`, the last
/// of duplicate keys wins; trailing bytes after the object are ignored.
#[derive(Default)]
struct ErrorIds {
    tracking_id: Option<String>,
    detail_code: Option<String>,
}

impl ErrorIds {
    fn recover(json: &[u8]) -> Self {
        let mut deserializer = serde_json::Deserializer::from_slice(json);
        // A body nested too deep for the parser simply has no ids.
        serde::Deserialize::deserialize(&mut deserializer).unwrap_or_default()
    }
}

impl<'de> serde::Deserialize<'de> for ErrorIds {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(ErrorIdsVisitor)
    }
}

struct ErrorIdsVisitor;

/// A value kept only when it is a string.
struct MaybeString(Option<String>);

impl<'de> serde::Deserialize<'de> for MaybeString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StringOrSkip;
        impl<'de> Visitor<'de> for StringOrSkip {
            type Value = MaybeString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_str<E>(self, v: &str) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(v.to_owned())))
            }
            fn visit_string<E>(self, v: String) -> Result<MaybeString, E> {
                Ok(MaybeString(Some(v)))
            }
            fn visit_bool<E>(self, _: bool) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_unit<E>(self) -> Result<MaybeString, E> {
                Ok(MaybeString(None))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<MaybeString, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<MaybeString, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(MaybeString(None))
            }
        }
        deserializer.deserialize_any(StringOrSkip)
    }
}

impl<'de> Visitor<'de> for ErrorIdsVisitor {
    type Value = ErrorIds;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ErrorIds, A::Error> {
        let mut ids = ErrorIds::default();
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            match &*key {
                "trackingId" => ids.tracking_id = map.next_value::<MaybeString>()?.0,
                "detailCode" => ids.detail_code = map.next_value::<MaybeString>()?.0,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(ids)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(status: u16, body: &str) -> Error {
        decode_error(
            StatusCode::from_u16(status).expect("status"),
            None,
            body.as_bytes(),
            &Redactor::default(),
        )
    }

    #[test]
    fn documented_statuses_decode_to_their_variants() {
        let dto = r#"{"detailCode":"x","trackingId":"t1","messages":[]}"#;
        assert!(matches!(decode(400, dto), Error::BadRequest { .. }));
        assert!(matches!(decode(403, dto), Error::Forbidden { .. }));
        assert!(matches!(
            decode(500, dto),
            Error::InternalServerError { .. }
        ));
        assert!(matches!(
            decode(401, r#"{"error":"JWT validation failed: JWT is expired"}"#),
            Error::Unauthorized { body: Some(_), .. }
        ));
        assert!(matches!(
            decode(429, r#"{"message":" Rate Limit Exceeded "}"#),
            Error::TooManyRequests { body: Some(_), .. }
        ));
        assert_eq!(decode(500, dto).tracking_id(), Some("t1"));
    }

    #[test]
    fn any_401_and_429_body_keeps_the_variant() {
        for body in ["<html>nope</html>", "", "[1,2]", "{\"error\":"] {
            assert!(
                matches!(decode(401, body), Error::Unauthorized { body: None, .. }),
                "{body}"
            );
            assert!(
                matches!(decode(429, body), Error::TooManyRequests { body: None, .. }),
                "{body}"
            );
        }
        assert_eq!(
            decode(401, "<html>Unauthorized</html>").to_string(),
            "401 Unauthorized: <html>Unauthorized</html>"
        );
    }

    #[test]
    fn open_enums_and_null_arrays_still_decode() {
        let err = decode(
            403,
            r#"{"detailCode":"403 Forbidden","trackingId":"abc","messages":[{"locale":"en-US","localeOrigin":"HEADER","text":"no"}],"causes":null}"#,
        );
        assert!(matches!(err, Error::Forbidden { .. }));
        assert_eq!(err.tracking_id(), Some("abc"));
        assert_eq!(err.detail_code(), Some("403 Forbidden"));
    }

    #[test]
    fn ids_survive_bodies_that_do_not_decode() {
        for body in [
            "\u{feff}{\"trackingId\":\"t2\",\"detailCode\":\"d\",\"causes\":[null]}",
            r#"{"trackingId":"t2","detailCode":"d","messages":"not a list"}"#,
            r#"{"causes":[null],"detailCode":7,"detailCode":"d","trackingId":"t2"} trailing"#,
            r#"{"messages":[{"text":{"deep":[1,{"x":null}]}}],"trackingId":"t2","detailCode":"d"}"#,
        ] {
            let err = decode(400, body);
            assert!(matches!(err, Error::InvalidBody { .. }), "{body}: {err:?}");
            assert_eq!(err.tracking_id(), Some("t2"), "{body}");
            assert_eq!(err.detail_code(), Some("d"), "{body}");
            assert_eq!(err.status(), Some(StatusCode::BAD_REQUEST));
        }
        // A BOM alone does not stop a valid body from decoding.
        let err = decode(403, "\u{feff}{\"trackingId\":\"t3\"}");
        assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
        // Ids of the wrong type are not ids.
        assert_eq!(decode(404, r#"{"trackingId":5}"#).tracking_id(), None);
        assert_eq!(decode(404, r#"{"teapot":true}"#).tracking_id(), None);
        assert_eq!(
            decode(418, r#"{"trackingId":"t4","teapot":true}"#).tracking_id(),
            Some("t4")
        );
    }

    #[test]
    fn undecodable_and_unexpected_bodies_keep_status_and_a_bounded_snippet() {
        let err = decode(500, "<html>oops</html>");
        assert!(matches!(err, Error::InvalidBody { .. }), "{err:?}");
        let response = err.response().expect("response details");
        assert_eq!(response.status(), 500);
        assert_eq!(response.body(), "<html>oops</html>");
        assert!(!response.is_body_truncated());

        let huge = format!("<html>{}</html>", "x".repeat(1_000_000));
        let err = decode(502, &huge);
        let response = err.response().expect("response details");
        assert!(response.body().len() <= crate::error::server_text::MAX_BODY_SNIPPET_BYTES);
        assert!(response.is_body_truncated());
        assert!(err.to_string().len() < 1_000, "{}", err.to_string().len());
    }

    #[test]
    fn a_request_that_cannot_be_built_is_invalid_input_not_transport() {
        let build_error = reqwest::Client::new()
            .get("http://[::1")
            .build()
            .expect_err("not a URL");
        assert!(build_error.is_builder());
        let err = transport(build_error);
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    what: "request",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(err.kind(), "invalid_input");
    }

    #[test]
    fn secrets_are_redacted_before_anything_is_kept() {
        let redactor = Redactor::new(["S3CRET+/="]);
        let bearer = HeaderValue::from_static("Bearer eyJ-token");
        let redactor = redactor.with_bearer(&bearer);
        for (status, body) in [
            (
                400,
                r#"{"trackingId":"t","messages":[{"text":"bad client_secret=S3CRET%2B%2F%3D"}]}"#,
            ),
            (403, r#"{"messages":[{"text":"token eyJ-token"}]}"#),
            (500, r#"{"causes":[null],"echo":"S3CRET+\/="}"#),
            (404, "Authorization: Bearer eyJ-token"),
            (401, r#"{"error":"eyJ-token is expired"}"#),
            (200, r#"{"isMachine":"S3CRET+/="}"#),
        ] {
            let err = decode_error(
                StatusCode::from_u16(status).expect("status"),
                None,
                body.as_bytes(),
                &redactor,
            );
            let shown = format!("{err}\n{err:?}\n{err:#?}");
            assert!(!shown.contains("eyJ-token"), "{shown}");
            assert!(!shown.contains("S3CRET"), "{shown}");
        }
    }
}
