//! The writer thread: group commit.
//!
//! One OS thread owns the write connection. It blocks for a request, drains
//! whatever else is queued (up to `max_batch`), applies every write of the
//! batch in one transaction (each write gets its own revision; a failed
//! precondition fails only that write), commits once — one fsync for the
//! whole batch — then publishes the new revision to readers, answers every
//! request, and finally hands the batch's events to the watchers.

use std::sync::atomic::Ordering;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rusqlite::{Connection, OptionalExtension};
use tokio::sync::oneshot;

use super::checkpoint::Checkpointer;
use super::compaction::{self, Policy};
use super::schema::{write_meta, KIND_DELETE, KIND_PUT};
use super::{sql_err, Shared};
use crate::{Event, EventKind, KeyValue, StorageError};

/// One mutation.
pub(super) enum WriteOp {
    Create {
        key: String,
        value: Vec<u8>,
    },
    Update {
        key: String,
        value: Vec<u8>,
        expected: i64,
    },
    Delete {
        key: String,
        expected: Option<i64>,
    },
}

/// What a successful write answers: its revision, and for a delete the
/// deleted value.
pub(super) type WriteReply = Result<(i64, Option<KeyValue>), StorageError>;

/// A read that must run on the writer's connection (in-memory databases
/// have no other connection).
pub(super) type ReadJob = Box<dyn FnOnce(&Connection) + Send>;

/// A message to the writer thread.
pub(super) enum Request {
    Write(WriteOp, oneshot::Sender<WriteReply>),
    Read(ReadJob),
    Compact(i64, oneshot::Sender<Result<(), StorageError>>),
    Close(oneshot::Sender<Result<(), StorageError>>),
}

/// Why one write of a batch did not apply.
enum Failure {
    /// Its precondition failed; only this request fails.
    Rejected(StorageError),
    /// SQLite failed; the whole batch is rolled back.
    Sql(rusqlite::Error),
}

impl From<rusqlite::Error> for Failure {
    fn from(e: rusqlite::Error) -> Failure {
        Failure::Sql(e)
    }
}

/// State owned by the writer thread.
pub(super) struct Writer {
    pub conn: Connection,
    pub shared: Arc<Shared>,
    pub rx: Receiver<Request>,
    /// Latest committed revision.
    pub revision: i64,
    pub compacted: i64,
    pub max_batch: usize,
    pub policy: Option<Policy>,
    /// Timestamps of events never go backwards, so the age policy can trust
    /// revision order.
    pub last_timestamp_ms: i64,
    pub file_backed: bool,
    /// Background checkpoints (file databases only).
    pub checkpointer: Option<Checkpointer>,
    /// Explicit compaction in progress: the revision asked for (0 if none)
    /// and who waits for it.
    pub compact_goal: i64,
    pub compact_waiters: Vec<oneshot::Sender<Result<(), StorageError>>>,
}

impl Writer {
    /// Serves requests until `close` or until every sender is gone.
    pub fn run(mut self) {
        let mut next_compaction = self.policy.as_ref().map(|p| Instant::now() + p.interval);
        let mut closing: Option<oneshot::Sender<Result<(), StorageError>>> = None;
        let mut batch = Vec::new();
        while closing.is_none() {
            // Compaction work waiting means: only take what is already queued.
            let wake = if self.compact_goal > self.compacted {
                Some(Instant::now())
            } else {
                next_compaction
            };
            let first = match wake {
                Some(at) => match self
                    .rx
                    .recv_timeout(at.saturating_duration_since(Instant::now()))
                {
                    Ok(m) => Some(m),
                    Err(RecvTimeoutError::Timeout) => None,
                    Err(RecvTimeoutError::Disconnected) => break,
                },
                None => match self.rx.recv() {
                    Ok(m) => Some(m),
                    Err(_) => break,
                },
            };
            let mut others = Vec::new();
            if let Some(first) = first {
                let mut next = Some(first);
                while let Some(msg) = next {
                    match msg {
                        Request::Write(op, reply) => batch.push((op, reply)),
                        other => others.push(other),
                    }
                    next = if batch.len() + others.len() < self.max_batch {
                        self.rx.try_recv().ok()
                    } else {
                        None
                    };
                }
            }
            if !batch.is_empty() {
                self.commit_batch(&mut batch);
            }
            for msg in others {
                match msg {
                    Request::Read(job) => job(&self.conn),
                    Request::Compact(revision, reply) => self.request_compaction(revision, reply),
                    Request::Close(reply) => closing = Some(reply),
                    Request::Write(_, reply) => {
                        let _ = reply.send(Err(closed()));
                    }
                }
            }
            if self.compact_goal > self.compacted {
                self.compact_explicit_step();
            } else if let (Some(at), Some(policy)) = (next_compaction, self.policy.clone()) {
                if Instant::now() >= at {
                    next_compaction = Some(match self.compact_auto(&policy) {
                        // More to delete: continue right after the next batch.
                        Ok(true) => Instant::now(),
                        Ok(false) => Instant::now() + policy.interval,
                        Err(e) => {
                            tracing::warn!(error = %e, "automatic compaction failed");
                            Instant::now() + policy.interval
                        }
                    });
                }
            }
        }
        self.shutdown(closing);
    }

