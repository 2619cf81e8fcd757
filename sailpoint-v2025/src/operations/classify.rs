//! `sendClassifyMachineAccount`: classify one account as machine or human.

use tracing::Instrument;

use crate::operations::path_id::validate_account_id;
use crate::operations::request::operation_request;
use crate::runtime::execute::{EXPERIMENTAL_OPT_IN, Operation};
use crate::{ClassificationMode, Client, Error, SendClassifyMachineAccount200Response};

/// `POST /v2025/accounts/{id}/classify`: idempotent (asking twice for the same account and mode
/// has the effect of asking once), so every retryable failure is retried.
const SEND_CLASSIFY_MACHINE_ACCOUNT: Operation = Operation {
    id: "sendClassifyMachineAccount",
    idempotent: true,
};

operation_request! {
    /// A pending `POST /v2025/accounts/{id}/classify`, created by
    /// [`Client::send_classify_machine_account`].
    ///
    /// Await it directly, or call [`send`](Self::send). Nothing is sent until then.
    ///
    /// It owns a handle to the client (a cheap clone), so the request and its future are
    /// `Send + 'static`: they can be spawned or stored.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// let task = tokio::spawn(client.send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001").send());
    /// let result = task.await??;
    /// println!("machine: {}", result.is_machine);
    /// # Ok(()) }
    /// ```
    SendClassifyMachineAccountRequest -> SendClassifyMachineAccount200Response,
    /// The account id this request classifies.
    account_id,
    mode: ClassificationMode
}

/// The name this builder had before every builder was named after its operation.
#[deprecated(
    since = "0.1.0",
    note = "renamed to `SendClassifyMachineAccountRequest`"
)]
pub type ClassifyRequest = SendClassifyMachineAccountRequest;

impl SendClassifyMachineAccountRequest {
    /// How to classify (default: [`ClassificationMode::Default`], sent explicitly as
    /// `classificationMode=default`):
    ///
    /// * `Default`: the criteria decide; accounts that were classified manually keep their
    ///   classification.
    /// * `IgnoreManual`: like `Default`, but manually classified accounts are re-evaluated too.
    /// * `ForceMachine` / `ForceHuman`: sets the classification (and marks it manual).
    pub fn classification_mode(mut self, mode: impl Into<ClassificationMode>) -> Self {
        self.mode = mode.into();
        self
    }

    /// Sends the request (with the client's rate limit, authentication and retries).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an id that is not one path segment (before any request),
    /// otherwise the typed error of the last attempt ([`Error::NotFound`] for an unknown id).
    pub async fn send(self) -> Result<SendClassifyMachineAccount200Response, Error> {
        send_classify_machine_account(&self.client, &self.account_id, self.mode).await
    }
}

impl Client {
    /// Classifies one account as machine or human: `POST /v2025/accounts/{id}/classify`.
    ///
    /// Returns a request builder: await it directly (it implements `IntoFuture`), or set
    /// [`classification_mode`](SendClassifyMachineAccountRequest::classification_mode) first.
    /// Without a mode, `classificationMode=default` is sent.
    ///
    /// **Experimental upstream:** SailPoint marks this endpoint experimental; the client sends
    /// the required `X-SailPoint-Experimental: true` header for you. Its behaviour may change
    /// without a new API version.
    ///
    /// The call is idempotent, so it is retried per the client's
    /// [`RetryConfig`](crate::RetryConfig).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// use sailpoint_v2025::ClassificationMode;
    ///
    /// let r = client.send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001").await?;
    /// let forced = client
    ///     .send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001")
    ///     .classification_mode(ClassificationMode::ForceMachine)
    ///     .await?;
    /// assert!(forced.is_machine);
    /// # Ok(()) }
    /// ```
    pub fn send_classify_machine_account(
        &self,
        id: impl Into<String>,
    ) -> SendClassifyMachineAccountRequest {
        SendClassifyMachineAccountRequest::new(self.clone(), id.into(), ClassificationMode::Default)
    }
}

/// The operation itself, through the execution path (the request builder's and the bulk
/// workflow's: no builder, no copy of the id).
pub(crate) async fn send_classify_machine_account(
    client: &Client,
    id: &str,
    mode: ClassificationMode,
) -> Result<SendClassifyMachineAccount200Response, Error> {
    validate_account_id(id)?;
    // Built in each branch rather than moved into `instrument`: a future moved into
    // another would be stored twice in this one (rust-lang/rust#62958).
    let call = || {
        client.execute(&SEND_CLASSIFY_MACHINE_ACCOUNT, |client| async move {
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

#[cfg(test)]
mod tests {
    use std::any::TypeId;

    use super::*;

    /// The old name is the same type as the new one, so code written against it keeps
    /// compiling (with a deprecation warning) and mixes with code using the new name.
    #[test]
    #[allow(deprecated)]
    fn the_old_builder_name_is_the_same_type() {
        assert_eq!(
            TypeId::of::<crate::ClassifyRequest>(),
            TypeId::of::<SendClassifyMachineAccountRequest>()
        );
    }
}
