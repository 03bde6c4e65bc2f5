//! Work-queue semantics as client-go's `util/workqueue` tests state them.

use keelson_runtime::workqueue::{
    default_controller_rate_limiter_with_clock, BucketRateLimiter, DelayingQueue, FakeClock,
    ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter, MaxOfRateLimiter, MetricsProvider,
    QueueConfig, RateLimiter, RateLimitingQueue, WorkQueue,
};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(5);

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn fake() -> (FakeClock, QueueConfig) {
    let clock = FakeClock::new();
    let config = QueueConfig::default().clock(Arc::new(clock.clone()));
    (clock, config)
}

async fn get<T: keelson_runtime::workqueue::QueueItem>(q: &WorkQueue<T>) -> Option<T> {
    tokio::time::timeout(WAIT, q.get())
        .await
        .expect("get returns in time")
}

#[tokio::test]
async fn items_added_twice_before_a_get_are_handed_out_once_in_fifo_order() {
    let q = WorkQueue::new();
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("c");
    assert_eq!(q.len(), 3);
    assert_eq!(get(&q).await, Some("a"));
    assert_eq!(get(&q).await, Some("b"));
    assert_eq!(get(&q).await, Some("c"));
    assert!(q.is_empty());
    assert_eq!(q.try_get(), None);
}

#[tokio::test]
async fn an_item_added_while_processing_comes_back_only_after_done() {
    let q = WorkQueue::new();
    q.add("a");
    assert_eq!(get(&q).await, Some("a"));
    q.add("a");
    q.add("a");
    assert_eq!(q.len(), 0, "not handed out while a worker holds it");
    assert_eq!(q.try_get(), None);
    q.done(&"a");
    assert_eq!(q.len(), 1, "queued once however often it was added");
    assert_eq!(get(&q).await, Some("a"));
    q.done(&"a");
    assert!(q.is_empty());
    q.done(&"a");
    assert!(q.is_empty(), "a second done is a no-op");
}

#[tokio::test]
async fn done_without_a_re_add_forgets_the_item() {
    let q = WorkQueue::new();
    q.add(1);
    assert_eq!(get(&q).await, Some(1));
    q.done(&1);
    q.add(1);
    assert_eq!(q.len(), 1);
    assert_eq!(get(&q).await, Some(1));
}

#[tokio::test]
async fn a_waiting_get_wakes_on_add() {
    let q: WorkQueue<u32> = WorkQueue::new();
    let waiter = tokio::spawn({
        let q = q.clone();
        async move { q.get().await }
    });
    tokio::time::sleep(ms(20)).await;
    assert!(!waiter.is_finished());
    q.add(7);
    let got = tokio::time::timeout(WAIT, waiter).await.expect("in time");
    assert_eq!(got.expect("task"), Some(7));
}

#[tokio::test]
async fn a_cancelled_get_takes_nothing() {
    let q: WorkQueue<u32> = WorkQueue::new();
    assert!(tokio::time::timeout(ms(20), q.get()).await.is_err());
    q.add(1);
    assert_eq!(q.len(), 1);
    assert_eq!(get(&q).await, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_workers_never_hold_the_same_item_and_every_add_is_processed() {
    let q: WorkQueue<u32> = WorkQueue::new();
    let in_flight = Arc::new(Mutex::new(HashSet::new()));
    let violations = Arc::new(Mutex::new(Vec::new()));
    // Per key, how many times processing started after its last add.
    let last_add = Arc::new(Mutex::new(vec![0u64; 16]));
    let last_start = Arc::new(Mutex::new(vec![0u64; 16]));
    let clock = Arc::new(std::sync::atomic::AtomicU64::new(1));
    let mut workers = Vec::new();
    for _ in 0..6 {
        let (q, in_flight, violations, last_start, clock) = (
            q.clone(),
            in_flight.clone(),
            violations.clone(),
            last_start.clone(),
            clock.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut handled = 0u64;
            while let Some(key) = q.get().await {
                if !in_flight.lock().insert(key) {
                    violations.lock().push(key);
                }
                let t = clock.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                last_start.lock()[key as usize] = t;
                tokio::task::yield_now().await;
                in_flight.lock().remove(&key);
                q.done(&key);
                handled += 1;
            }
            handled
        }));
    }
    for i in 0..20_000u32 {
        let key = (i * 7919) % 16;
        let t = clock.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        last_add.lock()[key as usize] = t;
        q.add(key);
        if i % 64 == 0 {
            tokio::task::yield_now().await;
        }
    }
    tokio::time::timeout(Duration::from_secs(20), q.shut_down_with_drain())
        .await
        .expect("drains");
    let mut handled = 0;
    for w in workers {
        handled += w.await.expect("worker");
    }
    assert!(
        violations.lock().is_empty(),
        "items held by two workers at once"
    );
    assert!((16..=20_000).contains(&handled), "handled {handled}");
    let (adds, starts) = (last_add.lock(), last_start.lock());
    for key in 0..16 {
        assert!(
            starts[key] > adds[key],
            "key {key}: last add at {} was never processed (last start {})",
            adds[key],
            starts[key]
        );
    }
}

