//! The informer under churn: 10,000 ConfigMaps created, updated and deleted
//! while its connections are cut at random, the server is restarted on the
//! same data and its history is compacted (so resumes meet `410 Gone` and
//! relist). At the end the cache must equal a fresh LIST, and the handler's
//! events, applied to an empty map, must give the same state, each object's
//! events in order.

use k8s_openapi::api::core::v1::ConfigMap;
use keelson_apiserver::{RunningServer, ServerConfig};
use keelson_client::api::{Api, DeleteParams, ListParams, Patch, PatchParams, PostParams};
use keelson_client::config::{ConfigOverrides, LoadingRules};
use keelson_client::{Config, RestClient};
use keelson_runtime::informer::{
    Backoff, DeltaObject, Object, ReflectorOptions, ResourceEventHandler, SharedInformerFactory,
};
use parking_lot::Mutex;
use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

const NAMESPACE: &str = "churn";
/// Objects created before the informer starts (the WatchList variant; the
/// paginated one, run alongside, takes fewer to keep both well under a minute).
const INITIAL: usize = 10_000;

/// A TCP proxy in front of the server that the test can sever: `cut` ends
/// every open connection, `down` refuses new ones (accepted, then closed).
struct Proxy {
    addr: SocketAddr,
    cuts: watch::Sender<u64>,
    down: Arc<AtomicBool>,
}

impl Proxy {
    async fn start(backend: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("proxy bind");
        let addr = listener.local_addr().expect("proxy addr");
        let (cuts, _) = watch::channel(0u64);
        let down = Arc::new(AtomicBool::new(false));
        let (cuts_tx, down2) = (cuts.clone(), down.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if down2.load(Ordering::SeqCst) {
                    continue;
                }
                let mut cut = cuts_tx.subscribe();
                tokio::spawn(async move {
                    let Ok(mut server) = TcpStream::connect(backend).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut.changed() => {}
                    }
                });
            }
        });
        Proxy { addr, cuts, down }
    }

    fn cut(&self) {
        self.cuts.send_modify(|n| *n += 1);
    }
}

fn client(kubeconfig: &std::path::Path, url: Option<&str>) -> RestClient {
    let rules = LoadingRules::default().with_explicit_path(kubeconfig);
    let mut config = Config::load(&rules, &ConfigOverrides::default()).expect("config");
    config.qps = 0.0;
    if let Some(url) = url {
        config.cluster_url = url.parse().expect("proxy url");
    }
    config.timeout = Some(Duration::from_secs(20));
    RestClient::new(config).expect("client")
}

fn rv(o: &impl Object) -> u64 {
    o.resource_version().parse().unwrap_or(0)
}

/// Replays the handler's events into a map and records every event that
/// does not follow from the previous state of its object.
#[derive(Default)]
struct Replay {
    state: Mutex<HashMap<String, u64>>,
    /// Highest resourceVersion seen per key, deletions included.
    last: Mutex<HashMap<String, u64>>,
    violations: Mutex<Vec<String>>,
    events: AtomicU64,
    tombstones: AtomicU64,
}

impl Replay {
    fn violation(&self, v: String) {
        let mut vs = self.violations.lock();
        if vs.len() < 20 {
            vs.push(v);
        }
    }

    fn advance(&self, key: &str, rv: u64, allow_equal: bool) {
        let mut last = self.last.lock();
        let prev = last.get(key).copied().unwrap_or(0);
        if rv < prev || (rv == prev && !allow_equal) {
            self.violation(format!("{key}: event at rv {rv} after rv {prev}"));
        }
        last.insert(key.to_string(), rv.max(prev));
    }
}

impl ResourceEventHandler<ConfigMap> for Replay {
    fn on_add(&self, obj: &Arc<ConfigMap>, _: bool) {
        self.events.fetch_add(1, Ordering::Relaxed);
        let key = format!("{}/{}", NAMESPACE, obj.name());
        self.advance(&key, rv(&**obj), false);
        if self.state.lock().insert(key.clone(), rv(&**obj)).is_some() {
            self.violation(format!("{key}: added while present"));
        }
    }

    fn on_update(&self, old: &Arc<ConfigMap>, new: &Arc<ConfigMap>) {
        self.events.fetch_add(1, Ordering::Relaxed);
        let key = format!("{}/{}", NAMESPACE, new.name());
        self.advance(&key, rv(&**new), false);
        let prev = self.state.lock().insert(key.clone(), rv(&**new));
        if prev != Some(rv(&**old)) {
            self.violation(format!(
                "{key}: update from rv {} but the replayed state is {prev:?}",
                rv(&**old)
            ));
        }
    }

