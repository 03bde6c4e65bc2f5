//! Compaction of the event log.
//!
//! The automatic policy keeps at least the last `min_revisions` revisions
//! AND at least the last `min_age` of history: a revision is compacted only
//! when it is both old enough and far enough behind the current revision.
//! Large backlogs are deleted in steps of [`STEP`] revisions so the writer
//! keeps serving writes in between.

use std::time::Duration;

use rusqlite::Connection;

use super::schema::{write_meta, KIND_DELETE};
use super::sql_err;
use crate::StorageError;

/// Most revisions deleted per automatic step.
pub(super) const STEP: i64 = 20_000;

/// The automatic compaction policy.
#[derive(Debug, Clone)]
pub(super) struct Policy {
    pub min_age: Duration,
    pub min_revisions: i64,
    pub interval: Duration,
}

/// The next compaction step the policy allows: a revision above `compacted`
/// (at most [`STEP`] above), and whether the policy allows more after it.
/// `cutoff_ms` is the newest event timestamp that counts as old enough.
pub(super) fn next_step(
    conn: &Connection,
    policy: &Policy,
    current: i64,
    compacted: i64,
    cutoff_ms: i64,
) -> Result<Option<(i64, bool)>, StorageError> {
    let by_count = current.saturating_sub(policy.min_revisions.max(0));
    if by_count <= compacted {
        return Ok(None);
    }
    // Bounding the scan keeps each step cheap even with a long history.
    let cap = by_count.min(compacted.saturating_add(STEP));
    // Timestamps never decrease with the revision, so the old-enough events
    // are a prefix of the log: the last of them bounds the target.
    let by_age: Option<i64> = conn
        .prepare_cached(
            "SELECT MAX(revision) FROM events
             WHERE revision > ?1 AND revision <= ?2 AND timestamp_ms <= ?3",
        )
        .and_then(|mut s| s.query_row(rusqlite::params![compacted, cap, cutoff_ms], |r| r.get(0)))
        .map_err(sql_err)?;
    Ok(by_age
        .filter(|t| *t > compacted)
        .map(|t| (t, t == cap && cap < by_count)))
}

/// Compacts the event log from `compacted` to `revision` and records the
/// new compaction point, in one transaction. Each key keeps its latest event
/// at or below `revision` when that is a put (its state from then on); the
/// rest of the history through `revision` is deleted. Only the events of
/// the step and the ones they supersede are visited, so a step costs what
/// it deletes, not the size of the store.
pub(super) fn delete_through(
    conn: &Connection,
    compacted: i64,
    revision: i64,
) -> Result<(), StorageError> {
    let txn = conn.unchecked_transaction().map_err(sql_err)?;
    // Events kept by an earlier compaction that a change in this step supersedes.
    txn.prepare_cached(
        "DELETE FROM events WHERE revision IN (
             SELECT e.prev_revision FROM events e
              WHERE e.revision > ?1 AND e.revision <= ?2 AND e.prev_revision <= ?1)",
    )
    .and_then(|mut s| s.execute([compacted, revision]))
    .map_err(sql_err)?;
    // The step's own events, but each key's last one if it is a put.
    txn.prepare_cached(&format!(
        "DELETE FROM events
          WHERE revision > ?1 AND revision <= ?2
            AND (kind = {KIND_DELETE}
                 OR revision NOT IN (SELECT MAX(revision) FROM events
                                      WHERE revision > ?1 AND revision <= ?2 GROUP BY key))"
    ))
    .and_then(|mut s| s.execute([compacted, revision]))
    .map_err(sql_err)?;
    write_meta(&txn, "compacted", revision).map_err(sql_err)?;
    txn.commit().map_err(sql_err)
}
