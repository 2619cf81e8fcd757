//! Classify machine accounts: the README's "run it" command.
//!
//! ```text
//! cargo run --example classify -- [ACCOUNT_ID ...] [--mode forceMachine] [--json]
//! cargo run --example classify -- --file ids.txt|-|<(cmd) [--mode ...] [--json]
//! cargo run --example classify -- --file ids.txt --journal run.jsonl   # resumable
//! cargo run --example classify -- --source SOURCE_ID        # server-side, the whole source
//! cargo run --example classify -- --show-config SOURCE_ID   # its machine classification config
//! ```
//!
//! With SailPoint configuration present (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`,
//! `SAIL_CLIENT_SECRET` or `SAIL_ACCESS_TOKEN`, or `./config.json`) it calls that tenant.
//! Without, it starts the bundled local ISC emulator (`sailpoint-v2025-testkit`), says so, and
//! classifies the given ids there, or the emulator's demo accounts when none are given.
//!
//! Output: exactly one line per account on stdout (`--json`: one JSON object per line), in input
//! order. The summary and progress go to stderr. `--help` has the details and the exit codes.
//!
//! The parts: `classify_parts/input.rs` (reading ids), `output.rs` (lines, progress, summary),
//! `journal.rs` (`--journal`), `signals.rs` (SIGINT/SIGTERM), `source_job.rs` (`--source`,
//! `--show-config`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::{CommandFactory, Parser};
use futures::StreamExt;
use futures::stream::BoxStream;
use sailpoint_v2025::{
    ClassificationMode, Client, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID, ENV_CLIENT_SECRET,
    Error, GracefulStop, Journal, JournalRecord,
};
use sailpoint_v2025_testkit::{Emulator, demo};

/// Writes a line to stderr; a closed stderr is not worth a panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

#[path = "classify_parts/input.rs"]
mod input;
#[path = "classify_parts/journal.rs"]
mod journal;
#[path = "classify_parts/output.rs"]
mod output;
#[path = "classify_parts/selection.rs"]
mod selection;
#[path = "classify_parts/signals.rs"]
mod signals;
#[path = "classify_parts/source_job.rs"]
mod source_job;

use output::{Progress, Summary};

/// Default time calls in flight get to finish after SIGINT/SIGTERM.
const DEFAULT_GRACE_SECONDS: f64 = 10.0;

