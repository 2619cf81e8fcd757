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

use crate::{Client, Error, SourceClassificationStatus, SourceJobStatus};

/// The default time between two status requests.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_secs(2);

/// A source classification in progress, created by [`Client::classify_source`]: a
/// [`Stream`](https://docs.rs/futures-util/0.3/futures_util/stream/trait.Stream.html) of status snapshots.
///
/// When first polled it starts the job (`POST /v2025/sources/{sourceId}/classify`), then asks
/// for its status (`GET`) every [`poll_interval`](Self::poll_interval) and yields each answer,
/// while the status is one of the documented in-progress ones, `STARTED` and `COLLECTED`. The
/// first snapshot with any other status (`COMPLETED`, `CANCELLED`, `TERMINATED`, a status
/// SailPoint adds later, or none) is the last item: see [`SourceJobStatus`].
/// Every request goes through the client's rate limit, authentication and retries, so polling
/// never exceeds the client's [`RateLimit`](crate::RateLimit). An error (after the retries the
/// operation allows) is yielded as the last item.
///
/// Nothing happens while the stream is not polled, and **dropping it does not stop the job on
/// the server**: cancel explicitly with a [`ClassifySourceCancel`] handle from
/// [`cancel_handle`](Self::cancel_handle), and keep polling to see the `CANCELLED` snapshot
/// (the next poll comes at once, later ones keep the interval). A stream cancelled before its
/// first poll never starts a job: it ends without a request.
///
/// ```no_run
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let client = sailpoint_v2025::Client::from_env()?;
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
    /// Set when `cancel()` is called, before its `DELETE`: no job is started after that.
    requested: AtomicBool,
    /// Wakes the stream's wait between two polls once per cancel, so the `CANCELLED` status
    /// shows at once (a stored permit when the stream is not waiting: its next wait is short).
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
                            if cancel.requested.load(Ordering::Acquire) {
                                // Cancelled before the first poll: never start a job.
                                return None;
                            }
                            if let Err(error) = client
                                .send_classify_machine_account_from_source(source_id.as_str())
                                .await
                            {
                                return Some((Err(error), Step::Done));
                            }
                            if cancel.requested.load(Ordering::Acquire) {
                                // A cancel during the POST: its DELETE may have reached the
                                // server before the job existed, so cancel the job now.
                                if let Err(error) = client
                                    .delete_classify_machine_account_from_source(source_id.as_str())
                                    .await
                                {
                                    return Some((Err(error), Step::Done));
                                }
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
            // Only the documented in-progress statuses continue: a status SailPoint adds later
            // must not make the stream poll forever.
            let running = SourceJobStatus::of(&status).is_some_and(|s| s.is_in_progress());
            (Ok(status), if running { Step::Poll } else { Step::Done })
        }
        Err(error) => (Err(error), Step::Done),
    }
}

/// Sleeps `interval`, or less once after a cancel (then the interval again: a job that takes
/// its time to show `CANCELLED` is not polled as fast as the rate limit allows).
async fn wait(interval: Duration, cancel: &CancelState) {
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
    /// From the moment it is called, the stream starts no job: cancelled before its first
    /// poll, the stream ends without sending anything (not even when the `DELETE` fails).
    ///
    /// # Errors
    ///
    /// The typed error of the `DELETE` (a running stream then keeps polling as before).
    pub async fn cancel(&self) -> Result<(), Error> {
        self.state.requested.store(true, Ordering::Release);
        self.client
            .delete_classify_machine_account_from_source(self.source_id.as_str())
            .await?;
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
