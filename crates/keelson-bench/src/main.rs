//! `keelson-bench`: drives a Keelson server over HTTPS and reports figures
//! against the project's performance targets.
//!
//! ```text
//! keelson-bench --kubeconfig DIR/kubeconfig            # every scenario
//! keelson-bench --kubeconfig DIR/kubeconfig create get # some of them
//! keelson-bench --quick --json                         # spawns target/release/keelson
//! ```

mod cpu;
mod error;
mod http;
mod kubeconfig;
mod load;
mod objects;
mod report;
mod scenario;
mod server;
mod stats;

use crate::error::{BenchError, Result};
use crate::http::{Endpoint, Protocol};
use crate::report::Report;
use crate::scenario::{Context, Scenario, Sizes};
use crate::server::ServerProcess;
use clap::Parser;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(
    name = "keelson-bench",
    version,
    about = "Benchmarks a Keelson server (127.0.0.1 only) and reports figures against targets",
    after_help = "Scenarios (default: all): create, patch, get, list, table, watch, startup, storage, workqueue, informer, cli.\n\
                  patch also runs create: its targets are ratios to the create rate.\n\
                  Each run writes into fresh namespaces named bench-<scenario>-<run id> and leaves them behind."
)]
struct Cli {
    /// Kubeconfig of the server under test. Without it, the benchmark starts
    /// `<keelson-bin> server` on a temporary data dir and stops it afterwards.
    #[arg(long)]
    kubeconfig: Option<PathBuf>,
    /// The `keelson` binary (startup scenario, and the server when no kubeconfig is given).
    #[arg(long, default_value = "target/release/keelson")]
    keelson_bin: PathBuf,
    /// Small sizes: every scenario in well under 30 s; figures are not judged.
    #[arg(long)]
    quick: bool,
    /// Print the report as JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// HTTP version for the API scenarios.
    #[arg(long, value_enum, default_value_t = Protocol::Http1)]
    protocol: Protocol,
    /// Concurrent clients in the closed-loop phases.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Connections per pool with --protocol http2.
    #[arg(long, default_value_t = 4)]
    h2_connections: usize,
    /// get: offer this many GETs per second instead of half the measured maximum.
    #[arg(long)]
    get_rate: Option<f64>,
    /// watch: number of watchers (default 100; quick 20).
    #[arg(long)]
    watchers: Option<usize>,
    /// watch: writes per second (default 1000; quick 200).
    #[arg(long)]
    watch_rate: Option<f64>,
    /// cli: the keelctl binary under test.
    #[arg(long, default_value = "target/release/keelctl")]
    keelctl_bin: PathBuf,
    /// cli: the kubectl to compare with (without it, keelctl is reported alone).
    #[arg(long, default_value = "tests/compat/.venv/bin/kubectl")]
    kubectl_bin: PathBuf,
    /// Scenarios to run.
    #[arg(value_enum)]
    scenarios: Vec<Scenario>,
}

