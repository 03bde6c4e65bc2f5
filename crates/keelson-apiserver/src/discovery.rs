//! Discovery documents, as kube-apiserver serves them.
//!
//! Pure functions over the served resources. The order of the input is the
//! order of discovery: groups in order of first appearance, versions of a
//! group in order of first appearance (the first is the preferred version),
//! resources in input order. `keelson_apimachinery::resources::builtin()` is
//! already in kube-apiserver's order; custom resources are appended after it.
//!
//! - `/api` → [`api_versions`]
//! - `/apis` → [`api_group_list`]
//! - `/apis/<group>` → [`api_group`]
//! - `/api/v1`, `/apis/<group>/<version>` → [`api_resource_list`]
//! - `/api`, `/apis` with `Accept:` [`AGGREGATED_DISCOVERY_V2`] → [`aggregated_discovery`]

use base64::Engine;
use keelson_apimachinery::resources::{ResourceInfo, Subresource};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// Media type of aggregated discovery (apidiscovery.k8s.io/v2); kubectl asks
/// for it first and falls back to the per-group documents. Also the
/// `Content-Type` of the answer.
pub const AGGREGATED_DISCOVERY_V2: &str =
    "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

/// `/api`: the legacy core group's versions.
pub fn api_versions(server_address: &str) -> Value {
    json!({
        "kind": "APIVersions",
        "versions": ["v1"],
        "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": server_address}],
    })
}

/// `/apis`: every named group with its versions and preferred version.
pub fn api_group_list(resources: &[ResourceInfo]) -> Value {
    let groups: Vec<Value> = groups(resources)
        .into_iter()
        .filter(|g| !g.is_empty())
        .map(|g| group_body(resources, g))
        .collect();
    json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})
}

/// `/apis/<group>`: one named group, `None` if no resource is served in it.
pub fn api_group(resources: &[ResourceInfo], group: &str) -> Option<Value> {
    if group.is_empty() || !resources.iter().any(|r| r.group == group) {
        return None;
    }
    let mut body = Map::new();
    body.insert("kind".into(), "APIGroup".into());
    body.insert("apiVersion".into(), "v1".into());
    if let Value::Object(fields) = group_body(resources, group) {
        body.extend(fields);
    }
    Some(Value::Object(body))
}

/// `/api/v1` and `/apis/<group>/<version>`: the resources of a group version,
/// with subresources as separate `parent/sub` entries right after their
/// parent, as kube-apiserver lists them. `None` if the version is not served.
pub fn api_resource_list(resources: &[ResourceInfo], group: &str, version: &str) -> Option<Value> {
    let served: Vec<&ResourceInfo> = resources
        .iter()
        .filter(|r| r.group == group && r.version == version)
        .collect();
    if served.is_empty() {
        return None;
    }
    let mut entries = Vec::new();
    for r in served {
        entries.push(api_resource(r));
        entries.extend(r.subresources.iter().map(|s| api_subresource(r, s)));
    }
    let group_version = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    let mut body = Map::new();
    body.insert("kind".into(), "APIResourceList".into());
    // The legacy `/api/v1` document carries no apiVersion; named groups do.
    if !group.is_empty() {
        body.insert("apiVersion".into(), "v1".into());
    }
    body.insert("groupVersion".into(), group_version.into());
    body.insert("resources".into(), entries.into());
    Some(Value::Object(body))
}

/// Aggregated discovery (`APIGroupDiscoveryList`, apidiscovery.k8s.io/v2):
/// the core group when `legacy` (for `/api`), every named group otherwise
/// (for `/apis`).
pub fn aggregated_discovery(resources: &[ResourceInfo], legacy: bool) -> Value {
    let items: Vec<Value> = groups(resources)
        .into_iter()
        .filter(|g| g.is_empty() == legacy)
        .map(|group| {
            let versions: Vec<Value> = versions(resources, group)
                .into_iter()
                .map(|version| {
                    let served: Vec<Value> = resources
                        .iter()
                        .filter(|r| r.group == group && r.version == version)
                        .map(resource_discovery)
                        .collect();
                    json!({"version": version, "resources": served, "freshness": "Current"})
                })
                .collect();
            let metadata = if group.is_empty() {
                json!({})
            } else {
                json!({"name": group})
            };
            json!({"metadata": metadata, "versions": versions})
        })
        .collect();
    json!({
        "kind": "APIGroupDiscoveryList",
        "apiVersion": "apidiscovery.k8s.io/v2",
        "metadata": {},
        "items": items,
    })
}

