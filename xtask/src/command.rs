//! Running the programs the tasks drive (cargo, npm, tar): how a command is shown, run, and how
//! its failure is reported. A leaf: it uses nothing else of the xtask.

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use anyhow::{Context, Result, bail};

/// The `cargo` that runs us (`CARGO`, set by `cargo run`), else the one on `PATH`, in `root`.
pub fn cargo(root: &Path) -> Command {
    let program = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(program);
    command.current_dir(root);
    command
}

/// Shows a command as a shell line, with the variables it sets.
pub fn show(command: &Command) -> String {
    let mut line = String::new();
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            let _ = write!(
                line,
                "{}={:?} ",
                key.to_string_lossy(),
                value.to_string_lossy()
            );
        }
    }
    let program = command.get_program().to_string_lossy();
    line.push_str(program.rsplit('/').next().unwrap_or(&program));
    for arg in command.get_args() {
        line.push(' ');
        line.push_str(&arg.to_string_lossy());
    }
    line
}

/// Runs a command with inherited stdout and stderr; fails unless it exits successfully.
pub fn run_command(command: &mut Command) -> Result<()> {
    let shown = show(command);
    println!("$ {shown}");
    let status = command
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// Runs a command with its stdout and stderr captured, whatever its exit status (the caller
/// decides what a failure means); fails only when it cannot be started.
pub fn captured(command: &mut Command) -> Result<Output> {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .with_context(|| format!("could not start `{}`", show(command)))
}

/// Whether a command can be run and exits successfully, its output discarded (probing for an
/// optional tool such as cargo-nextest).
pub fn succeeds(command: &mut Command) -> bool {
    command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_is_shown_as_a_shell_line_with_its_variables() {
        let mut command = Command::new("/usr/bin/cargo");
        command
            .args(["doc", "--no-deps"])
            .env("RUSTDOCFLAGS", "-D warnings");
        assert_eq!(
            show(&command),
            "RUSTDOCFLAGS=\"-D warnings\" cargo doc --no-deps"
        );
    }

    #[test]
    fn a_failing_command_is_an_error_naming_it() {
        let err = run_command(Command::new("false").arg("--flag")).expect_err("false fails");
        assert!(err.to_string().contains("`false --flag` failed"), "{err}");
        assert!(run_command(&mut Command::new("true")).is_ok());
        let err = run_command(&mut Command::new("/nonexistent/program")).expect_err("no program");
        assert!(err.to_string().contains("could not start"), "{err}");
    }
}
