//! The base URL must be a tenant's API host: the web UI's host and paths other than `/v2025`
//! are refused with the URL to use instead, so `https://acme.identitynow.com` or `.../beta`
//! fail at once with a fix instead of later as a DNS error or a `/beta/v2025` 404.

use crate::Error;

/// The path of the API version this SDK speaks, appended to the tenant's API host.
pub(crate) const API_VERSION_PATH: &str = "/v2025";

/// Checks the parsed base URL `url` (host `host`, shown to users as `shown`).
pub(crate) fn check(
    url: &reqwest::Url,
    host: &str,
    shown: &str,
    looked_at: &'static str,
) -> Result<(), Error> {
    if let Some((tenant, domain)) = web_ui_tenant(host) {
        return Err(Error::config(
            "base URL",
            format!(
                "`{shown}` is the web UI's host; the API is at \
                 https://{tenant}.api.{domain} (use that, or .tenant(\"{tenant}\"))"
            ),
            looked_at,
        ));
    }
    let path = url.path().trim_end_matches('/');
    if !path.is_empty() && path != API_VERSION_PATH {
        let origin = url.origin().ascii_serialization();
        let last = path.rsplit('/').next().unwrap_or_default();
        let why = if is_api_version(last) {
            format!(
                "ends in the API version path `{path}`, but this SDK speaks API v2025 only and \
                 appends /v2025 itself (it would call {origin}{path}/v2025/...)"
            )
        } else {
            format!(
                "has the path `{path}`, but ISC serves /v2025 and /oauth/token at the root of \
                 the tenant's API host"
            )
        };
        return Err(Error::config(
            "base URL",
            format!("`{shown}` {why}; give the host only: {origin}"),
            looked_at,
        ));
    }
    Ok(())
}

/// The tenant and domain of an ISC web UI host (`acme.identitynow.com`,
/// `acme.identitynow-demo.com`), whose API host is `{tenant}.api.{domain}`.
fn web_ui_tenant(host: &str) -> Option<(String, &'static str)> {
    let host = host.to_ascii_lowercase();
    ["identitynow.com", "identitynow-demo.com"]
        .into_iter()
        .find_map(|domain| {
            let tenant = host.strip_suffix(domain)?.strip_suffix('.')?;
            (!tenant.is_empty() && !tenant.contains('.') && tenant != "api")
                .then(|| (tenant.to_owned(), domain))
        })
}

/// Whether a path segment names an API version (`beta`, `v3`, `v2024`, `cc`) rather than
/// a proxy prefix.
fn is_api_version(segment: &str) -> bool {
    let segment = segment.to_ascii_lowercase();
    matches!(segment.as_str(), "beta" | "cc")
        || segment
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use crate::Error;
    use crate::runtime::config::Endpoints;

    #[test]
    fn the_web_ui_host_is_refused_with_the_api_host() {
        for (url, api) in [
            (
                "https://acme.identitynow.com",
                "https://acme.api.identitynow.com",
            ),
            (
                "https://ACME.identitynow.com/",
                "https://acme.api.identitynow.com",
            ),
            (
                "https://acme-sb.identitynow-demo.com",
                "https://acme-sb.api.identitynow-demo.com",
            ),
        ] {
            let err = Endpoints::parse(url, false).expect_err(url);
            assert!(
                matches!(
                    err,
                    Error::Config {
                        setting: "base URL",
                        ..
                    }
                ),
                "{url}: {err}"
            );
            let shown = err.to_string();
            assert!(shown.contains("web UI"), "{shown}");
            assert!(shown.contains(api), "{shown}");
        }
        assert!(Endpoints::parse("https://acme.api.identitynow.com", false).is_ok());
        assert!(Endpoints::parse("https://acme.api.identitynow-demo.com", false).is_ok());
    }

    #[test]
    fn a_path_other_than_v2025_is_refused_with_the_host_to_use() {
        for (url, needle) in [
            (
                "https://acme.api.identitynow.com/beta",
                "speaks API v2025 only",
            ),
            (
                "https://acme.api.identitynow.com/v3/",
                "speaks API v2025 only",
            ),
            (
                "https://acme.api.identitynow.com/v2024",
                "speaks API v2025 only",
            ),
            (
                "https://acme.api.identitynow.com/cc",
                "speaks API v2025 only",
            ),
            (
                "https://acme.api.identitynow.com/v2025/accounts",
                "at the root",
            ),
            ("https://proxy.example.com/isc", "at the root"),
        ] {
            let err = Endpoints::parse(url, false).expect_err(url);
            assert!(
                matches!(
                    err,
                    Error::Config {
                        setting: "base URL",
                        ..
                    }
                ),
                "{url}: {err}"
            );
            let shown = err.to_string();
            assert!(shown.contains(needle), "{url}: {shown}");
            assert!(shown.contains("give the host only: https://"), "{shown}");
        }
        let shown = Endpoints::parse("https://acme.api.identitynow.com/beta", false)
            .expect_err("beta")
            .to_string();
        assert!(
            shown.contains("https://acme.api.identitynow.com/beta/v2025/"),
            "{shown}"
        );
    }
}
