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
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};
use std::fmt;
use std::io::{BufReader, Read};
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

/// All definitions as [`definitions`] has them, minus every schema's
/// `description`: what computing a strategic merge patch needs, in a fifth
/// of the memory. The documentation is four fifths of the document, and a
/// client (`keelctl apply`) that only looks up merge keys should not hold
/// it. The JSON is parsed straight out of the gzip stream, so the
/// decompressed text is never held either.
pub fn undocumented_definitions() -> &'static Map<String, Value> {
    static DEFINITIONS: OnceLock<Map<String, Value>> = OnceLock::new();
    DEFINITIONS.get_or_init(|| {
        let reader = BufReader::with_capacity(64 * 1024, GzDecoder::new(SCHEMAS_GZ));
        let mut de = serde_json::Deserializer::from_reader(reader);
        match (SchemaSeed {
            keys_are_names: true,
        })
        .deserialize(&mut de)
        {
            Ok(Value::Object(map)) => map,
            _ => panic!("embedded schemas.json.gz holds a JSON object"),
        }
    })
}

/// Deserializes a schema into a [`Value`], dropping `description` where it
/// documents the schema. Under `properties` (and at the top, where keys
/// name definitions) keys are names, so a field called `description`
/// (PriorityClass has one) is kept.
#[derive(Clone, Copy)]
struct SchemaSeed {
    keys_are_names: bool,
}

impl<'de> DeserializeSeed<'de> for SchemaSeed {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for SchemaSeed {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an OpenAPI schema")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        let item = SchemaSeed {
            keys_are_names: false,
        };
        while let Some(v) = seq.next_element_seed(item)? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if !self.keys_are_names && key == "description" {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value_seed(SchemaSeed {
                keys_are_names: !self.keys_are_names && key == "properties",
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
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
    fn undocumented_definitions_are_the_definitions_without_descriptions() {
        fn strip(value: &Value, keys_are_names: bool) -> Value {
            match value {
                Value::Object(map) => Value::Object(
                    map.iter()
                        .filter(|(k, _)| keys_are_names || k.as_str() != "description")
                        .map(|(k, v)| (k.clone(), strip(v, !keys_are_names && k == "properties")))
                        .collect(),
                ),
                Value::Array(items) => {
                    Value::Array(items.iter().map(|v| strip(v, false)).collect())
                }
                other => other.clone(),
            }
        }
        let expected = strip(&Value::Object(definitions().clone()), true);
        assert_eq!(Value::Object(undocumented_definitions().clone()), expected);
        let priority_class = &undocumented_definitions()["io.k8s.api.scheduling.v1.PriorityClass"];
        assert!(priority_class.get("description").is_none());
        assert_eq!(
            priority_class["properties"]["description"]["type"],
            "string"
        );
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
