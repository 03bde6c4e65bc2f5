//! The controller loop against a real Keelson server: keys from informers,
//! retries, requeues, owned objects, one worker per key, graceful shutdown.

use k8s_openapi::api::core::v1::{ConfigMap, Secret};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::OwnerReference;
use keelson_client::api::{Api, DeleteParams, Patch, PatchParams, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::controller::{Action, Controller, ControllerConfig};
use keelson_runtime::leaderelection::CancellationToken;
use keelson_runtime::workqueue::ItemExponentialFailureRateLimiter;
use keelson_testing::TestServer;
use parking_lot::Mutex;
use serde_json::json;
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn client_for(server: &TestServer) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(server.kubeconfig_path());
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.qps = 1000.0;
    config.burst = 1000;
    RestClient::new(config).expect("client")
}

fn cms(client: &RestClient) -> Api<ConfigMap> {
    Api::namespaced(client.clone(), "default")
}

async fn create_cm(client: &RestClient, name: &str) -> ConfigMap {
    let mut cm = ConfigMap::default();
    cm.metadata.name = Some(name.to_string());
    cms(client)
        .create(&PostParams::default(), &cm)
        .await
        .expect("create configmap")
}

async fn set_data(client: &RestClient, name: &str, value: &str) {
    cms(client)
        .patch(
            name,
            &PatchParams::default(),
            &Patch::Merge(json!({"data": {"k": value}})),
        )
        .await
        .expect("patch configmap");
}

/// Every reconcile call: the key and when.
#[derive(Default)]
struct Calls(Mutex<Vec<(String, Instant)>>);

impl Calls {
    fn record(&self, key: &str) {
        self.0.lock().push((key.to_string(), Instant::now()));
    }

    fn of(&self, key: &str) -> Vec<Instant> {
        self.0
            .lock()
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, t)| *t)
            .collect()
    }

    fn count(&self, key: &str) -> usize {
        self.of(key).len()
    }
}

async fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn every_object_and_every_change_is_reconciled_by_key() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    create_cm(&client, "before").await;
    let controller = Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new("cms"));
    let lister = controller.lister();
    let calls = Arc::new(Calls::default());
    let seen_gone = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let (calls, seen_gone, shutdown) = (calls.clone(), seen_gone.clone(), shutdown.clone());
        controller.run(
            move |key: String| {
                let (calls, lister, seen_gone) = (calls.clone(), lister.clone(), seen_gone.clone());
                async move {
                    if key == "default/after" && lister.get(&key).is_none() {
                        seen_gone.store(true, Ordering::SeqCst);
                    }
                    calls.record(&key);
                    Ok::<_, String>(Action::Done)
                }
            },
            shutdown,
        )
    });
    wait_until("the existing object", || calls.count("default/before") == 1).await;
    create_cm(&client, "after").await;
    wait_until("the new object", || calls.count("default/after") == 1).await;
    set_data(&client, "after", "1").await;
    wait_until("the change", || calls.count("default/after") == 2).await;
    cms(&client)
        .delete("after", &DeleteParams::default())
        .await
        .expect("delete");
    wait_until("the deletion", || seen_gone.load(Ordering::SeqCst)).await;
    assert_eq!(calls.count("default/before"), 1, "nothing changed it");
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("run returns")
        .expect("run task");
}

