//! Aggregated discovery (`apidiscovery.k8s.io/v2` `APIGroupDiscoveryList`):
//! one document for `/api` and one for `/apis`, split into the legacy
//! shapes (`APIGroup`, `APIResourceList`) the way client-go's
//! `SplitGroupsAndResources` does.

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    APIGroup, APIResource, APIResourceList, GroupVersionForDiscovery,
};
use serde::Deserialize;

/// The `Accept` header of a discovery request: aggregated first, legacy as fallback.
pub const ACCEPT_AGGREGATED: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json";

/// Whether a `Content-Type` names the aggregated document (parameters in any order).
pub fn is_aggregated(content_type: &str) -> bool {
    let mut parts = content_type.split(';').map(str::trim);
    if !parts
        .next()
        .is_some_and(|base| base.eq_ignore_ascii_case("application/json"))
    {
        return false;
    }
    let params: Vec<&str> = parts.collect();
    ["g=apidiscovery.k8s.io", "v=v2", "as=APIGroupDiscoveryList"]
        .iter()
        .all(|p| params.contains(p))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct GroupDiscoveryList {
    #[serde(default)]
    items: Vec<GroupDiscovery>,
}

#[derive(Debug, Default, Deserialize)]
struct GroupDiscovery {
    #[serde(default)]
    metadata: Metadata,
    #[serde(default)]
    versions: Vec<VersionDiscovery>,
}

#[derive(Debug, Default, Deserialize)]
struct Metadata {
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default, Deserialize)]
struct VersionDiscovery {
    version: String,
    #[serde(default)]
    resources: Vec<ResourceDiscovery>,
    #[serde(default)]
    freshness: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ResourceDiscovery {
    resource: String,
    response_kind: Option<Kind>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    singular_resource: String,
    #[serde(default)]
    verbs: Vec<String>,
    short_names: Option<Vec<String>>,
    categories: Option<Vec<String>>,
    #[serde(default)]
    subresources: Vec<SubresourceDiscovery>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubresourceDiscovery {
    subresource: String,
    response_kind: Option<Kind>,
    #[serde(default)]
    verbs: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
struct Kind {
    #[serde(default)]
    group: String,
    #[serde(default)]
    version: String,
    kind: String,
}

/// Groups (versions in the server's order, the first preferred) and the
/// resources of every version the server reports as current. Versions marked
/// `Stale` (an aggregated server that did not answer) keep their place in the
/// group but bring no resources, so they are fetched on their own later.
pub(crate) fn split(list: GroupDiscoveryList) -> (Vec<APIGroup>, Vec<APIResourceList>) {
    let mut groups = Vec::new();
    let mut resources = Vec::new();
    for g in list.items {
        let group = g.metadata.name;
        let gv = |version: &str| {
            if group.is_empty() {
                version.to_string()
            } else {
                format!("{group}/{version}")
            }
        };
        let versions: Vec<GroupVersionForDiscovery> = g
            .versions
            .iter()
            .map(|v| GroupVersionForDiscovery {
                group_version: gv(&v.version),
                version: v.version.clone(),
            })
            .collect();
        for v in g.versions {
            if v.freshness == "Stale" {
                continue;
            }
            resources.push(APIResourceList {
                group_version: gv(&v.version),
                resources: v.resources.into_iter().flat_map(convert).collect(),
            });
        }
        groups.push(APIGroup {
            name: group,
            preferred_version: versions.first().cloned(),
            server_address_by_client_cidrs: None,
            versions,
        });
    }
    (groups, resources)
}

/// A resource and its subresources as `parent/sub` entries; client-go drops
/// entries without a response kind, as no object can be mapped to them.
fn convert(r: ResourceDiscovery) -> Vec<APIResource> {
    let Some(kind) = r.response_kind else {
        return Vec::new();
    };
    let parent = APIResource {
        name: r.resource,
        singular_name: r.singular_resource,
        namespaced: r.scope == "Namespaced",
        kind: kind.kind,
        verbs: r.verbs,
        short_names: r.short_names,
        categories: r.categories,
        ..Default::default()
    };
    let mut out = Vec::with_capacity(1 + r.subresources.len());
    for s in r.subresources {
        let Some(kind) = s.response_kind else {
            continue;
        };
        out.push(APIResource {
            name: format!("{}/{}", parent.name, s.subresource),
            singular_name: parent.singular_name.clone(),
            namespaced: parent.namespaced,
            group: Some(kind.group),
            version: Some(kind.version),
            kind: kind.kind,
            verbs: s.verbs,
            ..Default::default()
        });
    }
    out.insert(0, parent);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn content_type_with_parameters_in_any_order() {
        assert!(is_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
        ));
        assert!(is_aggregated(
            "application/json; as=APIGroupDiscoveryList; v=v2; g=apidiscovery.k8s.io"
        ));
        assert!(!is_aggregated("application/json"));
        assert!(!is_aggregated(
            "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList"
        ));
    }

    #[test]
    fn splits_like_client_go() {
        let list: GroupDiscoveryList = serde_json::from_value(json!({"items": [{
            "metadata": {"name": "apps"},
            "versions": [
                {"version": "v1", "freshness": "Current", "resources": [{
                    "resource": "deployments", "scope": "Namespaced",
                    "singularResource": "deployment",
                    "responseKind": {"group": "", "version": "", "kind": "Deployment"},
                    "verbs": ["get", "list"], "shortNames": ["deploy"], "categories": ["all"],
                    "subresources": [{"subresource": "scale", "verbs": ["get"],
                        "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}}]
                }, {"resource": "nokind", "scope": "Cluster", "verbs": []}]},
                {"version": "v1beta9", "freshness": "Stale", "resources": []}
            ]
        }]}))
        .unwrap_or_default();
        let (groups, resources) = split(list);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].name, "apps");
        assert_eq!(
            groups[0]
                .preferred_version
                .as_ref()
                .map(|v| v.group_version.as_str()),
            Some("apps/v1")
        );
        assert_eq!(groups[0].versions.len(), 2);
        assert_eq!(resources.len(), 1, "the stale version brings no resources");
        let names: Vec<_> = resources[0]
            .resources
            .iter()
            .map(|r| r.name.as_str())
            .collect();
        assert_eq!(names, ["deployments", "deployments/scale"]);
        let scale = &resources[0].resources[1];
        assert_eq!(scale.group.as_deref(), Some("autoscaling"));
        assert_eq!(scale.kind, "Scale");
        assert!(scale.namespaced);
        assert_eq!(
            resources[0].resources[0].short_names,
            Some(vec!["deploy".to_string()])
        );
    }
}
