//! Backend conformance suite: the etcd v3 semantics every [`Storage`]
//! backend must have, written once and run against each backend.
//!
//! Each property is a `pub async fn name<S: Storage>(store: Arc<S>)` that
//! panics with a message saying what was wrong. [`storage_conformance_tests!`]
//! turns all of them into `#[tokio::test]`s for a backend:
//!
//! ```ignore
//! async fn fresh() -> (MyStorage, TempDir) { /* a new, empty store */ }
//! keelson_storage::storage_conformance_tests!(fresh());
//! ```
//!
//! Requirements on the store handed to each property: it is fresh (revision
//! 0, nothing compacted), automatic compaction does not run during the test,
//! and a watcher is dropped once about 100 event batches are waiting for it
//! (so [`slow_watcher_is_dropped`] can see the drop).

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use crate::{
    guaranteed_update, Event, EventKind, KeyValue, ListOptions, Storage, StorageError,
    UpdateDecision, WatchStream,
};

/// Upper bound for any single wait in the suite; hitting it is a failure.
const PATIENCE: Duration = Duration::from_secs(60);

/// Generates one `#[tokio::test]` per property for a backend. `$make` is an
/// expression evaluated afresh in each test to a future of `(store, guard)`:
/// the store must be fresh, and `guard` (e.g. a temporary directory) is
/// dropped when the test ends.
#[macro_export]
macro_rules! storage_conformance_tests {
    ($make:expr) => {
        $crate::storage_conformance_tests!(@each $make;
            revisions_increase_by_one,
            create_fails_if_key_exists,
            update_checks_revision_precondition,
            delete_checks_revision_precondition,
            guaranteed_update_loses_no_increment,
            concurrent_creates_get_distinct_revisions,
            list_latest_paginates_with_remaining,
            list_at_older_revision_shows_that_state,
            paginated_list_is_consistent_while_writing,
            watch_replays_from_zero_with_prev_values,
            watch_from_middle_then_live,
            watch_filters_by_prefix,
            watch_switches_from_replay_to_live_without_gap,
            slow_watcher_is_dropped,
            compaction_makes_old_revisions_unavailable,
            future_revisions_are_rejected,
            closed_store_rejects_calls
        );
    };
    (@each $make:expr; $($name:ident),*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let (store, _guard) = ($make).await;
                $crate::conformance::$name(::std::sync::Arc::new(store)).await;
            }
        )*
    };
}

fn v(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(PATIENCE, fut).await {
        Ok(t) => t,
        Err(_) => panic!("timed out after {PATIENCE:?}: {what}"),
    }
}

/// Receives from `stream` until `n` events arrived; panics if the stream
/// ends or stalls first.
async fn take_events(stream: &mut WatchStream, n: usize) -> Vec<Event> {
    let mut out = Vec::new();
    while out.len() < n {
        match within("waiting for watch events", stream.events.recv()).await {
            Some(batch) => out.extend(batch),
            None => panic!("watch ended after {} of {n} events", out.len()),
        }
    }
    assert_eq!(out.len(), n, "more events than written: {out:?}");
    out
}

/// Asserts nothing more arrives on `stream` for a short while.
async fn assert_quiet(stream: &mut WatchStream) {
    if let Ok(Some(batch)) =
        tokio::time::timeout(Duration::from_millis(200), stream.events.recv()).await
    {
        panic!("unexpected watch events: {batch:?}");
    }
}

fn revisions(events: &[Event]) -> Vec<i64> {
    events.iter().map(Event::revision).collect()
}

async fn value_of<S: Storage>(store: &S, key: &str) -> Option<Vec<u8>> {
    store.get(key).await.expect("get").map(|kv| kv.value)
}

