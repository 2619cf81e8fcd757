//! The documented programs, run as a reader runs them: every Rust program of the published
//! READMEs and every `no_run` example of the hand-written rustdoc, built in the fresh project
//! (`fresh_project.rs`) and run there against the bundled emulator, started the way its
//! README says (`sailpoint-v2025-emulator`, its `export` lines as the programs' environment).
//!
//! Rustdoc examples that can run on their own run as doctests; a `no_run` example is one that
//! needs something outside a doctest (a tenant through `Client::from_env()`, a `redis-server`),
//! so it must be a whole program (its hidden `# ` lines included) and this step runs it. They are built as one example, a module per
//! program, so that 20-odd programs cost one link.

use std::fmt::Write as _;
use std::fs;
use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The hand-written sources whose rustdoc examples are read, relative to the workspace root.
/// (The generated crates' examples are progenitor's and compile-checked as doctests.)
const RUSTDOC_SOURCES: [&str; 2] = ["sailpoint-v2025/src", "tests/src"];

/// The example of the fresh project that holds the rustdoc programs.
pub const RUSTDOC_EXAMPLE: &str = "rustdoc_programs";
/// The variable that picks one program of [`RUSTDOC_EXAMPLE`] (its number, from 1).
const PICK_VAR: &str = "DOC_PROGRAM";
/// The example of the fresh project that is the testkit's `sailpoint-v2025-emulator` binary
/// (cargo cannot build a dependency's binaries, so its source is copied in as an example).
pub const EMULATOR_EXAMPLE: &str = "sailpoint_emulator";
/// The emulator binary's source in the testkit package.
pub const EMULATOR_SOURCE: &str = "src/bin/sailpoint-v2025-emulator.rs";

/// The files the documented programs read from their working directory, with the emulator's
/// demo ids (`sailpoint_v2025_testkit::demo`): what a reader would have prepared.
const INPUT_FILES: [(&str, &str); 3] = [
    (
        "ids.txt",
        "2c9180857a1b4f1e017a1b5c0e3a0001\n2c9180857a1b4f1e017a1b5c0e3a0002\n",
    ),
    (
        "accounts.csv",
        "2c9180857a1b4f1e017a1b5c0e3a0001\n2c9180857a1b4f1e017a1b5c0e3a0002,forceMachine\n",
    ),
    (
        "ids-0.txt",
        "2c9180857a1b4f1e017a1b5c0e3a0001\n2c9180857a1b4f1e017a1b5c0e3a0006\n",
    ),
];

/// How long one program may run (a source job polls every 2 s until it completes).
const PROGRAM_TIMEOUT: Duration = Duration::from_secs(180);
/// How long the emulator may take to print its address.
const EMULATOR_STARTUP: Duration = Duration::from_secs(60);

/// A program as documented: where it is, and its whole text (rustdoc's hidden lines shown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// `file:line` of its opening fence (README programs: `file, Rust block n`).
    pub origin: String,
    /// The program, as rustdoc or a reader compiles it.
    pub code: String,
}

/// The `no_run` examples of `text`'s doc comments (`///` and `//!`), with rustdoc's hidden-line
/// markers removed. An `ignore` block is refused (it would neither run nor compile), and so is a
/// `no_run` block that is not a whole program.
pub fn rustdoc_programs_in(file: &str, text: &str) -> Result<Vec<Program>> {
    let mut programs = Vec::new();
    let mut open: Option<(usize, bool, String)> = None;
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let trimmed = line.trim_start();
        let Some(doc) = trimmed
            .strip_prefix("///")
            .or_else(|| trimmed.strip_prefix("//!"))
        else {
            if let Some((start, _, _)) = open {
                bail!("{file}:{start}: a doc-comment code block is not closed");
            }
            continue;
        };
        let doc = doc.strip_prefix(' ').unwrap_or(doc);
        let fence = doc.trim_start();
        if let Some(info) = fence.strip_prefix("```") {
            match open.take() {
                Some((start, true, code)) => {
                    if !code.contains("fn main(") {
                        bail!(
                            "{file}:{start}: a `no_run` example must be a whole program (a \
                             `fn main`, hidden `# ` lines allowed): `cargo xtask test` runs it \
                             against the emulator"
                        );
                    }
                    programs.push(Program {
                        origin: format!("{file}:{start}"),
                        code,
                    });
                }
                Some((_, false, _)) => {}
                None => {
                    let attributes: Vec<&str> = info.split(',').map(str::trim).collect();
                    if attributes.contains(&"ignore") {
                        bail!(
                            "{file}:{number}: an `ignore` example is neither compiled nor run: \
                             make it a doctest, or a whole `no_run` program"
                        );
                    }
                    open = Some((number, attributes.contains(&"no_run"), String::new()));
                }
            }
            continue;
        }
        if let Some((_, true, code)) = &mut open {
            code.push_str(shown_to_compiler(doc));
            code.push('\n');
        }
    }
    if let Some((start, _, _)) = open {
        bail!("{file}:{start}: a doc-comment code block is not closed");
    }
    Ok(programs)
}

