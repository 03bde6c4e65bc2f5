//! client-go's `tools/cache`: informers keep a local, indexed copy of a
//! resource up to date and tell handlers what changed.
//!
//! ```text
//! Reflector (LIST + WATCH) → DeltaFifo → Indexer (cache)  → Lister
//!                                      ↘ handlers (on_add / on_update / on_delete)
//! ```
//!
//! - [`Indexer`] (alias [`Store`]): the thread-safe cache keyed `namespace/name`.
//! - [`DeltaFifo`]: deltas per key between the reflector and the cache.

mod delta_fifo;
mod kinds;
mod meta;
mod store;

pub use delta_fifo::{DeletedFinalStateUnknown, Delta, DeltaFifo, DeltaObject, DeltaType};
pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
pub use meta::{meta_namespace_key, split_meta_namespace_key, Object, PartialObjectMetadata};
pub use store::{namespace_index_func, IndexError, IndexFunc, Indexer, Store, NAMESPACE_INDEX};