/// Every write bumps the global revision by one; create and mod revisions
/// follow it; reads report the revision they saw.
pub async fn revisions_increase_by_one<S: Storage>(store: Arc<S>) {
    assert_eq!(
        store.current_revision().await.unwrap(),
        0,
        "a fresh store is at revision 0"
    );
    assert_eq!(store.get("/rev/a").await.unwrap(), None);
    let empty = store.list("/rev/", ListOptions::default()).await.unwrap();
    assert_eq!(
        (empty.items.len(), empty.revision, empty.remaining),
        (0, 0, 0)
    );

    assert_eq!(store.create("/rev/a", v("a1")).await.unwrap(), 1);
    assert_eq!(store.create("/rev/b", v("b1")).await.unwrap(), 2);
    assert_eq!(store.update("/rev/a", v("a2"), 1).await.unwrap(), 3);
    let (deleted, rev) = store.delete("/rev/b", None).await.unwrap();
    assert_eq!(rev, 4);
    assert_eq!(
        deleted,
        KeyValue {
            key: "/rev/b".into(),
            value: v("b1"),
            create_revision: 2,
            mod_revision: 2
        },
        "delete returns the last value"
    );
    assert_eq!(
        store.get("/rev/a").await.unwrap(),
        Some(KeyValue {
            key: "/rev/a".into(),
            value: v("a2"),
            create_revision: 1,
            mod_revision: 3
        })
    );
    assert_eq!(store.get("/rev/b").await.unwrap(), None);
    assert_eq!(store.current_revision().await.unwrap(), 4);
    let list = store.list("/rev/", ListOptions::default()).await.unwrap();
    assert_eq!(list.revision, 4);
    assert_eq!(
        list.items
            .iter()
            .map(|kv| kv.key.as_str())
            .collect::<Vec<_>>(),
        ["/rev/a"]
    );
}

/// `create` of a present key fails and writes nothing; after a delete the
/// key can be created again with a new create revision.
pub async fn create_fails_if_key_exists<S: Storage>(store: Arc<S>) {
    store.create("/ce/a", v("1")).await.unwrap();
    assert_eq!(
        store.create("/ce/a", v("2")).await,
        Err(StorageError::AlreadyExists("/ce/a".into()))
    );
    assert_eq!(
        store.current_revision().await.unwrap(),
        1,
        "a failed create takes no revision"
    );
    assert_eq!(value_of(&*store, "/ce/a").await, Some(v("1")));
    store.delete("/ce/a", None).await.unwrap();
    let rev = store.create("/ce/a", v("3")).await.unwrap();
    assert_eq!(rev, 3);
    let kv = store.get("/ce/a").await.unwrap().expect("recreated key");
    assert_eq!(
        (kv.create_revision, kv.mod_revision, kv.value),
        (3, 3, v("3"))
    );
}

/// `update` is a compare-and-swap on `mod_revision`.
pub async fn update_checks_revision_precondition<S: Storage>(store: Arc<S>) {
    assert_eq!(
        store.update("/up/a", v("x"), 0).await,
        Err(StorageError::NotFound("/up/a".into()))
    );
    let r1 = store.create("/up/a", v("1")).await.unwrap();
    assert_eq!(
        store.update("/up/a", v("2"), r1 + 7).await,
        Err(StorageError::Conflict {
            key: "/up/a".into(),
            expected: r1 + 7,
            actual: r1
        })
    );
    assert_eq!(
        store.current_revision().await.unwrap(),
        r1,
        "a failed update takes no revision"
    );
    assert_eq!(value_of(&*store, "/up/a").await, Some(v("1")));
    let r2 = store.update("/up/a", v("2"), r1).await.unwrap();
    assert_eq!(r2, r1 + 1);
    assert_eq!(
        store.update("/up/a", v("3"), r1).await,
        Err(StorageError::Conflict {
            key: "/up/a".into(),
            expected: r1,
            actual: r2
        }),
        "a stale revision conflicts"
    );
    let kv = store.get("/up/a").await.unwrap().expect("key");
    assert_eq!(
        (kv.value, kv.create_revision, kv.mod_revision),
        (v("2"), r1, r2)
    );
}

/// `delete` honours an optional `mod_revision` precondition.
pub async fn delete_checks_revision_precondition<S: Storage>(store: Arc<S>) {
    assert_eq!(
        store.delete("/del/a", None).await,
        Err(StorageError::NotFound("/del/a".into()))
    );
    assert_eq!(
        store.delete("/del/a", Some(1)).await,
        Err(StorageError::NotFound("/del/a".into()))
    );
    let r1 = store.create("/del/a", v("1")).await.unwrap();
    assert_eq!(
        store.delete("/del/a", Some(r1 + 1)).await,
        Err(StorageError::Conflict {
            key: "/del/a".into(),
            expected: r1 + 1,
            actual: r1
        })
    );
    assert_eq!(
        value_of(&*store, "/del/a").await,
        Some(v("1")),
        "a failed delete deletes nothing"
    );
    assert_eq!(store.current_revision().await.unwrap(), r1);
    let (kv, rev) = store.delete("/del/a", Some(r1)).await.unwrap();
    assert_eq!((kv.value, kv.mod_revision, rev), (v("1"), r1, r1 + 1));
    assert_eq!(store.get("/del/a").await.unwrap(), None);
    assert_eq!(
        store.delete("/del/a", Some(r1)).await,
        Err(StorageError::NotFound("/del/a".into()))
    );
}

