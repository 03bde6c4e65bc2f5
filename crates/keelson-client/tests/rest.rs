//! RestClient against a real Keelson server: kubeconfig, TLS, HTTP/2, errors as Status, watch.

use futures::StreamExt;
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::rest::WatchEvent;
use keelson_client::{Config, DynamicObject, ObjectList, RestClient};
use keelson_testing::TestServer;
use serde_json::{json, Value};
use std::time::Duration;

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let config = Config::load(&rules, &ConfigOverrides::default())
        .expect("kubeconfig of the test server loads");
    RestClient::new(config).expect("client builds")
}

fn cm(name: &str, labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
           "metadata": {"name": name, "labels": labels}, "data": {"k": name}})
}

#[tokio::test]
async fn kubeconfig_tls_and_http2() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    assert_eq!(client.default_namespace(), "default");
    let resp = client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect("GET /version");
    assert_eq!(
        resp.version,
        http::Version::HTTP_2,
        "the server offers h2 by ALPN"
    );
    let v = resp.json().expect("version JSON");
    assert!(
        v["gitVersion"]
            .as_str()
            .is_some_and(|s| s.starts_with("v1.")),
        "{v}"
    );
}

#[tokio::test]
async fn crud_and_errors_decode_into_status() {
    let server = TestServer::start().await;
    let client = client_for(&server);

    let made: DynamicObject = client
        .post()
        .namespace("default")
        .resource("configmaps")
        .body(&cm("one", json!({"app": "web"})))
        .into()
        .await
        .expect("create");
    assert_eq!(made.name(), "one");
    assert!(made.resource_version().is_some());
    assert_eq!(made.data["data"]["k"], "one");

    let err = client
        .post()
        .namespace("default")
        .resource("configmaps")
        .body(&cm("one", json!({})))
        .send()
        .await
        .expect_err("second create conflicts");
    assert!(err.is_already_exists(), "{err:?}");
    assert_eq!(err.code(), Some(409));
    assert_eq!(
        err.to_string(),
        "AlreadyExists (409): configmaps \"one\" already exists"
    );

    let err = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .name("nope")
        .send()
        .await
        .expect_err("missing object");
    assert!(err.is_not_found());
    let api = err.api().expect("a Status");
    assert_eq!(api.message, "configmaps \"nope\" not found");
    assert_eq!(api.name.as_deref(), Some("nope"));
    assert_eq!(api.kind.as_deref(), Some("configmaps"));

    // A stale resourceVersion on update is a 409 Conflict.
    let mut stale = serde_json::to_value(&made).expect("serializes");
    stale["data"]["k"] = json!("changed");
    client
        .put()
        .namespace("default")
        .resource("configmaps")
        .name("one")
        .body(&stale)
        .send()
        .await
        .expect("first update");
    let err = client
        .put()
        .namespace("default")
        .resource("configmaps")
        .name("one")
        .body(&stale)
        .send()
        .await
        .expect_err("stale update");
    assert!(err.is_conflict(), "{err:?}");
    assert!(
        err.to_string().ends_with("the object has been modified; please apply your changes to the latest version and try again"),
        "{err}"
    );

    let patched: Value = client
        .patch(keelson_client::PatchType::Merge)
        .namespace("default")
        .resource("configmaps")
        .name("one")
        .body(&json!({"data": {"extra": "x"}}))
        .json()
        .await
        .expect("merge patch");
    assert_eq!(patched["data"]["extra"], "x");
    assert_eq!(patched["data"]["k"], "changed");

    let deleted = client
        .delete()
        .namespace("default")
        .resource("configmaps")
        .name("one")
        .bytes()
        .await
        .expect("delete");
    assert!(!deleted.is_empty());
    let err = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .name("one")
        .send()
        .await
        .expect_err("deleted");
    assert!(err.is_not_found());
}

#[tokio::test]
async fn list_with_selectors_and_pages() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    for i in 0..5 {
        let tier = if i % 2 == 0 { "front" } else { "back" };
        client
            .post()
            .namespace("default")
            .resource("configmaps")
            .body(&cm(&format!("cm-{i}"), json!({"tier": tier})))
            .send()
            .await
            .expect("create");
    }
    let front: ObjectList<DynamicObject> = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .param("labelSelector", "tier=front")
        .into()
        .await
        .expect("list");
    let names: Vec<&str> = front.items.iter().map(DynamicObject::name).collect();
    assert_eq!(names, ["cm-0", "cm-2", "cm-4"]);
    assert_eq!(front.kind, "ConfigMapList");

    let by_field: ObjectList<DynamicObject> = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .param("fieldSelector", "metadata.name=cm-3")
        .into()
        .await
        .expect("field selector");
    assert_eq!(by_field.items.len(), 1);

    let mut seen = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let mut r = client
            .get()
            .namespace("default")
            .resource("configmaps")
            .param("labelSelector", "tier")
            .param("limit", "2");
        if !token.is_empty() {
            r = r.param("continue", token.clone());
        }
        let page: ObjectList<DynamicObject> = r.into().await.expect("page");
        pages += 1;
        assert!(page.items.len() <= 2);
        seen.extend(page.items.iter().map(|o| o.name().to_string()));
        match page.metadata.continue_.filter(|c| !c.is_empty()) {
            Some(c) => token = c,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ["cm-0", "cm-1", "cm-2", "cm-3", "cm-4"]);
}

