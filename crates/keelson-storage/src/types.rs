use async_trait::async_trait;
use tokio::sync::mpsc;

/// A stored value with the revisions etcd reports for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyValue {
    /// Full key, e.g. `/registry/configmaps/default/a`.
    pub key: String,
    /// Serialized object.
    pub value: Vec<u8>,
    /// Revision of the write that created the key.
    pub create_revision: i64,
    /// Revision of the latest write to the key (the object's resourceVersion).
    pub mod_revision: i64,
}

/// Options of [`Storage::list`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// Read the state as of this revision; `None` means the latest.
    pub revision: Option<i64>,
    /// Only keys strictly greater than this one (pagination).
    pub start_after: Option<String>,
    /// At most this many items; `None` means all.
    pub limit: Option<usize>,
}

/// Result of [`Storage::list`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListResult {
    /// Items in key order.
    pub items: Vec<KeyValue>,
    /// The revision the list was read at.
    pub revision: i64,
    /// How many more items match after the last returned one (0 when complete).
    pub remaining: i64,
}

/// What happened to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    /// The key was created or updated.
    Put,
    /// The key was deleted.
    Delete,
}

/// One entry of a watch stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Put or delete.
    pub kind: EventKind,
    /// For a put: the new value (`mod_revision` = the event's revision).
    /// For a delete: the last value before the delete, with `mod_revision`
    /// set to the revision of the delete.
    pub kv: KeyValue,
    /// The value before this event, if the key existed.
    pub prev: Option<KeyValue>,
}

impl Event {
    /// Revision of the write that produced this event.
    pub fn revision(&self) -> i64 {
        self.kv.mod_revision
    }
}

/// Why a storage call failed.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StorageError {
    /// `create` of a key that exists.
    #[error("key exists: {0}")]
    AlreadyExists(String),
    /// The key does not exist.
    #[error("key not found: {0}")]
    NotFound(String),
    /// A precondition (`mod_revision`) did not hold.
    #[error("conflict on {key}: expected revision {expected}, found {actual}")]
    Conflict {
        /// Key written.
        key: String,
        /// Revision the caller expected.
        expected: i64,
        /// Revision found (0 if the key is absent).
        actual: i64,
    },
    /// The revision asked for has been compacted away.
    #[error("required revision {requested} has been compacted (oldest kept: {compacted})")]
    Compacted {
        /// Revision asked for.
        requested: i64,
        /// The compaction point: revisions at or below it are gone.
        compacted: i64,
    },
    /// The revision asked for is in the future.
    #[error("required revision {requested} is a future revision (current: {current})")]
    FutureRevision {
        /// Revision asked for.
        requested: i64,
        /// The current revision.
        current: i64,
    },
    /// The backend failed (IO, corruption, shutdown).
    #[error("storage backend error: {0}")]
    Internal(String),
}

/// A live watch: events in revision order, starting after the revision
/// given to [`Storage::watch`]. The stream ends (`recv` returns `None`) when
/// the backend drops a watcher that fell too far behind or shuts down; the
/// caller re-watches from the last revision it saw.
pub struct WatchStream {
    /// Receiver of event batches (one batch per committed revision range).
    pub events: mpsc::Receiver<Vec<Event>>,
}

/// Storage with etcd v3 semantics (see the crate docs).
#[async_trait]
pub trait Storage: Send + Sync + 'static {
    /// The latest committed revision (0 on an empty store).
    async fn current_revision(&self) -> Result<i64, StorageError>;

    /// The value of one key at the latest revision.
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StorageError>;

    /// Keys starting with `prefix`, in key order, at a consistent revision.
    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult, StorageError>;

    /// Creates `key`; fails with `AlreadyExists` if present. Returns the new revision.
    async fn create(&self, key: &str, value: Vec<u8>) -> Result<i64, StorageError>;

    /// Replaces `key` if its `mod_revision` equals `expected_revision`
    /// (compare-and-swap); `Conflict` otherwise, `NotFound` if absent.
    /// Returns the new revision.
    async fn update(
        &self,
        key: &str,
        value: Vec<u8>,
        expected_revision: i64,
    ) -> Result<i64, StorageError>;

    /// Deletes `key`, if `expected_revision` is `Some`, only when its
    /// `mod_revision` matches. Returns the deleted value and the delete's revision.
    async fn delete(
        &self,
        key: &str,
        expected_revision: Option<i64>,
    ) -> Result<(KeyValue, i64), StorageError>;

    /// Events for keys under `prefix` with revision > `after_revision`.
    /// `Compacted` if that history is gone.
    async fn watch(&self, prefix: &str, after_revision: i64) -> Result<WatchStream, StorageError>;

    /// Drops history at or below `revision`.
    async fn compact(&self, revision: i64) -> Result<(), StorageError>;

    /// The compaction point (0 if never compacted).
    async fn compacted_revision(&self) -> Result<i64, StorageError>;

    /// Makes sure everything acknowledged is on disk and stops background work.
    async fn close(&self) -> Result<(), StorageError>;
}

/// What [`guaranteed_update`]'s function decides for the current value.
pub enum UpdateDecision {
    /// Write this value.
    Write(Vec<u8>),
    /// Leave the key as it is.
    Unchanged,
}

/// Reads `key`, applies `f` to its current value and writes the result with a
/// compare-and-swap, retrying from a fresh read on conflict (kube-apiserver's
/// `GuaranteedUpdate`). `f` may fail with the caller's error type to abort.
/// Returns the value as written (or unchanged) and its revision.
pub async fn guaranteed_update<E, F>(
    storage: &dyn Storage,
    key: &str,
    mut f: F,
) -> Result<KeyValue, E>
where
    E: From<StorageError>,
    F: FnMut(&KeyValue) -> Result<UpdateDecision, E>,
{
    loop {
        let current = storage
            .get(key)
            .await?
            .ok_or_else(|| StorageError::NotFound(key.to_string()))?;
        match f(&current)? {
            UpdateDecision::Unchanged => return Ok(current),
            UpdateDecision::Write(value) => {
                match storage
                    .update(key, value.clone(), current.mod_revision)
                    .await
                {
                    Ok(rev) => {
                        return Ok(KeyValue {
                            key: key.to_string(),
                            value,
                            create_revision: current.create_revision,
                            mod_revision: rev,
                        })
                    }
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
        }
    }
}
