//! Client configuration: the builder, environment variables, `./config.json`, and the rules
//! for the base URL.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use crate::error::Redacted;
use crate::runtime::api_host::{self, API_VERSION_PATH};
use crate::runtime::auth::Credentials;
use crate::runtime::config_names::{self, Saw, UnknownName};
use crate::runtime::credential_pair::{self, Half};
use crate::{Error, RateLimit, RetryConfig};

pub use crate::runtime::config_names::{
    ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
};
/// The configuration file read when a setting is in neither the builder nor the environment,
/// relative to the working directory (as SailPoint's other SDKs read it).
pub const DEFAULT_CONFIG_FILE: &str = "config.json";

/// Default whole-request timeout.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// Default timeout of one OAuth2 token request, sending and reading together (see
/// [`ClientBuilder::token_timeout`]).
pub const DEFAULT_TOKEN_TIMEOUT: Duration = Duration::from_secs(10);

/// Default cap on a response body: 4 MiB (see [`ClientBuilder::max_response_bytes`]).
pub const DEFAULT_MAX_RESPONSE_BYTES: usize = sailpoint_v2025_client::DEFAULT_MAX_RESPONSE_BYTES;

/// Builds a [`Client`](crate::Client).
///
/// Each setting is taken from, in order of precedence: this builder, the environment
/// (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`, `SAIL_CLIENT_SECRET`, `SAIL_ACCESS_TOKEN`), then
/// `./config.json` (`BaseURL`, `ClientId`, `ClientSecret`). Credentials are taken as a unit
/// from the first of those places that has any: a ready access token there wins over client
/// credentials there, and a client id and secret are a pair, never one from each place (a
/// `SAIL_CLIENT_SECRET` without `SAIL_CLIENT_ID` is an error even when `config.json` has a
/// `ClientId`: that id may belong to another client).
///
/// What configuration saw and did not read is said too: a `SAIL_*` (or `SAILPOINT_*`)
/// variable or a `config.json` key it does not know is named, with the known name it most
/// likely meant (`BaseUrl` -> `BaseURL`, `SAIL_TENANT` -> `SAIL_BASE_URL`), in the
/// [`Error::Config`] of a missing setting and as a `tracing` warning when the client builds;
/// where each setting came from is logged at debug level. The base URL must be the tenant's
/// API host: the web UI's host (`https://acme.identitynow.com`) and a path other than
/// `/v2025` (`/beta`, `/v3`) are refused with the URL to use instead.
///
/// | setting | builder | default |
/// |---|---|---|
/// | base URL (tenant API host) | [`base_url`](Self::base_url), [`tenant`](Self::tenant) | none: required |
/// | credentials | [`client_credentials`](Self::client_credentials), [`access_token`](Self::access_token) | none: required |
/// | retries | [`retry`](Self::retry) | [`RetryConfig::default`] |
/// | client-side rate limit | [`rate_limit`](Self::rate_limit) | 100 requests / 10 s ([`RateLimit::default`]) |
/// | whole-request timeout | [`timeout`](Self::timeout) | 30 s |
/// | connect timeout | [`connect_timeout`](Self::connect_timeout) | 10 s |
/// | one token request | [`token_timeout`](Self::token_timeout) | 10 s ([`DEFAULT_TOKEN_TIMEOUT`]) |
/// | HTTP client | [`http_client`](Self::http_client) | a new rustls `reqwest::Client` |
/// | User-Agent suffix | [`user_agent_suffix`](Self::user_agent_suffix) | none |
/// | plain `http://` to non-loopback hosts | [`allow_insecure_http`](Self::allow_insecure_http) | refused |
/// | longest response body read | [`max_response_bytes`](Self::max_response_bytes) | 4 MiB ([`DEFAULT_MAX_RESPONSE_BYTES`]) |
/// | fleet mode: the limit shared through Redis (feature `redis`) | `shared_rate_limit`, environment `SAIL_REDIS_URL` | off: each process paces alone |
///
/// ```no_run
/// # fn main() -> Result<(), sailpoint_v2025::Error> {
/// use std::time::Duration;
/// use sailpoint_v2025::{Client, RetryConfig};
///
/// let client = Client::builder()
///     .tenant("acme")
///     .client_credentials("client-id", "client-secret")
///     .retry(RetryConfig::default().max_attempts(3))
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until `.build()` is called"]
pub struct ClientBuilder {
    base_url: Option<BaseUrl>,
    credentials: Option<Credentials>,
    pub(crate) retry: RetryConfig,
    pub(crate) rate_limit: RateLimit,
    pub(crate) timeout: Duration,
    pub(crate) connect_timeout: Duration,
    pub(crate) token_timeout: Duration,
    pub(crate) http_client: Option<reqwest::Client>,
    pub(crate) user_agent_suffix: Option<String>,
    allow_insecure_http: bool,
    pub(crate) max_response_bytes: usize,
    environment: Option<HashMap<String, String>>,
    config_file: Option<PathBuf>,
    /// Fleet mode (runtime/shared_limit.rs): set by `.shared_rate_limit()`.
    #[cfg(feature = "redis")]
    pub(crate) shared_rate_limit: Option<crate::runtime::shared_limit::SharedRateLimit>,
}

