//! What a bulk run needs from each of the caller's items: the account id, and optionally the
//! classification mode for that account.

use std::borrow::Cow;
use std::sync::Arc;

use crate::ClassificationMode;

/// An item of a bulk run ([`Client::classify_accounts`](crate::Client::classify_accounts)): it
/// names the account to classify and may choose its mode. The run hands each item back with
/// its result, so an item can carry whatever the caller needs afterwards (a CSV row, a line
/// number, a database key).
///
/// Implemented for ids as they come (`String`, `&str`, `&String`, `Box<str>`, `Arc<str>`,
/// `Cow<str>`, references to any item), and for `(item, ClassificationMode)` /
/// `(item, Option<ClassificationMode>)` pairs to give an id its own mode. Implement it for
/// your own row type:
///
/// ```no_run
/// use futures::StreamExt;
/// use sailpoint_v2025::{BulkAccount, ClassificationMode, Client};
///
/// struct Row {
///     line: usize,
///     id: String,
///     name: String,
/// }
///
/// impl BulkAccount for Row {
///     fn account_id(&self) -> &str {
///         &self.id
///     }
///
///     // Service accounts are machines whatever the criteria say; the others use the run's
///     // mode.
///     fn classification_mode(&self) -> Option<ClassificationMode> {
///         self.name
///             .starts_with("svc-")
///             .then_some(ClassificationMode::ForceMachine)
///     }
/// }
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), sailpoint_v2025::Error> {
/// # let client = Client::from_env()?;
/// # let rows = vec![
/// #     Row { line: 1, id: "2c9180857a1b4f1e017a1b5c0e3a0001".into(), name: "svc-backup".into() },
/// #     Row { line: 2, id: "2c9180857a1b4f1e017a1b5c0e3a0002".into(), name: "alice".into() },
/// # ];
/// let mut results = client.classify_accounts(rows);
/// while let Some((row, result)) = results.next().await {
///     match result {
///         Ok(r) => println!("line {}: {} machine={}", row.line, row.name, r.is_machine),
///         Err(err) => eprintln!("line {}: {}: {err}", row.line, row.id),
///     }
/// }
/// # Ok(()) }
/// ```
pub trait BulkAccount {
    /// The account id (`POST /v2025/accounts/{id}/classify`). Checked like every id: an
    /// invalid one gives this item an [`Error::InvalidInput`](crate::Error::InvalidInput)
    /// result without a request.
    fn account_id(&self) -> &str;

    /// The mode for this account; `None` (the default) uses the run's
    /// [`classification_mode`](crate::BulkClassify::classification_mode).
    fn classification_mode(&self) -> Option<ClassificationMode> {
        None
    }
}

impl BulkAccount for str {
    fn account_id(&self) -> &str {
        self
    }
}

impl BulkAccount for String {
    fn account_id(&self) -> &str {
        self
    }
}

impl BulkAccount for Cow<'_, str> {
    fn account_id(&self) -> &str {
        self
    }
}

impl<T: BulkAccount + ?Sized> BulkAccount for &T {
    fn account_id(&self) -> &str {
        (**self).account_id()
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        (**self).classification_mode()
    }
}

impl<T: BulkAccount + ?Sized> BulkAccount for Box<T> {
    fn account_id(&self) -> &str {
        (**self).account_id()
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        (**self).classification_mode()
    }
}

impl<T: BulkAccount + ?Sized> BulkAccount for Arc<T> {
    fn account_id(&self) -> &str {
        (**self).account_id()
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        (**self).classification_mode()
    }
}

/// An item with its own mode, e.g. `(id, ClassificationMode::ForceMachine)`.
impl<T: BulkAccount> BulkAccount for (T, ClassificationMode) {
    fn account_id(&self) -> &str {
        self.0.account_id()
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        Some(self.1)
    }
}

/// An item with its own mode, or `None` for the item's own choice (else the run's mode).
impl<T: BulkAccount> BulkAccount for (T, Option<ClassificationMode>) {
    fn account_id(&self) -> &str {
        self.0.account_id()
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        self.1.or_else(|| self.0.classification_mode())
    }
}
