//! The [`Client`]: configuration resolved once, shared state behind an `Arc`, and the attempt
//! loop (rate limit, auth, retries) around the generated operation.

use std::fmt;
use std::sync::Arc;

use tracing::Instrument;

use crate::auth::{Authenticator, Bearer};
use crate::config::{ClientBuilder, Endpoints};
use crate::rate_limit::Limiter;
use crate::response::ResponseReader;
use crate::retry::is_retryable_status;
use crate::{
    ClassificationMode, ClassifyRequest, Error, RetryConfig, SendClassifyMachineAccount200Response,
};

/// The value of `X-SailPoint-Experimental` that opts in to experimental endpoints.
const EXPERIMENTAL_OPT_IN: &str = "true";

/// A SailPoint ISC v2025 API client.
///
/// Cheap to clone: clones share the HTTP connection pool, the cached token and the rate limiter.
/// Build one with [`Client::builder`] or [`Client::from_env`].
///
/// ```no_run
/// # async fn run() -> Result<(), sailpoint_v2025::Error> {
/// let client = sailpoint_v2025::Client::from_env()?;
/// let result = client
///     .send_classify_machine_account("ef38f94347e94562b5bb8424a56397d8")
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
    auth: Authenticator,
    retry: RetryConfig,
    pub(crate) limiter: Limiter,
    reader: ResponseReader,
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

impl Client {
    /// A builder for a client; settings it leaves unset come from the environment and
    /// `./config.json` (see [`ClientBuilder`]).
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client configured entirely from the environment (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`,
    /// `SAIL_CLIENT_SECRET` or `SAIL_ACCESS_TOKEN`), falling back to `./config.json`.
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
        let http = match builder.http_client.clone() {
            Some(http) => http,
            None => crate::transport::http_client(&builder)?,
        };
        let reader = ResponseReader::new(&resolved.credentials, builder.max_response_bytes);
        let auth = Authenticator::new(
            resolved.credentials,
            resolved.endpoints.token.clone(),
            http.clone(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoints: resolved.endpoints,
                auth,
                retry: builder.retry,
                limiter,
                reader,
            }),
        })
    }

    /// Classifies one account as machine or human: `POST /v2025/accounts/{id}/classify`.
    ///
    /// Returns a request builder: await it directly (it implements `IntoFuture`), or set
    /// [`classification_mode`](ClassifyRequest::classification_mode) first. Without a mode,
    /// `classificationMode=default` is sent.
    ///
    /// **Experimental upstream:** SailPoint marks this endpoint experimental; the client sends
    /// the required `X-SailPoint-Experimental: true` header for you. Its behaviour may change
    /// without a new API version.
    ///
    /// The call is idempotent, so it is retried per the client's [`RetryConfig`].
    ///
    /// ```no_run
    /// # async fn run(client: sailpoint_v2025::Client) -> Result<(), sailpoint_v2025::Error> {
    /// use sailpoint_v2025::ClassificationMode;
    ///
    /// let r = client.send_classify_machine_account("ef38f94347e94562b5bb8424a56397d8").await?;
    /// let forced = client
    ///     .send_classify_machine_account("ef38f94347e94562b5bb8424a56397d8")
    ///     .classification_mode(ClassificationMode::ForceMachine)
    ///     .await?;
    /// assert!(forced.is_machine);
    /// # Ok(()) }
    /// ```
    pub fn send_classify_machine_account(&self, id: impl Into<String>) -> ClassifyRequest<'_> {
        ClassifyRequest::new(self, id.into())
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
        let bearer = self.inner.auth.bearer().await?;
        Ok(self.generated(&bearer))
    }

