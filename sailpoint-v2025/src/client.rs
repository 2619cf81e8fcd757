//! The [`Client`]: configuration resolved once, shared state behind an `Arc`, and the facade's
//! operations, each run through the one execution path ([`crate::runtime::execute`]).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tracing::Instrument;

use crate::runtime::auth::{Authenticator, Bearer};
use crate::runtime::config::{ClientBuilder, Endpoints};
use crate::runtime::execute::{EXPERIMENTAL_OPT_IN, Operation};
use crate::runtime::rate_limit::Limiter;
use crate::runtime::response::ResponseReader;
use crate::{
    ClassificationMode, ClassifyRequest, Error, RetryConfig, SendClassifyMachineAccount200Response,
};

/// `POST /v2025/accounts/{id}/classify`: idempotent (asking twice for the same account and mode
/// has the effect of asking once), so every retryable failure is retried.
const SEND_CLASSIFY_MACHINE_ACCOUNT: Operation = Operation {
    id: "sendClassifyMachineAccount",
    idempotent: true,
};

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
    pub(crate) auth: Authenticator,
    pub(crate) retry: RetryConfig,
    pub(crate) limiter: Limiter,
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
        let (http, attempt_timeout) = match builder.http_client.clone() {
            Some(http) => (http, None),
            None => (
                crate::runtime::transport::http_client(&builder)?,
                Some(builder.timeout),
            ),
        };
        let reader = ResponseReader::new(&resolved.credentials, builder.max_response_bytes);
        let metrics = crate::runtime::metrics::Metrics::new(
            &resolved.endpoints.api,
            &resolved.endpoints.token,
        );
        let auth = Authenticator::new(
            resolved.credentials,
            resolved.endpoints.token.clone(),
            http.clone(),
            metrics.clone(),
        );
        Ok(Self {
            inner: Arc::new(Inner {
                http,
                endpoints: resolved.endpoints,
                auth,
                retry: builder.retry,
                limiter,
                attempt_timeout,
                reader,
                metrics,
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
    pub fn send_classify_machine_account(&self, id: impl Into<String>) -> ClassifyRequest {
        ClassifyRequest::new(self.clone(), id.into())
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

    /// One classify call, through the execution path.
    pub(crate) async fn classify(
        &self,
        id: &str,
        mode: ClassificationMode,
    ) -> Result<SendClassifyMachineAccount200Response, Error> {
        crate::operations::path_id::validate_account_id(id)?;
        // Built in each branch rather than moved into `instrument`: a future moved into
        // another would be stored twice in this one (rust-lang/rust#62958).
        let call = || {
            self.execute(&SEND_CLASSIFY_MACHINE_ACCOUNT, |client| async move {
                client
                    .send_classify_machine_account(id, Some(mode), EXPERIMENTAL_OPT_IN)
                    .await
            })
        };
        let span = tracing::debug_span!("sailpoint.classify", account_id = %id, mode = %mode);
        // Instrumenting costs even when nothing listens, so only when a subscriber does.
        if span.is_disabled() {
            call().await
        } else {
            call().instrument(span).await
        }
    }
}
