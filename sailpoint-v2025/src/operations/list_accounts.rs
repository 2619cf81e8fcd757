//! `listAccounts` (`GET /v2025/accounts`): select accounts by filter, one page or all pages
//! as a stream.

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use crate::operations::list_query::{
    ListQuery, list_query_setters, one_page, wire_offset, with_total,
};
use crate::runtime::execute::Operation;
use crate::workflows::paging::{Page, PageQuery, PagedStream, paged};
use crate::{Account, Client, Error, ListAccountsDetailLevel};

/// `GET /v2025/accounts` reads: idempotent.
const LIST_ACCOUNTS: Operation = Operation {
    id: "listAccounts",
    idempotent: true,
};

/// A pending `GET /v2025/accounts`, created by [`Client::list_accounts`].
///
/// Await it for one page (`Result<Vec<Account>, Error>`), or call [`stream`](Self::stream) for
/// every account of every page. Nothing is sent until then. It owns a handle to the client, so
/// it, its future and its stream are `Send + 'static`.
///
/// Filters and sorters use ISC's V3 collection syntax and are sent verbatim (on every page).
/// `listAccounts` filters on `id`, `identityId`, `name`, `nativeIdentity`, `sourceId` (`eq`,
/// `in`, `sw`), `hasEntitlements`, `uncorrelated`, `entitlements`, `manuallyCorrelated`
/// (`eq`), `origin` (`eq`, `in`), `recommendation.type` / `recommendation.method` (`eq`, `in`,
/// `isnull`) and more (see the operation's documentation), combined with `and`, `or`, `not`.
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let client = sailpoint_v2025::Client::from_env()?;
/// // One page of 50:
/// let page = client
///     .list_accounts()
///     .filters(r#"name sw "svc-""#)
///     .limit(50)
///     .await?;
/// println!("{} accounts on the first page", page.len());
///
/// // Every account of a source, page by page as the loop reaches it:
/// let mut accounts = client
///     .list_accounts()
///     .filters(r#"sourceId eq "2c9180835d2e5168015d32f890ca0001""#)
///     .stream();
/// while let Some(account) = accounts.try_next().await? {
///     println!("{:?} of {:?}: {:?}", account.id, accounts.total(), account.name);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
#[must_use = "a request does nothing until it is awaited or streamed"]
pub struct ListAccountsRequest {
    client: Client,
    query: ListQuery,
    detail_level: Option<ListAccountsDetailLevel>,
}

impl ListAccountsRequest {
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client,
            query: ListQuery::default(),
            detail_level: None,
        }
    }

    list_query_setters!(r#"sourceId eq "2c91..." and name sw "svc-""#, "accounts");

    /// `SLIM` or `FULL` (the server's default) detail for each account.
    pub fn detail_level(mut self, detail_level: impl Into<ListAccountsDetailLevel>) -> Self {
        self.detail_level = Some(detail_level.into());
        self
    }

    /// Sends the request for one page.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidInput`] for a limit out of range (before any request),
    /// [`Error::FilterRejected`] when the server answers 400 to the filter,
    /// [`Error::PageTooLong`] when it answers more accounts than the limit, otherwise the typed
    /// error of the last attempt.
    pub async fn send(self) -> Result<Vec<Account>, Error> {
        let query = self.query.single_page()?;
        let page = page(&self.client, &self.query, self.detail_level, query).await?;
        one_page(page, query)
    }

    /// Every matching account, page after page, as a lazy stream starting at the offset:
    /// see [`PagedStream`] for what it promises (and what offset paging cannot).
    pub fn stream(self) -> PagedStream<Account> {
        let Self {
            client,
            query,
            detail_level,
        } = self;
        let start = query.start();
        paged(
            start,
            |account: &Account| account.id.as_deref(),
            move |page_query| {
                let client = client.clone();
                let query = query.clone();
                async move { page(&client, &query, detail_level, page_query).await }
            },
        )
    }
}

impl IntoFuture for ListAccountsRequest {
    type Output = Result<Vec<Account>, Error>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'static>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// One page request through the execution path.
async fn page(
    client: &Client,
    query: &ListQuery,
    detail_level: Option<ListAccountsDetailLevel>,
    page: PageQuery,
) -> Result<Page<Account>, Error> {
    let offset = wire_offset(page.offset)?;
    let limit = page.limit as i32;
    let count = page.count.then_some(true);
    let filters = query.filters.as_deref();
    let sorters = query.sorters();
    client
        .execute(&LIST_ACCOUNTS, |generated| async move {
            with_total(
                generated
                    .list_accounts(
                        count,
                        detail_level,
                        filters,
                        Some(limit),
                        Some(offset),
                        Some(sorters),
                    )
                    .await,
            )
        })
        .await
        .map_err(|error| query.name_rejection(error))
}

impl Client {
    /// Selects accounts: `GET /v2025/accounts`, with `filters`, `sorters`, `limit`, `offset`
    /// and `detailLevel` set on the returned [`ListAccountsRequest`]. Await it for one page, or
    /// call [`stream`](ListAccountsRequest::stream) for every page.
    ///
    /// **Retries:** a read, idempotent: every page is retried on every retryable failure.
    pub fn list_accounts(&self) -> ListAccountsRequest {
        ListAccountsRequest::new(self.clone())
    }
}