#[tokio::test]
async fn watch_stream_delivers_events() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let list: ObjectList<DynamicObject> = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .into()
        .await
        .expect("list");
    let rv = list.metadata.resource_version.unwrap_or_default();
    let mut events = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .param("resourceVersion", rv)
        .param("allowWatchBookmarks", "true")
        .watch::<DynamicObject>()
        .await
        .expect("watch starts");

    let writer = client.clone();
    tokio::spawn(async move {
        let base = writer.post().namespace("default").resource("configmaps");
        base.body(&cm("w", json!({}))).send().await.expect("create");
        writer
            .patch(keelson_client::PatchType::Merge)
            .namespace("default")
            .resource("configmaps")
            .name("w")
            .body(&json!({"data": {"k": "v2"}}))
            .send()
            .await
            .expect("patch");
        writer
            .delete()
            .namespace("default")
            .resource("configmaps")
            .name("w")
            .send()
            .await
            .expect("delete");
    });

    let mut kinds = Vec::new();
    while kinds.len() < 3 {
        let ev = tokio::time::timeout(Duration::from_secs(10), events.next())
            .await
            .expect("an event within 10s")
            .expect("stream open")
            .expect("event decodes");
        match ev {
            WatchEvent::Added(o) => {
                kinds.push(("ADDED", o.name().to_string(), o.data["data"]["k"].clone()))
            }
            WatchEvent::Modified(o) => kinds.push((
                "MODIFIED",
                o.name().to_string(),
                o.data["data"]["k"].clone(),
            )),
            WatchEvent::Deleted(o) => {
                kinds.push(("DELETED", o.name().to_string(), o.data["data"]["k"].clone()))
            }
            WatchEvent::Bookmark(_) => {}
            WatchEvent::Error(e) => panic!("watch error: {e}"),
        }
    }
    assert_eq!(
        kinds,
        [
            ("ADDED", "w".to_string(), json!("w")),
            ("MODIFIED", "w".to_string(), json!("v2")),
            ("DELETED", "w".to_string(), json!("v2")),
        ]
    );
}

#[tokio::test]
async fn watch_from_a_compacted_version_ends_with_expired() {
    let server = TestServer::start_with(|c| c.watch_cache_capacity = 4).await;
    let client = client_for(&server);
    let mut first_rv = String::new();
    for i in 0..12 {
        let made: DynamicObject = client
            .post()
            .namespace("default")
            .resource("configmaps")
            .body(&cm(&format!("x{i}"), json!({})))
            .into()
            .await
            .expect("create");
        if i == 0 {
            first_rv = made.resource_version().unwrap_or_default().to_string();
        }
    }
    let mut events = client
        .get()
        .namespace("default")
        .resource("configmaps")
        .param("resourceVersion", first_rv)
        .watch::<DynamicObject>()
        .await
        .expect("watch starts");
    let first = tokio::time::timeout(Duration::from_secs(10), events.next())
        .await
        .expect("answer within 10s")
        .expect("one event")
        .expect("decodes");
    match first {
        WatchEvent::Error(e) => {
            assert_eq!((e.code, e.reason.as_str()), (410, "Expired"), "{e}");
        }
        other => panic!("expected an ERROR event, got {other:?}"),
    }
}

#[tokio::test]
async fn wrong_token_is_unauthorized() {
    let server = TestServer::start().await;
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let overrides = ConfigOverrides {
        token: Some("not-the-token".into()),
        ..Default::default()
    };
    let client =
        RestClient::new(Config::load(&rules, &overrides).expect("config")).expect("client");
    let err = client
        .get()
        .resource("namespaces")
        .send()
        .await
        .expect_err("401");
    assert_eq!(err.code(), Some(401));
    assert_eq!(err.reason(), Some("Unauthorized"));
}

#[tokio::test]
async fn untrusted_server_certificate_reads_like_kubectl() {
    let server = TestServer::start().await;
    let config = Config::new(server.url()).expect("config");
    let client = RestClient::new(config).expect("client");
    let err = client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect_err("unknown CA");
    assert_eq!(
        err.to_string(),
        format!(
            "Get \"{}/version\": tls: failed to verify certificate: x509: certificate signed by unknown authority",
            server.url()
        )
    );
    // --insecure-skip-tls-verify gets through.
    let mut config = Config::new(server.url()).expect("config");
    config.tls.insecure = true;
    let client = RestClient::new(config).expect("client");
    client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect("insecure works");
}

