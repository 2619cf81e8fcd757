//! A new user's project, outside the workspace: `cargo init` in a temporary directory, the
//! READMEs' `cargo add` lines (workspace crates pointed at local copies), and the READMEs' Rust
//! programs as examples. `cargo xtask test` builds it from the crates as packaged for crates.io
//! (the READMEs work as written, and every package builds from its own files);
//! `cargo xtask build-time` times its cold build against a reqwest + tokio + serde project.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::command::{cargo, run_command};
use crate::doc_programs::{self, Runnable};
use crate::workspace::{Member, Workspace};

/// The facade's README: the crates.io page whose instructions the project follows.
pub const README: &str = "sailpoint-v2025/README.md";
/// The other published READMEs with instructions (their programs assume the facade's).
const OTHER_READMES: [&str; 2] = ["sailpoint-v2025/httpmock/README.md", "tests/README.md"];

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

/// `cargo add` options that take a value.
const VALUE_OPTIONS: [&str; 11] = [
    "--features",
    "-F",
    "--rename",
    "--path",
    "--git",
    "--branch",
    "--tag",
    "--rev",
    "--registry",
    "--target",
    "--package",
];

/// A `cargo add` line as one `cargo add` per crate (options shared), each workspace crate
/// replaced by `--path <its directory under dirs>`.
pub fn localize(args: &[String], dirs: impl Fn(&str) -> Option<PathBuf>) -> Vec<Vec<String>> {
    let mut options = Vec::new();
    let mut crates = Vec::new();
    let mut rest = args.iter().skip(1);
    while let Some(arg) = rest.next() {
        if arg.starts_with('-') {
            options.push(arg.clone());
            if VALUE_OPTIONS.contains(&arg.as_str()) {
                options.extend(rest.next().cloned());
            }
        } else {
            crates.push(arg.clone());
        }
    }
    crates
        .into_iter()
        .map(|name| {
            let mut command = vec!["add".to_string()];
            match dirs(&name) {
                Some(dir) => {
                    command.push("--path".to_string());
                    command.push(dir.display().to_string());
                }
                None => command.push(name),
            }
            command.extend(options.iter().cloned());
            command
        })
        .collect()
}

/// The publishable workspace crates' source directories, by crate name.
pub fn workspace_dirs(members: &[Member]) -> impl Fn(&str) -> Option<PathBuf> + '_ {
    move |name| {
        members
            .iter()
            .find(|member| member.publishable && member.name == name)
            .map(|member| member.dir.clone())
    }
}

