//! Server-side printing and metadata-only responses on the wire: Tables
//! (`as=Table`) and PartialObjectMetadata(List) for get, list and watch.

use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod, Service};
use keelson_testing::TestServer;
use kube::api::{Api, PostParams};
use kube::Client;
use serde_json::{json, Value};
use std::time::Duration;

const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
const PARTIAL: &str = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1";
const PARTIAL_LIST: &str = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1";

async fn client(server: &TestServer) -> Client {
    Client::try_from(server.kube_config().await.expect("kubeconfig")).expect("client")
}

/// GETs `path` with an Accept header; the status code and the JSON body.
async fn get(c: &Client, path: &str, accept: &str) -> (u16, Value) {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (code, serde_json::from_slice(&bytes).expect("JSON body"))
}

/// Column names of a Table, upper-cased as kubectl prints them, `*` for `-o wide` ones.
fn headers(table: &Value) -> Vec<String> {
    table["columnDefinitions"]
        .as_array()
        .expect("column definitions")
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap().to_uppercase();
            if c["priority"] == 0 {
                name
            } else {
                format!("{name}*")
            }
        })
        .collect()
}

async fn create<K>(api: &Api<K>, obj: Value) -> K
where
    K: kube::Resource
        + Clone
        + k8s_openapi::serde::de::DeserializeOwned
        + k8s_openapi::serde::Serialize
        + std::fmt::Debug,
{
    api.create(
        &PostParams::default(),
        &serde_json::from_value(obj).unwrap(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn kubectl_get_tables_for_deployments_and_services() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let deployments: Api<Deployment> = Api::namespaced(c.clone(), "default");
    create(&deployments, json!({"metadata": {"name": "web"}, "spec": {"replicas": 3,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}, {"name": "log", "image": "busybox"}]}}}}))
    .await;
    let (code, t) = get(
        &c,
        "/apis/apps/v1/namespaces/default/deployments/web",
        TABLE,
    )
    .await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(
        (t["kind"].as_str(), t["apiVersion"].as_str()),
        (Some("Table"), Some("meta.k8s.io/v1"))
    );
    assert_eq!(
        headers(&t),
        [
            "NAME",
            "READY",
            "UP-TO-DATE",
            "AVAILABLE",
            "AGE",
            "CONTAINERS*",
            "IMAGES*",
            "SELECTOR*"
        ]
    );
    let cells = &t["rows"][0]["cells"];
    assert_eq!(cells[0], "web");
    assert!(cells[1].as_str().unwrap().ends_with("/3"), "{cells}");
    assert!(
        cells[4].as_str().unwrap().ends_with('s'),
        "age of a new object: {cells}"
    );
    assert_eq!(cells[5], "nginx,log");
    assert_eq!(cells[6], "nginx:1.27,busybox");
    assert_eq!(cells[7], "app=web");
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(t["rows"][0]["object"]["metadata"]["name"], "web");

    let services: Api<Service> = Api::namespaced(c.clone(), "default");
    create(
        &services,
        json!({"metadata": {"name": "web"}, "spec": {"type": "NodePort",
        "selector": {"app": "web"},
        "ports": [{"name": "http", "port": 80, "protocol": "TCP", "nodePort": 30080},
                  {"name": "https", "port": 443, "protocol": "TCP", "nodePort": 30443}]}}),
    )
    .await;
    let (code, t) = get(
        &c,
        "/api/v1/namespaces/default/services?fieldSelector=metadata.name%3Dweb",
        TABLE,
    )
    .await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(
        headers(&t),
        [
            "NAME",
            "TYPE",
            "CLUSTER-IP",
            "EXTERNAL-IP",
            "PORT(S)",
            "AGE",
            "SELECTOR*"
        ]
    );
    let cells = &t["rows"][0]["cells"];
    assert_eq!(cells[1], "NodePort");
    assert_eq!(cells[3], "<none>");
    assert_eq!(cells[4], "80:30080/TCP,443:30443/TCP");
    assert_eq!(cells[6], "app=web");
    assert!(t["metadata"]["resourceVersion"]
        .as_str()
        .is_some_and(|rv| !rv.is_empty()));
}

