//! Overhead: SDK calls/s against hand-written reqwest calls.
//!
//! ```text
//! cargo bench -p sailpoint-v2025 --bench overhead
//! cargo bench -p sailpoint-v2025 --bench overhead -- profile <sdk|raw|sdk-plain-http|raw-sdk-wire> [calls]
//! ```
//!
//! The emulator runs **in this process** on its own 2-worker tokio runtime; the clients run on
//! a second one, so the SDK/raw ratio measures the SDK's overhead against a whole round trip
//! that includes the emulator's work. The SDK (client-side limiter off, default retries, a
//! static access token) against a hand-written reqwest call (`POST .../classify?
//! classificationMode=default` with `X-SailPoint-Experimental`, `Accept`, `Authorization`, JSON
//! decoded into a small struct), emulator rate limit off: calls/s sequentially and with 64
//! calls in flight (`buffer_unordered(64)` for raw, `classify_accounts(..).concurrency(64)` for
//! the SDK, the same combinator). Two diagnostic callers split the difference: the SDK over a
//! plain `reqwest::Client::new()` (without its timeouts, User-Agent and redirect policy), and
//! the raw call sending the SDK's exact wire request. Every round runs all callers on the same
//! ids, interleaved in chunks with a rotating order so load drift on a shared machine hits all
//! alike. Ratios are the median of the per-round ratios; calls/s are medians of the rounds.
//!
//! `profile` runs only that caller's 64-in-flight loop (default 200,000 calls), for
//! `perf record` or `valgrind --tool=callgrind` on `target/release/deps/overhead-*`.
//! Without `--bench` (as `cargo test --benches` runs it) it does a quick smoke run.

mod support;

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use sailpoint_v2025::{ClassificationMode, Client, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, demo};
use serde::Deserialize;
use tokio::runtime::Runtime;

use support::{
    CONCURRENT_RATIO_TARGET, Plan, Row, SEQUENTIAL_RATIO_TARGET, demo_id, finish, run, runtime,
};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = Plan::from_args(&args);
    let positional: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let server_rt = runtime("emulator");
    let client_rt = runtime("client");
    plan.banner("overhead");
    if positional.first() == Some(&"profile") {
        profile(&positional[1..], &server_rt, &client_rt);
        return ExitCode::SUCCESS;
    }
    let mut summary = Vec::new();
    overhead(&plan, &server_rt, &client_rt, &mut summary);
    finish(&summary)
}

/// The raw baseline: one reqwest client, the request built by hand.
struct Raw {
    http: reqwest::Client,
    base: String,
    bearer: HeaderValue,
    /// Also send `api-version: v2025`, as the generated client does.
    api_version: bool,
}

#[derive(Deserialize)]
struct Classified {
    #[serde(rename = "isMachine", default)]
    is_machine: bool,
}

impl Raw {
    fn new(http: reqwest::Client, base: &str, token: &str, api_version: bool) -> Self {
        Self {
            http,
            api_version,
            base: base.to_owned(),
            bearer: HeaderValue::from_str(&format!("Bearer {token}")).expect("header value"),
        }
    }

    async fn classify(&self, id: &str) -> Result<Classified, reqwest::Error> {
        let request = self
            .http
            .post(format!(
                "{}/v2025/accounts/{id}/classify?classificationMode=default",
                self.base
            ))
            .header("X-SailPoint-Experimental", "true")
            .header(ACCEPT, "application/json")
            .header(AUTHORIZATION, self.bearer.clone());
        let request = if self.api_version {
            request.header("api-version", "v2025")
        } else {
            request
        };
        request
            .send()
            .await?
            .error_for_status()?
            .json::<Classified>()
            .await
    }
}

/// One timed batch: how long, how many calls succeeded, how many said "machine".
#[derive(Clone, Copy)]
struct Timed {
    calls: usize,
    ok: usize,
    machines: usize,
    elapsed: Duration,
}

/// (ok, machines) after adding one result's `isMachine` (`None`: the call failed).
fn tally((ok, machines): (usize, usize), is_machine: Option<bool>) -> (usize, usize) {
    match is_machine {
        Some(m) => (ok + 1, machines + usize::from(m)),
        None => (ok, machines),
    }
}

impl Timed {
    fn per_second(&self) -> f64 {
        self.calls as f64 / self.elapsed.as_secs_f64()
    }
}

