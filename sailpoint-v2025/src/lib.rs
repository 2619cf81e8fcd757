//! Rust SDK for SailPoint Identity Security Cloud (ISC), API v2025.
//!
//! Built for long-running jobs that classify thousands of accounts:
//!
//! * **Auth that lasts**: OAuth2 client credentials fetched lazily, cached, refreshed before they
//!   expire in the background without delaying calls, one token request in flight for all
//!   concurrent callers, each bounded by its own timeout; a `401` triggers one refresh and one
//!   retry.
//! * **Retries that respect ISC**: `429` waits out `Retry-After` (seconds or HTTP-date) and
//!   pauses every caller of the client; 5xx (except 501), timeouts and connection failures back
//!   off exponentially with jitter; a shared [`RetryBudget`] stops retries multiplying the load
//!   on a failing server. See [`RetryConfig`].
//! * **Pacing**: a client-side [`RateLimit`] (ISC's 100 requests per 10 s by default) shared by
//!   all clones of a [`Client`]; with the `redis` feature, by every process on the same
//!   `client_id` (fleet mode: `SharedRateLimit`, `SAIL_REDIS_URL`).
//! * **Bulk runs**: [`Client::classify_accounts`] streams one result per item (an id, owned or
//!   borrowed, or your own [`BulkAccount`] with its own mode), handed back with the item, with
//!   bounded concurrency and flat memory, whatever fails.
//! * **Durable runs**: a [`Journal`] records each result as one JSON line, so a run that was
//!   killed resumes without sending the ids it finished; [`GracefulStop`] ends a run on a
//!   signal after the calls in flight.
//! * **Typed errors**: one [`Error`] with a variant per documented status carrying SailPoint's
//!   body (a 404 is [`Error::NotFound`] on every operation), [`Error::error_kind`] to match on
//!   ([`ErrorKind`]), and [`Error::status`], [`Error::tracking_id`], [`Error::retry_after`].
//! * **No leaks**: client secrets and tokens never appear in `Debug`, `Display`, logs or errors.
//!
//! # Quickstart
//!
//! ```no_run
//! use sailpoint_v2025::{ClassificationMode, Client, Error, RetryConfig};
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // From SAIL_BASE_URL / SAIL_CLIENT_ID / SAIL_CLIENT_SECRET, else ./config.json:
//! let client = Client::from_env()?;
//!
//! // Or explicitly (building sends nothing; the token is fetched by the first call):
//! let acme = Client::builder()
//!     .tenant("acme") // https://acme.api.identitynow.com
//!     .client_credentials("client-id", "client-secret")
//!     .retry(RetryConfig::default())
//!     .timeout(std::time::Duration::from_secs(30))
//!     .build()?;
//!
//! let r = client
//!     .send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001")
//!     .await?; // classificationMode=default
//! println!("machine: {}", r.is_machine);
//!
//! match client
//!     .send_classify_machine_account("2c9180857a1b4f1e017a1b5c0e3a0001")
//!     .classification_mode(ClassificationMode::ForceMachine)
//!     .await
//! {
//!     Ok(r) => assert!(r.is_machine),
//!     Err(err) => eprintln!(
//!         "failed: {err} (status {:?}, trackingId {:?})",
//!         err.status(),
//!         err.tracking_id()
//!     ),
//! }
//! # Ok(()) }
//! ```
//!
//! # Configuration
//!
//! The [`ClientBuilder`] wins over the environment (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`,
//! `SAIL_CLIENT_SECRET`, `SAIL_ACCESS_TOKEN`), which wins over `./config.json` (`BaseURL`,
//! `ClientId`, `ClientSecret`): the base URL and the credentials each come from the first place
//! that has them, and a client id and secret are a pair, never one from each place. The base
//! URL is the tenant's API host (not the web UI's `{tenant}.identitynow.com`, no path but
//! `/v2025`); `/v2025` and `/oauth/token` are appended. Variables and keys it does not read are
//! named, with the known name they most likely meant, in the error of a missing setting.
//!
//! # Testing your code
//!
//! The `sailpoint-v2025-testkit` crate runs a local ISC emulator (OAuth2, classification,
//! rate limit, fault injection) for your tests, and `emulator.client()` is an SDK client set up
//! for it in one call (no client-side rate limit unless asked); `sailpoint-v2025-httpmock`
//! offers typed `httpmock` mocks of the operations, matching the paths this client calls.
//! Point the client at either with [`ClientBuilder::base_url`].
//!
//! # Features
//!
//! * `rustls` (default): reqwest's default TLS (rustls with the aws-lc-rs provider, the
//!   operating system's certificate store): what an application using reqwest with its default
//!   features already compiles, so the SDK adds no second crypto library and changes nothing
//!   in how the application's own `reqwest::Client`s are built.
//! * `ring`: rustls with the `ring` provider instead of aws-lc (`default-features = false,
//!   features = ["ring"]`). It turns on reqwest's `rustls-no-provider`, which cargo unifies into
//!   your application's reqwest: a `reqwest::Client` your program builds itself then needs a
//!   process-wide rustls provider installed first (or reqwest's `rustls` feature elsewhere in
//!   the build), or reqwest panics; the clients this crate builds use ring either way.
//! * `native-tls`: the platform's TLS library; wins over the others when several are enabled
//!   (`default-features = false, features = ["native-tls"]` to build without rustls).
//! * `opentelemetry`: metrics through the `opentelemetry` crate's global meter provider (see
//!   the README's Metrics section).
//! * `schemars`: `schemars::JsonSchema` for every model.
//! * `redis`: fleet mode, the rate limit and the 429 pause shared through Redis by every
//!   process on a `client_id` (`SharedRateLimit`, [`ENV_REDIS_URL`]); without it, a set
//!   `SAIL_REDIS_URL` is a configuration error. `redis-tls` adds `rediss://`.
//!
//! One TLS feature is required: without any, the crate does not compile.
//!
//! # Layers
//!
//! This crate is a hand-written facade over `sailpoint-v2025-client`, which is generated by
//! progenitor from SailPoint's spec; the `generated` module re-exports it (its documentation:
//! [`sailpoint-v2025-client`](https://docs.rs/sailpoint-v2025-client)), and [`Client::raw`]
//! gives you an authenticated generated client.

