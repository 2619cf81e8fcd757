//! The classify example's `--journal` as a user runs it: the real binary against the testkit
//! emulator on 127.0.0.1 (configured as the tenant), with the emulator's request counts per
//! account showing which ids were sent. A resumed run skips the ids done, a torn last line is
//! redone, a file that is not a journal is refused untouched, and a run killed with SIGKILL
//! and started again sends none of the ids it recorded.

mod example_support;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Stdio;
use std::time::Duration;

use example_support::*;
use sailpoint_v2025::{JournalRecord, RecordedFailure};
use sailpoint_v2025_testkit::{EmulatedAccount, Emulator, Fault};

/// `n` accounts `acct-0000`.. whose names make every fourth a machine account.
/// An emulator with `n` of [`accounts`] and no server-side rate limit.
fn emulator(n: usize) -> Running {
    start(
        Emulator::builder()
            .without_rate_limit()
            .accounts(accounts(n)),
    )
}

fn accounts(n: usize) -> Vec<EmulatedAccount> {
    (0..n)
        .map(|i| {
            let name = if i % 4 == 0 {
                format!("svc-batch-{i}")
            } else {
                format!("user.{i}")
            };
            EmulatedAccount::new(format!("acct-{i:04}"), name).with_identity(i % 4 != 0)
        })
        .collect()
}

fn ids_file(dir: &TempDir, ids: &[String]) -> String {
    let path = dir.path("ids.txt");
    let mut text = ids.join("\n");
    text.push('\n');
    std::fs::write(&path, text).expect("ids written");
    path.to_str().expect("utf-8 path").to_string()
}

/// Per id: how many final records the journal holds.
fn finals_per_id(records: &[JournalRecord]) -> BTreeMap<String, usize> {
    let mut finals = BTreeMap::new();
    for record in records.iter().filter(|r| r.is_final()) {
        *finals.entry(record.id.clone()).or_insert(0) += 1;
    }
    finals
}

#[test]
fn a_resumed_run_skips_done_ids_and_its_summary_covers_the_whole_input() {
    let emu = emulator(6);
    let dir = TempDir::new("resume");
    let ids: Vec<String> = (0..6).map(|i| format!("acct-{i:04}")).collect();
    // The input names acct-0000 twice.
    let mut input = ids.clone();
    input.push(ids[0].clone());
    let file = ids_file(&dir, &input);
    let journal = dir.path("run.jsonl");
    // An earlier run: 0 classified, 1 failed for good (404), 2 throttled (to try again).
    let earlier = [
        JournalRecord::classified(&ids[0], true),
        JournalRecord::failed(
            &ids[1],
            RecordedFailure::new("unexpected_status", Some(404), "404 Not Found"),
        ),
        JournalRecord::failed(
            &ids[2],
            RecordedFailure::new("too_many_requests", Some(429), "429 Too Many Requests"),
        ),
    ];
    let text: String = earlier
        .iter()
        .map(|r| format!("{}\n", r.to_line()))
        .collect();
    std::fs::write(&journal, &text).expect("journal written");

    let journal_arg = journal.to_str().expect("utf-8 path");
    let args = ["--file", &file, "--journal", journal_arg, "--json"];
    let output = example_command(&args, &dir, Some(&emu))
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let (stdout, stderr) = (text_of(&output.stdout), text_of(&output.stderr));
    // The 404 recorded earlier is a failure of this input: exit 1.
    assert_eq!(output.status.code(), Some(1), "{stdout}\n{stderr}");
    let counters = emu.counters();
    for (i, id) in ids.iter().enumerate() {
        let expected = if i < 2 { 0 } else { 1 };
        assert_eq!(counters.account_calls(id), expected, "{id}: {counters:?}");
    }
    // stdout: this run's ids only, in input order, in the journal's format.
    let printed: Vec<JournalRecord> = stdout
        .lines()
        .map(|l| JournalRecord::parse_line(l).expect("a JSON line"))
        .collect();
    let printed_ids: Vec<&str> = printed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        printed_ids,
        ["acct-0002", "acct-0003", "acct-0004", "acct-0005"]
    );
    assert!(
        stderr.contains("6 accounts: 2 machine, 3 human, 1 failed (unexpected_status: 1) (2 done in earlier runs, from the journal)"),
        "{stderr}"
    );
    assert!(stderr.contains("Resuming from the journal"), "{stderr}");
    // The journal kept the earlier lines as they were and gained one line per id sent.
    let after = std::fs::read_to_string(&journal).expect("journal");
    assert!(after.starts_with(&text), "{after}");
    let records = journal_records(&journal);
    assert_eq!(records.len(), 3 + 4);
    let finals = finals_per_id(&records);
    assert_eq!(finals.len(), 6, "{finals:?}");
    assert!(finals.values().all(|&n| n == 1), "{finals:?}");

    // Again: nothing left to send, the same summary, no output lines.
    let before = emu.counters().classify_requests;
    let output = example_command(&args, &dir, Some(&emu))
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let stderr = text_of(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(emu.counters().classify_requests, before);
    assert_eq!(text_of(&output.stdout), "");
    assert!(
        stderr.contains("6 accounts: 2 machine, 3 human, 1 failed"),
        "{stderr}"
    );
    assert_eq!(journal_records(&journal).len(), 7);
}

