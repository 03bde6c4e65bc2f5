//! `informer`: the initial sync of a namespace full of 1 KiB ConfigMaps by
//! keelson-runtime's informer (WatchList, and paginated list + watch) and by
//! kube-rs's reflector (list + watch, and streaming lists), one after another
//! against the same server: time until the cache holds every object, and
//! memory per cached object. Then the rate of watch events the informer
//! keeps up with while concurrent clients patch the objects.

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::Endpoint;
use crate::kubeconfig::Target;
use crate::objects::populate;
use crate::report::{Report, Target as Goal};
use base64::Engine;
use futures::StreamExt;
use k8s_openapi::api::core::v1::ConfigMap;
use keelson_client::api::{Api, Patch, PatchParams};
use keelson_client::RestClient;
use keelson_runtime::informer::{
    ReflectorOptions, ResourceEventHandlerFuncs, SharedInformerFactory,
};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "informer";

/// How long any one sync may take before the scenario gives up.
const SYNC_LIMIT: Duration = Duration::from_secs(120);

/// Syncs of each kind.
const ROUNDS: usize = 2;

/// One initial sync: how long, and what the cache costs.
struct Sync {
    time: Duration,
    /// Until the reflector had the whole list (keelson only).
    listed: Option<Duration>,
    bytes_per_object: f64,
}

/// Runs the scenario and adds its figures to `report`. The object count is
/// the startup scenario's (100,000 at full size), the size the target is stated for.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let objects = ctx.sizes.startup_objects;
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    populate(pool, &ns, objects, ctx.clients, Duration::from_secs(900)).await?;
    let target = endpoint.target();
    let client = keelson_client(target)?;

    let kube = kube_client(target).await?;
    // The four syncs take turns, ROUNDS times, and each keeps its best time:
    // on a shared machine a single run says more about the neighbours.
    let mut best: [Option<Sync>; 4] = [None, None, None, None];
    for _ in 0..ROUNDS {
        let runs = [
            sync_keelson(&client, &ns, objects, true).await?,
            sync_keelson(&client, &ns, objects, false).await?,
            sync_kube(&kube, &ns, objects, false).await?,
            sync_kube(&kube, &ns, objects, true).await?,
        ];
        for (b, r) in best.iter_mut().zip(runs) {
            if b.as_ref().is_none_or(|b| r.time < b.time) {
                *b = Some(r);
            }
        }
    }
    let [Some(watch_list), Some(paged), Some(kube_list), Some(kube_stream)] = best else {
        return Err(BenchError::Process("no sync ran".into()));
    };
    report.figure(
        NAME,
        "keelson sync (WatchList)",
        ms(watch_list.time),
        "ms",
        Goal::below(3000.0),
    );
    report.info(
        NAME,
        "of which receiving the WatchList",
        watch_list.listed.and_then(ms),
        "ms",
    );
    report.info(
        NAME,
        "keelson memory per object",
        Some(watch_list.bytes_per_object),
        "B",
    );
    report.info(NAME, "keelson sync (list + watch)", ms(paged.time), "ms");
    report.info(
        NAME,
        "of which the paginated LIST",
        paged.listed.and_then(ms),
        "ms",
    );
    report.info(
        NAME,
        "keelson memory per object (list + watch)",
        Some(paged.bytes_per_object),
        "B",
    );
    report.info(
        NAME,
        "kube-rs sync (list + watch)",
        ms(kube_list.time),
        "ms",
    );
    report.info(
        NAME,
        "kube-rs memory per object",
        Some(kube_list.bytes_per_object),
        "B",
    );
    report.info(
        NAME,
        "kube-rs sync (streaming list)",
        ms(kube_stream.time),
        "ms",
    );
    report.info(
        NAME,
        "kube-rs memory per object (streaming list)",
        Some(kube_stream.bytes_per_object),
        "B",
    );
    report.info(NAME, "objects", Some(objects as f64), "");
    report.info(
        NAME,
        "syncs of each kind (best shown)",
        Some(ROUNDS as f64),
        "",
    );

    events(ctx, &client, &ns, objects, report).await
}

