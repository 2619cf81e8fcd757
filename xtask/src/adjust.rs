//! The named adjustments `cargo xtask generate` applies to an in-memory copy of the vendored
//! fragment before handing it to progenitor.
//!
//! The vendored file stays faithful to SailPoint's spec; these adjustments exist only because
//! progenitor 0.15 (and typify under it) cannot generate a robust client from the faithful
//! document. Each one is:
//!
//! * **named** (the name appears in the generated file's header),
//! * **deterministic** (same spec in, same spec out; iteration follows the document's order),
//! * **general** (a rule over the document, never a patch of one schema by name), and
//! * **lossless for users**: no model loses its SailPoint name, no status loses its body.
//!
//! | name | what | why |
//! |---|---|---|
//! | `path-parameter-names` | a path parameter whose name is not in the path template is renamed to the template's unmatched variable (`DELETE /sources/{sourceId}/classify` declares `id`) | progenitor panics (`template.rs`: "missing path name mapping sourceId"); SailPoint's own SDKs follow the template too. Only an unambiguous pairing (as many stray parameters as unmatched variables, in order) is repaired |
//! | `raw-error-bodies` | 4xx/5xx/default responses are declared `application/octet-stream` | progenitor panics (`method.rs:1220`, issues #344/#950) when error statuses use different schemas; as raw bodies every error keeps status, headers (`Retry-After`) and bytes, and the facade decodes them into the generated `ErrorResponseDto`, `ListAccessProfiles401Response`, `ListAccessProfiles429Response` |
//! | `open-response-enums` | string enums reachable only from responses become plain strings (known values listed in the description) | SailPoint says enum values such as `localeOrigin` "may be added in the future without notice"; a strict enum would make the whole error body undecodable |
//! | `nullable-response-arrays` | optional array properties of response schemas become `nullable` | typify turns optional arrays into plain `Vec`s, so `"causes": null` would fail to decode |
//! | `unsigned-response-integers` | integers of response-only schemas without a negative `minimum` become `format: uint64`, `minimum: 0` | SailPoint's response integers are counts (`Accounts submitted for processing` is `int32`, a job's `EXPECTED`/`RECEIVED`/`COMPLETED` are `int64`): never negative, and not bounded by the spec's format, so one past `i32::MAX` (or `i64::MAX`) would fail the whole answer. As `u64` every non-negative count decodes; a schema that allows negatives keeps its signed type |
//! | `not-found-responses` | an operation with path parameters that documents no 404 gets SailPoint's 404 response (`ErrorResponseDto`, raw like the other errors) | ISC answers 404 for an unknown account or source, but `sendClassifyMachineAccount` and the Classify Source `POST`/`DELETE` do not document it; documented, it is part of the generated client's and the typed httpmock's contract instead of an "unexpected response" |
//!
//! | `json-patch-bodies` | a request body offered only as `application/json-patch+json` is generated as JSON typed by its schema (`&Vec<JsonPatchOperation>`) and sent with `Content-Type: application/json-patch+json` (`adjust/json_patch.rs`) | progenitor 0.15.1 fails the whole generation on that media type ("unexpected content type") |
//! | `nullable-component-titles` | a `nullable` component schema loses its `title` (`adjust/nullable_titles.rs`) | typify names the wrapper after the component and its inner type after the title, which SailPoint makes the same name: a type defined twice |
//! | `inline-type-names` | an inline property schema that typify would name like an existing component (`Schedule.type` as `ScheduleType`) gets a title naming it apart (`ScheduleTypeValue`; `adjust/inline_names.rs`) | the two types would have the same name: a type defined twice. Only colliding properties are titled, so no other type is renamed |
//! | `unchecked-patterns` | a string's `pattern` moves into its description (`adjust/unchecked_patterns.rs`) | typify checks patterns with `regress`, a dependency the crate lacks, and a check on decode would make a whole response undecodable |
//! | `uuid-strings` | `format: uuid` strings stay `String` (`adjust/uuid_strings.rs`) | typify's `uuid::Uuid` is a dependency the crate lacks, and would re-hyphenate SailPoint's 32-digit ids on the wire |
//!
//! Two more upstream quirks need no change to the document, only a check; they run as named
//! adjustments so that every generation lists what they found (`cargo xtask generate -v`) and
//! a change upstream shows up in review:
//!
//! | name | what | why no change |
//! |---|---|---|
//! | `wire-property-names` | lists properties whose JSON name is not a Rust identifier (`Accounts submitted for processing` in `SendClassifyMachineAccountFromSource200Response`) | typify names the field in snake case (`accounts_submitted_for_processing`) and keeps the wire name in `#[serde(rename)]`, so the body decodes as sent; renaming it in the spec would break the wire format |
//! | `chrono-date-times` | lists `format: date-time` properties | typify maps them to `chrono::DateTime<chrono::Utc>` (the generated crate depends on `chrono` with `serde`); optional or `nullable` ones (`modified`, `updated`) become `Option`s, so `null` decodes |

