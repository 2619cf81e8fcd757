//! Bulk runs over the caller's own items: each item names its account and may choose its mode,
//! comes back with its result (exactly one per item, invalid and duplicate ones included), may
//! be borrowed from the caller without a `'static` bound, and is pulled lazily.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use sailpoint_v2025::{BulkAccount, BulkItem, ClassificationMode, Client, Error};
use sailpoint_v2025_testkit::{Emulator, Fault, demo};

/// How long a whole bulk run may take before the test fails instead of hanging.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

async fn collect<T>(stream: impl futures::Stream<Item = BulkItem<T>>) -> Vec<BulkItem<T>> {
    tokio::time::timeout(RUN_TIMEOUT, stream.collect())
        .await
        .expect("the bulk run finishes")
}

/// The `classificationMode` the emulator received for each account id, in arrival order.
fn modes_received(emulator: &Emulator) -> BTreeMap<String, Vec<String>> {
    let mut modes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for request in emulator.requests() {
        modes
            .entry(request.account_id.clone())
            .or_default()
            .push(request.classification_mode.clone().unwrap_or_default());
    }
    modes
}

/// A CSV-like row: its line number travels with the result; service accounts are forced
/// machine, the others use the run's mode.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Row {
    line: usize,
    id: String,
    name: String,
}

impl BulkAccount for Row {
    fn account_id(&self) -> &str {
        &self.id
    }

    fn classification_mode(&self) -> Option<ClassificationMode> {
        self.name
            .starts_with("svc-")
            .then_some(ClassificationMode::ForceMachine)
    }
}

fn rows() -> Vec<Row> {
    let row = |line, id: &str, name: &str| Row {
        line,
        id: id.to_owned(),
        name: name.to_owned(),
    };
    vec![
        // A human account named like a service: forced machine by the row's rule.
        row(2, demo::HUMAN_ID, "svc-john"),
        row(3, demo::MACHINE_ID, "svc-backup"),
        row(4, demo::ORPHAN_HUMAN_ID, "temp.contractor"),
        // The same account twice, and an id that is refused before any request.
        row(5, demo::ORPHAN_HUMAN_ID, "temp.contractor"),
        row(6, "", "blank"),
        row(7, demo::COMPUTER_ID, "WEBSRV01$"),
    ]
}

#[tokio::test]
async fn each_row_chooses_its_mode_and_comes_back_with_its_result() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let given = rows();

    let results = collect(
        client
            .classify_accounts(given.clone())
            .classification_mode(ClassificationMode::ForceHuman)
            .concurrency(3),
    )
    .await;

    // Exactly one result per row, each with the row as given.
    assert_eq!(results.len(), given.len());
    let mut returned: Vec<Row> = results.iter().map(|(row, _)| row.clone()).collect();
    returned.sort_by_key(|row| row.line);
    assert_eq!(returned, given);

    for (row, result) in &results {
        match (row.line, result) {
            (2 | 3, Ok(r)) => assert!(r.is_machine, "line {}: forced machine", row.line),
            (4 | 5 | 7, Ok(r)) => assert!(!r.is_machine, "line {}: run mode forceHuman", row.line),
            (6, Err(err @ Error::InvalidInput { .. })) => assert_eq!(err.kind(), "invalid_input"),
            (line, other) => panic!("line {line}: unexpected {other:?}"),
        }
    }

    // On the wire: the row's mode where it chose one, the run's otherwise; nothing for "".
    let modes = modes_received(&emulator);
    assert_eq!(modes[demo::HUMAN_ID], ["forceMachine"]);
    assert_eq!(modes[demo::MACHINE_ID], ["forceMachine"]);
    assert_eq!(modes[demo::ORPHAN_HUMAN_ID], ["forceHuman", "forceHuman"]);
    assert_eq!(modes[demo::COMPUTER_ID], ["forceHuman"]);
    assert_eq!(emulator.counters().classify_requests, 5);
}

