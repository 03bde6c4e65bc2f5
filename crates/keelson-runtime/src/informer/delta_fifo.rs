//! `DeltaFifo`: client-go's `DeltaFIFO`. The reflector pushes what it learns
//! (list results, watch events, resyncs) as deltas per object key; the
//! informer pops all pending deltas of one key at a time, in the order keys
//! first became pending, and applies them to its [`Indexer`].

use super::meta::{meta_namespace_key, Object};
use super::store::Indexer;
use parking_lot::Mutex;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use tokio::sync::{watch, Notify};

/// What happened to an object (client-go's `DeltaType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DeltaType {
    /// A watch `ADDED`.
    Added,
    /// A watch `MODIFIED`.
    Updated,
    /// A watch `DELETED`, or an object gone from a relist.
    Deleted,
    /// The object was in a (re)list.
    Replaced,
    /// A periodic resync of a cached object.
    Sync,
}

/// An object deleted while the watch was down: the informer only learnt of it
/// from a relist, so `obj` is the last state it knew, possibly stale.
#[derive(Debug)]
pub struct DeletedFinalStateUnknown<K> {
    /// The object's key.
    pub key: String,
    /// The last known state.
    pub obj: Arc<K>,
}

impl<K> Clone for DeletedFinalStateUnknown<K> {
    fn clone(&self) -> Self {
        DeletedFinalStateUnknown {
            key: self.key.clone(),
            obj: self.obj.clone(),
        }
    }
}

/// The object of a delta: the object itself, or for a deletion found by a
/// relist, a [`DeletedFinalStateUnknown`] tombstone.
#[derive(Debug)]
pub enum DeltaObject<K> {
    /// The object as the server sent it.
    Object(Arc<K>),
    /// The last known state of an object that vanished during a relist.
    DeletedFinalStateUnknown(DeletedFinalStateUnknown<K>),
}

impl<K> Clone for DeltaObject<K> {
    fn clone(&self) -> Self {
        match self {
            DeltaObject::Object(o) => DeltaObject::Object(o.clone()),
            DeltaObject::DeletedFinalStateUnknown(d) => {
                DeltaObject::DeletedFinalStateUnknown(d.clone())
            }
        }
    }
}

impl<K: Object> DeltaObject<K> {
    /// The object, or the tombstone's last known state.
    pub fn object(&self) -> &Arc<K> {
        match self {
            DeltaObject::Object(o) => o,
            DeltaObject::DeletedFinalStateUnknown(d) => &d.obj,
        }
    }

    /// The object's key (client-go's `DeletionHandlingMetaNamespaceKeyFunc`).
    pub fn key(&self) -> String {
        match self {
            DeltaObject::Object(o) => meta_namespace_key(&**o),
            DeltaObject::DeletedFinalStateUnknown(d) => d.key.clone(),
        }
    }

    /// Whether this is a [`DeletedFinalStateUnknown`].
    pub fn is_final_state_unknown(&self) -> bool {
        matches!(self, DeltaObject::DeletedFinalStateUnknown(_))
    }
}

/// One change of one object.
#[derive(Debug)]
pub struct Delta<K> {
    /// What happened.
    pub delta_type: DeltaType,
    /// The object after it happened (for a deletion, its last state).
    pub object: DeltaObject<K>,
}

impl<K> Clone for Delta<K> {
    fn clone(&self) -> Self {
        Delta {
            delta_type: self.delta_type,
            object: self.object.clone(),
        }
    }
}

struct State<K> {
    items: HashMap<String, Vec<Delta<K>>>,
    queue: VecDeque<String>,
    populated: bool,
    initial_population_count: usize,
    closed: bool,
}

/// A queue of deltas per object key (client-go's `DeltaFIFO` with
/// `EmitDeltaTypeReplaced`). `known_objects` is the cache the popped deltas
/// are applied to; it tells deletions worth reporting and what to resync.
pub struct DeltaFifo<K> {
    state: Mutex<State<K>>,
    notify: Notify,
    known_objects: Option<Arc<Indexer<K>>>,
    synced: watch::Sender<bool>,
}

impl<K: Object> DeltaFifo<K> {
    /// A queue whose deletions and resyncs are judged against `known_objects`.
    pub fn new(known_objects: Option<Arc<Indexer<K>>>) -> DeltaFifo<K> {
        DeltaFifo {
            state: Mutex::new(State {
                items: HashMap::new(),
                queue: VecDeque::new(),
                populated: false,
                initial_population_count: 0,
                closed: false,
            }),
            notify: Notify::new(),
            known_objects,
            synced: watch::channel(false).0,
        }
    }

