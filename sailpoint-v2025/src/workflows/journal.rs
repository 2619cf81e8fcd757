//! A durable record of a bulk run: an append-only JSON-lines file of [`JournalRecord`]s that a
//! later run reads to skip the ids already done.

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use crate::workflows::journal_record::{JournalRecord, MAX_JOURNAL_LINE_BYTES};

/// How often appended lines are made durable (`fsync`) at the latest.
pub const JOURNAL_SYNC_INTERVAL: Duration = Duration::from_secs(1);

/// What a torn last line of ours can start with: the start of a line this crate writes
/// (`{"id":"`) or of one the classify tool printed before the journal existed (keys sorted).
const LINE_STARTS: [&str; 2] = ["{\"id\":\"", "{\"error\":{\"kind\":\""];

/// A classification journal: an append-only file with one [`JournalRecord`] per line (the
/// classify tool's `--json` format), so that a bulk run that stops (a crash, `SIGKILL`, a
/// deploy) can be started again without sending the ids it already finished.
///
/// * [`open`](Self::open) creates the file, or reads it and remembers which ids have a
///   [final](JournalRecord#final-records) record ([`is_done`](Self::is_done)).
/// * [`append`](Self::append) writes one whole line per call with a single `write` (no user-space
///   buffer: the line is in the operating system once `append` returns, so it survives the
///   process being killed) and a background thread makes appended lines durable (`fsync`) at
///   least every [`JOURNAL_SYNC_INTERVAL`] (1 s), and [`close`](Self::close) (or drop) once more.
/// * A **torn last line** (the process died in the middle of a write) is cut off when the
///   journal is opened ([`torn_bytes_removed`](Self::torn_bytes_removed)): its id is not done
///   and runs again, and later appends start on a fresh line. A failed append is cut off the
///   same way, so a journal never holds a broken line between two good ones.
/// * A file that is **not a journal** (any complete line that is not a record, a binary file, a
///   directory, a FIFO) is refused with [`JournalError::NotAJournal`] and left exactly as it was:
///   nothing is written or truncated before the whole file has been read and accepted.
/// * Which record counts for an id: its first final record; without one, its latest record.
///
/// * **One run at a time.** An open journal holds an exclusive lock on its file (`flock` on
///   Unix, `LockFileEx` on Windows; advisory, released when the journal is closed or dropped,
///   and by the operating system when the process dies, `kill -9` included). A second run on the
///   same file (an overlapping cron job, a second shell) gets [`JournalError::InUse`] before
///   anything is read, cut off or sent. On a filesystem without locks (some network mounts)
///   the journal opens unlocked, with a `tracing` warning.
///
/// Memory grows with the number of distinct ids in the file (their latest record each).
///
/// ```no_run
/// use futures::StreamExt;
/// use sailpoint_v2025::{Client, Journal, JournalRecord};
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let client = Client::from_env()?;
/// let mut journal = Journal::open("classify.journal")?;
/// let ids = ["2c9180857a1b4f1e017a1b5c0e3a0001", "2c9180857a1b4f1e017a1b5c0e3a0002"];
/// let todo: Vec<String> = ids
///     .iter()
///     .filter(|id| !journal.is_done(id))
///     .map(|id| id.to_string())
///     .collect();
/// let mut results = client.classify_accounts(todo);
/// while let Some((id, result)) = results.next().await {
///     journal.append(&JournalRecord::from_result(id, &result))?;
/// }
/// journal.close()?;
/// # Ok(()) }
/// ```
pub struct Journal {
    path: PathBuf,
    file: File,
    /// The file's length: where the next line starts (and what a failed append is cut back to).
    len: u64,
    records: HashMap<String, JournalRecord>,
    done: usize,
    torn_bytes_removed: u64,
    dirty: Arc<AtomicBool>,
    syncer: Option<Syncer>,
}

