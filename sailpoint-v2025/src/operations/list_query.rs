//! The collection parameters the list operations share (`filters`, `sorters`, `limit`,
//! `offset`), how they are checked before anything is sent, and how a page's answer is read.

use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;

use crate::Error;
use crate::runtime::response::GeneratedResult;
use crate::workflows::paging::{MAX_PAGE_LIMIT, Page, PageQuery, check_length};

/// The sort order sent when the caller gives none: by id, which never changes, so that pages
/// of unchanged data neither overlap nor leave gaps.
pub(crate) const DEFAULT_SORTERS: &str = "id";

/// `filters`, `sorters`, `limit` and `offset` as the caller set them.
#[derive(Debug, Clone, Default)]
pub(crate) struct ListQuery {
    pub(crate) filters: Option<String>,
    pub(crate) sorters: Option<String>,
    pub(crate) limit: Option<u32>,
    pub(crate) offset: Option<u32>,
}

impl ListQuery {
    /// The first offset and the page size, or the typed error for a limit out of range.
    pub(crate) fn start(&self) -> Result<(u64, u32), Error> {
        let limit = self.limit.unwrap_or(MAX_PAGE_LIMIT);
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(Error::invalid_input(
                "limit",
                format!("{limit} is not in 1..={MAX_PAGE_LIMIT}"),
            ));
        }
        Ok((u64::from(self.offset.unwrap_or(0)), limit))
    }

    /// The one page an awaited request asks for: its offset and size, without `count`.
    pub(crate) fn single_page(&self) -> Result<PageQuery, Error> {
        let (offset, limit) = self.start()?;
        Ok(PageQuery {
            offset,
            limit,
            count: false,
        })
    }

    /// The sorters sent: the caller's, or [`DEFAULT_SORTERS`].
    pub(crate) fn sorters(&self) -> &str {
        self.sorters.as_deref().unwrap_or(DEFAULT_SORTERS)
    }

    /// A 400 to a request with `filters` becomes [`Error::FilterRejected`], naming them.
    pub(crate) fn name_rejection(&self, error: Error) -> Error {
        match (&self.filters, &error) {
            (Some(filters), Error::BadRequest { .. }) => Error::FilterRejected {
                filters: filters.clone(),
                sorters: Some(self.sorters().to_owned()),
                rejection: Box::new(error),
            },
            _ => error,
        }
    }
}

/// The setters of the collection parameters, the same on every list request (a struct with a
/// `query: ListQuery` field): `$filters_example` is a filter of that operation, `$items` what
/// it lists. Their rustdoc is written once here.
macro_rules! list_query_setters {
    ($filters_example:literal, $items:literal) => {
        #[doc = concat!(
                    "The V3 `filters` expression, e.g. `", $filters_example, "`, sent as it is. A \
             filter the server cannot parse (or an empty one) is answered 400: \
             [`Error::FilterRejected`](crate::Error::FilterRejected)."
                )]
        pub fn filters(mut self, filters: impl Into<String>) -> Self {
            self.query.filters = Some(filters.into());
            self
        }

        /// The V3 `sorters`, e.g. `name,-created`. Without it the SDK sends `id`, so that pages
        /// come in a stable order.
        pub fn sorters(mut self, sorters: impl Into<String>) -> Self {
            self.query.sorters = Some(sorters.into());
            self
        }

        /// The page size, 1..=250 (default 250, ISC's maximum). Anything else is
        /// [`Error::InvalidInput`](crate::Error::InvalidInput) before any request is sent.
        pub fn limit(mut self, limit: u32) -> Self {
            self.query.limit = Some(limit);
            self
        }

        #[doc = concat!("Where to start (default 0): the number of matching ", $items, " to skip.")]
        pub fn offset(mut self, offset: u32) -> Self {
            self.query.offset = Some(offset);
            self
        }
    };
}
pub(crate) use list_query_setters;

/// The generated API's `offset` (an `i32`), or the typed error past `i32::MAX`.
pub(crate) fn wire_offset(offset: u64) -> Result<i32, Error> {
    i32::try_from(offset).map_err(|_| {
        Error::invalid_input(
            "offset",
            format!(
                "{offset} is past the largest offset the API takes ({})",
                i32::MAX
            ),
        )
    })
}

/// A page's items with the `X-Total-Count` header kept next to them (the execution path keeps
/// only the decoded value of a response).
// The error type is the generated client's, passed through unchanged.
#[allow(clippy::result_large_err)]
pub(crate) fn with_total<T: std::fmt::Debug>(
    result: GeneratedResult<Vec<T>>,
) -> GeneratedResult<Page<T>> {
    result.map(|value| {
        let status = value.status();
        let total = total_count(value.headers());
        ResponseValue::new(
            Page {
                items: value.into_inner(),
                total,
            },
            status,
            HeaderMap::new(),
        )
    })
}

/// `X-Total-Count` as a number; a missing or malformed header is no total.
fn total_count(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("x-total-count")?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

/// The one-page answer: the items, or [`Error::PageTooLong`].
pub(crate) fn one_page<T>(page: Page<T>, query: PageQuery) -> Result<Vec<T>, Error> {
    check_length(&page, query)?;
    Ok(page.items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_1_to_250_are_rejected() {
        for bad in [0, 251, u32::MAX] {
            let query = ListQuery {
                limit: Some(bad),
                ..ListQuery::default()
            };
            assert!(
                matches!(
                    query.start(),
                    Err(Error::InvalidInput { what: "limit", .. })
                ),
                "{bad}"
            );
        }
        let query = ListQuery {
            limit: Some(250),
            offset: Some(7),
            ..ListQuery::default()
        };
        assert_eq!(query.start().unwrap(), (7, 250));
        assert_eq!(ListQuery::default().start().unwrap(), (0, MAX_PAGE_LIMIT));
    }

    #[test]
    fn offsets_past_i32_are_rejected() {
        assert_eq!(wire_offset(5).unwrap(), 5);
        assert!(wire_offset(i32::MAX as u64 + 1).is_err());
    }

    #[test]
    fn total_count_header() {
        let mut headers = HeaderMap::new();
        assert_eq!(total_count(&headers), None);
        headers.insert("x-total-count", " 1234 ".parse().unwrap());
        assert_eq!(total_count(&headers), Some(1234));
        headers.insert("x-total-count", "-1".parse().unwrap());
        assert_eq!(total_count(&headers), None);
    }
}
