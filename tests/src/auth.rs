//! OAuth 2 client credentials: the token endpoint and the token store.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde_json::json;

use crate::config::OAuthClient;
use crate::counters::{ReceivedTokenRequest, header};
use crate::faults::{self, DropConnection, Endpoint, Fault};
use crate::responses;
use crate::state::Shared;

/// Largest token request body read (larger bodies get 400).
const MAX_FORM_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
struct IssuedToken {
    client_id: String,
    may_classify: bool,
    may_read_sources: bool,
    may_manage_sources: bool,
    expires_at: Instant,
}

/// What a bearer token is worth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenCheck {
    /// Valid, issued to this client.
    Valid {
        client_id: String,
        may_classify: bool,
        may_read_sources: bool,
        may_manage_sources: bool,
    },
    /// Known but expired.
    Expired { client_id: String },
    /// Not issued by this emulator (or revoked).
    Unknown,
}

/// Issued tokens, by value.
#[derive(Debug)]
pub(crate) struct TokenStore {
    lifetime: Duration,
    tokens: HashMap<String, IssuedToken>,
    identity_ids: HashMap<String, String>,
}

impl TokenStore {
    pub(crate) fn new(lifetime: Duration) -> Self {
        Self {
            lifetime,
            tokens: HashMap::new(),
            identity_ids: HashMap::new(),
        }
    }

    pub(crate) fn lifetime(&self) -> Duration {
        self.lifetime
    }

    pub(crate) fn set_lifetime(&mut self, lifetime: Duration) {
        self.lifetime = lifetime;
    }

    /// Issues a new random token for `client`; returns it and the identity id
    /// of the client (stable per client for the emulator's lifetime).
    pub(crate) fn issue(&mut self, client: &OAuthClient, now: Instant) -> (String, String) {
        // Forget long-expired tokens so the map does not grow without bound.
        self.tokens
            .retain(|_, t| now.saturating_duration_since(t.expires_at) < Duration::from_secs(3600));
        let token = random_token();
        self.tokens.insert(
            token.clone(),
            IssuedToken {
                client_id: client.id.clone(),
                may_classify: client.may_classify(),
                may_read_sources: client.may_read_sources(),
                may_manage_sources: client.may_manage_sources(),
                expires_at: now + self.lifetime,
            },
        );
        let identity = self
            .identity_ids
            .entry(client.id.clone())
            .or_insert_with(random_hex32)
            .clone();
        (token, identity)
    }

    pub(crate) fn check(&self, token: &str, now: Instant) -> TokenCheck {
        match self.tokens.get(token) {
            None => TokenCheck::Unknown,
            Some(t) if now >= t.expires_at => TokenCheck::Expired {
                client_id: t.client_id.clone(),
            },
            Some(t) => TokenCheck::Valid {
                client_id: t.client_id.clone(),
                may_classify: t.may_classify,
                may_read_sources: t.may_read_sources,
                may_manage_sources: t.may_manage_sources,
            },
        }
    }

    /// Makes every issued token expired.
    pub(crate) fn expire_all(&mut self, now: Instant) {
        for t in self.tokens.values_mut() {
            t.expires_at = t.expires_at.min(now);
        }
    }

    /// Forgets every issued token (they become unknown).
    pub(crate) fn revoke_all(&mut self) {
        self.tokens.clear();
    }
}

/// A random opaque access token: 64 ASCII letters and digits.
fn random_token() -> String {
    std::iter::repeat_with(fastrand::alphanumeric)
        .take(64)
        .collect()
}

fn random_hex32() -> String {
    format!("{:016x}{:016x}", fastrand::u64(..), fastrand::u64(..))
}

/// A random version-4 style UUID string.
pub(crate) fn random_uuid() -> String {
    let h = random_hex32();
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// `POST /oauth/token`.
pub(crate) async fn token_handler(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, MAX_FORM_BYTES).await;

    let fault = shared.with_state(|s| {
        s.counters.token_requests += 1;
        let fault = s.token_faults.pop();
        if fault.is_some() {
            s.counters.faults_applied += 1;
        }
        fault
    });

    let params = TokenParams::parse(&parts, body.as_deref().ok());
    let mut log = ReceivedTokenRequest {
        received_at: Utc::now(),
        grant_type: params.as_ref().ok().and_then(|p| p.grant_type.clone()),
        client_id: params.as_ref().ok().and_then(|p| p.client_id.clone()),
        credentials_in: params.as_ref().map_or("none", |p| p.credentials_in),
        user_agent: header(&parts.headers, "user-agent"),
        content_type: header(&parts.headers, "content-type"),
        fault: fault.clone(),
        status: None,
    };

    let mut response = None;
    if let Some(fault) = &fault {
        response = faults::render(fault, Endpoint::Token);
        if let Fault::Delay(delay) = fault {
            tokio::time::sleep(*delay).await;
        }
    }
    let faulted = response.is_some();
    let response = match response {
        Some(response) => response,
        None => match params {
            Ok(params) => issue(&shared, params),
            Err(description) => {
                responses::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", description)
            }
        },
    };
    let issued = !faulted && response.status() == StatusCode::OK;

    let dropped = response.extensions().get::<DropConnection>().is_some();
    if !dropped {
        log.status = Some(response.status().as_u16());
    }
    shared.with_state(|s| {
        if dropped {
            s.counters.dropped_connections += 1;
        }
        if issued {
            s.counters.tokens_issued += 1;
        } else {
            s.counters.token_failures += 1;
        }
        if response.status() == StatusCode::TOO_MANY_REQUESTS && !dropped {
            s.counters.rate_limited += 1;
        }
        s.log_token_request(log);
    });
    response
}

