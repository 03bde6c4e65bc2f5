//! `Indexer`: the informer's thread-safe cache, keyed `namespace/name`, with
//! secondary indexes (client-go's `cache.Indexer` over a `ThreadSafeStore`).

use super::meta::{meta_namespace_key, Object};
use parking_lot::RwLock;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// An index function: the index values an object is filed under (client-go's `IndexFunc`).
pub type IndexFunc<K> = Arc<dyn Fn(&K) -> Vec<String> + Send + Sync>;

/// The name of the built-in index by namespace (client-go's `NamespaceIndex`).
pub const NAMESPACE_INDEX: &str = "namespace";

/// Why an index operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    /// No indexer of that name.
    #[error("Index with name {0} does not exist")]
    NoSuchIndex(String),
    /// `add_indexers` after objects were added with a name already in use.
    #[error("indexer conflict: {0}")]
    Conflict(String),
}

struct Inner<K> {
    items: HashMap<String, Arc<K>>,
    indexers: HashMap<String, IndexFunc<K>>,
    /// index name → index value → keys.
    indices: HashMap<String, HashMap<String, HashSet<String>>>,
}

impl<K> Inner<K> {
    fn unindex(&mut self, key: &str, obj: &K) {
        for (name, f) in &self.indexers {
            let Some(index) = self.indices.get_mut(name) else {
                continue;
            };
            for value in f(obj) {
                if let Some(set) = index.get_mut(&value) {
                    set.remove(key);
                    // Empty sets would pile up for short-lived values (e.g. node names).
                    if set.is_empty() {
                        index.remove(&value);
                    }
                }
            }
        }
    }

    fn index(&mut self, key: &str, obj: &K) {
        for (name, f) in &self.indexers {
            let index = self.indices.entry(name.clone()).or_default();
            for value in f(obj) {
                index.entry(value).or_default().insert(key.to_string());
            }
        }
    }

    fn put(&mut self, key: String, obj: Arc<K>) {
        if let Some(old) = self.items.get(&key).cloned() {
            self.unindex(&key, &old);
        }
        self.index(&key, &obj);
        self.items.insert(key, obj);
    }
}

/// A thread-safe cache of objects keyed `namespace/name` with indexes.
/// Objects are shared as `Arc<K>`: handlers and listers get the cached
/// object itself, not a copy, and must not change it.
pub struct Indexer<K> {
    inner: RwLock<Inner<K>>,
}

/// client-go calls the unindexed interface `Store`; here it is the same type.
pub type Store<K> = Indexer<K>;

impl<K: Object> Default for Indexer<K> {
    fn default() -> Self {
        Indexer::new()
    }
}

impl<K: Object> Indexer<K> {
    /// An empty cache with the namespace index.
    pub fn new() -> Indexer<K> {
        let mut indexers: HashMap<String, IndexFunc<K>> = HashMap::new();
        indexers.insert(NAMESPACE_INDEX.to_string(), Arc::new(namespace_index_func));
        Indexer {
            inner: RwLock::new(Inner {
                items: HashMap::new(),
                indexers,
                indices: HashMap::new(),
            }),
        }
    }

    /// Adds index functions; objects already cached are indexed at once.
    /// A name already in use is a conflict, as in client-go.
    pub fn add_indexers(
        &self,
        indexers: impl IntoIterator<Item = (String, IndexFunc<K>)>,
    ) -> Result<(), IndexError> {
        let mut inner = self.inner.write();
        let new: Vec<(String, IndexFunc<K>)> = indexers.into_iter().collect();
        if let Some((name, _)) = new.iter().find(|(n, _)| inner.indexers.contains_key(n)) {
            return Err(IndexError::Conflict(format!(
                "indexer {name:?} already exists"
            )));
        }
        for (name, f) in new {
            let mut index: HashMap<String, HashSet<String>> = HashMap::new();
            for (key, obj) in &inner.items {
                for value in f(obj) {
                    index.entry(value).or_default().insert(key.clone());
                }
            }
            inner.indices.insert(name.clone(), index);
            inner.indexers.insert(name, f);
        }
        Ok(())
    }

    /// Adds or replaces an object.
    pub fn add(&self, obj: Arc<K>) {
        let key = meta_namespace_key(&*obj);
        self.inner.write().put(key, obj);
    }

