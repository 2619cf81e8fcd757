//! Classify machine accounts: the README's "run it" command.
//!
//! ```text
//! cargo run --example classify -- [ACCOUNT_ID ...] [--file ids.txt|-] [--mode forceMachine] [--json]
//! cargo run --example classify -- --source SOURCE_ID        # server-side, the whole source
//! cargo run --example classify -- --show-config SOURCE_ID   # its machine classification config
//! ```
//!
//! With SailPoint configuration present (`SAIL_BASE_URL`, `SAIL_CLIENT_ID`,
//! `SAIL_CLIENT_SECRET` or `SAIL_ACCESS_TOKEN`, or `./config.json`) it calls that tenant.
//! Without, it starts the bundled local ISC emulator (`sailpoint-v2025-testkit`), says so, and
//! classifies the given ids there, or the emulator's demo accounts when none are given.
//!
//! Output: one line per account on stdout (`--json`: JSON lines), in input order, then a summary
//! (on stderr with `--json`). Progress goes to stderr: a bar with rate and ETA on a terminal,
//! plain lines otherwise. The exit code is 1 if any account failed, 2 on bad usage or
//! configuration.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{Stream, StreamExt};
use indicatif::{ProgressBar, ProgressStyle};
use sailpoint_v2025::{
    BulkClassify, ClassificationMode, Client, ENV_ACCESS_TOKEN, ENV_BASE_URL, ENV_CLIENT_ID,
    ENV_CLIENT_SECRET, Error, SendClassifyMachineAccount200Response,
};
use sailpoint_v2025_testkit::{Emulator, demo};
use tokio::io::AsyncBufReadExt;

#[path = "classify_parts/source_job.rs"]
mod source_job;

#[derive(Debug, Parser)]
#[command(
    name = "classify",
    about = "Classify SailPoint ISC accounts as machine or human (POST /v2025/accounts/{id}/classify)"
)]
struct Args {
    /// Account ids to classify.
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
    /// Seconds between plain progress lines when stderr is not a terminal.
    #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
    progress_every: f64,
}

fn parse_mode(value: &str) -> Result<ClassificationMode, String> {
    value.parse().map_err(|_| {
        format!("`{value}` is not one of default, ignoreManual, forceMachine, forceHuman")
    })
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
    let args = Args::parse();
    match run(args).await {
        Ok(summary) if summary.failed == 0 => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(message) => {
            eprintln!("error: {message}");
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
        || std::path::Path::new(sailpoint_v2025::DEFAULT_CONFIG_FILE).exists()
}

async fn run(args: Args) -> Result<Summary, String> {
    let mut _emulator = None;
    let (client, default_ids) = if tenant_configured() && !args.emulator {
        let client = Client::from_env().map_err(|e| e.to_string())?;
        eprintln!("Using the tenant at {}", client.api_base_url());
        (client, Vec::new())
    } else {
        let emulator = Emulator::start()
            .await
            .map_err(|e| format!("cannot start the local emulator: {e}"))?;
        eprintln!(
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
        source_job::classify_source(&client, source_id).await?;
        return Ok(Summary::default());
    }
    // The emulator demo also shows server-side classification of a whole source (after the
    // per-account calls below).
    let demo_source = (args.ids.is_empty() && args.file.is_none() && !default_ids.is_empty())
        .then_some(demo::AD_SOURCE_ID);

    let (results, total): (BulkClassify, Option<u64>) = match &args.file {
        Some(path) if path.as_os_str() == "-" => {
            let lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
            (client.classify_account_stream(id_lines(lines)), None)
        }
        Some(path) => {
            let total = count_ids(path).await?;
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
            let lines = tokio::io::BufReader::new(file).lines();
            (client.classify_account_stream(id_lines(lines)), Some(total))
        }
        None => {
            let ids = if args.ids.is_empty() {
                if default_ids.is_empty() {
                    return Err("no account ids given (pass ids or --file)".into());
                }
                eprintln!(
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
    let every = Duration::try_from_secs_f64(args.progress_every)
        .map_err(|_| "--progress-every must be a non-negative number of seconds".to_string())?;
    let summary = report(results, total, args.json, every).await;
    if let Some(source_id) = demo_source {
        eprintln!(
            "And server-side: classifying every account of the demo source Active Directory \
             ({source_id}) with one request and status polls"
        );
        source_job::classify_source(&client, source_id).await?;
    }
    Ok(summary)
}

/// Non-blank lines of a reader, as a stream of ids (read lazily).
fn id_lines<R>(lines: tokio::io::Lines<R>) -> impl Stream<Item = String> + Send + 'static
where
    R: tokio::io::AsyncBufRead + Unpin + Send + 'static,
{
    futures::stream::unfold(lines, |mut lines| async move {
        loop {
            match lines.next_line().await {
                Ok(Some(line)) if line.trim().is_empty() => continue,
                Ok(Some(line)) => return Some((line.trim().to_string(), lines)),
                Ok(None) => return None,
                Err(e) => {
                    eprintln!("error reading ids: {e}");
                    return None;
                }
            }
        }
    })
}

async fn count_ids(path: &PathBuf) -> Result<u64, String> {
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut lines = tokio::io::BufReader::new(file).lines();
    let mut count = 0;
    while let Some(line) = lines
        .next_line()
        .await
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?
    {
        if !line.trim().is_empty() {
            count += 1;
        }
    }
    Ok(count)
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
                eprintln!("{}", plain_progress(summary, started.elapsed(), *total));
            }
        }
    }

    fn println(&self, line: &str) {
        match self {
            Progress::Bar(bar) => bar.suspend(|| println!("{line}")),
            Progress::Plain { .. } => println!("{line}"),
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

async fn report(
    mut results: BulkClassify,
    total: Option<u64>,
    json: bool,
    progress_every: Duration,
) -> Summary {
    let mut summary = Summary::default();
    let mut progress = Progress::new(total, progress_every);
    while let Some((id, result)) = results.next().await {
        summary.record(&result);
        progress.println(&if json {
            json_line(&id, &result)
        } else {
            text_line(&id, &result)
        });
        progress.update(&summary);
    }
    progress.finish();
    let _ = std::io::stdout().flush();
    if json {
        eprintln!("{}", summary.line());
    } else {
        println!("{}", summary.line());
    }
    summary
}

fn text_line(id: &str, result: &Result<SendClassifyMachineAccount200Response, Error>) -> String {
    match result {
        Ok(r) if r.is_machine => format!("{id}  machine"),
        Ok(_) => format!("{id}  human"),
        Err(e) => format!("{id}  FAILED  {e}"),
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
                "message": e.to_string(),
            }
        }),
    };
    value.to_string()
}
