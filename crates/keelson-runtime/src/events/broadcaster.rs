//! `EventBroadcaster`: writes recorded events to the API server with
//! client-go's aggregation (`tools/events/event_broadcaster.go`).
//!
//! The first event of a kind (same regarding, related, action, reason and
//! reporting controller) is created. The second within the window patches
//! that Event with `series: {count: 2, lastObservedTime}`. Later repeats only
//! count in memory; the count is written every `refresh_time`, and once more
//! when the series has been quiet for `finish_time`, which also ends it: the
//! next repeat starts a new Event. Singletons leave the cache after
//! `finish_time` too. One task owns the cache, so an Event is always created
//! before it is patched.

use super::recorder::{micro_now, EventRecorder};
use k8s_openapi::api::events::v1::{Event, EventSeries};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use keelson_client::api::{Api, Patch, PatchParams, PostParams};
use keelson_client::RestClient;
use parking_lot::Mutex;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Timings and limits of an [`EventBroadcaster`]; the defaults are client-go's.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBroadcasterOptions {
    /// A series quiet this long is written a last time and ended; a singleton
    /// this old is forgotten. client-go: 6 minutes.
    pub finish_time: Duration,
    /// How often the counts of running series are written. client-go: 30 minutes.
    pub refresh_time: Duration,
    /// Pause between tries of an event the server could not be reached for.
    /// client-go: 10 s (the first pause is a random part of it).
    pub retry_sleep: Duration,
    /// Tries per event. client-go: 12.
    pub max_tries: usize,
    /// Events waiting to be written before new ones are dropped. client-go: 1000.
    pub queue_size: usize,
}

impl Default for EventBroadcasterOptions {
    fn default() -> Self {
        EventBroadcasterOptions {
            finish_time: Duration::from_secs(6 * 60),
            refresh_time: Duration::from_secs(30 * 60),
            retry_sleep: Duration::from_secs(10),
            max_tries: 12,
            queue_size: 1000,
        }
    }
}

/// The recorders' side of the queue.
#[derive(Clone)]
pub(crate) struct Sender {
    tx: mpsc::Sender<Event>,
}

impl Sender {
    /// Queues without waiting; a full queue drops the event, as client-go's.
    pub(crate) fn send(&self, event: Event) {
        if let Err(e) = self.tx.try_send(event) {
            let reason = match e {
                mpsc::error::TrySendError::Full(_) => "queue full",
                mpsc::error::TrySendError::Closed(_) => "broadcaster shut down",
            };
            tracing::warn!("dropping event: {reason}");
        }
    }
}

/// Writes the events of its [`EventRecorder`]s to `events.k8s.io/v1`.
/// Create it inside a tokio runtime: it runs a task until
/// [`EventBroadcaster::shutdown`].
pub struct EventBroadcaster {
    sender: Sender,
    shutdown: CancellationToken,
    task: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for EventBroadcaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventBroadcaster").finish_non_exhaustive()
    }
}

impl EventBroadcaster {
    /// Writes through `client` with client-go's timings.
    pub fn new(client: RestClient) -> EventBroadcaster {
        EventBroadcaster::with_options(client, EventBroadcasterOptions::default())
    }

    /// Writes through `client` with `options`.
    pub fn with_options(client: RestClient, options: EventBroadcasterOptions) -> EventBroadcaster {
        let (tx, rx) = mpsc::channel(options.queue_size.max(1));
        let shutdown = CancellationToken::new();
        let worker = Worker {
            sink: Sink { client, options },
            cache: HashMap::new(),
        };
        let task = tokio::spawn(worker.run(rx, shutdown.clone()));
        EventBroadcaster {
            sender: Sender { tx },
            shutdown,
            task: Mutex::new(Some(task)),
        }
    }

    /// A recorder reporting as `reporting_controller` (e.g.
    /// `example.com/configmap-secret`) from `reporting_instance` (e.g. the pod name).
    pub fn new_recorder(
        &self,
        reporting_controller: &str,
        reporting_instance: &str,
    ) -> EventRecorder {
        EventRecorder::new(
            reporting_controller,
            reporting_instance,
            self.sender.clone(),
        )
    }

    /// Writes what is queued and the current counts of running series, then
    /// stops. Events recorded afterwards are dropped.
    pub async fn shutdown(&self) {
        self.shutdown.cancel();
        let task = self.task.lock().take();
        if let Some(task) = task {
            if let Err(e) = task.await {
                tracing::error!("event broadcaster task failed: {e}");
            }
        }
    }
}

impl Drop for EventBroadcaster {
    fn drop(&mut self) {
        self.shutdown.cancel();
    }
}

struct Worker {
    sink: Sink,
    /// Events by aggregation key: the first of each, carrying the series count.
    cache: HashMap<String, Event>,
}

impl Worker {
    async fn run(mut self, mut rx: mpsc::Receiver<Event>, shutdown: CancellationToken) {
        let start = tokio::time::Instant::now();
        let finish = self.sink.options.finish_time.max(Duration::from_millis(1));
        let refresh = self.sink.options.refresh_time.max(Duration::from_millis(1));
        let mut finish_tick = tokio::time::interval_at(start + finish, finish);
        let mut refresh_tick = tokio::time::interval_at(start + refresh, refresh);
        for tick in [&mut finish_tick, &mut refresh_tick] {
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        }
        loop {
            tokio::select! {
                biased;
                _ = shutdown.cancelled() => break,
                event = rx.recv() => match event {
                    Some(event) => self.record_to_sink(event).await,
                    None => break,
                },
                _ = finish_tick.tick() => self.finish_series().await,
                _ = refresh_tick.tick() => self.refresh_series().await,
            }
        }
        rx.close();
        while let Ok(event) = rx.try_recv() {
            self.record_to_sink(event).await;
        }
        self.refresh_series().await;
    }