async fn sdk_sequential(client: Client, calls: usize) -> Timed {
    let start = Instant::now();
    let mut counts = (0, 0);
    for i in 0..calls {
        let result = client
            .send_classify_machine_account(demo_id(i))
            .classification_mode(ClassificationMode::Default)
            .await;
        counts = tally(counts, result.ok().map(|r| r.is_machine));
    }
    Timed {
        calls,
        ok: counts.0,
        machines: counts.1,
        elapsed: start.elapsed(),
    }
}

async fn raw_sequential(raw: Arc<Raw>, calls: usize) -> Timed {
    let start = Instant::now();
    let mut counts = (0, 0);
    for i in 0..calls {
        let result = raw.classify(demo_id(i)).await;
        counts = tally(counts, result.ok().map(|r| r.is_machine));
    }
    Timed {
        calls,
        ok: counts.0,
        machines: counts.1,
        elapsed: start.elapsed(),
    }
}

async fn sdk_concurrent(client: Client, calls: usize, in_flight: usize) -> Timed {
    let start = Instant::now();
    let counts = client
        .classify_accounts((0..calls).map(demo_id))
        .classification_mode(ClassificationMode::Default)
        .concurrency(in_flight)
        .fold((0, 0), |counts, (_id, result)| async move {
            tally(counts, result.ok().map(|r| r.is_machine))
        })
        .await;
    Timed {
        calls,
        ok: counts.0,
        machines: counts.1,
        elapsed: start.elapsed(),
    }
}

/// One raw call as a bulk item (like the SDK's `(id, result)`).
async fn raw_item(raw: Arc<Raw>, i: usize) -> (&'static str, Result<Classified, reqwest::Error>) {
    let id = demo_id(i);
    let result = raw.classify(id).await;
    (id, result)
}

async fn raw_concurrent(raw: Arc<Raw>, calls: usize, in_flight: usize) -> Timed {
    let start = Instant::now();
    // One `Arc` clone per call, as the SDK's bulk stream clones its `Client` (an `Arc`) per id.
    // (Indices, not `&'static str`s, in the stream: works around rustc's "FnOnce is not general
    // enough" for borrowed items in a spawned stream.)
    let counts = futures::stream::iter(0..calls)
        .map(move |i| raw_item(Arc::clone(&raw), i))
        .buffer_unordered(in_flight)
        .fold((0, 0), |counts, (_id, result)| async move {
            tally(counts, result.ok().map(|r| r.is_machine))
        })
        .await;
    Timed {
        calls,
        ok: counts.0,
        machines: counts.1,
        elapsed: start.elapsed(),
    }
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mid = sorted.len() / 2;
    if sorted.len() % 2 == 1 {
        sorted[mid]
    } else {
        (sorted[mid - 1] + sorted[mid]) / 2.0
    }
}

/// Who makes the calls in the overhead comparison.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Who {
    /// The SDK as users get it (its own reqwest client: timeouts, User-Agent).
    Sdk,
    /// The hand-written reqwest call over `reqwest::Client::new()`.
    Raw,
    /// Diagnostic: the SDK over `reqwest::Client::new()` (`.http_client(..)`), i.e. the facade
    /// alone, without the SDK's transport settings.
    SdkPlainHttp,
    /// Diagnostic: the raw call sending what the SDK sends on the wire (plus `api-version: v2025`,
    /// over a reqwest client configured like the SDK's: 30 s timeout, 10 s connect timeout, the
    /// SDK's User-Agent). SDK vs this is the SDK's client-side code alone.
    RawSdkWire,
}

impl Who {
    const ALL: [Who; 4] = [Who::Sdk, Who::Raw, Who::SdkPlainHttp, Who::RawSdkWire];

    fn label(self) -> &'static str {
        match self {
            Who::Sdk => "SDK",
            Who::Raw => "raw reqwest",
            Who::SdkPlainHttp => "SDK over reqwest::Client::new()",
            Who::RawSdkWire => "raw, SDK's wire request and settings",
        }
    }

    fn parse(name: &str) -> Option<Who> {
        match name {
            "sdk" => Some(Who::Sdk),
            "raw" => Some(Who::Raw),
            "sdk-plain-http" => Some(Who::SdkPlainHttp),
            "raw-sdk-wire" => Some(Who::RawSdkWire),
            _ => None,
        }
    }
}

