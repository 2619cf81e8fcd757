//! The classify example's signals: the first SIGINT or SIGTERM stops the run gracefully
//! (`GracefulStop::stop`: no new ids, calls in flight get the grace period), a second one stops
//! it at once. The exit code is then 128 + the signal's number (130, 143).

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, Ordering};

use sailpoint_v2025::GracefulStop;

/// SIGINT's number (Ctrl-C).
pub const SIGINT: i32 = 2;
/// SIGTERM's number (`kill`, a service manager stopping the process).
pub const SIGTERM: i32 = 15;

/// Which signal stopped the run, if any.
#[derive(Debug, Clone, Default)]
pub struct Received(Arc<AtomicI32>);

impl Received {
    /// The first signal received (its number), if any.
    pub fn signal(&self) -> Option<i32> {
        match self.0.load(Ordering::Acquire) {
            0 => None,
            n => Some(n),
        }
    }
}

pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}

/// Starts listening: the returned value says which signal arrived first. (What the run does
/// about it is said by the code that stops, which knows whether a progress bar must step
/// aside for the message.)
pub fn listen(stop: GracefulStop) -> std::io::Result<Received> {
    let received = Received::default();
    let first = received.clone();
    let mut signals = Signals::new()?;
    tokio::spawn(async move {
        loop {
            let signal = signals.next().await;
            if first
                .0
                .compare_exchange(0, signal, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                stop.stop();
            } else {
                stop.stop_now();
            }
        }
    });
    Ok(received)
}

#[cfg(unix)]
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

#[cfg(unix)]
impl Signals {
    fn new() -> std::io::Result<Self> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> i32 {
        let interrupt = self.interrupt.recv();
        let terminate = self.terminate.recv();
        futures::pin_mut!(interrupt, terminate);
        match futures::future::select(interrupt, terminate).await {
            futures::future::Either::Left(_) => SIGINT,
            futures::future::Either::Right(_) => SIGTERM,
        }
    }
}

#[cfg(not(unix))]
struct Signals;

#[cfg(not(unix))]
impl Signals {
    fn new() -> std::io::Result<Self> {
        Ok(Self)
    }

    async fn next(&mut self) -> i32 {
        let _ = tokio::signal::ctrl_c().await;
        SIGINT
    }
}
