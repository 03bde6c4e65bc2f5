//! The reflector against a scripted fake API server, for what a Keelson
//! server never does: refuse or ignore WatchList, expire a continue token in
//! the middle of a paginated list, end a watch with `410 Gone`.

use k8s_openapi::api::core::v1::ConfigMap;
use keelson_client::{Config, RestClient};
use keelson_runtime::informer::{
    Backoff, DeltaObject, ListWatch, Object, ReflectorOptions, ResourceEventHandlerFuncs,
    SharedIndexInformer,
};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

/// What the fake server answers to one request.
enum Reply {
    /// A JSON body with this status code.
    Json(u16, String),
    /// A watch: these lines, then the stream stays open (`hold`) or ends.
    Watch(Vec<String>, bool),
}

type Script = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

/// An HTTP/1.1 server answering each request by `script(uri)`; the URIs it saw.
async fn fake_server(script: Script) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let log: Arc<Mutex<Vec<String>>> = Default::default();
    let seen = log.clone();
    tokio::spawn(async move {
        while let Ok((mut conn, _)) = listener.accept().await {
            let (script, seen) = (script.clone(), seen.clone());
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_string();
                let uri = head.split(' ').nth(1).unwrap_or("").to_string();
                seen.lock().push(uri.clone());
                match script(&uri) {
                    Reply::Json(code, body) => {
                        let resp = format!(
                            "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = conn.write_all(resp.as_bytes()).await;
                    }
                    Reply::Watch(lines, hold) => {
                        let mut resp = String::from("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
                        for l in lines {
                            let l = format!("{l}\n");
                            resp.push_str(&format!("{:x}\r\n{l}\r\n", l.len()));
                        }
                        if !hold {
                            resp.push_str("0\r\n\r\n");
                        }
                        let _ = conn.write_all(resp.as_bytes()).await;
                        if hold {
                            // Until the client goes away.
                            let _ = conn.read(&mut chunk).await;
                        }
                    }
                }
            });
        }
    });
    (url, log)
}

