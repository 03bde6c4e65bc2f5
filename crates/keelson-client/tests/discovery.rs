//! `DiscoveryClient` against a real Keelson server, with its disk cache in a temp dir.

use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::discovery::DiscoveryClient;
use keelson_client::{Config, RestClient};
use keelson_testing::TestServer;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    RestClient::new(Config::load(&rules, &ConfigOverrides::default()).expect("config"))
        .expect("client")
}

/// kubectl's directory name for the server: `127.0.0.1_<port>`.
fn host_dir(server: &TestServer) -> String {
    let url = server.url();
    let authority = url.split("://").nth(1).unwrap_or(url).trim_end_matches('/');
    authority.replace(':', "_")
}

fn mtime(p: &Path) -> SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn set_mtime(p: &Path, t: SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(p)
        .and_then(|f| f.set_modified(t))
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

/// What discovery says of deployments: verbs, short names, namespaced,
/// whether a storage version hash came along (only the legacy documents carry one).
async fn deployments_entry(d: &DiscoveryClient) -> (Vec<String>, Option<Vec<String>>, bool, bool) {
    let found = d
        .server_groups_and_resources()
        .await
        .expect("groups and resources");
    assert_eq!(found.failure_message(), None);
    let (groups, lists) = (found.groups, found.resources);
    let apps = groups
        .iter()
        .find(|g| g.name == "apps")
        .expect("apps group");
    assert_eq!(
        apps.preferred_version
            .as_ref()
            .map(|v| v.group_version.as_str()),
        Some("apps/v1")
    );
    assert_eq!(groups[0].name, "", "the core group comes first");
    let list = lists
        .iter()
        .find(|l| l.group_version == "apps/v1")
        .expect("apps/v1 resources");
    let deploy = list
        .resources
        .iter()
        .find(|r| r.name == "deployments")
        .expect("deployments");
    assert_eq!(deploy.kind, "Deployment");
    assert_eq!(deploy.singular_name, "deployment");
    assert!(list.resources.iter().any(|r| r.name == "deployments/scale"
        && r.group.as_deref() == Some("autoscaling")
        && r.kind == "Scale"));
    (
        deploy.verbs.clone(),
        deploy.short_names.clone(),
        deploy.namespaced,
        deploy.storage_version_hash.is_some(),
    )
}

#[tokio::test]
async fn aggregated_and_legacy_agree_on_deployments() {
    let server = TestServer::start().await;
    let aggregated = DiscoveryClient::new(client_for(&server)).without_cache();
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    let legacy = DiscoveryClient::for_config(config)
        .expect("discovery client")
        .without_cache()
        .legacy();
    let (verbs, short, namespaced, hashed) = deployments_entry(&aggregated).await;
    assert!(!hashed, "aggregated discovery has no storageVersionHash");
    assert_eq!(
        verbs,
        [
            "create",
            "delete",
            "deletecollection",
            "get",
            "list",
            "patch",
            "update",
            "watch"
        ]
    );
    assert_eq!(short, Some(vec!["deploy".to_string()]));
    assert!(namespaced);
    assert_eq!(
        deployments_entry(&legacy).await,
        (verbs, short, namespaced, true),
        "the per-group documents say the same as the aggregated ones"
    );

    let preferred = aggregated
        .server_preferred_resources()
        .await
        .expect("preferred resources");
    assert!(preferred.failed.is_empty());
    let preferred = preferred.resources;
    let core = preferred
        .iter()
        .find(|l| l.group_version == "v1")
        .expect("core v1");
    assert!(core.resources.iter().any(|r| r.name == "pods"));
    assert!(
        preferred
            .iter()
            .flat_map(|l| &l.resources)
            .all(|r| !r.name.contains('/')),
        "no subresources among preferred resources"
    );

    let version = aggregated.server_version().await.expect("version");
    assert_eq!(version.major, "1");
    assert!(!version.git_version.is_empty());
}

#[tokio::test]
async fn cache_files_ttl_and_invalidate() {
    let server = TestServer::start().await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir: PathBuf = tmp.path().join("discovery").join(host_dir(&server));
    let first = DiscoveryClient::new(client_for(&server)).cache_dir(tmp.path());
    assert_eq!(first.server_cache_path(), Some(dir.as_path()));
    deployments_entry(&first).await;

    let groups_file = dir.join("servergroups.json");
    let apps_file = dir.join("apps/v1/serverresources.json");
    let core_file = dir.join("v1/serverresources.json");
    for f in [&groups_file, &apps_file, &core_file] {
        assert!(f.is_file(), "{} written", f.display());
    }
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&apps_file).expect("read")).expect("JSON");
    assert_eq!(cached["kind"], "APIResourceList");
    assert_eq!(cached["groupVersion"], "apps/v1");
    let cached: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&groups_file).expect("read")).expect("JSON");
    assert_eq!(cached["kind"], "APIGroupList");

    // Within the TTL a second client does not ask the server: nothing is rewritten.
    let written = mtime(&groups_file);
    let apps_written = mtime(&apps_file);
    let second = DiscoveryClient::new(client_for(&server)).cache_dir(tmp.path());
    deployments_entry(&second).await;
    assert_eq!(mtime(&groups_file), written);
    assert_eq!(mtime(&apps_file), apps_written);

    // Older than kubectl's six hours: fetched again and rewritten.
    let stale = SystemTime::now() - Duration::from_secs(6 * 3600 + 60);
    set_mtime(&groups_file, stale);
    set_mtime(&apps_file, stale);
    let third = DiscoveryClient::new(client_for(&server)).cache_dir(tmp.path());
    deployments_entry(&third).await;
    assert!(mtime(&groups_file) > stale + Duration::from_secs(60));
    assert!(mtime(&apps_file) > stale + Duration::from_secs(60));

    // A shorter TTL (kubectl's old ten minutes) expires a file written 11 minutes ago.
    let eleven_minutes_ago = SystemTime::now() - Duration::from_secs(11 * 60);
    set_mtime(&groups_file, eleven_minutes_ago);
    let ten_minutes = DiscoveryClient::new(client_for(&server))
        .cache_dir(tmp.path())
        .ttl(Duration::from_secs(600));
    ten_minutes.server_groups().await.expect("groups");
    assert!(mtime(&groups_file) > eleven_minutes_ago + Duration::from_secs(60));

    // Fresh files, but invalidated: fetched again.
    let recent = SystemTime::now() - Duration::from_secs(60);
    set_mtime(&groups_file, recent);
    third.invalidate();
    deployments_entry(&third).await;
    assert!(mtime(&groups_file) > recent + Duration::from_secs(30));

    // With the server gone, a client within the TTL answers from the cache
    // alone; once invalidated it has to ask, and fails.
    let url = server.url().to_string();
    let offline_client = client_for(&server);
    server.shutdown().await;
    let offline = DiscoveryClient::new(offline_client).cache_dir(tmp.path());
    deployments_entry(&offline).await;
    offline.invalidate();
    let err = offline
        .server_groups()
        .await
        .expect_err("no server to ask after invalidate");
    assert!(
        err.to_string().contains("connection refused"),
        "{err} (server was {url})"
    );
}

