//! The watch cache (kube-apiserver's `cacher`): per storage prefix, the current
//! objects with their serialized bytes and pre-parsed labels and fields, plus a
//! ring of recent events. LIST and WATCH are served from it; one storage watch
//! over `/registry/` feeds every cache, so all caches advance together with the
//! global revision and a consistent read only waits for that one number.

use crate::stamp::{stamp_resource_version, StampPoint};
use crate::table::ProjectionCache;
use bytes::Bytes;
use keelson_apimachinery::meta;
use keelson_storage::{Event, EventKind, KeyValue, Storage, StorageError};
use parking_lot::{Mutex, RwLock};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};

/// How many events each cache keeps by default for watches that resume from a revision.
pub const EVENT_RING_CAPACITY: usize = 10_000;
/// Events buffered per watcher before it is considered too slow and closed.
pub const WATCHER_BUFFER: usize = 1_024;

/// One object as the cache holds it.
#[derive(Debug)]
pub struct CachedObject {
    /// Storage key.
    pub key: String,
    /// `metadata.namespace`.
    pub namespace: String,
    /// `metadata.name`.
    pub name: String,
    /// The revision the bytes carry as `resourceVersion`.
    pub revision: i64,
    /// The object as JSON, `metadata.resourceVersion` set.
    pub json: Bytes,
    /// `metadata.labels`.
    pub labels: BTreeMap<String, String>,
    /// The field values field selectors can ask for.
    pub fields: BTreeMap<String, String>,
    /// What a Table LIST decoded of this object, for the next one.
    pub table_projection: ProjectionCache,
}

/// Which fields a resource exposes to field selectors, computed from the object.
pub type FieldExtractor = Arc<dyn Fn(&Value) -> BTreeMap<String, String> + Send + Sync>;

impl CachedObject {
    /// Builds the cached form of a stored value, stamping `resourceVersion = revision`.
    pub fn from_stored(
        key: &str,
        value: &[u8],
        revision: i64,
        fields: &FieldExtractor,
    ) -> Option<Self> {
        let mut obj: Value = serde_json::from_slice(value).ok()?;
        if let Some(json) = stamp_resource_version(value, revision) {
            return Some(Self::with_json(
                key,
                Bytes::from(json),
                &obj,
                revision,
                fields,
            ));
        }
        meta::set_meta(
            &mut obj,
            "resourceVersion",
            Some(Value::String(revision.to_string())),
        );
        Some(Self::from_value(key, &obj, revision, fields))
    }

    /// Builds the cached form from JSON already stamped with `revision`
    /// and the object it encodes (its labels and fields are read from it).
    fn with_json(
        key: &str,
        json: Bytes,
        obj: &Value,
        revision: i64,
        fields: &FieldExtractor,
    ) -> Self {
        CachedObject {
            key: key.to_string(),
            namespace: meta::namespace(obj).to_string(),
            name: meta::name(obj).to_string(),
            revision,
            json,
            labels: meta::labels(obj),
            fields: fields(obj),
            table_projection: ProjectionCache::default(),
        }
    }

    /// Builds the cached form of an object whose `resourceVersion` is already set.
    pub fn from_value(key: &str, obj: &Value, revision: i64, fields: &FieldExtractor) -> Self {
        let json = Bytes::from(serde_json::to_vec(obj).unwrap_or_default());
        Self::with_json(key, json, obj, revision, fields)
    }

    /// Parses the cached JSON back into a value.
    pub fn value(&self) -> Value {
        serde_json::from_slice(&self.json).unwrap_or(Value::Null)
    }
}

/// A change seen by a watch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchEventType {
    /// Created (or came into a watcher's selection).
    Added,
    /// Updated.
    Modified,
    /// Deleted (or left a watcher's selection).
    Deleted,
}

impl WatchEventType {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            WatchEventType::Added => "ADDED",
            WatchEventType::Modified => "MODIFIED",
            WatchEventType::Deleted => "DELETED",
        }
    }
}

/// One event in a cache's ring.
#[derive(Debug, Clone)]
pub struct CacheEvent {
    /// What happened.
    pub kind: WatchEventType,
    /// The object after the event (for a delete: its last state, stamped with
    /// the delete's revision).
    pub object: Arc<CachedObject>,
    /// The object before the event.
    pub prev: Option<Arc<CachedObject>>,
}

