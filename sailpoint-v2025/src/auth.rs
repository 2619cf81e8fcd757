//! Authentication: OAuth2 client credentials with a cached, shared, single-flight token, or a
//! ready access token.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::{Mutex, RwLock};
use tokio::time::Instant;
use tracing::Instrument;

use crate::Error;
use crate::error::Redacted;
use crate::redact::Redactor;
use crate::response::MAX_TOKEN_RESPONSE_BYTES;

/// Lifetime assumed when the token endpoint does not say (`expires_in` missing).
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// Refresh this long before expiry at most...
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);

/// How the client authenticates.
#[derive(Clone)]
pub(crate) enum Credentials {
    /// OAuth2 client credentials (API client or personal access token).
    ClientCredentials {
        client_id: String,
        client_secret: SecretString,
    },
    /// A ready bearer token.
    AccessToken(SecretString),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credentials::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", client_id)
                .field("client_secret", &Redacted)
                .finish(),
            Credentials::AccessToken(_) => f.debug_tuple("AccessToken").field(&Redacted).finish(),
        }
    }
}

impl Credentials {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        let looked_at = "the resolved credentials";
        match self {
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => {
                if client_id.trim().is_empty() {
                    return Err(Error::config("client id", "is empty", looked_at));
                }
                if client_secret.expose_secret().trim().is_empty() {
                    return Err(Error::config("client secret", "is empty", looked_at));
                }
            }
            Credentials::AccessToken(token) => {
                let token = token.expose_secret();
                if token.trim().is_empty() {
                    return Err(Error::config("access token", "is empty", looked_at));
                }
                if bearer_header(token).is_none() {
                    return Err(Error::config(
                        "access token",
                        "contains characters not allowed in an HTTP header",
                        looked_at,
                    ));
                }
            }
        }
        Ok(())
    }
}

/// `Bearer <token>` as a header value marked sensitive (so HTTP-level debug output hides it).
fn bearer_header(token: &str) -> Option<HeaderValue> {
    let mut value = HeaderValue::from_str(&format!("Bearer {}", token.trim())).ok()?;
    value.set_sensitive(true);
    Some(value)
}

/// The `Authorization` value to send, with the generation of the token it came from.
#[derive(Clone)]
pub(crate) struct Bearer {
    pub(crate) header: HeaderValue,
    generation: u64,
}

impl fmt::Debug for Bearer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bearer")
            .field("header", &Redacted)
            .field("generation", &self.generation)
            .finish()
    }
}

struct CachedToken {
    bearer: Bearer,
    refresh_at: Instant,
}

/// Hands out bearer tokens: fetched lazily, cached, refreshed before expiry, one fetch in flight
/// for all concurrent callers and clones of the client.
pub(crate) struct Authenticator {
    static_bearer: Option<Bearer>,
    credentials: Credentials,
    token_url: String,
    http: reqwest::Client,
    cache: RwLock<Option<CachedToken>>,
    /// Held while fetching, so concurrent callers wait for one fetch instead of starting theirs.
    fetching: Mutex<()>,
    generation: AtomicU64,
    fetched: AtomicU64,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("credentials", &self.credentials)
            .field("token_url", &self.token_url)
            .field("tokens_fetched", &self.fetched.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    expires_in: Option<u64>,
}

impl Authenticator {
    pub(crate) fn new(credentials: Credentials, token_url: String, http: reqwest::Client) -> Self {
        // A ready token's header is built once, not on every call (it is on the hot path).
        let static_bearer = match &credentials {
            Credentials::AccessToken(token) => {
                bearer_header(token.expose_secret()).map(|header| Bearer {
                    header,
                    generation: 0,
                })
            }
            Credentials::ClientCredentials { .. } => None,
        };
        Self {
            static_bearer,
            credentials,
            token_url,
            http,
            cache: RwLock::new(None),
            fetching: Mutex::new(()),
            generation: AtomicU64::new(0),
            fetched: AtomicU64::new(0),
        }
    }

    /// Whether a `401` can be answered by fetching a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.credentials, Credentials::ClientCredentials { .. })
    }

    /// How many tokens this authenticator fetched so far.
    pub(crate) fn tokens_fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    /// The bearer to send now, fetching or refreshing the token if needed.
    pub(crate) async fn bearer(&self) -> Result<Bearer, Error> {
        if let Some(bearer) = &self.static_bearer {
            return Ok(bearer.clone());
        }
        let (client_id, client_secret) = match &self.credentials {
            Credentials::AccessToken(_) => {
                // `validate()` at build time rejects tokens unusable in a header.
                return Err(Error::config(
                    "access token",
                    "contains characters not allowed in an HTTP header",
                    "the resolved credentials",
                ));
            }
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => (client_id, client_secret),
        };
        if let Some(bearer) = self.fresh().await {
            return Ok(bearer);
        }
        let _only_fetch = self.fetching.lock().await;
        // Someone else may have fetched while we waited for the lock.
        if let Some(bearer) = self.fresh().await {
            return Ok(bearer);
        }
        let (header, lifetime) = self.fetch(client_id, client_secret).await?;
        let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
        let bearer = Bearer { header, generation };
        let margin = MAX_REFRESH_MARGIN.min(lifetime / 4);
        *self.cache.write().await = Some(CachedToken {
            bearer: bearer.clone(),
            refresh_at: Instant::now() + lifetime.saturating_sub(margin),
        });
        Ok(bearer)
    }

