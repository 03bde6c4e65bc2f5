//! Mutable access to the maps of an unstructured object, creating them
//! where the object lacks them (or holds something else there), as the
//! unstructured setters of apimachinery do.

use serde_json::{Map, Value};

/// The object's `metadata`, made a map if it was not one.
pub fn metadata_mut(obj: &mut Value) -> &mut Map<String, Value> {
    if !obj.is_object() {
        *obj = Value::Object(Map::new());
    }
    let root = obj.as_object_mut().expect("made an object above");
    child_map_mut(root, "metadata")
}

/// `map[key]`, made a map if it was missing or not one.
pub fn child_map_mut<'a>(map: &'a mut Map<String, Value>, key: &str) -> &'a mut Map<String, Value> {
    let child = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !child.is_object() {
        *child = Value::Object(Map::new());
    }
    child.as_object_mut().expect("made an object above")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn metadata_is_created_on_a_non_object() {
        let mut obj = json!("text");
        metadata_mut(&mut obj).insert("name".into(), json!("a"));
        assert_eq!(obj, json!({"metadata": {"name": "a"}}));
    }

    #[test]
    fn a_non_map_child_is_replaced_and_a_map_kept() {
        let mut obj = json!({"metadata": {"labels": 3, "annotations": {"k": "v"}}});
        let meta = metadata_mut(&mut obj);
        child_map_mut(meta, "labels").insert("app".into(), json!("x"));
        child_map_mut(meta, "annotations").insert("k2".into(), json!("w"));
        assert_eq!(
            obj,
            json!({"metadata": {"labels": {"app": "x"}, "annotations": {"k": "v", "k2": "w"}}})
        );
    }
}
