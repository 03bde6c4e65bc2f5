//! Informers against a real Keelson server: typed, dynamic and metadata-only
//! caches, handler events, listers, WatchList and the list + watch fallback, resync.

use k8s_openapi::api::core::v1::ConfigMap;
use keelson_apimachinery::gvk::GroupVersionResource;
use keelson_apimachinery::selector::LabelSelector;
use keelson_client::api::{Api, DeleteParams, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::informer::{
    meta_namespace_key, DeltaObject, Object, ReflectorOptions, ResourceEventHandlerFuncs,
    SharedInformerFactory,
};
use keelson_testing::TestServer;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.qps = 0.0;
    RestClient::new(config).expect("client")
}

fn configmap(name: &str, labels: &[(&str, &str)], value: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.into());
    cm.metadata.labels = Some(
        labels
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    cm.data = Some(BTreeMap::from([("v".to_string(), value.to_string())]));
    cm
}

async fn eventually(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// What a handler saw, as text: `add ns/name rv`, `update ns/name old->new`, `delete ns/name`.
type Log = Arc<Mutex<Vec<String>>>;

fn recorder<K: Object>(log: &Log, only: &'static str) -> ResourceEventHandlerFuncs<K> {
    let (a, u, d) = (log.clone(), log.clone(), log.clone());
    ResourceEventHandlerFuncs::new()
        .on_add(move |o: &Arc<K>, _| {
            if o.name().starts_with(only) {
                a.lock().push(format!("add {}", meta_namespace_key(&**o)));
            }
        })
        .on_update(move |old: &Arc<K>, new: &Arc<K>| {
            if new.name().starts_with(only) {
                let same = if old.resource_version() == new.resource_version() {
                    " (resync)"
                } else {
                    ""
                };
                u.lock()
                    .push(format!("update {}{same}", meta_namespace_key(&**new)));
            }
        })
        .on_delete(move |o: &DeltaObject<K>| {
            if o.object().name().starts_with(only) {
                let tomb = if o.is_final_state_unknown() {
                    " (final state unknown)"
                } else {
                    ""
                };
                d.lock().push(format!("delete {}{tomb}", o.key()));
            }
        })
}

#[tokio::test]
async fn typed_informer_caches_lists_and_notifies_in_order() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    let pp = PostParams::default();
    cms.create(&pp, &configmap("t-a", &[("app", "web")], "1"))
        .await
        .expect("create");
    cms.create(&pp, &configmap("t-b", &[("app", "db")], "1"))
        .await
        .expect("create");

    let factory = SharedInformerFactory::new(client.clone());
    let informer = factory.informer::<ConfigMap>();
    informer.set_transform(|cm: &mut ConfigMap| cm.metadata.managed_fields = None);
    // Asking twice gives the same informer: one list + watch per resource.
    let again = factory.informer::<ConfigMap>();
    let log: Log = Default::default();
    informer.add_event_handler(recorder::<ConfigMap>(&log, "t-"));
    factory.start();
    assert_eq!(
        factory.wait_for_cache_sync().await,
        vec![("configmaps.v1".to_string(), true)]
    );
    assert!(again.has_synced());
    eventually("initial adds", || log.lock().len() == 2).await;
    let mut initial = log.lock().clone();
    initial.sort();
    assert_eq!(initial, ["add default/t-a", "add default/t-b"]);

    let lister = informer.lister();
    let web: LabelSelector = "app=web".parse().expect("selector");
    let names: Vec<String> = lister
        .namespaced("default")
        .list(&web)
        .iter()
        .map(|c| c.name().to_string())
        .collect();
    assert_eq!(names, ["t-a"]);
    assert!(lister.namespaced("default").get("t-b").is_some());
    assert!(lister.namespaced("other").get("t-b").is_none());

    // Changes arrive in the order they were made.
    let mut b = cms.get("t-b").await.expect("get");
    b.data = Some(BTreeMap::from([("v".to_string(), "2".to_string())]));
    let b = cms.replace("t-b", &pp, &b).await.expect("replace");
    cms.delete("t-a", &DeleteParams::default())
        .await
        .expect("delete");
    cms.create(&pp, &configmap("t-c", &[], "1"))
        .await
        .expect("create");
    eventually("three more events", || log.lock().len() == 5).await;
    assert_eq!(
        log.lock()[2..],
        [
            "update default/t-b",
            "delete default/t-a",
            "add default/t-c"
        ]
    );
    let cached = lister.namespaced("default").get("t-b").expect("cached");
    assert_eq!(cached.resource_version(), b.resource_version());
    assert!(b.metadata.managed_fields.is_some());
    assert_eq!(
        cached.metadata.managed_fields, None,
        "transformed before caching"
    );
    assert!(lister.namespaced("default").get("t-a").is_none());

    let stats = informer.stats();
    assert_eq!(
        stats.watch_lists.load(Ordering::Relaxed),
        1,
        "synced by WatchList"
    );
    assert!(!stats.watch_list_unsupported.load(Ordering::Relaxed));
    factory.shutdown().await;
}

