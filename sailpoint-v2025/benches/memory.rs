//! Memory: the peak RSS of a 100,000-id bulk run.
//!
//! ```text
//! cargo bench -p sailpoint-v2025 --bench memory
//! ```
//!
//! The binary runs itself again as a child (`--memory-child`), which builds a client (limiter
//! off) and streams lazily generated ids through `classify_accounts(..).concurrency(64)`,
//! counting results without storing them, and prints `VmHWM` from `/proc/self/status`. The
//! emulator stays in the parent (rate limit off, request log of 16), so the child's memory is
//! the SDK's alone. Without `--bench` it does a smoke run.

mod support;

use std::collections::HashMap;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use futures::StreamExt;
use sailpoint_v2025::{Client, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, demo};
use tokio::runtime::Runtime;

use support::{MEMORY_TARGET_MB, Plan, Row, demo_id, finish, run, runtime};

/// First argument of the re-executed child: `--memory-child <base_url> <ids> <in_flight>`, the
/// token in [`TOKEN_ENV`].
const MEMORY_CHILD: &str = "--memory-child";
const TOKEN_ENV: &str = "SAILPOINT_BENCH_TOKEN";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(MEMORY_CHILD) {
        return memory_child(&args[1..]);
    }
    let plan = Plan::from_args(&args);
    let server_rt = runtime("emulator");
    plan.banner("memory");
    let mut summary = Vec::new();
    memory(&plan, &server_rt, &mut summary);
    finish(&summary)
}

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