/// Why a journal cannot be opened or written.
#[derive(Debug)]
#[non_exhaustive]
pub enum JournalError {
    /// The file exists but is not a classification journal; it was left unchanged.
    #[non_exhaustive]
    NotAJournal {
        /// The file.
        path: PathBuf,
        /// The first line that is not a record (1-based), if the problem is a line.
        line: Option<u64>,
        /// What is wrong with it.
        problem: String,
    },
    /// Another open journal (another run, in this process or another) holds the file's lock;
    /// nothing was read, changed or sent.
    #[non_exhaustive]
    InUse {
        /// The file.
        path: PathBuf,
    },
    /// Reading, writing or syncing the file failed.
    #[non_exhaustive]
    Io {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}

// Written out rather than derived: the SDK keeps `thiserror` out of an application's tree.
impl std::fmt::Display for JournalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JournalError::NotAJournal {
                path,
                line,
                problem,
            } => {
                write!(f, "{} is not a classification journal (", path.display())?;
                match line {
                    Some(n) => write!(f, "line {n}")?,
                    None => f.write_str("the file")?,
                }
                write!(f, ": {problem}); it was left unchanged")
            }
            JournalError::InUse { path } => write!(
                f,
                "journal {} is in use by another run (it holds the file's lock); wait for that \
                 run to end, or give this one another journal",
                path.display()
            ),
            JournalError::Io { path, source } => {
                write!(f, "journal {}: {source}", path.display())
            }
        }
    }
}

impl std::error::Error for JournalError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            JournalError::NotAJournal { .. } | JournalError::InUse { .. } => None,
            JournalError::Io { source, .. } => Some(source),
        }
    }
}

impl std::fmt::Debug for Journal {
    /// The path and counts (not the records: a journal may hold millions).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Journal")
            .field("path", &self.path)
            .field("ids", &self.records.len())
            .field("done", &self.done)
            .field("torn_bytes_removed", &self.torn_bytes_removed)
            .finish_non_exhaustive()
    }
}

