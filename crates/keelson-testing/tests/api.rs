//! The API server's object semantics, through kube-rs as a real client would use it.

use futures::{StreamExt, TryStreamExt};
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Namespace};
use keelson_testing::TestServer;
use kube::api::{
    Api, DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent, WatchParams,
};
use kube::Client;
use serde_json::json;

async fn client(server: &TestServer) -> Client {
    Client::try_from(server.kube_config().await.expect("kubeconfig")).expect("client")
}

fn cm(name: &str, labels: serde_json::Value) -> ConfigMap {
    serde_json::from_value(json!({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": name, "labels": labels},
        "data": {"k": "v"},
    }))
    .unwrap()
}

fn api_err(e: kube::Error) -> (u16, String, String) {
    match e {
        kube::Error::Api(s) => (s.code, s.reason.clone(), s.message.clone()),
        other => panic!("expected an API error, got {other:?}"),
    }
}

#[tokio::test]
async fn crud_sets_server_fields_and_detects_conflicts() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let created = cms
        .create(&PostParams::default(), &cm("a", json!({"app": "web"})))
        .await
        .unwrap();
    let meta = &created.metadata;
    assert!(meta.uid.as_deref().is_some_and(|u| u.len() == 36));
    assert!(meta.creation_timestamp.is_some());
    let rv1: i64 = meta.resource_version.as_deref().unwrap().parse().unwrap();

    let (code, reason, message) = api_err(
        cms.create(&PostParams::default(), &cm("a", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "AlreadyExists"));
    assert_eq!(message, "configmaps \"a\" already exists");

    let mut updated = created.clone();
    updated.data = Some([("k".to_string(), "v2".to_string())].into());
    let after = cms
        .replace("a", &PostParams::default(), &updated)
        .await
        .unwrap();
    let rv2: i64 = after
        .metadata
        .resource_version
        .as_deref()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rv2 > rv1);
    assert_eq!(after.metadata.uid, created.metadata.uid);

    // `updated` still carries the first resourceVersion: stale.
    let (code, reason, message) = api_err(
        cms.replace("a", &PostParams::default(), &updated)
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (409, "Conflict"));
    assert_eq!(message, "Operation cannot be fulfilled on configmaps \"a\": the object has been modified; please apply your changes to the latest version and try again");

    let (code, reason, message) = api_err(cms.get("nope").await.unwrap_err());
    assert_eq!(
        (code, reason.as_str(), message.as_str()),
        (404, "NotFound", "configmaps \"nope\" not found")
    );

    cms.delete("a", &DeleteParams::default()).await.unwrap();
    assert_eq!(api_err(cms.get("a").await.unwrap_err()).0, 404);
}

