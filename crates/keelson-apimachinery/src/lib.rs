//! Kubernetes API machinery, pure: no IO and no async runtime.
//!
//! Objects are `serde_json::Value`s; this crate knows their shape (metadata,
//! selectors, Status errors), how to decode and encode them (JSON, YAML,
//! multi-document), how to patch them, and which built-in resources exist.
//!
//! ```
//! use keelson_apimachinery::selector::LabelSelector;
//! let sel: LabelSelector = "app=web,tier notin (db)".parse().unwrap();
//! let labels = [("app".to_string(), "web".to_string())].into_iter().collect();
//! assert!(sel.matches(&labels));
//! ```

pub mod apply;
pub mod codec;
pub mod defaults;
pub mod gofmt;
pub mod gvk;
pub mod kind_validation;
pub mod meta;
pub mod patch;
pub mod protobuf;
pub mod quantity;
pub mod resources;
pub mod schema;
pub mod selector;
pub mod status;
pub mod strategic;
pub mod structural;
pub mod validation;
