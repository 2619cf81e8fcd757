//! `cargo xtask generate [--check] [-v]`: the vendored fragment -> the generated crates.
//!
//! Steps: read `openapi/sailpoint-v2025.yaml`, hash it, apply the named adjustments of
//! [`crate::adjust`] to an in-memory copy, run progenitor (as a library, pinned exactly in the
//! workspace manifest), print with prettyplease (pinned exactly too), and prepend a provenance
//! header. The generated modules are included with `#[rustfmt::skip]`, so their bytes depend on
//! the pinned generator alone, never on whichever rustfmt a developer has installed.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use proc_macro2::TokenStream;
use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle};
use sha2::{Digest, Sha256};

use crate::adjust;
use crate::operation_set::LeftOut;

/// Arguments of `cargo xtask generate`.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Compare instead of writing: print a unified diff and fail if the checked-in code is stale.
    #[arg(long)]
    pub check: bool,
    /// Print the adjustments applied and the files considered.
    #[arg(short, long)]
    pub verbose: bool,
    /// Generate the operations that can be generated and list the others (with the reason,
    /// also in the generated files' header), instead of failing on them.
    #[arg(long)]
    pub skip_unsupported: bool,
    /// The spec to generate from (default: `openapi/sailpoint-v2025.yaml`).
    #[arg(long, value_name = "FILE")]
    pub spec: Option<PathBuf>,
    /// Write the generated crates as a workspace of their own into DIR (and compile-check them
    /// there) instead of into the repository.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// How often a generation is compiled, each time without the operations the last check
/// blamed, before giving up.
const COMPILE_ROUNDS: usize = 6;

/// The fragment, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/sailpoint-v2025.yaml";
/// The command that regenerates; named in headers and in `--check` failures.
const COMMAND: &str = "cargo xtask generate";
/// Rust path of the generated client crate, as the httpmock crate refers to it.
const CLIENT_CRATE_PATH: &str = "sailpoint_v2025_client";

pub use crate::generated_file::GeneratedFile;

/// Entry point of `cargo xtask generate`.
pub fn run(args: &GenerateArgs) -> Result<()> {
    let root = crate::workspace::root();
    if args.check {
        if args.out.is_some() || args.spec.is_some() {
            bail!("--check compares the checked-in crates with the checked-in fragment only");
        }
        let output = generate(&root, args.verbose)?;
        let stale = check(&root, &output)?;
        if stale.is_empty() {
            println!("generated code is up to date ({} files)", output.len());
            return Ok(());
        }
        for diff in &stale {
            print!("{diff}");
        }
        bail!(
            "{} generated file(s) are stale: run `{COMMAND}` and commit the result",
            stale.len()
        );
    }
    let spec_path = args.spec.clone().unwrap_or_else(|| root.join(SPEC_PATH));
    let spec_text = fs::read_to_string(&spec_path)
        .with_context(|| format!("reading the spec {}", spec_path.display()))?;
    let workspace = crate::workspace::Workspace::load(&root)?;
    let version = workspace.resolved_version("progenitor-impl")?;
    let check_dir = match &args.out {
        Some(out) => out.clone(),
        None => workspace.target_dir().join("xtask").join("generated-check"),
    };
    let check_target = workspace
        .target_dir()
        .join("xtask")
        .join("generated-target");
    let source = match &args.spec {
        Some(path) => path.display().to_string(),
        None => SPEC_PATH.to_owned(),
    };
    let generated = generate_compiled(
        &root,
        &source,
        &spec_text,
        &version,
        args.verbose,
        args.skip_unsupported,
        &CheckPlaces {
            dir: &check_dir,
            target: &check_target,
        },
    )?;
    if args.out.is_none() {
        write_files(&root, &generated.files, args.verbose)?;
    }
    println!(
        "generated {} operations{}",
        generated.operations,
        match &args.out {
            Some(out) => format!(" into {} (a workspace of their own)", out.display()),
            None => String::new(),
        }
    );
    if !generated.left_out.is_empty() {
        println!(
            "left out {} operations (--skip-unsupported; also listed in the generated files' \
             header):",
            generated.left_out.len()
        );
        for left in &generated.left_out {
            println!("  {left}");
        }
    }
    Ok(())
}

fn write_files(root: &Path, files: &[GeneratedFile], verbose: bool) -> Result<()> {
    for file in files {
        let path = root.join(&file.path);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
        }
        let unchanged = fs::read_to_string(&path).is_ok_and(|old| old == file.contents);
        if unchanged {
            if verbose {
                println!("unchanged {}", file.path.display());
            }
            continue;
        }
        fs::write(&path, &file.contents).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", file.path.display());
    }
    Ok(())
}

/// A generation: the files, how many operations they hold, and the operations left out.
#[derive(Debug)]
pub struct Generated {
    /// Every owned file with its contents.
    pub files: Vec<GeneratedFile>,
    /// The operations in the generated code.
    pub operations: usize,
    /// The operations left out (`--skip-unsupported`), with the reason.
    pub left_out: Vec<LeftOut>,
    /// The adjusted spec the code was generated from.
    spec: openapiv3::OpenAPI,
}

