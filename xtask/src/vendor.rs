//! `cargo xtask vendor`: cut one operation out of SailPoint's multi-file `api-specs` tree into a
//! single self-contained OpenAPI 3.0 document (`openapi/sailpoint-v2025.yaml`).
//!
//! The fragment stays faithful to upstream (descriptions, examples, `x-sailpoint-*` extensions,
//! key order); only `$ref`s change, following the naming rules in `openapi/README.md` so that
//! the component schemas carry the same names as in SailPoint's own SDKs. Adjustments for code
//! generators happen later, in memory (`adjust.rs`).
//!
//! [`vendor_fragment`] is pure (it only reads the tree); [`run`] writes its result.

mod error;
mod tree;
mod walk;

use std::collections::{BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use serde_yaml_ng::{Mapping, Value};

pub use error::VendorError;
use tree::{Loader, Location, key_str, normalize, pointer_get, resolve};
use walk::{FirstUse, HTTP_METHODS, Walker, invalid, ref_of};

/// The operation the SDK is built around.
pub const DEFAULT_OPERATION: &str = "sendClassifyMachineAccount";
/// The root document, relative to the upstream tree.
pub const ROOT_DOCUMENT: &str = "idn/sailpoint-api.v2025.yaml";
/// The upstream repository, for the provenance header.
const UPSTREAM_REPO: &str = "github.com/sailpoint-oss/api-specs";

#[derive(Debug, clap::Args)]
pub struct VendorArgs {
    /// Root of a SailPoint api-specs tree (the folder holding `idn/sailpoint-api.v2025.yaml`).
    #[arg(long, value_name = "DIR")]
    pub upstream: PathBuf,
    /// operationId of the operation to vendor.
    #[arg(long, value_name = "ID", default_value = DEFAULT_OPERATION)]
    pub operation: String,
    /// Where to write the fragment (default: `openapi/sailpoint-v2025.yaml` in the workspace).
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Upstream commit for the header (default: the hex suffix of an `api-specs-COMMIT` tree
    /// folder name).
    #[arg(long, value_name = "SHA")]
    pub commit: Option<String>,
}

/// Writes the fragment for `args.operation` (see [`vendor_fragment`]).
pub fn run(args: &VendorArgs) -> Result<()> {
    let vendored = vendor(&args.upstream, &args.operation, args.commit.as_deref())?;
    let output = args.output.clone().unwrap_or_else(|| {
        crate::workspace_root()
            .join("openapi")
            .join("sailpoint-v2025.yaml")
    });
    if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("cannot create directory {}", parent.display()))?;
    }
    let unchanged = fs::read(&output).is_ok_and(|old| old == vendored.yaml.as_bytes());
    if !unchanged {
        fs::write(&output, &vendored.yaml)
            .with_context(|| format!("cannot write {}", output.display()))?;
    }
    eprintln!(
        "{} {} ({} from {} upstream files; {} component schemas: {})",
        if unchanged { "unchanged" } else { "wrote" },
        output.display(),
        args.operation,
        vendored.sources.len(),
        vendored.schemas.len(),
        vendored.schemas.join(", ")
    );
    if !vendored.missing_path_files.is_empty() {
        eprintln!(
            "note: {} referenced before the operation not in the tree, skipped (also for \
             the first-user naming rule): {}",
            error::files(vendored.missing_path_files.len(), "path item file"),
            vendored.missing_path_files.join(", ")
        );
    }
    Ok(())
}

/// The fragment (YAML text with its comment header) for `operation_id` in the api-specs tree at
/// `upstream`. Reads files only.
#[cfg_attr(
    not(test),
    allow(
        dead_code,
        reason = "the pure entry point, for tests and other xtask commands"
    )
)]
pub fn vendor_fragment(upstream: &Path, operation_id: &str) -> Result<String> {
    Ok(vendor(upstream, operation_id, None)?.yaml)
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
    /// Path item files the root document references (before the operation) that do not exist.
    pub missing_path_files: Vec<String>,
}

