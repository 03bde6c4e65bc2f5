//! Event handlers (client-go's `ResourceEventHandler`) and the per-handler
//! delivery that keeps each handler's events in order.

use super::delta_fifo::DeltaObject;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Receives an informer's notifications, one at a time and in the order the
/// cache changed, on a task of its own: a slow handler delays only itself.
/// Handlers get the cached objects and must not change them.
pub trait ResourceEventHandler<K>: Send + Sync + 'static {
    /// An object appeared; `is_in_initial_list` while the informer's first
    /// list is being delivered.
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        let _ = (obj, is_in_initial_list);
    }

    /// An object changed; also called on resync with `old` and `new` the same
    /// resourceVersion (only for handlers registered with a resync period).
    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        let _ = (old, new);
    }

    /// An object was deleted: its last state, or a
    /// [`DeletedFinalStateUnknown`](super::DeletedFinalStateUnknown) when the
    /// deletion was only noticed by a relist.
    fn on_delete(&self, obj: &DeltaObject<K>) {
        let _ = obj;
    }
}

type AddFn<K> = Box<dyn Fn(&Arc<K>, bool) + Send + Sync>;
type UpdateFn<K> = Box<dyn Fn(&Arc<K>, &Arc<K>) + Send + Sync>;
type DeleteFn<K> = Box<dyn Fn(&DeltaObject<K>) + Send + Sync>;

/// A handler from closures (client-go's `ResourceEventHandlerFuncs`):
///
/// ```
/// use k8s_openapi::api::core::v1::ConfigMap;
/// use keelson_runtime::informer::ResourceEventHandlerFuncs;
/// let h = ResourceEventHandlerFuncs::<ConfigMap>::new()
///     .on_add(|cm, _| println!("added {:?}", cm.metadata.name))
///     .on_delete(|d| println!("deleted {}", d.key()));
/// # let _ = h;
/// ```
pub struct ResourceEventHandlerFuncs<K> {
    add: Option<AddFn<K>>,
    update: Option<UpdateFn<K>>,
    delete: Option<DeleteFn<K>>,
}

impl<K> Default for ResourceEventHandlerFuncs<K> {
    fn default() -> Self {
        ResourceEventHandlerFuncs {
            add: None,
            update: None,
            delete: None,
        }
    }
}

impl<K> ResourceEventHandlerFuncs<K> {
    /// A handler that ignores everything until given closures.
    pub fn new() -> Self {
        Self::default()
    }

    /// Called for additions.
    pub fn on_add(mut self, f: impl Fn(&Arc<K>, bool) + Send + Sync + 'static) -> Self {
        self.add = Some(Box::new(f));
        self
    }

    /// Called for updates (and resyncs).
    pub fn on_update(mut self, f: impl Fn(&Arc<K>, &Arc<K>) + Send + Sync + 'static) -> Self {
        self.update = Some(Box::new(f));
        self
    }

    /// Called for deletions.
    pub fn on_delete(mut self, f: impl Fn(&DeltaObject<K>) + Send + Sync + 'static) -> Self {
        self.delete = Some(Box::new(f));
        self
    }
}

impl<K: Send + Sync + 'static> ResourceEventHandler<K> for ResourceEventHandlerFuncs<K> {
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        if let Some(f) = &self.add {
            f(obj, is_in_initial_list)
        }
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        if let Some(f) = &self.update {
            f(old, new)
        }
    }

    fn on_delete(&self, obj: &DeltaObject<K>) {
        if let Some(f) = &self.delete {
            f(obj)
        }
    }
}

/// One change, as queued for a handler.
pub(crate) enum Notification<K> {
    Add(Arc<K>, bool),
    Update(Arc<K>, Arc<K>),
    Delete(DeltaObject<K>),
}

/// One registered handler: an unbounded queue drained by its own task
/// (client-go's `processorListener`, whose buffer is unbounded too).
pub(crate) struct Listener<K> {
    pub(crate) id: u64,
    tx: mpsc::UnboundedSender<Notification<K>>,
    rx: Option<mpsc::UnboundedReceiver<Notification<K>>>,
    handler: Arc<dyn ResourceEventHandler<K>>,
    resync_period: Option<Duration>,
    next_resync: Instant,
}

impl<K: Send + Sync + 'static> Listener<K> {
    pub(crate) fn new(
        id: u64,
        handler: Arc<dyn ResourceEventHandler<K>>,
        resync_period: Option<Duration>,
    ) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let resync_period = resync_period.filter(|p| !p.is_zero());
        Listener {
            id,
            tx,
            rx: Some(rx),
            handler,
            next_resync: Instant::now() + resync_period.unwrap_or_default(),
            resync_period,
        }
    }

    pub(crate) fn send(&self, n: Notification<K>) {
        // A send fails only when the handler task is gone (shut down): nothing to tell.
        let _ = self.tx.send(n);
    }

    /// Starts the task that calls the handler, once.
    pub(crate) fn spawn(&mut self) {
        let Some(mut rx) = self.rx.take() else {
            return;
        };
        let handler = self.handler.clone();
        tokio::spawn(async move {
            while let Some(n) = rx.recv().await {
                match n {
                    Notification::Add(o, initial) => handler.on_add(&o, initial),
                    Notification::Update(old, new) => handler.on_update(&old, &new),
                    Notification::Delete(d) => handler.on_delete(&d),
                }
            }
        });
    }

    /// Whether this handler's resync is due at `now`; if so, schedules the next.
    pub(crate) fn should_resync(&mut self, now: Instant) -> bool {
        match self.resync_period {
            Some(p) if now >= self.next_resync => {
                self.next_resync = now + p;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn resync_period(&self) -> Option<Duration> {
        self.resync_period
    }
}

/// A shared handler (the caller keeps a clone to read what it recorded).
impl<K, H: ResourceEventHandler<K>> ResourceEventHandler<K> for Arc<H> {
    fn on_add(&self, obj: &Arc<K>, is_in_initial_list: bool) {
        (**self).on_add(obj, is_in_initial_list)
    }

    fn on_update(&self, old: &Arc<K>, new: &Arc<K>) {
        (**self).on_update(old, new)
    }

    fn on_delete(&self, obj: &DeltaObject<K>) {
        (**self).on_delete(obj)
    }
}
