//! `cargo xtask whole-api --upstream DIR [--out DIR]`: the pipeline on every operation of the
//! v2025 API, in one command, into a scratch directory (never the checked-in crates, which keep
//! the vendored family): `vendor --all-operations --skip-unsupported`, `generate
//! --skip-unsupported` (with its compile check) into a workspace of its own, and `cargo build`
//! of it, each step timed. It prints how many operations compile and every one left out, with
//! the reason.

use std::fs;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};

use crate::command::{cargo, run_command};
use crate::workspace::Workspace;

/// Arguments of `cargo xtask whole-api`.
#[derive(Debug, clap::Args)]
pub struct WholeApiArgs {
    /// Root of a SailPoint api-specs tree (the folder holding `idn/sailpoint-api.v2025.yaml`,
    /// with the `idn/v2024` and `idn/beta` trees it refers into).
    #[arg(long, value_name = "DIR")]
    pub upstream: PathBuf,
    /// Where to write the fragment and the generated workspace (default: `target/whole-api`).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// Entry point of `cargo xtask whole-api`.
pub fn run(args: &WholeApiArgs) -> Result<()> {
    let root = crate::workspace::root();
    let workspace = Workspace::load(&root)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| workspace.target_dir().join("whole-api"));
    fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    let mut timings: Vec<(&str, Duration)> = Vec::new();

    let started = Instant::now();
    let ids = crate::spec_fragment::all_operation_ids(&args.upstream)?;
    let vendored = crate::spec_fragment::vendor_with(&args.upstream, &ids, None, true)?;
    let spec_path = out.join("sailpoint-v2025.yaml");
    fs::write(&spec_path, &vendored.yaml)
        .with_context(|| format!("writing {}", spec_path.display()))?;
    timings.push(("vendor", started.elapsed()));
    println!(
        "vendored {} of {} operations into {} ({} component schemas)",
        ids.len() - vendored.skipped.len(),
        ids.len(),
        spec_path.display(),
        vendored.schemas.len()
    );

    let started = Instant::now();
    let version = workspace.resolved_version("progenitor-impl")?;
    let check_target = workspace
        .target_dir()
        .join("xtask")
        .join("generated-target");
    let generated = crate::generate::generate_compiled(
        &root,
        &spec_path.display().to_string(),
        &vendored.yaml,
        &version,
        false,
        true,
        &crate::generate::CheckPlaces {
            dir: &out,
            target: &check_target,
        },
    )?;
    timings.push(("generate (with its compile check)", started.elapsed()));

    let started = Instant::now();
    run_command(
        cargo(&out)
            .args(["build", "--offline", "--workspace"])
            .env("CARGO_TARGET_DIR", &check_target),
    )?;
    timings.push(("cargo build", started.elapsed()));

    println!();
    println!("left out by vendor ({}):", vendored.skipped.len());
    for skipped in &vendored.skipped {
        println!("  {}: {}", skipped.operation_id, skipped.reason);
    }
    println!("left out by generate ({}):", generated.left_out.len());
    for left in &generated.left_out {
        println!("  {left}");
    }
    println!();
    println!(
        "{} of {} operations generate and compile; the crates are in {}",
        generated.operations,
        ids.len(),
        out.display()
    );
    for (step, time) in &timings {
        println!("  {step:<36} {:>7.1}s", time.as_secs_f64());
    }
    let total: Duration = timings.iter().map(|(_, t)| *t).sum();
    println!("  {:<36} {:>7.1}s", "total", total.as_secs_f64());
    Ok(())
}
