//! The `kubectl.kubernetes.io/last-applied-configuration` annotation
//! (kubectl's `apply` util: `GetModifiedConfiguration`,
//! `CreateApplyAnnotation`, `GetOriginalConfiguration`).

use super::object::{child_map_mut, metadata_mut};
use keelson_apimachinery::codec::to_json;
use serde_json::{Map, Value};

/// The annotation's key.
pub const ANNOTATION: &str = "kubectl.kubernetes.io/last-applied-configuration";

/// The object as JSON the way kubectl encodes it for the annotation: keys
/// sorted (Go marshals maps so), compact, a final newline. The annotation
/// itself is left out, and an object without annotations gets an empty
/// `annotations` map, as kubectl's round trip through its accessors does;
/// with `annotate`, the result carries itself as the annotation.
pub fn modified_configuration(obj: &Value, annotate: bool) -> String {
    let mut copy = obj.clone();
    let annotations = annotations_mut(&mut copy);
    annotations.remove(ANNOTATION);
    let without = encode(&copy);
    if !annotate {
        return without;
    }
    annotations_mut(&mut copy).insert(ANNOTATION.to_string(), Value::String(without));
    encode(&copy)
}

/// Sets the annotation to the object's own configuration (`--save-config`,
/// apply's create path).
pub fn set_annotation(obj: &mut Value) {
    let modified = modified_configuration(obj, false);
    annotations_mut(obj).insert(ANNOTATION.to_string(), Value::String(modified));
}

/// The annotation's value on a live object, if set.
pub fn original_configuration(live: &Value) -> Option<&str> {
    live.pointer("/metadata/annotations")
        .and_then(|a| a.get(ANNOTATION))
        .and_then(Value::as_str)
}

fn annotations_mut(obj: &mut Value) -> &mut Map<String, Value> {
    child_map_mut(metadata_mut(obj), "annotations")
}

/// Go's `json.Marshal` of an unstructured object, plus the encoder's newline.
pub fn encode(obj: &Value) -> String {
    let mut s = to_json(&crate::printers::sort_keys(obj));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_annotation_reads_like_kubectls() {
        let mut cm = json!({"kind": "ConfigMap", "apiVersion": "v1", "metadata": {"name": "a", "namespace": "n"}, "data": {"x": "<1>"}});
        set_annotation(&mut cm);
        assert_eq!(
            original_configuration(&cm).unwrap(),
            "{\"apiVersion\":\"v1\",\"data\":{\"x\":\"\\u003c1\\u003e\"},\"kind\":\"ConfigMap\",\"metadata\":{\"annotations\":{},\"name\":\"a\",\"namespace\":\"n\"}}\n"
        );
        // Re-annotating ignores the old annotation.
        let again = modified_configuration(&cm, false);
        assert_eq!(again, original_configuration(&cm).unwrap());
        let with = modified_configuration(&cm, true);
        assert!(
            with.contains("\"kubectl.kubernetes.io/last-applied-configuration\":\"{\\\"apiVersion")
        );
    }
}
