//! `DelayingQueue`: a [`WorkQueue`] that also takes items to queue later
//! (client-go's `TypedDelayingInterface`).
//!
//! There is no timer task: items whose time has come move into the queue
//! whenever the queue is used (`add`, `get`, `done`, `len`), and a waiting
//! `get` sleeps until the earliest ready time. The queue reads exactly as
//! client-go's does at every call; only `workqueue_depth` counts a ready item
//! from the first call after its ready time.

use super::queue::{QueueConfig, QueueItem, WorkQueue};
use std::ops::Deref;
use std::time::Duration;

/// A work queue with [`DelayingQueue::add_after`]. Dereferences to the
/// [`WorkQueue`] for everything else. Clones share the queue.
pub struct DelayingQueue<T> {
    queue: WorkQueue<T>,
}

impl<T> Clone for DelayingQueue<T> {
    fn clone(&self) -> Self {
        DelayingQueue {
            queue: self.queue.clone(),
        }
    }
}

impl<T> std::fmt::Debug for DelayingQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.queue.fmt(f)
    }
}

impl<T: QueueItem> Default for DelayingQueue<T> {
    fn default() -> Self {
        DelayingQueue::new()
    }
}

impl<T: QueueItem> DelayingQueue<T> {
    /// An unnamed delaying queue on the real clock, without metrics.
    pub fn new() -> DelayingQueue<T> {
        DelayingQueue::with_config(QueueConfig::default())
    }

    /// A delaying queue built from `config`.
    pub fn with_config(config: QueueConfig) -> DelayingQueue<T> {
        DelayingQueue {
            queue: WorkQueue::with_config(config),
        }
    }

    /// Queues `item` once `delay` has passed (at once for a zero delay). An
    /// item already waiting keeps the earlier ready time. Counts as a retry
    /// in `workqueue_retries_total`, as in client-go. Ignored after shutdown.
    pub fn add_after(&self, item: T, delay: Duration) {
        self.queue.add_after(item, delay);
    }

    /// Items added with a delay that has not passed yet.
    pub fn waiting_len(&self) -> usize {
        self.queue.waiting_len()
    }
}

impl<T> Deref for DelayingQueue<T> {
    type Target = WorkQueue<T>;

    fn deref(&self) -> &WorkQueue<T> {
        &self.queue
    }
}