#[tokio::test]
async fn shut_down_hands_out_what_is_queued_then_none_and_ignores_adds() {
    let q = WorkQueue::new();
    q.add("a");
    q.add("b");
    q.shut_down();
    assert!(q.is_shutting_down());
    q.add("c");
    assert_eq!(get(&q).await, Some("a"));
    assert_eq!(get(&q).await, Some("b"));
    assert_eq!(get(&q).await, None);
    assert_eq!(get(&q).await, None);
}

#[tokio::test]
async fn shut_down_wakes_waiting_getters_with_none() {
    let q: WorkQueue<u32> = WorkQueue::new();
    let waiters: Vec<_> = (0..3)
        .map(|_| {
            let q = q.clone();
            tokio::spawn(async move { q.get().await })
        })
        .collect();
    tokio::time::sleep(ms(20)).await;
    q.shut_down();
    for w in waiters {
        let got = tokio::time::timeout(WAIT, w).await.expect("woken");
        assert_eq!(got.expect("task"), None);
    }
}

#[tokio::test]
async fn shut_down_with_drain_waits_for_items_in_flight() {
    let q = WorkQueue::new();
    q.add("a");
    q.add("b");
    let a = get(&q).await;
    assert_eq!(a, Some("a"));
    let drain = tokio::spawn({
        let q = q.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(ms(30)).await;
    assert!(!drain.is_finished(), "a is still in flight");
    assert!(q.is_shutting_down());
    // Queued items are still handed out while draining.
    assert_eq!(get(&q).await, Some("b"));
    q.done(&"a");
    tokio::time::sleep(ms(30)).await;
    assert!(!drain.is_finished(), "b is still in flight");
    q.done(&"b");
    tokio::time::timeout(WAIT, drain)
        .await
        .expect("drain ends")
        .expect("task");
    assert_eq!(get(&q).await, None);
}

#[tokio::test]
async fn shut_down_ends_a_drain_early() {
    let q = WorkQueue::new();
    q.add(1);
    assert_eq!(get(&q).await, Some(1));
    let drain = tokio::spawn({
        let q = q.clone();
        async move { q.shut_down_with_drain().await }
    });
    tokio::time::sleep(ms(20)).await;
    assert!(!drain.is_finished());
    q.shut_down();
    tokio::time::timeout(WAIT, drain)
        .await
        .expect("drain ends")
        .expect("task");
}

#[tokio::test]
async fn add_after_hands_items_out_in_ready_order() {
    let (clock, config) = fake();
    let q = DelayingQueue::with_config(config);
    q.add_after("c", Duration::from_secs(30));
    q.add_after("a", Duration::from_secs(10));
    q.add_after("b", Duration::from_secs(20));
    q.add_after("now", Duration::ZERO);
    assert_eq!(q.len(), 1);
    assert_eq!(q.try_get(), Some("now"));
    assert_eq!(q.waiting_len(), 3);
    clock.step(Duration::from_secs(9));
    assert_eq!(q.len(), 0);
    clock.step(Duration::from_secs(1));
    assert_eq!(q.len(), 1);
    assert_eq!(q.try_get(), Some("a"));
    clock.step(Duration::from_secs(25));
    assert_eq!(q.len(), 2);
    assert_eq!(q.try_get(), Some("b"));
    assert_eq!(q.try_get(), Some("c"));
    assert_eq!(q.waiting_len(), 0);
}

#[tokio::test]
async fn a_waiting_item_keeps_its_earliest_ready_time() {
    let (clock, config) = fake();
    let q = DelayingQueue::with_config(config);
    q.add_after("x", Duration::from_secs(10));
    q.add_after("x", Duration::from_secs(5));
    q.add_after("x", Duration::from_secs(20));
    assert_eq!(q.waiting_len(), 1);
    clock.step(Duration::from_secs(5));
    assert_eq!(q.len(), 1);
    assert_eq!(q.try_get(), Some("x"));
    q.done(&"x");
    clock.step(Duration::from_secs(60));
    assert_eq!(
        q.len(),
        0,
        "the later ready times were folded into the first"
    );
}

#[tokio::test]
async fn a_ready_delayed_item_is_queued_behind_items_added_before_it_was_ready() {
    let (clock, config) = fake();
    let q = DelayingQueue::with_config(config);
    q.add_after("late", Duration::from_secs(1));
    q.add("first");
    clock.step(Duration::from_secs(1));
    q.add("second");
    assert_eq!(q.try_get(), Some("first"));
    assert_eq!(q.try_get(), Some("late"));
    assert_eq!(q.try_get(), Some("second"));
}

#[tokio::test]
async fn a_waiting_get_wakes_when_a_delayed_item_becomes_ready() {
    let (clock, config) = fake();
    let q: DelayingQueue<&str> = DelayingQueue::with_config(config);
    let waiter = tokio::spawn({
        let q = q.clone();
        async move { q.get().await }
    });
    tokio::time::sleep(ms(20)).await;
    q.add_after("x", Duration::from_secs(10));
    // The getter re-arms on the earlier deadline and sleeps on the fake clock.
    let deadline = tokio::time::Instant::now() + WAIT;
    while clock.sleepers() == 0 {
        assert!(tokio::time::Instant::now() < deadline, "getter never slept");
        tokio::time::sleep(ms(1)).await;
    }
    clock.step(Duration::from_secs(9));
    tokio::time::sleep(ms(20)).await;
    assert!(!waiter.is_finished());
    clock.step(Duration::from_secs(1));
    let got = tokio::time::timeout(WAIT, waiter).await.expect("woken");
    assert_eq!(got.expect("task"), Some("x"));
}

#[tokio::test]
async fn shut_down_drops_items_still_waiting() {
    let (clock, config) = fake();
    let q = DelayingQueue::with_config(config);
    q.add_after(1, Duration::from_secs(1));
    q.shut_down();
    q.add_after(2, Duration::ZERO);
    clock.step(Duration::from_secs(2));
    assert_eq!(q.waiting_len(), 0);
    assert_eq!(get(&q).await, None);
}

#[test]
fn exponential_failure_doubles_from_the_base_to_the_cap() {
    let l = ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000));
    let delays: Vec<_> = (0..5).map(|_| l.when(&"one")).collect();
    assert_eq!(delays, vec![ms(5), ms(10), ms(20), ms(40), ms(80)]);
    assert_eq!(l.num_requeues(&"one"), 5);
    assert_eq!(l.when(&"two"), ms(5), "items back off independently");
    l.forget(&"one");
    assert_eq!(l.num_requeues(&"one"), 0);
    assert_eq!(l.when(&"one"), ms(5));
    // 5 ms * 2^17 = 655.36 s, 2^18 would be 1310.72 s: capped.
    let l = ItemExponentialFailureRateLimiter::new(ms(5), Duration::from_secs(1000));
    for _ in 0..17 {
        l.when(&"x");
    }
    assert_eq!(l.when(&"x"), Duration::from_millis(655_360));
    assert_eq!(l.when(&"x"), Duration::from_secs(1000));
    for _ in 0..2000 {
        l.when(&"x");
    }
    assert_eq!(l.when(&"x"), Duration::from_secs(1000), "no overflow");
}

