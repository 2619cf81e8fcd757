//! `uuid-strings`: `format: uuid` strings stay `String`s.
//!
//! typify maps `format: uuid` to `uuid::Uuid`, which the generated crate does not depend on (a
//! build error). A dependency would not be right either: SailPoint documents as `uuid` ids
//! such as `2c9180835d2e5168015d32f890ca1581` (32 hex digits, no dashes), which `Uuid` would
//! send back hyphenated, changing the id on the wire. The format is dropped in memory; the
//! description keeps the text.

use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

/// Applies the adjustment; one line per schema changed.
pub fn uuid_strings(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = super::for_each_schema(spec, &mut drop_uuid);
    for (name, operation) in super::operations_mut(spec) {
        let id = operation.operation_id.clone().unwrap_or(name);
        for (index, parameter) in operation.parameters.iter_mut().enumerate() {
            let ReferenceOr::Item(parameter) = parameter else {
                continue;
            };
            let data = match parameter {
                openapiv3::Parameter::Query { parameter_data, .. }
                | openapiv3::Parameter::Header { parameter_data, .. }
                | openapiv3::Parameter::Path { parameter_data, .. }
                | openapiv3::Parameter::Cookie { parameter_data, .. } => parameter_data,
            };
            if let openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) =
                &mut data.format
            {
                let location = format!("{id} parameter {index} ({})", data.name);
                super::walk_mut(&location, schema, &mut drop_uuid, &mut changes);
            }
        }
        let bodies = operation
            .request_body
            .iter_mut()
            .filter_map(|body| match body {
                ReferenceOr::Item(body) => Some(body),
                ReferenceOr::Reference { .. } => None,
            })
            .flat_map(|body| body.content.values_mut())
            .chain(
                operation
                    .responses
                    .responses
                    .values_mut()
                    .filter_map(|r| match r {
                        ReferenceOr::Item(r) => Some(r),
                        ReferenceOr::Reference { .. } => None,
                    })
                    .flat_map(|r| r.content.values_mut()),
            );
        for media in bodies {
            if let Some(ReferenceOr::Item(schema)) = media.schema.as_mut() {
                super::walk_mut(&format!("{id} body"), schema, &mut drop_uuid, &mut changes);
            }
        }
    }
    changes
}

fn drop_uuid(location: &str, schema: &mut Schema, changes: &mut Vec<String>) {
    let SchemaKind::Type(Type::String(string)) = &mut schema.schema_kind else {
        return;
    };
    let is_uuid = match &string.format {
        VariantOrUnknownOrEmpty::Unknown(format) => format == "uuid",
        VariantOrUnknownOrEmpty::Item(_) | VariantOrUnknownOrEmpty::Empty => false,
    };
    if is_uuid {
        string.format = VariantOrUnknownOrEmpty::Empty;
        changes.push(format!("{location}: String"));
    }
}
