//! What the cache needs to know of an object: its `ObjectMeta`, and the key
//! derived from it (client-go's `MetaNamespaceKeyFunc`).

use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use keelson_client::DynamicObject;
use serde::{Deserialize, Serialize};

/// An object an informer can cache: anything with an `ObjectMeta`.
///
/// Implemented for every `k8s-openapi` kind, for [`DynamicObject`] and for
/// [`PartialObjectMetadata`]. Not a blanket trait over `k8s_openapi::Metadata`
/// so that the dynamic and metadata-only kinds can implement it too.
pub trait Object: Send + Sync + 'static {
    /// `metadata`.
    fn meta(&self) -> &ObjectMeta;

    /// `metadata.name`, or `""`.
    fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or("")
    }

    /// `metadata.namespace`, if namespaced.
    fn namespace(&self) -> Option<&str> {
        self.meta().namespace.as_deref().filter(|ns| !ns.is_empty())
    }

    /// `metadata.resourceVersion`, or `""`.
    fn resource_version(&self) -> &str {
        self.meta().resource_version.as_deref().unwrap_or("")
    }

    /// Fills in `apiVersion` and `kind` of an item of a list, which the
    /// server may leave out (client-go does the same for unstructured lists).
    /// Typed objects know their kind and ignore it.
    fn set_type_meta_if_empty(&mut self, api_version: &str, kind: &str) {
        let _ = (api_version, kind);
    }
}

/// `namespace/name`, or `name` for a cluster-scoped object (client-go's
/// `MetaNamespaceKeyFunc`): the key of every cache in this module.
pub fn meta_namespace_key<K: Object + ?Sized>(obj: &K) -> String {
    match obj.namespace() {
        Some(ns) => format!("{ns}/{}", obj.name()),
        None => obj.name().to_string(),
    }
}

/// Splits a key made by [`meta_namespace_key`] into namespace (empty for a
/// cluster-scoped object) and name (client-go's `SplitMetaNamespaceKey`).
pub fn split_meta_namespace_key(key: &str) -> (&str, &str) {
    match key.split_once('/') {
        Some((ns, name)) => (ns, name),
        None => ("", key),
    }
}

impl Object for DynamicObject {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }

    fn set_type_meta_if_empty(&mut self, api_version: &str, kind: &str) {
        if self.api_version.is_empty() {
            self.api_version = api_version.to_string();
        }
        if self.kind.is_empty() {
            self.kind = kind.to_string();
        }
    }
}

/// `meta.k8s.io/v1` `PartialObjectMetadata`: an object reduced to its
/// metadata, what metadata-only informers cache (the server sends it when
/// asked with `Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PartialObjectMetadata {
    /// `apiVersion` (`meta.k8s.io/v1`).
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// `kind` (`PartialObjectMetadata`).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`.
    #[serde(default)]
    pub metadata: ObjectMeta,
}

impl Object for PartialObjectMetadata {
    fn meta(&self) -> &ObjectMeta {
        &self.metadata
    }
}

/// Implements [`Object`] for types whose `metadata` field is an `ObjectMeta`
/// (custom resource structs). Every `k8s-openapi` kind already has it.
#[macro_export]
macro_rules! impl_informer_object {
    ($($t:ty),* $(,)?) => {
        $(impl $crate::informer::Object for $t {
            fn meta(&self) -> &$crate::informer::ObjectMeta {
                &self.metadata
            }
        })*
    };
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::{ConfigMap, Namespace};

    #[test]
    fn keys_follow_meta_namespace_key_func() {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("a".into());
        cm.metadata.namespace = Some("ns".into());
        assert_eq!(meta_namespace_key(&cm), "ns/a");
        let mut ns = Namespace::default();
        ns.metadata.name = Some("ns".into());
        assert_eq!(meta_namespace_key(&ns), "ns");
        assert_eq!(split_meta_namespace_key("ns/a"), ("ns", "a"));
        assert_eq!(split_meta_namespace_key("ns"), ("", "ns"));
    }
}
