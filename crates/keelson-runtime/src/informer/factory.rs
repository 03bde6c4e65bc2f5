//! `SharedInformerFactory`: one informer per resource, however many callers
//! ask for it (client-go's `informers.SharedInformerFactory`, with the
//! dynamic and metadata factories folded in).

use super::list_watch::ListWatch;
use super::meta::{Object, PartialObjectMetadata};
use super::reflector::ReflectorOptions;
use super::shared::SharedIndexInformer;
use futures::future::BoxFuture;
use k8s_openapi::Resource;
use keelson_apimachinery::gvk::GroupVersionResource;
use keelson_client::{DynamicObject, RestClient};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use std::any::Any;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Adjusts the list and watch of every informer of a factory (client-go's
/// `TweakListOptionsFunc`), e.g. to add a label selector.
pub type TweakListWatch = Arc<dyn Fn(ListWatch) -> ListWatch + Send + Sync>;

/// What kind of objects an informer hands out: informers of the same
/// resource as typed, dynamic and metadata-only objects are three informers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Flavor {
    Typed,
    Dynamic,
    Metadata,
}

type InformerKey = (Flavor, GroupVersionResource);

/// The type-erased side of an informer the factory starts and waits for.
trait Runnable: Send + Sync {
    fn run(&self, stop: watch::Receiver<bool>) -> BoxFuture<'static, ()>;
    fn wait_for_cache_sync(&self, stop: watch::Receiver<bool>) -> BoxFuture<'static, bool>;
}

impl<K: Object + DeserializeOwned> Runnable for SharedIndexInformer<K> {
    fn run(&self, stop: watch::Receiver<bool>) -> BoxFuture<'static, ()> {
        let me = self.clone();
        Box::pin(async move { me.run(stop).await })
    }

    fn wait_for_cache_sync(&self, stop: watch::Receiver<bool>) -> BoxFuture<'static, bool> {
        let me = self.clone();
        Box::pin(async move { me.wait_for_cache_sync(stop).await })
    }
}

struct Entry {
    informer: Box<dyn Any + Send + Sync>,
    runnable: Arc<dyn Runnable>,
    name: String,
    started: bool,
}

