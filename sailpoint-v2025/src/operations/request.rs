//! The one shape of every operation's request builder: an owned, `Send + 'static` value made by
//! the `Client` method named after the operationId, holding the client (a cheap clone), the id
//! in the path and any other argument; setters for optional arguments; `send()`, which runs the
//! operation through the runtime's execution path; and `IntoFuture`, so it is awaited directly.

/// Defines an operation's request builder: the struct, its constructor, the accessor of the id
/// in the path, and `IntoFuture` (calling the `send()` each operation writes next to it).
macro_rules! operation_request {
    (
        $(#[$doc:meta])*
        $name:ident -> $output:ty,
        $(#[$id_doc:meta])*
        $id:ident
        $(, $field:ident : $field_ty:ty)*
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone)]
        #[must_use = "a request does nothing until it is awaited"]
        pub struct $name {
            client: $crate::Client,
            $id: String,
            $($field: $field_ty,)*
        }

        impl $name {
            pub(crate) fn new(
                client: $crate::Client,
                $id: String
                $(, $field: $field_ty)*
            ) -> Self {
                Self { client, $id $(, $field)* }
            }

            $(#[$id_doc])*
            pub fn $id(&self) -> &str {
                &self.$id
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

pub(crate) use operation_request;
