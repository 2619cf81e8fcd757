//! One line of a classification journal: an account id and the outcome of classifying it, in
//! the classify tool's `--json` line format, and the rule that says whether that outcome is
//! final.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::{Error, SendClassifyMachineAccount200Response};

/// The longest journal line accepted when reading (1 MiB); SDK messages are a few KiB at most.
pub const MAX_JOURNAL_LINE_BYTES: usize = 1024 * 1024;

/// One result of a classification, as one JSON line: the classify tool's `--json` format.
///
/// ```text
/// {"id":"2c91...","isMachine":true}
/// {"id":"no-such","error":{"kind":"unexpected_status","status":404,"trackingId":"...","message":"..."}}
/// ```
///
/// Keys may come in any order when read, unknown keys are ignored, and `status`,
/// `trackingId` and `message` may be missing or `null`; `id` and exactly one of `isMachine`
/// (a boolean) or `error` (an object with a string `kind`) are required.
///
/// # Final records
///
/// A record is **final** when running the id again would not be expected to give another
/// answer ([`is_final`](Self::is_final)):
///
/// * a classification (`isMachine`) is final;
/// * a failure about the account itself is final: kinds `bad_request`, `invalid_input`,
///   `not_found`, and `unexpected_status` with a 4xx status other than 401, 403, 408 and 429
///   (for instance a 404 for an unknown account);
/// * every other failure is **not** final, so a later run tries the id again: anything
///   [`Error::is_retryable`] accepts (429, 5xx, timeouts, connection failures), and also
///   failures of the run rather than of the account (`auth`, `config`, `unauthorized`,
///   `forbidden`: wrong credentials or a missing scope fail every id the same way until fixed),
///   and unclear ones (`deadline_exceeded`, `invalid_body`, `body_too_large`, `redirect`, kinds
///   this version does not know). When in doubt the rule errs towards trying again:
///   classifying an account twice is harmless, skipping it for good is not.
///
/// The rule reads only `kind` and `status`, so it gives the same answer for a record built from
/// an [`Error`] and for the same record read back from a file.
///
/// ```
/// use sailpoint_v2025::JournalRecord;
///
/// let done = JournalRecord::classified("2c9180857a1b4f1e017a1b5c0e3a0001", true);
/// assert!(done.is_final());
/// let line = done.to_line();
/// assert_eq!(line, r#"{"id":"2c9180857a1b4f1e017a1b5c0e3a0001","isMachine":true}"#);
/// assert_eq!(JournalRecord::parse_line(&line).unwrap(), done);
///
/// let busy = JournalRecord::parse_line(
///     r#"{"id":"x","error":{"kind":"too_many_requests","status":429,"trackingId":null,"message":"429"}}"#,
/// )
/// .unwrap();
/// assert!(!busy.is_final()); // a later run tries "x" again
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JournalRecord {
    /// The account id, as given.
    pub id: String,
    /// What happened to it.
    pub outcome: RecordOutcome,
}

/// The outcome part of a [`JournalRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordOutcome {
    /// The account was classified (`"isMachine": true|false`).
    Classified {
        /// Whether it is a machine account.
        is_machine: bool,
    },
    /// The classification failed (`"error": {...}`).
    Failed(RecordedFailure),
}

/// A failure as a journal keeps it: the parts of an [`Error`] that survive a restart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RecordedFailure {
    /// [`Error::kind`], e.g. `"unexpected_status"`.
    pub kind: String,
    /// The HTTP status, if a response was received.
    #[serde(default)]
    pub status: Option<u16>,
    /// SailPoint's tracking id, if the response had one.
    #[serde(rename = "trackingId", default)]
    pub tracking_id: Option<String>,
    /// The error and its causes, one line (`error: cause: cause`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub message: String,
}

