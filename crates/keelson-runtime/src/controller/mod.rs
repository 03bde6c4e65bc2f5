//! The controller loop (client-go's sample-controller, controller-runtime's
//! `Controller`): informers put keys on a rate-limited work queue, N workers
//! take them and reconcile.
//!
//! ```no_run
//! # async fn demo(client: keelson_client::RestClient) {
//! use k8s_openapi::api::core::v1::{ConfigMap, Secret};
//! use keelson_runtime::controller::{Action, Controller, ControllerConfig};
//! use keelson_runtime::leaderelection::CancellationToken;
//!
//! let controller = Controller::<ConfigMap>::new(client, ControllerConfig::new("configmaps"))
//!     .watches_owned::<Secret>();
//! let configmaps = controller.lister();
//! let shutdown = CancellationToken::new();
//! controller
//!     .run(
//!         move |key: String| {
//!             let configmaps = configmaps.clone();
//!             async move {
//!                 match configmaps.get(&key) {
//!                     Some(cm) => println!("{key}: {} keys", cm.data.as_ref().map_or(0, |d| d.len())),
//!                     None => println!("{key} is gone"),
//!                 }
//!                 Ok::<_, std::convert::Infallible>(Action::Done)
//!             }
//!         },
//!         shutdown,
//!     )
//!     .await;
//! # }
//! ```

mod action;
mod owner;
mod worker;

pub use action::Action;
pub use owner::controller_key;

use crate::informer::{
    meta_namespace_key, HandlerRegistration, Lister, Object, ResourceEventHandlerFuncs,
    SharedIndexInformer, SharedInformerFactory,
};
use crate::workqueue::{
    default_controller_rate_limiter, MetricsProvider, QueueConfig, RateLimiter, RateLimitingQueue,
};
use k8s_openapi::Resource;
use keelson_client::RestClient;
use serde::de::DeserializeOwned;
use std::fmt::Display;
use std::future::Future;
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// How a controller runs.
#[derive(Clone)]
pub struct ControllerConfig {
    /// The controller's name: its queue's name in logs and metrics.
    pub name: String,
    /// Workers reconciling at once (never two on the same key). Default 1.
    pub workers: usize,
    /// Where the queue reports `workqueue_*` metrics, under `name`.
    pub metrics: Option<MetricsProvider>,
    /// How failed keys back off; `None`: client-go's default controller rate
    /// limiter (5 ms doubling to 1000 s per key, 10 qps burst 100 overall).
    pub rate_limiter: Option<Arc<dyn RateLimiter<String>>>,
}

impl std::fmt::Debug for ControllerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ControllerConfig")
            .field("name", &self.name)
            .field("workers", &self.workers)
            .field("metrics", &self.metrics.is_some())
            .field("rate_limiter", &self.rate_limiter.is_some())
            .finish()
    }
}

impl ControllerConfig {
    /// One worker, no metrics.
    pub fn new(name: &str) -> ControllerConfig {
        ControllerConfig {
            name: name.to_string(),
            workers: 1,
            metrics: None,
            rate_limiter: None,
        }
    }

    /// Sets the number of workers (at least one).
    pub fn workers(mut self, workers: usize) -> ControllerConfig {
        self.workers = workers.max(1);
        self
    }

    /// Reports queue metrics to `provider`.
    pub fn metrics(mut self, provider: &MetricsProvider) -> ControllerConfig {
        self.metrics = Some(provider.clone());
        self
    }

    /// Backs failed keys off with `limiter`.
    pub fn rate_limiter(mut self, limiter: impl RateLimiter<String> + 'static) -> ControllerConfig {
        self.rate_limiter = Some(Arc::new(limiter));
        self
    }
}

type Unregister = Box<dyn FnOnce() + Send>;

/// Reconciles objects of kind `K`, keyed `namespace/name` (or `name` for
/// cluster-scoped kinds).
pub struct Controller<K> {
    config: ControllerConfig,
    factory: Arc<SharedInformerFactory>,
    owns_factory: bool,
    informer: SharedIndexInformer<K>,
    queue: RateLimitingQueue<String>,
    unregister: Vec<Unregister>,
}

impl<K> std::fmt::Debug for Controller<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("config", &self.config)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

