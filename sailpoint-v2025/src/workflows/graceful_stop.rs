//! Stopping a bulk run gracefully: stop feeding ids, let the calls in flight finish within a
//! grace period, then drop them.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures::stream::Stream;
use tokio::sync::Notify;
use tokio::time::Instant;

/// A switch that stops a bulk run gracefully, e.g. on Ctrl-C or `SIGTERM`.
///
/// Wrap the run's ids with [`feed`](Self::feed) and its results with [`drain`](Self::drain).
/// After [`stop`](Self::stop):
///
/// 1. the ids end: no new call starts;
/// 2. the calls already in flight go on, and their results still come out of `drain`;
/// 3. once they are all done, or the grace period has passed since `stop` (whichever comes
///    first), `drain` ends; calls still in flight are then dropped (cancelled).
///
/// [`stop_now`](Self::stop_now) skips what is left of the grace period (a second Ctrl-C).
/// The switch is cheap to clone and `Send + Sync`; `stop` may be called from any thread or
/// task. The library does not listen to signals itself (that would tie it to one runtime's
/// signal support): connect them as below. The grace period is measured with Tokio's clock,
/// so `drain` must be polled inside a Tokio runtime with its timer enabled.
///
/// Ids dropped at the end of the grace period have no result: a journal
/// ([`Journal`](crate::Journal)) records only the finished ones, so a run started again does
/// the rest.
///
/// ```no_run
/// use std::time::Duration;
///
/// use futures::StreamExt;
/// use sailpoint_v2025::{Client, GracefulStop};
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), sailpoint_v2025::Error> {
/// # let client = Client::from_env()?;
/// # let ids = vec!["2c9180857a1b4f1e017a1b5c0e3a0001".to_string()];
/// let stop = GracefulStop::new(Duration::from_secs(5));
/// tokio::spawn({
///     let stop = stop.clone();
///     async move {
///         tokio::signal::ctrl_c().await.ok();
///         stop.stop(); // no new ids; in-flight calls get 5 s
///         tokio::signal::ctrl_c().await.ok();
///         stop.stop_now(); // a second Ctrl-C: do not wait
///     }
/// });
/// let ids = stop.feed(futures::stream::iter(ids));
/// let mut results = stop.drain(client.classify_account_stream(ids));
/// while let Some((id, result)) = results.next().await {
///     println!("{id}: {:?}", result.map(|r| r.is_machine));
/// }
/// if stop.is_stopped() {
///     eprintln!("interrupted: run again to do the rest");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct GracefulStop {
    inner: Arc<Inner>,
}

struct Inner {
    grace: Duration,
    stopped: AtomicBool,
    now: AtomicBool,
    at: OnceLock<Instant>,
    changed: Notify,
}

impl fmt::Debug for GracefulStop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GracefulStop")
            .field("grace", &self.inner.grace)
            .field("stopped", &self.is_stopped())
            .finish_non_exhaustive()
    }
}

impl GracefulStop {
    /// A switch, not yet stopped, whose calls in flight get `grace` to finish after a stop.
    pub fn new(grace: Duration) -> Self {
        Self {
            inner: Arc::new(Inner {
                grace,
                stopped: AtomicBool::new(false),
                now: AtomicBool::new(false),
                at: OnceLock::new(),
                changed: Notify::new(),
            }),
        }
    }

    /// The grace period given to calls in flight.
    pub fn grace(&self) -> Duration {
        self.inner.grace
    }

    /// Stops feeding ids and starts the grace period (the first call only; later calls change
    /// nothing).
    pub fn stop(&self) {
        // The instant is set before the flag, so whoever sees the flag finds the instant.
        let _ = self.inner.at.set(Instant::now());
        self.inner.stopped.store(true, Ordering::Release);
        self.inner.changed.notify_waiters();
    }

    /// Stops at once: like [`stop`](Self::stop), and [`drain`](Self::drain) ends without
    /// waiting for the calls in flight.
    pub fn stop_now(&self) {
        self.inner.now.store(true, Ordering::Release);
        self.stop();
    }

    /// Whether [`stop`](Self::stop) or [`stop_now`](Self::stop_now) was called.
    pub fn is_stopped(&self) -> bool {
        self.inner.stopped.load(Ordering::Acquire)
    }

    /// Completes once the switch is stopped.
    pub async fn stopped(&self) {
        self.inner
            .wait_until(|i| i.stopped.load(Ordering::Acquire))
            .await;
    }

    /// `ids`, ending as soon as the switch is stopped (an id not yet taken is never taken).
    pub fn feed<S>(&self, ids: S) -> FeedUntilStop<S>
    where
        S: Stream,
    {
        let inner = Arc::clone(&self.inner);
        FeedUntilStop {
            ids: Some(Box::pin(ids)),
            stopped: Box::pin(async move {
                inner
                    .wait_until(|i| i.stopped.load(Ordering::Acquire))
                    .await;
            }),
        }
    }

    /// `results`, ending when they end or when the grace period after a stop has passed
    /// (dropping `results`, and so the calls in flight, at that moment).
    pub fn drain<S>(&self, results: S) -> DrainWithGrace<S>
    where
        S: Stream,
    {
        let inner = Arc::clone(&self.inner);
        DrainWithGrace {
            results: Some(Box::pin(results)),
            deadline: Box::pin(async move {
                inner
                    .wait_until(|i| i.stopped.load(Ordering::Acquire))
                    .await;
                let Some(at) = inner.at.get().copied() else {
                    return;
                };
                let sleep = tokio::time::sleep_until(at + inner.grace);
                let now = inner.wait_until(|i| i.now.load(Ordering::Acquire));
                futures::pin_mut!(sleep, now);
                futures::future::select(sleep, now).await;
            }),
        }
    }
}

