//! Bulk classification through the facade against the emulator: client-side pacing counted at
//! the server, the shared pause after a 429, one result per id whatever fails, and lazy pulling
//! of ids.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use sailpoint_v2025::{BulkItem, Client, Error, RateLimit, RetryConfig};
use sailpoint_v2025_testkit::{EmulatedAccount, Emulator, Fault, demo};

/// How long a whole bulk run may take before the test fails instead of hanging.
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

fn client(emu: &Emulator, retry: RetryConfig, limit: RateLimit) -> Client {
    common::builder(emu)
        .retry(retry)
        .rate_limit(limit)
        .build()
        .expect("client builds")
}

/// `acct-0000`, `acct-0001`, ...: every third one a machine account by the criteria
/// (`svc-` name, uncorrelated), the others correlated humans.
fn account_id(i: usize) -> String {
    format!("acct-{i:04}")
}

fn is_machine_account(i: usize) -> bool {
    i.is_multiple_of(3)
}

fn accounts(n: usize) -> Vec<EmulatedAccount> {
    (0..n)
        .map(|i| {
            if is_machine_account(i) {
                EmulatedAccount::new(account_id(i), format!("svc-batch-{i}"))
            } else {
                EmulatedAccount::new(account_id(i), format!("user.{i}")).with_identity(true)
            }
        })
        .collect()
}

fn expected_machine(id: &str) -> bool {
    let i: usize = id
        .strip_prefix("acct-")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("not a generated account: {id}"));
    is_machine_account(i)
}

async fn collect(stream: impl futures::Stream<Item = BulkItem>) -> Vec<BulkItem> {
    tokio::time::timeout(RUN_TIMEOUT, stream.collect())
        .await
        .expect("the bulk run finishes")
}

/// Arrival times at the emulator in microseconds since the first request, sorted.
fn arrival_micros(emu: &Emulator) -> Vec<i64> {
    let mut times: Vec<_> = emu.requests().iter().map(|r| r.received_at).collect();
    times.sort();
    let first = times[0];
    times
        .iter()
        .map(|t| (*t - first).num_microseconds().expect("short run"))
        .collect()
}

/// The most requests that arrived within any window of `window` (sliding, half-open).
fn max_in_window(times: &[i64], window: Duration) -> usize {
    let window = window.as_micros() as i64;
    let mut best = 0;
    let mut end = 0;
    for (start, t) in times.iter().enumerate() {
        while end < times.len() && times[end] < t + window {
            end += 1;
        }
        best = best.max(end - start);
    }
    best
}

/// (a) 300 calls, 64 allowed in flight, a client-side limit of 50 per 500 ms and the same limit
/// at the emulator: the limiter holds the burst to the rate, so the server never answers 429
/// and no 500 ms window sees more than 50 requests.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_limiter_holds_a_burst_of_300_to_the_configured_rate() {
    use sailpoint_v2025_testkit::ServerRateLimit as ServerLimit;
    let period = Duration::from_millis(500);
    let emu = Emulator::builder()
        .accounts(accounts(300))
        .rate_limit(Some(ServerLimit::new(50, period)))
        .start()
        .await
        .expect("emulator");
    // Retries disabled: a 429 would surface as an error instead of being hidden by a retry.
    let client = client(&emu, RetryConfig::disabled(), RateLimit::new(50, period));

    let started = Instant::now();
    let results = collect(
        client
            .classify_accounts((0..300).map(account_id))
            .concurrency(64),
    )
    .await;
    let elapsed = started.elapsed();

    assert_eq!(results.len(), 300);
    for (id, result) in &results {
        match result {
            Ok(r) => assert_eq!(r.is_machine, expected_machine(id), "{id}"),
            Err(e) => panic!("{id}: {e} ({})", e.kind()),
        }
    }
    let counters = emu.counters();
    assert_eq!(counters.rate_limited, 0, "{counters:?}");
    assert_eq!(counters.classify_requests, 300);
    assert_eq!(counters.classify_status(200), 300);

    let times = arrival_micros(&emu);
    let busiest = max_in_window(&times, period);
    assert!(busiest <= 50, "{busiest} requests arrived within 500 ms");
    // Pacing happened: a burst of 300 at 50 per 500 ms takes at least (300 - 50) / 50 * 0.5 s.
    assert!(
        elapsed >= Duration::from_millis(2500),
        "took only {elapsed:?}"
    );
    let span = Duration::from_micros(*times.last().expect("requests") as u64);
    assert!(
        span >= Duration::from_millis(2500),
        "requests span only {span:?}"
    );
}