/// Hands out shared informers and runs them:
///
/// ```no_run
/// # async fn demo(client: keelson_client::RestClient) {
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use keelson_runtime::informer::{ResourceEventHandlerFuncs, SharedInformerFactory};
///
/// let factory = SharedInformerFactory::new(client);
/// let configmaps = factory.informer::<ConfigMap>();
/// configmaps.add_event_handler(
///     ResourceEventHandlerFuncs::new().on_add(|cm: &std::sync::Arc<ConfigMap>, _| {
///         println!("{:?}", cm.metadata.name)
///     }),
/// );
/// factory.start();
/// factory.wait_for_cache_sync().await;
/// let lister = configmaps.lister();
/// println!("{:?}", lister.namespaced("default").get("kube-root-ca.crt").is_some());
/// factory.shutdown().await;
/// # }
/// ```
pub struct SharedInformerFactory {
    client: RestClient,
    namespace: Option<String>,
    options: ReflectorOptions,
    tweak: Option<TweakListWatch>,
    informers: Mutex<HashMap<InformerKey, Entry>>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl SharedInformerFactory {
    /// A factory for all namespaces, without resync.
    pub fn new(client: RestClient) -> SharedInformerFactory {
        SharedInformerFactory {
            client,
            namespace: None,
            options: ReflectorOptions::default(),
            tweak: None,
            informers: Mutex::new(HashMap::new()),
            stop: watch::channel(false).0,
            tasks: Mutex::new(Vec::new()),
        }
    }

    /// Informers of namespaced resources only watch `namespace` (client-go's `WithNamespace`).
    pub fn with_namespace(mut self, namespace: &str) -> Self {
        self.namespace = Some(namespace.to_string()).filter(|n| !n.is_empty());
        self
    }

    /// The default resync period of handlers (client-go's `defaultResync`).
    pub fn with_resync(mut self, period: Duration) -> Self {
        self.options.resync_period = Some(period).filter(|p| !p.is_zero());
        self
    }

    /// Reflector options for every informer (page size, WatchList, backoff).
    pub fn with_options(mut self, options: ReflectorOptions) -> Self {
        let resync = self.options.resync_period;
        self.options = options;
        self.options.resync_period = self.options.resync_period.or(resync);
        self
    }

    /// Adjusts every informer's list and watch, e.g. `|lw| lw.labels("app=web")`.
    pub fn with_tweak_list_watch(
        mut self,
        tweak: impl Fn(ListWatch) -> ListWatch + Send + Sync + 'static,
    ) -> Self {
        self.tweak = Some(Arc::new(tweak));
        self
    }

    fn get_or_create<K: Object + DeserializeOwned>(
        &self,
        key: InformerKey,
        list_watch: impl FnOnce() -> ListWatch,
    ) -> SharedIndexInformer<K> {
        let mut informers = self.informers.lock();
        if let Some(e) = informers.get(&key) {
            if let Some(i) = e.informer.downcast_ref::<SharedIndexInformer<K>>() {
                return i.clone();
            }
        }
        let mut lw = list_watch();
        if let Some(t) = &self.tweak {
            lw = t(lw);
        }
        let informer = SharedIndexInformer::<K>::new(lw, self.options.clone());
        informers.insert(
            key,
            Entry {
                informer: Box::new(informer.clone()),
                runnable: Arc::new(informer.clone()),
                name: informer.describe(),
                started: false,
            },
        );
        informer
    }

    /// The shared informer of the `k8s-openapi` kind `K`.
    pub fn informer<K>(&self) -> SharedIndexInformer<K>
    where
        K: Resource + Object + DeserializeOwned,
        K::Scope: 'static,
    {
        let gvr = GroupVersionResource::new(K::GROUP, K::VERSION, K::URL_PATH_SEGMENT);
        self.get_or_create((Flavor::Typed, gvr), || {
            ListWatch::typed::<K>(&self.client, self.namespace.as_deref())
        })
    }

    /// The shared informer of any resource (custom ones included) as
    /// [`DynamicObject`]s; `namespaced` as discovery says.
    pub fn dynamic_informer(
        &self,
        gvr: &GroupVersionResource,
        namespaced: bool,
    ) -> SharedIndexInformer<DynamicObject> {
        self.get_or_create((Flavor::Dynamic, gvr.clone()), || {
            ListWatch::dynamic(&self.client, gvr, namespaced, self.namespace.as_deref())
        })
    }

    /// The shared informer of any resource as [`PartialObjectMetadata`]:
    /// the server sends metadata only, so the cache stays small.
    pub fn metadata_informer(
        &self,
        gvr: &GroupVersionResource,
        namespaced: bool,
    ) -> SharedIndexInformer<PartialObjectMetadata> {
        self.get_or_create((Flavor::Metadata, gvr.clone()), || {
            ListWatch::dynamic(&self.client, gvr, namespaced, self.namespace.as_deref())
                .metadata_only()
        })
    }

    /// Starts every informer asked for so far and not yet started; call
    /// again after asking for more. Needs a tokio runtime.
    pub fn start(&self) {
        if *self.stop.borrow() {
            return;
        }
        let mut informers = self.informers.lock();
        let mut tasks = self.tasks.lock();
        for e in informers.values_mut().filter(|e| !e.started) {
            e.started = true;
            tasks.push(tokio::spawn(e.runnable.run(self.stop.subscribe())));
        }
    }

    /// Waits until every started informer has synced; each informer's name
    /// (`<resource>.<version>.<group>`) and whether it synced (false only
    /// when the factory was shut down first).
    pub async fn wait_for_cache_sync(&self) -> Vec<(String, bool)> {
        let waits: Vec<(String, Arc<dyn Runnable>)> = self
            .informers
            .lock()
            .values()
            .filter(|e| e.started)
            .map(|e| (e.name.clone(), e.runnable.clone()))
            .collect();
        let mut out = Vec::with_capacity(waits.len());
        for (name, r) in waits {
            out.push((name, r.wait_for_cache_sync(self.stop.subscribe()).await));
        }
        out.sort();
        out
    }

    /// Stops every informer and waits for them; handlers still get what
    /// was queued for them.
    pub async fn shutdown(&self) {
        self.stop.send_replace(true);
        let tasks: Vec<JoinHandle<()>> = std::mem::take(&mut *self.tasks.lock());
        for t in tasks {
            let _ = t.await;
        }
    }
}

impl Drop for SharedInformerFactory {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
