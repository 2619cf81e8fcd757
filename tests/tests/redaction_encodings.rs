//! Servers that echo the client secret in the forms a proxy or a logging gateway might use
//! (base64 and base64url of the secret and of the Basic pair `client_id:secret`, the secret
//! JSON-escaped twice or percent-encoded twice): nothing of it reaches an error's `Display` or
//! `Debug`, from the API or from the token endpoint.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::hostile::{Hostile, Seen, reply, token};

const CLIENT_ID: &str = "svc-client";
// `+`, `/` and `"` so that every encoding differs from the raw secret.
const SECRET: &str = "s3cr\"t+/ü?x";

fn echoes() -> Vec<String> {
    let basic = format!("{CLIENT_ID}:{SECRET}");
    let json = |s: &str| {
        let quoted = serde_json::to_string(s).expect("json");
        quoted[1..quoted.len() - 1].to_owned()
    };
    let percent = |s: &str| s.bytes().map(|b| format!("%{b:02X}")).collect::<String>();
    vec![
        format!("Authorization: Basic {}", STANDARD.encode(&basic)),
        URL_SAFE_NO_PAD.encode(&basic),
        STANDARD.encode(SECRET),
        URL_SAFE_NO_PAD.encode(SECRET),
        json(&json(SECRET)),
        percent(&percent(SECRET)),
    ]
}

fn assert_clean(err: &sailpoint_v2025::Error, echo: &str) {
    let shown = format!("{err}\n{err:?}\n{err:#}");
    assert!(!shown.contains(echo), "{echo:?} in {shown}");
    assert!(!shown.contains("s3cr"), "{shown}");
    for encoded in [
        STANDARD.encode(format!("{CLIENT_ID}:{SECRET}")),
        STANDARD.encode(SECRET),
    ] {
        assert!(!shown.contains(encoded.trim_end_matches('=')), "{shown}");
    }
}

#[tokio::test]
async fn api_error_bodies_echoing_encoded_secrets_are_redacted() {
    for echo in echoes() {
        let body = serde_json::json!({
            "detailCode": "400.1 Bad Request Content",
            "trackingId": "t",
            "messages": [{"locale": "en-US", "text": format!("rejected: {echo}")}],
        })
        .to_string();
        let raw = echo.clone();
        let server = Hostile::start(move |seen: &Seen, _| {
            if seen.is_token() {
                token("tok", "749")
            } else if seen.path.contains("bad-json") {
                reply(400, &[("content-type", "application/json")], &body)
            } else {
                reply(
                    502,
                    &[("content-type", "text/plain")],
                    &format!("upstream said {raw}"),
                )
            }
        })
        .await;
        let client = common::isolated_builder()
            .base_url(server.base_url())
            .client_credentials(CLIENT_ID, SECRET)
            .retry(sailpoint_v2025::RetryConfig::disabled())
            .build()
            .expect("client");
        for id in ["bad-json", "gateway"] {
            let err = client
                .send_classify_machine_account(id)
                .await
                .expect_err("an error");
            assert_clean(&err, &echo);
        }
    }
}

#[tokio::test]
async fn token_endpoint_errors_echoing_encoded_secrets_are_redacted() {
    for echo in echoes() {
        let body = format!(r#"{{"error":"invalid_client","error_description":"{echo}"}}"#);
        let server = Hostile::start(move |_: &Seen, _| {
            reply(401, &[("content-type", "application/json")], &body)
        })
        .await;
        let client = common::isolated_builder()
            .base_url(server.base_url())
            .client_credentials(CLIENT_ID, SECRET)
            .build()
            .expect("client");
        let err = client
            .send_classify_machine_account("2c9180835d2e5168015d32f890ca1581")
            .await
            .expect_err("no token");
        assert_eq!(err.kind(), "auth", "{err:?}");
        assert_clean(&err, &echo);
    }
}
