//! Fan-out of committed events to watchers.
//!
//! The writer publishes each committed batch here after answering its
//! requests. A watcher is a bounded channel plus a key prefix; delivery uses
//! `try_send`, and a watcher whose channel is full (or whose receiver is
//! gone) is removed, which closes its stream: a slow watcher never blocks the
//! writer or the other watchers, and re-watches from the last revision it saw.
//!
//! A new watch first replays history from the event log (see
//! `SqliteStorage::watch`), then registers here. Registration only succeeds
//! when the watcher has seen everything up to the published revision, which
//! is checked under the same lock that publishing takes, so no event is
//! missed or delivered twice. The few most recent batches are kept in memory
//! so that a watcher that is just behind catches up under that lock instead
//! of going back to the database.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use super::keyrange::KeyRange;
use crate::Event;

/// How many recent events stay in memory for registration catch-up.
const RECENT_EVENTS: usize = 1024;

/// The watchers of one store and the latest published revision.
pub(super) struct Hub {
    state: Mutex<HubState>,
    /// Copy of `HubState::published` readable without the lock.
    published: AtomicI64,
}

struct HubState {
    published: i64,
    watchers: Vec<Watcher>,
    /// Recent batches; together they hold every event above `recent_from`.
    recent: VecDeque<Arc<Vec<Event>>>,
    recent_len: usize,
    recent_from: i64,
    closed: bool,
}

struct Watcher {
    range: KeyRange,
    /// Revisions up to here were already delivered. A watch may start at a
    /// revision that readers see but the hub has not published yet.
    seen: i64,
    tx: mpsc::Sender<Vec<Event>>,
}

/// Outcome of [`Hub::register`].
pub(super) enum Registration {
    /// The watcher now receives live events.
    Live,
    /// Events were published that the watcher has not seen and that are no
    /// longer (or not yet) catchable here; replay up to `published` first.
    Behind(mpsc::Sender<Vec<Event>>),
    /// The receiver is gone or the store closed; stop.
    Gone,
}

impl Hub {
    /// A hub whose history starts after `revision`.
    pub fn new(revision: i64) -> Hub {
        Hub {
            state: Mutex::new(HubState {
                published: revision,
                watchers: Vec::new(),
                recent: VecDeque::new(),
                recent_len: 0,
                recent_from: revision,
                closed: false,
            }),
            published: AtomicI64::new(revision),
        }
    }

    /// The latest revision whose events were handed to watchers.
    pub fn published(&self) -> i64 {
        self.published.load(Ordering::Acquire)
    }

    /// Delivers a committed batch (events in revision order, ending at
    /// `revision`) to every matching watcher.
    pub fn publish(&self, revision: i64, batch: Vec<Event>) {
        if batch.is_empty() {
            return;
        }
        let batch = Arc::new(batch);
        let mut state = self.state.lock();
        if state.closed {
            return;
        }
        state.watchers.retain(|w| deliver(w, &batch));
        state.recent_len += batch.len();
        state.recent.push_back(batch);
        while state.recent_len > RECENT_EVENTS && state.recent.len() > 1 {
            if let Some(old) = state.recent.pop_front() {
                state.recent_len -= old.len();
                if let Some(last) = old.last() {
                    state.recent_from = last.revision();
                }
            }
        }
        state.published = revision;
        self.published.store(revision, Ordering::Release);
    }

    /// Makes `tx` a live watcher of `range` if it has seen every event up to
    /// `seen` and `seen` is the published revision, or if the gap can be sent
    /// from the recent batches right now.
    pub fn register(
        &self,
        range: KeyRange,
        tx: mpsc::Sender<Vec<Event>>,
        seen: i64,
    ) -> Registration {
        let mut state = self.state.lock();
        if state.closed || tx.is_closed() {
            return Registration::Gone;
        }
        if seen < state.published {
            if seen < state.recent_from {
                return Registration::Behind(tx);
            }
            let gap: Vec<Event> = state
                .recent
                .iter()
                .flat_map(|b| b.iter())
                .filter(|e| e.revision() > seen && range.contains(&e.kv.key))
                .cloned()
                .collect();
            if !gap.is_empty() {
                match tx.try_send(gap) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => return Registration::Behind(tx),
                    Err(mpsc::error::TrySendError::Closed(_)) => return Registration::Gone,
                }
            }
        }
        state.watchers.push(Watcher { range, seen, tx });
        Registration::Live
    }

    /// Drops every watcher (their streams end) and refuses new ones.
    pub fn close(&self) {
        let mut state = self.state.lock();
        state.closed = true;
        state.watchers.clear();
        state.recent.clear();
    }

    /// Number of live watchers (for tests and metrics).
    #[cfg(test)]
    pub fn watcher_count(&self) -> usize {
        self.state.lock().watchers.len()
    }
}

/// Sends the part of `batch` that `w` watches; false if `w` must be dropped.
fn deliver(w: &Watcher, batch: &[Event]) -> bool {
    if w.tx.is_closed() {
        return false;
    }
    let mine: Vec<Event> = batch
        .iter()
        .filter(|e| e.revision() > w.seen && w.range.contains(&e.kv.key))
        .cloned()
        .collect();
    if mine.is_empty() {
        return true;
    }
    match w.tx.try_send(mine) {
        Ok(()) => true,
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::debug!(prefix = %w.range.lower, "dropping a watcher that fell behind");
            false
        }
        Err(mpsc::error::TrySendError::Closed(_)) => false,
    }
}
