//! The compile check that is part of `cargo xtask generate`: the generated client and httpmock
//! crates are written into a workspace of their own (a scratch directory, or the `--out`
//! directory) and `cargo check`ed with default and with all features. Each error is mapped
//! back to the operations whose code it is in ([`operations_of_errors`]), so the generator can
//! name them (and, with `--skip-unsupported`, leave them out).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use heck::{ToPascalCase, ToSnakeCase};
use openapiv3::OpenAPI;

use crate::command::{captured, cargo, show};
use crate::generated_file::GeneratedFile;

/// Where a repository path of a generated file goes in the standalone workspace.
const CRATE_DIRS: [(&str, &str); 2] = [
    ("sailpoint-v2025/client/", "client/"),
    ("sailpoint-v2025/httpmock/", "httpmock/"),
];

/// One compiler error in generated code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// The crate's directory in the standalone workspace (`client`, `httpmock`).
    pub krate: String,
    /// 1-based line in that crate's `src/generated.rs`, if the error points there.
    pub line: Option<usize>,
    /// rustc's one-line message (`error[E0428]: the name ...`).
    pub message: String,
}

/// The path of `file` inside the standalone workspace.
pub fn standalone_path(file: &Path) -> PathBuf {
    let text = file.to_string_lossy();
    for (from, to) in CRATE_DIRS {
        if let Some(rest) = text.strip_prefix(from) {
            return PathBuf::from(format!("{to}{rest}"));
        }
    }
    file.to_path_buf()
}

