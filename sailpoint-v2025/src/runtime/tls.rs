//! The TLS backend of the HTTP client the SDK builds, chosen by cargo features.
//!
//! * `native-tls`: the platform's library (wins when both features are on).
//! * `rustls` (the default): rustls with the `ring` crypto provider and the platform's
//!   certificate verifier. reqwest's own `rustls` feature would compile aws-lc (a C build of
//!   minutes) and its `rustls-no-provider` feature panics when no process-wide provider is
//!   installed, so the SDK builds the rustls configuration itself: a process-wide
//!   `CryptoProvider` installed by the application is used when there is one, `ring` otherwise.
//!   No global state is changed.

use crate::Error;

/// Sets the TLS backend of `http` according to the enabled features.
#[cfg(feature = "native-tls")]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(http.tls_backend_native())
}

/// Sets the TLS backend of `http` according to the enabled features.
#[cfg(all(feature = "rustls", not(feature = "native-tls")))]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use std::sync::Arc;

    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::ring::default_provider()));
    let failed = |problem: String| Error::config("TLS", problem, "the `rustls` feature");
    let verifier = rustls_platform_verifier::Verifier::new(provider.clone())
        .map_err(|e| failed(format!("the platform certificate verifier failed: {e}")))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| failed(format!("the crypto provider supports no TLS version: {e}")))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    // What reqwest offers by default: HTTP/2 when the server agrees, else HTTP/1.1.
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(http.tls_backend_preconfigured(config))
}

/// No TLS feature: the build refuses to compile (see the crate-level `compile_error!`).
#[cfg(not(any(feature = "rustls", feature = "native-tls")))]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(http)
}

#[cfg(all(test, feature = "rustls", not(feature = "native-tls")))]
mod tests {
    use super::*;

    /// Without any provider installed in the process, the client still builds (with ring):
    /// reqwest's `rustls-no-provider` alone would panic here.
    #[test]
    fn a_client_builds_without_a_process_wide_crypto_provider() {
        assert!(rustls::crypto::CryptoProvider::get_default().is_none());
        let http = backend(reqwest::Client::builder()).expect("TLS configured");
        assert!(http.build().is_ok());
    }
}
