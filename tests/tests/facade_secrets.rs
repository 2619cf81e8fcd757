//! No client secret and no access token ever shows in `Debug`, `Display`, errors or logs.

mod common;

use std::io;
use std::sync::{Arc, Mutex};

use common::TempFile;
use sailpoint_v2025::{
    ClientBuilder, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, Error,
    RetryConfig,
};
use sailpoint_v2025_testkit::{Emulator, Fault, OAuthClient, demo};

const CLIENT_ID: &str = "secret-test-client";
const SECRET: &str = "SECRET-abc123";
const TOKEN: &str = "TOKEN-xyz789";

/// Asserts that none of `secrets` occurs in `shown`.
#[track_caller]
fn assert_clean(shown: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!shown.contains(secret), "`{secret}` leaked into:\n{shown}");
    }
}

/// Debug, alternate Debug and Display of an error.
fn all_forms(err: &Error) -> String {
    let mut out = format!("{err}\n{err:?}\n{err:#?}");
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        out.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    out
}

async fn emulator() -> Emulator {
    let emu = common::emulator().await;
    emu.register_client(OAuthClient::new(CLIENT_ID, SECRET));
    emu
}

fn secret_builder(emu: &Emulator) -> ClientBuilder {
    common::credentials_builder(emu, CLIENT_ID, SECRET)
}

/// A token response carrying `token`, as the token endpoint's next answer.
fn serve_token(emu: &Emulator, token: &str) {
    emu.inject_token_fault(Fault::Raw {
        status: 200,
        content_type: "application/json".into(),
        body: serde_json::json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": 749,
        })
        .to_string(),
    });
}

#[test]
fn builders_and_clients_do_not_show_secrets() {
    let builder = common::isolated_builder()
        .base_url("https://acme.api.identitynow.com")
        .client_credentials("visible-id", SECRET)
        .environment([
            (ENV_CLIENT_SECRET, SECRET),
            (ENV_ACCESS_TOKEN, TOKEN),
            (ENV_CLIENT_ID, "visible-id"),
        ]);
    let shown = format!("{builder:?}\n{builder:#?}");
    assert_clean(&shown, &[SECRET, TOKEN]);
    assert!(shown.contains("visible-id"), "{shown}");
    assert!(shown.contains("REDACTED"), "{shown}");

    let client = builder.build().expect("client");
    let shown = format!("{client:?}\n{client:#?}");
    assert_clean(&shown, &[SECRET, TOKEN]);
    assert!(shown.contains("acme.api.identitynow.com"), "{shown}");
    let request = client.send_classify_machine_account("abc");
    assert_clean(&format!("{request:?}"), &[SECRET, TOKEN]);

    let builder = common::isolated_builder()
        .base_url("https://acme.api.identitynow.com")
        .access_token(TOKEN);
    assert_clean(&format!("{builder:?}"), &[TOKEN]);
    let client = builder.build().expect("client");
    assert_clean(&format!("{client:?}\n{client:#?}"), &[TOKEN]);
}

