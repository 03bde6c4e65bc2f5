//! What a reconcile asks for next, and how the queue carries it out
//! (client-go's sample-controller `processNextWorkItem`, controller-runtime's
//! `reconcileHandler`).

use crate::workqueue::RateLimitingQueue;
use std::time::Duration;

/// The outcome of a successful reconcile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// In sync: forget the key's failures; the next change enqueues it again.
    Done,
    /// Run again after the rate limiter's delay (the key's backoff grows).
    Requeue,
    /// Run again after this long (the key's failures are forgotten).
    RequeueAfter(Duration),
}

/// What happened to one key, for the queue.
pub(crate) enum Outcome {
    Ok(Action),
    Failed,
}

/// Applies `outcome` to `key` on the queue; `done` comes after.
pub(crate) fn requeue(queue: &RateLimitingQueue<String>, key: &str, outcome: Outcome) {
    match outcome {
        Outcome::Ok(Action::Done) => queue.forget(&key.to_string()),
        Outcome::Ok(Action::Requeue) | Outcome::Failed => queue.add_rate_limited(key.to_string()),
        Outcome::Ok(Action::RequeueAfter(d)) => {
            let key = key.to_string();
            queue.forget(&key);
            queue.add_after(key, d);
        }
    }
}
