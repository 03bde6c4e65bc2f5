//! One worker: take a key, reconcile it, tell the queue what happened.

use super::action::{requeue, Action, Outcome};
use crate::workqueue::RateLimitingQueue;
use futures::future::BoxFuture;
use futures::FutureExt;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

/// The reconcile function, type-erased: `namespace/name` → what next.
pub(crate) type Reconcile =
    Arc<dyn Fn(String) -> BoxFuture<'static, Result<Action, String>> + Send + Sync>;

/// Works until the queue is shut down and empty.
pub(crate) async fn run(name: Arc<str>, queue: RateLimitingQueue<String>, reconcile: Reconcile) {
    while let Some(key) = queue.get().await {
        // A panicking reconcile is a failed one: the key is retried and the
        // worker lives on (controller-runtime's RecoverPanic).
        let outcome = match AssertUnwindSafe(reconcile(key.clone()))
            .catch_unwind()
            .await
        {
            Ok(Ok(action)) => {
                tracing::debug!(controller = %name, key = %key, ?action, "reconciled");
                Outcome::Ok(action)
            }
            Ok(Err(e)) => {
                tracing::error!(
                    controller = %name,
                    key = %key,
                    retries = queue.num_requeues(&key),
                    "error syncing {key:?}: {e}, requeuing"
                );
                Outcome::Failed
            }
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(controller = %name, key = %key, "reconcile panicked: {what}");
                Outcome::Failed
            }
        };
        requeue(&queue, &key, outcome);
        queue.done(&key);
    }
}
