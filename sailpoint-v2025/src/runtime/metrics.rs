//! Metrics through OpenTelemetry (the `opentelemetry` feature): the instruments, their exact
//! names and attributes, and the few hooks the execution path, the authenticator and the rate
//! limit wait call. Without the feature every hook is an empty inline function (the timers are
//! zero-sized, no clock is read), so the SDK pays nothing for them.
//!
//! Instruments come from the global meter provider (`opentelemetry::global`) when a
//! [`Client`](crate::Client) is built: an application that installs its provider first gets
//! them without any SDK call. Attributes never carry an id, a secret, a token or a URL with an
//! id in it: `url.template` is the operation's path template, not the URL sent.
//!
//! | instrument | kind, unit | attributes |
//! |---|---|---|
//! | `http.client.request.duration` | histogram, s | `http.request.method`, `server.address`, `server.port`, `url.template`, `http.response.status_code` (when answered), `error.type` (status code ≥ 400, or `timeout`, `transport`, `invalid_body`, `body_too_large`, `cancelled`) |
//! | `sailpoint.client.operation.duration` | histogram, s | `sailpoint.operation`, `error.type` (the error's `kind()`, or `cancelled`) on failure |
//! | `sailpoint.client.retries` | counter | `sailpoint.operation`, `error.type` (the failed attempt's `kind()`) |
//! | `sailpoint.client.token.requests` | counter | `outcome` = `ok` \| `error` |
//! | `sailpoint.client.throttle.duration` | histogram, s | `sailpoint.throttle.reason` = `rate_limit` \| `retry_after` |

use crate::Error;
use crate::runtime::response::GeneratedResult;

/// Why a call waited before sending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThrottleReason {
    /// The client-side rate limit (pacing).
    RateLimit,
    /// A 429's `Retry-After`: the shared pause, or the retry of the call that got the 429.
    RetryAfter,
}

impl ThrottleReason {
    /// The reason of a retry's wait, if it is a throttle wait: the `Retry-After` of a 429.
    pub(crate) fn of_retry(
        error: &Error,
        retry_after: Option<std::time::Duration>,
    ) -> Option<Self> {
        (matches!(error, Error::TooManyRequests { .. }) && retry_after.is_some())
            .then_some(Self::RetryAfter)
    }

    #[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
    fn as_str(self) -> &'static str {
        match self {
            Self::RateLimit => "rate_limit",
            Self::RetryAfter => "retry_after",
        }
    }
}

/// The method and path template (under `/v2025`) of each operation the facade calls, by
/// operationId. A unit test checks it against the vendored spec.
const OPERATIONS: [(&str, &str, &str); 11] = [
    (
        "sendClassifyMachineAccount",
        "POST",
        "/v2025/accounts/{id}/classify",
    ),
    (
        "sendClassifyMachineAccountFromSource",
        "POST",
        "/v2025/sources/{sourceId}/classify",
    ),
    (
        "getClassifyMachineAccountFromSourceStatus",
        "GET",
        "/v2025/sources/{sourceId}/classify",
    ),
    (
        "deleteClassifyMachineAccountFromSource",
        "DELETE",
        "/v2025/sources/{sourceId}/classify",
    ),
    (
        "getMachineClassificationConfig",
        "GET",
        "/v2025/sources/{sourceId}/machine-classification-config",
    ),
    (
        "setMachineClassificationConfig",
        "PUT",
        "/v2025/sources/{sourceId}/machine-classification-config",
    ),
    (
        "deleteMachineClassificationConfig",
        "DELETE",
        "/v2025/sources/{sourceId}/machine-classification-config",
    ),
    ("listAccounts", "GET", "/v2025/accounts"),
    ("listMachineAccounts", "GET", "/v2025/machine-accounts"),
    ("getMachineAccount", "GET", "/v2025/machine-accounts/{id}"),
    (
        "sendDeclassifyMachineAccountFromSource",
        "POST",
        "/v2025/sources/{sourceId}/declassify",
    ),
];

/// The method and path template of `operation_id` (`_OTHER` for one missing from the table,
/// which the unit test rules out).
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
fn operation_route(operation_id: &str) -> (&'static str, &'static str) {
    OPERATIONS
        .iter()
        .find(|(id, _, _)| *id == operation_id)
        .map_or(("_OTHER", "_OTHER"), |(_, method, template)| {
            (*method, *template)
        })
}

