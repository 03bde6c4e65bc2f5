//! The built-in resource table, discovery and OpenAPI documents against
//! what kube-apiserver and kubectl expect.

use keelson_apimachinery::resources::{builtin, ResourceInfo};
use keelson_apimachinery::schema;
use keelson_apiserver::discovery;
use keelson_apiserver::openapi::{self, OpenApi};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["resources"]
        .as_array()
        .and_then(|rs| rs.iter().find(|r| r["name"] == name))
        .unwrap_or_else(|| panic!("{name} not in {list}"))
}

// ---------------------------------------------------------------------------
// The table against the official OpenAPI document
// ---------------------------------------------------------------------------

/// What the table says (or the official document says) about one
/// resource or subresource path of a group version.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Served {
    namespaced: bool,
    verbs: BTreeSet<String>,
}

type Surface = BTreeMap<(String, String, String), Served>;

/// Kube verb of an `x-kubernetes-action`; connect operations map their HTTP
/// method the way discovery does (HEAD and OPTIONS have no verb).
fn verb(action: &str, method: &str) -> Option<&'static str> {
    Some(match (action, method) {
        ("get", _) => "get",
        ("list", _) => "list",
        ("watch" | "watchlist", _) => "watch",
        ("put", _) => "update",
        ("patch", _) => "patch",
        ("post", _) => "create",
        ("delete", _) => "delete",
        ("deletecollection", _) => "deletecollection",
        ("connect", "get") => "get",
        ("connect", "post") => "create",
        ("connect", "put") => "update",
        ("connect", "patch") => "patch",
        ("connect", "delete") => "delete",
        _ => return None,
    })
}

/// Resources and subresources of every GA group version in an OpenAPI v2 document.
fn official_surface(doc: &Value) -> Surface {
    let mut out = Surface::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let (group, version, rest) = match segments.as_slice() {
            ["api", v, rest @ ..] => ("", *v, rest.to_vec()),
            ["apis", g, v, rest @ ..] => (*g, *v, rest.to_vec()),
            _ => continue,
        };
        if rest.is_empty() || version.contains("alpha") || version.contains("beta") {
            continue;
        }
        let mut rest = rest.as_slice();
        if rest.first() == Some(&"watch") {
            rest = &rest[1..];
        }
        let namespaced = rest.len() >= 3 && rest[0] == "namespaces" && rest[1] == "{namespace}";
        if namespaced {
            rest = &rest[2..];
        }
        let name = match rest {
            [resource] | [resource, "{name}"] => resource.to_string(),
            [resource, "{name}", sub, ..] => format!("{resource}/{sub}"),
            _ => continue,
        };
        let entry = out
            .entry((group.to_string(), version.to_string(), name))
            .or_insert(Served {
                namespaced,
                verbs: BTreeSet::new(),
            });
        entry.namespaced |= namespaced;
        for (method, op) in item.as_object().expect("path item") {
            if let Some(v) = op["x-kubernetes-action"]
                .as_str()
                .and_then(|a| verb(a, method))
            {
                entry.verbs.insert(v.to_string());
            }
        }
    }
    out
}

fn table_surface(table: &[ResourceInfo]) -> Surface {
    let mut out = Surface::new();
    for r in table {
        let key = |name: String| (r.group.clone(), r.version.clone(), name);
        out.insert(
            key(r.plural.clone()),
            Served {
                namespaced: r.namespaced,
                verbs: r.verbs.iter().cloned().collect(),
            },
        );
        for s in &r.subresources {
            out.insert(
                key(format!("{}/{}", r.plural, s.name)),
                Served {
                    namespaced: r.namespaced,
                    verbs: s.verbs.iter().cloned().collect(),
                },
            );
        }
    }
    out
}

fn reference_document() -> Option<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/reference/kubernetes-openapi-v2.json");
    match std::fs::read(&path) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).expect("reference document is JSON")),
        Err(_) => {
            println!(
                "skipping: official OpenAPI document not found at {}",
                path.display()
            );
            None
        }
    }
}

