//! The classify example's input: ids from a file, stdin, a FIFO or `<(command)`, one per line,
//! read lazily as the calls start. A UTF-8 byte order mark before the first id is skipped; a
//! first (non-blank) line that looks like a CSV header (or a CSV row) stops the run with a hint.

use std::sync::{Arc, Mutex};

use futures::Stream;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncReadExt};

/// The longest input line read; a longer one stops the run (no id is that long).
pub const MAX_LINE_BYTES: u64 = 64 * 1024;

/// What Windows editors put before the text of a "UTF-8" file.
const BOM: char = '\u{feff}';

/// Header names a column of account ids goes by (compared case-insensitively).
const ID_HEADERS: [&str; 7] = [
    "id",
    "ids",
    "accountid",
    "account_id",
    "account id",
    "account-id",
    "account",
];

/// A problem with the input that stops the run once the ids before it are done.
pub type InputFailure = Arc<Mutex<Option<String>>>;

/// Non-blank lines of a reader, trimmed, as a stream of ids, read lazily as the calls start.
/// A read error, invalid UTF-8, an overlong line or a CSV-looking first line ends the stream and
/// is recorded (naming the line) in `failure`.
pub fn id_lines<R>(
    reader: R,
    source: String,
    failure: InputFailure,
) -> impl Stream<Item = String> + Send + 'static
where
    R: AsyncBufRead + Unpin + Send + 'static,
{
    // The reader, the line number, the line buffer, and whether an id was read yet.
    let state = (reader, 0u64, Vec::new(), false);
    futures::stream::unfold(
        state,
        move |(mut reader, mut line, mut buf, mut seen_id)| {
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
                            Ok(text) => {
                                let text = if line == 1 {
                                    text.strip_prefix(BOM).unwrap_or(text)
                                } else {
                                    text
                                };
                                let id = text.trim();
                                if id.is_empty() {
                                    continue;
                                }
                                if !seen_id && let Some(problem) = csv_problem(id) {
                                    fail(format!("line {line} of {source} {problem}"));
                                    return None;
                                }
                                seen_id = true;
                                let id = id.to_string();
                                return Some((id, (reader, line, buf, seen_id)));
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
        },
    )
}

/// Why a first line is not an account id but CSV: a separator (no account id contains one) or
/// a column name. `None` for an ordinary id.
pub fn csv_problem(first: &str) -> Option<String> {
    let hint = "give one account id per line, e.g. for a CSV file with a header and the ids in \
                its first column: `tail -n +2 FILE | cut -d, -f1 | classify --file -`";
    let shown: String = first.chars().take(60).collect();
    if let Some(separator) = [',', ';', '\t'].into_iter().find(|c| first.contains(*c)) {
        let name = match separator {
            ',' => "a comma",
            ';' => "a semicolon",
            _ => "a tab",
        };
        return Some(format!(
            "looks like CSV (`{}` has {name}), not an account id: {hint}",
            shown.escape_default()
        ));
    }
    if ID_HEADERS.iter().any(|h| first.eq_ignore_ascii_case(h)) {
        return Some(format!(
            "looks like a CSV header (`{}`), not an account id: {hint}",
            shown.escape_default()
        ));
    }
    None
}