#[tokio::test]
async fn generate_name_and_validation() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let mut c = cm("", json!({}));
    c.metadata.name = None;
    c.metadata.generate_name = Some("gen-".into());
    let made = cms.create(&PostParams::default(), &c).await.unwrap();
    let name = made.metadata.name.unwrap();
    assert!(name.starts_with("gen-") && name.len() == 9, "{name}");

    let (code, reason, message) = api_err(
        cms.create(&PostParams::default(), &cm("Bad_Name", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (422, "Invalid"));
    assert!(
        message.starts_with(
            "ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\""
        ),
        "{message}"
    );

    let missing: Api<ConfigMap> = Api::namespaced(client(&server).await, "nope");
    let (code, _, message) = api_err(
        missing
            .create(&PostParams::default(), &cm("x", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code, message.as_str()),
        (404, "namespaces \"nope\" not found")
    );
}

#[tokio::test]
async fn label_and_field_selectors_and_pagination() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    for i in 0..7 {
        let tier = if i % 2 == 0 { "front" } else { "back" };
        cms.create(
            &PostParams::default(),
            &cm(&format!("c{i}"), json!({"tier": tier})),
        )
        .await
        .unwrap();
    }
    let names = |l: kube::core::ObjectList<ConfigMap>| -> Vec<String> {
        l.items
            .into_iter()
            .map(|c| c.metadata.name.unwrap())
            .collect()
    };
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier=front"))
                .await
                .unwrap()
        ),
        ["c0", "c2", "c4", "c6"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("tier notin (front)"))
                .await
                .unwrap()
        ),
        ["c1", "c3", "c5"]
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().labels("!tier"))
                .await
                .unwrap()
        ),
        Vec::<String>::new()
    );
    assert_eq!(
        names(
            cms.list(&ListParams::default().fields("metadata.name=c3"))
                .await
                .unwrap()
        ),
        ["c3"]
    );
    let (code, _, message) = api_err(
        cms.list(&ListParams::default().fields("spec.nodeName=x"))
            .await
            .unwrap_err(),
    );
    assert_eq!(
        (code, message.as_str()),
        (400, "\"spec.nodeName\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"")
    );

    let page1 = cms.list(&ListParams::default().limit(3)).await.unwrap();
    assert_eq!(names(page1.clone()), ["c0", "c1", "c2"]);
    assert_eq!(page1.metadata.remaining_item_count, Some(4));
    let token = page1.metadata.continue_.clone().unwrap();
    // A write between pages does not show up: the pages share one snapshot.
    cms.create(&PostParams::default(), &cm("c7", json!({})))
        .await
        .unwrap();
    let page2 = cms
        .list(&ListParams::default().limit(3).continue_token(&token))
        .await
        .unwrap();
    assert_eq!(names(page2.clone()), ["c3", "c4", "c5"]);
    let page3 = cms
        .list(
            &ListParams::default()
                .limit(3)
                .continue_token(page2.metadata.continue_.as_deref().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(names(page3.clone()), ["c6"]);
    assert!(page3.metadata.continue_.is_none());
}

#[tokio::test]
async fn watch_sees_changes_and_selector_transitions() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let start = cms
        .create(&PostParams::default(), &cm("w", json!({"sel": "yes"})))
        .await
        .unwrap();
    let rv = start.metadata.resource_version.clone().unwrap();
    let mut stream = cms
        .watch(&WatchParams::default().labels("sel=yes").timeout(10), &rv)
        .await
        .unwrap()
        .boxed();
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"k": "2"}})),
    )
    .await
    .unwrap();
    cms.patch(
        "w",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {"sel": "no"}}})),
    )
    .await
    .unwrap();
    cms.create(&PostParams::default(), &cm("other", json!({"sel": "yes"})))
        .await
        .unwrap();
    cms.delete("other", &DeleteParams::default()).await.unwrap();
    let mut seen = Vec::new();
    while seen.len() < 4 {
        match stream.try_next().await.unwrap().expect("stream open") {
            WatchEvent::Added(o) => seen.push(format!("ADDED {}", o.metadata.name.unwrap())),
            WatchEvent::Modified(o) => seen.push(format!("MODIFIED {}", o.metadata.name.unwrap())),
            WatchEvent::Deleted(o) => seen.push(format!("DELETED {}", o.metadata.name.unwrap())),
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("watch error {e:?}"),
        }
    }
    // The label change takes "w" out of the selection: a DELETED for this watcher.
    assert_eq!(
        seen,
        ["MODIFIED w", "DELETED w", "ADDED other", "DELETED other"]
    );
}

#[tokio::test]
async fn finalizers_hold_deletion_and_namespaces_terminate() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let mut held = cm("held", json!({}));
    held.metadata.finalizers = Some(vec!["example.com/hold".into()]);
    cms.create(&PostParams::default(), &held).await.unwrap();
    cms.delete("held", &DeleteParams::default()).await.unwrap();
    let still = cms.get("held").await.unwrap();
    assert!(still.metadata.deletion_timestamp.is_some());
    cms.patch(
        "held",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"finalizers": null}})),
    )
    .await
    .unwrap();
    assert_eq!(api_err(cms.get("held").await.unwrap_err()).0, 404);

    let nss: Api<Namespace> = Api::all(c.clone());
    let ns: Namespace = serde_json::from_value(json!({"metadata": {"name": "doomed"}})).unwrap();
    let made = nss.create(&PostParams::default(), &ns).await.unwrap();
    assert_eq!(made.status.unwrap().phase.as_deref(), Some("Active"));
    nss.delete("doomed", &DeleteParams::default())
        .await
        .unwrap();
    let terminating = nss.get("doomed").await.unwrap();
    assert_eq!(
        terminating.status.unwrap().phase.as_deref(),
        Some("Terminating")
    );
    let inside: Api<ConfigMap> = Api::namespaced(c, "doomed");
    let (code, reason, message) = api_err(
        inside
            .create(&PostParams::default(), &cm("x", json!({})))
            .await
            .unwrap_err(),
    );
    assert_eq!((code, reason.as_str()), (403, "Forbidden"));
    assert!(
        message.ends_with("because it is being terminated"),
        "{message}"
    );
}

