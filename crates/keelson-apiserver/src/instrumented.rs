//! A `Storage` decorator that records per-operation latency.

use async_trait::async_trait;
use keelson_storage::{KeyValue, ListOptions, ListResult, Storage, StorageError, WatchStream};
use prometheus::HistogramVec;
use std::sync::Arc;
use std::time::Instant;

/// Wraps a backend and observes `etcd_request_duration_seconds{operation, type}`.
pub struct InstrumentedStorage {
    inner: Arc<dyn Storage>,
    histogram: HistogramVec,
}

impl InstrumentedStorage {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn Storage>, histogram: HistogramVec) -> Self {
        Self { inner, histogram }
    }

    fn observe(&self, op: &str, key: &str, start: Instant) {
        self.histogram
            .with_label_values(&[op, resource_of(key)])
            .observe(start.elapsed().as_secs_f64());
    }
}

/// The resource part of a storage key (`/registry/apps/deployments/ns/x` → `deployments`).
fn resource_of(key: &str) -> &str {
    let rest = key.trim_start_matches("/registry/");
    let mut parts = rest.split('/');
    let first = parts.next().unwrap_or("");
    if first.contains('.') || matches!(first, "apps" | "batch" | "policy" | "autoscaling") {
        parts.next().unwrap_or(first)
    } else {
        first
    }
}

#[async_trait]
impl Storage for InstrumentedStorage {
    async fn current_revision(&self) -> Result<i64, StorageError> {
        self.inner.current_revision().await
    }
    async fn get(&self, key: &str) -> Result<Option<KeyValue>, StorageError> {
        let t = Instant::now();
        let r = self.inner.get(key).await;
        self.observe("get", key, t);
        r
    }
    async fn list(&self, prefix: &str, opts: ListOptions) -> Result<ListResult, StorageError> {
        let t = Instant::now();
        let r = self.inner.list(prefix, opts).await;
        self.observe("list", prefix, t);
        r
    }
    async fn create(&self, key: &str, value: Vec<u8>) -> Result<i64, StorageError> {
        let t = Instant::now();
        let r = self.inner.create(key, value).await;
        self.observe("create", key, t);
        r
    }
    async fn update(
        &self,
        key: &str,
        value: Vec<u8>,
        expected_revision: i64,
    ) -> Result<i64, StorageError> {
        let t = Instant::now();
        let r = self.inner.update(key, value, expected_revision).await;
        self.observe("update", key, t);
        r
    }
    async fn delete(
        &self,
        key: &str,
        expected_revision: Option<i64>,
    ) -> Result<(KeyValue, i64), StorageError> {
        let t = Instant::now();
        let r = self.inner.delete(key, expected_revision).await;
        self.observe("delete", key, t);
        r
    }
    async fn watch(&self, prefix: &str, after_revision: i64) -> Result<WatchStream, StorageError> {
        self.inner.watch(prefix, after_revision).await
    }
    async fn compact(&self, revision: i64) -> Result<(), StorageError> {
        self.inner.compact(revision).await
    }
    async fn compacted_revision(&self) -> Result<i64, StorageError> {
        self.inner.compacted_revision().await
    }
    async fn close(&self) -> Result<(), StorageError> {
        self.inner.close().await
    }
}