    /// A watch `ADDED`.
    pub fn add(&self, obj: Arc<K>) {
        let mut st = self.state.lock();
        self.mark_populated(&mut st);
        self.queue_action(&mut st, DeltaType::Added, DeltaObject::Object(obj));
    }

    /// A watch `MODIFIED`.
    pub fn update(&self, obj: Arc<K>) {
        let mut st = self.state.lock();
        self.mark_populated(&mut st);
        self.queue_action(&mut st, DeltaType::Updated, DeltaObject::Object(obj));
    }

    /// A watch `DELETED`. Ignored when the object is neither cached nor
    /// queued: it was deleted already (e.g. by a relist).
    pub fn delete(&self, obj: Arc<K>) {
        let key = meta_namespace_key(&*obj);
        let mut st = self.state.lock();
        self.mark_populated(&mut st);
        let known = match &self.known_objects {
            Some(k) => k.get_by_key(&key).is_some(),
            None => false,
        };
        if !known && !st.items.contains_key(&key) {
            return;
        }
        self.queue_action(&mut st, DeltaType::Deleted, DeltaObject::Object(obj));
    }

    /// A (re)list: `Replaced` for each listed object, and `Deleted` with a
    /// [`DeletedFinalStateUnknown`] for each object cached or queued but not listed.
    pub fn replace(&self, list: Vec<Arc<K>>) {
        let mut st = self.state.lock();
        let mut keys: HashSet<String> = HashSet::with_capacity(list.len());
        for obj in list {
            let key = meta_namespace_key(&*obj);
            keys.insert(key.clone());
            self.queue_keyed(&mut st, key, DeltaType::Replaced, DeltaObject::Object(obj));
        }
        let mut queued_deletions = 0;
        let gone_queued: Vec<(String, Arc<K>)> = st
            .items
            .iter()
            .filter(|(k, _)| !keys.contains(*k))
            .filter_map(|(k, deltas)| {
                deltas
                    .last()
                    .map(|d| (k.clone(), d.object.object().clone()))
            })
            .collect();
        for (key, obj) in gone_queued {
            queued_deletions += 1;
            let tombstone = DeletedFinalStateUnknown { key, obj };
            self.queue_action(
                &mut st,
                DeltaType::Deleted,
                DeltaObject::DeletedFinalStateUnknown(tombstone),
            );
        }
        if let Some(known) = &self.known_objects {
            for key in known.list_keys() {
                if keys.contains(&key) || st.items.get(&key).is_some_and(|d| !d.is_empty()) {
                    continue;
                }
                let Some(obj) = known.get_by_key(&key) else {
                    continue;
                };
                queued_deletions += 1;
                let tombstone = DeletedFinalStateUnknown { key, obj };
                self.queue_action(
                    &mut st,
                    DeltaType::Deleted,
                    DeltaObject::DeletedFinalStateUnknown(tombstone),
                );
            }
        }
        if !st.populated {
            st.populated = true;
            st.initial_population_count = keys.len() + queued_deletions;
            if st.initial_population_count == 0 {
                self.synced.send_replace(true);
            }
        }
    }

    /// A `Sync` delta for every cached object that has nothing queued.
    pub fn resync(&self) {
        let Some(known) = &self.known_objects else {
            return;
        };
        let mut st = self.state.lock();
        for key in known.list_keys() {
            if st.items.get(&key).is_some_and(|d| !d.is_empty()) {
                continue;
            }
            if let Some(obj) = known.get_by_key(&key) {
                self.queue_action(&mut st, DeltaType::Sync, DeltaObject::Object(obj));
            }
        }
    }

    /// A watch event before any list counts as the initial population (empty).
    fn mark_populated(&self, st: &mut State<K>) {
        if !st.populated {
            st.populated = true;
            self.synced.send_replace(true);
        }
    }

    fn queue_action(&self, st: &mut State<K>, delta_type: DeltaType, object: DeltaObject<K>) {
        let key = object.key();
        self.queue_keyed(st, key, delta_type, object);
    }

    fn queue_keyed(
        &self,
        st: &mut State<K>,
        key: String,
        delta_type: DeltaType,
        object: DeltaObject<K>,
    ) {
        let deltas = st.items.entry(key.clone()).or_default();
        let was_empty = deltas.is_empty();
        deltas.push(Delta { delta_type, object });
        dedup_deltas(deltas);
        if was_empty {
            st.queue.push_back(key);
            self.notify.notify_one();
        }
    }