#[tokio::test]
async fn failures_back_off_and_success_forgets_them() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    create_cm(&client, "flaky").await;
    let base = Duration::from_millis(50);
    let controller = Controller::<ConfigMap>::new(
        client.clone(),
        ControllerConfig::new("flaky").rate_limiter(ItemExponentialFailureRateLimiter::new(
            base,
            Duration::from_secs(10),
        )),
    );
    let queue = controller.queue().clone();
    let calls = Arc::new(Calls::default());
    let requeues_at_success = Arc::new(Mutex::new(None));
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let (calls, queue, at_success) =
            (calls.clone(), queue.clone(), requeues_at_success.clone());
        controller.run(
            move |key: String| {
                let (calls, queue, at_success) = (calls.clone(), queue.clone(), at_success.clone());
                async move {
                    calls.record(&key);
                    let n = calls.count(&key);
                    match n {
                        1 | 2 => Err(format!("attempt {n} failed")),
                        3 => panic!("attempt 3 panicked"),
                        _ => {
                            *at_success.lock() = Some(queue.num_requeues(&key));
                            Ok(Action::Done)
                        }
                    }
                }
            },
            shutdown.clone(),
        )
    });
    wait_until("the fourth attempt", || calls.count("default/flaky") == 4).await;
    let times = calls.of("default/flaky");
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // 50 ms, 100 ms, 200 ms: each retry waits the limiter's delay at least.
    for (i, gap) in gaps.iter().enumerate() {
        assert!(
            *gap >= base * 2u32.pow(i as u32),
            "retry {i} after {gap:?}: {gaps:?}"
        );
    }
    assert_eq!(
        *requeues_at_success.lock(),
        Some(3),
        "three failures counted"
    );
    wait_until("the failures are forgotten", || {
        queue.num_requeues(&"default/flaky".to_string()) == 0
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(calls.count("default/flaky"), 4, "no retry after success");
    shutdown.cancel();
    run.await.expect("run task");
}

#[tokio::test]
async fn requeue_after_runs_the_key_again_after_the_delay() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    create_cm(&client, "periodic").await;
    create_cm(&client, "again").await;
    let controller =
        Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new("periodic"));
    let calls = Arc::new(Calls::default());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let calls = calls.clone();
        controller.run(
            move |key: String| {
                let calls = calls.clone();
                async move {
                    calls.record(&key);
                    let n = calls.count(&key);
                    Ok::<_, String>(match (key.as_str(), n) {
                        ("default/periodic", 1) => Action::RequeueAfter(Duration::from_millis(300)),
                        ("default/again", 1 | 2) => Action::Requeue,
                        _ => Action::Done,
                    })
                }
            },
            shutdown.clone(),
        )
    });
    wait_until("the requeue", || calls.count("default/periodic") == 2).await;
    let t = calls.of("default/periodic");
    assert!(
        t[1] - t[0] >= Duration::from_millis(300),
        "after {:?}",
        t[1] - t[0]
    );
    wait_until("the rate-limited requeues", || {
        calls.count("default/again") == 3
    })
    .await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(calls.count("default/periodic"), 2);
    assert_eq!(calls.count("default/again"), 3);
    shutdown.cancel();
    run.await.expect("run task");
}

#[tokio::test]
async fn workers_share_keys_but_never_one_key() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    for i in 0..6 {
        create_cm(&client, &format!("cm-{i}")).await;
    }
    let controller =
        Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new("parallel").workers(4));
    let in_flight = Arc::new(Mutex::new(HashSet::new()));
    let max_parallel = Arc::new(AtomicUsize::new(0));
    let overlaps = Arc::new(AtomicUsize::new(0));
    let calls = Arc::new(Calls::default());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let (in_flight, max_parallel, overlaps, calls) = (
            in_flight.clone(),
            max_parallel.clone(),
            overlaps.clone(),
            calls.clone(),
        );
        controller.run(
            move |key: String| {
                let (in_flight, max_parallel, overlaps, calls) = (
                    in_flight.clone(),
                    max_parallel.clone(),
                    overlaps.clone(),
                    calls.clone(),
                );
                async move {
                    {
                        let mut f = in_flight.lock();
                        if !f.insert(key.clone()) {
                            overlaps.fetch_add(1, Ordering::SeqCst);
                        }
                        max_parallel.fetch_max(f.len(), Ordering::SeqCst);
                    }
                    tokio::time::sleep(Duration::from_millis(30)).await;
                    in_flight.lock().remove(&key);
                    calls.record(&key);
                    Ok::<_, String>(Action::Done)
                }
            },
            shutdown.clone(),
        )
    });
    wait_until("the initial objects", || {
        (0..6).all(|i| calls.count(&format!("default/cm-{i}")) >= 1)
    })
    .await;
    // Changes to one object while it is being reconciled.
    for v in 0..10 {
        set_data(&client, "cm-0", &v.to_string()).await;
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(overlaps.load(Ordering::SeqCst), 0, "one key on two workers");
    assert!(
        max_parallel.load(Ordering::SeqCst) > 1,
        "distinct keys ran in parallel"
    );
    let n = calls.count("default/cm-0");
    assert!(
        (2..=11).contains(&n),
        "changes coalesce while in flight: {n} runs"
    );
    shutdown.cancel();
    run.await.expect("run task");
}