impl CacheEvent {
    /// The revision of the event.
    pub fn revision(&self) -> i64 {
        self.object.revision
    }
}

struct Watcher {
    id: u64,
    tx: mpsc::Sender<Arc<CacheEvent>>,
}

struct CacheInner {
    objects: BTreeMap<String, Arc<CachedObject>>,
    events: VecDeque<Arc<CacheEvent>>,
    /// Watches may resume from any revision >= this one.
    oldest_resumable: i64,
    watchers: Vec<Watcher>,
    next_watcher: u64,
}

/// The cache of one storage prefix (one resource, all its versions).
pub struct WatchCache {
    prefix: String,
    capacity: usize,
    fields: FieldExtractor,
    inner: RwLock<CacheInner>,
    /// Objects writers of this server are about to store, by key: the event
    /// storage sends back for such a write needs no decode.
    prepared: Mutex<HashMap<String, Prepared>>,
}

/// What a writer knew of the object it stored, for [`WatchCache::prepare`].
struct Prepared {
    stored: Bytes,
    point: StampPoint,
    namespace: String,
    name: String,
    labels: BTreeMap<String, String>,
    fields: BTreeMap<String, String>,
}

/// Writes prepared but never seen back (failed writes) are dropped past this many.
const PREPARED_LIMIT: usize = 4_096;

/// What a watch gets when it starts: the events to send first, then a live channel.
pub struct WatchRegistration {
    /// Events to deliver before the live ones (replay, or the initial state as ADDED).
    pub initial: Vec<Arc<CacheEvent>>,
    /// Live events; closed if the watcher falls behind.
    pub live: mpsc::Receiver<Arc<CacheEvent>>,
    /// The cache's revision when the watch started.
    pub start_revision: i64,
    cache: Arc<WatchCache>,
    id: u64,
}

impl Drop for WatchRegistration {
    fn drop(&mut self) {
        self.cache
            .inner
            .write()
            .watchers
            .retain(|w| w.id != self.id);
    }
}

/// Where a watch starts.
#[derive(Debug, Clone, Copy)]
pub enum WatchStart {
    /// Every current object as ADDED, then changes.
    CurrentState,
    /// Changes after this revision.
    After(i64),
}

impl WatchCache {
    fn new(prefix: String, fields: FieldExtractor, revision: i64, capacity: usize) -> Self {
        WatchCache {
            prefix,
            capacity: capacity.max(1),
            fields,
            inner: RwLock::new(CacheInner {
                objects: BTreeMap::new(),
                events: VecDeque::new(),
                oldest_resumable: revision,
                watchers: Vec::new(),
                next_watcher: 0,
            }),
            prepared: Mutex::new(HashMap::new()),
        }
    }

    /// Tells the cache that this server is about to store `stored` (the
    /// value as storage will hold it, `point` where its revision goes)
    /// under `key`; `obj` is that object.
    /// When storage's event for the key carries exactly these bytes, the
    /// cache takes labels and fields from here instead of decoding them.
    /// A write that fails leaves an entry the next event for the key drops.
    pub fn prepare(&self, key: &str, stored: Bytes, point: StampPoint, obj: &Value) {
        let prepared = Prepared {
            stored,
            point,
            namespace: meta::namespace(obj).to_string(),
            name: meta::name(obj).to_string(),
            labels: meta::labels(obj),
            fields: (self.fields)(obj),
        };
        let mut map = self.prepared.lock();
        if map.len() >= PREPARED_LIMIT {
            map.clear();
        }
        map.insert(key.to_string(), prepared);
    }

    /// The cached form of a stored value, from a matching prepared write if any.
    fn cached_from_event(&self, event: &Event) -> Option<CachedObject> {
        let kv = &event.kv;
        let revision = event.revision();
        let prepared = self.prepared.lock().remove(&kv.key);
        if let Some(p) = prepared {
            if event.kind == EventKind::Put && p.stored.as_ref() == kv.value.as_slice() {
                return Some(CachedObject {
                    key: kv.key.clone(),
                    namespace: p.namespace,
                    name: p.name,
                    revision,
                    json: Bytes::from(p.point.stamp(&kv.value, revision)),
                    labels: p.labels,
                    fields: p.fields,
                    table_projection: ProjectionCache::default(),
                });
            }
        }
        CachedObject::from_stored(&kv.key, &kv.value, revision, &self.fields)
    }

