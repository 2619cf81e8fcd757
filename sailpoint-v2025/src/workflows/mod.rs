//! Workflows built from several calls: bulk classification of many accounts, stopping it
//! gracefully, a journal that lets a stopped run resume, and a source's server-side
//! classification job.

pub(crate) mod bulk;
pub(crate) mod bulk_account;
pub(crate) mod classify_source;
pub(crate) mod graceful_stop;
pub(crate) mod journal;
pub(crate) mod journal_record;
pub(crate) mod paging;