/// Resources 1.37 serves that the reference document does not list. The
/// reference is kube-apiserver 1.36's document (it has scheduling.k8s.io
/// v1alpha2 and certificates.k8s.io v1alpha1, which k8s-openapi's v1_36
/// has and v1_37 replaced); these kinds went GA in 1.37 (k8s-openapi v1_37
/// and the 1.37 definitions have them in these GA versions). Whole new
/// group versions (storagemigration.k8s.io/v1) are not compared.
const NEW_IN_1_37: &[(&str, &str, &str)] = &[
    ("certificates.k8s.io", "v1", "clustertrustbundles"),
    ("certificates.k8s.io", "v1", "podcertificaterequests"),
    ("certificates.k8s.io", "v1", "podcertificaterequests/status"),
    ("resource.k8s.io", "v1", "devicetaintrules"),
    ("resource.k8s.io", "v1", "devicetaintrules/status"),
    // 1.37 added CSINode.status; status subresources follow the rule.
    ("storage.k8s.io", "v1", "csinodes/status"),
];

#[test]
fn table_matches_the_official_document_for_every_ga_group_version() {
    let Some(doc) = reference_document() else {
        return;
    };
    let official = official_surface(&doc);
    let ours = table_surface(builtin());
    let official_gvs: BTreeSet<(String, String)> = official
        .keys()
        .map(|(g, v, _)| (g.clone(), v.clone()))
        .collect();
    assert!(
        official_gvs.contains(&("apps".into(), "v1".into())),
        "surface extraction found no apps/v1"
    );

    let mut missing = Vec::new();
    let mut different = Vec::new();
    for (key, served) in &official {
        match ours.get(key) {
            None => missing.push(key.clone()),
            Some(o) if o != served => different.push((key.clone(), served.clone(), o.clone())),
            Some(_) => {}
        }
    }
    let extra: Vec<_> = ours
        .keys()
        .filter(|(g, v, _)| official_gvs.contains(&(g.clone(), v.clone())))
        .filter(|k| !official.contains_key(*k))
        .map(|(g, v, r)| (g.as_str(), v.as_str(), r.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "resources the official document serves and the table lacks: {missing:?}"
    );
    assert!(
        different.is_empty(),
        "scope or verbs differ (official, ours): {different:#?}"
    );
    assert_eq!(
        extra, NEW_IN_1_37,
        "resources beyond the official document other than the known 1.37 additions"
    );
}

#[test]
fn table_has_only_ga_versions_with_known_shapes() {
    let table = builtin();
    assert_eq!(table.len(), 72);
    for r in table {
        let numeric = r
            .version
            .strip_prefix('v')
            .is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
        assert!(numeric, "{}/{} {} is not GA", r.group, r.version, r.plural);
        assert_eq!(r.singular, r.kind.to_lowercase());
        let mut verbs = r.verbs.clone();
        verbs.sort();
        assert_eq!(
            verbs, r.verbs,
            "verbs of {} are sorted as discovery lists them",
            r.plural
        );
    }
    let core_first: Vec<&str> = table.iter().take(3).map(|r| r.plural.as_str()).collect();
    assert_eq!(core_first, ["bindings", "componentstatuses", "configmaps"]);
}

#[test]
fn every_definition_of_the_table_is_embedded_with_its_gvk() {
    for r in builtin() {
        let def = schema::definition(&r.definition)
            .unwrap_or_else(|| panic!("{} not embedded", r.definition));
        let gvks = def["x-kubernetes-group-version-kind"]
            .as_array()
            .expect("top-level kind carries its GVK");
        assert!(
            gvks.contains(&json!({"group": r.group, "version": r.version, "kind": r.kind})),
            "{} lacks {}/{} {}",
            r.definition,
            r.group,
            r.version,
            r.kind
        );
    }
}

// ---------------------------------------------------------------------------
// Discovery
// ---------------------------------------------------------------------------

#[test]
fn api_versions_names_the_server() {
    assert_eq!(
        discovery::api_versions("10.0.0.1:6443"),
        json!({
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "10.0.0.1:6443"}]
        })
    );
}

