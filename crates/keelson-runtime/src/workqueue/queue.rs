//! `WorkQueue`: client-go's `workqueue.Typed` — a FIFO of distinct items in
//! which an item being processed is never handed out a second time until
//! [`WorkQueue::done`] — plus the waiting room the delaying queue builds on.

use super::clock::{Clock, RealClock};
use super::metrics::{InFlight, MetricsProvider, QueueMetrics};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::Hash;
use std::pin::pin;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// What a queue item must be: cheap to clone (keys such as `namespace/name`
/// strings), comparable and hashable for de-duplication.
pub trait QueueItem: Clone + Eq + Hash + Send + Sync + 'static {}
impl<T: Clone + Eq + Hash + Send + Sync + 'static> QueueItem for T {}

/// How a queue is built (client-go's `TypedQueueConfig`).
#[derive(Clone)]
pub struct QueueConfig {
    /// The queue's name: the `name` label of its metrics.
    pub name: Option<String>,
    /// Where a named queue reports; `None` costs nothing.
    pub metrics: Option<MetricsProvider>,
    /// The clock for delays and metrics.
    pub clock: Arc<dyn Clock>,
}

impl Default for QueueConfig {
    fn default() -> Self {
        QueueConfig {
            name: None,
            metrics: None,
            clock: Arc::new(RealClock),
        }
    }
}

impl std::fmt::Debug for QueueConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("QueueConfig")
            .field("name", &self.name)
            .field("metrics", &self.metrics.is_some())
            .finish_non_exhaustive()
    }
}

impl QueueConfig {
    /// A queue named `name` (metrics only once [`QueueConfig::metrics`] is set too).
    pub fn named(name: &str) -> QueueConfig {
        QueueConfig {
            name: Some(name.to_string()),
            ..Default::default()
        }
    }

    /// Reports to `provider` under the queue's name.
    pub fn metrics(mut self, provider: &MetricsProvider) -> QueueConfig {
        self.metrics = Some(provider.clone());
        self
    }

    /// Uses `clock` instead of the real one.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> QueueConfig {
        self.clock = clock;
        self
    }
}

/// A FIFO work queue with client-go's guarantees:
///
/// - an item added several times before a worker takes it is handed out once;
/// - an item added while a worker processes it is handed out again only after
///   that worker calls [`WorkQueue::done`], so no two workers ever hold it at once;
/// - after [`WorkQueue::shut_down`], adds are ignored and [`WorkQueue::get`]
///   hands out what is still queued, then `None`.
///
/// Clones share the queue.
pub struct WorkQueue<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for WorkQueue<T> {
    fn clone(&self) -> Self {
        WorkQueue {
            inner: self.inner.clone(),
        }
    }
}

impl<T> std::fmt::Debug for WorkQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let s = self.inner.state.lock();
        f.debug_struct("WorkQueue")
            .field("queued", &s.queue.len())
            .field("processing", &s.processing)
            .field("waiting", &s.waiting.by_time.len())
            .field("shutting_down", &s.shutting_down)
            .finish()
    }
}

pub(crate) struct Inner<T> {
    state: Mutex<State<T>>,
    /// Wakes `get` callers: an item was queued, the queue shut down, or an
    /// earlier delayed item arrived.
    item_ready: Notify,
    /// Wakes `shut_down_with_drain` when the last item in flight is done.
    idle: Notify,
    pub(crate) clock: Arc<dyn Clock>,
    metrics: Option<QueueMetrics>,
}

struct State<T> {
    queue: VecDeque<T>,
    /// Every item that is queued (dirty), processing, or both.
    items: HashMap<T, Entry>,
    processing: usize,
    getters_waiting: usize,
    shutting_down: bool,
    drain: bool,
    waiting: Waiting<T>,
}

/// One item's state. client-go keeps `dirty` and `processing` sets and two
/// metric timestamp maps; one map hashes each item once per operation.
struct Entry {
    dirty: bool,
    processing: bool,
    added_at: Option<Instant>,
    started_at: Option<Instant>,
}

/// Items added with a delay, by ready time (ties in insertion order), with
/// each item at most once at its earliest ready time.
struct Waiting<T> {
    by_time: BTreeMap<(Instant, u64), T>,
    ready_at: HashMap<T, (Instant, u64)>,
    seq: u64,
}

impl<T: QueueItem> Default for WorkQueue<T> {
    fn default() -> Self {
        WorkQueue::new()
    }
}

impl<T: QueueItem> WorkQueue<T> {
    /// An unnamed queue on the real clock, without metrics.
    pub fn new() -> WorkQueue<T> {
        WorkQueue::with_config(QueueConfig::default())
    }

