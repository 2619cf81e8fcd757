//! A local, stateful emulator of the parts of SailPoint Identity Security
//! Cloud (ISC, API v2025) that the `sailpoint-v2025` SDK talks to, for tests.
//!
//! The emulator is a real HTTP server ([axum] on hyper) bound to `127.0.0.1`
//! on an ephemeral port. Start it with one call, point the SDK (or any HTTP
//! client) at [`Emulator::base_url`], and inspect what it received. It runs
//! on the calling tokio runtime (multi-thread or current-thread) and stops
//! when the [`Emulator`] is dropped or [`Emulator::shutdown`] is awaited.
//!
//! # Using it
//!
//! The crate is publishable on purpose: users of the SDK can test their own
//! code against it by adding it as a dev-dependency
//! (`cargo add --dev sailpoint-v2025-testkit`). Point a
//! `sailpoint_v2025::Client` at [`Emulator::base_url`] (plain http is allowed
//! to 127.0.0.1) and inspect what the emulator received:
//!
//! ```
//! use std::time::Duration;
//!
//! use sailpoint_v2025::{ClassificationMode, Client};
//! use sailpoint_v2025_testkit::{Emulator, Fault, ServerRateLimit, demo};
//!
//! #[tokio::main(flavor = "current_thread")]
//! async fn main() -> Result<(), Box<dyn std::error::Error>> {
//!     let emu = Emulator::builder()
//!         .client("my-client", "my-secret")
//!         .rate_limit(Some(ServerRateLimit::new(20, Duration::from_millis(200))))
//!         .start()
//!         .await?;
//!     let client = Client::builder()
//!         .base_url(emu.base_url())
//!         .client_credentials("my-client", "my-secret")
//!         .build()?;
//!
//!     // The next classify call fails with a 503 ErrorResponseDto; the client retries it.
//!     emu.inject(Fault::Status(503));
//!     let result = client
//!         .send_classify_machine_account(demo::MACHINE_ID)
//!         .classification_mode(ClassificationMode::Default)
//!         .await?;
//!
//!     assert!(result.is_machine);
//!     assert_eq!(emu.account(demo::MACHINE_ID).and_then(|a| a.is_machine), Some(true));
//!     assert_eq!(emu.counters().classify_requests, 2);
//!     assert_eq!(emu.requests()[1].experimental.as_deref(), Some("true"));
//!     emu.shutdown().await;
//!     Ok(())
//! }
//! ```
//!
//! [`Emulator::client`] does the SDK setup in one call (this URL, the demo
//! credentials, no client-side rate limit unless asked), and
//! [`Emulator::client_builder`] starts from the same settings.
//!
//! The emulator is plain HTTP: any client (reqwest, curl) can use it too;
//! the endpoints below say exactly what it accepts and answers.
//!
//! # Endpoints
//!
//! ## `POST /oauth/token`
//!
//! OAuth 2 client credentials, like ISC. Parameters come from the
//! `application/x-www-form-urlencoded` body or, as ISC also accepts, the
//! query string; client credentials may also come as HTTP Basic
//! (`Authorization: Basic base64(id:secret)`), which wins over the body,
//! which wins over the query string.
//!
//! * Clients: the demo client [`demo::CLIENT_ID`] / [`demo::CLIENT_SECRET`]
//!   (`demo-client` / `demo-secret`, scope `idn:account:update`) unless
//!   [`EmulatorBuilder::without_demo_client`], plus those registered with
//!   [`EmulatorBuilder::client`] (scope `idn:account:update`),
//!   [`EmulatorBuilder::client_with_scopes`] or
//!   [`Emulator::register_client`].
//! * 200: `{"access_token", "token_type": "bearer", "expires_in", "scope",
//!   "tenant_id", "pod", "org", "identity_id", "user_id", "jti"}` with
//!   `Cache-Control: no-store`. Tokens are random opaque strings of 64
//!   letters and digits (not JWTs); `expires_in` is the token lifetime in
//!   whole seconds, rounded down (default 749, see
//!   [`EmulatorBuilder::token_lifetime`]); `scope` lists the client's scopes
//!   separated by spaces; `identity_id` = `user_id` is stable per client.
//! * Errors follow RFC 6749 section 5.2, body
//!   `{"error": "...", "error_description": "..."}`:
//!   a body that cannot be read or is over 64 KiB, or a missing `grant_type`
//!   (e.g. a JSON body instead of a form): 400 `invalid_request`; a `grant_type` other than `client_credentials`: 400
//!   `unsupported_grant_type`; missing credentials, an unknown client or a
//!   wrong secret: 401 `invalid_client`.
//! * The token endpoint is not rate limited.
//!
//! ## `POST /v2025/accounts/{id}/classify?classificationMode=...`
//!
//! The request body is ignored. Checks run in this order; the first that
//! fails decides the answer:
//!
//! 1. A queued fault, if any (see [Faults](#faults)).
//! 2. `Authorization: Bearer <token>`: missing → 401
//!    `{"error": "JWT validation failed: JWT is missing"}`; not a bearer
//!    token → `... JWT is malformed`; a token this emulator did not issue (or
//!    revoked) → `... JWT is invalid`; an expired token →
//!    `{"error": "JWT validation failed: JWT is expired"}` (the body
//!    SailPoint documents).
//! 3. The rate limit of the token's client → 429 (see
//!    [Rate limit](#rate-limit)).
//! 4. Scope: the client must hold `idn:account:update` or `sp:scopes:all` →
//!    else 403 `ErrorResponseDto` (`detailCode` `403 Forbidden`).
//! 5. `X-SailPoint-Experimental: true` (value compared case-insensitively)
//!    → else 400 `ErrorResponseDto`.
//! 6. `classificationMode`: absent means `default`; otherwise exactly one of
//!    `default`, `ignoreManual`, `forceMachine`, `forceHuman`
//!    (case-sensitive; the first occurrence counts) → else 400
//!    `ErrorResponseDto`.
//! 7. The account id (the percent-decoded path segment) must exist → else
//!    404 `ErrorResponseDto` (`detailCode` `404 Not found`). SailPoint's spec
//!    does not document a 404 for this operation; 404 is the safe guess of
//!    what ISC does for an unknown account.
//! 8. 200 `{"isMachine": true|false}` after applying the mode.
//!
//! Every `ErrorResponseDto` looks like
//! `{"detailCode": "400.1 Bad Request Content", "trackingId": "<32 hex>",
//! "messages": [{"locale": "en-US", "localeOrigin": "DEFAULT", "text": "..."}],
//! "causes": []}` with a fresh random `trackingId`. Detail codes: `400.1 Bad
//! Request Content`, `403 Forbidden`, `404 Not found`, `500.0 Internal
//! Fault`, otherwise `<status> <reason phrase>`.
//!
//! ## Sources: `/v2025/sources/{sourceId}/classify` and `/machine-classification-config`
//!
//! A [`Source`] has an id and a name; its accounts are the accounts whose
//! `source_name` is that name. The demo sources ([`demo::sources`]) hold the
//! demo accounts; add more with [`EmulatorBuilder::source`] /
//! [`Emulator::insert_source`], and generate big ones with
//! [`demo::source_accounts`]. Every source operation first makes checks 1–5
//! above (queued faults, token, rate limit, scope, experimental header; the
//! classify operations need `idn:account:update`, reading the config
//! `idn:sources:read`, changing it `idn:sources:manage`, or `sp:scopes:all`),
//! then an unknown source id is 404 `ErrorResponseDto`.
//!
//! * `POST .../classify` starts a background classification job over the
//!   source's accounts (as they are at that moment) and answers 200
//!   `{"Accounts submitted for processing": N}`; 400 while a job is running.
//! * `GET .../classify` answers the latest job's `SourceClassificationStatus`:
//!   `{"status", "started", "updated", "counts": {"EXPECTED", "RECEIVED",
//!   "COMPLETED"}}`; 404 if no job was started. Counts advance with real time
//!   at the [`ClassificationPace`] ([`EmulatorBuilder::classification_pace`]):
//!   `STARTED` while collecting, `COLLECTED` once every account is received,
//!   `COMPLETED` once every account is classified. Classified accounts are
//!   written as the count advances (mode `default`: manual classifications
//!   are kept), so [`Emulator::account`] shows partial progress.
//! * `DELETE .../classify` cancels a running job (`CANCELLED`, counts frozen,
//!   accounts classified so far keep their result) and answers 204, also
//!   when nothing is running. [`Emulator::terminate_source_classification`]
//!   ends a job as `TERMINATED` instead.
//! * `GET .../machine-classification-config` answers the stored
//!   `MachineClassificationConfig`; 404 if none is set.
//! * `PUT .../machine-classification-config` validates and stores the body
//!   (`enabled`, `classificationMethod` `SOURCE` or `CRITERIA`, `criteria`
//!   nested at most three levels, operations `EQUALS`, `NOT_EQUALS`,
//!   `STARTS_WITH`, `ENDS_WITH`, `CONTAINS`, `AND`, `OR`; anything else is
//!   400), sets `created` (first time) and `modified` (later times), and
//!   answers 200 with it.
//! * `DELETE .../machine-classification-config` removes it and answers 200
//!   (the status the spec declares).
//!
//! **Criteria.** When a source's config is `enabled` with
//! `classificationMethod: CRITERIA` and has criteria, *both* the source job
//! and single-account classification (`POST /v2025/accounts/{id}/classify`,
//! modes `default` and `ignoreManual`) classify that source's accounts by the
//! criteria instead of the built-in rules: a leaf compares an account
//! attribute (`name`, also spelled `nativeIdentity`, `sAMAccountName`,
//! `distinguishedName`, `displayName`; `sourceName`; `hasIdentity` as
//! `"true"`/`"false"`) with `value`, case-insensitively unless
//! `caseSensitive`; `AND`/`OR` combine `children` (an `AND` without children
//! is false). An unknown attribute never matches. Otherwise the built-in
//! rules below stand for the source's own designation.
//!
//! ## Selection and review: `/v2025/accounts`, `/v2025/machine-accounts`, `.../declassify`
//!
//! These make checks 1–3 above (queued faults, token, rate limit, scope
//! `idn:account:update` or `sp:scopes:all`; the emulator does not model ISC's
//! `idn:accounts:read`); only the declassify `POST` also needs
//! `X-SailPoint-Experimental: true`. They are counted in
//! [`Counters::account_read_requests`] (declassify in
//! [`Counters::source_requests`]) and logged in [`Emulator::requests`] with
//! their raw query.
//!
//! * `GET /v2025/accounts` (listAccounts) answers a JSON array of `Account`
//!   bodies (`id`, `name` = `nativeIdentity`, `sourceId` = the id of the
//!   source with the account's source name, `sourceName`, `identityId` for a
//!   correlated account, `uncorrelated`, `isMachine`, ...; `attributes` is
//!   `null` with `detailLevel=SLIM`).
//! * `GET /v2025/machine-accounts` (listMachineAccounts) answers the accounts
//!   whose stored classification is machine, as `MachineAccount` bodies
//!   (`classificationMethod` `MANUAL` for manual classifications, else
//!   `CRITERIA`; `source: {id, name, type}`); classifying an account as
//!   machine makes it appear here.
//! * `GET /v2025/machine-accounts/{id}` (getMachineAccount): one, or 404.
//! * `POST /v2025/sources/{sourceId}/declassify` clears the classification
//!   (and the manual mark) of every account of the source and answers 204;
//!   404 for an unknown source.
//!
//! The list operations take ISC's collection parameters: `filters` in the V3
//! syntax (`eq`, `ne`, `in`, `sw`, `co`, `gt`/`lt`/`ge`/`le`, `isnull`, `pr`,
//! `and`, `or`, `not`, parentheses, `"..."` strings with `\"` and `\\`
//! escapes), on `id`, `name`, `nativeIdentity`, `sourceId`, `identityId`
//! (`eq`, `in`, `sw`), `uncorrelated`, `hasEntitlements`,
//! `manuallyCorrelated` (`eq`) for accounts, and `id`, `source.id` (`eq`,
//! `in`), `name`, `nativeIdentity`, `source.name` (`eq`, `in`, `sw`),
//! `hasEntitlements`, `manuallyCorrelated` (`eq`) for machine accounts;
//! `sorters` (comma-separated, `-` for descending, on those fields; ties by
//! id; default: by id); `limit` (0–250, default 250); `offset`; `count=true`
//! adds `X-Total-Count` (the number of matches, ignoring limit and offset).
//! An empty or unparsable filter, an unsupported field or operator, an
//! unknown sort key or a bad `limit`/`offset`/`count`/`detailLevel` is a 400
//! `ErrorResponseDto` whose message names the value.
//!
//! ## Any other path or method
//!
//! 404 (or 405 for another method on a known path) with an
//! `ErrorResponseDto`; counted in [`Counters::unmatched_requests`].
//!
//! # Classification
//!
//! Each [`EmulatedAccount`] has an id, a name (its native identity), a source name,
//! whether it is correlated to an identity, and its stored classification
//! (`is_machine: Option<bool>`, `manually_classified: bool`).
//!
//! **Criteria** ([`criteria_says_machine`]): an account is a machine account
//! if and only if it has no correlated identity and its name,
//! case-insensitively, starts with `svc-`, `svc_`, `app-`, `sa-`, `bot-` or
//! `api-`, ends with `-svc`, `-bot` or `$`, or contains `service`.
//!
//! **Modes** ([`EmulatedAccount::apply`]):
//!
//! | mode | manually classified account | other account |
//! | --- | --- | --- |
//! | `default` | unchanged; answers its stored value | criteria; stored, not manual |
//! | `ignoreManual` | criteria; stored, manual mark cleared | criteria; stored, not manual |
//! | `forceMachine` | `true`; stored, marked manual | same |
//! | `forceHuman` | `false`; stored, marked manual | same |
//!
//! The demo accounts and their expected answers are listed in [`demo`].
//! Accounts are seeded with [`EmulatorBuilder::account`] /
//! [`EmulatorBuilder::accounts`] (replacing demo accounts with the same id),
//! [`EmulatorBuilder::without_demo_accounts`] starts empty, and
//! [`Emulator::insert_account`] / [`Emulator::account`] change and inspect
//! the store at runtime.
//!
//! # Rate limit
//!
//! On by default at ISC's documented limit, [`ServerRateLimit::ISC`]: 100 requests
//! per 10 seconds per `client_id` (more tokens for the same client do not
//! help). The limit is a fixed window per client: the window opens with the
//! client's first counted request and lasts [`ServerRateLimit::window`]; requests
//! beyond [`ServerRateLimit::requests`] in it get 429 and are not counted. Only
//! API requests with a valid token count (not 401s, not faulted
//! requests, not token requests). Scale time for fast tests, e.g.
//! `ServerRateLimit::new(20, Duration::from_millis(200))`; disable with
//! `.rate_limit(None)` or [`EmulatorBuilder::without_rate_limit`]; change at
//! runtime with [`Emulator::set_rate_limit`].
//!
//! A 429 has the body `{"message": " Rate Limit Exceeded "}` (spaces
//! included, as ISC sends it), `Retry-After: <seconds>` (the rest of the
//! window in whole seconds, rounded up, at least 1) and, because whole
//! seconds are too coarse for scaled windows, the non-standard header
//! `X-Emulator-Retry-After-Ms: <milliseconds>` (rounded up, at least 1;
//! [`RETRY_AFTER_MS_HEADER`]). ISC's escalating penalties for repeated
//! violations are not emulated.
//!
//! # Faults
//!
//! [`Emulator::inject`] (`emu.inject(Fault::Status(503)).times(3)`) and
//! [`Emulator::fail_next`] queue [`Fault`]s for the next API requests
//! (single-account classify and the six source operations alike);
//! [`Emulator::inject_token_fault`] and [`Emulator::fail_next_token`] do the
//! same for token requests. Queued faults apply first-in first-out, each to
//! as many consecutive requests as its count, before any other check. A
//! faulted request is logged and counted but does not consume rate-limit
//! budget and changes no account. The kinds: a status with an
//! `ErrorResponseDto` ([`Fault::Status`]; 401 and 429 get their own ISC
//! bodies), a 429 with any or no `Retry-After` ([`Fault::RateLimited`]), an
//! expired-token 401 ([`Fault::ExpiredToken`]), a delay before normal
//! handling ([`Fault::Delay`]), an HTML error page ([`Fault::Html`]), a 200
//! with truncated JSON ([`Fault::TruncatedJson`]), a connection closed
//! without a response ([`Fault::DropConnection`]), and any raw response
//! ([`Fault::Raw`]).
//!
//! # Counters and logs
//!
//! [`Emulator::counters`] returns a [`Counters`] snapshot (classify requests,
//! responses per status, calls per account, token requests issued/failed,
//! 429s, faults, dropped connections, unmatched requests);
//! [`Emulator::requests`] returns the classify requests as
//! [`ReceivedRequest`]s (method, raw path and query, selected headers,
//! whether `Authorization` was present — never token values — the client,
//! the applied fault, the status and the arrival time);
//! [`Emulator::token_requests`] does the same for token requests, without
//! secrets. [`Emulator::reset_counters`] clears counters and logs. The logs
//! keep the newest 10,000 entries by default
//! ([`EmulatorBuilder::request_log_capacity`]).
//!
//! # Tokens
//!
//! [`Emulator::expire_all_tokens`] expires every token issued so far (for
//! refresh tests without waiting), [`Emulator::revoke_all_tokens`] forgets
//! them, [`EmulatorBuilder::token_lifetime`] /
//! [`Emulator::set_token_lifetime`] set the lifetime (a zero lifetime issues
//! already-expired tokens), and [`Emulator::issue_token`] mints a token
//! without an HTTP request.

