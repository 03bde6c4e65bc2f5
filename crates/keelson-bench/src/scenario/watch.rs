//! `watch`: many watchers on one namespace while ConfigMaps are created at a
//! fixed rate. Each write carries its send time (an annotation); each
//! watcher takes the difference on receipt of the event.

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::Endpoint;
use crate::load::open_loop;
use crate::objects::{
    configmap, configmap_name, configmaps_path, create_configmap, create_namespace, excerpt,
    SENT_ANNOTATION,
};
use crate::report::{Report, Target};
use crate::stats::Samples;
use http::{Method, StatusCode};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::watch as signal;

const NAME: &str = "watch";

/// How long events may trail the last write before missing ones count as lost.
const DRAIN: Duration = Duration::from_secs(10);

/// What one watcher saw.
#[derive(Default)]
struct Seen {
    latencies: Samples,
    events: u64,
    error_events: u64,
    ended_early: bool,
}

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let writers = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    create_namespace(&writers, &ns).await?;
    let path = configmaps_path(&ns);
    let rv = list_revision(&writers, &path).await?;

    let n = ctx.sizes.watch_watchers;
    let watch_pool = ctx.pool(endpoint, n).await?;
    let received = Arc::new(AtomicU64::new(0));
    let (stop_tx, stop_rx) = signal::channel(false);
    let mut watchers = Vec::with_capacity(n);
    let watch_path = format!("{path}?watch=true&resourceVersion={rv}");
    for _ in 0..n {
        let s = watch_pool.stream(Method::GET, &watch_path).await?;
        if s.status != StatusCode::OK {
            let body = s
                .body
                .collect()
                .await
                .map(|b| b.to_bytes())
                .unwrap_or_default();
            return Err(BenchError::Status {
                what: format!("WATCH {watch_path}"),
                status: s.status.as_u16(),
                body: excerpt(&body),
            });
        }
        watchers.push(tokio::spawn(follow(
            s.body,
            ctx.clock,
            received.clone(),
            stop_rx.clone(),
        )));
    }

    let clock = ctx.clock;
    let ns = Arc::new(ns);
    let cpu = ctx.cpu_window();
    let writes = {
        let writers = writers.clone();
        open_loop(
            ctx.sizes.watch_rate,
            ctx.sizes.watch_duration,
            1024,
            move |i| {
                let (writers, ns) = (writers.clone(), ns.clone());
                async move {
                    let sent = clock.elapsed().as_nanos().to_string();
                    let body = configmap(&configmap_name(i), &[(SENT_ANNOTATION, sent)]);
                    create_configmap(&writers, &ns, body).await
                }
            },
        )
        .await
    };

    let expected = writes.ok * n as u64;
    let deadline = Instant::now() + DRAIN;
    while received.load(Ordering::Relaxed) < expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cpu = cpu.finish();
    let _ = stop_tx.send(true);
    let mut all = Seen::default();
    let mut ended_early = 0u64;
    for w in watchers {
        let seen = w
            .await
            .map_err(|e| BenchError::Http(format!("watcher task died: {e}")))?;
        all.latencies.merge(seen.latencies);
        all.events += seen.events;
        all.error_events += seen.error_events;
        ended_early += u64::from(seen.ended_early);
    }

    let delivered = if expected > 0 {
        all.events as f64 * 100.0 / expected as f64
    } else {
        0.0
    };
    report.info(NAME, "watchers", Some(n as f64), "");
    report.info(NAME, "write rate achieved", Some(writes.rate()), "/s");
    report.info(
        NAME,
        "p50 delivery latency",
        all.latencies.median_ms(),
        "ms",
    );
    report.figure(
        NAME,
        "p99 delivery latency",
        all.latencies.percentile_ms(99.0),
        "ms",
        Target::below(20.0),
    );
    report.info(NAME, "max delivery latency", all.latencies.max_ms(), "ms");
    report.figure(
        NAME,
        "events delivered",
        Some(delivered),
        "%",
        Target::at_least(100.0),
    );
    report.figure(
        NAME,
        "watches ended by the server",
        Some(ended_early as f64),
        "",
        Target::below(1.0),
    );
    report.figure(
        NAME,
        "ERROR events",
        Some(all.error_events as f64),
        "",
        Target::below(1.0),
    );
    let mut write_latency = writes.samples.clone();
    report.info(
        NAME,
        "p99 write latency",
        write_latency.percentile_ms(99.0),
        "ms",
    );
    report.cpu(NAME, "writes and delivery", cpu);
    report.failures(NAME, "write", &writes);
    Ok(())
}