    /// Puts `obj` under `key` (its [`meta_namespace_key`]); the object it replaced.
    pub(crate) fn upsert(&self, key: String, obj: Arc<K>) -> Option<Arc<K>> {
        let mut inner = self.inner.write();
        let old = inner.items.get(&key).cloned();
        inner.put(key, obj);
        old
    }

    /// Same as [`add`](Self::add) (client-go keeps both names).
    pub fn update(&self, obj: Arc<K>) {
        self.add(obj)
    }

    /// Removes the object with `obj`'s key; the removed object, if there was one.
    pub fn delete(&self, obj: &K) -> Option<Arc<K>> {
        self.delete_by_key(&meta_namespace_key(obj))
    }

    /// Removes the object under `key`.
    pub fn delete_by_key(&self, key: &str) -> Option<Arc<K>> {
        let mut inner = self.inner.write();
        let old = inner.items.remove(key)?;
        inner.unindex(key, &old);
        Some(old)
    }

    /// The object under `key` (`namespace/name`, or `name` when cluster-scoped).
    pub fn get_by_key(&self, key: &str) -> Option<Arc<K>> {
        self.inner.read().items.get(key).cloned()
    }

    /// The cached object with `obj`'s key.
    pub fn get(&self, obj: &K) -> Option<Arc<K>> {
        self.get_by_key(&meta_namespace_key(obj))
    }

    /// Every cached object, in no particular order.
    pub fn list(&self) -> Vec<Arc<K>> {
        self.inner.read().items.values().cloned().collect()
    }

    /// Every key, in no particular order.
    pub fn list_keys(&self) -> Vec<String> {
        self.inner.read().items.keys().cloned().collect()
    }

    /// How many objects are cached.
    pub fn len(&self) -> usize {
        self.inner.read().items.len()
    }

    /// Whether the cache is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Replaces the whole content (a relist); indexes are rebuilt.
    pub fn replace(&self, objects: Vec<Arc<K>>) {
        let mut inner = self.inner.write();
        inner.items.clear();
        inner.indices.clear();
        for obj in objects {
            let key = meta_namespace_key(&*obj);
            inner.put(key, obj);
        }
    }

    /// Objects filed under `value` in index `index_name` (client-go's `ByIndex`).
    pub fn by_index(&self, index_name: &str, value: &str) -> Result<Vec<Arc<K>>, IndexError> {
        let inner = self.inner.read();
        if !inner.indexers.contains_key(index_name) {
            return Err(IndexError::NoSuchIndex(index_name.to_string()));
        }
        Ok(inner
            .indices
            .get(index_name)
            .and_then(|i| i.get(value))
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| inner.items.get(k).cloned())
                    .collect()
            })
            .unwrap_or_default())
    }

    /// Keys filed under `value` in index `index_name` (client-go's `IndexKeys`).
    pub fn index_keys(&self, index_name: &str, value: &str) -> Result<Vec<String>, IndexError> {
        let inner = self.inner.read();
        if !inner.indexers.contains_key(index_name) {
            return Err(IndexError::NoSuchIndex(index_name.to_string()));
        }
        Ok(inner
            .indices
            .get(index_name)
            .and_then(|i| i.get(value))
            .map(|keys| keys.iter().cloned().collect())
            .unwrap_or_default())
    }

    /// Objects sharing an index value with `obj` in `index_name` (client-go's `Index`).
    pub fn index(&self, index_name: &str, obj: &K) -> Result<Vec<Arc<K>>, IndexError> {
        let inner = self.inner.read();
        let f = inner
            .indexers
            .get(index_name)
            .ok_or_else(|| IndexError::NoSuchIndex(index_name.to_string()))?;
        let mut keys: HashSet<&String> = HashSet::new();
        if let Some(index) = inner.indices.get(index_name) {
            for value in f(obj) {
                if let Some(set) = index.get(&value) {
                    keys.extend(set.iter());
                }
            }
        }
        Ok(keys
            .into_iter()
            .filter_map(|k| inner.items.get(k).cloned())
            .collect())
    }

    /// The values index `index_name` has entries for (client-go's `ListIndexFuncValues`).
    pub fn list_index_func_values(&self, index_name: &str) -> Vec<String> {
        self.inner
            .read()
            .indices
            .get(index_name)
            .map(|i| i.keys().cloned().collect())
            .unwrap_or_default()
    }
}