/// Everything that calls the emulator in section 1, and the emulator.
struct Callers {
    emu: Emulator,
    sdk: Client,
    sdk_plain_http: Client,
    raw: Arc<Raw>,
    raw_sdk_wire: Arc<Raw>,
}

impl Callers {
    fn start(server_rt: &Runtime) -> Self {
        let emu = server_rt
            .block_on(
                Emulator::builder()
                    .without_rate_limit()
                    .request_log_capacity(64)
                    .start(),
            )
            .expect("emulator");
        let token = emu.issue_token(demo::CLIENT_ID).expect("demo client");
        let sdk = |http: Option<reqwest::Client>| {
            let builder = Client::builder()
                .base_url(emu.base_url())
                .access_token(token.clone())
                .retry(RetryConfig::default())
                .rate_limit(RateLimit::unlimited());
            match http {
                Some(http) => builder.http_client(http),
                None => builder,
            }
            .build()
            .expect("SDK client")
        };
        // What `transport::http_client` builds, rebuilt from its documented settings.
        let sdk_like_http = reqwest::Client::builder()
            .user_agent(format!(
                "SailPoint-SDK-Rust/{} ({}; {})",
                env!("CARGO_PKG_VERSION"),
                std::env::consts::OS,
                std::env::consts::ARCH
            ))
            .connect_timeout(sailpoint_v2025::DEFAULT_CONNECT_TIMEOUT)
            .timeout(sailpoint_v2025::DEFAULT_TIMEOUT)
            .build()
            .expect("reqwest client");
        Self {
            sdk: sdk(None),
            sdk_plain_http: sdk(Some(reqwest::Client::new())),
            raw: Arc::new(Raw::new(
                reqwest::Client::new(),
                emu.base_url(),
                &token,
                false,
            )),
            raw_sdk_wire: Arc::new(Raw::new(sdk_like_http, emu.base_url(), &token, true)),
            emu,
        }
    }

    /// `calls` calls by `who`, sequentially (`in_flight == 1`) or with `in_flight` at once.
    fn batch(&self, rt: &Runtime, who: Who, calls: usize, in_flight: usize) -> Timed {
        let sdk = |client: &Client| {
            if in_flight == 1 {
                run(rt, sdk_sequential(client.clone(), calls))
            } else {
                run(rt, sdk_concurrent(client.clone(), calls, in_flight))
            }
        };
        let raw = |raw: &Arc<Raw>| {
            if in_flight == 1 {
                run(rt, raw_sequential(Arc::clone(raw), calls))
            } else {
                run(rt, raw_concurrent(Arc::clone(raw), calls, in_flight))
            }
        };
        match who {
            Who::Sdk => sdk(&self.sdk),
            Who::SdkPlainHttp => sdk(&self.sdk_plain_http),
            Who::Raw => raw(&self.raw),
            Who::RawSdkWire => raw(&self.raw_sdk_wire),
        }
    }
}

/// `-- profile <who> [calls]`: only `who`'s 64-in-flight loop, long, for `perf record`.
fn profile(args: &[&str], server_rt: &Runtime, client_rt: &Runtime) {
    let who = args.first().and_then(|w| Who::parse(w)).unwrap_or(Who::Sdk);
    let calls = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(200_000);
    let callers = Callers::start(server_rt);
    callers.batch(client_rt, who, 2_000, 64);
    let t = callers.batch(client_rt, who, calls, 64);
    println!(
        "profile {}: {} calls ({} Ok), 64 in flight: {:.0}/s",
        who.label(),
        t.calls,
        t.ok,
        t.per_second()
    );
}

