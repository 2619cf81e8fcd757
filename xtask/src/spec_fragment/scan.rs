//! The light parse of path item files that are searched but not vendored.
//!
//! Finding the selected operations and naming shared response bodies after their first user
//! needs, from every path item file before the last selected operation, only the HTTP methods'
//! `operationId`s and the `$ref` strings of their `responses`. Those files are therefore read
//! with a serde visitor that keeps exactly that and skips everything else *without
//! interpreting it*: upstream carried an integer example with 32 digits in an unrelated path
//! file (`approvals-config-id.yaml`, 2026-04-10 to 2026-08-12) that no YAML value type here can
//! hold, and a full parse of that file made vendoring fail although no selected operation
//! reaches it. YAML syntax errors are still errors.

use std::fmt;
use std::path::Path;

use serde::Deserializer;
use serde::de::{self, Deserialize, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::error::VendorError;
use super::walk::HTTP_METHODS;

/// The visitor methods for everything but a mapping: such a value is skipped unread and counts
/// as `$empty`.
macro_rules! not_a_mapping {
    ($empty:expr) => {
        fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
            IgnoredAny.visit_seq(seq).map(|_| $empty)
        }
        fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
            Ok($empty)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
            Ok($empty)
        }
    };
}

/// One operation of a scanned path item: its id and the `$ref`s of its responses.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ScannedOperation {
    /// The HTTP method, as written (`get`, `post`, …).
    pub method: String,
    pub operation_id: Option<String>,
    /// `(status, $ref)` for every response that is a reference object, in document order.
    pub response_refs: Vec<(String, String)>,
}

/// The operations of a path item file, in the order written.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct ScannedPathItem {
    pub operations: Vec<ScannedOperation>,
}

/// Reads and scans `path`; `None` if it does not exist.
pub(super) fn scan_path_item(path: &Path) -> Result<Option<ScannedPathItem>, VendorError> {
    let Some(text) = super::tree::read_if_present(path)? else {
        return Ok(None);
    };
    parse(&text).map(Some).map_err(|err| VendorError::Parse {
        path: path.to_path_buf(),
        message: err.to_string(),
    })
}

/// The same scan over an already parsed value (a path item written in the root document, or
/// one behind a JSON pointer).
pub(super) fn from_value(value: &serde_yaml_ng::Value) -> ScannedPathItem {
    let operations = value
        .as_mapping()
        .into_iter()
        .flatten()
        .filter_map(|(key, operation)| {
            let method = key.as_str().filter(|m| HTTP_METHODS.contains(m))?;
            let operation = operation.as_mapping()?;
            let response_refs = operation
                .get("responses")
                .and_then(serde_yaml_ng::Value::as_mapping)
                .into_iter()
                .flatten()
                .filter_map(|(status, response)| {
                    let status = match status {
                        serde_yaml_ng::Value::String(s) => s.clone(),
                        serde_yaml_ng::Value::Number(n) => n.to_string(),
                        _ => return None,
                    };
                    let reference = response.get("$ref")?.as_str()?;
                    Some((status, reference.to_owned()))
                })
                .collect();
            Some(ScannedOperation {
                method: method.to_owned(),
                operation_id: operation
                    .get("operationId")
                    .and_then(serde_yaml_ng::Value::as_str)
                    .map(str::to_owned),
                response_refs,
            })
        })
        .collect();
    ScannedPathItem { operations }
}

fn parse(text: &str) -> Result<ScannedPathItem, serde_yaml_ng::Error> {
    // An empty document is no path item (and no operation), not an error.
    if text.trim().is_empty() {
        return Ok(ScannedPathItem::default());
    }
    serde_yaml_ng::from_str(text)
}

impl<'de> Deserialize<'de> for ScannedPathItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(PathItemVisitor)
    }
}

struct PathItemVisitor;

