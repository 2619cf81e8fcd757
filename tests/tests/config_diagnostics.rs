//! Configuration says what it saw: misspelt `config.json` keys and `SAIL_*` variables named with
//! the known name they most likely meant, the client id/secret pair rule worded in the error,
//! the web UI's host and API paths other than `/v2025` refused with the URL to use; and what it
//! did: where each setting came from, logged.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::TempFile;
use sailpoint_v2025::{Client, ClientBuilder, Error};
use sailpoint_v2025_testkit::demo;

/// A builder with nothing set and nothing read from the process (no env, no ./config.json).
fn bare() -> ClientBuilder {
    common::isolated_builder()
}

/// The `Error::Config` of a build that must fail: setting and the whole message.
fn config_error(result: Result<Client, Error>) -> (&'static str, String) {
    match result {
        Err(err @ Error::Config { setting, .. }) => (setting, err.to_string()),
        Err(other) => panic!("expected a configuration error, got {other:?}"),
        Ok(client) => panic!("expected a configuration error, got {client:?}"),
    }
}

#[tokio::test]
async fn a_misspelt_config_file_key_is_named_with_the_known_one() {
    let file = TempFile::new(
        r#"{"BaseUrl": "https://acme.api.identitynow.com", "ClientId": "id", "ClientSecret": "s"}"#,
    );
    let (setting, shown) = config_error(bare().config_file(file.path()).build());
    assert_eq!(setting, "base URL");
    assert!(shown.contains("not set"), "{shown}");
    assert!(
        shown.contains("config file key `BaseUrl` is not read: did you mean `BaseURL`?"),
        "{shown}"
    );
}

#[tokio::test]
async fn misspelt_environment_variables_are_named_with_the_known_one() {
    let cases = [
        ("SAIL_BASEURL", "did you mean SAIL_BASE_URL?"),
        ("SAILPOINT_BASE_URL", "did you mean SAIL_BASE_URL?"),
        (
            "SAIL_TENANT",
            "the tenant goes into SAIL_BASE_URL, e.g. SAIL_BASE_URL=https://acme.api.identitynow.com",
        ),
    ];
    for (name, needle) in cases {
        let (setting, shown) = config_error(
            bare()
                .environment([
                    (name, "acme"),
                    ("SAIL_CLIENT_ID", "id"),
                    ("SAIL_CLIENT_SECRET", "secret"),
                ])
                .build(),
        );
        assert_eq!(setting, "base URL", "{name}");
        assert!(
            shown.contains(&format!("environment variable {name} is not read")),
            "{shown}"
        );
        assert!(shown.contains(needle), "{name}: {shown}");
        // Names only: a misnamed variable may hold a secret.
        assert!(!shown.contains("acme\""), "{shown}");
    }

    // A misspelt credential variable, and the variables this SDK does read, SAIL_REDIS_URL
    // included, are not reported.
    let (setting, shown) = config_error(
        bare()
            .environment([
                ("SAIL_BASE_URL", "https://acme.api.identitynow.com"),
                ("SAIL_CLIENTID", "id"),
                ("SAIL_CLIENT_SECRETS", "secret"),
                ("SAIL_REDIS_URL", "redis://127.0.0.1:1"),
            ])
            .build(),
    );
    assert_eq!(setting, "credentials");
    assert!(
        shown.contains("SAIL_CLIENTID is not read: did you mean SAIL_CLIENT_ID?"),
        "{shown}"
    );
    assert!(
        shown.contains("SAIL_CLIENT_SECRETS is not read: did you mean SAIL_CLIENT_SECRET?"),
        "{shown}"
    );
    assert!(!shown.contains("SAIL_REDIS_URL is not read"), "{shown}");
    assert!(!shown.contains("SAIL_BASE_URL is not read"), "{shown}");
    assert!(!shown.contains("secret\""), "{shown}");
}

