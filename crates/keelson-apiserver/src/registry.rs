//! The generic registry (k8s.io/apiserver `registry/generic`): one store for
//! every kind, with kind-specific behaviour in its [`Strategy`].

use crate::recent_writes::{RecentObject, RecentWrites};
use crate::stamp::StampPoint;
use crate::strategy::Strategy;
use crate::watch_cache::{CacheSet, CachedObject, WatchCache};
use bytes::Bytes;
use keelson_apimachinery::gvk::GroupResource;
use keelson_apimachinery::meta;
use keelson_apimachinery::resources::ResourceInfo;
use keelson_apimachinery::status::{ApiError, ApiResult, StatusCause};
use keelson_storage::{KeyValue, Storage, StorageError};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

/// How long a consistent read waits for the watch cache to catch up.
const CONSISTENT_READ_WAIT: Duration = Duration::from_secs(3);

/// One served resource.
pub struct ResourceEntry {
    /// What discovery says about it.
    pub info: ResourceInfo,
    /// Storage prefix, e.g. `/registry/deployments/` or `/registry/apps/deployments/`.
    pub prefix: String,
    /// Kind-specific behaviour.
    pub strategy: Strategy,
    /// Group and resource, for messages.
    pub gr: GroupResource,
}

impl ResourceEntry {
    /// Storage key of an object.
    pub fn key(&self, namespace: &str, name: &str) -> String {
        if self.info.namespaced {
            format!("{}{}/{}", self.prefix, namespace, name)
        } else {
            format!("{}{}", self.prefix, name)
        }
    }

    /// Key prefix of a namespace (or of everything when `namespace` is empty).
    pub fn list_prefix(&self, namespace: &str) -> String {
        if self.info.namespaced && !namespace.is_empty() {
            format!("{}{}/", self.prefix, namespace)
        } else {
            self.prefix.clone()
        }
    }
}

/// Storage prefix of a resource: core resources directly under `/registry/`,
/// others under their group (so that equal plurals of two groups never collide).
pub fn storage_prefix(info: &ResourceInfo) -> String {
    if info.group.is_empty() {
        format!("/registry/{}/", info.plural)
    } else {
        format!("/registry/{}/{}/", info.group, info.plural)
    }
}

/// Maps a storage failure to the API error a client sees.
pub fn storage_error(e: StorageError, gr: &GroupResource, name: &str) -> ApiError {
    match e {
        StorageError::AlreadyExists(_) => ApiError::already_exists(gr, name),
        StorageError::NotFound(_) => ApiError::not_found(gr, name),
        StorageError::Conflict { .. } => ApiError::stale_conflict(gr, name),
        StorageError::Compacted {
            requested,
            compacted,
        } => ApiError::expired(requested, compacted),
        StorageError::FutureRevision { requested, current } => ApiError::timeout(format!(
            "Too large resource version: {requested}, current: {current}"
        )),
        StorageError::Internal(m) => ApiError::internal(m),
    }
}

/// The registry of every served resource.
pub struct Registry {
    /// The storage backend.
    pub storage: Arc<dyn Storage>,
    /// The watch caches.
    pub caches: Arc<CacheSet>,
    entries: HashMap<(String, String, String), Arc<ResourceEntry>>,
    /// The resources, in discovery order.
    pub resources: Vec<ResourceInfo>,
    /// Service ClusterIP and NodePort allocation.
    pub services: crate::ipalloc::ServiceAllocator,
    /// The objects this server wrote last, for the first try of an update.
    recent: RecentWrites,
}

/// Current time as Kubernetes writes timestamps (RFC 3339, seconds, UTC).
pub fn now_rfc3339() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Serializes an object for storage: `resourceVersion` is the storage revision,
/// never stored in the value itself.
fn to_stored(obj: &Value) -> Vec<u8> {
    let mut o = obj.clone();
    meta::set_meta(&mut o, "resourceVersion", None);
    serde_json::to_vec(&o).unwrap_or_default()
}