    /// The storage prefix this cache holds.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The field extractor of the resource.
    pub fn field_extractor(&self) -> FieldExtractor {
        self.fields.clone()
    }

    /// One object by key.
    pub fn get(&self, key: &str) -> Option<Arc<CachedObject>> {
        self.inner.read().objects.get(key).cloned()
    }

    /// Objects whose key starts with `prefix`, in key order, filtered.
    pub fn list(
        &self,
        prefix: &str,
        mut keep: impl FnMut(&CachedObject) -> bool,
    ) -> Vec<Arc<CachedObject>> {
        let inner = self.inner.read();
        inner
            .objects
            .range(prefix.to_string()..)
            .take_while(|(k, _)| k.starts_with(prefix))
            .filter(|(_, o)| keep(o))
            .map(|(_, o)| o.clone())
            .collect()
    }

    /// Number of objects held.
    pub fn len(&self) -> usize {
        self.inner.read().objects.len()
    }

    /// Whether the cache holds no object.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Starts a watch; `Err(oldest)` when `After(rev)` is older than the ring.
    pub fn watch(
        self: &Arc<Self>,
        start: WatchStart,
        current_revision: i64,
    ) -> Result<WatchRegistration, i64> {
        let mut inner = self.inner.write();
        let initial: Vec<Arc<CacheEvent>> = match start {
            WatchStart::CurrentState => inner
                .objects
                .values()
                .map(|o| {
                    Arc::new(CacheEvent {
                        kind: WatchEventType::Added,
                        object: o.clone(),
                        prev: None,
                    })
                })
                .collect(),
            WatchStart::After(rev) => {
                if rev < inner.oldest_resumable {
                    return Err(inner.oldest_resumable);
                }
                let from = inner.events.partition_point(|e| e.revision() <= rev);
                inner.events.iter().skip(from).cloned().collect()
            }
        };
        let start_revision =
            current_revision.max(inner.events.back().map(|e| e.revision()).unwrap_or(0));
        let (tx, live) = mpsc::channel(WATCHER_BUFFER);
        let id = inner.next_watcher;
        inner.next_watcher += 1;
        inner.watchers.push(Watcher { id, tx });
        Ok(WatchRegistration {
            initial,
            live,
            start_revision,
            cache: self.clone(),
            id,
        })
    }

    /// Number of live watchers.
    pub fn watcher_count(&self) -> usize {
        self.inner.read().watchers.len()
    }

    fn replace_all(&self, items: Vec<CachedObject>, revision: i64) {
        let mut inner = self.inner.write();
        inner.objects = items
            .into_iter()
            .map(|o| (o.key.clone(), Arc::new(o)))
            .collect();
        inner.events.clear();
        inner.oldest_resumable = revision;
    }

    fn apply(&self, event: &Event) {
        let Some(object) = self.cached_from_event(event) else {
            tracing::warn!(key = %event.kv.key, "undecodable object in storage; skipped by the watch cache");
            return;
        };
        let object = Arc::new(object);
        let mut inner = self.inner.write();
        let prev = match event.kind {
            EventKind::Put => inner.objects.insert(event.kv.key.clone(), object.clone()),
            EventKind::Delete => inner.objects.remove(&event.kv.key),
        };
        let kind = match (event.kind, &prev) {
            (EventKind::Delete, _) => WatchEventType::Deleted,
            (EventKind::Put, None) => WatchEventType::Added,
            (EventKind::Put, Some(_)) => WatchEventType::Modified,
        };
        let ev = Arc::new(CacheEvent { kind, object, prev });
        if inner.events.len() >= self.capacity {
            if let Some(old) = inner.events.pop_front() {
                inner.oldest_resumable = old.revision();
            }
        }
        inner.events.push_back(ev.clone());
        // A watcher that cannot take the event is closed, never waited for.
        inner.watchers.retain(|w| w.tx.try_send(ev.clone()).is_ok());
    }

    fn close_watchers(&self) {
        self.inner.write().watchers.clear();
    }
}

/// All watch caches, fed by one storage watch.
pub struct CacheSet {
    caches: HashMap<String, Arc<WatchCache>>,
    revision_tx: watch::Sender<i64>,
    revision_rx: watch::Receiver<i64>,
}

/// Storage prefix every key lives under.
pub const REGISTRY_ROOT: &str = "/registry/";