#[tokio::test]
async fn list_and_watch_pages_through_the_list_when_watch_list_is_off() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "paged");
    let ns =
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "paged"}});
    client
        .post()
        .resource("namespaces")
        .body(&ns)
        .send()
        .await
        .expect("namespace");
    for i in 0..7 {
        cms.create(
            &PostParams::default(),
            &configmap(&format!("p-{i}"), &[], "1"),
        )
        .await
        .expect("create");
    }
    let factory = SharedInformerFactory::new(client.clone())
        .with_namespace("paged")
        .with_options(ReflectorOptions {
            page_size: 3,
            use_watch_list: false,
            ..Default::default()
        });
    let informer = factory.informer::<ConfigMap>();
    factory.start();
    factory.wait_for_cache_sync().await;
    let mut keys = informer.indexer().list_keys();
    keys.sort();
    let want: Vec<String> = (0..7).map(|i| format!("paged/p-{i}")).collect();
    assert_eq!(keys, want);
    let stats = informer.stats();
    assert_eq!(
        stats.list_pages.load(Ordering::Relaxed),
        3,
        "7 objects in pages of 3"
    );
    assert_eq!(stats.watch_lists.load(Ordering::Relaxed), 0);
    // The watch picks up from the list's resourceVersion.
    cms.create(&PostParams::default(), &configmap("p-late", &[], "1"))
        .await
        .expect("create");
    eventually("watched add", || {
        informer.indexer().get_by_key("paged/p-late").is_some()
    })
    .await;
    assert!(stats.watches.load(Ordering::Relaxed) >= 1);
    factory.shutdown().await;
}

#[tokio::test]
async fn dynamic_and_metadata_informers_share_nothing_but_the_server() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(
        &PostParams::default(),
        &configmap("d-a", &[("k", "v")], "payload"),
    )
    .await
    .expect("create");
    let gvr = GroupVersionResource::new("", "v1", "configmaps");
    let factory = SharedInformerFactory::new(client.clone());
    // WatchList off: list items are the ones that may come without their kind.
    let factory = factory.with_options(ReflectorOptions {
        use_watch_list: false,
        ..Default::default()
    });
    let dynamic = factory.dynamic_informer(&gvr, true);
    let metadata = factory.metadata_informer(&gvr, true);
    let log: Log = Default::default();
    metadata.add_event_handler(recorder(&log, "d-"));
    factory.start();
    let synced = factory.wait_for_cache_sync().await;
    assert_eq!(synced.len(), 2, "two informers: {synced:?}");
    assert!(synced.iter().all(|(_, ok)| *ok));

    let d = dynamic
        .indexer()
        .get_by_key("default/d-a")
        .expect("dynamic object cached");
    assert_eq!(d.data["data"]["v"], "payload");
    assert_eq!(
        (d.api_version.as_str(), d.kind.as_str()),
        ("v1", "ConfigMap")
    );
    let m = metadata
        .indexer()
        .get_by_key("default/d-a")
        .expect("metadata cached");
    assert_eq!(m.kind, "PartialObjectMetadata");
    assert_eq!(m.api_version, "meta.k8s.io/v1");
    assert_eq!(
        m.metadata
            .labels
            .as_ref()
            .and_then(|l| l.get("k"))
            .map(String::as_str),
        Some("v")
    );

    // Watch events arrive as PartialObjectMetadata too.
    cms.delete("d-a", &DeleteParams::default())
        .await
        .expect("delete");
    eventually("metadata delete", || log.lock().len() == 2).await;
    assert_eq!(*log.lock(), ["add default/d-a", "delete default/d-a"]);
    eventually("dynamic delete", || {
        dynamic.indexer().get_by_key("default/d-a").is_none()
    })
    .await;
    factory.shutdown().await;
}

#[tokio::test]
async fn late_handlers_get_the_cache_and_resync_goes_only_to_those_asking() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let cms: Api<ConfigMap> = Api::namespaced(client.clone(), "default");
    cms.create(&PostParams::default(), &configmap("r-a", &[], "1"))
        .await
        .expect("create");
    let factory = SharedInformerFactory::new(client.clone());
    let informer = factory.informer::<ConfigMap>();
    let plain: Log = Default::default();
    let resyncing: Log = Default::default();
    informer.add_event_handler(recorder(&plain, "r-"));
    informer.add_event_handler_with_resync(
        recorder(&resyncing, "r-"),
        Some(Duration::from_millis(200)),
    );
    factory.start();
    factory.wait_for_cache_sync().await;
    eventually("two resyncs", || resyncing.lock().len() >= 3).await;
    assert_eq!(resyncing.lock()[0], "add default/r-a");
    assert!(resyncing.lock()[1..]
        .iter()
        .all(|e| e == "update default/r-a (resync)"));
    assert_eq!(
        *plain.lock(),
        ["add default/r-a"],
        "no resync without a period"
    );

    let late: Log = Default::default();
    let reg = informer.add_event_handler(recorder(&late, "r-"));
    eventually("replayed cache", || late.lock().len() == 1).await;
    assert_eq!(*late.lock(), ["add default/r-a"]);
    informer.remove_event_handler(reg);
    cms.create(&PostParams::default(), &configmap("r-b", &[], "1"))
        .await
        .expect("create");
    eventually("add to the remaining handler", || plain.lock().len() == 2).await;
    assert_eq!(late.lock().len(), 1, "removed handlers hear nothing more");
    factory.shutdown().await;
}