/// The `error.type` of an HTTP request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
enum ErrorType {
    /// Answered with this status, 400 or above.
    Status(u16),
    /// Failed without an answer to record, or with an unusable one.
    Named(&'static str),
}

/// The status and `error.type` of one HTTP exchange of a generated call; `None` when nothing
/// was sent.
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
fn generated_outcome<T>(result: &GeneratedResult<T>) -> Option<(Option<u16>, Option<ErrorType>)> {
    use progenitor_client::Error as Gen;
    let answered = |status: u16| Some((Some(status), status_error(status)));
    match result {
        Ok(value) => answered(value.status().as_u16()),
        Err(Gen::ErrorResponse(value)) => answered(value.status().as_u16()),
        Err(Gen::UnexpectedResponse(response)) => answered(response.status().as_u16()),
        // The generated code decodes only the documented success status (200).
        Err(Gen::InvalidResponsePayload(..)) => {
            Some((Some(200), Some(ErrorType::Named("invalid_body"))))
        }
        Err(Gen::ResponseBodyError(source)) => {
            let kind = if sailpoint_v2025_client::is_body_too_large(source) {
                ErrorType::Named("body_too_large")
            } else {
                transport_error(source)
            };
            Some((Some(200), Some(kind)))
        }
        Err(Gen::CommunicationError(source) | Gen::InvalidUpgrade(source)) => {
            Some((None, Some(transport_error(source))))
        }
        // Refused before anything was sent: no HTTP request to record.
        Err(Gen::InvalidRequest(_) | Gen::Custom(_)) => None,
    }
}

/// `error.type` for an answered status: the code itself from 400 up (the semantic conventions'
/// rule for clients), none below.
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
fn status_error(status: u16) -> Option<ErrorType> {
    (status >= 400).then_some(ErrorType::Status(status))
}

/// `error.type` of a failure of the HTTP stack (no answer).
#[cfg_attr(not(feature = "opentelemetry"), allow(dead_code))]
fn transport_error(source: &reqwest::Error) -> ErrorType {
    ErrorType::Named(if source.is_timeout() {
        "timeout"
    } else {
        "transport"
    })
}

#[cfg(feature = "opentelemetry")]
pub(crate) use enabled::Metrics;

#[cfg(not(feature = "opentelemetry"))]
pub(crate) use disabled::Metrics;

#[cfg(feature = "opentelemetry")]
mod enabled {
    use std::future::Future;
    use std::pin::pin;
    use std::sync::Arc;
    use std::task::Poll;
    use std::time::Instant;

    use opentelemetry::KeyValue;
    use opentelemetry::metrics::{Counter, Histogram, Meter};

    use super::{
        ErrorType, ThrottleReason, generated_outcome, operation_route, status_error,
        transport_error,
    };
    use crate::Error;
    use crate::runtime::response::GeneratedResult;

    /// Bucket boundaries in seconds: the HTTP semantic conventions' advice, extended to the
    /// minutes a call with retries and `Retry-After` pauses can last.
    const SECONDS_BOUNDARIES: [f64; 19] = [
        0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 30.0,
        60.0, 120.0, 300.0, 600.0,
    ];

    /// `server.address` and `server.port` of one endpoint, and the `url.template` of the token
    /// endpoint (its path: it has no parameters).
    #[derive(Debug, Clone)]
    struct Server {
        address: KeyValue,
        port: Option<KeyValue>,
        path: KeyValue,
    }

    impl Server {
        fn of(url: &str) -> Option<Self> {
            let url = reqwest::Url::parse(url).ok()?;
            Some(Self {
                address: KeyValue::new("server.address", url.host_str()?.to_string()),
                port: url
                    .port_or_known_default()
                    .map(|port| KeyValue::new("server.port", i64::from(port))),
                path: KeyValue::new("url.template", url.path().to_string()),
            })
        }
    }

    struct Instruments {
        http_duration: Histogram<f64>,
        operation_duration: Histogram<f64>,
        retries: Counter<u64>,
        token_requests: Counter<u64>,
        throttle_duration: Histogram<f64>,
        api: Option<Server>,
        token: Option<Server>,
    }

    /// One client's instruments (shared by its clones).
    #[derive(Clone)]
    pub(crate) struct Metrics {
        instruments: Arc<Instruments>,
    }

