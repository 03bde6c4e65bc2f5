//! The HTTPS server: TLS, HTTP/1.1 and HTTP/2, graceful shutdown, and the
//! first-start bootstrap (credentials, kubeconfig, default namespaces).

use crate::handler::{handle, ApiState};
use crate::instrumented::InstrumentedStorage;
use crate::metrics::Metrics;
use crate::openapi::OpenApi;
use crate::registry::Registry;
use crate::watch_cache::{CacheSet, FieldExtractor};
use crate::{bootstrap, pki};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use keelson_apimachinery::resources;
use keelson_storage::sqlite::{SqliteOptions, SqliteStorage};
use keelson_storage::Storage;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where credentials, the kubeconfig and (unless in memory) the database live.
    pub data_dir: PathBuf,
    /// Address to listen on.
    pub bind_address: std::net::IpAddr,
    /// Port (0 picks a free one).
    pub secure_port: u16,
    /// Keep objects in memory only.
    pub in_memory: bool,
    /// Storage tuning.
    pub storage: SqliteOptions,
    /// Events each resource's watch cache keeps for watches that resume.
    pub watch_cache_capacity: usize,
    /// Where Service ClusterIPs come from (`--service-cluster-ip-range`).
    pub service_cluster_ip_range: crate::ipalloc::ServiceCidr,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            data_dir: PathBuf::from("keelson-data"),
            bind_address: std::net::IpAddr::from([127, 0, 0, 1]),
            secure_port: 6443,
            in_memory: false,
            storage: SqliteOptions::default(),
            watch_cache_capacity: crate::watch_cache::EVENT_RING_CAPACITY,
            service_cluster_ip_range: crate::ipalloc::ServiceCidr::default(),
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// Files or sockets.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// Storage.
    #[error("storage: {0}")]
    Storage(#[from] keelson_storage::StorageError),
    /// TLS setup.
    #[error("tls: {0}")]
    Tls(String),
    /// Creating the default objects.
    #[error("bootstrap: {0}")]
    Bootstrap(String),
}

/// A running server.
pub struct RunningServer {
    /// The local address it listens on.
    pub addr: SocketAddr,
    /// `https://127.0.0.1:<port>`.
    pub url: String,
    /// Path of the admin kubeconfig.
    pub kubeconfig: PathBuf,
    /// The admin bearer token.
    pub token: String,
    /// The CA certificate (PEM) that signs the serving certificate.
    pub ca_pem: String,
    shutdown_tx: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
    storage: Arc<dyn Storage>,
    caches: Arc<CacheSet>,
}

impl RunningServer {
    /// Stops accepting, ends watches, drains requests and flushes storage.
    pub async fn shutdown(self) {
        let _ = self.shutdown_tx.send(true);
        self.caches.close_all();
        let _ = self.task.await;
        if let Err(e) = self.storage.close().await {
            tracing::warn!(error = %e, "closing storage");
        }
    }
}

/// Starts a server.
pub async fn start(config: ServerConfig) -> Result<RunningServer, StartError> {
    std::fs::create_dir_all(&config.data_dir)?;
    let creds = pki::load_or_create(&config.data_dir)?;
    let backend: Arc<dyn Storage> = if config.in_memory {
        Arc::new(SqliteStorage::open_in_memory(config.storage.clone())?)
    } else {
        Arc::new(SqliteStorage::open(
            &config.data_dir.join("keelson.db"),
            config.storage.clone(),
        )?)
    };
    let metrics = Metrics::new();
    let storage: Arc<dyn Storage> = Arc::new(InstrumentedStorage::new(
        backend,
        metrics.storage_duration.clone(),
    ));
    let table = resources::builtin().to_vec();
    let mut prefixes: HashMap<String, FieldExtractor> = HashMap::new();
    let registry_probe = Registry::field_extractors(&table);
    for (p, f) in registry_probe {
        prefixes.entry(p).or_insert(f);
    }
    let caches = CacheSet::start(
        storage.clone(),
        prefixes.into_iter().collect(),
        config.watch_cache_capacity,
    )
    .await?;
    let registry = Arc::new(Registry::new(
        storage.clone(),
        caches.clone(),
        table.clone(),
        config.service_cluster_ip_range,
    ));
    let listener = TcpListener::bind((config.bind_address, config.secure_port)).await?;
    let addr = listener.local_addr()?;
    bootstrap::ensure_defaults(&registry, addr.port())
        .await
        .map_err(|e| StartError::Bootstrap(e.to_string()))?;
    let host = if addr.ip().is_unspecified() || addr.ip().is_loopback() {
        "127.0.0.1".to_string()
    } else {
        addr.ip().to_string()
    };
    let url = format!("https://{host}:{}", addr.port());
    let kubeconfig = pki::write_kubeconfig(&config.data_dir, &url, &creds)?;

    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut tls = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(creds.serving_chain.clone(), creds.serving_key.clone_key())
        .map_err(|e| StartError::Tls(e.to_string()))?;
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));

    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let state = Arc::new(ApiState {
        registry,
        openapi: OpenApi::new(table),
        metrics,
        admin_token: creds.admin_token.clone(),
        server_address: format!("{host}:{}", addr.port()),
        shutdown: shutdown_rx.clone(),
    });
    let task = tokio::spawn(serve(listener, acceptor, state, shutdown_rx));
    Ok(RunningServer {
        addr,
        url,
        kubeconfig,
        token: creds.admin_token,
        ca_pem: creds.ca_pem,
        shutdown_tx,
        task,
        storage,
        caches,
    })
}

async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    state: Arc<ApiState>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((tcp, _peer)) = accepted else { continue };
                let _ = tcp.set_nodelay(true);
                let acceptor = acceptor.clone();
                let state = state.clone();
                let mut conn_shutdown = shutdown.clone();
                conns.spawn(async move {
                    let Ok(Ok(tls)) = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(tcp)).await else { return };
                    let svc = hyper::service::service_fn(move |req| {
                        let state = state.clone();
                        async move { Ok::<_, std::convert::Infallible>(handle(state, req).await) }
                    });
                    let builder = auto::Builder::new(TokioExecutor::new());
                    let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), svc);
                    tokio::pin!(conn);
                    tokio::select! {
                        _ = conn.as_mut() => {}
                        _ = async { let _ = conn_shutdown.wait_for(|s| *s).await; } => {
                            conn.as_mut().graceful_shutdown();
                            let _ = tokio::time::timeout(Duration::from_secs(10), conn.as_mut()).await;
                        }
                    }
                });
            }
            _ = async { let _ = shutdown.wait_for(|s| *s).await; } => break,
        }
        while conns.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = tokio::time::timeout(Duration::from_secs(15), async {
        while conns.join_next().await.is_some() {}
    })
    .await;
}
