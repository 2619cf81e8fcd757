//! The runtime every operation runs on: configuration, authentication, the one execution path
//! (rate limit, retries, deadline), reading responses, and the HTTP transport.

mod api_host;
pub(crate) mod auth;
pub(crate) mod config;
mod config_names;
mod credential_pair;
#[cfg(test)]
mod decode_proptest;
pub(crate) mod execute;
mod jitter;
pub(crate) mod limiter;
pub(crate) mod metrics;
mod pause;
pub(crate) mod rate_limit;
pub(crate) mod response;
pub(crate) mod retry;
pub(crate) mod retry_budget;
// Fleet mode: the rate limit shared through Redis (feature `redis`).
pub(crate) mod shared_limit;
mod tls;
pub(crate) mod transport;
