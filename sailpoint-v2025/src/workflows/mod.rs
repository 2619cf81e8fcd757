//! Workflows built from several calls: bulk classification of many accounts and a source's
//! server-side classification job.

pub(crate) mod bulk;
pub(crate) mod classify_source;
pub(crate) mod paging;