#[tokio::test]
async fn pod_table_shows_status_reason_and_last_restart() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    let created = create(&pods, json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "app", "image": "busybox"}]}})).await;
    let five_minutes_ago = (std::time::SystemTime::now() - Duration::from_secs(300))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let finished = k8s_openapi::jiff::Timestamp::from_second(five_minutes_ago as i64)
        .unwrap()
        .to_string();
    let mut with_status = serde_json::to_value(&created).unwrap();
    with_status["status"] = json!({"phase": "Running", "podIPs": [{"ip": "10.244.0.7"}],
        "containerStatuses": [{"name": "app", "image": "busybox", "imageID": "", "ready": false, "restartCount": 5,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}},
            "lastState": {"terminated": {"exitCode": 1, "finishedAt": finished}}}]});
    let with_status: Pod = serde_json::from_value(with_status).unwrap();
    pods.replace_status("p", &PostParams::default(), &with_status)
        .await
        .unwrap();

    let (code, t) = get(&c, "/api/v1/namespaces/default/pods", TABLE).await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(
        headers(&t),
        [
            "NAME",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "IP*",
            "NODE*",
            "NOMINATED NODE*",
            "READINESS GATES*"
        ]
    );
    let cells = t["rows"][0]["cells"].as_array().unwrap();
    assert_eq!(
        cells[..3],
        [json!("p"), json!("0/1"), json!("CrashLoopBackOff")]
    );
    let restarts = cells[3].as_str().unwrap();
    assert!(
        restarts.starts_with("5 (5m") && restarts.ends_with(" ago)"),
        "{restarts}"
    );
    assert_eq!(
        cells[5..],
        [
            json!("10.244.0.7"),
            json!("<none>"),
            json!("<none>"),
            json!("<none>")
        ]
    );
}

#[tokio::test]
async fn list_tables_page_and_carry_the_object_asked_for() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    for n in ["a", "b", "c"] {
        create(
            &cms,
            json!({"metadata": {"name": n, "labels": {"set": "t"}}, "data": {"x": "1", "y": "2"}}),
        )
        .await;
    }
    let base = "/api/v1/namespaces/default/configmaps?labelSelector=set%3Dt";
    let (code, page) = get(&c, &format!("{base}&limit=2&includeObject=None"), TABLE).await;
    assert_eq!(code, 200, "{page}");
    assert_eq!(headers(&page), ["NAME", "DATA", "AGE"]);
    let rows = page["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["cells"][1], 2);
    assert_eq!(rows[0]["object"], Value::Null);
    let token = page["metadata"]["continue"]
        .as_str()
        .expect("continue token");

    let (_, rest) = get(
        &c,
        &format!("{base}&limit=2&continue={token}&includeObject=Object"),
        TABLE,
    )
    .await;
    assert_eq!(rest["rows"][0]["cells"][0], "c");
    assert_eq!(rest["rows"][0]["object"]["kind"], "ConfigMap");
    assert_eq!(rest["rows"][0]["object"]["data"]["y"], "2");

    let (code, bad) = get(&c, &format!("{base}&includeObject=All"), TABLE).await;
    assert_eq!(code, 400);
    assert_eq!(
        bad["message"],
        "Unable to find resource: includeObject: Unsupported value: \"All\": supported values: \"Metadata\", \"None\", \"Object\""
    );

    let (_, beta) = get(
        &c,
        base,
        "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
    )
    .await;
    assert_eq!(beta["apiVersion"], "meta.k8s.io/v1beta1");
    assert_eq!(
        beta["rows"][0]["object"]["apiVersion"],
        "meta.k8s.io/v1beta1"
    );
}

#[tokio::test]
async fn kinds_without_printers() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let roles: Api<k8s_openapi::api::rbac::v1::Role> = Api::namespaced(c.clone(), "default");
    create(&roles, json!({"metadata": {"name": "reader"}, "rules": []})).await;
    let (code, t) = get(
        &c,
        "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles",
        TABLE,
    )
    .await;
    assert_eq!(code, 200, "{t}");
    assert_eq!(headers(&t), ["NAME", "CREATED AT"]);
    let created_at = t["rows"][0]["cells"][1].as_str().unwrap();
    assert!(
        created_at.len() == 20 && created_at.ends_with('Z'),
        "{created_at}"
    );
}

