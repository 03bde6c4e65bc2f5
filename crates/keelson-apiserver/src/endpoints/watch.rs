//! WATCH: a chunked stream of `{"type", "object"}` lines served from the watch cache.

use super::Ctx;
use crate::filter::ListFilter;
use crate::negotiate::{Body, Representation};
use crate::table::{self, IncludeObject};
use crate::watch_cache::{CacheEvent, WatchEventType, WatchStart};
use bytes::Bytes;
use http::{header, Response};
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Frame;
use keelson_apimachinery::status::{ApiError, ApiResult};
use serde_json::{json, Value};
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Largest chunk of queued events written at once.
const MAX_WRITE_BATCH: usize = 256 * 1024;

/// How often a watch that allows bookmarks gets one (kube-apiserver: about a minute).
const BOOKMARK_EVERY: Duration = Duration::from_secs(60);

struct Encoder {
    info: keelson_apimachinery::resources::ResourceInfo,
    rep: Representation,
    include: IncludeObject,
    /// kube-apiserver sends Table column definitions with the first event only.
    headers_sent: AtomicBool,
}

impl Encoder {
    /// The event's object as the client asked for it; every event's object
    /// is transformed (bookmarks too, so metadata informers can decode them)
    /// except error Statuses.
    fn transform(&self, kind: &str, object: &[u8]) -> Option<Vec<u8>> {
        if kind == "ERROR" {
            return None;
        }
        match self.rep {
            Representation::Table(version) => {
                let meta = json!({"resourceVersion": resource_version(object)});
                let headers = !self.headers_sent.swap(true, Ordering::Relaxed);
                Some(table::table_json(
                    &self.info,
                    &[object],
                    &meta,
                    self.include,
                    version,
                    headers,
                ))
            }
            Representation::PartialObjectMetadata(version) => {
                let v: Value = serde_json::from_slice(object).unwrap_or(Value::Null);
                serde_json::to_vec(&table::partial_object_metadata(&v, version)).ok()
            }
            _ => None,
        }
    }

    fn line(&self, kind: &str, object: &[u8]) -> Bytes {
        let mut out = Vec::with_capacity(object.len() + 32);
        out.extend_from_slice(b"{\"type\":\"");
        out.extend_from_slice(kind.as_bytes());
        out.extend_from_slice(b"\",\"object\":");
        match self.transform(kind, object) {
            Some(t) => out.extend_from_slice(&t),
            None => out.extend_from_slice(object),
        }
        out.extend_from_slice(b"}\n");
        Bytes::from(out)
    }
}

/// What a watcher with this filter sees of a cache event.
fn view(ev: &CacheEvent, filter: &ListFilter) -> Option<WatchEventType> {
    let now = filter.matches(&ev.object);
    let before = ev.prev.as_ref().is_some_and(|p| filter.matches(p));
    match ev.kind {
        WatchEventType::Deleted => now.then_some(WatchEventType::Deleted),
        WatchEventType::Added => now.then_some(WatchEventType::Added),
        WatchEventType::Modified => match (before, now) {
            (true, true) => Some(WatchEventType::Modified),
            (false, true) => Some(WatchEventType::Added),
            (true, false) => Some(WatchEventType::Deleted),
            (false, false) => None,
        },
    }
}

