//! One file `cargo xtask generate` owns (a leaf, shared by the generator and its compile check).

use std::path::PathBuf;

/// One file the generator owns, with its expected contents.
#[derive(Debug)]
pub struct GeneratedFile {
    /// Path relative to the workspace root.
    pub path: PathBuf,
    /// The full expected contents.
    pub contents: String,
}