#[tokio::test]
async fn status_and_scale_subresources_and_generation() {
    let server = TestServer::start().await;
    let deps: Api<Deployment> = Api::namespaced(client(&server).await, "default");
    let d: Deployment = serde_json::from_value(json!({
        "metadata": {"name": "web"},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}},
        "status": {"replicas": 99},
    }))
    .unwrap();
    let made = deps.create(&PostParams::default(), &d).await.unwrap();
    assert_eq!(made.metadata.generation, Some(1));
    assert!(
        made.status.is_none_or(|s| s.replicas.is_none()),
        "status is not settable on create"
    );

    // The main endpoint ignores status; a spec change bumps generation.
    let patched = deps
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 2}, "status": {"replicas": 5}})),
        )
        .await
        .unwrap();
    assert_eq!(patched.metadata.generation, Some(2));
    assert!(patched.status.is_none_or(|s| s.replicas.is_none()));

    // /status ignores everything else.
    let st = deps
        .patch_status(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"replicas": 7}, "status": {"replicas": 2}})),
        )
        .await
        .unwrap();
    assert_eq!(st.status.unwrap().replicas, Some(2));
    assert_eq!(st.spec.replicas, Some(2));
    assert_eq!(st.metadata.generation, Some(2));

    let scale = deps.get_scale("web").await.unwrap();
    assert_eq!(scale.spec.unwrap().replicas, Some(2));
    assert_eq!(scale.status.unwrap().selector.as_deref(), Some("app=web"));
    deps.patch_scale(
        "web",
        &PatchParams::default(),
        &Patch::Merge(json!({"spec": {"replicas": 4}})),
    )
    .await
    .unwrap();
    assert_eq!(deps.get("web").await.unwrap().spec.replicas, Some(4));
}

#[tokio::test]
async fn negotiation_and_limits_answer_with_status() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let send = |req: http::Request<Vec<u8>>| {
        let c = c.clone();
        async move {
            let resp = c.send(req.map(kube::client::Body::from)).await.unwrap();
            let code = resp.status().as_u16();
            let body = json_body(resp).await;
            (code, body)
        }
    };
    let (code, body) = send(
        http::Request::get("/api/v1/namespaces/default/configmaps")
            .header("Accept", "application/vnd.kubernetes.protobuf")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(code, 406);
    assert_eq!(body["reason"], "NotAcceptable");

    let (code, body) = send(
        http::Request::post("/api/v1/namespaces/default/configmaps")
            .header("Content-Type", "text/plain")
            .body(vec![1, 2, 3])
            .unwrap(),
    )
    .await;
    assert_eq!(code, 415);
    assert_eq!(body["reason"], "UnsupportedMediaType");

    let big = serde_json::to_vec(
        &json!({"metadata": {"name": "big"}, "data": {"x": "a".repeat(4 * 1024 * 1024)}}),
    )
    .unwrap();
    let (code, body) = send(
        http::Request::post("/api/v1/namespaces/default/configmaps")
            .header("Content-Type", "application/json")
            .body(big)
            .unwrap(),
    )
    .await;
    assert_eq!(code, 413);
    assert_eq!(body["reason"], "RequestEntityTooLarge");

    let (code, body) = send(
        http::Request::post("/api/v1/namespaces/default/configmaps")
            .header("Content-Type", "application/json")
            .body(b"{not json".to_vec())
            .unwrap(),
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(body["reason"], "BadRequest");

    let (code, body) = send(
        http::Request::get("/apis/nope.example.com/v1/things")
            .body(vec![])
            .unwrap(),
    )
    .await;
    assert_eq!(code, 404);
    assert_eq!(body["kind"], "Status");

    let (code, body) = send(
        http::Request::put("/api/v1/namespaces/default/configmaps")
            .header("Content-Type", "application/json")
            .body(b"{}".to_vec())
            .unwrap(),
    )
    .await;
    assert_eq!(code, 405, "{body}");
}

async fn json_body(resp: http::Response<kube::client::Body>) -> serde_json::Value {
    use http_body_util::BodyExt;
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
}

#[tokio::test]
async fn metrics_health_and_discovery() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    cms.create(&PostParams::default(), &cm("m", json!({})))
        .await
        .unwrap();
    cms.list(&ListParams::default()).await.unwrap();
    let text = c
        .request_text(http::Request::get("/metrics").body(vec![]).unwrap())
        .await
        .unwrap();
    let has = |needle: &str| {
        text.lines()
            .any(|l| l.starts_with(needle) && l.contains("resource=\"configmaps\""))
    };
    assert!(
        has("apiserver_request_total{")
            && text.contains("verb=\"POST\"")
            && text.contains("code=\"201\""),
        "{text}"
    );
    assert!(has("apiserver_request_duration_seconds_bucket{"));
    assert!(text.contains("apiserver_current_inflight_requests{request_kind=\"readOnly\"}"));
    assert!(text.contains("apiserver_storage_objects{resource=\"configmaps\"} 1"));
    assert!(text
        .contains("etcd_request_duration_seconds_bucket{operation=\"create\",type=\"configmaps\""));

    for path in ["/healthz", "/livez", "/readyz"] {
        let body = c
            .request_text(http::Request::get(path).body(vec![]).unwrap())
            .await
            .unwrap();
        assert_eq!(body, "ok");
    }

    let discovery = kube::Discovery::new(c.clone()).run().await.unwrap();
    let apps = discovery.get("apps").expect("apps group");
    let (deploy, caps) = apps
        .recommended_resources()
        .into_iter()
        .find(|(r, _)| r.plural == "deployments")
        .expect("deployments");
    assert_eq!(deploy.kind, "Deployment");
    assert_eq!(caps.scope, kube::discovery::Scope::Namespaced);
    assert!(caps
        .subresources
        .iter()
        .any(|(s, _)| s.plural == "deployments/scale" || s.plural == "scale"));
    let version = c.apiserver_version().await.unwrap();
    assert_eq!(
        (version.major.as_str(), version.minor.as_str()),
        ("1", "37")
    );
}