fn from_stored(kv: &KeyValue) -> Value {
    let mut v: Value = serde_json::from_slice(&kv.value).unwrap_or_else(|_| json!({}));
    meta::set_meta(
        &mut v,
        "resourceVersion",
        Some(Value::String(kv.mod_revision.to_string())),
    );
    v
}

fn with_revision(mut obj: Value, revision: i64) -> Value {
    meta::set_meta(
        &mut obj,
        "resourceVersion",
        Some(Value::String(revision.to_string())),
    );
    obj
}

/// What an update function decided.
pub enum Change {
    /// Store this object.
    Write(Value),
    /// Leave it.
    Unchanged,
}

/// The outcome of a write.
pub enum WriteOutcome {
    /// The object as stored, with its resourceVersion.
    Stored(Arc<Value>),
    /// The object was deleted (its last state, stamped with the delete revision).
    Deleted(Arc<Value>),
}

impl WriteOutcome {
    /// The object either way.
    pub fn object(&self) -> &Value {
        match self {
            WriteOutcome::Stored(v) | WriteOutcome::Deleted(v) => v,
        }
    }

    /// The object either way, owned.
    pub fn into_value(self) -> Value {
        match self {
            WriteOutcome::Stored(v) | WriteOutcome::Deleted(v) => Arc::unwrap_or_clone(v),
        }
    }
}

/// What [`Registry::update_with`] did.
pub struct Updated {
    /// Stored (changed or not), or deleted.
    pub outcome: WriteOutcome,
    /// The stored object's JSON, when this update wrote it: the response
    /// needs no second encoding.
    pub json: Option<Bytes>,
}

impl Registry {
    /// Builds the registry over a storage and its caches.
    pub fn new(
        storage: Arc<dyn Storage>,
        caches: Arc<CacheSet>,
        resources: Vec<ResourceInfo>,
        service_cidr: crate::ipalloc::ServiceCidr,
    ) -> Self {
        let entries = resources
            .iter()
            .map(|info| {
                let entry = ResourceEntry {
                    prefix: storage_prefix(info),
                    strategy: Strategy::for_resource(info),
                    gr: GroupResource::new(info.group.clone(), info.plural.clone()),
                    info: info.clone(),
                };
                (
                    (
                        info.group.clone(),
                        info.version.clone(),
                        info.plural.clone(),
                    ),
                    Arc::new(entry),
                )
            })
            .collect();
        Registry {
            storage,
            caches,
            entries,
            resources,
            services: crate::ipalloc::ServiceAllocator::new(service_cidr),
            recent: RecentWrites::default(),
        }
    }

    /// The field extractor of every storage prefix, for the watch caches.
    pub fn field_extractors(
        resources: &[ResourceInfo],
    ) -> Vec<(String, crate::watch_cache::FieldExtractor)> {
        resources
            .iter()
            .map(|info| {
                let strategy = Strategy::for_resource(info);
                let f: crate::watch_cache::FieldExtractor =
                    Arc::new(move |v: &Value| strategy.fields(v));
                (storage_prefix(info), f)
            })
            .collect()
    }

    /// The resource served at `group/version/plural`.
    pub fn entry(&self, group: &str, version: &str, plural: &str) -> Option<Arc<ResourceEntry>> {
        self.entries
            .get(&(group.to_string(), version.to_string(), plural.to_string()))
            .cloned()
    }

    /// The cache holding a resource.
    pub fn cache(&self, entry: &ResourceEntry) -> ApiResult<&Arc<WatchCache>> {
        self.caches
            .cache(&entry.prefix)
            .ok_or_else(|| ApiError::internal(format!("no watch cache for {}", entry.gr)))
    }

    /// Waits until the caches reflect every acknowledged write.
    pub async fn wait_consistent(&self) -> ApiResult<i64> {
        let rev = self
            .storage
            .current_revision()
            .await
            .map_err(|e| ApiError::internal(e.to_string()))?;
        if !self.caches.wait_for(rev, CONSISTENT_READ_WAIT).await {
            return Err(ApiError::timeout(
                "Timeout: Too large resource version".to_string(),
            ));
        }
        Ok(rev)
    }

