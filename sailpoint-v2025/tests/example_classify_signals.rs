//! The classify example stopped by SIGINT / SIGTERM, as a user (or a service manager) stops
//! it: the real binary against the testkit emulator on 127.0.0.1. No new id is sent after the
//! signal, the calls in flight finish within the grace period (or are dropped after it),
//! stdout and the journal hold one line per finished call, the partial summary is on stderr,
//! and the exit code is 130 / 143. With `--source` the job is cancelled on the server
//! (`DELETE`) unless `--detach`.
//!
//! Runs are made long by the emulator (a delay per request, a slow source job), and the tests
//! wait for what the run shows (journal lines, the job on the server) before signalling.
#![cfg(unix)]

mod example_support;

use std::process::{Child, Output, Stdio};
use std::time::Duration;

use example_support::*;
use sailpoint_v2025_testkit::{ClassificationPace, EmulatedAccount, Emulator, Fault, Source, demo};

fn accounts(n: usize) -> Vec<EmulatedAccount> {
    (0..n)
        .map(|i| {
            EmulatedAccount::new(format!("acct-{i:04}"), format!("user.{i}")).with_identity(true)
        })
        .collect()
}

fn ids_file(dir: &TempDir, n: usize) -> String {
    let path = dir.path("ids.txt");
    let ids: String = (0..n).map(|i| format!("acct-{i:04}\n")).collect();
    std::fs::write(&path, ids).expect("ids written");
    path.to_str().expect("utf-8 path").to_string()
}

fn spawn(args: &[&str], dir: &TempDir, emu: &Emulator) -> Child {
    example_command(args, dir, Some(emu))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts")
}

/// A journaled run of 200 slow ids, signalled once its journal has 3 lines.
fn signalled_run(signal: &str) -> (Output, Vec<sailpoint_v2025::JournalRecord>, u64) {
    const N: usize = 200;
    let emu = start(
        Emulator::builder()
            .without_rate_limit()
            .accounts(accounts(N)),
    );
    emu.inject(Fault::Delay(Duration::from_millis(200)))
        .times(1_000_000);
    let dir = TempDir::new(signal);
    let file = ids_file(&dir, N);
    let journal = dir.path("run.jsonl");
    let child = spawn(
        &[
            "--file",
            &file,
            "--journal",
            journal.to_str().expect("utf-8"),
            "--concurrency",
            "2",
            "--grace",
            "120",
        ],
        &dir,
        &emu,
    );
    wait_for("3 journal lines", || journal_records(&journal).len() >= 3);
    send_signal(child.id(), signal);
    let output = child.wait_with_output().expect("the example ends");
    let records = journal_records(&journal);
    let sent = emu.counters().classify_requests;
    // Nothing is sent after the run ended.
    assert_eq!(emu.counters().classify_requests, sent);
    assert!(
        (records.len() as u64) < N as u64,
        "stopped before the end: {} lines",
        records.len()
    );
    (output, records, sent)
}

#[track_caller]
fn assert_stopped_gracefully(
    signal: &str,
    code: i32,
    (output, records, sent): (Output, Vec<sailpoint_v2025::JournalRecord>, u64),
) {
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(code), "{stdout}\n{stderr}");
    assert_no_panic(&stderr);
    // Every call sent finished within the grace period: one journal line and one stdout line
    // each, in the same order, and nothing else was sent.
    assert_eq!(records.len() as u64, sent, "{stderr}");
    let printed: Vec<&str> = stdout
        .lines()
        .map(|l| l.split_whitespace().next().expect("an id"))
        .collect();
    let journaled: Vec<&str> = records.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(printed, journaled);
    assert!(
        stderr.contains(&format!("SIG{signal} received: no new ids")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{} accounts: 0 machine, {} human, 0 failed",
            records.len(),
            records.len()
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("interrupted by SIG{signal}"))
            && stderr.contains("run the same command again to continue"),
        "{stderr}"
    );
}

#[test]
fn sigint_stops_taking_ids_lets_calls_in_flight_finish_and_exits_130() {
    assert_stopped_gracefully("INT", 130, signalled_run("INT"));
}

#[test]
fn sigterm_does_the_same_and_exits_143() {
    assert_stopped_gracefully("TERM", 143, signalled_run("TERM"));
}