/// 16 tasks increment one counter through `guaranteed_update`: conflicts
/// are retried and no increment is lost.
pub async fn guaranteed_update_loses_no_increment<S: Storage>(store: Arc<S>) {
    const TASKS: usize = 16;
    const EACH: usize = 25;
    let created = store.create("/gu/counter", v("0")).await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..EACH {
                guaranteed_update::<StorageError, _>(&*store, "/gu/counter", |kv| {
                    let n: u64 = std::str::from_utf8(&kv.value)
                        .ok()
                        .and_then(|s| s.parse().ok())
                        .ok_or_else(|| StorageError::Internal("counter is not a number".into()))?;
                    Ok(UpdateDecision::Write(v(&(n + 1).to_string())))
                })
                .await
                .expect("guaranteed_update");
            }
        }));
    }
    for t in tasks {
        within("incrementing tasks", t).await.expect("task");
    }
    let kv = store.get("/gu/counter").await.unwrap().expect("counter");
    let total = (TASKS * EACH) as i64;
    assert_eq!(kv.value, v(&total.to_string()), "an increment was lost");
    assert_eq!(kv.create_revision, created);
    assert_eq!(
        kv.mod_revision,
        created + total,
        "each successful update takes exactly one revision"
    );
    assert_eq!(store.current_revision().await.unwrap(), created + total);
}

/// Concurrent creates get distinct, gapless revisions, and each writer reads
/// its own write right after the acknowledgement.
pub async fn concurrent_creates_get_distinct_revisions<S: Storage>(store: Arc<S>) {
    const TASKS: usize = 32;
    const EACH: usize = 8;
    let mut tasks = Vec::new();
    for t in 0..TASKS {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut revs = Vec::new();
            for i in 0..EACH {
                let key = format!("/cc/{t:02}-{i}");
                let rev = store.create(&key, v(&key)).await.expect("create");
                let seen = store
                    .get(&key)
                    .await
                    .expect("get")
                    .expect("own write is visible");
                assert_eq!(seen.mod_revision, rev, "read-your-writes");
                let list = store
                    .list(&key, ListOptions::default())
                    .await
                    .expect("list");
                assert!(
                    list.revision >= rev,
                    "a list after an acknowledged write is at or after it"
                );
                assert_eq!(list.items.len(), 1, "list sees the own write");
                revs.push(rev);
            }
            revs
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(within("creating tasks", t).await.expect("task"));
    }
    all.sort_unstable();
    let expected: Vec<i64> = (1..=(TASKS * EACH) as i64).collect();
    assert_eq!(all, expected, "revisions are distinct and gapless");
}

