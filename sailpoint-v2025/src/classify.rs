//! The request builder for `sendClassifyMachineAccount`.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::{ClassificationMode, Client, Error, SendClassifyMachineAccount200Response};

/// A pending `POST /v2025/accounts/{id}/classify`, created by
/// [`Client::send_classify_machine_account`].
///
/// Await it directly, or call [`send`](Self::send). Nothing is sent until then.
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited"]
pub struct ClassifyRequest<'c> {
    client: &'c Client,
    id: String,
    mode: ClassificationMode,
}

impl<'c> ClassifyRequest<'c> {
    pub(crate) fn new(client: &'c Client, id: String) -> Self {
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

impl<'c> IntoFuture for ClassifyRequest<'c> {
    type Output = Result<SendClassifyMachineAccount200Response, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'c>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