mod inline_names;
mod json_patch;
mod nullable_titles;
mod operation_schemas;
mod unchecked_patterns;
mod uuid_strings;

use std::collections::{BTreeSet, VecDeque};

use openapiv3::{
    OpenAPI, Operation, Parameter, ParameterSchemaOrContent, ReferenceOr, Response, Schema,
    SchemaKind, StatusCode, Type,
};

/// One adjustment and what it changed in this document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// The adjustment's stable name (see the module docs).
    pub name: &'static str,
    /// Human-readable descriptions of each change, in document order.
    pub changes: Vec<String>,
}

/// The media type that makes progenitor treat a response body as raw bytes.
const RAW_MEDIA_TYPE: &str = "application/octet-stream";
const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// Applies every adjustment, in a fixed order, and reports what each changed.
pub fn apply(spec: &mut OpenAPI) -> Vec<Applied> {
    let path_names = path_parameter_names(spec);
    let response_only = response_only_schemas(spec);
    vec![
        Applied {
            name: "path-parameter-names",
            changes: path_names,
        },
        Applied {
            name: "raw-error-bodies",
            changes: raw_error_bodies(spec),
        },
        Applied {
            name: "open-response-enums",
            changes: open_response_enums(spec, &response_only),
        },
        Applied {
            name: "nullable-response-arrays",
            changes: nullable_response_arrays(spec, &response_only),
        },
        Applied {
            name: "not-found-responses",
            changes: not_found_responses(spec),
        },
        Applied {
            name: "unsigned-response-integers",
            changes: unsigned_response_integers(spec, &response_only),
        },
        Applied {
            name: "wire-property-names",
            changes: wire_property_names(spec),
        },
        Applied {
            name: "chrono-date-times",
            changes: chrono_date_times(spec),
        },
        Applied {
            name: "json-patch-bodies",
            changes: json_patch::json_patch_bodies(spec),
        },
        Applied {
            name: "uuid-strings",
            changes: uuid_strings::uuid_strings(spec),
        },
        Applied {
            name: "nullable-component-titles",
            changes: nullable_titles::nullable_component_titles(spec),
        },
        Applied {
            name: "unchecked-patterns",
            changes: unchecked_patterns::unchecked_patterns(spec),
        },
        Applied {
            name: "inline-type-names",
            changes: inline_names::inline_type_names(spec),
        },
    ]
}

pub use json_patch::content_type_overrides;

fn operations_mut(spec: &mut OpenAPI) -> Vec<(String, &mut Operation)> {
    let mut out = Vec::new();
    for (path, item) in spec.paths.paths.iter_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let methods = [
            ("GET", &mut item.get),
            ("PUT", &mut item.put),
            ("POST", &mut item.post),
            ("DELETE", &mut item.delete),
            ("OPTIONS", &mut item.options),
            ("HEAD", &mut item.head),
            ("PATCH", &mut item.patch),
            ("TRACE", &mut item.trace),
        ];
        for (method, op) in methods {
            if let Some(op) = op.as_mut() {
                out.push((format!("{method} {path}"), op));
            }
        }
    }
    out
}

