//! SQLite backend: one file (WAL) or fully in memory.
//!
//! - Writes go to one writer thread that commits them in groups (one fsync
//!   per batch; see [`writer`]).
//! - Reads of a file database run on a small pool of read connections (WAL
//!   lets them read while the writer writes); an in-memory database has a
//!   single connection, so its reads run on the writer thread between batches.
//! - Reads are served at the latest acknowledged revision: they see every
//!   write that was answered and none that was not (see [`read`]).
//! - Watches replay the event log, then switch to live events under the
//!   hub's lock (see [`watch`]).
//!
//! One database file must be opened by one `SqliteStorage` at a time.

mod checkpoint;
mod compaction;
mod keyrange;
mod read;
mod schema;
mod watch;
mod writer;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use parking_lot::Mutex;
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::{mpsc, oneshot};

use crate::{KeyValue, ListOptions, ListResult, Storage, StorageError, WatchStream};
use keyrange::KeyRange;
use schema::Location;
use watch::{Hub, Registration};
use writer::{closed, Request, WriteOp, WriteReply, Writer};

/// Events read from the log per query while a watch replays history.
const REPLAY_CHUNK: usize = 512;

/// Tuning of a [`SqliteStorage`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Automatic compaction keeps at least this much recent history.
    pub compaction_min_age: Duration,
    /// Automatic compaction keeps at least this many recent revisions.
    pub compaction_min_revisions: i64,
    /// How often automatic compaction runs; `None` disables it (explicit
    /// [`Storage::compact`] still works).
    pub compaction_interval: Option<Duration>,
    /// Undelivered event batches a watcher may have before it is dropped.
    pub watch_channel_capacity: usize,
    /// Most requests the writer takes into one transaction.
    pub max_batch: usize,
    /// Read connections, i.e. reads running at once (file databases only).
    pub read_connections: usize,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            compaction_min_age: Duration::from_secs(5 * 60),
            compaction_min_revisions: 10_000,
            compaction_interval: Some(Duration::from_secs(30)),
            watch_channel_capacity: 1024,
            max_batch: 1024,
            read_connections: 4,
        }
    }
}

/// State shared by the writer thread and the callers.
pub(crate) struct Shared {
    /// Latest acknowledged revision: set after a batch commits, before its
    /// requests are answered. Reads are served at this revision.
    published: AtomicI64,
    /// Compaction point.
    compacted: AtomicI64,
    /// Watchers.
    hub: Hub,
}

/// Where reads run.
enum ReadPath {
    /// Pool of read connections to a WAL file.
    Pool(ReaderPool),
    /// On the writer thread (in-memory database).
    Writer,
}

/// Read connections. A read first takes one of `slots` (so at most that
/// many connections exist and all are reused), then an idle connection or,
/// the first few times, a new one.
struct ReaderPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    slots: Arc<tokio::sync::Semaphore>,
}

impl ReaderPool {
    fn checkout(&self) -> Result<Connection, StorageError> {
        match self.idle.lock().pop() {
            Some(conn) => Ok(conn),
            None => schema::open_reader(&self.path),
        }
    }

    fn checkin(&self, conn: Connection, closed: &AtomicBool) {
        if !closed.load(Ordering::Acquire) {
            self.idle.lock().push(conn);
        }
    }
}

struct Inner {
    shared: Arc<Shared>,
    requests: std::sync::mpsc::Sender<Request>,
    reads: ReadPath,
    closed: AtomicBool,
    /// Ends watch replays that wait on a reader when the store closes.
    shutdown: tokio::sync::watch::Sender<bool>,
    writer_thread: Mutex<Option<std::thread::JoinHandle<()>>>,
    watch_capacity: usize,
}

/// The SQLite [`Storage`] backend. Cheap to clone: clones share one
/// database, writer thread and watcher set.
#[derive(Clone)]
pub struct SqliteStorage {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let location = match &self.inner.reads {
            ReadPath::Pool(pool) => pool.path.display().to_string(),
            ReadPath::Writer => ":memory:".to_string(),
        };
        f.debug_struct("SqliteStorage")
            .field("location", &location)
            .field(
                "revision",
                &self.inner.shared.published.load(Ordering::Acquire),
            )
            .finish()
    }
}

impl SqliteStorage {
    /// Opens (or creates) the database file at `path`.
    pub fn open(path: &Path, opts: SqliteOptions) -> Result<SqliteStorage, StorageError> {
        SqliteStorage::start(Location::File(path.to_path_buf()), opts)
    }

    /// Creates a private in-memory database (same code, nothing on disk).
    pub fn open_in_memory(opts: SqliteOptions) -> Result<SqliteStorage, StorageError> {
        SqliteStorage::start(Location::Memory, opts)
    }

