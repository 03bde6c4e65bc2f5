//! client-go's work-queue metrics (`k8s.io/component-base/metrics/prometheus/workqueue`):
//! the same names, help texts, buckets and `name` label.
//!
//! Unfinished work and the longest running processor are computed when the
//! registry is scraped, from the queues still alive, instead of by a ticker.

use parking_lot::Mutex;
use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{
    exponential_buckets, GaugeVec, Histogram, HistogramOpts, HistogramVec, IntCounter,
    IntCounterVec, IntGauge, IntGaugeVec, Opts, Registry,
};
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use std::time::Duration;

const UNFINISHED_HELP: &str = "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.";
const LONGEST_HELP: &str =
    "How many seconds has the longest running processor for workqueue been running.";

/// The work-queue metric families on one registry. Register once per
/// registry and hand clones to every queue that should report
/// ([`super::QueueConfig::metrics`]).
#[derive(Clone)]
pub struct MetricsProvider {
    depth: IntGaugeVec,
    adds: IntCounterVec,
    latency: HistogramVec,
    work_duration: HistogramVec,
    retries: IntCounterVec,
    in_flight: Arc<InFlightCollector>,
}

impl std::fmt::Debug for MetricsProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsProvider").finish_non_exhaustive()
    }
}

impl MetricsProvider {
    /// Registers `workqueue_depth`, `workqueue_adds_total`,
    /// `workqueue_queue_duration_seconds`, `workqueue_work_duration_seconds`,
    /// `workqueue_unfinished_work_seconds`,
    /// `workqueue_longest_running_processor_seconds` and
    /// `workqueue_retries_total` on `registry`. Fails if they are there already.
    pub fn register(registry: &Registry) -> prometheus::Result<MetricsProvider> {
        let buckets = exponential_buckets(10e-9, 10.0, 10)?;
        let provider = MetricsProvider {
            depth: IntGaugeVec::new(opts("depth", "Current depth of workqueue"), &["name"])?,
            adds: IntCounterVec::new(
                opts("adds_total", "Total number of adds handled by workqueue"),
                &["name"],
            )?,
            latency: HistogramVec::new(
                HistogramOpts::from(opts(
                    "queue_duration_seconds",
                    "How long in seconds an item stays in workqueue before being requested.",
                ))
                .buckets(buckets.clone()),
                &["name"],
            )?,
            work_duration: HistogramVec::new(
                HistogramOpts::from(opts(
                    "work_duration_seconds",
                    "How long in seconds processing an item from workqueue takes.",
                ))
                .buckets(buckets),
                &["name"],
            )?,
            retries: IntCounterVec::new(
                opts(
                    "retries_total",
                    "Total number of retries handled by workqueue",
                ),
                &["name"],
            )?,
            in_flight: Arc::new(InFlightCollector::new()?),
        };
        registry.register(Box::new(provider.depth.clone()))?;
        registry.register(Box::new(provider.adds.clone()))?;
        registry.register(Box::new(provider.latency.clone()))?;
        registry.register(Box::new(provider.work_duration.clone()))?;
        registry.register(Box::new(provider.retries.clone()))?;
        registry.register(Box::new(SharedCollector(provider.in_flight.clone())))?;
        Ok(provider)
    }

    pub(crate) fn for_queue(&self, name: &str, in_flight: Weak<dyn InFlight>) -> QueueMetrics {
        self.in_flight
            .queues
            .lock()
            .push((name.to_string(), in_flight));
        QueueMetrics {
            depth: self.depth.with_label_values(&[name]),
            adds: self.adds.with_label_values(&[name]),
            latency: self.latency.with_label_values(&[name]),
            work_duration: self.work_duration.with_label_values(&[name]),
            retries: self.retries.with_label_values(&[name]),
        }
    }
}

fn opts(name: &str, help: &str) -> Opts {
    Opts::new(name, help).subsystem("workqueue")
}

/// One named queue's metric children.
pub(crate) struct QueueMetrics {
    pub(crate) depth: IntGauge,
    pub(crate) adds: IntCounter,
    pub(crate) latency: Histogram,
    pub(crate) work_duration: Histogram,
    pub(crate) retries: IntCounter,
}

/// What a queue reports about the items being processed right now.
pub(crate) trait InFlight: Send + Sync {
    /// Seconds of unfinished work summed over the items, and the longest.
    fn in_flight(&self) -> (Duration, Duration);
}

struct InFlightCollector {
    unfinished_desc: Desc,
    longest_desc: Desc,
    queues: Mutex<Vec<(String, Weak<dyn InFlight>)>>,
}

impl InFlightCollector {
    fn new() -> prometheus::Result<InFlightCollector> {
        Ok(InFlightCollector {
            unfinished_desc: gauge_desc("unfinished_work_seconds", UNFINISHED_HELP)?,
            longest_desc: gauge_desc("longest_running_processor_seconds", LONGEST_HELP)?,
            queues: Mutex::new(Vec::new()),
        })
    }
}

fn gauge_desc(name: &str, help: &str) -> prometheus::Result<Desc> {
    Desc::new(
        format!("workqueue_{name}"),
        help.to_string(),
        vec!["name".to_string()],
        Default::default(),
    )
}

/// Registries own their collectors; this lets the provider keep its own handle.
struct SharedCollector(Arc<InFlightCollector>);

impl Collector for SharedCollector {
    fn desc(&self) -> Vec<&Desc> {
        vec![&self.0.unfinished_desc, &self.0.longest_desc]
    }

    fn collect(&self) -> Vec<MetricFamily> {
        // Queues sharing a name report as one, like client-go's shared label.
        let mut by_name: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        {
            let mut queues = self.0.queues.lock();
            queues.retain(|(name, queue)| match queue.upgrade() {
                Some(queue) => {
                    let (unfinished, longest) = queue.in_flight();
                    let entry = by_name.entry(name.clone()).or_default();
                    entry.0 += unfinished.as_secs_f64();
                    entry.1 = entry.1.max(longest.as_secs_f64());
                    true
                }
                None => false,
            });
        }
        let (Ok(unfinished), Ok(longest)) = (
            GaugeVec::new(opts("unfinished_work_seconds", UNFINISHED_HELP), &["name"]),
            GaugeVec::new(
                opts("longest_running_processor_seconds", LONGEST_HELP),
                &["name"],
            ),
        ) else {
            return Vec::new();
        };
        for (name, (u, l)) in &by_name {
            unfinished.with_label_values(&[name]).set(*u);
            longest.with_label_values(&[name]).set(*l);
        }
        let mut families = unfinished.collect();
        families.extend(longest.collect());
        families
    }
}