/// The base URL as the builder was given it.
#[derive(Clone)]
enum BaseUrl {
    Url(String),
    /// A tenant name, checked when the client is built.
    Tenant(String),
}

impl fmt::Debug for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BaseUrl::Url(url) => fmt::Debug::fmt(&redact_userinfo(url), f),
            BaseUrl::Tenant(name) => f.debug_tuple("Tenant").field(name).finish(),
        }
    }
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            credentials: None,
            retry: RetryConfig::default(),
            rate_limit: RateLimit::default(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            token_timeout: DEFAULT_TOKEN_TIMEOUT,
            http_client: None,
            user_agent_suffix: None,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            environment: None,
            config_file: None,
            #[cfg(feature = "redis")]
            shared_rate_limit: None,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("credentials", &self.credentials)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("token_timeout", &self.token_timeout)
            .field("http_client", &self.http_client.as_ref().map(|_| "custom"))
            .field("user_agent_suffix", &self.user_agent_suffix)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("environment", &self.environment.as_ref().map(|_| Redacted))
            .field("config_file", &self.config_file)
            // Fleet mode: the store's URL without its password (runtime/shared_limit.rs).
            .field("shared_rate_limit", &shown(self))
            .finish()
    }
}

impl ClientBuilder {
    /// The tenant's API host, e.g. `https://acme.api.identitynow.com`. `/v2025` and
    /// `/oauth/token` are appended by the client; a trailing slash or an already present
    /// `/v2025` is tolerated. A URL with credentials (`user:password@`), a query or a fragment
    /// is refused (and its password never echoed), and so are the web UI's host
    /// (`https://acme.identitynow.com`: use `https://acme.api.identitynow.com`) and any other
    /// path (`/beta` would become `/beta/v2025`: this SDK speaks v2025 only).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(BaseUrl::Url(url.into()));
        self
    }

    /// Shorthand for `base_url("https://{tenant}.api.identitynow.com")`. The tenant name must be
    /// a DNS label of lowercase letters, digits and `-` (e.g. `acme`); anything else makes
    /// [`build`](Self::build) fail with [`Error::Config`] for the setting `tenant`, so a name
    /// such as `evil.example/x` can never send credentials to another host.
    pub fn tenant(mut self, tenant: impl Into<String>) -> Self {
        self.base_url = Some(BaseUrl::Tenant(tenant.into()));
        self
    }

    /// The longest response body the client reads, in bytes (default 4 MiB,
    /// [`DEFAULT_MAX_RESPONSE_BYTES`]). A longer body, with or without `Content-Length`, stops
    /// being read at the limit. A success then fails with [`Error::BodyTooLarge`]; an error
    /// status keeps its meaning (its variant, `Retry-After`, retry and the shared pause after a
    /// 429), with only the text kept of its body cut ([`ResponseDetails::is_body_truncated`](crate::ResponseDetails::is_body_truncated)).
    /// Error bodies are kept only as a 4 KiB snippet either way. Token responses are capped at
    /// 64 KiB.
    pub fn max_response_bytes(mut self, bytes: usize) -> Self {
        self.max_response_bytes = bytes;
        self
    }

    /// OAuth2 client credentials (an API client, or a personal access token's id and secret).
    /// The client fetches tokens lazily, caches them and refreshes them before they expire.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> Self {
        self.credentials = Some(Credentials::ClientCredentials {
            client_id: client_id.into(),
            client_secret: SecretString::from(client_secret.into()),
        });
        self
    }

    /// A ready bearer token, used as is: no token request, no refresh. A `401` is returned as
    /// [`Error::Unauthorized`].
    pub fn access_token(mut self, token: impl Into<String>) -> Self {
        self.credentials = Some(Credentials::AccessToken(SecretString::from(token.into())));
        self
    }

    /// The retry policy (default [`RetryConfig::default`]; [`RetryConfig::disabled`] for none).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// The client-side rate limit shared by all clones of the client (default: ISC's 100
    /// requests per 10 s; [`RateLimit::unlimited`] turns it off).
    pub fn rate_limit(mut self, rate_limit: RateLimit) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// The whole-request timeout (default 30 s). Ignored with [`http_client`](Self::http_client).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The connect timeout (default 10 s). Ignored with [`http_client`](Self::http_client).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The longest one OAuth2 token request may take, sending and reading together (default
    /// 10 s, [`DEFAULT_TOKEN_TIMEOUT`]). It holds whatever the HTTP client's own timeouts, a
    /// client from [`http_client`](Self::http_client) without any included: a stalled token
    /// request is abandoned then (every call waiting for it gets [`Error::Auth`], which is
    /// retried) and the next call starts a fresh one. No call waits for a token past its own
    /// [`RetryConfig::deadline`] either.
    pub fn token_timeout(mut self, timeout: Duration) -> Self {
        self.token_timeout = timeout;
        self
    }

    /// Brings your own `reqwest::Client` (proxy, TLS roots, timeouts, User-Agent are then
    /// yours). It is used for the token requests too.
    ///
    /// What the SDK's own client sets and yours then must: **no redirects**
    /// (`.redirect(reqwest::redirect::Policy::none())`; reqwest follows up to 10 by default,
    /// which would send the client secret and tokens wherever a 3xx points, plain `http`
    /// included), a whole-request `.timeout(..)` and a `.connect_timeout(..)` (reqwest has
    /// none by default, so a stalled server holds an attempt until the call's
    /// [`RetryConfig::deadline`]), and HTTPS only (`.https_only(true)`) unless you test
    /// against a local server.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let http = reqwest::Client::builder()
    ///     .redirect(reqwest::redirect::Policy::none())
    ///     .timeout(Duration::from_secs(30))
    ///     .connect_timeout(Duration::from_secs(10))
    ///     .https_only(true)
    ///     .build()
    ///     .expect("TLS backend available");
    /// let builder = sailpoint_v2025::Client::builder().http_client(http);
    /// # let _ = builder;
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http_client = Some(client);
        self
    }

    /// Appended to the User-Agent `SailPoint-SDK-Rust/<version> (<os>; <arch>)`, e.g.
    /// `"my-sync-job/1.2"`.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Allows a plain `http://` base URL to a non-loopback host (default: refused, since the
    /// token and the client secret would travel in clear text). Loopback hosts are always
    /// allowed, for local emulators.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Uses these variables instead of the process environment (e.g. in tests, or to read
    /// settings from elsewhere). An empty iterator ignores the environment entirely.
    pub fn environment<K, V>(mut self, vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        self.environment = Some(
            vars.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        );
        self
    }

    /// Reads this file instead of `./config.json` for settings found neither in the builder
    /// nor in the environment.
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_file = Some(path.into());
        self
    }

    // `build()` is in `client.rs`: the client depends on its configuration, not the reverse.

    /// A variable of the builder's environment (else the process's), blank meaning unset.
    pub(crate) fn env_var(&self, name: &str) -> Option<String> {
        let value = match &self.environment {
            Some(vars) => vars.get(name).cloned(),
            None => std::env::var(name).ok(),
        };
        value.filter(|v| !v.trim().is_empty())
    }

    /// Resolves base URL and credentials by precedence.
    pub(crate) fn resolve(&self) -> Result<Resolved, Error> {
        let env = |name: &str| -> Option<String> {
            let value = match &self.environment {
                Some(vars) => vars.get(name).cloned(),
                None => std::env::var(name).ok(),
            };
            value.filter(|v| !v.trim().is_empty())
        };
        // Names that look meant for this SDK but are not read: reported with the closest known
        // name, in the error of a missing setting and as warnings.
        let mut unknown_names = match &self.environment {
            Some(vars) => config_names::unknown_env_vars(vars.keys().map(String::as_str)),
            None => {
                let names: Vec<String> = std::env::vars_os()
                    .filter_map(|(name, _)| name.into_string().ok())
                    .collect();
                config_names::unknown_env_vars(names.iter().map(String::as_str))
            }
        };
        let file_path = self
            .config_file
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_CONFIG_FILE));
        // The file is only read when the builder and the environment leave a gap, so a broken
        // `./config.json` in the working directory cannot fail a fully configured client.
        let base_url_given = self.base_url.is_some() || env(ENV_BASE_URL).is_some();
        let credentials_given = self.credentials.is_some()
            || [ENV_ACCESS_TOKEN, ENV_CLIENT_ID, ENV_CLIENT_SECRET]
                .iter()
                .any(|name| env(name).is_some());
        let file = if base_url_given && credentials_given {
            None
        } else {
            ConfigFile::read(&file_path)?
        };
        let file_label = match &file {
            Some(_) => format!("{}", file_path.display()),
            None => format!("{} (not found)", file_path.display()),
        };
        let file = file.unwrap_or_default();
        unknown_names.extend(file.unknown_keys.iter().cloned());
        let saw = Saw(&unknown_names);

        if self.max_response_bytes == 0 {
            return Err(Error::config(
                "max response bytes",
                "must be at least 1",
                "builder .max_response_bytes()",
            ));
        }
        if self.token_timeout.is_zero() {
            return Err(Error::config(
                "token timeout",
                "must be longer than zero",
                "builder .token_timeout()",
            ));
        }
        let builder_base_url = match &self.base_url {
            Some(BaseUrl::Url(url)) => Some(url.clone()),
            Some(BaseUrl::Tenant(name)) => Some(tenant_url(name)?),
            None => None,
        };
        let base_url_from = if let Some(given) = &self.base_url {
            match given {
                BaseUrl::Url(_) => "builder .base_url()".to_owned(),
                BaseUrl::Tenant(_) => "builder .tenant()".to_owned(),
            }
        } else if env(ENV_BASE_URL).is_some() {
            format!("environment {ENV_BASE_URL}")
        } else {
            format!("{file_label} key BaseURL")
        };
        let base_url = builder_base_url
            .or_else(|| env(ENV_BASE_URL))
            .or(file.base_url)
            .ok_or_else(|| {
                Error::config(
                    "base URL",
                    format!("not set{saw}"),
                    format!(
                        "builder .base_url()/.tenant(), environment {ENV_BASE_URL}, {file_label} key BaseURL"
                    ),
                )
            })?;
        // A refused base URL names where it came from (the message shows the URL itself).
        let endpoints =
            Endpoints::parse(&base_url, self.allow_insecure_http).map_err(|err| match err {
                Error::Config {
                    setting, problem, ..
                } => Error::config(
                    setting,
                    problem,
                    format!("the base URL from {base_url_from}"),
                ),
                other => other,
            })?;

        let looked_at_credentials = format!(
            "builder .client_credentials()/.access_token(), environment {ENV_ACCESS_TOKEN} or \
             {ENV_CLIENT_ID}+{ENV_CLIENT_SECRET}, {file_label} keys ClientId+ClientSecret"
        );
        let (credentials, credentials_from) = if let Some(credentials) = &self.credentials {
            (credentials.clone(), "builder".to_owned())
        } else if let Some(token) = env(ENV_ACCESS_TOKEN) {
            (
                Credentials::AccessToken(SecretString::from(token)),
                format!("environment {ENV_ACCESS_TOKEN}"),
            )
        } else {
            // As a pair: an id from the environment is never paired with a secret from the
            // file (that could send one client's secret under another client's id).
            let (env_id, env_secret) = (env(ENV_CLIENT_ID), env(ENV_CLIENT_SECRET));
            let from_env = env_id.is_some() || env_secret.is_some();
            let (client_id, client_secret) = if from_env {
                (env_id, env_secret)
            } else {
                (file.client_id.clone(), file.client_secret.clone())
            };
            let place = if from_env {
                format!("environment {ENV_CLIENT_ID}+{ENV_CLIENT_SECRET}")
            } else {
                format!("{file_label} keys ClientId+ClientSecret")
            };
            match (client_id, client_secret) {
                (Some(client_id), Some(client_secret)) => (
                    Credentials::ClientCredentials {
                        client_id,
                        client_secret: SecretString::from(client_secret),
                    },
                    place,
                ),
                (Some(_), None) => {
                    return Err(credential_pair::missing_half(
                        Half::ClientSecret,
                        from_env,
                        file.client_secret.is_some(),
                        &file_label,
                        saw,
                        looked_at_credentials,
                    ));
                }
                (None, Some(_)) => {
                    return Err(credential_pair::missing_half(
                        Half::ClientId,
                        from_env,
                        file.client_id.is_some(),
                        &file_label,
                        saw,
                        looked_at_credentials,
                    ));
                }
                (None, None) => {
                    return Err(Error::config(
                        "credentials",
                        format!("neither an access token nor client credentials are set{saw}"),
                        looked_at_credentials,
                    ));
                }
            }
        };
        credentials.validate()?;
        for unknown in &unknown_names {
            tracing::warn!(target: "sailpoint_v2025::config", "{unknown}");
        }
        tracing::debug!(
            target: "sailpoint_v2025::config",
            base_url = %endpoints.host,
            base_url_from = %base_url_from,
            credentials = match &credentials {
                Credentials::ClientCredentials { .. } => "client credentials",
                Credentials::AccessToken(_) => "access token",
            },
            credentials_from = %credentials_from,
            "configuration resolved"
        );
        Ok(Resolved {
            endpoints,
            credentials,
        })
    }
}

