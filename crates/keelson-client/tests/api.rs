//! Typed `Api<K>` against a real Keelson server.

use futures::StreamExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use keelson_client::api::{
    Api, DeleteOutcome, DeleteParams, ListParams, Patch, PatchParams, PostParams, Preconditions,
};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::rest::WatchEvent;
use keelson_client::{Config, RestClient};
use keelson_testing::TestServer;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::Duration;

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    RestClient::new(Config::load(&rules, &ConfigOverrides::default()).expect("config"))
        .expect("client")
}

fn cm(name: &str, labels: &[(&str, &str)]) -> ConfigMap {
    let mut c = ConfigMap::default();
    c.metadata.name = Some(name.to_string());
    c.metadata.labels = Some(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    c.data = Some(BTreeMap::from([("k".to_string(), name.to_string())]));
    c
}

fn deployment(name: &str, replicas: i32) -> Deployment {
    serde_json::from_value(json!({
        "metadata": {"name": name},
        "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}
    }))
    .expect("deployment JSON")
}

#[tokio::test]
async fn create_get_replace_patch_delete() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::default_namespaced(client_for(&server));
    assert_eq!(cms.namespace(), Some("default"));

    let made = cms
        .create(&PostParams::default(), &cm("a", &[("app", "web")]))
        .await
        .expect("create");
    assert!(made.metadata.uid.is_some());
    assert_eq!(made.metadata.namespace.as_deref(), Some("default"));

    let dry = cms
        .create(
            &PostParams {
                dry_run: true,
                ..Default::default()
            },
            &cm("dry", &[]),
        )
        .await
        .expect("dry run create");
    assert_eq!(dry.metadata.name.as_deref(), Some("dry"));
    assert!(
        cms.get_opt("dry").await.expect("get_opt").is_none(),
        "dry run stores nothing"
    );

    let mut got = cms.get("a").await.expect("get");
    got.data = Some(BTreeMap::from([("k".to_string(), "replaced".to_string())]));
    let replaced = cms
        .replace("a", &PostParams::default(), &got)
        .await
        .expect("replace");
    assert_eq!(
        replaced
            .data
            .as_ref()
            .and_then(|d| d.get("k"))
            .map(String::as_str),
        Some("replaced")
    );

    // Replacing with the old resourceVersion is a conflict.
    let err = cms
        .replace("a", &PostParams::default(), &got)
        .await
        .expect_err("stale");
    assert!(err.is_conflict(), "{err}");

    let json_patched = cms
        .patch::<()>(
            "a",
            &PatchParams::default(),
            &Patch::Json(json!([{"op": "add", "path": "/data/j", "value": "json"}])),
        )
        .await
        .expect("json patch");
    assert_eq!(
        json_patched
            .data
            .as_ref()
            .and_then(|d| d.get("j"))
            .map(String::as_str),
        Some("json")
    );
    let strategic = cms
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Strategic(json!({"metadata": {"labels": {"tier": "x"}}})),
        )
        .await
        .expect("strategic merge patch");
    let labels = strategic.metadata.labels.unwrap_or_default();
    assert_eq!(labels.get("app").map(String::as_str), Some("web"));
    assert_eq!(labels.get("tier").map(String::as_str), Some("x"));

    // A precondition on another uid refuses the delete.
    let wrong_uid = DeleteParams {
        preconditions: Some(Preconditions {
            uid: Some("not-the-uid".into()),
            resource_version: None,
        }),
        ..Default::default()
    };
    let err = cms
        .delete("a", &wrong_uid)
        .await
        .expect_err("precondition fails");
    assert!(err.is_conflict(), "{err}");

    let right_uid = DeleteParams {
        preconditions: Some(Preconditions {
            uid: made.metadata.uid.clone(),
            resource_version: None,
        }),
        ..DeleteParams::background()
    };
    match cms.delete("a", &right_uid).await.expect("delete") {
        DeleteOutcome::Deleted(status) => assert_eq!(status.status.as_deref(), Some("Success")),
        DeleteOutcome::Pending(cm) => {
            // kube-apiserver answers a finished delete of most kinds with the object itself.
            assert_eq!(cm.metadata.name.as_deref(), Some("a"));
        }
    }
    let err = cms.get("a").await.expect_err("gone");
    assert!(err.is_not_found());
    assert_eq!(
        err.to_string(),
        "NotFound (404): configmaps \"a\" not found"
    );
}

