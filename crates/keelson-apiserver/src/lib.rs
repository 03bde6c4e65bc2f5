//! The Keelson API server: the Kubernetes 1.37 REST API over HTTPS on
//! embedded storage.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let server = keelson_apiserver::start(keelson_apiserver::ServerConfig {
//!     data_dir: "/tmp/keelson-demo".into(),
//!     secure_port: 0,
//!     in_memory: true,
//!     ..Default::default()
//! })
//! .await?;
//! println!("serving on {} (kubeconfig: {})", server.url, server.kubeconfig.display());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

pub mod admission;
pub mod bootstrap;
pub mod discovery;
pub mod endpoints;
pub mod filter;
pub mod handler;
pub mod instrumented;
pub mod ipalloc;
pub mod managed_fields;
pub mod metrics;
pub mod negotiate;
pub mod openapi;
pub mod pki;
pub mod pod_admission;
pub mod recent_writes;
pub mod registry;
pub mod request_info;
pub mod server;
pub mod stamp;
pub mod strategy;
pub mod table;
pub mod watch_cache;

pub use server::{start, RunningServer, ServerConfig, StartError};