#[test]
fn a_torn_last_line_is_done_again_and_does_not_spoil_later_lines() {
    let emu = emulator(2);
    let dir = TempDir::new("torn");
    let file = ids_file(&dir, &["acct-0000".into(), "acct-0001".into()]);
    let journal = dir.path("run.jsonl");
    let first = JournalRecord::classified("acct-0000", true).to_line();
    let torn = &JournalRecord::classified("acct-0001", false).to_line()[..17];
    std::fs::write(&journal, format!("{first}\n{torn}")).expect("journal written");

    let output = example_command(
        &[
            "--file",
            &file,
            "--journal",
            journal.to_str().expect("utf-8"),
        ],
        &dir,
        Some(&emu),
    )
    .stdin(Stdio::null())
    .output()
    .expect("the example runs");
    let stderr = text_of(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("unfinished last line (17 bytes"),
        "{stderr}"
    );
    assert_eq!(emu.counters().account_calls("acct-0000"), 0);
    assert_eq!(emu.counters().account_calls("acct-0001"), 1);
    assert_eq!(text_of(&output.stdout), "acct-0001  human\n");
    assert_eq!(
        std::fs::read_to_string(&journal).expect("journal"),
        format!(
            "{first}\n{}\n",
            JournalRecord::classified("acct-0001", false).to_line()
        )
    );
    assert!(
        stderr.contains("2 accounts: 1 machine, 1 human, 0 failed"),
        "{stderr}"
    );
}

#[test]
fn a_file_that_is_not_a_journal_is_refused_and_left_untouched() {
    let emu = emulator(1);
    let dir = TempDir::new("foreign");
    let cases: [(&str, &[u8]); 4] = [
        ("ids.csv", b"id,name\nacct-0000,svc\n"),
        (
            "config.json",
            b"{\"BaseURL\":\"https://acme.api.identitynow.com\"}",
        ),
        ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00"),
        (
            "other.jsonl",
            b"{\"id\":\"acct-0000\",\"isMachine\":true}\n{\"id\":\"x\",\"name\":\"y\"}\n",
        ),
    ];
    for (name, content) in cases {
        let path = dir.path(name);
        std::fs::write(&path, content).expect("written");
        let output = example_command(
            &["acct-0000", "--journal", path.to_str().expect("utf-8")],
            &dir,
            Some(&emu),
        )
        .output()
        .expect("the example runs");
        let (stdout, stderr) = (text_of(&output.stdout), text_of(&output.stderr));
        assert_eq!(output.status.code(), Some(2), "{name}: {stdout}\n{stderr}");
        assert!(
            stderr.contains("is not a classification journal") && stderr.contains("left unchanged"),
            "{name}: {stderr}"
        );
        assert_eq!(stdout, "");
        assert_no_panic(&stderr);
        assert_eq!(
            std::fs::read(&path).expect("still there"),
            content,
            "{name}"
        );
    }
    assert_eq!(emu.counters().classify_requests, 0, "nothing was sent");
}