impl<K> Controller<K>
where
    K: Resource + Object + DeserializeOwned,
    K::Scope: 'static,
{
    /// A controller with informers of its own, over all namespaces, stopped
    /// when it stops.
    pub fn new(client: RestClient, config: ControllerConfig) -> Controller<K> {
        let factory = Arc::new(SharedInformerFactory::new(client));
        let mut c = Controller::with_factory(factory, config);
        c.owns_factory = true;
        c
    }

    /// A controller on the informers of `factory`, shared with others: it
    /// starts the informers it needs, but stopping them is the factory
    /// owner's business.
    pub fn with_factory(
        factory: Arc<SharedInformerFactory>,
        config: ControllerConfig,
    ) -> Controller<K> {
        let mut queue_config = QueueConfig::named(&config.name);
        queue_config.metrics = config.metrics.clone();
        let queue = match &config.rate_limiter {
            Some(limiter) => RateLimitingQueue::with_config(limiter.clone(), queue_config),
            None => RateLimitingQueue::with_config(default_controller_rate_limiter(), queue_config),
        };
        let informer = factory.informer::<K>();
        let mut c = Controller {
            config,
            factory,
            owns_factory: false,
            informer,
            queue,
            unregister: Vec::new(),
        };
        let handler = {
            let (add, update, delete) = (c.queue.clone(), c.queue.clone(), c.queue.clone());
            ResourceEventHandlerFuncs::<K>::new()
                .on_add(move |o, _| add.add(meta_namespace_key(&**o)))
                .on_update(move |_, new| update.add(meta_namespace_key(&**new)))
                .on_delete(move |d| delete.add(d.key()))
        };
        let registration = c.informer.add_event_handler(handler);
        c.unregister.push(unregister(&c.informer, registration));
        c
    }

    /// Also reconciles the controlling owner (of kind `K`) whenever an `O`
    /// it owns is added, changed or deleted (`ownerReferences` with
    /// `controller: true`), so the owner puts back what others changed.
    pub fn watches_owned<O>(self) -> Controller<K>
    where
        O: Resource + Object + DeserializeOwned,
        O::Scope: 'static,
    {
        self.watches::<O>(|o| controller_key::<K, O>(o).into_iter().collect())
    }

    /// Also reconciles the keys `map` gives for every `O` added, changed
    /// (old and new state) or deleted.
    pub fn watches<O>(
        mut self,
        map: impl Fn(&O) -> Vec<String> + Send + Sync + 'static,
    ) -> Controller<K>
    where
        O: Resource + Object + DeserializeOwned,
        O::Scope: 'static,
    {
        let informer = self.factory.informer::<O>();
        let map = Arc::new(map);
        let (m_add, m_update, m_delete) = (map.clone(), map.clone(), map);
        let (add, update, delete) = (self.queue.clone(), self.queue.clone(), self.queue.clone());
        let registration = informer.add_event_handler(
            ResourceEventHandlerFuncs::<O>::new()
                .on_add(move |o, _| m_add(o).into_iter().for_each(|k| add.add(k)))
                .on_update(move |old, new| {
                    // An owner reference moved: both owners must look.
                    for k in m_update(old).into_iter().chain(m_update(new)) {
                        update.add(k);
                    }
                })
                .on_delete(move |d| m_delete(d.object()).into_iter().for_each(|k| delete.add(k))),
        );
        self.unregister.push(unregister(&informer, registration));
        self
    }

    /// The cache of `K` objects: what reconcile should read.
    pub fn lister(&self) -> Lister<K> {
        self.informer.lister()
    }

    /// The informer of `K`.
    pub fn informer(&self) -> &SharedIndexInformer<K> {
        &self.informer
    }

    /// The informer factory, e.g. for a lister of an owned kind
    /// (`factory().informer::<Secret>().lister()`: the informer `watches_owned` uses).
    pub fn factory(&self) -> &Arc<SharedInformerFactory> {
        &self.factory
    }

    /// The work queue, e.g. to enqueue a key by hand.
    pub fn queue(&self) -> &RateLimitingQueue<String> {
        &self.queue
    }

    /// Starts the informers, waits for their caches, then reconciles with
    /// `config.workers` workers until `shutdown` is cancelled. Then it stops
    /// its informers (if its own), lets the workers finish what is in flight
    /// and queued (delayed retries are dropped), and returns.
    ///
    /// `reconcile` gets a key and answers [`Action`] or an error, which is
    /// logged and retried with the rate limiter's backoff.
    pub async fn run<F, Fut, E>(mut self, reconcile: F, shutdown: CancellationToken)
    where
        F: Fn(String) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Action, E>> + Send + 'static,
        E: Display,
    {
        let name: Arc<str> = Arc::from(self.config.name.as_str());
        self.factory.start();
        let synced = tokio::select! {
            _ = shutdown.cancelled() => false,
            s = self.factory.wait_for_cache_sync() => s.iter().all(|(_, ok)| *ok),
        };
        let mut workers = Vec::new();
        if synced {
            tracing::info!(controller = %name, workers = self.config.workers, "caches synced, starting workers");
            let reconcile = Arc::new(reconcile);
            let erased: worker::Reconcile = Arc::new(move |key| {
                let fut = reconcile(key);
                Box::pin(async move { fut.await.map_err(|e| e.to_string()) })
            });
            for _ in 0..self.config.workers {
                workers.push(tokio::spawn(worker::run(
                    name.clone(),
                    self.queue.clone(),
                    erased.clone(),
                )));
            }
            shutdown.cancelled().await;
        } else {
            tracing::info!(controller = %name, "shut down before the caches synced");
        }
        tracing::info!(controller = %name, "shutting down workers");
        for f in self.unregister.drain(..) {
            f();
        }
        if self.owns_factory {
            self.factory.shutdown().await;
        }
        self.queue.shut_down_with_drain().await;
        for w in workers {
            if let Err(e) = w.await {
                tracing::error!(controller = %name, "worker failed: {e}");
            }
        }
    }
}

fn unregister<O: Object + DeserializeOwned>(
    informer: &SharedIndexInformer<O>,
    registration: HandlerRegistration,
) -> Unregister {
    let informer = informer.clone();
    Box::new(move || informer.remove_event_handler(registration))
}
