//! `listMachineAccounts` (`GET /v2025/machine-accounts`) and `getMachineAccount`
//! (`GET /v2025/machine-accounts/{id}`): review what was classified as machine.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::operations::list_query::{
    ListQuery, list_query_setters, one_page, wire_offset, with_total,
};
use crate::operations::path_id::validate_account_id;
use crate::runtime::execute::Operation;
use crate::workflows::paging::{Page, PageQuery, PagedStream, paged};
use crate::{Client, Error, MachineAccount};

/// `GET /v2025/machine-accounts` reads: idempotent.
const LIST_MACHINE_ACCOUNTS: Operation = Operation {
    id: "listMachineAccounts",
    idempotent: true,
};

/// `GET /v2025/machine-accounts/{id}` reads: idempotent.
const GET_MACHINE_ACCOUNT: Operation = Operation {
    id: "getMachineAccount",
    idempotent: true,
};

/// A pending `GET /v2025/machine-accounts`, created by [`Client::list_machine_accounts`].
///
/// Await it for one page (`Result<Vec<MachineAccount>, Error>`), or call
/// [`stream`](Self::stream) for every machine account of every page. Nothing is sent until then. It owns a handle to the client, so
/// it, its future and its stream are `Send + 'static`.
///
/// Filters and sorters use ISC's V3 collection syntax and are sent verbatim (on every page).
/// `listMachineAccounts` filters on `id`, `uuid`, `source.id` (`eq`, `in`), `name`,
/// `nativeIdentity`, `source.name`, `description` (`eq`, `in`, `sw`), `enabled`, `locked`,
/// `hasEntitlements`, `manuallyCorrelated` (`eq`), `created` / `modified` (`eq`, `gt`, `lt`,
/// `ge`, `le`) and more (see the operation's documentation), combined with `and`, `or`, `not`.
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let client = sailpoint_v2025::Client::from_env()?;
/// let mut machines = client
///     .list_machine_accounts()
///     .filters(r#"source.id eq "2c9180835d2e5168015d32f890ca0001""#)
///     .stream();
/// while let Some(machine) = machines.try_next().await? {
///     println!("{:?} ({}) of {:?}", machine.name, machine.classification_method, machines.total());
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or streamed"]
pub struct ListMachineAccountsRequest {
    client: Client,
    query: ListQuery,
}

impl ListMachineAccountsRequest {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            query: ListQuery::default(),
        }
    }

    list_query_setters!(
        r#"source.id eq "2c91..." and name sw "svc-""#,
        "machine accounts"
    );

    /// Sends the request for one page.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a limit out of range (before any request),
    /// [`Error::FilterRejected`] when the server answers 400 to the filter,
    /// [`Error::PageTooLong`] when it answers more accounts than the limit, otherwise the typed
    /// error of the last attempt.
    pub async fn send(self) -> Result<Vec<MachineAccount>, Error> {
        let query = self.query.single_page()?;
        let page = page(&self.client, &self.query, query).await?;
        one_page(page, query)
    }

    /// Every matching machine account, page after page, as a lazy stream starting at the offset:
    /// see [`PagedStream`] for what it promises (and what offset paging cannot).
    pub fn stream(self) -> PagedStream<MachineAccount> {
        let Self { client, query } = self;
        let start = query.start();
        paged(
            start,
            |machine: &MachineAccount| machine.id.as_deref(),
            move |page_query| {
                let client = client.clone();
                let query = query.clone();
                async move { page(&client, &query, page_query).await }
            },
        )
    }
}

impl IntoFuture for ListMachineAccountsRequest {
    type Output = Result<Vec<MachineAccount>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// One page request through the execution path.
async fn page(
    client: &Client,
    query: &ListQuery,
    page: PageQuery,
) -> Result<Page<MachineAccount>, Error> {
    let offset = wire_offset(page.offset)?;
    let limit = page.limit as i32;
    let count = page.count.then_some(true);
    let filters = query.filters.as_deref();
    let sorters = query.sorters();
    client
        .execute(&LIST_MACHINE_ACCOUNTS, |generated| async move {
            with_total(
                generated
                    .list_machine_accounts(count, filters, Some(limit), Some(offset), Some(sorters))
                    .await,
            )
        })
        .await
        .map_err(|error| query.name_rejection(error))
}

impl Client {
    /// Reviews machine accounts: `GET /v2025/machine-accounts`, with `filters`, `sorters`,
    /// `limit` and `offset` set on the returned [`ListMachineAccountsRequest`]. Await it for one
    /// page, or call [`stream`](ListMachineAccountsRequest::stream) for every page.
    ///
    /// **Retries:** a read, idempotent: every page is retried on every retryable failure.
    pub fn list_machine_accounts(&self) -> ListMachineAccountsRequest {
        ListMachineAccountsRequest::new(self.clone())
    }

    /// One machine account by id: `GET /v2025/machine-accounts/{id}`. Nothing is sent until
    /// the returned future is awaited; it is `Send + 'static` (it can be spawned).
    ///
    /// **Retries:** a read, idempotent: retried on every retryable failure.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for an id that is not one path segment (before any request),
    /// otherwise the typed error of the last attempt ([`Error::NotFound`] for an account that is
    /// not a machine account).
    ///
    /// ```no_run
    /// # #[tokio::main]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let client = sailpoint_v2025::Client::from_env()?;
    /// let machine = client
    ///     .get_machine_account("2c9180857a1b4f1e017a1b5c0e3a0004")
    ///     .await?;
    /// println!("{:?} classified by {}", machine.name, machine.classification_method);
    /// # Ok(()) }
    /// ```
    pub fn get_machine_account(
        &self,
        id: impl Into<String>,
    ) -> impl Future<Output = Result<MachineAccount, Error>> + Send + 'static {
        let client = self.clone();
        let id = id.into();
        async move {
            validate_account_id(&id)?;
            let id = id.as_str();
            client
                .execute(&GET_MACHINE_ACCOUNT, |generated| async move {
                    generated.get_machine_account(id).await
                })
                .await
        }
    }
}
