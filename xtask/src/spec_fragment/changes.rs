//! The spec change report: what changed between the checked-in fragment and a newly vendored
//! one, as the generator sees them (after its named adjustments: [`compare_as_generated`]),
//! per operation (path and method, parameters, request body, responses) and per component
//! schema, with the changes that break the generated API marked.
//!
//! What breaks the generated API (progenitor's positional interface, typify's models):
//!
//! * an operation removed, or moved to another path or method;
//! * a parameter added or removed (it is a positional argument), or its `in`, `required` or
//!   schema changed;
//! * the request body or a success response added, removed or changed (argument and return
//!   types); error responses are raw bodies in the generated client, so their changes are
//!   listed but do not break it;
//! * a component schema removed, or changed in anything but documentation (its model's fields
//!   and types are public).
//!
//! Documentation is `description`, `summary`, `title`, `example(s)`, `externalDocs` and `x-*`
//! extensions; changes there are listed as such and never break anything.

use std::fmt::Write as _;

use anyhow::{Context, Result};
use serde_yaml_ng::{Mapping, Value};

use super::walk::HTTP_METHODS;

/// Keys that only document (see the module docs).
const DOC_KEYS: [&str; 6] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
];
/// How much of a value a detail line shows.
const SHOWN_VALUE_CHARS: usize = 120;

/// The differences between two fragments.
#[derive(Debug, Default)]
pub struct Report {
    pub changes: Vec<Change>,
}

/// One operation or schema that was added, removed or changed.
#[derive(Debug)]
pub struct Change {
    /// `+`, `-` or `~`.
    pub sign: char,
    /// `operation sendClassifyMachineAccount (POST /accounts/{id}/classify)`, `schema Foo`.
    pub subject: String,
    pub breaking: bool,
    /// One line per aspect that changed (`+ parameter header X (required)  [breaking]`).
    pub notes: Vec<Note>,
    /// Old and new values, for `-v`.
    pub details: Vec<String>,
}

/// One aspect of a change.
#[derive(Debug)]
pub struct Note {
    pub text: String,
    pub breaking: bool,
}

/// Compares two fragments (YAML text).
/// [`compare`] of the two fragments as `cargo xtask generate` sees them: after its named
/// adjustments (`crate::adjust`), so the report describes the generated API. A difference the
/// adjustments remove (a path parameter `id` under a `{sourceId}` template renamed upstream to
/// `sourceId`, which `path-parameter-names` already did) is no change at all.
pub fn compare_as_generated(old: &str, new: &str) -> Result<Report> {
    compare(&as_generated(old)?, &as_generated(new)?)
}

/// The fragment with the generator's adjustments applied, as YAML.
fn as_generated(text: &str) -> Result<String> {
    let mut spec: openapiv3::OpenAPI =
        serde_yaml_ng::from_str(text).context("the fragment is not an OpenAPI 3.0 document")?;
    crate::adjust::apply(&mut spec);
    serde_yaml_ng::to_string(&spec).context("printing the adjusted fragment")
}

pub fn compare(old: &str, new: &str) -> Result<Report> {
    let old: Value = serde_yaml_ng::from_str(old).context("the old fragment is not YAML")?;
    let new: Value = serde_yaml_ng::from_str(new).context("the new fragment is not YAML")?;
    let mut report = Report::default();
    compare_operations(&operations(&old), &operations(&new), &mut report);
    compare_schemas(&schemas(&old), &schemas(&new), &mut report);
    Ok(report)
}

impl Report {
    pub fn breaking(&self) -> usize {
        self.changes.iter().filter(|c| c.breaking).count()
    }

