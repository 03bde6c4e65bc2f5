//! `RateLimitingQueue`: a [`DelayingQueue`] whose retries wait as a
//! [`RateLimiter`] says (client-go's `TypedRateLimitingInterface`).

use super::delaying::DelayingQueue;
use super::queue::{QueueConfig, QueueItem};
use super::rate_limiters::{default_controller_rate_limiter, RateLimiter};
use std::ops::Deref;
use std::sync::Arc;

/// A delaying queue with rate-limited retries. Dereferences to the
/// [`DelayingQueue`] (and on to the [`super::WorkQueue`]). Clones share the queue.
pub struct RateLimitingQueue<T> {
    queue: DelayingQueue<T>,
    limiter: Arc<dyn RateLimiter<T>>,
}

impl<T> Clone for RateLimitingQueue<T> {
    fn clone(&self) -> Self {
        RateLimitingQueue {
            queue: self.queue.clone(),
            limiter: self.limiter.clone(),
        }
    }
}

impl<T> std::fmt::Debug for RateLimitingQueue<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.queue.fmt(f)
    }
}

impl<T: QueueItem> Default for RateLimitingQueue<T> {
    /// An unnamed queue with [`default_controller_rate_limiter`].
    fn default() -> Self {
        RateLimitingQueue::new(default_controller_rate_limiter())
    }
}

impl<T: QueueItem> RateLimitingQueue<T> {
    /// An unnamed queue on the real clock, without metrics.
    pub fn new(limiter: impl RateLimiter<T> + 'static) -> RateLimitingQueue<T> {
        RateLimitingQueue::with_config(limiter, QueueConfig::default())
    }

    /// A queue built from `config`.
    pub fn with_config(
        limiter: impl RateLimiter<T> + 'static,
        config: QueueConfig,
    ) -> RateLimitingQueue<T> {
        RateLimitingQueue {
            queue: DelayingQueue::with_config(config),
            limiter: Arc::new(limiter),
        }
    }

    /// Queues `item` after the delay the rate limiter gives it.
    pub fn add_rate_limited(&self, item: T) {
        let delay = self.limiter.when(&item);
        self.queue.add_after(item, delay);
    }

    /// Stops tracking `item`'s retries (it succeeded). It does not take the
    /// item out of the queue.
    pub fn forget(&self, item: &T) {
        self.limiter.forget(item);
    }

    /// How many times `item` was retried since it was last forgotten.
    pub fn num_requeues(&self, item: &T) -> usize {
        self.limiter.num_requeues(item)
    }
}

impl<T> Deref for RateLimitingQueue<T> {
    type Target = DelayingQueue<T>;

    fn deref(&self) -> &DelayingQueue<T> {
        &self.queue
    }
}