    async fn record_to_sink(&mut self, event: Event) {
        let to_record = match self.cache.get_mut(&key(&event)) {
            Some(cached) => {
                let now = MicroTime(micro_now());
                if let Some(series) = cached.series.as_mut() {
                    series.count = series.count.saturating_add(1);
                    series.last_observed_time = now;
                    return;
                }
                cached.series = Some(EventSeries {
                    count: 2,
                    last_observed_time: now,
                });
                cached.clone()
            }
            None => {
                self.cache.insert(key(&event), event.clone());
                event
            }
        };
        self.sink.attempt_recording(to_record).await;
    }

    async fn finish_series(&mut self) {
        let Some(cutoff) = micro_now().checked_sub(self.sink.options.finish_time).ok() else {
            return;
        };
        let keys: Vec<String> = self.cache.keys().cloned().collect();
        for k in keys {
            let Some(event) = self.cache.get(&k) else {
                continue;
            };
            match &event.series {
                Some(series) if series.last_observed_time.0 < cutoff => {
                    let (_, retry) = self.sink.record_event(event.clone()).await;
                    if !retry {
                        self.cache.remove(&k);
                    }
                }
                Some(_) => {}
                None => {
                    if event.event_time.as_ref().is_none_or(|t| t.0 < cutoff) {
                        self.cache.remove(&k);
                    }
                }
            }
        }
    }

    async fn refresh_series(&mut self) {
        let keys: Vec<String> = self
            .cache
            .iter()
            .filter(|(_, e)| e.series.is_some())
            .map(|(k, _)| k.clone())
            .collect();
        for k in keys {
            let Some(event) = self.cache.get(&k).cloned() else {
                continue;
            };
            if let (Some(recorded), false) = self.sink.record_event(event).await {
                self.cache.insert(k, recorded);
            }
        }
    }
}

/// client-go's `getKey`: the note and type do not make an event different.
fn key(event: &Event) -> String {
    json!([
        event.action,
        event.reason,
        event.reporting_controller,
        event.regarding,
        event.related,
    ])
    .to_string()
}

struct Sink {
    client: RestClient,
    options: EventBroadcasterOptions,
}

impl Sink {
    fn api(&self, event: &Event) -> Api<Event> {
        Api::namespaced(
            self.client.clone(),
            event.metadata.namespace.as_deref().unwrap_or("default"),
        )
    }

    /// One try now; further tries, if the server could not be reached, in the
    /// background so that other events are not held up.
    async fn attempt_recording(&self, event: Event) {
        let (_, retry) = self.record_event(event.clone()).await;
        if !retry || self.options.max_tries <= 1 {
            return;
        }
        let sink = Sink {
            client: self.client.clone(),
            options: self.options.clone(),
        };
        tokio::spawn(async move {
            let mut pause = sink.options.retry_sleep.mul_f64(rand::random::<f64>());
            for _ in 1..sink.options.max_tries {
                tokio::time::sleep(pause).await;
                pause = sink.options.retry_sleep;
                if !sink.record_event(event.clone()).await.1 {
                    return;
                }
            }
            tracing::error!(
                event = event.metadata.name.as_deref().unwrap_or_default(),
                "unable to write event (retry limit exceeded)"
            );
        });
    }

    /// client-go's `recordEvent`: patch a series (create it if the Event is
    /// gone), create a singleton. Returns the stored Event and whether a
    /// retry may help.
    async fn record_event(&self, mut event: Event) -> (Option<Event>, bool) {
        let api = self.api(&event);
        let name = event.metadata.name.clone().unwrap_or_default();
        let is_series = event.series.is_some();
        if let Some(series) = &event.series {
            let patch = json!({"series": {
                "count": series.count,
                "lastObservedTime": series.last_observed_time,
            }});
            match api
                .patch(&name, &PatchParams::default(), &Patch::Strategic(patch))
                .await
            {
                Ok(stored) => return (Some(stored), false),
                Err(e) if e.is_not_found() => {}
                Err(e) => return (None, failure(&name, e, true)),
            }
        }
        event.metadata.resource_version = None;
        match api.create(&PostParams::default(), &event).await {
            Ok(stored) => (Some(stored), false),
            Err(e) => (None, failure(&name, e, is_series)),
        }
    }
}

/// Logs a failed write; true when trying again may succeed.
fn failure(name: &str, e: keelson_client::Error, is_series: bool) -> bool {
    use keelson_client::Error;
    match &e {
        Error::Api(_) if e.is_already_exists() && is_series => true,
        Error::Api(_) if e.is_already_exists() => {
            tracing::debug!(event = name, "server rejected event: {e} (will not retry!)");
            false
        }
        Error::Api(_) | Error::Request(_) | Error::Config(_) | Error::Exec(_) => {
            tracing::error!(event = name, "server rejected event: {e} (will not retry!)");
            false
        }
        _ => {
            tracing::error!(
                event = name,
                "unable to write event: {e} (may retry after sleeping)"
            );
            true
        }
    }
}
