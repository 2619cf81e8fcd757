//! `cargo xtask build-time`: the cold debug build of a new user's project that depends on the
//! SDK, next to one that depends on what a hand-written client would (reqwest with its default
//! features, tokio, serde, serde_json), measured in one run on the same machine. The aim: the
//! SDK project within 1.15x of the other.
//!
//! Both projects are created outside the workspace (see [`crate::fresh_project`]); dependencies
//! are downloaded first (`cargo fetch`), so only compilation is timed, each into an empty target
//! directory. The SDK project is exactly the README's `cargo add` lines and its first program.

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::command::{cargo, run_command};
use crate::fresh_project::{self, in_dir, instructions, localize, workspace_dirs};

/// The aim: the SDK project's cold build takes at most this many times the baseline's.
const AIM: f64 = 1.15;

/// The baseline: what a project calling the API by hand would add.
const BASELINE_ADDS: [&[&str]; 4] = [
    &["add", "reqwest", "--features", "json"],
    &["add", "tokio", "--features", "macros,rt-multi-thread"],
    &["add", "serde", "--features", "derive"],
    &["add", "serde_json"],
];

/// A program that uses the baseline's dependencies the way a hand-written client would.
const BASELINE_MAIN: &str = r#"#[derive(serde::Deserialize)]
struct Classified {
    #[serde(rename = "isMachine")]
    is_machine: bool,
}

#[tokio::main]
async fn main() -> Result<(), reqwest::Error> {
    let answer: Classified = reqwest::Client::new()
        .post("https://acme.api.identitynow.com/v2025/accounts/x/classify")
        .bearer_auth("token")
        .header("X-SailPoint-Experimental", "true")
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    println!("machine={} {}", answer.is_machine, serde_json::json!({"ok": true}));
    Ok(())
}
"#;

/// Arguments of `cargo xtask build-time`.
#[derive(Debug, clap::Args)]
pub struct BuildTimeArgs {
    /// Fail when the SDK project's build takes more than 1.15x the baseline's.
    #[arg(long)]
    pub enforce: bool,
}

/// Entry point of `cargo xtask build-time`.
pub fn run(args: &BuildTimeArgs) -> Result<()> {
    let root = crate::workspace::root();
    let members = crate::workspace::Workspace::load(&root)?.members();
    let readme_path = root.join(fresh_project::README);
    let readme = fs::read_to_string(&readme_path)
        .with_context(|| format!("reading {}", readme_path.display()))?;
    let found = instructions(&readme);
    let sdk_adds: Vec<Vec<String>> = found
        .cargo_adds
        .iter()
        .filter(|args| !args.iter().any(|a| a == "--dev"))
        // The SDK's optional features (fleet mode's `cargo add sailpoint-v2025 --features
        // redis`) are not what a default build costs.
        .filter(|args| {
            !(args.iter().any(|a| a == "sailpoint-v2025")
                && args.iter().any(|a| a.starts_with("--features")))
        })
        .flat_map(|args| localize(args, workspace_dirs(&members)))
        .collect();
    let sdk_main = found
        .programs
        .first()
        .context("the README has no Rust program")?;
    let baseline_adds: Vec<Vec<String>> = BASELINE_ADDS
        .iter()
        .map(|args| args.iter().map(|a| (*a).to_string()).collect())
        .collect();

    let base =
        std::env::temp_dir().join(format!("sailpoint-v2025-build-time-{}", std::process::id()));
    let result = (|| -> Result<(Duration, Duration)> {
        let sdk = base.join("sdk");
        let baseline = base.join("baseline");
        fresh_project::create(&root, &sdk, "sdk-project", &[], &sdk_adds, &[])?;
        fs::write(sdk.join("src/main.rs"), sdk_main).context("writing the SDK program")?;
        fresh_project::create(
            &root,
            &baseline,
            "baseline-project",
            &[],
            &baseline_adds,
            &[],
        )?;
        fs::write(baseline.join("src/main.rs"), BASELINE_MAIN)
            .context("writing the baseline program")?;
        for dir in [&sdk, &baseline] {
            run_command(in_dir(cargo(&root).args(["fetch", "--quiet"]), dir))?;
        }
        // Baseline first, then the SDK: the same machine, one after the other.
        let baseline_time = cold_build(&root, &baseline, &base.join("target-baseline"))?;
        let sdk_time = cold_build(&root, &sdk, &base.join("target-sdk"))?;
        Ok((baseline_time, sdk_time))
    })();
    let _ = fs::remove_dir_all(&base);
    let (baseline_time, sdk_time) = result?;

    let ratio = sdk_time.as_secs_f64() / baseline_time.as_secs_f64();
    println!();
    println!("cold debug build, {} jobs:", jobs());
    println!(
        "  reqwest + tokio + serde + serde_json   {:>6.1}s",
        baseline_time.as_secs_f64()
    );
    println!(
        "  sailpoint-v2025 (README's cargo add)   {:>6.1}s",
        sdk_time.as_secs_f64()
    );
    println!(
        "  ratio {ratio:.2} (aim <= {AIM}): {}",
        if ratio <= AIM { "MET" } else { "MISSED" }
    );
    if args.enforce && ratio > AIM {
        bail!("the SDK project builds {ratio:.2}x as long as the baseline (aim {AIM})");
    }
    Ok(())
}

/// Builds `dir` into the empty `target` and returns how long it took.
fn cold_build(root: &Path, dir: &Path, target: &Path) -> Result<Duration> {
    let _ = fs::remove_dir_all(target);
    let start = Instant::now();
    run_command(
        in_dir(cargo(root).args(["build", "--quiet", "--offline"]), dir)
            .env("CARGO_TARGET_DIR", target),
    )?;
    Ok(start.elapsed())
}

fn jobs() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}
