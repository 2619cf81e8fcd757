//! Memory of paging: the peak RSS of streaming every account of a 100,000-account source
//! through `list_accounts().stream()`, next to the same stream over 10,000 accounts.
//!
//! ```text
//! cargo bench -p sailpoint-v2025 --bench paging_memory
//! ```
//!
//! The binary runs itself again as a child (`--paging-child`) per size; the child builds a
//! client (limiter off), streams `list_accounts().filters(sourceId eq ...)` to the end, checks
//! each id is greater than the one before (sorted by id, so every account at most once, with
//! no set held in memory), counts them, and prints `VmHWM` from `/proc/self/status`. The
//! emulator stays in the parent (rate limit off, request log of 16), so the child's memory is
//! the SDK's alone. Bounded memory means: the peak for 100,000 accounts stays under the target
//! and within a few MB of the peak for 10,000 (one page of 250 is held at a time, whatever the
//! total). Without `--bench` it does a smoke run (2,000 and 20,000 accounts).

mod support;

use std::collections::HashMap;
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

use futures::StreamExt;
use sailpoint_v2025::{Client, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{Emulator, Source, demo};
use tokio::runtime::Runtime;

use support::{MEMORY_TARGET_MB, Row, finish, run, runtime};

const PAGING_CHILD: &str = "--paging-child";
const TOKEN_ENV: &str = "SAILPOINT_BENCH_TOKEN";
const SOURCE_ID: &str = "2c9180835d2e5168015d32f89bench01";
const SOURCE_NAME: &str = "Bench LDAP";
/// How much more the big run may peak than the small one (one page is the same size in both).
const GROWTH_TARGET_MB: f64 = 4.0;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some(PAGING_CHILD) {
        return paging_child(&args[1..]);
    }
    let full = args.iter().any(|a| a == "--bench");
    let (small, big) = if full {
        (10_000, 100_000)
    } else {
        (2_000, 20_000)
    };
    println!(
        "sailpoint-v2025 paging memory benchmark ({}; {} CPUs)",
        if full {
            "full run"
        } else {
            "smoke run: pass --bench for the real sizes"
        },
        std::thread::available_parallelism().map_or(0, usize::from),
    );
    let server_rt = runtime("emulator");
    let mut summary = Vec::new();
    let small_peak = measure(&server_rt, small, &mut summary);
    let big_peak = measure(&server_rt, big, &mut summary);
    if let Some(peak) = big_peak {
        summary.push(Row::new(
            format!("peak RSS streaming {big} accounts < {MEMORY_TARGET_MB} MB"),
            format!("{peak:.1} MB"),
            peak < MEMORY_TARGET_MB,
        ));
    }
    if let (Some(small_peak), Some(big_peak)) = (small_peak, big_peak) {
        let growth = big_peak - small_peak;
        summary.push(Row::new(
            format!("peak RSS growth {small} -> {big} accounts < {GROWTH_TARGET_MB} MB"),
            format!("{growth:+.1} MB"),
            growth < GROWTH_TARGET_MB,
        ));
    }
    finish(&summary)
}

