//! `SharedIndexInformer`: one reflector, one cache, any number of handlers
//! (client-go's `sharedIndexInformer`).

use super::delta_fifo::{Delta, DeltaFifo, DeltaObject, DeltaType};
use super::handler::{Listener, Notification, ResourceEventHandler};
use super::list_watch::ListWatch;
use super::lister::Lister;
use super::meta::Object;
use super::reflector::{Reflector, ReflectorOptions, ReflectorStats, Transform};
use super::store::{IndexError, IndexFunc, Indexer};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Identifies a handler added with
/// [`add_event_handler`](SharedIndexInformer::add_event_handler), to remove it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HandlerRegistration(u64);

struct Processor<K> {
    listeners: Vec<Listener<K>>,
    /// Handlers whose resync is due: they alone see same-resourceVersion updates.
    syncing: Vec<u64>,
    next_id: u64,
    running: bool,
}

impl<K: Send + Sync + 'static> Processor<K> {
    fn distribute(&self, n: impl Fn() -> Notification<K>, sync: bool) {
        for l in &self.listeners {
            if !sync || self.syncing.contains(&l.id) {
                l.send(n());
            }
        }
    }
}

struct Inner<K> {
    indexer: Arc<Indexer<K>>,
    fifo: Arc<DeltaFifo<K>>,
    list_watch: ListWatch,
    options: ReflectorOptions,
    processor: Mutex<Processor<K>>,
    stats: Arc<ReflectorStats>,
    started: AtomicBool,
    transform: Mutex<Option<Transform<K>>>,
}

/// A cache of one resource kept in step by one list + watch, shared by any
/// number of handlers; see the [module documentation](super).
pub struct SharedIndexInformer<K> {
    inner: Arc<Inner<K>>,
}

impl<K> Clone for SharedIndexInformer<K> {
    fn clone(&self) -> Self {
        SharedIndexInformer {
            inner: self.inner.clone(),
        }
    }
}