/// The `{name}`s of a path template, in order.
fn template_names(path: &str) -> Vec<&str> {
    path.split('{')
        .skip(1)
        .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
        .collect()
}

/// `path-parameter-names`: see the module docs.
fn path_parameter_names(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    for (op_name, op) in operations_mut(spec) {
        let path = op_name.split_once(' ').map_or("", |(_, path)| path);
        let mut params: Vec<&mut openapiv3::ParameterData> = op
            .parameters
            .iter_mut()
            .filter_map(|p| match p {
                ReferenceOr::Item(Parameter::Path { parameter_data, .. }) => Some(parameter_data),
                _ => None,
            })
            .collect();
        let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
        for (index, name) in repaired_path_names(path, &names) {
            if let Some(param) = params.get_mut(index) {
                changes.push(format!(
                    "{op_name}: path parameter `{}` renamed `{name}` as in the template",
                    param.name
                ));
                param.name = name;
            }
        }
    }
    changes
}

/// The `path-parameter-names` rule on its own: for the path parameters `names` of an operation
/// on `path`, which to rename (index) to which template variable. Only an unambiguous
/// disagreement is repaired: as many stray parameters as unmatched variables, paired in order.
/// Anything else is left to fail loudly. The Prism contract copy of the fragment applies the
/// same rule (`generate.rs`), since Prism too binds path parameters by template name.
pub fn repaired_path_names(path: &str, names: &[&str]) -> Vec<(usize, String)> {
    let template = template_names(path);
    let unmatched_template: Vec<&str> = template
        .iter()
        .copied()
        .filter(|variable| !names.contains(variable))
        .collect();
    let stray: Vec<usize> = names
        .iter()
        .enumerate()
        .filter(|(_, name)| !template.contains(name))
        .map(|(index, _)| index)
        .collect();
    if stray.is_empty() || stray.len() != unmatched_template.len() {
        return Vec::new();
    }
    stray
        .into_iter()
        .zip(unmatched_template.into_iter().map(str::to_owned))
        .collect()
}

fn operations(spec: &OpenAPI) -> impl Iterator<Item = &Operation> {
    spec.paths
        .paths
        .values()
        .filter_map(|item| item.as_item())
        .flat_map(|item| item.iter().map(|(_, op)| op))
}

fn is_error_status(status: &StatusCode) -> bool {
    match status {
        StatusCode::Code(code) => *code >= 400,
        StatusCode::Range(class) => *class >= 4,
    }
}

/// `raw-error-bodies`: see the module docs.
fn raw_error_bodies(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    for (op_name, op) in operations_mut(spec) {
        let errors = op
            .responses
            .responses
            .iter_mut()
            .filter(|(status, _)| is_error_status(status))
            .map(|(status, response)| (status.to_string(), response))
            .chain(
                op.responses
                    .default
                    .as_mut()
                    .map(|response| ("default".to_string(), response)),
            );
        for (status, response) in errors {
            if let ReferenceOr::Item(response) = response
                && make_raw(response)
            {
                changes.push(format!(
                    "{op_name} {status}: body declared {RAW_MEDIA_TYPE}"
                ));
            }
        }
    }
    changes
}

fn make_raw(response: &mut Response) -> bool {
    if response.content.is_empty() || response.content.keys().all(|k| k == RAW_MEDIA_TYPE) {
        return false;
    }
    // Keep the first media type's schema for readers of the adjusted document; progenitor
    // ignores schemas of raw responses.
    let media = response
        .content
        .values()
        .next()
        .cloned()
        .unwrap_or_default();
    response.content.clear();
    response.content.insert(RAW_MEDIA_TYPE.to_string(), media);
    true
}

