//! Emulator configuration: the builder, registered OAuth clients and the rate
//! limit settings.

use std::io;
use std::time::Duration;

use crate::accounts::EmulatedAccount;
use crate::demo;
use crate::server::Emulator;
use crate::sources::{ClassificationPace, Source};

/// The scope the classify operation requires.
pub const CLASSIFY_SCOPE: &str = "idn:account:update";

/// The scope for reading a source's machine classification config.
pub const SOURCES_READ_SCOPE: &str = "idn:sources:read";

/// The scope for changing a source's machine classification config (reading it too).
pub const SOURCES_MANAGE_SCOPE: &str = "idn:sources:manage";

/// The catch-all scope: a client holding it may call every operation.
pub const ALL_SCOPES: &str = "sp:scopes:all";

/// Default token lifetime: 749 seconds, the value in SailPoint's docs.
pub const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(749);

/// An OAuth client (or personal access token: same thing on the wire) the
/// emulator accepts at `POST /oauth/token`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthClient {
    /// The `client_id`.
    pub id: String,
    /// The `client_secret`.
    pub secret: String,
    /// The scopes granted to tokens of this client (reported space-separated
    /// in the token response's `scope`).
    pub scopes: Vec<String>,
}

impl OAuthClient {
    /// A client with the default scope [`CLASSIFY_SCOPE`].
    pub fn new(id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self::with_scopes(id, secret, [CLASSIFY_SCOPE])
    }

    /// A client with the given scopes (may be empty).
    pub fn with_scopes<I, S>(id: impl Into<String>, secret: impl Into<String>, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            id: id.into(),
            secret: secret.into(),
            scopes: scopes.into_iter().map(Into::into).collect(),
        }
    }

    /// Whether this client may call the classify operation: it holds
    /// [`CLASSIFY_SCOPE`] or [`ALL_SCOPES`].
    pub fn may_classify(&self) -> bool {
        self.scopes
            .iter()
            .any(|s| s == CLASSIFY_SCOPE || s == ALL_SCOPES)
    }

    /// Whether this client may read a source's machine classification config:
    /// it holds [`SOURCES_READ_SCOPE`], [`SOURCES_MANAGE_SCOPE`] or [`ALL_SCOPES`].
    pub fn may_read_sources(&self) -> bool {
        self.may_manage_sources() || self.scopes.iter().any(|s| s == SOURCES_READ_SCOPE)
    }

    /// Whether this client may change a source's machine classification
    /// config: it holds [`SOURCES_MANAGE_SCOPE`] or [`ALL_SCOPES`].
    pub fn may_manage_sources(&self) -> bool {
        self.scopes
            .iter()
            .any(|s| s == SOURCES_MANAGE_SCOPE || s == ALL_SCOPES)
    }
}

/// A fixed-window rate limit applied per `client_id` to the `/v2025` API.
///
/// ISC allows 100 requests per client per 10 seconds
/// ([`ServerRateLimit::ISC`], the default). Tests can scale time down, e.g.
/// `ServerRateLimit::new(20, Duration::from_millis(200))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerRateLimit {
    /// Requests allowed per window and client.
    pub requests: u32,
    /// Window length. A client's window starts with its first counted
    /// request and lasts this long; the next request after it opens a new
    /// window.
    pub window: Duration,
}

impl ServerRateLimit {
    /// SailPoint's documented limit: 100 requests per 10 seconds.
    pub const ISC: ServerRateLimit = ServerRateLimit {
        requests: 100,
        window: Duration::from_secs(10),
    };

    /// A limit of `requests` per `window`.
    pub const fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }
}

impl Default for ServerRateLimit {
    fn default() -> Self {
        Self::ISC
    }
}

/// Everything an emulator is started with (the builder's result).
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) clients: Vec<OAuthClient>,
    pub(crate) accounts: Vec<EmulatedAccount>,
    pub(crate) sources: Vec<Source>,
    pub(crate) pace: ClassificationPace,
    pub(crate) token_lifetime: Duration,
    pub(crate) rate_limit: Option<ServerRateLimit>,
    pub(crate) org: String,
    pub(crate) pod: String,
    pub(crate) request_log_capacity: usize,
}

