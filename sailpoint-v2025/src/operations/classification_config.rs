//! The Machine Classification Config operations: read, set and remove the config (method and
//! criteria) SailPoint classifies a source's accounts with.

use crate::operations::path_id::validate_source_id;
use crate::operations::request::source_request;
use crate::runtime::execute::EXPERIMENTAL_OPT_IN;
use crate::runtime::execute::Operation;
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

source_request! {
    /// A pending `GET /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::get_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    GetMachineClassificationConfigRequest -> MachineClassificationConfig,
    via read_machine_classification_config
}

source_request! {
    /// A pending `PUT /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::set_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    SetMachineClassificationConfigRequest -> MachineClassificationConfig,
    via write_machine_classification_config,
    config: MachineClassificationConfig
}

source_request! {
    /// A pending `DELETE /v2025/sources/{sourceId}/machine-classification-config`, created by
    /// [`Client::delete_machine_classification_config`]. Await it directly, or call
    /// [`send`](Self::send); nothing is sent until then. `Send + 'static`: it can be spawned.
    DeleteMachineClassificationConfigRequest -> (),
    via remove_machine_classification_config
}

impl Client {
    /// A source's machine classification config:
    /// `GET /v2025/sources/{sourceId}/machine-classification-config`.
    ///
    /// **Retries:** a read, idempotent: retried on every retryable failure.
    ///
    /// ```no_run
    /// # async fn run(client: sailpoint_v2025::Client) -> Result<(), sailpoint_v2025::Error> {
    /// let config = client
    ///     .get_machine_classification_config("2c9180835d2e5168015d32f890ca0001")
    ///     .await?;
    /// println!("enabled: {}, method: {:?}", config.enabled, config.classification_method);
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
    /// # async fn run(client: sailpoint_v2025::Client) -> Result<(), sailpoint_v2025::Error> {
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
        config: MachineClassificationConfig,
    ) -> SetMachineClassificationConfigRequest {
        SetMachineClassificationConfigRequest::new(self.clone(), source_id.into(), config)
    }

    /// Removes a source's machine classification config:
    /// `DELETE /v2025/sources/{sourceId}/machine-classification-config`.
    ///
    /// **Retries:** removing twice leaves no config: idempotent, retried on every retryable
    /// failure.
    ///
    /// ```no_run
    /// # async fn run(client: sailpoint_v2025::Client) -> Result<(), sailpoint_v2025::Error> {
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

    async fn read_machine_classification_config(
        &self,
        source_id: String,
    ) -> Result<MachineClassificationConfig, Error> {
        validate_source_id(&source_id)?;
        let id = source_id.as_str();
        self.execute(&GET_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
            client
                .get_machine_classification_config(id, EXPERIMENTAL_OPT_IN)
                .await
        })
        .await
    }

    async fn write_machine_classification_config(
        &self,
        source_id: String,
        config: MachineClassificationConfig,
    ) -> Result<MachineClassificationConfig, Error> {
        validate_source_id(&source_id)?;
        let id = source_id.as_str();
        let config = &config;
        self.execute(&SET_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
            client
                .set_machine_classification_config(id, EXPERIMENTAL_OPT_IN, config)
                .await
        })
        .await
    }

    async fn remove_machine_classification_config(&self, source_id: String) -> Result<(), Error> {
        validate_source_id(&source_id)?;
        let id = source_id.as_str();
        self.execute(&DELETE_MACHINE_CLASSIFICATION_CONFIG, |client| async move {
            client
                .delete_machine_classification_config(id, EXPERIMENTAL_OPT_IN)
                .await
        })
        .await
    }
}