fn cm(name: &str, rv: u64) -> String {
    format!(r#"{{"metadata":{{"name":"{name}","namespace":"ns","resourceVersion":"{rv}"}}}}"#)
}

fn list(items: &[String], rv: u64, cont: &str) -> String {
    format!(
        r#"{{"kind":"ConfigMapList","apiVersion":"v1","metadata":{{"resourceVersion":"{rv}","continue":"{cont}"}},"items":[{}]}}"#,
        items.join(",")
    )
}

fn event(kind: &str, object: &str) -> String {
    format!(r#"{{"type":"{kind}","object":{object}}}"#)
}

fn status(code: u16, reason: &str, message: &str) -> String {
    format!(
        r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","code":{code},"reason":"{reason}","message":"{message}"}}"#
    )
}

fn informer(url: &str) -> SharedIndexInformer<ConfigMap> {
    let client = RestClient::new(Config::new(url).expect("config")).expect("client");
    SharedIndexInformer::new(
        ListWatch::typed::<ConfigMap>(&client, Some("ns")),
        ReflectorOptions {
            page_size: 2,
            backoff: Backoff::new(
                Duration::from_millis(10),
                Duration::from_millis(50),
                Duration::from_secs(1),
                0.5,
            ),
            ..Default::default()
        },
    )
}

async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn refused_watch_list_falls_back_to_pages_and_an_expired_continue_to_one_full_list() {
    let script: Script = Arc::new(|uri: &str| {
        if uri.contains("sendInitialEvents=true") {
            Reply::Json(
                400,
                status(400, "BadRequest", "sendInitialEvents is not supported"),
            )
        } else if uri.contains("watch=true") {
            assert!(
                uri.contains("resourceVersion=12"),
                "watch from the list: {uri}"
            );
            assert!(uri.contains("allowWatchBookmarks=true"), "{uri}");
            Reply::Watch(
                vec![
                    event("ADDED", &cm("d", 13)),
                    r#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","apiVersion":"v1","metadata":{"resourceVersion":"15"}}}"#.to_string(),
                ],
                true,
            )
        } else if uri.contains("continue=") {
            Reply::Json(
                410,
                status(410, "Expired", "The provided continue parameter is too old to display a consistent list result."),
            )
        } else if uri.contains("limit=2") {
            Reply::Json(200, list(&[cm("a", 3), cm("b", 4)], 10, "next-page"))
        } else {
            Reply::Json(200, list(&[cm("a", 3), cm("b", 4), cm("c", 11)], 12, ""))
        }
    });
    let (url, log) = fake_server(script).await;
    let inf = informer(&url);
    let (stop_tx, stop) = watch::channel(false);
    let runner = tokio::spawn({
        let inf = inf.clone();
        async move { inf.run(stop).await }
    });
    assert!(inf.wait_for_cache_sync(stop_tx.subscribe()).await);
    eventually("the watched object", || {
        inf.indexer().get_by_key("ns/d").is_some() && inf.last_sync_resource_version() == "15"
    })
    .await;
    let mut keys = inf.indexer().list_keys();
    keys.sort();
    assert_eq!(keys, ["ns/a", "ns/b", "ns/c", "ns/d"]);
    let stats = inf.stats();
    assert!(stats.watch_list_unsupported.load(Ordering::Relaxed));
    assert_eq!(stats.lists.load(Ordering::Relaxed), 1);
    assert_eq!(stats.list_pages.load(Ordering::Relaxed), 3);
    let requests = log.lock().clone();
    let lists: Vec<&String> = requests
        .iter()
        .filter(|u| !u.contains("watch=true"))
        .collect();
    assert_eq!(lists.len(), 3, "{requests:?}");
    assert!(lists[1].contains("continue=next-page"), "{requests:?}");
    assert!(
        !lists[2].contains("limit="),
        "the fallback list is unpaginated: {requests:?}"
    );
    stop_tx.send_replace(true);
    runner.await.expect("informer ends on stop");
}

#[tokio::test]
async fn ignored_watch_list_and_gone_watch_relist_and_report_vanished_objects() {
    let lists = Arc::new(AtomicUsize::new(0));
    let n = lists.clone();
    let script: Script = Arc::new(move |uri: &str| {
        if uri.contains("sendInitialEvents=true") {
            // An old server: the current state as ADDED, then a plain bookmark.
            Reply::Watch(
                vec![
                    event("ADDED", &cm("a", 3)),
                    r#"{"type":"BOOKMARK","object":{"kind":"ConfigMap","metadata":{"resourceVersion":"9"}}}"#.to_string(),
                ],
                true,
            )
        } else if uri.contains("watch=true") && uri.contains("resourceVersion=10") {
            Reply::Watch(
                vec![event(
                    "ERROR",
                    &status(410, "Expired", "too old resource version: 10 (18)"),
                )],
                false,
            )
        } else if uri.contains("watch=true") {
            Reply::Watch(vec![], true)
        } else if n.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::Json(200, list(&[cm("a", 3), cm("b", 4)], 10, ""))
        } else {
            // `a` was deleted while the watch was gone; `b` unchanged.
            Reply::Json(200, list(&[cm("b", 4)], 20, ""))
        }
    });
    let (url, _log) = fake_server(script).await;
    let inf = informer(&url);
    let events: Arc<Mutex<Vec<String>>> = Default::default();
    let (e1, e2, e3) = (events.clone(), events.clone(), events.clone());
    inf.add_event_handler(
        ResourceEventHandlerFuncs::new()
            .on_add(move |o: &Arc<ConfigMap>, _| e1.lock().push(format!("add {}", o.name())))
            .on_update(move |_: &Arc<ConfigMap>, o: &Arc<ConfigMap>| {
                e2.lock().push(format!("update {}", o.name()))
            })
            .on_delete(move |d: &DeltaObject<ConfigMap>| {
                e3.lock().push(format!(
                    "delete {} final state unknown: {}",
                    d.key(),
                    d.is_final_state_unknown()
                ))
            }),
    );
    let (stop_tx, stop) = watch::channel(false);
    let runner = tokio::spawn({
        let inf = inf.clone();
        async move { inf.run(stop).await }
    });
    eventually("the relist", || events.lock().len() == 3).await;
    assert_eq!(
        *events.lock(),
        ["add a", "add b", "delete ns/a final state unknown: true"],
        "an unchanged object in a relist is no update"
    );
    let stats = inf.stats();
    assert!(stats.watch_list_unsupported.load(Ordering::Relaxed));
    assert_eq!(stats.gone.load(Ordering::Relaxed), 1);
    assert_eq!(stats.lists.load(Ordering::Relaxed), 2);
    eventually("rv of the relist", || {
        inf.last_sync_resource_version() == "20"
    })
    .await;
    stop_tx.send_replace(true);
    runner.await.expect("informer ends on stop");
}
