//! Metrics through OpenTelemetry (the facade's `opentelemetry` feature): a known workload
//! against the emulator, read back through `opentelemetry_sdk`'s in-memory exporter. Every
//! count is exactly what was sent, every attribute is one of the documented ones, and none
//! carries an id, a secret, a token or a URL.
//!
//! The instruments come from the global meter provider when a client is built, so each test
//! installs its own provider first and the tests run one at a time.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use opentelemetry::Value;
use opentelemetry_sdk::metrics::data::{AggregatedMetrics, MetricData};
use opentelemetry_sdk::metrics::{InMemoryMetricExporter, SdkMeterProvider};
use sailpoint_v2025::{Error, RateLimit};
use sailpoint_v2025_testkit::{Emulator, Fault, demo};

/// One at a time: the meter provider is process-wide.
static GLOBAL_PROVIDER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// One exported data point: its instrument, its attributes, how many measurements (a
/// histogram's count, a counter's value) and their sum.
#[derive(Debug, Clone)]
struct Point {
    name: String,
    attributes: BTreeMap<String, String>,
    count: u64,
    sum: f64,
}

/// A provider whose metrics land in the returned exporter, installed as the global one.
fn install_provider() -> (SdkMeterProvider, InMemoryMetricExporter) {
    let exporter = InMemoryMetricExporter::default();
    let provider = SdkMeterProvider::builder()
        .with_periodic_exporter(exporter.clone())
        .build();
    opentelemetry::global::set_meter_provider(provider.clone());
    (provider, exporter)
}

/// Everything the provider aggregated so far, one point per attribute set.
fn collect(provider: &SdkMeterProvider, exporter: &InMemoryMetricExporter) -> Vec<Point> {
    provider.force_flush().expect("flush");
    let exported = exporter.get_finished_metrics().expect("metrics");
    // Cumulative temporality: the last export holds every point.
    let last = exported.last().expect("one export");
    let mut points = Vec::new();
    for scope in last.scope_metrics() {
        assert_eq!(scope.scope().name(), "sailpoint-v2025");
        for metric in scope.metrics() {
            let name = metric.name().to_string();
            match metric.data() {
                AggregatedMetrics::F64(MetricData::Histogram(histogram)) => {
                    assert_eq!(metric.unit(), "s", "{name}");
                    for point in histogram.data_points() {
                        points.push(Point {
                            name: name.clone(),
                            attributes: attributes(point.attributes()),
                            count: point.count(),
                            sum: point.sum(),
                        });
                    }
                }
                AggregatedMetrics::U64(MetricData::Sum(sum)) => {
                    for point in sum.data_points() {
                        points.push(Point {
                            name: name.clone(),
                            attributes: attributes(point.attributes()),
                            count: point.value(),
                            sum: point.value() as f64,
                        });
                    }
                }
                other => panic!("{name}: unexpected data {other:?}"),
            }
        }
    }
    points
}

fn attributes<'a>(
    keys: impl Iterator<Item = &'a opentelemetry::KeyValue>,
) -> BTreeMap<String, String> {
    keys.map(|kv| {
        let value = match &kv.value {
            Value::String(s) => s.to_string(),
            Value::I64(i) => i.to_string(),
            other => panic!("{}: unexpected value type {other:?}", kv.key),
        };
        (kv.key.to_string(), value)
    })
    .collect()
}

/// `name`'s points whose attributes include every pair of `with`.
fn matching<'a>(points: &'a [Point], name: &str, with: &[(&str, &str)]) -> Vec<&'a Point> {
    points
        .iter()
        .filter(|p| p.name == name)
        .filter(|p| {
            with.iter()
                .all(|(k, v)| p.attributes.get(*k).map(String::as_str) == Some(*v))
        })
        .collect()
}

/// The total count of `name`'s points matching `with`.
fn count(points: &[Point], name: &str, with: &[(&str, &str)]) -> u64 {
    matching(points, name, with).iter().map(|p| p.count).sum()
}