impl Inner {
    /// Waits until `condition` holds (checked after registering for wake-ups, so a change
    /// between the check and the wait is not missed).
    async fn wait_until(&self, condition: impl Fn(&Inner) -> bool) {
        loop {
            let changed = self.changed.notified();
            futures::pin_mut!(changed);
            changed.as_mut().enable();
            if condition(self) {
                return;
            }
            changed.await;
        }
    }
}

type Waiting = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Ids that end when a [`GracefulStop`] is stopped; from [`GracefulStop::feed`].
#[must_use = "a stream does nothing until polled"]
pub struct FeedUntilStop<S> {
    ids: Option<Pin<Box<S>>>,
    stopped: Waiting,
}

impl<S> fmt::Debug for FeedUntilStop<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FeedUntilStop")
            .field("ended", &self.ids.is_none())
            .finish_non_exhaustive()
    }
}

impl<S: Stream> Stream for FeedUntilStop<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        // Both fields are boxed, so `FeedUntilStop` is `Unpin`.
        let this = &mut *self;
        if this.ids.is_some() && this.stopped.as_mut().poll(cx).is_ready() {
            this.ids = None;
        }
        let Some(ids) = this.ids.as_mut() else {
            return Poll::Ready(None);
        };
        let next = ids.as_mut().poll_next(cx);
        if let Poll::Ready(None) = next {
            this.ids = None;
        }
        next
    }
}

/// Results that end at the latest when a [`GracefulStop`]'s grace period has passed; from
/// [`GracefulStop::drain`].
#[must_use = "a stream does nothing until polled"]
pub struct DrainWithGrace<S> {
    results: Option<Pin<Box<S>>>,
    deadline: Waiting,
}

impl<S> fmt::Debug for DrainWithGrace<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DrainWithGrace")
            .field("ended", &self.results.is_none())
            .finish_non_exhaustive()
    }
}

impl<S: Stream> Stream for DrainWithGrace<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let this = &mut *self;
        if this.results.is_some() && this.deadline.as_mut().poll(cx).is_ready() {
            // Dropping the results stream cancels the calls still in flight.
            this.results = None;
        }
        let Some(results) = this.results.as_mut() else {
            return Poll::Ready(None);
        };
        let next = results.as_mut().poll_next(cx);
        if let Poll::Ready(None) = next {
            this.results = None;
        }
        next
    }
}

#[cfg(test)]
mod tests {
    use futures::StreamExt;

    use super::*;

    /// A result stream whose items take `delays` (Tokio's paused clock: no real waiting).
    fn slow_results(delays: Vec<u64>) -> impl Stream<Item = u64> {
        futures::stream::iter(delays)
            .map(|ms| async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                ms
            })
            .buffered(4)
    }

    #[tokio::test(start_paused = true)]
    async fn feed_ends_when_stopped_and_takes_no_further_id() {
        let stop = GracefulStop::new(Duration::from_secs(1));
        let taken = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = Arc::clone(&taken);
        let ids = futures::stream::iter(0..100).inspect(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let mut fed = stop.feed(ids);
        assert_eq!(fed.next().await, Some(0));
        assert_eq!(fed.next().await, Some(1));
        stop.stop();
        assert_eq!(fed.next().await, None);
        assert_eq!(fed.next().await, None);
        assert_eq!(taken.load(Ordering::Relaxed), 2);
        assert!(stop.is_stopped());
    }

    #[tokio::test(start_paused = true)]
    async fn drain_lets_calls_in_flight_finish_within_the_grace_period() {
        let stop = GracefulStop::new(Duration::from_millis(500));
        // Four in flight at once: 100 ms, 200 ms, 10 s, 300 ms.
        let mut results = stop.drain(slow_results(vec![100, 200, 10_000, 300]));
        assert_eq!(results.next().await, Some(100));
        stop.stop();
        assert_eq!(results.next().await, Some(200));
        // The 10 s call outlives the grace period: the stream ends at 100 ms + 500 ms, and the
        // 300 ms item behind it (ordered) is dropped with it.
        let started = Instant::now();
        assert_eq!(results.next().await, None);
        assert_eq!(
            Instant::now() - started,
            Duration::from_millis(400),
            "ends when the grace period is over"
        );
        assert_eq!(results.next().await, None);
    }

    #[tokio::test(start_paused = true)]
    async fn drain_ends_with_the_results_when_they_finish_early() {
        let stop = GracefulStop::new(Duration::from_secs(60));
        let mut results = stop.drain(slow_results(vec![10, 20]));
        stop.stop();
        assert_eq!(results.next().await, Some(10));
        assert_eq!(results.next().await, Some(20));
        assert_eq!(results.next().await, None);
        assert!(Instant::now().elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn stop_now_ends_the_drain_without_waiting() {
        let stop = GracefulStop::new(Duration::from_secs(3600));
        let mut results = stop.drain(slow_results(vec![10_000]));
        let switch = stop.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            switch.stop();
            tokio::time::sleep(Duration::from_millis(5)).await;
            switch.stop_now();
        });
        let started = Instant::now();
        assert_eq!(results.next().await, None);
        assert_eq!(Instant::now() - started, Duration::from_millis(10));
    }

    #[tokio::test(start_paused = true)]
    async fn stopped_completes_for_waiters_registered_before_and_after() {
        let stop = GracefulStop::new(Duration::ZERO);
        let waiter = tokio::spawn({
            let stop = stop.clone();
            async move { stop.stopped().await }
        });
        tokio::task::yield_now().await;
        stop.stop();
        waiter.await.unwrap();
        stop.stopped().await;
    }
}