#[test]
fn core_resource_list_has_pods_with_their_subresources() {
    let list = discovery::api_resource_list(builtin(), "", "v1").expect("core v1 is served");
    assert_eq!(list["kind"], "APIResourceList");
    assert_eq!(list["groupVersion"], "v1");
    assert!(
        list.get("apiVersion").is_none(),
        "legacy /api/v1 carries no apiVersion"
    );
    assert_eq!(
        find(&list, "pods"),
        &json!({
            "name": "pods",
            "singularName": "pod",
            "namespaced": true,
            "kind": "Pod",
            "verbs": ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
            "shortNames": ["po"],
            "categories": ["all"],
            "storageVersionHash": "xPOwRZ+Yhw8="
        })
    );
    assert_eq!(
        find(&list, "pods/eviction"),
        &json!({"name": "pods/eviction", "singularName": "", "namespaced": true, "group": "policy", "version": "v1", "kind": "Eviction", "verbs": ["create"]})
    );
    assert_eq!(
        find(&list, "pods/exec"),
        &json!({"name": "pods/exec", "singularName": "", "namespaced": true, "kind": "PodExecOptions", "verbs": ["create", "get"]})
    );
    assert_eq!(find(&list, "pods/log")["kind"], "Pod");
    let namespaces = find(&list, "namespaces");
    assert_eq!(namespaces["namespaced"], false);
    assert_eq!(namespaces["shortNames"], json!(["ns"]));
    assert!(!namespaces["verbs"]
        .as_array()
        .unwrap()
        .contains(&json!("deletecollection")));
    assert_eq!(
        find(&list, "namespaces/finalize")["verbs"],
        json!(["update"])
    );
    assert_eq!(
        find(&list, "componentstatuses")["verbs"],
        json!(["get", "list"])
    );
    assert_eq!(
        find(&list, "bindings"),
        &json!({"name": "bindings", "singularName": "binding", "namespaced": true, "kind": "Binding", "verbs": ["create"]}),
        "nothing stored, so no storageVersionHash"
    );
    assert!(find(&list, "componentstatuses")
        .get("storageVersionHash")
        .is_none());

    // Subresources follow their parent, as kube-apiserver sorts paths.
    let names: Vec<&str> = list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["name"].as_str())
        .collect();
    let pods = names.iter().position(|n| *n == "pods").unwrap();
    assert_eq!(
        &names[pods..pods + 3],
        ["pods", "pods/attach", "pods/binding"]
    );
    assert_eq!(names[pods + 10], "pods/status");
    assert_eq!(names[pods + 11], "podtemplates");
}