#[tokio::test]
async fn the_pair_rule_is_said_and_the_unused_half_named() {
    // config.json has a whole pair; the environment only a secret: the file's id is not
    // combined with the environment's secret, and the message says why.
    let file = TempFile::config(
        Some("https://acme.api.identitynow.com"),
        Some("file-id"),
        Some("file-secret"),
    );
    let (setting, shown) = config_error(
        bare()
            .environment([("SAIL_CLIENT_SECRET", "env-secret")])
            .config_file(file.path())
            .build(),
    );
    assert_eq!(setting, "client id");
    for needle in [
        "the environment sets SAIL_CLIENT_SECRET but not SAIL_CLIENT_ID",
        "read as a pair from the first place that has either",
        "never one from each",
        "the ClientId in",
        "is not combined with it",
    ] {
        assert!(shown.contains(needle), "{needle} in {shown}");
    }
    assert!(
        !shown.contains("file-id") && !shown.contains("secret\""),
        "{shown}"
    );

    // The other way round, and from the file alone.
    let (setting, shown) = config_error(
        bare()
            .environment([("SAIL_CLIENT_ID", "env-id")])
            .config_file(file.path())
            .build(),
    );
    assert_eq!(setting, "client secret");
    assert!(
        shown.contains("the environment sets SAIL_CLIENT_ID but not SAIL_CLIENT_SECRET"),
        "{shown}"
    );
    assert!(shown.contains("the ClientSecret in"), "{shown}");
    let half = TempFile::config(Some("https://acme.api.identitynow.com"), Some("id"), None);
    let (setting, shown) = config_error(bare().config_file(half.path()).build());
    assert_eq!(setting, "client secret");
    assert!(
        shown.contains("has ClientId but no ClientSecret"),
        "{shown}"
    );
    assert!(shown.contains("read as a pair"), "{shown}");
}

#[tokio::test]
async fn the_web_ui_host_is_refused_with_the_api_host_from_every_place() {
    let file = TempFile::config(Some("https://acme.identitynow.com"), Some("id"), Some("s"));
    let attempts = [
        bare()
            .base_url("https://acme.identitynow.com")
            .client_credentials("id", "s")
            .build(),
        bare()
            .environment([
                ("SAIL_BASE_URL", "https://acme.identitynow.com/"),
                ("SAIL_ACCESS_TOKEN", "t"),
            ])
            .build(),
        bare().config_file(file.path()).build(),
    ];
    let places = [
        "the base URL from builder",
        "the base URL from environment SAIL_BASE_URL",
        "key BaseURL",
    ];
    for (result, place) in attempts.into_iter().zip(places) {
        let (setting, shown) = config_error(result);
        assert_eq!(setting, "base URL");
        assert!(shown.contains(place), "{place} in {shown}");
        assert!(shown.contains("is the web UI's host"), "{shown}");
        assert!(
            shown.contains("the API is at https://acme.api.identitynow.com"),
            "{shown}"
        );
        assert!(shown.contains(".tenant(\"acme\")"), "{shown}");
    }
}

#[tokio::test]
async fn an_api_path_other_than_v2025_is_refused_with_an_explanation() {
    for url in [
        "https://acme.api.identitynow.com/beta",
        "https://acme.api.identitynow.com/v3",
    ] {
        let (setting, shown) =
            config_error(bare().base_url(url).client_credentials("id", "s").build());
        assert_eq!(setting, "base URL");
        assert!(shown.contains("this SDK speaks API v2025 only"), "{shown}");
        assert!(
            shown.contains("give the host only: https://acme.api.identitynow.com"),
            "{shown}"
        );
    }
    // `/v2025` itself is tolerated.
    let client = bare()
        .base_url("https://acme.api.identitynow.com/v2025/")
        .client_credentials("id", "s")
        .build()
        .expect("client builds");
    assert_eq!(
        client.api_base_url(),
        "https://acme.api.identitynow.com/v2025"
    );
}

/// A `MakeWriter` appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A working configuration with a stray key and variable still builds and calls the emulator;
/// what it did not read is a warning, and where each setting came from is logged.
#[tokio::test]
async fn a_working_configuration_logs_what_it_saw_and_did() {
    let emulator = common::emulator().await;
    let file = TempFile::new(&format!(
        r#"{{"BaseURL": "{}", "ClientId": "{}", "ClientSecret": "{}", "Tenant": "acme"}}"#,
        emulator.base_url(),
        demo::CLIENT_ID,
        demo::CLIENT_SECRET
    ));
    let buffer = Buffer::default();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let client = tracing::subscriber::with_default(subscriber, || {
        bare()
            .environment([("SAIL_CLIENTID", "ignored")])
            .config_file(file.path())
            .build()
    })
    .expect("a stray key does not stop a working configuration");
    let result = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classified with the file's credentials");
    assert!(result.is_machine);

    let log =
        String::from_utf8_lossy(&buffer.0.lock().unwrap_or_else(|e| e.into_inner())).into_owned();
    for needle in [
        "WARN",
        "environment variable SAIL_CLIENTID is not read: did you mean SAIL_CLIENT_ID?",
        "config file key `Tenant` is not read: the tenant goes into `BaseURL`",
        "configuration resolved",
        "base_url_from=",
        "key BaseURL",
        "credentials=\"client credentials\"",
        "keys ClientId+ClientSecret",
    ] {
        assert!(log.contains(needle), "{needle} in {log}");
    }
    assert!(!log.contains(demo::CLIENT_SECRET), "{log}");
}