/// Two runs on one journal (an overlapping cron job): the second is refused before it sends
/// anything or touches the file, naming the journal; once the first has ended it runs.
#[test]
fn a_journal_in_use_by_another_run_is_refused() {
    let emu = emulator(1);
    let dir = TempDir::new("in-use");
    let path = dir.path("run.jsonl");
    let path_arg = path.to_str().expect("utf-8").to_string();
    let first_run = sailpoint_v2025::Journal::open(&path).expect("the first run opens it");
    let output = example_command(&["acct-0000", "--journal", &path_arg], &dir, Some(&emu))
        .output()
        .expect("the example runs");
    let (stdout, stderr) = (text_of(&output.stdout), text_of(&output.stderr));
    assert_eq!(output.status.code(), Some(2), "{stdout}\n{stderr}");
    assert!(
        stderr.contains(&format!("journal {path_arg} is in use by another run")),
        "{stderr}"
    );
    assert_eq!(stdout, "");
    assert_no_panic(&stderr);
    assert_eq!(emu.counters().classify_requests, 0, "nothing was sent");
    assert_eq!(std::fs::read(&path).expect("still there"), b"");

    first_run.close().expect("closed");
    let output = example_command(&["acct-0000", "--journal", &path_arg], &dir, Some(&emu))
        .output()
        .expect("the example runs");
    assert_eq!(output.status.code(), Some(0), "{}", text_of(&output.stderr));
    assert_eq!(journal_records(&path).len(), 1);
}

