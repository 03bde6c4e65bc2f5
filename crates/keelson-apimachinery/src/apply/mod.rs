//! Server-side apply and `metadata.managedFields`, as kube-apiserver 1.37
//! does them (its field manager over sigs.k8s.io/structured-merge-diff).
//!
//! Types come from the embedded OpenAPI definitions ([`typeref`]): list
//! semantics from `x-kubernetes-list-type` / `x-kubernetes-list-map-keys`,
//! map semantics from `x-kubernetes-map-type`. On that:
//!
//! - [`fieldset`]: sets of field paths ([`path`]) and their `FieldsV1` JSON;
//! - [`fields`]: the fields an object sets, validating apply configurations;
//! - [`merge`]: merging a configuration into an object, comparing objects;
//! - [`remove`]: removing fields by set;
//! - [`managed`]: `metadata.managedFields` entries;
//! - [`updater`]: ownership changes, conflicts, pruning of dropped fields;
//! - [`field_manager`]: the whole of it for one endpoint.
//!
//! ```
//! use keelson_apimachinery::apply::{field_manager::FieldManager, typeref, updater::ResetFields};
//! use serde_json::json;
//!
//! let fm = FieldManager {
//!     schema: typeref::for_kind("", "v1", "ConfigMap"),
//!     api_version: "v1".into(),
//!     kind: "ConfigMap".into(),
//!     subresource: String::new(),
//!     reset: ResetFields::None,
//! };
//! let config = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"}, "data": {"a": "1"}});
//! let obj = fm.apply(&json!({}), &config, "mgr", false, "2026-01-01T00:00:00Z").unwrap();
//! assert_eq!(obj["metadata"]["managedFields"][0]["manager"], "mgr");
//! assert_eq!(obj["metadata"]["managedFields"][0]["fieldsV1"], json!({"f:data": {"f:a": {}}}));
//! ```

pub mod field_manager;
pub mod fields;
pub mod fieldset;
pub mod managed;
pub mod merge;
pub mod path;
pub mod remove;
pub mod typeref;
pub mod updater;
pub mod value;
