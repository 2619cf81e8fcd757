//! The runtime every operation runs on: configuration, authentication, the one execution path
//! (rate limit, retries, deadline), reading responses, and the HTTP transport.

pub(crate) mod auth;
pub(crate) mod config;
#[cfg(test)]
mod decode_proptest;
pub(crate) mod execute;
mod jitter;
pub(crate) mod metrics;
pub(crate) mod rate_limit;
pub(crate) mod response;
pub(crate) mod retry;
mod tls;
pub(crate) mod transport;