/// `(id, mode)` pairs give each id its own mode; `(id, None)` falls back to the run's.
#[tokio::test]
async fn id_and_mode_pairs() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");

    let pairs = [
        (demo::HUMAN_ID, ClassificationMode::ForceMachine),
        (demo::MACHINE_ID, ClassificationMode::ForceHuman),
    ];
    let results = collect(client.classify_accounts(pairs).ordered(true)).await;
    let answers: Vec<(&str, bool)> = results
        .iter()
        .map(|((id, _), r)| (*id, r.as_ref().expect("classified").is_machine))
        .collect();
    assert_eq!(answers, [(demo::HUMAN_ID, true), (demo::MACHINE_ID, false)]);

    let optional = [
        (demo::COMPUTER_ID, Some(ClassificationMode::ForceHuman)),
        (demo::ORPHAN_HUMAN_ID, None),
    ];
    let results = collect(
        client
            .classify_accounts(optional)
            .classification_mode(ClassificationMode::ForceMachine),
    )
    .await;
    assert_eq!(results.len(), 2);
    let modes = modes_received(&emulator);
    assert_eq!(modes[demo::COMPUTER_ID], ["forceHuman"]);
    assert_eq!(modes[demo::ORPHAN_HUMAN_ID], ["forceMachine"]);
}

/// Borrowed ids: a function taking `&[String]` runs a bulk over them (no `'static` bound), the
/// items handed back are the caller's own (the same addresses), and the ids stay usable.
async fn classify_borrowed<'a>(client: &Client, ids: &'a [String]) -> Vec<BulkItem<&'a String>> {
    collect(client.classify_accounts(ids).concurrency(2)).await
}

#[tokio::test]
async fn borrowed_ids_need_no_static_lifetime() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let ids: Vec<String> = demo::accounts().into_iter().map(|a| a.id).collect();

    let results = classify_borrowed(&client, &ids).await;
    assert_eq!(results.len(), ids.len());
    for (id, result) in &results {
        assert!(
            ids.iter().any(|given| std::ptr::eq(given, *id)),
            "{id} is one of the caller's strings, not a copy"
        );
        result.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
    }

    // `iter()` of `&str` slices and `(&String, mode)` pairs borrowed the same way.
    let names: Vec<&str> = ids.iter().map(String::as_str).collect();
    assert_eq!(
        collect(client.classify_accounts(names.iter())).await.len(),
        ids.len()
    );
    let pairs = ids.iter().map(|id| (id, ClassificationMode::ForceHuman));
    let results = collect(client.classify_accounts(pairs)).await;
    assert!(
        results
            .iter()
            .all(|(_, r)| r.as_ref().is_ok_and(|r| !r.is_machine))
    );
    assert_eq!(ids.len(), 7, "the ids are still the caller's");
}

/// Owned (cloned or shared) items make a `'static` stream that can run on its own task.
#[tokio::test]
async fn owned_items_run_on_a_spawned_task() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    let shared: Vec<Arc<str>> = [demo::MACHINE_ID, demo::HUMAN_ID]
        .into_iter()
        .map(Arc::from)
        .collect();
    let run = client.classify_accounts(shared.clone());
    let results = tokio::spawn(async move { run.collect::<Vec<_>>().await })
        .await
        .expect("the task completes");
    assert_eq!(results.len(), 2);
    for (id, result) in results {
        let expected = &*id == demo::MACHINE_ID;
        assert_eq!(result.expect("classified").is_machine, expected, "{id}");
    }
    let rows = tokio::spawn(client.classify_accounts(rows()).collect::<Vec<_>>())
        .await
        .expect("the task completes");
    assert_eq!(rows.len(), 6);
}

/// Items are pulled only as calls start: with calls stalled by the emulator and 4 in flight,
/// a 100,000-row input has given up a handful of rows, and every one comes back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_are_pulled_lazily() {
    let emulator = Emulator::start().await.expect("emulator starts");
    let client = emulator.client().expect("client builds");
    emulator
        .inject(Fault::Delay(Duration::from_millis(300)))
        .times(8);

    let pulled = Arc::new(AtomicUsize::new(0));
    let input = {
        let pulled = Arc::clone(&pulled);
        (0..100_000).map(move |line| {
            pulled.fetch_add(1, Ordering::SeqCst);
            Row {
                line,
                id: demo::MACHINE_ID.to_owned(),
                name: format!("svc-{line}"),
            }
        })
    };
    let mut run = client.classify_accounts(input).concurrency(4).ordered(true);
    let mut lines = Vec::new();
    for _ in 0..6 {
        let (row, result) = tokio::time::timeout(RUN_TIMEOUT, run.next())
            .await
            .expect("an item")
            .expect("the run is not over");
        result.unwrap_or_else(|e| panic!("line {}: {e}", row.line));
        lines.push(row.line);
    }
    assert_eq!(lines, [0, 1, 2, 3, 4, 5], "in input order, each row once");
    let taken = pulled.load(Ordering::SeqCst);
    assert!(
        (6..6 + 4 + 2).contains(&taken),
        "{taken} rows pulled for 6 results"
    );
}