/// Lists at the latest revision are in key order, respect the prefix, and
/// paginate with `start_after`/`limit` and an exact `remaining`.
pub async fn list_latest_paginates_with_remaining<S: Storage>(store: Arc<S>) {
    let mut keys: Vec<String> = (0..25).map(|i| format!("/ls/p/{i:02}")).collect();
    // Reverse insertion order so key order cannot come from revision order.
    for key in keys.iter().rev() {
        store.create(key, v(key)).await.unwrap();
    }
    for outside in ["/ls/p", "/ls/p0", "/ls/o/x", "/ls/q/"] {
        store.create(outside, v("outside")).await.unwrap();
    }
    keys.sort();
    let current = store.current_revision().await.unwrap();
    let all = store.list("/ls/p/", ListOptions::default()).await.unwrap();
    assert_eq!(
        all.items
            .iter()
            .map(|kv| kv.key.clone())
            .collect::<Vec<_>>(),
        keys
    );
    assert_eq!((all.revision, all.remaining), (current, 0));

    let mut got = Vec::new();
    let mut after = None;
    for expected_remaining in [15, 5, 0] {
        let page = store
            .list(
                "/ls/p/",
                ListOptions {
                    revision: None,
                    start_after: after.clone(),
                    limit: Some(10),
                },
            )
            .await
            .unwrap();
        assert_eq!(
            page.remaining,
            expected_remaining,
            "remaining after {} items",
            got.len()
        );
        assert_eq!(page.revision, current);
        after = page.items.last().map(|kv| kv.key.clone());
        got.extend(page.items.into_iter().map(|kv| kv.key));
    }
    assert_eq!(got, keys);
    let exact = store
        .list(
            "/ls/p/",
            ListOptions {
                revision: None,
                start_after: None,
                limit: Some(25),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (exact.items.len(), exact.remaining),
        (25, 0),
        "a page that ends exactly has nothing remaining"
    );
    let past = store
        .list(
            "/ls/p/",
            ListOptions {
                revision: None,
                start_after: Some("/ls/p/99".into()),
                limit: Some(5),
            },
        )
        .await
        .unwrap();
    assert_eq!((past.items.len(), past.remaining), (0, 0));
}

/// A list at an older retained revision returns the state as of then, with
/// that revision's values and revisions, also page by page.
pub async fn list_at_older_revision_shows_that_state<S: Storage>(store: Arc<S>) {
    for k in ["a", "b", "c", "e"] {
        store
            .create(&format!("/lo/{k}"), v(&format!("{k}1")))
            .await
            .unwrap();
    }
    let then = store.list("/lo/", ListOptions::default()).await.unwrap();
    assert_eq!(then.revision, 4);
    store.update("/lo/a", v("a2"), 1).await.unwrap();
    store.delete("/lo/b", None).await.unwrap();
    store.create("/lo/d", v("d1")).await.unwrap();
    let r = store.update("/lo/c", v("c2"), 3).await.unwrap();
    store.update("/lo/c", v("c3"), r).await.unwrap();
    store.delete("/lo/e", None).await.unwrap();
    store.create("/lo/e", v("e2")).await.unwrap();
    store.create("/lo/b", v("b2")).await.unwrap();

    let at = store
        .list(
            "/lo/",
            ListOptions {
                revision: Some(4),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(at, then, "list at revision 4 after later writes");
    let mut pages = Vec::new();
    let mut after = None;
    loop {
        let page = store
            .list(
                "/lo/",
                ListOptions {
                    revision: Some(4),
                    start_after: after.clone(),
                    limit: Some(1),
                },
            )
            .await
            .unwrap();
        assert_eq!(page.revision, 4);
        assert_eq!(
            page.remaining as usize,
            then.items.len() - pages.len() - page.items.len()
        );
        after = page.items.last().map(|kv| kv.key.clone());
        pages.extend(page.items);
        if page.remaining == 0 {
            break;
        }
    }
    assert_eq!(pages, then.items);

    let first = store
        .list(
            "/lo/",
            ListOptions {
                revision: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        first.items,
        vec![KeyValue {
            key: "/lo/a".into(),
            value: v("a1"),
            create_revision: 1,
            mod_revision: 1
        }]
    );
    let zero = store
        .list(
            "/lo/",
            ListOptions {
                revision: Some(0),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert!(zero.items.is_empty(), "nothing existed at revision 0");
    let latest = store.list("/lo/", ListOptions::default()).await.unwrap();
    let summary: Vec<(String, Vec<u8>)> = latest
        .items
        .into_iter()
        .map(|kv| (kv.key, kv.value))
        .collect();
    assert_eq!(
        summary,
        [
            ("a", "a2"),
            ("b", "b2"),
            ("c", "c3"),
            ("d", "d1"),
            ("e", "e2")
        ]
        .map(|(k, val)| (format!("/lo/{k}"), v(val)))
    );
}

/// Pages read at the first page's revision form one consistent snapshot
/// while other tasks keep writing to the same keys.
pub async fn paginated_list_is_consistent_while_writing<S: Storage>(store: Arc<S>) {
    for i in 0..60 {
        store
            .create(&format!("/pc/{i:02}"), v("initial"))
            .await
            .unwrap();
    }
    let full = store.list("/pc/", ListOptions::default()).await.unwrap();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        tokio::spawn(async move {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 5_000 {
                let key = format!("/pc/{:02}", i % 60);
                match i % 3 {
                    0 => {
                        let _ = store.delete(&key, None).await;
                    }
                    1 => {
                        let _ = store.create(&key, v("recreated")).await;
                    }
                    _ => {
                        let _ = store.create(&format!("/pc/{:02}x", i % 60), v("new")).await;
                    }
                }
                i += 1;
            }
        })
    };
    let mut got = Vec::new();
    let mut after = None;
    loop {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let page = store
            .list(
                "/pc/",
                ListOptions {
                    revision: Some(full.revision),
                    start_after: after.clone(),
                    limit: Some(7),
                },
            )
            .await
            .unwrap();
        assert_eq!(page.revision, full.revision);
        assert_eq!(
            page.remaining as usize,
            full.items.len() - got.len() - page.items.len()
        );
        after = page.items.last().map(|kv| kv.key.clone());
        got.extend(page.items);
        if page.remaining == 0 {
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    within("writer task", writer).await.expect("writer");
    assert!(
        store.current_revision().await.unwrap() > full.revision,
        "the writer made no progress, so the test proved nothing"
    );
    assert_eq!(got, full.items);
}

/// A watch from 0 on a fresh store replays every event in order, with the
/// previous values, and then continues live.
pub async fn watch_replays_from_zero_with_prev_values<S: Storage>(store: Arc<S>) {
    store.create("/wz/a", v("a1")).await.unwrap();
    store.update("/wz/a", v("a2"), 1).await.unwrap();
    store.delete("/wz/a", Some(2)).await.unwrap();
    for i in 0..27 {
        store.create(&format!("/wz/k{i:02}"), v("x")).await.unwrap();
    }
    let mut w = store.watch("/wz/", 0).await.unwrap();
    let events = take_events(&mut w, 30).await;
    assert_eq!(revisions(&events), (1..=30).collect::<Vec<_>>());
    let a1 = KeyValue {
        key: "/wz/a".into(),
        value: v("a1"),
        create_revision: 1,
        mod_revision: 1,
    };
    let a2 = KeyValue {
        key: "/wz/a".into(),
        value: v("a2"),
        create_revision: 1,
        mod_revision: 2,
    };
    assert_eq!(
        events[0],
        Event {
            kind: EventKind::Put,
            kv: a1.clone(),
            prev: None
        }
    );
    assert_eq!(
        events[1],
        Event {
            kind: EventKind::Put,
            kv: a2.clone(),
            prev: Some(a1)
        }
    );
    assert_eq!(
        events[2],
        Event {
            kind: EventKind::Delete,
            kv: KeyValue {
                mod_revision: 3,
                ..a2.clone()
            },
            prev: Some(a2)
        }
    );
    assert_eq!(events[29].kv.key, "/wz/k26");
    store.create("/wz/live", v("l")).await.unwrap();
    let live = take_events(&mut w, 1).await;
    assert_eq!(
        (live[0].kind, live[0].revision(), live[0].kv.key.as_str()),
        (EventKind::Put, 31, "/wz/live")
    );
    assert_quiet(&mut w).await;
}

/// A watch from a middle revision gets exactly the later events, then live.
pub async fn watch_from_middle_then_live<S: Storage>(store: Arc<S>) {
    for i in 0..20 {
        store.create(&format!("/wm/{i:02}"), v("x")).await.unwrap();
    }
    let mut w = store.watch("/wm/", 10).await.unwrap();
    let replayed = take_events(&mut w, 10).await;
    assert_eq!(revisions(&replayed), (11..=20).collect::<Vec<_>>());
    assert_eq!(replayed[0].kv.key, "/wm/10");
    let mut at_end = store.watch("/wm/", 20).await.unwrap();
    store.update("/wm/00", v("y"), 1).await.unwrap();
    for w in [&mut w, &mut at_end] {
        let live = take_events(w, 1).await;
        assert_eq!((live[0].revision(), live[0].kv.value.clone()), (21, v("y")));
        assert_eq!(live[0].prev.as_ref().map(|p| p.mod_revision), Some(1));
        assert_quiet(w).await;
    }
}

/// A watch only sees keys under its prefix, in replay and live.
pub async fn watch_filters_by_prefix<S: Storage>(store: Arc<S>) {
    store.create("/wp/a/1", v("x")).await.unwrap();
    store.create("/wp/b/1", v("x")).await.unwrap();
    store.create("/wp/a", v("x")).await.unwrap();
    let mut w = store.watch("/wp/a/", 0).await.unwrap();
    store.create("/wp/b/2", v("x")).await.unwrap();
    store.create("/wp/a/2", v("x")).await.unwrap();
    let events = take_events(&mut w, 2).await;
    assert_eq!(
        events
            .iter()
            .map(|e| (e.revision(), e.kv.key.as_str()))
            .collect::<Vec<_>>(),
        [(1, "/wp/a/1"), (5, "/wp/a/2")]
    );
    assert_quiet(&mut w).await;
}

/// Watches started at many revisions while writes go on each see a gapless,
/// duplicate-free sequence up to the last write: nothing is lost or repeated
/// where the replay hands over to live events. A watch that is closed is
/// resumed from its last revision, as clients do.
pub async fn watch_switches_from_replay_to_live_without_gap<S: Storage>(store: Arc<S>) {
    const WRITERS: usize = 4;
    const EACH: i64 = 150;
    const TOTAL: i64 = WRITERS as i64 * EACH;
    for i in 0..20 {
        store
            .create(&format!("/ws/seed{i:02}"), v("x"))
            .await
            .unwrap();
    }
    let base = store.current_revision().await.unwrap();
    let last = base + TOTAL;
    let mut writers = Vec::new();
    for t in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                store
                    .create(&format!("/ws/{t}-{i:03}"), v("x"))
                    .await
                    .expect("create");
                if i % 16 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        }));
    }
    let mut watchers = Vec::new();
    for n in 0..12u64 {
        let from = if n % 3 == 0 {
            0
        } else {
            store.current_revision().await.unwrap()
        };
        let store = store.clone();
        watchers.push(tokio::spawn(async move {
            let mut seen = from;
            let mut resumed = 0;
            let mut w = store.watch("/ws/", seen).await.expect("watch");
            while seen < last {
                match within("watch to reach the last write", w.events.recv()).await {
                    Some(batch) => {
                        for e in batch {
                            assert_eq!(
                                e.revision(),
                                seen + 1,
                                "watch from {from}: gap or duplicate"
                            );
                            seen = e.revision();
                        }
                    }
                    None => {
                        resumed += 1;
                        assert!(resumed < 50, "watch from {from} keeps being closed");
                        w = store.watch("/ws/", seen).await.expect("re-watch");
                    }
                }
            }
            assert_quiet(&mut w).await;
        }));
        tokio::time::sleep(Duration::from_millis(3 * n)).await;
    }
    for t in writers {
        within("writers", t).await.expect("writer");
    }
    for t in watchers {
        within("watchers", t).await.expect("watcher");
    }
    assert_eq!(store.current_revision().await.unwrap(), last);
}

/// A watcher that never reads is closed once it falls behind; writes and a
/// reading watcher are not held up by it. Its stream delivers what was
/// buffered, gapless, and then ends.
pub async fn slow_watcher_is_dropped<S: Storage>(store: Arc<S>) {
    const WRITERS: usize = 4;
    const EACH: i64 = 500;
    const TOTAL: i64 = WRITERS as i64 * EACH;
    let mut slow = store.watch("/sw/", 0).await.unwrap();
    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut seen = 0;
            let mut w = store.watch("/sw/", 0).await.expect("watch");
            while seen < TOTAL {
                match within("reading watcher", w.events.recv()).await {
                    Some(batch) => {
                        for e in batch {
                            assert_eq!(e.revision(), seen + 1, "reading watcher: gap or duplicate");
                            seen = e.revision();
                        }
                    }
                    None => w = store.watch("/sw/", seen).await.expect("re-watch"),
                }
            }
        })
    };
    let mut writers = Vec::new();
    for t in 0..WRITERS {
        let store = store.clone();
        writers.push(tokio::spawn(async move {
            for i in 0..EACH {
                store
                    .create(&format!("/sw/{t}-{i:03}"), v("x"))
                    .await
                    .expect("create");
            }
        }));
    }
    for t in writers {
        within("writes while a watcher is stuck", t)
            .await
            .expect("writer");
    }
    within("the reading watcher", reader).await.expect("reader");
    let mut buffered = Vec::new();
    while let Some(batch) = within("the slow watcher to be closed", slow.events.recv()).await {
        buffered.extend(batch);
    }
    assert!(
        (buffered.len() as i64) < TOTAL,
        "the slow watcher was not dropped: it received all {TOTAL} events"
    );
    assert_eq!(
        revisions(&buffered),
        (1..=buffered.len() as i64).collect::<Vec<_>>()
    );
}

