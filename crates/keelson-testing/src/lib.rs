//! The whole Keelson API server in-process, for tests.
//!
//! Each [`TestServer`] has its own in-memory storage, a free port on
//! 127.0.0.1 and its own credentials; dropping it shuts it down.
//!
//! With kube-rs as the client:
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use k8s_openapi::api::core::v1::ConfigMap;
//! use kube::api::{Api, PostParams};
//!
//! let server = keelson_testing::TestServer::start().await;
//! let client = kube::Client::try_from(server.kube_config().await?)?;
//! let cms: Api<ConfigMap> = Api::namespaced(client, "default");
//! let mut cm = ConfigMap::default();
//! cm.metadata.name = Some("example".into());
//! cms.create(&PostParams::default(), &cm).await?;
//! assert!(cms.get("example").await.is_ok());
//! # Ok(()) }
//! ```

use keelson_apiserver::RunningServer;
pub use keelson_apiserver::ServerConfig;
use std::path::{Path, PathBuf};

/// An in-process API server for one test.
pub struct TestServer {
    server: Option<RunningServer>,
    dir: tempfile::TempDir,
}

impl TestServer {
    /// Starts a server with in-memory storage on a free port.
    ///
    /// Panics if the server cannot start: a test cannot go on without it.
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `configure` adjusted its configuration (storage
    /// tuning, watch cache size, ...). The data directory and port stay the
    /// test's own.
    pub async fn start_with(configure: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().expect("temporary directory for the test server");
        let mut config = ServerConfig {
            in_memory: true,
            ..Default::default()
        };
        configure(&mut config);
        config.data_dir = dir.path().to_path_buf();
        config.secure_port = 0;
        let server = keelson_apiserver::start(config)
            .await
            .expect("test server starts");
        TestServer {
            server: Some(server),
            dir,
        }
    }

    fn running(&self) -> &RunningServer {
        self.server.as_ref().expect("server runs until dropped")
    }

    /// `https://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.running().url
    }

    /// Path of the admin kubeconfig.
    pub fn kubeconfig_path(&self) -> PathBuf {
        self.running().kubeconfig.clone()
    }

    /// The admin bearer token.
    pub fn token(&self) -> &str {
        &self.running().token
    }

    /// The CA certificate (PEM) the client must trust.
    pub fn ca_pem(&self) -> &str {
        &self.running().ca_pem
    }

    /// The server's data directory.
    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    /// A kube-rs `Config` for this server.
    #[cfg(feature = "kube")]
    pub async fn kube_config(&self) -> Result<kube::Config, kube::config::KubeconfigError> {
        let kubeconfig = kube::config::Kubeconfig::read_from(self.kubeconfig_path())?;
        kube::Config::from_custom_kubeconfig(kubeconfig, &Default::default()).await
    }

    /// Shuts the server down and waits for it (dropping does the same in the background).
    pub async fn shutdown(mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            if let Ok(handle) = tokio::runtime::Handle::try_current() {
                handle.spawn(s.shutdown());
            }
        }
    }
}
