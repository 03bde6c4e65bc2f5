//! The structural-schema engine: one walker over an object and its schema
//! that drives strict decoding (type errors, unknown and duplicate fields),
//! pruning and schema defaulting.
//!
//! Built-in kinds use the embedded Kubernetes 1.37 definitions; custom
//! resources use their `openAPIV3Schema`. Both are [`Node`]s.
//!
//! ```
//! use keelson_apimachinery::structural::{decode, Checks, Node, Raw};
//! let deployment = Node::definition("io.k8s.api.apps.v1.Deployment").unwrap();
//! let body = br#"{"metadata": {"name": "web", "name": "web"}, "spec": {"replica": 2}}"#;
//! let found = decode(&Raw::parse_json(body).unwrap(), deployment, Checks::ALL);
//! assert_eq!(found.strict, [r#"duplicate field "metadata.name""#, r#"unknown field "spec.replica""#]);
//! ```

mod decode;
mod defaults;
mod patch_check;
mod prune;
mod raw;
mod scalars;
mod shape;
mod yaml_dups;

pub use decode::{decode, duplicate_keys, Checks, Decoded};
pub use defaults::apply_schema_defaults;
pub use patch_check::patch_conforms;
pub use prune::prune;
pub use raw::Raw;
pub use scalars::{check_base64, check_quantity, check_rfc3339};
pub use shape::{Node, Scalar, Shape, Struct};
pub use yaml_dups::duplicate_keys as yaml_duplicate_keys;
