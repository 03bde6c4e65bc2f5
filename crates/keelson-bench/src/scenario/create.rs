//! `create`: 1 KiB ConfigMaps POSTed by concurrent clients (closed loop).

use super::Context;
use crate::error::Result;
use crate::http::Endpoint;
use crate::load::closed_loop;
use crate::objects::{configmap, configmap_name, create_configmap, create_namespace};
use crate::report::{Report, Target};
use std::sync::Arc;

const NAME: &str = "create";

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, endpoint: &Arc<Endpoint>, report: &mut Report) -> Result<()> {
    let pool = ctx.pool(endpoint, ctx.clients).await?;
    let ns = ctx.namespace(NAME);
    create_namespace(&pool, &ns).await?;
    let ns = Arc::new(ns);
    let cpu = ctx.cpu_window();
    let mut load = closed_loop(
        ctx.clients,
        ctx.sizes.create_duration,
        ctx.sizes.create_max,
        move |i| {
            let (pool, ns) = (pool.clone(), ns.clone());
            async move { create_configmap(&pool, &ns, configmap(&configmap_name(i), &[])).await }
        },
    )
    .await;
    report.figure(
        NAME,
        "throughput",
        Some(load.rate()),
        "/s",
        Target::at_least(5_000.0),
    );
    report.info(NAME, "p50 latency", load.samples.median_ms(), "ms");
    report.figure(
        NAME,
        "p99 latency",
        load.samples.percentile_ms(99.0),
        "ms",
        Target::below(50.0),
    );
    report.info(NAME, "objects created", Some(load.ok as f64), "");
    report.info(NAME, "concurrent clients", Some(ctx.clients as f64), "");
    report.cpu(NAME, "creates", cpu.finish());
    report.failures(NAME, "create", &load);
    Ok(())
}