#[test]
fn fast_slow_switches_after_the_fast_attempts() {
    let l = ItemFastSlowRateLimiter::new(ms(5), Duration::from_secs(10), 3);
    let delays: Vec<_> = (0..5).map(|_| l.when(&"a")).collect();
    assert_eq!(
        delays,
        vec![
            ms(5),
            ms(5),
            ms(5),
            Duration::from_secs(10),
            Duration::from_secs(10)
        ]
    );
    assert_eq!(l.num_requeues(&"a"), 5);
    l.forget(&"a");
    assert_eq!(l.when(&"a"), ms(5));
}

#[test]
fn bucket_allows_a_burst_then_queues_at_its_rate() {
    let clock = FakeClock::new();
    let l = BucketRateLimiter::with_clock(10.0, 100, Arc::new(clock.clone()));
    for i in 0..100 {
        assert_eq!(
            RateLimiter::<u32>::when(&l, &i),
            Duration::ZERO,
            "burst {i}"
        );
    }
    assert_eq!(RateLimiter::<u32>::when(&l, &100), ms(100));
    assert_eq!(RateLimiter::<u32>::when(&l, &101), ms(200));
    // One second refills ten tokens: two pay the debt, eight are free.
    clock.step(Duration::from_secs(1));
    for i in 0..8 {
        assert_eq!(
            RateLimiter::<u32>::when(&l, &i),
            Duration::ZERO,
            "refill {i}"
        );
    }
    assert_eq!(RateLimiter::<u32>::when(&l, &9), ms(100));
    // Never more than the burst saved up.
    clock.step(Duration::from_secs(3600));
    for i in 0..100 {
        assert_eq!(RateLimiter::<u32>::when(&l, &i), Duration::ZERO);
    }
    assert_eq!(RateLimiter::<u32>::when(&l, &0), ms(100));
    assert_eq!(RateLimiter::<u32>::num_requeues(&l, &0), 0);
}

