//! Benchmarks for bulk classification at the rate limit.
//!
//! ```text
//! cargo bench -p sailpoint-v2025 --bench classify                 # everything (~1-2 min)
//! cargo bench -p sailpoint-v2025 --bench classify -- overhead     # or: bulk, memory
//! ```
//!
//! All servers are the testkit emulator on 127.0.0.1, running **in this process** on its own
//! multi-thread tokio runtime (2 workers); the clients run on a second multi-thread runtime (2
//! workers). So client and server share the machine's cores, and the SDK/raw ratio measures the
//! SDK's overhead against a whole round trip that includes the emulator's work.
//!
//! 1. **Overhead**: the SDK (client-side limiter off, default retries, a static access token) vs
//!    a hand-written reqwest call (`POST .../classify?classificationMode=default` with
//!    `X-SailPoint-Experimental`, `Accept`, `Authorization`, JSON decoded into a small struct),
//!    with the emulator's rate limit off: calls/s sequentially and with 64 calls in flight
//!    (`buffer_unordered(64)` for raw, `classify_accounts(..).concurrency(64)` for the SDK, which
//!    is the same combinator). Two diagnostic callers split the difference: the SDK over a plain
//!    `reqwest::Client::new()` (without its timeouts and User-Agent), and the raw call sending
//!    the SDK's exact wire request (plus `api-version`, over an SDK-like reqwest client). Every
//!    round runs all callers on the same ids, interleaved in chunks with a rotating order so
//!    load drift on a shared machine hits all alike. Ratios are the median of the per-round
//!    ratios (each caller against raw in the same round); calls/s are medians of the rounds.
//! 2. **Bulk at the rate limit**: 2,000 ids against an emulator limiting to 100 requests per
//!    500 ms (ISC's 100 per 10 s, time scaled by 20), the SDK paced with the same limit.
//! 3. **Peak memory**: a 100,000-id bulk run in a child process (this binary re-executed with
//!    `--memory-child`), so only the SDK's memory is measured; the child reports `VmHWM`.
//!
//! Run without `--bench` (as `cargo test --benches` does) it does a quick smoke run with small
//! counts; the targets are then only indicative.
//!
//! `-- profile <sdk|raw|sdk-plain-http|raw-sdk-wire> [calls]` runs only that caller's
//! 64-in-flight loop (default 200,000 calls), for `perf record` or
//! `valgrind --tool=callgrind` on `target/release/deps/classify-*`.

use std::collections::HashMap;
use std::future::Future;
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use sailpoint_v2025::{ClassificationMode, Client, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Account, Emulator, RateLimit as ServerRateLimit, demo};
use serde::Deserialize;
use tokio::runtime::Runtime;

/// First argument of the re-executed child: `--memory-child <base_url> <ids> <in_flight>`, the
/// token in [`TOKEN_ENV`].
const MEMORY_CHILD: &str = "--memory-child";
const TOKEN_ENV: &str = "SAILPOINT_BENCH_TOKEN";

const DEMO_IDS: [&str; 7] = [
    demo::MACHINE_ID,
    demo::HUMAN_ID,
    demo::MANUAL_HUMAN_ID,
    demo::MANUAL_MACHINE_ID,
    demo::CORRELATED_SERVICE_ID,
    demo::COMPUTER_ID,
    demo::ORPHAN_HUMAN_ID,
];

fn demo_id(i: usize) -> &'static str {
    DEMO_IDS[i % DEMO_IDS.len()]
}

const RATIO_TARGET: f64 = 0.95;
const RATE_TARGET: f64 = 0.95;
const MEMORY_TARGET_MB: f64 = 50.0;

/// Sizes of one run.
struct Plan {
    full: bool,
    rounds: usize,
    warmup: usize,
    sequential: usize,
    concurrent: usize,
    in_flight: usize,
    bulk_ids: usize,
    bulk_limit: (u32, Duration),
    memory_ids: usize,
    memory_in_flight: usize,
}

impl Plan {
    fn full() -> Self {
        Self {
            full: true,
            rounds: 7,
            warmup: 1_000,
            sequential: 2_000,
            concurrent: 20_000,
            in_flight: 64,
            bulk_ids: 2_000,
            bulk_limit: (100, Duration::from_millis(500)),
            memory_ids: 100_000,
            memory_in_flight: 64,
        }
    }