fn bookmark(api_version: &str, kind: &str, rv: i64, initial_end: bool) -> Vec<u8> {
    let mut meta = json!({"resourceVersion": rv.to_string(), "creationTimestamp": null});
    if initial_end {
        meta["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    serde_json::to_vec(&json!({"kind": kind, "apiVersion": api_version, "metadata": meta}))
        .unwrap_or_default()
}

/// WATCH.
pub async fn watch(ctx: Ctx) -> ApiResult<Response<Body>> {
    let filter = ListFilter::from_query(&ctx.entry, &ctx.info.namespace, &ctx.query)?;
    let mut filter = filter;
    if !ctx.info.name.is_empty() {
        // /watch/namespaces/ns/pods/name: a watch of one object.
        let sel = format!("metadata.name={}", ctx.info.name);
        filter.fields = Some(sel.parse::<keelson_apimachinery::selector::FieldSelector>()?);
    }
    let bookmarks = ctx.param("allowWatchBookmarks") == Some("true");
    let send_initial = match ctx.param("sendInitialEvents") {
        Some("true") => {
            if !bookmarks {
                return Err(ApiError::invalid(
                    "ListOptions",
                    "meta.k8s.io",
                    "",
                    vec![keelson_apimachinery::status::StatusCause::forbidden(
                        "allowWatchBookmarks",
                        "allowWatchBookmarks required when sendInitialEvents is provided",
                    )],
                ));
            }
            true
        }
        _ => false,
    };
    let timeout = match ctx.param("timeoutSeconds") {
        Some(s) if !s.is_empty() => Duration::from_secs(
            s.parse::<u64>()
                .map_err(|_| ApiError::bad_request(format!("invalid timeoutSeconds: {s}")))?,
        ),
        _ => Duration::from_secs(1800 + rand::random::<u64>() % 1800),
    };
    let include =
        IncludeObject::parse(ctx.param("includeObject")).map_err(ApiError::bad_request)?;
    if matches!(ctx.rep, Representation::PartialObjectMetadataList(_)) {
        // Watch events carry single objects.
        return Err(table::not_a_list(&ctx.entry.info));
    }
    let rv = ctx.param("resourceVersion").unwrap_or("");
    let start = if send_initial || rv.is_empty() || rv == "0" {
        if rv.is_empty() || send_initial {
            ctx.registry.wait_consistent().await?;
        }
        WatchStart::CurrentState
    } else {
        let rv: i64 = rv
            .parse()
            .map_err(|_| ApiError::bad_request(format!("invalid resource version: {rv}")))?;
        ctx.registry.wait_for_revision(rv).await?;
        WatchStart::After(rv)
    };
    let cache = ctx.registry.cache(&ctx.entry)?.clone();
    let enc = Encoder {
        info: ctx.entry.info.clone(),
        rep: ctx.rep,
        include,
        headers_sent: AtomicBool::new(false),
    };
    let (tx, rx) = mpsc::channel::<Result<Frame<Bytes>, Infallible>>(64);
    let info = ctx.entry.info.clone();
    let caches = ctx.registry.caches.clone();
    let mut shutdown = ctx.shutdown.clone();
    let registration = cache.watch(start, caches.revision());
    tokio::spawn(async move {
        let send = |b: Bytes| {
            let tx = tx.clone();
            async move { tx.send(Ok(Frame::data(b))).await.is_ok() }
        };
        let mut reg = match registration {
            Ok(r) => r,
            Err(oldest) => {
                let requested = match start {
                    WatchStart::After(r) => r,
                    WatchStart::CurrentState => 0,
                };
                let status = ApiError::expired(requested, oldest).to_status();
                let _ =
                    send(enc.line("ERROR", &serde_json::to_vec(&status).unwrap_or_default())).await;
                return;
            }
        };
        let deliver = |ev: &Arc<CacheEvent>| -> Option<Bytes> {
            view(ev, &filter).map(|k| enc.line(k.as_str(), &ev.object.json))
        };
        for ev in std::mem::take(&mut reg.initial) {
            if let Some(line) = deliver(&ev) {
                if !send(line).await {
                    return;
                }
            }
        }
        if send_initial {
            let b = bookmark(&info.api_version(), &info.kind, reg.start_revision, true);
            if !send(enc.line("BOOKMARK", &b)).await {
                return;
            }
        }
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut ticker = tokio::time::interval(BOOKMARK_EVERY);
        ticker.tick().await;
        let mut last_sent = reg.start_revision;
        loop {
            tokio::select! {
                ev = reg.live.recv() => match ev {
                    Some(ev) => {
                        // Everything already queued goes out in one write: with many
                        // watchers, per-event writes are what costs (the kernel's send path).
                        let mut batch = bytes::BytesMut::new();
                        let mut next = Some(ev);
                        while let Some(ev) = next.take() {
                            last_sent = last_sent.max(ev.revision());
                            if let Some(line) = deliver(&ev) {
                                batch.extend_from_slice(&line);
                            }
                            if batch.len() < MAX_WRITE_BATCH {
                                next = reg.live.try_recv().ok();
                            }
                        }
                        if !batch.is_empty() && !send(batch.freeze()).await { return; }
                    }
                    // Closed: we fell behind (or the cache restarted). The client re-watches.
                    None => return,
                },
                _ = ticker.tick(), if bookmarks => {
                    // Read the revision before draining: every event at or below
                    // it was queued before the revision was published.
                    let rev = caches.revision();
                    while let Ok(ev) = reg.live.try_recv() {
                        last_sent = last_sent.max(ev.revision());
                        if let Some(line) = deliver(&ev) {
                            if !send(line).await { return; }
                        }
                    }
                    let rev = rev.max(last_sent);
                    if !send(enc.line("BOOKMARK", &bookmark(&info.api_version(), &info.kind, rev, false))).await { return; }
                },
                _ = &mut deadline => return,
                _ = shutdown.changed() => return,
                _ = tx.closed() => return,
            }
        }
    });
    let stream = tokio_stream::wrappers::ReceiverStream::new(rx);
    let body: Body = StreamBody::new(stream).boxed();
    let mut resp = Response::new(body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/json"),
    );
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-cache, private"),
    );
    Ok(resp)
}

/// An event object's `metadata.resourceVersion` (null when it has none),
/// read without decoding the rest of the object.
fn resource_version(object: &[u8]) -> Value {
    #[derive(serde::Deserialize)]
    struct Object {
        metadata: Option<Metadata>,
    }
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(rename = "resourceVersion")]
        resource_version: Option<String>,
    }
    serde_json::from_slice::<Object>(object)
        .ok()
        .and_then(|o| o.metadata?.resource_version)
        .map_or(Value::Null, Value::String)
}