/// Calls that outlive the grace period are dropped: the run ends after it without their
/// results (nothing is journaled for them, so a rerun does them).
#[test]
fn calls_in_flight_past_the_grace_period_are_dropped() {
    let emu = start(
        Emulator::builder()
            .without_rate_limit()
            .accounts(accounts(10)),
    );
    emu.inject(Fault::Delay(Duration::from_secs(3600)))
        .times(1_000_000);
    let dir = TempDir::new("grace");
    let file = ids_file(&dir, 10);
    let journal = dir.path("run.jsonl");
    let child = spawn(
        &[
            "--file",
            &file,
            "--journal",
            journal.to_str().expect("utf-8"),
            "--concurrency",
            "2",
            "--grace",
            "1",
        ],
        &dir,
        &emu,
    );
    wait_for("2 calls in flight", || {
        emu.counters().classify_requests >= 2
    });
    send_signal(child.id(), "TERM");
    let output = child.wait_with_output().expect("the example ends");
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(143), "{stderr}");
    assert_eq!(text(&output.stdout), "");
    assert_eq!(std::fs::read(&journal).expect("journal"), b"");
    assert_eq!(
        emu.counters().classify_requests,
        2,
        "no new id after the signal"
    );
    assert!(
        stderr.contains("0 accounts: 0 machine, 0 human, 0 failed"),
        "{stderr}"
    );
    assert!(stderr.contains("interrupted by SIGTERM"), "{stderr}");
}

const BIG_SOURCE: &str = "2c9180835d2e5168015d32f890cab160";

/// An emulator with a 2,000-account source whose job runs for minutes.
fn slow_source() -> Running {
    start(
        Emulator::builder()
            .without_rate_limit()
            .source(Source::new(BIG_SOURCE, "Big LDAP"))
            .accounts(demo::source_accounts("Big LDAP", 2_000))
            .classification_pace(ClassificationPace::uniform(10)),
    )
}

fn source_run(signal: &str, detach: bool) -> (Running, Output) {
    let emu = slow_source();
    let dir = TempDir::new("source");
    let mut args = vec!["--source", BIG_SOURCE];
    if detach {
        args.push("--detach");
    }
    let child = spawn(&args, &dir, &emu);
    // The job exists on the server and the tool has asked for its status at least once.
    wait_for("the job's first status request", || {
        emu.counters()
            .operation_calls("getClassifyMachineAccountFromSourceStatus")
            >= 1
    });
    send_signal(child.id(), signal);
    let output = child.wait_with_output().expect("the example ends");
    (emu, output)
}

fn job_status(emu: &Emulator) -> String {
    emu.source_classification_status(BIG_SOURCE)
        .and_then(|s| s["status"].as_str().map(str::to_string))
        .unwrap_or_default()
}

#[test]
fn a_signal_cancels_the_source_job_on_the_server() {
    let (emu, output) = source_run("INT", false);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(130), "{stdout}\n{stderr}");
    assert_eq!(
        emu.counters()
            .operation_calls("deleteClassifyMachineAccountFromSource"),
        1
    );
    assert_eq!(job_status(&emu), "CANCELLED");
    assert!(
        stderr.contains("job cancelled on the server (DELETE sent)"),
        "{stderr}"
    );
    // The partial result is on stderr; stdout holds only final results.
    assert!(
        stderr.contains(&format!("source {BIG_SOURCE}: CANCELLED")),
        "{stderr}"
    );
    assert_eq!(stdout, "");
    assert_no_panic(&stderr);
}

#[test]
fn with_detach_a_signal_leaves_the_source_job_running() {
    let (emu, output) = source_run("TERM", true);
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(143), "{stdout}\n{stderr}");
    assert_eq!(
        emu.counters()
            .operation_calls("deleteClassifyMachineAccountFromSource"),
        0
    );
    let status = job_status(&emu);
    assert!(
        status == "STARTED" || status == "COLLECTED",
        "still running: {status}"
    );
    assert!(
        stderr.contains("the job goes on on the server (--detach)"),
        "{stderr}"
    );
    assert_eq!(stdout, "");
}

/// A second signal skips what is left of the grace period: the run ends long before the
/// 10-minute grace of calls that would take an hour.
#[test]
fn a_second_signal_stops_at_once() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;

    let emu = start(
        Emulator::builder()
            .without_rate_limit()
            .accounts(accounts(10)),
    );
    emu.inject(Fault::Delay(Duration::from_secs(3600)))
        .times(1_000_000);
    let dir = TempDir::new("second");
    let file = ids_file(&dir, 10);
    let mut child = spawn(
        &["--file", &file, "--concurrency", "2", "--grace", "600"],
        &dir,
        &emu,
    );
    let stderr = child.stderr.take().expect("stderr");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });
    wait_for("2 calls in flight", || {
        emu.counters().classify_requests >= 2
    });
    send_signal(child.id(), "INT");
    // The first signal was seen (signals arriving together may count as one).
    let seen = received
        .iter()
        .find(|line| line.starts_with("SIGINT received: no new ids"));
    assert!(seen.is_some(), "the first signal was announced");
    send_signal(child.id(), "INT");
    let mut status = None;
    wait_for("the run to end after the second signal", || {
        status = child.try_wait().expect("try_wait");
        status.is_some()
    });
    assert_eq!(status.and_then(|s| s.code()), Some(130));
    let rest: Vec<String> = received.iter().collect();
    assert!(
        rest.iter().any(|l| l.contains("interrupted by SIGINT")),
        "{rest:?}"
    );
    assert_eq!(emu.counters().classify_requests, 2);
}