/// `storageVersionHash` of discovery: base64 of the first 8 bytes of the
/// SHA-256 of `<group>/<version>/<kind>` of the storage version (apiserver
/// `discovery.StorageVersionHash`); the core group is the empty string, so
/// pods hash `/v1/Pod`.
pub fn storage_version_hash(group: &str, version: &str, kind: &str) -> String {
    let digest = Sha256::digest(format!("{group}/{version}/{kind}").as_bytes());
    base64::engine::general_purpose::STANDARD.encode(&digest[..8])
}

fn groups(resources: &[ResourceInfo]) -> Vec<&str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in resources {
        if !seen.contains(&r.group.as_str()) {
            seen.push(&r.group);
        }
    }
    seen
}

fn versions<'a>(resources: &'a [ResourceInfo], group: &str) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for r in resources.iter().filter(|r| r.group == group) {
        if !seen.contains(&r.version.as_str()) {
            seen.push(&r.version);
        }
    }
    seen
}

fn group_body(resources: &[ResourceInfo], group: &str) -> Value {
    let versions: Vec<Value> = versions(resources, group)
        .into_iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = versions.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": versions, "preferredVersion": preferred})
}

fn api_resource(r: &ResourceInfo) -> Value {
    let mut e = Map::new();
    e.insert("name".into(), r.plural.clone().into());
    e.insert("singularName".into(), r.singular.clone().into());
    e.insert("namespaced".into(), r.namespaced.into());
    e.insert("kind".into(), r.kind.clone().into());
    e.insert("verbs".into(), r.verbs.clone().into());
    if !r.short_names.is_empty() {
        e.insert("shortNames".into(), r.short_names.clone().into());
    }
    if !r.categories.is_empty() {
        e.insert("categories".into(), r.categories.clone().into());
    }
    // Only resources kept in storage have a storage version: not the
    // create-only reviews and bindings, nor componentstatuses (the watchable
    // ones, in kube-apiserver's registries).
    if r.has_verb("watch") {
        e.insert(
            "storageVersionHash".into(),
            storage_version_hash(&r.group, r.storage_version(), &r.kind).into(),
        );
    }
    Value::Object(e)
}

fn api_subresource(parent: &ResourceInfo, s: &Subresource) -> Value {
    let mut e = Map::new();
    e.insert(
        "name".into(),
        format!("{}/{}", parent.plural, s.name).into(),
    );
    e.insert("singularName".into(), "".into());
    e.insert("namespaced".into(), parent.namespaced.into());
    // Only subresources serving another group version's kind (scale,
    // eviction, token) name their group and version.
    if s.group != parent.group || s.version != parent.version {
        e.insert("group".into(), s.group.clone().into());
        e.insert("version".into(), s.version.clone().into());
    }
    e.insert("kind".into(), s.kind.clone().into());
    e.insert("verbs".into(), s.verbs.clone().into());
    Value::Object(e)
}

fn resource_discovery(r: &ResourceInfo) -> Value {
    let mut e = Map::new();
    e.insert("resource".into(), r.plural.clone().into());
    e.insert(
        "responseKind".into(),
        json!({"group": r.group, "version": r.version, "kind": r.kind}),
    );
    e.insert(
        "scope".into(),
        if r.namespaced {
            "Namespaced"
        } else {
            "Cluster"
        }
        .into(),
    );
    e.insert("singularResource".into(), r.singular.clone().into());
    e.insert("verbs".into(), r.verbs.clone().into());
    if !r.short_names.is_empty() {
        e.insert("shortNames".into(), r.short_names.clone().into());
    }
    if !r.categories.is_empty() {
        e.insert("categories".into(), r.categories.clone().into());
    }
    if !r.subresources.is_empty() {
        let subresources: Vec<Value> = r
            .subresources
            .iter()
            .map(|s| {
                json!({
                    "subresource": s.name,
                    "responseKind": {"group": s.group, "version": s.version, "kind": s.kind},
                    "verbs": s.verbs,
                })
            })
            .collect();
        e.insert("subresources".into(), subresources.into());
    }
    Value::Object(e)
}
