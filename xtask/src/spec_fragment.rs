//! `cargo xtask vendor`: cut the operations listed in `openapi/operations.txt` out of
//! SailPoint's multi-file `api-specs` tree into one self-contained OpenAPI 3.0 document
//! (`openapi/sailpoint-v2025.yaml`), and report what changed against the fragment it replaces.
//!
//! The fragment stays faithful to upstream (descriptions, examples, `x-sailpoint-*` extensions,
//! key order); only `$ref`s change, following the naming rules in `openapi/README.md` so that
//! the component schemas carry the same names as in SailPoint's own SDKs. Adjustments for code
//! generators happen later, in memory (`adjust.rs`).
//!
//! [`vendor_fragment`] is pure (it only reads the tree); [`run`] writes its result.

mod changes;
mod error;
mod naming;
mod operations;
mod scan;
mod tree;
mod walk;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use serde_yaml_ng::{Mapping, Value};

pub use error::VendorError;
pub use operations::{OPERATIONS_PATH, read_operation_list};
use tree::{Loader, Location, key_str, normalize, pointer_get, resolve};
use walk::{FirstUse, Walker, invalid, ref_of};

/// The root document, relative to the upstream tree.
pub const ROOT_DOCUMENT: &str = "idn/sailpoint-api.v2025.yaml";
/// The fragment, relative to the workspace root.
pub const FRAGMENT_PATH: &str = "openapi/sailpoint-v2025.yaml";
/// The upstream repository, for the provenance header.
const UPSTREAM_REPO: &str = "github.com/sailpoint-oss/api-specs";

#[derive(Debug, clap::Args)]
pub struct VendorArgs {
    /// Root of a SailPoint api-specs tree (the folder holding `idn/sailpoint-api.v2025.yaml`).
    #[arg(long, value_name = "DIR")]
    pub upstream: PathBuf,
    /// The operation list (default: `openapi/operations.txt` in the workspace).
    #[arg(long, value_name = "FILE")]
    pub operations: Option<PathBuf>,
    /// Vendor this operationId instead of the list (repeatable).
    #[arg(long, value_name = "ID")]
    pub operation: Vec<String>,
    /// Vendor every operation the root document refers to (the whole API) instead of the list.
    #[arg(long, conflicts_with_all = ["operation", "operations"])]
    pub all_operations: bool,
    /// Where to write the fragment (default: `openapi/sailpoint-v2025.yaml` in the workspace).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Upstream commit for the header (default: the hex suffix of an `api-specs-COMMIT` tree
    /// folder name, else `git rev-parse HEAD` when the tree is a git checkout).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
    /// Report the changes against the output file without writing it.
    #[arg(long)]
    pub dry_run: bool,
    /// Show the details of every change (old and new values).
    #[arg(short, long)]
    pub verbose: bool,
    /// Leave out the operations that cannot be vendored (a `$ref` into a file the tree does
    /// not hold, a cycle, ...) and list them with the reason, instead of failing.
    #[arg(long)]
    pub skip_unsupported: bool,
}

/// Writes the fragment (see [`vendor`]) and prints what changed against the file it replaces.
pub fn run(args: &VendorArgs) -> Result<()> {
    let root = crate::workspace::root();
    let operation_ids = if args.all_operations {
        all_operation_ids(&args.upstream)?
    } else if args.operation.is_empty() {
        let list = args
            .operations
            .clone()
            .unwrap_or_else(|| root.join(OPERATIONS_PATH));
        read_operation_list(&list)?
    } else {
        args.operation.clone()
    };
    let vendored = vendor_with(
        &args.upstream,
        &operation_ids,
        args.commit.as_deref(),
        args.skip_unsupported,
    )?;
    for skipped in &vendored.skipped {
        eprintln!(
            "skipped operation {}: {}",
            skipped.operation_id, skipped.reason
        );
    }
    if let Some(warning) = &vendored.commit_warning {
        eprintln!("warning: {warning}");
    }
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| root.join(FRAGMENT_PATH));
    let old = match fs::read_to_string(&output) {
        Ok(text) => Some(text),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
        Err(err) => {
            return Err(err).with_context(|| format!("cannot read {}", output.display()));
        }
    };
    let unchanged = old.as_deref() == Some(vendored.yaml.as_str());
    if !unchanged && !args.dry_run {
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create directory {}", parent.display()))?;
        }
        fs::write(&output, &vendored.yaml)
            .with_context(|| format!("cannot write {}", output.display()))?;
    }
    let verb = match (unchanged, args.dry_run) {
        (true, _) => "unchanged",
        (false, true) => "would write",
        (false, false) => "wrote",
    };
    eprintln!(
        "{verb} {} ({} operations from {} upstream files; {} component schemas: {})",
        output.display(),
        operation_ids.len() - vendored.skipped.len(),
        vendored.sources.len(),
        vendored.schemas.len(),
        vendored.schemas.join(", ")
    );
    if !vendored.missing_path_files.is_empty() {
        eprintln!(
            "note: {} referenced in the root document not in the tree, skipped (also for \
             the first-user naming rule): {}",
            error::files(vendored.missing_path_files.len(), "path item file"),
            vendored.missing_path_files.join(", ")
        );
    }
    match old {
        Some(old) => {
            let report = changes::compare_as_generated(&old, &vendored.yaml)
                .with_context(|| format!("cannot compare with {}", output.display()))?;
            print!(
                "{}",
                report.render(&output.display().to_string(), args.verbose)
            );
        }
        None => println!(
            "spec changes: none to report ({} did not exist)",
            output.display()
        ),
    }
    Ok(())
}

