//! The Classify Source operations: start, watch and cancel SailPoint's server-side
//! classification of all of a source's accounts.

use crate::operations::empty_response::accept_any_success;
use crate::operations::path_id::validate_source_id;
use crate::operations::request::operation_request;
use crate::runtime::execute::{EXPERIMENTAL_OPT_IN, Operation};
use crate::{
    Client, Error, SendClassifyMachineAccountFromSource200Response, SourceClassificationStatus,
};

/// `POST /v2025/sources/{sourceId}/classify` starts a job: not idempotent (a second start may
/// start a second job or be refused), so it is retried only when the request provably did not
/// reach the server.
const SEND_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE: Operation = Operation {
    id: "sendClassifyMachineAccountFromSource",
    idempotent: false,
};

/// `GET /v2025/sources/{sourceId}/classify` reads: idempotent.
const GET_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE_STATUS: Operation = Operation {
    id: "getClassifyMachineAccountFromSourceStatus",
    idempotent: true,
};

/// `DELETE /v2025/sources/{sourceId}/classify` cancels: idempotent (cancelling twice leaves the
/// job cancelled).
const DELETE_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE: Operation = Operation {
    id: "deleteClassifyMachineAccountFromSource",
    idempotent: true,
};

operation_request! {
    /// A pending `POST /v2025/sources/{sourceId}/classify`, created by
    /// [`Client::send_classify_machine_account_from_source`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    SendClassifyMachineAccountFromSourceRequest -> SendClassifyMachineAccountFromSource200Response,
    /// The source id this request is about.
    source_id
}

operation_request! {
    /// A pending `GET /v2025/sources/{sourceId}/classify`, created by
    /// [`Client::get_classify_machine_account_from_source_status`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    GetClassifyMachineAccountFromSourceStatusRequest -> SourceClassificationStatus,
    /// The source id this request is about.
    source_id
}

operation_request! {
    /// A pending `DELETE /v2025/sources/{sourceId}/classify`, created by
    /// [`Client::delete_classify_machine_account_from_source`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    DeleteClassifyMachineAccountFromSourceRequest -> (),
    /// The source id this request is about.
    source_id
}

impl SendClassifyMachineAccountFromSourceRequest {
    /// Sends the request (see
    /// [`Client::send_classify_machine_account_from_source`] for what is retried).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source).
    pub async fn send(self) -> Result<SendClassifyMachineAccountFromSource200Response, Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        let op = &SEND_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE;
        self.client
            .execute(op, |client| async move {
                client
                    .send_classify_machine_account_from_source(id, EXPERIMENTAL_OPT_IN)
                    .await
            })
            .await
    }
}

impl GetClassifyMachineAccountFromSourceStatusRequest {
    /// Sends the request (a read: retried on every retryable failure).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source or one without a job).
    pub async fn send(self) -> Result<SourceClassificationStatus, Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        let op = &GET_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE_STATUS;
        self.client
            .execute(op, |client| async move {
                client
                    .get_classify_machine_account_from_source_status(id, EXPERIMENTAL_OPT_IN)
                    .await
            })
            .await
    }
}

impl DeleteClassifyMachineAccountFromSourceRequest {
    /// Sends the request (idempotent: retried on every retryable failure). Any 2xx is success
    /// (`204` is documented).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source).
    pub async fn send(self) -> Result<(), Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        let op = &DELETE_CLASSIFY_MACHINE_ACCOUNT_FROM_SOURCE;
        self.client
            .execute(op, |client| async move {
                accept_any_success(
                    client
                        .delete_classify_machine_account_from_source(id, EXPERIMENTAL_OPT_IN)
                        .await,
                )
            })
            .await
    }
}

impl Client {
    /// Starts SailPoint's server-side classification of every account of a source:
    /// `POST /v2025/sources/{sourceId}/classify`. The answer says how many accounts were
    /// submitted (`accounts_submitted_for_processing`); watch the job with
    /// [`get_classify_machine_account_from_source_status`](Self::get_classify_machine_account_from_source_status),
    /// or let [`classify_source`](Self::classify_source) do both.
    ///
    /// **Retries:** starting a job is not idempotent, so this call is retried only when the
    /// request provably did not reach the server (connection refused, no token, 429).
    /// **Experimental upstream:** the `X-SailPoint-Experimental: true` header is sent for you.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// let started = client
    ///     .send_classify_machine_account_from_source("2c9180835d2e5168015d32f890ca0001")
    ///     .await?;
    /// println!("{:?} accounts submitted", started.accounts_submitted_for_processing);
    /// # Ok(()) }
    /// ```
    pub fn send_classify_machine_account_from_source(
        &self,
        source_id: impl Into<String>,
    ) -> SendClassifyMachineAccountFromSourceRequest {
        SendClassifyMachineAccountFromSourceRequest::new(self.clone(), source_id.into())
    }

    /// The status of a source's latest classification job:
    /// `GET /v2025/sources/{sourceId}/classify`. `status` is `STARTED`, `COLLECTED`,
    /// `COMPLETED`, `CANCELLED` or `TERMINATED`, or a value SailPoint adds later: kept as an
    /// open string, read it as a [`SourceJobStatus`](crate::SourceJobStatus) with
    /// [`job_status()`](crate::SourceClassificationStatusExt::job_status). `counts` has
    /// `expected`, `received` and `completed` accounts (`u64`).
    ///
    /// **Retries:** a read, idempotent: retried on every retryable failure.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// let source = "2c9180835d2e5168015d32f890ca0001";
    /// // A source has a status once a job was started (a 404 before).
    /// client.send_classify_machine_account_from_source(source).await?;
    /// let status = client
    ///     .get_classify_machine_account_from_source_status(source)
    ///     .await?;
    /// if let Some(counts) = &status.counts {
    ///     println!("{:?}: {}/{}", status.status, counts.completed, counts.expected);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_classify_machine_account_from_source_status(
        &self,
        source_id: impl Into<String>,
    ) -> GetClassifyMachineAccountFromSourceStatusRequest {
        GetClassifyMachineAccountFromSourceStatusRequest::new(self.clone(), source_id.into())
    }

    /// Cancels a source's running classification job:
    /// `DELETE /v2025/sources/{sourceId}/classify`. Accounts classified before the cancel keep
    /// their classification.
    ///
    /// **Retries:** cancelling twice leaves the job cancelled, so it is retried on every
    /// retryable failure.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// client
    ///     .delete_classify_machine_account_from_source("2c9180835d2e5168015d32f890ca0001")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_classify_machine_account_from_source(
        &self,
        source_id: impl Into<String>,
    ) -> DeleteClassifyMachineAccountFromSourceRequest {
        DeleteClassifyMachineAccountFromSourceRequest::new(self.clone(), source_id.into())
    }
}
