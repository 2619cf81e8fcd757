//! Classifying many accounts: a lazily-pulled, bounded-concurrency stream of results, each with
//! the caller's item.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::operations::classify::send_classify_machine_account;
use crate::workflows::bulk_account::BulkAccount;
use crate::{ClassificationMode, Client, Error, SendClassifyMachineAccount200Response};

/// One result of a bulk run: the caller's item as given (by default an account id `String`),
/// and its result.
pub type BulkItem<T = String> = (T, Result<SendClassifyMachineAccount200Response, Error>);

/// Default number of calls in flight in a bulk run.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A bulk classification, created by [`Client::classify_accounts`] or
/// [`Client::classify_account_stream`]; it is a
/// [`Stream`](https://docs.rs/futures-util/0.3/futures_util/stream/trait.Stream.html) of
/// [`BulkItem`]s: each of the caller's items (any [`BulkAccount`]: an id, an `(id, mode)` pair,
/// your own row type) with its result.
///
/// * **Nothing is lost**: exactly one result per item given, duplicates included, whatever fails
///   (failures are `Err` items, never a short stream).
/// * **Flat memory**: items are pulled from the input only as calls start, so at most
///   `concurrency` items are held at a time, whatever the input's length.
/// * **A mode per item**: an item's [`BulkAccount::classification_mode`] wins over the run's
///   [`classification_mode`](Self::classification_mode).
/// * **Borrowed or owned**: items may borrow from the caller (`&ids`, `ids.iter()`); the
///   stream then lives as long as they do (`'a`). With owned items it is `'static` and can be
///   `tokio::spawn`ed.
/// * **Paced**: every call goes through the client's rate limit, retries and token handling;
///   a 429 pauses all workers.
/// * Items arrive as calls complete; [`ordered(true)`](Self::ordered) yields them in input order.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> Result<(), sailpoint_v2025::Error> {
/// # let client = sailpoint_v2025::Client::from_env()?;
/// use futures::StreamExt;
/// use sailpoint_v2025::ClassificationMode;
///
/// let ids = vec![
///     "2c9180857a1b4f1e017a1b5c0e3a0001".to_string(),
///     "2c9180857a1b4f1e017a1b5c0e3a0002".to_string(),
/// ];
/// // Borrowed: `ids` stays usable after the run.
/// let mut results = client
///     .classify_accounts(&ids)
///     .classification_mode(ClassificationMode::Default)
///     .concurrency(8);
/// while let Some((id, result)) = results.next().await {
///     match result {
///         Ok(r) => println!("{id}: machine={}", r.is_machine),
///         Err(err) => eprintln!("{id}: {err}"),
///     }
/// }
/// // A mode per id: `(id, mode)` pairs.
/// let pairs = ids.iter().map(|id| (id, ClassificationMode::ForceMachine));
/// let forced = client.classify_accounts(pairs).count().await;
/// assert_eq!(forced, ids.len());
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing until polled"]
pub struct BulkClassify<'a, T = String> {
    client: Client,
    items: Option<BoxStream<'a, T>>,
    mode: ClassificationMode,
    concurrency: usize,
    ordered: bool,
    running: Option<BoxStream<'a, BulkItem<T>>>,
}

impl<T> fmt::Debug for BulkClassify<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkClassify")
            .field("mode", &self.mode)
            .field("concurrency", &self.concurrency)
            .field("ordered", &self.ordered)
            .field("started", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl<'a, T: BulkAccount + Send + 'a> BulkClassify<'a, T> {
    pub(crate) fn new(client: Client, items: BoxStream<'a, T>) -> Self {
        Self {
            client,
            items: Some(items),
            mode: ClassificationMode::Default,
            concurrency: DEFAULT_CONCURRENCY,
            ordered: false,
            running: None,
        }
    }

    /// The classification mode for every item that does not choose its own
    /// ([`BulkAccount::classification_mode`]); default [`ClassificationMode::Default`].
    pub fn classification_mode(mut self, mode: ClassificationMode) -> Self {
        self.mode = mode;
        self
    }

    /// How many calls may be in flight at once (default 16; 0 is treated as 1). The client's
    /// rate limit still applies on top.
    pub fn concurrency(mut self, concurrency: usize) -> Self {
        self.concurrency = concurrency.max(1);
        self
    }

    /// Yield items in input order instead of completion order (default `false`). A slow call
    /// then holds back the items after it; memory stays bounded by `concurrency`.
    pub fn ordered(mut self, ordered: bool) -> Self {
        self.ordered = ordered;
        self
    }

    fn start(&mut self) -> Option<&mut BoxStream<'a, BulkItem<T>>> {
        if self.running.is_none() {
            let items = self.items.take()?;
            let client = self.client.clone();
            let run_mode = self.mode;
            let calls = items.map(move |item| {
                let client = client.clone();
                let mode = item.classification_mode().unwrap_or(run_mode);
                // An owned copy of the id: the call then holds no borrow of the item, so an
                // item needs to be `Send` only, not `Sync`.
                let id = item.account_id().to_owned();
                async move {
                    let result = send_classify_machine_account(&client, &id, mode).await;
                    (item, result)
                }
            });
            self.running = Some(if self.ordered {
                calls.buffered(self.concurrency).boxed()
            } else {
                calls.buffer_unordered(self.concurrency).boxed()
            });
        }
        self.running.as_mut()
    }
}

impl<'a, T: BulkAccount + Send + 'a> Stream for BulkClassify<'a, T> {
    type Item = BulkItem<T>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // All fields are Unpin (boxed streams), so this is safe projection-free access.
        let this = self.get_mut();
        match this.start() {
            Some(running) => running.poll_next_unpin(cx),
            None => Poll::Ready(None),
        }
    }
}

impl Client {
    /// Classifies many accounts, pulling items lazily from any iterator; see [`BulkClassify`].
    ///
    /// An item is anything that names an account ([`BulkAccount`]): ids owned or borrowed
    /// (`vec_of_strings`, `&vec_of_strings`, `["id1", "id2"]`), `(id, ClassificationMode)` pairs
    /// for a mode per id, or your own row type. Each result comes back with its item.
    pub fn classify_accounts<'a, I>(&self, items: I) -> BulkClassify<'a, I::Item>
    where
        I: IntoIterator,
        I::Item: BulkAccount + Send + 'a,
        I::IntoIter: Send + 'a,
    {
        let items = futures::stream::iter(items);
        BulkClassify::new(self.clone(), items.boxed())
    }

    /// Classifies many accounts, pulling items lazily from a
    /// [`Stream`](https://docs.rs/futures-util/0.3/futures_util/stream/trait.Stream.html) (e.g. lines
    /// of a file read asynchronously); see [`BulkClassify`] and
    /// [`classify_accounts`](Self::classify_accounts).
    pub fn classify_account_stream<'a, S>(&self, items: S) -> BulkClassify<'a, S::Item>
    where
        S: Stream + Send + 'a,
        S::Item: BulkAccount + Send + 'a,
    {
        BulkClassify::new(self.clone(), items.boxed())
    }
}