/// The fragment (YAML text with its comment header) for `operation_ids` in the api-specs tree
/// at `upstream`. Reads files only.
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the pure entry point, for tests and other xtask commands"
    )
)]
pub fn vendor_fragment(upstream: &Path, operation_ids: &[&str]) -> Result<String> {
    let ids: Vec<String> = operation_ids.iter().map(|id| (*id).to_owned()).collect();
    Ok(vendor(upstream, &ids, None)?.yaml)
}

/// Every operationId of the path item files the root document of the tree at `upstream`
/// refers to, in root-document order, each once (files the tree lacks are skipped).
pub fn all_operation_ids(upstream: &Path) -> Result<Vec<String>> {
    let root_path = normalize(upstream).join(ROOT_DOCUMENT);
    let mut loader = Loader::default();
    let root = loader
        .load(&root_path)?
        .ok_or_else(|| VendorError::MissingRoot {
            path: root_path.clone(),
        })?;
    let paths_at = Location::file(&root_path).child("paths");
    let paths = root
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| invalid(&paths_at, "the root document has no `paths` mapping"))?;
    let mut ids: Vec<String> = Vec::new();
    for (key, value) in paths {
        let at = paths_at.child(&key_str(key).unwrap_or_default());
        let scanned = match ref_of(value, &at)? {
            Some(reference) => match resolve(reference, &root_path) {
                Ok(loc) if loc.pointer.is_empty() => scan::scan_path_item(&loc.file)?,
                Ok(loc) => loader
                    .load(&loc.file)?
                    .and_then(|doc| pointer_get(&doc, &loc.pointer).map(scan::from_value)),
                Err(_) => None,
            },
            None => Some(scan::from_value(value)),
        };
        for id in scanned
            .into_iter()
            .flat_map(|s| s.operations)
            .filter_map(|op| op.operation_id)
        {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    }
    Ok(ids)
}

/// A vendored fragment and what went into it.
#[derive(Debug)]
pub struct Vendored {
    /// The document, header included, ending in a newline.
    pub yaml: String,
    /// Component schema names, sorted.
    pub schemas: Vec<String>,
    /// Upstream files whose content is in the fragment, relative to the tree, sorted.
    pub sources: Vec<String>,
    /// Path item files the root document references (before the last operation) that do not
    /// exist.
    pub missing_path_files: Vec<String>,
    /// Why the header says the upstream commit is unknown, if it does.
    pub commit_warning: Option<String>,
    /// The operations left out because they cannot be vendored (with `skip_unsupported`).
    pub skipped: Vec<Skipped>,
}

/// An operation left out of the fragment, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// Its operationId.
    pub operation_id: String,
    /// Why it cannot be vendored (the vendoring error for that operation alone).
    pub reason: String,
}

/// [`vendor_with`], failing on the first operation that cannot be vendored.
pub fn vendor(upstream: &Path, operation_ids: &[String], commit: Option<&str>) -> Result<Vendored> {
    vendor_with(upstream, operation_ids, commit, false)
}