/// The namespace index (client-go's `MetaNamespaceIndexFunc`): cluster-scoped
/// objects are filed under `""`.
pub fn namespace_index_func<K: Object>(obj: &K) -> Vec<String> {
    vec![obj.namespace().unwrap_or("").to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;
    use std::collections::BTreeMap;

    fn cm(ns: &str, name: &str, app: &str) -> Arc<ConfigMap> {
        let mut c = ConfigMap::default();
        c.metadata.namespace = Some(ns.into());
        c.metadata.name = Some(name.into());
        c.metadata.labels = Some(BTreeMap::from([("app".to_string(), app.to_string())]));
        Arc::new(c)
    }

    fn by_app() -> (String, IndexFunc<ConfigMap>) {
        let f: IndexFunc<ConfigMap> = Arc::new(|c: &ConfigMap| {
            c.metadata
                .labels
                .as_ref()
                .and_then(|l| l.get("app").cloned())
                .into_iter()
                .collect()
        });
        ("app".to_string(), f)
    }

    fn sorted_names(v: Vec<Arc<ConfigMap>>) -> Vec<String> {
        let mut n: Vec<String> = v.iter().map(|c| meta_namespace_key(&**c)).collect();
        n.sort();
        n
    }

    #[test]
    fn namespace_index_and_custom_index_follow_updates() {
        let idx: Indexer<ConfigMap> = Indexer::new();
        idx.add(cm("a", "x", "web"));
        idx.add(cm("a", "y", "db"));
        idx.add(cm("b", "x", "web"));
        assert_eq!(
            sorted_names(idx.by_index(NAMESPACE_INDEX, "a").unwrap_or_default()),
            ["a/x", "a/y"]
        );
        // Indexers added later index what is already there.
        assert_eq!(idx.add_indexers([by_app()]), Ok(()));
        assert_eq!(
            sorted_names(idx.by_index("app", "web").unwrap_or_default()),
            ["a/x", "b/x"]
        );
        // An update moves the object between index values.
        idx.update(cm("a", "x", "db"));
        assert_eq!(
            sorted_names(idx.by_index("app", "web").unwrap_or_default()),
            ["b/x"]
        );
        let mut keys = idx.index_keys("app", "db").unwrap_or_default();
        keys.sort();
        assert_eq!(keys, ["a/x", "a/y"]);
        idx.delete(&cm("b", "x", "web"));
        assert!(idx.by_index("app", "web").unwrap_or_default().is_empty());
        assert!(!idx
            .list_index_func_values("app")
            .contains(&"web".to_string()));
        assert_eq!(
            idx.get_by_key("a/x").map(|c| c.metadata.labels.clone()),
            Some(cm("a", "x", "db").metadata.labels.clone())
        );
        assert_eq!(idx.len(), 2);
    }

    #[test]
    fn unknown_index_and_conflicts_are_errors() {
        let idx: Indexer<ConfigMap> = Indexer::new();
        assert_eq!(
            idx.by_index("nope", "v").err().map(|e| e.to_string()),
            Some("Index with name nope does not exist".to_string())
        );
        assert!(idx.add_indexers([by_app()]).is_ok());
        assert!(matches!(
            idx.add_indexers([by_app()]),
            Err(IndexError::Conflict(_))
        ));
    }

    #[test]
    fn replace_rebuilds_items_and_indexes() {
        let idx: Indexer<ConfigMap> = Indexer::new();
        assert!(idx.add_indexers([by_app()]).is_ok());
        idx.add(cm("a", "old", "web"));
        idx.replace(vec![cm("a", "new", "db"), cm("c", "z", "web")]);
        let mut keys = idx.list_keys();
        keys.sort();
        assert_eq!(keys, ["a/new", "c/z"]);
        assert_eq!(
            sorted_names(idx.by_index("app", "web").unwrap_or_default()),
            ["c/z"]
        );
        assert_eq!(
            sorted_names(idx.by_index(NAMESPACE_INDEX, "a").unwrap_or_default()),
            ["a/new"]
        );
    }
}
