//! Storage with etcd v3 semantics.
//!
//! Every write bumps one global revision; a key's `mod_revision` is the
//! revision of its last write, which the API server exposes as
//! `resourceVersion`. History is kept in an event log until it is compacted;
//! reads or watches at a compacted revision fail with [`StorageError::Compacted`]
//! (the API server turns that into `410 Gone`, reason `Expired`).
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use keelson_storage::{sqlite::SqliteStorage, ListOptions, Storage};
//! let store = SqliteStorage::open_in_memory(Default::default())?;
//! let rev = store.create("/registry/configmaps/default/a", b"{}".to_vec()).await?;
//! let list = store.list("/registry/configmaps/", ListOptions::default()).await?;
//! assert_eq!(list.revision, rev);
//! assert_eq!(list.items[0].mod_revision, rev);
//! # Ok::<(), keelson_storage::StorageError>(())
//! # }).unwrap();
//! ```
//!
//! Backends: [`sqlite::SqliteStorage`] (a file or in memory). Every backend
//! passes the suite in `conformance` (feature `conformance`).

mod types;
pub use types::*;

pub mod sqlite;

#[cfg(any(test, feature = "conformance"))]
pub mod conformance;