impl<'de> Visitor<'de> for PathItemVisitor {
    type Value = ScannedPathItem;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a path item")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut item = ScannedPathItem::default();
        while let Some(Key(key)) = map.next_key()? {
            match key.filter(|k| HTTP_METHODS.contains(&k.as_str())) {
                Some(method) => {
                    let mut operation: ScannedOperation = map.next_value()?;
                    operation.method = method;
                    item.operations.push(operation);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(item)
    }

    // Anything that is not a mapping holds no operation.
    not_a_mapping!(ScannedPathItem::default());
}

impl<'de> Deserialize<'de> for ScannedOperation {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(OperationVisitor)
    }
}

struct OperationVisitor;

impl<'de> Visitor<'de> for OperationVisitor {
    type Value = ScannedOperation;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an operation")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut operation = ScannedOperation::default();
        while let Some(Key(key)) = map.next_key()? {
            match key.as_deref() {
                Some("operationId") => {
                    operation.operation_id = map.next_value::<Text>()?.0;
                }
                Some("responses") => {
                    operation.response_refs = map.next_value::<Responses>()?.0;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(operation)
    }

    not_a_mapping!(ScannedOperation::default());
}

/// `responses`: `(status, $ref)` pairs of the reference objects among them.
struct Responses(Vec<(String, String)>);

impl<'de> Deserialize<'de> for Responses {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ResponsesVisitor;
        impl<'de> Visitor<'de> for ResponsesVisitor {
            type Value = Responses;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("responses")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Key(status)) = map.next_key()? {
                    let Reference(reference) = map.next_value()?;
                    if let (Some(status), Some(reference)) = (status, reference) {
                        out.push((status, reference));
                    }
                }
                Ok(Responses(out))
            }

            not_a_mapping!(Responses(Vec::new()));
        }
        deserializer.deserialize_any(ResponsesVisitor)
    }
}

/// The `$ref` string of a reference object; `None` for anything else (skipped unread).
struct Reference(Option<String>);

impl<'de> Deserialize<'de> for Reference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct ReferenceVisitor;
        impl<'de> Visitor<'de> for ReferenceVisitor {
            type Value = Reference;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a response")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut reference = None;
                while let Some(Key(key)) = map.next_key()? {
                    if key.as_deref() == Some("$ref") {
                        reference = map.next_value::<Text>()?.0;
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(Reference(reference))
            }

            not_a_mapping!(Reference(None));
        }
        deserializer.deserialize_any(ReferenceVisitor)
    }
}

/// A mapping key as text: strings as written, numbers and booleans printed (`200:` is a
/// status); `None` for keys that are collections.
struct Key(Option<String>);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping key")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Some(v.to_owned())))
            }

            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Key(Some(v.to_string())))
            }

            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Key(Some(v.to_string())))
            }

            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Key(Some(v.to_string())))
            }

            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Key(Some(v.to_string())))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Key(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Key(None))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| Key(None))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// A string value; `None` for any other value (skipped).
struct Text(Option<String>);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor;
        impl<'de> Visitor<'de> for TextVisitor {
            type Value = Text;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }

            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(v.to_owned())))
            }

            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None))
            }

            fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }

            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }

            fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Text(None))
            }

            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Text(None))
            }

            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(map).map(|_| Text(None))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_seq(seq).map(|_| Text(None))
            }
        }
        deserializer.deserialize_any(TextVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_ids_and_response_refs_and_skips_everything_else_unread() {
        let text = r#"
parameters:
  - in: path
    name: id
    example: 12345678901234567890123456789012
get:
  operationId: getThing
  parameters:
    - {in: query, name: big, example: 123456789012345678901234567890123456}
  responses:
    '200':
      description: inline
      content: {application/json: {example: {n: 99999999999999999999999999999999}}}
    400:
      $ref: ../responses/400.yaml
    "429": {$ref: "../responses/429.yaml"}
post:
  operationId: 7
summary: not an operation
"#;
        let scanned = parse(text).expect("big numbers outside ids and refs are skipped");
        assert_eq!(scanned.operations.len(), 2);
        assert_eq!(scanned.operations[0].method, "get");
        assert_eq!(
            scanned.operations[0].operation_id.as_deref(),
            Some("getThing")
        );
        assert_eq!(
            scanned.operations[0].response_refs,
            [
                ("400".to_owned(), "../responses/400.yaml".to_owned()),
                ("429".to_owned(), "../responses/429.yaml".to_owned()),
            ]
        );
        assert_eq!(scanned.operations[1].operation_id, None);
        // The same text is beyond a full parse into YAML values.
        assert!(serde_yaml_ng::from_str::<serde_yaml_ng::Value>(text).is_err());
    }

    #[test]
    fn odd_shapes_hold_no_operations_and_syntax_errors_still_fail() {
        for text in ["", "- a\n- b\n", "just text", "get: [1, 2]\n"] {
            let scanned = parse(text).expect("odd but valid YAML");
            assert!(
                scanned
                    .operations
                    .iter()
                    .all(|op| op.operation_id.is_none()),
                "{text:?}"
            );
        }
        assert!(parse("get: {operationId: [unclosed\n").is_err());
    }
}
