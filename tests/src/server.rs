//! The HTTP server and the [`Emulator`] handle.

use std::convert::Infallible;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt;

use crate::account_endpoints;
use crate::accounts::EmulatedAccount;
use crate::auth;
use crate::classify;
use crate::config::{EmulatorBuilder, OAuthClient, ServerRateLimit, Settings};
use crate::counters::{Counters, ReceivedRequest, ReceivedTokenRequest};
use crate::demo;
use crate::faults::{DropConnection, Endpoint, Fault, InjectedFault};
use crate::responses;
use crate::source_endpoints;
use crate::sources::{ClassificationPace, Source};
use crate::state::Shared;

/// A running emulator: an HTTP server on `127.0.0.1` (ephemeral port) plus
/// handles to inspect and steer it. See the [crate docs](crate) for the
/// behaviour.
///
/// Dropping it stops the server (the listener closes and open connections
/// are aborted); [`Emulator::shutdown`] does the same and waits for it.
/// Share it between tasks with an `Arc` if needed: every method takes `&self`.
#[derive(Debug)]
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    base_url: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Emulator {
    /// Starts an emulator with the default configuration (see
    /// [`EmulatorBuilder`]): demo client, demo accounts, ISC's rate limit.
    ///
    /// Must be called from within a tokio runtime (multi-thread or
    /// current-thread); otherwise returns an error.
    pub async fn start() -> io::Result<Emulator> {
        EmulatorBuilder::new().start().await
    }

    /// A builder to configure the emulator before starting it.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::new()
    }

    /// The demo accounts an emulator starts with unless
    /// [`EmulatorBuilder::without_demo_accounts`] is used (see [`demo`] for
    /// the table of expected answers).
    pub fn demo_accounts() -> Vec<EmulatedAccount> {
        demo::accounts()
    }

    pub(crate) async fn start_with(settings: Settings, port: u16) -> io::Result<Emulator> {
        tokio::runtime::Handle::try_current().map_err(io::Error::other)?;
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared::new(settings));
        let router = router(Arc::clone(&shared));
        let (stop_tx, stop_rx) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, router, stop_rx));
        Ok(Emulator {
            shared,
            addr,
            base_url: format!("http://{addr}"),
            stop: Some(stop_tx),
            task: Some(task),
        })
    }

    /// The tenant API base URL, e.g. `http://127.0.0.1:41234` (no trailing
    /// slash). The SDK appends `/v2025/...` and `/oauth/token` to it.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The versioned API base, `{base_url}/v2025`.
    pub fn api_url(&self) -> String {
        format!("{}/v2025", self.base_url)
    }

    /// The token endpoint, `{base_url}/oauth/token`.
    pub fn token_url(&self) -> String {
        format!("{}/oauth/token", self.base_url)
    }

    /// The classify URL for an account id (the id is percent-encoded as a
    /// path segment), without query string.
    pub fn classify_url(&self, account_id: &str) -> String {
        const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
            .remove(b'-')
            .remove(b'_')
            .remove(b'.')
            .remove(b'~');
        format!(
            "{}/v2025/accounts/{}/classify",
            self.base_url,
            percent_encoding::utf8_percent_encode(account_id, SEGMENT)
        )
    }

    /// The socket address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Runs `f` over the registered OAuth clients (in id order).
    pub(crate) fn with_clients<R>(&self, f: impl FnOnce(&[OAuthClient]) -> R) -> R {
        let clients: Vec<OAuthClient> = self
            .shared
            .with_state(|s| s.clients.values().cloned().collect());
        f(&clients)
    }

    // ----- accounts -----

    /// Inserts or replaces an account; returns the replaced one.
    pub fn insert_account(&self, account: EmulatedAccount) -> Option<EmulatedAccount> {
        self.shared
            .with_state(|s| s.accounts.insert(account.id.clone(), account))
    }

    /// Removes an account; returns it.
    pub fn remove_account(&self, id: &str) -> Option<EmulatedAccount> {
        self.shared.with_state(|s| s.accounts.remove(id))
    }

    /// The current state of an account (with the progress of running source
    /// classification jobs written first).
    pub fn account(&self, id: &str) -> Option<EmulatedAccount> {
        self.shared.with_state(|s| {
            s.advance_jobs(Instant::now());
            s.accounts.get(id).cloned()
        })
    }

    /// All accounts, ordered by id (with the progress of running source
    /// classification jobs written first).
    pub fn accounts(&self) -> Vec<EmulatedAccount> {
        self.shared.with_state(|s| {
            s.advance_jobs(Instant::now());
            s.accounts.values().cloned().collect()
        })
    }

    /// Inserts many accounts at once (replacing those with the same ids).
    pub fn insert_accounts(&self, accounts: impl IntoIterator<Item = EmulatedAccount>) {
        self.shared.with_state(|s| {
            for account in accounts {
                s.accounts.insert(account.id.clone(), account);
            }
        });
    }

    // ----- sources -----

    /// Inserts or replaces a source (its config and job are kept when the id
    /// is known); returns the replaced source.
    pub fn insert_source(&self, source: Source) -> Option<Source> {
        self.shared
            .with_state(|s| match s.sources.get_mut(&source.id) {
                Some(existing) => Some(std::mem::replace(&mut existing.source, source)),
                None => {
                    s.sources.insert(
                        source.id.clone(),
                        crate::source_jobs::SourceState::new(source),
                    );
                    None
                }
            })
    }

    /// All sources, ordered by id.
    pub fn sources(&self) -> Vec<Source> {
        self.shared
            .with_state(|s| s.sources.values().map(|st| st.source.clone()).collect())
    }

    /// The stored machine classification config of a source, as JSON.
    pub fn machine_classification_config(&self, source_id: &str) -> Option<serde_json::Value> {
        self.shared
            .with_state(|s| s.sources.get(source_id).and_then(|st| st.config.clone()))
    }

    /// The latest classification job's status body of a source
    /// (`SourceClassificationStatus` JSON), as `GET .../classify` would answer.
    pub fn source_classification_status(&self, source_id: &str) -> Option<serde_json::Value> {
        self.shared.with_state(|s| {
            let now = Instant::now();
            s.advance_job(source_id, now);
            let job = s.sources.get(source_id)?.job.as_ref()?;
            Some(job.progress(now).to_json())
        })
    }

    /// Ends a running classification job of a source as `TERMINATED` (as if
    /// the server had given up). Returns whether a job was running.
    pub fn terminate_source_classification(&self, source_id: &str) -> bool {
        self.shared.with_state(|s| {
            let now = Instant::now();
            s.advance_job(source_id, now);
            s.sources
                .get_mut(source_id)
                .and_then(|st| st.job.as_mut())
                .is_some_and(|job| job.stop(crate::sources::Stopped::Terminated, now))
        })
    }

    /// How fast source classification jobs started from now on advance.
    pub fn set_classification_pace(&self, pace: ClassificationPace) {
        self.shared.with_state(|s| s.pace = pace);
    }

    // ----- clients and tokens -----

    /// Registers (or replaces) an OAuth client at runtime.
    pub fn register_client(&self, client: OAuthClient) {
        self.shared
            .with_state(|s| s.clients.insert(client.id.clone(), client));
    }

    /// Issues a token for a registered client without an HTTP request (not
    /// counted), e.g. to configure an SDK with a static token. `None` if the
    /// client is not registered.
    pub fn issue_token(&self, client_id: &str) -> Option<String> {
        self.shared.with_state(|s| {
            let client = s.clients.get(client_id)?.clone();
            Some(s.tokens.issue(&client, Instant::now()).0)
        })
    }

    /// Makes every token issued so far expired: the next classify call with
    /// one gets 401 `JWT validation failed: JWT is expired`. Tokens issued
    /// later are valid as usual.
    pub fn expire_all_tokens(&self) {
        self.shared
            .with_state(|s| s.tokens.expire_all(Instant::now()));
    }

    /// Forgets every token issued so far (they get 401 `JWT is invalid`).
    pub fn revoke_all_tokens(&self) {
        self.shared.with_state(|s| s.tokens.revoke_all());
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        self.shared.with_state(|s| s.tokens.set_lifetime(lifetime));
    }

    // ----- rate limit -----

    /// The rate limit in force (`None`: disabled).
    pub fn rate_limit(&self) -> Option<ServerRateLimit> {
        self.shared.with_state(|s| s.limiter.limit())
    }

    /// Changes the rate limit at runtime (`None` disables it); all windows
    /// restart.
    pub fn set_rate_limit(&self, limit: Option<ServerRateLimit>) {
        self.shared.with_state(|s| s.limiter.set_limit(limit));
    }

    /// Forgets all clients' current windows (their budgets are full again).
    pub fn reset_rate_limits(&self) {
        self.shared.with_state(|s| s.limiter.reset());
    }

    // ----- faults -----

    /// Queues a fault for the next classify request. It applies once unless
    /// [`InjectedFault::times`] says otherwise:
    /// `emu.inject(Fault::Status(503)).times(2);`
    ///
    /// Faults apply in the order they were queued, each to as many
    /// consecutive requests as its count.
    pub fn inject(&self, fault: Fault) -> InjectedFault<'_> {
        self.queue(Endpoint::Classify, fault, 1)
    }

    /// Queues a fault for the next `n` classify requests.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.queue(Endpoint::Classify, fault, n);
    }

    /// Queues a fault for the next token request (once, unless
    /// [`InjectedFault::times`] says otherwise).
    pub fn inject_token_fault(&self, fault: Fault) -> InjectedFault<'_> {
        self.queue(Endpoint::Token, fault, 1)
    }

    /// Queues a fault for the next `n` token requests.
    pub fn fail_next_token(&self, n: usize, fault: Fault) {
        self.queue(Endpoint::Token, fault, n);
    }

    /// How many classify requests the queued faults will still affect.
    pub fn pending_faults(&self) -> usize {
        self.shared.with_state(|s| s.classify_faults.pending())
    }

    /// How many token requests the queued token faults will still affect.
    pub fn pending_token_faults(&self) -> usize {
        self.shared.with_state(|s| s.token_faults.pending())
    }

    /// Removes every queued fault (both endpoints).
    pub fn clear_faults(&self) {
        self.shared.with_state(|s| {
            s.classify_faults.clear();
            s.token_faults.clear();
        });
    }

    fn queue(&self, endpoint: Endpoint, fault: Fault, times: usize) -> InjectedFault<'_> {
        let id = self.shared.with_state(|s| {
            let id = s.next_fault_id;
            s.next_fault_id += 1;
            s.faults_mut(endpoint).push(id, fault, times);
            id
        });
        InjectedFault {
            shared: &self.shared,
            endpoint,
            id,
        }
    }

    // ----- counters -----

    /// A snapshot of the counters.
    pub fn counters(&self) -> Counters {
        self.shared.with_state(|s| s.counters.clone())
    }

    /// The classify requests received (oldest first; at most the log
    /// capacity, newest kept).
    pub fn requests(&self) -> Vec<ReceivedRequest> {
        self.shared
            .with_state(|s| s.requests.iter().cloned().collect())
    }

    /// The token requests received (oldest first; same capacity).
    pub fn token_requests(&self) -> Vec<ReceivedTokenRequest> {
        self.shared
            .with_state(|s| s.token_requests.iter().cloned().collect())
    }

    /// Zeroes the counters and clears both request logs (accounts, tokens,
    /// rate-limit windows and faults are untouched).
    pub fn reset_counters(&self) {
        self.shared.with_state(|s| s.reset_counters());
    }

    // ----- lifecycle -----

    /// Stops the server and waits until the listener and all connections
    /// are closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(task) = self.task.take() {
            // Aborting the accept loop drops its JoinSet, which aborts every
            // connection task, and the listener.
            task.abort();
        }
    }
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/oauth/token", post(auth::token_handler))
        .route(classify::ROUTE, post(classify::classify_handler))
        .route(
            source_endpoints::CLASSIFY_ROUTE,
            post(source_endpoints::start_job)
                .get(source_endpoints::job_status)
                .delete(source_endpoints::cancel_job),
        )
        .route(
            source_endpoints::CONFIG_ROUTE,
            get(source_endpoints::get_config)
                .put(source_endpoints::set_config)
                .delete(source_endpoints::delete_config),
        )
        .route(
            account_endpoints::ACCOUNTS_ROUTE,
            get(account_endpoints::list_accounts),
        )
        .route(
            account_endpoints::MACHINE_ACCOUNTS_ROUTE,
            get(account_endpoints::list_machine_accounts),
        )
        .route(
            account_endpoints::MACHINE_ACCOUNT_ROUTE,
            get(account_endpoints::get_machine_account),
        )
        .route(
            account_endpoints::DECLASSIFY_ROUTE,
            post(account_endpoints::declassify),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(shared)
}