fn ms(d: Duration) -> Option<f64> {
    Some(d.as_secs_f64() * 1000.0)
}

fn keelson_client(target: &Target) -> Result<RestClient> {
    let mut config = keelson_client::Config::new(&format!("https://{}", target.addr))
        .map_err(|e| BenchError::Process(format!("client config: {e}")))?;
    config.tls.ca_pem = Some(target.ca_pem.clone());
    config.auth.token = Some(target.token.clone());
    config.qps = 0.0;
    config.user_agent = format!("keelson-bench/{}", env!("CARGO_PKG_VERSION"));
    RestClient::new(config).map_err(|e| BenchError::Process(format!("client: {e}")))
}

async fn kube_client(target: &Target) -> Result<kube::Client> {
    let ca = base64::engine::general_purpose::STANDARD.encode(&target.ca_pem);
    let yaml = format!(
        "apiVersion: v1\nkind: Config\ncurrent-context: bench\nclusters:\n- name: bench\n  cluster:\n    server: https://{}\n    certificate-authority-data: {ca}\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: bench\nusers:\n- name: bench\n  user:\n    token: {}\n",
        target.addr, target.token
    );
    let kubeconfig = kube::config::Kubeconfig::from_yaml(&yaml)
        .map_err(|e| BenchError::Process(format!("kube-rs kubeconfig: {e}")))?;
    let config = kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default())
        .await
        .map_err(|e| BenchError::Process(format!("kube-rs config: {e}")))?;
    kube::Client::try_from(config).map_err(|e| BenchError::Process(format!("kube-rs client: {e}")))
}

/// Resident memory of this process.
fn rss_bytes() -> f64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<f64>().ok())
        .map(|pages| pages * 4096.0)
        .unwrap_or(0.0)
}

/// Gives freed heap back to the kernel, so that resident memory counts what
/// is live rather than what decoding the lists once needed.
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory of the allocator.
    unsafe {
        libc::malloc_trim(0);
    }
}

async fn sync_keelson(
    client: &RestClient,
    ns: &str,
    objects: u64,
    use_watch_list: bool,
) -> Result<Sync> {
    trim();
    let before = rss_bytes();
    let t = Instant::now();
    let factory = SharedInformerFactory::new(client.clone())
        .with_namespace(ns)
        .with_options(ReflectorOptions {
            use_watch_list,
            ..Default::default()
        });
    let informer = factory.informer::<ConfigMap>();
    factory.start();
    // When the reflector hands the whole list to the queue: the rest of the
    // sync is the informer filling its cache.
    let stats = informer.stats().clone();
    let listed = tokio::spawn(async move {
        while stats.lists.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        t.elapsed()
    });
    let synced = tokio::time::timeout(SYNC_LIMIT, factory.wait_for_cache_sync()).await;
    let time = t.elapsed();
    let listed = listed.await.unwrap_or(time).min(time);
    let cached = informer.indexer().len() as u64;
    if synced.is_err() || cached != objects {
        factory.shutdown().await;
        return Err(BenchError::Http(format!(
            "keelson informer cached {cached} of {objects} objects in {time:?}"
        )));
    }
    trim();
    let bytes_per_object = (rss_bytes() - before) / objects as f64;
    factory.shutdown().await;
    drop(informer);
    drop(factory);
    trim();
    Ok(Sync {
        time,
        listed: Some(listed),
        bytes_per_object,
    })
}

async fn sync_kube(client: &kube::Client, ns: &str, objects: u64, streaming: bool) -> Result<Sync> {
    use kube::runtime::{reflector, watcher};
    trim();
    let before = rss_bytes();
    let t = Instant::now();
    let api: kube::Api<ConfigMap> = kube::Api::namespaced(client.clone(), ns);
    let config = if streaming {
        watcher::Config::default().streaming_lists()
    } else {
        watcher::Config::default()
    };
    let (reader, writer) = reflector::store();
    let stream = reflector(writer, watcher(api, config));
    let driver = tokio::spawn(stream.for_each(|_| futures::future::ready(())));
    let ready = tokio::time::timeout(SYNC_LIMIT, reader.wait_until_ready()).await;
    let time = t.elapsed();
    let cached = reader.len() as u64;
    if !matches!(ready, Ok(Ok(()))) || cached != objects {
        driver.abort();
        return Err(BenchError::Http(format!(
            "kube-rs reflector cached {cached} of {objects} objects in {time:?}"
        )));
    }
    trim();
    let bytes_per_object = (rss_bytes() - before) / objects as f64;
    driver.abort();
    let _ = driver.await;
    drop(reader);
    trim();
    Ok(Sync {
        time,
        listed: None,
        bytes_per_object,
    })
}