/// [`vendor_fragment`] with an explicit commit for the header and the details of the result.
/// With `skip_unsupported`, each operation is first vendored on its own, and those that fail
/// are left out and listed in [`Vendored::skipped`] (and in the fragment's header).
pub fn vendor_with(
    upstream: &Path,
    operation_ids: &[String],
    commit: Option<&str>,
    skip_unsupported: bool,
) -> Result<Vendored> {
    let (commit, commit_warning) = match commit {
        Some(commit) if is_commit(commit) => (Some(commit.to_ascii_lowercase()), None),
        Some(commit) => {
            bail!("--commit `{commit}` is not a hexadecimal commit id (7 to 40 digits)")
        }
        None => match commit_from_dir_name(upstream).or_else(|| commit_from_git(upstream)) {
            Some(commit) => (Some(commit), None),
            None => (
                None,
                Some(format!(
                    "cannot determine the upstream commit of {} (the folder is not named \
                     `api-specs-<commit>` and is not a git checkout); the header says \
                     `unknown`: pass --commit SHA",
                    upstream.display()
                )),
            ),
        },
    };
    operations::check_ids(operation_ids)?;
    let upstream = normalize(upstream);
    if !upstream.is_dir() {
        return Err(VendorError::MissingTree { path: upstream }.into());
    }
    let root_path = upstream.join(ROOT_DOCUMENT);
    let mut loader = Loader::default();
    let root = loader
        .load(&root_path)?
        .ok_or_else(|| VendorError::MissingRoot {
            path: root_path.clone(),
        })?;
    let root_at = Location::file(&root_path);
    let root = root
        .as_mapping()
        .ok_or_else(|| invalid(&root_at, "the root document is not a mapping"))?;
    check_openapi_version(root, &root_path)?;

    let mut search = find_operations(&mut loader, root, &root_path, operation_ids)?;
    if let Some(missing) = operation_ids
        .iter()
        .find(|id| !search.found.iter().any(|f| f.operation_id == **id))
    {
        return Err(VendorError::OperationNotFound {
            operation_id: missing.clone(),
            root: root_path.clone(),
            searched: relative_all(&search.searched, &upstream),
            missing: relative_all(&search.missing, &upstream),
        }
        .into());
    }
    loader.used.insert(root_path.clone());
    for found in &search.found {
        loader.used.insert(found.item_at.file.clone());
    }

    // The found operations in root-document order, grouped by path item.
    let naming = naming::Naming::for_root_document(&root_path);
    let skipped = if skip_unsupported {
        drop_unvendorable(&mut loader, &mut search, &naming, root, &root_at)
    } else {
        Vec::new()
    };
    if search.found.is_empty() {
        bail!("none of the operations can be vendored");
    }
    let mut walker = Walker::new(&mut loader, &search.first_uses, &naming);
    let mut paths = Mapping::new();
    let mut selected_operations: Vec<&Mapping> = Vec::new();
    for found in &search.found {
        if paths.contains_key(&found.path_key) {
            continue;
        }
        let methods: Vec<(String, String)> = search
            .found
            .iter()
            .filter(|other| other.path_key == found.path_key)
            .map(|other| (other.method.clone(), other.operation_id.clone()))
            .collect();
        let path_item = walker.path_item(&found.item, &found.item_at, &methods)?;
        paths.insert(found.path_key.clone(), Value::Mapping(path_item));
    }
    for found in &search.found {
        if let Some(operation) = found
            .item
            .get(found.method.as_str())
            .and_then(Value::as_mapping)
        {
            selected_operations.push(operation);
        }
    }

    // Security: each operation's own requirements, else the root's (then copied to the top
    // level, where it applies to the operations without their own).
    let any_without_own = selected_operations
        .iter()
        .any(|op| !op.contains_key("security"));
    let root_security = root.get("security").filter(|_| any_without_own);
    let requirements: Vec<&Value> = selected_operations
        .iter()
        .filter_map(|op| op.get("security"))
        .chain(root_security)
        .collect();
    let schemes = security_schemes(&mut walker, root, &root_at, &requirements)?;
    let schemas = walker.into_schemas()?;

    let mut document = Mapping::new();
    for key in ["openapi", "info", "servers"] {
        if let Some(value) = root.get(key) {
            document.insert(Value::from(key), value.clone());
        }
    }
    if let Some(security) = root_security {
        document.insert(Value::from("security"), security.clone());
    }
    let tags = used_tags(root, &selected_operations);
    if !tags.is_empty() {
        document.insert(Value::from("tags"), Value::Sequence(tags));
    }
    document.insert(Value::from("paths"), Value::Mapping(paths));
    let mut components = Mapping::new();
    if !schemes.is_empty() {
        components.insert(Value::from("securitySchemes"), Value::Mapping(schemes));
    }
    let schema_names: Vec<String> = schemas.keys().filter_map(key_str).collect();
    if !schemas.is_empty() {
        components.insert(Value::from("schemas"), Value::Mapping(schemas.clone()));
    }
    if !components.is_empty() {
        document.insert(Value::from("components"), Value::Mapping(components));
    }
    let document = Value::Mapping(document);
    check_refs(&document, "", &schemas)?;

    let body = serde_yaml_ng::to_string(&document).context("cannot serialise the fragment")?;
    let sources = relative_all(&loader.used.iter().cloned().collect::<Vec<_>>(), &upstream);
    let in_root_order: Vec<&str> = search
        .found
        .iter()
        .map(|f| f.operation_id.as_str())
        .collect();
    let mut yaml = header(&in_root_order, &skipped, commit.as_deref(), &sources);
    yaml.push_str(&body);
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    Ok(Vendored {
        yaml,
        schemas: schema_names,
        sources,
        missing_path_files: relative_all(&search.missing, &upstream),
        commit_warning,
        skipped,
    })
}

