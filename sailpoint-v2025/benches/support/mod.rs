//! What the three benchmark binaries share: run sizes, the two tokio runtimes, result rows
//! and the summary table. Each binary uses part of it.

#![allow(dead_code)]

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use sailpoint_v2025_testkit::demo;
use tokio::runtime::Runtime;

pub const DEMO_IDS: [&str; 7] = [
    demo::MACHINE_ID,
    demo::HUMAN_ID,
    demo::MANUAL_HUMAN_ID,
    demo::MANUAL_MACHINE_ID,
    demo::CORRELATED_SERVICE_ID,
    demo::COMPUTER_ID,
    demo::ORPHAN_HUMAN_ID,
];

pub fn demo_id(i: usize) -> &'static str {
    DEMO_IDS[i % DEMO_IDS.len()]
}

/// SDK/raw calls/s targets: sequential, and with 64 calls in flight.
pub const SEQUENTIAL_RATIO_TARGET: f64 = 0.90;
pub const CONCURRENT_RATIO_TARGET: f64 = 0.95;
pub const RATE_TARGET: f64 = 0.95;
pub const MEMORY_TARGET_MB: f64 = 50.0;

/// Sizes of one run.
pub struct Plan {
    pub full: bool,
    pub rounds: usize,
    pub warmup: usize,
    pub sequential: usize,
    pub concurrent: usize,
    pub in_flight: usize,
    pub bulk_ids: usize,
    pub bulk_limit: (u32, Duration),
    pub memory_ids: usize,
    pub memory_in_flight: usize,
}

impl Plan {
    pub fn full() -> Self {
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

    pub fn smoke() -> Self {
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

impl Plan {
    /// The full sizes under `cargo bench` (which passes `--bench`), small ones otherwise.
    pub fn from_args(args: &[String]) -> Self {
        if args.iter().any(|a| a == "--bench") {
            Self::full()
        } else {
            Self::smoke()
        }
    }

    /// The run's header line.
    pub fn banner(&self, name: &str) {
        println!(
            "sailpoint-v2025 {name} benchmark ({}; {} CPUs; emulator and clients in this process, \
             each on its own 2-worker tokio runtime)",
            if self.full {
                "full run"
            } else {
                "smoke run: pass --bench for the real sizes"
            },
            std::thread::available_parallelism().map_or(0, usize::from),
        );
    }
}

/// Prints the summary table; a failed correctness row makes the exit status 1.
pub fn finish(summary: &[Row]) -> ExitCode {
    println!("\n== Summary ==");
    println!("{:<48} {:>22}  result", "target", "measured");
    for row in summary {
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

pub fn runtime(name: &str) -> Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name(name)
        .enable_all()
        .build()
        .expect("tokio runtime")
}

/// Runs `fut` as a task on a worker of `rt` (not on the blocked main thread) and waits for it.
pub fn run<F>(rt: &Runtime, fut: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    rt.block_on(rt.spawn(fut)).expect("benchmark task panicked")
}

pub struct Row {
    pub target: String,
    pub measured: String,
    pub pass: bool,
    pub note: String,
    /// A correctness check (nothing lost, everything Ok): a miss makes the run exit with 1.
    /// Performance misses are only reported.
    pub correctness: bool,
}

impl Row {
    pub fn new(target: impl Into<String>, measured: impl Into<String>, pass: bool) -> Self {
        Self {
            target: target.into(),
            measured: measured.into(),
            pass,
            note: String::new(),
            correctness: false,
        }
    }

    pub fn correctness(mut self) -> Self {
        self.correctness = true;
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = note.into();
        self
    }

    /// A "measured >= target" row; a miss notes how far short it fell.
    pub fn at_least(label: String, measured: f64, target: f64, hint: &str) -> Self {
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
