//! `keelson server`: the API server with embedded storage.

use clap::{Parser, Subcommand};
use std::net::IpAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "keelson",
    version,
    about = "A Kubernetes-compatible control plane"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server.
    Server(ServerArgs),
}

#[derive(clap::Args)]
struct ServerArgs {
    /// Directory for the database, certificates and kubeconfig.
    #[arg(long, default_value = "./keelson-data")]
    data_dir: PathBuf,
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1")]
    bind_address: IpAddr,
    /// HTTPS port (0 picks a free one).
    #[arg(long, default_value_t = 6443)]
    secure_port: u16,
    /// Keep objects in memory only (certificates and kubeconfig still go to --data-dir).
    #[arg(long)]
    in_memory: bool,
    /// Log level (error, warn, info, debug, trace) or a tracing filter.
    #[arg(long, default_value = "info")]
    log_level: String,
    /// CIDR Service ClusterIPs are allocated from.
    #[arg(long, default_value = keelson_apiserver::ipalloc::DEFAULT_SERVICE_CIDR)]
    service_cluster_ip_range: keelson_apiserver::ipalloc::ServiceCidr,
    /// Storage history kept at least this long, in seconds, before compaction.
    #[arg(long, default_value_t = 300)]
    compaction_min_age_seconds: u64,
    /// Storage history kept at least this many revisions before compaction.
    #[arg(long, default_value_t = 10_000)]
    compaction_min_revisions: i64,
}

/// mimalloc instead of glibc malloc: see docs/decisions/0003-allocator.md.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Server(args) => {
            tracing_subscriber::fmt()
                .with_env_filter(
                    tracing_subscriber::EnvFilter::try_new(&args.log_level)
                        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
                )
                .with_writer(std::io::stderr)
                .init();
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    eprintln!("keelson: cannot start the runtime: {e}");
                    return std::process::ExitCode::FAILURE;
                }
            };
            rt.block_on(run(args))
        }
    }
}

async fn run(args: ServerArgs) -> std::process::ExitCode {
    let config = keelson_apiserver::ServerConfig {
        data_dir: args.data_dir,
        bind_address: args.bind_address,
        secure_port: args.secure_port,
        in_memory: args.in_memory,
        service_cluster_ip_range: args.service_cluster_ip_range,
        ..Default::default()
    };
    let mut config = config;
    config.storage.compaction_min_age =
        std::time::Duration::from_secs(args.compaction_min_age_seconds);
    config.storage.compaction_min_revisions = args.compaction_min_revisions;
    let server = match keelson_apiserver::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("keelson: cannot start the server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!(
        "keelson: serving on {} (kubeconfig: {})",
        server.url,
        server.kubeconfig.display()
    );
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let Ok(mut term) = signal(SignalKind::terminate()) else {
        let _ = tokio::signal::ctrl_c().await;
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
