//! Authentication: OAuth2 client credentials with a cached, shared, single-flight token, or a
//! ready access token.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tokio::sync::watch;
use tokio::time::Instant;
use tracing::Instrument;

use crate::Error;
use crate::error::Redacted;
use crate::error::TransportError;
use crate::error::redact::Redactor;
use crate::runtime::response::MAX_TOKEN_RESPONSE_BYTES;

/// Lifetime assumed when the token endpoint does not say (`expires_in` missing).
const ASSUMED_LIFETIME: Duration = Duration::from_secs(300);
/// Refresh this long before expiry at most (and a quarter of the lifetime at least).
const MAX_REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// The shortest token lifetime assumed, whatever `expires_in` says (0 and negative included).
/// One second: even then a busy client fetches at most about one token per second.
const MIN_LIFETIME: Duration = Duration::from_secs(1);
/// The longest token lifetime assumed (ISC's tokens live about 12 minutes).
const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);
/// How long a token failure that asking again would not fix (rejected credentials, a malformed
/// or blank token) is handed to new calls without a new token request.
const FAILURE_MEMORY: Duration = Duration::from_secs(5);
/// After a failed token request, how long a refresh that is due but not urgent (the cached
/// token is still valid) waits before asking again, so a down token endpoint is not asked
/// once per call.
const BACKGROUND_RETRY_PAUSE: Duration = Duration::from_secs(1);
/// The longest a transient token failure with `Retry-After` is remembered.
const MAX_FAILURE_MEMORY: Duration = Duration::from_secs(60);

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
    /// A redactor for the static secret of these credentials (the client secret, or the ready
    /// access token).
    pub(crate) fn redactor(&self) -> Redactor {
        match self {
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => Redactor::client_credentials(client_id, client_secret.expose_secret()),
            Credentials::AccessToken(token) => Redactor::new([token.expose_secret()]),
        }
    }

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

/// Why no token could be had: one token request's failure, shared by every call that waited
/// for it (hence not an [`Error`], which cannot be cloned).
#[derive(Debug)]
pub(crate) struct TokenFailure {
    status: Option<StatusCode>,
    message: String,
    source: Option<TransportError>,
    /// The token endpoint's `Retry-After` (on a 429 or 503), if any.
    pub(crate) retry_after: Option<Duration>,
}

impl TokenFailure {
    fn new(status: Option<StatusCode>, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            source: None,
            retry_after: None,
        }
    }

    fn with_source(mut self, source: reqwest::Error) -> Self {
        self.source = Some(TransportError::new(source.without_url()));
        self
    }

    /// The typed error handed to a caller.
    pub(crate) fn to_error(&self) -> Error {
        Error::Auth {
            status: self.status,
            message: self.message.clone(),
            source: self.source.clone(),
        }
    }

    /// Whether asking again may help (the same rule as for every other error).
    fn is_transient(&self) -> bool {
        crate::runtime::retry::is_retryable(&self.to_error())
    }
}

/// What a token request ended with, as broadcast to its waiters.
type FetchOutcome = Result<Bearer, Arc<TokenFailure>>;

/// Hands out bearer tokens: a ready token, or OAuth2 client-credentials tokens fetched lazily,
/// cached, refreshed before expiry.
pub(crate) struct Authenticator {
    static_bearer: Option<Bearer>,
    credentials: Credentials,
    source: Option<Arc<TokenSource>>,
}

