//! `nullable-component-titles`: a `nullable` component schema loses its `title`.
//!
//! typify generates a nullable component `IdentityReference` as a wrapper
//! `IdentityReference(Option<IdentityReferenceInner>)`, but names the inner type after the
//! `title` when there is one; SailPoint's titles repeat the component's name ("Identity
//! Reference"), so both types get the same name and the crate does not compile (a type defined
//! twice). Without the title the inner type is `IdentityReferenceInner`; the title carried no
//! information the name does not.

use openapiv3::{OpenAPI, ReferenceOr};

/// Applies the adjustment; one line per component changed.
pub fn nullable_component_titles(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    let Some(components) = spec.components.as_mut() else {
        return changes;
    };
    for (name, schema) in components.schemas.iter_mut() {
        let ReferenceOr::Item(schema) = schema else {
            continue;
        };
        if schema.schema_data.nullable
            && let Some(title) = schema.schema_data.title.take()
        {
            changes.push(format!("{name}: title `{title}` dropped (nullable)"));
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_nullable_components_lose_their_title() {
        let mut spec: OpenAPI = serde_yaml_ng::from_str(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths: {}
components:
  schemas:
    IdentityReference: {type: object, title: Identity Reference, nullable: true}
    ErrorResponseDto: {type: object, title: Error Response Dto}
"##,
        )
        .expect("parses");
        let changes = nullable_component_titles(&mut spec);
        assert_eq!(
            changes,
            ["IdentityReference: title `Identity Reference` dropped (nullable)"]
        );
        let schemas = &spec.components.as_ref().expect("components").schemas;
        let title = |name: &str| match &schemas[name] {
            ReferenceOr::Item(schema) => schema.schema_data.title.clone(),
            ReferenceOr::Reference { .. } => None,
        };
        assert_eq!(title("IdentityReference"), None);
        assert_eq!(
            title("ErrorResponseDto").as_deref(),
            Some("Error Response Dto")
        );
    }
}
