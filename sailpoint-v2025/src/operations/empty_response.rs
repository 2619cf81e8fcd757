//! Operations whose success has no body (`204 No Content` documented): any 2xx is success.

use progenitor_client::ResponseValue;

use crate::runtime::response::GeneratedResult;

/// The generated call's result with any 2xx as success: the generated client accepts only the
/// documented `204`, but a `200` (with or without a body) or a `202` says the same, and
/// reporting it as an error would make a caller retry or give up on work that was done.
// The generated client's own result type, passed through unchanged (not ours to box).
#[allow(clippy::result_large_err)]
pub(crate) fn accept_any_success(result: GeneratedResult<()>) -> GeneratedResult<()> {
    match result {
        Err(progenitor_client::Error::UnexpectedResponse(response))
            if response.status().is_success() =>
        {
            // The body, if any, is not read: dropping the response closes it.
            Ok(ResponseValue::new(
                (),
                response.status(),
                response.headers().clone(),
            ))
        }
        other => other,
    }
}
