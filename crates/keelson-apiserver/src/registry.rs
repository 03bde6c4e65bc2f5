//! The generic registry (k8s.io/apiserver `registry/generic`): one store for
//! every kind, with kind-specific behaviour in its [`Strategy`].

use crate::strategy::Strategy;
use crate::watch_cache::{CacheSet, CachedObject, WatchCache};
use bytes::Bytes;
use keelson_apimachinery::gvk::GroupResource;
use keelson_apimachinery::meta;
use keelson_apimachinery::resources::ResourceInfo;
use keelson_apimachinery::status::{ApiError, ApiResult, StatusCause};
use keelson_storage::{guaranteed_update, KeyValue, Storage, StorageError, UpdateDecision};
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
}

/// Why a guarded update stopped: the update function refused, or storage failed.
enum Abort {
    Api(ApiError),
    Storage(StorageError),
}

impl From<StorageError> for Abort {
    fn from(e: StorageError) -> Self {
        Abort::Storage(e)
    }
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
    Stored(Value),
    /// The object was deleted (its last state, stamped with the delete revision).
    Deleted(Value),
}

impl WriteOutcome {
    /// The object either way.
    pub fn into_value(self) -> Value {
        match self {
            WriteOutcome::Stored(v) | WriteOutcome::Deleted(v) => v,
        }
    }
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
    pub async fn update_with<F>(
        &self,
        entry: &ResourceEntry,
        namespace: &str,
        name: &str,
        dry_run: bool,
        mut f: F,
    ) -> ApiResult<WriteOutcome>
    where
        F: FnMut(Value) -> ApiResult<Change>,
    {
        let key = entry.key(namespace, name);
        if dry_run {
            let kv = self
                .storage
                .get(&key)
                .await
                .map_err(|e| storage_error(e, &entry.gr, name))?
                .ok_or_else(|| ApiError::not_found(&entry.gr, name))?;
            return Ok(match f(from_stored(&kv))? {
                Change::Write(v) => WriteOutcome::Stored(v),
                Change::Unchanged => WriteOutcome::Stored(from_stored(&kv)),
            });
        }
        // The object last handed to storage, kept so that a successful write
        // needs no decode of the bytes it just encoded.
        let mut written: Option<Value> = None;
        let result = guaranteed_update(self.storage.as_ref(), &key, |kv: &KeyValue| {
            // A retry after a conflict starts over.
            written = None;
            let current = from_stored(kv);
            match f(current).map_err(Abort::Api)? {
                Change::Unchanged => Ok(UpdateDecision::Unchanged),
                Change::Write(mut new) => {
                    meta::set_meta(&mut new, "resourceVersion", None);
                    let bytes = serde_json::to_vec(&new).unwrap_or_default();
                    if bytes == kv.value {
                        return Ok(UpdateDecision::Unchanged);
                    }
                    written = Some(new);
                    Ok(UpdateDecision::Write(bytes))
                }
            }
        })
        .await;
        let kv = match result {
            Ok(kv) => kv,
            Err(Abort::Api(e)) => return Err(e),
            Err(Abort::Storage(e)) => return Err(storage_error(e, &entry.gr, name)),
        };
        // Set only when the last attempt wrote: `kv` is then that write.
        let stored = match written {
            Some(new) => with_revision(new, kv.mod_revision),
            None => from_stored(&kv),
        };
        if meta::is_being_deleted(&stored) && meta::finalizers(&stored).is_empty() {
            return match self.storage.delete(&key, Some(kv.mod_revision)).await {
                Ok((_, rev)) => Ok(WriteOutcome::Deleted(with_revision(stored, rev))),
                Err(StorageError::Conflict { .. }) | Err(StorageError::NotFound(_)) => {
                    Ok(WriteOutcome::Stored(stored))
                }
                Err(e) => Err(storage_error(e, &entry.gr, name)),
            };
        }
        Ok(WriteOutcome::Stored(stored))
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
                    return Ok(WriteOutcome::Deleted(current));
                }
                match self.storage.delete(&key, Some(kv.mod_revision)).await {
                    Ok((_, rev)) => return Ok(WriteOutcome::Deleted(with_revision(current, rev))),
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
                return Ok(WriteOutcome::Stored(current));
            }
            if dry_run {
                return Ok(WriteOutcome::Stored(current));
            }
            match self
                .storage
                .update(&key, to_stored(&current), kv.mod_revision)
                .await
            {
                Ok(rev) => return Ok(WriteOutcome::Stored(with_revision(current, rev))),
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