impl Journal {
    /// Opens the journal at `path`, creating an empty one if there is no file, and reads the
    /// records already in it.
    ///
    /// ```
    /// use sailpoint_v2025::{Journal, JournalError, JournalRecord};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = std::env::temp_dir().join(format!("journal-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir)?;
    /// let path = dir.join("run.jsonl");
    /// # let _ = std::fs::remove_file(&path);
    /// let mut journal = Journal::open(&path)?;
    /// journal.append(&JournalRecord::classified("2c9180857a1b4f1e017a1b5c0e3a0001", true))?;
    /// journal.close()?;
    ///
    /// let journal = Journal::open(&path)?; // a later run
    /// assert!(journal.is_done("2c9180857a1b4f1e017a1b5c0e3a0001"));
    ///
    /// // Not a journal: refused, and the file stays as it was.
    /// std::fs::write(dir.join("ids.csv"), "id,name\n")?;
    /// assert!(matches!(
    ///     Journal::open(dir.join("ids.csv")),
    ///     Err(JournalError::NotAJournal { .. })
    /// ));
    /// assert_eq!(std::fs::read_to_string(dir.join("ids.csv"))?, "id,name\n");
    /// # drop(journal);
    /// # std::fs::remove_dir_all(&dir)?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`JournalError::NotAJournal`] when the file is not ours (nothing is changed), and
    /// [`JournalError::Io`] when it cannot be created, read or (for a torn last line)
    /// truncated.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, JournalError> {
        let path = path.as_ref().to_path_buf();
        let io_error = |source| JournalError::Io {
            path: path.clone(),
            source,
        };
        let not_ours = |line: Option<u64>, problem: String| JournalError::NotAJournal {
            path: path.clone(),
            line,
            problem,
        };
        let created = !path.exists();
        // Read and append, never truncate: a file that turns out not to be ours stays as it is.
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&path)
            .map_err(io_error)?;
        let metadata = file.metadata().map_err(io_error)?;
        if !metadata.is_file() {
            return Err(not_ours(None, "not a regular file".into()));
        }
        // Before anything is read or cut off: a run still writing this file must not have its
        // last line taken for a torn one.
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(JournalError::InUse { path }),
            Err(TryLockError::Error(error)) if error.kind() == io::ErrorKind::Unsupported => {
                tracing::warn!(
                    journal = %path.display(),
                    "the filesystem has no file locks: nothing stops a second run from using \
                     this journal at the same time"
                );
            }
            Err(TryLockError::Error(error)) => return Err(io_error(error)),
        }
        if created {
            sync_parent_dir(&path);
        }

        let mut records = HashMap::new();
        let mut done = 0;
        let mut good_len = 0u64;
        let mut torn = None;
        {
            let mut reader = BufReader::new(&mut file);
            let mut buf = Vec::new();
            let mut line_no = 0u64;
            loop {
                buf.clear();
                line_no += 1;
                let n = (&mut reader)
                    .take(MAX_JOURNAL_LINE_BYTES as u64 + 2)
                    .read_until(b'\n', &mut buf)
                    .map_err(io_error)?;
                if n == 0 {
                    break;
                }
                if buf.len() > MAX_JOURNAL_LINE_BYTES + 1 {
                    return Err(not_ours(
                        Some(line_no),
                        format!("longer than {MAX_JOURNAL_LINE_BYTES} bytes"),
                    ));
                }
                let complete = buf.last() == Some(&b'\n');
                if !complete {
                    // The last bytes of the file, without a line break: a write cut short, if
                    // it is the beginning of one of our lines.
                    if !is_torn_line(&buf) {
                        return Err(not_ours(
                            Some(line_no),
                            "the last line is not a record and not the start of one".into(),
                        ));
                    }
                    torn = Some(n as u64);
                    break;
                }
                let text = std::str::from_utf8(&buf)
                    .map_err(|_| not_ours(Some(line_no), "not UTF-8 text".into()))?;
                if !text.trim().is_empty() {
                    let record = JournalRecord::parse_line(text)
                        .map_err(|e| not_ours(Some(line_no), e.to_string()))?;
                    remember(&mut records, &mut done, record);
                }
                good_len += n as u64;
            }
        }
        let torn_bytes_removed = torn.unwrap_or(0);
        if torn.is_some() {
            // The file is ours (every complete line is a record): drop the torn tail, so the
            // next append starts a fresh line.
            file.set_len(good_len).map_err(io_error)?;
            file.sync_all().map_err(io_error)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io_error)?;

        let dirty = Arc::new(AtomicBool::new(false));
        let syncer = Syncer::start(&file, Arc::clone(&dirty)).map_err(io_error)?;
        Ok(Self {
            path,
            file,
            len: good_len,
            records,
            done,
            torn_bytes_removed,
            dirty,
            syncer: Some(syncer),
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether `id` has a final record (see [`JournalRecord::is_final`]): a run that resumes
    /// skips it.
    pub fn is_done(&self, id: &str) -> bool {
        self.records.get(id).is_some_and(JournalRecord::is_final)
    }

    /// The record that counts for `id`: its first final one, else its latest one.
    pub fn record(&self, id: &str) -> Option<&JournalRecord> {
        self.records.get(id)
    }

    /// The record that counts for each id in the journal, in no particular order.
    pub fn records(&self) -> impl Iterator<Item = &JournalRecord> {
        self.records.values()
    }

    /// How many distinct ids the journal holds.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether the journal holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// How many ids have a final record.
    pub fn done_count(&self) -> usize {
        self.done
    }

    /// The bytes of a torn last line cut off by [`open`](Self::open) (0 when the file ended
    /// with a complete line).
    pub fn torn_bytes_removed(&self) -> u64 {
        self.torn_bytes_removed
    }

    /// Appends `record` as one line and returns whether it is final. The line is handed to the
    /// operating system before this returns (it survives the process being killed) and made
    /// durable within [`JOURNAL_SYNC_INTERVAL`].
    ///
    /// # Errors
    ///
    /// [`JournalError::Io`] when the write fails; the part of the line that may have been
    /// written is cut off again, so the journal stays readable.
    pub fn append(&mut self, record: &JournalRecord) -> Result<bool, JournalError> {
        let mut line = record.to_line();
        line.push('\n');
        if let Err(source) = self.file.write_all(line.as_bytes()) {
            let _ = self.file.set_len(self.len);
            return Err(self.io_error(source));
        }
        self.len += line.len() as u64;
        self.dirty.store(true, Ordering::Release);
        let is_final = record.is_final();
        remember(&mut self.records, &mut self.done, record.clone());
        Ok(is_final)
    }

    /// Makes every appended line durable now (`fsync`).
    ///
    /// # Errors
    ///
    /// [`JournalError::Io`] when the operating system reports a failure.
    pub fn sync(&self) -> Result<(), JournalError> {
        self.dirty.store(false, Ordering::Release);
        self.file
            .sync_data()
            .map_err(|source| self.io_error(source))
    }

    /// Stops the background sync and makes every appended line durable. Dropping the journal
    /// does the same but cannot report a failure.
    ///
    /// # Errors
    ///
    /// [`JournalError::Io`] when the final `fsync` fails.
    pub fn close(mut self) -> Result<(), JournalError> {
        if let Some(syncer) = self.syncer.take() {
            syncer.stop();
        }
        self.sync()
    }

    fn io_error(&self, source: io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            source,
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        if let Some(syncer) = self.syncer.take() {
            syncer.stop();
            let _ = self.file.sync_data();
        }
    }
}

/// Keeps `record` as the one that counts for its id: the first final one, else the latest.
fn remember(records: &mut HashMap<String, JournalRecord>, done: &mut usize, record: JournalRecord) {
    match records.get_mut(&record.id) {
        Some(kept) if kept.is_final() => {}
        Some(kept) => {
            if record.is_final() {
                *done += 1;
            }
            *kept = record;
        }
        None => {
            if record.is_final() {
                *done += 1;
            }
            records.insert(record.id.clone(), record);
        }
    }
}

/// Whether `tail` (the file's last bytes, without a line break) is one of our lines cut short.
fn is_torn_line(tail: &[u8]) -> bool {
    // A cut may fall inside a multi-byte character: judge the valid part.
    let text = match std::str::from_utf8(tail) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => {
            std::str::from_utf8(&tail[..e.valid_up_to()]).unwrap_or_default()
        }
        Err(_) => return false,
    };
    let starts_like_ours = LINE_STARTS
        .iter()
        .any(|start| text.starts_with(start) || start.starts_with(text));
    // A complete JSON value (say a one-line config file without a final line break) is not a
    // torn write, whatever it starts with.
    starts_like_ours
        && (text.is_empty() || JournalRecord::parse_line(text).is_err_and(|e| e.is_incomplete()))
}