#[tokio::test]
async fn changes_to_owned_objects_reconcile_their_controller() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let owner = create_cm(&client, "web").await;
    let controller = Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new("owners"))
        .watches_owned::<Secret>();
    let calls = Arc::new(Calls::default());
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let calls = calls.clone();
        controller.run(
            move |key: String| {
                let calls = calls.clone();
                async move {
                    calls.record(&key);
                    Ok::<_, String>(Action::Done)
                }
            },
            shutdown.clone(),
        )
    });
    wait_until("the owner", || calls.count("default/web") == 1).await;
    let secrets: Api<Secret> = Api::namespaced(client.clone(), "default");
    let mut owned = Secret::default();
    owned.metadata.name = Some("web-copy".into());
    owned.metadata.owner_references = Some(vec![OwnerReference {
        api_version: "v1".into(),
        kind: "ConfigMap".into(),
        name: "web".into(),
        uid: owner.metadata.uid.clone().expect("uid"),
        controller: Some(true),
        block_owner_deletion: Some(true),
    }]);
    secrets
        .create(&PostParams::default(), &owned)
        .await
        .expect("create owned");
    wait_until("the owned create", || calls.count("default/web") == 2).await;
    secrets
        .delete("web-copy", &DeleteParams::default())
        .await
        .expect("delete owned");
    wait_until("the owned delete", || calls.count("default/web") == 3).await;

    // Not controlled by a ConfigMap: nobody to tell.
    let mut stray = Secret::default();
    stray.metadata.name = Some("stray".into());
    secrets
        .create(&PostParams::default(), &stray)
        .await
        .expect("create stray");
    tokio::time::sleep(Duration::from_millis(300)).await;
    let keys: HashSet<String> = calls.0.lock().iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys, HashSet::from(["default/web".to_string()]));
    assert_eq!(calls.count("default/web"), 3);
    shutdown.cancel();
    run.await.expect("run task");
}

#[tokio::test]
async fn shutdown_lets_the_reconcile_in_flight_finish() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    create_cm(&client, "slow").await;
    let controller = Controller::<ConfigMap>::new(client.clone(), ControllerConfig::new("slow"));
    let started = Arc::new(AtomicBool::new(false));
    let finished = Arc::new(AtomicBool::new(false));
    let shutdown = CancellationToken::new();
    let run = tokio::spawn({
        let (started, finished) = (started.clone(), finished.clone());
        controller.run(
            move |_key: String| {
                let (started, finished) = (started.clone(), finished.clone());
                async move {
                    started.store(true, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(500)).await;
                    finished.store(true, Ordering::SeqCst);
                    Ok::<_, String>(Action::Done)
                }
            },
            shutdown.clone(),
        )
    });
    wait_until("the reconcile to start", || started.load(Ordering::SeqCst)).await;
    shutdown.cancel();
    tokio::time::timeout(Duration::from_secs(10), run)
        .await
        .expect("run returns")
        .expect("run task");
    assert!(
        finished.load(Ordering::SeqCst),
        "run returned before the reconcile finished"
    );
}

#[tokio::test]
async fn shutdown_before_the_caches_sync_returns_without_reconciling() {
    let server = TestServer::start().await;
    let client = client_for(&server);
    let controller = Controller::<ConfigMap>::new(client, ControllerConfig::new("early"));
    let calls = Arc::new(Calls::default());
    let shutdown = CancellationToken::new();
    shutdown.cancel();
    let c = calls.clone();
    tokio::time::timeout(
        Duration::from_secs(10),
        controller.run(
            move |key: String| {
                let c = c.clone();
                async move {
                    c.record(&key);
                    Ok::<_, String>(Action::Done)
                }
            },
            shutdown,
        ),
    )
    .await
    .expect("run returns");
    assert!(calls.0.lock().is_empty());
    drop(server);
}