#![deny(missing_docs)]
// A doc link that does not resolve fails the documentation build, with or without
// `RUSTDOCFLAGS="-D warnings"`.
#![deny(rustdoc::broken_intra_doc_links, rustdoc::private_intra_doc_links)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(not(any(feature = "rustls", feature = "ring", feature = "native-tls")))]
compile_error!(
    "sailpoint-v2025 needs a TLS backend: enable the `rustls` (default), `ring` or `native-tls` feature"
);

// `client` first: rustdoc lists `Client`'s methods in module order, so its constructors come
// before the operations and bulk helpers added by the other modules.
mod client;

mod error;
mod operations;
mod runtime;
mod workflows;

pub use client::Client;
pub use error::kind::ErrorKind;
pub use error::server_text::MAX_BODY_SNIPPET_BYTES;
pub use error::{DecodeError, Error, ResponseDetails, TransportError};
pub use operations::classification_config::{
    DeleteMachineClassificationConfigRequest, GetMachineClassificationConfigRequest,
    SetMachineClassificationConfigRequest,
};
#[allow(deprecated)]
pub use operations::classify::ClassifyRequest;
pub use operations::classify::SendClassifyMachineAccountRequest;
pub use operations::declassify_source::SendDeclassifyMachineAccountFromSourceRequest;
pub use operations::list_accounts::ListAccountsRequest;
pub use operations::machine_accounts::ListMachineAccountsRequest;
pub use operations::path_id::MAX_ACCOUNT_ID_BYTES;
pub use operations::source_classification::{
    DeleteClassifyMachineAccountFromSourceRequest,
    GetClassifyMachineAccountFromSourceStatusRequest, SendClassifyMachineAccountFromSourceRequest,
};
pub use operations::source_job_status::{SourceClassificationStatusExt, SourceJobStatus};
pub use runtime::config::{
    ClientBuilder, DEFAULT_CONFIG_FILE, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT, DEFAULT_TOKEN_TIMEOUT, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET,
};
pub use runtime::rate_limit::RateLimit;
pub use runtime::retry::{DEFAULT_DEADLINE, RetryConfig};
pub use runtime::retry_budget::RetryBudget;
pub use runtime::shared_limit::ENV_REDIS_URL;
#[cfg(feature = "redis")]
pub use runtime::shared_limit::{
    DEFAULT_FALLBACK_PROCESSES, DEFAULT_KEY_PREFIX, DEFAULT_STORE_TIMEOUT, SharedRateLimit,
};
pub use workflows::bulk::{BulkClassify, BulkItem, DEFAULT_CONCURRENCY};
pub use workflows::bulk_account::BulkAccount;
pub use workflows::classify_source::{ClassifySource, ClassifySourceCancel, DEFAULT_POLL_INTERVAL};
pub use workflows::graceful_stop::{DrainWithGrace, FeedUntilStop, GracefulStop};
pub use workflows::journal::{JOURNAL_SYNC_INTERVAL, Journal, JournalError};
pub use workflows::journal_record::{
    JournalLineError, JournalRecord, MAX_JOURNAL_LINE_BYTES, RecordOutcome, RecordedFailure,
};
pub use workflows::paging::{MAX_PAGE_LIMIT, PagedStream};

// SailPoint's models, generated from the spec and re-exported one per line so that each keeps
// its own documentation on docs.rs (a doc comment on a multi-item `pub use` is copied onto
// every item).