#[tokio::test]
async fn pod_logs_are_empty_until_a_node_runs_the_pod() {
    use k8s_openapi::api::core::v1::Pod;
    use kube::api::LogParams;
    let server = TestServer::start().await;
    let pods: Api<Pod> = Api::namespaced(client(&server).await, "default");
    let pod = |name: &str, spec: serde_json::Value| -> Pod {
        serde_json::from_value(json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec,
        }))
        .unwrap()
    };
    let one = json!({"containers": [{"name": "c", "image": "nginx"}]});
    let two = json!({"initContainers": [{"name": "setup", "image": "busybox"}],
                     "containers": [{"name": "a", "image": "nginx"}, {"name": "b", "image": "nginx"}]});
    let mut bound = one.clone();
    bound["nodeName"] = json!("n1");
    for (name, spec) in [("one", one), ("two", two), ("bound", bound)] {
        pods.create(&PostParams::default(), &pod(name, spec))
            .await
            .unwrap();
    }
    // A pod no node was assigned streams nothing, as from kube-apiserver.
    assert_eq!(pods.logs("one", &LogParams::default()).await.unwrap(), "");
    let container = |c: &str| LogParams {
        container: Some(c.to_string()),
        ..Default::default()
    };
    assert_eq!(pods.logs("two", &container("setup")).await.unwrap(), "");
    let (code, reason, message) =
        api_err(pods.logs("two", &LogParams::default()).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (400, "BadRequest"));
    assert_eq!(
        message,
        "a container name must be specified for pod two, choose one of: [a b] or one of the init containers: [setup]"
    );
    let (code, _, message) = api_err(pods.logs("two", &container("x")).await.unwrap_err());
    assert_eq!(
        (code, message.as_str()),
        (400, "container x is not valid for pod two")
    );
    // A bound pod's log lives on a kubelet; there is none.
    let (code, reason, _) = api_err(pods.logs("bound", &LogParams::default()).await.unwrap_err());
    assert_eq!((code, reason.as_str()), (501, "NotImplemented"));
    // exec, attach and the like are not served either (they used to answer
    // with the pod itself); status still reads the object.
    let req = http::Request::get("/api/v1/namespaces/default/pods/one/proxy")
        .body(Vec::new())
        .unwrap();
    let err = client(&server).await.request_text(req).await.unwrap_err();
    assert_eq!(api_err(err).0, 501);
    let status = pods.get_status("one").await.unwrap();
    assert_eq!(status.metadata.name.as_deref(), Some("one"));
}
