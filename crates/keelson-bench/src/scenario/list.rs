//! `list`: LIST of one namespace holding many 1 KiB ConfigMaps, timed from
//! request to the last byte of the body, several runs one after another.

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::Endpoint;
use crate::objects::{configmaps_path, excerpt, populate};
use crate::report::{Report, Target};
use crate::stats::Samples;
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "list";

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    let objects = ctx.sizes.list_objects;
    populate(
        pool.clone(),
        &ns,
        objects,
        ctx.clients,
        Duration::from_secs(300),
    )
    .await?;
    let path = configmaps_path(&ns);

    // One untimed LIST checks that the answer is complete, so the timed runs
    // can trust the byte count.
    let first = pool.send(Method::GET, &path, None).await?;
    if first.status != StatusCode::OK {
        return Err(BenchError::Status {
            what: format!("LIST {path}"),
            status: first.status.as_u16(),
            body: excerpt(&first.body),
        });
    }
    let items = count_items(&first.body)?;
    if items != objects as usize {
        return Err(BenchError::Http(format!(
            "LIST {path} returned {items} items, expected {objects}"
        )));
    }
    let bytes = first.body.len();

    let cpu = ctx.cpu_window();
    let mut times = Samples::with_capacity(ctx.sizes.list_runs);
    for _ in 0..ctx.sizes.list_runs {
        let t = Instant::now();
        let reply = pool.send(Method::GET, &path, None).await?;
        let elapsed = t.elapsed();
        if reply.status != StatusCode::OK || reply.body.len() < bytes {
            return Err(BenchError::Http(format!(
                "LIST {path} answered {} with {} bytes (first answer had {bytes})",
                reply.status,
                reply.body.len()
            )));
        }
        times.push(elapsed);
    }
    report.figure(
        NAME,
        "median",
        times.median_ms(),
        "ms",
        Target::below(100.0),
    );
    report.figure(
        NAME,
        "p99",
        times.percentile_ms(99.0),
        "ms",
        Target::below(100.0),
    );
    report.info(NAME, "items per LIST", Some(items as f64), "");
    report.info(
        NAME,
        "body size",
        Some(bytes as f64 / (1024.0 * 1024.0)),
        "MiB",
    );
    report.cpu(NAME, "LISTs", cpu.finish());
    report.info(NAME, "runs", Some(times.len() as f64), "");
    Ok(())
}

/// Length of the `items` array of a list response.
fn count_items(body: &[u8]) -> Result<usize> {
    #[derive(serde::Deserialize)]
    struct List {
        items: Vec<serde::de::IgnoredAny>,
    }
    let list: List =
        serde_json::from_slice(body).map_err(|e| BenchError::Http(format!("LIST body: {e}")))?;
    Ok(list.items.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_items_of_a_list() {
        let body = br#"{"kind":"ConfigMapList","metadata":{"resourceVersion":"7"},"items":[{"a":1},{"b":{"c":[1,2]}}]}"#;
        assert_eq!(count_items(body).expect("valid"), 2);
        assert!(count_items(b"{}").is_err());
    }
}