/// The outcome of resolving settings by precedence.
pub(crate) struct Resolved {
    pub(crate) endpoints: Endpoints,
    pub(crate) credentials: Credentials,
}

/// The URLs derived from the base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Endpoints {
    /// The tenant API host without a trailing slash, e.g. `https://acme.api.identitynow.com`.
    pub(crate) host: String,
    /// `{host}/v2025`: the generated client's base URL.
    pub(crate) api: String,
    /// `{host}/oauth/token`.
    pub(crate) token: String,
}

impl Endpoints {
    pub(crate) fn parse(base_url: &str, allow_insecure_http: bool) -> Result<Self, Error> {
        let looked_at = "the resolved base URL";
        let trimmed = base_url.trim();
        // Errors show the URL without any `user:password@` (refused below, but never echoed).
        let shown = redact_userinfo(trimmed);
        // Any `@` means credentials (an unencoded `/` in a password even turns the password
        // into the host, `https://p/w@host` being host `p` and path `/w@host`): refused
        // before parsing, so no reading of it can reach the network or a message.
        if trimmed.contains('@') {
            return Err(Error::config(
                "base URL",
                format!("`{shown}` must not carry credentials (`user:password@`)"),
                looked_at,
            ));
        }
        let url = reqwest::Url::parse(trimmed).map_err(|e| {
            Error::config(
                "base URL",
                format!("`{shown}` is not a valid URL ({e}); expected e.g. https://acme.api.identitynow.com"),
                looked_at,
            )
        })?;
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host.to_string(),
            _ => {
                return Err(Error::config(
                    "base URL",
                    format!("`{shown}` has no host"),
                    looked_at,
                ));
            }
        };
        match url.scheme() {
            "https" => {}
            "http" if allow_insecure_http || is_loopback(&host) => {}
            "http" => {
                return Err(Error::config(
                    "base URL",
                    format!(
                        "`{shown}` uses plain http to a non-loopback host; use https, or \
                         .allow_insecure_http(true) if you really mean it"
                    ),
                    looked_at,
                ));
            }
            other => {
                return Err(Error::config(
                    "base URL",
                    format!("unsupported scheme `{other}` in `{shown}`; use https"),
                    looked_at,
                ));
            }
        }
        if url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
            || url.password().is_some()
        {
            return Err(Error::config(
                "base URL",
                format!("`{shown}` must not carry credentials, a query or a fragment"),
                looked_at,
            ));
        }
        api_host::check(&url, &host, &shown, looked_at)?;
        let mut root = url.as_str().trim_end_matches('/').to_string();
        if let Some(stripped) = root.strip_suffix(API_VERSION_PATH) {
            root = stripped.trim_end_matches('/').to_string();
        }
        Ok(Self {
            api: format!("{root}{API_VERSION_PATH}"),
            token: format!("{root}/oauth/token"),
            host: root,
        })
    }
}