async fn not_found(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    shared.with_state(|s| s.counters.unmatched_requests += 1);
    responses::error_dto(
        StatusCode::NOT_FOUND,
        &format!(
            "No route for {} {}; the emulator serves POST /oauth/token, POST {}, {} and {}.",
            request.method(),
            request.uri().path(),
            classify::ROUTE,
            source_endpoints::CLASSIFY_ROUTE,
            source_endpoints::CONFIG_ROUTE
        ),
    )
}

async fn method_not_allowed(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    shared.with_state(|s| s.counters.unmatched_requests += 1);
    responses::error_dto(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!(
            "Method {} is not allowed for {}.",
            request.method(),
            request.uri().path()
        ),
    )
}

async fn accept_loop(listener: TcpListener, router: Router, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, router.clone()));
                }
                // E.g. too many open files: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    drop(listener);
    connections.shutdown().await;
}

/// Serves one TCP connection. A response carrying the [`DropConnection`]
/// marker is never sent: the connection is dropped instead, which closes the
/// socket with the request unanswered.
async fn serve_connection(stream: TcpStream, router: Router) {
    let _ = stream.set_nodelay(true);
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
            let router = router.clone();
            let kill = Arc::clone(&kill);
            async move {
                let response = match router.oneshot(request).await {
                    Ok(response) => response,
                    Err(never) => match never {},
                };
                if response.extensions().get::<DropConnection>().is_some() {
                    kill.notify_one();
                    std::future::pending::<()>().await;
                }
                Ok::<_, Infallible>(response)
            }
        })
    };
    let builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = connection => {}
        _ = kill.notified() => {}
    }
}