/// The documented attribute keys of each instrument.
fn allowed_keys(name: &str) -> &'static [&'static str] {
    match name {
        "http.client.request.duration" => &[
            "http.request.method",
            "server.address",
            "server.port",
            "http.response.status_code",
            "error.type",
            "url.template",
        ],
        "sailpoint.client.operation.duration" => &["sailpoint.operation", "error.type"],
        "sailpoint.client.retries" => &["sailpoint.operation", "error.type"],
        "sailpoint.client.token.requests" => &["outcome"],
        "sailpoint.client.throttle.duration" => &["sailpoint.throttle.reason"],
        other => panic!("undocumented instrument {other}"),
    }
}

/// Only documented attributes, and none holds an id, the secret, a token or a URL.
fn assert_clean(points: &[Point], emu: &Emulator) {
    let token = emu.issue_token(demo::CLIENT_ID).expect("a token");
    for point in points {
        for (key, value) in &point.attributes {
            assert!(
                allowed_keys(&point.name).contains(&key.as_str()),
                "{}: undocumented attribute {key}",
                point.name
            );
            for secret in [
                demo::MACHINE_ID,
                demo::HUMAN_ID,
                demo::CLIENT_ID,
                demo::CLIENT_SECRET,
                token.as_str(),
                "http",
            ] {
                assert!(!value.contains(secret), "{}: {key}={value}", point.name);
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_known_workload_is_counted_exactly() {
    let _one_at_a_time = GLOBAL_PROVIDER.lock().await;
    let (provider, exporter) = install_provider();
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let port = emu.local_addr().port().to_string();

    // Two successes.
    for id in [demo::MACHINE_ID, demo::HUMAN_ID] {
        client.send_classify_machine_account(id).await.expect("ok");
    }
    // A 400: not retried.
    emu.inject(Fault::Status(400));
    let error = client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect_err("400");
    assert!(matches!(error, Error::BadRequest { .. }), "{error:?}");
    // A 500, retried once, then a success.
    emu.inject(Fault::Status(500));
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("succeeds on the retry");
    assert_eq!(emu.requests().len(), 5, "what the emulator received");
    assert_eq!(client.tokens_fetched(), 1);

    let points = collect(&provider, &exporter);
    assert_clean(&points, &emu);

    // Every HTTP request: one token request and five API requests, each with its status.
    let http = "http.client.request.duration";
    let classify = [
        ("http.request.method", "POST"),
        ("url.template", "/v2025/accounts/{id}/classify"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
    ];
    let with = |extra: &[(&'static str, &'static str)]| {
        let mut all = classify.to_vec();
        all.extend_from_slice(extra);
        all
    };
    assert_eq!(count(&points, http, &[]), 6);
    assert_eq!(count(&points, http, &classify), 5);
    assert_eq!(
        count(
            &points,
            http,
            &with(&[("http.response.status_code", "200")])
        ),
        3
    );
    let bad_request = with(&[("http.response.status_code", "400"), ("error.type", "400")]);
    assert_eq!(count(&points, http, &bad_request), 1);
    let server_error = with(&[("http.response.status_code", "500"), ("error.type", "500")]);
    assert_eq!(count(&points, http, &server_error), 1);
    let token = [
        ("http.request.method", "POST"),
        ("url.template", "/oauth/token"),
        ("server.address", "127.0.0.1"),
        ("server.port", port.as_str()),
        ("http.response.status_code", "200"),
    ];
    assert_eq!(count(&points, http, &token), 1);
    // Successful requests carry no error.type.
    for point in matching(&points, http, &[("http.response.status_code", "200")]) {
        assert!(!point.attributes.contains_key("error.type"), "{point:?}");
    }

    // One duration per facade call: three succeeded, one failed with its kind.
    let operation = "sailpoint.client.operation.duration";
    let classify_op = ("sailpoint.operation", "sendClassifyMachineAccount");
    assert_eq!(count(&points, operation, &[]), 4);
    assert_eq!(count(&points, operation, &[classify_op]), 4);
    assert_eq!(
        count(
            &points,
            operation,
            &[classify_op, ("error.type", "bad_request")]
        ),
        1
    );
    let succeeded: u64 = matching(&points, operation, &[classify_op])
        .iter()
        .filter(|p| !p.attributes.contains_key("error.type"))
        .map(|p| p.count)
        .sum();
    assert_eq!(succeeded, 3);

    // One retry, after the 500.
    let retries = "sailpoint.client.retries";
    assert_eq!(count(&points, retries, &[]), 1);
    assert_eq!(
        count(
            &points,
            retries,
            &[classify_op, ("error.type", "internal_server_error")]
        ),
        1
    );

    // One token request, which succeeded.
    let tokens = "sailpoint.client.token.requests";
    assert_eq!(count(&points, tokens, &[]), 1);
    assert_eq!(count(&points, tokens, &[("outcome", "ok")]), 1);

    // No rate limit and no 429: no throttle wait.
    assert_eq!(count(&points, "sailpoint.client.throttle.duration", &[]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_wait_and_a_rejected_token_request_are_counted() {
    let _one_at_a_time = GLOBAL_PROVIDER.lock().await;
    let (provider, exporter) = install_provider();
    let emu = common::emulator().await;
    let client = common::client(&emu);

    // The first token request is refused (a 503 is retried by the call), the second works.
    emu.inject_token_fault(Fault::Status(503));
    emu.inject(Fault::RateLimited {
        retry_after: Some("1".to_string()),
    });
    client
        .send_classify_machine_account(demo::MACHINE_ID)
        .await
        .expect("succeeds after the token retry and the 429's wait");

    let points = collect(&provider, &exporter);
    assert_clean(&points, &emu);

    let tokens = "sailpoint.client.token.requests";
    assert_eq!(count(&points, tokens, &[("outcome", "error")]), 1);
    assert_eq!(count(&points, tokens, &[("outcome", "ok")]), 1);
    assert_eq!(count(&points, tokens, &[]), 2);
    let http = "http.client.request.duration";
    let token_503 = [
        ("url.template", "/oauth/token"),
        ("http.response.status_code", "503"),
        ("error.type", "503"),
    ];
    assert_eq!(count(&points, http, &token_503), 1);
    // Two token requests, a 429, a 200.
    assert_eq!(count(&points, http, &[]), 4);
    let limited = [
        ("url.template", "/v2025/accounts/{id}/classify"),
        ("http.response.status_code", "429"),
        ("error.type", "429"),
    ];
    assert_eq!(count(&points, http, &limited), 1);

    // Retried twice: after the failed token request (`auth`), after the 429.
    let retries = "sailpoint.client.retries";
    assert_eq!(count(&points, retries, &[("error.type", "auth")]), 1);
    assert_eq!(
        count(&points, retries, &[("error.type", "too_many_requests")]),
        1
    );
    assert_eq!(count(&points, retries, &[]), 2);

    // The 429's Retry-After is one throttle wait of about a second.
    let throttle = matching(
        &points,
        "sailpoint.client.throttle.duration",
        &[("sailpoint.throttle.reason", "retry_after")],
    );
    assert_eq!(throttle.iter().map(|p| p.count).sum::<u64>(), 1);
    assert!(throttle[0].sum >= 0.9, "{throttle:?}");
    assert_eq!(count(&points, "sailpoint.client.throttle.duration", &[]), 1);
    assert_eq!(
        count(&points, "sailpoint.client.operation.duration", &[]),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_wait_is_a_throttle_wait() {
    let _one_at_a_time = GLOBAL_PROVIDER.lock().await;
    let (provider, exporter) = install_provider();
    let emu = common::emulator().await;
    // One request at once, then one every 2 s: the second call waits for its slot.
    let client = common::builder(&emu)
        .rate_limit(RateLimit::new(2, Duration::from_secs(2)))
        .build()
        .expect("client");
    for _ in 0..2 {
        client
            .send_classify_machine_account(demo::MACHINE_ID)
            .await
            .expect("ok");
    }

    let points = collect(&provider, &exporter);
    assert_clean(&points, &emu);
    let throttle = matching(&points, "sailpoint.client.throttle.duration", &[]);
    assert_eq!(
        throttle.iter().map(|p| p.count).sum::<u64>(),
        1,
        "{throttle:?}"
    );
    assert_eq!(
        throttle[0]
            .attributes
            .get("sailpoint.throttle.reason")
            .map(String::as_str),
        Some("rate_limit")
    );
    assert!(throttle[0].sum >= 1.0, "{throttle:?}");
    assert_eq!(count(&points, "sailpoint.client.retries", &[]), 0);
}