fn overhead(plan: &Plan, server_rt: &Runtime, client_rt: &Runtime, summary: &mut Vec<Row>) {
    let callers = Callers::start(server_rt);
    let who = &Who::ALL[..];
    println!(
        "\n== 1. SDK vs raw reqwest (emulator rate limit off; SDK limiter off, default retries, \
         static token) =="
    );
    println!(
        "Each round runs every caller on the same ids, interleaved in chunks (sequential: 10 x \
         {}, 64 in flight: 5 x {}), rotating who goes first, so load drift hits all alike.",
        plan.sequential / 10,
        plan.concurrent / 5
    );
    // Warm-up: every connection pool opens `in_flight` connections, code paths get hot.
    for &w in who {
        callers.batch(client_rt, w, plan.warmup, plan.in_flight);
        callers.batch(client_rt, w, plan.warmup / 4, 1);
    }

    let modes = [
        ("sequential", plan.sequential, 1, 10),
        ("64 in flight", plan.concurrent, plan.in_flight, 5),
    ];
    // per_second[mode][who] = calls/s per round
    let mut per_second = vec![vec![Vec::new(); who.len()]; modes.len()];
    let mut failures = 0usize;
    let mut disagreements = 0usize;
    for round in 0..plan.rounds {
        let mut line = format!("round {}:", round + 1);
        for (m, &(name, calls, in_flight, chunks)) in modes.iter().enumerate() {
            let mut totals = vec![(0usize, 0usize, 0usize, Duration::ZERO); who.len()];
            for chunk in 0..chunks {
                for k in 0..who.len() {
                    let w = (k + round + chunk) % who.len();
                    let t = callers.batch(client_rt, who[w], calls / chunks, in_flight);
                    let total = &mut totals[w];
                    total.0 += t.calls;
                    total.1 += t.ok;
                    total.2 += t.machines;
                    total.3 += t.elapsed;
                }
            }
            line.push_str(&format!("  {name}:"));
            for (w, &(calls, ok, machines, elapsed)) in totals.iter().enumerate() {
                failures += calls - ok;
                // Same ids, idempotent mode: every caller must have seen the same answers.
                disagreements += usize::from(machines != totals[0].2);
                let rate = calls as f64 / elapsed.as_secs_f64();
                per_second[m][w].push(rate);
                line.push_str(&format!(" {rate:.0}"));
            }
        }
        println!("{line}   (calls/s: SDK, raw, SDK over plain reqwest, raw SDK wire)");
    }

    println!(
        "\n{:<14} {:<37} {:>7} {:>9} {:>8} {:>13} {:>13}",
        "mode", "caller", "calls", "calls/s", "vs raw", "median ratio", "round range"
    );
    for (m, &(name, calls, _, _)) in modes.iter().enumerate() {
        let raw = &per_second[m][1];
        for (w, &caller) in who.iter().enumerate() {
            let mine = &per_second[m][w];
            // Paired: each round's ratio against raw in the same round, then the median.
            let ratios: Vec<f64> = mine.iter().zip(raw).map(|(s, r)| s / r).collect();
            let ratio = median(&ratios);
            let lo = ratios.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = ratios.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            println!(
                "{:<14} {:<37} {:>7} {:>9.0} {:>8.3} {:>13.3} {:>13}",
                if w == 0 { name } else { "" },
                caller.label(),
                calls,
                median(mine),
                ratio,
                median(mine) / median(raw),
                format!("{lo:.3}-{hi:.3}")
            );
            if caller == Who::Sdk {
                let target = if m == 0 {
                    SEQUENTIAL_RATIO_TARGET
                } else {
                    CONCURRENT_RATIO_TARGET
                };
                summary.push(Row::at_least(
                    format!("SDK/raw calls/s, {name} >= {target}"),
                    ratio,
                    target,
                    "; see the diagnostic rows",
                ));
            }
        }
    }
    println!(
        "SDK vs \"SDK over reqwest::Client::new()\": the cost of the SDK's transport settings \
         (timeouts, User-Agent); \"raw, SDK's wire request\" vs raw: the cost of the extra \
         headers and settings on the wire and in the in-process emulator; SDK vs \"raw, SDK's \
         wire request\": the SDK's client-side code (facade + generated client) alone."
    );
    println!(
        "(calls/s: median of {} rounds; \"vs raw\" = median of the per-round ratios to raw, the \
         reported figure (robust to load drift between rounds); \"median ratio\" = ratio of the \
         calls/s medians, for reference; failed calls: {failures}; callers that saw different \
         isMachine counts: {disagreements})",
        plan.rounds
    );
    println!(
        "size of one call's future: SDK `send()` {} bytes, raw {} bytes",
        std::mem::size_of_val(
            &callers
                .sdk
                .send_classify_machine_account(demo::MACHINE_ID)
                .send()
        ),
        std::mem::size_of_val(&raw_item(Arc::clone(&callers.raw), 0)),
    );
    if failures > 0 || disagreements > 0 {
        summary.push(
            Row::new(
                "overhead runs: every call Ok, same answers",
                format!("{failures} failed, {disagreements} differ"),
                false,
            )
            .correctness(),
        );
    }
    drop(callers.emu);
}
