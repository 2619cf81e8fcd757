//! `cargo xtask test`'s "drop-in dependency" step: what adding the SDK costs, and changes, in
//! the applications users already have, built from the packaged crates (after `cargo package`,
//! like [`crate::fresh_project::packaged_crates_build`], sharing its unpacked packages and
//! target directory).
//!
//! * **A typical application** (reqwest with its default features, tokio, serde): the SDK with
//!   its default features adds at most [`MAX_ADDED_CRATES`] crates (name and version, normal
//!   and build dependencies: what compiles) and no crypto library ([`CRYPTO_CRATES`]); no
//!   optional dependency of the SDK that its default features do not turn on is in the tree
//!   unless the application already has it (so `opentelemetry`, `redis`, `schemars`, ... add
//!   nothing unless turned on: a generic check over the packaged manifest). Then it is built
//!   and run.
//! * **A plain-HTTP application** (reqwest with `default-features = false`, tokio, serde): it
//!   builds its own `reqwest::Client` before and after the SDK's and talks plain HTTP with
//!   both; it must build, run and not panic (cargo unifies the SDK's reqwest features into the
//!   application's reqwest, so a feature such as `rustls-no-provider` would make it panic).
//!
//! Both applications run the same program; both trees are printed with what the SDK adds.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use anyhow::{Context, Result, bail};

use crate::command::{cargo, run_command, show};
use crate::fresh_project::{self, in_dir};

/// The most crates the SDK's default features may add to a typical application.
pub const MAX_ADDED_CRATES: usize = 25;

/// Crypto libraries: the SDK's default features must add none of them.
pub const CRYPTO_CRATES: [&str; 10] = [
    "ring",
    "aws-lc-rs",
    "aws-lc-sys",
    "aws-lc-fips-sys",
    "openssl",
    "openssl-sys",
    "native-tls",
    "boring",
    "boring-sys",
    "rustls-openssl",
];

/// The facade crate.
const FACADE: &str = "sailpoint-v2025";

/// What both applications depend on besides reqwest.
const COMMON_ADDS: [&[&str]; 2] = [
    &["add", "tokio", "--features", "macros,rt-multi-thread"],
    &["add", "serde", "--features", "derive"],
];

/// The program both applications run: the application's own reqwest clients, built before
/// and after the SDK's, talk plain HTTP to a local server.
const PROGRAM: &str = r#"use std::io::{Read, Write};

#[derive(serde::Serialize)]
struct Note {
    text: &'static str,
}

/// Answers `n` plain HTTP requests with `ok`.
fn serve(n: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/health", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut stream = stream.expect("accept");
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream.write_all(
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok",
            );
        }
    });
    url
}

#[tokio::main]
async fn main() {
    let url = serve(2);
    // The application's own client, before the SDK builds one...
    let before = reqwest::Client::new();
    let sdk = sailpoint_v2025::Client::builder()
        .base_url("https://acme.api.identitynow.com")
        .access_token("not-a-real-token")
        .build()
        .expect("the SDK's client builds");
    // ...and after.
    let after = reqwest::Client::builder()
        .build()
        .expect("the application's client builds");
    for client in [before, after] {
        let body = client
            .get(&url)
            .send()
            .await
            .expect("plain HTTP works")
            .text()
            .await
            .expect("a body");
        assert_eq!(body, "ok");
    }
    let note = Note { text: "ok" };
    println!("{} {} {}", sdk.api_base_url(), note.text, std::mem::size_of_val(&note));
}
"#;

/// An application of this step: its name, its reqwest line, and whether it has the SDK.
struct App {
    dir: &'static str,
    reqwest: &'static [&'static str],
    with_sdk: bool,
}

/// The applications: the typical one without and with the SDK, the plain-HTTP one with it.
const BASELINE: App = App {
    dir: "typical-without-sdk",
    reqwest: &["add", "reqwest"],
    with_sdk: false,
};
const TYPICAL: App = App {
    dir: "typical-with-sdk",
    reqwest: &["add", "reqwest"],
    with_sdk: true,
};
const PLAIN_HTTP: App = App {
    dir: "plain-http-with-sdk",
    reqwest: &["add", "reqwest", "--no-default-features"],
    with_sdk: true,
};

