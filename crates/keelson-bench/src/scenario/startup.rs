//! `startup`: how fast `keelson server` is ready and how much memory it
//! holds, on an empty data dir and on one filled with many 1 KiB objects
//! (written through the API, default SQLite file storage).

use super::Context;
use crate::error::{BenchError, Result};
use crate::http::Endpoint;
use crate::kubeconfig;
use crate::objects::{configmaps_path, populate};
use crate::report::{Report, Target};
use crate::server::{dir_size_mib, ServerProcess};
use http::{Method, StatusCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

const NAME: &str = "startup";
const NAMESPACE: &str = "bench-startup";
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_GRACE: Duration = Duration::from_secs(30);
const FILL_LIMIT: Duration = Duration::from_secs(600);

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, report: &mut Report) -> Result<()> {
    let root = tempfile::Builder::new()
        .prefix("keelson-bench-startup-")
        .tempdir()?;
    let data = root.path().join("data");
    std::fs::create_dir(&data)?;
    let log = root.path().join("server.log");
    let n = ctx.sizes.startup_objects;
    let settle = ctx.sizes.startup_settle;

    let server = ServerProcess::start(&ctx.keelson_bin, &data, &[], &log, START_TIMEOUT).await?;
    report.figure(
        NAME,
        "ready, empty data dir",
        Some(millis(server.ready_after)),
        "ms",
        Target::below(100.0),
    );
    tokio::time::sleep(settle).await;
    report.figure(
        NAME,
        "RSS idle",
        Some(server.rss_mib()?),
        "MiB",
        Target::below(40.0),
    );

    let endpoint = Arc::new(Endpoint::new(
        &kubeconfig::load(&server.kubeconfig)?,
        ctx.protocol,
    )?);
    let fill_cpu = crate::cpu::CpuWindow::start(Some(server.pid()));
    let fill = {
        let pool = ctx.pool(&endpoint, ctx.clients).await?;
        populate(pool, NAMESPACE, n, ctx.clients, FILL_LIMIT).await?
    };
    report.info(
        NAME,
        &format!("fill rate ({n} objects)"),
        Some(fill.rate()),
        "/s",
    );
    report.cpu(NAME, "fill", fill_cpu.finish());
    tokio::time::sleep(settle).await;
    report.figure(
        NAME,
        &format!("RSS with {n} objects (after writes)"),
        Some(server.rss_mib()?),
        "MiB",
        Target::below(600.0),
    );
    server.stop(STOP_GRACE).await?;
    report.info(NAME, "data dir size", Some(dir_size_mib(&data)?), "MiB");

    let server = ServerProcess::start(&ctx.keelson_bin, &data, &[], &log, START_TIMEOUT).await?;
    let ready = Instant::now();
    report.figure(
        NAME,
        &format!("ready, {n} objects"),
        Some(millis(server.ready_after)),
        "ms",
        Target::below(3_000.0),
    );
    let endpoint = Arc::new(Endpoint::new(
        &kubeconfig::load(&server.kubeconfig)?,
        ctx.protocol,
    )?);
    first_list(&endpoint, ctx).await?;
    report.info(
        NAME,
        "first LIST answered, after ready",
        Some(millis(ready.elapsed())),
        "ms",
    );
    tokio::time::sleep(settle).await;
    report.figure(
        NAME,
        &format!("RSS with {n} objects (after restart)"),
        Some(server.rss_mib()?),
        "MiB",
        Target::below(600.0),
    );
    server.stop(STOP_GRACE).await?;
    Ok(())
}

/// Waits until a LIST of the filled namespace succeeds: the server may print
/// its ready line before its caches are loaded, and this shows whether it does.
async fn first_list(endpoint: &Arc<Endpoint>, ctx: &Context) -> Result<()> {
    let pool = ctx.pool(endpoint, 1).await?;
    let path = format!("{}?limit=1", configmaps_path(NAMESPACE));
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        let reply = pool.send(Method::GET, &path, None).await?;
        if reply.status == StatusCode::OK {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(BenchError::Status {
                what: format!("LIST {path} after restart"),
                status: reply.status.as_u16(),
                body: crate::objects::excerpt(&reply.body),
            });
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
