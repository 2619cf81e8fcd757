//! The README's main job: `cargo run --example classify` against the bundled emulator, with
//! its output compared to golden files, and the binary's behaviour on hostile input (FIFOs,
//! invalid UTF-8, a closed stdout, bad credentials) asserted on exit codes and output. Set
//! `UPDATE_GOLDEN=1` to rewrite the golden files after an intended change (the only case in
//! which this test writes files).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use sailpoint_v2025_testkit::{Emulator, demo};

/// The example binary cargo built next to this test's binary (`cargo test` and
/// `cargo nextest` build examples before running tests).
fn example_binary() -> PathBuf {
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
struct TempDir(PathBuf);

impl TempDir {
    fn new(label: &str) -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!(
            "classify-example-{}-{n}-{label}",
            std::process::id()
        ));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The example as a user on a fresh machine runs it: no SAIL_* variables, no config.json
/// (an empty working directory of its own).
fn example_command(args: &[&str], workdir: &TempDir) -> Command {
    let mut command = Command::new(example_binary());
    command
        .args(args)
        .current_dir(&workdir.0)
        .env_remove("SAIL_BASE_URL")
        .env_remove("SAIL_CLIENT_ID")
        .env_remove("SAIL_CLIENT_SECRET")
        .env_remove("SAIL_ACCESS_TOKEN")
        .env_remove("RUST_LOG");
    command
}

/// Runs the example without input on stdin.
fn run_example(args: &[&str]) -> Output {
    let workdir = TempDir::new("run");
    example_command(args, &workdir)
        .stdin(Stdio::null())
        .output()
        .expect("the example runs")
}

/// Runs the example with `input` on stdin.
fn run_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let workdir = TempDir::new("stdin");
    let mut child = example_command(args, &workdir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    // A thread, so that a child that stops reading early cannot block the test.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("the example runs");
    let _ = writer.join();
    output
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("utf-8 output")
}

/// No panic message, no backtrace.
#[track_caller]
fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

/// Replaces what legitimately varies between runs (the emulator's port, rates, ETAs) with
/// placeholders; counts stay, so the snapshot still shows progress advancing.
fn normalise(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let line = match line.split_once("127.0.0.1:") {
            Some((before, after)) => {
                let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
                format!("{before}127.0.0.1:PORT{rest}")
            }
            None => line.to_string(),
        };
        let line = if line.starts_with("progress:") {
            line.split(", ")
                .map(|part| {
                    if part.ends_with("/s") {
                        "RATE/s"
                    } else if part.starts_with("ETA ") {
                        "ETA Ts"
                    } else {
                        part
                    }
                })
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            line
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, actual).expect("golden file written");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (run with UPDATE_GOLDEN=1)", path.display()));
    assert_eq!(
        actual,
        expected,
        "output differs from {} (UPDATE_GOLDEN=1 rewrites it after an intended change)",
        path.display()
    );
}

#[test]
fn demo_accounts_on_the_bundled_emulator_match_the_golden_output() {
    let output = run_example(&["--progress-every", "0"]);
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(
        output.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        output.status
    );
    assert_golden("classify_demo.stdout", &stdout);
    // Not a terminal: plain progress lines, one per account with --progress-every 0.
    assert_golden("classify_demo.stderr", &normalise(&stderr));
}

#[test]
fn failures_are_shown_typed_and_make_the_exit_code_non_zero() {
    let output = run_example(&[
        "--json",
        "--mode",
        "forceMachine",
        "2c9180857a1b4f1e017a1b5c0e3a0002",
        "no-such-account",
        "..",
    ]);
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3, "one line per account asked for: {stdout}");
    assert_eq!(lines[0]["isMachine"], true);
    assert_eq!(lines[1]["error"]["kind"], "not_found");
    assert_eq!(lines[1]["error"]["status"], 404);
    assert!(lines[1]["error"]["trackingId"].is_string());
    assert_eq!(lines[2]["error"]["kind"], "invalid_input");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(
        stderr.contains("3 accounts: 1 machine, 0 human, 2 failed"),
        "{stderr}"
    );
}