    fn smoke() -> Self {
        Self {
            full: false,
            rounds: 1,
            warmup: 100,
            sequential: 100,
            concurrent: 1_000,
            in_flight: 64,
            bulk_ids: 150,
            bulk_limit: (50, Duration::from_millis(200)),
            memory_ids: 2_000,
            memory_in_flight: 64,
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(MEMORY_CHILD) {
        return memory_child(&args[1..]);
    }
    let plan = if args.iter().any(|a| a == "--bench") {
        Plan::full()
    } else {
        Plan::smoke()
    };
    let sections: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let wanted = |name: &str| sections.is_empty() || sections.contains(&name);

    let server_rt = runtime("emulator");
    let client_rt = runtime("client");
    println!(
        "sailpoint-v2025 classify benchmarks ({}; {} CPUs; emulator and clients in this process, \
         each on its own 2-worker tokio runtime)",
        if plan.full {
            "full run"
        } else {
            "smoke run: pass --bench for the real sizes"
        },
        std::thread::available_parallelism().map_or(0, usize::from),
    );

    if sections.first() == Some(&"profile") {
        profile(&sections[1..], &server_rt, &client_rt);
        return ExitCode::SUCCESS;
    }
    let mut summary = Vec::new();
    if wanted("overhead") {
        overhead(&plan, &server_rt, &client_rt, &mut summary);
    }
    if wanted("bulk") {
        bulk(&plan, &server_rt, &client_rt, &mut summary);
    }
    if wanted("memory") {
        memory(&plan, &server_rt, &mut summary);
    }

    println!("\n== Summary ==");
    println!("{:<48} {:>22}  result", "target", "measured");
    for row in &summary {
        println!(
            "{:<48} {:>22}  {}{}",
            row.target,
            row.measured,
            if row.pass { "PASS" } else { "MISS" },
            if row.note.is_empty() {
                String::new()
            } else {
                format!(" ({})", row.note)
            }
        );
    }
    if summary.iter().any(|row| row.correctness && !row.pass) {
        println!("\nA correctness check failed (calls lost or failed): exit status 1.");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs `fut` as a task on a worker of `rt` (not on the blocked main thread) and waits for it.
fn run<F>(rt: &Runtime, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut)).expect("benchmark task panicked")
}

struct Row {
    target: String,
    measured: String,
    pass: bool,
    note: String,
    /// A correctness check (nothing lost, everything Ok): a miss makes the run exit with 1.
    /// Performance misses are only reported.
    correctness: bool,
}

impl Row {
    fn new(target: impl Into<String>, measured: impl Into<String>, pass: bool) -> Self {
        Self {
            target: target.into(),
            measured: measured.into(),
            pass,
            note: String::new(),
            correctness: false,
        }
    }

    fn correctness(mut self) -> Self {
        self.correctness = true;
        self
    }

    fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// A "measured >= target" row; a miss notes how far short it fell.
    fn at_least(label: String, measured: f64, target: f64, hint: &str) -> Self {
        let row = Self::new(label, format!("{measured:.3}"), measured >= target);
        if measured >= target {
            row
        } else {
            row.note(format!(
                "{:.1}% short{hint}",
                (target - measured) / target * 100.0
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. SDK vs raw reqwest
// ---------------------------------------------------------------------------------------------

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
                summary.push(Row::at_least(
                    format!("SDK/raw calls/s, {name} >= {RATIO_TARGET}"),
                    ratio,
                    RATIO_TARGET,
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

// ---------------------------------------------------------------------------------------------
// 2. Bulk at the rate limit
// ---------------------------------------------------------------------------------------------

fn bulk(plan: &Plan, server_rt: &Runtime, client_rt: &Runtime, summary: &mut Vec<Row>) {
    let (limit, window) = plan.bulk_limit;
    let emu = server_rt
        .block_on(
            Emulator::builder()
                .rate_limit(Some(ServerRateLimit::new(limit, window)))
                .request_log_capacity(plan.bulk_ids * 2 + 1_000)
                .start(),
        )
        .expect("emulator");
    let ids: Vec<String> = (0..plan.bulk_ids).map(|i| format!("bulk{i:06}")).collect();
    for (i, id) in ids.iter().enumerate() {
        let name = if i % 3 == 0 {
            format!("svc-job-{i}")
        } else {
            format!("user.{i}")
        };
        emu.insert_account(Account::new(id.clone(), name));
    }
    let client = Client::builder()
        .base_url(emu.base_url())
        .client_credentials(demo::CLIENT_ID, demo::CLIENT_SECRET)
        .retry(RetryConfig::default())
        .rate_limit(RateLimit::new(limit, window))
        .build()
        .expect("SDK client");

    println!(
        "\n== 2. Bulk run at the rate limit: {} ids, emulator limit {limit} per {window:?} \
         (fixed window), SDK RateLimit::new({limit}, {window:?}), default retries, \
         client credentials, concurrency {} ==",
        plan.bulk_ids,
        sailpoint_v2025::DEFAULT_CONCURRENCY
    );
    let input = ids.clone();
    let started = Instant::now();
    let results = run(client_rt, async move {
        client.classify_accounts(input).collect::<Vec<_>>().await
    });
    let wall = started.elapsed();

    // Every id exactly one result, and that result Ok.
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new(); // id -> (results, oks)
    for (id, result) in &results {
        let entry = seen.entry(id.as_str()).or_default();
        entry.0 += 1;
        entry.1 += usize::from(result.is_ok());
    }
    let lost = ids
        .iter()
        .filter(|id| seen.get(id.as_str()) != Some(&(1, 1)))
        .count();
    let errors: Vec<String> = results
        .iter()
        .filter_map(|(id, r)| r.as_ref().err().map(|e| format!("{id}: {e}")))
        .take(3)
        .collect();

    let counters = emu.counters();
    let log = emu.requests();
    let first_arrival = log.first().map(|r| r.received_at);
    let oks: Vec<f64> = log
        .iter()
        .filter(|r| r.status == Some(200))
        .map(|r| (r.received_at - log[0].received_at).as_seconds_f64())
        .collect();
    let late_429s = log
        .iter()
        .filter(|r| r.status == Some(429))
        .filter(|r| {
            first_arrival.is_some_and(|first| {
                (r.received_at - first).as_seconds_f64() >= window.as_secs_f64()
            })
        })
        .count();
    let span = match (oks.first(), oks.last()) {
        (Some(a), Some(b)) if b > a => b - a,
        _ => f64::NAN,
    };
    let limit_per_s = f64::from(limit) / window.as_secs_f64();
    let server_rate = (oks.len().saturating_sub(1)) as f64 / span;
    let wall_rate = results.len() as f64 / wall.as_secs_f64();
    // The most successful requests the server saw in any window of `window` (sliding).
    let mut max_in_window = 0;
    let mut lo = 0;
    for hi in 0..oks.len() {
        while oks[hi] - oks[lo] >= window.as_secs_f64() {
            lo += 1;
        }
        max_in_window = max_in_window.max(hi - lo + 1);
    }

    let rate_ratio = server_rate / limit_per_s;
    println!("limit R = {limit} per {window:?} = {limit_per_s:.1}/s (SDK design: about 98% of R)");
    println!(
        "achieved, server side (first to last 200): {server_rate:.1}/s over {span:.2} s = {:.3} x R",
        rate_ratio
    );
    println!(
        "achieved, client wall clock (incl. token fetch): {wall_rate:.1}/s over {:.2} s = {:.3} x R",
        wall.as_secs_f64(),
        wall_rate / limit_per_s
    );
    println!(
        "most 200s in any sliding {window:?} window (server arrival times): {max_in_window} \
         (limit {limit}; the SDK sends at most {} per window{})",
        limit - 1,
        if max_in_window > limit as usize {
            format!(
                "; more at arrival is scheduling jitter bunching requests paced {:.1} ms apart",
                window.as_secs_f64() * 1e3 / f64::from(limit - (limit / 50).max(1))
            )
        } else {
            String::new()
        }
    );
    println!(
        "server: {} classify requests, {} x 200, {} x 429 ({} after the first window), \
         {} token request(s)",
        counters.classify_requests,
        counters.classify_status(200),
        counters.rate_limited,
        late_429s,
        counters.token_requests
    );
    println!(
        "results: {} for {} ids, {} Ok; ids without exactly one Ok result: {lost}",
        results.len(),
        ids.len(),
        results.iter().filter(|(_, r)| r.is_ok()).count()
    );
    for error in &errors {
        println!("  error: {error}");
    }

    summary.push(Row::at_least(
        format!("bulk achieved rate / R >= {RATE_TARGET} (design 0.98)"),
        rate_ratio,
        RATE_TARGET,
        "",
    ));
    summary.push(Row::new(
        "bulk 429s after the first window == 0",
        format!("{late_429s} (total {})", counters.rate_limited),
        late_429s == 0,
    ));
    summary.push(
        Row::new(
            format!("bulk ids lost == 0 ({} ids, one Ok each)", ids.len()),
            lost.to_string(),
            lost == 0 && results.len() == ids.len(),
        )
        .correctness(),
    );
    drop(emu);
}

// ---------------------------------------------------------------------------------------------
// 3. Peak memory of a long bulk run (child process)
// ---------------------------------------------------------------------------------------------

fn memory(plan: &Plan, server_rt: &Runtime, summary: &mut Vec<Row>) {
    let emu = server_rt
        .block_on(
            Emulator::builder()
                .without_rate_limit()
                .request_log_capacity(16)
                .start(),
        )
        .expect("emulator");
    let token = emu.issue_token(demo::CLIENT_ID).expect("demo client");
    println!(
        "\n== 3. Peak memory: {} ids through classify_accounts (concurrency {}, limiter off) in a \
         child process; emulator rate limit off, in the parent ==",
        plan.memory_ids, plan.memory_in_flight
    );
    let output = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .arg(MEMORY_CHILD)
            .arg(emu.base_url())
            .arg(plan.memory_ids.to_string())
            .arg(plan.memory_in_flight.to_string())
            .env(TOKEN_ENV, &token)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
    });
    drop(emu);
    let stdout = match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            println!("child failed: {}", out.status);
            summary.push(Row::new("peak RSS child run", "child failed", false).correctness());
            return;
        }
        Err(err) => {
            println!("cannot run the child: {err}");
            summary.push(Row::new("peak RSS child run", "not run", false).correctness());
            return;
        }
    };
    let fields: HashMap<&str, &str> = stdout
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let num = |k: &str| fields.get(k).and_then(|v| v.parse::<f64>().ok());
    let (results, ok) = (num("results"), num("ok"));
    let mb = |kb: Option<f64>| kb.map(|kb| kb / 1024.0);
    let (baseline, peak, end) = (
        mb(num("baseline_hwm_kb")),
        mb(num("hwm_kb")),
        mb(num("rss_kb")),
    );
    println!(
        "child: {} results ({} Ok) in {:.1} s = {:.0} calls/s",
        results.unwrap_or(f64::NAN),
        ok.unwrap_or(f64::NAN),
        num("secs").unwrap_or(f64::NAN),
        results.unwrap_or(f64::NAN) / num("secs").unwrap_or(f64::NAN)
    );
    println!(
        "child VmHWM before the run (runtime + client built): {:.1} MB; VmHWM after: {:.1} MB; \
         VmRSS at the end: {:.1} MB",
        baseline.unwrap_or(f64::NAN),
        peak.unwrap_or(f64::NAN),
        end.unwrap_or(f64::NAN)
    );
    let expected = plan.memory_ids as f64;
    match peak {
        Some(peak) => summary.push(Row::new(
            format!("peak RSS, {} ids < {MEMORY_TARGET_MB} MB", plan.memory_ids),
            format!("{peak:.1} MB"),
            peak < MEMORY_TARGET_MB,
        )),
        None => summary.push(Row::new("peak RSS < 50 MB", "VmHWM unavailable", false)),
    }
    summary.push(
        Row::new(
            format!("memory run results == {} (all Ok)", plan.memory_ids),
            format!(
                "{} ({} Ok)",
                results.unwrap_or(f64::NAN),
                ok.unwrap_or(f64::NAN)
            ),
            results == Some(expected) && ok == Some(expected),
        )
        .correctness(),
    );
}

/// `VmHWM`/`VmRSS` etc. of this process in kB, from `/proc/self/status` (Linux).
fn proc_status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// The child: build a client, classify `ids` lazily generated ids, print counts and memory.
fn memory_child(args: &[String]) -> ExitCode {
    let (Some(base), Some(ids), Some(in_flight), Ok(token)) = (
        args.first(),
        args.get(1).and_then(|v| v.parse::<usize>().ok()),
        args.get(2).and_then(|v| v.parse::<usize>().ok()),
        std::env::var(TOKEN_ENV),
    ) else {
        eprintln!("usage: {MEMORY_CHILD} <base_url> <ids> <in_flight> (token in {TOKEN_ENV})");
        return ExitCode::from(2);
    };
    let rt = runtime("child");
    let client = Client::builder()
        .base_url(base.as_str())
        .access_token(token)
        .retry(RetryConfig::default())
        .rate_limit(RateLimit::unlimited())
        .build()
        .expect("SDK client");
    let baseline = proc_status_kb("VmHWM");
    let start = Instant::now();
    let (results, ok) = run(&rt, async move {
        client
            .classify_accounts((0..ids).map(demo_id))
            .concurrency(in_flight)
            .fold((0usize, 0usize), |(n, ok), (_id, result)| async move {
                (n + 1, ok + usize::from(result.is_ok()))
            })
            .await
    });
    let secs = start.elapsed().as_secs_f64();
    let show = |v: Option<u64>| v.map_or_else(|| "na".to_owned(), |v| v.to_string());
    println!(
        "results={results} ok={ok} secs={secs:.3} baseline_hwm_kb={} hwm_kb={} rss_kb={}",
        show(baseline),
        show(proc_status_kb("VmHWM")),
        show(proc_status_kb("VmRSS")),
    );
    ExitCode::SUCCESS
}
