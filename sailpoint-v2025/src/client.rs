//! The [`Client`]: configuration resolved once, shared state behind an `Arc`, and the facade's
//! operations, each run through the one execution path ([`crate::runtime::execute`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::runtime::auth::{Authenticator, Bearer};
use crate::runtime::config::{ClientBuilder, Endpoints, Resolved};
use crate::runtime::limiter::Limiter;
use crate::runtime::response::ResponseReader;
use crate::runtime::retry_budget::RetryTokens;
use crate::{Error, RetryConfig};

/// A SailPoint ISC v2025 API client.
///
/// Cheap to clone: clones share the HTTP connection pool, the cached token and the rate limiter.
/// Build one with [`Client::builder`] or [`Client::from_env`].
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = sailpoint_v2025::Client::from_env()?;
/// let result = client
///     .send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001")
///     .await?;
/// println!("machine account: {}", result.is_machine);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    http: reqwest::Client,
    endpoints: Endpoints,
    pub(crate) auth: Authenticator,
    pub(crate) retry: RetryConfig,
    pub(crate) limiter: Limiter,
    /// The retry budget shared by the clones.
    pub(crate) retry_tokens: RetryTokens,
    /// The whole-request timeout of the SDK-built HTTP client (`None` with a user's client,
    /// whose timeouts the SDK does not know).
    pub(crate) attempt_timeout: Option<Duration>,
    /// Typed results and errors: redaction of the client's secrets, the body cap.
    pub(crate) reader: ResponseReader,
    /// OpenTelemetry instruments (nothing without the `opentelemetry` feature).
    pub(crate) metrics: crate::runtime::metrics::Metrics,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.endpoints.host)
            .field("auth", &self.inner.auth)
            .field("retry", &self.inner.retry)
            .field("limiter", &self.inner.limiter)
            .finish()
    }
}

impl ClientBuilder {
    /// Resolves the configuration and builds the client. Performs no I/O except reading the
    /// config file; the first token is fetched on the first call.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the setting and the places looked at when the base URL or
    /// credentials are missing or malformed.
    pub fn build(self) -> Result<Client, Error> {
        Client::from_builder(self)
    }
}

impl Client {
    /// A builder for a client; settings it leaves unset come from the environment and
    /// `./config.json` (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured entirely from the environment (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`,
    /// `SAIL_CLIENT_SECRET` or `SAIL_ACCESS_TOKEN`), falling back to `./config.json`; with
    /// `SAIL_REDIS_URL` set, in fleet mode (feature `redis`, see [`crate::ENV_REDIS_URL`]).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming the missing or malformed setting and the places looked at.
    pub fn from_env() -> Result<Self, Error> {
        Self::builder().build()
    }

    pub(crate) fn from_builder(builder: ClientBuilder) -> Result<Self, Error> {
        let resolved = builder.resolve()?;
        let limiter = Limiter::new(&builder.rate_limit)?;
        // Fleet mode (SAIL_REDIS_URL, .shared_rate_limit()): runtime/shared_limit.rs.
        let limiter = attach_shared_limit(limiter, &builder, &resolved)?;
        let (http, attempt_timeout) = match builder.http_client.clone() {
            Some(http) => (http, None),
            None => (
                crate::runtime::transport::http_client(&builder)?,
                Some(builder.timeout),
            ),
        };
        let reader =
            ResponseReader::new(resolved.credentials.redactor(), builder.max_response_bytes);
        let metrics = crate::runtime::metrics::Metrics::new(
            &resolved.endpoints.api,
            &resolved.endpoints.token,
        );
        let auth = Authenticator::new(
            resolved.credentials,
            resolved.endpoints.token.clone(),
            http.clone(),
            builder.token_timeout,
            metrics.clone(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoints: resolved.endpoints,
                auth,
                retry_tokens: RetryTokens::new(builder.retry.get_retry_budget()),
                retry: builder.retry,
                limiter,
                attempt_timeout,
                reader,
                metrics,
            }),
        })
    }

    /// The base URL the generated client uses (the tenant host plus `/v2025`).
    pub fn api_base_url(&self) -> &str {
        &self.inner.endpoints.api
    }

    /// How many OAuth2 tokens this client (and its clones) fetched so far.
    pub fn tokens_fetched(&self) -> u64 {
        self.inner.auth.tokens_fetched()
    }

    /// The generated client (the escape hatch to the raw operation), authenticated with the
    /// current token. It bypasses this client's retries and rate limit.
    ///
    /// # Errors
    ///
    /// [`Error::Auth`] when a token cannot be fetched.
    pub async fn raw(&self) -> Result<sailpoint_v2025_client::Client, Error> {
        let bearer = self
            .inner
            .auth
            .bearer()
            .await
            .map_err(|failure| failure.to_error())?;
        Ok(self.generated(&bearer))
    }

    pub(crate) fn generated(&self, bearer: &Bearer) -> sailpoint_v2025_client::Client {
        // Cheap: the reqwest client is an `Arc`, and the generated client holds nothing else
        // but the base URL and the `Authorization` value.
        sailpoint_v2025_client::Client::new_with_client(
            &self.inner.endpoints.api,
            self.inner.http.clone(),
            sailpoint_v2025_client::CallContext {
                authorization: Some(bearer.header.clone()),
                max_response_bytes: self.inner.reader.max_response_bytes,
            },
        )
    }
}

/// Connects `limiter` to the fleet's store when one is configured (builder, then
/// [`ENV_REDIS_URL`](crate::ENV_REDIS_URL)). No I/O: the store is first asked on the first call.
fn attach_shared_limit(
    limiter: Limiter,
    builder: &ClientBuilder,
    resolved: &Resolved,
) -> Result<Limiter, Error> {
    #[cfg(feature = "redis")]
    {
        let (shared, looked_at) = match &builder.shared_rate_limit {
            Some(shared) => (shared.clone(), "builder .shared_rate_limit()"),
            None => match builder.env_var(crate::ENV_REDIS_URL) {
                Some(url) => (
                    crate::runtime::shared_limit::SharedRateLimit::redis(url),
                    crate::ENV_REDIS_URL,
                ),
                None => return Ok(limiter),
            },
        };
        let store = crate::runtime::shared_limit::store::SharedLimiter::new(
            &shared,
            &builder.rate_limit,
            &resolved.endpoints.host,
            &resolved.credentials,
            looked_at,
        )?;
        Ok(limiter.with_shared(store))
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = resolved;
        if builder.env_var(crate::ENV_REDIS_URL).is_some() {
            return Err(Error::config(
                "shared rate limit",
                format!(
                    "{} is set, but this build of sailpoint-v2025 has no fleet mode: \
                     enable the crate feature `redis` (or unset {})",
                    crate::ENV_REDIS_URL,
                    crate::ENV_REDIS_URL
                ),
                crate::ENV_REDIS_URL,
            ));
        }
        Ok(limiter)
    }
}