/// Walks each found operation on its own and removes those that fail from `search`, returning
/// them with the error. The files only they read are not counted as sources.
fn drop_unvendorable(
    loader: &mut Loader,
    search: &mut Search,
    naming: &naming::Naming,
    root: &Mapping,
    root_at: &Location,
) -> Vec<Skipped> {
    let used_before = loader.used.clone();
    let mut kept = Vec::new();
    let mut skipped = Vec::new();
    let mut skipped_files = Vec::new();
    for found in std::mem::take(&mut search.found) {
        let used = loader.used.clone();
        let mut probe = Walker::new(loader, &search.first_uses, naming);
        let methods = [(found.method.clone(), found.operation_id.clone())];
        // The operation's own security requirements, else the root's.
        let security = found
            .item
            .get(found.method.as_str())
            .and_then(|op| op.get("security"))
            .or_else(|| root.get("security"));
        let result = probe
            .path_item(&found.item, &found.item_at, &methods)
            .and_then(|_| security_schemes(&mut probe, root, root_at, &Vec::from_iter(security)))
            .and_then(|_| probe.into_schemas());
        match result {
            Ok(_) => kept.push(found),
            Err(err) => {
                loader.used = used;
                skipped_files.push(found.item_at.file.clone());
                skipped.push(Skipped {
                    operation_id: found.operation_id.clone(),
                    reason: err.to_string(),
                });
            }
        }
    }
    // The full walk records the schema files again; the path item files of the skipped
    // operations are no sources unless a kept operation shares them.
    loader.used = used_before;
    for gone in &skipped_files {
        if !kept.iter().any(|found: &Found| found.item_at.file == *gone) {
            loader.used.remove(gone);
        }
    }
    search.found = kept;
    skipped
}

fn check_openapi_version(root: &Mapping, root_path: &Path) -> Result<(), VendorError> {
    let found = match root.get("openapi") {
        Some(Value::String(version)) => {
            let mut parts = version.split('.');
            let ok = parts.next() == Some("3")
                && parts.next() == Some("0")
                && parts
                    .next()
                    .is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                && parts.next().is_none();
            if ok {
                return Ok(());
            }
            version.clone()
        }
        Some(Value::Number(number)) => format!("{number} (a number, not a version string)"),
        Some(_) => "(not a string)".to_owned(),
        None => "(nothing: the `openapi` field is missing)".to_owned(),
    };
    Err(VendorError::UnsupportedOpenApi {
        path: root_path.to_path_buf(),
        found,
    })
}

/// The selected operations' path items, where they were found, and who used which response
/// file first.
struct Search {
    searched: Vec<PathBuf>,
    missing: Vec<PathBuf>,
    first_uses: HashMap<Location, FirstUse>,
    /// In root-document order.
    found: Vec<Found>,
}

struct Found {
    operation_id: String,
    path_key: Value,
    item_at: Location,
    item: Mapping,
    method: String,
}

