//! Events (`events.k8s.io/v1`) with client-go's aggregation of repeats
//! (`tools/events`): what `kubectl events` and `kubectl describe` show.
//!
//! ```no_run
//! # async fn demo(client: keelson_client::RestClient, cm: k8s_openapi::api::core::v1::ConfigMap) {
//! use keelson_runtime::events::{object_reference, EventBroadcaster, EventType};
//!
//! let broadcaster = EventBroadcaster::new(client);
//! let recorder = broadcaster.new_recorder("example.com/configmap-secret", "pod-1");
//! recorder.event(
//!     &object_reference(&cm),
//!     None,
//!     EventType::Normal,
//!     "SecretCreated",
//!     "Create",
//!     "created Secret web-copy",
//! );
//! broadcaster.shutdown().await; // writes what is queued
//! # }
//! ```

mod broadcaster;
mod recorder;
mod reference;

pub use broadcaster::{EventBroadcaster, EventBroadcasterOptions};
pub use recorder::{EventRecorder, EventType, MAX_NOTE_BYTES};
pub use reference::object_reference;
