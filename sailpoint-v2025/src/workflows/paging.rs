//! Offset paging of ISC's list operations as one lazy stream of items.
//!
//! A page is requested only when the consumer has taken every item of the previous one, so at
//! most one page is held at a time and a stream dropped early requests nothing more. The first
//! request asks for the total (`count=true`, answered in `X-Total-Count`); later ones do not,
//! because counting is costly for the server.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use futures::Stream;
use futures::stream::{self, BoxStream, StreamExt};

use crate::Error;

/// The largest `limit` ISC accepts for one page of a list operation (also the default page
/// size of [`PagedStream`]s).
pub const MAX_PAGE_LIMIT: u32 = 250;

/// What to ask for in one page request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageQuery {
    /// The offset of the page's first item.
    pub(crate) offset: u64,
    /// The page size asked for (1..=[`MAX_PAGE_LIMIT`]).
    pub(crate) limit: u32,
    /// Whether to ask for the total (`count=true`): on the first page only.
    pub(crate) count: bool,
}

/// One page as the server answered it.
#[derive(Debug)]
pub(crate) struct Page<T> {
    pub(crate) items: Vec<T>,
    /// `X-Total-Count`, when the request asked for it and the server sent a valid one.
    pub(crate) total: Option<u64>,
}

/// Every item of a list operation, page after page, as a [`Stream`]; created by
/// [`ListAccountsRequest::stream`](crate::ListAccountsRequest::stream) and
/// [`ListMachineAccountsRequest::stream`](crate::ListMachineAccountsRequest::stream).
///
/// * **Lazy:** a page is requested only when the consumer has taken every item of the previous
///   one; at most one page is held in memory; a stream dropped early requests nothing more.
/// * **Through the client:** every page request goes through the client's rate limit,
///   authentication and retries (a read: retried on every retryable failure), and each is
///   bounded by [`RetryConfig::deadline`](crate::RetryConfig::deadline) on its own.
/// * **Ends** after a page shorter than the limit, or once as many items as the total the
///   server reported have been yielded. After an error the stream ends: the error is its last
///   item (a page that is not a JSON array is [`Error::InvalidBody`], one longer than the limit
///   [`Error::PageTooLong`], a page starting with the same item as any page before it
///   [`Error::PageRepeated`]: a server ignoring `offset`, or cycling through pages, cannot make
///   it loop; a rejected filter
///   [`Error::FilterRejected`]).
/// * **Progress:** [`total`](Self::total) is the total the server reported for the first page
///   (`X-Total-Count` of a `count=true` request; asked once, not per page).
///
/// **What offset paging cannot promise.** Each page is a separate query of the live data at the
/// time it is requested. If accounts are created, deleted, or change so that they start or stop
/// matching the filter while the stream runs, items after that point shift: an item can be
/// skipped (an earlier one disappeared) or yielded twice (one appeared before it), and the total
/// is the count at the first page. Sorting by an immutable key (`id`, the default) keeps
/// unchanged data in a stable order, but cannot prevent this; for an exact snapshot, filter on
/// something that does not change during the run (e.g. `created lt ...`), or de-duplicate by id.
///
/// ```no_run
/// use futures::TryStreamExt;
///
/// # #[tokio::main]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let client = sailpoint_v2025::Client::from_env()?;
/// let mut accounts = client.list_accounts().filters(r#"name sw "svc-""#).stream();
/// let mut seen = 0u64;
/// while let Some(account) = accounts.try_next().await? {
///     seen += 1;
///     if let Some(total) = accounts.total() {
///         eprintln!("{seen}/{total}: {:?}", account.name);
///     }
/// }
/// # Ok(()) }
/// ```
#[must_use = "streams do nothing unless polled"]
pub struct PagedStream<T> {
    items: BoxStream<'static, Result<T, Error>>,
    total: Arc<OnceLock<u64>>,
}

impl<T> PagedStream<T> {
    /// The total number of items the server reported (`X-Total-Count`) with the first page;
    /// `None` before the first page has arrived, or when the server sent none.
    pub fn total(&self) -> Option<u64> {
        self.total.get().copied()
    }
}

impl<T> fmt::Debug for PagedStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PagedStream")
            .field("total", &self.total())
            .finish_non_exhaustive()
    }
}

impl<T> Stream for PagedStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.items.poll_next_unpin(cx)
    }
}

/// The stream's state between items.
struct Cursor<T, F> {
    fetch: F,
    limit: u32,
    /// The offset of the next page.
    next_offset: u64,
    first: bool,
    done: bool,
    /// The rest of the current page.
    page: std::vec::IntoIter<T>,
    /// The keys of every page's first item so far: a page starting with one of them is a page
    /// the server answered before (one key per page: 400 for 100,000 items).
    first_keys: HashSet<String>,
    key: fn(&T) -> Option<&str>,
    total: Arc<OnceLock<u64>>,
}

