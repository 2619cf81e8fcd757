//! Pacing: a bulk run at the rate limit.
//!
//! ```text
//! cargo bench -p sailpoint-v2025 --bench pacing
//! ```
//!
//! 2,000 ids through `classify_accounts` (default concurrency 16, client credentials, default
//! retries) against the emulator limiting to 100 requests per 500 ms (ISC's 100 per 10 s, time
//! scaled by 20), the SDK paced with the same `RateLimit`. Reported: the achieved rate against
//! the limit (server-side arrival times), 429s, the busiest sliding window, lost ids. The
//! emulator runs in this process on its own runtime. Without `--bench` it does a smoke run.

mod support;

use std::collections::HashMap;
use std::process::ExitCode;
use std::time::Instant;

use futures::StreamExt;
use sailpoint_v2025::{Client, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{EmulatedAccount, Emulator, ServerRateLimit, demo};
use tokio::runtime::Runtime;

use support::{Plan, RATE_TARGET, Row, finish, run, runtime};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let plan = Plan::from_args(&args);
    let server_rt = runtime("emulator");
    let client_rt = runtime("client");
    plan.banner("pacing");
    let mut summary = Vec::new();
    bulk(&plan, &server_rt, &client_rt, &mut summary);
    finish(&summary)
}

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
        emu.insert_account(EmulatedAccount::new(id.clone(), name));
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
