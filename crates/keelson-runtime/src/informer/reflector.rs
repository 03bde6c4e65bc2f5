//! `Reflector`: keeps a [`DeltaFifo`] in step with the server (client-go's
//! `cache.Reflector`). It lists (page by page) and then watches from the
//! list's resourceVersion; a dropped watch resumes from the last
//! resourceVersion seen (bookmarks included); `410 Gone` means the history it
//! needs is compacted, so it lists again. Where the server can, one watch
//! with `sendInitialEvents=true` replaces the list (WatchList).

use super::backoff::Backoff;
use super::delta_fifo::DeltaFifo;
use super::list_watch::ListWatch;
use super::meta::{meta_namespace_key, Object};
use futures::StreamExt;
use keelson_client::api::ListParams;
use keelson_client::rest::WatchStream;
use keelson_client::{Error, WatchEvent};
use parking_lot::Mutex;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// The annotation of the bookmark that ends a WatchList's initial events.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// Decides, at each resync tick, whether a resync is due (the informer asks
/// its handlers); `None` resyncs at every tick.
pub type ShouldResync = Arc<dyn Fn() -> bool + Send + Sync>;

/// How a reflector behaves.
#[derive(Clone)]
pub struct ReflectorOptions {
    /// `limit` of each LIST page (client-go: 500).
    pub page_size: u32,
    /// How often cached objects are pushed again as `Sync` deltas; `None`: never.
    pub resync_period: Option<Duration>,
    /// Asked at each resync tick.
    pub should_resync: Option<ShouldResync>,
    /// Try WatchList (`sendInitialEvents=true`) before list + watch.
    pub use_watch_list: bool,
    /// Each watch asks the server to end it after a random time in
    /// `[min_watch_timeout, 2 × min_watch_timeout)` (client-go: 5 minutes).
    pub min_watch_timeout: Duration,
    /// Delays between failed attempts.
    pub backoff: Backoff,
}

impl Default for ReflectorOptions {
    fn default() -> Self {
        ReflectorOptions {
            page_size: 500,
            resync_period: None,
            should_resync: None,
            use_watch_list: true,
            min_watch_timeout: Duration::from_secs(300),
            backoff: Backoff::default(),
        }
    }
}

impl std::fmt::Debug for ReflectorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReflectorOptions")
            .field("page_size", &self.page_size)
            .field("resync_period", &self.resync_period)
            .field("use_watch_list", &self.use_watch_list)
            .field("min_watch_timeout", &self.min_watch_timeout)
            .finish()
    }
}

/// What a reflector has done so far: for logs, metrics and tests.
#[derive(Debug, Default)]
pub struct ReflectorStats {
    /// Complete (re)lists, by LIST or by WatchList.
    pub lists: AtomicU64,
    /// Of those, how many were WatchLists.
    pub watch_lists: AtomicU64,
    /// LIST requests (pages).
    pub list_pages: AtomicU64,
    /// Watches started (initial WatchLists excluded).
    pub watches: AtomicU64,
    /// `410 Gone` answers that forced a relist.
    pub gone: AtomicU64,
    /// Failures waited out with backoff.
    pub errors: AtomicU64,
    /// Watch events received (bookmarks included).
    pub events: AtomicU64,
    /// Set once the server refused WatchList or ignored it; list + watch from then on.
    pub watch_list_unsupported: AtomicBool,
    last_sync_resource_version: Mutex<String>,
}

impl ReflectorStats {
    /// The resourceVersion of the last list, event or bookmark applied
    /// (client-go's `LastSyncResourceVersion`).
    pub fn last_sync_resource_version(&self) -> String {
        self.last_sync_resource_version.lock().clone()
    }

    fn set_rv(&self, rv: &str) {
        if !rv.is_empty() {
            *self.last_sync_resource_version.lock() = rv.to_string();
        }
    }
}

/// Why a list-and-watch round ended.
enum RoundEnd {
    Stopped,
    /// Relist after a backoff; `gone`: the resourceVersion is compacted.
    Relist {
        gone: bool,
    },
}

/// Changes each object as it arrives, before anything caches it (client-go's
/// `TransformFunc`), e.g. to drop `managedFields` and save memory.
pub type Transform<K> = Arc<dyn Fn(&mut K) + Send + Sync>;