/// A [`PagedStream`] starting at `start`, `limit` items a page (an invalid setting, found
/// before anything is sent, is yielded as the only item). `fetch` requests one page; `key`
/// identifies an item (its id), to notice a server that answers the same page again.
pub(crate) fn paged<T, F, Fut>(
    settings: Result<(u64, u32), Error>,
    key: fn(&T) -> Option<&str>,
    fetch: F,
) -> PagedStream<T>
where
    T: Send + 'static,
    F: FnMut(PageQuery) -> Fut + Send + 'static,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'static,
{
    let total = Arc::new(OnceLock::new());
    let (start, limit) = match settings {
        Ok(settings) => settings,
        Err(error) => {
            return PagedStream {
                items: stream::once(async move { Err(error) }).boxed(),
                total,
            };
        }
    };
    let cursor = Cursor {
        fetch,
        limit,
        next_offset: start,
        first: true,
        done: false,
        page: Vec::new().into_iter(),
        first_keys: HashSet::new(),
        key,
        total: Arc::clone(&total),
    };
    let items = stream::unfold(cursor, |mut cursor| async move {
        loop {
            if let Some(item) = cursor.page.next() {
                return Some((Ok(item), cursor));
            }
            if cursor.done {
                return None;
            }
            // From here on an error ends the stream: it is yielded once, then `None`.
            cursor.done = true;
            let query = PageQuery {
                offset: cursor.next_offset,
                limit: cursor.limit,
                count: cursor.first,
            };
            let page = match (cursor.fetch)(query).await {
                Ok(page) => page,
                Err(error) => return Some((Err(error), cursor)),
            };
            if let Err(error) = check_length(&page, query) {
                return Some((Err(error), cursor));
            }
            if let Some(first) = page.items.first().and_then(cursor.key)
                && !cursor.first_keys.insert(first.to_owned())
            {
                // The same page again (a server ignoring `offset`), or pages in a cycle.
                let id = first.to_owned();
                return Some((
                    Err(Error::PageRepeated {
                        offset: query.offset,
                        id,
                    }),
                    cursor,
                ));
            }
            if cursor.first
                && let Some(total) = page.total
            {
                let _ = cursor.total.set(total);
            }
            cursor.first = false;
            let received = page.items.len();
            cursor.next_offset = query.offset + received as u64;
            let short = received < query.limit as usize;
            // A full page that reaches the reported total is the last one: no empty page is
            // requested to find that out. (Without a total, only a short page ends the run.)
            let reached_total = cursor
                .total
                .get()
                .is_some_and(|&total| cursor.next_offset >= total);
            cursor.done = short || reached_total;
            cursor.page = page.items.into_iter();
        }
    });
    PagedStream {
        // Fused: a consumer that polls again after the end (a `chain` after the first page,
        // a `select`) gets `None` again, never a panic.
        items: items.fuse().boxed(),
        total,
    }
}

