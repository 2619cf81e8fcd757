//! Configuration: precedence per setting (builder > environment > config file), every
//! configuration error, and base URL forms, verified against the emulator where a call can
//! prove which setting was used.

mod common;

use std::time::{Duration, Instant};

use common::TempFile;
use sailpoint_v2025::{
    Client, ClientBuilder, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET, Error,
    RateLimit,
};
use sailpoint_v2025_testkit::{Emulator, OAuthClient, demo};

/// A builder with nothing set and nothing read from the process (no env, no ./config.json).
fn bare() -> ClientBuilder {
    common::isolated_builder()
}

fn env<'a>(vars: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    vars.to_vec()
}

/// An emulator knowing one client per configuration source.
async fn emulator_with_sources() -> Emulator {
    let emu = common::emulator().await;
    for source in ["builder", "env", "file"] {
        emu.register_client(OAuthClient::new(
            format!("{source}-id"),
            format!("{source}-secret"),
        ));
    }
    emu
}

/// Makes a call and returns the client id the emulator saw it authenticated as, and whether a
/// token request was made for it.
async fn who_called(emu: &Emulator, client: &Client) -> (String, bool) {
    let tokens_before = emu.counters().token_requests;
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("classify");
    let requests = emu.requests();
    let last = requests.last().expect("a request");
    (
        last.client_id.clone().expect("a known token"),
        emu.counters().token_requests > tokens_before,
    )
}

fn config_error(result: Result<Client, Error>) -> (&'static str, String, String, String) {
    let err = match result {
        Err(err) => err,
        Ok(client) => panic!("expected a Config error, got {client:?}"),
    };
    assert_eq!(err.kind(), "config", "{err:?}");
    assert_eq!(err.status(), None);
    let shown = err.to_string();
    match err {
        Error::Config {
            setting,
            problem,
            looked_at,
            ..
        } => (setting, problem, looked_at, shown),
        other => panic!("expected a Config error, got {other:?}"),
    }
}

#[tokio::test]
async fn base_url_precedence_builder_then_environment_then_file() {
    let file = TempFile::config(Some("https://file.example.com"), Some("id"), Some("secret"));
    let vars = env(&[(ENV_BASE_URL, "https://env.example.com")]);

    let client = bare()
        .base_url("https://builder.example.com")
        .environment(vars.clone())
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(client.api_base_url(), "https://builder.example.com/v2025");

    let client = bare()
        .environment(vars)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(client.api_base_url(), "https://env.example.com/v2025");

    let client = bare().config_file(file.path()).build().expect("client");
    assert_eq!(client.api_base_url(), "https://file.example.com/v2025");

    // `.tenant()` is a builder setting too.
    let client = bare()
        .tenant("acme")
        .environment(env(&[(ENV_BASE_URL, "https://env.example.com")]))
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(
        client.api_base_url(),
        "https://acme.api.identitynow.com/v2025"
    );
}

#[tokio::test]
async fn credentials_precedence_is_proven_by_the_token_the_server_sees() {
    let emu = emulator_with_sources().await;
    let file = TempFile::config(Some(emu.base_url()), Some("file-id"), Some("file-secret"));
    let env_creds = [(ENV_CLIENT_ID, "env-id"), (ENV_CLIENT_SECRET, "env-secret")];

    // Builder > environment > file.
    let client = bare()
        .client_credentials("builder-id", "builder-secret")
        .environment(env_creds)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("builder-id".into(), true));

    let client = bare()
        .environment(env_creds)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("env-id".into(), true));

    // Everything from the file, base URL included.
    let client = bare().config_file(file.path()).build().expect("client");
    assert_eq!(who_called(&emu, &client).await, ("file-id".into(), true));

    // Base URL from the environment, credentials from the file: precedence is per setting.
    let file_without_url = TempFile::config(None, Some("file-id"), Some("file-secret"));
    let client = bare()
        .environment([(ENV_BASE_URL, emu.base_url())])
        .config_file(file_without_url.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("file-id".into(), true));

    // The token requests named exactly these clients, in this order.
    let ids: Vec<_> = emu
        .token_requests()
        .into_iter()
        .map(|t| t.client_id.unwrap_or_default())
        .collect();
    assert_eq!(ids, ["builder-id", "env-id", "file-id", "file-id"]);
}