/// A rustdoc example line as the compiler sees it: `# ` (or a lone `#`) marks a line hidden
/// from the reader but compiled; `##` stands for a literal `#`.
fn shown_to_compiler(line: &str) -> &str {
    let indent = line.len() - line.trim_start().len();
    let rest = &line[indent..];
    if rest == "#" {
        ""
    } else if let Some(hidden) = rest.strip_prefix("# ") {
        hidden
    } else if rest.starts_with("##") {
        &line[indent + 1..]
    } else {
        line
    }
}

/// Every `no_run` example of the hand-written rustdoc, in file order.
pub fn rustdoc_programs(root: &Path) -> Result<Vec<Program>> {
    let mut files = Vec::new();
    for dir in RUSTDOC_SOURCES {
        collect_rust_files(&root.join(dir), &mut files)?;
    }
    files.sort();
    let mut programs = Vec::new();
    for file in files {
        let text =
            fs::read_to_string(&file).with_context(|| format!("reading {}", file.display()))?;
        let relative = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        programs.extend(rustdoc_programs_in(&relative, &text)?);
    }
    Ok(programs)
}

fn collect_rust_files(dir: &Path, files: &mut Vec<PathBuf>) -> Result<()> {
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry
            .with_context(|| format!("reading {}", dir.display()))?
            .path();
        if path.is_dir() {
            collect_rust_files(&path, files)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(())
}

/// One example holding every program as a module; [`PICK_VAR`] picks which `main` runs, and its
/// return value reports as a program's would (`Err` printed, exit 1).
pub fn combined_example(programs: &[Program]) -> String {
    let mut out = String::from(
        "// Written by `cargo xtask test`: the `no_run` examples of the SDK's rustdoc, one \
         module each.\n#![allow(unused)]\n\n",
    );
    for (n, program) in programs.iter().enumerate() {
        // A program's `main` becomes its module's entry point, callable from the dispatcher.
        let code = if program.code.contains("async fn main(") {
            program
                .code
                .replacen("async fn main(", "pub(crate) async fn main(", 1)
        } else {
            program.code.replacen("fn main(", "pub(crate) fn main(", 1)
        };
        let _ = writeln!(
            out,
            "// {}\nmod program_{} {{\n{code}}}\n",
            program.origin,
            n + 1
        );
    }
    let _ = writeln!(
        out,
        "fn main() -> std::process::ExitCode {{\n    use std::process::Termination as _;\n    \
         match std::env::var(\"{PICK_VAR}\").as_deref() {{"
    );
    for n in 1..=programs.len() {
        let _ = writeln!(out, "        Ok(\"{n}\") => program_{n}::main().report(),");
    }
    let _ = writeln!(
        out,
        "        _ => {{\n            eprintln!(\"set {PICK_VAR} to 1..={}\");\n            \
         std::process::ExitCode::from(2)\n        }}\n    }}\n}}",
        programs.len()
    );
    out
}

/// A built program to run: what to show for it, its binary, and its extra environment.
#[derive(Debug, Clone)]
pub struct Runnable {
    /// Where it is documented.
    pub origin: String,
    /// Its executable.
    pub binary: PathBuf,
    /// Variables it needs besides the emulator's (which program of a combined example).
    pub env: Vec<(String, String)>,
}

impl Runnable {
    /// The programs of [`RUSTDOC_EXAMPLE`], by number.
    pub fn rustdoc(examples: &Path, programs: &[Program]) -> Vec<Runnable> {
        programs
            .iter()
            .enumerate()
            .map(|(n, program)| Runnable {
                origin: program.origin.clone(),
                binary: examples.join(RUSTDOC_EXAMPLE),
                env: vec![(PICK_VAR.to_owned(), (n + 1).to_string())],
            })
            .collect()
    }
}

/// `cargo xtask doc-programs`: `cargo package`, the fresh project, and every program run.
pub fn package_build_and_run() -> Result<()> {
    let root = crate::workspace::root();
    crate::packaging::publish_dry_run(&root)?;
    crate::fresh_project::packaged_crates_build(&root)?.run(None)
}

/// The emulator process: killed on drop.
struct EmulatorProcess {
    child: Child,
    exports: Vec<(String, String)>,
}

impl EmulatorProcess {
    /// Starts `binary` on a free port and reads the `export NAME=value` lines it prints.
    fn start(binary: &Path, log: &Path) -> Result<Self> {
        let log_file =
            fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let mut child = Command::new(binary)
            .args(["--port", "0"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        let Some(stdout) = child.stdout.take() else {
            let _ = child.kill();
            bail!("the emulator's standard output was not piped");
        };
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let lines: Vec<String> = BufReader::new(stdout)
                .lines()
                .take(3)
                .map_while(Result::ok)
                .collect();
            let _ = tx.send(lines);
        });
        let mut process = EmulatorProcess {
            child,
            exports: Vec::new(),
        };
        let lines = rx
            .recv_timeout(EMULATOR_STARTUP)
            .with_context(|| format!("the emulator printed no address (log: {})", log.display()))?;
        for line in &lines {
            let Some((name, value)) = line
                .strip_prefix("export ")
                .and_then(|assignment| assignment.split_once('='))
            else {
                bail!("the emulator printed {line:?}, not an `export NAME=value` line");
            };
            process.exports.push((name.to_owned(), value.to_owned()));
        }
        if process.exports.len() != 3 {
            bail!(
                "the emulator printed {} lines, not three (log: {})",
                lines.len(),
                log.display()
            );
        }
        Ok(process)
    }
}

impl Drop for EmulatorProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Whether a variable of the developer's environment would steer a program elsewhere.
fn is_configuration(name: &str) -> bool {
    name.starts_with("SAIL_")
        || name.starts_with("SAILPOINT_")
        || matches!(name, "RUST_LOG" | "REDIS_URL")
}

/// Runs every program in its own fresh directory (with [`INPUT_FILES`]) against its own
/// emulator started from `emulator` (so that no program depends on what another did), with the
/// emulator's variables (and `REDIS_URL` when a Redis is given) in place of the developer's
/// `SAIL_*` settings. Fails naming each program that did not exit 0 within
/// [`PROGRAM_TIMEOUT`], with the end of its output.
pub fn run(
    work: &Path,
    emulator: &Path,
    programs: &[Runnable],
    redis_url: Option<&str>,
) -> Result<()> {
    let runs = work.join("runs");
    if runs.exists() {
        fs::remove_dir_all(&runs).with_context(|| format!("removing {}", runs.display()))?;
    }
    fs::create_dir_all(&runs).with_context(|| format!("creating {}", runs.display()))?;
    let mut failures = Vec::new();
    for (n, program) in programs.iter().enumerate() {
        let dir = runs.join(format!("{:02}", n + 1));
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, text) in INPUT_FILES {
            fs::write(dir.join(name), text).with_context(|| format!("writing {name}"))?;
        }
        let server = EmulatorProcess::start(emulator, &dir.join("emulator.log"))?;
        let started = Instant::now();
        let outcome = run_one(program, &dir, &server.exports, redis_url);
        let elapsed = started.elapsed();
        drop(server);
        match outcome {
            Ok(()) => println!("ok   {:>5.1}s  {}", elapsed.as_secs_f64(), program.origin),
            Err(error) => {
                println!("FAIL {:>5.1}s  {}", elapsed.as_secs_f64(), program.origin);
                failures.push(format!(
                    "{} (in {}): {error:#}",
                    program.origin,
                    dir.display()
                ));
            }
        }
    }
    if !failures.is_empty() {
        bail!(
            "{} of {} documented programs failed against the emulator:\n\n{}",
            failures.len(),
            programs.len(),
            failures.join("\n\n")
        );
    }
    println!(
        "{} documented programs ran, each against a fresh emulator, and exited 0",
        programs.len()
    );
    Ok(())
}

