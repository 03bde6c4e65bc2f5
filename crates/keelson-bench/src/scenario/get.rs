//! `get`: GET by name. A closed-loop phase finds the maximum rate; the
//! measured phase then sends at half of it on a fixed schedule (open loop),
//! so a slow answer cannot hide the requests that would have queued behind it.

use super::Context;
use crate::error::Result;
use crate::http::Endpoint;
use crate::load::{closed_loop, open_loop, OpResult};
use crate::objects::{configmap_name, configmaps_path, excerpt, populate};
use crate::report::{Report, Target};
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::Duration;

const NAME: &str = "get";

/// Most GETs in flight in the open-loop phase.
const MAX_IN_FLIGHT: usize = 1024;

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    let objects = ctx.sizes.get_objects;
    populate(
        pool.clone(),
        &ns,
        objects,
        ctx.clients,
        Duration::from_secs(120),
    )
    .await?;
    let base = Arc::new(configmaps_path(&ns));

    let get = {
        let (pool, base) = (pool.clone(), base.clone());
        move |i: u64| {
            let (pool, base) = (pool.clone(), base.clone());
            async move { get_one(&pool, &base, i % objects).await }
        }
    };
    let probe = closed_loop(ctx.clients, ctx.sizes.get_probe, u64::MAX, get.clone()).await;
    let max_rate = probe.rate();
    report.info(NAME, "max rate (closed loop)", Some(max_rate), "/s");
    report.failures(NAME, "probe", &probe);
    if max_rate <= 0.0 {
        return Ok(());
    }

    let rate = ctx.sizes.get_rate.unwrap_or(max_rate / 2.0);
    let cpu = ctx.cpu_window();
    let mut load = open_loop(rate, ctx.sizes.get_duration, MAX_IN_FLIGHT, get).await;
    let offered = if ctx.sizes.get_rate.is_some() {
        "offered rate (open loop, fixed by --get-rate)"
    } else {
        "offered rate (open loop)"
    };
    report.info(NAME, offered, Some(rate), "/s");
    report.info(NAME, "achieved rate", Some(load.rate()), "/s");
    report.info(NAME, "p50 latency", load.samples.median_ms(), "ms");
    report.figure(
        NAME,
        "p99 latency",
        load.samples.percentile_ms(99.0),
        "ms",
        Target::below(2.0),
    );
    report.info(
        NAME,
        "p99 dispatch lag",
        load.dispatch_lag.percentile_ms(99.0),
        "ms",
    );
    report.cpu(NAME, "open loop", cpu.finish());
    report.failures(NAME, "get", &load);
    Ok(())
}

async fn get_one(pool: &crate::http::Pool, base: &str, i: u64) -> OpResult {
    let path = format!("{base}/{}", configmap_name(i));
    match pool.send(Method::GET, &path, None).await {
        Ok(r) if r.status == StatusCode::OK => Ok(()),
        Ok(r) => Err(format!(
            "GET {path} answered {}: {}",
            r.status,
            excerpt(&r.body)
        )),
        Err(e) => Err(e.to_string()),
    }
}
