//! The classify example's source mode (`--source`, `--show-config`) against its bundled
//! emulator, run as a user on a fresh machine would.

mod example_support;

/// The example with `args`, no tenant configured (a temp dir named after the arguments).
fn run_example(args: &[&str]) -> (std::process::Output, String, String) {
    example_support::run_bundled(&args.join("-").replace(['/', ' '], "_"), args)
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
