//! `unchecked-patterns`: a string schema's `pattern` is kept as documentation only.
//!
//! typify turns a string with a `pattern` into a newtype that checks it with the `regress`
//! crate when it is built or decoded; the generated crate does not depend on `regress` (a build
//! error), and a check on decode would make a whole response undecodable whenever the server
//! sends a value its own spec's pattern does not allow. The pattern moves into the
//! description, so the docs still show it.

use openapiv3::{OpenAPI, Schema, SchemaKind, Type};

/// Applies the adjustment; one line per schema changed.
pub fn unchecked_patterns(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = super::for_each_schema(spec, &mut document_pattern);
    changes.extend(super::operation_schemas::for_each_operation_schema(
        spec,
        &mut document_pattern,
    ));
    changes
}

fn document_pattern(location: &str, schema: &mut Schema, changes: &mut Vec<String>) {
    {
        let SchemaKind::Type(Type::String(string)) = &mut schema.schema_kind else {
            return;
        };
        let Some(pattern) = string.pattern.take() else {
            return;
        };
        let note = format!("Pattern (not checked by the client): `{pattern}`");
        schema.schema_data.description = Some(match schema.schema_data.description.take() {
            Some(description) => format!("{description}\n\n{note}"),
            None => note,
        });
        changes.push(format!("{location}: pattern documented, not checked"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_become_documentation() {
        let mut spec: OpenAPI = serde_yaml_ng::from_str(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths: {}
components:
  schemas:
    Cron: {type: string, pattern: '^[0-9 *]+$', description: A cron expression.}
    Plain: {type: string}
"##,
        )
        .expect("parses");
        let changes = unchecked_patterns(&mut spec);
        assert_eq!(changes, ["Cron: pattern documented, not checked"]);
        let components = spec.components.as_ref().expect("components");
        let openapiv3::ReferenceOr::Item(cron) = &components.schemas["Cron"] else {
            panic!("item");
        };
        let SchemaKind::Type(Type::String(string)) = &cron.schema_kind else {
            panic!("string");
        };
        assert!(string.pattern.is_none());
        assert_eq!(
            cron.schema_data.description.as_deref(),
            Some("A cron expression.\n\nPattern (not checked by the client): `^[0-9 *]+$`")
        );
    }
}
