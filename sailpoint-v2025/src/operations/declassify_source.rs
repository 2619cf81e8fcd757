//! `sendDeclassifyMachineAccountFromSource` (`POST /v2025/sources/{sourceId}/declassify`):
//! undo the machine classification of every account of a source.

use crate::operations::empty_response::accept_any_success;
use crate::operations::path_id::validate_source_id;
use crate::operations::request::operation_request;
use crate::runtime::execute::{EXPERIMENTAL_OPT_IN, Operation};
use crate::{Client, Error};

/// `POST /v2025/sources/{sourceId}/declassify` starts server-side work: treated as not
/// idempotent, so it is retried only when the request provably did not reach the server.
const SEND_DECLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE: Operation = Operation {
    id: "sendDeclassifyMachineAccountFromSource",
    idempotent: false,
};

operation_request! {
    /// A pending `POST /v2025/sources/{sourceId}/declassify`, created by
    /// [`Client::send_declassify_machine_account_from_source`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    SendDeclassifyMachineAccountFromSourceRequest -> (),
    /// The source id this request is about.
    source_id
}

impl SendDeclassifyMachineAccountFromSourceRequest {
    /// Sends the request (see
    /// [`Client::send_declassify_machine_account_from_source`] for what is retried). Any 2xx is
    /// success (SailPoint documents `204`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source).
    pub async fn send(self) -> Result<(), Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        let op = &SEND_DECLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE;
        self.client
            .execute(op, |client| async move {
                accept_any_success(
                    client
                        .send_declassify_machine_account_from_source(id, EXPERIMENTAL_OPT_IN)
                        .await,
                )
            })
            .await
    }
}

impl Client {
    /// Undoes the machine classification of every account of a source:
    /// `POST /v2025/sources/{sourceId}/declassify` (answered 204). Its accounts stop being
    /// machine accounts (they leave [`list_machine_accounts`](Self::list_machine_accounts)).
    ///
    /// **Retries:** a POST that starts work on the server, so it is retried only when the
    /// request provably did not reach the server (connection refused, no token, 429), like
    /// [`send_classify_machine_account_from_source`](Self::send_classify_machine_account_from_source).
    /// **Experimental upstream:** the `X-SailPoint-Experimental: true` header is sent for you.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// client
    ///     .send_declassify_machine_account_from_source("2c9180835d2e5168015d32f890ca0001")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn send_declassify_machine_account_from_source(
        &self,
        source_id: impl Into<String>,
    ) -> SendDeclassifyMachineAccountFromSourceRequest {
        SendDeclassifyMachineAccountFromSourceRequest::new(self.clone(), source_id.into())
    }
}
