//! `ObjectReference`s to typed objects (client-go's `reference.GetReference`).

use k8s_openapi::api::core::v1::ObjectReference;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{Metadata, Resource};

/// A reference to `object`: its apiVersion, kind, namespace, name, uid and
/// resourceVersion, as events and owner lookups want it.
pub fn object_reference<K>(object: &K) -> ObjectReference
where
    K: Resource + Metadata<Ty = ObjectMeta>,
{
    let meta = object.metadata();
    ObjectReference {
        api_version: Some(K::API_VERSION.to_string()),
        kind: Some(K::KIND.to_string()),
        namespace: meta.namespace.clone(),
        name: meta.name.clone(),
        uid: meta.uid.clone(),
        resource_version: meta.resource_version.clone(),
        field_path: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    #[test]
    fn references_carry_kind_identity_and_version() {
        let mut cm = ConfigMap::default();
        cm.metadata.name = Some("web".into());
        cm.metadata.namespace = Some("prod".into());
        cm.metadata.uid = Some("1234".into());
        cm.metadata.resource_version = Some("42".into());
        let r = object_reference(&cm);
        assert_eq!(r.api_version.as_deref(), Some("v1"));
        assert_eq!(r.kind.as_deref(), Some("ConfigMap"));
        assert_eq!(r.namespace.as_deref(), Some("prod"));
        assert_eq!(r.name.as_deref(), Some("web"));
        assert_eq!(r.uid.as_deref(), Some("1234"));
        assert_eq!(r.resource_version.as_deref(), Some("42"));
    }
}