impl CacheSet {
    /// Loads every prefix's objects at one revision and starts following storage.
    /// `prefixes` maps each storage prefix to its field extractor.
    pub async fn start(
        storage: Arc<dyn Storage>,
        prefixes: Vec<(String, FieldExtractor)>,
        capacity: usize,
    ) -> Result<Arc<CacheSet>, StorageError> {
        let mut caches: HashMap<String, Arc<WatchCache>> = HashMap::new();
        for (prefix, fields) in prefixes {
            caches
                .entry(prefix.clone())
                .or_insert_with(|| Arc::new(WatchCache::new(prefix, fields, 0, capacity)));
        }
        let (revision_tx, revision_rx) = watch::channel(0);
        let set = Arc::new(CacheSet {
            caches,
            revision_tx,
            revision_rx,
        });
        let revision = set.load_all(&storage).await?;
        let stream = storage.watch(REGISTRY_ROOT, revision).await?;
        let follower = set.clone();
        tokio::spawn(async move { follower.follow(storage, stream.events, revision).await });
        Ok(set)
    }

    async fn follow(
        self: Arc<Self>,
        storage: Arc<dyn Storage>,
        mut events: mpsc::Receiver<Vec<Event>>,
        mut revision: i64,
    ) {
        loop {
            while let Some(batch) = events.recv().await {
                for ev in &batch {
                    if ev.revision() <= revision {
                        continue;
                    }
                    if let Some(cache) = self.route(&ev.kv.key) {
                        cache.apply(ev);
                    }
                    revision = ev.revision();
                }
                self.revision_tx.send_replace(revision);
            }
            // The storage dropped our watch (we fell behind, or it is closing):
            // resume from the last revision we applied; relist if it is gone.
            match storage.watch(REGISTRY_ROOT, revision).await {
                Ok(s) => events = s.events,
                Err(StorageError::Compacted { .. }) => match self.relist(&storage).await {
                    Ok((rev, s)) => {
                        revision = rev;
                        events = s.events;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "watch cache cannot relist; stopping");
                        return;
                    }
                },
                Err(e) => {
                    tracing::info!(error = %e, "storage watch ended; watch cache stops");
                    for c in self.caches.values() {
                        c.close_watchers();
                    }
                    return;
                }
            }
        }
    }

    async fn relist(
        &self,
        storage: &Arc<dyn Storage>,
    ) -> Result<(i64, keelson_storage::WatchStream), StorageError> {
        for cache in self.caches.values() {
            cache.close_watchers();
        }
        let revision = self.load_all(storage).await?;
        let stream = storage.watch(REGISTRY_ROOT, revision).await?;
        Ok((revision, stream))
    }

    /// Loads every cache from storage at one revision, page by page so that
    /// a large store never sits in memory twice (raw and parsed) at start-up.
    /// Returns that revision, also published as the caches' revision.
    async fn load_all(&self, storage: &Arc<dyn Storage>) -> Result<i64, StorageError> {
        const PAGE: usize = 10_000;
        let mut grouped: HashMap<&str, Vec<CachedObject>> = self
            .caches
            .keys()
            .map(|k| (k.as_str(), Vec::new()))
            .collect();
        let mut revision = None;
        let mut start_after = None;
        loop {
            let page = storage
                .list(
                    REGISTRY_ROOT,
                    keelson_storage::ListOptions {
                        revision,
                        start_after: start_after.take(),
                        limit: Some(PAGE),
                    },
                )
                .await?;
            revision = Some(page.revision);
            start_after = page.items.last().map(|kv| kv.key.clone());
            for kv in &page.items {
                if let Some(cache) = self.route(&kv.key) {
                    if let Some(o) = CachedObject::from_stored(
                        &kv.key,
                        &kv.value,
                        kv.mod_revision,
                        &cache.fields,
                    ) {
                        grouped.entry(cache.prefix.as_str()).or_default().push(o);
                    }
                }
            }
            if page.remaining == 0 || start_after.is_none() {
                break;
            }
        }
        let revision = revision.unwrap_or(0);
        for (prefix, items) in grouped {
            self.caches[prefix].replace_all(items, revision);
        }
        self.revision_tx.send_replace(revision);
        Ok(revision)
    }

    /// The cache that holds `key` (by its first one or two path segments).
    fn route(&self, key: &str) -> Option<&Arc<WatchCache>> {
        let rest = key.strip_prefix(REGISTRY_ROOT)?;
        let mut segs = rest.splitn(3, '/');
        let first = segs.next()?;
        if let Some(second) = segs.next() {
            let two = format!("{REGISTRY_ROOT}{first}/{second}/");
            if let Some(c) = self.caches.get(&two) {
                return Some(c);
            }
        }
        self.caches.get(&format!("{REGISTRY_ROOT}{first}/"))
    }

    /// The cache of a storage prefix.
    pub fn cache(&self, prefix: &str) -> Option<&Arc<WatchCache>> {
        self.caches.get(prefix)
    }

    /// The revision every cache has caught up with.
    pub fn revision(&self) -> i64 {
        *self.revision_rx.borrow()
    }

    /// Waits until the caches have applied `revision` (a consistent read).
    pub async fn wait_for(&self, revision: i64, timeout: std::time::Duration) -> bool {
        let mut rx = self.revision_rx.clone();
        tokio::time::timeout(timeout, rx.wait_for(|r| *r >= revision))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Ends every watch (shutdown).
    pub fn close_all(&self) {
        for c in self.caches.values() {
            c.close_watchers();
        }
    }

    /// Objects held per storage prefix (for metrics).
    pub fn counts(&self) -> Vec<(String, usize)> {
        self.caches
            .iter()
            .map(|(p, c)| (p.clone(), c.len()))
            .collect()
    }

    /// Live watchers per storage prefix (for metrics).
    pub fn watcher_counts(&self) -> Vec<(String, usize)> {
        self.caches
            .iter()
            .map(|(p, c)| (p.clone(), c.watcher_count()))
            .collect()
    }
}