/// Entry point of the step (after `cargo package`).
pub fn check(root: &Path) -> Result<()> {
    let work = fresh_project::packaged_work_dir(root);
    let patch = fresh_project::unpack_packages(root, &work)?;
    let facade_dir = patch
        .iter()
        .find(|(name, _)| name == FACADE)
        .map(|(_, dir)| dir.clone())
        .context("the facade's package")?;
    let target = work.join("target");

    let baseline = create(root, &work, &BASELINE, &patch, &facade_dir)?;
    let typical = create(root, &work, &TYPICAL, &patch, &facade_dir)?;
    let without = tree(root, &baseline, &[])?;
    let with = tree(root, &typical, &[])?;
    let added: BTreeSet<&String> = with.difference(&without).collect();
    println!(
        "a typical application (reqwest with default features, tokio, serde): {} crates; \
         {FACADE} with its default features adds {} (limit {MAX_ADDED_CRATES}): {}",
        without.len(),
        added.len(),
        join(added.iter().copied())
    );
    let crypto: Vec<&&String> = added
        .iter()
        .filter(|c| CRYPTO_CRATES.contains(&crate_name(c)))
        .collect();
    if !crypto.is_empty() {
        bail!(
            "{FACADE} adds a crypto library to a typical application: {}",
            join(crypto.into_iter().copied())
        );
    }
    if added.len() > MAX_ADDED_CRATES {
        bail!(
            "{FACADE} adds {} crates to a typical application, more than {MAX_ADDED_CRATES}",
            added.len()
        );
    }
    let manifests = sdk_manifests(&patch)?;
    optional_dependencies_stay_out(&manifests, &without, &with)?;
    optional_features_add_something(root, &typical, &manifests, &with)?;

    build_and_run(root, &typical, &target)?;
    let plain = create(root, &work, &PLAIN_HTTP, &patch, &facade_dir)?;
    build_and_run(root, &plain, &target)?;
    println!(
        "an application with reqwest's default features off builds its own reqwest clients \
         before and after the SDK's and runs"
    );
    Ok(())
}

/// Creates `app` in `work/<dir>` with the packaged SDK (patched to the unpacked packages).
fn create(
    root: &Path,
    work: &Path,
    app: &App,
    patch: &[(String, PathBuf)],
    facade_dir: &Path,
) -> Result<PathBuf> {
    let dir = work.join(app.dir);
    let mut adds: Vec<Vec<String>> = std::iter::once(app.reqwest)
        .chain(COMMON_ADDS)
        .map(|args| args.iter().map(|a| (*a).to_string()).collect())
        .collect();
    if app.with_sdk {
        adds.push(vec![
            "add".to_string(),
            "--path".to_string(),
            facade_dir.display().to_string(),
        ]);
    }
    // Only the generated client is needed from the patch (the facade is a path dependency).
    let patch: Vec<(String, PathBuf)> = patch
        .iter()
        .filter(|(name, _)| name == "sailpoint-v2025-client")
        .cloned()
        .collect();
    // The same package name for every application, so that roots do not count as added.
    fresh_project::create(root, &dir, "app", &patch, &adds, &[])?;
    let main = program(app.with_sdk);
    fs::write(dir.join("src/main.rs"), main).context("writing the program")?;
    Ok(dir)
}

/// The program of an application with or without the SDK (the same minus its SDK lines).
fn program(with_sdk: bool) -> String {
    if with_sdk {
        return PROGRAM.to_string();
    }
    PROGRAM
        .replace(
            "    let sdk = sailpoint_v2025::Client::builder()\n        \
             .base_url(\"https://acme.api.identitynow.com\")\n        \
             .access_token(\"not-a-real-token\")\n        .build()\n        \
             .expect(\"the SDK's client builds\");\n",
            "",
        )
        .replace("sdk.api_base_url()", "\"no SDK\"")
}

/// The crates (`name version`) `dir` compiles: normal and build dependencies, the root
/// included. `features` are passed to `cargo tree` (e.g. `sailpoint-v2025/opentelemetry`).
fn tree(root: &Path, dir: &Path, features: &[String]) -> Result<BTreeSet<String>> {
    let mut command = cargo(root);
    command.args([
        "tree",
        "--quiet",
        "-e",
        "normal,build",
        "--prefix",
        "none",
        "--format",
        "{p}",
    ]);
    if !features.is_empty() {
        command.arg("--features").arg(features.join(","));
    }
    in_dir(&mut command, dir);
    let output = command
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("could not start `{}`", show(&command)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", show(&command), output.status);
    }
    Ok(crate_versions(&String::from_utf8_lossy(&output.stdout)))
}

