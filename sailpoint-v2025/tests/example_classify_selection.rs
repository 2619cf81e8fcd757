//! The classify example's selection modes against its bundled emulator, run as a user on a
//! fresh machine would: `--filter` classifies exactly the accounts the filter selects through
//! listAccounts (the total announced first), a filter the server rejects stops the run with
//! exit 2 naming it, and `--declassify-source` undoes a source's classification.

mod example_support;

use example_support::run_bundled as run_example;

/// The emulator's demo source `Active Directory` and its accounts.
const AD_SOURCE_ID: &str = "2c9180835d2e5168015d32f890ca0001";
const SVC_BACKUP: &str = "2c9180857a1b4f1e017a1b5c0e3a0001";
const JOHN_DOE: &str = "2c9180857a1b4f1e017a1b5c0e3a0002";
const WEBSRV01: &str = "2c9180857a1b4f1e017a1b5c0e3a0006";

#[test]
fn filter_classifies_the_selected_source() {
    let filter = format!(r#"sourceId eq "{AD_SOURCE_ID}""#);
    let (output, stdout, stderr) = run_example("source", &["--filter", &filter]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("{SVC_BACKUP}  machine\n{JOHN_DOE}  human\n{WEBSRV01}  machine\n")
    );
    assert!(stderr.contains("Selected by --filter"), "{stderr}");
    assert!(
        stderr.contains(": 3 accounts"),
        "the total is announced: {stderr}"
    );
    assert!(
        stderr.contains("3 accounts: 2 machine, 1 human, 0 failed"),
        "{stderr}"
    );
}

#[test]
fn filter_with_and_and_sw_selects_fewer() {
    let filter = format!(r#"sourceId eq "{AD_SOURCE_ID}" and name sw "svc-""#);
    let (output, stdout, stderr) = run_example("and", &["--filter", &filter, "--json"]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("{{\"id\":\"{SVC_BACKUP}\",\"isMachine\":true}}\n")
    );
}

#[test]
fn a_rejected_filter_stops_the_run_naming_it() {
    let (output, stdout, stderr) = run_example("bad", &["--filter", r#"sourceId zz "x""#]);
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert_eq!(stdout, "");
    assert!(stderr.contains(r#"sourceId zz \"x\""#), "{stderr}");
    assert!(stderr.contains("400"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn filter_and_ids_are_a_usage_error() {
    let (output, _, stderr) = run_example("usage", &["--filter", "id eq \"a\"", SVC_BACKUP]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
}

#[test]
fn declassify_source_says_what_was_done() {
    let (output, stdout, stderr) =
        run_example("declassify", &["--declassify-source", AD_SOURCE_ID]);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    assert_eq!(
        stdout,
        format!("source {AD_SOURCE_ID}: machine classification removed from its accounts\n")
    );
    let (output, _, stderr) = run_example("declassify-404", &["--declassify-source", "nope"]);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("404"), "{stderr}");
}
