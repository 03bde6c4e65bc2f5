//! Read queries: state at a revision, and the event log.
//!
//! Every read runs in one SQLite read transaction (a consistent snapshot) and
//! is served at a revision `at` no greater than the writer's published
//! (acknowledged) revision. The snapshot may already contain a batch that is
//! committed but not yet acknowledged; such rows are hidden by reconstructing
//! the state at `at` from the event log, exactly like an older revision.

use rusqlite::{Connection, OptionalExtension, Row, ToSql};

use super::keyrange::KeyRange;
use super::schema::{read_meta, KIND_DELETE};
use super::sql_err;
use crate::{Event, EventKind, KeyValue, ListOptions, ListResult, StorageError};

/// Revisions of the snapshot a read runs in.
struct Snapshot {
    /// Latest revision committed in this snapshot.
    committed: i64,
    /// Compaction point in this snapshot.
    compacted: i64,
}

fn snapshot(conn: &Connection) -> Result<Snapshot, StorageError> {
    Ok(Snapshot {
        committed: read_meta(conn, "revision")?,
        compacted: read_meta(conn, "compacted")?,
    })
}

/// Runs `f` inside a read transaction so that all its statements see one
/// snapshot. Dropping the transaction ends it (a rollback, free for reads).
fn in_read_txn<T>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> Result<T, StorageError>,
) -> Result<T, StorageError> {
    let txn = conn.unchecked_transaction().map_err(sql_err)?;
    f(&txn)
}

/// The value of `key` at revision `published` (the latest acknowledged one).
pub(super) fn get(
    conn: &Connection,
    key: &str,
    published: i64,
) -> Result<Option<KeyValue>, StorageError> {
    in_read_txn(conn, |conn| {
        let live = conn
            .prepare_cached(
                "SELECT s.key, v.value, s.create_revision, s.mod_revision
                   FROM kv s CROSS JOIN events v ON v.revision = s.mod_revision
                  WHERE s.key = ?1 AND s.mod_revision <= ?2",
            )
            .and_then(|mut s| {
                s.query_row(rusqlite::params![key, published], kv_from_row)
                    .optional()
            })
            .map_err(sql_err)?;
        if live.is_some() || snapshot(conn)?.committed <= published {
            return Ok(live);
        }
        // Changed in a batch committed but not acknowledged yet: the state
        // is what its first change after `published` replaced.
        conn.prepare_cached(
            "SELECT e.key, p.value, p.create_revision, e.prev_revision
               FROM events e LEFT JOIN events p ON p.revision = e.prev_revision
              WHERE e.revision > ?2 AND e.key = ?1 ORDER BY e.revision LIMIT 1",
        )
        .and_then(|mut s| {
            s.query_row(rusqlite::params![key, published], |row| {
                let Some(mod_revision) = row.get::<_, Option<i64>>(3)? else {
                    return Ok(None);
                };
                Ok(Some(KeyValue {
                    key: row.get(0)?,
                    value: row.get::<_, Option<Vec<u8>>>(1)?.unwrap_or_default(),
                    create_revision: row.get::<_, Option<i64>>(2)?.unwrap_or_default(),
                    mod_revision,
                }))
            })
            .optional()
        })
        .map(Option::flatten)
        .map_err(sql_err)
    })
}

