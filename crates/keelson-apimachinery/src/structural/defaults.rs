//! Schema defaults (`default` in a CRD's `openAPIV3Schema`): a field that is
//! absent gets its default, at any depth, as kube-apiserver's structural
//! defaulting does. Built-in kinds default in code ([`crate::defaults`]).

use super::shape::{Node, Shape};
use serde_json::Value;

/// Fills in the `default` of every absent field whose parent object exists.
pub fn apply_schema_defaults(obj: &mut Value, root: Node<'_>) {
    default_value(obj, root);
}

fn default_value(value: &mut Value, node: Node<'_>) {
    match (node.shape(), value) {
        (Shape::Struct(st), Value::Object(map)) => {
            for (key, schema) in st.properties {
                if !map.contains_key(key) {
                    if let Some(d) = Node::of(schema).schema.get("default") {
                        map.insert(key.clone(), d.clone());
                    }
                }
                if let Some(v) = map.get_mut(key) {
                    default_value(v, Node::of(schema));
                }
            }
        }
        (Shape::Map(values), Value::Object(map)) => {
            let values = Node::of(values);
            map.values_mut().for_each(|v| default_value(v, values));
        }
        (Shape::List(items), Value::Array(elems)) => {
            let items = Node::of(items);
            elems.iter_mut().for_each(|v| default_value(v, items));
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_fill_absent_fields_inside_present_objects() {
        let schema = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "replicas": {"type": "integer", "default": 1},
            "mode": {"type": "string", "default": "fast"},
            "ports": {"type": "array", "items": {"type": "object", "properties": {
                "protocol": {"type": "string", "default": "TCP"}, "port": {"type": "integer"}}}},
            "nested": {"type": "object", "properties": {"x": {"type": "string", "default": "y"}}}
        }}}});
        let mut obj = json!({"spec": {"mode": "slow", "ports": [{"port": 80}]}});
        apply_schema_defaults(&mut obj, Node::of(&schema));
        assert_eq!(
            obj,
            json!({"spec": {"mode": "slow", "ports": [{"port": 80, "protocol": "TCP"}], "replicas": 1}})
        );
    }
}