/// Makes a new file's directory entry durable (best effort: not every platform can open a
/// directory).
fn sync_parent_dir(path: &Path) {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if let Ok(dir) = File::open(parent) {
        let _ = dir.sync_all();
    }
}

/// The background thread that syncs appended lines at least every [`JOURNAL_SYNC_INTERVAL`].
/// A thread rather than a task: the journal works in any program, async or not, and an
/// `fsync` never blocks an async runtime's worker.
#[derive(Debug)]
struct Syncer {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Syncer {
    fn start(file: &File, dirty: Arc<AtomicBool>) -> io::Result<Self> {
        let file = file.try_clone()?;
        let (stop, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("journal-sync".into())
            .spawn(move || {
                while let Err(mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(JOURNAL_SYNC_INTERVAL)
                {
                    if dirty.swap(false, Ordering::AcqRel)
                        && let Err(error) = file.sync_data()
                    {
                        dirty.store(true, Ordering::Release);
                        tracing::warn!(%error, "journal: fsync failed; retrying in a second");
                    }
                }
            })?;
        Ok(Self { stop, thread })
    }

    fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workflows::journal_record::RecordedFailure;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(label: &str) -> Self {
            static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let n = NEXT.fetch_add(1, Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "sailpoint-journal-{}-{n}-{label}",
                std::process::id()
            ));
            std::fs::create_dir_all(&path).unwrap();
            Self(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn not_found(id: &str) -> JournalRecord {
        JournalRecord::failed(
            id,
            RecordedFailure::new("unexpected_status", Some(404), "404"),
        )
    }

    fn throttled(id: &str) -> JournalRecord {
        JournalRecord::failed(
            id,
            RecordedFailure::new("too_many_requests", Some(429), "429"),
        )
    }

    #[test]
    fn a_new_journal_is_created_and_reopened_with_its_final_records() {
        let dir = TempDir::new("reopen");
        let path = dir.0.join("j.jsonl");
        let mut journal = Journal::open(&path).unwrap();
        assert!(journal.is_empty());
        assert!(
            journal
                .append(&JournalRecord::classified("a", true))
                .unwrap()
        );
        assert!(journal.append(&not_found("b")).unwrap());
        assert!(!journal.append(&throttled("c")).unwrap());
        assert!(journal.is_done("a") && journal.is_done("b") && !journal.is_done("c"));
        journal.close().unwrap();

        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3);
        assert!(text.starts_with("{\"id\":\"a\",\"isMachine\":true}\n"));

        let mut journal = Journal::open(&path).unwrap();
        assert_eq!((journal.len(), journal.done_count()), (3, 2));
        assert!(journal.is_done("a") && journal.is_done("b") && !journal.is_done("c"));
        // A retried id that succeeds becomes done; a later non-final record does not undo it.
        journal
            .append(&JournalRecord::classified("c", false))
            .unwrap();
        journal.append(&throttled("c")).unwrap();
        assert!(journal.is_done("c"));
        assert_eq!(journal.record("c").unwrap().is_machine(), Some(false));
        assert_eq!(journal.done_count(), 3);
        drop(journal);
        let journal = Journal::open(&path).unwrap();
        assert_eq!(journal.done_count(), 3);
        assert_eq!(journal.record("c").unwrap().is_machine(), Some(false));
    }

    #[test]
    fn a_torn_last_line_is_cut_off_and_its_id_is_not_done() {
        let dir = TempDir::new("torn");
        let path = dir.0.join("j.jsonl");
        let good = format!(
            "{}\n{}\n",
            JournalRecord::classified("a", true).to_line(),
            not_found("b").to_line()
        );
        let torn_line = JournalRecord::classified("c", true).to_line();
        for cut in [1, 7, torn_line.len() - 1] {
            std::fs::write(&path, format!("{good}{}", &torn_line[..cut])).unwrap();
            let mut journal = Journal::open(&path).unwrap();
            assert_eq!(journal.torn_bytes_removed(), cut as u64);
            assert!(!journal.is_done("c"));
            assert_eq!(journal.done_count(), 2);
            journal
                .append(&JournalRecord::classified("c", true))
                .unwrap();
            journal.close().unwrap();
            assert_eq!(
                std::fs::read_to_string(&path).unwrap(),
                format!("{good}{torn_line}\n"),
                "cut at {cut}"
            );
        }
        // A journal that holds nothing but a torn first line.
        std::fs::write(&path, "{\"id\":\"x\",\"isMa").unwrap();
        let journal = Journal::open(&path).unwrap();
        assert!(journal.is_empty());
        drop(journal);
        assert_eq!(std::fs::read(&path).unwrap(), b"");
        // Cut inside a multi-byte character.
        let record = JournalRecord::classified("ä-ö", true).to_line();
        std::fs::write(&path, &record.as_bytes()[..9]).unwrap();
        assert_eq!(Journal::open(&path).unwrap().torn_bytes_removed(), 9);
    }

    #[test]
    fn files_that_are_not_journals_are_refused_and_left_unchanged() {
        let dir = TempDir::new("foreign");
        let path = dir.0.join("f");
        let cases: [(&[u8], Option<u64>); 8] = [
            (b"id,name\n2c91,svc-backup\n", Some(1)),
            (b"2c9180857a1b4f1e017a1b5c0e3a0001\n", Some(1)),
            (
                b"{\"BaseURL\":\"https://acme.api.identitynow.com\"}",
                Some(1),
            ),
            (b"{\n  \"ClientId\": \"x\"\n}\n", Some(1)),
            (b"{\"id\":\"a\",\"isMachine\":true}\nhello\n", Some(2)),
            (b"{\"id\":\"a\",\"isMachine\":true}\n\xff\xfe\n", Some(2)),
            (b"\x7fELF\x02\x01\x01\x00", Some(1)),
            (
                b"{\"id\":\"a\",\"isMachine\":true}\n{\"id\":\"b\",\"isMachine\":true}x",
                Some(2),
            ),
        ];
        for (content, line) in cases {
            std::fs::write(&path, content).unwrap();
            match Journal::open(&path) {
                Err(JournalError::NotAJournal { line: l, .. }) => assert_eq!(l, line),
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(content)),
            }
            assert_eq!(std::fs::read(&path).unwrap(), content);
        }
        let err = Journal::open(&dir.0).unwrap_err();
        assert!(
            matches!(err, JournalError::NotAJournal { line: None, .. })
                || matches!(err, JournalError::Io { .. }),
            "{err}"
        );
        let message = Journal::open(&path).unwrap_err().to_string();
        assert!(
            message.contains("is not a classification journal"),
            "{message}"
        );
        assert!(message.contains("left unchanged"), "{message}");
    }

    #[test]
    fn a_journal_open_in_another_run_is_refused_until_it_is_closed() {
        let dir = TempDir::new("locked");
        let path = dir.0.join("run.jsonl");
        let mut first = Journal::open(&path).unwrap();
        first.append(&JournalRecord::classified("a", true)).unwrap();
        // A line the first run is still writing looks torn to anyone else: it must stay.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"id\":\"b\",\"isMa")
            .unwrap();
        let before = std::fs::read(&path).unwrap();

        let error = Journal::open(&path).unwrap_err();
        assert!(
            matches!(&error, JournalError::InUse { path: p } if *p == path),
            "{error:?}"
        );
        assert_eq!(
            error.to_string(),
            format!(
                "journal {} is in use by another run (it holds the file's lock); wait for that \
                 run to end, or give this one another journal",
                path.display()
            )
        );
        assert!(std::error::Error::source(&error).is_none());
        assert_eq!(std::fs::read(&path).unwrap(), before, "nothing was cut off");

        first.close().unwrap();
        let second = Journal::open(&path).unwrap();
        assert!(second.is_done("a"));
        assert_eq!(second.torn_bytes_removed(), 15);
        drop(second);
        // Dropped (not closed) releases it too.
        assert!(Journal::open(&path).is_ok());
    }

    #[test]
    fn blank_lines_and_the_old_key_order_are_accepted() {
        let dir = TempDir::new("old");
        let path = dir.0.join("j");
        std::fs::write(
            &path,
            "{\"error\":{\"kind\":\"unexpected_status\",\"message\":\"m\",\"status\":404,\"trackingId\":null},\"id\":\"b\"}\n\n{\"id\":\"a\",\"isMachine\":false}\n{\"error\":{\"kind\":\"too",
        )
        .unwrap();
        let journal = Journal::open(&path).unwrap();
        assert!(journal.is_done("a") && journal.is_done("b"));
        assert_eq!(journal.len(), 2);
        assert!(journal.torn_bytes_removed() > 0);
    }

    fn any_content() -> impl proptest::strategy::Strategy<Value = Vec<u8>> {
        use proptest::prelude::*;
        let good = prop_oneof![
            ("[a-z0-9-]{1,12}", any::<bool>())
                .prop_map(|(id, m)| JournalRecord::classified(id, m).to_line()),
            "[a-z0-9-]{1,12}".prop_map(|id| not_found(&id).to_line()),
            "[a-z0-9-]{1,12}".prop_map(|id| throttled(&id).to_line()),
        ];
        (
            proptest::collection::vec(good, 0..5),
            proptest::collection::vec(any::<u8>(), 0..40),
            any::<bool>(),
        )
            .prop_map(|(lines, tail, cut)| {
                let mut bytes: Vec<u8> = lines
                    .iter()
                    .flat_map(|l| format!("{l}\n").into_bytes())
                    .collect();
                if cut && !bytes.is_empty() {
                    // A write cut short, or damage, somewhere.
                    let at = tail.first().map_or(0, |b| *b as usize) % bytes.len();
                    bytes.truncate(at);
                }
                bytes.extend_from_slice(&tail);
                bytes
            })
    }

    proptest::proptest! {
        /// Whatever the file holds: `open` never panics; a refused file is byte for byte what it
        /// was; an accepted one loses at most a torn tail, and takes appends that read back.
        #[test]
        fn any_file_is_either_refused_untouched_or_opened_and_appendable(content in any_content()) {
            let dir = TempDir::new("prop");
            let path = dir.0.join("j");
            std::fs::write(&path, &content).unwrap();
            match Journal::open(&path) {
                Err(JournalError::NotAJournal { .. }) => {
                    proptest::prop_assert_eq!(std::fs::read(&path).unwrap(), content);
                }
                Err(other) => proptest::prop_assert!(false, "{other}"),
                Ok(mut journal) => {
                    let kept = content.len() - journal.torn_bytes_removed() as usize;
                    proptest::prop_assert_eq!(&std::fs::read(&path).unwrap()[..], &content[..kept]);
                    journal.append(&JournalRecord::classified("new-id", true)).unwrap();
                    journal.close().unwrap();
                    let reopened = Journal::open(&path).unwrap();
                    proptest::prop_assert!(reopened.is_done("new-id"));
                    proptest::prop_assert_eq!(reopened.torn_bytes_removed(), 0);
                }
            }
        }
    }

    #[test]
    fn lines_are_synced_by_the_background_thread() {
        let dir = TempDir::new("sync");
        let mut journal = Journal::open(dir.0.join("j")).unwrap();
        journal
            .append(&JournalRecord::classified("a", true))
            .unwrap();
        assert!(journal.dirty.load(Ordering::Acquire));
        // Behaviour, not timing: within generous time the flag is cleared by the syncer.
        let deadline = std::time::Instant::now() + Duration::from_secs(60);
        while journal.dirty.load(Ordering::Acquire) {
            assert!(std::time::Instant::now() < deadline, "never synced");
            std::thread::sleep(Duration::from_millis(50));
        }
        journal.close().unwrap();
    }
}
