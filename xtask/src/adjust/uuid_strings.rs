//! `uuid-strings`: `format: uuid` strings stay `String`s.
//!
//! typify maps `format: uuid` to `uuid::Uuid`, which the generated crate does not depend on (a
//! build error). A dependency would not be right either: SailPoint documents as `uuid` ids
//! such as `2c9180835d2e5168015d32f890ca1581` (32 hex digits, no dashes), which `Uuid` would
//! send back hyphenated, changing the id on the wire. The format is dropped in memory; the
//! description keeps the text.

use openapiv3::{OpenAPI, Schema, SchemaKind, Type, VariantOrUnknownOrEmpty};

/// Applies the adjustment; one line per schema changed.
pub fn uuid_strings(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = super::for_each_schema(spec, &mut drop_uuid);
    changes.extend(super::operation_schemas::for_each_operation_schema(
        spec,
        &mut drop_uuid,
    ));
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
