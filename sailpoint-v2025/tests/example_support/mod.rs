//! What the classify example's process tests share: the example binary, a temp dir of its own,
//! the command as a user on a fresh machine runs it, an emulator on its own runtime, and
//! waiting for what a run shows (never for a fixed time).

#![allow(dead_code)] // each test file uses a part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sailpoint_v2025::JournalRecord;
use sailpoint_v2025_testkit::{Emulator, EmulatorBuilder, demo};

/// How long a test waits for something a run should show before it fails: generous, for a
/// loaded 2-core machine.
pub const PATIENCE: Duration = Duration::from_secs(120);

/// The example binary cargo built next to this test's binary.
pub fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    let binary = profile_dir.join("examples").join("classify");
    assert!(
        binary.exists(),
        "{} is missing: build the examples (`cargo test` does) before running this test",
        binary.display()
    );
    binary
}

/// A fresh, empty directory of its own under the temp dir (removed on drop).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(label: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "classify-journal-test-{}-{n}-{label}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example as a user on a fresh machine runs it (no SAIL_* variables, no config.json), in
/// `workdir`; with `emulator`, pointed at it as a configured tenant.
pub fn example_command(args: &[&str], workdir: &TempDir, emulator: Option<&Emulator>) -> Command {
    let mut command = Command::new(example_binary());
    command
        .args(args)
        .current_dir(&workdir.0)
        .env_remove("SAIL_BASE_URL")
        .env_remove("SAIL_CLIENT_ID")
        .env_remove("SAIL_CLIENT_SECRET")
        .env_remove("SAIL_ACCESS_TOKEN")
        .env_remove("RUST_LOG");
    if let Some(emulator) = emulator {
        command
            .env("SAIL_BASE_URL", emulator.base_url())
            .env("SAIL_CLIENT_ID", demo::CLIENT_ID)
            .env("SAIL_CLIENT_SECRET", demo::CLIENT_SECRET);
    }
    command
}

/// Runs the example with `args` as a user on a fresh machine would (no tenant configured: it
/// starts its bundled emulator), in a temp dir of its own; its output and stdout and stderr as
/// text.
pub fn run_bundled(label: &str, args: &[&str]) -> (Output, String, String) {
    let workdir = TempDir::new(label);
    let output = example_command(args, &workdir, None)
        .output()
        .expect("the example runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// An emulator running on a runtime of its own (kept alive with it).
pub struct Running {
    pub emulator: Emulator,
    _runtime: tokio::runtime::Runtime,
}

impl std::ops::Deref for Running {
    type Target = Emulator;
    fn deref(&self) -> &Emulator {
        &self.emulator
    }
}

pub fn start(builder: EmulatorBuilder) -> Running {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let emulator = runtime.block_on(builder.start()).expect("emulator");
    Running {
        emulator,
        _runtime: runtime,
    }
}

/// Waits until `condition` holds, failing the test after [`PATIENCE`].
#[track_caller]
pub fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !condition() {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The complete lines of a journal, decoded (a line being written is left out).
pub fn journal_records(path: &Path) -> Vec<JournalRecord> {
    let Ok(bytes) = std::fs::read(path) else {
        return Vec::new();
    };
    let text = String::from_utf8_lossy(&bytes);
    let complete = match text.rfind('\n') {
        Some(end) => &text[..=end],
        None => "",
    };
    complete
        .lines()
        .map(|line| JournalRecord::parse_line(line).expect("a journal line"))
        .collect()
}

/// Sends `signal` (`INT`, `TERM`) to a process.
#[cfg(unix)]
pub fn send_signal(pid: u32, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill -{signal} {pid} failed");
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// No panic message, no backtrace.
#[track_caller]
pub fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}