#[test]
fn apps_resource_list_names_the_scale_kind() {
    let list = discovery::api_resource_list(builtin(), "apps", "v1").expect("apps/v1 is served");
    assert_eq!(list["apiVersion"], "v1");
    assert_eq!(list["groupVersion"], "apps/v1");
    let deployments = find(&list, "deployments");
    assert_eq!(deployments["shortNames"], json!(["deploy"]));
    assert_eq!(deployments["storageVersionHash"], "8aSe+NMegvE=");
    assert_eq!(
        find(&list, "deployments/scale"),
        &json!({"name": "deployments/scale", "singularName": "", "namespaced": true, "group": "autoscaling", "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]})
    );
    assert_eq!(
        find(&list, "deployments/status"),
        &json!({"name": "deployments/status", "singularName": "", "namespaced": true, "kind": "Deployment", "verbs": ["get", "patch", "update"]})
    );
    assert!(discovery::api_resource_list(builtin(), "apps", "v1beta1").is_none());
}

#[test]
fn group_list_orders_groups_and_prefers_the_newest_version() {
    let list = discovery::api_group_list(builtin());
    assert_eq!(list["kind"], "APIGroupList");
    assert_eq!(list["apiVersion"], "v1");
    let names: Vec<&str> = list["groups"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|g| g["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "apiregistration.k8s.io",
            "apps",
            "events.k8s.io",
            "authentication.k8s.io",
            "authorization.k8s.io",
            "autoscaling",
            "batch",
            "certificates.k8s.io",
            "networking.k8s.io",
            "policy",
            "rbac.authorization.k8s.io",
            "storage.k8s.io",
            "admissionregistration.k8s.io",
            "apiextensions.k8s.io",
            "scheduling.k8s.io",
            "coordination.k8s.io",
            "node.k8s.io",
            "discovery.k8s.io",
            "resource.k8s.io",
            "flowcontrol.apiserver.k8s.io",
            "storagemigration.k8s.io",
        ]
    );
    let autoscaling =
        discovery::api_group(builtin(), "autoscaling").expect("autoscaling is served");
    assert_eq!(
        autoscaling,
        json!({
            "kind": "APIGroup",
            "apiVersion": "v1",
            "name": "autoscaling",
            "versions": [
                {"groupVersion": "autoscaling/v2", "version": "v2"},
                {"groupVersion": "autoscaling/v1", "version": "v1"}
            ],
            "preferredVersion": {"groupVersion": "autoscaling/v2", "version": "v2"}
        })
    );
    let apps = discovery::api_group(builtin(), "apps").unwrap();
    assert_eq!(
        apps["preferredVersion"],
        json!({"groupVersion": "apps/v1", "version": "v1"})
    );
    assert!(discovery::api_group(builtin(), "extensions").is_none());
    assert!(discovery::api_group(builtin(), "").is_none());
}

#[test]
fn hpa_hash_is_its_storage_version_in_both_versions() {
    let v1 = discovery::api_resource_list(builtin(), "autoscaling", "v1").unwrap();
    let v2 = discovery::api_resource_list(builtin(), "autoscaling", "v2").unwrap();
    let hash = discovery::storage_version_hash("autoscaling", "v2", "HorizontalPodAutoscaler");
    assert_eq!(
        find(&v1, "horizontalpodautoscalers")["storageVersionHash"],
        hash.as_str()
    );
    assert_eq!(
        find(&v2, "horizontalpodautoscalers")["storageVersionHash"],
        hash.as_str()
    );
}

#[test]
fn aggregated_discovery_of_core_and_groups() {
    let core = discovery::aggregated_discovery(builtin(), true);
    assert_eq!(core["kind"], "APIGroupDiscoveryList");
    assert_eq!(core["apiVersion"], "apidiscovery.k8s.io/v2");
    let items = core["items"].as_array().unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["metadata"], json!({}));
    let v1 = &items[0]["versions"][0];
    assert_eq!(v1["version"], "v1");
    assert_eq!(v1["freshness"], "Current");
    let pods = v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "pods")
        .unwrap();
    assert_eq!(
        pods["responseKind"],
        json!({"group": "", "version": "v1", "kind": "Pod"})
    );
    assert_eq!(pods["scope"], "Namespaced");
    assert_eq!(pods["singularResource"], "pod");
    assert_eq!(pods["shortNames"], json!(["po"]));
    assert_eq!(pods["categories"], json!(["all"]));
    let eviction = pods["subresources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subresource"] == "eviction")
        .unwrap();
    assert_eq!(
        eviction,
        &json!({"subresource": "eviction", "responseKind": {"group": "policy", "version": "v1", "kind": "Eviction"}, "verbs": ["create"]})
    );
    let namespaces = v1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "namespaces")
        .unwrap();
    assert_eq!(namespaces["scope"], "Cluster");

    let groups = discovery::aggregated_discovery(builtin(), false);
    let items = groups["items"].as_array().unwrap();
    assert_eq!(items[0]["metadata"]["name"], "apiregistration.k8s.io");
    assert!(
        items.iter().all(|g| g["metadata"]["name"] != ""),
        "the core group is only under /api"
    );
    let apps = items
        .iter()
        .find(|g| g["metadata"]["name"] == "apps")
        .unwrap();
    let deployments = apps["versions"][0]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["resource"] == "deployments")
        .unwrap();
    assert_eq!(deployments["shortNames"], json!(["deploy"]));
    assert_eq!(
        deployments["subresources"],
        json!([
            {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"}, "verbs": ["get", "patch", "update"]},
            {"subresource": "status", "responseKind": {"group": "apps", "version": "v1", "kind": "Deployment"}, "verbs": ["get", "patch", "update"]}
        ])
    );
    let autoscaling = items
        .iter()
        .find(|g| g["metadata"]["name"] == "autoscaling")
        .unwrap();
    let versions: Vec<&str> = autoscaling["versions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v["version"].as_str())
        .collect();
    assert_eq!(versions, ["v2", "v1"]);
}

// ---------------------------------------------------------------------------
// OpenAPI
// ---------------------------------------------------------------------------

fn parse(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).expect("document is JSON")
}