    async fn fresh(&self) -> Option<Bearer> {
        let cache = self.cache.read().await;
        cache
            .as_ref()
            .filter(|token| Instant::now() < token.refresh_at)
            .map(|token| token.bearer.clone())
    }

    /// Forgets the token a `401` was answered to, unless it was already replaced, so that many
    /// concurrent 401s for one expired token cause one refresh.
    pub(crate) async fn invalidate(&self, rejected: &Bearer) {
        let mut cache = self.cache.write().await;
        if cache
            .as_ref()
            .is_some_and(|token| token.bearer.generation == rejected.generation)
        {
            *cache = None;
        }
    }

    async fn fetch(
        &self,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<(HeaderValue, Duration), Error> {
        let span = tracing::debug_span!("sailpoint.oauth_token", client_id = %client_id);
        self.fetch_inner(client_id, client_secret)
            .instrument(span)
            .await
    }

    async fn fetch_inner(
        &self,
        client_id: &str,
        client_secret: &SecretString,
    ) -> Result<(HeaderValue, Duration), Error> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", client_secret.expose_secret()),
        ];
        let response = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send()
            .await
            .map_err(|source| {
                let message = format!("token request to {} failed", self.token_url);
                Error::auth(None, message, Some(source.without_url()))
            })?;
        let status = response.status();
        // Read up to a cap, so a flooding endpoint cannot exhaust memory.
        let body = crate::response::read_capped(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(|source| {
                let message = "reading the token response failed";
                Error::auth(Some(status), message, Some(source.without_url()))
            })?
            .ok_or_else(|| {
                let message =
                    format!("the token response exceeds {MAX_TOKEN_RESPONSE_BYTES} bytes");
                Error::auth(Some(status), message, None)
            })?;
        let body = String::from_utf8_lossy(&body);
        // A misbehaving endpoint could echo the form back (raw or encoded): never let the
        // secret through.
        let body = Redactor::new([client_secret.expose_secret()])
            .redact(&body)
            .into_owned();
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "token request rejected");
            return Err(Error::Auth {
                status: Some(status),
                message: format!("token endpoint answered: {}", snippet(&body)),
                source: None,
            });
        }
        // Only the kind and position of the problem: serde_json's message can quote a value.
        let token: TokenResponse = serde_json::from_str(&body).map_err(|e| Error::Auth {
            status: Some(status),
            message: format!(
                "token response is not the expected JSON ({:?} error at line {} column {})",
                e.classify(),
                e.line(),
                e.column()
            ),
            source: None,
        })?;
        let header = bearer_header(&token.access_token).ok_or_else(|| Error::Auth {
            status: Some(status),
            message: "the token endpoint returned a token unusable in an HTTP header".into(),
            source: None,
        })?;
        let lifetime = token
            .expires_in
            .map(Duration::from_secs)
            .unwrap_or(ASSUMED_LIFETIME);
        self.fetched.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(expires_in = lifetime.as_secs(), "fetched access token");
        Ok((header, lifetime))
    }
}

fn snippet(body: &str) -> String {
    let trimmed = body.trim();
    let mut out: String = trimmed.chars().take(300).collect();
    if out.len() < trimmed.len() {
        out.push('…');
    }
    if out.is_empty() {
        out.push_str("(empty body)");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let creds = Credentials::ClientCredentials {
            client_id: "id-1".into(),
            client_secret: SecretString::from("s3cr3t-value".to_string()),
        };
        let shown = format!("{creds:?}");
        assert!(
            shown.contains("id-1") && !shown.contains("s3cr3t"),
            "{shown}"
        );
        let token = Credentials::AccessToken(SecretString::from("eyJtoken".to_string()));
        assert!(!format!("{token:?}").contains("eyJ"));
        let bearer = Bearer {
            header: bearer_header("eyJtoken").expect("valid"),
            generation: 1,
        };
        assert!(!format!("{bearer:?}").contains("eyJ"));
        assert!(bearer.header.is_sensitive());
    }

    #[test]
    fn validation_rejects_empty_and_unsendable_values() {
        let empty_secret = Credentials::ClientCredentials {
            client_id: "id".into(),
            client_secret: SecretString::from(" ".to_string()),
        };
        assert!(matches!(
            empty_secret.validate(),
            Err(Error::Config {
                setting: "client secret",
                ..
            })
        ));
        let bad_token = Credentials::AccessToken(SecretString::from("a\nb".to_string()));
        let err = bad_token.validate().expect_err("newline in token");
        assert!(!err.to_string().contains("a\nb"));
    }
}