/// The collection's `metadata.resourceVersion`: the watch starts after it.
async fn list_revision(pool: &crate::http::Pool, path: &str) -> Result<String> {
    let reply = pool.send(Method::GET, path, None).await?;
    if reply.status != StatusCode::OK {
        return Err(BenchError::Status {
            what: format!("LIST {path}"),
            status: reply.status.as_u16(),
            body: excerpt(&reply.body),
        });
    }
    let v: serde_json::Value = serde_json::from_slice(&reply.body)
        .map_err(|e| BenchError::Http(format!("LIST {path}: {e}")))?;
    v["metadata"]["resourceVersion"]
        .as_str()
        .map(str::to_string)
        .ok_or_else(|| BenchError::Http(format!("LIST {path} has no metadata.resourceVersion")))
}

/// Reads watch events until told to stop or the stream ends.
async fn follow(
    mut body: Incoming,
    clock: Instant,
    received: Arc<AtomicU64>,
    mut stop: signal::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    let mut lines = LineBuffer::default();
    loop {
        tokio::select! {
            _ = stop.wait_for(|s| *s) => break,
            frame = body.frame() => match frame {
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else { continue };
                    // Every event completed by this frame arrived now.
                    let now = clock.elapsed();
                    let before = seen.events;
                    lines.push(&data, |line| record(line, now, &mut seen));
                    received.fetch_add(seen.events - before, Ordering::Relaxed);
                }
                Some(Err(_)) | None => {
                    seen.ended_early = true;
                    break;
                }
            }
        }
    }
    seen
}

fn record(line: &[u8], now: Duration, seen: &mut Seen) {
    if let Some(sent) = sent_nanos(line) {
        seen.events += 1;
        seen.latencies
            .push(now.saturating_sub(Duration::from_nanos(sent)));
    } else if contains(line, br#""type":"ERROR""#) {
        seen.error_events += 1;
    }
}

/// The send time carried by a watch event line, if it is one of ours.
fn sent_nanos(line: &[u8]) -> Option<u64> {
    static NEEDLE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| format!("\"{SENT_ANNOTATION}\":\""));
    let at = find(line, NEEDLE.as_bytes())? + NEEDLE.len();
    let digits = &line[at..];
    let end = digits.iter().position(|b| !b.is_ascii_digit())?;
    std::str::from_utf8(&digits[..end]).ok()?.parse().ok()
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

/// Splits a byte stream into newline-terminated lines (one watch event each).
#[derive(Default)]
struct LineBuffer {
    buf: Vec<u8>,
}

impl LineBuffer {
    fn push(&mut self, data: &[u8], mut on_line: impl FnMut(&[u8])) {
        let scanned = self.buf.len();
        self.buf.extend_from_slice(data);
        let mut start = 0;
        let mut i = scanned;
        while let Some(off) = self.buf[i..].iter().position(|&b| b == b'\n') {
            let end = i + off;
            on_line(&self.buf[start..end]);
            start = end + 1;
            i = start;
        }
        self.buf.drain(..start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_frames_are_joined() {
        let mut lb = LineBuffer::default();
        let mut lines = Vec::new();
        lb.push(b"{\"a\":1}\n{\"b\"", |l| lines.push(l.to_vec()));
        lb.push(b":2}\n", |l| lines.push(l.to_vec()));
        assert_eq!(lines, vec![b"{\"a\":1}".to_vec(), b"{\"b\":2}".to_vec()]);
    }

    #[test]
    fn reads_the_send_time_of_an_event() {
        let line = format!(
            r#"{{"type":"ADDED","object":{{"metadata":{{"annotations":{{"{SENT_ANNOTATION}":"1500000"}}}}}}}}"#
        );
        assert_eq!(sent_nanos(line.as_bytes()), Some(1_500_000));
        let mut seen = Seen::default();
        record(line.as_bytes(), Duration::from_millis(4), &mut seen);
        assert_eq!(seen.events, 1);
        assert_eq!(seen.latencies.clone().percentile_ms(50.0), Some(2.5));
    }

    #[test]
    fn error_events_are_counted_apart() {
        let mut seen = Seen::default();
        record(
            br#"{"type":"ERROR","object":{"kind":"Status","code":410}}"#,
            Duration::ZERO,
            &mut seen,
        );
        assert_eq!((seen.events, seen.error_events), (0, 1));
    }
}