fn collect_refs<'a>(value: &'a Value, into: &mut Vec<&'a str>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                into.push(r);
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

#[test]
fn v3_root_lists_every_group_version_with_its_hash() {
    let api = OpenApi::new(builtin().to_vec());
    let root = parse(&api.v3_root());
    let paths = root["paths"].as_object().expect("root has paths");
    assert_eq!(
        paths.len(),
        23,
        "one document per served group version: {:?}",
        paths.keys().collect::<Vec<_>>()
    );
    for (gv_path, entry) in paths {
        let (doc, hash) = api
            .v3_document(gv_path)
            .unwrap_or_else(|| panic!("{gv_path} has no document"));
        assert_eq!(hash, openapi::hash(&doc));
        assert_eq!(hash.len(), 128);
        assert!(hash
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
        assert_eq!(
            entry["serverRelativeURL"],
            format!("/openapi/v3/{gv_path}?hash={hash}")
        );
    }
    assert!(paths.contains_key("api/v1"));
    assert!(paths.contains_key("apis/apps/v1"));
    assert!(api.v3_document("apis/apps/v1beta1").is_none());
}

/// kubectl's `supportsQueryParamV3`: the first PATCH operation for the kind
/// decides, so every PATCH of every kind must take `fieldValidation`.
#[test]
fn every_patch_of_every_kind_takes_field_validation_and_strategic_merge_patch() {
    let api = OpenApi::new(builtin().to_vec());
    let mut patched_kinds = BTreeSet::new();
    for r in builtin() {
        let gv_path = if r.group.is_empty() {
            format!("api/{}", r.version)
        } else {
            format!("apis/{}/{}", r.group, r.version)
        };
        let doc = parse(&api.v3_document(&gv_path).expect("document").0);
        for (path, item) in doc["paths"].as_object().unwrap() {
            // Proxy subresources also answer PATCH, as "connect" operations
            // of their options kind; kubectl never matches those.
            let Some(patch) = item
                .get("patch")
                .filter(|p| p["x-kubernetes-action"] == "patch")
            else {
                continue;
            };
            let gvk = &patch["x-kubernetes-group-version-kind"];
            assert!(gvk.is_object(), "PATCH {path} names its kind");
            let params: Vec<&str> = patch["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|p| p["name"].as_str())
                .collect();
            assert!(
                params.contains(&"fieldValidation"),
                "PATCH {path} lacks fieldValidation: {params:?}"
            );
            assert!(
                patch["requestBody"]["content"]
                    .get("application/strategic-merge-patch+json")
                    .is_some(),
                "PATCH {path} does not accept strategic merge patch"
            );
            patched_kinds.insert(gvk["kind"].as_str().unwrap().to_string());
        }
    }
    for r in builtin().iter().filter(|r| r.has_verb("patch")) {
        assert!(
            patched_kinds.contains(&r.kind),
            "no PATCH operation for {}",
            r.kind
        );
    }
}

#[test]
fn apps_v1_document_describes_deployments() {
    let api = OpenApi::new(builtin().to_vec());
    let doc = parse(&api.v3_document("apis/apps/v1").unwrap().0);
    assert_eq!(doc["openapi"], "3.0.0");
    let item = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    let patch = &item["patch"];
    assert_eq!(patch["operationId"], "patchAppsV1NamespacedDeployment");
    assert_eq!(patch["x-kubernetes-action"], "patch");
    assert_eq!(
        patch["x-kubernetes-group-version-kind"],
        json!({"group": "apps", "kind": "Deployment", "version": "v1"})
    );
    let field_validation = patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "fieldValidation")
        .unwrap();
    assert_eq!(field_validation["in"], "query");
    assert_eq!(
        item["put"]["requestBody"]["content"]["*/*"]["schema"]["$ref"],
        "#/components/schemas/io.k8s.api.apps.v1.Deployment"
    );
    let path_params: Vec<&str> = item["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    assert_eq!(path_params, ["name", "namespace", "pretty"]);

    let list = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["get"];
    assert_eq!(list["operationId"], "listAppsV1NamespacedDeployment");
    assert_eq!(
        list["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/io.k8s.api.apps.v1.DeploymentList"
    );
    let post = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"]["post"];
    assert!(post["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "fieldValidation"));

    let scale =
        &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale"]["patch"];
    assert_eq!(
        scale["x-kubernetes-group-version-kind"],
        json!({"group": "autoscaling", "kind": "Scale", "version": "v1"})
    );

    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let deployment = &schemas["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"],
        json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    // A reference with a description is wrapped in allOf, as in kube-openapi v3.
    assert_eq!(
        deployment["properties"]["spec"]["allOf"],
        json!([{"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}])
    );
    let containers = &schemas["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"];
    assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
    assert_eq!(
        containers["items"]["$ref"],
        "#/components/schemas/io.k8s.api.core.v1.Container"
    );
    assert!(schemas.contains_key("io.k8s.api.autoscaling.v1.Scale"));
    // kubectl explain names these types only when v3 spells them as oneOf.
    let int_or_string = &schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"];
    assert_eq!(int_or_string["format"], "int-or-string");
    assert_eq!(
        int_or_string["oneOf"],
        json!([{"type": "integer"}, {"type": "string"}])
    );
    assert!(int_or_string.get("type").is_none());
    assert!(
        !schemas.contains_key("io.k8s.api.batch.v1.Job"),
        "only what apps/v1 references"
    );
}

#[test]
fn core_v1_document_has_connect_and_log_operations() {
    let api = OpenApi::new(builtin().to_vec());
    let doc = parse(&api.v3_document("api/v1").unwrap().0);
    let exec = &doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/exec"];
    assert_eq!(
        exec["post"]["operationId"],
        "connectCoreV1PostNamespacedPodExec"
    );
    assert_eq!(exec["post"]["x-kubernetes-action"], "connect");
    assert_eq!(
        exec["get"]["x-kubernetes-group-version-kind"]["kind"],
        "PodExecOptions"
    );
    assert!(exec["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "command"));
    let proxy = &doc["paths"]["/api/v1/nodes/{name}/proxy/{path}"];
    assert_eq!(
        proxy["head"]["operationId"],
        "connectCoreV1HeadNodeProxyWithPath"
    );
    let log = &doc["paths"]["/api/v1/namespaces/{namespace}/pods/{name}/log"]["get"];
    assert_eq!(log["operationId"], "readCoreV1NamespacedPodLog");
    assert_eq!(
        log["responses"]["200"]["content"]["text/plain"]["schema"],
        json!({"type": "string"})
    );
    let all = &doc["paths"]["/api/v1/pods"]["get"];
    assert_eq!(all["operationId"], "listCoreV1PodForAllNamespaces");
    let watch = &doc["paths"]["/api/v1/watch/namespaces/{namespace}/pods"]["get"];
    assert_eq!(watch["x-kubernetes-action"], "watchlist");
    let collection = &doc["paths"]["/api/v1/namespaces/{namespace}/pods"]["delete"];
    assert_eq!(
        collection["operationId"],
        "deleteCoreV1CollectionNamespacedPod"
    );
    assert_eq!(collection["x-kubernetes-action"], "deletecollection");
    let binding = &doc["paths"]["/api/v1/namespaces/{namespace}/bindings"];
    assert_eq!(
        binding["post"]["operationId"],
        "createCoreV1NamespacedBinding"
    );
    assert!(binding.get("get").is_none(), "bindings are create-only");
}

#[test]
fn every_reference_of_every_document_resolves_inside_it() {
    let api = OpenApi::new(builtin().to_vec());
    let root = parse(&api.v3_root());
    for gv_path in root["paths"].as_object().unwrap().keys() {
        let doc = parse(&api.v3_document(gv_path).unwrap().0);
        let mut refs = Vec::new();
        collect_refs(&doc, &mut refs);
        let schemas = doc["components"]["schemas"].as_object().unwrap();
        for r in refs {
            let name = r
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("{gv_path}: {r} is not a v3 reference"));
            assert!(
                schemas.contains_key(name),
                "{gv_path}: {r} does not resolve"
            );
        }
    }
    let v2 = parse(&api.v2());
    assert_eq!(v2["swagger"], "2.0");
    let mut refs = Vec::new();
    collect_refs(&v2, &mut refs);
    let definitions = v2["definitions"].as_object().unwrap();
    for r in refs {
        let name = r
            .strip_prefix("#/definitions/")
            .unwrap_or_else(|| panic!("v2: {r} is not a definitions reference"));
        assert!(definitions.contains_key(name), "v2: {r} does not resolve");
    }
}

#[test]
fn v2_document_matches_the_official_operations() {
    let Some(official) = reference_document() else {
        return;
    };
    let api = OpenApi::new(builtin().to_vec());
    let ours = parse(&api.v2());
    let ids = |doc: &Value, gv_prefix: &str| -> BTreeSet<(String, String, String)> {
        let mut out = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().unwrap() {
            if !path.starts_with(gv_prefix) {
                continue;
            }
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op["operationId"].as_str() {
                    out.insert((path.clone(), method.clone(), id.to_string()));
                }
            }
        }
        out
    };
    // Operation ids and paths are what generated clients key on.
    for prefix in [
        "/api/v1/",
        "/apis/apps/v1/",
        "/apis/batch/v1/",
        "/apis/rbac.authorization.k8s.io/v1/",
    ] {
        assert_eq!(
            ids(&ours, prefix),
            ids(&official, prefix),
            "operations under {prefix}"
        );
    }
    let ours_pods = &ours["paths"]["/api/v1/namespaces/{namespace}/pods/{name}"]["patch"];
    assert_eq!(
        ours_pods["x-kubernetes-group-version-kind"],
        json!({"group": "", "kind": "Pod", "version": "v1"})
    );
}

#[test]
fn custom_resources_get_an_open_schema() {
    let mut widgets = builtin()[0].clone();
    widgets.group = "example.com".into();
    widgets.version = "v1".into();
    widgets.kind = "Widget".into();
    widgets.plural = "widgets".into();
    widgets.singular = "widget".into();
    widgets.list_kind = "WidgetList".into();
    widgets.definition = "com.example.v1.Widget".into();
    widgets.verbs = [
        "create", "delete", "get", "list", "patch", "update", "watch",
    ]
    .map(String::from)
    .to_vec();
    let api = OpenApi::new(vec![widgets]);
    let doc = parse(
        &api.v3_document("apis/example.com/v1")
            .expect("custom group version has a document")
            .0,
    );
    let schema = &doc["components"]["schemas"]["com.example.v1.Widget"];
    assert_eq!(schema["x-kubernetes-preserve-unknown-fields"], true);
    assert_eq!(
        schema["x-kubernetes-group-version-kind"],
        json!([{"group": "example.com", "kind": "Widget", "version": "v1"}])
    );
    let patch =
        &doc["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"];
    assert!(patch["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "fieldValidation"));
}