/// The parameters of a token request.
#[derive(Debug)]
struct TokenParams {
    grant_type: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
    credentials_in: &'static str,
}

impl TokenParams {
    /// Reads the form body, the query string and HTTP Basic credentials.
    /// Credentials are taken from Basic auth, else the form body, else the
    /// query string.
    fn parse(parts: &Parts, body: Option<&[u8]>) -> Result<Self, &'static str> {
        let body = body.ok_or("The request body could not be read or is too large")?;
        let form: Vec<(String, String)> =
            serde_urlencoded::from_bytes(body).map_err(|_| "Malformed form body")?;
        let query: Vec<(String, String)> =
            serde_urlencoded::from_str(parts.uri.query().unwrap_or(""))
                .map_err(|_| "Malformed query string")?;
        let find = |list: &[(String, String)], key: &str| {
            list.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
        };
        let grant_type = find(&form, "grant_type").or_else(|| find(&query, "grant_type"));

        if let Some((id, secret)) = basic_credentials(parts) {
            return Ok(Self {
                grant_type,
                client_id: Some(id),
                client_secret: Some(secret),
                credentials_in: "basic",
            });
        }
        for (list, place) in [(&form, "form"), (&query, "query")] {
            let id = find(list, "client_id");
            if id.is_some() {
                return Ok(Self {
                    grant_type,
                    client_id: id,
                    client_secret: find(list, "client_secret"),
                    credentials_in: place,
                });
            }
        }
        Ok(Self {
            grant_type,
            client_id: None,
            client_secret: None,
            credentials_in: "none",
        })
    }
}

/// `Authorization: Basic base64(id:secret)`, if present and well-formed.
fn basic_credentials(parts: &Parts) -> Option<(String, String)> {
    let value = parts.headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    Some((id.to_owned(), secret.to_owned()))
}

/// Standard base64 (padding optional); `None` for invalid input.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    fn value(c: u8) -> Option<u32> {
        match c {
            b'A'..=b'Z' => Some(u32::from(c - b'A')),
            b'a'..=b'z' => Some(u32::from(c - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(c - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    }
    let data = input.trim_end_matches('=').as_bytes();
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for chunk in data.chunks(4) {
        let mut acc = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            acc |= value(c)? << (18 - 6 * i);
        }
        let bytes = acc.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Validates the parameters and issues a token, or answers the OAuth error.
fn issue(shared: &Shared, params: TokenParams) -> Response {
    match params.grant_type.as_deref() {
        None => {
            return responses::oauth_error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Missing grant type",
            );
        }
        Some("client_credentials") => {}
        Some(other) => {
            return responses::oauth_error(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                &format!("Unsupported grant type: {other}"),
            );
        }
    }
    let (Some(client_id), Some(secret)) = (params.client_id, params.client_secret) else {
        return responses::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Full authentication is required: missing client credentials",
        );
    };
    let issued = shared.with_state(|s| {
        let client = s
            .clients
            .get(&client_id)
            .filter(|c| c.secret == secret)?
            .clone();
        let (token, identity) = s.tokens.issue(&client, Instant::now());
        Some((
            token,
            identity,
            client.scopes.join(" "),
            s.tokens.lifetime(),
        ))
    });
    let Some((token, identity, scope, lifetime)) = issued else {
        return responses::oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "Bad credentials",
        );
    };
    let body = json!({
        "access_token": token,
        "token_type": "bearer",
        "expires_in": lifetime.as_secs(),
        "scope": scope,
        "tenant_id": shared.tenant_id,
        "pod": shared.pod,
        "org": shared.org,
        "identity_id": identity,
        "user_id": identity,
        "jti": random_uuid(),
    });
    responses::no_store((StatusCode::OK, Json(body)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64() {
        assert_eq!(
            base64_decode("ZGVtby1jbGllbnQ6ZGVtby1zZWNyZXQ="),
            Some(b"demo-client:demo-secret".to_vec())
        );
        assert_eq!(base64_decode("YQ"), Some(b"a".to_vec()));
        assert_eq!(base64_decode(""), Some(Vec::new()));
        assert_eq!(base64_decode("a"), None);
        assert_eq!(base64_decode("a*bc"), None);
    }

    #[test]
    fn store() {
        let mut store = TokenStore::new(Duration::from_secs(10));
        let client = OAuthClient::new("c", "s");
        let t0 = Instant::now();
        let (token, id1) = store.issue(&client, t0);
        let (_, id2) = store.issue(&client, t0);
        assert_eq!(id1, id2);
        assert_eq!(token.len(), 64);
        assert!(matches!(
            store.check(&token, t0),
            TokenCheck::Valid {
                may_classify: true,
                ..
            }
        ));
        assert!(matches!(
            store.check(&token, t0 + Duration::from_secs(10)),
            TokenCheck::Expired { .. }
        ));
        assert_eq!(store.check("nope", t0), TokenCheck::Unknown);
        store.expire_all(t0);
        assert!(matches!(
            store.check(&token, t0),
            TokenCheck::Expired { .. }
        ));
        store.revoke_all();
        assert_eq!(store.check(&token, t0), TokenCheck::Unknown);
    }

    #[test]
    fn uuid_shape() {
        let u = random_uuid();
        let parts: Vec<_> = u.split('-').map(str::len).collect();
        assert_eq!(parts, [8, 4, 4, 4, 12]);
    }
}
