//! Progenitor and typify report some unsupported inputs by panicking (e.g. `missing path name
//! mapping sourceId` when a path template and its parameter disagree). This module turns such a
//! panic into an error that names the operation and the component schemas involved, found by
//! generating each operation on its own.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};

use anyhow::{Result, anyhow};
use openapiv3::{OpenAPI, PathItem, ReferenceOr};

/// Runs `generate` on `spec`; a panic inside becomes an error naming `what`, the panic message,
/// the operation that panics when generated alone, and the schemas that operation reaches.
pub fn guarded<T>(
    what: &str,
    spec: &OpenAPI,
    generate: impl Fn(&OpenAPI) -> Result<T>,
) -> Result<T> {
    let message = match catch(|| generate(spec)) {
        Ok(result) => return result,
        Err(message) => message,
    };
    let culprit = operation_ids(spec)
        .into_iter()
        .find(|id| catch(|| generate(&only(spec, id))).is_err());
    let location = match culprit {
        Some(id) => {
            let schemas = schemas_reached(&only(spec, &id));
            format!(
                "operation `{id}` (which reaches the schemas: {})",
                if schemas.is_empty() {
                    "none".to_owned()
                } else {
                    schemas.join(", ")
                }
            )
        }
        None => "no single operation (only the operations together)".to_owned(),
    };
    Err(anyhow!(
        "progenitor panicked while generating the {what}: {message}; it panics on {location}. \
         Add a named adjustment for this in xtask/src/adjust.rs"
    ))
}

/// Runs `f`, catching a panic and returning its message; the default hook's report is
/// suppressed for panics on this thread only (other threads, e.g. parallel tests, keep it).
fn catch<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let captured: Arc<Mutex<Option<String>>> = Arc::new(Mutex::new(None));
    let this_thread: ThreadId = thread::current().id();
    let previous = Arc::new(panic::take_hook());
    {
        let captured = Arc::clone(&captured);
        let previous = Arc::clone(&previous);
        panic::set_hook(Box::new(move |info| {
            if thread::current().id() == this_thread {
                let text = info
                    .payload()
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| info.payload().downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "(no message)".to_owned());
                let place = info
                    .location()
                    .map(|l| format!(" (at {}:{})", l.file(), l.line()))
                    .unwrap_or_default();
                *captured.lock().unwrap_or_else(PoisonError::into_inner) =
                    Some(format!("{text}{place}"));
            } else {
                previous(info);
            }
        }));
    }
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    // Restore the hook that was installed before (the closure holds one reference to it).
    drop(panic::take_hook());
    match Arc::try_unwrap(previous) {
        Ok(previous) => panic::set_hook(previous),
        Err(_) => panic::set_hook(Box::new(|info| eprintln!("{info}"))),
    }
    result.map_err(|_| {
        captured
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_else(|| "(no message)".to_owned())
    })
}

fn operation_ids(spec: &OpenAPI) -> Vec<String> {
    spec.operations()
        .filter_map(|(_, _, op)| op.operation_id.clone())
        .collect()
}

/// `spec` with only the operation `id` (components unchanged).
fn only(spec: &OpenAPI, id: &str) -> OpenAPI {
    let mut out = spec.clone();
    for item in out.paths.paths.values_mut() {
        let ReferenceOr::Item(item) = item else {
            continue;
        };
        let keep = |op: &mut Option<openapiv3::Operation>| {
            if op.as_ref().and_then(|o| o.operation_id.as_deref()) != Some(id) {
                *op = None;
            }
        };
        let PathItem {
            get,
            put,
            post,
            delete,
            options,
            head,
            patch,
            trace,
            ..
        } = item;
        for op in [get, put, post, delete, options, head, patch, trace] {
            keep(op);
        }
    }
    out.paths
        .paths
        .retain(|_, item| item.as_item().is_some_and(|i| i.iter().next().is_some()));
    out
}

/// The component schemas the spec's operations reach, sorted.
fn schemas_reached(spec: &OpenAPI) -> Vec<String> {
    crate::adjust::schemas_reached_by_operations(spec)
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(yaml: &str) -> OpenAPI {
        serde_yaml_ng::from_str(yaml).expect("test spec parses")
    }

    const TWO_OPS: &str = r##"
openapi: 3.0.1
info: {title: t, version: v1}
paths:
  /fine:
    get:
      operationId: fineOp
      responses: {'200': {description: ok}}
  /things/{thingId}:
    get:
      operationId: badOp
      parameters:
        - {in: path, name: id, required: true, schema: {type: string}}
      responses:
        '200': {description: ok, content: {application/json: {schema: {$ref: '#/components/schemas/Thing'}}}}
components:
  schemas:
    Thing: {type: object, properties: {x: {type: string}}}
"##;

    #[test]
    fn a_panic_names_the_operation_and_its_schemas() {
        let spec = spec(TWO_OPS);
        let err = guarded("client", &spec, |spec| {
            if spec.paths.paths.contains_key("/things/{thingId}") {
                panic!("missing path name mapping thingId");
            }
            Ok(())
        })
        .expect_err("the panic becomes an error");
        let text = err.to_string();
        assert!(text.contains("missing path name mapping thingId"), "{text}");
        assert!(text.contains("operation `badOp`"), "{text}");
        assert!(text.contains("schemas: Thing"), "{text}");
    }

    #[test]
    fn progenitor_itself_is_caught() {
        let spec = spec(TWO_OPS);
        let err = guarded("client", &spec, |spec| {
            let mut generator = progenitor::Generator::default();
            generator.generate_tokens(spec).map_err(|e| anyhow!("{e}"))
        })
        .expect_err("progenitor panics on the disagreeing path parameter");
        assert!(err.to_string().contains("operation `badOp`"), "{err}");
        // And the hook is restored: no panic is pending, generation still works.
        assert!(guarded("client", &only(&spec, "fineOp"), |_| Ok(1)).is_ok());
    }
}