/// The tenant's API host, for a valid tenant name (a DNS label: `[a-z0-9-]`, 1 to 63
/// characters, not starting or ending with `-`).
fn tenant_url(name: &str) -> Result<String, Error> {
    let valid = !name.is_empty()
        && name.len() <= 63
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-');
    if !valid {
        return Err(Error::config(
            "tenant",
            format!(
                "`{name}` is not a tenant name: use lowercase letters, digits and `-` only \
                 (e.g. `acme` for https://acme.api.identitynow.com), or .base_url() for \
                 another host"
            ),
            "builder .tenant()",
        ));
    }
    Ok(format!("https://{name}.api.identitynow.com"))
}

/// `url` with everything between `://` and the last `@` replaced by `[REDACTED]`: the userinfo
/// (`user:password@`), even when an unencoded `/`, `?` or `#` in the password hides where the
/// authority ends. Over-redacting a path with an `@` is harmless; echoing a password is not.
fn redact_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    match url[start..].rfind('@') {
        Some(at) => format!("{}[REDACTED]@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_string(),
    }
}

fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    bare.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// `config.json` as SailPoint's other SDKs read it.
#[derive(Default, Deserialize)]
struct ConfigFile {
    #[serde(rename = "BaseURL")]
    base_url: Option<String>,
    #[serde(rename = "ClientId")]
    client_id: Option<String>,
    #[serde(rename = "ClientSecret")]
    client_secret: Option<String>,
    /// The other keys, names only (their values are skipped unread: they may be secrets).
    #[serde(flatten)]
    other_keys: std::collections::BTreeMap<String, serde::de::IgnoredAny>,
    /// The other keys with the known key each most likely meant.
    #[serde(skip)]
    unknown_keys: Vec<UnknownName>,
}