    /// Waits for the next key with deltas and hands them to `process`
    /// together with whether they belong to the initial list, while the queue
    /// is locked: a concurrent [`replace`](Self::replace) or
    /// [`resync`](Self::resync) sees the cache either before or after
    /// `process`, never in between. `None` once the queue is closed.
    pub async fn pop<R>(&self, process: impl FnOnce(Vec<Delta<K>>, bool) -> R) -> Option<R> {
        loop {
            {
                let mut st = self.state.lock();
                if st.closed {
                    return None;
                }
                while let Some(key) = st.queue.pop_front() {
                    let in_initial_list = !(st.populated && st.initial_population_count == 0);
                    if st.initial_population_count > 0 {
                        st.initial_population_count -= 1;
                    }
                    if let Some(deltas) = st.items.remove(&key) {
                        let r = process(deltas, in_initial_list);
                        if in_initial_list && st.initial_population_count == 0 {
                            self.synced.send_replace(true);
                        }
                        return Some(r);
                    }
                }
            }
            self.notify.notified().await;
        }
    }

    /// Whether the first list has been popped entirely (client-go's `HasSynced`).
    pub fn has_synced(&self) -> bool {
        let st = self.state.lock();
        st.populated && st.initial_population_count == 0
    }

    /// Turns true with [`has_synced`](Self::has_synced), after the `process`
    /// of the initial list's last key returned.
    pub fn synced(&self) -> watch::Receiver<bool> {
        self.synced.subscribe()
    }

    /// Keys with pending deltas, in pop order.
    pub fn list_keys(&self) -> Vec<String> {
        self.state.lock().queue.iter().cloned().collect()
    }

    /// The pending deltas of `key`.
    pub fn get_by_key(&self, key: &str) -> Option<Vec<Delta<K>>> {
        self.state.lock().items.get(key).cloned()
    }

    /// How many keys have pending deltas.
    pub fn len(&self) -> usize {
        self.state.lock().queue.len()
    }

    /// Whether nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Ends [`pop`](Self::pop): it answers `None` from now on.
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.notify.notify_one();
    }
}

