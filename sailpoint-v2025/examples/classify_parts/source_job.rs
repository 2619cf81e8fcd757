//! The classify example's source mode: `--source ID` classifies every account of a source on the
//! server (`Client::classify_source`), with a progress bar fed by the job's status counts, and
//! prints the final counts; `--show-config ID` prints a source's machine classification config.
//! (A module of `examples/classify.rs`; Cargo does not build files in subfolders of `examples/`
//! as examples of their own.)

use std::io::IsTerminal;
use std::time::Duration;

use futures::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use sailpoint_v2025::{Client, SourceClassificationStatus};

/// Time between two status requests in the example (well inside ISC's rate limit).
const POLL_INTERVAL: Duration = Duration::from_secs(2);

/// Classifies the source, showing progress on stderr, and prints the final status line: on
/// stdout when it is the run's result (`--source`), on stderr when it follows the per-account
/// lines of the demo (stdout then keeps exactly one line per account). `Err` when the job could
/// not be started or followed, or did not complete.
pub async fn classify_source(
    client: &Client,
    source_id: &str,
    result_to_stdout: bool,
) -> Result<(), String> {
    let bar = std::io::stderr().is_terminal().then(|| {
        let bar = ProgressBar::new(0).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} classified  {msg}  ETA {eta}")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.enable_steady_tick(Duration::from_millis(200));
        bar
    });
    let mut job = client
        .classify_source(source_id)
        .poll_interval(POLL_INTERVAL);
    let mut last: Option<SourceClassificationStatus> = None;
    while let Some(snapshot) = job.next().await {
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
        }
        last = Some(snapshot);
    }
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let last = last.ok_or_else(|| format!("source {source_id}: no status received"))?;
    let status = last.status.as_deref().unwrap_or("(no status)");
    let line = match &last.counts {
        Some(c) => format!(
            "source {source_id}: {status}: {} expected, {} received, {} classified",
            c.expected, c.received, c.completed
        ),
        None => format!("source {source_id}: {status}"),
    };
    print_line(&line, result_to_stdout);
    if status == "COMPLETED" {
        Ok(())
    } else {
        Err(format!("source {source_id}: the job ended {status}"))
    }
}

/// Prints the source's machine classification config as JSON on stdout.
pub async fn show_config(client: &Client, source_id: &str) -> Result<(), String> {
    match client.get_machine_classification_config(source_id).await {
        Ok(config) => {
            let json = serde_json::to_string_pretty(&config).map_err(|e| e.to_string())?;
            print_line(&json, true);
            Ok(())
        }
        Err(err) if err.status().is_some_and(|s| s.as_u16() == 404) => {
            print_line(
                &format!("source {source_id}: no machine classification config"),
                true,
            );
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
