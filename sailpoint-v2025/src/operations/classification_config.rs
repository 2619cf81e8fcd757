//! The Machine Classification Config operations: read, set and remove the config (method and
//! criteria) SailPoint classifies a source's accounts with.

use crate::operations::empty_response::accept_any_success;
use crate::operations::path_id::validate_source_id;
use crate::operations::request::operation_request;
use crate::runtime::execute::{EXPERIMENTAL_OPT_IN, Operation};
use crate::{Client, Error, MachineClassificationConfig};

/// `GET`: a read, idempotent.
const GET_MACHINE_CLASSIFICATION_CONFIG: Operation = Operation {
    id: "getMachineClassificationConfig",
    idempotent: true,
};

/// `PUT`: replaces the whole config, so sending it twice leaves the same config: idempotent.
const SET_MACHINE_CLASSIFICATION_CONFIG: Operation = Operation {
    id: "setMachineClassificationConfig",
    idempotent: true,
};

/// `DELETE`: removing twice leaves no config: idempotent.
const DELETE_MACHINE_CLASSIFICATION_CONFIG: Operation = Operation {
    id: "deleteMachineClassificationConfig",
    idempotent: true,
};

operation_request! {
    /// A pending `GET /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::get_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    GetMachineClassificationConfigRequest -> MachineClassificationConfig,
    /// The source id this request is about.
    source_id
}

operation_request! {
    /// A pending `PUT /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::set_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    SetMachineClassificationConfigRequest -> MachineClassificationConfig,
    /// The source id this request is about.
    source_id,
    config: MachineClassificationConfig
}

operation_request! {
    /// A pending `DELETE /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::delete_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    DeleteMachineClassificationConfigRequest -> (),
    /// The source id this request is about.
    source_id
}

impl GetMachineClassificationConfigRequest {
    /// Sends the request (a read: retried on every retryable failure).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source or one without a config).
    pub async fn send(self) -> Result<MachineClassificationConfig, Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        self.client
            .execute(&GET_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
                client
                    .get_machine_classification_config(id, EXPERIMENTAL_OPT_IN)
                    .await
            })
            .await
    }
}

impl SetMachineClassificationConfigRequest {
    /// The config this request stores.
    pub fn config(&self) -> &MachineClassificationConfig {
        &self.config
    }

    /// Sends the request (the whole config is replaced: idempotent, retried on every
    /// retryable failure).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a source id that is not one path segment (before any
    /// request), otherwise the typed error of the last attempt ([`Error::NotFound`] for an
    /// unknown source).
    pub async fn send(self) -> Result<MachineClassificationConfig, Error> {
        validate_source_id(&self.source_id)?;
        let id = self.source_id.as_str();
        let config = &self.config;
        self.client
            .execute(&SET_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
                client
                    .set_machine_classification_config(id, EXPERIMENTAL_OPT_IN, config)
                    .await
            })
            .await
    }
}

impl DeleteMachineClassificationConfigRequest {
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
        self.client
            .execute(&DELETE_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
                accept_any_success(
                    client
                        .delete_machine_classification_config(id, EXPERIMENTAL_OPT_IN)
                        .await,
                )
            })
            .await
    }
}

impl Client {
    /// A source's machine classification config:
    /// `GET /v2025/sources/{sourceId}/machine-classification-config`.
    ///
    /// **Retries:** a read, idempotent: retried on every retryable failure.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// use sailpoint_v2025::ErrorKind;
    ///
    /// match client
    ///     .get_machine_classification_config("2c9180835d2e5168015d32f890ca0001")
    ///     .await
    /// {
    ///     Ok(config) => println!("enabled: {}, method: {:?}", config.enabled, config.classification_method),
    ///     // A source that never had a config set.
    ///     Err(err) if err.error_kind() == ErrorKind::NotFound => println!("no config"),
    ///     Err(err) => return Err(err.into()),
    /// }
    /// # Ok(()) }
    /// ```
    pub fn get_machine_classification_config(
        &self,
        source_id: impl Into<String>,
    ) -> GetMachineClassificationConfigRequest {
        GetMachineClassificationConfigRequest::new(self.clone(), source_id.into())
    }

    /// Replaces a source's machine classification config:
    /// `PUT /v2025/sources/{sourceId}/machine-classification-config`. Returns the stored
    /// config (with SailPoint's `created`/`modified`).
    ///
    /// **Retries:** the whole config is replaced, so it is idempotent and retried on every
    /// retryable failure.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// use sailpoint_v2025::{
    ///     MachineClassificationConfig, MachineClassificationConfigClassificationMethod,
    ///     MachineClassificationCriteriaLevel1, MachineClassificationCriteriaOperation,
    /// };
    ///
    /// let config = MachineClassificationConfig {
    ///     enabled: true,
    ///     classification_method: Some(MachineClassificationConfigClassificationMethod::Criteria),
    ///     criteria: Some(MachineClassificationCriteriaLevel1 {
    ///         operation: Some(MachineClassificationCriteriaOperation::StartsWith),
    ///         attribute: Some("sAMAccountName".into()),
    ///         value: Some("svc-".into()),
    ///         ..Default::default()
    ///     }),
    ///     ..Default::default()
    /// };
    /// let stored = client
    ///     .set_machine_classification_config("2c9180835d2e5168015d32f890ca0001", config)
    ///     .await?;
    /// println!("created {:?}", stored.created);
    /// # Ok(()) }
    /// ```
    pub fn set_machine_classification_config(
        &self,
        source_id: impl Into<String>,
        config: impl Into<MachineClassificationConfig>,
    ) -> SetMachineClassificationConfigRequest {
        SetMachineClassificationConfigRequest::new(self.clone(), source_id.into(), config.into())
    }

    /// Removes a source's machine classification config:
    /// `DELETE /v2025/sources/{sourceId}/machine-classification-config`.
    ///
    /// **Retries:** removing twice leaves no config: idempotent, retried on every retryable
    /// failure.
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// client
    ///     .delete_machine_classification_config("2c9180835d2e5168015d32f890ca0001")
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn delete_machine_classification_config(
        &self,
        source_id: impl Into<String>,
    ) -> DeleteMachineClassificationConfigRequest {
        DeleteMachineClassificationConfigRequest::new(self.clone(), source_id.into())
    }
}