/// Names of component schemas reachable from some response but from no request parameter or
/// body. Only those are relaxed: request types stay strict so the SDK never sends a value the
/// API does not document.
fn response_only_schemas(spec: &OpenAPI) -> BTreeSet<String> {
    let mut response_roots = Vec::new();
    let mut request_roots = Vec::new();
    for op in operations(spec) {
        for response in op
            .responses
            .responses
            .values()
            .chain(op.responses.default.iter())
        {
            if let ReferenceOr::Item(response) = response {
                for media in response.content.values() {
                    if let Some(schema) = &media.schema {
                        response_roots.push(schema.clone());
                    }
                }
            }
        }
        for param in &op.parameters {
            if let ReferenceOr::Item(param) = param
                && let ParameterSchemaOrContent::Schema(schema) = &parameter_data(param).format
            {
                request_roots.push(schema.clone());
            }
        }
        if let Some(ReferenceOr::Item(body)) = &op.request_body {
            for media in body.content.values() {
                if let Some(schema) = &media.schema {
                    request_roots.push(schema.clone());
                }
            }
        }
    }
    let from_responses = reachable(spec, &response_roots);
    let from_requests = reachable(spec, &request_roots);
    from_responses.difference(&from_requests).cloned().collect()
}

fn parameter_data(param: &Parameter) -> &openapiv3::ParameterData {
    match param {
        Parameter::Query { parameter_data, .. }
        | Parameter::Header { parameter_data, .. }
        | Parameter::Path { parameter_data, .. }
        | Parameter::Cookie { parameter_data, .. } => parameter_data,
    }
}

/// Every component schema some operation reaches (parameters, bodies, responses), sorted.
pub fn schemas_reached_by_operations(spec: &OpenAPI) -> BTreeSet<String> {
    let mut queue: VecDeque<String> = VecDeque::new();
    for op in operations(spec) {
        if let Ok(value) = serde_json::to_value(op) {
            collect_json_refs(&value, &mut queue);
        }
    }
    close_over_refs(spec, queue)
}

/// Component schema names reachable from `roots` through `$ref`s.
fn reachable(spec: &OpenAPI, roots: &[ReferenceOr<Schema>]) -> BTreeSet<String> {
    let mut queue: VecDeque<String> = VecDeque::new();
    for root in roots {
        collect_refs(root, &mut queue);
    }
    close_over_refs(spec, queue)
}

/// The queued names and every component schema they reach.
fn close_over_refs(spec: &OpenAPI, mut queue: VecDeque<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    while let Some(name) = queue.pop_front() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = spec.components.as_ref().and_then(|c| c.schemas.get(&name)) {
            collect_refs(schema, &mut queue);
        }
    }
    seen
}

/// Queues every component schema named by a `$ref` anywhere inside `schema`.
fn collect_refs(schema: &ReferenceOr<Schema>, out: &mut VecDeque<String>) {
    // Walking the serialized form covers every place a schema can nest another (properties,
    // items, additionalProperties, allOf/oneOf/anyOf/not) without re-listing them here.
    if let Ok(value) = serde_json::to_value(schema) {
        collect_json_refs(&value, out);
    }
}

fn collect_json_refs(value: &serde_json::Value, out: &mut VecDeque<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, child) in map {
                match (key.as_str(), child) {
                    ("$ref", serde_json::Value::String(reference)) => {
                        if let Some(name) = reference.strip_prefix(SCHEMA_REF_PREFIX) {
                            out.push_back(name.to_string());
                        }
                    }
                    _ => collect_json_refs(child, out),
                }
            }
        }
        serde_json::Value::Array(items) => {
            for child in items {
                collect_json_refs(child, out);
            }
        }
        _ => {}
    }
}