/// A storage value turned into the cached form (used for lists served from storage).
pub fn cached_from_kv(kv: &KeyValue, fields: &FieldExtractor) -> Option<CachedObject> {
    CachedObject::from_stored(&kv.key, &kv.value, kv.mod_revision, fields)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn put(key: &str, value: &[u8], revision: i64) -> Event {
        Event {
            kind: EventKind::Put,
            kv: KeyValue {
                key: key.into(),
                value: value.to_vec(),
                create_revision: 1,
                mod_revision: revision,
            },
            prev: None,
        }
    }

    fn fields() -> FieldExtractor {
        Arc::new(|v: &Value| {
            BTreeMap::from([("metadata.name".to_string(), meta::name(v).to_string())])
        })
    }

    fn same(a: &CachedObject, b: &CachedObject) {
        assert_eq!(
            (
                &a.key,
                &a.namespace,
                &a.name,
                a.revision,
                &a.json,
                &a.labels,
                &a.fields
            ),
            (
                &b.key,
                &b.namespace,
                &b.name,
                b.revision,
                &b.json,
                &b.labels,
                &b.fields
            )
        );
    }

    /// A write the cache was told about is cached exactly as a decoded one;
    /// bytes other than the prepared ones are decoded.
    #[test]
    fn a_prepared_write_is_cached_as_a_decoded_one() {
        let cache = WatchCache::new("/registry/configmaps/".into(), fields(), 0, 10);
        let key = "/registry/configmaps/d/a";
        let obj = json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "d",
            "labels": {"x": "y"}}, "data": {"k": "v"}});
        let bytes = Bytes::from(serde_json::to_vec(&obj).unwrap());
        let point = StampPoint::find(&bytes).unwrap();

        cache.prepare(key, bytes.clone(), point, &obj);
        cache.apply(&put(key, &bytes, 5));
        let decoded = CachedObject::from_stored(key, &bytes, 5, &cache.fields).unwrap();
        same(&cache.get(key).unwrap(), &decoded);
        assert!(cache.prepared.lock().is_empty(), "used once");

        // Prepared, but another write landed: decoded from the event.
        let other = json!({"kind": "ConfigMap", "metadata": {"name": "a", "namespace": "d",
            "labels": {"x": "z"}}});
        let other_bytes = serde_json::to_vec(&other).unwrap();
        cache.prepare(key, bytes.clone(), point, &obj);
        cache.apply(&put(key, &other_bytes, 6));
        let got = cache.get(key).unwrap();
        assert_eq!(got.labels.get("x").map(String::as_str), Some("z"));
        same(
            &got,
            &CachedObject::from_stored(key, &other_bytes, 6, &cache.fields).unwrap(),
        );
        assert_eq!(got.value()["metadata"]["resourceVersion"], "6");
    }
}