/// Concurrent clients patch the cached objects as fast as the server takes
/// it; the informer's handler counts the updates. Figures: writes the
/// server acknowledged per second, events the handler got per second, the
/// largest backlog (acknowledged writes not yet seen) and the time to drain
/// it after the writes stop.
async fn events(
    ctx: &Context,
    client: &RestClient,
    ns: &str,
    objects: u64,
    report: &mut Report,
) -> Result<()> {
    let factory = SharedInformerFactory::new(client.clone()).with_namespace(ns);
    let informer = factory.informer::<ConfigMap>();
    let seen = Arc::new(AtomicU64::new(0));
    let counter = seen.clone();
    informer.add_event_handler(ResourceEventHandlerFuncs::new().on_update(
        move |_: &Arc<ConfigMap>, _: &Arc<ConfigMap>| {
            counter.fetch_add(1, Ordering::Relaxed);
        },
    ));
    factory.start();
    factory.wait_for_cache_sync().await;

    let api: Api<ConfigMap> = Api::namespaced(client.clone(), ns);
    let stop = Arc::new(AtomicBool::new(false));
    let written = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let cpu = ctx.cpu_window();
    let start = Instant::now();
    let writers: Vec<_> = (0..ctx.clients.max(1))
        .map(|w| {
            let (api, stop, written, failed) =
                (api.clone(), stop.clone(), written.clone(), failed.clone());
            let clients = ctx.clients.max(1) as u64;
            tokio::spawn(async move {
                let mut i = w as u64;
                while !stop.load(Ordering::Relaxed) {
                    let name = crate::objects::configmap_name(i % objects);
                    let patch = serde_json::json!({"metadata": {"annotations": {"bench/n": i.to_string()}}});
                    match api
                        .patch(&name, &PatchParams::default(), &Patch::Merge(patch))
                        .await
                    {
                        Ok(_) => written.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                    i += clients;
                }
            })
        })
        .collect();
    let mut max_backlog = 0u64;
    while start.elapsed() < ctx.sizes.watch_duration {
        tokio::time::sleep(Duration::from_millis(10)).await;
        let backlog = written
            .load(Ordering::Relaxed)
            .saturating_sub(seen.load(Ordering::Relaxed));
        max_backlog = max_backlog.max(backlog);
    }
    stop.store(true, Ordering::Relaxed);
    for w in writers {
        let _ = w.await;
    }
    let window = start.elapsed();
    let seen_in_window = seen.load(Ordering::Relaxed);
    let writes = written.load(Ordering::Relaxed);
    let drain_start = Instant::now();
    while seen.load(Ordering::Relaxed) < writes && drain_start.elapsed() < Duration::from_secs(30) {
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let drain = drain_start.elapsed();
    let used = cpu.finish();
    factory.shutdown().await;
    if seen.load(Ordering::Relaxed) < writes {
        return Err(BenchError::Http(format!(
            "the informer saw {} of {writes} updates",
            seen.load(Ordering::Relaxed)
        )));
    }
    let secs = window.as_secs_f64();
    report.info(
        NAME,
        "writes acknowledged",
        Some(writes as f64 / secs),
        "/s",
    );
    report.info(
        NAME,
        "events delivered to the handler",
        Some(seen_in_window as f64 / secs),
        "/s",
    );
    report.info(NAME, "largest backlog", Some(max_backlog as f64), "events");
    report.info(NAME, "drain after the writes stopped", ms(drain), "ms");
    report.info(
        NAME,
        "failed writes",
        Some(failed.load(Ordering::Relaxed) as f64),
        "",
    );
    report.cpu(NAME, "patches + informer", used);
    Ok(())
}