impl fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticator")
            .field("credentials", &self.credentials)
            .field(
                "token_url",
                &self.source.as_ref().map(|source| &source.token_url),
            )
            .field("tokens_fetched", &self.tokens_fetched())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// An authenticator for `credentials`; token requests go to `token_url` over `http`, each
    /// abandoned after `token_timeout` whatever `http`'s own timeouts; `metrics` records them.
    pub(crate) fn new(
        credentials: Credentials,
        token_url: String,
        http: reqwest::Client,
        token_timeout: Duration,
        metrics: crate::runtime::metrics::Metrics,
    ) -> Self {
        match &credentials {
            // A ready token's header is built once, not on every call (it is on the hot path).
            Credentials::AccessToken(token) => Self {
                static_bearer: bearer_header(token.expose_secret()).map(|header| Bearer {
                    header,
                    generation: 0,
                }),
                credentials,
                source: None,
            },
            Credentials::ClientCredentials {
                client_id,
                client_secret,
            } => Self {
                static_bearer: None,
                source: Some(Arc::new(TokenSource {
                    client_id: client_id.clone(),
                    client_secret: client_secret.clone(),
                    token_url,
                    http,
                    timeout: token_timeout,
                    state: Mutex::new(TokenState::default()),
                    generation: AtomicU64::new(0),
                    fetched: AtomicU64::new(0),
                    metrics,
                })),
                credentials,
            },
        }
    }

    /// Whether a `401` can be answered by fetching a new token.
    pub(crate) fn can_refresh(&self) -> bool {
        self.source.is_some()
    }

    /// How many tokens this authenticator fetched so far.
    pub(crate) fn tokens_fetched(&self) -> u64 {
        self.source
            .as_ref()
            .map_or(0, |source| source.fetched.load(Ordering::Relaxed))
    }

    /// The bearer to send now, fetching or refreshing the token if needed.
    pub(crate) async fn bearer(&self) -> Result<Bearer, Arc<TokenFailure>> {
        if let Some(bearer) = &self.static_bearer {
            return Ok(bearer.clone());
        }
        match &self.source {
            Some(source) => source.bearer().await,
            // `validate()` at build time rejects tokens unusable in a header.
            None => Err(Arc::new(TokenFailure::new(
                None,
                "the access token contains characters not allowed in an HTTP header",
            ))),
        }
    }

    /// Forgets the token a `401` was answered to, unless it was already replaced, so that many
    /// concurrent 401s for one expired token cause one refresh.
    pub(crate) fn invalidate(&self, rejected: &Bearer) {
        if let Some(source) = &self.source {
            let mut state = source.lock();
            if state
                .token
                .as_ref()
                .is_some_and(|token| token.bearer.generation == rejected.generation)
            {
                state.token = None;
            }
        }
    }
}

struct CachedToken {
    bearer: Bearer,
    refresh_at: Instant,
    expires_at: Instant,
}

struct RememberedFailure {
    failure: Arc<TokenFailure>,
    until: Instant,
}

#[derive(Default)]
struct TokenState {
    token: Option<CachedToken>,
    failure: Option<RememberedFailure>,
    /// The token request in flight, if any: its outcome arrives on this channel.
    fetch: Option<watch::Receiver<Option<FetchOutcome>>>,
    /// No background refresh starts before this (set when a token request fails).
    background_not_before: Option<Instant>,
}

/// OAuth2 client credentials and the shared token state. Token requests run on their own task
/// (never inside a caller's future), one at a time, each bounded by its own timeout, and hand
/// their outcome to every waiter. A refresh that is due while the cached token is still valid
/// runs in the background: callers keep using the valid token and never wait for it.
struct TokenSource {
    client_id: String,
    client_secret: SecretString,
    token_url: String,
    http: reqwest::Client,
    /// How long one token request may take, sending and reading included.
    timeout: Duration,
    /// Never held across an `.await`.
    state: Mutex<TokenState>,
    generation: AtomicU64,
    fetched: AtomicU64,
    metrics: crate::runtime::metrics::Metrics,
}

