//! A Kubernetes client in client-go's shape, for Keelson and any conformant API server.
//!
//! - [`config`]: kubeconfig files merged as kubectl merges them (`KUBECONFIG`,
//!   `--kubeconfig`), contexts, kubectl's flag overrides, exec credential
//!   plugins, in-cluster service accounts → a [`Config`].
//! - [`RestClient`]: client-go's `RESTClient` builder verbs over a pooled
//!   hyper + rustls transport (HTTP/2 by ALPN), with client-side rate limiting,
//!   `Retry-After` retries, timeouts and kubectl's `-v=6..9` request tracing.
//! - [`api::Api`]: typed verbs over `k8s-openapi` types (client-go's ClientSet).
//! - [`dynamic::DynamicApi`]: any resource by `GroupVersionResource`, on [`DynamicObject`]s.
//! - [`discovery::DiscoveryClient`]: legacy and aggregated discovery with kubectl's disk cache.
//! - [`restmapper::DiscoveryRestMapper`]: kinds ↔ resources and kubectl's resource arguments.
//!
//! Listing nodes with the REST client (see `examples/list_nodes.rs`):
//!
//! ```no_run
//! # async fn demo() -> keelson_client::Result<()> {
//! use keelson_client::{DynamicObject, ObjectList, RestClient};
//! let client = RestClient::try_default()?;
//! let nodes: ObjectList<DynamicObject> = client.get().resource("nodes").into().await?;
//! for node in &nodes.items {
//!     println!("{}", node.name());
//! }
//! # Ok(()) }
//! ```
//!
//! Failures carry the server's `Status`:
//!
//! ```no_run
//! # async fn demo(client: keelson_client::RestClient) {
//! use k8s_openapi::api::core::v1::Pod;
//! use keelson_client::api::Api;
//! let pods: Api<Pod> = Api::namespaced(client, "default");
//! match pods.get("missing").await {
//!     Err(e) if e.is_not_found() => println!("{e}"), // NotFound (404): pods "missing" not found
//!     other => println!("{other:?}"),
//! }
//! # }
//! ```

#![warn(missing_docs)]

pub mod api;
pub mod config;
pub mod discovery;
pub mod dynamic;
mod error;
mod object;
pub mod rest;
pub mod restmapper;
mod transport;

pub use config::Config;
pub use error::{Error, Result};
pub use k8s_openapi;
pub use object::{DynamicObject, ObjectList};
pub use rest::{PatchType, Request, Response, RestClient, WatchEvent};