#[test]
fn ids_are_read_from_a_file() {
    let list = std::env::temp_dir().join(format!("classify-ids-{}.txt", std::process::id()));
    std::fs::write(
        &list,
        "2c9180857a1b4f1e017a1b5c0e3a0001\n\n2c9180857a1b4f1e017a1b5c0e3a0002\n2c9180857a1b4f1e017a1b5c0e3a0001\n",
    )
    .expect("id list written");
    let output = run_example(&["--file", list.to_str().expect("utf-8 path")]);
    let _ = std::fs::remove_file(&list);
    let stdout = text(&output.stdout);
    let stderr = text(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert_eq!(stdout, THREE_LINES);
    assert!(
        stderr.contains("3 accounts: 2 machine, 1 human, 0 failed"),
        "the summary is on stderr: {stderr}"
    );
}

const THREE_IDS: &str = "2c9180857a1b4f1e017a1b5c0e3a0001\n\n2c9180857a1b4f1e017a1b5c0e3a0002\n2c9180857a1b4f1e017a1b5c0e3a0001\n";
const THREE_LINES: &str = "2c9180857a1b4f1e017a1b5c0e3a0001  machine\n\
                           2c9180857a1b4f1e017a1b5c0e3a0002  human\n\
                           2c9180857a1b4f1e017a1b5c0e3a0001  machine\n";

/// A FIFO is read once, as a stream: the ids written into it are all classified (reading it
/// twice, e.g. to count lines first, would see nothing the second time).
#[cfg(unix)]
#[test]
fn ids_are_read_from_a_fifo() {
    let dir = TempDir::new("fifo");
    let fifo = dir.0.join("ids.fifo");
    let made = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success(), "mkfifo failed");
    let writer = {
        let fifo = fifo.clone();
        // Opening a FIFO for writing blocks until the example opens it for reading.
        std::thread::spawn(move || std::fs::write(&fifo, THREE_IDS).expect("FIFO written"))
    };
    let output = run_example(&["--file", fifo.to_str().expect("utf-8 path")]);
    writer.join().expect("writer thread");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(text(&output.stdout), THREE_LINES);
    assert!(
        stderr.contains("3 accounts: 2 machine, 1 human, 0 failed"),
        "{stderr}"
    );
}