/// How [`Client::send_classify_machine_account`] classifies an account (the
/// `classificationMode` query parameter; the client sends `default` when none is set).
///
/// | variant | wire value | meaning (SailPoint's) |
/// |---|---|---|
/// | `Default` | `default` | uses criteria to classify the account as machine or human; excludes accounts that were classified manually |
/// | `IgnoreManual` | `ignoreManual` | like `default`, but includes accounts that were classified manually |
/// | `ForceMachine` | `forceMachine` | forces the account to be classified as machine |
/// | `ForceHuman` | `forceHuman` | forces the account to be classified as human |
///
/// `Display` and `FromStr` use the wire values:
///
/// ```
/// use sailpoint_v2025::ClassificationMode;
///
/// assert_eq!(ClassificationMode::ForceMachine.to_string(), "forceMachine");
/// assert_eq!(
///     "ignoreManual".parse::<ClassificationMode>().ok(),
///     Some(ClassificationMode::IgnoreManual)
/// );
/// ```
pub use sailpoint_v2025_client::types::ClassificationMode;
/// One message of an [`ErrorResponseDto`]: its text and locale.
pub use sailpoint_v2025_client::types::ErrorMessageDto;
/// SailPoint's error body (`detailCode`, `trackingId`, `messages`, `causes`), as sent with a
/// `400`, `403` or `500` and carried by the matching [`Error`] variant.
pub use sailpoint_v2025_client::types::ErrorResponseDto;
/// The body of a `401 Unauthorized` (`{"error": "JWT validation failed: ..."}`), carried by
/// [`Error::Unauthorized`]. SailPoint's SDKs call it [`ListAccessProfiles401Response`].
pub use sailpoint_v2025_client::types::ListAccessProfiles401Response as UnauthorizedBody;
/// The body of a `429 Too Many Requests` (`{"message": " Rate Limit Exceeded "}`), carried by
/// [`Error::TooManyRequests`]. SailPoint's SDKs call it [`ListAccessProfiles429Response`].
pub use sailpoint_v2025_client::types::ListAccessProfiles429Response as TooManyRequestsBody;
/// SailPoint's name (in its spec and SDKs) for [`UnauthorizedBody`], the body of a `401`.
pub type ListAccessProfiles401Response = UnauthorizedBody;
/// SailPoint's name (in its spec and SDKs) for [`TooManyRequestsBody`], the body of a `429`.
pub type ListAccessProfiles429Response = TooManyRequestsBody;
/// Where the locale of an [`ErrorMessageDto`] came from (`DEFAULT` or `REQUEST`; an open
/// string, since SailPoint may add values).
pub use sailpoint_v2025_client::types::LocaleOrigin;
/// The answer of a classify call: whether the account is a machine account.
pub use sailpoint_v2025_client::types::SendClassifyMachineAccount200Response;

// The machine-account classification family's models (generated; one doc line each).
/// An account as `listAccounts` returns it (`GET /v2025/accounts`).
pub use sailpoint_v2025_client::types::Account;
/// `SLIM` or `FULL` detail for [`ListAccountsRequest::detail_level`].
pub use sailpoint_v2025_client::types::ListAccountsDetailLevel;
/// A machine account as `listMachineAccounts` / `getMachineAccount` return it.
pub use sailpoint_v2025_client::types::MachineAccount;
/// A source's machine classification config: `enabled`, `classification_method`, `criteria`.
pub use sailpoint_v2025_client::types::MachineClassificationConfig;
/// How a source's accounts are classified: by the source (`Source`) or by criteria (`Criteria`).
pub use sailpoint_v2025_client::types::MachineClassificationConfigClassificationMethod;
/// The top level of a config's criteria tree (an attribute test, or `AND`/`OR` of children).
pub use sailpoint_v2025_client::types::MachineClassificationCriteriaLevel1;
/// The second level of a config's criteria tree.
pub use sailpoint_v2025_client::types::MachineClassificationCriteriaLevel2;
/// The third (innermost) level of a config's criteria tree.
pub use sailpoint_v2025_client::types::MachineClassificationCriteriaLevel3;
/// A criteria node's operation: `Equals`, `NotEquals`, `StartsWith`, `EndsWith`, `Contains`, `And`, `Or`.
pub use sailpoint_v2025_client::types::MachineClassificationCriteriaOperation;
/// The answer to starting a source classification: how many accounts were submitted.
pub use sailpoint_v2025_client::types::SendClassifyMachineAccountFromSource200Response;
/// A source classification job's status, timestamps and counts.
pub use sailpoint_v2025_client::types::SourceClassificationStatus;
/// A source classification job's counts: `expected`, `received` and `completed` accounts.
pub use sailpoint_v2025_client::types::SourceClassificationStatusCounts;

/// The generated client crate, for operations or details the facade does not cover.
pub use sailpoint_v2025_client as generated;

/// This crate's README (its crates.io page): every Rust snippet in it is compiled and, where it
/// needs no tenant, run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