    /// The report as printed by `cargo xtask vendor` (`verbose`: with old and new values).
    pub fn render(&self, against: &str, verbose: bool) -> String {
        let mut out = String::new();
        if self.changes.is_empty() {
            let _ = writeln!(out, "spec changes against {against}: none");
            return out;
        }
        let count = |sign: char, kind: &str| {
            self.changes
                .iter()
                .filter(|c| c.sign == sign && c.subject.starts_with(kind))
                .count()
        };
        let mut summary = Vec::new();
        for kind in ["operation", "schema"] {
            for (sign, verb) in [('+', "added"), ('-', "removed"), ('~', "changed")] {
                let n = count(sign, kind);
                if n > 0 {
                    summary.push(format!(
                        "{n} {kind}{} {verb}",
                        if n == 1 { "" } else { "s" }
                    ));
                }
            }
        }
        let _ = writeln!(
            out,
            "spec changes against {against}: {}; {} breaking the generated API",
            summary.join(", "),
            self.breaking()
        );
        for change in &self.changes {
            let mark = if change.breaking { "  [BREAKING]" } else { "" };
            let _ = writeln!(out, "  {} {}{mark}", change.sign, change.subject);
            for note in &change.notes {
                let mark = if note.breaking { "  [BREAKING]" } else { "" };
                let _ = writeln!(out, "      {}{mark}", note.text);
            }
            if verbose {
                for detail in &change.details {
                    let _ = writeln!(out, "        {detail}");
                }
            }
        }
        if !verbose && self.changes.iter().any(|c| !c.details.is_empty()) {
            let _ = writeln!(out, "  (-v shows the old and new values)");
        }
        out
    }
}

/// An operation: its id, `METHOD /path`, and the operation with path-level parameters merged.
struct Op {
    id: String,
    route: String,
    value: Mapping,
}

fn operations(doc: &Value) -> Vec<Op> {
    let mut out = Vec::new();
    let Some(paths) = doc.get("paths").and_then(Value::as_mapping) else {
        return out;
    };
    for (path, item) in paths {
        let (Some(path), Some(item)) = (path.as_str(), item.as_mapping()) else {
            continue;
        };
        let shared: Vec<Value> = item
            .get("parameters")
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for (method, operation) in item {
            let (Some(method), Some(operation)) = (
                method.as_str().filter(|m| HTTP_METHODS.contains(m)),
                operation.as_mapping(),
            ) else {
                continue;
            };
            let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            let mut value = operation.clone();
            if !shared.is_empty() {
                let mut parameters = shared.clone();
                if let Some(own) = operation.get("parameters").and_then(Value::as_sequence) {
                    parameters.extend(own.iter().cloned());
                }
                value.insert(Value::from("parameters"), Value::Sequence(parameters));
            }
            out.push(Op {
                id: id.to_owned(),
                route: format!("{} {path}", method.to_ascii_uppercase()),
                value,
            });
        }
    }
    out
}

fn schemas(doc: &Value) -> Mapping {
    doc.get("components")
        .and_then(|c| c.get("schemas"))
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default()
}

fn compare_operations(old: &[Op], new: &[Op], report: &mut Report) {
    for op in old {
        if !new.iter().any(|n| n.id == op.id) {
            report.changes.push(Change {
                sign: '-',
                subject: format!("operation {} ({})", op.id, op.route),
                breaking: true,
                notes: Vec::new(),
                details: Vec::new(),
            });
        }
    }
    for op in new {
        let Some(before) = old.iter().find(|o| o.id == op.id) else {
            report.changes.push(Change {
                sign: '+',
                subject: format!("operation {} ({})", op.id, op.route),
                breaking: false,
                notes: Vec::new(),
                details: Vec::new(),
            });
            continue;
        };
        let mut notes = Vec::new();
        let mut details = Vec::new();
        if before.route != op.route {
            notes.push(Note {
                text: format!("moved from {}", before.route),
                breaking: true,
            });
        }
        compare_parameters(&before.value, &op.value, &mut notes, &mut details);
        compare_part(
            "request body",
            before.value.get("requestBody"),
            op.value.get("requestBody"),
            true,
            &mut notes,
            &mut details,
        );
        compare_responses(&before.value, &op.value, &mut notes, &mut details);
        let other: Vec<String> = keys_of(&before.value, &op.value)
            .into_iter()
            .filter(|k| !matches!(k.as_str(), "parameters" | "requestBody" | "responses"))
            .filter(|k| before.value.get(k.as_str()) != op.value.get(k.as_str()))
            .collect();
        for key in &other {
            diff_values(
                &format!("/{key}"),
                before.value.get(key.as_str()),
                op.value.get(key.as_str()),
                &mut details,
            );
        }
        if !other.is_empty() {
            notes.push(Note {
                text: format!("~ {}", other.join(", ")),
                breaking: false,
            });
        }
        if !notes.is_empty() {
            report.changes.push(Change {
                sign: '~',
                subject: format!("operation {} ({})", op.id, op.route),
                breaking: notes.iter().any(|n| n.breaking),
                notes,
                details,
            });
        }
    }
}

