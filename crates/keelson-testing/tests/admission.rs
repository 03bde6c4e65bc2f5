//! Admission of writes as a client sees it: strict field validation and its
//! warnings, type errors, server-side defaults, Service addresses, and the
//! validation of built-in kinds.

use http_body_util::BodyExt;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{Pod, Service};
use keelson_testing::TestServer;
use kube::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use kube::Client;
use serde_json::{json, Value};

async fn client(server: &TestServer) -> Client {
    Client::try_from(server.kube_config().await.expect("kubeconfig")).expect("client")
}

/// A raw request: status code, `Warning` header texts, JSON body.
async fn send(
    c: &Client,
    method: &str,
    path: &str,
    content_type: &str,
    body: &str,
) -> (u16, Vec<String>, Value) {
    let req = http::Request::builder()
        .method(method)
        .uri(path)
        .header(http::header::CONTENT_TYPE, content_type)
        .body(kube::client::Body::from(body.as_bytes().to_vec()))
        .unwrap();
    let resp = c.send(req).await.unwrap();
    let code = resp.status().as_u16();
    let warnings = resp
        .headers()
        .get_all(http::header::WARNING)
        .iter()
        .map(|v| {
            let text = v.to_str().unwrap();
            let quoted = text.strip_prefix("299 - ").unwrap();
            serde_json::from_str::<String>(quoted).unwrap()
        })
        .collect();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (
        code,
        warnings,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

const DEPLOYMENTS: &str = "/apis/apps/v1/namespaces/default/deployments";

fn invalid_deployment(name: &str) -> String {
    format!(
        r#"{{"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {{"name": "{name}", "unknownMeta": "x", "labels": {{"app": "nginx"}}}},
        "spec": {{"unknown1": "val1", "paused": true, "paused": false,
            "selector": {{"matchLabels": {{"app": "nginx"}}}},
            "template": {{"metadata": {{"labels": {{"app": "nginx"}}}}, "spec": {{"containers": [{{
                "name": "nginx", "image": "nginx:latest", "unknownNested": "v",
                "imagePullPolicy": "Always", "imagePullPolicy": "Never"}}]}}}}}}}}"#
    )
}

const EXPECTED: [&str; 5] = [
    r#"unknown field "metadata.unknownMeta""#,
    r#"unknown field "spec.unknown1""#,
    r#"duplicate field "spec.paused""#,
    r#"unknown field "spec.template.spec.containers[0].unknownNested""#,
    r#"duplicate field "spec.template.spec.containers[0].imagePullPolicy""#,
];

#[tokio::test]
async fn strict_field_validation_refuses_unknown_and_duplicate_fields() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let (code, warnings, status) = send(
        &c,
        "POST",
        &format!("{DEPLOYMENTS}?fieldValidation=Strict"),
        "application/json",
        &invalid_deployment("strict"),
    )
    .await;
    assert_eq!((code, status["reason"].as_str()), (400, Some("BadRequest")));
    assert!(warnings.is_empty());
    assert_eq!(
        status["message"],
        format!(
            "Deployment in version \"v1\" cannot be handled as a Deployment: strict decoding error: {}",
            EXPECTED.join(", ")
        )
    );
    let deploys: Api<Deployment> = Api::namespaced(c, "default");
    assert!(deploys.get_opt("strict").await.unwrap().is_none());
}

#[tokio::test]
async fn warn_and_ignore_prune_unknown_fields() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    // Warn is the default.
    let (code, warnings, created) = send(
        &c,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &invalid_deployment("warned"),
    )
    .await;
    assert_eq!(code, 201, "{created}");
    assert_eq!(warnings, EXPECTED);
    assert!(created["metadata"].get("unknownMeta").is_none());
    assert!(created["spec"].get("unknown1").is_none());
    assert_eq!(created["spec"]["paused"], false, "the last duplicate wins");
    assert_eq!(
        created["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy"],
        "Never"
    );

    let (code, warnings, created) = send(
        &c,
        "POST",
        &format!("{DEPLOYMENTS}?fieldValidation=Ignore"),
        "application/json",
        &invalid_deployment("ignored"),
    )
    .await;
    assert_eq!((code, warnings.len()), (201, 0));
    assert!(created["spec"]["template"]["spec"]["containers"][0]
        .get("unknownNested")
        .is_none());
}

