//! `storage`: the storage layer alone. Creates through the `Storage` trait
//! from concurrent tasks on a durable SQLite file, to set the API figure
//! against what storage could give.

use super::Context;
use crate::error::Result;
use crate::load::closed_loop;
use crate::objects::{configmap, configmap_name};
use crate::report::Report;
use keelson_storage::sqlite::{SqliteOptions, SqliteStorage};
use keelson_storage::Storage;

const NAME: &str = "storage";

/// Runs the scenario and adds its figures to `report`.
pub async fn run(ctx: &Context, report: &mut Report) -> Result<()> {
    let dir = tempfile::Builder::new()
        .prefix("keelson-bench-storage-")
        .tempdir()?;
    let store = SqliteStorage::open(&dir.path().join("keelson.db"), SqliteOptions::default())?;
    // The server, if one was started, has stopped by now: only our own CPU counts.
    let cpu = crate::cpu::CpuWindow::start(None);
    let load = {
        let store = store.clone();
        closed_loop(
            ctx.clients,
            ctx.sizes.storage_duration,
            ctx.sizes.storage_max,
            move |i| {
                let store = store.clone();
                async move {
                    let name = configmap_name(i);
                    let key = format!("/registry/configmaps/bench/{name}");
                    store
                        .create(&key, configmap(&name, &[]).to_vec())
                        .await
                        .map(|_| ())
                        .map_err(|e| e.to_string())
                }
            },
        )
        .await
    };
    let cpu = cpu.finish();
    store.close().await?;
    let mut samples = load.samples.clone();
    report.info(NAME, "creates", Some(load.rate()), "/s");
    report.info(NAME, "p50 latency", samples.median_ms(), "ms");
    report.info(NAME, "p99 latency", samples.percentile_ms(99.0), "ms");
    report.info(NAME, "concurrent tasks", Some(ctx.clients as f64), "");
    report.cpu(NAME, "creates", cpu);
    report.failures(NAME, "create", &load);
    Ok(())
}