/// Two deletions in a row collapse into one: the older, unless it is only a
/// tombstone and the newer one knows the final state.
fn dedup_deltas<K>(deltas: &mut Vec<Delta<K>>) {
    let n = deltas.len();
    if n < 2 {
        return;
    }
    let (older, newer) = (&deltas[n - 2], &deltas[n - 1]);
    if older.delta_type != DeltaType::Deleted || newer.delta_type != DeltaType::Deleted {
        return;
    }
    let keep_newer = matches!(older.object, DeltaObject::DeletedFinalStateUnknown(_));
    if let Some(newer) = deltas.pop() {
        if keep_newer {
            deltas[n - 2] = newer;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::ConfigMap;

    fn cm(name: &str, rv: &str) -> Arc<ConfigMap> {
        let mut c = ConfigMap::default();
        c.metadata.namespace = Some("ns".into());
        c.metadata.name = Some(name.into());
        c.metadata.resource_version = Some(rv.into());
        Arc::new(c)
    }

    fn summary(deltas: &[Delta<ConfigMap>]) -> Vec<(DeltaType, String, bool)> {
        deltas
            .iter()
            .map(|d| {
                (
                    d.delta_type,
                    d.object.object().resource_version().to_string(),
                    d.object.is_final_state_unknown(),
                )
            })
            .collect()
    }

    async fn pop_all(f: &DeltaFifo<ConfigMap>) -> Vec<(String, Vec<(DeltaType, String, bool)>)> {
        let mut out = Vec::new();
        while !f.is_empty() {
            if let Some(v) = f.pop(|d, _| (d[0].object.key(), summary(&d))).await {
                out.push(v);
            }
        }
        out
    }

    #[tokio::test]
    async fn deltas_accumulate_per_key_and_pop_in_first_seen_order() {
        let f = DeltaFifo::new(None);
        f.add(cm("a", "1"));
        f.add(cm("b", "2"));
        f.update(cm("a", "3"));
        f.delete(cm("a", "4"));
        assert_eq!(f.list_keys(), ["ns/a", "ns/b"]);
        let popped = pop_all(&f).await;
        assert_eq!(popped[0].0, "ns/a");
        assert_eq!(
            popped[0].1,
            [
                (DeltaType::Added, "1".to_string(), false),
                (DeltaType::Updated, "3".to_string(), false),
                (DeltaType::Deleted, "4".to_string(), false),
            ]
        );
        assert_eq!(popped[1].0, "ns/b");
    }

    #[tokio::test]
    async fn consecutive_deletes_are_deduplicated() {
        let known = Arc::new(Indexer::new());
        known.add(cm("a", "1"));
        let f = DeltaFifo::new(Some(known.clone()));
        f.delete(cm("a", "2"));
        f.delete(cm("a", "3"));
        assert_eq!(
            f.get_by_key("ns/a").map(|d| summary(&d)),
            Some(vec![(DeltaType::Deleted, "2".to_string(), false)])
        );
        // A tombstone followed by a real deletion keeps the real one.
        let f = DeltaFifo::new(Some(known.clone()));
        f.replace(vec![]);
        f.delete(cm("a", "5"));
        assert_eq!(
            f.get_by_key("ns/a").map(|d| summary(&d)),
            Some(vec![(DeltaType::Deleted, "5".to_string(), false)])
        );
    }

    #[tokio::test]
    async fn delete_of_unknown_object_is_dropped() {
        let known: Arc<Indexer<ConfigMap>> = Arc::new(Indexer::new());
        let f = DeltaFifo::new(Some(known));
        f.delete(cm("ghost", "1"));
        assert!(f.is_empty());
    }

    #[tokio::test]
    async fn replace_reports_vanished_objects_as_final_state_unknown() {
        let known = Arc::new(Indexer::new());
        known.add(cm("kept", "1"));
        known.add(cm("gone", "2"));
        let f = DeltaFifo::new(Some(known));
        // Queued but not yet applied, and absent from the relist too.
        f.add(cm("queued", "3"));
        f.replace(vec![cm("kept", "4"), cm("new", "5")]);
        let mut popped = pop_all(&f).await;
        popped.sort();
        assert_eq!(
            popped,
            [
                (
                    "ns/gone".to_string(),
                    vec![(DeltaType::Deleted, "2".to_string(), true)]
                ),
                (
                    "ns/kept".to_string(),
                    vec![(DeltaType::Replaced, "4".to_string(), false)]
                ),
                (
                    "ns/new".to_string(),
                    vec![(DeltaType::Replaced, "5".to_string(), false)]
                ),
                (
                    "ns/queued".to_string(),
                    vec![
                        (DeltaType::Added, "3".to_string(), false),
                        (DeltaType::Deleted, "3".to_string(), true)
                    ]
                ),
            ]
        );
    }

    #[tokio::test]
    async fn has_synced_after_the_initial_list_is_popped() {
        let f: DeltaFifo<ConfigMap> = DeltaFifo::new(Some(Arc::new(Indexer::new())));
        assert!(!f.has_synced());
        f.replace(vec![cm("a", "1"), cm("b", "2")]);
        assert!(!f.has_synced());
        assert_eq!(f.pop(|_, initial| initial).await, Some(true));
        assert!(!f.has_synced());
        let synced = f.synced();
        assert!(!*synced.borrow());
        assert_eq!(f.pop(|_, initial| initial).await, Some(true));
        assert!(f.has_synced());
        assert!(*synced.borrow());
        f.add(cm("c", "3"));
        assert_eq!(f.pop(|_, initial| initial).await, Some(false));
        // An empty first list counts as synced at once.
        let f: DeltaFifo<ConfigMap> = DeltaFifo::new(None);
        f.replace(vec![]);
        assert!(f.has_synced());
    }

    #[tokio::test]
    async fn resync_skips_objects_with_pending_deltas() {
        let known = Arc::new(Indexer::new());
        known.add(cm("a", "1"));
        known.add(cm("b", "2"));
        let f = DeltaFifo::new(Some(known));
        f.update(cm("a", "3"));
        f.resync();
        let mut popped = pop_all(&f).await;
        popped.sort();
        assert_eq!(popped[0].1, [(DeltaType::Updated, "3".to_string(), false)]);
        assert_eq!(popped[1].1, [(DeltaType::Sync, "2".to_string(), false)]);
    }

    #[tokio::test]
    async fn pop_waits_for_an_item_and_close_ends_it() {
        let f: Arc<DeltaFifo<ConfigMap>> = Arc::new(DeltaFifo::new(None));
        let g = f.clone();
        let waiter = tokio::spawn(async move { g.pop(|d, _| d.len()).await });
        tokio::task::yield_now().await;
        f.add(cm("a", "1"));
        assert_eq!(waiter.await.ok().flatten(), Some(1));
        let g = f.clone();
        let waiter = tokio::spawn(async move { g.pop(|d, _| d.len()).await });
        tokio::task::yield_now().await;
        f.close();
        assert_eq!(waiter.await.ok().flatten(), None);
    }
}