/// Keys under `prefix` at `opts.revision` (or at `published`), in key order.
pub(super) fn list(
    conn: &Connection,
    prefix: &str,
    opts: &ListOptions,
    published: i64,
) -> Result<ListResult, StorageError> {
    in_read_txn(conn, |conn| {
        let snap = snapshot(conn)?;
        let at = match opts.revision {
            None => published,
            Some(r) if r > published => {
                return Err(StorageError::FutureRevision {
                    requested: r,
                    current: published,
                })
            }
            Some(r) if r < snap.compacted => {
                return Err(StorageError::Compacted {
                    requested: r,
                    compacted: snap.compacted,
                })
            }
            Some(r) => r,
        };
        let range = KeyRange::new(prefix, opts.start_after.as_deref());
        if range.is_empty() {
            return Ok(ListResult {
                items: Vec::new(),
                revision: at,
                remaining: 0,
            });
        }
        // Kubernetes treats limit=0 as "no limit".
        let limit = opts.limit.filter(|l| *l > 0);
        let latest = at == snap.committed;
        // One extra row tells whether anything remains without counting.
        let fetch = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX - 1) + 1);
        let mut items = if latest {
            rows_latest(conn, &range, fetch)?
        } else {
            rows_at(conn, &range, at, fetch)?
        };
        let mut remaining = 0;
        if let Some(limit) = limit {
            if items.len() > limit {
                items.truncate(limit);
                let rest = match items.last() {
                    Some(last) => range.after(&last.key),
                    None => range.clone(),
                };
                remaining = if latest {
                    count_latest(conn, &rest)?
                } else {
                    count_at(conn, &rest, at)?
                };
            }
        }
        Ok(ListResult {
            items,
            revision: at,
            remaining,
        })
    })
}

fn rows_latest(
    conn: &Connection,
    range: &KeyRange,
    fetch: i64,
) -> Result<Vec<KeyValue>, StorageError> {
    let sql = format!(
        "SELECT s.key, e.value, s.create_revision, s.mod_revision
           FROM kv s CROSS JOIN events e ON e.revision = s.mod_revision
          WHERE {} ORDER BY s.key LIMIT :limit",
        range.condition("s.key")
    );
    let mut params = range.bind();
    params.push((":limit", &fetch as &dyn ToSql));
    collect(conn, &sql, &params, kv_from_row)
}

fn count_latest(conn: &Connection, range: &KeyRange) -> Result<i64, StorageError> {
    let sql = format!("SELECT COUNT(*) FROM kv WHERE {}", range.condition("key"));
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(range.bind().as_slice(), |r| r.get(0)))
        .map_err(sql_err)
}

/// The first change after `:rev` of each key in the range changed since
/// (`first`), driven by the revision range above `:rev`: the changes since
/// a recent revision are few.
fn first_changes_sql(range: &KeyRange) -> String {
    format!(
        "SELECT MIN(revision) AS first FROM events
          WHERE revision > :rev AND {} GROUP BY key",
        range.condition("key")
    )
}

/// The union that yields the state at `:rev` for keys in the range: live
/// keys unchanged since `:rev` (walked in key order, so LIMIT stops early),
/// plus, for keys changed since, the event their first change after `:rev`
/// replaced, if they existed then.
fn state_at_sql(range: &KeyRange) -> String {
    format!(
        "SELECT s.key AS key, v.value AS value, s.create_revision AS create_revision,
                s.mod_revision AS mod_revision
           FROM kv s CROSS JOIN events v ON v.revision = s.mod_revision
          WHERE {s_range} AND s.mod_revision <= :rev
         UNION ALL
         SELECT p.key, p.value, p.create_revision, p.revision
           FROM ({first}) f CROSS JOIN events e ON e.revision = f.first
                CROSS JOIN events p ON p.revision = e.prev_revision",
        s_range = range.condition("s.key"),
        first = first_changes_sql(range),
    )
}

fn rows_at(
    conn: &Connection,
    range: &KeyRange,
    at: i64,
    fetch: i64,
) -> Result<Vec<KeyValue>, StorageError> {
    let sql = format!("{} ORDER BY key LIMIT :limit", state_at_sql(range));
    let mut params = range.bind();
    params.push((":rev", &at as &dyn ToSql));
    params.push((":limit", &fetch as &dyn ToSql));
    collect(conn, &sql, &params, kv_from_row)
}

