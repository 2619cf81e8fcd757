//! Sources and their background classification jobs.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// A source: an id (used in `/v2025/sources/{sourceId}/...`) and a name. Its
/// accounts are the emulator's accounts whose
/// [`EmulatedAccount::source_name`](crate::EmulatedAccount::source_name) equals the name.
///
/// ```
/// use sailpoint_v2025_testkit::{EmulatedAccount, Source};
///
/// let source = Source::new("src-1", "Active Directory");
/// let account = EmulatedAccount::new("acc-1", "svc-backup").with_source(&source.name);
/// assert_eq!(account.source_name, "Active Directory");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// The source id.
    pub id: String,
    /// The source name, matched against accounts' source names.
    pub name: String,
}

impl Source {
    /// A source with this id and name.
    pub fn new(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: name.into(),
        }
    }
}

/// How fast a source classification job advances, in accounts per second of
/// real time: the job first *collects* the source's accounts (`RECEIVED`
/// grows by `collect_per_second`), and classifies them as they arrive
/// (`COMPLETED` grows by `classify_per_second`, never past `RECEIVED`).
///
/// The default, 20,000 collected and 10,000 classified per second, finishes
/// a 100,000-account source in 10 s; tests scale it up or down.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClassificationPace {
    /// Accounts collected per second (must be at least 1; 0 counts as 1).
    pub collect_per_second: u64,
    /// Accounts classified per second (must be at least 1; 0 counts as 1).
    pub classify_per_second: u64,
}

impl ClassificationPace {
    /// Collects and classifies `per_second` accounts per second.
    pub const fn uniform(per_second: u64) -> Self {
        Self {
            collect_per_second: per_second,
            classify_per_second: per_second,
        }
    }
}

impl Default for ClassificationPace {
    fn default() -> Self {
        Self {
            collect_per_second: 20_000,
            classify_per_second: 10_000,
        }
    }
}

/// How a job ended before completing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stopped {
    Cancelled,
    Terminated,
}

/// One source classification job: its accounts (fixed when it started) and
/// when it started; counts are computed from the elapsed time.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    started: Instant,
    started_at: DateTime<Utc>,
    pace: ClassificationPace,
    /// The source's account ids when the job started, in id order.
    pub(crate) account_ids: Vec<String>,
    /// How many of `account_ids` have been classified (their state written).
    pub(crate) applied: usize,
    /// Cancelled or terminated, and when (elapsed since the start).
    stopped: Option<(Stopped, Duration)>,
}

/// A job's state at one moment, as `SourceClassificationStatus` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Progress {
    pub(crate) status: &'static str,
    pub(crate) expected: u64,
    pub(crate) received: u64,
    pub(crate) completed: u64,
    pub(crate) started: DateTime<Utc>,
    pub(crate) updated: DateTime<Utc>,
}

impl Progress {
    pub(crate) fn running(&self) -> bool {
        matches!(self.status, "STARTED" | "COLLECTED")
    }

    /// The `SourceClassificationStatus` body.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "status": self.status,
            "started": self.started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "updated": self.updated.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "counts": {
                "EXPECTED": self.expected,
                "RECEIVED": self.received,
                "COMPLETED": self.completed,
            },
        })
    }
}

impl Job {
    pub(crate) fn start(account_ids: Vec<String>, pace: ClassificationPace, now: Instant) -> Self {
        Self {
            started: now,
            started_at: Utc::now(),
            pace,
            account_ids,
            applied: 0,
            stopped: None,
        }
    }

    pub(crate) fn expected(&self) -> u64 {
        self.account_ids.len() as u64
    }

    /// The counts and status at `now`.
    pub(crate) fn progress(&self, now: Instant) -> Progress {
        let expected = self.expected();
        let elapsed = match self.stopped {
            Some((_, at)) => at,
            None => now.saturating_duration_since(self.started),
        };
        let by_rate = |per_second: u64| {
            let n = elapsed.as_secs_f64() * per_second.max(1) as f64;
            // Saturating float-to-int conversion, then capped at the total.
            (n as u64).min(expected)
        };
        let received = by_rate(self.pace.collect_per_second);
        let completed = by_rate(self.pace.classify_per_second).min(received);
        let status = match self.stopped {
            Some((Stopped::Cancelled, _)) => "CANCELLED",
            Some((Stopped::Terminated, _)) => "TERMINATED",
            None if completed == expected => "COMPLETED",
            None if received == expected => "COLLECTED",
            None => "STARTED",
        };
        // `updated`: when the counts last changed; after completion, the moment it completed.
        let active = if status == "COMPLETED" {
            self.time_to_complete().min(elapsed)
        } else {
            elapsed
        };
        let updated = self.started_at
            + chrono::Duration::from_std(active).unwrap_or_else(|_| chrono::Duration::zero());
        Progress {
            status,
            expected,
            received,
            completed,
            started: self.started_at,
            updated,
        }
    }

    fn time_to_complete(&self) -> Duration {
        let slowest = self
            .pace
            .collect_per_second
            .max(1)
            .min(self.pace.classify_per_second.max(1));
        Duration::from_secs_f64(self.expected() as f64 / slowest as f64)
    }

    /// Stops a running job at `now` (no effect on a finished one); returns
    /// whether it was running.
    pub(crate) fn stop(&mut self, how: Stopped, now: Instant) -> bool {
        if !self.progress(now).running() {
            return false;
        }
        self.stopped = Some((how, now.saturating_duration_since(self.started)));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_advance_with_time_and_freeze_when_stopped() {
        let t0 = Instant::now();
        let ids: Vec<String> = (0..1000).map(|i| format!("a{i:04}")).collect();
        let pace = ClassificationPace {
            collect_per_second: 1000,
            classify_per_second: 500,
        };
        let mut job = Job::start(ids, pace, t0);
        let p = job.progress(t0 + Duration::from_millis(500));
        assert_eq!((p.status, p.received, p.completed), ("STARTED", 500, 250));
        let p = job.progress(t0 + Duration::from_millis(1500));
        assert_eq!(
            (p.status, p.received, p.completed),
            ("COLLECTED", 1000, 750)
        );
        let p = job.progress(t0 + Duration::from_secs(5));
        assert_eq!((p.status, p.completed), ("COMPLETED", 1000));
        assert_eq!(p.updated - p.started, chrono::Duration::seconds(2));
        assert!(!job.stop(Stopped::Cancelled, t0 + Duration::from_secs(5)));

        let mut job = Job::start(vec!["x".into(); 100], ClassificationPace::uniform(10), t0);
        assert!(job.stop(Stopped::Cancelled, t0 + Duration::from_secs(2)));
        let p = job.progress(t0 + Duration::from_secs(60));
        assert_eq!((p.status, p.received, p.completed), ("CANCELLED", 20, 20));
        let empty = Job::start(Vec::new(), pace, t0);
        assert_eq!(empty.progress(t0).status, "COMPLETED");
    }
}