    /// A queue built from `config`.
    pub fn with_config(config: QueueConfig) -> WorkQueue<T> {
        let QueueConfig {
            name,
            metrics,
            clock,
        } = config;
        let inner = Arc::new_cyclic(|weak: &std::sync::Weak<Inner<T>>| {
            let metrics = match (name, metrics) {
                (Some(name), Some(provider)) => {
                    let weak: std::sync::Weak<dyn InFlight> = weak.clone();
                    Some(provider.for_queue(&name, weak))
                }
                _ => None,
            };
            Inner {
                state: Mutex::new(State {
                    queue: VecDeque::new(),
                    items: HashMap::new(),
                    processing: 0,
                    getters_waiting: 0,
                    shutting_down: false,
                    drain: false,
                    waiting: Waiting {
                        by_time: BTreeMap::new(),
                        ready_at: HashMap::new(),
                        seq: 0,
                    },
                }),
                item_ready: Notify::new(),
                idle: Notify::new(),
                clock,
                metrics,
            }
        });
        WorkQueue { inner }
    }

    /// Queues `item` unless it is queued already. If it is being processed, it
    /// is queued again when its worker calls [`WorkQueue::done`]. Ignored once
    /// the queue shuts down.
    pub fn add(&self, item: T) {
        let mut s = self.inner.state.lock();
        self.inner.promote_ready(&mut s);
        self.inner.add_locked(&mut s, item);
    }

    /// The next item, waiting for one if the queue is empty; `None` once the
    /// queue is shut down and empty. The caller must call
    /// [`WorkQueue::done`] with the item when it has finished with it.
    ///
    /// Cancel-safe: dropping the future before it completes takes nothing.
    pub async fn get(&self) -> Option<T> {
        let inner = &*self.inner;
        loop {
            {
                let mut s = inner.state.lock();
                inner.promote_ready(&mut s);
                if let Some(item) = inner.pop_locked(&mut s) {
                    return Some(item);
                }
                if s.shutting_down {
                    return None;
                }
                // From here on adds call `notify_one`; one that comes before
                // `enable` below leaves a permit, which wakes a getter at once.
                s.getters_waiting += 1;
            }
            let _waiting = GetterWaiting(inner);
            let mut notified = pin!(inner.item_ready.notified());
            notified.as_mut().enable();
            // `notify_waiters` (shut down, an earlier delayed item) stores no
            // permit: look again now that this getter is registered.
            let next_ready = {
                let mut s = inner.state.lock();
                let next = inner.promote_ready(&mut s);
                if !s.queue.is_empty() || s.shutting_down {
                    continue;
                }
                next
            };
            match next_ready {
                Some(deadline) => {
                    let sleep = inner.clock.sleep_until(deadline);
                    tokio::select! {
                        _ = notified => {}
                        _ = sleep => {}
                    }
                }
                None => notified.await,
            }
        }
    }

    /// The next item if one is queued now, without waiting.
    pub fn try_get(&self) -> Option<T> {
        let mut s = self.inner.state.lock();
        self.inner.promote_ready(&mut s);
        self.inner.pop_locked(&mut s)
    }

    /// Marks `item` as no longer processed. If it was added meanwhile, it is
    /// queued again now.
    pub fn done(&self, item: &T) {
        let inner = &*self.inner;
        let mut s = inner.state.lock();
        inner.promote_ready(&mut s);
        let Some(entry) = s.items.get_mut(item) else {
            return;
        };
        if !entry.processing {
            return;
        }
        entry.processing = false;
        if let (Some(m), Some(started)) = (&inner.metrics, entry.started_at.take()) {
            m.work_duration.observe(seconds(
                inner.clock.now().saturating_duration_since(started),
            ));
        }
        let requeue = entry.dirty;
        s.processing -= 1;
        if requeue {
            s.queue.push_back(item.clone());
            if s.getters_waiting > 0 {
                inner.item_ready.notify_one();
            }
        } else {
            s.items.remove(item);
        }
        if s.processing == 0 && s.drain {
            inner.idle.notify_waiters();
        }
    }