    fn on_delete(&self, obj: &DeltaObject<ConfigMap>) {
        self.events.fetch_add(1, Ordering::Relaxed);
        let key = obj.key();
        let tomb = obj.is_final_state_unknown();
        if tomb {
            self.tombstones.fetch_add(1, Ordering::Relaxed);
        }
        // A tombstone carries the last state the informer knew: no newer.
        self.advance(&key, rv(&**obj.object()), tomb);
        let prev = self.state.lock().remove(&key);
        match prev {
            None => self.violation(format!("{key}: deleted while absent")),
            Some(p) if tomb && p != rv(&**obj.object()) => self.violation(format!(
                "{key}: tombstone at rv {} but the replayed state is {p}",
                rv(&**obj.object())
            )),
            _ => {}
        }
    }
}

async fn start_server(config: &ServerConfig) -> RunningServer {
    // The port of a server just shut down may take a moment to be free again.
    for _ in 0..50 {
        match keelson_apiserver::start(config.clone()).await {
            Ok(s) => return s,
            Err(e) => {
                tracing::info!("server start: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    panic!("server does not start on {}", config.secure_port);
}

async fn create_all(cms: &Api<ConfigMap>, names: impl Iterator<Item = usize>) {
    let names: Vec<usize> = names.collect();
    let chunks: Vec<Vec<usize>> = names
        .chunks(names.len().div_ceil(16))
        .map(|c| c.to_vec())
        .collect();
    let mut tasks = Vec::new();
    for chunk in chunks {
        let cms = cms.clone();
        tasks.push(tokio::spawn(async move {
            for i in chunk {
                let mut cm = ConfigMap::default();
                cm.metadata.name = Some(format!("c-{i}"));
                cm.data = Some(BTreeMap::from([("v".to_string(), "0".to_string())]));
                cms.create(&PostParams::default(), &cm)
                    .await
                    .expect("initial create");
            }
        }));
    }
    for t in tasks {
        t.await.expect("creator");
    }
}

/// Random creates, updates and deletes until `stop`; errors (the server is
/// restarting, the object exists or is gone) are part of the game.
async fn churn(cms: Api<ConfigMap>, names: usize, stop: Arc<AtomicBool>, writes: Arc<AtomicU64>) {
    while !stop.load(Ordering::Relaxed) {
        let name = format!("c-{}", rand::random::<u32>() as usize % names);
        let ok = match rand::random::<u32>() % 10 {
            0..=2 => {
                let mut cm = ConfigMap::default();
                cm.metadata.name = Some(name);
                cms.create(&PostParams::default(), &cm).await.is_ok()
            }
            3..=7 => {
                let patch = serde_json::json!({"data": {"v": rand::random::<u32>().to_string()}});
                cms.patch(&name, &PatchParams::default(), &Patch::Merge(patch))
                    .await
                    .is_ok()
            }
            _ => cms.delete(&name, &DeleteParams::default()).await.is_ok(),
        };
        if ok {
            writes.fetch_add(1, Ordering::Relaxed);
        } else {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn watch_list_cache_converges_through_cuts_restarts_and_compaction() {
    converges_through_chaos(true, INITIAL).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paginated_list_and_watch_cache_converges_through_cuts_restarts_and_compaction() {
    converges_through_chaos(false, 4_000).await;
}

async fn converges_through_chaos(use_watch_list: bool, initial: usize) {
    let started = Instant::now();
    let dir = tempfile::tempdir().expect("data dir");
    let mut config = ServerConfig {
        data_dir: dir.path().to_path_buf(),
        in_memory: false,
        secure_port: 0,
        // A short event ring: a watch resumed after a gap meets 410 Gone.
        watch_cache_capacity: 200,
        ..Default::default()
    };
    config.storage.compaction_min_age = Duration::from_millis(200);
    config.storage.compaction_min_revisions = 200;
    config.storage.compaction_interval = Some(Duration::from_millis(300));
    let server = start_server(&config).await;
    // Restarts reuse the port, so clients and proxy keep their address.
    config.secure_port = server.addr.port();
    let kubeconfig = server.kubeconfig.clone();
    let direct = client(&kubeconfig, None);
    let ns = serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}});
    direct
        .post()
        .resource("namespaces")
        .body(&ns)
        .send()
        .await
        .expect("namespace");
    let cms: Api<ConfigMap> = Api::namespaced(direct.clone(), NAMESPACE);
    create_all(&cms, 0..initial).await;
    let created = started.elapsed();

    let proxy = Proxy::start(server.addr).await;
    let through_proxy = client(&kubeconfig, Some(&format!("https://{}", proxy.addr)));
    let factory = SharedInformerFactory::new(through_proxy)
        .with_namespace(NAMESPACE)
        .with_options(ReflectorOptions {
            // Short waits so that the test spends its time on churn.
            backoff: Backoff::new(
                Duration::from_millis(50),
                Duration::from_millis(500),
                Duration::from_secs(5),
                1.0,
            ),
            use_watch_list,
            ..Default::default()
        });
    let informer = factory.informer::<ConfigMap>();
    let replay = Arc::new(Replay::default());
    informer.add_event_handler(replay.clone());
    factory.start();
    factory.wait_for_cache_sync().await;
    assert_eq!(informer.indexer().len(), initial);

    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let writers: Vec<_> = (0..6)
        .map(|_| {
            tokio::spawn(churn(
                cms.clone(),
                initial * 6 / 5,
                stop.clone(),
                writes.clone(),
            ))
        })
        .collect();

    // Chaos: cuts, outages long enough for the history to be compacted, one restart.
    let mut server = Some(server);
    let mut restarts = 0;
    let stats = informer.stats().clone();
    let connected =
        || stats.watches.load(Ordering::Relaxed) + stats.watch_lists.load(Ordering::Relaxed);
    let mut at_last_cut = connected();
    for round in 0..10 {
        // Each cut hits a live watch: wait for the informer to be watching
        // again (a relist of 10,000 objects takes a while in a debug build).
        let deadline = Instant::now() + Duration::from_secs(10);
        while connected() == at_last_cut && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(200 + rand::random::<u64>() % 600)).await;
        proxy.cut();
        at_last_cut = connected();
        if round % 3 == 1 {
            proxy.down.store(true, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(1200)).await;
            proxy.down.store(false, Ordering::SeqCst);
        }
        if round == 5 {
            if let Some(s) = server.take() {
                s.shutdown().await;
            }
            server = Some(start_server(&config).await);
            restarts += 1;
        }
    }
    stop.store(true, Ordering::SeqCst);
    for w in writers {
        w.await.expect("writer");
    }

    // What the server has now, by a fresh LIST.
    let list = cms.list(&ListParams::default()).await.expect("fresh list");
    let want: BTreeMap<String, u64> = list
        .items
        .iter()
        .map(|c| (format!("{NAMESPACE}/{}", c.name()), rv(c)))
        .collect();
    let cache = || -> BTreeMap<String, u64> {
        informer
            .indexer()
            .list()
            .iter()
            .map(|c| (format!("{NAMESPACE}/{}", c.name()), rv(&**c)))
            .collect()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    while cache() != want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let got = cache();
    let diff: Vec<_> = want
        .iter()
        .filter(|(k, v)| got.get(*k) != Some(v))
        .take(5)
        .collect();
    assert_eq!(
        got.len(),
        want.len(),
        "cache size; first differences: {diff:?}"
    );
    assert!(got == want, "cache differs from a fresh LIST: {diff:?}");

    let replayed = || -> BTreeMap<String, u64> {
        replay
            .state
            .lock()
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect()
    };
    while replayed() != want && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        replayed() == want,
        "handler events do not replay to the LIST"
    );
    assert_eq!(*replay.violations.lock(), Vec::<String>::new());

    let stats = informer.stats();
    let gone = stats.gone.load(Ordering::Relaxed);
    let lists = stats.lists.load(Ordering::Relaxed);
    eprintln!(
        "churn (WatchList {use_watch_list}): {initial} created in {created:?}; {} writes, {} handler events ({} final-state-unknown deletes), \
         {lists} lists ({} by WatchList), {} watches, {gone} x 410 Gone, {} errors, {restarts} restart(s), {:?} in all",
        writes.load(Ordering::Relaxed),
        replay.events.load(Ordering::Relaxed),
        replay.tombstones.load(Ordering::Relaxed),
        stats.watch_lists.load(Ordering::Relaxed),
        stats.watches.load(Ordering::Relaxed),
        stats.errors.load(Ordering::Relaxed),
        started.elapsed(),
    );
    // Typically thousands; a few hundred on a machine loaded by other builds.
    assert!(
        writes.load(Ordering::Relaxed) >= 200,
        "the churn wrote too little"
    );
    assert!(gone >= 1, "history compaction never forced a relist");
    assert_eq!(
        stats.watch_lists.load(Ordering::Relaxed) > 0,
        use_watch_list
    );
    assert!(lists >= 2, "never relisted");
    assert!(
        stats.watches.load(Ordering::Relaxed) >= 2,
        "never resumed a watch"
    );
    factory.shutdown().await;
    if let Some(s) = server {
        s.shutdown().await;
    }
}