impl TokenSource {
    fn lock(&self) -> std::sync::MutexGuard<'_, TokenState> {
        // The state stays consistent at every point a panic could happen, so poisoning can be
        // ignored.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    async fn bearer(self: &Arc<Self>) -> Result<Bearer, Arc<TokenFailure>> {
        // Bounded: a fetch task only vanishes without an outcome when its runtime shuts down.
        for _ in 0..3 {
            let mut outcome = {
                let mut state = self.lock();
                let now = Instant::now();
                if let Some(token) = &state.token
                    && now < token.expires_at
                {
                    let bearer = token.bearer.clone();
                    if now >= token.refresh_at
                        && state.background_not_before.is_none_or(|at| now >= at)
                    {
                        // Due, but still valid: refresh in the background and use this one.
                        // A failure to start it is retried by the next call.
                        let _ = self.fetch_in_flight(&mut state, now);
                    }
                    return Ok(bearer);
                }
                if let Some(remembered) = &state.failure
                    && now < remembered.until
                {
                    return Err(remembered.failure.clone());
                }
                self.fetch_in_flight(&mut state, now)?
            };
            // Waiting here holds no lock; dropping this future leaves the fetch running.
            let result = match outcome.wait_for(Option::is_some).await {
                Ok(result) => result.clone(),
                Err(_closed) => continue,
            };
            match result {
                Some(Ok(bearer)) => return Ok(bearer),
                Some(Err(failure)) => {
                    return self.lock().usable_token(Instant::now()).ok_or(failure);
                }
                None => continue,
            }
        }
        Err(Arc::new(TokenFailure::new(
            None,
            "the token request was abandoned (its tokio runtime shut down)",
        )))
    }

    /// The token request in flight, or a new one, unless a failure that asking again would
    /// not fix is still remembered.
    fn fetch_in_flight(
        self: &Arc<Self>,
        state: &mut TokenState,
        now: Instant,
    ) -> Result<watch::Receiver<Option<FetchOutcome>>, Arc<TokenFailure>> {
        if let Some(fetch) = &state.fetch
            && fetch.has_changed().is_ok()
        {
            return Ok(fetch.clone());
        }
        if let Some(remembered) = &state.failure
            && now < remembered.until
        {
            return Err(remembered.failure.clone());
        }
        let fetch = self.spawn_fetch()?;
        state.fetch = Some(fetch.clone());
        Ok(fetch)
    }

    /// Starts a token request on its own task, on the caller's runtime.
    fn spawn_fetch(
        self: &Arc<Self>,
    ) -> Result<watch::Receiver<Option<FetchOutcome>>, Arc<TokenFailure>> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| {
            Arc::new(TokenFailure::new(
                None,
                "no tokio runtime to fetch the token on",
            ))
        })?;
        let (sender, receiver) = watch::channel(None);
        let source = Arc::clone(self);
        let span = tracing::debug_span!("sailpoint.oauth_token", client_id = %self.client_id);
        runtime.spawn(
            async move {
                // The request's own bound, whatever the HTTP client's timeouts (a user's client
                // may have none): a stalled request is abandoned, and the next call starts anew.
                let outcome = tokio::time::timeout(source.timeout, source.fetch())
                    .await
                    .unwrap_or_else(|_| {
                        Err(TokenFailure::new(
                            None,
                            format!(
                                "the token request did not complete within {}s \
                                 (ClientBuilder::token_timeout)",
                                source.timeout.as_secs_f64()
                            ),
                        ))
                    });
                source.metrics.token_request(outcome.is_ok());
                let published = source.publish(outcome);
                // Nobody may be waiting any more; the state is updated regardless.
                let _ = sender.send(Some(published));
            }
            .instrument(span),
        );
        Ok(receiver)
    }

    /// Stores a token request's outcome: the token, or the failure (remembered briefly when
    /// asking again at once would not help).
    fn publish(&self, outcome: Result<(HeaderValue, Duration), TokenFailure>) -> FetchOutcome {
        let now = Instant::now();
        let mut state = self.lock();
        state.fetch = None;
        match outcome {
            Ok((header, lifetime)) => {
                let generation = self.generation.fetch_add(1, Ordering::SeqCst) + 1;
                let bearer = Bearer { header, generation };
                let margin = MAX_REFRESH_MARGIN.min(lifetime / 4);
                state.token = Some(CachedToken {
                    bearer: bearer.clone(),
                    refresh_at: now + (lifetime - margin),
                    expires_at: now + lifetime,
                });
                state.failure = None;
                Ok(bearer)
            }
            Err(failure) => {
                state.background_not_before = Some(now + BACKGROUND_RETRY_PAUSE);
                let remember = if failure.is_transient() {
                    failure.retry_after.map(|wait| wait.min(MAX_FAILURE_MEMORY))
                } else {
                    Some(FAILURE_MEMORY)
                };
                let failure = Arc::new(failure);
                state.failure = remember.map(|memory| RememberedFailure {
                    failure: failure.clone(),
                    until: now + memory,
                });
                Err(failure)
            }
        }
    }

    async fn fetch(&self) -> Result<(HeaderValue, Duration), TokenFailure> {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", self.client_id.as_str()),
            ("client_secret", self.client_secret.expose_secret()),
        ];
        let send = self
            .http
            .post(&self.token_url)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form)
            .send();
        let response = self
            .metrics
            .token_http_request(send)
            .await
            .map_err(|source| {
                TokenFailure::new(None, format!("token request to {} failed", self.token_url))
                    .with_source(source)
            })?;
        let status = response.status();
        if status.is_redirection() {
            // Never followed: the client secret must not travel to another origin.
            return Err(TokenFailure::new(
                Some(status),
                "the token endpoint answered with a redirect, which is not followed",
            ));
        }
        let retry_after = crate::runtime::retry::parse_retry_after(response.headers());
        // Read up to a cap, so a flooding endpoint cannot exhaust memory.
        let body = crate::runtime::response::read_capped(response, MAX_TOKEN_RESPONSE_BYTES)
            .await
            .map_err(|source| {
                // No status: the exchange did not complete, and like a timeout it is transient.
                TokenFailure::new(
                    None,
                    format!("reading the token response (status {status}) failed"),
                )
                .with_source(source)
            })?
            .ok_or_else(|| {
                let message =
                    format!("the token response exceeds {MAX_TOKEN_RESPONSE_BYTES} bytes");
                TokenFailure::new(Some(status), message)
            })?;
        // A misbehaving endpoint could echo the form back (raw or encoded): never let the
        // secret through.
        let body = String::from_utf8_lossy(&body);
        let body =
            Redactor::client_credentials(&self.client_id, self.client_secret.expose_secret())
                .redact(&body)
                .into_owned();
        if !status.is_success() {
            tracing::warn!(status = status.as_u16(), "token request rejected");
            let mut failure = TokenFailure::new(
                Some(status),
                format!("token endpoint answered: {}", snippet(&body)),
            );
            failure.retry_after = retry_after;
            return Err(failure);
        }
        let token: TokenResponse = serde_json::from_str(&body).map_err(|e| {
            // Only the kind and position: serde_json's message can quote a value.
            TokenFailure::new(
                Some(status),
                format!(
                    "token response is not the expected JSON ({:?} error at line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
            )
        })?;
        let header = Some(token.access_token.trim())
            .filter(|token| !token.is_empty())
            .and_then(bearer_header)
            .ok_or_else(|| {
                TokenFailure::new(
                    Some(status),
                    "the token endpoint returned a blank token or one unusable in an HTTP header",
                )
            })?;
        let lifetime = token_lifetime(token.expires_in.as_ref());
        self.fetched.fetch_add(1, Ordering::Relaxed);
        tracing::debug!(expires_in = lifetime.as_secs(), "fetched access token");
        Ok((header, lifetime))
    }
}

