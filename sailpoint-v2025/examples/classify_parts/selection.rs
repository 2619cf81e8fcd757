//! The classify example's selection modes: `--filter EXPR` classifies the accounts that
//! `listAccounts` selects (streamed page by page as the classification reaches them; the total
//! the server reports feeds the progress bar), and `--declassify-source ID` undoes a source's
//! classification. (A module of `examples/classify.rs`.)

use std::io::Write;
use std::sync::{Arc, Mutex};

use futures::{Stream, StreamExt, TryStreamExt, stream};
use sailpoint_v2025::{Client, Error};

/// The ids of the accounts `filter` selects, as a lazy stream, and the total the server
/// reported. The first page is fetched here, so that a rejected filter (or any other failure of
/// the first request) stops the run before anything is classified, and so that the total is
/// known for the progress bar. A later page's failure ends the ids and is left in `failure`.
pub async fn ids_by_filter(
    client: &Client,
    filter: &str,
    failure: Arc<Mutex<Option<String>>>,
) -> Result<(impl Stream<Item = String> + Send + 'static, Option<u64>), String> {
    let mut accounts = client.list_accounts().filters(filter).stream();
    let first = accounts
        .try_next()
        .await
        .map_err(|e| selection_failed(filter, &e))?;
    let total = accounts.total();
    let _ = writeln!(
        std::io::stderr(),
        "Selected by --filter {filter:?}: {} accounts (classifying them as their pages arrive)",
        total.map_or_else(|| "an unreported number of".to_owned(), |n| n.to_string())
    );
    let filter = filter.to_owned();
    // The stream ends after an error; the error is kept for the run's exit status.
    let rest = accounts.scan((), move |(), item| {
        futures::future::ready(match item {
            Ok(account) => Some(account),
            Err(error) => {
                if let Ok(mut slot) = failure.lock() {
                    slot.get_or_insert(selection_failed(&filter, &error));
                }
                None
            }
        })
    });
    let ids = stream::iter(first)
        .chain(rest)
        // An account without an id cannot be classified; ISC always sends one.
        .filter_map(|account| futures::future::ready(account.id));
    Ok((ids, total))
}

fn selection_failed(filter: &str, error: &Error) -> String {
    let mut message = format!("selecting accounts with --filter {filter:?} failed: {error}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(&format!(": {cause}"));
        source = cause.source();
    }
    message
}

/// `--declassify-source ID`: one request, then what was done (on stdout: it is the result).
pub async fn declassify_source(client: &Client, source_id: &str) -> Result<(), String> {
    client
        .send_declassify_machine_account_from_source(source_id)
        .await
        .map_err(|e| format!("declassifying source {source_id} failed: {e}"))?;
    println!("source {source_id}: machine classification removed from its accounts");
    Ok(())
}