/// A server with only legacy discovery and one broken aggregated group
/// (`metrics.k8s.io/v1beta1` answers 503), counting the requests it serves.
async fn legacy_server_with_broken_group() -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    let served = Arc::new(AtomicUsize::new(0));
    let counter = served.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve_connection(conn, counter.clone()));
        }
    });
    (format!("http://{addr}"), served)
}

async fn serve_connection(mut conn: TcpStream, served: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        let head_end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match conn.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        buf.drain(..head_end);
        served.fetch_add(1, Ordering::SeqCst);
        let path = head.split_whitespace().nth(1).unwrap_or("");
        let (status, body) = match path {
            "/api" => ("200 OK", json!({"kind": "APIVersions", "versions": ["v1"]})),
            "/apis" => (
                "200 OK",
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": [{
                    "name": "metrics.k8s.io",
                    "versions": [{"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}],
                    "preferredVersion": {"groupVersion": "metrics.k8s.io/v1beta1", "version": "v1beta1"}
                }]}),
            ),
            "/api/v1" => (
                "200 OK",
                json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": [{
                    "name": "pods", "singularName": "pod", "namespaced": true, "kind": "Pod",
                    "verbs": ["get", "list"], "shortNames": ["po"], "categories": ["all"]
                }]}),
            ),
            "/apis/metrics.k8s.io/v1beta1" => (
                "503 Service Unavailable",
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": "the server is currently unable to handle the request",
                       "reason": "ServiceUnavailable", "code": 503}),
            ),
            _ => (
                "404 Not Found",
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {},
                  "status": "Failure", "message": "the server could not find the requested resource",
                  "reason": "NotFound", "code": 404}),
            ),
        };
        let body = body.to_string();
        let response = format!(
            "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        if conn.write_all(response.as_bytes()).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn legacy_fallback_partial_failure_and_request_count() {
    let (url, served) = legacy_server_with_broken_group().await;
    let tmp = tempfile::tempdir().expect("temp dir");
    let client = || RestClient::new(Config::new(&url).expect("config")).expect("client");

    let d = DiscoveryClient::new(client()).cache_dir(tmp.path());
    let found = d
        .server_groups_and_resources()
        .await
        .expect("partial result");
    let names: Vec<_> = found.groups.iter().map(|g| g.name.as_str()).collect();
    assert_eq!(names, ["", "metrics.k8s.io"]);
    assert_eq!(found.resources.len(), 1);
    assert_eq!(found.resources[0].group_version, "v1");
    assert_eq!(
        found.resources[0].resources[0].short_names,
        Some(vec!["po".to_string()])
    );
    assert_eq!(
        found.failure_message().as_deref(),
        Some("unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request")
    );
    // /api, /apis, /api/v1 and the failing group version.
    assert_eq!(served.load(Ordering::SeqCst), 4);
    assert!(
        !tmp.path()
            .join("discovery")
            .join(host_dir_of(&url))
            .join("metrics.k8s.io/v1beta1/serverresources.json")
            .exists(),
        "a failure is not cached"
    );

    // A second client within the TTL reads the cache; only the group version
    // that failed is asked again.
    let again = DiscoveryClient::new(client()).cache_dir(tmp.path());
    let found = again
        .server_groups_and_resources()
        .await
        .expect("partial result");
    assert_eq!(found.failed.len(), 1);
    assert_eq!(found.resources.len(), 1);
    assert_eq!(served.load(Ordering::SeqCst), 5);

    // Invalidated, it asks for everything again.
    again.invalidate();
    again
        .server_groups_and_resources()
        .await
        .expect("partial result");
    assert_eq!(served.load(Ordering::SeqCst), 9);
}

fn host_dir_of(url: &str) -> String {
    url.trim_start_matches("http://").replace(':', "_")
}
