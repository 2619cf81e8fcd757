//! Rule `scalar-parameters-stay-inline`: a parameter file's inline schema becomes a component
//! only when it describes a type of its own.
//!
//! Upstream's shared collection parameters (`../parameters/limit.yaml`, `offset.yaml`,
//! `count.yaml`) carry plain `integer` / `boolean` schemas. Hoisting those to components named
//! `limit`, `offset`, `count` would give the generated API newtypes for an integer and a bool;
//! openapi-generator (SailPoint's own SDKs) keeps such parameters primitive and makes a model
//! only of an enum or an object (`ClassificationMode`). This rule reproduces that: a schema is
//! hoisted when it has an `enum`, is an object (or has `properties`), or combines schemas
//! (`allOf` / `anyOf` / `oneOf`); anything else (a scalar, an array of scalars) stays inline.

use serde_yaml_ng::Value;

/// Whether a parameter file's inline `schema` is a type of its own (hoisted to a component
/// named like the file) rather than a primitive kept inline in the parameter.
pub(super) fn is_named_type(schema: &Value) -> bool {
    let Value::Mapping(map) = schema else {
        return false;
    };
    let has = |key: &str| map.contains_key(Value::String(key.to_owned()));
    let is_object = map.get("type").and_then(Value::as_str) == Some("object");
    has("enum") || is_object || has("properties") || has("allOf") || has("anyOf") || has("oneOf")
}

#[cfg(test)]
mod tests {
    use super::is_named_type;

    fn yaml(text: &str) -> serde_yaml_ng::Value {
        serde_yaml_ng::from_str(text).expect("test YAML parses")
    }

    #[test]
    fn collection_parameters_are_primitive() {
        let limit = "type: integer\nformat: int32\nminimum: 0\nmaximum: 250\ndefault: 250";
        assert!(!is_named_type(&yaml(limit)));
        assert!(!is_named_type(&yaml("type: boolean\ndefault: false")));
        assert!(!is_named_type(&yaml("type: array\nitems:\n  type: string")));
    }

    #[test]
    fn enums_objects_and_combinations_are_types() {
        let mode = "type: string\nenum: [default, ignoreManual]\ndefault: default";
        assert!(is_named_type(&yaml(mode)));
        assert!(is_named_type(&yaml("type: object")));
        assert!(is_named_type(&yaml("properties:\n  a:\n    type: string")));
        assert!(is_named_type(&yaml(
            "oneOf:\n  - type: string\n  - type: integer"
        )));
    }
}
