//! Durability: a reopened file has everything that was acknowledged, after
//! a clean close and after kill -9.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::{fresh_file, test_options};
use crate::sqlite::SqliteStorage;
use crate::{EventKind, ListOptions, Storage};

/// Set in the child process of [`acknowledged_writes_survive_kill_9`]: the
/// database path it writes to.
const CHILD_DB_ENV: &str = "KEELSON_KILL9_CHILD_DB";
/// Libtest name of the child's entry point.
const CHILD_TEST: &str = "sqlite::tests::durability::kill9_child_writer";

#[tokio::test]
async fn reopen_after_close_sees_everything() {
    let (store, dir) = fresh_file().await;
    let path = dir.path().join("keelson.db");
    for i in 0..50 {
        store
            .create(&format!("/ro/{i:02}"), format!("v{i}").into_bytes())
            .await
            .unwrap();
    }
    for i in 0..10 {
        store
            .update(&format!("/ro/{i:02}"), b"updated".to_vec(), i + 1)
            .await
            .unwrap();
    }
    store.delete("/ro/49", None).await.unwrap();
    store.compact(20).await.unwrap();
    let before = store.list("/ro/", ListOptions::default()).await.unwrap();
    let at_30 = store
        .list(
            "/ro/",
            ListOptions {
                revision: Some(30),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    store.close().await.unwrap();

    let store = SqliteStorage::open(&path, test_options()).unwrap();
    assert_eq!(store.current_revision().await.unwrap(), 61);
    assert_eq!(store.compacted_revision().await.unwrap(), 20);
    assert_eq!(
        store.list("/ro/", ListOptions::default()).await.unwrap(),
        before
    );
    assert_eq!(
        store
            .list(
                "/ro/",
                ListOptions {
                    revision: Some(30),
                    ..Default::default()
                }
            )
            .await
            .unwrap(),
        at_30,
        "history survives a reopen"
    );
    let mut w = store.watch("/ro/", 59).await.unwrap();
    let replay = w.events.recv().await.expect("replayed events");
    assert_eq!(
        replay
            .iter()
            .map(|e| (e.revision(), e.kind))
            .collect::<Vec<_>>(),
        [(60, EventKind::Put), (61, EventKind::Delete)]
    );
    assert_eq!(
        store.create("/ro/new", b"n".to_vec()).await.unwrap(),
        62,
        "revisions continue"
    );
    store.close().await.unwrap();
}

#[tokio::test]
async fn reopen_after_drop_without_close() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("keelson.db");
    {
        let store = SqliteStorage::open(&path, test_options()).unwrap();
        store.create("/rd/a", b"a".to_vec()).await.unwrap();
    }
    let store = SqliteStorage::open(&path, test_options()).unwrap();
    assert_eq!(
        store.get("/rd/a").await.unwrap().map(|kv| kv.mod_revision),
        Some(1)
    );
}

/// The child side of the kill -9 test: writes until it is killed, printing
/// `ack <revision> <key>` after each acknowledged create. Does nothing
/// unless started by the parent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "child process of acknowledged_writes_survive_kill_9"]
async fn kill9_child_writer() {
    let Some(path) = std::env::var_os(CHILD_DB_ENV) else {
        return;
    };
    let store =
        SqliteStorage::open(std::path::Path::new(&path), test_options()).expect("child open");
    let mut tasks = Vec::new();
    for t in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            // Bounded in case the parent dies without killing us.
            let deadline = Instant::now() + Duration::from_secs(60);
            let mut i = 0u64;
            while Instant::now() < deadline {
                let key = format!("/k9/{t:02}-{i:06}");
                let rev = store
                    .create(&key, key.as_bytes().to_vec())
                    .await
                    .expect("child create");
                let mut out = std::io::stdout().lock();
                // One write per line: a pipe write this small is atomic.
                out.write_all(format!("ack {rev} {key}\n").as_bytes())
                    .expect("stdout");
                out.flush().expect("stdout");
                i += 1;
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kill9.db");
    let exe = std::env::current_exe().expect("test binary path");
    let mut child = Command::new(exe)
        .args([
            "--exact",
            CHILD_TEST,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DB_ENV, &path)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the writer child");
    let stdout = child.stdout.take().expect("child stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut acked: BTreeMap<String, i64> = BTreeMap::new();
    let record = |line: String, acked: &mut BTreeMap<String, i64>| {
        let mut parts = line.split(' ');
        if let (Some("ack"), Some(rev), Some(key), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        {
            let rev: i64 = rev.parse().expect("revision printed by the child");
            acked.insert(key.to_string(), rev);
        }
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while acked.len() < 2_000 {
        assert!(
            Instant::now() < deadline,
            "the child acknowledged only {} writes",
            acked.len()
        );
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(line) => record(line, &mut acked),
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("the child exited early"),
        }
    }
    // SIGKILL on Unix: no destructor, no checkpoint, no close.
    child.kill().expect("kill -9 the child");
    let status = child.wait().expect("reap the child");
    assert!(!status.success(), "the child was killed, not finished");
    reader.join().expect("stdout reader");
    while let Ok(line) = rx.try_recv() {
        record(line, &mut acked);
    }

    let store = SqliteStorage::open(&path, test_options()).expect("reopen after kill -9");
    let current = store.current_revision().await.unwrap();
    let max_acked = acked.values().copied().max().unwrap_or(0);
    assert!(
        current >= max_acked,
        "current revision {current} is below an acknowledged {max_acked}"
    );
    let all = store.list("/k9/", ListOptions::default()).await.unwrap();
    let stored: BTreeMap<&str, (i64, &[u8])> = all
        .items
        .iter()
        .map(|kv| (kv.key.as_str(), (kv.mod_revision, kv.value.as_slice())))
        .collect();
    for (key, rev) in &acked {
        assert_eq!(
            stored.get(key.as_str()),
            Some(&(*rev, key.as_bytes())),
            "acknowledged write of {key} at revision {rev} is missing after kill -9"
        );
    }
    // Nothing was written that was not a create, so revisions are gapless.
    assert_eq!(all.items.len() as i64, current);
    assert_eq!(
        store.create("/k9/after", b"x".to_vec()).await.unwrap(),
        current + 1
    );
    store.close().await.unwrap();
}
