//! The `configmap_secret` example against a real Keelson server: create,
//! update, repair, label removal, deletion, and a Secret that is not its own.

#[path = "../examples/configmap_secret.rs"]
#[allow(dead_code)]
mod configmap_secret;

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::api::events::v1::Event;
use k8s_openapi::ByteString;
use keelson_client::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::leaderelection::CancellationToken;
use keelson_testing::TestServer;
use serde_json::json;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.qps = 1000.0;
    config.burst = 1000;
    RestClient::new(config).expect("client")
}

fn configmap(name: &str, labelled: bool, data: &[(&str, &str)]) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.to_string());
    if labelled {
        cm.metadata.labels = Some(BTreeMap::from([(
            configmap_secret::LABEL.to_string(),
            "true".to_string(),
        )]));
    }
    cm.data = Some(
        data.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    cm
}

fn data_of(secret: &Secret) -> BTreeMap<String, String> {
    secret
        .data
        .iter()
        .flatten()
        .map(|(k, v)| (k.clone(), String::from_utf8_lossy(&v.0).into_owned()))
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Polls `secrets.get_opt(name)` until `check` holds.
async fn wait_secret(
    secrets: &Api<Secret>,
    name: &str,
    what: &str,
    check: impl Fn(Option<&Secret>) -> bool,
) -> Option<Secret> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let s = secrets.get_opt(name).await.expect("get secret");
        if check(s.as_ref()) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {what}: {s:#?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn keeps_a_secret_per_labelled_configmap() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let shutdown = CancellationToken::new();
    let run = tokio::spawn(configmap_secret::run(client.clone(), shutdown.clone()));

    // Create: a labelled ConfigMap gets its Secret.
    let app = cms
        .create(
            &PostParams::default(),
            &configmap("app", true, &[("a", "1")]),
        )
        .await
        .expect("create app");
    let secret = wait_secret(&secrets, "app", "the Secret", |s| s.is_some())
        .await
        .expect("secret");
    assert_eq!(data_of(&secret), map(&[("a", "1")]));
    assert_eq!(secret.type_.as_deref(), Some("Opaque"));
    let owner = &secret.metadata.owner_references.as_ref().expect("owner")[0];
    assert_eq!(
        (owner.kind.as_str(), owner.name.as_str(), owner.controller),
        ("ConfigMap", "app", Some(true))
    );
    assert_eq!(Some(&owner.uid), app.metadata.uid.as_ref());

    // An unlabelled ConfigMap gets none.
    cms.create(
        &PostParams::default(),
        &configmap("plain", false, &[("x", "y")]),
    )
    .await
    .expect("create plain");

    // Update: the Secret follows the data.
    cms.patch(
        "app",
        &PatchParams::default(),
        &Patch::Merge(json!({"data": {"a": "2", "b": "3"}})),
    )
    .await
    .expect("patch app");
    wait_secret(&secrets, "app", "the update", |s| {
        s.map(data_of) == Some(map(&[("a", "2"), ("b", "3")]))
    })
    .await;

    // Repair: a hand edit of the Secret is undone, a deleted Secret comes back.
    secrets
        .patch(
            "app",
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"a": "eA=="}})),
        )
        .await
        .expect("tamper");
    wait_secret(&secrets, "app", "the repair", |s| {
        s.map(data_of) == Some(map(&[("a", "2"), ("b", "3")]))
    })
    .await;
    secrets
        .delete("app", &DeleteParams::default())
        .await
        .expect("delete secret");
    wait_secret(&secrets, "app", "the re-creation", |s| s.is_some()).await;
    assert!(secrets.get_opt("plain").await.expect("get").is_none());

    // Label removed: the Secret goes.
    cms.patch(
        "app",
        &PatchParams::default(),
        &Patch::Merge(json!({"metadata": {"labels": {configmap_secret::LABEL: null}}})),
    )
    .await
    .expect("unlabel");
    wait_secret(&secrets, "app", "the deletion on unlabel", |s| s.is_none()).await;

    // Delete: with no garbage collector, the controller deletes the Secret.
    cms.create(
        &PostParams::default(),
        &configmap("gone", true, &[("k", "v")]),
    )
    .await
    .expect("create gone");
    wait_secret(&secrets, "gone", "the Secret", |s| s.is_some()).await;
    cms.delete("gone", &DeleteParams::default())
        .await
        .expect("delete configmap");
    wait_secret(&secrets, "gone", "the deletion", |s| s.is_none()).await;

    // Somebody else's Secret of the same name is left alone, with a Warning.
    let mut theirs = Secret::default();
    theirs.metadata.name = Some("taken".into());
    theirs.data = Some(BTreeMap::from([(
        "mine".to_string(),
        ByteString(b"keep".to_vec()),
    )]));
    secrets
        .create(&PostParams::default(), &theirs)
        .await
        .expect("create theirs");
    cms.create(
        &PostParams::default(),
        &configmap("taken", true, &[("k", "v")]),
    )
    .await
    .expect("create taken");
    let events: Api<Event> = Api::namespaced(client.clone(), "default");
    let deadline = Instant::now() + Duration::from_secs(10);
    let reasons = loop {
        let reasons: Vec<(String, String)> = events
            .list(&ListParams::default())
            .await
            .expect("events")
            .items
            .iter()
            .map(|e| {
                (
                    e.reason.clone().unwrap_or_default(),
                    e.regarding
                        .as_ref()
                        .and_then(|r| r.name.clone())
                        .unwrap_or_default(),
                )
            })
            .collect();
        if reasons.iter().any(|(r, _)| r == "SecretExists") {
            break reasons;
        }
        assert!(
            Instant::now() < deadline,
            "no SecretExists event: {reasons:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let has = |reason: &str, name: &str| reasons.iter().any(|(r, n)| r == reason && n == name);
    assert!(has("SecretCreated", "app"), "{reasons:?}");
    assert!(has("SecretUpdated", "app"), "{reasons:?}");
    assert!(has("SecretDeleted", "gone"), "{reasons:?}");
    assert!(has("SecretExists", "taken"), "{reasons:?}");
    let taken = secrets.get("taken").await.expect("theirs");
    assert_eq!(data_of(&taken), map(&[("mine", "keep")]));
    assert!(taken.metadata.owner_references.is_none());

    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("the controller stops")
        .expect("run task");
}