    fn generated(&self, bearer: &Bearer) -> sailpoint_v2025_client::Client {
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

    /// The attempt loop of one classify call.
    pub(crate) async fn classify(
        &self,
        id: &str,
        mode: ClassificationMode,
    ) -> Result<SendClassifyMachineAccount200Response, Error> {
        crate::account_id::validate_account_id(id)?;
        let retry = &self.inner.retry;
        let mut attempt: u32 = 0;
        let mut refreshed_after_401 = false;
        loop {
            attempt += 1;
            let span = tracing::debug_span!(
                "sailpoint.classify",
                operation = "sendClassifyMachineAccount",
                account_id = %id,
                mode = %mode,
                attempt,
                status = tracing::field::Empty,
                tracking_id = tracing::field::Empty,
            );
            // Instrumenting costs even when nothing listens, so only when a subscriber does.
            let result = if span.is_disabled() {
                self.attempt(id, mode).await
            } else {
                self.attempt(id, mode).instrument(span.clone()).await
            };
            let (bearer, error) = match result {
                Ok(value) => {
                    span.record("status", 200);
                    return Ok(value);
                }
                Err(failure) => failure,
            };
            if let Some(status) = error.status() {
                span.record("status", status.as_u16());
            }
            if let Some(tracking_id) = error.tracking_id() {
                span.record("tracking_id", tracking_id);
            }
            if let Some(bearer) = &bearer
                && matches!(error, Error::Unauthorized { .. })
                && self.inner.auth.can_refresh()
                && !refreshed_after_401
            {
                // One refresh and one more try: the token may have expired or been revoked.
                // This is authentication, not a retry, so it does not use up an attempt.
                tracing::info!(parent: &span, "401 Unauthorized; refreshing the token and retrying once");
                refreshed_after_401 = true;
                self.inner.auth.invalidate(bearer).await;
                attempt -= 1;
                continue;
            }
            if let Error::TooManyRequests {
                retry_after: Some(wait),
                ..
            } = &error
            {
                // Everyone using this client waits, whether or not this call retries: ISC
                // limits per client_id and escalates repeated violations.
                self.inner.limiter.pause(*wait);
            }
            if !is_retryable(&error) || attempt >= retry.get_max_attempts() {
                return Err(error);
            }
            let wait = match error.retry_after() {
                Some(wait) if wait > retry.get_max_retry_after() => {
                    tracing::warn!(
                        parent: &span,
                        retry_after_s = wait.as_secs(),
                        "Retry-After exceeds the configured maximum; giving up"
                    );
                    return Err(error);
                }
                Some(wait) => wait,
                None => retry.backoff(attempt + 1),
            };
            tracing::info!(parent: &span, error = %error, wait_ms = wait.as_millis() as u64, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    /// One attempt: a rate-limit slot, a token, the generated call. On failure, the bearer that
    /// was used (if one was obtained) and the typed error.
    async fn attempt(
        &self,
        id: &str,
        mode: ClassificationMode,
    ) -> Result<SendClassifyMachineAccount200Response, (Option<Bearer>, Error)> {
        self.inner.limiter.acquire().await;
        let bearer = self.inner.auth.bearer().await.map_err(|e| (None, e))?;
        let result = self
            .generated(&bearer)
            .send_classify_machine_account(id, Some(mode), EXPERIMENTAL_OPT_IN)
            .await;
        match self.inner.reader.read(result, Some(&bearer.header)).await {
            Ok(value) => Ok(value),
            Err(error) => Err((Some(bearer), error)),
        }
    }
}

/// Whether another attempt may help: 429, 5xx except 501, timeouts, connection failures, and
/// transient failures of the token endpoint.
fn is_retryable(error: &Error) -> bool {
    match error {
        Error::TooManyRequests { .. }
        | Error::InternalServerError { .. }
        | Error::Timeout { .. }
        | Error::Transport { .. } => true,
        Error::UnexpectedStatus { status, .. } | Error::InvalidBody { status, .. } => {
            is_retryable_status(*status)
        }
        Error::Auth { .. } => is_transient_auth(error),
        _ => false,
    }
}

fn is_transient_auth(err: &Error) -> bool {
    match err {
        Error::Auth {
            status: Some(status),
            ..
        } => is_retryable_status(*status),
        Error::Auth {
            status: None,
            source: Some(_),
            ..
        } => true,
        _ => false,
    }
}