/// A page longer than the limit asked for is an error: the server ignores paging.
pub(crate) fn check_length<T>(page: &Page<T>, query: PageQuery) -> Result<(), Error> {
    if page.items.len() > query.limit as usize {
        return Err(Error::PageTooLong {
            offset: query.offset,
            limit: query.limit,
            received: page.items.len(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// A fetch over `n` numbered items that records every query.
    fn numbers(
        n: u64,
        report_total: bool,
        log: Arc<Mutex<Vec<PageQuery>>>,
    ) -> impl FnMut(PageQuery) -> futures::future::Ready<Result<Page<u64>, Error>> + Send + 'static
    {
        move |query| {
            log.lock().unwrap().push(query);
            let end = (query.offset + u64::from(query.limit)).min(n);
            let items = (query.offset.min(n)..end).collect();
            futures::future::ready(Ok(Page {
                items,
                total: (report_total && query.count).then_some(n),
            }))
        }
    }

    fn no_key(_: &u64) -> Option<&str> {
        None
    }

    fn block<F: Future>(future: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(future)
    }

    #[test]
    fn every_item_once_in_the_fewest_pages() {
        for (n, report_total, pages) in [
            (1234, true, 5),
            (1234, false, 5),
            (1250, true, 5),
            (1250, false, 6),
            (0, true, 1),
            (7, true, 1),
        ] {
            let log = Arc::new(Mutex::new(Vec::new()));
            let stream = paged(
                Ok((0, 250)),
                no_key,
                numbers(n, report_total, Arc::clone(&log)),
            );
            let items: Vec<u64> = block(stream.map(Result::unwrap).collect());
            assert_eq!(items, (0..n).collect::<Vec<_>>(), "n={n}");
            let log = log.lock().unwrap();
            assert_eq!(log.len(), pages, "n={n} total={report_total}: {log:?}");
            assert!(log[0].count && log[1..].iter().all(|q| !q.count));
        }
    }

    #[test]
    fn polling_after_the_end_yields_none_again() {
        for n in [0, 7] {
            let log = Arc::new(Mutex::new(Vec::new()));
            let mut stream = paged(Ok((0, 250)), no_key, numbers(n, true, Arc::clone(&log)));
            let tail = block(async {
                while stream.next().await.is_some() {}
                (stream.next().await.is_none(), stream.next().await.is_none())
            });
            assert_eq!(tail, (true, true), "n={n}");
            assert_eq!(
                log.lock().unwrap().len(),
                1,
                "no request after the end (n={n})"
            );
        }
    }

    #[test]
    fn nothing_is_requested_before_the_consumer_reaches_a_page() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut stream = paged(Ok((10, 3)), no_key, numbers(100, true, Arc::clone(&log)));
        assert!(log.lock().unwrap().is_empty());
        let first: Vec<u64> = block(async {
            let mut taken = Vec::new();
            for _ in 0..4 {
                taken.push(stream.next().await.unwrap().unwrap());
            }
            taken
        });
        assert_eq!(first, [10, 11, 12, 13]);
        assert_eq!(stream.total(), Some(100));
        assert_eq!(log.lock().unwrap().len(), 2);
        drop(stream);
        assert_eq!(log.lock().unwrap().len(), 2);
    }

    #[test]
    fn a_long_page_is_an_error_that_ends_the_stream() {
        let calls = Arc::new(Mutex::new(0));
        let counted = Arc::clone(&calls);
        let stream = paged(Ok((0, 2)), no_key, move |query: PageQuery| {
            *counted.lock().unwrap() += 1;
            futures::future::ready(Ok(Page {
                items: vec![query.offset; 3],
                total: None,
            }))
        });
        let items: Vec<Result<u64, Error>> = block(stream.collect());
        assert_eq!(items.len(), 1);
        assert!(matches!(
            items[0],
            Err(Error::PageTooLong {
                offset: 0,
                limit: 2,
                received: 3
            })
        ));
        assert_eq!(*calls.lock().unwrap(), 1);
    }

    #[test]
    fn a_repeated_page_is_an_error_that_ends_the_stream() {
        fn key(item: &u64) -> Option<&str> {
            Some(if *item == 7 { "seven" } else { "other" })
        }
        let calls = Arc::new(Mutex::new(0));
        let counted = Arc::clone(&calls);
        let stream = paged(Ok((0, 2)), key, move |_: PageQuery| {
            *counted.lock().unwrap() += 1;
            futures::future::ready(Ok(Page {
                items: vec![7, 8],
                total: None,
            }))
        });
        let items: Vec<Result<u64, Error>> = block(stream.collect());
        assert_eq!(items.len(), 3);
        assert!(matches!(
            &items[2],
            Err(Error::PageRepeated { offset: 2, id }) if id == "seven"
        ));
        assert_eq!(*calls.lock().unwrap(), 2);
    }

    #[test]
    fn pages_in_a_cycle_are_an_error_that_ends_the_stream() {
        fn key(item: &u64) -> Option<&str> {
            ["zero", "one", "two", "three"].get(*item as usize).copied()
        }
        // Pages [0, 1], [2, 3], then [0, 1] again: never the same page twice in a row.
        let stream = paged(Ok((0, 2)), key, move |query: PageQuery| {
            let start = query.offset % 4;
            futures::future::ready(Ok(Page {
                items: vec![start, start + 1],
                total: None,
            }))
        });
        let items: Vec<Result<u64, Error>> = block(stream.collect());
        assert_eq!(items.len(), 5, "{items:?}");
        assert!(matches!(
            &items[4],
            Err(Error::PageRepeated { offset: 4, id }) if id == "zero"
        ));
    }

    #[test]
    fn an_invalid_setting_is_the_only_item() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let stream = paged(
            Err(Error::invalid_input("limit", "0 is not in 1..=250")),
            no_key,
            numbers(5, true, Arc::clone(&log)),
        );
        let items: Vec<Result<u64, Error>> = block(stream.collect());
        assert!(matches!(
            items.as_slice(),
            [Err(Error::InvalidInput { what: "limit", .. })]
        ));
        assert!(log.lock().unwrap().is_empty());
    }
}