/// Reads `n` watch events (one JSON object per line) or fails after a few seconds.
async fn watch_events(c: &Client, path: &str, accept: &str, n: usize) -> Vec<Value> {
    let req = http::Request::get(path)
        .header(http::header::ACCEPT, accept)
        .body(kube::client::Body::empty())
        .unwrap();
    let resp = c.send(req).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let mut body = resp.into_body();
    let mut buf = Vec::new();
    let mut events = Vec::new();
    while events.len() < n {
        let frame = tokio::time::timeout(Duration::from_secs(5), body.frame())
            .await
            .expect("watch event in time")
            .expect("stream open")
            .expect("frame");
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
            while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                events.push(serde_json::from_slice(&line).expect("event is JSON"));
            }
        }
    }
    events
}

#[tokio::test]
async fn watch_tables_send_headers_once() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    for n in ["a", "b"] {
        create(&cms, json!({"metadata": {"name": n}, "data": {"k": "v"}})).await;
    }
    let events = watch_events(
        &c,
        "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0",
        TABLE,
        2,
    )
    .await;
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["kind"], "Table");
    assert_eq!(headers(&events[0]["object"]), ["NAME", "DATA", "AGE"]);
    assert_eq!(events[0]["object"]["rows"][0]["cells"][0], "a");
    assert_eq!(events[1]["object"]["columnDefinitions"], Value::Null);
    assert_eq!(events[1]["object"]["rows"][0]["cells"][0], "b");
}

#[tokio::test]
async fn partial_object_metadata_for_get_list_and_watch() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    create(
        &cms,
        json!({"metadata": {"name": "a", "labels": {"app": "x"}}, "data": {"secret-ish": "v"}}),
    )
    .await;

    let (code, one) = get(&c, "/api/v1/namespaces/default/configmaps/a", PARTIAL).await;
    assert_eq!(code, 200, "{one}");
    assert_eq!(
        (one["kind"].as_str(), one["apiVersion"].as_str()),
        (Some("PartialObjectMetadata"), Some("meta.k8s.io/v1"))
    );
    assert_eq!(one["metadata"]["labels"]["app"], "x");
    assert!(one["metadata"]["uid"].is_string());
    assert!(one.get("data").is_none());

    let (code, list) = get(
        &c,
        "/api/v1/namespaces/default/configmaps?labelSelector=app%3Dx",
        PARTIAL_LIST,
    )
    .await;
    assert_eq!(code, 200, "{list}");
    assert_eq!(list["kind"], "PartialObjectMetadataList");
    assert!(list["metadata"]["resourceVersion"].is_string());
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["kind"], "PartialObjectMetadata");
    assert_eq!(list["items"][0]["metadata"]["name"], "a");

    // Metadata informers ask this way (client-go's metadata client).
    let (code, err) = get(&c, "/api/v1/namespaces/default/configmaps", PARTIAL).await;
    assert_eq!(code, 406);
    assert_eq!(err["reason"], "NotAcceptable");
    assert_eq!(err["message"], "you requested PartialObjectMetadata, but the requested object is a list (*core.ConfigMapList)");
    let (code, err) = get(&c, "/api/v1/namespaces/default/configmaps/a", PARTIAL_LIST).await;
    assert_eq!(code, 406);
    assert_eq!(err["message"], "you requested PartialObjectMetadataList, but the requested object is not a list (*core.ConfigMap)");

    let events = watch_events(&c, "/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=0",
        "application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json", 1).await;
    assert_eq!(events[0]["type"], "ADDED");
    assert_eq!(events[0]["object"]["kind"], "PartialObjectMetadata");
    assert_eq!(events[0]["object"]["metadata"]["name"], "a");
    assert!(events[0]["object"].get("data").is_none());
}
