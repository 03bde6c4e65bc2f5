//! The benchmark scenarios and what they share.

pub mod cli;
pub mod create;
pub mod get;
pub mod informer;
pub mod list;
pub mod patch;
pub mod startup;
pub mod storage;
pub mod table;
pub mod watch;
pub mod workqueue;

use crate::cpu::CpuWindow;
use crate::error::Result;
use crate::http::{Endpoint, Pool, Protocol};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A scenario, as named on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Scenario {
    /// 1 KiB ConfigMap creates from concurrent clients: throughput, latency.
    Create,
    /// Strategic merge patches of Deployments and server-side applies of
    /// ConfigMaps from concurrent clients: throughput against create's.
    Patch,
    /// GET by name, open loop at half the closed-loop maximum: latency.
    Get,
    /// LIST of one namespace full of ConfigMaps: time to the last byte.
    List,
    /// LIST of many pods as a server-side Table (`kubectl get pods`).
    Table,
    /// Watchers on one namespace under a steady write rate: delivery latency.
    Watch,
    /// Informer initial sync (keelson-runtime and kube-rs) and events per second.
    Informer,
    /// keelctl and kubectl side by side: wall time and peak RSS of three commands.
    Cli,
    /// Server start time and memory, empty and with many objects.
    Startup,
    /// The storage layer alone: creates per second.
    Storage,
    /// keelson-runtime's work queue alone: add/get/done items per second.
    Workqueue,
}

impl Scenario {
    /// Every scenario, in report order.
    pub const ALL: [Scenario; 11] = [
        Scenario::Create,
        Scenario::Patch,
        Scenario::Get,
        Scenario::List,
        Scenario::Table,
        Scenario::Watch,
        Scenario::Informer,
        Scenario::Cli,
        Scenario::Startup,
        Scenario::Storage,
        Scenario::Workqueue,
    ];

    /// The name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            Scenario::Create => "create",
            Scenario::Patch => "patch",
            Scenario::Get => "get",
            Scenario::List => "list",
            Scenario::Table => "table",
            Scenario::Watch => "watch",
            Scenario::Startup => "startup",
            Scenario::Storage => "storage",
            Scenario::Workqueue => "workqueue",
            Scenario::Informer => "informer",
            Scenario::Cli => "cli",
        }
    }

    /// Whether the scenario talks to the server under test.
    pub fn needs_api(self) -> bool {
        !matches!(
            self,
            Scenario::Startup | Scenario::Storage | Scenario::Workqueue
        )
    }
}

/// How big each scenario runs.
#[derive(Debug, Clone)]
pub struct Sizes {
    /// create: how long, and at most how many objects.
    pub create_duration: Duration,
    /// create: object cap.
    pub create_max: u64,
    /// patch: how long each of the two patch phases runs.
    pub patch_duration: Duration,
    /// patch: cap on the patches of each phase.
    pub patch_max: u64,
    /// get: objects to read from.
    pub get_objects: u64,
    /// get: closed-loop phase that finds the maximum rate.
    pub get_probe: Duration,
    /// get: open-loop phase at half that rate.
    pub get_duration: Duration,
    /// get: fixed open-loop rate instead of half the maximum (for analysis).
    pub get_rate: Option<f64>,
    /// list: objects in the listed namespace.
    pub list_objects: u64,
    /// list: timed LIST calls.
    pub list_runs: usize,
    /// table: pods in the listed namespace.
    pub table_pods: u64,
    /// table: timed LIST calls.
    pub table_runs: usize,
    /// watch: concurrent watchers.
    pub watch_watchers: usize,
    /// watch: writes per second.
    pub watch_rate: f64,
    /// watch: how long the writes go on.
    pub watch_duration: Duration,
    /// startup: objects in the full data dir.
    pub startup_objects: u64,
    /// startup: pause before reading RSS, so the figure is the settled one.
    pub startup_settle: Duration,
    /// storage: how long, and at most how many creates.
    pub storage_duration: Duration,
    /// storage: create cap.
    pub storage_max: u64,
    /// workqueue: how long each phase runs.
    pub workqueue_duration: Duration,
    /// cli: timed runs of each command by each binary.
    pub cli_runs: usize,
}

impl Sizes {
    /// The sizes the targets are stated for.
    pub fn full() -> Sizes {
        Sizes {
            create_duration: Duration::from_secs(10),
            create_max: 200_000,
            patch_duration: Duration::from_secs(10),
            patch_max: 200_000,
            get_objects: 1_000,
            get_probe: Duration::from_secs(3),
            get_duration: Duration::from_secs(10),
            get_rate: None,
            list_objects: 10_000,
            list_runs: 21,
            table_pods: 10_000,
            table_runs: 21,
            watch_watchers: 100,
            watch_rate: 1_000.0,
            watch_duration: Duration::from_secs(10),
            startup_objects: 100_000,
            startup_settle: Duration::from_secs(2),
            storage_duration: Duration::from_secs(10),
            storage_max: 500_000,
            workqueue_duration: Duration::from_secs(3),
            cli_runs: 15,
        }
    }

    /// Small sizes: every scenario end to end in well under 30 s.
    pub fn quick() -> Sizes {
        Sizes {
            create_duration: Duration::from_secs(2),
            create_max: 20_000,
            patch_duration: Duration::from_secs(2),
            patch_max: 20_000,
            get_objects: 100,
            get_probe: Duration::from_secs(1),
            get_duration: Duration::from_secs(2),
            get_rate: None,
            list_objects: 1_000,
            list_runs: 5,
            table_pods: 1_000,
            table_runs: 5,
            watch_watchers: 20,
            watch_rate: 200.0,
            watch_duration: Duration::from_secs(2),
            startup_objects: 1_000,
            startup_settle: Duration::from_millis(300),
            storage_duration: Duration::from_secs(1),
            storage_max: 20_000,
            workqueue_duration: Duration::from_millis(500),
            cli_runs: 5,
        }
    }
}

/// Settings every scenario gets.
pub struct Context {
    /// HTTP version of the API scenarios.
    pub protocol: Protocol,
    /// Sizes of this run.
    pub sizes: Sizes,
    /// Concurrent clients of the closed-loop phases.
    pub clients: usize,
    /// HTTP/2 connections per pool (HTTP/1.1 pools hold one per client).
    pub h2_connections: usize,
    /// Suffix that keeps namespaces of different runs apart.
    pub run_id: String,
    /// Origin of the timestamps carried in watch-scenario writes.
    pub clock: Instant,
    /// The server under test, when the benchmark started it (for its CPU use).
    pub server_pid: Option<u32>,
    /// The `keelson` binary for the startup scenario.
    pub keelson_bin: PathBuf,
    /// The cli scenario's keelctl, kubectl and kubeconfig.
    pub cli: cli::Tools,
}

impl Context {
    /// A pool to `endpoint` for `concurrency` simultaneous requests.
    pub async fn pool(&self, endpoint: &Arc<Endpoint>, concurrency: usize) -> Result<Arc<Pool>> {
        let connections = match endpoint.protocol() {
            Protocol::Http1 => concurrency,
            Protocol::Http2 => self.h2_connections.min(concurrency.max(1)),
        };
        Ok(Arc::new(
            Pool::connect(endpoint.clone(), connections).await?,
        ))
    }

    /// Starts measuring CPU use of the benchmark and the server.
    pub fn cpu_window(&self) -> CpuWindow {
        CpuWindow::start(self.server_pid)
    }

    /// A namespace name unique to this run.
    pub fn namespace(&self, scenario: &str) -> String {
        format!("bench-{scenario}-{}", self.run_id)
    }
}
