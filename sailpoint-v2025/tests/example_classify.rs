//! The README's main job: `cargo run --example classify` against the bundled emulator, with
//! its output compared to golden files. Set `UPDATE_GOLDEN=1` to rewrite them after an
//! intended change (the only case in which this test writes files).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

/// Runs the example as a user on a fresh machine would: no SAIL_* variables, no config.json.
fn run_example(args: &[&str]) -> Output {
    let workdir = std::env::temp_dir().join(format!("classify-example-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).expect("temp workdir");
    let output = Command::new(example_binary())
        .args(args)
        .current_dir(&workdir)
        .env_remove("SAIL_BASE_URL")
        .env_remove("SAIL_CLIENT_ID")
        .env_remove("SAIL_CLIENT_SECRET")
        .env_remove("SAIL_ACCESS_TOKEN")
        .env_remove("RUST_LOG")
        .output()
        .expect("the example runs");
    let _ = std::fs::remove_dir_all(&workdir);
    output
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
    assert_eq!(lines[1]["error"]["kind"], "unexpected_status");
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
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    assert!(output.status.success(), "{stdout}");
    assert_eq!(
        stdout,
        "2c9180857a1b4f1e017a1b5c0e3a0001  machine\n\
         2c9180857a1b4f1e017a1b5c0e3a0002  human\n\
         2c9180857a1b4f1e017a1b5c0e3a0001  machine\n\
         3 accounts: 2 machine, 1 human, 0 failed\n"
    );
}

#[test]
fn a_bad_mode_is_a_usage_error() {
    let output = run_example(&["--mode", "sometimes", "x"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    assert!(stderr.contains("forceMachine"), "{stderr}");
}
