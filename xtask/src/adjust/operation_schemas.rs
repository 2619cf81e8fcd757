//! Every inline schema of the operations (parameters, request bodies, responses), for the
//! adjustments that apply to all schemas, not only the components.

use openapiv3::{OpenAPI, ReferenceOr, Schema};

/// Calls `f` on each inline schema of every operation (and, recursively, on the schemas inside
/// it), with a readable location; returns the changes `f` recorded.
pub fn for_each_operation_schema(
    spec: &mut OpenAPI,
    f: &mut dyn FnMut(&str, &mut Schema, &mut Vec<String>),
) -> Vec<String> {
    let mut changes = Vec::new();
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
                super::walk_mut(&location, schema, f, &mut changes);
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
                super::walk_mut(&format!("{id} body"), schema, f, &mut changes);
            }
        }
    }
    changes
}
