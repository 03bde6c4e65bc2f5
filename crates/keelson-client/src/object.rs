//! `DynamicObject`: any Kubernetes object, with typed metadata and the rest as JSON.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ListMeta, ObjectMeta};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// An object of any kind (client-go's `unstructured.Unstructured`): `apiVersion`,
/// `kind` and `metadata` typed, every other field (`spec`, `status`, `data`, ...) kept as JSON.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DynamicObject {
    /// `apiVersion`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`.
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// All other top-level fields, in the order received.
    #[serde(flatten)]
    pub data: Map<String, Value>,
}

impl DynamicObject {
    /// `metadata.name`, or `""`.
    pub fn name(&self) -> &str {
        self.metadata.name.as_deref().unwrap_or("")
    }

    /// `metadata.namespace`, if namespaced.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// `metadata.resourceVersion`, if set.
    pub fn resource_version(&self) -> Option<&str> {
        self.metadata.resource_version.as_deref()
    }
}

/// A list of any kind (`PodList`, `DeploymentList`, ...).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ObjectList<T> {
    /// `apiVersion`.
    #[serde(
        rename = "apiVersion",
        default,
        skip_serializing_if = "String::is_empty"
    )]
    pub api_version: String,
    /// `kind`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// `metadata`: resourceVersion, continue token, remaining item count.
    #[serde(default)]
    pub metadata: ListMeta,
    /// The items (`null` reads as empty).
    #[serde(
        default = "Vec::new",
        deserialize_with = "null_as_empty",
        bound(deserialize = "T: Deserialize<'de>")
    )]
    pub items: Vec<T>,
}

fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_unknown_fields() {
        let v = json!({
            "apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "ns", "resourceVersion": "7"},
            "spec": {"size": 3}, "status": {"ready": true}
        });
        let o: DynamicObject = serde_json::from_value(v.clone()).unwrap_or_default();
        assert_eq!(o.name(), "w");
        assert_eq!(o.namespace(), Some("ns"));
        assert_eq!(o.data["spec"]["size"], 3);
        assert_eq!(serde_json::to_value(&o).ok(), Some(v));
    }

    #[test]
    fn null_items_read_as_empty() {
        let l: ObjectList<DynamicObject> =
            serde_json::from_value(json!({"kind": "List", "metadata": {}, "items": null}))
                .unwrap_or_default();
        assert!(l.items.is_empty());
        assert_eq!(l.kind, "List");
    }
}
