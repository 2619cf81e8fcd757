//! `cargo xtask`: the project's developer tasks.
//!
//! * `cargo xtask vendor --upstream DIR [--dry-run] [-v]` writes `openapi/sailpoint-v2025.yaml`
//!   from a multi-file SailPoint `api-specs` tree (the operations in `openapi/operations.txt`)
//!   and reports what changed.
//! * `cargo xtask generate [--check] [-v]` turns that fragment into the generated client crates.
//! * `cargo xtask test` runs every check and test (formatting, clippy, generated code, docs,
//!   packaging, unit, integration and Prism contract tests); `.ci/run` calls it.
//! * `cargo xtask build-time [--enforce]` times a cold build of a new project depending on the
//!   SDK next to a reqwest + tokio + serde one.

mod adjust;
mod build_time;
mod ci;
mod drop_in;
mod fresh_project;
mod generate;
mod generator_panics;
mod packaging;
mod spec_fragment;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Developer tasks for the SailPoint v2025 Rust SDK"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Write the vendored spec fragment from an upstream SailPoint api-specs tree.
    Vendor(spec_fragment::VendorArgs),
    /// Generate the client crates from the vendored fragment.
    Generate(generate::GenerateArgs),
    /// Run every check and test, Prism contract tests included (what CI runs).
    Test(ci::TestArgs),
    /// Time a cold build of a new project depending on the SDK next to a reqwest + tokio +
    /// serde one (the aim: within 1.15x).
    BuildTime(build_time::BuildTimeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Vendor(args) => spec_fragment::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Test(args) => ci::run(&args),
        Command::BuildTime(args) => build_time::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn workspace_root() -> PathBuf {
    let manifest_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .map(PathBuf::from)
        .unwrap_or(manifest_dir)
}