fn parameter_key(parameter: &Value) -> (String, String) {
    let text = |key: &str| {
        parameter
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    (text("in"), text("name"))
}

fn parameters(operation: &Mapping) -> Vec<&Value> {
    operation
        .get("parameters")
        .and_then(Value::as_sequence)
        .map(|p| p.iter().collect())
        .unwrap_or_default()
}

fn compare_parameters(
    old: &Mapping,
    new: &Mapping,
    notes: &mut Vec<Note>,
    details: &mut Vec<String>,
) {
    let old_params = parameters(old);
    let new_params = parameters(new);
    let describe = |p: &Value| {
        let (location, name) = parameter_key(p);
        let required = p.get("required").and_then(Value::as_bool) == Some(true);
        format!(
            "parameter {location} {name}{}",
            if required { " (required)" } else { "" }
        )
    };
    for p in &old_params {
        if !new_params
            .iter()
            .any(|n| parameter_key(n) == parameter_key(p))
        {
            notes.push(Note {
                text: format!("- {}", describe(p)),
                breaking: true,
            });
            let (location, name) = parameter_key(p);
            diff_values(
                &format!("/parameters/{location}/{name}"),
                Some(p),
                None,
                details,
            );
        }
    }
    for p in &new_params {
        let key = parameter_key(p);
        match old_params.iter().find(|o| parameter_key(o) == key) {
            None => {
                notes.push(Note {
                    text: format!("+ {}", describe(p)),
                    breaking: true,
                });
                diff_values(
                    &format!("/parameters/{}/{}", key.0, key.1),
                    None,
                    Some(p),
                    details,
                );
            }
            Some(before) if before != p => {
                let breaking = without_docs(before) != without_docs(p);
                notes.push(Note {
                    text: format!(
                        "~ {}{}",
                        describe(p),
                        if breaking { "" } else { ": documentation" }
                    ),
                    breaking,
                });
                diff_values(
                    &format!("/parameters/{}/{}", key.0, key.1),
                    Some(before),
                    Some(p),
                    details,
                );
            }
            Some(_) => {}
        }
    }
}

fn compare_responses(
    old: &Mapping,
    new: &Mapping,
    notes: &mut Vec<Note>,
    details: &mut Vec<String>,
) {
    let empty = Mapping::new();
    let responses = |op: &Mapping| {
        op.get("responses")
            .and_then(Value::as_mapping)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (old, new) = (responses(old), responses(new));
    let mut statuses: Vec<String> = Vec::new();
    for key in old.keys().chain(new.keys()) {
        let status = status_text(key);
        if !statuses.contains(&status) {
            statuses.push(status);
        }
    }
    for status in statuses {
        let find = |m: &Mapping| {
            m.iter()
                .find(|(k, _)| status_text(k) == status)
                .map(|(_, v)| v.clone())
        };
        let success = status.starts_with('2') || status == "default";
        compare_part(
            &format!("response {status}"),
            find(&old).as_ref(),
            find(&new).as_ref(),
            success,
            notes,
            details,
        );
    }
}

fn status_text(key: &Value) -> String {
    match key {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

/// Compares one part of an operation; `counts` says whether its structure is part of the
/// generated API.
fn compare_part(
    what: &str,
    old: Option<&Value>,
    new: Option<&Value>,
    counts: bool,
    notes: &mut Vec<Note>,
    details: &mut Vec<String>,
) {
    let (sign, structural) = match (old, new) {
        (None, None) => return,
        (Some(a), Some(b)) if a == b => return,
        (None, Some(_)) => ('+', true),
        (Some(_), None) => ('-', true),
        (Some(a), Some(b)) => ('~', without_docs(a) != without_docs(b)),
    };
    let suffix = match (structural, counts) {
        (false, _) => ": documentation",
        (true, false) => " (an error body: raw in the generated client)",
        (true, true) => "",
    };
    notes.push(Note {
        text: format!("{sign} {what}{suffix}"),
        breaking: structural && counts,
    });
    diff_values(&format!("/{}", what.replace(' ', "/")), old, new, details);
}

fn compare_schemas(old: &Mapping, new: &Mapping, report: &mut Report) {
    for (name, schema) in old {
        if !new.contains_key(name) {
            report.changes.push(Change {
                sign: '-',
                subject: format!("schema {}", status_text(name)),
                breaking: true,
                notes: Vec::new(),
                details: vec![format!("- {}", shown(schema))],
            });
        }
    }
    for (name, schema) in new {
        let subject = format!("schema {}", status_text(name));
        match old.get(name) {
            None => report.changes.push(Change {
                sign: '+',
                subject,
                breaking: false,
                notes: Vec::new(),
                details: Vec::new(),
            }),
            Some(before) if before != schema => {
                let breaking = without_docs(before) != without_docs(schema);
                let mut details = Vec::new();
                diff_values("", Some(before), Some(schema), &mut details);
                report.changes.push(Change {
                    sign: '~',
                    subject,
                    breaking,
                    notes: vec![Note {
                        text: if breaking {
                            "~ structure (the generated model changes)".to_owned()
                        } else {
                            "~ documentation".to_owned()
                        },
                        breaking: false,
                    }],
                    details,
                });
            }
            Some(_) => {}
        }
    }
}

fn keys_of(a: &Mapping, b: &Mapping) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for key in a.keys().chain(b.keys()).filter_map(Value::as_str) {
        if !keys.iter().any(|k| k == key) {
            keys.push(key.to_owned());
        }
    }
    keys
}

/// `value` without documentation keys, recursively; property names under `properties` and
/// data under `enum`/`default` are kept whatever they are called.
fn without_docs(value: &Value) -> Value {
    strip(value, false)
}

fn strip(value: &Value, names: bool) -> Value {
    match value {
        Value::Mapping(mapping) => {
            let mut out = Mapping::new();
            for (key, child) in mapping {
                let key_text = key.as_str().unwrap_or_default();
                if !names && (DOC_KEYS.contains(&key_text) || key_text.starts_with("x-")) {
                    continue;
                }
                let child = match key_text {
                    _ if names => strip(child, false),
                    "properties" => strip(child, true),
                    "enum" | "default" => child.clone(),
                    _ => strip(child, false),
                };
                out.insert(key.clone(), child);
            }
            Value::Mapping(out)
        }
        Value::Sequence(items) => Value::Sequence(items.iter().map(|v| strip(v, false)).collect()),
        other => other.clone(),
    }
}

/// Appends `+ path: value`, `- path: value` and `~ path: old -> new` lines for the leaves that
/// differ.
fn diff_values(path: &str, old: Option<&Value>, new: Option<&Value>, out: &mut Vec<String>) {
    match (old, new) {
        (None, None) => {}
        (None, Some(new)) => out.push(format!("+ {}: {}", or_root(path), shown(new))),
        (Some(old), None) => out.push(format!("- {}: {}", or_root(path), shown(old))),
        (Some(Value::Mapping(a)), Some(Value::Mapping(b))) => {
            for key in keys_of(a, b) {
                diff_values(
                    &format!("{path}/{key}"),
                    a.get(key.as_str()),
                    b.get(key.as_str()),
                    out,
                );
            }
        }
        (Some(Value::Sequence(a)), Some(Value::Sequence(b))) if a.len() == b.len() => {
            for (index, (x, y)) in a.iter().zip(b).enumerate() {
                diff_values(&format!("{path}/{index}"), Some(x), Some(y), out);
            }
        }
        (Some(old), Some(new)) if old != new => out.push(format!(
            "~ {}: {} -> {}",
            or_root(path),
            shown(old),
            shown(new)
        )),
        _ => {}
    }
}

fn or_root(path: &str) -> &str {
    if path.is_empty() { "/" } else { path }
}

/// A value on one line (JSON), shortened.
fn shown(value: &Value) -> String {
    let text = serde_json::to_string(value).unwrap_or_else(|_| format!("{value:?}"));
    if text.chars().count() <= SHOWN_VALUE_CHARS {
        return text;
    }
    let cut: String = text.chars().take(SHOWN_VALUE_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = r#"
paths:
  /things/{id}:
    get:
      operationId: getThing
      summary: Get a thing
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}, description: Id.}
        - {in: query, name: gone, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
        '400': {description: bad}
  /old:
    delete:
      operationId: dropOld
      responses: {'204': {description: none}}
components:
  schemas:
    Thing: {type: object, properties: {name: {type: string, description: The name.}}}
    Doc: {type: string, description: Old words.}
    Gone: {type: string}
"#;

    const NEW: &str = r#"
paths:
  /things/{id}:
    get:
      operationId: getThing
      summary: Get one thing
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}, description: The id.}
        - {in: header, name: X-New, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
        '400': {description: bad, content: {application/json: {schema: {type: object}}}}
        '404': {description: missing}
  /new:
    post:
      operationId: makeNew
      responses: {'200': {description: ok}}
components:
  schemas:
    Thing: {type: object, properties: {name: {type: integer, description: The name.}}}
    Doc: {type: string, description: New words.}
    Fresh: {type: string}
"#;

    fn find<'r>(report: &'r Report, subject: &str) -> &'r Change {
        report
            .changes
            .iter()
            .find(|c| c.subject.starts_with(subject))
            .unwrap_or_else(|| panic!("no change for {subject}: {report:#?}"))
    }

    #[test]
    fn operations_and_schemas_are_compared_and_breaking_changes_marked() {
        let report = compare(OLD, NEW).unwrap();
        let removed = find(&report, "operation dropOld");
        assert_eq!((removed.sign, removed.breaking), ('-', true));
        let added = find(&report, "operation makeNew");
        assert_eq!((added.sign, added.breaking), ('+', false));

        let changed = find(&report, "operation getThing");
        assert!(changed.breaking);
        let notes: Vec<(&str, bool)> = changed
            .notes
            .iter()
            .map(|n| (n.text.as_str(), n.breaking))
            .collect();
        assert!(
            notes.contains(&("- parameter query gone", true)),
            "{notes:?}"
        );
        assert!(
            notes.contains(&("+ parameter header X-New (required)", true)),
            "{notes:?}"
        );
        assert!(
            notes.contains(&("~ parameter path id (required): documentation", false)),
            "{notes:?}"
        );
        assert!(
            notes.contains(&(
                "~ response 400 (an error body: raw in the generated client)",
                false
            )),
            "{notes:?}"
        );
        assert!(
            notes.contains(&("+ response 404", false))
                || notes.iter().any(|n| n.0.starts_with("+ response 404")),
            "{notes:?}"
        );
        assert!(notes.contains(&("~ summary", false)), "{notes:?}");

        assert!(find(&report, "schema Thing").breaking);
        assert!(!find(&report, "schema Doc").breaking);
        assert!(find(&report, "schema Gone").breaking);
        assert!(!find(&report, "schema Fresh").breaking);
    }

    #[test]
    fn rendering_marks_breaking_changes_and_verbose_shows_values() {
        let report = compare(OLD, NEW).unwrap();
        let short = report.render("old.yaml", false);
        assert!(short.starts_with("spec changes against old.yaml: 1 operation added, 1 operation removed, 1 operation changed"), "{short}");
        assert!(
            short.contains("  ~ operation getThing (GET /things/{id})  [BREAKING]"),
            "{short}"
        );
        assert!(short.contains("(-v shows"), "{short}");
        assert!(!short.contains("\"integer\""), "{short}");
        let long = report.render("old.yaml", true);
        assert!(
            long.contains("~ /properties/name/type: \"string\" -> \"integer\""),
            "{long}"
        );
        assert!(
            long.contains("~ /summary: \"Get a thing\" -> \"Get one thing\""),
            "{long}"
        );
    }

    #[test]
    fn identical_fragments_have_no_changes() {
        let report = compare(NEW, NEW).unwrap();
        assert!(report.changes.is_empty());
        assert_eq!(report.render("x", true), "spec changes against x: none\n");
    }

    #[test]
    fn property_names_that_look_like_doc_keys_are_structure() {
        let a: Value =
            serde_yaml_ng::from_str("properties: {description: {type: string}}").unwrap();
        let b: Value = serde_yaml_ng::from_str("properties: {}").unwrap();
        assert_ne!(without_docs(&a), without_docs(&b));
        let c: Value = serde_yaml_ng::from_str("description: x\nenum: [a]").unwrap();
        let d: Value = serde_yaml_ng::from_str("description: y\nenum: [a]").unwrap();
        assert_eq!(without_docs(&c), without_docs(&d));
    }
}