/// Number of keys in the range at `:rev`: the live keys unchanged since,
/// plus keys that existed at `:rev` and changed since. The second term is
/// driven by the changes since `:rev`.
fn count_at(conn: &Connection, range: &KeyRange, at: i64) -> Result<i64, StorageError> {
    let sql = format!(
        "SELECT (SELECT COUNT(*) FROM kv WHERE {kv_range} AND mod_revision <= :rev)
              + (SELECT COUNT(*) FROM ({first}) f CROSS JOIN events e ON e.revision = f.first
                  WHERE e.prev_revision IS NOT NULL)",
        kv_range = range.condition("key"),
        first = first_changes_sql(range),
    );
    let mut params = range.bind();
    params.push((":rev", &at as &dyn ToSql));
    conn.prepare_cached(&sql)
        .and_then(|mut s| s.query_row(params.as_slice(), |r| r.get(0)))
        .map_err(sql_err)
}

/// Events under `prefix` with `after < revision <= upto`, oldest first, at
/// most `limit` of them, and the compaction point of the snapshot they were
/// read in (the caller must discard them if it is above `after`: older
/// events may be missing).
pub(super) fn events(
    conn: &Connection,
    prefix: &str,
    after: i64,
    upto: i64,
    limit: usize,
) -> Result<(Vec<Event>, i64), StorageError> {
    in_read_txn(conn, |conn| {
        let snap = snapshot(conn)?;
        let range = KeyRange::new(prefix, None);
        // The previous state is the key's previous event, which compaction
        // keeps while a retained event follows it.
        let sql = format!(
            "SELECT e.revision, e.key, e.kind, e.value, e.create_revision,
                    p.value, p.create_revision, e.prev_revision
               FROM events e LEFT JOIN events p ON p.revision = e.prev_revision
              WHERE e.revision > :after AND e.revision <= :upto AND {}
              ORDER BY e.revision LIMIT :limit",
            range.condition("e.key")
        );
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut params = range.bind();
        params.push((":after", &after as &dyn ToSql));
        params.push((":upto", &upto as &dyn ToSql));
        params.push((":limit", &limit as &dyn ToSql));
        let events = collect(conn, &sql, &params, event_from_row)?;
        Ok((events, snap.compacted))
    })
}