/// After `compact(r)`, lists below `r` and watches from below `r` fail with
/// `Compacted`; at and above `r` everything still works.
pub async fn compaction_makes_old_revisions_unavailable<S: Storage>(store: Arc<S>) {
    assert_eq!(store.compacted_revision().await.unwrap(), 0);
    for i in 0..10 {
        store.create(&format!("/cp/{i}"), v("1")).await.unwrap();
    }
    for i in 0..10 {
        store
            .update(&format!("/cp/{i}"), v("2"), i + 1)
            .await
            .unwrap();
    }
    store.compact(10).await.unwrap();
    assert_eq!(store.compacted_revision().await.unwrap(), 10);
    assert_eq!(
        store
            .list(
                "/cp/",
                ListOptions {
                    revision: Some(9),
                    ..Default::default()
                }
            )
            .await,
        Err(StorageError::Compacted {
            requested: 9,
            compacted: 10
        })
    );
    assert_eq!(
        store.watch("/cp/", 9).await.err(),
        Some(StorageError::Compacted {
            requested: 9,
            compacted: 10
        })
    );
    let at = store
        .list(
            "/cp/",
            ListOptions {
                revision: Some(10),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(at.items.len(), 10);
    assert!(at
        .items
        .iter()
        .all(|kv| kv.value == v("1") && kv.mod_revision <= 10));
    let mut w = store.watch("/cp/", 10).await.unwrap();
    assert_eq!(
        revisions(&take_events(&mut w, 10).await),
        (11..=20).collect::<Vec<_>>()
    );
    assert_quiet(&mut w).await;

    store.compact(5).await.unwrap();
    assert_eq!(
        store.compacted_revision().await.unwrap(),
        10,
        "compacting below the point changes nothing"
    );
    assert_eq!(
        store.compact(25).await,
        Err(StorageError::FutureRevision {
            requested: 25,
            current: 20
        })
    );
    store.compact(20).await.unwrap();
    let latest = store.list("/cp/", ListOptions::default()).await.unwrap();
    assert_eq!((latest.items.len(), latest.revision), (10, 20));
    assert!(latest.items.iter().all(|kv| kv.value == v("2")));
    assert_eq!(value_of(&*store, "/cp/3").await, Some(v("2")));
    store.create("/cp/new", v("n")).await.unwrap();
    let mut w = store.watch("/cp/", 20).await.unwrap();
    assert_eq!(take_events(&mut w, 1).await[0].kv.key, "/cp/new");
}

/// Revisions above the current one are rejected.
pub async fn future_revisions_are_rejected<S: Storage>(store: Arc<S>) {
    for k in ["a", "b", "c"] {
        store.create(&format!("/fr/{k}"), v("x")).await.unwrap();
    }
    assert_eq!(
        store
            .list(
                "/fr/",
                ListOptions {
                    revision: Some(4),
                    ..Default::default()
                }
            )
            .await,
        Err(StorageError::FutureRevision {
            requested: 4,
            current: 3
        })
    );
    assert_eq!(
        store.watch("/fr/", 4).await.err(),
        Some(StorageError::FutureRevision {
            requested: 4,
            current: 3
        })
    );
    let at = store
        .list(
            "/fr/",
            ListOptions {
                revision: Some(3),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(at.items.len(), 3);
}

/// After `close`, every call fails with `Internal` and open watches end.
pub async fn closed_store_rejects_calls<S: Storage>(store: Arc<S>) {
    store.create("/cl/a", v("x")).await.unwrap();
    let mut w = store.watch("/cl/", 1).await.unwrap();
    store.close().await.unwrap();
    let ended = within("an open watch to end on close", async {
        let mut extra: BTreeMap<i64, Event> = BTreeMap::new();
        while let Some(batch) = w.events.recv().await {
            extra.extend(batch.into_iter().map(|e| (e.revision(), e)));
        }
        extra
    })
    .await;
    assert!(
        ended.is_empty(),
        "no writes happened after the watch: {ended:?}"
    );
    fn internal<T: std::fmt::Debug>(what: &str, r: Result<T, StorageError>) {
        assert!(
            matches!(r, Err(StorageError::Internal(_))),
            "{what} after close: {r:?}"
        );
    }
    internal("create", store.create("/cl/b", v("x")).await);
    internal("update", store.update("/cl/a", v("y"), 1).await);
    internal("delete", store.delete("/cl/a", None).await);
    internal("get", store.get("/cl/a").await);
    internal("list", store.list("/cl/", ListOptions::default()).await);
    internal("watch", store.watch("/cl/", 1).await.map(|_| ()));
    internal("compact", store.compact(1).await);
    internal("current_revision", store.current_revision().await);
    internal("close", store.close().await);
}