/// [`vendor_fragment`] with an explicit commit for the header and the details of the result.
pub fn vendor(upstream: &Path, operation_id: &str, commit: Option<&str>) -> Result<Vendored> {
    let commit = match commit {
        Some(commit) if is_commit(commit) => Some(commit.to_ascii_lowercase()),
        Some(commit) => {
            bail!("--commit `{commit}` is not a hexadecimal commit id (7 to 40 digits)")
        }
        None => commit_from_dir_name(upstream),
    };
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

    let search = find_operation(&mut loader, root, &root_path, operation_id)?;
    let found = search.found.ok_or_else(|| VendorError::OperationNotFound {
        operation_id: operation_id.to_owned(),
        root: root_path.clone(),
        searched: relative_all(&search.searched, &upstream),
        missing: relative_all(&search.missing, &upstream),
    })?;
    loader.used.insert(root_path.clone());
    loader.used.insert(found.item_at.file.clone());

    let mut walker = Walker::new(&mut loader, &search.first_uses, operation_id);
    let path_item = walker.path_item(&found.item, &found.item_at, &found.method)?;
    let operation = found
        .item
        .get(found.method.as_str())
        .and_then(Value::as_mapping);

    // Security: the operation's own requirements, else the root's (then copied to the top level).
    let own_security = operation.and_then(|op| op.get("security"));
    let security = own_security.or_else(|| root.get("security"));
    let schemes = security_schemes(&mut walker, root, &root_at, security)?;
    let schemas = walker.into_schemas()?;

    let mut document = Mapping::new();
    for key in ["openapi", "info", "servers"] {
        if let Some(value) = root.get(key) {
            document.insert(Value::from(key), value.clone());
        }
    }
    if let (None, Some(security)) = (own_security, security) {
        document.insert(Value::from("security"), security.clone());
    }
    let tags = used_tags(root, operation);
    if !tags.is_empty() {
        document.insert(Value::from("tags"), Value::Sequence(tags));
    }
    let mut paths = Mapping::new();
    paths.insert(found.path_key.clone(), Value::Mapping(path_item));
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
    let mut yaml = header(operation_id, commit.as_deref(), &sources);
    yaml.push_str(&body);
    if !yaml.ends_with('\n') {
        yaml.push('\n');
    }
    Ok(Vendored {
        yaml,
        schemas: schema_names,
        sources,
        missing_path_files: relative_all(&search.missing, &upstream),
    })
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

/// The operation's path item, where it was found, and who used which response file first.
struct Search {
    searched: Vec<PathBuf>,
    missing: Vec<PathBuf>,
    first_uses: HashMap<Location, FirstUse>,
    found: Option<Found>,
}

struct Found {
    path_key: Value,
    item_at: Location,
    item: Mapping,
    method: String,
}

/// Walks the root document's `paths` in order (methods in the order written in each path item)
/// until `operation_id` turns up, recording for every response `$ref` the first operation using
/// it. Other operations are only looked at for their `operationId` and `responses` `$ref`
/// strings; path item files that do not exist are skipped.
fn find_operation(
    loader: &mut Loader,
    root: &Mapping,
    root_path: &Path,
    operation_id: &str,
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
        found: None,
    };
    'paths: for (path_key, path_value) in paths {
        let path_at = paths_at.child(&key_str(path_key).unwrap_or_default());
        let (item_at, item_value) = match ref_of(path_value, &path_at)? {
            Some(reference) => {
                let Ok(loc) = resolve(reference, root_path) else {
                    search.missing.push(PathBuf::from(reference));
                    continue;
                };
                let Some(document) = loader.load(&loc.file)? else {
                    search.missing.push(loc.file);
                    continue;
                };
                if !search.searched.contains(&loc.file) {
                    search.searched.push(loc.file.clone());
                }
                let Some(item) = pointer_get(&document, &loc.pointer) else {
                    search.missing.push(PathBuf::from(loc.to_string()));
                    continue;
                };
                (loc, item.clone())
            }
            None => (path_at, path_value.clone()),
        };
        let Some(item) = item_value.as_mapping() else {
            continue;
        };
        for (method_key, operation) in item {
            let Some(method) = method_key.as_str().filter(|m| HTTP_METHODS.contains(m)) else {
                continue;
            };
            let Some(operation) = operation.as_mapping() else {
                continue;
            };
            let id = operation.get("operationId").and_then(Value::as_str);
            let operation_at = item_at.child(method);
            if let Some(Value::Mapping(responses)) = operation.get("responses") {
                for (status, response) in responses {
                    let reference = response
                        .as_mapping()
                        .and_then(|r| r.get("$ref"))
                        .and_then(Value::as_str);
                    let (Some(status), Some(reference)) = (key_str(status), reference) else {
                        continue;
                    };
                    let Ok(loc) = resolve(reference, &item_at.file) else {
                        continue;
                    };
                    search.first_uses.entry(loc).or_insert_with(|| FirstUse {
                        operation_id: id.map(str::to_owned),
                        status,
                        at: operation_at.clone(),
                    });
                }
            }
            if id == Some(operation_id) {
                search.found = Some(Found {
                    path_key: path_key.clone(),
                    item_at: item_at.clone(),
                    item: item.clone(),
                    method: method.to_owned(),
                });
                break 'paths;
            }
        }
    }
    Ok(search)
}

/// The root `components.securitySchemes` the requirements name, in root order.
fn security_schemes(
    walker: &mut Walker<'_>,
    root: &Mapping,
    root_at: &Location,
    security: Option<&Value>,
) -> Result<Mapping, VendorError> {
    let used: BTreeSet<String> = security
        .and_then(Value::as_sequence)
        .into_iter()
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
            &format!("the operation's security requires `{undefined}`, which is not defined here"),
        ));
    }
    Ok(out)
}

/// The root tag objects the operation uses, in root order.
fn used_tags(root: &Mapping, operation: Option<&Mapping>) -> Vec<Value> {
    let used: Vec<&str> = operation
        .and_then(|op| op.get("tags"))
        .and_then(Value::as_sequence)
        .into_iter()
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

fn header(operation_id: &str, commit: Option<&str>, sources: &[String]) -> String {
    let commit = commit.map_or_else(|| "unknown (pass --commit)".to_owned(), ToOwned::to_owned);
    let mut out = format!(
        "# SailPoint Identity Security Cloud v2025 API, operation `{operation_id}` only.\n\
         # Vendored from {UPSTREAM_REPO} (MIT licence), upstream commit {commit}.\n\
         # Written by `cargo xtask vendor --upstream <api-specs tree> --operation {operation_id}`:\n\
         # do not edit by hand. Provenance and naming rules: openapi/README.md.\n\
         # Upstream files:\n"
    );
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
