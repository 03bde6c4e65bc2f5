//! Server-side apply and managedFields, through kube-rs as controllers use them.

use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::ConfigMap;
use keelson_testing::TestServer;
use kube::api::{Api, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

async fn client(server: &TestServer) -> Client {
    Client::try_from(server.kube_config().await.expect("kubeconfig")).expect("client")
}

fn cm(data: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": data})
}

fn deployment(replicas: i64) -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web"},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "ports": [{"containerPort": 80}]}]}
            }
        }
    })
}

/// `(manager, operation, subresource) -> fieldsV1` of an object's entries.
fn entries(v: &Value) -> Vec<(String, String, String, Value)> {
    v["metadata"]["managedFields"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (
                s("manager"),
                s("operation"),
                s("subresource"),
                e["fieldsV1"].clone(),
            )
        })
        .collect()
}

/// Sends a raw request and returns the status code and JSON body.
async fn raw(client: &Client, req: http::Request<Vec<u8>>) -> (u16, Value) {
    let resp = client
        .send(req.map(kube::client::Body::from))
        .await
        .unwrap();
    let code = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
}

fn apply_request(path: &str, query: &str, body: &Value) -> http::Request<Vec<u8>> {
    http::Request::patch(format!("{path}?{query}"))
        .header("content-type", "application/apply-patch+yaml")
        .body(serde_json::to_vec(body).unwrap())
        .unwrap()
}

#[tokio::test]
async fn apply_creates_then_leaves_an_unchanged_object_alone() {
    let server = TestServer::start().await;
    let client = client(&server).await;
    let (code, created) = raw(
        &client,
        apply_request(
            "/api/v1/namespaces/default/configmaps/cfg",
            "fieldManager=mgr",
            &cm(json!({"a": "1"})),
        ),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(
        entries(&created),
        vec![(
            "mgr".into(),
            "Apply".into(),
            "".into(),
            json!({"f:data": {"f:a": {}}})
        )]
    );
    assert!(created["metadata"]["uid"]
        .as_str()
        .is_some_and(|u| u.len() == 36));

    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let again = cms
        .patch(
            "cfg",
            &PatchParams::apply("mgr"),
            &Patch::Apply(cm(json!({"a": "1"}))),
        )
        .await
        .unwrap();
    assert_eq!(
        again.metadata.resource_version.as_deref(),
        created["metadata"]["resourceVersion"].as_str()
    );
    assert_eq!(
        serde_json::to_value(&again.metadata.managed_fields).unwrap(),
        created["metadata"]["managedFields"]
    );
}

#[tokio::test]
async fn apply_conflicts_name_the_other_manager_and_force_takes_over() {
    let server = TestServer::start().await;
    let client = client(&server).await;
    let deploys: Api<Deployment> = Api::namespaced(client.clone(), "default");
    let created: Deployment = serde_json::from_value(deployment(2)).unwrap();
    deploys
        .create(
            &PostParams {
                field_manager: Some("kubectl-client-side-apply".into()),
                ..Default::default()
            },
            &created,
        )
        .await
        .unwrap();

    let (code, status) = raw(
        &client,
        apply_request(
            "/apis/apps/v1/namespaces/default/deployments/web",
            "fieldManager=ci",
            &deployment(3),
        ),
    )
    .await;
    assert_eq!(code, 409);
    assert_eq!(status["reason"], "Conflict");
    assert_eq!(
        status["message"],
        "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using apps/v1: .spec.replicas"
    );
    assert_eq!(
        status["details"],
        json!({"causes": [{
            "reason": "FieldManagerConflict",
            "message": "conflict with \"kubectl-client-side-apply\" using apps/v1",
            "field": ".spec.replicas"
        }]})
    );

    let forced = deploys
        .patch(
            "web",
            &PatchParams::apply("ci").force(),
            &Patch::Apply(deployment(3)),
        )
        .await
        .unwrap();
    assert_eq!(forced.spec.replicas, Some(3));
    assert_eq!(forced.metadata.generation, Some(2));
    let list = entries(&serde_json::to_value(&forced).unwrap());
    let ci = list.iter().find(|e| e.0 == "ci").unwrap();
    assert_eq!(ci.1, "Apply");
    assert!(ci.3["f:spec"].get("f:replicas").is_some());
    let csa = list
        .iter()
        .find(|e| e.0 == "kubectl-client-side-apply")
        .unwrap();
    assert!(
        csa.3["f:spec"].get("f:replicas").is_none(),
        "ownership moved: {:?}",
        csa.3
    );
}

#[tokio::test]
async fn dropped_fields_go_unless_another_manager_owns_them() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let apply = |mgr: &'static str, data: Value| {
        let cms = cms.clone();
        async move {
            cms.patch("cfg", &PatchParams::apply(mgr), &Patch::Apply(cm(data)))
                .await
                .unwrap()
        }
    };
    apply("a", json!({"x": "1", "y": "2", "z": "3"})).await;
    apply("b", json!({"z": "3"})).await;
    let after = apply("a", json!({"x": "1"})).await;
    let data = after.data.unwrap();
    assert_eq!(
        data.keys().collect::<Vec<_>>(),
        vec!["x", "z"],
        "y dropped, z still b's"
    );
    let obj = cms.get("cfg").await.unwrap();
    let list = entries(&serde_json::to_value(&obj).unwrap());
    assert_eq!(
        list.iter().find(|e| e.0 == "a").unwrap().3,
        json!({"f:data": {"f:x": {}}})
    );
    assert_eq!(
        list.iter().find(|e| e.0 == "b").unwrap().3,
        json!({"f:data": {"f:z": {}}})
    );
}