/// Builds and starts an [`Emulator`]; get one from [`Emulator::builder`].
///
/// Defaults: the demo client [`demo::CLIENT_ID`] / [`demo::CLIENT_SECRET`]
/// (scopes `idn:account:update idn:sources:manage`), the demo accounts
/// ([`demo::accounts`]) and their sources ([`demo::sources`]), the
/// [`ClassificationPace::default`] for source classification jobs, a
/// token lifetime of 749 s, the rate limit [`ServerRateLimit::ISC`] (100 requests
/// per 10 s per client), org `acme`, pod `emu01-local`, and a request log of
/// the last 10,000 classify requests.
#[derive(Debug, Clone)]
#[must_use = "call .start().await to run the emulator"]
pub struct EmulatorBuilder {
    demo_client: bool,
    demo_accounts: bool,
    port: u16,
    settings: Settings,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        Self {
            demo_client: true,
            demo_accounts: true,
            port: 0,
            settings: Settings {
                clients: Vec::new(),
                accounts: Vec::new(),
                sources: Vec::new(),
                pace: ClassificationPace::default(),
                token_lifetime: DEFAULT_TOKEN_LIFETIME,
                rate_limit: Some(ServerRateLimit::ISC),
                org: "acme".to_owned(),
                pod: "emu01-local".to_owned(),
                request_log_capacity: 10_000,
            },
        }
    }
}

impl EmulatorBuilder {
    /// The default configuration (same as [`Emulator::builder`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a client with scope `idn:account:update`. The demo client
    /// stays registered unless [`EmulatorBuilder::without_demo_client`] is
    /// called. Registering an id twice replaces the earlier registration.
    pub fn client(self, id: impl Into<String>, secret: impl Into<String>) -> Self {
        self.oauth_client(OAuthClient::new(id, secret))
    }