#[test]
fn config_errors_do_not_show_secrets() {
    // Credentials present, base URL missing.
    let err = common::isolated_builder()
        .environment([(ENV_CLIENT_ID, "id"), (ENV_CLIENT_SECRET, SECRET)])
        .build()
        .expect_err("no base URL");
    assert!(matches!(err, Error::Config { .. }));
    assert_clean(&all_forms(&err), &[SECRET]);

    // A secret without an id, from the environment and from a file.
    let err = common::isolated_builder()
        .base_url("https://acme.example.com")
        .environment([(ENV_CLIENT_SECRET, SECRET)])
        .build()
        .expect_err("no id");
    assert_clean(&all_forms(&err), &[SECRET]);
    let file = TempFile::config(Some("https://acme.example.com"), None, Some(SECRET));
    let err = common::isolated_builder()
        .config_file(file.path())
        .build()
        .expect_err("no id");
    assert_clean(&all_forms(&err), &[SECRET]);

    // A malformed base URL next to a secret.
    let err = common::isolated_builder()
        .environment([
            (ENV_BASE_URL, "not a url"),
            (ENV_CLIENT_ID, "id"),
            (ENV_CLIENT_SECRET, SECRET),
        ])
        .build()
        .expect_err("bad URL");
    assert_clean(&all_forms(&err), &[SECRET]);

    // Credentials inside the base URL are refused, and not echoed (nor shown by the builder).
    for url in [
        format!("https://user:{SECRET}@acme.example.com"),
        format!("https://{SECRET}@acme.example.com/v2025"),
        format!("http://user:{SECRET}@acme.example.com"),
        format!("ftp://user:{SECRET}@acme.example.com"),
        format!("user:{SECRET}@acme.example.com"),
    ] {
        let builder = common::isolated_builder()
            .base_url(url.clone())
            .client_credentials("id", "secret");
        assert_clean(&format!("{builder:?}"), &[SECRET]);
        let err = builder.build().expect_err(&url);
        assert!(
            matches!(
                err,
                Error::Config {
                    setting: "base URL",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_clean(&all_forms(&err), &[SECRET]);
    }

    // An access token that cannot be sent.
    let bad_token = format!("{TOKEN}\nsecond-line");
    let err = common::isolated_builder()
        .base_url("https://acme.example.com")
        .access_token(bad_token)
        .build()
        .expect_err("newline in token");
    assert_clean(&all_forms(&err), &[TOKEN]);

    // A config file whose values have the wrong JSON type: the parser's message must not
    // echo them.
    for contents in [
        r#"{"BaseURL":"https://acme.example.com","ClientId":"id","ClientSecret":987654321}"#,
        r#"{"BaseURL":"https://acme.example.com","ClientId":"id","ClientSecret":true}"#,
        r#""SECRET-abc123""#,
        r#"{"ClientSecret":"SECRET-abc123","ClientId":"id","BaseURL":"x",}"#,
        r#"{"ClientSecret":"SECRET-abc123" "ClientId":"id"}"#,
    ] {
        let file = TempFile::new(contents);
        let err = common::isolated_builder()
            .config_file(file.path())
            .build()
            .expect_err(contents);
        assert!(
            matches!(
                err,
                Error::Config {
                    setting: "config file",
                    ..
                }
            ),
            "{err:?}"
        );
        assert_clean(&all_forms(&err), &[SECRET, "987654321"]);
    }
}

#[tokio::test]
async fn auth_errors_do_not_show_the_secret() {
    let emu = emulator().await;

    // Wrong secret.
    let client = common::isolated_builder()
        .base_url(emu.base_url())
        .client_credentials(CLIENT_ID, format!("{SECRET}-wrong"))
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = common::classify_err(&client, demo::MACHINE_ID, "wrong secret").await;
    assert!(matches!(err, Error::Auth { .. }), "{err:?}");
    assert_clean(&all_forms(&err), &[SECRET]);

    // A token endpoint that echoes the form back: the secret is redacted from its body.
    let client = secret_builder(&emu)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    emu.inject_token_fault(Fault::Raw {
        status: 400,
        content_type: "application/json".into(),
        body: format!(
            r#"{{"error":"invalid_request","error_description":"cannot parse client_secret={SECRET}"}}"#
        ),
    });
    let err = common::classify_err(&client, demo::MACHINE_ID, "echoing endpoint").await;
    common::assert_auth_error(&err, 400, &["[REDACTED]", "invalid_request"]);
    assert_clean(&all_forms(&err), &[SECRET]);

    // An unreachable token endpoint (transport error with a source).
    let client = common::isolated_builder()
        .base_url(common::refused_base_url())
        .client_credentials(CLIENT_ID, SECRET)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let err = common::classify_err(&client, "abc", "refused").await;
    assert_clean(&all_forms(&err), &[SECRET]);
}

#[tokio::test]
async fn errors_of_calls_do_not_show_the_token() {
    let emu = emulator().await;
    let token = emu.issue_token(CLIENT_ID).expect("token");
    let client = common::isolated_builder()
        .base_url(emu.base_url())
        .access_token(token.clone())
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    for fault in [
        Fault::ExpiredToken,
        Fault::Status(403),
        Fault::Html(502),
        Fault::TruncatedJson,
        Fault::DropConnection,
    ] {
        emu.inject(fault.clone());
        let err = common::classify_err(&client, demo::MACHINE_ID, "faulted").await;
        assert_clean(&all_forms(&err), &[&token]);
    }
    assert_clean(&format!("{client:?}"), &[&token]);
}

/// A `MakeWriter` appending to a shared buffer.
#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Buffer {
    fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(|e| e.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

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

fn subscriber(buffer: &Buffer) -> impl tracing::Subscriber + Send + Sync + 'static {
    let writer = buffer.clone();
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish()
}

/// Token fetches, a 401 refresh, retries of every kind and failed token requests, all logged
/// at TRACE: the log is not empty, and it holds neither the secret nor any issued token.
async fn exercise_everything(emu: &Emulator) -> Vec<String> {
    let mut tokens = Vec::new();
    let client = secret_builder(emu)
        .retry(common::fast_retry(5))
        .build()
        .expect("client");
    tracing::info!(?client, "client built");

    // First token fetch (the token is one we know).
    let t1 = emu.issue_token(CLIENT_ID).expect("token");
    serve_token(emu, &t1);
    tokens.push(t1);
    common::warm_up(&client, "first call").await;

    // The server expires it: 401, refresh (second known token), retry.
    emu.expire_all_tokens();
    let t2 = emu.issue_token(CLIENT_ID).expect("token");
    serve_token(emu, &t2);
    tokens.push(t2);
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("refreshed");

    // Retries: 503, 429 (Retry-After 0), dropped connection, 500, then success.
    emu.inject(Fault::Status(503));
    emu.inject(Fault::RateLimited {
        retry_after: Some("0".into()),
    });
    emu.inject(Fault::DropConnection);
    emu.inject(Fault::Status(500));
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("retried to success");
    assert_eq!(client.tokens_fetched(), 2);
    let requests = emu.requests();
    assert!(
        requests
            .iter()
            .all(|r| r.client_id.as_deref() == Some(CLIENT_ID) || r.fault.is_some()),
        "the calls used the served tokens: {requests:?}"
    );

    // A token endpoint hiccup (retried) and a final failure after the retries.
    emu.expire_all_tokens();
    emu.fail_next_token(1, Fault::Status(503));
    let t3 = emu.issue_token(CLIENT_ID).expect("token");
    serve_token(emu, &t3);
    tokens.push(t3);
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("token fetched after a 503");
    emu.fail_next(5, Fault::Status(503));
    let err = common::classify_err(&client, demo::MACHINE_ID, "exhausted").await;
    tracing::error!(error = %err, debug = ?err, "call failed");

    // A wrong secret.
    let wrong = common::isolated_builder()
        .base_url(emu.base_url())
        .client_credentials(CLIENT_ID, format!("{SECRET}-wrong"))
        .build()
        .expect("client");
    let err = wrong
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect_err("wrong secret");
    tracing::error!(error = %err, debug = ?err, "auth failed");

    // A static token that the server rejects.
    let t4 = emu.issue_token(CLIENT_ID).expect("token");
    let static_client = common::isolated_builder()
        .base_url(emu.base_url())
        .access_token(t4.clone())
        .build()
        .expect("client");
    tokens.push(t4);
    emu.inject(Fault::ExpiredToken);
    let err = static_client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect_err("401");
    tracing::error!(error = %err, debug = ?err, client = ?static_client, "static token rejected");
    tokens
}

fn assert_log_clean(log: &str, tokens: &[String]) {
    assert!(!log.trim().is_empty(), "nothing was logged");
    for expected in [
        "sailpoint.classify",
        "sailpoint.oauth_token",
        "retrying",
        "401",
    ] {
        assert!(
            log.contains(expected),
            "`{expected}` not in the log:\n{log}"
        );
    }
    assert_clean(log, &[SECRET]);
    for token in tokens {
        assert_clean(log, &[token]);
    }
    assert!(
        !log.contains("Bearer "),
        "a bearer value was logged:\n{log}"
    );
    assert!(
        !log.contains("client_secret="),
        "the token form was logged:\n{log}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn trace_logs_hold_no_secret_and_no_token() {
    let buffer = Buffer::default();
    let _guard = tracing::subscriber::set_default(subscriber(&buffer));
    let emu = emulator().await;
    let tokens = exercise_everything(&emu).await;
    assert_log_clean(&buffer.text(), &tokens);
}

/// The same with a global subscriber on a multi-thread runtime, which also receives the
/// `log` records of the HTTP stack (bridged by `try_init`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn global_trace_logs_including_the_http_stack_hold_no_secret() {
    use tracing_subscriber::util::SubscriberInitExt;
    let buffer = Buffer::default();
    if subscriber(&buffer).try_init().is_err() {
        // Another test of this binary installed the global subscriber first (`cargo test`
        // runs tests as threads of one process); the scoped test covers the facade then.
        return;
    }
    let emu = emulator().await;
    let tokens = exercise_everything(&emu).await;
    assert_log_clean(&buffer.text(), &tokens);
}

/// A secret and a token with every character that encodings change (`+ / = & % space "`).
const HARD_SECRET: &str = "S3cr+t/=&%2F x\"y";
const HARD_TOKEN: &str = "eyJ+tok/en==&sig%";

/// `secret` in the forms a server may echo it: raw, form-encoded (`+` for space),
/// percent-encoded in both hex cases, JSON-escaped (with `\/`), HTML-escaped.
fn echoed_forms(secret: &str) -> Vec<String> {
    let form: String = form_urlencoded_bytes(secret);
    let percent = percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
        .to_string();
    let json = serde_json::to_string(secret).expect("json");
    let json = json[1..json.len() - 1].to_string();
    vec![
        secret.to_string(),
        form.clone(),
        lowercase_hex(&form),
        percent.clone(),
        lowercase_hex(&percent),
        json.replace('/', "\\/"),
        secret
            .replace('&', "&amp;")
            .replace('"', "&quot;")
            .replace('+', "&#43;"),
    ]
}

/// A percent-encoded string with its escapes in lowercase hex (`%2B` -> `%2b`).
fn lowercase_hex(encoded: &str) -> String {
    let mut out = String::new();
    let mut escape = 0;
    for c in encoded.chars() {
        if escape > 0 {
            out.push(c.to_ascii_lowercase());
            escape -= 1;
        } else {
            out.push(c);
            if c == '%' {
                escape = 2;
            }
        }
    }
    out
}

/// `application/x-www-form-urlencoded` as reqwest sends a form.
fn form_urlencoded_bytes(value: &str) -> String {
    serde_urlencoded::to_string([("v", value)]).expect("encodable")[2..].to_string()
}

/// Every form of `secret` is absent from `shown`.
#[track_caller]
fn assert_no_form_of(shown: &str, secret: &str) {
    for form in echoed_forms(secret) {
        assert!(!shown.contains(&form), "`{form}` leaked into:\n{shown}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn echoed_tokens_and_secrets_are_redacted_in_every_encoding() {
    let buffer = Buffer::default();
    let _guard = tracing::subscriber::set_default(subscriber(&buffer));
    let emu = common::emulator().await;
    emu.register_client(OAuthClient::new(CLIENT_ID, HARD_SECRET));
    let client = common::credentials_builder(&emu, CLIENT_ID, HARD_SECRET)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    let mut everything = String::new();

    // The token endpoint echoes the form (the secret form-encoded) and other encodings.
    emu.inject_token_fault(Fault::Raw {
        status: 400,
        content_type: "application/json".into(),
        body: serde_json::json!({
            "error": "invalid_request",
            "error_description": format!(
                "cannot parse grant_type=client_credentials&client_id={CLIENT_ID}&client_secret={}",
                form_urlencoded_bytes(HARD_SECRET)
            ),
            "echo": echoed_forms(HARD_SECRET)
                .into_iter()
                .filter(|form| !form.contains('\\'))
                .collect::<Vec<_>>(),
        })
        .to_string(),
    });
    let err = common::classify_err(&client, demo::MACHINE_ID, "echoing token endpoint").await;
    common::assert_auth_error(&err, 400, &["[REDACTED]", "invalid_request"]);
    everything.push_str(&all_forms(&err));

    // The API echoes the token it was sent (and the secret) in every form, in every kind of
    // error body. (A fresh client: the first one remembers its rejected credentials.)
    let client = common::credentials_builder(&emu, CLIENT_ID, HARD_SECRET)
        .retry(RetryConfig::disabled())
        .build()
        .expect("client");
    serve_token(&emu, HARD_TOKEN);
    // (The JSON-escaped forms are produced by putting the raw forms into JSON bodies; an
    // escaped form inside a JSON string would be escaped twice, which no server sends.)
    let mut echoes = echoed_forms(HARD_TOKEN);
    echoes.extend(echoed_forms(HARD_SECRET));
    echoes.retain(|form| !form.contains('\\'));
    let echo = echoes.join(" | ");
    let bodies = [
        (
            400,
            serde_json::json!({"detailCode": "400.1", "trackingId": "t1",
                "messages": [{"text": format!("bad header Authorization: Bearer {HARD_TOKEN}")}],
                "causes": [{"text": echo}]})
            .to_string(),
        ),
        (
            403,
            serde_json::json!({"detailCode": echo, "trackingId": "t2",
                "messages": [{"text": echo}]})
            .to_string(),
        ),
        (
            500,
            serde_json::json!({"trackingId": "t3", "causes": [null], "echo": echo}).to_string(),
        ),
        (
            429,
            serde_json::json!({"message": format!("token {HARD_TOKEN} over the limit")})
                .to_string(),
        ),
        (404, format!("<html>Not found: {echo}</html>")),
        (200, serde_json::json!({"isMachine": echo}).to_string()),
    ];
    for (status, body) in bodies {
        emu.inject(Fault::Raw {
            status,
            content_type: "application/json".into(),
            body,
        });
        let err = common::classify_err(&client, demo::MACHINE_ID, "echoing API").await;
        assert_eq!(err.status().map(|s| s.as_u16()), Some(status), "{err:?}");
        assert!(!matches!(err, Error::Auth { .. }), "{err:?}");
        let shown = all_forms(&err);
        assert!(shown.contains("[REDACTED]"), "{status}: {shown}");
        if let Some(response) = err.response() {
            everything.push_str(response.body());
        }
        tracing::error!(error = %err, debug = ?err, "call failed");
        everything.push_str(&shown);
    }
    assert_eq!(
        client.tokens_fetched(),
        1,
        "the echoing calls used the served token"
    );
    everything.push_str(&buffer.text());
    assert_no_form_of(&everything, HARD_SECRET);
    assert_no_form_of(&everything, HARD_TOKEN);
}

#[test]
fn hostile_tenants_and_base_urls_are_refused_without_echoing_secrets() {
    for tenant in [
        "evil.example/x",
        "",
        " ",
        "a.b",
        "acme.api.identitynow.com",
        "Acme",
        "acme#",
        "acme@evil.example",
        "acme:443",
        "-acme",
        "ac me",
    ] {
        let builder = common::isolated_builder()
            .tenant(tenant)
            .client_credentials("id", SECRET);
        assert_clean(&format!("{builder:?}"), &[SECRET]);
        let err = builder.build().expect_err(tenant);
        match &err {
            Error::Config { setting, .. } => assert_eq!(*setting, "tenant", "{tenant:?}"),
            other => panic!("{tenant:?}: expected a tenant Config error, got {other:?}"),
        }
        let shown = all_forms(&err);
        assert_clean(&shown, &[SECRET]);
        assert!(!shown.contains("evil.example/x.api"), "{shown}");
    }

    // Any userinfo is refused: user and password, user only, password only; from the builder,
    // the environment and the file. The password is never echoed.
    let password = "P4ss+w/rd";
    let urls = [
        format!("http://:{password}@127.0.0.1:9"),
        format!("https://:{password}@acme.api.identitynow.com"),
        format!("https://user:{password}@acme.api.identitynow.com/v2025"),
        format!("https://{password}@acme.api.identitynow.com"),
        format!(
            "https://user:{}@acme.api.identitynow.com",
            form_urlencoded_bytes(password)
        ),
    ];
    for url in &urls {
        for source in ["builder", "env", "file"] {
            let file = TempFile::config(Some(url), Some("id"), Some(SECRET));
            let builder = match source {
                "builder" => common::isolated_builder()
                    .base_url(url.clone())
                    .client_credentials("id", SECRET),
                "env" => common::isolated_builder().environment([
                    (ENV_BASE_URL, url.as_str()),
                    (ENV_CLIENT_ID, "id"),
                    (ENV_CLIENT_SECRET, SECRET),
                ]),
                _ => common::isolated_builder().config_file(file.path()),
            };
            let debug = format!("{builder:?}");
            let err = builder.build().expect_err(url);
            assert!(
                matches!(
                    err,
                    Error::Config {
                        setting: "base URL",
                        ..
                    }
                ),
                "{url} from {source}: {err:?}"
            );
            let shown = format!("{debug}\n{}", all_forms(&err));
            assert_no_form_of(&shown, password);
            assert_clean(&shown, &[SECRET]);
        }
    }
}
