//! The checks that keep the crates publishable and lean, run by `cargo xtask test`:
//!
//! * [`feature_builds`]: `cargo check` of the facade with each documented feature set other than
//!   the default (which the publish dry run builds), and the `compile_error!` of a build
//!   without TLS;
//! * [`publish_dry_run`]: `cargo publish --dry-run --workspace`, which packages every
//!   publishable crate in dependency order (the packages are then built together by
//!   [`crate::fresh_project::packaged_crates_build`]);
//! * [`licenses_match`]: every package ships the root's license files.

use std::fs;
use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::command::{captured, cargo, run_command, show};
use crate::workspace::Workspace;

/// The facade crate.
const FACADE: &str = "sailpoint-v2025";
const LICENSE_FILES: [&str; 2] = ["LICENSE-MIT", "LICENSE-APACHE"];

/// The documented feature sets besides the default, each as `cargo check` arguments.
const FEATURE_SETS: [&[&str]; 3] = [
    // native-tls alone, as documented in the README.
    &["--no-default-features", "--features", "native-tls"],
    // ring instead of aws-lc, as documented in the README.
    &["--no-default-features", "--features", "ring"],
    // Everything at once (what docs.rs builds, plus native-tls): every TLS backend, schemars,
    // opentelemetry.
    &["--all-features"],
];

/// `cargo check` of the facade per documented feature set, and the no-TLS `compile_error!`.
pub fn feature_builds(root: &Path) -> Result<()> {
    for args in FEATURE_SETS {
        run_command(
            cargo(root)
                .args(["check", "--locked", "--quiet", "-p", FACADE, "--lib"])
                .args(args),
        )?;
    }
    no_tls_is_a_compile_error(root)
}

/// A build without any TLS feature must stop with the crate's `compile_error!` message.
fn no_tls_is_a_compile_error(root: &Path) -> Result<()> {
    let mut command = cargo(root);
    command.args([
        "check",
        "--locked",
        "--quiet",
        "-p",
        FACADE,
        "--lib",
        "--no-default-features",
        "--message-format",
        "short",
    ]);
    println!(
        "$ {} (must fail with the TLS compile_error!)",
        show(&command)
    );
    let output = captured(&mut command)?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        bail!("a build of {FACADE} without a TLS feature compiled; it must be a compile_error!");
    }
    if !text.contains("needs a TLS backend") {
        bail!("a build of {FACADE} without a TLS feature failed for another reason:\n{text}");
    }
    println!("no TLS feature: compile_error! as documented");
    Ok(())
}

/// `cargo publish --dry-run --workspace --no-verify`: packages the publishable crates in
/// dependency order (cargo skips `publish = false`), resolving each against the packages before
/// it, then `cargo package --workspace --no-verify` writes the `.crate` files into
/// `target/package/`. cargo's own verification (a separate build of each package, about as long
/// as four cold builds) is replaced by [`crate::fresh_project::packaged_crates_build`], which
/// builds all four packages, unpacked from these files, together in one project outside the
/// workspace. `--allow-dirty` so that a developer's uncommitted edits are checked too; CI runs
/// on a clean clone.
pub fn publish_dry_run(root: &Path) -> Result<()> {
    licenses_match(root)?;
    run_command(cargo(root).args([
        "publish",
        "--dry-run",
        "--workspace",
        "--no-verify",
        "--locked",
        "--allow-dirty",
    ]))?;
    run_command(cargo(root).args([
        "package",
        "--workspace",
        "--no-verify",
        "--locked",
        "--allow-dirty",
        "--quiet",
    ]))
}

/// Every workspace member (the publishable ones and xtask) carries the root's `LICENSE-MIT` and `LICENSE-APACHE`, byte for byte (cargo
/// packages only files inside the package directory).
pub fn licenses_match(root: &Path) -> Result<()> {
    let members = Workspace::load(root)?.members();
    for name in LICENSE_FILES {
        let original = fs::read(root.join(name)).with_context(|| format!("reading {name}"))?;
        for member in &members {
            let copy = member.dir.join(name);
            let bytes = fs::read(&copy).with_context(|| format!("reading {}", copy.display()))?;
            if bytes != original {
                bail!("{} differs from the root's {name}", copy.display());
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_package_ships_the_license_files() {
        licenses_match(&crate::workspace::root()).expect("license copies match the root");
    }
}
