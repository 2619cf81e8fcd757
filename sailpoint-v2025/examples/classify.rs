//! Classify machine accounts: the README's "run it" command.
//!
//! ```text
//! cargo run --example classify -- [ACCOUNT_ID ...] [--mode forceMachine] [--json]
//! cargo run --example classify -- --file ids.txt|-|<(cmd) [--mode ...] [--json]
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

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use sailpoint_v2025::{
    BulkClassify, ClassificationMode, Client, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, Error, SendClassifyMachineAccount200Response,
};
use sailpoint_v2025_testkit::{Emulator, demo};
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// The longest input line read; a longer one stops the run (no id is that long).
const MAX_LINE_BYTES: u64 = 64 * 1024;

const AFTER_HELP: &str = "\
Configuration (first found wins, per setting):
  SAIL_BASE_URL        the tenant's API host, e.g. https://acme.api.identitynow.com
  SAIL_CLIENT_ID       OAuth2 client id (API client or personal access token)
  SAIL_CLIENT_SECRET   OAuth2 client secret
  SAIL_ACCESS_TOKEN    a ready bearer token (instead of client id and secret)
  ./config.json        {\"BaseURL\": ..., \"ClientId\": ..., \"ClientSecret\": ...}, read for
                       what the environment leaves unset
  None of these set (or --emulator): the bundled local ISC emulator is started and used, and
  without ids its demo accounts are classified.

Input: ids as arguments, or --file PATH with one id per line (`-` for stdin; FIFOs and
  <(command) work too: the input is read once, as a stream). Blank lines are skipped.

Output: exactly one line per account on stdout, in input order:
  text:   <id>  machine | <id>  human | <id>  FAILED  <error>
  --json: {\"id\":\"...\",\"isMachine\":true}
          {\"id\":\"...\",\"error\":{\"kind\":\"forbidden\",\"status\":403,\"trackingId\":\"...\",\"message\":\"...\"}}
          (kind: see sailpoint_v2025::Error::kind; status and trackingId may be null)
  The summary and progress go to stderr. A closed stdout (e.g. `| head -1`) ends the run quietly.

Exit codes:
  0  every account was classified
  1  some accounts failed (see their lines)
  2  usage, configuration or authentication error, or unreadable input (the message names
     the line); the run stops early";

#[path = "classify_parts/selection.rs"]
mod selection;
#[path = "classify_parts/source_job.rs"]
mod source_job;

#[derive(Debug, Parser)]
#[command(
    name = "classify",
    version,
    about = "Classify SailPoint ISC accounts as machine or human (POST /v2025/accounts/{id}/classify)",
    after_help = AFTER_HELP
)]
struct Args {
    /// Account ids to classify.
    #[arg(conflicts_with = "file")]
    ids: Vec<String>,
    /// A file with one account id per line (`-` for stdin); blank lines are skipped.
    #[arg(long, value_name = "PATH")]
    file: Option<PathBuf>,
    /// default | ignoreManual | forceMachine | forceHuman
    #[arg(long, default_value = "default", value_parser = parse_mode)]
    mode: ClassificationMode,
    /// Print JSON lines instead of text.
    #[arg(long)]
    json: bool,
    /// Calls in flight at once (the client's rate limit still applies).
    #[arg(long, default_value_t = sailpoint_v2025::DEFAULT_CONCURRENCY)]
    concurrency: usize,
    /// Use the bundled emulator even when a tenant is configured.
    #[arg(long)]
    emulator: bool,
    /// Classify every account of this source on the server instead (progress from the job's
    /// status counts; the final counts are printed).
    #[arg(long, value_name = "SOURCE_ID")]
    source: Option<String>,
    /// Print this source's machine classification config and exit.
    #[arg(long, value_name = "SOURCE_ID")]
    show_config: Option<String>,
    /// Classify the accounts this V3 filter selects through listAccounts (streamed; progress
    /// knows the total), e.g. 'sourceId eq "2c91..." and name sw "svc-"'.
    #[arg(long, value_name = "EXPR", conflicts_with_all = ["ids", "file"])]
    filter: Option<String>,
    /// Undo the machine classification of every account of this source and exit.
    #[arg(long, value_name = "SOURCE_ID")]
    declassify_source: Option<String>,
    /// Seconds between plain progress lines when stderr is not a terminal.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    progress_every: f64,
}

fn parse_mode(value: &str) -> Result<ClassificationMode, String> {
    value.parse().map_err(|_| {
        format!("`{value}` is not one of default, ignoreManual, forceMachine, forceHuman")
    })
}

/// Writes a line to stderr; a closed stderr is not worth a panic.
macro_rules! note {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
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
    match run(args).await {
        Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(message) => {
            note!("error: {message}");
            ExitCode::from(2)
        }
    }
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

/// A problem with the input that stops the run once the ids before it are done.
type InputFailure = Arc<Mutex<Option<String>>>;

async fn run(args: Args) -> Result<Summary, String> {
    let every = Duration::try_from_secs_f64(args.progress_every)
        .map_err(|_| "--progress-every must be a non-negative number of seconds".to_string())?;
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

    if let Some(source_id) = &args.show_config {
        source_job::show_config(&client, source_id).await?;
        return Ok(Summary::default());
    }
    if let Some(source_id) = &args.source {
        source_job::classify_source(&client, source_id, true).await?;
        return Ok(Summary::default());
    }
    if let Some(source_id) = &args.declassify_source {
        selection::declassify_source(&client, source_id).await?;
        return Ok(Summary::default());
    }
    // The emulator demo also shows server-side classification of a whole source (after the
    // per-account calls below).
    let demo_source = (args.ids.is_empty()
        && args.file.is_none()
        && args.filter.is_none()
        && !default_ids.is_empty())
    .then_some(demo::AD_SOURCE_ID);

    let input_failure = InputFailure::default();
    let (results, total): (BulkClassify, Option<u64>) = match &args.file {
        _ if args.filter.is_some() => {
            let filter = args.filter.as_deref().unwrap_or_default();
            let (ids, total) =
                selection::ids_by_filter(&client, filter, input_failure.clone()).await?;
            (client.classify_account_stream(ids), total)
        }
        Some(path) if path.as_os_str() == "-" => {
            let stdin = tokio::io::BufReader::new(tokio::io::stdin());
            let ids = id_lines(stdin, "stdin".into(), input_failure.clone());
            (client.classify_account_stream(ids), None)
        }
        Some(path) => {
            // Opened and read once, front to back: works for FIFOs and `<(command)` too.
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let reader = tokio::io::BufReader::new(file);
            let ids = id_lines(reader, path.display().to_string(), input_failure.clone());
            (client.classify_account_stream(ids), None)
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
            (client.classify_accounts(ids), Some(total))
        }
    };
    let results = results
        .classification_mode(args.mode)
        .concurrency(args.concurrency)
        .ordered(true);
    let summary = report(results, total, args.json, every).await?;
    if let Some(problem) = input_failure.lock().map_or(None, |mut f| f.take()) {
        return Err(problem);
    }
    if let Some(source_id) = demo_source {
        note!(
            "And server-side: classifying every account of the demo source Active Directory \
             ({source_id}) with one request and status polls"
        );
        source_job::classify_source(&client, source_id, false).await?;
    }
    Ok(summary)
}

/// Non-blank lines of a reader, trimmed, as a stream of ids, read lazily as the calls start.
/// A read error, invalid UTF-8 or an overlong line ends the stream and is recorded (naming the
/// line) in `failure`.
fn id_lines<R>(
    reader: R,
    source: String,
    failure: InputFailure,
) -> impl Stream<Item = String> + Send + 'static
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    let state = (reader, 0u64, Vec::new());
    futures::stream::unfold(state, move |(mut reader, mut line, mut buf)| {
        let source = source.clone();
        let failure = failure.clone();
        async move {
            let fail = |problem: String| {
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(problem);
                }
            };
            loop {
                line += 1;
                buf.clear();
                let read = (&mut reader)
                    .take(MAX_LINE_BYTES + 1)
                    .read_until(b'\n', &mut buf)
                    .await;
                match read {
                    Ok(0) => return None,
                    Ok(_) if buf.len() as u64 > MAX_LINE_BYTES => {
                        fail(format!(
                            "line {line} of {source} is longer than {MAX_LINE_BYTES} bytes"
                        ));
                        return None;
                    }
                    Ok(_) => match std::str::from_utf8(&buf) {
                        Ok(text) if text.trim().is_empty() => continue,
                        Ok(text) => {
                            let id = text.trim().to_string();
                            return Some((id, (reader, line, buf)));
                        }
                        Err(_) => {
                            fail(format!("line {line} of {source} is not valid UTF-8"));
                            return None;
                        }
                    },
                    Err(e) => {
                        fail(format!("cannot read line {line} of {source}: {e}"));
                        return None;
                    }
                }
            }
        }
    })
}

