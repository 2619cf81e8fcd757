//! Turning the generated operation's result into a typed value or a typed [`Error`].
//!
//! The generator declares error bodies raw (the `raw-error-bodies` adjustment), so every error
//! status arrives here with its status, headers and bytes; this module decodes each documented
//! status into SailPoint's model for it.

use bytes::Bytes;
use futures::TryStreamExt;
use progenitor_client::{ByteStream, ResponseValue};
use reqwest::StatusCode;
use serde::de::DeserializeOwned;

use crate::retry::parse_retry_after;
use crate::{Error, ErrorResponseDto};

/// The generated operation's result type.
pub(crate) type GeneratedResult<T> = Result<ResponseValue<T>, progenitor_client::Error<ByteStream>>;

/// One attempt's typed outcome.
pub(crate) async fn read_outcome<T>(result: GeneratedResult<T>) -> Result<T, Error> {
    use progenitor_client::Error as Gen;
    let error = match result {
        Ok(value) => return Ok(value.into_inner()),
        Err(Gen::ErrorResponse(value)) => {
            let status = value.status();
            let retry_after = parse_retry_after(value.headers());
            match collect(value.into_inner()).await {
                Ok(body) => decode_error(status, retry_after, body),
                Err(error) => error,
            }
        }
        Err(Gen::UnexpectedResponse(response)) if response.status().is_redirection() => {
            // Never followed (the SDK's HTTP client has redirects off): a redirect is not an
            // answer from ISC, and its body is not read.
            Error::Redirect {
                status: response.status(),
                location: response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .map(str::to_owned),
            }
        }
        Err(Gen::UnexpectedResponse(response)) => {
            let status = response.status();
            let retry_after = parse_retry_after(response.headers());
            match response.bytes().await {
                Ok(body) => decode_error(status, retry_after, body),
                Err(source) => transport(source),
            }
        }
        Err(Gen::InvalidResponsePayload(body, source)) => Error::InvalidBody {
            status: StatusCode::OK,
            body: String::from_utf8_lossy(&body).into_owned(),
            source,
        },
        Err(Gen::CommunicationError(source))
        | Err(Gen::ResponseBodyError(source))
        | Err(Gen::InvalidUpgrade(source)) => transport(source),
        Err(Gen::InvalidRequest(problem)) | Err(Gen::Custom(problem)) => Error::InvalidInput {
            what: "request",
            problem,
        },
    };
    Err(error)
}

fn transport(source: reqwest::Error) -> Error {
    if source.is_timeout() {
        Error::Timeout { source }
    } else {
        Error::Transport { source }
    }
}

async fn collect(stream: ByteStream) -> Result<Bytes, Error> {
    let chunks: Vec<Bytes> = stream.into_inner().try_collect().await.map_err(transport)?;
    Ok(chunks.concat().into())
}

/// Decodes an error body by status; an undecodable documented body keeps status and bytes.
pub(crate) fn decode_error(
    status: StatusCode,
    retry_after: Option<std::time::Duration>,
    body: Bytes,
) -> Error {
    fn typed<T: DeserializeOwned>(
        status: StatusCode,
        body: &Bytes,
        make: impl FnOnce(T) -> Error,
    ) -> Error {
        match serde_json::from_slice::<T>(body) {
            Ok(value) => make(value),
            Err(source) => Error::InvalidBody {
                status,
                body: String::from_utf8_lossy(body).into_owned(),
                source,
            },
        }
    }
    match status.as_u16() {
        400 => typed(status, &body, |body| Error::BadRequest {
            body: Box::new(body),
        }),
        // Every 401 and 429 keeps its meaning whatever its body (a proxy's HTML, text, nothing):
        // the token refresh and the Retry-After pause depend on it.
        401 => Error::Unauthorized {
            body: serde_json::from_slice(&body).ok(),
        },
        403 => typed(status, &body, |body| Error::Forbidden {
            body: Box::new(body),
        }),
        429 => Error::TooManyRequests {
            body: serde_json::from_slice(&body).ok(),
            retry_after,
        },
        500 => typed(status, &body, |body| Error::InternalServerError {
            body: Box::new(body),
        }),
        _ => Error::UnexpectedStatus {
            status,
            detail: serde_json::from_slice::<ErrorResponseDto>(&body)
                .ok()
                .filter(|d| d.detail_code.is_some() || d.tracking_id.is_some())
                .map(Box::new),
            body: String::from_utf8_lossy(&body).into_owned(),
            retry_after,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(status: u16, body: &str) -> Error {
        decode_error(
            StatusCode::from_u16(status).expect("status"),
            None,
            Bytes::from(body.to_string()),
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
            Error::Unauthorized { .. }
        ));
        assert!(matches!(
            decode(429, r#"{"message":" Rate Limit Exceeded "}"#),
            Error::TooManyRequests { .. }
        ));
        assert_eq!(decode(500, dto).tracking_id(), Some("t1"));
    }

    #[test]
    fn every_401_and_429_keeps_its_variant_whatever_the_body() {
        for body in [
            "",
            "<html>Too Many</html>",
            "rate limited",
            "{\"message\": 3",
        ] {
            assert!(matches!(
                decode(429, body),
                Error::TooManyRequests { body: None, .. }
            ));
            assert!(matches!(
                decode(401, body),
                Error::Unauthorized { body: None }
            ));
        }
    }

    #[test]
    fn open_enums_and_null_arrays_still_decode() {
        let err = decode(
            403,
            r#"{"detailCode":"403 Forbidden","trackingId":"abc","messages":[{"locale":"en-US","localeOrigin":"HEADER","text":"no"}],"causes":null}"#,
        );
        assert_eq!(err.tracking_id(), Some("abc"));
        assert_eq!(err.detail_code(), Some("403 Forbidden"));
    }

    #[test]
    fn undecodable_and_unexpected_bodies_keep_status_and_bytes() {
        match decode(500, "<html>oops</html>") {
            Error::InvalidBody { status, body, .. } => {
                assert_eq!(status, 500);
                assert_eq!(body, "<html>oops</html>");
            }
            other => panic!("unexpected {other:?}"),
        }
        match decode(404, r#"{"detailCode":"404 Not found","trackingId":"t9"}"#) {
            err @ Error::UnexpectedStatus { .. } => assert_eq!(err.tracking_id(), Some("t9")),
            other => panic!("unexpected {other:?}"),
        }
        match decode(502, "<html>Bad Gateway</html>") {
            Error::UnexpectedStatus { detail, body, .. } => {
                assert!(detail.is_none());
                assert!(body.contains("Bad Gateway"));
            }
            other => panic!("unexpected {other:?}"),
        }
    }
}