#[tokio::test]
async fn yaml_duplicates_are_reported_by_line() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let body = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  name: dup\ndata:\n  a: \"1\"\nbogus: 1\n";
    let (code, _, status) = send(
        &c,
        "POST",
        "/api/v1/namespaces/default/configmaps?fieldValidation=Strict",
        "application/yaml",
        body,
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        "ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: \
         yaml: unmarshal errors:\n  line 5: key \"name\" already set in map, unknown field \"bogus\""
    );
}

#[tokio::test]
async fn patches_report_patch_duplicates_then_unknown_fields() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let (code, _, _) = send(
        &c,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &invalid_deployment("p"),
    )
    .await;
    assert_eq!(code, 201);
    let patch = r#"{"spec": {"zzz": 1, "paused": true, "paused": false, "aaa": 2}}"#;
    let (code, warnings, _) = send(
        &c,
        "PATCH",
        &format!("{DEPLOYMENTS}/p"),
        "application/merge-patch+json",
        patch,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(
        warnings,
        [
            r#"duplicate field "spec.paused""#,
            r#"unknown field "spec.aaa""#,
            r#"unknown field "spec.zzz""#
        ]
    );
    let (code, _, status) = send(
        &c,
        "PATCH",
        &format!("{DEPLOYMENTS}/p?fieldValidation=Strict"),
        "application/json-patch+json",
        r#"[{"op": "add", "path": "/spec/typo", "value": 1, "foo": 2}]"#,
    )
    .await;
    assert_eq!((code, status["reason"].as_str()), (422, Some("Invalid")));
    let message = status["message"].as_str().unwrap();
    assert!(
        message.starts_with(r#" "" is invalid: patch: Invalid value: "{"#),
        "{message}"
    );
    assert!(
        message.ends_with(r#": strict decoding error: json patch unknown field "[0].foo", unknown field "spec.typo""#),
        "{message}"
    );
}

#[tokio::test]
async fn strategic_merge_patches_are_checked_like_the_patched_object() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let (code, _, _) = send(
        &c,
        "POST",
        DEPLOYMENTS,
        "application/json",
        &invalid_deployment("s"),
    )
    .await;
    assert_eq!(code, 201);
    let smp = "application/strategic-merge-patch+json";
    let url = format!("{DEPLOYMENTS}/s?fieldValidation=Strict");
    // Declared fields with directives: accepted, no warnings.
    let clean = r#"{"spec": {"replicas": 3, "template": {"spec": {
        "$setElementOrder/containers": [{"name": "nginx"}],
        "containers": [{"name": "nginx", "image": "nginx:1.27", "resources": {"limits": {"cpu": "250m"}}}]}}}}"#;
    let (code, warnings, obj) = send(&c, "PATCH", &url, smp, clean).await;
    assert_eq!((code, warnings.len()), (200, 0), "{obj}");
    assert_eq!(obj["spec"]["replicas"], 3);
    assert_eq!(
        obj["spec"]["template"]["spec"]["containers"][0]["image"],
        "nginx:1.27"
    );
    // An unknown field deep in a merged list entry.
    let (code, _, status) = send(
        &c,
        "PATCH",
        &url,
        smp,
        r#"{"spec": {"template": {"spec": {"containers": [{"name": "nginx", "imagePolicy": "x"}]}}}}"#,
    )
    .await;
    assert_eq!(
        (code, status["reason"].as_str()),
        (422, Some("Invalid")),
        "{status}"
    );
    let message = status["message"].as_str().unwrap();
    assert!(
        message.ends_with(
            r#"strict decoding error: unknown field "spec.template.spec.containers[0].imagePolicy""#
        ),
        "{message}"
    );
    // A type error.
    let (code, _, status) = send(&c, "PATCH", &url, smp, r#"{"spec": {"replicas": "3"}}"#).await;
    assert_eq!(code, 422, "{status}");
    assert!(
        status["message"]
            .as_str()
            .unwrap()
            .ends_with("json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"),
        "{status}"
    );
    // Warn: applied without the unknown field, with a warning.
    let warn_url = format!("{DEPLOYMENTS}/s?fieldValidation=Warn");
    let (code, warnings, obj) = send(
        &c,
        "PATCH",
        &warn_url,
        smp,
        r#"{"spec": {"replica": 5, "paused": true}}"#,
    )
    .await;
    assert_eq!(code, 200);
    assert_eq!(warnings, [r#"unknown field "spec.replica""#]);
    assert_eq!(
        (obj["spec"]["paused"].as_bool(), obj["spec"].get("replica")),
        (Some(true), None)
    );
}

#[tokio::test]
async fn type_errors_read_like_the_go_decoder() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let body = r#"{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "t"}, "spec": {"replicas": "2"}}"#;
    let (code, _, status) = send(&c, "POST", DEPLOYMENTS, "application/json", body).await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        "Deployment in version \"v1\" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32"
    );
    let body = r#"{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"password": "not base64!"}}"#;
    let (code, _, status) = send(
        &c,
        "POST",
        "/api/v1/namespaces/default/secrets",
        "application/json",
        body,
    )
    .await;
    assert_eq!(code, 400);
    assert_eq!(
        status["message"],
        "Secret in version \"v1\" cannot be handled as a Secret: illegal base64 data at input byte 3"
    );
}

