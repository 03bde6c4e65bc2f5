//! Opening connections, pragmas and the schema.
//!
//! Three tables:
//! - `events`: the event log, one row per revision (`revision` is the
//!   rowid). A put's row holds the value it wrote; every row names the key's
//!   previous event (`prev_revision`, its state before the write). Each
//!   value is stored once: the current value of a key is its latest event.
//!   There is no index by key: each update would dirty a page of it in
//!   another place, where the log only appends. Reads of the past follow
//!   `prev_revision` from the changes after the revision they read at;
//! - `kv`: the live keys, pointing at their latest event (`mod_revision`),
//!   in key order (prefix lists are range scans). Rows are small, so an
//!   update rewrites a few bytes here instead of the whole value;
//! - `meta`: the current revision and the compaction point.
//!
//! Compaction to C keeps, as etcd does, each key's latest event at or below
//! C when that is a put: it is the key's state at every retained revision
//! until its next change.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::sql_err;
use crate::StorageError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS events (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    kind INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    value BLOB,
    prev_revision INTEGER,
    timestamp_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
";

/// Rewrites a version 1 database, whose `kv` rows held the live values and
/// whose events held the value before each write (`prev_*`), into this
/// layout, in one transaction. A put's value was the next event's
/// `prev_value` or the live value; the state at the compaction point of a
/// key changed since (the `prev_*` of its first later event) becomes an
/// event row of its own, as does the live value of a key unchanged since.
const MIGRATE_FROM_1: &str = "
CREATE TABLE events_v2 (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    kind INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    value BLOB,
    prev_revision INTEGER,
    timestamp_ms INTEGER NOT NULL
);
INSERT INTO events_v2 (revision, key, kind, create_revision, value, prev_revision, timestamp_ms)
SELECT e.revision, e.key, e.kind, e.create_revision,
       CASE WHEN e.kind = 1 THEN NULL ELSE COALESCE(
           (SELECT n.prev_value FROM events n
             WHERE n.key = e.key AND n.revision > e.revision ORDER BY n.revision LIMIT 1),
           (SELECT s.value FROM kv s WHERE s.key = e.key AND s.mod_revision = e.revision)) END,
       e.prev_mod_revision, e.timestamp_ms
  FROM events e;
INSERT OR IGNORE INTO events_v2 (revision, key, kind, create_revision, value, prev_revision, timestamp_ms)
SELECT e.prev_mod_revision, e.key, 0, e.prev_create_revision, e.prev_value, NULL, 0
  FROM events e
 WHERE e.prev_mod_revision IS NOT NULL
   AND NOT EXISTS (SELECT 1 FROM events p WHERE p.revision = e.prev_mod_revision);
INSERT OR IGNORE INTO events_v2 (revision, key, kind, create_revision, value, prev_revision, timestamp_ms)
SELECT s.mod_revision, s.key, 0, s.create_revision, s.value, NULL, 0 FROM kv s;
CREATE TABLE kv_v2 (
    key TEXT PRIMARY KEY NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO kv_v2 (key, create_revision, mod_revision)
SELECT key, create_revision, mod_revision FROM kv;
DROP TABLE events;
DROP TABLE kv;
ALTER TABLE events_v2 RENAME TO events;
ALTER TABLE kv_v2 RENAME TO kv;
PRAGMA user_version=2;
";

/// `PRAGMA user_version` of this layout. Version 1 is upgraded on open
/// ([`MIGRATE_FROM_1`]); any other non-zero version was written by an
/// incompatible Keelson and is refused.
const SCHEMA_VERSION: i64 = 2;

/// `events.kind` of a create or update.
pub(super) const KIND_PUT: i64 = 0;
/// `events.kind` of a delete.
pub(super) const KIND_DELETE: i64 = 1;

/// Statements differ per list shape (bounds, limit), so the cache is larger
/// than rusqlite's default of 16.
const STATEMENT_CACHE: usize = 64;

/// Where the database lives.
#[derive(Debug, Clone)]
pub(super) enum Location {
    /// A file; WAL mode, one writer and a pool of readers.
    File(std::path::PathBuf),
    /// A private in-memory database owned by the writer connection.
    Memory,
}

/// Opens the connection that performs every write, creating the schema.
///
/// Durability: WAL with `synchronous=FULL`, so every COMMIT fsyncs the WAL
/// before it returns and the writer only answers a request after its batch's
/// COMMIT returned. An acknowledged write therefore survives kill -9 and also
/// power loss or an OS crash. (`NORMAL` in WAL mode would survive kill -9 as
/// well, since the WAL frames are already in the OS page cache, but not power
/// loss; group commit makes the fsync per batch cheap enough to keep `FULL`.)
pub(super) fn open_writer(location: &Location) -> Result<Connection, StorageError> {
    let conn = match location {
        Location::File(path) => {
            let conn = open_file(path)?;
            let mode: String = conn
                .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
                .map_err(sql_err)?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(StorageError::Internal(format!(
                    "cannot switch {} to WAL mode (got {mode})",
                    path.display()
                )));
            }
            // The background checkpointer does the copying; the writer's
            // auto-checkpoint is the backstop that restarts the WAL.
            conn.execute_batch(
                "PRAGMA synchronous=FULL; PRAGMA wal_autocheckpoint=4000;
                 PRAGMA journal_size_limit=67108864;",
            )
            .map_err(sql_err)?;
            conn
        }
        Location::Memory => {
            let conn = Connection::open_in_memory().map_err(sql_err)?;
            // Nothing to make durable; the journal stays in memory so a
            // failed batch can still roll back.
            conn.execute_batch("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;")
                .map_err(sql_err)?;
            conn
        }
    };
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch("PRAGMA cache_size=-32768; PRAGMA temp_store=MEMORY;")
        .map_err(sql_err)?;
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(sql_err)?;
    if version == 1 {
        let upgrade = |e| {
            StorageError::Internal(format!(
                "cannot upgrade the database from schema version 1: {e}"
            ))
        };
        let txn = conn.unchecked_transaction().map_err(upgrade)?;
        txn.execute_batch(MIGRATE_FROM_1).map_err(upgrade)?;
        txn.commit().map_err(upgrade)?;
    } else if version != 0 && version != SCHEMA_VERSION {
        return Err(StorageError::Internal(format!(
            "database schema version {version} is not supported (expected {SCHEMA_VERSION})"
        )));
    }
    conn.execute_batch(SCHEMA).map_err(sql_err)?;
    conn.execute_batch(&format!("PRAGMA user_version={SCHEMA_VERSION}"))
        .map_err(sql_err)?;
    Ok(conn)
}

/// Opens one read connection on a file database (WAL lets it read while the
/// writer writes).
pub(super) fn open_reader(path: &Path) -> Result<Connection, StorageError> {
    let conn = open_file(path)?;
    conn.execute_batch("PRAGMA query_only=1; PRAGMA cache_size=-8192; PRAGMA temp_store=MEMORY;")
        .map_err(sql_err)?;
    Ok(conn)
}

/// Opens the connection of the background checkpoint thread.
pub(super) fn open_checkpointer(path: &Path) -> Result<Connection, StorageError> {
    let conn = open_file(path)?;
    // A checkpoint fsyncs the WAL before copying it and the database after.
    conn.execute_batch("PRAGMA synchronous=FULL;")
        .map_err(sql_err)?;
    Ok(conn)
}

fn open_file(path: &Path) -> Result<Connection, StorageError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)
        .map_err(|e| StorageError::Internal(format!("cannot open {}: {e}", path.display())))?;
    // Checkpoints and schema creation by another connection take the write
    // lock briefly; wait for them instead of failing.
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(sql_err)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

/// Reads a `meta` counter (0 if absent).
pub(super) fn read_meta(conn: &Connection, name: &str) -> Result<i64, StorageError> {
    conn.prepare_cached("SELECT value FROM meta WHERE name = ?1")
        .and_then(|mut s| s.query_row([name], |r| r.get(0)).optional())
        .map(|v| v.unwrap_or(0))
        .map_err(sql_err)
}

/// Writes a `meta` counter.
pub(super) fn write_meta(conn: &Connection, name: &str, value: i64) -> Result<(), rusqlite::Error> {
    conn.prepare_cached(
        "INSERT INTO meta (name, value) VALUES (?1, ?2)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
    )?
    .execute(rusqlite::params![name, value])?;
    Ok(())
}