#![deny(missing_docs)]

mod account_endpoints;
mod accounts;
mod admission;
mod auth;
mod classify;
mod collection_filter;
mod config;
mod counters;
pub mod demo;
mod faults;
mod machine_config;
mod rate_limit;
/// A throwaway `redis-server` for tests of the SDK's fleet mode.
pub mod redis_server;
mod responses;
mod sdk_client;
mod server;
mod source_endpoints;
mod source_jobs;
mod sources;
mod state;

#[cfg(test)]
mod tests;

pub use accounts::{
    EmulatedAccount, MACHINE_NAME_PREFIXES, MACHINE_NAME_SUBSTRING, MACHINE_NAME_SUFFIXES,
    ServerClassificationMode, UnknownClassificationMode, criteria_says_machine,
};
pub use config::{
    ALL_SCOPES, CLASSIFY_SCOPE, DEFAULT_TOKEN_LIFETIME, EmulatorBuilder, OAuthClient,
    SOURCES_MANAGE_SCOPE, SOURCES_READ_SCOPE, ServerRateLimit,
};
pub use counters::{Counters, ReceivedRequest, ReceivedTokenRequest};
pub use faults::{Fault, InjectedFault};
pub use redis_server::{RedisServer, TestRedis};
pub use responses::RETRY_AFTER_MS_HEADER;
pub use server::Emulator;
pub use sources::{ClassificationPace, Source};

/// The README's example (its crates.io page), compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