impl TokenState {
    /// The cached token if it has not expired yet (used when a refresh failed).
    fn usable_token(&self, now: Instant) -> Option<Bearer> {
        self.token
            .as_ref()
            .filter(|token| now < token.expires_at)
            .map(|token| token.bearer.clone())
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Any JSON number (negative and fractional ones included) or absent; see
    /// [`token_lifetime`].
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
}

/// The lifetime to assume for a token whose response said `expires_in`: missing or not a
/// number means [`ASSUMED_LIFETIME`]; otherwise clamped to [`MIN_LIFETIME`]..[`MAX_LIFETIME`],
/// so that `0` or a negative value does not mean one token request per call and an enormous
/// one does not overflow.
fn token_lifetime(expires_in: Option<&serde_json::Value>) -> Duration {
    let Some(seconds) = expires_in.and_then(serde_json::Value::as_f64) else {
        return ASSUMED_LIFETIME;
    };
    if seconds.is_nan() || seconds <= MIN_LIFETIME.as_secs_f64() {
        MIN_LIFETIME
    } else if seconds >= MAX_LIFETIME.as_secs_f64() {
        MAX_LIFETIME
    } else {
        Duration::from_secs_f64(seconds)
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
    fn token_lifetimes_are_clamped_never_panic() {
        use serde_json::json;
        assert_eq!(token_lifetime(None), ASSUMED_LIFETIME);
        assert_eq!(token_lifetime(Some(&json!("soon"))), ASSUMED_LIFETIME);
        for short in [
            json!(0),
            json!(-5),
            json!(-1e300),
            json!(0.5),
            json!(i64::MIN),
        ] {
            assert_eq!(token_lifetime(Some(&short)), MIN_LIFETIME, "{short}");
        }
        for long in [json!(u64::MAX), json!(1e300), json!(10_000_000)] {
            assert_eq!(token_lifetime(Some(&long)), MAX_LIFETIME, "{long}");
        }
        assert_eq!(token_lifetime(Some(&json!(749))), Duration::from_secs(749));
        assert_eq!(
            token_lifetime(Some(&json!(749.5))),
            Duration::from_millis(749_500)
        );
        let response: TokenResponse =
            serde_json::from_str(r#"{"access_token":"t","expires_in":-3.5}"#).expect("lenient");
        assert_eq!(token_lifetime(response.expires_in.as_ref()), MIN_LIFETIME);
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
