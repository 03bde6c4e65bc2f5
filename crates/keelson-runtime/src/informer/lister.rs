//! `Lister`: read access to an informer's cache (client-go's generated listers).

use super::meta::Object;
use super::store::{Indexer, NAMESPACE_INDEX};
use keelson_apimachinery::selector::LabelSelector;
use std::sync::Arc;

/// Lists and gets objects from an informer's cache; never calls the server.
pub struct Lister<K> {
    indexer: Arc<Indexer<K>>,
}

impl<K> Clone for Lister<K> {
    fn clone(&self) -> Self {
        Lister {
            indexer: self.indexer.clone(),
        }
    }
}

fn matches<K: Object>(selector: &LabelSelector, obj: &K) -> bool {
    if selector.is_everything() {
        return true;
    }
    match &obj.meta().labels {
        Some(labels) => selector.matches(labels),
        None => selector.matches(&Default::default()),
    }
}

impl<K: Object> Lister<K> {
    /// A lister over `indexer`.
    pub fn new(indexer: Arc<Indexer<K>>) -> Lister<K> {
        Lister { indexer }
    }

    /// Every cached object matching `selector` (`LabelSelector::everything()` for all).
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        self.indexer
            .list()
            .into_iter()
            .filter(|o| matches(selector, &**o))
            .collect()
    }

    /// A cluster-scoped object by name (or a namespaced one by `namespace/name`).
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.indexer.get_by_key(name)
    }

    /// The objects of one namespace.
    pub fn namespaced(&self, namespace: &str) -> NamespaceLister<K> {
        NamespaceLister {
            indexer: self.indexer.clone(),
            namespace: namespace.to_string(),
        }
    }
}

/// A [`Lister`] narrowed to one namespace.
pub struct NamespaceLister<K> {
    indexer: Arc<Indexer<K>>,
    namespace: String,
}

impl<K: Object> NamespaceLister<K> {
    /// The namespace's cached objects matching `selector`, by the namespace index.
    pub fn list(&self, selector: &LabelSelector) -> Vec<Arc<K>> {
        self.indexer
            .by_index(NAMESPACE_INDEX, &self.namespace)
            .unwrap_or_default()
            .into_iter()
            .filter(|o| matches(selector, &**o))
            .collect()
    }

    /// The object `name` in this namespace.
    pub fn get(&self, name: &str) -> Option<Arc<K>> {
        self.indexer
            .get_by_key(&format!("{}/{name}", self.namespace))
    }
}