#[derive(Default)]
struct Summary {
    machine: u64,
    human: u64,
    failed: u64,
    failed_by_kind: BTreeMap<&'static str, u64>,
}

impl Summary {
    fn record(&mut self, result: &Result<SendClassifyMachineAccount200Response, Error>) {
        match result {
            Ok(r) if r.is_machine => self.machine += 1,
            Ok(_) => self.human += 1,
            Err(e) => {
                self.failed += 1;
                *self.failed_by_kind.entry(e.kind()).or_default() += 1;
            }
        }
    }

    fn total(&self) -> u64 {
        self.machine + self.human + self.failed
    }

    fn line(&self) -> String {
        let mut out = format!(
            "{} accounts: {} machine, {} human, {} failed",
            self.total(),
            self.machine,
            self.human,
            self.failed
        );
        if !self.failed_by_kind.is_empty() {
            let kinds: Vec<String> = self
                .failed_by_kind
                .iter()
                .map(|(kind, n)| format!("{kind}: {n}"))
                .collect();
            out.push_str(&format!(" ({})", kinds.join(", ")));
        }
        out
    }
}

/// Progress on stderr: a bar on a terminal, a plain line every few seconds otherwise.
enum Progress {
    Bar(ProgressBar),
    Plain {
        started: Instant,
        last: Instant,
        total: Option<u64>,
        every: Duration,
    },
}