const AFTER_HELP: &str = "\
Configuration (first found wins; a client id and secret are a pair from one place):
  SAIL_BASE_URL        the tenant's API host, e.g. https://acme.api.identitynow.com
  SAIL_CLIENT_ID       OAuth2 client id (API client or personal access token)
  SAIL_CLIENT_SECRET   OAuth2 client secret
  SAIL_ACCESS_TOKEN    a ready bearer token (instead of client id and secret)
  ./config.json        {\"BaseURL\": ..., \"ClientId\": ..., \"ClientSecret\": ...}, read for
                       what the environment leaves unset
  None of these set (or --emulator): the bundled local ISC emulator is started and used, and
  without ids its demo accounts are classified.

Modes: per account (ids, --file, or the emulator's demo accounts), --source, --show-config.
  A flag that has no meaning in the mode chosen is a usage error (exit 2): --mode,
  --concurrency, --journal and --grace are per-account only, --detach is --source only,
  --progress-every is not for --show-config. --json and --emulator apply to every mode.

Input: ids as arguments, or --file PATH with one id per line (`-` for stdin; FIFOs and
  <(command) work too: the input is read once, as a stream). Blank lines are skipped, and so
  is a UTF-8 byte order mark before the first id. A first line that looks like CSV (a comma,
  semicolon or tab, or a header such as `id`) stops the run with a hint: give one id per line.

Output: exactly one line per account on stdout, in input order:
  text:   <id>  machine | <id>  human | <id>  FAILED  <error>
  --json: {\"id\":\"...\",\"isMachine\":true}
          {\"id\":\"...\",\"error\":{\"kind\":\"forbidden\",\"status\":403,\"trackingId\":\"...\",\"message\":\"...\"}}
          (kind: see sailpoint_v2025::Error::kind; status and trackingId may be null)
  --source: source <id>: <STATUS>: <n> expected, <n> received, <n> classified
          (--json: {\"sourceId\":...,\"status\":...,\"expected\":n,\"received\":n,\"classified\":n})
  The summary and progress go to stderr. A closed stdout (e.g. `| head -1`) ends the run quietly.

Durable runs (--journal PATH): each result is appended to PATH as one --json line, written
  through at once and fsync'd at least every second and at exit. Started again with the same
  PATH, the run skips the ids with a final record there (a classification, or a failure about
  the account itself such as a 404; throttling, 5xx, timeouts and credential or permission
  failures are tried again), classifies each distinct id of the input once, prints lines for
  this run's ids only, and its summary covers every id of the input. A run killed even with
  SIGKILL loses no recorded result; an unfinished last line is removed and its id done again.
  A PATH that is not such a journal is refused (exit 2) and left untouched.

Selection (--filter EXPR): the accounts a V3 filter selects through listAccounts, streamed
  page by page (the total, asked once, feeds the progress); a filter the server rejects stops
  the run with exit 2 naming it. --declassify-source SOURCE_ID undoes the machine
  classification of a source's accounts and prints what was done.

Signals: the first SIGINT (Ctrl-C) or SIGTERM stops taking new ids; calls in flight get
  --grace seconds to finish (their results are printed and journaled), the rest are dropped;
  stdout and the journal are flushed, the partial summary goes to stderr. A second signal
  stops at once. With --source, a signal cancels the job on the server (DELETE) unless
  --detach is given.

Exit codes:
  0    every account was classified
  1    some accounts failed (see their lines; with --journal, earlier runs' too)
  2    usage, configuration or authentication error, unreadable input (the message names
       the line), or a --journal file that is not a journal; the run stops early
  130  stopped by SIGINT (Ctrl-C); run the same command again to continue (--journal)
  143  stopped by SIGTERM";

#[derive(Debug, Parser)]
#[command(
    name = "classify",
    version,
    about = "Classify SailPoint ISC accounts as machine or human (POST /v2025/accounts/{id}/classify)",
    after_help = AFTER_HELP
)]
struct Args {
    /// Account ids to classify.
    #[arg(conflicts_with_all = ["file", "source", "show_config"])]
    ids: Vec<String>,
    /// A file with one account id per line (`-` for stdin); blank lines are skipped.
    #[arg(long, value_name = "PATH", conflicts_with_all = ["source", "show_config"])]
    file: Option<PathBuf>,
    /// default | ignoreManual | forceMachine | forceHuman (per-account mode only) [default:
    /// default].
    #[arg(long, value_parser = parse_mode, conflicts_with_all = ["source", "show_config"])]
    mode: Option<ClassificationMode>,
    /// Print JSON lines instead of text.
    #[arg(long)]
    json: bool,
    /// Calls in flight at once (the client's rate limit still applies) [default: 16].
    #[arg(long, conflicts_with_all = ["source", "show_config"])]
    concurrency: Option<usize>,
    /// Use the bundled emulator even when a tenant is configured.
    #[arg(long)]
    emulator: bool,
    /// Append each result to this journal, and skip the ids it already has (see below).
    #[arg(long, value_name = "PATH", conflicts_with_all = ["source", "show_config"])]
    journal: Option<PathBuf>,
    /// Seconds calls in flight get to finish after SIGINT/SIGTERM [default: 10].
    #[arg(long, value_name = "SECONDS", conflicts_with_all = ["source", "show_config"])]
    grace: Option<f64>,
    /// Classify every account of this source on the server instead (progress from the job's
    /// status counts; the final counts are printed).
    #[arg(long, value_name = "SOURCE_ID", conflicts_with = "show_config")]
    source: Option<String>,
    /// With --source: a signal leaves the job running on the server instead of cancelling it.
    #[arg(long)]
    detach: bool,
    /// Print this source's machine classification config and exit.
    #[arg(long, value_name = "SOURCE_ID")]
    show_config: Option<String>,
    /// Seconds between plain progress lines when stderr is not a terminal [default: 5].
    #[arg(long, value_name = "SECONDS", conflicts_with_all = ["show_config", "declassify_source"])]
    progress_every: Option<f64>,
    /// Classify the accounts this V3 filter selects through listAccounts (streamed; progress
    /// knows the total), e.g. 'sourceId eq "2c91..." and name sw "svc-"'.
    #[arg(long, value_name = "EXPR", conflicts_with_all = ["ids", "file", "source", "show_config"])]
    filter: Option<String>,
    /// Undo the machine classification of every account of this source and exit.
    #[arg(
        long,
        value_name = "SOURCE_ID",
        conflicts_with_all = [
            "ids", "file", "filter", "mode", "concurrency", "journal", "grace", "source",
            "detach", "show_config"
        ]
    )]
    declassify_source: Option<String>,
}

fn parse_mode(value: &str) -> Result<ClassificationMode, String> {
    value.parse().map_err(|_| {
        format!("`{value}` is not one of default, ignoreManual, forceMachine, forceHuman")
    })
}

/// How a run ended, for the exit code.
#[derive(Debug, Default)]
struct Outcome {
    /// Some account failed.
    failed: bool,
    /// Stopped by this signal.
    signal: Option<i32>,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    // Usage errors exit with 2 (clap's convention).
    let args = Args::parse();
    if args.detach && args.source.is_none() {
        // (clap's `requires` is not checked for a flag that defaults to false.)
        Args::command()
            .error(
                clap::error::ErrorKind::MissingRequiredArgument,
                "--detach only applies to --source SOURCE_ID (it leaves the job running on the \
                 server when a signal stops the tool)",
            )
            .exit();
    }
    let code = match run(args).await {
        Ok(Outcome {
            signal: Some(signal),
            ..
        }) => ExitCode::from(128 + signal as u8),
        Ok(Outcome { failed: false, .. }) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(message) => {
            note!("error: {message}");
            ExitCode::from(2)
        }
    };
    let _ = std::io::stdout().flush();
    code
}

/// Whether the user configured a tenant anywhere the SDK looks.
fn tenant_configured() -> bool {
    [
        ENV_BASE_URL,
        ENV_CLIENT_ID,
        ENV_CLIENT_SECRET,
        ENV_ACCESS_TOKEN,
    ]
    .iter()
    .any(|name| std::env::var(name).is_ok_and(|v| !v.trim().is_empty()))
        || Path::new(sailpoint_v2025::DEFAULT_CONFIG_FILE).exists()
}

fn seconds(value: Option<f64>, default: f64, flag: &str) -> Result<Duration, String> {
    Duration::try_from_secs_f64(value.unwrap_or(default))
        .map_err(|_| format!("{flag} must be a non-negative number of seconds"))
}

async fn run(args: Args) -> Result<Outcome, String> {
    let every = seconds(args.progress_every, 5.0, "--progress-every")?;
    let grace = seconds(args.grace, DEFAULT_GRACE_SECONDS, "--grace")?;
    let stop = GracefulStop::new(grace);
    let received =
        signals::listen(stop.clone()).map_err(|e| format!("cannot listen for signals: {e}"))?;

    let mut _emulator = None;
    let (client, default_ids) = if tenant_configured() && !args.emulator {
        let client = Client::from_env().map_err(|e| e.to_string())?;
        note!("Using the tenant at {}", client.api_base_url());
        (client, Vec::new())
    } else {
        let emulator = Emulator::start()
            .await
            .map_err(|e| format!("cannot start the local emulator: {e}"))?;
        note!(
            "No SailPoint tenant configured ({ENV_BASE_URL}, {ENV_CLIENT_ID}/{ENV_CLIENT_SECRET} or \
             ./config.json): using the bundled local ISC emulator at {}",
            emulator.base_url()
        );
        let client = Client::builder()
            .base_url(emulator.base_url())
            .client_credentials(demo::CLIENT_ID, demo::CLIENT_SECRET)
            .build()
            .map_err(|e| e.to_string())?;
        let ids = Emulator::demo_accounts()
            .into_iter()
            .map(|a| a.id)
            .collect();
        _emulator = Some(emulator);
        (client, ids)
    };

    // Before any call: a file that is not a journal stops the run with nothing sent (and after
    // the configuration, so that a configuration error leaves no new file behind).
    let mut journal = args.journal.as_deref().map(journal::open).transpose()?;

    if let Some(source_id) = &args.show_config {
        source_job::show_config(&client, source_id, args.json).await?;
        return Ok(Outcome::default());
    }
    if let Some(source_id) = &args.source {
        let end = source_job::classify_source(source_job::SourceRun {
            client: &client,
            source_id,
            result_to_stdout: true,
            json: args.json,
            progress_every: Some(every),
            stop: stop.clone(),
            received: received.clone(),
            detach: args.detach,
        })
        .await?;
        return Ok(Outcome {
            failed: false,
            signal: match end {
                source_job::SourceEnd::Interrupted => received.signal(),
                source_job::SourceEnd::Completed => None,
            },
        });
    }
    if let Some(source_id) = &args.declassify_source {
        selection::declassify_source(&client, source_id).await?;
        return Ok(Outcome::default());
    }
    // The emulator demo also shows server-side classification of a whole source (after the
    // per-account calls below).
    let demo_source = (args.ids.is_empty()
        && args.file.is_none()
        && args.filter.is_none()
        && !default_ids.is_empty())
    .then_some(demo::AD_SOURCE_ID);

    let input_failure = input::InputFailure::default();
    let (ids, total): (BoxStream<'static, String>, Option<u64>) = match &args.file {
        _ if args.filter.is_some() => {
            let filter = args.filter.as_deref().unwrap_or_default();
            let (ids, total) =
                selection::ids_by_filter(&client, filter, input_failure.clone()).await?;
            (ids.boxed(), total)
        }
        Some(path) if path.as_os_str() == "-" => {
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let ids = input::id_lines(stdin, "stdin".into(), input_failure.clone());
            (ids.boxed(), None)
        }
        Some(path) => {
            // Opened and read once, front to back: works for FIFOs and `<(command)` too.
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let reader = tokio::io::BufReader::new(file);
            let ids = input::id_lines(reader, path.display().to_string(), input_failure.clone());
            (ids.boxed(), None)
        }
        None => {
            let ids = if args.ids.is_empty() {
                if default_ids.is_empty() {
                    return Err("no account ids given (pass ids or --file)".into());
                }
                note!(
                    "No ids given: classifying the emulator's {} demo accounts",
                    default_ids.len()
                );
                default_ids
            } else {
                args.ids.clone()
            };
            let total = ids.len() as u64;
            (futures::stream::iter(ids).boxed(), Some(total))
        }
    };
    // A signal ends the input: no id is taken after it.
    let ids = stop.feed(ids);
    let skipped = journal::Skipped::default();
    let (ids, total) = match &journal {
        // Distinct ids not done yet; the total of the input is not known in advance.
        Some(journal) => (journal::resume(ids, journal, &skipped).boxed(), None),
        None => (ids.boxed(), total),
    };
    let results = client
        .classify_account_stream(ids)
        .classification_mode(args.mode.unwrap_or(ClassificationMode::Default))
        .concurrency(
            args.concurrency
                .unwrap_or(sailpoint_v2025::DEFAULT_CONCURRENCY),
        )
        .ordered(true);
    let results = stop.drain(results).boxed();
    let report = report(
        results,
        Stopping {
            stop: &stop,
            received: &received,
        },
        journal.as_mut(),
        total,
        args.json,
        every,
    )
    .await;
    // The journal is closed (fsync) whatever happened.
    if let Some(journal) = journal.take() {
        journal
            .close()
            .map_err(|e| format!("cannot sync the journal: {e}"))?;
    }
    let this_run = report?;
    let _ = std::io::stdout().flush();

    let earlier = skipped.earlier();
    let mut summary = this_run.clone();
    summary.add(&earlier);
    let mut line = summary.line();
    if earlier.total() > 0 {
        line.push_str(&format!(
            " ({} done in earlier runs, from the journal)",
            earlier.total()
        ));
    }
    if let Some(signal) = received.signal() {
        note!(
            "{line}\ninterrupted by {}: the ids not reached yet were not sent{}",
            signals::name(signal),
            if args.journal.is_some() {
                "; run the same command again to continue"
            } else {
                ""
            }
        );
        return Ok(Outcome {
            failed: summary.failed > 0,
            signal: Some(signal),
        });
    }
    note!("{line}");
    if let Some(problem) = input_failure.lock().map_or(None, |mut f| f.take()) {
        return Err(problem);
    }
    if let Some(source_id) = demo_source {
        note!(
            "And server-side: classifying every account of the demo source Active Directory \
             ({source_id}) with one request and status polls"
        );
        let end = source_job::classify_source(source_job::SourceRun {
            client: &client,
            source_id,
            result_to_stdout: false,
            json: false,
            progress_every: None,
            stop,
            received: received.clone(),
            detach: false,
        })
        .await?;
        if let source_job::SourceEnd::Interrupted = end {
            return Ok(Outcome {
                failed: summary.failed > 0,
                signal: received.signal(),
            });
        }
    }
    Ok(Outcome {
        failed: summary.failed > 0,
        signal: None,
    })
}

/// Failures that every other id would hit too: stop instead of failing each of them.
fn stops_the_run(error: &Error) -> bool {
    matches!(
        error,
        Error::Auth { .. } | Error::Config { .. } | Error::Unauthorized { .. }
    )
}

/// The run's stop switch and the signal that flipped it, for the notice on stderr.
struct Stopping<'a> {
    stop: &'a GracefulStop,
    received: &'a signals::Received,
}

/// Journals and prints one line per result, stopping early on a failure that would fail every
/// id or on a closed stdout; returns this run's summary (not yet printed). Says on stderr when
/// a signal stops the run.
async fn report(
    mut results: BoxStream<'static, sailpoint_v2025::BulkItem>,
    stopping: Stopping<'_>,
    mut journal: Option<&mut Journal>,
    total: Option<u64>,
    json: bool,
    progress_every: Duration,
) -> Result<Summary, String> {
    let mut summary = Summary::default();
    let mut progress = Progress::new(total, progress_every);
    let mut fatal = None;
    let mut announced = false;
    loop {
        let next = if announced {
            results.next().await
        } else {
            let stopped = stopping.stop.stopped();
            futures::pin_mut!(stopped);
            match futures::future::select(results.next(), stopped).await {
                futures::future::Either::Left((next, _)) => next,
                futures::future::Either::Right(_) => {
                    announced = true;
                    progress.note(&format!(
                        "{} received: no new ids; calls in flight get {}s to finish (again to \
                         stop at once)",
                        stopping.received.signal().map_or("a signal", signals::name),
                        stopping.stop.grace().as_secs_f64()
                    ));
                    continue;
                }
            }
        };
        let Some((id, result)) = next else {
            break;
        };
        let record = JournalRecord::from_result(id, &result);
        // The journal first: a result is durable before it is shown.
        if let Some(journal) = journal.as_deref_mut()
            && let Err(e) = journal.append(&record)
        {
            fatal = Some(format!("cannot write the journal: {e}"));
            break;
        }
        summary.record(&record);
        let line = if json {
            record.to_line()
        } else {
            output::text_line(&record)
        };
        if let Err(e) = progress.println(&line) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                // The reader is gone (e.g. `| head -1`): nobody wants the rest.
                break;
            }
            fatal = Some(format!("cannot write to stdout: {e}"));
            break;
        }
        progress.update(&summary);
        if let Err(error) = &result
            && stops_the_run(error)
        {
            fatal = Some(format!(
                "{}\nstopped after {} account(s): every other account would fail the same way",
                output::with_causes(error),
                summary.total()
            ));
            break;
        }
    }
    // Stop the calls still in flight before reporting.
    drop(results);
    progress.finish();
    match fatal {
        Some(message) => {
            note!("{}", summary.line());
            Err(message)
        }
        None => Ok(summary),
    }
}