    fn start(location: Location, opts: SqliteOptions) -> Result<SqliteStorage, StorageError> {
        let conn = schema::open_writer(&location)?;
        let revision = schema::read_meta(&conn, "revision")?;
        let compacted = schema::read_meta(&conn, "compacted")?;
        let last_timestamp_ms: i64 = conn
            .query_row(
                // Timestamps never decrease with the revision.
                "SELECT timestamp_ms FROM events ORDER BY revision DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()
            .map_err(sql_err)?
            .unwrap_or(0);
        let shared = Arc::new(Shared {
            published: AtomicI64::new(revision),
            compacted: AtomicI64::new(compacted),
            hub: Hub::new(revision),
        });
        let (requests, rx) = std::sync::mpsc::channel();
        let file_backed = matches!(location, Location::File(_));
        let checkpointer = match &location {
            Location::File(path) => Some(checkpoint::Checkpointer::start(path)?),
            Location::Memory => None,
        };
        let writer = Writer {
            conn,
            shared: shared.clone(),
            rx,
            revision,
            compacted,
            max_batch: opts.max_batch.max(1),
            policy: opts.compaction_interval.map(|interval| compaction::Policy {
                min_age: opts.compaction_min_age,
                min_revisions: opts.compaction_min_revisions,
                interval,
            }),
            last_timestamp_ms,
            file_backed,
            checkpointer,
            compact_goal: compacted,
            compact_waiters: Vec::new(),
        };
        let thread = std::thread::Builder::new()
            .name("keelson-sqlite-writer".to_string())
            .spawn(move || writer.run())
            .map_err(|e| StorageError::Internal(format!("cannot start the writer thread: {e}")))?;
        let reads = match location {
            Location::File(path) => ReadPath::Pool(ReaderPool {
                path,
                idle: Mutex::new(Vec::new()),
                slots: Arc::new(tokio::sync::Semaphore::new(opts.read_connections.max(1))),
            }),
            Location::Memory => ReadPath::Writer,
        };
        Ok(SqliteStorage {
            inner: Arc::new(Inner {
                shared,
                requests,
                reads,
                closed: AtomicBool::new(false),
                shutdown: tokio::sync::watch::Sender::new(false),
                writer_thread: Mutex::new(Some(thread)),
                watch_capacity: opts.watch_channel_capacity.max(1),
            }),
        })
    }

    fn check_open(&self) -> Result<(), StorageError> {
        if self.inner.closed.load(Ordering::Acquire) {
            Err(closed())
        } else {
            Ok(())
        }
    }

    fn send(&self, request: Request) -> Result<(), StorageError> {
        self.inner.requests.send(request).map_err(|_| closed())
    }

    async fn write(&self, op: WriteOp) -> WriteReply {
        self.check_open()?;
        let (tx, rx) = oneshot::channel();
        self.send(Request::Write(op, tx))?;
        rx.await.map_err(|_| closed())?
    }

    /// Runs `f` on a read connection with the latest acknowledged revision,
    /// read before `f` starts its snapshot (so the snapshot contains it).
    async fn read<T, F>(&self, f: F) -> Result<T, StorageError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection, i64) -> Result<T, StorageError> + Send + 'static,
    {
        self.check_open()?;
        match &self.inner.reads {
            ReadPath::Pool(pool) => {
                let slot = pool
                    .slots
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|_| closed())?;
                let inner = self.inner.clone();
                tokio::task::spawn_blocking(move || {
                    // Held until the connection is back, even if the caller
                    // stopped waiting.
                    let _slot = slot;
                    let ReadPath::Pool(pool) = &inner.reads else {
                        return Err(StorageError::Internal("read path changed".to_string()));
                    };
                    let conn = pool.checkout()?;
                    let published = inner.shared.published.load(Ordering::Acquire);
                    let result = f(&conn, published);
                    pool.checkin(conn, &inner.closed);
                    result
                })
                .await
                .map_err(|e| StorageError::Internal(format!("read task failed: {e}")))?
            }
            ReadPath::Writer => {
                let (tx, rx) = oneshot::channel();
                let shared = self.inner.shared.clone();
                self.send(Request::Read(Box::new(move |conn| {
                    let published = shared.published.load(Ordering::Acquire);
                    let _ = tx.send(f(conn, published));
                })))?;
                rx.await.map_err(|_| closed())?
            }
        }
    }

    /// Replays the log after `seen`, then joins the live watchers.
    async fn run_watch(
        self,
        prefix: String,
        mut seen: i64,
        mut tx: mpsc::Sender<Vec<crate::Event>>,
    ) {
        let range = KeyRange::new(&prefix, None);
        let mut shutdown = self.inner.shutdown.subscribe();
        loop {
            let target = self.inner.shared.hub.published();
            while seen < target {
                let (p, after) = (prefix.clone(), seen);
                let read = self.read(move |c, _| read::events(c, &p, after, target, REPLAY_CHUNK));
                let Ok((events, compacted)) = read.await else {
                    return;
                };
                if compacted > after {
                    // History this watcher still needs was compacted during
                    // the replay: end the stream; re-watching reports it.
                    return;
                }
                seen = match events.last() {
                    Some(last) if events.len() == REPLAY_CHUNK => last.revision(),
                    _ => target,
                };
                if !events.is_empty() {
                    tokio::select! {
                        sent = tx.send(events) => if sent.is_err() { return },
                        _ = shutdown.wait_for(|closed| *closed) => return,
                    }
                }
            }
            match self.inner.shared.hub.register(range.clone(), tx, seen) {
                Registration::Live | Registration::Gone => return,
                Registration::Behind(back) => {
                    tx = back;
                    tokio::task::yield_now().await;
                }
            }
        }
    }

    /// Live watchers (tests).
    #[cfg(test)]
    fn watcher_count(&self) -> usize {
        self.inner.shared.hub.watcher_count()
    }
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn current_revision(&self) -> Result<i64, StorageError> {
        self.check_open()?;
        Ok(self.inner.shared.published.load(Ordering::Acquire))
    }

    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StorageError> {
        let key = key.to_string();
        self.read(move |c, published| read::get(c, &key, published))
            .await
    }

    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult, StorageError> {
        let prefix = prefix.to_string();
        self.read(move |c, published| read::list(c, &prefix, &opts, published))
            .await
    }

    async fn create(&self, key: &str, value: Vec<u8>) -> Result<i64, StorageError> {
        let op = WriteOp::Create {
            key: key.to_string(),
            value,
        };
        Ok(self.write(op).await?.0)
    }

    async fn update(
        &self,
        key: &str,
        value: Vec<u8>,
        expected_revision: i64,
    ) -> Result<i64, StorageError> {
        let op = WriteOp::Update {
            key: key.to_string(),
            value,
            expected: expected_revision,
        };
        Ok(self.write(op).await?.0)
    }

    async fn delete(
        &self,
        key: &str,
        expected_revision: Option<i64>,
    ) -> Result<(KeyValue, i64), StorageError> {
        let op = WriteOp::Delete {
            key: key.to_string(),
            expected: expected_revision,
        };
        match self.write(op).await? {
            (rev, Some(prev)) => Ok((prev, rev)),
            (_, None) => Err(StorageError::Internal(
                "delete returned no value".to_string(),
            )),
        }
    }

    async fn watch(&self, prefix: &str, after_revision: i64) -> Result<WatchStream, StorageError> {
        self.check_open()?;
        let current = self.inner.shared.published.load(Ordering::Acquire);
        if after_revision > current {
            return Err(StorageError::FutureRevision {
                requested: after_revision,
                current,
            });
        }
        let compacted = self.inner.shared.compacted.load(Ordering::Acquire);
        if after_revision < compacted {
            return Err(StorageError::Compacted {
                requested: after_revision,
                compacted,
            });
        }
        let (tx, rx) = mpsc::channel(self.inner.watch_capacity);
        tokio::spawn(
            self.clone()
                .run_watch(prefix.to_string(), after_revision, tx),
        );
        Ok(WatchStream { events: rx })
    }

    async fn compact(&self, revision: i64) -> Result<(), StorageError> {
        self.check_open()?;
        let (tx, rx) = oneshot::channel();
        self.send(Request::Compact(revision, tx))?;
        rx.await.map_err(|_| closed())?
    }

    async fn compacted_revision(&self) -> Result<i64, StorageError> {
        self.check_open()?;
        Ok(self.inner.shared.compacted.load(Ordering::Acquire))
    }

    async fn close(&self) -> Result<(), StorageError> {
        if self.inner.closed.swap(true, Ordering::AcqRel) {
            return Err(closed());
        }
        self.inner.shutdown.send_replace(true);
        let (tx, rx) = oneshot::channel();
        self.send(Request::Close(tx))?;
        let result = rx.await.map_err(|_| closed())?;
        if let ReadPath::Pool(pool) = &self.inner.reads {
            pool.slots.close();
            pool.idle.lock().clear();
        }
        let thread = self.inner.writer_thread.lock().take();
        if let Some(thread) = thread {
            tokio::task::spawn_blocking(move || thread.join())
                .await
                .map_err(|e| StorageError::Internal(format!("joining the writer failed: {e}")))?
                .map_err(|_| StorageError::Internal("the writer thread panicked".to_string()))?;
        }
        result
    }
}

/// Maps an SQLite failure to [`StorageError::Internal`].
pub(crate) fn sql_err(e: rusqlite::Error) -> StorageError {
    StorageError::Internal(format!("sqlite: {e}"))
}