    /// Waits until the caches have seen `revision` (a read "not older than"
    /// it); kube-apiserver's 504 `Too large resource version` after 3 s.
    /// Returns the caches' revision.
    pub async fn wait_for_revision(&self, revision: i64) -> ApiResult<i64> {
        if !self.caches.wait_for(revision, CONSISTENT_READ_WAIT).await {
            return Err(ApiError::timeout(format!(
                "Too large resource version: {revision}, current: {}",
                self.caches.revision()
            )));
        }
        Ok(self.caches.revision())
    }

    /// Reads one object (consistently).
    pub async fn get(
        &self,
        entry: &ResourceEntry,
        namespace: &str,
        name: &str,
    ) -> ApiResult<Arc<CachedObject>> {
        self.wait_consistent().await?;
        self.cache(entry)?
            .get(&entry.key(namespace, name))
            .ok_or_else(|| ApiError::not_found(&entry.gr, name))
    }

    /// Stores a new object after the create chain prepared it.
    pub async fn create(
        &self,
        entry: &ResourceEntry,
        obj: Value,
        dry_run: bool,
    ) -> ApiResult<Value> {
        let name = meta::name(&obj).to_string();
        let key = entry.key(meta::namespace(&obj), &name);
        if dry_run {
            if self
                .storage
                .get(&key)
                .await
                .map_err(|e| storage_error(e, &entry.gr, &name))?
                .is_some()
            {
                return Err(ApiError::already_exists(&entry.gr, &name));
            }
            return Ok(obj);
        }
        let rev = self
            .storage
            .create(&key, to_stored(&obj))
            .await
            .map_err(|e| storage_error(e, &entry.gr, &name))?;
        Ok(with_revision(obj, rev))
    }

    /// Guarded read-modify-write of one object (kube-apiserver's `GuaranteedUpdate`):
    /// `f` sees the current object (resourceVersion set) and decides; conflicts
    /// with other writers are retried from a fresh read. An object that is
    /// being deleted and has no finalizers left is deleted.
    ///
    /// The first try may start from this server's last write of the object
    /// ([`RecentWrites`]); storage's compare-and-swap tells whether it was
    /// still current. What `f` decides on a copy that may be stale (an error,
    /// or no change) is only believed from a fresh read. `f` owns its copy
    /// of the current object and may move parts of it into a `Write` (the
    /// managed fields it carries over); it must leave it whole otherwise.
    pub async fn update_with<F>(
        &self,
        entry: &ResourceEntry,
        namespace: &str,
        name: &str,
        dry_run: bool,
        mut f: F,
    ) -> ApiResult<Updated>
    where
        F: FnMut(&mut Value) -> ApiResult<Change>,
    {
        let key = entry.key(namespace, name);
        if dry_run {
            let kv = self.read_current(entry, &key, name).await?;
            let mut current = from_stored(&kv);
            let outcome = match f(&mut current)? {
                Change::Write(v) => WriteOutcome::Stored(Arc::new(v)),
                Change::Unchanged => WriteOutcome::Stored(Arc::new(current)),
            };
            return Ok(Updated {
                outcome,
                json: None,
            });
        }
        // Taken, not copied: this update replaces it, and usually nobody
        // else holds it, so the object is ours without a copy.
        let mut suggestion = self.recent.take(&key);
        loop {
            let cached = suggestion.take();
            let from_cache = cached.is_some();
            let (mut current, stored, revision) = match cached {
                Some(r) => {
                    let RecentObject {
                        object,
                        stored,
                        revision,
                    } = Arc::unwrap_or_clone(r);
                    (Arc::unwrap_or_clone(object), stored, revision)
                }
                None => {
                    let kv = self.read_current(entry, &key, name).await?;
                    let current = from_stored(&kv);
                    (current, Bytes::from(kv.value), kv.mod_revision)
                }
            };
            let decision = match f(&mut current) {
                Err(_) if from_cache => continue,
                decision => decision?,
            };
            let mut new = match decision {
                Change::Write(new) => new,
                Change::Unchanged if from_cache => continue,
                Change::Unchanged => {
                    return self
                        .finish_update(entry, &key, name, Arc::new(current), None)
                        .await
                }
            };
            meta::set_meta(&mut new, "resourceVersion", None);
            let bytes = Bytes::from(serde_json::to_vec(&new).unwrap_or_default());
            if bytes == stored {
                if from_cache {
                    continue;
                }
                // `f` may have moved parts of `current` into `new`, which
                // is the same object.
                let same = Arc::new(with_revision(new, revision));
                return self.finish_update(entry, &key, name, same, None).await;
            }
            let point = StampPoint::find(&bytes);
            if let Some(point) = point {
                self.cache(entry)?.prepare(&key, bytes.clone(), point, &new);
            }
            match self.storage.update(&key, bytes.to_vec(), revision).await {
                Ok(rev) => {
                    let json = point.map(|p| Bytes::from(p.stamp(&bytes, rev)));
                    let object = Arc::new(with_revision(new, rev));
                    self.recent.put(
                        &key,
                        RecentObject {
                            object: object.clone(),
                            stored: bytes,
                            revision: rev,
                        },
                    );
                    return self.finish_update(entry, &key, name, object, json).await;
                }
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(storage_error(e, &entry.gr, name)),
            }
        }
    }

