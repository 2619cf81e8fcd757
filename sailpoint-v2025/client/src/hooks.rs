// Written by `cargo xtask generate` from xtask/templates/client_hooks.rs: edit it there.

//! Hand-written hooks of the generated client: what every request carries and how every
//! response body is read.
//!
//! This file is written by `cargo xtask generate` from `xtask/templates/client_hooks.rs` (edit
//! it there); it is not progenitor output. The generated operations call these hooks because
//! the generator runs with `HooksMode::Expected` and [`CallContext`] as the client's inner type.

use std::error::Error as StdError;
use std::fmt::Write as _;

use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::header::{AUTHORIZATION, HeaderValue};

/// The default cap on a response body: 4 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = 4 * 1024 * 1024;

/// What the generated [`Client`](crate::Client) applies to every call.
#[derive(Clone, Debug)]
pub struct CallContext {
    /// Sent as `Authorization` on every request when set. Mark it sensitive
    /// ([`HeaderValue::set_sensitive`]) so that `Debug` output hides it.
    pub authorization: Option<HeaderValue>,
    /// The longest response body read, in bytes. Reading a longer body fails with an error
    /// that [`is_body_too_large`] recognises, after at most this many bytes were buffered.
    pub max_response_bytes: usize,
}

impl Default for CallContext {
    /// No `Authorization`, bodies capped at [`DEFAULT_MAX_RESPONSE_BYTES`].
    fn default() -> Self {
        Self {
            authorization: None,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
        }
    }
}

impl From<Option<HeaderValue>> for CallContext {
    /// This `Authorization` value (if any) and the default body cap.
    fn from(authorization: Option<HeaderValue>) -> Self {
        Self {
            authorization,
            ..Self::default()
        }
    }
}

impl ClientHooks<CallContext> for crate::Client {
    async fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> Result<(), Error<E>> {
        if let Some(value) = &self.inner().authorization {
            request.headers_mut().insert(AUTHORIZATION, value.clone());
        }
        encode_path_strictly(self.baseurl(), request.url_mut());
        Ok(())
    }

    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(limit_body(response, self.inner().max_response_bytes))
    }
}

/// Whether `error` (or any error in its `source()` chain) is a response body that exceeded
/// [`CallContext::max_response_bytes`].
pub fn is_body_too_large(error: &(dyn StdError + 'static)) -> bool {
    let mut current = Some(error);
    while let Some(error) = current {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        current = error.source();
    }
    false
}

/// The response with its body wrapped in a length limit. The limit applies to the bytes as
/// they arrive, so a chunked body without `Content-Length` is stopped too.
fn limit_body(response: reqwest::Response, limit: usize) -> reqwest::Response {
    let url = response.url().clone();
    let (mut parts, body) = http::Response::<reqwest::Body>::from(response).into_parts();
    // `reqwest::Response::from(http::Response)` takes the URL from this extension (and parses
    // a placeholder without it).
    if let Ok(carrier) = reqwest::ResponseBuilderExt::url(http::Response::builder(), url).body(()) {
        parts.extensions.extend(carrier.into_parts().0.extensions);
    }
    let body = reqwest::Body::wrap(http_body_util::Limited::new(body, limit));
    reqwest::Response::from(http::Response::from_parts(parts, body))
}

/// Percent-encodes every byte outside RFC 3986's unreserved set in the path after the base
/// URL's own path. Progenitor's `encode_path` leaves sub-delimiters such as `;` raw, and some
/// servers and proxies read `..;` as `..`. A `%` there is always the start of an escape
/// (`encode_path` escapes a literal `%`), and `/` separates the operation's segments.
fn encode_path_strictly(baseurl: &str, url: &mut reqwest::Url) {
    let base_path = baseurl
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or("")
        .trim_end_matches('/');
    let path = url.path();
    let Some(rest) = path.strip_prefix(base_path) else {
        return;
    };
    let keep =
        |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/' | b'%');
    if rest.bytes().all(keep) {
        return;
    }
    let mut encoded = String::with_capacity(path.len() + 16);
    encoded.push_str(base_path);
    for b in rest.bytes() {
        if keep(b) {
            encoded.push(char::from(b));
        } else {
            let _ = write!(encoded, "%{b:02X}");
        }
    }
    url.set_path(&encoded);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_delimiters_after_the_base_path_are_encoded() {
        let mut url = reqwest::Url::parse("http://h/api;v=1/v2025/accounts/a;b=c,d!/classify?x=;")
            .expect("url");
        encode_path_strictly("http://h/api;v=1/v2025", &mut url);
        assert_eq!(
            url.as_str(),
            "http://h/api;v=1/v2025/accounts/a%3Bb%3Dc%2Cd%21/classify?x=;"
        );
        let mut plain = reqwest::Url::parse("http://h/v2025/accounts/a%2Fb/classify").expect("url");
        encode_path_strictly("http://h/v2025", &mut plain);
        assert_eq!(plain.as_str(), "http://h/v2025/accounts/a%2Fb/classify");
    }
}