#[tokio::test]
async fn created_objects_get_kube_apiserver_defaults() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    let pod: Pod = serde_json::from_value(json!({
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "c", "image": "busybox", "ports": [{"containerPort": 8080}]}]}
    }))
    .unwrap();
    let pod =
        serde_json::to_value(pods.create(&PostParams::default(), &pod).await.unwrap()).unwrap();
    let spec = &pod["spec"];
    assert_eq!(spec["restartPolicy"], "Always");
    assert_eq!(spec["dnsPolicy"], "ClusterFirst");
    assert_eq!(spec["terminationGracePeriodSeconds"], 30);
    assert_eq!(spec["schedulerName"], "default-scheduler");
    assert_eq!(spec["securityContext"], json!({}));
    assert_eq!(spec["enableServiceLinks"], true);
    assert_eq!(spec["serviceAccountName"], "default");
    assert_eq!(spec["priority"], 0);
    let container = &spec["containers"][0];
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(container["terminationMessagePath"], "/dev/termination-log");
    assert_eq!(container["terminationMessagePolicy"], "File");
    assert_eq!(container["ports"][0]["protocol"], "TCP");
    assert_eq!(
        container["volumeMounts"][0]["mountPath"],
        "/var/run/secrets/kubernetes.io/serviceaccount"
    );
    let tolerations: Vec<&str> = spec["tolerations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["key"].as_str().unwrap())
        .collect();
    assert_eq!(
        tolerations,
        [
            "node.kubernetes.io/not-ready",
            "node.kubernetes.io/unreachable"
        ]
    );
}

fn service(name: &str, spec: Value) -> Service {
    serde_json::from_value(json!({"metadata": {"name": name}, "spec": spec})).unwrap()
}

