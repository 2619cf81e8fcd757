//! The source classification workflow: start SailPoint's server-side job and follow it to the
//! end as a stream of status snapshots.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::{BoxStream, Stream, StreamExt};
use tokio::sync::Notify;

use crate::{Client, Error, SourceClassificationStatus};

/// The default time between two status requests.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// The statuses after which a job does not change any more.
const FINAL_STATUSES: [&str; 3] = ["COMPLETED", "CANCELLED", "TERMINATED"];

/// A source classification in progress, created by [`Client::classify_source`]: a [`Stream`] of
/// status snapshots.
///
/// When first polled it starts the job (`POST /v2025/sources/{sourceId}/classify`), then asks
/// for its status (`GET`) every [`poll_interval`](Self::poll_interval) and yields each answer,
/// until the status is `COMPLETED`, `CANCELLED` or `TERMINATED` (that last snapshot included).
/// Every request goes through the client's rate limit, authentication and retries, so polling
/// never exceeds the client's [`RateLimit`](crate::RateLimit). An error (after the retries the
/// operation allows) is yielded as the last item.
///
/// Nothing happens while the stream is not polled, and **dropping it does not stop the job on
/// the server**: cancel explicitly with a [`ClassifySourceCancel`] handle from
/// [`cancel_handle`](Self::cancel_handle), and keep polling to see the `CANCELLED` snapshot.
///
/// ```no_run
/// # async fn run(client: sailpoint_v2025::Client) -> Result<(), sailpoint_v2025::Error> {
/// use futures::StreamExt;
///
/// let mut job = client
///     .classify_source("2c9180835d2e5168015d32f890ca0001")
///     .poll_interval(std::time::Duration::from_secs(5));
/// let cancel = job.cancel_handle();
/// tokio::spawn(async move {
///     tokio::signal::ctrl_c().await.ok();
///     let _ = cancel.cancel().await; // DELETE; the stream then ends with CANCELLED
/// });
/// while let Some(snapshot) = job.next().await {
///     let snapshot = snapshot?;
///     if let Some(counts) = &snapshot.counts {
///         println!("{:?}: {}/{}", snapshot.status, counts.completed, counts.expected);
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "a stream does nothing until polled"]
pub struct ClassifySource {
    client: Client,
    source_id: String,
    poll_interval: Duration,
    cancel: Arc<CancelState>,
    running: Option<BoxStream<'static, Result<SourceClassificationStatus, Error>>>,
}

/// What the stream and its cancel handles share.
#[derive(Debug, Default)]
struct CancelState {
    requested: AtomicBool,
    /// Wakes the stream's wait between two polls, so the `CANCELLED` status shows at once.
    wake: Notify,
}

impl fmt::Debug for ClassifySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClassifySource")
            .field("source_id", &self.source_id)
            .field("poll_interval", &self.poll_interval)
            .field("started", &self.running.is_some())
            .finish_non_exhaustive()
    }
}

impl ClassifySource {
    /// Time between two status requests (default [`DEFAULT_POLL_INTERVAL`], 2 s). Has no
    /// effect once the stream was first polled.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// The source id being classified.
    pub fn source_id(&self) -> &str {
        &self.source_id
    }

    /// A handle that cancels the job on the server (cheap to clone, `Send + 'static`).
    pub fn cancel_handle(&self) -> ClassifySourceCancel {
        ClassifySourceCancel {
            client: self.client.clone(),
            source_id: self.source_id.clone(),
            state: Arc::clone(&self.cancel),
        }
    }

    fn start(&mut self) -> &mut BoxStream<'static, Result<SourceClassificationStatus, Error>> {
        let client = self.client.clone();
        let source_id = self.source_id.clone();
        let interval = self.poll_interval;
        let cancel = Arc::clone(&self.cancel);
        self.running.get_or_insert_with(|| {
            futures::stream::unfold(Step::Start, move |step| {
                let client = client.clone();
                let source_id = source_id.clone();
                let cancel = Arc::clone(&cancel);
                async move {
                    match step {
                        Step::Done => None,
                        Step::Start => {
                            if let Err(error) = client
                                .send_classify_machine_account_from_source(source_id.as_str())
                                .await
                            {
                                return Some((Err(error), Step::Done));
                            }
                            Some(poll_once(&client, &source_id).await)
                        }
                        Step::Poll => {
                            wait(interval, &cancel).await;
                            Some(poll_once(&client, &source_id).await)
                        }
                    }
                }
            })
            .boxed()
        })
    }
}

/// Where the stream is.
enum Step {
    Start,
    Poll,
    Done,
}

async fn poll_once(
    client: &Client,
    source_id: &str,
) -> (Result<SourceClassificationStatus, Error>, Step) {
    match client
        .get_classify_machine_account_from_source_status(source_id)
        .await
    {
        Ok(status) => {
            let done = status
                .status
                .as_deref()
                .is_some_and(|s| FINAL_STATUSES.contains(&s));
            (Ok(status), if done { Step::Done } else { Step::Poll })
        }
        Err(error) => (Err(error), Step::Done),
    }
}

/// Sleeps `interval`, or less when a cancel is requested meanwhile.
async fn wait(interval: Duration, cancel: &CancelState) {
    if cancel.requested.load(Ordering::Acquire) {
        return;
    }
    let woken = cancel.wake.notified();
    let sleep = tokio::time::sleep(interval);
    futures::pin_mut!(woken, sleep);
    futures::future::select(woken, sleep).await;
}

impl Stream for ClassifySource {
    type Item = Result<SourceClassificationStatus, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // Every field is Unpin (the running stream is boxed).
        self.get_mut().start().poll_next_unpin(cx)
    }
}

/// Cancels a [`ClassifySource`] job on the server; from [`ClassifySource::cancel_handle`].
#[derive(Debug, Clone)]
pub struct ClassifySourceCancel {
    client: Client,
    source_id: String,
    state: Arc<CancelState>,
}

impl ClassifySourceCancel {
    /// Sends `DELETE /v2025/sources/{sourceId}/classify` (idempotent, retried like any
    /// idempotent call) and wakes the stream, whose next snapshot then shows `CANCELLED` and
    /// ends it. Accounts classified before the cancel keep their classification.
    ///
    /// # Errors
    ///
    /// The typed error of the `DELETE` (the stream then keeps polling as before).
    pub async fn cancel(&self) -> Result<(), Error> {
        self.client
            .delete_classify_machine_account_from_source(self.source_id.as_str())
            .await?;
        self.state.requested.store(true, Ordering::Release);
        self.state.wake.notify_one();
        Ok(())
    }
}

impl Client {
    /// Classifies every account of a source on the server and follows the job: see
    /// [`ClassifySource`]. One `POST`, then one `GET` per poll interval, instead of one request
    /// per account (100,000 accounts at ISC's 100 requests per 10 s would take 2.8 hours one by
    /// one).
    pub fn classify_source(&self, source_id: impl Into<String>) -> ClassifySource {
        ClassifySource {
            client: self.clone(),
            source_id: source_id.into(),
            poll_interval: DEFAULT_POLL_INTERVAL,
            cancel: Arc::default(),
            running: None,
        }
    }
}
