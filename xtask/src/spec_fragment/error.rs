//! The errors `cargo xtask vendor` reports. Each names the file (and where useful the JSON
//! pointer inside it) so that a broken upstream tree can be fixed or reported upstream.

use std::fmt;
use std::path::PathBuf;

/// How many searched files an "operation not found" message lists before summarising.
const LISTED_FILES: usize = 12;

/// A vendoring failure. `vendor_fragment` returns these inside an `anyhow::Error`, so callers can
/// `downcast_ref::<VendorError>()` to tell the cases apart.
#[derive(Debug)]
pub enum VendorError {
    /// The `--upstream` directory does not exist or is not a directory.
    MissingTree { path: PathBuf },
    /// The upstream tree has no root document at `idn/sailpoint-api.v2025.yaml`.
    MissingRoot { path: PathBuf },
    /// A file exists but cannot be read.
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file is not valid YAML.
    Parse { path: PathBuf, message: String },
    /// The root document is not OpenAPI 3.0.x.
    UnsupportedOpenApi { path: PathBuf, found: String },
    /// No path item referenced from the root document's `paths` has this operationId.
    OperationNotFound {
        operation_id: String,
        root: PathBuf,
        /// Path item files that were read, in root-document order.
        searched: Vec<String>,
        /// Path item files the root document references that do not exist.
        missing: Vec<String>,
    },
    /// A `$ref` points at a file or JSON pointer that does not exist.
    DanglingRef {
        /// `file#/pointer` of the node holding the `$ref`.
        referrer: String,
        reference: String,
        reason: String,
    },
    /// `$ref`s that would have to be inlined (or aliases of aliases) form a cycle; the first and
    /// last entries are the same location.
    CyclicRef { cycle: Vec<String> },
    /// Two different schemas would get the same component name.
    NameClash {
        name: String,
        first: String,
        second: String,
    },
    /// The document has a shape vendoring cannot handle (e.g. `paths` is not a mapping).
    Invalid { at: String, message: String },
}

impl fmt::Display for VendorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingTree { path } => write!(
                f,
                "upstream tree {} does not exist or is not a directory (pass the root of a \
                 SailPoint api-specs checkout: the folder that holds idn/)",
                path.display()
            ),
            Self::MissingRoot { path } => write!(
                f,
                "root document {} not found: is the upstream tree a SailPoint api-specs checkout?",
                path.display()
            ),
            Self::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            Self::Parse { path, message } => {
                write!(f, "cannot parse {} as YAML: {message}", path.display())
            }
            Self::UnsupportedOpenApi { path, found } => write!(
                f,
                "{} declares openapi {found}; only OpenAPI 3.0.x root documents are supported",
                path.display()
            ),
            Self::OperationNotFound {
                operation_id,
                root,
                searched,
                missing,
            } => {
                write!(
                    f,
                    "operationId `{operation_id}` not found: searched the `paths` of {} and the \
                     {} it references ({})",
                    root.display(),
                    files(searched.len(), "path item file"),
                    summarise(searched)
                )?;
                if !missing.is_empty() {
                    write!(
                        f,
                        "; {} referenced there {} not exist and {} skipped ({})",
                        files(missing.len(), "path item file"),
                        if missing.len() == 1 { "does" } else { "do" },
                        if missing.len() == 1 { "was" } else { "were" },
                        summarise(missing)
                    )?;
                }
                Ok(())
            }
            Self::DanglingRef {
                referrer,
                reference,
                reason,
            } => write!(f, "dangling $ref `{reference}` in {referrer}: {reason}"),
            Self::CyclicRef { cycle } => write!(f, "cyclic $ref: {}", cycle.join(" -> ")),
            Self::NameClash {
                name,
                first,
                second,
            } => write!(
                f,
                "component name `{name}` would be used for two different schemas: {first} and \
                 {second}"
            ),
            Self::Invalid { at, message } => write!(f, "{at}: {message}"),
        }
    }
}

impl std::error::Error for VendorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Read { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// `1 file`, `2 files`.
pub(super) fn files(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// `a, b, c` or, for long lists, `a, b, … and 40 more`.
fn summarise(files: &[String]) -> String {
    if files.is_empty() {
        return "none".to_owned();
    }
    let shown = files
        .iter()
        .take(LISTED_FILES)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if files.len() > LISTED_FILES {
        format!("{shown}, … and {} more", files.len() - LISTED_FILES)
    } else {
        shown
    }
}