#[tokio::test]
async fn exec_plugin_supplies_the_token() {
    use std::os::unix::fs::PermissionsExt;
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().expect("tempdir");
    let script = dir.path().join("token-plugin");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{}\"}}}}'\n",
            server.token()
        ),
    )
    .expect("write plugin");
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let kubeconfig = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: x\ncontexts: [{{name: x, context: {{cluster: c, user: u, namespace: kube-system}}}}]\nclusters: [{{name: c, cluster: {{server: '{}', certificate-authority: ca.pem}}}}]\nusers: [{{name: u, user: {{exec: {{command: ./token-plugin, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}}}}}]\n",
        server.url()
    );
    std::fs::write(dir.path().join("ca.pem"), server.ca_pem()).expect("write CA");
    let path = dir.path().join("config");
    std::fs::write(&path, kubeconfig).expect("write kubeconfig");
    let rules = LoadingRules::default().with_explicit_path(&path);
    let config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    assert_eq!(config.namespace, "kube-system");
    let client = RestClient::new(config).expect("client");
    let ns: DynamicObject = client
        .get()
        .resource("namespaces")
        .name("kube-system")
        .into()
        .await
        .expect("authenticated through the plugin");
    assert_eq!(ns.name(), "kube-system");
}

/// A minimal HTTP CONNECT proxy on loopback; records the targets it was asked for.
async fn connect_proxy() -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let targets: std::sync::Arc<std::sync::Mutex<Vec<String>>> = Default::default();
    let seen = targets.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let target = text.split_whitespace().nth(1).unwrap_or("").to_string();
                seen.lock().expect("lock").push(target.clone());
                let Ok(mut upstream) = tokio::net::TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (format!("http://{addr}"), targets)
}

#[tokio::test]
async fn proxy_url_tunnels_with_connect() {
    let server = TestServer::start().await;
    let (proxy, targets) = connect_proxy().await;
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.proxy_url = Some(proxy);
    let client = RestClient::new(config).expect("client");
    for _ in 0..3 {
        client
            .get()
            .resource("namespaces")
            .name("default")
            .send()
            .await
            .expect("through the proxy");
    }
    let targets = targets.lock().expect("lock").clone();
    let host_port = server.url().trim_start_matches("https://").to_string();
    assert_eq!(
        targets,
        vec![host_port],
        "one tunnel, reused for every request"
    );

    let mut config = Config::new(server.url()).expect("config");
    config.proxy_url = Some("socks5://127.0.0.1:1080".into());
    let err = RestClient::new(config)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("socks5 scheme is not supported"), "{err}");
}

#[tokio::test]
async fn connections_are_reused() {
    // Every request of a burst goes over the one HTTP/2 connection: a proxy in
    // front counts the connections.
    let server = TestServer::start().await;
    let (proxy, targets) = connect_proxy().await;
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.proxy_url = Some(proxy);
    config.qps = 0.0;
    let client = RestClient::new(config).expect("client");
    client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect("first request opens the connection");
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let c = client.clone();
        tasks.push(tokio::spawn(async move {
            c.get().resource("namespaces").send().await.map(|_| ())
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("request");
    }
    assert_eq!(targets.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn tls_server_name_is_what_gets_verified() {
    let server = TestServer::start().await;
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let named = ConfigOverrides {
        tls_server_name: Some("kubernetes.default".into()),
        ..Default::default()
    };
    let client = RestClient::new(Config::load(&rules, &named).expect("config")).expect("client");
    client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect("the certificate names kubernetes.default");

    let wrong = ConfigOverrides {
        tls_server_name: Some("wrong.example".into()),
        ..Default::default()
    };
    let client = RestClient::new(Config::load(&rules, &wrong).expect("config")).expect("client");
    let err = client
        .get()
        .abs_path("/version")
        .send()
        .await
        .expect_err("name mismatch");
    let text = err.to_string();
    assert!(
        text.ends_with(", not wrong.example")
            && text.contains("x509: certificate is valid for localhost, kubernetes"),
        "{text}"
    );
}

#[tokio::test]
async fn stream_raw_passes_any_status_through() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let (status, headers, body) = client
        .get()
        .abs_path("/api/v1/namespaces/default/configmaps/missing")
        .stream_raw()
        .await
        .expect("a 404 is an answer, not an error");
    assert_eq!(status, http::StatusCode::NOT_FOUND);
    assert!(headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.to_str().unwrap_or("").starts_with("application/json")));
    let chunks: Vec<_> = body.collect().await;
    let bytes: Vec<u8> = chunks
        .into_iter()
        .flat_map(|c| c.expect("body chunk").to_vec())
        .collect();
    let status_obj: Value = serde_json::from_slice(&bytes).expect("a Status object");
    assert_eq!(status_obj["reason"], "NotFound");
    assert_eq!(status_obj["code"], 404);
}
