//! Work queues (client-go's `util/workqueue`): what sits between informers
//! and the workers of a controller.
//!
//! - [`WorkQueue`]: FIFO with de-duplication; an item is never handed to two
//!   workers at once (re-added while processed, it comes back after `done`).
//! - [`DelayingQueue`]: plus `add_after`.
//! - [`RateLimitingQueue`]: plus `add_rate_limited`, `forget`, `num_requeues`,
//!   with client-go's [`RateLimiter`]s.
//! - [`MetricsProvider`]: client-go's `workqueue_*` Prometheus metrics for named queues.
//! - [`Clock`]: real time, or a [`FakeClock`] for deterministic tests.
//!
//! A worker loop:
//!
//! ```
//! # async fn demo() {
//! use keelson_runtime::workqueue::RateLimitingQueue;
//!
//! let queue: RateLimitingQueue<String> = RateLimitingQueue::default();
//! queue.add("default/web".to_string());
//! queue.shut_down(); // what is queued is still handed out
//! while let Some(key) = queue.get().await {
//!     let ok = !key.is_empty(); // reconcile `key` here
//!     if ok {
//!         queue.forget(&key);
//!     } else {
//!         queue.add_rate_limited(key.clone());
//!     }
//!     queue.done(&key);
//! }
//! # }
//! ```

mod clock;
mod delaying;
mod metrics;
mod queue;
mod rate_limiters;
mod rate_limiting;

pub use clock::{Clock, FakeClock, RealClock, Sleep};
pub use delaying::DelayingQueue;
pub use metrics::MetricsProvider;
pub use queue::{QueueConfig, QueueItem, WorkQueue};
pub use rate_limiters::{
    default_controller_rate_limiter, default_controller_rate_limiter_with_clock, BucketRateLimiter,
    ItemExponentialFailureRateLimiter, ItemFastSlowRateLimiter, MaxOfRateLimiter, RateLimiter,
};
pub use rate_limiting::RateLimitingQueue;
