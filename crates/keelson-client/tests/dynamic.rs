//! `DynamicApi` against a real Keelson server.

use futures::StreamExt;
use keelson_apimachinery::gvk::GroupVersionResource;
use keelson_client::api::{
    DeleteOutcome, DeleteParams, ListParams, Patch, PatchParams, PostParams,
};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::dynamic::DynamicApi;
use keelson_client::rest::WatchEvent;
use keelson_client::{Config, DynamicObject, RestClient};
use keelson_testing::TestServer;
use serde_json::json;
use std::time::Duration;

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    RestClient::new(Config::load(&rules, &ConfigOverrides::default()).expect("config"))
        .expect("client")
}

fn object(v: serde_json::Value) -> DynamicObject {
    serde_json::from_value(v).expect("object JSON")
}

fn configmaps(client: RestClient) -> DynamicApi {
    DynamicApi::new(
        client,
        GroupVersionResource::new("", "v1", "configmaps"),
        true,
    )
}

#[tokio::test]
async fn configmap_crud() {
    let server = TestServer::start().await;
    let cms = configmaps(client_for(&server)).namespace("default");

    let made = cms
        .create(
            &PostParams::default(),
            &object(json!({"apiVersion": "v1", "kind": "ConfigMap",
                           "metadata": {"name": "a", "labels": {"app": "web"}},
                           "data": {"k": "v"}})),
        )
        .await
        .expect("create");
    assert_eq!(made.namespace(), Some("default"));
    assert!(made.metadata.uid.is_some());

    let mut got = cms.get("a").await.expect("get");
    assert_eq!(got.kind, "ConfigMap");
    assert_eq!(got.data["data"]["k"], "v");

    got.data.insert("data".into(), json!({"k": "replaced"}));
    let replaced = cms
        .replace("a", &PostParams::default(), &got)
        .await
        .expect("replace");
    assert_eq!(replaced.data["data"]["k"], "replaced");
    let err = cms
        .replace("a", &PostParams::default(), &got)
        .await
        .expect_err("stale resourceVersion");
    assert!(err.is_conflict(), "{err}");

    let patched = cms
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"m": "merged"}})),
        )
        .await
        .expect("merge patch");
    assert_eq!(patched.data["data"]["m"], "merged");
    assert_eq!(patched.data["data"]["k"], "replaced");

    // An unbound client creates in the object's own namespace and lists across all.
    let all = configmaps(client_for(&server));
    all.create(
        &PostParams::default(),
        &object(json!({"metadata": {"name": "b", "namespace": "kube-system",
                                    "labels": {"app": "web"}}})),
    )
    .await
    .expect("create in metadata.namespace");
    let listed = all
        .list(&ListParams::default().labels("app=web"))
        .await
        .expect("list");
    let mut names: Vec<_> = listed
        .items
        .iter()
        .map(|o| format!("{}/{}", o.namespace().unwrap_or(""), o.name()))
        .collect();
    names.sort();
    assert_eq!(names, ["default/a", "kube-system/b"]);

    let deleted = cms
        .delete("a", &DeleteParams::default())
        .await
        .expect("delete");
    assert!(matches!(deleted, DeleteOutcome::Deleted(_)), "{deleted:?}");
    let err = cms.get("a").await.expect_err("gone");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        err.to_string(),
        "NotFound (404): configmaps \"a\" not found"
    );

    let system = configmaps(client_for(&server)).namespace("kube-system");
    let out = system
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("app=web"),
        )
        .await
        .expect("delete_collection");
    let gone = match out {
        DeleteOutcome::Pending(list) => list
            .items
            .into_iter()
            .map(|o| o.name().to_string())
            .collect(),
        DeleteOutcome::Deleted(_) => Vec::new(),
    };
    assert_eq!(gone, ["b"]);
    assert!(system
        .list(&ListParams::default().labels("app=web"))
        .await
        .expect("list after delete_collection")
        .items
        .is_empty());
}

#[tokio::test]
async fn configmap_watch() {
    let server = TestServer::start().await;
    let cms = configmaps(client_for(&server)).namespace("default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .expect("list resourceVersion");
    let mut events = cms
        .watch(&ListParams::default().at(&rv))
        .await
        .expect("watch");
    cms.create(
        &PostParams::default(),
        &object(json!({"metadata": {"name": "w"}, "data": {"x": "1"}})),
    )
    .await
    .expect("create");
    cms.delete("w", &DeleteParams::default())
        .await
        .expect("delete");

    let mut seen = Vec::new();
    while seen.len() < 2 {
        let next = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event within 10s")
            .expect("stream open")
            .expect("event decodes");
        match next {
            WatchEvent::Added(o) => seen.push(format!("ADDED {}", o.name())),
            WatchEvent::Deleted(o) => seen.push(format!("DELETED {}", o.name())),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(seen, ["ADDED w", "DELETED w"]);
}

#[tokio::test]
async fn cluster_scoped_priorityclasses() {
    let server = TestServer::start().await;
    let pcs = DynamicApi::new(
        client_for(&server),
        GroupVersionResource::new("scheduling.k8s.io", "v1", "priorityclasses"),
        false,
    )
    // A namespace means nothing for a cluster-scoped resource.
    .namespace("default");
    assert_eq!(pcs.bound_namespace(), None);

    let made = pcs
        .create(
            &PostParams::default(),
            &object(
                json!({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                           "metadata": {"name": "high"}, "value": 1000}),
            ),
        )
        .await
        .expect("create");
    assert_eq!(made.namespace(), None);
    assert_eq!(made.data["value"], 1000);

    let got = pcs.get("high").await.expect("get");
    assert_eq!(got.kind, "PriorityClass");
    let patched = pcs
        .patch(
            "high",
            &PatchParams::default(),
            &Patch::Merge(json!({"description": "important"})),
        )
        .await
        .expect("patch");
    assert_eq!(patched.data["description"], "important");
    let names: Vec<_> = pcs
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .iter()
        .map(|o| o.name().to_string())
        .collect();
    assert!(names.contains(&"high".to_string()), "{names:?}");
    pcs.delete("high", &DeleteParams::default())
        .await
        .expect("delete");
    let err = pcs.get("high").await.expect_err("gone");
    assert!(err.is_not_found(), "{err}");
}

#[tokio::test]
async fn deployment_scale_subresource() {
    let server = TestServer::start().await;
    let deployments = DynamicApi::new(
        client_for(&server),
        GroupVersionResource::new("apps", "v1", "deployments"),
        true,
    )
    .namespace("default");
    deployments
        .create(
            &PostParams::default(),
            &object(json!({"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": "web"},
                "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                         "template": {"metadata": {"labels": {"app": "web"}},
                                      "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}})),
        )
        .await
        .expect("create");
    let scale = deployments
        .get_subresource("web", "scale")
        .await
        .expect("scale");
    assert_eq!(scale.api_version, "autoscaling/v1");
    assert_eq!(scale.kind, "Scale");
    assert_eq!(scale.data["spec"]["replicas"], 3);
}
