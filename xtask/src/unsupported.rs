//! What progenitor 0.15.1 cannot generate, found before it runs so that each operation is named
//! with its reason (progenitor itself stops at the first with "unexpected content type" or a
//! `todo!` panic, naming neither operation nor path). Checked after the adjustments, so a JSON
//! Patch body (`json-patch-bodies`) is already JSON here.

use openapiv3::{OpenAPI, ReferenceOr};

use crate::operation_set::{LeftOut, operations};

/// The request body media types progenitor 0.15.1 generates (`method.rs`, `BodyContentType`).
const SUPPORTED_REQUEST_MEDIA_TYPES: [&str; 5] = [
    "application/json",
    "application/octet-stream",
    "application/x-www-form-urlencoded",
    "text/plain",
    "text/x-markdown",
];

/// Each operation whose request body progenitor cannot generate, with the reason.
pub fn unsupported_operations(spec: &OpenAPI) -> Vec<LeftOut> {
    let mut out = Vec::new();
    for (id, operation) in operations(spec) {
        let Some(ReferenceOr::Item(body)) = &operation.request_body else {
            continue;
        };
        let media: Vec<&str> = body.content.keys().map(String::as_str).collect();
        let reason = match media.as_slice() {
            [] => None,
            [one] => {
                let essence = one.split(';').next().unwrap_or(one).trim();
                (!SUPPORTED_REQUEST_MEDIA_TYPES.contains(&essence)).then(|| {
                    format!(
                        "request body media type `{one}` is not supported by progenitor 0.15.1 \
                         (it generates {})",
                        SUPPORTED_REQUEST_MEDIA_TYPES.join(", ")
                    )
                })
            }
            many => Some(format!(
                "request body offers {} media types ({}); progenitor 0.15.1 generates one",
                many.len(),
                many.join(", ")
            )),
        };
        if let Some(reason) = reason {
            out.push(LeftOut {
                operation_id: id.to_owned(),
                reason,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_request_bodies_are_named_per_operation() {
        let spec: OpenAPI = serde_yaml_ng::from_str(
            r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /a:
    put:
      operationId: upload
      requestBody: {content: {multipart/form-data: {schema: {type: object}}}}
      responses: {'204': {description: ok}}
    post:
      operationId: either
      requestBody:
        content:
          application/json: {schema: {type: object}}
          application/xml: {schema: {type: object}}
      responses: {'204': {description: ok}}
    patch:
      operationId: fine
      requestBody: {content: {application/json; charset=utf-8: {schema: {type: object}}}}
      responses: {'204': {description: ok}}
"##,
        )
        .expect("parses");
        let found = unsupported_operations(&spec);
        let ids: Vec<&str> = found.iter().map(|l| l.operation_id.as_str()).collect();
        assert_eq!(ids, ["upload", "either"]);
        assert!(
            found[0].reason.contains("`multipart/form-data`"),
            "{}",
            found[0].reason
        );
        assert!(
            found[1].reason.contains("2 media types"),
            "{}",
            found[1].reason
        );
    }
}