impl Progress {
    fn new(total: Option<u64>, every: Duration) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} accounts  {per_sec}  ETA {eta}  {msg}",
                    )
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} {pos} accounts  {per_sec}  {msg}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                ),
            };
            bar.enable_steady_tick(Duration::from_millis(200));
            Progress::Bar(bar)
        } else {
            let now = Instant::now();
            Progress::Plain {
                started: now,
                last: now,
                total,
                every,
            }
        }
    }

    fn update(&mut self, summary: &Summary) {
        match self {
            Progress::Bar(bar) => {
                bar.set_position(summary.total());
                bar.set_message(format!("{} failed", summary.failed));
            }
            Progress::Plain {
                started,
                last,
                total,
                every,
            } => {
                if last.elapsed() < *every {
                    return;
                }
                *last = Instant::now();
                note!("{}", plain_progress(summary, started.elapsed(), *total));
            }
        }
    }

    /// Writes one result line to stdout (the bar, if any, steps aside).
    fn println(&self, line: &str) -> std::io::Result<()> {
        let write = || writeln!(std::io::stdout().lock(), "{line}");
        match self {
            Progress::Bar(bar) => bar.suspend(write),
            Progress::Plain { .. } => write(),
        }
    }

    fn finish(self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

fn plain_progress(summary: &Summary, elapsed: Duration, total: Option<u64>) -> String {
    let done = summary.total();
    let rate = done as f64 / elapsed.as_secs_f64().max(0.001);
    let mut line = match total {
        Some(total) => format!("progress: {done}/{total} accounts, {rate:.1}/s"),
        None => format!("progress: {done} accounts, {rate:.1}/s"),
    };
    if let Some(total) = total
        && rate > 0.0
    {
        let eta = total.saturating_sub(done) as f64 / rate;
        line.push_str(&format!(", ETA {}s", eta.round()));
    }
    line.push_str(&format!(", {} failed", summary.failed));
    line
}

/// Failures that every other id would hit too: stop instead of failing each of them.
fn stops_the_run(error: &Error) -> bool {
    matches!(
        error,
        Error::Auth { .. } | Error::Config { .. } | Error::Unauthorized { .. }
    )
}

/// Prints one line per result, stopping early on a failure that would fail every id or on a
/// closed stdout; the summary goes to stderr.
async fn report(
    mut results: BulkClassify,
    total: Option<u64>,
    json: bool,
    progress_every: Duration,
) -> Result<Summary, String> {
    let mut summary = Summary::default();
    let mut progress = Progress::new(total, progress_every);
    let mut fatal = None;
    while let Some((id, result)) = results.next().await {
        summary.record(&result);
        let line = if json {
            json_line(&id, &result)
        } else {
            text_line(&id, &result)
        };
        if let Err(e) = progress.println(&line) {
            progress.finish();
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                // The reader is gone (e.g. `| head -1`): nobody wants the rest.
                return Ok(summary);
            }
            return Err(format!("cannot write to stdout: {e}"));
        }
        progress.update(&summary);
        if let Err(error) = &result
            && stops_the_run(error)
        {
            fatal = Some(format!(
                "{}\nstopped after {} account(s): every other account would fail the same way",
                with_causes(error),
                summary.total()
            ));
            break;
        }
    }
    // Stop the calls still in flight before reporting.
    drop(results);
    progress.finish();
    note!("{}", summary.line());
    match fatal {
        Some(message) => Err(message),
        None => Ok(summary),
    }
}

/// The error and its causes (`source()` chain), as `error: cause: cause`. The SDK's messages
/// are one line each, with the server's control characters escaped.
fn with_causes(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&escape_controls(&cause.to_string()));
        source = cause.source();
    }
    text
}

/// `text` with control characters escaped, so that one account stays one line.
fn escape_controls(id: &str) -> String {
    if id.chars().any(char::is_control) {
        id.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        id.to_string()
    }
}

fn text_line(id: &str, result: &Result<SendClassifyMachineAccount200Response, Error>) -> String {
    let id = escape_controls(id);
    match result {
        Ok(r) if r.is_machine => format!("{id}  machine"),
        Ok(_) => format!("{id}  human"),
        Err(e) => format!("{id}  FAILED  {}", with_causes(e)),
    }
}

fn json_line(id: &str, result: &Result<SendClassifyMachineAccount200Response, Error>) -> String {
    let value = match result {
        Ok(r) => serde_json::json!({ "id": id, "isMachine": r.is_machine }),
        Err(e) => serde_json::json!({
            "id": id,
            "error": {
                "kind": e.kind(),
                "status": e.status().map(|s| s.as_u16()),
                "trackingId": e.tracking_id(),
                "message": with_causes(e),
            }
        }),
    };
    value.to_string()
}