    /// Registers a client with explicit scopes, e.g. none (to test 403) or
    /// `sp:scopes:all`.
    pub fn client_with_scopes<I, S>(
        self,
        id: impl Into<String>,
        secret: impl Into<String>,
        scopes: I,
    ) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.oauth_client(OAuthClient::with_scopes(id, secret, scopes))
    }

    /// Registers a client.
    pub fn oauth_client(mut self, client: OAuthClient) -> Self {
        self.settings.clients.retain(|c| c.id != client.id);
        self.settings.clients.push(client);
        self
    }

    /// Does not register the demo client.
    pub fn without_demo_client(mut self) -> Self {
        self.demo_client = false;
        self
    }

    /// Adds an account (replacing a demo account or earlier account with the
    /// same id).
    pub fn account(mut self, account: EmulatedAccount) -> Self {
        self.settings.accounts.retain(|a| a.id != account.id);
        self.settings.accounts.push(account);
        self
    }

    /// Adds accounts (see [`EmulatorBuilder::account`]).
    pub fn accounts(mut self, accounts: impl IntoIterator<Item = EmulatedAccount>) -> Self {
        // One pass (not `account` per item): seeding 100,000 accounts stays fast.
        let mut added: Vec<EmulatedAccount> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for account in accounts {
            match index.get(&account.id) {
                Some(&at) => added[at] = account,
                None => {
                    index.insert(account.id.clone(), added.len());
                    added.push(account);
                }
            }
        }
        self.settings
            .accounts
            .retain(|a| !index.contains_key(&a.id));
        self.settings.accounts.append(&mut added);
        self
    }

    /// Adds (or replaces, by id) a source. Its accounts are the accounts whose
    /// [`EmulatedAccount::source_name`] is the source's name.
    pub fn source(mut self, source: Source) -> Self {
        self.settings.sources.retain(|s| s.id != source.id);
        self.settings.sources.push(source);
        self
    }

    /// How fast source classification jobs advance (see [`ClassificationPace`]).
    pub fn classification_pace(mut self, pace: ClassificationPace) -> Self {
        self.settings.pace = pace;
        self
    }

    /// Starts without the demo accounts (only the accounts added here).
    pub fn without_demo_accounts(mut self) -> Self {
        self.demo_accounts = false;
        self
    }

    /// Sets the lifetime of issued tokens (default 749 s). The token
    /// response's `expires_in` is the lifetime in whole seconds, rounded
    /// down; a zero lifetime issues tokens that are already expired.
    pub fn token_lifetime(mut self, lifetime: Duration) -> Self {
        self.settings.token_lifetime = lifetime;
        self
    }

    /// Sets the rate limit; `None` disables rate limiting.
    pub fn rate_limit(mut self, limit: Option<ServerRateLimit>) -> Self {
        self.settings.rate_limit = limit;
        self
    }

    /// Disables rate limiting (same as `.rate_limit(None)`).
    pub fn without_rate_limit(self) -> Self {
        self.rate_limit(None)
    }

    /// Sets the tenant (org) name reported in token responses (default `acme`).
    pub fn org(mut self, org: impl Into<String>) -> Self {
        self.settings.org = org.into();
        self
    }

    /// Sets the pod name reported in token responses (default `emu01-local`).
    pub fn pod(mut self, pod: impl Into<String>) -> Self {
        self.settings.pod = pod.into();
        self
    }

    /// Sets how many classify requests [`Emulator::requests`] keeps (the
    /// newest ones; default 10,000). Counters are not limited by this.
    pub fn request_log_capacity(mut self, capacity: usize) -> Self {
        self.settings.request_log_capacity = capacity;
        self
    }

    /// The port to listen on at `127.0.0.1` (default 0: a free port the
    /// system picks, which tests want; [`Emulator::base_url`] tells it).
    /// A fixed port is for a long-lived emulator other programs are pointed
    /// at, such as the `sailpoint-v2025-emulator` binary's `--port`; a port
    /// in use makes [`EmulatorBuilder::start`] fail with
    /// [`io::ErrorKind::AddrInUse`].
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Binds `127.0.0.1` on the [port](EmulatorBuilder::port) (by default an
    /// ephemeral one) and starts serving.
    ///
    /// Must be called from within a tokio runtime (multi-thread or
    /// current-thread); otherwise returns an error. The server runs as tasks
    /// on that runtime until the [`Emulator`] is dropped or shut down.
    pub async fn start(self) -> io::Result<Emulator> {
        let port = self.port;
        Emulator::start_with(self.into_settings(), port).await
    }

    pub(crate) fn into_settings(self) -> Settings {
        let mut settings = self.settings;
        if self.demo_client && !settings.clients.iter().any(|c| c.id == demo::CLIENT_ID) {
            settings.clients.insert(
                0,
                OAuthClient::with_scopes(
                    demo::CLIENT_ID,
                    demo::CLIENT_SECRET,
                    [CLASSIFY_SCOPE, SOURCES_MANAGE_SCOPE],
                ),
            );
        }
        if self.demo_accounts {
            let mut accounts: Vec<EmulatedAccount> = demo::accounts()
                .into_iter()
                .filter(|d| !settings.accounts.iter().any(|a| a.id == d.id))
                .collect();
            accounts.append(&mut settings.accounts);
            settings.accounts = accounts;
            let mut sources: Vec<Source> = demo::sources()
                .into_iter()
                .filter(|d| !settings.sources.iter().any(|s| s.id == d.id))
                .collect();
            sources.append(&mut settings.sources);
            settings.sources = sources;
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let s = EmulatorBuilder::new().into_settings();
        assert_eq!(s.clients.len(), 1);
        assert_eq!(s.clients[0].id, demo::CLIENT_ID);
        assert!(s.clients[0].may_classify());
        assert_eq!(s.accounts.len(), demo::accounts().len());
        assert_eq!(s.token_lifetime, Duration::from_secs(749));
        assert_eq!(
            s.rate_limit,
            Some(ServerRateLimit::new(100, Duration::from_secs(10)))
        );
    }

    #[test]
    fn overrides() {
        let s = EmulatorBuilder::new()
            .without_demo_client()
            .without_demo_accounts()
            .client("a", "1")
            .client("a", "2")
            .client_with_scopes("b", "3", Vec::<String>::new())
            .account(EmulatedAccount::new("x", "svc-x"))
            .without_rate_limit()
            .into_settings();
        assert_eq!(s.clients.len(), 2);
        assert_eq!(s.clients[0].secret, "2");
        assert!(!s.clients[1].may_classify());
        assert_eq!(s.accounts.len(), 1);
        assert_eq!(s.rate_limit, None);

        let s = EmulatorBuilder::new()
            .account(EmulatedAccount::new(demo::MACHINE_ID, "replaced"))
            .into_settings();
        assert_eq!(s.accounts.len(), demo::accounts().len());
        assert!(s.accounts.iter().any(|a| a.name == "replaced"));
        assert!(OAuthClient::with_scopes("c", "s", [ALL_SCOPES]).may_classify());
    }
}