/// Writes `files` into `dir` as a standalone workspace of the two generated crates: their
/// manifests and READMEs from `root` (workspace inheritance kept, the dev-dependencies of the
/// httpmock crate dropped), a workspace manifest with `root`'s package fields, dependency
/// versions and lints, and `root`'s lock file (so it resolves to the tested versions).
pub fn write_standalone(root: &Path, dir: &Path, files: &[GeneratedFile]) -> Result<()> {
    for file in files {
        let path = dir.join(standalone_path(&file.path));
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == file.contents);
        if !unchanged {
            fs::write(&path, &file.contents)
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    for (from, to) in CRATE_DIRS {
        let manifest = read_toml(&root.join(from).join("Cargo.toml"))?;
        let manifest = if to == "httpmock/" {
            without_dev_dependencies(manifest)
        } else {
            manifest
        };
        write_if_changed(
            &dir.join(to).join("Cargo.toml"),
            &toml::to_string(&manifest)?,
        )?;
        let readme = fs::read_to_string(root.join(from).join("README.md"))
            .with_context(|| format!("reading {from}README.md"))?;
        write_if_changed(&dir.join(to).join("README.md"), &readme)?;
    }
    let workspace = standalone_workspace(&read_toml(&root.join("Cargo.toml"))?)?;
    write_if_changed(&dir.join("Cargo.toml"), &workspace)?;
    let lock = dir.join("Cargo.lock");
    if !lock.exists() {
        fs::copy(root.join("Cargo.lock"), &lock).context("copying Cargo.lock")?;
    }
    Ok(())
}

fn read_toml(path: &Path) -> Result<toml::Table> {
    let text = fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if fs::read_to_string(path).is_ok_and(|old| old == text) {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn without_dev_dependencies(mut manifest: toml::Table) -> toml::Table {
    manifest.remove("dev-dependencies");
    manifest
}

/// The standalone workspace manifest, from the root one.
fn standalone_workspace(root: &toml::Table) -> Result<String> {
    let workspace = root
        .get("workspace")
        .and_then(toml::Value::as_table)
        .context("the root manifest has no [workspace]")?;
    let mut out = toml::Table::new();
    let mut ws = toml::Table::new();
    ws.insert("resolver".into(), "3".into());
    ws.insert(
        "members".into(),
        toml::Value::Array(vec!["client".into(), "httpmock".into()]),
    );
    for key in ["package", "lints"] {
        if let Some(value) = workspace.get(key) {
            ws.insert(key.into(), value.clone());
        }
    }
    let mut deps = workspace
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .cloned()
        .unwrap_or_default();
    deps.remove("sailpoint-v2025");
    deps.remove("sailpoint-v2025-testkit");
    for (name, dir) in [
        ("sailpoint-v2025-client", "client"),
        ("sailpoint-v2025-httpmock", "httpmock"),
    ] {
        if let Some(toml::Value::Table(dep)) = deps.get_mut(name) {
            dep.insert("path".into(), dir.into());
        }
    }
    ws.insert("dependencies".into(), toml::Value::Table(deps));
    out.insert("workspace".into(), toml::Value::Table(ws));
    Ok(format!(
        "# Written by `cargo xtask generate`: the generated crates on their own, for the \
         compile check.\n{}",
        toml::to_string(&out)?
    ))
}

/// `cargo check` of the standalone workspace in `dir`, with default features and with all
/// features, offline (the workspace's dependencies are already downloaded), into
/// `target_dir`. Returns the errors, empty when both compile.
pub fn check(dir: &Path, target_dir: &Path) -> Result<Vec<CompileError>> {
    let mut errors = Vec::new();
    for features in [&[][..], &["--all-features"][..]] {
        let mut command = cargo(dir);
        command
            .args([
                "check",
                "--offline",
                "--workspace",
                "--message-format",
                "json",
            ])
            .args(features)
            .env("CARGO_TARGET_DIR", target_dir)
            .env_remove("RUSTFLAGS");
        println!(
            "$ {} (compile check of the generated crates)",
            show(&command)
        );
        let output = captured(&mut command)?;
        let found = parse_errors(&String::from_utf8_lossy(&output.stdout));
        if !output.status.success() && found.is_empty() {
            bail!(
                "`{}` failed without a compiler error:\n{}",
                show(&command),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        for error in found {
            if !errors.contains(&error) {
                errors.push(error);
            }
        }
        if !errors.is_empty() {
            // The all-features build would report the same errors again.
            break;
        }
    }
    Ok(errors)
}

/// The errors of `cargo check --message-format json` output.
pub fn parse_errors(json_lines: &str) -> Vec<CompileError> {
    let mut errors = Vec::new();
    for line in json_lines.lines() {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if value["reason"] != "compiler-message" || value["message"]["level"] != "error" {
            continue;
        }
        let src_path = value["target"]["src_path"].as_str().unwrap_or_default();
        let krate = Path::new(src_path)
            .parent()
            .and_then(Path::parent)
            .and_then(Path::file_name)
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let message = &value["message"];
        let spans = message["spans"].as_array().cloned().unwrap_or_default();
        let primary = spans
            .iter()
            .find(|s| {
                s["is_primary"] == true
                    && s["file_name"]
                        .as_str()
                        .is_some_and(|f| f.ends_with("generated.rs"))
            })
            .or_else(|| {
                spans.iter().find(|s| {
                    s["file_name"]
                        .as_str()
                        .is_some_and(|f| f.ends_with("generated.rs"))
                })
            });
        let line = primary
            .and_then(|s| s["line_start"].as_u64())
            .and_then(|n| usize::try_from(n).ok());
        let code = message["code"]["code"]
            .as_str()
            .map(|c| format!("[{c}]"))
            .unwrap_or_default();
        errors.push(CompileError {
            krate,
            line,
            message: format!(
                "error{code}: {}",
                message["message"].as_str().unwrap_or_default()
            ),
        });
    }
    errors
}

/// For each error, the operations whose generated code it is in: the method or mock named
/// after the operation, or a type (named after a component schema, or after an operation for
/// its inline types) that those operations reach. An error that maps to no operation maps to
/// an empty list.
pub fn operations_of_errors(
    spec: &OpenAPI,
    sources: &BTreeMap<String, String>,
    errors: &[CompileError],
) -> Vec<(CompileError, Vec<String>)> {
    let ids = crate::operation_set::operation_ids(spec);
    let by_snake: BTreeMap<String, String> = ids
        .iter()
        .map(|id| (id.to_snake_case(), id.clone()))
        .collect();
    let by_pascal: Vec<(String, String)> = ids
        .iter()
        .map(|id| (id.to_pascal_case(), id.clone()))
        .collect();
    let users = crate::operation_set::users_of_schemas(spec);
    let by_type: Vec<(String, Vec<String>)> = users
        .iter()
        .map(|(schema, ops)| (schema.to_pascal_case(), ops.clone()))
        .collect();
    errors
        .iter()
        .map(|error| {
            let ops = match (error.line, sources.get(&error.krate)) {
                (Some(line), Some(text)) => {
                    operations_at(text, line, &by_snake, &by_pascal, &by_type)
                }
                _ => Vec::new(),
            };
            (error.clone(), ops)
        })
        .collect()
}

/// The operations of the item enclosing `line`: walking up from it, the first `fn` named
/// after an operation, or the first type (`struct`, `enum`, `impl ... for T`, `impl T`) that
/// maps to operations.
fn operations_at(
    text: &str,
    line: usize,
    by_snake: &BTreeMap<String, String>,
    by_pascal: &[(String, String)],
    by_type: &[(String, Vec<String>)],
) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    for current in lines[..line.min(lines.len())].iter().rev() {
        for name in item_names(current) {
            if let Some(id) = by_snake.get(&name) {
                return vec![id.clone()];
            }
            if let Some(ops) = type_operations(&name, by_pascal, by_type) {
                return ops;
            }
        }
    }
    Vec::new()
}

/// The names a line of generated code declares or implements for.
fn item_names(line: &str) -> Vec<String> {
    let words: Vec<&str> = line
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect();
    let mut names = Vec::new();
    for (i, word) in words.iter().enumerate() {
        if matches!(*word, "fn" | "struct" | "enum" | "type" | "for")
            && let Some(next) = words.get(i + 1)
        {
            names.push((*next).to_owned());
        }
    }
    let trimmed = line.trim_start();
    if trimmed.starts_with("impl") && !words.contains(&"for") {
        names.extend(
            words
                .iter()
                .rev()
                .find(|w| w.chars().next().is_some_and(char::is_uppercase))
                .map(|w| (*w).to_owned()),
        );
    }
    names
}

/// The operations a generated type belongs to: the component schema it is named after (its
/// users), or the operation or component whose name is its longest prefix (inline types and
/// httpmock's `{Operation}When`/`Then`).
fn type_operations(
    name: &str,
    by_pascal: &[(String, String)],
    by_type: &[(String, Vec<String>)],
) -> Option<Vec<String>> {
    if let Some((_, ops)) = by_type.iter().find(|(t, _)| t == name) {
        return Some(ops.clone());
    }
    let operation = by_pascal
        .iter()
        .filter(|(p, _)| name.starts_with(p.as_str()))
        .max_by_key(|(p, _)| p.len());
    let component = by_type
        .iter()
        .filter(|(t, _)| name.starts_with(t.as_str()))
        .max_by_key(|(t, _)| t.len());
    match (operation, component) {
        (Some((p, id)), Some((t, _))) if p.len() >= t.len() => Some(vec![id.clone()]),
        (_, Some((_, ops))) => Some(ops.clone()),
        (Some((_, id)), None) => Some(vec![id.clone()]),
        (None, None) => None,
    }
}

/// The generated sources by crate directory (`client`, `httpmock`), for
/// [`operations_of_errors`].
pub fn generated_sources(files: &[GeneratedFile]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for file in files {
        let path = standalone_path(&file.path);
        let mut parts = path.components();
        let Some(krate) = parts.next() else { continue };
        if path.ends_with("src/generated.rs") {
            out.insert(
                krate.as_os_str().to_string_lossy().into_owned(),
                file.contents.clone(),
            );
        }
    }
    out
}

/// The set of operations named by `mapped`, and the errors no operation could be blamed for.
pub fn blamed(
    mapped: &[(CompileError, Vec<String>)],
) -> (BTreeMap<String, String>, Vec<CompileError>) {
    let mut blamed: BTreeMap<String, String> = BTreeMap::new();
    let mut orphans = Vec::new();
    for (error, ops) in mapped {
        if ops.is_empty() {
            orphans.push(error.clone());
        }
        for op in ops {
            blamed.entry(op.clone()).or_insert_with(|| {
                format!(
                    "the generated {} crate does not compile: {}{}",
                    error.krate,
                    error.message,
                    error
                        .line
                        .map(|l| format!(" (src/generated.rs:{l})"))
                        .unwrap_or_default()
                )
            });
        }
    }
    (blamed, orphans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_are_read_from_cargo_json_lines() {
        let lines = r#"{"reason":"compiler-artifact","target":{}}
{"reason":"compiler-message","target":{"src_path":"/w/client/src/lib.rs"},"message":{"level":"error","message":"the name `Thing` is defined multiple times","code":{"code":"E0428"},"spans":[{"file_name":"client/src/generated.rs","line_start":12,"is_primary":true}]}}
{"reason":"compiler-message","target":{"src_path":"/w/client/src/lib.rs"},"message":{"level":"warning","message":"unused","code":null,"spans":[]}}
not json
"#;
        let errors = parse_errors(lines);
        assert_eq!(
            errors,
            [CompileError {
                krate: "client".to_owned(),
                line: Some(12),
                message: "error[E0428]: the name `Thing` is defined multiple times".to_owned(),
            }]
        );
    }

    #[test]
    fn an_error_line_is_blamed_on_the_enclosing_operation_or_type() {
        let by_snake: BTreeMap<String, String> =
            [("get_thing".to_owned(), "getThing".to_owned())].into();
        let by_pascal = vec![
            ("GetThing".to_owned(), "getThing".to_owned()),
            ("PatchThing".to_owned(), "patchThing".to_owned()),
        ];
        let by_type = vec![(
            "Thing".to_owned(),
            vec!["getThing".to_owned(), "patchThing".to_owned()],
        )];
        let text = "pub mod types {\n    pub struct Thing {\n        pub x: Nope,\n    }\n    impl ::std::convert::From<&Thing> for PatchThingBody {\n        fn from(value: &Thing) -> Self {\n            broken\n        }\n    }\n}\nimpl Client {\n    pub async fn get_thing<'a>(&'a self) {\n        broken\n    }\n}\n";
        let at = |line| operations_at(text, line, &by_snake, &by_pascal, &by_type);
        assert_eq!(
            at(3),
            ["getThing", "patchThing"],
            "a field of a component type"
        );
        assert_eq!(at(7), ["patchThing"], "an operation's inline type");
        assert_eq!(at(13), ["getThing"], "an operation's method");
        assert!(at(1).is_empty(), "nothing encloses the module line");
    }
}