    /// Rejects what is still queued, flushes and reports to `close`.
    fn shutdown(mut self, closing: Option<oneshot::Sender<Result<(), StorageError>>>) {
        self.shared.hub.close();
        if let Some(mut checkpointer) = self.checkpointer.take() {
            checkpointer.stop();
        }
        for waiter in self.compact_waiters.drain(..) {
            let _ = waiter.send(Err(closed()));
        }
        while let Ok(msg) = self.rx.try_recv() {
            match msg {
                Request::Write(_, reply) => {
                    let _ = reply.send(Err(closed()));
                }
                Request::Compact(_, reply) | Request::Close(reply) => {
                    let _ = reply.send(Err(closed()));
                }
                // Dropping the job drops its reply channel: the reader sees
                // the store as closed.
                Request::Read(_) => {}
            }
        }
        let result = if self.file_backed {
            // Not needed for durability (every commit is fsynced); it folds
            // the WAL into the main file so the next open starts small.
            self.conn
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                .map_err(sql_err)
        } else {
            Ok(())
        };
        let result = result.and(self.conn.close().map_err(|(_, e)| sql_err(e)));
        if let Some(reply) = closing {
            let _ = reply.send(result);
        }
    }

    fn timestamp_ms(&mut self) -> i64 {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_millis();
        let now = i64::try_from(now).unwrap_or(i64::MAX);
        self.last_timestamp_ms = self.last_timestamp_ms.max(now);
        self.last_timestamp_ms
    }