/// Calls `f` on each named response-only component schema and, recursively, on every inline
/// schema inside it, passing a readable location.
fn for_each_response_schema(
    spec: &mut OpenAPI,
    response_only: &BTreeSet<String>,
    f: &mut dyn FnMut(&str, &mut Schema, &mut Vec<String>),
) -> Vec<String> {
    let mut changes = Vec::new();
    let Some(components) = spec.components.as_mut() else {
        return changes;
    };
    for (name, schema) in components.schemas.iter_mut() {
        if !response_only.contains(name) {
            continue;
        }
        if let ReferenceOr::Item(schema) = schema {
            walk_mut(name, schema, f, &mut changes);
        }
    }
    changes
}

fn walk_mut(
    location: &str,
    schema: &mut Schema,
    f: &mut dyn FnMut(&str, &mut Schema, &mut Vec<String>),
    changes: &mut Vec<String>,
) {
    f(location, schema, changes);
    match &mut schema.schema_kind {
        SchemaKind::Type(Type::Object(object)) => {
            for (prop, child) in object.properties.iter_mut() {
                if let ReferenceOr::Item(child) = child {
                    walk_mut(&format!("{location}.{prop}"), child, f, changes);
                }
            }
        }
        SchemaKind::Type(Type::Array(array)) => {
            if let Some(ReferenceOr::Item(child)) = &mut array.items {
                walk_mut(&format!("{location}[]"), child, f, changes);
            }
        }
        SchemaKind::OneOf { one_of: list }
        | SchemaKind::AllOf { all_of: list }
        | SchemaKind::AnyOf { any_of: list } => {
            for (i, child) in list.iter_mut().enumerate() {
                if let ReferenceOr::Item(child) = child {
                    walk_mut(&format!("{location}/{i}"), child, f, changes);
                }
            }
        }
        _ => {}
    }
}

/// `open-response-enums`: see the module docs.
fn open_response_enums(spec: &mut OpenAPI, response_only: &BTreeSet<String>) -> Vec<String> {
    for_each_response_schema(spec, response_only, &mut |location, schema, changes| {
        let SchemaKind::Type(Type::String(string)) = &mut schema.schema_kind else {
            return;
        };
        if string.enumeration.is_empty() {
            return;
        }
        let known: Vec<String> = string.enumeration.iter().flatten().cloned().collect();
        if string.enumeration.iter().any(Option::is_none) {
            schema.schema_data.nullable = true;
        }
        string.enumeration.clear();
        let listed = known
            .iter()
            .map(|v| format!("`{v}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let note = format!(
            "Known values: {listed}. Kept as an open string so values added later still decode."
        );
        schema.schema_data.description = Some(match schema.schema_data.description.take() {
            Some(text) => format!("{text}\n\n{note}"),
            None => note,
        });
        changes.push(format!("{location}: enum [{}] opened", known.join(", ")));
    })
}

/// `nullable-response-arrays`: see the module docs.
fn nullable_response_arrays(spec: &mut OpenAPI, response_only: &BTreeSet<String>) -> Vec<String> {
    for_each_response_schema(spec, response_only, &mut |location, schema, changes| {
        let SchemaKind::Type(Type::Object(object)) = &mut schema.schema_kind else {
            return;
        };
        for (prop, child) in object.properties.iter_mut() {
            if object.required.contains(prop) {
                continue;
            }
            if let ReferenceOr::Item(child) = child
                && matches!(child.schema_kind, SchemaKind::Type(Type::Array(_)))
                && !child.schema_data.nullable
            {
                child.schema_data.nullable = true;
                changes.push(format!("{location}.{prop}: optional array made nullable"));
            }
        }
    })
}

/// `unsigned-response-integers`: see the module docs.
fn unsigned_response_integers(spec: &mut OpenAPI, response_only: &BTreeSet<String>) -> Vec<String> {
    for_each_response_schema(spec, response_only, &mut |location, schema, changes| {
        let SchemaKind::Type(Type::Integer(integer)) = &mut schema.schema_kind else {
            return;
        };
        if integer.minimum.is_some_and(|min| min < 0) {
            return;
        }
        let unsigned = openapiv3::VariantOrUnknownOrEmpty::Unknown("uint64".to_owned());
        if integer.format == unsigned && integer.minimum == Some(0) {
            return;
        }
        let was = match &integer.format {
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int32) => "int32",
            openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::IntegerFormat::Int64) => "int64",
            openapiv3::VariantOrUnknownOrEmpty::Unknown(other) => other.as_str(),
            openapiv3::VariantOrUnknownOrEmpty::Empty => "no format",
        }
        .to_owned();
        integer.format = unsigned;
        integer.minimum = Some(0);
        changes.push(format!("{location}: {was} -> uint64"));
    })
}