#[tokio::test]
async fn sail_access_token_precedence() {
    let emu = emulator_with_sources().await;
    let file = TempFile::config(Some(emu.base_url()), Some("file-id"), Some("file-secret"));
    let env_token = emu.issue_token("env-id").expect("token");

    // The environment's access token wins over the environment's client credentials and
    // over the file; it is used as is, without a token request.
    let vars = [
        (ENV_ACCESS_TOKEN, env_token.as_str()),
        (ENV_CLIENT_ID, "other-id"),
        (ENV_CLIENT_SECRET, "other-secret"),
    ];
    let client = bare()
        .environment(vars)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("env-id".into(), false));
    assert_eq!(client.tokens_fetched(), 0);

    // Builder client credentials win over the environment's access token.
    let client = bare()
        .client_credentials("builder-id", "builder-secret")
        .environment(vars)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("builder-id".into(), true));

    // A builder access token wins over everything else.
    let builder_token = emu.issue_token("builder-id").expect("token");
    let client = bare()
        .access_token(builder_token)
        .environment(vars)
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(
        who_called(&emu, &client).await,
        ("builder-id".into(), false)
    );

    // The environment's access token wins over the file's client credentials.
    let client = bare()
        .environment([(ENV_ACCESS_TOKEN, env_token.as_str())])
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(who_called(&emu, &client).await, ("env-id".into(), false));
    assert_eq!(emu.counters().token_requests, 1);
}

#[tokio::test]
async fn credentials_are_taken_as_a_unit_from_one_place() {
    let emu = emulator_with_sources().await;
    let file = TempFile::config(Some(emu.base_url()), Some("file-id"), Some("file-secret"));

    // An id in the environment is not paired with the file's secret (that would send one
    // client's secret with another client's id): it is reported instead.
    let (setting, ..) = config_error(
        bare()
            .environment([(ENV_CLIENT_ID, "env-id")])
            .config_file(file.path())
            .build(),
    );
    assert_eq!(setting, "client secret");
    let (setting, ..) = config_error(
        bare()
            .environment([(ENV_CLIENT_SECRET, "env-secret")])
            .config_file(file.path())
            .build(),
    );
    assert_eq!(setting, "client id");
}

#[tokio::test]
async fn empty_environment_values_count_as_unset() {
    let emu = emulator_with_sources().await;
    let file = TempFile::config(Some(emu.base_url()), Some("file-id"), Some("file-secret"));
    let client = bare()
        .environment([
            (ENV_BASE_URL, ""),
            (ENV_CLIENT_ID, "  "),
            (ENV_CLIENT_SECRET, ""),
            (ENV_ACCESS_TOKEN, " "),
        ])
        .config_file(file.path())
        .build()
        .expect("client");
    assert_eq!(client.api_base_url(), format!("{}/v2025", emu.base_url()));
    assert_eq!(who_called(&emu, &client).await, ("file-id".into(), true));
}

#[tokio::test]
async fn no_base_url_names_the_variable_and_the_file() {
    let missing = common::missing_file();
    let (setting, _, looked_at, shown) = config_error(
        Client::builder()
            .environment([(ENV_CLIENT_ID, "id"), (ENV_CLIENT_SECRET, "secret")])
            .config_file(&missing)
            .build(),
    );
    assert_eq!(setting, "base URL");
    let path = missing.display().to_string();
    for needle in [
        "SAIL_BASE_URL",
        path.as_str(),
        "not found",
        "BaseURL",
        ".base_url()",
    ] {
        assert!(looked_at.contains(needle), "{needle} in {looked_at}");
        assert!(shown.contains(needle), "{needle} in {shown}");
    }

    // An existing file without BaseURL is named without "(not found)".
    let file = TempFile::config(None, Some("id"), Some("secret"));
    let (setting, _, looked_at, _) = config_error(bare().config_file(file.path()).build());
    assert_eq!(setting, "base URL");
    assert!(looked_at.contains(&file.path().display().to_string()));
    assert!(!looked_at.contains("not found"), "{looked_at}");
}

