//! The classify example's source mode: `--source ID` classifies every account of a source on the
//! server (`Client::classify_source`), with progress from the job's status counts, and prints
//! the final counts; a signal cancels the job on the server (`DELETE`) unless `--detach`.
//! `--show-config ID` prints a source's machine classification config.
//! (A module of `examples/classify.rs`; Cargo does not build files in subfolders of `examples/`
//! as examples of their own.)

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::future::Either;
use indicatif::{ProgressBar, ProgressStyle};
use sailpoint_v2025::{Client, GracefulStop, SourceClassificationStatus};

/// Time between two status requests in the example (well inside ISC's rate limit).
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// How long the `DELETE` of a cancel, and the status request after it, may take.
const CANCEL_TIMEOUT: Duration = Duration::from_secs(10);

/// How a source run ends.
pub enum SourceEnd {
    /// The job ended `COMPLETED`.
    Completed,
    /// A signal stopped following the job (which was cancelled, or left running).
    Interrupted,
}

/// How to follow the job.
pub struct SourceRun<'a> {
    pub client: &'a Client,
    pub source_id: &'a str,
    /// The final line is the run's result on stdout (`--source`), or a note on stderr after the
    /// per-account lines of the demo (stdout then keeps exactly one line per account).
    pub result_to_stdout: bool,
    /// The final line as a JSON object (`--json`).
    pub json: bool,
    /// Plain progress lines on stderr at this interval when it is not a terminal.
    pub progress_every: Option<Duration>,
    /// Stopped by a signal.
    pub stop: GracefulStop,
    /// Which signal.
    pub received: crate::signals::Received,
    /// A signal leaves the job running on the server.
    pub detach: bool,
}

/// Classifies the source, showing progress on stderr, and prints the final status line. `Err`
/// when the job could not be started or followed, or did not complete.
pub async fn classify_source(run: SourceRun<'_>) -> Result<SourceEnd, String> {
    let source_id = run.source_id;
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} classified  {msg}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut last_plain = Instant::now();
    let mut job = run
        .client
        .classify_source(source_id)
        .poll_interval(POLL_INTERVAL);
    let cancel = job.cancel_handle();
    let mut last: Option<SourceClassificationStatus> = None;
    let mut interrupted = false;
    loop {
        let next = job.next();
        let stopped = run.stop.stopped();
        futures::pin_mut!(stopped);
        let snapshot = match futures::future::select(next, stopped).await {
            Either::Left((Some(snapshot), _)) => snapshot,
            Either::Left((None, _)) => break,
            Either::Right(_) => {
                interrupted = true;
                break;
            }
        };
        let snapshot = match snapshot {
            Ok(snapshot) => snapshot,
            Err(err) => {
                if let Some(bar) = &bar {
                    bar.abandon();
                }
                return Err(format!("source {source_id}: {err}"));
            }
        };
        if let (Some(bar), Some(counts)) = (&bar, &snapshot.counts) {
            bar.set_length(counts.expected);
            bar.set_position(counts.completed);
            bar.set_message(format!(
                "{} ({} received)",
                snapshot.status.as_deref().unwrap_or("?"),
                counts.received
            ));
        } else if let Some(every) = run.progress_every
            && bar.is_none()
            && last_plain.elapsed() >= every
        {
            last_plain = Instant::now();
            note!("progress: {}", status_line(source_id, &snapshot));
        }
        last = Some(snapshot);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    if interrupted {
        let signal = run
            .received
            .signal()
            .map_or("a signal", crate::signals::name);
        if run.detach {
            note!("{signal} received: leaving the job running on the server");
            note!(
                "source {source_id}: the job goes on on the server (--detach); its status: \
                 GET /v2025/sources/{source_id}/classify"
            );
        } else {
            note!("{signal} received: cancelling the job on the server");
            match tokio::time::timeout(CANCEL_TIMEOUT, cancel.cancel()).await {
                Ok(Ok(())) => {
                    note!("source {source_id}: job cancelled on the server (DELETE sent)");
                    // The snapshot after the cancel, if the job had started (a stream that has
                    // not answered yet is not polled again: that could start a new job).
                    if last.is_some()
                        && let Ok(Some(Ok(snapshot))) =
                            tokio::time::timeout(CANCEL_TIMEOUT, job.next()).await
                    {
                        last = Some(snapshot);
                    }
                }
                Ok(Err(err)) => note!("source {source_id}: cannot cancel the job: {err}"),
                Err(_) => note!(
                    "source {source_id}: the cancel (DELETE) did not answer within {}s",
                    CANCEL_TIMEOUT.as_secs()
                ),
            }
        }
        // The partial result goes to stderr: stdout only ever holds a final result.
        match &last {
            Some(snapshot) => note!("{}", status_line(source_id, snapshot)),
            None => note!("source {source_id}: interrupted before the job's first status"),
        }
        return Ok(SourceEnd::Interrupted);
    }

    let last = last.ok_or_else(|| format!("source {source_id}: no status received"))?;
    let line = if run.json {
        json_line(source_id, &last)
    } else {
        status_line(source_id, &last)
    };
    print_line(&line, run.result_to_stdout);
    let status = last.status.as_deref().unwrap_or("(no status)");
    if status == "COMPLETED" {
        Ok(SourceEnd::Completed)
    } else {
        Err(format!("source {source_id}: the job ended {status}"))
    }
}

fn status_line(source_id: &str, snapshot: &SourceClassificationStatus) -> String {
    let status = snapshot.status.as_deref().unwrap_or("(no status)");
    match &snapshot.counts {
        Some(c) => format!(
            "source {source_id}: {status}: {} expected, {} received, {} classified",
            c.expected, c.received, c.completed
        ),
        None => format!("source {source_id}: {status}"),
    }
}

fn json_line(source_id: &str, snapshot: &SourceClassificationStatus) -> String {
    let counts = snapshot.counts.as_ref();
    serde_json::json!({
        "sourceId": source_id,
        "status": snapshot.status,
        "expected": counts.map(|c| c.expected),
        "received": counts.map(|c| c.received),
        "classified": counts.map(|c| c.completed),
    })
    .to_string()
}

/// Prints the source's machine classification config as JSON on stdout (`--json`: one line,
/// `null` when there is none).
pub async fn show_config(client: &Client, source_id: &str, json: bool) -> Result<(), String> {
    match client.get_machine_classification_config(source_id).await {
        Ok(config) => {
            let text = if json {
                serde_json::to_string(&config)
            } else {
                serde_json::to_string_pretty(&config)
            };
            print_line(&text.map_err(|e| e.to_string())?, true);
            Ok(())
        }
        Err(err) if err.status().is_some_and(|s| s.as_u16() == 404) => {
            if json {
                print_line("null", true);
            } else {
                print_line(
                    &format!("source {source_id}: no machine classification config"),
                    true,
                );
            }
            Ok(())
        }
        Err(err) => Err(format!("source {source_id}: {err}")),
    }
}

/// Writes a line; a closed stdout or stderr (e.g. `| head -1`) ends quietly instead of panicking.
fn print_line(line: &str, to_stdout: bool) {
    use std::io::Write as _;
    let _ = if to_stdout {
        writeln!(std::io::stdout(), "{line}")
    } else {
        writeln!(std::io::stderr(), "{line}")
    };
}
