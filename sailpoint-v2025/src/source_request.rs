//! What the six source operations share: the source id check and the request builder shape
//! (an owned, `Send + 'static` value that is awaited directly, like
//! [`ClassifyRequest`](crate::ClassifyRequest)).

use crate::Error;

/// The value of `X-SailPoint-Experimental` that opts in to the experimental source endpoints.
pub(crate) const EXPERIMENTAL_OPT_IN: &str = "true";

/// Rejects source ids that cannot be sent as one path segment, before any request is made.
/// Everything else is percent-encoded by the generated client.
pub(crate) fn validate_source_id(id: &str) -> Result<(), Error> {
    let invalid = |problem: &str| Error::InvalidInput {
        what: "source id",
        problem: problem.to_string(),
    };
    if id.trim().is_empty() {
        return Err(invalid("is empty or whitespace"));
    }
    // `.`/`..` are relative path segments and `\` is a separator to URL parsers: such an id
    // would change the path instead of naming a source.
    if id == "." || id == ".." {
        return Err(invalid("`.` and `..` are not source ids"));
    }
    if id.contains('\\') {
        return Err(invalid(
            "contains `\\`, which URLs treat as a path separator",
        ));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid("contains control characters"));
    }
    Ok(())
}

/// Defines a request builder for one source operation: the struct (owning a `Client` clone,
/// the source id and any extra fields), `source_id()`, `send()` delegating to a `Client`
/// method, and `IntoFuture`.
macro_rules! source_request {
    (
        $(#[$doc:meta])*
        $name:ident -> $output:ty,
        via $method:ident
        $(, $field:ident : $field_ty:ty)*
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct $name {
            client: $crate::Client,
            source_id: String,
            $($field: $field_ty,)*
        }

        impl $name {
            pub(crate) fn new(
                client: $crate::Client,
                source_id: String
                $(, $field: $field_ty)*
            ) -> Self {
                Self { client, source_id $(, $field)* }
            }

            /// The source id this request is about.
            pub fn source_id(&self) -> &str {
                &self.source_id
            }

            /// Sends the request through the client's rate limit, authentication and retry
            /// policy (see the `Client` method that created it for what is retried).
            ///
            /// # Errors
            ///
            /// [`Error::InvalidInput`](crate::Error::InvalidInput) for a source id that is not
            /// one path segment (before any request), otherwise the typed error of the last
            /// attempt (e.g. a 404 for an unknown source).
            pub async fn send(self) -> Result<$output, $crate::Error> {
                self.client.$method(self.source_id $(, self.$field)*).await
            }
        }

        impl ::std::future::IntoFuture for $name {
            type Output = Result<$output, $crate::Error>;
            type IntoFuture = ::std::pin::Pin<
                Box<dyn ::std::future::Future<Output = Self::Output> + Send + 'static>,
            >;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

pub(crate) use source_request;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_ids_that_would_change_the_path_are_rejected() {
        for bad in ["", " ", ".", "..", "a\\b", "a\nb"] {
            assert!(
                matches!(validate_source_id(bad), Err(Error::InvalidInput { .. })),
                "{bad:?}"
            );
        }
        for fine in ["2c9180835d2e5168015d32f890ca1581", "a/b", "a?b#c", "ü"] {
            assert!(validate_source_id(fine).is_ok(), "{fine:?}");
        }
    }
}