impl RecordedFailure {
    /// A failure of this kind, status and message, without a tracking id.
    pub fn new(kind: impl Into<String>, status: Option<u16>, message: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            status,
            tracking_id: None,
            message: message.into(),
        }
    }

    /// What a journal keeps of `error`: its kind, status, tracking id and message (with its
    /// causes, control characters escaped).
    pub fn from_error(error: &Error) -> Self {
        Self {
            kind: error.kind().to_string(),
            status: error.status().map(|s| s.as_u16()),
            tracking_id: error.tracking_id().map(str::to_string),
            message: message_with_causes(error),
        }
    }

    /// Whether this failure is final (see [`JournalRecord`]'s rule).
    pub fn is_final(&self) -> bool {
        match self.kind.as_str() {
            "bad_request" | "invalid_input" | "not_found" => true,
            "unexpected_status" => self
                .status
                .is_some_and(|s| (400..500).contains(&s) && ![401, 403, 408, 429].contains(&s)),
            _ => false,
        }
    }
}

impl JournalRecord {
    /// A classification of `id`.
    pub fn classified(id: impl Into<String>, is_machine: bool) -> Self {
        Self {
            id: id.into(),
            outcome: RecordOutcome::Classified { is_machine },
        }
    }

    /// A failure of `id`.
    pub fn failed(id: impl Into<String>, failure: RecordedFailure) -> Self {
        Self {
            id: id.into(),
            outcome: RecordOutcome::Failed(failure),
        }
    }

    /// The record of one bulk result (a [`BulkItem`](crate::BulkItem)'s two halves).
    pub fn from_result(
        id: impl Into<String>,
        result: &Result<SendClassifyMachineAccount200Response, Error>,
    ) -> Self {
        match result {
            Ok(r) => Self::classified(id, r.is_machine),
            Err(error) => Self::failed(id, RecordedFailure::from_error(error)),
        }
    }

    /// Whether the id needs no further attempt: see the rule on [`JournalRecord`].
    pub fn is_final(&self) -> bool {
        match &self.outcome {
            RecordOutcome::Classified { .. } => true,
            RecordOutcome::Failed(failure) => failure.is_final(),
        }
    }

    /// `Some(is_machine)` for a classification.
    pub fn is_machine(&self) -> Option<bool> {
        match &self.outcome {
            RecordOutcome::Classified { is_machine } => Some(*is_machine),
            RecordOutcome::Failed(_) => None,
        }
    }

    /// The failure, if it is one.
    pub fn failure(&self) -> Option<&RecordedFailure> {
        match &self.outcome {
            RecordOutcome::Classified { .. } => None,
            RecordOutcome::Failed(failure) => Some(failure),
        }
    }

    /// The record as one line of JSON, without the line break (`id` first; control characters
    /// and line breaks inside strings are escaped, so the line is always one line).
    pub fn to_line(&self) -> String {
        let line = match &self.outcome {
            RecordOutcome::Classified { is_machine } => Line {
                id: &self.id,
                is_machine: Some(*is_machine),
                error: None,
            },
            RecordOutcome::Failed(failure) => Line {
                id: &self.id,
                is_machine: None,
                error: Some(failure),
            },
        };
        // Serialising strings, a bool and integers cannot fail.
        serde_json::to_string(&line).unwrap_or_default()
    }

    /// Reads one line (with or without its trailing `\n` / `\r\n`).
    ///
    /// # Errors
    ///
    /// [`JournalLineError`] when the line is not one of ours: not JSON, not an object, no
    /// string `id`, neither or both of `isMachine` and `error`, or an `error` without a string
    /// `kind`.
    pub fn parse_line(line: &str) -> Result<Self, JournalLineError> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > MAX_JOURNAL_LINE_BYTES {
            return Err(JournalLineError::new(
                format!("longer than {MAX_JOURNAL_LINE_BYTES} bytes"),
                false,
            ));
        }
        let owned: OwnedLine = serde_json::from_str(line).map_err(|e| {
            let incomplete = e.is_eof();
            JournalLineError::new(e.to_string(), incomplete)
        })?;
        let outcome = match (owned.is_machine, owned.error) {
            (Some(is_machine), None) => RecordOutcome::Classified { is_machine },
            (None, Some(failure)) => RecordOutcome::Failed(failure),
            (Some(_), Some(_)) => {
                return Err(JournalLineError::new("both `isMachine` and `error`", false));
            }
            (None, None) => {
                return Err(JournalLineError::new(
                    "neither `isMachine` nor `error`",
                    false,
                ));
            }
        };
        Ok(Self {
            id: owned.id,
            outcome,
        })
    }
}