impl ConfigFile {
    fn read(path: &Path) -> Result<Option<Self>, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(Error::config(
                    "config file",
                    format!("cannot read it: {e}"),
                    path.display().to_string(),
                ));
            }
        };
        let file: ConfigFile = serde_json::from_str(&text).map_err(|e| {
            // Only the kind and position of the problem: serde_json's message can quote the
            // offending value (e.g. "invalid type: integer `123`"), which may be a secret.
            Error::config(
                "config file",
                format!(
                    "not a JSON object with string BaseURL/ClientId/ClientSecret ({:?} error at \
                     line {} column {})",
                    e.classify(),
                    e.line(),
                    e.column()
                ),
                path.display().to_string(),
            )
        })?;
        let non_empty = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
        Ok(Some(ConfigFile {
            base_url: non_empty(file.base_url),
            client_id: non_empty(file.client_id),
            client_secret: non_empty(file.client_secret),
            unknown_keys: config_names::unknown_file_keys(
                file.other_keys.keys().map(String::as_str),
            ),
            other_keys: Default::default(),
        }))
    }
}

/// Fleet mode's builder setting.
#[cfg(feature = "redis")]
impl ClientBuilder {
    /// Shares the rate limit and the 429 pause with every other process on this tenant,
    /// `client_id` and API version through Redis (fleet mode; see [`SharedRateLimit`](crate::SharedRateLimit)).
    /// Wins over [`ENV_REDIS_URL`](crate::ENV_REDIS_URL).
    #[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
    pub fn shared_rate_limit(
        mut self,
        shared: impl Into<crate::runtime::shared_limit::SharedRateLimit>,
    ) -> Self {
        self.shared_rate_limit = Some(shared.into());
        self
    }
}