#[tokio::test]
async fn finalizers_keep_a_deleted_object_pending() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client_for(&server), "default");
    let mut held = cm("held", &[]);
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &held)
        .await
        .expect("create");
    let outcome = cms
        .delete("held", &DeleteParams::foreground().grace_period(0))
        .await
        .expect("delete");
    let pending = outcome
        .pending()
        .expect("still there while the finalizer holds it");
    assert!(pending.metadata.deletion_timestamp.is_some());
    cms.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .expect("drop the finalizer");
    assert!(cms.get_opt("held").await.expect("get").is_none());
}

#[tokio::test]
async fn list_selectors_pagination_and_delete_collection() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    for i in 0..7 {
        let tier = if i < 4 { "front" } else { "back" };
        cms.create(
            &PostParams::default(),
            &cm(&format!("c{i}"), &[("tier", tier)]),
        )
        .await
        .expect("create");
    }
    let front = cms
        .list(&ListParams::default().labels("tier=front"))
        .await
        .expect("list");
    assert_eq!(front.items.len(), 4);
    let one = cms
        .list(&ListParams::default().fields("metadata.name=c5"))
        .await
        .expect("list");
    assert_eq!(one.items.len(), 1);

    let mut lp = ListParams::default().labels("tier").limit(3);
    let mut names = Vec::new();
    loop {
        let page = cms.list(&lp).await.expect("page");
        names.extend(page.items.into_iter().filter_map(|c| c.metadata.name));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => lp = lp.continue_token(&c),
            None => break,
        }
    }
    assert_eq!(names, ["c0", "c1", "c2", "c3", "c4", "c5", "c6"]);

    // Across all namespaces: our seven plus whatever the server bootstraps elsewhere.
    let everywhere: Api<ConfigMap> = Api::all(client);
    let all = everywhere
        .list(&ListParams::default().labels("tier"))
        .await
        .expect("list all");
    assert_eq!(all.items.len(), 7);

    let outcome = cms
        .delete_collection(
            &DeleteParams::default(),
            &ListParams::default().labels("tier=back"),
        )
        .await
        .expect("delete collection");
    if let DeleteOutcome::Pending(list) = outcome {
        assert_eq!(list.items.len(), 3);
    }
    let left = cms
        .list(&ListParams::default().labels("tier"))
        .await
        .expect("list");
    assert_eq!(left.items.len(), 4);
}

#[tokio::test]
async fn typed_watch() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client_for(&server), "default");
    let rv = cms
        .list(&ListParams::default())
        .await
        .expect("list")
        .metadata
        .resource_version
        .unwrap_or_default();
    let mut events = cms
        .watch(
            &ListParams::default()
                .labels("watched=yes")
                .at(&rv)
                .bookmarks()
                .timeout(30),
        )
        .await
        .expect("watch");
    cms.create(&PostParams::default(), &cm("ignored", &[]))
        .await
        .expect("create");
    cms.create(&PostParams::default(), &cm("seen", &[("watched", "yes")]))
        .await
        .expect("create");
    let ev = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match events.next().await {
                Some(Ok(WatchEvent::Bookmark(_))) => continue,
                other => return other,
            }
        }
    })
    .await
    .expect("event within 10s");
    match ev {
        Some(Ok(WatchEvent::Added(c))) => assert_eq!(c.metadata.name.as_deref(), Some("seen")),
        other => panic!("expected ADDED seen, got {other:?}"),
    }
}