/// `not-found-responses`: see the module docs.
fn not_found_responses(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    for (op_name, op) in operations_mut(spec) {
        let has_path_parameter = op
            .parameters
            .iter()
            .any(|p| matches!(p, ReferenceOr::Item(Parameter::Path { .. })));
        let not_found = StatusCode::Code(404);
        if !has_path_parameter || op.responses.responses.contains_key(&not_found) {
            continue;
        }
        let media = openapiv3::MediaType {
            schema: Some(ReferenceOr::Reference {
                reference: format!("{SCHEMA_REF_PREFIX}ErrorResponseDto"),
            }),
            ..openapiv3::MediaType::default()
        };
        let mut response = Response {
            description: "Not Found - returned if the request URL refers to a resource or \
                          object that does not exist"
                .to_owned(),
            ..Response::default()
        };
        response.content.insert(RAW_MEDIA_TYPE.to_owned(), media);
        op.responses
            .responses
            .insert(not_found, ReferenceOr::Item(response));
        op.responses.responses.sort_keys();
        changes.push(format!("{op_name}: 404 documented"));
    }
    changes
}

/// Calls `f` on every component schema and every inline schema inside it.
fn for_each_schema(
    spec: &mut OpenAPI,
    f: &mut dyn FnMut(&str, &mut Schema, &mut Vec<String>),
) -> Vec<String> {
    let mut changes = Vec::new();
    if let Some(components) = spec.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            if let ReferenceOr::Item(schema) = schema {
                walk_mut(name, schema, f, &mut changes);
            }
        }
    }
    changes
}

/// `wire-property-names`: see the module docs (lists, changes nothing).
fn wire_property_names(spec: &mut OpenAPI) -> Vec<String> {
    for_each_schema(spec, &mut |location, schema, found| {
        let SchemaKind::Type(Type::Object(object)) = &schema.schema_kind else {
            return;
        };
        for prop in object.properties.keys() {
            let identifier = prop
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && prop.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !identifier {
                found.push(format!(
                    "{location}.`{prop}`: field `{}` with #[serde(rename)]",
                    snake_case(prop)
                ));
            }
        }
    })
}

/// `chrono-date-times`: see the module docs (lists, changes nothing).
fn chrono_date_times(spec: &mut OpenAPI) -> Vec<String> {
    for_each_schema(spec, &mut |location, schema, found| {
        let SchemaKind::Type(Type::String(string)) = &schema.schema_kind else {
            return;
        };
        if string.format
            == openapiv3::VariantOrUnknownOrEmpty::Item(openapiv3::StringFormat::DateTime)
        {
            found.push(format!(
                "{location}: chrono::DateTime<Utc>{}",
                if schema.schema_data.nullable {
                    " (nullable)"
                } else {
                    ""
                }
            ));
        }
    })
}

