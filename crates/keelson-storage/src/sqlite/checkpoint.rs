//! Background WAL checkpoints for file databases.
//!
//! Copying WAL pages back into the database file (and fsyncing it) is the
//! most expensive part of a write-heavy load. Done inline by the writer it
//! stalls every request of the batch that crosses the threshold; here a
//! separate thread with its own connection runs PASSIVE checkpoints (which
//! never wait for, nor block, the writer or readers) shortly after commits.
//! The writer keeps SQLite's own auto-checkpoint as a backstop: it then
//! finds the pages already copied, which lets the WAL restart from its
//! beginning instead of growing.

use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;
use std::time::Duration;

use super::schema;
use crate::StorageError;

/// Least time between two background checkpoints.
const SPACING: Duration = Duration::from_millis(50);

/// Handle to the checkpoint thread.
pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path`.
    pub fn start(path: &Path) -> Result<Checkpointer, StorageError> {
        let conn = schema::open_checkpointer(path)?;
        let (wake, rx) = sync_channel::<()>(1);
        let thread = std::thread::Builder::new()
            .name("keelson-sqlite-checkpoint".to_string())
            .spawn(move || {
                while rx.recv().is_ok() {
                    if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "background checkpoint failed");
                    }
                    std::thread::sleep(SPACING);
                }
            })
            .map_err(|e| {
                StorageError::Internal(format!("cannot start the checkpoint thread: {e}"))
            })?;
        Ok(Checkpointer {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Asks for a checkpoint soon; free if one is already pending.
    pub fn nudge(&self) {
        if let Some(wake) = &self.wake {
            let _ = wake.try_send(());
        }
    }

    /// Stops the thread after its current checkpoint.
    pub fn stop(&mut self) {
        self.wake = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop();
    }
}
