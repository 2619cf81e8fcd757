//! What the six source operations share: the request builder shape
//! (an owned, `Send + 'static` value that is awaited directly, like
//! [`ClassifyRequest`](crate::ClassifyRequest)).

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