    impl std::fmt::Debug for Metrics {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Metrics").finish_non_exhaustive()
        }
    }

    fn seconds(meter: &Meter, name: &'static str, description: &'static str) -> Histogram<f64> {
        meter
            .f64_histogram(name)
            .with_unit("s")
            .with_description(description)
            .with_boundaries(SECONDS_BOUNDARIES.to_vec())
            .build()
    }

    fn error_type(error: ErrorType) -> KeyValue {
        match error {
            ErrorType::Status(status) => KeyValue::new("error.type", status.to_string()),
            ErrorType::Named(name) => KeyValue::new("error.type", name),
        }
    }

    impl Metrics {
        /// The instruments of a client calling `api_url` (the base URL with `/v2025`) and
        /// fetching tokens from `token_url`, from the global meter provider as it is now.
        pub(crate) fn new(api_url: &str, token_url: &str) -> Self {
            let meter = opentelemetry::global::meter_with_scope(
                opentelemetry::InstrumentationScope::builder("sailpoint-v2025")
                    .with_version(env!("CARGO_PKG_VERSION"))
                    .build(),
            );
            Self {
                instruments: Arc::new(Instruments {
                    http_duration: seconds(
                        &meter,
                        "http.client.request.duration",
                        "Duration of HTTP client requests.",
                    ),
                    operation_duration: seconds(
                        &meter,
                        "sailpoint.client.operation.duration",
                        "Duration of SDK calls, retries and waits included.",
                    ),
                    retries: meter
                        .u64_counter("sailpoint.client.retries")
                        .with_description("Attempts made again after a failed one.")
                        .build(),
                    token_requests: meter
                        .u64_counter("sailpoint.client.token.requests")
                        .with_description("OAuth2 token requests.")
                        .build(),
                    throttle_duration: seconds(
                        &meter,
                        "sailpoint.client.throttle.duration",
                        "Time a call waited for the rate limit or a 429's Retry-After.",
                    ),
                    api: Server::of(api_url),
                    token: Server::of(token_url),
                }),
            }
        }

        /// Starts timing one facade call.
        pub(crate) fn operation(&self, operation_id: &'static str) -> OperationTimer<'_> {
            OperationTimer {
                metrics: self,
                operation_id,
                start: Instant::now(),
                done: false,
            }
        }

        /// Counts one retry of `operation_id` after an error of kind `error_kind`.
        pub(crate) fn retry(&self, operation_id: &'static str, error_kind: &'static str) {
            self.instruments.retries.add(
                1,
                &[
                    KeyValue::new("sailpoint.operation", operation_id),
                    KeyValue::new("error.type", error_kind),
                ],
            );
        }

        /// Counts one token request and how it ended.
        pub(crate) fn token_request(&self, ok: bool) {
            let outcome = if ok { "ok" } else { "error" };
            self.instruments
                .token_requests
                .add(1, &[KeyValue::new("outcome", outcome)]);
        }

        /// `wait`, timed as a throttle wait when it does not finish at once (a free slot is not
        /// a wait). `reason` is asked once the wait has begun; `None` means no throttle wait.
        pub(crate) async fn throttle<F: Future>(
            &self,
            reason: impl FnOnce() -> Option<ThrottleReason>,
            wait: F,
        ) -> F::Output {
            let mut wait = pin!(wait);
            let first = std::future::poll_fn(|cx| Poll::Ready(wait.as_mut().poll(cx))).await;
            if let Poll::Ready(output) = first {
                return output;
            }
            let Some(reason) = reason() else {
                return wait.await;
            };
            // Recorded on drop: a wait cut short by the deadline was a wait too.
            let _timer = DropTimer::new(move |elapsed| {
                self.instruments.throttle_duration.record(
                    elapsed,
                    &[KeyValue::new("sailpoint.throttle.reason", reason.as_str())],
                );
            });
            wait.await
        }

        /// One generated call of `operation_id`, timed as an HTTP request from its first poll
        /// to its outcome; dropped before that, it is recorded with `error.type = cancelled`.
        pub(crate) async fn http_request<T>(
            &self,
            operation_id: &'static str,
            call: impl Future<Output = GeneratedResult<T>>,
        ) -> GeneratedResult<T> {
            let (method, template) = operation_route(operation_id);
            let mut timer = HttpTimer::new(
                self,
                method,
                KeyValue::new("url.template", template),
                self.instruments.api.as_ref(),
            );
            let result = call.await;
            match generated_outcome(&result) {
                Some(outcome) => timer.outcome = Some(outcome),
                None => timer.sent = false,
            }
            result
        }

        /// The token request `send`, timed as an HTTP request to the token endpoint.
        pub(crate) async fn token_http_request(
            &self,
            send: impl Future<Output = reqwest::Result<reqwest::Response>>,
        ) -> reqwest::Result<reqwest::Response> {
            let server = self.instruments.token.as_ref();
            let template = server.map_or_else(
                || KeyValue::new("url.template", "_OTHER"),
                |server| server.path.clone(),
            );
            let mut timer = HttpTimer::new(self, "POST", template, server);
            let result = send.await;
            timer.outcome = Some(match &result {
                Ok(response) => {
                    let status = response.status().as_u16();
                    (Some(status), status_error(status))
                }
                Err(source) => (None, Some(transport_error(source))),
            });
            result
        }
    }