impl<K> SharedIndexInformer<K>
where
    K: Object + DeserializeOwned,
{
    /// An informer over `list_watch`. `options.resync_period` is the resync
    /// period of handlers added without one (client-go's `defaultEventHandlerResyncPeriod`).
    pub fn new(list_watch: ListWatch, options: ReflectorOptions) -> Self {
        let indexer = Arc::new(Indexer::new());
        SharedIndexInformer {
            inner: Arc::new(Inner {
                fifo: Arc::new(DeltaFifo::new(Some(indexer.clone()))),
                indexer,
                list_watch,
                options,
                processor: Mutex::new(Processor {
                    listeners: Vec::new(),
                    syncing: Vec::new(),
                    next_id: 0,
                    running: false,
                }),
                stats: Arc::new(ReflectorStats::default()),
                started: AtomicBool::new(false),
                transform: Mutex::new(None),
            }),
        }
    }

    /// Adds a handler with the informer's default resync period. Added after
    /// the start, it first gets an `on_add` for every cached object (and,
    /// being started at once, must be added from within the tokio runtime).
    pub fn add_event_handler(&self, handler: impl ResourceEventHandler<K>) -> HandlerRegistration {
        self.add_event_handler_with_resync(handler, self.inner.options.resync_period)
    }

    /// Adds a handler that also gets every cached object as an update every
    /// `resync` (none: never). A period shorter than the informer's resync
    /// check period (the shortest known at start) is raised to it.
    pub fn add_event_handler_with_resync(
        &self,
        handler: impl ResourceEventHandler<K>,
        resync: Option<Duration>,
    ) -> HandlerRegistration {
        // Taking the processor lock blocks the delta processing (client-go's
        // blockDeltas): the replayed cache and the live notifications neither
        // overlap nor leave a gap.
        let mut p = self.inner.processor.lock();
        let id = p.next_id;
        p.next_id += 1;
        let mut listener = Listener::new(id, Arc::new(handler), resync);
        if p.running {
            for obj in self.inner.indexer.list() {
                listener.send(Notification::Add(obj, true));
            }
            listener.spawn();
        }
        p.listeners.push(listener);
        HandlerRegistration(id)
    }

    /// Removes a handler; notifications already queued for it are still delivered.
    pub fn remove_event_handler(&self, registration: HandlerRegistration) {
        self.inner
            .processor
            .lock()
            .listeners
            .retain(|l| l.id != registration.0);
    }

    /// Changes every object before it is cached (client-go's `SetTransform`),
    /// e.g. `|cm| cm.metadata.managed_fields = None`. Only before [`run`](Self::run).
    pub fn set_transform(&self, transform: impl Fn(&mut K) + Send + Sync + 'static) {
        *self.inner.transform.lock() = Some(Arc::new(transform));
    }

    /// Adds index functions to the cache.
    pub fn add_indexers(
        &self,
        indexers: impl IntoIterator<Item = (String, IndexFunc<K>)>,
    ) -> Result<(), IndexError> {
        self.inner.indexer.add_indexers(indexers)
    }

    /// The cache.
    pub fn indexer(&self) -> &Arc<Indexer<K>> {
        &self.inner.indexer
    }

    /// A lister over the cache.
    pub fn lister(&self) -> Lister<K> {
        Lister::new(self.inner.indexer.clone())
    }

    /// Whether the first list has been applied to the cache (client-go's `HasSynced`).
    pub fn has_synced(&self) -> bool {
        self.inner.fifo.has_synced()
    }

    /// Waits until [`has_synced`](Self::has_synced), or `stop` turns true
    /// first; answers whether the cache synced.
    pub async fn wait_for_cache_sync(&self, mut stop: watch::Receiver<bool>) -> bool {
        let mut synced = self.inner.fifo.synced();
        tokio::select! {
            r = synced.wait_for(|s| *s) => r.is_ok(),
            _ = stop.wait_for(|s| *s) => self.has_synced(),
        }
    }

    /// The reflector's counters and last synced resourceVersion.
    pub fn stats(&self) -> &Arc<ReflectorStats> {
        &self.inner.stats
    }

    /// The resourceVersion of the last list, event or bookmark seen.
    pub fn last_sync_resource_version(&self) -> String {
        self.inner.stats.last_sync_resource_version()
    }

    /// `<resource>.<version>.<group>`.
    pub fn describe(&self) -> String {
        self.inner.list_watch.describe()
    }

    /// Runs the informer until `stop` turns true: lists, watches, fills the
    /// cache and calls the handlers. A second call returns at once.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        if self.inner.started.swap(true, Ordering::SeqCst) {
            return;
        }
        let resync_check = {
            let mut p = self.inner.processor.lock();
            p.running = true;
            for l in &mut p.listeners {
                l.spawn();
            }
            p.listeners
                .iter()
                .filter_map(|l| l.resync_period())
                .min()
                .or(self.inner.options.resync_period)
        };
        let mut options = self.inner.options.clone();
        options.resync_period = resync_check;
        let weak = Arc::downgrade(&self.inner);
        options.should_resync = Some(Arc::new(move || {
            let Some(inner) = weak.upgrade() else {
                return false;
            };
            let mut p = inner.processor.lock();
            let now = Instant::now();
            let mut syncing = Vec::new();
            for l in &mut p.listeners {
                if l.should_resync(now) {
                    syncing.push(l.id);
                }
            }
            p.syncing = syncing;
            !p.syncing.is_empty()
        }));
        let reflector = Reflector::new(
            self.inner.list_watch.clone(),
            self.inner.fifo.clone(),
            options,
        )
        .with_stats(self.inner.stats.clone())
        .with_transform(self.inner.transform.lock().clone());
        let reflector = tokio::spawn(reflector.run(stop.clone()));
        let inner = self.inner.clone();
        loop {
            tokio::select! {
                r = inner.fifo.pop(|deltas, initial| inner.process(deltas, initial)) => {
                    if r.is_none() {
                        break;
                    }
                }
                _ = stop.wait_for(|s| *s) => break,
            }
        }
        self.inner.fifo.close();
        let _ = reflector.await;
        // Dropping the listeners ends their tasks once they drained their queues.
        let mut p = self.inner.processor.lock();
        p.listeners.clear();
        p.running = false;
    }
}

impl<K: Object> Inner<K> {
    /// Applies one key's deltas to the cache and tells the handlers
    /// (client-go's `processDeltas`). Runs with the queue locked.
    fn process(&self, deltas: Vec<Delta<K>>, is_in_initial_list: bool) {
        let p = self.processor.lock();
        for d in deltas {
            match d.delta_type {
                DeltaType::Sync | DeltaType::Replaced | DeltaType::Added | DeltaType::Updated => {
                    let obj = d.object.object().clone();
                    match self.indexer.upsert(d.object.key(), obj.clone()) {
                        Some(old) => {
                            // An update that does not change the resourceVersion
                            // (resync, or a relist of an unchanged object) only
                            // goes to handlers whose resync is due.
                            let sync = old.resource_version() == obj.resource_version();
                            p.distribute(|| Notification::Update(old.clone(), obj.clone()), sync);
                        }
                        None => {
                            p.distribute(
                                || Notification::Add(obj.clone(), is_in_initial_list),
                                false,
                            );
                        }
                    }
                }
                DeltaType::Deleted => {
                    self.indexer.delete_by_key(&d.object.key());
                    let gone: DeltaObject<K> = d.object;
                    p.distribute(|| Notification::Delete(gone.clone()), false);
                }
            }
        }
    }
}
