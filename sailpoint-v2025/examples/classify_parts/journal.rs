//! The classify example's `--journal PATH`: results are appended to a `sailpoint_v2025::Journal`,
//! and a run started again skips the ids with a final record there (and the ids it has already
//! seen in its own input), counting them in the summary with the outcome recorded.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt};
use sailpoint_v2025::{Journal, JournalError, JournalRecord};

use crate::output::Summary;

/// Opens the journal, saying on stderr what a resumed run found there.
pub fn open(path: &Path) -> Result<Journal, String> {
    let journal = Journal::open(path).map_err(|e| match &e {
        JournalError::NotAJournal { .. } => format!(
            "{e}\n(--journal takes a file this tool wrote, or a new path; \
             nothing was sent and the file was not touched)"
        ),
        _ => e.to_string(),
    })?;
    if !journal.is_empty() {
        let mut note = format!(
            "Resuming from the journal {}: {} account(s) done, {} to try again",
            path.display(),
            journal.done_count(),
            journal.len() - journal.done_count()
        );
        if journal.torn_bytes_removed() > 0 {
            note.push_str(&format!(
                "; an unfinished last line ({} bytes, from a run that was killed) was removed",
                journal.torn_bytes_removed()
            ));
        }
        note!("{note}");
    }
    Ok(journal)
}

/// The input ids the filter skipped because the journal has a final record for them.
#[derive(Debug, Default, Clone)]
pub struct Skipped {
    /// Outcomes (from the journal) of the distinct input ids done in earlier runs.
    earlier: Arc<Mutex<Summary>>,
}

impl Skipped {
    pub fn earlier(&self) -> Summary {
        self.earlier.lock().map(|s| s.clone()).unwrap_or_default()
    }
}

/// `ids` without those done in `journal` and without repeats: each distinct id is sent at most
/// once per run, so each ends with exactly one final record.
pub fn resume<S>(
    ids: S,
    journal: &Journal,
    skipped: &Skipped,
) -> impl Stream<Item = String> + Send + 'static
where
    S: Stream<Item = String> + Send + 'static,
{
    let done: HashMap<String, JournalRecord> = journal
        .records()
        .filter(|r| r.is_final())
        .map(|r| (r.id.clone(), r.clone()))
        .collect();
    let mut seen = HashSet::new();
    let skipped = skipped.clone();
    ids.filter_map(move |id| {
        let send = if !seen.insert(id.clone()) {
            false
        } else if let Some(record) = done.get(&id) {
            if let Ok(mut earlier) = skipped.earlier.lock() {
                earlier.record(record);
            }
            false
        } else {
            true
        };
        futures::future::ready(send.then_some(id))
    })
}
