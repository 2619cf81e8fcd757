//! The classify example's flags and input as a new user meets them: every flag applies in the
//! mode chosen or is a usage error (exit 2, nothing sent, no file created); `--json` applies to
//! every mode; a UTF-8 byte order mark is not part of the first id; a first line that looks
//! like CSV stops the run with a hint.

mod example_support;

use std::io::Write;
use std::process::{Output, Stdio};

use example_support::*;
use sailpoint_v2025_testkit::Emulator;

const AD_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0001";
const MACHINE_ID: &str = "2c9180857a1b4f1e017a1b5c0e3a0001";

fn run(args: &[&str], dir: &TempDir, emu: Option<&Emulator>, input: &[u8]) -> Output {
    let mut child = example_command(args, dir, emu)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("the example runs");
    let _ = writer.join();
    output
}

#[test]
fn a_flag_without_meaning_in_the_mode_chosen_is_a_usage_error() {
    let emu = start(Emulator::builder().without_rate_limit());
    let dir = TempDir::new("flags");
    let s = AD_SOURCE_ID;
    let cases: &[&[&str]] = &[
        &["--source", s, MACHINE_ID],
        &["--source", s, "--file", "-"],
        &["--source", s, "--mode", "forceMachine"],
        &["--source", s, "--concurrency", "4"],
        &["--source", s, "--journal", "j.jsonl"],
        &["--source", s, "--grace", "1"],
        &["--source", s, "--show-config", s],
        &["--show-config", s, MACHINE_ID],
        &["--show-config", s, "--mode", "forceHuman"],
        &["--show-config", s, "--concurrency", "4"],
        &["--show-config", s, "--journal", "j.jsonl"],
        &["--show-config", s, "--progress-every", "1"],
        &["--show-config", s, "--detach"],
        &["--detach", MACHINE_ID],
        &["--detach", "--file", "-"],
        &[MACHINE_ID, "--file", "-"],
    ];
    for args in cases {
        let output = run(args, &dir, Some(&emu), b"");
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {stdout}\n{stderr}"
        );
        assert!(
            stderr.contains("cannot be used with") || stderr.contains("--detach only applies"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("Usage:"), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}");
    }
    let counters = emu.counters();
    assert_eq!(counters.classify_requests + counters.source_requests, 0);
    assert!(!dir.path("j.jsonl").exists(), "no journal is created");
}

#[test]
fn json_applies_to_source_and_show_config_too() {
    let dir = TempDir::new("json");
    let output = run(&["--source", AD_SOURCE_ID, "--json"], &dir, None, b"");
    let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let line: serde_json::Value = serde_json::from_str(stdout.trim()).expect("one JSON line");
    assert_eq!(
        line,
        serde_json::json!({
            "sourceId": AD_SOURCE_ID, "status": "COMPLETED",
            "expected": 3, "received": 3, "classified": 3
        })
    );
    let output = run(&["--show-config", AD_SOURCE_ID, "--json"], &dir, None, b"");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(text(&output.stdout), "null\n");
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_id() {
    let emu = start(Emulator::builder().without_rate_limit());
    let dir = TempDir::new("bom");
    let input = format!("\u{feff}{MACHINE_ID}\n2c9180857a1b4f1e017a1b5c0e3a0002\n");
    let output = run(&["--file", "-"], &dir, Some(&emu), input.as_bytes());
    let stderr = text(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(
        text(&output.stdout),
        format!("{MACHINE_ID}  machine\n2c9180857a1b4f1e017a1b5c0e3a0002  human\n")
    );
    let counters = emu.counters();
    assert_eq!(counters.account_calls(MACHINE_ID), 1);
    assert_eq!(counters.classify_requests, 2);

    // From a file too (where Windows editors put it).
    let file = dir.path("ids.txt");
    std::fs::write(&file, input.as_bytes()).expect("written");
    let output = run(
        &["--file", file.to_str().expect("utf-8"), "--json"],
        &dir,
        Some(&emu),
        b"",
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(
        text(&output.stdout)
            .starts_with(&format!("{{\"id\":\"{MACHINE_ID}\",\"isMachine\":true}}")),
        "{}",
        text(&output.stdout)
    );
}

#[test]
fn a_first_line_that_looks_like_csv_is_refused_with_a_hint() {
    let emu = start(Emulator::builder().without_rate_limit());
    let dir = TempDir::new("csv");
    let cases: [(&[u8], &str); 5] = [
        (
            b"id,name\n2c91,svc\n",
            "looks like CSV (`id,name` has a comma)",
        ),
        (
            b"\xef\xbb\xbfid;name\n",
            "looks like CSV (`id;name` has a semicolon)",
        ),
        (b"2c9180857a1b4f1e017a1b5c0e3a0001\tsvc\n", "has a tab"),
        (
            b"\nAccountId\n2c9180857a1b4f1e017a1b5c0e3a0001\n",
            "looks like a CSV header (`AccountId`)",
        ),
        (
            b"id\n2c9180857a1b4f1e017a1b5c0e3a0001\n",
            "looks like a CSV header (`id`)",
        ),
    ];
    for (input, needle) in cases {
        let output = run(&["--file", "-"], &dir, Some(&emu), input);
        let (stdout, stderr) = (text(&output.stdout), text(&output.stderr));
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{needle}: {stderr}");
        assert!(stderr.contains("one account id per line"), "{stderr}");
        assert!(stderr.contains("tail -n +2"), "{stderr}");
        assert_eq!(stdout, "");
    }
    assert_eq!(emu.counters().classify_requests, 0);
}

#[test]
fn help_documents_journal_signals_and_their_exit_codes() {
    let dir = TempDir::new("help");
    let output = run(&["--help"], &dir, None, b"");
    assert_eq!(output.status.code(), Some(0));
    let help = text(&output.stdout);
    for needle in [
        "--journal <PATH>",
        "--grace <SECONDS>",
        "--detach",
        "Durable runs",
        "SIGKILL",
        "SIGINT",
        "SIGTERM",
        "130",
        "143",
        "byte order mark",
        "CSV",
        "usage error",
    ] {
        assert!(help.contains(needle), "{needle} not in --help:\n{help}");
    }
}