    async fn read_current(
        &self,
        entry: &ResourceEntry,
        key: &str,
        name: &str,
    ) -> ApiResult<KeyValue> {
        self.storage
            .get(key)
            .await
            .map_err(|e| storage_error(e, &entry.gr, name))?
            .ok_or_else(|| ApiError::not_found(&entry.gr, name))
    }

    /// The end of an update: an object left being deleted with no
    /// finalizers is deleted now.
    async fn finish_update(
        &self,
        entry: &ResourceEntry,
        key: &str,
        name: &str,
        stored: Arc<Value>,
        json: Option<Bytes>,
    ) -> ApiResult<Updated> {
        if !(meta::is_being_deleted(&stored) && meta::finalizers(&stored).is_empty()) {
            return Ok(Updated {
                outcome: WriteOutcome::Stored(stored),
                json,
            });
        }
        let revision = meta::resource_version(&stored).parse().unwrap_or(0);
        self.recent.forget(key);
        let outcome = match self.storage.delete(key, Some(revision)).await {
            Ok((_, rev)) => {
                WriteOutcome::Deleted(Arc::new(with_revision(Arc::unwrap_or_clone(stored), rev)))
            }
            Err(StorageError::Conflict { .. }) | Err(StorageError::NotFound(_)) => {
                WriteOutcome::Stored(stored)
            }
            Err(e) => return Err(storage_error(e, &entry.gr, name)),
        };
        Ok(Updated {
            outcome,
            json: None,
        })
    }