fn main() -> std::process::ExitCode {
    // The cli scenario runs tools through this binary: a runner does only
    // that, before any runtime or allocation of the bench's own.
    if let Some(code) = scenario::cli::measure::runner_main() {
        return code;
    }
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(bench_main()),
        Err(e) => {
            eprintln!("keelson-bench: cannot start the async runtime: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn bench_main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let report = run(cli.quick, &cli).await;
    if cli.json {
        match serde_json::to_string_pretty(&report) {
            Ok(text) => println!("{text}"),
            Err(e) => eprintln!("keelson-bench: cannot encode the report: {e}"),
        }
    } else {
        print!("{}", report.table());
    }
    if report.errors.iter().any(|e| {
        report
            .rows
            .iter()
            .any(|r| r.scenario == e.scenario && r.figure == "error")
    }) {
        std::process::ExitCode::FAILURE
    } else {
        std::process::ExitCode::SUCCESS
    }
}

async fn run(quick: bool, cli: &Cli) -> Report {
    let mut report = Report::new(quick, cli.protocol);
    let mut scenarios = if cli.scenarios.is_empty() {
        Scenario::ALL.to_vec()
    } else {
        cli.scenarios.clone()
    };
    if scenarios.contains(&Scenario::Patch) {
        scenarios.push(Scenario::Create);
    }
    scenarios.sort();
    scenarios.dedup();
    let mut api: Option<Result<ApiServer>> = None;
    if scenarios.iter().any(|s| s.needs_api()) {
        api = Some(ApiServer::connect(cli).await);
    }
    let server_pid = match &api {
        Some(Ok(server)) => server.spawned.as_ref().map(|(p, _)| p.pid()),
        _ => None,
    };
    let mut sizes = if quick { Sizes::quick() } else { Sizes::full() };
    sizes.get_rate = cli.get_rate.filter(|r| *r > 0.0);
    if let Some(n) = cli.watchers {
        sizes.watch_watchers = n.max(1);
    }
    if let Some(r) = cli.watch_rate.filter(|r| *r > 0.0) {
        sizes.watch_rate = r;
    }
    let ctx = Context {
        protocol: cli.protocol,
        sizes,
        clients: cli.clients.max(1),
        h2_connections: cli.h2_connections.max(1),
        run_id: run_id(),
        clock: Instant::now(),
        server_pid,
        keelson_bin: cli.keelson_bin.clone(),
        cli: scenario::cli::Tools {
            keelctl: cli.keelctl_bin.clone(),
            kubectl: cli.kubectl_bin.clone(),
            kubeconfig: match &api {
                Some(Ok(ApiServer {
                    spawned: Some((p, _)),
                    ..
                })) => Some(p.kubeconfig.clone()),
                _ => cli.kubeconfig.clone(),
            },
        },
    };

    for s in scenarios {
        let outcome = if s.needs_api() {
            match &api {
                Some(Ok(server)) => run_api(s, &ctx, &server.endpoint, &mut report).await,
                Some(Err(e)) => Err(BenchError::Process(format!("no server to benchmark: {e}"))),
                None => Err(BenchError::Process("no server to benchmark".into())),
            }
        } else {
            // The server under test would only add noise from here on.
            if let Some(Ok(server)) = api.take() {
                if let Err(e) = server.stop().await {
                    report.error("server", e.to_string());
                }
            }
            match s {
                Scenario::Startup => scenario::startup::run(&ctx, &mut report).await,
                Scenario::Workqueue => scenario::workqueue::run(&ctx, &mut report).await,
                _ => scenario::storage::run(&ctx, &mut report).await,
            }
        };
        if let Err(e) = outcome {
            report.error(s.name(), e.to_string());
        }
    }
    if let Some(Ok(server)) = api {
        if let Err(e) = server.stop().await {
            report.error("server", e.to_string());
        }
    }
    add_api_storage_ratio(&mut report);
    add_patch_create_ratios(&mut report);
    report.load_average[1] = cpu::load_average();
    report
}

async fn run_api(
    s: Scenario,
    ctx: &Context,
    endpoint: &Arc<Endpoint>,
    report: &mut Report,
) -> Result<()> {
    match s {
        Scenario::Create => scenario::create::run(ctx, endpoint, report).await,
        Scenario::Patch => scenario::patch::run(ctx, endpoint, report).await,
        Scenario::Get => scenario::get::run(ctx, endpoint, report).await,
        Scenario::List => scenario::list::run(ctx, endpoint, report).await,
        Scenario::Table => scenario::table::run(ctx, endpoint, report).await,
        Scenario::Watch => scenario::watch::run(ctx, endpoint, report).await,
        Scenario::Informer => scenario::informer::run(ctx, endpoint, report).await,
        Scenario::Cli => scenario::cli::run(ctx, endpoint, report).await,
        Scenario::Startup | Scenario::Storage | Scenario::Workqueue => Err(BenchError::Process(
            format!("{} does not run against the API server", s.name()),
        )),
    }
}

/// Puts "API creates per storage create" next to the API create figure.
fn add_api_storage_ratio(report: &mut Report) {
    let (Some(api), Some(storage)) = (
        report.value("create", "throughput"),
        report.value("storage", "creates"),
    ) else {
        return;
    };
    if storage <= 0.0 {
        return;
    }
    report.info(
        "create",
        "API/storage throughput ratio",
        Some(api / storage),
        "x",
    );
    report.move_last_after("create", "throughput");
}

/// Puts the create rate, and each patch rate as a fraction of it (target:
/// at least half), next to the patch figures.
fn add_patch_create_ratios(report: &mut Report) {
    let Some(create) = report.value("create", "throughput").filter(|c| *c > 0.0) else {
        return;
    };
    for (rate, ratio) in scenario::patch::RATE_FIGURES {
        let Some(patch) = report.value("patch", rate) else {
            continue;
        };
        report.figure(
            "patch",
            ratio,
            Some(patch / create),
            "x",
            report::Target::at_least(0.5),
        );
        report.move_last_after("patch", rate);
    }
    if report.value("patch", RATE_FIGURES_FIRST).is_some() {
        report.info(
            "patch",
            "create throughput (create scenario)",
            Some(create),
            "/s",
        );
        report.move_last_before("patch", RATE_FIGURES_FIRST);
    }
}

/// The first patch figure, before which the create rate is shown.
const RATE_FIGURES_FIRST: &str = scenario::patch::RATE_FIGURES[0].0;

/// The server the API scenarios talk to: given by kubeconfig, or started here.
struct ApiServer {
    endpoint: Arc<Endpoint>,
    spawned: Option<(ServerProcess, tempfile::TempDir)>,
}

impl ApiServer {
    async fn connect(cli: &Cli) -> Result<ApiServer> {
        match &cli.kubeconfig {
            Some(path) => {
                let target = kubeconfig::load(path)?;
                Ok(ApiServer {
                    endpoint: Arc::new(Endpoint::new(&target, cli.protocol)?),
                    spawned: None,
                })
            }
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("keelson-bench-server-")
                    .tempdir()?;
                let data = dir.path().join("data");
                std::fs::create_dir(&data)?;
                let log = dir.path().join("server.log");
                let process = ServerProcess::start(
                    &cli.keelson_bin,
                    &data,
                    &[],
                    &log,
                    Duration::from_secs(60),
                )
                .await?;
                let target = kubeconfig::load(&process.kubeconfig)?;
                let endpoint = Arc::new(Endpoint::new(&target, cli.protocol)?);
                Ok(ApiServer {
                    endpoint,
                    spawned: Some((process, dir)),
                })
            }
        }
    }

    async fn stop(self) -> Result<()> {
        match self.spawned {
            Some((process, _dir)) => process.stop(Duration::from_secs(30)).await,
            None => Ok(()),
        }
    }
}

/// Lowercase hex of the wall clock in milliseconds: unique enough between
/// runs, valid in a namespace name.
fn run_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{ms:x}")
}
