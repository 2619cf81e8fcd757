//! `cargo xtask`: the project's developer tasks.
//!
//! * `cargo xtask vendor --upstream DIR [--all-operations] [--skip-unsupported] [--dry-run] [-v]`
//!   writes `openapi/sailpoint-v2025.yaml`
//!   from a multi-file SailPoint `api-specs` tree (the operations in `openapi/operations.txt`)
//!   and reports what changed.
//! * `cargo xtask generate [--check] [-v] [--skip-unsupported] [--spec FILE] [--out DIR]` turns
//!   that fragment into the generated client crates, compile-checked, naming every operation it
//!   cannot generate.
//! * `cargo xtask whole-api --upstream DIR [--out DIR]` runs vendor, generate and build on every
//!   operation of the API into a scratch directory, timed.
//! * `cargo xtask test` runs every check and test (formatting, clippy, generated code, docs,
//!   packaging, unit, integration and Prism contract tests); `.ci/run` calls it.
//! * `cargo xtask build-time [--enforce]` times a cold build of a new project depending on the
//!   SDK next to a reqwest + tokio + serde one.
//! * `cargo xtask doc-programs` packages the crates and runs every program of the published
//!   READMEs and every `no_run` example of the rustdoc against the packaged emulator binary, as
//!   `cargo xtask test` does (without its Redis: fleet mode's program then paces alone).
//! * `cargo xtask bench-fleet` runs fleet mode's benchmark (four classify processes sharing
//!   the rate limit through Redis).

mod adjust;
mod bench_fleet;
mod build_time;
mod ci;
mod command;
mod compile_check;
mod doc_programs;
mod drop_in;
mod fresh_project;
mod generate;
mod generated_file;
mod generator_panics;
mod operation_set;
mod packaging;
mod redis_server;
mod spec_fragment;
mod unsupported;
mod whole_api;
mod workspace;

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
    /// Vendor, generate and build every operation of the v2025 API into a scratch directory,
    /// timing each step and naming every operation left out.
    WholeApi(whole_api::WholeApiArgs),
    /// Time a cold build of a new project depending on the SDK next to a reqwest + tokio +
    /// serde one (the aim: within 1.15x).
    BuildTime(build_time::BuildTimeArgs),
    /// Fleet mode's benchmark: four classify processes sharing the limit through Redis.
    BenchFleet,
    /// Package the crates, build the READMEs' programs and the rustdoc's `no_run` examples in
    /// a fresh project, and run each against the packaged emulator binary.
    DocPrograms,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Vendor(args) => spec_fragment::run(&args),
        Command::Generate(args) => generate::run(&args),
        Command::Test(args) => ci::run(&args),
        Command::BuildTime(args) => build_time::run(&args),
        Command::BenchFleet => bench_fleet::run(),
        Command::DocPrograms => doc_programs::package_build_and_run(),
        Command::WholeApi(args) => whole_api::run(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
