//! The facade's modules form no cycle: each file's `crate::` paths (and the crate-root names it
//! imports, resolved to the module that defines them) point one way only, so the folders read
//! as layers (error <- runtime <- client <- operations <- workflows). The one cycle left,
//! `runtime::auth` <-> `runtime::response`, is being broken on another branch and is the only
//! one allowed here.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Cycles known and allowed (each as its sorted module list).
const ALLOWED: &[&[&str]] = &[&["runtime::auth", "runtime::response"]];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `runtime/auth.rs` -> `runtime::auth`, `error/mod.rs` -> `error`, `lib.rs` -> `crate`.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("");
    let mut parts: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    if parts == ["lib"] {
        return "crate".to_owned();
    }
    parts.join("::")
}

/// The code of a file without comments and without its `#[cfg(test)]` modules (tests may
/// reach anywhere).
fn code(text: &str) -> String {
    let without_tests = text
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    without_tests
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Root re-exports of lib.rs: the public name and the module path it comes from.
fn root_names(lib: &str, modules: &BTreeSet<String>) -> BTreeMap<String, String> {
    let mut names = BTreeMap::new();
    let lib = code(lib);
    for statement in lib.split(';') {
        let Some(rest) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let (base, items) = match rest.split_once("::{") {
            Some((base, items)) => (base.to_owned(), items.trim_end_matches('}').to_owned()),
            None => match rest.rsplit_once("::") {
                Some((base, item)) => (base.to_owned(), item.to_owned()),
                None => continue,
            },
        };
        if !modules.contains(&base) {
            continue;
        }
        for item in items.split(',') {
            let name = item.split(" as ").last().unwrap_or_default().trim();
            if !name.is_empty() {
                names.insert(name.to_owned(), base.clone());
            }
        }
    }
    names.insert("Client".to_owned(), "client".to_owned());
    names
}

/// The module a `crate::` path points into.
fn target(
    path: &str,
    modules: &BTreeSet<String>,
    roots: &BTreeMap<String, String>,
) -> Option<String> {
    let parts: Vec<&str> = path.split("::").filter(|p| !p.is_empty()).collect();
    for len in (1..=parts.len()).rev() {
        let candidate = parts[..len].join("::");
        if modules.contains(&candidate) {
            return Some(candidate);
        }
    }
    roots.get(*parts.first()?).cloned()
}

/// Every `crate::...` path in `code`, braces expanded one level (`crate::{A, b::C}`).
fn crate_paths(code: &str) -> Vec<String> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            paths.extend(group[..end].split(',').map(|p| p.trim().to_owned()));
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            paths.push(rest[..end].trim_end_matches(':').to_owned());
        }
    }
    paths
}

/// Strongly connected components with more than one module.
fn cycles(edges: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Reachability is enough for a graph of a few dozen modules.
    let reach = |from: &str| {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_owned()];
        while let Some(m) = todo.pop() {
            for next in edges.get(&m).into_iter().flatten() {
                if seen.insert(next.clone()) {
                    todo.push(next.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        edges.keys().map(|m| (m, reach(m))).collect();
    let mut found = BTreeSet::new();
    for (m, from_m) in &reaches {
        let component: Vec<String> = from_m
            .iter()
            .filter(|other| reaches.get(other).is_some_and(|r| r.contains(*m)))
            .cloned()
            .collect();
        if component.len() > 1 {
            found.insert(component);
        }
    }
    found.into_iter().collect()
}

#[test]
fn the_facade_has_no_module_cycle_but_the_one_being_broken() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let modules: BTreeSet<String> = files.iter().map(|f| module_of(&src, f)).collect();
    let lib = std::fs::read_to_string(src.join("lib.rs")).expect("lib.rs");
    let roots = root_names(&lib, &modules);
    let mut edges = BTreeMap::new();
    for file in &files {
        let module = module_of(&src, file);
        let text = std::fs::read_to_string(file).expect("readable");
        let deps: BTreeSet<String> = crate_paths(&code(&text))
            .iter()
            .filter_map(|path| target(path, &modules, &roots))
            .filter(|dep| *dep != module && dep != "crate")
            .collect();
        edges.insert(module, deps);
    }
    // The graph is really read: the client depends on the runtime, operations on the client.
    assert!(edges["client"].contains("runtime::config"), "{edges:?}");
    assert!(
        edges["operations::classify"].contains("client"),
        "{edges:?}"
    );
    let unexpected: Vec<Vec<String>> = cycles(&edges)
        .into_iter()
        .filter(|cycle| !ALLOWED.iter().any(|allowed| cycle == allowed))
        .collect();
    assert!(unexpected.is_empty(), "module cycles: {unexpected:?}");
}
