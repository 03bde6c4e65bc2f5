//! Prometheus metrics with kube-apiserver's names.

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts,
    Registry as PromRegistry, TextEncoder,
};

/// The server's metrics.
pub struct Metrics {
    registry: PromRegistry,
    /// `apiserver_request_total`.
    pub requests: IntCounterVec,
    /// `apiserver_request_duration_seconds`.
    pub request_duration: HistogramVec,
    /// `apiserver_current_inflight_requests`.
    pub inflight: IntGaugeVec,
    /// `apiserver_registered_watchers`.
    pub watchers: IntGaugeVec,
    /// `apiserver_storage_objects`.
    pub objects: IntGaugeVec,
    /// `etcd_request_duration_seconds` (storage latency, whatever the backend).
    pub storage_duration: HistogramVec,
}

impl Metrics {
    /// Registers every metric.
    pub fn new() -> Self {
        let registry = PromRegistry::new();
        let requests = IntCounterVec::new(
            Opts::new("apiserver_request_total", "Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code."),
            &["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component", "code"],
        )
        .expect("valid metric");
        let request_duration = HistogramVec::new(
            HistogramOpts::new("apiserver_request_duration_seconds", "Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.")
                .buckets(vec![0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0, 20.0, 30.0, 45.0, 60.0]),
            &["verb", "dry_run", "group", "version", "resource", "subresource", "scope", "component"],
        )
        .expect("valid metric");
        let inflight = IntGaugeVec::new(
            Opts::new("apiserver_current_inflight_requests", "Maximal number of currently used inflight request limit of this apiserver per request kind in last second."),
            &["request_kind"],
        )
        .expect("valid metric");
        let watchers = IntGaugeVec::new(
            Opts::new(
                "apiserver_registered_watchers",
                "Number of currently registered watchers for a given resources",
            ),
            &["group", "resource"],
        )
        .expect("valid metric");
        let objects = IntGaugeVec::new(
            Opts::new(
                "apiserver_storage_objects",
                "Number of stored objects at the time of last check split by kind.",
            ),
            &["resource"],
        )
        .expect("valid metric");
        let storage_duration = HistogramVec::new(
            HistogramOpts::new(
                "etcd_request_duration_seconds",
                "Storage request latency in seconds for each operation and object type.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
            ]),
            &["operation", "type"],
        )
        .expect("valid metric");
        for c in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(request_duration.clone()),
            Box::new(inflight.clone()),
            Box::new(watchers.clone()),
            Box::new(objects.clone()),
            Box::new(storage_duration.clone()),
        ] {
            registry.register(c).expect("unique metric");
        }
        Metrics {
            registry,
            requests,
            request_duration,
            inflight,
            watchers,
            objects,
            storage_duration,
        }
    }

    /// The text exposition format.
    pub fn render(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut buf);
        buf
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}
