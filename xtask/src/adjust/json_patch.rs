//! `json-patch-bodies`: a request body offered only as `application/json-patch+json` (RFC 6902)
//! is generated as a JSON body, typed by its schema (SailPoint's is an array of
//! `JsonPatchOperation`, so the method takes `&Vec<JsonPatchOperation>`), and sent with its
//! own content type.
//!
//! progenitor 0.15.1 knows only `application/json`, `application/octet-stream`,
//! `application/x-www-form-urlencoded` and `text/plain` request bodies and fails the whole
//! generation on any other ("unexpected content type"). The media type is renamed to
//! `application/json` in memory and the operation is marked with [`CONTENT_TYPE_EXTENSION`];
//! `generate.rs` then sets `Content-Type: application/json-patch+json` in that operation's
//! generated method, before `.json(&body)` (which only sets `application/json` when no content
//! type is there yet), so the wire format stays what the API documents.

use openapiv3::{OpenAPI, ReferenceOr};

/// The media type this adjustment handles.
pub const JSON_PATCH: &str = "application/json-patch+json";
/// The operation extension naming the content type the generated method must send.
pub const CONTENT_TYPE_EXTENSION: &str = "x-xtask-request-content-type";

/// Applies the adjustment; one line per operation changed.
pub fn json_patch_bodies(spec: &mut OpenAPI) -> Vec<String> {
    let mut changes = Vec::new();
    for (name, operation) in super::operations_mut(spec) {
        let Some(ReferenceOr::Item(body)) = operation.request_body.as_mut() else {
            continue;
        };
        let only_json_patch = body.content.len() == 1
            && body
                .content
                .keys()
                .all(|media| media.split(';').next().map(str::trim) == Some(JSON_PATCH));
        if !only_json_patch {
            continue;
        }
        let Some((_, media)) = body.content.pop() else {
            continue;
        };
        body.content.insert("application/json".to_owned(), media);
        operation
            .extensions
            .insert(CONTENT_TYPE_EXTENSION.to_owned(), JSON_PATCH.into());
        let id = operation.operation_id.as_deref().unwrap_or(&name);
        changes.push(format!(
            "{id}: {JSON_PATCH} body generated from its schema, sent with its content type"
        ));
    }
    changes
}

/// The operations whose generated method must send another content type than
/// `application/json`: (operationId, content type).
pub fn content_type_overrides(spec: &OpenAPI) -> Vec<(String, String)> {
    spec.operations()
        .filter_map(|(_, _, op)| {
            let id = op.operation_id.as_deref()?;
            let content_type = op.extensions.get(CONTENT_TYPE_EXTENSION)?.as_str()?;
            Some((id.to_owned(), content_type.to_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_patch_bodies_become_json_with_their_content_type_recorded() {
        let mut spec: OpenAPI = serde_yaml_ng::from_str(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /things/{id}:
    patch:
      operationId: patchThing
      requestBody:
        content:
          application/json-patch+json:
            schema: {type: array, items: {$ref: '#/components/schemas/JsonPatchOperation'}}
      responses: {'204': {description: ok}}
    put:
      operationId: putThing
      requestBody:
        content:
          application/json: {schema: {type: object}}
      responses: {'204': {description: ok}}
components:
  schemas:
    JsonPatchOperation: {type: object, properties: {op: {type: string}, path: {type: string}}}
"##,
        )
        .expect("parses");
        let changes = json_patch_bodies(&mut spec);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert!(changes[0].starts_with("patchThing:"));
        let (_, _, op) = spec
            .operations()
            .find(|(_, _, op)| op.operation_id.as_deref() == Some("patchThing"))
            .expect("patchThing");
        let Some(ReferenceOr::Item(body)) = &op.request_body else {
            panic!("body");
        };
        assert_eq!(
            body.content.keys().collect::<Vec<_>>(),
            ["application/json"]
        );
        assert_eq!(
            content_type_overrides(&spec),
            [("patchThing".to_owned(), JSON_PATCH.to_owned())]
        );
    }
}
