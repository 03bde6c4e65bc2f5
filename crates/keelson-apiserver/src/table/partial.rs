//! `PartialObjectMetadata` and `PartialObjectMetadataList`: objects reduced to
//! their metadata (`Accept: application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1`),
//! what client-go's metadata informers and Table rows carry.

use super::MetaVersion;
use keelson_apimachinery::resources::{builtin, ResourceInfo};
use keelson_apimachinery::status::ApiError;
use serde_json::{json, Value};

/// `meta.AsPartialObjectMetadata`: the object's whole `metadata` under
/// `kind: PartialObjectMetadata`.
pub fn partial_object_metadata(obj: &Value, version: MetaVersion) -> Value {
    json!({
        "kind": "PartialObjectMetadata",
        "apiVersion": version.api_version(),
        "metadata": obj.get("metadata").cloned().unwrap_or_else(|| json!({})),
    })
}

/// A `PartialObjectMetadataList` of objects; `list_meta` is the list's
/// metadata (resourceVersion, continue, remainingItemCount).
pub fn partial_object_metadata_list(
    objects: &[Value],
    list_meta: Value,
    version: MetaVersion,
) -> Value {
    let items: Vec<Value> = objects
        .iter()
        .map(|o| partial_object_metadata(o, version))
        .collect();
    json!({
        "kind": "PartialObjectMetadataList",
        "apiVersion": version.api_version(),
        "metadata": list_meta,
        "items": items,
    })
}

/// Go's `%T` of the object kube-apiserver holds when it transforms a
/// response (`*core.ConfigMap`, `*apps.DeploymentList`), for its messages.
fn internal_type(resource: &ResourceInfo, list: bool) -> String {
    let suffix = if list { "List" } else { "" };
    let is_builtin = builtin()
        .iter()
        .any(|r| r.group == resource.group && r.kind == resource.kind);
    if !is_builtin {
        return format!("*unstructured.Unstructured{suffix}");
    }
    let package = match resource.group.as_str() {
        "" | "events.k8s.io" => "core",
        "internal.apiserver.k8s.io" => "apiserverinternal",
        group => group.split('.').next().unwrap_or(group),
    };
    format!("*{package}.{}{suffix}", resource.kind)
}

/// 406 for `as=PartialObjectMetadataList` on a single object.
pub fn not_a_list(resource: &ResourceInfo) -> ApiError {
    ApiError::new(
        406,
        "NotAcceptable",
        format!(
            "you requested PartialObjectMetadataList, but the requested object is not a list ({})",
            internal_type(resource, false)
        ),
    )
}

/// 406 for `as=PartialObjectMetadata` on a list.
pub fn is_a_list(resource: &ResourceInfo) -> ApiError {
    ApiError::new(
        406,
        "NotAcceptable",
        format!(
            "you requested PartialObjectMetadata, but the requested object is a list ({})",
            internal_type(resource, true)
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_all_metadata_and_nothing_else() {
        let obj = json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": {"app": "web"}, "managedFields": [{"manager": "kubectl"}]},
            "spec": {"replicas": 2}});
        assert_eq!(
            partial_object_metadata(&obj, MetaVersion::V1),
            json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                "metadata": {"name": "web", "labels": {"app": "web"}, "managedFields": [{"manager": "kubectl"}]}})
        );
    }

    #[test]
    fn lists_carry_list_metadata_and_typed_items() {
        let list = partial_object_metadata_list(
            &[
                json!({"metadata": {"name": "a"}}),
                json!({"metadata": {"name": "b"}}),
            ],
            json!({"resourceVersion": "12", "continue": "tok"}),
            MetaVersion::V1beta1,
        );
        assert_eq!(list["kind"], "PartialObjectMetadataList");
        assert_eq!(list["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(list["metadata"]["continue"], "tok");
        assert_eq!(list["items"][1]["kind"], "PartialObjectMetadata");
        assert_eq!(list["items"][1]["apiVersion"], "meta.k8s.io/v1beta1");
        assert_eq!(list["items"][1]["metadata"]["name"], "b");
        let empty = partial_object_metadata_list(&[], json!({}), MetaVersion::V1);
        assert_eq!(empty["items"], json!([]));
    }

    #[test]
    fn mismatched_requests_name_the_internal_type() {
        use super::super::test_support::resource;
        let e = not_a_list(&resource("", "ConfigMap"));
        assert_eq!((e.code, e.reason.as_str()), (406, "NotAcceptable"));
        assert_eq!(
            e.message,
            "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)"
        );
        assert_eq!(
            is_a_list(&resource("apps", "Deployment")).message,
            "you requested PartialObjectMetadata, but the requested object is a list (*apps.DeploymentList)"
        );
        assert_eq!(
            is_a_list(&resource("rbac.authorization.k8s.io", "Role")).message,
            "you requested PartialObjectMetadata, but the requested object is a list (*rbac.RoleList)"
        );
        assert!(not_a_list(&resource("example.com", "Widget"))
            .message
            .ends_with("(*unstructured.Unstructured)"));
    }
}
