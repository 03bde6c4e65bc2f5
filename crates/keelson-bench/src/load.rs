//! Load shapes: closed loop (N clients, each sends its next request when the
//! last one answered) and open loop (requests at a fixed rate, whatever the
//! answers do). Both are bounded in count and in time.

use crate::stats::Samples;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What one operation reports: `Ok` when the server answered as expected,
/// `Err(message)` otherwise.
pub type OpResult = Result<(), String>;

/// Outcome of a load phase.
#[derive(Debug, Default)]
pub struct LoadResult {
    /// Operations answered as expected.
    pub ok: u64,
    /// Operations that failed.
    pub failed: u64,
    /// Wall time of the phase.
    pub elapsed: Duration,
    /// Latencies of the successful operations.
    pub samples: Samples,
    /// The first failure, to say why.
    pub first_error: Option<String>,
    /// Open loop only: how late the dispatcher issued requests relative to
    /// their schedule (timer granularity, or a saturated client).
    pub dispatch_lag: Samples,
}

impl LoadResult {
    /// Successful operations per second.
    pub fn rate(&self) -> f64 {
        let secs = self.elapsed.as_secs_f64();
        if secs > 0.0 {
            self.ok as f64 / secs
        } else {
            0.0
        }
    }

    /// An error message if anything failed.
    pub fn failure_summary(&self) -> Option<String> {
        self.first_error.as_ref().map(|e| {
            format!(
                "{} of {} operations failed; first: {e}",
                self.failed,
                self.ok + self.failed
            )
        })
    }
}

#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
    samples: Samples,
    first_error: Option<String>,
}

impl Tally {
    fn record(&mut self, started: Instant, outcome: OpResult) {
        match outcome {
            Ok(()) => {
                self.ok += 1;
                self.samples.push(started.elapsed());
            }
            Err(e) => {
                self.failed += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn merge(&mut self, other: Tally) {
        self.ok += other.ok;
        self.failed += other.failed;
        self.samples.merge(other.samples);
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
    }
}

/// Runs `op(i)` for i = 0, 1, ... from `clients` concurrent tasks until
/// `max_ops` operations were started or `duration` passed.
pub async fn closed_loop<F, Fut>(
    clients: usize,
    duration: Duration,
    max_ops: u64,
    op: F,
) -> LoadResult
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OpResult> + Send + 'static,
{
    closed_loop_per_client(clients, duration, max_ops, move |_, i| op(i)).await
}

/// Like [`closed_loop`], but `op(client, i)` also learns which client
/// (0..`clients`) runs it, so each client can keep to objects of its own.
pub async fn closed_loop_per_client<F, Fut>(
    clients: usize,
    duration: Duration,
    max_ops: u64,
    op: F,
) -> LoadResult
where
    F: Fn(usize, u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OpResult> + Send + 'static,
{
    let op = Arc::new(op);
    let next = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(clients);
    for client in 0..clients.max(1) {
        let (op, next) = (op.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= max_ops {
                    break;
                }
                let t = Instant::now();
                let outcome = op(client, i).await;
                tally.record(t, outcome);
            }
            tally
        }));
    }
    let mut total = Tally::default();
    for t in tasks {
        match t.await {
            Ok(tally) => total.merge(tally),
            Err(e) => {
                total.failed += 1;
                total
                    .first_error
                    .get_or_insert(format!("client task died: {e}"));
            }
        }
    }
    LoadResult {
        ok: total.ok,
        failed: total.failed,
        elapsed: start.elapsed(),
        samples: total.samples,
        first_error: total.first_error,
        dispatch_lag: Samples::default(),
    }
}

/// Starts `op(i)` at `rate` per second for `duration`, each in its own
/// task, at most `max_in_flight` at once (beyond that the dispatcher waits,
/// which shows up as dispatch lag). Latency runs from dispatch to answer.
pub async fn open_loop<F, Fut>(
    rate: f64,
    duration: Duration,
    max_in_flight: usize,
    op: F,
) -> LoadResult
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = OpResult> + Send + 'static,
{
    let op = Arc::new(op);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let in_flight = Arc::new(Semaphore::new(max_in_flight.max(1)));
    let interval = Duration::from_secs_f64(1.0 / rate.max(1e-3));
    let total = (duration.as_secs_f64() * rate).floor() as u64;
    let mut lag = Samples::with_capacity(total as usize);
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..total {
        let scheduled = start + interval.mul_f64(i as f64);
        tokio::time::sleep_until(scheduled.into()).await;
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break;
        };
        lag.push(Instant::now().saturating_duration_since(scheduled));
        let (op, tally) = (op.clone(), tally.clone());
        tasks.spawn(async move {
            let t = Instant::now();
            let outcome = op(i).await;
            drop(permit);
            tally
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .record(t, outcome);
        });
        // Reap finished tasks so the set stays small on long runs.
        while tasks.try_join_next().is_some() {}
    }
    while tasks.join_next().await.is_some() {}
    let elapsed = start.elapsed();
    let tally = std::mem::take(&mut *tally.lock().unwrap_or_else(|p| p.into_inner()));
    LoadResult {
        ok: tally.ok,
        failed: tally.failed,
        elapsed,
        samples: tally.samples,
        first_error: tally.first_error,
        dispatch_lag: lag,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn closed_loop_stops_at_the_count() {
        let r = closed_loop(8, Duration::from_secs(10), 100, |_| async { Ok(()) }).await;
        assert_eq!(r.ok, 100);
        assert_eq!(r.failed, 0);
        assert_eq!(r.samples.len(), 100);
    }

    #[tokio::test]
    async fn each_client_knows_its_index() {
        let seen = Arc::new(Mutex::new(std::collections::BTreeSet::new()));
        let log = seen.clone();
        let r = closed_loop_per_client(3, Duration::from_secs(10), 30, move |client, _| {
            let log = log.clone();
            async move {
                log.lock().map_err(|e| e.to_string())?.insert(client);
                tokio::task::yield_now().await;
                Ok(())
            }
        })
        .await;
        assert_eq!(r.ok, 30);
        let clients: Vec<usize> = seen.lock().expect("not poisoned").iter().copied().collect();
        assert_eq!(clients, [0, 1, 2]);
    }

    #[tokio::test]
    async fn closed_loop_stops_at_the_deadline() {
        let start = Instant::now();
        let r = closed_loop(4, Duration::from_millis(100), u64::MAX, |_| async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(())
        })
        .await;
        assert!(start.elapsed() < Duration::from_secs(2));
        assert!(r.ok > 0);
    }

    #[tokio::test]
    async fn failures_are_counted_with_the_first_reason() {
        let r = closed_loop(1, Duration::from_secs(10), 4, |i| async move {
            if i % 2 == 1 {
                Err(format!("op {i} failed"))
            } else {
                Ok(())
            }
        })
        .await;
        assert_eq!((r.ok, r.failed), (2, 2));
        assert_eq!(r.first_error.as_deref(), Some("op 1 failed"));
    }

    #[tokio::test]
    async fn open_loop_keeps_its_rate() {
        let r = open_loop(200.0, Duration::from_millis(500), 64, |_| async { Ok(()) }).await;
        assert_eq!(r.ok, 100);
        assert!(r.elapsed >= Duration::from_millis(490), "{:?}", r.elapsed);
    }
}