/// A rough snake case of a wire name, for the listing only (typify decides the real name).
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 && !out.ends_with('_') {
            out.push('_');
        }
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out.trim_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> OpenAPI {
        serde_yaml_ng::from_str(yaml).expect("test spec parses")
    }

    fn changes<'a>(applied: &'a [Applied], name: &str) -> &'a [String] {
        applied
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.changes.as_slice())
            .unwrap_or_else(|| panic!("no adjustment {name}"))
    }

    const FAMILY: &str = r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /sources/{sourceId}/classify:
    post:
      operationId: start
      parameters:
        - {in: path, name: sourceId, required: true, schema: {type: string}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Started'}}}
    delete:
      operationId: cancel
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
      responses:
        '204': {description: none}
        '404': {description: missing}
  /pairs/{a}/{b}:
    get:
      operationId: ambiguous
      parameters:
        - {in: path, name: x, required: true, schema: {type: string}}
      responses:
        '204': {description: none}
  /plain:
    get:
      operationId: plain
      responses:
        '204': {description: none}
components:
  schemas:
    ErrorResponseDto: {type: object}
    Started:
      type: object
      properties:
        Accounts submitted for processing: {type: integer}
        at: {type: string, format: date-time, nullable: true}
"##;

    #[test]
    fn path_parameters_follow_the_template_when_unambiguous() {
        let mut doc = spec(FAMILY);
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "path-parameter-names"),
            [
                "DELETE /sources/{sourceId}/classify: path parameter `id` renamed `sourceId` as in \
              the template"
            ]
        );
        let name = |path: &str, method: &str| {
            let item = doc.paths.paths[path].as_item().expect("item");
            let op = item.iter().find(|(m, _)| *m == method).expect("op").1;
            match &op.parameters[0] {
                ReferenceOr::Item(p) => parameter_data(p).name.clone(),
                ReferenceOr::Reference { .. } => panic!("a reference"),
            }
        };
        assert_eq!(name("/sources/{sourceId}/classify", "delete"), "sourceId");
        assert_eq!(name("/sources/{sourceId}/classify", "post"), "sourceId");
        // One parameter for two variables: left alone, progenitor's panic is reported instead.
        assert_eq!(name("/pairs/{a}/{b}", "get"), "x");
    }

    #[test]
    fn a_404_is_documented_where_a_path_parameter_names_a_resource() {
        let mut doc = spec(FAMILY);
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "not-found-responses"),
            [
                "POST /sources/{sourceId}/classify: 404 documented",
                "GET /pairs/{a}/{b}: 404 documented"
            ]
        );
        let op = doc.paths.paths["/sources/{sourceId}/classify"]
            .as_item()
            .and_then(|item| item.post.as_ref())
            .expect("post");
        let ReferenceOr::Item(not_found) = &op.responses.responses[&StatusCode::Code(404)] else {
            panic!("inline 404");
        };
        assert_eq!(
            not_found.content.keys().collect::<Vec<_>>(),
            [RAW_MEDIA_TYPE]
        );
        let keys: Vec<String> = op
            .responses
            .responses
            .keys()
            .map(|k| k.to_string())
            .collect();
        assert_eq!(keys, ["200", "404"]);
    }

    #[test]
    fn quirks_that_need_no_change_are_listed() {
        let mut doc = spec(FAMILY);
        // The one schema change in FAMILY is the integer's; the listings add none.
        let mut expected = spec(FAMILY);
        let response_only = response_only_schemas(&expected);
        unsigned_response_integers(&mut expected, &response_only);
        let before = expected.components.clone();
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "wire-property-names"),
            ["Started.`Accounts submitted for processing`: field \
              `accounts_submitted_for_processing` with #[serde(rename)]"]
        );
        assert_eq!(
            changes(&applied, "chrono-date-times"),
            ["Started.at: chrono::DateTime<Utc> (nullable)"]
        );
        assert_eq!(doc.components, before, "listing changes no schema");
    }

    #[test]
    fn response_integers_become_unsigned_unless_negatives_are_allowed() {
        let mut doc = spec(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /jobs/{id}:
    put:
      operationId: put
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
      requestBody:
        content: {application/json: {schema: {$ref: '#/components/schemas/Sent'}}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Job'}}}
components:
  schemas:
    Sent:
      type: object
      properties:
        size: {type: integer, format: int32}
    Job:
      type: object
      properties:
        submitted: {type: integer, format: int32, minimum: 0}
        counts:
          type: object
          properties:
            DONE: {type: integer, format: int64}
        offset: {type: integer, format: int64, minimum: -5}
"##,
        );
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "unsigned-response-integers"),
            [
                "Job.submitted: int32 -> uint64",
                "Job.counts.DONE: int64 -> uint64"
            ]
        );
        // Request schemas keep their types; so does an integer that may be negative.
        let again = apply(&mut doc);
        assert!(
            changes(&again, "unsigned-response-integers").is_empty(),
            "idempotent"
        );
    }

    const DOC: &str = r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /things/{id}:
    post:
      operationId: doThing
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
        - {in: query, name: mode, schema: {$ref: '#/components/schemas/Mode'}}
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {$ref: '#/components/schemas/Ok'}}}
        '400':
          description: bad
          content: {application/json: {schema: {$ref: '#/components/schemas/Err'}}}
        '429':
          description: slow down
          content: {application/json: {schema: {type: object, properties: {message: {type: string}}}}}