/// Where the compile check writes the standalone workspace and builds it.
#[derive(Debug, Clone, Copy)]
pub struct CheckPlaces<'a> {
    /// The standalone workspace's directory.
    pub dir: &'a Path,
    /// Its cargo target directory (shared by checks, so dependencies are built once).
    pub target: &'a Path,
}

/// Generates, writes the crates as a standalone workspace into `places.dir` and compiles them
/// there ([`crate::compile_check`]). A compile error is blamed on the operations whose code it
/// is in: without `skip_unsupported` that fails naming them, with it they are left out and the
/// rest is generated and checked again.
pub fn generate_compiled(
    root: &Path,
    source: &str,
    spec_text: &str,
    progenitor_version: &str,
    verbose: bool,
    skip_unsupported: bool,
    places: &CheckPlaces<'_>,
) -> Result<Generated> {
    let (check_dir, check_target) = (places.dir, places.target);
    let mut blamed: Vec<LeftOut> = Vec::new();
    for round in 1..=COMPILE_ROUNDS {
        let generated = build(
            source,
            spec_text,
            progenitor_version,
            verbose && round == 1,
            skip_unsupported,
            &blamed,
        )?;
        crate::compile_check::write_standalone(root, check_dir, &generated.files)?;
        let errors = crate::compile_check::check(check_dir, check_target)?;
        if errors.is_empty() {
            println!(
                "the generated crates compile ({} operations; checked in {})",
                generated.operations,
                check_dir.display()
            );
            return Ok(generated);
        }
        let sources = crate::compile_check::generated_sources(&generated.files);
        let mapped = crate::compile_check::operations_of_errors(&generated.spec, &sources, &errors);
        let (culprits, orphans) = crate::compile_check::blamed(&mapped);
        // Errors without a place in generated code (a layout cycle) usually follow from a
        // blamed one; they fail the run only when nothing can be blamed.
        if culprits.is_empty() {
            let listed: Vec<String> = errors
                .iter()
                .map(|e| {
                    format!(
                        "  {}: {}{}",
                        e.krate,
                        e.message,
                        e.line
                            .map(|l| format!(" (src/generated.rs:{l})"))
                            .unwrap_or_default()
                    )
                })
                .collect();
            bail!(
                "the generated crates do not compile, and {} of the errors are in code of no \
                 single operation (see {}):\n{}",
                orphans.len(),
                check_dir.display(),
                listed.join("\n")
            );
        }
        let culprits: Vec<LeftOut> = culprits
            .into_iter()
            .map(|(operation_id, reason)| LeftOut {
                operation_id,
                reason,
            })
            .collect();
        if !skip_unsupported {
            bail!(
                "the generated crates do not compile; the errors are in the code of {} \
                 operation(s) (`--skip-unsupported` leaves them out):\n{}",
                culprits.len(),
                culprits
                    .iter()
                    .map(|c| format!("  {c}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
        println!(
            "compile check round {round}: leaving out {} operation(s) whose code does not compile",
            culprits.len()
        );
        blamed.extend(culprits);
    }
    bail!("the generated crates still do not compile after {COMPILE_ROUNDS} rounds")
}

/// Generates every owned file in memory, without touching the disk except to read inputs.
pub fn generate(root: &Path, verbose: bool) -> Result<Vec<GeneratedFile>> {
    let spec_path = root.join(SPEC_PATH);
    let spec_text = fs::read_to_string(&spec_path)
        .with_context(|| format!("reading the vendored fragment {}", spec_path.display()))?;
    let progenitor_version = progenitor_version(root)?;
    generate_from(&spec_text, &progenitor_version, verbose)
}

/// Generates every owned file from the fragment's text; fails on any operation it cannot
/// generate (no compile check).
pub fn generate_from(
    spec_text: &str,
    progenitor_version: &str,
    verbose: bool,
) -> Result<Vec<GeneratedFile>> {
    Ok(build(
        SPEC_PATH,
        spec_text,
        progenitor_version,
        verbose,
        false,
        &[],
    )?
    .files)
}

/// Generates every owned file from the spec's text, leaving out `blamed` (operations a compile
/// check found broken) and, with `skip_unsupported`, what cannot be generated (unsupported
/// request media types, progenitor failures); without it those fail the generation, every
/// such operation named.
fn build(
    source: &str,
    spec_text: &str,
    progenitor_version: &str,
    verbose: bool,
    skip_unsupported: bool,
    blamed: &[LeftOut],
) -> Result<Generated> {
    let sha256 = hex(&Sha256::digest(spec_text.as_bytes()));
    let mut spec: openapiv3::OpenAPI = serde_yaml_ng::from_str(spec_text)
        .with_context(|| format!("parsing {SPEC_PATH} as an OpenAPI 3.0 document"))?;
    let faithful = spec.clone();

    let applied = adjust::apply(&mut spec);
    if verbose {
        for adjustment in &applied {
            println!("adjustment {}:", adjustment.name);
            for change in &adjustment.changes {
                println!("  {change}");
            }
        }
    }
    let mut left_out = crate::unsupported::unsupported_operations(&spec);
    if !left_out.is_empty() && !skip_unsupported {
        bail!(
            "{} operation(s) cannot be generated (`--skip-unsupported` leaves them out):\n{}",
            left_out.len(),
            left_out
                .iter()
                .map(|l| format!("  {l}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    left_out.extend(blamed.iter().cloned());
    let mut spec = crate::operation_set::without(&spec, &faithful, &left_out);
    let (client_tokens, mock_tokens) = match run_progenitor(&spec) {
        Ok(tokens) => tokens,
        Err(err) => {
            let failing = crate::generator_panics::failing_operations(&spec, &|probe| {
                run_progenitor(probe).map(drop)
            });
            if failing.is_empty() {
                return Err(err);
            }
            if !skip_unsupported {
                bail!(
                    "progenitor cannot generate {} operation(s) (`--skip-unsupported` leaves \
                     them out):\n{}",
                    failing.len(),
                    failing
                        .iter()
                        .map(|l| format!("  {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
            left_out.extend(failing);
            spec = crate::operation_set::without(&spec, &faithful, &left_out);
            run_progenitor(&spec)?
        }
    };
    left_out.sort_by(|a, b| a.operation_id.cmp(&b.operation_id));
    let header = Header {
        source,
        sha256: &sha256,
        progenitor_version,
        adjustments: &applied,
        left_out: &left_out,
    };
    let overrides = adjust::content_type_overrides(&spec);

    let files = vec![
        GeneratedFile {
            path: "sailpoint-v2025/client/src/lib.rs".into(),
            contents: client_lib_rs(&header),
        },
        GeneratedFile {
            path: "sailpoint-v2025/client/src/generated.rs".into(),
            contents: format!(
                "{}{}",
                header.render(),
                pretty_with(client_tokens, "client", |file| {
                    schemars_behind_feature(file);
                    document_wire_values(file);
                    request_content_types(file, &overrides);
                    raw_reserved_identifiers(file);
                })?
            ),
        },
        GeneratedFile {
            path: "sailpoint-v2025/httpmock/src/lib.rs".into(),
            contents: httpmock_lib_rs(&header),
        },
        GeneratedFile {
            path: "sailpoint-v2025/httpmock/src/generated.rs".into(),
            contents: format!(
                "{}{}",
                header.render(),
                pretty_with(mock_tokens, "httpmock", raw_reserved_identifiers)?
            ),
        },
        client_hooks_file(),
        GeneratedFile {
            path: PRISM_SPEC_PATH.into(),
            contents: prism_spec(spec_text, &sha256)?,
        },
    ];
    Ok(Generated {
        files,
        operations: crate::operation_set::operation_ids(&spec).len(),
        left_out,
        spec,
    })
}

/// The client and httpmock tokens from one generator (the httpmock code names the client's
/// types). A progenitor or typify panic becomes an error naming the operation and schemas
/// involved (see [`crate::generator_panics`]).
fn run_progenitor(spec: &openapiv3::OpenAPI) -> Result<(TokenStream, TokenStream)> {
    let settings = settings()?;
    crate::generator_panics::caught("client crates", || {
        let mut generator = Generator::new(&settings);
        let client = generator
            .generate_tokens(spec)
            .map_err(|e| anyhow::anyhow!("progenitor could not generate the client: {e}"))?;
        // The mocks match the API's full paths (see `httpmock_spec`).
        let mock = generator
            .httpmock(&httpmock_spec(spec)?, CLIENT_CRATE_PATH)
            .map_err(|e| {
                anyhow::anyhow!("progenitor could not generate the httpmock crate: {e}")
            })?;
        Ok((client, mock))
    })
}

/// The copy of the fragment that the Prism contract tests serve, relative to the root.
pub const PRISM_SPEC_PATH: &str = "tests/contract/sailpoint-v2025.prism.yaml";

/// The faithful (unadjusted) fragment with the server's path prefix (`/v2025`) moved onto
/// every path key: Prism routes on `paths` keys and ignores the path part of `servers`, and the
/// contract tests must see exactly the requests a tenant would.
fn prism_spec(spec_text: &str, sha256: &str) -> Result<String> {
    let mut doc: serde_yaml_ng::Value =
        serde_yaml_ng::from_str(spec_text).context("parsing the fragment as YAML")?;
    let server_url = doc
        .get("servers")
        .and_then(|s| s.get(0))
        .and_then(|s| s.get("url"))
        .and_then(serde_yaml_ng::Value::as_str)
        .context("the fragment has no `servers[0].url`")?;
    let prefix = server_path(server_url)?.to_string();
    prism_path_parameter_names(&mut doc);
    let paths = doc
        .get_mut("paths")
        .and_then(serde_yaml_ng::Value::as_mapping_mut)
        .context("the fragment has no `paths`")?;
    let prefixed: serde_yaml_ng::Mapping = std::mem::take(paths)
        .into_iter()
        .map(|(key, item)| {
            let key = key
                .as_str()
                .map(|k| format!("{prefix}{k}").into())
                .unwrap_or(key);
            (key, item)
        })
        .collect();
    *paths = prefixed;
    let yaml = serde_yaml_ng::to_string(&doc).context("printing the Prism spec")?;
    Ok(format!(
        "# @generated by `{COMMAND}` from {SPEC_PATH} (sha256 {sha256}): do not edit by hand.\n\
         # Paths carry the server prefix `{prefix}` because Prism routes on `paths` keys only;\n\
         # path parameters are named as in their template (the `path-parameter-names` rule).\n{yaml}"
    ))
}

/// Applies the `path-parameter-names` rule ([`adjust::repaired_path_names`]) to the Prism copy:
/// Prism binds path parameters by the template's names, so with upstream's `id` under a
/// `{sourceId}` template it rejects every request as missing `id`. The wire is the same either
/// way (a path parameter's name never travels).
fn prism_path_parameter_names(doc: &mut serde_yaml_ng::Value) {
    let Some(paths) = doc
        .get_mut("paths")
        .and_then(serde_yaml_ng::Value::as_mapping_mut)
    else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(path) = path.as_str() else { continue };
        let Some(item) = item.as_mapping_mut() else {
            continue;
        };
        for (_, operation) in item.iter_mut() {
            let Some(parameters) = operation
                .get_mut("parameters")
                .and_then(serde_yaml_ng::Value::as_sequence_mut)
            else {
                continue;
            };
            let path_params: Vec<usize> = parameters
                .iter()
                .enumerate()
                .filter(|(_, p)| p.get("in").and_then(serde_yaml_ng::Value::as_str) == Some("path"))
                .map(|(index, _)| index)
                .collect();
            let names: Vec<String> = path_params
                .iter()
                .filter_map(|&i| parameters.get(i)?.get("name")?.as_str().map(str::to_owned))
                .collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            for (index, name) in adjust::repaired_path_names(path, &names) {
                if let Some(parameter) = path_params
                    .get(index)
                    .and_then(|&i| parameters.get_mut(i))
                    .and_then(serde_yaml_ng::Value::as_mapping_mut)
                {
                    parameter.insert("name".into(), name.into());
                }
            }
        }
    }
}

/// The path part of a server URL template such as `https://{tenant}.api.identitynow.com/v2025`.
fn server_path(url: &str) -> Result<&str> {
    let after_scheme = url
        .split_once("://")
        .map(|(_, rest)| rest)
        .with_context(|| format!("server URL `{url}` has no scheme"))?;
    Ok(after_scheme
        .find('/')
        .map(|i| after_scheme[i..].trim_end_matches('/'))
        .unwrap_or(""))
}

/// Progenitor's settings, chosen deliberately (see the README's "Generated code" section).
fn settings() -> Result<GenerationSettings> {
    let mut settings = GenerationSettings::default();
    settings
        // Positional: a spec change that adds or renames a parameter changes the method's
        // signature, so the facade stops compiling exactly where it must be updated, instead
        // of failing at run time with `Error::InvalidRequest` as the builder style would.
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // The client carries an optional `Authorization` value. The facade builds one cheap
        // generated client per attempt (the reqwest client is shared), so a refreshed token
        // needs no locking inside generated code.
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq");
    client_hooks_settings(&mut settings)?;
    Ok(settings)
}

/// The hand-written hooks (`client/src/hooks.rs`, from [`CLIENT_HOOKS_TEMPLATE`]) instead of
/// progenitor's defaults. Progenitor reads every success body in full
/// (`ResponseValue::from_response`), so a response size cap must sit below it, in the
/// `exec` hook: it wraps each response body in a length limit. The `pre` hook sets the
/// `Authorization` value and percent-encodes the path strictly (progenitor's `encode_path`
/// leaves `;` and other sub-delimiters raw). The client's inner type carries both settings.
fn client_hooks_settings(settings: &mut GenerationSettings) -> Result<()> {
    settings
        .with_inner_type(tokens(CLIENT_INNER_TYPE)?)
        .with_hooks(HooksMode::Expected);
    Ok(())
}

/// The generated client's extra state (defined in the hooks file).
const CLIENT_INNER_TYPE: &str = "crate::hooks::CallContext";
/// The hooks file's source, rustfmt-formatted (it is not skipped by rustfmt).
const CLIENT_HOOKS_TEMPLATE: &str = include_str!("../templates/client_hooks.rs");
/// Where the hooks file is written, relative to the workspace root.
const CLIENT_HOOKS_PATH: &str = "sailpoint-v2025/client/src/hooks.rs";

/// The hooks file: the template behind a header saying where to edit it.
fn client_hooks_file() -> GeneratedFile {
    GeneratedFile {
        path: CLIENT_HOOKS_PATH.into(),
        contents: format!(
            "// Written by `{COMMAND}` from xtask/templates/client_hooks.rs: edit it there.\n\n\
             {CLIENT_HOOKS_TEMPLATE}"
        ),
    }
}

fn tokens(source: &str) -> Result<TokenStream> {
    source
        .parse()
        .map_err(|e| anyhow::anyhow!("generator setting `{source}` is not Rust tokens: {e}"))
}

struct Header<'a> {
    /// The spec, as the header names it.
    source: &'a str,
    sha256: &'a str,
    progenitor_version: &'a str,
    adjustments: &'a [adjust::Applied],
    left_out: &'a [LeftOut],
}

impl Header<'_> {
    fn render(&self) -> String {
        let mut out = String::new();
        // The adjustments that changed (or, for the listing ones, found) something.
        let names: Vec<&str> = self
            .adjustments
            .iter()
            .filter(|a| !a.changes.is_empty())
            .map(|a| a.name)
            .collect();
        let _ = writeln!(out, "// @generated by `{COMMAND}`: do not edit by hand.");
        let _ = writeln!(out, "// source: {} (sha256 {})", self.source, self.sha256);
        let _ = writeln!(
            out,
            "// generator: progenitor {} (positional interface), printed by prettyplease",
            self.progenitor_version
        );
        let _ = writeln!(
            out,
            "// adjustments: {} (see xtask/src/adjust.rs)",
            names.join(", ")
        );
        if !self.left_out.is_empty() {
            let _ = writeln!(
                out,
                "// left out ({} operations, `--skip-unsupported`):",
                self.left_out.len()
            );
            for left in self.left_out {
                let _ = writeln!(out, "//   {left}");
            }
        }
        out.push('\n');
        out
    }
}

fn client_lib_rs(header: &Header<'_>) -> String {
    let lib = lib_rs(
        header,
        &format!(
            r#"//! The generated client for SailPoint Identity Security Cloud API v2025.
//!
//! Everything in this crate is generated by `{COMMAND}` from the vendored spec fragment
//! `{SPEC_PATH}` with progenitor. Most users want the `sailpoint-v2025` facade crate, which adds
//! configuration, OAuth2 token handling, retries, rate limiting and typed errors on top of it.
//!
//! Error statuses are generated as raw bodies (`Error<ByteStream>`), keeping their status,
//! headers and bytes; the facade decodes them into [`types::ErrorResponseDto`],
//! [`types::ListAccessProfiles401Response`] and [`types::ListAccessProfiles429Response`].
//!
//! The `schemars` feature derives `schemars::JsonSchema` for every model.
"#
        ),
    );
    with_client_hooks_module(lib)
}

/// The client crate's `lib.rs` also declares the hand-written hooks module (see
/// [`client_hooks_settings`]).
fn with_client_hooks_module(lib: String) -> String {
    format!(
        "{lib}\n/// Hand-written hooks: the `Authorization` value, the response body cap, strict path\n\
         /// encoding.\nmod hooks;\n\npub use hooks::{{CallContext, DEFAULT_MAX_RESPONSE_BYTES, is_body_too_large}};\n"
    )
}

fn httpmock_lib_rs(header: &Header<'_>) -> String {
    lib_rs(
        header,
        r#"//! Typed [`httpmock`] mocks for the SailPoint v2025 API, generated by progenitor.
//!
//! `use sailpoint_v2025_httpmock::MockServerExt;` then
//! `server.send_classify_machine_account(|when, then| ...)` configures a mock with typed
//! request matchers and responses. The mocks match the API's full paths
//! (`/v2025/accounts/{id}/classify`), so a `sailpoint_v2025::Client` built with
//! `.base_url(server.base_url())` talks to them as it would to a tenant (the raw generated
//! `sailpoint_v2025_client::Client` needs `format!("{}/v2025", server.base_url())`).
//!
#![doc = include_str!("../README.md")]
"#,
    )
}

/// A generated crate's `lib.rs`: header, crate docs, and the `generated` module, which rustfmt
/// skips so that its bytes depend on the pinned prettyplease alone.
fn lib_rs(header: &Header<'_>, crate_docs: &str) -> String {
    // rustfmt's layout: a blank line after `//!` docs, none after an inner attribute.
    let gap = if crate_docs.trim_end().ends_with(']') {
        ""
    } else {
        "\n"
    };
    format!(
        r#"{header}{crate_docs}{gap}#![allow(missing_docs, clippy::all, clippy::pedantic)]
// The docs are SailPoint's prose from the spec, not written for rustdoc.
#![allow(
    rustdoc::bare_urls,
    rustdoc::broken_intra_doc_links,
    rustdoc::invalid_html_tags
)]

#[rustfmt::skip]
mod generated;

pub use generated::*;
"#,
        header = header.render()
    )
}

/// Parses progenitor's output, applies `post_process` to the syntax tree, and prints it.
fn pretty_with(
    tokens: TokenStream,
    what: &str,
    post_process: impl FnOnce(&mut syn::File),
) -> Result<String> {
    let mut file: syn::File = syn::parse2(tokens)
        .with_context(|| format!("progenitor's {what} output is not a valid Rust file"))?;
    post_process(&mut file);
    Ok(prettyplease::unparse(&file))
}

// ---------------------------------------------------------------------------------------------
// httpmock: mocks that match the URLs the facade calls.

/// The spec the typed httpmock mocks are generated from: the adjusted spec with the server's
/// path prefix (`/v2025`) on every path, so the mocks match the requests that a client pointed
/// at the API's base URL sends (`POST /v2025/accounts/{id}/classify`), which is what the
/// `sailpoint-v2025` facade does with any base URL (it appends `/v2025`). progenitor's
/// httpmock generator anchors its path regexes on the spec's path keys and has no base-path
/// setting, hence the prefixed copy; the client itself is generated from the unprefixed spec.
fn httpmock_spec(spec: &openapiv3::OpenAPI) -> Result<openapiv3::OpenAPI> {
    let server_url = spec
        .servers
        .first()
        .map(|server| server.url.as_str())
        .context("the fragment has no `servers[0].url`")?;
    let prefix = server_path(server_url)?;
    let mut prefixed = spec.clone();
    prefixed.paths.paths = std::mem::take(&mut prefixed.paths.paths)
        .into_iter()
        .map(|(path, item)| (format!("{prefix}{path}"), item))
        .collect();
    Ok(prefixed)
}

// ---------------------------------------------------------------------------------------------
// Client post-processing on the syntax tree (no text substitution).

/// progenitor derives `schemars::JsonSchema` on every model (the `with_derive` setting); this
/// moves that derive behind the client crate's opt-in `schemars` feature:
/// `#[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]`. A client at run time does
/// not need JSON schemas, and schemars with its derive stack is a large part of a cold build.
fn schemars_behind_feature(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Gate;

    impl Gate {
        fn gate(attrs: &mut Vec<syn::Attribute>) {
            let mut gated = false;
            for attr in attrs.iter_mut() {
                if !attr.path().is_ident("derive") {
                    continue;
                }
                let Ok(paths) = attr.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                ) else {
                    continue;
                };
                let kept: syn::punctuated::Punctuated<syn::Path, syn::Token![,]> = paths
                    .iter()
                    .filter(|path| !is_json_schema(path))
                    .cloned()
                    .collect();
                if kept.len() != paths.len() {
                    gated = true;
                    *attr = syn::parse_quote!(#[derive(#kept)]);
                }
            }
            if gated {
                attrs.push(syn::parse_quote!(
                    #[cfg_attr(feature = "schemars", derive(::schemars::JsonSchema))]
                ));
            }
        }
    }

    impl VisitMut for Gate {
        // typify writes some `impl ::schemars::JsonSchema for T` by hand (constrained
        // strings); those go behind the feature too.
        fn visit_item_impl_mut(&mut self, item: &mut syn::ItemImpl) {
            let is_json_schema = item
                .trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .is_some_and(|last| last.ident == "JsonSchema");
            if is_json_schema {
                item.attrs
                    .push(syn::parse_quote!(#[cfg(feature = "schemars")]));
            }
            syn::visit_mut::visit_item_impl_mut(self, item);
        }
        fn visit_item_struct_mut(&mut self, item: &mut syn::ItemStruct) {
            Self::gate(&mut item.attrs);
            syn::visit_mut::visit_item_struct_mut(self, item);
        }
        fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
            Self::gate(&mut item.attrs);
            syn::visit_mut::visit_item_enum_mut(self, item);
        }
    }

    Gate.visit_file_mut(file);
}

/// `schemars::JsonSchema`, with or without a leading `::`.
fn is_json_schema(path: &syn::Path) -> bool {
    let names: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    names == ["schemars", "JsonSchema"]
}

/// Identifiers progenitor and typify emit as plain words that edition 2024 reserves (`gen`, a
/// SailPoint property name) become raw identifiers (`r#gen`); the generated crates use edition
/// 2024, whose parser rejects the plain word.
fn raw_reserved_identifiers(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct Raw;

    impl VisitMut for Raw {
        fn visit_ident_mut(&mut self, ident: &mut proc_macro2::Ident) {
            if ident == "gen" {
                *ident = proc_macro2::Ident::new_raw("gen", ident.span());
            }
        }
    }

    Raw.visit_file_mut(file);
}

/// Sets the request content type in the methods of the operations that send another type than
/// `application/json` (the `json-patch-bodies` adjustment): a `.header(CONTENT_TYPE, ...)`
/// before `.json(&body)`, which then keeps it. Methods are named by progenitor's snake case of
/// the operationId.
fn request_content_types(file: &mut syn::File, overrides: &[(String, String)]) {
    use heck::ToSnakeCase;
    use syn::visit_mut::VisitMut;

    struct ContentTypes<'a> {
        methods: Vec<(String, &'a str)>,
        current: Option<&'a str>,
    }

    impl VisitMut for ContentTypes<'_> {
        fn visit_impl_item_fn_mut(&mut self, item: &mut syn::ImplItemFn) {
            let name = item.sig.ident.to_string();
            let previous = self.current;
            self.current = self
                .methods
                .iter()
                .find(|(method, _)| *method == name)
                .map(|(_, content_type)| *content_type);
            syn::visit_mut::visit_impl_item_fn_mut(self, item);
            self.current = previous;
        }

        fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
            syn::visit_mut::visit_expr_method_call_mut(self, call);
            let Some(content_type) = self.current else {
                return;
            };
            if call.method == "json" {
                let receiver = &call.receiver;
                let with_header: syn::Expr = syn::parse_quote! {
                    #receiver.header(
                        ::reqwest::header::CONTENT_TYPE,
                        ::reqwest::header::HeaderValue::from_static(#content_type),
                    )
                };
                *call.receiver = with_header;
            }
        }
    }

    if overrides.is_empty() {
        return;
    }
    let methods = overrides
        .iter()
        .map(|(id, content_type)| (id.to_snake_case(), content_type.as_str()))
        .collect();
    ContentTypes {
        methods,
        current: None,
    }
    .visit_file_mut(file);
}

/// Documents every variant of a generated string enum (such as `ClassificationMode`) with the
/// value sent and received on the wire (its `#[serde(rename)]`, else its name): progenitor
/// leaves these variants undocumented, and the Rust names (`ForceMachine`) differ from the
/// API's (`forceMachine`).
fn document_wire_values(file: &mut syn::File) {
    use syn::visit_mut::VisitMut;

    struct WireDocs;

    impl VisitMut for WireDocs {
        fn visit_item_enum_mut(&mut self, item: &mut syn::ItemEnum) {
            let unit_only = item
                .variants
                .iter()
                .all(|v| matches!(v.fields, syn::Fields::Unit));
            if unit_only {
                for variant in &mut item.variants {
                    let wire =
                        serde_rename(&variant.attrs).unwrap_or_else(|| variant.ident.to_string());
                    let line = format!(" Wire value: `{wire}`.");
                    // After any leading doc lines, before the other attributes.
                    let at = variant
                        .attrs
                        .iter()
                        .take_while(|a| a.path().is_ident("doc"))
                        .count();
                    let mut docs: Vec<syn::Attribute> = vec![syn::parse_quote!(#[doc = #line])];
                    if at > 0 {
                        docs.insert(0, syn::parse_quote!(#[doc = ""]));
                    }
                    variant.attrs.splice(at..at, docs);
                }
            }
            syn::visit_mut::visit_item_enum_mut(self, item);
        }
    }

    WireDocs.visit_file_mut(file);
}

/// The `rename = "..."` of a `#[serde(...)]` attribute, if any.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Skip other `key = value` pairs.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}

/// The version of the generator that runs (`progenitor-impl`, as `Cargo.lock` resolves it),
/// so the header names the generator that actually ran.
fn progenitor_version(root: &Path) -> Result<String> {
    crate::workspace::Workspace::load(root)?.resolved_version("progenitor-impl")
}

/// Compares the expected files with the checked-in ones; returns one unified diff per stale
/// file (a missing file diffs against nothing).
pub fn check(root: &Path, expected: &[GeneratedFile]) -> Result<Vec<String>> {
    let mut stale = Vec::new();
    for file in expected {
        let path = root.join(&file.path);
        let actual = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(err) => return Err(err).with_context(|| format!("reading {}", path.display())),
        };
        if actual != file.contents {
            let name = file.path.display().to_string();
            let diff = similar::TextDiff::from_lines(&actual, &file.contents)
                .unified_diff()
                .context_radius(3)
                .header(
                    &format!("a/{name} (checked in)"),
                    &format!("b/{name} (expected)"),
                )
                .to_string();
            stale.push(diff);
        }
    }
    Ok(stale)
}

fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rust-analyzer pattern: plain `cargo test` fails when the checked-in generated code
    /// does not match what the generator produces now. This test never writes files.
    #[test]
    fn generated_code_is_fresh() {
        let root = crate::workspace::root();
        let expected = generate(&root, false).expect("generation succeeds");
        let stale = check(&root, &expected).expect("checked-in files are readable");
        assert!(
            stale.is_empty(),
            "generated code is stale; run `{COMMAND}` and commit the result:\n{}",
            stale.join("\n")
        );
    }

    #[test]
    fn two_generations_are_byte_identical() {
        let root = crate::workspace::root();
        let first = generate(&root, false).expect("first generation");
        let second = generate(&root, false).expect("second generation");
        assert_eq!(first.len(), second.len());
        for (a, b) in first.iter().zip(&second) {
            assert_eq!(a.path, b.path);
            assert!(a.contents == b.contents, "{} differs", a.path.display());
        }
    }

    #[test]
    fn server_paths_are_extracted() {
        assert_eq!(
            server_path("https://{tenant}.api.identitynow.com/v2025").ok(),
            Some("/v2025")
        );
        assert_eq!(server_path("https://host/v2025/").ok(), Some("/v2025"));
        assert_eq!(server_path("https://host").ok(), Some(""));
        assert!(server_path("host/v2025").is_err());
    }

    #[test]
    fn settings_are_valid_rust() {
        assert!(settings().is_ok());
        assert!(tokens("|a: &u8| {").is_err());
    }

    /// Editing one word of a description in the fragment makes the check fail with a diff.
    #[test]
    fn a_one_word_spec_edit_makes_the_check_fail() {
        let root = crate::workspace::root();
        let spec = fs::read_to_string(root.join(SPEC_PATH)).expect("fragment readable");
        assert!(
            spec.contains("Account ID."),
            "the fragment documents the path id"
        );
        let edited = spec.replacen("Account ID.", "Account identifier.", 1);
        let version = progenitor_version(&root).expect("resolved");
        let expected = generate_from(&edited, &version, false).expect("generation succeeds");
        let stale = check(&root, &expected).expect("readable");
        assert!(!stale.is_empty(), "an edited spec must make the check fail");
        let all = stale.join("\n");
        assert!(
            all.contains("+") && all.contains("Account identifier"),
            "{all}"
        );
        assert!(all.contains("sha256"), "the header names the new spec hash");
    }
}

/// `cargo xtask generate`'s rules on the small `versions` fixture tree (vendored in memory):
/// JSON Patch bodies, unsupported media types named per operation, `--skip-unsupported`.
#[cfg(test)]
mod fixture_tests {
    use super::*;

    fn fixture_spec(ids: &[&str]) -> String {
        let tree =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/spec-trees/versions");
        let ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
        crate::spec_fragment::vendor(&tree, &ids, Some("abcdef1"))
            .expect("the fixture vendors")
            .yaml
    }

    fn client_code(generated: &Generated) -> &str {
        &generated
            .files
            .iter()
            .find(|f| f.path.ends_with("client/src/generated.rs"))
            .expect("client code")
            .contents
    }

    #[test]
    fn an_unsupported_media_type_fails_naming_the_operation() {
        let spec = fixture_spec(&["getThing", "patchThing", "uploadThing"]);
        let err = build(SPEC_PATH, &spec, "0.15.1", false, false, &[])
            .expect_err("multipart is unsupported");
        let text = format!("{err:#}");
        assert!(
            text.contains("uploadThing: request body media type `multipart/form-data`"),
            "{text}"
        );
        assert!(
            !text.contains("patchThing"),
            "JSON Patch is supported: {text}"
        );
    }

    #[test]
    fn skip_unsupported_generates_the_rest_and_lists_what_it_left_out() {
        let spec = fixture_spec(&["getThing", "patchThing", "uploadThing"]);
        let generated =
            build(SPEC_PATH, &spec, "0.15.1", false, true, &[]).expect("the rest generates");
        assert_eq!(generated.operations, 2);
        assert_eq!(generated.left_out.len(), 1);
        assert_eq!(generated.left_out[0].operation_id, "uploadThing");
        let code = client_code(&generated);
        assert!(code.contains("// left out (1 operations, `--skip-unsupported`):\n//   uploadThing: request body media type `multipart/form-data`"), "{}", &code[..800]);
        assert!(
            !code.contains("upload_thing"),
            "the left-out operation has no method"
        );
        assert!(code.contains("// adjustments: ") && code.contains("json-patch-bodies"));
    }

    #[test]
    fn json_patch_bodies_are_typed_operation_arrays_sent_as_json_patch() {
        let spec = fixture_spec(&["patchThing"]);
        let generated = build(SPEC_PATH, &spec, "0.15.1", false, false, &[]).expect("generates");
        let code = client_code(&generated);
        let method = code
            .split("pub async fn patch_thing")
            .nth(1)
            .expect("a patch_thing method");
        let method = &method[..method.find("pub async fn").unwrap_or(method.len())];
        assert!(
            method.contains("body: &'a ::std::vec::Vec<types::JsonPatchOperation>"),
            "{method}"
        );
        let header = method
            .find("application/json-patch+json")
            .expect("the JSON Patch content type is set");
        let json = method.find(".json(&body)").expect("the body is JSON");
        assert!(
            header < json,
            "the content type is set before .json(), which keeps it: {method}"
        );
        // The operation type is a typed struct with the RFC 6902 ops as an enum.
        assert!(
            code.contains("pub struct JsonPatchOperation"),
            "typed operations"
        );
        assert!(
            code.contains("pub enum JsonPatchOperationOp"),
            "typed op names"
        );
    }

    /// The generated crates of the fixture compile (the compile check that is part of
    /// generating), with the JSON Patch method in them.
    #[test]
    fn the_fixture_generation_compiles() {
        let root = crate::workspace::root();
        let spec = fixture_spec(&[
            "getThing",
            "getOldThing",
            "getSchedules",
            "patchThing",
            "uploadThing",
        ]);
        let work =
            std::env::temp_dir().join(format!("xtask-generate-fixture-{}", std::process::id()));
        let target = crate::workspace::Workspace::load(&root)
            .expect("metadata")
            .target_dir()
            .join("xtask")
            .join("generated-target");
        let generated = generate_compiled(
            &root,
            SPEC_PATH,
            &spec,
            "0.15.1",
            false,
            true,
            &CheckPlaces {
                dir: &work,
                target: &target,
            },
        )
        .expect("compiles");
        assert_eq!(generated.operations, 4);
        let _ = fs::remove_dir_all(&work);
    }
}
