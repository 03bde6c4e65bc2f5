//! The Kubernetes 1.37 OpenAPI v2 definitions, embedded.
//!
//! Every definition kube-apiserver 1.37 publishes (`io.k8s.api.apps.v1.Deployment`,
//! `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`, ...), with the
//! `x-kubernetes-*` extensions that drive validation, pruning, defaulting and
//! patch strategies. References point at `#/definitions/<name>`.
//!
//! `tools/gen-resources.py` writes them, gzip'd and minified, to
//! `schemas.json.gz`. They are decompressed on first use, not at start-up:
//! a server that never needs a schema never pays for it.
//!
//! ```
//! let pod = keelson_apimachinery::schema::definition("io.k8s.api.core.v1.Pod").unwrap();
//! assert!(pod["properties"]["spec"]["$ref"].as_str().unwrap().ends_with("PodSpec"));
//! ```

use flate2::read::GzDecoder;
use serde_json::{Map, Value};
use std::io::Read;
use std::sync::OnceLock;

static SCHEMAS_GZ: &[u8] = include_bytes!("schemas.json.gz");

/// Prefix of a reference to another definition in [`definitions`].
pub const DEFINITIONS_REF_PREFIX: &str = "#/definitions/";

/// All definitions, keyed by name, sorted by name.
pub fn definitions() -> &'static Map<String, Value> {
    static DEFINITIONS: OnceLock<Map<String, Value>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        let mut json = Vec::with_capacity(SCHEMAS_GZ.len() * 6);
        GzDecoder::new(SCHEMAS_GZ)
            .read_to_end(&mut json)
            .expect("embedded schemas.json.gz is generated and valid gzip");
        serde_json::from_slice(&json).expect("embedded schemas.json.gz holds a JSON object")
    })
}

/// The definition named `name`, e.g. `io.k8s.api.core.v1.Pod`.
pub fn definition(name: &str) -> Option<&'static Value> {
    definitions().get(name)
}

/// The definition a `$ref` such as `#/definitions/io.k8s.api.core.v1.PodSpec` points at.
pub fn resolve_ref(reference: &str) -> Option<&'static Value> {
    reference
        .strip_prefix(DEFINITIONS_REF_PREFIX)
        .and_then(definition)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carries_kubernetes_extensions() {
        let containers =
            &definition("io.k8s.api.core.v1.PodSpec").unwrap()["properties"]["containers"];
        assert_eq!(containers["x-kubernetes-patch-merge-key"], "name");
        assert_eq!(containers["x-kubernetes-patch-strategy"], "merge");
        assert_eq!(containers["x-kubernetes-list-type"], "map");
        assert_eq!(
            containers["items"]["$ref"],
            "#/definitions/io.k8s.api.core.v1.Container"
        );
    }

    #[test]
    fn top_level_kinds_carry_their_gvk() {
        let deployment = definition("io.k8s.api.apps.v1.Deployment").unwrap();
        assert_eq!(
            deployment["x-kubernetes-group-version-kind"],
            serde_json::json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
        );
    }

    #[test]
    fn types_are_openapi_v2_not_nullable_json_schema() {
        let replicas =
            &definition("io.k8s.api.apps.v1.DeploymentSpec").unwrap()["properties"]["replicas"];
        assert_eq!(replicas["type"], "integer");
        assert_eq!(replicas["format"], "int32");
        let int_or_string = definition("io.k8s.apimachinery.pkg.util.intstr.IntOrString").unwrap();
        assert_eq!(int_or_string["format"], "int-or-string");
        // apiVersion/kind carry no enum in kube-apiserver's documents.
        let api_version =
            &definition("io.k8s.api.core.v1.Pod").unwrap()["properties"]["apiVersion"];
        assert!(api_version.get("enum").is_none());
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(value: &Value, missing: &mut Vec<String>) {
            match value {
                Value::Object(map) => {
                    if let Some(Value::String(r)) = map.get("$ref") {
                        if resolve_ref(r).is_none() {
                            missing.push(r.clone());
                        }
                    }
                    map.values().for_each(|v| walk(v, missing));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(v, missing)),
                _ => {}
            }
        }
        let mut missing = Vec::new();
        definitions().values().for_each(|d| walk(d, &mut missing));
        assert!(missing.is_empty(), "dangling references: {missing:?}");
    }
}
