//! A new user's project, outside the workspace: `cargo init` in a temporary directory, the
//! README's `cargo add` lines (workspace crates pointed at their local paths), and the README's
//! Rust programs as examples. `cargo xtask test` builds it (the README works as written);
//! `cargo xtask build-time` times its cold build against a reqwest + tokio + serde project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::ci::{cargo, run_command};

/// The facade's README: the crates.io page whose instructions the project follows.
pub const README: &str = "sailpoint-v2025/README.md";

/// Workspace crates a README may `cargo add`, and their directories.
const LOCAL_CRATES: [(&str, &str); 4] = [
    ("sailpoint-v2025", "sailpoint-v2025"),
    ("sailpoint-v2025-client", "sailpoint-v2025/client"),
    ("sailpoint-v2025-httpmock", "sailpoint-v2025/httpmock"),
    ("sailpoint-v2025-testkit", "tests"),
];

/// What a README asks a user to do: its `cargo add` lines and its Rust programs.
#[derive(Debug, PartialEq)]
pub struct Instructions {
    /// The arguments after `cargo` of each `cargo add` line, in order.
    pub cargo_adds: Vec<Vec<String>>,
    /// Every fenced `rust` block, in order.
    pub programs: Vec<String>,
}

/// Reads `cargo add` lines from `sh`/`shell`/`console`/unlabelled fences and the programs from
/// `rust` fences (any attributes, such as `rust,no_run`).
pub fn instructions(markdown: &str) -> Instructions {
    let mut cargo_adds = Vec::new();
    let mut programs = Vec::new();
    let mut fence: Option<(String, String)> = None;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        match &mut fence {
            None => {
                if let Some(info) = trimmed.strip_prefix("```") {
                    let lang = info.split(',').next().unwrap_or("").trim().to_string();
                    fence = Some((lang, String::new()));
                }
            }
            Some((lang, body)) => {
                if trimmed.starts_with("```") {
                    if lang == "rust" {
                        programs.push(std::mem::take(body));
                    }
                    fence = None;
                } else if lang == "rust" {
                    body.push_str(line);
                    body.push('\n');
                } else if matches!(lang.as_str(), "sh" | "shell" | "console" | "") {
                    let command = trimmed.trim_start_matches("$ ");
                    let command = command.split(" #").next().unwrap_or(command);
                    if command.starts_with("cargo add ") {
                        cargo_adds.push(
                            command
                                .split_whitespace()
                                .skip(1)
                                .map(str::to_string)
                                .collect(),
                        );
                    }
                }
            }
        }
    }
    Instructions {
        cargo_adds,
        programs,
    }
}

/// A `cargo add` line with each workspace crate replaced by `--path <its directory>`.
pub fn localize(args: &[String], root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args {
        match LOCAL_CRATES.iter().find(|(name, _)| name == arg) {
            Some((_, dir)) => {
                out.push("--path".to_string());
                out.push(root.join(dir).display().to_string());
            }
            None => out.push(arg.clone()),
        }
    }
    out
}

/// A fresh project: created in `dir` (emptied first) with `cargo init`, then each of
/// `cargo_adds` run in it, and each program written as `examples/program_<n>.rs`.
pub fn create(
    root: &Path,
    dir: &Path,
    name: &str,
    cargo_adds: &[Vec<String>],
    programs: &[String],
) -> Result<()> {
    if dir.exists() {
        fs::remove_dir_all(dir).with_context(|| format!("removing {}", dir.display()))?;
    }
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    run_command(in_dir(
        cargo(root).args(["init", "--quiet", "--vcs", "none", "--bin", "--name", name]),
        dir,
    ))?;
    // The workspace's lock file: the project resolves to the versions the workspace is tested
    // with (cargo adds what is missing and drops the rest), so its build is reproducible.
    fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).context("copying Cargo.lock")?;
    for args in cargo_adds {
        run_command(in_dir(cargo(root).args(args).arg("--quiet"), dir))?;
    }
    let examples = dir.join("examples");
    fs::create_dir_all(&examples).with_context(|| format!("creating {}", examples.display()))?;
    for (n, program) in programs.iter().enumerate() {
        let path = examples.join(format!("program_{}.rs", n + 1));
        fs::write(&path, program).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// Runs `command` in `dir`, as a project outside the workspace: the workspace's
/// `CARGO_TARGET_DIR` and the like are not passed on unless set here.
pub fn in_dir<'a>(command: &'a mut Command, dir: &Path) -> &'a mut Command {
    command.current_dir(dir).env_remove("CARGO_TARGET_DIR")
}