/// The test: a run killed with SIGKILL mid-run and started again with the same
/// command sends none of the ids recorded before the kill, and ends with exactly one final
/// record per id. The calls are slowed by the emulator (a delay per request) so that the run
/// is still going when the journal shows its first lines, whatever the machine's speed.
#[test]
fn a_run_killed_with_sigkill_resumes_without_sending_recorded_ids_again() {
    const N: usize = 60;
    let emu = emulator(N);
    emu.inject(Fault::Delay(Duration::from_millis(100)))
        .times(1_000_000);
    let dir = TempDir::new("sigkill");
    let ids: Vec<String> = (0..N).map(|i| format!("acct-{i:04}")).collect();
    let file = ids_file(&dir, &ids);
    let journal = dir.path("run.jsonl");
    let journal_arg = journal.to_str().expect("utf-8").to_string();
    let args = [
        "--file",
        file.as_str(),
        "--journal",
        journal_arg.as_str(),
        "--concurrency",
        "2",
    ];

    let mut child = example_command(&args, &dir, Some(&emu))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the example starts");
    wait_for("5 journal lines", || journal_records(&journal).len() >= 5);
    child.kill().expect("SIGKILL");
    let status = child.wait().expect("the example ends");
    assert!(!status.success(), "killed: {status:?}");

    let recorded: BTreeSet<String> = journal_records(&journal)
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert!(
        recorded.len() < N,
        "the run was killed before it finished ({} of {N} recorded)",
        recorded.len()
    );
    let before = emu.counters();
    for id in &recorded {
        assert_eq!(before.account_calls(id), 1, "{id}");
    }

    let output = example_command(&args, &dir, Some(&emu))
        .stdin(Stdio::null())
        .output()
        .expect("the example runs again");
    let (stdout, stderr) = (text_of(&output.stdout), text_of(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let after = emu.counters();
    for id in &recorded {
        assert_eq!(
            after.account_calls(id),
            1,
            "{id} was recorded before the kill and sent again"
        );
    }
    for id in &ids {
        assert!(after.account_calls(id) >= 1, "{id} was never sent");
    }
    // This run printed the ids the first one had not recorded.
    assert_eq!(stdout.lines().count(), N - recorded.len(), "{stdout}");
    let finals = finals_per_id(&journal_records(&journal));
    assert_eq!(finals.len(), N);
    assert!(finals.values().all(|&n| n == 1), "{finals:?}");
    assert!(
        stderr.contains(&format!(
            "{N} accounts: 15 machine, 45 human, 0 failed ({} done in earlier runs",
            recorded.len()
        )),
        "{stderr}"
    );
}

fn text_of(bytes: &[u8]) -> String {
    text(bytes)
}

/// The journal's lines are the `--json` lines: what `classify --json > file` printed resumes
/// like a journal (nothing is sent again), and a journal's lines are what stdout showed.
#[test]
fn json_output_and_journal_lines_are_one_format() {
    let emu = emulator(3);
    let dir = TempDir::new("format");
    let ids: Vec<String> = (0..3).map(|i| format!("acct-{i:04}")).collect();
    let file = ids_file(&dir, &ids);
    let output = example_command(&["--file", &file, "--json"], &dir, Some(&emu))
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    assert_eq!(output.status.code(), Some(0));
    let saved = dir.path("saved.jsonl");
    std::fs::write(&saved, &output.stdout).expect("saved");
    let sent = emu.counters().classify_requests;

    let output = example_command(
        &["--file", &file, "--journal", saved.to_str().expect("utf-8")],
        &dir,
        Some(&emu),
    )
    .stdin(Stdio::null())
    .output()
    .expect("the example runs");
    let stderr = text_of(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(emu.counters().classify_requests, sent, "nothing sent again");
    assert!(
        stderr.contains("3 accounts: 1 machine, 2 human, 0 failed (3 done in earlier runs"),
        "{stderr}"
    );

    let journal = dir.path("new.jsonl");
    let output = example_command(
        &[
            "--file",
            &file,
            "--journal",
            journal.to_str().expect("utf-8"),
            "--json",
        ],
        &dir,
        Some(&emu),
    )
    .stdin(Stdio::null())
    .output()
    .expect("the example runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        std::fs::read(&journal).expect("journal"),
        output.stdout,
        "the journal holds exactly the lines stdout showed"
    );
}

/// A failure of the run, not of the account (here: rejected credentials), is journaled but not
/// final: the run started again with the right credentials classifies that id.
#[test]
fn a_credentials_failure_is_journaled_but_tried_again() {
    let emu = emulator(2);
    let dir = TempDir::new("auth");
    let file = ids_file(&dir, &["acct-0000".into(), "acct-0001".into()]);
    let journal = dir.path("run.jsonl");
    let args = [
        "--file",
        file.as_str(),
        "--journal",
        journal.to_str().expect("utf-8"),
    ];
    let output = example_command(&args, &dir, Some(&emu))
        .env("SAIL_CLIENT_SECRET", "WRONG-secret")
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let stderr = text_of(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let records = journal_records(&journal);
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0].failure().map(|f| f.kind.as_str()), Some("auth"));
    assert!(!records[0].is_final());
    assert!(!stderr.contains("WRONG-secret"));

    let output = example_command(&args, &dir, Some(&emu))
        .stdin(Stdio::null())
        .output()
        .expect("the example runs");
    let stderr = text_of(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    assert_eq!(emu.counters().account_calls("acct-0000"), 1);
    assert_eq!(emu.counters().account_calls("acct-0001"), 1);
    let finals = finals_per_id(&journal_records(&journal));
    assert_eq!(finals.len(), 2);
    assert!(
        stderr.contains("2 accounts: 1 machine, 1 human, 0 failed"),
        "{stderr}"
    );
}