/// A fresh project: created in `dir` (emptied first) with `cargo init`, then each of
/// `cargo_adds` run in it, and each program written as `examples/program_<n>.rs`.
/// `patch` (crate name, directory) pairs go into a `[patch.crates-io]` table first, so that
/// packaged crates depending on each other by version resolve to the local copies.
pub fn create(
    root: &Path,
    dir: &Path,
    name: &str,
    patch: &[(String, PathBuf)],
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
    if !patch.is_empty() {
        let manifest = dir.join("Cargo.toml");
        let mut text = fs::read_to_string(&manifest).context("reading the new Cargo.toml")?;
        text.push_str("\n[patch.crates-io]\n");
        for (name, path) in patch {
            text.push_str(&format!(
                "{name} = {{ path = {:?} }}\n",
                path.display().to_string()
            ));
        }
        fs::write(&manifest, text).context("writing the new Cargo.toml")?;
    }
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

/// `cargo xtask test`'s step, after `cargo package`: the publishable crates unpacked from their
/// `.crate` files (what crates.io would serve), and a fresh project outside the workspace that
/// follows the published READMEs: their `cargo add` lines (workspace crates pointed at the
/// unpacked packages) and every Rust program as an example, built with `cargo build --examples`
/// (examples see dev-dependencies, so `cargo add --dev` lines count). This is the packages'
/// verification too: each builds from its own files, with its default features. The project
/// and its target directory have stable names, so reruns are incremental.
///
/// The project also gets the `no_run` programs of the rustdoc (one example,
/// `doc_programs.rs`) and the packaged testkit's emulator binary, so that the step
/// "documented programs run" can run them all as a reader would.
pub fn packaged_crates_build(root: &Path) -> Result<BuiltPrograms> {
    let work = packaged_work_dir(root);
    let patch = unpack_packages(root, &work)?;
    let unpacked = |name: &str| {
        patch
            .iter()
            .find(|(local, _)| local == name)
            .map(|(_, dir)| dir.clone())
    };

    let mut cargo_adds = Vec::new();
    let mut programs = Vec::new();
    let mut origins = Vec::new();
    for readme in std::iter::once(README).chain(OTHER_READMES) {
        let path = root.join(readme);
        let text =
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
        let found = instructions(&text);
        if found.cargo_adds.is_empty() || found.programs.is_empty() {
            bail!("{readme} has no `cargo add` lines or no Rust programs");
        }
        for (n, program) in found.programs.iter().enumerate() {
            if !program.contains("fn main(") {
                bail!(
                    "{readme}: Rust block {} is not a whole program (no `fn main`)",
                    n + 1
                );
            }
            origins.push(format!("{readme}, Rust block {}", n + 1));
        }
        for args in &found.cargo_adds {
            cargo_adds.extend(localize(args, unpacked));
        }
        programs.extend(found.programs);
    }

    let project = work.join("project");
    create(
        root,
        &project,
        "readme-check",
        &patch,
        &cargo_adds,
        &programs,
    )?;
    let rustdoc = doc_programs::rustdoc_programs(root)?;
    let examples = project.join("examples");
    let combined = examples.join(format!("{}.rs", doc_programs::RUSTDOC_EXAMPLE));
    fs::write(&combined, doc_programs::combined_example(&rustdoc))
        .with_context(|| format!("writing {}", combined.display()))?;
    let Some(testkit) = unpacked(TESTKIT) else {
        bail!("{TESTKIT} is not among the packaged crates");
    };
    let emulator = examples.join(format!("{}.rs", doc_programs::EMULATOR_EXAMPLE));
    fs::copy(testkit.join(doc_programs::EMULATOR_SOURCE), &emulator).with_context(|| {
        format!(
            "copying the packaged {TESTKIT}'s {}",
            doc_programs::EMULATOR_SOURCE
        )
    })?;

    let target = work.join("target");
    run_command(
        in_dir(
            cargo(root).args(["build", "--quiet", "--examples"]),
            &project,
        )
        .env("CARGO_TARGET_DIR", &target),
    )?;
    println!(
        "{} `cargo add` commands and {} programs of the published READMEs, and {} `no_run` \
         programs of the rustdoc, build in a fresh project from the packaged crates",
        cargo_adds.len(),
        programs.len(),
        rustdoc.len()
    );
    let built = target.join("debug").join("examples");
    let mut runnables: Vec<Runnable> = origins
        .into_iter()
        .enumerate()
        .map(|(n, origin)| Runnable {
            origin,
            binary: built.join(format!("program_{}", n + 1)),
            env: Vec::new(),
        })
        .collect();
    runnables.extend(Runnable::rustdoc(&built, &rustdoc));
    Ok(BuiltPrograms {
        work,
        emulator: built.join(doc_programs::EMULATOR_EXAMPLE),
        programs: runnables,
    })
}

/// The testkit package, whose emulator binary the documented programs run against.
const TESTKIT: &str = "sailpoint-v2025-testkit";

/// What [`packaged_crates_build`] built for the step that runs the documented programs.
#[derive(Debug)]
pub struct BuiltPrograms {
    /// The packaged-crates work directory (the programs run in folders under it).
    pub work: PathBuf,
    /// The emulator binary, built from the packaged testkit's source.
    pub emulator: PathBuf,
    /// The READMEs' programs, then the rustdoc's.
    pub programs: Vec<Runnable>,
}

impl BuiltPrograms {
    /// Runs every program against the emulator (`doc_programs::run`).
    pub fn run(&self, redis_url: Option<&str>) -> Result<()> {
        doc_programs::run(&self.work, &self.emulator, &self.programs, redis_url)
    }
}

/// The directory of the packaged-crates projects of this checkout (stable, so reruns are
/// incremental): the unpacked packages, the projects, and their shared target directory.
pub fn packaged_work_dir(root: &Path) -> PathBuf {
    std::env::temp_dir().join(format!("sailpoint-v2025-packaged-{}", root_tag(root)))
}

/// The publishable crates unpacked from their `.crate` files (what crates.io would serve) into
/// `work/packages`, as (crate name, directory) pairs for a `[patch.crates-io]` table.
pub fn unpack_packages(root: &Path, work: &Path) -> Result<Vec<(String, PathBuf)>> {
    let packages = work.join("packages");
    if packages.exists() {
        fs::remove_dir_all(&packages)
            .with_context(|| format!("removing {}", packages.display()))?;
    }
    fs::create_dir_all(&packages).with_context(|| format!("creating {}", packages.display()))?;
    let workspace = Workspace::load(root)?;
    let package_dir = workspace.target_dir().join("package");
    let mut patch = Vec::new();
    for Member { name, version, .. } in workspace.publishable() {
        let file = package_dir.join(format!("{name}-{version}.crate"));
        if !file.is_file() {
            bail!(
                "{} is missing: `cargo package --workspace` first",
                file.display()
            );
        }
        // `-m`: files get the extraction time, not the packaged one, so cargo (which compares
        // mtimes of path dependencies) never takes the last run's build of them as fresh.
        let mut tar = Command::new("tar");
        tar.arg("-xzmf").arg(&file).arg("-C").arg(&packages);
        run_command(&mut tar)?;
        let unpacked = packages.join(format!("{name}-{version}"));
        patch.push((name, unpacked));
    }
    Ok(patch)
}

/// A short name for this checkout, so that two worktrees on one machine do not share a
/// temporary project while one checkout reuses its own.
fn root_tag(root: &Path) -> String {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    root.hash(&mut hasher);
    format!("{:016x}", hasher.finish())
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
    fn workspace_crates_are_added_by_path_one_crate_per_command() {
        let members = [Member {
            name: "sailpoint-v2025-testkit".to_string(),
            version: "0.1.0".to_string(),
            dir: PathBuf::from("/ws/tests"),
            publishable: true,
        }];
        let args: Vec<String> = [
            "add",
            "--dev",
            "sailpoint-v2025-testkit",
            "tokio",
            "-F",
            "rt",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(
            localize(&args, workspace_dirs(&members)),
            [
                vec!["add", "--path", "/ws/tests", "--dev", "-F", "rt"],
                vec!["add", "tokio", "--dev", "-F", "rt"],
            ]
        );
    }

    #[test]
    fn the_facade_readme_starts_with_cargo_add_and_a_whole_program() {
        let text = fs::read_to_string(crate::workspace::root().join(README)).expect("README");
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
