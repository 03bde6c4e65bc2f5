//! `DiscoveryRestMapper` against a real Keelson server: kubectl's resource
//! arguments resolved from discovery, and a stale disk cache refreshed once.

use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::discovery::DiscoveryClient;
use keelson_client::restmapper::{DiscoveryRestMapper, Scope};
use keelson_client::{Config, RestClient};
use keelson_testing::TestServer;
use serde_json::Value;
use std::path::Path;

fn discovery(server: &TestServer, cache: &Path) -> DiscoveryClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    DiscoveryClient::new(RestClient::new(config).expect("client")).cache_dir(cache)
}

/// `group/version resource scope/name` for each target of `args`, or the error text.
async fn resolve(mapper: &mut DiscoveryRestMapper, args: &[&str]) -> Result<Vec<String>, String> {
    let targets = mapper.resolve_args(args).await.map_err(|e| e.to_string())?;
    Ok(targets
        .into_iter()
        .map(|t| {
            format!(
                "{} {} {}/{}",
                t.mapping.gvk.api_version(),
                t.mapping.gvr.resource,
                t.mapping.scope.name(),
                t.name.unwrap_or_default()
            )
        })
        .collect())
}

#[tokio::test]
async fn kubectl_arguments_resolve_against_the_server() {
    let server = TestServer::start().await;
    let cache = tempfile::tempdir().expect("cache dir");
    let mut mapper = DiscoveryRestMapper::new(discovery(&server, cache.path()));

    assert_eq!(
        resolve(&mut mapper, &["deploy", "web"]).await,
        Ok(vec!["apps/v1 deployments namespace/web".to_string()])
    );
    assert_eq!(
        resolve(&mut mapper, &["deployments.v1.apps,no,Service"]).await,
        Ok(vec![
            "apps/v1 deployments namespace/".to_string(),
            "v1 nodes root/".to_string(),
            "v1 services namespace/".to_string(),
        ])
    );
    assert_eq!(
        resolve(
            &mut mapper,
            &["cm/a", "priorityclasses.scheduling.k8s.io/b"]
        )
        .await,
        Ok(vec![
            "v1 configmaps namespace/a".to_string(),
            "scheduling.k8s.io/v1 priorityclasses root/b".to_string(),
        ])
    );
    let all = resolve(&mut mapper, &["all"]).await.expect("all");
    for expected in [
        "v1 pods namespace/",
        "v1 services namespace/",
        "apps/v1 deployments namespace/",
        "batch/v1 jobs namespace/",
    ] {
        assert!(all.contains(&expected.to_string()), "{expected} in {all:?}");
    }
    assert!(
        !all.iter().any(|t| t.contains("configmaps")),
        "configmaps are not in category all: {all:?}"
    );

    let hpa = mapper.mapping_for("hpa").await.expect("hpa");
    assert_eq!(
        hpa.gvk.api_version(),
        "autoscaling/v2",
        "the preferred version"
    );
    assert_eq!(hpa.scope, Scope::Namespace);

    let groups = mapper
        .discovery()
        .server_cache_path()
        .expect("disk cache")
        .join("servergroups.json");
    let written = mtime(&groups);
    assert_eq!(
        resolve(&mut mapper, &["foo"]).await,
        Err(r#"the server doesn't have a resource type "foo""#.to_string())
    );
    assert_eq!(
        mtime(&groups),
        written,
        "loaded from the server in this process: no second round of discovery"
    );
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p)
        .and_then(|m| m.modified())
        .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[tokio::test]
async fn a_stale_cache_is_refreshed_once_when_a_resource_is_missing() {
    let server = TestServer::start().await;
    let cache = tempfile::tempdir().expect("cache dir");
    let warm = discovery(&server, cache.path());
    let cached = warm
        .server_cache_path()
        .expect("disk cache")
        .join("apps/v1/serverresources.json");
    DiscoveryRestMapper::new(warm)
        .mapping_for("deploy")
        .await
        .expect("deploy on a cold cache");

    // The cache as another kubectl wrote it before deployments existed.
    let mut doc: Value =
        serde_json::from_slice(&std::fs::read(&cached).expect("cached apps/v1")).expect("json");
    let resources = doc["resources"].as_array_mut().expect("resources");
    resources.retain(|r| !r["name"].as_str().unwrap_or("").starts_with("deployments"));
    std::fs::write(&cached, serde_json::to_vec(&doc).expect("json")).expect("stale cache");

    let stale = DiscoveryClient::new(
        RestClient::new(
            Config::load(
                &LoadingRules::default().with_explicit_path(server.kubeconfig_path()),
                &ConfigOverrides::default(),
            )
            .expect("config"),
        )
        .expect("client"),
    )
    .cache_dir(cache.path());
    let mut mapper = DiscoveryRestMapper::new(stale);
    assert_eq!(
        mapper
            .mapper()
            .await
            .expect("mapper")
            .mapping_for("deploy")
            .map_err(|e| e.to_string()),
        Err(r#"the server doesn't have a resource type "deploy""#.to_string()),
        "the stale cache alone does not know deployments"
    );
    assert_eq!(
        resolve(&mut mapper, &["deploy"]).await,
        Ok(vec!["apps/v1 deployments namespace/".to_string()]),
        "not found in the cache: invalidated, asked again"
    );
    let groups = cached
        .ancestors()
        .nth(3)
        .expect("server cache dir")
        .join("servergroups.json");
    let before = mtime(&groups);
    assert_eq!(
        resolve(&mut mapper, &["foo"]).await,
        Err(r#"the server doesn't have a resource type "foo""#.to_string())
    );
    assert_eq!(mtime(&groups), before, "refreshed once, not again");
    let rewritten = std::fs::read_to_string(&cached).expect("cached apps/v1");
    assert!(
        rewritten.contains("\"deployments\""),
        "the refreshed answer is cached again"
    );
}