#[tokio::test]
async fn status_and_scale_subresources() {
    let server = TestServer::start().await;
    let deps: Api<Deployment> = Api::namespaced(client_for(&server), "default");
    deps.create(&PostParams::default(), &deployment("web", 1))
        .await
        .expect("create");

    let st = deps
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"status": {"replicas": 1}, "spec": {"replicas": 9}})),
        )
        .await
        .expect("patch status");
    assert_eq!(st.status.as_ref().and_then(|s| s.replicas), Some(1));
    assert_eq!(
        st.spec.replicas,
        Some(1),
        "spec is not writable through /status"
    );
    let got = deps.get_status("web").await.expect("get status");
    assert_eq!(got.status.and_then(|s| s.replicas), Some(1));

    let mut with_status = deps.get("web").await.expect("get");
    if let Some(s) = with_status.status.as_mut() {
        s.ready_replicas = Some(1);
    }
    let replaced = deps
        .replace_status("web", &PostParams::default(), &with_status)
        .await
        .expect("replace status");
    assert_eq!(replaced.status.and_then(|s| s.ready_replicas), Some(1));

    let scale = deps.get_scale("web").await.expect("get scale");
    assert_eq!(scale.spec.as_ref().and_then(|s| s.replicas), Some(1));
    assert_eq!(
        scale.status.as_ref().and_then(|s| s.selector.as_deref()),
        Some("app=web")
    );
    let mut bigger = scale.clone();
    if let Some(spec) = bigger.spec.as_mut() {
        spec.replicas = Some(3);
    }
    let scaled = deps
        .replace_scale("web", &PostParams::default(), &bigger)
        .await
        .expect("replace scale");
    assert_eq!(scaled.spec.and_then(|s| s.replicas), Some(3));
    deps.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 5}})),
    )
    .await
    .expect("patch scale");
    assert_eq!(deps.get("web").await.expect("get").spec.replicas, Some(5));
}

#[tokio::test]
async fn cluster_scoped_kinds() {
    let server = TestServer::start().await;
    let nss: Api<Namespace> = Api::all(client_for(&server));
    let mut ns = Namespace::default();
    ns.metadata.name = Some("team-z".into());
    nss.create(&PostParams::default(), &ns)
        .await
        .expect("create namespace");
    let names: Vec<String> = nss
        .list(&ListParams::default())
        .await
        .expect("list")
        .items
        .into_iter()
        .filter_map(|n| n.metadata.name)
        .collect();
    assert!(
        names.iter().any(|n| n == "team-z") && names.iter().any(|n| n == "default"),
        "{names:?}"
    );
    let cms: Api<ConfigMap> = Api::namespaced(nss.client().clone(), "team-z");
    cms.create(&PostParams::default(), &cm("inside", &[]))
        .await
        .expect("create in the new namespace");
    let err = Api::<ConfigMap>::namespaced(nss.client().clone(), "nowhere")
        .create(&PostParams::default(), &cm("x", &[]))
        .await
        .expect_err("namespace missing");
    assert!(err.is_not_found(), "{err}");
    assert_eq!(
        err.to_string(),
        "NotFound (404): namespaces \"nowhere\" not found"
    );
}

#[tokio::test]
async fn server_side_apply() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client_for(&server), "default");
    let desired = json!({"apiVersion": "v1", "kind": "ConfigMap",
                         "metadata": {"name": "applied"}, "data": {"a": "1"}});
    let made = cms
        .patch(
            "applied",
            &PatchParams::apply("keelson-test"),
            &Patch::Apply(&desired),
        )
        .await
        .expect("apply creates");
    assert_eq!(
        made.data
            .as_ref()
            .and_then(|d| d.get("a"))
            .map(String::as_str),
        Some("1")
    );
    let managers: Vec<String> = made
        .metadata
        .managed_fields
        .unwrap_or_default()
        .into_iter()
        .filter_map(|m| m.manager)
        .collect();
    assert_eq!(managers, ["keelson-test"]);

    // Another manager taking the same field conflicts unless it forces.
    let theirs = json!({"apiVersion": "v1", "kind": "ConfigMap",
                        "metadata": {"name": "applied"}, "data": {"a": "2"}});
    let err = cms
        .patch(
            "applied",
            &PatchParams::apply("other"),
            &Patch::Apply(&theirs),
        )
        .await
        .expect_err("conflict");
    assert!(err.is_conflict(), "{err}");
    let forced = cms
        .patch(
            "applied",
            &PatchParams::apply("other").force(),
            &Patch::Apply(&theirs),
        )
        .await
        .expect("forced apply");
    assert_eq!(
        forced
            .data
            .as_ref()
            .and_then(|d| d.get("a"))
            .map(String::as_str),
        Some("2")
    );
}