/// Walks the root document's `paths` in order (methods in the order written in each path item)
/// until every id in `operation_ids` turned up, recording for every response `$ref` the first
/// operation using it. Path item files are only scanned (see [`scan`]) for their
/// `operationId`s and the `$ref` strings of their `responses`; a file holding a selected
/// operation is then parsed in full. Path item files that do not exist are skipped.
fn find_operations(
    loader: &mut Loader,
    root: &Mapping,
    root_path: &Path,
    operation_ids: &[String],
) -> Result<Search, VendorError> {
    let paths_at = Location::file(root_path).child("paths");
    let paths = root
        .get("paths")
        .and_then(Value::as_mapping)
        .ok_or_else(|| invalid(&paths_at, "the root document has no `paths` mapping"))?;
    let mut search = Search {
        searched: Vec::new(),
        missing: Vec::new(),
        first_uses: HashMap::new(),
        found: Vec::new(),
    };
    for (path_key, path_value) in paths {
        if search.found.len() == operation_ids.len() {
            break;
        }
        let path_at = paths_at.child(&key_str(path_key).unwrap_or_default());
        // `inline`: a path item written in the root document itself.
        let (item_at, scanned, inline) = match ref_of(path_value, &path_at)? {
            Some(reference) => {
                let Ok(loc) = resolve(reference, root_path) else {
                    search.missing.push(PathBuf::from(reference));
                    continue;
                };
                let scanned = if loc.pointer.is_empty() {
                    scan::scan_path_item(&loc.file)?
                } else {
                    // A pointer into a file: rare enough to afford the full parse.
                    match loader.load(&loc.file)? {
                        Some(document) => match pointer_get(&document, &loc.pointer) {
                            Some(item) => Some(scan::from_value(item)),
                            None => {
                                search.missing.push(PathBuf::from(loc.to_string()));
                                continue;
                            }
                        },
                        None => None,
                    }
                };
                let Some(scanned) = scanned else {
                    search.missing.push(loc.file);
                    continue;
                };
                if !search.searched.contains(&loc.file) {
                    search.searched.push(loc.file.clone());
                }
                (loc, scanned, None)
            }
            None => (path_at, scan::from_value(path_value), Some(path_value)),
        };
        for operation in &scanned.operations {
            let operation_at = item_at.child(&operation.method);
            for (status, reference) in &operation.response_refs {
                let Ok(loc) = resolve(reference, &item_at.file) else {
                    continue;
                };
                search.first_uses.entry(loc).or_insert_with(|| FirstUse {
                    operation_id: operation.operation_id.clone(),
                    status: status.clone(),
                    at: operation_at.clone(),
                });
            }
            let Some(id) = operation
                .operation_id
                .as_ref()
                .filter(|id| operation_ids.contains(id))
                .filter(|id| !search.found.iter().any(|f| &f.operation_id == *id))
            else {
                continue;
            };
            let item = match inline {
                Some(item) => item.as_mapping().cloned(),
                None => loader
                    .load(&item_at.file)?
                    .and_then(|document| pointer_get(&document, &item_at.pointer).cloned())
                    .and_then(|item| item.as_mapping().cloned()),
            }
            .ok_or_else(|| invalid(&item_at, "expected a path item (a mapping)"))?;
            search.found.push(Found {
                operation_id: id.clone(),
                path_key: path_key.clone(),
                item_at: item_at.clone(),
                item,
                method: operation.method.clone(),
            });
        }
    }
    Ok(search)
}

/// The root `components.securitySchemes` the requirements name, in root order.
fn security_schemes(
    walker: &mut Walker<'_>,
    root: &Mapping,
    root_at: &Location,
    requirements: &[&Value],
) -> Result<Mapping, VendorError> {
    let used: BTreeSet<String> = requirements
        .iter()
        .filter_map(|security| security.as_sequence())
        .flatten()
        .filter_map(Value::as_mapping)
        .flat_map(|requirement| requirement.keys().filter_map(key_str))
        .collect();
    let schemes_at = root_at.child("components").child("securitySchemes");
    let defined = root
        .get("components")
        .and_then(|c| c.get("securitySchemes"))
        .and_then(Value::as_mapping);
    let mut out = Mapping::new();
    for (name, scheme) in defined.into_iter().flatten() {
        let Some(name_text) = key_str(name).filter(|n| used.contains(n)) else {
            continue;
        };
        let scheme = walker.inline_verbatim(scheme, &schemes_at.child(&name_text))?;
        out.insert(name.clone(), scheme);
    }
    if let Some(undefined) = used.iter().find(|name| !out.contains_key(name.as_str())) {
        return Err(invalid(
            &schemes_at,
            &format!("an operation's security requires `{undefined}`, which is not defined here"),
        ));
    }
    Ok(out)
}

/// The root tag objects the operations use, in root order.
fn used_tags(root: &Mapping, operations: &[&Mapping]) -> Vec<Value> {
    let used: Vec<&str> = operations
        .iter()
        .filter_map(|op| op.get("tags"))
        .filter_map(Value::as_sequence)
        .flatten()
        .filter_map(Value::as_str)
        .collect();
    root.get("tags")
        .and_then(Value::as_sequence)
        .into_iter()
        .flatten()
        .filter(|tag| {
            tag.get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| used.contains(&name))
        })
        .cloned()
        .collect()
}