components:
  schemas:
    Mode: {type: string, enum: [a, b]}
    Ok: {type: object, properties: {flag: {type: boolean}}}
    Err:
      type: object
      required: [messages]
      properties:
        messages: {type: array, items: {$ref: '#/components/schemas/Msg'}}
        causes: {type: array, items: {$ref: '#/components/schemas/Msg'}}
    Msg:
      type: object
      properties:
        origin: {$ref: '#/components/schemas/Origin'}
    Origin: {type: string, enum: [X, Y, null], nullable: true, description: How.}
"##;

    #[test]
    fn error_bodies_become_raw_and_success_stays_typed() {
        let mut doc = spec(DOC);
        let applied = apply(&mut doc);
        assert_eq!(changes(&applied, "raw-error-bodies").len(), 2);
        let op = doc.paths.paths["/things/{id}"]
            .as_item()
            .and_then(|item| item.post.as_ref())
            .expect("operation");
        let content = |code| {
            op.responses.responses[&StatusCode::Code(code)]
                .as_item()
                .expect("inline response")
                .content
                .keys()
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(content(200), ["application/json"]);
        assert_eq!(content(400), [RAW_MEDIA_TYPE]);
        assert_eq!(content(429), [RAW_MEDIA_TYPE]);
    }

    #[test]
    fn only_response_enums_are_opened() {
        let mut doc = spec(DOC);
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "open-response-enums"),
            ["Origin: enum [X, Y] opened"]
        );
        let schemas = &doc.components.as_ref().expect("components").schemas;
        let origin = schemas["Origin"].as_item().expect("inline");
        assert!(origin.schema_data.nullable);
        assert!(
            origin
                .schema_data
                .description
                .as_deref()
                .is_some_and(|d| d.starts_with("How.") && d.contains("`X`, `Y`"))
        );
        match &origin.schema_kind {
            SchemaKind::Type(Type::String(s)) => assert!(s.enumeration.is_empty()),
            other => panic!("unexpected {other:?}"),
        }
        // The request enum stays strict.
        match &schemas["Mode"].as_item().expect("inline").schema_kind {
            SchemaKind::Type(Type::String(s)) => assert_eq!(s.enumeration.len(), 2),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn only_optional_response_arrays_become_nullable() {
        let mut doc = spec(DOC);
        let applied = apply(&mut doc);
        assert_eq!(
            changes(&applied, "nullable-response-arrays"),
            ["Err.causes: optional array made nullable"]
        );
    }

    #[test]
    fn adjusting_twice_changes_nothing_more() {
        let mut doc = spec(DOC);
        apply(&mut doc);
        let once = doc.clone();
        let again = apply(&mut doc);
        assert!(again.iter().all(|a| a.changes.is_empty()), "{again:?}");
        assert_eq!(doc, once);
    }
}
