//! Watch semantics on the wire: initial events, resumption, expiry, slow watchers, durability.

use http_body_util::BodyExt;
use k8s_openapi::api::core::v1::ConfigMap;
use keelson_testing::TestServer;
use kube::api::{Api, ListParams, PostParams};
use kube::Client;
use serde_json::{json, Value};
use std::time::Duration;

async fn client(server: &TestServer) -> Client {
    Client::try_from(server.kube_config().await.expect("kubeconfig")).expect("client")
}

fn cm(name: &str) -> ConfigMap {
    serde_json::from_value(json!({"metadata": {"name": name}, "data": {"k": "v"}})).unwrap()
}

/// Reads watch events (one JSON object per line) until `n` arrived, the stream
/// ended, or `wait` passed.
async fn read_events(
    body: &mut kube::client::Body,
    n: usize,
    wait: Duration,
) -> (Vec<Value>, bool) {
    let mut buf = Vec::new();
    let mut events = Vec::new();
    let deadline = tokio::time::Instant::now() + wait;
    while events.len() < n {
        let frame = match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return (events, false),
            Ok(None) => return (events, true),
            Ok(Some(f)) => f.expect("frame"),
        };
        if let Ok(data) = frame.into_data() {
            buf.extend_from_slice(&data);
            while let Some(pos) = buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = buf.drain(..=pos).collect();
                events.push(serde_json::from_slice(&line).expect("event is JSON"));
            }
        }
    }
    (events, false)
}

async fn open_watch(c: &Client, query: &str) -> (u16, kube::client::Body) {
    let req = http::Request::get(format!(
        "/api/v1/namespaces/default/configmaps?watch=true&{query}"
    ))
    .body(kube::client::Body::empty())
    .unwrap();
    let resp = c.send(req).await.unwrap();
    (resp.status().as_u16(), resp.into_body())
}