#[test]
fn max_of_takes_the_longest_delay_and_forgets_everywhere() {
    let l: MaxOfRateLimiter<&str> = MaxOfRateLimiter::new(vec![
        Box::new(ItemFastSlowRateLimiter::new(
            ms(5),
            Duration::from_secs(3),
            1,
        )),
        Box::new(ItemExponentialFailureRateLimiter::new(
            ms(1),
            Duration::from_secs(1),
        )),
    ]);
    assert_eq!(l.when(&"a"), ms(5));
    assert_eq!(l.when(&"a"), Duration::from_secs(3));
    assert_eq!(l.when(&"a"), Duration::from_secs(3));
    assert_eq!(l.num_requeues(&"a"), 3);
    l.forget(&"a");
    assert_eq!(l.num_requeues(&"a"), 0);
    assert_eq!(l.when(&"a"), ms(5));
}

#[test]
fn default_controller_limiter_is_per_item_backoff_under_an_overall_bucket() {
    let clock = FakeClock::new();
    let l = default_controller_rate_limiter_with_clock::<u32>(Arc::new(clock.clone()));
    assert_eq!(l.when(&1), ms(5));
    assert_eq!(l.when(&1), ms(10));
    assert_eq!(l.when(&1), ms(20));
    // 97 more distinct failures use up the burst of 100 ...
    for i in 2..99 {
        assert_eq!(l.when(&i), ms(5));
    }
    // ... after which the bucket's 100 ms per token dominates.
    assert_eq!(l.when(&1000), ms(100));
    assert_eq!(l.when(&1001), ms(200));
    assert_eq!(l.num_requeues(&1), 3);
}

