//! Shared helpers for the facade integration tests: a client pointed at an emulator with the
//! process environment and `./config.json` shut out, fast retries, temporary config files.

#![allow(dead_code)]

pub mod hostile;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use sailpoint_v2025::{Client, ClientBuilder, Error, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, demo};

/// An emulator without its server-side rate limit (tests that need one configure it).
pub async fn emulator() -> Emulator {
    Emulator::builder()
        .without_rate_limit()
        .start()
        .await
        .expect("emulator starts")
}

/// Retries with short backoffs, so retry tests stay fast.
pub fn fast_retry(max_attempts: u32) -> RetryConfig {
    RetryConfig::default()
        .max_attempts(max_attempts)
        .initial_backoff(Duration::from_millis(20))
        .max_backoff(Duration::from_millis(50))
}

/// A builder that reads nothing from the process environment or `./config.json`.
pub fn isolated_builder() -> ClientBuilder {
    Client::builder()
        .environment(std::iter::empty::<(String, String)>())
        .config_file(missing_file())
        .rate_limit(RateLimit::unlimited())
        .retry(fast_retry(3))
}

/// An isolated builder for `emu` with these client credentials.
pub fn credentials_builder(emu: &Emulator, client_id: &str, secret: &str) -> ClientBuilder {
    isolated_builder()
        .base_url(emu.base_url())
        .client_credentials(client_id, secret)
}

/// An isolated builder for `emu` with the demo client's credentials.
pub fn builder(emu: &Emulator) -> ClientBuilder {
    credentials_builder(emu, demo::CLIENT_ID, demo::CLIENT_SECRET)
}

/// A ready client for `emu` (demo credentials, fast retries, no client-side rate limit).
pub fn client(emu: &Emulator) -> Client {
    builder(emu).build().expect("client builds")
}

/// A client for `emu` (demo credentials) that makes exactly one attempt per call.
pub fn one_shot(emu: &Emulator) -> Client {
    builder(emu)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client")
}

/// A client for `base_url` that sends the static `token` (fast retries).
pub fn static_token_client(base_url: impl Into<String>, token: impl Into<String>) -> Client {
    isolated_builder()
        .base_url(base_url)
        .access_token(token)
        .build()
        .expect("client")
}

/// A base URL on a loopback port where nothing listens (connections are refused).
pub fn refused_base_url() -> String {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.local_addr().expect("addr").port()
    };
    format!("http://127.0.0.1:{port}")
}

/// A first call that must succeed (it also fetches and caches the token); `why` names it.
pub async fn warm_up(client: &Client, why: &str) {
    client
        .send_classify_machine_account(sailpoint_v2025_testkit::demo::MACHINE_ID)
        .await
        .expect(why);
}

/// Classifies `id`, which must fail; `why` says why (the panic message otherwise).
pub async fn classify_err(client: &Client, id: &str, why: &str) -> Error {
    client
        .send_classify_machine_account(id)
        .await
        .expect_err(why)
}

/// `err` is an [`Error::Auth`] with this token endpoint `status` and a message containing
/// each of `needles`.
pub fn assert_auth_error(err: &Error, status: u16, needles: &[&str]) {
    match err {
        Error::Auth {
            status: got,
            message,
            ..
        } => {
            assert_eq!(got.map(|s| s.as_u16()), Some(status));
            for needle in needles {
                assert!(message.contains(needle), "{needle:?} not in {message}");
            }
        }
        other => panic!("expected Auth, got {other:?}"),
    }
}

/// `err` is an [`Error::Unauthorized`] whose body's `error` is `message`.
pub fn assert_unauthorized(err: &Error, message: &str) {
    match err {
        Error::Unauthorized { body, .. } => {
            let body = body.as_ref().expect("a decoded 401 body");
            assert_eq!(body.error, Some(serde_json::json!(message)));
        }
        other => panic!("expected Unauthorized, got {other:?}"),
    }
}

fn unique_path(label: &str) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    std::env::temp_dir().join(format!(
        "sailpoint-facade-test-{}-{n}-{label}.json",
        std::process::id()
    ))
}

/// A path that does not exist.
pub fn missing_file() -> PathBuf {
    unique_path("missing")
}

/// A temporary file, removed on drop.
pub struct TempFile(PathBuf);

impl TempFile {
    /// Writes `contents` to a fresh temporary file.
    pub fn new(contents: &str) -> Self {
        let path = unique_path("config");
        std::fs::write(&path, contents).expect("write temp config file");
        Self(path)
    }

    /// A `config.json` with these keys (absent keys for `None`).
    pub fn config(base_url: Option<&str>, client_id: Option<&str>, secret: Option<&str>) -> Self {
        let mut object = serde_json::Map::new();
        for (key, value) in [
            ("BaseURL", base_url),
            ("ClientId", client_id),
            ("ClientSecret", secret),
        ] {
            if let Some(value) = value {
                object.insert(key.into(), value.into());
            }
        }
        Self::new(&serde_json::Value::Object(object).to_string())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Whether `s` looks like the emulator's trackingId (32 lowercase hex digits).
pub fn is_tracking_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}
