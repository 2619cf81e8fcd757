//! Classifying many accounts: a lazily-pulled, bounded-concurrency stream of results.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use futures::stream::{BoxStream, Stream, StreamExt};

use crate::{ClassificationMode, Client, Error, SendClassifyMachineAccount200Response};

/// One item of a bulk run: the account id as given, and its result.
pub type BulkItem = (String, Result<SendClassifyMachineAccount200Response, Error>);

/// Default number of calls in flight in a bulk run.
pub const DEFAULT_CONCURRENCY: usize = 16;

/// A bulk classification, created by [`Client::classify_accounts`] or
/// [`Client::classify_account_stream`]; it is a [`Stream`](https://docs.rs/futures-util/0.3/futures_util/stream/trait.Stream.html)
/// of [`BulkItem`]s.
///
/// * **Nothing is lost**: exactly one item per id given, duplicates included, whatever fails
///   (failures are `Err` items, never a short stream).
/// * **Flat memory**: ids are pulled from the input only as calls start, so at most
///   `concurrency` ids are held at a time, whatever the input's length.
/// * **Paced**: every call goes through the client's rate limit, retries and token handling;
///   a 429 pauses all workers.
/// * Items arrive as calls complete; [`ordered(true)`](Self::ordered) yields them in input order.
///
/// ```no_run
/// # async fn run(client: sailpoint_v2025::Client) {
/// use futures::StreamExt;
/// use sailpoint_v2025::ClassificationMode;
///
/// let ids = vec!["ef38f94347e94562b5bb8424a56397d8", "2c9180835d2e5168015d32f890ca1581"];
/// let mut results = client
///     .classify_accounts(ids)
///     .classification_mode(ClassificationMode::Default)
///     .concurrency(8);
/// while let Some((id, result)) = results.next().await {
///     match result {
///         Ok(r) => println!("{id}: machine={}", r.is_machine),
///         Err(err) => eprintln!("{id}: {err}"),
///     }
/// }
/// # }
/// ```
#[must_use = "a stream does nothing until polled"]
pub struct BulkClassify {
    client: Client,
    ids: Option<BoxStream<'static, String>>,
    mode: ClassificationMode,
    concurrency: usize,
    ordered: bool,
    running: Option<BoxStream<'static, BulkItem>>,
}

impl fmt::Debug for BulkClassify {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BulkClassify")
            .field("mode", &self.mode)
            .field("concurrency", &self.concurrency)
            .field("ordered", &self.ordered)
            .field("started", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl BulkClassify {
    pub(crate) fn new(client: Client, ids: BoxStream<'static, String>) -> Self {
        Self {
            client,
            ids: Some(ids),
            mode: ClassificationMode::Default,
            concurrency: DEFAULT_CONCURRENCY,
            ordered: false,
            running: None,
        }
    }

    /// The classification mode for every account (default [`ClassificationMode::Default`]).
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

    fn start(&mut self) -> Option<&mut BoxStream<'static, BulkItem>> {
        if self.running.is_none() {
            let ids = self.ids.take()?;
            let client = self.client.clone();
            let mode = self.mode;
            let calls = ids.map(move |id| {
                let client = client.clone();
                async move {
                    let result = client.classify(&id, mode).await;
                    (id, result)
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

impl Stream for BulkClassify {
    type Item = BulkItem;

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
    /// Classifies many accounts, pulling ids lazily from any iterator; see [`BulkClassify`].
    pub fn classify_accounts<I>(&self, ids: I) -> BulkClassify
    where
        I: IntoIterator,
        I::Item: Into<String> + 'static,
        I::IntoIter: Send + 'static,
    {
        let ids = futures::stream::iter(ids.into_iter().map(Into::into));
        BulkClassify::new(self.clone(), ids.boxed())
    }

    /// Classifies many accounts, pulling ids lazily from a
    /// [`Stream`](https://docs.rs/futures-util/0.3/futures_util/stream/trait.Stream.html) (e.g. lines of a file
    /// read asynchronously); see [`BulkClassify`].
    pub fn classify_account_stream<S>(&self, ids: S) -> BulkClassify
    where
        S: Stream + Send + 'static,
        S::Item: Into<String>,
    {
        BulkClassify::new(self.clone(), ids.map(Into::into).boxed())
    }
}