#[tokio::test]
async fn rate_limited_adds_wait_for_the_limiter_and_forget_resets() {
    let (clock, config) = fake();
    let q = RateLimitingQueue::with_config(
        ItemExponentialFailureRateLimiter::new(Duration::from_secs(1), Duration::from_secs(60)),
        config,
    );
    q.add_rate_limited("x");
    assert_eq!(q.num_requeues(&"x"), 1);
    assert_eq!(q.len(), 0);
    clock.step(Duration::from_secs(1));
    assert_eq!(q.try_get(), Some("x"));
    q.add_rate_limited("x");
    clock.step(Duration::from_millis(1999));
    assert_eq!(q.len(), 0, "second retry waits 2 s");
    clock.step(ms(1));
    assert_eq!(q.len(), 0, "x is still being processed");
    q.done(&"x");
    assert_eq!(q.try_get(), Some("x"));
    q.forget(&"x");
    q.done(&"x");
    assert_eq!(q.num_requeues(&"x"), 0);
    q.add_rate_limited("x");
    clock.step(Duration::from_secs(1));
    assert_eq!(q.len(), 1);
}

/// The `/metrics` text a scrape of `registry` shows.
fn scrape(registry: &prometheus::Registry) -> String {
    use prometheus::Encoder;
    let mut out = Vec::new();
    prometheus::TextEncoder::new()
        .encode(&registry.gather(), &mut out)
        .expect("encodes");
    String::from_utf8(out).expect("utf-8")
}

/// A sample's value from the scrape, e.g. `workqueue_depth{name="q"}`.
fn metric(registry: &prometheus::Registry, series: &str) -> Option<f64> {
    let text = scrape(registry);
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn named_queues_report_client_go_metrics() {
    let registry = prometheus::Registry::new();
    let provider = MetricsProvider::register(&registry).expect("registers");
    let clock = FakeClock::new();
    let q = RateLimitingQueue::with_config(
        ItemFastSlowRateLimiter::new(Duration::from_secs(1), Duration::from_secs(1), 1),
        QueueConfig::named("widgets")
            .metrics(&provider)
            .clock(Arc::new(clock.clone())),
    );
    q.add("a");
    q.add("b");
    q.add("a");
    q.add("c");
    assert_eq!(
        metric(&registry, r#"workqueue_adds_total{name="widgets"}"#),
        Some(3.0)
    );
    assert_eq!(
        metric(&registry, r#"workqueue_depth{name="widgets"}"#),
        Some(3.0)
    );
    clock.step(Duration::from_secs(2));
    let a = q.try_get().expect("a");
    assert_eq!(
        metric(&registry, r#"workqueue_depth{name="widgets"}"#),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_queue_duration_seconds_count{name="widgets"}"#
        ),
        Some(1.0)
    );
    clock.step(Duration::from_secs(3));
    let b = q.try_get().expect("b");
    clock.step(Duration::from_secs(1));
    // a has run 4 s, b 1 s.
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_unfinished_work_seconds{name="widgets"}"#
        ),
        Some(5.0)
    );
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_longest_running_processor_seconds{name="widgets"}"#
        ),
        Some(4.0)
    );
    q.done(&a);
    q.done(&b);
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_work_duration_seconds_count{name="widgets"}"#
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_unfinished_work_seconds{name="widgets"}"#
        ),
        Some(0.0)
    );
    q.add_rate_limited("d");
    assert_eq!(
        metric(&registry, r#"workqueue_retries_total{name="widgets"}"#),
        Some(1.0)
    );

    // The histogram sums the seconds the items waited: a 2 s, b 5 s.
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_queue_duration_seconds_count{name="widgets"}"#
        ),
        Some(2.0)
    );
    assert_eq!(
        metric(
            &registry,
            r#"workqueue_queue_duration_seconds_sum{name="widgets"}"#
        ),
        Some(7.0)
    );
    // Buckets from 10 ns by factors of 10, as component-base's.
    assert!(scrape(&registry)
        .contains(r#"workqueue_queue_duration_seconds_bucket{name="widgets",le="0.00000001"} 0"#));

    // An unnamed queue on the same provider adds no series.
    let unnamed: WorkQueue<u32> = WorkQueue::with_config(QueueConfig {
        metrics: Some(provider.clone()),
        ..Default::default()
    });
    unnamed.add(1);
    let text = scrape(&registry);
    let depth_series = text
        .lines()
        .filter(|l| l.starts_with("workqueue_depth{"))
        .count();
    assert_eq!(depth_series, 1, "{text}");
    // A second registration on the same registry is refused, not doubled.
    assert!(MetricsProvider::register(&registry).is_err());
}