/// `cargo xtask test`'s step: the README's `cargo add` lines and programs in a fresh project
/// outside the workspace, built (examples use dev-dependencies, so `cargo add --dev` lines
/// count). The target directory is kept under the workspace's, so reruns are incremental.
pub fn readme_programs_build(root: &Path) -> Result<()> {
    let readme = root.join(README);
    let text =
        fs::read_to_string(&readme).with_context(|| format!("reading {}", readme.display()))?;
    let found = instructions(&text);
    if found.cargo_adds.is_empty() || found.programs.is_empty() {
        bail!("{README} has no `cargo add` lines or no Rust programs");
    }
    for (n, program) in found.programs.iter().enumerate() {
        if !program.contains("fn main(") {
            bail!(
                "{README}: Rust block {} is not a whole program (no `fn main`)",
                n + 1
            );
        }
    }
    let cargo_adds: Vec<Vec<String>> = found
        .cargo_adds
        .iter()
        .map(|args| localize(args, root))
        .collect();
    let dir = std::env::temp_dir().join(format!("sailpoint-v2025-readme-{}", std::process::id()));
    let result = create(root, &dir, "readme-check", &cargo_adds, &found.programs).and_then(|()| {
        run_command(
            in_dir(cargo(root).args(["build", "--quiet", "--examples"]), &dir)
                .env("CARGO_TARGET_DIR", shared_target(root, "readme-project")),
        )
    });
    let _ = fs::remove_dir_all(&dir);
    result?;
    println!(
        "{} `cargo add` lines and {} programs of {README} build in a fresh project",
        found.cargo_adds.len(),
        found.programs.len()
    );
    Ok(())
}

/// A target directory kept under the workspace's, for projects outside it.
pub fn shared_target(root: &Path, name: &str) -> PathBuf {
    let base = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root.join(dir),
        _ => root.join("target"),
    };
    base.join(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cargo_add_lines_and_rust_programs_are_found() {
        let readme = "intro\n\
            ```sh\ncargo add sailpoint-v2025\n$ cargo add tokio --features macros  # runtime\n\
            cargo run\n```\n\
            ```toml\ncargo add not-this\n```\n\
            ```rust,no_run\nfn main() {}\n```\n\
            ```text\nfn main() {}\n```\n\
            ```rust\nuse x;\nfn main() {}\n```\n";
        let found = instructions(readme);
        assert_eq!(
            found.cargo_adds,
            vec![
                vec!["add".to_string(), "sailpoint-v2025".to_string()],
                vec!["add", "tokio", "--features", "macros"]
                    .into_iter()
                    .map(String::from)
                    .collect::<Vec<_>>(),
            ]
        );
        assert_eq!(found.programs, ["fn main() {}\n", "use x;\nfn main() {}\n"]);
    }

    #[test]
    fn workspace_crates_are_added_by_path() {
        let root = Path::new("/ws");
        let args: Vec<String> = ["add", "--dev", "sailpoint-v2025-testkit", "tokio"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(
            localize(&args, root),
            ["add", "--dev", "--path", "/ws/tests", "tokio"]
        );
    }

    #[test]
    fn the_facade_readme_starts_with_cargo_add_and_a_whole_program() {
        let text = fs::read_to_string(crate::workspace_root().join(README)).expect("README");
        let found = instructions(&text);
        assert_eq!(
            found.cargo_adds.first().map(|a| a.join(" ")).as_deref(),
            Some("add sailpoint-v2025")
        );
        let first = found.programs.first().expect("a Rust program");
        assert!(first.contains("#[tokio::main]") && first.contains("fn main("));
        // Nothing hidden from the reader: no rustdoc `# ` lines.
        for program in &found.programs {
            assert!(
                !program.lines().any(|l| l.trim_start().starts_with("# ")),
                "{program}"
            );
        }
    }
}