/// (b) One 429 with `Retry-After: 1` in a bulk run of 20 ids with 8 in flight and no client-side
/// limit: every worker waits the second out, not just the one that got the 429. The 7 calls in
/// flight next to the 429 are held 500 ms by the emulator so that they finish while the pause
/// is on; their workers' next calls must still wait for the pause to end.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_pauses_every_worker_of_the_bulk_run() {
    let emu = Emulator::builder()
        .accounts(accounts(20))
        .without_rate_limit()
        .start()
        .await
        .expect("emulator");
    let client = client(
        &emu,
        RetryConfig::default().initial_backoff(Duration::from_millis(10)),
        RateLimit::unlimited(),
    );
    emu.inject(Fault::RateLimited {
        retry_after: Some("1".into()),
    });
    emu.inject(Fault::Delay(Duration::from_millis(500)))
        .times(7);

    let started = Instant::now();
    let results = collect(
        client
            .classify_accounts((0..20).map(account_id))
            .concurrency(8),
    )
    .await;
    let elapsed = started.elapsed();

    assert_eq!(results.len(), 20);
    for (id, result) in &results {
        let r = result.as_ref().unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(r.is_machine, expected_machine(id), "{id}");
    }
    let requests = emu.requests();
    assert_eq!(requests.len(), 21, "20 calls plus one retry after the 429");
    assert_eq!(emu.pending_faults(), 0);
    let limited = requests
        .iter()
        .find(|r| r.status == Some(429))
        .expect("the 429 was served");
    let t429 = limited.received_at;
    // Every request but the first wave (the 429 and the 7 delayed ones) came after the pause.
    let later: Vec<_> = requests.iter().filter(|r| r.fault.is_none()).collect();
    assert_eq!(later.len(), 13);
    for r in &later {
        let gap = (r.received_at - t429).to_std().unwrap_or_default();
        assert!(
            gap >= Duration::from_millis(900),
            "request #{} ({}) arrived {gap:?} after the 429",
            r.seq,
            r.account_id
        );
    }
    // The 429'd id was retried after the wait.
    let retried = requests
        .iter()
        .filter(|r| r.account_id == limited.account_id)
        .count();
    assert_eq!(retried, 2);
    assert!(elapsed >= Duration::from_millis(950), "{elapsed:?}");
}

/// The outcome of one bulk item, comparable across runs.
fn outcome(
    result: &Result<sailpoint_v2025::SendClassifyMachineAccount200Response, Error>,
) -> String {
    match result {
        Ok(r) => format!("ok:{}", r.is_machine),
        Err(Error::UnexpectedStatus { status, .. }) => format!("status:{}", status.as_u16()),
        Err(e @ Error::NotFound { .. }) => {
            format!("status:{}", e.status().map_or(0, |s| s.as_u16()))
        }
        Err(e) => e.kind().to_owned(),
    }
}

/// The 200 input ids of (c): 170 accounts, 20 of them twice, 8 unknown ids and 2 invalid ones,
/// mixed by a fixed permutation.
fn mixed_ids() -> Vec<String> {
    let mut ids: Vec<String> = (0..170).map(account_id).collect();
    ids.extend((0..20).map(|i| account_id(i * 7)));
    ids.extend((0..8).map(|i| format!("ghost-{i}")));
    ids.push(String::new());
    ids.push("..".to_owned());
    assert_eq!(ids.len(), 200);
    // 77 is coprime with 200: a permutation.
    (0..200).map(|i| ids[(i * 77) % 200].clone()).collect()
}

fn inject_mixed_faults(emu: &Emulator) {
    emu.inject(Fault::Status(500)).times(3);
    emu.inject(Fault::DropConnection);
    emu.inject(Fault::Status(400));
}

async fn run_with_faults(emu: &Emulator, client: &Client, ordered: bool) -> Vec<BulkItem> {
    emu.reset_counters();
    inject_mixed_faults(emu);
    let results = collect(
        client
            .classify_accounts(mixed_ids())
            .concurrency(16)
            .ordered(ordered),
    )
    .await;
    assert_eq!(emu.pending_faults(), 0, "all faults were served");
    results
}