    /// Applies, commits and answers one batch of writes (leaves `batch` empty).
    fn commit_batch(&mut self, batch: &mut Vec<(WriteOp, oneshot::Sender<WriteReply>)>) {
        let start = self.revision;
        let ts = self.timestamp_ms();
        let mut results: Vec<WriteReply> = Vec::with_capacity(batch.len());
        let mut events = Vec::with_capacity(batch.len());
        let outcome = self.conn.execute_batch("BEGIN IMMEDIATE").and_then(|()| {
            for (op, _) in batch.iter_mut() {
                match self.apply(op, ts) {
                    Ok((reply, event)) => {
                        results.push(Ok(reply));
                        events.push(event);
                    }
                    Err(Failure::Rejected(e)) => results.push(Err(e)),
                    Err(Failure::Sql(e)) => return Err(e),
                }
            }
            if self.revision != start {
                write_meta(&self.conn, "revision", self.revision)?;
            }
            self.conn.execute_batch("COMMIT")
        });
        if let Err(e) = outcome {
            tracing::error!(error = %e, writes = batch.len(), "write batch failed");
            if !self.conn.is_autocommit() {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
            self.revision = start;
            let err = sql_err(e);
            for (_, reply) in batch.drain(..) {
                let _ = reply.send(Err(err.clone()));
            }
            return;
        }
        if self.revision != start {
            self.shared
                .published
                .store(self.revision, Ordering::Release);
            if let Some(checkpointer) = &self.checkpointer {
                checkpointer.nudge();
            }
        }
        for ((_, reply), result) in batch.drain(..).zip(results) {
            let _ = reply.send(result);
        }
        if !events.is_empty() {
            self.shared.hub.publish(self.revision, events);
        }
    }

    /// Applies one write inside the batch transaction. On success the new
    /// revision is taken; a rejected write changes nothing.
    fn apply(
        &mut self,
        op: &mut WriteOp,
        ts: i64,
    ) -> Result<((i64, Option<KeyValue>), Event), Failure> {
        let rev = self.revision + 1;
        let (reply, event) = match op {
            WriteOp::Create { key, value } => {
                let inserted = self
                    .conn
                    .prepare_cached(
                        "INSERT INTO kv (key, create_revision, mod_revision)
                         VALUES (?1, ?2, ?2) ON CONFLICT (key) DO NOTHING",
                    )?
                    .execute(rusqlite::params![&*key, rev])?;
                if inserted == 0 {
                    return Err(Failure::Rejected(StorageError::AlreadyExists(key.clone())));
                }
                let kv = KeyValue {
                    key: std::mem::take(key),
                    value: std::mem::take(value),
                    create_revision: rev,
                    mod_revision: rev,
                };
                self.log(rev, KIND_PUT, &kv, None, ts)?;
                let event = Event {
                    kind: EventKind::Put,
                    kv,
                    prev: None,
                };
                ((rev, None), event)
            }
            WriteOp::Update {
                key,
                value,
                expected,
            } => {
                let prev = self.current(key)?;
                check(key, &prev, Some(*expected))?;
                let Some(prev) = prev else {
                    return Err(Failure::Rejected(StorageError::NotFound(key.clone())));
                };
                self.conn
                    .prepare_cached("UPDATE kv SET mod_revision = ?2 WHERE key = ?1")?
                    .execute(rusqlite::params![&*key, rev])?;
                let kv = KeyValue {
                    key: std::mem::take(key),
                    value: std::mem::take(value),
                    create_revision: prev.create_revision,
                    mod_revision: rev,
                };
                self.log(rev, KIND_PUT, &kv, Some(&prev), ts)?;
                let event = Event {
                    kind: EventKind::Put,
                    kv,
                    prev: Some(prev),
                };
                ((rev, None), event)
            }
            WriteOp::Delete { key, expected } => {
                let prev = self.current(key)?;
                check(key, &prev, *expected)?;
                let Some(prev) = prev else {
                    return Err(Failure::Rejected(StorageError::NotFound(key.clone())));
                };
                self.conn
                    .prepare_cached("DELETE FROM kv WHERE key = ?1")?
                    .execute([&*key])?;
                let kv = KeyValue {
                    mod_revision: rev,
                    ..prev.clone()
                };
                self.log(rev, KIND_DELETE, &kv, Some(&prev), ts)?;
                let event = Event {
                    kind: EventKind::Delete,
                    kv,
                    prev: Some(prev.clone()),
                };
                ((rev, Some(prev)), event)
            }
        };
        self.revision = rev;
        Ok((reply, event))
    }

    fn current(&self, key: &str) -> Result<Option<KeyValue>, rusqlite::Error> {
        self.conn
            .prepare_cached(
                "SELECT e.value, s.create_revision, s.mod_revision
                   FROM kv s CROSS JOIN events e ON e.revision = s.mod_revision
                  WHERE s.key = ?1",
            )?
            .query_row([key], |r| {
                Ok(KeyValue {
                    key: key.to_string(),
                    value: r.get::<_, Option<Vec<u8>>>(0)?.unwrap_or_default(),
                    create_revision: r.get(1)?,
                    mod_revision: r.get(2)?,
                })
            })
            .optional()
    }

    /// Appends the event-log row of revision `rev`: the value a put wrote
    /// (none for a delete) and the key's previous event.
    fn log(
        &self,
        rev: i64,
        kind: i64,
        kv: &KeyValue,
        prev: Option<&KeyValue>,
        ts: i64,
    ) -> Result<(), rusqlite::Error> {
        let value = (kind != KIND_DELETE).then_some(kv.value.as_slice());
        self.conn
            .prepare_cached(
                "INSERT INTO events (revision, key, kind, create_revision, value, prev_revision,
                                     timestamp_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(rusqlite::params![
                rev,
                kv.key,
                kind,
                kv.create_revision,
                value,
                prev.map(|p| p.mod_revision),
                ts
            ])?;
        Ok(())
    }

    /// Starts an explicit compaction; `reply` is answered once the
    /// compaction point reaches `revision`. The deletion proceeds in steps
    /// between write batches, so a large compaction does not stall writes.
    fn request_compaction(
        &mut self,
        revision: i64,
        reply: oneshot::Sender<Result<(), StorageError>>,
    ) {
        if revision > self.revision {
            let _ = reply.send(Err(StorageError::FutureRevision {
                requested: revision,
                current: self.revision,
            }));
        } else if revision <= self.compacted {
            let _ = reply.send(Ok(()));
        } else {
            self.compact_goal = self.compact_goal.max(revision);
            self.compact_waiters.push(reply);
        }
    }

    fn compact_explicit_step(&mut self) {
        let step = self
            .compact_goal
            .min(self.compacted.saturating_add(compaction::STEP));
        let result = self.compact_to(step);
        if result.is_err() || self.compacted >= self.compact_goal {
            self.compact_goal = self.compacted;
            for waiter in self.compact_waiters.drain(..) {
                let _ = waiter.send(result.clone());
            }
        }
    }

    /// Runs one step of the automatic policy; true if more is due now.
    fn compact_auto(&mut self, policy: &Policy) -> Result<bool, StorageError> {
        let cutoff =
            self.timestamp_ms() - i64::try_from(policy.min_age.as_millis()).unwrap_or(i64::MAX);
        let step =
            compaction::next_step(&self.conn, policy, self.revision, self.compacted, cutoff)?;
        let Some((target, more)) = step else {
            return Ok(false);
        };
        self.compact_to(target)?;
        Ok(more)
    }

    fn compact_to(&mut self, revision: i64) -> Result<(), StorageError> {
        compaction::delete_through(&self.conn, self.compacted, revision)?;
        self.compacted = revision;
        self.shared.compacted.store(revision, Ordering::Release);
        Ok(())
    }
}

/// Checks a write's precondition against the key's current state.
fn check(key: &str, current: &Option<KeyValue>, expected: Option<i64>) -> Result<(), Failure> {
    match (current, expected) {
        (None, _) => Err(Failure::Rejected(StorageError::NotFound(key.to_string()))),
        (Some(kv), Some(expected)) if kv.mod_revision != expected => {
            Err(Failure::Rejected(StorageError::Conflict {
                key: key.to_string(),
                expected,
                actual: kv.mod_revision,
            }))
        }
        _ => Ok(()),
    }
}

/// The error of any call on a closed store.
pub(super) fn closed() -> StorageError {
    StorageError::Internal("storage is closed".to_string())
}
