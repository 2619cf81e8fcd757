//! The documentation works as shown with no tenant configured: every `cargo run --example
//! classify` command in the READMEs (the shell blocks, run line by line in a fresh directory,
//! and the inline ones) exits 0 against the bundled emulator, and every account or source id
//! the READMEs and the rustdoc use is one the emulator knows and answers for.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};

use sailpoint_v2025_testkit::{Emulator, demo};

const EXAMPLE: &str = "cargo run --example classify";

/// The documents a reader copies from, relative to the workspace root.
const READMES: &[&str] = &[
    "README.md",
    "CONTRIBUTING.md",
    "sailpoint-v2025/README.md",
    "tests/README.md",
];

/// The hand-written sources whose rustdoc is read, relative to the workspace root.
const RUSTDOC_DIRS: &[&str] = &[
    "sailpoint-v2025/src",
    "sailpoint-v2025/examples",
    "tests/src",
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the facade lives in the workspace")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    let path = workspace_root().join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The example binary cargo built next to this test's binary (`cargo test` and
/// `cargo nextest` build examples before running tests).
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("test binary path");
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .join("examples")
        .join("classify");
    assert!(
        binary.exists(),
        "{} is missing: build the examples",
        binary.display()
    );
    binary
}

/// A fresh, empty directory of its own under the temp dir (removed on drop).
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("readme-commands-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A script of shell lines to run in order in one directory, and where it comes from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Script {
    origin: String,
    lines: Vec<String>,
}

/// The `sh` blocks that run the example (every line of such a block, in order, so the lines
/// preparing input run too) and the inline `cargo run --example classify ...` spans.
fn scripts(readme: &str, text: &str) -> Vec<Script> {
    let mut scripts = Vec::new();
    let mut block: Option<(usize, bool, Vec<String>)> = None;
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        let trimmed = line.trim_start();
        if let Some(info) = trimmed.strip_prefix("```") {
            match block.take() {
                Some((start, true, lines)) if lines.iter().any(|l| l.contains(EXAMPLE)) => {
                    scripts.push(Script {
                        origin: format!("{readme}:{start}"),
                        lines,
                    });
                }
                Some(_) => {}
                None => block = Some((number, matches!(info.trim(), "sh" | "bash"), Vec::new())),
            }
            continue;
        }
        match &mut block {
            Some((_, _, lines)) => {
                if !trimmed.is_empty() {
                    lines.push(trimmed.to_owned());
                }
            }
            None => {
                let mut rest = line;
                while let Some(at) = rest.find(&format!("`{EXAMPLE}")) {
                    let span = &rest[at + 1..];
                    let end = span.find('`').unwrap_or_else(|| {
                        panic!("{readme}:{number}: an inline command must end on its line")
                    });
                    scripts.push(Script {
                        origin: format!("{readme}:{number}"),
                        lines: vec![span[..end].to_owned()],
                    });
                    rest = &span[end..];
                }
            }
        }
    }
    scripts
}

/// `cargo run --example classify [-- args]` as the built example binary.
fn as_binary(line: &str, binary: &Path) -> String {
    let quoted = format!("'{}'", binary.display());
    line.replace(&format!("{EXAMPLE} --"), &quoted)
        .replace(EXAMPLE, &quoted)
}

/// The 32-hex-digit ids in `text`.
fn ids_in(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| word.len() == 32 && word.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
        .collect()
}