fn run_one(
    program: &Runnable,
    dir: &Path,
    exports: &[(String, String)],
    redis_url: Option<&str>,
) -> Result<()> {
    let stdout_path = dir.join("stdout");
    let stderr_path = dir.join("stderr");
    let mut command = Command::new(&program.binary);
    command
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(fs::File::create(&stdout_path).context("creating stdout")?)
        .stderr(fs::File::create(&stderr_path).context("creating stderr")?);
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(is_configuration) {
            command.env_remove(name);
        }
    }
    command.envs(exports.iter().map(|(n, v)| (n, v)));
    command.envs(program.env.iter().map(|(n, v)| (n, v)));
    if let Some(url) = redis_url {
        command.env("REDIS_URL", url);
    }
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {}", program.binary.display()))?;
    let deadline = Instant::now() + PROGRAM_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().context("waiting for the program")? {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    let tail = |path: &Path| {
        let text = fs::read_to_string(path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(20)..].join("\n")
    };
    // A documented id the emulator does not know shows as a 404 in what a program prints,
    // even when the program goes on (a bulk run prints failures and exits 0).
    let printed = [&stdout_path, &stderr_path]
        .map(|path| fs::read_to_string(path).unwrap_or_default())
        .join("\n");
    let unknown_id = printed.lines().find(|line| line.contains("404 Not Found"));
    match status {
        Some(status) if status.success() => match unknown_id {
            None => Ok(()),
            Some(line) => {
                bail!("exited 0 but printed a 404 (an id the emulator does not know?): {line}")
            }
        },
        Some(status) => bail!(
            "{status}\n--- stdout (end)\n{}\n--- stderr (end)\n{}",
            tail(&stdout_path),
            tail(&stderr_path)
        ),
        None => bail!(
            "still running after {PROGRAM_TIMEOUT:?}, killed\n--- stderr (end)\n{}",
            tail(&stderr_path)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_run_blocks_are_whole_programs_with_hidden_lines_shown() {
        let text = "\
/// Text.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let x = 1; // shown
/// #
/// ## not hidden
/// # Ok(()) }
/// ```
///
/// ```
/// assert!(true); // a doctest: it runs as one
/// ```
fn f() {}
    //! ```rust,no_run
    //! fn main() {}
    //! ```
";
        let found = rustdoc_programs_in("src/x.rs", text).expect("parsed");
        assert_eq!(
            found,
            [
                Program {
                    origin: "src/x.rs:3".into(),
                    code: "#[tokio::main]\nasync fn main() -> Result<(), Box<dyn std::error::Error>> {\nlet x = 1; // shown\n\n# not hidden\nOk(()) }\n".into(),
                },
                Program {
                    origin: "src/x.rs:16".into(),
                    code: "fn main() {}\n".into(),
                },
            ]
        );
    }

    #[test]
    fn a_fragment_or_an_ignored_block_is_refused_naming_its_line() {
        let fragment = "/// ```no_run\n/// # async fn run() {}\n/// ```\n";
        let error = rustdoc_programs_in("a.rs", fragment).expect_err("refused");
        assert!(
            error
                .to_string()
                .starts_with("a.rs:1: a `no_run` example must be a whole program")
        );
        let ignored = "//\n/// ```ignore\n/// fn main() {}\n/// ```\n";
        let error = rustdoc_programs_in("b.rs", ignored).expect_err("refused");
        assert!(error.to_string().starts_with("b.rs:2: an `ignore` example"));
        let unclosed = "/// ```no_run\n/// fn main() {}\nfn f() {}\n";
        assert!(rustdoc_programs_in("c.rs", unclosed).is_err());
    }

    #[test]
    fn the_combined_example_dispatches_to_each_main() {
        let programs = [
            Program {
                origin: "a.rs:1".into(),
                code: "#[tokio::main]\nasync fn main() {}\n".into(),
            },
            Program {
                origin: "b.rs:2".into(),
                code: "fn main() -> Result<(), String> { Ok(()) }\n".into(),
            },
        ];
        let text = combined_example(&programs);
        assert!(text.contains(
            "// a.rs:1\nmod program_1 {\n#[tokio::main]\npub(crate) async fn main() {}\n}"
        ));
        assert!(text.contains("mod program_2 {\npub(crate) fn main() -> Result<(), String>"));
        assert!(text.contains("Ok(\"2\") => program_2::main().report(),"));
        assert!(text.contains("set DOC_PROGRAM to 1..=2"));
    }

    #[test]
    fn the_sdk_s_rustdoc_programs_are_found() {
        let programs = rustdoc_programs(&crate::workspace::root())
            .expect("every no_run example is a whole program");
        assert!(programs.len() >= 20, "{programs:#?}");
        assert!(
            programs
                .iter()
                .any(|p| p.origin.starts_with("sailpoint-v2025/src/client.rs:"))
        );
    }

    #[test]
    fn the_developer_s_settings_are_not_passed_on() {
        for name in [
            "SAIL_BASE_URL",
            "SAILPOINT_PRISM_URL",
            "RUST_LOG",
            "REDIS_URL",
        ] {
            assert!(is_configuration(name), "{name}");
        }
        for name in ["PATH", "HOME", "CARGO_TARGET_DIR"] {
            assert!(!is_configuration(name), "{name}");
        }
    }
}
