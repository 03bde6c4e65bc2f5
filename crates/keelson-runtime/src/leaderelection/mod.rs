//! Leader election on `coordination.k8s.io/v1` Leases (client-go's
//! `tools/leaderelection`): of several replicas of a controller, one works
//! while the others wait to take over.
//!
//! ```no_run
//! # async fn demo(client: keelson_client::RestClient) {
//! use keelson_runtime::leaderelection::{LeaderCallbacks, LeaderElectionConfig, LeaderElector};
//! use tokio_util::sync::CancellationToken;
//!
//! let config = LeaderElectionConfig::new("kube-system", "my-controller", "host-1")
//!     .release_on_cancel(true);
//! let elector = LeaderElector::new(client, config).expect("valid configuration");
//! let shutdown = CancellationToken::new();
//! elector
//!     .run(
//!         shutdown.clone(),
//!         LeaderCallbacks::new(|lost| async move {
//!             // Work as leader until `lost` is cancelled.
//!             lost.cancelled().await;
//!         })
//!         .on_new_leader(|id| println!("new leader: {id}")),
//!     )
//!     .await;
//! # }
//! ```

mod config;
mod elector;
mod lease_lock;

pub use config::{InvalidConfig, LeaderElectionConfig, JITTER_FACTOR};
pub use elector::{LeaderCallbacks, LeaderElector};
pub use lease_lock::LeaderElectionRecord;
pub use tokio_util::sync::CancellationToken;