/// Streams `accounts` accounts in a child process; returns its peak RSS in MB.
fn measure(server_rt: &Runtime, accounts: usize, summary: &mut Vec<Row>) -> Option<f64> {
    let emu = server_rt
        .block_on(
            Emulator::builder()
                .without_rate_limit()
                .without_demo_accounts()
                .request_log_capacity(16)
                .source(Source::new(SOURCE_ID, SOURCE_NAME))
                .accounts(demo::source_accounts(SOURCE_NAME, accounts))
                .start(),
        )
        .expect("emulator");
    let token = emu.issue_token(demo::CLIENT_ID).expect("demo client");
    println!(
        "\n== Streaming {accounts} accounts through list_accounts().stream() (pages of 250) in a \
         child process; emulator in the parent =="
    );
    let output = std::env::current_exe().and_then(|exe| {
        Command::new(exe)
            .arg(PAGING_CHILD)
            .arg(emu.base_url())
            .env(TOKEN_ENV, &token)
            .stdin(Stdio::null())
            .stderr(Stdio::inherit())
            .output()
    });
    let pages = emu.counters().operation_calls("listAccounts");
    drop(emu);
    let stdout = match output {
        Ok(out) if out.status.success() => String::from_utf8_lossy(&out.stdout).into_owned(),
        Ok(out) => {
            println!("child failed: {}", out.status);
            summary.push(
                Row::new(
                    format!("{accounts} accounts streamed"),
                    "child failed",
                    false,
                )
                .correctness(),
            );
            return None;
        }
        Err(err) => {
            println!("cannot run the child: {err}");
            summary.push(
                Row::new(format!("{accounts} accounts streamed"), "not run", false).correctness(),
            );
            return None;
        }
    };
    let fields: HashMap<&str, &str> = stdout
        .split_whitespace()
        .filter_map(|kv| kv.split_once('='))
        .collect();
    let num = |k: &str| fields.get(k).and_then(|v| v.parse::<f64>().ok());
    let mb = |kb: Option<f64>| kb.map(|kb| kb / 1024.0);
    let (items, in_order, errors) = (num("items"), num("in_order"), num("errors"));
    let (baseline, peak) = (mb(num("baseline_hwm_kb")), mb(num("hwm_kb")));
    println!(
        "child: {} accounts in {:.1} s over {pages} page requests, total reported {}; VmHWM \
         before the run {:.1} MB, after {:.1} MB",
        items.unwrap_or(f64::NAN),
        num("secs").unwrap_or(f64::NAN),
        fields.get("total").copied().unwrap_or("na"),
        baseline.unwrap_or(f64::NAN),
        peak.unwrap_or(f64::NAN),
    );
    let expected_pages = accounts.div_ceil(250) as u64;
    summary.push(
        Row::new(
            format!("{accounts} accounts, each once, in {expected_pages} pages"),
            format!(
                "{} ({} in order, {} errors, {pages} pages)",
                items.unwrap_or(f64::NAN),
                in_order.unwrap_or(f64::NAN),
                errors.unwrap_or(f64::NAN)
            ),
            items == Some(accounts as f64)
                && in_order == Some(accounts as f64)
                && errors == Some(0.0)
                && pages == expected_pages,
        )
        .correctness(),
    );
    summary.push(Row::new(
        format!("peak RSS streaming {accounts} accounts"),
        peak.map_or_else(|| "VmHWM unavailable".to_owned(), |p| format!("{p:.1} MB")),
        peak.is_some(),
    ));
    peak
}

/// `VmHWM`/`VmRSS` of this process in kB, from `/proc/self/status` (Linux).
fn proc_status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?.strip_prefix(':')?;
        rest.split_whitespace().next()?.parse().ok()
    })
}

/// The child: stream every account of the source, checking the order, and print counts and
/// memory.
fn paging_child(args: &[String]) -> ExitCode {
    let (Some(base), Ok(token)) = (args.first(), std::env::var(TOKEN_ENV)) else {
        eprintln!("usage: {PAGING_CHILD} <base_url> (token in {TOKEN_ENV})");
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
    let filter = format!(r#"sourceId eq "{SOURCE_ID}""#);
    let (items, in_order, errors, total) = run(&rt, async move {
        let mut stream = client.list_accounts().filters(filter).stream();
        let (mut items, mut in_order, mut errors) = (0usize, 0usize, 0usize);
        let mut last: Option<String> = None;
        while let Some(item) = stream.next().await {
            match item {
                Ok(account) => {
                    items += 1;
                    let id = account.id.unwrap_or_default();
                    if last.as_ref().is_none_or(|last| *last < id) {
                        in_order += 1;
                    }
                    last = Some(id);
                }
                Err(err) => {
                    eprintln!("stream error: {err}");
                    errors += 1;
                }
            }
        }
        (items, in_order, errors, stream.total())
    });
    let secs = start.elapsed().as_secs_f64();
    let show = |v: Option<u64>| v.map_or_else(|| "na".to_owned(), |v| v.to_string());
    println!(
        "items={items} in_order={in_order} errors={errors} total={} secs={secs:.3} \
         baseline_hwm_kb={} hwm_kb={}",
        show(total),
        show(baseline),
        show(proc_status_kb("VmHWM")),
    );
    ExitCode::SUCCESS
}
