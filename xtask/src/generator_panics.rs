//! Progenitor and typify report some unsupported inputs by panicking (e.g. `missing path name
//! mapping sourceId` when a path template and its parameter disagree). This module turns such a
//! panic into an error, and finds the operations that panic or fail, each with the reason, by
//! bisecting the operation set.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, ThreadId};

use anyhow::{Result, anyhow};
use openapiv3::OpenAPI;

/// Runs `generate`; a panic inside becomes an error naming `what` and the panic message (which
/// operations panic is [`failing_operations`]'s job).
pub fn caught<T>(what: &str, generate: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch(generate) {
        Ok(result) => result,
        Err(message) => Err(anyhow!(
            "progenitor panicked while generating the {what}: {message}"
        )),
    }
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

/// The operations of `spec` on which `generate` panics or fails, each with the reason, found by
/// bisection: a set that fails is split in halves (each generated with only the schemas its
/// operations reach, see [`crate::operation_set::only`]) until single operations remain. A set
/// that fails while both halves succeed names all its operations ("only together").
pub fn failing_operations(
    spec: &OpenAPI,
    generate: &dyn Fn(&OpenAPI) -> Result<()>,
) -> Vec<crate::operation_set::LeftOut> {
    let ids = crate::operation_set::operation_ids(spec);
    let mut out = Vec::new();
    bisect(spec, &ids, generate, &mut out);
    out
}

fn bisect(
    spec: &OpenAPI,
    ids: &[String],
    generate: &dyn Fn(&OpenAPI) -> Result<()>,
    out: &mut Vec<crate::operation_set::LeftOut>,
) {
    let probe = crate::operation_set::only(spec, ids);
    let reason = match catch(|| generate(&probe)) {
        Ok(Ok(())) => return,
        Ok(Err(err)) => format!("{err:#}"),
        Err(panic) => format!("progenitor panicked: {panic}"),
    };
    if let [id] = ids {
        out.push(crate::operation_set::LeftOut {
            operation_id: id.clone(),
            reason: reason.replace('\n', " "),
        });
        return;
    }
    let (left, right) = ids.split_at(ids.len() / 2);
    let before = out.len();
    bisect(spec, left, generate, out);
    bisect(spec, right, generate, out);
    if out.len() == before {
        for id in ids {
            out.push(crate::operation_set::LeftOut {
                operation_id: id.clone(),
                reason: format!(
                    "fails only together with {} other operations: {}",
                    ids.len() - 1,
                    reason.replace('\n', " ")
                ),
            });
        }
    }
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
    fn a_panic_becomes_an_error_and_names_the_operation() {
        let spec = spec(TWO_OPS);
        let err = caught("client", || -> Result<()> {
            panic!("missing path name mapping thingId")
        })
        .expect_err("the panic becomes an error");
        assert!(
            err.to_string()
                .contains("missing path name mapping thingId"),
            "{err}"
        );
        let failing = failing_operations(&spec, &|spec| {
            if spec.paths.paths.contains_key("/things/{thingId}") {
                panic!("missing path name mapping thingId");
            }
            Ok(())
        });
        assert_eq!(failing.len(), 1);
        assert_eq!(failing[0].operation_id, "badOp");
        assert!(
            failing[0]
                .reason
                .contains("missing path name mapping thingId")
        );
    }

    #[test]
    fn bisection_names_every_failing_operation_with_its_reason() {
        let spec = spec(TWO_OPS);
        let failing = failing_operations(&spec, &|spec| {
            let mut generator = progenitor::Generator::default();
            generator
                .generate_tokens(spec)
                .map(drop)
                .map_err(|e| anyhow!("{e}"))
        });
        assert_eq!(failing.len(), 1, "{failing:?}");
        assert_eq!(failing[0].operation_id, "badOp");
        assert!(
            failing[0].reason.contains("panicked"),
            "{}",
            failing[0].reason
        );
    }

    #[test]
    fn progenitor_itself_is_caught_and_the_hook_restored() {
        let spec = spec(TWO_OPS);
        let err = caught("client", || {
            let mut generator = progenitor::Generator::default();
            generator.generate_tokens(&spec).map_err(|e| anyhow!("{e}"))
        })
        .expect_err("progenitor panics on the disagreeing path parameter");
        assert!(err.to_string().contains("panicked"), "{err}");
        // The hook is restored: no panic is pending, generation still works.
        assert!(caught("client", || Ok(1)).is_ok());
    }
}