    /// Records one HTTP request into `http.client.request.duration` when dropped: its outcome,
    /// or `error.type = cancelled` when it has none (the request was dropped in flight).
    struct HttpTimer<'a> {
        metrics: &'a Metrics,
        method: &'static str,
        template: KeyValue,
        server: Option<&'a Server>,
        start: Instant,
        /// `false` when nothing was sent after all.
        sent: bool,
        outcome: Option<(Option<u16>, Option<ErrorType>)>,
    }

    impl<'a> HttpTimer<'a> {
        fn new(
            metrics: &'a Metrics,
            method: &'static str,
            template: KeyValue,
            server: Option<&'a Server>,
        ) -> Self {
            Self {
                metrics,
                method,
                template,
                server,
                start: Instant::now(),
                sent: true,
                outcome: None,
            }
        }
    }

    impl Drop for HttpTimer<'_> {
        fn drop(&mut self) {
            if !self.sent {
                return;
            }
            let elapsed = self.start.elapsed().as_secs_f64();
            let (status, error) = self
                .outcome
                .unwrap_or((None, Some(ErrorType::Named("cancelled"))));
            let mut attributes = Vec::with_capacity(6);
            attributes.push(KeyValue::new("http.request.method", self.method));
            attributes.push(self.template.clone());
            if let Some(server) = self.server {
                attributes.push(server.address.clone());
                attributes.extend(server.port.clone());
            }
            if let Some(status) = status {
                attributes.push(KeyValue::new(
                    "http.response.status_code",
                    i64::from(status),
                ));
            }
            attributes.extend(error.map(error_type));
            self.metrics
                .instruments
                .http_duration
                .record(elapsed, &attributes);
        }
    }

    /// Calls its closure with the seconds since it was made, when dropped.
    struct DropTimer<F: FnMut(f64)> {
        start: Instant,
        record: F,
    }

    impl<F: FnMut(f64)> DropTimer<F> {
        fn new(record: F) -> Self {
            Self {
                start: Instant::now(),
                record,
            }
        }
    }

    impl<F: FnMut(f64)> Drop for DropTimer<F> {
        fn drop(&mut self) {
            (self.record)(self.start.elapsed().as_secs_f64());
        }
    }

    /// Times one facade call: [`finish`](Self::finish) records its outcome; dropped unfinished
    /// (the caller gave up on it), it records `error.type = cancelled`.
    pub(crate) struct OperationTimer<'a> {
        metrics: &'a Metrics,
        operation_id: &'static str,
        start: Instant,
        done: bool,
    }

    impl OperationTimer<'_> {
        /// Records the call's duration and, on failure, its error's kind.
        pub(crate) fn finish<T>(mut self, result: &Result<T, Error>) {
            self.done = true;
            self.record(result.as_ref().err().map(Error::kind));
        }

        fn record(&self, error: Option<&'static str>) {
            let operation = KeyValue::new("sailpoint.operation", self.operation_id);
            let elapsed = self.start.elapsed().as_secs_f64();
            let histogram = &self.metrics.instruments.operation_duration;
            match error {
                Some(kind) => {
                    histogram.record(elapsed, &[operation, KeyValue::new("error.type", kind)]);
                }
                None => histogram.record(elapsed, &[operation]),
            }
        }
    }

    impl Drop for OperationTimer<'_> {
        fn drop(&mut self) {
            if !self.done {
                self.record(Some("cancelled"));
            }
        }
    }
}

