//! A 404 is its own error kind on every operation, whether or not SailPoint's spec lists a
//! 404 for it: `Error::NotFound`, `kind() == "not_found"`, a message that says
//! "404 Not Found" once (SailPoint's detailCode `404 Not found` is not repeated), and never
//! retried.

mod common;

use std::future::Future;

use common::hostile::{Hostile, reply};
use sailpoint_v2025::{Client, Error, ErrorKind, MachineClassificationConfig};

/// Every operation of the facade, called for `id` (an account id or a source id), as
/// `(operationId, error)`.
async fn every_operation(client: &Client, id: &str) -> Vec<(&'static str, Error)> {
    async fn err<T: std::fmt::Debug>(
        name: &'static str,
        call: impl Future<Output = Result<T, Error>>,
    ) -> (&'static str, Error) {
        (name, call.await.expect_err(name))
    }
    vec![
        err(
            "sendClassifyMachineAccount",
            client.send_classify_machine_account(id).into_future_boxed(),
        )
        .await,
        err(
            "sendClassifyMachineAccountFromSource",
            client
                .send_classify_machine_account_from_source(id)
                .into_future_boxed(),
        )
        .await,
        err(
            "getClassifyMachineAccountFromSourceStatus",
            client
                .get_classify_machine_account_from_source_status(id)
                .into_future_boxed(),
        )
        .await,
        err(
            "deleteClassifyMachineAccountFromSource",
            client
                .delete_classify_machine_account_from_source(id)
                .into_future_boxed(),
        )
        .await,
        err(
            "getMachineClassificationConfig",
            client
                .get_machine_classification_config(id)
                .into_future_boxed(),
        )
        .await,
        err(
            "setMachineClassificationConfig",
            client
                .set_machine_classification_config(id, MachineClassificationConfig::default())
                .into_future_boxed(),
        )
        .await,
        err(
            "deleteMachineClassificationConfig",
            client
                .delete_machine_classification_config(id)
                .into_future_boxed(),
        )
        .await,
    ]
}

/// `IntoFuture` as a method, so that the seven request types fit one helper.
trait IntoFutureBoxed: std::future::IntoFuture + Sized {
    fn into_future_boxed(self) -> Self::IntoFuture {
        std::future::IntoFuture::into_future(self)
    }
}

impl<T: std::future::IntoFuture> IntoFutureBoxed for T {}

fn assert_not_found(operation: &str, err: &Error) {
    assert!(
        matches!(err, Error::NotFound { .. }),
        "{operation}: {err:?}"
    );
    assert_eq!(err.kind(), "not_found", "{operation}");
    assert_eq!(err.error_kind(), ErrorKind::NotFound, "{operation}");
    assert_eq!(err.status().map(|s| s.as_u16()), Some(404), "{operation}");
    assert!(!err.is_retryable(), "{operation}");
    let shown = err.to_string();
    assert_eq!(
        shown.to_lowercase().matches("404 not found").count(),
        1,
        "{operation}: {shown}"
    );
}

#[tokio::test]
async fn unknown_ids_are_not_found_on_every_operation_of_the_emulator() {
    let emu = common::emulator().await;
    let client = common::client(&emu);
    let errors = every_operation(&client, "no-such-id-0000").await;
    assert_eq!(errors.len(), 7);
    for (operation, err) in &errors {
        assert_not_found(operation, err);
        // SailPoint's body is kept, and its message shown.
        let body = err.error_response().expect("an ErrorResponseDto");
        assert_eq!(
            body.detail_code.as_deref(),
            Some("404 Not found"),
            "{operation}"
        );
        assert!(err.tracking_id().is_some(), "{operation}");
    }
    let (_, classify) = &errors[0];
    assert!(
        classify.to_string().starts_with("404 Not Found: "),
        "{classify}"
    );
}

#[tokio::test]
async fn any_404_body_is_not_found_and_never_retried() {
    for body in [
        "<html><body>Not Found</body></html>",
        "",
        r#"{"teapot":true}"#,
    ] {
        let server = Hostile::start(move |seen, _| {
            if seen.is_token() {
                common::hostile::token("tok", "749")
            } else {
                reply(404, &[("content-type", "text/html")], body)
            }
        })
        .await;
        let client = common::isolated_builder()
            .base_url(server.base_url())
            .client_credentials("id", "secret")
            .retry(common::fast_retry(4))
            .build()
            .expect("client");
        let errors = every_operation(&client, "2c9180835d2e5168015d32f890ca1581").await;
        for (operation, err) in &errors {
            assert_not_found(operation, err);
            assert!(err.error_response().is_none(), "{operation}: {err:?}");
        }
        assert_eq!(
            server.api_requests().len(),
            7,
            "one request per operation, no retry: {body:?}"
        );
    }
}