fn collect<T>(
    conn: &Connection,
    sql: &str,
    params: &[(&str, &dyn ToSql)],
    f: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StorageError> {
    let mut stmt = conn.prepare_cached(sql).map_err(sql_err)?;
    let rows = stmt.query_map(params, f).map_err(sql_err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(sql_err)
}

fn kv_from_row(row: &Row<'_>) -> rusqlite::Result<KeyValue> {
    Ok(KeyValue {
        key: row.get(0)?,
        value: row.get(1)?,
        create_revision: row.get(2)?,
        mod_revision: row.get(3)?,
    })
}

fn event_from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    let revision: i64 = row.get(0)?;
    let key: String = row.get(1)?;
    let kind: i64 = row.get(2)?;
    let value: Option<Vec<u8>> = row.get(3)?;
    let create_revision: i64 = row.get(4)?;
    let prev_mod_revision: Option<i64> = row.get(7)?;
    let prev = match prev_mod_revision {
        None => None,
        Some(mod_revision) => Some(KeyValue {
            key: key.clone(),
            value: row.get::<_, Option<Vec<u8>>>(5)?.unwrap_or_default(),
            create_revision: row.get::<_, Option<i64>>(6)?.unwrap_or_default(),
            mod_revision,
        }),
    };
    let (kind, value) = if kind == KIND_DELETE {
        // A delete event carries the last value, stamped with the delete's revision.
        let last = prev.as_ref().map(|p| p.value.clone()).unwrap_or_default();
        (EventKind::Delete, last)
    } else {
        (EventKind::Put, value.unwrap_or_default())
    };
    Ok(Event {
        kind,
        kv: KeyValue {
            key,
            value,
            create_revision,
            mod_revision: revision,
        },
        prev,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sqlite::{SqliteOptions, SqliteStorage};
    use crate::Storage;

    /// A snapshot can hold a batch that is committed but not yet
    /// acknowledged; reads at the acknowledged revision must not show it.
    #[tokio::test]
    async fn reads_hide_writes_above_the_published_revision() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keelson.db");
        let store = SqliteStorage::open(&path, SqliteOptions::default()).unwrap();
        store.create("/h/a", b"a1".to_vec()).await.unwrap(); // 1
        store.create("/h/b", b"b1".to_vec()).await.unwrap(); // 2
        store.update("/h/a", b"a2".to_vec(), 1).await.unwrap(); // 3
        store.delete("/h/b", None).await.unwrap(); // 4
        store.create("/h/c", b"c1".to_vec()).await.unwrap(); // 5
        store.close().await.unwrap();

        let conn = crate::sqlite::schema::open_reader(&path).unwrap();
        // As if revisions 3..=5 were committed but only 2 acknowledged.
        let a = get(&conn, "/h/a", 2).unwrap().expect("a at 2");
        assert_eq!((a.value, a.mod_revision), (b"a1".to_vec(), 1));
        assert_eq!(
            get(&conn, "/h/b", 2).unwrap().map(|kv| kv.mod_revision),
            Some(2)
        );
        assert_eq!(get(&conn, "/h/c", 2).unwrap(), None);
        let list = list(&conn, "/h/", &ListOptions::default(), 2).unwrap();
        assert_eq!(list.revision, 2);
        let keys: Vec<(&str, i64)> = list
            .items
            .iter()
            .map(|kv| (kv.key.as_str(), kv.mod_revision))
            .collect();
        assert_eq!(keys, [("/h/a", 1), ("/h/b", 2)]);
        let future = super::list(
            &conn,
            "/h/",
            &ListOptions {
                revision: Some(3),
                ..Default::default()
            },
            2,
        );
        assert_eq!(
            future,
            Err(StorageError::FutureRevision {
                requested: 3,
                current: 2
            })
        );
        // Fully published: the live rows.
        let a = get(&conn, "/h/a", 5).unwrap().expect("a at 5");
        assert_eq!((a.value, a.mod_revision), (b"a2".to_vec(), 3));
    }

    /// Replayed events carry the value each put wrote and the previous
    /// event's value.
    #[tokio::test]
    async fn replayed_events_carry_the_values_written() {
        let store = SqliteStorage::open_in_memory(SqliteOptions::default()).unwrap();
        store.create("/e/a", b"a1".to_vec()).await.unwrap(); // 1
        store.update("/e/a", b"a2".to_vec(), 1).await.unwrap(); // 2
        store.update("/e/a", b"a3".to_vec(), 2).await.unwrap(); // 3
        store.delete("/e/a", None).await.unwrap(); // 4
        store.create("/e/a", b"a4".to_vec()).await.unwrap(); // 5
        let mut w = store.watch("/e/", 0).await.unwrap();
        let mut got = Vec::new();
        while got.len() < 5 {
            got.extend(w.events.recv().await.expect("events"));
        }
        type Seen<'a> = (EventKind, &'a [u8], Option<&'a [u8]>);
        let values: Vec<Seen<'_>> = got
            .iter()
            .map(|e| {
                (
                    e.kind,
                    e.kv.value.as_slice(),
                    e.prev.as_ref().map(|p| p.value.as_slice()),
                )
            })
            .collect();
        assert_eq!(
            values,
            [
                (EventKind::Put, &b"a1"[..], None),
                (EventKind::Put, &b"a2"[..], Some(&b"a1"[..])),
                (EventKind::Put, &b"a3"[..], Some(&b"a2"[..])),
                (EventKind::Delete, &b"a3"[..], Some(&b"a3"[..])),
                (EventKind::Put, &b"a4"[..], None),
            ]
        );
        assert_eq!(got[4].kv.create_revision, 5);
    }
}