    /// Items queued and not yet handed out (client-go's `Len`; items waiting
    /// for a delay are not counted until they are ready).
    pub fn len(&self) -> usize {
        let mut s = self.inner.state.lock();
        self.inner.promote_ready(&mut s);
        s.queue.len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Stops taking items: adds are ignored from now on, waiting `get`s return
    /// what is still queued, then `None`; delayed items not yet ready are dropped.
    pub fn shut_down(&self) {
        let mut s = self.inner.state.lock();
        s.shutting_down = true;
        s.drain = false;
        s.waiting.by_time.clear();
        s.waiting.ready_at.clear();
        drop(s);
        self.inner.item_ready.notify_waiters();
        self.inner.idle.notify_waiters();
    }

    /// Shuts down like [`WorkQueue::shut_down`], then waits until every item
    /// handed out has been marked [`WorkQueue::done`] (workers must keep
    /// calling `get` and `done` meanwhile). A plain `shut_down` from elsewhere
    /// ends the wait early.
    pub async fn shut_down_with_drain(&self) {
        {
            let mut s = self.inner.state.lock();
            s.shutting_down = true;
            s.drain = true;
            s.waiting.by_time.clear();
            s.waiting.ready_at.clear();
        }
        self.inner.item_ready.notify_waiters();
        loop {
            let mut idle = pin!(self.inner.idle.notified());
            idle.as_mut().enable();
            {
                let s = self.inner.state.lock();
                if s.processing == 0 || !s.drain {
                    return;
                }
            }
            idle.await;
        }
    }

    /// Whether [`WorkQueue::shut_down`] (or the drain variant) was called.
    pub fn is_shutting_down(&self) -> bool {
        self.inner.state.lock().shutting_down
    }

    /// Queues `item` once `delay` has passed on the queue's clock. An item
    /// already waiting keeps the earlier of its two ready times.
    pub(crate) fn add_after(&self, item: T, delay: Duration) {
        let inner = &*self.inner;
        let mut s = inner.state.lock();
        if s.shutting_down {
            return;
        }
        if let Some(m) = &inner.metrics {
            m.retries.inc();
        }
        if delay.is_zero() {
            inner.promote_ready(&mut s);
            inner.add_locked(&mut s, item);
            return;
        }
        let ready_at = inner.clock.now() + delay;
        let w = &mut s.waiting;
        let earliest_before = w.by_time.keys().next().map(|k| k.0);
        match w.ready_at.get_mut(&item) {
            Some(key) if key.0 <= ready_at => return,
            Some(key) => {
                let old = *key;
                let new = (ready_at, w.seq);
                *key = new;
                w.seq += 1;
                if let Some(item) = w.by_time.remove(&old) {
                    w.by_time.insert(new, item);
                }
            }
            None => {
                let key = (ready_at, w.seq);
                w.seq += 1;
                w.ready_at.insert(item.clone(), key);
                w.by_time.insert(key, item);
            }
        }
        // Getters asleep until a later deadline must look again.
        if earliest_before.is_none_or(|t| ready_at < t) && s.getters_waiting > 0 {
            drop(s);
            inner.item_ready.notify_waiters();
        }
    }

    /// Items waiting for their delay to pass.
    pub(crate) fn waiting_len(&self) -> usize {
        self.inner.state.lock().waiting.by_time.len()
    }
}

impl<T: QueueItem> Inner<T> {
    fn add_locked(&self, s: &mut State<T>, item: T) {
        if s.shutting_down {
            return;
        }
        let now = self.metrics.as_ref().map(|_| self.clock.now());
        match s.items.get_mut(&item) {
            // client-go's FIFO `Touch` does nothing: the item keeps its place.
            Some(entry) if entry.dirty => return,
            Some(entry) => {
                // Processing: queued again by `done`.
                entry.dirty = true;
                if entry.added_at.is_none() {
                    entry.added_at = now;
                }
            }
            None => {
                s.items.insert(
                    item.clone(),
                    Entry {
                        dirty: true,
                        processing: false,
                        added_at: now,
                        started_at: None,
                    },
                );
                s.queue.push_back(item);
                if s.getters_waiting > 0 {
                    self.item_ready.notify_one();
                }
            }
        }
        if let Some(m) = &self.metrics {
            m.adds.inc();
            m.depth.inc();
        }
    }

    fn pop_locked(&self, s: &mut State<T>) -> Option<T> {
        let item = s.queue.pop_front()?;
        let now = self.metrics.as_ref().map(|_| self.clock.now());
        if let Some(entry) = s.items.get_mut(&item) {
            entry.dirty = false;
            entry.processing = true;
            if let (Some(m), Some(now)) = (&self.metrics, now) {
                m.depth.dec();
                if let Some(added) = entry.added_at.take() {
                    m.latency
                        .observe(seconds(now.saturating_duration_since(added)));
                }
                entry.started_at = Some(now);
            }
        }
        s.processing += 1;
        Some(item)
    }

    /// Moves delayed items whose time has come into the queue; returns the
    /// ready time of the next one still waiting.
    fn promote_ready(&self, s: &mut State<T>) -> Option<Instant> {
        if s.waiting.by_time.is_empty() {
            return None;
        }
        let now = self.clock.now();
        while let Some(entry) = s.waiting.by_time.first_entry() {
            if entry.key().0 > now {
                return Some(entry.key().0);
            }
            let item = entry.remove();
            s.waiting.ready_at.remove(&item);
            self.add_locked(s, item);
        }
        None
    }
}

impl<T: QueueItem> InFlight for Inner<T> {
    fn in_flight(&self) -> (Duration, Duration) {
        let now = self.clock.now();
        let s = self.state.lock();
        let mut total = Duration::ZERO;
        let mut longest = Duration::ZERO;
        for started in s.items.values().filter_map(|e| e.started_at) {
            let d = now.saturating_duration_since(started);
            total += d;
            longest = longest.max(d);
        }
        (total, longest)
    }
}

/// Counts a `get` as waiting for as long as it is; cancellation included.
struct GetterWaiting<'a, T>(&'a Inner<T>);

impl<T> Drop for GetterWaiting<'_, T> {
    fn drop(&mut self) {
        self.0.state.lock().getters_waiting -= 1;
    }
}

fn seconds(d: Duration) -> f64 {
    d.as_secs_f64()
}