impl fmt::Display for JournalRecord {
    /// The JSON line ([`to_line`](Self::to_line)).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_line())
    }
}

/// Why a line is not a [`JournalRecord`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalLineError {
    problem: String,
    incomplete: bool,
}

impl JournalLineError {
    fn new(problem: impl Into<String>, incomplete: bool) -> Self {
        Self {
            problem: problem.into(),
            incomplete,
        }
    }

    /// Whether the line is the start of a JSON value that ends too early (what a write cut
    /// short by a crash leaves).
    pub fn is_incomplete(&self) -> bool {
        self.incomplete
    }
}

impl fmt::Display for JournalLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a classification record: {}", self.problem)
    }
}

impl std::error::Error for JournalLineError {}

/// The line as written: `id` first.
#[derive(Serialize)]
struct Line<'a> {
    id: &'a str,
    #[serde(rename = "isMachine", skip_serializing_if = "Option::is_none")]
    is_machine: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a RecordedFailure>,
}

/// The line as read: keys in any order, unknown keys ignored.
#[derive(Deserialize)]
struct OwnedLine {
    id: String,
    #[serde(rename = "isMachine", default)]
    is_machine: Option<bool>,
    #[serde(default)]
    error: Option<RecordedFailure>,
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(Option::<String>::deserialize(deserializer)?.unwrap_or_default())
}

