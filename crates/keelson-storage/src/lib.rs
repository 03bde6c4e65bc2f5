//! Storage with etcd v3 semantics.
//!
//! Every write bumps one global revision; a key's `mod_revision` is the
//! revision of its last write, which the API server exposes as
//! `resourceVersion`. History is kept in an event log until it is compacted;
//! reads or watches at a compacted revision fail with [`StorageError::Compacted`]
//! (the API server turns that into `410 Gone`, reason `Expired`).
//!
//! ```ignore
//! # async fn demo() -> Result<(), keelson_storage::StorageError> {
//! use keelson_storage::{sqlite::SqliteStorage, Storage, ListOptions};
//! let store = SqliteStorage::open_in_memory(Default::default())?;
//! let rev = store.create("/registry/configmaps/default/a", b"{}".to_vec()).await?;
//! let list = store.list("/registry/configmaps/", ListOptions::default()).await?;
//! assert_eq!(list.revision, rev);
//! # Ok(()) }
//! ```

mod types;
pub use types::*;

pub mod sqlite;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
