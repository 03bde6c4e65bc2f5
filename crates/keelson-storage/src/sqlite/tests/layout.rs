//! The on-disk layout: what compaction keeps, and the upgrade of a
//! database written with schema version 1.

use super::test_options;
use crate::sqlite::SqliteStorage;
use crate::{Event, EventKind, ListOptions, Storage};

/// `(key, value, mod_revision)` of a list at `revision`.
async fn state_at(store: &SqliteStorage, revision: Option<i64>) -> Vec<(String, String, i64)> {
    let opts = ListOptions {
        revision,
        ..Default::default()
    };
    store
        .list("/l/", opts)
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|kv| {
            (
                kv.key,
                String::from_utf8(kv.value).unwrap(),
                kv.mod_revision,
            )
        })
        .collect()
}

fn row(key: &str, value: &str, rev: i64) -> (String, String, i64) {
    (key.to_string(), value.to_string(), rev)
}

/// `(revision, kind, value, previous value)` of the events after `after`.
async fn replay(
    store: &SqliteStorage,
    after: i64,
    n: usize,
) -> Vec<(i64, EventKind, String, Option<String>)> {
    let mut w = store.watch("/l/", after).await.expect("watch");
    let mut got: Vec<Event> = Vec::new();
    while got.len() < n {
        got.extend(w.events.recv().await.expect("events"));
    }
    let text = |v: &[u8]| String::from_utf8(v.to_vec()).unwrap();
    got.iter()
        .map(|e| {
            (
                e.kv.mod_revision,
                e.kind,
                text(&e.kv.value),
                e.prev.as_ref().map(|p| text(&p.value)),
            )
        })
        .collect()
}

fn event_rows(path: &std::path::Path) -> Vec<i64> {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut stmt = conn
        .prepare("SELECT revision FROM events ORDER BY revision")
        .unwrap();
    let rows = stmt.query_map([], |r| r.get(0)).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

#[tokio::test]
async fn compaction_keeps_each_keys_state_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keelson.db");
    let store = SqliteStorage::open(&path, test_options()).unwrap();
    store.create("/l/a", b"a1".to_vec()).await.unwrap(); // 1
    store.update("/l/a", b"a2".to_vec(), 1).await.unwrap(); // 2
    store.create("/l/b", b"b1".to_vec()).await.unwrap(); // 3
    store.create("/l/c", b"c1".to_vec()).await.unwrap(); // 4
    store.delete("/l/c", None).await.unwrap(); // 5
    store.update("/l/b", b"b2".to_vec(), 3).await.unwrap(); // 6
    store.update("/l/a", b"a3".to_vec(), 2).await.unwrap(); // 7
    store.delete("/l/b", None).await.unwrap(); // 8

    store.compact(4).await.unwrap();
    // a's state at 4 is event 2, b's is event 3, c's is event 4 (deleted
    // at 5, so still needed as the delete's previous state).
    assert_eq!(
        state_at(&store, Some(4)).await,
        [
            row("/l/a", "a2", 2),
            row("/l/b", "b1", 3),
            row("/l/c", "c1", 4)
        ]
    );
    assert_eq!(
        state_at(&store, Some(6)).await,
        [row("/l/a", "a2", 2), row("/l/b", "b2", 6)]
    );
    assert_eq!(state_at(&store, None).await, [row("/l/a", "a3", 7)]);
    assert_eq!(
        replay(&store, 4, 4).await,
        [
            (5, EventKind::Delete, "c1".into(), Some("c1".into())),
            (6, EventKind::Put, "b2".into(), Some("b1".into())),
            (7, EventKind::Put, "a3".into(), Some("a2".into())),
            (8, EventKind::Delete, "b2".into(), Some("b2".into())),
        ]
    );

    // A second step supersedes what the first kept: only a's latest put
    // remains, b and c are gone with their deletes.
    store.compact(8).await.unwrap();
    assert_eq!(state_at(&store, Some(8)).await, [row("/l/a", "a3", 7)]);
    store.close().await.unwrap();
    assert_eq!(event_rows(&path), [7]);
}

/// Schema version 1: `kv` held the live values, each event the value
/// before it (`prev_*`).
const VERSION_1: &str = "
CREATE TABLE kv (key TEXT PRIMARY KEY NOT NULL, value BLOB NOT NULL,
                 create_revision INTEGER NOT NULL, mod_revision INTEGER NOT NULL);
CREATE TABLE events (revision INTEGER PRIMARY KEY, key TEXT NOT NULL, kind INTEGER NOT NULL,
                     create_revision INTEGER NOT NULL, prev_value BLOB,
                     prev_create_revision INTEGER, prev_mod_revision INTEGER,
                     timestamp_ms INTEGER NOT NULL);
CREATE INDEX events_key_revision ON events (key, revision);
CREATE TABLE meta (name TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) WITHOUT ROWID;
-- History: 1 create a=a1, 2 update a=a2, 3 create b=b1, 4 delete b,
-- 5 create c=c1, 6 update a=a3, 7 create d=d1; compacted through 2.
INSERT INTO meta VALUES ('revision', 7), ('compacted', 2);
INSERT INTO kv VALUES ('/l/a', x'6133', 1, 6), ('/l/c', x'6331', 5, 5), ('/l/d', x'6431', 7, 7);
INSERT INTO events VALUES
  (3, '/l/b', 0, 3, NULL, NULL, NULL, 1000),
  (4, '/l/b', 1, 3, x'6231', 3, 3, 1000),
  (5, '/l/c', 0, 5, NULL, NULL, NULL, 1000),
  (6, '/l/a', 0, 1, x'6132', 1, 2, 1000),
  (7, '/l/d', 0, 7, NULL, NULL, NULL, 1000);
PRAGMA user_version=1;
";

#[tokio::test]
async fn a_version_1_database_is_upgraded_with_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keelson.db");
    rusqlite::Connection::open(&path)
        .and_then(|c| c.execute_batch(VERSION_1))
        .unwrap();
    let store = SqliteStorage::open(&path, test_options()).unwrap();
    assert_eq!(store.current_revision().await.unwrap(), 7);
    assert_eq!(
        state_at(&store, None).await,
        [
            row("/l/a", "a3", 6),
            row("/l/c", "c1", 5),
            row("/l/d", "d1", 7)
        ]
    );
    assert_eq!(
        state_at(&store, Some(3)).await,
        [row("/l/a", "a2", 2), row("/l/b", "b1", 3)]
    );
    assert_eq!(
        replay(&store, 2, 5).await,
        [
            (3, EventKind::Put, "b1".into(), None),
            (4, EventKind::Delete, "b1".into(), Some("b1".into())),
            (5, EventKind::Put, "c1".into(), None),
            (6, EventKind::Put, "a3".into(), Some("a2".into())),
            (7, EventKind::Put, "d1".into(), None),
        ]
    );
    // Writes go on from the upgraded state.
    assert_eq!(store.update("/l/a", b"a4".to_vec(), 6).await.unwrap(), 8);
    let a = store.get("/l/a").await.unwrap().expect("a");
    assert_eq!(
        (a.value, a.create_revision, a.mod_revision),
        (b"a4".to_vec(), 1, 8)
    );
    store.close().await.unwrap();
    let version: i64 = rusqlite::Connection::open(&path)
        .and_then(|c| c.query_row("PRAGMA user_version", [], |r| r.get(0)))
        .unwrap();
    assert_eq!(version, 2);
}