#[tokio::test]
async fn send_initial_events_ends_with_the_bookmark() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    for n in ["a", "b"] {
        cms.create(&PostParams::default(), &cm(n)).await.unwrap();
    }
    let (code, mut body) = open_watch(&c, "sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan&resourceVersion=").await;
    assert_eq!(code, 200);
    let (events, _) = read_events(&mut body, 3, Duration::from_secs(5)).await;
    let kinds: Vec<_> = events
        .iter()
        .map(|e| e["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["ADDED", "ADDED", "BOOKMARK"]);
    let bookmark = &events[2]["object"];
    assert_eq!(
        bookmark["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    assert_eq!(bookmark["kind"], "ConfigMap");
    let last_rv: i64 = events[1]["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let bookmark_rv: i64 = bookmark["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(bookmark_rv >= last_rv);

    // Without bookmarks, sendInitialEvents is refused.
    let (code, _) = open_watch(
        &c,
        "sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
    )
    .await;
    assert_eq!(code, 422);
}

#[tokio::test]
async fn resume_from_a_revision_and_expiry() {
    let server = TestServer::start_with(|cfg| cfg.watch_cache_capacity = 10).await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let first = cms.create(&PostParams::default(), &cm("r0")).await.unwrap();
    let rv0 = first.metadata.resource_version.unwrap();
    for i in 1..4 {
        cms.create(&PostParams::default(), &cm(&format!("r{i}")))
            .await
            .unwrap();
    }
    // Resuming after r0 replays exactly what followed.
    let (_, mut body) = open_watch(&c, &format!("resourceVersion={rv0}")).await;
    let (events, _) = read_events(&mut body, 3, Duration::from_secs(5)).await;
    let names: Vec<_> = events
        .iter()
        .map(|e| {
            e["object"]["metadata"]["name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["r1", "r2", "r3"]);

    // Push r0's revision out of the 10-event window: a watch from it is told 410 Expired.
    for i in 4..20 {
        cms.create(&PostParams::default(), &cm(&format!("r{i}")))
            .await
            .unwrap();
    }
    let (code, mut body) = open_watch(&c, &format!("resourceVersion={rv0}")).await;
    assert_eq!(code, 200);
    let (events, ended) = read_events(&mut body, 2, Duration::from_secs(5)).await;
    assert_eq!(events.len(), 1);
    assert!(ended);
    assert_eq!(events[0]["type"], "ERROR");
    assert_eq!(events[0]["object"]["code"], 410);
    assert_eq!(events[0]["object"]["reason"], "Expired");
}

#[tokio::test]
async fn exact_list_at_a_compacted_revision_is_gone() {
    let server = TestServer::start_with(|cfg| {
        cfg.storage.compaction_min_revisions = 1;
        cfg.storage.compaction_min_age = Duration::ZERO;
        cfg.storage.compaction_interval = Some(Duration::from_millis(20));
    })
    .await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let first = cms.create(&PostParams::default(), &cm("x0")).await.unwrap();
    let rv0 = first.metadata.resource_version.unwrap();
    for i in 1..5 {
        cms.create(&PostParams::default(), &cm(&format!("x{i}")))
            .await
            .unwrap();
    }
    let mut last = None;
    for _ in 0..100 {
        let lp = ListParams::default()
            .at(&rv0)
            .matching(kube::api::VersionMatch::Exact);
        match cms.list(&lp).await {
            Err(kube::Error::Api(s)) => {
                last = Some((s.code, s.reason.clone()));
                break;
            }
            Ok(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            Err(e) => panic!("{e}"),
        }
    }
    assert_eq!(last, Some((410, "Expired".to_string())));
}

#[tokio::test]
async fn a_watcher_that_does_not_read_is_closed_without_stalling_writes() {
    let server = TestServer::start().await;
    let c = client(&server).await;
    let cms: Api<ConfigMap> = Api::namespaced(c.clone(), "default");
    let (_, mut stalled) = open_watch(&c, "resourceVersion=0").await;
    let (_, mut healthy) = open_watch(&c, "resourceVersion=0").await;
    let big = "x".repeat(16 * 1024);
    let writes = 2500;
    let started = std::time::Instant::now();
    let reader = tokio::spawn(async move {
        read_events(&mut healthy, writes, Duration::from_secs(120))
            .await
            .0
            .len()
    });
    for i in 0..writes {
        let obj: ConfigMap = serde_json::from_value(
            json!({"metadata": {"name": format!("s{i}")}, "data": {"k": big}}),
        )
        .unwrap();
        cms.create(&PostParams::default(), &obj).await.unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(60),
        "writes stalled: {:?}",
        started.elapsed()
    );
    assert_eq!(
        reader.await.unwrap(),
        writes,
        "a reading watcher sees every event"
    );
    // The stalled watcher got cut off: its stream ends before all events arrive.
    let (events, ended) = read_events(&mut stalled, writes, Duration::from_secs(30)).await;
    assert!(
        ended && events.len() < writes,
        "got {} events, ended={ended}",
        events.len()
    );
}

#[tokio::test]
async fn acknowledged_writes_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = || keelson_apiserver::ServerConfig {
        data_dir: dir.path().to_path_buf(),
        secure_port: 0,
        ..Default::default()
    };
    let first = keelson_apiserver::start(config()).await.unwrap();
    let kubeconfig = kube::config::Kubeconfig::read_from(&first.kubeconfig).unwrap();
    let c = Client::try_from(
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap(),
    )
    .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(c, "default");
    let mut written = Vec::new();
    for i in 0..20 {
        let o = cms
            .create(&PostParams::default(), &cm(&format!("d{i}")))
            .await
            .unwrap();
        written.push((
            o.metadata.name.unwrap(),
            o.metadata.resource_version.unwrap(),
            o.metadata.uid.unwrap(),
        ));
    }
    let token = first.token.clone();
    first.shutdown().await;

    let second = keelson_apiserver::start(config()).await.unwrap();
    assert_eq!(second.token, token, "credentials are reused");
    let kubeconfig = kube::config::Kubeconfig::read_from(&second.kubeconfig).unwrap();
    let c = Client::try_from(
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
            .await
            .unwrap(),
    )
    .unwrap();
    let cms: Api<ConfigMap> = Api::namespaced(c, "default");
    for (name, rv, uid) in &written {
        let o = cms.get(name).await.unwrap();
        assert_eq!(o.metadata.resource_version.as_ref(), Some(rv));
        assert_eq!(o.metadata.uid.as_ref(), Some(uid));
    }
    second.shutdown().await;
}