    /// Deletes an object: marks it (deletionTimestamp) while finalizers remain,
    /// removes it otherwise. `precondition` checks uid/resourceVersion on the current object.
    pub async fn delete<P>(
        &self,
        entry: &ResourceEntry,
        namespace: &str,
        name: &str,
        dry_run: bool,
        add_finalizer: Option<&str>,
        precondition: P,
    ) -> ApiResult<WriteOutcome>
    where
        P: Fn(&Value) -> ApiResult<()>,
    {
        let key = entry.key(namespace, name);
        if !dry_run {
            self.recent.forget(&key);
        }
        loop {
            let kv = self
                .storage
                .get(&key)
                .await
                .map_err(|e| storage_error(e, &entry.gr, name))?
                .ok_or_else(|| ApiError::not_found(&entry.gr, name))?;
            let mut current = from_stored(&kv);
            precondition(&current)?;
            let mut finalizers = meta::finalizers(&current);
            if let Some(f) = add_finalizer {
                if !finalizers.iter().any(|x| x == f) && !meta::is_being_deleted(&current) {
                    finalizers.push(f.to_string());
                    meta::set_meta(&mut current, "finalizers", Some(json!(finalizers)));
                }
            }
            let namespace_finalizing = entry.info.plural == "namespaces"
                && current
                    .pointer("/spec/finalizers")
                    .and_then(Value::as_array)
                    .is_some_and(|a| !a.is_empty());
            if finalizers.is_empty() && !namespace_finalizing {
                if dry_run {
                    return Ok(WriteOutcome::Deleted(Arc::new(current)));
                }
                match self.storage.delete(&key, Some(kv.mod_revision)).await {
                    Ok((_, rev)) => {
                        return Ok(WriteOutcome::Deleted(Arc::new(with_revision(current, rev))))
                    }
                    Err(StorageError::Conflict { .. }) => continue,
                    Err(e) => return Err(storage_error(e, &entry.gr, name)),
                }
            }
            // Graceful: mark for deletion; finalizers (or the namespace
            // controller) finish the job.
            if !meta::is_being_deleted(&current) {
                meta::set_meta(
                    &mut current,
                    "deletionTimestamp",
                    Some(json!(now_rfc3339())),
                );
                meta::set_meta(&mut current, "deletionGracePeriodSeconds", Some(json!(0)));
                if entry.info.plural == "namespaces" {
                    current["status"]["phase"] = json!("Terminating");
                }
            } else if add_finalizer.is_none() {
                return Ok(WriteOutcome::Stored(Arc::new(current)));
            }
            if dry_run {
                return Ok(WriteOutcome::Stored(Arc::new(current)));
            }
            match self
                .storage
                .update(&key, to_stored(&current), kv.mod_revision)
                .await
            {
                Ok(rev) => return Ok(WriteOutcome::Stored(Arc::new(with_revision(current, rev)))),
                Err(StorageError::Conflict { .. }) => continue,
                Err(e) => return Err(storage_error(e, &entry.gr, name)),
            }
        }
    }

    /// Namespace existence and phase, for writes into it.
    pub async fn check_namespace_writable(
        &self,
        gr: &GroupResource,
        name: &str,
        namespace: &str,
    ) -> ApiResult<()> {
        let ns_entry = self
            .entry("", "v1", "namespaces")
            .ok_or_else(|| ApiError::internal("namespaces are not served"))?;
        let cache = self.cache(&ns_entry)?;
        let key = ns_entry.key("", namespace);
        let found = match cache.get(&key) {
            Some(o) => Some(o),
            None => {
                // The namespace may have been created a moment ago.
                self.wait_consistent().await?;
                cache.get(&key)
            }
        };
        let Some(ns) = found else {
            return Err(ApiError::namespace_not_found(namespace));
        };
        if ns.fields.get("status.phase").map(String::as_str) == Some("Terminating") {
            return Err(ApiError::namespace_terminating(gr, name, namespace));
        }
        Ok(())
    }

    /// Returns the JSON of a cached object.
    pub fn bytes_of(obj: &CachedObject) -> Bytes {
        obj.json.clone()
    }
}

/// Generates a name from `generateName` as kube-apiserver does (5 random
/// characters from a consonant-and-digit alphabet).
pub fn generate_name(base: &str) -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    let mut rng = rand::rng();
    let max_base = 63 - 5;
    let base: String = base.chars().take(max_base).collect();
    let suffix: String = (0..5)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{base}{suffix}")
}

