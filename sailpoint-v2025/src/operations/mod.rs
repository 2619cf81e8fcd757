//! The API's operations as request builders on [`Client`](crate::Client), each run through the
//! runtime's one execution path.

pub(crate) mod classification_config;
pub(crate) mod classify;
pub(crate) mod declassify_source;
pub(crate) mod empty_response;
pub(crate) mod list_accounts;
pub(crate) mod list_query;
pub(crate) mod machine_accounts;
pub(crate) mod path_id;
pub(crate) mod request;
pub(crate) mod source_classification;
pub(crate) mod source_job_status;
