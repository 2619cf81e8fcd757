//! A spec's operations as a set: their ids, a spec holding only some of them (with only the
//! component schemas those reach), and the operations left out of a generation with the reason.
//! `cargo xtask generate` uses it to find which operations it cannot generate (progenitor
//! panics and errors, code that does not compile) and, with `--skip-unsupported`, to generate
//! the rest.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use openapiv3::{OpenAPI, Operation, PathItem, ReferenceOr};

/// An operation left out of the generated code, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeftOut {
    /// Its operationId.
    pub operation_id: String,
    /// Why it cannot be generated, in one line.
    pub reason: String,
}

impl fmt::Display for LeftOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.operation_id, self.reason)
    }
}

/// The operationIds of `spec`, in document order (paths in order, methods in OpenAPI order).
pub fn operation_ids(spec: &OpenAPI) -> Vec<String> {
    spec.operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect()
}

/// The operations of `spec` with their ids.
pub fn operations(spec: &OpenAPI) -> impl Iterator<Item = (&str, &Operation)> {
    spec.operations()
        .filter_map(|(_, _, op)| op.operation_id.as_deref().map(|id| (id, op)))
}

/// `spec` with only the operations `keep` accepts; path items left empty are removed. The
/// component schemas are unchanged.
pub fn retain(spec: &OpenAPI, keep: impl Fn(&str) -> bool) -> OpenAPI {
    let mut out = spec.clone();
    for item in out.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let PathItem {
            get,
            put,
            post,
            delete,
            options,
            head,
            patch,
            trace,
            ..
        } = item;
        for op in [get, put, post, delete, options, head, patch, trace] {
            let kept = op
                .as_ref()
                .and_then(|o| o.operation_id.as_deref())
                .is_some_and(&keep);
            if !kept {
                *op = None;
            }
        }
    }
    out.paths
        .paths
        .retain(|_, item| item.as_item().is_some_and(|i| i.iter().next().is_some()));
    out
}

/// `spec` without the operations in `left_out`, and without the component schemas that only
/// those reached (reachability is read from `reference`, the spec before the adjustments, in
/// which error responses still name their schemas: the facade decodes those).
pub fn without(spec: &OpenAPI, reference: &OpenAPI, left_out: &[LeftOut]) -> OpenAPI {
    if left_out.is_empty() {
        return spec.clone();
    }
    let gone: BTreeSet<&str> = left_out.iter().map(|l| l.operation_id.as_str()).collect();
    let kept_reference = retain(reference, |id| !gone.contains(id));
    let removed_reference = retain(reference, |id| gone.contains(id));
    let still_used = crate::adjust::schemas_reached_by_operations(&kept_reference);
    let only_removed: BTreeSet<String> =
        crate::adjust::schemas_reached_by_operations(&removed_reference)
            .into_iter()
            .filter(|name| !still_used.contains(name))
            .collect();
    let mut out = retain(spec, |id| !gone.contains(id));
    if let Some(components) = out.components.as_mut() {
        components
            .schemas
            .retain(|name, _| !only_removed.contains(name));
    }
    out
}

/// `spec` with only the operations in `ids` and only the component schemas they reach: what a
/// probe generates to find out whether these operations generate on their own.
pub fn only(spec: &OpenAPI, ids: &[String]) -> OpenAPI {
    let wanted: BTreeSet<&str> = ids.iter().map(String::as_str).collect();
    let mut out = retain(spec, |id| wanted.contains(id));
    let reached = crate::adjust::schemas_reached_by_operations(&out);
    if let Some(components) = out.components.as_mut() {
        components.schemas.retain(|name, _| reached.contains(name));
    }
    out
}

/// For each component schema, the operations that reach it (through any chain of `$ref`s).
/// Each schema and operation is read once (the whole API has about 800 operations and 1,100
/// schemas).
pub fn users_of_schemas(spec: &OpenAPI) -> BTreeMap<String, Vec<String>> {
    let edges: BTreeMap<&str, Vec<String>> = spec
        .components
        .iter()
        .flat_map(|c| c.schemas.iter())
        .map(|(name, schema)| (name.as_str(), refs_in(schema)))
        .collect();
    let mut users: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, operation) in operations(spec) {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue = refs_in(operation);
        while let Some(name) = queue.pop() {
            if let Some(next) = edges.get(name.as_str())
                && seen.insert(name.clone())
            {
                queue.extend(next.iter().cloned());
            }
        }
        for schema in seen {
            users.entry(schema).or_default().push(id.to_owned());
        }
    }
    users
}

/// The component schema names `value` refers to (`#/components/schemas/Name`), anywhere in it.
fn refs_in(value: &impl serde::Serialize) -> Vec<String> {
    fn walk(value: &serde_json::Value, out: &mut Vec<String>) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, child) in map {
                    if key == "$ref"
                        && let Some(name) = child
                            .as_str()
                            .and_then(|r| r.strip_prefix("#/components/schemas/"))
                    {
                        out.push(name.to_owned());
                    } else {
                        walk(child, out);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| walk(item, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Ok(value) = serde_json::to_value(value) {
        walk(&value, &mut out);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /a:
    get:
      operationId: getA
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/A'}}}}
    delete:
      operationId: deleteA
      responses:
        '400': {description: bad, content: {application/json: {schema: {$ref: '#/components/schemas/Shared'}}}}
  /b:
    get:
      operationId: getB
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/B'}}}}
components:
  schemas:
    A: {type: object, properties: {s: {$ref: '#/components/schemas/Shared'}}}
    B: {type: object, properties: {x: {type: string}}}
    Shared: {type: object, properties: {y: {type: string}}}
"##;

    fn spec() -> OpenAPI {
        serde_yaml_ng::from_str(SPEC).expect("parses")
    }

    fn left_out(id: &str) -> LeftOut {
        LeftOut {
            operation_id: id.to_owned(),
            reason: "test".to_owned(),
        }
    }

    fn schemas(spec: &OpenAPI) -> Vec<String> {
        spec.components
            .as_ref()
            .map(|c| c.schemas.keys().cloned().collect())
            .unwrap_or_default()
    }

    #[test]
    fn leaving_out_an_operation_drops_the_schemas_only_it_reaches() {
        let spec = spec();
        let out = without(&spec, &spec, &[left_out("getA")]);
        assert_eq!(operation_ids(&out), ["deleteA", "getB"]);
        // `Shared` is still reached by deleteA.
        assert_eq!(schemas(&out), ["B", "Shared"]);
        let out = without(&spec, &spec, &[left_out("getB")]);
        assert_eq!(schemas(&out), ["A", "Shared"]);
        assert!(out.paths.paths.get("/b").is_none(), "empty path items go");
    }

    #[test]
    fn a_probe_holds_only_its_operations_and_their_schemas() {
        let spec = spec();
        let probe = only(&spec, &["deleteA".to_owned()]);
        assert_eq!(operation_ids(&probe), ["deleteA"]);
        assert_eq!(schemas(&probe), ["Shared"]);
        let users = users_of_schemas(&spec);
        assert_eq!(users["Shared"], ["getA", "deleteA"]);
        assert_eq!(users["B"], ["getB"]);
    }
}
