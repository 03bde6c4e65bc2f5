//! client-go's `tools/cache`: informers keep a local, indexed copy of a
//! resource up to date and tell handlers what changed.
//!
//! ```text
//! Reflector (LIST + WATCH) → DeltaFifo → Indexer (cache) → Lister
//!                                      ↘ handlers: on_add / on_update / on_delete
//! ```
//!
//! - [`SharedInformerFactory`]: one [`SharedIndexInformer`] per resource —
//!   typed (`factory.informer::<Pod>()`), dynamic ([`DynamicObject`](keelson_client::DynamicObject),
//!   any resource incl. custom ones) or metadata-only ([`PartialObjectMetadata`]);
//!   `start()`, `wait_for_cache_sync()`, `shutdown()`.
//! - [`SharedIndexInformer`]: handlers ([`ResourceEventHandler`], or closures in
//!   [`ResourceEventHandlerFuncs`]) each run on their own task and see one
//!   object's changes in the order the cache saw them; [`Lister`]s read the cache.
//! - [`Reflector`]: paginated LIST then WATCH from its resourceVersion,
//!   resume after a dropped watch, relist on `410 Gone`, bookmarks, WatchList
//!   (`sendInitialEvents`) with fallback, backoff with jitter, resync.
//! - [`Indexer`] (alias [`Store`]): the thread-safe cache keyed `namespace/name`, with indexes.
//! - [`DeltaFifo`]: deltas per key between the reflector and the cache.
//!
//! Objects are cached as `Arc<K>`: the cache, the handlers and the listers
//! share one copy, and nobody may change it.
//!
//! For a controller: add a handler that puts [`meta_namespace_key`]s (or for
//! deletions [`DeltaObject::key`]) on a work queue, start the factory, wait
//! for the sync, then reconcile from the [`Lister`].

mod backoff;
mod delta_fifo;
mod factory;
mod handler;
mod kinds;
mod list_watch;
mod lister;
mod meta;
mod reflector;
mod shared;
mod store;
mod watch_decode;

pub use backoff::Backoff;
pub use delta_fifo::{DeletedFinalStateUnknown, Delta, DeltaFifo, DeltaObject, DeltaType};
pub use factory::{SharedInformerFactory, TweakListWatch};
pub use handler::{ResourceEventHandler, ResourceEventHandlerFuncs};
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
pub use list_watch::ListWatch;
pub use lister::{Lister, NamespaceLister};
pub use meta::{meta_namespace_key, split_meta_namespace_key, Object, PartialObjectMetadata};
pub use reflector::{
    Reflector, ReflectorOptions, ReflectorStats, ShouldResync, Transform,
    INITIAL_EVENTS_END_ANNOTATION,
};
pub use shared::{HandlerRegistration, SharedIndexInformer};
pub use store::{namespace_index_func, IndexError, IndexFunc, Indexer, Store, NAMESPACE_INDEX};