#[tokio::test]
async fn no_credentials_names_every_place_looked_at() {
    let (setting, problem, looked_at, _) =
        config_error(bare().base_url("https://acme.example.com").build());
    assert_eq!(setting, "credentials");
    assert!(problem.contains("neither"), "{problem}");
    for needle in [
        "SAIL_CLIENT_ID",
        "SAIL_CLIENT_SECRET",
        "SAIL_ACCESS_TOKEN",
        "ClientId",
        "ClientSecret",
        ".client_credentials()",
    ] {
        assert!(looked_at.contains(needle), "{needle} in {looked_at}");
    }
}

#[tokio::test]
async fn an_id_without_a_secret_and_a_secret_without_an_id() {
    let base = "https://acme.example.com";
    let (setting, ..) = config_error(
        bare()
            .base_url(base)
            .environment([(ENV_CLIENT_ID, "id")])
            .build(),
    );
    assert_eq!(setting, "client secret");
    let (setting, ..) = config_error(
        bare()
            .base_url(base)
            .environment([(ENV_CLIENT_SECRET, "secret")])
            .build(),
    );
    assert_eq!(setting, "client id");

    // The same in the config file.
    let file = TempFile::config(Some(base), Some("id"), None);
    let (setting, ..) = config_error(bare().config_file(file.path()).build());
    assert_eq!(setting, "client secret");
    let file = TempFile::config(Some(base), None, Some("secret"));
    let (setting, ..) = config_error(bare().config_file(file.path()).build());
    assert_eq!(setting, "client id");

    // Empty builder values.
    let (setting, ..) = config_error(bare().base_url(base).client_credentials("id", " ").build());
    assert_eq!(setting, "client secret");
    let (setting, ..) = config_error(bare().base_url(base).client_credentials("", "s").build());
    assert_eq!(setting, "client id");
    let (setting, ..) = config_error(bare().base_url(base).access_token("").build());
    assert_eq!(setting, "access token");
    let (setting, ..) = config_error(bare().base_url(base).access_token("a\nb").build());
    assert_eq!(setting, "access token");
}

#[tokio::test]
async fn malformed_base_urls_are_config_errors() {
    for url in [
        "acme.api.identitynow.com",
        "not a url",
        "ftp://acme.example.com",
        "https://",
        "https://acme.example.com?x=1",
        "https://acme.example.com#frag",
        "https://user:pw@acme.example.com",
    ] {
        let (setting, ..) = config_error(
            bare()
                .base_url(url)
                .client_credentials("id", "secret")
                .build(),
        );
        assert_eq!(setting, "base URL", "{url}");
    }
    // From the environment and the file too.
    let (setting, ..) = config_error(
        bare()
            .environment([(ENV_BASE_URL, "nope")])
            .client_credentials("id", "secret")
            .build(),
    );
    assert_eq!(setting, "base URL");
    let file = TempFile::config(Some("nope"), Some("id"), Some("secret"));
    let (setting, ..) = config_error(bare().config_file(file.path()).build());
    assert_eq!(setting, "base URL");
}

#[tokio::test]
async fn plain_http_only_to_loopback_unless_allowed() {
    let (setting, problem, ..) = config_error(
        bare()
            .base_url("http://acme.example.com")
            .client_credentials("id", "secret")
            .build(),
    );
    assert_eq!(setting, "base URL");
    assert!(problem.contains("allow_insecure_http"), "{problem}");

    let client = bare()
        .base_url("http://acme.example.com")
        .client_credentials("id", "secret")
        .allow_insecure_http(true)
        .build()
        .expect("allowed explicitly");
    assert_eq!(client.api_base_url(), "http://acme.example.com/v2025");

    for loopback in ["http://127.0.0.1:9", "http://localhost:9", "http://[::1]:9"] {
        let client = bare()
            .base_url(loopback)
            .client_credentials("id", "secret")
            .build()
            .unwrap_or_else(|e| panic!("{loopback}: {e}"));
        assert_eq!(client.api_base_url(), format!("{loopback}/v2025"));
    }
}

