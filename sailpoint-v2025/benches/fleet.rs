//! Fleet mode, measured: four processes of the classify example on one client_id, sharing the
//! limit through Redis, against one emulator that enforces ISC's limit (100 requests per 10 s
//! per client_id, R = 10 requests/s) and counts 429s.
//!
//! 1. steady: aggregate throughput as a fraction of R, 429s at the server (aim: >= 0.95 R, 0);
//! 2. the store killed (SIGKILL) for 8 s mid-run and restarted on its port: every id answered,
//!    every process exits 0 (429s reported).
//!
//! `cargo xtask bench-fleet` builds the release example with the `redis` feature and runs this
//! (`cargo bench -p sailpoint-v2025 --features redis --bench fleet`). Without `--bench` (as in
//! `cargo test --all-targets`) it is a smoke run: two processes, a few ids, when the example
//! binary and redis-server are there.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use sailpoint_v2025::ENV_REDIS_URL;
use sailpoint_v2025_testkit::{
    EmulatedAccount, Emulator, RedisServer, ServerRateLimit as RateLimit, demo,
};

const THROUGHPUT_TARGET: f64 = 0.95;

struct Plan {
    processes: usize,
    ids_per_process: usize,
    /// When the store is killed (after the first request), and for how long.
    outage: Option<(Duration, Duration)>,
}

struct Outcome {
    label: String,
    ids: usize,
    answered: usize,
    exit_codes: Vec<Option<i32>>,
    rate_limited: u64,
    requests: u64,
    fraction_of_r: f64,
    wall: Duration,
    warnings: usize,
    rejoins: usize,
}

fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("bench binary path");
    exe.parent()
        .and_then(Path::parent)
        .map(|profile| profile.join("examples").join("classify"))
        .expect("target/<profile>/deps/<bench>")
}

fn account_id(i: usize) -> String {
    format!("bench-fleet-{i:05}")
}

