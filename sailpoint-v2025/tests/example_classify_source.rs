//! The classify example's source mode (`--source`, `--show-config`) against its bundled
//! emulator, run as a user on a fresh machine would.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example binary cargo built next to this test's binary.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let profile_dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>");
    profile_dir.join("examples").join("classify")
}

fn run_example(args: &[&str]) -> (Output, String, String) {
    let workdir = std::env::temp_dir().join(format!(
        "classify-source-example-{}-{}",
        std::process::id(),
        args.join("-").replace(['/', ' '], "_")
    ));
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
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output, stdout, stderr)
}

/// The demo source `Active Directory` of the emulator.
const AD_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0001";

#[test]
fn source_mode_classifies_the_whole_source_and_prints_the_final_counts() {
    let (output, stdout, stderr) = run_example(&["--source", AD_SOURCE_ID]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("source {AD_SOURCE_ID}: COMPLETED: 3 expected, 3 received, 3 classified\n")
    );
}

#[test]
fn an_unknown_source_fails_with_its_404() {
    let (output, stdout, stderr) = run_example(&["--source", "no-such-source"]);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains("no-such-source") && stderr.contains("404"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn show_config_prints_the_config_or_says_there_is_none() {
    let (output, stdout, stderr) = run_example(&["--show-config", AD_SOURCE_ID]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("source {AD_SOURCE_ID}: no machine classification config\n")
    );
}