/// The builder's fleet-mode setting for its `Debug` (the URL's password redacted).
pub(crate) fn shown(builder: &ClientBuilder) -> Option<&dyn std::fmt::Debug> {
    #[cfg(feature = "redis")]
    {
        builder
            .shared_rate_limit
            .as_ref()
            .map(|shared| shared as &dyn std::fmt::Debug)
    }
    #[cfg(not(feature = "redis"))]
    {
        let _ = builder;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn endpoints(url: &str) -> Endpoints {
        Endpoints::parse(url, false).expect("valid base URL")
    }

    #[test]
    fn base_url_forms_are_normalised() {
        let expected = Endpoints {
            host: "https://acme.api.identitynow.com".into(),
            api: "https://acme.api.identitynow.com/v2025".into(),
            token: "https://acme.api.identitynow.com/oauth/token".into(),
        };
        for url in [
            "https://acme.api.identitynow.com",
            "https://acme.api.identitynow.com/",
            "https://acme.api.identitynow.com/v2025",
            "https://acme.api.identitynow.com/v2025/",
            " https://acme.api.identitynow.com ",
        ] {
            assert_eq!(endpoints(url), expected, "{url}");
        }
    }

    #[test]
    fn a_broken_config_file_does_not_matter_when_nothing_is_taken_from_it() {
        let path =
            std::env::temp_dir().join(format!("sailpoint-config-unit-{}.json", std::process::id()));
        std::fs::write(&path, "{ not json").expect("temp file written");
        let complete = ClientBuilder::default()
            .base_url("https://acme.api.identitynow.com")
            .access_token("token")
            .environment(Vec::<(String, String)>::new())
            .config_file(&path);
        assert!(complete.resolve().is_ok());
        let incomplete = ClientBuilder::default()
            .access_token("token")
            .environment(Vec::<(String, String)>::new())
            .config_file(&path);
        let err = incomplete
            .resolve()
            .err()
            .expect("the file is needed and broken");
        assert!(
            matches!(
                err,
                Error::Config {
                    setting: "config file",
                    ..
                }
            ),
            "{err}"
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn a_zero_token_timeout_is_a_config_error() {
        let err = ClientBuilder::default()
            .base_url("https://acme.api.identitynow.com")
            .access_token("token")
            .environment(Vec::<(String, String)>::new())
            .token_timeout(Duration::ZERO)
            .resolve()
            .err()
            .expect("refused");
        assert!(
            matches!(
                err,
                Error::Config {
                    setting: "token timeout",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn tenant_names_are_dns_labels() {
        for good in ["acme", "acme-sandbox", "a", "123", &"a".repeat(63)] {
            assert_eq!(
                tenant_url(good).expect(good),
                format!("https://{good}.api.identitynow.com")
            );
        }
        for bad in [
            "",
            " ",
            "a.b",
            "evil.example/x",
            "Acme",
            "acme ",
            "-acme",
            "acme-",
            "a@b",
            "a:1",
            "ü",
            &"a".repeat(64),
        ] {
            let err = tenant_url(bad).expect_err(bad);
            assert!(
                matches!(
                    err,
                    Error::Config {
                        setting: "tenant",
                        ..
                    }
                ),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn plain_http_only_for_loopback_or_when_allowed() {
        assert!(Endpoints::parse("http://127.0.0.1:8080", false).is_ok());
        assert!(Endpoints::parse("http://localhost:8080", false).is_ok());
        assert!(Endpoints::parse("http://[::1]:8080", false).is_ok());
        let err = Endpoints::parse("http://acme.example.com", false).expect_err("refused");
        assert!(err.to_string().contains("allow_insecure_http"), "{err}");
        assert!(Endpoints::parse("http://acme.example.com", true).is_ok());
    }

    #[test]
    fn malformed_base_urls_are_config_errors() {
        for url in [
            "acme.api.identitynow.com",
            "ftp://acme",
            "https://",
            "https://u:p@acme.example.com",
            "https://:p@acme.example.com",
            "https://u@acme.example.com",
            "https://acme.example.com?x=1",
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
        }
    }
}