/// Keys whose values are literal data (examples, defaults, enums, extensions): never refs.
const LITERAL_KEYS: [&str; 4] = ["example", "examples", "default", "enum"];

/// Every `$ref` left in the fragment must name one of its component schemas.
fn check_refs(value: &Value, pointer: &str, schemas: &Mapping) -> Result<(), VendorError> {
    match value {
        Value::Mapping(mapping) => {
            for (key, value) in mapping {
                let key = key_str(key).unwrap_or_default();
                let here = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
                if key == "$ref" {
                    let target = value
                        .as_str()
                        .and_then(|r| r.strip_prefix("#/components/schemas/"));
                    if !target.is_some_and(|name| schemas.contains_key(name)) {
                        return Err(VendorError::Invalid {
                            at: format!("the vendored fragment at #{here}"),
                            message: format!(
                                "unresolved $ref {value:?} (vendoring does not resolve $refs in \
                                 this position)"
                            ),
                        });
                    }
                } else if !LITERAL_KEYS.contains(&key.as_str()) && !key.starts_with("x-") {
                    check_refs(value, &here, schemas)?;
                }
            }
            Ok(())
        }
        Value::Sequence(items) => items
            .iter()
            .enumerate()
            .try_for_each(|(index, item)| check_refs(item, &format!("{pointer}/{index}"), schemas)),
        _ => Ok(()),
    }
}

fn header(
    operation_ids: &[&str],
    skipped: &[Skipped],
    commit: Option<&str>,
    sources: &[String],
) -> String {
    let commit = commit.map_or_else(|| "unknown (pass --commit)".to_owned(), ToOwned::to_owned);
    let mut out = format!(
        "# SailPoint Identity Security Cloud v2025 API: only the operations below.\n\
         # Vendored from {UPSTREAM_REPO} (MIT licence), upstream commit {commit}.\n\
         # Written by `cargo xtask vendor --upstream <api-specs tree>` from {OPERATIONS_PATH}:\n\
         # do not edit by hand. Provenance and naming rules: openapi/README.md.\n\
         # Operations (upstream order):\n"
    );
    for id in operation_ids {
        out.push_str("#   ");
        out.push_str(id);
        out.push('\n');
    }
    if !skipped.is_empty() {
        out.push_str("# Left out (`--skip-unsupported`), with the reason:\n");
        for skipped in skipped {
            out.push_str(&format!(
                "#   {}: {}\n",
                skipped.operation_id,
                skipped.reason.replace('\n', " ")
            ));
        }
    }
    out.push_str("# Upstream files:\n");
    for source in sources {
        out.push_str("#   ");
        out.push_str(source);
        out.push('\n');
    }
    out
}

/// `api-specs-81ef79d` -> `81ef79d`.
fn commit_from_dir_name(upstream: &Path) -> Option<String> {
    let dir = fs::canonicalize(upstream).unwrap_or_else(|_| normalize(upstream));
    let name = dir.file_name()?.to_str()?;
    let commit = name.strip_prefix("api-specs-")?;
    is_commit(commit).then(|| commit.to_ascii_lowercase())
}

/// The `HEAD` commit of a tree that is the top of a git checkout (`DIR/.git` exists; a tree
/// merely inside some other repository does not count).
fn commit_from_git(upstream: &Path) -> Option<String> {
    if !upstream.join(".git").exists() {
        return None;
    }
    let output = Command::new("git")
        .arg("-C")
        .arg(upstream)
        .args(["rev-parse", "HEAD"])
        .output()
        .ok()?;
    let commit = String::from_utf8(output.stdout).ok()?;
    let commit = commit.trim();
    (output.status.success() && is_commit(commit)).then(|| commit.to_ascii_lowercase())
}

fn is_commit(text: &str) -> bool {
    (7..=40).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Paths relative to the tree, `/`-separated (absolute if outside it).
fn relative_all(files: &[PathBuf], upstream: &Path) -> Vec<String> {
    files
        .iter()
        .map(|file| {
            file.strip_prefix(upstream).map_or_else(
                |_| file.display().to_string(),
                |rel| {
                    rel.components()
                        .map(|c| c.as_os_str().to_string_lossy())
                        .collect::<Vec<_>>()
                        .join("/")
                },
            )
        })
        .collect()
}

#[cfg(test)]
mod tests;