#[test]
fn every_readme_command_runs_as_shown_against_the_emulator() {
    let binary = example_binary();
    let mut all: BTreeSet<Script> = BTreeSet::new();
    for readme in READMES {
        all.extend(scripts(readme, &read(readme)));
    }
    // The README's two commands and the ways to run the example are all found.
    let joined: Vec<String> = all.iter().flat_map(|s| s.lines.clone()).collect();
    for expected in [
        "cargo run --example classify",
        "--file ids.txt",
        "--json",
        "--help",
        "--source",
        "--show-config",
    ] {
        assert!(
            joined.iter().any(|l| l.contains(expected)),
            "no README command with {expected}: {joined:#?}"
        );
    }
    // The same command in several places runs once.
    let mut seen = BTreeSet::new();
    for script in all {
        if !seen.insert(script.lines.clone()) {
            continue;
        }
        let workdir = TempDir::new();
        for line in &script.lines {
            let output = Command::new("sh")
                .arg("-c")
                .arg(as_binary(line, &binary))
                .current_dir(&workdir.0)
                .env_remove("SAIL_BASE_URL")
                .env_remove("SAIL_CLIENT_ID")
                .env_remove("SAIL_CLIENT_SECRET")
                .env_remove("SAIL_ACCESS_TOKEN")
                .env_remove("RUST_LOG")
                .stdin(Stdio::null())
                .output()
                .expect("sh runs");
            let stdout = String::from_utf8_lossy(&output.stdout);
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert_eq!(
                output.status.code(),
                Some(0),
                "{}: `{line}` failed\nstdout:\n{stdout}\nstderr:\n{stderr}",
                script.origin
            );
            // Every account id given on the line is answered on stdout.
            if line.contains(EXAMPLE)
                && !line.contains("--source")
                && !line.contains("--show-config")
                // A filter's ids are source ids (its accounts' ids are printed instead).
                && !line.contains("--filter")
            {
                for id in ids_in(line) {
                    assert!(
                        stdout.contains(&id),
                        "{}: {id} not in\n{stdout}",
                        script.origin
                    );
                }
            }
        }
    }
}

/// Every 32-hex-digit id in the READMEs and in doc comments is a demo account or demo source
/// of the emulator, and the emulator answers it: a classify call for an account, the start
/// of a source job for a source.
#[tokio::test]
async fn every_id_the_docs_use_is_known_to_the_emulator() {
    let mut found: BTreeSet<(String, String)> = BTreeSet::new();
    for readme in READMES {
        for id in ids_in(&read(readme)) {
            found.insert((id, (*readme).to_owned()));
        }
    }
    for dir in RUSTDOC_DIRS {
        for file in rust_files(&workspace_root().join(dir)) {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for line in text.lines() {
                let trimmed = line.trim_start();
                if trimmed.starts_with("///") || trimmed.starts_with("//!") {
                    for id in ids_in(trimmed) {
                        found.insert((id, file.display().to_string()));
                    }
                }
            }
        }
    }
    assert!(found.len() >= 3, "the docs use ids: {found:?}");

    let accounts: BTreeSet<String> = demo::accounts().into_iter().map(|a| a.id).collect();
    let sources: BTreeSet<String> = demo::sources().into_iter().map(|s| s.id).collect();
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let mut started = BTreeSet::new();
    for (id, place) in &found {
        if accounts.contains(id) {
            client
                .send_classify_machine_account(id.as_str())
                .await
                .unwrap_or_else(|e| panic!("{place}: account {id}: {e}"));
        } else if sources.contains(id) {
            if started.insert(id.clone()) {
                client
                    .send_classify_machine_account_from_source(id.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("{place}: source {id}: {e}"));
                client
                    .delete_classify_machine_account_from_source(id.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("{place}: source {id}: {e}"));
            }
        } else {
            panic!("{place} uses {id}, which the emulator does not know: use a demo id");
        }
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn the_readme_parser_finds_blocks_and_inline_commands() {
    let text = "intro `cargo run --example classify -- --source abc` and `x`\n\
                ```sh\nprintf 'a\\n' > ids.txt\n\ncargo run --example classify -- --file ids.txt\n```\n\
                ```sh\ncargo xtask test\n```\n\
                ```rust\ncargo run --example classify\n```\n";
    let found = scripts("T.md", text);
    assert_eq!(
        found,
        [
            Script {
                origin: "T.md:1".into(),
                lines: vec!["cargo run --example classify -- --source abc".into()],
            },
            Script {
                origin: "T.md:2".into(),
                lines: vec![
                    "printf 'a\\n' > ids.txt".into(),
                    "cargo run --example classify -- --file ids.txt".into()
                ],
            },
        ]
    );
    assert_eq!(
        as_binary(
            "cargo run --example classify -- --help",
            Path::new("/b/classify")
        ),
        "'/b/classify' --help"
    );
    assert_eq!(
        ids_in("x 2c9180857a1b4f1e017a1b5c0e3a0001, y"),
        ["2c9180857a1b4f1e017a1b5c0e3a0001"]
    );
}
