//! `cargo xtask bench-fleet`: fleet mode's benchmark. Four processes of the classify example
//! share ISC's limit through Redis against an emulator enforcing it (see
//! `sailpoint-v2025/benches/fleet.rs`). The example must be a release build with the facade's
//! `redis` feature, which `cargo bench` alone does not build, so this builds it first.

use anyhow::{Context, Result};

use crate::command::{cargo, run_command};

/// Entry point of `cargo xtask bench-fleet`.
pub fn run() -> Result<()> {
    let root = crate::workspace::root();
    crate::redis_server::ensure_installed()?;
    run_command(cargo(&root).args([
        "build",
        "--locked",
        "--release",
        "-p",
        "sailpoint-v2025",
        "--features",
        "redis",
        "--example",
        "classify",
    ]))
    .context("building the release classify example with the `redis` feature")?;
    run_command(cargo(&root).args([
        "bench",
        "--locked",
        "-p",
        "sailpoint-v2025",
        "--features",
        "redis",
        "--bench",
        "fleet",
    ]))
}