#[tokio::test]
async fn services_get_cluster_ips_and_node_ports_released_on_delete() {
    let server = TestServer::start().await;
    let svcs: Api<Service> = Api::namespaced(client(&server).await, "default");
    let pp = PostParams::default();
    let a = svcs
        .create(
            &pp,
            &service(
                "a",
                json!({"type": "NodePort", "selector": {"app": "a"}, "ports": [{"port": 80}]}),
            ),
        )
        .await
        .unwrap();
    let spec = a.spec.unwrap();
    let ip = spec.cluster_ip.clone().unwrap();
    let octets: Vec<u8> = ip.split('.').map(|o| o.parse().unwrap()).collect();
    assert!(
        octets[0] == 10 && (96..112).contains(&octets[1]),
        "{ip} is in 10.96.0.0/12"
    );
    assert_eq!(spec.cluster_ips, Some(vec![ip.clone()]));
    assert_eq!(spec.ip_families, Some(vec!["IPv4".to_string()]));
    assert_eq!(spec.ip_family_policy.as_deref(), Some("SingleStack"));
    assert_eq!(spec.internal_traffic_policy.as_deref(), Some("Cluster"));
    assert_eq!(spec.external_traffic_policy.as_deref(), Some("Cluster"));
    let port = &spec.ports.unwrap()[0];
    let node_port = port.node_port.unwrap();
    assert!((30000..=32767).contains(&node_port));
    assert_eq!(
        port.target_port,
        Some(k8s_openapi::apimachinery::pkg::util::intstr::IntOrString::Int(80))
    );

    // The same addresses asked for again are taken.
    let err = svcs
        .create(
            &pp,
            &service("b", json!({"type": "NodePort", "clusterIP": ip, "ports": [{"port": 80, "nodePort": node_port}]})),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(status.code, 422);
    assert_eq!(
        status.message,
        format!(
            "Service \"b\" is invalid: [spec.clusterIPs: Invalid value: []string{{\"{ip}\"}}: failed to allocate IP {ip}: provided IP is already allocated, spec.ports[0].nodePort: Invalid value: {node_port}: provided port is already allocated]"
        )
    );
    let err = svcs
        .create(
            &pp,
            &service(
                "c",
                json!({"clusterIP": "192.168.0.1", "ports": [{"port": 80}]}),
            ),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert!(status.message.ends_with("the provided IP (192.168.0.1) is not in the valid range. The range of valid IPs is 10.96.0.0/12"), "{}", status.message);

    // An update without the allocated fields keeps them.
    let patched = svcs
        .patch(
            "a",
            &PatchParams::default(),
            &Patch::Merge(json!({"metadata": {"labels": {"x": "y"}}})),
        )
        .await
        .unwrap();
    assert_eq!(
        patched.spec.unwrap().cluster_ip.as_deref(),
        Some(ip.as_str())
    );

    // Deleting frees them.
    svcs.delete("a", &DeleteParams::default()).await.unwrap();
    let mut reused = None;
    for _ in 0..50 {
        match svcs
            .create(&pp, &service("b", json!({"type": "NodePort", "clusterIP": ip, "ports": [{"port": 80, "nodePort": node_port}]})))
            .await
        {
            Ok(s) => {
                reused = Some(s);
                break;
            }
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(20)).await,
        }
    }
    let reused = reused
        .expect("freed addresses can be taken again")
        .spec
        .unwrap();
    assert_eq!(reused.cluster_ip.as_deref(), Some(ip.as_str()));
}

#[tokio::test]
async fn validation_beyond_the_schema() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let pods: Api<Pod> = Api::namespaced(c.clone(), "default");
    let err = pods
        .create(
            &PostParams::default(),
            &serde_json::from_value(
                json!({"metadata": {"name": "empty"}, "spec": {"containers": []}}),
            )
            .unwrap(),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!((status.code, status.reason.as_str()), (422, "Invalid"));
    assert_eq!(
        status.message,
        "Pod \"empty\" is invalid: spec.containers: Required value"
    );

    let deploys: Api<Deployment> = Api::namespaced(c, "default");
    let deployment = |name: &str, selector: &str, label: &str| -> Deployment {
        serde_json::from_value(json!({"metadata": {"name": name}, "spec": {
            "selector": {"matchLabels": {"app": selector}},
            "template": {"metadata": {"labels": {"app": label}}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}))
        .unwrap()
    };
    let err = deploys
        .create(&PostParams::default(), &deployment("bad", "a", "b"))
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        status.message,
        "Deployment.apps \"bad\" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"b\"}: `selector` does not match template `labels`"
    );
    deploys
        .create(&PostParams::default(), &deployment("web", "web", "web"))
        .await
        .unwrap();
    let err = deploys
        .patch(
            "web",
            &PatchParams::default(),
            &Patch::Merge(json!({"spec": {"selector": {"matchLabels": {"app": "web2"}}, "template": {"metadata": {"labels": {"app": "web2"}}}}})),
        )
        .await
        .unwrap_err();
    let kube::Error::Api(status) = err else {
        panic!("{err:?}")
    };
    assert_eq!(
        status.message,
        "Deployment.apps \"web\" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{\"app\":\"web2\"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable"
    );
}