#[tokio::test]
async fn writes_record_update_entries_and_clients_can_clear_them() {
    let server = TestServer::start().await;
    let cms: Api<ConfigMap> = Api::namespaced(client(&server).await, "default");
    let pp = |m: &str| PostParams {
        field_manager: Some(m.into()),
        ..Default::default()
    };
    let created = cms
        .create(
            &pp("creator"),
            &serde_json::from_value(cm(json!({"a": "1"}))).unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        entries(&serde_json::to_value(&created).unwrap()),
        vec![(
            "creator".into(),
            "Update".into(),
            "".into(),
            json!({"f:data": {".": {}, "f:a": {}}})
        )]
    );
    let patched = cms
        .patch(
            "cfg",
            &PatchParams {
                field_manager: Some("patcher".into()),
                ..Default::default()
            },
            &Patch::Merge(json!({"data": {"a": "2", "b": "3"}})),
        )
        .await
        .unwrap();
    let list = entries(&serde_json::to_value(&patched).unwrap());
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[1],
        (
            "patcher".into(),
            "Update".into(),
            "".into(),
            json!({"f:data": {"f:a": {}, "f:b": {}}})
        )
    );

    let mut cleared = patched.clone();
    cleared.metadata.managed_fields = Some(vec![]);
    let cleared = cms.replace("cfg", &pp("editor"), &cleared).await.unwrap();
    assert_eq!(cleared.metadata.managed_fields, None);
    // Not tracked again until the next apply, which credits what was set before it.
    let applied = cms
        .patch(
            "cfg",
            &PatchParams::apply("mgr"),
            &Patch::Apply(cm(json!({"c": "4"}))),
        )
        .await
        .unwrap();
    let list = entries(&serde_json::to_value(&applied).unwrap());
    assert_eq!(
        list[0],
        (
            "mgr".into(),
            "Apply".into(),
            "".into(),
            json!({"f:data": {"f:c": {}}})
        )
    );
    assert_eq!(list[1].0, "before-first-apply");
    assert_eq!(
        list[1].3,
        json!({"f:data": {".": {}, "f:a": {}, "f:b": {}}})
    );
}

#[tokio::test]
async fn apply_options_and_bad_configurations_are_refused_as_kube_apiserver_does() {
    let server = TestServer::start().await;
    let client = client(&server).await;
    let path = "/api/v1/namespaces/default/configmaps/cfg";
    let (code, status) = raw(&client, apply_request(path, "", &cm(json!({})))).await;
    assert_eq!(code, 422);
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply patch"
    );
    let merge = http::Request::patch(format!("{path}?force=true"))
        .header("content-type", "application/merge-patch+json")
        .body(b"{}".to_vec())
        .unwrap();
    let (code, status) = raw(&client, merge).await;
    assert_eq!(code, 422);
    assert_eq!(
        status["message"],
        "PatchOptions.meta.k8s.io \"\" is invalid: force: Forbidden: may not be specified for non-apply patch"
    );
    let (code, status) = raw(
        &client,
        apply_request(path, "fieldManager=m", &json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "dta": {}})),
    )
    .await;
    assert_eq!(code, 500);
    assert_eq!(
        status["message"],
        "failed to create typed patch object (/cfg; /v1, Kind=ConfigMap): .dta: field not declared in schema"
    );
    let (code, status) = raw(
        &client,
        apply_request(
            path,
            "fieldManager=m",
            &json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "cfg"}}),
        ),
    )
    .await;
    assert_eq!(
        (code, status["message"].as_str()),
        (400, Some("invalid object type: /v1, Kind=Secret"))
    );
    let (code, _) = raw(
        &client,
        apply_request(path, "fieldManager=m&dryRun=All", &cm(json!({"a": "1"}))),
    )
    .await;
    assert_eq!(code, 201);
    let cms: Api<ConfigMap> = Api::namespaced(client, "default");
    assert!(
        cms.get_opt("cfg").await.unwrap().is_none(),
        "a dry run stores nothing"
    );
}