#[tokio::test]
async fn malformed_or_unreadable_config_files_are_config_errors() {
    for contents in [
        "{not json",
        "",
        "[]",
        r#"{"BaseURL": 42}"#,
        r#"{"ClientId": ["a"]}"#,
    ] {
        let file = TempFile::new(contents);
        // The credentials must come from the file, so it is read and its error reported.
        let (setting, problem, looked_at, _) = config_error(
            bare()
                .base_url("https://acme.example.com")
                .config_file(file.path())
                .build(),
        );
        assert_eq!(setting, "config file", "{contents:?}");
        assert_eq!(looked_at, file.path().display().to_string());
        assert!(!problem.is_empty());
        // Nothing is needed from it when the builder sets everything: it is not even read.
        assert!(
            bare()
                .base_url("https://acme.example.com")
                .client_credentials("id", "secret")
                .config_file(file.path())
                .build()
                .is_ok(),
            "{contents:?}"
        );
    }

    // A directory cannot be read as a file.
    let (setting, problem, ..) = config_error(
        bare()
            .base_url("https://acme.example.com")
            .config_file(std::env::temp_dir())
            .build(),
    );
    assert_eq!(setting, "config file");
    assert!(problem.contains("cannot read"), "{problem}");
}

#[tokio::test]
async fn a_zero_rate_limit_is_a_config_error() {
    for limit in [
        RateLimit::new(0, Duration::from_secs(10)),
        RateLimit::new(100, Duration::ZERO),
    ] {
        let (setting, ..) = config_error(
            bare()
                .base_url("https://acme.example.com")
                .client_credentials("id", "secret")
                .rate_limit(limit)
                .build(),
        );
        assert_eq!(setting, "rate limit", "{limit:?}");
    }
}

#[tokio::test]
async fn tenant_resolves_to_the_identitynow_host() {
    let client = bare()
        .tenant("acme")
        .client_credentials("id", "secret")
        .build()
        .expect("client");
    assert_eq!(
        client.api_base_url(),
        "https://acme.api.identitynow.com/v2025"
    );
}

#[tokio::test]
async fn base_url_forms_are_tolerated_and_reach_the_same_endpoints() {
    let emu = common::emulator().await;
    let base = emu.base_url().to_owned();
    let forms = [
        base.clone(),
        format!("{base}/"),
        format!("{base}/v2025"),
        format!("{base}/v2025/"),
        format!("  {base}  "),
    ];
    for (i, form) in forms.iter().enumerate() {
        let client = common::isolated_builder()
            .base_url(form.clone())
            .client_credentials(demo::CLIENT_ID, demo::CLIENT_SECRET)
            .build()
            .unwrap_or_else(|e| panic!("{form:?}: {e}"));
        assert_eq!(client.api_base_url(), format!("{base}/v2025"), "{form:?}");
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .unwrap_or_else(|e| panic!("{form:?}: {e}"));
        let requests = emu.requests();
        assert_eq!(requests.len(), i + 1);
        assert_eq!(
            requests[i].path,
            format!("/v2025/accounts/{}/classify", demo::MACHINE_ID)
        );
        assert_eq!(emu.counters().token_requests, i as u64 + 1, "{form:?}");
    }
    assert_eq!(emu.counters().unmatched_requests, 0);
}

#[tokio::test]
async fn the_client_side_rate_limit_paces_calls() {
    let emu = common::emulator().await;
    // 5 per second: a burst of 1, then one every 250 ms.
    let client = common::builder(&emu)
        .rate_limit(RateLimit::new(5, Duration::from_secs(1)))
        .build()
        .expect("client");
    let start = Instant::now();
    for _ in 0..9 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("classify");
    }
    let elapsed = start.elapsed();
    // 8 paced calls after the first: about 2 s.
    assert!(elapsed >= Duration::from_millis(1_700), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(20), "{elapsed:?}");
    assert_eq!(emu.counters().classify_requests, 9);
}