/// `name version` of each `cargo tree --prefix none --format {p}` line (`name v1.2.3 (...)`).
fn crate_versions(tree: &str) -> BTreeSet<String> {
    tree.lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some(format!("{} {}", words.next()?, words.next()?))
        })
        .collect()
}

fn crate_name(entry: &str) -> &str {
    entry.split(' ').next().unwrap_or(entry)
}

fn join<'a>(entries: impl Iterator<Item = &'a String>) -> String {
    entries.map(String::as_str).collect::<Vec<_>>().join(", ")
}

/// The facade's features and optional dependencies, from its packaged (normalized) manifest.
struct Manifest {
    features: BTreeMap<String, Vec<String>>,
    /// Dependency key -> package name, for the optional normal dependencies.
    optional: BTreeMap<String, String>,
}

fn manifest(facade_dir: &Path) -> Result<Manifest> {
    let path = facade_dir.join("Cargo.toml");
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let value: toml::Table = toml::from_str(&text).context("parsing the packaged manifest")?;
    let features = value
        .get("features")
        .and_then(toml::Value::as_table)
        .map(|table| {
            table
                .iter()
                .map(|(name, list)| {
                    let items = list
                        .as_array()
                        .map(|items| {
                            items
                                .iter()
                                .filter_map(|i| i.as_str().map(str::to_string))
                                .collect()
                        })
                        .unwrap_or_default();
                    (name.clone(), items)
                })
                .collect()
        })
        .unwrap_or_default();
    let optional = value
        .get("dependencies")
        .and_then(toml::Value::as_table)
        .map(|table| {
            table
                .iter()
                .filter(|(_, spec)| {
                    spec.get("optional").and_then(toml::Value::as_bool) == Some(true)
                })
                .map(|(key, spec)| {
                    let package = spec
                        .get("package")
                        .and_then(toml::Value::as_str)
                        .unwrap_or(key)
                        .to_string();
                    (key.clone(), package)
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(Manifest { features, optional })
}

/// The features `default` turns on, transitively (the facade's own features only).
fn default_closure(manifest: &Manifest) -> BTreeSet<String> {
    closure(manifest, BTreeSet::from(["default".to_string()]))
}

/// The optional dependencies a set of features turns on.
fn enabled_optional(manifest: &Manifest, features: &BTreeSet<String>) -> BTreeSet<String> {
    // cargo's rules: `dep:x` and `x/feature` turn the optional dependency `x` on, `x?/feature`
    // does not; a bare `x` does when `x` is an implicit feature (not in the features table).
    let implicit =
        |name: &str| manifest.optional.contains_key(name) && !manifest.features.contains_key(name);
    let mut deps = BTreeSet::new();
    for feature in features {
        if implicit(feature) {
            deps.insert(feature.clone());
        }
        for item in manifest.features.get(feature).into_iter().flatten() {
            let dep = if let Some(dep) = item.strip_prefix("dep:") {
                Some(dep)
            } else if let Some((dep, _)) = item.split_once('/') {
                (!dep.ends_with('?')).then_some(dep)
            } else {
                implicit(item).then_some(item.as_str())
            };
            if let Some(dep) = dep.filter(|dep| manifest.optional.contains_key(*dep)) {
                deps.insert(dep.to_string());
            }
        }
    }
    deps
}

/// The SDK's crates whose features the facade forwards (`sailpoint-v2025-client/schemars`),
/// with the facade itself: their optional dependencies are checked together.
const SDK_CRATES: [&str; 2] = [FACADE, "sailpoint-v2025-client"];

/// The optional dependencies (package names) of the SDK's crates that `features` of the facade
/// turn on, including through features forwarded to the other SDK crates (whose default
/// features the facade keeps).
fn sdk_optional_on(
    manifests: &BTreeMap<String, Manifest>,
    facade_features: &BTreeSet<String>,
    with_defaults: bool,
) -> BTreeSet<String> {
    let mut on = BTreeSet::new();
    for (name, manifest) in manifests {
        let mut features: BTreeSet<String> = if name == FACADE {
            facade_features.clone()
        } else {
            let mut forwarded = BTreeSet::new();
            for feature in facade_features {
                for item in manifests[FACADE]
                    .features
                    .get(feature)
                    .into_iter()
                    .flatten()
                {
                    if let Some((dep, feat)) = item.split_once('/')
                        && dep.trim_end_matches('?') == name
                    {
                        forwarded.insert(feat.to_string());
                    }
                }
            }
            forwarded
        };
        if with_defaults && name != FACADE {
            features.insert("default".to_string());
        }
        let closure = closure(manifest, features);
        on.extend(
            enabled_optional(manifest, &closure)
                .into_iter()
                .filter_map(|key| manifest.optional.get(&key).cloned()),
        );
    }
    on
}

/// The features `start` turns on, transitively, within one manifest.
fn closure(manifest: &Manifest, start: BTreeSet<String>) -> BTreeSet<String> {
    let mut on = BTreeSet::new();
    let mut queue: Vec<String> = start.into_iter().collect();
    while let Some(feature) = queue.pop() {
        if !on.insert(feature.clone()) {
            continue;
        }
        for item in manifest.features.get(&feature).into_iter().flatten() {
            if manifest.features.contains_key(item) {
                queue.push(item.clone());
            }
        }
    }
    on
}

/// The packaged manifests of the SDK's crates.
fn sdk_manifests(patch: &[(String, PathBuf)]) -> Result<BTreeMap<String, Manifest>> {
    SDK_CRATES
        .iter()
        .map(|name| {
            let dir = patch
                .iter()
                .find(|(local, _)| local == name)
                .map(|(_, dir)| dir)
                .with_context(|| format!("the package of {name}"))?;
            Ok((name.to_string(), manifest(dir)?))
        })
        .collect()
}

/// No optional dependency of the SDK's crates that the default features leave off is in the
/// typical application's tree with the SDK, unless the application had it already.
fn optional_dependencies_stay_out(
    manifests: &BTreeMap<String, Manifest>,
    without: &BTreeSet<String>,
    with: &BTreeSet<String>,
) -> Result<()> {
    let defaults = default_closure(&manifests[FACADE]);
    let on = sdk_optional_on(manifests, &defaults, true);
    let names = |set: &BTreeSet<String>| -> BTreeSet<String> {
        set.iter().map(|c| crate_name(c).to_string()).collect()
    };
    let (without, with) = (names(without), names(with));
    let all: BTreeSet<&String> = manifests
        .values()
        .flat_map(|m| m.optional.values())
        .collect();
    let mut checked = Vec::new();
    for package in all {
        if on.contains(package) {
            continue;
        }
        if with.contains(package) && !without.contains(package) {
            bail!(
                "the optional dependency `{package}` of the SDK is compiled with the default \
                 features (it must come only with the feature that needs it)"
            );
        }
        checked.push(package.as_str());
    }
    println!(
        "optional dependencies off by default, absent unless the application has them: {}",
        checked.join(", ")
    );
    Ok(())
}

/// Each facade feature the defaults leave off, turned on: what it adds (printed). A feature
/// that turns on an optional dependency not in the tree must add something: adding nothing
/// would mean its dependencies are compiled without it.
fn optional_features_add_something(
    root: &Path,
    typical: &Path,
    manifests: &BTreeMap<String, Manifest>,
    with: &BTreeSet<String>,
) -> Result<()> {
    let defaults = default_closure(&manifests[FACADE]);
    let by_default = sdk_optional_on(manifests, &defaults, true);
    for feature in manifests[FACADE].features.keys() {
        if defaults.contains(feature) {
            continue;
        }
        let on = tree(root, typical, &[format!("{FACADE}/{feature}")])?;
        let added: Vec<&String> = on.difference(with).collect();
        println!(
            "  feature `{feature}` on: adds {} crates ({})",
            added.len(),
            join(added.iter().copied())
        );
        let own = sdk_optional_on(manifests, &BTreeSet::from([feature.clone()]), false);
        let missing = own
            .iter()
            .any(|dep| !by_default.contains(dep) && !with.iter().any(|c| crate_name(c) == dep));
        if added.is_empty() && missing {
            bail!(
                "feature `{feature}` adds nothing when on, yet the optional dependencies it \
                 turns on ({}) are not in the tree without it",
                own.into_iter().collect::<Vec<_>>().join(", ")
            );
        }
    }
    Ok(())
}

/// Builds and runs the application at `dir` (into the shared `target`).
fn build_and_run(root: &Path, dir: &Path, target: &Path) -> Result<()> {
    run_command(in_dir(cargo(root).args(["run", "--quiet"]), dir).env("CARGO_TARGET_DIR", target))
        .with_context(|| {
            format!(
                "the application in {} failed to build or run",
                dir.display()
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_program_without_the_sdk_does_not_mention_it() {
        assert!(program(true).contains("sailpoint_v2025::Client::builder()"));
        let without = program(false);
        assert!(
            !without.contains("sailpoint") && !without.contains("sdk."),
            "{without}"
        );
    }

    #[test]
    fn features_forwarded_to_the_client_reach_its_optional_dependencies() {
        let facade = Manifest {
            features: BTreeMap::from([
                ("default".into(), vec!["rustls".into()]),
                ("rustls".into(), vec!["reqwest/rustls".into()]),
                (
                    "schemars".into(),
                    vec!["sailpoint-v2025-client/schemars".into()],
                ),
            ]),
            optional: BTreeMap::new(),
        };
        let client = Manifest {
            features: BTreeMap::from([("schemars".into(), vec!["dep:schemars".into()])]),
            optional: BTreeMap::from([("schemars".into(), "schemars".into())]),
        };
        let manifests = BTreeMap::from([
            (FACADE.to_string(), facade),
            ("sailpoint-v2025-client".to_string(), client),
        ]);
        let defaults = default_closure(&manifests[FACADE]);
        assert!(sdk_optional_on(&manifests, &defaults, true).is_empty());
        assert_eq!(
            sdk_optional_on(&manifests, &BTreeSet::from(["schemars".to_string()]), false),
            BTreeSet::from(["schemars".to_string()])
        );
    }

    #[test]
    fn tree_lines_become_name_and_version() {
        let tree = "app v0.1.0 (/x)\nserde v1.0.1\nserde v1.0.1 (*)\n\
                    hashbrown v0.14.5\nhashbrown v0.16.1\n";
        let crates = crate_versions(tree);
        assert_eq!(
            crates.into_iter().collect::<Vec<_>>(),
            [
                "app v0.1.0",
                "hashbrown v0.14.5",
                "hashbrown v0.16.1",
                "serde v1.0.1"
            ]
        );
    }

    #[test]
    fn optional_dependencies_are_found_through_features() {
        let manifest = Manifest {
            features: BTreeMap::from([
                ("default".into(), vec!["rustls".into()]),
                ("rustls".into(), vec!["reqwest/rustls".into()]),
                (
                    "ring".into(),
                    vec!["dep:rustls".into(), "rustls/ring".into()],
                ),
                ("opentelemetry".into(), vec!["dep:opentelemetry".into()]),
                ("weak".into(), vec!["redis?/tls".into()]),
            ]),
            optional: BTreeMap::from([
                ("rustls".into(), "rustls".into()),
                ("opentelemetry".into(), "opentelemetry".into()),
                ("redis".into(), "redis".into()),
            ]),
        };
        let defaults = default_closure(&manifest);
        assert_eq!(
            defaults.iter().map(String::as_str).collect::<Vec<_>>(),
            ["default", "rustls"]
        );
        // The `rustls` feature turns on reqwest's feature only: a feature named like an
        // optional dependency is not the dependency when the table defines it.
        assert!(enabled_optional(&manifest, &BTreeSet::from(["rustls".to_string()])).is_empty());
        assert_eq!(
            enabled_optional(&manifest, &BTreeSet::from(["redis".to_string()])),
            BTreeSet::from(["redis".to_string()])
        );
        assert_eq!(
            enabled_optional(&manifest, &BTreeSet::from(["ring".to_string()])),
            BTreeSet::from(["rustls".to_string()])
        );
        assert!(enabled_optional(&manifest, &BTreeSet::from(["weak".to_string()])).is_empty());
    }
}
