//! The classify example's output: one line per account on stdout (text or `--json`, the
//! journal's line format), progress and the summary on stderr.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use sailpoint_v2025::{Error, JournalRecord, RecordOutcome};

/// Counts of outcomes, per distinct id with a journal, per input line without.
#[derive(Default, Debug, Clone)]
pub struct Summary {
    pub machine: u64,
    pub human: u64,
    pub failed: u64,
    pub failed_by_kind: BTreeMap<String, u64>,
}

impl Summary {
    pub fn record(&mut self, record: &JournalRecord) {
        match &record.outcome {
            RecordOutcome::Classified { is_machine: true } => self.machine += 1,
            RecordOutcome::Classified { .. } => self.human += 1,
            RecordOutcome::Failed(failure) => {
                self.failed += 1;
                *self.failed_by_kind.entry(failure.kind.clone()).or_default() += 1;
            }
            // `RecordOutcome` is non-exhaustive: a future outcome counts as a failure.
            _ => self.failed += 1,
        }
    }

    pub fn add(&mut self, other: &Summary) {
        self.machine += other.machine;
        self.human += other.human;
        self.failed += other.failed;
        for (kind, n) in &other.failed_by_kind {
            *self.failed_by_kind.entry(kind.clone()).or_default() += n;
        }
    }

    pub fn total(&self) -> u64 {
        self.machine + self.human + self.failed
    }

    pub fn line(&self) -> String {
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
pub enum Progress {
    Bar(ProgressBar),
    Plain {
        started: Instant,
        last: Instant,
        total: Option<u64>,
        every: Duration,
    },
}

/// `{rate}`: accounts per second with one decimal (indicatif's `{per_sec}` shows four).
fn with_rate(style: ProgressStyle) -> ProgressStyle {
    style.with_key(
        "rate",
        |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
            let _ = write!(w, "{:.1}/s", state.per_sec());
        },
    )
}

impl Progress {
    pub fn new(total: Option<u64>, every: Duration) -> Self {
        if std::io::stderr().is_terminal() {
            let bar = match total {
                Some(n) => ProgressBar::new(n).with_style(
                    ProgressStyle::with_template(
                        "{bar:40} {pos}/{len} accounts  {rate}  ETA {eta}  {msg}",
                    )
                    .map(with_rate)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                ),
                None => ProgressBar::new_spinner().with_style(
                    ProgressStyle::with_template("{spinner} {pos} accounts  {rate}  {msg}")
                        .map(with_rate)
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

    pub fn update(&mut self, summary: &Summary) {
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
                let _ = writeln!(
                    std::io::stderr(),
                    "{}",
                    plain_progress(summary, started.elapsed(), *total)
                );
            }
        }
    }

    /// Writes one result line to stdout (the bar, if any, steps aside).
    pub fn println(&self, line: &str) -> std::io::Result<()> {
        let write = || writeln!(std::io::stdout().lock(), "{line}");
        match self {
            Progress::Bar(bar) => bar.suspend(write),
            Progress::Plain { .. } => write(),
        }
    }

    /// Writes one line to stderr (the bar, if any, steps aside).
    pub fn note(&self, line: &str) {
        let write = || writeln!(std::io::stderr(), "{line}");
        let _ = match self {
            Progress::Bar(bar) => bar.suspend(write),
            Progress::Plain { .. } => write(),
        };
    }

    pub fn finish(self) {
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

/// The error and its causes (`source()` chain), as `error: cause: cause`. The SDK's messages
/// are one line each, with the server's control characters escaped.
pub fn with_causes(error: &Error) -> String {
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
pub fn escape_controls(id: &str) -> String {
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

/// The text line of a result: `<id>  machine | human | FAILED  <error>`.
pub fn text_line(record: &JournalRecord) -> String {
    let id = escape_controls(&record.id);
    match &record.outcome {
        RecordOutcome::Classified { is_machine: true } => format!("{id}  machine"),
        RecordOutcome::Classified { .. } => format!("{id}  human"),
        RecordOutcome::Failed(failure) => format!("{id}  FAILED  {}", failure.message),
        _ => format!("{id}  FAILED"),
    }
}
