//! The HTTP client the SDK builds when the user brings none: timeouts, TLS, User-Agent, and no
//! redirects.

use crate::Error;
use crate::runtime::config::ClientBuilder;

/// The SDK's User-Agent: `SailPoint-SDK-Rust/<version> (<os>; <arch>)`, as SailPoint's other
/// SDKs shape theirs, plus the optional suffix.
pub(crate) fn user_agent(suffix: Option<&str>) -> String {
    let base = format!(
        "SailPoint-SDK-Rust/{} ({}; {})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    );
    match suffix.map(str::trim).filter(|s| !s.is_empty()) {
        Some(suffix) => format!("{base} {suffix}"),
        None => base,
    }
}

pub(crate) fn http_client(builder: &ClientBuilder) -> Result<reqwest::Client, Error> {
    let agent = user_agent(builder.user_agent_suffix.as_deref());
    if reqwest::header::HeaderValue::from_str(&agent).is_err() {
        return Err(Error::config(
            "User-Agent suffix",
            "contains characters not allowed in an HTTP header",
            "builder .user_agent_suffix()",
        ));
    }
    let http = reqwest::Client::builder()
        .user_agent(agent)
        .connect_timeout(builder.connect_timeout)
        .timeout(builder.timeout)
        // ISC does not redirect. Following a 3xx could send the client secret (token endpoint)
        // or a token to another origin, or over plain http; a 3xx becomes `Error::Redirect`.
        .redirect(reqwest::redirect::Policy::none());
    let http = crate::runtime::tls::backend(http)?;
    http.build().map_err(|e| {
        Error::config(
            "HTTP client",
            format!("cannot be built: {e}"),
            "builder timeouts and TLS features",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_agent_has_sdk_version_os_arch_and_suffix() {
        let agent = user_agent(Some("job/1.0"));
        assert!(agent.starts_with(&format!(
            "SailPoint-SDK-Rust/{} (",
            env!("CARGO_PKG_VERSION")
        )));
        assert!(agent.contains(std::env::consts::OS));
        assert!(agent.ends_with(") job/1.0"));
        assert!(!user_agent(Some("  ")).ends_with(' '));
    }
}