/// The `Invalid` error for a kind.
pub fn invalid(entry: &ResourceEntry, name: &str, causes: Vec<StatusCause>) -> ApiError {
    ApiError::invalid(&entry.info.kind, &entry.info.group, name, causes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use keelson_storage::sqlite::{SqliteOptions, SqliteStorage};

    async fn registry() -> Registry {
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open_in_memory(SqliteOptions::default()).unwrap());
        let resources = keelson_apimachinery::resources::builtin().to_vec();
        let mut prefixes: HashMap<String, crate::watch_cache::FieldExtractor> = HashMap::new();
        for (p, f) in Registry::field_extractors(&resources) {
            prefixes.entry(p).or_insert(f);
        }
        let caches = CacheSet::start(storage.clone(), prefixes.into_iter().collect(), 100)
            .await
            .unwrap();
        Registry::new(storage, caches, resources, Default::default())
    }

    fn data(obj: &Value) -> Value {
        obj.get("data").cloned().unwrap_or(Value::Null)
    }

    /// Another writer (another server on the same storage) changes the
    /// object behind this server's copy: the update still starts from what
    /// storage holds, and what `f` refuses or leaves alone on the stale
    /// copy is decided again on the fresh one.
    #[tokio::test]
    async fn an_update_never_acts_on_a_stale_copy() {
        let registry = registry().await;
        let entry = registry.entry("", "v1", "configmaps").unwrap();
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "default"}, "data": {"a": "1"}});
        registry.create(&entry, cm, false).await.unwrap();
        let set = |k: &'static str, v: &'static str| {
            move |current: &mut Value| {
                let mut new = current.clone();
                new["data"][k] = json!(v);
                Ok(Change::Write(new))
            }
        };
        registry
            .update_with(&entry, "default", "c", false, set("a", "2"))
            .await
            .unwrap();
        let key = entry.key("default", "c");
        assert!(registry.recent.get(&key).is_some(), "the write is kept");

        // Behind the registry's back: a = 3.
        let kv = registry.storage.get(&key).await.unwrap().unwrap();
        let mut other: Value = serde_json::from_slice(&kv.value).unwrap();
        other["data"]["a"] = json!("3");
        let rev = registry
            .storage
            .update(&key, serde_json::to_vec(&other).unwrap(), kv.mod_revision)
            .await
            .unwrap();

        // Refused on the stale copy (a = 2), accepted on the fresh one.
        let mut seen = Vec::new();
        let updated = registry
            .update_with(&entry, "default", "c", false, |current| {
                seen.push(data(current)["a"].clone());
                if data(current)["a"] != "3" {
                    return Err(ApiError::bad_request("stale"));
                }
                set("b", "x")(current)
            })
            .await
            .unwrap();
        assert_eq!(seen, [json!("2"), json!("3")]);
        let obj = updated.outcome.object();
        assert_eq!(data(obj), json!({"a": "3", "b": "x"}));
        assert_eq!(meta::resource_version(obj), (rev + 1).to_string());
        let json: Value = serde_json::from_slice(&updated.json.unwrap()).unwrap();
        assert_eq!(&json, obj, "the response bytes are the object");

        // Behind its back again; "nothing to do" on the stale copy is re-checked.
        let kv = registry.storage.get(&key).await.unwrap().unwrap();
        let mut other: Value = serde_json::from_slice(&kv.value).unwrap();
        other["data"]["b"] = json!("y");
        registry
            .storage
            .update(&key, serde_json::to_vec(&other).unwrap(), kv.mod_revision)
            .await
            .unwrap();
        let updated = registry
            .update_with(&entry, "default", "c", false, |current| {
                if data(current)["b"] == "x" {
                    return Ok(Change::Unchanged);
                }
                set("b", "x")(current)
            })
            .await
            .unwrap();
        assert_eq!(data(updated.outcome.object()), json!({"a": "3", "b": "x"}));

        // A delete forgets the copy.
        registry
            .delete(&entry, "default", "c", false, None, |_| Ok(()))
            .await
            .unwrap();
        assert!(registry.recent.get(&key).is_none());
        let gone = registry
            .update_with(&entry, "default", "c", false, set("a", "4"))
            .await;
        assert_eq!(gone.err().map(|e| e.code), Some(404));
    }
}