/// Checks (c) for one run: one result per id (as a multiset), each with the expected outcome,
/// and exactly the requests the faults explain.
fn check_one_result_per_id(emu: &Emulator, results: &[BulkItem]) {
    let input = mixed_ids();
    // The id whose request got the injected 400 fails with it (400 is not retried); every other
    // fault is retried away.
    let bad_request: Vec<String> = emu
        .requests()
        .iter()
        .filter(|r| r.fault == Some(Fault::Status(400)))
        .map(|r| r.account_id.clone())
        .collect();
    assert_eq!(bad_request.len(), 1);

    let mut expected: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut bad_request_left = bad_request.clone();
    for id in &input {
        let outcome = if let Some(pos) = bad_request_left.iter().position(|b| b == id) {
            bad_request_left.remove(pos);
            "bad_request".to_owned()
        } else if id.is_empty() || id == ".." {
            "invalid_input".to_owned()
        } else if id.starts_with("ghost-") {
            "status:404".to_owned()
        } else {
            format!("ok:{}", expected_machine(id))
        };
        *expected.entry((id.clone(), outcome)).or_default() += 1;
    }
    let mut actual: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (id, result) in results {
        *actual.entry((id.clone(), outcome(result))).or_default() += 1;
    }
    assert_eq!(results.len(), input.len(), "one item per id");
    assert_eq!(actual, expected);

    let counters = emu.counters();
    // 198 ids leave the client (the 2 invalid ones never do); the 3 500s and the dropped
    // connection each cost one retry; the 400 replaces a request.
    assert_eq!(counters.classify_requests, 198 + 4, "{counters:?}");
    assert_eq!(counters.faults_applied, 5);
    assert_eq!(counters.dropped_connections, 1);
    assert_eq!(counters.classify_status(500), 3);
    assert_eq!(counters.classify_status(400), 1);
    assert_eq!(counters.classify_status(404), 8);
    assert!(!counters.per_account.contains_key(""));
    assert!(!counters.per_account.contains_key(".."));
}

/// (c) 200 ids with duplicates, unknown and invalid ids, under 500s, a dropped connection and a
/// 400: exactly one result per id, each the right one; with `ordered(true)` in input order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_yields_exactly_one_result_per_id_under_faults() {
    let emu = Emulator::builder()
        .accounts(accounts(170))
        .without_rate_limit()
        .start()
        .await
        .expect("emulator");
    let client = client(
        &emu,
        RetryConfig::default()
            .max_attempts(6)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(20)),
        RateLimit::unlimited(),
    );

    let unordered = run_with_faults(&emu, &client, false).await;
    check_one_result_per_id(&emu, &unordered);

    let ordered = run_with_faults(&emu, &client, true).await;
    check_one_result_per_id(&emu, &ordered);
    let order: Vec<&str> = ordered.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(order, mixed_ids(), "ordered(true) keeps the input order");
}

/// (d) Ids are pulled lazily: after 5 results with 4 in flight, only a handful of the 10,000
/// ids were taken from the iterator (or stream), and dropping the run stops it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ids_are_pulled_lazily() {
    let emu = common::emulator().await;
    let client = client(&emu, RetryConfig::disabled(), RateLimit::unlimited());
    let demo_ids: Vec<String> = demo::accounts().into_iter().map(|a| a.id).collect();

    // From an iterator.
    let pulled = Arc::new(AtomicUsize::new(0));
    let ids = {
        let pulled = Arc::clone(&pulled);
        let demo_ids = demo_ids.clone();
        (0..10_000).map(move |i| {
            pulled.fetch_add(1, Ordering::SeqCst);
            demo_ids[i % demo_ids.len()].clone()
        })
    };
    let mut run = client.classify_accounts(ids).concurrency(4);
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        0,
        "nothing is pulled before polling"
    );
    for _ in 0..5 {
        let (id, result) = tokio::time::timeout(RUN_TIMEOUT, run.next())
            .await
            .expect("an item")
            .expect("the run is not over");
        result.unwrap_or_else(|e| panic!("{id}: {e}"));
    }
    let after_five = pulled.load(Ordering::SeqCst);
    assert!(
        (5..5 + 4 + 2).contains(&after_five),
        "{after_five} ids pulled for 5 results"
    );
    assert!(emu.counters().classify_requests <= after_five as u64);
    drop(run);
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        pulled.load(Ordering::SeqCst),
        after_five,
        "a dropped run pulls nothing"
    );

    // From a stream.
    let expected_order = demo_ids.clone();
    let pulled = Arc::new(AtomicUsize::new(0));
    let ids = {
        let pulled = Arc::clone(&pulled);
        futures::stream::iter(0..10_000).map(move |i| {
            pulled.fetch_add(1, Ordering::SeqCst);
            demo_ids[i % demo_ids.len()].clone()
        })
    };
    let first: Vec<BulkItem> = tokio::time::timeout(
        RUN_TIMEOUT,
        client
            .classify_account_stream(ids)
            .concurrency(4)
            .ordered(true)
            .take(5)
            .collect(),
    )
    .await
    .expect("five items");
    assert_eq!(first.len(), 5);
    let order: Vec<&str> = first.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(
        order,
        &expected_order[..5],
        "ordered stream, in input order"
    );
    let after_five = pulled.load(Ordering::SeqCst);
    assert!(
        (5..5 + 4 + 2).contains(&after_five),
        "{after_five} ids pulled from the stream for 5 results"
    );
}