#[cfg(not(feature = "opentelemetry"))]
mod disabled {
    use std::future::Future;

    use super::ThrottleReason;
    use crate::Error;

    /// Without the `opentelemetry` feature: nothing, at no cost.
    #[derive(Debug, Clone)]
    pub(crate) struct Metrics;

    /// Without the `opentelemetry` feature: nothing.
    pub(crate) struct OperationTimer;

    impl Metrics {
        #[inline(always)]
        pub(crate) fn new(_api_url: &str, _token_url: &str) -> Self {
            Self
        }

        #[inline(always)]
        pub(crate) fn operation(&self, _operation_id: &'static str) -> OperationTimer {
            OperationTimer
        }

        #[inline(always)]
        pub(crate) fn retry(&self, _operation_id: &'static str, _error_kind: &'static str) {}

        #[inline(always)]
        pub(crate) fn token_request(&self, _ok: bool) {}

        #[inline(always)]
        pub(crate) fn throttle<F: Future>(
            &self,
            _reason: impl FnOnce() -> Option<ThrottleReason>,
            wait: F,
        ) -> F {
            wait
        }

        #[inline(always)]
        pub(crate) fn http_request<F: Future>(&self, _operation_id: &'static str, call: F) -> F {
            call
        }

        #[inline(always)]
        pub(crate) fn token_http_request<F: Future>(&self, send: F) -> F {
            send
        }
    }

    impl OperationTimer {
        #[inline(always)]
        pub(crate) fn finish<T>(self, _result: &Result<T, Error>) {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The route table matches the vendored spec: every operation in it, with its method and
    /// path (under `/v2025`), and nothing else.
    #[test]
    fn routes_match_the_vendored_spec() {
        let spec_path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../openapi/sailpoint-v2025.yaml"
        );
        let spec = std::fs::read_to_string(spec_path).expect("the vendored spec");
        let mut found = Vec::new();
        let (mut path, mut method) = (None::<String>, None::<String>);
        for line in spec.lines() {
            if let Some(p) = line.strip_prefix("  /").and_then(|p| p.strip_suffix(':')) {
                path = Some(format!("/v2025/{p}"));
            } else if let Some(m) = ["get", "post", "put", "delete", "patch"]
                .iter()
                .find(|m| line == format!("    {m}:"))
            {
                method = Some(m.to_uppercase());
            } else if let Some(id) = line.trim().strip_prefix("operationId: ") {
                found.push((
                    id.to_string(),
                    method.clone().expect("a method"),
                    path.clone().expect("a path"),
                ));
            }
        }
        let mut table: Vec<_> = OPERATIONS
            .iter()
            .map(|(id, m, p)| (id.to_string(), m.to_string(), p.to_string()))
            .collect();
        found.sort();
        table.sort();
        assert_eq!(table, found);
        assert_eq!(
            operation_route("sendClassifyMachineAccount"),
            ("POST", "/v2025/accounts/{id}/classify")
        );
        assert_eq!(operation_route("unknown"), ("_OTHER", "_OTHER"));
    }

    #[test]
    fn error_type_of_a_status_is_its_code_from_400() {
        assert_eq!(status_error(200), None);
        assert_eq!(status_error(302), None);
        assert_eq!(status_error(400), Some(ErrorType::Status(400)));
        assert_eq!(status_error(429), Some(ErrorType::Status(429)));
        assert_eq!(status_error(503), Some(ErrorType::Status(503)));
        assert_eq!(status_error(599), Some(ErrorType::Status(599)));
    }

    #[test]
    fn only_a_429_with_retry_after_is_a_throttle_wait() {
        let limited = Error::TooManyRequests {
            body: None,
            retry_after: None,
            response: None,
        };
        let wait = Some(std::time::Duration::from_secs(1));
        assert_eq!(
            ThrottleReason::of_retry(&limited, wait),
            Some(ThrottleReason::RetryAfter)
        );
        assert_eq!(ThrottleReason::of_retry(&limited, None), None);
        let timeout = Error::DeadlineExceeded {
            deadline: std::time::Duration::ZERO,
            last_error: None,
        };
        assert_eq!(ThrottleReason::of_retry(&timeout, wait), None);
    }
}