/// The error and its causes (`source()` chain) as `error: cause: cause`, control characters
/// escaped so that the message stays one line.
fn message_with_causes(error: &Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    if text.chars().any(char::is_control) {
        text.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn failure(kind: &str, status: Option<u16>) -> RecordedFailure {
        RecordedFailure::new(kind, status, "m")
    }

    #[test]
    fn the_tool_s_lines_of_today_decode_whatever_the_key_order() {
        // What `classify --json` printed before the journal existed (keys sorted).
        let old = r#"{"error":{"kind":"unexpected_status","message":"404 Not Found","status":404,"trackingId":"t-1"},"id":"no-such"}"#;
        let record = JournalRecord::parse_line(old).expect("decodes");
        assert_eq!(record.id, "no-such");
        let failure = record.failure().expect("a failure");
        assert_eq!(failure.status, Some(404));
        assert_eq!(failure.tracking_id.as_deref(), Some("t-1"));
        assert!(record.is_final());
        let ok = JournalRecord::parse_line("{\"isMachine\":false,\"id\":\"a\"}\r\n").unwrap();
        assert_eq!(ok, JournalRecord::classified("a", false));
    }

    #[test]
    fn lines_that_are_not_ours_are_refused() {
        for line in [
            "id",
            "hello world",
            "[1,2]",
            "{}",
            r#"{"id":"a"}"#,
            r#"{"id":7,"isMachine":true}"#,
            r#"{"id":"a","isMachine":"yes"}"#,
            r#"{"id":"a","isMachine":true,"error":{"kind":"x"}}"#,
            r#"{"id":"a","error":{"status":404}}"#,
            r#"{"BaseURL":"https://acme.api.identitynow.com"}"#,
            "id,name\n",
        ] {
            let err = JournalRecord::parse_line(line).expect_err(line);
            assert!(!err.is_incomplete(), "{line}: {err}");
        }
        let torn = JournalRecord::parse_line(r#"{"id":"abc","isMach"#).unwrap_err();
        assert!(torn.is_incomplete());
    }

    #[test]
    fn finality_follows_the_documented_rule() {
        assert!(JournalRecord::classified("a", false).is_final());
        for (kind, status) in [
            ("bad_request", Some(400)),
            ("invalid_input", None),
            ("not_found", Some(404)),
            ("unexpected_status", Some(404)),
            ("unexpected_status", Some(410)),
        ] {
            assert!(failure(kind, status).is_final(), "{kind} {status:?}");
        }
        for (kind, status) in [
            ("too_many_requests", Some(429)),
            ("internal_server_error", Some(500)),
            ("unexpected_status", Some(503)),
            ("unexpected_status", Some(501)),
            ("unexpected_status", Some(408)),
            ("unexpected_status", Some(401)),
            ("unexpected_status", None),
            ("timeout", None),
            ("transport", None),
            ("deadline_exceeded", None),
            ("auth", Some(401)),
            ("config", None),
            ("unauthorized", Some(401)),
            ("forbidden", Some(403)),
            ("invalid_body", Some(200)),
            ("some_future_kind", Some(400)),
        ] {
            assert!(!failure(kind, status).is_final(), "{kind} {status:?}");
        }
    }

    #[test]
    fn a_retryable_error_is_never_final() {
        let errors = [
            Error::TooManyRequests {
                body: None,
                retry_after: None,
                response: None,
            },
            Error::invalid_input("account id", "empty"),
            Error::config("base URL", "bad", "SAIL_BASE_URL"),
        ];
        for error in &errors {
            let failure = RecordedFailure::from_error(error);
            if error.is_retryable() {
                assert!(!failure.is_final(), "{error}");
            }
        }
        assert!(RecordedFailure::from_error(&errors[1]).is_final());
        assert!(!RecordedFailure::from_error(&errors[2]).is_final());
    }

    fn any_record() -> impl Strategy<Value = JournalRecord> {
        let id = "\\PC{0,40}|[\u{0}-\u{1f}\"\\\\\u{2028}a-z]{0,10}";
        prop_oneof![
            (id, any::<bool>()).prop_map(|(id, m)| JournalRecord::classified(id, m)),
            (
                id,
                "[a-z_]{1,20}",
                proptest::option::of(100u16..600),
                proptest::option::of("\\PC{0,20}"),
                "\\PC{0,60}|[\u{0}-\u{1f}\n\r]{0,5}",
            )
                .prop_map(|(id, kind, status, tracking, message)| {
                    let mut f = RecordedFailure::new(kind, status, message);
                    f.tracking_id = tracking;
                    JournalRecord::failed(id, f)
                }),
        ]
    }

    proptest! {
        #[test]
        fn records_round_trip_through_one_line(record in any_record()) {
            let line = record.to_line();
            prop_assert!(!line.contains('\n') && !line.contains('\r'));
            prop_assert!(line.starts_with("{\"id\":\""), "{}", line);
            prop_assert_eq!(JournalRecord::parse_line(&line).unwrap(), record.clone());
            prop_assert_eq!(
                JournalRecord::parse_line(&format!("{line}\n")).unwrap(),
                record
            );
        }

        /// A write cut short anywhere is recognised as incomplete, never as another record.
        #[test]
        fn every_proper_prefix_of_a_line_is_incomplete(record in any_record(), cut in 0.0f64..1.0) {
            let line = record.to_line();
            let mut at = ((line.len() as f64) * cut) as usize;
            while !line.is_char_boundary(at) {
                at -= 1;
            }
            let prefix = &line[..at];
            match JournalRecord::parse_line(prefix) {
                Ok(other) => prop_assert!(false, "{prefix:?} decoded as {other:?}"),
                Err(e) => prop_assert!(e.is_incomplete() || prefix.is_empty(), "{prefix:?}: {e}"),
            }
        }

        /// Arbitrary text never panics, and whatever decodes re-encodes to a line that decodes
        /// the same.
        #[test]
        fn arbitrary_lines_never_panic(line in "\\PC{0,80}|\\{\"id\":\"[a-z]{0,4}\",\\PC{0,40}") {
            if let Ok(record) = JournalRecord::parse_line(&line) {
                prop_assert_eq!(JournalRecord::parse_line(&record.to_line()).unwrap(), record);
            }
        }
    }
}
