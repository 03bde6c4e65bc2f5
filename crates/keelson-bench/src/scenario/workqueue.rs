//! `workqueue`: keelson-runtime's `WorkQueue` alone. Items are controller
//! keys (`namespace/name` strings); one item is one `add`, one `get` and one
//! `done`. Measured on one thread (target: 1,000,000 items/s), on one thread
//! with Prometheus metrics on, and with four workers fed by one producer.

use super::Context;
use crate::error::{BenchError, Result};
use crate::report::{Report, Target};
use keelson_runtime::workqueue::{MetricsProvider, QueueConfig, WorkQueue};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "workqueue";
/// Keys per round: a controller's queue after a resync of a large namespace.
const ROUND: usize = 10_000;
const WORKERS: usize = 4;

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, report: &mut Report) -> Result<()> {
    let duration = ctx.sizes.workqueue_duration;
    let plain = on_thread(move || one_thread(WorkQueue::new(), duration)).await?;
    report.figure(
        NAME,
        "add/get/done, one thread",
        Some(plain),
        "items/s",
        Target::at_least(1_000_000.0),
    );
    let metered = on_thread(move || {
        let registry = prometheus::Registry::new();
        let provider = MetricsProvider::register(&registry)
            .map_err(|e| BenchError::Process(format!("workqueue metrics: {e}")))?;
        let queue = WorkQueue::with_config(QueueConfig::named("bench").metrics(&provider));
        one_thread(queue, duration)
    })
    .await?;
    report.info(
        NAME,
        "add/get/done, one thread, with metrics",
        Some(metered),
        "items/s",
    );
    let (workers, cpu) = on_thread(move || {
        let cpu = crate::cpu::CpuWindow::start(None);
        let rate = workers(duration)?;
        Ok((rate, cpu.finish()))
    })
    .await?;
    report.info(
        NAME,
        &format!("add/get/done, 1 producer + {WORKERS} workers"),
        Some(workers),
        "items/s",
    );
    report.cpu(NAME, &format!("{WORKERS} workers"), cpu);
    Ok(())
}

/// Runs `f` on a thread of its own, away from the benchmark's runtime.
async fn on_thread<R: Send + 'static>(f: impl FnOnce() -> Result<R> + Send + 'static) -> Result<R> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| BenchError::Process(format!("workqueue thread: {e}")))?
}

fn runtime(threads: Option<usize>) -> Result<tokio::runtime::Runtime> {
    let mut builder = match threads {
        None => tokio::runtime::Builder::new_current_thread(),
        Some(n) => {
            let mut b = tokio::runtime::Builder::new_multi_thread();
            b.worker_threads(n);
            b
        }
    };
    builder
        .enable_all()
        .build()
        .map_err(|e| BenchError::Process(format!("tokio runtime: {e}")))
}

fn keys() -> Vec<String> {
    (0..ROUND)
        .map(|i| format!("bench-workqueue/configmap-{i:06}"))
        .collect()
}

/// Rounds of: add every key, then get and done each, on one thread.
fn one_thread(queue: WorkQueue<String>, duration: Duration) -> Result<f64> {
    let keys = keys();
    runtime(None)?.block_on(async move {
        let start = Instant::now();
        let mut items = 0u64;
        while start.elapsed() < duration {
            for k in &keys {
                queue.add(k.clone());
            }
            for _ in 0..keys.len() {
                let Some(k) = queue.get().await else {
                    return Err(BenchError::Process("queue shut down".into()));
                };
                queue.done(&k);
            }
            items += keys.len() as u64;
        }
        Ok(items as f64 / start.elapsed().as_secs_f64())
    })
}

/// One producer adding keys as fast as the queue takes them (at most two
/// rounds ahead), four worker tasks getting and marking them done.
fn workers(duration: Duration) -> Result<f64> {
    let keys = keys();
    runtime(Some(WORKERS))?.block_on(async move {
        let queue: WorkQueue<String> = WorkQueue::new();
        let handled = Arc::new(AtomicU64::new(0));
        let tasks: Vec<_> = (0..WORKERS)
            .map(|_| {
                let (queue, handled) = (queue.clone(), handled.clone());
                tokio::spawn(async move {
                    while let Some(k) = queue.get().await {
                        queue.done(&k);
                        handled.fetch_add(1, Ordering::Relaxed);
                    }
                })
            })
            .collect();
        let start = Instant::now();
        while start.elapsed() < duration {
            if queue.len() > 2 * ROUND {
                tokio::task::yield_now().await;
                continue;
            }
            for k in &keys {
                queue.add(k.clone());
            }
        }
        let counted = handled.load(Ordering::Relaxed);
        let elapsed = start.elapsed();
        queue.shut_down();
        for t in tasks {
            t.await
                .map_err(|e| BenchError::Process(format!("worker: {e}")))?;
        }
        Ok(counted as f64 / elapsed.as_secs_f64())
    })
}