/// `--file <(command)` (process substitution: a pipe behind `/dev/fd/N`), through bash.
#[cfg(unix)]
#[test]
fn ids_are_read_from_process_substitution() {
    if Command::new("bash").arg("-c").arg("true").status().is_err() {
        eprintln!("bash is not installed: process substitution not tested");
        return;
    }
    let dir = TempDir::new("procsub");
    let ids = dir.0.join("ids.txt");
    std::fs::write(&ids, THREE_IDS).expect("ids written");
    let binary = example_binary();
    let output = Command::new("bash")
        .arg("-c")
        .arg(r#""$0" --file <(cat "$1")"#)
        .arg(&binary)
        .arg(&ids)
        .current_dir(&dir.0)
        .env_remove("SAIL_BASE_URL")
        .env_remove("SAIL_CLIENT_ID")
        .env_remove("SAIL_CLIENT_SECRET")
        .env_remove("SAIL_ACCESS_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .expect("bash runs");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    assert_eq!(text(&output.stdout), THREE_LINES);
}

#[test]
fn ids_are_read_from_stdin() {
    let output = run_with_stdin(&["--file", "-", "--json"], THREE_IDS.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let lines: Vec<serde_json::Value> = text(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[1]["id"], "2c9180857a1b4f1e017a1b5c0e3a0002");
    assert_eq!(lines[1]["isMachine"], false);
}

/// Invalid UTF-8 on line 3: the ids before it are classified (one line each), then the run
/// stops with exit 2 naming the line; the id after it is not classified.
#[test]
fn invalid_utf8_stops_the_run_naming_the_line() {
    let input =
        b"2c9180857a1b4f1e017a1b5c0e3a0001\n\n\xff\xfe bad\n2c9180857a1b4f1e017a1b5c0e3a0002\n";
    let output = run_with_stdin(&["--file", "-"], input);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(
        text(&output.stdout),
        "2c9180857a1b4f1e017a1b5c0e3a0001  machine\n"
    );
    assert!(
        stderr.contains("error: line 3 of stdin is not valid UTF-8"),
        "{stderr}"
    );
    assert_no_panic(&stderr);

    // The same from a file, whose name is given.
    let dir = TempDir::new("utf8");
    let file = dir.0.join("ids.txt");
    std::fs::write(&file, b"\xc3\n").expect("written");
    let output = run_example(&["--file", file.to_str().expect("utf-8 path")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(text(&output.stdout), "");
    assert!(
        stderr.contains(&format!("line 1 of {} is not valid UTF-8", file.display())),
        "{stderr}"
    );
}

#[test]
fn an_unreadable_input_is_exit_2() {
    let dir = TempDir::new("unreadable");
    // A directory opens but cannot be read as a file.
    let output = run_example(&["--file", dir.0.to_str().expect("utf-8 path")]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("line 1"), "{stderr}");
    let output = run_example(&["--file", "/nonexistent/ids.txt"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot open /nonexistent/ids.txt"),
        "{stderr}"
    );
}

#[test]
fn ids_together_with_a_file_are_a_usage_error() {
    let output = run_example(&["--file", "-", "2c9180857a1b4f1e017a1b5c0e3a0001"]);
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot be used with"), "{stderr}");
    assert_eq!(text(&output.stdout), "");
}

/// `| head -1`: the reader goes away after the first line; the example ends quietly (no
/// panic, no error message) instead of failing with exit 101.
#[test]
fn a_closed_stdout_ends_the_run_quietly() {
    let workdir = TempDir::new("closed-stdout");
    let ids: String = std::iter::repeat_n("2c9180857a1b4f1e017a1b5c0e3a0001\n", 2_000).collect();
    let mut child: Child = example_command(&["--file", "-", "--concurrency", "4"], &workdir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(ids.as_bytes());
    });
    let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    stdout.read_line(&mut first).expect("a first line");
    assert_eq!(first, "2c9180857a1b4f1e017a1b5c0e3a0001  machine\n");
    drop(stdout);
    let output = child.wait_with_output().expect("the example ends");
    let _ = writer.join();
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_no_panic(&stderr);
    assert!(!stderr.contains("error"), "{stderr}");
}

/// Bad credentials fail the first account and stop the run with exit 2, instead of trying
/// (and failing) every id; the secret is not shown.
#[test]
fn bad_credentials_stop_the_run_early() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let emu = runtime
        .block_on(Emulator::builder().without_rate_limit().start())
        .expect("emulator");
    let secret = "WRONG-secret-value";
    let ids: String = std::iter::repeat_n("2c9180857a1b4f1e017a1b5c0e3a0001\n", 200).collect();
    for json in [false, true] {
        let tokens_before = emu.counters().token_requests;
        let workdir = TempDir::new("bad-credentials");
        let mut args = vec!["--file", "-", "--concurrency", "4"];
        if json {
            args.push("--json");
        }
        let mut child = example_command(&args, &workdir)
            .env("SAIL_BASE_URL", emu.base_url())
            .env("SAIL_CLIENT_ID", demo::CLIENT_ID)
            .env("SAIL_CLIENT_SECRET", secret)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let mut stdin = child.stdin.take().expect("stdin");
        let input = ids.clone();
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(input.as_bytes());
        });
        let output = child.wait_with_output().expect("the example ends");
        let _ = writer.join();
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
        assert_eq!(
            stdout.lines().count(),
            1,
            "only the first account: {stdout}"
        );
        if json {
            let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("a JSON line");
            assert_eq!(line["error"]["kind"], "auth");
            assert_eq!(line["error"]["status"], 401);
        } else {
            assert!(
                stdout.contains("FAILED  authentication failed (401"),
                "{stdout}"
            );
        }
        assert!(stderr.contains("error: authentication failed"), "{stderr}");
        assert!(stderr.contains("stopped after 1 account(s)"), "{stderr}");
        assert!(!stdout.contains(secret) && !stderr.contains(secret));
        assert_no_panic(&stderr);
        let token_requests = emu.counters().token_requests - tokens_before;
        assert!(
            (1..=10).contains(&token_requests),
            "{token_requests} token requests for 200 ids"
        );
    }
    assert_eq!(emu.counters().classify_requests, 0);
}

/// A configuration error (here a tenant URL with a password) is exit 2 before any id, and the
/// password is not echoed.
#[test]
fn a_configuration_error_is_exit_2_without_echoing_secrets() {
    let workdir = TempDir::new("config-error");
    let output = example_command(&["2c9180857a1b4f1e017a1b5c0e3a0001"], &workdir)
        .env("SAIL_BASE_URL", "https://:HUNTER2@acme.api.identitynow.com")
        .env("SAIL_CLIENT_ID", "id")
        .env("SAIL_CLIENT_SECRET", "SECRET-value")
        .output()
        .expect("the example runs");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains("configuration error: base URL"), "{stderr}");
    for secret in ["HUNTER2", "SECRET-value"] {
        assert!(!stderr.contains(secret), "{stderr}");
    }
}

#[test]
fn help_documents_configuration_output_and_exit_codes_and_version_exists() {
    let output = run_example(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for needle in [
        "SAIL_BASE_URL",
        "SAIL_CLIENT_ID",
        "SAIL_CLIENT_SECRET",
        "SAIL_ACCESS_TOKEN",
        "config.json",
        "emulator",
        "Exit codes",
        "\"isMachine\"",
        "\"trackingId\"",
        "--file",
    ] {
        assert!(help.contains(needle), "{needle} not in --help:\n{help}");
    }
    let output = run_example(&["--version"]);
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        text(&output.stdout),
        format!("classify {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn a_bad_mode_is_a_usage_error() {
    let output = run_example(&["--mode", "sometimes", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(stderr.contains("forceMachine"), "{stderr}");
}