fn main() -> ExitCode {
    let full = std::env::args().any(|a| a == "--bench");
    let binary = example_binary();
    if !binary.exists() {
        let message = format!(
            "{} is missing: run `cargo xtask bench-fleet` (it builds the example with the \
             `redis` feature first)",
            binary.display()
        );
        if full {
            eprintln!("error: {message}");
            return ExitCode::FAILURE;
        }
        println!("fleet smoke run skipped: {message}");
        return ExitCode::SUCCESS;
    }
    if !RedisServer::available() {
        if full {
            eprintln!("error: redis-server is not installed (Debian package redis-server)");
            return ExitCode::FAILURE;
        }
        println!("fleet smoke run skipped: redis-server is not installed");
        return ExitCode::SUCCESS;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let plans: Vec<(&str, Plan)> = if full {
        vec![
            (
                "steady",
                Plan {
                    processes: 4,
                    ids_per_process: 100,
                    outage: None,
                },
            ),
            (
                "store killed 8 s",
                Plan {
                    processes: 4,
                    ids_per_process: 100,
                    outage: Some((Duration::from_secs(10), Duration::from_secs(8))),
                },
            ),
        ]
    } else {
        vec![(
            "smoke",
            Plan {
                processes: 2,
                ids_per_process: 3,
                outage: None,
            },
        )]
    };
    let mut outcomes = Vec::new();
    for (label, plan) in plans {
        println!(
            "running {label}: {} processes x {} ids",
            plan.processes, plan.ids_per_process
        );
        outcomes.push(runtime.block_on(run(label, &binary, &plan)));
    }

    println!();
    println!(
        "| scenario | ids | answered | exit codes | requests | 429s at server | throughput / R | wall | fell back / rejoined |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for o in &outcomes {
        println!(
            "| {} | {} | {} | {:?} | {} | {} | {:.3} | {:.1} s | {} / {} |",
            o.label,
            o.ids,
            o.answered,
            o.exit_codes,
            o.requests,
            o.rate_limited,
            o.fraction_of_r,
            o.wall.as_secs_f64(),
            o.warnings,
            o.rejoins
        );
    }
    println!();
    let mut correct = true;
    for o in &outcomes {
        let all_answered = o.answered == o.ids && o.exit_codes.iter().all(|c| *c == Some(0));
        correct &= all_answered;
        println!(
            "{} {}: every id answered, every process exited 0",
            if all_answered { "PASS" } else { "FAIL" },
            o.label
        );
        if o.label == "steady" {
            let pass = o.fraction_of_r >= THROUGHPUT_TARGET;
            println!(
                "{} steady: aggregate throughput {:.3} of R (target >= {THROUGHPUT_TARGET})",
                if pass { "PASS" } else { "MISS" },
                o.fraction_of_r
            );
            println!(
                "{} steady: {} x 429 at the server (target 0)",
                if o.rate_limited == 0 { "PASS" } else { "MISS" },
                o.rate_limited
            );
        }
    }
    if correct {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

async fn run(label: &str, binary: &Path, plan: &Plan) -> Outcome {
    let total = plan.processes * plan.ids_per_process;
    let emu = Emulator::builder()
        .rate_limit(Some(RateLimit::ISC))
        .accounts((0..total).map(|i| EmulatedAccount::new(account_id(i), format!("svc-bench-{i}"))))
        .start()
        .await
        .expect("emulator starts");
    let mut redis = RedisServer::start().expect("redis-server starts");
    let workdir = std::env::temp_dir().join(format!("bench-fleet-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("temp dir");

    let started = Instant::now();
    let children: Vec<_> = (0..plan.processes)
        .map(|p| {
            let ids: Vec<String> = (0..plan.ids_per_process)
                .map(|i| account_id(p * plan.ids_per_process + i))
                .collect();
            Command::new(binary)
                .args(&ids)
                .current_dir(&workdir)
                .env("SAIL_BASE_URL", emu.base_url())
                .env("SAIL_CLIENT_ID", demo::CLIENT_ID)
                .env("SAIL_CLIENT_SECRET", demo::CLIENT_SECRET)
                .env_remove("SAIL_ACCESS_TOKEN")
                .env(ENV_REDIS_URL, redis.url())
                .env("RUST_LOG", "sailpoint_v2025=info")
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("the example starts")
        })
        .collect();
    if let Some((after, outage)) = plan.outage {
        tokio::time::sleep(after).await;
        let port = redis.port();
        redis.kill();
        println!(
            "  killed redis-server at {:.1} s",
            started.elapsed().as_secs_f64()
        );
        tokio::time::sleep(outage).await;
        redis = RedisServer::start_on(port).expect("redis-server restarts");
        println!("  restarted it at {:.1} s", started.elapsed().as_secs_f64());
    }
    let outputs = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|c| c.wait_with_output().expect("the example runs"))
            .collect::<Vec<_>>()
    })
    .await
    .expect("join");
    let wall = started.elapsed();
    let _ = std::fs::remove_dir_all(&workdir);

    let mut answered = 0;
    let mut warnings = 0;
    let mut rejoins = 0;
    for (p, output) in outputs.iter().enumerate() {
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        answered += (0..plan.ids_per_process)
            .filter(|i| {
                let id = account_id(p * plan.ids_per_process + i);
                stdout
                    .lines()
                    .any(|l| l.starts_with(&id) && !l.contains("FAILED"))
            })
            .count();
        warnings += stderr.matches("store does not answer").count();
        rejoins += stderr.matches("store answers again").count();
        if output.status.code() != Some(0) {
            eprintln!("process {p} exited {:?}; stderr:\n{stderr}", output.status);
        }
    }
    let counters = emu.counters();
    let mut arrivals: Vec<i64> = emu
        .requests()
        .iter()
        .filter(|r| r.status == Some(200))
        .map(|r| r.received_at.timestamp_micros())
        .collect();
    arrivals.sort_unstable();
    // Successful requests per second between the first and the last, against R = 10/s.
    let fraction_of_r = match (arrivals.first(), arrivals.last()) {
        (Some(first), Some(last)) if last > first => {
            let span = (last - first) as f64 / 1e6;
            ((arrivals.len() - 1) as f64 / span) / 10.0
        }
        _ => 0.0,
    };
    drop(redis);
    emu.shutdown().await;
    Outcome {
        label: label.to_string(),
        ids: total,
        answered,
        exit_codes: outputs.iter().map(|o| o.status.code()).collect(),
        rate_limited: counters.rate_limited,
        requests: counters.classify_requests,
        fraction_of_r,
        wall,
        warnings,
        rejoins,
    }
}
