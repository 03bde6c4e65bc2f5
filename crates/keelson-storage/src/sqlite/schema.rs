//! Opening connections, pragmas and the schema.
//!
//! Three tables:
//! - `kv`: the current state, one row per live key (`key` is the primary key,
//!   so prefix lists are index range scans in key order);
//! - `events`: the event log, one row per revision (`revision` is the rowid),
//!   with the value before the write (`prev_*`), so that the state at any
//!   retained revision R is the live state with each key changed after R
//!   replaced by the `prev_*` of its first change after R. The value a put
//!   wrote is not stored twice: it is the `prev_value` of the key's next
//!   event, or the live value if there is none. `events_key_revision`
//!   answers "next change of this key after revision R" with one seek;
//! - `meta`: the current revision and the compaction point.

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::sql_err;
use crate::StorageError;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kv (
    key TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL,
    create_revision INTEGER NOT NULL,
    mod_revision INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    revision INTEGER PRIMARY KEY,
    key TEXT NOT NULL,
    kind INTEGER NOT NULL,
    create_revision INTEGER NOT NULL,
    prev_value BLOB,
    prev_create_revision INTEGER,
    prev_mod_revision INTEGER,
    timestamp_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS events_key_revision ON events (key, revision);
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT OR IGNORE INTO meta (name, value) VALUES ('revision', 0), ('compacted', 0);
";

/// `PRAGMA user_version` of this layout; a database with another non-zero
/// version was written by an incompatible Keelson and is refused.
const SCHEMA_VERSION: i64 = 1;

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
    if version != 0 && version != SCHEMA_VERSION {
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
