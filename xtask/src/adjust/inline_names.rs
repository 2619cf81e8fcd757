//! `inline-type-names`: an inline property schema that typify would name like a component gets
//! a `title` naming it apart.
//!
//! typify names the type of an inline property schema (an enum, an object, an `allOf`
//! wrapper) after its component and property: `Schedule.type` becomes `ScheduleType`. When the
//! document also has a component of that name (SailPoint's `ScheduleType`, the supported
//! schedule types), both types get the same name and the crate does not compile (a type
//! defined twice). With a title, typify names the inline type after the title instead:
//! `ScheduleTypeValue`. Only colliding properties are titled, so no other type is renamed.

use std::collections::BTreeSet;

use heck::ToPascalCase;
use openapiv3::{OpenAPI, ReferenceOr, Schema, SchemaKind, Type};

/// Applies the adjustment; one line per property titled.
pub fn inline_type_names(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    let Some(components) = spec.components.as_mut() else {
        return changes;
    };
    let mut taken: BTreeSet<String> = components
        .schemas
        .keys()
        .map(|name| name.to_pascal_case())
        .collect();
    for (name, schema) in components.schemas.iter_mut() {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        let SchemaKind::Type(Type::Object(object)) = &mut schema.schema_kind else {
            continue;
        };
        for (property, value) in object.properties.iter_mut() {
            let ReferenceOr::Item(inline) = value else {
                continue;
            };
            if inline.schema_data.title.is_some() || !gets_a_type_of_its_own(inline) {
                continue;
            }
            let typify_name = format!("{}{}", name.to_pascal_case(), property.to_pascal_case());
            if !taken.contains(&typify_name) {
                continue;
            }
            let mut title = format!("{typify_name}Value");
            while taken.contains(&title) {
                title.push_str("Value");
            }
            changes.push(format!(
                "{name}.{property}: title `{title}` (`{typify_name}` is a component)"
            ));
            taken.insert(title.clone());
            inline.schema_data.title = Some(title);
        }
    }
    changes
}

/// Whether typify generates a named type for this inline schema (rather than using a
/// primitive or a referenced type directly).
fn gets_a_type_of_its_own(schema: &Schema) -> bool {
    match &schema.schema_kind {
        SchemaKind::Type(Type::String(string)) => !string.enumeration.is_empty(),
        SchemaKind::Type(Type::Object(object)) => !object.properties.is_empty(),
        SchemaKind::AllOf { .. } | SchemaKind::OneOf { .. } | SchemaKind::AnyOf { .. } => true,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inline_properties_named_like_a_component_are_titled() {
        let mut spec: OpenAPI = serde_yaml_ng::from_str(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths: {}
components:
  schemas:
    Schedule:
      type: object
      properties:
        type: {type: string, enum: [DAILY, WEEKLY]}
        hours: {type: string, enum: [AM, PM]}
        name: {type: string}
        days: {$ref: '#/components/schemas/ScheduleType'}
    ScheduleType: {type: string, enum: [DAILY, WEEKLY, MONTHLY]}
    ScheduleTypeValue: {type: string}
    RequestableObject:
      type: object
      properties:
        requestStatus:
          allOf: [{$ref: '#/components/schemas/RequestableObjectRequestStatus'}, {nullable: true}]
    RequestableObjectRequestStatus: {type: string, enum: [AVAILABLE, PENDING]}
"##,
        )
        .expect("parses");
        let changes = inline_type_names(&mut spec);
        assert_eq!(
            changes,
            [
                "Schedule.type: title `ScheduleTypeValueValue` (`ScheduleType` is a component)",
                "RequestableObject.requestStatus: title `RequestableObjectRequestStatusValue` \
                 (`RequestableObjectRequestStatus` is a component)",
            ]
        );
        let schemas = &spec.components.as_ref().expect("components").schemas;
        let ReferenceOr::Item(schedule) = &schemas["Schedule"] else {
            panic!("an item");
        };
        let SchemaKind::Type(Type::Object(object)) = &schedule.schema_kind else {
            panic!("an object");
        };
        let title = |property: &str| match &object.properties[property] {
            ReferenceOr::Item(schema) => schema.schema_data.title.clone(),
            ReferenceOr::Reference { .. } => None,
        };
        assert_eq!(title("type").as_deref(), Some("ScheduleTypeValueValue"));
        // `ScheduleHours` is no component; a plain string gets no type; a `$ref` is left.
        assert_eq!(title("hours"), None);
        assert_eq!(title("name"), None);
        assert_eq!(title("days"), None);
    }
}
