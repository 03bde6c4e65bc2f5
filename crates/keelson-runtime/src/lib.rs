//! client-go's controller machinery in Rust, on tokio.
//!
//! - [`informer`]: `Reflector` (list + watch, resume, relist on 410 Gone),
//!   `Store`/`Indexer`, `DeltaFIFO`, `SharedInformerFactory` and `Lister`s
//!   (client-go `tools/cache`).
//! - [`workqueue`]: `WorkQueue`, `DelayingQueue`, `RateLimitingQueue` and
//!   client-go's rate limiters (`util/workqueue`).
//! - [`controller`]: informers + a rate-limited queue + workers + a reconcile function.
//! - [`leaderelection`]: leader election on `coordination.k8s.io/v1` Leases.
//! - [`events`]: an `events.k8s.io/v1` event recorder with client-go's aggregation.

#![warn(missing_docs)]

pub mod controller;
pub mod events;
pub mod informer;
pub mod leaderelection;
pub mod workqueue;
