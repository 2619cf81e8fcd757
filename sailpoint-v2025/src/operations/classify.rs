//! The request builder for `sendClassifyMachineAccount`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::{ClassificationMode, Client, Error, SendClassifyMachineAccount200Response};

/// A pending `POST /v2025/accounts/{id}/classify`, created by
/// [`Client::send_classify_machine_account`].
///
/// Await it directly, or call [`send`](Self::send). Nothing is sent until then.
///
/// It owns a handle to the client (a cheap clone), so the request and its future are
/// `Send + 'static`: they can be spawned or stored.
///
/// ```no_run
/// # async fn run(client: sailpoint_v2025::Client) -> Result<(), Box<dyn std::error::Error>> {
/// let task = tokio::spawn(client.send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001").send());
/// let result = task.await??;
/// println!("machine: {}", result.is_machine);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ClassifyRequest {
    client: Client,
    id: String,
    mode: ClassificationMode,
}

impl ClassifyRequest {
    pub(crate) fn new(client: Client, id: String) -> Self {
        Self {
            client,
            id,
            mode: ClassificationMode::Default,
        }
    }

    /// How to classify (default: [`ClassificationMode::Default`], sent explicitly as
    /// `classificationMode=default`):
    ///
    /// * `Default`: the criteria decide; accounts that were classified manually keep their
    ///   classification.
    /// * `IgnoreManual`: like `Default`, but manually classified accounts are re-evaluated too.
    /// * `ForceMachine` / `ForceHuman`: sets the classification (and marks it manual).
    pub fn classification_mode(mut self, mode: ClassificationMode) -> Self {
        self.mode = mode;
        self
    }

    /// The account id this request classifies.
    pub fn account_id(&self) -> &str {
        &self.id
    }

    /// Sends the request (with the client's rate limit, authentication and retries).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an empty id (before any request), otherwise the typed error
    /// of the last attempt.
    pub async fn send(self) -> Result<SendClassifyMachineAccount200Response, Error> {
        self.client.classify(&self.id, self.mode).await
    }
}

impl IntoFuture for ClassifyRequest {
    type Output = Result<SendClassifyMachineAccount200Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