/// Lists and watches one resource into a [`DeltaFifo`].
pub struct Reflector<K> {
    transform: Option<Transform<K>>,
    list_watch: ListWatch,
    store: Arc<DeltaFifo<K>>,
    options: ReflectorOptions,
    stats: Arc<ReflectorStats>,
    name: String,
}

impl<K> Reflector<K>
where
    K: Object + DeserializeOwned,
{
    /// A reflector of `list_watch` into `store`.
    pub fn new(list_watch: ListWatch, store: Arc<DeltaFifo<K>>, options: ReflectorOptions) -> Self {
        let name = list_watch.describe();
        Reflector {
            transform: None,
            list_watch,
            store,
            options,
            stats: Arc::new(ReflectorStats::default()),
            name,
        }
    }

    /// Applies `transform` to every object listed or watched.
    pub fn with_transform(mut self, transform: Option<Transform<K>>) -> Self {
        self.transform = transform;
        self
    }

    fn object(&self, mut o: K) -> Arc<K> {
        if let Some(t) = &self.transform {
            t(&mut o);
        }
        Arc::new(o)
    }

    /// Counts into `stats` instead of a fresh set (an informer keeps its own across runs).
    pub fn with_stats(mut self, stats: Arc<ReflectorStats>) -> Self {
        self.stats = stats;
        self
    }

    /// Counters and the last synced resourceVersion, shared with the running reflector.
    pub fn stats(&self) -> Arc<ReflectorStats> {
        self.stats.clone()
    }

    /// Runs until `stop` turns true (or its sender is dropped).
    pub async fn run(mut self, mut stop: watch::Receiver<bool>) {
        if *stop.borrow() {
            return;
        }
        let resync = self.resync_task(stop.clone());
        loop {
            let end = tokio::select! {
                end = self.list_and_watch() => end,
                _ = stop.wait_for(|s| *s) => RoundEnd::Stopped,
            };
            match end {
                RoundEnd::Stopped => break,
                RoundEnd::Relist { gone } => {
                    if gone {
                        self.stats.gone.fetch_add(1, Ordering::Relaxed);
                    } else {
                        self.stats.errors.fetch_add(1, Ordering::Relaxed);
                    }
                    let delay = self.options.backoff.next_delay();
                    tokio::select! {
                        _ = tokio::time::sleep(delay) => {}
                        _ = stop.wait_for(|s| *s) => break,
                    }
                }
            }
        }
        if let Some(t) = resync {
            t.abort();
        }
    }

    fn resync_task(&self, mut stop: watch::Receiver<bool>) -> Option<tokio::task::JoinHandle<()>> {
        let period = self.options.resync_period.filter(|p| !p.is_zero())?;
        let store = self.store.clone();
        let should = self.options.should_resync.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        if should.as_ref().is_none_or(|f| f()) {
                            store.resync();
                        }
                    }
                    _ = stop.wait_for(|s| *s) => return,
                }
            }
        }))
    }

    /// One round: a full (re)list, then watches until one needs a relist.
    async fn list_and_watch(&mut self) -> RoundEnd {
        let mut rv = None;
        let mut stream = None;
        if self.options.use_watch_list && !self.stats.watch_list_unsupported.load(Ordering::Relaxed)
        {
            match self.watch_list().await {
                WatchListResult::Synced(r, s) => {
                    rv = Some(r);
                    stream = Some(s);
                }
                WatchListResult::Unsupported(why) => {
                    tracing::info!(reflector = %self.name, "WatchList not available, falling back to list + watch: {why}");
                    self.stats
                        .watch_list_unsupported
                        .store(true, Ordering::Relaxed);
                }
                WatchListResult::Failed(end) => return end,
            }
        }
        let mut rv = match rv {
            Some(rv) => rv,
            None => match self.list().await {
                Ok(rv) => rv,
                Err(e) => {
                    tracing::warn!(reflector = %self.name, "failed to list: {e}");
                    return RoundEnd::Relist { gone: e.is_gone() };
                }
            },
        };
        loop {
            let s = match stream.take() {
                Some(s) => s,
                None => match self.start_watch(&rv).await {
                    Ok(s) => s,
                    Err(e) if retry_watch(&e) => {
                        tracing::info!(reflector = %self.name, "watch failed, retrying from {rv}: {e}");
                        self.stats.errors.fetch_add(1, Ordering::Relaxed);
                        tokio::time::sleep(self.options.backoff.next_delay()).await;
                        continue;
                    }
                    Err(e) => {
                        tracing::info!(reflector = %self.name, "watch failed, relisting: {e}");
                        return RoundEnd::Relist { gone: e.is_gone() };
                    }
                },
            };
            let started = Instant::now();
            match self.watch_handler(s, &mut rv).await {
                // A watch the server ended, or a connection that broke:
                // resume from the last resourceVersion seen.
                WatchEnd::Closed { events } => {
                    // client-go's "very short watch": a server that ends every
                    // watch at once would otherwise be hammered.
                    if events == 0 && started.elapsed() < Duration::from_secs(1) {
                        return RoundEnd::Relist { gone: false };
                    }
                }
                WatchEnd::Gone => return RoundEnd::Relist { gone: true },
                // An error the server sent, or a stream that cannot be decoded:
                // what the cache holds is in doubt, so relist (as client-go).
                WatchEnd::Error(e) => {
                    tracing::info!(reflector = %self.name, "watch ended with an error, relisting: {e}");
                    return RoundEnd::Relist { gone: false };
                }
            }
        }
    }

    /// Paginated LIST into the store; the list's resourceVersion.
    async fn list(&mut self) -> Result<String, Error> {
        let mut items: Vec<Arc<K>> = Vec::new();
        let mut opts = ListParams {
            limit: Some(self.options.page_size).filter(|l| *l > 0),
            ..Default::default()
        };
        let list_rv;
        loop {
            self.stats.list_pages.fetch_add(1, Ordering::Relaxed);
            let page = match self.list_watch.list::<K>(&opts).await {
                Ok(p) => p,
                // client-go's pager: an expired continue token falls back to one full list.
                Err(e) if e.is_gone() && opts.continue_token.is_some() => {
                    items.clear();
                    opts.continue_token = None;
                    opts.limit = None;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let kind = page.kind.strip_suffix("List").unwrap_or(&page.kind);
            let api_version = page.api_version.as_str();
            items.extend(page.items.into_iter().map(|mut o| {
                o.set_type_meta_if_empty(api_version, kind);
                self.object(o)
            }));
            match page.metadata.continue_.filter(|c| !c.is_empty()) {
                Some(c) => opts.continue_token = Some(c),
                None => {
                    list_rv = page.metadata.resource_version.unwrap_or_default();
                    break;
                }
            }
        }
        self.store.replace(items);
        self.stats.set_rv(&list_rv);
        self.stats.lists.fetch_add(1, Ordering::Relaxed);
        Ok(list_rv)
    }

    fn watch_params(&self, rv: &str) -> ListParams {
        let min = self.options.min_watch_timeout.as_secs().max(1);
        ListParams {
            resource_version: Some(rv.to_string()),
            allow_watch_bookmarks: true,
            timeout_seconds: Some((min + rand::random::<u64>() % min) as u32),
            ..Default::default()
        }
    }

    async fn start_watch(&self, rv: &str) -> Result<WatchStream<K>, Error> {
        self.stats.watches.fetch_add(1, Ordering::Relaxed);
        self.list_watch.watch::<K>(&self.watch_params(rv)).await
    }

    /// A watch with `sendInitialEvents=true`: the current objects, then a
    /// bookmark annotated `k8s.io/initial-events-end`, then live events on
    /// the same stream.
    async fn watch_list(&mut self) -> WatchListResult<K> {
        let mut params = self.watch_params("");
        params.send_initial_events = Some(true);
        params.resource_version_match = Some("NotOlderThan".into());
        let mut stream = match self.list_watch.watch::<K>(&params).await {
            Ok(s) => s,
            Err(e) if e.is_gone() => {
                return WatchListResult::Failed(RoundEnd::Relist { gone: true })
            }
            Err(e)
                if e.code()
                    .is_some_and(|c| (400..500).contains(&c) && c != 429) =>
            {
                return WatchListResult::Unsupported(e.to_string())
            }
            Err(e) => {
                tracing::warn!(reflector = %self.name, "WatchList failed: {e}");
                return WatchListResult::Failed(RoundEnd::Relist { gone: false });
            }
        };
        let mut initial: HashMap<String, Arc<K>> = HashMap::new();
        while let Some(ev) = stream.next().await {
            self.stats.events.fetch_add(1, Ordering::Relaxed);
            match ev {
                Ok(WatchEvent::Added(o)) | Ok(WatchEvent::Modified(o)) => {
                    initial.insert(meta_namespace_key(&o), self.object(o));
                }
                Ok(WatchEvent::Deleted(o)) => {
                    initial.remove(&meta_namespace_key(&o));
                }
                Ok(WatchEvent::Bookmark(b)) => {
                    let end = b
                        .annotations
                        .get(INITIAL_EVENTS_END_ANNOTATION)
                        .is_some_and(|v| v == "true");
                    if !end {
                        // A server that ignores sendInitialEvents sends plain bookmarks.
                        return WatchListResult::Unsupported(
                            "bookmark without the initial-events-end annotation".into(),
                        );
                    }
                    self.store.replace(initial.into_values().collect());
                    self.stats.set_rv(&b.resource_version);
                    self.stats.lists.fetch_add(1, Ordering::Relaxed);
                    self.stats.watch_lists.fetch_add(1, Ordering::Relaxed);
                    return WatchListResult::Synced(b.resource_version, stream);
                }
                Ok(WatchEvent::Error(e)) => {
                    let e = Error::Api(e);
                    return WatchListResult::Failed(RoundEnd::Relist { gone: e.is_gone() });
                }
                Err(e) => {
                    tracing::info!(reflector = %self.name, "WatchList stream failed: {e}");
                    return WatchListResult::Failed(RoundEnd::Relist { gone: false });
                }
            }
        }
        WatchListResult::Unsupported(
            "the stream ended before the initial-events-end bookmark".into(),
        )
    }

    /// Applies watch events to the store until the stream ends.
    async fn watch_handler(&self, mut stream: WatchStream<K>, rv: &mut String) -> WatchEnd {
        let mut events = 0u64;
        while let Some(ev) = stream.next().await {
            if ev.is_ok() {
                events += 1;
                self.stats.events.fetch_add(1, Ordering::Relaxed);
            }
            let obj = match ev {
                Ok(WatchEvent::Added(o)) => {
                    let o = self.object(o);
                    self.store.add(o.clone());
                    o
                }
                Ok(WatchEvent::Modified(o)) => {
                    let o = self.object(o);
                    self.store.update(o.clone());
                    o
                }
                Ok(WatchEvent::Deleted(o)) => {
                    let o = self.object(o);
                    self.store.delete(o.clone());
                    o
                }
                Ok(WatchEvent::Bookmark(b)) => {
                    if !b.resource_version.is_empty() {
                        *rv = b.resource_version;
                        self.stats.set_rv(rv);
                    }
                    continue;
                }
                Ok(WatchEvent::Error(e)) => {
                    let e = Error::Api(e);
                    if e.is_gone() {
                        return WatchEnd::Gone;
                    }
                    return WatchEnd::Error(e);
                }
                Err(e @ (Error::Transport(_) | Error::Timeout(_))) => {
                    tracing::debug!(reflector = %self.name, "watch connection lost: {e}");
                    return WatchEnd::Closed { events };
                }
                Err(e) => return WatchEnd::Error(e),
            };
            let obj_rv = obj.resource_version();
            if !obj_rv.is_empty() {
                *rv = obj_rv.to_string();
                self.stats.set_rv(rv);
            }
        }
        WatchEnd::Closed { events }
    }
}

enum WatchListResult<K> {
    Synced(String, WatchStream<K>),
    Unsupported(String),
    Failed(RoundEnd),
}

enum WatchEnd {
    Closed { events: u64 },
    Gone,
    Error(Error),
}

/// client-go retries the watch itself (rather than relisting) when the server
/// was unreachable or asked to slow down.
fn retry_watch(e: &Error) -> bool {
    matches!(e, Error::Transport(_) | Error::Timeout(_)) || e.code() == Some(429)
}
