//! The TLS backend of the HTTP client the SDK builds, chosen by cargo features.
//!
//! * `rustls` (the default): reqwest's own default TLS (its `rustls` feature: rustls with the
//!   aws-lc-rs provider and the platform's certificate verifier). It is what an application
//!   using reqwest with its default features already compiles, so the SDK adds no crypto
//!   library, and it turns on nothing that changes how the application's own
//!   `reqwest::Client`s are built.
//! * `ring` (opt-in, for builds without aws-lc): rustls with the `ring` provider, configured
//!   here, with the platform's verifier. It needs reqwest's `rustls-no-provider` feature, which
//!   cargo also hands to the application's reqwest: see the crate docs' Features section.
//! * `native-tls`: the platform's library (wins when several features are on).

use crate::Error;

/// Sets the TLS backend of `http` according to the enabled features.
#[cfg(feature = "native-tls")]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(http.tls_backend_native())
}

/// Sets the TLS backend of `http` according to the enabled features.
#[cfg(all(feature = "ring", not(feature = "native-tls")))]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    use std::sync::Arc;

    // A process-wide provider installed by the application wins; otherwise ring, without
    // installing it (no global state is changed).
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(ring_provider()));
    let failed = |problem: String| Error::config("TLS", problem, "the `ring` feature");
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

/// rustls' ring provider. rustls 0.23.48 deprecates the constructor because ring has no
/// post-quantum key exchange; that is the documented price of the opt-in `ring` feature (the
/// default `rustls` feature uses aws-lc-rs and calls no deprecated API), and rustls offers no
/// other public way to build this provider without installing it process-wide.
#[cfg(all(feature = "ring", not(feature = "native-tls")))]
#[allow(deprecated)]
fn ring_provider() -> rustls::crypto::CryptoProvider {
    rustls::crypto::ring::default_provider()
}

/// Sets the TLS backend of `http` according to the enabled features.
#[cfg(all(feature = "rustls", not(feature = "ring"), not(feature = "native-tls")))]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(http.tls_backend_rustls())
}

/// No TLS feature: the build refuses to compile (see the crate-level `compile_error!`).
#[cfg(not(any(feature = "rustls", feature = "ring", feature = "native-tls")))]
pub(crate) fn backend(http: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, Error> {
    Ok(http)
}

#[cfg(all(
    test,
    any(feature = "rustls", feature = "ring"),
    not(feature = "native-tls")
))]
mod tests {
    use super::*;

    /// The SDK's client builds in a process where nobody installed a rustls provider, and so
    /// does a plain `reqwest::Client` built after it (the SDK installs nothing and, with the
    /// default feature, leaves reqwest its own provider).
    #[test]
    fn clients_build_without_a_process_wide_crypto_provider() {
        let http = backend(reqwest::Client::builder()).expect("TLS configured");
        assert!(http.build().is_ok());
        #[cfg(not(feature = "ring"))]
        assert!(reqwest::Client::builder().build().is_ok());
    }
}
